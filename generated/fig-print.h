/* fig-print.h: what the figure programs of chapter 4 share.
   Tangled from the book. */
#ifndef FIG_PRINT_H
#define FIG_PRINT_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filters.h"

/* plane: [height][width]; the crop must lie inside it. */
static inline void print_crop(const float *plane, long long width, long long left, long long top,
                       long long crop_width, long long crop_height)
{
    for (long long h = top; h < top + crop_height; h++)
        for (long long w = left; w < left + crop_width; w++)
            printf("%.5g%c", plane[h * width + w],
                   w + 1 < left + crop_width ? ' ' : '\n');
}
static inline int read_mode(const char *word, conv2d_padding_mode *mode)
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
static inline int read_crop(char **words, const image *img, long long crop[4])
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
#endif
