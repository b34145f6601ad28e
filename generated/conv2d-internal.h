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
conv2d_status conv2d_check_axis(const conv_axis *axis, const char *where,
                                conv2d_error *err);
/* The offset of element (i0, i1, i2, i3) of a C-order array of this shape. */
static inline long long conv2d_offset(const long long shape[4], long long i0,
                                      long long i1, long long i2, long long i3)
{
    return ((i0 * shape[1] + i1) * shape[2] + i2) * shape[3] + i3;
}
long long conv2d_source_index(long long p, long long size, conv2d_padding_mode mode);
conv2d_status conv2d_check_forward(const conv2d_params *params,
                                   const long long input_shape[4],
                                   const long long weight_shape[4],
                                   conv2d_geometry *g, long long output_shape[4],
                                   conv2d_error *err);
/* The tolerance of a float result against an exact reference: see the
   book, "How close is close enough". */
static inline double conv2d_tolerance(double reference, double abs_sum, long long terms)
{
    return 0x1p-24 * (reference < 0 ? -reference : reference)
           + 3.0 * (double)terms * 0x1p-53 * abs_sum;
}
int conv2d_preimages(long long i, const conv_axis *axis, conv2d_padding_mode mode,
                     long long first[3], long long last[3]);
conv2d_status conv2d_check_gradients(const long long output_shape[4],
                                     const long long grad_output_shape[4], int empty,
                                     int have_x, int have_w, int have_dy,
                                     int want_dx, int want_dw, conv2d_error *err);
void conv2d_interior(long long offset, long long stride, long long size,
                     long long outputs, long long *first, long long *last);
void conv2d_gemm_simple(long long m, long long n, long long k,
                        const float *a, long long a_rows, long long a_cols,
                        const float *b, long long b_rows, long long b_cols,
                        float *c, long long ldc, int accumulate);
typedef struct conv2d_blocking conv2d_blocking;
typedef conv2d_status conv2d_gemm_function(const conv2d_blocking *blocking,
                                           long long m, long long n, long long k,
                                           const float *a, long long a_rows,
                                           long long a_cols, const float *b,
                                           long long b_rows, long long b_cols, float *c,
                                           long long ldc, int accumulate,
                                           conv2d_error *err);
struct conv2d_blocking {
    long long kc, mc, nc;    /* the sum, the rows of A, the columns of B */
};
void conv2d_choose_blocking(conv2d_blocking *blocking);
conv2d_status conv2d_gemm(const conv2d_blocking *blocking, long long m, long long n,
                          long long k, const float *a, long long a_rows, long long a_cols,
                          const float *b, long long b_rows, long long b_cols, float *c,
                          long long ldc, int accumulate, conv2d_error *err);
/* The first float of raw that starts a 64-byte cache line; raw must have
   sixteen floats to spare.  Chapter 5, "From NCHW to NCHW". */
static inline float *conv2d_first_line(float *raw)
{
    return raw + (64 - (uintptr_t)raw % 64) % 64 / sizeof(float);
}
void conv2d_pad_plane(const float *plane, const conv_axis *rows, const conv_axis *cols,
                      conv2d_padding_mode mode, float *padded, long long padded_rows,
                      long long length);
/* The weight gradient of conv2d_backward_gemm, with the batch cut into
   chunks of images_per_chunk images and the sum into slices of
   rows_per_slice output rows (0: chosen from the caches); for the tests. */
conv2d_status conv2d_weight_gradient_in_chunks(const conv2d_params *params, const float *x,
                                               const long long input_shape[4],
                                               const long long weight_shape[4],
                                               const float *dy,
                                               const long long grad_output_shape[4],
                                               float *dw, long long images_per_chunk,
                                               long long rows_per_slice, conv2d_error *err);
/* 1 if conv2d_backward_blocked computes the input gradient of this layer
   as a forward pass on the flipped weights, 0 if it uses the matrix
   product and col2im or the layer is not valid; for the tests. */
int conv2d_input_gradient_is_a_forward_pass(const conv2d_params *params,
                                            const long long input_shape[4],
                                            const long long weight_shape[4]);
/* The tolerance of a result summed in float against the naive loops' r,
   with abs_sum the naive loops applied to |x|, |w| (and |dy|): see "How
   close is close enough, in float".  Valid for terms * 2^-24 <= 0.01. */
static inline double conv2d_tolerance_float(double reference, double abs_sum,
                                            long long terms)
{
    return 0x1p-24 * (reference < 0 ? -reference : reference)
           + 1.02 * (double)terms * 0x1p-24 * abs_sum;
}
#endif
