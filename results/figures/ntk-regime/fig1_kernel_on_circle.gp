# Rendered by reprise; re-render with: gnuplot fig1_kernel_on_circle.gp
set encoding utf8
set title "NTK Theta(x0, x(gamma)) at init and after 200 GD steps (cf. Jacot et al. 2018, Fig. 1)" noenhanced
set xlabel "gamma (radians), x = (cos gamma, sin gamma)" noenhanced
set ylabel "Theta(x0, x)" noenhanced
set key below maxcols 1 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 10
set xrange [-pi:pi]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig1_kernel_on_circle.png'
plot 'fig1_kernel_on_circle.dat' index 0 using 1:2 with lines lw 2 lc rgb "#000000" dt 1 title "analytic limit Theta_inf (Theorem 1)", \
     'fig1_kernel_on_circle.dat' index 1 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "width 64, init: mean +- sd of 40 nets", \
     'fig1_kernel_on_circle.dat' index 2 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "width 2048, init: geometric mean of 200 nets, simultaneous 95% band (claim 1)", \
     'fig1_kernel_on_circle.dat' index 3 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "width 64, after training (mean of trained nets)", \
     'fig1_kernel_on_circle.dat' index 4 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "width 2048, after training (mean of trained nets)", \
     'fig1_kernel_on_circle.dat' index 5 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "Theta_inf at gamma = 0, 0.5, 1, 2, 3, pi (shared/papers.md, from Theorem 1's recursion)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig1_kernel_on_circle.svg'
replot
unset output
