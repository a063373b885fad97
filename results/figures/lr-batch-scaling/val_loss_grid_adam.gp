# Rendered by reprise; re-render with: gnuplot val_loss_grid_adam.gp
set encoding utf8
set title "Adam: validation loss after 20000 training examples from the checkpoint" noenhanced
set xlabel "batch size B (examples)" noenhanced
set ylabel "learning rate" noenhanced
set key below maxcols 2 noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set bmargin 5
set logscale x
set logscale y
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')
set cbrange [0.3926:0.6926]
set cblabel 'validation cross-entropy (nats)'
set format x '%g'
set format y '%g'
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'val_loss_grid_adam.png'
plot 'val_loss_grid_adam.dat' index 0 using 1:2:3 with points pt 5 ps 7 lc palette notitle, \
     'val_loss_grid_adam.dat' index 1 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "best lr per B"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'val_loss_grid_adam.svg'
replot
unset output
