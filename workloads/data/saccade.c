#include "data/saccade.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/rng.h"

#define W PS_EVENT_WIDTH
#define H PS_EVENT_HEIGHT
#define NPIX (W * H)
#define DIGIT 28
#define MARGIN 8                   /* zero border around the digit for bilinear reads */
#define PAD (DIGIT + 2 * MARGIN)   /* padded digit side */
#define FIELD_PX ((double)(W - DIGIT)) /* room the digit has to move in: 6 px each way */
#define CAL "calibrated against the published N-MNIST statistics (workloads/data/README.md)"

static const char *const profile_names[] = {"cosine", "linear", NULL};

static const ps_param_desc saccade_params[] = {
    PS_PARAM_INT(ps_saccade_params, seed, 1, 0, 9007199254740991.0, "",
                 "seed of every random draw (threshold mismatch, jitter, noise)", NULL),
    PS_PARAM_DOUBLE_POS(ps_saccade_params, saccade_ms, 100.0, 2000.0, "ms",
                        "duration of each of the three saccades",
                        "Orchard et al. 2015: three saccades of about 100 ms"),
    PS_PARAM_DOUBLE(ps_saccade_params, settle_ms, 14.0, 0.0, 1000.0, "ms",
                    "recording after the third saccade, camera at rest", CAL),
    PS_PARAM_DOUBLE(ps_saccade_params, amplitude_px, 4.5, 0.0, FIELD_PX, "px",
                    "width of the triangle: the length of saccade 3 (straight left along its top)",
                    CAL),
    PS_PARAM_DOUBLE(ps_saccade_params, depth_px, 4.0, 0.0, FIELD_PX, "px",
                    "how far below the top the apex lies: the digit's drop in saccade 1", CAL),
    PS_PARAM_DOUBLE(ps_saccade_params, apex_shift_px, 0.0, -3.0, 3.0, "px",
                    "horizontal shift of the apex from below the top's middle (0: isosceles)",
                    "Orchard et al. 2015: an isosceles triangle"),
    PS_PARAM_ENUM(ps_saccade_params, profile, "cosine", profile_names,
                  "position along a saccade: cosine (smooth start and stop) or linear", NULL),
    PS_PARAM_DOUBLE(ps_saccade_params, step_us, 500.0, 10.0, 10000.0, "us",
                    "resampling step of the sensor image (event times are interpolated within it)",
                    NULL),
    PS_PARAM_DOUBLE_POS(ps_saccade_params, background, 0.1, 1.0, "",
                        "luminance of black relative to white (monitor black level)", NULL),
    PS_PARAM_DOUBLE_POS(ps_saccade_params, contrast_threshold, 0.345, 10.0, "log",
                        "change of log luminance that fires an event", CAL),
    PS_PARAM_DOUBLE(ps_saccade_params, threshold_mismatch, 0.1, 0.0, 1.0, "",
                    "per-pixel relative sd of the ON and OFF thresholds (fixed pattern)", NULL),
    PS_PARAM_DOUBLE(ps_saccade_params, recording_gain_sd, 0.16, 0.0, 0.5, "",
                    "relative sd of a per-recording scale of all thresholds (bias and lighting "
                    "drift between recordings)", CAL),
    PS_PARAM_DOUBLE(ps_saccade_params, refractory_us, 500.0, 0.0, 100000.0, "us",
                    "minimum time between two events of one pixel", NULL),
    PS_PARAM_DOUBLE(ps_saccade_params, jitter_us, 100.0, 0.0, 100000.0, "us",
                    "sd of the Gaussian timestamp jitter", NULL),
    PS_PARAM_DOUBLE(ps_saccade_params, noise_rate_hz, 0.2, 0.0, 1000.0, "Hz",
                    "background noise events per pixel per second (uniform, either polarity)", NULL),
};

const ps_param_table ps_saccade_param_table =
    PS_PARAM_TABLE("saccade", "MNIST-to-events saccade converter (N-MNIST-like recordings)",
                   ps_saccade_params, saccade_params);

