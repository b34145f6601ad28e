/* tests/exercise-3.2.c: checks an answer to Exercise 3.2. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include "conv2d.h"

void weight_gradient_1d(const float *x, const float *dy, long long outputs,
                        long long stride, long long kernel, float *dw, float *db);

Test(exercise_3_2, weight_gradient_1d)
{
    unsigned state = 4;
    conv2d_params p = conv2d_default_params();
    for (long long o = 1; o <= 6; o++)
     for (long long s = 1; s <= 3; s++)
      for (long long k = 1; k <= 4; k++) {
            long long n = (o - 1) * s + k;
            float x[32], dy[8], dw[4], db, expected_dw[4], expected_db;
            for (int i = 0; i < 32; i++) {
                state = state * 1664525u + 1013904223u;
                x[i] = (float)((state >> 8) % 17) - 8.0f;
                dy[i % 8] = (float)((state >> 16) % 9) - 4.0f;
            }
            p.stride_w = s;
            cr_assert(eq(int, conv2d_backward(&p, x, (long long[4]){ 1, 1, 1, n }, NULL,
                                              (long long[4]){ 1, 1, 1, k }, dy,
                                              (long long[4]){ 1, 1, 1, o }, NULL,
                                              expected_dw, &expected_db, NULL), CONV2D_OK));
            weight_gradient_1d(x, dy, o, s, k, dw, &db);
            cr_assert(eq(flt, db, expected_db), "outputs %lld, stride %lld: db", o, s);
            for (long long u = 0; u < k; u++)
                cr_assert(eq(flt, dw[u], expected_dw[u]),
                          "outputs %lld, stride %lld, kernel %lld: dw[%lld]", o, s, k, u);
        }
}
