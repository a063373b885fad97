# Rendered by reprise; re-render with: gnuplot table1_accuracy.gp
set encoding utf8
set title "Test accuracy per cell, one dot per run (cf. Neelakantan et al. 2015, Table 1)" noenhanced
set xlabel "cell: initialization, gradient clipping (20 hidden layers unless noted)" noenhanced
set ylabel "test accuracy (Fashion-MNIST)" noenhanced
set key top left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set xtics ("simple\nno clip" 1, "simple\nclip 100" 2, "simple\nclip 10" 3, "He\nclip 10" 4, "zero\nclip 10" 5, "5 layers\nsimple, clip 10" 6)
set xrange [0.5:6.5]
set yrange [0:1.3]
set ytics 0, 0.2, 1
set bmargin 6
set xlabel offset 0,-1.2
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'table1_accuracy.png'
plot 'table1_accuracy.dat' index 0 using 1:2 with points lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "no noise: runs", \
     'table1_accuracy.dat' index 1 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "noise: runs", \
     'table1_accuracy.dat' index 2 using 1:2 with points lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "no noise: average", \
     'table1_accuracy.dat' index 3 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "noise: average", \
     'table1_accuracy.dat' index 4 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "Table 1 averages on MNIST (left: no noise, right: noise) (Neelakantan et al. 2015, Table 1)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'table1_accuracy.svg'
replot
unset output
