/* Digital LIF unit: the PRIME neuron (docs/prime.md sec. 2), in float or in a
 * configurable fixed-point format, over arrays of neurons.
 *
 * Spiking neuron (hidden layers), per timestep, hard reset:
 *   U_t = LeakyReLU_a( leak * U_{t-1} * (1 - s_{t-1}) + I_t )
 *   s_t = [U_t > v_th]
 * with leak = 0.2, v_th = 0.2, a = negative_slope = 0.1 for PRIME's
 * classification network (negative_slope = 1 disables the LeakyReLU, as in
 * the FSVAE inpainting neuron with leak = 0.25).
 * Output integrator (no spike, no reset; no leak unless readout_decay > 0):
 *   U_t = LeakyReLU_a( (1 - readout_decay) * U_{t-1} + I_t )
 *
 * State: the caller owns the membrane (float[n]) and spike (uint8_t[n])
 * buffers, so one unit serves every layer and every sample of a batch
 * (lay out batch x neurons flat). Zero both at the start of a sample.
 * The unit owns only its parameters and counters.
 *
 * float format: evaluated in float32 in exactly this order:
 *   v = (leak * U) * (float)(1 - s) + I;  U = v < 0 ? a * v : v;  s = U > v_th
 * (the trainer's forward pass must use the same order, without FMA
 * contraction, to match bit for bit).
 *
 * fixed format: two's complement, total_bits (2..24) with frac_bits of
 * fraction, LSB = 2^-frac_bits. Every value the unit writes is a multiple
 * of the LSB within range, so it is exact in the float buffer (24 bits at
 * most for that reason). Inputs, the stored membrane and the constants
 * leak, v_th and a are converted with the rounding mode and saturated
 * (the constants always round to nearest). Products c * U are computed
 * exactly in 64 bits and shifted back by frac_bits with the rounding mode;
 * the sum is saturated. Rounding modes:
 *   nearest: floor(x + 1/2 LSB), ties toward +infinity (add half, shift);
 *   floor:   floor(x), truncation toward -infinity (plain arithmetic shift).
 */
#ifndef PS_LIF_H
#define PS_LIF_H

#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_lif_format {
    PS_LIF_FLOAT = 0,
    PS_LIF_FIXED
} ps_lif_format;

typedef enum ps_lif_rounding {
    PS_LIF_ROUND_NEAREST = 0, /* ties toward +infinity */
    PS_LIF_ROUND_FLOOR
} ps_lif_rounding;

#define PS_LIF_MAX_TOTAL_BITS 24

typedef struct ps_lif_params {
    double leak;           /* lambda multiplying U_{t-1} */
    double v_th;           /* spike when U_t > v_th */
    double negative_slope; /* LeakyReLU slope below 0 */
    double readout_decay;  /* output integrator's loss per step; 0 = none */
    int format;            /* ps_lif_format */
    int64_t total_bits;
    int64_t frac_bits;
    int rounding;          /* ps_lif_rounding */
    int64_t lanes;         /* neurons updated per cycle */
    int64_t update_cycles; /* cycles per group of lanes */
    double update_energy_pj;    /* one spiking-neuron update */
    double integrate_energy_pj; /* one output-integrator update */
    double rectify_energy_pj;   /* extra per negative value scaled by the slope */
    double bias_add_energy_pj;  /* one bias add (ps_lif_add_bias) */
    double readout_leak_energy_pj; /* extra per integrator update when readout_decay > 0 */
} ps_lif_params;

extern const ps_param_table ps_lif_param_table;

typedef struct ps_lif_stats {
    uint64_t updates;      /* spiking-neuron updates */
    uint64_t integrations; /* output-integrator updates */
    uint64_t spikes;
    uint64_t rectified;    /* results below 0 scaled by negative_slope */
    uint64_t saturations;  /* fixed: inputs, state or sums clamped to the range */
    uint64_t bias_adds;    /* ps_lif_add_bias: one per neuron */
    int64_t cycles;        /* sum of ps_lif_cycles over the calls */
    double energy_pj;
} ps_lif_stats;

typedef struct ps_lif ps_lif;

/* Validates p (also frac_bits < total_bits) and copies it. */
ps_status ps_lif_create(const ps_lif_params *p, ps_error *err, ps_lif **out);
void ps_lif_destroy(ps_lif *lif); /* accepts NULL */
void ps_lif_reset(ps_lif *lif);   /* clears the counters */
ps_status ps_lif_stats_get(const ps_lif *lif, ps_lif_stats *out);
/* The contract's name (a function cannot share the struct's typedef name). */
#define ps_lif_stats(lif, out) ps_lif_stats_get((lif), (out))
const ps_lif_params *ps_lif_get_params(const ps_lif *lif);

/* One timestep of n spiking neurons. membrane: U_{t-1} in, U_t out.
 * spikes: s_{t-1} in (0 or nonzero), s_t out (0 or 1). input: I_t.
 * *n_spikes (if not NULL) = number of spikes emitted. In fixed format a
 * NaN input or membrane is PS_ERR_INVALID_ARG, checked before any write;
 * in float format NaN propagates. */
ps_status ps_lif_step(ps_lif *lif, float *membrane, uint8_t *spikes, const float *input,
                      size_t n, size_t *n_spikes);

/* One timestep of n output integrators: membrane U_{t-1} in, U_t out. */
ps_status ps_lif_integrate(ps_lif *lif, float *membrane, const float *input, size_t n);

/* A layer's bias, before the update: input[i] += bias[i] for n neurons
 * (the caller lays the per-channel bias out per neuron). A digital add
 * in the unit's arithmetic: float32, or in fixed format both operands
 * represented (rounded, saturated) and the sum saturated, so the result is
 * exact in the float buffer. Costs one more pass through the lanes
 * (ps_lif_cycles(n)) and bias_add_energy_pj per add. */
ps_status ps_lif_add_bias(ps_lif *lif, float *input, const float *bias, size_t n);

/* Cycles to update n neurons: ceil(n / lanes) * update_cycles. */
int64_t ps_lif_cycles(const ps_lif *lif, size_t n);

/* x as the unit represents it: x in float format; rounded to the LSB and
 * saturated in fixed format (NaN gives 0). */
float ps_lif_represent(const ps_lif *lif, float x);

/* 2^-frac_bits in fixed format, 0 in float format. */
double ps_lif_lsb(const ps_lif *lif);

#ifdef __cplusplus
}
#endif

#endif
