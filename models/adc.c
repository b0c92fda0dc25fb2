#include "adc.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/simd.h"

static const char *const adc_energy_models[] = {"walden", "sar45", "sar22", "table", NULL};

#define NEUROSIM_SAR "DNN_NeuroSim V1.4 SarADC.cpp, via docs/energy_sources.md"
#define TABLE_DOC(b) "energy of one " #b "-bit conversion when energy_model is table (0 = not given)"
#define TABLE_ENTRY(b)                                                                     \
    PS_PARAM_DOUBLE(ps_adc_params, energy_b##b##_pj, 0.0, 0.0, 1e6, "pJ", TABLE_DOC(b), NULL)

static const ps_param_desc adc_params[] = {
    PS_PARAM_INT(ps_adc_params, bits, 8, 1, PS_ADC_MAX_BITS, "bits",
                 "resolution; codes 0 .. 2^bits - 1 (the PRIME test macro used 14)",
                 "ISAAC, Shafiee et al., ISCA 2016, Table I (8-bit ADC)"),
    PS_PARAM_DOUBLE(ps_adc_params, range_min_ua, -50.0, -1e6, 1e6, "uA",
                    "input that maps to code 0 (lowest level)", NULL),
    PS_PARAM_DOUBLE(ps_adc_params, range_max_ua, 50.0, -1e6, 1e6, "uA",
                    "full-scale end of the range; top level is range_max_ua - 1 LSB", NULL),
    PS_PARAM_DOUBLE(ps_adc_params, offset_error_lsb, 0.0, -1e6, 1e6, "LSB",
                    "static offset error added before quantisation", NULL),
    PS_PARAM_DOUBLE(ps_adc_params, gain_error, 0.0, -0.5, 0.5, "",
                    "static relative gain error: input scaled by 1 + gain_error", NULL),
    PS_PARAM_INT(ps_adc_params, cols_per_adc, 8, 1, 65536, "",
                 "columns sharing one ADC through its mux (mux ratio)", NULL),
    PS_PARAM_INT(ps_adc_params, conversion_cycles, 2, 1, 1000000, "cycles",
                 "latency of one conversion (SAR takes (bits+1) ns: 9 ns = 2 cycles at 200 MHz)",
                 NEUROSIM_SAR),
    PS_PARAM_ENUM(ps_adc_params, energy_model, "sar45", adc_energy_models,
                  "energy per conversion: walden FoM*2^bits, NeuroSim SAR fit 45/22 nm, or table",
                  NEUROSIM_SAR " (45 nm LP, nearest to PRIME's 40 nm)"),
    PS_PARAM_DOUBLE_POS(ps_adc_params, walden_fom_fj, 5.0, 1e6, "fJ",
                        "Walden figure of merit per conversion step (energy_model walden)",
                        "Walden FoM rule, Murmann ADC survey, via docs/energy_sources.md"),
    TABLE_ENTRY(1),  TABLE_ENTRY(2),  TABLE_ENTRY(3),  TABLE_ENTRY(4),
    TABLE_ENTRY(5),  TABLE_ENTRY(6),  TABLE_ENTRY(7),  TABLE_ENTRY(8),
    TABLE_ENTRY(9),  TABLE_ENTRY(10), TABLE_ENTRY(11), TABLE_ENTRY(12),
    TABLE_ENTRY(13), TABLE_ENTRY(14), TABLE_ENTRY(15), TABLE_ENTRY(16),
};

const ps_param_table ps_adc_param_table =
    PS_PARAM_TABLE("adc", "column ADC bank: quantiser, column mux, latency, energy per conversion",
                   ps_adc_params, adc_params);

struct ps_adc {
    ps_adc_params p;
    double lsb_ua;
    double inv_lsb;
    double gain;      /* 1 + gain_error */
    double offset_ua; /* offset_error_lsb * LSB */
    uint32_t max_code;
    double energy_pj;
    ps_adc_stats stats;
};

static double table_energy(const ps_adc_params *p, int64_t bits)
{
    const double t[PS_ADC_MAX_BITS] = {
        p->energy_b1_pj,  p->energy_b2_pj,  p->energy_b3_pj,  p->energy_b4_pj,
        p->energy_b5_pj,  p->energy_b6_pj,  p->energy_b7_pj,  p->energy_b8_pj,
        p->energy_b9_pj,  p->energy_b10_pj, p->energy_b11_pj, p->energy_b12_pj,
        p->energy_b13_pj, p->energy_b14_pj, p->energy_b15_pj, p->energy_b16_pj,
    };
    return t[bits - 1];
}

ps_status ps_adc_conversion_energy_pj(const ps_adc_params *p, double *out_pj, ps_error *err)
{
    if (!p || !out_pj)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "adc energy: NULL argument");
    if (p->bits < 1 || p->bits > PS_ADC_MAX_BITS)
        return ps_error_set(err, PS_ERR_RANGE, "bits: %lld is outside [1, %d]",
                            (long long)p->bits, PS_ADC_MAX_BITS);
    double b = (double)p->bits;
    switch (p->energy_model) {
    case PS_ADC_ENERGY_WALDEN:
        *out_pj = p->walden_fom_fj * ldexp(1.0, (int)p->bits) * 1e-3;
        return PS_OK;
    /* NeuroSim's SAR fit: power in uW times (bits + 1) ns; uW * ns = fJ. */
    case PS_ADC_ENERGY_SAR45:
        *out_pj = (2.1691 * b + 16.693) * (b + 1.0) * 1e-3;
        return PS_OK;
    case PS_ADC_ENERGY_SAR22:
        *out_pj = (0.538 * b + 4.3753) * (b + 1.0) * 1e-3;
        return PS_OK;
    case PS_ADC_ENERGY_TABLE: {
        double e = table_energy(p, p->bits);
        if (!(e > 0.0))
            return ps_error_set(err, PS_ERR_RANGE,
                                "energy_b%lld_pj: energy_model is table but no energy is given "
                                "for %lld bits",
                                (long long)p->bits, (long long)p->bits);
        *out_pj = e;
        return PS_OK;
    }
    }
    return ps_error_set(err, PS_ERR_RANGE, "energy_model: choice %d is out of range",
                        p->energy_model);
}

