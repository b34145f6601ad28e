/* tool.c: the command-line tool conv2d (the appendix "The command-line
   tool").  Tangled from the book; edit the .nw sources. */
#define _POSIX_C_SOURCE 200809L  /* for stat(), in writing the outputs */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "conv2d.h"
#include "filters.h"
#include "npy.h"

enum {
    TOOL_OK = 0,      /* done */
    TOOL_FAILED = 1,  /* the command line was understood; the work failed */
    TOOL_USAGE = 2,   /* the command line could not be understood */
    TOOL_HELP = -1    /* not an exit status: help was asked for */
};

#if defined(__GNUC__)
#define TOOL_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define TOOL_PRINTF_LIKE(f, a)
#endif

#define TOOL_COUNT(array) (sizeof (array) / sizeof (array)[0])

static int fail(int status, const char *format, ...) TOOL_PRINTF_LIKE(2, 3);

static int fail(int status, const char *format, ...)
{
    char message[8192];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    for (char *c = message; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    fprintf(stderr, "conv2d: %s\n", message);
    if (status == TOOL_USAGE)
        fputs("Try 'conv2d --help'.\n", stderr);
    return status;
}
enum {
    TOOL_REQUIRED = 1,  /* the subcommand cannot run without it */
    TOOL_OUTPUT = 2     /* it names a file that the subcommand writes */
};

typedef struct {
    const char *name;  /* without the leading "--" */
    int flags;         /* TOOL_REQUIRED and TOOL_OUTPUT, or 0 */
} tool_option;

#define TOOL_MAX_OPTIONS 16

typedef struct {
    const char *command;                  /* the subcommand's name */
    const tool_option *options;           /* its table */
    int count;                            /* rows of the table */
    const char *value[TOOL_MAX_OPTIONS];  /* for options[i]; NULL if not given */
} tool_args;

static int find_option(const tool_option *options, int count, const char *name,
                       size_t length)
{
    for (int i = 0; i < count; i++)
        if (strlen(options[i].name) == length
            && strncmp(options[i].name, name, length) == 0)
            return i;
    return -1;
}

static const char *option_value(const tool_args *args, const char *name)
{
    int i = find_option(args->options, args->count, name, strlen(name));
    return i >= 0 ? args->value[i] : NULL;
}
#define TOOL_CONVOLUTION_OPTIONS \
    { "stride", 0 }, { "padding", 0 }, { "dilation", 0 }, { "groups", 0 }, \
    { "padding-mode", 0 }
static int is_help(const char *word)
{
    return strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0;
}

/* Fills args->value from argv[0 .. argc-1].  Returns TOOL_OK, TOOL_HELP,
   or TOOL_USAGE after reporting the problem. */
static int parse_options(int argc, char **argv, tool_args *args)
{
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i], *value;
        int index;
        if (is_help(word))
            return TOOL_HELP;
        if (word[0] != '-' || word[1] == '\0' || strcmp(word, "--") == 0)
            return fail(TOOL_USAGE, "unexpected argument '%s' for 'conv2d %s'",
                        word, args->command);
        index = word[1] == '-' ? find_option(args->options, args->count, word + 2,
                                             strcspn(word + 2, "="))
                               : -1;
        if (index < 0)
            return fail(TOOL_USAGE, "unknown option '%s' for 'conv2d %s'",
                        word, args->command);
        {
            const char *equals = strchr(word, '=');
            if (equals != NULL)
                value = equals + 1;
            else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                value = argv[++i];
            else
                return fail(TOOL_USAGE, "option '--%s' needs a value",
                            args->options[index].name);
            if (*value == '\0')
                return fail(TOOL_USAGE, "option '--%s' has an empty value",
                            args->options[index].name);
        }
        if (args->value[index] != NULL)
            return fail(TOOL_USAGE, "option '--%s' is given twice ('%s' and '%s')",
                        args->options[index].name, args->value[index], value);
        args->value[index] = value;
    }
    for (int i = 0; i < args->count; i++)
        if ((args->options[i].flags & TOOL_REQUIRED) && args->value[i] == NULL)
            return fail(TOOL_USAGE, "missing required option '--%s' for 'conv2d %s'",
                        args->options[i].name, args->command);
    for (int i = 0; i < args->count; i++)
        for (int j = i + 1; j < args->count; j++)
            if ((args->options[i].flags & args->options[j].flags & TOOL_OUTPUT)
                && args->value[i] != NULL && args->value[j] != NULL
                && strcmp(args->value[i], args->value[j]) == 0)
                return fail(TOOL_USAGE, "options '--%s' and '--%s' both name the file '%s'; "
                            "each output needs a file of its own", args->options[i].name,
                            args->options[j].name, args->value[i]);
    return TOOL_OK;
}
typedef enum { NUMBER_OK, NUMBER_MALFORMED, NUMBER_OUT_OF_RANGE } number_status;

