#include "early_stop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define PRIME_SEC4 "PRIME (Wang et al. 2024, arXiv 2407.18625), docs/prime.md sec. 4 (early stop)"
#define HOROWITZ "Horowitz, ISSCC 2014, 45 nm 0.9 V, via docs/energy_sources.md"

static const ps_param_desc early_stop_params[] = {
    PS_PARAM_DOUBLE_POS(ps_early_stop_params, alpha, 2.0, 1e6, "",
                        "softmax temperature: p = softmax(o / alpha)", PRIME_SEC4),
    PS_PARAM_DOUBLE(ps_early_stop_params, theta, 0.8, 0.0, 1.0, "",
                    "classification: stop when max p > theta", PRIME_SEC4),
    PS_PARAM_DOUBLE(ps_early_stop_params, consistency_theta, 0.2, 0.0, 1e12, "",
                    "inpainting: stop when m(t) < m(t-1) < m(t-2) and m(t) < theta", PRIME_SEC4),
    PS_PARAM_DOUBLE_POS(ps_early_stop_params, consistency_scale, 100.0, 1e12, "",
                        "m(t) = sum of |R_t - R_{t-1}| over pixels divided by this", PRIME_SEC4),
    PS_PARAM_BOOL(ps_early_stop_params, consistency_from_zero, true,
                  "R_0 = 0 so m(1) exists and the earliest stop is t = 3 (design choice: "
                  "PRIME's 'earliest stop after 3 steps')",
                  NULL),
    PS_PARAM_DOUBLE(ps_early_stop_params, add_pj, 0.9, 0.0, 1e6, "pJ",
                    "one fp32 add or subtract of the decision unit", HOROWITZ " (fp32 add)"),
    PS_PARAM_DOUBLE(ps_early_stop_params, mult_pj, 3.7, 0.0, 1e6, "pJ",
                    "one fp32 multiply", HOROWITZ " (fp32 mult)"),
    PS_PARAM_DOUBLE(ps_early_stop_params, div_pj, 14.8, 0.0, 1e6, "pJ",
                    "one fp32 divide; design choice: Newton-Raphson reciprocal, 4 fp32 mults",
                    NULL),
    PS_PARAM_DOUBLE(ps_early_stop_params, exp_pj, 22.1, 0.0, 1e6, "pJ",
                    "one fp32 exp; design choice: range reduction + degree-4 polynomial, "
                    "5 mults + 4 adds",
                    NULL),
    PS_PARAM_DOUBLE(ps_early_stop_params, cmp_pj, 0.9, 0.0, 1e6, "pJ",
                    "one fp32 compare; design choice: costed as an fp32 subtract", NULL),
    PS_PARAM_INT(ps_early_stop_params, lanes, 1, 1, 1 << 20, "",
                 "element-wise operations per cycle (adds, mults, compares, exps)", NULL),
    PS_PARAM_INT(ps_early_stop_params, exp_cycles, 4, 1, 1000000, "cycles",
                 "latency of one exp per lane group (design choice)", NULL),
    PS_PARAM_INT(ps_early_stop_params, div_cycles, 4, 1, 1000000, "cycles",
                 "latency of one divide (design choice)", NULL),
};

const ps_param_table ps_early_stop_param_table =
    PS_PARAM_TABLE("early_stop",
                   "dynamic early stop: softmax confidence or consistency score, decision cost",
                   ps_early_stop_params, early_stop_params);

enum { MODE_NONE = 0, MODE_CLASSIFY, MODE_CONSISTENCY };

struct ps_early_stop {
    ps_early_stop_params p;
    int mode;
    size_t n;         /* classes or pixels of the current sample */
    int64_t t;        /* steps fed so far */
    double *sum;      /* classification: running sums, n */
    float *prev;      /* inpainting: R_{t-1}, n */
    size_t capacity;  /* elements allocated in sum and prev */
    double m1, m2;    /* m(t-1), m(t-2) */
    ps_early_stop_stats stats;
};

