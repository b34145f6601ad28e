/* image.c: reading and writing binary PGM and PPM images.
   Tangled from the book (the appendix on images); edit the .nw sources. */
#define _POSIX_C_SOURCE 200809L  /* for fileno and fsync */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "image.h"
#include "conv2d-file.h"
#include "conv2d-internal.h"

#define IMAGE_HEADER_LIMIT 16384    /* the longest header we read, comments included */
#define IMAGE_BLOCK 16384           /* bytes of raster read or written at a time */
#define IMAGE_PATH_SIZE 4200        /* room for a path and a temporary file's suffix */
typedef struct {
    const char *name;         /* the path, or "image data": for messages */
    int channels;             /* 1 for P5, 3 for P6 */
    long long width, height;  /* as the header says them */
    long long maxval;
    size_t raster_offset;     /* the byte after the white space after the maxval */
    long long samples;        /* width * height * channels, once checked */
} image_layout;
typedef struct {
    const unsigned char *bytes;   /* the first bytes of the file */
    size_t available;             /* how many: min(file size, IMAGE_HEADER_LIMIT) */
    unsigned long long file_size;
    size_t at;                    /* the index of the next byte */
    const char *name;
    conv2d_error *err;
} image_cursor;

static int image_peek(const image_cursor *c)
{
    return c->at < c->available ? c->bytes[c->at] : EOF;
}

static int image_is_white(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int image_is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}
static conv2d_status image_header_fail(const image_cursor *c, const char *format, ...)
    CONV2D_PRINTF_LIKE(2, 3);

static conv2d_status image_header_fail(const image_cursor *c, const char *format, ...)
{
    char problem[CONV2D_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(problem, sizeof problem, format, args);
    va_end(args);
    return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: malformed header at byte %zu: %s",
                       c->name, c->at, problem);
}
static conv2d_status image_header_ended(const image_cursor *c, const char *what)
{
    if (c->available < c->file_size)
        return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: the header is longer than %d "
                           "bytes (expected %s by then); longer headers are refused",
                           c->name, IMAGE_HEADER_LIMIT, what);
    return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: truncated: the file ends after %llu "
                       "byte%s, inside the header (expected %s)", c->name, c->file_size,
                       c->file_size == 1 ? "" : "s", what);
}

