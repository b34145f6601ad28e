# plots/bench.mk: the figures of chapter 5, drawn from the committed
# results of `make bench` (plots/bench-results.csv); building the book
# never reruns the benchmark.

FIGURES += $(B)/figures/bench-steps.tex $(B)/figures/roofline.tex

$(B)/figures/bench-steps.tex: plots/bench-steps.gp plots/bench-table.awk \
                              plots/bench-results.csv | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/bench-steps.gp

$(B)/figures/roofline.tex: plots/roofline.gp plots/bench-table.awk \
                           plots/bench-results.csv | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/roofline.gp

FIGURES += $(B)/figures/bench-ratios.tex

$(B)/figures/bench-ratios.tex: plots/bench-ratios.awk plots/bench-results.csv
	@mkdir -p $(@D)
	awk -f plots/bench-ratios.awk plots/bench-results.csv > $@
