/* DAC / word-line driver of a crossbar: turns an input code into a row
 * voltage, as a fraction of the array's full-scale read voltage, and costs
 * an energy and a latency per activation (one row driven for one read
 * cycle). A zero code drives nothing and costs nothing. */
#ifndef PS_DAC_H
#define PS_DAC_H

#include <stddef.h>
#include <stdint.h>

#include "common/params.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_DAC_MAX_BITS 16

typedef struct ps_dac_params {
    int64_t bits;           /* resolution; 1 = on/off word-line driver */
    double energy_pj;       /* per activation (one row, one read cycle) */
    int64_t latency_cycles; /* settling before the array can be read */
} ps_dac_params;

extern const ps_param_table ps_dac_param_table;

typedef struct ps_dac_stats {
    uint64_t conversions; /* codes presented, zero or not */
    uint64_t activations; /* non-zero codes (rows actually driven) */
    double energy_pj;
} ps_dac_stats;

typedef struct ps_dac ps_dac;

ps_status ps_dac_create(const ps_dac_params *p, ps_error *err, ps_dac **out);
void ps_dac_destroy(ps_dac *dac);
ps_status ps_dac_reset(ps_dac *dac); /* clears the counters */
ps_status ps_dac_stats_get(const ps_dac *dac, ps_dac_stats *out);
#define ps_dac_stats(dac, out) ps_dac_stats_get((dac), (out))

const ps_dac_params *ps_dac_get_params(const ps_dac *dac);
uint32_t ps_dac_max_code(const ps_dac *dac); /* 2^bits - 1 */
double ps_dac_energy_per_activation_pj(const ps_dac *dac);
int64_t ps_dac_latency_cycles(const ps_dac *dac);

/* Output of code as a fraction of full scale: code / (2^bits - 1). */
double ps_dac_level(const ps_dac *dac, uint32_t code);

/* frac[i] = ps_dac_level(codes[i]) for n rows; counts n conversions and
 * one activation (with its energy) per non-zero code. PS_ERR_RANGE if a
 * code exceeds 2^bits - 1 (nothing counted then). frac may be NULL when
 * only the cost is wanted. */
ps_status ps_dac_drive(ps_dac *dac, const uint16_t *codes, size_t n, double *frac);

/* Energy of n activations, without counting them (for a crossbar that
 * borrows the DAC read-only). */
double ps_dac_energy_pj(const ps_dac *dac, uint64_t activations);

#ifdef __cplusplus
}
#endif

#endif
