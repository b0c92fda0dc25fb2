#include "train/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/memory.h"
#include "common/rng.h"
#include "data/idx.h"
#include "data/nmnist.h"
#include "data/nmnist_dir.h"

void ps_train_data_free(ps_train_data *d)
{
    if (!d)
        return;
    free(d->levels);
    free(d->labels);
    free(d);
}

static ps_status data_alloc(size_t count, int64_t T, int64_t c, int64_t h, int64_t w, ps_error *err,
                            ps_train_data **out)
{
    ps_train_data *d;
    size_t per = 0, total = 0;
    if (PS_CALLOC_ARRAY(d, 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    d->count = count, d->T = T, d->c = c, d->h = h, d->w = w;
    d->frame = (size_t)(c * h * w);
    d->classes = 10;
    if (!ps_size_mul((size_t)T, d->frame, &per) || !ps_size_mul(per, count, &total)) {
        ps_train_data_free(d);
        return ps_error_set(err, PS_ERR_RANGE, "%zu samples of %lld frames: size overflows", count,
                            (long long)T);
    }
    char what[128];
    snprintf(what, sizeof what, "%zu samples of %lld frames of %zu levels", count, (long long)T,
             d->frame);
    ps_status st = ps_memory_check((uint64_t)total + count, what, err);
    if (st != PS_OK) {
        ps_train_data_free(d);
        return st;
    }
    if (ps_calloc(total ? total : 1, 1, &d->levels) != PS_OK ||
        ps_calloc(count ? count : 1, 1, &d->labels) != PS_OK) {
        ps_train_data_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory for %zu samples", count);
    }
    *out = d;
    return PS_OK;
}

/* Bins one sample's events into levels[T][2][34][34]. */
static ps_status bin_sample(const ps_frames_params *frames, int64_t max_level, const ps_event_buf *ev,
                            float *scratch, uint8_t *levels, ps_error *err)
{
    ps_status s = ps_frames_bin(frames, ev->ev, ev->count, scratch, err);
    if (s != PS_OK)
        return s;
    const size_t n = ps_frames_size(frames);
    for (size_t i = 0; i < n; i++) {
        const float v = scratch[i];
        levels[i] = (uint8_t)(v > (float)max_level ? (float)max_level : v);
    }
    return PS_OK;
}

/* The prefix of an IDX images file name ("train" of
 * "DIR/train-images-idx3-ubyte[.gz]", also "-images.idx3-ubyte"), or 0 when
 * the name is not one. */
static int idx_images_prefix(const char *path, char *dir, size_t dir_size, char *prefix,
                             size_t prefix_size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *tags[] = {"-images-idx3-ubyte", "-images.idx3-ubyte"};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        const char *at = strstr(base, tags[i]);
        if (!at || at == base)
            continue;
        const char *rest = at + strlen(tags[i]);
        if (*rest && strcmp(rest, ".gz") != 0)
            continue;
        const size_t dn = base > path ? (size_t)(base - path - 1) : 0;
        const size_t pn = (size_t)(at - base);
        if (dn + 2 > dir_size || pn + 1 > prefix_size)
            return 0;
        if (dn) {
            memcpy(dir, path, dn);
            dir[dn] = '\0';
        } else {
            strcpy(dir, base > path ? "/" : ".");
        }
        memcpy(prefix, base, pn);
        prefix[pn] = '\0';
        return 1;
    }
    return 0;
}

/* Static frames from an IDX image set (see data.h). */
static ps_status load_static(const char *path, const char *dir, const char *prefix,
                             const ps_frames_params *frames, size_t limit, ps_error *err,
                             ps_train_data **out)
{
    ps_image_set set;
    memset(&set, 0, sizeof set);
    ps_status s = ps_image_set_load(dir, prefix, &set, err);
    if (s != PS_OK)
        return s;
    if (set.rows > PS_EVENT_HEIGHT || set.cols > PS_EVENT_WIDTH) {
        s = ps_error_set(err, PS_ERR_UNSUPPORTED, "%s: %ux%u images do not fit the %dx%d input",
                         path, set.rows, set.cols, PS_EVENT_HEIGHT, PS_EVENT_WIDTH);
        ps_image_set_free(&set);
        return s;
    }
    const size_t count = limit && limit < set.count ? limit : set.count;
    ps_train_data *d = NULL;
    if ((s = data_alloc(count, frames->bins, 2, PS_EVENT_HEIGHT, PS_EVENT_WIDTH, err, &d)) != PS_OK) {
        ps_image_set_free(&set);
        return s;
    }
    const size_t oy = (PS_EVENT_HEIGHT - set.rows) / 2, ox = (PS_EVENT_WIDTH - set.cols) / 2;
    const size_t plane = (size_t)PS_EVENT_HEIGHT * PS_EVENT_WIDTH, per = (size_t)d->T * d->frame;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *img = set.images + i * set.rows * set.cols;
        uint8_t *f0 = d->levels + i * per;
        for (size_t y = 0; y < set.rows; y++)
            for (size_t x = 0; x < set.cols; x++)
                f0[plane + (oy + y) * PS_EVENT_WIDTH + ox + x] = img[y * set.cols + x] >= 128;
        for (int64_t t = 1; t < d->T; t++)
            memcpy(f0 + (size_t)t * d->frame, f0, d->frame);
        d->labels[i] = set.labels[i];
    }
    ps_image_set_free(&set);
    *out = d;
    return PS_OK;
}

