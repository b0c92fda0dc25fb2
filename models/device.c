#include "device.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/rng.h"

static const char *const dist_choices[] = {"gaussian", "mixture", "table", NULL};
static const char *const noise_on_choices[] = {"weight", "cell", NULL};

#define PRIME_REF "PRIME reference code (Wang et al. 2024, arXiv 2407.18625), see docs/prime.md"

static const ps_param_desc device_params[] = {
    PS_PARAM_DOUBLE(ps_device_params, g_min_uS, 0.0, 0.0, 1e4, "uS",
                    "lowest conductance; value of a stuck-at-off device", NULL),
    PS_PARAM_DOUBLE_POS(ps_device_params, g_max_uS, 100.0, 1e5, "uS",
                        "highest conductance; value of a stuck-at-on device", NULL),
    PS_PARAM_ENUM(ps_device_params, distribution, "gaussian", dist_choices,
                  "distribution of a freshly formed conductance", NULL),
    PS_PARAM_DOUBLE(ps_device_params, form_mean_uS, 20.0, 0.0, 1e5, "uS",
                    "mean of a formed device (4.45 std above 0 µS, so clipping is < 1e-5)", NULL),
    PS_PARAM_DOUBLE(ps_device_params, form_std_uS, 6.352 / 1.4142135623730951, 0.0, 1e5, "uS",
                    "std of one formed device; G+ - G- of two has sqrt(2) times this (6.352 µS)",
                    PRIME_REF " §1: w = G+ - G- ~ N(0, 6.352^2) µS"),
    PS_PARAM_DOUBLE(ps_device_params, mix2_weight, 0.0, 0.0, 1.0, "",
                    "mixture: probability of the second Gaussian component", NULL),
    PS_PARAM_DOUBLE(ps_device_params, mix2_mean_uS, 0.0, 0.0, 1e5, "uS",
                    "mixture: mean of the second component", NULL),
    PS_PARAM_DOUBLE(ps_device_params, mix2_std_uS, 0.5, 0.0, 1e5, "uS",
                    "mixture: std of the second component", NULL),
    PS_PARAM_DOUBLE(ps_device_params, weight_per_uS, 0.01, -1e6, 1e6, "1/uS",
                    "network weight per µS of G+ - G- (the edge-popup scale)",
                    PRIME_REF " §1: scale 0.01 for classification (0.003 for inpainting)"),
    PS_PARAM_DOUBLE(ps_device_params, reset_mean_uS, 0.5, 0.0, 1e5, "uS",
                    "mean conductance of a device RESET to the off state (pruned)", NULL),
    PS_PARAM_DOUBLE(ps_device_params, reset_std_uS, 0.1, 0.0, 1e5, "uS",
                    "std of the off state after RESET", NULL),
    PS_PARAM_DOUBLE(ps_device_params, program_noise_rel, 0.0, 0.0, 10.0, "",
                    "relative std of a targeted write: G = target (1 + s N)", NULL),
    PS_PARAM_DOUBLE(ps_device_params, read_noise_rel, 0.02, 0.0, 10.0, "",
                    "relative std of every read: x' = x (1 + s N), fresh N per read",
                    PRIME_REF " §5: multiplicative Gaussian, sigma = 0.02 at test time"),
    PS_PARAM_ENUM(ps_device_params, read_noise_on, "weight", noise_on_choices,
                  "read noise on the pair's weight (reference code) or on each device", PRIME_REF),
    PS_PARAM_DOUBLE(ps_device_params, stuck_on_rate, 0.0, 0.0, 1.0, "",
                    "fraction of devices stuck at g_max", NULL),
    PS_PARAM_DOUBLE(ps_device_params, stuck_off_rate, 0.0, 0.0, 1.0, "",
                    "fraction of devices stuck at g_min", NULL),
    PS_PARAM_DOUBLE(ps_device_params, drift_nu, 0.0, 0.0, 1.0, "",
                    "power-law drift exponent: G(t) = G0 (t/t0)^-nu; 0 = no drift", NULL),
    PS_PARAM_DOUBLE_POS(ps_device_params, drift_t0_s, 1.0, 1e12, "s",
                        "time after programming at which the conductance is G0", NULL),
};

