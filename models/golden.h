/* The golden functional model: plain-C inference of a whole network through
 * the device, crossbar, ADC, LIF and early-stop models, one timestep at a
 * time, with no timing. It is the reference the SystemC chip must equal
 * (same models, same order, same random keys) and the trainer's forward
 * pass must agree with.
 *
 * Per timestep t (1..T) and layer, in order:
 *   conv2d / linear: for each output position, the receptive field's
 *     nonzero input levels (found event by event, ps_layer_patch_lists) go
 *     through one crossbar-grid read (bit-serial or multi-level, per the
 *     crossbar params; each analogue cycle through the ADC unless
 *     ideal_adc), all positions of a layer in one batch
 *     (ps_crossbar_grid_read_batch), and I = out_uA * weight_per_uS / v_read
 *     * input_scale feeds the layer's neurons (LIF or output integrator);
 *   avgpool2d: the window's spike count becomes the next level, the scale
 *     divides by kernel^2 (exact: see network.h).
 * After the output layer the early-stop rule decides; with early_stop set
 * the sample ends when it fires.
 *
 * Read noise is keyed by (seed, layer, sample, timestep) and the position
 * (the read's number in its batch) only, so
 * results do not depend on the order samples are run in or on threads (one
 * handle per thread). */
#ifndef PS_GOLDEN_H
#define PS_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adc.h"
#include "common/status.h"
#include "crossbar.h"
#include "dac.h"
#include "device.h"
#include "early_stop.h"
#include "lif.h"
#include "network.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_golden_config {
    ps_device_params device;     /* read noise and its kind; conductances come from the network */
    ps_crossbar_params crossbar; /* array shape, read voltage, input encoding */
    ps_dac_params dac;           /* word-line driver */
    ps_adc_params adc;
    bool ideal_adc;              /* no quantisation: column currents pass unchanged */
    ps_lif_params lif;           /* format, lanes, energy; leak, v_th, slope from the network */
    ps_early_stop_params early_stop;
    bool early_stop_enabled;     /* end a sample when the rule fires, else run all T */
    uint64_t seed;
} ps_golden_config;

/* Work done, summed over runs since create or reset. */
typedef struct ps_golden_stats {
    uint64_t samples;
    uint64_t timesteps;          /* timesteps run over all samples */
    ps_crossbar_grid_stats crossbar; /* summed over every layer's grid */
    ps_adc_stats adc;
    ps_lif_stats lif;
    ps_early_stop_stats early_stop;
    uint64_t synaptic_ops;       /* non-zero input level x kept pair, per read */
    uint64_t dense_macs;         /* rows x cols per read, whatever the inputs */
} ps_golden_stats;

/* One sample's outcome. */
typedef struct ps_golden_result {
    int64_t timesteps_run;  /* the stop step, or T */
    int32_t prediction;     /* argmax of the running-mean output at the stop */
    double confidence;      /* max softmax probability at the stop */
} ps_golden_result;

/* Called after every layer of every timestep with that layer's output:
 * spikes (0/1, LIF), the pooled levels (pool), or the membrane (integrator,
 * as float values). For equality tests and tracing. */
typedef void (*ps_golden_observer)(void *ctx, int64_t t, int64_t layer, const float *values,
                                   size_t n);

/* Every model at its parameter-table defaults, early stop off, seed 1. */
void ps_golden_config_defaults(ps_golden_config *cfg);
/* The defaults without non-idealities: read noise off, ideal conversion.
 * The reference that a trainer's float forward pass is compared with. */
void ps_golden_config_ideal(ps_golden_config *cfg);

typedef struct ps_golden ps_golden;

/* net (and the arrays it points to) must outlive the handle. */
ps_status ps_golden_create(const ps_network *net, const ps_golden_config *cfg, ps_error *err,
                           ps_golden **out);
void ps_golden_destroy(ps_golden *g);
ps_status ps_golden_reset(ps_golden *g); /* clears the counters */
ps_status ps_golden_stats_get(const ps_golden *g, ps_golden_stats *out);

void ps_golden_set_observer(ps_golden *g, ps_golden_observer fn, void *ctx);

/* Runs sample sample_id. frames: T x (in_c * in_h * in_w) event counts,
 * clipped at the network's input_max_level. */
ps_status ps_golden_run(ps_golden *g, const uint16_t *frames, uint64_t sample_id,
                        ps_golden_result *result, ps_error *err);

/* The output integrators' membranes U_t after each step of the last run:
 * timesteps_run x n_outputs, row-major (the input of early-stop replay). */
const float *ps_golden_outputs(const ps_golden *g);
size_t ps_golden_n_outputs(const ps_golden *g);
/* Spikes each layer emitted at each step of the last run:
 * timesteps_run x n_layers (0 for layers without spiking neurons). */
const uint64_t *ps_golden_spike_counts(const ps_golden *g);

#ifdef __cplusplus
}
#endif

#endif
