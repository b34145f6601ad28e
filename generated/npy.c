/* npy.c: reading and writing .npy files.
   Tangled from the book (the appendix on .npy files); edit the .nw sources. */
#define _POSIX_C_SOURCE 200809L  /* for fileno and fsync */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "npy.h"
#include "conv2d-file.h"
#include "conv2d-internal.h"

static const unsigned char npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
#define NPY_MAGIC_SIZE 6
#define NPY_PREFIX_V1 10        /* magic, version 1.0, 2-byte header length */
#define NPY_PREFIX_V2 12        /* magic, version 2.0 or 3.0, 4-byte header length */
#define NPY_HEADER_LIMIT 10000  /* the longest header we read, as NumPy */
#define NPY_ALIGNMENT 64        /* the data start at a multiple of this */
#define NPY_SHAPE_TEXT 192      /* room for "(d0, ..., d7)" of 19-digit dimensions */
#define NPY_WRITE_HEADER 320    /* room for any prefix and header that we write */
#define NPY_BLOCK 16384         /* bytes of data read or written at a time */

static const char *const npy_keys[3] = { "descr", "fortran_order", "shape" };

_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24, "float must be IEEE binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53, "double must be IEEE binary64");
typedef struct {
    const char *name;           /* the path, or "npy data": for messages */
    size_t header_offset;       /* 10 or 12: where the header starts */
    size_t header_length;       /* HLEN */
    size_t data_offset;         /* header_offset + header_length */
    char descr[32];             /* the data type, as the header spells it */
    int fortran_order;          /* 1 if the first index varies fastest */
    int ndim;
    long long shape[NPY_MAX_DIMS];
    int item_size;              /* 4 or 8, from descr */
    int big_endian;             /* 1 for '>f4' and '>f8' */
    long long count;            /* the product of the shape */
    long long data_bytes;       /* count * item_size */
} npy_layout;
static unsigned long long load_bits(const unsigned char *bytes, int size, int big_endian)
{
    unsigned long long bits = 0;
    for (int i = 0; i < size; i++)
        bits = 256 * bits + bytes[big_endian ? i : size - 1 - i];
    return bits;
}

