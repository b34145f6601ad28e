/* conv2d-backward.c: gradients and the transposed convolution (chapter 3).
   Tangled from the book. */
#include <limits.h>
#include <stddef.h>
#include "conv2d-internal.h"

static int add_range(long long first[3], long long last[3], int count,
                     long long from, long long to)
{
    first[count] = from;
    last[count] = to;
    return count + 1;
}

int conv2d_preimages(long long i, const conv_axis *axis, conv2d_padding_mode mode,
                     long long first[3], long long last[3])
{
    long long n = axis->input, before = axis->pad_begin, after = axis->pad_end;
    int count = add_range(first, last, 0, i, i);
    if (mode == CONV2D_PADDING_REFLECT) {
        if (i >= 1 && i <= before)
            count = add_range(first, last, count, -i, -i);
        if (i <= n - 2 && 2 * (n - 1) - i <= n - 1 + after)
            count = add_range(first, last, count, 2 * (n - 1) - i, 2 * (n - 1) - i);
    } else if (mode == CONV2D_PADDING_REPLICATE) {
        if (i == 0 && before > 0)
            count = add_range(first, last, count, -before, -1);
        if (i == n - 1 && after > 0)
            count = add_range(first, last, count, n, n - 1 + after);
    } else if (mode == CONV2D_PADDING_CIRCULAR) {
        if (i - n >= -before)
            count = add_range(first, last, count, i - n, i - n);
        if (i + n <= n - 1 + after)
            count = add_range(first, last, count, i + n, i + n);
    }
    return count;
}
static long long output_at(long long start, long long stride, long long outputs)
{
    if (start < 0 || start % stride != 0 || start / stride >= outputs)
        return -1;
    return start / stride;
}
typedef struct {
    long long x_shape[4];   /* N, C_in, H, W: the shape of x and dx */
    long long w_shape[4];   /* C_out, C_in / groups, kH, kW */
    long long y_shape[4];   /* N, C_out, H_out, W_out: the shape of dy */
    conv_axis rows, cols;   /* the geometry, padding resolved */
    long long groups;
    conv2d_padding_mode mode;
} gradient_job;

