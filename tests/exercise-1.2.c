/* tests/exercise-1.2.c: checks an answer to Exercise 1.2. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>
#include "conv2d.h"

long long receptive_field(const conv_axis *layers, int count);

enum { MAX_POSITIONS = 1024 };

static long long field_by_marking(const conv_axis *layers, int count)
{
    static char marked[MAX_POSITIONS], below[MAX_POSITIONS];
    long long last = 0;
    memset(marked, 0, sizeof marked);
    marked[0] = 1;
    for (int l = count - 1; l >= 0; l--) {
        memset(below, 0, sizeof below);
        last = 0;
        for (long long j = 0; j < MAX_POSITIONS; j++)
            if (marked[j])
                for (long long u = 0; u < layers[l].kernel; u++) {
                    long long q = j * layers[l].stride + u * layers[l].dilation;
                    cr_assert(lt(llong, q, MAX_POSITIONS));
                    below[q] = 1;
                    if (q > last)
                        last = q;
                }
        memcpy(marked, below, sizeof marked);
    }
    return last + 1;  /* position 0 is always marked */
}

Test(exercise_1_2, receptive_field)
{
    conv_axis layers[4];
    unsigned seed = 12345;
    cr_assert(eq(llong, receptive_field(layers, 0), 1), "no layers: one sample");
    for (int trial = 0; trial < 2000; trial++) {
        int count = 1 + trial % 4;
        for (int l = 0; l < count; l++) {
            seed = seed * 1103515245u + 12345u;
            layers[l] = (conv_axis){ .input = 100, .kernel = 1 + (seed >> 8) % 5,
                                     .stride = 1 + (seed >> 12) % 3,
                                     .dilation = 1 + (seed >> 16) % 3 };
        }
        cr_assert(eq(llong, receptive_field(layers, count),
                     field_by_marking(layers, count)), "trial %d", trial);
    }
}
