# tools/bench-table.awk: prints the results of `make bench` (the CSV of
# build/bench --csv) as the table that build/bench prints without --csv:
# median GFLOP/s, least and most, and per cent of the peak measured in the
# same run for that many threads.
BEGIN { FS = "," }
/^# peak / { split($0, f, " "); peak[f[3]] = f[4]; print; next }
/^#/ { print; next }
/^layer,/ { next }
{
    p = peak[$4] > 0 ? sprintf("%5.1f%% of peak", 100 * $5 / peak[$4]) : ""
    printf "%-3s %-17s %-16s %d %8.2f GFLOP/s  (%7.2f - %7.2f)  %s\n", $1, $2, $3, $4, $5, $6, $7, p
}
