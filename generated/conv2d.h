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
    CONV2D_ERR_FILTER,            /* an unknown filter name, or not a kernel */
    CONV2D_ERR_STACK,             /* an unknown initialisation, or a stack without layers */
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
/* ReLU, as torch.relu: y[i] = 0 if x[i] < 0, else x[i] (so NaN and -0
   pass through).  x, y: count floats, any shape; y may be x (in place).
   A count <= 0 does nothing. */
void conv2d_relu(const float *x, long long count, float *y);
/* The gradient of ReLU, as PyTorch's: dx[i] = 0 if x[i] <= 0, else dy[i]
   (0 at the corner x = 0).  x may be the ReLU's output instead of its
   input: the result is the same.  x, dy, dx: count floats; dx may be dy. */
void conv2d_relu_backward(const float *x, const float *dy, long long count, float *dx);
/* The parameters of max pooling, as torch.nn.MaxPool2d's. */
typedef struct {
    long long kernel_h, kernel_w;      /* >= 1 */
    long long stride_h, stride_w;      /* >= 1; PyTorch's default is the kernel */
    long long pad_h, pad_w;            /* >= 0 and <= kernel / 2, on both sides */
    long long dilation_h, dilation_w;  /* >= 1; 1 is a dense window */
    int ceil_mode;                     /* nonzero: keep a partial last window */
} conv2d_pool_params;

/* torch.nn.MaxPool2d(kernel): stride = kernel, no padding, dilation 1,
   floor mode. */
conv2d_pool_params conv2d_default_pool_params(long long kernel);
/* The output shape of max pooling, after every check of its arguments.
   input_shape: N, C, H, W;  output_shape (written on success): N, C,
   H_out, W_out. */
conv2d_status conv2d_max_pool_shape(const conv2d_pool_params *params,
                                    const long long input_shape[4],
                                    long long output_shape[4], conv2d_error *err);

/* y = max_pool2d(x), as torch.nn.functional.max_pool2d.
   x: [N][C][H][W], y: [N][C][H_out][W_out], allocated by the caller.
   argmax: NULL, or [N][C][H_out][W_out]: the flat index into x of the
   sample each output is (the first maximum in row-major order; the last
   NaN if the window holds one), or -1 if the window reads only padding
   (its output is then -infinity).  Nothing is written unless every check
   passes. */
conv2d_status conv2d_max_pool(const conv2d_pool_params *params,
                              const float *x, const long long input_shape[4],
                              float *y, long long *argmax, conv2d_error *err);

/* The gradient of max pooling: dx = 0, then each dy[n][c][h][w] is added
   to dx at its window's argmax.  x: [N][C][H][W], dy: [N][C][H_out][W_out],
   dx: like x. */
conv2d_status conv2d_max_pool_backward(const conv2d_pool_params *params,
                                       const float *x, const long long input_shape[4],
                                       const float *dy, float *dx, conv2d_error *err);
#include <stdint.h>

/* A SplitMix64 random number generator: the same numbers on every machine. */
typedef struct {
    uint64_t state;
} conv2d_rng;

conv2d_rng conv2d_rng_seed(uint64_t seed);
uint64_t conv2d_rng_next(conv2d_rng *rng);     /* 64 random bits */
double conv2d_rng_uniform(conv2d_rng *rng);    /* uniform in [0, 1) */
/* How a layer's first weights are drawn; n is the fan-in C_in/groups*kH*kW. */
typedef enum {
    CONV2D_INIT_PYTORCH,  /* weights and bias uniform in (-1/sqrt(n), 1/sqrt(n)) */
    CONV2D_INIT_HE        /* weights uniform in (-sqrt(6/n), sqrt(6/n)), bias 0 */
} conv2d_init;

/* Draw a layer's weight w: [C_out][C_in/groups][kH][kW] (the shape given)
   and then, if b is not NULL, its bias b: [C_out], from rng. */
conv2d_status conv2d_init_layer(conv2d_init init, const long long weight_shape[4],
                                float *w, float *b, conv2d_rng *rng, conv2d_error *err);
