#include "train/data.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/rng.h"
#include "data/nmnist.h"

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
    if (!ps_size_mul((size_t)T, d->frame, &per) || !ps_size_mul(per, count, &total) ||
        ps_calloc(total ? total : 1, 1, &d->levels) != PS_OK ||
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

ps_status ps_train_data_load(const char *path, const ps_frames_params *frames, int64_t max_level,
                             size_t limit, ps_error *err, ps_train_data **out)
{
    *out = NULL;
    if (max_level < 1 || max_level > 255)
        return ps_error_set(err, PS_ERR_RANGE, "%s: input_max_level %lld is outside [1, 255]", path,
                            (long long)max_level);
    struct stat st;
    if (stat(path, &st) != 0)
        return ps_error_set(err, PS_ERR_NOT_FOUND, "%s: no such file or directory", path);
    const int is_dir = S_ISDIR(st.st_mode);
    ps_nmnist_packed *pk = NULL;
    ps_nmnist_entry *entries = NULL;
    size_t count = 0;
    ps_status s;
    if (is_dir)
        s = ps_nmnist_list(path, &entries, &count, err);
    else if ((s = ps_nmnist_packed_open(path, &pk, err)) == PS_OK)
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
            char file[4096];
            e = entries[i];
            ps_nmnist_entry_path(path, &e, file, sizeof file);
            s = ps_nmnist_read_file(file, false, &ev, NULL, err);
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
    free(entries);
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
