#include "mapper.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/alloc.h"

static const ps_param_desc mapper_params[] = {
    PS_PARAM_INT(ps_mapper_params, arrays_per_tile, 1, 1, 4096, "",
                 "crossbar arrays in one tile (they share its router, ADC bank and LIF unit)", NULL),
    PS_PARAM_INT(ps_mapper_params, replicate_conv, 1, 1, 1024, "",
                 "copies of each conv layer's arrays; replicas split the output positions", NULL),
    PS_PARAM_INT(ps_mapper_params, first_node, 0, 0, 1 << 20, "",
                 "mesh node of tile 0 (tiles follow in node order)", NULL),
};

const ps_param_table ps_mapper_param_table =
    PS_PARAM_TABLE("mapper", "places layer matrices on arrays and tiles; splitting, replication",
                   ps_mapper_params, mapper_params);

struct ps_mapper {
    ps_mapper_params p;
    int64_t array_rows, array_cols, mesh_nodes;
    ps_mapper_layer *layers;
    int64_t n_layers;
    ps_mapper_block *blocks;
    int64_t n_blocks;
    int64_t n_tiles;
    const ps_network *net;
};

void ps_mapper_destroy(ps_mapper *m)
{
    if (!m)
        return;
    free(m->layers);
    free(m->blocks);
    free(m);
}

ps_status ps_mapper_create(const ps_mapper_params *p, const ps_network *net, int64_t array_rows,
                           int64_t array_cols, int64_t mesh_nodes, ps_error *err, ps_mapper **out)
{
    if (!p || !net || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "mapper: NULL argument");
    *out = NULL;
    ps_status s = ps_params_validate(&ps_mapper_param_table, p, err);
    if (s != PS_OK) {
        ps_error_prefix(err, "mapper");
        return s;
    }
    if (array_rows < 1 || array_cols < 1 || mesh_nodes < 1)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "mapper: arrays and mesh must be non-empty");
    ps_mapper *m = NULL;
    if (PS_CALLOC_ARRAY(m, 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "mapper: out of memory");
    m->p = *p;
    m->net = net;
    m->array_rows = array_rows;
    m->array_cols = array_cols;
    m->mesh_nodes = mesh_nodes;
    int64_t n_blocks = 0;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (!ps_layer_has_weights(l))
            continue;
        const int64_t reps = l->kind == PS_LAYER_CONV2D ? p->replicate_conv : 1;
        n_blocks += ((l->rows + array_rows - 1) / array_rows) *
                    ((l->cols + array_cols - 1) / array_cols) * reps;
        m->n_layers++;
    }
    if (PS_CALLOC_ARRAY(m->layers, (size_t)m->n_layers) != PS_OK ||
        PS_CALLOC_ARRAY(m->blocks, (size_t)n_blocks) != PS_OK) {
        ps_mapper_destroy(m);
        return ps_error_set(err, PS_ERR_NOMEM, "mapper: out of memory");
    }
    int64_t tile = 0, slot = 0, k = 0;
    const int64_t A = p->arrays_per_tile;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (!ps_layer_has_weights(l))
            continue;
        ps_mapper_layer *ml = &m->layers[k++];
        ml->layer = i;
        ml->rows = l->rows;
        ml->cols = l->cols;
        ml->row_tiles = (l->rows + array_rows - 1) / array_rows;
        ml->col_tiles = (l->cols + array_cols - 1) / array_cols;
        ml->replicas = l->kind == PS_LAYER_CONV2D ? p->replicate_conv : 1;
        const int64_t positions = l->kind == PS_LAYER_CONV2D ? l->out_h * l->out_w : 1;
        ml->first_block = m->n_blocks;
        ml->first_tile = tile;
        for (int64_t r = 0; r < ml->replicas; r++) {
            for (int64_t tc = 0; tc < ml->col_tiles; tc++) {
                const int64_t home = m->n_blocks;
                for (int64_t tr = 0; tr < ml->row_tiles; tr++) {
                    ps_mapper_block *b = &m->blocks[m->n_blocks++];
                    b->layer = i;
                    b->tr = tr;
                    b->tc = tc;
                    b->replica = r;
                    b->grid_tile = tr * ml->col_tiles + tc;
                    b->row0 = tr * array_rows;
                    b->nrows = l->rows - b->row0 < array_rows ? l->rows - b->row0 : array_rows;
                    b->col0 = tc * array_cols;
                    b->ncols = l->cols - b->col0 < array_cols ? l->cols - b->col0 : array_cols;
                    b->pos0 = r * positions / ml->replicas;
                    b->npos = (r + 1) * positions / ml->replicas - b->pos0;
                    b->tile = tile;
                    b->slot = slot;
                    b->node = p->first_node + tile;
                    b->home = home;
                    if (++slot == A) {
                        slot = 0;
                        tile++;
                    }
                }
            }
        }
        if (slot) { /* the next layer starts on a fresh tile */
            slot = 0;
            tile++;
        }
        ml->n_blocks = m->n_blocks - ml->first_block;
        ml->n_tiles = tile - ml->first_tile;
        ml->used_pairs = l->rows * l->cols * ml->replicas;
        ml->provisioned_pairs = ml->n_blocks * array_rows * array_cols;
        ml->utilisation = (double)ml->used_pairs / (double)ml->provisioned_pairs;
    }
    m->n_tiles = tile;
    if (p->first_node + tile > mesh_nodes) {
        const int64_t need = tile;
        ps_mapper_destroy(m);
        return ps_error_set(err, PS_ERR_RANGE,
                            "mapper: the network needs %lld tiles from node %lld, the mesh has %lld "
                            "nodes (grow noc.mesh_x/mesh_y or mapper.arrays_per_tile)",
                            (long long)need, (long long)p->first_node, (long long)mesh_nodes);
    }
    *out = m;
    return PS_OK;
}

