/* Exercise 1.3, the book's solution. */
void tf_same_padding(long long input, long long kernel, long long stride,
                     long long dilation, long long *pad_begin, long long *pad_end);

void tf_same_padding(long long input, long long kernel, long long stride,
                     long long dilation, long long *pad_begin, long long *pad_end)
{
    long long output = (input + stride - 1) / stride;
    long long total = (output - 1) * stride + dilation * (kernel - 1) + 1 - input;
    if (total < 0)
        total = 0;
    *pad_begin = total / 2;
    *pad_end = total - *pad_begin;
}
