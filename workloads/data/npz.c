#include "data/npz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "common/alloc.h"
#include "common/memory.h"

/* The header dict: {'descr': '<u4', 'fortran_order': False, 'shape': (n,), } */
static const char *dict_value(const char *h, size_t len, const char *key)
{
    const size_t k = strlen(key);
    for (size_t i = 0; i + k + 3 <= len; i++)
        if ((h[i] == '\'' || h[i] == '"') && memcmp(h + i + 1, key, k) == 0 && h[i + 1 + k] == h[i]) {
            const char *p = h + i + k + 2;
            while (p < h + len && (*p == ' ' || *p == ':'))
                p++;
            return p < h + len ? p : NULL;
        }
    return NULL;
}

ps_status ps_npy_decode(const uint8_t *data, size_t size, const char *name, ps_npz_array *out,
                        ps_error *err)
{
    out->v = NULL;
    out->n = 0;
    if (size < 10 || memcmp(data, "\x93NUMPY", 6) != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: not an .npy array (no \\x93NUMPY magic)", name);
    const unsigned major = data[6];
    if (major < 1 || major > 3)
        return ps_error_set(err, PS_ERR_VERSION, "%s: .npy format version %u is not 1..3", name,
                            major);
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)data[8] | (size_t)data[9] << 8;
        off = 10;
    } else {
        if (size < 12)
            return ps_error_set(err, PS_ERR_TRUNCATED, "%s: file ends inside the .npy header", name);
        hlen = (size_t)data[8] | (size_t)data[9] << 8 | (size_t)data[10] << 16 |
               (size_t)data[11] << 24;
        off = 12;
    }
    if (hlen > size - off)
        return ps_error_set(err, PS_ERR_TRUNCATED, "%s: file ends inside the .npy header", name);
    const char *h = (const char *)data + off;
    const char *descr = dict_value(h, hlen, "descr");
    const char *fortran = dict_value(h, hlen, "fortran_order");
    const char *shape = dict_value(h, hlen, "shape");
    if (!descr || !fortran || !shape)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "%s: .npy header lacks descr, fortran_order or shape", name);
    /* descr: a quoted '<' '>' '|' or '=' then i/u/b and the item size */
    const char *end = h + hlen;
    if (end - descr < 5 || (descr[0] != '\'' && descr[0] != '"') ||
        !strchr("<>|=", descr[1]) || !strchr("iub", descr[2]) || !strchr("1248", descr[3]) ||
        descr[4] != descr[0])
        return ps_error_set(err, PS_ERR_UNSUPPORTED,
                            "%s: only integer arrays are read (descr '<u4', '>i2', ...): %.*s",
                            name, (int)(end - descr > 12 ? 12 : end - descr), descr);
    const bool big = descr[1] == '>', is_signed = descr[2] == 'i';
    const size_t item = (size_t)(descr[3] - '0');
    if (strncmp(fortran, "False", 5) != 0 && strncmp(fortran, "True", 4) != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "%s: fortran_order is neither True nor False", name);
    /* shape: (n,) or (n) — one dimension */
    const char *p = shape;
    if (*p != '(')
        return ps_error_set(err, PS_ERR_FORMAT, "%s: malformed shape", name);
    p++;
    while (p < end && *p == ' ')
        p++;
    uint64_t n = 0;
    const char *digits = p;
    while (p < end && *p >= '0' && *p <= '9') {
        if (n > (UINT64_MAX - 9) / 10)
            return ps_error_set(err, PS_ERR_FORMAT, "%s: shape overflows", name);
        n = n * 10 + (uint64_t)(*p++ - '0');
    }
    while (p < end && *p == ' ')
        p++;
    if (p < end && *p == ',')
        p++;
    while (p < end && *p == ' ')
        p++;
    if (p == digits || p >= end || *p != ')')
        return ps_error_set(err, PS_ERR_FORMAT, "%s: shape is not one-dimensional", name);
    const size_t body = size - off - hlen;
    if (n > body / item || n * item != body)
        return ps_error_set(err, n * item > body ? PS_ERR_TRUNCATED : PS_ERR_FORMAT,
                            "%s: shape (%llu,) of %zu-byte items needs %llu data bytes, the array "
                            "has %zu",
                            name, (unsigned long long)n, item, (unsigned long long)(n * item), body);
    ps_status st = ps_calloc((size_t)n ? (size_t)n : 1, sizeof *out->v, &out->v);
    if (st != PS_OK)
        return ps_error_set(err, st, "%s: cannot hold %llu values", name, (unsigned long long)n);
    const uint8_t *d = data + off + hlen;
    for (size_t i = 0; i < (size_t)n; i++, d += item) {
        uint64_t u = 0;
        for (size_t b = 0; b < item; b++)
            u |= (uint64_t)d[big ? b : item - 1 - b] << (8 * (item - 1 - b));
        if (is_signed && item < 8 && (u >> (8 * item - 1)) & 1u)
            u |= ~UINT64_C(0) << (8 * item); /* sign-extend */
        if (!is_signed && u > (uint64_t)INT64_MAX) {
            free(out->v);
            out->v = NULL;
            return ps_error_set(err, PS_ERR_RANGE, "%s: value %zu does not fit 63 bits", name, i);
        }
        out->v[i] = (int64_t)u;
    }
    out->n = (size_t)n;
    return PS_OK;
}

