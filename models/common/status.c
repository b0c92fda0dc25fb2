#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_messages[PS_STATUS_COUNT] = {
    [PS_OK] = "ok",
    [PS_ERR_INVALID_ARG] = "invalid argument",
    [PS_ERR_NOMEM] = "out of memory",
    [PS_ERR_IO] = "input/output error",
    [PS_ERR_NOT_FOUND] = "not found",
    [PS_ERR_TYPE] = "wrong type",
    [PS_ERR_RANGE] = "value out of range",
    [PS_ERR_FORMAT] = "corrupt or malformed file",
    [PS_ERR_TRUNCATED] = "truncated file",
    [PS_ERR_FOREIGN] = "not a primesim file of the expected kind",
    [PS_ERR_VERSION] = "file written by a newer format version",
    [PS_ERR_UNSUPPORTED] = "not supported by this build",
};

const char *ps_status_message(ps_status status)
{
    if ((unsigned)status >= PS_STATUS_COUNT)
        return "unknown status";
    return status_messages[status];
}

int ps_status_exit_code(ps_status status)
{
    switch (status) {
    case PS_OK:
        return 0;
    case PS_ERR_NOMEM:
    case PS_ERR_IO:
    case PS_ERR_UNSUPPORTED:
        return 1;
    default:
        return 2;
    }
}

ps_status ps_error_set(ps_error *err, ps_status status, const char *fmt, ...)
{
    if (err) {
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void ps_error_prefix(ps_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the message right and put "prefix: " in front, truncating the tail. */
    const size_t cap = sizeof err->message - 1;
    size_t plen = strlen(prefix);
    if (plen > cap - 2)
        plen = cap - 2;
    size_t keep = strlen(err->message);
    if (keep > cap - plen - 2)
        keep = cap - plen - 2;
    memmove(err->message + plen + 2, err->message, keep);
    memcpy(err->message, prefix, plen);
    memcpy(err->message + plen, ": ", 2);
    err->message[plen + 2 + keep] = '\0';
}

void ps_error_clear(ps_error *err)
{
    if (err) {
        err->status = PS_OK;
        err->message[0] = '\0';
    }
}
