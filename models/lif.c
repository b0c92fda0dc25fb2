#include "lif.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/alloc.h"

static const char *const lif_formats[] = {"float", "fixed", NULL};
static const char *const lif_roundings[] = {"nearest", "floor", NULL};

#define PRIME_SEC2 "PRIME (Wang et al. 2024, arXiv 2407.18625), docs/prime.md sec. 2"
/* SATA_Sim 16-bit digital SNN PE op energies (docs/energy_sources.md,
 * low confidence): mul 0.239, add 0.00967, comp 0.00309, reg 0.0301 pJ. */
#define SATA_SIM "SATA_Sim energy_configs.py 16-bit PE, via docs/energy_sources.md"

static const ps_param_desc lif_params[] = {
    PS_PARAM_DOUBLE(ps_lif_params, leak, 0.2, 0.0, 1.0, "",
                    "lambda: factor on the previous membrane (0.2 = decay 0.8)", PRIME_SEC2),
    PS_PARAM_DOUBLE(ps_lif_params, v_th, 0.2, -1e6, 1e6, "",
                    "firing threshold: spike when U > v_th, then hard reset", PRIME_SEC2),
    PS_PARAM_DOUBLE(ps_lif_params, negative_slope, 0.1, 0.0, 1.0, "",
                    "LeakyReLU slope below zero (1 = no LeakyReLU)", PRIME_SEC2),
    PS_PARAM_DOUBLE(ps_lif_params, readout_decay, 0.0, 0.0, 1.0, "",
                    "output integrator: fraction of U lost per step (0 = no leak; a leaky "
                    "readout, NIR's LI)",
                    NULL),
    PS_PARAM_ENUM(ps_lif_params, format, "float", lif_formats,
                  "arithmetic: float32, or fixed point of total_bits/frac_bits", NULL),
    PS_PARAM_INT(ps_lif_params, total_bits, 16, 2, PS_LIF_MAX_TOTAL_BITS, "bits",
                 "fixed format: word width including sign", NULL),
    PS_PARAM_INT(ps_lif_params, frac_bits, 8, 0, PS_LIF_MAX_TOTAL_BITS - 1, "bits",
                 "fixed format: fraction bits (LSB = 2^-frac_bits), below total_bits", NULL),
    PS_PARAM_ENUM(ps_lif_params, rounding, "nearest", lif_roundings,
                  "fixed format: nearest (ties toward +inf) or floor (toward -inf)", NULL),
    PS_PARAM_INT(ps_lif_params, lanes, 16, 1, 1 << 20, "",
                 "neurons updated in parallel per group", NULL),
    PS_PARAM_INT(ps_lif_params, update_cycles, 1, 1, 1000000, "cycles",
                 "cycles per group of lanes", NULL),
    PS_PARAM_DOUBLE(ps_lif_params, update_energy_pj, 0.31505, 0.0, 1e6, "pJ",
                    "spiking update: mul + add + 2 comp + 2 reg = 0.239+0.00967+2*0.00309+"
                    "2*0.0301",
                    SATA_SIM),
    PS_PARAM_DOUBLE(ps_lif_params, integrate_energy_pj, 0.07296, 0.0, 1e6, "pJ",
                    "integrator update: add + comp + 2 reg = 0.00967+0.00309+2*0.0301", SATA_SIM),
    PS_PARAM_DOUBLE(ps_lif_params, rectify_energy_pj, 0.239, 0.0, 1e6, "pJ",
                    "extra per negative result scaled by negative_slope: one mul", SATA_SIM),
    PS_PARAM_DOUBLE(ps_lif_params, bias_add_energy_pj, 0.03977, 0.0, 1e6, "pJ",
                    "bias add of a layer with biases (imported networks): add + reg = "
                    "0.00967+0.0301",
                    SATA_SIM),
    PS_PARAM_DOUBLE(ps_lif_params, readout_leak_energy_pj, 0.239, 0.0, 1e6, "pJ",
                    "extra per output-integrator update with readout_decay > 0: one mul",
                    SATA_SIM),
};

const ps_param_table ps_lif_param_table =
    PS_PARAM_TABLE("lif", "digital LIF unit: PRIME neuron and output integrator, float or fixed",
                   ps_lif_params, lif_params);

struct ps_lif {
    ps_lif_params p;
    bool fixed;
    bool nearest;
    int frac;
    double scale;     /* 2^frac */
    float inv_scale;  /* 2^-frac, exact */
    int64_t qmin, qmax;
    int64_t half;     /* rounding addend of a product shift */
    int64_t leak_q, vth_q, slope_q, keep_q;
    float leak_f, vth_f, slope_f, keep_f; /* keep: 1 - readout_decay */
    bool decays;
    ps_lif_stats stats;
};

/* floor(x / 2^f) without relying on the sign behaviour of >> . */
static inline int64_t shr_floor(int64_t x, int f)
{
    if (x >= 0)
        return x >> f;
    uint64_t a = (uint64_t)(-(x + 1)); /* -x - 1 >= 0 */
    return -(int64_t)(a >> f) - 1;
}

