/* A pruned spiking network as a chip runs it: plain data, no behaviour.
 * The workload file fills it; the golden model and the chip read it.
 *
 * Weight layers hold their matrix in crossbar orientation: rows are input
 * features, columns are output channels, row-major. A conv's rows are its
 * unrolled receptive field, index (c * kernel + ky) * kernel + kx; a linear
 * layer's rows are its flattened input, index (c * in_h + y) * in_w + x.
 * g_pos_uS / g_neg_uS are the conductances on the chip, pruned pairs
 * already RESET; keep marks the pairs the trainer kept (NULL: all kept).
 * The network weight of a pair is weight_per_uS * (G+ - G-).
 *
 * Layer inputs are whole-number levels times a scale: event counts (scale
 * 1) into the first layer, spikes (0/1) after a LIF layer, and the spike
 * count of a pooling window with scale 1 / kernel^2 after average pooling,
 * so every crossbar input is an exact integer level. */
#ifndef PS_NETWORK_H
#define PS_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_layer_kind {
    PS_LAYER_CONV2D = 0,
    PS_LAYER_AVGPOOL2D,
    PS_LAYER_LINEAR
} ps_layer_kind;

typedef enum ps_neuron_kind {
    PS_NEURON_NONE = 0,  /* pooling layers */
    PS_NEURON_LIF,       /* spiking, hard reset (docs/prime.md sec. 2) */
    PS_NEURON_INTEGRATOR /* output layer: no spike, no reset, no leak */
} ps_neuron_kind;

typedef struct ps_layer {
    ps_layer_kind kind;
    ps_neuron_kind neuron;
    int64_t in_c, in_h, in_w;
    int64_t out_c, out_h, out_w;
    int64_t kernel, stride, padding; /* conv and pool; linear: 0 */
    /* weight layers */
    int64_t rows, cols;
    const float *g_pos_uS; /* rows x cols */
    const float *g_neg_uS; /* rows x cols */
    const uint8_t *keep;   /* rows x cols, or NULL */
    double weight_per_uS;
    const float *bias;     /* cols, or NULL: added to each neuron's I_t of that output
                              channel by the LIF unit (ps_lif_add_bias), in network units */
} ps_layer;

typedef struct ps_network {
    int64_t timesteps;             /* T */
    int64_t in_c, in_h, in_w;      /* one input frame */
    int64_t input_max_level;       /* event counts above it are clipped */
    double leak, v_th, negative_slope; /* the LIF constants the network was trained with */
    double readout_decay;          /* output integrator: U_t = (1 - readout_decay) U_{t-1} + I_t;
                                      0 = no leak (PRIME's), > 0 a leaky readout (NIR's LI) */
    int64_t n_layers;
    const ps_layer *layers;
} ps_network;

/* Shapes agree from layer to layer, conv/pool output sizes follow from
 * kernel, stride and padding, weight layers have their matrices, and the
 * last layer is an integrator. The message names the layer by index. */
ps_status ps_network_check(const ps_network *net, ps_error *err);

/* Conv / pool output extent: (in + 2 padding - kernel) / stride + 1. */
int64_t ps_conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t padding);

static inline int64_t ps_layer_in_size(const ps_layer *l) { return l->in_c * l->in_h * l->in_w; }
static inline int64_t ps_layer_out_size(const ps_layer *l) { return l->out_c * l->out_h * l->out_w; }
static inline int ps_layer_has_weights(const ps_layer *l)
{
    return l->kind == PS_LAYER_CONV2D || l->kind == PS_LAYER_LINEAR;
}

/* Largest input level each layer sees: input_max_level into layer 0, 1
 * after a LIF layer, times kernel^2 after a pool. levels[n_layers]. */
ps_status ps_network_input_levels(const ps_network *net, int64_t *levels, ps_error *err);

/* The receptive field of conv output position (oy, ox) as crossbar row
 * inputs: patch[(c * kernel + ky) * kernel + kx] = the input level there, 0
 * in the padding. levels: in_c x in_h x in_w. */
