# plots/edges.gp: Figure "Derivative filters" (chapter 4).
# Called with bin (where fig-filter is) and output (the .tex to write).
# Each panel runs fig-filter PHOTO 2 FILTER replicate: the whole photograph,
# shrunk to 150 x 100 by averaging blocks of 2 x 2 pixels, then filtered.
# Signed maps use a diverging palette (blue, white at 0, red) with a colour
# bar; values beyond the bar's ends are drawn in its end colours.
set terminal cairolatex pdf size 14cm,15.5cm
set output output
if (!exists("photo")) photo = 'plots/photos/chelsea.ppm'

array filters[6] = ['identity', 'sobel-x', 'sobel-y', 'sobel', 'laplacian', 'emboss']
array titles[6] = ['(a) input', '(b) Sobel across, $g_x$', '(c) Sobel down, $g_y$', \
                   '(d) magnitude $\sqrt{g_x^2 + g_y^2}$', '(e) Laplacian', '(f) emboss']
array ranges[6] = [1.0, 1.5, 1.5, 1.5, 0.5, 1.0]
array signed[6] = [0, 1, 1, 0, 1, 0]
array inverted[6] = [0, 0, 0, 1, 0, 0]

unset key; unset border; unset tics
set size ratio -1
set xrange [-0.5:149.5]
set yrange [99.5:-0.5]           # row 0 at the top
set cbtics scale 0.4
set format cb '{\scriptsize $%g$}'
set colorbox user size 0.015,0.2

set multiplot layout 3,2 margins 0.01,0.94,0.01,0.97 spacing 0.09,0.05
do for [n = 1:6] {
    set title titles[n] offset 0,-0.6
    r = ranges[n]
    if (signed[n]) {
        set palette defined (0 '#2166ac', 0.25 '#92c5de', 0.5 '#f7f7f7', \
                             0.75 '#f4a582', 1 '#b2182b')
        set cbrange [-r:r]
        set cbtics r
        set colorbox
    } else {
        if (inverted[n]) {
            set palette defined (0 'white', 1 'black')
            set cbrange [0:r]
            set cbtics r
            set colorbox
        } else {
            set palette grey
            set cbrange [0:r]
            unset colorbox
        }
    }
    plot sprintf('< %s/fig-filter %s 2 %s replicate', bin, photo, filters[n]) \
         matrix using 1:2:($3 < -r ? -r : $3 > r ? r : $3) with image
}
unset multiplot
