/* conv2d-fast.c: the fast variants of the forward and backward passes
   (chapter 5).  Tangled from the book. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conv2d-internal.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef _OPENMP
#define CONV2D_PRAGMA(text) _Pragma(#text)
#define CONV2D_PARALLEL_FOR(work) \
    CONV2D_PRAGMA(omp parallel for schedule(static) if ((work) >= 100000))
#else
#define CONV2D_PARALLEL_FOR(work)
#endif
typedef struct {
    long long x_shape[4];      /* N, C_in, H, W */
    long long w_shape[4];      /* C_out, C_in / groups, kH, kW */
    long long y_shape[4];      /* N, C_out, H_out, W_out */
    conv_axis rows, cols;      /* padding resolved */
    long long groups, in_per_group, out_per_group;
    long long pixels;          /* H_out * W_out */
    long long window;          /* C_in / groups * kH * kW */
    conv2d_padding_mode mode;
} fast_layer;

static conv2d_status describe_layer(const conv2d_params *params,
                                    const long long input_shape[4],
                                    const long long weight_shape[4], fast_layer *L,
                                    conv2d_error *err)
{
    conv2d_geometry g;
    conv2d_status status = conv2d_check_forward(params, input_shape, weight_shape, &g,
                                                L->y_shape, err);
    if (status != CONV2D_OK)
        return status;
    for (int i = 0; i < 4; i++) {
        L->x_shape[i] = input_shape[i];
        L->w_shape[i] = weight_shape[i];
    }
    L->rows = g.rows;
    L->cols = g.cols;
    L->groups = params->groups;
    L->in_per_group = weight_shape[1];
    L->out_per_group = weight_shape[0] / params->groups;
    L->pixels = g.out_h * g.out_w;
    L->window = weight_shape[1] * weight_shape[2] * weight_shape[3];
    L->mode = params->padding_mode;
    return CONV2D_OK;
}
static conv2d_status check_fast_forward(const conv2d_params *params,
                                        const float *x, const long long input_shape[4],
                                        const float *w, const long long weight_shape[4],
                                        const float *b, long long bias_length,
                                        const float *y, fast_layer *L, conv2d_error *err)
{
    conv2d_status status = describe_layer(params, input_shape, weight_shape, L, err);
    if (status != CONV2D_OK)
        return status;
    if (b != NULL && bias_length != weight_shape[0])
        return conv2d_fail(err, CONV2D_ERR_BIAS,
                           "bias has %lld values but the weight has %lld output channels",
                           bias_length, weight_shape[0]);
    if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
        return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    return CONV2D_OK;
}
static conv2d_status check_fast_backward(const conv2d_params *params,
                                         const float *x, const long long input_shape[4],
                                         const float *w, const long long weight_shape[4],
                                         const float *dy, const long long grad_output_shape[4],
                                         const float *dx, const float *dw,
                                         fast_layer *L, conv2d_error *err)
{
    conv2d_status status = describe_layer(params, input_shape, weight_shape, L, err);
    if (status != CONV2D_OK)
        return status;
    return conv2d_check_gradients(L->y_shape, grad_output_shape, input_shape[0] == 0,
                                  x != NULL, w != NULL, dy != NULL, dx != NULL,
                                  dw != NULL, err);
}
/* The outputs o in [*first, *last) for which o * stride + offset lies in
   [0, size); *first <= *last <= outputs.  stride >= 1, outputs >= 0. */
void conv2d_interior(long long offset, long long stride, long long size,
                     long long outputs, long long *first, long long *last)
{
    long long lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    long long hi = offset > size - 1 ? 0 : (size - 1 - offset) / stride + 1;
    if (hi > outputs)
        hi = outputs;
    if (lo > hi)
        lo = hi;
    *first = lo;
    *last = hi;
}
conv2d_status conv2d_forward_loops(const conv2d_params *params,
                                   const float *x, const long long input_shape[4],
                                   const float *w, const long long weight_shape[4],
                                   const float *b, long long bias_length,
                                   float *y, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_forward(params, x, input_shape, w, weight_shape,
                                                  b, bias_length, y, &L, err);
        if (status != CONV2D_OK)
            return status;
    const fast_layer *layer = &L;
    long long planes = L.y_shape[0] * L.y_shape[1];
    CONV2D_PARALLEL_FOR(planes * L.pixels * L.window)
    for (long long t = 0; t < planes; t++) {
        const fast_layer *L = layer;
        long long n = t / L->y_shape[1], c_out = t % L->y_shape[1];
        {
            const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
            long long group = c_out / L->out_per_group;
            float *plane = y + conv2d_offset(ys, n, c_out, 0, 0);
            for (long long i = 0; i < L->pixels; i++)
                plane[i] = b != NULL ? b[c_out] : 0.0f;
            for (long long c = 0; c < ws[1]; c++) {
                const float *xp = x + conv2d_offset(xs, n, group * ws[1] + c, 0, 0);
                for (long long u = 0; u < ws[2]; u++)
                    for (long long v = 0; v < ws[3]; v++) {
                        float wv = w[conv2d_offset(ws, c_out, c, u, v)];
                        long long off = v * L->cols.dilation - L->cols.pad_begin;
                        for (long long oh = 0; oh < ys[2]; oh++) {
                            long long ih = conv2d_source_index(oh * L->rows.stride
                                                               + u * L->rows.dilation
                                                               - L->rows.pad_begin, xs[2], L->mode);
                            const float *xrow = xp + (ih < 0 ? 0 : ih) * xs[3];
                            float *yrow = plane + oh * ys[3];
                            if (ih < 0)
                                continue;
                            {
                                long long first, last, s = L->cols.stride, width = L->cols.input;
                                conv2d_interior(off, s, width, L->y_shape[3], &first, &last);
                                for (long long o = 0; o < first; o++) {
                                    long long i = conv2d_source_index(o * s + off, width, L->mode);
                                    if (i >= 0)
                                        yrow[o] += wv * xrow[i];
                                }
                                if (s == 1)
                                    for (long long o = first; o < last; o++)
                                        yrow[o] += wv * xrow[o + off];
                                else
                                    for (long long o = first; o < last; o++)
                                        yrow[o] += wv * xrow[o * s + off];
                                for (long long o = last; o < L->y_shape[3]; o++) {
                                    long long i = conv2d_source_index(o * s + off, width, L->mode);
                                    if (i >= 0)
                                        yrow[o] += wv * xrow[i];
                                }
                            }
                        }
                    }
            }
        }
    }
    return CONV2D_OK;
}
#if defined(__AVX512F__)
#define VECTOR_FLOATS 16
#elif defined(__AVX__)
#define VECTOR_FLOATS 8
#else
#define VECTOR_FLOATS 4
#endif
#define MR 6                      /* rows of the micro-kernel */
#define NR (2 * VECTOR_FLOATS)    /* its columns: two vectors */
#if defined(__GNUC__)
typedef float vfloat __attribute__((vector_size(VECTOR_FLOATS * sizeof(float))));
#define UNROLL _Pragma("GCC unroll 16")
#else
#define UNROLL
#endif
/* padded: [padded_rows][length].  padded[i][j] is the sample of plane
   ([rows->input][cols->input]) at (i - pad_begin, j - pad_begin) through
   the padding map, or 0 where the map gives none or the position lies
   beyond pad_end. */
void conv2d_pad_plane(const float *plane, const conv_axis *rows, const conv_axis *cols,
                      conv2d_padding_mode mode, float *padded, long long padded_rows,
                      long long length)
{
    long long w = cols->input, first, last;
    conv2d_interior(-cols->pad_begin, 1, w, length, &first, &last);
    for (long long i = 0; i < padded_rows; i++) {
        float *row = padded + i * length;
        long long p = i - rows->pad_begin;
        long long ih = p < rows->input + rows->pad_end
                       ? conv2d_source_index(p, rows->input, mode) : -1;
        if (ih < 0)
            memset(row, 0, sizeof(float) * (size_t)length);
        else
            {
                const float *xrow = plane + ih * w;
                for (long long j = 0; j < first; j++) {
                    long long iw = conv2d_source_index(j - cols->pad_begin, w, mode);
                    row[j] = iw >= 0 ? xrow[iw] : 0.0f;
                }
                if (last > first)
                    memcpy(row + first, xrow + first - cols->pad_begin,
                           sizeof(float) * (size_t)(last - first));
                for (long long j = last; j < length && j < w + cols->pad_begin + cols->pad_end; j++) {
                    long long iw = conv2d_source_index(j - cols->pad_begin, w, mode);
                    row[j] = iw >= 0 ? xrow[iw] : 0.0f;
                }
                if (w + cols->pad_begin + cols->pad_end < length)
                    memset(row + w + cols->pad_begin + cols->pad_end, 0,
                           sizeof(float) * (size_t)(length - w - cols->pad_begin - cols->pad_end));
            }
    }
}
#define DIRECT_ROWS 4             /* output rows in a block of the kernel */

typedef struct {
    long long rows, length;         /* the padded plane: [rows][length] */
    long long out_rows, out_length; /* the output buffer: [out_rows][out_length] */
    long long floats;               /* both (or the plane), a multiple of 16 */
    int in_place;                   /* the output plane is its own buffer */
} direct_buffers;

/* *rounded = n rounded up to a multiple of m; 0 if that overflows.
   n >= 0, m >= 1. */
static int round_up(long long n, long long m, long long *rounded)
{
    long long sum;
    if (!conv2d_add_fits(n, m - 1, &sum))
        return 0;
    *rounded = sum / m * m;
    return 1;
}

/* *extent = (count - 1) * step + span: what count positions step apart
   cover, each span wide; 0 if that overflows.  count >= 1. */
