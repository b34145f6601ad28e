/* fig-receptive.c: the data of the figures of the section "Receptive fields".
   Usage: fig-receptive depths MAX_DEPTH
          fig-receptive photo DEPTH EYE_COLUMN EYE_ROW
   Reads the photo named by the environment variable CONV2D_PHOTO, or
   plots/photos/chelsea.ppm (run it from the top of the repository). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"
#include "image.h"

enum { PLAIN, POOLED, DILATED, DESIGNS, MAX_LAYERS = 64 };

static int design(int which, int depth, conv_axis layers[MAX_LAYERS])
{
    int count = 0;
    for (int l = 1; l <= depth && count + 2 <= MAX_LAYERS; l++) {
        long long dilation = which == DILATED ? 1LL << (l - 1) : 1;
        layers[count++] = (conv_axis){ .kernel = 3, .stride = 1, .dilation = dilation,
                                       .pad_begin = dilation, .pad_end = dilation };
        if (which == POOLED && l % 2 == 0 && l < depth)
            layers[count++] = (conv_axis){ .kernel = 2, .stride = 2, .dilation = 1 };
    }
    return count;
}
static int print_depths(int max_depth)
{
    conv_axis layers[MAX_LAYERS];
    conv2d_error err = { CONV2D_OK, "" };
    for (int depth = 1; depth <= max_depth && depth < 40; depth++) {
        printf("%d", depth);
        for (int which = 0; which < DESIGNS; which++) {
            conv2d_field field;
            if (conv2d_receptive_field(layers, design(which, depth, layers), &field, &err)
                != CONV2D_OK) {
                fprintf(stderr, "fig-receptive: %s\n", err.message);
                return 1;
            }
            printf(" %lld", field.size);
        }
        printf("\n");
    }
    return 0;
}
static int halve(const image *in, image *out)
{
    long long w = in->width / 2, h = in->height / 2;
    *out = (image){ .width = w, .height = h, .channels = in->channels };
    out->data = malloc(sizeof(float) * (size_t)(in->channels * w * h));
    if (out->data == NULL)
        return 1;
    for (long long c = 0; c < in->channels; c++)
        for (long long i = 0; i < h; i++)
            for (long long j = 0; j < w; j++) {
                const float *p = in->data + (c * in->height + 2 * i) * in->width + 2 * j;
                out->data[(c * h + i) * w + j] = 0.25f * (p[0] + p[1] + p[in->width]
                                                          + p[in->width + 1]);
            }
    return 0;
}
static long long field_start(const conv2d_field *f, long long eye)
{
    double j = (double)(eye - f->start) - 0.5 * (double)(f->size - 1);
    long long nearest = (long long)(j / (double)f->jump + (j >= 0 ? 0.5 : -0.5));
    return f->start + nearest * f->jump;
}

static int print_photo(int depth, long long eye_column, long long eye_row)
{
    image full, half;
    conv_axis layers[MAX_LAYERS];
    conv2d_error err = { CONV2D_OK, "" };
    const char *path = getenv("CONV2D_PHOTO");
    if (image_read(path != NULL ? path : "plots/photos/chelsea.ppm", &full, &err) != CONV2D_OK
        || full.channels != 3 || halve(&full, &half) != 0) {
        fprintf(stderr, "fig-receptive: cannot read the photo: %s\n", err.message);
        return 1;
    }
    {
        long long plane = half.width * half.height;
        for (long long i = 0; i < half.height; i++)
            for (long long j = 0; j < half.width; j++) {
                const float *p = half.data + i * half.width + j;
                printf("%lld %lld %d %d %d\n", j, i, (int)(255.0f * p[0] + 0.5f),
                       (int)(255.0f * p[plane] + 0.5f), (int)(255.0f * p[2 * plane] + 0.5f));
            }
    }
    for (int which = 0; which < DESIGNS; which++) {
        conv2d_field f;
        if (conv2d_receptive_field(layers, design(which, depth, layers), &f, &err)
            != CONV2D_OK) {
            fprintf(stderr, "fig-receptive: %s\n", err.message);
            return 1;
        }
        long long x = field_start(&f, eye_column), y = field_start(&f, eye_row);
        printf("\n\n%g %g\n%g %g\n%g %g\n%g %g\n%g %g\n", x - 0.5, y - 0.5,
               x + f.size - 0.5, y - 0.5, x + f.size - 0.5, y + f.size - 0.5,
               x - 0.5, y + f.size - 0.5, x - 0.5, y - 0.5);
    }
    image_free(&full);
    image_free(&half);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "depths") == 0)
        return print_depths(atoi(argv[2]));
    if (argc == 5 && strcmp(argv[1], "photo") == 0)
        return print_photo(atoi(argv[2]), atoll(argv[3]), atoll(argv[4]));
    fprintf(stderr, "usage: fig-receptive depths MAX_DEPTH\n"
                    "       fig-receptive photo DEPTH EYE_COLUMN EYE_ROW\n");
    return 2;
}
