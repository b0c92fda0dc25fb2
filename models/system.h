/* Chip-wide parameters of a system config: its name, the clock every
 * module counts cycles of, and the seed all randomness is keyed by. */
#ifndef PS_SYSTEM_H
#define PS_SYSTEM_H

#include <stdint.h>

#include "common/params.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_system_params {
    char name[64];
    double clock_mhz;
    int64_t seed;
} ps_system_params;

extern const ps_param_table ps_system_param_table;

/* Length of one clock cycle in picoseconds. */
double ps_system_cycle_ps(const ps_system_params *p);

#ifdef __cplusplus
}
#endif

#endif