static void bias_gradient_f32(const gradient_job *job, const float *dy, float *db)
{
    const long long *ys = job->y_shape;
    for (long long c_out = 0; c_out < ys[1]; c_out++) {
        double sum = 0.0;
        for (long long n = 0; n < ys[0]; n++)
            for (long long oh = 0; oh < ys[2]; oh++)
                for (long long ow = 0; ow < ys[3]; ow++)
                    sum += dy[conv2d_offset(ys, n, c_out, oh, ow)];
        db[c_out] = sum;
    }
}
static void bias_gradient_f64(const gradient_job *job, const double *dy, double *db)
{
    const long long *ys = job->y_shape;
    for (long long c_out = 0; c_out < ys[1]; c_out++) {
        double sum = 0.0;
        for (long long n = 0; n < ys[0]; n++)
            for (long long oh = 0; oh < ys[2]; oh++)
                for (long long ow = 0; ow < ys[3]; ow++)
                    sum += dy[conv2d_offset(ys, n, c_out, oh, ow)];
        db[c_out] = sum;
    }
}
static void weight_gradient_f32(const gradient_job *job, const float *x, const float *dy,
                                float *dw)
{
    const long long *xs = job->x_shape, *ws = job->w_shape, *ys = job->y_shape;
    long long out_per_group = ws[0] / job->groups;
    for (long long c_out = 0; c_out < ws[0]; c_out++)
        for (long long c = 0; c < ws[1]; c++) {
            long long c_in = (c_out / out_per_group) * ws[1] + c;
            for (long long u = 0; u < ws[2]; u++)
                for (long long v = 0; v < ws[3]; v++) {
                    double sum = 0.0;
                    for (long long n = 0; n < ys[0]; n++)
                        for (long long oh = 0; oh < ys[2]; oh++) {
                            long long ih = conv2d_source_index(oh * job->rows.stride + u * job->rows.dilation
                                                               - job->rows.pad_begin, xs[2], job->mode);
                            if (ih < 0)
                                continue;
                            for (long long ow = 0; ow < ys[3]; ow++) {
                                long long iw = conv2d_source_index(ow * job->cols.stride
                                                                   + v * job->cols.dilation
                                                                   - job->cols.pad_begin, xs[3], job->mode);
                                if (iw >= 0)
                                    sum += (double)dy[conv2d_offset(ys, n, c_out, oh, ow)]
                                           * x[conv2d_offset(xs, n, c_in, ih, iw)];
                            }
                        }
                    dw[conv2d_offset(ws, c_out, c, u, v)] = sum;
                }
        }
}
static void weight_gradient_f64(const gradient_job *job, const double *x, const double *dy,
                                double *dw)
{
    const long long *xs = job->x_shape, *ws = job->w_shape, *ys = job->y_shape;
    long long out_per_group = ws[0] / job->groups;
    for (long long c_out = 0; c_out < ws[0]; c_out++)
        for (long long c = 0; c < ws[1]; c++) {
            long long c_in = (c_out / out_per_group) * ws[1] + c;
            for (long long u = 0; u < ws[2]; u++)
                for (long long v = 0; v < ws[3]; v++) {
                    double sum = 0.0;
                    for (long long n = 0; n < ys[0]; n++)
                        for (long long oh = 0; oh < ys[2]; oh++) {
                            long long ih = conv2d_source_index(oh * job->rows.stride + u * job->rows.dilation
                                                               - job->rows.pad_begin, xs[2], job->mode);
                            if (ih < 0)
                                continue;
                            for (long long ow = 0; ow < ys[3]; ow++) {
                                long long iw = conv2d_source_index(ow * job->cols.stride
                                                                   + v * job->cols.dilation
                                                                   - job->cols.pad_begin, xs[3], job->mode);
                                if (iw >= 0)
                                    sum += (double)dy[conv2d_offset(ys, n, c_out, oh, ow)]
                                           * x[conv2d_offset(xs, n, c_in, ih, iw)];
                            }
                        }
                    dw[conv2d_offset(ws, c_out, c, u, v)] = sum;
                }
        }
}
static void input_gradient_f32(const gradient_job *job, const float *w, const float *dy,
                               const float *bias, float *dx)
{
    const long long *xs = job->x_shape;
    for (long long n = 0; n < xs[0]; n++)
        for (long long c_in = 0; c_in < xs[1]; c_in++)
            for (long long i = 0; i < xs[2]; i++) {
                long long first_h[3], last_h[3];
                int ranges_h = conv2d_preimages(i, &job->rows, job->mode, first_h, last_h);
                for (long long j = 0; j < xs[3]; j++) {
                    long long first_w[3], last_w[3];
                    int ranges_w = conv2d_preimages(j, &job->cols, job->mode,
                                                    first_w, last_w);
                    double sum = bias != NULL ? bias[c_in] : 0.0;
                    for (int a = 0; a < ranges_h; a++)
                        for (long long p = first_h[a]; p <= last_h[a]; p++)
                            for (int b = 0; b < ranges_w; b++)
                                for (long long q = first_w[b]; q <= last_w[b]; q++)
                                    {
                                        const long long *ws = job->w_shape, *ys = job->y_shape;
                                        long long in_per_group = ws[1], out_per_group = ws[0] / job->groups;
                                        long long group = c_in / in_per_group, c = c_in % in_per_group;
                                        long long first_out = group * out_per_group, end_out = first_out + out_per_group;
                                        for (long long c_out = first_out; c_out < end_out; c_out++)
                                            for (long long u = 0; u < ws[2]; u++) {
                                                long long oh = output_at(p + job->rows.pad_begin - u * job->rows.dilation,
                                                                         job->rows.stride, ys[2]);
                                                if (oh < 0)
                                                    continue;
                                                for (long long v = 0; v < ws[3]; v++) {
                                                    long long ow = output_at(q + job->cols.pad_begin - v * job->cols.dilation,
                                                                             job->cols.stride, ys[3]);
                                                    if (ow >= 0)
                                                        sum += (double)w[conv2d_offset(ws, c_out, c, u, v)]
                                                               * dy[conv2d_offset(ys, n, c_out, oh, ow)];
                                                }
                                            }
                                    }
                    dx[conv2d_offset(xs, n, c_in, i, j)] = sum;
                }
            }
}
static void input_gradient_f64(const gradient_job *job, const double *w, const double *dy,
                               const double *bias, double *dx)
{
    const long long *xs = job->x_shape;
    for (long long n = 0; n < xs[0]; n++)
        for (long long c_in = 0; c_in < xs[1]; c_in++)
            for (long long i = 0; i < xs[2]; i++) {
                long long first_h[3], last_h[3];
                int ranges_h = conv2d_preimages(i, &job->rows, job->mode, first_h, last_h);
                for (long long j = 0; j < xs[3]; j++) {
                    long long first_w[3], last_w[3];
                    int ranges_w = conv2d_preimages(j, &job->cols, job->mode,
                                                    first_w, last_w);
                    double sum = bias != NULL ? bias[c_in] : 0.0;
                    for (int a = 0; a < ranges_h; a++)
                        for (long long p = first_h[a]; p <= last_h[a]; p++)
                            for (int b = 0; b < ranges_w; b++)
                                for (long long q = first_w[b]; q <= last_w[b]; q++)
                                    {
                                        const long long *ws = job->w_shape, *ys = job->y_shape;
                                        long long in_per_group = ws[1], out_per_group = ws[0] / job->groups;
                                        long long group = c_in / in_per_group, c = c_in % in_per_group;
                                        long long first_out = group * out_per_group, end_out = first_out + out_per_group;
                                        for (long long c_out = first_out; c_out < end_out; c_out++)
                                            for (long long u = 0; u < ws[2]; u++) {
                                                long long oh = output_at(p + job->rows.pad_begin - u * job->rows.dilation,
                                                                         job->rows.stride, ys[2]);
                                                if (oh < 0)
                                                    continue;
                                                for (long long v = 0; v < ws[3]; v++) {
                                                    long long ow = output_at(q + job->cols.pad_begin - v * job->cols.dilation,
                                                                             job->cols.stride, ys[3]);
                                                    if (ow >= 0)
                                                        sum += (double)w[conv2d_offset(ws, c_out, c, u, v)]
                                                               * dy[conv2d_offset(ys, n, c_out, oh, ow)];
                                                }
                                            }
                                    }
                    dx[conv2d_offset(xs, n, c_in, i, j)] = sum;
                }
            }
}
conv2d_status conv2d_check_gradients(const long long output_shape[4],
                                     const long long grad_output_shape[4], int empty,
                                     int have_x, int have_w, int have_dy,
                                     int want_dx, int want_dw, conv2d_error *err)
{
    if (grad_output_shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the grad_output shape must not be NULL");
    for (int i = 0; i < 4; i++)
        if (grad_output_shape[i] != output_shape[i])
            return conv2d_fail(err, CONV2D_ERR_SHAPE,
                               "grad_output has shape [%lld, %lld, %lld, %lld] but the "
                               "forward output has shape [%lld, %lld, %lld, %lld]",
                               grad_output_shape[0], grad_output_shape[1],
                               grad_output_shape[2], grad_output_shape[3], output_shape[0],
                               output_shape[1], output_shape[2], output_shape[3]);
    if ((!have_dy && !empty) || (want_dx && !have_w) || (want_dw && !have_x && !empty))
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "grad_output, and the input and weight that the wanted "
                           "gradients need, must not be NULL");
    return CONV2D_OK;
}


