# Rendered by reprise; re-render with: gnuplot val_loss_grid_adam.gp
set encoding utf8
set title "Adam: validation loss after 20000 training examples from the checkpoint" noenhanced
set xlabel "learning rate" noenhanced
set ylabel "validation cross-entropy (nats)" noenhanced
set key top left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set yrange [0.3444:0.7944]
set format x '%g'
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'val_loss_grid_adam.png'
plot 'val_loss_grid_adam.dat' index 0 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "B = 16", \
     'val_loss_grid_adam.dat' index 1 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "B = 128", \
     'val_loss_grid_adam.dat' index 2 using 1:2 with linespoints lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "B = 1024"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'val_loss_grid_adam.svg'
replot
unset output
