/* conv2d-forward.c: the forward pass (chapter 2).  Tangled from the book. */
#include <stddef.h>
#include "conv2d-internal.h"

void conv2d_plain(const float *x, long long in_h, long long in_w,
                  const float *w, long long kernel_h, long long kernel_w,
                  float *y)
{
    long long out_h = in_h - kernel_h + 1, out_w = in_w - kernel_w + 1;
    for (long long h = 0; h < out_h; h++)
        for (long long c = 0; c < out_w; c++) {
            double sum = 0.0;
            for (long long u = 0; u < kernel_h; u++)
                for (long long v = 0; v < kernel_w; v++)
                    sum += (double)w[u * kernel_w + v] * x[(h + u) * in_w + (c + v)];
            y[h * out_w + c] = (float)sum;
        }
}
long long conv2d_source_index(long long p, long long size, conv2d_padding_mode mode)
{
    if (p >= 0 && p < size)
        return p;
    switch (mode) {
    case CONV2D_PADDING_REFLECT:
        return p < 0 ? -p : 2 * (size - 1) - p;
    case CONV2D_PADDING_REPLICATE:
        return p < 0 ? 0 : size - 1;
    case CONV2D_PADDING_CIRCULAR:
        return p < 0 ? p + size : p - size;
    default:
        return -1;
    }
}
static conv2d_status check_dimensions(const char *name, const long long shape[4],
                                      int is_weight, conv2d_error *err)
{
    static const char *const names[2][4] = {
        { "batch size", "channels", "height", "width" },
        { "output channels", "input channels per group", "height", "width" } };
    if (shape[0] < 0 && !is_weight)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE,
                           "input batch size must be >= 0, got %lld", shape[0]);
    for (int i = is_weight ? 0 : 1; i < 2; i++)
        if (shape[i] < 1)
            return conv2d_fail(err, CONV2D_ERR_CHANNELS, "%s %s must be >= 1, got %lld",
                               name, names[is_weight][i], shape[i]);
    for (int i = 2; i < 4 && !is_weight; i++)
        if (shape[i] < 1)
            return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE, "input %s must be >= 1, got %lld",
                               names[0][i], shape[i]);
    return CONV2D_OK;
}
static conv2d_status check_channels(const conv2d_params *params,
                                    const long long input_shape[4],
                                    const long long weight_shape[4],
                                    conv2d_error *err)
{
    long long groups = params->groups, expected;
    if (groups < 1)
        return conv2d_fail(err, CONV2D_ERR_GROUPS, "groups must be >= 1, got %lld", groups);
    if (input_shape[1] % groups != 0)
        return conv2d_fail(err, CONV2D_ERR_GROUPS,
                           "input channels (%lld) must be divisible by groups (%lld)",
                           input_shape[1], groups);
    if (weight_shape[0] % groups != 0)
        return conv2d_fail(err, CONV2D_ERR_GROUPS,
                           "output channels (%lld) must be divisible by groups (%lld)",
                           weight_shape[0], groups);
    if (!conv2d_mul_fits(weight_shape[1], groups, &expected) || expected != input_shape[1])
        return conv2d_fail(err, CONV2D_ERR_CHANNELS,
                           "given groups=%lld, weight of size [%lld, %lld, %lld, %lld] "
                           "expects input[%lld, %lld, %lld, %lld] to have %lld * %lld "
                           "channels, but it has %lld", groups, weight_shape[0],
                           weight_shape[1], weight_shape[2], weight_shape[3],
                           input_shape[0], input_shape[1], input_shape[2],
                           input_shape[3], weight_shape[1], groups, input_shape[1]);
    return CONV2D_OK;
}
static conv2d_status check_mode_on_axis(conv2d_padding_mode mode, const conv_axis *axis,
                                        const char *name, conv2d_error *err)
{
    long long most = axis->pad_begin > axis->pad_end ? axis->pad_begin : axis->pad_end;
    if (most == 0 || mode == CONV2D_PADDING_ZEROS)
        return CONV2D_OK;
    if (mode == CONV2D_PADDING_REFLECT && most >= axis->input)
        return conv2d_fail(err, CONV2D_ERR_PADDING_MODE,
                           "%s: reflect padding (%lld, %lld) must be smaller than the "
                           "input size (%lld)", name, axis->pad_begin, axis->pad_end,
                           axis->input);
    if (mode == CONV2D_PADDING_CIRCULAR && most > axis->input)
        return conv2d_fail(err, CONV2D_ERR_PADDING_MODE,
                           "%s: circular padding (%lld, %lld) must not exceed the "
                           "input size (%lld)", name, axis->pad_begin, axis->pad_end,
                           axis->input);
    return CONV2D_OK;
}

