/* Statistics of a simulation run: one record per sample x timestep (energy
 * by component for the hybrid chip and both digital baselines, latency,
 * compute load, spikes per layer, confidence, stop decision), the per-run
 * summary derived from them, and the sinks (timesteps.csv, summary.json,
 * report.md, SVG plots). Shards merge exactly: the summary is a function
 * of the records sorted by (sample, t) and the run's meta only, and
 * numbers are written with 17 significant digits (they read back equal).
 *
 * Threshold sweeps: the stop step of a sample at threshold theta is the
 * first recorded t with confidence > theta (the chip's rule), so a run
 * traced at full T (early stop off) gives every threshold by replay. A
 * threshold whose stop lies beyond a stopped trace is reported invalid.
 *
 * Effective TOPS/W counts 2 operations (multiply, add) per MAC-equivalent,
 * MAC-equivalents being the dense MACs of the unpruned network per
 * timestep run: ops / pJ = TOPS/W. */
#ifndef PS_STATS_H
#define PS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "digital_baseline.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_STATS_MAX_LAYERS 16
#define PS_STATS_MAX_THRESHOLDS 64

/* Fields of a record, in CSV column order. */
typedef enum ps_stat_id {
    PS_ST_SAMPLE = 0, PS_ST_LABEL, PS_ST_T,
    PS_ST_PREDICTION, PS_ST_CONFIDENCE, PS_ST_STOP,
    PS_ST_CYCLES, PS_ST_LATENCY_NS,
    /* hybrid energy; PS_ST_HY_TOTAL_PJ = the sum of the ones before it */
    PS_ST_HY_CROSSBAR_PJ, PS_ST_HY_DAC_PJ, PS_ST_HY_ADC_PJ, PS_ST_HY_ACCUMULATE_PJ,
    PS_ST_HY_LIF_PJ, PS_ST_HY_BUFFER_PJ, PS_ST_HY_NOC_PJ, PS_ST_HY_EARLY_STOP_PJ,
    PS_ST_HY_LEAKAGE_PJ, PS_ST_HY_TOTAL_PJ,
    /* compute load */
    PS_ST_SYNAPTIC_OPS, PS_ST_CROSSBAR_READS, PS_ST_ANALOGUE_CYCLES, PS_ST_ACTIVE_ROWS,
    PS_ST_ADC_CONVERSIONS, PS_ST_ACCUMULATES, PS_ST_MAC_EQUIVALENTS, PS_ST_NEURON_UPDATES,
    PS_ST_NOC_FLITS, PS_ST_SPIKES,
    /* event-driven digital baseline */
    PS_ST_EV_SRAM_PJ, PS_ST_EV_ALU_PJ, PS_ST_EV_NEURON_PJ, PS_ST_EV_NOC_PJ,
    PS_ST_EV_EARLY_STOP_PJ, PS_ST_EV_LEAKAGE_PJ, PS_ST_EV_TOTAL_PJ, PS_ST_EV_CYCLES,
    PS_ST_EV_LATENCY_NS,
    /* dense digital baseline */
    PS_ST_DN_SRAM_PJ, PS_ST_DN_ALU_PJ, PS_ST_DN_NEURON_PJ, PS_ST_DN_NOC_PJ,
    PS_ST_DN_EARLY_STOP_PJ, PS_ST_DN_LEAKAGE_PJ, PS_ST_DN_TOTAL_PJ, PS_ST_DN_CYCLES,
    PS_ST_DN_LATENCY_NS,
    PS_ST_SPIKES_L0, /* .. + n_layers - 1 */
    PS_ST_COUNT = PS_ST_SPIKES_L0 + PS_STATS_MAX_LAYERS
} ps_stat_id;

typedef struct ps_stat_desc {
    const char *name; /* CSV column, JSON key */
    const char *unit; /* "" when dimensionless */
    const char *description;
} ps_stat_desc;

/* Descriptor of field id (spikes_l<k> for the per-layer fields). */
const ps_stat_desc *ps_stat_descriptor(ps_stat_id id);

typedef struct ps_stats_record {
    double v[PS_ST_COUNT];
} ps_stats_record;

/* What the hybrid chip did in one timestep (counter differences). */
typedef struct ps_stats_hybrid_step {
    uint64_t cycles;
    double crossbar_pj, dac_pj, adc_pj, accumulate_pj, lif_pj, buffer_pj, noc_pj, early_stop_pj;
    uint64_t synaptic_ops, crossbar_reads, analogue_cycles, active_rows, adc_conversions,
        accumulates, noc_flits, spikes;
    uint64_t early_stop_cycles;
    uint64_t spikes_per_layer[PS_STATS_MAX_LAYERS];
} ps_stats_hybrid_step;

