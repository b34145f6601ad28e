/* fig-photo.c: the data of Figure "The photograph and its three channels".
   Usage: fig-photo PHOTO rgb|red|green|blue|grey */
#include <stdio.h>
#include <string.h>
#include "fig-print.h"

int main(int argc, char **argv)
{
    static const char *const planes[3] = { "red", "green", "blue" };
    image photo, grey;
    conv2d_error err;
    long long width, height;
    if (argc != 3) {
        fprintf(stderr, "usage: fig-photo PHOTO rgb|red|green|blue|grey\n");
        return 2;
    }
    if (image_read(argv[1], &photo, &err) != CONV2D_OK) {
        fprintf(stderr, "fig-photo: %s\n", err.message);
        return 1;
    }
    width = photo.width;
    height = photo.height;
    {
        if (strcmp(argv[2], "rgb") == 0 && photo.channels == 3) {
            for (long long h = 0; h < height; h++)
                for (long long w = 0; w < width; w++)
                    printf("%lld %lld %.0f %.0f %.0f\n", w, h,
                           255 * photo.data[(0 * height + h) * width + w],
                           255 * photo.data[(1 * height + h) * width + w],
                           255 * photo.data[(2 * height + h) * width + w]);
            return 0;
        }
        for (int c = 0; c < 3 && c < photo.channels; c++)
            if (strcmp(argv[2], planes[c]) == 0) {
                print_crop(photo.data + c * height * width, width, 0, 0, width, height);
                return 0;
            }
        if (strcmp(argv[2], "grey") == 0 && image_to_grey(&photo, &grey, &err) == CONV2D_OK) {
            print_crop(grey.data, width, 0, 0, width, height);
            return 0;
        }
        fprintf(stderr, "fig-photo: cannot print \"%s\" of an image with %d channels\n",
                argv[2], photo.channels);
        return 1;
    }
}
