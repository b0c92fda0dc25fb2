/* Crossbar array of rows x cols differential pairs (2 * cols physical
 * columns) and its vector-matrix product.
 *
 * A read drives the active rows with the read voltage and returns, per
 * output column j, the differential current
 *     out_ua[j] = sum_i v_i * (G+_ij - G-_ij)      [V * uS = uA]
 * (binary inputs: v_i = v_read_v for each listed row). Read noise is drawn
 * once per column with the exact variance of the per-cell sum:
 *     var_j = sigma^2 * sum_i v_i^2 * q_ij,
 * q = (G+ - G-)^2 when the device's noise is on the weight, G+^2 + G-^2 when
 * it is on each cell. Cell energy of a read cycle is
 *     E = sum_i v_i^2 * sum_j (G+_ij + G-_ij) * t_read   [V^2 * uS * ns = fJ]
 * plus one driver (DAC) activation per active row.
 *
 * Multi-level inputs x_i in [0, 2^input_bits - 1] are read either bit-serially
 * (one binary cycle per bit plane, shift-and-add) or in one cycle through a
 * multi-level DAC (v_i = v_read * x_i / (2^input_bits - 1)); both return
 * out_ua[j] = v_read * sum_i x_i (G+_ij - G-_ij), i.e. the DAC result is
 * rescaled by 2^input_bits - 1 after its cycle.
 *
 * Sums are exact: conductances are held in fixed point, each G+ - G- to
 * 2^-20 of the array's largest |G+ - G-| or finer (at most 2^-40 uS), so a
 * read's result does not depend on the order its rows are added in; arrays
 * of up to 1024 rows (bit-serial) sum in 32-bit lanes.
 * Read noise draws one ziggurat normal per sensed column and cycle from
 * the counter-based generator (ps_rng_normal4), keyed by the read.
 *
 * The crossbar borrows the device (programming, noise sigma) and the
 * optional DAC (driver energy): both must outlive it. Not thread-safe: one
 * handle per tile. */
#ifndef PS_CROSSBAR_H
#define PS_CROSSBAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"
#include "dac.h"
#include "device.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    PS_XBAR_BIT_SERIAL = 0, /* one binary cycle per input bit, shift-and-add */
    PS_XBAR_MULTILEVEL_DAC  /* one cycle, row voltage proportional to the input */
};

typedef struct ps_crossbar_params {
    int64_t rows;       /* word lines */
    int64_t cols;       /* output columns, each a differential pair */
    double v_read_v;    /* full-scale read voltage */
    double t_read_ns;   /* duration of one read cycle (integration window) */
    int64_t input_bits; /* resolution of multi-level inputs */
    int multilevel;     /* PS_XBAR_BIT_SERIAL | PS_XBAR_MULTILEVEL_DAC */
    bool zero_skip;     /* a cycle with no active row is not performed */
    double wire_r_ohm;  /* wire resistance per cell segment; 0 = no IR drop */
} ps_crossbar_params;

extern const ps_param_table ps_crossbar_param_table;

/* Counters; the same struct is the cost of one read. */
typedef struct ps_crossbar_stats {
    uint64_t reads;          /* read calls */
    uint64_t cycles;         /* analogue read cycles performed */
    uint64_t skipped_cycles; /* cycles with no active row, zero-skipped */
    uint64_t active_rows;    /* rows driven, summed over cycles (= DAC activations) */
    uint64_t cell_reads;     /* cells on driven rows: active_rows * 2 * cols */
    double cell_energy_pj;   /* V^2 * sum G_active * t_read */
    double driver_energy_pj; /* DAC activations */
    double energy_pj;        /* the sum of both */
    double read_time_ns;     /* cycles * t_read_ns */
} ps_crossbar_stats;

/* Called after each analogue cycle with its column currents, which it may
 * change in place (e.g. ADC quantisation) before they are accumulated.
 * tile is the array's index in a grid (0 for a lone array); cycle is the
 * bit (bit-serial) or 0. A non-OK status aborts the read. */
