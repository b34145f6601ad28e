/* tests/backward.c: the tests of chapter 3.  Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"
#include "conv2d-internal.h"
#include "npy.h"
#include "fixtures.h"

static void expect_values(const float *got, const float *expected, int count,
                          const char *what)
{
    for (int i = 0; i < count; i++)
        cr_expect(eq(flt, got[i], expected[i]), "%s: element %d", what, i);
}

Test(backward, the_chain_rule_example)
{
    conv2d_params p = conv2d_default_params();
    const float x[4] = { 1, 2, 3, 4 }, w[2] = { 1, -1 }, dy[3] = { 1, 2, 3 };
    float dx[4], dw[2], db[1];
    cr_assert(eq(int, conv2d_backward(&p, x, (long long[4]){ 1, 1, 1, 4 }, w,
                                      (long long[4]){ 1, 1, 1, 2 }, dy,
                                      (long long[4]){ 1, 1, 1, 3 }, dx, dw, db, NULL),
                 CONV2D_OK));
    expect_values(db, (float[]){ 6 }, 1, "db");
    expect_values(dw, (float[]){ 14, 20 }, 2, "dw");
    expect_values(dx, (float[]){ 1, 1, 1, -3 }, 4, "dx");
}

Test(backward, stride_leaves_the_unread_sample_without_gradient)
{
    conv2d_params p = conv2d_default_params();
    const float w[2] = { 1, -1 }, dy[2] = { 1, 2 };
    float dx[5];
    p.stride_w = 2;
    cr_assert(eq(int, conv2d_backward(&p, NULL, (long long[4]){ 1, 1, 1, 5 }, w,
                                      (long long[4]){ 1, 1, 1, 2 }, dy,
                                      (long long[4]){ 1, 1, 1, 2 }, dx, NULL, NULL, NULL),
                 CONV2D_OK));
    expect_values(dx, (float[]){ 1, -1, 2, -2, 0 }, 5, "dx");
}

Test(backward, reflect_padding_folds_the_gradient_back)
{
    conv2d_params p = conv2d_default_params();
    const float w[2] = { 1, 1 }, dy[4] = { 1, 1, 1, 1 };
    float dx[3];
    p.pad_left = p.pad_right = 1;
    p.padding_mode = CONV2D_PADDING_REFLECT;
    cr_assert(eq(int, conv2d_backward(&p, NULL, (long long[4]){ 1, 1, 1, 3 }, w,
                                      (long long[4]){ 1, 1, 1, 2 }, dy,
                                      (long long[4]){ 1, 1, 1, 4 }, dx, NULL, NULL, NULL),
                 CONV2D_OK));
    expect_values(dx, (float[]){ 2, 4, 2 }, 3, "dx");
}

Test(backward, the_transposed_convolution_example)
{
    conv2d_params p = conv2d_default_params();
    const float x[2] = { 1, 2 }, w[2] = { 1, -1 };
    float y[5];
    long long shape[4];
    p.stride_w = 2;
    cr_assert(eq(int, conv2d_transpose(&p, x, (long long[4]){ 1, 1, 1, 2 }, w,
                                       (long long[4]){ 1, 1, 1, 2 }, NULL, 0, y, NULL),
                 CONV2D_OK));
    expect_values(y, (float[]){ 1, -1, 2, -2 }, 4, "output padding 0");
    p.output_padding_w = 1;
    cr_assert(eq(int, conv2d_transpose_shape(&p, (long long[4]){ 1, 1, 1, 2 },
                                             (long long[4]){ 1, 1, 1, 2 }, shape, NULL),
                 CONV2D_OK));
    cr_expect(eq(llong, shape[3], 5));
    cr_assert(eq(int, conv2d_transpose(&p, x, (long long[4]){ 1, 1, 1, 2 }, w,
                                       (long long[4]){ 1, 1, 1, 2 }, NULL, 0, y, NULL),
                 CONV2D_OK));
    expect_values(y, (float[]){ 1, -1, 2, -2, 0 }, 5, "output padding 1");
}
Test(backward, preimages_invert_the_padding_map)
{
    for (int mode = 0; mode < 4; mode++)
     for (long long n = 1; n <= 6; n++)
      for (long long before = 0; before <= n; before++)
       for (long long after = 0; after <= n; after++) {
            conv_axis axis = { n, 1, 1, 1, before, after };
            if (mode == CONV2D_PADDING_REFLECT && (before >= n || after >= n))
                continue;
            for (long long i = 0; i < n; i++) {
                long long first[3], last[3], covered = 0;
                int ranges = conv2d_preimages(i, &axis, (conv2d_padding_mode)mode, first, last);
                for (long long p = -before; p < n + after; p++) {
                    int inside = 0;
                    for (int r = 0; r < ranges; r++)
                        inside += p >= first[r] && p <= last[r];
                    cr_assert(le(int, inside, 1), "overlapping ranges");
                    cr_assert(eq(int, inside,
                                 conv2d_source_index(p, n, (conv2d_padding_mode)mode) == i),
                              "mode %d n=%lld pads %lld,%lld i=%lld p=%lld", mode, n,
                              before, after, i, p);
                    covered += inside;
                }
                for (int r = 0; r < ranges; r++)
                    covered -= last[r] - first[r] + 1;
                cr_assert(eq(llong, covered, 0), "a range reaches outside the padded axis");
            }
        }
}
typedef struct {
    conv2d_params params;
    long long xs[4], ws[4], ys[4];
} random_layer;

static long long draw(unsigned *state, long long lo, long long hi)
{
    *state = *state * 1664525u + 1013904223u;
    return lo + (long long)((*state >> 8) % (unsigned)(hi - lo + 1));
}

static random_layer make_layer(unsigned *state, int mode)
{
    for (;;) {
        random_layer l;
        conv2d_params *p = &l.params;
        long long g = draw(state, 1, 2);
        *p = conv2d_default_params();
        p->groups = g;
        p->padding_mode = (conv2d_padding_mode)mode;
        p->stride_h = draw(state, 1, 3); p->stride_w = draw(state, 1, 3);
        p->dilation_h = draw(state, 1, 2); p->dilation_w = draw(state, 1, 2);
        p->pad_top = draw(state, 0, 2); p->pad_bottom = draw(state, 0, 2);
        p->pad_left = draw(state, 0, 2); p->pad_right = draw(state, 0, 2);
        if (draw(state, 0, 4) == 0)
            p->padding_rule = CONV2D_PADDING_VALID;
        l.xs[0] = draw(state, 1, 2); l.xs[1] = g * draw(state, 1, 2);
        l.xs[2] = draw(state, 2, 7); l.xs[3] = draw(state, 2, 7);
        l.ws[0] = g * draw(state, 1, 2); l.ws[1] = l.xs[1] / g;
        l.ws[2] = draw(state, 1, 3); l.ws[3] = draw(state, 1, 3);
        if (conv2d_forward_shape(p, l.xs, l.ws, l.ys, NULL) == CONV2D_OK)
            return l;
    }
}

static long long count_of(const long long shape[4])
{
    return shape[0] * shape[1] * shape[2] * shape[3];
}

static double *random_array(unsigned *state, long long count)
{
    double *a = malloc(sizeof(double) * (size_t)(count > 0 ? count : 1));
    cr_assert(a != NULL);
    for (long long i = 0; i < count; i++)
        a[i] = (double)draw(state, -1000000, 1000000) / 1000000.0;
    return a;
}
static double *spread_out(const double *dy, const long long ys[4], const conv2d_geometry *g,
                          long long shape[4])
{
    shape[0] = ys[0]; shape[1] = ys[1];
    shape[2] = (ys[2] - 1) * g->rows.stride + 1;
    shape[3] = (ys[3] - 1) * g->cols.stride + 1;
    double *spread = calloc((size_t)count_of(shape), sizeof(double));
    cr_assert(spread != NULL);
    for (long long n = 0; n < ys[0]; n++)
        for (long long c = 0; c < ys[1]; c++)
            for (long long h = 0; h < ys[2]; h++)
                for (long long w = 0; w < ys[3]; w++)
                    spread[conv2d_offset(shape, n, c, h * g->rows.stride, w * g->cols.stride)]
                        = dy[conv2d_offset(ys, n, c, h, w)];
    return spread;
}

static double *flip_and_transpose(const double *w, const long long ws[4], long long groups,
                                  long long shape[4])
{
    long long out_per_group = ws[0] / groups, in_per_group = ws[1];
    shape[0] = in_per_group * groups; shape[1] = out_per_group;
    shape[2] = ws[2]; shape[3] = ws[3];
    double *flipped = malloc(sizeof(double) * (size_t)count_of(shape));
    cr_assert(flipped != NULL);
    for (long long c_out = 0; c_out < ws[0]; c_out++)
        for (long long c = 0; c < in_per_group; c++) {
            long long group = c_out / out_per_group;
            for (long long u = 0; u < ws[2]; u++)
                for (long long v = 0; v < ws[3]; v++)
                    flipped[conv2d_offset(shape, group * in_per_group + c,
                                          c_out % out_per_group, ws[2] - 1 - u, ws[3] - 1 - v)]
                        = w[conv2d_offset(ws, c_out, c, u, v)];
        }
    return flipped;
}

Test(backward, the_input_gradient_is_a_full_correlation)
{
    unsigned state = 11;
    for (int trial = 0; trial < 60; trial++) {
        random_layer l = make_layer(&state, CONV2D_PADDING_ZEROS);
        conv2d_geometry g;
        double *w = random_array(&state, count_of(l.ws));
        double *dy = random_array(&state, count_of(l.ys));
        double *dx = random_array(&state, count_of(l.xs));
        long long spread_shape[4], flipped_shape[4], full_shape[4];
        cr_assert(eq(int, conv2d_output_size(&l.params, l.xs[2], l.xs[3], l.ws[2], l.ws[3],
                                             &g, NULL), CONV2D_OK));
        double *spread = spread_out(dy, l.ys, &g, spread_shape);
        double *flipped = flip_and_transpose(w, l.ws, l.params.groups, flipped_shape);
        conv2d_params full = conv2d_default_params();
        full.groups = l.params.groups;
        full.dilation_h = g.rows.dilation; full.dilation_w = g.cols.dilation;
        full.pad_top = full.pad_bottom = g.rows.dilation * (l.ws[2] - 1);
        full.pad_left = full.pad_right = g.cols.dilation * (l.ws[3] - 1);
        cr_assert(eq(int, conv2d_forward_shape(&full, spread_shape, flipped_shape,
                                               full_shape, NULL), CONV2D_OK));
        double *correlation = random_array(&state, count_of(full_shape));
        cr_assert(eq(int, conv2d_forward_f64(&full, spread, spread_shape, flipped,
                                             flipped_shape, NULL, 0, correlation, NULL),
                     CONV2D_OK));
        cr_assert(eq(int, conv2d_backward_f64(&l.params, NULL, l.xs, w, l.ws, dy, l.ys,
                                              dx, NULL, NULL, NULL), CONV2D_OK));
        for (long long n = 0; n < l.xs[0]; n++)
            for (long long c = 0; c < l.xs[1]; c++)
                for (long long i = 0; i < l.xs[2]; i++)
                    for (long long j = 0; j < l.xs[3]; j++) {
                        long long ph = i + g.rows.pad_begin, pw = j + g.cols.pad_begin;
                        double expected = ph < full_shape[2] && pw < full_shape[3]
                            ? correlation[conv2d_offset(full_shape, n, c, ph, pw)] : 0.0;
                        cr_assert(le(dbl, fabs(dx[conv2d_offset(l.xs, n, c, i, j)] - expected), 1e-12),
                                  "trial %d, sample (%lld, %lld, %lld, %lld)", trial, n, c, i, j);
                    }
        free(w); free(dy); free(dx); free(spread); free(flipped); free(correlation);
    }
}
static double loss(const random_layer *l, const double *x, const double *w, const double *b,
                   const double *dy)
{
    double *y = malloc(sizeof(double) * (size_t)count_of(l->ys)), sum = 0.0;
    cr_assert(y != NULL);
    cr_assert(eq(int, conv2d_forward_f64(&l->params, x, l->xs, w, l->ws, b, l->ws[0], y, NULL),
                 CONV2D_OK));
    for (long long i = 0; i < count_of(l->ys); i++)
        sum += y[i] * dy[i];
    free(y);
    return sum;
}

static double loss_rounding(const random_layer *l, const double *x, const double *w,
                            const double *b, const double *dy)
{
    long long nx = count_of(l->xs), nw = count_of(l->ws), ny = count_of(l->ys);
    double *ax = malloc(sizeof(double) * (size_t)nx), *aw = malloc(sizeof(double) * (size_t)nw);
    double *ab = malloc(sizeof(double) * (size_t)l->ws[0]);
    double *ady = malloc(sizeof(double) * (size_t)ny), sum;
    long long terms = ny * (l->ws[1] * l->ws[2] * l->ws[3] + 2);
    cr_assert(ax && aw && ab && ady);
    for (long long i = 0; i < nx; i++) ax[i] = fabs(x[i]);
    for (long long i = 0; i < nw; i++) aw[i] = fabs(w[i]);
    for (long long i = 0; i < l->ws[0]; i++) ab[i] = fabs(b[i]);
    for (long long i = 0; i < ny; i++) ady[i] = fabs(dy[i]);
    sum = loss(l, ax, aw, ab, ady);
    free(ax); free(aw); free(ab); free(ady);
    return (double)terms * 0x1p-53 * sum;
}

Test(backward, gradients_match_finite_differences)
{
    unsigned state = 5;
    for (int trial = 0; trial < 48; trial++) {
        random_layer l = make_layer(&state, trial % 4);
        double *x = random_array(&state, count_of(l.xs));
        double *w = random_array(&state, count_of(l.ws));
        double *b = random_array(&state, l.ws[0]);
        double *dy = random_array(&state, count_of(l.ys));
        double *dx = random_array(&state, count_of(l.xs));
        double *dw = random_array(&state, count_of(l.ws));
        double *db = random_array(&state, l.ws[0]);
        double h = 0x1p-8, tolerance = 4 * loss_rounding(&l, x, w, b, dy) / h;
        cr_assert(eq(int, conv2d_backward_f64(&l.params, x, l.xs, w, l.ws, dy, l.ys,
                                              dx, dw, db, NULL), CONV2D_OK));
        struct { double *theta, *gradient; long long count; const char *name; } parts[3] = {
            { x, dx, count_of(l.xs), "dx" }, { w, dw, count_of(l.ws), "dw" }, { b, db, l.ws[0], "db" },
        };
        for (int part = 0; part < 3; part++)
            for (long long i = 0; i < parts[part].count; i++) {
                double saved = parts[part].theta[i], up, down;
                parts[part].theta[i] = saved + h;
                up = loss(&l, x, w, b, dy);
                parts[part].theta[i] = saved - h;
                down = loss(&l, x, w, b, dy);
                parts[part].theta[i] = saved;
                cr_assert(le(dbl, fabs((up - down) / (2 * h) - parts[part].gradient[i]), tolerance),
                          "trial %d (mode %d): %s[%lld] is %.12g, the difference quotient %.12g",
                          trial, trial % 4, parts[part].name, i, parts[part].gradient[i],
                          (up - down) / (2 * h));
            }
        free(x); free(w); free(b); free(dy); free(dx); free(dw); free(db);
    }
}
static double dot(const double *a, const double *b, long long count)
{
    double sum = 0.0;
    for (long long i = 0; i < count; i++)
        sum += a[i] * b[i];
    return sum;
}

static double adjoint_bound(const random_layer *l, const double *x, const double *w,
                            const double *z)
{
    double *ax = malloc(sizeof(double) * (size_t)count_of(l->xs));
    double *aw = malloc(sizeof(double) * (size_t)count_of(l->ws));
    double *az = malloc(sizeof(double) * (size_t)count_of(l->ys));
    double *ay = malloc(sizeof(double) * (size_t)count_of(l->ys)), sum;
    long long products = count_of(l->ys) * l->ws[1] * l->ws[2] * l->ws[3];
    cr_assert(ax && aw && az && ay);
    for (long long i = 0; i < count_of(l->xs); i++) ax[i] = fabs(x[i]);
    for (long long i = 0; i < count_of(l->ws); i++) aw[i] = fabs(w[i]);
    for (long long i = 0; i < count_of(l->ys); i++) az[i] = fabs(z[i]);
    cr_assert(eq(int, conv2d_forward_f64(&l->params, ax, l->xs, aw, l->ws, NULL, 0, ay, NULL),
                 CONV2D_OK));
    sum = dot(ay, az, count_of(l->ys));
    free(ax); free(aw); free(az); free(ay);
    return 4.0 * (double)products * 0x1p-53 * sum;
}

Test(backward, the_adjoint_identities)
{
    unsigned state = 3;
    for (int trial = 0; trial < 80; trial++) {
        random_layer l = make_layer(&state, trial % 4);
        double *x = random_array(&state, count_of(l.xs));
        double *w = random_array(&state, count_of(l.ws));
        double *z = random_array(&state, count_of(l.ys));
        double *y = random_array(&state, count_of(l.ys));
        double *back = random_array(&state, count_of(l.xs));
        double forward_side, bound;
        cr_assert(eq(int, conv2d_forward_f64(&l.params, x, l.xs, w, l.ws, NULL, 0, y, NULL),
                     CONV2D_OK));
        cr_assert(eq(int, conv2d_backward_f64(&l.params, NULL, l.xs, w, l.ws, z, l.ys, back,
                                              NULL, NULL, NULL), CONV2D_OK));
        forward_side = dot(y, z, count_of(l.ys));
        bound = adjoint_bound(&l, x, w, z);
        cr_assert(le(dbl, fabs(forward_side - dot(x, back, count_of(l.xs))), bound),
                  "trial %d: <conv(x), z> and <x, dx(z)> differ", trial);
        if (trial % 4 == CONV2D_PADDING_ZEROS)
            {
                conv2d_geometry g;
                conv2d_params t = l.params;
                long long ts[4];
                double *transposed = random_array(&state, count_of(l.xs));
                cr_assert(eq(int, conv2d_output_size(&l.params, l.xs[2], l.xs[3], l.ws[2], l.ws[3], &g,
                                                     NULL), CONV2D_OK));
                t.padding_rule = CONV2D_PADDING_EXPLICIT;
                t.pad_top = g.rows.pad_begin; t.pad_bottom = g.rows.pad_end;
                t.pad_left = g.cols.pad_begin; t.pad_right = g.cols.pad_end;
                t.output_padding_h = (g.rows.input + t.pad_top + t.pad_bottom
                                      - g.rows.dilation * (l.ws[2] - 1) - 1) % g.rows.stride;
                t.output_padding_w = (g.cols.input + t.pad_left + t.pad_right
                                      - g.cols.dilation * (l.ws[3] - 1) - 1) % g.cols.stride;
                cr_assert(eq(int, conv2d_transpose_shape(&t, l.ys, l.ws, ts, NULL), CONV2D_OK));
                for (int i = 0; i < 4; i++)
                    cr_assert(eq(llong, ts[i], l.xs[i]), "trial %d: the transposed shape", trial);
                cr_assert(eq(int, conv2d_transpose_f64(&t, z, l.ys, w, l.ws, NULL, 0, transposed, NULL),
                             CONV2D_OK));
                cr_assert(le(dbl, fabs(forward_side - dot(x, transposed, count_of(l.xs))), bound),
                          "trial %d: <conv(x), z> and <x, conv_transpose(z)> differ", trial);
                free(transposed);
            }
        free(x); free(w); free(z); free(y); free(back);
    }
}
static void load_array(const char *dir, const char *file, npy_array *a)
{
    char path[512];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read(path, a, &err), CONV2D_OK), "%s", err.message);
}

static void load_array_f64(const char *dir, const char *file, npy_array_f64 *a)
{
    char path[512];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read_f64(path, a, &err), CONV2D_OK), "%s", err.message);
}

static void expect_close(const char *dir, const char *name, const char *bound_name,
                         const float *got, long long count, long long terms)
{
    char file[128];
    npy_array_f64 reference = { 0 }, bound = { 0 };
    snprintf(file, sizeof file, "%s.npy", name);
    load_array_f64(dir, file, &reference);
    snprintf(file, sizeof file, "%s.npy", bound_name);
    load_array_f64(dir, file, &bound);
    cr_assert(eq(llong, reference.count, count), "%s: %s has the wrong size", dir, name);
    for (long long i = 0; i < count; i++)
        cr_assert(le(dbl, fabs(got[i] - reference.data[i]),
                     conv2d_tolerance(reference.data[i], bound.data[i], terms)),
                  "%s: %s[%lld] is %.9g, PyTorch says %.17g", dir, name, i, got[i],
                  reference.data[i]);
    npy_free_f64(&reference);
    npy_free_f64(&bound);
}
static void check_backward_case(const fixture_case *c)
{
    char dir[256];
    npy_array x = { 0 }, w = { 0 }, dy = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_geometry g;
    snprintf(dir, sizeof dir, "tests/fixtures/backward/%s", c->name);
    load_array(dir, "input.npy", &x);
    load_array(dir, "weight.npy", &w);
    load_array(dir, "grad_output.npy", &dy);
    float *dx = malloc(sizeof(float) * (size_t)(x.count + 1));
    float *dw = malloc(sizeof(float) * (size_t)(w.count + 1));
    float *db = malloc(sizeof(float) * (size_t)(w.shape[0] + 1));
    cr_assert(dx && dw && db);
    cr_assert(eq(int, conv2d_backward(&c->params, x.data, x.shape, w.data, w.shape, dy.data,
                                      dy.shape, dx, dw, db, &err), CONV2D_OK),
              "%s: %s", c->name, err.message);
    cr_assert(eq(int, conv2d_output_size(&c->params, x.shape[2], x.shape[3], w.shape[2],
                                         w.shape[3], &g, NULL), CONV2D_OK));
    long long outputs = dy.shape[0] * dy.shape[2] * dy.shape[3];
    long long reach = (w.shape[0] / c->params.groups) * w.shape[2] * w.shape[3]
                      * (1 + g.rows.pad_begin + g.rows.pad_end)
                      * (1 + g.cols.pad_begin + g.cols.pad_end);
    expect_close(dir, "grad_input", "grad_input_abs", dx, x.count, reach);
    expect_close(dir, "grad_weight", "grad_weight_abs", dw, w.count, outputs);
    if (c->has_bias)
        expect_close(dir, "grad_bias", "grad_bias_abs", db, w.shape[0], outputs);
    free(dx); free(dw); free(db);
    npy_free(&x); npy_free(&w); npy_free(&dy);
}
static void check_transpose_case(const char *line)
{
    char name[64], dir[256];
    long long pad_h, pad_w, out_shape[4];
    int has_bias;
    conv2d_params p = conv2d_default_params();
    npy_array x = { 0 }, w = { 0 }, b = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, sscanf(line, "%63s %lld %lld %lld %lld %lld %lld %lld %lld %lld %d",
                             name, &p.stride_h, &p.stride_w, &pad_h, &pad_w,
                             &p.output_padding_h, &p.output_padding_w, &p.dilation_h,
                             &p.dilation_w, &p.groups, &has_bias), 11), "%s", line);
    p.pad_top = p.pad_bottom = pad_h;
    p.pad_left = p.pad_right = pad_w;
    snprintf(dir, sizeof dir, "tests/fixtures/transpose/%s", name);
    load_array(dir, "input.npy", &x);
    load_array(dir, "weight.npy", &w);
    if (has_bias)
        load_array(dir, "bias.npy", &b);
    cr_assert(eq(int, conv2d_transpose_shape(&p, x.shape, w.shape, out_shape, &err),
                 CONV2D_OK), "%s: %s", name, err.message);
    long long count = out_shape[0] * out_shape[1] * out_shape[2] * out_shape[3];
    float *y = malloc(sizeof(float) * (size_t)(count + 1));
    cr_assert(y != NULL);
    cr_assert(eq(int, conv2d_transpose(&p, x.data, x.shape, w.data, w.shape,
                                       has_bias ? b.data : NULL, b.count, y, &err), CONV2D_OK),
              "%s: %s", name, err.message);
    expect_close(dir, "output", "abs", y, count,
                 (w.shape[0] / p.groups) * w.shape[2] * w.shape[3] + has_bias);
    free(y);
    npy_free(&x); npy_free(&w); npy_free(&b);
}

Test(backward, matches_pytorch_on_every_fixture)
{
    char line[512];
    int checked = 0;
    FILE *cases = fopen("tests/fixtures/backward/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/backward/cases.txt: cannot open it");
    while (fgets(line, sizeof line, cases) != NULL) {
        fixture_case c;
        int kind = fixture_read_case(line, &c);
        cr_assert(kind >= 0, "a malformed line in cases.txt: %s", line);
        if (kind == 1) {
            check_backward_case(&c);
            checked++;
        }
    }
    fclose(cases);
    cr_assert(ge(int, checked, 30), "only %d fixtures were checked", checked);
}

Test(backward, transpose_matches_pytorch_on_every_fixture)
{
    char line[512];
    int checked = 0;
    FILE *cases = fopen("tests/fixtures/transpose/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/transpose/cases.txt: cannot open it");
    while (fgets(line, sizeof line, cases) != NULL) {
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        check_transpose_case(line);
        checked++;
    }
    fclose(cases);
    cr_assert(ge(int, checked, 15), "only %d fixtures were checked", checked);
}
Test(backward, invalid_backward_passes_are_refused)
{
    conv2d_params p = conv2d_default_params();
    float x[50] = { 0 }, w[18] = { 0 }, dy[32] = { 0 }, dx[50], dw[18], db[2];
    conv2d_error err = { CONV2D_OK, "" };
    const long long xs[4] = { 1, 2, 5, 5 }, ws[4] = { 2, 2, 3, 3 };
    for (int i = 0; i < 50; i++) dx[i] = 7;
    cr_expect(eq(int, conv2d_backward(&p, x, xs, w, ws, dy, (long long[4]){ 1, 2, 3, 4 },
                                      dx, dw, db, &err), CONV2D_ERR_SHAPE));
    cr_expect(strstr(err.message, "grad_output has shape [1, 2, 3, 4] but the forward "
                     "output has shape [1, 2, 3, 3]") != NULL, "%s", err.message);
    cr_expect(eq(int, conv2d_backward(&p, x, xs, NULL, ws, dy, (long long[4]){ 1, 2, 3, 3 },
                                      dx, NULL, NULL, &err), CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_backward(&p, NULL, xs, w, ws, dy, (long long[4]){ 1, 2, 3, 3 },
                                      NULL, dw, NULL, &err), CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_backward(&p, x, xs, w, ws, NULL, (long long[4]){ 1, 2, 3, 3 },
                                      dx, NULL, NULL, &err), CONV2D_ERR_NULL));
    p.stride_h = 0;
    cr_expect(eq(int, conv2d_backward(&p, x, xs, w, ws, dy, (long long[4]){ 1, 2, 3, 3 },
                                      dx, dw, db, &err), CONV2D_ERR_STRIDE));
    for (int i = 0; i < 50; i++)
        cr_assert(eq(flt, dx[i], 7), "a failed call wrote dx");
}

static void expect_transpose_error(conv2d_params p, const long long xs[4],
                                   const long long ws[4], long long bias_length,
                                   conv2d_status code, const char *words)
{
    float x[64] = { 0 }, w[64] = { 0 }, b[8] = { 0 }, y[512];
    conv2d_error err = { CONV2D_OK, "" };
    for (int i = 0; i < 512; i++) y[i] = 7;
    cr_assert(eq(int, conv2d_transpose(&p, x, xs, w, ws, bias_length >= 0 ? b : NULL,
                                       bias_length, y, &err), code), "%s: %s", words,
              err.message);
    cr_expect(strstr(err.message, words) != NULL, "message \"%s\" should contain \"%s\"",
              err.message, words);
    for (int i = 0; i < 512; i++)
        cr_assert(eq(flt, y[i], 7), "a failed call wrote the output");
}

Test(backward, invalid_transposed_convolutions_are_refused)
{
    conv2d_params p = conv2d_default_params();
    const long long xs[4] = { 1, 2, 3, 3 }, ws[4] = { 2, 1, 3, 3 };
    p.stride_h = 2;
    p.output_padding_h = 2;
    expect_transpose_error(p, xs, ws, -1, CONV2D_ERR_PADDING, "height: output padding (2) "
                           "must be >= 0 and smaller than either stride (2) or dilation (1)");
    p = conv2d_default_params();
    p.padding_rule = CONV2D_PADDING_SAME;
    expect_transpose_error(p, xs, ws, -1, CONV2D_ERR_PADDING, "needs explicit padding");
    p = conv2d_default_params();
    p.padding_mode = CONV2D_PADDING_REFLECT;
    expect_transpose_error(p, xs, ws, -1, CONV2D_ERR_PADDING_MODE, "only zeros padding");
    p = conv2d_default_params();
    expect_transpose_error(p, xs, (long long[4]){ 3, 1, 3, 3 }, -1, CONV2D_ERR_CHANNELS,
                           "weight of size [3, 1, 3, 3] expects an input with 3 channels, "
                           "but it has 2");
    p.groups = 2;
    expect_transpose_error(p, (long long[4]){ 1, 3, 3, 3 }, ws, -1, CONV2D_ERR_GROUPS,
                           "input channels (3) must be divisible by groups (2)");
    p = conv2d_default_params();
    p.pad_left = p.pad_right = 3;
    expect_transpose_error(p, xs, ws, -1, CONV2D_ERR_SHAPE,
                           "width: the output size -1 is too small");
    p = conv2d_default_params();
    expect_transpose_error(p, xs, ws, 3, CONV2D_ERR_BIAS,
                           "bias has 3 values but the transposed convolution has 1 output "
                           "channels");
    p.dilation_w = 0;
    expect_transpose_error(p, xs, ws, -1, CONV2D_ERR_DILATION, "width: stride (1) and "
                           "dilation (0) must be >= 1");
}
