/* Workload files: layout in workloads/FORMAT.md, "Workload files (kind PWL_)".
 * The writer refuses what the reader would refuse (one check for both), so
 * a file primesim wrote always reads back. */
#include "pwl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "common/alloc.h"
#include "container.h"
#include "early_stop.h"

#define META_BYTES 88
#define FRAMES_BYTES 24
#define LAYER_BYTES 104
#define MAX_LAYERS 65536
/* Bounds every shape field before any product is formed, so a corrupt
 * header can neither overflow an int64 nor ask for an absurd allocation. */
#define MAX_EXTENT (INT64_C(1) << 20)
#define ZSTD_LEVEL 19

static const char *const methods[] = {"memristor_pruning", "software_pruning", "weight_tuning",
                                      "random_unpruned", "imported", NULL};

const char *ps_layer_kind_name(int kind)
{
    switch (kind) {
    case PS_LAYER_CONV2D: return "conv2d";
    case PS_LAYER_AVGPOOL2D: return "avgpool2d";
    case PS_LAYER_LINEAR: return "linear";
    }
    return "?";
}

const char *ps_neuron_kind_name(int neuron)
{
    switch (neuron) {
    case PS_NEURON_NONE: return "none";
    case PS_NEURON_LIF: return "lif";
    case PS_NEURON_INTEGRATOR: return "integrator";
    }
    return "?";
}

void ps_workload_init(ps_workload *w)
{
    memset(w, 0, sizeof *w);
    ps_params_set_defaults(&ps_frames_param_table, &w->frames);
    ps_early_stop_params es;
    ps_params_set_defaults(&ps_early_stop_param_table, &es);
    w->early_stop_alpha = es.alpha;
    w->early_stop_theta = es.theta;
    w->info.test_accuracy = NAN;
}

/* ------------------------------------------------------------------ check */

static int method_known(const char *m)
{
    for (int i = 0; methods[i]; i++)
        if (strcmp(m, methods[i]) == 0)
            return 1;
    return 0;
}

static int terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

static ps_status check_values(const ps_layer *l, int64_t i, ps_error *err)
{
    const char *k = ps_layer_kind_name(l->kind);
    if (!ps_layer_has_weights(l)) {
        if (l->rows != 0 || l->cols != 0 || l->keep || l->bias)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): has no matrix, rows and "
                                "cols must be 0, no keep mask or bias", (long long)i, k);
        return PS_OK;
    }
    if (l->kind == PS_LAYER_LINEAR && (l->kernel != 0 || l->stride != 0 || l->padding != 0))
        return ps_error_set(err, PS_ERR_FORMAT,
                            "layer %lld (linear): kernel, stride and padding must be 0",
                            (long long)i);
    if (!isfinite(l->weight_per_uS) || l->weight_per_uS == 0.0)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "layer %lld (%s): weight_per_uS %g must be finite and non-zero",
                            (long long)i, k, l->weight_per_uS);
    const int64_t n = l->rows * l->cols;
    for (int side = 0; side < 2; side++) {
        const float *g = side ? l->g_neg_uS : l->g_pos_uS;
        for (int64_t j = 0; j < n; j++)
            if (!isfinite(g[j]) || g[j] < 0.0f)
                return ps_error_set(err, PS_ERR_FORMAT,
                                    "layer %lld (%s): %s[%lld] = %g is not a finite conductance "
                                    ">= 0 uS",
                                    (long long)i, k, side ? "g_neg" : "g_pos", (long long)j,
                                    (double)g[j]);
    }
    for (int64_t j = 0; l->bias && j < l->cols; j++)
        if (!isfinite(l->bias[j]))
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): bias[%lld] = %g is not finite",
                                (long long)i, k, (long long)j, (double)l->bias[j]);
    if (l->keep)
        for (int64_t j = 0; j < n; j++)
            if (l->keep[j] > 1)
                return ps_error_set(err, PS_ERR_FORMAT,
                                    "layer %lld (%s): keep[%lld] = %u, expected 0 or 1",
                                    (long long)i, k, (long long)j, (unsigned)l->keep[j]);
    return PS_OK;
}