static inline int64_t clamp_q(const ps_lif *u, int64_t x, uint64_t *sat)
{
    if (x > u->qmax) {
        ++*sat;
        return u->qmax;
    }
    if (x < u->qmin) {
        ++*sat;
        return u->qmin;
    }
    return x;
}

/* x in LSBs with the rounding mode, saturated; x must not be NaN. */
static inline int64_t to_fixed(const ps_lif *u, double x, bool nearest, uint64_t *sat)
{
    double s = x * u->scale;
    s = nearest ? floor(s + 0.5) : floor(s);
    if (s > (double)u->qmax) {
        ++*sat;
        return u->qmax;
    }
    if (s < (double)u->qmin) {
        ++*sat;
        return u->qmin;
    }
    return (int64_t)s;
}

/* c * v back to frac bits with the rounding mode (|c|, |v| < 2^23). */
static inline int64_t mul_q(const ps_lif *u, int64_t c, int64_t v)
{
    return shr_floor(c * v + u->half, u->frac);
}

ps_status ps_lif_create(const ps_lif_params *p, ps_error *err, ps_lif **out)
{
    if (!p || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "lif: NULL argument");
    *out = NULL;
    ps_status s = ps_params_validate(&ps_lif_param_table, p, err);
    if (s != PS_OK)
        return s;
    if (p->format == PS_LIF_FIXED && p->frac_bits >= p->total_bits)
        return ps_error_set(err, PS_ERR_RANGE, "frac_bits: %lld is not below total_bits %lld",
                            (long long)p->frac_bits, (long long)p->total_bits);
    ps_lif *u = NULL;
    s = ps_calloc(1, sizeof *u, &u);
    if (s != PS_OK)
        return ps_error_set(err, s, "lif: out of memory");
    u->p = *p;
    u->fixed = p->format == PS_LIF_FIXED;
    u->nearest = p->rounding == PS_LIF_ROUND_NEAREST;
    u->leak_f = (float)p->leak;
    u->vth_f = (float)p->v_th;
    u->slope_f = (float)p->negative_slope;
    u->keep_f = (float)(1.0 - p->readout_decay);
    u->decays = p->readout_decay != 0.0;
    if (u->fixed) {
        u->frac = (int)p->frac_bits;
        u->scale = ldexp(1.0, u->frac);
        u->inv_scale = (float)ldexp(1.0, -u->frac);
        u->qmax = ((int64_t)1 << (p->total_bits - 1)) - 1;
        u->qmin = -((int64_t)1 << (p->total_bits - 1));
        u->half = (u->nearest && u->frac > 0) ? (int64_t)1 << (u->frac - 1) : 0;
        uint64_t ignored = 0;
        u->leak_q = to_fixed(u, p->leak, true, &ignored);
        u->vth_q = to_fixed(u, p->v_th, true, &ignored);
        u->slope_q = to_fixed(u, p->negative_slope, true, &ignored);
        u->keep_q = to_fixed(u, 1.0 - p->readout_decay, true, &ignored);
    }
    *out = u;
    return PS_OK;
}

void ps_lif_destroy(ps_lif *lif) { free(lif); }

void ps_lif_reset(ps_lif *lif)
{
    if (lif) {
        ps_lif_stats zero = {0, 0, 0, 0, 0, 0, 0, 0.0};
        lif->stats = zero;
    }
}

ps_status ps_lif_stats_get(const ps_lif *lif, ps_lif_stats *out)
{
    if (!lif || !out)
        return PS_ERR_INVALID_ARG;
    *out = lif->stats;
    return PS_OK;
}

const ps_lif_params *ps_lif_get_params(const ps_lif *lif) { return &lif->p; }

int64_t ps_lif_cycles(const ps_lif *lif, size_t n)
{
    int64_t groups = (int64_t)((n + (size_t)lif->p.lanes - 1) / (size_t)lif->p.lanes);
    return groups * lif->p.update_cycles;
}

double ps_lif_lsb(const ps_lif *lif) { return lif->fixed ? 1.0 / lif->scale : 0.0; }

float ps_lif_represent(const ps_lif *lif, float x)
{
    if (!lif->fixed)
        return x;
    if (isnan(x))
        return 0.0f;
    uint64_t ignored = 0;
    return (float)to_fixed(lif, x, lif->nearest, &ignored) * lif->inv_scale;
}

static bool any_nan(const float *a, size_t n)
{
    bool bad = false;
    for (size_t i = 0; i < n; i++)
        bad |= isnan(a[i]);
    return bad;
}

