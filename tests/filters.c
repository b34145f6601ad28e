/* tests/filters.c: the tests of chapter 4.  Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "filters.h"

static float *filter_plane(const char *name, conv2d_padding_mode mode,
                           const float *pixels, long long height, long long width)
{
    image in = { .width = width, .height = height, .channels = 1,
                 .data = (float *)pixels };
    image out = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, conv2d_filter_image(name, mode, &in, &out, &err), CONV2D_OK),
              "%s: %s", name, err.message);
    cr_assert(eq(llong, out.width, width), "%s", name);
    cr_assert(eq(llong, out.height, height), "%s", name);
    cr_assert(eq(int, out.channels, 1), "%s", name);
    return out.data;
}
Test(filters, impulse_responses_are_the_rotated_kernels)
{
    static const struct { const char *name; float y[25]; } cases[] = {
        { "identity", { 0, 0, 0, 0, 0,  0, 0, 0, 0, 0,  0, 0, 1, 0, 0,
                        0, 0, 0, 0, 0,  0, 0, 0, 0, 0 } },
        { "sharpen", { 0, 0, 0, 0, 0,  0, 0, -1, 0, 0,  0, -1, 5, -1, 0,
                       0, 0, -1, 0, 0,  0, 0, 0, 0, 0 } },
        { "sobel-x", { 0, 0, 0, 0, 0,  0, 1, 0, -1, 0,  0, 2, 0, -2, 0,
                       0, 1, 0, -1, 0,  0, 0, 0, 0, 0 } },
        { "sobel-y", { 0, 0, 0, 0, 0,  0, 1, 2, 1, 0,  0, 0, 0, 0, 0,
                       0, -1, -2, -1, 0,  0, 0, 0, 0, 0 } },
        { "laplacian", { 0, 0, 0, 0, 0,  0, 0, 1, 0, 0,  0, 1, -4, 1, 0,
                         0, 0, 1, 0, 0,  0, 0, 0, 0, 0 } },
        { "emboss", { 0, 0, 0, 0, 0,  0, 2, 1, 0, 0,  0, 1, 1, -1, 0,
                      0, 0, -1, -2, 0,  0, 0, 0, 0, 0 } },
    };
    float impulse[25] = { 0 };
    impulse[12] = 1;
    for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++)
        for (int mode = CONV2D_PADDING_ZEROS; mode <= CONV2D_PADDING_CIRCULAR; mode++) {
            float *y = filter_plane(cases[n].name, (conv2d_padding_mode)mode,
                                    impulse, 5, 5);
            for (int i = 0; i < 25; i++)
                cr_expect(eq(flt, y[i], cases[n].y[i]), "%s, mode %d, pixel (%d, %d)",
                          cases[n].name, mode, i / 5, i % 5);
            free(y);
        }
}
Test(filters, impulse_responses_of_the_blurs)
{
    static const float binomial[5] = { 1, 4, 6, 4, 1 };
    const float root2 = 1.41421356237309504880f;
    const float ring[25] = { 0, 0, 0, 0, 0,  0, root2, 2, root2, 0,  0, 2, 0, 2, 0,
                                    0, root2, 2, root2, 0,  0, 0, 0, 0, 0 };
    float impulse[25] = { 0 };
    impulse[12] = 1;
    float *box = filter_plane("box", CONV2D_PADDING_ZEROS, impulse, 5, 5);
    float *gaussian = filter_plane("gaussian", CONV2D_PADDING_REPLICATE, impulse, 5, 5);
    float *sobel = filter_plane("sobel", CONV2D_PADDING_REPLICATE, impulse, 5, 5);
    for (int i = 0; i < 25; i++) {
        cr_expect(eq(flt, box[i], 1.0f / 25), "box, pixel %d", i);
        cr_expect(eq(flt, gaussian[i], binomial[i / 5] * binomial[i % 5] / 256),
                  "gaussian, pixel %d", i);
        cr_expect(ieee_ulp_eq(flt, sobel[i], ring[i], 1), "sobel, pixel %d", i);
    }
    free(box);
    free(gaussian);
    free(sobel);
}
Test(filters, step_responses)
{
    static const struct { const char *name; float row[5]; } cases[] = {
        { "identity",  { 0, 0, 1, 1, 1 } },
        { "box",       { 0.2f, 0.4f, 0.6f, 0.8f, 1 } },
        { "gaussian",  { 1 / 16.0f, 5 / 16.0f, 11 / 16.0f, 15 / 16.0f, 1 } },
        { "sharpen",   { 0, -1, 2, 1, 1 } },
        { "sobel-x",   { 0, 4, 4, 0, 0 } },
        { "sobel-y",   { 0, 0, 0, 0, 0 } },
        { "sobel",     { 0, 4, 4, 0, 0 } },
        { "laplacian", { 0, 1, -1, 0, 0 } },
        { "emboss",    { 0, 3, 4, 1, 1 } },
    };
    float step[25];
    for (int i = 0; i < 25; i++)
        step[i] = i % 5 >= 2 ? 1.0f : 0.0f;
    for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++) {
        float *y = filter_plane(cases[n].name, CONV2D_PADDING_REPLICATE, step, 5, 5);
        for (int i = 0; i < 25; i++)
            cr_expect(ieee_ulp_eq(flt, y[i], cases[n].row[i % 5], 2),
                      "%s, pixel (%d, %d): %.9g", cases[n].name, i / 5, i % 5, y[i]);
        free(y);
    }
}
Test(filters, zero_padding_draws_a_dark_frame)
{
    static const float a[5] = { 3, 4, 5, 4, 3 };
    float ones[25];
    for (int i = 0; i < 25; i++)
        ones[i] = 1;
    for (int mode = CONV2D_PADDING_ZEROS; mode <= CONV2D_PADDING_CIRCULAR; mode++) {
        float *y = filter_plane("box", (conv2d_padding_mode)mode, ones, 5, 5);
        for (int i = 0; i < 25; i++) {
            float expected = mode == CONV2D_PADDING_ZEROS ? a[i / 5] * a[i % 5] / 25 : 1;
            cr_expect(ieee_ulp_eq(flt, y[i], expected, 2),
                      "mode %d, pixel (%d, %d): %.9g", mode, i / 5, i % 5, y[i]);
        }
        free(y);
    }
}

Test(filters, each_mode_shows_other_pixels)
{
    static const float expected[4] = { 6 / 5.0f, 11 / 5.0f, 8 / 5.0f, 17 / 5.0f };
    float ramp[30];
    for (int i = 0; i < 30; i++)
        ramp[i] = (float)(i % 6 + 1);
    for (int mode = CONV2D_PADDING_ZEROS; mode <= CONV2D_PADDING_CIRCULAR; mode++) {
        float *y = filter_plane("box", (conv2d_padding_mode)mode, ramp, 5, 6);
        cr_expect(ieee_ulp_eq(flt, y[2 * 6 + 0], expected[mode], 2), "mode %d: %.9g",
                  mode, y[2 * 6 + 0]);
        free(y);
    }
}
static float next_value(unsigned *state)  /* uniform in [0, 1) */
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) * 0x1p-24);
}

