/* tests/direct.c: the tests of the direct kernel (chapter 5).  Tangled
   from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"
#include "conv2d-internal.h"

Test(direct, padded_planes_by_hand)
{
    static const float input[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const float expected[4][5][5] = {
        { { 0, 0, 0, 0, 0 },          /* zeros */
          { 0, 1, 2, 3, 0 },
          { 0, 4, 5, 6, 0 },
          { 0, 7, 8, 9, 0 },
          { 0, 0, 0, 0, 0 } },
        { { 5, 4, 5, 6, 5 },          /* reflect */
          { 2, 1, 2, 3, 2 },
          { 5, 4, 5, 6, 5 },
          { 8, 7, 8, 9, 8 },
          { 5, 4, 5, 6, 5 } },
        { { 1, 1, 2, 3, 3 },          /* replicate */
          { 1, 1, 2, 3, 3 },
          { 4, 4, 5, 6, 6 },
          { 7, 7, 8, 9, 9 },
          { 7, 7, 8, 9, 9 } },
        { { 9, 7, 8, 9, 7 },          /* circular */
          { 3, 1, 2, 3, 1 },
          { 6, 4, 5, 6, 4 },
          { 9, 7, 8, 9, 7 },
          { 3, 1, 2, 3, 1 } } };
    static const conv2d_padding_mode modes[4] = {
        CONV2D_PADDING_ZEROS, CONV2D_PADDING_REFLECT, CONV2D_PADDING_REPLICATE,
        CONV2D_PADDING_CIRCULAR };
    const conv_axis axis = { 3, 3, 1, 1, 1, 1 };
    for (int m = 0; m < 4; m++) {
        float padded[6][8];
        memset(padded, 0xff, sizeof padded);           /* NaNs, should any survive */
        conv2d_pad_plane(input, &axis, &axis, modes[m], &padded[0][0], 6, 8);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 8; j++)
                cr_assert(eq(flt, padded[i][j],
                             i < 5 && j < 5 ? expected[m][i][j] : 0.0f),
                          "mode %d, row %d, column %d", m, i, j);
    }
}
static float direct_value(unsigned *state)     /* uniform in [-1, 1) */
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) * 0x1p-23) - 1.0f;
}

static void expect_direct(const conv2d_params *p, const long long xs[4],
                          const char *array, const float *got, const float *reference,
                          const float *bound, long long count, long long terms)
{
    for (long long i = 0; i < count; i++)
        cr_assert(le(dbl, fabs((double)got[i] - reference[i]),
                     conv2d_tolerance_float(reference[i], bound[i], terms)),
                  "%lld x %lld, mode %d, strides %lld %lld: %s[%lld] is %.9g, not %.9g",
                  xs[2], xs[3], (int)p->padding_mode, p->stride_h, p->stride_w, array, i,
                  got[i], reference[i]);
}