static conv2d_status check_padding_mode(conv2d_padding_mode mode,
                                        const conv2d_geometry *g, conv2d_error *err)
{
    conv2d_status status;
    if (mode != CONV2D_PADDING_ZEROS && mode != CONV2D_PADDING_REFLECT
        && mode != CONV2D_PADDING_REPLICATE && mode != CONV2D_PADDING_CIRCULAR)
        return conv2d_fail(err, CONV2D_ERR_PADDING_MODE, "unknown padding mode %d",
                           (int)mode);
    status = check_mode_on_axis(mode, &g->rows, "height", err);
    if (status == CONV2D_OK)
        status = check_mode_on_axis(mode, &g->cols, "width", err);
    return status;
}
static conv2d_status check_countable(const char *name, const long long shape[4],
                                     conv2d_error *err)
{
    long long count = 1;
    for (int i = 0; i < 4; i++)
        if (!conv2d_mul_fits(count, shape[i], &count))
            return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                               "the %s [%lld, %lld, %lld, %lld] has too many elements",
                               name, shape[0], shape[1], shape[2], shape[3]);
    return CONV2D_OK;
}

conv2d_status conv2d_check_forward(const conv2d_params *params,
                                   const long long input_shape[4],
                                   const long long weight_shape[4],
                                   conv2d_geometry *g, long long output_shape[4],
                                   conv2d_error *err)
{
    conv2d_status status;
    if (params == NULL || input_shape == NULL || weight_shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "the parameters and the shapes must not be NULL");
    if ((status = check_dimensions("input", input_shape, 0, err)) != CONV2D_OK
        || (status = check_dimensions("weight", weight_shape, 1, err)) != CONV2D_OK
        || (status = check_channels(params, input_shape, weight_shape, err)) != CONV2D_OK
        || (status = conv2d_output_size(params, input_shape[2], input_shape[3],
                                        weight_shape[2], weight_shape[3], g, err))
               != CONV2D_OK
        || (status = check_padding_mode(params->padding_mode, g, err)) != CONV2D_OK)
        return status;
    output_shape[0] = input_shape[0];
    output_shape[1] = weight_shape[0];
    output_shape[2] = g->out_h;
    output_shape[3] = g->out_w;
    if ((status = check_countable("input", input_shape, err)) != CONV2D_OK
        || (status = check_countable("weight", weight_shape, err)) != CONV2D_OK
        || (status = check_countable("output", output_shape, err)) != CONV2D_OK)
        return status;
    return CONV2D_OK;
}

