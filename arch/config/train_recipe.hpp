// A training recipe (configs/train/*.yaml): its train, device and frames
// sections, bound into a ps_trainer_config through the same parameter
// tables (and file:line:path errors) as every config. Used by `primesim
// train` and the benchmarks that build a recipe's network.
#pragma once

#include "config/config.hpp"
#include "train/trainer.h"

namespace primesim {

// Sets cfg to the defaults and returns the recipe schema bound to it (for
// load_and_bind and emit_resolved_config).
ConfigSection train_recipe_schema(ps_trainer_config &cfg);

} // namespace primesim