typedef ps_status (*ps_crossbar_cycle_fn)(void *ctx, size_t tile, uint32_t cycle, double *col_ua,
                                          size_t cols);

/* Called once per batch of reads (ps_crossbar_read_batch) with the currents
 * of every analogue cycle performed, n_cycles rows of cols (the sensed
 * columns), read by read and bit plane by bit plane; it may change them in
 * place (the ADC quantises here, in one pass). */
typedef ps_status (*ps_crossbar_block_fn)(void *ctx, size_t tile, double *col_ua,
                                          size_t n_cycles, size_t cols);

typedef struct ps_crossbar ps_crossbar;

/* All cells start at the device's g_min_uS. key seeds programming and read
 * noise (derive key.stream from the array's config path). dac may be NULL
 * (no driver energy); with multilevel = dac its bits must be >= input_bits. */
ps_status ps_crossbar_create(const ps_crossbar_params *p, ps_device *dev, const ps_dac *dac,
                             ps_device_key key, ps_error *err, ps_crossbar **out);
ps_status ps_crossbar_reset(ps_crossbar *xb); /* clears counters, keeps conductances */
/* Bytes ps_crossbar_create allocates for one array of p (before any batch
 * scratch grows): what a memory estimate multiplies by the arrays. */
double ps_crossbar_bytes(const ps_crossbar_params *p);
void ps_crossbar_destroy(ps_crossbar *xb);
ps_status ps_crossbar_stats_get(const ps_crossbar *xb, ps_crossbar_stats *out);
#define ps_crossbar_stats(xb, out) ps_crossbar_stats_get((xb), (out))

const ps_crossbar_params *ps_crossbar_get_params(const ps_crossbar *xb);

/* *a += *b, field by field (summing costs of reads or arrays). */
void ps_crossbar_stats_add(ps_crossbar_stats *a, const ps_crossbar_stats *b);

/* Conductances, row-major rows x cols, exactly as given (no noise, no
 * faults): for reproducing a workload file bit for bit. */
ps_status ps_crossbar_set_conductances(ps_crossbar *xb, const double *g_pos_uS,
                                       const double *g_neg_uS);
/* The same for a block at (row0, col0), source rows ld apart. */
ps_status ps_crossbar_set_region(ps_crossbar *xb, int64_t row0, int64_t col0, int64_t nrows,
                                 int64_t ncols, const double *g_pos_uS, const double *g_neg_uS,
                                 int64_t ld);
/* Forms every pair at random from the device (pair index r * cols + c). */
ps_status ps_crossbar_form(ps_crossbar *xb);
/* Targeted writes through the device's programming noise and faults. */
ps_status ps_crossbar_program(ps_crossbar *xb, const double *g_pos_uS, const double *g_neg_uS);
/* RESETs every pair whose keep[r * cols + c] is 0 (pruning). */
ps_status ps_crossbar_prune(ps_crossbar *xb, const uint8_t *keep);
/* Conductances t_s seconds after programming (device drift law; stuck
 * cells do not drift). t_s <= drift_t0_s restores the programmed values. */
ps_status ps_crossbar_set_age(ps_crossbar *xb, double t_s);

/* Programmed (pre-drift, pre-IR-drop) conductances of pair (r, c). */
ps_status ps_crossbar_get_pair(const ps_crossbar *xb, int64_t r, int64_t c, double *g_pos_uS,
                               double *g_neg_uS);
/* Conductances a read sees (after drift and IR drop). */
ps_status ps_crossbar_get_effective_pair(const ps_crossbar *xb, int64_t r, int64_t c,
                                         double *g_pos_uS, double *g_neg_uS);

/* Only columns [0, n) are sensed (a matrix narrower than the array): the
 * rest get no conversion, no noise and no work, and reads leave their
 * out_ua entries unwritten. Default: all cols. */
ps_status ps_crossbar_set_sensed_cols(ps_crossbar *xb, int64_t n);

