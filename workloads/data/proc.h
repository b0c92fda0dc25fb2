/* Running a helper program (npm, tar, gzip) without a shell: argv is passed
 * as is, so paths with spaces or quotes are safe. */
#ifndef PS_DATA_PROC_H
#define PS_DATA_PROC_H

#include "bytes.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs argv[0] (searched in PATH) in directory cwd (NULL = current). Its
 * standard output goes into capture when not NULL, else to /dev/null; its
 * standard error is passed through. A program that cannot start or that
 * exits non-zero is PS_ERR_IO with a message naming it. */
ps_status ps_run_program(const char *const argv[], const char *cwd, ps_bytes *capture,
                         ps_error *err);

/* Removes path and, for a directory, everything below it (no symlinks are
 * followed). A missing path is not an error. */
ps_status ps_remove_tree(const char *path, ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
