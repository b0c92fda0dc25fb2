/* Saccade converter: turns a static grey-level digit into the event stream
 * an event camera records while it saccades over the digit on a monitor,
 * the way N-MNIST was made (Orchard et al., Front. Neurosci. 2015).
 *
 * Model: the 28x28 digit sits in the 34x34 field and moves along three
 * saccades forming an isosceles triangle with its apex at the bottom, as the
 * digit moved on N-MNIST's sensor: at t = 0 it rests at the triangle's
 * top-left corner; saccade 1 moves it down to the apex (drifting right by
 * half the width), saccade 2 up and to the right to the top-right corner,
 * saccade 3 straight left back to the start. Each is saccade_ms long, then
 * the digit rests for settle_ms. Edges along the motion fire little, so
 * horizontal strokes fire in saccades 1 and 2, vertical ones mostly in 3. Every
 * step_us the sensor image is resampled with sub-pixel (bilinear)
 * interpolation; each pixel compares its log luminance with the level at
 * its last event and emits ON/OFF events, one per contrast threshold
 * crossed, at linearly interpolated times, with per-pixel threshold mismatch
 * (fixed pattern: one draw per pixel and seed, the same for every sample),
 * a per-recording scale of all thresholds (drift between recordings),
 * a refractory period, Gaussian timestamp jitter and uniform background
 * noise. The defaults were calibrated against the published N-MNIST
 * statistics (workloads/data/README.md); see configs/data/saccade.yaml.
 *
 * Randomness is keyed by (seed, sample key, draw index): a sample's events
 * depend only on the seed, its image and its key, never on thread count or
 * conversion order. */
#ifndef PS_DATA_SACCADE_H
#define PS_DATA_SACCADE_H

#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"
#include "data/events.h"
#include "data/idx.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_saccade_profile {
    PS_SACCADE_COSINE = 0, /* raised-cosine position: starts and stops smoothly */
    PS_SACCADE_LINEAR = 1  /* constant velocity */
} ps_saccade_profile;

typedef struct ps_saccade_params {
    int64_t seed;
    double saccade_ms;
    double settle_ms;
    double amplitude_px; /* width: the length of saccade 3 */
    double depth_px;     /* apex below the top */
    double apex_shift_px;
    int profile; /* ps_saccade_profile */
    double step_us;
    double background;
    double contrast_threshold;
    double threshold_mismatch;
    double recording_gain_sd;
    double refractory_us;
    double jitter_us;
    double noise_rate_hz;
} ps_saccade_params;

extern const ps_param_table ps_saccade_param_table;

typedef struct ps_saccade ps_saccade;

typedef struct ps_saccade_stats {
    uint64_t samples;      /* converted since create or reset */
    uint64_t events;       /* all events emitted */
    uint64_t noise_events; /* of which background noise */
} ps_saccade_stats;

/* Validates p and draws the per-pixel thresholds. */
ps_status ps_saccade_create(const ps_saccade_params *p, ps_saccade **out, ps_error *err);
/* Clears the statistics. */
void ps_saccade_reset(ps_saccade *s);
/* Converts one rows x cols image (bytes, 0 black .. 255 white; only 28x28
 * is supported) into time-ordered events, replacing out's content. Safe to
 * call from several threads at once on the same converter. */
ps_status ps_saccade_convert(ps_saccade *s, const uint8_t *image, uint32_t rows, uint32_t cols,
                             uint64_t sample_key, ps_event_buf *out, ps_error *err);
ps_saccade_stats ps_saccade_get_stats(const ps_saccade *s);
void ps_saccade_destroy(ps_saccade *s);

/* The key of sample index of a split ("train", "test"): distinct splits
 * and indices get unrelated random streams. */
uint64_t ps_saccade_sample_key(const char *split, uint64_t index);

/* Receives sample index's events (from a worker thread; distinct indices
 * may arrive concurrently and in any order). */
typedef ps_status (*ps_saccade_sink)(void *ctx, size_t index, const ps_event *ev, size_t n,
                                     ps_error *err);
/* Called by one thread now and then with the number of samples done. */
typedef void (*ps_saccade_progress)(void *ctx, size_t done, size_t total);

/* Converts images [first, first + count) of set with jobs threads, keying
 * sample i by ps_saccade_sample_key(split, i). The first failure (from the
 * converter or the sink) stops the run and is returned. */
ps_status ps_saccade_convert_set(ps_saccade *s, const ps_image_set *set, size_t first,
                                 size_t count, const char *split, int jobs, ps_saccade_sink sink,
                                 void *sink_ctx, ps_saccade_progress progress, void *progress_ctx,
                                 ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
