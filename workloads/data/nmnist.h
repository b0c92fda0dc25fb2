/* N-MNIST event files (Orchard et al. 2015): one file per sample, 5 bytes
 * per event, big-endian: x, y, then polarity in bit 7 of byte 2 and a 23-bit
 * microsecond timestamp in the low 7 bits of byte 2 and bytes 3..4. Files
 * sit in the dataset's layout ROOT/Train|Test/<label>/<id>.bin (written so;
 * read in the layouts of data/nmnist_dir.h). The packed
 * single-file form is a primesim container of kind NMNP (workloads/FORMAT.md):
 * written in content version 2 (events as zstd-friendly columns), read in
 * versions 1 and 2.
 *
 * Readers check every event. Strict mode refuses the first bad one with a
 * message naming the file and the event index; the default skips bad
 * events and counts them in a ps_event_issues. */
#ifndef PS_DATA_NMNIST_H
#define PS_DATA_NMNIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "common/status.h"
#include "data/events.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_NMNIST_EVENT_BYTES 5
#define PS_NMNIST_PACKED_KIND "NMNP"
/* Content version written; the reader reads 1 (5-byte events) and 2
 * (columns). */
#define PS_NMNIST_PACKED_VERSION 2

/* ---- one sample ---- */

/* Decodes size bytes of events, appending to out. name is used in
 * messages. strict: the first bad event is an error (PS_ERR_TRUNCATED for a
 * length that is not a multiple of 5, PS_ERR_FORMAT otherwise); else bad
 * events are skipped and counted in issues (may be NULL). */
ps_status ps_nmnist_decode(const uint8_t *data, size_t size, const char *name, bool strict,
                           ps_event_buf *out, ps_event_issues *issues, ps_error *err);

/* Appends n events in the file format. Refuses (PS_ERR_RANGE) an event the
 * format cannot hold or a reader would reject: x or y above 33, a timestamp
 * above 2^23 - 1 or below the previous one. */
ps_status ps_nmnist_encode(const ps_event *ev, size_t n, ps_bytes *out, ps_error *err);

ps_status ps_nmnist_read_file(const char *path, bool strict, ps_event_buf *out,
                              ps_event_issues *issues, ps_error *err);
/* Writes via a temporary file and rename (no fsync: thousands of small
 * files; a crash leaves no half-written sample under its final name). */
ps_status ps_nmnist_write_file(const char *path, const ps_event *ev, size_t n, ps_error *err);
/* The same for bytes already encoded. */
ps_status ps_nmnist_write_bytes(const char *path, const uint8_t *data, size_t size, ps_error *err);

/* ---- the directory layout ---- */

typedef enum ps_split {
    PS_SPLIT_TRAIN = 0, /* "Train" */
    PS_SPLIT_TEST = 1,  /* "Test" */
    PS_SPLIT_NONE = 2   /* a directory holding the label folders directly */
} ps_split;

const char *ps_split_dir_name(ps_split s); /* "Train", "Test", "" */

typedef struct ps_nmnist_entry {
    uint32_t id;   /* the number in <id>.bin (0 for a file named otherwise) */
    uint8_t label; /* 0..9 */
    uint8_t split; /* ps_split */
} ps_nmnist_entry;

/* Path an entry's file is written to under root ("root/Test/3/00042.bin");
 * ids are written with at least 5 digits as in the real dataset. */
int ps_nmnist_entry_path(const char *root, const ps_nmnist_entry *e, char *buf, size_t size);

/* Listing and reading a dataset directory, whatever tool made it:
 * data/nmnist_dir.h. */

/* ---- the packed form (kind NMNP) ---- */

typedef struct ps_nmnist_packer ps_nmnist_packer;
ps_status ps_nmnist_packer_create(ps_nmnist_packer **out);
/* Appends one sample; events are validated as by ps_nmnist_encode. */
ps_status ps_nmnist_packer_add(ps_nmnist_packer *pk, const ps_nmnist_entry *e, const ps_event *ev,
                               size_t n, ps_error *err);
/* The same with events already in the file format (size a multiple of 5);
 * they are decoded strictly, so a bad event is refused naming the sample. */
ps_status ps_nmnist_packer_add_encoded(ps_nmnist_packer *pk, const ps_nmnist_entry *e,
                                       const uint8_t *data, size_t size, ps_error *err);
ps_status ps_nmnist_packer_write(ps_nmnist_packer *pk, const char *path, ps_error *err);
void ps_nmnist_packer_destroy(ps_nmnist_packer *pk);

typedef struct ps_nmnist_packed ps_nmnist_packed;
ps_status ps_nmnist_packed_open(const char *path, ps_nmnist_packed **out, ps_error *err);
/* The same over the bytes of a container in memory. */
ps_status ps_nmnist_packed_decode(const void *data, size_t size, const char *name,
                                  ps_nmnist_packed **out, ps_error *err);
size_t ps_nmnist_packed_count(const ps_nmnist_packed *pk);
uint64_t ps_nmnist_packed_total_events(const ps_nmnist_packed *pk);
/* The file's content version (1 or 2). */
uint16_t ps_nmnist_packed_version(const ps_nmnist_packed *pk);
ps_nmnist_entry ps_nmnist_packed_entry(const ps_nmnist_packed *pk, size_t i);
/* Decodes sample i's events (appended to out) with the same checks as a
 * file; messages name "path[i]". */
ps_status ps_nmnist_packed_events(const ps_nmnist_packed *pk, size_t i, bool strict,
                                  ps_event_buf *out, ps_event_issues *issues, ps_error *err);
void ps_nmnist_packed_close(ps_nmnist_packed *pk);

#ifdef __cplusplus
}
#endif

#endif
