/* conv2d-internal.h: helpers shared by the library's files, not part of
   its interface.  Tangled from the book; edit the .nw sources. */
#ifndef CONV2D_INTERNAL_H
#define CONV2D_INTERNAL_H
#include "conv2d.h"

#if defined(__GNUC__)
#define CONV2D_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define CONV2D_PRINTF_LIKE(f, a)
#endif

conv2d_status conv2d_fail(conv2d_error *err, conv2d_status status,
                          const char *format, ...) CONV2D_PRINTF_LIKE(3, 4);
int conv2d_add_fits(long long a, long long b, long long *sum);
int conv2d_mul_fits(long long a, long long b, long long *product);
#endif
