#include "data/nmnist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "container.h"
#include "fileio.h"

/* ---- one sample ---- */

static void note_issue(ps_event_issues *is, bool *noted_file, ps_bad_event kind, const char *name,
                       size_t index, const char *detail)
{
    if (!is)
        return;
    is->count[kind]++;
    if (!*noted_file) {
        is->files_with_issues++;
        *noted_file = true;
    }
    if (!is->first[0])
        snprintf(is->first, sizeof is->first, "%.200s: event %zu: %.150s", name, index, detail);
}

ps_status ps_nmnist_decode(const uint8_t *data, size_t size, const char *name, bool strict,
                           ps_event_buf *out, ps_event_issues *issues, ps_error *err)
{
    const size_t n = size / PS_NMNIST_EVENT_BYTES, tail = size % PS_NMNIST_EVENT_BYTES;
    bool noted = false;
    char detail[160];
    if (tail) {
        snprintf(detail, sizeof detail,
                 "file length %zu is not a multiple of 5 (%zu trailing byte%s)", size, tail,
                 tail == 1 ? "" : "s");
        if (strict)
            return ps_error_set(err, PS_ERR_TRUNCATED, "%s: event %zu: %s", name, n, detail);
    }
    ps_status st = ps_event_buf_reserve(out, out->count + n);
    if (st != PS_OK)
        return ps_error_set(err, st, "%s: cannot hold %zu events", name, n);
    uint32_t last_t = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *b = data + i * PS_NMNIST_EVENT_BYTES;
        ps_event e = {.t_us = ((uint32_t)(b[2] & 0x7f) << 16) | ((uint32_t)b[3] << 8) | b[4],
                      .x = b[0],
                      .y = b[1],
                      .p = (uint8_t)(b[2] >> 7)};
        if (e.x >= PS_EVENT_WIDTH || e.y >= PS_EVENT_HEIGHT) {
            snprintf(detail, sizeof detail, "coordinate (x %u, y %u) outside 34x34", e.x, e.y);
            if (strict)
                return ps_error_set(err, PS_ERR_FORMAT, "%s: event %zu: %s", name, i, detail);
            note_issue(issues, &noted, PS_BAD_COORDINATE, name, i, detail);
            continue;
        }
        if (any && e.t_us < last_t) {
            snprintf(detail, sizeof detail, "timestamp %u us goes backwards (previous %u us)",
                     e.t_us, last_t);
            if (strict)
                return ps_error_set(err, PS_ERR_FORMAT, "%s: event %zu: %s", name, i, detail);
            note_issue(issues, &noted, PS_BAD_TIME_BACKWARDS, name, i, detail);
            continue;
        }
        out->ev[out->count++] = e;
        last_t = e.t_us;
        any = true;
    }
    if (tail)
        note_issue(issues, &noted, PS_BAD_TRUNCATED, name, n, detail);
    return PS_OK;
}

/* What ps_nmnist_encode refuses: an event the format cannot hold or a reader
 * would reject. */
static ps_status check_events(const ps_event *ev, size_t n, ps_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const ps_event *e = &ev[i];
        if (e->x >= PS_EVENT_WIDTH || e->y >= PS_EVENT_HEIGHT)
            return ps_error_set(err, PS_ERR_RANGE, "event %zu: coordinate (x %u, y %u) outside 34x34",
                                i, e->x, e->y);
        if (e->t_us > PS_EVENT_MAX_T_US)
            return ps_error_set(err, PS_ERR_RANGE,
                                "event %zu: timestamp %u us does not fit 23 bits", i, e->t_us);
        if (i > 0 && e->t_us < ev[i - 1].t_us)
            return ps_error_set(err, PS_ERR_RANGE, "event %zu: timestamp %u us goes backwards",
                                i, e->t_us);
    }
    return PS_OK;
}

ps_status ps_nmnist_encode(const ps_event *ev, size_t n, ps_bytes *out, ps_error *err)
{
    ps_status st = check_events(ev, n, err);
    if (st != PS_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        const ps_event *e = &ev[i];
        uint8_t b[5] = {e->x, e->y, (uint8_t)((e->p ? 0x80u : 0u) | (e->t_us >> 16)),
                        (uint8_t)(e->t_us >> 8), (uint8_t)e->t_us};
        ps_bytes_put(out, b, sizeof b);
    }
    if (out->status != PS_OK)
        return ps_error_set(err, out->status, "cannot hold %zu events", n);
    return PS_OK;
}

