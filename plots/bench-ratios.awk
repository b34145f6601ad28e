# plots/bench-ratios.awk: the table of ratios of chapter 5, as LaTeX rows,
# from plots/bench-results.csv (written by `make bench`).  Each ratio is
# the book's best over a comparator, both medians of the same run (against
# oneDNN with NCHW and OpenBLAS, the book's best with NCHW arrays); a dash
# where one of them was not measured.
BEGIN { FS = "," }
/^#/ || /^layer,/ { next }
{ value[$1 "," $2 "," $3 "," $4] = $5 }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "--" : sprintf("%.2f", a / b) }
function rate(l, p, i, t) { return value[l "," p "," i "," t] }
END {
    for (i = 1; i <= 7; i++) {
        l = "L" i
        printf "%s & %s & %s & %s & %s & %s & %s & %s \\\\\n", l, \
            sprintf("%.0f", rate(l, "forward", "best", 1)), \
            ratio(rate(l, "forward", "best", 1), rate(l, "forward", "onednn-best", 1)), \
            ratio(rate(l, "forward", "best-nchw", 1), rate(l, "forward", "onednn-nchw", 1)), \
            ratio(rate(l, "forward", "best-nchw", 1), rate(l, "forward", "im2col-openblas", 1)), \
            ratio(rate(l, "backward-data", "best", 1), rate(l, "backward-data", "onednn-best", 1)), \
            ratio(rate(l, "backward-weights", "best", 1), rate(l, "backward-weights", "onednn-best", 1)), \
            ratio(rate(l, "forward", "best", 2), rate(l, "forward", "best", 1))
    }
}
