#include "data/nmnist_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "common/alloc.h"
#include "data/npz.h"

typedef struct dir_sample {
    ps_nmnist_entry e;
    char *file;
} dir_sample;

struct ps_nmnist_dir {
    dir_sample *s;
    size_t count, capacity;
    char base[3][4096]; /* per ps_split: the folder of the label folders, "" if none */
};

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The number a name starts with, if its stem is all digits; else 0. */
static uint32_t id_of(const char *name)
{
    uint64_t v = 0;
    const char *p = name;
    while (*p >= '0' && *p <= '9' && v <= UINT32_MAX)
        v = v * 10 + (uint64_t)(*p++ - '0');
    return p > name && *p == '.' && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static ps_status add(ps_nmnist_dir *d, const char *dir, const char *name, uint8_t label,
                     uint8_t split, ps_error *err)
{
    if (d->count == d->capacity) {
        const size_t cap = d->capacity ? d->capacity * 2 : 1024;
        if (ps_realloc(cap, sizeof *d->s, &d->s) != PS_OK)
            return ps_error_set(err, PS_ERR_NOMEM, "%s: too many files", dir);
        d->capacity = cap;
    }
    const size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *file = malloc(len);
    if (!file)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: too many files", dir);
    snprintf(file, len, "%s/%s", dir, name);
    d->s[d->count++] = (dir_sample){{id_of(name), label, split}, file};
    return PS_OK;
}

static ps_status list_label_dir(ps_nmnist_dir *d, const char *dir, uint8_t label, uint8_t split,
                                ps_error *err)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    struct dirent *de;
    ps_status st = PS_OK;
    while (st == PS_OK && (de = readdir(dh)) != NULL)
        if (de->d_name[0] != '.' && (ends_with(de->d_name, ".bin") || ends_with(de->d_name, ".npz")))
            st = add(d, dir, de->d_name, label, split, err);
    closedir(dh);
    return st;
}

/* Lists base/<0..9> as split; *found tells whether any label folder exists. */
static ps_status list_split(ps_nmnist_dir *d, const char *base, ps_split split, bool *found,
                            ps_error *err)
{
    char path[4096];
    bool any = false;
    for (int label = 0; label < 10; label++) {
        if (snprintf(path, sizeof path, "%s/%d", base, label) >= (int)sizeof path)
            return ps_error_set(err, PS_ERR_INVALID_ARG, "%s: path too long", base);
        if (!is_dir(path))
            continue;
        any = true;
        ps_status st = list_label_dir(d, path, (uint8_t)label, (uint8_t)split, err);
        if (st != PS_OK)
            return st;
    }
    if (any)
        snprintf(d->base[split], sizeof d->base[split], "%s", base);
    *found |= any;
    return PS_OK;
}

static int sample_cmp(const void *a, const void *b)
{
    const dir_sample *x = a, *y = b;
    if (x->e.split != y->e.split)
        return x->e.split < y->e.split ? -1 : 1;
    if (x->e.label != y->e.label)
        return x->e.label < y->e.label ? -1 : 1;
    if (x->e.id != y->e.id)
        return x->e.id < y->e.id ? -1 : 1;
    return strcmp(x->file, y->file);
}

void ps_nmnist_dir_close(ps_nmnist_dir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        free(d->s[i].file);
    free(d->s);
    free(d);
}

