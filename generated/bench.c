/* bench.c: the benchmark of chapter 5.  Tangled from the book.
   Usage: bench [--csv] [LAYER...]  (--csv: one CSV line per measurement
   on stdout, and the table on stderr as the run proceeds; LAYER: only
   these layers, L1 to L7). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <omp.h>
#include "conv2d.h"
#ifdef CONV2D_BENCH_OPENBLAS
#include <cblas.h>
#endif
#ifdef CONV2D_BENCH_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

typedef struct {
    const char *name;
    long long n, c_in, size, c_out, kernel, stride, pad, dilation, groups;
} bench_layer;

static const bench_layer bench_layers[] = {
    { "L1", 1, 3, 224, 64, 7, 2, 3, 1, 1 },
    { "L2", 1, 64, 56, 64, 3, 1, 1, 1, 1 },
    { "L3", 1, 128, 28, 128, 3, 1, 1, 1, 1 },
    { "L4", 1, 256, 14, 256, 3, 1, 1, 1, 1 },
    { "L5", 1, 64, 56, 256, 1, 1, 0, 1, 1 },
    { "L6", 1, 32, 112, 32, 3, 1, 1, 1, 32 },
    { "L7", 8, 16, 32, 32, 3, 1, 2, 2, 1 },
};
enum { LAYERS = sizeof bench_layers / sizeof bench_layers[0] };

static long long out_size(const bench_layer *l)
{
    return (l->size + 2 * l->pad - l->dilation * (l->kernel - 1) - 1) / l->stride + 1;
}

static double layer_flops(const bench_layer *l)
{
    long long o = out_size(l);
    return 2.0 * l->n * l->c_out * o * o * (l->c_in / l->groups) * l->kernel * l->kernel;
}
typedef int bench_function(void *context);
typedef struct { double median, least, most; } bench_rate;

static double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int time_it(bench_function *f, void *context, double flops, bench_rate *rate)
{
    double rates[15], start = bench_now(), first;
    int repeats;
    if (f(context) != 0)
        return -1;
    first = bench_now() - start;
    repeats = first > 0 ? (int)(0.5 / first) : 15;
    repeats = repeats < 3 ? 3 : repeats > 15 ? 15 : repeats;
    for (int r = 0; r < repeats; r++) {
        start = bench_now();
        if (f(context) != 0)
            return -1;
        rates[r] = flops / (bench_now() - start) * 1e-9;
    }
    qsort(rates, (size_t)repeats, sizeof rates[0], compare_doubles);
    rate->median = repeats % 2 ? rates[repeats / 2]
                               : 0.5 * (rates[repeats / 2 - 1] + rates[repeats / 2]);
    rate->least = rates[0];
    rate->most = rates[repeats - 1];
    return 0;
}
#if defined(__AVX512F__)
#define BENCH_FLOATS 16
#elif defined(__AVX__)
#define BENCH_FLOATS 8
#else
#define BENCH_FLOATS 4
#endif
typedef float bench_vector __attribute__((vector_size(BENCH_FLOATS * sizeof(float))));
static volatile float seed_m = 0.9999999f, seed_a = 1e-7f, sink;

static int fma_chains(void *context)
{
    long long iterations = *(long long *)context;
    #pragma omp parallel
    {
        bench_vector acc[16], m = (bench_vector){ 0 } + seed_m, a = (bench_vector){ 0 } + seed_a;
        for (int j = 0; j < 16; j++)
            acc[j] = (bench_vector){ 0 } + (float)j;
        for (long long i = 0; i < iterations; i++)
            for (int j = 0; j < 16; j++)
                acc[j] = acc[j] * m + a;
        for (int j = 1; j < 16; j++)
            acc[0] += acc[j];
        #pragma omp critical
        sink = acc[0][0];
    }
    return 0;
}

typedef struct { float *a, *b, *c; long long n; } triad_arrays;

static int triad(void *context)
{
    triad_arrays *t = context;
    float s = seed_m;
    #pragma omp parallel for schedule(static)
    for (long long i = 0; i < t->n; i++)
        t->a[i] = t->b[i] + s * t->c[i];
    return 0;
}
typedef enum { FORWARD, BACKWARD_DATA, BACKWARD_WEIGHTS } bench_pass;
static const char *const pass_names[3] = { "forward", "backward-data", "backward-weights" };

typedef struct {
    conv2d_params params;
    long long xs[4], ws[4], ys[4];
    float *x, *w, *y, *dx, *dw;
    bench_pass pass;
    int variant;
    const bench_layer *layer;
} bench_context;

/* The same table as the tests': the naive loops first, then every
   variant of the chapter, with NULL for a missing backward pass. */
