/* tests/layers.c: the tests of ReLU and max pooling (chapter 4).
   Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"
#include "npy.h"

static int identical(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}
Test(layers, relu_worked_example)
{
    float x[5] = { -2, -0.5f, 0, 1.5f, 3 }, y[5], dx[5], again[5];
    const float dy[5] = { 1, 2, 3, 4, 5 };
    const float expected_y[5] = { 0, 0, 0, 1.5f, 3 }, expected_dx[5] = { 0, 0, 0, 4, 5 };
    conv2d_relu(x, 5, y);
    conv2d_relu_backward(x, dy, 5, dx);
    for (int i = 0; i < 5; i++) {
        cr_expect(identical(y[i], expected_y[i]), "y[%d] is %g", i, y[i]);
        cr_expect(identical(dx[i], expected_dx[i]), "dx[%d] is %g", i, dx[i]);
    }
    conv2d_relu(x, 5, x);                      /* in place: x now holds y */
    conv2d_relu_backward(x, dy, 5, again);     /* the gradient from y */
    for (int i = 0; i < 5; i++) {
        cr_expect(identical(x[i], expected_y[i]), "in place, y[%d] is %g", i, x[i]);
        cr_expect(identical(again[i], expected_dx[i]), "from y, dx[%d] is %g", i, again[i]);
    }
}

Test(layers, relu_special_values)
{
    const float x[6] = { -0.0f, NAN, INFINITY, -INFINITY, 0x1p-149f, -0x1p-149f };
    const float dy[6] = { 1, 2, 3, 4, 5, 6 };
    const float expected_y[6] = { -0.0f, NAN, INFINITY, 0, 0x1p-149f, 0 };
    const float expected_dx[6] = { 0, 2, 3, 0, 5, 0 };
    float y[6], dx[6], from_y[6], sentinel = 7;
    conv2d_relu(x, 6, y);
    conv2d_relu_backward(x, dy, 6, dx);
    conv2d_relu_backward(y, dy, 6, from_y);
    for (int i = 0; i < 6; i++) {
        cr_expect(identical(y[i], expected_y[i]), "y[%d] is %g", i, y[i]);
        cr_expect(identical(dx[i], expected_dx[i]), "dx[%d] is %g", i, dx[i]);
        cr_expect(identical(from_y[i], expected_dx[i]), "from y, dx[%d] is %g", i, from_y[i]);
    }
    conv2d_relu(x, 0, &sentinel);
    conv2d_relu_backward(x, dy, -1, &sentinel);
    cr_expect(eq(flt, sentinel, 7), "a count <= 0 must write nothing");
}
static double relu_loss(const float *x, const float *dy, long long count)
{
    float *y = malloc(sizeof(float) * (size_t)count);
    double sum = 0.0;
    cr_assert(y != NULL);
    conv2d_relu(x, count, y);
    for (long long i = 0; i < count; i++)
        sum += (double)dy[i] * y[i];
    free(y);
    return sum;
}

Test(layers, relu_gradient_matches_finite_differences)
{
    enum { COUNT = 81 };
    float x[COUNT], dy[COUNT], dx[COUNT];
    const float h = 1.0f / 32;
    for (int i = 0; i < COUNT; i++) {
        x[i] = (float)(i - 40) / 16;
        dy[i] = (float)((i * 7) % 15 - 7) / 8;
    }
    conv2d_relu_backward(x, dy, COUNT, dx);
    for (int i = 0; i < COUNT; i++) {
        float saved = x[i];
        double up, down;
        x[i] = saved + h;
        up = relu_loss(x, dy, COUNT);
        x[i] = saved - h;
        down = relu_loss(x, dy, COUNT);
        x[i] = saved;
        if (saved != 0)
            cr_assert(eq(dbl, (up - down) / (2 * h), dx[i]), "x[%d] = %g", i, saved);
        else
            cr_assert(eq(dbl, (up - down) / (2 * h), dy[i] / 2.0), "at the corner");
    }
}
static void load_f32(const char *dir, const char *file, npy_array *a)
{
    char path[512];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read(path, a, &err), CONV2D_OK), "%s", err.message);
}