static ps_status read_member(zip_t *za, const char *path, const char *member, ps_npz_array *out,
                             ps_error *err)
{
    char name[600];
    snprintf(name, sizeof name, "%s: %s", path, member);
    const zip_int64_t idx = zip_name_locate(za, member, 0);
    if (idx < 0)
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such array in the archive", name);
    zip_stat_t st;
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return ps_error_set(err, PS_ERR_FORMAT, "%s: unreadable zip entry", name);
    char what[700];
    snprintf(what, sizeof what, "%s: its declared %llu bytes", name, (unsigned long long)st.size);
    ps_status s = ps_memory_check(st.size, what, err);
    if (s != PS_OK)
        return s;
    uint8_t *buf = NULL;
    if ((s = ps_calloc(st.size ? (size_t)st.size : 1, 1, &buf)) != PS_OK)
        return ps_error_set(err, s, "%s: cannot hold %llu bytes", name, (unsigned long long)st.size);
    zip_file_t *f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!f) {
        free(buf);
        return ps_error_set(err, PS_ERR_FORMAT, "%s: %s", name, zip_strerror(za));
    }
    zip_int64_t got = st.size ? zip_fread(f, buf, st.size) : 0;
    /* one more read: libzip checks the CRC at the end of the data */
    uint8_t extra;
    const zip_int64_t more = got == (zip_int64_t)st.size ? zip_fread(f, &extra, 1) : 0;
    if (got != (zip_int64_t)st.size || more != 0) {
        s = ps_error_set(err, PS_ERR_FORMAT, "%s: corrupt member: %s", name,
                         got < 0 || more < 0 ? zip_file_strerror(f) : "size differs from its header");
        zip_fclose(f);
        free(buf);
        return s;
    }
    zip_fclose(f);
    s = ps_npy_decode(buf, (size_t)st.size, name, out, err);
    free(buf);
    return s;
}

ps_status ps_npz_read(const char *path, const char *const *names, size_t count,
                      ps_npz_array *out, ps_error *err)
{
    for (size_t k = 0; k < count; k++)
        out[k] = (ps_npz_array){NULL, 0};
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        const ps_status s = ps_error_set(err, zerr == ZIP_ER_NOENT ? PS_ERR_NOT_FOUND : PS_ERR_FORMAT,
                                         "%s: not a readable .npz (zip) archive: %s", path,
                                         zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return s;
    }
    ps_status s = PS_OK;
    for (size_t k = 0; k < count && s == PS_OK; k++) {
        char member[80];
        snprintf(member, sizeof member, "%s.npy", names[k]);
        s = read_member(za, path, member, &out[k], err);
    }
    zip_discard(za);
    if (s != PS_OK)
        for (size_t k = 0; k < count; k++) {
            free(out[k].v);
            out[k] = (ps_npz_array){NULL, 0};
        }
    return s;
}
