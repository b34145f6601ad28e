/* tests/forward.c: the tests of chapter 2.  Tangled from the book. */
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

static void expect_forward(const conv2d_params *params,
                           const float *x, const long long x_shape[4],
                           const float *w, const long long w_shape[4],
                           const float *b, const float *expected,
                           const long long expected_shape[4], const char *what)
{
    long long shape[4], count = 1;
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, conv2d_forward_shape(params, x_shape, w_shape, shape, &err),
                 CONV2D_OK), "%s: %s", what, err.message);
    for (int i = 0; i < 4; i++) {
        cr_assert(eq(llong, shape[i], expected_shape[i]), "%s: dimension %d", what, i);
        count *= shape[i];
    }
    float *y = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1));
    cr_assert(y != NULL);
    cr_assert(eq(int, conv2d_forward(params, x, x_shape, w, w_shape, b,
                                     b != NULL ? w_shape[0] : 0, y, &err), CONV2D_OK),
              "%s: %s", what, err.message);
    for (long long i = 0; i < count; i++)
        cr_expect(eq(flt, y[i], expected[i]), "%s: element %lld", what, i);
    free(y);
}
static const float nine[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

Test(forward, sliding_dot_product)
{
    conv2d_params p = conv2d_default_params();
    const float w[4] = { 1, 2, 3, 4 }, flipped[4] = { 4, 3, 2, 1 };
    const float y[4] = { 37, 47, 67, 77 };
    float plain[4], y_flipped[4];
    expect_forward(&p, nine, (long long[4]){ 1, 1, 3, 3 }, w, (long long[4]){ 1, 1, 2, 2 },
                   NULL, y, (long long[4]){ 1, 1, 2, 2 }, "section 2.1");
    conv2d_plain(nine, 3, 3, w, 2, 2, plain);
    for (int i = 0; i < 4; i++)
        cr_expect(eq(flt, plain[i], y[i]), "conv2d_plain, element %d", i);
    conv2d_plain(nine, 3, 3, flipped, 2, 2, y_flipped);
    cr_expect(eq(flt, y_flipped[0], 23), "the flipped kernel gives 23");
}

Test(forward, channels_filters_and_bias)
{
    conv2d_params p = conv2d_default_params();
    const float x[18] = { 1, 2, 0, 0, 1, 2, 2, 0, 1,   1, 1, 1, 1, 1, 1, 1, 1, 1 };
    const float w[16] = { 1, 0, 0, 1,  1, 1, 1, 1,     0, 1, 0, 0,  0, 0, 0, -1 };
    const float b[2] = { 10, -1 };
    const float y[8] = { 16, 18, 14, 16,   0, -2, -1, 0 };
    expect_forward(&p, x, (long long[4]){ 1, 2, 3, 3 }, w, (long long[4]){ 2, 2, 2, 2 },
                   b, y, (long long[4]){ 1, 2, 2, 2 }, "section 2.2");
}

Test(forward, stride_and_padding)
{
    conv2d_params p = conv2d_default_params();
    const float ones[4] = { 1, 1, 1, 1 }, y[4] = { 1, 5, 11, 28 };
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
    expect_forward(&p, nine, (long long[4]){ 1, 1, 3, 3 }, ones, (long long[4]){ 1, 1, 2, 2 },
                   NULL, y, (long long[4]){ 1, 1, 2, 2 }, "section 2.3");
}

Test(forward, dilation)
{
    conv2d_params p = conv2d_default_params();
    const float w[4] = { 1, 2, 3, 4 }, y[1] = { 64 };
    p.dilation_h = p.dilation_w = 2;
    expect_forward(&p, nine, (long long[4]){ 1, 1, 3, 3 }, w, (long long[4]){ 1, 1, 2, 2 },
                   NULL, y, (long long[4]){ 1, 1, 1, 1 }, "section 2.5");
}

Test(forward, depthwise_with_a_multiplier)
{
    conv2d_params p = conv2d_default_params();
    const float x[18] = { 1, 2, 0, 0, 1, 2, 2, 0, 1,   1, 1, 1, 1, 1, 1, 1, 1, 1 };
    const float w[4] = { 2, -1, 3, 0.5f };
    float y[36];
    for (int i = 0; i < 9; i++) {
        y[i] = 2 * x[i];
        y[9 + i] = -x[i];
        y[18 + i] = 3;
        y[27 + i] = 0.5f;
    }
    p.groups = 2;
    expect_forward(&p, x, (long long[4]){ 1, 2, 3, 3 }, w, (long long[4]){ 4, 1, 1, 1 },
                   NULL, y, (long long[4]){ 1, 4, 3, 3 }, "section 2.6");
}

Test(forward, an_empty_batch_gives_an_empty_output)
{
    conv2d_params p = conv2d_default_params();
    const float w[4] = { 1, 2, 3, 4 };
    expect_forward(&p, NULL, (long long[4]){ 0, 1, 3, 3 }, w, (long long[4]){ 1, 1, 2, 2 },
                   NULL, NULL, (long long[4]){ 0, 1, 2, 2 }, "N = 0");
}
Test(forward, padding_maps)
{
    static const struct { conv2d_padding_mode mode; float row[7]; } table[] = {
        { CONV2D_PADDING_ZEROS,     { 0, 0, 1, 2, 3, 0, 0 } },
        { CONV2D_PADDING_REFLECT,   { 3, 2, 1, 2, 3, 2, 1 } },
        { CONV2D_PADDING_REPLICATE, { 1, 1, 1, 2, 3, 3, 3 } },
        { CONV2D_PADDING_CIRCULAR,  { 2, 3, 1, 2, 3, 1, 2 } },
    };
    const float row[3] = { 1, 2, 3 };
    for (size_t t = 0; t < sizeof table / sizeof table[0]; t++)
        for (long long p = -2; p <= 4; p++) {
            long long i = conv2d_source_index(p, 3, table[t].mode);
            cr_expect(eq(flt, i < 0 ? 0.0f : row[i], table[t].row[p + 2]),
                      "mode %d, coordinate %lld", (int)table[t].mode, p);
        }
}
static float next_uniform(unsigned *state)  /* uniform in [-1, 1) */
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) * 0x1p-23) - 1.0f;
}