const ps_param_table ps_device_param_table =
    PS_PARAM_TABLE("device", "memristor device: formed conductances, RESET, noise, faults, drift",
                   ps_device_params, device_params);

struct ps_device {
    ps_device_params p;
    double *tab_g;   /* table: conductances */
    double *tab_cdf; /* table: cumulative probability (cdf mode: given; pmf: normalised sums) */
    size_t tab_count;
    bool tab_is_cdf;
    ps_device_stats stats;
};

ps_status ps_device_table_check(const ps_device_table *t, ps_error *err)
{
    if (!t || !t->g_uS || !t->value || t->count == 0)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "device table: empty");
    double total = 0.0;
    for (size_t k = 0; k < t->count; k++) {
        const double g = t->g_uS[k], v = t->value[k];
        if (!isfinite(g) || !isfinite(v))
            return ps_error_set(err, PS_ERR_FORMAT, "device table entry %zu: not a finite number", k);
        if (g < 0.0)
            return ps_error_set(err, PS_ERR_RANGE, "device table entry %zu: negative conductance %g uS",
                                k, g);
        if (k > 0 && !(g > t->g_uS[k - 1]))
            return ps_error_set(err, PS_ERR_FORMAT,
                                "device table entry %zu: conductance %g uS is not above the previous %g uS",
                                k, g, t->g_uS[k - 1]);
        if (v < 0.0)
            return ps_error_set(err, PS_ERR_RANGE, "device table entry %zu: negative %s %g", k,
                                t->is_cdf ? "cdf" : "probability", v);
        if (t->is_cdf) {
            if (v > 1.0 + 1e-9)
                return ps_error_set(err, PS_ERR_RANGE, "device table entry %zu: cdf %g above 1", k, v);
            if (k > 0 && v < t->value[k - 1])
                return ps_error_set(err, PS_ERR_FORMAT,
                                    "device table entry %zu: cdf %g decreases (previous %g)", k, v,
                                    t->value[k - 1]);
        }
        total += v;
    }
    if (t->is_cdf && fabs(t->value[t->count - 1] - 1.0) > 1e-6)
        return ps_error_set(err, PS_ERR_FORMAT, "device table: the last cdf value is %g, not 1",
                            t->value[t->count - 1]);
    if (!t->is_cdf && !(total > 0.0))
        return ps_error_set(err, PS_ERR_FORMAT, "device table: probabilities sum to 0");
    return PS_OK;
}

ps_status ps_device_create(const ps_device_params *params, const ps_device_table *table,
                           ps_error *err, ps_device **out)
{
    if (!out || !params)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "device: NULL argument");
    *out = NULL;
    ps_status st = ps_params_validate(&ps_device_param_table, params, err);
    if (st != PS_OK) {
        ps_error_prefix(err, "device");
        return st;
    }
    if (!(params->g_max_uS > params->g_min_uS))
        return ps_error_set(err, PS_ERR_RANGE, "device: g_max_uS %g must be above g_min_uS %g",
                            params->g_max_uS, params->g_min_uS);
    if (params->stuck_on_rate + params->stuck_off_rate > 1.0)
        return ps_error_set(err, PS_ERR_RANGE,
                            "device: stuck_on_rate + stuck_off_rate = %g exceeds 1",
                            params->stuck_on_rate + params->stuck_off_rate);
    const bool use_table = params->distribution == PS_DEVICE_DIST_TABLE;
    if (use_table) {
        if (!table)
            return ps_error_set(err, PS_ERR_INVALID_ARG,
                                "device: distribution is 'table' but no table was given");
        if ((st = ps_device_table_check(table, err)) != PS_OK)
            return st;
    }
    ps_device *dev = NULL;
    if ((st = ps_calloc(1, sizeof *dev, &dev)) != PS_OK)
        return ps_error_set(err, st, "device: out of memory");
    dev->p = *params;
    if (use_table) {
        const size_t n = table->count;
        if (PS_CALLOC_ARRAY(dev->tab_g, n) != PS_OK || PS_CALLOC_ARRAY(dev->tab_cdf, n) != PS_OK) {
            ps_device_destroy(dev);
            return ps_error_set(err, PS_ERR_NOMEM, "device: out of memory for the table");
        }
        double total = 0.0;
        for (size_t k = 0; k < n; k++)
            total += table->value[k];
        double cum = 0.0;
        for (size_t k = 0; k < n; k++) {
            dev->tab_g[k] = table->g_uS[k];
            cum += table->value[k];
            dev->tab_cdf[k] = table->is_cdf ? table->value[k] : cum / total;
        }
        dev->tab_cdf[n - 1] = 1.0; /* rounding must not leave a gap at the top */
        dev->tab_count = n;
        dev->tab_is_cdf = table->is_cdf;
    }
    *out = dev;
    return PS_OK;
}

