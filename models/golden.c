#include "golden.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/rng.h"

typedef struct layer_state {
    ps_crossbar_grid *grid;  /* weight layers */
    uint32_t *kept_per_row;  /* weight layers: kept pairs in each row */
    float *current;          /* I_t, out size */
    float *membrane;         /* out size */
    uint8_t *spikes;         /* out size */
    uint16_t *levels;        /* the output as the next layer's input levels */
    double scale;            /* value of one output level */
    ps_patch_lists patches;  /* conv: this step's nonzero inputs per position */
    ps_plane_lists planes;   /* conv, bit-serial: this step's rows per position and bit */
    uint32_t *nz_rows;       /* linear: nonzero inputs, rows entries */
    uint16_t *nz_levels;
    double *out_ua;          /* positions x cols: a step's reads */
    float *observed;         /* out size, for the observer */
    float *bias;             /* out size, the layer's bias per neuron, or NULL */
} layer_state;

struct ps_golden {
    const ps_network *net;
    ps_golden_config cfg;
    ps_device *dev;
    ps_dac *dac;
    ps_adc *adc;
    ps_lif *lif;
    ps_early_stop *es;
    layer_state *layers;
    uint16_t *input;     /* one frame of levels */
    float *outputs;      /* T x n_outputs */
    uint64_t *spikes;    /* T x n_layers */
    size_t n_outputs;
    uint64_t samples, timesteps, synaptic_ops, dense_macs;
    ps_golden_observer observer;
    void *observer_ctx;
};

void ps_golden_config_defaults(ps_golden_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    ps_params_set_defaults(&ps_device_param_table, &cfg->device);
    ps_params_set_defaults(&ps_crossbar_param_table, &cfg->crossbar);
    ps_params_set_defaults(&ps_dac_param_table, &cfg->dac);
    ps_params_set_defaults(&ps_adc_param_table, &cfg->adc);
    ps_params_set_defaults(&ps_lif_param_table, &cfg->lif);
    ps_params_set_defaults(&ps_early_stop_param_table, &cfg->early_stop);
    cfg->seed = 1;
}

void ps_golden_config_ideal(ps_golden_config *cfg)
{
    ps_golden_config_defaults(cfg);
    cfg->device.read_noise_rel = 0.0;
    cfg->ideal_adc = true;
}

/* Converts every cycle of a batch; each array senses only the columns it
 * maps (a 12-column layer on a 256-column array converts 12), as the chip's
 * column ADCs do. */
static ps_status adc_hook(void *ctx, size_t tile, double *col_ua, size_t n_cycles, size_t cols)
{
    (void)tile;
    return ps_adc_quantize(ctx, col_ua, n_cycles * cols, col_ua);
}

static void free_layer(layer_state *s)
{
    ps_crossbar_grid_destroy(s->grid);
    free(s->kept_per_row);
    free(s->current);
    free(s->membrane);
    free(s->spikes);
    free(s->levels);
    ps_patch_lists_free(&s->patches);
    ps_plane_lists_free(&s->planes);
    free(s->nz_rows);
    free(s->nz_levels);
    free(s->out_ua);
    free(s->observed);
    free(s->bias);
}

void ps_golden_destroy(ps_golden *g)
{
    if (!g)
        return;
    for (int64_t i = 0; g->layers && i < g->net->n_layers; i++)
        free_layer(&g->layers[i]);
    free(g->layers);
    ps_device_destroy(g->dev);
    ps_dac_destroy(g->dac);
    ps_adc_destroy(g->adc);
    ps_lif_destroy(g->lif);
    ps_early_stop_destroy(g->es);
    free(g->input);
    free(g->outputs);
    free(g->spikes);
    free(g);
}