Test(forward, the_general_loops_reduce_to_the_plain_one)
{
    unsigned state = 1;
    conv2d_params p = conv2d_default_params();
    for (long long in_h = 1; in_h <= 6; in_h++)
     for (long long in_w = 1; in_w <= 6; in_w++)
      for (long long kh = 1; kh <= in_h; kh++)
       for (long long kw = 1; kw <= in_w; kw++) {
            float x[36], w[36], y[36], plain[36];
            for (int i = 0; i < 36; i++) {
                x[i] = next_uniform(&state);
                w[i] = next_uniform(&state);
            }
            cr_assert(eq(int, conv2d_forward(&p, x, (long long[4]){ 1, 1, in_h, in_w }, w,
                                             (long long[4]){ 1, 1, kh, kw }, NULL, 0, y, NULL),
                         CONV2D_OK));
            conv2d_plain(x, in_h, in_w, w, kh, kw, plain);
            for (long long i = 0; i < (in_h - kh + 1) * (in_w - kw + 1); i++)
                cr_assert(eq(flt, y[i], plain[i]), "%lldx%lld, kernel %lldx%lld",
                          in_h, in_w, kh, kw);
        }
}
Test(forward, float_is_double_rounded_once)
{
    enum { N = 2, C_IN = 4, H = 7, W = 6, C_OUT = 6, KH = 3, KW = 2, G = 2 };
    static float x[N * C_IN * H * W], w[C_OUT * (C_IN / G) * KH * KW], b[C_OUT];
    static double x64[N * C_IN * H * W], w64[C_OUT * (C_IN / G) * KH * KW], b64[C_OUT];
    static float y[N * C_OUT * H * W], again[N * C_OUT * H * W];
    static double y64[N * C_OUT * H * W];
    const long long x_shape[4] = { N, C_IN, H, W }, w_shape[4] = { C_OUT, C_IN / G, KH, KW };
    long long y_shape[4];
    unsigned state = 7;
    conv2d_params p = conv2d_default_params();
    p.stride_h = 2; p.dilation_w = 2; p.groups = G;
    p.pad_top = 2; p.pad_bottom = 1; p.pad_left = 1; p.pad_right = 2;
    p.padding_mode = CONV2D_PADDING_REFLECT;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) x64[i] = x[i] = next_uniform(&state);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) w64[i] = w[i] = next_uniform(&state);
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) b64[i] = b[i] = next_uniform(&state);
    cr_assert(eq(int, conv2d_forward_shape(&p, x_shape, w_shape, y_shape, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward(&p, x, x_shape, w, w_shape, b, C_OUT, y, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward(&p, x, x_shape, w, w_shape, b, C_OUT, again, NULL),
                 CONV2D_OK));
    cr_assert(eq(int, conv2d_forward_f64(&p, x64, x_shape, w64, w_shape, b64, C_OUT, y64, NULL),
                 CONV2D_OK));
    for (long long i = 0; i < y_shape[0] * y_shape[1] * y_shape[2] * y_shape[3]; i++) {
        cr_assert(eq(flt, y[i], (float)y64[i]), "element %lld", i);
        cr_assert(eq(flt, y[i], again[i]), "element %lld differs between two calls", i);
    }
}
static void load(const char *dir, const char *file, npy_array *a)
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

static void check_forward_case(const fixture_case *c)
{
    char dir[256];
    npy_array x = { 0 }, w = { 0 }, b = { 0 };
    npy_array_f64 reference = { 0 }, bound = { 0 };
    long long y_shape[4], terms;
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(dir, sizeof dir, "tests/fixtures/forward/%s", c->name);
    load(dir, "input.npy", &x);
    load(dir, "weight.npy", &w);
    if (c->has_bias)
        load(dir, "bias.npy", &b);
    load_f64(dir, "output.npy", &reference);
    load_f64(dir, "abs.npy", &bound);
    cr_assert(eq(int, x.ndim, 4), "%s", c->name);
    cr_assert(eq(int, w.ndim, 4), "%s", c->name);
    cr_assert(eq(int, conv2d_forward_shape(&c->params, x.shape, w.shape, y_shape, &err),
                 CONV2D_OK), "%s: %s", c->name, err.message);
    for (int i = 0; i < 4; i++)
        cr_assert(eq(llong, y_shape[i], reference.shape[i]), "%s: dimension %d", c->name, i);
    float *y = malloc(sizeof(float) * (size_t)(reference.count + 1));
    cr_assert(y != NULL);
    cr_assert(eq(int, conv2d_forward(&c->params, x.data, x.shape, w.data, w.shape,
                                     c->has_bias ? b.data : NULL, b.count, y, &err),
                 CONV2D_OK), "%s: %s", c->name, err.message);
    terms = w.shape[1] * w.shape[2] * w.shape[3] + c->has_bias;
    for (long long i = 0; i < reference.count; i++) {
        double tolerance = conv2d_tolerance(reference.data[i], bound.data[i], terms);
        cr_assert(le(dbl, fabs(y[i] - reference.data[i]), tolerance),
                  "%s: element %lld is %.9g, PyTorch says %.17g", c->name, i, y[i],
                  reference.data[i]);
    }
    free(y);
    npy_free(&x); npy_free(&w); npy_free(&b);
    npy_free_f64(&reference); npy_free_f64(&bound);
}

Test(forward, matches_pytorch_on_every_fixture)
{
    char line[512];
    int checked = 0;
    FILE *cases = fopen("tests/fixtures/forward/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/forward/cases.txt: cannot open it "
              "(the tests run from the top of the repository)");
    while (fgets(line, sizeof line, cases) != NULL) {
        fixture_case c;
        int kind = fixture_read_case(line, &c);
        cr_assert(kind >= 0, "a malformed line in cases.txt: %s", line);
        if (kind == 1) {
            check_forward_case(&c);
            checked++;
        }
    }
    fclose(cases);
    cr_assert(ge(int, checked, 30), "only %d fixtures were checked", checked);
}
static void expect_forward_error(const conv2d_params *params, const long long x_shape[4],
                                 const long long w_shape[4], long long bias_length,
                                 conv2d_status code, const char *words)
{
    static float x[256], w[256], b[16], y[256];
    conv2d_error err = { CONV2D_OK, "" };
    long long shape[4] = { -9, -9, -9, -9 };
    for (int i = 0; i < 256; i++)
        y[i] = 12345.0f;
    cr_assert(eq(int, conv2d_forward(params, x, x_shape, w, w_shape,
                                     bias_length >= 0 ? b : NULL, bias_length, y, &err),
                 code), "%s (message: %s)", words, err.message);
    cr_expect(strstr(err.message, words) != NULL, "message \"%s\" should contain \"%s\"",
              err.message, words);
    for (int i = 0; i < 256; i++)
        cr_assert(eq(flt, y[i], 12345.0f), "a failed call wrote the output");
    if (bias_length < 0) {
        cr_expect(eq(int, conv2d_forward_shape(params, x_shape, w_shape, shape, NULL), code));
        cr_expect(eq(llong, shape[0], -9), "a failed call wrote the output shape");
    }
}

Test(forward, invalid_arguments_are_refused)
{
    conv2d_params p = conv2d_default_params();
    const long long x_ok[4] = { 1, 4, 5, 5 }, w_ok[4] = { 2, 4, 3, 3 };
    expect_forward_error(&p, (long long[4]){ -1, 4, 5, 5 }, w_ok, -1, CONV2D_ERR_INPUT_SIZE,
                         "input batch size must be >= 0, got -1");
    expect_forward_error(&p, (long long[4]){ 1, 0, 5, 5 }, w_ok, -1, CONV2D_ERR_CHANNELS,
                         "input channels must be >= 1, got 0");
    expect_forward_error(&p, x_ok, (long long[4]){ 0, 4, 3, 3 }, -1, CONV2D_ERR_CHANNELS,
                         "weight output channels must be >= 1, got 0");
    expect_forward_error(&p, x_ok, (long long[4]){ 2, 3, 3, 3 }, -1, CONV2D_ERR_CHANNELS,
                         "given groups=1, weight of size [2, 3, 3, 3] expects "
                         "input[1, 4, 5, 5] to have 3 * 1 channels, but it has 4");
    expect_forward_error(&p, x_ok, (long long[4]){ 2, 4, 6, 3 }, -1,
                         CONV2D_ERR_KERNEL_TOO_LARGE, "height: kernel (size 6");
    expect_forward_error(&p, x_ok, (long long[4]){ 2, 4, 3, 0 }, -1,
                         CONV2D_ERR_KERNEL_SIZE, "width: kernel size must be >= 1, got 0");
    expect_forward_error(&p, x_ok, w_ok, 3, CONV2D_ERR_BIAS,
                         "bias has 3 values but the weight has 2 output channels");
    p.groups = 0;
    expect_forward_error(&p, x_ok, w_ok, -1, CONV2D_ERR_GROUPS, "groups must be >= 1, got 0");
    p.groups = 3;
    expect_forward_error(&p, x_ok, w_ok, -1, CONV2D_ERR_GROUPS,
                         "input channels (4) must be divisible by groups (3)");
    p.groups = 2;
    expect_forward_error(&p, x_ok, (long long[4]){ 3, 2, 3, 3 }, -1, CONV2D_ERR_GROUPS,
                         "output channels (3) must be divisible by groups (2)");
    p = conv2d_default_params();
    p.padding_mode = CONV2D_PADDING_REFLECT;
    p.pad_top = 5;
    expect_forward_error(&p, x_ok, w_ok, -1, CONV2D_ERR_PADDING_MODE,
                         "height: reflect padding (5, 0) must be smaller than the input size (5)");
    p.padding_mode = CONV2D_PADDING_CIRCULAR;
    p.pad_top = 0;
    p.pad_right = 6;
    expect_forward_error(&p, x_ok, w_ok, -1, CONV2D_ERR_PADDING_MODE,
                         "width: circular padding (0, 6) must not exceed the input size (5)");
    p.padding_mode = CONV2D_PADDING_REPLICATE;
    p.pad_right = 3;
    expect_forward_error(&p, (long long[4]){ 1, 4, 5, 0 }, w_ok, -1, CONV2D_ERR_INPUT_SIZE,
                         "input width must be >= 1, got 0");
    p.padding_mode = (conv2d_padding_mode)9;
    expect_forward_error(&p, x_ok, w_ok, -1, CONV2D_ERR_PADDING_MODE, "unknown padding mode 9");
    p = conv2d_default_params();
    expect_forward_error(&p, (long long[4]){ 1LL << 62, 4, 5, 5 }, w_ok, -1,
                         CONV2D_ERR_OVERFLOW, "the input [4611686018427387904, 4, 5, 5] "
                         "has too many elements");
    expect_forward_error(NULL, x_ok, w_ok, -1, CONV2D_ERR_NULL, "must not be NULL");
}

Test(forward, padding_at_the_limits_is_accepted)
{
    conv2d_params p = conv2d_default_params();
    float x[25] = { 0 }, w[9] = { 0 }, y[13 * 13];
    p.padding_mode = CONV2D_PADDING_CIRCULAR;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 5;
    cr_expect(eq(int, conv2d_forward(&p, x, (long long[4]){ 1, 1, 5, 5 }, w,
                                     (long long[4]){ 1, 1, 3, 3 }, NULL, 0, y, NULL), CONV2D_OK));
    p.padding_mode = CONV2D_PADDING_REFLECT;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 4;
    cr_expect(eq(int, conv2d_forward(&p, x, (long long[4]){ 1, 1, 5, 5 }, w,
                                     (long long[4]){ 1, 1, 3, 3 }, NULL, 0, y, NULL), CONV2D_OK));
}

Test(forward, null_arrays_are_refused)
{
    conv2d_params p = conv2d_default_params();
    float x[25] = { 0 }, w[9] = { 0 }, y[9];
    conv2d_error err = { CONV2D_OK, "" };
    cr_expect(eq(int, conv2d_forward(&p, NULL, (long long[4]){ 1, 1, 5, 5 }, w,
                                     (long long[4]){ 1, 1, 3, 3 }, NULL, 0, y, &err),
                 CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_forward(&p, x, (long long[4]){ 1, 1, 5, 5 }, NULL,
                                     (long long[4]){ 1, 1, 3, 3 }, NULL, 0, y, &err),
                 CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_forward(&p, x, (long long[4]){ 1, 1, 5, 5 }, w,
                                     (long long[4]){ 1, 1, 3, 3 }, NULL, 0, NULL, &err),
                 CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_forward_shape(&p, (long long[4]){ 1, 1, 5, 5 },
                                           (long long[4]){ 1, 1, 3, 3 }, NULL, &err),
                 CONV2D_ERR_NULL));
}
