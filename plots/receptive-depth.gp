# plots/receptive-depth.gp: Figure "The receptive field's size against the
# number of layers" (chapter 4).  Called with bin and output.
# fig-receptive depths prints: depth, then r for the plain, pooled and
# dilated designs.
set terminal cairolatex pdf colortext size 12cm,6.5cm
set output output

data = sprintf('< %s/fig-receptive depths 10', bin)
set logscale y
set xrange [0.5:10.8]; set yrange [2:3000]
set xtics 1,1,10
set ytics ('$3$' 3, '$10$' 10, '$30$' 30, '$100$' 100, '$300$' 300, '$1000$' 1000)
set mytics 10
set xlabel 'convolution layers'
set ylabel 'receptive field $r$' offset 1,0
set border 3; set tics nomirror
set key top left Left reverse samplen 2 spacing 1.2
set arrow 1 from 0.5,150 to 10.8,150 nohead dt 2 lc rgb '#707070'
set label 1 '\footnotesize photo width, $150$' at 9.8,200 right textcolor rgb '#505050'

plot data using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '#1b9e77' title 'stride $1$', \
     data using 1:3 with linespoints pt 5 ps 0.6 lw 2 lc rgb '#d95f02' \
         title 'a pool after every 2', \
     data using 1:4 with linespoints pt 9 ps 0.7 lw 2 lc rgb '#7570b3' \
         title 'dilation doubling'
