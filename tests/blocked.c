/* tests/blocked.c: the tests of the blocked layout (chapter 5).  Tangled
   from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "conv2d.h"
#include "conv2d-internal.h"

Test(blocked, layout_worked_example)
{
    const long long shape[4] = { 1, 3, 2, 2 };
    float x[12], xb[64], back[12];
    cr_assert(eq(llong, conv2d_blocked_count(shape), 64));
    for (int i = 0; i < 12; i++)
        x[i] = (float)i;
    cr_assert(eq(int, conv2d_to_blocked(x, shape, xb, NULL), CONV2D_OK));
    for (int p = 0; p < 4; p++)
        for (int i = 0; i < 16; i++)
            cr_assert(eq(flt, xb[p * 16 + i], i < 3 ? (float)(4 * i + p) : 0.0f),
                      "pixel %d, lane %d", p, i);
    cr_assert(eq(flt, xb[50], 11.0f));
    cr_assert(eq(int, conv2d_from_blocked(xb, shape, back, NULL), CONV2D_OK));
    cr_assert(eq(int, memcmp(x, back, sizeof x), 0));
}
static void check_round_trip(const long long s[4])
{
    long long count = s[0] * s[1] * s[2] * s[3], blocks = (s[1] + 15) / 16;
    long long blocked = conv2d_blocked_count(s);
    float *x = malloc(sizeof(float) * (size_t)(count + 1));
    float *xb = malloc(sizeof(float) * (size_t)(blocked + 1));
    float *back = malloc(sizeof(float) * (size_t)(count + 2));
    cr_assert(x && xb && back);
    cr_assert(eq(llong, blocked, s[0] * blocks * s[2] * s[3] * 16));
    for (long long i = 0; i < count; i++)
        x[i] = (float)(i + 1);
    cr_assert(eq(int, conv2d_to_blocked(x, s, xb, NULL), CONV2D_OK));
    for (long long n = 0; n < s[0]; n++)
        for (long long c = 0; c < blocks * 16; c++)
            for (long long h = 0; h < s[2]; h++)
                for (long long w = 0; w < s[3]; w++) {
                    long long at = (((n * blocks + c / 16) * s[2] + h) * s[3] + w) * 16
                                   + c % 16;
                    float want = c < s[1] ? x[conv2d_offset(s, n, c, h, w)] : 0.0f;
                    cr_assert(eq(flt, xb[at], want), "n %lld c %lld h %lld w %lld",
                              n, c, h, w);
                }
    back[count] = -1.0f;
    cr_assert(eq(int, conv2d_from_blocked(xb, s, back, NULL), CONV2D_OK));
    cr_assert(eq(int, memcmp(x, back, sizeof(float) * (size_t)count), 0));
    cr_assert(eq(flt, back[count], -1.0f), "wrote past the NCHW array");
    free(x); free(xb); free(back);
}

Test(blocked, conversions_on_odd_channel_counts)
{
    check_round_trip((const long long[4]){ 1, 17, 3, 5 });
    check_round_trip((const long long[4]){ 2, 3, 4, 3 });
    check_round_trip((const long long[4]){ 3, 33, 2, 1 });
    check_round_trip((const long long[4]){ 1, 16, 2, 2 });
}
Test(blocked, weights_worked_example)
{
    const long long s[4] = { 20, 3, 1, 2 };
    long long count = conv2d_blocked_weight_count(s);
    float w[120], wb[1024];
    cr_assert(eq(llong, count, 1024));
    for (int i = 0; i < 120; i++)
        w[i] = (float)i;
    cr_assert(eq(int, conv2d_weights_to_blocked(w, s, wb, NULL), CONV2D_OK));
    cr_assert(eq(flt, wb[801], 107.0f));
    cr_assert(eq(flt, wb[0], 0.0f));
    cr_assert(eq(flt, wb[1], 6.0f));
    for (long long at = 0; at < count; at++) {
        long long o = at % 16, i = at / 16 % 16, v = at / 256 % 2, ob = at / 512;
        long long c_out = ob * 16 + o;
        float want = c_out < 20 && i < 3 ? w[conv2d_offset(s, c_out, i, 0, v)] : 0.0f;
        cr_assert(eq(flt, wb[at], want), "offset %lld", at);
    }
}
static void plain_blocked_forward(const conv2d_params *p, const float *xb,
                                  const long long xs[4], const float *wb,
                                  const long long ws[4], const float *b, float *yb)
{
    conv2d_geometry g;
    long long ib_count = (xs[1] + 15) / 16, ob_count = (ws[0] + 15) / 16;
    cr_assert(eq(int, conv2d_output_size(p, xs[2], xs[3], ws[2], ws[3], &g, NULL),
                 CONV2D_OK));
    for (long long n = 0; n < xs[0]; n++)
        for (long long ob = 0; ob < ob_count; ob++)
            for (long long h = 0; h < g.out_h; h++)
                for (long long o = 0; o < g.out_w; o++)
                    for (long long lane = 0; lane < 16; lane++) {
                        long long c_out = ob * 16 + lane;
                        float sum = b != NULL && c_out < ws[0] ? b[c_out] : 0.0f;
                        for (long long ib = 0; ib < ib_count; ib++)
                            for (long long u = 0; u < ws[2]; u++)
                                for (long long v = 0; v < ws[3]; v++) {
                                    long long ih = conv2d_source_index(h * g.rows.stride + u * g.rows.dilation
                                                                       - g.rows.pad_begin, xs[2],
                                                                       p->padding_mode);
                                    long long iw = conv2d_source_index(o * g.cols.stride + v * g.cols.dilation
                                                                       - g.cols.pad_begin, xs[3],
                                                                       p->padding_mode);
                                    if (ih < 0 || iw < 0)
                                        continue;
                                    for (long long i = 0; i < 16; i++)
                                        sum += xb[(((n * ib_count + ib) * xs[2] + ih) * xs[3] + iw) * 16 + i]
                                               * wb[((((ob * ib_count + ib) * ws[2] + u) * ws[3] + v) * 16 + i)
                                                    * 16 + lane];
                                }
                        yb[(((n * ob_count + ob) * g.out_h + h) * g.out_w + o) * 16
                           + lane] = sum;
                    }
}
static float next_float(unsigned *state)    /* uniform in [-1, 1) */
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) * 0x1p-23) - 1.0f;
}

