/* layers.c: the layers between the convolutions, ReLU and max pooling
   (chapter 4).  Tangled from the book. */
#include <math.h>
#include <stddef.h>
#include "conv2d-internal.h"

void conv2d_relu(const float *x, long long count, float *y)
{
    for (long long i = 0; i < count; i++)
        y[i] = x[i] < 0 ? 0.0f : x[i];
}
void conv2d_relu_backward(const float *x, const float *dy, long long count, float *dx)
{
    for (long long i = 0; i < count; i++)
        dx[i] = x[i] <= 0 ? 0.0f : dy[i];
}
conv2d_pool_params conv2d_default_pool_params(long long kernel)
{
    conv2d_pool_params params = {
        .kernel_h = kernel, .kernel_w = kernel,
        .stride_h = kernel, .stride_w = kernel,
        .pad_h = 0, .pad_w = 0,
        .dilation_h = 1, .dilation_w = 1,
        .ceil_mode = 0,
    };
    return params;
}
static conv2d_status pool_axis_length(const conv_axis *axis, int ceil_mode,
                                      const char *where, long long *output,
                                      conv2d_error *err)
{
    long long padded, span, room, count;
    conv2d_status status = conv2d_check_axis(axis, where, err);
    if (status != CONV2D_OK)
        return status;
    if (axis->pad_begin > axis->kernel / 2)
        return conv2d_fail(err, CONV2D_ERR_PADDING,
                           "%spadding %lld is more than half the kernel size %lld "
                           "(at most %lld)", where, axis->pad_begin, axis->kernel,
                           axis->kernel / 2);
    if (!conv2d_add_fits(axis->input, axis->pad_begin, &padded)
        || !conv2d_add_fits(padded, axis->pad_end, &padded))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                           "%spadded input size %lld + %lld + %lld is too large",
                           where, axis->pad_begin, axis->input, axis->pad_end);
    if (!conv2d_mul_fits(axis->dilation, axis->kernel - 1, &span))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                           "%sdilated kernel span %lld * (%lld - 1) is too large",
                           where, axis->dilation, axis->kernel);
    room = padded - 1 - span;  /* L - e: where the last window that fits starts */
    if (room < 0 && !ceil_mode)
        return conv2d_fail(err, CONV2D_ERR_KERNEL_TOO_LARGE,
                           "%skernel (size %lld, dilation %lld, extent %llu) is larger "
                           "than the padded input (%lld)", where, axis->kernel,
                           axis->dilation, (unsigned long long)span + 1u, padded);
    if (room < 0 && room + axis->stride <= 0)
        return conv2d_fail(err, CONV2D_ERR_KERNEL_TOO_LARGE,
                           "%skernel (size %lld, dilation %lld, extent %llu) is larger "
                           "than the padded input (%lld) plus the stride minus 1 (%lld), "
                           "even in ceil mode", where, axis->kernel, axis->dilation,
                           (unsigned long long)span + 1u, padded, axis->stride - 1);
    if (!ceil_mode)
        count = room / axis->stride + 1;
    else {
        long long last_start;
        count = room < 0 ? 1 : room / axis->stride + 1 + (room % axis->stride != 0);
        if (count > 1 && (!conv2d_mul_fits(count - 1, axis->stride, &last_start)
                          || last_start >= axis->pad_begin + axis->input))
            count--;
    }
    *output = count;
    return CONV2D_OK;
}
static conv2d_status check_pool_countable(const char *name, const long long shape[4],
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

static conv2d_status check_pool(const conv2d_pool_params *params,
                                const long long input_shape[4], conv_axis *rows,
                                conv_axis *cols, long long output_shape[4],
                                conv2d_error *err)
{
    conv2d_status status;
    if (params == NULL || input_shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "the parameters and the input shape must not be NULL");
    if (input_shape[0] < 0)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE,
                           "input batch size must be >= 0, got %lld", input_shape[0]);
    if (input_shape[1] < 1)
        return conv2d_fail(err, CONV2D_ERR_CHANNELS,
                           "input channels must be >= 1, got %lld", input_shape[1]);
    if (input_shape[2] < 1 || input_shape[3] < 1)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE,
                           "input height and width must be >= 1, got %lld and %lld",
                           input_shape[2], input_shape[3]);
    *rows = (conv_axis){ input_shape[2], params->kernel_h, params->stride_h,
                         params->dilation_h, params->pad_h, params->pad_h };
    *cols = (conv_axis){ input_shape[3], params->kernel_w, params->stride_w,
                         params->dilation_w, params->pad_w, params->pad_w };
    output_shape[0] = input_shape[0];
    output_shape[1] = input_shape[1];
    if ((status = pool_axis_length(rows, params->ceil_mode, "height: ",
                                   &output_shape[2], err)) != CONV2D_OK
        || (status = pool_axis_length(cols, params->ceil_mode, "width: ",
                                      &output_shape[3], err)) != CONV2D_OK
        || (status = check_pool_countable("input", input_shape, err)) != CONV2D_OK
        || (status = check_pool_countable("output", output_shape, err)) != CONV2D_OK)
        return status;
    return CONV2D_OK;
}