/* The run's constants: written as the CSV's header comments. */
typedef struct ps_stats_meta {
    int64_t timesteps;        /* T */
    int64_t n_layers;
    double clock_mhz;         /* hybrid chip */
    double theta;             /* the run's early-stop threshold */
    bool early_stop;          /* the run stopped samples (false: full-T traces) */
    bool timed;               /* false for the golden model: no cycles */
    size_t n_thresholds;      /* sweep, in the order given */
    double thresholds[PS_STATS_MAX_THRESHOLDS];
    char system[64];
} ps_stats_meta;

/* Fills one record from a hybrid step, running the baselines (b) on the
 * same work; leakage of the hybrid chip from bp. Totals are the sums of
 * their components. */
ps_status ps_stats_record_fill(ps_stats_record *rec, const ps_stats_meta *meta, uint64_t sample,
                               int32_t label, int64_t t, int32_t prediction, double confidence,
                               const ps_stats_hybrid_step *h, ps_baseline *b,
                               const ps_baseline_params *bp);

typedef struct ps_stats_run ps_stats_run;

ps_status ps_stats_create(const ps_stats_meta *meta, ps_error *err, ps_stats_run **out);
void ps_stats_destroy(ps_stats_run *r); /* accepts NULL */
void ps_stats_reset(ps_stats_run *r);   /* drops the records */
ps_status ps_stats_add(ps_stats_run *r, const ps_stats_record *rec);
const ps_stats_meta *ps_stats_get_meta(const ps_stats_run *r);
size_t ps_stats_count(const ps_stats_run *r);
const ps_stats_record *ps_stats_records(const ps_stats_run *r); /* sorted by (sample, t) */
/* Sorts by (sample, t); duplicates are PS_ERR_FORMAT. */
ps_status ps_stats_sort(ps_stats_run *r, ps_error *err);

/* Figures at one threshold, per sample (means over samples). NaN = not
 * available (valid false: some stop lies beyond a stopped trace). */
typedef struct ps_stats_point {
    double theta;
    bool valid;
    size_t samples;
    double accuracy, mean_timesteps;
    double load_saving_steps;  /* 1 - sum stop steps / (samples T) */
    double load_saving_synops; /* 1 - synaptic ops to the stop / ops at full T; NaN unless full traces */
    double synaptic_ops, mac_equivalents;
    double hybrid_pj, event_pj, dense_pj;
    double hybrid_part_pj[9]; /* PS_ST_HY_CROSSBAR_PJ .. PS_ST_HY_LEAKAGE_PJ */
    double event_part_pj[6];  /* PS_ST_EV_SRAM_PJ .. PS_ST_EV_LEAKAGE_PJ */
    double dense_part_pj[6];
    double hybrid_ns, event_ns, dense_ns;
    double throughput_sps;     /* 1e9 / hybrid_ns: samples per second, one at a time */
    double edp_pj_ns;          /* hybrid energy x latency per sample */
    double tops_per_w;         /* 2 x MAC-equivalents / hybrid energy (ops/pJ) */
    double event_ratio, dense_ratio;                /* baseline energy / hybrid energy */
    double event_latency_ratio, dense_latency_ratio;/* baseline latency / hybrid latency */
} ps_stats_point;

/* The point at theta, computed by replay over the records. */
ps_status ps_stats_point_at(const ps_stats_run *r, double theta, ps_stats_point *out);
/* Stop-step histogram at the run's theta: hist[t-1] for t = 1..T. */
ps_status ps_stats_stop_histogram(const ps_stats_run *r, uint64_t *hist);

/* Sinks. Paths are whole file names. */
ps_status ps_stats_write_csv(const ps_stats_run *r, const char *path, ps_error *err);
ps_status ps_stats_read_csv(const char *path, ps_error *err, ps_stats_run **out);
ps_status ps_stats_write_summary_json(const ps_stats_run *r, const char *path, ps_error *err);
/* report.md and the SVG plots into dir; title names the run. */
ps_status ps_stats_write_report(const ps_stats_run *r, const char *dir, const char *title,
                                ps_error *err);
/* dir/timesteps.csv and dir/summary.json (sorts the records first). */
ps_status ps_stats_write_outputs(ps_stats_run *r, const char *dir, ps_error *err);
/* The comparison table (Markdown) at the run's theta and the sweep. */
ps_status ps_stats_format_table(const ps_stats_run *r, char *buf, size_t size);

/* Merges shard runs into one: metas must agree, samples must not repeat. */
ps_status ps_stats_merge(ps_stats_run *const *runs, size_t n, ps_error *err, ps_stats_run **out);

#ifdef __cplusplus
}
#endif

#endif
