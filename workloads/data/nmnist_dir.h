/* An N-MNIST dataset directory as the tools that fetch it leave it, listed
 * once and read sample by sample. Layouts found under ROOT, in this order
 * (FILE: any name ending .bin or .npz):
 *   ROOT/Train|Test/<label>/FILE     the dataset's own zips extracted
 *   ROOT/NMNIST/Train|Test/...       Tonic's save_to
 *   ROOT/extract/Train|Test/...      SpikingJelly's root (the extracted zips)
 *   ROOT/events_np/train|test/<label>/FILE   SpikingJelly's converted .npz
 *   ROOT/train|test/<label>/FILE     (events_np itself)
 *   ROOT/<label>/FILE                one split
 * The first that holds a label folder is the dataset. Every .bin (5-byte
 * events, nmnist.h) and .npz (arrays x, y, t, p, npz.h) file in a label
 * folder is a sample, whatever its name; the file it was listed from is the
 * file read. */
#ifndef PS_DATA_NMNIST_DIR_H
#define PS_DATA_NMNIST_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "data/nmnist.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_nmnist_dir ps_nmnist_dir;

/* Lists the samples under root, sorted by split, label, the number in the
 * file name (0 when there is none) and the name. A missing root or one
 * without samples is PS_ERR_NOT_FOUND. */
ps_status ps_nmnist_dir_open(const char *root, ps_nmnist_dir **out, ps_error *err);
void ps_nmnist_dir_close(ps_nmnist_dir *d); /* accepts NULL */
size_t ps_nmnist_dir_count(const ps_nmnist_dir *d);
/* Sample i: id is the number in its file name, 0 when there is none. */
ps_nmnist_entry ps_nmnist_dir_entry(const ps_nmnist_dir *d, size_t i);
const char *ps_nmnist_dir_file(const ps_nmnist_dir *d, size_t i);
/* The folder holding the label folders ("ROOT/events_np/train" ...). */
const char *ps_nmnist_dir_base(const ps_nmnist_dir *d, ps_split split);

/* Reads sample i's events (appended to out) with the checks of
 * ps_nmnist_decode; an .npz's values are checked before they are encoded
 * (x, y below 256, p 0 or 1, t in 0 .. 2^23 - 1). */
ps_status ps_nmnist_dir_events(const ps_nmnist_dir *d, size_t i, bool strict, ps_event_buf *out,
                               ps_event_issues *issues, ps_error *err);

/* One .npz event file (arrays x, y, t, p of equal length). */
ps_status ps_nmnist_read_npz(const char *path, bool strict, ps_event_buf *out,
                             ps_event_issues *issues, ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
