/* conv2d-fast.c: the fast variants of the forward and backward passes
   (chapter 5).  Tangled from the book. */
#define _POSIX_C_SOURCE 200809L
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
        conv2d_status status = describe_layer(params, input_shape, weight_shape, &L, err);
        if (status != CONV2D_OK)
            return status;
        if (b != NULL && bias_length != weight_shape[0])
            return conv2d_fail(err, CONV2D_ERR_BIAS,
                               "bias has %lld values but the weight has %lld output channels",
                               bias_length, weight_shape[0]);
        if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
            return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
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
                                long long first, last, s = L->cols.stride, n = L->cols.input;
                                conv2d_interior(off, s, n, L->y_shape[3], &first, &last);
                                for (long long o = 0; o < first; o++) {
                                    long long i = conv2d_source_index(o * s + off, n, L->mode);
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
                                    long long i = conv2d_source_index(o * s + off, n, L->mode);
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
static float sum_through_the_map(const fast_layer *L, const float *x, const float *w,
                                 float bias, long long n, long long c_out, long long oh,
                                 long long ow)
{
    const long long *xs = L->x_shape, *ws = L->w_shape;
    long long group = c_out / L->out_per_group;
    float sum = bias;
    for (long long c = 0; c < ws[1]; c++)
        for (long long u = 0; u < ws[2]; u++) {
            long long ih = conv2d_source_index(oh * L->rows.stride + u * L->rows.dilation
                                               - L->rows.pad_begin, xs[2], L->mode);
            for (long long v = 0; v < ws[3] && ih >= 0; v++) {
                long long iw = conv2d_source_index(ow * L->cols.stride + v * L->cols.dilation
                                                   - L->cols.pad_begin, xs[3], L->mode);
                if (iw >= 0)
                    sum += w[conv2d_offset(ws, c_out, c, u, v)]
                           * x[conv2d_offset(xs, n, group * ws[1] + c, ih, iw)];
            }
        }
    return sum;
}

conv2d_status conv2d_forward_direct(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *b, long long bias_length,
                                    float *y, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = describe_layer(params, input_shape, weight_shape, &L, err);
        if (status != CONV2D_OK)
            return status;
        if (b != NULL && bias_length != weight_shape[0])
            return conv2d_fail(err, CONV2D_ERR_BIAS,
                               "bias has %lld values but the weight has %lld output channels",
                               bias_length, weight_shape[0]);
        if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
            return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    const fast_layer *layer = &L;
    long long planes = L.y_shape[0] * L.y_shape[1], first = 0, last = L.y_shape[3];
    for (long long v = 0; v < L.w_shape[3]; v++) {
        long long f, l;
        conv2d_interior(v * L.cols.dilation - L.cols.pad_begin, L.cols.stride,
                        L.cols.input, L.y_shape[3], &f, &l);
        first = f > first ? f : first;
        last = l < last ? l : last;
    }
    if (last < first)
        last = first;
    CONV2D_PARALLEL_FOR(planes * L.pixels * L.window)
    for (long long t = 0; t < planes; t++) {
        const fast_layer *L = layer;
        long long n = t / L->y_shape[1], c_out = t % L->y_shape[1];
        {
            const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
            long long group = c_out / L->out_per_group;
            float bias = b != NULL ? b[c_out] : 0.0f;
            for (long long oh = 0; oh < ys[2]; oh++) {
                float *yrow = y + conv2d_offset(ys, n, c_out, oh, 0);
                for (long long j = 0; j < ys[3]; j++)
                    yrow[j] = j < first || j >= last
                              ? sum_through_the_map(L, x, w, bias, n, c_out, oh, j) : bias;
                for (long long c = 0; c < ws[1]; c++)
                    for (long long u = 0; u < ws[2]; u++) {
                        long long ih = conv2d_source_index(oh * L->rows.stride + u * L->rows.dilation
                                                           - L->rows.pad_begin, xs[2], L->mode);
                        const float *xrow = x + conv2d_offset(xs, n, group * ws[1] + c,
                                                              ih < 0 ? 0 : ih, 0);
                        const float *taps = w + conv2d_offset(ws, c_out, c, u, 0);
                        if (ih >= 0)
                            {
                                long long o = first, s = L->cols.stride, d = L->cols.dilation, pad = L->cols.pad_begin;
                            #if defined(__GNUC__)
                                for (; s == 1 && o + VECTOR_FLOATS <= last; o += VECTOR_FLOATS) {
                                    vfloat acc, in;
                                    memcpy(&acc, yrow + o, sizeof acc);
                                    for (long long v = 0; v < ws[3]; v++) {
                                        memcpy(&in, xrow + o + v * d - pad, sizeof in);
                                        acc += taps[v] * in;
                                    }
                                    memcpy(yrow + o, &acc, sizeof acc);
                                }
                            #endif
                                for (; o < last; o++) {
                                    float acc = yrow[o];
                                    for (long long v = 0; v < ws[3]; v++)
                                        acc += taps[v] * xrow[o * s + v * d - pad];
                                    yrow[o] = acc;
                                }
                            }
                    }
            }
        }
    }
    return CONV2D_OK;
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
        conv2d_status status = describe_layer(params, input_shape, weight_shape, &L, err);
        if (status == CONV2D_OK)
            status = conv2d_check_gradients(L.y_shape, grad_output_shape, input_shape[0] == 0,
                                            x != NULL, w != NULL, dy != NULL, dx != NULL,
                                            dw != NULL, err);
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

/* dx (image n, group group) += the columns of col, each added to the input
   sample it was copied from. */
static void col2im(const fast_layer *L, const float *col, long long n, long long group,
                   float *dx)
{
    const long long *xs = L->x_shape, *ws = L->w_shape, *ys = L->y_shape;
    CONV2D_PARALLEL_FOR(L->window * L->pixels)
    for (long long c = 0; c < ws[1]; c++) {
        float *plane = dx + conv2d_offset(xs, n, group * ws[1] + c, 0, 0);
        for (long long u = 0; u < ws[2]; u++)
            for (long long v = 0; v < ws[3]; v++) {
                const float *src = col + ((c * ws[2] + u) * ws[3] + v) * L->pixels;
                long long off = v * L->cols.dilation - L->cols.pad_begin;
                for (long long oh = 0; oh < ys[2]; oh++) {
                    long long ih = conv2d_source_index(oh * L->rows.stride
                                                       + u * L->rows.dilation
                                                       - L->rows.pad_begin, xs[2], L->mode);
                    float *xrow = plane + (ih < 0 ? 0 : ih) * xs[3];
                    const float *yrow = src + oh * ys[3];
                    float wv = 1.0f;
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
        if (b_cols == 1 && width == NR)
            for (long long p = 0; p < k; p++)
                memcpy(out + p * NR, b + p * b_rows + s * NR, sizeof(float) * NR);
        else
            for (long long p = 0; p < k; p++)
                for (long long j = 0; j < NR; j++)
                    out[p * NR + j] = j < width ? b[p * b_rows + (s * NR + j) * b_cols]
                                                : 0.0f;
    }
}
#if defined(__GNUC__)
static void micro_kernel(long long k, const float *a, const float *b, float *c,
                         long long ldc, long long m, long long n, int accumulate)
{
    vfloat acc[MR][2];
    float tile[MR][NR];
    UNROLL for (int r = 0; r < MR; r++)
        acc[r][0] = acc[r][1] = (vfloat){ 0 };
    for (long long p = 0; p < k; p++) {
        vfloat b0, b1;
        memcpy(&b0, b + p * NR, sizeof b0);
        memcpy(&b1, b + p * NR + VECTOR_FLOATS, sizeof b1);
        UNROLL for (int r = 0; r < MR; r++) {
            acc[r][0] += a[p * MR + r] * b0;
            acc[r][1] += a[p * MR + r] * b1;
        }
    }
    memcpy(tile, acc, sizeof tile);
    for (long long r = 0; r < m; r++)
        for (long long j = 0; j < n; j++)
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j];
}
#else
static void micro_kernel(long long k, const float *a, const float *b, float *c,
                         long long ldc, long long m, long long n, int accumulate)
{
    float tile[MR][NR] = { { 0 } };
    for (long long p = 0; p < k; p++)
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                tile[r][j] += a[p * MR + r] * b[p * NR + j];
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
    size_t b_size = sizeof(float) * (size_t)(((nc_used + NR - 1) / NR) * NR * kc_used);
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
            pack_b(kb, nb, b + pc * b_rows + jc * b_cols, b_rows, b_cols, packed_b);
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
                        micro_kernel(kb, packed_a + ir * MR * kb, packed_b + jr * NR * kb,
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

static float *allocate_columns(const fast_layer *L, conv2d_error *err)
{
    size_t count = (size_t)L->window * (size_t)L->pixels;
    float *col = is_pointwise(L) ? NULL : malloc(sizeof(float) * (count > 0 ? count : 1));
    if (col == NULL && !is_pointwise(L))
        conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate the %zu floats of the "
                    "im2col matrix (%lld x %lld)", count, L->window, L->pixels);
    return col;
}

static conv2d_status forward_lowered(const conv2d_params *params, const float *x,
                                     const long long input_shape[4], const float *w,
                                     const long long weight_shape[4], const float *b,
                                     long long bias_length, float *y,
                                     conv2d_gemm_function *gemm, conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = describe_layer(params, input_shape, weight_shape, &L, err);
        if (status != CONV2D_OK)
            return status;
        if (b != NULL && bias_length != weight_shape[0])
            return conv2d_fail(err, CONV2D_ERR_BIAS,
                               "bias has %lld values but the weight has %lld output channels",
                               bias_length, weight_shape[0]);
        if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
            return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    conv2d_blocking blocking;
    float *col = NULL;
    conv2d_choose_blocking(&blocking);
    if (L.y_shape[0] > 0 && !is_pointwise(&L) && (col = allocate_columns(&L, err)) == NULL)
        return CONV2D_ERR_MEMORY;
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
static conv2d_status backward_lowered(const conv2d_params *params, const float *x,
                                      const long long input_shape[4], const float *w,
                                      const long long weight_shape[4], const float *dy,
                                      const long long grad_output_shape[4], float *dx,
                                      float *dw, float *db, conv2d_gemm_function *gemm,
                                      conv2d_error *err)
{
        fast_layer L;
        conv2d_status status = describe_layer(params, input_shape, weight_shape, &L, err);
        if (status == CONV2D_OK)
            status = conv2d_check_gradients(L.y_shape, grad_output_shape, input_shape[0] == 0,
                                            x != NULL, w != NULL, dy != NULL, dx != NULL,
                                            dw != NULL, err);
        if (status != CONV2D_OK)
            return status;
    conv2d_blocking blocking;
    float *col = NULL;
    conv2d_choose_blocking(&blocking);
    if (db != NULL)
        bias_gradient(&L, dy, db);
    if ((dx != NULL || dw != NULL) && L.y_shape[0] > 0 && !is_pointwise(&L)
        && (col = allocate_columns(&L, err)) == NULL)
        return CONV2D_ERR_MEMORY;
    if (dw != NULL && L.y_shape[0] == 0)
        memset(dw, 0, sizeof(float) * (size_t)(L.w_shape[0] * L.window));
    for (long long n = 0; n < L.y_shape[0] && status == CONV2D_OK; n++)
        for (long long group = 0; group < L.groups && status == CONV2D_OK; group++) {
            const float *dy_g = dy + conv2d_offset(L.y_shape, n, group * L.out_per_group, 0, 0);
            const float *w_g = w + group * L.out_per_group * L.window;
            if (dw != NULL && status == CONV2D_OK) {
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
                            dx, dw, db, gemm_simple, err);
}

conv2d_status conv2d_backward_gemm(const conv2d_params *params,
                                   const float *x, const long long input_shape[4],
                                   const float *w, const long long weight_shape[4],
                                   const float *dy, const long long grad_output_shape[4],
                                   float *dx, float *dw, float *db, conv2d_error *err)
{
    return backward_lowered(params, x, input_shape, w, weight_shape, dy, grad_output_shape,
                            dx, dw, db, conv2d_gemm, err);
}