/* Network weight per uA of output: weight_per_uS / v_read_v. */
double ps_crossbar_weight_per_ua(const ps_crossbar *xb);

/* Binary read: active_rows lists n_active distinct rows (any order).
 * read_key identifies this read (e.g. from sample, timestep and layer):
 * its noise is a pure function of (key, read_key), never of call order.
 * out_ua has cols entries. cost may be NULL. */
ps_status ps_crossbar_read_binary(ps_crossbar *xb, const uint32_t *active_rows, size_t n_active,
                                  uint64_t read_key, double *out_ua, ps_crossbar_stats *cost);

/* Multi-level read: levels has rows entries in [0, 2^input_bits - 1].
 * hook may be NULL. */
ps_status ps_crossbar_read_levels(ps_crossbar *xb, const uint16_t *levels, uint64_t read_key,
                                  ps_crossbar_cycle_fn hook, void *hook_ctx, double *out_ua,
                                  ps_crossbar_stats *cost);
/* The same read given only its n nonzero inputs: rows strictly ascending,
 * levels in [1, 2^input_bits - 1]. Its cost is proportional to the inputs,
 * not to the array (the event-driven path of the golden model and chip). */
ps_status ps_crossbar_read_sparse(ps_crossbar *xb, const uint32_t *rows, const uint16_t *levels,
                                  size_t n, uint64_t read_key, ps_crossbar_cycle_fn hook,
                                  void *hook_ctx, double *out_ua, ps_crossbar_stats *cost);

/* n_reads reads at once (all output positions of a layer on this array):
 * read i takes inputs [off[i], off[i + 1]) of rows / levels (as
 * ps_crossbar_read_sparse) and writes its sensed columns at out_ua + i * ld
 * (ld >= sensed cols); read_cycles[i] (may be NULL) gets its analogue
 * cycles (0: zero-skipped). The same sums, energies and counters as the
 * reads one by one, with the per-read and per-cycle work (noise, hook)
 * done in long vectorised passes. Read i is number first_index + i of the
 * batch key: its cycle at plane b draws normals ((first_index + i) * planes
 * + b) * sensed + column of the stream keyed by batch_key (planes =
 * input_bits bit-serial, else 1), so a read's noise depends on its key and
 * number, never on how reads are grouped into batches. */
ps_status ps_crossbar_read_batch(ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                                 const uint32_t *rows, const uint16_t *levels, uint64_t batch_key,
                                 uint64_t first_index, ps_crossbar_block_fn hook, void *hook_ctx,
                                 double *out_ua, size_t ld, uint32_t *read_cycles,
                                 ps_crossbar_stats *cost);

/* The same reads already split into bit-serial cycles (bit_serial arrays
 * only): cycle b of read i drives rows[off[i * input_bits + b] ..
 * off[i * input_bits + b + 1]), ascending, at full scale. Bit for bit what
 * ps_crossbar_read_batch gives for the levels those planes encode. */
ps_status ps_crossbar_read_planes(ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                                  const uint32_t *rows, uint64_t batch_key, uint64_t first_index,
                                  ps_crossbar_block_fn hook, void *hook_ctx, double *out_ua,
                                  size_t ld, uint32_t *read_cycles, ps_crossbar_stats *cost);

/* ---- Mapping a large matrix onto several arrays ------------------------ */

/* in_dim x out_dim weights on arrays of rows x cols pairs: tile (tr, tc)
 * holds matrix rows [tr*rows, ...) and columns [tc*cols, ...); tiles are
 * numbered tr * col_tiles + tc. */
typedef struct ps_crossbar_map {
    int64_t in_dim, out_dim;
    int64_t rows, cols;
    int64_t row_tiles, col_tiles;
} ps_crossbar_map;

ps_status ps_crossbar_map_plan(int64_t in_dim, int64_t out_dim, int64_t rows, int64_t cols,
                               ps_crossbar_map *map);
