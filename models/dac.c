#include "dac.h"

#include <stdlib.h>

#include "common/alloc.h"

static const ps_param_desc dac_params[] = {
    PS_PARAM_INT(ps_dac_params, bits, 1, 1, PS_DAC_MAX_BITS, "bits",
                 "resolution of the row driver; 1 = binary spikes (bit-serial inputs)",
                 "ISAAC (Shafiee et al., ISCA 2016) Table I: 1-bit DACs"),
    PS_PARAM_DOUBLE(ps_dac_params, energy_pj, 0.39, 0.0, 1e6, "pJ",
                    "energy of one activation: one row driven for one read cycle",
                    "ISAAC ISCA 2016 Table I: 4 mW for 8x128 1-bit DACs, x 100 ns cycle "
                    "(32 nm, unscaled)"),
    PS_PARAM_INT(ps_dac_params, latency_cycles, 1, 0, 1e6, "cycles",
                 "settling time of the driver before the array read", NULL),
};

const ps_param_table ps_dac_param_table =
    PS_PARAM_TABLE("dac", "DAC / word-line driver: bits, energy and latency per activation",
                   ps_dac_params, dac_params);

struct ps_dac {
    ps_dac_params p;
    uint32_t max_code;
    ps_dac_stats stats;
};

ps_status ps_dac_create(const ps_dac_params *p, ps_error *err, ps_dac **out)
{
    if (!p || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "dac: NULL argument");
    *out = NULL;
    ps_status st = ps_params_validate(&ps_dac_param_table, p, err);
    if (st != PS_OK) {
        ps_error_prefix(err, "dac");
        return st;
    }
    ps_dac *dac = NULL;
    if ((st = ps_calloc(1, sizeof *dac, &dac)) != PS_OK)
        return ps_error_set(err, st, "dac: out of memory");
    dac->p = *p;
    dac->max_code = (uint32_t)((1u << p->bits) - 1u);
    *out = dac;
    return PS_OK;
}

void ps_dac_destroy(ps_dac *dac) { free(dac); }

ps_status ps_dac_reset(ps_dac *dac)
{
    if (!dac)
        return PS_ERR_INVALID_ARG;
    ps_dac_stats zero = {0, 0, 0.0};
    dac->stats = zero;
    return PS_OK;
}

ps_status ps_dac_stats_get(const ps_dac *dac, ps_dac_stats *out)
{
    if (!dac || !out)
        return PS_ERR_INVALID_ARG;
    *out = dac->stats;
    return PS_OK;
}

const ps_dac_params *ps_dac_get_params(const ps_dac *dac) { return &dac->p; }
uint32_t ps_dac_max_code(const ps_dac *dac) { return dac->max_code; }
double ps_dac_energy_per_activation_pj(const ps_dac *dac) { return dac->p.energy_pj; }
int64_t ps_dac_latency_cycles(const ps_dac *dac) { return dac->p.latency_cycles; }

double ps_dac_level(const ps_dac *dac, uint32_t code)
{
    return (double)code / (double)dac->max_code;
}

ps_status ps_dac_drive(ps_dac *dac, const uint16_t *codes, size_t n, double *frac)
{
    if (!dac || (n && !codes))
        return PS_ERR_INVALID_ARG;
    uint64_t active = 0;
    for (size_t i = 0; i < n; i++) {
        if (codes[i] > dac->max_code)
            return PS_ERR_RANGE;
        active += codes[i] != 0;
    }
    if (frac)
        for (size_t i = 0; i < n; i++)
            frac[i] = ps_dac_level(dac, codes[i]);
    dac->stats.conversions += n;
    dac->stats.activations += active;
    dac->stats.energy_pj += ps_dac_energy_pj(dac, active);
    return PS_OK;
}

double ps_dac_energy_pj(const ps_dac *dac, uint64_t activations)
{
    return (double)activations * dac->p.energy_pj;
}