static ps_status check_extents(const ps_network *net, ps_error *err)
{
    const int64_t top[] = {net->timesteps, net->in_c, net->in_h, net->in_w};
    for (size_t j = 0; j < sizeof top / sizeof top[0]; j++)
        if (top[j] < 0 || top[j] > MAX_EXTENT)
            return ps_error_set(err, PS_ERR_FORMAT,
                                "network: T and the input shape must be in [1, %lld]",
                                (long long)MAX_EXTENT);
    if (net->n_layers < 1 || net->n_layers > MAX_LAYERS)
        return ps_error_set(err, PS_ERR_FORMAT, "network: %lld layers, expected 1..%d",
                            (long long)net->n_layers, MAX_LAYERS);
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if ((unsigned)l->kind > PS_LAYER_LINEAR)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld: unknown kind %d", (long long)i,
                                (int)l->kind);
        if ((unsigned)l->neuron > PS_NEURON_INTEGRATOR)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): unknown neuron %d",
                                (long long)i, ps_layer_kind_name(l->kind), (int)l->neuron);
        const int64_t f[] = {l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w,
                             l->kernel, l->stride, l->padding, l->cols};
        for (size_t j = 0; j < sizeof f / sizeof f[0]; j++)
            if (f[j] < 0 || f[j] > MAX_EXTENT)
                return ps_error_set(err, PS_ERR_FORMAT,
                                    "layer %lld (%s): a shape field is outside [0, %lld]",
                                    (long long)i, ps_layer_kind_name(l->kind),
                                    (long long)MAX_EXTENT);
        if (l->rows < 0 || l->rows > MAX_EXTENT * MAX_EXTENT)
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): %lld rows",
                                (long long)i, ps_layer_kind_name(l->kind), (long long)l->rows);
    }
    return PS_OK;
}

static ps_status check_rest(const ps_workload *w, ps_error *err)
{
    const ps_network *net = &w->net;
    if (!isfinite(net->leak) || !isfinite(net->v_th) || !isfinite(net->negative_slope))
        return ps_error_set(err, PS_ERR_FORMAT, "network: LIF constants must be finite");
    if (!(net->readout_decay >= 0.0 && net->readout_decay < 1.0))
        return ps_error_set(err, PS_ERR_FORMAT, "network: readout_decay %g is not in [0, 1)",
                            net->readout_decay);
    /* A value out of range in a file is a malformed file. */
    if (ps_params_validate(&ps_frames_param_table, &w->frames, err) != PS_OK) {
        if (err)
            err->status = PS_ERR_FORMAT;
        return PS_ERR_FORMAT;
    }
    if (w->frames.bins != net->timesteps)
        return ps_error_set(err, PS_ERR_FORMAT, "frames: %lld bins, but T = %lld",
                            (long long)w->frames.bins, (long long)net->timesteps);
    if (!(w->early_stop_alpha > 0.0) || !isfinite(w->early_stop_alpha) ||
        !(w->early_stop_theta >= 0.0 && w->early_stop_theta <= 1.0))
        return ps_error_set(err, PS_ERR_FORMAT,
                            "early stop: alpha %g must be > 0 and theta %g in [0, 1]",
                            w->early_stop_alpha, w->early_stop_theta);
    const ps_workload_info *in = &w->info;
    if (!terminated(in->method, sizeof in->method) || !terminated(in->dataset, sizeof in->dataset) ||
        !terminated(in->recipe, sizeof in->recipe) || !terminated(in->trainer, sizeof in->trainer))
        return ps_error_set(err, PS_ERR_FORMAT, "info: a string is not NUL-terminated");
    if (!method_known(in->method))
        return ps_error_set(err, PS_ERR_FORMAT,
                            "info: method '%s' is not one of memristor_pruning, software_pruning, "
                            "weight_tuning, random_unpruned, imported",
                            in->method);
    if (!isnan(in->test_accuracy) && !(in->test_accuracy >= 0.0 && in->test_accuracy <= 1.0))
        return ps_error_set(err, PS_ERR_FORMAT, "info: test_accuracy %g is not NaN or in [0, 1]",
                            in->test_accuracy);
    if (in->epochs < 0 || in->train_samples < 0 || in->test_samples < 0)
        return ps_error_set(err, PS_ERR_FORMAT, "info: negative epochs or sample counts");
    return PS_OK;
}

ps_status ps_workload_check(const ps_workload *w, ps_error *err)
{
    if (!w || (w->net.n_layers > 0 && !w->net.layers))
        return ps_error_set(err, PS_ERR_INVALID_ARG, "workload: no network");
    ps_status s = check_extents(&w->net, err);
    if (s == PS_OK)
        s = ps_network_check(&w->net, err);
    for (int64_t i = 0; s == PS_OK && i < w->net.n_layers; i++)
        s = check_values(&w->net.layers[i], i, err);
    if (s == PS_OK)
        s = check_rest(w, err);
    return s;
}