void ps_layer_gather_patch(const ps_layer *l, const uint16_t *levels, int64_t oy, int64_t ox,
                           uint16_t *patch);

/* The output positions a nonzero input feeds, as runs (one kernel row
 * each): reader t of a run is position pos - t (relative to the first
 * position asked for) at matrix row row + t * stride. Scratch of both list
 * kinds below, with the input's level per run. */
typedef struct ps_reader_run {
    uint32_t pos, row, n;
} ps_reader_run;

typedef struct ps_reader_runs {
    ps_reader_run *run;
    uint16_t *level;
    size_t n, cap_run, cap_level;
} ps_reader_runs;

/* The nonzero receptive-field inputs of conv output positions [pos0, pos0 +
 * npos), found event by event: each nonzero input level is sent to the
 * positions that read it, so the cost follows the events, not the
 * positions. Position pos0 + i's inputs are entries [off[i], off[i + 1]) of
 * row (crossbar rows, as ps_layer_gather_patch numbers them, ascending) and
 * level. The buffers grow as needed and are reused from call to call; zero
 * the struct before the first call, ps_patch_lists_free after the last. */
typedef struct ps_patch_lists {
    uint32_t *off;        /* npos + 1 */
    uint32_t *row;
    uint16_t *level;
    uint32_t *cursor;     /* scratch, npos */
    uint32_t *inputs;     /* scratch: nonzero input indices */
    ps_reader_runs runs;  /* scratch */
    size_t cap_off, cap_row, cap_level, cap_cursor, cap_inputs; /* allocated entries */
} ps_patch_lists;

ps_status ps_layer_patch_lists(const ps_layer *l, const uint16_t *levels, int64_t pos0,
                               int64_t npos, ps_patch_lists *pl);
/* The same when the caller knows the nonzero inputs: inputs[0..n_in) are
 * their indices, strictly ascending (any zero level among them is harmless). */
ps_status ps_layer_patch_lists_of(const ps_layer *l, const uint16_t *levels,
                                  const uint32_t *inputs, size_t n_in, int64_t pos0, int64_t npos,
                                  ps_patch_lists *pl);
void ps_patch_lists_free(ps_patch_lists *pl);

/* The same reads split into bit-serial cycles: cycle b of position pos0 + i
 * drives the rows (ascending, minus r0) among [r0, r1) whose input level has
 * bit b set, entries [off[i * planes + b], off[i * planes + b + 1]) of row;
 * found event by event like the patch lists, with no per-cycle split after.
 * Zero the struct before the first call, ps_plane_lists_free after the last. */
typedef struct ps_plane_lists {
    int64_t planes;
    uint32_t *off;    /* npos * planes + 1 */
    uint32_t *row;
    uint32_t *cursor;     /* scratch, npos * planes */
    ps_reader_runs runs;  /* scratch */
    uint64_t *row_prefix; /* scratch, rows + 1: prefix sums of per_row */
    size_t cap_off, cap_row, cap_cursor, cap_row_prefix;
} ps_plane_lists;

/* inputs: the nonzero input indices strictly ascending, or NULL to scan levels.
 * per_row (by matrix row, may be NULL): *per_row_sum = its sum over every
 * (position, row) entry with a nonzero input, each once (kept pairs per row
 * give the synaptic operations). */
ps_status ps_layer_plane_lists(const ps_layer *l, const uint16_t *levels, const uint32_t *inputs,
                               size_t n_in, int64_t planes, int64_t pos0, int64_t npos, int64_t r0,
                               int64_t r1, const uint32_t *per_row, uint64_t *per_row_sum,
                               ps_plane_lists *pl);
void ps_plane_lists_free(ps_plane_lists *pl);

/* Average pooling on levels: out[c, oy, ox] = sum of the window (the scale
 * divides by kernel^2 outside). */
void ps_layer_pool_levels(const ps_layer *l, const uint16_t *levels, uint16_t *out);

/* Pairs kept by the trainer over all weight layers, and all pairs. */
void ps_network_count_pairs(const ps_network *net, int64_t *kept, int64_t *total);

#ifdef __cplusplus
}
#endif

#endif
