/* tests/shape.c: the tests of chapter 1.  Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <limits.h>
#include <string.h>
#include "conv2d.h"

static long long length_of(long long i, long long k, long long s, long long d,
                           long long pad_begin, long long pad_end)
{
    conv_axis axis = { i, k, s, d, pad_begin, pad_end };
    long long output = -1;
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_status status = conv_output_length(&axis, &output, &err);
    cr_assert(eq(int, status, CONV2D_OK), "i=%lld k=%lld s=%lld d=%lld p=%lld,%lld: %s",
              i, k, s, d, pad_begin, pad_end, err.message);
    return output;
}
Test(shape, worked_examples)
{
    static const struct {
        const char *name;
        long long i, k, s, d, pad_begin, pad_end, o;
    } examples[] = {
        { "first example",           5, 3, 1, 1, 0, 0, 3 },
        { "valid, 224 samples",    224, 3, 1, 1, 0, 0, 222 },
        { "valid, dilated",          7, 3, 1, 2, 0, 0, 3 },
        { "padding 1",               5, 3, 1, 1, 1, 1, 5 },
        { "same, even kernel",       6, 4, 1, 1, 1, 2, 6 },
        { "full",                    5, 3, 1, 1, 2, 2, 7 },
        { "full, dilated",           5, 3, 1, 2, 4, 4, 9 },
        { "stride 2, no remainder",  7, 3, 2, 1, 0, 0, 3 },
        { "stride 2, remainder 1",   8, 3, 2, 1, 0, 0, 3 },
        { "everything at once",     11, 3, 3, 2, 1, 1, 3 },
        { "kernel fills the input",  4, 4, 1, 1, 0, 0, 1 },
        { "1 tap, padding 1",        1, 1, 1, 1, 1, 1, 3 },
    };
    for (size_t n = 0; n < sizeof examples / sizeof examples[0]; n++)
        cr_expect(eq(llong, length_of(examples[n].i, examples[n].k, examples[n].s,
                                      examples[n].d, examples[n].pad_begin,
                                      examples[n].pad_end),
                     examples[n].o), "%s", examples[n].name);
}
Test(shape, same_padding_splits_like_pytorch)
{
    static const long long cases[][4] = {  /* k, d, begin, end */
        { 3, 1, 1, 1 }, { 4, 1, 1, 2 }, { 3, 2, 2, 2 }, { 2, 3, 1, 2 },
        { 1, 1, 0, 0 }, { 4, 2, 3, 3 }, { 4, 3, 4, 5 },
    };
    for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++) {
        long long begin = -1, end = -1;
        cr_assert(eq(int, conv_same_padding(cases[n][0], cases[n][1], &begin, &end, NULL),
                     CONV2D_OK));
        cr_expect(eq(llong, begin, cases[n][2]), "k=%lld d=%lld", cases[n][0], cases[n][1]);
        cr_expect(eq(llong, end, cases[n][3]), "k=%lld d=%lld", cases[n][0], cases[n][1]);
        for (long long i = 1; i <= 12; i++)
            cr_expect(eq(llong, length_of(i, cases[n][0], 1, cases[n][1], begin, end), i),
                      "'same' must keep the size: i=%lld k=%lld d=%lld",
                      i, cases[n][0], cases[n][1]);
    }
}
static long long count_windows(long long i, long long k, long long s, long long d,
                               long long pad_begin, long long pad_end)
{
    long long padded = pad_begin + i + pad_end, count = 0;
    for (long long start = 0; start + (k - 1) * d <= padded - 1; start += s)
        count++;
    return count;
}

