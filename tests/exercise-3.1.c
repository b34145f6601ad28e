/* tests/exercise-3.1.c: checks an answer to Exercise 3.1. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include "conv2d.h"
#include "conv2d-internal.h"

void input_gradient_1d(const float *dy, long long outputs, const float *w,
                       long long kernel, float *dx);

Test(exercise_3_1, input_gradient_1d)
{
    unsigned state = 9;
    conv2d_params p = conv2d_default_params();
    for (long long o = 1; o <= 8; o++)
        for (long long k = 1; k <= 8; k++) {
            float dy[8], w[8], adY[8], aw[8], dx[16], expected[16], bound[16];
            for (int i = 0; i < 8; i++) {
                state = state * 1664525u + 1013904223u;
                dy[i] = (float)((state >> 8) % 2001) / 1000.0f - 1.0f;
                w[i] = (float)((state >> 12) % 2001) / 1000.0f - 1.0f;
                adY[i] = fabsf(dy[i]);
                aw[i] = fabsf(w[i]);
            }
            cr_assert(eq(int, conv2d_backward(&p, NULL, (long long[4]){ 1, 1, 1, o + k - 1 }, w,
                                              (long long[4]){ 1, 1, 1, k }, dy,
                                              (long long[4]){ 1, 1, 1, o }, expected, NULL,
                                              NULL, NULL), CONV2D_OK));
            input_gradient_1d(adY, o, aw, k, bound);
            input_gradient_1d(dy, o, w, k, dx);
            for (long long i = 0; i < o + k - 1; i++)
                cr_assert(le(dbl, fabs((double)dx[i] - expected[i]),
                             2 * conv2d_tolerance(expected[i], bound[i], k)),
                          "outputs %lld, kernel %lld: dx[%lld] is %g, expected %g",
                          o, k, i, dx[i], expected[i]);
        }
}
