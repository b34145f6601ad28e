#!/bin/sh
# tools/tangle.sh OUTDIR SOURCE.nw...
# Extracts every root chunk of the book into OUTDIR.  A root chunk names the
# file it becomes: "tests/..." roots land in OUTDIR/tests/, all others in
# OUTDIR/generated/.  Files whose text did not change are left untouched
# (cpif), so make does not recompile them.  A root that is not a file name
# is almost always a misspelt chunk definition, and stops the tangle.
set -eu
outdir=$1; shift
scratch=$(mktemp -d "${TMPDIR:-/tmp}/conv2d-tangle.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

noroots "$@" | sed -e 's/^<<//' -e 's/>>$//' > "$scratch/roots"
status=0
while IFS= read -r root; do
  if ! printf '%s\n' "$root" |
       grep -Eq '^[A-Za-z0-9][A-Za-z0-9/-]*(\.[A-Za-z0-9-]+)*\.[A-Za-z0-9]+$'; then
    echo "tangle: root chunk <<$root>> is not a file name;" \
         "is a chunk definition misspelt, or a chunk never used?" >&2
    status=1; continue
  fi
  case "$root" in
    tests/*) target="$outdir/$root" ;;
    *)       target="$outdir/generated/$root" ;;
  esac
  if ! notangle -R"$root" "$@" > "$scratch/file"; then
    echo "tangle: notangle failed on <<$root>>" >&2
    status=1; continue
  fi
  mkdir -p "$(dirname "$target")"
  cpif "$target" < "$scratch/file"
done < "$scratch/roots"
exit $status
