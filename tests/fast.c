/* tests/fast.c: the tests of chapter 5.  Tangled from the book. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "conv2d.h"
#include "conv2d-internal.h"
#include "npy.h"
#include "fixtures.h"

Test(fast, interior_range)
{
    long long first, last;
    conv2d_interior(-1, 2, 3, 2, &first, &last);
    cr_assert(eq(llong, first, 1));
    cr_assert(eq(llong, last, 2));
    conv2d_interior(0, 2, 3, 2, &first, &last);
    cr_assert(eq(llong, first, 0));
    cr_assert(eq(llong, last, 2));
    for (long long size = 1; size <= 7; size++)
        for (long long offset = -9; offset <= 9; offset++)
            for (long long stride = 1; stride <= 4; stride++)
                for (long long outputs = 0; outputs <= 9; outputs++) {
                    conv2d_interior(offset, stride, size, outputs, &first, &last);
                    cr_assert(le(llong, first, last));
                    cr_assert(le(llong, last, outputs));
                    for (long long o = 0; o < outputs; o++) {
                        long long i = o * stride + offset;
                        cr_assert(eq(int, o >= first && o < last, i >= 0 && i < size),
                                  "size %lld offset %lld stride %lld output %lld", size,
                                  offset, stride, o);
                    }
                }
}
static float next_value(unsigned *state)  /* uniform in [-1, 1) */
{
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) * 0x1p-23) - 1.0f;
}

static void check_gemm(const conv2d_blocking *blocking, long long m, long long n, long long k,
                       int transpose_a, int transpose_b, int accumulate, int blocked)
{
    float *a = malloc(sizeof(float) * (size_t)(m * k + 1));
    float *b = malloc(sizeof(float) * (size_t)(k * n + 1));
    float *c = malloc(sizeof(float) * (size_t)(m * n + 1));
    float *start = malloc(sizeof(float) * (size_t)(m * n + 1));
    unsigned state = (unsigned)(m * 1000 + n * 10 + k);
    long long a_rows = transpose_a ? 1 : k, a_cols = transpose_a ? m : 1;
    long long b_rows = transpose_b ? 1 : n, b_cols = transpose_b ? k : 1;
    cr_assert(a && b && c && start);
    for (long long i = 0; i < m * k; i++) a[i] = next_value(&state);
    for (long long i = 0; i < k * n; i++) b[i] = next_value(&state);
    for (long long i = 0; i < m * n; i++) start[i] = c[i] = next_value(&state);
    if (blocked)
        cr_assert(eq(int, conv2d_gemm(blocking, m, n, k, a, a_rows, a_cols, b, b_rows,
                                      b_cols, c, n, accumulate, NULL), CONV2D_OK));
    else
        conv2d_gemm_simple(m, n, k, a, a_rows, a_cols, b, b_rows, b_cols, c, n, accumulate);
    for (long long i = 0; i < m; i++)
        for (long long j = 0; j < n; j++) {
            double exact = accumulate ? start[i * n + j] : 0.0, bound = fabs(exact);
            for (long long p = 0; p < k; p++) {
                double term = (double)a[i * a_rows + p * a_cols] * b[p * b_rows + j * b_cols];
                exact += term;
                bound += fabs(term);
            }
            cr_assert(le(dbl, fabs(c[i * n + j] - exact),
                         conv2d_tolerance_float(exact, bound, k + accumulate)),
                      "%lld x %lld x %lld, element (%lld, %lld): %.9g, not %.9g", m, n, k,
                      i, j, c[i * n + j], exact);
        }
    free(a); free(b); free(c); free(start);
}