void ps_device_reset(ps_device *dev)
{
    if (dev) {
        ps_device_stats zero = {0, 0, 0, 0, 0, 0};
        dev->stats = zero;
    }
}

void ps_device_destroy(ps_device *dev)
{
    if (!dev)
        return;
    free(dev->tab_g);
    free(dev->tab_cdf);
    free(dev);
}

ps_status ps_device_stats_get(const ps_device *dev, ps_device_stats *stats)
{
    if (!dev || !stats)
        return PS_ERR_INVALID_ARG;
    *stats = dev->stats;
    return PS_OK;
}

const ps_device_params *ps_device_get_params(const ps_device *dev) { return &dev->p; }

static inline uint64_t sub(ps_device_key key, uint64_t purpose)
{
    return ps_rng_substream(key.stream, purpose);
}

static inline double clip(const ps_device *dev, double g)
{
    if (g < dev->p.g_min_uS) return dev->p.g_min_uS;
    if (g > dev->p.g_max_uS) return dev->p.g_max_uS;
    return g;
}

ps_device_fault ps_device_fault_of(const ps_device *dev, ps_device_key key, uint64_t cell)
{
    const double off = dev->p.stuck_off_rate, on = dev->p.stuck_on_rate;
    if (off <= 0.0 && on <= 0.0)
        return PS_DEVICE_OK;
    const double u = ps_rng_uniform(key.seed, sub(key, PS_DEVICE_PURPOSE_FAULT), cell);
    if (u < off) return PS_DEVICE_STUCK_OFF;
    if (u < off + on) return PS_DEVICE_STUCK_ON;
    return PS_DEVICE_OK;
}

/* True (and *g = stuck value, counted) if the cell is stuck. */
static bool stuck(ps_device *dev, ps_device_key key, uint64_t cell, double *g)
{
    switch (ps_device_fault_of(dev, key, cell)) {
    case PS_DEVICE_STUCK_OFF: *g = dev->p.g_min_uS; dev->stats.cells_stuck_off++; return true;
    case PS_DEVICE_STUCK_ON: *g = dev->p.g_max_uS; dev->stats.cells_stuck_on++; return true;
    default: return false;
    }
}

static double table_draw(const ps_device *dev, double u)
{
    /* First k with cdf[k] >= u (binary search). */
    size_t lo = 0, hi = dev->tab_count - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dev->tab_cdf[mid] >= u) hi = mid;
        else lo = mid + 1;
    }
    if (!dev->tab_is_cdf || lo == 0)
        return dev->tab_g[lo];
    const double c0 = dev->tab_cdf[lo - 1], c1 = dev->tab_cdf[lo];
    const double f = c1 > c0 ? (u - c0) / (c1 - c0) : 1.0;
    return dev->tab_g[lo - 1] + f * (dev->tab_g[lo] - dev->tab_g[lo - 1]);
}