static int extent_fits(long long count, long long step, long long span,
                       long long *extent)
{
    long long to_last;
    return conv2d_mul_fits(count - 1, step, &to_last)
           && conv2d_add_fits(to_last, span, extent);
}
static conv2d_status size_the_buffers(const fast_layer *L, direct_buffers *B,
                                      conv2d_error *err)
{
    long long window_h, window_w, plane, sums = 0;
#if defined(__GNUC__)
    int vectors = L->cols.stride == 1;
#else
    int vectors = 0;
#endif
    int fits = round_up(L->y_shape[2], vectors ? DIRECT_ROWS : 1, &B->out_rows)
               && round_up(L->y_shape[3], vectors ? VECTOR_FLOATS : 1, &B->out_length)
               && extent_fits(L->w_shape[2], L->rows.dilation, 1, &window_h)
               && extent_fits(L->w_shape[3], L->cols.dilation, 1, &window_w)
               && extent_fits(L->y_shape[2], L->rows.stride, window_h, &B->rows)
               && extent_fits(B->out_length, L->cols.stride, window_w, &B->length)
               && round_up(B->length, VECTOR_FLOATS, &B->length)
               && conv2d_mul_fits(B->rows, B->length, &plane);
    B->in_place = fits && B->out_rows == L->y_shape[2]
                  && B->out_length == L->y_shape[3];
    if (fits && !B->in_place)
        fits = conv2d_mul_fits(B->out_rows, B->out_length, &sums);
    if (!fits || !conv2d_add_fits(plane, sums, &B->floats)
        || !round_up(B->floats, 16, &B->floats))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the buffers of the direct kernel "
                           "for an output plane of %lld x %lld with strides %lld and "
                           "%lld have too many floats to count", L->y_shape[2],
                           L->y_shape[3], L->rows.stride, L->cols.stride);
    return CONV2D_OK;
}
static conv2d_status allocate_thread_buffers(long long threads, long long floats,
                                             float **raw, float **slices,
                                             conv2d_error *err)
{
    long long total, bytes;
    if (!conv2d_mul_fits(threads, floats, &total) || !conv2d_add_fits(total, 16, &total)
        || !conv2d_mul_fits(total, (long long)sizeof(float), &bytes))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "%lld pairs of buffers of %lld "
                           "floats for the direct kernel are too many to count",
                           threads, floats);
    *raw = malloc((size_t)bytes);
    if (*raw == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate %lld pairs of "
                           "buffers of %lld floats for the direct kernel", threads,
                           floats);
    *slices = conv2d_first_line(*raw);
    return CONV2D_OK;
}
#if defined(__GNUC__)
static inline __attribute__((always_inline))
void add_taps_to_block(const float *restrict in, long long row_step, long long rows,
                       long long tap_row_step, long long tap_col_step,
                       const float *restrict taps, long long kh, long long kw,
                       const float *start, float *restrict out, long long out_length)
{
    const float *row_in[DIRECT_ROWS];
    UNROLL for (int r = 0; r < DIRECT_ROWS; r++)
        row_in[r] = in + (r < rows ? r : 0) * row_step;
    for (long long o = 0; o < out_length; o += VECTOR_FLOATS) {
        vfloat acc[DIRECT_ROWS];
        UNROLL for (int r = 0; r < DIRECT_ROWS; r++)
            if (start != NULL)
                acc[r] = (vfloat){ 0 } + *start;
            else
                memcpy(&acc[r], out + r * out_length + o, sizeof acc[r]);
        for (long long u = 0; u < kh; u++)
            for (long long v = 0; v < kw; v++) {
                long long at = u * tap_row_step + v * tap_col_step + o;
                UNROLL for (int r = 0; r < DIRECT_ROWS; r++) {
                    vfloat x;
                    memcpy(&x, row_in[r] + at, sizeof x);
                    acc[r] += taps[u * kw + v] * x;
                }
            }
        UNROLL for (int r = 0; r < DIRECT_ROWS; r++)
            memcpy(out + r * out_length + o, &acc[r], sizeof acc[r]);
    }
}
#endif
static void add_taps_one_by_one(const fast_layer *L, const direct_buffers *B,
                                const float *padded, const float *taps,
                                const float *start, float *out)
{
    long long kh = L->w_shape[2], kw = L->w_shape[3];
    long long row_step = L->rows.stride * B->length;
    long long tap_row_step = L->rows.dilation * B->length;
    for (long long oh = 0; oh < L->y_shape[2]; oh++)
        for (long long o = 0; o < L->y_shape[3]; o++) {
            const float *at = padded + oh * row_step + o * L->cols.stride;
            float acc = start != NULL ? *start : out[oh * B->out_length + o];
            for (long long u = 0; u < kh; u++)
                for (long long v = 0; v < kw; v++)
                    acc += taps[u * kw + v] * at[u * tap_row_step + v * L->cols.dilation];
            out[oh * B->out_length + o] = acc;
        }
}
static void add_plane_taps(const fast_layer *L, const direct_buffers *B,
                           const float *padded, const float *taps, const float *start,
                           float *out)
{
#if defined(__GNUC__)
    long long kh = L->w_shape[2], kw = L->w_shape[3], len = B->length;
    long long sh = L->rows.stride, dh = L->rows.dilation, dw = L->cols.dilation;
    int three_by_three = kh == 3 && kw == 3 && sh == 1 && dh == 1 && dw == 1;
    if (L->cols.stride == 1) {
        for (long long oh = 0; oh < B->out_rows; oh += DIRECT_ROWS) {
            const float *in = padded + oh * sh * len;
            float *block = out + oh * B->out_length;
            long long rows = L->y_shape[2] - oh;     /* output rows left from oh on */
            if (three_by_three)
                add_taps_to_block(in, len, rows, len, 1, taps, 3, 3, start, block,
                                  B->out_length);
            else
                add_taps_to_block(in, sh * len, rows, dh * len, dw, taps, kh, kw, start,
                                  block, B->out_length);
        }
        return;
    }
#endif
    add_taps_one_by_one(L, B, padded, taps, start, out);
}