struct ps_saccade {
    ps_saccade_params p;
    float thr_on[NPIX], thr_off[NPIX]; /* per-pixel contrast thresholds, log units */
    double vx[4], vy[4];               /* triangle vertices (digit offsets), v[3] = v[0] */
    double log_bg;
    atomic_uint_fast64_t samples, events, noise_events;
};

/* Purposes of the per-sample random streams. */
enum { DRAW_JITTER = 1, DRAW_NOISE = 2, DRAW_GAIN = 3 };

ps_status ps_saccade_create(const ps_saccade_params *p, ps_saccade **out, ps_error *err)
{
    *out = NULL;
    ps_status st = ps_params_validate(&ps_saccade_param_table, p, err);
    if (st != PS_OK) {
        ps_error_prefix(err, "saccade");
        return st;
    }
    ps_saccade *s = NULL;
    if ((st = ps_calloc(1, sizeof *s, &s)) != PS_OK)
        return ps_error_set(err, st, "out of memory");
    s->p = *p;
    const uint64_t seed = (uint64_t)p->seed, stream = ps_rng_stream_of("saccade.mismatch");
    for (int i = 0; i < NPIX; i++) {
        /* A threshold below a fifth of nominal would fire on noise alone. */
        double on = 1.0 + p->threshold_mismatch * ps_rng_normal(seed, stream, 2u * (uint64_t)i);
        double off = 1.0 + p->threshold_mismatch * ps_rng_normal(seed, stream, 2u * (uint64_t)i + 1);
        s->thr_on[i] = (float)(p->contrast_threshold * (on < 0.2 ? 0.2 : on));
        s->thr_off[i] = (float)(p->contrast_threshold * (off < 0.2 ? 0.2 : off));
    }
    /* N-MNIST's path as the sensor saw the digit (offsets grow right and
     * down): from the top-left corner down to the apex (drifting right by
     * a / 2), up and right to the top-right corner, straight left back. The
     * triangle's bounding box is centred in the room the field leaves, so
     * at the full 6 px the digit starts in the field's top-left corner. */
    const double a = p->amplitude_px, d = p->depth_px, apex = a / 2 + p->apex_shift_px;
    /* Width and depth are at most 6 px and |apex_shift| at most 3, so the
     * path is at most a / 2 + 3 <= 6 px wide: it always fits. */
    const double left = apex < 0 ? apex : 0, right = apex > a ? apex : a;
    const double x0 = (FIELD_PX - (right - left)) / 2 - left, y0 = (FIELD_PX - d) / 2;
    s->vx[0] = x0, s->vy[0] = y0;
    s->vx[1] = x0 + apex, s->vy[1] = y0 + d;
    s->vx[2] = x0 + a, s->vy[2] = y0;
    s->vx[3] = s->vx[0], s->vy[3] = s->vy[0];
    s->log_bg = log(p->background);
    *out = s;
    return PS_OK;
}

void ps_saccade_reset(ps_saccade *s)
{
    atomic_store(&s->samples, 0);
    atomic_store(&s->events, 0);
    atomic_store(&s->noise_events, 0);
}

ps_saccade_stats ps_saccade_get_stats(const ps_saccade *s)
{
    ps_saccade_stats st = {atomic_load(&((ps_saccade *)s)->samples),
                           atomic_load(&((ps_saccade *)s)->events),
                           atomic_load(&((ps_saccade *)s)->noise_events)};
    return st;
}

void ps_saccade_destroy(ps_saccade *s) { free(s); }

uint64_t ps_saccade_sample_key(const char *split, uint64_t index)
{
    return ps_rng_substream(ps_rng_stream_of(split), index);
}

/* Digit offset at time t_us. */
static void position_at(const ps_saccade *s, double t_us, double *ox, double *oy)
{
    const double S = s->p.saccade_ms * 1000.0;
    int k = (int)floor(t_us / S);
    if (k >= 3 || t_us < 0) {
        *ox = s->vx[0];
        *oy = s->vy[0];
        return;
    }
    double tau = (t_us - k * S) / S;
    double f = s->p.profile == PS_SACCADE_COSINE ? 0.5 - 0.5 * cos(M_PI * tau) : tau;
    *ox = s->vx[k] + f * (s->vx[k + 1] - s->vx[k]);
    *oy = s->vy[k] + f * (s->vy[k + 1] - s->vy[k]);
}