static void load_f64(const char *dir, const char *file, npy_array_f64 *a)
{
    char path[512];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read_f64(path, a, &err), CONV2D_OK), "%s", err.message);
}

static void check_relu_case(const char *name)
{
    char dir[256];
    npy_array x = { 0 }, dy = { 0 };
    npy_array_f64 y_ref = { 0 }, dx_ref = { 0 };
    snprintf(dir, sizeof dir, "tests/fixtures/relu/%s", name);
    load_f32(dir, "input.npy", &x);
    load_f32(dir, "grad_output.npy", &dy);
    load_f64(dir, "output.npy", &y_ref);
    load_f64(dir, "grad_input.npy", &dx_ref);
    cr_assert(eq(llong, y_ref.count, x.count), "%s", name);
    float *y = malloc(sizeof(float) * (size_t)x.count);
    float *dx = malloc(sizeof(float) * (size_t)x.count);
    cr_assert(y != NULL && dx != NULL);
    conv2d_relu(x.data, x.count, y);
    conv2d_relu_backward(x.data, dy.data, x.count, dx);
    for (long long i = 0; i < x.count; i++) {
        cr_assert(identical(y[i], y_ref.data[i]), "%s: y[%lld] is %g, PyTorch says %g",
                  name, i, y[i], y_ref.data[i]);
        cr_assert(identical(dx[i], dx_ref.data[i]), "%s: dx[%lld] is %g, PyTorch says %g",
                  name, i, dx[i], dx_ref.data[i]);
    }
    free(y); free(dx);
    npy_free(&x); npy_free(&dy); npy_free_f64(&y_ref); npy_free_f64(&dx_ref);
}

Test(layers, relu_matches_pytorch)
{
    char line[512], name[64];
    int checked = 0;
    FILE *cases = fopen("tests/fixtures/relu/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/relu/cases.txt: cannot open it "
              "(the tests run from the top of the repository)");
    while (fgets(line, sizeof line, cases) != NULL) {
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        cr_assert(eq(int, sscanf(line, "%63s", name), 1), "a malformed line: %s", line);
        check_relu_case(name);
        checked++;
    }
    fclose(cases);
    cr_assert(ge(int, checked, 3), "only %d fixtures were checked", checked);
}
static void expect_pool(const conv2d_pool_params *p, const float *x,
                        const long long xs[4], const long long expected_shape[4],
                        const float *expected_y, const long long *expected_argmax,
                        const float *dy, const float *expected_dx, const char *what)
{
    long long ys[4], out = 1, in = xs[0] * xs[1] * xs[2] * xs[3];
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, conv2d_max_pool_shape(p, xs, ys, &err), CONV2D_OK), "%s: %s", what,
              err.message);
    for (int i = 0; i < 4; i++) {
        cr_assert(eq(llong, ys[i], expected_shape[i]), "%s: dimension %d", what, i);
        out *= ys[i];
    }
    float *y = malloc(sizeof(float) * (size_t)(out + 1));
    float *dx = malloc(sizeof(float) * (size_t)(in + 1));
    long long *argmax = malloc(sizeof(long long) * (size_t)(out + 1));
    cr_assert(y != NULL && dx != NULL && argmax != NULL);
    cr_assert(eq(int, conv2d_max_pool(p, x, xs, y, argmax, &err), CONV2D_OK), "%s: %s",
              what, err.message);
    for (long long i = 0; i < out; i++) {
        cr_expect(identical(y[i], expected_y[i]), "%s: y[%lld] is %g", what, i, y[i]);
        cr_expect(eq(llong, argmax[i], expected_argmax[i]), "%s: argmax %lld", what, i);
    }
    cr_assert(eq(int, conv2d_max_pool_backward(p, x, xs, dy, dx, &err), CONV2D_OK),
              "%s: %s", what, err.message);
    for (long long i = 0; i < in; i++)
        cr_expect(eq(flt, dx[i], expected_dx[i]), "%s: dx[%lld] is %g", what, i, dx[i]);
    free(y); free(dx); free(argmax);
}
static const float four_by_four[16] = { 1, 3, 2, 0,  5, 2, 1, 4,  0, 1, 7, 7,  2, 6, 3, 1 };