/* Decision cost, op by op.
 * Classification, K classes, per step:
 *   S_j += U_j                          K adds
 *   S_max, argmax                       K-1 compares
 *   r = 1 / (t * alpha)                 1 mult, 1 divide
 *   z_j = (S_j - S_max) * r             K adds, K mults
 *   e_j = exp(z_j), sum                 K exps, K-1 adds
 *   max p = 1 / sum, max p > theta      1 divide, 1 compare
 * Consistency, P pixels, per step with m(t) defined:
 *   |R_t - R_{t-1}| summed              P subtracts (abs is a sign clear), P-1 adds
 *   / scale                             1 divide
 *   m(t) < m(t-1), m(t-1) < m(t-2), m(t) < theta   3 compares */
ps_early_stop_ops ps_early_stop_classify_ops(size_t n_classes)
{
    ps_early_stop_ops o = {0, 0, 0, 0, 0};
    if (n_classes == 0)
        return o;
    uint64_t k = n_classes;
    o.adds = 3 * k - 1;
    o.mults = k + 1;
    o.divs = 2;
    o.exps = k;
    o.cmps = k;
    return o;
}

ps_early_stop_ops ps_early_stop_consistency_ops(size_t n_pixels)
{
    ps_early_stop_ops o = {0, 0, 0, 0, 0};
    if (n_pixels == 0)
        return o;
    o.adds = 2 * (uint64_t)n_pixels - 1;
    o.divs = 1;
    o.cmps = 3;
    return o;
}

double ps_early_stop_ops_energy_pj(const ps_early_stop_params *p, const ps_early_stop_ops *o)
{
    return (double)o->adds * p->add_pj + (double)o->mults * p->mult_pj +
           (double)o->divs * p->div_pj + (double)o->exps * p->exp_pj +
           (double)o->cmps * p->cmp_pj;
}

int64_t ps_early_stop_ops_cycles(const ps_early_stop_params *p, const ps_early_stop_ops *o)
{
    uint64_t lanes = (uint64_t)p->lanes;
    uint64_t simple = o->adds + o->mults + o->cmps;
    uint64_t c = (simple + lanes - 1) / lanes + (o->exps + lanes - 1) / lanes * (uint64_t)p->exp_cycles +
                 o->divs * (uint64_t)p->div_cycles;
    return (int64_t)c;
}

static void add_ops(ps_early_stop_stats *s, const ps_early_stop_params *p,
                    const ps_early_stop_ops *o)
{
    s->ops.adds += o->adds;
    s->ops.mults += o->mults;
    s->ops.divs += o->divs;
    s->ops.exps += o->exps;
    s->ops.cmps += o->cmps;
    s->cycles += ps_early_stop_ops_cycles(p, o);
    s->energy_pj += ps_early_stop_ops_energy_pj(p, o);
}

/* max p_t and argmax from the running sums after t steps. Shared by the
 * stateful step and the trace so both give the same bits. */
static double confidence(const double *sum, size_t k, int64_t t, double alpha, int32_t *argmax)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (sum[j] > sum[best])
            best = j;
    double r = 1.0 / ((double)t * alpha);
    double z = 0.0;
    for (size_t j = 0; j < k; j++)
        z += exp((sum[j] - sum[best]) * r);
    *argmax = (int32_t)best;
    return 1.0 / z;
}

/* m from R_t and R_{t-1} (NULL = the zero image). */
static double consistency(const float *r, const float *prev, size_t n, double scale)
{
    double s = 0.0;
    if (prev)
        for (size_t i = 0; i < n; i++)
            s += fabs((double)r[i] - (double)prev[i]);
    else
        for (size_t i = 0; i < n; i++)
            s += fabs((double)r[i]);
    return s / scale;
}

/* The rule on m(t), m(t-1), m(t-2); NaN (undefined) never satisfies it. */
static bool consistent(double m0, double m1, double m2, double theta)
{
    return m0 < m1 && m1 < m2 && m0 < theta;
}