/* Matrix block of tile t: first row/col and extent. */
ps_status ps_crossbar_map_tile(const ps_crossbar_map *map, int64_t t, int64_t *row0,
                               int64_t *nrows, int64_t *col0, int64_t *ncols);

typedef struct ps_crossbar_grid_stats {
    ps_crossbar_stats arrays;  /* summed over every array */
    uint64_t partial_sum_adds; /* digital additions merging row tiles' partial sums */
    int64_t n_arrays;
} ps_crossbar_grid_stats;

typedef struct ps_crossbar_grid ps_crossbar_grid;

/* Arrays of p's shape covering in_dim x out_dim; tile t gets the key
 * {key.seed, ps_rng_substream(key.stream, t)} and senses the columns it
 * maps. */
/* Bytes ps_crossbar_grid_create would allocate for an in_dim x out_dim
 * matrix on arrays of p (0 for a matrix it would refuse). */
double ps_crossbar_grid_bytes(const ps_crossbar_params *p, int64_t in_dim, int64_t out_dim);
ps_status ps_crossbar_grid_create(const ps_crossbar_params *p, ps_device *dev, const ps_dac *dac,
                                  ps_device_key key, int64_t in_dim, int64_t out_dim,
                                  ps_error *err, ps_crossbar_grid **out);
ps_status ps_crossbar_grid_reset(ps_crossbar_grid *g);
void ps_crossbar_grid_destroy(ps_crossbar_grid *g);
ps_status ps_crossbar_grid_stats_get(const ps_crossbar_grid *g, ps_crossbar_grid_stats *out);
#define ps_crossbar_grid_stats(g, out) ps_crossbar_grid_stats_get((g), (out))

const ps_crossbar_map *ps_crossbar_grid_map(const ps_crossbar_grid *g);
ps_crossbar *ps_crossbar_grid_array(ps_crossbar_grid *g, int64_t tile);

/* Whole-matrix conductances, row-major in_dim x out_dim. */
ps_status ps_crossbar_grid_set_conductances(ps_crossbar_grid *g, const double *g_pos_uS,
                                            const double *g_neg_uS);

/* out has out_dim entries: the sum over row tiles of each array's read.
 * active_rows are matrix rows. */
ps_status ps_crossbar_grid_read_binary(ps_crossbar_grid *g, const uint32_t *active_rows,
                                       size_t n_active, uint64_t read_key, double *out_ua,
                                       ps_crossbar_grid_stats *cost);
/* One read of multi-level inputs by matrix row (a batch of one, noise keyed
 * by read_key as ps_crossbar_read_levels is). */
ps_status ps_crossbar_grid_read_levels(ps_crossbar_grid *g, const uint16_t *levels,
                                       uint64_t read_key, ps_crossbar_block_fn hook,
                                       void *hook_ctx, double *out_ua,
                                       ps_crossbar_grid_stats *cost);
/* n_reads batch reads of the whole matrix (ps_crossbar_read_batch on every
 * array, inputs by matrix row, rows strictly ascending in each read):
 * out_ua has n_reads rows of out_dim. */
ps_status ps_crossbar_grid_read_batch(ps_crossbar_grid *g, size_t n_reads, const uint32_t *off,
                                      const uint32_t *rows, const uint16_t *levels,
                                      uint64_t batch_key, uint64_t first_index,
                                      ps_crossbar_block_fn hook, void *hook_ctx, double *out_ua,
                                      ps_crossbar_grid_stats *cost);
/* The same with reads split into bit-serial cycles, as ps_crossbar_read_planes. */
ps_status ps_crossbar_grid_read_planes(ps_crossbar_grid *g, size_t n_reads, const uint32_t *off,
                                       const uint32_t *rows, uint64_t batch_key,
                                       uint64_t first_index, ps_crossbar_block_fn hook,
                                       void *hook_ctx, double *out_ua,
                                       ps_crossbar_grid_stats *cost);

#ifdef __cplusplus
}
#endif

#endif
