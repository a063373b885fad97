# Rendered by reprise; re-render with: gnuplot naive_loss_minimization.gp
set encoding utf8
set title "Weight norm (log scale) under naive loss minimization vs perpAdamW and StableMax" noenhanced
set xlabel "full-batch step" noenhanced
set ylabel "L2 norm of all weights" noenhanced
set key top left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale y
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'naive_loss_minimization.png'
plot 'naive_loss_minimization.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32", \
     'naive_loss_minimization.dat' index 1 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "softmax, float64 logits", \
     'naive_loss_minimization.dat' index 2 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "StableMax", \
     'naive_loss_minimization.dat' index 3 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 1 title "perpAdamW", \
     'naive_loss_minimization.dat' index 4 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 1 title "AdamW + wd"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'naive_loss_minimization.svg'
replot
unset output
