# plots/seeing.mk: the figures of chapter 4, "Seeing convolution" (included
# by the Makefile).  Each gnuplot script runs a figure program tangled from
# chapters/4-seeing.nw on the photograph plots/photos/chelsea.ppm.

SEEING_PHOTO := $(PHOTO)
FIGURES += $(B)/figures/chelsea.tex $(B)/figures/blur.tex \
           $(B)/figures/edges.tex $(B)/figures/border.tex

$(B)/figures/chelsea.tex: plots/chelsea.gp $(B)/bin/fig-photo $(SEEING_PHOTO) | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/chelsea.gp

$(B)/figures/blur.tex: plots/blur.gp $(B)/bin/fig-filter $(SEEING_PHOTO) | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/blur.gp

$(B)/figures/edges.tex: plots/edges.gp $(B)/bin/fig-filter $(SEEING_PHOTO) | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/edges.gp

$(B)/figures/border.tex: plots/border.gp $(B)/bin/fig-border $(SEEING_PHOTO) | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/border.gp