Test(layers, pool_side_by_side_with_a_tie)
{
    conv2d_pool_params p = conv2d_default_pool_params(2);
    const float dx[16] = { 0, 0, 0, 0,  1, 0, 0, 2,  0, 0, 4, 0,  0, 3, 0, 0 };
    expect_pool(&p, four_by_four, (long long[4]){ 1, 1, 4, 4 }, (long long[4]){ 1, 1, 2, 2 },
                (float[]){ 5, 4, 6, 7 }, (long long[]){ 4, 7, 13, 10 },
                (float[]){ 1, 2, 3, 4 }, dx, "4x4, k = s = 2");
}

Test(layers, pool_dilated)
{
    conv2d_pool_params p = conv2d_default_pool_params(2);
    const float dx[16] = { 0, 0, 0, 0,  3, 0, 0, 0,  0, 0, 1, 2,  0, 4, 0, 0 };
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 2;
    expect_pool(&p, four_by_four, (long long[4]){ 1, 1, 4, 4 }, (long long[4]){ 1, 1, 2, 2 },
                (float[]){ 7, 7, 5, 6 }, (long long[]){ 10, 11, 4, 13 },
                (float[]){ 1, 2, 3, 4 }, dx, "4x4, k = 2, dilation 2");
}

Test(layers, pool_padding_is_minus_infinity)
{
    conv2d_pool_params p = conv2d_default_pool_params(1);
    p.kernel_w = 3; p.stride_w = 2; p.pad_w = 1;
    expect_pool(&p, (float[]){ -3, -1, -4, -2 }, (long long[4]){ 1, 1, 1, 4 },
                (long long[4]){ 1, 1, 1, 2 }, (float[]){ -1, -1 }, (long long[]){ 1, 1 },
                (float[]){ 1, 2 }, (float[]){ 0, 3, 0, 0 }, "negative row, padding 1");
}

Test(layers, pool_ceil_mode)
{
    conv2d_pool_params p = conv2d_default_pool_params(1);
    const float row[5] = { 1, 5, 2, 5, 0 };
    p.kernel_w = p.stride_w = 2;
    expect_pool(&p, row, (long long[4]){ 1, 1, 1, 5 }, (long long[4]){ 1, 1, 1, 2 },
                (float[]){ 5, 5 }, (long long[]){ 1, 3 }, (float[]){ 1, 2 },
                (float[]){ 0, 1, 0, 2, 0 }, "floor mode");
    p.ceil_mode = 1;
    expect_pool(&p, row, (long long[4]){ 1, 1, 1, 5 }, (long long[4]){ 1, 1, 1, 3 },
                (float[]){ 5, 5, 0 }, (long long[]){ 1, 3, 4 }, (float[]){ 1, 2, 3 },
                (float[]){ 0, 1, 0, 2, 3 }, "ceil mode: a partial last window");
    p.pad_w = 1;
    expect_pool(&p, row, (long long[4]){ 1, 1, 1, 5 }, (long long[4]){ 1, 1, 1, 3 },
                (float[]){ 1, 5, 5 }, (long long[]){ 0, 1, 3 }, (float[]){ 1, 2, 3 },
                (float[]){ 1, 2, 0, 3, 0 }, "ceil mode: a window in the padding is dropped");
}

Test(layers, pool_overlap_adds_gradients)
{
    conv2d_pool_params p = conv2d_default_pool_params(1);
    p.kernel_w = 3;
    expect_pool(&p, (float[]){ 1, 5, 2, 5, 0 }, (long long[4]){ 1, 1, 1, 5 },
                (long long[4]){ 1, 1, 1, 3 }, (float[]){ 5, 5, 5 }, (long long[]){ 1, 1, 3 },
                (float[]){ 1, 2, 3 }, (float[]){ 0, 3, 0, 3, 0 }, "k = 3, s = 1");
}