static conv2d_status image_expected(const image_cursor *c, const char *what)
{
    int ch = image_peek(c);
    if (ch == EOF)
        return image_header_ended(c, what);
    if (ch == '\'')
        return image_header_fail(c, "expected %s, found \"'\"", what);
    if (ch >= ' ' && ch <= '~')
        return image_header_fail(c, "expected %s, found '%c'", what, ch);
    return image_header_fail(c, "expected %s, found byte 0x%02x", what, (unsigned)ch);
}
static conv2d_status image_read_magic(image_cursor *c, image_layout *layout)
{
    static const char *const others[8] = {
        NULL, "P1 (plain PBM: a bitmap as text)", "P2 (plain PGM: grey samples as text)",
        "P3 (plain PPM: colour samples as text)", "P4 (binary PBM: a bitmap of one bit "
        "per pixel)", NULL, NULL, "P7 (PAM, netpbm's general format)",
    };
    int first = image_peek(c), second;
    if (first != 'P' && first != EOF)
        return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: not a PGM or PPM file (it does "
                           "not start with P5 or P6)", c->name);
    if (first == EOF)
        return image_expected(c, "the magic number P5 or P6");
    c->at = 1;
    second = image_peek(c);
    if (second == EOF)
        return image_expected(c, "the magic number P5 or P6");
    if (second >= '1' && second <= '7' && others[second - '0'] != NULL)
        return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: %s is not supported; only binary "
                           "PGM (P5) and PPM (P6) are read", c->name, others[second - '0']);
    if (second != '5' && second != '6')
        return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: not a PGM or PPM file (it does "
                           "not start with P5 or P6)", c->name);
    c->at = 2;
    layout->channels = second == '5' ? 1 : 3;
    return CONV2D_OK;
}
static conv2d_status image_skip_separator(image_cursor *c, const char *after)
{
    size_t start = c->at;
    for (;;) {
        int ch = image_peek(c);
        if (image_is_white(ch))
            c->at++;
        else if (ch == '#')
            {
                do
                    c->at++;
                while (image_peek(c) != EOF && image_peek(c) != '\n' && image_peek(c) != '\r');
            }
        else
            break;
    }
    if (c->at == start) {
        char what[64];
        snprintf(what, sizeof what, "white space or a comment after the %s", after);
        return image_expected(c, what);
    }
    return CONV2D_OK;
}
static conv2d_status image_read_number(image_cursor *c, const char *what,
                                       long long *number)
{
    long long value = 0;
    size_t start = c->at;
    char expected[64];
    snprintf(expected, sizeof expected, "the %s (a whole number)", what);
    if (!image_is_digit(image_peek(c)))
        return image_expected(c, expected);
    while (image_is_digit(image_peek(c))) {
        int digit = image_peek(c) - '0';
        if (value > (LLONG_MAX - digit) / 10)
            {
                size_t end = c->at;
                while (end < c->available && image_is_digit(c->bytes[end]))
                    end++;
                c->at = start;
                return image_header_fail(c, "the %s (%.*s) is too large", what, (int)(end - start),
                                         (const char *)c->bytes + start);
            }
        value = 10 * value + digit;
        c->at++;
    }
    *number = value;
    return CONV2D_OK;
}
static conv2d_status image_parse_header(const unsigned char *bytes, size_t available,
                                        unsigned long long file_size,
                                        image_layout *layout, conv2d_error *err)
{
    static const char *const names[4] = { "magic number", "width", "height", "maxval" };
    long long *numbers[3] = { &layout->width, &layout->height, &layout->maxval };
    image_cursor c = { bytes, available, file_size, 0, layout->name, err };
    conv2d_status status = image_read_magic(&c, layout);
    for (int n = 0; n < 3 && status == CONV2D_OK; n++) {
        status = image_skip_separator(&c, names[n]);
        if (status == CONV2D_OK)
            status = image_read_number(&c, names[n + 1], numbers[n]);
    }
    if (status != CONV2D_OK)
        return status;
    if (image_peek(&c) == '#')
        return image_header_fail(&c, "a comment right after the maxval is not supported; the "
                                 "maxval must be followed by one white-space byte, then the "
                                 "raster");
    if (!image_is_white(image_peek(&c)))
        return image_expected(&c, "one white-space byte after the maxval");
    c.at++;
    layout->raster_offset = c.at;
    return CONV2D_OK;
}
static conv2d_status image_check_layout(image_layout *layout,
                                        unsigned long long file_size, conv2d_error *err)
{
    long long pixels = 0, samples = 0;
    unsigned long long after_header = file_size - layout->raster_offset;
    if (layout->width == 0)
        return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the width is 0; it must be at least 1",
                           layout->name);
    if (layout->height == 0)
        return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the height is 0; it must be at least 1",
                           layout->name);
    if (layout->maxval == 0 || layout->maxval > 65535)
        return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: maxval %lld is not valid (expected "
                           "1 to 255)", layout->name, layout->maxval);
    if (layout->maxval > 255)
        return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: maxval %lld is not supported (16-bit "
                           "samples; expected 1 to 255)", layout->name, layout->maxval);
    if (!conv2d_mul_fits(layout->width, layout->height, &pixels)
        || !conv2d_mul_fits(pixels, layout->channels, &samples)
        || samples > IMAGE_MAX_SAMPLES)
        return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the image is too large: %lld x %lld "
                           "pixels of %d sample%s; at most %lld samples are read",
                           layout->name, layout->width, layout->height, layout->channels,
                           layout->channels == 1 ? "" : "s", IMAGE_MAX_SAMPLES);
    layout->samples = samples;
    {
        char size[96];
        snprintf(size, sizeof size, "%lld byte%s (%lld x %lld pixels of %d byte%s)", samples,
                 samples == 1 ? "" : "s", layout->width, layout->height, layout->channels,
                 layout->channels == 1 ? "" : "s");
        if (after_header < (unsigned long long)samples)
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: truncated: the raster is %s but the "
                               "file holds %llu after the header", layout->name, size,
                               after_header);
        if (after_header > (unsigned long long)samples)
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the raster is %s but the file holds "
                               "%llu after the header; a file of several images, or with data "
                               "after its image, is not read", layout->name, size, after_header);
    }
    return CONV2D_OK;
}
static conv2d_status image_allocate(const char *name, long long samples, float **data,
                                    conv2d_error *err)
{
    if ((unsigned long long)samples > SIZE_MAX / sizeof(float)
        || (*data = malloc((size_t)samples * sizeof(float))) == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "%s: cannot allocate an image of %lld "
                           "samples", name, samples);
    return CONV2D_OK;
}
static conv2d_status image_decode(const unsigned char *raster, long long first,
                                  long long n, const image_layout *layout, float *data,
                                  conv2d_error *err)
{
    long long plane = layout->width * layout->height;
    float maxval = (float)layout->maxval;
    for (long long i = 0; i < n; i++) {
        long long pixel = (first + i) / layout->channels;
        int channel = (int)((first + i) % layout->channels);
        if (raster[i] > layout->maxval)
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the sample at row %lld, column "
                               "%lld, channel %d is %d, larger than the maxval %lld",
                               layout->name, pixel / layout->width, pixel % layout->width,
                               channel, raster[i], layout->maxval);
        data[channel * plane + pixel] = (float)raster[i] / maxval;
    }
    return CONV2D_OK;
}
static void image_fill(image *img, const image_layout *layout, float *data)
{
    img->width = layout->width;
    img->height = layout->height;
    img->channels = layout->channels;
    img->data = data;
}
conv2d_status image_parse(const unsigned char *bytes, size_t size, image *img,
                          conv2d_error *err)
{
    image_layout layout = { .name = "image data" };
    float *data = NULL;
    conv2d_status status;
    if (bytes == NULL || img == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "image_parse: bytes and img must not be NULL");
    status = image_parse_header(bytes, size < IMAGE_HEADER_LIMIT ? size : IMAGE_HEADER_LIMIT,
                                size, &layout, err);
    if (status == CONV2D_OK)
        status = image_check_layout(&layout, size, err);
    if (status == CONV2D_OK)
        status = image_allocate(layout.name, layout.samples, &data, err);
    if (status == CONV2D_OK)
        status = image_decode(bytes + layout.raster_offset, 0, layout.samples, &layout,
                              data, err);
    if (status != CONV2D_OK) {
        free(data);
        return status;
    }
    image_fill(img, &layout, data);
    return CONV2D_OK;
}
static conv2d_status image_read_header(FILE *stream, unsigned long long size,
                                       image_layout *layout, conv2d_error *err)
{
    unsigned char header[IMAGE_HEADER_LIMIT];
    size_t wanted = size < IMAGE_HEADER_LIMIT ? (size_t)size : IMAGE_HEADER_LIMIT;
    conv2d_status status;
    if (fread(header, 1, wanted, stream) != wanted)
        return conv2d_read_failed(stream, layout->name, err);
    status = image_parse_header(header, wanted, size, layout, err);
    if (status == CONV2D_OK)
        status = image_check_layout(layout, size, err);
    return status;
}
static conv2d_status image_read_raster(FILE *stream, const image_layout *layout,
                                       float *data, conv2d_error *err)
{
    unsigned char block[IMAGE_BLOCK];
    long long done = 0;
    if (fseek(stream, (long)layout->raster_offset, SEEK_SET) != 0)
        return conv2d_read_failed(stream, layout->name, err);
    while (done < layout->samples) {
        long long n = layout->samples - done < IMAGE_BLOCK ? layout->samples - done
                                                           : IMAGE_BLOCK;
        conv2d_status status;
        if (fread(block, 1, (size_t)n, stream) != (size_t)n)
            return conv2d_read_failed(stream, layout->name, err);
        status = image_decode(block, done, n, layout, data, err);
        if (status != CONV2D_OK)
            return status;
        done += n;
    }
    return CONV2D_OK;
}
conv2d_status image_read(const char *path, image *img, conv2d_error *err)
{
    image_layout layout = { .name = path };
    unsigned long long size = 0;
    float *data = NULL;
    conv2d_status status;
    FILE *stream;
    if (path == NULL || img == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "image_read: path and img must not be NULL");
    if ((stream = fopen(path, "rb")) == NULL)
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot open the file (%s)", path,
                           strerror(errno));
    status = conv2d_file_size(stream, path, &size, err);
    if (status == CONV2D_OK)
        status = image_read_header(stream, size, &layout, err);
    if (status == CONV2D_OK)
        status = image_allocate(path, layout.samples, &data, err);
    if (status == CONV2D_OK)
        status = image_read_raster(stream, &layout, data, err);
    fclose(stream);
    if (status != CONV2D_OK) {
        free(data);
        return status;
    }
    image_fill(img, &layout, data);
    return CONV2D_OK;
}
void image_free(image *img)
{
    if (img != NULL) {
        free(img->data);
        img->data = NULL;
    }
}
static conv2d_status image_check(const char *name, const image *img, long long *samples,
                                 conv2d_error *err)
{
    long long pixels = 0;
    if (img == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "%s: the image must not be NULL", name);
    if (img->channels != 1 && img->channels != 3)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE, "%s: an image has 1 channel (grey) "
                           "or 3 (red, green, blue), not %d", name, img->channels);
    if (img->width < 1 || img->height < 1)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE, "%s: the image is %lld x %lld "
                           "pixels; both must be at least 1", name, img->width, img->height);
    if (!conv2d_mul_fits(img->width, img->height, &pixels)
        || !conv2d_mul_fits(pixels, img->channels, samples) || *samples > IMAGE_MAX_SAMPLES)
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "%s: the image is too large: %lld x "
                           "%lld pixels of %d sample%s; at most %lld samples are written",
                           name, img->width, img->height, img->channels,
                           img->channels == 1 ? "" : "s", IMAGE_MAX_SAMPLES);
    if (img->data == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "%s: the image's data must not be NULL",
                           name);
    return CONV2D_OK;
}
static unsigned char image_byte(float value)
{
    if (!(value > 0))                   /* zero, negative, or NaN */
        return 0;
    if (value >= 1)
        return 255;
    return (unsigned char)((double)value * 255 + 0.5);
}
static int image_write_contents(FILE *stream, const image *img, long long samples)
{
    unsigned char block[IMAGE_BLOCK];
    long long plane = img->width * img->height, done = 0;
    if (fprintf(stream, "P%c\n%lld %lld\n255\n", img->channels == 1 ? '5' : '6',
                img->width, img->height) < 0)
        return 0;
    while (done < samples) {
        long long n = samples - done < IMAGE_BLOCK ? samples - done : IMAGE_BLOCK;
        for (long long i = 0; i < n; i++) {
            long long pixel = (done + i) / img->channels;
            int channel = (int)((done + i) % img->channels);
            block[i] = image_byte(img->data[channel * plane + pixel]);
        }
        if (fwrite(block, 1, (size_t)n, stream) != (size_t)n)
            return 0;
        done += n;
    }
    return fflush(stream) == 0 && fsync(fileno(stream)) == 0;
}
conv2d_status image_write(const char *path, const image *img, conv2d_error *err)
{
    char temp_path[IMAGE_PATH_SIZE];
    long long samples = 0;
    FILE *stream = NULL;
    int written;
    conv2d_status status;
    if (path == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "image_write: path must not be NULL");
    status = image_check(path, img, &samples, err);
    if (status == CONV2D_OK)
        status = conv2d_create_temporary(path, temp_path, sizeof temp_path, &stream, err);
    if (status != CONV2D_OK)
        return status;
    written = image_write_contents(stream, img, samples);
    status = conv2d_close_temporary(stream, written, path, temp_path, err);
    if (status == CONV2D_OK)
        status = conv2d_replace_with_temporary(temp_path, path, err);
    return status;
}
conv2d_status image_to_grey(const image *in, image *out, conv2d_error *err)
{
    long long samples = 0, plane;
    float *grey = NULL;
    conv2d_status status;
    if (out == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "image_to_grey: out must not be NULL");
    status = image_check("image_to_grey", in, &samples, err);
    if (status != CONV2D_OK)
        return status;
    plane = in->width * in->height;
    status = image_allocate("image_to_grey", plane, &grey, err);
    if (status != CONV2D_OK)
        return status;
    if (in->channels == 1)
        memcpy(grey, in->data, (size_t)plane * sizeof(float));
    else {
        const float *red = in->data, *green = red + plane, *blue = green + plane;
        for (long long p = 0; p < plane; p++)
            grey[p] = (float)(0.299 * red[p] + 0.587 * green[p] + 0.114 * blue[p]);
    }
    out->width = in->width;
    out->height = in->height;
    out->channels = 1;
    out->data = grey;
    return CONV2D_OK;
}
