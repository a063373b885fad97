# Rendered by reprise; re-render with: gnuplot update_weight_cosine.gp
set encoding utf8
set title "Last layer: cos(-gradient, W) (solid), cos(update, W) (dashed); dotted: SC onset (Prieto et al., Sec. 5)" noenhanced
set xlabel "full-batch step" noenhanced
set ylabel "cosine" noenhanced
set key below maxcols 1 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 11
set yrange [-1:1]
set arrow from 2000, graph 0 to 2000, graph 1 nohead dt 3 lc rgb "#0072B2"
set arrow from 21500, graph 0 to 21500, graph 1 nohead dt 3 lc rgb "#D55E00"
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'update_weight_cosine.png'
plot 'update_weight_cosine.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32: cos(-gradient, W)", \
     'update_weight_cosine.dat' index 1 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "StableMax: cos(-gradient, W)", \
     'update_weight_cosine.dat' index 2 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 1 title "perpAdamW: cos(-gradient, W)", \
     'update_weight_cosine.dat' index 3 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 1 title "softmax, float32, other seeds: cos(-gradient, W)", \
     'update_weight_cosine.dat' index 4 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 1 notitle, \
     'update_weight_cosine.dat' index 5 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 2 title "softmax, float32: cos(update, W)", \
     'update_weight_cosine.dat' index 6 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 2 title "perpAdamW: cos(update, W)", \
     'update_weight_cosine.dat' index 7 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 title "claim (v3): float32 gradient >= 0.8; perpAdamW update within +-0.1", \
     'update_weight_cosine.dat' index 8 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 notitle, \
     'update_weight_cosine.dat' index 9 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 notitle
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'update_weight_cosine.svg'
replot
unset output
