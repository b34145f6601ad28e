/* conv2d-file.h: reading and safely replacing files, shared by npy.c and
   image.c; not part of the library's interface.  Tangled from the book
   (the appendix on .npy files); edit the .nw sources. */
#ifndef CONV2D_FILE_H
#define CONV2D_FILE_H
#include <stddef.h>
#include <stdio.h>
#include "conv2d.h"

/* The size of an open regular file; anything else is refused. */
conv2d_status conv2d_file_size(FILE *stream, const char *path, unsigned long long *size,
                               conv2d_error *err);
/* The error of a read that came back short. */
conv2d_status conv2d_read_failed(FILE *stream, const char *path, conv2d_error *err);
/* Creates a new temporary file next to path, its name in temp_path. */
conv2d_status conv2d_create_temporary(const char *path, char *temp_path, size_t temp_size,
                                      FILE **stream, conv2d_error *err);
/* Closes it; unless written is 1 and the close succeeds, removes it and
   fails with errno's reason.  Call it right after the last write. */
conv2d_status conv2d_close_temporary(FILE *stream, int written, const char *path,
                                     const char *temp_path, conv2d_error *err);
/* Renames the temporary file over path, or removes it and fails. */
conv2d_status conv2d_replace_with_temporary(const char *temp_path, const char *path,
                                            conv2d_error *err);
#endif
