#include "container.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "bytes.h"
#include "common/alloc.h"
#include "common/memory.h"
#include "fileio.h"

#define TABLE_ENTRY_BYTES (PS_CONTAINER_NAME_BYTES + 16)
#define HEADER_CRC_OFFSET 44 /* the CRC covers every header byte before it */

uint32_t ps_crc32(const void *data, size_t size)
{
    /* Byte-wise table, built per call: 2k operations, no shared state. */
    uint32_t table[256];
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int bit = 0; bit < 8; bit++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        table[n] = c;
    }
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++)
        crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xFFu];
    return ~crc;
}

/* ---------------------------------------------------------------- writer */

typedef struct section {
    char name[PS_CONTAINER_NAME_BYTES];
    uint8_t *data;
    size_t size;
} section;

struct ps_container_writer {
    char kind[5];
    uint16_t content_version;
    section *sections;
    uint32_t count;
};

static int valid_kind(const char *kind) { return kind && strlen(kind) == 4; }

ps_status ps_container_writer_create(const char *kind, uint16_t content_version,
                                     ps_container_writer **out)
{
    *out = NULL;
    if (!valid_kind(kind))
        return PS_ERR_INVALID_ARG;
    ps_container_writer *w;
    if (PS_CALLOC_ARRAY(w, 1) != PS_OK)
        return PS_ERR_NOMEM;
    memcpy(w->kind, kind, 5);
    w->content_version = content_version;
    *out = w;
    return PS_OK;
}

ps_status ps_container_add(ps_container_writer *w, const char *name, const void *data,
                           size_t size, ps_error *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= PS_CONTAINER_NAME_BYTES)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "section name '%s' must be 1..%d bytes",
                            name ? name : "", PS_CONTAINER_NAME_BYTES - 1);
    if (w->count >= PS_CONTAINER_MAX_SECTIONS)
        return ps_error_set(err, PS_ERR_RANGE, "more than %d sections", PS_CONTAINER_MAX_SECTIONS);
    for (uint32_t i = 0; i < w->count; i++)
        if (strcmp(w->sections[i].name, name) == 0)
            return ps_error_set(err, PS_ERR_INVALID_ARG, "section '%s' added twice", name);
    if (ps_realloc(w->count + 1u, sizeof *w->sections, &w->sections) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory adding section '%s'", name);
    section *s = &w->sections[w->count];
    memset(s, 0, sizeof *s);
    if (ps_calloc(size, 1, &s->data) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory adding section '%s'", name);
    if (size)
        memcpy(s->data, data, size);
    memcpy(s->name, name, len + 1);
    s->size = size;
    w->count++;
    return PS_OK;
}

static void build_payload(const ps_container_writer *w, ps_bytes *payload)
{
    /* Section offsets: the table first, then each section aligned to 8. */
    uint64_t offset = (uint64_t)w->count * TABLE_ENTRY_BYTES;
    for (uint32_t i = 0; i < w->count; i++) {
        offset = (offset + 7u) & ~(uint64_t)7u;
        ps_bytes_put(payload, w->sections[i].name, PS_CONTAINER_NAME_BYTES);
        ps_bytes_put_u64(payload, offset);
        ps_bytes_put_u64(payload, w->sections[i].size);
        offset += w->sections[i].size;
    }
    for (uint32_t i = 0; i < w->count; i++) {
        ps_bytes_pad(payload, 8);
        ps_bytes_put(payload, w->sections[i].data, w->sections[i].size);
    }
}

ps_status ps_container_encode(ps_container_writer *w, int level, uint8_t **data, size_t *size,
                              ps_error *err)
{
    *data = NULL;
    *size = 0;
    ps_bytes payload;
    ps_bytes_init(&payload);
    build_payload(w, &payload);
    if (payload.status != PS_OK) {
        ps_bytes_free(&payload);
        return ps_error_set(err, payload.status, "cannot assemble the container payload");
    }
    size_t bound = ZSTD_compressBound(payload.size);
    uint8_t *out = NULL;
    size_t total;
    if (!ps_size_add(bound, PS_CONTAINER_HEADER_BYTES, &total) || ps_calloc(total, 1, &out) != PS_OK) {
        ps_bytes_free(&payload);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory compressing %zu bytes", payload.size);
    }
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    size_t frame = cctx ? 0 : (size_t)-1;
    if (cctx) {
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
        frame = ZSTD_compress2(cctx, out + PS_CONTAINER_HEADER_BYTES, bound,
                               payload.data ? payload.data : (const void *)"", payload.size);
        ZSTD_freeCCtx(cctx);
    }
    if (!cctx || ZSTD_isError(frame)) {
        free(out);
        ps_bytes_free(&payload);
        return ps_error_set(err, PS_ERR_NOMEM, "zstd compression failed: %s",
                            cctx ? ZSTD_getErrorName(frame) : "no context");
    }
    uint8_t *h = out;
    memcpy(h, PS_CONTAINER_MAGIC, 4);
    memcpy(h + 4, w->kind, 4);
    ps_store_u16(h + 8, PS_CONTAINER_VERSION);
    ps_store_u16(h + 10, w->content_version);
    ps_store_u32(h + 12, 0); /* flags: none defined */
    ps_store_u64(h + 16, payload.size);
    ps_store_u64(h + 24, frame);
    ps_store_u32(h + 32, w->count);
    ps_store_u32(h + 36, ps_crc32(out + PS_CONTAINER_HEADER_BYTES, frame));
    ps_store_u32(h + 40, 0);
    ps_store_u32(h + HEADER_CRC_OFFSET, ps_crc32(h, HEADER_CRC_OFFSET));
    ps_bytes_free(&payload);
    *data = out;
    *size = PS_CONTAINER_HEADER_BYTES + frame;
    return PS_OK;
}

ps_status ps_container_write(ps_container_writer *w, const char *path, int level, ps_error *err)
{
    uint8_t *data;
    size_t size;
    ps_status s = ps_container_encode(w, level, &data, &size, err);
    if (s != PS_OK) {
        ps_error_prefix(err, "%s", path);
        return s;
    }
    s = ps_write_file_atomic(path, data, size, err);
    free(data);
    return s;
}

void ps_container_writer_destroy(ps_container_writer *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->count; i++)
        free(w->sections[i].data);
    free(w->sections);
    free(w);
}

