/* tests/image.c: the tests of the appendix on images.  Tangled from the book. */
#define _POSIX_C_SOURCE 200809L  /* for mkdtemp, opendir, setrlimit */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "image.h"
#define SCRATCH_NAME "image"
#include "scratch.h"

TestSuite(image_file, .init = make_scratch, .fini = remove_scratch);

static const unsigned char example_ppm[23] = {
    'P', '6', '\n', '2', ' ', '2', '\n', '2', '5', '5', '\n',
    0xff, 0x00, 0x00,  0x00, 0xff, 0x00,                /* row 0: red, green */
    0x00, 0x00, 0xff,  0x80, 0x80, 0x80,                /* row 1: blue, grey */
};

static const float example_planes[12] = {
    1, 0, 0, 128.0f / 255,                              /* red */
    0, 1, 0, 128.0f / 255,                              /* green */
    0, 0, 1, 128.0f / 255,                              /* blue */
};
static void expect_image(const image *img, long long width, long long height,
                         int channels, const float *values)
{
    cr_assert(eq(llong, img->width, width));
    cr_assert(eq(llong, img->height, height));
    cr_assert(eq(int, img->channels, channels));
    cr_assert(img->data != NULL);
    for (long long i = 0; i < width * height * channels; i++)
        cr_assert(eq(flt, img->data[i], values[i]), "sample %lld", i);
}