ps_status ps_adc_create(const ps_adc_params *p, ps_error *err, ps_adc **out)
{
    if (!p || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "adc: NULL argument");
    *out = NULL;
    ps_status s = ps_params_validate(&ps_adc_param_table, p, err);
    if (s != PS_OK)
        return s;
    if (!(p->range_max_ua > p->range_min_ua))
        return ps_error_set(err, PS_ERR_RANGE,
                            "range_max_ua: %g is not above range_min_ua %g", p->range_max_ua,
                            p->range_min_ua);
    double energy;
    s = ps_adc_conversion_energy_pj(p, &energy, err);
    if (s != PS_OK)
        return s;
    ps_adc *adc = NULL;
    s = ps_calloc(1, sizeof *adc, &adc);
    if (s != PS_OK)
        return ps_error_set(err, s, "adc: out of memory");
    adc->p = *p;
    adc->lsb_ua = (p->range_max_ua - p->range_min_ua) / ldexp(1.0, (int)p->bits);
    adc->inv_lsb = 1.0 / adc->lsb_ua;
    adc->gain = 1.0 + p->gain_error;
    adc->offset_ua = p->offset_error_lsb * adc->lsb_ua;
    adc->max_code = (uint32_t)((1u << p->bits) - 1u);
    adc->energy_pj = energy;
    *out = adc;
    return PS_OK;
}

void ps_adc_destroy(ps_adc *adc) { free(adc); }

void ps_adc_reset(ps_adc *adc)
{
    if (adc) {
        ps_adc_stats zero = {0, 0, 0, 0.0};
        adc->stats = zero;
    }
}

ps_status ps_adc_stats_get(const ps_adc *adc, ps_adc_stats *out)
{
    if (!adc || !out)
        return PS_ERR_INVALID_ARG;
    *out = adc->stats;
    return PS_OK;
}