/* Reads [+-]digits from the start of text; *end is set just after them. */
static number_status read_number(const char *text, long long *value, const char **end)
{
    const char *digits = text + (*text == '+' || *text == '-');
    char *stop;
    if (*digits < '0' || *digits > '9')
        return NUMBER_MALFORMED;
    errno = 0;
    *value = strtoll(text, &stop, 10);
    *end = stop;
    return errno == ERANGE ? NUMBER_OUT_OF_RANGE : NUMBER_OK;
}
static number_status parse_numbers(const char *text, long long *first, long long *second)
{
    const char *end;
    number_status first_status = read_number(text, first, &end);
    number_status second_status = NUMBER_OK;
    if (first_status == NUMBER_MALFORMED)
        return NUMBER_MALFORMED;
    if (second != NULL && *end == ',') {
        second_status = read_number(end + 1, second, &end);
        if (second_status == NUMBER_MALFORMED)
            return NUMBER_MALFORMED;
    } else if (second != NULL)
        *second = *first;
    if (*end != '\0')
        return NUMBER_MALFORMED;
    return first_status != NUMBER_OK ? first_status : second_status;
}
static int parse_number_option(const tool_args *args, const char *name,
                               const char *forms, long long *first, long long *second)
{
    const char *text = option_value(args, name);
    if (text == NULL)
        return TOOL_OK;
    switch (parse_numbers(text, first, second)) {
    case NUMBER_OK:
        return TOOL_OK;
    case NUMBER_OUT_OF_RANGE:
        return fail(TOOL_USAGE, "invalid --%s '%s': a number is out of range",
                    name, text);
    default:
        return fail(TOOL_USAGE, "invalid --%s '%s': expected %s", name, text, forms);
    }
}
static int parse_padding(const tool_args *args, conv2d_params *p)
{
    const char *text = option_value(args, "padding");
    long long rows, columns;
    int status;
    if (text != NULL && strcmp(text, "same") == 0)
        p->padding_rule = CONV2D_PADDING_SAME;
    else if (text != NULL && strcmp(text, "valid") == 0)
        p->padding_rule = CONV2D_PADDING_VALID;
    else if (text != NULL) {
        status = parse_number_option(args, "padding",
                                     "P, PH,PW (whole numbers), same or valid",
                                     &rows, &columns);
        if (status != TOOL_OK)
            return status;
        p->pad_top = p->pad_bottom = rows;
        p->pad_left = p->pad_right = columns;
    }
    return TOOL_OK;
}
static int parse_padding_mode(const tool_args *args, conv2d_padding_mode *mode)
{
    static const struct { const char *name; conv2d_padding_mode mode; } modes[] = {
        { "zeros", CONV2D_PADDING_ZEROS },
        { "reflect", CONV2D_PADDING_REFLECT },
        { "replicate", CONV2D_PADDING_REPLICATE },
        { "circular", CONV2D_PADDING_CIRCULAR },
    };
    const char *text = option_value(args, "padding-mode");
    if (text == NULL)
        return TOOL_OK;
    for (size_t i = 0; i < TOOL_COUNT(modes); i++)
        if (strcmp(text, modes[i].name) == 0) {
            *mode = modes[i].mode;
            return TOOL_OK;
        }
    return fail(TOOL_USAGE, "invalid --padding-mode '%s': expected zeros, reflect, "
                "replicate or circular", text);
}