/* Loads a weight layer's conductances into its crossbar grid. */
static ps_status load_weights(ps_golden *g, int64_t i, ps_error *err)
{
    const ps_layer *l = &g->net->layers[i];
    layer_state *s = &g->layers[i];
    const ps_device_key key = {g->cfg.seed, ps_rng_substream(ps_rng_stream_of("layers"), (uint64_t)i)};
    ps_status st = ps_crossbar_grid_create(&g->cfg.crossbar, g->dev, g->dac, key, l->rows, l->cols,
                                           err, &s->grid);
    if (st != PS_OK) {
        ps_error_prefix(err, "layer %lld", (long long)i);
        return st;
    }
    const size_t n = (size_t)(l->rows * l->cols);
    double *gp = NULL, *gn = NULL;
    if (ps_calloc(n, sizeof *gp, &gp) != PS_OK || ps_calloc(n, sizeof *gn, &gn) != PS_OK) {
        free(gp);
        return ps_error_set(err, PS_ERR_NOMEM, "layer %lld: out of memory", (long long)i);
    }
    for (size_t j = 0; j < n; j++) {
        gp[j] = l->g_pos_uS[j];
        gn[j] = l->g_neg_uS[j];
    }
    st = ps_crossbar_grid_set_conductances(s->grid, gp, gn);
    free(gp);
    free(gn);
    if (st != PS_OK)
        return ps_error_set(err, st, "layer %lld: conductances rejected by the crossbar", (long long)i);
    if (PS_CALLOC_ARRAY(s->kept_per_row, l->rows) != PS_OK ||
        PS_CALLOC_ARRAY(s->nz_rows, l->rows) != PS_OK ||
        PS_CALLOC_ARRAY(s->nz_levels, l->rows) != PS_OK ||
        PS_CALLOC_ARRAY(s->out_ua, (l->kind == PS_LAYER_CONV2D ? l->out_h * l->out_w : 1) * l->cols) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "layer %lld: out of memory", (long long)i);
    for (int64_t r = 0; r < l->rows; r++) {
        uint32_t kept = 0;
        for (int64_t c = 0; c < l->cols; c++)
            kept += l->keep ? l->keep[r * l->cols + c] != 0 : 1;
        s->kept_per_row[r] = kept;
    }
    return PS_OK;
}

static ps_status create_models(ps_golden *g, ps_error *err)
{
    /* Conductances come from the network, never drawn: a measured-table
     * distribution needs no table here. */
    ps_device_params device = g->cfg.device;
    device.distribution = PS_DEVICE_DIST_GAUSSIAN;
    ps_status s = ps_device_create(&device, NULL, err, &g->dev);
    if (s == PS_OK)
        s = ps_dac_create(&g->cfg.dac, err, &g->dac);
    if (s == PS_OK && !g->cfg.ideal_adc)
        s = ps_adc_create(&g->cfg.adc, err, &g->adc);
    if (s == PS_OK) {
        ps_lif_params lif = g->cfg.lif;
        lif.leak = g->net->leak;
        lif.v_th = g->net->v_th;
        lif.negative_slope = g->net->negative_slope;
        lif.readout_decay = g->net->readout_decay;
        s = ps_lif_create(&lif, err, &g->lif);
    }
    if (s == PS_OK)
        s = ps_early_stop_create(&g->cfg.early_stop, err, &g->es);
    return s;
}