static conv2d_status check_backward(const conv2d_params *params,
                                    const long long input_shape[4],
                                    const long long weight_shape[4],
                                    gradient_job *job, conv2d_error *err)
{
    conv2d_geometry g;
    conv2d_status status = conv2d_check_forward(params, input_shape, weight_shape, &g,
                                                job->y_shape, err);
    if (status != CONV2D_OK)
        return status;
    for (int i = 0; i < 4; i++) {
        job->x_shape[i] = input_shape[i];
        job->w_shape[i] = weight_shape[i];
    }
    job->rows = g.rows;
    job->cols = g.cols;
    job->groups = params->groups;
    job->mode = params->padding_mode;
    return CONV2D_OK;
}
conv2d_status conv2d_backward(const conv2d_params *params,
                              const float *x, const long long input_shape[4],
                              const float *w, const long long weight_shape[4],
                              const float *dy, const long long grad_output_shape[4],
                              float *dx, float *dw, float *db, conv2d_error *err)
{
    gradient_job job;
    conv2d_status status = check_backward(params, input_shape, weight_shape, &job, err);
    if (status == CONV2D_OK)
        status = conv2d_check_gradients(job.y_shape, grad_output_shape, input_shape[0] == 0,
                                        x != NULL, w != NULL, dy != NULL, dx != NULL,
                                        dw != NULL, err);
    if (status != CONV2D_OK)
        return status;
    if (db != NULL) bias_gradient_f32(&job, dy, db);
    if (dw != NULL) weight_gradient_f32(&job, x, dy, dw);
    if (dx != NULL) input_gradient_f32(&job, w, dy, NULL, dx);
    return CONV2D_OK;
}

