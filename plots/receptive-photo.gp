# plots/receptive-photo.gp: Figure "The receptive fields of one output of
# the fifth layer" (chapter 4).  Called with bin and output.
# fig-receptive photo DEPTH EYE_COLUMN EYE_ROW prints the half-size photo
# (column, row, red, green, blue) and then each design's field as a closed
# rectangle, in data blocks 1, 2 and 3, each drawn in colour over black.
set terminal cairolatex pdf colortext size 12cm,6.4cm
set output output

data = sprintf('< %s/fig-receptive photo 5 57 39', bin)
unset key; unset tics; set border lw 0.5
set size ratio -1
set xrange [-0.5:149.5]; set yrange [99.5:-0.5]     # row 0 at the top
set rmargin 17
array colours[3] = ['#1B9E77', '#D95F02', '#7570B3']
sizes = system(sprintf('%s/fig-receptive depths 5 | tail -n 1', bin))
array names[3] = ['stride $1$', 'pooled', 'dilated']
do for [n = 1:3] {
    set label n sprintf('\footnotesize\textcolor[HTML]{%s}{%s: $%s \times %s$}', \
        colours[n][2:7], names[n], word(sizes, n + 1), word(sizes, n + 1)) \
        at screen 0.75, screen 0.72 - 0.1 * n
}

plot data index 0 using 1:2:3:4:5 with rgbimage, \
     for [n = 1:3] data index n using 1:2 with lines lw 5 lc rgb 'black', \
     for [n = 1:3] data index n using 1:2 with lines lw 2.5 lc rgb colours[n]