ps_status ps_nmnist_dir_open(const char *root, ps_nmnist_dir **out, ps_error *err)
{
    *out = NULL;
    if (!is_dir(root))
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such directory", root);
    ps_nmnist_dir *d;
    if (PS_CALLOC_ARRAY(d, 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    static const char *const prefixes[] = {"", "/NMNIST", "/extract", "/events_np"};
    static const char *const splits[2][2] = {{"Train", "Test"}, {"train", "test"}};
    char base[4096];
    bool found = false;
    ps_status st = PS_OK;
    for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes && !found && st == PS_OK; k++)
        for (int c = 0; c < 2 && !found && st == PS_OK; c++)
            for (int s = PS_SPLIT_TRAIN; s <= PS_SPLIT_TEST && st == PS_OK; s++) {
                snprintf(base, sizeof base, "%s%s/%s", root, prefixes[k], splits[c][s]);
                st = list_split(d, base, (ps_split)s, &found, err);
            }
    if (!found && st == PS_OK)
        st = list_split(d, root, PS_SPLIT_NONE, &found, err);
    if (st == PS_OK && d->count == 0)
        st = ps_error_set(err, PS_ERR_NOT_FOUND,
                          "%s: no N-MNIST samples (expected Train|Test/<label>/*.bin, perhaps "
                          "under NMNIST/ or extract/, events_np/train|test/<label>/*.npz, or "
                          "<label>/*.bin|*.npz)",
                          root);
    if (st != PS_OK) {
        ps_nmnist_dir_close(d);
        return st;
    }
    qsort(d->s, d->count, sizeof *d->s, sample_cmp);
    *out = d;
    return PS_OK;
}

size_t ps_nmnist_dir_count(const ps_nmnist_dir *d) { return d->count; }
ps_nmnist_entry ps_nmnist_dir_entry(const ps_nmnist_dir *d, size_t i) { return d->s[i].e; }
const char *ps_nmnist_dir_file(const ps_nmnist_dir *d, size_t i) { return d->s[i].file; }
const char *ps_nmnist_dir_base(const ps_nmnist_dir *d, ps_split split) { return d->base[split]; }

ps_status ps_nmnist_dir_events(const ps_nmnist_dir *d, size_t i, bool strict, ps_event_buf *out,
                               ps_event_issues *issues, ps_error *err)
{
    const char *file = d->s[i].file;
    return ends_with(file, ".npz") ? ps_nmnist_read_npz(file, strict, out, issues, err)
                                   : ps_nmnist_read_file(file, strict, out, issues, err);
}

ps_status ps_nmnist_read_npz(const char *path, bool strict, ps_event_buf *out,
                             ps_event_issues *issues, ps_error *err)
{
    static const char *const names[4] = {"x", "y", "t", "p"};
    ps_npz_array a[4];
    ps_status st = ps_npz_read(path, names, 4, a, err);
    if (st != PS_OK)
        return st;
    const size_t n = a[0].n;
    ps_bytes b;
    ps_bytes_init(&b);
    for (int k = 1; k < 4 && st == PS_OK; k++)
        if (a[k].n != n)
            st = ps_error_set(err, PS_ERR_FORMAT, "%s: arrays of %zu (x) and %zu (%s) events",
                              path, n, a[k].n, names[k]);
    /* Values the 5-byte form cannot carry are refused here; the rest (a
     * coordinate outside 34x34, time going backwards) is decode's to judge,
     * strictly or by skipping, as for a .bin. */
    for (size_t i = 0; i < n && st == PS_OK; i++) {
        const int64_t x = a[0].v[i], y = a[1].v[i], t = a[2].v[i], p = a[3].v[i];
        if (x < 0 || x > 255 || y < 0 || y > 255)
            st = ps_error_set(err, PS_ERR_FORMAT, "%s: event %zu: coordinate (x %lld, y %lld) "
                              "outside 34x34", path, i, (long long)x, (long long)y);
        else if (t < 0 || t > (int64_t)PS_EVENT_MAX_T_US)
            st = ps_error_set(err, PS_ERR_FORMAT,
                              "%s: event %zu: timestamp %lld us outside 0 .. 2^23 - 1", path, i,
                              (long long)t);
        else if (p != 0 && p != 1)
            st = ps_error_set(err, PS_ERR_FORMAT, "%s: event %zu: polarity %lld, not 0 or 1",
                              path, i, (long long)p);
        else {
            const uint8_t r[5] = {(uint8_t)x, (uint8_t)y,
                                  (uint8_t)((p ? 0x80u : 0u) | ((uint32_t)t >> 16)),
                                  (uint8_t)((uint32_t)t >> 8), (uint8_t)t};
            ps_bytes_put(&b, r, sizeof r);
        }
    }
    if (st == PS_OK && b.status != PS_OK)
        st = ps_error_set(err, b.status, "%s: cannot hold %zu events", path, n);
    if (st == PS_OK)
        st = ps_nmnist_decode(b.data, b.size, path, strict, out, issues, err);
    ps_bytes_free(&b);
    for (int k = 0; k < 4; k++)
        free(a[k].v);
    return st;
}