static int direct_thread(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

conv2d_status conv2d_forward_direct(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *b, long long bias_length,
                                    float *y, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_forward(params, x, input_shape, w, weight_shape,
                                                  b, bias_length, y, &L, err);
        if (status != CONV2D_OK)
            return status;
    const fast_layer *layer = &L;
    direct_buffers buffers;
    long long units = L.x_shape[0] * L.groups, threads = 1;
    float *raw, *slices;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (units == 0)
        return CONV2D_OK;
    if ((status = size_the_buffers(&L, &buffers, err)) != CONV2D_OK)
        return status;
    if ((status = allocate_thread_buffers(threads, buffers.floats, &raw, &slices, err))
        != CONV2D_OK)
        return status;
    CONV2D_PARALLEL_FOR(units * L.out_per_group * L.pixels * L.window)
    for (long long t = 0; t < units; t++) {
        const fast_layer *L = layer;
        const direct_buffers *B = &buffers;
        float *padded = slices + direct_thread() * B->floats;
        float *out = padded + B->rows * B->length;
        long long n = t / L->groups, group = t % L->groups;
        {
            const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
            for (long long k = 0; k < L->out_per_group; k++) {
                long long c_out = group * L->out_per_group + k;
                float bias = b != NULL ? b[c_out] : 0.0f;
                float *plane = y + conv2d_offset(ys, n, c_out, 0, 0);
                float *sums = B->in_place ? plane : out;
                for (long long c = 0; c < ws[1]; c++) {
                    if (k == 0 || ws[1] > 1)
                        conv2d_pad_plane(x + conv2d_offset(xs, n, group * ws[1] + c, 0, 0),
                                         &L->rows, &L->cols, L->mode, padded, B->rows, B->length);
                    add_plane_taps(L, B, padded, w + conv2d_offset(ws, c_out, c, 0, 0),
                                   c == 0 ? &bias : NULL, sums);
                }
                for (long long oh = 0; oh < ys[2] && !B->in_place; oh++)
                    memcpy(plane + oh * ys[3], out + oh * B->out_length,
                           sizeof(float) * (size_t)ys[3]);
            }
        }
    }
    free(raw);
    return CONV2D_OK;
}
typedef struct {
    long long rows;                  /* of the gradient of the padded plane */
    long long dy_rows, dy_length;    /* of a plane of dy with zeros around it */
} gradient_buffers;

/* plane ([rows->input][cols->input]) += the samples of padded
   ([padded_rows][length]), each to the sample that conv2d_pad_plane
   copied into its place. */
static void fold_padded_plane(const float *padded, const conv_axis *rows,
                              const conv_axis *cols, conv2d_padding_mode mode,
                              long long padded_rows, long long length, float *plane)
{
    long long w = cols->input, first, last;
    long long end = w + cols->pad_begin + cols->pad_end < length
                    ? w + cols->pad_begin + cols->pad_end : length;
    conv2d_interior(-cols->pad_begin, 1, w, length, &first, &last);
    for (long long i = 0; i < padded_rows; i++) {
        const float *row = padded + i * length;
        long long p = i - rows->pad_begin;
        long long ih = p < rows->input + rows->pad_end
                       ? conv2d_source_index(p, rows->input, mode) : -1;
        float *xrow = plane + (ih < 0 ? 0 : ih) * w;
        for (long long j = first; j < last && ih >= 0; j++)
            xrow[j - cols->pad_begin] += row[j];
        for (long long j = 0; j < first && ih >= 0; j++) {       /* the left border */
            long long iw = conv2d_source_index(j - cols->pad_begin, w, mode);
            if (iw >= 0)
                xrow[iw] += row[j];
        }
        for (long long j = last; j < end && ih >= 0; j++) {      /* the right border */
            long long iw = conv2d_source_index(j - cols->pad_begin, w, mode);
            if (iw >= 0)
                xrow[iw] += row[j];
        }
    }
}
static float dot_rows(const float *a, const float *b, long long count)
{
    float sum = 0.0f;
    long long i = 0;
#if defined(__GNUC__)
    vfloat acc = { 0 };
    for (; i + VECTOR_FLOATS <= count; i += VECTOR_FLOATS) {
        vfloat p, q;
        memcpy(&p, a + i, sizeof p);
        memcpy(&q, b + i, sizeof q);
        acc += p * q;
    }
    for (int lane = 0; lane < VECTOR_FLOATS; lane++)
        sum += acc[lane];
#endif
    for (; i < count; i++)
        sum += a[i] * b[i];
    return sum;
}

conv2d_status conv2d_backward_direct(const conv2d_params *params,
                                     const float *x, const long long input_shape[4],
                                     const float *w, const long long weight_shape[4],
                                     const float *dy,
                                     const long long grad_output_shape[4],
                                     float *dx, float *dw, float *db, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_backward(params, x, input_shape, w, weight_shape,
                                                   dy, grad_output_shape, dx, dw, &L, err);
        if (status != CONV2D_OK)
            return status;
    const fast_layer *layer = &L;
    direct_buffers buffers;
    gradient_buffers gradients;
    long long units = L.x_shape[0] * L.groups, threads = 1;
    float *raw, *slices;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (units == 0) {
        for (long long i = 0; dw != NULL && i < L.w_shape[0] * L.window; i++)
            dw[i] = 0.0f;
        for (long long i = 0; db != NULL && i < L.w_shape[0]; i++)
            db[i] = 0.0f;
        return CONV2D_OK;
    }
    if ((status = size_the_buffers(&L, &buffers, err)) != CONV2D_OK)
        return status;
    {
        gradient_buffers *G = &gradients;
        long long kh = L.w_shape[2], kw = L.w_shape[3], grad, framed, needed;
        if (!round_up(buffers.rows, DIRECT_ROWS, &G->rows)
            || !extent_fits(kh, L.rows.dilation, G->rows, &G->dy_rows)
            || !extent_fits(kw, L.cols.dilation, buffers.length, &G->dy_length)
            || !round_up(G->dy_length, VECTOR_FLOATS, &G->dy_length)
            || !conv2d_mul_fits(G->rows, buffers.length, &grad)
            || !conv2d_mul_fits(G->dy_rows, G->dy_length, &framed)
            || !conv2d_add_fits(grad, framed, &needed)
            || !conv2d_add_fits(needed, L.window, &needed)
            || !round_up(needed, 16, &needed))
            return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the buffers of the direct "
                               "kernel's input gradient for a padded plane of %lld x %lld "
                               "have too many floats to count", buffers.rows, buffers.length);
        if (buffers.floats < needed)
            buffers.floats = needed;
    }
    if ((status = allocate_thread_buffers(threads, buffers.floats, &raw, &slices, err))
        != CONV2D_OK)
        return status;
    CONV2D_PARALLEL_FOR(units * L.out_per_group * L.pixels * L.window)
    for (long long t = 0; t < units; t++) {
        const fast_layer *L = layer;
        const direct_buffers *B = &buffers;
        const gradient_buffers *G = &gradients;
        float *grad = slices + direct_thread() * B->floats;
        long long n = t / L->groups, group = t % L->groups;
        if (dx != NULL)
            {
                const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
                for (long long c = 0; c < ws[1]; c++) {
                    float *plane = dx + conv2d_offset(xs, n, group * ws[1] + c, 0, 0);
                    memset(grad, 0, sizeof(float) * (size_t)(G->rows * B->length));
                    for (long long k = 0; k < L->out_per_group; k++) {
                        long long c_out = group * L->out_per_group + k;
                        const float *taps = w + conv2d_offset(ws, c_out, c, 0, 0);
                        const float *dy_plane = dy + conv2d_offset(ys, n, c_out, 0, 0);
            #if defined(__GNUC__)
                        if (L->rows.stride == 1 && L->cols.stride == 1)
                            {
                                long long kh = ws[2], kw = ws[3], dh = L->rows.dilation, dw_ = L->cols.dilation;
                                float zero = 0.0f, *dy_padded = grad + G->rows * B->length;
                                float *flipped = dy_padded + G->dy_rows * G->dy_length;
                                memset(dy_padded, 0, sizeof(float) * (size_t)(G->dy_rows * G->dy_length));
                                for (long long oh = 0; oh < ys[2]; oh++)
                                    memcpy(dy_padded + (oh + (kh - 1) * dh) * G->dy_length + (kw - 1) * dw_,
                                           dy_plane + oh * ys[3], sizeof(float) * (size_t)ys[3]);
                                for (long long t = 0; t < kh * kw; t++)
                                    flipped[t] = taps[kh * kw - 1 - t];
                                for (long long i = 0; i < G->rows; i += DIRECT_ROWS) {
                                    const float *in = dy_padded + i * G->dy_length;
                                    if (kh == 3 && kw == 3 && dh == 1 && dw_ == 1)
                                        add_taps_to_block(in, G->dy_length, DIRECT_ROWS, G->dy_length, 1, flipped,
                                                          3, 3, k == 0 ? &zero : NULL, grad + i * B->length,
                                                          B->length);
                                    else
                                        add_taps_to_block(in, G->dy_length, DIRECT_ROWS, dh * G->dy_length, dw_,
                                                          flipped, kh, kw, k == 0 ? &zero : NULL,
                                                          grad + i * B->length, B->length);
                                }
                            }
                        else
            #endif
                            for (long long oh = 0; oh < ys[2]; oh++) {
                                const float *restrict dy_row = dy_plane + oh * ys[3];
                                for (long long u = 0; u < ws[2]; u++)
                                    for (long long v = 0; v < ws[3]; v++) {
                                        long long row = oh * L->rows.stride + u * L->rows.dilation;
                                        float *restrict at = grad + row * B->length + v * L->cols.dilation;
                                        float wv = taps[u * ws[3] + v];
                                        if (L->cols.stride == 1)
                                            for (long long o = 0; o < ys[3]; o++)
                                                at[o] += wv * dy_row[o];
                                        else
                                            for (long long o = 0; o < ys[3]; o++)
                                                at[o * L->cols.stride] += wv * dy_row[o];
                                    }
                            }
                    }
                    memset(plane, 0, sizeof(float) * (size_t)(xs[2] * xs[3]));
                    fold_padded_plane(grad, &L->rows, &L->cols, L->mode, B->rows, B->length, plane);
                }
            }
    }
    CONV2D_PARALLEL_FOR(L.y_shape[1] * L.pixels * L.window * L.x_shape[0])
    for (long long c_out = 0; c_out < L.y_shape[1]; c_out++) {
        const fast_layer *L = layer;
        const direct_buffers *B = &buffers;
        float *padded = slices + direct_thread() * B->floats;
        if (dw != NULL || db != NULL)
            {
                const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
                long long group = c_out / L->out_per_group, taps = ws[2] * ws[3];
                float *dw_filter = dw != NULL ? dw + conv2d_offset(ws, c_out, 0, 0, 0) : NULL;
                for (long long i = 0; i < ws[1] * taps && dw_filter != NULL; i++)
                    dw_filter[i] = 0.0f;
                if (db != NULL)
                    db[c_out] = 0.0f;
                for (long long n = 0; n < ys[0]; n++) {
                    const float *dy_plane = dy + conv2d_offset(ys, n, c_out, 0, 0);
                    for (long long i = 0; i < ys[2] * ys[3] && db != NULL; i++)
                        db[c_out] += dy_plane[i];
                    for (long long c = 0; c < ws[1] && dw_filter != NULL; c++) {
                        conv2d_pad_plane(x + conv2d_offset(xs, n, group * ws[1] + c, 0, 0), &L->rows,
                                         &L->cols, L->mode, padded, B->rows, B->length);
            #if defined(__GNUC__)
                        if (ws[2] == 3 && ws[3] == 3 && L->cols.stride == 1)
                            {
                                vfloat acc[9] = { { 0 } };
                                float tail[9] = { 0 };
                                long long row_step = L->rows.stride * B->length;
                                long long tap_row = L->rows.dilation * B->length, dw_ = L->cols.dilation;
                                for (long long oh = 0; oh < ys[2]; oh++) {
                                    const float *g = dy_plane + oh * ys[3], *at = padded + oh * row_step;
                                    long long o = 0;
                                    for (; o + VECTOR_FLOATS <= ys[3]; o += VECTOR_FLOATS) {
                                        vfloat gv;
                                        memcpy(&gv, g + o, sizeof gv);
                                        UNROLL for (int t = 0; t < 9; t++) {
                                            vfloat xv;
                                            memcpy(&xv, at + t / 3 * tap_row + t % 3 * dw_ + o, sizeof xv);
                                            acc[t] += gv * xv;
                                        }
                                    }
                                    for (; o < ys[3]; o++)
                                        for (int t = 0; t < 9; t++)
                                            tail[t] += g[o] * at[t / 3 * tap_row + t % 3 * dw_ + o];
                                }
                                for (int t = 0; t < 9; t++) {
                                    for (int lane = 0; lane < VECTOR_FLOATS; lane++)
                                        tail[t] += acc[t][lane];
                                    dw_filter[c * taps + t] += tail[t];
                                }
                            }
                        else
            #endif
                        for (long long t = 0; t < taps; t++)
                            {
                                long long u = t / ws[3], v = t % ws[3];
                                float sum = 0.0f;
                                for (long long oh = 0; oh < ys[2]; oh++) {
                                    const float *at = padded
                                                      + (oh * L->rows.stride + u * L->rows.dilation) * B->length
                                                      + v * L->cols.dilation;
                                    if (L->cols.stride == 1)
                                        sum += dot_rows(dy_plane + oh * ys[3], at, ys[3]);
                                    else
                                        for (long long o = 0; o < ys[3]; o++)
                                            sum += dy_plane[oh * ys[3] + o] * at[o * L->cols.stride];
                                }
                                dw_filter[c * taps + t] += sum;
                            }
                    }
                }
            }
    }
    free(raw);
    return CONV2D_OK;
}
#define BLOCK_PIXELS 14    /* output pixels of the register block */
#define NARROW_PIXELS 4    /* those of the narrow block at the end of a row */
#if defined(__GNUC__)
typedef float block_vector __attribute__((vector_size(16 * sizeof(float))));
#define ALWAYS_INLINE inline __attribute__((always_inline))
static ALWAYS_INLINE void add_product(block_vector *acc, float s,
                                      const block_vector *w)
{
    *acc += s * *w;
}
#else
typedef struct { float lane[16]; } block_vector;
#define ALWAYS_INLINE inline
static void add_product(block_vector *acc, float s, const block_vector *w)
{
    for (int i = 0; i < 16; i++)
        acc->lane[i] += s * w->lane[i];
}
#endif
static ALWAYS_INLINE void load_block(block_vector *v, const float *p)
{
    memcpy(v, p, sizeof *v);
}
static const float zero_block[16];
#define BLOCK 16    /* channels per block: the layout's, not the machine's */

/* The product of the four numbers, or -1 if one is negative or it overflows. */
static long long product_of_four(long long a, long long b, long long c, long long d)
{
    long long ab, abc, abcd;
    if (a < 0 || b < 0 || c < 0 || d < 0 || !conv2d_mul_fits(a, b, &ab)
        || !conv2d_mul_fits(ab, c, &abc) || !conv2d_mul_fits(abc, d, &abcd))
        return -1;
    return abcd;
}

static long long blocks_of(long long channels)
{
    return channels / BLOCK + (channels % BLOCK != 0);
}

long long conv2d_blocked_count(const long long shape[4])
{
    long long pixels = product_of_four(shape[2], shape[3], BLOCK, 1);
    if (shape[1] < 0 || pixels < 0)
        return -1;
    return product_of_four(shape[0], blocks_of(shape[1]), pixels, 1);
}

long long conv2d_blocked_weight_count(const long long weight_shape[4])
{
    const long long *s = weight_shape;
    long long taps = product_of_four(s[2], s[3], BLOCK, BLOCK);
    return s[0] < 0 || s[1] < 0 || taps < 0
           ? -1 : product_of_four(blocks_of(s[0]), blocks_of(s[1]), taps, 1);
}
static conv2d_status check_conversion(const float *from, const long long shape[4],
                                      const float *to, long long count, int is_weight,
                                      conv2d_error *err)
{
    const char *what = is_weight ? "weight" : "activation";
    if (shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the %s shape must not be NULL", what);
    for (int i = 0; i < 4; i++)
        if (shape[i] < 0)
            return conv2d_fail(err, !is_weight ? CONV2D_ERR_INPUT_SIZE
                                    : i < 2 ? CONV2D_ERR_CHANNELS
                                            : CONV2D_ERR_KERNEL_SIZE,
                               "the %s shape %lld x %lld x %lld x %lld has a negative "
                               "size", what, shape[0], shape[1], shape[2], shape[3]);
    if (count < 0)
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the blocked %s of shape %lld x "
                           "%lld x %lld x %lld has too many floats to count", what,
                           shape[0], shape[1], shape[2], shape[3]);
    if (count > 0 && (from == NULL || to == NULL))
        return conv2d_fail(err, CONV2D_ERR_NULL, "the %s arrays must not be NULL", what);
    return CONV2D_OK;
}

/* x: [N][C][H][W], xb: [N][ceil(C/16)][H][W][16]; into_blocks copies x to xb,
   otherwise xb to x. */
