/* fig-border.c: the data of Figure "The border under four padding modes".
   Usage: fig-border PHOTO SIZE MODE LEFT TOP WIDTH HEIGHT
   Blurs the grey photograph with a SIZE x SIZE box ('same' padding). */
#include <stdio.h>
#include <stdlib.h>
#include "fig-print.h"

int main(int argc, char **argv)
{
    image photo, grey;
    conv2d_padding_mode mode;
    long long size, crop[4];
    conv2d_error err;
    if (argc != 8 || (size = atoll(argv[2])) < 1 || size > 99
        || !read_mode(argv[3], &mode)) {
        fprintf(stderr, "usage: fig-border PHOTO SIZE(1..99)"
                        " zeros|reflect|replicate|circular LEFT TOP WIDTH HEIGHT\n");
        return 2;
    }
    if (image_read(argv[1], &photo, &err) != CONV2D_OK
        || image_to_grey(&photo, &grey, &err) != CONV2D_OK) {
        fprintf(stderr, "fig-border: %s\n", err.message);
        return 1;
    }
    if (!read_crop(argv + 4, &grey, crop))
        return 2;
    {
        conv2d_params p = conv2d_default_params();
        const long long x_shape[4] = { 1, 1, grey.height, grey.width };
        const long long w_shape[4] = { 1, 1, size, size };
        float *box = malloc(sizeof(float) * (size_t)(size * size));
        float *y = malloc(sizeof(float) * (size_t)(grey.height * grey.width));
        if (box == NULL || y == NULL)
            return 1;
        for (long long i = 0; i < size * size; i++)
            box[i] = 1.0f / (float)(size * size);
        p.padding_rule = CONV2D_PADDING_SAME;
        p.padding_mode = mode;
        if (conv2d_forward(&p, grey.data, x_shape, box, w_shape, NULL, 0, y, &err)
            != CONV2D_OK) {
            fprintf(stderr, "fig-border: %s\n", err.message);
            return 1;
        }
        print_crop(y, grey.width, crop[0], crop[1], crop[2], crop[3]);
        free(box);
        free(y);
        image_free(&photo);
        image_free(&grey);
        return 0;
    }
}
