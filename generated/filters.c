/* filters.c: named image filters, each one a convolution (chapter 4).
   Tangled from the book. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d-internal.h"
#include "filters.h"

typedef struct {
    const char *name;
    long long size;       /* each kernel is size x size: 3 or 5 */
    int kernels;          /* 1; or 2, combined as sqrt(a^2 + b^2) */
    float divisor;        /* every tap is divided by this */
    float taps[2][25];    /* row by row; the second kernel only if kernels == 2 */
} named_filter;

static const named_filter filters[] = {
    { "identity", 3, 1, 1, { { 0, 0, 0,
                               0, 1, 0,
                               0, 0, 0 } } },
    { "box", 5, 1, 25, { { 1, 1, 1, 1, 1,
                           1, 1, 1, 1, 1,
                           1, 1, 1, 1, 1,
                           1, 1, 1, 1, 1,
                           1, 1, 1, 1, 1 } } },
    { "gaussian", 5, 1, 256, { { 1,  4,  6,  4, 1,
                                 4, 16, 24, 16, 4,
                                 6, 24, 36, 24, 6,
                                 4, 16, 24, 16, 4,
                                 1,  4,  6,  4, 1 } } },
    { "sharpen", 3, 1, 1, { {  0, -1,  0,
                              -1,  5, -1,
                               0, -1,  0 } } },
    { "sobel-x", 3, 1, 1, { { -1,  0,  1,
                              -2,  0,  2,
                              -1,  0,  1 } } },
    { "sobel-y", 3, 1, 1, { { -1, -2, -1,
                               0,  0,  0,
                               1,  2,  1 } } },
    { "sobel", 3, 2, 1, { { -1,  0,  1,
                            -2,  0,  2,
                            -1,  0,  1 },
                          { -1, -2, -1,
                             0,  0,  0,
                             1,  2,  1 } } },
    { "laplacian", 3, 1, 1, { { 0,  1, 0,
                                1, -4, 1,
                                0,  1, 0 } } },
    { "emboss", 3, 1, 1, { { -2, -1, 0,
                             -1,  1, 1,
                              0,  1, 2 } } },
};
enum { FILTER_COUNT = sizeof filters / sizeof filters[0] };
static conv2d_status find_filter(const char *name, const named_filter **filter,
                                 conv2d_error *err)
{
    char list[200] = "";
    size_t used = 0;
    for (int i = 0; i < FILTER_COUNT; i++)
        if (strcmp(name, filters[i].name) == 0) {
            *filter = &filters[i];
            return CONV2D_OK;
        }
    for (int i = 0; i < FILTER_COUNT && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i > 0 ? ", " : "", filters[i].name);
    return conv2d_fail(err, CONV2D_ERR_FILTER,
                       "unknown filter \"%.40s\"; the filters are: %s", name, list);
}
static const char *const filter_names[] = {
    "identity", "box", "gaussian", "sharpen", "sobel-x", "sobel-y", "sobel",
    "laplacian", "emboss", NULL
};

const char *const *conv2d_filter_names(void)
{
    _Static_assert(sizeof filter_names / sizeof filter_names[0] == FILTER_COUNT + 1,
                   "every filter in the table must have its name in filter_names");
    return filter_names;
}
conv2d_status conv2d_named_kernel(const char *name, float kernel[25], long long *size,
                                  conv2d_error *err)
{
    const named_filter *filter = NULL;
    conv2d_status status;
    if (name == NULL || kernel == NULL || size == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "the name, kernel and size must not be NULL");
    if ((status = find_filter(name, &filter, err)) != CONV2D_OK)
        return status;
    if (filter->kernels != 1)
        return conv2d_fail(err, CONV2D_ERR_FILTER,
                           "filter \"%s\" is not a kernel: it is the gradient magnitude "
                           "sqrt(gx^2 + gy^2) of the kernels sobel-x and sobel-y", name);
    for (long long t = 0; t < 25; t++)
        kernel[t] = t < filter->size * filter->size ? filter->taps[0][t] / filter->divisor
                                                     : 0.0f;
    *size = filter->size;
    return CONV2D_OK;
}
conv2d_status conv2d_filter_image(const char *name, conv2d_padding_mode mode,
                                  const image *in, image *out, conv2d_error *err)
{
    const named_filter *filter = NULL;
    conv2d_params params = conv2d_default_params();
    long long x_shape[4], w_shape[4], y_shape[4], count;
    conv2d_status status;
    if (name == NULL || in == NULL || out == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "the filter name and the images must not be NULL");
    if ((status = find_filter(name, &filter, err)) != CONV2D_OK)
        return status;
    if (in->channels < 1)
        return conv2d_fail(err, CONV2D_ERR_CHANNELS,
                           "an image must have at least one channel, got %d", in->channels);
    x_shape[0] = 1;
    x_shape[1] = in->channels;
    x_shape[2] = in->height;
    x_shape[3] = in->width;
    w_shape[0] = (long long)in->channels * filter->kernels;
    w_shape[1] = 1;
    w_shape[2] = w_shape[3] = filter->size;
    params.padding_rule = CONV2D_PADDING_SAME;
    params.padding_mode = mode;
    params.groups = in->channels;
    if ((status = conv2d_forward_shape(&params, x_shape, w_shape, y_shape, err)) != CONV2D_OK)
        return status;
    if (in->data == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "the image has no pixels (data is NULL)");
    count = y_shape[1] * y_shape[2] * y_shape[3];
    if ((unsigned long long)count > SIZE_MAX / sizeof(float))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                           "a %lld x %lld image of %lld channels does not fit in memory",
                           y_shape[3], y_shape[2], y_shape[1]);
    {
        long long kernels = filter->kernels, taps = filter->size * filter->size;
        float *weight = malloc(sizeof(float) * (size_t)(w_shape[0] * taps));
        float *y = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1));
        if (weight == NULL || y == NULL) {
            free(weight);
            free(y);
            return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate %lld values", count);
        }
        for (long long c = 0; c < w_shape[0]; c++)
            for (long long t = 0; t < taps; t++)
                weight[c * taps + t] = filter->taps[c % kernels][t] / filter->divisor;
        status = conv2d_forward(&params, in->data, x_shape, weight, w_shape, NULL, 0, y, err);
        free(weight);
        if (status != CONV2D_OK) {
            free(y);
            return status;
        }
        if (kernels == 2)
            {
                long long plane = y_shape[2] * y_shape[3];
                for (long long c = 0; c < in->channels; c++)
                    for (long long i = 0; i < plane; i++) {
                        double gx = y[(2 * c) * plane + i], gy = y[(2 * c + 1) * plane + i];
                        y[c * plane + i] = (float)sqrt(gx * gx + gy * gy);
                    }
            }
        {
            image result = *in;
            result.data = y;
            *out = result;
        }
        return CONV2D_OK;
    }
}
