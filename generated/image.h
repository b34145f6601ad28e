/* image.h: reading and writing binary PGM (P5) and PPM (P6) images.
   Tangled from the book (the appendix on images); edit the .nw sources. */
#ifndef IMAGE_H
#define IMAGE_H
#include <stddef.h>
#include "conv2d.h"

/* data: [channels][height][width], planar: sample (c, y, x) is
   data[(c * height + y) * width + x]; row 0 is the top of the picture. */
typedef struct {
    long long width, height;
    int channels;      /* 1 (PGM, grey) or 3 (PPM, red, green, blue) */
    float *data;       /* [channels][height][width], planar, values in [0, 1]; malloc'ed */
} image;

/* The most samples (width * height * channels) that are read or written: 2^31. */
#define IMAGE_MAX_SAMPLES 2147483648LL
/* Samples s become s / maxval.  On success *img owns its data: release it
   with image_free.  On failure *img is left as it was. */
conv2d_status image_parse(const unsigned char *bytes, size_t size, image *img,
                          conv2d_error *err);
conv2d_status image_read(const char *path, image *img, conv2d_error *err);
void image_free(image *img);   /* safe on a zeroed image */
/* channels 1 -> P5, 3 -> P6, maxval 255; values clamped to [0, 1], scaled by 255
   and rounded to nearest; atomic replacement */
conv2d_status image_write(const char *path, const image *img, conv2d_error *err);
/* grey = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601 luma), for a 3-channel image;
   a copy for 1 channel.  *out receives a new image (so out must not be in). */
conv2d_status image_to_grey(const image *in, image *out, conv2d_error *err);

#endif