conv2d_status conv2d_max_pool_shape(const conv2d_pool_params *params,
                                    const long long input_shape[4],
                                    long long output_shape[4], conv2d_error *err)
{
    conv_axis rows, cols;
    long long shape[4];
    conv2d_status status;
    if (output_shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the output shape must not be NULL");
    status = check_pool(params, input_shape, &rows, &cols, shape, err);
    if (status == CONV2D_OK)
        for (int i = 0; i < 4; i++)
            output_shape[i] = shape[i];
    return status;
}
static long long window_argmax(const float *x, const long long xs[4], long long n,
                               long long c, const conv_axis *rows, long long oh,
                               const conv_axis *cols, long long ow)
{
    long long top = oh * rows->stride - rows->pad_begin;
    long long left = ow * cols->stride - cols->pad_begin;
    long long best = -1;
    for (long long u = 0; u < rows->kernel && u * rows->dilation < xs[2] - top; u++) {
        long long ih = top + u * rows->dilation;
        if (ih < 0)
            continue;
        for (long long v = 0; v < cols->kernel && v * cols->dilation < xs[3] - left; v++) {
            long long iw = left + v * cols->dilation, at;
            if (iw < 0)
                continue;
            at = conv2d_offset(xs, n, c, ih, iw);
            if (best < 0 || x[at] > x[best] || isnan(x[at]))
                best = at;
        }
    }
    return best;
}
conv2d_status conv2d_max_pool(const conv2d_pool_params *params,
                              const float *x, const long long input_shape[4],
                              float *y, long long *argmax, conv2d_error *err)
{
    conv_axis rows, cols;
    long long ys[4];
    conv2d_status status = check_pool(params, input_shape, &rows, &cols, ys, err);
    if (status != CONV2D_OK)
        return status;
    if ((x == NULL || y == NULL) && input_shape[0] != 0)
        return conv2d_fail(err, CONV2D_ERR_NULL, "input and output must not be NULL");
    for (long long n = 0; n < ys[0]; n++)
        for (long long c = 0; c < ys[1]; c++)
            for (long long oh = 0; oh < ys[2]; oh++)
                for (long long ow = 0; ow < ys[3]; ow++) {
                    long long at = window_argmax(x, input_shape, n, c, &rows, oh, &cols, ow);
                    long long out = conv2d_offset(ys, n, c, oh, ow);
                    y[out] = at < 0 ? -INFINITY : x[at];
                    if (argmax != NULL)
                        argmax[out] = at;
                }
    return CONV2D_OK;
}
conv2d_status conv2d_max_pool_backward(const conv2d_pool_params *params,
                                       const float *x, const long long input_shape[4],
                                       const float *dy, float *dx, conv2d_error *err)
{
    conv_axis rows, cols;
    long long ys[4];
    conv2d_status status = check_pool(params, input_shape, &rows, &cols, ys, err);
    if (status != CONV2D_OK)
        return status;
    if ((x == NULL || dy == NULL || dx == NULL) && input_shape[0] != 0)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "input, grad_output and grad_input must not be NULL");
    for (long long i = 0; i < input_shape[0] * input_shape[1] * input_shape[2] * input_shape[3];
         i++)
        dx[i] = 0.0f;
    for (long long n = 0; n < ys[0]; n++)
        for (long long c = 0; c < ys[1]; c++)
            for (long long oh = 0; oh < ys[2]; oh++)
                for (long long ow = 0; ow < ys[3]; ow++) {
                    long long at = window_argmax(x, input_shape, n, c, &rows, oh, &cols, ow);
                    if (at >= 0)
                        dx[at] += dy[conv2d_offset(ys, n, c, oh, ow)];
                }
    return CONV2D_OK;
}
