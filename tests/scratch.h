/* tests/scratch.h: a scratch directory for the tests that touch the disk,
   shared by tests/npy.c and tests/image.c.  Tangled from the book.
   Define _POSIX_C_SOURCE (for mkdtemp and opendir) before any header, and
   SCRATCH_NAME, the word in the directory's name, before this one. */
#ifndef CONV2D_TESTS_SCRATCH_H
#define CONV2D_TESTS_SCRATCH_H
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH_SIZE 512

/* "/tmp/conv2d-NAME-XXXXXX", made unique */
static char scratch_dir[sizeof "/tmp/conv2d-" SCRATCH_NAME "-XXXXXX"];

static inline void make_scratch(void)
{
    strcpy(scratch_dir, "/tmp/conv2d-" SCRATCH_NAME "-XXXXXX");
    cr_assert(mkdtemp(scratch_dir) != NULL, "cannot create a scratch directory");
}

static inline void remove_scratch(void)
{
    DIR *dir = opendir(scratch_dir);
    struct dirent *entry;
    char path[PATH_SIZE];
    if (dir == NULL)
        return;
    while ((entry = readdir(dir)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", scratch_dir, entry->d_name);
            remove(path);
        }
    closedir(dir);
    rmdir(scratch_dir);
}
static inline void in_scratch(char path[PATH_SIZE], const char *name)
{
    snprintf(path, PATH_SIZE, "%s/%s", scratch_dir, name);
}

static inline int count_files(void)
{
    DIR *dir = opendir(scratch_dir);
    struct dirent *entry;
    int count = 0;
    cr_assert(dir != NULL);
    while ((entry = readdir(dir)) != NULL)
        count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(dir);
    return count;
}

static inline void write_bytes(const char *path, const void *bytes, size_t size)
{
    FILE *stream = fopen(path, "wb");
    cr_assert(stream != NULL, "cannot create %s", path);
    cr_assert(eq(sz, fwrite(bytes, 1, size, stream), size));
    cr_assert(eq(int, fclose(stream), 0));
}

static inline unsigned char *read_bytes(const char *path, size_t *size)
{
    FILE *stream = fopen(path, "rb");
    unsigned char *bytes;
    long length;
    cr_assert(stream != NULL, "cannot open %s", path);
    cr_assert(eq(int, fseek(stream, 0, SEEK_END), 0));
    length = ftell(stream);
    rewind(stream);
    bytes = malloc((size_t)length + 1);
    cr_assert(bytes != NULL);
    cr_assert(eq(sz, fread(bytes, 1, (size_t)length, stream), (size_t)length));
    fclose(stream);
    *size = (size_t)length;
    return bytes;
}
#endif
