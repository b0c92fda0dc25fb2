/* Status codes shared by every C module, and an error record that carries
 * the readable detail (file, path, field) up to the command line. */
#ifndef PS_STATUS_H
#define PS_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_status {
    PS_OK = 0,
    PS_ERR_INVALID_ARG,  /* a caller passed something the contract forbids */
    PS_ERR_NOMEM,        /* allocation failed or a size overflowed */
    PS_ERR_IO,           /* the operating system refused a read or write */
    PS_ERR_NOT_FOUND,    /* a named thing (file, section, key) is absent */
    PS_ERR_TYPE,         /* a value has the wrong type */
    PS_ERR_RANGE,        /* a value is outside its allowed range */
    PS_ERR_FORMAT,       /* a file is corrupt or malformed */
    PS_ERR_TRUNCATED,    /* a file ends before its content does */
    PS_ERR_FOREIGN,      /* a file is not ours (wrong magic or kind) */
    PS_ERR_VERSION,      /* a file was written by a newer format version */
    PS_ERR_UNSUPPORTED,  /* a valid request this build cannot serve */
    PS_STATUS_COUNT
} ps_status;

/* A short readable name for a status ("corrupt file", ...). Never NULL. */
const char *ps_status_message(ps_status status);

/* Exit code for the command line: 2 for bad input or usage, 1 for other
 * failures, 0 for PS_OK. */
int ps_status_exit_code(ps_status status);

/* Detail of the last failure. Functions that take a `ps_error *` may be
 * given NULL when the caller only needs the status. */
typedef struct ps_error {
    ps_status status;
    char message[512];
} ps_error;

/* Records status and a printf-style message in err (if not NULL) and
 * returns status, so a failing path can `return ps_error_set(...)`. */
ps_status ps_error_set(ps_error *err, ps_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prepends "prefix: " to an existing message, to add the file or path
 * an inner function did not know. */
void ps_error_prefix(ps_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void ps_error_clear(ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
