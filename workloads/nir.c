/* NIR <-> workload. The NIR file layout (as neuromorphs/NIR's
 * serialization writes it): a dataset "version" and a group "node" holding
 * the graph — "type" = "NIRGraph", a group "nodes" with one group per node
 * (its "type" string and its parameters as datasets), "edges" (N x 2
 * strings, source then target) and an optional group "metadata". Strings
 * may be variable-length or fixed-length. Mapping and discretisation:
 * docs/nir.md. */
#define _POSIX_C_SOURCE 200809L
#include "nir.h"

#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "data/frames.h"

#define MAX_NODES 4096
#define MAX_LAYERS 64
#define NAME_BYTES 256
/* Refuse a dataset above this many values before allocating (1 GiB of doubles). */
#define MAX_VALUES (INT64_C(1) << 27)
#define TAU_SYN_REL 1e-6 /* CubaLIF: tau_syn = dt to float32 precision */
#define SNAP_REL 1e-6 /* metadata value used when it agrees this well (float32 parameters) */
#define TRAINER "primesim import-nir"

void ps_nir_import_defaults(ps_nir_import_options *o)
{
    memset(o, 0, sizeof *o);
    o->uS_per_unit = 1.0;
    o->g_off_uS = 0.5;
}

/* ------------------------------------------------------------ HDF5 reading */

typedef struct node {
    char name[NAME_BYTES];
    char type[32];
    hid_t g;
    int pred, succ; /* neighbours on the chain, -1: none */
    int n_in, n_out;
} node;

typedef struct values {
    double *v;
    int rank;
    hsize_t dims[8];
    int64_t n;
} values;

static void values_free(values *a)
{
    free(a->v);
    memset(a, 0, sizeof *a);
}

static bool has(hid_t g, const char *name) { return H5Lexists(g, name, H5P_DEFAULT) > 0; }

/* An open dataset with its type and space (all valid, or d < 0). */
typedef struct dset {
    hid_t d, t, sp;
} dset;

static dset dset_open(hid_t g, const char *name)
{
    dset x = {H5Dopen2(g, name, H5P_DEFAULT), -1, -1};
    if (x.d >= 0 && ((x.t = H5Dget_type(x.d)) < 0 || (x.sp = H5Dget_space(x.d)) < 0)) {
        if (x.t >= 0)
            H5Tclose(x.t);
        H5Dclose(x.d);
        x.d = x.t = -1;
    }
    return x;
}

static void dset_close(dset x)
{
    if (x.d < 0)
        return;
    H5Sclose(x.sp);
    H5Tclose(x.t);
    H5Dclose(x.d);
}

/* A scalar string dataset into buf: PS_ERR_NOT_FOUND if absent. */
static ps_status read_str(hid_t g, const char *name, char *buf, size_t cap)
{
    if (!has(g, name))
        return PS_ERR_NOT_FOUND;
    ps_status st = PS_ERR_FORMAT;
    const dset x = dset_open(g, name);
    const hid_t d = x.d, t = x.t;
    if (d >= 0 && H5Tget_class(t) == H5T_STRING && H5Sget_simple_extent_npoints(x.sp) == 1) {
        hid_t m = H5Tcopy(H5T_C_S1);
        H5Tset_cset(m, H5Tget_cset(t)); /* HDF5 converts no ASCII <-> UTF-8 */
        if (H5Tis_variable_str(t) > 0) {
            char *p = NULL;
            H5Tset_size(m, H5T_VARIABLE);
            if (H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0 && p) {
                if (strlen(p) < cap) {
                    strcpy(buf, p);
                    st = PS_OK;
                }
                H5free_memory(p);
            }
        } else {
            size_t size = H5Tget_size(t);
            if (size < cap) {
                H5Tset_size(m, size + 1);
                H5Tset_strpad(m, H5T_STR_NULLTERM);
                if (H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0)
                    st = PS_OK;
            }
        }
        H5Tclose(m);
    }
    dset_close(x);
    return st;
}

static bool is_string(hid_t g, const char *name)
{
    const dset x = dset_open(g, name);
    const bool s = x.d >= 0 && H5Tget_class(x.t) == H5T_STRING;
    dset_close(x);
    return s;
}

/* A numeric dataset (any integer or float type) as doubles. */
static ps_status read_values(hid_t g, const char *name, values *a)
{
    memset(a, 0, sizeof *a);
    if (!has(g, name))
        return PS_ERR_NOT_FOUND;
    ps_status st = PS_ERR_FORMAT;
    const dset x = dset_open(g, name);
    const hid_t d = x.d, sp = x.sp;
    const H5T_class_t cls = d >= 0 ? H5Tget_class(x.t) : H5T_NO_CLASS;
    const int rank = d >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && rank >= 0 && rank <= 8) {
        a->rank = rank;
        H5Sget_simple_extent_dims(sp, a->dims, NULL);
        const hssize_t n = H5Sget_simple_extent_npoints(sp);
        st = n < 0 || n > MAX_VALUES ? PS_ERR_RANGE : PS_OK;
        if (st == PS_OK) {
            a->n = (int64_t)n;
            if (ps_calloc((size_t)(n ? n : 1), sizeof *a->v, &a->v) != PS_OK)
                st = PS_ERR_NOMEM;
            else if (n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->v) < 0)
                st = PS_ERR_FORMAT;
        }
    }
    dset_close(x);
    if (st != PS_OK)
        values_free(a);
    return st;
}

/* metadata/<key> of group g as one number. */
static bool meta_number(hid_t g, const char *key, double *out)
{
    if (!has(g, "metadata"))
        return false;
    hid_t m = H5Gopen2(g, "metadata", H5P_DEFAULT);
    if (m < 0)
        return false;
    values v;
    bool ok = read_values(m, key, &v) == PS_OK && v.n == 1 && isfinite(v.v[0]);
    if (ok)
        *out = v.v[0];
    values_free(&v);
    H5Gclose(m);
    return ok;
}

/* ------------------------------------------------------------------ graph */

typedef struct graph {
    const char *path;
    hid_t file, root, nodes_g;
    node *nodes;
    int n;
    int (*edges)[2];
    int n_edges;
    char version[48];
} graph;

