/* Whole-file reads and atomic writes: a result file is either its old
 * content or its complete new content, never half-written. */
#ifndef PS_FILEIO_H
#define PS_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads all of path into a new buffer (*data, free() it). Messages name
 * the file. */
ps_status ps_read_file(const char *path, uint8_t **data, size_t *size, ps_error *err);

/* Writes data to a temporary file beside path, flushes it to disk and
 * renames it over path. On failure path is untouched. */
ps_status ps_write_file_atomic(const char *path, const void *data, size_t size, ps_error *err);

/* Creates dir and its missing parents (like mkdir -p). */
ps_status ps_make_dirs(const char *dir, ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
