/* tests/npy.c: the tests of the appendix on .npy files.  Tangled from the book. */
#define _POSIX_C_SOURCE 200809L  /* for mkdtemp, opendir, setrlimit */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "npy.h"
#define SCRATCH_NAME "npy"
#include "scratch.h"

TestSuite(npy_file, .init = make_scratch, .fini = remove_scratch);

static unsigned long bits_of(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static void expect_array(const npy_array *array, int ndim, const long long *shape,
                         const float *values)
{
    long long count = 1;
    cr_assert(eq(int, array->ndim, ndim));
    for (int d = 0; d < NPY_MAX_DIMS; d++) {
        cr_assert(eq(llong, array->shape[d], d < ndim ? shape[d] : 0), "shape[%d]", d);
        count *= d < ndim ? shape[d] : 1;
    }
    cr_assert(eq(llong, array->count, count));
    cr_assert(count == 0 ? array->data == NULL : array->data != NULL);
    for (long long i = 0; i < count; i++)
        cr_assert(eq(ulong, bits_of(array->data[i]), bits_of(values[i])), "element %lld", i);
}

static void expect_same_bytes(const unsigned char *actual, const unsigned char *expected,
                              size_t size)
{
    for (size_t i = 0; i < size; i++)
        cr_assert(eq(u8, actual[i], expected[i]), "byte %zu (0x%zx)", i, i);
}
static const float example_values[6] = { 1, 2, 3, 4, 5, 6 };
static const long long example_shape[2] = { 2, 3 };

static void example_file(unsigned char bytes[152])
{
    static const unsigned char prefix[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0 };
    static const char dictionary[] =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    static const unsigned char data[24] = {
        0x00, 0x00, 0x80, 0x3f,  0x00, 0x00, 0x00, 0x40,  0x00, 0x00, 0x40, 0x40,
        0x00, 0x00, 0x80, 0x40,  0x00, 0x00, 0xa0, 0x40,  0x00, 0x00, 0xc0, 0x40,
    };
    cr_assert(eq(sz, strlen(dictionary), 59));
    memcpy(bytes, prefix, 10);
    memcpy(bytes + 10, dictionary, 59);
    memset(bytes + 69, ' ', 58);
    bytes[127] = '\n';
    memcpy(bytes + 128, data, 24);
}
static unsigned char *npy_bytes(int major, const char *header, const void *data,
                                size_t data_size, size_t *size)
{
    size_t header_size = strlen(header), prefix = major == 1 ? 10 : 12;
    size_t length = header_size;
    unsigned char *bytes = calloc(prefix + header_size + data_size + 1, 1);
    cr_assert(bytes != NULL);
    memcpy(bytes, "\x93NUMPY", 6);
    bytes[6] = (unsigned char)major;
    for (size_t i = 8; i < prefix; i++, length /= 256)
        bytes[i] = (unsigned char)(length % 256);
    memcpy(bytes + prefix, header, header_size);
    if (data != NULL)
        memcpy(bytes + prefix + header_size, data, data_size);
    *size = prefix + header_size + data_size;
    return bytes;
}
static void expect_refused(const unsigned char *bytes, size_t size, conv2d_status code,
                           const char *words)
{
    conv2d_error err = { CONV2D_OK, "" };
    npy_array array = { .ndim = -7 };
    cr_assert(eq(int, npy_parse(bytes, size, &array, &err), code), "%s: %s", words,
              err.message);
    cr_expect(eq(int, err.status, code));
    cr_expect(strstr(err.message, words) != NULL,
              "message \"%s\" should contain \"%s\"", err.message, words);
    cr_expect(eq(int, array.ndim, -7), "a failed call must not write its array");
}

static void expect_header_refused(const char *header, size_t data_size, const char *words)
{
    size_t size;
    unsigned char *bytes = npy_bytes(1, header, NULL, data_size, &size);
    expect_refused(bytes, size, CONV2D_ERR_FORMAT, words);
    free(bytes);
}
Test(npy, worked_example)
{
    unsigned char expected[152], *bytes = NULL;
    size_t size = 0;
    npy_array array = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    example_file(expected);
    cr_assert(eq(int, npy_encode(&bytes, &size, example_values, 2, example_shape, &err),
                 CONV2D_OK), "%s", err.message);
    cr_assert(eq(sz, size, 152));
    expect_same_bytes(bytes, expected, 152);
    cr_assert(eq(int, npy_parse(expected, sizeof expected, &array, &err), CONV2D_OK),
              "%s", err.message);
    expect_array(&array, 2, example_shape, example_values);
    npy_free(&array);
    cr_expect(array.data == NULL);
    free(bytes);
}
Test(npy, round_trips_through_memory)
{
    static const float values[6] = { 1.5f, -0.0f, 1e-45f, FLT_MAX, -INFINITY, NAN };
    static const struct { int ndim; long long shape[NPY_MAX_DIMS]; } shapes[] = {
        { 0, { 0 } },  { 1, { 6 } },  { 2, { 2, 3 } },  { 1, { 0 } },  { 3, { 3, 0, 2 } },
        { 4, { 1, 2, 3, 1 } },  { 8, { 1, 2, 1, 3, 1, 1, 1, 1 } },
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        unsigned char *bytes = NULL;
        size_t size = 0;
        npy_array array = { 0 };
        conv2d_error err = { CONV2D_OK, "" };
        cr_assert(eq(int, npy_encode(&bytes, &size, values, shapes[s].ndim, shapes[s].shape,
                                     &err), CONV2D_OK), "shape %zu: %s", s, err.message);
        cr_assert(eq(int, npy_parse(bytes, size, &array, &err), CONV2D_OK),
                  "shape %zu: %s", s, err.message);
        cr_expect(eq(sz, (size - 4 * (size_t)array.count) % 64, 0),
                  "shape %zu: the data must start at a multiple of 64", s);
        expect_array(&array, shapes[s].ndim, shapes[s].shape, values);
        npy_free(&array);
        free(bytes);
    }
}
Test(npy, spellings_of_a_header)
{
    static const char *const headers[] = {
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
         "                                                          \n"),
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,3)}\n",
        " \r\n{ 'descr' :'<f4' ,\t'fortran_order':False,'shape':( 2 , 3 , ) , }  \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }     \n",
    };
    unsigned char example[152];
    example_file(example);
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        size_t size;
        unsigned char *bytes = npy_bytes(1, headers[h], example + 128, 24, &size);
        npy_array array = { 0 };
        conv2d_error err = { CONV2D_OK, "" };
        cr_assert(eq(int, npy_parse(bytes, size, &array, &err), CONV2D_OK),
                  "header %zu: %s", h, err.message);
        expect_array(&array, 2, example_shape, example_values);
        npy_free(&array);
        free(bytes);
    }
}
static void expect_parsed(const char *header, const unsigned char *data, size_t data_size,
                          int ndim, const long long *shape, const float *values)
{
    size_t size;
    unsigned char *bytes = npy_bytes(1, header, data, data_size, &size);
    npy_array array = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, npy_parse(bytes, size, &array, &err), CONV2D_OK), "%s: %s",
              header, err.message);
    expect_array(&array, ndim, shape, values);
    npy_free(&array);
    free(bytes);
}
Test(npy, float64_big_endian_and_fortran_order)
{
    static const unsigned char f8[] = {       /* 0.1, -2.5, 1e300, 1e-50, little-endian */
        0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f,  0, 0, 0, 0, 0, 0, 0x04, 0xc0,
        0x9c, 0x75, 0x00, 0x88, 0x3c, 0xe4, 0x37, 0x7e,  0x1f, 0xb8, 0xd4, 0x4a, 0x7a,
        0xee, 0x8d, 0x35,
    };
    static const unsigned char big_f4[] = { 0x3f, 0x80, 0, 0,  0xc0, 0, 0, 0,
                                            0x3e, 0x80, 0, 0 };
    static const unsigned char big_f8[] = { 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
                                            0xc0, 0x04, 0, 0, 0, 0, 0, 0 };
    const float f8_values[] = { 0.1f, -2.5f, INFINITY, 0.0f };
    const float big_values[] = { 1.0f, -2.0f, 0.25f };
    long long four[] = { 4 }, three[] = { 3 }, two[] = { 2 }, one_by_three[] = { 1, 3 };
    expect_parsed("{'descr': '<f8', 'fortran_order': False, 'shape': (4,)}",
                  f8, sizeof f8, 1, four, f8_values);
    expect_parsed("{'descr': '>f4', 'fortran_order': False, 'shape': (3,)}",
                  big_f4, sizeof big_f4, 1, three, big_values);
    expect_parsed("{'descr': '>f8', 'fortran_order': False, 'shape': (2,)}",
                  big_f8, sizeof big_f8, 1, two, (const float[]){ 1.0f, -2.5f });
    expect_parsed("{'descr': '>f4', 'fortran_order': True, 'shape': (1, 3)}",
                  big_f4, sizeof big_f4, 2, one_by_three, big_values);
}
Test(npy, versions_2_and_3)
{
    unsigned char example[152];
    example_file(example);
    for (int major = 2; major <= 3; major++) {
        size_t size;
        unsigned char *bytes = npy_bytes(major, "{'descr': '<f4', 'fortran_order': False, "
                                         "'shape': (2, 3), }\n", example + 128, 24, &size);
        npy_array array = { 0 };
        conv2d_error err = { CONV2D_OK, "" };
        cr_assert(eq(int, bytes[8] + 256 * bytes[9], 60));
        cr_assert(eq(int, bytes[10] + bytes[11], 0));
        cr_assert(eq(int, npy_parse(bytes, size, &array, &err), CONV2D_OK),
                  "version %d.0: %s", major, err.message);
        expect_array(&array, 2, example_shape, example_values);
        npy_free(&array);
        free(bytes);
    }
}
Test(npy, damaged_prefixes)
{
    unsigned char bytes[152];
    static const char *const strangers[] = { "hello, world\n", "PK\x03\x04\x14\x00\x00\x00" };
    for (size_t s = 0; s < 2; s++)
        expect_refused((const unsigned char *)strangers[s], strlen(strangers[s]),
                       CONV2D_ERR_FORMAT, "npy data: not a .npy file (the magic string "
                       "\\x93NUMPY is missing)");
    example_file(bytes);
    bytes[5] = 'Z';
    expect_refused(bytes, 152, CONV2D_ERR_FORMAT, "magic string \\x93NUMPY is missing");
    {
        example_file(bytes);
        bytes[6] = 4;
        expect_refused(bytes, 152, CONV2D_ERR_FORMAT,
                       "format version 4.0 is not supported (expected 1.0, 2.0 or 3.0)");
        bytes[6] = 1;
        bytes[7] = 1;
        expect_refused(bytes, 152, CONV2D_ERR_FORMAT, "format version 1.1 is not supported");
        bytes[6] = 0;
        bytes[7] = 0;
        expect_refused(bytes, 152, CONV2D_ERR_FORMAT, "format version 0.0 is not supported");
    }
    {
        example_file(bytes);
        bytes[8] = 0xff;
        bytes[9] = 0xff;
        expect_refused(bytes, 152, CONV2D_ERR_FORMAT, "npy data: truncated: the header is 65535 "
                       "bytes long but the file ends after 142 of them");
        {
            char header[10002];
            size_t size;
            unsigned char *file;
            memset(header, ' ', 10000);
            memcpy(header, "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 57);
            header[10000] = '\n';
            header[10001] = '\0';
            file = npy_bytes(2, header, NULL, 0, &size);
            expect_refused(file, size, CONV2D_ERR_FORMAT, "the header is 10001 bytes long; "
                           "headers longer than 10000 bytes are refused");
            free(file);
        }
    }
}
Test(npy, cut_short_at_every_byte)
{
    unsigned char example[152];
    example_file(example);
    for (size_t length = 0; length < 152; length++) {
        unsigned char *cut = malloc(length + 1);
        npy_array array = { 0 };
        cr_assert(cut != NULL);
        memcpy(cut, example, length);
        cr_expect(eq(int, npy_parse(cut, length, &array, NULL), CONV2D_ERR_FORMAT),
                  "cut after %zu bytes", length);
        free(cut);
    }
    expect_refused(example, 3, CONV2D_ERR_FORMAT,
                   "truncated: the file ends after 3 bytes, inside its prefix");
    expect_refused(example, 9, CONV2D_ERR_FORMAT, "ends after 9 bytes, inside its prefix");
    expect_refused(example, 60, CONV2D_ERR_FORMAT,
                   "the header is 118 bytes long but the file ends after 50 of them");
    expect_refused(example, 140, CONV2D_ERR_FORMAT, "npy data: the header promises 24 "
                   "bytes of data but the file holds 12 (shape (2, 3), '<f4')");
}
#define F4_C "'descr': '<f4', 'fortran_order': False, "

Test(npy, malformed_headers)
{
    static const struct { const char *header, *words; } rows[] = {
        { "", "malformed header at byte 10: expected '{' at the start of the dictionary, "
              "found the end of the header" },
        { "hello\n", "at byte 10: expected '{' at the start of the dictionary, found 'h'" },
        { "{" F4_C "'shape': (2, 3), } x\n",
          "at byte 70: expected only spaces and a newline after the dictionary, found 'x'" },
        { "{" F4_C "'shape': (2, 3)", "expected ',' or '}' after a value, found the end" },
        { "{" F4_C "'shape': (2, 3)\x80}", "at byte 66: expected ',' or '}' after a value, "
                                          "found byte 0x80" },
        { "{" F4_C "'shape': (2, 3),, }", "expected a string in quotes, found ','" },
        { "{'descr' '<f4'}", "at byte 19: expected ':' after the key, found \"'\"" },
        { "{'descr' = '<f4'}", "expected ':' after the key, found '='" },
        { "{'descr': '<f4\n', 'fortran_order': False, 'shape': (2, 3)}",
          "expected the closing quote of the string, found byte 0x0a" },
        { "{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (2, 3)}",
          "expected the closing quote of the string, found '\\'" },
        { "{'descr': '<f4', 'shape': (2, 3)}", "npy data: the header has no 'fortran_order' key" },
        { "{'fortran_order': False, 'shape': (2, 3)}", "the header has no 'descr' key" },
        { "{" F4_C "}", "the header has no 'shape' key" },
        { "{}", "the header has no 'descr' key" },
        { "{" F4_C "'shape': (2, 3), 'descr': '<f4'}",
          "at byte 68: the key 'descr' appears twice" },
        { "{" F4_C "'shape': (2, 3), 'dtype': '<f4'}", "at byte 68: unknown key 'dtype' (the "
                                                       "keys are 'descr', 'fortran_order' and" },
        { "{" F4_C "'Shape': (2, 3)}", "unknown key 'Shape'" },
        { "{" F4_C "'shape': (2, 3), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': 1}",
          "a string longer than 31 characters" },
        { "{'descr': 4, 'fortran_order': False, 'shape': (2, 3)}",
          "at byte 20: expected a string in quotes, found '4'" },
        { "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}",
          "expected True or False, found '0'" },
        { "{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3)}",
          "expected True or False, found 'f'" },
        { "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2, 3)}",
          "expected ',' or '}' after a value, found 'y'" },
        { "{" F4_C "'shape': [2, 3]}", "expected a tuple such as (2, 3) for the shape, found '['" },
        { "{" F4_C "'shape': (6)}", "the shape (6) is a number, not a tuple; a shape of one "
                                   "dimension is written (6,)" },
        { "{" F4_C "'shape': (2 3)}", "expected ',' or ')' in the shape, found '3'" },
        { "{" F4_C "'shape': (2.0, 3)}", "expected ',' or ')' in the shape, found '.'" },
        { "{" F4_C "'shape': (2L, 3L)}", "expected ',' or ')' in the shape, found 'L'" },
        { "{" F4_C "'shape': (,)}", "expected a dimension (a whole number), found ','" },
        { "{" F4_C "'shape': (2, -3)}", "at byte 64: shape[1] is negative (-3)" },
        { "{" F4_C "'shape': (99999999999999999999, 1)}",
          "at byte 61: shape[0] (99999999999999999999) is too large" },
        { "{" F4_C "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 6)}",
          "the shape has more than 8 dimensions" },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        expect_header_refused(rows[r].header, 24, rows[r].words);
}
Test(npy, unsupported_types_and_shapes)
{
    static const struct { const char *header; size_t data; const char *words; } rows[] = {
        { "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}", 24, "npy data: data "
          "type '<i4' is not supported (expected float32 '<f4' or float64 '<f8')" },
        { "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)}", 6, "data type '|u1'" },
        { "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)}", 12, "data type '<f2'" },
        { "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3)}", 48, "data type '<c8'" },
        { "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3)}", 24, "data type '=f4'" },
        { "{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3)}", 24, "data type 'f4'" },
        { "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,)}", 8,
          "expected a string in quotes, found '['" },
        { "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", 24, "npy data: Fortran "
          "order (column-major) is not supported for the shape (2, 3)" },
        { "{" F4_C "'shape': (4294967296, 4294967296)}", 24,
          "the shape (4294967296, 4294967296) of '<f4' is too large: its data would take more "
          "than 9223372036854775807 bytes" },
        { "{" F4_C "'shape': (4611686018427387904, 2)}", 24, "is too large" },
        { "{" F4_C "'shape': (0, 4294967296, 4294967296)}", 0, "is too large" },
        { "{" F4_C "'shape': (9223372036854775807,)}", 24,
          "the shape (9223372036854775807,) of '<f4' is too large" },
        { "{" F4_C "'shape': (2, 3)}", 20,
          "the header promises 24 bytes of data but the file holds 20" },
        { "{" F4_C "'shape': (2, 3)}", 28,
          "the header promises 24 bytes of data but the file holds 28" },
        { "{" F4_C "'shape': ()}", 0, "promises 4 bytes of data but the file holds 0" },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        expect_header_refused(rows[r].header, rows[r].data, rows[r].words);
}
Test(npy_file, round_trips_through_files)
{
    static const struct { int ndim; long long shape[NPY_MAX_DIMS]; } shapes[] = {
        { 0, { 0 } },  { 2, { 2, 3 } },  { 1, { 0 } },  { 3, { 3, 0, 2 } },
        { 4, { 2, 1, 3, 2 } },  { 2, { 300, 217 } },
    };
    float *values = malloc(300 * 217 * sizeof *values);
    cr_assert(values != NULL);
    for (int i = 0; i < 300 * 217; i++)
        values[i] = (float)i / 7 - 1000;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        {
            char path[PATH_SIZE];
            npy_array array = { 0 };
            npy_array_f64 wide = { 0 };
            conv2d_error err = { CONV2D_OK, "" };
            in_scratch(path, "x.npy");
            cr_assert(eq(int, npy_write(path, values, shapes[s].ndim, shapes[s].shape, &err),
                         CONV2D_OK), "shape %zu: %s", s, err.message);
            cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_OK), "%s", err.message);
            expect_array(&array, shapes[s].ndim, shapes[s].shape, values);
            cr_assert(eq(int, npy_read_f64(path, &wide, &err), CONV2D_OK), "%s", err.message);
            cr_assert(eq(llong, wide.count, array.count));
            cr_assert(eq(int, memcmp(wide.shape, array.shape, sizeof wide.shape), 0));
            for (long long i = 0; i < wide.count; i++)
                cr_assert(eq(dbl, wide.data[i], (double)values[i]), "element %lld", i);
            npy_free(&array);
            npy_free_f64(&wide);
            cr_expect(wide.data == NULL);
        }
        cr_expect(eq(int, count_files(), 1), "shape %zu: only the file itself", s);
    }
    free(values);
}
Test(npy_file, reading_float64_files)
{
    static const char header[] =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (5000,), }\n";
    static unsigned char data[5000 * 8];
    const uint16_t one = 1;
    int little = *(const unsigned char *)&one == 1;
    char path[PATH_SIZE];
    size_t size;
    unsigned char *bytes;
    npy_array array = { 0 };
    npy_array_f64 wide = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    for (int i = 0; i < 5000; i++) {
        double value = i * 0.1 - 7e37 * (i == 4999);
        for (int b = 0; b < 8; b++)
            data[8 * i + b] = ((const unsigned char *)&value)[little ? b : 7 - b];
    }
    bytes = npy_bytes(1, header, data, sizeof data, &size);
    in_scratch(path, "wide.npy");
    write_bytes(path, bytes, size);
    {
        cr_assert(eq(int, npy_read_f64(path, &wide, &err), CONV2D_OK), "%s", err.message);
        cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_OK), "%s", err.message);
        cr_assert(eq(llong, wide.count, 5000));
        cr_assert(eq(llong, array.count, 5000));
        for (int i = 0; i < 5000; i++) {
            double value = i * 0.1 - 7e37 * (i == 4999);
            cr_assert(eq(dbl, wide.data[i], value), "element %d", i);
            cr_assert(eq(ulong, bits_of(array.data[i]), bits_of((float)value)), "element %d", i);
        }
        cr_assert(isfinite(array.data[4999]));
        npy_free(&array);
        npy_free_f64(&wide);
    }
    free(bytes);
}
Test(npy_file, files_that_cannot_be_read)
{
    char path[PATH_SIZE], message[PATH_SIZE + 64];
    unsigned char example[152];
    npy_array array = { .ndim = -7 };
    conv2d_error err = { CONV2D_OK, "" };
    in_scratch(path, "missing.npy");
    cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_ERR_IO));
    snprintf(message, sizeof message, "%s: cannot open the file (No such file or directory)",
             path);
    cr_expect(eq(str, err.message, message));
    cr_assert(eq(int, npy_read(scratch_dir, &array, &err), CONV2D_ERR_IO));
    cr_expect(strstr(err.message, ": not a regular file") != NULL, "%s", err.message);
    example_file(example);
    in_scratch(path, "short.npy");
    write_bytes(path, example, 5);
    cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_ERR_FORMAT));
    cr_expect(strstr(err.message, "short.npy: truncated: the file ends after 5 bytes")
              != NULL, "%s", err.message);
    write_bytes(path, example, 148);
    cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_ERR_FORMAT));
    cr_expect(strstr(err.message, "short.npy: the header promises 24 bytes of data but the "
                     "file holds 20") != NULL, "%s", err.message);
    cr_expect(eq(int, array.ndim, -7), "a failed read must not write its array");
}
Test(npy_file, a_failed_write_leaves_the_old_file)
{
    static float many[100000];
    long long shape[1] = { 100000 };
    char path[PATH_SIZE];
    unsigned char example[152], *after;
    size_t size;
    struct rlimit old_limit, limit;
    conv2d_error err = { CONV2D_OK, "" };
    example_file(example);
    in_scratch(path, "x.npy");
    write_bytes(path, example, sizeof example);
    {
        cr_assert(eq(int, getrlimit(RLIMIT_FSIZE, &old_limit), 0));
        limit = old_limit;
        limit.rlim_cur = 4096;
        signal(SIGXFSZ, SIG_IGN);
        cr_assert(eq(int, setrlimit(RLIMIT_FSIZE, &limit), 0));
        cr_expect(eq(int, npy_write(path, many, 1, shape, &err), CONV2D_ERR_IO));
        setrlimit(RLIMIT_FSIZE, &old_limit);
        cr_expect(strstr(err.message, "x.npy: cannot write the temporary file") != NULL
                  && strstr(err.message, "(File too large)") != NULL, "%s", err.message);
    }
    after = read_bytes(path, &size);
    cr_assert(eq(sz, size, sizeof example));
    expect_same_bytes(after, example, sizeof example);
    cr_expect(eq(int, count_files(), 1), "the temporary file must be gone");
    free(after);
}
Test(npy_file, refused_writes_change_nothing)
{
    char path[PATH_SIZE];
    unsigned char example[152], *after;
    size_t size;
    long long negative[2] = { 2, -3 };
    conv2d_error err = { CONV2D_OK, "" };
    example_file(example);
    in_scratch(path, "x.npy");
    write_bytes(path, example, sizeof example);
    cr_expect(eq(int, npy_write(path, example_values, 2, negative, &err),
                 CONV2D_ERR_INPUT_SIZE));
    cr_expect(strstr(err.message, "x.npy: shape[1] must be >= 0, got -3") != NULL, "%s",
              err.message);
    after = read_bytes(path, &size);
    expect_same_bytes(after, example, sizeof example);
    free(after);
    {
        in_scratch(path, "missing/x.npy");
        cr_expect(eq(int, npy_write(path, example_values, 2, example_shape, &err),
                     CONV2D_ERR_IO));
        cr_expect(strstr(err.message, "missing/x.npy: cannot create the temporary file") != NULL
                  && strstr(err.message, "(No such file or directory)") != NULL,
                  "%s", err.message);
        cr_expect(eq(int, npy_write(scratch_dir, example_values, 2, example_shape, &err),
                     CONV2D_ERR_IO));
        cr_expect(strstr(err.message, ": cannot rename ") != NULL, "%s", err.message);
    }
    cr_expect(eq(int, count_files(), 1));
}
Test(npy_file, stage_discard_and_commit)
{
    char path[PATH_SIZE];
    const float other[1] = { 42 };
    npy_staged file, zeroed = { .staged = 0 };
    npy_array array = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    in_scratch(path, "x.npy");
    cr_assert(eq(int, npy_stage(&file, path, other, 0, NULL, &err), CONV2D_OK), "%s",
              err.message);
    cr_expect(eq(int, file.staged, 1));
    cr_expect(eq(int, count_files(), 1), "the temporary file, not the target");
    cr_expect(access(path, F_OK) != 0, "staging must not create the target");
    npy_discard(&file);
    npy_discard(&file);
    npy_discard(&zeroed);
    cr_expect(eq(int, file.staged, 0));
    cr_expect(eq(int, count_files(), 0), "a discarded file leaves nothing behind");
    {
        cr_assert(eq(int, npy_write(path, example_values, 2, example_shape, &err), CONV2D_OK));
        cr_assert(eq(int, npy_stage(&file, path, other, 0, NULL, &err), CONV2D_OK));
        cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_OK));
        expect_array(&array, 2, example_shape, example_values);
        npy_free(&array);
        cr_assert(eq(int, npy_commit(&file, &err), CONV2D_OK), "%s", err.message);
        cr_assert(eq(int, npy_read(path, &array, &err), CONV2D_OK));
        expect_array(&array, 0, NULL, other);
        npy_free(&array);
        cr_expect(eq(int, count_files(), 1));
        cr_expect(eq(int, npy_commit(&file, &err), CONV2D_ERR_IO), "a commit is not repeated");
        cr_expect(eq(str, err.message, "npy_commit: no file is staged"));
    }
}
Test(npy_file, several_files_all_or_none)
{
    char first[PATH_SIZE], second[PATH_SIZE];
    npy_staged files[2] = { { .staged = 0 }, { .staged = 0 } };
    conv2d_status status;
    in_scratch(first, "a.npy");
    in_scratch(second, "missing/b.npy");
    status = npy_stage(&files[0], first, example_values, 2, example_shape, NULL);
    if (status == CONV2D_OK)
        status = npy_stage(&files[1], second, example_values, 2, example_shape, NULL);
    for (int f = 0; f < 2 && status == CONV2D_OK; f++)
        status = npy_commit(&files[f], NULL);
    if (status != CONV2D_OK)
        for (int f = 0; f < 2; f++)
            npy_discard(&files[f]);
    cr_expect(eq(int, status, CONV2D_ERR_IO));
    cr_expect(eq(int, count_files(), 0), "neither file, nor a temporary one");
}
Test(npy, arguments_that_are_refused)
{
    unsigned char example[152], *bytes = NULL;
    size_t size = 0;
    npy_array array = { 0 };
    npy_array_f64 wide = { 0 };
    npy_staged file;
    long long shape[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, huge[2] = { LLONG_MAX, 2 };
    conv2d_error err = { CONV2D_OK, "" };
    example_file(example);
    {
        cr_expect(eq(int, npy_parse(NULL, 0, &array, NULL), CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_parse(example, 152, NULL, NULL), CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_read(NULL, &array, NULL), CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_read("x.npy", NULL, NULL), CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_read_f64(NULL, &wide, NULL), CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_stage(NULL, "x.npy", example_values, 2, example_shape, NULL),
                     CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_write(NULL, example_values, 2, example_shape, NULL),
                     CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_commit(NULL, NULL), CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_encode(NULL, &size, example_values, 2, example_shape, NULL),
                     CONV2D_ERR_NULL));
        cr_expect(eq(int, npy_encode(&bytes, &size, NULL, 2, example_shape, &err),
                     CONV2D_ERR_NULL));
        cr_expect(eq(str, err.message, "npy_encode: data must not be NULL"));
        cr_expect(eq(int, npy_encode(&bytes, &size, example_values, 2, NULL, NULL),
                     CONV2D_ERR_NULL));
    }
    {
        cr_expect(eq(int, npy_encode(&bytes, &size, example_values, 9, shape, &err),
                     CONV2D_ERR_INPUT_SIZE));
        cr_expect(eq(str, err.message, "npy_encode: ndim must be between 0 and 8, got 9"));
        cr_expect(eq(int, npy_encode(&bytes, &size, example_values, -1, shape, NULL),
                     CONV2D_ERR_INPUT_SIZE));
        cr_expect(eq(int, npy_encode(&bytes, &size, example_values, 2, huge, &err),
                     CONV2D_ERR_OVERFLOW));
        cr_expect(strstr(err.message, "the shape is too large") != NULL, "%s", err.message);
        cr_expect(eq(int, npy_stage(&file, "no/such/dir/x.npy", example_values, 2, huge, NULL),
                     CONV2D_ERR_OVERFLOW));
        cr_expect(bytes == NULL && size == 0, "a refused call must not write its results");
        shape[0] = 0;
        cr_assert(eq(int, npy_encode(&bytes, &size, NULL, 3, shape, &err), CONV2D_OK), "%s",
                  err.message);
        cr_expect(eq(sz, size, 128));
        free(bytes);
    }
    npy_free(&array);
    npy_free(NULL);
    npy_free_f64(&wide);
    npy_free_f64(NULL);
    npy_discard(NULL);
}