Test(layers, pool_nan_wins_and_the_last_nan_is_chosen)
{
    conv2d_pool_params p = conv2d_default_pool_params(1);
    p.kernel_w = p.stride_w = 5;
    expect_pool(&p, (float[]){ 1, NAN, 3, NAN, 2 }, (long long[4]){ 1, 1, 1, 5 },
                (long long[4]){ 1, 1, 1, 1 }, (float[]){ NAN }, (long long[]){ 3 },
                (float[]){ 1 }, (float[]){ 0, 0, 0, 1, 0 }, "NaN");
}

Test(layers, pool_a_window_of_nothing_but_padding)
{
    conv2d_pool_params p = conv2d_default_pool_params(1);
    p.kernel_w = 2; p.stride_w = 1; p.dilation_w = 2; p.pad_w = 1;
    expect_pool(&p, (float[]){ 3 }, (long long[4]){ 1, 1, 1, 1 },
                (long long[4]){ 1, 1, 1, 1 }, (float[]){ -INFINITY }, (long long[]){ -1 },
                (float[]){ 1 }, (float[]){ 0 }, "i = 1, k = 2, d = 2, p = 1");
}

Test(layers, pool_channels_and_batch_are_separate)
{
    conv2d_pool_params p = conv2d_default_pool_params(2);
    const float x[8] = { 1, 2, 3, 4,   -1, -2, -3, -4 };     /* N = 2, C = 1, 2 x 2 */
    expect_pool(&p, x, (long long[4]){ 2, 1, 2, 2 }, (long long[4]){ 2, 1, 1, 1 },
                (float[]){ 4, -1 }, (long long[]){ 3, 4 }, (float[]){ 1, 2 },
                (float[]){ 0, 0, 0, 1,  2, 0, 0, 0 }, "two images");
    expect_pool(&p, x, (long long[4]){ 1, 2, 2, 2 }, (long long[4]){ 1, 2, 1, 1 },
                (float[]){ 4, -1 }, (long long[]){ 3, 4 }, (float[]){ 1, 2 },
                (float[]){ 0, 0, 0, 1,  2, 0, 0, 0 }, "two channels");
}

Test(layers, pool_defaults_are_pytorchs)
{
    conv2d_pool_params p = conv2d_default_pool_params(3);
    cr_expect(eq(llong, p.kernel_h, 3));
    cr_expect(eq(llong, p.kernel_w, 3));
    cr_expect(eq(llong, p.stride_h, 3));
    cr_expect(eq(llong, p.stride_w, 3));
    cr_expect(eq(llong, p.pad_h + p.pad_w, 0));
    cr_expect(eq(llong, p.dilation_h, 1));
    cr_expect(eq(llong, p.dilation_w, 1));
    cr_expect(eq(int, p.ceil_mode, 0));
}

Test(layers, pool_an_empty_batch)
{
    conv2d_pool_params p = conv2d_default_pool_params(2);
    long long ys[4];
    cr_expect(eq(int, conv2d_max_pool_shape(&p, (long long[4]){ 0, 3, 4, 4 }, ys, NULL),
                 CONV2D_OK));
    cr_expect(eq(llong, ys[0], 0));
    cr_expect(eq(int, conv2d_max_pool(&p, NULL, (long long[4]){ 0, 3, 4, 4 }, NULL, NULL,
                                      NULL), CONV2D_OK));
    cr_expect(eq(int, conv2d_max_pool_backward(&p, NULL, (long long[4]){ 0, 3, 4, 4 }, NULL,
                                               NULL, NULL), CONV2D_OK));
}
Test(layers, pool_output_lengths_are_pytorchs)
{
    char line[256];
    int checked = 0;
    FILE *table = fopen("tests/fixtures/maxpool/sizes.txt", "r");
    cr_assert(table != NULL, "tests/fixtures/maxpool/sizes.txt: cannot open it");
    while (fgets(line, sizeof line, table) != NULL) {
        long long i, k, s, pad, d, o, ys[4];
        int ceil_mode;
        conv2d_pool_params p = conv2d_default_pool_params(1);
        conv2d_status status;
        if (line[0] == '#')
            continue;
        cr_assert(eq(int, sscanf(line, "%lld %lld %lld %lld %lld %d %lld", &i, &k, &s, &pad,
                                 &d, &ceil_mode, &o), 7), "a malformed line: %s", line);
        p.kernel_w = k; p.stride_w = s; p.pad_w = pad; p.dilation_w = d;
        p.ceil_mode = ceil_mode;
        status = conv2d_max_pool_shape(&p, (long long[4]){ 1, 1, 1, i }, ys, NULL);
        if (o == 0)
            cr_assert(status == CONV2D_ERR_PADDING || status == CONV2D_ERR_KERNEL_TOO_LARGE,
                      "PyTorch refuses %s", line);
        else {
            cr_assert(eq(int, status, CONV2D_OK), "PyTorch accepts %s", line);
            cr_assert(eq(llong, ys[3], o), "%s", line);
        }
        checked++;
    }
    fclose(table);
    cr_assert(ge(int, checked, 4000), "only %d lengths were checked", checked);
}
typedef struct {
    conv2d_pool_params params;
    long long xs[4], ys[4], in, out;
} pool_layer;

