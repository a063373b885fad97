# Rendered by reprise; re-render with: gnuplot state_bytes_vs_ppl.gp
set encoding utf8
set title "Optimizer-state bytes (live) vs final validation perplexity (cf. GaLore Table 2)" noenhanced
set xlabel "optimizer state (bytes, read from the optimizer)" noenhanced
set ylabel "final validation perplexity per byte" noenhanced
set key top left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set format x '%.0s%cB'
set xrange [1e5:2e6]
set yrange [8.498:10.01]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'state_bytes_vs_ppl.png'
plot 'state_bytes_vs_ppl.dat' index 0 using 1:2 with points lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "full-rank Adam", \
     'state_bytes_vs_ppl.dat' index 1 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "GaLore", \
     'state_bytes_vs_ppl.dat' index 2 using 1:2 with points lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "GaLore, T = inf (step-0 subspace)", \
     'state_bytes_vs_ppl.dat' index 3 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "LoRA", \
     'state_bytes_vs_ppl.dat' index 4 using 1:2 with points lw 2 lc rgb "#E69F00" dt 1 pt 8 ps 0.9 title "low-rank W = AB", \
     'state_bytes_vs_ppl.dat' index 5 using 1:2 with points lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "8-bit Adam", \
     'state_bytes_vs_ppl.dat' index 6 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "8-bit GaLore"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'state_bytes_vs_ppl.svg'
replot
unset output
