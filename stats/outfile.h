/* An output file written whole or not at all: into a temporary beside its
 * path, renamed over it when closed without error, so a reader (or a run
 * killed halfway) never sees it half-written. */
#ifndef PS_STATS_OUTFILE_H
#define PS_STATS_OUTFILE_H

#include <stdio.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_outfile {
    FILE *f;
    char path[4096], tmp[4112];
} ps_outfile;

ps_status ps_outfile_open(ps_outfile *o, const char *path, ps_error *err);
/* Puts the file in place; on any write error removes the temporary. */
ps_status ps_outfile_close(ps_outfile *o, ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
