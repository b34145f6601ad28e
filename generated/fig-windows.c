/* fig-windows.c: the data of Figure "Windows along one axis".
   Usage: fig-windows INPUT KERNEL STRIDE DILATION PAD_BEGIN PAD_END */
#include <stdio.h>
#include <stdlib.h>
#include "conv2d.h"

static void print_positions(const conv_axis *axis, long long output)
{
    long long length = axis->pad_begin + axis->input + axis->pad_end;
    for (long long q = 0; q < length; q++) {
        long long index = q - axis->pad_begin;
        int is_input = index >= 0 && index < axis->input;
        int is_read = 0;
        for (long long j = 0; j < output; j++) {
            long long offset = q - j * axis->stride;
            if (offset >= 0 && offset % axis->dilation == 0
                && offset / axis->dilation < axis->kernel)
                is_read = 1;
        }
        printf("%lld %lld %d\n", q, is_input ? index : -1, is_read);
    }
}
static void print_taps(const conv_axis *axis, long long output)
{
    for (long long j = 0; j < output; j++) {
        for (long long u = 0; u < axis->kernel; u++)
            printf("%lld %lld\n", j, j * axis->stride + u * axis->dilation);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    conv_axis axis;
    long long output;
    conv2d_error err;
    if (argc != 7) {
        fprintf(stderr, "usage: fig-windows INPUT KERNEL STRIDE DILATION "
                        "PAD_BEGIN PAD_END\n");
        return 2;
    }
    axis = (conv_axis){ .input = atoll(argv[1]), .kernel = atoll(argv[2]),
                        .stride = atoll(argv[3]), .dilation = atoll(argv[4]),
                        .pad_begin = atoll(argv[5]), .pad_end = atoll(argv[6]) };
    if (conv_output_length(&axis, &output, &err) != CONV2D_OK) {
        fprintf(stderr, "fig-windows: %s\n", err.message);
        return 1;
    }
    print_positions(&axis, output);
    printf("\n\n");
    print_taps(&axis, output);
    return 0;
}
