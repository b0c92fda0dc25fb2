#include "data/idx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "data/proc.h"
#include "fileio.h"

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

ps_status ps_idx_decode(const uint8_t *bytes, size_t size, const char *name, ps_idx_array *out,
                        ps_error *err)
{
    memset(out, 0, sizeof *out);
    if (size < 4)
        return ps_error_set(err, PS_ERR_TRUNCATED, "%s: %zu bytes, too short for an IDX header",
                            name, size);
    if (bytes[0] != 0 || bytes[1] != 0)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: corrupt IDX header: magic bytes 0x%02x 0x%02x, expected 0x00 0x00",
                            name, bytes[0], bytes[1]);
    if (bytes[2] != PS_IDX_TYPE_U8)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: corrupt IDX header: data type 0x%02x, only 0x08 (unsigned byte) "
                            "is supported",
                            name, bytes[2]);
    uint32_t ndim = bytes[3];
    if (ndim < 1 || ndim > PS_IDX_MAX_DIMS)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: corrupt IDX header: %u dimensions, expected 1..%d", name, ndim,
                            PS_IDX_MAX_DIMS);
    size_t header = 4 + 4 * (size_t)ndim;
    if (size < header)
        return ps_error_set(err, PS_ERR_TRUNCATED, "%s: file ends inside the IDX header", name);
    size_t total = 1;
    for (uint32_t d = 0; d < ndim; d++) {
        out->dims[d] = load_be32(bytes + 4 + 4 * d);
        if (!ps_size_mul(total, out->dims[d], &total))
            return ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt IDX header: dimensions overflow",
                                name);
    }
    if (size - header < total)
        return ps_error_set(err, PS_ERR_TRUNCATED,
                            "%s: truncated: header promises %zu data bytes, file has %zu", name,
                            total, size - header);
    if (size - header > total)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: %zu bytes after the %zu data bytes the header promises", name,
                            size - header - total, total);
    ps_status st = ps_calloc(total, 1, &out->data);
    if (st != PS_OK)
        return ps_error_set(err, st, "%s: cannot hold %zu bytes", name, total);
    memcpy(out->data, bytes + header, total);
    out->ndim = ndim;
    out->size = total;
    return PS_OK;
}