static void expect_image_refused(const void *bytes, size_t size, conv2d_status code,
                                 const char *words)
{
    conv2d_error err = { CONV2D_OK, "" };
    image img = { .width = -7 };
    unsigned char *copy = malloc(size > 0 ? size : 1);
    cr_assert(copy != NULL);
    memcpy(copy, bytes, size);
    cr_assert(eq(int, image_parse(copy, size, &img, &err), code), "%s: %s", words,
              err.message);
    free(copy);
    cr_expect(eq(int, err.status, code));
    cr_expect(strstr(err.message, words) != NULL,
              "message \"%s\" should contain \"%s\"", err.message, words);
    cr_expect(eq(llong, img.width, -7), "a failed call must not write its image");
}
Test(image_file, worked_example)
{
    image img = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    char path[PATH_SIZE];
    unsigned char *written;
    size_t size;
    cr_assert(eq(int, image_parse(example_ppm, sizeof example_ppm, &img, &err), CONV2D_OK),
              "%s", err.message);
    expect_image(&img, 2, 2, 3, example_planes);
    in_scratch(path, "example.ppm");
    cr_assert(eq(int, image_write(path, &img, &err), CONV2D_OK), "%s", err.message);
    written = read_bytes(path, &size);
    cr_assert(eq(sz, size, sizeof example_ppm));
    for (size_t i = 0; i < size; i++)
        cr_assert(eq(u8, written[i], example_ppm[i]), "byte %zu", i);
    cr_expect(eq(int, count_files(), 1), "no temporary file may be left");
    free(written);
    image_free(&img);
    cr_expect(img.data == NULL);
}
Test(image_file, round_trips)
{
    static const struct { long long width, height; int channels; } sizes[] = {
        { 1, 1, 1 }, { 1, 1, 3 }, { 7, 3, 1 }, { 3, 7, 3 }, { 300, 217, 3 }, { 217, 300, 1 },
    };
    float *values = malloc(300 * 217 * 3 * sizeof *values);
    cr_assert(values != NULL);
    for (int i = 0; i < 300 * 217 * 3; i++)
        values[i] = (float)((7 * i + 3) % 256) / 255;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        image img = { sizes[s].width, sizes[s].height, sizes[s].channels, values };
        image back = { 0 };
        char path[PATH_SIZE];
        conv2d_error err = { CONV2D_OK, "" };
        in_scratch(path, sizes[s].channels == 1 ? "x.pgm" : "x.ppm");
        cr_assert(eq(int, image_write(path, &img, &err), CONV2D_OK), "%s", err.message);
        cr_assert(eq(int, image_read(path, &back, &err), CONV2D_OK), "%s", err.message);
        expect_image(&back, img.width, img.height, img.channels, values);
        image_free(&back);
        remove(path);
        cr_expect(eq(int, count_files(), 0), "size %zu: no temporary file", s);
    }
    free(values);
}
Test(image_file, values_are_clamped_and_rounded)
{
    static float values[10] = { -1, 0, 0.001f, 0.2f, 0.5f, 0.7f, 1, 2, NAN, INFINITY };
    static const unsigned char bytes[10] = { 0, 0, 0, 51, 128, 178, 255, 255, 0, 255 };
    image img = { 10, 1, 1, values };
    char path[PATH_SIZE];
    unsigned char *written;
    size_t size;
    conv2d_error err = { CONV2D_OK, "" };
    in_scratch(path, "rounding.pgm");
    cr_assert(eq(int, image_write(path, &img, &err), CONV2D_OK), "%s", err.message);
    written = read_bytes(path, &size);
    cr_assert(eq(sz, size, 22));
    cr_assert(eq(int, memcmp(written, "P5\n10 1\n255\n", 12), 0));
    for (int i = 0; i < 10; i++)
        cr_expect(eq(u8, written[12 + i], bytes[i]), "value %d", i);
    free(written);
}
Test(image, comments_and_white_space)
{
    static const char *const headers[] = {
        "P5\n2 2\n255\n",
        "P5# made by hand\n2 2\n255\n",
        "P5\n# one\n2\n# two\n2\n# three\n255\n",
        "P5\n2# the width\n2# the height\n255\n",
        "P5 # a comment ended by CR LF\r\n\t2 \r\n#\n\n 2\t255\r",
        "P5 2 2 255 ",
    };
    static const unsigned char raster[4] = { 0, 85, 170, 255 };
    const float values[4] = { 0, 85.0f / 255, 170.0f / 255, 1 };
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        unsigned char bytes[64];
        size_t length = strlen(headers[h]);
        image img = { 0 };
        conv2d_error err = { CONV2D_OK, "" };
        memcpy(bytes, headers[h], length);
        memcpy(bytes + length, raster, sizeof raster);
        cr_assert(eq(int, image_parse(bytes, length + 4, &img, &err), CONV2D_OK),
                  "header %zu: %s", h, err.message);
        expect_image(&img, 2, 2, 1, values);
        image_free(&img);
    }
}
Test(image, maxval_15)
{
    unsigned char bytes[10 + 16];
    float values[16];
    image img = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    memcpy(bytes, "P5 4 4 15\n", 10);
    for (int s = 0; s < 16; s++) {
        bytes[10 + s] = (unsigned char)s;
        values[s] = (float)(s / 15.0);
    }
    cr_assert(eq(int, image_parse(bytes, sizeof bytes, &img, &err), CONV2D_OK),
              "%s", err.message);
    expect_image(&img, 4, 4, 1, values);
    cr_expect(eq(flt, img.data[5], (float)(1.0 / 3)));
    cr_expect(eq(flt, img.data[15], 1.0f));
    image_free(&img);
}
Test(image, the_photograph)
{
    static const struct { int y, x, red, green, blue; } pixels[] = {
        { 0, 0, 144, 121, 105 }, { 0, 299, 45, 28, 13 }, { 199, 299, 163, 139, 129 },
        { 100, 150, 189, 148, 122 },
    };
    const char *path = "plots/photos/chelsea.ppm";
    image img = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    size_t size;
    unsigned char *bytes = read_bytes(path, &size);
    cr_assert(eq(sz, size, 15 + 300 * 200 * 3));
    cr_assert(eq(int, memcmp(bytes, "P6\n300 200\n255\n", 15), 0));
    cr_assert(eq(int, image_read(path, &img, &err), CONV2D_OK), "%s", err.message);
    cr_assert(eq(llong, img.width, 300));
    cr_assert(eq(llong, img.height, 200));
    cr_assert(eq(int, img.channels, 3));
    {
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 200; y++)
                for (int x = 0; x < 300; x++)
                    cr_assert(eq(flt, img.data[(c * 200 + y) * 300 + x],
                                 (float)bytes[15 + (300 * y + x) * 3 + c] / 255),
                              "channel %d, row %d, column %d", c, y, x);
        for (size_t p = 0; p < sizeof pixels / sizeof pixels[0]; p++) {
            int at = pixels[p].y * 300 + pixels[p].x;
            cr_expect(eq(flt, img.data[at], pixels[p].red / 255.0f), "pixel %zu", p);
            cr_expect(eq(flt, img.data[60000 + at], pixels[p].green / 255.0f), "pixel %zu", p);
            cr_expect(eq(flt, img.data[120000 + at], pixels[p].blue / 255.0f), "pixel %zu", p);
        }
    }
    image_free(&img);
    free(bytes);
}
#define FILE_BYTES(text) text, sizeof text - 1