static void convert_blocks(const long long shape[4], float *x, float *xb, int into_blocks)
{
    long long channels = shape[1], blocks = blocks_of(channels);
    long long plane = shape[2] * shape[3], tiles = (plane + BLOCK - 1) / BLOCK;
    long long tasks = shape[0] * blocks * tiles;
    CONV2D_PARALLEL_FOR(tasks * BLOCK * BLOCK)
    for (long long t = 0; t < tasks; t++) {
        long long nb = t / tiles, n = nb / blocks, first = nb % blocks * BLOCK;
        long long lanes = channels - first < BLOCK ? channels - first : BLOCK;
        long long p0 = t % tiles * BLOCK, p1 = p0 + BLOCK < plane ? p0 + BLOCK : plane;
        float *nchw = x + (n * channels + first) * plane;
        float *block = xb + nb * plane * BLOCK;
        if (into_blocks)
            for (long long p = p0; p < p1; p++)
                for (long long i = 0; i < BLOCK; i++)
                    block[p * BLOCK + i] = i < lanes ? nchw[i * plane + p] : 0.0f;
        else
            for (long long i = 0; i < lanes; i++)
                for (long long p = p0; p < p1; p++)
                    nchw[i * plane + p] = block[p * BLOCK + i];
    }
}

conv2d_status conv2d_to_blocked(const float *x, const long long shape[4], float *xb,
                                conv2d_error *err)
{
    conv2d_status status = check_conversion(x, shape, xb, shape == NULL ? 0
                                            : conv2d_blocked_count(shape), 0, err);
    if (status == CONV2D_OK)
        convert_blocks(shape, (float *)x, xb, 1);
    return status;
}

conv2d_status conv2d_from_blocked(const float *xb, const long long shape[4], float *x,
                                  conv2d_error *err)
{
    conv2d_status status = check_conversion(xb, shape, x, shape == NULL ? 0
                                            : conv2d_blocked_count(shape), 0, err);
    if (status == CONV2D_OK)
        convert_blocks(shape, x, (float *)xb, 0);
    return status;
}
conv2d_status conv2d_weights_to_blocked(const float *w, const long long weight_shape[4],
                                        float *wb, conv2d_error *err)
{
    const long long *s = weight_shape;
    long long count = s == NULL ? 0 : conv2d_blocked_weight_count(s);
    conv2d_status status = check_conversion(w, s, wb, count, 1, err);
    long long in_blocks, taps;
    if (status != CONV2D_OK)
        return status;
    in_blocks = blocks_of(s[1]);
    taps = s[2] * s[3];
    CONV2D_PARALLEL_FOR(count)
    for (long long t = 0; t < blocks_of(s[0]) * in_blocks; t++) {
        long long ob = t / in_blocks, ib = t % in_blocks;
        float *block = wb + t * taps * BLOCK * BLOCK;
        for (long long o = 0; o < BLOCK; o++)
            for (long long i = 0; i < BLOCK; i++) {
                long long c_out = ob * BLOCK + o, c = ib * BLOCK + i;
                const float *from = c_out < s[0] && c < s[1]
                                    ? w + conv2d_offset(s, c_out, c, 0, 0) : NULL;
                for (long long t = 0; t < taps; t++)
                    block[(t * BLOCK + i) * BLOCK + o] = from != NULL ? from[t] : 0.0f;
            }
    }
    return CONV2D_OK;
}
typedef struct {
    const fast_layer *L;
    const float *x;           /* image n: [in_blocks][H][W][16] */
    const float *w[2];        /* output blocks ob, ob + 1:
                                 [in_blocks][kH][kW][16][16] each */
    float *y[2];              /* row h of output blocks ob, ob + 1: [W_out][16] */
    block_vector bias[2];
    const long long *rows;    /* [kH]: the input row of each tap row, or -1 */
    const long long *cols;    /* [W_out][kW]: the input column of each tap, or -1 */
    const long long *inside;  /* [kW][2]: the interior range of each tap column */
    long long in_blocks;
} blocked_row;

static ALWAYS_INLINE void output_block(const blocked_row *r, long long o0,
                                       long long pixels, int size, long long step,
                                       int pair)
{
    const fast_layer *L = r->L;
    const long long *ws = L->w_shape;
    long long height = L->x_shape[2], width = L->x_shape[3];
    block_vector acc[BLOCK_PIXELS][2];
    for (int j = 0; j < size; j++) {
        acc[j][0] = r->bias[0];
        acc[j][1] = r->bias[1];
    }
    for (long long ib = 0; ib < r->in_blocks; ib++) {
        long long lanes = ws[1] - ib * BLOCK < BLOCK ? ws[1] - ib * BLOCK : BLOCK;
        for (long long u = 0; u < ws[2]; u++) {
            const float *xrow;
            if (r->rows[u] < 0)
                continue;
            xrow = r->x + (ib * height + r->rows[u]) * width * BLOCK;
            for (long long v = 0; v < ws[3]; v++) {
                long long tap = ((ib * ws[2] + u) * ws[3] + v) * BLOCK * BLOCK;
                const float *w0 = r->w[0] + tap, *w1 = r->w[1] + tap;
                if (pixels == size && o0 >= r->inside[2 * v] && o0 + size <= r->inside[2 * v + 1]) {
                    const float *src = xrow + (o0 * L->cols.stride + v * L->cols.dilation
                                               - L->cols.pad_begin) * BLOCK;
                    for (long long i = 0; i < lanes; i++) {
                        block_vector wv0, wv1;
                        load_block(&wv0, w0 + i * BLOCK);
                        load_block(&wv1, pair ? w1 + i * BLOCK : w0 + i * BLOCK);
                        UNROLL for (int j = 0; j < size; j++) {
                            float sample = src[j * step + i];
                            add_product(&acc[j][0], sample, &wv0);
                            if (pair)
                                add_product(&acc[j][1], sample, &wv1);
                        }
                    }
                } else {
                    const float *from[BLOCK_PIXELS];
                    for (int j = 0; j < size; j++) {
                        long long column = j < pixels ? r->cols[(o0 + j) * ws[3] + v] : -1;
                        from[j] = column >= 0 ? xrow + column * BLOCK : zero_block;
                    }
                    for (long long i = 0; i < lanes; i++) {
                        block_vector wv0, wv1;
                        load_block(&wv0, w0 + i * BLOCK);
                        load_block(&wv1, pair ? w1 + i * BLOCK : w0 + i * BLOCK);
                        UNROLL for (int j = 0; j < size; j++) {
                            float sample = from[j][i];
                            add_product(&acc[j][0], sample, &wv0);
                            if (pair)
                                add_product(&acc[j][1], sample, &wv1);
                        }
                    }
                }
            }
        }
    }
    for (long long j = 0; j < pixels; j++) {
        memcpy(r->y[0] + (o0 + j) * BLOCK, &acc[j][0], sizeof acc[j][0]);
        if (pair)
            memcpy(r->y[1] + (o0 + j) * BLOCK, &acc[j][1], sizeof acc[j][1]);
    }
}
static ALWAYS_INLINE void output_block_at_any_stride(const blocked_row *r,
                                                     long long o0, long long pixels,
                                                     int size, int pair)
{
    long long stride = r->L->cols.stride;
    if (stride == 1)
        output_block(r, o0, pixels, size, BLOCK, pair);
    else if (stride == 2)
        output_block(r, o0, pixels, size, 2 * BLOCK, pair);
    else
        output_block(r, o0, pixels, size, stride * BLOCK, pair);
}