static int parse_convolution(const tool_args *args, conv2d_params *params)
{
    conv2d_params p = conv2d_default_params();
    int status = parse_number_option(args, "stride", "S or SH,SW (whole numbers)",
                                     &p.stride_h, &p.stride_w);
    if (status == TOOL_OK)
        status = parse_padding(args, &p);
    if (status == TOOL_OK)
        status = parse_number_option(args, "dilation", "D or DH,DW (whole numbers)",
                                     &p.dilation_h, &p.dilation_w);
    if (status == TOOL_OK)
        status = parse_number_option(args, "groups", "a whole number G",
                                     &p.groups, NULL);
    if (status == TOOL_OK)
        status = parse_padding_mode(args, &p.padding_mode);
    if (status == TOOL_OK)
        *params = p;
    return status;
}
/* Writes a shape as "[1, 3, 3]", cut short if text is too small. */
static void shape_text(char *text, size_t size, int ndim, const long long *shape)
{
    size_t used = 0;
    used += (size_t)snprintf(text, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(text + used, size - used, "%s%lld",
                                 i > 0 ? ", " : "", shape[i]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

/* Reads the file given to option NAME, which must have NDIM dimensions,
   named by LAYOUT in the message if it has not. */
static int read_array(const tool_args *args, const char *name, int ndim,
                      const char *layout, npy_array *array)
{
    const char *path = option_value(args, name);
    char shape[512];
    conv2d_error err = { CONV2D_OK, "" };
    if (npy_read(path, array, &err) != CONV2D_OK)
        return fail(TOOL_FAILED, "%s", err.message);
    if (array->ndim == ndim)
        return TOOL_OK;
    shape_text(shape, sizeof shape, array->ndim, array->shape);
    return fail(TOOL_FAILED, "--%s %s: expected %d dimension%s %s, got shape %s",
                name, path, ndim, ndim == 1 ? "" : "s", layout, shape);
}
static int allocate_array(const char *what, int ndim, const long long *shape,
                          float **data)
{
    char text[512];
    long long count = 1;
    for (int i = 0; i < ndim; i++)
        count = shape[i] == 0 || count <= LLONG_MAX / shape[i] ? count * shape[i]
                                                                : LLONG_MAX;
    shape_text(text, sizeof text, ndim, shape);
    if ((unsigned long long)count >= SIZE_MAX / sizeof(float))
        return fail(TOOL_FAILED, "the %s %s is too large to hold in memory", what, text);
    *data = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1));
    if (*data == NULL)
        return fail(TOOL_FAILED, "out of memory for the %s %s", what, text);
    return TOOL_OK;
}
typedef struct {
    const char *option;      /* the option that names its file */
    const float *data;       /* [shape[0]]...[shape[ndim-1]], in C order */
    int ndim;
    const long long *shape;
} tool_output;

#define TOOL_MAX_OUTPUTS 3

static const char *split_path(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t length = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
    if (length + 2 > size)
        return NULL;
    if (slash == NULL)
        strcpy(dir, ".");
    else {
        memcpy(dir, path, length);
        dir[length] = '\0';
    }
    return slash == NULL ? path : slash + 1;
}
static int same_entry(const char *a, const char *b)
{
    char dir_a[4096], dir_b[4096];
    const char *name_a = split_path(a, dir_a, sizeof dir_a);
    const char *name_b = split_path(b, dir_b, sizeof dir_b);
    struct stat info_a, info_b;
    return name_a != NULL && name_b != NULL && strcmp(name_a, name_b) == 0
           && stat(dir_a, &info_a) == 0 && stat(dir_b, &info_b) == 0
           && info_a.st_dev == info_b.st_dev && info_a.st_ino == info_b.st_ino;
}

static int check_outputs(const tool_args *args, const tool_output *outputs, int count)
{
    if (count > TOOL_MAX_OUTPUTS)
        return fail(TOOL_FAILED, "%d outputs, but the tool writes at most %d", count,
                    TOOL_MAX_OUTPUTS);
    for (int i = 0; i < count; i++) {
        const char *path = option_value(args, outputs[i].option);
        struct stat info;
        if (stat(path, &info) == 0 && S_ISDIR(info.st_mode))
            return fail(TOOL_FAILED, "--%s %s: is a directory; an output must be a file",
                        outputs[i].option, path);
        for (int j = 0; j < i; j++)
            if (same_entry(path, option_value(args, outputs[j].option)))
                return fail(TOOL_FAILED, "--%s %s and --%s %s are the same file; each "
                            "output needs a file of its own", outputs[j].option,
                            option_value(args, outputs[j].option), outputs[i].option, path);
    }
    return TOOL_OK;
}
static int commit_outputs(const tool_args *args, const tool_output *outputs,
                          npy_staged *staged, int count)
{
    char replaced[1024] = "";
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        conv2d_error err = { CONV2D_OK, "" };
        if (npy_commit(&staged[i], &err) != CONV2D_OK)
            return fail(TOOL_FAILED, "%s%s%s", err.message,
                        used > 0 ? "; already replaced: " : "", replaced);
        if (used < sizeof replaced)
            used += (size_t)snprintf(replaced + used, sizeof replaced - used, "%s%s",
                                     used > 0 ? ", " : "",
                                     option_value(args, outputs[i].option));
    }
    return TOOL_OK;
}

