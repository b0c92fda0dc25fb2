// primesim report: report.md and SVG plots from a simulation output.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "config/config.hpp"
#include "stats.h"

namespace primesim {

void define_report(Args &args)
{
    args.usage("OUT/ [-o DIR] [--title TEXT]",
               "Reads OUT/timesteps.csv (written by primesim sim or merge) and writes report.md\n"
               "and SVG plots: the result at the run's early-stop threshold for the hybrid chip and\n"
               "both digital baselines, the classification table over the swept thresholds\n"
               "(primesim sim --thresholds), energy breakdowns, accuracy / mean timesteps / energy\n"
               "vs threshold, a histogram of stop timesteps, the energy of each timestep of the\n"
               "first sample, and the comparison with PRIME's published figures. Prints the\n"
               "classification table.");
    args.option("out", 'o', "DIR", "write the report here (default OUT/)");
    args.option("title", 0, "TEXT", "report title");
    args.epilog("files: report.md, energy_breakdown.svg, energy_breakdown_hybrid.svg,\n"
                "  accuracy_vs_threshold.svg, timesteps_vs_threshold.svg, energy_vs_threshold.svg,\n"
                "  stop_histogram.svg, timestep_energy.svg\n"
                "example:\n  primesim report out/");
}

// Writes the report of run into dir and prints the table; used by sim too.
void write_report(const ps_stats_run *run, const std::string &dir, const std::string &title)
{
    ps_error err{};
    if (ps_stats_write_report(run, dir.c_str(), title.c_str(), &err) != PS_OK)
        throw std::runtime_error(err.message);
    std::vector<char> table(1 << 16);
    ps_stats_format_table(run, table.data(), table.size());
    std::fputs(table.data(), stdout);
    std::printf("report: %s/report.md\n", dir.c_str());
}

int run_report(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one output directory");
    const std::string in = args.positional()[0];
    const std::string out = args.value("out", in);
    ps_error err{};
    ps_stats_run *r = nullptr;
    if (ps_stats_read_csv((in + "/timesteps.csv").c_str(), &err, &r) != PS_OK)
        throw ConfigError(err.message);
    std::unique_ptr<ps_stats_run, void (*)(ps_stats_run *)> run(r, ps_stats_destroy);
    std::filesystem::create_directories(out);
    write_report(r, out, args.value("title", "primesim report: " + in));
    return 0;
}

} // namespace primesim
