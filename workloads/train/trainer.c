#include "train/trainer.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/memory.h"
#include "common/rng.h"
#include "train/layers.h"
#include "train/optim.h"

#define MAX_LAYERS 32
#define MAX_THREADS 64

/* ---- parameters -------------------------------------------------------- */

static const char *const method_choices[] = {"memristor_pruning", "software_pruning",
                                             "weight_tuning", "random_unpruned", NULL};
static const char *const weights_choices[] = {"device", "gaussian", NULL};
static const char *const optimizer_choices[] = {"adam", "adamw", NULL};
static const char *const schedule_choices[] = {"constant", "cosine", NULL};

#define PRIME_S1 "PRIME (Wang et al. 2024, arXiv 2407.18625), docs/prime.md sec. 1"
#define PRIME_S2 "PRIME (Wang et al. 2024, arXiv 2407.18625), docs/prime.md sec. 2"
#define PRIME_S3 "PRIME (Wang et al. 2024, arXiv 2407.18625), docs/prime.md sec. 3"
#define PRIME_S4 "PRIME (Wang et al. 2024, arXiv 2407.18625), docs/prime.md sec. 4"

static const ps_param_desc train_params[] = {
    PS_PARAM_STRING(ps_train_params, name, "unnamed", "recipe name, recorded in the workload", NULL),
    PS_PARAM_ENUM(ps_train_params, method, "memristor_pruning", method_choices,
                  "what is trained: scores over device or Gaussian weights, the weights, or nothing",
                  PRIME_S1),
    PS_PARAM_ENUM(ps_train_params, random_weights, "device", weights_choices,
                  "random weights of weight_tuning (initial) and random_unpruned", NULL),
    PS_PARAM_STRING(ps_train_params, arch, "c12k5p1,p2,c64k5,p2,f10",
                    "network: cOCkKsSpP conv, pK avg-pool, fOC linear; the last layer integrates",
                    PRIME_S3),
    PS_PARAM_INT(ps_train_params, in_c, 2, 1, 1024, "", "input channels (polarities)", PRIME_S3),
    PS_PARAM_INT(ps_train_params, in_h, 34, 1, 4096, "px", "input height", PRIME_S3),
    PS_PARAM_INT(ps_train_params, in_w, 34, 1, 4096, "px", "input width", PRIME_S3),
    PS_PARAM_INT(ps_train_params, timesteps, 10, 1, 1000, "", "T, frames per sample", PRIME_S3),
    PS_PARAM_INT(ps_train_params, input_max_level, 15, 1, 255, "",
                 "event counts above it are clipped (fits 4-bit crossbar inputs)", NULL),
    PS_PARAM_INT(ps_train_params, classes, 10, 2, 255, "", "output classes", NULL),
    PS_PARAM_DOUBLE(ps_train_params, keep_fraction, 0.5, 0.0, 1.0, "",
                    "k: fraction of pairs kept per layer (top-k of |score|)", PRIME_S1),
    PS_PARAM_DOUBLE_POS(ps_train_params, weight_std_uS, 6.352, 1e5, "uS",
                        "std of Gaussian software weights (in uS of G+ - G-)", PRIME_S1),
    PS_PARAM_DOUBLE(ps_train_params, leak, 0.2, 0.0, 1.0, "", "LIF lambda on U_{t-1}", PRIME_S2),
    PS_PARAM_DOUBLE(ps_train_params, v_th, 0.2, -1e6, 1e6, "", "LIF threshold", PRIME_S2),
    PS_PARAM_DOUBLE(ps_train_params, negative_slope, 0.1, 0.0, 1.0, "", "LeakyReLU slope",
                    PRIME_S2),
    PS_PARAM_DOUBLE_POS(ps_train_params, surrogate_half_width, 0.5, 1e6, "",
                        "rectangular surrogate: ds/dU = 1/(2 hw) when |U - v_th| < hw", PRIME_S2),
    PS_PARAM_ENUM(ps_train_params, optimizer, "adam", optimizer_choices,
                  "adam (L2 added to the gradient) or adamw (decoupled decay)", PRIME_S2),
    PS_PARAM_DOUBLE_POS(ps_train_params, lr, 1e-3, 10.0, "", "peak learning rate", PRIME_S2),
    PS_PARAM_DOUBLE(ps_train_params, weight_decay, 5e-4, 0.0, 1.0, "", "weight decay", PRIME_S2),
    PS_PARAM_DOUBLE(ps_train_params, beta1, 0.9, 0.0, 0.999999, "", "Adam beta1", NULL),
    PS_PARAM_DOUBLE(ps_train_params, beta2, 0.999, 0.0, 0.999999999, "", "Adam beta2", NULL),
    PS_PARAM_DOUBLE_POS(ps_train_params, eps, 1e-8, 1.0, "", "Adam epsilon", NULL),
    PS_PARAM_ENUM(ps_train_params, schedule, "cosine", schedule_choices,
                  "learning-rate schedule over epochs", PRIME_S2),
    PS_PARAM_INT(ps_train_params, epochs, 14, 0, 100000, "", "passes over the training set",
                 PRIME_S2),
    PS_PARAM_INT(ps_train_params, batch_size, 128, 1, 65536, "", "samples per step", PRIME_S2),
    PS_PARAM_INT(ps_train_params, seed, 1, 0, INT64_MAX, "",
                 "keys every draw: weights, scores, shuffling", NULL),
    PS_PARAM_INT(ps_train_params, chunk, 16, 1, 4096, "",
                 "samples per work unit; fixes the summation order (not the result's meaning)",
                 NULL),
    PS_PARAM_STRING(ps_train_params, train_data, "mnist-saccade-train.nmnp",
                    "packed N-MNIST file or directory; relative names are in the data cache", NULL),
    PS_PARAM_STRING(ps_train_params, test_data, "mnist-saccade-test.nmnp",
                    "packed N-MNIST file or directory; relative names are in the data cache", NULL),
    PS_PARAM_INT(ps_train_params, train_limit, 0, 0, INT64_MAX, "",
                 "use the first N training samples (0 = all)", NULL),
    PS_PARAM_INT(ps_train_params, test_limit, 0, 0, INT64_MAX, "",
                 "use the first N test samples (0 = all)", NULL),
    PS_PARAM_DOUBLE_POS(ps_train_params, early_stop_alpha, 2.0, 1e6, "",
                        "early-stop softmax temperature written to the workload", PRIME_S4),
    PS_PARAM_DOUBLE(ps_train_params, early_stop_theta, 0.8, 0.0, 1.0, "",
                    "early-stop confidence threshold written to the workload", PRIME_S4),
};

