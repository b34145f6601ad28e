# plots/border.gp: Figure "The border under four padding modes" (chapter 4).
# Called with bin (where fig-border is) and output (the .tex to write).
# Each panel runs fig-border PHOTO 15 MODE 0 0 60 40: the top-left corner of
# the grey photograph blurred by a 15 x 15 box.
set terminal cairolatex pdf size 14cm,9.8cm
set output output
if (!exists("photo")) photo = 'plots/photos/chelsea.ppm'

array modes[4] = ['zeros', 'reflect', 'replicate', 'circular']
array titles[4] = ['(a) zeros', '(b) reflect', '(c) replicate', '(d) circular']

unset key; unset border; unset tics; unset colorbox
set size ratio -1
set xrange [-0.5:59.5]
set yrange [39.5:-0.5]            # row 0 at the top
set palette grey
set cbrange [0:1]

set multiplot layout 2,2 margins 0.01,0.99,0.01,0.95 spacing 0.02,0.07
do for [n = 1:4] {
    set title titles[n] offset 0,-0.6
    plot sprintf('< %s/fig-border %s 15 %s 0 0 60 40', bin, photo, modes[n]) matrix with image
}
unset multiplot
