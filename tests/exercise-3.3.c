/* tests/exercise-3.3.c: checks an answer to Exercise 3.3. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include "conv2d.h"

void fold_replicate(const float *padded_grad, long long n, long long before,
                    long long after, float *dx);

Test(exercise_3_3, fold_replicate)
{
    conv2d_params p = conv2d_default_params();
    const float one = 1;
    p.padding_mode = CONV2D_PADDING_REPLICATE;
    for (long long n = 1; n <= 6; n++)
     for (long long before = 0; before <= 4; before++)
      for (long long after = 0; after <= 4; after++) {
            float grad[16], dx[6], expected[6];
            for (long long q = 0; q < before + n + after; q++)
                grad[q] = (float)(q + 1);
            p.pad_left = before;
            p.pad_right = after;
            cr_assert(eq(int, conv2d_backward(&p, NULL, (long long[4]){ 1, 1, 1, n }, &one,
                                              (long long[4]){ 1, 1, 1, 1 }, grad,
                                              (long long[4]){ 1, 1, 1, before + n + after },
                                              expected, NULL, NULL, NULL), CONV2D_OK));
            fold_replicate(grad, n, before, after, dx);
            for (long long i = 0; i < n; i++)
                cr_assert(eq(flt, dx[i], expected[i]), "n=%lld, padding %lld and %lld: "
                          "dx[%lld]", n, before, after, i);
        }
}