Test(fast, matrix_products)
{
    static const long long sizes[][3] = {
        { 1, 1, 1 }, { 5, 7, 3 }, { 6, 32, 8 }, { 7, 33, 13 }, { 13, 17, 29 },
        { 12, 64, 5 }, { 25, 70, 41 }, { 3, 100, 1 }, { 40, 9, 0 } };
    conv2d_blocking machine, tiny;
    conv2d_choose_blocking(&machine);
    cr_assert(gt(llong, machine.kc, 0));
    cr_assert(gt(llong, machine.mc, 0));
    cr_assert(gt(llong, machine.nc, 0));
    conv2d_choose_blocking(&tiny);
    tiny.kc = 5;
    tiny.mc = 12;
    tiny.nc = 1;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int variant = 0; variant < 8; variant++) {
            const long long *z = sizes[s];
            check_gemm(&machine, z[0], z[1], z[2], variant & 1, variant >> 1 & 1,
                       variant >> 2 & 1, 1);
            check_gemm(&tiny, z[0], z[1], z[2], variant & 1, variant >> 1 & 1,
                       variant >> 2 & 1, 1);
            check_gemm(&machine, z[0], z[1], z[2], variant & 1, variant >> 1 & 1,
                       variant >> 2 & 1, 0);
        }
}
static const struct {
    const char *name;
    conv2d_forward_function *forward;
    conv2d_backward_function *backward;
} fast_variants[] = {
    { "loops", conv2d_forward_loops, conv2d_backward_loops },
    { "im2col", conv2d_forward_im2col, conv2d_backward_im2col },
    { "gemm", conv2d_forward_gemm, conv2d_backward_gemm },
    { "blocked", conv2d_forward_blocked, conv2d_backward_blocked },
    { "direct", conv2d_forward_direct, conv2d_backward_direct },
};
enum { VARIANTS = sizeof fast_variants / sizeof fast_variants[0] };

static void expect_near(const char *what, const char *variant, const char *array,
                        const float *got, const float *reference, const float *bound,
                        long long count, long long terms)
{
    cr_assert(le(dbl, (double)terms * 0x1p-24, 0.01), "%s: the bound needs m u <= 0.01", what);
    for (long long i = 0; i < count; i++)
        cr_assert(le(dbl, fabs((double)got[i] - reference[i]),
                     conv2d_tolerance_float(reference[i], bound[i], terms)),
                  "%s, %s: %s[%lld] is %.9g, the naive loops say %.9g", what, variant,
                  array, i, got[i], reference[i]);
}
static float *absolute_copy(const float *a, long long count)
{
    float *r = malloc(sizeof(float) * (size_t)(count + 1));
    cr_assert(r != NULL);
    for (long long i = 0; i < count; i++)
        r[i] = fabsf(a[i]);
    return r;
}

static void check_variants(const char *what, const conv2d_params *p, const float *x,
                           const long long xs[4], const float *w, const long long ws[4],
                           const float *b, const float *dy)
{
    long long ys[4], x_count = xs[0] * xs[1] * xs[2] * xs[3];
    long long w_count = ws[0] * ws[1] * ws[2] * ws[3], y_count;
    conv2d_geometry g;
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, conv2d_forward_shape(p, xs, ws, ys, &err), CONV2D_OK), "%s: %s",
              what, err.message);
    cr_assert(eq(int, conv2d_output_size(p, xs[2], xs[3], ws[2], ws[3], &g, NULL), CONV2D_OK));
    y_count = ys[0] * ys[1] * ys[2] * ys[3];
        float *ax = absolute_copy(x, x_count), *aw = absolute_copy(w, w_count);
        float *ab = b != NULL ? absolute_copy(b, ws[0]) : NULL, *ady = absolute_copy(dy, y_count);
        size_t sx = sizeof(float) * (size_t)(x_count + 1), sw = sizeof(float) * (size_t)(w_count + 1);
        size_t sy = sizeof(float) * (size_t)(y_count + 1), sb = sizeof(float) * (size_t)(ws[0] + 1);
        float *y = malloc(sy), *y_abs = malloc(sy), *fy = malloc(sy);
        float *dx = malloc(sx), *dx_abs = malloc(sx), *fdx = malloc(sx);
        float *dw = malloc(sw), *dw_abs = malloc(sw), *fdw = malloc(sw);
        float *db = malloc(sb), *db_abs = malloc(sb), *fdb = malloc(sb);
        long long bias_length = b != NULL ? ws[0] : 0;
        long long outputs = ys[0] * ys[2] * ys[3];
        long long reach = (ws[0] / p->groups) * ws[2] * ws[3] * (1 + g.rows.pad_begin + g.rows.pad_end)
                          * (1 + g.cols.pad_begin + g.cols.pad_end);
        cr_assert(y && y_abs && fy && dx && dx_abs && fdx);
        cr_assert(dw && dw_abs && fdw && db && db_abs && fdb);
        cr_assert(eq(int, conv2d_forward(p, x, xs, w, ws, b, bias_length, y, NULL), CONV2D_OK));
        cr_assert(eq(int, conv2d_forward(p, ax, xs, aw, ws, ab, bias_length, y_abs, NULL), CONV2D_OK));
        cr_assert(eq(int, conv2d_backward(p, x, xs, w, ws, dy, ys, dx, dw, db, NULL), CONV2D_OK));
        cr_assert(eq(int, conv2d_backward(p, ax, xs, aw, ws, ady, ys, dx_abs, dw_abs, db_abs, NULL),
                     CONV2D_OK));
    for (int v = 0; v < VARIANTS; v++) {
        {
            const char *name = fast_variants[v].name;
            cr_assert(eq(int, fast_variants[v].forward(p, x, xs, w, ws, b, bias_length, fy, &err),
                         CONV2D_OK), "%s, %s: %s", what, name, err.message);
            expect_near(what, name, "y", fy, y, y_abs, y_count, ws[1] * ws[2] * ws[3] + (b != NULL));
            if (fast_variants[v].backward != NULL) {
                cr_assert(eq(int, fast_variants[v].backward(p, x, xs, w, ws, dy, ys, fdx, fdw, fdb,
                                                            &err),
                             CONV2D_OK), "%s, %s: %s", what, name, err.message);
                expect_near(what, name, "dx", fdx, dx, dx_abs, x_count, reach);
                expect_near(what, name, "dw", fdw, dw, dw_abs, w_count, outputs);
                expect_near(what, name, "db", fdb, db, db_abs, ws[0], outputs);
            }
        }
    }
    {
        free(ax); free(aw); free(ab); free(ady);
        free(y); free(y_abs); free(fy);
        free(dx); free(dx_abs); free(fdx);
        free(dw); free(dw_abs); free(fdw);
        free(db); free(db_abs); free(fdb);
    }
}
static void load_fixture(const char *dir, const char *file, npy_array *a)
{
    char path[512];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read(path, a, &err), CONV2D_OK), "%s", err.message);
}

