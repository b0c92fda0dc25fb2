#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"

ps_status ps_read_file(const char *path, uint8_t **data, size_t *size, ps_error *err)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ps_error_set(err, errno == ENOENT ? PS_ERR_NOT_FOUND : PS_ERR_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ps_error_set(err, PS_ERR_IO, "%s: not a regular file", path);
    }
    uint8_t *buf = NULL;
    if (ps_calloc((size_t)st.st_size, 1, &buf) != PS_OK) {
        fclose(f);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: cannot hold %lld bytes in memory", path,
                            (long long)st.st_size);
    }
    size_t got = fread(buf, 1, (size_t)st.st_size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != (size_t)st.st_size) {
        free(buf);
        return ps_error_set(err, PS_ERR_IO, "%s: read failed", path);
    }
    *data = buf;
    *size = got;
    return PS_OK;
}

ps_status ps_write_file_atomic(const char *path, const void *data, size_t size, ps_error *err)
{
    size_t len = strlen(path);
    char *tmp = NULL;
    if (ps_calloc(len + 16, 1, &tmp) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
    snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ps_status s = ps_error_set(err, PS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return s;
    }
    const uint8_t *p = data;
    size_t left = size;
    int ok = 1;
    while (ok && left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok) {
            p += n;
            left -= (size_t)n;
        }
    }
    int saved_errno = errno;
    /* A new file gets the usual permissions (mkstemp makes it 0600). */
    mode_t mask = umask(0);
    umask(mask);
    ok = ok && fchmod(fd, 0666 & ~mask) == 0 && fsync(fd) == 0;
    if (!ok)
        saved_errno = errno;
    ok = (close(fd) == 0) && ok;
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        saved_errno = errno;
    }
    if (!ok) {
        unlink(tmp);
        free(tmp);
        return ps_error_set(err, PS_ERR_IO, "%s: write failed: %s", path, strerror(saved_errno));
    }
    free(tmp);
    return PS_OK;
}

ps_status ps_make_dirs(const char *dir, ps_error *err)
{
    char buf[4096];
    if (!*dir)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "an empty directory name");
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "%s: path too long", dir);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return ps_error_set(err, PS_ERR_IO, "%s: cannot create directory: %s", buf,
                                    strerror(errno));
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ps_error_set(err, PS_ERR_IO, "%s: not a directory", dir);
    return PS_OK;
}
