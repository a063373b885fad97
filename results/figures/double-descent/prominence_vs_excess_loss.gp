# Rendered by reprise; re-render with: gnuplot prominence_vs_excess_loss.gp
set encoding utf8
set title "Peak prominence vs training loss above its floor at p = n, one point per fit, medians over seeds (Liu & Flanigan 2023, Sec. 5)" noenhanced
set xlabel "training loss at p = n minus the min-norm loss on the same features (floored at 1e-12)" noenhanced
set ylabel "error(p = n) / mean error(p = n/2, 2n)" noenhanced
set key top right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#888888"
set arrow from 0.01, graph 0 to 0.01, graph 1 nohead dt 3 lc rgb "#444444"
set arrow from 0.1, graph 0 to 0.1, graph 1 nohead dt 3 lc rgb "#444444"
set arrow from 1e-12, first 1.5 to 0.01, first 1.5 nohead dt 3 lc rgb "#444444"
set arrow from 0.1, first 1.2 to 1, first 1.2 nohead dt 3 lc rgb "#444444"
set label "claim 4: >= 1.5 left of 0.01" at 1e-11, first 1.53 noenhanced
set label "<= 1.2 right of 0.1" at 0.012, first 1.25 noenhanced
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'prominence_vs_excess_loss.png'
plot 'prominence_vs_excess_loss.dat' index 0 using 1:2 with points lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "min-norm", \
     'prominence_vs_excess_loss.dat' index 1 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "GD, raw", \
     'prominence_vs_excess_loss.dat' index 2 using 1:2 with points lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "GD, standardized", \
     'prominence_vs_excess_loss.dat' index 3 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "SGD / Adam"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'prominence_vs_excess_loss.svg'
replot
unset output
