/* fuzz-npy.c: a libFuzzer target for npy_parse.  Tangled from the book
   (the appendix on .npy files); built and run by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_array(const npy_array *array)
{
    unsigned char *bytes = NULL;
    size_t size = 0;
    npy_array again = { 0 };
    long long count = 1;
    if (array->ndim < 0 || array->ndim > NPY_MAX_DIMS)
        abort();
    for (int d = 0; d < array->ndim; d++)
        count *= array->shape[d];
    if (count != array->count || (count > 0) != (array->data != NULL))
        abort();
    if (npy_encode(&bytes, &size, array->data, array->ndim, array->shape, NULL) != CONV2D_OK
        || npy_parse(bytes, size, &again, NULL) != CONV2D_OK
        || again.ndim != array->ndim || again.count != array->count
        || memcmp(again.shape, array->shape, sizeof again.shape) != 0
        || (count > 0 && memcmp(again.data, array->data, (size_t)count * sizeof(float)) != 0))
        abort();
    free(bytes);
    npy_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    npy_array array = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_status status = npy_parse(data, size, &array, &err);
    if (status != CONV2D_OK) {
        if (err.status != status || strncmp(err.message, "npy data: ", 10) != 0)
            abort();
        return 0;
    }
    check_array(&array);
    npy_free(&array);
    return 0;
}