const ps_param_table ps_train_param_table =
    PS_PARAM_TABLE("train", "edge-popup trainer: network, method, optimiser, data", ps_train_params,
                   train_params);

void ps_trainer_config_defaults(ps_trainer_config *cfg)
{
    ps_params_set_defaults(&ps_train_param_table, &cfg->train);
    ps_params_set_defaults(&ps_device_param_table, &cfg->device);
    ps_params_set_defaults(&ps_frames_param_table, &cfg->frames);
}

/* ---- network spec ------------------------------------------------------ */

enum { L_CONV, L_POOL, L_LINEAR };

typedef struct tlayer {
    int kind;
    int neuron;           /* ps_neuron_kind */
    ps_conv_shape s;      /* conv: all; pool: c h w oh ow k; linear: c h w and oc */
    int rows, cols;       /* weight layers */
    size_t in_size, out_size; /* per image */
    size_t woff, nw;      /* slice of the weight arrays */
    size_t keep;          /* top-k count */
} tlayer;

static int read_num(const char **p, char tag, int *out)
{
    if (**p != tag)
        return 0;
    (*p)++;
    char *end;
    long v = strtol(*p, &end, 10);
    if (end == *p || v < 0 || v > 1 << 20)
        return -1;
    *out = (int)v;
    *p = end;
    return 1;
}

static ps_status parse_arch(const ps_train_params *tp, tlayer *layers, int *n_layers,
                            ps_error *err)
{
    const char *p = tp->arch;
    int c = (int)tp->in_c, h = (int)tp->in_h, w = (int)tp->in_w, n = 0;
    while (*p) {
        if (n == MAX_LAYERS)
            return ps_error_set(err, PS_ERR_RANGE, "train.arch: more than %d layers", MAX_LAYERS);
        tlayer *l = &layers[n];
        memset(l, 0, sizeof *l);
        const char *tok = p;
        int v = 0, r = 1;
        char kind = *p;
        l->s.c = c, l->s.h = h, l->s.w = w;
        if (kind == 'c') {
            int k = 0, stride = 1, pad = 0;
            r = read_num(&p, 'c', &v);
            if (r == 1 && (r = read_num(&p, 'k', &k)) == 1) {
                if (read_num(&p, 's', &stride) < 0 || read_num(&p, 'p', &pad) < 0)
                    r = -1;
            }
            if (r == 1 && (v < 1 || k < 1 || stride < 1))
                r = -1;
            const int64_t oh = ps_conv_out_extent(h, k, stride, pad), ow = ps_conv_out_extent(w, k, stride, pad);
            if (r == 1 && (oh < 1 || ow < 1))
                return ps_error_set(err, PS_ERR_RANGE,
                                    "train.arch: layer %d ('%.*s'): kernel larger than its %dx%d input",
                                    n, (int)strcspn(tok, ","), tok, h, w);
            l->kind = L_CONV, l->s.oc = v, l->s.k = k, l->s.stride = stride, l->s.pad = pad;
            l->s.oh = (int)oh, l->s.ow = (int)ow;
            l->rows = c * k * k, l->cols = v;
        } else if (kind == 'p') {
            r = read_num(&p, 'p', &v);
            if (r == 1 && (v < 1 || v > h || v > w))
                r = -1;
            l->kind = L_POOL, l->s.k = v, l->s.stride = v, l->s.oc = c;
            l->s.oh = h / (v ? v : 1), l->s.ow = w / (v ? v : 1);
        } else if (kind == 'f') {
            r = read_num(&p, 'f', &v);
            if (r == 1 && v < 1)
                r = -1;
            l->kind = L_LINEAR, l->s.oc = v, l->s.oh = 1, l->s.ow = 1;
            l->rows = c * h * w, l->cols = v;
        } else {
            r = -1;
        }
        if (r != 1 || (*p && *p != ','))
            return ps_error_set(err, PS_ERR_FORMAT,
                                "train.arch: cannot read layer %d at '%s' (expected cOCkK[sS][pP], "
                                "pK or fOC, separated by commas)",
                                n, tok);
        if (*p == ',')
            p++;
        l->neuron = l->kind == L_POOL ? PS_NEURON_NONE : PS_NEURON_LIF;
        l->in_size = (size_t)c * h * w;
        c = l->s.oc, h = l->s.oh, w = l->s.ow;
        l->out_size = (size_t)c * h * w;
        n++;
    }
    if (n == 0 || layers[n - 1].kind == L_POOL)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "train.arch: '%s' must end with a conv or linear layer (the output "
                            "integrator)",
                            tp->arch);
    layers[n - 1].neuron = PS_NEURON_INTEGRATOR;
    if ((int64_t)layers[n - 1].out_size != tp->classes)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "train.arch: the last layer has %zu outputs, train.classes is %lld",
                            layers[n - 1].out_size, (long long)tp->classes);
    *n_layers = n;
    return PS_OK;
}

ps_status ps_trainer_config_check(const ps_trainer_config *cfg, ps_error *err)
{
    ps_status s;
    if ((s = ps_params_validate(&ps_train_param_table, &cfg->train, err)) != PS_OK ||
        (s = ps_params_validate(&ps_device_param_table, &cfg->device, err)) != PS_OK ||
        (s = ps_params_validate(&ps_frames_param_table, &cfg->frames, err)) != PS_OK)
        return s;
    if (cfg->frames.bins != cfg->train.timesteps)
        return ps_error_set(err, PS_ERR_RANGE,
                            "frames.bins (%lld) must equal train.timesteps (%lld)",
                            (long long)cfg->frames.bins, (long long)cfg->train.timesteps);
    if (cfg->device.distribution == PS_DEVICE_DIST_TABLE)
        return ps_error_set(err, PS_ERR_UNSUPPORTED,
                            "device.distribution: the trainer forms pairs from gaussian or mixture "
                            "distributions only");
    tlayer layers[MAX_LAYERS];
    int n;
    return parse_arch(&cfg->train, layers, &n, err);
}

