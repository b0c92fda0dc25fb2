/* The primesim file container (spec: workloads/FORMAT.md): a checksummed
 * header with magic, kind and versions, then one zstd frame (with content
 * checksum) holding a section table and the sections. Workload files
 * (.pwl) and packed datasets are containers of different kinds. */
#ifndef PS_CONTAINER_H
#define PS_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_CONTAINER_MAGIC "PSIM"
#define PS_CONTAINER_VERSION 1      /* layout of the container itself */
#define PS_CONTAINER_HEADER_BYTES 48
#define PS_CONTAINER_NAME_BYTES 32  /* section name, NUL-terminated */
#define PS_CONTAINER_MAX_SECTIONS 65536

/* ---- writing ---- */
typedef struct ps_container_writer ps_container_writer;

/* kind: exactly 4 characters naming the content ("PWL_", "NMNI", ...);
 * content_version: version of that content's own layout. */
ps_status ps_container_writer_create(const char *kind, uint16_t content_version,
                                     ps_container_writer **out);
/* Copies data into a new section. Names are unique, 1..31 bytes. */
ps_status ps_container_add(ps_container_writer *w, const char *name, const void *data,
                           size_t size, ps_error *err);
/* Compresses (zstd level, 0 = default) and writes atomically to path. */
ps_status ps_container_write(ps_container_writer *w, const char *path, int level, ps_error *err);
/* The same bytes in memory (for tests and embedding); free() *data. */
ps_status ps_container_encode(ps_container_writer *w, int level, uint8_t **data, size_t *size,
                              ps_error *err);
void ps_container_writer_destroy(ps_container_writer *w);

/* ---- reading ---- */
typedef struct ps_container ps_container;

typedef struct ps_container_info {
    char kind[5];
    uint16_t container_version;
    uint16_t content_version;
    uint64_t payload_bytes;
    uint64_t file_bytes;
    uint32_t section_count;
} ps_container_info;

/* Opens and fully verifies path: header checksum, magic, kind (NULL accepts
 * any), versions (content_version above max_content_version is refused),
 * frame length, zstd content checksum, section table bounds. Any defect is a
 * status with a message naming the file; nothing is trusted before it is
 * checked. */
ps_status ps_container_open(const char *path, const char *kind, uint16_t max_content_version,
                            ps_container **out, ps_error *err);
/* The same over bytes in memory; name is used in messages. */
ps_status ps_container_decode(const void *data, size_t size, const char *name, const char *kind,
                              uint16_t max_content_version, ps_container **out, ps_error *err);
ps_container_info ps_container_get_info(const ps_container *c);
/* The section's bytes (valid until close); PS_ERR_NOT_FOUND if absent. */
ps_status ps_container_section(const ps_container *c, const char *name, const void **data,
                               size_t *size, ps_error *err);
/* Section by position 0..section_count-1. */
const char *ps_container_section_name(const ps_container *c, uint32_t index);
uint64_t ps_container_section_size(const ps_container *c, uint32_t index);
void ps_container_close(ps_container *c);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of the header bytes. */
uint32_t ps_crc32(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