ps_status ps_mapper_reset(ps_mapper *m) { return m ? PS_OK : PS_ERR_INVALID_ARG; }

ps_status ps_mapper_stats_get(const ps_mapper *m, ps_mapper_stats *out)
{
    if (!m || !out)
        return PS_ERR_INVALID_ARG;
    out->weight_layers = m->n_layers;
    out->blocks = m->n_blocks;
    out->tiles = m->n_tiles;
    out->nodes = m->mesh_nodes;
    out->used_pairs = out->provisioned_pairs = 0;
    for (int64_t k = 0; k < m->n_layers; k++) {
        out->used_pairs += m->layers[k].used_pairs;
        out->provisioned_pairs += m->layers[k].provisioned_pairs;
    }
    out->utilisation = out->provisioned_pairs ? (double)out->used_pairs / (double)out->provisioned_pairs : 0.0;
    out->mesh_utilisation = (double)out->used_pairs /
                            ((double)m->mesh_nodes * (double)m->p.arrays_per_tile *
                             (double)(m->array_rows * m->array_cols));
    return PS_OK;
}

const ps_mapper_params *ps_mapper_get_params(const ps_mapper *m) { return &m->p; }
int64_t ps_mapper_n_layers(const ps_mapper *m) { return m->n_layers; }
const ps_mapper_layer *ps_mapper_layer_at(const ps_mapper *m, int64_t k)
{
    return (k >= 0 && k < m->n_layers) ? &m->layers[k] : NULL;
}
const ps_mapper_layer *ps_mapper_layer_of(const ps_mapper *m, int64_t layer)
{
    for (int64_t k = 0; k < m->n_layers; k++)
        if (m->layers[k].layer == layer)
            return &m->layers[k];
    return NULL;
}
int64_t ps_mapper_n_blocks(const ps_mapper *m) { return m->n_blocks; }
const ps_mapper_block *ps_mapper_block_at(const ps_mapper *m, int64_t b)
{
    return (b >= 0 && b < m->n_blocks) ? &m->blocks[b] : NULL;
}
int64_t ps_mapper_n_tiles(const ps_mapper *m) { return m->n_tiles; }
int64_t ps_mapper_tile_node(const ps_mapper *m, int64_t tile) { return m->p.first_node + tile; }

int64_t ps_mapper_source_of(const ps_mapper *m, int64_t layer, int64_t *size)
{
    if (!m || !ps_mapper_layer_of(m, layer))
        return -2;
    int64_t src = layer - 1;
    while (src >= 0 && !ps_layer_has_weights(&m->net->layers[src]))
        src--;
    if (size)
        *size = src < 0 ? m->net->in_c * m->net->in_h * m->net->in_w
                        : ps_layer_out_size(&m->net->layers[src]);
    return src;
}

/* Marks in `need` (the input of pool layer p) every entry that a marked
 * entry of `mark` (its output) sums. */
static void pool_back(const ps_layer *p, const uint8_t *mark, uint8_t *need)
{
    for (int64_t c = 0; c < p->out_c; c++)
        for (int64_t oy = 0; oy < p->out_h; oy++)
            for (int64_t ox = 0; ox < p->out_w; ox++) {
                if (!mark[(c * p->out_h + oy) * p->out_w + ox])
                    continue;
                for (int64_t ky = 0; ky < p->kernel; ky++)
                    for (int64_t kx = 0; kx < p->kernel; kx++)
                        need[(c * p->in_h + oy * p->stride + ky) * p->in_w + ox * p->stride + kx] = 1;
            }
}

