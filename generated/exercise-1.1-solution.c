/* Exercise 1.1, the book's solution. */
long long smallest_input(long long output, long long kernel, long long stride,
                         long long dilation);

long long smallest_input(long long output, long long kernel, long long stride,
                         long long dilation)
{
    return (output - 1) * stride + dilation * (kernel - 1) + 1;
}
