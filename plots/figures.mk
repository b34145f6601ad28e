# plots/figures.mk: how the book's figures are made (included by the
# Makefile).  Each figure is a gnuplot script in plots/ that reads numbers
# printed by a program tangled from the book (build/bin/fig-*); gnuplot's
# cairolatex terminal writes FIGURE.tex (the text, set by LaTeX) and
# FIGURE.pdf (the graphics) into build/figures/.

FIGURES += $(B)/figures/windows.tex $(B)/figures/coverage.tex


$(B)/figures/windows.tex: plots/windows.gp $(B)/bin/fig-windows | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/windows.gp

$(B)/figures/coverage.tex: plots/coverage.gp $(B)/bin/fig-coverage | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/coverage.gp
