/* tests/tool.c: the tests of the command-line tool.  Tangled from the book. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "conv2d.h"
#include "conv2d-internal.h"
#include "npy.h"
#include "fixtures.h"

static char workdir[512];

static const char *in_workdir(const char *name)  /* the path of a file in it */
{
    static char paths[8][1024];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", workdir, name);
    return path;
}

static void write_floats(const char *name, const float *data, int ndim,
                         const long long *shape)
{
    conv2d_error err = { CONV2D_OK, "" };
    cr_assert(eq(int, npy_write(in_workdir(name), data, ndim, shape, &err), CONV2D_OK),
              "%s: %s", name, err.message);
}

static void make_workdir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(workdir, sizeof workdir, "%s/conv2d-tool-XXXXXX",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    cr_assert(mkdtemp(workdir) != NULL, "cannot make a directory %s", workdir);
    {
        static const float nine[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        static const float kernel[4] = { 1, 2, 3, 4 }, ones[4] = { 1, 1, 1, 1 };
        static const float old[1] = { 42 };
        write_floats("x.npy", nine, 4, (long long[]){ 1, 1, 3, 3 });
        write_floats("w.npy", kernel, 4, (long long[]){ 1, 1, 2, 2 });
        write_floats("ones.npy", ones, 4, (long long[]){ 1, 1, 2, 2 });
        write_floats("y.npy", old, 1, (long long[]){ 1 });
    }
}
static void remove_workdir(void)
{
    DIR *dir = opendir(workdir);
    struct dirent *entry;
    if (dir == NULL)
        return;
    while ((entry = readdir(dir)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            remove(in_workdir(entry->d_name));
    closedir(dir);
    rmdir(workdir);
}

TestSuite(tool, .init = make_workdir, .fini = remove_workdir);
typedef struct {
    int status;       /* the exit status */
    char out[16384];  /* what it printed on the standard output */
    char err[16384];  /* and on the standard error */
} tool_run;
static long read_small_file(const char *path, char *text, size_t size, int then_remove)
{
    FILE *file = fopen(path, "rb");
    size_t length;
    cr_assert(file != NULL, "cannot open %s", path);
    length = fread(text, 1, size - 1, file);
    cr_assert(feof(file), "%s is larger than %zu bytes", path, size - 1);
    fclose(file);
    text[length] = '\0';
    if (then_remove)
        remove(path);
    return (long)length;
}
static void run_in_child(const char *program, char **argv)
{
    int out = open(in_workdir(".stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(in_workdir(".stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0
        || chdir(workdir) != 0)
        _exit(126);
    execv(program, argv);
    _exit(127);
}

static void run_tool(const char *const words[], tool_run *run)
{
    char program[2048], *argv[64];
    int wait_status, exited;
    pid_t pid;
    {
        const char *tool = getenv("CONV2D_TOOL");
        char cwd[1024];
        int count;
        cr_assert(tool != NULL && *tool != '\0', "CONV2D_TOOL is not set: it names "
                  "the tool to test ('make test' sets it)");
        cr_assert(tool[0] == '/' || getcwd(cwd, sizeof cwd) != NULL);
        snprintf(program, sizeof program, "%s%s%s", tool[0] == '/' ? "" : cwd,
                 tool[0] == '/' ? "" : "/", tool);
        argv[0] = program;
        for (count = 0; words[count] != NULL; count++) {
            cr_assert(lt(int, count + 2, 64), "too many words");
            argv[count + 1] = (char *)words[count];
        }
        argv[count + 1] = NULL;
    }
    fflush(NULL);
    pid = fork();
    cr_assert(ge(int, pid, 0), "fork failed");
    if (pid == 0)
        run_in_child(program, argv);
    cr_assert(eq(int, waitpid(pid, &wait_status, 0), pid));
    exited = WIFEXITED(wait_status);
    cr_assert(exited, "the tool was killed by signal %d", WTERMSIG(wait_status));
    run->status = WEXITSTATUS(wait_status);
    read_small_file(in_workdir(".stdout"), run->out, sizeof run->out, 1);
    read_small_file(in_workdir(".stderr"), run->err, sizeof run->err, 1);
    cr_assert(run->status != 126 && run->status != 127, "cannot run %s", program);
}
static int count_workdir_files(void)
{
    DIR *dir = opendir(workdir);
    int count = 0;
    cr_assert(dir != NULL);
    while (readdir(dir) != NULL)
        count++;
    closedir(dir);
    return count;
}
static void expect_message(const tool_run *run, int status, const char *expected)
{
    const char *newline = strchr(run->err, '\n');
    const char *rest = status == 2 ? "Try 'conv2d --help'.\n" : "";
    char first[sizeof run->err];
    cr_expect(run->out[0] == '\0', "[%s]: printed on stdout: %s", expected, run->out);
    cr_assert(newline != NULL, "[%s]: no line on stderr: '%s'", expected, run->err);
    cr_expect(strncmp(run->err, "conv2d: ", 8) == 0,
              "[%s]: the message does not start with 'conv2d: ': %s", expected, run->err);
    memcpy(first, run->err, (size_t)(newline - run->err));
    first[newline - run->err] = '\0';
    cr_expect(strstr(first, expected) != NULL, "the message '%s' should contain '%s'",
              first, expected);
    cr_expect(strcmp(newline + 1, rest) == 0, "[%s]: after the first line, "
              "stderr should hold '%s', but holds '%s'", expected, rest, newline + 1);
}

static void expect_failure(const char *const words[], int status, const char *expected)
{
    static char before[4096], after[4096];
    long before_size = read_small_file(in_workdir("y.npy"), before, sizeof before, 0);
    int files = count_workdir_files();
    tool_run run;
    run_tool(words, &run);
    cr_expect(eq(int, run.status, status), "[%s]: exit status", expected);
    expect_message(&run, status, expected);
    cr_expect(before_size == read_small_file(in_workdir("y.npy"), after, sizeof after, 0)
              && memcmp(before, after, (size_t)before_size) == 0,
              "[%s]: y.npy was changed", expected);
    cr_expect(eq(int, count_workdir_files(), files), "[%s]: a file was left behind",
              expected);
}
static void write_npy_text(const char *name, const char *dictionary,
                           const void *data, size_t size)
{
    char header[512];
    size_t length = (size_t)snprintf(header, sizeof header - 64, "%s", dictionary);
    FILE *file = fopen(in_workdir(name), "wb");
    cr_assert(file != NULL, "cannot write %s", name);
    while ((10 + length + 1) % 64 != 0)
        header[length++] = ' ';
    header[length++] = '\n';
    fwrite("\x93NUMPY\x01\x00", 1, 8, file);
    fputc((int)(length % 256), file);
    fputc((int)(length / 256), file);
    fwrite(header, 1, length, file);
    if (size > 0)
        fwrite(data, 1, size, file);
    cr_assert(eq(int, fclose(file), 0));
}
static void write_raw(const char *name, const char *descr, const char *shape,
                      const void *data, size_t size)
{
    char dictionary[256];
    snprintf(dictionary, sizeof dictionary,
             "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    write_npy_text(name, dictionary, data, size);
}
static void expect_output(const long long shape[4], const float *values,
                          const char *what)
{
    npy_array y = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    long long count = shape[0] * shape[1] * shape[2] * shape[3];
    cr_assert(eq(int, npy_read(in_workdir("y.npy"), &y, &err), CONV2D_OK),
              "%s: %s", what, err.message);
    cr_assert(eq(int, y.ndim, 4), "%s", what);
    for (int i = 0; i < 4; i++)
        cr_assert(eq(llong, y.shape[i], shape[i]), "%s: dimension %d", what, i);
    for (long long i = 0; i < count; i++)
        cr_expect(eq(flt, y.data[i], values[i]), "%s: element %lld", what, i);
    npy_free(&y);
}
static void expect_success(const char *const words[], const long long shape[4],
                           const float *values, const char *what)
{
    tool_run run;
    int files = count_workdir_files();
    run_tool(words, &run);
    cr_assert(eq(int, run.status, 0), "%s: %s", what, run.err);
    cr_expect(run.out[0] == '\0' && run.err[0] == '\0', "%s: printed '%s%s'", what,
              run.out, run.err);
    cr_expect(eq(int, count_workdir_files(), files), "%s: a file was left behind",
              what);
    expect_output(shape, values, what);
}
#define FORWARD \
    "forward", "--input", "x.npy", "--weight", "w.npy", "--output", "y.npy"
#define FORWARD_ONES \
    "forward", "--input", "x.npy", "--weight", "ones.npy", "--output", "y.npy"

Test(tool, sliding_dot_product)
{
    static const float y[4] = { 37, 47, 67, 77 };
    const long long shape[4] = { 1, 1, 2, 2 };
    expect_success((const char *[]){ FORWARD, NULL }, shape, y, "plain");
    expect_success((const char *[]){ "forward", "--output=y.npy", "--weight=w.npy",
                                     "--input=x.npy", NULL }, shape, y, "with =");
    expect_success((const char *[]){ FORWARD, "--stride", "1", "--padding", "0",
                                     "--dilation", "1,1", "--groups=1",
                                     "--padding-mode", "zeros", NULL },
                   shape, y, "the defaults");
}
Test(tool, stride_padding_and_bias)
{
    static const float strided[4] = { 1, 5, 11, 28 };
    static const float rows[8] = { 3, 5, 12, 16, 24, 28, 15, 17 };
    static const float bias[1] = { 0.5f };
    static const float biased[4] = { 37.5f, 47.5f, 67.5f, 77.5f };
    expect_success((const char *[]){ FORWARD_ONES, "--stride", "2", "--padding", "1",
                                     NULL }, (long long[4]){ 1, 1, 2, 2 }, strided,
                   "section 2.3");
    expect_success((const char *[]){ FORWARD_ONES, "--padding", "1,0", NULL },
                   (long long[4]){ 1, 1, 4, 2 }, rows, "padding 1,0");
    write_floats("b.npy", bias, 1, (long long[]){ 1 });
    expect_success((const char *[]){ FORWARD, "--bias", "b.npy", NULL },
                   (long long[4]){ 1, 1, 2, 2 }, biased, "a bias");
}
Test(tool, float64_input)
{
    static const double nine[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const float y[4] = { 37, 47, 67, 77 };
    write_raw("x64.npy", "<f8", "(1, 1, 3, 3)", nine, sizeof nine);
    expect_success((const char *[]){ "forward", "--input", "x64.npy", "--weight", "w.npy",
                                     "--output", "y.npy", NULL },
                   (long long[4]){ 1, 1, 2, 2 }, y, "float64 input");
}
typedef struct {
    const char *words[48];  /* NULL after the last */
    char text[48][1400];
    int count;
} word_list;

static void add_word(word_list *list, const char *format, ...)
{
    va_list args;
    cr_assert(lt(int, list->count, 47), "too many words");
    va_start(args, format);
    vsnprintf(list->text[list->count], sizeof list->text[0], format, args);
    va_end(args);
    list->words[list->count] = list->text[list->count];
    list->words[++list->count] = NULL;
}
static void add_option(word_list *list, int joined, const char *name,
                       const char *format, ...)
{
    char value[1300];
    va_list args;
    va_start(args, format);
    vsnprintf(value, sizeof value, format, args);
    va_end(args);
    if (joined)
        add_word(list, "--%s=%s", name, value);
    else {
        add_word(list, "--%s", name);
        add_word(list, "%s", value);
    }
}
static void read_npy(const char *dir, const char *file, npy_array *a)
{
    char path[1300];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read(path, a, &err), CONV2D_OK), "%s", err.message);
}

static void read_npy_f64(const char *dir, const char *file, npy_array_f64 *a)
{
    char path[1300];
    conv2d_error err = { CONV2D_OK, "" };
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cr_assert(eq(int, npy_read_f64(path, a, &err), CONV2D_OK), "%s", err.message);
}
static void compare_with_fixture(const fixture_case *c, const char *dir)
{
    npy_array y = { 0 }, w = { 0 };
    npy_array_f64 reference = { 0 }, bound = { 0 };
    long long terms;
    read_npy(workdir, "y.npy", &y);  /* the tool's output */
    read_npy(dir, "weight.npy", &w);
    read_npy_f64(dir, "output.npy", &reference);
    read_npy_f64(dir, "abs.npy", &bound);
    cr_assert(eq(int, y.ndim, reference.ndim), "%s", c->name);
    for (int i = 0; i < y.ndim; i++)
        cr_assert(eq(llong, y.shape[i], reference.shape[i]), "%s: dimension %d",
                  c->name, i);
    terms = w.shape[1] * w.shape[2] * w.shape[3] + c->has_bias;
    for (long long i = 0; i < reference.count; i++)
        cr_assert(le(dbl, fabs(y.data[i] - reference.data[i]),
                     conv2d_tolerance(reference.data[i], bound.data[i], terms)),
                  "%s: element %lld is %.9g, PyTorch says %.17g", c->name, i,
                  y.data[i], reference.data[i]);
    npy_free(&y);
    npy_free(&w);
    npy_free_f64(&reference);
    npy_free_f64(&bound);
}
static const char *pair(char *text, long long h, long long w)
{
    if (h == w)
        sprintf(text, "%lld", h);
    else
        sprintf(text, "%lld,%lld", h, w);
    return text;
}

static void fixture_command(const fixture_case *c, const char *dir, int all,
                            word_list *list)
{
    static const char *const modes[4] = { "zeros", "reflect", "replicate", "circular" };
    const conv2d_params *p = &c->params;
    char text[64];
    add_word(list, "forward");
    add_option(list, !all, "input", "%s/input.npy", dir);
    add_option(list, !all, "weight", "%s/weight.npy", dir);
    if (c->has_bias)
        add_option(list, !all, "bias", "%s/bias.npy", dir);
    add_option(list, !all, "output", "y.npy");
    if (all || p->stride_h != 1 || p->stride_w != 1)
        add_option(list, !all, "stride", "%s", pair(text, p->stride_h, p->stride_w));
    if (p->padding_rule != CONV2D_PADDING_EXPLICIT)
        add_option(list, !all, "padding", "%s",
                   p->padding_rule == CONV2D_PADDING_SAME ? "same" : "valid");
    else if (all || p->pad_top != 0 || p->pad_left != 0)
        add_option(list, !all, "padding", "%s", pair(text, p->pad_top, p->pad_left));
    if (all || p->dilation_h != 1 || p->dilation_w != 1)
        add_option(list, !all, "dilation", "%s", pair(text, p->dilation_h, p->dilation_w));
    if (all || p->groups != 1)
        add_option(list, !all, "groups", "%lld", p->groups);
    if (all || p->padding_mode != CONV2D_PADDING_ZEROS)
        add_option(list, !all, "padding-mode", "%s", modes[p->padding_mode]);
}
static int run_fixture_case(const fixture_case *c, int index)
{
    const conv2d_params *p = &c->params;
    static word_list list;
    char dir[1200], cwd[1024];
    tool_run run;
    if (p->padding_rule == CONV2D_PADDING_EXPLICIT
        && (p->pad_top != p->pad_bottom || p->pad_left != p->pad_right))
        return 0;
    cr_assert(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(dir, sizeof dir, "%s/tests/fixtures/forward/%s", cwd, c->name);
    list.count = 0;
    fixture_command(c, dir, index % 2 == 0, &list);
    run_tool(list.words, &run);
    cr_assert(eq(int, run.status, 0), "%s: %s", c->name, run.err);
    compare_with_fixture(c, dir);
    return 1;
}

Test(tool, matches_pytorch_on_every_fixture_it_can_express)
{
    char line[512];
    int ran = 0, skipped = 0;
    FILE *cases = fopen("tests/fixtures/forward/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/forward/cases.txt: cannot open it "
              "(the tests run from the top of the repository)");
    while (fgets(line, sizeof line, cases) != NULL) {
        fixture_case c;
        int kind = fixture_read_case(line, &c);
        cr_assert(kind >= 0, "a malformed line in cases.txt: %s", line);
        if (kind == 0)
            continue;
        if (!run_fixture_case(&c, ran + skipped))
            skipped++;
        else
            ran++;
    }
    fclose(cases);
    cr_assert(ge(int, ran, 30), "only %d fixtures were run (%d skipped)", ran, skipped);
}
Test(tool, help)
{
    static const char *const asks[][6] = {
        { "--help", NULL }, { "-h", NULL }, { "forward", "--help", NULL },
        { "forward", "-h", NULL }, { "forward", "--input", "x.npy", "--help", NULL },
        { "forward", "--stride", "0", "-h", NULL },
    };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        tool_run run;
        run_tool(asks[i], &run);
        cr_expect(eq(int, run.status, 0), "%s: exit status", asks[i][0]);
        cr_expect(run.err[0] == '\0', "help printed on stderr: %s", run.err);
        cr_expect(strstr(run.out, "conv2d forward --input X.npy --weight W.npy "
                         "[--bias B.npy] --output Y.npy\n") != NULL, "%s", run.out);
        cr_expect(strstr(run.out, "--padding-mode MODE") != NULL, "%s", run.out);
        cr_expect(strstr(run.out, "Exit status: 0 on success") != NULL, "%s", run.out);
        if (i < 2)
            cr_expect(strstr(run.out, "Commands:\n  forward ") != NULL, "%s", run.out);
    }
}
typedef struct {
    const char *words[16];
    const char *expected;
} failing_command;

static const failing_command usage_errors[] = {
    { { NULL }, "no command given; the commands are: forward" },
    { { "backwards", NULL }, "unknown command 'backwards'; the commands are: forward" },
    { { "--input", "x.npy", NULL }, "unknown command '--input'" },
    { { "forward", "--input", "x.npy", "--output", "y.npy", NULL },
      "missing required option '--weight' for 'conv2d forward'" },
    { { FORWARD, "--strides", "2", NULL },
      "unknown option '--strides' for 'conv2d forward'" },
    { { FORWARD, "--strides=2", NULL }, "unknown option '--strides=2'" },
    { { FORWARD, "-s", "2", NULL }, "unknown option '-s'" },
    { { FORWARD, "2", NULL }, "unexpected argument '2' for 'conv2d forward'" },
    { { FORWARD, "--stride", NULL }, "option '--stride' needs a value" },
    { { "forward", "--input", "--weight", "w.npy", "--output", "y.npy", NULL },
      "option '--input' needs a value" },
    { { FORWARD, "--bias=", NULL }, "option '--bias' has an empty value" },
    { { FORWARD, "--stride", "1", "--stride", "2", NULL },
      "option '--stride' is given twice ('1' and '2')" },
    { { FORWARD, "--output=z.npy", NULL },
      "option '--output' is given twice ('y.npy' and 'z.npy')" },
    { { FORWARD, "--groups", "1,2", NULL },
      "invalid --groups '1,2': expected a whole number G" },
    { { FORWARD, "--padding", "1,2,3", NULL },
      "invalid --padding '1,2,3': expected P, PH,PW (whole numbers), same or valid" },
    { { FORWARD, "--padding", "Same", NULL }, "invalid --padding 'Same'" },
    { { FORWARD, "--dilation", "2,x", NULL },
      "invalid --dilation '2,x': expected D or DH,DW" },
    { { FORWARD, "--stride", "99999999999999999999", NULL },
      "invalid --stride '99999999999999999999': a number is out of range" },
    { { FORWARD, "--padding", "1,-9223372036854775809", NULL },
      "invalid --padding '1,-9223372036854775809': a number is out of range" },
    { { FORWARD, "--groups=9223372036854775808", NULL }, "invalid --groups" },
    { { FORWARD, "--padding-mode", "mirror", NULL }, "invalid --padding-mode 'mirror': "
      "expected zeros, reflect, replicate or circular" },
    { { FORWARD, "--stride", "1\n2", NULL }, "invalid --stride '1?2'" },
};
Test(tool, usage_errors_exit_with_status_2)
{
    static const char *const malformed[] = {
        "1,", ",2", "1,2,3", "+-1", "1e3", " 1", "1 ", "two", "1.5", "0x10", "1,,2",
        "+", "-", "1,+", "\xc2\xb9",
    };
    for (size_t i = 0; i < sizeof usage_errors / sizeof usage_errors[0]; i++)
        expect_failure(usage_errors[i].words, 2, usage_errors[i].expected);
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char expected[128];
        snprintf(expected, sizeof expected, "invalid --stride '%s': expected S or SH,SW",
                 malformed[i]);
        expect_failure((const char *[]){ FORWARD, "--stride", malformed[i], NULL }, 2,
                       expected);
    }
}
static const failing_command invalid_values[] = {
    { { FORWARD, "--stride", "0", NULL }, "height: stride must be >= 1, got 0" },
    { { FORWARD, "--stride", "1,-3", NULL }, "width: stride must be >= 1, got -3" },
    { { FORWARD, "--padding", "-1", NULL },
      "height: padding must be >= 0, got -1 before and -1 after" },
    { { FORWARD, "--dilation", "0,1", NULL }, "height: dilation must be >= 1, got 0" },
    { { FORWARD, "--dilation", "3", NULL }, "height: kernel (size 2, dilation 3, "
      "extent 4) is larger than the padded input (3)" },
    { { "forward", "--input", "w.npy", "--weight", "x.npy", "--output", "y.npy", NULL },
      "height: kernel (size 3, dilation 1, extent 3) is larger than the padded "
      "input (2)" },
    { { FORWARD, "--padding", "same", "--stride", "2", NULL },
      "padding 'same' needs stride 1, got stride 2,2" },
    { { FORWARD, "--padding", "3", "--padding-mode", "reflect", NULL },
      "height: reflect padding (3, 3) must be smaller than the input size (3)" },
    { { FORWARD, "--padding", "0,4", "--padding-mode", "circular", NULL },
      "width: circular padding (4, 4) must not exceed the input size (3)" },
    { { FORWARD, "--groups", "0", NULL }, "groups must be >= 1, got 0" },
    { { FORWARD, "--groups", "2", NULL },
      "input channels (1) must be divisible by groups (2)" },
    { { "forward", "--input", "x.npy", "--weight", "w2.npy", "--output", "y.npy", NULL },
      "given groups=1, weight of size [1, 2, 2, 2] expects input[1, 1, 3, 3] to have "
      "2 * 1 channels, but it has 1" },

    { { FORWARD, "--bias", "b3.npy", NULL },
      "bias has 3 values but the weight has 1 output channels" },
    { { FORWARD, "--bias", "b0.npy", NULL },
      "bias has 0 values but the weight has 1 output channels" },
    { { FORWARD, "--bias", "b11.npy", NULL },
      "--bias b11.npy: expected 1 dimension [C_out], got shape [1, 1]" },
    { { "forward", "--input", "x3.npy", "--weight", "w.npy", "--output", "y.npy", NULL },
      "--input x3.npy: expected 4 dimensions [N][C_in][H][W], got shape [1, 3, 3]" },
    { { "forward", "--input", "x.npy", "--weight", "x3.npy", "--output", "y.npy", NULL },
      "--weight x3.npy: expected 4 dimensions [C_out][C_in/groups][kH][kW]" },
    { { FORWARD, "--padding", "1500000000", NULL },
      "the output [1, 1, 3000000002, 3000000002] is too large to hold in memory" },
    { { FORWARD, "--padding", "3000000000", NULL },
      "the output [1, 1, 6000000002, 6000000002] has too many elements" },
    { { FORWARD, "--padding", "9223372036854775807", NULL },
      "height: padded input size 9223372036854775807 + 3 + 9223372036854775807 "
      "is too large" },
};
Test(tool, invalid_values_exit_with_status_1)
{
    static const float zeros[9] = { 0 };
    write_floats("w2.npy", zeros, 4, (long long[]){ 1, 2, 2, 2 });
    write_floats("b3.npy", zeros, 1, (long long[]){ 3 });
    write_floats("b0.npy", zeros, 1, (long long[]){ 0 });
    write_floats("b11.npy", zeros, 2, (long long[]){ 1, 1 });
    write_floats("x3.npy", zeros, 3, (long long[]){ 1, 3, 3 });
    for (size_t i = 0; i < sizeof invalid_values / sizeof invalid_values[0]; i++)
        expect_failure(invalid_values[i].words, 1, invalid_values[i].expected);
}
#define READ(file) "forward", "--input", file, "--weight", "w.npy", "--output", "y.npy"
#define WRITE(file) "forward", "--input", "x.npy", "--weight", "w.npy", "--output", file

static const failing_command file_problems[] = {
    { { READ("missing.npy"), NULL }, "missing.npy: cannot open the file" },
    { { READ("truncated.npy"), NULL },
      "truncated.npy: the header promises 36 bytes of data but the file holds 20" },
    { { READ("magic.npy"), NULL }, "magic.npy: not a .npy file" },
    { { READ("header.npy"), NULL }, "header.npy: malformed header" },
    { { READ("huge.npy"), NULL },
      "huge.npy: the shape (4611686018427387904, 4611686018427387904, 1, 1)" },
    { { READ("big.npy"), NULL },
      "big.npy: the header promises 400000000000000000 bytes" },
    { { READ("int32.npy"), NULL }, "int32.npy: data type '<i4' is not supported" },
    { { WRITE("no-such-directory/y.npy"), NULL },
      "no-such-directory/y.npy: cannot create" },
    { { WRITE("directory.npy"), NULL }, "directory.npy: cannot rename" },
};
Test(tool, file_problems_exit_with_status_1)
{
    static const float nine[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const int ints[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    write_raw("truncated.npy", "<f4", "(1, 1, 3, 3)", nine, 5 * sizeof(float));
    write_raw("huge.npy", "<f4", "(4611686018427387904, 4611686018427387904, 1, 1)",
              nine, sizeof nine);
    write_raw("big.npy", "<f4", "(100000, 100000, 100000, 100)", nine, sizeof nine);
    write_raw("int32.npy", "<i4", "(1, 1, 3, 3)", ints, sizeof ints);
    write_npy_text("header.npy", "{'descr': '<f4', 'shape': (1, 1, 3, 3) garbage",
                   nine, sizeof nine);
    {
        static char bytes[4096];
        long size = read_small_file(in_workdir("x.npy"), bytes, sizeof bytes, 0);
        FILE *file = fopen(in_workdir("magic.npy"), "wb");
        cr_assert(file != NULL);
        bytes[5] = 'Z';
        fwrite(bytes, 1, (size_t)size, file);
        fclose(file);
    }
    cr_assert(eq(int, mkdir(in_workdir("directory.npy"), 0700), 0));
    for (size_t i = 0; i < sizeof file_problems / sizeof file_problems[0]; i++)
        expect_failure(file_problems[i].words, 1, file_problems[i].expected);
}