static int check_family(const char *family)
{
    char line[512], path[256];
    int checked = 0;
    FILE *cases;
    snprintf(path, sizeof path, "tests/fixtures/%s/cases.txt", family);
    cases = fopen(path, "r");
    cr_assert(cases != NULL, "%s: cannot open it", path);
    while (fgets(line, sizeof line, cases) != NULL) {
        fixture_case c;
        int kind = fixture_read_case(line, &c);
        cr_assert(kind >= 0, "a malformed line in %s: %s", path, line);
        if (kind == 1) {
            {
                char dir[256], what[320];
                npy_array x = { 0 }, w = { 0 }, b = { 0 }, dy = { 0 };
                long long ys[4];
                int backward = strcmp(family, "backward") == 0;
                snprintf(dir, sizeof dir, "tests/fixtures/%s/%s", family, c.name);
                snprintf(what, sizeof what, "%s fixture %s", family, c.name);
                load_fixture(dir, "input.npy", &x);
                load_fixture(dir, "weight.npy", &w);
                if (c.has_bias && !backward)
                    load_fixture(dir, "bias.npy", &b);
                cr_assert(eq(int, conv2d_forward_shape(&c.params, x.shape, w.shape, ys, NULL), CONV2D_OK));
                if (backward)
                    load_fixture(dir, "grad_output.npy", &dy);
                else {
                    unsigned state = 5;
                    dy.count = ys[0] * ys[1] * ys[2] * ys[3];
                    dy.data = malloc(sizeof(float) * (size_t)(dy.count + 1));
                    cr_assert(dy.data != NULL);
                    for (long long i = 0; i < dy.count; i++)
                        dy.data[i] = next_value(&state);
                }
                check_variants(what, &c.params, x.data, x.shape, w.data, w.shape,
                               b.count > 0 ? b.data : NULL, dy.data);
                npy_free(&x); npy_free(&w); npy_free(&b);
                if (backward)
                    npy_free(&dy);
                else
                    free(dy.data);
            }
            checked++;
        }
    }
    fclose(cases);
    return checked;
}

