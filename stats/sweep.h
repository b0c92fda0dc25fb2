/* Design-space sweep results: one row per point (accuracy, timesteps,
 * energy and latency per sample, area proxy, ratios to the digital
 * baselines), the Pareto set, and the sinks (CSV, Markdown, Pareto SVG).
 * Rows come from each point's run (ps_stats_point at its theta plus the
 * hardware the mapping used); the sinks depend on the rows only, so a
 * sweep run in shards and merged writes the same bytes as one run. */
#ifndef PS_STATS_SWEEP_H
#define PS_STATS_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_sweep_state {
    PS_SWEEP_OK = 0,
    PS_SWEEP_FAILED,  /* ran and failed: error says why */
    PS_SWEEP_NOT_RUN, /* no result (another shard's point, or a killed run) */
} ps_sweep_state;

typedef struct ps_sweep_row {
    const char *point;          /* "p007" */
    const char *const *values;  /* n_params parameter values, as written in the sweep */
    ps_sweep_state state;
    const char *error;          /* PS_SWEEP_FAILED: one line */
    ps_stats_point result;      /* PS_SWEEP_OK: the run at its theta */
    int64_t tiles, arrays, adcs; /* area proxy; -1 = unknown (golden runs) */
} ps_sweep_row;

/* What "better" means for the Pareto set: a bit per objective. */
typedef enum ps_sweep_objective {
    PS_SWEEP_ENERGY = 1 << 0,   /* lower energy per sample */
    PS_SWEEP_LATENCY = 1 << 1,  /* lower latency per sample */
    PS_SWEEP_ACCURACY = 1 << 2, /* higher accuracy */
    PS_SWEEP_ADCS = 1 << 3,     /* fewer ADCs (area) */
    PS_SWEEP_ARRAYS = 1 << 4,   /* fewer arrays (area) */
    PS_SWEEP_TILES = 1 << 5,    /* fewer tiles (area) */
} ps_sweep_objective;
#define PS_SWEEP_N_OBJECTIVES 6
#define PS_SWEEP_DEFAULT_OBJECTIVES \
    (PS_SWEEP_ENERGY | PS_SWEEP_LATENCY | PS_SWEEP_ACCURACY | PS_SWEEP_ADCS)

/* Objective bit of a name ("energy", "latency", "accuracy", "adcs",
 * "arrays", "tiles"); 0 if unknown. */
unsigned ps_sweep_objective_of(const char *name);
/* "energy, latency, ..." of a set, into buf. */
void ps_sweep_objectives_text(unsigned objectives, char *buf, size_t size);

/* pareto[i] = row i is ok and no other ok row is at least as good in every
 * objective and better in one. Unknown values (a golden run's latency and
 * hardware) compare equal to each other and worse than any known value. */
void ps_sweep_pareto(const ps_sweep_row *rows, size_t n, unsigned objectives, bool *pareto);

/* The table as CSV: point, the parameters, state, figures, pareto, error.
 * Numbers with 17 significant digits. */
void ps_sweep_write_csv(FILE *f, const char *const *params, size_t n_params,
                        const ps_sweep_row *rows, size_t n, const bool *pareto);
/* The same as a Markdown table with rounded figures, Pareto rows marked. */
void ps_sweep_write_markdown(FILE *f, const char *title, const char *const *params,
                             size_t n_params, const ps_sweep_row *rows, size_t n,
                             const bool *pareto, unsigned objectives);
/* dir/name: energy vs latency per sample (log-log), accuracy as colour,
 * Pareto-optimal points ringed and labelled. Rows without a latency are
 * left out (said in the plot). */
ps_status ps_sweep_write_pareto_svg(const char *dir, const char *name, const char *title,
                                    const ps_sweep_row *rows, size_t n, const bool *pareto,
                                    ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
