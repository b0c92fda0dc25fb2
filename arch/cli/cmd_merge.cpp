// primesim merge: shard outputs of `primesim sim --shard i/N` into one
// output, equal byte for byte to a single run over all samples.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "config/config.hpp"
#include "stats.h"

namespace primesim {

void define_merge(Args &args)
{
    args.usage("OUT1/ OUT2/ ... -o OUT/",
               "Merges the outputs of sharded runs. Of primesim sim --shard i/N: timesteps.csv\n"
               "records and samples.csv rows are put in sample order, summary.json is computed\n"
               "again from the merged records, and config.resolved.yaml and hardware.json are\n"
               "taken from OUT1 (the shards' run settings must agree). Of primesim sweep\n"
               "--shard i/N (recognised by OUT1/plan.txt): the plans must agree, every point's\n"
               "directory is copied from the shard that finished it, and the table and Pareto\n"
               "plot are made again over all points; exit 1 if some point was finished by no\n"
               "shard. Either way the result equals, byte for byte, a single run (of a sweep:\n"
               "but for each point's log.txt and the seconds in point.status, which record\n"
               "where and how fast it ran). Of sim shards, each must hold its run.done (a\n"
               "finished run) and their settings must agree; OUT/run.done is written last.");
    args.option("out", 'o', "DIR", "output directory");
    args.epilog("example:\n  primesim sim SYS.yaml --workload w.pwl --data d.nmnp --shard 0/2 -o s0/\n"
                "  primesim sim SYS.yaml --workload w.pwl --data d.nmnp --shard 1/2 -o s1/\n"
                "  primesim merge s0/ s1/ -o all/\n"
                "  primesim sweep configs/sweeps/tile_adc.yaml --shard 0/2 -o sw0/   # and 1/2\n"
                "  primesim merge sw0/ sw1/ -o sweep/");
}

// Merges dir/samples.csv files (header + rows keyed by the first column).
// The run.done of the merged run: the shards' own, which must all be there
// (a shard without one did not finish) and agree but for their shard line.
std::string merged_done(const std::vector<std::string> &dirs)
{
    std::string merged;
    for (const auto &d : dirs) {
        std::ifstream in(d + "/" + kRunDoneFile, std::ios::binary);
        if (!in)
            throw ConfigError(d + ": no " + kRunDoneFile + ": not a finished run (run its " +
                              "command again to finish it)");
        std::string text, line;
        while (std::getline(in, line))
            if (line.rfind("shard: ", 0) != 0)
                text += line + "\n";
        if (merged.empty())
            merged = text;
        else if (text != merged)
            throw ConfigError(d + "/" + kRunDoneFile + ": other run settings than " + dirs[0] +
                              "/" + kRunDoneFile);
    }
    return merged;
}

void merge_samples_csv(const std::vector<std::string> &dirs, const std::string &out)
{
    std::string header;
    std::vector<std::pair<unsigned long long, std::string>> rows;
    for (const auto &d : dirs) {
        std::ifstream in(d + "/samples.csv");
        if (!in)
            return; // nothing to merge (golden or older outputs)
        std::string line;
        std::getline(in, line);
        if (header.empty())
            header = line;
        else if (line != header)
            throw ConfigError(d + "/samples.csv: other columns than " + dirs[0]);
        while (std::getline(in, line))
            if (!line.empty())
                rows.emplace_back(std::stoull(line.substr(0, line.find(','))), line);
    }
    std::sort(rows.begin(), rows.end());
    std::string text = header + "\n";
    for (const auto &r : rows)
        text += r.second + "\n";
    write_text_atomic(out + "/samples.csv", text);
}

// Returns the merged run (written to out/timesteps.csv and summary.json).
std::unique_ptr<ps_stats_run, void (*)(ps_stats_run *)>
merge_outputs(const std::vector<std::string> &dirs, const std::string &out)
{
    std::vector<ps_stats_run *> runs;
    struct Free {
        std::vector<ps_stats_run *> &v;
        ~Free()
        {
            for (ps_stats_run *r : v)
                ps_stats_destroy(r);
        }
    } free_runs{runs};
    ps_error err{};
    for (const auto &d : dirs) {
        ps_stats_run *r = nullptr;
        if (ps_stats_read_csv((d + "/timesteps.csv").c_str(), &err, &r) != PS_OK)
            throw ConfigError(err.message);
        runs.push_back(r);
    }
    std::filesystem::create_directories(out);
    ps_stats_run *merged = nullptr;
    if (ps_stats_merge(runs.data(), runs.size(), &err, &merged) != PS_OK)
        throw ConfigError(err.message);
    std::unique_ptr<ps_stats_run, void (*)(ps_stats_run *)> m(merged, ps_stats_destroy);
    if (ps_stats_write_outputs(merged, out.c_str(), &err) != PS_OK)
        throw std::runtime_error(err.message);
    merge_samples_csv(dirs, out);
    for (const char *name : {"config.resolved.yaml", "hardware.json"}) { // the same in every shard
        const std::string from = dirs[0] + "/" + name, to = out + "/" + name;
        if (std::filesystem::exists(from) &&
            std::filesystem::absolute(from) != std::filesystem::absolute(to))
            std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    }
    return m;
}

int merge_sweeps(const std::vector<std::string> &dirs, const std::string &out); // cmd_sweep.cpp

int run_merge(const Args &args)
{
    if (args.positional().empty())
        throw UsageError("expected one or more output directories to merge");
    if (!args.has("out"))
        throw UsageError("expected -o OUT/");
    if (std::filesystem::exists(args.positional()[0] + "/plan.txt"))
        return merge_sweeps(args.positional(), args.value("out"));
    const std::string done = merged_done(args.positional());
    std::filesystem::create_directories(args.value("out"));
    std::filesystem::remove(args.value("out") + "/" + kRunDoneFile);
    merge_outputs(args.positional(), args.value("out"));
    write_text_atomic(args.value("out") + "/" + kRunDoneFile, done);
    std::printf("merged %zu outputs into %s (timesteps.csv, summary.json, samples.csv)\n",
                args.positional().size(), args.value("out").c_str());
    return 0;
}

} // namespace primesim