/* Sensor image (intensity 0..1) for a digit offset, by bilinear reads of
 * the padded digit: the sub-pixel weights are the same for every pixel. */
static void render(const float *pad, double ox, double oy, float *img)
{
    const double ux = MARGIN - ox, uy = MARGIN - oy;
    const int bx = (int)floor(ux), by = (int)floor(uy);
    const float wx = (float)(ux - bx), wy = (float)(uy - by);
    const float w00 = (1 - wx) * (1 - wy), w01 = wx * (1 - wy), w10 = (1 - wx) * wy, w11 = wx * wy;
    for (int y = 0; y < H; y++) {
        const float *r0 = pad + (size_t)(y + by) * PAD + bx, *r1 = r0 + PAD;
        float *o = img + (size_t)y * W;
        for (int x = 0; x < W; x++)
            o[x] = w00 * r0[x] + w01 * r0[x + 1] + w10 * r1[x] + w11 * r1[x + 1];
    }
}

typedef struct raw_event {
    uint64_t key; /* timestamp << 32 | emission order: a total, deterministic order */
    ps_event e;
} raw_event;

typedef struct raw_list {
    raw_event *r;
    size_t count, capacity;
} raw_list;

static ps_status raw_push(raw_list *l, double t_us, uint32_t seq, int x, int y, int pol)
{
    if (l->count == l->capacity) {
        size_t cap = l->capacity ? l->capacity * 2 : 8192;
        raw_event *grown = l->r;
        ps_status st = ps_realloc(cap, sizeof *grown, &grown);
        if (st != PS_OK)
            return st;
        l->r = grown;
        l->capacity = cap;
    }
    double t = floor(t_us + 0.5);
    if (t < 0)
        t = 0;
    if (t > PS_EVENT_MAX_T_US)
        t = PS_EVENT_MAX_T_US;
    raw_event *r = &l->r[l->count++];
    r->key = ((uint64_t)t << 32) | seq;
    r->e = (ps_event){.t_us = (uint32_t)t, .x = (uint8_t)x, .y = (uint8_t)y, .p = (uint8_t)pol};
    return PS_OK;
}

static int raw_cmp(const void *a, const void *b)
{
    uint64_t x = ((const raw_event *)a)->key, y = ((const raw_event *)b)->key;
    return x < y ? -1 : x > y;
}

typedef struct pixel_state {
    double ref;    /* log luminance at the last event */
    double prev;   /* log luminance at the previous step */
    double last_us;/* time of the last event */
    float in;      /* intensity at the previous step */
} pixel_state;