static long long pick(unsigned *state, long long lo, long long hi)
{
    *state = *state * 1664525u + 1013904223u;
    return lo + (long long)((*state >> 8) % (unsigned)(hi - lo + 1));
}

static int reads_only_padding(const pool_layer *l)
{
    float *x = calloc((size_t)l->in, sizeof(float)), *y = malloc(sizeof(float) * (size_t)l->out);
    long long *argmax = malloc(sizeof(long long) * (size_t)l->out);
    int found = 0;
    cr_assert(x && y && argmax);
    cr_assert(eq(int, conv2d_max_pool(&l->params, x, l->xs, y, argmax, NULL), CONV2D_OK));
    for (long long i = 0; i < l->out; i++)
        found |= argmax[i] < 0;
    free(x); free(y); free(argmax);
    return found;
}

static pool_layer make_pool_layer(unsigned *state)
{
    for (;;) {
        pool_layer l;
        conv2d_pool_params *p = &l.params;
        *p = conv2d_default_pool_params(pick(state, 1, 3));
        p->kernel_w = pick(state, 1, 3);
        p->stride_h = pick(state, 1, 3); p->stride_w = pick(state, 1, 3);
        p->dilation_h = pick(state, 1, 2); p->dilation_w = pick(state, 1, 2);
        p->pad_h = pick(state, 0, p->kernel_h / 2); p->pad_w = pick(state, 0, p->kernel_w / 2);
        p->ceil_mode = (int)pick(state, 0, 1);
        l.xs[0] = pick(state, 1, 2); l.xs[1] = pick(state, 1, 2);
        l.xs[2] = pick(state, 1, 7); l.xs[3] = pick(state, 1, 7);
        if (conv2d_max_pool_shape(p, l.xs, l.ys, NULL) != CONV2D_OK)
            continue;
        l.in = l.xs[0] * l.xs[1] * l.xs[2] * l.xs[3];
        l.out = l.ys[0] * l.ys[1] * l.ys[2] * l.ys[3];
        if (!reads_only_padding(&l))
            return l;
    }
}

static double pool_loss(const conv2d_pool_params *p, const float *x, const long long xs[4],
                        const float *dy, long long out)
{
    float *y = malloc(sizeof(float) * (size_t)out);
    double sum = 0.0;
    cr_assert(y != NULL);
    cr_assert(eq(int, conv2d_max_pool(p, x, xs, y, NULL, NULL), CONV2D_OK));
    for (long long i = 0; i < out; i++)
        sum += (double)dy[i] * y[i];
    free(y);
    return sum;
}

