/* conv2d-file.c: reading and safely replacing files.
   Tangled from the book (the appendix on .npy files); edit the .nw sources. */
#define _POSIX_C_SOURCE 200809L  /* for fileno, fstat, fsync and getpid */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conv2d-file.h"
#include "conv2d-internal.h"

conv2d_status conv2d_file_size(FILE *stream, const char *path, unsigned long long *size,
                               conv2d_error *err)
{
    struct stat info;
    if (fstat(fileno(stream), &info) != 0)
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot find the size of the file (%s)",
                           path, strerror(errno));
    if (!S_ISREG(info.st_mode))
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: not a regular file", path);
    *size = (unsigned long long)info.st_size;
    return CONV2D_OK;
}
conv2d_status conv2d_read_failed(FILE *stream, const char *path, conv2d_error *err)
{
    if (ferror(stream))
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot read the file (%s)", path,
                           strerror(errno));
    return conv2d_fail(err, CONV2D_ERR_IO, "%s: the file ended early; did it change "
                       "while it was read?", path);
}
conv2d_status conv2d_create_temporary(const char *path, char *temp_path, size_t temp_size,
                                      FILE **stream, conv2d_error *err)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        {
            int n = snprintf(temp_path, temp_size, "%s.tmp-%ld-%d", path, (long)getpid(), attempt);
            if (n < 0 || (size_t)n >= temp_size)
                return conv2d_fail(err, CONV2D_ERR_IO, "%s: the path is too long for a temporary "
                                   "file", path);
            errno = 0;
            *stream = fopen(temp_path, "wbx");
            if (*stream != NULL)
                return CONV2D_OK;
            if (errno != EEXIST)
                return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot create the temporary file %s (%s)",
                                   path, temp_path, strerror(errno));
        }
    }
    return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot create a temporary file: 100 names "
                       "like %s are taken", path, temp_path);
}
conv2d_status conv2d_close_temporary(FILE *stream, int written, const char *path,
                                     const char *temp_path, conv2d_error *err)
{
    int error = errno;
    if (fclose(stream) != 0 && written) {
        written = 0;
        error = errno;
    }
    if (!written) {
        remove(temp_path);
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot write the temporary file %s (%s)",
                           path, temp_path, strerror(error));
    }
    return CONV2D_OK;
}
conv2d_status conv2d_replace_with_temporary(const char *temp_path, const char *path,
                                            conv2d_error *err)
{
    if (rename(temp_path, path) != 0) {
        int error = errno;
        remove(temp_path);
        return conv2d_fail(err, CONV2D_ERR_IO, "%s: cannot rename %s to it (%s)", path,
                           temp_path, strerror(error));
    }
    return CONV2D_OK;
}
