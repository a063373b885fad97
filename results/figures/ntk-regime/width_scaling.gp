# Rendered by reprise; re-render with: gnuplot width_scaling.gp
set encoding utf8
set title "NTK fluctuation at init and drift in training vs width (cf. Jacot et al. 2018, Sec. 6; Lee et al. 2019)" noenhanced
set xlabel "width n (hidden units per layer)" noenhanced
set ylabel "relative size" noenhanced
set key bottom left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set logscale y
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'width_scaling.png'
plot 'width_scaling.dat' index 0 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "net-to-net sd at init / limit, init-only nets +- 1 se (slope -0.4526)", \
     'width_scaling.dat' index 1 using 1:2 with points lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "the same, 5 trained nets' inits (slope -0.312)", \
     'width_scaling.dat' index 2 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "|Theta_T - Theta_0|_F / |Theta_0|_F (slope -0.9427)", \
     'width_scaling.dat' index 3 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 title "n^(-1/2), fitted to the init-only spread"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'width_scaling.svg'
replot
unset output