const ps_adc_params *ps_adc_get_params(const ps_adc *adc) { return &adc->p; }
double ps_adc_lsb_ua(const ps_adc *adc) { return adc->lsb_ua; }
uint32_t ps_adc_max_code(const ps_adc *adc) { return adc->max_code; }
double ps_adc_energy_per_conversion_pj(const ps_adc *adc) { return adc->energy_pj; }

static inline double level_of(const ps_adc *adc, uint32_t code)
{
    return adc->p.range_min_ua + (double)code * adc->lsb_ua;
}

/* Shared loop of convert and quantize: exactly one of codes / values is
 * used. Branch-free so it vectorises: code = floor(x' / LSB + 0.5) clamped
 * to [0, max_code], NaN refused. */
PS_SIMD_CLONES static ps_status convert_n(ps_adc *adc, const double *in, size_t n, uint16_t *codes,
                           double *values)
{
    if (!adc || (n && (!in || (!codes && !values))))
        return PS_ERR_INVALID_ARG;
    uint64_t low = 0, high = 0, nan = 0;
    const double gain = adc->gain, off = adc->offset_ua, rmin = adc->p.range_min_ua;
    const double inv = adc->inv_lsb, top = (double)adc->max_code;
    const double base = adc->p.range_min_ua, lsb = adc->lsb_ua;
    /* One loop per output kind: each vectorises. */
#define ADC_CODE(x, c)                                                                            \
    const double u = floor(((gain * (x) + off) - rmin) * inv + 0.5);                             \
    nan += u != u;                                                                                \
    low += u < 0.0;                                                                               \
    high += u > top;                                                                              \
    const double c = u < 0.0 ? 0.0 : (u > top ? top : u)
    if (codes) {
        for (size_t i = 0; i < n; i++) {
            ADC_CODE(in[i], c);
            codes[i] = (uint16_t)(c == c ? c : 0.0);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            ADC_CODE(in[i], c);
            values[i] = base + c * lsb;
        }
    }
#undef ADC_CODE
    if (nan)
        return PS_ERR_INVALID_ARG;
    adc->stats.conversions += n;
    adc->stats.clipped_low += low;
    adc->stats.clipped_high += high;
    adc->stats.energy_pj += (double)n * adc->energy_pj;
    return PS_OK;
}

ps_status ps_adc_convert(ps_adc *adc, const double *current_ua, size_t n, uint16_t *codes)
{
    if (n && !codes)
        return PS_ERR_INVALID_ARG;
    return convert_n(adc, current_ua, n, codes, NULL);
}

ps_status ps_adc_quantize(ps_adc *adc, const double *current_ua, size_t n, double *out_ua)
{
    if (n && !out_ua)
        return PS_ERR_INVALID_ARG;
    return convert_n(adc, current_ua, n, NULL, out_ua);
}

ps_status ps_adc_dequantize(const ps_adc *adc, const uint16_t *codes, size_t n, double *out_ua)
{
    if (!adc || (n && (!codes || !out_ua)))
        return PS_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        if (codes[i] > adc->max_code)
            return PS_ERR_RANGE;
        out_ua[i] = level_of(adc, codes[i]);
    }
    return PS_OK;
}

int64_t ps_adc_count_for_columns(const ps_adc *adc, int64_t array_cols)
{
    if (array_cols <= 0)
        return 0;
    return (array_cols + adc->p.cols_per_adc - 1) / adc->p.cols_per_adc;
}

ps_status ps_adc_cycles(const ps_adc *adc, int64_t n_columns, int64_t n_adcs,
                        int64_t *out_cycles)
{
    if (!adc || !out_cycles || n_columns < 0 || n_adcs < 0)
        return PS_ERR_INVALID_ARG;
    if (n_columns == 0) {
        *out_cycles = 0;
        return PS_OK;
    }
    if (n_adcs < 1 || ps_adc_count_for_columns(adc, n_columns) > n_adcs)
        return PS_ERR_RANGE; /* some column has no mux input */
    int64_t rounds = (n_columns + n_adcs - 1) / n_adcs;
    *out_cycles = rounds * adc->p.conversion_cycles;
    return PS_OK;
}
