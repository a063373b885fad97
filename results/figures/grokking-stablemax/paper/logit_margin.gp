# Rendered by reprise; re-render with: gnuplot logit_margin.gp
set encoding utf8
set title "Mean logit margin z_y - max_(k != y) z_k (StableMax runs off the top); dashed: where exp(-margin) is absorbed" noenhanced
set xlabel "full-batch step" noenhanced
set ylabel "margin (logit units)" noenhanced
set key top right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set yrange [-10:50]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'logit_margin.png'
plot 'logit_margin.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "softmax, float32", \
     'logit_margin.dat' index 1 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "softmax, float64 logits", \
     'logit_margin.dat' index 2 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 1 title "StableMax", \
     'logit_margin.dat' index 3 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 1 title "perpAdamW", \
     'logit_margin.dat' index 4 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 1 title "AdamW + wd", \
     'logit_margin.dat' index 5 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 2 title "float32 collapse, ln 2^24 = 16.6", \
     'logit_margin.dat' index 6 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 2 title "float64 collapse, ln 2^53 = 36.7"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'logit_margin.svg'
replot
unset output
