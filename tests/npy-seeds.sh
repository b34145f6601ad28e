#!/bin/sh
# tests/npy-seeds.sh: writes the seeds of the fuzz target fuzz-npy.c into
# tests/corpus/npy/.  Tangled from the book; run from the top of the
# repository: sh tests/npy-seeds.sh
set -eu
dir=tests/corpus/npy
mkdir -p "$dir"
nl='
'
seed_byte() { printf "\\$(printf '%03o' "$1")"; }

# write_seed FILE MAJOR HEADER DATA: the magic string, version MAJOR.0,
# the header's length and the header, then DATA (printf escapes).
write_seed() {
  header=$3
  length=${#header}
  { printf '\223NUMPY'; seed_byte "$2"; seed_byte 0
    seed_byte $((length % 256)); seed_byte $((length / 256))
    if [ "$2" -ge 2 ]; then seed_byte 0; seed_byte 0; fi
    printf '%s' "$header"
    printf "$4"
  } > "$dir/$1"
}
c_order="'fortran_order': False"
f4="'descr': '<f4', $c_order"
one='\000\000\200\077'                                   # the number 1
six="$one"'\000\000\000\100\000\000\100\100'             # 1, 2, 3
six="$six"'\000\000\200\100\000\000\240\100\000\000\300\100'   # 4, 5, 6
write_seed example.npy 1 "{$f4, 'shape': (2, 3), }$(printf '%58s' '')$nl" "$six"
write_seed scalar-f8.npy 1 "{'descr': '<f8', $c_order, 'shape': (), }$nl" \
  '\000\000\000\000\000\000\004\100'
write_seed shape-3x0.npy 1 "{$f4, 'shape': (3, 0), }$nl" ''
write_seed big-endian-v2.npy 2 "{'descr': '>f4', $c_order, 'shape': (2,), }$nl" \
  '\077\200\000\000\300\000\000\000'
write_seed fortran-v3.npy 3 "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3)}" \
  "$one$one$one"
write_seed eight-dims.npy 1 "{$f4, 'shape': (1, 1, 1, 1, 1, 1, 1, 2), }$nl" "$one$one"
write_seed int32.npy 1 "{'descr': '<i4', $c_order, 'shape': (1,), }$nl" '\001\000\000\000'
write_seed repeated-key.npy 1 "{$f4, 'shape': (1,), 'shape': (1,), }$nl" "$one"
write_seed short-data.npy 1 "{$f4, 'shape': (2, 3), }$nl" "$one$one"
