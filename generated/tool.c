/* tool.c: the command-line tool conv2d (the appendix "The command-line
   tool").  Tangled from the book; edit the .nw sources. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"
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
typedef struct {
    const char *name;  /* without the leading "--" */
    int required;      /* 1 if the subcommand cannot run without it */
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
        if (args->options[i].required && args->value[i] == NULL)
            return fail(TOOL_USAGE, "missing required option '--%s' for 'conv2d %s'",
                        args->options[i].name, args->command);
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
static int write_array(const tool_args *args, const char *name, const float *data,
                       int ndim, const long long *shape)
{
    conv2d_error err = { CONV2D_OK, "" };
    if (npy_write(option_value(args, name), data, ndim, shape, &err) != CONV2D_OK)
        return fail(TOOL_FAILED, "%s", err.message);
    return TOOL_OK;
}
static const tool_option forward_options[] = {
    { "input", 1 }, { "weight", 1 }, { "bias", 0 }, { "output", 1 },
    TOOL_CONVOLUTION_OPTIONS
};

static const char forward_synopsis[] =
    "conv2d forward --input X.npy --weight W.npy [--bias B.npy] --output Y.npy\n"
    "    [--stride S | --stride SH,SW]\n"
    "    [--padding P | --padding PH,PW | --padding same | --padding valid]\n"
    "    [--dilation D | --dilation DH,DW] [--groups G]\n"
    "    [--padding-mode zeros|reflect|replicate|circular]\n"
    "  X is [N][C_in][H][W], W is [C_out][C_in/G][kH][kW], B is [C_out];\n"
    "  Y is written as float32 [N][C_out][H_out][W_out].\n";
static int read_forward_inputs(const tool_args *args, npy_array *x, npy_array *w,
                               npy_array *b)
{
    int status = read_array(args, "input", 4, "[N][C_in][H][W]", x);
    if (status == TOOL_OK)
        status = read_array(args, "weight", 4, "[C_out][C_in/groups][kH][kW]", w);
    if (status == TOOL_OK && option_value(args, "bias") != NULL)
        status = read_array(args, "bias", 1, "[C_out]", b);
    return status;
}
static int compute_forward(const conv2d_params *params, const npy_array *x,
                           const npy_array *w, const npy_array *b, float **y,
                           long long y_shape[4])
{
    static const float no_values[1];
    const float *bias = b == NULL ? NULL : b->data != NULL ? b->data : no_values;
    conv2d_error err = { CONV2D_OK, "" };
    int status;
    if (conv2d_forward_shape(params, x->shape, w->shape, y_shape, &err) != CONV2D_OK)
        return fail(TOOL_FAILED, "%s", err.message);
    status = allocate_array("output", 4, y_shape, y);
    if (status == TOOL_OK
        && conv2d_forward(params, x->data, x->shape, w->data, w->shape, bias,
                          b == NULL ? 0 : b->count, *y, &err) != CONV2D_OK)
        status = fail(TOOL_FAILED, "%s", err.message);
    return status;
}

static int run_forward(const tool_args *args)
{
    _Static_assert(TOOL_COUNT(forward_options) <= TOOL_MAX_OPTIONS,
                   "forward has more options than tool_args holds");
    conv2d_params params;
    npy_array x = { 0 }, w = { 0 }, b = { 0 };
    long long y_shape[4];
    float *y = NULL;
    int status = parse_convolution(args, &params);
    if (status == TOOL_OK)
        status = read_forward_inputs(args, &x, &w, &b);
    if (status == TOOL_OK)
        status = compute_forward(&params, &x, &w,
                                 option_value(args, "bias") != NULL ? &b : NULL,
                                 &y, y_shape);
    if (status == TOOL_OK)
        status = write_array(args, "output", y, 4, y_shape);
    free(y);
    npy_free(&x);
    npy_free(&w);
    npy_free(&b);
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
};
static const char convolution_help[] =
    "\nConvolution options (the defaults are PyTorch's):\n"
    "  --stride S | SH,SW      step between windows (1)\n"
    "  --padding P | PH,PW     P on every side, or PH rows above and below and\n"
    "                          PW columns left and right (0)\n"
    "  --padding same | valid  pad so that the output is as large as the input\n"
    "                          (stride 1 only), or do not pad\n"
    "  --dilation D | DH,DW    step between the taps of the kernel; 1 is dense (1)\n"
    "  --groups G              split the channels into G groups (1)\n"
    "  --padding-mode MODE     what the padding holds: zeros, reflect, replicate\n"
    "                          or circular (zeros)\n";

static const char general_help[] =
    "\nArrays are .npy files of float32 or float64.  An option's value may also\n"
    "be given as --OPTION=VALUE.  Outputs are written only if everything\n"
    "succeeds; an existing file is then replaced at once, and otherwise left\n"
    "as it was.  Exit status: 0 on success, 1 if the work failed, 2 if the\n"
    "command line could not be understood.\n";
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
