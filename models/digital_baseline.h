/* Digital baselines for the energy comparison: the same network, the same
 * samples and the same early-stop decisions as the hybrid chip, on
 *   (a) "event": an event-driven digital SNN accelerator with weights in
 *       SRAM. Per synaptic event (non-zero input level x kept pair): one
 *       weight read from SRAM and one accumulate. Per emitted spike: one
 *       1-flit message over spike_hops router hops.
 *   (b) "dense": dense digital hardware (GPU-like): every MAC of the
 *       unpruned network at every timestep, each MAC fetching its weight
 *       from SRAM (divided by dense_weight_reuse).
 * Both also pay the neuron updates (the same digital LIF work as the
 * hybrid chip: the caller passes its energy) and the early-stop decision
 * (the same fp32 operations). Work comes from the hybrid run timestep by
 * timestep (ps_baseline_work), so the baseline follows the same stop step.
 *
 * Per timestep, with E_w = SRAM 64-bit read(sram_kb) * weight_bits / 64:
 *   event: sram = syn_ops * E_w, alu = syn_ops * add(acc_dtype),
 *          noc = spikes * spike_hops * flit_hop, cycles =
 *          ceil(syn_ops / event_lanes) * max(sram_read, alu_op) + neuron
 *          groups + early-stop cycles
 *   dense: sram = dense_macs / reuse * E_w,
 *          alu = dense_macs * (mult(mult_dtype) + add(acc_dtype)), cycles =
 *          ceil(dense_macs / dense_lanes) * max(sram_read, alu_op) + ...
 *   neuron groups = ceil(neurons / lanes) * alu_op_cycles.
 *   leakage = leakage_mw * elapsed ns (mW x ns = pJ).
 * Energy constants come from energy_digital (configs/energy/, cited). */
#ifndef PS_DIGITAL_BASELINE_H
#define PS_DIGITAL_BASELINE_H

#include <stdint.h>

#include "common/params.h"
#include "common/status.h"
#include "energy.h"
#include "network.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_baseline_params {
    int64_t weight_bits;       /* stored weight width */
    int64_t sram_kb;           /* weight SRAM bank the reads come from */
    int acc_dtype;             /* ps_energy_dtype of accumulates */
    int mult_dtype;            /* ps_energy_dtype of the dense multiplies */
    double spike_hops;         /* mean router hops of one spike message */
    int64_t flit_bits;
    double link_mm;
    int64_t event_lanes;       /* synaptic events processed per cycle */
    int64_t dense_lanes;       /* MACs per cycle */
    double dense_weight_reuse; /* MACs served by one weight read */
    double clock_mhz;          /* clock of both baselines */
    double leakage_hybrid_mw;  /* static power, per platform */
    double leakage_event_mw;
    double leakage_dense_mw;
} ps_baseline_params;

extern const ps_param_table ps_baseline_param_table;

/* Fixed work of the network per timestep. */
typedef struct ps_baseline_network {
    uint64_t dense_macs;   /* every weight at every output position, pruned or not */
    uint64_t neurons;      /* LIF and integrator neurons */
    uint64_t kept_pairs, total_pairs;
} ps_baseline_network;

ps_status ps_baseline_network_work(const ps_network *net, ps_baseline_network *out);

/* What one timestep of the hybrid run did. */
typedef struct ps_baseline_work {
    uint64_t synaptic_ops;
    uint64_t spikes;
    double neuron_pj;      /* the digital neuron updates (same LIF logic) */
    double early_stop_pj;  /* the decision (same fp32 ops) */
    uint64_t early_stop_cycles;
} ps_baseline_work;

/* One timestep on one baseline. total_pj = the sum of the components. */
typedef struct ps_baseline_step {
    double sram_pj, alu_pj, neuron_pj, noc_pj, early_stop_pj, leakage_pj, total_pj;
    uint64_t cycles;
    double latency_ns;
} ps_baseline_step;

typedef struct ps_baseline_stats {
    uint64_t timesteps;
    double event_pj, dense_pj;
    uint64_t event_cycles, dense_cycles;
} ps_baseline_stats;

typedef struct ps_baseline ps_baseline;

ps_status ps_baseline_create(const ps_baseline_params *p, const ps_energy_digital_params *e,
                             const ps_network *net, ps_error *err, ps_baseline **out);
void ps_baseline_destroy(ps_baseline *b); /* accepts NULL */
void ps_baseline_reset(ps_baseline *b);
ps_status ps_baseline_stats_get(const ps_baseline *b, ps_baseline_stats *out);
const ps_baseline_network *ps_baseline_get_network(const ps_baseline *b);
/* Energy of one weight read from the weight SRAM. */
double ps_baseline_weight_read_pj(const ps_baseline *b);

/* One timestep on both baselines (either output may be NULL). */
ps_status ps_baseline_step_run(ps_baseline *b, const ps_baseline_work *w, ps_baseline_step *event,
                               ps_baseline_step *dense);

#ifdef __cplusplus
}
#endif

#endif
