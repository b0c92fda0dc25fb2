/* NumPy .npz archives (a zip of .npy files, stored by np.savez or deflated
 * by np.savez_compressed; read with libzip): named one-dimensional integer
 * arrays, as SpikingJelly saves event files (x, y, t, p). An .npy member is
 * format version 1, 2 or 3 with a descr of a little- or big-endian integer
 * ('<u4', '>i2', '|u1', ...) and shape (n,). Sizes the archive declares are
 * checked against the file and the memory budget before reading. */
#ifndef PS_DATA_NPZ_H
#define PS_DATA_NPZ_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_npz_array {
    int64_t *v; /* free() it */
    size_t n;
} ps_npz_array;

/* Reads the arrays names[0..count) (member "<name>.npy") of the archive at
 * path into out[0..count). All or nothing: on failure every out[k].v is
 * NULL. Messages name the file and the member. */
ps_status ps_npz_read(const char *path, const char *const *names, size_t count,
                      ps_npz_array *out, ps_error *err);

/* Parses one .npy image (exposed for tests and fuzzing); name is used in
 * messages. */
ps_status ps_npy_decode(const uint8_t *data, size_t size, const char *name, ps_npz_array *out,
                        ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
