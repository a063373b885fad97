# Rendered by reprise; re-render with: gnuplot fig2_functions.gp
set encoding utf8
set title "Trained nets vs the kernel prediction on the circle (cf. Jacot et al. 2018, Fig. 2)" noenhanced
set xlabel "gamma (radians)" noenhanced
set ylabel "f(x(gamma))" noenhanced
set key below maxcols 2 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 7
set xrange [-pi:pi]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig2_functions.png'
plot 'fig2_functions.dat' index 0 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "training points", \
     'fig2_functions.dat' index 1 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "width 50: trained net", \
     'fig2_functions.dat' index 2 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "width 50: kernel GD with Theta_inf", \
     'fig2_functions.dat' index 3 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 notitle, \
     'fig2_functions.dat' index 4 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 notitle, \
     'fig2_functions.dat' index 5 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 notitle, \
     'fig2_functions.dat' index 6 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 notitle, \
     'fig2_functions.dat' index 7 using 1:2 with lines lw 2 lc rgb "#009E73" dt 1 title "width 1000: trained net", \
     'fig2_functions.dat' index 8 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "width 1000: kernel GD with Theta_inf", \
     'fig2_functions.dat' index 9 using 1:2 with lines lw 2 lc rgb "#009E73" dt 1 notitle, \
     'fig2_functions.dat' index 10 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 notitle, \
     'fig2_functions.dat' index 11 using 1:2 with lines lw 2 lc rgb "#009E73" dt 1 notitle, \
     'fig2_functions.dat' index 12 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 notitle
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig2_functions.svg'
replot
unset output
