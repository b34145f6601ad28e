/* fuzz-image.c: a libFuzzer target for image_parse.  Tangled from the book
   (the appendix on images); built and run by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_values(const float *values, long long n)
{
    for (long long i = 0; i < n; i++)
        if (!(values[i] >= 0 && values[i] <= 1))
            abort();
}

static void check_image(const image *img, size_t size)
{
    image grey = { 0 };
    long long samples;
    if ((img->channels != 1 && img->channels != 3) || img->width < 1
        || img->height < 1 || img->width > IMAGE_MAX_SAMPLES
        || img->height > IMAGE_MAX_SAMPLES / img->width)
        abort();
    samples = img->width * img->height * img->channels;
    if (samples > IMAGE_MAX_SAMPLES || (unsigned long long)samples > size
        || img->data == NULL)
        abort();
    check_values(img->data, samples);
    if (image_to_grey(img, &grey, NULL) != CONV2D_OK || grey.channels != 1)
        abort();
    check_values(grey.data, img->width * img->height);
    image_free(&grey);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image img = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_status status = image_parse(data, size, &img, &err);
    if (status != CONV2D_OK) {
        if (err.status != status || strncmp(err.message, "image data: ", 12) != 0
            || img.data != NULL)
            abort();
        return 0;
    }
    check_image(&img, size);
    image_free(&img);
    return 0;
}
