#!/bin/sh
# tests/image-seeds.sh: writes the seeds of the fuzz target fuzz-image.c into
# tests/corpus/image/.  Tangled from the book; run from the top of the
# repository: sh tests/image-seeds.sh
set -eu
dir=tests/corpus/image
mkdir -p "$dir"
printf 'P6\n2 2\n255\n\377\000\000\000\377\000\000\000\377\200\200\200' > "$dir/example.ppm"
printf 'P5# grey\r\n# a comment\n3\t# width\n2 # height\r255\n\000\100\200\300\377\001' \
  > "$dir/comments.pgm"
printf 'P5 4 2 15\n\000\001\002\003\004\005\016\017' > "$dir/maxval-15.pgm"
printf 'P6\n1 1\n255\n\012\040\060' > "$dir/one-pixel.ppm"
printf 'P3\n1 1\n255\n255 0 0\n' > "$dir/plain.ppm"
printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n\200' \
  > "$dir/pam.pam"
printf 'P5 1 1 65535\n\377\377' > "$dir/16-bit.pgm"
printf 'P6\n2 1\n255\n\377\000\000\000\377' > "$dir/short.ppm"
printf 'P5 1 1 255\n\200\n' > "$dir/trailing.pgm"
