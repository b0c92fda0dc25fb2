// primesim check: golden regression of the timing and energy models. Every
// system config runs the default workload on a few fixed samples in a child
// `primesim sim`; its stats are compared with committed golden files.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "check_golden.hpp"
#include "commands.hpp"
#include "common/memory.h"
#include "config/config.hpp"
#include "data_dir.hpp"
#include "fileio.h"
#include "subprocess.hpp"

namespace primesim {

namespace fs = std::filesystem;

namespace {

const char *kDefaultConfigs = "configs/systems";
const char *kDefaultGoldenDir = "tests/golden/check";
const char *kDefaultWorkload = "workloads/default/prime_nmnist.pwl";
const char *kDefaultData = "workloads/default/nmnist_test_100.nmnp";
const long long kDefaultSamples = 16; // ~2 s per config on one core
const long long kDefaultJobs = 2;
const size_t kMaxLinesPerConfig = 20;
const size_t kLogTailLines = 15;

} // namespace

void define_check(Args &args)
{
    args.shipped({"configs", "golden-dir", "workload", "data"}, true);
    args.usage("[CONFIG.yaml...] [--configs DIR] [--golden-dir DIR] [--workload W.pwl]\n"
               "       [--data DIR|FILE] [--samples N] [--jobs N] [-p KEY=VALUE]... [--update]",
               "Golden regression of the timing and energy models: runs every system config\n"
               "(DIR/*.yaml, sorted; only the CONFIG.yaml files when some are given) with the\n"
               "workload on the first N samples of the data, each in a child `primesim sim`, and\n"
               "compares its stats with the golden file GOLDEN_DIR/<config file stem>.csv: the\n"
               "hardware of the mapping (hardware.json), every sample's totals (samples.csv) and\n"
               "every timestep (timesteps.csv: decisions, cycles, crossbar reads, analogue cycles,\n"
               "active rows, ADC conversions, accumulates, synaptic ops, NoC flits, spikes, energy\n"
               "by component, digital baseline totals). Integer counters must match exactly;\n"
               "energies, latencies and confidence (columns ending in _pj or _ns, confidence)\n"
               "within a relative 1e-9: the sim prints them with 17 digits, so only reordered\n"
               "arithmetic may move them. Prints one line per config, ok or its differences\n"
               "(config, stat, sample and timestep, golden and new value, by how much; the first\n"
               "20, then a count), and exits 1 when a config differs, has no golden file, or its\n"
               "sim fails (2 when the sim rejected its input); a golden file with no config is\n"
               "reported too (not when CONFIG.yaml files are given). --update writes the golden\n"
               "files instead (all, or those of the CONFIG.yaml given): after an intended change\n"
               "of a model, review their diff and commit it. The sims run in a temporary\n"
               "directory ($TMPDIR or /tmp), removed afterwards and kept, its path printed, when\n"
               "something failed. Default paths are relative to the repository root, else to the\n"
               "installed data directory (primesim --help names it); --update writes below the\n"
               "working directory unless --golden-dir says otherwise.");
    args.option("configs", 'c', "DIR", "system configs to check (default configs/systems)");
    args.option("golden-dir", 0, "DIR", "golden files (default tests/golden/check)");
    args.option("workload", 'w', "W.pwl",
                "the workload (default workloads/default/prime_nmnist.pwl)");
    args.option("data", 'd', "DIR|FILE",
                "N-MNIST samples (default workloads/default/nmnist_test_100.nmnp)");
    args.option("samples", 's', "N", "run the first N samples (default 16)");
    args.option("jobs", 'j', "N", "run N configs at a time (default 2)");
    args.option("param", 'p', "KEY=VALUE",
                "override a parameter in every config (repeatable; goldens record them)");
    args.option("update", 'u', "", "write the golden files instead of comparing");
    max_memory_option(args); // shared: each of the --jobs sims gets its part
    args.epilog("Golden files record the workload and data file names, the sample count and the -p\n"
                "overrides they were made with; a check with other settings says so instead of\n"
                "listing differences. Format and tolerance: tests/golden/check/README.md.\n"
                "\n"
                "examples:\n"
                "  primesim check                                   # from the repository root\n"
                "  primesim check --update                          # after an intended change\n"
                "  primesim check --update configs/systems/prime_40nm.yaml\n"
                "  primesim check -p adc.bits=6 --golden-dir my_golden --update   # your variant");
}

namespace {

struct ConfigRun {
    std::string path, name; // name: the file stem, also the golden file's
    std::string golden_path;
    check::Golden golden; // check mode
    pid_t pid = 0;
    int code = -1;
};

// A path option: the value given, or the default relative to the current
// directory; missing either way is bad input naming it.
std::string existing_path(const Args &args, const char *option, const char *fallback, bool dir)
{
    const std::string p = args.has(option) ? args.value(option) : shipped_path(fallback);
    const bool ok = dir ? fs::is_directory(p) : fs::exists(p);
    if (ok)
        return p;
    const std::string what = dir ? "no such directory" : "no such file";
    if (!args.has(option))
        throw ConfigError(p + ": " + what + " (the default of --" + option +
                          "; run from the repository root, install primesim or pass --" + option + ")");
    throw ConfigError("--" + std::string(option) + " " + p + ": " + what);
}

std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string log_tail(const std::string &path)
{
    std::vector<std::string> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    std::string out;
    for (size_t i = lines.size() > kLogTailLines ? lines.size() - kLogTailLines : 0;
         i < lines.size(); i++)
        out += "    | " + lines[i] + "\n";
    return out;
}

std::vector<ConfigRun> list_configs(const Args &args, const std::string &configs_dir,
                                    const std::string &golden_dir)
{
    std::vector<std::string> paths;
    if (!args.positional().empty()) {
        for (const auto &p : args.positional()) {
            if (!fs::is_regular_file(p))
                throw ConfigError(p + ": no such config file");
            paths.push_back(p);
        }
    } else {
        for (const auto &e : fs::directory_iterator(configs_dir))
            if (e.is_regular_file() && e.path().extension() == ".yaml")
                paths.push_back(e.path().string());
        std::sort(paths.begin(), paths.end());
        if (paths.empty())
            throw ConfigError(configs_dir + ": no *.yaml system configs");
    }
    std::vector<ConfigRun> runs;
    for (const auto &p : paths) {
        ConfigRun r;
        r.path = p;
        r.name = fs::path(p).stem().string();
        r.golden_path = (fs::path(golden_dir) / (r.name + ".csv")).string();
        for (const auto &o : runs)
            if (o.name == r.name)
                throw UsageError(o.path + " and " + p + " would share one golden file " +
                                 r.golden_path);
        runs.push_back(std::move(r));
    }
    return runs;
}

// Golden files whose config is not in the set (only meaningful for a whole directory).
std::vector<std::string> orphan_goldens(const std::string &golden_dir,
                                        const std::vector<ConfigRun> &runs)
{
    std::vector<std::string> out;
    if (!fs::is_directory(golden_dir))
        return out;
    for (const auto &e : fs::directory_iterator(golden_dir)) {
        if (!e.is_regular_file() || e.path().extension() != ".csv")
            continue;
        const std::string stem = e.path().stem().string();
        if (std::none_of(runs.begin(), runs.end(),
                         [&](const ConfigRun &r) { return r.name == stem; }))
            out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string make_temp_dir()
{
    std::string tmpl = (fs::temp_directory_path() / "primesim-check-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
        throw std::runtime_error("cannot create a temporary directory " + tmpl);
    return tmpl;
}

// Reports a finished sim: writes its golden file, or prints ok or its
// differences. False when the config fails.
bool report_run(const ConfigRun &r, const check::RunSettings &settings, const std::string &out_dir,
                bool update)
{
    const check::Golden now = check::read_sim_output(out_dir, settings);
    const size_t samples = check::count_rows(now, "samples");
    const size_t steps = check::count_rows(now, "timesteps");
    if (update) {
        const std::string text = check::format_golden(now);
        const char *what = !fs::exists(r.golden_path)           ? "new"
                           : read_file(r.golden_path) == text ? "unchanged"
                                                               : "changed";
        ps_error err{};
        if (ps_write_file_atomic(r.golden_path.c_str(), text.data(), text.size(), &err) != PS_OK)
            throw std::runtime_error(err.message);
        std::printf("%-28s wrote %s (%s; %zu samples, %zu timesteps)\n", r.name.c_str(),
                    r.golden_path.c_str(), what, samples, steps);
        return true;
    }
    const std::vector<std::string> diffs = check::compare(r.golden, now, r.name);
    if (diffs.empty()) {
        std::printf("%-28s ok (%zu samples, %zu timesteps)\n", r.name.c_str(), samples, steps);
        return true;
    }
    std::printf("%-28s DIFFERS from %s: %zu difference%s\n", r.name.c_str(), r.golden_path.c_str(),
                diffs.size(), diffs.size() == 1 ? "" : "s");
    for (size_t i = 0; i < diffs.size() && i < kMaxLinesPerConfig; i++)
        std::printf("  %s\n", diffs[i].c_str());
    if (diffs.size() > kMaxLinesPerConfig)
        std::printf("  %s: ... and %zu more\n", r.name.c_str(), diffs.size() - kMaxLinesPerConfig);
    return false;
}

// Everything a check needs, resolved and validated before any sim runs.
struct Plan {
    bool update = false;
    long long samples = 0, jobs = 0;
    std::string configs_dir, golden_dir, workload, data;
    check::RunSettings settings;
    std::vector<ConfigRun> runs;
    bool custom = false; // options beyond the defaults: the --update hint says to repeat them
};

Plan make_plan(const Args &args)
{
    Plan p;
    p.update = args.has("update");
    p.samples = args.integer("samples", kDefaultSamples, 1, 1LL << 40);
    p.jobs = args.integer("jobs", kDefaultJobs, 1, 256);
    if (args.positional().empty() || args.has("configs")) // checked even when not listed
        p.configs_dir = existing_path(args, "configs", kDefaultConfigs, true);
    p.golden_dir = p.update ? args.value("golden-dir", kDefaultGoldenDir)
                            : existing_path(args, "golden-dir", kDefaultGoldenDir, true);
    p.workload = existing_path(args, "workload", kDefaultWorkload, false);
    p.data = existing_path(args, "data", kDefaultData, false);
    p.runs = list_configs(args, p.configs_dir, p.golden_dir);
    p.settings.workload = fs::path(p.workload).filename().string();
    p.settings.data = fs::path(p.data).filename().string();
    p.settings.samples = p.samples;
    p.settings.params = args.values("param");
    for (const char *o : {"configs", "golden-dir", "workload", "data", "samples", "param"})
        p.custom = p.custom || args.has(o);
    return p;
}

// Check mode: loads the golden files; one that is missing or made with
// other settings fails without running its sim. Returns the configs to run.
std::vector<ConfigRun *> load_goldens(Plan &p, size_t &failed)
{
    std::vector<ConfigRun *> todo;
    for (auto &r : p.runs) {
        if (p.update) {
            todo.push_back(&r);
            continue;
        }
        if (!fs::exists(r.golden_path)) {
            std::printf("%-28s FAILED: no golden file %s; create it with `primesim check --update "
                        "%s`%s\n",
                        r.name.c_str(), r.golden_path.c_str(), r.path.c_str(),
                        p.custom ? " and this command's options" : "");
            failed++;
            continue;
        }
        r.golden = check::parse_golden(read_file(r.golden_path), r.golden_path);
        const std::string mismatch = check::settings_mismatch(r.golden.settings, p.settings);
        if (!mismatch.empty()) {
            std::printf("%-28s FAILED: %s\n", r.name.c_str(), mismatch.c_str());
            failed++;
            continue;
        }
        todo.push_back(&r);
    }
    return todo;
}

// Runs the sims in tmp: they start in config order, at most p.jobs at a
// time, and are reported in that order (each waited for in turn).
void run_sims(const Plan &p, const std::vector<ConfigRun *> &todo, const std::string &tmp,
              size_t &failed, size_t &bad_input)
{
    size_t started = 0;
    auto start = [&](ConfigRun &r) {
        std::vector<std::string> a = {"sim",        r.path, "--workload", p.workload,
                                      "--data",     p.data, "--samples",  std::to_string(p.samples),
                                      "-o",         tmp + "/" + r.name,
                                      "--max-memory",
                                      std::to_string(ps_memory_limit_bytes() / (uint64_t)p.jobs)};
        for (const auto &kv : p.settings.params) {
            a.push_back("-p");
            a.push_back(kv);
        }
        r.pid = spawn_self(a, tmp + "/" + r.name + ".log");
    };
    try {
        for (size_t i = 0; i < todo.size(); i++) {
            std::fflush(stdout); // progress while the next configs run
            for (; started < todo.size() && started < i + (size_t)p.jobs; started++)
                start(*todo[started]);
            ConfigRun &r = *todo[i];
            r.code = wait_child(r.pid);
            r.pid = 0;
            const std::string log = tmp + "/" + r.name + ".log";
            if (r.code != 0) {
                std::printf("%-28s FAILED: primesim sim %s exited %d; the end of %s:\n%s",
                            r.name.c_str(), r.path.c_str(), r.code, log.c_str(),
                            log_tail(log).c_str());
                failed++;
                bad_input += r.code == 2;
                continue;
            }
            check::RunSettings s = p.settings;
            s.config = fs::path(r.path).filename().string();
            try {
                failed += !report_run(r, s, tmp + "/" + r.name, p.update);
            } catch (const std::runtime_error &e) {
                std::printf("%-28s FAILED: %s\n", r.name.c_str(), e.what());
                failed++;
            }
        }
    } catch (...) {
        for (ConfigRun *r : todo) // no child outlives the command
            if (r->pid)
                wait_child(r->pid);
        throw;
    }
}

} // namespace

int run_check(const Args &args)
{
    const auto t0 = std::chrono::steady_clock::now();
    Plan p = make_plan(args);
    if (p.update) {
        ps_error err{};
        if (ps_make_dirs(p.golden_dir.c_str(), &err) != PS_OK)
            throw ConfigError("--golden-dir " + p.golden_dir + ": " + err.message);
    }
    size_t failed = 0, bad_input = 0;
    const std::vector<ConfigRun *> todo = load_goldens(p, failed);
    const std::string tmp = make_temp_dir();
    run_sims(p, todo, tmp, failed, bad_input);
    if (args.positional().empty()) {
        for (const auto &o : orphan_goldens(p.golden_dir, p.runs)) {
            std::printf("%s%s: golden file with no config in %s (renamed or removed? delete it or "
                        "restore the config)\n",
                        p.update ? "note: " : "", o.c_str(), p.configs_dir.c_str());
            failed += !p.update; // --update writes; it does not judge
        }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const size_t n = p.runs.size();
    if (!failed || fs::is_empty(tmp)) // nothing ran: nothing to keep
        fs::remove_all(tmp);
    if (!failed) {
        std::printf("check: %zu config%s %s (%.1f s)\n", n, n == 1 ? "" : "s",
                    p.update ? "updated" : "ok", secs);
        return 0;
    }
    std::printf("check: %zu problem%s over %zu config%s (%.1f s)", failed, failed == 1 ? "" : "s",
                n, n == 1 ? "" : "s", secs);
    if (fs::exists(tmp))
        std::printf("; sim outputs and logs kept in %s", tmp.c_str());
    std::printf("\n");
    return bad_input ? 2 : 1;
}

} // namespace primesim
