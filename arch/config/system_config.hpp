// The system config: every parameter struct a chip is built from, and the
// schema that binds a system YAML (configs/systems/*.yaml) into them.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"
#include "system.h"

namespace primesim {

struct SystemConfig {
    ps_system_params system;

    // The schema points into this object: keep it in place while bound.
    ConfigSection schema();
};

// Loads path with overrides into cfg; throws ConfigError.
ConfigDocument load_system_config(const std::string &path, const std::vector<std::string> &overrides,
                                  SystemConfig &cfg);

// Writes dir/config.resolved.yaml atomically: every parameter with its
// value, headed by the files and overrides it was resolved from.
std::string write_resolved_config(const std::string &dir, const ConfigSection &schema,
                                  const ConfigDocument &doc, const std::vector<std::string> &overrides);

} // namespace primesim
