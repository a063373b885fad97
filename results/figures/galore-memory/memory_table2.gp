# Rendered by reprise; re-render with: gnuplot memory_table2.gp
set encoding utf8
set title "GaLore Table 2, memory column: counted from the configs / the paper's cell" noenhanced
set xlabel "parameters of the LLaMA config (60M, 130M, 350M, 1B)" noenhanced
set ylabel "ours / Table 2 (weights + optimizer states, BF16)" noenhanced
set key top right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set format x '%.0s%c'
set xrange [45e6:1.8e9]
set yrange [0.8:1.25]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'memory_table2.png'
plot 'memory_table2.dat' index 0 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "full", \
     'memory_table2.dat' index 1 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "galore (reported, not claimed)", \
     'memory_table2.dat' index 2 using 1:2 with linespoints lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "lowrank", \
     'memory_table2.dat' index 3 using 1:2 with linespoints lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "lora, physical count (v1)", \
     'memory_table2.dat' index 4 using 1:2 with linespoints lw 2 lc rgb "#E69F00" dt 1 pt 8 ps 0.9 title "lora, App. C.2's count (claim 1 v2)", \
     'memory_table2.dat' index 5 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 title "claim 1: within 10%", \
     'memory_table2.dat' index 6 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 notitle
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'memory_table2.svg'
replot
unset output