/* A stack of layers: convolution (stride 1, bias) + ReLU, repeated. */
typedef struct {
    int layers;                   /* >= 1 */
    long long channels;           /* output channels of every layer, >= 1 */
    long long kernel;             /* every kernel is kernel x kernel, >= 1 */
    conv2d_padding_rule padding;  /* CONV2D_PADDING_VALID or CONV2D_PADDING_SAME */
    conv2d_init init;             /* how the weights are drawn */
    uint64_t seed;                /* the generator's seed */
} conv2d_stack;

/* The output shape of every layer: shapes[l] for l = 0 .. layers - 1.
   input_shape: N, C, H, W. */
conv2d_status conv2d_stack_shapes(const conv2d_stack *stack, const long long input_shape[4],
                                  long long (*shapes)[4], conv2d_error *err);

/* Run the stack on x: [N][C][H][W].  outputs[l]: [N][channels][H_l][W_l],
   the shape conv2d_stack_shapes gives, receives layer l's convolution,
   before its ReLU.  Layer l draws its weights, then its bias, from one
   generator seeded once, so a longer stack starts with the shorter one. */
conv2d_status conv2d_stack_forward(const conv2d_stack *stack, const float *x,
                                   const long long input_shape[4], float *const *outputs,
                                   conv2d_error *err);
/* Where one output of a stack of layers looks, along one axis. */
typedef struct {
    long long size;   /* r: input samples from the first the output reads to the last */
    long long jump;   /* J: the distance between the fields of neighbouring outputs */
    long long start;  /* where output 0's field begins; < 0 means in the padding */
} conv2d_field;

/* The receptive field of output j of the last of count layers is input
   samples start + j * jump to start + j * jump + size - 1.  Each layer's
   kernel, stride, dilation and pad_begin are used; input and pad_end are
   not.  A pooling layer is described like a convolution. */
conv2d_status conv2d_receptive_field(const conv_axis *layers, int count,
                                     conv2d_field *field, conv2d_error *err);
/* Chapter 5: faster variants of conv2d_forward, with its arguments and its
   checks, summing in float.  _loops: the loops reordered, the border split
   off; _im2col: im2col and a simple matrix product; _gemm: im2col and the
   blocked, vectorized, threaded matrix product.  All of them use OpenMP's
   threads when the library is built with it. */
conv2d_status conv2d_forward_loops(const conv2d_params *params,
                                   const float *x, const long long input_shape[4],
                                   const float *w, const long long weight_shape[4],
                                   const float *b, long long bias_length,
                                   float *y, conv2d_error *err);
conv2d_status conv2d_forward_im2col(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *b, long long bias_length,
                                    float *y, conv2d_error *err);
conv2d_status conv2d_forward_gemm(const conv2d_params *params,
                                  const float *x, const long long input_shape[4],
                                  const float *w, const long long weight_shape[4],
                                  const float *b, long long bias_length,
                                  float *y, conv2d_error *err);
/* Chapter 5: the blocked layout.  An activation of NCHW shape
   [N][C][H][W] is stored as [N][ceil(C/16)][H][W][16]: channel c of pixel
   (h, w) is at (((n * ceil(C/16) + c/16) * H + h) * W + w) * 16 + c % 16,
   and the lanes past C are zeros.  A weight of shape [C_out][C_in][kH][kW]
   (groups = 1) is stored as [ceil(C_out/16)][ceil(C_in/16)][kH][kW][16][16],
   input channel before output channel, zeros past C_in and C_out.
   The counts are in floats; they are -1 for a negative size or a count too
   large for a long long. */
long long conv2d_blocked_count(const long long shape[4]);
long long conv2d_blocked_weight_count(const long long weight_shape[4]);
/* x: [N][C][H][W] -> xb: blocked, and back; shape is the NCHW shape. */
conv2d_status conv2d_to_blocked(const float *x, const long long shape[4], float *xb,
                                conv2d_error *err);
conv2d_status conv2d_from_blocked(const float *xb, const long long shape[4], float *x,
                                  conv2d_error *err);
