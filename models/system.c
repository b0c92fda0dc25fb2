#include "system.h"

#include <math.h>
#include <stddef.h>

static const ps_param_desc system_params[] = {
    PS_PARAM_STRING(ps_system_params, name, "unnamed",
                    "name of the system, used in reports", NULL),
    PS_PARAM_DOUBLE_POS(ps_system_params, clock_mhz, 200.0, 10000.0, "MHz",
                        "clock of the digital logic; every latency is whole cycles of it", NULL),
    PS_PARAM_INT(ps_system_params, seed, 1, 0, 9007199254740991.0, "",
                 "seed of every random draw (device programming, read noise)", NULL),
};

const ps_param_table ps_system_param_table =
    PS_PARAM_TABLE("system", "chip-wide settings: name, clock, random seed", ps_system_params,
                   system_params);

double ps_system_cycle_ps(const ps_system_params *p) { return 1e6 / p->clock_mhz; }