static int check_blocked_layer(const conv2d_params *p, const long long xs[4],
                               const long long ws[4], unsigned *state)
{
    long long ys[4], xc, wc, yc, xbc, wbc, ybc;
    conv2d_error err = { CONV2D_OK, "" };
    if (conv2d_forward_shape(p, xs, ws, ys, NULL) != CONV2D_OK)
        return 0;                    /* reflect padding wider than the input */
    xc = xs[0] * xs[1] * xs[2] * xs[3];
    wc = ws[0] * ws[1] * ws[2] * ws[3];
    yc = ys[0] * ys[1] * ys[2] * ys[3];
    xbc = conv2d_blocked_count(xs);
    wbc = conv2d_blocked_weight_count(ws);
    ybc = conv2d_blocked_count(ys);
    float *x = malloc(sizeof(float) * (size_t)xc), *ax = malloc(sizeof(float) * (size_t)xc);
    float *w = malloc(sizeof(float) * (size_t)wc), *aw = malloc(sizeof(float) * (size_t)wc);
    float *b = malloc(sizeof(float) * (size_t)ws[0]);
    float *ab = malloc(sizeof(float) * (size_t)ws[0]);
    float *y = malloc(sizeof(float) * (size_t)yc), *ay = malloc(sizeof(float) * (size_t)yc);
    float *fy = malloc(sizeof(float) * (size_t)yc), *ky = malloc(sizeof(float) * (size_t)yc);
    float *xb = malloc(sizeof(float) * (size_t)xbc);
    float *wb = malloc(sizeof(float) * (size_t)wbc);
    float *yb = malloc(sizeof(float) * (size_t)ybc);
    float *pb = malloc(sizeof(float) * (size_t)ybc);
    cr_assert(x && ax && w && aw && b && ab && y && ay && fy && ky && xb && wb && yb && pb);
    for (long long i = 0; i < xc; i++) ax[i] = fabsf(x[i] = next_float(state));
    for (long long i = 0; i < wc; i++) aw[i] = fabsf(w[i] = next_float(state));
    for (long long i = 0; i < ws[0]; i++) ab[i] = fabsf(b[i] = next_float(state));
    cr_assert(eq(int, conv2d_forward(p, x, xs, w, ws, b, ws[0], y, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward(p, ax, xs, aw, ws, ab, ws[0], ay, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_to_blocked(x, xs, xb, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_weights_to_blocked(w, ws, wb, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward_on_blocked(p, xb, xs, wb, ws, b, ws[0], yb, &err),
                 CONV2D_OK), "%s", err.message);
    cr_assert(eq(int, conv2d_from_blocked(yb, ys, ky, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward_blocked(p, x, xs, w, ws, b, ws[0], fy, &err), CONV2D_OK),
              "%s", err.message);
    plain_blocked_forward(p, xb, xs, wb, ws, b, pb);
    {
        long long terms = ws[1] * ws[2] * ws[3] + 1;
        for (long long i = 0; i < yc; i++) {
            double bound = conv2d_tolerance_float(y[i], ay[i], terms);
            cr_assert(le(dbl, fabs((double)ky[i] - y[i]), bound),
                      "kernel: y[%lld] is %.9g, the naive loops say %.9g (C_in %lld, "
                      "C_out %lld, width %lld, kernel %lld, stride %lld, dilation %lld, "
                      "mode %d)", i, ky[i], y[i], xs[1], ws[0], xs[3], ws[2], p->stride_w,
                      p->dilation_w, (int)p->padding_mode);
            cr_assert(le(dbl, fabs((double)fy[i] - y[i]), bound), "through NCHW: y[%lld]", i);
        }
        for (long long i = 0; i < ybc; i++) {
            long long c_out = i / (ys[2] * ys[3] * 16) % ((ys[1] + 15) / 16) * 16 + i % 16;
            if (c_out >= ys[1])
                cr_assert(eq(flt, yb[i], 0.0f), "padding lane %lld of the output", i);
        }
        cr_assert(eq(int, conv2d_from_blocked(pb, ys, fy, NULL), CONV2D_OK));
        for (long long i = 0; i < yc; i++)
            cr_assert(le(dbl, fabs((double)fy[i] - y[i]),
                         conv2d_tolerance_float(y[i], ay[i], terms)),
                      "plain loops: y[%lld] is %.9g, the naive loops say %.9g", i, fy[i],
                      y[i]);
    }
    free(x); free(ax); free(w); free(aw); free(b); free(ab); free(y); free(ay);
    free(fy); free(ky); free(xb); free(wb); free(yb); free(pb);
    return 1;
}

Test(blocked, register_block_edges)
{
    static const long long widths[] = { 5, 16, 24, 31 }, in_channels[] = { 3, 17 };
    static const long long out_channels[] = { 5, 40 };
    unsigned state = 7;
    int checked = 0;
    for (int a = 0; a < 4; a++)
        for (int c = 0; c < 2; c++)
            for (int k = 0; k < 2; k++)
                for (int s = 1; s <= 2; s++)
                    for (int d = 1; d <= 2; d++)
                        for (int mode = 0; mode < 4; mode++) {
                            conv2d_params p = conv2d_default_params();
                            long long xs[4] = { 1 + (a == 1), in_channels[c], 4,
                                                widths[a] };
                            long long ws[4] = { out_channels[(a + c + s) % 2],
                                                in_channels[c], 1 + 2 * k, 1 + 2 * k };
                            p.stride_h = p.stride_w = s;
                            p.dilation_h = p.dilation_w = d;
                            p.pad_top = 1; p.pad_bottom = 0;
                            p.pad_left = 2; p.pad_right = 1;
                            p.padding_mode = (conv2d_padding_mode)mode;
                            checked += check_blocked_layer(&p, xs, ws, &state);
                        }
    cr_assert(ge(int, checked, 200), "only %d layers exist", checked);
}
Test(blocked, threads_give_the_same_answer)
{
    enum { N = 2, C = 33, H = 32, W = 33, K = 40, R = 7, X = N * 3 * H * W * 16,
           WB = 3 * 3 * R * R * 256, Y = N * 3 * H * W * 16 };
    static float x[N * C * H * W], w[K * C * R * R], xb[X], wb[WB], yb[3][Y];
    static float y[3][N * K * H * W];
    const long long xs[4] = { N, C, H, W }, ws[4] = { K, C, R, R };
    unsigned state = 9;
    conv2d_params p = conv2d_default_params();
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = R / 2;
    for (int i = 0; i < N * C * H * W; i++) x[i] = next_float(&state);
    for (int i = 0; i < K * C * R * R; i++) w[i] = next_float(&state);
    cr_assert(eq(int, conv2d_to_blocked(x, xs, xb, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_weights_to_blocked(w, ws, wb, NULL), CONV2D_OK));
    for (int run = 0; run < 3; run++) {
#ifdef _OPENMP
        omp_set_num_threads(run < 2 ? 2 : 1);
#endif
        cr_assert(eq(int, conv2d_forward_on_blocked(&p, xb, xs, wb, ws, NULL, 0, yb[run],
                                                    NULL), CONV2D_OK));
        cr_assert(eq(int, conv2d_forward_blocked(&p, x, xs, w, ws, NULL, 0, y[run], NULL),
                     CONV2D_OK));
    }
    for (int run = 1; run < 3; run++) {
        cr_assert(eq(int, memcmp(yb[0], yb[run], sizeof yb[0]), 0), "blocked, run %d",
                  run);
        cr_assert(eq(int, memcmp(y[0], y[run], sizeof y[0]), 0), "NCHW, run %d", run);
    }
}
Test(blocked, bad_arguments_are_refused)
{
    static const long long negative[4] = { 1, -3, 2, 2 }, fine[4] = { 1, 3, 2, 2 };
    static const long long huge[4] = { 1LL << 40, 17, 1LL << 20, 1 };
    static const long long negative_kernel[4] = { 4, 4, -1, 3 };
    static const long long negative_outputs[4] = { -4, 4, 1, 3 };
    static const long long weight[4] = { 2, 2, 2, 2 };
    static const long long grouped_x[4] = { 1, 2, 2, 2 }, grouped_w[4] = { 2, 1, 1, 1 };
    static float x[64], xb[64];
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_params p = conv2d_default_params();
    xb[0] = 5.0f;
    cr_assert(eq(llong, conv2d_blocked_count(negative), -1));
    cr_assert(eq(llong, conv2d_blocked_count(huge), -1));
    cr_assert(eq(llong, conv2d_blocked_weight_count(negative_kernel), -1));
    cr_assert(eq(int, conv2d_to_blocked(x, negative, xb, &err), CONV2D_ERR_INPUT_SIZE));
    cr_assert(strstr(err.message, "1 x -3 x 2 x 2") != NULL, "%s", err.message);
    cr_assert(eq(int, conv2d_to_blocked(NULL, fine, xb, &err), CONV2D_ERR_NULL));
    cr_assert(eq(int, conv2d_from_blocked(xb, huge, x, &err), CONV2D_ERR_OVERFLOW));
    cr_assert(eq(int, conv2d_weights_to_blocked(x, weight, NULL, &err),
                 CONV2D_ERR_NULL));
    cr_assert(eq(int, conv2d_weights_to_blocked(x, negative_kernel, xb, &err),
                 CONV2D_ERR_KERNEL_SIZE));
    cr_assert(strstr(err.message, "4 x 4 x -1 x 3") != NULL, "%s", err.message);
    cr_assert(eq(int, conv2d_weights_to_blocked(x, negative_outputs, xb, &err),
                 CONV2D_ERR_CHANNELS));
    p.groups = 2;
    cr_assert(eq(int, conv2d_forward_on_blocked(&p, x, grouped_x, x, grouped_w, NULL, 0,
                                                xb, &err), CONV2D_ERR_GROUPS));
    cr_assert(strstr(err.message, "got 2 groups") != NULL, "%s", err.message);
    cr_assert(eq(flt, xb[0], 5.0f), "a failed call wrote the output");
}
