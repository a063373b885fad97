# Rendered by reprise; re-render with: gnuplot update_weight_cosine.gp
set encoding utf8
set title "cos(update, weights) in the last layer: the NLM direction (Prieto et al. 2025, Sec. 5); dotted: SC onset" noenhanced
set xlabel "full-batch step" noenhanced
set ylabel "cosine" noenhanced
set key bottom right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set yrange [-1:1]
set arrow from 1860, graph 0 to 1860, graph 1 nohead dt 3 lc rgb "#0072B2"
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'update_weight_cosine.png'
plot 'update_weight_cosine.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32", \
     'update_weight_cosine.dat' index 1 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "softmax, float64 logits", \
     'update_weight_cosine.dat' index 2 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "StableMax", \
     'update_weight_cosine.dat' index 3 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 1 title "perpAdamW"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'update_weight_cosine.svg'
replot
unset output