static int write_outputs(const tool_args *args, const tool_output *outputs, int count)
{
    npy_staged staged[TOOL_MAX_OUTPUTS];
    int status = check_outputs(args, outputs, count);
    if (status != TOOL_OK)
        return status;
    for (int i = 0; i < count; i++)
        staged[i].staged = 0;
    for (int i = 0; i < count && status == TOOL_OK; i++)
        {
            conv2d_error err = { CONV2D_OK, "" };
            if (npy_stage(&staged[i], option_value(args, outputs[i].option), outputs[i].data,
                          outputs[i].ndim, outputs[i].shape, &err) != CONV2D_OK)
                status = fail(TOOL_FAILED, "%s", err.message);
        }
    if (status == TOOL_OK)
        status = commit_outputs(args, outputs, staged, count);
    for (int i = 0; i < count; i++)
        npy_discard(&staged[i]);
    return status;
}
static const tool_option forward_options[] = {
    { "input", TOOL_REQUIRED }, { "weight", TOOL_REQUIRED }, { "bias", 0 },
    { "output", TOOL_REQUIRED | TOOL_OUTPUT }, TOOL_CONVOLUTION_OPTIONS
};

static const char forward_synopsis[] =
    "conv2d forward --input X.npy --weight W.npy [--bias B.npy] --output Y.npy\n"
    "    [--stride S | --stride SH,SW]\n"
    "    [--padding P | --padding PH,PW | --padding same | --padding valid]\n"
    "    [--dilation D | --dilation DH,DW] [--groups G]\n"
    "    [--padding-mode zeros|reflect|replicate|circular]\n"
    "  X is [N][C_in][H][W], W is [C_out][C_in/G][kH][kW], B is [C_out];\n"
    "  Y is written as float32 [N][C_out][H_out][W_out].\n";
typedef struct {
    const char *weight_layout;  /* e.g. "[C_out][C_in/groups][kH][kW]" */
    conv2d_status (*shape)(const conv2d_params *params,
                           const long long input_shape[4],
                           const long long weight_shape[4],
                           long long output_shape[4], conv2d_error *err);
    conv2d_status (*compute)(const conv2d_params *params,
                             const float *x, const long long input_shape[4],
                             const float *w, const long long weight_shape[4],
                             const float *b, long long bias_length,
                             float *y, conv2d_error *err);
} layer_pass;
static int read_layer_inputs(const tool_args *args, const char *weight_layout,
                             npy_array *x, npy_array *w, npy_array *b)
{
    int status = read_array(args, "input", 4, "[N][C_in][H][W]", x);
    if (status == TOOL_OK)
        status = read_array(args, "weight", 4, weight_layout, w);
    if (status == TOOL_OK && option_value(args, "bias") != NULL)
        status = read_array(args, "bias", 1, "[C_out]", b);
    return status;
}
static const float *bias_values(const npy_array *b)  /* NULL: no bias */
{
    static const float no_values[1];
    return b == NULL ? NULL : b->data != NULL ? b->data : no_values;
}
static int compute_layer(const layer_pass *pass, const conv2d_params *params,
                         const npy_array *x, const npy_array *w,
                         const npy_array *b, float **y, long long y_shape[4])
{
    conv2d_error err = { CONV2D_OK, "" };
    int status;
    if (pass->shape(params, x->shape, w->shape, y_shape, &err) != CONV2D_OK)
        return fail(TOOL_FAILED, "%s", err.message);
    status = allocate_array("output", 4, y_shape, y);
    if (status == TOOL_OK
        && pass->compute(params, x->data, x->shape, w->data, w->shape, bias_values(b),
                         b == NULL ? 0 : b->count, *y, &err) != CONV2D_OK)
        status = fail(TOOL_FAILED, "%s", err.message);
    return status;
}
static int run_layer(const tool_args *args, const conv2d_params *params,
                     const layer_pass *pass)
{
    npy_array x = { 0 }, w = { 0 }, b = { 0 };
    long long y_shape[4];
    float *y = NULL;
    int status = read_layer_inputs(args, pass->weight_layout, &x, &w, &b);
    if (status == TOOL_OK)
        status = compute_layer(pass, params, &x, &w,
                               option_value(args, "bias") != NULL ? &b : NULL,
                               &y, y_shape);
    if (status == TOOL_OK) {
        tool_output output = { "output", y, 4, y_shape };
        status = write_outputs(args, &output, 1);
    }
    free(y);
    npy_free(&x);
    npy_free(&w);
    npy_free(&b);
    return status;
}