ps_status ps_device_form(ps_device *dev, ps_device_key key, uint64_t cell, double *g_uS)
{
    if (!dev || !g_uS)
        return PS_ERR_INVALID_ARG;
    dev->stats.cells_formed++;
    if (stuck(dev, key, cell, g_uS))
        return PS_OK;
    const ps_device_params *p = &dev->p;
    double g;
    switch (p->distribution) {
    case PS_DEVICE_DIST_GAUSSIAN:
    case PS_DEVICE_DIST_MIXTURE: {
        const bool second =
            p->distribution == PS_DEVICE_DIST_MIXTURE &&
            ps_rng_uniform(key.seed, sub(key, PS_DEVICE_PURPOSE_FORM_PICK), cell) < p->mix2_weight;
        const double z = ps_rng_normal(key.seed, sub(key, PS_DEVICE_PURPOSE_FORM), cell);
        g = second ? p->mix2_mean_uS + p->mix2_std_uS * z : p->form_mean_uS + p->form_std_uS * z;
        break;
    }
    case PS_DEVICE_DIST_TABLE:
        g = table_draw(dev, ps_rng_uniform(key.seed, sub(key, PS_DEVICE_PURPOSE_FORM), cell));
        break;
    default:
        return PS_ERR_INVALID_ARG;
    }
    *g_uS = clip(dev, g);
    return PS_OK;
}

ps_status ps_device_program(ps_device *dev, ps_device_key key, uint64_t cell, double target_uS,
                            double *g_uS)
{
    if (!dev || !g_uS || !isfinite(target_uS))
        return PS_ERR_INVALID_ARG;
    dev->stats.cells_programmed++;
    if (stuck(dev, key, cell, g_uS))
        return PS_OK;
    double g = target_uS;
    if (dev->p.program_noise_rel > 0.0)
        g *= 1.0 + dev->p.program_noise_rel *
                       ps_rng_normal(key.seed, sub(key, PS_DEVICE_PURPOSE_PROGRAM), cell);
    *g_uS = clip(dev, g);
    return PS_OK;
}

ps_status ps_device_reset_cell(ps_device *dev, ps_device_key key, uint64_t cell, double *g_uS)
{
    if (!dev || !g_uS)
        return PS_ERR_INVALID_ARG;
    dev->stats.cells_reset++;
    if (stuck(dev, key, cell, g_uS))
        return PS_OK;
    const double g = dev->p.reset_mean_uS +
                     dev->p.reset_std_uS * ps_rng_normal(key.seed, sub(key, PS_DEVICE_PURPOSE_RESET), cell);
    *g_uS = clip(dev, g);
    return PS_OK;
}

ps_status ps_device_form_pair(ps_device *dev, ps_device_key key, uint64_t pair, double *g_pos_uS,
                              double *g_neg_uS)
{
    ps_status st = ps_device_form(dev, key, 2 * pair, g_pos_uS);
    return st != PS_OK ? st : ps_device_form(dev, key, 2 * pair + 1, g_neg_uS);
}

ps_status ps_device_reset_pair(ps_device *dev, ps_device_key key, uint64_t pair, double *g_pos_uS,
                               double *g_neg_uS)
{
    ps_status st = ps_device_reset_cell(dev, key, 2 * pair, g_pos_uS);
    return st != PS_OK ? st : ps_device_reset_cell(dev, key, 2 * pair + 1, g_neg_uS);
}

double ps_device_pair_weight(const ps_device *dev, double g_pos_uS, double g_neg_uS)
{
    return dev->p.weight_per_uS * (g_pos_uS - g_neg_uS);
}

double ps_device_read(ps_device *dev, ps_device_key key, uint64_t read_id, uint64_t cell,
                      double g_uS)
{
    dev->stats.cell_reads++;
    if (dev->p.read_noise_rel <= 0.0)
        return g_uS;
    const uint64_t stream = ps_rng_substream(sub(key, PS_DEVICE_PURPOSE_READ), read_id);
    return g_uS * (1.0 + dev->p.read_noise_rel * ps_rng_normal(key.seed, stream, cell));
}

double ps_device_drift(const ps_device *dev, double g0_uS, double t_s)
{
    const double nu = dev->p.drift_nu, t0 = dev->p.drift_t0_s;
    if (nu <= 0.0 || !(t_s > t0))
        return g0_uS;
    const double g = g0_uS * pow(t_s / t0, -nu);
    return g < dev->p.g_min_uS ? dev->p.g_min_uS : g;
}