Test(fast, every_variant_on_every_fixture)
{
    cr_assert(ge(int, check_family("forward"), 30));
    cr_assert(ge(int, check_family("backward"), 30));
}
static long long pick(unsigned *state, long long low, long long high)
{
    *state = *state * 1664525u + 1013904223u;
    return low + (long long)((*state >> 8) % (unsigned)(high - low + 1));
}

Test(fast, every_variant_on_random_layers)
{
    unsigned state = 11;
    int checked = 0;
    while (checked < 200) {
        conv2d_params p = conv2d_default_params();
        long long groups = pick(&state, 1, 3);
        long long xs[4] = { pick(&state, 1, 3), groups * pick(&state, 1, 3),
                            pick(&state, 1, 13), pick(&state, 1, 13) };
        long long ws[4] = { groups * pick(&state, 1, 4), xs[1] / groups,
                            pick(&state, 1, 4), pick(&state, 1, 4) }, ys[4];
        char what[64];
        p.groups = groups;
        p.stride_h = pick(&state, 1, 3); p.stride_w = pick(&state, 1, 3);
        p.dilation_h = pick(&state, 1, 2); p.dilation_w = pick(&state, 1, 2);
        p.pad_top = pick(&state, 0, 2); p.pad_bottom = pick(&state, 0, 2);
        p.pad_left = pick(&state, 0, 2); p.pad_right = pick(&state, 0, 2);
        p.padding_mode = (conv2d_padding_mode)pick(&state, 0, 3);
        if (conv2d_forward_shape(&p, xs, ws, ys, NULL) != CONV2D_OK)
            continue;                     /* a layer that does not exist */
        {
            long long x_count = xs[0] * xs[1] * xs[2] * xs[3], w_count = ws[0] * ws[1] * ws[2] * ws[3];
            long long y_count = ys[0] * ys[1] * ys[2] * ys[3];
            float *x = malloc(sizeof(float) * (size_t)x_count);
            float *w = malloc(sizeof(float) * (size_t)w_count);
            float *b = malloc(sizeof(float) * (size_t)ws[0]);
            float *dy = malloc(sizeof(float) * (size_t)y_count);
            cr_assert(x && w && b && dy);
            for (long long i = 0; i < x_count; i++) x[i] = next_value(&state);
            for (long long i = 0; i < w_count; i++) w[i] = next_value(&state);
            for (long long i = 0; i < ws[0]; i++) b[i] = next_value(&state);
            for (long long i = 0; i < y_count; i++) dy[i] = next_value(&state);
            snprintf(what, sizeof what, "random layer %d", checked);
            check_variants(what, &p, x, xs, w, ws, checked % 2 ? b : NULL, dy);
            free(x); free(w); free(b); free(dy);
        }
        checked++;
    }
}
static void run_with_threads(int v, int threads, const conv2d_params *p, const float *x,
                             const long long xs[4], const float *w, const long long ws[4],
                             const float *dy, const long long ys[4], float *y, float *dx,
                             float *dw)
{
#ifdef _OPENMP
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
    cr_assert(eq(int, fast_variants[v].forward(p, x, xs, w, ws, NULL, 0, y, NULL), CONV2D_OK),
              "%s", fast_variants[v].name);
    if (fast_variants[v].backward != NULL)
        cr_assert(eq(int, fast_variants[v].backward(p, x, xs, w, ws, dy, ys, dx, dw, NULL,
                                                    NULL), CONV2D_OK),
                  "%s", fast_variants[v].name);
}

