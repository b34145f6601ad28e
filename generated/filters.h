/* filters.h: named image filters, each one a convolution (chapter 4).
   Tangled from the book; edit the .nw sources. */
#ifndef CONV2D_FILTERS_H
#define CONV2D_FILTERS_H
#include "conv2d.h"
#include "image.h"

/* The named filters: identity, box, gaussian, sharpen, sobel-x, sobel-y,
   sobel, laplacian, emboss.  Kernel sizes are 3 (box and gaussian: 5). */

/* The weights of a named filter, row by row, into kernel[0 .. size*size-1]
   (the rest of kernel is set to 0), and its size (3 or 5) into *size.
   "sobel" is the magnitude of two kernels, not a kernel: it is refused with
   CONV2D_ERR_FILTER, as is an unknown name. */
conv2d_status conv2d_named_kernel(const char *name, float kernel[25], long long *size,
                                  conv2d_error *err);

/* Filter every channel of in with the named filter, each on its own:
   'same' padding (the output has the input's size) filled by mode.
   "sobel" is the gradient magnitude sqrt(gx^2 + gy^2) of sobel-x and
   sobel-y.  The values are not clamped to [0, 1]: the caller decides how
   to show them.  On success *out is a new image, which the caller releases
   with image_free (out must not point at in, whose pixels it would lose);
   on failure *out is left as it was. */
conv2d_status conv2d_filter_image(const char *name, conv2d_padding_mode mode,
                                  const image *in, image *out, conv2d_error *err);

/* The names of the filters, in the order above, followed by NULL. */
const char *const *conv2d_filter_names(void);
#endif
