/* Exercise 3.2, the book's solution. */
void weight_gradient_1d(const float *x, const float *dy, long long outputs,
                        long long stride, long long kernel, float *dw, float *db);

void weight_gradient_1d(const float *x, const float *dy, long long outputs,
                        long long stride, long long kernel, float *dw, float *db)
{
    double bias = 0.0;
    for (long long j = 0; j < outputs; j++)
        bias += dy[j];
    *db = (float)bias;
    for (long long u = 0; u < kernel; u++) {
        double sum = 0.0;
        for (long long j = 0; j < outputs; j++)
            sum += (double)dy[j] * x[j * stride + u];
        dw[u] = (float)sum;
    }
}