/* ------------------------------------------------------------------ write */

static void put_i64(ps_bytes *b, int64_t v) { ps_bytes_put_u64(b, (uint64_t)v); }

static ps_status add(ps_container_writer *cw, const char *name, ps_bytes *b, ps_error *err)
{
    if (b->status != PS_OK)
        return ps_error_set(err, b->status, "out of memory encoding section '%s'", name);
    ps_status s = ps_container_add(cw, name, b->data, b->size, err);
    ps_bytes_free(b);
    return s;
}

static ps_status encode(const ps_workload *w, ps_container_writer *cw, ps_error *err)
{
    const ps_network *net = &w->net;
    ps_bytes b;
    ps_bytes_init(&b);

    ps_bytes_put_u32(&b, (uint32_t)net->n_layers);
    ps_bytes_put_u32(&b, 0); /* flags: none defined */
    put_i64(&b, net->timesteps);
    put_i64(&b, net->in_c);
    put_i64(&b, net->in_h);
    put_i64(&b, net->in_w);
    put_i64(&b, net->input_max_level);
    ps_bytes_put_f64(&b, net->leak);
    ps_bytes_put_f64(&b, net->v_th);
    ps_bytes_put_f64(&b, net->negative_slope);
    ps_bytes_put_f64(&b, w->early_stop_alpha);
    ps_bytes_put_f64(&b, w->early_stop_theta);
    ps_status s = add(cw, "meta", &b, err);

    if (s == PS_OK) {
        put_i64(&b, w->frames.bins);
        ps_bytes_put_u8(&b, (uint8_t)w->frames.split_by);
        ps_bytes_put_u8(&b, w->frames.binarise ? 1 : 0);
        ps_bytes_put_u8(&b, w->frames.first_saccade_only ? 1 : 0);
        ps_bytes_pad(&b, 8);
        ps_bytes_put_f64(&b, w->frames.first_saccade_ms);
        s = add(cw, "frames", &b, err);
    }
    if (s == PS_OK) {
        const ps_workload_info *in = &w->info;
        ps_bytes_put_str(&b, in->method);
        ps_bytes_put_str(&b, in->dataset);
        ps_bytes_put_str(&b, in->recipe);
        ps_bytes_put_str(&b, in->trainer);
        put_i64(&b, in->seed);
        put_i64(&b, in->epochs);
        put_i64(&b, in->train_samples);
        put_i64(&b, in->test_samples);
        ps_bytes_put_f64(&b, in->test_accuracy);
        s = add(cw, "info", &b, err);
    }
    if (s == PS_OK) {
        for (int64_t i = 0; i < net->n_layers; i++) {
            const ps_layer *l = &net->layers[i];
            ps_bytes_put_u8(&b, (uint8_t)l->kind);
            ps_bytes_put_u8(&b, (uint8_t)l->neuron);
            ps_bytes_put_u8(&b, l->keep ? 1 : 0);
            ps_bytes_pad(&b, 8);
            const int64_t f[] = {l->in_c,   l->in_h,   l->in_w,    l->out_c, l->out_h, l->out_w,
                                 l->kernel, l->stride, l->padding, l->rows,  l->cols};
            for (size_t j = 0; j < sizeof f / sizeof f[0]; j++)
                put_i64(&b, f[j]);
            ps_bytes_put_f64(&b, ps_layer_has_weights(l) ? l->weight_per_uS : 0.0);
        }
        s = add(cw, "layers", &b, err);
    }
    for (int64_t i = 0; s == PS_OK && i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (!ps_layer_has_weights(l))
            continue;
        const int64_t n = l->rows * l->cols;
        char name[PS_CONTAINER_NAME_BYTES];
        for (int side = 0; s == PS_OK && side < 2; side++) {
            const float *g = side ? l->g_neg_uS : l->g_pos_uS;
            for (int64_t j = 0; j < n; j++)
                ps_bytes_put_f32(&b, g[j]);
            snprintf(name, sizeof name, "%s.%lld", side ? "g_neg" : "g_pos", (long long)i);
            s = add(cw, name, &b, err);
        }
        if (s == PS_OK && l->keep) {
            ps_bytes_put(&b, l->keep, (size_t)n);
            snprintf(name, sizeof name, "keep.%lld", (long long)i);
            s = add(cw, name, &b, err);
        }
        if (s == PS_OK && l->bias) {
            for (int64_t j = 0; j < l->cols; j++)
                ps_bytes_put_f32(&b, l->bias[j]);
            snprintf(name, sizeof name, "bias.%lld", (long long)i);
            s = add(cw, name, &b, err);
        }
    }
    if (s == PS_OK && net->readout_decay != 0.0) {
        ps_bytes_put_f64(&b, net->readout_decay);
        s = add(cw, "readout", &b, err);
    }
    if (s == PS_OK && w->recipe_yaml)
        s = ps_container_add(cw, "recipe", w->recipe_yaml, strlen(w->recipe_yaml), err);
    ps_bytes_free(&b);
    return s;
}