ps_status ps_nmnist_read_file(const char *path, bool strict, ps_event_buf *out,
                              ps_event_issues *issues, ps_error *err)
{
    uint8_t *data = NULL;
    size_t size = 0;
    ps_status st = ps_read_file(path, &data, &size, err);
    if (st != PS_OK)
        return st;
    st = ps_nmnist_decode(data, size, path, strict, out, issues, err);
    free(data);
    return st;
}

ps_status ps_nmnist_write_bytes(const char *path, const uint8_t *data, size_t size, ps_error *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    size_t put = size ? fwrite(data, 1, size, f) : 0;
    int failed = put != size;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return ps_error_set(err, PS_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    return PS_OK;
}

ps_status ps_nmnist_write_file(const char *path, const ps_event *ev, size_t n, ps_error *err)
{
    ps_bytes b;
    ps_bytes_init(&b);
    ps_status st = ps_nmnist_encode(ev, n, &b, err);
    if (st == PS_OK)
        st = ps_nmnist_write_bytes(path, b.data, b.size, err);
    else
        ps_error_prefix(err, "%s", path);
    ps_bytes_free(&b);
    return st;
}

/* ---- the directory layout ---- */

const char *ps_split_dir_name(ps_split s)
{
    return s == PS_SPLIT_TRAIN ? "Train" : s == PS_SPLIT_TEST ? "Test" : "";
}

int ps_nmnist_entry_path(const char *root, const ps_nmnist_entry *e, char *buf, size_t size)
{
    if (e->split == PS_SPLIT_NONE)
        return snprintf(buf, size, "%s/%u/%05u.bin", root, e->label, e->id);
    return snprintf(buf, size, "%s/%s/%u/%05u.bin", root, ps_split_dir_name((ps_split)e->split),
                    e->label, e->id);
}

/* ---- the packed form ---- */

/* Section "samples": one 12-byte record per sample (both versions). */
#define SAMPLE_RECORD_BYTES 12
/* Version 2: a timestamp delta's high part (delta >> 8, below 2^15) takes at
 * most 3 varint bytes. */
#define T_HI_MAX_BYTES 3
#define PIXELS (PS_EVENT_WIDTH * PS_EVENT_HEIGHT)

/* Version 2 keeps the events as columns (workloads/FORMAT.md). */
struct ps_nmnist_packer {
    ps_bytes samples;
    ps_bytes t_lo, t_hi, x, y, p_flip;
    uint64_t events;
    uint32_t count;
};

ps_status ps_nmnist_packer_create(ps_nmnist_packer **out)
{
    ps_nmnist_packer *pk = NULL;
    ps_status st = ps_calloc(1, sizeof *pk, &pk);
    if (st != PS_OK)
        return st;
    ps_bytes_init(&pk->samples);
    ps_bytes_init(&pk->t_lo);
    ps_bytes_init(&pk->t_hi);
    ps_bytes_init(&pk->x);
    ps_bytes_init(&pk->y);
    ps_bytes_init(&pk->p_flip);
    *out = pk;
    return PS_OK;
}

static bool packer_ok(const ps_nmnist_packer *pk)
{
    return pk->samples.status == PS_OK && pk->t_lo.status == PS_OK && pk->t_hi.status == PS_OK &&
           pk->x.status == PS_OK && pk->y.status == PS_OK && pk->p_flip.status == PS_OK;
}

ps_status ps_nmnist_packer_add(ps_nmnist_packer *pk, const ps_nmnist_entry *e, const ps_event *ev,
                               size_t n, ps_error *err)
{
    if (e->label > 9 || e->split > PS_SPLIT_NONE || n > UINT32_MAX || pk->count == UINT32_MAX)
        return ps_error_set(err, PS_ERR_RANGE, "sample %u: label, split or event count out of range",
                            e->id);
    ps_status st = check_events(ev, n, err);
    if (st != PS_OK) {
        ps_error_prefix(err, "sample %u", e->id);
        return st;
    }
    uint8_t last_p[PIXELS];
    memset(last_p, 1, sizeof last_p); /* a pixel's first event is predicted ON */
    uint32_t last_t = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t d = ev[i].t_us - last_t;
        last_t = ev[i].t_us;
        ps_bytes_put_u8(&pk->t_lo, (uint8_t)d);
        uint32_t hi = d >> 8;
        while (hi >= 0x80) {
            ps_bytes_put_u8(&pk->t_hi, (uint8_t)(hi | 0x80));
            hi >>= 7;
        }
        ps_bytes_put_u8(&pk->t_hi, (uint8_t)hi);
        ps_bytes_put_u8(&pk->x, ev[i].x);
        ps_bytes_put_u8(&pk->y, ev[i].y);
        const size_t pixel = (size_t)ev[i].y * PS_EVENT_WIDTH + ev[i].x;
        const uint8_t p = ev[i].p ? 1 : 0, flip = p ^ last_p[pixel];
        last_p[pixel] = p;
        const uint64_t k = pk->events + i;
        if (k % 8 == 0)
            ps_bytes_put_u8(&pk->p_flip, 0);
        if (flip && pk->p_flip.status == PS_OK)
            pk->p_flip.data[pk->p_flip.size - 1] |= (uint8_t)(1u << (k % 8));
    }
    pk->events += n;
    ps_bytes_put_u32(&pk->samples, e->id);
    ps_bytes_put_u8(&pk->samples, e->label);
    ps_bytes_put_u8(&pk->samples, e->split);
    ps_bytes_put_u16(&pk->samples, 0);
    ps_bytes_put_u32(&pk->samples, (uint32_t)n);
    pk->count++;
    if (!packer_ok(pk))
        return ps_error_set(err, PS_ERR_NOMEM, "packed dataset too large for memory");
    return PS_OK;
}

