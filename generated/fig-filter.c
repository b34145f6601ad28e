/* fig-filter.c: the data of the Figures of chapter 4 that show a filter.
   Usage: fig-filter PHOTO SHRINK FILTER MODE [LEFT TOP WIDTH HEIGHT]
   SHRINK is 1, or 2 to average blocks of 2 x 2 pixels before filtering;
   MODE is zeros, reflect, replicate or circular. */
#include <stdio.h>
#include <stdlib.h>
#include "fig-print.h"

static conv2d_status shrink_grey(image *grey, long long shrink, conv2d_error *err)
{
    conv2d_params p = conv2d_default_params();
    const long long x_shape[4] = { 1, 1, grey->height, grey->width };
    const long long w_shape[4] = { 1, 1, shrink, shrink };
    long long y_shape[4];
    float weight[64], *y;
    conv2d_status status;
    p.stride_h = p.stride_w = shrink;
    if ((status = conv2d_forward_shape(&p, x_shape, w_shape, y_shape, err)) != CONV2D_OK)
        return status;
    for (long long i = 0; i < shrink * shrink; i++)
        weight[i] = 1.0f / (float)(shrink * shrink);
    y = malloc(sizeof(float) * (size_t)(y_shape[2] * y_shape[3]));
    if (y == NULL) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return err->status = CONV2D_ERR_MEMORY;
    }
    status = conv2d_forward(&p, grey->data, x_shape, weight, w_shape, NULL, 0, y, err);
    free(grey->data);
    grey->data = y;
    grey->height = y_shape[2];
    grey->width = y_shape[3];
    return status;
}

int main(int argc, char **argv)
{
    image photo, grey, filtered;
    conv2d_padding_mode mode;
    long long crop[4], shrink;
    conv2d_error err;
    if ((argc != 5 && argc != 9) || (shrink = atoll(argv[2])) < 1 || shrink > 8
        || !read_mode(argv[4], &mode)) {
        fprintf(stderr, "usage: fig-filter PHOTO SHRINK(1..8) FILTER"
                        " zeros|reflect|replicate|circular [LEFT TOP WIDTH HEIGHT]\n");
        return 2;
    }
    if (image_read(argv[1], &photo, &err) != CONV2D_OK
        || image_to_grey(&photo, &grey, &err) != CONV2D_OK
        || shrink_grey(&grey, shrink, &err) != CONV2D_OK
        || conv2d_filter_image(argv[3], mode, &grey, &filtered, &err) != CONV2D_OK) {
        fprintf(stderr, "fig-filter: %s\n", err.message);
        return 1;
    }
    if (!read_crop(argc == 9 ? argv + 5 : NULL, &filtered, crop))
        return 2;
    print_crop(filtered.data, filtered.width, crop[0], crop[1], crop[2], crop[3]);
    image_free(&photo);
    image_free(&grey);
    image_free(&filtered);
    return 0;
}