Test(shape, formula_equals_a_count_of_windows)
{
    for (long long i = 0; i <= 40; i++)
     for (long long k = 1; k <= 7; k++)
      for (long long s = 1; s <= 4; s++)
       for (long long d = 1; d <= 3; d++)
        for (long long pb = 0; pb <= 4; pb++)
         for (long long pe = 0; pe <= 4; pe++) {
            conv_axis axis = { i, k, s, d, pb, pe };
            long long output = -1, expected = count_windows(i, k, s, d, pb, pe);
            conv2d_status status = conv_output_length(&axis, &output, NULL);
            if (expected == 0)
                cr_assert(eq(int, status, CONV2D_ERR_KERNEL_TOO_LARGE),
                          "i=%lld k=%lld s=%lld d=%lld p=%lld,%lld", i, k, s, d, pb, pe);
            else
                cr_assert(eq(llong, output, expected),
                          "i=%lld k=%lld s=%lld d=%lld p=%lld,%lld", i, k, s, d, pb, pe);
        }
}
Test(shape, last_window_leaves_the_remainder_unread)
{
    for (long long i = 1; i <= 30; i++)
     for (long long k = 1; k <= 5; k++)
      for (long long s = 1; s <= 5; s++)
       for (long long d = 1; d <= 3; d++) {
            long long extent = d * (k - 1) + 1, last_read = -1;
            if (extent > i)
                continue;
            long long o = length_of(i, k, s, d, 0, 0);
            for (long long u = 0; u < k; u++)
                if ((o - 1) * s + u * d > last_read)
                    last_read = (o - 1) * s + u * d;
            cr_assert(eq(llong, i - 1 - last_read, (i - extent) % s),
                      "i=%lld k=%lld s=%lld d=%lld", i, k, s, d);
        }
}
Test(shape, two_dimensions)
{
    conv2d_params params = conv2d_default_params();
    conv2d_geometry g;
    params.stride_h = 2;
    cr_assert(eq(int, conv2d_output_size(&params, 5, 7, 3, 2, &g, NULL), CONV2D_OK));
    cr_expect(eq(llong, g.out_h, 2));
    cr_expect(eq(llong, g.out_w, 6));

    params = conv2d_default_params();
    params.padding_rule = CONV2D_PADDING_SAME;
    params.pad_top = -7;  /* ignored under a rule */
    cr_assert(eq(int, conv2d_output_size(&params, 9, 10, 4, 4, &g, NULL), CONV2D_OK));
    cr_expect(eq(llong, g.out_h, 9));
    cr_expect(eq(llong, g.out_w, 10));
    cr_expect(eq(llong, g.rows.pad_begin, 1));
    cr_expect(eq(llong, g.rows.pad_end, 2));
    cr_expect(eq(llong, g.cols.pad_begin, 1));
    cr_expect(eq(llong, g.cols.pad_end, 2));

    params.padding_rule = CONV2D_PADDING_VALID;
    cr_assert(eq(int, conv2d_output_size(&params, 9, 10, 4, 3, &g, NULL), CONV2D_OK));
    cr_expect(eq(llong, g.out_h, 6));
    cr_expect(eq(llong, g.out_w, 8));
}

Test(shape, defaults_are_pytorchs)
{
    conv2d_params p = conv2d_default_params();
    cr_expect(eq(llong, p.stride_h, 1));
    cr_expect(eq(llong, p.stride_w, 1));
    cr_expect(eq(llong, p.dilation_h, 1));
    cr_expect(eq(llong, p.dilation_w, 1));
    cr_expect(eq(int, p.padding_rule, CONV2D_PADDING_EXPLICIT));
    cr_expect(eq(llong, p.pad_top + p.pad_bottom + p.pad_left + p.pad_right, 0));
    cr_expect(eq(llong, p.groups, 1));
}
static void expect_axis_error(conv_axis axis, conv2d_status code, const char *words)
{
    conv2d_error err = { CONV2D_OK, "" };
    long long output = -12345;
    cr_assert(eq(int, conv_output_length(&axis, &output, &err), code), "%s", words);
    cr_expect(eq(int, err.status, code));
    cr_expect(strstr(err.message, words) != NULL,
              "message \"%s\" should contain \"%s\"", err.message, words);
    cr_expect(eq(llong, output, -12345), "a failed call must not write its output");
}

Test(shape, invalid_axes_are_refused)
{
    expect_axis_error((conv_axis){ -1, 3, 1, 1, 0, 0 }, CONV2D_ERR_INPUT_SIZE,
                      "input size must be >= 0, got -1");
    expect_axis_error((conv_axis){ 5, 0, 1, 1, 0, 0 }, CONV2D_ERR_KERNEL_SIZE,
                      "kernel size must be >= 1, got 0");
    expect_axis_error((conv_axis){ 5, 3, 0, 1, 0, 0 }, CONV2D_ERR_STRIDE,
                      "stride must be >= 1, got 0");
    expect_axis_error((conv_axis){ 5, 3, -2, 1, 0, 0 }, CONV2D_ERR_STRIDE,
                      "stride must be >= 1, got -2");
    expect_axis_error((conv_axis){ 5, 3, 1, 0, 0, 0 }, CONV2D_ERR_DILATION,
                      "dilation must be >= 1, got 0");
    expect_axis_error((conv_axis){ 5, 3, 1, 1, -1, 0 }, CONV2D_ERR_PADDING,
                      "padding must be >= 0, got -1 before and 0 after");
    expect_axis_error((conv_axis){ 2, 3, 1, 1, 0, 0 }, CONV2D_ERR_KERNEL_TOO_LARGE,
                      "kernel (size 3, dilation 1, extent 3) is larger than the padded input (2)");
    expect_axis_error((conv_axis){ 5, 3, 1, 3, 0, 0 }, CONV2D_ERR_KERNEL_TOO_LARGE,
                      "extent 7) is larger than the padded input (5)");
    expect_axis_error((conv_axis){ LLONG_MAX, 1, 1, 1, 0, 1 }, CONV2D_ERR_OVERFLOW,
                      "padded input size 0 + 9223372036854775807 + 1 is too large");
    expect_axis_error((conv_axis){ 5, 4, 1, LLONG_MAX / 2, 0, 0 }, CONV2D_ERR_OVERFLOW,
                      "dilated kernel span");
    expect_axis_error((conv_axis){ 5, 2, 1, LLONG_MAX, 0, 0 }, CONV2D_ERR_KERNEL_TOO_LARGE,
                      "extent 9223372036854775808)");
}

