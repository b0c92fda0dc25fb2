/* Layer-to-tile mapper: places every weight layer's matrix (convs unrolled:
 * rows = in_c * k * k, cols = out_c) onto arrays of rows x cols pairs,
 * splits large matrices into row tiles x column tiles exactly as
 * ps_crossbar_map does (block (tr, tc) is the layer grid's array
 * tr * col_tiles + tc), optionally replicates conv layers for throughput
 * (replica r of a conv with P output positions computes the consecutive
 * positions, in raster order, from floor(r * P / replicas) to
 * floor((r + 1) * P / replicas) - 1, so its receptive fields, and the inputs
 * it needs, stay local), and
 * puts the arrays on tiles of arrays_per_tile slots at mesh nodes.
 *
 * Placement: layer by layer, replica by replica, column tile by column
 * tile, row tiles ascending fill the slots of consecutive tiles, so the row
 * tiles of one column tile share a tile where they fit (their partial sums
 * add locally). A layer starts on a fresh tile. Tile k sits at mesh node
 * first_node + k. The home of (layer, replica, tc) is its row tile 0: it
 * adds the partial sums and runs the neurons of those columns.
 *
 * Utilisation = kept-or-not matrix pairs / pairs of the arrays provisioned
 * (blocks x rows x cols), per layer and for the chip; mesh utilisation
 * counts every array slot of every node. */
#ifndef PS_MAPPER_H
#define PS_MAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"
#include "crossbar.h"
#include "network.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_mapper_params {
    int64_t arrays_per_tile; /* array slots of one tile */
    int64_t replicate_conv;  /* copies of each conv layer's arrays */
    int64_t first_node;      /* mesh node of tile 0 */
} ps_mapper_params;

extern const ps_param_table ps_mapper_param_table;

typedef struct ps_mapper_block {
    int64_t layer;       /* network layer index */
    int64_t grid_tile;   /* tr * col_tiles + tc: the array in the layer's crossbar grid */
    int64_t tr, tc, replica;
    int64_t row0, nrows, col0, ncols; /* matrix block */
    int64_t pos0, npos;  /* output positions its replica computes (linear: 0, 1) */
    int64_t tile, slot;  /* chip tile and array slot in it */
    int64_t node;        /* mesh node of the tile */
    int64_t home;        /* block index of (layer, replica, tc, tr = 0) */
} ps_mapper_block;

typedef struct ps_mapper_layer {
    int64_t layer;       /* network layer index */
    int64_t rows, cols;  /* matrix */
    int64_t row_tiles, col_tiles, replicas;
    int64_t first_block, n_blocks; /* blocks of this layer, consecutive */
    int64_t first_tile, n_tiles;
    int64_t used_pairs;        /* rows * cols * replicas */
    int64_t provisioned_pairs; /* n_blocks * array rows * array cols */
    double utilisation;
} ps_mapper_layer;

typedef struct ps_mapper_stats {
    int64_t weight_layers, blocks, tiles, nodes;
    int64_t used_pairs, provisioned_pairs;
    double utilisation;      /* used / provisioned */
    double mesh_utilisation; /* used / (nodes * arrays_per_tile * array pairs) */
} ps_mapper_stats;

typedef struct ps_mapper ps_mapper;

/* Maps net onto arrays of array_rows x array_cols pairs and a mesh of
 * mesh_nodes nodes. PS_ERR_RANGE (with the tiles needed) when the tiles do
 * not fit after first_node. */
ps_status ps_mapper_create(const ps_mapper_params *p, const ps_network *net, int64_t array_rows,
                           int64_t array_cols, int64_t mesh_nodes, ps_error *err,
                           ps_mapper **out);
void ps_mapper_destroy(ps_mapper *m); /* accepts NULL */
ps_status ps_mapper_reset(ps_mapper *m); /* nothing to clear: the mapping is static */
ps_status ps_mapper_stats_get(const ps_mapper *m, ps_mapper_stats *out);
const ps_mapper_params *ps_mapper_get_params(const ps_mapper *m);

int64_t ps_mapper_n_layers(const ps_mapper *m); /* weight layers */
const ps_mapper_layer *ps_mapper_layer_at(const ps_mapper *m, int64_t k);
/* The mapped layer of network layer index `layer`, or NULL (no weights). */
const ps_mapper_layer *ps_mapper_layer_of(const ps_mapper *m, int64_t layer);
int64_t ps_mapper_n_blocks(const ps_mapper *m);
const ps_mapper_block *ps_mapper_block_at(const ps_mapper *m, int64_t b);
int64_t ps_mapper_n_tiles(const ps_mapper *m);
int64_t ps_mapper_tile_node(const ps_mapper *m, int64_t tile);

/* What a block reads. The source of weight layer `layer` is the layer whose
 * output feeds it through the pooling layers between them (the layer before
 * the first of them), or -1 for the network input; *size is that output's
 * size. Returns -2 when `layer` is not a mapped weight layer. */
int64_t ps_mapper_source_of(const ps_mapper *m, int64_t layer, int64_t *size);

/* Marks need[s] = 1 (ORs into need, one byte per source neuron, in the
 * source's flat (c, y, x) order) for every source neuron the reads of block
 * b depend on: the inputs of its rows (row (c*k+ky)*k+kx of a conv at each
 * output position of its replica, inside the padding; row r of a linear
 * layer) traced back through every pooling window between the source and
 * the layer. */
ps_status ps_mapper_block_needs(const ps_mapper *m, int64_t b, uint8_t *need);

/* The entries of weight layer `layer`'s input (after the pools between it
 * and its source) that source neuron s feeds, an entry repeated once per
 * pooling path from s to it (the pools sum), into out (up to cap);
 * returns how many there are (> cap: out holds the first cap), or -1 for a
 * bad layer or s. Without pools that is s itself. */
int64_t ps_mapper_source_fanout(const ps_mapper *m, int64_t layer, int64_t s, int64_t *out,
                                int64_t cap);

/* Bytes a simulation of net mapped onto arrays of xb and placed by p needs
 * (chip or golden model): every array of every weight layer's grid at its
 * full rows x cols (arrays are provisioned whole), the conductance copies
 * made to program them, and the mapping's blocks. An estimate to check
 * before building anything; it allocates nothing. */
double ps_mapper_sim_bytes(const ps_mapper_params *p, const ps_network *net,
                           const ps_crossbar_params *xb);

/* Utilisation report, one line per layer and a total, into buf (as
 * snprintf: returns the length needed). */
int ps_mapper_report(const ps_mapper *m, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