ps_status ps_saccade_convert(ps_saccade *s, const uint8_t *image, uint32_t rows, uint32_t cols,
                             uint64_t sample_key, ps_event_buf *out, ps_error *err)
{
    if (rows != DIGIT || cols != DIGIT)
        return ps_error_set(err, PS_ERR_UNSUPPORTED,
                            "saccade converter: %ux%u images, only 28x28 is supported", rows, cols);
    const ps_saccade_params *p = &s->p;
    float *pad = NULL, *img = NULL;
    pixel_state *px = NULL;
    raw_list raw = {0};
    ps_status st;
    if ((st = ps_calloc(PAD * PAD, sizeof *pad, &pad)) != PS_OK ||
        (st = ps_calloc(NPIX, sizeof *img, &img)) != PS_OK ||
        (st = ps_calloc(NPIX, sizeof *px, &px)) != PS_OK)
        goto fail;
    for (int r = 0; r < DIGIT; r++)
        for (int c = 0; c < DIGIT; c++)
            pad[(r + MARGIN) * PAD + c + MARGIN] = image[r * DIGIT + c] / 255.0f;

    const double gain = 1.0 - p->background;
    const double total_us = (3.0 * p->saccade_ms + p->settle_ms) * 1000.0;
    const double refr = p->refractory_us;
    double ox, oy;
    position_at(s, 0.0, &ox, &oy);
    render(pad, ox, oy, img);
    for (int i = 0; i < NPIX; i++) {
        double L = log(p->background + gain * img[i]);
        px[i] = (pixel_state){.ref = L, .prev = L, .last_us = -1e300, .in = img[i]};
    }

    uint32_t seq = 0;
    const uint64_t seed = (uint64_t)p->seed;
    double gain_draw = 1.0 + p->recording_gain_sd *
                                 ps_rng_normal(seed, ps_rng_substream(sample_key, DRAW_GAIN), 0);
    const float rec_gain = (float)(gain_draw < 0.3 ? 0.3 : gain_draw);
    const uint64_t jitter_stream = ps_rng_substream(sample_key, DRAW_JITTER);
    const double step = p->step_us;
    const long steps = (long)ceil(total_us / step);
    for (long k = 1; k <= steps; k++) {
        const double t0 = (k - 1) * step, t1 = k == steps ? total_us : k * step, dt = t1 - t0;
        position_at(s, t1, &ox, &oy);
        render(pad, ox, oy, img);
        for (int i = 0; i < NPIX; i++) {
            pixel_state *q = &px[i];
            const float thr_on = rec_gain * s->thr_on[i], thr_off = rec_gain * s->thr_off[i];
            double L = q->prev;
            if (img[i] != q->in) {
                L = log(p->background + gain * img[i]);
                q->in = img[i];
            } else if (L - q->ref < thr_on && q->ref - L < thr_off) {
                continue; /* unchanged and nothing pending: the common case */
            }
            for (;;) {
                double d = L - q->ref, level;
                int pol;
                if (d >= thr_on) {
                    pol = 1;
                    level = q->ref + thr_on;
                } else if (-d >= thr_off) {
                    pol = 0;
                    level = q->ref - thr_off;
                } else {
                    break;
                }
                /* When the log luminance crossed the level, assuming it moved
                 * linearly during the step; a level crossed earlier (held back
                 * by the refractory period) fires as soon as allowed. */
                double frac = L != q->prev ? (level - q->prev) / (L - q->prev) : 0.0;
                if (frac < 0.0)
                    frac = 0.0;
                double t = t0 + frac * dt;
                if (t < q->last_us + refr)
                    t = q->last_us + refr;
                if (t > t1)
                    break;
                double jt = t;
                if (p->jitter_us > 0)
                    jt += p->jitter_us * ps_rng_normal(seed, jitter_stream, seq);
                if ((st = raw_push(&raw, jt, seq++, i % W, i / W, pol)) != PS_OK)
                    goto fail;
                q->ref = level;
                q->last_us = t;
            }
            q->prev = L;
        }
    }
    const size_t signal = raw.count;

    /* Background noise: a Poisson process over the whole array. */
    const double rate_per_us = p->noise_rate_hz * NPIX * 1e-6;
    if (rate_per_us > 0) {
        const uint64_t noise_stream = ps_rng_substream(sample_key, DRAW_NOISE);
        uint64_t draw = 0;
        double t = 0;
        for (;;) {
            t += -log(1.0 - ps_rng_uniform(seed, noise_stream, draw++)) / rate_per_us;
            if (t >= total_us)
                break;
            uint64_t bits = ps_rng_u64(seed, noise_stream, draw++);
            int pix = (int)((bits >> 11) % NPIX);
            if ((st = raw_push(&raw, t, seq++, pix % W, pix / W, (int)(bits & 1))) != PS_OK)
                goto fail;
        }
    }

    if (raw.count > 0) /* qsort must not see a NULL array, even empty */
        qsort(raw.r, raw.count, sizeof *raw.r, raw_cmp);
    ps_event_buf_clear(out);
    if ((st = ps_event_buf_reserve(out, raw.count)) != PS_OK)
        goto fail;
    for (size_t i = 0; i < raw.count; i++)
        out->ev[i] = raw.r[i].e;
    out->count = raw.count;
    atomic_fetch_add(&s->samples, 1);
    atomic_fetch_add(&s->events, raw.count);
    atomic_fetch_add(&s->noise_events, raw.count - signal);
    free(pad);
    free(img);
    free(px);
    free(raw.r);
    return PS_OK;
fail:
    free(pad);
    free(img);
    free(px);
    free(raw.r);
    return ps_error_set(err, st, "saccade converter: out of memory");
}