/* ---------------------------------------------------------------- reader */

struct ps_container {
    ps_container_info info;
    uint8_t *payload;
    const char **names;
    uint64_t *offsets;
    uint64_t *sizes;
};

static ps_status parse_table(ps_container *c, const char *name, ps_error *err)
{
    uint32_t n = c->info.section_count;
    uint64_t table_end = (uint64_t)n * TABLE_ENTRY_BYTES;
    if (table_end > c->info.payload_bytes)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: section table larger than the payload", name);
    if (PS_CALLOC_ARRAY(c->offsets, n) != PS_OK || PS_CALLOC_ARRAY(c->sizes, n) != PS_OK ||
        PS_CALLOC_ARRAY(c->names, n) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", name);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *entry = c->payload + (size_t)i * TABLE_ENTRY_BYTES;
        const char *sname = (const char *)entry;
        if (sname[0] == '\0' || memchr(sname, '\0', PS_CONTAINER_NAME_BYTES) == NULL)
            return ps_error_set(err, PS_ERR_FORMAT, "%s: section %u has a malformed name", name, i);
        uint64_t off = ps_load_u64(entry + PS_CONTAINER_NAME_BYTES);
        uint64_t len = ps_load_u64(entry + PS_CONTAINER_NAME_BYTES + 8);
        if (off < table_end || off > c->info.payload_bytes || len > c->info.payload_bytes - off)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "%s: section '%s' lies outside the payload (offset %llu, %llu bytes)",
                                name, sname, (unsigned long long)off, (unsigned long long)len);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(c->names[j], sname) == 0)
                return ps_error_set(err, PS_ERR_FORMAT, "%s: section '%s' appears twice", name,
                                    sname);
        c->names[i] = sname;
        c->offsets[i] = off;
        c->sizes[i] = len;
    }
    return PS_OK;
}

static ps_status check_header(const uint8_t *h, size_t size, const char *name, const char *kind,
                              uint16_t max_content_version, ps_container_info *info,
                              ps_error *err)
{
    if (size >= 4 && memcmp(h, PS_CONTAINER_MAGIC, 4) != 0)
        return ps_error_set(err, PS_ERR_FOREIGN, "%s: not a primesim file (no 'PSIM' magic)", name);
    if (size < PS_CONTAINER_HEADER_BYTES)
        return ps_error_set(err, PS_ERR_TRUNCATED, "%s: truncated: %zu bytes, shorter than the %d-byte header",
                            name, size, PS_CONTAINER_HEADER_BYTES);
    if (ps_load_u32(h + HEADER_CRC_OFFSET) != ps_crc32(h, HEADER_CRC_OFFSET))
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: header checksum mismatch", name);
    memcpy(info->kind, h + 4, 4);
    info->kind[4] = '\0';
    info->container_version = ps_load_u16(h + 8);
    info->content_version = ps_load_u16(h + 10);
    info->payload_bytes = ps_load_u64(h + 16);
    info->section_count = ps_load_u32(h + 32);
    info->file_bytes = size;
    if (info->container_version > PS_CONTAINER_VERSION)
        return ps_error_set(err, PS_ERR_VERSION,
                            "%s: container format version %u is newer than this build reads (%d); "
                            "update primesim", name, info->container_version, PS_CONTAINER_VERSION);
    if (info->container_version == 0 || ps_load_u32(h + 12) != 0 || ps_load_u32(h + 40) != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: invalid version, flags or reserved bytes", name);
    if (kind && memcmp(info->kind, kind, 4) != 0)
        return ps_error_set(err, PS_ERR_FOREIGN, "%s: holds '%s' content, expected '%s'", name,
                            info->kind, kind);
    if (info->content_version > max_content_version)
        return ps_error_set(err, PS_ERR_VERSION,
                            "%s: '%s' format version %u is newer than this build reads (%u); "
                            "update primesim", name, info->kind, info->content_version,
                            max_content_version);
    if (info->section_count > PS_CONTAINER_MAX_SECTIONS)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: %u sections", name,
                            info->section_count);
    uint64_t frame = ps_load_u64(h + 24);
    uint64_t present = size - PS_CONTAINER_HEADER_BYTES;
    if (frame > present)
        return ps_error_set(err, PS_ERR_TRUNCATED,
                            "%s: truncated: the compressed frame needs %llu bytes, %llu are present",
                            name, (unsigned long long)frame, (unsigned long long)present);
    if (frame < present)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: %llu unexpected bytes after the frame",
                            name, (unsigned long long)(present - frame));
    return PS_OK;
}