ps_status ps_nmnist_packer_add_encoded(ps_nmnist_packer *pk, const ps_nmnist_entry *e,
                                       const uint8_t *data, size_t size, ps_error *err)
{
    if (size % PS_NMNIST_EVENT_BYTES)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "sample %u: %zu bytes is not whole events",
                            e->id, size);
    char name[32];
    snprintf(name, sizeof name, "sample %u", e->id);
    ps_event_buf b;
    ps_event_buf_init(&b);
    ps_status st = ps_nmnist_decode(data, size, name, true, &b, NULL, err);
    if (st == PS_OK)
        st = ps_nmnist_packer_add(pk, e, b.ev, b.count, err);
    ps_event_buf_free(&b);
    return st;
}

ps_status ps_nmnist_packer_write(ps_nmnist_packer *pk, const char *path, ps_error *err)
{
    ps_bytes info;
    ps_bytes_init(&info);
    ps_bytes_put_u32(&info, pk->count);
    ps_bytes_put_u64(&info, pk->events);
    ps_bytes_put_u16(&info, PS_EVENT_WIDTH);
    ps_bytes_put_u16(&info, PS_EVENT_HEIGHT);
    ps_container_writer *w = NULL;
    ps_status st = ps_container_writer_create(PS_NMNIST_PACKED_KIND, PS_NMNIST_PACKED_VERSION, &w);
    if (st != PS_OK)
        ps_error_set(err, st, "%s: cannot create the container writer", path);
    const struct {
        const char *name;
        const ps_bytes *b;
    } sections[] = {{"info", &info},      {"samples", &pk->samples}, {"t_lo", &pk->t_lo},
                    {"t_hi", &pk->t_hi},  {"x", &pk->x},             {"y", &pk->y},
                    {"p_flip", &pk->p_flip}};
    for (size_t i = 0; st == PS_OK && i < sizeof sections / sizeof sections[0]; i++)
        st = ps_container_add(w, sections[i].name, sections[i].b->data, sections[i].b->size, err);
    if (st == PS_OK)
        st = ps_container_write(w, path, 0, err);
    ps_container_writer_destroy(w);
    ps_bytes_free(&info);
    return st;
}

void ps_nmnist_packer_destroy(ps_nmnist_packer *pk)
{
    if (!pk)
        return;
    ps_bytes_free(&pk->samples);
    ps_bytes_free(&pk->t_lo);
    ps_bytes_free(&pk->t_hi);
    ps_bytes_free(&pk->x);
    ps_bytes_free(&pk->y);
    ps_bytes_free(&pk->p_flip);
    free(pk);
}

