# plots/bench-steps.gp: Figure "GFLOP/s per layer and step" (chapter 5),
# from plots/bench-results.csv, which make bench writes.
# Called with output (the .tex to write); bin is not used.
set terminal cairolatex pdf colortext size 14cm,18cm
set output output

results = 'plots/bench-results.csv'
array passes[3] = ['forward', 'backward-data', 'backward-weights']
array titles[3] = ['(a) forward', '(b) backward-data ($\delta x$)', '(c) backward-weights ($\delta w$)']
array colours[10] = ['#bdbdbd', '#c6dbef', '#6baed6', '#2171b5', '#74c476', '#238b45', '#9e9ac8', \
                     '#fdae6b', '#fc9272', '#cb181d']

set style data histograms
set style histogram clustered gap 1
set style fill solid 1.0 noborder
set boxwidth 0.9
set logscale y
set yrange [0.05:400]
set ytics ('0.1' 0.1, '1' 1, '10' 10, '100' 100)
set ylabel 'GFLOP/s, one thread'
set grid ytics lc rgb '#dddddd'
set xtics scale 0
set key at screen 0.55,0.995 center top horizontal maxcols 4 Left reverse samplen 1.5 \
    spacing 1.2 width 1
array names[10] = ['naive', 'loops', 'im2col', 'gemm', 'blocked', 'blocked, kernel alone', \
                   'depthwise', 'im2col + OpenBLAS', 'oneDNN, NCHW', 'oneDNN, best']

set multiplot layout 3,1 margins 0.1,0.98,0.04,0.845 spacing 0,0.07
do for [p = 1:3] {
    data = sprintf('< awk -v pass=%s -v threads=1 -f plots/bench-table.awk %s', passes[p], results)
    set title titles[p] offset 0,-0.6
    if (p > 1) { unset key }
    plot for [i = 2:11] data using i:xtic(1) title sprintf('\small %s', names[i - 1]) \
         lc rgb colours[i - 1]
}
unset multiplot
