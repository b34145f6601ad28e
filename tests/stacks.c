/* tests/stacks.c: the tests of the stacks and receptive fields (chapter 4).
   Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"

Test(stacks, splitmix64_gives_the_reference_numbers)
{
    static const uint64_t expected[5] = {
        6457827717110365317u, 3203168211198807973u, 9817491932198370423u,
        4593380528125082431u, 16408922859458223821u };
    conv2d_rng rng = conv2d_rng_seed(1234567);
    for (int i = 0; i < 5; i++)
        cr_assert(eq(u64, conv2d_rng_next(&rng), expected[i]), "number %d", i);
}

Test(stacks, the_same_seed_gives_the_same_numbers)
{
    conv2d_rng a = conv2d_rng_seed(42), b = conv2d_rng_seed(42), c = conv2d_rng_seed(43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        double u = conv2d_rng_uniform(&a), v = conv2d_rng_uniform(&b);
        cr_assert(eq(dbl, u, v), "number %d", i);
        cr_assert(ge(dbl, u, 0.0));
        cr_assert(lt(dbl, u, 1.0));
        differ += conv2d_rng_uniform(&c) != u;
    }
    cr_assert(gt(int, differ, 990), "seeds 42 and 43 should give different numbers");
}
static void check_uniform(const float *x, long long count, double bound, const char *what)
{
    double sum = 0.0, squares = 0.0, largest = 0.0;
    for (long long i = 0; i < count; i++) {
        cr_assert(le(flt, fabsf(x[i]), (float)bound), "%s %lld: %g", what, i, x[i]);
        sum += x[i];
        squares += (double)x[i] * x[i];
        largest = fmax(largest, fabs(x[i]));
    }
    cr_expect(ge(dbl, largest, bound * (1.0 - 20.0 / (double)count)), "%s: largest %g", what,
              largest);
    cr_expect(le(dbl, fabs(sum / (double)count), 5.0 * bound / sqrt(3.0 * (double)count)),
              "%s: mean %g", what, sum / (double)count);
    cr_expect(le(dbl, fabs(squares / (double)count - bound * bound / 3.0),
                 5.0 * bound * bound * sqrt(4.0 / (45.0 * (double)count))),
              "%s: mean square %g, expected %g", what, squares / (double)count,
              bound * bound / 3.0);
}

Test(stacks, initial_weights_are_uniform_within_the_bounds)
{
    enum { OUT = 64, IN = 64, K = 3, COUNT = OUT * IN * K * K };
    static float w[COUNT], b[OUT];
    const long long shape[4] = { OUT, IN, K, K };
    conv2d_rng rng = conv2d_rng_seed(7);
    cr_assert(eq(int, conv2d_init_layer(CONV2D_INIT_PYTORCH, shape, w, b, &rng, NULL),
                 CONV2D_OK));
    check_uniform(w, COUNT, 1.0 / sqrt(576.0), "PyTorch weight");
    check_uniform(b, OUT, 1.0 / sqrt(576.0), "PyTorch bias");
    cr_assert(eq(int, conv2d_init_layer(CONV2D_INIT_HE, shape, w, b, &rng, NULL), CONV2D_OK));
    check_uniform(w, COUNT, sqrt(6.0 / 576.0), "He weight");
    for (int o = 0; o < OUT; o++)
        cr_assert(eq(flt, b[o], 0.0f), "He bias %d", o);
}
Test(stacks, the_fan_in_is_one_filter)
{
    float w[60];
    const long long shape[4] = { 2, 3, 2, 5 };
    double largest = 0.0;
    conv2d_rng rng = conv2d_rng_seed(3);
    cr_assert(eq(int, conv2d_init_layer(CONV2D_INIT_PYTORCH, shape, w, NULL, &rng, NULL),
                 CONV2D_OK));
    for (int i = 0; i < 60; i++) {
        cr_assert(le(flt, fabsf(w[i]), (float)(1.0 / sqrt(30.0))), "weight %d", i);
        largest = fmax(largest, fabs(w[i]));
    }
    cr_expect(ge(dbl, largest, (1.0 - 5.0 / 60.0) / sqrt(30.0)));
}
Test(stacks, valid_padding_shrinks_by_k_minus_1_per_layer)
{
    const long long input[4] = { 2, 3, 100, 150 };
    long long shapes[6][4];
    for (long long k = 1; k <= 5; k += 2) {
        conv2d_stack stack = { .layers = 6, .channels = 8, .kernel = k,
                               .padding = CONV2D_PADDING_VALID };
        cr_assert(eq(int, conv2d_stack_shapes(&stack, input, shapes, NULL), CONV2D_OK));
        for (int l = 0; l < 6; l++) {
            cr_expect(eq(llong, shapes[l][0], 2));
            cr_expect(eq(llong, shapes[l][1], 8));
            cr_expect(eq(llong, shapes[l][2], 100 - (l + 1) * (k - 1)), "k=%lld, %d", k, l);
            cr_expect(eq(llong, shapes[l][3], 150 - (l + 1) * (k - 1)), "k=%lld, %d", k, l);
        }
        stack.padding = CONV2D_PADDING_SAME;
        cr_assert(eq(int, conv2d_stack_shapes(&stack, input, shapes, NULL), CONV2D_OK));
        for (int l = 0; l < 6; l++) {
            cr_expect(eq(llong, shapes[l][2], 100), "same, k=%lld layer %d", k, l);
            cr_expect(eq(llong, shapes[l][3], 150), "same, k=%lld layer %d", k, l);
        }
    }
}

Test(stacks, a_stack_too_deep_is_refused_at_its_layer)
{
    const long long input[4] = { 1, 1, 6, 6 };
    long long shapes[4][4];
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_stack stack = { .layers = 4, .channels = 2, .kernel = 3,
                           .padding = CONV2D_PADDING_VALID };
    cr_assert(eq(int, conv2d_stack_shapes(&stack, input, shapes, &err),
                 CONV2D_ERR_KERNEL_TOO_LARGE));
    cr_expect(strstr(err.message, "layer 3: height: kernel (size 3") != NULL, "%s",
              err.message);
    cr_expect(eq(llong, shapes[1][2], 2));
}
enum { SH = 12, SW = 10, SC = 4 };

static void run_stack(int layers, uint64_t seed, conv2d_init init, const float *x,
                      float out[][SC * SH * SW])
{
    const long long shape[4] = { 1, 3, SH, SW };
    float *outputs[5];
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_stack stack = { .layers = layers, .channels = SC, .kernel = 3,
                           .padding = CONV2D_PADDING_SAME, .init = init, .seed = seed };
    for (int l = 0; l < layers; l++)
        outputs[l] = out[l];
    cr_assert(eq(int, conv2d_stack_forward(&stack, x, shape, outputs, &err), CONV2D_OK),
              "%s", err.message);
}

static void random_input(float *x, long long count)
{
    conv2d_rng rng = conv2d_rng_seed(99);
    for (long long i = 0; i < count; i++)
        x[i] = (float)conv2d_rng_uniform(&rng);
}

Test(stacks, a_longer_stack_starts_with_the_shorter_one)
{
    static float x[3 * SH * SW], five[5][SC * SH * SW], three[3][SC * SH * SW],
                 again[5][SC * SH * SW], other[3][SC * SH * SW];
    random_input(x, 3 * SH * SW);
    run_stack(5, 1, CONV2D_INIT_PYTORCH, x, five);
    run_stack(5, 1, CONV2D_INIT_PYTORCH, x, again);
    run_stack(3, 1, CONV2D_INIT_PYTORCH, x, three);
    run_stack(3, 2, CONV2D_INIT_PYTORCH, x, other);
    cr_assert(eq(int, memcmp(five, again, sizeof five), 0), "two runs differ");
    cr_assert(eq(int, memcmp(five, three, sizeof three), 0),
              "the first three layers of five differ from a stack of three");
    cr_assert(ne(int, memcmp(three, other, sizeof three), 0), "seeds 1 and 2 agree");
}

Test(stacks, layer_2_convolves_the_relu_of_layer_1)
{
    static float x[3 * SH * SW], out[2][SC * SH * SW], relu[SC * SH * SW],
                 w1[SC * 3 * 9], b1[SC], w2[SC * SC * 9], b2[SC], expected[SC * SH * SW];
    const long long x_shape[4] = { 1, 3, SH, SW }, y_shape[4] = { 1, SC, SH, SW };
    const long long w1_shape[4] = { SC, 3, 3, 3 }, w2_shape[4] = { SC, SC, 3, 3 };
    conv2d_params p = conv2d_default_params();
    conv2d_rng rng = conv2d_rng_seed(5);
    p.padding_rule = CONV2D_PADDING_SAME;
    random_input(x, 3 * SH * SW);
    run_stack(2, 5, CONV2D_INIT_HE, x, out);
    cr_assert(eq(int, conv2d_init_layer(CONV2D_INIT_HE, w1_shape, w1, b1, &rng, NULL),
                 CONV2D_OK));
    cr_assert(eq(int, conv2d_init_layer(CONV2D_INIT_HE, w2_shape, w2, b2, &rng, NULL),
                 CONV2D_OK));
    cr_assert(eq(int, conv2d_forward(&p, x, x_shape, w1, w1_shape, b1, SC, expected, NULL),
                 CONV2D_OK));
    cr_assert(eq(int, memcmp(expected, out[0], sizeof expected), 0), "layer 1");
    for (int i = 0; i < SC * SH * SW; i++)
        relu[i] = out[0][i] > 0.0f ? out[0][i] : 0.0f;
    cr_assert(eq(int, conv2d_forward(&p, relu, y_shape, w2, w2_shape, b2, SC, expected, NULL),
                 CONV2D_OK));
    cr_assert(eq(int, memcmp(expected, out[1], sizeof expected), 0), "layer 2");
}
Test(stacks, same_equals_valid_inside_the_frame)
{
    enum { L = 5, H = 16, W = 14, C = 3 };
    static float x[2 * H * W], same[L][C * H * W], valid[L][C * H * W];
    const long long shape[4] = { 1, 2, H, W };
    float *same_out[L], *valid_out[L];
    conv2d_stack stack = { .layers = L, .channels = C, .kernel = 3,
                           .padding = CONV2D_PADDING_SAME, .seed = 11 };
    random_input(x, 2 * H * W);
    for (int l = 0; l < L; l++)
        same_out[l] = same[l], valid_out[l] = valid[l];
    cr_assert(eq(int, conv2d_stack_forward(&stack, x, shape, same_out, NULL), CONV2D_OK));
    stack.padding = CONV2D_PADDING_VALID;
    cr_assert(eq(int, conv2d_stack_forward(&stack, x, shape, valid_out, NULL), CONV2D_OK));
    for (int l = 1; l <= L; l++) {
        long long vh = H - 2 * l, vw = W - 2 * l;
        for (int c = 0; c < C; c++)
            for (long long h = 0; h < vh; h++)
                for (long long w = 0; w < vw; w++)
                    cr_assert(eq(flt, valid[l - 1][(c * vh + h) * vw + w],
                                 same[l - 1][(c * H + h + l) * W + w + l]),
                              "layer %d channel %d pixel (%lld, %lld)", l, c, h, w);
    }
}
static conv2d_field field_of(const conv_axis *layers, int count)
{
    conv2d_field f = { -1, -1, -1 };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, conv2d_receptive_field(layers, count, &f, &err), CONV2D_OK), "%s",
              err.message);
    return f;
}

static void expect_field(conv2d_field f, long long size, long long jump, long long start)
{
    cr_expect(eq(llong, f.size, size));
    cr_expect(eq(llong, f.jump, jump));
    cr_expect(eq(llong, f.start, start));
}

Test(stacks, receptive_fields_by_hand)
{
    const conv_axis same = { .kernel = 3, .stride = 1, .dilation = 1, .pad_begin = 1,
                             .pad_end = 1 };
    const conv_axis pool = { .kernel = 2, .stride = 2, .dilation = 1 };
    conv_axis dilated[5];
    expect_field(field_of(NULL, 0), 1, 1, 0);
    expect_field(field_of((conv_axis[]){ same, same, same }, 3), 7, 1, -3);
    expect_field(field_of((conv_axis[]){ same, same, pool }, 3), 6, 2, -2);
    for (int l = 0; l < 5; l++)
        dilated[l] = (conv_axis){ .kernel = 3, .stride = 1, .dilation = 1LL << l,
                                  .pad_begin = 1LL << l, .pad_end = 1LL << l };
    expect_field(field_of(dilated, 5), 63, 1, -31);
}
enum { ROW = 1000 };

static conv_axis random_layer(uint64_t bits)
{
    return (conv_axis){ .kernel = 1 + (long long)(bits % 4),
                        .stride = 1 + (long long)(bits / 4 % 3),
                        .dilation = 1 + (long long)(bits / 12 % 3),
                        .pad_begin = (long long)(bits / 36 % 3),
                        .pad_end = (long long)(bits / 108 % 3) };
}

static conv2d_params row_params(const conv_axis *a)
{
    conv2d_params p = conv2d_default_params();
    p.stride_w = a->stride;
    p.dilation_w = a->dilation;
    p.pad_left = a->pad_begin;
    p.pad_right = a->pad_end;
    return p;
}

Test(stacks, receptive_field_is_the_support_of_the_gradient)
{
    static float grad[ROW + 64], below[ROW + 64], ones[4] = { 1, 1, 1, 1 };
    conv2d_rng rng = conv2d_rng_seed(2024);
    int checked = 0;
    for (int trial = 0; trial < 500; trial++) {
        conv_axis layers[4];
        long long length[5] = { ROW };
        int count = 1 + (int)(conv2d_rng_next(&rng) % 4), fits = 1;
        for (int l = 0; l < count && fits; l++) {
            layers[l] = random_layer(conv2d_rng_next(&rng));
            layers[l].input = length[l];
            fits = conv_output_length(&layers[l], &length[l + 1], NULL) == CONV2D_OK;
        }
        if (!fits)
            continue;
        long long j = length[count] / 2, first = -1, last = -1;
        conv2d_field f = field_of(layers, count);
        if (f.start + j * f.jump < 0 || f.start + j * f.jump + f.size > ROW)
            continue;
        memset(grad, 0, sizeof grad);
        grad[j] = 1.0f;
        for (int l = count - 1; l >= 0; l--) {
            const conv2d_params p = row_params(&layers[l]);
            const long long xs[4] = { 1, 1, 1, length[l] };
            const long long ws[4] = { 1, 1, 1, layers[l].kernel };
            const long long ys[4] = { 1, 1, 1, length[l + 1] };
            cr_assert(eq(int, conv2d_backward(&p, NULL, xs, ones, ws, grad, ys, below, NULL,
                                              NULL, NULL), CONV2D_OK));
            memcpy(grad, below, sizeof(float) * (size_t)length[l]);
        }
        for (long long i = 0; i < ROW; i++)
            if (grad[i] != 0.0f) {
                if (first < 0)
                    first = i;
                last = i;
            }
        cr_assert(eq(llong, first, f.start + j * f.jump), "trial %d: first sample", trial);
        cr_assert(eq(llong, last, f.start + j * f.jump + f.size - 1), "trial %d: last", trial);
        checked++;
    }
    cr_assert(ge(int, checked, 400), "only %d stacks were checked", checked);
}
static void expect_refusal(conv2d_status got, conv2d_status code, const conv2d_error *err,
                           const char *words)
{
    cr_expect(eq(int, got, code), "%s", words);
    cr_expect(strstr(err->message, words) != NULL, "message \"%s\" should contain \"%s\"",
              err->message, words);
}

Test(stacks, bad_arguments_are_refused)
{
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_field f = { -7, -7, -7 };
    conv_axis bad = { .kernel = 3, .stride = 0, .dilation = 1 };
    conv_axis huge = { .kernel = 2, .stride = 1LL << 40, .dilation = 1 };
    const long long input[4] = { 1, 3, 8, 8 }, weight[4] = { 4, 3, 0, 3 };
    long long shapes[2][4];
    float w[1];
    conv2d_rng rng = conv2d_rng_seed(1);
    expect_refusal(conv2d_receptive_field(&bad, 1, &f, &err), CONV2D_ERR_STRIDE, &err,
                   "layer 1: stride must be >= 1, got 0");
    expect_refusal(conv2d_receptive_field(&bad, -1, &f, &err), CONV2D_ERR_STACK, &err,
                   "the number of layers must be >= 0, got -1");
    expect_refusal(conv2d_receptive_field((conv_axis[]){ huge, huge, huge }, 3, &f, &err),
                   CONV2D_ERR_OVERFLOW, &err, "layer 2: the receptive field is too large");
    expect_refusal(conv2d_receptive_field(NULL, 1, &f, &err), CONV2D_ERR_NULL, &err,
                   "must not be NULL");
    cr_expect(eq(llong, f.size, -7), "a failed call wrote the field");
    expect_refusal(conv2d_init_layer(CONV2D_INIT_HE, weight, w, NULL, &rng, &err),
                   CONV2D_ERR_SHAPE, &err, "weight shape [4, 3, 0, 3]");
    expect_refusal(conv2d_init_layer((conv2d_init)5, (long long[4]){ 1, 1, 1, 1 }, w, NULL,
                                     &rng, &err), CONV2D_ERR_STACK, &err,
                   "unknown initialisation 5");
    expect_refusal(conv2d_stack_shapes(&(conv2d_stack){ .layers = 0, .channels = 1,
                                                        .kernel = 3 }, input, shapes, &err),
                   CONV2D_ERR_STACK, &err, "at least one layer, got 0");
    expect_refusal(conv2d_stack_shapes(&(conv2d_stack){ .layers = 2, .channels = 0,
                                                        .kernel = 3 }, input, shapes, &err),
                   CONV2D_ERR_CHANNELS, &err, ">= 1 output channels, got 0");
    expect_refusal(conv2d_stack_shapes(&(conv2d_stack){ .layers = 2, .channels = 1,
                                                        .kernel = 3,
                                                        .padding = CONV2D_PADDING_EXPLICIT },
                                       input, shapes, &err),
                   CONV2D_ERR_PADDING, &err, "must be 'valid' or 'same'");
    expect_refusal(conv2d_stack_shapes(&(conv2d_stack){ .layers = 2, .channels = 1,
                                                        .kernel = 0,
                                                        .padding = CONV2D_PADDING_VALID },
                                       input, shapes, &err),
                   CONV2D_ERR_KERNEL_SIZE, &err, "layer 1: height: kernel size must be >= 1");
}