static int run_forward(const tool_args *args)
{
    static const layer_pass forward = { "[C_out][C_in/groups][kH][kW]",
                                        conv2d_forward_shape, conv2d_forward };
    _Static_assert(TOOL_COUNT(forward_options) <= TOOL_MAX_OPTIONS,
                   "forward has more options than tool_args holds");
    conv2d_params params;
    int status = parse_convolution(args, &params);
    return status == TOOL_OK ? run_layer(args, &params, &forward) : status;
}
static const tool_option backward_options[] = {
    { "input", TOOL_REQUIRED }, { "weight", TOOL_REQUIRED },
    { "grad-output", TOOL_REQUIRED }, { "grad-input", TOOL_REQUIRED | TOOL_OUTPUT },
    { "grad-weight", TOOL_REQUIRED | TOOL_OUTPUT }, { "grad-bias", TOOL_OUTPUT },
    TOOL_CONVOLUTION_OPTIONS
};

static const char backward_synopsis[] =
    "conv2d backward --input X.npy --weight W.npy --grad-output DY.npy\n"
    "    --grad-input DX.npy --grad-weight DW.npy [--grad-bias DB.npy]\n"
    "    [--stride ...] [--padding ...] [--dilation ...] [--groups G]\n"
    "    [--padding-mode MODE], as for forward\n"
    "  X and W are as for forward; DY = dL/dY has the shape of its output Y.\n"
    "  DX = dL/dX, DW = dL/dW and DB = dL/dB (with or without a bias in the\n"
    "  forward pass) are written as float32 in the shapes of X, W and [C_out].\n";
static int read_backward_inputs(const tool_args *args, npy_array *x, npy_array *w,
                                npy_array *dy)
{
    int status = read_array(args, "input", 4, "[N][C_in][H][W]", x);
    if (status == TOOL_OK)
        status = read_array(args, "weight", 4, "[C_out][C_in/groups][kH][kW]", w);
    if (status == TOOL_OK)
        status = read_array(args, "grad-output", 4, "[N][C_out][H_out][W_out]", dy);
    return status;
}
static int compute_backward(const conv2d_params *params, const npy_array *x,
                            const npy_array *w, const npy_array *dy,
                            float **dx, float **dw, float **db)  /* db may be NULL */
{
    conv2d_error err = { CONV2D_OK, "" };
    int status = allocate_array("input gradient", 4, x->shape, dx);
    if (status == TOOL_OK)
        status = allocate_array("weight gradient", 4, w->shape, dw);
    if (status == TOOL_OK && db != NULL)
        status = allocate_array("bias gradient", 1, w->shape, db);
    if (status == TOOL_OK
        && conv2d_backward(params, x->data, x->shape, w->data, w->shape, dy->data,
                           dy->shape, *dx, *dw, db != NULL ? *db : NULL,
                           &err) != CONV2D_OK)
        status = fail(TOOL_FAILED, "%s", err.message);
    return status;
}

static int run_backward(const tool_args *args)
{
    _Static_assert(TOOL_COUNT(backward_options) <= TOOL_MAX_OPTIONS,
                   "backward has more options than tool_args holds");
    conv2d_params params;
    npy_array x = { 0 }, w = { 0 }, dy = { 0 };
    float *dx = NULL, *dw = NULL, *db = NULL;
    int want_db = option_value(args, "grad-bias") != NULL;
    int status = parse_convolution(args, &params);
    if (status == TOOL_OK)
        status = read_backward_inputs(args, &x, &w, &dy);
    if (status == TOOL_OK)
        status = compute_backward(&params, &x, &w, &dy, &dx, &dw, want_db ? &db : NULL);
    if (status == TOOL_OK) {
        tool_output outputs[3] = { { "grad-input", dx, 4, x.shape },
                                   { "grad-weight", dw, 4, w.shape },
                                   { "grad-bias", db, 1, w.shape } };
        status = write_outputs(args, outputs, want_db ? 3 : 2);
    }
    free(dx);
    free(dw);
    free(db);
    npy_free(&x);
    npy_free(&w);
    npy_free(&dy);
    return status;
}
static const tool_option transpose_options[] = {
    { "input", TOOL_REQUIRED }, { "weight", TOOL_REQUIRED }, { "bias", 0 },
    { "output", TOOL_REQUIRED | TOOL_OUTPUT }, TOOL_CONVOLUTION_OPTIONS,
    { "output-padding", 0 }
};

