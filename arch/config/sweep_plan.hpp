// A design-space sweep file: a base system config, the workload and data,
// and points made from a grid (cartesian product of axes; keys sharing an
// axis are zipped) and/or an explicit list. Every point is the base config
// with `-p path=value` overrides, so any parameter path can be swept.
#pragma once

#include <string>
#include <vector>

namespace primesim {

struct SweepPoint {
    std::string id;                  // "p007": its index in expansion order
    std::vector<std::string> values; // one per SweepPlan::params; "" = the base value
};

struct SweepPlan {
    std::string name;
    std::string system, workload, data; // relative to the sweep file, as paths from here
    long long samples = -1;             // -1: every sample of data
    std::string threshold;              // empty: the workload's early-stop threshold
    bool golden = false;                // the golden model instead of the chip
    std::vector<std::string> fixed;     // "path=value" applied to every point
    std::vector<std::string> params;    // swept parameter paths, in column order
    std::vector<SweepPoint> points;
    unsigned pareto = 0; // ps_sweep_objective bits (stats/sweep.h)

    // fixed, then the point's own path=value overrides.
    std::vector<std::string> overrides(const SweepPoint &p) const;
    // One line per setting and point (OUT/plan.txt). Equal texts apart from
    // the pareto line mean equal sweeps: resuming or merging into another
    // sweep's output is refused, changing the Pareto objectives is not.
    std::string text() const;
};

// text() without its pareto line: what must agree to resume or merge.
std::string sweep_plan_identity(const std::string &text);

// The plan written by text(), read back (merge). ConfigError naming path.
SweepPlan parse_sweep_plan_text(const std::string &text, const std::string &path);

// Reads and expands path. Errors (ConfigError) name the file, line and key:
// unknown keys, empty axes, zipped keys of different lengths, a range with
// a non-positive step, a point repeated.
SweepPlan load_sweep_plan(const std::string &path);

} // namespace primesim
