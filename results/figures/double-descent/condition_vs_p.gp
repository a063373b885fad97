# Rendered by reprise; re-render with: gnuplot condition_vs_p.gp
set encoding utf8
set title "Condition number of the feature matrix vs p/n (sanity check; Liu & Flanigan 2023 Sec. 4)" noenhanced
set xlabel "features per training sample, p/n" noenhanced
set ylabel "s_max / s_min (median over seeds)" noenhanced
set key top right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set logscale y
set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "#888888"
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'condition_vs_p.png'
plot 'condition_vs_p.dat' index 0 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "raw features", \
     'condition_vs_p.dat' index 1 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "standardized features + intercept"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'condition_vs_p.svg'
replot
unset output