static void output_row(const blocked_row *r, int pair)
{
    long long out_width = r->L->y_shape[3];
    for (long long start = 0; start < out_width;) {
        long long left = out_width - start, o0 = start, pixels;
        int size = left > 2 * NARROW_PIXELS ? BLOCK_PIXELS : NARROW_PIXELS;
        pixels = size;
        if (left < size) {
            if (out_width >= size)
                o0 = out_width - size;     /* overlap the block before */
            else
                pixels = left;
        }
        if (size == BLOCK_PIXELS)
            pair ? output_block_at_any_stride(r, o0, pixels, BLOCK_PIXELS, 1)
                 : output_block_at_any_stride(r, o0, pixels, BLOCK_PIXELS, 0);
        else
            pair ? output_block_at_any_stride(r, o0, pixels, NARROW_PIXELS, 1)
                 : output_block_at_any_stride(r, o0, pixels, NARROW_PIXELS, 0);
        start += size;
    }
}
conv2d_status conv2d_forward_on_blocked(const conv2d_params *params,
                                        const float *x, const long long input_shape[4],
                                        const float *w, const long long weight_shape[4],
                                        const float *b, long long bias_length,
                                        float *y, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_forward(params, x, input_shape, w, weight_shape,
                                                  b, bias_length, y, &L, err);
        if (status != CONV2D_OK)
            return status;
    long long *rows, *cols, *inside;
    if (L.groups != 1)
        return conv2d_fail(err, CONV2D_ERR_GROUPS, "the blocked layout has weights for "
                           "groups = 1 only, got %lld groups", L.groups);
    if (conv2d_blocked_count(input_shape) < 0 || conv2d_blocked_count(L.y_shape) < 0
        || conv2d_blocked_weight_count(weight_shape) < 0)
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the blocked arrays of this layer "
                           "have too many floats to count");
    {
        const long long *ws = L.w_shape, *ys = L.y_shape;
        rows = malloc(sizeof(long long)
                      * (size_t)(ys[2] * ws[2] + ys[3] * ws[3] + 2 * ws[3]));
        if (rows == NULL)
            return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the padding tables");
        cols = rows + ys[2] * ws[2];
        inside = cols + ys[3] * ws[3];
        for (long long h = 0; h < ys[2]; h++)
            for (long long u = 0; u < ws[2]; u++)
                rows[h * ws[2] + u] = conv2d_source_index(h * L.rows.stride
                                                          + u * L.rows.dilation
                                                          - L.rows.pad_begin,
                                                          L.x_shape[2], L.mode);
        for (long long o = 0; o < ys[3]; o++)
            for (long long v = 0; v < ws[3]; v++)
                cols[o * ws[3] + v] = conv2d_source_index(o * L.cols.stride
                                                          + v * L.cols.dilation
                                                          - L.cols.pad_begin,
                                                          L.x_shape[3], L.mode);
        for (long long v = 0; v < ws[3]; v++)
            conv2d_interior(v * L.cols.dilation - L.cols.pad_begin, L.cols.stride,
                            L.cols.input, ys[3], &inside[2 * v], &inside[2 * v + 1]);
    }
    {
        const fast_layer *layer = &L;
        long long out_blocks = blocks_of(L.y_shape[1]), pairs = (out_blocks + 1) / 2;
        long long in_blocks = blocks_of(L.x_shape[1]), height = L.y_shape[2];
        long long tasks = L.y_shape[0] * pairs * height;
        CONV2D_PARALLEL_FOR(L.y_shape[0] * L.y_shape[1] * L.pixels * L.window)
        for (long long t = 0; t < tasks; t++) {
            const fast_layer *L = layer;
            long long n = t / (pairs * height), ob = t / height % pairs * 2, h = t % height;
            blocked_row r;
            {
                long long w_block = in_blocks * L->w_shape[2] * L->w_shape[3] * BLOCK * BLOCK;
                long long y_plane = L->pixels * BLOCK;
                float bias[2][BLOCK];
                int pair = ob + 1 < out_blocks;
                for (int k = 0; k < 2; k++)
                    for (int o = 0; o < BLOCK; o++) {
                        long long c_out = (ob + k) * BLOCK + o;
                        bias[k][o] = b != NULL && c_out < L->y_shape[1] ? b[c_out] : 0.0f;
                    }
                r.L = L;
                r.x = x + n * in_blocks * L->x_shape[2] * L->x_shape[3] * BLOCK;
                r.w[0] = w + ob * w_block;
                r.w[1] = pair ? r.w[0] + w_block : r.w[0];
                r.y[0] = y + (n * out_blocks + ob) * y_plane + h * L->y_shape[3] * BLOCK;
                r.y[1] = pair ? r.y[0] + y_plane : r.y[0];
                load_block(&r.bias[0], bias[0]);
                load_block(&r.bias[1], bias[1]);
                r.rows = rows + h * L->w_shape[2];
                r.cols = cols;
                r.inside = inside;
                r.in_blocks = in_blocks;
            }
            output_row(&r, ob + 1 < out_blocks);
        }
    }
    free(rows);
    return CONV2D_OK;
}
conv2d_status conv2d_forward_blocked(const conv2d_params *params,
                                     const float *x, const long long input_shape[4],
                                     const float *w, const long long weight_shape[4],
                                     const float *b, long long bias_length,
                                     float *y, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_forward(params, x, input_shape, w, weight_shape,
                                                  b, bias_length, y, &L, err);
        if (status != CONV2D_OK)
            return status;
    long long counts[3], total, bytes;
    float *raw, *xb, *wb, *yb;
    if (L.groups != 1)
        return conv2d_forward_gemm(params, x, input_shape, w, weight_shape, b,
                                   bias_length, y, err);
    counts[0] = conv2d_blocked_count(input_shape);
    counts[1] = conv2d_blocked_weight_count(weight_shape);
    counts[2] = conv2d_blocked_count(L.y_shape);
    if (counts[0] < 0 || counts[1] < 0 || counts[2] < 0
        || !conv2d_add_fits(counts[0], counts[1], &total)
        || !conv2d_add_fits(total, counts[2] + BLOCK, &total)
        || !conv2d_mul_fits(total, (long long)sizeof(float), &bytes))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the blocked arrays of this layer "
                           "have too many floats to count");
    raw = malloc((size_t)bytes);
    if (raw == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the blocked arrays "
                           "(%lld, %lld and %lld floats)", counts[0], counts[1], counts[2]);
    xb = conv2d_first_line(raw);
    wb = xb + counts[0];
    yb = wb + counts[1];
    convert_blocks(input_shape, (float *)x, xb, 1);
    status = conv2d_weights_to_blocked(w, weight_shape, wb, err);
    if (status == CONV2D_OK)
        status = conv2d_forward_on_blocked(params, xb, input_shape, wb, weight_shape, b,
                                           bias_length, yb, err);
    if (status == CONV2D_OK)
        convert_blocks(L.y_shape, y, yb, 0);
    free(raw);
    return status;
}
static void bias_gradient(const fast_layer *L, const float *dy, float *db)
{
    for (long long c_out = 0; c_out < L->y_shape[1]; c_out++) {
        float sum = 0.0f;
        for (long long n = 0; n < L->y_shape[0]; n++) {
            const float *plane = dy + conv2d_offset(L->y_shape, n, c_out, 0, 0);
            for (long long i = 0; i < L->pixels; i++)
                sum += plane[i];
        }
        db[c_out] = sum;
    }
}

static void weight_gradient_loops(const fast_layer *L, const float *x, const float *dy,
                                  float *dw)
{
    const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
    CONV2D_PARALLEL_FOR(ws[0] * L->window * ys[0] * L->pixels)
    for (long long c_out = 0; c_out < ws[0]; c_out++)
        for (long long c = 0; c < ws[1]; c++)
            for (long long u = 0; u < ws[2]; u++)
                for (long long v = 0; v < ws[3]; v++) {
                    long long c_in = c_out / L->out_per_group * ws[1] + c;
                    long long off = v * L->cols.dilation - L->cols.pad_begin;
                    float sum = 0.0f;
                    for (long long n = 0; n < ys[0]; n++)
                        for (long long oh = 0; oh < ys[2]; oh++) {
                            {
                                long long ih = conv2d_source_index(oh * L->rows.stride + u * L->rows.dilation
                                                                   - L->rows.pad_begin, xs[2], L->mode);
                                const float *xrow = x + conv2d_offset(xs, n, c_in, ih < 0 ? 0 : ih, 0);
                                const float *yrow = dy + conv2d_offset(ys, n, c_out, oh, 0);
                                long long first, last, s = L->cols.stride;
                                if (ih < 0)
                                    continue;
                                conv2d_interior(off, s, xs[3], ys[3], &first, &last);
                                for (long long o = 0; o < ys[3]; o++) {
                                    long long i = conv2d_source_index(o * s + off, xs[3], L->mode);
                                    if (o == first && last > first)
                                        o = last - 1;                     /* the interior is below */
                                    else if (i >= 0)
                                        sum += yrow[o] * xrow[i];
                                }
                                {
                                    float part[8] = { 0 };
                                    long long o = first;
                                    for (; o + 8 <= last; o += 8)
                                        for (int k = 0; k < 8; k++)
                                            part[k] += yrow[o + k] * xrow[(o + k) * s + off];
                                    for (; o < last; o++)
                                        part[0] += yrow[o] * xrow[o * s + off];
                                    for (int k = 0; k < 8; k++)
                                        sum += part[k];
                                }
                            }
                        }
                    dw[conv2d_offset(ws, c_out, c, u, v)] = sum;
                }
}
static void input_gradient_loops(const fast_layer *L, const float *w, const float *dy,
                                 float *dx)
{
    const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
    long long planes = xs[0] * xs[1];
    CONV2D_PARALLEL_FOR(ys[0] * ys[1] * L->pixels * L->window)
    for (long long t = 0; t < planes; t++) {
        long long n = t / xs[1], c_in = t % xs[1];
        long long group = c_in / ws[1], c = c_in % ws[1];
        float *plane = dx + conv2d_offset(xs, n, c_in, 0, 0);
        memset(plane, 0, sizeof(float) * (size_t)(xs[2] * xs[3]));
        for (long long c_out = group * L->out_per_group;
             c_out < (group + 1) * L->out_per_group; c_out++)
            for (long long u = 0; u < ws[2]; u++)
                for (long long v = 0; v < ws[3]; v++) {
                    float wv = w[conv2d_offset(ws, c_out, c, u, v)];
                    long long off = v * L->cols.dilation - L->cols.pad_begin;
                    for (long long oh = 0; oh < ys[2]; oh++) {
                        long long ih = conv2d_source_index(oh * L->rows.stride
                                                           + u * L->rows.dilation
                                                           - L->rows.pad_begin,
                                                           xs[2], L->mode);
                        float *xrow = plane + (ih < 0 ? 0 : ih) * xs[3];
                        const float *yrow = dy + conv2d_offset(ys, n, c_out, oh, 0);
                        if (ih < 0)
                            continue;
                        {
                            long long first, last, s = L->cols.stride, size = L->cols.input;
                            conv2d_interior(off, s, size, L->y_shape[3], &first, &last);
                            for (long long o = 0; o < first; o++) {
                                long long i = conv2d_source_index(o * s + off, size, L->mode);
                                if (i >= 0)
                                    xrow[i] += wv * yrow[o];
                            }
                            for (long long o = first; o < last; o++)
                                xrow[o * s + off] += wv * yrow[o];
                            for (long long o = last; o < L->y_shape[3]; o++) {
                                long long i = conv2d_source_index(o * s + off, size, L->mode);
                                if (i >= 0)
                                    xrow[i] += wv * yrow[o];
                            }
                        }
                    }
                }
    }
}

conv2d_status conv2d_backward_loops(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *dy, const long long grad_output_shape[4],
                                    float *dx, float *dw, float *db, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_backward(params, x, input_shape, w, weight_shape,
                                                   dy, grad_output_shape, dx, dw, &L, err);
        if (status != CONV2D_OK)
            return status;
    if (db != NULL) bias_gradient(&L, dy, db);
    if (dw != NULL) weight_gradient_loops(&L, x, dy, dw);
    if (dx != NULL) input_gradient_loops(&L, w, dy, dx);
    return CONV2D_OK;
}
/* col: [C_in/g * kH * kW][H_out * W_out], the windows of image n, group
   group. */
static void im2col(const fast_layer *L, const float *x, long long n, long long group,
                   float *col)
{
    const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
    long long rows = L->window;
    CONV2D_PARALLEL_FOR(rows * L->pixels)
    for (long long r = 0; r < rows; r++) {
        long long c = r / (ws[2] * ws[3]), u = r / ws[3] % ws[2], v = r % ws[3];
        const float *xp = x + conv2d_offset(xs, n, group * ws[1] + c, 0, 0);
        long long off = v * L->cols.dilation - L->cols.pad_begin;
        for (long long oh = 0; oh < ys[2]; oh++) {
            long long ih = conv2d_source_index(oh * L->rows.stride + u * L->rows.dilation
                                               - L->rows.pad_begin, xs[2], L->mode);
            float *dst = col + r * L->pixels + oh * ys[3];
            if (ih < 0)
                memset(dst, 0, sizeof(float) * (size_t)ys[3]);
            else
                {
                    const float *xrow = xp + ih * xs[3];
                    long long first, last, s = L->cols.stride;
                    conv2d_interior(off, s, xs[3], ys[3], &first, &last);
                    for (long long o = 0; o < ys[3]; o++) {       /* the borders */
                        long long i = conv2d_source_index(o * s + off, xs[3], L->mode);
                        if (o == first && last > first)
                            o = last - 1;
                        else
                            dst[o] = i >= 0 ? xrow[i] : 0.0f;
                    }
                    if (s == 1 && last > first)
                        memcpy(dst + first, xrow + first + off, sizeof(float) * (size_t)(last - first));
                    else
                        for (long long o = first; o < last; o++)
                            dst[o] = xrow[o * s + off];
                }
        }
    }
}

/* The input row that output row oh reads through kernel row u, or -1
   if it reads a zero. */
static long long source_row(const fast_layer *L, long long oh, long long u)
{
    long long p = oh * L->rows.stride + u * L->rows.dilation - L->rows.pad_begin;
    return p >= 0 && p < L->rows.input ? p : conv2d_source_index(p, L->rows.input, L->mode);
}

/* dx (image n, group group) += the columns of col, each added to the input
   sample it was copied from. */
