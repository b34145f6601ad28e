# plots/coverage.gp: Figure "How many taps read each input sample" (chapter 3).
# Called with bin (where fig-coverage is) and output (the .tex to write).
# Each panel runs fig-coverage SIZE KERNEL STRIDE DILATION PADDING MODE.
set terminal cairolatex pdf colortext size 14cm,14cm
set output output

array runs[4] = ["12 3 1 1 1 0", "12 3 2 1 1 0", "12 3 2 2 1 0", "12 3 2 2 1 1"]
array titles[4] = ['(a) stride 1', '(b) stride 2', '(c) stride 2, dilation 2', \
                   '(d) as (c), reflect padding']

unset key
set size ratio -1
set xrange [-0.5:11.5]
set yrange [11.5:-0.5]            # row 0 at the top
set xtics 0,2,11 scale 0 offset 0,0.3
set ytics 0,2,11 scale 0
set x2tics; unset x2tics
set cbrange [0:9]
set cbtics 0,1,9
set palette defined (0 'white', 1 '#deebf7', 4 '#6baed6', 9 '#08306b')
unset colorbox

set multiplot layout 2,2 margins 0.06,0.98,0.03,0.95 spacing 0.08,0.09
do for [n = 1:4] {
    data = sprintf('< %s/fig-coverage %s', bin, runs[n])
    set title titles[n] offset 0,-0.4
    plot data matrix with image, \
         '' matrix using 1:2:($3 <= 4 ? sprintf('\\scriptsize %d', $3) : '') \
            with labels textcolor rgb '#202020', \
         '' matrix using 1:2:($3 > 4 ? sprintf('\\scriptsize %d', $3) : '') \
            with labels textcolor rgb 'white'
}
unset multiplot
