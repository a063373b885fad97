# Rendered by reprise; re-render with: gnuplot simple_init_loss.gp
set encoding utf8
set title "Training loss, simple init N(0, 0.3162^2) + clip 10, one seed" noenhanced
set xlabel "SGD step" noenhanced
set ylabel "training cross-entropy (window mean, nats)" noenhanced
set key bottom left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set yrange [0:2.6]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'simple_init_loss.png'
plot 'simple_init_loss.dat' index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "no noise", \
     'simple_init_loss.dat' index 1 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "noise (eta 0.01, gamma 0.55)", \
     'simple_init_loss.dat' index 2 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 title "ln 10 = 2.303: the constant predictor"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'simple_init_loss.svg'
replot
unset output
