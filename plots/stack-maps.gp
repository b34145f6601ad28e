# plots/stack-maps.gp: Figure "The photo through a stack of five layers"
# (chapter 4).  Called with bin (where fig-stack is) and output (the .tex to
# write).  fig-stack prints the 40 maps once, into a file beside the output;
# fig-stack ranges prints a line per layer (layer, standard deviation):
# each row's colour scale is 3 times the standard deviation.
set terminal cairolatex pdf colortext size 16cm,7.8cm
set output output

layers = 5; channels = 8
stack = 'pytorch same 5 8 1'
maps = output.'.dat'
system(sprintf('%s/fig-stack maps %s > %s', bin, stack, maps))
scales = system(sprintf('%s/fig-stack ranges %s', bin, stack))
range(l) = 3 * real(word(scales, 2 * l))

# The page, in centimetres: panels of 1.74 x 1.16 cm (150 x 100 pixels),
# a label column on the left, a colour bar on the right of each row.
W = 16.0; H = 7.8
left = 0.7; top = 0.45; panel_w = 1.74; panel_h = 1.16; gap = 0.06; row_gap = 0.3
x(c) = (left + c * (panel_w + gap)) / W
y(l) = 1 - (top + (l - 1) * (panel_h + row_gap)) / H

unset key; unset tics; set border lw 0.5
set xrange [-0.5:149.5]; set yrange [99.5:-0.5]     # row 0 at the top
set palette defined (-1 '#2166ac', -0.5 '#92c5de', 0 '#f7f7f7', 0.5 '#f4a582', 1 '#b2182b')
set cbtics scale 0.5 offset -0.6,0

set multiplot
do for [l = 1:layers] {
    M = range(l)
    set cbrange [-M:M]
    set cbtics (sprintf('\scriptsize $-%.2g$', M) -M, '\scriptsize $0$' 0, \
                sprintf('\scriptsize $%.2g$', M) M)
    do for [c = 0:channels-1] {
        set lmargin at screen x(c); set rmargin at screen x(c) + panel_w / W
        set tmargin at screen y(l); set bmargin at screen y(l) - panel_h / H
        set title (l == 1 ? sprintf('\scriptsize channel %d', c) : '') offset 0,-0.9
        set ylabel (c == 0 ? sprintf('\small %d', l) : '') rotate by 0 offset 1.2,0
        if (c == channels - 1) {
            set colorbox user origin screen x(c) + (panel_w + 0.12) / W, \
                screen y(l) - 0.9 * panel_h / H size screen 0.15 / W, screen 0.8 * panel_h / H
        } else {
            unset colorbox
        }
        plot maps index (l - 1) * channels + c matrix with image
    }
}
unset multiplot
system('rm -f '.maps)