static void col2im(const fast_layer *L, const float *col, long long n, long long group,
                   float *dx)
{
    const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
    CONV2D_PARALLEL_FOR(L->window * L->pixels)
    for (long long c = 0; c < ws[1]; c++) {
        float *plane = dx + conv2d_offset(xs, n, group * ws[1] + c, 0, 0);
        for (long long u = 0; u < ws[2]; u++) {
            const float *rows_u = col + (c * ws[2] + u) * ws[3] * L->pixels;
            for (long long v = 0; v < ws[3]; v++) {
                long long s = L->cols.stride, off = v * L->cols.dilation - L->cols.pad_begin;
                long long first, last;
                conv2d_interior(off, s, xs[3], ys[3], &first, &last);
                for (long long oh = 0; oh < ys[2]; oh++) {
                    long long ih = source_row(L, oh, u);
                    const float *yrow = rows_u + v * L->pixels + oh * ys[3];
                    float *xrow = plane + (ih < 0 ? 0 : ih) * xs[3];
                    if (ih >= 0 && s == 1)
                        for (long long o = first; o < last; o++)
                            xrow[o + off] += yrow[o];
                    else if (ih >= 0)
                        for (long long o = first; o < last; o++)
                            xrow[o * s + off] += yrow[o];
                }
            }
            if (L->mode != CONV2D_PADDING_ZEROS)
                for (long long v = 0; v < ws[3]; v++) {
                    long long off = v * L->cols.dilation - L->cols.pad_begin;
                    for (long long oh = 0; oh < ys[2]; oh++) {
                        long long ih = source_row(L, oh, u);
                        const float *yrow = rows_u + v * L->pixels + oh * ys[3];
                        for (long long o = 0; o < ys[3] && ih >= 0; o++) {
                            long long p = o * L->cols.stride + off;
                            long long i = p >= 0 && p < xs[3] ? -1 : conv2d_source_index(p, xs[3], L->mode);
                            if (i >= 0)
                                plane[ih * xs[3] + i] += yrow[o];
                        }
                    }
                }
        }
    }
}
/* C[m][n] (+)= A * B; A(i, p) = a[i * a_rows + p * a_cols], likewise B;
   C is row-major with row length ldc. */
void conv2d_gemm_simple(long long m, long long n, long long k,
                        const float *a, long long a_rows, long long a_cols,
                        const float *b, long long b_rows, long long b_cols,
                        float *c, long long ldc, int accumulate)
{
    CONV2D_PARALLEL_FOR(m * n * k)
    for (long long i = 0; i < m; i++) {
        float *crow = c + i * ldc;
        if (!accumulate)
            memset(crow, 0, sizeof(float) * (size_t)n);
        for (long long p = 0; p < k; p++) {
            float aip = a[i * a_rows + p * a_cols];
            const float *brow = b + p * b_rows;
            if (b_cols == 1)
                for (long long j = 0; j < n; j++)
                    crow[j] += aip * brow[j];
            else
                for (long long j = 0; j < n; j++)
                    crow[j] += aip * brow[j * b_cols];
        }
    }
}
/* The size in bytes of the level-`level` data (or unified) cache, or 0. */
static long cache_size(int level)
{
    long size = 0;
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) \
    && defined(_SC_LEVEL3_CACHE_SIZE)
    size = sysconf(level == 1 ? _SC_LEVEL1_DCACHE_SIZE
                   : level == 2 ? _SC_LEVEL2_CACHE_SIZE : _SC_LEVEL3_CACHE_SIZE);
#endif
    for (int index = 0; index < 8 && size <= 0; index++) {
        {
            char path[96], type[32] = "";
            int found_level = 0;
            long kib = 0;
            FILE *f;
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
            if ((f = fopen(path, "r")) == NULL)
                break;
            if (fscanf(f, "%d", &found_level) != 1)
                found_level = 0;
            fclose(f);
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
            if ((f = fopen(path, "r")) != NULL) {
                if (fscanf(f, "%31s", type) != 1)
                    type[0] = '\0';
                fclose(f);
            }
            snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
            if (found_level == level && strcmp(type, "Instruction") != 0
                && (f = fopen(path, "r")) != NULL) {
                if (fscanf(f, "%ldK", &kib) == 1)
                    size = kib * 1024;
                fclose(f);
            }
        }
    }
    return size > 0 ? size : 0;
}
void conv2d_choose_blocking(conv2d_blocking *blocking)
{
    long l1 = cache_size(1), l2 = cache_size(2), l3 = cache_size(3);
    long long kc = (l1 > 0 ? l1 : 32768) / 2 / (NR * (long long)sizeof(float));
    long long mc, nc;
    kc = kc < 16 ? 16 : kc > 1024 ? 1024 : kc;
    mc = (l2 > 0 ? l2 : 524288) / 2 / (kc * (long long)sizeof(float));
    mc = mc < MR ? MR : mc / MR * MR;
    nc = (l3 > 0 ? l3 : 8388608) / 2 / (kc * (long long)sizeof(float));
    nc = nc < NR ? NR : nc / NR * NR;
    blocking->kc = kc;
    blocking->mc = mc;
    blocking->nc = nc;
}
static void pack_a(long long m, long long k, const float *a, long long a_rows,
                   long long a_cols, float *packed)
{
    long long slivers = (m + MR - 1) / MR;
    CONV2D_PARALLEL_FOR(m * k)
    for (long long s = 0; s < slivers; s++)
        for (long long p = 0; p < k; p++)
            for (long long r = 0; r < MR; r++) {
                long long i = s * MR + r;
                packed[(s * k + p) * MR + r] = i < m ? a[i * a_rows + p * a_cols] : 0.0f;
            }
}
static void pack_b(long long k, long long n, const float *b, long long b_rows,
                   long long b_cols, float *packed)
{
    long long slivers = (n + NR - 1) / NR;
    CONV2D_PARALLEL_FOR(n * k)
    for (long long s = 0; s < slivers; s++) {
        float *out = packed + s * k * NR;
        long long width = n - s * NR < NR ? n - s * NR : NR;
        for (long long p = 0; p < k; p++)
            for (long long j = 0; j < NR; j++)
                out[p * NR + j] = j < width ? b[p * b_rows + (s * NR + j) * b_cols] : 0.0f;
    }
}
#if defined(__GNUC__)
static void micro_kernel(long long k, const float *a, const float *b, long long ldb,
                         float *c, long long ldc, long long m, long long n, int accumulate)
{
    vfloat acc[MR][2];
    float tile[MR][NR];
    UNROLL for (int r = 0; r < MR; r++)
        acc[r][0] = acc[r][1] = (vfloat){ 0 };
    for (long long p = 0; p < k; p++) {
        vfloat b0, b1;
        memcpy(&b0, b + p * ldb, sizeof b0);
        memcpy(&b1, b + p * ldb + VECTOR_FLOATS, sizeof b1);
        UNROLL for (int r = 0; r < MR; r++) {
            acc[r][0] += a[p * MR + r] * b0;
            acc[r][1] += a[p * MR + r] * b1;
        }
    }
    if (m == MR && n == NR) {
        UNROLL for (int r = 0; r < MR; r++)
            for (int half = 0; half < 2; half++) {
                float *row = c + r * ldc + half * VECTOR_FLOATS;
                vfloat old = { 0 };
                if (accumulate)
                    memcpy(&old, row, sizeof old);
                old += acc[r][half];
                memcpy(row, &old, sizeof old);
            }
        return;
    }
    memcpy(tile, acc, sizeof tile);
    for (long long r = 0; r < m; r++)
        for (long long j = 0; j < n; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j];
}
#else
static void micro_kernel(long long k, const float *a, const float *b, long long ldb,
                         float *c, long long ldc, long long m, long long n, int accumulate)
{
    float tile[MR][NR] = { { 0 } };
    for (long long p = 0; p < k; p++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                tile[r][j] += a[p * MR + r] * b[p * ldb + j];
    for (long long r = 0; r < m; r++)
        for (long long j = 0; j < n; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j];
}
#endif
conv2d_status conv2d_gemm(const conv2d_blocking *blocking, long long m, long long n,
                          long long k, const float *a, long long a_rows, long long a_cols,
                          const float *b, long long b_rows, long long b_cols, float *c,
                          long long ldc, int accumulate, conv2d_error *err)
{
    long long kc = blocking->kc, mc = blocking->mc, nc = blocking->nc;
    long long mc_used = m < mc ? m : mc, nc_used = n < nc ? n : nc;
    long long kc_used = k < kc ? k : kc;
    size_t a_size = sizeof(float) * (size_t)(((mc_used + MR - 1) / MR) * MR * kc_used);
    long long b_slivers = b_cols == 1 ? 1 : (nc_used + NR - 1) / NR;   /* packed ones */
    size_t b_size = sizeof(float) * (size_t)(b_slivers * NR * kc_used);
    float *packed_a, *packed_b;
    if (m <= 0 || n <= 0)
        return CONV2D_OK;
    if (k <= 0) {
        for (long long i = 0; i < m && !accumulate; i++)
            memset(c + i * ldc, 0, sizeof(float) * (size_t)n);
        return CONV2D_OK;
    }
    packed_a = aligned_alloc(64, (a_size + 63) / 64 * 64);
    packed_b = aligned_alloc(64, (b_size + 63) / 64 * 64);
    if (packed_a == NULL || packed_b == NULL) {
        free(packed_a);
        free(packed_b);
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the packing buffers "
                           "of a %lld x %lld x %lld matrix product", m, n, k);
    }
    for (long long jc = 0; jc < n; jc += nc)
        for (long long pc = 0; pc < k; pc += kc) {
            long long nb = n - jc < nc ? n - jc : nc, kb = k - pc < kc ? k - pc : kc;
            long long in_place = b_cols == 1 ? nb / NR : 0;
            if (in_place * NR < nb)
                pack_b(kb, nb - in_place * NR, b + pc * b_rows + (jc + in_place * NR) * b_cols,
                       b_rows, b_cols, packed_b);
            for (long long ic = 0; ic < m; ic += mc) {
                long long mb = m - ic < mc ? m - ic : mc;
                pack_a(mb, kb, a + ic * a_rows + pc * a_cols, a_rows, a_cols, packed_a);
                {
                    long long a_slivers = (mb + MR - 1) / MR, b_slivers = (nb + NR - 1) / NR;
                    long long pairs = a_slivers * b_slivers;
                    int add = accumulate || pc > 0;
                    CONV2D_PARALLEL_FOR(mb * nb * kb)
                    for (long long t = 0; t < pairs; t++) {
                        long long jr = t / a_slivers, ir = t % a_slivers;
                        long long rows = mb - ir * MR < MR ? mb - ir * MR : MR;
                        long long cols = nb - jr * NR < NR ? nb - jr * NR : NR;
                        const float *sliver = jr < in_place ? b + pc * b_rows + jc + jr * NR
                                                            : packed_b + (jr - in_place) * NR * kb;
                        micro_kernel(kb, packed_a + ir * MR * kb, sliver, jr < in_place ? b_rows : NR,
                                     c + (ic + ir * MR) * ldc + jc + jr * NR, ldc, rows, cols, add);
                    }
                }
            }
        }
    free(packed_a);
    free(packed_b);
    return CONV2D_OK;
}
static int is_pointwise(const fast_layer *L)
{
    return L->w_shape[2] == 1 && L->w_shape[3] == 1 && L->rows.stride == 1
           && L->cols.stride == 1 && L->rows.pad_begin == 0 && L->rows.pad_end == 0
           && L->cols.pad_begin == 0 && L->cols.pad_end == 0;
}

