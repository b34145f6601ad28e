# plots/stack-padding.gp: Figure "valid and same padding in a stack"
# (chapter 4).  Called with bin and output.  Channel [channel] of each of
# five layers of the stack of Figure stack-maps, with 'valid' padding (top
# row, drawn where it lies on the photo) and 'same' padding (bottom row).
set terminal cairolatex pdf colortext size 16cm,4.6cm
set output output

layers = 5; channels = 8; channel = 0
valid = output.'.valid.dat'; same = output.'.same.dat'
system(sprintf('%s/fig-stack maps pytorch valid 5 8 1 > %s', bin, valid))
system(sprintf('%s/fig-stack maps pytorch same 5 8 1 > %s', bin, same))
scales = system(sprintf('%s/fig-stack ranges pytorch same 5 8 1', bin))
range(l) = 3 * real(word(scales, 2 * l))

W = 16.0; H = 4.6
left = 1.2; top = 0.5; panel_w = 2.76; panel_h = 1.84; gap = 0.18; row_gap = 0.45
x(c) = (left + c * (panel_w + gap)) / W
y(r) = 1 - (top + r * (panel_h + row_gap)) / H

unset key; unset tics; set border lw 0.5
set xrange [-0.5:149.5]; set yrange [99.5:-0.5]     # row 0 at the top
set palette defined (-1 '#2166ac', -0.5 '#92c5de', 0 '#f7f7f7', 0.5 '#f4a582', 1 '#b2182b')
unset colorbox

set multiplot
do for [l = 1:layers] {
    M = range(l)
    set cbrange [-M:M]
    set lmargin at screen x(l - 1); set rmargin at screen x(l - 1) + panel_w / W
    set tmargin at screen y(0); set bmargin at screen y(0) - panel_h / H
    set title sprintf('\footnotesize layer %d: $%d \times %d$', l, 100 - 2 * l, 150 - 2 * l) \
        offset 0,-0.8
    set ylabel (l == 1 ? '\footnotesize \textquoteleft{}valid\textquoteright{}' : '') offset 1,0
    plot valid index (l - 1) * channels + channel matrix using ($1 + l):($2 + l):3 with image
    set tmargin at screen y(1); set bmargin at screen y(1) - panel_h / H
    set title sprintf('\footnotesize layer %d: $100 \times 150$', l) offset 0,-0.8
    set ylabel (l == 1 ? '\footnotesize \textquoteleft{}same\textquoteright{}' : '') offset 1,0
    set object 1 rectangle from l - 0.5, l - 0.5 to 149.5 - l, 99.5 - l front \
        fillstyle empty border lc rgb '#505050' lw 1
    plot same index (l - 1) * channels + channel matrix with image
    unset object 1
}
unset multiplot
system('rm -f '.valid.' '.same)
