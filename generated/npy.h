/* npy.h: reading and writing NumPy's .npy files.
   Tangled from the book (the appendix on .npy files); edit the .nw sources. */
#ifndef NPY_H
#define NPY_H
#include <stddef.h>
#include "conv2d.h"

#define NPY_MAX_DIMS 8

/* data: [shape[0]]...[shape[ndim-1]], in C order (the last index fastest). */
typedef struct {
    int ndim;                          /* 0..NPY_MAX_DIMS */
    long long shape[NPY_MAX_DIMS];     /* each >= 0; entries from ndim on are 0 */
    long long count;                   /* product of the shape (1 for ndim 0) */
    float *data;                       /* count floats, malloc'ed (NULL when count == 0) */
} npy_array;

typedef struct {
    int ndim;
    long long shape[NPY_MAX_DIMS];
    long long count;
    double *data;   /* the same, widened exactly (float32 files) or as stored (float64) */
} npy_array_f64;
/* On success *array owns its data: release it with npy_free.  On failure
   *array is left as it was. */
conv2d_status npy_parse(const unsigned char *bytes, size_t size, npy_array *array,
                        conv2d_error *err);
conv2d_status npy_read(const char *path, npy_array *array, conv2d_error *err);
conv2d_status npy_read_f64(const char *path, npy_array_f64 *array, conv2d_error *err);

/* Frees the data and sets data to NULL; safe on a zeroed array and on NULL. */
void npy_free(npy_array *array);
void npy_free_f64(npy_array_f64 *array);
/* data: [shape[0]]...[shape[ndim-1]], C order, written as float32, version 1.0.
   Writing never damages an existing file: the data go to a temporary file in
   the same directory, which replaces PATH only when complete. */
conv2d_status npy_write(const char *path, const float *data, int ndim,
                        const long long *shape, conv2d_error *err);

/* Two-phase form, for a command that writes several files and must write all
   or none.  npy_stage fills *file whatever it held before. */
typedef struct {
    char path[4096];        /* the file to replace */
    char temp_path[4096];   /* the complete temporary file, while staged */
    int staged;             /* 1 from a successful npy_stage to commit or discard */
} npy_staged;

/* Writes the temporary file. */
conv2d_status npy_stage(npy_staged *file, const char *path, const float *data, int ndim,
                        const long long *shape, conv2d_error *err);
/* Renames it into place. */
conv2d_status npy_commit(npy_staged *file, conv2d_error *err);
/* Removes the temporary file, if any. */
void npy_discard(npy_staged *file);

/* The bytes of that file, in a malloc'ed buffer of *size bytes (free it). */
conv2d_status npy_encode(unsigned char **bytes, size_t *size, const float *data, int ndim,
                         const long long *shape, conv2d_error *err);

#endif
