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
    CONV2D_ERR_CHANNELS,          /* channel counts that do not fit together */
    CONV2D_ERR_BIAS,              /* a bias of the wrong length */
    CONV2D_ERR_PADDING_MODE,      /* an unknown mode, or padding it cannot fill */
    CONV2D_ERR_SHAPE,             /* an array whose shape does not fit the others */
    CONV2D_ERR_IO,                /* a file cannot be opened, read, written or renamed */
    CONV2D_ERR_FORMAT,            /* a malformed or unsupported file */
    CONV2D_ERR_MEMORY,            /* an allocation failed */
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
typedef enum {
    CONV2D_PADDING_ZEROS,      /* padding is 0 (PyTorch's default) */
    CONV2D_PADDING_REFLECT,    /* mirrored at the edge sample; pad < size */
    CONV2D_PADDING_REPLICATE,  /* the edge sample repeated */
    CONV2D_PADDING_CIRCULAR    /* the input repeated; pad <= size */
} conv2d_padding_mode;
typedef struct {
    long long stride_h, stride_w;      /* >= 1 */
    long long dilation_h, dilation_w;  /* >= 1; 1 is a dense kernel */
    conv2d_padding_rule padding_rule;
    long long pad_top, pad_bottom;     /* >= 0; rows added above and below */
    long long pad_left, pad_right;     /* >= 0; columns added left and right */
    long long groups;                  /* >= 1 */
    conv2d_padding_mode padding_mode;
    long long output_padding_h, output_padding_w;  /* transposed convolution only */
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
/* The sliding dot product of one channel: no padding, stride 1.
   x: [in_h][in_w], w: [kernel_h][kernel_w] with kernel_h <= in_h and
   kernel_w <= in_w, y: [in_h - kernel_h + 1][in_w - kernel_w + 1]. */
void conv2d_plain(const float *x, long long in_h, long long in_w,
                  const float *w, long long kernel_h, long long kernel_w,
                  float *y);
/* The output shape of a forward pass, after every check of its arguments.
   input_shape: N, C_in, H, W;  weight_shape: C_out, C_in / groups, kH, kW;
   output_shape (written on success): N, C_out, H_out, W_out. */
conv2d_status conv2d_forward_shape(const conv2d_params *params,
                                   const long long input_shape[4],
                                   const long long weight_shape[4],
                                   long long output_shape[4], conv2d_error *err);

/* y = conv(x, w) + b, as torch.nn.functional.conv2d.
   x: [N][C_in][H][W], w: [C_out][C_in/groups][kH][kW],
   b: [C_out] (bias_length must be C_out) or NULL for no bias,
   y: [N][C_out][H_out][W_out], allocated by the caller.
   Nothing is written to y unless every check passes. */
conv2d_status conv2d_forward(const conv2d_params *params,
                             const float *x, const long long input_shape[4],
                             const float *w, const long long weight_shape[4],
                             const float *b, long long bias_length,
                             float *y, conv2d_error *err);

/* The same in double precision, for checking gradients (chapter 3). */
conv2d_status conv2d_forward_f64(const conv2d_params *params,
                                 const double *x, const long long input_shape[4],
                                 const double *w, const long long weight_shape[4],
                                 const double *b, long long bias_length,
                                 double *y, conv2d_error *err);
/* The gradients of the forward pass, given dy = dL/dy.
   x: [N][C_in][H][W] (may be NULL if dw is NULL),
   w: [C_out][C_in/groups][kH][kW] (may be NULL if dx is NULL),
   dy: [N][C_out][H_out][W_out], exactly the forward output's shape.
   dx: like x, dw: like w, db: [C_out]; each may be NULL, and each one
   given is overwritten.  Nothing is written unless every check passes. */
conv2d_status conv2d_backward(const conv2d_params *params,
                              const float *x, const long long input_shape[4],
                              const float *w, const long long weight_shape[4],
                              const float *dy, const long long grad_output_shape[4],
                              float *dx, float *dw, float *db, conv2d_error *err);
conv2d_status conv2d_backward_f64(const conv2d_params *params,
                                  const double *x, const long long input_shape[4],
                                  const double *w, const long long weight_shape[4],
                                  const double *dy, const long long grad_output_shape[4],
                                  double *dx, double *dw, double *db, conv2d_error *err);
/* The transposed convolution, as torch.nn.functional.conv_transpose2d:
   x: [N][C_in][H][W], w: [C_in][C_out/groups][kH][kW], b: [C_out] or NULL,
   y: [N][C_out][H_out][W_out] with H_out = (H - 1) * stride_h - pad_top
   - pad_bottom + dilation_h * (kH - 1) + output_padding_h + 1 (likewise W).
   Padding must be explicit, and its mode zeros. */
conv2d_status conv2d_transpose_shape(const conv2d_params *params,
                                     const long long input_shape[4],
                                     const long long weight_shape[4],
                                     long long output_shape[4], conv2d_error *err);
conv2d_status conv2d_transpose(const conv2d_params *params,
                               const float *x, const long long input_shape[4],
                               const float *w, const long long weight_shape[4],
                               const float *b, long long bias_length,
                               float *y, conv2d_error *err);
conv2d_status conv2d_transpose_f64(const conv2d_params *params,
                                   const double *x, const long long input_shape[4],
                                   const double *w, const long long weight_shape[4],
                                   const double *b, long long bias_length,
                                   double *y, conv2d_error *err);

#endif