struct ps_nmnist_packed {
    ps_container *c;
    char name[1024];
    uint16_t version;
    size_t count;
    uint64_t total_events;
    ps_nmnist_entry *entries;
    uint64_t *offsets;     /* count + 1 event offsets */
    const uint8_t *events; /* version 1: 5-byte events */
    /* version 2: the columns, and count + 1 byte offsets into t_hi */
    const uint8_t *t_lo, *t_hi, *x, *y, *p_flip;
    uint64_t *t_hi_offsets;
};

/* A version 2 column: the section must hold exactly want bytes. */
static ps_status column(ps_nmnist_packed *pk, const char *section, uint64_t want,
                        const uint8_t **out, ps_error *err)
{
    const void *p;
    size_t n;
    ps_status st = ps_container_section(pk->c, section, &p, &n, err);
    if (st != PS_OK) {
        ps_error_prefix(err, "%s", pk->name);
        return st;
    }
    if ((uint64_t)n != want)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: section %s has %zu bytes, expected %llu for %llu events",
                            pk->name, section, n, (unsigned long long)want,
                            (unsigned long long)pk->total_events);
    *out = p;
    return PS_OK;
}

/* Version 2: the columns' lengths, every timestamp delta's varint and every
 * timestamp's range; fills t_hi_offsets. */
static ps_status parse_v2(ps_nmnist_packed *pk, ps_error *err)
{
    const uint64_t total = pk->total_events;
    ps_status st;
    if ((st = column(pk, "t_lo", total, &pk->t_lo, err)) != PS_OK ||
        (st = column(pk, "x", total, &pk->x, err)) != PS_OK ||
        (st = column(pk, "y", total, &pk->y, err)) != PS_OK ||
        (st = column(pk, "p_flip", (total + 7) / 8, &pk->p_flip, err)) != PS_OK)
        return st;
    if (total % 8 && (pk->p_flip[total / 8] >> (total % 8)) != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: section p_flip: unused bits after event %llu are not zero",
                            pk->name, (unsigned long long)total - 1);
    const void *hi_p;
    size_t hi_n;
    if ((st = ps_container_section(pk->c, "t_hi", &hi_p, &hi_n, err)) != PS_OK) {
        ps_error_prefix(err, "%s", pk->name);
        return st;
    }
    pk->t_hi = hi_p;
    if ((st = ps_calloc(pk->count + 1, sizeof *pk->t_hi_offsets, &pk->t_hi_offsets)) != PS_OK)
        return ps_error_set(err, st, "%s: cannot index %zu samples", pk->name, pk->count);
    size_t pos = 0;
    for (size_t i = 0; i < pk->count; i++) {
        pk->t_hi_offsets[i] = pos;
        const uint64_t first = pk->offsets[i], n = pk->offsets[i + 1] - first;
        uint64_t t = 0;
        for (uint64_t j = 0; j < n; j++) {
            uint32_t hi = 0;
            for (int b = 0;; b++) {
                if (pos >= hi_n)
                    return ps_error_set(err, PS_ERR_FORMAT,
                                        "%s: sample %zu: event %llu: section t_hi ends inside the "
                                        "timestamp (%zu bytes)",
                                        pk->name, i, (unsigned long long)j, hi_n);
                const uint8_t byte = pk->t_hi[pos++];
                hi |= (uint32_t)(byte & 0x7f) << (7 * b);
                if (!(byte & 0x80))
                    break;
                if (b + 1 == T_HI_MAX_BYTES)
                    return ps_error_set(err, PS_ERR_FORMAT,
                                        "%s: sample %zu: event %llu: timestamp delta takes more "
                                        "than %d bytes in section t_hi",
                                        pk->name, i, (unsigned long long)j, T_HI_MAX_BYTES);
            }
            t += ((uint64_t)hi << 8) | pk->t_lo[first + j];
            if (t > PS_EVENT_MAX_T_US)
                return ps_error_set(err, PS_ERR_FORMAT,
                                    "%s: sample %zu: event %llu: timestamp %llu us overflows 23 bits",
                                    pk->name, i, (unsigned long long)j, (unsigned long long)t);
        }
    }
    if (pos != hi_n)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: section t_hi has %zu bytes, the %llu events use %zu", pk->name,
                            hi_n, (unsigned long long)total, pos);
    pk->t_hi_offsets[pk->count] = pos;
    return PS_OK;
}