ps_status ps_container_decode(const void *data, size_t size, const char *name, const char *kind,
                              uint16_t max_content_version, ps_container **out, ps_error *err)
{
    *out = NULL;
    const uint8_t *h = data;
    ps_container_info info;
    memset(&info, 0, sizeof info);
    ps_status s = check_header(h, size, name, kind, max_content_version, &info, err);
    if (s != PS_OK)
        return s;

    const uint8_t *frame = h + PS_CONTAINER_HEADER_BYTES;
    size_t frame_size = size - PS_CONTAINER_HEADER_BYTES;
    /* zstd's own checksum covers the content; this one covers every frame
     * byte, so even a flip zstd would ignore (an unused bit) is caught. */
    if (ps_load_u32(h + 36) != ps_crc32(frame, frame_size))
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: frame checksum mismatch", name);
    size_t compressed = ZSTD_findFrameCompressedSize(frame, frame_size);
    if (ZSTD_isError(compressed) || compressed != frame_size)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: not one complete zstd frame", name);
    /* Frame header descriptor, bit 2: content checksum present (RFC 8878). */
    if (frame_size < 5 || !((frame[4] >> 2) & 1u))
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: frame has no content checksum", name);
    unsigned long long content = ZSTD_getFrameContentSize(frame, frame_size);
    if (content != info.payload_bytes)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: corrupt: frame content size disagrees with the header", name);
    if (info.payload_bytes > SIZE_MAX)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: payload too large for this machine", name);
    /* The header's size is checked before a byte is allocated: a small
     * frame may declare (and a zstd bomb decompress to) any size. */
    char what[600];
    snprintf(what, sizeof what, "%s: its declared payload of %llu bytes", name,
             (unsigned long long)info.payload_bytes);
    if ((s = ps_memory_check(info.payload_bytes, what, err)) != PS_OK)
        return s;

    ps_container *c;
    if (PS_CALLOC_ARRAY(c, 1) != PS_OK || ps_calloc((size_t)info.payload_bytes, 1, &c->payload) != PS_OK) {
        if (c)
            ps_container_close(c);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: cannot hold %llu payload bytes", name,
                            (unsigned long long)info.payload_bytes);
    }
    c->info = info;
    size_t got = ZSTD_decompress(c->payload, (size_t)info.payload_bytes, frame, frame_size);
    if (ZSTD_isError(got) || got != info.payload_bytes) {
        int checksum = ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_checksum_wrong;
        ps_container_close(c);
        return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt: %s", name,
                            checksum ? "content checksum mismatch"
                                     : (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame"));
    }
    s = parse_table(c, name, err);
    if (s != PS_OK) {
        ps_container_close(c);
        return s;
    }
    *out = c;
    return PS_OK;
}

ps_status ps_container_open(const char *path, const char *kind, uint16_t max_content_version,
                            ps_container **out, ps_error *err)
{
    *out = NULL;
    uint8_t *data;
    size_t size;
    ps_status s = ps_read_file(path, &data, &size, err);
    if (s != PS_OK)
        return s;
    s = ps_container_decode(data, size, path, kind, max_content_version, out, err);
    free(data);
    return s;
}

ps_container_info ps_container_get_info(const ps_container *c) { return c->info; }

ps_status ps_container_section(const ps_container *c, const char *name, const void **data,
                               size_t *size, ps_error *err)
{
    for (uint32_t i = 0; i < c->info.section_count; i++) {
        if (strcmp(c->names[i], name) == 0) {
            *data = c->payload + c->offsets[i];
            *size = (size_t)c->sizes[i];
            return PS_OK;
        }
    }
    *data = NULL;
    *size = 0;
    return ps_error_set(err, PS_ERR_NOT_FOUND, "no section '%s'", name);
}

const char *ps_container_section_name(const ps_container *c, uint32_t index)
{
    return index < c->info.section_count ? c->names[index] : NULL;
}

uint64_t ps_container_section_size(const ps_container *c, uint32_t index)
{
    return index < c->info.section_count ? c->sizes[index] : 0;
}

void ps_container_close(ps_container *c)
{
    if (!c)
        return;
    free(c->payload);
    free(c->names);
    free(c->offsets);
    free(c->sizes);
    free(c);
}