ps_status ps_idx_encode(const ps_idx_array *a, ps_bytes *out)
{
    if (a->ndim < 1 || a->ndim > PS_IDX_MAX_DIMS)
        return PS_ERR_INVALID_ARG;
    uint8_t head[4] = {0, 0, PS_IDX_TYPE_U8, (uint8_t)a->ndim};
    ps_bytes_put(out, head, 4);
    size_t total = 1;
    for (uint32_t d = 0; d < a->ndim; d++) {
        uint8_t be[4] = {(uint8_t)(a->dims[d] >> 24), (uint8_t)(a->dims[d] >> 16),
                         (uint8_t)(a->dims[d] >> 8), (uint8_t)a->dims[d]};
        ps_bytes_put(out, be, 4);
        total *= a->dims[d];
    }
    if (total != a->size)
        return PS_ERR_INVALID_ARG;
    ps_bytes_put(out, a->data, a->size);
    return out->status;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

ps_status ps_idx_read(const char *path, ps_idx_array *out, ps_error *err)
{
    memset(out, 0, sizeof *out);
    if (ends_with(path, ".gz")) {
        struct stat st;
        if (stat(path, &st) != 0)
            return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such file", path);
        ps_bytes raw;
        ps_bytes_init(&raw);
        const char *argv[] = {"gzip", "-dc", "--", path, NULL};
        ps_status s = ps_run_program(argv, NULL, &raw, err);
        if (s != PS_OK) {
            ps_bytes_free(&raw);
            ps_error_prefix(err, "%s: cannot decompress", path);
            return s == PS_ERR_IO ? PS_ERR_FORMAT : s;
        }
        s = ps_idx_decode(raw.data, raw.size, path, out, err);
        ps_bytes_free(&raw);
        return s;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    ps_status s = ps_read_file(path, &data, &size, err);
    if (s != PS_OK)
        return s;
    s = ps_idx_decode(data, size, path, out, err);
    free(data);
    return s;
}

ps_status ps_idx_write(const char *path, const ps_idx_array *a, ps_error *err)
{
    ps_bytes b;
    ps_bytes_init(&b);
    ps_status s = ps_idx_encode(a, &b);
    if (s != PS_OK)
        s = ps_error_set(err, s, "%s: dimensions do not match the data", path);
    else
        s = ps_write_file_atomic(path, b.data, b.size, err);
    ps_bytes_free(&b);
    return s;
}

void ps_idx_free(ps_idx_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

void ps_image_set_free(ps_image_set *s)
{
    free(s->images);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

int ps_idx_images_name(const char *prefix, char *buf, size_t size)
{
    return snprintf(buf, size, "%s-images-idx3-ubyte", prefix);
}

int ps_idx_labels_name(const char *prefix, char *buf, size_t size)
{
    return snprintf(buf, size, "%s-labels-idx1-ubyte", prefix);
}

/* The first existing file among the spellings of dir/<prefix>-<what>. */
static int find_variant(const char *dir, const char *prefix, const char *what, int dims,
                        char *buf, size_t size)
{
    static const char *const seps[] = {"-", "."};
    static const char *const exts[] = {"", ".gz"};
    struct stat st;
    for (int s = 0; s < 2; s++)
        for (int e = 0; e < 2; e++) {
            snprintf(buf, size, "%s/%s-%s%sidx%d-ubyte%s", dir, prefix, what, seps[s], dims, exts[e]);
            if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                return 1;
        }
    snprintf(buf, size, "%s/%s-%s-idx%d-ubyte", dir, prefix, what, dims);
    return 0;
}

ps_status ps_image_set_load(const char *dir, const char *prefix, ps_image_set *out, ps_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such directory", dir);
    char ipath[4096], lpath[4096];
    if (!find_variant(dir, prefix, "images", 3, ipath, sizeof ipath))
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such file (nor .gz or .idx3-ubyte)",
                            ipath);
    if (!find_variant(dir, prefix, "labels", 1, lpath, sizeof lpath))
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such file (nor .gz or .idx1-ubyte)",
                            lpath);
    ps_idx_array im, lb;
    ps_status s = ps_idx_read(ipath, &im, err);
    if (s != PS_OK)
        return s;
    if (im.ndim != 3 || im.dims[1] == 0 || im.dims[2] == 0) {
        ps_idx_free(&im);
        return ps_error_set(err, PS_ERR_FORMAT, "%s: expected 3 dimensions (count, rows, cols)",
                            ipath);
    }
    s = ps_idx_read(lpath, &lb, err);
    if (s != PS_OK) {
        ps_idx_free(&im);
        return s;
    }
    if (lb.ndim != 1 || lb.dims[0] != im.dims[0]) {
        s = ps_error_set(err, PS_ERR_FORMAT, "%s: expected 1 dimension of %u labels (as %s)", lpath,
                         im.dims[0], ipath);
    }
    for (size_t i = 0; s == PS_OK && i < lb.size; i++)
        if (lb.data[i] > 9)
            s = ps_error_set(err, PS_ERR_FORMAT, "%s: label %zu is %u, expected 0..9", lpath, i,
                             lb.data[i]);
    if (s != PS_OK) {
        ps_idx_free(&im);
        ps_idx_free(&lb);
        return s;
    }
    out->count = im.dims[0];
    out->rows = im.dims[1];
    out->cols = im.dims[2];
    out->images = im.data;
    out->labels = lb.data;
    return PS_OK;
}

ps_status ps_image_set_save(const char *dir, const char *prefix, const ps_image_set *s,
                            ps_error *err)
{
    if (s->count > UINT32_MAX)
        return ps_error_set(err, PS_ERR_RANGE, "%zu images do not fit an IDX header", s->count);
    ps_status st = ps_make_dirs(dir, err);
    if (st != PS_OK)
        return st;
    char name[256], path[4096];
    ps_idx_array im = {.ndim = 3,
                       .dims = {(uint32_t)s->count, s->rows, s->cols},
                       .data = s->images,
                       .size = s->count * s->rows * s->cols};
    ps_idx_images_name(prefix, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((st = ps_idx_write(path, &im, err)) != PS_OK)
        return st;
    ps_idx_array lb = {.ndim = 1, .dims = {(uint32_t)s->count}, .data = s->labels, .size = s->count};
    ps_idx_labels_name(prefix, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ps_idx_write(path, &lb, err);
}
