/* Reader of a measured conductance distribution (CSV) for the device
 * model's "table" distribution. Format:
 *
 *     # comments and blank lines are ignored
 *     conductance_uS,cdf            (or: conductance_uS,probability)
 *     0.0,0.0
 *     12.5,0.4
 *     ...
 *
 * One header line naming the columns, then one (conductance in uS, value)
 * pair per line, conductances strictly ascending. With `cdf` the values
 * are non-decreasing in [0, 1] and end at 1; with `probability` they are
 * non-negative weights of the listed levels (normalised by their sum).
 * Errors name the file and line. */
#ifndef PS_DEVICE_TABLE_H
#define PS_DEVICE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "device.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_device_table_data {
    double *g_uS;
    double *value;
    size_t count;
    bool is_cdf;
} ps_device_table_data;

/* Parses text (len bytes); name is used in messages (a path). */
ps_status ps_device_table_parse(const char *text, size_t len, const char *name,
                                ps_device_table_data *out, ps_error *err);
/* Reads and parses the file at path. */
ps_status ps_device_table_load(const char *path, ps_device_table_data *out, ps_error *err);
void ps_device_table_data_free(ps_device_table_data *t);
/* The view ps_device_create takes (borrows t's arrays). */
ps_device_table ps_device_table_view(const ps_device_table_data *t);

#ifdef __cplusplus
}
#endif

#endif
