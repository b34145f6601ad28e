/* fig-filter.c: the data of the Figures of chapter 4 that show a filter.
   Usage: fig-filter PHOTO SHRINK FILTER MODE [LEFT TOP WIDTH HEIGHT]
   SHRINK is 1, or 2 to average blocks of 2 x 2 pixels before filtering;
   MODE is zeros, reflect, replicate or circular. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filters.h"

/* plane: [height][width]; the crop must lie inside it. */
static void print_crop(const float *plane, long long width, long long left, long long top,
                       long long crop_width, long long crop_height)
{
    for (long long h = top; h < top + crop_height; h++)
        for (long long w = left; w < left + crop_width; w++)
            printf("%.5g%c", plane[h * width + w],
                   w + 1 < left + crop_width ? ' ' : '\n');
}
static int read_mode(const char *word, conv2d_padding_mode *mode)
{
    static const char *const names[4] = { "zeros", "reflect", "replicate", "circular" };
    for (int i = 0; i < 4; i++)
        if (strcmp(word, names[i]) == 0) {
            *mode = (conv2d_padding_mode)i;
            return 1;
        }
    return 0;
}

/* crop: left, top, width, height; the whole image when words is NULL. */
static int read_crop(char **words, const image *img, long long crop[4])
{
    long long whole[4] = { 0, 0, img->width, img->height };
    for (int i = 0; i < 4; i++)
        crop[i] = words == NULL ? whole[i] : atoll(words[i]);
    if (crop[0] < 0 || crop[1] < 0 || crop[2] < 1 || crop[3] < 1
        || crop[0] + crop[2] > img->width || crop[1] + crop[3] > img->height) {
        fprintf(stderr, "crop %lld %lld %lld %lld does not fit in a %lld x %lld image\n",
                crop[0], crop[1], crop[2], crop[3], img->width, img->height);
        return 0;
    }
    return 1;
}
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
