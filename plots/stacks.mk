# plots/stacks.mk: the figures of chapter 4's last part, "A stack of
# layers" and "Receptive fields" (included by the Makefile).  Each gnuplot
# script runs fig-stack or fig-receptive, tangled from chapters/4b-stacks.nw;
# both read the photo, $(PHOTO) in make.

STACK_FIGURES := stack-maps stack-padding stack-scale filter-stack
RECEPTIVE_FIGURES := receptive-depth receptive-photo
FIGURES += $(patsubst %,$(B)/figures/%.tex,$(STACK_FIGURES) $(RECEPTIVE_FIGURES))

$(patsubst %,$(B)/figures/%.tex,$(STACK_FIGURES)): $(B)/figures/%.tex: plots/%.gp \
    $(B)/bin/fig-stack $(PHOTO) | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/$*.gp

$(patsubst %,$(B)/figures/%.tex,$(RECEPTIVE_FIGURES)): $(B)/figures/%.tex: plots/%.gp \
    $(B)/bin/fig-receptive $(PHOTO) | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	$(GNUPLOT) -e "output='$@'" plots/$*.gp
