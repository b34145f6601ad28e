# plots/chelsea.gp: Figure "The photograph and its three channels" (chapter 4).
# Called with bin (where fig-photo is) and output (the .tex to write).
# Panel (a) runs fig-photo PHOTO rgb (column, row, red, green, blue per
# line); the others run fig-photo PHOTO red|green|blue (a matrix in [0, 1]).
set terminal cairolatex pdf size 14cm,9.8cm
set output output
if (!exists("photo")) photo = 'plots/photos/chelsea.ppm'

array planes[3] = ['red', 'green', 'blue']
array titles[4] = ['(a) the photograph', '(b) red', '(c) green', '(d) blue']

unset key; unset border; unset tics; unset colorbox
set size ratio -1
set xrange [-0.5:299.5]
set yrange [199.5:-0.5]           # row 0 at the top
set palette grey
set cbrange [0:1]

set multiplot layout 2,2 margins 0.01,0.99,0.01,0.95 spacing 0.02,0.07
set title titles[1] offset 0,-0.6
# the crop of Figure "Blurring and sharpening"
set object 1 rectangle from 59.5,39.5 to 179.5,119.5 front fillstyle empty \
    border lc rgb 'white' lw 1.5
plot sprintf('< %s/fig-photo %s rgb', bin, photo) using 1:2:3:4:5 with rgbimage
unset object 1
do for [c = 1:3] {
    set title titles[c + 1] offset 0,-0.6
    plot sprintf('< %s/fig-photo %s %s', bin, photo, planes[c]) matrix with image
}
unset multiplot