static ps_status node_error(ps_error *err, ps_status st, const node *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static ps_status node_error(ps_error *err, ps_status st, const node *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ps_error_set(err, st, "node '%s' (%s): %s", n->name, n->type, msg);
}

static int find_node(const graph *G, const char *name)
{
    for (int i = 0; i < G->n; i++)
        if (strcmp(G->nodes[i].name, name) == 0)
            return i;
    return -1;
}

static void graph_close(graph *G)
{
    for (int i = 0; G->nodes && i < G->n; i++)
        if (G->nodes[i].g >= 0)
            H5Gclose(G->nodes[i].g);
    free(G->nodes);
    free(G->edges);
    if (G->nodes_g >= 0)
        H5Gclose(G->nodes_g);
    if (G->root >= 0)
        H5Gclose(G->root);
    if (G->file >= 0)
        H5Fclose(G->file);
}

static ps_status read_nodes(graph *G, ps_error *err)
{
    H5G_info_t info;
    if (!has(G->root, "nodes") || (G->nodes_g = H5Gopen2(G->root, "nodes", H5P_DEFAULT)) < 0 ||
        H5Gget_info(G->nodes_g, &info) < 0)
        return ps_error_set(err, PS_ERR_FORMAT, "graph: group 'node/nodes' is missing");
    if (info.nlinks < 2 || info.nlinks > MAX_NODES)
        return ps_error_set(err, PS_ERR_FORMAT, "graph: %llu nodes, expected 2..%d",
                            (unsigned long long)info.nlinks, MAX_NODES);
    if (PS_CALLOC_ARRAY(G->nodes, info.nlinks) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (hsize_t i = 0; i < info.nlinks; i++) {
        node *n = &G->nodes[G->n++];
        n->g = -1;
        n->pred = n->succ = -1;
        ssize_t len = H5Lget_name_by_idx(G->nodes_g, ".", H5_INDEX_NAME, H5_ITER_INC, i, n->name,
                                         sizeof n->name, H5P_DEFAULT);
        if (len < 0 || (size_t)len >= sizeof n->name)
            return ps_error_set(err, PS_ERR_FORMAT, "graph: node %llu has no name or one too long",
                                (unsigned long long)i);
        strcpy(n->type, "?");
        if ((n->g = H5Gopen2(G->nodes_g, n->name, H5P_DEFAULT)) < 0)
            return ps_error_set(err, PS_ERR_FORMAT, "node '%s': not a group", n->name);
        ps_status st = read_str(n->g, "type", n->type, sizeof n->type);
        if (st != PS_OK) {
            strcpy(n->type, "?");
            return node_error(err, PS_ERR_FORMAT, n, "dataset 'type' is %s",
                              st == PS_ERR_NOT_FOUND ? "missing" : "not a string");
        }
    }
    return PS_OK;
}

/* edges: N x 2 strings, variable- or fixed-length. */
static ps_status read_edges(graph *G, ps_error *err)
{
    if (!has(G->root, "edges"))
        return ps_error_set(err, PS_ERR_FORMAT, "graph: dataset 'node/edges' is missing");
    const dset x = dset_open(G->root, "edges");
    const hid_t d = x.d, t = x.t, sp = x.sp;
    hsize_t dims[2] = {0, 0};
    ps_status st = PS_OK;
    if (d < 0 || H5Tget_class(t) != H5T_STRING || H5Sget_simple_extent_ndims(sp) != 2 ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || dims[1] != 2 || dims[0] < 1 ||
        dims[0] > 4 * MAX_NODES)
        st = ps_error_set(err, PS_ERR_FORMAT, "graph: 'node/edges' must be N x 2 strings, N >= 1");
    const size_t n = (size_t)dims[0] * 2;
    char **names = NULL;
    char *fixed = NULL;
    const bool var = st == PS_OK && H5Tis_variable_str(t) > 0;
    const size_t width = st == PS_OK && !var ? H5Tget_size(t) + 1 : 0;
    hid_t m = H5Tcopy(H5T_C_S1);
    if (d >= 0)
        H5Tset_cset(m, H5Tget_cset(t));
    if (st == PS_OK && ps_calloc(n / 2, sizeof *G->edges, &G->edges) != PS_OK)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    if (st == PS_OK) {
        if (var) {
            H5Tset_size(m, H5T_VARIABLE);
            if (PS_CALLOC_ARRAY(names, n) != PS_OK ||
                H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0)
                st = ps_error_set(err, PS_ERR_FORMAT, "graph: 'node/edges' cannot be read");
        } else {
            H5Tset_size(m, width);
            H5Tset_strpad(m, H5T_STR_NULLTERM);
            if (width > NAME_BYTES || ps_calloc(n, width, &fixed) != PS_OK ||
                H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
                st = ps_error_set(err, PS_ERR_FORMAT, "graph: 'node/edges' cannot be read");
        }
    }
    for (size_t e = 0; st == PS_OK && e < n / 2; e++) {
        const char *a = var ? names[2 * e] : fixed + 2 * e * width;
        const char *b = var ? names[2 * e + 1] : fixed + (2 * e + 1) * width;
        const int ia = find_node(G, a ? a : ""), ib = find_node(G, b ? b : "");
        if (ia < 0 || ib < 0) {
            st = ps_error_set(err, PS_ERR_FORMAT, "graph: edge %zu ('%s' -> '%s') names no node '%s'",
                              e, a ? a : "", b ? b : "", ia < 0 ? (a ? a : "") : (b ? b : ""));
            break;
        }
        node *na = &G->nodes[ia], *nb = &G->nodes[ib];
        G->edges[G->n_edges][0] = ia, G->edges[G->n_edges++][1] = ib;
        na->n_out++, nb->n_in++;
        na->succ = ib, nb->pred = ia;
    }
    if (names) {
        H5Dvlen_reclaim(m, sp, H5P_DEFAULT, names);
        free(names);
    }
    free(fixed);
    H5Tclose(m);
    dset_close(x);
    return st;
}

/* A cycle first (it would make every other message misleading), then
 * branches: primesim runs one feed-forward chain of layers. Kahn's sources
 * removal; a node left over whose predecessors are walked back n times is
 * on a cycle. */
static ps_status check_topology(graph *G, ps_error *err)
{
    int *indeg = NULL, *queue = NULL;
    if (PS_CALLOC_ARRAY(indeg, (size_t)G->n) != PS_OK || PS_CALLOC_ARRAY(queue, (size_t)G->n) != PS_OK) {
        free(indeg);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int e = 0; e < G->n_edges; e++)
        indeg[G->edges[e][1]]++;
    int head = 0, tail = 0;
    for (int i = 0; i < G->n; i++)
        if (!indeg[i])
            queue[tail++] = i;
    while (head < tail) {
        const int i = queue[head++];
        for (int e = 0; e < G->n_edges; e++)
            if (G->edges[e][0] == i && --indeg[G->edges[e][1]] == 0)
                queue[tail++] = G->edges[e][1];
    }
    ps_status st = PS_OK;
    if (tail < G->n) {
        int k = 0;
        while (!indeg[k])
            k++;
        for (int step = 0; step < G->n; step++)
            for (int e = 0; e < G->n_edges; e++)
                if (G->edges[e][1] == k && indeg[G->edges[e][0]]) {
                    k = G->edges[e][0];
                    break;
                }
        st = node_error(err, PS_ERR_UNSUPPORTED, &G->nodes[k],
                        "the graph is cyclic (this node is on a cycle): primesim runs "
                        "feed-forward layer chains");
    }
    for (int i = 0; st == PS_OK && i < G->n; i++)
        if (G->nodes[i].n_in > 1 || G->nodes[i].n_out > 1)
            st = node_error(err, PS_ERR_UNSUPPORTED, &G->nodes[i],
                            "%d inputs and %d outputs: primesim runs one chain of layers, no "
                            "branches or merges",
                            G->nodes[i].n_in, G->nodes[i].n_out);
    free(indeg);
    free(queue);
    return st;
}

/* ---------------------------------------------------------------- mapping */

typedef struct built {
    ps_layer l;
    const node *wnode;   /* the weight node (weight layers) */
    values w, b;         /* NIR weight (out x in [x k x k]) and bias (b.n 0: none) */
    float *gp, *gn, *bias;
    uint8_t *keep;
} built;

typedef struct mapper {
    graph *G;
    const ps_nir_import_options *o;
    double dt;
    built layers[MAX_LAYERS];
    int n_layers;
    int64_t c, h, w;     /* the current output shape */
    bool flat;           /* a Flatten (or a 1-D input) came before */
    bool pending;        /* the last layer is a weight layer waiting for its neuron */
    double pool_factor;  /* SumPool2d windows since the last weight layer: k^2 each */
    double leak, v_th;   /* the network's; NAN until the first spiking neuron */
    double readout_decay; /* LI readout: dt/tau; 0 for I */
    bool done;           /* the integrator is placed */
} mapper;

static int64_t out_size(const mapper *M) { return M->c * M->h * M->w; }

/* An integer parameter given as a scalar or a pair that must agree. */
static ps_status pair_param(const node *n, const char *name, bool required, int64_t dflt,
                            int64_t lo, int64_t *out, ps_error *err)
{
    values v;
    ps_status st = read_values(n->g, name, &v);
    if (st == PS_ERR_NOT_FOUND && !required) {
        *out = dflt;
        return PS_OK;
    }
    if (st != PS_OK)
        return node_error(err, PS_ERR_FORMAT, n, "dataset '%s' is %s", name,
                          st == PS_ERR_NOT_FOUND ? "missing" : "not numeric");
    if ((v.n != 1 && v.n != 2) || v.v[0] != floor(v.v[0]) || v.v[0] < (double)lo ||
        v.v[0] > 1e6 || (v.n == 2 && v.v[1] != v.v[0])) {
        double a = v.n ? v.v[0] : NAN, b = v.n == 2 ? v.v[1] : a;
        values_free(&v);
        return node_error(err, PS_ERR_UNSUPPORTED, n,
                          "%s (%g, %g): primesim needs one integer >= %lld for both axes", name, a,
                          b, (long long)lo);
    }
    *out = (int64_t)v.v[0];
    values_free(&v);
    return PS_OK;
}

static ps_status need_values(const node *n, const char *name, values *v, ps_error *err)
{
    ps_status st = read_values(n->g, name, v);
    if (st == PS_ERR_NOT_FOUND)
        return node_error(err, PS_ERR_FORMAT, n, "dataset '%s' is missing", name);
    if (st == PS_ERR_RANGE)
        return node_error(err, PS_ERR_RANGE, n, "dataset '%s' holds more than %lld values", name,
                          (long long)MAX_VALUES);
    if (st != PS_OK)
        return node_error(err, st, n, "dataset '%s' is not a numeric array", name);
    for (int64_t i = 0; i < v->n; i++)
        if (!isfinite(v->v[i])) {
            double x = v->v[i];
            values_free(v);
            return node_error(err, PS_ERR_FORMAT, n, "%s[%lld] = %g is not finite", name,
                              (long long)i, x);
        }
    return PS_OK;
}

/* One value per neuron, all equal (primesim's LIF constants are per network
 * and the per-layer scale is one number). */
static ps_status uniform(const node *n, const char *name, bool required, double dflt,
                         int64_t neurons, double *out, ps_error *err)
{
    values v;
    if (!required && !has(n->g, name)) {
        *out = dflt;
        return PS_OK;
    }
    ps_status st = need_values(n, name, &v, err);
    if (st != PS_OK)
        return st;
    if (v.n != 1 && v.n != neurons) {
        int64_t k = v.n;
        values_free(&v);
        return node_error(err, PS_ERR_FORMAT, n, "%s has %lld values, the layer has %lld neurons",
                          name, (long long)k, (long long)neurons);
    }
    for (int64_t i = 1; i < v.n; i++)
        if (v.v[i] != v.v[0]) {
            double a = v.v[0], b = v.v[i];
            values_free(&v);
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "%s differs between neurons (%g at 0, %g at %lld): primesim holds "
                              "one value per layer",
                              name, a, b, (long long)i);
        }
    *out = v.v[0];
    values_free(&v);
    return PS_OK;
}

static ps_status weight_node(mapper *M, const node *n, ps_error *err)
{
    if (M->done)
        return node_error(err, PS_ERR_UNSUPPORTED, n, "follows the output integrator");
    if (M->pending)
        return node_error(err, PS_ERR_UNSUPPORTED, n,
                          "follows weight node '%s' with no neuron between: every crossbar layer "
                          "ends in neurons", M->layers[M->n_layers - 1].wnode->name);
    if (M->n_layers == MAX_LAYERS)
        return node_error(err, PS_ERR_UNSUPPORTED, n, "more than %d layers", MAX_LAYERS);
    built *B = &M->layers[M->n_layers];
    memset(B, 0, sizeof *B);
    B->wnode = n;
    ps_layer *l = &B->l;
    l->in_c = M->c, l->in_h = M->h, l->in_w = M->w;
    ps_status st = need_values(n, "weight", &B->w, err);
    if (st != PS_OK)
        return st;
    const bool conv = strcmp(n->type, "Conv2d") == 0;
    const bool affine = strcmp(n->type, "Affine") == 0 || conv;
    if (conv) {
        if (M->flat && (M->h > 1 || M->w > 1))
            return node_error(err, PS_ERR_UNSUPPORTED, n, "follows a Flatten");
        const hsize_t *d = B->w.dims;
        if (B->w.rank != 4 || d[2] != d[3] || d[0] < 1 || d[2] < 1)
            return node_error(err, PS_ERR_FORMAT, n,
                              "weight must be out x in x k x k (a square kernel)");
        if ((int64_t)d[1] != M->c)
            return node_error(err, PS_ERR_FORMAT, n,
                              "weight takes %llu input channels, its input has %lld",
                              (unsigned long long)d[1], (long long)M->c);
        int64_t k = (int64_t)d[2], stride, pad, dil, groups;
        if ((st = pair_param(n, "stride", true, 1, 1, &stride, err)) != PS_OK ||
            (st = pair_param(n, "dilation", false, 1, 1, &dil, err)) != PS_OK ||
            (st = pair_param(n, "groups", false, 1, 1, &groups, err)) != PS_OK)
            return st;
        if (!has(n->g, "padding"))
            return node_error(err, PS_ERR_FORMAT, n, "dataset 'padding' is missing");
        if (is_string(n->g, "padding")) {
            char p[16] = "";
            read_str(n->g, "padding", p, sizeof p);
            if (strcmp(p, "valid") == 0)
                pad = 0;
            else if (strcmp(p, "same") == 0 && stride == 1 && k % 2 == 1)
                pad = (k - 1) / 2;
            else
                return node_error(err, PS_ERR_UNSUPPORTED, n,
                                  "padding '%s' (stride %lld, kernel %lld): only 'valid', or "
                                  "'same' at stride 1 with an odd kernel",
                                  p, (long long)stride, (long long)k);
        } else if ((st = pair_param(n, "padding", true, 0, 0, &pad, err)) != PS_OK) {
            return st;
        }
        if (dil != 1 || groups != 1)
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "dilation %lld, groups %lld: primesim's convolutions have 1 and 1",
                              (long long)dil, (long long)groups);
        values is;
        if (read_values(n->g, "input_shape", &is) == PS_OK) {
            bool ok = is.n == 2 && is.v[0] == (double)M->h && is.v[1] == (double)M->w;
            values_free(&is);
            if (!ok)
                return node_error(err, PS_ERR_FORMAT, n,
                                  "input_shape does not match its input (%lldx%lld)",
                                  (long long)M->h, (long long)M->w);
        }
        l->kind = PS_LAYER_CONV2D;
        l->kernel = k, l->stride = stride, l->padding = pad;
        l->out_c = (int64_t)d[0];
        l->out_h = ps_conv_out_extent(M->h, k, stride, pad);
        l->out_w = ps_conv_out_extent(M->w, k, stride, pad);
        if (l->out_h < 1 || l->out_w < 1)
            return node_error(err, PS_ERR_FORMAT, n, "kernel %lld leaves no output of a %lldx%lld input",
                              (long long)k, (long long)M->h, (long long)M->w);
        l->rows = M->c * k * k;
    } else {
        if (!M->flat && (M->h > 1 || M->w > 1))
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "its input is %lldx%lldx%lld: a Flatten must come first",
                              (long long)M->c, (long long)M->h, (long long)M->w);
        if (B->w.rank != 2 || (int64_t)B->w.dims[1] != out_size(M) || B->w.dims[0] < 1)
            return node_error(err, PS_ERR_FORMAT, n,
                              "weight must be out x %lld (its input's size), is %s%llu x %llu",
                              (long long)out_size(M), B->w.rank == 2 ? "" : "not 2-D, ",
                              (unsigned long long)(B->w.rank >= 1 ? B->w.dims[0] : 0),
                              (unsigned long long)(B->w.rank >= 2 ? B->w.dims[1] : 0));
        l->kind = PS_LAYER_LINEAR;
        l->out_c = (int64_t)B->w.dims[0], l->out_h = 1, l->out_w = 1;
        l->rows = out_size(M);
    }
    l->cols = l->out_c;
    if (affine) {
        if ((st = need_values(n, "bias", &B->b, err)) != PS_OK)
            return st;
        if (B->b.n != l->out_c)
            return node_error(err, PS_ERR_FORMAT, n, "bias has %lld values, the layer has %lld outputs",
                              (long long)B->b.n, (long long)l->out_c);
    }
    M->n_layers++;
    M->pending = true;
    M->c = l->out_c, M->h = l->out_h, M->w = l->out_w;
    return PS_OK;
}

