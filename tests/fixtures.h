/* tests/fixtures.h: reading the PyTorch fixtures.  Tangled from the book. */
#ifndef CONV2D_TEST_FIXTURES_H
#define CONV2D_TEST_FIXTURES_H
#include <stdio.h>
#include <string.h>
#include "conv2d.h"

/* One line of a fixture family's cases.txt: the case's name, its options. */
typedef struct {
    char name[64];
    conv2d_params params;
    int has_bias;
} fixture_case;

static int fixture_mode(const char *name, conv2d_padding_mode *mode)
{
    static const char *const names[4] = { "zeros", "reflect", "replicate", "circular" };
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *mode = (conv2d_padding_mode)i;
            return 1;
        }
    return 0;
}

/* Returns 1 for a case, 0 for a comment or blank line, -1 for a bad line. */
static int fixture_read_case(const char *line, fixture_case *c)
{
    char rule[16], mode[16];
    conv2d_params p = conv2d_default_params();
    if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
        return 0;
    if (sscanf(line, "%63s %lld %lld %15s %lld %lld %lld %lld %lld %lld %lld %15s %d",
               c->name, &p.stride_h, &p.stride_w, rule, &p.pad_top, &p.pad_bottom,
               &p.pad_left, &p.pad_right, &p.dilation_h, &p.dilation_w, &p.groups,
               mode, &c->has_bias) != 13 || !fixture_mode(mode, &p.padding_mode))
        return -1;
    if (strcmp(rule, "explicit") == 0)
        p.padding_rule = CONV2D_PADDING_EXPLICIT;
    else if (strcmp(rule, "same") == 0)
        p.padding_rule = CONV2D_PADDING_SAME;
    else if (strcmp(rule, "valid") == 0)
        p.padding_rule = CONV2D_PADDING_VALID;
    else
        return -1;
    c->params = p;
    return 1;
}
#endif