static const struct {
    const char *name;
    conv2d_forward_function *forward;
    conv2d_backward_function *backward;
} fast_variants[] = {
    { "naive", conv2d_forward, conv2d_backward },
    { "loops", conv2d_forward_loops, conv2d_backward_loops },
    { "im2col", conv2d_forward_im2col, conv2d_backward_im2col },
    { "gemm", conv2d_forward_gemm, conv2d_backward_gemm },
    { "blocked", conv2d_forward_blocked, conv2d_backward_blocked },
    { "direct", conv2d_forward_direct, conv2d_backward_direct },
};
enum { VARIANTS = sizeof fast_variants / sizeof fast_variants[0] };

static int run_variant(void *context)
{
    bench_context *b = context;
    const conv2d_params *p = &b->params;
    if (b->pass == FORWARD)
        return fast_variants[b->variant].forward(p, b->x, b->xs, b->w, b->ws, NULL, 0, b->y,
                                                 NULL) != CONV2D_OK;
    return fast_variants[b->variant].backward(p, b->x, b->xs, b->w, b->ws, b->y, b->ys,
                                              b->pass == BACKWARD_DATA ? b->dx : NULL,
                                              b->pass == BACKWARD_WEIGHTS ? b->dw : NULL,
                                              NULL, NULL) != CONV2D_OK;
}
typedef struct {
    const bench_context *layer;
    float *x, *w, *y;
} blocked_context;

static int run_on_blocked(void *context)
{
    blocked_context *c = context;
    const bench_context *b = c->layer;
    return conv2d_forward_on_blocked(&b->params, c->x, b->xs, c->w, b->ws, NULL, 0, c->y,
                                     NULL) != CONV2D_OK;
}

static float *cache_line_floats(long long count)
{
    size_t bytes = sizeof(float) * (size_t)count;
    return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

static int set_up_blocked(const bench_context *b, blocked_context *c)
{
    c->layer = b;
    c->x = cache_line_floats(conv2d_blocked_count(b->xs));
    c->w = cache_line_floats(conv2d_blocked_weight_count(b->ws));
    c->y = cache_line_floats(conv2d_blocked_count(b->ys));
    if (c->x == NULL || c->w == NULL || c->y == NULL)
        return 1;
    return conv2d_to_blocked(b->x, b->xs, c->x, NULL) != CONV2D_OK
           || conv2d_weights_to_blocked(b->w, b->ws, c->w, NULL) != CONV2D_OK;
}
#ifdef CONV2D_BENCH_OPENBLAS
static void bench_im2col(const bench_context *b, long long n, long long g, float *col,
                         int back)
{
    const bench_layer *l = b->layer;
    long long cg = l->c_in / l->groups, k = l->kernel, o = out_size(l), s = l->size;
    for (long long c = 0; c < cg; c++)
        for (long long u = 0; u < k; u++)
            for (long long v = 0; v < k; v++) {
                float *row = col + ((c * k + u) * k + v) * o * o;
                float *plane = (back ? b->dx : b->x) + ((n * l->c_in + g * cg + c) * s * s);
                for (long long oh = 0; oh < o; oh++)
                    for (long long ow = 0; ow < o; ow++) {
                        long long ih = oh * l->stride + u * l->dilation - l->pad;
                        long long iw = ow * l->stride + v * l->dilation - l->pad;
                        int inside = ih >= 0 && ih < s && iw >= 0 && iw < s;
                        if (!back)
                            row[oh * o + ow] = inside ? plane[ih * s + iw] : 0.0f;
                        else if (inside)
                            plane[ih * s + iw] += row[oh * o + ow];
                    }
            }
}

static float *openblas_col;

static int run_openblas(void *context)
{
    bench_context *b = context;
    const bench_layer *l = b->layer;
    long long m = l->c_out / l->groups, kk = l->c_in / l->groups * l->kernel * l->kernel;
    long long p = out_size(l) * out_size(l), in_plane = l->size * l->size;
    if (b->pass == BACKWARD_DATA)
        memset(b->dx, 0, sizeof(float) * (size_t)(l->n * l->c_in * in_plane));
    for (long long n = 0; n < l->n; n++)
        for (long long g = 0; g < l->groups; g++) {
            const float *w = b->w + g * m * kk;
            const float *dy = b->y + (n * l->c_out + g * m) * p;
            if (b->pass == FORWARD) {
                bench_im2col(b, n, g, openblas_col, 0);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)p,
                            (int)kk, 1.0f, w, (int)kk, openblas_col, (int)p, 0.0f,
                            b->y + (n * l->c_out + g * m) * p, (int)p);
            } else if (b->pass == BACKWARD_DATA) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)kk, (int)p, (int)m,
                            1.0f, w, (int)kk, dy, (int)p, 0.0f, openblas_col, (int)p);
                bench_im2col(b, n, g, openblas_col, 1);
            } else {
                bench_im2col(b, n, g, openblas_col, 0);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)kk, (int)p,
                            1.0f, dy, (int)p, openblas_col, (int)p, n > 0 ? 1.0f : 0.0f,
                            b->dw + g * m * kk, (int)kk);
            }
        }
    return 0;
}
#endif
#ifdef CONV2D_BENCH_DNNL
typedef struct {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t primitive;
    dnnl_memory_t memory[3];
    int args[3];
} dnnl_run;