static float load_float(const unsigned char *bytes, int big_endian)
{
    uint32_t bits = (uint32_t)load_bits(bytes, 4, big_endian);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static double load_double(const unsigned char *bytes, int big_endian)
{
    uint64_t bits = (uint64_t)load_bits(bytes, 8, big_endian);
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void store_float(unsigned char *bytes, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 4; i++, bits /= 256)
        bytes[i] = (unsigned char)(bits % 256);
}
static conv2d_status prefix_truncated(const npy_layout *layout, size_t available,
                                      conv2d_error *err)
{
    return conv2d_fail(err, CONV2D_ERR_FORMAT,
                       "%s: truncated: the file ends after %zu bytes, inside its prefix "
                       "(magic string, version and header length)", layout->name, available);
}

static conv2d_status parse_prefix(const unsigned char *bytes, size_t available,
                                  unsigned long long file_size, npy_layout *layout,
                                  conv2d_error *err)
{
    size_t compared = available < NPY_MAGIC_SIZE ? available : NPY_MAGIC_SIZE;
    unsigned long long length, after_prefix;
    if (memcmp(bytes, npy_magic, compared) != 0)
        return conv2d_fail(err, CONV2D_ERR_FORMAT,
                           "%s: not a .npy file (the magic string \\x93NUMPY is missing)",
                           layout->name);
    if (available < 8)
        return prefix_truncated(layout, available, err);
    if (bytes[6] < 1 || bytes[6] > 3 || bytes[7] != 0)
        return conv2d_fail(err, CONV2D_ERR_FORMAT,
                           "%s: format version %d.%d is not supported (expected 1.0, 2.0 "
                           "or 3.0)", layout->name, bytes[6], bytes[7]);
    layout->header_offset = bytes[6] == 1 ? NPY_PREFIX_V1 : NPY_PREFIX_V2;
    if (available < layout->header_offset)
        return prefix_truncated(layout, available, err);
    length = load_bits(bytes + 8, (int)layout->header_offset - 8, 0);
    after_prefix = file_size - layout->header_offset;
    if (length > after_prefix)
        return conv2d_fail(err, CONV2D_ERR_FORMAT,
                           "%s: truncated: the header is %llu bytes long but the file ends "
                           "after %llu of them", layout->name, length, after_prefix);
    if (length > NPY_HEADER_LIMIT)
        return conv2d_fail(err, CONV2D_ERR_FORMAT,
                           "%s: the header is %llu bytes long; headers longer than %d bytes "
                           "are refused, as NumPy does", layout->name, length, NPY_HEADER_LIMIT);
    layout->header_length = (size_t)length;
    layout->data_offset = layout->header_offset + layout->header_length;
    return CONV2D_OK;
}
typedef struct {
    const char *text;           /* the header: any bytes, not NUL-terminated */
    size_t length;
    size_t at;                  /* the index of the next character */
    const npy_layout *layout;   /* the file's name and the header's offset */
    conv2d_error *err;
} header_cursor;

static int cursor_peek(const header_cursor *c)
{
    return c->at < c->length ? (unsigned char)c->text[c->at] : EOF;
}

static void cursor_skip_space(header_cursor *c)
{
    int ch = cursor_peek(c);
    while (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
        c->at++;
        ch = cursor_peek(c);
    }
}
static conv2d_status cursor_fail(const header_cursor *c, const char *format, ...)
    CONV2D_PRINTF_LIKE(2, 3);

static conv2d_status cursor_fail(const header_cursor *c, const char *format, ...)
{
    char problem[CONV2D_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(problem, sizeof problem, format, args);
    va_end(args);
    return conv2d_fail(c->err, CONV2D_ERR_FORMAT, "%s: malformed header at byte %zu: %s",
                       c->layout->name, c->layout->header_offset + c->at, problem);
}

static conv2d_status cursor_expected(const header_cursor *c, const char *what)
{
    int ch = cursor_peek(c);
    char found[32];
    if (ch == EOF)
        snprintf(found, sizeof found, "the end of the header");
    else if (ch == '\'')
        snprintf(found, sizeof found, "\"'\"");
    else if (ch >= ' ' && ch <= '~')
        snprintf(found, sizeof found, "'%c'", ch);
    else
        snprintf(found, sizeof found, "byte 0x%02x", (unsigned)ch);
    return cursor_fail(c, "expected %s, found %s", what, found);
}
static conv2d_status parse_string(header_cursor *c, char out[32])
{
    size_t length = 0;
    int quote;
    cursor_skip_space(c);
    quote = cursor_peek(c);
    if (quote != '\'' && quote != '"')
        return cursor_expected(c, "a string in quotes");
    c->at++;
    while (cursor_peek(c) != quote) {
        int ch = cursor_peek(c);
        if (ch == EOF || ch < ' ' || ch > '~' || ch == '\\')
            return cursor_expected(c, "the closing quote of the string");
        if (length == 31)
            return cursor_fail(c, "a string longer than 31 characters");
        out[length++] = (char)ch;
        c->at++;
    }
    c->at++;
    out[length] = '\0';
    return CONV2D_OK;
}
static int cursor_match(header_cursor *c, const char *word)
{
    size_t length = strlen(word);
    if (c->length - c->at < length || memcmp(c->text + c->at, word, length) != 0)
        return 0;
    c->at += length;
    return 1;
}

static conv2d_status parse_bool(header_cursor *c, int *value)
{
    cursor_skip_space(c);
    if (cursor_match(c, "True"))
        *value = 1;
    else if (cursor_match(c, "False"))
        *value = 0;
    else
        return cursor_expected(c, "True or False");
    return CONV2D_OK;
}
static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static conv2d_status parse_dimension(header_cursor *c, int index, long long *dimension)
{
    long long value = 0;
    int negative = 0;
    size_t start;
    cursor_skip_space(c);
    start = c->at;
    if (cursor_peek(c) == '-') {
        negative = 1;
        c->at++;
    }
    if (!is_digit(cursor_peek(c)))
        return cursor_expected(c, "a dimension (a whole number)");
    while (is_digit(cursor_peek(c))) {
        int digit = cursor_peek(c) - '0';
        if (value > (LLONG_MAX - digit) / 10)
            {
                size_t end = c->at;
                while (end < c->length && is_digit((unsigned char)c->text[end]))
                    end++;
                c->at = start;
                return cursor_fail(c, "shape[%d] (%.*s) is too large", index, (int)(end - start),
                                   c->text + start);
            }
        value = 10 * value + digit;
        c->at++;
    }
    if (negative && value > 0) {
        c->at = start;
        return cursor_fail(c, "shape[%d] is negative (-%lld)", index, value);
    }
    *dimension = value;
    return CONV2D_OK;
}
static conv2d_status parse_shape(header_cursor *c, npy_layout *layout)
{
    int ndim = 0;
    cursor_skip_space(c);
    if (cursor_peek(c) != '(')
        return cursor_expected(c, "a tuple such as (2, 3) for the shape");
    c->at++;
    for (;;) {
        conv2d_status status;
        cursor_skip_space(c);
        if (cursor_peek(c) == ')')
            break;                      /* () or a comma after the last dimension */
        if (ndim == NPY_MAX_DIMS)
            return cursor_fail(c, "the shape has more than %d dimensions", NPY_MAX_DIMS);
        status = parse_dimension(c, ndim, &layout->shape[ndim]);
        if (status != CONV2D_OK)
            return status;
        ndim++;
        {
            cursor_skip_space(c);
            if (cursor_peek(c) == ',') {
                c->at++;
                continue;
            }
            if (cursor_peek(c) != ')')
                return cursor_expected(c, "',' or ')' in the shape");
            if (ndim == 1)
                return cursor_fail(c, "the shape (%lld) is a number, not a tuple; a shape of "
                                   "one dimension is written (%lld,)",
                                   layout->shape[0], layout->shape[0]);
            break;
        }
    }
    c->at++;
    layout->ndim = ndim;
    return CONV2D_OK;
}
static conv2d_status parse_entry(header_cursor *c, npy_layout *layout, int seen[3])
{
    char key[32];
    int which = 0;
    size_t key_at;
    conv2d_status status;
    cursor_skip_space(c);
    key_at = c->at;
    status = parse_string(c, key);
    if (status != CONV2D_OK)
        return status;
    while (which < 3 && strcmp(key, npy_keys[which]) != 0)
        which++;
    if (which == 3) {
        c->at = key_at;
        return cursor_fail(c, "unknown key '%s' (the keys are 'descr', 'fortran_order' and "
                           "'shape')", key);
    }
    if (seen[which]) {
        c->at = key_at;
        return cursor_fail(c, "the key '%s' appears twice", key);
    }
    seen[which] = 1;
    cursor_skip_space(c);
    if (cursor_peek(c) != ':')
        return cursor_expected(c, "':' after the key");
    c->at++;
    if (which == 0)
        return parse_string(c, layout->descr);
    if (which == 1)
        return parse_bool(c, &layout->fortran_order);
    return parse_shape(c, layout);
}
static conv2d_status parse_header(const char *text, size_t length, npy_layout *layout,
                                  conv2d_error *err)
{
    header_cursor c = { text, length, 0, layout, err };
    int seen[3] = { 0, 0, 0 };
    cursor_skip_space(&c);
    if (cursor_peek(&c) != '{')
        return cursor_expected(&c, "'{' at the start of the dictionary");
    c.at++;
    for (;;) {
        conv2d_status status;
        cursor_skip_space(&c);
        if (cursor_peek(&c) == '}')
            break;                          /* {} or a comma after the last entry */
        status = parse_entry(&c, layout, seen);
        if (status != CONV2D_OK)
            return status;
        cursor_skip_space(&c);
        if (cursor_peek(&c) == ',') {
            c.at++;
            continue;
        }
        if (cursor_peek(&c) != '}')
            return cursor_expected(&c, "',' or '}' after a value");
        break;
    }
    c.at++;
    cursor_skip_space(&c);
    if (cursor_peek(&c) != EOF)
        return cursor_expected(&c, "only spaces and a newline after the dictionary");
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the header has no '%s' key",
                               layout->name, npy_keys[k]);
    return CONV2D_OK;
}
static void format_shape(char text[NPY_SHAPE_TEXT], int ndim, const long long *shape)
{
    int used = snprintf(text, NPY_SHAPE_TEXT, "(");
    for (int d = 0; d < ndim; d++)
        used += snprintf(text + used, (size_t)(NPY_SHAPE_TEXT - used),
                         d == 0 ? "%lld" : ", %lld", shape[d]);
    snprintf(text + used, (size_t)(NPY_SHAPE_TEXT - used), ndim == 1 ? ",)" : ")");
}

static conv2d_status check_layout(npy_layout *layout, unsigned long long file_size,
                                  conv2d_error *err)
{
    char shape[NPY_SHAPE_TEXT];
    format_shape(shape, layout->ndim, layout->shape);
    {
        static const struct { char descr[4]; int item_size, big_endian; } types[] = {
            { "<f4", 4, 0 }, { "<f8", 8, 0 }, { ">f4", 4, 1 }, { ">f8", 8, 1 },
        };
        size_t t = 0;
        while (t < sizeof types / sizeof types[0] && strcmp(layout->descr, types[t].descr) != 0)
            t++;
        if (t == sizeof types / sizeof types[0])
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: data type '%s' is not supported "
                               "(expected float32 '<f4' or float64 '<f8')",
                               layout->name, layout->descr);
        layout->item_size = types[t].item_size;
        layout->big_endian = types[t].big_endian;
    }
    if (layout->fortran_order) {
        int longer = 0;
        for (int d = 0; d < layout->ndim; d++)
            longer += layout->shape[d] > 1;
        if (longer > 1)
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: Fortran order (column-major) "
                               "is not supported for the shape %s; save "
                               "numpy.ascontiguousarray(a) instead", layout->name, shape);
    }
    {
        long long count = 1, bytes = 0;
        int fits = 1, has_zero = 0;
        for (int d = 0; d < layout->ndim; d++) {
            if (layout->shape[d] == 0)
                has_zero = 1;
            else
                fits = fits && conv2d_mul_fits(count, layout->shape[d], &count);
        }
        fits = fits && conv2d_mul_fits(count, layout->item_size, &bytes);
        if (!fits)
            return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the shape %s of '%s' is too large: "
                               "its data would take more than %lld bytes",
                               layout->name, shape, layout->descr, LLONG_MAX);
        layout->count = has_zero ? 0 : count;
        layout->data_bytes = has_zero ? 0 : bytes;
    }
    if ((unsigned long long)layout->data_bytes != file_size - layout->data_offset)
        return conv2d_fail(err, CONV2D_ERR_FORMAT, "%s: the header promises %lld bytes of data "
                           "but the file holds %llu (shape %s, '%s')", layout->name,
                           layout->data_bytes, file_size - layout->data_offset, shape,
                           layout->descr);
    return CONV2D_OK;
}
static conv2d_status allocate_items(const npy_layout *layout, size_t item_size, void **data,
                                    conv2d_error *err)
{
    *data = NULL;
    if (layout->count == 0)
        return CONV2D_OK;
    if ((unsigned long long)layout->count > SIZE_MAX / item_size
        || (*data = malloc((size_t)layout->count * item_size)) == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY,
                           "%s: cannot allocate %lld numbers of %zu bytes",
                           layout->name, layout->count, item_size);
    return CONV2D_OK;
}
static void decode_items(const unsigned char *bytes, long long n, const npy_layout *layout,
                         float *to_float, double *to_double)
{
    for (long long i = 0; i < n; i++, bytes += layout->item_size) {
        if (layout->item_size == 4) {
            float value = load_float(bytes, layout->big_endian);
            if (to_float != NULL)
                to_float[i] = value;
            else
                to_double[i] = value;
        } else {
            double value = load_double(bytes, layout->big_endian);
            if (to_float != NULL)
                to_float[i] = (float)value;
            else
                to_double[i] = value;
        }
    }
}
static void copy_shape(const npy_layout *layout, int *ndim, long long shape[NPY_MAX_DIMS],
                       long long *count)
{
    *ndim = layout->ndim;
    for (int d = 0; d < NPY_MAX_DIMS; d++)
        shape[d] = d < layout->ndim ? layout->shape[d] : 0;
    *count = layout->count;
}
conv2d_status npy_parse(const unsigned char *bytes, size_t size, npy_array *array,
                        conv2d_error *err)
{
    npy_layout layout = { .name = "npy data" };
    void *data = NULL;
    conv2d_status status;
    if (bytes == NULL || array == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "npy_parse: bytes and array must not be NULL");
    status = parse_prefix(bytes, size, size, &layout, err);
    if (status == CONV2D_OK)
        status = parse_header((const char *)bytes + layout.header_offset,
                              layout.header_length, &layout, err);
    if (status == CONV2D_OK)
        status = check_layout(&layout, size, err);
    if (status == CONV2D_OK)
        status = allocate_items(&layout, sizeof(float), &data, err);
    if (status != CONV2D_OK)
        return status;
    decode_items(bytes + layout.data_offset, layout.count, &layout, data, NULL);
    copy_shape(&layout, &array->ndim, array->shape, &array->count);
    array->data = data;
    return CONV2D_OK;
}
static conv2d_status read_layout(FILE *stream, unsigned long long size, npy_layout *layout,
                                 conv2d_error *err)
{
    unsigned char prefix[NPY_PREFIX_V2];
    char header[NPY_HEADER_LIMIT];
    size_t got = fread(prefix, 1, sizeof prefix, stream);
    conv2d_status status;
    if (ferror(stream))
        return conv2d_read_failed(stream, layout->name, err);
    status = parse_prefix(prefix, got, size, layout, err);
    if (status != CONV2D_OK)
        return status;
    if (fseek(stream, (long)layout->header_offset, SEEK_SET) != 0
        || fread(header, 1, layout->header_length, stream) != layout->header_length)
        return conv2d_read_failed(stream, layout->name, err);
    status = parse_header(header, layout->header_length, layout, err);
    if (status == CONV2D_OK)
        status = check_layout(layout, size, err);
    return status;
}
static conv2d_status read_items(FILE *stream, const npy_layout *layout, void *data,
                                int to_double, conv2d_error *err)
{
    unsigned char block[NPY_BLOCK];
    long long per_block = NPY_BLOCK / layout->item_size, done = 0;
    while (done < layout->count) {
        long long n = layout->count - done < per_block ? layout->count - done : per_block;
        size_t bytes = (size_t)n * (size_t)layout->item_size;
        if (fread(block, 1, bytes, stream) != bytes)
            return conv2d_read_failed(stream, layout->name, err);
        if (to_double)
            decode_items(block, n, layout, NULL, (double *)data + done);
        else
            decode_items(block, n, layout, (float *)data + done, NULL);
        done += n;
    }
    return CONV2D_OK;
}
static conv2d_status read_file(const char *path, int to_double, npy_layout *layout,
                               void **data, conv2d_error *err)
{
    unsigned long long size = 0;
    conv2d_status status;
    FILE *stream = fopen(path, "rb");
    *data = NULL;
    layout->name = path;
    if (stream == NULL)
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot open the file (%s)",
                           path, strerror(errno));
    status = conv2d_file_size(stream, path, &size, err);
    if (status == CONV2D_OK)
        status = read_layout(stream, size, layout, err);
    if (status == CONV2D_OK)
        status = allocate_items(layout, to_double ? sizeof(double) : sizeof(float),
                                data, err);
    if (status == CONV2D_OK)
        status = read_items(stream, layout, *data, to_double, err);
    if (status != CONV2D_OK) {
        free(*data);
        *data = NULL;
    }
    fclose(stream);
    return status;
}
conv2d_status npy_read(const char *path, npy_array *array, conv2d_error *err)
{
    npy_layout layout = { .name = path };
    void *data;
    conv2d_status status;
    if (path == NULL || array == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "npy_read: path and array must not be NULL");
    status = read_file(path, 0, &layout, &data, err);
    if (status != CONV2D_OK)
        return status;
    copy_shape(&layout, &array->ndim, array->shape, &array->count);
    array->data = data;
    return CONV2D_OK;
}