static const char transpose_synopsis[] =
    "conv2d transpose --input X.npy --weight W.npy [--bias B.npy] --output Y.npy\n"
    "    [--stride S | --stride SH,SW] [--padding P | --padding PH,PW]\n"
    "    [--output-padding O | --output-padding OH,OW]\n"
    "    [--dilation D | --dilation DH,DW] [--groups G]\n"
    "  X is [N][C_in][H][W], W is [C_in][C_out/G][kH][kW], B is [C_out];\n"
    "  Y is written as float32 [N][C_out][H_out][W_out], with\n"
    "  H_out = (H - 1) * SH - 2 * PH + DH * (kH - 1) + OH + 1, W_out likewise.\n";
static int parse_transpose(const tool_args *args, conv2d_params *params)
{
    int status = parse_convolution(args, params);
    if (status == TOOL_OK)
        status = parse_number_option(args, "output-padding", "O or OH,OW (whole numbers)",
                                     &params->output_padding_h, &params->output_padding_w);
    return status;
}

static int run_transpose(const tool_args *args)
{
    static const layer_pass transpose = { "[C_in][C_out/groups][kH][kW]",
                                          conv2d_transpose_shape, conv2d_transpose };
    _Static_assert(TOOL_COUNT(transpose_options) <= TOOL_MAX_OPTIONS,
                   "transpose has more options than tool_args holds");
    conv2d_params params;
    int status = parse_transpose(args, &params);
    return status == TOOL_OK ? run_layer(args, &params, &transpose) : status;
}
static const tool_option filter_options[] = {
    { "kernel", TOOL_REQUIRED }, { "input", TOOL_REQUIRED },
    { "output", TOOL_REQUIRED | TOOL_OUTPUT }, { "padding-mode", 0 }
};

static const char filter_synopsis[] =
    "conv2d filter --kernel NAME --input IMAGE --output OUT.ppm|OUT.pgm\n"
    "    [--padding-mode zeros|reflect|replicate|circular]\n"
    "  NAME is identity, box, gaussian, sharpen, sobel-x, sobel-y, sobel,\n"
    "  laplacian or emboss; IMAGE is a binary PPM (P6) or PGM (P5) file.\n"
    "  OUT.ppm is written in colour, OUT.pgm in grey (a colour image is made\n"
    "  grey first: 0.299 R + 0.587 G + 0.114 B).  The padding is 'same', and\n"
    "  repeats the border (replicate) unless --padding-mode says otherwise.\n"
    "  Values are clamped to [0, 1]; sobel-x, sobel-y and laplacian, whose\n"
    "  weights add up to 0, are written as 0.5 + v/2, so that 0 is mid-grey.\n";
static int is_filter_name(const char *name)
{
    for (const char *const *known = conv2d_filter_names(); *known != NULL; known++)
        if (strcmp(name, *known) == 0)
            return 1;
    return 0;
}

static const char *filter_name_list(void)  /* "identity, box, ... or emboss" */
{
    static char list[256];
    const char *const *names = conv2d_filter_names();
    size_t used = 0;
    for (int i = 0; names[i] != NULL && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i == 0 ? "" : names[i + 1] == NULL ? " or " : ", ",
                                 names[i]);
    return list;
}
static int has_ending(const char *name, const char *ending)
{
    size_t length = strlen(name), tail = strlen(ending);
    if (length < tail)
        return 0;
    for (size_t i = 0; i < tail; i++)
        if (tolower((unsigned char)name[length - tail + i]) != ending[i])
            return 0;
    return 1;
}