/* ---- the trainer ------------------------------------------------------- */

typedef struct worker {
    int cap;          /* samples per chunk it can hold */
    float *block;     /* every activation of a chunk, one allocation */
    float *x0;
    float *cur[MAX_LAYERS], *mem[MAX_LAYERS], *act[MAX_LAYERS], *col[MAX_LAYERS];
    float *dact[MAX_LAYERS], *dcur[MAX_LAYERS];
    float *wide, *dcol, *logits, *dlogits;
} worker;

struct ps_trainer {
    ps_trainer_config cfg;
    tlayer layers[MAX_LAYERS];
    int n_layers;
    int T, classes;
    float scale;      /* weight_per_uS */
    ps_lif_consts lif;
    ps_device *dev;
    size_t nw;        /* pairs over all weight layers */
    /* per pair, all weight layers concatenated */
    float *form_gp, *form_gn, *reset_gp, *reset_gn; /* chip conductances, uS */
    float *w_uS, *wr_uS;        /* G+ - G- kept / after RESET */
    float *weff_keep, *weff_reset;
    float *weff;                /* what the forward uses */
    float *params, *params0, *grad, *adam_m, *adam_v;
    uint8_t *mask;
    uint32_t *idx;
    float *slots;               /* per-chunk weight gradients */
    size_t n_slots;
    double *chunk_loss;
    int *chunk_correct;
    /* export */
    float *exp_gp, *exp_gn;
    ps_layer net_layers[MAX_LAYERS];
    ps_adam adam;
    int threads;
    worker workers[MAX_THREADS];
    size_t *perm;
    size_t perm_n;
    ps_train_stats stats;
};

static int trains_scores(const ps_trainer *tr)
{
    return tr->cfg.train.method == PS_TRAIN_MEMRISTOR_PRUNING ||
           tr->cfg.train.method == PS_TRAIN_SOFTWARE_PRUNING;
}

static int uses_device(const ps_trainer *tr)
{
    const ps_train_params *p = &tr->cfg.train;
    if (p->method == PS_TRAIN_MEMRISTOR_PRUNING)
        return 1;
    if (p->method == PS_TRAIN_SOFTWARE_PRUNING)
        return 0;
    return p->random_weights == PS_TRAIN_WEIGHTS_DEVICE;
}

static int64_t net_index_of(const ps_trainer *tr, const tlayer *l) { return l - tr->layers; }

static ps_device_key layer_key(const ps_trainer *tr, const tlayer *l)
{
    char path[64];
    snprintf(path, sizeof path, "layers[%lld]", (long long)net_index_of(tr, l));
    ps_device_key k = {(uint64_t)tr->cfg.train.seed, ps_rng_stream_of(path)};
    return k;
}

static uint64_t layer_stream(const ps_trainer *tr, const tlayer *l, const char *what)
{
    char path[96];
    snprintf(path, sizeof path, "layers[%lld].%s", (long long)net_index_of(tr, l), what);
    return ps_rng_stream_of(path);
}

static float weight_of(double scale, float gp, float gn)
{
    /* the network's weight: weight_per_uS * (G+ - G-) in double */
    return (float)(scale * ((double)gp - (double)gn));
}

/* Draws weights, RESET values and initial parameters. */
static ps_status init_weights(ps_trainer *tr, ps_error *err)
{
    const int device = uses_device(tr);
    const ps_train_params *p = &tr->cfg.train;
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        if (l->kind == L_POOL)
            continue;
        const ps_device_key key = layer_key(tr, l);
        const uint64_t wstream = layer_stream(tr, l, "weights");
        const uint64_t sstream = layer_stream(tr, l, "scores");
        const double bound = 1.0 / sqrt((double)l->rows);
        for (size_t j = 0; j < l->nw; j++) {
            const size_t q = l->woff + j;
            double gp, gn, rp = 0.0, rn = 0.0;
            if (device) {
                ps_status s = ps_device_form_pair(tr->dev, key, j, &gp, &gn);
                if (s == PS_OK)
                    s = ps_device_reset_pair(tr->dev, key, j, &rp, &rn);
                if (s != PS_OK)
                    return ps_error_set(err, s, "layer %d: device: %s", i, ps_status_message(s));
            } else {
                const float w = (float)(p->weight_std_uS * ps_rng_normal((uint64_t)p->seed, wstream, j));
                gp = w > 0.0f ? w : 0.0f;
                gn = w < 0.0f ? -w : 0.0f;
            }
            tr->form_gp[q] = (float)gp, tr->form_gn[q] = (float)gn;
            tr->reset_gp[q] = (float)rp, tr->reset_gn[q] = (float)rn;
            tr->w_uS[q] = tr->form_gp[q] - tr->form_gn[q];
            tr->wr_uS[q] = tr->reset_gp[q] - tr->reset_gn[q];
            tr->weff_keep[q] = weight_of(tr->cfg.device.weight_per_uS, tr->form_gp[q], tr->form_gn[q]);
            tr->weff_reset[q] = weight_of(tr->cfg.device.weight_per_uS, tr->reset_gp[q], tr->reset_gn[q]);
            if (trains_scores(tr))
                tr->params0[q] =
                    (float)(bound * (2.0 * ps_rng_uniform((uint64_t)p->seed, sstream, j) - 1.0));
            else
                tr->params0[q] = tr->weff_keep[q];
        }
    }
    return PS_OK;
}

void ps_trainer_refresh(ps_trainer *tr)
{
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        if (l->kind == L_POOL)
            continue;
        float *weff = tr->weff + l->woff;
        uint8_t *mask = tr->mask + l->woff;
        if (trains_scores(tr)) {
            ps_topk_mask(tr->params + l->woff, l->nw, l->keep, mask, tr->idx);
            for (size_t j = 0; j < l->nw; j++)
                weff[j] = mask[j] ? tr->weff_keep[l->woff + j] : tr->weff_reset[l->woff + j];
        } else if (tr->cfg.train.method == PS_TRAIN_WEIGHT_TUNING) {
            memcpy(weff, tr->params + l->woff, l->nw * sizeof *weff);
            memset(mask, 1, l->nw);
        } else {
            memcpy(weff, tr->weff_keep + l->woff, l->nw * sizeof *weff);
            memset(mask, 1, l->nw);
        }
    }
}

