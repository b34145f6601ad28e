/* Exercise 1.3: TensorFlow's 'SAME' padding for any stride.
   Check your answer with: make check EX=1.3 */
void tf_same_padding(long long input, long long kernel, long long stride,
                     long long dilation, long long *pad_begin, long long *pad_end);

void tf_same_padding(long long input, long long kernel, long long stride,
                     long long dilation, long long *pad_begin, long long *pad_end)
{
    (void)input, (void)kernel, (void)stride, (void)dilation;
    *pad_begin = 0;  /* your answer here */
    *pad_end = 0;
}