static int parse_filter(const tool_args *args, conv2d_padding_mode *mode, int *channels)
{
    const char *kernel = option_value(args, "kernel");
    const char *output = option_value(args, "output");
    if (!is_filter_name(kernel))
        return fail(TOOL_USAGE, "invalid --kernel '%s': expected %s", kernel,
                    filter_name_list());
    if (has_ending(output, ".ppm"))
        *channels = 3;
    else if (has_ending(output, ".pgm"))
        *channels = 1;
    else
        return fail(TOOL_USAGE, "invalid --output '%s': the name must end in .ppm "
                    "(colour) or .pgm (grey)", output);
    return parse_padding_mode(args, mode);
}
static int read_picture(const tool_args *args, int channels, image *picture)
{
    image read = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    conv2d_status converted;
    if (image_read(option_value(args, "input"), &read, &err) != CONV2D_OK)
        return fail(TOOL_FAILED, "%s", err.message);
    if (channels == 3 || read.channels == 1) {
        *picture = read;
        return TOOL_OK;
    }
    converted = image_to_grey(&read, picture, &err);
    image_free(&read);
    return converted == CONV2D_OK ? TOOL_OK : fail(TOOL_FAILED, "%s", err.message);
}
static int is_signed_map(const char *name)
{
    float kernel[25];
    long long size;
    double sum = 0, magnitude = 0;
    if (conv2d_named_kernel(name, kernel, &size, NULL) != CONV2D_OK)
        return 0;  /* sobel: a magnitude, never negative */
    for (long long t = 0; t < size * size; t++) {
        sum += kernel[t];
        magnitude += fabs(kernel[t]);
    }
    return fabs(sum) <= 0x1p-20 * magnitude;
}
static int filter_picture(const tool_args *args, conv2d_padding_mode mode,
                          const image *picture, image *filtered)
{
    const char *name = option_value(args, "kernel");
    conv2d_error err = { CONV2D_OK, "" };
    if (conv2d_filter_image(name, mode, picture, filtered, &err) != CONV2D_OK)
        return fail(TOOL_FAILED, "%s", err.message);
    if (is_signed_map(name)) {
        long long samples = filtered->channels * filtered->height * filtered->width;
        for (long long i = 0; i < samples; i++)
            filtered->data[i] = 0.5f + filtered->data[i] / 2;
    }
    return TOOL_OK;
}
static int grey_to_colour(const image *grey, image *colour)
{
    long long plane = grey->height * grey->width;
    long long shape[3] = { 3, grey->height, grey->width };
    int status = allocate_array("colour image", 3, shape, &colour->data);
    if (status != TOOL_OK)
        return status;
    for (int c = 0; c < 3; c++)
        memcpy(colour->data + c * plane, grey->data, sizeof(float) * (size_t)plane);
    colour->channels = 3;
    return TOOL_OK;
}
static int write_picture(const tool_args *args, int channels, const image *filtered)
{
    tool_output output = { "output", NULL, 0, NULL };  /* for check_outputs */
    image written = *filtered;
    conv2d_error err = { CONV2D_OK, "" };
    int status = check_outputs(args, &output, 1);
    if (status == TOOL_OK && channels == 3 && filtered->channels == 1)
        status = grey_to_colour(filtered, &written);
    if (status == TOOL_OK
        && image_write(option_value(args, "output"), &written, &err) != CONV2D_OK)
        status = fail(TOOL_FAILED, "%s", err.message);
    if (written.data != filtered->data)
        free(written.data);
    return status;
}

static int run_filter(const tool_args *args)
{
    _Static_assert(TOOL_COUNT(filter_options) <= TOOL_MAX_OPTIONS,
                   "filter has more options than tool_args holds");
    conv2d_padding_mode mode = CONV2D_PADDING_REPLICATE;
    int channels = 0;  /* of the output file: 3 for .ppm, 1 for .pgm */
    image picture = { 0 }, filtered = { 0 };
    int status = parse_filter(args, &mode, &channels);
    if (status == TOOL_OK)
        status = read_picture(args, channels, &picture);
    if (status == TOOL_OK)
        status = filter_picture(args, mode, &picture, &filtered);
    if (status == TOOL_OK)
        status = write_picture(args, channels, &filtered);
    image_free(&picture);
    image_free(&filtered);
    return status;
}
typedef struct {
    const char *name;            /* the word after conv2d */
    const char *summary;         /* one line for the list of commands */
    const char *synopsis;        /* its command line, for the help */
    const tool_option *options;  /* the options it accepts */
    int option_count;
    int (*run)(const tool_args *args);  /* returns an exit status */
} tool_command;