static ps_status pool_node(mapper *M, const node *n, ps_error *err)
{
    if (M->done || M->pending || (M->flat && (M->h > 1 || M->w > 1)))
        return node_error(err, PS_ERR_UNSUPPORTED, n, "%s",
                          M->done      ? "follows the output integrator"
                          : M->pending ? "follows a weight node directly: pooling acts on spikes"
                                       : "follows a Flatten");
    if (M->n_layers == MAX_LAYERS)
        return node_error(err, PS_ERR_UNSUPPORTED, n, "more than %d layers", MAX_LAYERS);
    int64_t k, s, p;
    ps_status st;
    if ((st = pair_param(n, "kernel_size", true, 0, 1, &k, err)) != PS_OK ||
        (st = pair_param(n, "stride", true, 0, 1, &s, err)) != PS_OK ||
        (st = pair_param(n, "padding", true, 0, 0, &p, err)) != PS_OK)
        return st;
    if (p != 0)
        return node_error(err, PS_ERR_UNSUPPORTED, n, "padding %lld: primesim pools without padding",
                          (long long)p);
    built *B = &M->layers[M->n_layers];
    memset(B, 0, sizeof *B);
    ps_layer *l = &B->l;
    l->kind = PS_LAYER_AVGPOOL2D;
    l->neuron = PS_NEURON_NONE;
    l->in_c = M->c, l->in_h = M->h, l->in_w = M->w;
    l->out_c = M->c;
    l->out_h = ps_conv_out_extent(M->h, k, s, 0);
    l->out_w = ps_conv_out_extent(M->w, k, s, 0);
    l->kernel = k, l->stride = s;
    if (l->out_h < 1 || l->out_w < 1)
        return node_error(err, PS_ERR_FORMAT, n, "kernel %lld leaves no output of a %lldx%lld input",
                          (long long)k, (long long)M->h, (long long)M->w);
    /* primesim's pool averages; a sum is k^2 times it, folded into the next weights. */
    if (strcmp(n->type, "SumPool2d") == 0)
        M->pool_factor *= (double)(k * k);
    M->n_layers++;
    M->h = l->out_h, M->w = l->out_w;
    return PS_OK;
}

