#include "network.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char *kind_name(ps_layer_kind k)
{
    switch (k) {
    case PS_LAYER_CONV2D: return "conv2d";
    case PS_LAYER_AVGPOOL2D: return "avgpool2d";
    case PS_LAYER_LINEAR: return "linear";
    }
    return "?";
}

int64_t ps_conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t padding)
{
    if (kernel < 1 || stride < 1 || padding < 0 || in + 2 * padding < kernel)
        return 0;
    return (in + 2 * padding - kernel) / stride + 1;
}

static ps_status check_layer(const ps_layer *l, int64_t i, ps_error *err)
{
    const char *k = kind_name(l->kind);
    if (l->in_c < 1 || l->in_h < 1 || l->in_w < 1 || l->out_c < 1 || l->out_h < 1 || l->out_w < 1)
        return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): a shape is not positive",
                            (long long)i, k);
    switch (l->kind) {
    case PS_LAYER_CONV2D:
    case PS_LAYER_AVGPOOL2D: {
        int64_t oh = ps_conv_out_extent(l->in_h, l->kernel, l->stride, l->padding);
        int64_t ow = ps_conv_out_extent(l->in_w, l->kernel, l->stride, l->padding);
        if (oh != l->out_h || ow != l->out_w)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "layer %lld (%s): output %lldx%lld does not follow from input "
                                "%lldx%lld, kernel %lld, stride %lld, padding %lld",
                                (long long)i, k, (long long)l->out_h, (long long)l->out_w,
                                (long long)l->in_h, (long long)l->in_w, (long long)l->kernel,
                                (long long)l->stride, (long long)l->padding);
        if (l->kind == PS_LAYER_AVGPOOL2D &&
            (l->out_c != l->in_c || l->padding != 0 || l->neuron != PS_NEURON_NONE))
            return ps_error_set(err, PS_ERR_FORMAT,
                                "layer %lld (avgpool2d): keeps channels, has no padding and no neuron",
                                (long long)i);
        if (l->kind == PS_LAYER_CONV2D &&
            (l->rows != l->in_c * l->kernel * l->kernel || l->cols != l->out_c))
            return ps_error_set(err, PS_ERR_FORMAT,
                                "layer %lld (conv2d): matrix %lldx%lld, expected %lldx%lld",
                                (long long)i, (long long)l->rows, (long long)l->cols,
                                (long long)(l->in_c * l->kernel * l->kernel), (long long)l->out_c);
        break;
    }
    case PS_LAYER_LINEAR:
        if (l->out_h != 1 || l->out_w != 1 || l->rows != ps_layer_in_size(l) || l->cols != l->out_c)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "layer %lld (linear): matrix %lldx%lld, expected %lldx%lld with a "
                                "1x1 output",
                                (long long)i, (long long)l->rows, (long long)l->cols,
                                (long long)ps_layer_in_size(l), (long long)l->out_c);
        break;
    default:
        return ps_error_set(err, PS_ERR_FORMAT, "layer %lld: unknown kind %d", (long long)i,
                            (int)l->kind);
    }
    if (ps_layer_has_weights(l)) {
        if (!l->g_pos_uS || !l->g_neg_uS)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): no conductances",
                                (long long)i, k);
        if (l->neuron != PS_NEURON_LIF && l->neuron != PS_NEURON_INTEGRATOR)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): needs a LIF or integrator neuron",
                                (long long)i, k);
    }
    return PS_OK;
}