static void free_worker(worker *w)
{
    free(w->block);
    memset(w, 0, sizeof *w);
}

/* Samples of a worker's chunk. */
static int worker_cap(const ps_trainer *tr)
{
    const ps_train_params *p = &tr->cfg.train;
    return (int)(p->chunk < p->batch_size ? p->chunk : p->batch_size);
}

/* Floats of a worker's block for chunks of cap samples (see alloc_worker). */
static double worker_floats(const ps_trainer *tr, int cap)
{
    const double N = (double)tr->T * (double)cap;
    double total = N * (double)tr->layers[0].in_size, wide = 0, col = 0;
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        const double out = N * (double)l->out_size;
        total += (l->kind != L_POOL ? 5 : 2) * out;
        if (l->kind == L_CONV) {
            const double colsz = (double)ps_conv_rows(&l->s) * N * (double)ps_conv_positions(&l->s);
            total += colsz;
            col = colsz > col && i > 0 ? colsz : col;
            wide = out > wide ? out : wide;
        }
    }
    return total + wide + col + 2.0 * cap * tr->classes;
}

/* The trainer's memory with `threads` workers, checked before allocating. */
static ps_status check_memory(const ps_trainer *tr, size_t max_nw, int threads, ps_error *err)
{
    const double per_weight = 16 * sizeof(float) + 1 + (double)tr->n_slots * sizeof(float);
    const double bytes = (double)tr->nw * per_weight + (double)max_nw * sizeof(uint32_t) +
                         threads * worker_floats(tr, worker_cap(tr)) * sizeof(float);
    char what[128];
    snprintf(what, sizeof what, "the trainer (%zu weights, batch %lld, %d thread%s)", tr->nw,
             (long long)tr->cfg.train.batch_size, threads, threads > 1 ? "s" : "");
    return ps_memory_check(bytes >= 1.8e19 ? UINT64_MAX : (uint64_t)bytes, what, err);
}

/* Lays out every activation of a chunk of cap samples in one block. */
static ps_status alloc_worker(ps_trainer *tr, worker *w, int cap)
{
    const size_t N = (size_t)tr->T * (size_t)cap;
    size_t total = N * tr->layers[0].in_size, scratch_wide = 0, scratch_col = 0;
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        const size_t out = N * l->out_size;
        total += 2 * out; /* act (or the integrator's unused slot), dact */
        if (l->kind != L_POOL)
            total += 3 * out; /* cur, mem, dcur */
        if (l->kind == L_CONV) {
            const size_t colsz = (size_t)ps_conv_rows(&l->s) * N * (size_t)ps_conv_positions(&l->s);
            total += colsz;
            if (colsz > scratch_col && i > 0)
                scratch_col = colsz;
            if (out > scratch_wide)
                scratch_wide = out;
        }
    }
    total += scratch_wide + scratch_col + 2 * (size_t)cap * (size_t)tr->classes;
    float *b;
    if (ps_calloc(total, sizeof *b, &b) != PS_OK)
        return PS_ERR_NOMEM;
    w->block = b;
    w->cap = cap;
    w->x0 = b, b += N * tr->layers[0].in_size;
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        const size_t out = N * l->out_size;
        w->act[i] = b, b += out;
        w->dact[i] = b, b += out;
        if (l->kind != L_POOL) {
            w->cur[i] = b, b += out;
            w->mem[i] = b, b += out;
            w->dcur[i] = b, b += out;
        }
        if (l->kind == L_CONV) {
            w->col[i] = b;
            b += (size_t)ps_conv_rows(&l->s) * N * (size_t)ps_conv_positions(&l->s);
        }
    }
    w->wide = b, b += scratch_wide;
    w->dcol = b, b += scratch_col;
    w->logits = b, b += (size_t)cap * tr->classes;
    w->dlogits = b;
    return PS_OK;
}

void ps_trainer_destroy(ps_trainer *tr)
{
    if (!tr)
        return;
    for (int i = 0; i < MAX_THREADS; i++)
        free_worker(&tr->workers[i]);
    ps_device_destroy(tr->dev);
    float *arrays[] = {tr->form_gp, tr->form_gn, tr->reset_gp, tr->reset_gn, tr->w_uS,
                       tr->wr_uS, tr->weff_keep, tr->weff_reset, tr->weff, tr->params,
                       tr->params0, tr->grad, tr->adam_m, tr->adam_v, tr->slots, tr->exp_gp,
                       tr->exp_gn};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        free(arrays[i]);
    free(tr->mask);
    free(tr->idx);
    free(tr->chunk_loss);
    free(tr->chunk_correct);
    free(tr->perm);
    free(tr);
}

ps_status ps_trainer_reset(ps_trainer *tr)
{
    memcpy(tr->params, tr->params0, tr->nw * sizeof *tr->params);
    memset(tr->adam_m, 0, tr->nw * sizeof *tr->adam_m);
    memset(tr->adam_v, 0, tr->nw * sizeof *tr->adam_v);
    tr->adam.step = 0;
    memset(&tr->stats, 0, sizeof tr->stats);
    ps_trainer_refresh(tr);
    return PS_OK;
}

