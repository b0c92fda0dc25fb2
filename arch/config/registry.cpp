#include "registry.hpp"

#include <cstring>

#include "adc.h"
#include "early_stop.h"
#include "lif.h"
#include "system.h"
#include "data/frames.h"
#include "data/saccade.h"
#include "device.h"
#include "crossbar.h"
#include "dac.h"
#include "digital_baseline.h"
#include "energy.h"
#include "chip/chip_params.hpp"
#include "mapper.h"
#include "noc.h"
#include "train/trainer.h"

namespace primesim {

const ps_param_table *const param_tables[] = {
    &ps_system_param_table,
    &ps_adc_param_table,
    &ps_lif_param_table,
    &ps_early_stop_param_table,
    &ps_device_param_table,
    &ps_crossbar_param_table,
    &ps_dac_param_table,
    &ps_energy_hybrid_param_table,
    &ps_energy_digital_param_table,
    &ps_baseline_param_table,
    &ps_saccade_param_table,
    &ps_frames_param_table,
    &ps_noc_param_table,
    &ps_mapper_param_table,
    &ps_chip_param_table,
    &ps_train_param_table,
    nullptr,
};

const ps_param_table *find_param_table(const char *name)
{
    for (const ps_param_table *const *t = param_tables; *t; t++)
        if (std::strcmp((*t)->name, name) == 0)
            return *t;
    return nullptr;
}

} // namespace primesim
