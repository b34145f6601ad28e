# plots/stack-scale.gp: Figure "The root mean square of each layer's
# output" (chapter 4).  Called with bin and output.  fig-stack scales prints
# a line per layer: layer, the root mean square averaged over the seeds,
# the predicted one, then each seed's.
set terminal cairolatex pdf colortext size 14cm,7cm
set output output

seeds = 10
# Each initialisation is run once, into a file beside the output.
pytorch_data = output.'.pytorch.dat'; he_data = output.'.he.dat'
system(sprintf('%s/fig-stack scales pytorch 10 16 %d > %s', bin, seeds, pytorch_data))
system(sprintf('%s/fig-stack scales he 10 16 %d > %s', bin, seeds, he_data))

set logscale y
set xrange [0.5:10.5]; set yrange [0.02:3]
set xtics 1,1,10
set ytics ('$0.03$' 0.03, '$0.1$' 0.1, '$0.3$' 0.3, '$1$' 1, '$3$' 3)
set mytics 10
set xlabel 'layer'
set ylabel 'root mean square of the output' offset 1,0
set key outside right top Left reverse samplen 2 spacing 1.3 width -2
set border 3; set tics nomirror
pytorch = '#B2182B'; he = '#2166AC'; pytorch_light = '#F4A582'; he_light = '#92C5DE'

plot for [s = 1:seeds] pytorch_data using ($1 - 0.12):(column(3 + s)) with points pt 7 ps 0.35 \
         lc rgb pytorch_light title (s == 1 ? 'PyTorch, each seed' : ''), \
     pytorch_data using 1:3 with lines lc rgb pytorch lw 2 title 'PyTorch, predicted', \
     pytorch_data using 1:2 with points pt 7 ps 0.8 lc rgb pytorch title 'PyTorch, average', \
     for [s = 1:seeds] he_data using ($1 + 0.12):(column(3 + s)) with points pt 5 ps 0.35 \
         lc rgb he_light title (s == 1 ? 'He, each seed' : ''), \
     he_data using 1:3 with lines lc rgb he lw 2 title 'He, predicted', \
     he_data using 1:2 with points pt 5 ps 0.8 lc rgb he title 'He, average'
system('rm -f '.pytorch_data.' '.he_data)
