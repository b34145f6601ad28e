#!/bin/sh
# tools/check-generated.sh SCRATCH SOURCE.nw...
# Fails, showing the difference, unless generated/ and the C files in tests/
# are exactly what a fresh tangle of the book gives.  tools/tangle.sh also
# fails when a root chunk is not a file name.
set -u
scratch=$1; shift
rm -rf "$scratch" && mkdir -p "$scratch/generated" "$scratch/tests" || exit 1
tools/tangle.sh "$scratch" "$@" || {
  echo "check-generated: the tangle failed (see above)" >&2; exit 1; }

status=0
diff -r generated "$scratch/generated" || status=1
for file in $(cd "$scratch/tests" && ls -1 -- *.c *.h 2>/dev/null); do
  diff -u "tests/$file" "$scratch/tests/$file" || status=1
done
for file in $(cd tests && ls -1 -- *.c *.h 2>/dev/null); do
  [ -f "$scratch/tests/$file" ] || {
    echo "check-generated: tests/$file is not tangled from the book" >&2; status=1; }
done
if [ $status -ne 0 ]; then
  echo "check-generated: generated/ or tests/ differ from a fresh tangle;" \
       "run 'make tangle' and commit the result." >&2
else
  echo "check-generated: generated/ and tests/ are a fresh tangle of the book."
fi
exit $status
