# Rendered by reprise; re-render with: gnuplot batch_hessian_excess.gp
set encoding utf8
set title "Excess of the batch Hessian's top eigenvalue over the full one, log-log (claim 2 v3: slope -1)" noenhanced
set xlabel "batch size B (examples)" noenhanced
set ylabel "excess over lambda_max(H) (eigenvalue units)" noenhanced
set key bottom left noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set logscale y
set format y '%g'
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'batch_hessian_excess.png'
plot 'batch_hessian_excess.dat' index 0 using 1:2 with points lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "d_B = lambda_max(H_B) - u'H_B u, each batch (positive ones)", \
     'batch_hessian_excess.dat' index 1 using 1:2 with linespoints lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "mean d_B (control variate), p = -1.126", \
     'batch_hessian_excess.dat' index 2 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "mean lambda_max(H_B) - lambda (no control variate)", \
     'batch_hessian_excess.dat' index 3 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 2 title "tau^2(B)/lambda (predicted from the batch noise)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'batch_hessian_excess.svg'
replot
unset output
