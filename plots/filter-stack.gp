# plots/filter-stack.gp: Figure "A stack of hand-made filters" (chapter 4).
# Called with bin and output.  fig-stack filters prints three maps: the grey
# photo, its sobel-x, and the sobel-x of its gaussian.
set terminal cairolatex pdf colortext size 16cm,4.2cm
set output output

data = sprintf('< %s/fig-stack filters', bin)
stats data index 1 matrix using 3 nooutput
M = 0.5 * (abs(STATS_min) > abs(STATS_max) ? abs(STATS_min) : abs(STATS_max))

unset key; unset tics; set border lw 0.5
set size ratio -1
set xrange [-0.5:149.5]; set yrange [99.5:-0.5]     # row 0 at the top
array titles[3] = ['(a) the photo, grey', '(b) \texttt{sobel-x}', \
                   '(c) \texttt{gaussian}, then \texttt{sobel-x}']

set multiplot layout 1,3 margins 0.01,0.93,0.02,0.9 spacing 0.015,0
set palette grey; set cbrange [0:1]; unset colorbox
set title titles[1] offset 0,-0.6
plot data index 0 matrix with image
set palette defined (-1 '#2166ac', -0.5 '#92c5de', 0 '#f7f7f7', 0.5 '#f4a582', 1 '#b2182b')
set cbrange [-M:M]
set cbtics (sprintf('\scriptsize $-%.2g$', M) -M, '\scriptsize $0$' 0, \
            sprintf('\scriptsize $%.2g$', M) M) scale 0.5 offset -0.6,0
set title titles[2]
plot data index 1 matrix with image
set colorbox user origin screen 0.945, screen 0.12 size screen 0.012, screen 0.7
set title titles[3]
plot data index 2 matrix with image
unset multiplot
