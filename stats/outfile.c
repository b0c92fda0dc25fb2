#include "outfile.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

ps_status ps_outfile_open(ps_outfile *o, const char *path, ps_error *err)
{
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp", path);
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return ps_error_set(err, PS_ERR_IO, "%s: %s", o->tmp, strerror(errno));
    return PS_OK;
}

ps_status ps_outfile_close(ps_outfile *o, ps_error *err)
{
    const bool written = !ferror(o->f);
    errno = 0;
    if (fclose(o->f) != 0 || !written || rename(o->tmp, o->path) != 0) {
        const int e = errno ? errno : EIO;
        remove(o->tmp);
        return ps_error_set(err, PS_ERR_IO, "%s: cannot write: %s", o->path, strerror(e));
    }
    return PS_OK;
}
