/* conv2d.h: the interface of the conv2d library.
   Tangled from the book (conv2d.nw and the chapters); edit those, not this. */
#ifndef CONV2D_H
#define CONV2D_H

typedef enum {
    CONV2D_OK = 0,
    CONV2D_ERR_NULL,              /* a required pointer is NULL */
    CONV2D_ERR_INPUT_SIZE,        /* an input size is negative */
    CONV2D_ERR_KERNEL_SIZE,       /* a kernel size is less than 1 */
    CONV2D_ERR_STRIDE,            /* a stride is less than 1 */
    CONV2D_ERR_DILATION,          /* a dilation is less than 1 */
    CONV2D_ERR_PADDING,           /* a negative padding, or an unknown rule */
    CONV2D_ERR_SAME_STRIDE,       /* 'same' padding with a stride other than 1 */
    CONV2D_ERR_KERNEL_TOO_LARGE,  /* the window is larger than the padded input */
    CONV2D_ERR_GROUPS,            /* a group count that does not fit */
    CONV2D_ERR_OVERFLOW,          /* a size too large to compute with */
} conv2d_status;

#define CONV2D_MESSAGE_SIZE 256

typedef struct {
    conv2d_status status;               /* what kind of problem */
    char message[CONV2D_MESSAGE_SIZE];  /* which value, and why it is wrong */
} conv2d_error;
typedef struct {
    long long input;      /* i >= 0: samples along the axis */
    long long kernel;     /* k >= 1: taps of the kernel */
    long long stride;     /* s >= 1: step between windows */
    long long dilation;   /* d >= 1: step between taps; 1 is dense */
    long long pad_begin;  /* >= 0: padding before sample 0 (top or left) */
    long long pad_end;    /* >= 0: padding after the last sample */
} conv_axis;
conv2d_status conv_output_length(const conv_axis *axis, long long *output,
                                 conv2d_error *err);
conv2d_status conv_same_padding(long long kernel, long long dilation,
                                long long *pad_begin, long long *pad_end,
                                conv2d_error *err);
typedef enum {
    CONV2D_PADDING_EXPLICIT,  /* use pad_top, pad_bottom, pad_left, pad_right */
    CONV2D_PADDING_VALID,     /* no padding */
    CONV2D_PADDING_SAME       /* output size = input size; stride must be 1 */
} conv2d_padding_rule;

typedef struct {
    long long stride_h, stride_w;      /* >= 1 */
    long long dilation_h, dilation_w;  /* >= 1; 1 is a dense kernel */
    conv2d_padding_rule padding_rule;
    long long pad_top, pad_bottom;     /* >= 0; rows added above and below */
    long long pad_left, pad_right;     /* >= 0; columns added left and right */
    long long groups;                  /* >= 1 */
} conv2d_params;
conv2d_params conv2d_default_params(void);
typedef struct {
    conv_axis rows;      /* the height axis, padding resolved */
    conv_axis cols;      /* the width axis, padding resolved */
    long long out_h;     /* output rows */
    long long out_w;     /* output columns */
} conv2d_geometry;

conv2d_status conv2d_output_size(const conv2d_params *params,
                                 long long in_h, long long in_w,
                                 long long kernel_h, long long kernel_w,
                                 conv2d_geometry *geometry, conv2d_error *err);

#endif
