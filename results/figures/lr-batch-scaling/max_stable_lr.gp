# Rendered by reprise; re-render with: gnuplot max_stable_lr.gp
set encoding utf8
set title "Largest stable learning rate vs batch size, SGD and Adam (cf. Granziol et al. 2022)" noenhanced
set xlabel "batch size B (examples)" noenhanced
set ylabel "largest stable learning rate" noenhanced
set key top left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set logscale y
set format y '%g'
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'max_stable_lr.png'
plot 'max_stable_lr.dat' index 0 using 1:2 with points lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "SGD: each seed", \
     'max_stable_lr.dat' index 1 using 1:2 with lines lw 2 lc rgb "#0072B2" dt 1 title "SGD: fit, s = 0.9967, B* = 79.62", \
     'max_stable_lr.dat' index 2 using 1:2 with points lw 2 lc rgb "#D55E00" dt 1 pt 5 ps 0.9 title "Adam: each seed", \
     'max_stable_lr.dat' index 3 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 1 title "Adam: fit, s = 0.5073, B* = 3319", \
     'max_stable_lr.dat' index 4 using 1:2 with lines lw 2 lc rgb "#000000" dt 2 title "slope 1 guide", \
     'max_stable_lr.dat' index 5 using 1:2 with lines lw 2 lc rgb "#E69F00" dt 2 title "slope 1/2 guide (through Adam's first point)", \
     'max_stable_lr.dat' index 6 using 1:2 with lines lw 2 lc rgb "#CC79A7" dt 2 title "2 / mean lambda_max(H_B) (SGD's curvature limit)", \
     'max_stable_lr.dat' index 7 using 1:2 with points lw 2 lc rgb "#009E73" dt 1 pt 6 ps 0.9 title "SGD, divergence criterion (loss > 2x the checkpoint's): each seed", \
     'max_stable_lr.dat' index 8 using 1:2 with lines lw 2 lc rgb "#56B4E9" dt 2 title "McCandlish et al.'s B_noise = 78.91 (sampled, at the checkpoint)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'max_stable_lr.svg'
replot
unset output