ps_status ps_early_stop_create(const ps_early_stop_params *p, ps_error *err,
                               ps_early_stop **out)
{
    if (!p || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "early_stop: NULL argument");
    *out = NULL;
    ps_status s = ps_params_validate(&ps_early_stop_param_table, p, err);
    if (s != PS_OK)
        return s;
    ps_early_stop *es = NULL;
    s = ps_calloc(1, sizeof *es, &es);
    if (s != PS_OK)
        return ps_error_set(err, s, "early_stop: out of memory");
    es->p = *p;
    es->m1 = es->m2 = NAN;
    *out = es;
    return PS_OK;
}

void ps_early_stop_destroy(ps_early_stop *es)
{
    if (!es)
        return;
    free(es->sum);
    free(es->prev);
    free(es);
}

void ps_early_stop_reset(ps_early_stop *es)
{
    if (!es)
        return;
    memset(&es->stats, 0, sizeof es->stats);
    es->mode = MODE_NONE;
    es->n = 0;
    es->t = 0;
    es->m1 = es->m2 = NAN;
}

ps_status ps_early_stop_stats_get(const ps_early_stop *es, ps_early_stop_stats *out)
{
    if (!es || !out)
        return PS_ERR_INVALID_ARG;
    *out = es->stats;
    return PS_OK;
}

const ps_early_stop_params *ps_early_stop_get_params(const ps_early_stop *es) { return &es->p; }

static ps_status reserve(ps_early_stop *es, size_t n)
{
    if (n <= es->capacity)
        return PS_OK;
    ps_status s = ps_realloc(n, sizeof *es->sum, &es->sum);
    if (s == PS_OK)
        s = ps_realloc(n, sizeof *es->prev, &es->prev);
    if (s == PS_OK)
        es->capacity = n;
    return s;
}

static ps_status begin(ps_early_stop *es, size_t n, int mode)
{
    if (!es || n == 0)
        return PS_ERR_INVALID_ARG;
    ps_status s = reserve(es, n);
    if (s != PS_OK)
        return s;
    es->mode = mode;
    es->n = n;
    es->t = 0;
    es->m1 = es->m2 = NAN;
    if (mode == MODE_CLASSIFY)
        for (size_t j = 0; j < n; j++)
            es->sum[j] = 0.0;
    return PS_OK;
}

ps_status ps_early_stop_begin_classify(ps_early_stop *es, size_t n_classes)
{
    return begin(es, n_classes, MODE_CLASSIFY);
}

ps_status ps_early_stop_begin_consistency(ps_early_stop *es, size_t n_pixels)
{
    return begin(es, n_pixels, MODE_CONSISTENCY);
}

ps_status ps_early_stop_classify_step(ps_early_stop *es, const float *output,
                                      ps_early_stop_decision *out)
{
    if (!es || !output || !out || es->mode != MODE_CLASSIFY)
        return PS_ERR_INVALID_ARG;
    for (size_t j = 0; j < es->n; j++)
        es->sum[j] += (double)output[j];
    es->t++;
    int32_t pred;
    double conf = confidence(es->sum, es->n, es->t, es->p.alpha, &pred);
    out->t = es->t;
    out->stop = conf > es->p.theta;
    out->prediction = pred;
    out->score = conf;
    ps_early_stop_ops ops = ps_early_stop_classify_ops(es->n);
    add_ops(&es->stats, &es->p, &ops);
    es->stats.decisions++;
    es->stats.stops += out->stop;
    return PS_OK;
}