ps_status ps_network_check(const ps_network *net, ps_error *err)
{
    if (net->timesteps < 1 || net->n_layers < 1 || !net->layers)
        return ps_error_set(err, PS_ERR_FORMAT, "network: needs timesteps >= 1 and a layer");
    if (net->input_max_level < 1 || net->input_max_level > 65535)
        return ps_error_set(err, PS_ERR_FORMAT, "network: input_max_level must be in [1, 65535]");
    int64_t c = net->in_c, h = net->in_h, w = net->in_w;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (l->in_c != c || l->in_h != h || l->in_w != w)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "layer %lld (%s): input %lldx%lldx%lld, the previous output is "
                                "%lldx%lldx%lld",
                                (long long)i, kind_name(l->kind), (long long)l->in_c,
                                (long long)l->in_h, (long long)l->in_w, (long long)c, (long long)h,
                                (long long)w);
        ps_status s = check_layer(l, i, err);
        if (s != PS_OK)
            return s;
        if (l->neuron == PS_NEURON_INTEGRATOR && i != net->n_layers - 1)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld: only the last layer integrates",
                                (long long)i);
        c = l->out_c, h = l->out_h, w = l->out_w;
    }
    if (net->layers[net->n_layers - 1].neuron != PS_NEURON_INTEGRATOR)
        return ps_error_set(err, PS_ERR_FORMAT, "network: the last layer must be an integrator");
    return PS_OK;
}

ps_status ps_network_input_levels(const ps_network *net, int64_t *levels, ps_error *err)
{
    int64_t level = net->input_max_level;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        levels[i] = level;
        if (l->neuron == PS_NEURON_LIF)
            level = 1;
        else if (l->kind == PS_LAYER_AVGPOOL2D)
            level *= l->kernel * l->kernel;
        if (level > 65535)
            return ps_error_set(err, PS_ERR_RANGE, "layer %lld: input levels above 65535",
                                (long long)i + 1);
    }
    return PS_OK;
}

void ps_network_count_pairs(const ps_network *net, int64_t *kept, int64_t *total)
{
    *kept = 0;
    *total = 0;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (!ps_layer_has_weights(l))
            continue;
        const int64_t n = l->rows * l->cols;
        *total += n;
        if (!l->keep) {
            *kept += n;
            continue;
        }
        for (int64_t j = 0; j < n; j++)
            *kept += l->keep[j] != 0;
    }
}

void ps_layer_gather_patch(const ps_layer *l, const uint16_t *levels, int64_t oy, int64_t ox,
                           uint16_t *patch)
{
    const int64_t k = l->kernel;
    for (int64_t c = 0; c < l->in_c; c++) {
        for (int64_t ky = 0; ky < k; ky++) {
            const int64_t y = oy * l->stride - l->padding + ky;
            for (int64_t kx = 0; kx < k; kx++) {
                const int64_t x = ox * l->stride - l->padding + kx;
                const int inside = y >= 0 && y < l->in_h && x >= 0 && x < l->in_w;
                patch[(c * k + ky) * k + kx] = inside ? levels[(c * l->in_h + y) * l->in_w + x] : 0;
            }
        }
    }
}

static ps_status grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return PS_OK;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    ps_status st = ps_realloc(n, elem, ptr);
    if (st == PS_OK)
        *cap = n;
    return st;
}

static inline int64_t div_by(int64_t a, int64_t s) { return s == 1 ? a : a / s; }
static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* The readers of input (ci, y, x) among positions [pos0, pos0 + npos) and
 * rows [r0, r1), as runs: reader t of a run is position pos - t (relative
 * to pos0) at row + t * stride (one kernel row, kx stepping by the stride).
 * Returns the number of runs written (at most kernel). */