/* ---- many samples on a thread pool ---- */

typedef struct batch {
    ps_saccade *s;
    const ps_image_set *set;
    size_t first, count;
    const char *split;
    ps_saccade_sink sink;
    void *sink_ctx;
    ps_saccade_progress progress;
    void *progress_ctx;
    atomic_size_t next, done;
    atomic_int failed;
    pthread_mutex_t lock;
    ps_status status;
    ps_error err;
} batch;

static void *batch_worker(void *arg)
{
    batch *b = arg;
    ps_event_buf buf;
    ps_event_buf_init(&buf);
    const size_t pixels = (size_t)b->set->rows * b->set->cols;
    for (;;) {
        if (atomic_load(&b->failed))
            break;
        size_t j = atomic_fetch_add(&b->next, 1);
        if (j >= b->count)
            break;
        size_t i = b->first + j;
        ps_error e = {0};
        ps_status st = ps_saccade_convert(b->s, b->set->images + i * pixels, b->set->rows,
                                          b->set->cols, ps_saccade_sample_key(b->split, i), &buf, &e);
        if (st == PS_OK)
            st = b->sink(b->sink_ctx, i, buf.ev, buf.count, &e);
        if (st != PS_OK) {
            pthread_mutex_lock(&b->lock);
            if (b->status == PS_OK) {
                b->status = st;
                b->err = e;
                b->err.status = st;
            }
            pthread_mutex_unlock(&b->lock);
            atomic_store(&b->failed, 1);
            break;
        }
        size_t done = atomic_fetch_add(&b->done, 1) + 1;
        if (b->progress && (done % 64 == 0 || done == b->count)) {
            pthread_mutex_lock(&b->lock);
            b->progress(b->progress_ctx, done, b->count);
            pthread_mutex_unlock(&b->lock);
        }
    }
    ps_event_buf_free(&buf);
    return NULL;
}

ps_status ps_saccade_convert_set(ps_saccade *s, const ps_image_set *set, size_t first,
                                 size_t count, const char *split, int jobs, ps_saccade_sink sink,
                                 void *sink_ctx, ps_saccade_progress progress, void *progress_ctx,
                                 ps_error *err)
{
    if (first > set->count || count > set->count - first)
        return ps_error_set(err, PS_ERR_RANGE, "samples %zu..%zu of a set of %zu", first,
                            first + count, set->count);
    if (jobs < 1)
        jobs = 1;
    if ((size_t)jobs > count && count > 0)
        jobs = (int)count;
    batch b = {.s = s, .set = set, .first = first, .count = count, .split = split, .sink = sink,
               .sink_ctx = sink_ctx, .progress = progress, .progress_ctx = progress_ctx};
    atomic_init(&b.next, 0);
    atomic_init(&b.done, 0);
    atomic_init(&b.failed, 0);
    pthread_mutex_init(&b.lock, NULL);
    pthread_t *threads = NULL;
    ps_status st = ps_calloc((size_t)jobs, sizeof *threads, &threads);
    if (st != PS_OK) {
        pthread_mutex_destroy(&b.lock);
        return ps_error_set(err, st, "out of memory");
    }
    int started = 0;
    for (; started < jobs - 1; started++)
        if (pthread_create(&threads[started], NULL, batch_worker, &b) != 0)
            break;
    batch_worker(&b); /* this thread works too */
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    pthread_mutex_destroy(&b.lock);
    if (b.status != PS_OK) {
        if (err)
            *err = b.err;
        return b.status;
    }
    return PS_OK;
}
