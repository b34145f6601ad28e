# plots/bench-table.awk: one table for gnuplot from plots/bench-results.csv
# (written by `make bench`, chapter 5).  With -v pass=PASS -v threads=T:
# one row per layer, one column per implementation, 1e-9 (below the
# plotted range, so no bar is drawn) where none was
# measured.  With -v roofline=1: layer, arithmetic intensity (FLOP per
# byte), the book's best and oneDNN's best forward pass on one thread.
BEGIN { FS = ","; n = split("naive loops im2col gemm blocked blocked-layout direct im2col-openblas onednn-nchw onednn-best", names, " ") }
/^# layer / { flops[$0] = 0; split($0, f, " "); intensity[f[3]] = f[4] / f[6]; next }
/^#/ || /^layer,/ { next }
{
    layer[$1] = 1
    value[$1 "," $2 "," $3 "," $4] = $5
}
END {
    if (roofline) {
        for (i = 1; i <= 7; i++) {
            l = "L" i
            b = value[l ",forward,best,1"]; o = value[l ",forward,onednn-best,1"]
            printf "%s %g %s %s\n", l, intensity[l], b == "" ? "NaN" : b, o == "" ? "NaN" : o
        }
        exit
    }
    for (i = 1; i <= 7; i++) {
        l = "L" i
        printf "%s", l
        for (j = 1; j <= n; j++) {
            v = value[l "," pass "," names[j] "," threads]
            printf " %s", v == "" ? "1e-9" : v
        }
        printf "\n"
    }
}
