# Rendered by reprise; re-render with: gnuplot fig1_accuracy.gp
set encoding utf8
set title "Train (dashed) and test (solid) accuracy, no regularization; dotted: SC onset (cf. Prieto et al. 2025, Fig. 1)" noenhanced
set xlabel "full-batch step (log scale)" noenhanced
set ylabel "accuracy" noenhanced
set key below maxcols 1 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 10
set logscale x
set yrange [-0.02:1.05]
set xrange [1:*]
set arrow from 2000, graph 0 to 2000, graph 1 nohead dt 3 lc rgb "#0072B2"
set arrow from 21500, graph 0 to 21500, graph 1 nohead dt 3 lc rgb "#D55E00"
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig1_accuracy.png'
plot 'fig1_accuracy.dat' index 0 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 1 title "perpAdamW: test", \
     'fig1_accuracy.dat' index 1 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "StableMax: test", \
     'fig1_accuracy.dat' index 2 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32: test", \
     'fig1_accuracy.dat' index 3 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "softmax, float64 logits: test", \
     'fig1_accuracy.dat' index 4 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 1 title "AdamW + wd: test", \
     'fig1_accuracy.dat' index 5 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 2 notitle, \
     'fig1_accuracy.dat' index 6 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 2 notitle, \
     'fig1_accuracy.dat' index 7 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 2 notitle, \
     'fig1_accuracy.dat' index 8 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 2 notitle, \
     'fig1_accuracy.dat' index 9 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 notitle, \
     'fig1_accuracy.dat' index 10 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "paper: StableMax test 2% at 15k, 90% at 47k; perp 100% by 160 (Fig. 1, via papers.md)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'fig1_accuracy.svg'
replot
unset output
