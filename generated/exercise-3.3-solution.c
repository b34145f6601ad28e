/* Exercise 3.3, the book's solution. */
void fold_replicate(const float *padded_grad, long long n, long long before,
                    long long after, float *dx);

void fold_replicate(const float *padded_grad, long long n, long long before,
                    long long after, float *dx)
{
    for (long long i = 0; i < n; i++)
        dx[i] = 0;
    for (long long q = 0; q < before + n + after; q++) {
        long long i = q - before;
        dx[i < 0 ? 0 : i >= n ? n - 1 : i] += padded_grad[q];
    }
}
