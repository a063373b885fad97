# Rendered by reprise; re-render with: gnuplot state_vs_ppl_normalized.gp
set encoding utf8
set title "Optimizer state vs final perplexity, each over its baseline's (full-rank Adam; 8-bit Adam for 8-bit GaLore)" noenhanced
set xlabel "optimizer state / baseline's (ours: bytes read from the live optimizer)" noenhanced
set ylabel "validation perplexity / baseline's (log scale)" noenhanced
set key top left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale y
set xrange [0:1.1]
set yrange [0.9:2.6]
set ytics (0.9, 0.95, 1, 1.05, 1.1, 1.2, 1.5, 2, 2.5)
set pointsize 1.6
set label '60M full' at 1,1.03 center font ',9'
set label '60M galore' at 0.5652,1.055 center font ',9'
set label '60M lowrank' at 0.7391,2.364 center font ',9'
set label '60M lora' at 0.7391,1.058 center font ',9'
set label '7B 8-bit (Table 3)' at 0.6923,0.9727 center font ',9'
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'state_vs_ppl_normalized.png'
plot 'state_vs_ppl_normalized.dat' index 0 using 1:2 with points lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "ours: full-rank Adam / full rank", \
     'state_vs_ppl_normalized.dat' index 1 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "ours: GaLore / full rank", \
     'state_vs_ppl_normalized.dat' index 2 using 1:2 with points lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "ours: LoRA / full rank", \
     'state_vs_ppl_normalized.dat' index 3 using 1:2 with points lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "ours: low-rank W = AB / full rank", \
     'state_vs_ppl_normalized.dat' index 4 using 1:2 with points lw 2 lc rgb "#E69F00" dt 1 pt 8 ps 0.9 title "ours: 8-bit Adam / full rank", \
     'state_vs_ppl_normalized.dat' index 5 using 1:2 with points lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "ours: 8-bit GaLore / 8-bit Adam", \
     'state_vs_ppl_normalized.dat' index 6 using 1:2 with points lw 2 lc rgb "#000000" dt 1 pt 4 ps 0.9 title "paper: 60M (Table 6 states, Table 2 perplexity); 7B 8-bit (Table 3, x = total 18G / 26G)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'state_vs_ppl_normalized.svg'
replot
unset output