ps_status ps_golden_create(const ps_network *net, const ps_golden_config *cfg, ps_error *err,
                           ps_golden **out)
{
    *out = NULL;
    ps_status s = ps_network_check(net, err);
    if (s != PS_OK)
        return s;
    int64_t levels[64];
    if (net->n_layers > 64)
        return ps_error_set(err, PS_ERR_UNSUPPORTED, "network: more than 64 layers");
    if ((s = ps_network_input_levels(net, levels, err)) != PS_OK)
        return s;
    const int64_t max_level = (INT64_C(1) << cfg->crossbar.input_bits) - 1;
    for (int64_t i = 0; i < net->n_layers; i++)
        if (ps_layer_has_weights(&net->layers[i]) && levels[i] > max_level)
            return ps_error_set(err, PS_ERR_RANGE,
                                "layer %lld: inputs reach level %lld, but crossbar.input_bits = %lld "
                                "encodes at most %lld",
                                (long long)i, (long long)levels[i], (long long)cfg->crossbar.input_bits,
                                (long long)max_level);

    ps_golden *g;
    if (PS_CALLOC_ARRAY(g, 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    g->net = net;
    g->cfg = *cfg;
    const ps_layer *last = &net->layers[net->n_layers - 1];
    g->n_outputs = (size_t)ps_layer_out_size(last);
    const size_t T = (size_t)net->timesteps;
    if ((s = create_models(g, err)) != PS_OK)
        goto fail;
    if (PS_CALLOC_ARRAY(g->layers, net->n_layers) != PS_OK ||
        PS_CALLOC_ARRAY(g->input, net->in_c * net->in_h * net->in_w) != PS_OK ||
        ps_calloc(T * g->n_outputs, sizeof *g->outputs, &g->outputs) != PS_OK ||
        ps_calloc(T * (size_t)net->n_layers, sizeof *g->spikes, &g->spikes) != PS_OK) {
        s = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        layer_state *st = &g->layers[i];
        const int64_t n = ps_layer_out_size(l);
        if (PS_CALLOC_ARRAY(st->current, n) != PS_OK || PS_CALLOC_ARRAY(st->membrane, n) != PS_OK ||
            PS_CALLOC_ARRAY(st->spikes, n) != PS_OK || PS_CALLOC_ARRAY(st->levels, n) != PS_OK ||
            PS_CALLOC_ARRAY(st->observed, n) != PS_OK) {
            s = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        if (ps_layer_has_weights(l) && (s = load_weights(g, i, err)) != PS_OK)
            goto fail;
        if (l->bias) { /* per channel -> per neuron (channel-major outputs) */
            if (PS_CALLOC_ARRAY(st->bias, n) != PS_OK) {
                s = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
                goto fail;
            }
            for (int64_t j = 0; j < n; j++)
                st->bias[j] = l->bias[j / (l->out_h * l->out_w)];
        }
    }
    *out = g;
    return PS_OK;
fail:
    ps_golden_destroy(g);
    return s;
}

ps_status ps_golden_reset(ps_golden *g)
{
    for (int64_t i = 0; i < g->net->n_layers; i++)
        if (g->layers[i].grid)
            ps_crossbar_grid_reset(g->layers[i].grid);
    ps_adc_reset(g->adc);
    ps_lif_reset(g->lif);
    ps_early_stop_reset(g->es);
    g->samples = g->timesteps = g->synaptic_ops = g->dense_macs = 0;
    return PS_OK;
}

ps_status ps_golden_stats_get(const ps_golden *g, ps_golden_stats *out)
{
    memset(out, 0, sizeof *out);
    out->samples = g->samples;
    out->timesteps = g->timesteps;
    out->synaptic_ops = g->synaptic_ops;
    out->dense_macs = g->dense_macs;
    for (int64_t i = 0; i < g->net->n_layers; i++) {
        if (!g->layers[i].grid)
            continue;
        ps_crossbar_grid_stats gs;
        ps_status s = ps_crossbar_grid_stats_get(g->layers[i].grid, &gs);
        if (s != PS_OK)
            return s;
        ps_crossbar_stats_add(&out->crossbar.arrays, &gs.arrays);
        out->crossbar.partial_sum_adds += gs.partial_sum_adds;
        out->crossbar.n_arrays += gs.n_arrays;
    }
    if (g->adc)
        ps_adc_stats_get(g->adc, &out->adc);
    ps_lif_stats_get(g->lif, &out->lif);
    ps_early_stop_stats_get(g->es, &out->early_stop);
    return PS_OK;
}

void ps_golden_set_observer(ps_golden *g, ps_golden_observer fn, void *ctx)
{
    g->observer = fn;
    g->observer_ctx = ctx;
}

/* The reads of a weight layer in one timestep, one per output position
 * (read i: inputs [off[i], off[i + 1]), rows ascending), all in one batch
 * keyed by the layer's step key: currents of its cols outputs per read. */
static ps_status read_weights(ps_golden *g, const ps_layer *l, layer_state *s, size_t n_reads,
                              const uint32_t *off, const uint32_t *rows, const uint16_t *levels,
                              uint64_t layer_key)
{
    for (uint32_t k = off[0]; k < off[n_reads]; k++)
        g->synaptic_ops += s->kept_per_row[rows[k]];
    g->dense_macs += (uint64_t)(l->rows * l->cols) * n_reads;
    return ps_crossbar_grid_read_batch(s->grid, n_reads, off, rows, levels, layer_key, 0,
                                       g->adc ? adc_hook : NULL, g->adc, s->out_ua, NULL);
}

/* I_t of a weight layer for the whole output. */
static ps_status layer_currents(ps_golden *g, int64_t i, const uint16_t *in, double in_scale,
                                uint64_t step_key)
{
    const ps_layer *l = &g->net->layers[i];
    layer_state *s = &g->layers[i];
    /* Network weight per uA of column current, times the input's scale. */
    const double to_current = l->weight_per_uS / g->cfg.crossbar.v_read_v * in_scale;
    const uint64_t layer_key = ps_rng_substream(step_key, (uint64_t)i);
    ps_status st;
    if (l->kind == PS_LAYER_LINEAR) {
        uint32_t off[2] = {0, 0};
        for (int64_t r = 0; r < l->rows; r++)
            if (in[r]) {
                s->nz_rows[off[1]] = (uint32_t)r;
                s->nz_levels[off[1]++] = in[r];
            }
        if ((st = read_weights(g, l, s, 1, off, s->nz_rows, s->nz_levels, layer_key)) != PS_OK)
            return st;
        for (int64_t c = 0; c < l->cols; c++)
            s->current[c] = (float)(s->out_ua[c] * to_current);
        return PS_OK;
    }
    const int64_t positions = l->out_h * l->out_w;
    if (g->cfg.crossbar.multilevel == PS_XBAR_BIT_SERIAL) {
        /* bit-serial: each position's cycles straight from the events (plane lists) */
        ps_plane_lists *pp = &s->planes;
        uint64_t ops = 0;
        if ((st = ps_layer_plane_lists(l, in, NULL, 0, g->cfg.crossbar.input_bits, 0, positions,
                                       0, l->rows, s->kept_per_row, &ops, pp)) != PS_OK)
            return st;
        g->synaptic_ops += ops;
        g->dense_macs += (uint64_t)(l->rows * l->cols * positions);
        st = ps_crossbar_grid_read_planes(s->grid, (size_t)positions, pp->off, pp->row, layer_key,
                                          0, g->adc ? adc_hook : NULL, g->adc, s->out_ua, NULL);
    } else {
        ps_patch_lists *pl = &s->patches;
        if ((st = ps_layer_patch_lists(l, in, 0, positions, pl)) == PS_OK)
            st = read_weights(g, l, s, (size_t)positions, pl->off, pl->row, pl->level, layer_key);
    }
    if (st != PS_OK)
        return st;
    for (int64_t pos = 0; pos < positions; pos++)
        for (int64_t c = 0; c < l->cols; c++)
            s->current[c * positions + pos] = (float)(s->out_ua[pos * l->cols + c] * to_current);
    return PS_OK;
}

static void observe(ps_golden *g, int64_t t, int64_t i, const layer_state *s, size_t n,
                    const float *values)
{
    if (!g->observer)
        return;
    if (!values) {
        for (size_t j = 0; j < n; j++)
            s->observed[j] = (float)s->levels[j];
        values = s->observed;
    }
    g->observer(g->observer_ctx, t, i, values, n);
}

static ps_status run_layer(ps_golden *g, int64_t t, int64_t i, const uint16_t *in, double in_scale,
                           uint64_t step_key)
{
    const ps_layer *l = &g->net->layers[i];
    layer_state *s = &g->layers[i];
    const size_t n = (size_t)ps_layer_out_size(l);
    ps_status st;
    if (l->kind == PS_LAYER_AVGPOOL2D) {
        ps_layer_pool_levels(l, in, s->levels);
        s->scale = in_scale / (double)(l->kernel * l->kernel);
        observe(g, t, i, s, n, NULL);
        return PS_OK;
    }
    if ((st = layer_currents(g, i, in, in_scale, step_key)) != PS_OK ||
        (s->bias && (st = ps_lif_add_bias(g->lif, s->current, s->bias, n)) != PS_OK))
        return st;
    if (l->neuron == PS_NEURON_INTEGRATOR) {
        if ((st = ps_lif_integrate(g->lif, s->membrane, s->current, n)) != PS_OK)
            return st;
        memcpy(g->outputs + (size_t)t * g->n_outputs, s->membrane, n * sizeof(float));
        observe(g, t, i, s, n, s->membrane);
        return PS_OK;
    }
    size_t n_spikes = 0;
    if ((st = ps_lif_step(g->lif, s->membrane, s->spikes, s->current, n, &n_spikes)) != PS_OK)
        return st;
    for (size_t j = 0; j < n; j++)
        s->levels[j] = s->spikes[j];
    s->scale = 1.0;
    g->spikes[(size_t)t * (size_t)g->net->n_layers + (size_t)i] = n_spikes;
    observe(g, t, i, s, n, NULL);
    return PS_OK;
}

ps_status ps_golden_run(ps_golden *g, const uint16_t *frames, uint64_t sample_id,
                        ps_golden_result *result, ps_error *err)
{
    const ps_network *net = g->net;
    const size_t frame = (size_t)(net->in_c * net->in_h * net->in_w);
    const size_t T = (size_t)net->timesteps;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const size_t n = (size_t)ps_layer_out_size(&net->layers[i]);
        memset(g->layers[i].membrane, 0, n * sizeof(float));
        memset(g->layers[i].spikes, 0, n);
    }
    memset(g->spikes, 0, T * (size_t)net->n_layers * sizeof *g->spikes);
    ps_status st = ps_early_stop_begin_classify(g->es, g->n_outputs);
    if (st != PS_OK)
        return ps_error_set(err, st, "early stop: cannot start a sample");
    ps_early_stop_decision decision = {0, false, -1, NAN};
    size_t t = 0;
    while (t < T) {
        for (size_t j = 0; j < frame; j++) {
            const uint16_t v = frames[t * frame + j];
            g->input[j] = v > net->input_max_level ? (uint16_t)net->input_max_level : v;
        }
        const uint64_t step_key = ps_rng_substream(sample_id, t);
        const uint16_t *in = g->input;
        double scale = 1.0;
        for (int64_t i = 0; i < net->n_layers; i++) {
            if ((st = run_layer(g, (int64_t)t, i, in, scale, step_key)) != PS_OK)
                return ps_error_set(err, st, "sample %llu, timestep %zu, layer %lld: %s",
                                    (unsigned long long)sample_id, t + 1, (long long)i,
                                    ps_status_message(st));
            in = g->layers[i].levels;
            scale = g->layers[i].scale;
        }
        st = ps_early_stop_classify_step(g->es, g->outputs + t * g->n_outputs, &decision);
        if (st != PS_OK)
            return ps_error_set(err, st, "early stop: %s", ps_status_message(st));
        t++;
        if (g->cfg.early_stop_enabled && decision.stop)
            break;
    }
    g->samples++;
    g->timesteps += t;
    result->timesteps_run = (int64_t)t;
    result->prediction = decision.prediction;
    result->confidence = decision.score;
    return PS_OK;
}

const float *ps_golden_outputs(const ps_golden *g) { return g->outputs; }
size_t ps_golden_n_outputs(const ps_golden *g) { return g->n_outputs; }
const uint64_t *ps_golden_spike_counts(const ps_golden *g) { return g->spikes; }
