/* Frame binning as PRIME trains on N-MNIST: a sample's events are split into
 * T bins and each bin counts events per (polarity, y, x).
 *
 * Rules (N events, kept after the optional first-saccade cut, in file order),
 * SpikingJelly's integrate_events_by_fixed_frames_number exactly, so that
 * checkpoints trained on its frames see the same input here:
 *   by count (split_by='number'): with d = N // T, event j (0-based) goes to
 *                bin min(j // d, T - 1): the first T - 1 bins hold d events,
 *                the last holds the rest, d + N mod T. N < T (d = 0): all in
 *                the last bin.
 *   by duration (split_by='time'): with dt = (t_last - t_first) // T in us,
 *                an event at t goes to bin min((t - t_first) // dt, T - 1):
 *                the first T - 1 bins cover dt each, the last the rest (from
 *                t_first + (T - 1) dt through t_last). dt = 0 (a span under
 *                T us): all in the last bin. SpikingJelly raises on an empty
 *                bin and on dt = 0; here an empty bin is simply empty.
 *   Tonic's ToFrame differs: n_event_bins gives every bin N // T events and
 *   drops the last N mod T; n_time_bins uses the same dt but windows
 *   [t_first + i dt, t_first + (i + 1) dt), so events at or after
 *   t_first + T dt (always at least the last one) are dropped.
 *   first_saccade_only keeps events with t_us < first_saccade_ms * 1000
 *   (tonic's NMNIST first_saccade_only uses the same 100 ms cut).
 *   binarise turns every non-zero count into 1.
 * Output layout: float out[T][2][34][34], channel 0 = OFF, 1 = ON. */
#ifndef PS_DATA_FRAMES_H
#define PS_DATA_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"
#include "data/events.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_frames_split { PS_FRAMES_BY_COUNT = 0, PS_FRAMES_BY_DURATION = 1 } ps_frames_split;

typedef struct ps_frames_params {
    int64_t bins;
    int split_by; /* ps_frames_split */
    bool binarise;
    bool first_saccade_only;
    double first_saccade_ms;
} ps_frames_params;

extern const ps_param_table ps_frames_param_table;

/* Floats in one sample's frames: bins * 2 * 34 * 34. */
size_t ps_frames_size(const ps_frames_params *p);

/* Bins n time-ordered events into out (ps_frames_size floats, overwritten).
 * Zero events give all-zero frames. Unordered timestamps are refused. */
ps_status ps_frames_bin(const ps_frames_params *p, const ps_event *ev, size_t n, float *out,
                        ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