/* value, or the metadata's when it agrees to SNAP_REL: the exporter writes
 * the exact doubles beside the float32 parameters, so pwl -> NIR -> pwl is
 * bit for bit. */
static double snap(hid_t g, const char *key, double value)
{
    double m;
    if (meta_number(g, key, &m) && fabs(m - value) <= SNAP_REL * fmax(1.0, fabs(value)))
        return m;
    return value;
}

static ps_status neuron_node(mapper *M, const node *n, ps_error *err)
{
    if (!M->pending)
        return node_error(err, PS_ERR_UNSUPPORTED, n,
                          "does not follow a weight node (Conv2d, Linear, Affine): primesim's "
                          "neurons take a crossbar layer's currents");
    built *B = &M->layers[M->n_layers - 1];
    ps_layer *l = &B->l;
    const int64_t N = ps_layer_out_size(l);
    const double dt = M->dt;
    const char *t = n->type;
    double a = 0, g = 0, v_leak = 0, v_th = 0, v_reset = 0, r = 0;
    bool spiking = true;
    ps_status st;
    if (strcmp(t, "LIF") == 0 || strcmp(t, "CubaLIF") == 0) {
        const bool cuba = t[0] == 'C';
        double tau, w_in = 1.0;
        if ((st = uniform(n, cuba ? "tau_mem" : "tau", true, 0, N, &tau, err)) != PS_OK ||
            (st = uniform(n, "r", true, 0, N, &r, err)) != PS_OK ||
            (st = uniform(n, "v_leak", true, 0, N, &v_leak, err)) != PS_OK ||
            (st = uniform(n, "v_threshold", true, 0, N, &v_th, err)) != PS_OK ||
            (st = uniform(n, "v_reset", false, 0.0, N, &v_reset, err)) != PS_OK)
            return st;
        if (cuba) {
            double tau_syn;
            if ((st = uniform(n, "tau_syn", true, 0, N, &tau_syn, err)) != PS_OK ||
                (st = uniform(n, "w_in", false, 1.0, N, &w_in, err)) != PS_OK)
                return st;
            /* Euler: I_t = (1 - dt/tau_syn) I_{t-1} + dt/tau_syn w_in x_t; only at
             * dt = tau_syn is the current memoryless, I_t = w_in x_t. */
            /* float32 parameters: equal to dt within float32 precision */
            if (!(fabs(tau_syn - dt) <= TAU_SYN_REL * dt))
                return node_error(err, PS_ERR_UNSUPPORTED, n,
                                  "tau_syn %.9g != dt %.9g: a synaptic current with memory has no "
                                  "state in primesim's neuron (it maps only when tau_syn = dt)",
                                  tau_syn, dt);
        }
        if (!(tau >= dt))
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "tau %g is below dt %g: forward Euler's leak 1 - dt/tau would be "
                              "negative; give a smaller --dt",
                              tau, dt);
        a = dt / tau;
        g = a * r * w_in;
    } else if (strcmp(t, "IF") == 0) {
        if ((st = uniform(n, "r", true, 0, N, &r, err)) != PS_OK ||
            (st = uniform(n, "v_threshold", true, 0, N, &v_th, err)) != PS_OK ||
            (st = uniform(n, "v_reset", false, 0.0, N, &v_reset, err)) != PS_OK)
            return st;
        a = 0.0;
        g = dt * r;
    } else if (strcmp(t, "I") == 0) {
        if ((st = uniform(n, "r", true, 0, N, &r, err)) != PS_OK)
            return st;
        g = dt * r;
        spiking = false;
    } else { /* LI: the leaky readout, tau dv/dt = (v_leak - v) + r I */
        double tau;
        if ((st = uniform(n, "tau", true, 0, N, &tau, err)) != PS_OK ||
            (st = uniform(n, "r", true, 0, N, &r, err)) != PS_OK ||
            (st = uniform(n, "v_leak", true, 0, N, &v_leak, err)) != PS_OK)
            return st;
        if (!(tau > dt))
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "tau %g is not above dt %g: forward Euler's readout would keep "
                              "nothing or go negative; give a smaller --dt",
                              tau, dt);
        a = dt / tau;
        g = a * r;
        M->readout_decay = snap(M->G->root, "primesim_readout_decay", a);
        spiking = false;
    }
    if (g == 0.0)
        return node_error(err, PS_ERR_UNSUPPORTED, n, "r = 0 makes the layer's input vanish");
    double norm = 1.0;
    if (spiking) {
        if (v_reset != 0.0)
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "v_reset %g: primesim's LIF resets to 0", v_reset);
        if (!(v_th > 0.0))
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "v_threshold %g: primesim needs a positive threshold", v_th);
        const double leak = snap(M->G->root, "primesim_leak", 1.0 - a);
        if (isnan(M->leak)) {
            M->leak = leak;
            M->v_th = snap(M->G->root, "primesim_v_th", v_th);
        } else if (leak != M->leak) {
            return node_error(err, PS_ERR_UNSUPPORTED, n,
                              "its leak 1 - dt/tau = %.17g differs from the first spiking "
                              "layer's %.17g: primesim's leak is one per network",
                              leak, M->leak);
        }
        /* The membrane scaled by norm spikes exactly when the original does
         * (v_leak and v_reset are 0 or folded), so thresholds may differ. */
        norm = M->v_th / v_th;
    } else {
        l->neuron = PS_NEURON_INTEGRATOR;
        M->done = true;
    }
    if (spiking)
        l->neuron = PS_NEURON_LIF;
    /* Euler on tau dv/dt = (v_leak - v) + r (W x + b), times norm:
     *   v_t = (1 - a) v_{t-1} [reset: 0] + norm g W x_t + norm (g b + a v_leak). */
    const double f = norm * g * M->pool_factor;
    l->weight_per_uS = snap(B->wnode->g, "primesim_weight_per_uS", f / M->o->uS_per_unit);
    bool any_bias = false;
    if (ps_calloc((size_t)l->cols, sizeof *B->bias, &B->bias) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    /* norm g, from the (possibly snapped) weight scale so that an exported
     * bias comes back exactly */
    const double gain = l->weight_per_uS * M->o->uS_per_unit / M->pool_factor;
    for (int64_t c = 0; c < l->cols; c++) {
        const double b = B->b.n ? B->b.v[c] : 0.0;
        B->bias[c] = (float)(gain * b + norm * a * v_leak);
        any_bias |= B->bias[c] != 0.0f;
    }
    if (!any_bias) {
        free(B->bias);
        B->bias = NULL;
    }
    l->bias = B->bias;
    M->pending = false;
    M->pool_factor = 1.0;
    return PS_OK;
}