Test(layers, pool_gradient_matches_finite_differences)
{
    unsigned state = 17;
    for (int trial = 0; trial < 200; trial++) {
        pool_layer l = make_pool_layer(&state);
        float *x = malloc(sizeof(float) * (size_t)l.in);
        float *dx = malloc(sizeof(float) * (size_t)l.in);
        float *dy = malloc(sizeof(float) * (size_t)l.out);
        const float h = 1.0f / 32;
        cr_assert(x && dx && dy);
        for (long long i = 0; i < l.in; i++)
            x[i] = (float)(i - l.in / 2) / 8;
        for (long long i = l.in - 1; i > 0; i--) {
            long long j = pick(&state, 0, i);
            float t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        for (long long i = 0; i < l.out; i++)
            dy[i] = (float)pick(&state, -8, 8) / 8;
        cr_assert(eq(int, conv2d_max_pool_backward(&l.params, x, l.xs, dy, dx, NULL),
                     CONV2D_OK));
        for (long long i = 0; i < l.in; i++) {
            float saved = x[i];
            double up, down;
            x[i] = saved + h;
            up = pool_loss(&l.params, x, l.xs, dy, l.out);
            x[i] = saved - h;
            down = pool_loss(&l.params, x, l.xs, dy, l.out);
            x[i] = saved;
            cr_assert(eq(dbl, (up - down) / (2 * h), dx[i]), "trial %d: dx[%lld] is %g",
                      trial, i, dx[i]);
        }
        free(x); free(dx); free(dy);
    }
}
static void check_pool_case(const char *name, const conv2d_pool_params *p)
{
    char dir[256];
    npy_array x = { 0 }, dy = { 0 };
    npy_array_f64 y_ref = { 0 }, index = { 0 }, dx_ref = { 0 }, bound = { 0 };
    long long ys[4];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(dir, sizeof dir, "tests/fixtures/maxpool/%s", name);
    load_f32(dir, "input.npy", &x);
    load_f32(dir, "grad_output.npy", &dy);
    load_f64(dir, "output.npy", &y_ref);
    load_f64(dir, "indices.npy", &index);
    load_f64(dir, "grad_input.npy", &dx_ref);
    load_f64(dir, "grad_input_abs.npy", &bound);
    cr_assert(eq(int, conv2d_max_pool_shape(p, x.shape, ys, &err), CONV2D_OK), "%s: %s",
              name, err.message);
    for (int i = 0; i < 4; i++)
        cr_assert(eq(llong, ys[i], y_ref.shape[i]), "%s: dimension %d", name, i);
    {
        float *y = malloc(sizeof(float) * (size_t)(y_ref.count + 1));
        long long *argmax = malloc(sizeof(long long) * (size_t)(y_ref.count + 1));
        long long plane_out = ys[2] * ys[3], plane_in = x.shape[2] * x.shape[3];
        cr_assert(y != NULL && argmax != NULL);
        cr_assert(eq(int, conv2d_max_pool(p, x.data, x.shape, y, argmax, &err), CONV2D_OK),
                  "%s: %s", name, err.message);
        for (long long i = 0; i < y_ref.count; i++) {
            cr_assert(identical(y[i], y_ref.data[i]), "%s: y[%lld] is %g, PyTorch says %g",
                      name, i, y[i], y_ref.data[i]);
            cr_assert(eq(llong, argmax[i], (i / plane_out) * plane_in + (long long)index.data[i]),
                      "%s: argmax[%lld]", name, i);
        }
        free(y); free(argmax);
    }
    {
        float *dx = malloc(sizeof(float) * (size_t)(x.count + 1));
        long long m = (p->dilation_h * (p->kernel_h - 1) / p->stride_h + 1)
                      * (p->dilation_w * (p->kernel_w - 1) / p->stride_w + 1);
        cr_assert(dx != NULL);
        cr_assert(eq(int, conv2d_max_pool_backward(p, x.data, x.shape, dy.data, dx, &err),
                     CONV2D_OK), "%s: %s", name, err.message);
        for (long long i = 0; i < x.count; i++)
            cr_assert(le(dbl, fabs(dx[i] - dx_ref.data[i]), (double)(m - 1) * 0x1p-23 * bound.data[i]),
                      "%s: dx[%lld] is %.9g, PyTorch says %.17g", name, i, dx[i], dx_ref.data[i]);
        free(dx);
    }
    npy_free(&x); npy_free(&dy);
    npy_free_f64(&y_ref); npy_free_f64(&index); npy_free_f64(&dx_ref); npy_free_f64(&bound);
}
Test(layers, max_pool_matches_pytorch)
{
    char line[512], name[64];
    int checked = 0;
    FILE *cases = fopen("tests/fixtures/maxpool/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/maxpool/cases.txt: cannot open it");
    while (fgets(line, sizeof line, cases) != NULL) {
        conv2d_pool_params p;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        cr_assert(eq(int, sscanf(line, "%63s %lld %lld %lld %lld %lld %lld %lld %lld %d", name,
                                 &p.kernel_h, &p.kernel_w, &p.stride_h, &p.stride_w,
                                 &p.pad_h, &p.pad_w, &p.dilation_h, &p.dilation_w,
                                 &p.ceil_mode), 10), "a malformed line: %s", line);
        check_pool_case(name, &p);
        checked++;
    }
    fclose(cases);
    cr_assert(ge(int, checked, 25), "only %d fixtures were checked", checked);
}
static void expect_pool_error(conv2d_pool_params p, const long long xs[4],
                              conv2d_status code, const char *words)
{
    static float x[64], y[64], dy[64], dx[64];
    long long argmax[64], shape[4] = { -9, -9, -9, -9 };
    conv2d_error err = { CONV2D_OK, "" };
    for (int i = 0; i < 64; i++) {
        y[i] = dx[i] = 7;
        argmax[i] = 7;
    }
    cr_assert(eq(int, conv2d_max_pool_shape(&p, xs, shape, &err), code), "%s (message: %s)",
              words, err.message);
    cr_expect(strstr(err.message, words) != NULL, "message \"%s\" should contain \"%s\"",
              err.message, words);
    cr_expect(eq(llong, shape[0], -9), "a failed call wrote the shape");
    cr_assert(eq(int, conv2d_max_pool(&p, x, xs, y, argmax, NULL), code), "%s", words);
    cr_assert(eq(int, conv2d_max_pool_backward(&p, x, xs, dy, dx, NULL), code), "%s", words);
    for (int i = 0; i < 64; i++)
        cr_assert(y[i] == 7 && dx[i] == 7 && argmax[i] == 7, "a failed call wrote an array");
}

Test(layers, invalid_pooling_layers_are_refused)
{
    const long long xs[4] = { 1, 2, 4, 4 };
    conv2d_pool_params p = conv2d_default_pool_params(2);
    p.kernel_h = 0;
    expect_pool_error(p, xs, CONV2D_ERR_KERNEL_SIZE, "height: kernel size must be >= 1, got 0");
    p = conv2d_default_pool_params(2);
    p.kernel_w = -1;
    expect_pool_error(p, xs, CONV2D_ERR_KERNEL_SIZE, "width: kernel size must be >= 1, got -1");
    p = conv2d_default_pool_params(2);
    p.stride_w = 0;
    expect_pool_error(p, xs, CONV2D_ERR_STRIDE, "width: stride must be >= 1, got 0");
    p = conv2d_default_pool_params(2);
    p.dilation_h = 0;
    expect_pool_error(p, xs, CONV2D_ERR_DILATION, "height: dilation must be >= 1, got 0");
    p = conv2d_default_pool_params(2);
    p.pad_w = -1;
    expect_pool_error(p, xs, CONV2D_ERR_PADDING,
                      "width: padding must be >= 0, got -1 before and -1 after");
    p = conv2d_default_pool_params(3);
    p.pad_h = 2;
    expect_pool_error(p, xs, CONV2D_ERR_PADDING,
                      "height: padding 2 is more than half the kernel size 3 (at most 1)");
    p = conv2d_default_pool_params(1);
    p.pad_w = 1;
    expect_pool_error(p, xs, CONV2D_ERR_PADDING,
                      "width: padding 1 is more than half the kernel size 1 (at most 0)");
    p = conv2d_default_pool_params(5);
    expect_pool_error(p, xs, CONV2D_ERR_KERNEL_TOO_LARGE,
                      "height: kernel (size 5, dilation 1, extent 5) is larger than the "
                      "padded input (4)");
    p = conv2d_default_pool_params(2);
    p.dilation_h = 3;
    p.stride_h = 1;
    p.ceil_mode = 1;
    expect_pool_error(p, (long long[4]){ 1, 1, 2, 4 }, CONV2D_ERR_KERNEL_TOO_LARGE,
                      "height: kernel (size 2, dilation 3, extent 4) is larger than the padded "
                      "input (2) plus the stride minus 1 (0), even in ceil mode");
    p.stride_h = 3;
    cr_expect(eq(int, conv2d_max_pool_shape(&p, (long long[4]){ 1, 1, 2, 4 },
                                            (long long[4]){ 0 }, NULL), CONV2D_OK));
    p = conv2d_default_pool_params(2);
    expect_pool_error(p, (long long[4]){ -1, 2, 4, 4 }, CONV2D_ERR_INPUT_SIZE,
                      "input batch size must be >= 0, got -1");
    expect_pool_error(p, (long long[4]){ 1, 0, 4, 4 }, CONV2D_ERR_CHANNELS,
                      "input channels must be >= 1, got 0");
    expect_pool_error(p, (long long[4]){ 1, 2, 4, 0 }, CONV2D_ERR_INPUT_SIZE,
                      "input height and width must be >= 1, got 4 and 0");
    expect_pool_error(p, (long long[4]){ 1LL << 62, 4, 4, 4 }, CONV2D_ERR_OVERFLOW,
                      "the input [4611686018427387904, 4, 4, 4] has too many elements");
    p.stride_h = p.stride_w = 1;
    p.pad_h = p.pad_w = 1;
    expect_pool_error(p, (long long[4]){ 1, 1, 3037000499LL, 3037000499LL }, CONV2D_ERR_OVERFLOW,
                      "the output [1, 1, 3037000500, 3037000500] has too many elements");
    {
        float x[3] = { 1, 2, 3 }, y[1];
        long long ys[4], argmax[1];
        p = conv2d_default_pool_params(1);
        p.stride_w = 1LL << 62;
        p.ceil_mode = 1;
        cr_assert(eq(int, conv2d_max_pool_shape(&p, (long long[4]){ 1, 1, 1, (1LL << 62) + 2 },
                                                ys, NULL), CONV2D_OK));
        cr_expect(eq(llong, ys[3], 2), "the third window would start at 2^63");
        p.kernel_w = 2;
        p.stride_w = LLONG_MAX;
        p.dilation_w = LLONG_MAX / 2;
        cr_assert(eq(int, conv2d_max_pool(&p, x, (long long[4]){ 1, 1, 1, 3 }, y, argmax, NULL),
                     CONV2D_OK));
        cr_expect(y[0] == 1 && argmax[0] == 0, "one window, its second tap far past the input");
    }
    {
        conv2d_error err = { CONV2D_OK, "" };
        float x[16] = { 0 }, y[4], dx[16];
        long long ys[4];
        p = conv2d_default_pool_params(2);
        cr_expect(eq(int, conv2d_max_pool_shape(NULL, xs, ys, &err), CONV2D_ERR_NULL));
        cr_expect(eq(int, conv2d_max_pool_shape(&p, NULL, ys, &err), CONV2D_ERR_NULL));
        cr_expect(eq(int, conv2d_max_pool_shape(&p, xs, NULL, &err), CONV2D_ERR_NULL));
        cr_expect(eq(int, conv2d_max_pool(&p, NULL, (long long[4]){ 1, 1, 4, 4 }, y, NULL, &err),
                     CONV2D_ERR_NULL));
        cr_expect(eq(int, conv2d_max_pool(&p, x, (long long[4]){ 1, 1, 4, 4 }, NULL, NULL, &err),
                     CONV2D_ERR_NULL));
        cr_expect(eq(int, conv2d_max_pool_backward(&p, x, (long long[4]){ 1, 1, 4, 4 }, NULL, dx,
                                                   &err), CONV2D_ERR_NULL));
        cr_expect(eq(int, conv2d_max_pool_backward(&p, x, (long long[4]){ 1, 1, 4, 4 }, y, NULL,
                                                   &err), CONV2D_ERR_NULL));
        cr_expect(strstr(err.message, "must not be NULL") != NULL, "%s", err.message);
    }
}