static size_t reader_runs(const ps_layer *l, int64_t ci, int64_t y, int64_t x, int64_t pos0,
                          int64_t npos, int64_t r0, int64_t r1, ps_reader_run *runs)
{
    /* No division at stride 1 (div_by): this runs for every event. */
    const int64_t k = l->kernel, s = l->stride, ty = y + l->padding, tx = x + l->padding;
    const int64_t ky_lo = max64(0, ty - s * (l->out_h - 1)), ky_hi = min64(k - 1, ty);
    size_t n = 0;
    for (int64_t ky = ky_lo; ky <= ky_hi; ky++) {
        const int64_t dy = ty - ky; /* oy * s */
        if (s > 1 && dy % s)
            continue;
        const int64_t prow = div_by(dy, s) * l->out_w, rbase = (ci * k + ky) * k;
        /* ox = (tx - kx) / s for kx in [0, k) with kx = tx (mod s); the
         * position prow + ox in [pos0, pos0 + npos); the row rbase + tx - ox * s
         * in [r0, r1) */
        const int64_t lo_r = rbase + tx - r0, hi_r = rbase + tx - (r1 - 1);
        if (lo_r < 0)
            continue;
        const int64_t ox_hi = min64(min64(div_by(tx, s), l->out_w - 1),
                                    min64(pos0 + npos - 1 - prow, div_by(lo_r, s)));
        const int64_t ox_lo = max64(max64(tx - (k - 1) > 0 ? div_by(tx - (k - 1) + s - 1, s) : 0,
                                          pos0 - prow),
                                    hi_r > 0 ? div_by(hi_r + s - 1, s) : 0);
        if (ox_lo > ox_hi)
            continue;
        runs[n++] = (ps_reader_run){(uint32_t)(prow + ox_hi - pos0),
                                 (uint32_t)(rbase + tx - ox_hi * s), (uint32_t)(ox_hi - ox_lo + 1)};
    }
    return n;
}

/* rr = the reader runs of every nonzero input among inputs (strictly
 * ascending indices, or NULL: all of levels), positions [pos0, pos0 + npos),
 * rows [r0, r1), in input order. */
static ps_status collect_runs(const ps_layer *l, const uint16_t *levels, const uint32_t *inputs,
                              size_t n_in, int64_t pos0, int64_t npos, int64_t r0, int64_t r1,
                              ps_reader_runs *rr)
{
    const int64_t in_size = ps_layer_in_size(l);
    const size_t n_scan = inputs ? n_in : (size_t)in_size, k = (size_t)l->kernel;
    int64_t cur_c = 0, cur_y = 0, cy_end = l->in_w; /* input row (c, y) ends at cy_end */
    ps_status st;
    rr->n = 0;
    for (size_t k2 = 0; k2 < n_scan; k2++) {
        const int64_t i = inputs ? inputs[k2] : (int64_t)k2;
        if (i >= in_size || (k2 > 0 && inputs && inputs[k2] <= inputs[k2 - 1]))
            return PS_ERR_INVALID_ARG;
        const uint16_t v = levels[i];
        if (!v)
            continue;
        if ((st = grow(&rr->run, &rr->cap_run, rr->n + k, sizeof *rr->run)) != PS_OK ||
            (st = grow(&rr->level, &rr->cap_level, rr->n + k, sizeof *rr->level)) != PS_OK)
            return st;
        /* (c, y, x) of input i, carried along the scan: no division per event */
        while (i >= cy_end) {
            cy_end += l->in_w;
            if (++cur_y == l->in_h)
                cur_y = 0, cur_c++;
        }
        const size_t n = reader_runs(l, cur_c, cur_y, i - (cy_end - l->in_w), pos0, npos, r0, r1,
                                     rr->run + rr->n);
        for (size_t j = 0; j < n; j++)
            rr->level[rr->n + j] = v;
        rr->n += n;
    }
    return PS_OK;
}

static void reader_runs_free(ps_reader_runs *rr)
{
    free(rr->run);
    free(rr->level);
}

ps_status ps_layer_patch_lists(const ps_layer *l, const uint16_t *levels, int64_t pos0,
                               int64_t npos, ps_patch_lists *pl)
{
    if (!l || !levels || !pl)
        return PS_ERR_INVALID_ARG;
    const size_t in_n = (size_t)ps_layer_in_size(l);
    size_t n_in = 0;
    ps_status st;
    for (size_t i = 0; i < in_n; i++) {
        if (!levels[i])
            continue;
        if ((st = grow(&pl->inputs, &pl->cap_inputs, n_in + 1, sizeof *pl->inputs)) != PS_OK)
            return st;
        pl->inputs[n_in++] = (uint32_t)i;
    }
    return ps_layer_patch_lists_of(l, levels, pl->inputs, n_in, pos0, npos, pl);
}

