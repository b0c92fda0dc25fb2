#include "fuzz_input.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static char path[512];

static void remove_dir(void)
{
    char name[600];
    /* Only files this process wrote live here: the names the targets pass. */
    static const char *const names[] = {"input.pwl", "input.nmnp", "input.bin", "input-idx3-ubyte",
                                        "input.yaml", "resolved.yaml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(name, sizeof name, "%s/%s", dir, names[i]);
        unlink(name);
    }
    rmdir(dir);
}

const char *fuzz_input_file(const char *name, const void *data, size_t size)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        struct stat st;
        if (!tmp || !*tmp)
            tmp = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/primesim-fuzz-XXXXXX", tmp);
        if (!mkdtemp(dir))
            fuzz_fail("cannot create a directory for the input", dir);
        atexit(remove_dir);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        fuzz_fail("cannot write the input", path);
    const char *p = data;
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, p + done, size - done);
        if (n <= 0)
            fuzz_fail("cannot write the input", path);
        done += (size_t)n;
    }
    close(fd);
    return path;
}

void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz target: %s: %s\n", what, detail);
    abort();
}
