/* Exercise 1.2, the book's solution. */
#include "conv2d.h"

long long receptive_field(const conv_axis *layers, int count);

long long receptive_field(const conv_axis *layers, int count)
{
    long long field = 1, jump = 1;
    for (int l = 0; l < count; l++) {
        field += layers[l].dilation * (layers[l].kernel - 1) * jump;
        jump *= layers[l].stride;
    }
    return field;
}
