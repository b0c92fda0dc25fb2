// The system config: every parameter struct a chip is built from, and the
// schema that binds a system YAML (configs/systems/*.yaml) into them.
#pragma once

#include <string>
#include <vector>

#include "adc.h"
#include "chip/chip_params.hpp"
#include "config.hpp"
#include "crossbar.h"
#include "dac.h"
#include "device.h"
#include "digital_baseline.h"
#include "early_stop.h"
#include "energy.h"
#include "lif.h"
#include "mapper.h"
#include "noc.h"
#include "system.h"

namespace primesim {

struct SystemConfig {
    ps_system_params system;
    ps_device_params device;
    ps_crossbar_params crossbar;
    ps_dac_params dac;
    ps_adc_params adc;
    ps_lif_params lif;
    ps_early_stop_params early_stop;
    ps_noc_params noc;
    ps_mapper_params mapper;
    ps_chip_params chip;
    ps_energy_hybrid_params energy_hybrid;
    ps_energy_digital_params energy_digital;
    // The event-driven and dense digital baselines run on the same work
    // (architecture: weight bits, SRAM, lanes, clock, leakage; their energy
    // per operation is energy_digital). baseline.clock_mhz, when neither the
    // YAML nor -p sets it, is system.clock_mhz (finish_system_config).
    ps_baseline_params baseline;

    // The schema points into this object: keep it in place while bound.
    ConfigSection schema();
};

// Values that default to other values (baseline.clock_mhz to
// system.clock_mhz unless doc sets it); load_system_config calls it, callers
// of load_and_bind on the schema call it after.
void finish_system_config(const ConfigDocument &doc, SystemConfig &cfg);

// Loads path with overrides into cfg; throws ConfigError.
ConfigDocument load_system_config(const std::string &path, const std::vector<std::string> &overrides,
                                  SystemConfig &cfg);

// Writes dir/config.resolved.yaml atomically: every parameter with its
// value, headed by the files and overrides it was resolved from.
std::string write_resolved_config(const std::string &dir, const ConfigSection &schema,
                                  const ConfigDocument &doc, const std::vector<std::string> &overrides);

} // namespace primesim
