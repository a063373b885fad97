# Rendered by reprise; re-render with: gnuplot softmax_collapse.gp
set encoding utf8
set title "Softmax Collapse: samples with sum exp(z - max z) == 1 in the softmax's precision (solid), with zero loss (points)" noenhanced
set xlabel "full-batch step" noenhanced
set ylabel "fraction of training samples" noenhanced
set key below maxcols 1 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 13
set yrange [-0.02:1.02]
set arrow from 2000, graph 0 to 2000, graph 1 nohead dt 3 lc rgb "#0072B2"
set arrow from 21500, graph 0 to 21500, graph 1 nohead dt 3 lc rgb "#D55E00"
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'softmax_collapse.png'
plot 'softmax_collapse.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32", \
     'softmax_collapse.dat' index 1 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "softmax, float64 logits", \
     'softmax_collapse.dat' index 2 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "StableMax", \
     'softmax_collapse.dat' index 3 using 1:2 with points lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "softmax, float32: zero loss", \
     'softmax_collapse.dat' index 4 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "softmax, float64 logits: zero loss", \
     'softmax_collapse.dat' index 5 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "StableMax: zero loss", \
     'softmax_collapse.dat' index 6 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 2 title "StableMax's logits under a float32 softmax (claim 4)", \
     'softmax_collapse.dat' index 7 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 title "claim 4: >= 0.9 at the end", \
     'softmax_collapse.dat' index 8 using 1:2 with lines lw 2 lc rgb "#009E73" dt 2 title "claim 1 (v3): SC and zero-loss share pass 0.5, every seed"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'softmax_collapse.svg'
replot
unset output
