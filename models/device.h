/* Memristor device model: random conductances from forming/programming,
 * differential pairs, RESET of pruned pairs, read noise, stuck-at faults
 * and power-law drift.
 *
 * Units: conductances in microsiemens (_uS), time in seconds (_s).
 * Every draw is keyed by (seed, stream, cell index) through ps_rng, with a
 * separate substream per purpose (forming, programming, reset, fault, read),
 * so a cell's value never depends on which cells were drawn before it.
 * The handle only holds parameters, an optional measured table and counters. */
#ifndef PS_DEVICE_H
#define PS_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Distribution of a freshly formed conductance. */
typedef enum ps_device_dist {
    PS_DEVICE_DIST_GAUSSIAN = 0, /* N(form_mean_uS, form_std_uS) */
    PS_DEVICE_DIST_MIXTURE,      /* that Gaussian, weight 1 - mix2_weight, plus N(mix2_mean, mix2_std) */
    PS_DEVICE_DIST_TABLE         /* a measured table passed to ps_device_create */
} ps_device_dist;

/* What the per-read relative noise multiplies. */
typedef enum ps_device_read_noise_on {
    PS_DEVICE_NOISE_ON_WEIGHT = 0, /* w' = w(1 + sigma N): PRIME's reference code */
    PS_DEVICE_NOISE_ON_CELL        /* G' = G(1 + sigma N) for each device independently */
} ps_device_read_noise_on;

typedef struct ps_device_params {
    double g_min_uS;          /* lowest reachable conductance (stuck-at-off value) */
    double g_max_uS;          /* highest reachable conductance (stuck-at-on value) */
    int distribution;         /* ps_device_dist */
    double form_mean_uS;      /* Gaussian (and mixture component 1) mean per device */
    double form_std_uS;       /* Gaussian (and mixture component 1) std per device */
    double mix2_weight;       /* probability of mixture component 2 */
    double mix2_mean_uS;
    double mix2_std_uS;
    double weight_per_uS;     /* w = weight_per_uS * (G+ - G-) */
    double reset_mean_uS;     /* off state after RESET of a pruned device */
    double reset_std_uS;      /* its spread */
    double program_noise_rel; /* relative std of a targeted (write) programming step */
    double read_noise_rel;    /* relative std per read */
    int read_noise_on;        /* ps_device_read_noise_on */
    double stuck_on_rate;     /* fraction of devices stuck at g_max */
    double stuck_off_rate;    /* fraction of devices stuck at g_min */
    double drift_nu;          /* power-law drift exponent; 0 = no drift */
    double drift_t0_s;        /* time after programming at which G = G0 */
} ps_device_params;

extern const ps_param_table ps_device_param_table;

/* A measured conductance distribution, owned by the caller (copied by
 * ps_device_create). g_uS ascending. If is_cdf, value[k] = P(G <= g_uS[k]),
 * non-decreasing, value[count-1] = 1, and G is drawn by inverse-CDF with
 * linear interpolation between points (a first value above 0 is a point
 * mass at g_uS[0]). Otherwise value[k] >= 0 is the probability of the
 * measured level g_uS[k] (normalised by the sum) and G takes one of the
 * listed levels. */
typedef struct ps_device_table {
    const double *g_uS;
    const double *value;
    size_t count;
    bool is_cdf;
} ps_device_table;

/* Checks a table; the message names the offending entry by index. */
ps_status ps_device_table_check(const ps_device_table *table, ps_error *err);

/* The key of a device population (one array): the chip seed and a stream
 * derived from the component path (ps_rng_stream_of("tiles[3].array")). */
typedef struct ps_device_key {
    uint64_t seed;
    uint64_t stream;
} ps_device_key;

typedef enum ps_device_fault {
    PS_DEVICE_OK = 0,
    PS_DEVICE_STUCK_OFF,
    PS_DEVICE_STUCK_ON
} ps_device_fault;

typedef struct ps_device_stats {
    uint64_t cells_formed;
    uint64_t cells_programmed;
    uint64_t cells_reset;
    uint64_t cells_stuck_on;  /* faulty cells met by form/program/reset */
    uint64_t cells_stuck_off;
    uint64_t cell_reads;      /* reads through ps_device_read (not crossbar reads) */
} ps_device_stats;

typedef struct ps_device ps_device;

/* table is required (non-NULL, valid) when distribution is "table" and
 * ignored otherwise. */
ps_status ps_device_create(const ps_device_params *params, const ps_device_table *table,
                           ps_error *err, ps_device **out);
void ps_device_reset(ps_device *dev); /* clears the counters */
void ps_device_destroy(ps_device *dev);
ps_status ps_device_stats_get(const ps_device *dev, ps_device_stats *stats);
/* The contract's name for ps_device_stats_get. */
#define ps_device_stats(dev, stats) ps_device_stats_get((dev), (stats))

const ps_device_params *ps_device_get_params(const ps_device *dev);

/* Whether cell is stuck, and how: a pure function of (key, cell). */
ps_device_fault ps_device_fault_of(const ps_device *dev, ps_device_key key, uint64_t cell);

/* Conductance of cell after forming: a draw from the configured distribution,
 * clipped to [g_min, g_max]; a stuck cell gives its stuck value. */
ps_status ps_device_form(ps_device *dev, ps_device_key key, uint64_t cell, double *g_uS);

/* Conductance after a targeted write of target_uS: target * (1 + program_noise_rel N),
 * clipped; stuck cells keep their stuck value. */
ps_status ps_device_program(ps_device *dev, ps_device_key key, uint64_t cell, double target_uS,
                            double *g_uS);

/* Conductance after RESET (pruning): N(reset_mean, reset_std) clipped; stuck
 * cells keep their stuck value. */
ps_status ps_device_reset_cell(ps_device *dev, ps_device_key key, uint64_t cell, double *g_uS);

/* Cells 2*pair and 2*pair+1 are the G+ and G- of a differential pair. */
ps_status ps_device_form_pair(ps_device *dev, ps_device_key key, uint64_t pair, double *g_pos_uS,
                              double *g_neg_uS);
ps_status ps_device_reset_pair(ps_device *dev, ps_device_key key, uint64_t pair, double *g_pos_uS,
                               double *g_neg_uS);

/* w = weight_per_uS * (G+ - G-). */
double ps_device_pair_weight(const ps_device *dev, double g_pos_uS, double g_neg_uS);

/* One noisy read of a single device: g * (1 + read_noise_rel * N), N keyed by
 * (key, read_id, cell). (For whole-array reads the crossbar draws one noise
 * per column instead.) */
double ps_device_read(ps_device *dev, ps_device_key key, uint64_t read_id, uint64_t cell,
                      double g_uS);

/* Conductance t_s seconds after programming: G0 * (t / t0)^(-nu) for t > t0,
 * G0 before; never below g_min. */
double ps_device_drift(const ps_device *dev, double g0_uS, double t_s);

/* Per-purpose substreams of a population key (read noise of a crossbar uses
 * PS_DEVICE_PURPOSE_READ). */
enum {
    PS_DEVICE_PURPOSE_FORM = 1,
    PS_DEVICE_PURPOSE_FORM_PICK,
    PS_DEVICE_PURPOSE_PROGRAM,
    PS_DEVICE_PURPOSE_RESET,
    PS_DEVICE_PURPOSE_FAULT,
    PS_DEVICE_PURPOSE_READ
};

#ifdef __cplusplus
}
#endif

#endif