typedef struct {
    const char *bytes;
    size_t size;
    const char *words;
} refused_image;

static void expect_all_refused(const refused_image *rows, size_t n)
{
    for (size_t r = 0; r < n; r++)
        expect_image_refused(rows[r].bytes, rows[r].size, CONV2D_ERR_FORMAT, rows[r].words);
}
Test(image, other_formats)
{
    static const refused_image rows[] = {
        { FILE_BYTES("GIF89a\1\0\1\0"), "image data: not a PGM or PPM file (it does not "
                                       "start with P5 or P6)" },
        { FILE_BYTES("PF\n2 2\n-1.0\n"), "not a PGM or PPM file" },
        { FILE_BYTES("P1\n2 2\n0 1\n1 0\n"), "image data: P1 (plain PBM: a bitmap as text) "
                                            "is not supported; only binary PGM (P5) and "
                                            "PPM (P6) are read" },
        { FILE_BYTES("P2\n2 2\n255\n0 1\n2 3\n"), "P2 (plain PGM: grey samples as text) is "
                                                 "not supported" },
        { FILE_BYTES("P3\n1 1\n255\n255 0 0\n"), "P3 (plain PPM: colour samples as text) is "
                                                "not supported" },
        { FILE_BYTES("P4\n8 1\n\xaa"), "P4 (binary PBM: a bitmap of one bit per pixel) is "
                                      "not supported" },
        { FILE_BYTES("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\n"
                     "ENDHDR\n\x80"), "P7 (PAM, netpbm's general format) is not supported" },
    };
    expect_all_refused(rows, sizeof rows / sizeof rows[0]);
}
Test(image, malformed_headers)
{
    static const refused_image rows[] = {
        { FILE_BYTES("P6x 2 255\n"), "image data: malformed header at byte 2: expected white "
                                    "space or a comment after the magic number, found 'x'" },
        { FILE_BYTES("P62 2 255\n"), "at byte 2: expected white space or a comment after "
                                    "the magic number, found '2'" },
        { FILE_BYTES("P5 two 2 255\n"), "at byte 3: expected the width (a whole number), "
                                       "found 't'" },
        { FILE_BYTES("P5 -2 2 255\n"), "expected the width (a whole number), found '-'" },
        { FILE_BYTES("P5 2.5 2 255\n"), "at byte 4: expected white space or a comment after "
                                       "the width, found '.'" },
        { FILE_BYTES("P5 2 2x 255\n"), "after the height, found 'x'" },
        { FILE_BYTES("P5 2 2 \"255\"\n"),
          "expected the maxval (a whole number), found '\"'" },
        { FILE_BYTES("P5 99999999999999999999 2 255\n"),
          "at byte 3: the width (99999999999999999999) is too large" },
        { FILE_BYTES("P5 2 99999999999999999999"), "the height (99999999999999999999) is "
                                                  "too large" },
        { FILE_BYTES("P5 1 1 255\xff"), "at byte 10: expected one white-space byte after the "
                                       "maxval, found byte 0xff" },
        { FILE_BYTES("P5 1 1 255# a comment\n\x80"), "at byte 10: a comment right after the "
                                                    "maxval is not supported" },
    };
    expect_all_refused(rows, sizeof rows / sizeof rows[0]);
}
Test(image, header_limit)
{
    static unsigned char bytes[16400];
    image img = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    memcpy(bytes, "P5\n#", 4);
    memset(bytes + 4, 'c', 16372);
    memcpy(bytes + 16376, "\n1 1 255\n\x80", 10);
    expect_image_refused(bytes, 16386, CONV2D_ERR_FORMAT, "image data: the header is longer "
                         "than 16384 bytes (expected one white-space byte after the maxval "
                         "by then); longer headers are refused");
    bytes[1] = 'P';
    bytes[2] = '5';
    cr_assert(eq(int, image_parse(bytes + 1, 16385, &img, &err), CONV2D_OK), "%s",
              err.message);
    cr_expect(eq(flt, img.data[0], 128.0f / 255));
    image_free(&img);
}
Test(image, sizes_and_maxvals)
{
    static const refused_image rows[] = {
        { FILE_BYTES("P5 0 2 255\n"), "image data: the width is 0; it must be at least 1" },
        { FILE_BYTES("P6 2 0 255\n"), "image data: the height is 0; it must be at least 1" },
        { FILE_BYTES("P5 1 1 0\n\0"),
          "image data: maxval 0 is not valid (expected 1 to 255)" },
        { FILE_BYTES("P5 1 1 256\n\0\0"), "image data: maxval 256 is not supported (16-bit "
                                         "samples; expected 1 to 255)" },
        { FILE_BYTES("P6 1 1 65535\n\0\0\0\0\0\0"), "maxval 65535 is not supported (16-bit" },
        { FILE_BYTES("P5 1 1 65536\n\0\0"), "maxval 65536 is not valid (expected 1 to 255)" },
        { FILE_BYTES("P6 65536 32768 255\n"), "image data: the image is too large: 65536 x "
          "32768 pixels of 3 samples; at most 2147483648 samples are read" },
        { FILE_BYTES("P5 2147483649 1 255\n"), "the image is too large" },
        { FILE_BYTES("P6 4294967296 4294967296 255\n"), "the image is too large" },
        { FILE_BYTES("P5 65536 32768 255\n"), "image data: truncated: the raster is "
          "2147483648 bytes (65536 x 32768 pixels of 1 byte) but the file holds 0" },
    };
    expect_all_refused(rows, sizeof rows / sizeof rows[0]);
}
Test(image, rasters)
{
    static const refused_image rows[] = {
        { FILE_BYTES("P6\n2 2\n255\n\xff\0\0\0\xff\0\0\0\xff\x80\x80"), "image data: "
          "truncated: the raster is 12 bytes (2 x 2 pixels of 3 bytes) but the file holds "
          "11 after the header" },
        { FILE_BYTES("P6\n2 2\n255\n\xff\0\0\0\xff\0\0\0\xff\x80\x80\x80\n"), "image data: "
          "the raster is 12 bytes (2 x 2 pixels of 3 bytes) but the file holds 13 after the "
          "header; a file of several images, or with data after its image, is not read" },
        { FILE_BYTES("P5 2 2 15\n\0\1\x10\2"), "image data: the sample at row 1, column 0, "
                                              "channel 0 is 16, larger than the maxval 15" },
        { FILE_BYTES("P6 2 1 254\n\0\0\0\0\0\xff"), "the sample at row 0, column 1, channel 2 "
                                                   "is 255, larger than the maxval 254" },
    };
    expect_all_refused(rows, sizeof rows / sizeof rows[0]);
}
Test(image, cut_short_at_every_byte)
{
    for (size_t length = 0; length < sizeof example_ppm; length++) {
        unsigned char *cut = malloc(length > 0 ? length : 1);
        image img = { 0 };
        cr_assert(cut != NULL);
        memcpy(cut, example_ppm, length);
        cr_expect(eq(int, image_parse(cut, length, &img, NULL), CONV2D_ERR_FORMAT),
                  "cut after %zu bytes", length);
        free(cut);
    }
    expect_image_refused(example_ppm, 0, CONV2D_ERR_FORMAT, "image data: truncated: the file "
                         "ends after 0 bytes, inside the header (expected the magic number "
                         "P5 or P6)");
    expect_image_refused(example_ppm, 1, CONV2D_ERR_FORMAT, "ends after 1 byte, inside the "
                         "header (expected the magic number P5 or P6)");
    expect_image_refused(example_ppm, 4, CONV2D_ERR_FORMAT, "ends after 4 bytes, inside the "
                         "header (expected white space or a comment after the width)");
    expect_image_refused(example_ppm, 10, CONV2D_ERR_FORMAT, "(expected one white-space byte "
                         "after the maxval)");
    expect_image_refused("P5 2 # the end", 14, CONV2D_ERR_FORMAT, "ends after 14 bytes, "
                         "inside the header (expected the height (a whole number))");
}
Test(image_file, files_that_cannot_be_read)
{
    char path[PATH_SIZE], message[PATH_SIZE + 64];
    image img = { .width = -7 };
    conv2d_error err = { CONV2D_OK, "" };
    in_scratch(path, "missing.ppm");
    cr_assert(eq(int, image_read(path, &img, &err), CONV2D_ERR_IO));
    snprintf(message, sizeof message, "%s: cannot open the file (No such file or directory)",
             path);
    cr_expect(eq(str, err.message, message));
    cr_assert(eq(int, image_read(scratch_dir, &img, &err), CONV2D_ERR_IO));
    cr_expect(strstr(err.message, ": not a regular file") != NULL, "%s", err.message);
    in_scratch(path, "short.ppm");
    write_bytes(path, example_ppm, 20);
    cr_assert(eq(int, image_read(path, &img, &err), CONV2D_ERR_FORMAT));
    cr_expect(strstr(err.message, "short.ppm: truncated: the raster is 12 bytes (2 x 2 pixels "
                     "of 3 bytes) but the file holds 9 after the header") != NULL, "%s",
              err.message);
    {
        static unsigned char bytes[15 + 200 * 200];
        memcpy(bytes, "P5\n200 200\n254\n", 15);
        memset(bytes + 15, 254, sizeof bytes - 15);
        bytes[15 + 20000] = 255;
        in_scratch(path, "bright.pgm");
        write_bytes(path, bytes, sizeof bytes);
        cr_assert(eq(int, image_read(path, &img, &err), CONV2D_ERR_FORMAT));
        cr_expect(strstr(err.message, "bright.pgm: the sample at row 100, column 0, channel 0 is "
                         "255, larger than the maxval 254") != NULL, "%s", err.message);
    }
    cr_expect(eq(llong, img.width, -7), "a failed read must not write its image");
}
Test(image_file, a_failed_write_leaves_the_old_file)
{
    static float zeros[100 * 100 * 3];
    image big = { 100, 100, 3, zeros };
    char path[PATH_SIZE];
    unsigned char *after;
    size_t size;
    struct rlimit old_limit, limit;
    conv2d_error err = { CONV2D_OK, "" };
    in_scratch(path, "x.ppm");
    write_bytes(path, example_ppm, sizeof example_ppm);
    {
        cr_assert(eq(int, getrlimit(RLIMIT_FSIZE, &old_limit), 0));
        limit = old_limit;
        limit.rlim_cur = 4096;
        signal(SIGXFSZ, SIG_IGN);
        cr_assert(eq(int, setrlimit(RLIMIT_FSIZE, &limit), 0));
        cr_expect(eq(int, image_write(path, &big, &err), CONV2D_ERR_IO));
        setrlimit(RLIMIT_FSIZE, &old_limit);
        cr_expect(strstr(err.message, "x.ppm: cannot write the temporary file") != NULL
                  && strstr(err.message, "(File too large)") != NULL, "%s", err.message);
    }
    after = read_bytes(path, &size);
    cr_assert(eq(sz, size, sizeof example_ppm));
    cr_expect(eq(int, memcmp(after, example_ppm, size), 0), "the old file must be intact");
    cr_expect(eq(int, count_files(), 1), "the temporary file must be gone");
    free(after);
}
Test(image_file, refused_writes_change_nothing)
{
    float values[12] = { 0 };
    image two_channels = { 2, 3, 2, values }, empty = { 0, 2, 1, values };
    image no_data = { 2, 2, 3, NULL }, fine = { 2, 2, 3, values };
    char path[PATH_SIZE];
    unsigned char *after;
    size_t size;
    conv2d_error err = { CONV2D_OK, "" };
    in_scratch(path, "x.ppm");
    write_bytes(path, example_ppm, sizeof example_ppm);
    {
        cr_expect(eq(int, image_write(path, &two_channels, &err), CONV2D_ERR_INPUT_SIZE));
        cr_expect(strstr(err.message, "x.ppm: an image has 1 channel (grey) or 3 (red, green, "
                         "blue), not 2") != NULL, "%s", err.message);
        cr_expect(eq(int, image_write(path, &empty, &err), CONV2D_ERR_INPUT_SIZE));
        cr_expect(strstr(err.message, "x.ppm: the image is 0 x 2 pixels; both must be at least 1")
                  != NULL, "%s", err.message);
        cr_expect(eq(int, image_write(path, &no_data, &err), CONV2D_ERR_NULL));
        cr_expect(strstr(err.message, "x.ppm: the image's data must not be NULL") != NULL, "%s",
                  err.message);
    }
    {
        char missing[PATH_SIZE];
        in_scratch(missing, "missing/x.ppm");
        cr_expect(eq(int, image_write(missing, &fine, &err), CONV2D_ERR_IO));
        cr_expect(strstr(err.message, "missing/x.ppm: cannot create the temporary file") != NULL
                  && strstr(err.message, "(No such file or directory)") != NULL,
                  "%s", err.message);
        in_scratch(missing, "directory.ppm");
        cr_assert(eq(int, mkdir(missing, 0700), 0));
        cr_expect(eq(int, image_write(missing, &fine, &err), CONV2D_ERR_IO));
        cr_expect(strstr(err.message, "directory.ppm: cannot rename ") != NULL, "%s",
                  err.message);
    }
    after = read_bytes(path, &size);
    cr_assert(eq(sz, size, sizeof example_ppm));
    cr_expect(eq(int, memcmp(after, example_ppm, size), 0), "the old file must be intact");
    cr_expect(eq(int, count_files(), 2), "no temporary file may be left");
    free(after);
}
Test(image, grey)
{
    float colour[6] = { 1, 0.2f, 0, 0.4f, 0, 0.6f };   /* (1, 0, 0), (0.2, 0.4, 0.6) */
    image example = { 0 }, grey = { 0 }, pair = { 2, 1, 3, colour };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, image_parse(example_ppm, sizeof example_ppm, &example, &err),
                 CONV2D_OK), "%s", err.message);
    cr_assert(eq(int, image_to_grey(&example, &grey, &err), CONV2D_OK), "%s", err.message);
    cr_assert(eq(int, grey.channels, 1));
    cr_assert(eq(llong, grey.width, 2));
    cr_assert(eq(llong, grey.height, 2));
    cr_expect(ieee_ulp_eq(flt, grey.data[0], 0.299f, 1));
    cr_expect(ieee_ulp_eq(flt, grey.data[1], 0.587f, 1));
    cr_expect(ieee_ulp_eq(flt, grey.data[2], 0.114f, 1));
    cr_expect(eq(flt, grey.data[3], 128.0f / 255));
    image_free(&grey);
    cr_assert(eq(int, image_to_grey(&pair, &grey, &err), CONV2D_OK), "%s", err.message);
    cr_expect(ieee_ulp_eq(flt, grey.data[0], 0.299f, 1));
    cr_expect(ieee_ulp_eq(flt, grey.data[1], 0.363f, 1));
    image_free(&grey);
    image_free(&example);
}
Test(image, grey_of_grey_and_of_white)
{
    float values[3] = { 0.25f, 1, 0.1f }, white[3] = { 1, 1, 1 };
    image grey = { 3, 1, 1, values }, copy = { 0 }, colour = { 1, 1, 3, white };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, image_to_grey(&grey, &copy, &err), CONV2D_OK), "%s", err.message);
    expect_image(&copy, 3, 1, 1, values);
    cr_expect(copy.data != values, "the copy must have its own data");
    image_free(&copy);
    cr_assert(eq(int, image_to_grey(&colour, &copy, &err), CONV2D_OK), "%s", err.message);
    cr_expect(eq(flt, copy.data[0], 1.0f));
    image_free(&copy);
}
Test(image, arguments_that_are_refused)
{
    image img = { 0 }, two = { 1, 1, 2, (float[2]){ 0, 0 } };
    conv2d_error err = { CONV2D_OK, "" };
    cr_expect(eq(int, image_parse(NULL, 0, &img, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_parse(example_ppm, 23, NULL, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_read(NULL, &img, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_read("x.ppm", NULL, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_write(NULL, &two, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_write("x.ppm", NULL, &err), CONV2D_ERR_NULL));
    cr_expect(eq(str, err.message, "x.ppm: the image must not be NULL"));
    cr_expect(eq(int, image_to_grey(NULL, &img, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_to_grey(&two, NULL, NULL), CONV2D_ERR_NULL));
    cr_expect(eq(int, image_to_grey(&two, &img, &err), CONV2D_ERR_INPUT_SIZE));
    cr_expect(eq(str, err.message, "image_to_grey: an image has 1 channel (grey) or 3 (red, "
                 "green, blue), not 2"));
    cr_expect(img.data == NULL, "a refused call must not write its image");
    image_free(&img);
    image_free(NULL);
}
