#include "config/train_recipe.hpp"

namespace primesim {

ConfigSection train_recipe_schema(ps_trainer_config &cfg)
{
    ps_trainer_config_defaults(&cfg);
    ConfigSection schema;
    schema.add("train", &ps_train_param_table, &cfg.train);
    schema.add("device", &ps_device_param_table, &cfg.device);
    schema.add("frames", &ps_frames_param_table, &cfg.frames);
    return schema;
}

} // namespace primesim
