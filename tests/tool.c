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
#include "filters.h"
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
        write_floats("dy.npy", ones, 4, (long long[]){ 1, 1, 2, 2 });
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
#define SNAPSHOT_FILES 64

typedef struct {
    int entries;                      /* in the directory, "." and ".." included */
    int files;                        /* regular files, kept below */
    char name[SNAPSHOT_FILES][256];
    long size[SNAPSHOT_FILES];
    char bytes[SNAPSHOT_FILES][4096];
} workdir_snapshot;

static void take_snapshot(workdir_snapshot *snapshot)
{
    DIR *dir = opendir(workdir);
    struct dirent *entry;
    struct stat info;
    cr_assert(dir != NULL);
    snapshot->entries = snapshot->files = 0;
    while ((entry = readdir(dir)) != NULL) {
        int f = snapshot->files;
        snapshot->entries++;
        if (stat(in_workdir(entry->d_name), &info) != 0 || !S_ISREG(info.st_mode))
            continue;
        cr_assert(lt(int, f, SNAPSHOT_FILES), "too many files for a snapshot");
        snprintf(snapshot->name[f], sizeof snapshot->name[f], "%s", entry->d_name);
        snapshot->size[f] = read_small_file(in_workdir(entry->d_name), snapshot->bytes[f],
                                            sizeof snapshot->bytes[f], 0);
        snapshot->files++;
    }
    closedir(dir);
}
static void expect_unchanged(const workdir_snapshot *snapshot, const char *what)
{
    static char now[4096];
    cr_expect(eq(int, count_workdir_files(), snapshot->entries),
              "[%s]: a file was left behind, or removed", what);
    for (int f = 0; f < snapshot->files; f++) {
        long size = read_small_file(in_workdir(snapshot->name[f]), now, sizeof now, 0);
        cr_expect(size == snapshot->size[f]
                  && memcmp(now, snapshot->bytes[f], (size_t)size) == 0,
                  "[%s]: %s was changed", what, snapshot->name[f]);
    }
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
    static workdir_snapshot before;
    tool_run run;
    take_snapshot(&before);
    run_tool(words, &run);
    cr_expect(eq(int, run.status, status), "[%s]: exit status", expected);
    expect_message(&run, status, expected);
    expect_unchanged(&before, expected);
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
static void expect_array(const char *file, int ndim, const long long *shape,
                         const float *values, const char *what)
{
    npy_array y = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    long long count = 1;
    cr_assert(eq(int, npy_read(in_workdir(file), &y, &err), CONV2D_OK),
              "%s: %s", what, err.message);
    cr_assert(eq(int, y.ndim, ndim), "%s: %s", what, file);
    for (int i = 0; i < ndim; i++) {
        cr_assert(eq(llong, y.shape[i], shape[i]), "%s: %s, dimension %d", what, file, i);
        count *= shape[i];
    }
    for (long long i = 0; i < count; i++)
        cr_expect(eq(flt, y.data[i], values[i]), "%s: %s, element %lld", what, file, i);
    npy_free(&y);
}
static void run_quietly(const char *const words[], int new_files, const char *what)
{
    tool_run run;
    int files = count_workdir_files();
    run_tool(words, &run);
    cr_assert(eq(int, run.status, 0), "%s: %s", what, run.err);
    cr_expect(run.out[0] == '\0' && run.err[0] == '\0', "%s: printed '%s%s'", what,
              run.out, run.err);
    cr_expect(eq(int, count_workdir_files(), files + new_files),
              "%s: not the expected number of files", what);
}

static void expect_success(const char *const words[], const long long shape[4],
                           const float *values, const char *what)
{
    run_quietly(words, 0, what);
    expect_array("y.npy", 4, shape, values, what);
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
#define BACKWARD_INPUTS \
    "backward", "--input", "x.npy", "--weight", "w.npy", "--grad-output", "dy.npy"
#define BACKWARD BACKWARD_INPUTS, "--grad-input", "dx.npy", "--grad-weight", "dw.npy"
#define TRANSPOSE \
    "transpose", "--input", "x.npy", "--weight", "w.npy", "--output", "y.npy"
static void expect_worked_gradients(const char *dx_file, const char *dw_file,
                                    const char *what)
{
    static const float dx[9] = { 1, 3, 2, 4, 10, 6, 3, 7, 4 };
    static const float dw[4] = { 12, 16, 24, 28 };
    expect_array(dx_file, 4, (long long[]){ 1, 1, 3, 3 }, dx, what);
    expect_array(dw_file, 4, (long long[]){ 1, 1, 2, 2 }, dw, what);
}
Test(tool, the_gradients_worked_by_hand)
{
    static const float db[1] = { 4 };
    run_quietly((const char *[]){ BACKWARD, "--grad-bias", "db.npy", NULL }, 3, "all three");
    expect_worked_gradients("dx.npy", "dw.npy", "all three");
    expect_array("db.npy", 1, (long long[]){ 1 }, db, "all three");
    run_quietly((const char *[]){ BACKWARD_INPUTS, "--grad-weight=dw2.npy",
                                  "--grad-input=dx2.npy", NULL }, 2, "no --grad-bias");
    expect_worked_gradients("dx2.npy", "dw2.npy", "no --grad-bias");
    run_quietly((const char *[]){ BACKWARD, "--grad-bias", "db.npy", "--stride", "1",
                                  "--padding", "0,0", "--dilation", "1", "--groups", "1",
                                  "--padding-mode", "zeros", NULL }, 0, "the defaults");
    expect_worked_gradients("dx.npy", "dw.npy", "the defaults");
    expect_array("db.npy", 1, (long long[]){ 1 }, db, "the defaults");
}
#define TRANSPOSE_ROW "transpose", "--input", "z.npy", "--weight", "v.npy", \
                      "--output", "y.npy", "--stride", "1,2"
Test(tool, transposed_convolutions_worked_by_hand)
{
    static const float dx[9] = { 1, 3, 2, 4, 10, 6, 3, 7, 4 };
    static const float z[2] = { 1, 2 }, v[2] = { 1, -1 }, half[1] = { 0.5f };
    static const float spread[5] = { 1, -1, 2, -2, 0 }, cropped[2] = { -0.5f, 2.5f };
    write_floats("z.npy", z, 4, (long long[]){ 1, 1, 1, 2 });
    write_floats("v.npy", v, 4, (long long[]){ 1, 1, 1, 2 });
    write_floats("b.npy", half, 1, (long long[]){ 1 });
    expect_success((const char *[]){ "transpose", "--input", "dy.npy", "--weight", "w.npy",
                                     "--output", "y.npy", NULL },
                   (long long[4]){ 1, 1, 3, 3 }, dx, "dy to dx");
    expect_success((const char *[]){ TRANSPOSE_ROW, NULL }, (long long[4]){ 1, 1, 1, 4 },
                   spread, "stride 2");
    expect_success((const char *[]){ TRANSPOSE_ROW, "--output-padding", "0,1", NULL },
                   (long long[4]){ 1, 1, 1, 5 }, spread, "output padding 1");
    expect_success((const char *[]){ TRANSPOSE_ROW, "--padding=0,1", "--bias=b.npy",
                                     "--padding-mode=zeros", NULL },
                   (long long[4]){ 1, 1, 1, 2 }, cropped, "padding and a bias");
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
static void expect_close_to_fixture(const char *written, const char *dir,
                                    const char *reference_file, const char *bound_file,
                                    long long terms)
{
    npy_array got = { 0 };
    npy_array_f64 reference = { 0 }, bound = { 0 };
    read_npy(workdir, written, &got);
    read_npy_f64(dir, reference_file, &reference);
    read_npy_f64(dir, bound_file, &bound);
    cr_assert(eq(int, got.ndim, reference.ndim), "%s: %s", dir, written);
    for (int i = 0; i < got.ndim; i++)
        cr_assert(eq(llong, got.shape[i], reference.shape[i]), "%s: %s, dimension %d",
                  dir, written, i);
    for (long long i = 0; i < reference.count; i++)
        cr_assert(le(dbl, fabs(got.data[i] - reference.data[i]),
                     conv2d_tolerance(reference.data[i], bound.data[i], terms)),
                  "%s: %s[%lld] is %.9g, PyTorch says %.17g", dir, written, i,
                  got.data[i], reference.data[i]);
    npy_free(&got);
    npy_free_f64(&reference);
    npy_free_f64(&bound);
}
static void fixture_dir(char *dir, size_t size, const char *family, const char *name)
{
    char cwd[1024];
    cr_assert(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(dir, size, "%s/tests/fixtures/%s/%s", cwd, family, name);
}

static const char *pair(char *text, long long h, long long w)
{
    if (h == w)
        sprintf(text, "%lld", h);
    else
        sprintf(text, "%lld,%lld", h, w);
    return text;
}
static void add_convolution_options(word_list *list, const conv2d_params *p, int all)
{
    static const char *const modes[4] = { "zeros", "reflect", "replicate", "circular" };
    char text[64];
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

static int expressible(const conv2d_params *p)
{
    return p->padding_rule != CONV2D_PADDING_EXPLICIT
           || (p->pad_top == p->pad_bottom && p->pad_left == p->pad_right);
}
static int run_forward_case(const fixture_case *c, int index)
{
    static word_list list;
    char dir[1200];
    int all = index % 2 == 0;
    npy_array w = { 0 };
    tool_run run;
    if (!expressible(&c->params))
        return 0;
    fixture_dir(dir, sizeof dir, "forward", c->name);
    list.count = 0;
    add_word(&list, "forward");
    add_option(&list, !all, "input", "%s/input.npy", dir);
    add_option(&list, !all, "weight", "%s/weight.npy", dir);
    if (c->has_bias)
        add_option(&list, !all, "bias", "%s/bias.npy", dir);
    add_option(&list, !all, "output", "y.npy");
    add_convolution_options(&list, &c->params, all);
    run_tool(list.words, &run);
    cr_assert(eq(int, run.status, 0), "%s: %s", c->name, run.err);
    read_npy(dir, "weight.npy", &w);
    expect_close_to_fixture("y.npy", dir, "output.npy", "abs.npy",
                            w.shape[1] * w.shape[2] * w.shape[3] + c->has_bias);
    npy_free(&w);
    return 1;
}
static int run_fixture_file(const char *path, int (*run_case)(const fixture_case *, int),
                            int *skipped)
{
    char line[512];
    int ran = 0;
    FILE *cases = fopen(path, "r");
    cr_assert(cases != NULL, "%s: cannot open it (the tests run from the top of "
              "the repository)", path);
    *skipped = 0;
    while (fgets(line, sizeof line, cases) != NULL) {
        fixture_case c;
        int kind = fixture_read_case(line, &c);
        cr_assert(kind >= 0, "a malformed line in %s: %s", path, line);
        if (kind == 1 && run_case(&c, ran + *skipped))
            ran++;
        else if (kind == 1)
            ++*skipped;
    }
    fclose(cases);
    return ran;
}

Test(tool, matches_pytorch_on_every_forward_fixture_it_can_express)
{
    int skipped, ran = run_fixture_file("tests/fixtures/forward/cases.txt",
                                        run_forward_case, &skipped);
    cr_assert(ge(int, ran, 30), "only %d fixtures were run (%d skipped)", ran, skipped);
}
static void expect_bias_gradient_is_a_sum(const npy_array *dy, long long outputs,
                                          const char *name)
{
    npy_array db = { 0 };
    const long long *s = dy->shape;
    read_npy(workdir, "db.npy", &db);
    cr_assert(eq(int, db.ndim, 1), "%s", name);
    cr_assert(eq(llong, db.shape[0], s[1]), "%s: db has the wrong length", name);
    for (long long co = 0; co < s[1]; co++) {
        double sum = 0, abs_sum = 0;
        for (long long n = 0; n < s[0]; n++)
            for (long long i = 0; i < s[2] * s[3]; i++) {
                double term = dy->data[(n * s[1] + co) * s[2] * s[3] + i];
                sum += term;
                abs_sum += fabs(term);
            }
        cr_assert(le(dbl, fabs(db.data[co] - sum), conv2d_tolerance(sum, abs_sum, outputs)),
                  "%s: db[%lld] is %.9g, the sum of dy is %.17g", name, co, db.data[co], sum);
    }
    npy_free(&db);
}
static void expect_gradients_close(const fixture_case *c, const char *dir)
{
    npy_array x = { 0 }, w = { 0 }, dy = { 0 };
    conv2d_geometry g;
    long long outputs, reach;
    read_npy(dir, "input.npy", &x);
    read_npy(dir, "weight.npy", &w);
    read_npy(dir, "grad_output.npy", &dy);
    cr_assert(eq(int, conv2d_output_size(&c->params, x.shape[2], x.shape[3], w.shape[2],
                                         w.shape[3], &g, NULL), CONV2D_OK), "%s", c->name);
    outputs = dy.shape[0] * dy.shape[2] * dy.shape[3];
    reach = (w.shape[0] / c->params.groups) * w.shape[2] * w.shape[3]
            * (1 + g.rows.pad_begin + g.rows.pad_end) * (1 + g.cols.pad_begin + g.cols.pad_end);
    expect_close_to_fixture("dx.npy", dir, "grad_input.npy", "grad_input_abs.npy", reach);
    expect_close_to_fixture("dw.npy", dir, "grad_weight.npy", "grad_weight_abs.npy",
                            outputs);
    if (c->has_bias)
        expect_close_to_fixture("db.npy", dir, "grad_bias.npy", "grad_bias_abs.npy",
                                outputs);
    expect_bias_gradient_is_a_sum(&dy, outputs, c->name);
    npy_free(&x);
    npy_free(&w);
    npy_free(&dy);
}

static int run_backward_case(const fixture_case *c, int index)
{
    static word_list list;
    char dir[1200];
    int all = index % 2 == 0;
    tool_run run;
    if (!expressible(&c->params))
        return 0;
    fixture_dir(dir, sizeof dir, "backward", c->name);
    list.count = 0;
    add_word(&list, "backward");
    add_option(&list, !all, "input", "%s/input.npy", dir);
    add_option(&list, !all, "weight", "%s/weight.npy", dir);
    add_option(&list, !all, "grad-output", "%s/grad_output.npy", dir);
    add_option(&list, !all, "grad-input", "dx.npy");
    add_option(&list, !all, "grad-weight", "dw.npy");
    add_option(&list, !all, "grad-bias", "db.npy");
    add_convolution_options(&list, &c->params, all);
    run_tool(list.words, &run);
    cr_assert(eq(int, run.status, 0), "%s: %s", c->name, run.err);
    expect_gradients_close(c, dir);
    return 1;
}
Test(tool, gradients_match_pytorch_on_every_fixture_it_can_express)
{
    int skipped, ran = run_fixture_file("tests/fixtures/backward/cases.txt",
                                        run_backward_case, &skipped);
    cr_assert(ge(int, ran, 40), "only %d fixtures were run (%d skipped)", ran, skipped);
}
static void run_transpose_case(const char *line, int index)
{
    static word_list list;
    char name[64], dir[1200], text[64];
    long long pad_h, pad_w;
    int has_bias, all = index % 2 == 0;
    conv2d_params p = conv2d_default_params();
    npy_array w = { 0 };
    tool_run run;
    cr_assert(eq(int, sscanf(line, "%63s %lld %lld %lld %lld %lld %lld %lld %lld %lld %d",
                             name, &p.stride_h, &p.stride_w, &pad_h, &pad_w,
                             &p.output_padding_h, &p.output_padding_w, &p.dilation_h,
                             &p.dilation_w, &p.groups, &has_bias), 11), "%s", line);
    p.pad_top = p.pad_bottom = pad_h;
    p.pad_left = p.pad_right = pad_w;
    fixture_dir(dir, sizeof dir, "transpose", name);
    list.count = 0;
    add_word(&list, "transpose");
    add_option(&list, !all, "input", "%s/input.npy", dir);
    add_option(&list, !all, "weight", "%s/weight.npy", dir);
    if (has_bias)
        add_option(&list, !all, "bias", "%s/bias.npy", dir);
    add_option(&list, !all, "output", "y.npy");
    add_convolution_options(&list, &p, all);
    if (all || p.output_padding_h != 0 || p.output_padding_w != 0)
        add_option(&list, !all, "output-padding", "%s",
                   pair(text, p.output_padding_h, p.output_padding_w));
    run_tool(list.words, &run);
    cr_assert(eq(int, run.status, 0), "%s: %s", name, run.err);
    read_npy(dir, "weight.npy", &w);
    expect_close_to_fixture("y.npy", dir, "output.npy", "abs.npy",
                            (w.shape[0] / p.groups) * w.shape[2] * w.shape[3] + has_bias);
    npy_free(&w);
}
Test(tool, transposed_convolution_matches_pytorch_on_every_fixture)
{
    char line[512];
    int ran = 0;
    FILE *cases = fopen("tests/fixtures/transpose/cases.txt", "r");
    cr_assert(cases != NULL, "tests/fixtures/transpose/cases.txt: cannot open it");
    while (fgets(line, sizeof line, cases) != NULL)
        if (line[0] != '#' && line[strspn(line, " \t\r\n")] != '\0')
            run_transpose_case(line, ran++);
    fclose(cases);
    cr_assert(ge(int, ran, 20), "only %d fixtures were run", ran);
}
static const char help_beginning[] =
    "Usage: conv2d COMMAND [OPTION...]\n"
    "       conv2d [COMMAND] --help\n"
    "\n"
    "Commands:\n"
    "  forward    the output of a convolution layer, Y = conv2d(X, W) + B\n"
    "  backward   the layer's gradients dL/dX, dL/dW, dL/dB, given dL/dY\n"
    "  transpose  the transposed convolution, Y = conv_transpose2d(X, W) + B\n"
    "  filter     a PPM or PGM image filtered with a named kernel (chapter 4)\n";

#define FORWARD_SYNOPSIS \
    "conv2d forward --input X.npy --weight W.npy [--bias B.npy] --output Y.npy\n"
#define BACKWARD_SYNOPSIS \
    "conv2d backward --input X.npy --weight W.npy --grad-output DY.npy\n" \
    "    --grad-input DX.npy --grad-weight DW.npy [--grad-bias DB.npy]\n"
#define TRANSPOSE_SYNOPSIS \
    "conv2d transpose --input X.npy --weight W.npy [--bias B.npy] --output Y.npy\n"
#define FILTER_SYNOPSIS \
    "conv2d filter --kernel NAME --input IMAGE --output OUT.ppm|OUT.pgm\n" \
    "    [--padding-mode zeros|reflect|replicate|circular]\n"
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
        cr_expect(strstr(run.out, FORWARD_SYNOPSIS) != NULL, "%s", run.out);
        cr_expect(strstr(run.out, "--padding-mode MODE") != NULL, "%s", run.out);
        cr_expect(strstr(run.out, "Exit status: 0 on success") != NULL, "%s", run.out);
        if (i < 2) {
            cr_expect(strncmp(run.out, help_beginning, strlen(help_beginning)) == 0,
                      "%s", run.out);
            cr_expect(strstr(run.out, BACKWARD_SYNOPSIS) != NULL, "%s", run.out);
            cr_expect(strstr(run.out, TRANSPOSE_SYNOPSIS) != NULL, "%s", run.out);
            cr_expect(strstr(run.out, FILTER_SYNOPSIS) != NULL, "%s", run.out);
            cr_expect(strstr(run.out, "--output-padding O | OH,OW\n") != NULL, "%s",
                      run.out);
        }
    }
}
Test(tool, help_of_one_command)
{
    tool_run run;
    run_tool((const char *[]){ BACKWARD, "--grad-bias=dx.npy", "--help", NULL }, &run);
    cr_expect(eq(int, run.status, 0));
    cr_expect(strncmp(run.out, "Usage: " BACKWARD_SYNOPSIS,
                      strlen("Usage: " BACKWARD_SYNOPSIS)) == 0, "%s", run.out);
    cr_expect(strstr(run.out, "Convolution options") != NULL, "%s", run.out);
    cr_expect(strstr(run.out, "conv2d forward") == NULL, "%s", run.out);
    cr_expect(strstr(run.out, "conv2d transpose") == NULL, "%s", run.out);
    run_tool((const char *[]){ "transpose", "-h", NULL }, &run);
    cr_expect(eq(int, run.status, 0));
    cr_expect(strncmp(run.out, "Usage: " TRANSPOSE_SYNOPSIS,
                      strlen("Usage: " TRANSPOSE_SYNOPSIS)) == 0, "%s", run.out);
    cr_expect(strstr(run.out, "[--output-padding O | --output-padding OH,OW]\n") != NULL,
              "%s", run.out);
    cr_expect(strstr(run.out, "conv2d backward") == NULL, "%s", run.out);
}
static int has_word(const char *text, const char *word)
{
    size_t length = strlen(word);
    for (const char *at = strstr(text, word); at != NULL; at = strstr(at + 1, word))
        if (at > text && at[-1] == ' ' && at[length] != '\0'
            && strchr(" ,;", at[length]) != NULL)
            return 1;
    return 0;
}

Test(tool, help_of_the_filter_command)
{
    tool_run run;
    run_tool((const char *[]){ "filter", "--kernel", "blur", "--help", NULL }, &run);
    cr_expect(eq(int, run.status, 0));
    cr_expect(strncmp(run.out, "Usage: " FILTER_SYNOPSIS,
                      strlen("Usage: " FILTER_SYNOPSIS)) == 0, "%s", run.out);
    cr_expect(strstr(run.out, "Convolution options") == NULL, "%s", run.out);
    for (const char *const *name = conv2d_filter_names(); *name != NULL; name++)
        cr_expect(has_word(run.out, *name), "the help does not name '%s'", *name);
}
#define FILTER_BOX \
    "filter", "--kernel", "box", "--input", "grey.pgm", "--output", "out.pgm"
typedef struct {
    const char *words[24];
    const char *expected;
} failing_command;

static const failing_command usage_errors[] = {
    { { NULL }, "no command given; the commands are: forward, backward, transpose, "
      "filter" },
    { { "backwards", NULL }, "unknown command 'backwards'; the commands are: forward, "
      "backward, transpose, filter" },
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
    { { BACKWARD_INPUTS, "--grad-input", "dx.npy", NULL },
      "missing required option '--grad-weight' for 'conv2d backward'" },
    { { "backward", "--input", "x.npy", "--weight", "w.npy", "--grad-input", "dx.npy",
        "--grad-weight", "dw.npy", NULL },
      "missing required option '--grad-output' for 'conv2d backward'" },
    { { BACKWARD, "--bias", "b.npy", NULL }, "unknown option '--bias' for 'conv2d backward'" },
    { { BACKWARD, "--output", "y.npy", NULL },
      "unknown option '--output' for 'conv2d backward'" },
    { { BACKWARD_INPUTS, "--grad-input", "d.npy", "--grad-weight", "d.npy", NULL },
      "options '--grad-input' and '--grad-weight' both name the file 'd.npy'; each "
      "output needs a file of its own" },
    { { BACKWARD, "--grad-bias=dw.npy", NULL },
      "options '--grad-weight' and '--grad-bias' both name the file 'dw.npy'" },
    { { "transpose", "--input", "x.npy", "--weight", "w.npy", NULL },
      "missing required option '--output' for 'conv2d transpose'" },
    { { TRANSPOSE, "--grad-output", "dy.npy", NULL },
      "unknown option '--grad-output' for 'conv2d transpose'" },
    { { FORWARD, "--output-padding", "1", NULL },
      "unknown option '--output-padding' for 'conv2d forward'" },
    { { TRANSPOSE, "--output-padding", "1,2,3", NULL },
      "invalid --output-padding '1,2,3': expected O or OH,OW (whole numbers)" },
    { { TRANSPOSE, "--output-padding", NULL }, "option '--output-padding' needs a value" },
    { { TRANSPOSE, "--padding-mode", "mirror", NULL }, "invalid --padding-mode 'mirror'" },
    { { BACKWARD, "--dilation", "1,2,3", NULL }, "invalid --dilation '1,2,3'" },
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
    { { "filter", "--input", "grey.pgm", "--output", "out.pgm", NULL },
      "missing required option '--kernel' for 'conv2d filter'" },
    { { "filter", "--kernel", "box", "--output", "out.pgm", NULL },
      "missing required option '--input' for 'conv2d filter'" },
    { { "filter", "--kernel", "box", "--input", "grey.pgm", NULL },
      "missing required option '--output' for 'conv2d filter'" },
    { { "filter", "--kernel", "blur", "--input", "grey.pgm", "--output", "out.pgm", NULL },
      "invalid --kernel 'blur': expected identity, box, gaussian, sharpen, sobel-x, "
      "sobel-y, sobel, laplacian or emboss" },
    { { "filter", "--kernel=Box", "--input", "grey.pgm", "--output", "out.pgm", NULL },
      "invalid --kernel 'Box': expected identity, box," },
    { { "filter", "--kernel", "box", "--input", "grey.pgm", "--output", "out.png", NULL },
      "invalid --output 'out.png': the name must end in .ppm (colour) or .pgm (grey)" },
    { { "filter", "--kernel", "box", "--input", "grey.pgm", "--output", "pgm", NULL },
      "invalid --output 'pgm'" },
    { { FILTER_BOX, "--padding-mode", "mirror", NULL }, "invalid --padding-mode 'mirror': "
      "expected zeros, reflect, replicate or circular" },
    { { FILTER_BOX, "--kernel", "gaussian", NULL },
      "option '--kernel' is given twice ('box' and 'gaussian')" },
    { { FILTER_BOX, "--stride", "2", NULL },
      "unknown option '--stride' for 'conv2d filter'" },
    { { FILTER_BOX, "--weight", "w.npy", NULL },
      "unknown option '--weight' for 'conv2d filter'" },
    { { "filter", "--kernel", "box", "--input", "missing.pgm", "--output", "out.npy", NULL },
      "invalid --output 'out.npy'" },
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
    { { BACKWARD_INPUTS, "--grad-input", "dx.npy", "--grad-weight", "dw.npy", "--stride", "2",
        NULL }, "grad_output has shape [1, 1, 2, 2] but the forward output has shape "
      "[1, 1, 1, 1]" },
    { { "backward", "--input", "x.npy", "--weight", "w.npy", "--grad-output", "x.npy",
        "--grad-input", "dx.npy", "--grad-weight", "dw.npy", NULL },
      "grad_output has shape [1, 1, 3, 3] but the forward output has shape [1, 1, 2, 2]" },
    { { "backward", "--input", "x.npy", "--weight", "w.npy", "--grad-output", "x3.npy",
        "--grad-input", "dx.npy", "--grad-weight", "dw.npy", NULL },
      "--grad-output x3.npy: expected 4 dimensions [N][C_out][H_out][W_out], got shape "
      "[1, 3, 3]" },
    { { BACKWARD, "--stride", "0", NULL }, "height: stride must be >= 1, got 0" },
    { { BACKWARD, "--padding", "same", "--stride", "2", NULL },
      "padding 'same' needs stride 1, got stride 2,2" },
    { { BACKWARD, "--groups", "2", NULL }, "input channels (1) must be divisible by groups (2)" },
    { { TRANSPOSE, "--output-padding", "1", NULL }, "height: output padding (1) must be "
      ">= 0 and smaller than either stride (1) or dilation (1)" },
    { { TRANSPOSE, "--stride", "2", "--output-padding", "0,2", NULL }, "width: output "
      "padding (2) must be >= 0 and smaller than either stride (2) or dilation (1)" },
    { { TRANSPOSE, "--output-padding", "-1", NULL }, "height: output padding (-1) must be >= 0" },
    { { TRANSPOSE, "--padding", "same", NULL },
      "a transposed convolution needs explicit padding, not 'same' or 'valid'" },
    { { TRANSPOSE, "--padding", "valid", NULL }, "needs explicit padding" },
    { { TRANSPOSE, "--padding-mode", "reflect", NULL },
      "a transposed convolution supports only zeros padding" },
    { { TRANSPOSE, "--padding", "3", NULL }, "height: the output size -2 is too small "
      "(input 3, kernel 2, padding 3 and 3)" },
    { { TRANSPOSE, "--bias", "b3.npy", NULL },
      "bias has 3 values but the transposed convolution has 1 output channels" },
    { { TRANSPOSE, "--groups", "2", NULL },
      "input channels (1) must be divisible by groups (2), which must be >= 1" },
    { { "transpose", "--input", "x.npy", "--weight", "w21.npy", "--output", "y.npy", NULL },
      "weight of size [2, 1, 2, 2] expects an input with 2 channels, but it has 1" },
    { { "transpose", "--input", "x.npy", "--weight", "x3.npy", "--output", "y.npy", NULL },
      "--weight x3.npy: expected 4 dimensions [C_in][C_out/groups][kH][kW]" },
};
Test(tool, invalid_values_exit_with_status_1)
{
    static const float zeros[9] = { 0 };
    write_floats("w2.npy", zeros, 4, (long long[]){ 1, 2, 2, 2 });
    write_floats("w21.npy", zeros, 4, (long long[]){ 2, 1, 2, 2 });
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
    { { WRITE("directory.npy"), NULL },
      "--output directory.npy: is a directory; an output must be a file" },
    { { "transpose", "--input", "x.npy", "--weight", "w.npy", "--output",
        "no-such-directory/y.npy", NULL }, "no-such-directory/y.npy: cannot create" },
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
static const failing_command partial_writes[] = {
    { { BACKWARD_INPUTS, "--grad-input", "dx.npy", "--grad-weight",
        "no-such-directory/dw.npy", NULL }, "no-such-directory/dw.npy: cannot create" },
    { { BACKWARD, "--grad-bias", "no-such-directory/db.npy", NULL },
      "no-such-directory/db.npy: cannot create" },
    { { BACKWARD, "--grad-bias", "directory.npy", NULL },
      "--grad-bias directory.npy: is a directory; an output must be a file" },
    { { BACKWARD_INPUTS, "--grad-input", "./dx.npy", "--grad-weight", "dx.npy", NULL },
      "--grad-input ./dx.npy and --grad-weight dx.npy are the same file; each output "
      "needs a file of its own" },
    { { BACKWARD, "--grad-bias", "directory.npy/../dw.npy", NULL },
      "--grad-weight dw.npy and --grad-bias directory.npy/../dw.npy are the same file" },
    { { "backward", "--input", "x.npy", "--weight", "w.npy", "--grad-output",
        "missing.npy", "--grad-input", "dx.npy", "--grad-weight", "dw.npy", NULL },
      "missing.npy: cannot open the file" },
};
Test(tool, gradients_are_written_all_or_none)
{
    static const float old[3] = { 7, 8, 9 };
    write_floats("dx.npy", old, 1, (long long[]){ 1 });
    write_floats("dw.npy", old, 1, (long long[]){ 2 });
    write_floats("db.npy", old, 1, (long long[]){ 3 });
    cr_assert(eq(int, mkdir(in_workdir("directory.npy"), 0700), 0));
    cr_assert(eq(int, mkdir(in_workdir("locked"), 0500), 0));
    for (size_t i = 0; i < sizeof partial_writes / sizeof partial_writes[0]; i++)
        expect_failure(partial_writes[i].words, 1, partial_writes[i].expected);
    if (access(in_workdir("locked"), W_OK) != 0)
        expect_failure((const char *[]){ BACKWARD_INPUTS, "--grad-input", "dx.npy",
                                         "--grad-weight", "locked/dw.npy", NULL },
                       1, "locked/dw.npy: cannot create");
}
static void write_picture_file(const char *name, int channels, int width, int height,
                               const unsigned char *raster)
{
    FILE *file = fopen(in_workdir(name), "wb");
    cr_assert(file != NULL, "cannot write %s", name);
    fprintf(file, "P%c\n%d %d\n255\n", channels == 1 ? '5' : '6', width, height);
    fwrite(raster, 1, (size_t)(channels * width * height), file);
    cr_assert(eq(int, fclose(file), 0));
}
static void expect_picture(const char *name, int channels, int width, int height,
                           const unsigned char *raster, const char *what)
{
    static char bytes[4096];
    char header[64];
    int header_length = snprintf(header, sizeof header, "P%c\n%d %d\n255\n",
                                 channels == 1 ? '5' : '6', width, height);
    long size = read_small_file(in_workdir(name), bytes, sizeof bytes, 0);
    cr_assert(eq(long, size, header_length + channels * width * height),
              "%s: %s has the wrong size", what, name);
    cr_assert(memcmp(bytes, header, (size_t)header_length) == 0,
              "%s: %s has the wrong header", what, name);
    for (int i = 0; i < channels * width * height; i++)
        cr_assert(eq(int, (unsigned char)bytes[header_length + i], raster[i]),
                  "%s: %s, byte %d of the raster", what, name, i);
}
Test(tool, filter_worked_by_hand)
{
    static const unsigned char bar[5] = { 0, 0, 255, 255, 0 };
    static const unsigned char edges[5] = { 128, 255, 255, 0, 0 };
    static const unsigned char colour[12] = { 255, 0, 0, 0, 255, 0,
                                              0, 0, 255, 128, 128, 128 };
    static const unsigned char luma[4] = { 76, 150, 29, 128 };
    unsigned char thrice[15];
    write_picture_file("bar.pgm", 1, 5, 1, bar);
    write_picture_file("rgb.ppm", 3, 2, 2, colour);
    run_quietly((const char *[]){ "filter", "--kernel", "sobel-x", "--input", "bar.pgm",
                                  "--output", "edges.pgm", NULL }, 1, "the bar");
    expect_picture("edges.pgm", 1, 5, 1, edges, "the bar");
    run_quietly((const char *[]){ "filter", "--kernel", "identity", "--input", "rgb.ppm",
                                  "--output", "luma.PGM", NULL }, 1, "colour to grey");
    expect_picture("luma.PGM", 1, 2, 2, luma, "colour to grey");
    for (int i = 0; i < 15; i++)
        thrice[i] = edges[i / 3];
    run_quietly((const char *[]){ "filter", "--kernel", "sobel-x", "--input", "bar.pgm",
                                  "--output", "edges.ppm", NULL }, 1, "grey to colour");
    expect_picture("edges.ppm", 3, 5, 1, thrice, "grey to colour");
    run_quietly((const char *[]){ "filter", "--kernel", "identity", "--input", "rgb.ppm",
                                  "--output", "same.ppm", NULL }, 1, "colour to colour");
    expect_picture("same.ppm", 3, 2, 2, colour, "colour to colour");
}
static unsigned char expected_byte(float value)
{
    return !(value > 0) ? 0 : value >= 1 ? 255 : (unsigned char)((double)value * 255 + 0.5);
}

static int signed_map(const char *kernel)
{
    return strcmp(kernel, "sobel-x") == 0 || strcmp(kernel, "sobel-y") == 0
           || strcmp(kernel, "laplacian") == 0;
}
static void expected_raster(const char *input, const char *kernel,
                            conv2d_padding_mode mode, int channels,
                            unsigned char *raster, size_t size)
{
    image in = { 0 }, grey = { 0 }, out = { 0 };
    conv2d_error err = { CONV2D_OK, "" };
    long long plane;
    cr_assert(eq(int, image_read(in_workdir(input), &in, &err), CONV2D_OK), "%s",
              err.message);
    if (channels == 1)
        cr_assert(eq(int, image_to_grey(&in, &grey, &err), CONV2D_OK), "%s", err.message);
    cr_assert(eq(int, conv2d_filter_image(kernel, mode, channels == 1 ? &grey : &in, &out,
                                          &err), CONV2D_OK), "%s", err.message);
    plane = out.width * out.height;
    cr_assert(le(llong, plane * channels, (long long)size));
    for (long long p = 0; p < plane; p++)
        for (int c = 0; c < channels; c++) {
            float value = out.data[(out.channels == 1 ? 0 : c) * plane + p];
            if (signed_map(kernel))
                value = 0.5f + value / 2;
            raster[p * channels + c] = expected_byte(value);
        }
    image_free(&in);
    image_free(&grey);
    image_free(&out);
}
static void write_test_pictures(void)
{
    unsigned char colour[90], grey[20];
    for (int i = 0; i < 90; i++)
        colour[i] = (unsigned char)((i * 97 + 31) % 256);
    for (int i = 0; i < 20; i++)
        grey[i] = (unsigned char)((i * 53 + 7) % 256);
    write_picture_file("colour.ppm", 3, 6, 5, colour);
    write_picture_file("grey.pgm", 1, 5, 4, grey);
}
Test(tool, filter_every_kernel_as_the_library_does)
{
    static const struct { const char *input, *output; int channels, width, height; }
    runs[4] = { { "colour.ppm", "out.ppm", 3, 6, 5 }, { "colour.ppm", "out.pgm", 1, 6, 5 },
                { "grey.pgm", "out.pgm", 1, 5, 4 }, { "grey.pgm", "out.ppm", 3, 5, 4 } };
    const char *const *names = conv2d_filter_names();
    int count = 0;
    write_test_pictures();
    for (; names[count] != NULL; count++)
        for (int r = 0; r < 4; r++) {
            unsigned char raster[90];
            run_quietly((const char *[]){ "filter", "--kernel", names[count], "--input",
                                          runs[r].input, "--output", runs[r].output, NULL },
                        1, names[count]);
            expected_raster(runs[r].input, names[count], CONV2D_PADDING_REPLICATE,
                            runs[r].channels, raster, sizeof raster);
            expect_picture(runs[r].output, runs[r].channels, runs[r].width, runs[r].height,
                           raster, names[count]);
            remove(in_workdir(runs[r].output));
        }
    cr_assert(eq(int, count, 9));
}
Test(tool, filter_padding_modes)
{
    static const char *const modes[4] = { "zeros", "reflect", "replicate", "circular" };
    unsigned char ramp[25], expected[4][25];
    for (int i = 0; i < 25; i++)
        ramp[i] = (unsigned char)(40 * (i % 5) + 10 * (i / 5));
    write_picture_file("ramp.pgm", 1, 5, 5, ramp);
    for (int m = 0; m < 4; m++)
        expected_raster("ramp.pgm", "box", (conv2d_padding_mode)m, 1, expected[m], 25);
    for (int m = 0; m < 4; m++)
        for (int n = m + 1; n < 4; n++)
            cr_assert(memcmp(expected[m], expected[n], 25) != 0, "%s and %s agree",
                      modes[m], modes[n]);
    for (int m = 0; m < 4; m++) {
        run_quietly((const char *[]){ "filter", "--kernel", "box", "--input", "ramp.pgm",
                                      "--output", "out.pgm", "--padding-mode", modes[m], NULL },
                    1, modes[m]);
        expect_picture("out.pgm", 1, 5, 5, expected[m], modes[m]);
        remove(in_workdir("out.pgm"));
    }
    run_quietly((const char *[]){ "filter", "--kernel", "box", "--input", "ramp.pgm",
                                  "--output", "out.pgm", NULL }, 1, "the default");
    expect_picture("out.pgm", 1, 5, 5, expected[CONV2D_PADDING_REPLICATE], "the default");
}
#define FILTER_FROM(file) \
    "filter", "--kernel", "box", "--input", file, "--output", "out.pgm"
#define FILTER_TO(file) \
    "filter", "--kernel", "box", "--input", "grey.pgm", "--output", file

static const failing_command filter_problems[] = {
    { { FILTER_FROM("missing.pgm"), NULL }, "missing.pgm: cannot open the file" },
    { { FILTER_FROM("x.npy"), NULL }, "x.npy: not a PGM or PPM file" },
    { { FILTER_FROM("plain.pgm"), NULL },
      "plain.pgm: P2 (plain PGM: grey samples as text) is not supported" },
    { { FILTER_FROM("short.pgm"), NULL }, "short.pgm: truncated" },
    { { FILTER_FROM("tiny.pgm"), "--padding-mode", "reflect", NULL },
      "height: reflect padding (2, 2) must be smaller than the input size (2)" },
    { { FILTER_TO("no-such-directory/out.pgm"), NULL },
      "no-such-directory/out.pgm: cannot create the temporary file" },
    { { FILTER_TO("directory.ppm"), NULL },
      "--output directory.ppm: is a directory; an output must be a file" },
    { { "filter", "--kernel", "sobel", "--input", "missing.ppm", "--output", "out.ppm",
        NULL }, "missing.ppm: cannot open the file" },
};
static void write_text(const char *name, const char *text, size_t size)
{
    FILE *file = fopen(in_workdir(name), "wb");
    cr_assert(file != NULL, "cannot write %s", name);
    fwrite(text, 1, size, file);
    cr_assert(eq(int, fclose(file), 0));
}

Test(tool, filter_failures_exit_with_status_1)
{
    static const unsigned char tiny[4] = { 0, 64, 128, 255 };
    static const char plain[] = "P2\n2 2\n255\n0 64\n128 255\n";
    static const char cut[] = "P5\n4 4\n255\n\x01\x02\x03\x04";  /* 4 of 16 bytes */
    write_test_pictures();
    write_picture_file("tiny.pgm", 1, 2, 2, tiny);
    write_text("plain.pgm", plain, sizeof plain - 1);
    write_text("short.pgm", cut, sizeof cut - 1);
    write_text("out.pgm", "old", 3);
    write_text("out.ppm", "older", 5);
    cr_assert(eq(int, mkdir(in_workdir("directory.ppm"), 0700), 0));
    for (size_t i = 0; i < sizeof filter_problems / sizeof filter_problems[0]; i++)
        expect_failure(filter_problems[i].words, 1, filter_problems[i].expected);
}