static void check_direct(const conv2d_params *p, const long long xs[4],
                         const long long ws[4])
{
    conv2d_error err = { CONV2D_OK, "" };
    long long ys[4], x_count = xs[0] * xs[1] * xs[2] * xs[3];
    long long w_count = ws[0] * ws[1] * ws[2] * ws[3], y_count;
    unsigned state = (unsigned)(xs[2] * 100 + xs[3]);
    cr_assert(eq(int, conv2d_forward_shape(p, xs, ws, ys, NULL), CONV2D_OK));
    y_count = ys[0] * ys[1] * ys[2] * ys[3];
    float *x = malloc(sizeof(float) * (size_t)x_count);
    float *ax = malloc(sizeof(float) * (size_t)x_count);
    float *w = malloc(sizeof(float) * (size_t)w_count);
    float *aw = malloc(sizeof(float) * (size_t)w_count);
    float *b = malloc(sizeof(float) * (size_t)ws[0]);
    float *ab = malloc(sizeof(float) * (size_t)ws[0]);
    float *y = malloc(sizeof(float) * (size_t)y_count);
    float *got = malloc(sizeof(float) * (size_t)y_count);
    float *bound = malloc(sizeof(float) * (size_t)y_count);
    cr_assert(x && ax && w && aw && b && ab && y && got && bound);
    for (long long i = 0; i < x_count; i++) ax[i] = fabsf(x[i] = direct_value(&state));
    for (long long i = 0; i < w_count; i++) aw[i] = fabsf(w[i] = direct_value(&state));
    for (long long i = 0; i < ws[0]; i++) ab[i] = fabsf(b[i] = direct_value(&state));
    cr_assert(eq(int, conv2d_forward(p, x, xs, w, ws, b, ws[0], y, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward(p, ax, xs, aw, ws, ab, ws[0], bound, NULL),
                 CONV2D_OK));
    cr_assert(eq(int, conv2d_forward_direct(p, x, xs, w, ws, b, ws[0], got, &err),
                 CONV2D_OK), "%s", err.message);
    expect_direct(p, xs, "y", got, y, bound, y_count, ws[1] * ws[2] * ws[3] + 1);
    {
        long long reach = ws[0] / p->groups * ws[2] * ws[3] * (1 + p->pad_top + p->pad_bottom)
                          * (1 + p->pad_left + p->pad_right);
        long long outputs = ys[0] * ys[2] * ys[3];
        float *dy = malloc(sizeof(float) * (size_t)y_count);
        float *ady = malloc(sizeof(float) * (size_t)y_count);
        float *g[2][3], *bound_g[3];
        long long counts[3] = { x_count, w_count, ws[0] };
        long long terms[3] = { reach, outputs, outputs };
        cr_assert(dy && ady);
        for (long long i = 0; i < y_count; i++) ady[i] = fabsf(dy[i] = direct_value(&state));
        for (int a = 0; a < 3; a++) {
            g[0][a] = malloc(sizeof(float) * (size_t)counts[a]);
            g[1][a] = malloc(sizeof(float) * (size_t)counts[a]);
            bound_g[a] = malloc(sizeof(float) * (size_t)counts[a]);
            cr_assert(g[0][a] && g[1][a] && bound_g[a]);
        }
        cr_assert(eq(int, conv2d_backward(p, x, xs, w, ws, dy, ys, g[0][0], g[0][1], g[0][2],
                                          NULL), CONV2D_OK));
        cr_assert(eq(int, conv2d_backward(p, ax, xs, aw, ws, ady, ys, bound_g[0], bound_g[1],
                                          bound_g[2], NULL), CONV2D_OK));
        cr_assert(eq(int, conv2d_backward_direct(p, x, xs, w, ws, dy, ys, g[1][0], g[1][1],
                                                 g[1][2], &err), CONV2D_OK),
                  "%s", err.message);
        for (int a = 0; a < 3; a++) {
            expect_direct(p, xs, a == 0 ? "dx" : a == 1 ? "dw" : "db", g[1][a], g[0][a],
                          bound_g[a], counts[a], terms[a]);
            free(g[0][a]); free(g[1][a]); free(bound_g[a]);
        }
        free(dy); free(ady);
    }
    free(x); free(ax); free(w); free(aw); free(b); free(ab);
    free(y); free(bound); free(got);
}
Test(direct, depthwise_layers_on_every_path)
{
    static const long long kernels[5][6] = {  /* kH, kW, stride_h, stride_w, dil_w, pad */
        { 3, 3, 1, 1, 1, 1 }, { 3, 3, 2, 1, 1, 1 }, { 2, 3, 1, 1, 2, 2 },
        { 3, 3, 1, 1, 2, 2 }, { 3, 3, 1, 2, 1, 1 } };
    for (long long h = 1; h <= 9; h += 4)
        for (long long width = 1; width <= 40; width++)
            for (int k = 0; k < 5; k++)
                for (int mode = 0; mode < 4; mode++) {
                    const long long *z = kernels[k];
                    conv2d_params p = conv2d_default_params();
                    long long xs[4] = { 2, 3, h, width }, ws[4] = { 6, 1, z[0], z[1] };
                    p.groups = 3;
                    p.stride_h = z[2];
                    p.stride_w = z[3];
                    p.dilation_w = z[4];
                    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = z[5];
                    p.padding_mode = (conv2d_padding_mode)mode;
                    if (conv2d_forward_shape(&p, xs, ws, (long long[4]){ 0 }, NULL)
                        == CONV2D_OK)
                        check_direct(&p, xs, ws);
                }
}
Test(direct, huge_strides)
{
    static const long long layers[5][6] = {  /* C, H, W, kernel, stride_h, stride_w */
        { 1, 1, 1, 1, 1000000, 1000000 }, { 1, 1, 1, 1, 3000000000, 3000000000 },
        { 2, 3, 20, 3, 1000000, 1 }, { 2, 3, 20, 3, 3000000000, 1 },
        { 2, 3, 20, 3, 1, 3000000000 } };
    for (int i = 0; i < 5; i++) {
        const long long *z = layers[i];
        conv2d_params p = conv2d_default_params();
        long long xs[4] = { 1, z[0], z[1], z[2] }, ws[4] = { 2 * z[0], 1, z[3], z[3] };
        p.groups = z[0];
        p.stride_h = z[4];
        p.stride_w = z[5];
        p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = z[3] / 2;
        cr_assert(eq(int, conv2d_forward_shape(&p, xs, ws, (long long[4]){ 0 }, NULL),
                     CONV2D_OK), "layer %d", i);
        check_direct(&p, xs, ws);
    }
}