ps_status ps_workload_write(const ps_workload *w, const char *path, ps_error *err)
{
    ps_status s = ps_workload_check(w, err);
    if (s != PS_OK) {
        ps_error_prefix(err, "%s: not written", path);
        return s;
    }
    uint16_t version = w->net.readout_decay != 0.0 ? 2 : 1;
    for (int64_t i = 0; i < w->net.n_layers; i++)
        if (w->net.layers[i].bias)
            version = 2;
    ps_container_writer *cw = NULL;
    if (ps_container_writer_create(PS_PWL_KIND, version, &cw) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
    s = encode(w, cw, err);
    if (s == PS_OK)
        s = ps_container_write(cw, path, ZSTD_LEVEL, err);
    else
        ps_error_prefix(err, "%s", path);
    ps_container_writer_destroy(cw);
    return s;
}

/* ------------------------------------------------------------------- read */

typedef struct owned {
    ps_layer *layers;
    char *recipe;
} owned;

void ps_workload_free(ps_workload *w)
{
    if (!w)
        return;
    owned *o = w->storage;
    if (o) {
        for (int64_t i = 0; o->layers && i < w->net.n_layers; i++) {
            free((void *)o->layers[i].g_pos_uS);
            free((void *)o->layers[i].g_neg_uS);
            free((void *)o->layers[i].keep);
            free((void *)o->layers[i].bias);
        }
        free(o->layers);
        free(o->recipe);
        free(o);
    }
    free(w);
}

/* The section, which must exist and hold exactly want bytes (want 0: any). */
static ps_status section(const ps_container *c, const char *name, size_t want, ps_reader *r,
                         ps_error *err)
{
    const void *data;
    size_t size;
    if (ps_container_section(c, name, &data, &size, NULL) != PS_OK)
        return ps_error_set(err, PS_ERR_FORMAT, "section '%s' is missing", name);
    if (want && size != want)
        return ps_error_set(err, PS_ERR_FORMAT, "section '%s' has %zu bytes, expected %zu", name,
                            size, want);
    *r = ps_reader_of(data, size);
    return PS_OK;
}

static ps_status flag_byte(ps_reader *r, const char *what, bool *out, ps_error *err)
{
    uint8_t v = ps_reader_u8(r);
    if (v > 1)
        return ps_error_set(err, PS_ERR_FORMAT, "section 'frames': %s = %u, expected 0 or 1", what,
                            (unsigned)v);
    *out = v != 0;
    return PS_OK;
}

static ps_status zero_bytes(ps_reader *r, size_t n, const char *where, ps_error *err)
{
    const uint8_t *p = ps_reader_take(r, n);
    for (size_t j = 0; p && j < n; j++)
        if (p[j])
            return ps_error_set(err, PS_ERR_FORMAT, "%s: reserved bytes are not zero", where);
    return PS_OK;
}

static ps_status read_meta(const ps_container *c, ps_workload *w, ps_error *err)
{
    ps_reader r;
    ps_status s = section(c, "meta", META_BYTES, &r, err);
    if (s != PS_OK)
        return s;
    w->net.n_layers = ps_reader_u32(&r);
    if (ps_reader_u32(&r) != 0)
        return ps_error_set(err, PS_ERR_FORMAT, "section 'meta': flags are not zero");
    w->net.timesteps = (int64_t)ps_reader_u64(&r);
    w->net.in_c = (int64_t)ps_reader_u64(&r);
    w->net.in_h = (int64_t)ps_reader_u64(&r);
    w->net.in_w = (int64_t)ps_reader_u64(&r);
    w->net.input_max_level = (int64_t)ps_reader_u64(&r);
    w->net.leak = ps_reader_f64(&r);
    w->net.v_th = ps_reader_f64(&r);
    w->net.negative_slope = ps_reader_f64(&r);
    w->early_stop_alpha = ps_reader_f64(&r);
    w->early_stop_theta = ps_reader_f64(&r);
    if (w->net.n_layers < 1 || w->net.n_layers > MAX_LAYERS)
        return ps_error_set(err, PS_ERR_FORMAT, "section 'meta': %lld layers, expected 1..%d",
                            (long long)w->net.n_layers, MAX_LAYERS);
    return PS_OK;
}

static ps_status read_frames(const ps_container *c, ps_workload *w, ps_error *err)
{
    ps_reader r;
    ps_status s = section(c, "frames", FRAMES_BYTES, &r, err);
    if (s != PS_OK)
        return s;
    w->frames.bins = (int64_t)ps_reader_u64(&r);
    uint8_t split = ps_reader_u8(&r);
    if (split > PS_FRAMES_BY_DURATION)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "section 'frames': split_by = %u, expected 0 (count) or 1 (duration)",
                            (unsigned)split);
    w->frames.split_by = split;
    if ((s = flag_byte(&r, "binarise", &w->frames.binarise, err)) != PS_OK ||
        (s = flag_byte(&r, "first_saccade_only", &w->frames.first_saccade_only, err)) != PS_OK ||
        (s = zero_bytes(&r, 5, "section 'frames'", err)) != PS_OK)
        return s;
    w->frames.first_saccade_ms = ps_reader_f64(&r);
    return PS_OK;
}