static ps_status packed_parse(ps_nmnist_packed *pk, ps_error *err)
{
    const void *info_p, *samples_p;
    size_t info_n, samples_n;
    ps_status st;
    pk->version = ps_container_get_info(pk->c).content_version;
    if ((st = ps_container_section(pk->c, "info", &info_p, &info_n, err)) != PS_OK ||
        (st = ps_container_section(pk->c, "samples", &samples_p, &samples_n, err)) != PS_OK) {
        ps_error_prefix(err, "%s", pk->name);
        return st;
    }
    ps_reader r = ps_reader_of(info_p, info_n);
    uint32_t count = ps_reader_u32(&r);
    uint64_t total = ps_reader_u64(&r);
    uint16_t width = ps_reader_u16(&r), height = ps_reader_u16(&r);
    if (r.overrun)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: section info is short", pk->name);
    if (width != PS_EVENT_WIDTH || height != PS_EVENT_HEIGHT)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: sensor %ux%u, expected 34x34", pk->name,
                            width, height);
    if ((uint64_t)samples_n != (uint64_t)count * SAMPLE_RECORD_BYTES)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: section samples has %zu bytes, expected %u records of 12",
                            pk->name, samples_n, count);
    if (pk->version < 2) {
        const void *events_p;
        size_t events_n;
        if ((st = ps_container_section(pk->c, "events", &events_p, &events_n, err)) != PS_OK) {
            ps_error_prefix(err, "%s", pk->name);
            return st;
        }
        if ((uint64_t)events_n / PS_NMNIST_EVENT_BYTES != total ||
            events_n % PS_NMNIST_EVENT_BYTES)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "%s: section events has %zu bytes, expected %llu events of 5",
                                pk->name, events_n, (unsigned long long)total);
        pk->events = events_p;
    }
    if ((st = ps_calloc(count, sizeof *pk->entries, &pk->entries)) != PS_OK ||
        (st = ps_calloc((size_t)count + 1, sizeof *pk->offsets, &pk->offsets)) != PS_OK)
        return ps_error_set(err, st, "%s: cannot index %u samples", pk->name, count);
    r = ps_reader_of(samples_p, samples_n);
    uint64_t offset = 0;
    for (uint32_t i = 0; i < count; i++) {
        ps_nmnist_entry *e = &pk->entries[i];
        e->id = ps_reader_u32(&r);
        e->label = ps_reader_u8(&r);
        e->split = ps_reader_u8(&r);
        (void)ps_reader_u16(&r);
        uint32_t n = ps_reader_u32(&r);
        if (e->label > 9 || e->split > PS_SPLIT_NONE)
            return ps_error_set(err, PS_ERR_FORMAT, "%s: sample %u: label %u or split %u invalid",
                                pk->name, i, e->label, e->split);
        pk->offsets[i] = offset;
        offset += n;
        if (offset > total)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "%s: sample %u: event counts exceed the %llu events stored",
                                pk->name, i, (unsigned long long)total);
    }
    if (offset != total)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: samples hold %llu events, section has %llu",
                            pk->name, (unsigned long long)offset, (unsigned long long)total);
    pk->offsets[count] = offset;
    pk->count = count;
    pk->total_events = total;
    if (pk->version >= 2)
        return parse_v2(pk, err);
    return PS_OK;
}

static ps_status packed_finish(ps_nmnist_packed *pk, ps_nmnist_packed **out, ps_error *err)
{
    ps_status st = packed_parse(pk, err);
    if (st != PS_OK) {
        ps_nmnist_packed_close(pk);
        return st;
    }
    *out = pk;
    return PS_OK;
}

ps_status ps_nmnist_packed_open(const char *path, ps_nmnist_packed **out, ps_error *err)
{
    *out = NULL;
    ps_nmnist_packed *pk = NULL;
    ps_status st = ps_calloc(1, sizeof *pk, &pk);
    if (st != PS_OK)
        return ps_error_set(err, st, "out of memory");
    snprintf(pk->name, sizeof pk->name, "%s", path);
    st = ps_container_open(path, PS_NMNIST_PACKED_KIND, PS_NMNIST_PACKED_VERSION, &pk->c, err);
    if (st != PS_OK) {
        free(pk);
        return st;
    }
    return packed_finish(pk, out, err);
}

