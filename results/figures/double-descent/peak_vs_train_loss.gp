# Rendered by reprise; re-render with: gnuplot peak_vs_train_loss.gp
set encoding utf8
set title "Test error vs final training loss at p = n, one point per fit (Liu & Flanigan 2023)" noenhanced
set xlabel "training loss at p = n, ||Phi w - Y||^2 / n" noenhanced
set ylabel "test error at p = n (median over seeds)" noenhanced
set key bottom left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set label "min-norm (off scale): loss 7.601e-25, test error 0.892" at graph 0.03, graph 0.95 noenhanced
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'peak_vs_train_loss.png'
plot 'peak_vs_train_loss.dat' index 0 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "GD, raw", \
     'peak_vs_train_loss.dat' index 1 using 1:2 with points lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "GD, standardized", \
     'peak_vs_train_loss.dat' index 2 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "SGD / Adam"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'peak_vs_train_loss.svg'
replot
unset output