static ps_status read_string(ps_reader *r, char *buf, size_t cap, const char *field,
                             ps_error *err)
{
    uint32_t len = ps_reader_u32(r);
    const char *p = ps_reader_take(r, len);
    if (!p)
        return ps_error_set(err, PS_ERR_FORMAT, "section 'info': %s runs past the section's end",
                            field);
    if (len >= cap)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "section 'info': %s has %u bytes, at most %zu fit", field, len,
                            cap - 1);
    if (memchr(p, '\0', len))
        return ps_error_set(err, PS_ERR_FORMAT, "section 'info': %s contains a NUL byte", field);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return PS_OK;
}

static ps_status read_info(const ps_container *c, ps_workload *w, ps_error *err)
{
    ps_reader r;
    ps_status s = section(c, "info", 0, &r, err);
    ps_workload_info *in = &w->info;
    if (s != PS_OK || (s = read_string(&r, in->method, sizeof in->method, "method", err)) ||
        (s = read_string(&r, in->dataset, sizeof in->dataset, "dataset", err)) ||
        (s = read_string(&r, in->recipe, sizeof in->recipe, "recipe", err)) ||
        (s = read_string(&r, in->trainer, sizeof in->trainer, "trainer", err)))
        return s;
    in->seed = (int64_t)ps_reader_u64(&r);
    in->epochs = (int64_t)ps_reader_u64(&r);
    in->train_samples = (int64_t)ps_reader_u64(&r);
    in->test_samples = (int64_t)ps_reader_u64(&r);
    in->test_accuracy = ps_reader_f64(&r);
    if (r.overrun || r.pos != r.size)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "section 'info' has %zu bytes, its strings and numbers need %zu",
                            r.size, r.overrun ? r.size + 1 : r.pos);
    return PS_OK;
}

static ps_status read_layer_headers(const ps_container *c, ps_layer *layers, int64_t n,
                                    uint8_t *has_keep, ps_error *err)
{
    ps_reader r;
    ps_status s = section(c, "layers", 0, &r, err);
    if (s != PS_OK)
        return s;
    if (r.size != (size_t)n * LAYER_BYTES)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "section 'layers' has %zu bytes, expected %zu (%lld layers of %d)",
                            r.size, (size_t)n * LAYER_BYTES, (long long)n, LAYER_BYTES);
    for (int64_t i = 0; i < n; i++) {
        ps_layer *l = &layers[i];
        l->kind = (ps_layer_kind)ps_reader_u8(&r);
        l->neuron = (ps_neuron_kind)ps_reader_u8(&r);
        has_keep[i] = ps_reader_u8(&r);
        char where[64];
        snprintf(where, sizeof where, "layer %lld", (long long)i);
        if ((s = zero_bytes(&r, 5, where, err)) != PS_OK)
            return s;
        int64_t *f[] = {&l->in_c,   &l->in_h,   &l->in_w,    &l->out_c, &l->out_h, &l->out_w,
                        &l->kernel, &l->stride, &l->padding, &l->rows,  &l->cols};
        for (size_t j = 0; j < sizeof f / sizeof f[0]; j++)
            *f[j] = (int64_t)ps_reader_u64(&r);
        l->weight_per_uS = ps_reader_f64(&r);
        if (has_keep[i] > 1 || (has_keep[i] && !ps_layer_has_weights(l)))
            return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): has_keep = %u is invalid",
                                (long long)i, ps_layer_kind_name(l->kind), (unsigned)has_keep[i]);
    }
    return PS_OK;
}