conv2d_status conv2d_backward_f64(const conv2d_params *params,
                                  const double *x, const long long input_shape[4],
                                  const double *w, const long long weight_shape[4],
                                  const double *dy, const long long grad_output_shape[4],
                                  double *dx, double *dw, double *db, conv2d_error *err)
{
    gradient_job job;
    conv2d_status status = check_backward(params, input_shape, weight_shape, &job, err);
    if (status == CONV2D_OK)
        status = conv2d_check_gradients(job.y_shape, grad_output_shape, input_shape[0] == 0,
                                        x != NULL, w != NULL, dy != NULL, dx != NULL,
                                        dw != NULL, err);
    if (status != CONV2D_OK)
        return status;
    if (db != NULL) bias_gradient_f64(&job, dy, db);
    if (dw != NULL) weight_gradient_f64(&job, x, dy, dw);
    if (dx != NULL) input_gradient_f64(&job, w, dy, NULL, dx);
    return CONV2D_OK;
}
static conv2d_status transpose_axis(long long input, long long kernel, long long stride,
                                    long long dilation, long long pad_begin,
                                    long long pad_end, long long output_padding,
                                    const char *name, conv_axis *axis, conv2d_error *err)
{
    long long steps, span, size;
    if (input < 1 || kernel < 1)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE, "%s: input size (%lld) and kernel size "
                           "(%lld) must be >= 1", name, input, kernel);
    if (stride < 1 || dilation < 1)
        return conv2d_fail(err, stride < 1 ? CONV2D_ERR_STRIDE : CONV2D_ERR_DILATION,
                           "%s: stride (%lld) and dilation (%lld) must be >= 1", name,
                           stride, dilation);
    if (pad_begin < 0 || pad_end < 0 || pad_begin > LLONG_MAX / 4 || pad_end > LLONG_MAX / 4)
        return conv2d_fail(err, CONV2D_ERR_PADDING, "%s: padding must be >= 0 and not absurdly "
                           "large, got %lld before and %lld after", name, pad_begin, pad_end);
    if (output_padding < 0 || (output_padding >= stride && output_padding >= dilation))
        return conv2d_fail(err, CONV2D_ERR_PADDING, "%s: output padding (%lld) must be >= 0 "
                           "and smaller than either stride (%lld) or dilation (%lld)", name,
                           output_padding, stride, dilation);
    if (!conv2d_mul_fits(input - 1, stride, &steps)
        || !conv2d_mul_fits(dilation, kernel - 1, &span)
        || !conv2d_add_fits(steps, span, &size)
        || !conv2d_add_fits(size, output_padding + 1, &size))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "%s: the output size is too large", name);
    size -= pad_begin + pad_end;  /* both are at most LLONG_MAX / 2 here */
    if (size < 1)
        return conv2d_fail(err, CONV2D_ERR_SHAPE, "%s: the output size %lld is too small "
                           "(input %lld, kernel %lld, padding %lld and %lld)", name, size,
                           input, kernel, pad_begin, pad_end);
    *axis = (conv_axis){ size, kernel, stride, dilation, pad_begin, pad_end };
    return CONV2D_OK;
}
static conv2d_status check_transpose(const conv2d_params *p, const long long xs[4],
                                     const long long ws[4], gradient_job *job,
                                     conv2d_error *err)
{
    conv2d_status status;
    long long count = 1;
    if (p == NULL || xs == NULL || ws == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the parameters and shapes must not be NULL");
    if (p->padding_rule != CONV2D_PADDING_EXPLICIT)
        return conv2d_fail(err, CONV2D_ERR_PADDING,
                           "a transposed convolution needs explicit padding, not 'same' or 'valid'");
    if (p->padding_mode != CONV2D_PADDING_ZEROS)
        return conv2d_fail(err, CONV2D_ERR_PADDING_MODE,
                           "a transposed convolution supports only zeros padding");
    if (xs[0] < 0 || xs[1] < 1 || ws[0] < 1 || ws[1] < 1)
        return conv2d_fail(err, CONV2D_ERR_CHANNELS, "input [%lld, %lld, ...] and weight "
                           "[%lld, %lld, ...] need a batch >= 0 and channels >= 1",
                           xs[0], xs[1], ws[0], ws[1]);
    if (p->groups < 1 || xs[1] % p->groups != 0)
        return conv2d_fail(err, CONV2D_ERR_GROUPS, "input channels (%lld) must be divisible "
                           "by groups (%lld), which must be >= 1", xs[1], p->groups);
    if (ws[0] != xs[1])
        return conv2d_fail(err, CONV2D_ERR_CHANNELS, "weight of size [%lld, %lld, %lld, %lld] "
                           "expects an input with %lld channels, but it has %lld", ws[0], ws[1],
                           ws[2], ws[3], ws[0], xs[1]);
    if (ws[1] > LLONG_MAX / p->groups)
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "too many output channels");
    if ((status = transpose_axis(xs[2], ws[2], p->stride_h, p->dilation_h, p->pad_top,
                                 p->pad_bottom, p->output_padding_h, "height", &job->rows,
                                 err)) != CONV2D_OK
        || (status = transpose_axis(xs[3], ws[3], p->stride_w, p->dilation_w, p->pad_left,
                                    p->pad_right, p->output_padding_w, "width", &job->cols,
                                    err)) != CONV2D_OK)
        return status;
    *job = (gradient_job){ .x_shape = { xs[0], ws[1] * p->groups, job->rows.input,
                                        job->cols.input },
                           .w_shape = { ws[0], ws[1], ws[2], ws[3] },
                           .y_shape = { xs[0], xs[1], xs[2], xs[3] },
                           .rows = job->rows, .cols = job->cols, .groups = p->groups,
                           .mode = CONV2D_PADDING_ZEROS };
    for (int i = 0; i < 4; i++)
        if (!conv2d_mul_fits(count, job->x_shape[i], &count))
            return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "the output has too many elements");
    return CONV2D_OK;
}
conv2d_status conv2d_transpose_shape(const conv2d_params *params,
                                     const long long input_shape[4],
                                     const long long weight_shape[4],
                                     long long output_shape[4], conv2d_error *err)
{
    gradient_job job;
    conv2d_status status;
    if (output_shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the output shape must not be NULL");
    status = check_transpose(params, input_shape, weight_shape, &job, err);
    if (status == CONV2D_OK)
        for (int i = 0; i < 4; i++)
            output_shape[i] = job.x_shape[i];
    return status;
}

conv2d_status conv2d_transpose(const conv2d_params *params,
                               const float *x, const long long input_shape[4],
                               const float *w, const long long weight_shape[4],
                               const float *b, long long bias_length,
                               float *y, conv2d_error *err)
{
    gradient_job job;
    conv2d_status status = check_transpose(params, input_shape, weight_shape, &job, err);
    if (status != CONV2D_OK)
        return status;
    if (b != NULL && bias_length != job.x_shape[1])
        return conv2d_fail(err, CONV2D_ERR_BIAS, "bias has %lld values but the transposed "
                           "convolution has %lld output channels", bias_length, job.x_shape[1]);
    if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
        return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    input_gradient_f32(&job, w, x, b, y);
    return CONV2D_OK;
}

conv2d_status conv2d_transpose_f64(const conv2d_params *params,
                                   const double *x, const long long input_shape[4],
                                   const double *w, const long long weight_shape[4],
                                   const double *b, long long bias_length,
                                   double *y, conv2d_error *err)
{
    gradient_job job;
    conv2d_status status = check_transpose(params, input_shape, weight_shape, &job, err);
    if (status != CONV2D_OK)
        return status;
    if (b != NULL && bias_length != job.x_shape[1])
        return conv2d_fail(err, CONV2D_ERR_BIAS, "bias has %lld values but the transposed "
                           "convolution has %lld output channels", bias_length, job.x_shape[1]);
    if (w == NULL || ((x == NULL || y == NULL) && input_shape[0] != 0))
        return conv2d_fail(err, CONV2D_ERR_NULL, "input, weight and output must not be NULL");
    input_gradient_f64(&job, w, x, b, y);
    return CONV2D_OK;
}
