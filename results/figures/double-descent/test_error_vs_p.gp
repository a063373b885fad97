# Rendered by reprise; re-render with: gnuplot test_error_vs_p.gp
set encoding utf8
set title "Test error vs p/n, raw features, GD step budgets T at lr 1/lambda_max (cf. Belkin et al. 2019 Fig. 2)" noenhanced
set xlabel "features per training sample, p/n" noenhanced
set ylabel "test error (0-1, median over seeds)" noenhanced
set key below maxcols 1 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 11
set logscale x
set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "#888888"
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'test_error_vs_p.png'
plot 'test_error_vs_p.dat' index 0 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "min-norm", \
     'test_error_vs_p.dat' index 1 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "GD T=10", \
     'test_error_vs_p.dat' index 2 using 1:2 with linespoints lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "GD T=1000", \
     'test_error_vs_p.dat' index 3 using 1:2 with linespoints lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "GD T=100000", \
     'test_error_vs_p.dat' index 4 using 1:2 with linespoints lw 2 lc rgb "#E69F00" dt 1 pt 8 ps 0.9 title "GD T=1e+08", \
     'test_error_vs_p.dat' index 5 using 1:2 with linespoints lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "GD T=1e+12", \
     'test_error_vs_p.dat' index 6 using 1:2 with linespoints lw 2 lc rgb "#000000" dt 2 pt 4 ps 0.9 title "GD from w0 (largest T), w0 ~ N(0, 1/p) per entry"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'test_error_vs_p.svg'
replot
unset output
