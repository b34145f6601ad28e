/* tests/exercise-1.1.c: checks an answer to Exercise 1.1. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include "conv2d.h"

long long smallest_input(long long output, long long kernel, long long stride,
                         long long dilation);

Test(exercise_1_1, smallest_input)
{
    for (long long o = 1; o <= 12; o++)
     for (long long k = 1; k <= 5; k++)
      for (long long s = 1; s <= 4; s++)
       for (long long d = 1; d <= 3; d++) {
            long long i = smallest_input(o, k, s, d), got = -1, fewer = -1;
            conv_axis axis = { i, k, s, d, 0, 0 };
            conv_axis shorter = { i - 1, k, s, d, 0, 0 };
            cr_assert(eq(int, conv_output_length(&axis, &got, NULL), CONV2D_OK),
                      "o=%lld k=%lld s=%lld d=%lld: input %lld has no window",
                      o, k, s, d, i);
            cr_assert(eq(llong, got, o), "o=%lld k=%lld s=%lld d=%lld: input %lld",
                      o, k, s, d, i);
            if (conv_output_length(&shorter, &fewer, NULL) == CONV2D_OK)
                cr_assert(lt(llong, fewer, o), "o=%lld k=%lld s=%lld d=%lld: input %lld "
                          "is not the smallest", o, k, s, d, i);
        }
}
