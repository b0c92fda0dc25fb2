// YAML configs: the input is a config file, loaded and bound as `primesim
// sim` binds a system config and `primesim train` a recipe (load_and_bind:
// base files, duplicate keys, types, ranges). Bad input must be a
// ConfigError, never another exception or a crash; what binds must emit a
// resolved config that loads back to the same resolved config, as the
// resolved configs written beside every run promise.
#include <cstdint>
#include <string>

#include "config/system_config.hpp"
#include "config/train_recipe.hpp"
#include "fuzz_input.h"

namespace {

using primesim::ConfigSection;

template <class Cfg, class Schema>
void bind_and_round_trip(const std::string &path, Schema make_schema)
{
    Cfg cfg{};
    const ConfigSection schema = make_schema(cfg);
    std::string first;
    try {
        const primesim::ConfigDocument doc = primesim::load_and_bind(path, {}, schema);
        first = primesim::emit_resolved_config(schema, "fuzz", doc.sources);
    } catch (const primesim::ConfigError &) {
        return;
    }
    const std::string again_path = fuzz_input_file("resolved.yaml", first.data(), first.size());
    Cfg cfg2{};
    const ConfigSection schema2 = make_schema(cfg2);
    try {
        const primesim::ConfigDocument doc = primesim::load_and_bind(again_path, {}, schema2);
        if (primesim::emit_resolved_config(schema2, "fuzz", doc.sources) != first)
            fuzz_fail("a resolved config reads back to a different one", first.c_str());
    } catch (const primesim::ConfigError &e) {
        fuzz_fail("a resolved config does not load back", e.what());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string path = fuzz_input_file("input.yaml", data, size);
    bind_and_round_trip<primesim::SystemConfig>(
        path, [](primesim::SystemConfig &c) { return c.schema(); });
    bind_and_round_trip<ps_trainer_config>(
        path, [](ps_trainer_config &c) { return primesim::train_recipe_schema(c); });
    return 0;
}