/* NIR weights -> differential pairs, as import_pytorch.py: w u uS of G+ - G-
 * on a g_off floor; a zero weight is a pruned pair. */
static ps_status conductances(mapper *M, built *B, ps_error *err)
{
    ps_layer *l = &B->l;
    const size_t n = (size_t)(l->rows * l->cols);
    if (ps_calloc(n, sizeof *B->gp, &B->gp) != PS_OK || ps_calloc(n, sizeof *B->gn, &B->gn) != PS_OK ||
        ps_calloc(n, 1, &B->keep) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    const double u = M->o->uS_per_unit, g_off = M->o->g_off_uS, g_max = M->o->g_max_uS;
    bool pruned = false;
    for (int64_t r = 0; r < l->rows; r++)
        for (int64_t c = 0; c < l->cols; c++) {
            const double w = B->w.v[c * l->rows + r] * u; /* out x in: PyTorch order */
            const size_t j = (size_t)(r * l->cols + c);
            B->keep[j] = w != 0.0;
            pruned |= w == 0.0;
            B->gp[j] = (float)(g_off + (w > 0 ? w : 0.0));
            B->gn[j] = (float)(g_off + (w < 0 ? -w : 0.0));
            if (g_max > 0 && (B->gp[j] > g_max || B->gn[j] > g_max))
                return node_error(err, PS_ERR_RANGE, B->wnode,
                                  "weight %g needs %g uS, above --g-max-uS %g; lower --uS-per-unit",
                                  w / u, g_off + fabs(w), g_max);
        }
    if (!pruned) {
        free(B->keep);
        B->keep = NULL;
    }
    l->g_pos_uS = B->gp, l->g_neg_uS = B->gn, l->keep = B->keep;
    return PS_OK;
}

static ps_status input_node(mapper *M, const node *n, ps_error *err)
{
    values s;
    ps_status st = need_values(n, "shape", &s, err);
    if (st != PS_OK)
        return st;
    bool ok = s.n == 1 || s.n == 3;
    for (int64_t i = 0; ok && i < s.n; i++)
        ok = s.v[i] >= 1 && s.v[i] <= (1 << 20) && s.v[i] == floor(s.v[i]);
    if (ok) {
        M->c = (int64_t)s.v[0];
        M->h = s.n == 3 ? (int64_t)s.v[1] : 1;
        M->w = s.n == 3 ? (int64_t)s.v[2] : 1;
        M->flat = s.n == 1;
    }
    values_free(&s);
    if (!ok)
        return node_error(err, PS_ERR_UNSUPPORTED, n,
                          "shape must be (channels, height, width) or (features)");
    return PS_OK;
}

static ps_status map_chain(mapper *M, int start, ps_error *err)
{
    graph *G = M->G;
    ps_status st = input_node(M, &G->nodes[start], err);
    int k = G->nodes[start].succ, last = start;
    while (st == PS_OK) {
        if (k < 0)
            return node_error(err, PS_ERR_FORMAT, &G->nodes[last],
                              "the chain ends here, before an Output node");
        const node *n = &G->nodes[k];
        last = k;
        const char *t = n->type;
        if (strcmp(t, "Output") == 0) {
            if (M->pending || !M->done)
                return node_error(err, PS_ERR_UNSUPPORTED, n,
                                  "the network must end in a weight layer and an integrator (I or "
                                  "LI): primesim's readout integrates the last layer");
            values s;
            if (read_values(n->g, "shape", &s) == PS_OK) {
                int64_t prod = 1;
                for (int64_t i = 0; i < s.n; i++)
                    prod *= (int64_t)s.v[i];
                values_free(&s);
                if (prod != out_size(M))
                    return node_error(err, PS_ERR_FORMAT, n, "shape has %lld values, the network "
                                      "gives %lld", (long long)prod, (long long)out_size(M));
            }
            break;
        }
        if (strcmp(t, "Conv2d") == 0 || strcmp(t, "Linear") == 0 || strcmp(t, "Affine") == 0)
            st = weight_node(M, n, err);
        else if (strcmp(t, "SumPool2d") == 0 || strcmp(t, "AvgPool2d") == 0)
            st = pool_node(M, n, err);
        else if (strcmp(t, "LIF") == 0 || strcmp(t, "IF") == 0 || strcmp(t, "CubaLIF") == 0 ||
                 strcmp(t, "I") == 0 || strcmp(t, "LI") == 0)
            st = neuron_node(M, n, err);
        else if (strcmp(t, "Flatten") == 0)
            M->flat = true; /* row-major (c, y, x) order is already flat */
        else if (strcmp(t, "Input") == 0)
            st = node_error(err, PS_ERR_UNSUPPORTED, n, "a second Input: one input only");
        else
            st = node_error(err, PS_ERR_UNSUPPORTED, n,
                            "unknown or unsupported node type (primesim maps Input, Conv2d, "
                            "Linear, Affine, Flatten, SumPool2d, AvgPool2d, LIF, IF, CubaLIF, I, "
                            "Output)");
        k = n->succ;
    }
    for (int i = 0; st == PS_OK && i < G->n; i++) {
        /* every node on the chain? */
        int j = start, on = 0;
        while (j >= 0 && !on) {
            on = j == i;
            j = G->nodes[j].succ;
        }
        if (!on)
            st = node_error(err, PS_ERR_UNSUPPORTED, &G->nodes[i],
                            "is not on the path from Input to Output");
    }
    for (int i = 0; st == PS_OK && i < M->n_layers; i++)
        if (ps_layer_has_weights(&M->layers[i].l))
            st = conductances(M, &M->layers[i], err);
    return st;
}

static ps_status open_graph(graph *G, ps_error *err)
{
    FILE *probe = fopen(G->path, "rb");
    if (!probe)
        return ps_error_set(err, PS_ERR_NOT_FOUND, "cannot open");
    fclose(probe);
    if (H5Fis_hdf5(G->path) <= 0)
        return ps_error_set(err, PS_ERR_FOREIGN, "not an HDF5 file (a NIR file is HDF5)");
    if ((G->file = H5Fopen(G->path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        return ps_error_set(err, PS_ERR_FORMAT, "HDF5 file cannot be opened");
    read_str(G->file, "version", G->version, sizeof G->version);
    char type[32] = "";
    if (!has(G->file, "node") || (G->root = H5Gopen2(G->file, "node", H5P_DEFAULT)) < 0)
        return ps_error_set(err, PS_ERR_FORMAT, "group 'node' is missing: not a NIR file");
    if (read_str(G->root, "type", type, sizeof type) != PS_OK || strcmp(type, "NIRGraph") != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "node/type is '%s', expected NIRGraph", type);
    ps_status st = read_nodes(G, err);
    if (st == PS_OK)
        st = read_edges(G, err);
    if (st == PS_OK)
        st = check_topology(G, err);
    for (int i = 0; st == PS_OK && i < G->n; i++)
        if (strcmp(G->nodes[i].type, "NIRGraph") == 0)
            st = node_error(err, PS_ERR_UNSUPPORTED, &G->nodes[i],
                            "nested graphs are not supported; flatten the graph first");
    return st;
}

static ps_status import_graph(graph *G, mapper *M, const ps_nir_import_options *o,
                              const char *pwl_path, ps_error *err)
{
    ps_status st = open_graph(G, err);
    if (st != PS_OK)
        return st;
    M->G = G;
    M->o = o;
    M->dt = o->dt_s;
    if (!(M->dt > 0) && !meta_number(G->root, "dt", &M->dt))
        return ps_error_set(err, PS_ERR_UNSUPPORTED,
                            "no time step: the graph's metadata has no 'dt'; give --dt");
    if (!(M->dt > 0) || !isfinite(M->dt))
        return ps_error_set(err, PS_ERR_RANGE, "dt %g must be > 0", M->dt);
    if (!(o->uS_per_unit > 0) || !(o->g_off_uS >= 0))
        return ps_error_set(err, PS_ERR_RANGE, "uS_per_unit must be > 0 and g_off_uS >= 0");
    M->pool_factor = 1.0;
    M->leak = M->v_th = NAN;
    int start = -1;
    for (int i = 0; i < G->n; i++)
        if (strcmp(G->nodes[i].type, "Input") == 0) {
            if (start >= 0)
                return node_error(err, PS_ERR_UNSUPPORTED, &G->nodes[i],
                                  "a second Input: one input only");
            start = i;
        }
    if (start < 0)
        return ps_error_set(err, PS_ERR_FORMAT, "graph: no Input node");
    if ((st = map_chain(M, start, err)) != PS_OK)
        return st;

    ps_workload w;
    ps_workload_init(&w);
    ps_layer layers[MAX_LAYERS];
    for (int i = 0; i < M->n_layers; i++)
        layers[i] = M->layers[i].l;
    ps_network *net = &w.net;
    double v;
    net->timesteps = o->timesteps > 0                                        ? o->timesteps
                     : meta_number(G->root, "primesim_timesteps", &v) && v >= 1 ? (int64_t)v
                                                                             : w.frames.bins;
    net->input_max_level = o->input_max_level > 0 ? o->input_max_level
                           : meta_number(G->root, "primesim_input_max_level", &v) && v >= 1
                               ? (int64_t)v
                               : 15;
    net->in_c = layers[0].in_c, net->in_h = layers[0].in_h, net->in_w = layers[0].in_w;
    net->leak = isnan(M->leak) ? 1.0 : M->leak;
    net->v_th = isnan(M->v_th) ? 1.0 : M->v_th;
    net->negative_slope = meta_number(G->root, "primesim_negative_slope", &v) ? v : 1.0;
    net->readout_decay = M->readout_decay;
    net->n_layers = M->n_layers;
    net->layers = layers;
    w.frames.bins = net->timesteps;
    strcpy(w.info.method, "imported");
    snprintf(w.info.trainer, sizeof w.info.trainer, "%s", TRAINER);
    snprintf(w.info.recipe, sizeof w.info.recipe, "NIR %s", G->version[0] ? G->version : "?");
    return ps_workload_write(&w, pwl_path, err);
}

ps_status ps_nir_import(const char *nir_path, const ps_nir_import_options *o,
                        const char *pwl_path, ps_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our messages, not HDF5's stack dumps */
    graph G;
    memset(&G, 0, sizeof G);
    G.path = nir_path;
    G.file = G.root = G.nodes_g = -1;
    mapper *M = NULL;
    ps_status st = PS_CALLOC_ARRAY(M, 1) == PS_OK
                       ? import_graph(&G, M, o, pwl_path, err)
                       : ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    /* also the slot a failing node was filling (later slots are zero) */
    for (int i = 0; M && i <= M->n_layers && i < MAX_LAYERS; i++) {
        built *B = &M->layers[i];
        values_free(&B->w);
        values_free(&B->b);
        free(B->gp);
        free(B->gn);
        free(B->bias);
        free(B->keep);
    }
    free(M);
    graph_close(&G);
    if (st != PS_OK && strncmp(err ? err->message : "", pwl_path, strlen(pwl_path)) != 0)
        ps_error_prefix(err, "%s", nir_path);
    return st;
}

/* ------------------------------------------------------------------ export */

typedef struct writer {
    hid_t file;
    bool failed;
} writer;

static void put(writer *W, hid_t g, const char *name, hid_t type, int rank, const hsize_t *dims,
                const void *data)
{
    if (W->failed)
        return;
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = sp >= 0 ? H5Dcreate2(g, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    const hid_t mem = type == H5T_IEEE_F32LE   ? H5T_NATIVE_FLOAT
                      : type == H5T_IEEE_F64LE ? H5T_NATIVE_DOUBLE
                      : type == H5T_STD_I64LE  ? H5T_NATIVE_INT64
                                               : type;
    if (d < 0 || H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        W->failed = true;
    if (d >= 0)
        H5Dclose(d);
    if (sp >= 0)
        H5Sclose(sp);
}

static hid_t utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static void put_str(writer *W, hid_t g, const char *name, const char *s)
{
    hid_t t = utf8_type();
    put(W, g, name, t, 0, NULL, &s);
    H5Tclose(t);
}

static void put_f64(writer *W, hid_t g, const char *name, double v)
{
    put(W, g, name, H5T_IEEE_F64LE, 0, NULL, &v);
}

static void put_i64s(writer *W, hid_t g, const char *name, int n, const int64_t *v)
{
    const hsize_t d = (hsize_t)n;
    put(W, g, name, H5T_STD_I64LE, n ? 1 : 0, &d, v);
}

/* A neuron parameter: the same value for each of the layer's neurons. */
static void put_per_neuron(writer *W, hid_t g, const char *name, const ps_layer *l, double v)
{
    const int64_t n = ps_layer_out_size(l);
    float *a = NULL;
    if (ps_calloc((size_t)n, sizeof *a, &a) != PS_OK) {
        W->failed = true;
        return;
    }
    for (int64_t i = 0; i < n; i++)
        a[i] = (float)v;
    const hsize_t conv[3] = {(hsize_t)l->out_c, (hsize_t)l->out_h, (hsize_t)l->out_w};
    const hsize_t flat[1] = {(hsize_t)n};
    if (l->kind == PS_LAYER_CONV2D)
        put(W, g, name, H5T_IEEE_F32LE, 3, conv, a);
    else
        put(W, g, name, H5T_IEEE_F32LE, 1, flat, a);
    free(a);
}

static hid_t new_node(writer *W, hid_t nodes, const char *name, const char *type)
{
    hid_t g = W->failed ? -1 : H5Gcreate2(nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        W->failed = true;
        return -1;
    }
    put_str(W, g, "type", type);
    return g;
}

static void put_meta(writer *W, hid_t g, const char *key, double v)
{
    hid_t m = W->failed ? -1
              : has(g, "metadata") ? H5Gopen2(g, "metadata", H5P_DEFAULT)
                                   : H5Gcreate2(g, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (m < 0) {
        W->failed = true;
        return;
    }
    put_f64(W, m, key, v);
    H5Gclose(m);
}

/* A weight layer's node: weights G+ - G- (kept pairs; pruned exactly 0) per
 * unit (u = 1 uS), bias in the same units. */
static void put_weights(writer *W, hid_t nodes, const char *name, const ps_layer *l, double f)
{
    const bool conv = l->kind == PS_LAYER_CONV2D;
    hid_t g = new_node(W, nodes, name, conv ? "Conv2d" : l->bias ? "Affine" : "Linear");
    if (g < 0)
        return;
    const size_t n = (size_t)(l->rows * l->cols);
    float *wt = NULL;
    double *b = NULL; /* float64: bias / f comes back to the float32 bias exactly */
    if (ps_calloc(n, sizeof *wt, &wt) != PS_OK || ps_calloc((size_t)l->cols, sizeof *b, &b) != PS_OK) {
        W->failed = true;
    } else {
        for (int64_t r = 0; r < l->rows; r++)
            for (int64_t c = 0; c < l->cols; c++) {
                const size_t j = (size_t)(r * l->cols + c);
                const bool kept = !l->keep || l->keep[j];
                wt[c * l->rows + r] = kept ? (float)((double)l->g_pos_uS[j] - (double)l->g_neg_uS[j]) : 0.0f;
            }
        for (int64_t c = 0; c < l->cols; c++)
            b[c] = l->bias ? l->bias[c] / f : 0.0;
        const hsize_t bd = (hsize_t)l->cols;
        if (conv) {
            const hsize_t d[4] = {(hsize_t)l->out_c, (hsize_t)l->in_c, (hsize_t)l->kernel,
                                  (hsize_t)l->kernel};
            put(W, g, "weight", H5T_IEEE_F32LE, 4, d, wt);
            put(W, g, "bias", H5T_IEEE_F64LE, 1, &bd, b);
            const int64_t s[2] = {l->stride, l->stride}, p[2] = {l->padding, l->padding},
                          one[2] = {1, 1}, hw[2] = {l->in_h, l->in_w}, groups = 1;
            put_i64s(W, g, "stride", 2, s);
            put_i64s(W, g, "padding", 2, p);
            put_i64s(W, g, "dilation", 2, one);
            put_i64s(W, g, "groups", 0, &groups);
            put_i64s(W, g, "input_shape", 2, hw);
        } else {
            const hsize_t d[2] = {(hsize_t)l->cols, (hsize_t)l->rows};
            put(W, g, "weight", H5T_IEEE_F32LE, 2, d, wt);
            if (l->bias)
                put(W, g, "bias", H5T_IEEE_F64LE, 1, &bd, b);
        }
        put_meta(W, g, "primesim_weight_per_uS", l->weight_per_uS);
    }
    free(wt);
    free(b);
    H5Gclose(g);
}

static ps_status write_graph(writer *W, const ps_workload *w, double dt)
{
    const ps_network *net = &w->net;
    hid_t root = H5Gcreate2(W->file, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t nodes = root >= 0 ? H5Gcreate2(root, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (nodes < 0) {
        if (root >= 0)
            H5Gclose(root);
        return PS_ERR_IO;
    }
    put_str(W, W->file, "version", "1.0");
    put_str(W, root, "type", "NIRGraph");
    put_meta(W, root, "dt", dt);
    put_meta(W, root, "primesim_timesteps", (double)net->timesteps);
    put_meta(W, root, "primesim_input_max_level", (double)net->input_max_level);
    put_meta(W, root, "primesim_leak", net->leak);
    put_meta(W, root, "primesim_v_th", net->v_th);
    put_meta(W, root, "primesim_negative_slope", net->negative_slope);
    if (net->readout_decay != 0.0)
        put_meta(W, root, "primesim_readout_decay", net->readout_decay);

    /* names in chain order; at most 3 nodes per layer plus input and output */
    const size_t cap = (size_t)net->n_layers * 3 + 2;
    char (*names)[32] = NULL;
    if (ps_calloc(cap, sizeof *names, &names) != PS_OK) {
        H5Gclose(nodes);
        H5Gclose(root);
        return PS_ERR_NOMEM;
    }
    size_t k = 0;
    strcpy(names[k++], "input");
    hid_t g = new_node(W, nodes, "input", "Input");
    const int64_t in_shape[3] = {net->in_c, net->in_h, net->in_w};
    if (g >= 0) {
        put_i64s(W, g, "shape", 3, in_shape);
        H5Gclose(g);
    }
    bool flat = false;
    for (int64_t i = 0; i < net->n_layers && !W->failed; i++) {
        const ps_layer *l = &net->layers[i];
        if (l->kind == PS_LAYER_AVGPOOL2D) {
            snprintf(names[k], sizeof names[k], "pool%lld", (long long)i);
            g = new_node(W, nodes, names[k++], "AvgPool2d");
            const int64_t ks[2] = {l->kernel, l->kernel}, s[2] = {l->stride, l->stride}, p[2] = {0, 0};
            put_i64s(W, g, "kernel_size", 2, ks);
            put_i64s(W, g, "stride", 2, s);
            put_i64s(W, g, "padding", 2, p);
            if (g >= 0)
                H5Gclose(g);
            continue;
        }
        if (l->kind == PS_LAYER_LINEAR && !flat && (l->in_h > 1 || l->in_w > 1)) {
            snprintf(names[k], sizeof names[k], "flatten%lld", (long long)i);
            g = new_node(W, nodes, names[k++], "Flatten");
            const int64_t start = 0, end = -1, shape[3] = {l->in_c, l->in_h, l->in_w};
            put_i64s(W, g, "start_dim", 0, &start);
            put_i64s(W, g, "end_dim", 0, &end);
            put_i64s(W, g, "input_type", 3, shape);
            if (g >= 0)
                H5Gclose(g);
            flat = true;
        }
        /* f = weight_per_uS x (1 uS per unit): the factor the neuron's r carries. */
        const double f = l->weight_per_uS;
        snprintf(names[k], sizeof names[k], "%s%lld", l->kind == PS_LAYER_CONV2D ? "conv" : "linear",
                 (long long)i);
        put_weights(W, nodes, names[k++], l, f);
        const bool lif = l->neuron == PS_NEURON_LIF;
        const double a = lif ? 1.0 - net->leak : net->readout_decay; /* Euler: a = dt / tau */
        const bool leaky = a > 0.0;
        const char *type = lif ? (leaky ? "LIF" : "IF") : (leaky ? "LI" : "I");
        snprintf(names[k], sizeof names[k], "%s%lld", lif ? (leaky ? "lif" : "if") : (leaky ? "li" : "i"),
                 (long long)i);
        g = new_node(W, nodes, names[k++], type);
        if (g < 0)
            break;
        if (leaky) { /* a r = f */
            const double tau = dt / a;
            put_per_neuron(W, g, "tau", l, tau);
            put_per_neuron(W, g, "r", l, f * tau / dt);
            put_per_neuron(W, g, "v_leak", l, 0.0);
        } else {
            put_per_neuron(W, g, "r", l, f / dt);
        }
        if (lif) {
            put_per_neuron(W, g, "v_threshold", l, net->v_th);
            put_per_neuron(W, g, "v_reset", l, 0.0);
        }
        H5Gclose(g);
    }
    strcpy(names[k++], "output");
    g = new_node(W, nodes, "output", "Output");
    if (g >= 0) {
        const ps_layer *last = &net->layers[net->n_layers - 1];
        const int64_t n_out = ps_layer_out_size(last);
        put_i64s(W, g, "shape", 1, &n_out);
        H5Gclose(g);
    }
    const char **edges = NULL;
    if (ps_calloc(2 * (k - 1), sizeof *edges, &edges) == PS_OK) {
        for (size_t e = 0; e + 1 < k; e++) {
            edges[2 * e] = names[e];
            edges[2 * e + 1] = names[e + 1];
        }
        hid_t t = utf8_type();
        const hsize_t d[2] = {(hsize_t)(k - 1), 2};
        put(W, root, "edges", t, 2, d, edges);
        H5Tclose(t);
    } else {
        W->failed = true;
    }
    free(edges);
    free(names);
    H5Gclose(nodes);
    H5Gclose(root);
    return W->failed ? PS_ERR_IO : PS_OK;
}

ps_status ps_nir_export(const ps_workload *w, const ps_nir_export_options *o, const char *path,
                        ps_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ps_status st = ps_workload_check(w, err);
    if (st != PS_OK)
        return st;
    if (!(o->dt_s > 0) || !isfinite(o->dt_s))
        return ps_error_set(err, PS_ERR_RANGE, "dt %g must be > 0", o->dt_s);
    if (w->net.negative_slope != 1.0 && !o->allow_rectifier)
        return ps_error_set(err, PS_ERR_UNSUPPORTED,
                            "negative_slope %g: the membrane's LeakyReLU has no NIR equivalent "
                            "(--allow-rectifier exports without it; primesim re-imports it from "
                            "the metadata)",
                            w->net.negative_slope);
    /* Atomic: a temporary HDF5 file beside path, flushed, renamed over it. */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp)
        return ps_error_set(err, PS_ERR_RANGE, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return ps_error_set(err, PS_ERR_IO, "%s: cannot create a file beside it", path);
    /* A new file gets the usual permissions (mkstemp makes it 0600), as fileio.c does. */
    const mode_t mask = umask(0);
    umask(mask);
    const bool mode_ok = fchmod(fd, 0666 & ~mask) == 0;
    close(fd);
    if (!mode_ok) {
        remove(tmp);
        return ps_error_set(err, PS_ERR_IO, "%s: cannot set the new file's permissions", path);
    }
    writer W = {H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), false};
    st = W.file < 0 ? PS_ERR_IO : write_graph(&W, w, o->dt_s);
    if (W.file >= 0 && H5Fclose(W.file) < 0)
        st = PS_ERR_IO;
    if (st == PS_OK) {
        fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            st = PS_ERR_IO;
        if (fd >= 0)
            close(fd);
    }
    if (st == PS_OK && rename(tmp, path) != 0)
        st = PS_ERR_IO;
    if (st != PS_OK) {
        remove(tmp);
        return ps_error_set(err, st, "%s: %s", path,
                            st == PS_ERR_NOMEM ? "out of memory" : "cannot write the HDF5 file");
    }
    return PS_OK;
}
