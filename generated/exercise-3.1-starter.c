/* Exercise 3.1: the input gradient of a 1-D convolution, stride 1, no
   padding.  Check your answer with: make check EX=3.1 */
void input_gradient_1d(const float *dy, long long outputs, const float *w,
                       long long kernel, float *dx);

void input_gradient_1d(const float *dy, long long outputs, const float *w,
                       long long kernel, float *dx)
{
    (void)dy, (void)w;
    for (long long i = 0; i < outputs + kernel - 1; i++)
        dx[i] = 0;  /* your answer here */
}