conv2d_status conv2d_forward_shape(const conv2d_params *params,
                                   const long long input_shape[4],
                                   const long long weight_shape[4],
                                   long long output_shape[4], conv2d_error *err)
{
    conv2d_geometry g;
    long long shape[4];
    conv2d_status status;
    if (output_shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the output shape must not be NULL");
    status = conv2d_check_forward(params, input_shape, weight_shape, &g, shape, err);
    if (status == CONV2D_OK)
        for (int i = 0; i < 4; i++)
            output_shape[i] = shape[i];
    return status;
}
conv2d_status conv2d_forward(const conv2d_params *params,
                             const float *x, const long long input_shape[4],
                             const float *w, const long long weight_shape[4],
                             const float *b, long long bias_length,
                             float *y, conv2d_error *err)
{
    conv2d_geometry g;
    long long output_shape[4];
    conv2d_status status = conv2d_check_forward(params, input_shape, weight_shape, &g,
                                                output_shape, err);
    if (status != CONV2D_OK)
        return status;
    if (b != NULL && bias_length != weight_shape[0])
        return conv2d_fail(err, CONV2D_ERR_BIAS,
                           "bias has %lld values but the weight has %lld output channels",
                           bias_length, weight_shape[0]);
    if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
        return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    {
        long long in_per_group = weight_shape[1];
        long long out_per_group = weight_shape[0] / params->groups;
        for (long long n = 0; n < output_shape[0]; n++)
            for (long long c_out = 0; c_out < output_shape[1]; c_out++) {
                long long group = c_out / out_per_group;
                for (long long oh = 0; oh < g.out_h; oh++)
                    for (long long ow = 0; ow < g.out_w; ow++) {
                        double sum = b != NULL ? b[c_out] : 0.0;
                        for (long long c = 0; c < in_per_group; c++) {
                            long long c_in = group * in_per_group + c;
                            for (long long u = 0; u < weight_shape[2]; u++) {
                                long long ph = oh * g.rows.stride + u * g.rows.dilation - g.rows.pad_begin;
                                long long ih = conv2d_source_index(ph, g.rows.input, params->padding_mode);
                                if (ih < 0)
                                    continue;
                                for (long long v = 0; v < weight_shape[3]; v++) {
                                    long long pw = ow * g.cols.stride + v * g.cols.dilation - g.cols.pad_begin;
                                    long long iw = conv2d_source_index(pw, g.cols.input, params->padding_mode);
                                    if (iw < 0)
                                        continue;
                                    sum += (double)w[conv2d_offset(weight_shape, c_out, c, u, v)]
                                           * x[conv2d_offset(input_shape, n, c_in, ih, iw)];
                                }
                            }
                        }
                        y[conv2d_offset(output_shape, n, c_out, oh, ow)] = sum;
                    }
            }
    }
    return CONV2D_OK;
}

conv2d_status conv2d_forward_f64(const conv2d_params *params,
                                 const double *x, const long long input_shape[4],
                                 const double *w, const long long weight_shape[4],
                                 const double *b, long long bias_length,
                                 double *y, conv2d_error *err)
{
    conv2d_geometry g;
    long long output_shape[4];
    conv2d_status status = conv2d_check_forward(params, input_shape, weight_shape, &g,
                                                output_shape, err);
    if (status != CONV2D_OK)
        return status;
    if (b != NULL && bias_length != weight_shape[0])
        return conv2d_fail(err, CONV2D_ERR_BIAS,
                           "bias has %lld values but the weight has %lld output channels",
                           bias_length, weight_shape[0]);
    if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
        return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    {
        long long in_per_group = weight_shape[1];
        long long out_per_group = weight_shape[0] / params->groups;
        for (long long n = 0; n < output_shape[0]; n++)
            for (long long c_out = 0; c_out < output_shape[1]; c_out++) {
                long long group = c_out / out_per_group;
                for (long long oh = 0; oh < g.out_h; oh++)
                    for (long long ow = 0; ow < g.out_w; ow++) {
                        double sum = b != NULL ? b[c_out] : 0.0;
                        for (long long c = 0; c < in_per_group; c++) {
                            long long c_in = group * in_per_group + c;
                            for (long long u = 0; u < weight_shape[2]; u++) {
                                long long ph = oh * g.rows.stride + u * g.rows.dilation - g.rows.pad_begin;
                                long long ih = conv2d_source_index(ph, g.rows.input, params->padding_mode);
                                if (ih < 0)
                                    continue;
                                for (long long v = 0; v < weight_shape[3]; v++) {
                                    long long pw = ow * g.cols.stride + v * g.cols.dilation - g.cols.pad_begin;
                                    long long iw = conv2d_source_index(pw, g.cols.input, params->padding_mode);
                                    if (iw < 0)
                                        continue;
                                    sum += (double)w[conv2d_offset(weight_shape, c_out, c, u, v)]
                                           * x[conv2d_offset(input_shape, n, c_in, ih, iw)];
                                }
                            }
                        }
                        y[conv2d_offset(output_shape, n, c_out, oh, ow)] = sum;
                    }
            }
    }
    return CONV2D_OK;
}
