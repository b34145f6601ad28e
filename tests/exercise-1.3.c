/* tests/exercise-1.3.c: checks an answer to Exercise 1.3. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include "conv2d.h"

void tf_same_padding(long long input, long long kernel, long long stride,
                     long long dilation, long long *pad_begin, long long *pad_end);

static long long outputs_with(long long i, long long k, long long s, long long d,
                              long long begin, long long end)
{
    conv_axis axis = { i, k, s, d, begin, end };
    long long output = 0;
    if (conv_output_length(&axis, &output, NULL) != CONV2D_OK)
        return 0;
    return output;
}

Test(exercise_1_3, tf_same_padding)
{
    long long begin = -1, end = -1;
    tf_same_padding(13, 6, 5, 1, &begin, &end);
    cr_expect(eq(llong, begin, 1), "i=13 k=6 s=5");
    cr_expect(eq(llong, end, 2), "i=13 k=6 s=5");
    for (long long i = 1; i <= 30; i++)
     for (long long k = 1; k <= 6; k++)
      for (long long s = 1; s <= 4; s++)
       for (long long d = 1; d <= 3; d++) {
            long long wanted = (i + s - 1) / s, total;
            tf_same_padding(i, k, s, d, &begin, &end);
            total = begin + end;
            cr_assert(eq(llong, outputs_with(i, k, s, d, begin, end), wanted),
                      "i=%lld k=%lld s=%lld d=%lld: padding %lld,%lld", i, k, s, d,
                      begin, end);
            if (total > 0)
                cr_assert(lt(llong, outputs_with(i, k, s, d, (total - 1) / 2,
                                                 total - 1 - (total - 1) / 2), wanted),
                          "i=%lld k=%lld s=%lld d=%lld: padding %lld is not the least",
                          i, k, s, d, total);
            cr_assert(eq(llong, begin, total / 2), "i=%lld k=%lld s=%lld d=%lld: the "
                      "smaller half goes first", i, k, s, d);
        }
}
