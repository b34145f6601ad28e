# conv2d: a literate program about 2-D convolution.
#
#   make          build the book, build/conv2d.pdf, and everything it needs
#   make test     build and run every test (also under ASan and UBSan)
#
# Other targets: tangle, check-generated, deps, clean, exercise, check
# (see README.md).  The .nw files are the only sources a person edits;
# generated/ and the C files in tests/ are extracted from them.

.DEFAULT_GOAL := all
SHELL := /bin/sh
.DELETE_ON_ERROR:
.SUFFIXES:

# The book, in reading order: the front matter, then the chapters in the
# order of their file names (1-*.nw, 2-*.nw, ..., then the appendices).
# Chunks are global across files, so noweb is always given all of them at
# once, in this order (which is also what chapters/*.nw gives a shell).
NW := conv2d.nw $(sort $(wildcard chapters/*.nw))

B := build

# ---------------------------------------------------------------- packages
# Each purpose checks (and, as root or with password-less sudo, installs)
# the Debian packages it needs; see tools/deps.sh.
PACKAGES_tangle := noweb
PACKAGES_cc     := gcc libc6-dev
PACKAGES_book   := noweb texlive-latex-base texlive-latex-recommended lmodern \
                   latexmk gnuplot-nox
PACKAGES_tests  := libcriterion-dev pkg-config

$(B)/deps-%.stamp: tools/deps.sh
	@tools/deps.sh $* $(PACKAGES_$*)
	@mkdir -p $(@D) && touch $@

.PHONY: deps
deps:
	@tools/deps.sh "book and the tests" $(sort $(PACKAGES_cc) $(PACKAGES_book) $(PACKAGES_tests))
	@mkdir -p $(B) && touch $(foreach p,tangle cc book tests,$(B)/deps-$(p).stamp)

# ---------------------------------------------------------------- tangling
# Every root chunk is named after the file it becomes.  They are listed here
# from their definitions, so make knows them before anything is tangled.
ROOTS   := $(shell sed -n 's/^<<\([A-Za-z0-9./-]*\.[A-Za-z0-9]*\)>>=.*$$/\1/p' $(NW) | sort -u)
TANGLED := $(foreach r,$(ROOTS),$(if $(filter tests/%,$(r)),$(r),generated/$(r)))

# tools/tangle.sh rewrites only the files whose text changed, so a
# prose-only edit recompiles nothing.  The empty recipe below tells make
# that the tangled files come from the stamp's recipe.
$(B)/tangle.stamp: $(NW) tools/tangle.sh | $(B)/deps-tangle.stamp
	@tools/tangle.sh . $(NW)
	@touch $@
$(TANGLED): $(B)/tangle.stamp ;

.PHONY: tangle check-generated
tangle: | $(B)/deps-tangle.stamp
	tools/tangle.sh . $(NW)
	@touch $(B)/tangle.stamp

check-generated: | $(B)/deps-tangle.stamp
	@tools/check-generated.sh $(B)/check $(NW)

# ---------------------------------------------------------------- C
CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -pedantic -Werror
# OpenMP shares the loops of chapter 5 between the cores; without it
# (OPENMP=) everything runs on one thread.
OPENMP   ?= -fopenmp
C_FLAGS  := -std=c11 $(WARNINGS) $(CFLAGS) $(OPENMP) -Igenerated -MMD -MP
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
LIBS     := -lm $(OPENMP)
# Evaluated when a recipe runs, after the packages are there.
CRITERION = $$(pkg-config --cflags --libs criterion)

# Tangled C files by role: fig-*.c draw figures, exercise-*.c are starters
# and solutions, tests/exercise-*.c check them, fuzz-*.c are fuzz targets,
# tool.c is the command-line tool, bench.c the benchmark; the rest is the
# library.
LIB_SRCS   := $(filter-out generated/fig-% generated/exercise-% generated/fuzz-% \
                 generated/tool.c generated/bench.c,$(filter generated/%.c,$(TANGLED)))
TOOL       := $(if $(filter generated/tool.c,$(TANGLED)),$(B)/conv2d)
ASAN_TOOL  := $(if $(TOOL),$(B)/asan/conv2d)
FUZZERS    := $(patsubst generated/fuzz-%.c,%,$(filter generated/fuzz-%.c,$(TANGLED)))
TEST_SRCS  := $(filter-out tests/exercise-%,$(filter tests/%.c,$(TANGLED)))
EXERCISES  := $(patsubst tests/exercise-%.c,%,$(filter tests/exercise-%.c,$(TANGLED)))
FIG_PROGS  := $(patsubst generated/fig-%.c,$(B)/bin/fig-%, \
                 $(filter generated/fig-%.c,$(TANGLED)))

LIB_OBJS   := $(patsubst generated/%.c,$(B)/obj/%.o,$(LIB_SRCS))
TEST_OBJS  := $(patsubst tests/%.c,$(B)/obj/tests/%.o,$(TEST_SRCS))
ASAN_LIB_OBJS  := $(patsubst $(B)/obj/%,$(B)/asan/%,$(LIB_OBJS))
ASAN_TEST_OBJS := $(patsubst $(B)/obj/%,$(B)/asan/%,$(TEST_OBJS))

$(B)/obj/%.o: generated/%.c | $(B)/deps-cc.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) -c $< -o $@
$(B)/obj/tests/%.o: tests/%.c | $(B)/deps-cc.stamp $(B)/deps-tests.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) -c $< -o $@
$(B)/asan/%.o: generated/%.c | $(B)/deps-cc.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) $(SANITIZE) -c $< -o $@
$(B)/asan/tests/%.o: tests/%.c | $(B)/deps-cc.stamp $(B)/deps-tests.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) $(SANITIZE) -c $< -o $@

$(B)/libconv2d.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(B)/asan/libconv2d.a: $(ASAN_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The command-line tool, and its sanitizer build for the tests.
$(B)/conv2d: $(B)/obj/tool.o $(B)/libconv2d.a
	$(CC) $(CFLAGS) $^ $(LIBS) -o $@
$(B)/asan/conv2d: $(B)/asan/tool.o $(B)/asan/libconv2d.a
	$(CC) $(CFLAGS) $(SANITIZE) $^ $(LIBS) -o $@

-include $(wildcard $(B)/obj/*.d $(B)/obj/tests/*.d $(B)/asan/*.d $(B)/asan/tests/*.d)

# ---------------------------------------------------------------- tests
$(B)/tests/run-tests: $(TEST_OBJS) $(B)/libconv2d.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TEST_OBJS) $(B)/libconv2d.a $(CRITERION) $(LIBS) -o $@
$(B)/asan/run-tests: $(ASAN_TEST_OBJS) $(B)/asan/libconv2d.a
	$(CC) $(CFLAGS) $(SANITIZE) $(ASAN_TEST_OBJS) $(B)/asan/libconv2d.a \
	  $(CRITERION) $(LIBS) -o $@

# An exercise test linked with the book's solution, or with its starter.
$(B)/exercises/%-solution: tests/exercise-%.c generated/exercise-%-solution.c \
                           $(B)/libconv2d.a | $(B)/deps-cc.stamp $(B)/deps-tests.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) $(filter %.c,$^) $(B)/libconv2d.a $(CRITERION) $(LIBS) -o $@
$(B)/exercises/%-starter: tests/exercise-%.c generated/exercise-%-starter.c \
                          $(B)/libconv2d.a | $(B)/deps-cc.stamp $(B)/deps-tests.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) $(filter %.c,$^) $(B)/libconv2d.a \
	  $(CRITERION) $(LIBS) -o $@

.PHONY: test test-exercises
# The tests find the tool to run end to end in CONV2D_TOOL, and read their
# fixtures relative to the top of the repository.
test: $(B)/tests/run-tests $(B)/asan/run-tests $(TOOL) $(ASAN_TOOL) test-exercises
	@echo "== the tests under AddressSanitizer and UndefinedBehaviorSanitizer"
	CONV2D_TOOL=$(ASAN_TOOL) $(B)/asan/run-tests
	@echo "== the tests"
	CONV2D_TOOL=$(TOOL) $(B)/tests/run-tests

# Every exercise test must pass on the book's solution and fail on the
# starter, so that it is known to tell a right answer from a wrong one.
test-exercises: $(foreach e,$(EXERCISES),$(B)/exercises/$(e)-solution $(B)/exercises/$(e)-starter)
	@for e in $(EXERCISES); do \
	  echo "== exercise $$e: the test against the book's solution"; \
	  $(B)/exercises/$$e-solution || exit 1; \
	  if $(B)/exercises/$$e-starter >/dev/null 2>&1; then \
	    echo "exercise $$e: the starter passes its test, so the test cannot tell a wrong answer" >&2; \
	    exit 1; \
	  fi; \
	  echo "exercise $$e: the starter fails its test, as it should"; \
	done

# ---------------------------------------------------------------- exercises
# The reader's side: `make exercise EX=1.1` copies the starter to
# exercises/1.1.c (never over an existing file); `make check EX=1.1`
# compiles that file with the exercise's test and runs it.
.PHONY: exercise check
exercise: $(filter generated/exercise-$(EX)-starter.c,$(TANGLED))
	@test -n "$(EX)" || { echo "usage: make exercise EX=N.M  (one of: $(EXERCISES))" >&2; exit 2; }
	@test -f generated/exercise-$(EX)-starter.c || { echo "make exercise: there is no exercise $(EX); the exercises are: $(EXERCISES)" >&2; exit 2; }
	@mkdir -p exercises
	@if [ -e exercises/$(EX).c ]; then \
	  echo "exercises/$(EX).c exists already; it was left as it is."; \
	else \
	  cp generated/exercise-$(EX)-starter.c exercises/$(EX).c; \
	  echo "Wrote exercises/$(EX).c.  Edit it, then run: make check EX=$(EX)"; \
	fi

check: $(B)/libconv2d.a | $(B)/deps-cc.stamp $(B)/deps-tests.stamp
	@test -n "$(EX)" || { echo "usage: make check EX=N.M  (one of: $(EXERCISES))" >&2; exit 2; }
	@test -f exercises/$(EX).c || { echo "make check: exercises/$(EX).c does not exist; start it with: make exercise EX=$(EX)" >&2; exit 2; }
	@test -f tests/exercise-$(EX).c || { echo "make check: there is no exercise $(EX); the exercises are: $(EXERCISES)" >&2; exit 2; }
	@mkdir -p $(B)/exercises
	$(CC) -std=c11 -Wall -Wextra -pedantic $(CFLAGS) -Igenerated exercises/$(EX).c \
	  tests/exercise-$(EX).c $(B)/libconv2d.a $(CRITERION) $(LIBS) -o $(B)/exercises/$(EX)-yours
	$(B)/exercises/$(EX)-yours

# ---------------------------------------------------------------- fuzzing
# `make fuzz` runs each fuzz target (clang's libFuzzer, with ASan and UBSan)
# for FUZZ_SECONDS, starting from the seeds in tests/corpus/NAME/.
FUZZ_SECONDS ?= 30
PACKAGES_fuzz := clang libclang-rt-14-dev
.PHONY: fuzz
fuzz: $(foreach f,$(FUZZERS),$(B)/fuzz/$(f))
	@for f in $(FUZZERS); do \
	  echo "== fuzzing $$f for $(FUZZ_SECONDS) s"; \
	  mkdir -p $(B)/fuzz/corpus-$$f; \
	  $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(B)/fuzz/$$f- $(B)/fuzz/corpus-$$f tests/corpus/$$f 2>$(B)/fuzz/$$f.log \
	    || { tail -60 $(B)/fuzz/$$f.log >&2; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|Done [0-9]+ runs' $(B)/fuzz/$$f.log; \
	done
$(B)/fuzz/%: generated/fuzz-%.c $(LIB_SRCS) | $(B)/deps-fuzz.stamp
	@mkdir -p $(@D)
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -Igenerated $< $(LIB_SRCS) -lm -o $@

# ---------------------------------------------------------------- benchmark
# `make bench` (chapter 5) builds $(B)/bench with the library's core for this
# machine (-O3 -march=native), runs it, and refreshes plots/bench-results.csv.
# oneDNN (libdnnl-dev) and OpenBLAS (libopenblas-dev) are compared when
# they are installed; nothing else needs them.
BENCH_FLAGS := -std=c11 -Wall -Wextra -Werror -O3 -march=native -ffp-contract=fast \
               -fopenmp -Igenerated
BENCH_SRCS  := $(filter generated/conv2d-%.c,$(LIB_SRCS))
BENCH_OBJS  := $(patsubst generated/%.c,$(B)/bench-obj/%.o,$(BENCH_SRCS))
BENCH_OPTIONAL = $$(pkg-config --exists openblas 2>/dev/null \
                     && echo -DCONV2D_BENCH_OPENBLAS $$(pkg-config --cflags --libs openblas)) \
                 $$(test -f /usr/include/oneapi/dnnl/dnnl.h && echo -DCONV2D_BENCH_DNNL -ldnnl)
$(B)/bench-obj/%.o: generated/%.c | $(B)/deps-cc.stamp
	@mkdir -p $(@D)
	$(CC) $(BENCH_FLAGS) -c $< -o $@
# The comparators found are recorded, so that installing one rebuilds the
# benchmark.
$(B)/bench-options: FORCE
	@mkdir -p $(@D)
	@echo $(BENCH_OPTIONAL) > $@.new
	@if cmp -s $@ $@.new; then rm $@.new; else mv $@.new $@; fi
$(B)/bench: generated/bench.c $(BENCH_OBJS) $(B)/bench-options | $(B)/deps-cc.stamp
	$(CC) $(BENCH_FLAGS) $< $(BENCH_OBJS) $(BENCH_OPTIONAL) -lm -o $@
.PHONY: FORCE
FORCE:
.PHONY: bench
# OMP_WAIT_POLICY=active keeps the OpenMP threads spinning between parallel
# loops, so that the timings measure the kernels, not the time a sleeping
# thread takes to wake up.
# It prints the table, then the CSV that it commits to plots/.
bench: $(B)/bench
	OMP_WAIT_POLICY=active $(B)/bench --csv > $(B)/bench-results.csv
	@awk -f tools/bench-table.awk $(B)/bench-results.csv
	@echo
	@cat $(B)/bench-results.csv
	@grep -q ',onednn-best,' $(B)/bench-results.csv \
	  || echo "bench: oneDNN was not measured; for the comparators: apt-get install libdnnl-dev libopenblas-dev" >&2
	cp $(B)/bench-results.csv plots/bench-results.csv

# ---------------------------------------------------------------- fixtures
# Reference data from PyTorch (Debian's python3-torch).  Only `make
# fixtures` needs PyTorch; the tests read the committed files.
.PHONY: fixtures
fixtures:
	/usr/bin/python3 tests/make-fixtures.py tests/fixtures

# ---------------------------------------------------------------- figures
$(B)/bin/fig-%: generated/fig-%.c $(B)/libconv2d.a | $(B)/deps-cc.stamp
	@mkdir -p $(@D)
	$(CC) $(C_FLAGS) $< $(B)/libconv2d.a $(LIBS) -o $@

# Each plots/*.mk adds its figures to FIGURES and says how to make them.
# The photograph of chapter 4; `make PHOTO=mine.ppm` draws its figures from
# another picture (a binary PPM).
PHOTO   ?= plots/photos/chelsea.ppm
FIGURES :=
GNUPLOT := CONV2D_PHOTO='$(PHOTO)' gnuplot -e "bin='$(B)/bin'" -e "photo='$(PHOTO)'"
include $(sort $(wildcard plots/*.mk))

# ---------------------------------------------------------------- the book
# noweave -n leaves the LaTeX wrapper to tex/conv2d.tex; -index adds the
# cross-references and the identifier index; tools/ckeywords sets C's
# keywords in bold.
$(B)/body.tex: $(NW) tools/ckeywords tools/drop-keyword-defs | $(B)/deps-book.stamp
	@mkdir -p $(@D)
	noweave -n -autodefs c -filter tools/drop-keyword-defs -index -filter tools/ckeywords $(NW) > $@.tmp
	@mv $@.tmp $@

LATEXMK := TEXINPUTS=tex: latexmk -pdf -outdir=$(B) -interaction=nonstopmode \
           -halt-on-error -file-line-error -silent \
           -usepretex='\providecommand{\builddir}{$(B)}'

.PHONY: all pdf
all: $(B)/conv2d.pdf $(TOOL)
pdf: $(B)/conv2d.pdf
$(B)/conv2d.pdf: tex/conv2d.tex tex/conv2d.sty $(B)/body.tex $(FIGURES) | $(B)/deps-book.stamp
	$(LATEXMK) tex/conv2d.tex || { grep -A5 '^\./.*:[0-9]*: \|^!' $(B)/conv2d.log | head -40 >&2; exit 1; }
	@touch $@
	@echo "The book is $@"

# ---------------------------------------------------------------- cleaning
.PHONY: clean
clean:
	rm -rf $(B)
