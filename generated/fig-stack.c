/* fig-stack.c: the data of the figures of the section "A stack of layers".
   Usage: fig-stack maps INIT PADDING NLAYERS CHANNELS SEED
          fig-stack ranges INIT PADDING NLAYERS CHANNELS SEED
          fig-stack scales INIT NLAYERS CHANNELS SEEDS
          fig-stack filters
   INIT is pytorch or he, PADDING valid or same.  Reads the photo named by
   the environment variable CONV2D_PHOTO, or plots/photos/chelsea.ppm
   (run it from the top of the repository). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"
#include "filters.h"
#include "image.h"

enum { MAX_SEEDS = 16 };

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
static void print_matrix(const float *map, long long height, long long width)
{
    for (long long i = 0; i < height; i++)
        for (long long j = 0; j < width; j++)
            printf("%.4g%c", map[i * width + j], j + 1 < width ? ' ' : '\n');
    printf("\n\n");
}
static conv2d_status read_half_photo(image *photo, conv2d_error *err)
{
    image full;
    const char *path = getenv("CONV2D_PHOTO");
    conv2d_status status = image_read(path != NULL ? path : "plots/photos/chelsea.ppm",
                                      &full, err);
    if (status != CONV2D_OK)
        return status;
    if (halve(&full, photo) != 0) {
        snprintf(err->message, sizeof err->message, "cannot allocate the half-size photo");
        status = err->status = CONV2D_ERR_MEMORY;
    }
    image_free(&full);
    return status;
}
static void standardise(image *photo)
{
    long long plane = photo->width * photo->height;
    for (int c = 0; c < photo->channels; c++) {
        float *x = photo->data + c * plane;
        double sum = 0.0, squares = 0.0, mean, deviation;
        for (long long i = 0; i < plane; i++) {
            sum += x[i];
            squares += (double)x[i] * x[i];
        }
        mean = sum / (double)plane;
        deviation = sqrt(squares / (double)plane - mean * mean);
        for (long long i = 0; i < plane; i++)
            x[i] = (float)((x[i] - mean) / (deviation > 0.0 ? deviation : 1.0));
    }
}
static int run_stack(const conv2d_stack *stack, const image *in, long long (*shapes)[4],
                     float **outputs)
{
    const long long in_shape[4] = { 1, in->channels, in->height, in->width };
    conv2d_error err = { CONV2D_OK, "" };
    int status = conv2d_stack_shapes(stack, in_shape, shapes, &err) != CONV2D_OK;
    for (int l = 0; status == 0 && l < stack->layers; l++)
        status = (outputs[l] = malloc(sizeof(float) * (size_t)(shapes[l][1] * shapes[l][2]
                                                               * shapes[l][3]))) == NULL;
    if (status == 0)
        status = conv2d_stack_forward(stack, in->data, in_shape, outputs, &err) != CONV2D_OK;
    if (status != 0)
        fprintf(stderr, "fig-stack: %s\n", err.message[0] ? err.message : "out of memory");
    return status;
}

static conv2d_stack stack_from(const char *init, const char *padding, const char *layers,
                               const char *channels, unsigned long long seed)
{
    return (conv2d_stack){ .layers = atoi(layers), .channels = atoll(channels), .kernel = 3,
                           .init = strcmp(init, "he") == 0 ? CONV2D_INIT_HE
                                                           : CONV2D_INIT_PYTORCH,
                           .padding = strcmp(padding, "valid") == 0 ? CONV2D_PADDING_VALID
                                                                    : CONV2D_PADDING_SAME,
                           .seed = seed };
}
static double mean_square(const float *x, long long count, double *mean)
{
    double sum = 0.0, squares = 0.0;
    for (long long i = 0; i < count; i++) {
        sum += x[i];
        squares += (double)x[i] * x[i];
    }
    *mean = sum / (double)count;
    return squares / (double)count;
}

static int print_maps(const image *photo, int argc, char **argv)
{
    enum { MAX_LAYERS = 64 };
    long long shapes[MAX_LAYERS][4];
    float *outputs[MAX_LAYERS] = { NULL };
    conv2d_stack stack;
    int status = 2;
    if (argc == 7) {
        stack = stack_from(argv[2], argv[3], argv[4], argv[5], strtoull(argv[6], NULL, 10));
        status = stack.layers < 1 || stack.layers > MAX_LAYERS
                 || run_stack(&stack, photo, shapes, outputs);
    }
    for (int l = 0; status == 0 && l < stack.layers; l++) {
        long long plane = shapes[l][2] * shapes[l][3];
        double mean, square = mean_square(outputs[l], shapes[l][1] * plane, &mean);
        if (strcmp(argv[1], "ranges") == 0)
            printf("%d %.6g\n", l + 1, sqrt(square - mean * mean));
        else
            for (long long c = 0; c < shapes[l][1]; c++)
                print_matrix(outputs[l] + c * plane, shapes[l][2], shapes[l][3]);
    }
    if (status == 2)
        fprintf(stderr, "usage: fig-stack maps|ranges pytorch|he valid|same NLAYERS(1-64) "
                        "CHANNELS SEED\n");
    for (int l = 0; l < MAX_LAYERS; l++)
        free(outputs[l]);
    return status;
}
static int print_scales(const image *photo, int argc, char **argv)
{
    enum { MAX_LAYERS = 64 };
    static double squares[MAX_SEEDS][MAX_LAYERS];
    long long shapes[MAX_LAYERS][4];
    conv2d_stack stack;
    image small;
    int seeds = argc == 6 ? atoi(argv[5]) : 0, status = 0;
    double mean;
    if (argc != 6 || seeds < 1 || seeds > MAX_SEEDS || atoi(argv[3]) < 1
        || atoi(argv[3]) > MAX_LAYERS) {
        fprintf(stderr, "usage: fig-stack scales pytorch|he NLAYERS(1-64) CHANNELS "
                        "SEEDS(1-16)\n");
        return 2;
    }
    if (halve(photo, &small) != 0)
        return 1;
    standardise(&small);
    for (int s = 0; s < seeds && status == 0; s++) {
        float *outputs[MAX_LAYERS] = { NULL };
        stack = stack_from(argv[2], "same", argv[3], argv[4], (unsigned long long)s + 1);
        status = run_stack(&stack, &small, shapes, outputs);
        for (int l = 0; status == 0 && l < stack.layers; l++)
            squares[s][l] = mean_square(outputs[l], shapes[l][1] * shapes[l][2] * shapes[l][3],
                                        &mean);
        for (int l = 0; l < MAX_LAYERS; l++)
            free(outputs[l]);
    }
    if (status == 0)
        {
            double input_square = mean_square(small.data, small.channels * small.height * small.width,
                                              &mean);
            for (int l = 0; l < stack.layers; l++) {
                double n = (double)((l == 0 ? small.channels : stack.channels) * 9), average = 0.0;
                double weight_variance = stack.init == CONV2D_INIT_HE ? 2.0 / n : 1.0 / (3.0 * n);
                double bias_variance = stack.init == CONV2D_INIT_HE ? 0.0 : 1.0 / (3.0 * n);
                double predicted = n * weight_variance * input_square + bias_variance;
                for (int s = 0; s < seeds; s++)
                    average += squares[s][l] / seeds;
                printf("%d %.6g %.6g", l + 1, sqrt(average), sqrt(predicted));
                for (int s = 0; s < seeds; s++)
                    printf(" %.6g", sqrt(squares[s][l]));
                printf("\n");
                input_square = predicted / 2.0;
            }
        }
    image_free(&small);
    return status;
}
static int print_filters(const image *photo)
{
    image grey = { 0 }, edges = { 0 }, blurred = { 0 }, blurred_edges = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    const conv2d_padding_mode mode = CONV2D_PADDING_REPLICATE;
    int status = image_to_grey(photo, &grey, &err) != CONV2D_OK
                 || conv2d_filter_image("sobel-x", mode, &grey, &edges, &err) != CONV2D_OK
                 || conv2d_filter_image("gaussian", mode, &grey, &blurred, &err) != CONV2D_OK
                 || conv2d_filter_image("sobel-x", mode, &blurred, &blurred_edges, &err)
                        != CONV2D_OK;
    if (status != 0)
        fprintf(stderr, "fig-stack: %s\n", err.message);
    else {
        print_matrix(grey.data, grey.height, grey.width);
        print_matrix(edges.data, edges.height, edges.width);
        print_matrix(blurred_edges.data, blurred_edges.height, blurred_edges.width);
    }
    image_free(&grey);
    image_free(&edges);
    image_free(&blurred);
    image_free(&blurred_edges);
    return status;
}

int main(int argc, char **argv)
{
    image photo;
    conv2d_error err = { CONV2D_OK, "" };
    int status;
    if (argc < 2 || read_half_photo(&photo, &err) != CONV2D_OK) {
        fprintf(stderr, "fig-stack: %s\n",
                argc < 2 ? "usage: fig-stack maps|ranges|scales|filters ..." : err.message);
        return 2;
    }
    if (strcmp(argv[1], "filters") == 0)
        status = print_filters(&photo);
    else {
        standardise(&photo);
        status = strcmp(argv[1], "scales") == 0 ? print_scales(&photo, argc, argv)
                                                : print_maps(&photo, argc, argv);
    }
    image_free(&photo);
    return status;
}