static const tool_command commands[] = {
    { "forward", "the output of a convolution layer, Y = conv2d(X, W) + B",
      forward_synopsis, forward_options, TOOL_COUNT(forward_options), run_forward },
    { "backward", "the layer's gradients dL/dX, dL/dW, dL/dB, given dL/dY",
      backward_synopsis, backward_options, TOOL_COUNT(backward_options), run_backward },
    { "transpose", "the transposed convolution, Y = conv_transpose2d(X, W) + B",
      transpose_synopsis, transpose_options, TOOL_COUNT(transpose_options),
      run_transpose },
    { "filter", "a PPM or PGM image filtered with a named kernel (chapter 4)",
      filter_synopsis, filter_options, TOOL_COUNT(filter_options), run_filter },
};
static const char convolution_help[] =
    "\nConvolution options (the defaults are PyTorch's):\n"
    "  --stride S | SH,SW      step between windows (1)\n"
    "  --padding P | PH,PW     P on every side, or PH rows above and below and\n"
    "                          PW columns left and right (0); transpose removes\n"
    "                          them from its output\n"
    "  --padding same | valid  pad so that the output is as large as the input\n"
    "                          (stride 1 only), or do not pad; not for transpose\n"
    "  --dilation D | DH,DW    step between the taps of the kernel; 1 is dense (1)\n"
    "  --groups G              split the channels into G groups (1)\n"
    "  --padding-mode MODE     what the padding holds: zeros, reflect, replicate\n"
    "                          or circular (zeros; filter: replicate);\n"
    "                          transpose takes only zeros\n"
    "  --output-padding O | OH,OW\n"
    "                          transpose only: rows (columns) added at the\n"
    "                          bottom (right), fewer than the stride or the\n"
    "                          dilation (0)\n";

static const char general_help[] =
    "\nArrays are .npy files of float32 or float64; images are binary PPM (P6)\n"
    "or PGM (P5) files.  An option's value may also be given as --OPTION=VALUE.\n"
    "Outputs are written only if everything succeeds, all of them or none; an\n"
    "existing file is then replaced at once, and otherwise left as it was.  Two\n"
    "outputs cannot share a file.\n"
    "Exit status: 0 on success, 1 if the work failed, 2 if the command line\n"
    "could not be understood.\n";
static int print_usage(const tool_command *only)
{
    int convolution = 0;
    if (only == NULL) {
        fputs("Usage: conv2d COMMAND [OPTION...]\n"
              "       conv2d [COMMAND] --help\n\nCommands:\n", stdout);
        for (size_t i = 0; i < TOOL_COUNT(commands); i++)
            printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    } else
        fputs("Usage: ", stdout);
    for (size_t i = 0; i < TOOL_COUNT(commands); i++)
        if (only == NULL || only == &commands[i]) {
            printf("%s%s", only == NULL ? "\n" : "", commands[i].synopsis);
            if (find_option(commands[i].options, commands[i].option_count,
                            "stride", strlen("stride")) >= 0)
                convolution = 1;
        }
    if (convolution)
        fputs(convolution_help, stdout);
    fputs(general_help, stdout);
    if (fflush(stdout) != 0 || ferror(stdout))
        return fail(TOOL_FAILED, "cannot write the help to the standard output");
    return TOOL_OK;
}
static const tool_command *find_command(const char *name)
{
    for (size_t i = 0; i < TOOL_COUNT(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static const char *command_names(void)
{
    static char names[256];
    size_t used = 0;
    for (size_t i = 0; i < TOOL_COUNT(commands) && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                 i > 0 ? ", " : "", commands[i].name);
    return names;
}

int main(int argc, char **argv)
{
    const tool_command *command;
    tool_args args;
    int status;
    if (argc < 2)
        return fail(TOOL_USAGE, "no command given; the commands are: %s",
                    command_names());
    if (is_help(argv[1]))
        return print_usage(NULL);
    command = find_command(argv[1]);
    if (command == NULL)
        return fail(TOOL_USAGE, "unknown command '%s'; the commands are: %s",
                    argv[1], command_names());
    args = (tool_args){ .command = command->name, .options = command->options,
                        .count = command->option_count };
    status = parse_options(argc - 2, argv + 2, &args);
    if (status == TOOL_HELP)
        return print_usage(command);
    if (status != TOOL_OK)
        return status;
    return command->run(&args);
}
