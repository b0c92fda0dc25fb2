// Sweep files: the input is a sweep YAML, expanded by load_sweep_plan as
// `primesim sweep` does. Bad input must be a ConfigError; an accepted plan
// must survive its plan.txt (text, then parse_sweep_plan_text as `primesim
// merge` and a resumed sweep read it) unchanged.
#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "config/sweep_plan.hpp"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string path = fuzz_input_file("input.yaml", data, size);
    primesim::SweepPlan plan;
    try {
        plan = primesim::load_sweep_plan(path);
    } catch (const primesim::ConfigError &) {
        return 0;
    }
    const std::string text = plan.text();
    try {
        if (primesim::parse_sweep_plan_text(text, "plan.txt").text() != text)
            fuzz_fail("plan.txt reads back to a different plan", text.c_str());
    } catch (const primesim::ConfigError &e) {
        fuzz_fail("plan.txt does not read back", e.what());
    }
    return 0;
}