static int run_dnnl(void *context)
{
    dnnl_run *r = context;
    dnnl_exec_arg_t args[3];
    for (int i = 0; i < 3; i++) {
        args[i].arg = r->args[i];
        args[i].memory = r->memory[i];
    }
    if (dnnl_primitive_execute(r->primitive, r->stream, 3, args) != dnnl_success)
        return -1;
    return dnnl_stream_wait(r->stream) != dnnl_success;
}

static int dnnl_setup(const bench_layer *l, bench_pass pass, int best, dnnl_run *r)
{
    long long o = out_size(l), g = l->groups;
    dnnl_dims_t src = { l->n, l->c_in, l->size, l->size }, dst = { l->n, l->c_out, o, o };
    dnnl_dims_t wei = { g, l->c_out / g, l->c_in / g, l->kernel, l->kernel };
    dnnl_dims_t strides = { l->stride, l->stride }, dil = { l->dilation - 1, l->dilation - 1 };
    dnnl_dims_t pad = { l->pad, l->pad };
    dnnl_memory_desc_t src_md, wei_md, dst_md;
    dnnl_convolution_desc_t fwd, desc;
    dnnl_primitive_desc_t hint = NULL, pd = NULL;
    dnnl_query_t queries[3];
    int failed = dnnl_memory_desc_init_by_tag(&src_md, 4, src, dnnl_f32,
                                              best ? dnnl_format_tag_any : dnnl_nchw)
                 || dnnl_memory_desc_init_by_tag(&wei_md, 5, wei, dnnl_f32,
                                                 best ? dnnl_format_tag_any : dnnl_goihw)
                 || dnnl_memory_desc_init_by_tag(&dst_md, 4, dst, dnnl_f32,
                                                 best ? dnnl_format_tag_any : dnnl_nchw)
                 || dnnl_dilated_convolution_forward_desc_init(
                        &fwd, pass == FORWARD ? dnnl_forward_inference : dnnl_forward_training,
                        dnnl_convolution_direct, &src_md, &wei_md, NULL, &dst_md, strides, dil,
                        pad, pad)
                 || dnnl_primitive_desc_create(&hint, &fwd, NULL, r->engine, NULL);
    if (!failed) {
        if (pass == FORWARD) {
            desc = fwd;
            queries[0] = dnnl_query_src_md; r->args[0] = DNNL_ARG_SRC;
            queries[1] = dnnl_query_weights_md; r->args[1] = DNNL_ARG_WEIGHTS;
            queries[2] = dnnl_query_dst_md; r->args[2] = DNNL_ARG_DST;
        } else if (pass == BACKWARD_DATA) {
            failed = dnnl_dilated_convolution_backward_data_desc_init(&desc, dnnl_convolution_direct,
                                                                      &src_md, &wei_md, &dst_md,
                                                                      strides, dil, pad, pad);
            queries[0] = dnnl_query_diff_src_md; r->args[0] = DNNL_ARG_DIFF_SRC;
            queries[1] = dnnl_query_weights_md; r->args[1] = DNNL_ARG_WEIGHTS;
            queries[2] = dnnl_query_diff_dst_md; r->args[2] = DNNL_ARG_DIFF_DST;
        } else {
            failed = dnnl_dilated_convolution_backward_weights_desc_init(&desc,
                                                                         dnnl_convolution_direct,
                                                                         &src_md, &wei_md, NULL,
                                                                         &dst_md, strides, dil, pad,
                                                                         pad);
            queries[0] = dnnl_query_src_md; r->args[0] = DNNL_ARG_SRC;
            queries[1] = dnnl_query_diff_weights_md; r->args[1] = DNNL_ARG_DIFF_WEIGHTS;
            queries[2] = dnnl_query_diff_dst_md; r->args[2] = DNNL_ARG_DIFF_DST;
        }
    }
    failed = failed || dnnl_primitive_desc_create(&pd, &desc, NULL, r->engine,
                                                  pass == FORWARD ? NULL : hint);
    for (int i = 0; i < 3 && !failed; i++) {
        const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, queries[i], 0);
        void *data;
        failed = dnnl_memory_create(&r->memory[i], md, r->engine, DNNL_MEMORY_ALLOCATE)
                 || dnnl_memory_get_data_handle(r->memory[i], &data);
        if (!failed)
            memset(data, 0, dnnl_memory_desc_get_size(md));
    }
    failed = failed || dnnl_primitive_create(&r->primitive, pd);
    if (pd != NULL)
        dnnl_primitive_desc_destroy(pd);
    if (hint != NULL)
        dnnl_primitive_desc_destroy(hint);
    return failed ? -1 : 0;
}

