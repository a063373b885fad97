# Rendered by reprise; re-render with: gnuplot val_ppl_vs_tokens.gp
set encoding utf8
set title "Validation perplexity vs tokens, byte-level LLaMA on fortunes (cf. GaLore Table 2); bars: seed range" noenhanced
set xlabel "training tokens" noenhanced
set ylabel "validation perplexity per byte (mean loss over seeds)" noenhanced
set key top right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set format x '%.0s%c'
set yrange [8.222:25.35]
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'val_ppl_vs_tokens.png'
plot 'val_ppl_vs_tokens.dat' index 0 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "full-rank Adam (lr 0.003)", \
     'val_ppl_vs_tokens.dat' index 1 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 notitle, \
     'val_ppl_vs_tokens.dat' index 2 using 1:2 with linespoints lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "GaLore (lr 0.03)", \
     'val_ppl_vs_tokens.dat' index 3 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 notitle, \
     'val_ppl_vs_tokens.dat' index 4 using 1:2 with linespoints lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "LoRA (lr 0.003)", \
     'val_ppl_vs_tokens.dat' index 5 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 notitle, \
     'val_ppl_vs_tokens.dat' index 6 using 1:2 with linespoints lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "low-rank W = AB (lr 0.003)", \
     'val_ppl_vs_tokens.dat' index 7 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 notitle, \
     'val_ppl_vs_tokens.dat' index 8 using 1:2 with linespoints lw 2 lc rgb "#E69F00" dt 1 pt 8 ps 0.9 title "8-bit Adam (lr 0.003)", \
     'val_ppl_vs_tokens.dat' index 9 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#E69F00" dt 1 pt 8 ps 0.9 notitle, \
     'val_ppl_vs_tokens.dat' index 10 using 1:2 with linespoints lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "8-bit GaLore (lr 0.03)", \
     'val_ppl_vs_tokens.dat' index 11 using 1:2:3:4 with yerrorbars lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 notitle
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'val_ppl_vs_tokens.svg'
replot
unset output
