# Rendered by reprise; re-render with: gnuplot fig2_functions.gp
set encoding utf8
set title "Trained nets (solid) vs kernel GD with Theta_inf from each net's f0 (dashed) (cf. Jacot et al. 2018, Fig. 2)" noenhanced
set xlabel "gamma (radians)" noenhanced
set ylabel "f(x(gamma))" noenhanced
set key below maxcols 2 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 11
set xrange [-pi:pi]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig2_functions.png'
plot 'fig2_functions.dat' index 0 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "training points", \
     'fig2_functions.dat' index 1 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "n = 50, net 1, trained", \
     'fig2_functions.dat' index 2 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 2 title "n = 50, net 1, kernel GD", \
     'fig2_functions.dat' index 3 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "n = 50, net 2, trained", \
     'fig2_functions.dat' index 4 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 2 title "n = 50, net 2, kernel GD", \
     'fig2_functions.dat' index 5 using 1:2 with lines lw 2 lc rgb "#009E73" dt 1 title "n = 50, net 3, trained", \
     'fig2_functions.dat' index 6 using 1:2 with lines lw 2 lc rgb "#009E73" dt 2 title "n = 50, net 3, kernel GD", \
     'fig2_functions.dat' index 7 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "n = 1000, net 1, trained", \
     'fig2_functions.dat' index 8 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 2 title "n = 1000, net 1, kernel GD", \
     'fig2_functions.dat' index 9 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 1 title "n = 1000, net 2, trained", \
     'fig2_functions.dat' index 10 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 2 title "n = 1000, net 2, kernel GD", \
     'fig2_functions.dat' index 11 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 1 title "n = 1000, net 3, trained", \
     'fig2_functions.dat' index 12 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 title "n = 1000, net 3, kernel GD"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig2_functions.svg'
replot
unset output
