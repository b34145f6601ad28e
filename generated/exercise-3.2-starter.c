/* Exercise 3.2: the bias and weight gradients of a 1-D convolution with
   stride, no padding.  Check your answer with: make check EX=3.2 */
void weight_gradient_1d(const float *x, const float *dy, long long outputs,
                        long long stride, long long kernel, float *dw, float *db);

void weight_gradient_1d(const float *x, const float *dy, long long outputs,
                        long long stride, long long kernel, float *dw, float *db)
{
    (void)x, (void)dy, (void)outputs, (void)stride;
    for (long long u = 0; u < kernel; u++)
        dw[u] = 0;  /* your answer here */
    *db = 0;
}
