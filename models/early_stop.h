/* Input-aware dynamic early stop (docs/prime.md sec. 4): decides after each
 * timestep whether inference may stop, and what the decision costs.
 *
 * Timesteps are numbered t = 1, 2, ..., T (t = number of steps run).
 *
 * Classification (K outputs U_t of the output integrators):
 *   o_t = (1/t) * sum_{tau<=t} U_tau,   p_t = softmax(o_t / alpha)
 *   stop after step t when max_j p_t[j] > theta; prediction = argmax_j o_t[j]
 *   (ties: the lowest index). Computed in double as
 *   max p = 1 / sum_j exp((S_j - S_max) / (t * alpha)), S = running sum.
 *
 * Inpainting consistency score (P pixels of reconstruction R_t):
 *   m(t) = sum_pixels |R_t - R_{t-1}| / consistency_scale  (scale 100)
 *   stop after step t when m(t) < m(t-1) < m(t-2) and m(t) < theta.
 *   PRIME says "earliest stop after 3 steps". With consistency_from_zero
 *   (default) R_0 is the all-zero image (the readout tanh(0) of an empty
 *   membrane), so m(1) = sum|R_1| / scale is defined and the earliest stop
 *   is after step t = 3, which is how we read that sentence. Without it,
 *   m is first defined at t = 2 and the earliest stop is t = 4.
 *
 * The caller always stops at T: a step reports only whether the rule fired.
 * Replay helpers reproduce the stateful decisions bit for bit from stored
 * per-timestep outputs, so a threshold sweep needs one network run per
 * sample: trace once, then replay each threshold in O(T).
 *
 * Cost of one decision, in operations of a scalar fp32 unit
 * (ps_early_stop_*_ops): see early_stop.c for the op-by-op count. Energy =
 * sum over op kinds of count * energy; cycles = ceil((adds + mults + cmps)
 * / lanes) + ceil(exps / lanes) * exp_cycles + divs * div_cycles. */
#ifndef PS_EARLY_STOP_H
#define PS_EARLY_STOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_early_stop_params {
    double alpha;               /* softmax temperature */
    double theta;               /* classification confidence threshold */
    double consistency_theta;   /* inpainting threshold on m(t) */
    double consistency_scale;   /* divisor of the summed |R_t - R_{t-1}| */
    bool consistency_from_zero; /* R_0 = 0, so m(1) is defined */
    double add_pj;
    double mult_pj;
    double div_pj;
    double exp_pj;
    double cmp_pj;
    int64_t lanes;              /* element-wise ops per cycle */
    int64_t exp_cycles;
    int64_t div_cycles;
} ps_early_stop_params;

extern const ps_param_table ps_early_stop_param_table;

/* Operation counts of decisions. */
typedef struct ps_early_stop_ops {
    uint64_t adds; /* adds and subtracts */
    uint64_t mults;
    uint64_t divs;
    uint64_t exps;
    uint64_t cmps;
} ps_early_stop_ops;

typedef struct ps_early_stop_stats {
    uint64_t decisions;  /* steps evaluated */
    uint64_t stops;      /* steps at which the rule fired */
    ps_early_stop_ops ops;
    int64_t cycles;
    double energy_pj;
} ps_early_stop_stats;

/* Outcome of one step. */
typedef struct ps_early_stop_decision {
    int64_t t;          /* steps run so far, 1-based */
    bool stop;          /* the rule fired after this step */
    int32_t prediction; /* classification: argmax o_t; inpainting: -1 */
    double score;       /* classification: max p_t; inpainting: m(t), NaN if undefined */
} ps_early_stop_decision;

typedef struct ps_early_stop ps_early_stop;

ps_status ps_early_stop_create(const ps_early_stop_params *p, ps_error *err,
                               ps_early_stop **out);
void ps_early_stop_destroy(ps_early_stop *es); /* accepts NULL */
/* Clears the counters and forgets the current sample. */
void ps_early_stop_reset(ps_early_stop *es);
ps_status ps_early_stop_stats_get(const ps_early_stop *es, ps_early_stop_stats *out);
/* The contract's name (a function cannot share the struct's typedef name). */
#define ps_early_stop_stats(es, out) ps_early_stop_stats_get((es), (out))
const ps_early_stop_params *ps_early_stop_get_params(const ps_early_stop *es);

/* Starts a classification sample of n_classes outputs (the handle holds its
 * running sums: one handle per sample in flight). */
ps_status ps_early_stop_begin_classify(ps_early_stop *es, size_t n_classes);
/* Feeds U_t (n_classes floats) and decides with theta from the params. */
ps_status ps_early_stop_classify_step(ps_early_stop *es, const float *output,
                                      ps_early_stop_decision *out);

/* Starts an inpainting sample of n_pixels (the handle keeps R_{t-1}). */
ps_status ps_early_stop_begin_consistency(ps_early_stop *es, size_t n_pixels);
/* Feeds R_t and decides with consistency_theta from the params. */
ps_status ps_early_stop_consistency_step(ps_early_stop *es, const float *recon,
                                         ps_early_stop_decision *out);

/* Pure helpers for replay and threshold sweeps (no handle, no counters). */

/* outputs: T x K row-major (U_1 .. U_T). conf[t-1] = max p_t and
 * pred[t-1] = argmax o_t for t = 1..T; pred may be NULL. */
ps_status ps_early_stop_classify_trace(double alpha, const float *outputs, size_t T, size_t K,
                                       double *conf, int32_t *pred);
/* First t in 1..T with conf[t-1] > theta, else T (0 when T = 0). */
size_t ps_early_stop_replay_confidence(const double *conf, size_t T, double theta);
/* Trace + replay for one threshold: stop step and the prediction then. */
ps_status ps_early_stop_replay_classify(const ps_early_stop_params *p, const float *outputs,
                                        size_t T, size_t K, double theta, size_t *stop_step,
                                        int32_t *prediction);

/* recons: T x P row-major (R_1 .. R_T). m[t-1] = m(t), NaN where undefined. */
ps_status ps_early_stop_consistency_trace(double scale, bool from_zero, const float *recons,
                                          size_t T, size_t P, double *m);
/* First t in 1..T with m(t) < m(t-1) < m(t-2) and m(t) < theta, else T. */
size_t ps_early_stop_replay_consistency(const double *m, size_t T, double theta);
ps_status ps_early_stop_replay_inpaint(const ps_early_stop_params *p, const float *recons,
                                       size_t T, size_t P, double theta, size_t *stop_step);

/* Operation counts of one decision, and their energy and latency. */
ps_early_stop_ops ps_early_stop_classify_ops(size_t n_classes);
ps_early_stop_ops ps_early_stop_consistency_ops(size_t n_pixels);
double ps_early_stop_ops_energy_pj(const ps_early_stop_params *p, const ps_early_stop_ops *ops);
int64_t ps_early_stop_ops_cycles(const ps_early_stop_params *p, const ps_early_stop_ops *ops);

#ifdef __cplusplus
}
#endif

#endif
