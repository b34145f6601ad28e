# plots/blur.gp: Figure "Blurring and sharpening" (chapter 4).
# Called with bin (where fig-filter is) and output (the .tex to write).
# Each panel runs fig-filter PHOTO 1 FILTER replicate LEFT TOP WIDTH HEIGHT on
# the same 120 x 80 crop around the cat's left eye; values outside [0, 1]
# are drawn black or white.
set terminal cairolatex pdf size 14cm,9.8cm
set output output
if (!exists("photo")) photo = 'plots/photos/chelsea.ppm'
crop = '60 40 120 80'

array filters[4] = ['identity', 'box', 'gaussian', 'sharpen']
array titles[4] = ['(a) identity', '(b) box, $5 \times 5$', '(c) Gaussian, $5 \times 5$', \
                   '(d) sharpen']

unset key; unset border; unset tics; unset colorbox
set size ratio -1
set xrange [-0.5:119.5]
set yrange [79.5:-0.5]            # row 0 at the top
set palette grey
set cbrange [0:1]

set multiplot layout 2,2 margins 0.01,0.99,0.01,0.95 spacing 0.02,0.07
do for [n = 1:4] {
    set title titles[n] offset 0,-0.6
    plot sprintf('< %s/fig-filter %s 1 %s replicate %s', bin, photo, filters[n], crop) \
         matrix using 1:2:($3 < 0 ? 0 : $3 > 1 ? 1 : $3) with image
}
unset multiplot
