/* conv2d-error.c: recording what went wrong.  Tangled from the book. */
#include <stdarg.h>
#include <stdio.h>
#include "conv2d-internal.h"

conv2d_status conv2d_fail(conv2d_error *err, conv2d_status status,
                          const char *format, ...)
{
    if (err != NULL) {
        va_list args;
        va_start(args, format);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, format, args);
        va_end(args);
    }
    return status;
}