Test(filters, identity_returns_the_input_exactly)
{
    enum { C = 3, H = 7, W = 6 };
    static float pixels[C * H * W];
    unsigned state = 4;
    image in = { .width = W, .height = H, .channels = C, .data = pixels };
    for (int i = 0; i < C * H * W; i++)
        pixels[i] = next_value(&state);
    for (int mode = CONV2D_PADDING_ZEROS; mode <= CONV2D_PADDING_CIRCULAR; mode++) {
        image out = { 0 };
        cr_assert(eq(int, conv2d_filter_image("identity", (conv2d_padding_mode)mode, &in,
                                              &out, NULL), CONV2D_OK));
        cr_assert(eq(int, out.channels, C));
        for (int i = 0; i < C * H * W; i++)
            cr_assert(eq(flt, out.data[i], pixels[i]), "mode %d, value %d", mode, i);
        image_free(&out);
    }
}
Test(filters, channels_are_filtered_independently)
{
    enum { C = 3, H = 6, W = 8 };
    static float pixels[C * H * W];
    static const char *const names[2] = { "emboss", "sobel" };
    unsigned state = 9;
    image in = { .width = W, .height = H, .channels = C, .data = pixels };
    for (int i = 0; i < C * H * W; i++)
        pixels[i] = next_value(&state);
    for (int n = 0; n < 2; n++) {
        image out = { 0 };
        cr_assert(eq(int, conv2d_filter_image(names[n], CONV2D_PADDING_REFLECT, &in, &out,
                                              NULL), CONV2D_OK));
        for (int c = 0; c < C; c++) {
            float *alone = filter_plane(names[n], CONV2D_PADDING_REFLECT,
                                        pixels + c * H * W, H, W);
            for (int i = 0; i < H * W; i++)
                cr_assert(eq(flt, out.data[c * H * W + i], alone[i]), "%s, channel %d",
                          names[n], c);
            free(alone);
        }
        image_free(&out);
    }
}
Test(filters, named_kernels)
{
    static const float sobel_x[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
    float kernel[25];
    long long size = 0;
    for (int t = 0; t < 25; t++)
        kernel[t] = 99;
    cr_assert(eq(int, conv2d_named_kernel("sobel-x", kernel, &size, NULL), CONV2D_OK));
    cr_expect(eq(llong, size, 3));
    for (int t = 0; t < 25; t++)
        cr_expect(eq(flt, kernel[t], t < 9 ? sobel_x[t] : 0.0f), "tap %d", t);
    cr_assert(eq(int, conv2d_named_kernel("gaussian", kernel, &size, NULL), CONV2D_OK));
    cr_expect(eq(llong, size, 5));
    cr_expect(eq(flt, kernel[12], 36.0f / 256));
    cr_expect(eq(flt, kernel[0], 1.0f / 256));
}

Test(filters, every_listed_name_is_a_filter)
{
    const char *const *names = conv2d_filter_names();
    float pixel[9] = { 0 };
    int count = 0;
    for (; names[count] != NULL; count++)
        free(filter_plane(names[count], CONV2D_PADDING_ZEROS, pixel, 3, 3));
    cr_expect(eq(int, count, 9));
}
static void expect_filter_error(const char *name, conv2d_padding_mode mode,
                                const image *in, conv2d_status code, const char *words)
{
    image out = { .width = -7 };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, conv2d_filter_image(name, mode, in, &out, &err), code),
              "%s (message: %s)", words, err.message);
    cr_expect(strstr(err.message, words) != NULL, "message \"%s\" should contain \"%s\"",
              err.message, words);
    cr_expect(eq(llong, out.width, -7), "a failed call wrote its output");
}

