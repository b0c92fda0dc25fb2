#include "data/frames.h"

#include <string.h>

static const char *const split_names[] = {"count", "duration", NULL};

static const ps_param_desc frames_params[] = {
    PS_PARAM_INT(ps_frames_params, bins, 10, 1, 1000, "",
                 "number of frames T a sample is split into", "PRIME: T = 10 for N-MNIST"),
    PS_PARAM_ENUM(ps_frames_params, split_by, "count", split_names,
                  "count: N // T events a bin, the rest in the last; duration: (t_last - "
                  "t_first) // T us a bin, the last takes the rest (SpikingJelly's number / time)",
                  "PRIME: either is used; SpikingJelly integrate_events_by_fixed_frames_number"),
    PS_PARAM_BOOL(ps_frames_params, binarise, false, "turn every non-zero count into 1",
                  "PRIME: counts are not binarised"),
    PS_PARAM_BOOL(ps_frames_params, first_saccade_only, false,
                  "keep only events of the first saccade", NULL),
    PS_PARAM_DOUBLE_POS(ps_frames_params, first_saccade_ms, 100.0, 10000.0, "ms",
                        "end of the first saccade for first_saccade_only",
                        "tonic NMNIST first_saccade_only: t < 100 ms"),
};

const ps_param_table ps_frames_param_table =
    PS_PARAM_TABLE("frames", "binning of event streams into T frames of per-polarity counts",
                   ps_frames_params, frames_params);

#define PLANE (PS_EVENT_WIDTH * PS_EVENT_HEIGHT)

size_t ps_frames_size(const ps_frames_params *p) { return (size_t)p->bins * 2 * PLANE; }

ps_status ps_frames_bin(const ps_frames_params *p, const ps_event *ev, size_t n, float *out,
                        ps_error *err)
{
    ps_status st = ps_params_validate(&ps_frames_param_table, p, err);
    if (st != PS_OK)
        return st;
    memset(out, 0, ps_frames_size(p) * sizeof *out);
    if (p->first_saccade_only) {
        const double cut_us = p->first_saccade_ms * 1000.0;
        size_t keep = 0;
        while (keep < n && ev[keep].t_us < cut_us)
            keep++;
        n = keep; /* events are time-ordered: the kept ones are a prefix */
    }
    if (n == 0)
        return PS_OK;
    for (size_t j = 1; j < n; j++)
        if (ev[j].t_us < ev[j - 1].t_us)
            return ps_error_set(err, PS_ERR_INVALID_ARG,
                                "frames: event %zu: timestamp %u us before the previous %u us", j,
                                ev[j].t_us, ev[j - 1].t_us);
    const uint64_t T = (uint64_t)p->bins, t0 = ev[0].t_us;
    /* Bin widths as SpikingJelly takes them: integer divisions, the last bin
     * takes the remainder (a width of 0 sends everything there). */
    const uint64_t per_bin = (uint64_t)n / T, dt = ((uint64_t)ev[n - 1].t_us - t0) / T;
    for (size_t j = 0; j < n; j++) {
        const ps_event *e = &ev[j];
        if (e->x >= PS_EVENT_WIDTH || e->y >= PS_EVENT_HEIGHT)
            return ps_error_set(err, PS_ERR_INVALID_ARG,
                                "frames: event %zu: coordinate (x %u, y %u) outside 34x34", j, e->x,
                                e->y);
        uint64_t bin = T - 1;
        if (p->split_by == PS_FRAMES_BY_COUNT) {
            if (per_bin > 0 && (uint64_t)j / per_bin < T - 1)
                bin = (uint64_t)j / per_bin;
        } else if (dt > 0 && ((uint64_t)e->t_us - t0) / dt < T - 1) {
            bin = ((uint64_t)e->t_us - t0) / dt;
        }
        float *cell = &out[((bin * 2 + (e->p ? 1 : 0)) * PS_EVENT_HEIGHT + e->y) * PS_EVENT_WIDTH +
                           e->x];
        *cell = p->binarise ? 1.0f : *cell + 1.0f;
    }
    return PS_OK;
}