Test(fast, threads_and_repeated_calls_give_the_same_answer)
{
    enum { N = 2, C = 24, H = 30, W = 29, K = 40, X = N * C * H * W, WC = K * C * 9,
           Y = N * K * H * W };
    static float x[X], w[WC], dy[Y], y[3][Y], dx[3][X], dw[3][WC];
    const long long xs[4] = { N, C, H, W }, ws[4] = { K, C, 3, 3 }, ys[4] = { N, K, H, W };
    unsigned state = 3;
    conv2d_params p = conv2d_default_params();
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
    for (int i = 0; i < X; i++) x[i] = next_value(&state);
    for (int i = 0; i < WC; i++) w[i] = next_value(&state);
    for (int i = 0; i < Y; i++) dy[i] = next_value(&state);
    for (int v = 0; v < VARIANTS; v++) {
        const char *name = fast_variants[v].name;
        memset(dx, 0, sizeof dx);
        memset(dw, 0, sizeof dw);
        run_with_threads(v, 2, &p, x, xs, w, ws, dy, ys, y[0], dx[0], dw[0]);
        run_with_threads(v, 2, &p, x, xs, w, ws, dy, ys, y[1], dx[1], dw[1]);
        run_with_threads(v, 1, &p, x, xs, w, ws, dy, ys, y[2], dx[2], dw[2]);
        for (int r = 1; r < 3; r++) {
            cr_assert(eq(int, memcmp(y[0], y[r], sizeof y[0]), 0), "%s: y, run %d", name, r);
            cr_assert(eq(int, memcmp(dx[0], dx[r], sizeof dx[0]), 0), "%s: dx, run %d", name,
                      r);
            cr_assert(eq(int, memcmp(dw[0], dw[r], sizeof dw[0]), 0), "%s: dw, run %d", name,
                      r);
        }
    }
}
Test(fast, invalid_arguments_are_refused)
{
    conv2d_params p = conv2d_default_params();
    static float x[100], w[36], b[4], y[100], dy[100];
    const long long xs[4] = { 1, 4, 5, 5 }, ws[4] = { 2, 4, 3, 3 };
    for (int v = 0; v < VARIANTS; v++) {
        conv2d_error err = { CONV2D_OK, "" };
        y[0] = 12345.0f;
        cr_assert(eq(int, fast_variants[v].forward(&p, x, xs, w, ws, b, 3, y, &err),
                     CONV2D_ERR_BIAS));
        cr_assert(strstr(err.message, "bias has 3 values") != NULL, "%s", err.message);
        cr_assert(eq(int, fast_variants[v].forward(&p, x, xs, w, (long long[4]){ 2, 3, 3, 3 },
                                              NULL, 0, y, &err), CONV2D_ERR_CHANNELS));
        cr_assert(eq(flt, y[0], 12345.0f), "a failed call wrote the output");
        if (fast_variants[v].backward == NULL)
            continue;
        cr_assert(eq(int, fast_variants[v].backward(&p, x, xs, w, ws, dy,
                                               (long long[4]){ 1, 2, 3, 4 }, y, NULL, NULL,
                                               &err), CONV2D_ERR_SHAPE));
        cr_assert(eq(int, fast_variants[v].backward(&p, NULL, xs, w, ws, dy,
                                               (long long[4]){ 1, 2, 3, 3 }, NULL, y, NULL,
                                               &err), CONV2D_ERR_NULL));
        cr_assert(eq(flt, y[0], 12345.0f), "a failed call wrote the output");
    }
}
Test(fast, an_im2col_matrix_too_large_to_count_is_refused)
{
    const long long xs[4] = { 1, 1, 1, 1 }, ws[4] = { 1, 1, 1, 1 };
    long long ys[4];
    float x[1] = { 1 }, w[1] = { 1 }, b[1] = { 1 }, y[1] = { 7 }, dx[1] = { 7 };
    float dw[1] = { 7 }, db[1] = { 7 };
    conv2d_params p = conv2d_default_params();
    conv2d_error err = { CONV2D_OK, "" };
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1LL << 30;
    cr_assert(eq(int, conv2d_forward_shape(&p, xs, ws, ys, NULL), CONV2D_OK));
    cr_assert(eq(int, conv2d_forward_im2col(&p, x, xs, w, ws, b, 1, y, &err),
                 CONV2D_ERR_OVERFLOW));
    cr_assert(strstr(err.message, "im2col matrix") != NULL, "%s", err.message);
    cr_assert(eq(int, conv2d_forward_gemm(&p, x, xs, w, ws, b, 1, y, NULL),
                 CONV2D_ERR_OVERFLOW));
    cr_assert(eq(int, conv2d_backward_im2col(&p, x, xs, w, ws, y, ys, dx, dw, db, NULL),
                 CONV2D_ERR_OVERFLOW));
    cr_assert(eq(int, conv2d_backward_gemm(&p, x, xs, w, ws, y, ys, dx, dw, db, NULL),
                 CONV2D_ERR_OVERFLOW));
    cr_assert(y[0] == 7 && dx[0] == 7 && dw[0] == 7 && db[0] == 7,
              "a refused call wrote an output");
}
