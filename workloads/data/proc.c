#include "data/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

ps_status ps_run_program(const char *const argv[], const char *cwd, ps_bytes *capture,
                         ps_error *err)
{
    int out_pipe[2] = {-1, -1};
    if (capture && pipe(out_pipe) != 0)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot create a pipe: %s", argv[0], strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        if (capture) {
            close(out_pipe[0]);
            close(out_pipe[1]);
        }
        return ps_error_set(err, PS_ERR_IO, "%s: cannot fork: %s", argv[0], strerror(errno));
    }
    if (pid == 0) {
        if (capture) {
            dup2(out_pipe[1], STDOUT_FILENO);
            close(out_pipe[0]);
            close(out_pipe[1]);
        } else {
            int null_fd = open("/dev/null", O_WRONLY);
            if (null_fd >= 0) {
                dup2(null_fd, STDOUT_FILENO);
                close(null_fd);
            }
        }
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    ps_status st = PS_OK;
    if (capture) {
        close(out_pipe[1]);
        uint8_t buf[65536];
        for (;;) {
            ssize_t got = read(out_pipe[0], buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            ps_bytes_put(capture, buf, (size_t)got);
        }
        close(out_pipe[0]);
        if (capture->status != PS_OK)
            st = ps_error_set(err, capture->status, "%s: output too large for memory", argv[0]);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR)
            return ps_error_set(err, PS_ERR_IO, "%s: wait failed: %s", argv[0], strerror(errno));
    }
    if (st != PS_OK)
        return st;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot run it (is it installed and in PATH?)",
                            argv[0]);
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 126)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot enter directory %s", argv[0],
                            cwd ? cwd : ".");
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        return ps_error_set(err, PS_ERR_IO, "%s failed (exit status %d)", argv[0],
                            WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
    return PS_OK;
}

ps_status ps_remove_tree(const char *path, ps_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? PS_OK
                               : ps_error_set(err, PS_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return ps_error_set(err, PS_ERR_IO, "%s: cannot open directory: %s", path,
                                strerror(errno));
        struct dirent *de;
        ps_status s = PS_OK;
        while (s == PS_OK && (de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            size_t len = strlen(path) + strlen(de->d_name) + 2;
            char *child = malloc(len);
            if (!child) {
                s = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
                break;
            }
            snprintf(child, len, "%s/%s", path, de->d_name);
            s = ps_remove_tree(child, err);
            free(child);
        }
        closedir(d);
        if (s != PS_OK)
            return s;
        if (rmdir(path) != 0)
            return ps_error_set(err, PS_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
        return PS_OK;
    }
    if (unlink(path) != 0)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return PS_OK;
}