static void dnnl_release(dnnl_run *r)
{
    dnnl_primitive_destroy(r->primitive);
    for (int i = 0; i < 3; i++)
        dnnl_memory_destroy(r->memory[i]);
}
#endif
static int csv_output;
static double peak_rate[3], bandwidth_rate[3];

static void bench_report(const char *layer, const char *pass, const char *name, int threads,
                   const bench_rate *r)
{
    if (csv_output)
        printf("%s,%s,%s,%d,%.2f,%.2f,%.2f\n", layer, pass, name, threads, r->median,
               r->least, r->most);
    fprintf(csv_output ? stderr : stdout, "%-3s %-17s %-16s %d  %7.2f GFLOP/s  (%6.2f - %6.2f)"
            "  %5.1f%% of peak\n", layer, pass, name, threads, r->median, r->least, r->most,
            100.0 * r->median / peak_rate[threads]);
    fflush(stdout);
}

static void measure_machine(void)
{
    long long iterations = 20000000;
    triad_arrays t = { NULL, NULL, NULL, 16LL << 20 };
    bench_rate r;
    t.a = malloc(sizeof(float) * (size_t)t.n);
    t.b = malloc(sizeof(float) * (size_t)t.n);
    t.c = malloc(sizeof(float) * (size_t)t.n);
    if (t.a == NULL || t.b == NULL || t.c == NULL)
        exit(1);
    for (long long i = 0; i < t.n; i++)
        t.a[i] = t.b[i] = t.c[i] = 1.0f;
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        time_it(fma_chains, &iterations, 2.0 * 16 * BENCH_FLOATS * iterations * threads, &r);
        peak_rate[threads] = r.most;
        time_it(triad, &t, 12.0 * (double)t.n, &r);
        bandwidth_rate[threads] = r.most;
        printf("# peak %d %.2f GFLOP/s\n# bandwidth %d %.2f GB/s\n", threads, peak_rate[threads],
               threads, bandwidth_rate[threads]);
    }
    for (int i = 0; i < LAYERS && csv_output; i++) {
        const bench_layer *l = &bench_layers[i];
        double o = (double)out_size(l), bytes = 4.0 * (l->n * l->c_in * l->size * l->size
                   + l->c_out * l->c_in / l->groups * l->kernel * l->kernel
                   + l->n * l->c_out * o * o);
        printf("# layer %s %.0f flops %.0f bytes\n", l->name, layer_flops(l), bytes);
    }
    free(t.a); free(t.b); free(t.c);
}
static int time_layer(const bench_layer *l)
{
    bench_context b = { 0 };
    blocked_context blocked = { 0 };
    double flops = layer_flops(l);
    long long o = out_size(l);
    int failed = 0;
    {
        b.params = conv2d_default_params();
        b.params.stride_h = b.params.stride_w = l->stride;
        b.params.pad_top = b.params.pad_bottom = b.params.pad_left = b.params.pad_right = l->pad;
        b.params.dilation_h = b.params.dilation_w = l->dilation;
        b.params.groups = l->groups;
        b.layer = l;
        long long shapes[3][4] = { { l->n, l->c_in, l->size, l->size },
                                   { l->c_out, l->c_in / l->groups, l->kernel, l->kernel },
                                   { l->n, l->c_out, o, o } };
        memcpy(b.xs, shapes[0], sizeof b.xs);
        memcpy(b.ws, shapes[1], sizeof b.ws);
        memcpy(b.ys, shapes[2], sizeof b.ys);
        size_t xc = (size_t)(l->n * l->c_in * l->size * l->size);
        size_t wc = (size_t)(l->c_out * l->c_in / l->groups * l->kernel * l->kernel);
        size_t yc = (size_t)(l->n * l->c_out * o * o);
        b.x = malloc(sizeof(float) * xc); b.dx = malloc(sizeof(float) * xc);
        b.w = malloc(sizeof(float) * wc); b.dw = malloc(sizeof(float) * wc);
        b.y = malloc(sizeof(float) * yc);
        if (!b.x || !b.dx || !b.w || !b.dw || !b.y)
            return 1;
        for (size_t i = 0; i < xc; i++) b.x[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
        for (size_t i = 0; i < wc; i++) b.w[i] = (float)((i * 104729) % 1000) * 1e-3f - 0.5f;
        for (size_t i = 0; i < yc; i++) b.y[i] = (float)((i * 15485863) % 1000) * 1e-3f - 0.5f;
    }
    failed = l->groups == 1 && set_up_blocked(&b, &blocked) != 0;
    for (int pass = FORWARD; pass <= BACKWARD_WEIGHTS && !failed; pass++)
        for (int threads = 1; threads <= 2 && !failed; threads++) {
            bench_rate rate, best = { 0, 0, 0 }, best_nchw;
            const char *pass_name = pass_names[pass];
            omp_set_num_threads(threads);
            b.pass = (bench_pass)pass;
            for (int v = threads == 1 ? 0 : 1; v < VARIANTS && !failed; v++) {
                if (pass != FORWARD && fast_variants[v].backward == NULL)
                    continue;
                b.variant = v;
                failed = time_it(run_variant, &b, flops, &rate) != 0;
                if (!failed)
                    bench_report(l->name, pass_name, fast_variants[v].name, threads, &rate);
                if (!failed && rate.median > best.median)
                    best = rate;
            }
            best_nchw = best;
            if (!failed && pass == FORWARD && blocked.x != NULL) {
                failed = time_it(run_on_blocked, &blocked, flops, &rate) != 0;
                if (!failed)
                    bench_report(l->name, pass_name, "blocked-layout", threads, &rate);
                if (!failed && rate.median > best.median)
                    best = rate;
            }
            if (!failed) {
                bench_report(l->name, pass_name, "best", threads, &best);
                bench_report(l->name, pass_name, "best-nchw", threads, &best_nchw);
            }
            #ifdef CONV2D_BENCH_OPENBLAS
            if (!failed) {
                long long col = l->c_in / l->groups * l->kernel * l->kernel * o * o;
                openblas_set_num_threads(threads);
                openblas_col = malloc(sizeof(float) * (size_t)col);
                if (openblas_col != NULL && time_it(run_openblas, &b, flops, &rate) == 0)
                    bench_report(l->name, pass_name, "im2col-openblas", threads, &rate);
                free(openblas_col);
            }
            #endif
            #ifdef CONV2D_BENCH_DNNL
            for (int layout_best = 1; layout_best >= 0 && !failed; layout_best--) {
                dnnl_run r = { 0 };
                if (dnnl_engine_create(&r.engine, dnnl_cpu, 0) == dnnl_success
                    && dnnl_stream_create(&r.stream, r.engine, dnnl_stream_default_flags) == dnnl_success
                    && dnnl_setup(l, (bench_pass)pass, layout_best, &r) == 0
                    && time_it(run_dnnl, &r, flops, &rate) == 0)
                    bench_report(l->name, pass_name, layout_best ? "onednn-best" : "onednn-nchw", threads,
                           &rate);
                else
                    fprintf(stderr, "bench: oneDNN could not run %s %s\n", l->name, pass_name);
                dnnl_release(&r);
                dnnl_stream_destroy(r.stream);
                dnnl_engine_destroy(r.engine);
            }
            #endif
        }
    free(b.x); free(b.w); free(b.y); free(b.dx); free(b.dw);
    free(blocked.x); free(blocked.w); free(blocked.y);
    return failed;
}

static int wanted(const char *name, int argc, char **argv)
{
    int any = 0;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-') {
            any = 1;
            if (strcmp(argv[i], name) == 0)
                return 1;
        }
    return !any;
}

int main(int argc, char **argv)
{
    csv_output = argc > 1 && strcmp(argv[1], "--csv") == 0;
    measure_machine();
    if (csv_output)
        printf("layer,pass,implementation,threads,gflops_median,gflops_min,gflops_max\n");
    for (int i = 0; i < LAYERS; i++)
        if (wanted(bench_layers[i].name, argc, argv) && time_layer(&bench_layers[i]) != 0) {
            fprintf(stderr, "bench: layer %s failed\n", bench_layers[i].name);
            return 1;
        }
    return 0;
}
