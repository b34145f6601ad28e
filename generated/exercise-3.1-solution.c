/* Exercise 3.1, the book's solution. */
void input_gradient_1d(const float *dy, long long outputs, const float *w,
                       long long kernel, float *dx);

void input_gradient_1d(const float *dy, long long outputs, const float *w,
                       long long kernel, float *dx)
{
    for (long long i = 0; i < outputs + kernel - 1; i++) {
        double sum = 0.0;
        for (long long u = 0; u < kernel; u++)
            if (i - u >= 0 && i - u < outputs)
                sum += (double)dy[i - u] * w[u];
        dx[i] = (float)sum;
    }
}