conv2d_status npy_read_f64(const char *path, npy_array_f64 *array, conv2d_error *err)
{
    npy_layout layout = { .name = path };
    void *data;
    conv2d_status status;
    if (path == NULL || array == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "npy_read_f64: path and array must not be NULL");
    status = read_file(path, 1, &layout, &data, err);
    if (status != CONV2D_OK)
        return status;
    copy_shape(&layout, &array->ndim, array->shape, &array->count);
    array->data = data;
    return CONV2D_OK;
}
void npy_free(npy_array *array)
{
    if (array != NULL) {
        free(array->data);
        array->data = NULL;
    }
}

void npy_free_f64(npy_array_f64 *array)
{
    if (array != NULL) {
        free(array->data);
        array->data = NULL;
    }
}
static conv2d_status check_shape_to_write(const char *name, const float *data, int ndim,
                                          const long long *shape, long long *count,
                                          conv2d_error *err)
{
    long long product = 1, bytes = 0;
    int fits = 1, has_zero = 0;
    if (ndim < 0 || ndim > NPY_MAX_DIMS)
        return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE, "%s: ndim must be between 0 and %d, "
                           "got %d", name, NPY_MAX_DIMS, ndim);
    if (ndim > 0 && shape == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "%s: shape must not be NULL", name);
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return conv2d_fail(err, CONV2D_ERR_INPUT_SIZE, "%s: shape[%d] must be >= 0, "
                               "got %lld", name, d, shape[d]);
        if (shape[d] == 0)
            has_zero = 1;
        else
            fits = fits && conv2d_mul_fits(product, shape[d], &product);
    }
    fits = fits && conv2d_mul_fits(product, 4, &bytes);
    if (!fits)
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "%s: the shape is too large: its "
                           "data would take more than %lld bytes", name, LLONG_MAX);
    if (has_zero)
        product = 0;
    if (product > 0 && data == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "%s: data must not be NULL", name);
    *count = product;
    return CONV2D_OK;
}
static void build_header(unsigned char out[NPY_WRITE_HEADER], int ndim,
                         const long long *shape, size_t *size)
{
    char text[NPY_SHAPE_TEXT];
    size_t length, header_length;
    format_shape(text, ndim, shape);
    memcpy(out, npy_magic, NPY_MAGIC_SIZE);
    out[6] = 1;                                         /* version 1.0 */
    out[7] = 0;
    length = NPY_PREFIX_V1 + (size_t)snprintf((char *)out + NPY_PREFIX_V1,
        NPY_WRITE_HEADER - NPY_PREFIX_V1,
        "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", text);
    while ((length + 1) % NPY_ALIGNMENT != 0)
        out[length++] = ' ';
    out[length++] = '\n';
    header_length = length - NPY_PREFIX_V1;
    out[8] = (unsigned char)(header_length % 256);      /* HLEN, little-endian */
    out[9] = (unsigned char)(header_length / 256);
    *size = length;
}
conv2d_status npy_encode(unsigned char **bytes, size_t *size, const float *data, int ndim,
                         const long long *shape, conv2d_error *err)
{
    unsigned char header[NPY_WRITE_HEADER], *out;
    size_t header_size;
    long long count = 0;
    conv2d_status status;
    if (bytes == NULL || size == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "npy_encode: bytes and size must not be NULL");
    status = check_shape_to_write("npy_encode", data, ndim, shape, &count, err);
    if (status != CONV2D_OK)
        return status;
    build_header(header, ndim, shape, &header_size);
    if ((unsigned long long)count > (SIZE_MAX - header_size) / 4
        || (out = malloc(header_size + (size_t)count * 4)) == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "npy_encode: cannot allocate a file "
                           "of %lld numbers", count);
    memcpy(out, header, header_size);
    for (long long i = 0; i < count; i++)
        store_float(out + header_size + 4 * (size_t)i, data[i]);
    *bytes = out;
    *size = header_size + (size_t)count * 4;
    return CONV2D_OK;
}
static int write_contents(FILE *stream, const unsigned char *header, size_t header_size,
                          const float *data, long long count)
{
    unsigned char block[NPY_BLOCK];
    long long per_block = NPY_BLOCK / 4, done = 0;
    if (fwrite(header, 1, header_size, stream) != header_size)
        return 0;
    while (done < count) {
        long long n = count - done < per_block ? count - done : per_block;
        for (long long i = 0; i < n; i++)
            store_float(block + 4 * i, data[done + i]);
        if (fwrite(block, 4, (size_t)n, stream) != (size_t)n)
            return 0;
        done += n;
    }
    return fflush(stream) == 0 && fsync(fileno(stream)) == 0;
}
conv2d_status npy_stage(npy_staged *file, const char *path, const float *data, int ndim,
                        const long long *shape, conv2d_error *err)
{
    unsigned char header[NPY_WRITE_HEADER];
    size_t header_size = 0;
    long long count = 0;
    FILE *stream = NULL;
    int written;
    conv2d_status status;
    if (file == NULL || path == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "npy_stage: file and path must not be NULL");
    file->staged = 0;
    status = check_shape_to_write(path, data, ndim, shape, &count, err);
    if (status == CONV2D_OK && strlen(path) >= sizeof file->path)
        status = conv2d_fail(err, CONV2D_ERR_IO, "%s: the path is too long (%zu characters)",
                             path, strlen(path));
    if (status != CONV2D_OK)
        return status;
    memmove(file->path, path, strlen(path) + 1);
    status = conv2d_create_temporary(file->path, file->temp_path, sizeof file->temp_path,
                                     &stream, err);
    if (status != CONV2D_OK)
        return status;
    build_header(header, ndim, shape, &header_size);
    written = write_contents(stream, header, header_size, data, count);
    status = conv2d_close_temporary(stream, written, file->path, file->temp_path, err);
    file->staged = status == CONV2D_OK;
    return status;
}
conv2d_status npy_commit(npy_staged *file, conv2d_error *err)
{
    if (file == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "npy_commit: file must not be NULL");
    if (!file->staged)
        return conv2d_fail(err, CONV2D_ERR_IO, "npy_commit: no file is staged");
    file->staged = 0;
    return conv2d_replace_with_temporary(file->temp_path, file->path, err);
}

void npy_discard(npy_staged *file)
{
    if (file != NULL && file->staged) {
        remove(file->temp_path);
        file->staged = 0;
    }
}
conv2d_status npy_write(const char *path, const float *data, int ndim,
                        const long long *shape, conv2d_error *err)
{
    npy_staged file;
    conv2d_status status = npy_stage(&file, path, data, ndim, shape, err);
    if (status == CONV2D_OK)
        status = npy_commit(&file, err);
    return status;
}