ps_status ps_trainer_create(const ps_trainer_config *cfg, ps_error *err, ps_trainer **out)
{
    *out = NULL;
    ps_status s = ps_trainer_config_check(cfg, err);
    if (s != PS_OK)
        return s;
    ps_trainer *tr;
    if (PS_CALLOC_ARRAY(tr, 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    tr->cfg = *cfg;
    const ps_train_params *p = &cfg->train;
    parse_arch(p, tr->layers, &tr->n_layers, err);
    tr->T = (int)p->timesteps;
    tr->classes = (int)p->classes;
    tr->scale = (float)cfg->device.weight_per_uS;
    tr->lif.leak = (float)p->leak;
    tr->lif.v_th = (float)p->v_th;
    tr->lif.negative_slope = (float)p->negative_slope;
    tr->lif.surrogate_half_width = (float)p->surrogate_half_width;
    tr->adam.kind = p->optimizer;
    tr->adam.beta1 = (float)p->beta1, tr->adam.beta2 = (float)p->beta2;
    tr->adam.eps = (float)p->eps, tr->adam.weight_decay = (float)p->weight_decay;
    tr->threads = 1;
    size_t max_nw = 0;
    for (int i = 0; i < tr->n_layers; i++) {
        tlayer *l = &tr->layers[i];
        if (l->kind == L_POOL)
            continue;
        l->woff = tr->nw;
        l->nw = (size_t)l->rows * (size_t)l->cols;
        l->keep = trains_scores(tr) ? ps_topk_count(l->nw, p->keep_fraction) : l->nw;
        tr->nw += l->nw;
        if (l->nw > max_nw)
            max_nw = l->nw;
    }
    tr->n_slots = (size_t)((p->batch_size + p->chunk - 1) / p->chunk);
    if ((s = check_memory(tr, max_nw, 1, err)) != PS_OK) {
        ps_trainer_destroy(tr);
        return s;
    }
    ps_device_params dp = cfg->device;
    float **arrays[] = {&tr->form_gp, &tr->form_gn, &tr->reset_gp, &tr->reset_gn, &tr->w_uS,
                        &tr->wr_uS, &tr->weff_keep, &tr->weff_reset, &tr->weff, &tr->params,
                        &tr->params0, &tr->grad, &tr->adam_m, &tr->adam_v, &tr->exp_gp,
                        &tr->exp_gn};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        if (ps_calloc(tr->nw, sizeof(float), arrays[i]) != PS_OK)
            goto nomem;
    if (ps_calloc(tr->nw, 1, &tr->mask) != PS_OK || ps_calloc(max_nw, sizeof(uint32_t), &tr->idx) != PS_OK ||
        ps_calloc(tr->n_slots * tr->nw, sizeof(float), &tr->slots) != PS_OK ||
        ps_calloc(tr->n_slots, sizeof(double), &tr->chunk_loss) != PS_OK ||
        ps_calloc(tr->n_slots, sizeof(int), &tr->chunk_correct) != PS_OK)
        goto nomem;
    if ((s = ps_device_create(&dp, NULL, err, &tr->dev)) != PS_OK ||
        (s = init_weights(tr, err)) != PS_OK) {
        ps_trainer_destroy(tr);
        return s;
    }
    /* we parallelise over chunks ourselves: BLAS stays on one thread */
    openblas_set_num_threads(1);
    if (alloc_worker(tr, &tr->workers[0], worker_cap(tr)) != PS_OK)
        goto nomem;
    ps_trainer_reset(tr);
    *out = tr;
    return PS_OK;
nomem:
    ps_trainer_destroy(tr);
    return ps_error_set(err, PS_ERR_NOMEM, "out of memory for the trainer");
}

ps_status ps_trainer_set_threads(ps_trainer *tr, int threads, ps_error *err)
{
    if (threads < 1 || threads > MAX_THREADS)
        return ps_error_set(err, PS_ERR_RANGE, "threads %d is outside [1, %d]", threads, MAX_THREADS);
    size_t max_nw = 0;
    for (int i = 0; i < tr->n_layers; i++)
        if (tr->layers[i].kind != L_POOL && tr->layers[i].nw > max_nw)
            max_nw = tr->layers[i].nw;
    ps_status s = check_memory(tr, max_nw, threads, err);
    if (s != PS_OK)
        return s;
    for (int i = 1; i < threads; i++)
        if (!tr->workers[i].block && alloc_worker(tr, &tr->workers[i], tr->workers[0].cap) != PS_OK)
            return ps_error_set(err, PS_ERR_NOMEM, "out of memory for %d workers", threads);
    for (int i = threads; i < MAX_THREADS; i++)
        free_worker(&tr->workers[i]);
    tr->threads = threads;
    return PS_OK;
}

ps_status ps_trainer_stats_get(const ps_trainer *tr, ps_train_stats *out)
{
    *out = tr->stats;
    return PS_OK;
}

const ps_trainer_config *ps_trainer_get_config(const ps_trainer *tr) { return &tr->cfg; }
size_t ps_trainer_n_weights(const ps_trainer *tr) { return tr->nw; }
float *ps_trainer_params(ps_trainer *tr) { return tr->params; }
const float *ps_trainer_weights(const ps_trainer *tr) { return tr->weff; }
const uint8_t *ps_trainer_masks(const ps_trainer *tr) { return tr->mask; }

/* ---- one chunk --------------------------------------------------------- */

/* Forward of n samples (n <= cap): logits[n][classes]. */
static void chunk_forward(const ps_trainer *tr, worker *w, const ps_train_data *d,
                          const size_t *idx, int n)
{
    const int T = tr->T;
    const size_t F = tr->layers[0].in_size, per = (size_t)T * d->frame;
    for (int b = 0; b < n; b++) {
        const uint8_t *src = d->levels + idx[b] * per;
        for (int t = 0; t < T; t++) {
            float *dst = w->x0 + ((size_t)t * n + b) * F;
            const uint8_t *s = src + (size_t)t * F;
            for (size_t f = 0; f < F; f++)
                dst[f] = (float)s[f];
        }
    }
    const float *in = w->x0;
    const int N = T * n;
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        const float *W = tr->weff + l->woff;
        switch (l->kind) {
        case L_CONV: ps_conv2d_forward(w->cur[i], w->col[i], w->wide, in, W, &l->s, N); break;
        case L_LINEAR: ps_linear_forward(w->cur[i], in, W, N, l->rows, l->cols); break;
        case L_POOL:
            ps_avgpool_forward(w->act[i], in, N, l->s.c, l->s.h, l->s.w, l->s.k);
            break;
        }
        if (l->neuron == PS_NEURON_LIF)
            ps_lif_forward(w->act[i], w->mem[i], w->cur[i], T, (size_t)n * l->out_size, &tr->lif);
        else if (l->neuron == PS_NEURON_INTEGRATOR)
            ps_integrator_forward(w->logits, w->mem[i], w->cur[i], T, (size_t)n * l->out_size,
                                  tr->lif.negative_slope);
        in = w->act[i];
    }
}

/* Backward from w->dlogits; weight gradients accumulate into gw. */
static void chunk_backward(const ps_trainer *tr, worker *w, int n, float *gw)
{
    const int T = tr->T, N = T * n;
    for (int i = tr->n_layers - 1; i >= 0; i--) {
        const tlayer *l = &tr->layers[i];
        const float *in = i ? w->act[i - 1] : w->x0;
        float *din = i ? w->dact[i - 1] : NULL;
        const size_t cnt = (size_t)n * l->out_size;
        if (l->neuron == PS_NEURON_LIF)
            ps_lif_backward(w->dcur[i], w->dact[i], w->mem[i], w->act[i], T, cnt, &tr->lif);
        else if (l->neuron == PS_NEURON_INTEGRATOR)
            ps_integrator_backward(w->dcur[i], w->dlogits, w->mem[i], T, cnt,
                                   tr->lif.negative_slope);
        const float *W = tr->weff + l->woff;
        switch (l->kind) {
        case L_CONV:
            ps_conv2d_backward(din, gw + l->woff, w->wide, w->dcol, w->col[i], w->dcur[i], W,
                               &l->s, N);
            break;
        case L_LINEAR:
            ps_linear_backward(din, gw + l->woff, w->dcur[i], in, W, N, l->rows, l->cols);
            break;
        case L_POOL:
            if (din)
                ps_avgpool_backward(din, w->dact[i], N, l->s.c, l->s.h, l->s.w, l->s.k);
            break;
        }
    }
}

/* ---- chunks over threads ----------------------------------------------- */

typedef struct job {
    ps_trainer *tr;
    const ps_train_data *d;
    const size_t *idx;
    size_t n, chunk, n_chunks;
    int backward;
    float grad_scale;
    int32_t *pred;
    float *logits;
} job;

typedef struct job_arg {
    job *j;
    int w;
} job_arg;

static void run_chunks(job *j, int wi)
{
    ps_trainer *tr = j->tr;
    worker *w = &tr->workers[wi];
    for (size_t c = (size_t)wi; c < j->n_chunks; c += (size_t)tr->threads) {
        const size_t first = c * j->chunk;
        const int n = (int)(first + j->chunk <= j->n ? j->chunk : j->n - first);
        chunk_forward(tr, w, j->d, j->idx + first, n);
        uint8_t labels[4096];
        for (int b = 0; b < n; b++)
            labels[b] = j->d->labels[j->idx[first + b]];
        int correct = 0;
        tr->chunk_loss[c] = ps_xent_forward_backward(j->backward ? w->dlogits : NULL, w->logits,
                                                     labels, n, tr->classes, j->grad_scale, &correct);
        tr->chunk_correct[c] = correct;
        for (int b = 0; b < n; b++) {
            if (j->pred)
                j->pred[first + b] = ps_argmax(w->logits + (size_t)b * tr->classes, tr->classes);
            if (j->logits)
                memcpy(j->logits + (first + b) * tr->classes, w->logits + (size_t)b * tr->classes,
                       (size_t)tr->classes * sizeof(float));
        }
        if (j->backward) {
            float *gw = tr->slots + c * tr->nw;
            memset(gw, 0, tr->nw * sizeof *gw);
            chunk_backward(tr, w, n, gw);
        }
    }
}

static void *job_main(void *p)
{
    job_arg *a = p;
    run_chunks(a->j, a->w);
    return NULL;
}

/* Runs n samples (n <= batch_size) in chunks on the worker threads; sums
 * loss and hits in chunk order, and with backward the weight gradient into
 * tr->grad. */
static void run_job(job *j, double *loss, int *correct)
{
    ps_trainer *tr = j->tr;
    j->chunk = (size_t)tr->workers[0].cap;
    j->n_chunks = (j->n + j->chunk - 1) / j->chunk;
    pthread_t th[MAX_THREADS];
    job_arg args[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 1; i < tr->threads && (size_t)i < j->n_chunks; i++) {
        args[i].j = j, args[i].w = i;
        started[i] = pthread_create(&th[i], NULL, job_main, &args[i]) == 0;
    }
    run_chunks(j, 0);
    for (int i = 1; i < tr->threads && (size_t)i < j->n_chunks; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            run_chunks(j, i); /* no thread: same chunks, same results, on this one */
    }
    *loss = 0.0;
    *correct = 0;
    for (size_t c = 0; c < j->n_chunks; c++) {
        *loss += tr->chunk_loss[c];
        *correct += tr->chunk_correct[c];
    }
    if (j->backward) {
        memcpy(tr->grad, tr->slots, tr->nw * sizeof *tr->grad);
        for (size_t c = 1; c < j->n_chunks; c++) {
            const float *g = tr->slots + c * tr->nw;
            for (size_t q = 0; q < tr->nw; q++)
                tr->grad[q] += g[q];
        }
    }
}

/* Turns tr->grad (dL/dw_eff) into the parameter gradient, in place. */
static void param_gradient(ps_trainer *tr)
{
    if (!trains_scores(tr))
        return;
    ps_edge_popup_backward(tr->grad, tr->grad, tr->params, tr->w_uS, tr->wr_uS, tr->scale, tr->nw);
}

static ps_status check_data(const ps_trainer *tr, const ps_train_data *d, ps_error *err)
{
    const ps_train_params *p = &tr->cfg.train;
    if (d->T != p->timesteps || d->c != p->in_c || d->h != p->in_h || d->w != p->in_w)
        return ps_error_set(err, PS_ERR_INVALID_ARG,
                            "data of %lld frames of %lldx%lldx%lld, the network takes %lld of "
                            "%lldx%lldx%lld",
                            (long long)d->T, (long long)d->c, (long long)d->h, (long long)d->w,
                            (long long)p->timesteps, (long long)p->in_c, (long long)p->in_h,
                            (long long)p->in_w);
    for (size_t i = 0; i < d->count; i++)
        if (d->labels[i] >= tr->classes)
            return ps_error_set(err, PS_ERR_INVALID_ARG, "sample %zu: label %u >= %d classes", i,
                                (unsigned)d->labels[i], tr->classes);
    return PS_OK;
}

ps_status ps_trainer_batch_gradient(ps_trainer *tr, const ps_train_data *data,
                                    const size_t *samples, size_t n, double *loss, float *grad,
                                    ps_error *err)
{
    ps_status s = check_data(tr, data, err);
    if (s != PS_OK)
        return s;
    if (n < 1 || n > (size_t)tr->cfg.train.batch_size)
        return ps_error_set(err, PS_ERR_RANGE, "batch of %zu samples, at most %lld", n,
                            (long long)tr->cfg.train.batch_size);
    job j = {tr, data, samples, n, 0, 0, 1, 1.0f / (float)n, NULL, NULL};
    int correct;
    run_job(&j, loss, &correct);
    *loss /= (double)n;
    param_gradient(tr);
    memcpy(grad, tr->grad, tr->nw * sizeof *grad);
    return PS_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

ps_status ps_trainer_train_epoch(ps_trainer *tr, const ps_train_data *data, int64_t epoch,
                                 ps_train_progress progress, void *ctx, ps_epoch_metrics *out,
                                 ps_error *err)
{
    ps_status s = check_data(tr, data, err);
    if (s != PS_OK)
        return s;
    const ps_train_params *p = &tr->cfg.train;
    if (p->method == PS_TRAIN_RANDOM_UNPRUNED)
        return ps_error_set(err, PS_ERR_UNSUPPORTED, "random_unpruned trains nothing");
    if (data->count == 0)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "no training samples");
    if (tr->perm_n < data->count) {
        free(tr->perm);
        tr->perm = NULL;
        tr->perm_n = 0;
        if (PS_CALLOC_ARRAY(tr->perm, data->count) != PS_OK)
            return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        tr->perm_n = data->count;
    }
    /* Fisher-Yates keyed by (seed, epoch) */
    const uint64_t stream = ps_rng_substream(ps_rng_stream_of("train.shuffle"), (uint64_t)epoch);
    for (size_t i = 0; i < data->count; i++)
        tr->perm[i] = i;
    for (size_t i = data->count - 1; i > 0; i--) {
        const size_t k = (size_t)(ps_rng_u64((uint64_t)p->seed, stream, i) % (i + 1));
        const size_t t = tr->perm[i];
        tr->perm[i] = tr->perm[k];
        tr->perm[k] = t;
    }
    const double lr = ps_cosine_lr(p->lr, epoch, p->epochs, p->schedule == 1);
    const size_t B = (size_t)p->batch_size, batches = (data->count + B - 1) / B;
    const double t0 = now_s();
    double loss_sum = 0.0;
    size_t correct_sum = 0, done = 0;
    for (size_t b = 0; b < batches; b++) {
        const size_t n = b + 1 < batches ? B : data->count - b * B;
        job j = {tr, data, tr->perm + b * B, n, 0, 0, 1, 1.0f / (float)n, NULL, NULL};
        double loss;
        int correct;
        run_job(&j, &loss, &correct);
        param_gradient(tr);
        ps_adam_step(&tr->adam, tr->params, tr->grad, tr->adam_m, tr->adam_v, tr->nw, (float)lr);
        ps_trainer_refresh(tr);
        loss_sum += loss;
        correct_sum += (size_t)correct;
        done += n;
        tr->stats.steps++;
        tr->stats.samples_trained += n;
        if (progress)
            progress(ctx, epoch + 1, b + 1, batches, done, loss_sum / (double)done,
                     (double)correct_sum / (double)done, (double)done / (now_s() - t0));
    }
    const double secs = now_s() - t0;
    tr->stats.train_seconds += secs;
    if (out) {
        out->epoch = epoch + 1;
        out->lr = lr;
        out->train_loss = loss_sum / (double)done;
        out->train_accuracy = (double)correct_sum / (double)done;
        out->seconds = secs;
        out->samples_per_s = (double)done / secs;
    }
    return PS_OK;
}

ps_status ps_trainer_evaluate(ps_trainer *tr, const ps_train_data *data, double *loss,
                              double *accuracy, int32_t *pred, float *logits, ps_error *err)
{
    ps_status s = check_data(tr, data, err);
    if (s != PS_OK)
        return s;
    size_t *idx;
    if (PS_CALLOC_ARRAY(idx, data->count ? data->count : 1) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < data->count; i++)
        idx[i] = i;
    const size_t B = (size_t)tr->cfg.train.batch_size;
    double loss_sum = 0.0;
    size_t correct_sum = 0;
    for (size_t first = 0; first < data->count; first += B) {
        const size_t n = first + B <= data->count ? B : data->count - first;
        job j = {tr, data, idx + first, n, 0, 0, 0, 0.0f, pred ? pred + first : NULL,
                 logits ? logits + first * (size_t)tr->classes : NULL};
        double l;
        int c;
        run_job(&j, &l, &c);
        loss_sum += l;
        correct_sum += (size_t)c;
    }
    free(idx);
    tr->stats.samples_evaluated += data->count;
    const double n = data->count ? (double)data->count : 1.0;
    if (loss)
        *loss = loss_sum / n;
    if (accuracy)
        *accuracy = (double)correct_sum / n;
    return PS_OK;
}

ps_status ps_trainer_trace(ps_trainer *tr, const uint8_t *levels, float *logits,
                           ps_trainer_trace_fn fn, void *ctx, ps_error *err)
{
    (void)err;
    const ps_train_params *p = &tr->cfg.train;
    ps_train_data d = {1, p->timesteps, (size_t)(p->in_c * p->in_h * p->in_w), p->in_c, p->in_h,
                       p->in_w, (uint8_t *)levels, NULL, tr->classes};
    const size_t zero = 0;
    worker *w = &tr->workers[0];
    chunk_forward(tr, w, &d, &zero, 1);
    memcpy(logits, w->logits, (size_t)tr->classes * sizeof *logits);
    if (!fn)
        return PS_OK;
    for (int t = 0; t < tr->T; t++)
        for (int i = 0; i < tr->n_layers; i++) {
            const tlayer *l = &tr->layers[i];
            const size_t n = l->out_size, off = (size_t)t * n;
            if (l->neuron == PS_NEURON_INTEGRATOR)
                fn(ctx, t, i, w->mem[i] + off, w->mem[i] + off, n);
            else
                fn(ctx, t, i, w->act[i] + off, l->neuron == PS_NEURON_LIF ? w->mem[i] + off : NULL, n);
        }
    return PS_OK;
}

/* ---- export ------------------------------------------------------------ */

static const char *method_name(int m) { return method_choices[m]; }

ps_status ps_trainer_export(ps_trainer *tr, ps_workload *w, ps_error *err)
{
    const ps_train_params *p = &tr->cfg.train;
    for (int i = 0; i < tr->n_layers; i++) {
        const tlayer *l = &tr->layers[i];
        ps_layer *nl = &tr->net_layers[i];
        memset(nl, 0, sizeof *nl);
        nl->kind = l->kind == L_CONV ? PS_LAYER_CONV2D : l->kind == L_POOL ? PS_LAYER_AVGPOOL2D : PS_LAYER_LINEAR;
        nl->neuron = (ps_neuron_kind)l->neuron;
        nl->in_c = l->s.c, nl->in_h = l->s.h, nl->in_w = l->s.w;
        nl->out_c = l->s.oc, nl->out_h = l->s.oh, nl->out_w = l->s.ow;
        if (l->kind != L_LINEAR)
            nl->kernel = l->s.k, nl->stride = l->s.stride, nl->padding = l->s.pad;
        if (l->kind == L_POOL)
            continue;
        nl->rows = l->rows, nl->cols = l->cols;
        nl->weight_per_uS = tr->cfg.device.weight_per_uS;
        const ps_device_key key = layer_key(tr, l);
        for (size_t j = 0; j < l->nw; j++) {
            const size_t q = l->woff + j;
            float gp, gn;
            if (p->method == PS_TRAIN_WEIGHT_TUNING) {
                /* program the trained weight onto the pair, with the device's noise */
                const double wt = (double)tr->params[q] / (double)tr->scale;
                double a, b;
                ps_status s = ps_device_program(tr->dev, key, 2 * j, wt > 0 ? wt : 0.0, &a);
                if (s == PS_OK)
                    s = ps_device_program(tr->dev, key, 2 * j + 1, wt < 0 ? -wt : 0.0, &b);
                if (s != PS_OK)
                    return ps_error_set(err, s, "layer %d: programming: %s", i, ps_status_message(s));
                gp = (float)a, gn = (float)b;
            } else if (tr->mask[q]) {
                gp = tr->form_gp[q], gn = tr->form_gn[q];
            } else {
                /* pruned: RESET on the chip (drawn at create), exact zero in software */
                gp = tr->reset_gp[q], gn = tr->reset_gn[q];
            }
            tr->exp_gp[q] = gp, tr->exp_gn[q] = gn;
            /* from now on the forward pass uses exactly the chip's weights */
            tr->weff[q] = weight_of(tr->cfg.device.weight_per_uS, gp, gn);
        }
        nl->g_pos_uS = tr->exp_gp + l->woff;
        nl->g_neg_uS = tr->exp_gn + l->woff;
        nl->keep = tr->mask + l->woff;
    }
    memset(&w->net, 0, sizeof w->net);
    w->net.timesteps = p->timesteps;
    w->net.in_c = p->in_c, w->net.in_h = p->in_h, w->net.in_w = p->in_w;
    w->net.input_max_level = p->input_max_level;
    w->net.leak = p->leak, w->net.v_th = p->v_th, w->net.negative_slope = p->negative_slope;
    w->net.n_layers = tr->n_layers;
    w->net.layers = tr->net_layers;
    w->frames = tr->cfg.frames;
    w->early_stop_alpha = p->early_stop_alpha;
    w->early_stop_theta = p->early_stop_theta;
    snprintf(w->info.method, sizeof w->info.method, "%s", method_name(p->method));
    snprintf(w->info.recipe, sizeof w->info.recipe, "%s", p->name);
    w->info.seed = p->seed;
    w->info.epochs = p->method == PS_TRAIN_RANDOM_UNPRUNED ? 0 : p->epochs;
    w->storage = NULL;
    return ps_network_check(&w->net, err);
}

/* state: "PSTS", nw, adam step, the counters, then params, adam_m, adam_v */
#define STATE_MAGIC 0x53545350u

ps_status ps_trainer_save_state(const ps_trainer *tr, ps_bytes *out, ps_error *err)
{
    ps_bytes_put_u32(out, STATE_MAGIC);
    ps_bytes_put_u64(out, tr->nw);
    ps_bytes_put_u64(out, (uint64_t)tr->adam.step);
    ps_bytes_put_u64(out, tr->stats.samples_trained);
    ps_bytes_put_u64(out, tr->stats.steps);
    ps_bytes_put_u64(out, tr->stats.samples_evaluated);
    ps_bytes_put_f64(out, tr->stats.train_seconds);
    const float *arrays[] = {tr->params, tr->adam_m, tr->adam_v};
    for (size_t a = 0; a < 3; a++)
        for (size_t j = 0; j < tr->nw; j++)
            ps_bytes_put_f32(out, arrays[a][j]);
    if (out->status != PS_OK)
        return ps_error_set(err, out->status, "trainer state: out of memory");
    return PS_OK;
}

ps_status ps_trainer_load_state(ps_trainer *tr, const void *data, size_t size, ps_error *err)
{
    ps_reader r = ps_reader_of(data, size);
    const uint32_t magic = ps_reader_u32(&r);
    const uint64_t nw = ps_reader_u64(&r);
    if (r.overrun || magic != STATE_MAGIC)
        return ps_error_set(err, PS_ERR_FORMAT, "trainer state: not a trainer state");
    if (nw != tr->nw || size != 4 + 6 * 8 + 3 * 4 * (size_t)nw)
        return ps_error_set(err, PS_ERR_FORMAT,
                            "trainer state: %llu parameters in %zu bytes, this network has %zu",
                            (unsigned long long)nw, size, tr->nw);
    tr->adam.step = (int64_t)ps_reader_u64(&r);
    tr->stats.samples_trained = ps_reader_u64(&r);
    tr->stats.steps = ps_reader_u64(&r);
    tr->stats.samples_evaluated = ps_reader_u64(&r);
    tr->stats.train_seconds = ps_reader_f64(&r);
    float *arrays[] = {tr->params, tr->adam_m, tr->adam_v};
    for (size_t a = 0; a < 3; a++)
        for (size_t j = 0; j < tr->nw; j++)
            arrays[a][j] = ps_reader_f32(&r);
    ps_trainer_refresh(tr);
    return PS_OK;
}
