/* conv2d-shape.c: output sizes (chapter 1).  Tangled from the book. */
#include <limits.h>
#include <stddef.h>
#include "conv2d-internal.h"

int conv2d_add_fits(long long a, long long b, long long *sum)
{
    if (a < 0 || b < 0 || a > LLONG_MAX - b)
        return 0;
    *sum = a + b;
    return 1;
}

int conv2d_mul_fits(long long a, long long b, long long *product)
{
    if (a < 0 || b < 0 || (b > 0 && a > LLONG_MAX / b))
        return 0;
    *product = a * b;
    return 1;
}
conv2d_status conv2d_check_axis(const conv_axis *axis, const char *where,
                                conv2d_error *err)
{
    if (axis->input < 0)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE,
                           "%sinput size must be >= 0, got %lld", where, axis->input);
    if (axis->kernel < 1)
        return conv2d_fail(err, CONV2D_ERR_KERNEL_SIZE,
                           "%skernel size must be >= 1, got %lld", where, axis->kernel);
    if (axis->stride < 1)
        return conv2d_fail(err, CONV2D_ERR_STRIDE,
                           "%sstride must be >= 1, got %lld", where, axis->stride);
    if (axis->dilation < 1)
        return conv2d_fail(err, CONV2D_ERR_DILATION,
                           "%sdilation must be >= 1, got %lld", where, axis->dilation);
    if (axis->pad_begin < 0 || axis->pad_end < 0)
        return conv2d_fail(err, CONV2D_ERR_PADDING,
                           "%spadding must be >= 0, got %lld before and %lld after",
                           where, axis->pad_begin, axis->pad_end);
    return CONV2D_OK;
}

static conv2d_status axis_output_length(const conv_axis *axis, const char *where,
                                        long long *output, conv2d_error *err)
{
    long long padded, span;
    conv2d_status status = conv2d_check_axis(axis, where, err);
    if (status != CONV2D_OK)
        return status;
    if (!conv2d_add_fits(axis->input, axis->pad_begin, &padded)
        || !conv2d_add_fits(padded, axis->pad_end, &padded))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                           "%spadded input size %lld + %lld + %lld is too large",
                           where, axis->pad_begin, axis->input, axis->pad_end);
    if (!conv2d_mul_fits(axis->dilation, axis->kernel - 1, &span))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                           "%sdilated kernel span %lld * (%lld - 1) is too large",
                           where, axis->dilation, axis->kernel);
    if (span >= padded)
        return conv2d_fail(err, CONV2D_ERR_KERNEL_TOO_LARGE,
                           "%skernel (size %lld, dilation %lld, extent %llu) is larger "
                           "than the padded input (%lld)", where, axis->kernel,
                           axis->dilation, (unsigned long long)span + 1u, padded);
    *output = (padded - span - 1) / axis->stride + 1;
    return CONV2D_OK;
}

conv2d_status conv_output_length(const conv_axis *axis, long long *output,
                                 conv2d_error *err)
{
    if (axis == NULL || output == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "conv_output_length: axis and output must not be NULL");
    return axis_output_length(axis, "", output, err);
}
static conv2d_status split_same(long long kernel, long long dilation,
                                const char *where, long long *pad_begin,
                                long long *pad_end, conv2d_error *err)
{
    long long total;
    if (kernel < 1)
        return conv2d_fail(err, CONV2D_ERR_KERNEL_SIZE,
                           "%skernel size must be >= 1, got %lld", where, kernel);
    if (dilation < 1)
        return conv2d_fail(err, CONV2D_ERR_DILATION,
                           "%sdilation must be >= 1, got %lld", where, dilation);
    if (!conv2d_mul_fits(dilation, kernel - 1, &total))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                           "%s'same' padding %lld * (%lld - 1) is too large",
                           where, dilation, kernel);
    *pad_begin = total / 2;
    *pad_end = total - *pad_begin;
    return CONV2D_OK;
}

conv2d_status conv_same_padding(long long kernel, long long dilation,
                                long long *pad_begin, long long *pad_end,
                                conv2d_error *err)
{
    if (pad_begin == NULL || pad_end == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "conv_same_padding: pad_begin and pad_end must not be NULL");
    return split_same(kernel, dilation, "", pad_begin, pad_end, err);
}
conv2d_params conv2d_default_params(void)
{
    conv2d_params params = {
        .stride_h = 1, .stride_w = 1,
        .dilation_h = 1, .dilation_w = 1,
        .padding_rule = CONV2D_PADDING_EXPLICIT,
        .pad_top = 0, .pad_bottom = 0, .pad_left = 0, .pad_right = 0,
        .groups = 1,
        .padding_mode = CONV2D_PADDING_ZEROS,
        .output_padding_h = 0, .output_padding_w = 0,
    };
    return params;
}
conv2d_status conv2d_output_size(const conv2d_params *params,
                                 long long in_h, long long in_w,
                                 long long kernel_h, long long kernel_w,
                                 conv2d_geometry *geometry, conv2d_error *err)
{
    conv2d_geometry g;
    conv2d_status status;
    if (params == NULL || geometry == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "conv2d_output_size: params and geometry must not be NULL");
    g.rows = (conv_axis){ in_h, kernel_h, params->stride_h, params->dilation_h,
                          params->pad_top, params->pad_bottom };
    g.cols = (conv_axis){ in_w, kernel_w, params->stride_w, params->dilation_w,
                          params->pad_left, params->pad_right };
    switch (params->padding_rule) {
    case CONV2D_PADDING_EXPLICIT:
        break;
    case CONV2D_PADDING_VALID:
        g.rows.pad_begin = g.rows.pad_end = 0;
        g.cols.pad_begin = g.cols.pad_end = 0;
        break;
    case CONV2D_PADDING_SAME:
        if (g.rows.stride > 1 || g.cols.stride > 1)
            return conv2d_fail(err, CONV2D_ERR_SAME_STRIDE,
                               "padding 'same' needs stride 1, got stride %lld,%lld",
                               g.rows.stride, g.cols.stride);
        status = split_same(g.rows.kernel, g.rows.dilation, "height: ",
                            &g.rows.pad_begin, &g.rows.pad_end, err);
        if (status == CONV2D_OK)
            status = split_same(g.cols.kernel, g.cols.dilation, "width: ",
                                &g.cols.pad_begin, &g.cols.pad_end, err);
        if (status != CONV2D_OK)
            return status;
        break;
    default:
        return conv2d_fail(err, CONV2D_ERR_PADDING, "unknown padding rule %d",
                           (int)params->padding_rule);
    }
    if (params->groups < 1)
        return conv2d_fail(err, CONV2D_ERR_GROUPS,
                           "groups must be >= 1, got %lld", params->groups);
    status = axis_output_length(&g.rows, "height: ", &g.out_h, err);
    if (status == CONV2D_OK)
        status = axis_output_length(&g.cols, "width: ", &g.out_w, err);
    if (status == CONV2D_OK)
        *geometry = g;
    return status;
}
