# plots/windows.gp: Figure "Windows along one axis" (chapter 1).
# Called with bin (where fig-windows is) and output (the .tex to write).
# Each panel runs fig-windows for one axis, with the arguments
# INPUT KERNEL STRIDE DILATION PAD_BEGIN PAD_END.
set terminal cairolatex pdf size 14cm,9cm
set output output

array axes[4] = ["7 3 1 1 0 0", "8 3 2 1 0 0", "7 3 1 2 0 0", "6 4 1 1 1 2"]
array titles[4] = ['(a) $i=7,\ k=3$', '(b) $i=8,\ k=3,\ s=2$', \
                   '(c) $i=7,\ k=3,\ d=2$', '(d) $i=6,\ k=4$, \textquoteleft{}same\textquoteright{}']

unset key; unset border; unset tics
set size ratio -1
set style fill solid 1.0 border lc rgb 'black'

padding = 0xd9d9d9; input_read = 0x9ecae1; input_unread = 0xfb6a4a
tap = 0x08519c
colour(index, read) = index < 0 ? padding : (read > 0 ? input_read : input_unread)
row(j) = -(j + 1.5)    # window j is drawn on this row, below the input

set multiplot layout 2,2 margins 0.01,0.99,0.01,0.95 spacing 0.04,0.08
do for [n = 1:4] {
    data = sprintf('< %s/fig-windows %s', bin, axes[n])
    set title titles[n] offset 0,-0.6
    set xrange [-0.7:9.7]
    set yrange [-7.2:0.7]
    plot data index 0 using 1:(0):($1-0.45):($1+0.45):(-0.45):(0.45):(colour($2, $3)) \
             with boxxyerror lc rgb variable, \
         '' index 0 using 1:(0):($2 >= 0 ? sprintf('\\scriptsize $%d$', $2) : '') with labels, \
         '' index 1 using 2:(row($1)) with lines lc rgb tap lw 1.5, \
         '' index 1 using 2:(row($1)):($2-0.28):($2+0.28):(row($1)-0.28):(row($1)+0.28) \
             with boxxyerror lc rgb tap
}
unset multiplot