ps_status ps_nmnist_packed_decode(const void *data, size_t size, const char *name,
                                  ps_nmnist_packed **out, ps_error *err)
{
    *out = NULL;
    ps_nmnist_packed *pk = NULL;
    ps_status st = ps_calloc(1, sizeof *pk, &pk);
    if (st != PS_OK)
        return ps_error_set(err, st, "out of memory");
    snprintf(pk->name, sizeof pk->name, "%s", name);
    st = ps_container_decode(data, size, name, PS_NMNIST_PACKED_KIND, PS_NMNIST_PACKED_VERSION,
                             &pk->c, err);
    if (st != PS_OK) {
        free(pk);
        return st;
    }
    return packed_finish(pk, out, err);
}

size_t ps_nmnist_packed_count(const ps_nmnist_packed *pk) { return pk->count; }
uint64_t ps_nmnist_packed_total_events(const ps_nmnist_packed *pk) { return pk->total_events; }
uint16_t ps_nmnist_packed_version(const ps_nmnist_packed *pk) { return pk->version; }

ps_nmnist_entry ps_nmnist_packed_entry(const ps_nmnist_packed *pk, size_t i)
{
    return pk->entries[i];
}

/* Version 2: sample i's events from the columns (t_hi already checked by
 * parse_v2). Coordinates are checked as an event file's. */
static ps_status decode_v2(const ps_nmnist_packed *pk, size_t i, const char *name, bool strict,
                           ps_event_buf *out, ps_event_issues *issues, ps_error *err)
{
    const uint64_t first = pk->offsets[i], n = pk->offsets[i + 1] - first;
    ps_status st = ps_event_buf_reserve(out, out->count + (size_t)n);
    if (st != PS_OK)
        return ps_error_set(err, st, "%s: cannot hold %llu events", name, (unsigned long long)n);
    uint8_t last_p[PIXELS];
    memset(last_p, 1, sizeof last_p);
    const uint8_t *h = pk->t_hi + pk->t_hi_offsets[i];
    uint32_t t = 0;
    bool noted = false;
    char detail[160];
    for (uint64_t j = 0; j < n; j++) {
        const uint64_t k = first + j;
        uint32_t hi = 0;
        for (int b = 0;; b++) {
            const uint8_t byte = *h++;
            hi |= (uint32_t)(byte & 0x7f) << (7 * b);
            if (!(byte & 0x80))
                break;
        }
        t += (hi << 8) | pk->t_lo[k];
        const uint8_t x = pk->x[k], y = pk->y[k], flip = (pk->p_flip[k / 8] >> (k % 8)) & 1;
        if (x >= PS_EVENT_WIDTH || y >= PS_EVENT_HEIGHT) {
            snprintf(detail, sizeof detail, "coordinate (x %u, y %u) outside 34x34", x, y);
            if (strict)
                return ps_error_set(err, PS_ERR_FORMAT, "%s: event %llu: %s", name,
                                    (unsigned long long)j, detail);
            note_issue(issues, &noted, PS_BAD_COORDINATE, name, (size_t)j, detail);
            continue;
        }
        const size_t pixel = (size_t)y * PS_EVENT_WIDTH + x;
        const uint8_t p = last_p[pixel] ^ flip;
        last_p[pixel] = p;
        out->ev[out->count++] = (ps_event){.t_us = t, .x = x, .y = y, .p = p};
    }
    return PS_OK;
}

ps_status ps_nmnist_packed_events(const ps_nmnist_packed *pk, size_t i, bool strict,
                                  ps_event_buf *out, ps_event_issues *issues, ps_error *err)
{
    if (i >= pk->count)
        return ps_error_set(err, PS_ERR_RANGE, "%s: sample %zu of %zu", pk->name, i, pk->count);
    char name[1100];
    snprintf(name, sizeof name, "%s[%zu]", pk->name, i);
    if (pk->version >= 2)
        return decode_v2(pk, i, name, strict, out, issues, err);
    const uint64_t first = pk->offsets[i], n = pk->offsets[i + 1] - first;
    return ps_nmnist_decode(pk->events + first * PS_NMNIST_EVENT_BYTES,
                            (size_t)n * PS_NMNIST_EVENT_BYTES, name, strict, out, issues, err);
}

void ps_nmnist_packed_close(ps_nmnist_packed *pk)
{
    if (!pk)
        return;
    ps_container_close(pk->c);
    free(pk->entries);
    free(pk->offsets);
    free(pk->t_hi_offsets);
    free(pk);
}