ps_status ps_layer_patch_lists_of(const ps_layer *l, const uint16_t *levels,
                                  const uint32_t *inputs, size_t n_in, int64_t pos0, int64_t npos,
                                  ps_patch_lists *pl)
{
    if (!l || !levels || !pl || (n_in && !inputs) || l->kind != PS_LAYER_CONV2D || pos0 < 0 ||
        npos < 0 || pos0 + npos > l->out_h * l->out_w)
        return PS_ERR_INVALID_ARG;
    const size_t np = (size_t)npos;
    ps_status st = grow(&pl->off, &pl->cap_off, np + 2, sizeof *pl->off);
    if (st == PS_OK)
        st = grow(&pl->cursor, &pl->cap_cursor, np + 1, sizeof *pl->cursor);
    if (st == PS_OK)
        st = collect_runs(l, levels, inputs, n_in, pos0, npos, 0, l->rows, &pl->runs);
    if (st != PS_OK)
        return st;
    /* Count per position (+1 / -1 at a run's ends, then summed), then place:
     * inputs in (c, y, x) order give each position its rows ascending. */
    const ps_reader_runs *rr = &pl->runs;
    uint32_t *restrict cnt = pl->off + 1;
    memset(pl->off, 0, (np + 2) * sizeof *pl->off);
    for (size_t j = 0; j < rr->n; j++) {
        cnt[rr->run[j].pos + 1 - rr->run[j].n]++;
        cnt[rr->run[j].pos + 1]--;
    }
    for (size_t p = 1; p < np; p++)
        cnt[p] += cnt[p - 1];
    for (size_t p = 0; p < np; p++)
        pl->off[p + 1] += pl->off[p];
    const size_t total = pl->off[np];
    if ((st = grow(&pl->row, &pl->cap_row, total, sizeof *pl->row)) != PS_OK ||
        (st = grow(&pl->level, &pl->cap_level, total, sizeof *pl->level)) != PS_OK)
        return st;
    memcpy(pl->cursor, pl->off, np * sizeof *pl->cursor);
    const uint32_t s = (uint32_t)l->stride;
    for (size_t j = 0; j < rr->n; j++) {
        const ps_reader_run r = rr->run[j];
        for (uint32_t t = 0, row = r.row; t < r.n; t++, row += s) {
            const uint32_t at = pl->cursor[r.pos - t]++;
            pl->row[at] = row;
            pl->level[at] = rr->level[j];
        }
    }
    return PS_OK;
}

void ps_patch_lists_free(ps_patch_lists *pl)
{
    if (!pl)
        return;
    free(pl->off);
    free(pl->row);
    free(pl->level);
    free(pl->cursor);
    free(pl->inputs);
    reader_runs_free(&pl->runs);
    memset(pl, 0, sizeof *pl);
}