ps_status ps_early_stop_consistency_step(ps_early_stop *es, const float *recon,
                                         ps_early_stop_decision *out)
{
    if (!es || !recon || !out || es->mode != MODE_CONSISTENCY)
        return PS_ERR_INVALID_ARG;
    es->t++;
    double m = NAN;
    if (es->t > 1)
        m = consistency(recon, es->prev, es->n, es->p.consistency_scale);
    else if (es->p.consistency_from_zero)
        m = consistency(recon, NULL, es->n, es->p.consistency_scale);
    out->t = es->t;
    out->stop = consistent(m, es->m1, es->m2, es->p.consistency_theta);
    out->prediction = -1;
    out->score = m;
    es->m2 = es->m1;
    es->m1 = m;
    memcpy(es->prev, recon, es->n * sizeof *recon);
    if (!isnan(m)) {
        ps_early_stop_ops ops = ps_early_stop_consistency_ops(es->n);
        add_ops(&es->stats, &es->p, &ops);
    }
    es->stats.decisions++;
    es->stats.stops += out->stop;
    return PS_OK;
}

ps_status ps_early_stop_classify_trace(double alpha, const float *outputs, size_t T, size_t K,
                                       double *conf, int32_t *pred)
{
    if (T == 0)
        return PS_OK;
    if (!outputs || !conf || K == 0 || !(alpha > 0.0))
        return PS_ERR_INVALID_ARG;
    double *sum = NULL;
    ps_status s = PS_CALLOC_ARRAY(sum, K);
    if (s != PS_OK)
        return s;
    for (size_t t = 0; t < T; t++) {
        for (size_t j = 0; j < K; j++)
            sum[j] += (double)outputs[t * K + j];
        int32_t best;
        conf[t] = confidence(sum, K, (int64_t)t + 1, alpha, &best);
        if (pred)
            pred[t] = best;
    }
    free(sum);
    return PS_OK;
}

size_t ps_early_stop_replay_confidence(const double *conf, size_t T, double theta)
{
    for (size_t t = 0; t < T; t++)
        if (conf[t] > theta)
            return t + 1;
    return T;
}

ps_status ps_early_stop_replay_classify(const ps_early_stop_params *p, const float *outputs,
                                        size_t T, size_t K, double theta, size_t *stop_step,
                                        int32_t *prediction)
{
    if (!p || !stop_step || !prediction || T == 0)
        return PS_ERR_INVALID_ARG;
    double *conf = NULL;
    int32_t *pred = NULL;
    ps_status s = PS_CALLOC_ARRAY(conf, T);
    if (s == PS_OK)
        s = PS_CALLOC_ARRAY(pred, T);
    if (s == PS_OK)
        s = ps_early_stop_classify_trace(p->alpha, outputs, T, K, conf, pred);
    if (s == PS_OK) {
        *stop_step = ps_early_stop_replay_confidence(conf, T, theta);
        *prediction = pred[*stop_step - 1];
    }
    free(conf);
    free(pred);
    return s;
}

ps_status ps_early_stop_consistency_trace(double scale, bool from_zero, const float *recons,
                                          size_t T, size_t P, double *m)
{
    if (T == 0)
        return PS_OK;
    if (!recons || !m || P == 0 || !(scale > 0.0))
        return PS_ERR_INVALID_ARG;
    m[0] = from_zero ? consistency(recons, NULL, P, scale) : NAN;
    for (size_t t = 1; t < T; t++)
        m[t] = consistency(recons + t * P, recons + (t - 1) * P, P, scale);
    return PS_OK;
}

size_t ps_early_stop_replay_consistency(const double *m, size_t T, double theta)
{
    for (size_t t = 2; t < T; t++)
        if (consistent(m[t], m[t - 1], m[t - 2], theta))
            return t + 1;
    return T;
}

ps_status ps_early_stop_replay_inpaint(const ps_early_stop_params *p, const float *recons,
                                       size_t T, size_t P, double theta, size_t *stop_step)
{
    if (!p || !stop_step || T == 0)
        return PS_ERR_INVALID_ARG;
    double *m = NULL;
    ps_status s = PS_CALLOC_ARRAY(m, T);
    if (s == PS_OK)
        s = ps_early_stop_consistency_trace(p->consistency_scale, p->consistency_from_zero,
                                            recons, T, P, m);
    if (s == PS_OK)
        *stop_step = ps_early_stop_replay_consistency(m, T, theta);
    free(m);
    return s;
}
