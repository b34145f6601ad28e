/* Exercise 1.2: the receptive field of a stack of COUNT layers.
   Check your answer with: make check EX=1.2 */
#include "conv2d.h"

long long receptive_field(const conv_axis *layers, int count);

long long receptive_field(const conv_axis *layers, int count)
{
    (void)layers, (void)count;
    return 0;  /* your answer here */
}