ps_status ps_layer_plane_lists(const ps_layer *l, const uint16_t *levels, const uint32_t *inputs,
                               size_t n_in, int64_t planes, int64_t pos0, int64_t npos, int64_t r0,
                               int64_t r1, const uint32_t *per_row, uint64_t *per_row_sum,
                               ps_plane_lists *pl)
{
    if (!l || !levels || !pl || (n_in && !inputs) || l->kind != PS_LAYER_CONV2D || pos0 < 0 ||
        npos < 0 || pos0 + npos > l->out_h * l->out_w || planes < 1 || planes > 16 || r0 < 0 ||
        r1 < r0 || r1 > l->rows || (per_row && !per_row_sum))
        return PS_ERR_INVALID_ARG;
    const size_t P = (size_t)planes, n_cyc = (size_t)npos * P;
    ps_status st = grow(&pl->off, &pl->cap_off, n_cyc + 1 + P, sizeof *pl->off);
    if (st != PS_OK)
        return st;
    pl->planes = planes;
    if ((st = collect_runs(l, levels, inputs, n_in, pos0, npos, r0, r1, &pl->runs)) != PS_OK)
        return st;
    const ps_reader_runs *rr = &pl->runs;
    /* Count per cycle (cycle j = position * P + plane), then place: inputs
     * in (c, y, x) order give every cycle its rows ascending. A run adds 1
     * to the cycles of consecutive positions: +1 / -1 at its ends, summed
     * along the positions of each plane. */
    const uint32_t s = (uint32_t)l->stride, lo = (uint32_t)r0;
    if (per_row && s == 1) { /* a run's rows are consecutive: prefix sums */
        if ((st = grow(&pl->row_prefix, &pl->cap_row_prefix, (size_t)l->rows + 1,
                       sizeof *pl->row_prefix)) != PS_OK)
            return st;
        pl->row_prefix[0] = 0;
        for (int64_t r = 0; r < l->rows; r++)
            pl->row_prefix[r + 1] = pl->row_prefix[r] + per_row[r];
    }
    uint32_t *restrict cnt = pl->off + 1; /* n_cyc + P entries: off grows by P */
    memset(pl->off, 0, (n_cyc + 1 + P) * sizeof *pl->off);
    uint64_t sum = 0;
    for (size_t j = 0; j < rr->n; j++) {
        const ps_reader_run r = rr->run[j];
        for (uint32_t b = rr->level[j], p = 0; b; b >>= 1, p++) {
            if (b & 1u) {
                cnt[(size_t)(r.pos + 1 - r.n) * P + p]++;
                cnt[(size_t)(r.pos + 1) * P + p]--;
            }
        }
        if (per_row && s == 1)
            sum += pl->row_prefix[r.row + r.n] - pl->row_prefix[r.row];
        else if (per_row)
            for (uint32_t t = 0; t < r.n; t++)
                sum += per_row[r.row + t * s];
    }
    if (per_row)
        *per_row_sum = sum;
    for (size_t j = P; j < n_cyc; j++)
        cnt[j] += cnt[j - P];
    for (size_t j = 0; j < n_cyc; j++)
        pl->off[j + 1] += pl->off[j];
    if ((st = grow(&pl->row, &pl->cap_row, pl->off[n_cyc], sizeof *pl->row)) != PS_OK ||
        (st = grow(&pl->cursor, &pl->cap_cursor, n_cyc, sizeof *pl->cursor)) != PS_OK)
        return st;
    uint32_t *restrict cur = pl->cursor, *restrict out = pl->row;
    memcpy(cur, pl->off, n_cyc * sizeof *cur);
    for (size_t j = 0; j < rr->n; j++) {
        const ps_reader_run r = rr->run[j];
        for (uint32_t b = rr->level[j], p = 0; b; b >>= 1, p++) {
            size_t at = (size_t)r.pos * P + p;
            if (b & 1u)
                for (uint32_t t = 0, row = r.row - lo; t < r.n; t++, at -= P, row += s)
                    out[cur[at]++] = row;
        }
    }
    return PS_OK;
}

void ps_plane_lists_free(ps_plane_lists *pl)
{
    if (!pl)
        return;
    free(pl->off);
    free(pl->row);
    free(pl->cursor);
    reader_runs_free(&pl->runs);
    free(pl->row_prefix);
    memset(pl, 0, sizeof *pl);
}

void ps_layer_pool_levels(const ps_layer *l, const uint16_t *levels, uint16_t *out)
{
    /* Row by row: contiguous loads, no index arithmetic per element (the
     * window sums fit 16 bits: ps_network_input_levels checks them). */
    const int64_t k = l->kernel, s = l->stride, W = l->out_w;
    for (int64_t c = 0; c < l->out_c; c++) {
        for (int64_t oy = 0; oy < l->out_h; oy++) {
            uint16_t *restrict o = out + (c * l->out_h + oy) * W;
            memset(o, 0, (size_t)W * sizeof *o);
            for (int64_t ky = 0; ky < k; ky++) {
                const uint16_t *restrict in = levels + (c * l->in_h + oy * s + ky) * l->in_w;
                for (int64_t kx = 0; kx < k; kx++)
                    for (int64_t ox = 0; ox < W; ox++)
                        o[ox] = (uint16_t)(o[ox] + in[ox * s + kx]);
            }
        }
    }
}