/* One matrix section of layer i into a new array; elem 4 (f32) or 1 (u8);
 * rows x cols entries, or cols for a bias. */
static ps_status read_matrix(const ps_container *c, const char *prefix, int64_t i,
                             const ps_layer *l, size_t elem, void **out, ps_error *err)
{
    const int64_t rows = strcmp(prefix, "bias") == 0 ? 1 : l->rows;
    char name[PS_CONTAINER_NAME_BYTES];
    snprintf(name, sizeof name, "%s.%lld", prefix, (long long)i);
    const char *k = ps_layer_kind_name(l->kind);
    const void *data;
    size_t size;
    if (ps_container_section(c, name, &data, &size, NULL) != PS_OK)
        return ps_error_set(err, PS_ERR_FORMAT, "layer %lld (%s): section '%s' is missing",
                            (long long)i, k, name);
    const uint64_t n = (uint64_t)rows * (uint64_t)l->cols;
    if (size % elem != 0 || size / elem != n)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "layer %lld (%s): %s has %zu %s%s, expected %llu (%lldx%lld)",
                            (long long)i, k, prefix, size / elem, elem == 4 ? "floats" : "bytes",
                            size % elem ? " and a partial one" : "", (unsigned long long)n,
                            (long long)rows, (long long)l->cols);
    if (ps_calloc((size_t)n, elem, out) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "layer %lld (%s): out of memory for %s",
                            (long long)i, k, name);
    if (elem == 1) {
        memcpy(*out, data, (size_t)n);
    } else {
        const uint8_t *p = data;
        float *g = *out;
        for (size_t j = 0; j < (size_t)n; j++) {
            uint32_t bits = ps_load_u32(p + 4 * j);
            memcpy(&g[j], &bits, sizeof bits);
        }
    }
    return PS_OK;
}

/* g_pos.N / g_neg.N / keep.N / bias.N for a layer that has no such matrix is a
 * writer bug, not an extension: refuse it. Other unknown names are
 * optional sections of a later writer and are ignored. */
static ps_status check_stray(const ps_container *c, const ps_layer *layers, int64_t n,
                             const uint8_t *has_keep, bool biases, ps_error *err)
{
    const uint32_t count = ps_container_get_info(c).section_count;
    for (uint32_t j = 0; j < count; j++) {
        const char *name = ps_container_section_name(c, j);
        const char *dot = strchr(name, '.');
        if (!dot)
            continue;
        size_t plen = (size_t)(dot - name);
        int is_keep = plen == 4 && strncmp(name, "keep", 4) == 0;
        int is_bias = biases && plen == 4 && strncmp(name, "bias", 4) == 0;
        if (!is_keep && !is_bias && !(plen == 5 && (strncmp(name, "g_pos", 5) == 0 ||
                                                    strncmp(name, "g_neg", 5) == 0)))
            continue;
        char *end;
        long long i = strtoll(dot + 1, &end, 10);
        int ok = dot[1] >= '0' && dot[1] <= '9' && *end == '\0' && i >= 0 && i < n &&
                 ps_layer_has_weights(&layers[i]) && (!is_keep || has_keep[i]);
        if (!ok)
            return ps_error_set(err, PS_ERR_FORMAT, "section '%s' belongs to no weight layer%s",
                                name, is_keep ? " that has a keep mask" : "");
    }
    return PS_OK;
}

