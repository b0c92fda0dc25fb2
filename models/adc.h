/* Column ADC bank of a crossbar tile: uniform quantiser with clipping and
 * optional static offset/gain error, a column mux shared by several
 * columns, a conversion latency in cycles and an energy per conversion
 * from a selectable model (Walden FoM, NeuroSim SAR fit, or a table).
 *
 * Transfer function (bits b, LSB = (range_max_ua - range_min_ua) / 2^b):
 *   x'   = (1 + gain_error) * x + offset_error_lsb * LSB   (gain about 0 uA)
 *   code = clamp(floor((x' - range_min_ua) / LSB + 0.5), 0, 2^b - 1)
 * i.e. round to the nearest level, ties toward the higher code. Level k is
 * range_min_ua + k * LSB, which is also the midpoint of the inputs that
 * give code k; the top level is range_max_ua - LSB (two's-complement-like,
 * so a symmetric range represents 0 exactly). A conversion whose unclamped
 * code falls outside [0, 2^b - 1] is clipped and counted. Dequantisation
 * returns the ideal level: the digital side does not know the analogue
 * offset/gain error, so that error stays in the value. */
#ifndef PS_ADC_H
#define PS_ADC_H

#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values of ps_adc_params.energy_model. */
typedef enum ps_adc_energy_model {
    PS_ADC_ENERGY_WALDEN = 0, /* walden_fom_fj * 2^bits */
    PS_ADC_ENERGY_SAR45,      /* NeuroSim SAR fit, 45 nm LP */
    PS_ADC_ENERGY_SAR22,      /* NeuroSim SAR fit, 22 nm LP */
    PS_ADC_ENERGY_TABLE       /* energy_bN_pj for N = bits */
} ps_adc_energy_model;

#define PS_ADC_MAX_BITS 16

typedef struct ps_adc_params {
    int64_t bits;
    double range_min_ua;
    double range_max_ua;
    double offset_error_lsb;
    double gain_error;
    int64_t cols_per_adc;
    int64_t conversion_cycles;
    int energy_model; /* ps_adc_energy_model */
    double walden_fom_fj;
    /* energy_model = table: energy of one conversion at each resolution;
     * 0 means "not given" and is an error for the configured bits. */
    double energy_b1_pj, energy_b2_pj, energy_b3_pj, energy_b4_pj;
    double energy_b5_pj, energy_b6_pj, energy_b7_pj, energy_b8_pj;
    double energy_b9_pj, energy_b10_pj, energy_b11_pj, energy_b12_pj;
    double energy_b13_pj, energy_b14_pj, energy_b15_pj, energy_b16_pj;
} ps_adc_params;

extern const ps_param_table ps_adc_param_table;

typedef struct ps_adc_stats {
    uint64_t conversions;
    uint64_t clipped_low;  /* input below the lowest code's interval */
    uint64_t clipped_high; /* input above the highest code's interval */
    double energy_pj;
} ps_adc_stats;

typedef struct ps_adc ps_adc;

/* Energy of one conversion under p's energy model, without creating an
 * ADC (for tables and sweeps). PS_ERR_RANGE if the table lacks p->bits. */
ps_status ps_adc_conversion_energy_pj(const ps_adc_params *p, double *out_pj, ps_error *err);

/* Validates p (ranges, range_max > range_min, energy for the bits) and
 * copies it. */
ps_status ps_adc_create(const ps_adc_params *p, ps_error *err, ps_adc **out);
void ps_adc_destroy(ps_adc *adc); /* accepts NULL */
void ps_adc_reset(ps_adc *adc);   /* clears the counters */
ps_status ps_adc_stats_get(const ps_adc *adc, ps_adc_stats *out);
/* The contract's name (a function cannot share the struct's typedef name). */
#define ps_adc_stats(adc, out) ps_adc_stats_get((adc), (out))
const ps_adc_params *ps_adc_get_params(const ps_adc *adc);

/* Queries (pure). */
double ps_adc_lsb_ua(const ps_adc *adc);
uint32_t ps_adc_max_code(const ps_adc *adc); /* 2^bits - 1 */
double ps_adc_energy_per_conversion_pj(const ps_adc *adc);

/* codes[i] = code of current_ua[i], for n columns; counts n conversions,
 * their energy and clipping. PS_ERR_INVALID_ARG on a NaN input (codes
 * then partly written, counters unchanged). */
ps_status ps_adc_convert(ps_adc *adc, const double *current_ua, size_t n, uint16_t *codes);

/* out_ua[i] = level of codes[i] (code midpoint). No conversion counted.
 * PS_ERR_RANGE if a code exceeds 2^bits - 1. */
ps_status ps_adc_dequantize(const ps_adc *adc, const uint16_t *codes, size_t n, double *out_ua);

/* convert + dequantize in one pass: out_ua[i] = level of the code of
 * current_ua[i]; counted as n conversions. out_ua may equal current_ua. */
ps_status ps_adc_quantize(ps_adc *adc, const double *current_ua, size_t n, double *out_ua);

/* ADCs needed so that every one of array_cols columns has a mux input:
 * ceil(array_cols / cols_per_adc). */
int64_t ps_adc_count_for_columns(const ps_adc *adc, int64_t array_cols);

/* Cycles to convert n_columns columns with n_adcs ADCs. Columns are
 * interleaved over the ADCs (column j on ADC j mod n_adcs), so any n
 * consecutive columns need ceil(n / n_adcs) rounds of conversion_cycles
 * each; conversions of one ADC are sequential, ADCs work in parallel.
 * PS_ERR_RANGE if n_columns > n_adcs * cols_per_adc (a column with no
 * mux input) or n_adcs < 1 while n_columns > 0. */
ps_status ps_adc_cycles(const ps_adc *adc, int64_t n_columns, int64_t n_adcs,
                        int64_t *out_cycles);

#ifdef __cplusplus
}
#endif

#endif
