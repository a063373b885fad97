# Rendered by reprise; re-render with: gnuplot batch_hessian_top_eigenvalue.gp
set encoding utf8
set title "Top eigenvalue of the batch Hessian vs batch size, at the checkpoint (cf. Granziol et al. 2022)" noenhanced
set xlabel "batch size B (examples)" noenhanced
set ylabel "lambda_max(H_B), top eigenvalue of the batch Hessian" noenhanced
set key top right noenhanced box opaque
set grid lc rgb "#dddddd"
set border lw 1
set logscale x
set terminal pngcairo size 960,640 font "DejaVu Sans,11" noenhanced
set output 'batch_hessian_top_eigenvalue.png'
plot 'batch_hessian_top_eigenvalue.dat' index 0 using 1:2 with points lw 2 lc rgb "#56B4E9" dt 1 pt 9 ps 0.9 title "each batch (Lanczos)", \
     'batch_hessian_top_eigenvalue.dat' index 1 using 1:2 with linespoints lw 2 lc rgb "#0072B2" dt 1 pt 4 ps 0.9 title "mean over batches", \
     'batch_hessian_top_eigenvalue.dat' index 2 using 1:2 with lines lw 2 lc rgb "#000000" dt 1 title "full training set, lambda_max(H) = 18.82", \
     'batch_hessian_top_eigenvalue.dat' index 3 using 1:2 with lines lw 2 lc rgb "#D55E00" dt 2 title "lambda + tau^2(B)/lambda (predicted from the batch noise)", \
     'batch_hessian_top_eigenvalue.dat' index 4 using 1:2 with lines lw 2 lc rgb "#009E73" dt 1 title "lambda + c B^p (fitted, p = -1.077)", \
     'batch_hessian_top_eigenvalue.dat' index 5 using 1:2 with linespoints lw 2 lc rgb "#CC79A7" dt 1 pt 7 ps 0.9 title "lambda + mean d_B (control variate, p = -1.126)"
set terminal svg size 960,640 font "DejaVu Sans,11" noenhanced
set output 'batch_hessian_top_eigenvalue.svg'
replot
unset output