static conv2d_status allocate_columns(const fast_layer *L, float **col,
                                      conv2d_error *err)
{
    long long count;
    if (!conv2d_mul_fits(L->window, L->pixels, &count)
        || (unsigned long long)count > SIZE_MAX / sizeof(float))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the im2col matrix (%lld x %lld) "
                           "has too many floats to allocate", L->window, L->pixels);
    *col = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1));
    if (*col == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the %lld floats of "
                           "the im2col matrix (%lld x %lld)", count, L->window,
                           L->pixels);
    return CONV2D_OK;
}

static conv2d_status forward_lowered(const conv2d_params *params, const float *x,
                                     const long long input_shape[4], const float *w,
                                     const long long weight_shape[4], const float *b,
                                     long long bias_length, float *y,
                                     conv2d_gemm_function *gemm, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_forward(params, x, input_shape, w, weight_shape,
                                                  b, bias_length, y, &L, err);
        if (status != CONV2D_OK)
            return status;
    conv2d_blocking blocking;
    float *col = NULL;
    conv2d_choose_blocking(&blocking);
    if (L.y_shape[0] > 0 && !is_pointwise(&L)
        && (status = allocate_columns(&L, &col, err)) != CONV2D_OK)
        return status;
    for (long long n = 0; n < L.y_shape[0] && status == CONV2D_OK; n++)
        for (long long group = 0; group < L.groups && status == CONV2D_OK; group++) {
            {
                const float *cols = col;
                float *out = y + conv2d_offset(L.y_shape, n, group * L.out_per_group, 0, 0);
                if (is_pointwise(&L))
                    cols = x + conv2d_offset(L.x_shape, n, group * L.in_per_group, 0, 0);
                else
                    im2col(&L, x, n, group, col);
                for (long long c = 0; c < L.out_per_group && b != NULL; c++)
                    for (long long i = 0; i < L.pixels; i++)
                        out[c * L.pixels + i] = b[group * L.out_per_group + c];
                status = gemm(&blocking, L.out_per_group, L.pixels, L.window,
                              w + group * L.out_per_group * L.window, L.window, 1,
                              cols, L.pixels, 1, out, L.pixels, b != NULL, err);
            }
        }
    free(col);
    return status;
}
static conv2d_status gemm_simple(const conv2d_blocking *blocking, long long m, long long n,
                                 long long k, const float *a, long long a_rows,
                                 long long a_cols, const float *b, long long b_rows,
                                 long long b_cols, float *c, long long ldc,
                                 int accumulate, conv2d_error *err)
{
    (void)blocking;
    (void)err;
    conv2d_gemm_simple(m, n, k, a, a_rows, a_cols, b, b_rows, b_cols, c, ldc, accumulate);
    return CONV2D_OK;
}

conv2d_status conv2d_forward_im2col(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *b, long long bias_length,
                                    float *y, conv2d_error *err)
{
    return forward_lowered(params, x, input_shape, w, weight_shape, b, bias_length, y,
                           gemm_simple, err);
}

conv2d_status conv2d_forward_gemm(const conv2d_params *params,
                                  const float *x, const long long input_shape[4],
                                  const float *w, const long long weight_shape[4],
                                  const float *b, long long bias_length,
                                  float *y, conv2d_error *err)
{
    return forward_lowered(params, x, input_shape, w, weight_shape, b, bias_length, y,
                           conv2d_gemm, err);
}
static long long padded_length(const conv_axis *axis)
{
    return axis->pad_begin + axis->input + axis->pad_end;
}

/* padded: [count][C_in][padded H][padded W], images n0 to n0 + count - 1. */
static void pad_images(const fast_layer *L, const float *x, long long n0, long long count,
                       float *padded)
{
    const long long *xs = L->x_shape;
    long long hp = padded_length(&L->rows), wp = padded_length(&L->cols);
    long long left = L->cols.pad_begin, planes = count * xs[1];
    CONV2D_PARALLEL_FOR(planes * hp * wp)
    for (long long t = 0; t < planes; t++) {
        const float *plane = x + conv2d_offset(xs, n0, 0, 0, 0) + t * xs[2] * xs[3];
        for (long long i = 0; i < hp; i++) {
            long long ih = conv2d_source_index(i - L->rows.pad_begin, xs[2], L->mode);
            float *dst = padded + (t * hp + i) * wp;
            if (ih < 0)
                memset(dst, 0, sizeof(float) * (size_t)wp);
            else
                {
                    const float *xrow = plane + ih * xs[3];
                    for (long long j = 0; j < wp; j++) {
                        long long i = j >= left && j < left + xs[3] ? -1
                                      : L->mode == CONV2D_PADDING_ZEROS ? -1
                                      : conv2d_source_index(j - left, xs[3], L->mode);
                        dst[j] = i >= 0 ? xrow[i] : 0.0f;      /* the row itself is copied below */
                    }
                    memcpy(dst + left, xrow, sizeof(float) * (size_t)xs[3]);
                }
        }
    }
}
/* Output rows [row0, row0 + count) of the batch, row r being row r % H_out
   of image r / H_out, filters of group `group`. */
static void pack_gradient_rows(const fast_layer *L, const float *dy, long long group,
                               long long row0, long long count, float *packed)
{
    const long long *ys = L->y_shape;
    long long width = ys[3], k = count * width, filters = L->out_per_group;
    long long slivers = (filters + NR - 1) / NR;
    for (long long j = 0; j < slivers * NR; j++) {
        float *dst = packed + (j / NR) * k * NR + j % NR;
        long long n = row0 / ys[2], oh = row0 % ys[2];
        for (long long q = 0; q < count; q++) {
            const float *src = j < filters
                ? dy + conv2d_offset(ys, n, group * filters + j, oh, 0) : NULL;
            for (long long o = 0; o < width; o++)
                dst[(q * width + o) * NR] = src != NULL ? src[o] : 0.0f;
            if (++oh == ys[2]) {
                oh = 0;
                n++;
            }
        }
    }
}
#if defined(__GNUC__)
typedef struct { vfloat v[MR][2]; } window_acc;
static inline void window_step(window_acc *acc, const float a[MR], const float *b)
{
    vfloat b0, b1;
    memcpy(&b0, b, sizeof b0);
    memcpy(&b1, b + VECTOR_FLOATS, sizeof b1);
    UNROLL for (int r = 0; r < MR; r++) {
        acc->v[r][0] += a[r] * b0;
        acc->v[r][1] += a[r] * b1;
    }
}
#else
typedef struct { float v[MR][NR]; } window_acc;
static void window_step(window_acc *acc, const float a[MR], const float *b)
{
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++)
            acc->v[r][j] += a[r] * b[j];
}
#endif

/* c[j * ldc + r] (+)= the sum, over the outputs of rows [row0, row0 +
   count) of the chunk, of tap base[r] of the padded chunk times filter j
   of the packed sliver b; r < m, j < n. */
static void window_kernel(const fast_layer *L, const float *padded, const long long base[MR],
                          long long row0, long long count, const float *b, float *c,
                          long long ldc, long long m, long long n, int accumulate)
{
    long long width = L->y_shape[3], s = L->cols.stride, wp = padded_length(&L->cols);
    long long image = L->x_shape[1] * padded_length(&L->rows) * wp;
    long long in = row0 / L->y_shape[2], oh = row0 % L->y_shape[2];
    window_acc acc;
    float tile[MR][NR];
    memset(&acc, 0, sizeof acc);
    for (long long q = 0; q < count; q++) {
        const float *p[MR];
        const float *bq = b + q * width * NR;
        for (int r = 0; r < MR; r++)
            p[r] = padded + in * image + oh * L->rows.stride * wp + base[r];
        for (long long o = 0; o < width; o++) {
            float a[MR];
            UNROLL for (int r = 0; r < MR; r++)
                a[r] = p[r][o * s];
            window_step(&acc, a, bq + o * NR);
        }
        if (++oh == L->y_shape[2]) {
            oh = 0;
            in++;
        }
    }
    memcpy(tile, &acc, sizeof tile);
    for (long long j = 0; j < n; j++)
        for (long long r = 0; r < m; r++)
            c[j * ldc + r] = accumulate ? c[j * ldc + r] + tile[r][j] : tile[r][j];
}
static conv2d_status weight_gradient_whole_batch(const fast_layer *L,
                                                 const conv2d_blocking *blocking,
                                                 const float *x, const float *dy, float *dw,
                                                 long long images_per_chunk,
                                                 long long rows_per_slice, conv2d_error *err)
{
    long long taps = L->window, filters = L->out_per_group, width = L->y_shape[3];
    long long hp = padded_length(&L->rows), wp = padded_length(&L->cols);
    long long image = L->x_shape[1] * hp * wp;
    long long a_slivers = (taps + MR - 1) / MR, b_slivers = (filters + NR - 1) / NR;
    long long *base, slice_floats, parts = 1;
    float *padded, *packed_b;
#ifdef _OPENMP
    parts = omp_get_max_threads();
#endif
    if (images_per_chunk <= 0)
        images_per_chunk = (16LL << 20) / ((long long)sizeof(float)
                                           * (image + b_slivers * NR * L->pixels));
    if (images_per_chunk < 1)
        images_per_chunk = 1;
    if (images_per_chunk > L->y_shape[0])
        images_per_chunk = L->y_shape[0] > 0 ? L->y_shape[0] : 1;
    if (rows_per_slice <= 0) {
        long long rows = images_per_chunk * L->y_shape[2], most = blocking->kc / width;
        long long slices = (rows + (most > 0 ? most : 1) - 1) / (most > 0 ? most : 1);
        rows_per_slice = (rows + slices - 1) / slices;
    }
    slice_floats = b_slivers * NR * rows_per_slice * width;
    if (L->y_shape[0] == 0) {
        memset(dw, 0, sizeof(float) * (size_t)(L->w_shape[0] * taps));
        return CONV2D_OK;
    }
    {
        long long rows = images_per_chunk * L->y_shape[2];
        long long slices = (rows + rows_per_slice - 1) / rows_per_slice;
        size_t padded_count = (size_t)(images_per_chunk * image);
        size_t b_count = (size_t)(slices * slice_floats);
        base = malloc(sizeof *base * (size_t)(a_slivers * MR));
        padded = malloc(sizeof(float) * padded_count);
        packed_b = aligned_alloc(64, (sizeof(float) * b_count + 63) / 64 * 64);
        if (base == NULL || padded == NULL || packed_b == NULL) {
            free(base);
            free(padded);
            free(packed_b);
            return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the %zu floats of the "
                               "padded images and the %zu of the packed output gradient",
                               padded_count, b_count);
        }
    }
    for (long long n0 = 0; n0 < L->y_shape[0]; n0 += images_per_chunk) {
        long long images = L->y_shape[0] - n0 < images_per_chunk ? L->y_shape[0] - n0
                                                                 : images_per_chunk;
        pad_images(L, x, n0, images, padded);
        for (long long group = 0; group < L->groups; group++)
            {
                long long rows = images * L->y_shape[2];
                long long slices = (rows + rows_per_slice - 1) / rows_per_slice;
                float *dw_g = dw + group * filters * taps;
                for (long long t = 0; t < a_slivers * MR; t++) {
                    long long tap = t < taps ? t : 0, kh = L->w_shape[2], kw = L->w_shape[3];
                    long long c = group * L->in_per_group + tap / (kh * kw);
                    base[t] = (c * hp + tap / kw % kh * L->rows.dilation) * wp
                              + tap % kw * L->cols.dilation;
                }
                CONV2D_PARALLEL_FOR(slices * slice_floats)
                for (long long sl = 0; sl < slices; sl++)
                    pack_gradient_rows(L, dy, group, n0 * L->y_shape[2] + sl * rows_per_slice,
                                       rows - sl * rows_per_slice < rows_per_slice
                                           ? rows - sl * rows_per_slice : rows_per_slice,
                                       packed_b + sl * slice_floats);
                CONV2D_PARALLEL_FOR(taps * filters * rows * width)
                for (long long part = 0; part < parts; part++)
                    for (long long sl = 0; sl < slices; sl++) {
                            long long row0 = sl * rows_per_slice;
                            long long count = rows - row0 < rows_per_slice ? rows - row0 : rows_per_slice;
                            for (long long pair = part; pair < a_slivers * b_slivers; pair += parts) {
                                long long jr = pair / a_slivers, ir = pair % a_slivers;
                                long long m = taps - ir * MR < MR ? taps - ir * MR : MR;
                                long long n = filters - jr * NR < NR ? filters - jr * NR : NR;
                                window_kernel(L, padded, base + ir * MR, row0, count,
                                              packed_b + sl * slice_floats + jr * NR * count * width,
                                              dw_g + jr * NR * taps + ir * MR, taps, m, n, n0 > 0 || row0 > 0);
                            }
                    }
            }
    }
    free(base);
    free(padded);
    free(packed_b);
    return CONV2D_OK;
}