Test(shape, the_largest_sizes_work)
{
    cr_expect(eq(llong, length_of(LLONG_MAX, 1, 1, 1, 0, 0), LLONG_MAX));
    cr_expect(eq(llong, length_of(LLONG_MAX - 2, 3, 1, 1, 1, 1), LLONG_MAX - 2));
    cr_expect(eq(llong, length_of(LLONG_MAX, 2, LLONG_MAX, 1, 0, 0), 1));
}

Test(shape, null_pointers_are_refused)
{
    conv_axis axis = { 5, 3, 1, 1, 0, 0 };
    long long output, begin;
    conv2d_params params = conv2d_default_params();
    cr_expect(eq(int, conv_output_length(NULL, &output, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, conv_output_length(&axis, NULL, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, conv_same_padding(3, 1, &begin, NULL, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_output_size(&params, 5, 5, 3, 3, NULL, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, conv2d_output_size(NULL, 5, 5, 3, 3, NULL, NULL), CONV2D_ERR_NULL));
}
static void expect_params_error(conv2d_params params, long long in_h, long long in_w,
                                long long kernel_h, long long kernel_w,
                                conv2d_status code, const char *words)
{
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_geometry g = { .out_h = -5 };
    cr_assert(eq(int, conv2d_output_size(&params, in_h, in_w, kernel_h, kernel_w, &g, &err),
                 code), "%s", words);
    cr_expect(strstr(err.message, words) != NULL,
              "message \"%s\" should contain \"%s\"", err.message, words);
    cr_expect(eq(llong, g.out_h, -5), "a failed call must not write the geometry");
}

Test(shape, invalid_parameters_are_refused)
{
    conv2d_params p = conv2d_default_params();
    p.stride_w = 0;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_STRIDE, "width: stride must be >= 1, got 0");
    p = conv2d_default_params();
    p.dilation_h = -1;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_DILATION, "height: dilation must be >= 1");
    p = conv2d_default_params();
    p.pad_right = -2;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_PADDING,
                        "width: padding must be >= 0, got 0 before and -2 after");
    p = conv2d_default_params();
    expect_params_error(p, 5, 2, 3, 3, CONV2D_ERR_KERNEL_TOO_LARGE,
                        "width: kernel (size 3, dilation 1, extent 3) is larger");
    expect_params_error(p, -4, 5, 3, 3, CONV2D_ERR_INPUT_SIZE, "height: input size must be >= 0");
    expect_params_error(p, 5, 5, 3, 0, CONV2D_ERR_KERNEL_SIZE, "width: kernel size must be >= 1");
    p.groups = 0;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_GROUPS, "groups must be >= 1, got 0");
    p = conv2d_default_params();
    p.padding_rule = CONV2D_PADDING_SAME;
    p.stride_h = 2;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_SAME_STRIDE,
                        "padding 'same' needs stride 1, got stride 2,1");
    p.stride_h = 1;
    p.dilation_w = LLONG_MAX;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_OVERFLOW, "width: 'same' padding");
    p = conv2d_default_params();
    p.padding_rule = (conv2d_padding_rule)7;
    expect_params_error(p, 5, 5, 3, 3, CONV2D_ERR_PADDING, "unknown padding rule 7");
}

Test(shape, success_leaves_the_error_alone)
{
    conv2d_params p = conv2d_default_params();
    conv2d_geometry g;
    conv2d_error err = { CONV2D_ERR_STRIDE, "earlier message" };
    cr_assert(eq(int, conv2d_output_size(&p, 5, 5, 3, 3, &g, &err), CONV2D_OK));
    cr_expect(eq(int, err.status, CONV2D_ERR_STRIDE));
    cr_expect(eq(str, err.message, "earlier message"));
}