ps_status ps_lif_step(ps_lif *u, float *membrane, uint8_t *spikes, const float *input, size_t n,
                      size_t *n_spikes)
{
    if (!u || (n && (!membrane || !spikes || !input)))
        return PS_ERR_INVALID_ARG;
    size_t fired = 0;
    uint64_t rectified = 0, sat = 0;
    if (!u->fixed) {
        const float lam = u->leak_f, vth = u->vth_f, a = u->slope_f;
        /* restrict and 32-bit counters let the loop vectorise (the arrays
         * never overlap: one layer's state). */
        float *restrict mem = membrane;
        uint8_t *restrict spk = spikes;
        const float *restrict in = input;
        uint32_t neg_count = 0, spike_count = 0;
        for (size_t i = 0; i < n; i++) {
            const float keep = (float)(spk[i] == 0);
            float v = (lam * mem[i]) * keep + in[i];
            const uint32_t neg = v < 0.0f;
            v = v * (neg ? a : 1.0f); /* x 1 is exact: branch-free LeakyReLU */
            const uint32_t s = v > vth;
            mem[i] = v;
            spk[i] = (uint8_t)s;
            neg_count += neg;
            spike_count += s;
        }
        rectified = neg_count;
        fired = spike_count;
    } else {
        if (any_nan(input, n) || any_nan(membrane, n))
            return PS_ERR_INVALID_ARG;
        const bool nearest = u->nearest;
        for (size_t i = 0; i < n; i++) {
            int64_t m = to_fixed(u, membrane[i], nearest, &sat);
            int64_t in = to_fixed(u, input[i], nearest, &sat);
            int64_t leaked = spikes[i] ? 0 : mul_q(u, u->leak_q, m);
            int64_t v = clamp_q(u, leaked + in, &sat);
            bool neg = v < 0;
            if (neg)
                v = mul_q(u, u->slope_q, v);
            uint8_t s = v > u->vth_q;
            membrane[i] = (float)v * u->inv_scale;
            spikes[i] = s;
            rectified += neg;
            fired += s;
        }
    }
    u->stats.updates += n;
    u->stats.spikes += fired;
    u->stats.rectified += rectified;
    u->stats.saturations += sat;
    u->stats.cycles += ps_lif_cycles(u, n);
    u->stats.energy_pj +=
        (double)n * u->p.update_energy_pj + (double)rectified * u->p.rectify_energy_pj;
    if (n_spikes)
        *n_spikes = fired;
    return PS_OK;
}

ps_status ps_lif_integrate(ps_lif *u, float *membrane, const float *input, size_t n)
{
    if (!u || (n && (!membrane || !input)))
        return PS_ERR_INVALID_ARG;
    uint64_t rectified = 0, sat = 0;
    if (!u->fixed) {
        const float a = u->slope_f, keep = u->keep_f;
        for (size_t i = 0; i < n; i++) {
            float v = keep * membrane[i] + input[i]; /* x 1 is exact: no decay, no change */
            bool neg = v < 0.0f;
            membrane[i] = neg ? a * v : v;
            rectified += neg;
        }
    } else {
        if (any_nan(input, n) || any_nan(membrane, n))
            return PS_ERR_INVALID_ARG;
        const bool nearest = u->nearest;
        for (size_t i = 0; i < n; i++) {
            int64_t m = to_fixed(u, membrane[i], nearest, &sat);
            if (u->decays)
                m = mul_q(u, u->keep_q, m);
            int64_t in = to_fixed(u, input[i], nearest, &sat);
            int64_t v = clamp_q(u, m + in, &sat);
            bool neg = v < 0;
            if (neg)
                v = mul_q(u, u->slope_q, v);
            membrane[i] = (float)v * u->inv_scale;
            rectified += neg;
        }
    }
    u->stats.integrations += n;
    u->stats.rectified += rectified;
    u->stats.saturations += sat;
    u->stats.cycles += ps_lif_cycles(u, n);
    u->stats.energy_pj +=
        (double)n * (u->p.integrate_energy_pj + (u->decays ? u->p.readout_leak_energy_pj : 0.0)) +
        (double)rectified * u->p.rectify_energy_pj;
    return PS_OK;
}

ps_status ps_lif_add_bias(ps_lif *u, float *input, const float *bias, size_t n)
{
    if (!u || (n && (!input || !bias)))
        return PS_ERR_INVALID_ARG;
    uint64_t sat = 0;
    if (!u->fixed) {
        for (size_t i = 0; i < n; i++)
            input[i] += bias[i];
    } else {
        if (any_nan(input, n) || any_nan(bias, n))
            return PS_ERR_INVALID_ARG;
        for (size_t i = 0; i < n; i++) {
            int64_t v = to_fixed(u, input[i], u->nearest, &sat) + to_fixed(u, bias[i], u->nearest, &sat);
            input[i] = (float)clamp_q(u, v, &sat) * u->inv_scale;
        }
    }
    u->stats.bias_adds += n;
    u->stats.saturations += sat;
    u->stats.cycles += ps_lif_cycles(u, n);
    u->stats.energy_pj += (double)n * u->p.bias_add_energy_pj;
    return PS_OK;
}
