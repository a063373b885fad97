# Rendered by reprise; re-render with: gnuplot update_weight_cosine.gp
set encoding utf8
set title "cos(update, weights) in the last layer: the NLM direction" noenhanced
set xlabel "full-batch step" noenhanced
set ylabel "cosine" noenhanced
set key bottom right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set yrange [-1:1]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'update_weight_cosine.png'
plot 'update_weight_cosine.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32", \
     'update_weight_cosine.dat' index 1 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "perpAdamW"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'update_weight_cosine.svg'
replot
unset output
