/* tests/fast-backward.c: the tests of the weight gradient over the whole
   batch (chapter 5).  Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "conv2d.h"
#include "conv2d-internal.h"

static float next_sample(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) % 2001u) / 1000.0f - 1.0f;
}

static void check_chunks(const conv2d_params *p, const long long xs[4], const long long ws[4],
                         const long long *chunks, int chunk_count, const long long *slices,
                         int slice_count)
{
    long long ys[4], nx, nw, ny;
    unsigned state = 7;
    cr_assert(eq(int, conv2d_forward_shape(p, xs, ws, ys, NULL), CONV2D_OK));
    nx = xs[0] * xs[1] * xs[2] * xs[3];
    nw = ws[0] * ws[1] * ws[2] * ws[3];
    ny = ys[0] * ys[1] * ys[2] * ys[3];
        size_t sx = sizeof(float) * (size_t)(nx + 1), sy = sizeof(float) * (size_t)(ny + 1);
        size_t sw = sizeof(float) * (size_t)nw;
        float *x = malloc(sx), *ax = malloc(sx), *dy = malloc(sy), *ady = malloc(sy);
        float *w = malloc(sw), *dw = malloc(sw), *bound = malloc(sw), *got = malloc(sw);
        cr_assert(x && ax && dy && ady && w && dw && bound && got);
        for (long long i = 0; i < nx; i++)
            ax[i] = fabsf(x[i] = next_sample(&state));
        for (long long i = 0; i < ny; i++)
            ady[i] = fabsf(dy[i] = next_sample(&state));
        for (long long i = 0; i < nw; i++)
            w[i] = next_sample(&state);
        cr_assert(eq(int, conv2d_backward(p, x, xs, w, ws, dy, ys, NULL, dw, NULL, NULL),
                     CONV2D_OK));
        cr_assert(eq(int, conv2d_backward(p, ax, xs, w, ws, ady, ys, NULL, bound, NULL, NULL),
                     CONV2D_OK));
    for (int i = 0; i < chunk_count; i++)
        for (int j = 0; j < slice_count; j++) {
                conv2d_error err = { CONV2D_OK, "" };
                cr_assert(eq(int, conv2d_weight_gradient_in_chunks(p, x, xs, ws, dy, ys, got, chunks[i],
                                                                   slices[j], &err),
                             CONV2D_OK), "%s", err.message);
                    for (long long k = 0; k < nw; k++)
                        cr_assert(le(dbl, fabs((double)got[k] - dw[k]),
                                     conv2d_tolerance_float(dw[k], bound[k], ys[0] * ys[2] * ys[3])),
                                  "N = %lld, chunks of %lld images, slices of %lld rows: "
                                  "dw[%lld] is %.9g, the naive loops say %.9g",
                                  xs[0], chunks[i], slices[j], k, got[k], dw[k]);
        }
    free(x); free(ax); free(w); free(dy); free(ady);
    free(dw); free(bound); free(got);
}
Test(fast_backward, chunks_and_slices_of_awkward_batches)
{
    const long long chunks[] = { 1, 2, 3, 5, 0 }, slices[] = { 1, 2, 3, 7, 11, 40, 0 };
    conv2d_params p = conv2d_default_params();
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
    check_chunks(&p, (long long[4]){ 5, 3, 7, 6 }, (long long[4]){ 4, 3, 3, 3 },
                 chunks, 5, slices, 7);
    check_chunks(&p, (long long[4]){ 1, 3, 7, 6 }, (long long[4]){ 4, 3, 3, 3 },
                 chunks, 5, slices, 7);
    p.groups = 2;
    p.stride_h = 2;
    p.dilation_h = 2;
    p.padding_mode = CONV2D_PADDING_REFLECT;
    check_chunks(&p, (long long[4]){ 3, 4, 9, 8 }, (long long[4]){ 6, 2, 2, 3 },
                 chunks, 5, slices, 7);
    p = conv2d_default_params();
    p.pad_top = p.pad_left = 2;
    p.pad_bottom = p.pad_right = 1;
    p.stride_w = 3;
    p.padding_mode = CONV2D_PADDING_CIRCULAR;
    check_chunks(&p, (long long[4]){ 2, 5, 6, 7 }, (long long[4]){ 40, 5, 3, 3 },
                 chunks, 5, slices, 7);
    p.padding_mode = CONV2D_PADDING_REPLICATE;
    p.dilation_w = 2;
    check_chunks(&p, (long long[4]){ 4, 1, 5, 9 }, (long long[4]){ 3, 1, 1, 4 },
                 chunks, 5, slices, 7);
}
Test(fast_backward, an_empty_batch_and_a_wrong_gradient)
{
    conv2d_params p = conv2d_default_params();
    float x[1] = { 0 }, dy[60] = { 0 }, dw[12];
    const long long ws[4] = { 2, 2, 1, 3 };
    const long long empty[4] = { 0, 2, 4, 5 }, empty_y[4] = { 0, 2, 4, 3 };
    conv2d_error err = { CONV2D_OK, "" };
    for (int i = 0; i < 12; i++)
        dw[i] = 7.0f;
    cr_assert(eq(int, conv2d_weight_gradient_in_chunks(&p, x, empty, ws, dy, empty_y, dw, 0, 0,
                                                       &err),
                 CONV2D_OK), "%s", err.message);
    for (int i = 0; i < 12; i++)
        cr_assert(eq(flt, dw[i], 0.0f), "dw[%d] is %g", i, dw[i]);
    cr_assert(eq(int, conv2d_weight_gradient_in_chunks(&p, dy, (long long[4]){ 1, 2, 4, 5 },
                                                       ws, dy, (long long[4]){ 1, 2, 4, 4 },
                                                       dw, 0, 0, &err),
                 CONV2D_ERR_SHAPE));
}
static void check_input_gradient(const conv2d_params *p, const long long xs[4],
                                 const long long ws[4], int as_forward_pass)
{
    long long ys[4], nx, nw, ny;
    unsigned state = 11;
    cr_assert(eq(int, conv2d_forward_shape(p, xs, ws, ys, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_input_gradient_is_a_forward_pass(p, xs, ws), as_forward_pass),
              "padding %lld %lld %lld %lld, stride %lld %lld, dilation %lld, groups %lld, "
              "mode %d: expected %s", p->pad_top, p->pad_bottom, p->pad_left,
              p->pad_right, p->stride_h, p->stride_w, p->dilation_h, p->groups,
              (int)p->padding_mode,
              as_forward_pass ? "the forward pass" : "the matrix product");
    nx = xs[0] * xs[1] * xs[2] * xs[3];
    nw = ws[0] * ws[1] * ws[2] * ws[3];
    ny = ys[0] * ys[1] * ys[2] * ys[3];
    {
        size_t sx = sizeof(float) * (size_t)nx, sw = sizeof(float) * (size_t)nw;
        size_t sy = sizeof(float) * (size_t)ny;
        float *x = malloc(sx), *dx = malloc(sx), *bound = malloc(sx), *got = malloc(sx);
        float *w = malloc(sw), *aw = malloc(sw), *dy = malloc(sy), *ady = malloc(sy);
        conv2d_error err = { CONV2D_OK, "" };
        cr_assert(x && dx && bound && got && w && aw && dy && ady);
        for (long long i = 0; i < nx; i++)
            x[i] = next_sample(&state);
        for (long long i = 0; i < nw; i++)
            aw[i] = fabsf(w[i] = next_sample(&state));
        for (long long i = 0; i < ny; i++)
            ady[i] = fabsf(dy[i] = next_sample(&state));
        cr_assert(eq(int, conv2d_backward(p, x, xs, w, ws, dy, ys, dx, NULL, NULL, NULL),
                     CONV2D_OK));
        cr_assert(eq(int, conv2d_backward(p, x, xs, aw, ws, ady, ys, bound, NULL, NULL, NULL),
                     CONV2D_OK));
        cr_assert(eq(int, conv2d_backward_blocked(p, x, xs, w, ws, dy, ys, got, NULL, NULL,
                                                  &err), CONV2D_OK), "%s", err.message);
        for (long long i = 0; i < nx; i++)
            cr_assert(le(dbl, fabs((double)got[i] - dx[i]),
                         conv2d_tolerance_float(dx[i], bound[i], ws[0] * ws[2] * ws[3])),
                      "padding %lld %lld %lld %lld, dilation %lld: dx[%lld] is %.9g, "
                      "the naive loops say %.9g", p->pad_top, p->pad_bottom, p->pad_left,
                      p->pad_right, p->dilation_h, i, got[i], dx[i]);
        free(x); free(dx); free(bound); free(got); free(w); free(aw); free(dy); free(ady);
    }
}

Test(fast_backward, the_input_gradient_as_a_forward_pass)
{
    const long long xs[4] = { 2, 5, 9, 11 }, ws[4] = { 19, 5, 3, 3 };
    const long long small_xs[4] = { 2, 2, 9, 11 }, small_ws[4] = { 4, 2, 3, 3 };
    const long long grouped_ws[4] = { 4, 1, 3, 3 };
    for (long long d = 1; d <= 2; d++) {
        conv2d_params p = conv2d_default_params();
        p.dilation_h = p.dilation_w = d;
        p.pad_bottom = p.pad_left = 2 * d;
        check_input_gradient(&p, xs, ws, 1);
        p.pad_top = 2 * d;
        p.pad_bottom = 0;
        p.pad_right = d;
        check_input_gradient(&p, xs, ws, 1);
        p.pad_right = 2 * d + 1;
        check_input_gradient(&p, xs, ws, 0);
        p.pad_right = 0;
        p.stride_w = 2;
        check_input_gradient(&p, xs, ws, 0);
        p = conv2d_default_params();
        p.dilation_h = p.dilation_w = d;
        p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = d;
        check_input_gradient(&p, small_xs, small_ws, 1);
        p.padding_mode = CONV2D_PADDING_REFLECT;
        check_input_gradient(&p, small_xs, small_ws, 0);
        p.padding_mode = CONV2D_PADDING_ZEROS;
        p.groups = 2;
        check_input_gradient(&p, small_xs, grouped_ws, 0);
    }
}
