# plots/roofline.gp: Figure "The roofline" (chapter 5), from the peak and
# bandwidth that make bench measured and wrote into plots/bench-results.csv.
# Called with output (the .tex to write); bin is not used.
set terminal cairolatex pdf colortext size 12cm,8cm
set output output

results = 'plots/bench-results.csv'
machine(what, t) = real(system(sprintf("awk '$2 == \"%s\" && $3 == %d { print $4 }' %s", what, t, results)))
peak1 = machine('peak', 1); peak2 = machine('peak', 2)
band1 = machine('bandwidth', 1); band2 = machine('bandwidth', 2)
roof(x, peak, band) = x * band < peak ? x * band : peak

set logscale xy
set xrange [0.25:1000]
set yrange [0.5:10000]
set xlabel 'arithmetic intensity (FLOP per byte)'
set ylabel 'GFLOP/s'
set grid lc rgb '#dddddd'
set key top left Left reverse samplen 2 spacing 1.3 width -6
set samples 400
# Each layer's name goes under its point, but L7's and L3's, whose points
# are close to L1's and L2's, go to the left and to the right.
label(c) = sprintf('\\scriptsize %s', stringcolumn(c))
beside(c) = stringcolumn(c) eq 'L7' || stringcolumn(c) eq 'L3'
data = sprintf('< awk -v roofline=1 -f plots/bench-table.awk %s', results)
plot roof(x, peak2, band2) title sprintf('\small two cores: %.0f GFLOP/s, %.0f GB/s', peak2, band2) \
         lw 2 lc rgb '#fdae6b', \
     roof(x, peak1, band1) title sprintf('\small one core: %.0f GFLOP/s, %.0f GB/s', peak1, band1) \
         lw 2 lc rgb '#08519c', \
     data using 2:4 with points pt 7 ps 0.6 lc rgb '#cb181d' title '\small oneDNN, best layouts, one core', \
     data using 2:3 with points pt 5 ps 0.6 lc rgb '#08519c' title "\\small the book's best, one core", \
     data using 2:(beside(1) ? NaN : $3):(label(1)) with labels offset 0,-0.8 notitle, \
     data using 2:(stringcolumn(1) eq 'L7' ? $3 : NaN):(label(1)) with labels right \
         offset -0.6,0 notitle, \
     data using 2:(stringcolumn(1) eq 'L3' ? $3 : NaN):(label(1)) with labels left \
         offset 0.6,0 notitle
