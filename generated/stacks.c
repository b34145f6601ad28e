/* stacks.c: random weights, stacks of layers, receptive fields
   (chapter 4).  Tangled from the book. */
#include <math.h>
#include <stdlib.h>
#include "conv2d-internal.h"

conv2d_rng conv2d_rng_seed(uint64_t seed)
{
    return (conv2d_rng){ .state = seed };
}

uint64_t conv2d_rng_next(conv2d_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
double conv2d_rng_uniform(conv2d_rng *rng)
{
    return (double)(conv2d_rng_next(rng) >> 11) * 0x1p-53;
}
conv2d_status conv2d_init_layer(conv2d_init init, const long long weight_shape[4],
                                float *w, float *b, conv2d_rng *rng, conv2d_error *err)
{
    long long fan_in = 1, count;
    double weight_bound, bias_bound;
    if (weight_shape == NULL || w == NULL || rng == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "conv2d_init_layer: weight_shape, w and rng must not be NULL");
    for (int i = 0; i < 4; i++)
        if (weight_shape[i] < 1)
            return conv2d_fail(err, CONV2D_ERR_SHAPE, "weight shape [%lld, %lld, %lld, %lld]: "
                               "every size must be >= 1", weight_shape[0], weight_shape[1],
                               weight_shape[2], weight_shape[3]);
    if (!conv2d_mul_fits(weight_shape[1], weight_shape[2], &fan_in)
        || !conv2d_mul_fits(fan_in, weight_shape[3], &fan_in)
        || !conv2d_mul_fits(fan_in, weight_shape[0], &count))
        return conv2d_fail(err, CONV2D_ERR_OVERFLOW, "weight shape [%lld, %lld, %lld, %lld] "
                           "has too many elements", weight_shape[0], weight_shape[1],
                           weight_shape[2], weight_shape[3]);
    if (init != CONV2D_INIT_PYTORCH && init != CONV2D_INIT_HE)
        return conv2d_fail(err, CONV2D_ERR_STACK, "unknown initialisation %d", (int)init);
    bias_bound = 1.0 / sqrt((double)fan_in);
    weight_bound = init == CONV2D_INIT_HE ? sqrt(6.0 / (double)fan_in) : bias_bound;
    for (long long i = 0; i < count; i++)
        w[i] = (float)(weight_bound * (2.0 * conv2d_rng_uniform(rng) - 1.0));
    if (b != NULL)
        for (long long o = 0; o < weight_shape[0]; o++)
            b[o] = init == CONV2D_INIT_HE
                       ? 0.0f : (float)(bias_bound * (2.0 * conv2d_rng_uniform(rng) - 1.0));
    return CONV2D_OK;
}
static conv2d_params stack_params(const conv2d_stack *stack)
{
    conv2d_params params = conv2d_default_params();
    params.padding_rule = stack->padding;
    return params;
}

conv2d_status conv2d_stack_shapes(const conv2d_stack *stack, const long long input_shape[4],
                                  long long (*shapes)[4], conv2d_error *err)
{
    conv2d_params params;
    if (stack == NULL || input_shape == NULL || shapes == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "conv2d_stack_shapes: "
                           "stack, input_shape and shapes must not be NULL");
    if (stack->layers < 1)
        return conv2d_fail(err, CONV2D_ERR_STACK, "a stack needs at least one layer, got %d",
                           stack->layers);
    if (stack->channels < 1)
        return conv2d_fail(err, CONV2D_ERR_CHANNELS,
                           "a stack's layers need >= 1 output channels, got %lld",
                           stack->channels);
    if (stack->padding != CONV2D_PADDING_VALID && stack->padding != CONV2D_PADDING_SAME)
        return conv2d_fail(err, CONV2D_ERR_PADDING,
                           "a stack's padding must be 'valid' or 'same', got rule %d",
                           (int)stack->padding);
    if (stack->init != CONV2D_INIT_PYTORCH && stack->init != CONV2D_INIT_HE)
        return conv2d_fail(err, CONV2D_ERR_STACK, "unknown initialisation %d",
                           (int)stack->init);
    params = stack_params(stack);
    for (int l = 0; l < stack->layers; l++) {
        const long long *in = l == 0 ? input_shape : shapes[l - 1];
        const long long w_shape[4] = { stack->channels, in[1], stack->kernel, stack->kernel };
        conv2d_error inner = { CONV2D_OK, "" };
        conv2d_status status = conv2d_forward_shape(&params, in, w_shape, shapes[l], &inner);
        if (status != CONV2D_OK)
            return conv2d_fail(err, status, "layer %d: %s", l + 1, inner.message);
    }
    return CONV2D_OK;
}
conv2d_status conv2d_stack_forward(const conv2d_stack *stack, const float *x,
                                   const long long input_shape[4], float *const *outputs,
                                   conv2d_error *err)
{
    long long (*shapes)[4];
    float *activation = NULL;
    conv2d_rng rng;
    conv2d_status status;
    if (stack == NULL || x == NULL || input_shape == NULL || outputs == NULL)
        return conv2d_fail(err, CONV2D_ERR_NULL, "conv2d_stack_forward: "
                           "stack, x, input_shape and outputs must not be NULL");
    if (stack->layers < 1)
        return conv2d_fail(err, CONV2D_ERR_STACK, "a stack needs at least one layer, got %d",
                           stack->layers);
    if ((shapes = malloc(sizeof *shapes * (size_t)stack->layers)) == NULL)
        return conv2d_fail(err, CONV2D_ERR_MEMORY, "cannot allocate %d shapes", stack->layers);
    status = conv2d_stack_shapes(stack, input_shape, shapes, err);
    rng = conv2d_rng_seed(stack->seed);
    for (int l = 0; l < stack->layers && status == CONV2D_OK; l++)
        {
            const float *in = l == 0 ? x : activation;
            const long long *in_shape = l == 0 ? input_shape : shapes[l - 1];
            const long long w_shape[4] = { stack->channels, in_shape[1], stack->kernel,
                                           stack->kernel };
            const long long *out_shape = shapes[l];
            const conv2d_params params = stack_params(stack);
            long long count = out_shape[0] * out_shape[1] * out_shape[2] * out_shape[3];
            float *w = malloc(sizeof(float)
                              * (size_t)(w_shape[0] * w_shape[1] * w_shape[2] * w_shape[3]));
            float *b = malloc(sizeof(float) * (size_t)stack->channels);
            float *next = NULL;
            if (w == NULL || b == NULL)
                status = conv2d_fail(err, CONV2D_ERR_MEMORY, "layer %d: cannot allocate the weights",
                                     l + 1);
            if (status == CONV2D_OK)
                status = conv2d_init_layer(stack->init, w_shape, w, b, &rng, err);
            if (status == CONV2D_OK)
                status = conv2d_forward(&params, in, in_shape, w, w_shape, b, stack->channels,
                                        outputs[l], err);
            if (status == CONV2D_OK && l + 1 < stack->layers) {
                if ((next = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1))) == NULL)
                    status = conv2d_fail(err, CONV2D_ERR_MEMORY,
                                         "layer %d: cannot allocate %lld activations", l + 1, count);
                else
                    conv2d_relu(outputs[l], count, next);
            }
            free(w);
            free(b);
            free(activation);
            activation = next;
        }
    free(activation);
    free(shapes);
    return status;
}
conv2d_status conv2d_receptive_field(const conv_axis *layers, int count,
                                     conv2d_field *field, conv2d_error *err)
{
    long long size = 1, jump = 1, padding = 0;
    if (field == NULL || (layers == NULL && count > 0))
        return conv2d_fail(err, CONV2D_ERR_NULL,
                           "conv2d_receptive_field: layers and field must not be NULL");
    if (count < 0)
        return conv2d_fail(err, CONV2D_ERR_STACK,
                           "the number of layers must be >= 0, got %d", count);
    for (int l = 0; l < count; l++) {
        const conv_axis *a = &layers[l];
        long long widening, shift;
        if (a->kernel < 1)
            return conv2d_fail(err, CONV2D_ERR_KERNEL_SIZE,
                               "layer %d: kernel size must be >= 1, got %lld", l + 1, a->kernel);
        if (a->stride < 1)
            return conv2d_fail(err, CONV2D_ERR_STRIDE,
                               "layer %d: stride must be >= 1, got %lld", l + 1, a->stride);
        if (a->dilation < 1)
            return conv2d_fail(err, CONV2D_ERR_DILATION,
                               "layer %d: dilation must be >= 1, got %lld", l + 1, a->dilation);
        if (a->pad_begin < 0)
            return conv2d_fail(err, CONV2D_ERR_PADDING,
                               "layer %d: padding must be >= 0, got %lld", l + 1, a->pad_begin);
        if (!conv2d_mul_fits(a->dilation, a->kernel - 1, &widening)
            || !conv2d_mul_fits(widening, jump, &widening)
            || !conv2d_add_fits(size, widening, &size)
            || !conv2d_mul_fits(a->pad_begin, jump, &shift)
            || !conv2d_add_fits(padding, shift, &padding)
            || !conv2d_mul_fits(jump, a->stride, &jump))
            return conv2d_fail(err, CONV2D_ERR_OVERFLOW,
                               "layer %d: the receptive field is too large to compute", l + 1);
    }
    *field = (conv2d_field){ .size = size, .jump = jump, .start = -padding };
    return CONV2D_OK;
}