static ps_status read_body(const ps_container *c, ps_workload *w, owned *o, ps_error *err)
{
    ps_status s = read_meta(c, w, err);
    if (s == PS_OK)
        s = read_frames(c, w, err);
    if (s == PS_OK)
        s = read_info(c, w, err);
    if (s != PS_OK)
        return s;
    const int64_t n = w->net.n_layers;
    uint8_t *has_keep = NULL;
    if (PS_CALLOC_ARRAY(o->layers, (size_t)n) != PS_OK || PS_CALLOC_ARRAY(has_keep, (size_t)n) != PS_OK) {
        free(has_keep);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory for %lld layers", (long long)n);
    }
    w->net.layers = o->layers;
    s = read_layer_headers(c, o->layers, n, has_keep, err);
    if (s == PS_OK)
        s = check_extents(&w->net, err);
    if (s == PS_OK) {
        /* Shapes first, with placeholder matrices, so a corrupt shape is
         * reported as such and not as a section of the wrong size. */
        static const float placeholder = 0.0f;
        for (int64_t i = 0; i < n; i++)
            if (ps_layer_has_weights(&o->layers[i]))
                o->layers[i].g_pos_uS = o->layers[i].g_neg_uS = &placeholder;
        s = ps_network_check(&w->net, err);
        for (int64_t i = 0; i < n; i++)
            o->layers[i].g_pos_uS = o->layers[i].g_neg_uS = NULL;
    }
    /* Biases are version 2; a version 1 file's sections of that name are
     * unknown optional sections, ignored as version 1 readers do. */
    const bool biases = ps_container_get_info(c).content_version >= 2;
    if (s == PS_OK)
        s = check_stray(c, o->layers, n, has_keep, biases, err);
    const void *rdata; /* version 2: a leaky readout */
    size_t rsize;
    ps_reader rd;
    if (s == PS_OK && biases && ps_container_section(c, "readout", &rdata, &rsize, NULL) == PS_OK &&
        (s = section(c, "readout", 8, &rd, err)) == PS_OK)
        w->net.readout_decay = ps_reader_f64(&rd);
    for (int64_t i = 0; s == PS_OK && i < n; i++) {
        ps_layer *l = &o->layers[i];
        if (!ps_layer_has_weights(l))
            continue;
        void *p = NULL;
        s = read_matrix(c, "g_pos", i, l, 4, &p, err);
        l->g_pos_uS = p;
        if (s == PS_OK) {
            p = NULL;
            s = read_matrix(c, "g_neg", i, l, 4, &p, err);
            l->g_neg_uS = p;
        }
        if (s == PS_OK && has_keep[i]) {
            p = NULL;
            s = read_matrix(c, "keep", i, l, 1, &p, err);
            l->keep = p;
        }
        char bias_name[PS_CONTAINER_NAME_BYTES];
        snprintf(bias_name, sizeof bias_name, "bias.%lld", (long long)i);
        const void *bias_data;
        size_t bias_size;
        if (s == PS_OK && biases &&
            ps_container_section(c, bias_name, &bias_data, &bias_size, NULL) == PS_OK) {
            p = NULL;
            s = read_matrix(c, "bias", i, l, 4, &p, err);
            l->bias = p;
        }
    }
    free(has_keep);
    if (s == PS_OK) {
        const void *data;
        size_t size;
        if (ps_container_section(c, "recipe", &data, &size, NULL) == PS_OK) {
            if (memchr(data, '\0', size))
                return ps_error_set(err, PS_ERR_FORMAT, "section 'recipe' contains a NUL byte");
            if (ps_calloc(size + 1, 1, &o->recipe) != PS_OK)
                return ps_error_set(err, PS_ERR_NOMEM, "out of memory for the recipe");
            memcpy(o->recipe, data, size);
            w->recipe_yaml = o->recipe;
        }
    }
    if (s == PS_OK)
        s = ps_workload_check(w, err);
    return s;
}

ps_status ps_workload_read(const char *path, ps_workload **out, ps_error *err)
{
    *out = NULL;
    ps_container *c = NULL;
    ps_status s = ps_container_open(path, PS_PWL_KIND, PS_PWL_VERSION, &c, err);
    if (s != PS_OK)
        return s;
    ps_workload *w = NULL;
    owned *o = NULL;
    if (PS_CALLOC_ARRAY(w, 1) != PS_OK || PS_CALLOC_ARRAY(o, 1) != PS_OK) {
        free(w);
        ps_container_close(c);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
    }
    w->storage = o;
    s = read_body(c, w, o, err);
    ps_container_close(c);
    if (s != PS_OK) {
        ps_error_prefix(err, "%s", path);
        ps_workload_free(w);
        return s;
    }
    *out = w;
    return PS_OK;
}