/* w: [C_out][C_in][kH][kW] -> wb: blocked. */
conv2d_status conv2d_weights_to_blocked(const float *w, const long long weight_shape[4],
                                        float *wb, conv2d_error *err);
/* The forward pass of conv2d_forward on blocked arrays: x, w and y in the
   blocked layouts above, b as for conv2d_forward; input_shape and
   weight_shape are the NCHW and OIHW shapes, groups must be 1. */
conv2d_status conv2d_forward_on_blocked(const conv2d_params *params,
                                        const float *xb, const long long input_shape[4],
                                        const float *wb, const long long weight_shape[4],
                                        const float *b, long long bias_length,
                                        float *yb, conv2d_error *err);
/* conv2d_forward, through the blocked layout: converts x and w, runs
   conv2d_forward_on_blocked and converts y back; other group counts go to
   conv2d_forward_gemm. */
conv2d_status conv2d_forward_blocked(const conv2d_params *params,
                                     const float *x, const long long input_shape[4],
                                     const float *w, const long long weight_shape[4],
                                     const float *b, long long bias_length,
                                     float *y, conv2d_error *err);
/* Chapter 5: the direct kernel: each input plane copied once into a
   padded plane, then blocks of output rows a vector at a time in
   registers; meant for depthwise layers, correct for all. */
conv2d_status conv2d_forward_direct(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *b, long long bias_length,
                                    float *y, conv2d_error *err);
/* Chapter 5: the backward passes of the direct kernel, through padded
   planes; meant for depthwise layers, correct for all. */
conv2d_status conv2d_backward_direct(const conv2d_params *params,
                                     const float *x, const long long input_shape[4],
                                     const float *w, const long long weight_shape[4],
                                     const float *dy,
                                     const long long grad_output_shape[4],
                                     float *dx, float *dw, float *db, conv2d_error *err);
/* Chapter 5: faster variants of conv2d_backward, with its arguments and
   checks, summing in float: the loops reordered, im2col with a simple
   matrix product, and im2col with the blocked matrix product. */
conv2d_status conv2d_backward_loops(const conv2d_params *params,
                                    const float *x, const long long input_shape[4],
                                    const float *w, const long long weight_shape[4],
                                    const float *dy, const long long grad_output_shape[4],
                                    float *dx, float *dw, float *db, conv2d_error *err);
conv2d_status conv2d_backward_im2col(const conv2d_params *params,
                                     const float *x, const long long input_shape[4],
                                     const float *w, const long long weight_shape[4],
                                     const float *dy, const long long grad_output_shape[4],
                                     float *dx, float *dw, float *db, conv2d_error *err);
conv2d_status conv2d_backward_gemm(const conv2d_params *params,
                                   const float *x, const long long input_shape[4],
                                   const float *w, const long long weight_shape[4],
                                   const float *dy, const long long grad_output_shape[4],
                                   float *dx, float *dw, float *db, conv2d_error *err);
/* Chapter 5: the backward passes, with the input gradient as a forward
   pass of conv2d_forward_blocked on the flipped weights where the layer
   allows it (stride 1, zero padding, one group, and no side padded by
   more than d(k-1), the dilation times the kernel size less one), else
   those of conv2d_backward_gemm. */
conv2d_status conv2d_backward_blocked(const conv2d_params *params,
                                      const float *x, const long long input_shape[4],
                                      const float *w, const long long weight_shape[4],
                                      const float *dy, const long long grad_output_shape[4],
                                      float *dx, float *dw, float *db, conv2d_error *err);
/* Chapter 5: the type of every forward and every backward variant. */
typedef conv2d_status conv2d_forward_function(const conv2d_params *, const float *,
                                              const long long[4], const float *,
                                              const long long[4], const float *, long long,
                                              float *, conv2d_error *);
typedef conv2d_status conv2d_backward_function(const conv2d_params *, const float *,
                                               const long long[4], const float *,
                                               const long long[4], const float *,
                                               const long long[4], float *, float *,
                                               float *, conv2d_error *);

#endif