ps_status ps_train_data_load(const char *path, const ps_frames_params *frames, int64_t max_level,
                             size_t limit, ps_error *err, ps_train_data **out)
{
    *out = NULL;
    if (max_level < 1 || max_level > 255)
        return ps_error_set(err, PS_ERR_RANGE, "%s: input_max_level %lld is outside [1, 255]", path,
                            (long long)max_level);
    char idx_dir[4096], idx_prefix[256];
    if (idx_images_prefix(path, idx_dir, sizeof idx_dir, idx_prefix, sizeof idx_prefix))
        return load_static(path, idx_dir, idx_prefix, frames, limit, err, out);
    struct stat st;
    if (stat(path, &st) != 0)
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such file or directory", path);
    const int is_dir = S_ISDIR(st.st_mode);
    ps_nmnist_packed *pk = NULL;
    ps_nmnist_dir *dir = NULL;
    size_t count = 0;
    ps_status s;
    if (is_dir) {
        if ((s = ps_nmnist_dir_open(path, &dir, err)) == PS_OK)
            count = ps_nmnist_dir_count(dir);
    } else if ((s = ps_nmnist_packed_open(path, &pk, err)) == PS_OK)
        count = ps_nmnist_packed_count(pk);
    if (s != PS_OK)
        return s;
    if (limit && limit < count)
        count = limit;
    ps_train_data *d = NULL;
    float *scratch = NULL;
    ps_event_buf ev;
    ps_event_buf_init(&ev);
    if ((s = data_alloc(count, frames->bins, 2, PS_EVENT_HEIGHT, PS_EVENT_WIDTH, err, &d)) != PS_OK)
        goto done;
    if ((s = ps_calloc(ps_frames_size(frames), sizeof *scratch, &scratch)) != PS_OK) {
        ps_error_set(err, s, "out of memory");
        goto done;
    }
    const size_t per = (size_t)d->T * d->frame;
    for (size_t i = 0; i < count; i++) {
        ps_event_buf_clear(&ev);
        ps_nmnist_entry e;
        if (is_dir) {
            e = ps_nmnist_dir_entry(dir, i);
            s = ps_nmnist_dir_events(dir, i, false, &ev, NULL, err);
        } else {
            e = ps_nmnist_packed_entry(pk, i);
            s = ps_nmnist_packed_events(pk, i, false, &ev, NULL, err);
        }
        if (s == PS_OK)
            s = bin_sample(frames, max_level, &ev, scratch, d->levels + i * per, err);
        if (s != PS_OK)
            goto done;
        if (e.label > 9) {
            s = ps_error_set(err, PS_ERR_FORMAT, "%s: sample %zu has label %u", path, i,
                             (unsigned)e.label);
            goto done;
        }
        d->labels[i] = e.label;
    }
done:
    ps_event_buf_free(&ev);
    free(scratch);
    ps_nmnist_dir_close(dir);
    ps_nmnist_packed_close(pk);
    if (s != PS_OK) {
        ps_train_data_free(d);
        return s;
    }
    *out = d;
    return PS_OK;
}

ps_status ps_train_data_synthetic(size_t count, int64_t T, int64_t c, int64_t h, int64_t w,
                                  int classes, uint64_t seed, ps_error *err, ps_train_data **out)
{
    *out = NULL;
    if (classes < 2 || classes > 255 || T < 1 || c < 1 || h < 1 || w < 1)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "synthetic data: bad shape");
    ps_train_data *d;
    ps_status s = data_alloc(count, T, c, h, w, err, &d);
    if (s != PS_OK)
        return s;
    d->classes = classes;
    const uint64_t pattern = ps_rng_stream_of("synthetic.pattern");
    const uint64_t sample = ps_rng_stream_of("synthetic.sample");
    const size_t per = (size_t)T * d->frame;
    for (size_t i = 0; i < count; i++) {
        const int k = (int)(i % (size_t)classes);
        d->labels[i] = (uint8_t)k;
        const uint64_t stream = ps_rng_substream(sample, i);
        for (size_t t = 0; t < (size_t)T; t++)
            for (size_t j = 0; j < d->frame; j++) {
                /* a fixed quarter of the pixels belongs to each class */
                const int on = ps_rng_uniform(0, ps_rng_substream(pattern, (uint64_t)k), j) < 0.25;
                const double u = ps_rng_uniform(seed, stream, t * d->frame + j);
                d->levels[i * per + t * d->frame + j] = (uint8_t)(u < (on ? 0.5 : 0.1)) * (uint8_t)(1 + (u < 0.05));
            }
    }
    *out = d;
    return PS_OK;
}
