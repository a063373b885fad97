# Rendered by reprise; re-render with: gnuplot subspace_interval_sweep.gp
set encoding utf8
set title "GaLore at rank 4: final perplexity vs subspace update interval T (cf. GaLore Sec. 6, Fig. 5 left)" noenhanced
set xlabel "T, steps between SVDs (rightmost: T = inf, the step-0 subspace for all 600 steps)" noenhanced
set ylabel "final validation perplexity per byte" noenhanced
set key top center noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set xrange [8.667:900]
set xtics (13, 50, 150, 'inf' 600)
set yrange [9.503:10.49]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'subspace_interval_sweep.png'
plot 'subspace_interval_sweep.dat' index 0 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 title "each seed", \
     'subspace_interval_sweep.dat' index 1 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 notitle, \
     'subspace_interval_sweep.dat' index 2 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 notitle, \
     'subspace_interval_sweep.dat' index 3 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 notitle, \
     'subspace_interval_sweep.dat' index 4 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 notitle, \
     'subspace_interval_sweep.dat' index 5 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 notitle, \
     'subspace_interval_sweep.dat' index 6 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "geometric mean over 6 seeds"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'subspace_interval_sweep.svg'
replot
unset output