static conv2d_status backward_lowered(const conv2d_params *params, const float *x,
                                      const long long input_shape[4], const float *w,
                                      const long long weight_shape[4], const float *dy,
                                      const long long grad_output_shape[4], float *dx,
                                      float *dw, float *db, conv2d_gemm_function *gemm,
                                      int whole_batch, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_backward(params, x, input_shape, w, weight_shape,
                                                   dy, grad_output_shape, dx, dw, &L, err);
        if (status != CONV2D_OK)
            return status;
    conv2d_blocking blocking;
    float *col = NULL;
    int per_image_dw;
    whole_batch = whole_batch && L.out_per_group <= L.window;
    per_image_dw = dw != NULL && !whole_batch;
    conv2d_choose_blocking(&blocking);
    if ((dx != NULL || per_image_dw) && L.y_shape[0] > 0 && !is_pointwise(&L)
        && (status = allocate_columns(&L, &col, err)) != CONV2D_OK)
        return status;
    if (db != NULL)
        bias_gradient(&L, dy, db);
    if (dw != NULL && whole_batch)
        status = weight_gradient_whole_batch(&L, &blocking, x, dy, dw, 0, 0, err);
    if (per_image_dw && L.y_shape[0] == 0)
        memset(dw, 0, sizeof(float) * (size_t)(L.w_shape[0] * L.window));
    for (long long n = 0; n < L.y_shape[0] && status == CONV2D_OK; n++)
        for (long long group = 0; group < L.groups && status == CONV2D_OK; group++) {
            const float *dy_g = dy + conv2d_offset(L.y_shape, n, group * L.out_per_group, 0, 0);
            const float *w_g = w + group * L.out_per_group * L.window;
            if (per_image_dw && status == CONV2D_OK) {
                const float *cols = col;
                if (is_pointwise(&L))
                    cols = x + conv2d_offset(L.x_shape, n, group * L.in_per_group, 0, 0);
                else
                    im2col(&L, x, n, group, col);
                status = gemm(&blocking, L.out_per_group, L.window, L.pixels, dy_g, L.pixels, 1,
                              cols, 1, L.pixels, dw + group * L.out_per_group * L.window, L.window,
                              n > 0, err);
            }
            if (dx != NULL && status == CONV2D_OK) {
                float *dx_g = dx + conv2d_offset(L.x_shape, n, group * L.in_per_group, 0, 0);
                if (is_pointwise(&L))
                    status = gemm(&blocking, L.window, L.pixels, L.out_per_group, w_g, 1, L.window,
                                  dy_g, L.pixels, 1, dx_g, L.pixels, 0, err);
                else {
                    memset(dx_g, 0, sizeof(float) * (size_t)(L.in_per_group * L.x_shape[2]
                                                              * L.x_shape[3]));
                    status = gemm(&blocking, L.window, L.pixels, L.out_per_group, w_g, 1, L.window,
                                  dy_g, L.pixels, 1, col, L.pixels, 0, err);
                    if (status == CONV2D_OK)
                        col2im(&L, col, n, group, dx);
                }
            }
        }
    free(col);
    return status;
}
conv2d_status conv2d_backward_im2col(const conv2d_params *params,
                                     const float *x, const long long input_shape[4],
                                     const float *w, const long long weight_shape[4],
                                     const float *dy, const long long grad_output_shape[4],
                                     float *dx, float *dw, float *db, conv2d_error *err)
{
    return backward_lowered(params, x, input_shape, w, weight_shape, dy, grad_output_shape,
                            dx, dw, db, gemm_simple, 0, err);
}

conv2d_status conv2d_backward_gemm(const conv2d_params *params,
                                   const float *x, const long long input_shape[4],
                                   const float *w, const long long weight_shape[4],
                                   const float *dy, const long long grad_output_shape[4],
                                   float *dx, float *dw, float *db, conv2d_error *err)
{
    return backward_lowered(params, x, input_shape, w, weight_shape, dy, grad_output_shape,
                            dx, dw, db, conv2d_gemm, 1, err);
}
conv2d_status conv2d_weight_gradient_in_chunks(const conv2d_params *params, const float *x,
                                               const long long input_shape[4],
                                               const long long weight_shape[4],
                                               const float *dy,
                                               const long long grad_output_shape[4],
                                               float *dw, long long images_per_chunk,
                                               long long rows_per_slice, conv2d_error *err)
{
    fast_layer L;
    conv2d_blocking blocking;
    conv2d_status status = describe_layer(params, input_shape, weight_shape, &L, err);
    if (status == CONV2D_OK)
        status = conv2d_check_gradients(L.y_shape, grad_output_shape, input_shape[0] == 0,
                                        x != NULL, 1, dy != NULL, 0, dw != NULL, err);
    if (status != CONV2D_OK || dw == NULL)
        return status;
    conv2d_choose_blocking(&blocking);
    return weight_gradient_whole_batch(&L, &blocking, x, dy, dw, images_per_chunk,
                                       rows_per_slice, err);
}
static conv2d_status input_gradient_forward(const fast_layer *L, const float *w,
                                            const float *dy, float *dx, conv2d_error *err)
{
    const long long *ws = L->w_shape;
    long long flipped_shape[4] = { ws[1], ws[0], ws[2], ws[3] };
    size_t count = (size_t)(ws[0] * ws[1] * ws[2] * ws[3]);
    float *flipped = malloc(sizeof(float) * (count > 0 ? count : 1));
    conv2d_params p = conv2d_default_params();
    conv2d_status status;
    if (flipped == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the %zu flipped "
                           "weights of the input gradient", count);
    for (long long co = 0; co < ws[0]; co++)
        for (long long c = 0; c < ws[1]; c++)
            for (long long u = 0; u < ws[2]; u++)
                for (long long v = 0; v < ws[3]; v++)
                    flipped[((c * ws[0] + co) * ws[2] + ws[2] - 1 - u) * ws[3] + ws[3] - 1 - v]
                        = w[((co * ws[1] + c) * ws[2] + u) * ws[3] + v];
    p.dilation_h = L->rows.dilation;
    p.dilation_w = L->cols.dilation;
    p.pad_top = (ws[2] - 1) * L->rows.dilation - L->rows.pad_begin;
    p.pad_bottom = (ws[2] - 1) * L->rows.dilation - L->rows.pad_end;
    p.pad_left = (ws[3] - 1) * L->cols.dilation - L->cols.pad_begin;
    p.pad_right = (ws[3] - 1) * L->cols.dilation - L->cols.pad_end;
    status = conv2d_forward_blocked(&p, dy, L->y_shape, flipped, flipped_shape, NULL, 0,
                                    dx, err);
    free(flipped);
    return status;
}
static int input_gradient_is_a_forward_pass(const fast_layer *L)
{
    long long reach_h = (L->w_shape[2] - 1) * L->rows.dilation;
    long long reach_w = (L->w_shape[3] - 1) * L->cols.dilation;
    return L->groups == 1 && L->mode == CONV2D_PADDING_ZEROS
           && L->rows.stride == 1 && L->cols.stride == 1
           && L->rows.pad_begin <= reach_h && L->rows.pad_end <= reach_h
           && L->cols.pad_begin <= reach_w && L->cols.pad_end <= reach_w;
}

int conv2d_input_gradient_is_a_forward_pass(const conv2d_params *params,
                                            const long long input_shape[4],
                                            const long long weight_shape[4])
{
    fast_layer L;
    return describe_layer(params, input_shape, weight_shape, &L, NULL) == CONV2D_OK
           && input_gradient_is_a_forward_pass(&L);
}

conv2d_status conv2d_backward_blocked(const conv2d_params *params,
                                      const float *x, const long long input_shape[4],
                                      const float *w, const long long weight_shape[4],
                                      const float *dy, const long long grad_output_shape[4],
                                      float *dx, float *dw, float *db, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = check_fast_backward(params, x, input_shape, w, weight_shape,
                                                   dy, grad_output_shape, dx, dw, &L, err);
        if (status != CONV2D_OK)
            return status;
    if (dx == NULL || !input_gradient_is_a_forward_pass(&L))
        return conv2d_backward_gemm(params, x, input_shape, w, weight_shape, dy,
                                    grad_output_shape, dx, dw, db, err);
    status = conv2d_backward_gemm(params, x, input_shape, w, weight_shape, dy,
                                  grad_output_shape, NULL, dw, db, err);
    if (status == CONV2D_OK)
        status = input_gradient_forward(&L, w, dy, dx, err);
    return status;
}
