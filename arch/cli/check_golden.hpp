// Golden files of `primesim check`: the stats of one config's run that the
// regression compares, read from a sim output directory or a golden file,
// written, and compared (format: tests/golden/check/README.md).
#pragma once

#include <string>
#include <vector>

namespace primesim {
namespace check {

// Floating-point stats (columns ending in _pj or _ns, and confidence) may
// differ by this relative amount: the sim prints them with %.17g, so only
// reordered arithmetic (a few ulps per operation, ~1e-16 relative, summed
// over a sample's thousands of operations) may move them, while a changed
// model constant moves them by far more than 1e-9.
constexpr double kRelTolerance = 1e-9;
// A value within this of the other in its own unit (pJ, ns) is equal too:
// a zero that reordering turns into rounding noise is still zero.
constexpr double kAbsTolerance = 1e-12;

// What a golden file was made with: runs with other settings are not
// comparable, so a check says so instead of listing every value.
struct RunSettings {
    std::string config;   // file name of the system config (informational)
    std::string workload; // file names, without directories
    std::string data;
    long long samples = 0;
    std::vector<std::string> params; // -p KEY=VALUE, in order
};

// Empty when runs with these settings are comparable, else what differs.
std::string settings_mismatch(const RunSettings &golden, const RunSettings &now);

// One table: values as the sim printed them, the first n_keys columns
// identifying a row (hardware: none; samples: index; timesteps: sample, t).
struct Section {
    std::string name;
    size_t n_keys = 0;
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
};

struct Golden {
    RunSettings settings;
    std::vector<Section> sections; // hardware, samples, timesteps
};

// From OUT/hardware.json, OUT/samples.csv and OUT/timesteps.csv of a sim run;
// std::runtime_error naming the file when one is missing or lacks a column.
Golden read_sim_output(const std::string &dir, const RunSettings &settings);

// The golden file's text, and its parser (ConfigError naming path:line).
std::string format_golden(const Golden &g);
Golden parse_golden(const std::string &text, const std::string &path);

// One line per difference of now against golden, in golden-file order,
// each starting with name (the config). Settings that differ give one line.
std::vector<std::string> compare(const Golden &golden, const Golden &now, const std::string &name);

// Rows of the samples and timesteps sections, for the summary lines.
size_t count_rows(const Golden &g, const std::string &section);

} // namespace check
} // namespace primesim