ps_status ps_mapper_block_needs(const ps_mapper *m, int64_t b, uint8_t *need)
{
    if (!m || !need || b < 0 || b >= m->n_blocks)
        return PS_ERR_INVALID_ARG;
    const ps_mapper_block *B = &m->blocks[b];
    const ps_layer *l = &m->net->layers[B->layer];
    int64_t src_size = 0;
    const int64_t src = ps_mapper_source_of(m, B->layer, &src_size);
    /* marks over the layer's input, then back through the pools */
    uint8_t *mark = NULL;
    if (PS_CALLOC_ARRAY(mark, (size_t)ps_layer_in_size(l)) != PS_OK)
        return PS_ERR_NOMEM;
    if (l->kind == PS_LAYER_LINEAR) {
        for (int64_t r = B->row0; r < B->row0 + B->nrows; r++)
            mark[r] = 1;
    } else {
        const int64_t k = l->kernel;
        for (int64_t pos = B->pos0; pos < B->pos0 + B->npos; pos++) {
            const int64_t oy = pos / l->out_w, ox = pos % l->out_w;
            for (int64_t r = B->row0; r < B->row0 + B->nrows; r++) {
                const int64_t c = r / (k * k), ky = (r / k) % k, kx = r % k;
                const int64_t y = oy * l->stride - l->padding + ky;
                const int64_t x = ox * l->stride - l->padding + kx;
                if (y >= 0 && y < l->in_h && x >= 0 && x < l->in_w)
                    mark[(c * l->in_h + y) * l->in_w + x] = 1;
            }
        }
    }
    for (int64_t p = B->layer - 1; p > src; p--) {
        const ps_layer *pl = &m->net->layers[p];
        uint8_t *prev = NULL;
        if (PS_CALLOC_ARRAY(prev, (size_t)ps_layer_in_size(pl)) != PS_OK) {
            free(mark);
            return PS_ERR_NOMEM;
        }
        pool_back(pl, mark, prev);
        free(mark);
        mark = prev;
    }
    for (int64_t s = 0; s < src_size; s++)
        need[s] |= mark[s];
    free(mark);
    return PS_OK;
}

/* Appends the outputs of pools first..last that input entry e of pool
 * `first` reaches, one per path. */
static void fan_forward(const ps_network *net, int64_t first, int64_t last, int64_t e, int64_t *out,
                        int64_t cap, int64_t *n)
{
    if (first > last) {
        if (*n < cap)
            out[*n] = e;
        (*n)++;
        return;
    }
    const ps_layer *p = &net->layers[first];
    const int64_t c = e / (p->in_h * p->in_w), y = (e / p->in_w) % p->in_h, x = e % p->in_w;
    for (int64_t oy = 0; oy < p->out_h; oy++) {
        if (y < oy * p->stride || y >= oy * p->stride + p->kernel)
            continue;
        for (int64_t ox = 0; ox < p->out_w; ox++) {
            if (x < ox * p->stride || x >= ox * p->stride + p->kernel)
                continue;
            fan_forward(net, first + 1, last, (c * p->out_h + oy) * p->out_w + ox, out, cap, n);
        }
    }
}

int64_t ps_mapper_source_fanout(const ps_mapper *m, int64_t layer, int64_t s, int64_t *out,
                                int64_t cap)
{
    int64_t size = 0;
    const int64_t src = ps_mapper_source_of(m, layer, &size);
    if (src < -1 || s < 0 || s >= size || (cap > 0 && !out))
        return -1;
    int64_t n = 0;
    fan_forward(m->net, src + 1, layer - 1, s, out, cap, &n);
    return n;
}

int ps_mapper_report(const ps_mapper *m, char *buf, size_t size)
{
    size_t len = 0;
#define EMIT(...)                                                                          \
    do {                                                                                   \
        int n_ = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,      \
                          __VA_ARGS__);                                                    \
        if (n_ > 0)                                                                        \
            len += (size_t)n_;                                                             \
    } while (0)
    EMIT("arrays %lldx%lld pairs, %lld per tile\n", (long long)m->array_rows,
         (long long)m->array_cols, (long long)m->p.arrays_per_tile);
    for (int64_t k = 0; k < m->n_layers; k++) {
        const ps_mapper_layer *l = &m->layers[k];
        EMIT("layer %lld: %lldx%lld -> %lldx%lld arrays x%lld replicas = %lld arrays on tiles "
             "%lld..%lld, utilisation %.2f%%\n",
             (long long)l->layer, (long long)l->rows, (long long)l->cols, (long long)l->row_tiles,
             (long long)l->col_tiles, (long long)l->replicas, (long long)l->n_blocks,
             (long long)l->first_tile, (long long)(l->first_tile + l->n_tiles - 1),
             100.0 * l->utilisation);
    }
    ps_mapper_stats s;
    ps_mapper_stats_get(m, &s);
    EMIT("total: %lld arrays on %lld of %lld tiles, utilisation %.2f%% (mesh %.2f%%)\n",
         (long long)s.blocks, (long long)s.tiles, (long long)s.nodes, 100.0 * s.utilisation,
         100.0 * s.mesh_utilisation);
#undef EMIT
    if (size)
        buf[len < size ? len : size - 1] = '\0';
    return (int)len;
}

double ps_mapper_sim_bytes(const ps_mapper_params *p, const ps_network *net,
                           const ps_crossbar_params *xb)
{
    double bytes = 0;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (!ps_layer_has_weights(l))
            continue;
        const double pairs = (double)l->rows * (double)l->cols;
        const double row_tiles = ceil((double)l->rows / (double)xb->rows);
        const double col_tiles = ceil((double)l->cols / (double)xb->cols);
        const double reps = l->kind == PS_LAYER_CONV2D ? (double)p->replicate_conv : 1;
        bytes += ps_crossbar_grid_bytes(xb, l->rows, l->cols) + pairs * 2 * sizeof(double) +
                 row_tiles * col_tiles * reps * 2 * sizeof(ps_mapper_block);
    }
    return bytes;
}