Test(filters, bad_filters_and_images_are_refused)
{
    float pixels[4] = { 0 }, kernel[25];
    long long size;
    conv2d_error err = { CONV2D_OK, "" };
    image small = { .width = 2, .height = 2, .channels = 1, .data = pixels };
    image none = { .width = 2, .height = 2, .channels = 0, .data = pixels };
    expect_filter_error("blurr", CONV2D_PADDING_ZEROS, &small, CONV2D_ERR_FILTER,
                        "unknown filter \"blurr\"; the filters are: identity, box, "
                        "gaussian, sharpen, sobel-x, sobel-y, sobel, laplacian, emboss");
    expect_filter_error("box", CONV2D_PADDING_REFLECT, &small, CONV2D_ERR_PADDING_MODE,
                        "height: reflect padding (2, 2) must be smaller than "
                        "the input size (2)");
    expect_filter_error("box", CONV2D_PADDING_ZEROS, &none, CONV2D_ERR_CHANNELS,
                        "an image must have at least one channel, got 0");
    expect_filter_error(NULL, CONV2D_PADDING_ZEROS, &small, CONV2D_ERR_NULL,
                        "must not be NULL");
    expect_filter_error("box", CONV2D_PADDING_ZEROS, NULL, CONV2D_ERR_NULL,
                        "must not be NULL");
    cr_expect(eq(int, conv2d_named_kernel("sobel", kernel, &size, &err),
                 CONV2D_ERR_FILTER));
    cr_expect(strstr(err.message, "gradient magnitude") != NULL, "%s", err.message);
    cr_expect(eq(int, conv2d_named_kernel("Box", kernel, &size, &err),
                 CONV2D_ERR_FILTER));
    cr_expect(strstr(err.message, "unknown filter \"Box\"") != NULL, "%s", err.message);
}
