/* fig-coverage.c: the data of Figure "How many taps read each input sample".
   Usage: fig-coverage SIZE KERNEL STRIDE DILATION PADDING MODE
   (MODE 0 zeros, 1 reflect, 2 replicate, 3 circular) */
#include <stdio.h>
#include <stdlib.h>
#include "conv2d.h"

int main(int argc, char **argv)
{
    conv2d_params p = conv2d_default_params();
    long long size, kernel, out[4];
    conv2d_error err;
    if (argc != 7) {
        fprintf(stderr, "usage: fig-coverage SIZE KERNEL STRIDE DILATION PADDING MODE\n");
        return 2;
    }
    size = atoll(argv[1]);
    kernel = atoll(argv[2]);
    p.stride_h = p.stride_w = atoll(argv[3]);
    p.dilation_h = p.dilation_w = atoll(argv[4]);
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = atoll(argv[5]);
    p.padding_mode = (conv2d_padding_mode)atoi(argv[6]);
    {
        const long long xs[4] = { 1, 1, size, size }, ws[4] = { 1, 1, kernel, kernel };
        float *w, *dy, *dx;
        if (conv2d_forward_shape(&p, xs, ws, out, &err) != CONV2D_OK) {
            fprintf(stderr, "fig-coverage: %s\n", err.message);
            return 1;
        }
        w = malloc(sizeof(float) * (size_t)(kernel * kernel));
        dy = malloc(sizeof(float) * (size_t)(out[2] * out[3]));
        dx = malloc(sizeof(float) * (size_t)(size * size));
        if (w == NULL || dy == NULL || dx == NULL)
            return 1;
        for (long long i = 0; i < kernel * kernel; i++) w[i] = 1;
        for (long long i = 0; i < out[2] * out[3]; i++) dy[i] = 1;
        if (conv2d_backward(&p, NULL, xs, w, ws, dy, out, dx, NULL, NULL, &err) != CONV2D_OK) {
            fprintf(stderr, "fig-coverage: %s\n", err.message);
            return 1;
        }
        for (long long i = 0; i < size; i++)
            for (long long j = 0; j < size; j++)
                printf("%g%c", dx[i * size + j], j + 1 < size ? ' ' : '\n');
        free(w); free(dy); free(dx);
        return 0;
    }
}
