// primesim sweep: a design-space sweep. Every point is a child `primesim
// sim` with the point's -p overrides, writing OUT/points/<id>/; a point is
// finished when its point.status exists (written atomically after the
// child ends), which makes a killed sweep resumable. The table and the
// Pareto plot are built from the finished points only.
#include <signal.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "common/memory.h"
#include "config/config.hpp"
#include "config/sweep_plan.hpp"
#include "config/system_config.hpp"
#include "fileio.h"
#include "hardware_json.hpp"
#include "stats.h"
#include "subprocess.hpp"
#include "sweep.h"

namespace fs = std::filesystem;

namespace primesim {

void define_sweep(Args &args)
{
    args.shipped({}, true);
    args.usage("SWEEP.yaml -o OUT/ [--jobs N] [--shard i/N] [--samples N] [-p KEY=VALUE]...\n"
               "       [--retry-failed] [--dry-run]",
               "Runs a design-space sweep: every point of SWEEP.yaml is the sweep's system config\n"
               "with the point's parameter overrides, simulated (primesim sim) on the same\n"
               "samples in a process of its own, --jobs at a time. Each point writes the outputs\n"
               "of primesim sim to OUT/points/<id>/ (and its log, log.txt). The sweep then\n"
               "writes OUT/table.csv and OUT/table.md (a row per point: accuracy, mean\n"
               "timesteps, energy and latency per sample, area proxy — tiles, arrays, ADCs —\n"
               "and the energy and latency ratios of the digital baselines) and\n"
               "OUT/pareto.svg (energy vs latency, accuracy as colour, the Pareto-optimal\n"
               "points ringed). Pareto-optimal: no other point is as good in every objective\n"
               "of sweep.pareto and better in one (default energy, latency, accuracy and ADC\n"
               "count: without an area objective, sharing ADCs could never be optimal).\n"
               "Resumable: a sweep run again with the same -o keeps every finished point and\n"
               "runs only the others (OUT/plan.txt records the sweep; another sweep in the same\n"
               "OUT is refused). A point that fails is recorded with its error and the rest go\n"
               "on; it is not retried unless --retry-failed. --shard i/N runs the points k with\n"
               "k mod N = i (for Slurm job arrays or GNU parallel); primesim merge joins the\n"
               "shard outputs into the result of a single run.\n"
               "Exit: 0 all points ok, 1 some point failed (the table is still written), 2 bad\n"
               "input (the sweep file, a point's parameters), 130 interrupted.");
    args.option("out", 'o', "DIR", "output directory (resumed when it holds this sweep)");
    args.option("jobs", 'j', "N", "points run at once (default: the number of cores)");
    args.option("shard", 0, "i/N", "run only points k with k mod N = i");
    args.option("samples", 's', "N", "override sweep.samples");
    args.option("param", 'p', "KEY=VALUE", "a parameter override for every point (repeatable)");
    args.option("retry-failed", 0, "", "run again the points that failed before");
    args.option("dry-run", 'n', "", "check the sweep and list its points, run nothing");
    max_memory_option(args); // shared: each of the --jobs points gets its part
    args.epilog(
        "SWEEP.yaml (paths relative to the file):\n"
        "  sweep:\n"
        "    name: tile_adc\n"
        "    system: ../systems/prime_40nm.yaml   # the base system config\n"
        "    workload: ../../workloads/default/prime_nmnist.pwl\n"
        "    data: ../../workloads/default/nmnist_test_300.nmnp\n"
        "    samples: 200                         # optional: default all\n"
        "    threshold: 0.8                       # optional: default the workload's\n"
        "    golden: false                        # optional: the golden model (no timing)\n"
        "    params: {noc.link_mm: 0.5}           # optional: for every point\n"
        "    pareto: [energy, latency, accuracy, adcs]  # optional; also arrays, tiles\n"
        "  grid:                                  # cartesian product, first axis slowest\n"
        "    - {crossbar.rows: [128, 256, 512], crossbar.cols: [64, 128, 256]}  # zipped\n"
        "    - adc.bits: [4, 6, 8]\n"
        "    - early_stop.theta: {from: 0.5, to: 0.9, step: 0.1}   # or {from, to, count}\n"
        "  points:                                # and/or an explicit list\n"
        "    - {adc.bits: 5, adc.cols_per_adc: 16}\n"
        "Any parameter path of primesim params can be swept. Points are numbered p000,\n"
        "p001, ... in this order (grid first).\n"
        "\n"
        "examples:\n"
        "  primesim sweep configs/sweeps/tile_adc.yaml --jobs 2 -o out/tile_adc\n"
        "  primesim sweep configs/sweeps/tile_adc.yaml --shard 3/8 -o out/shard3   # one of 8\n"
        "  primesim merge out/shard0 ... out/shard7 -o out/tile_adc");
}

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

struct PointStatus {
    std::string state; // "ok" or "failed"; empty: not finished
    std::string error;
};

// A whole file; ConfigError naming it when it cannot be read (a shard
// directory without plan.txt is not "another sweep").
std::string read_text(const std::string &path)
{
    uint8_t *data = nullptr;
    size_t size = 0;
    ps_error err{};
    if (ps_read_file(path.c_str(), &data, &size, &err) != PS_OK)
        throw ConfigError(err.message);
    std::string text(reinterpret_cast<const char *>(data), size);
    std::free(data);
    return text;
}

PointStatus read_status(const std::string &dir)
{
    PointStatus st;
    std::ifstream in(dir + "/point.status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("state: ", 0) == 0)
            st.state = line.substr(7);
        else if (line.rfind("error: ", 0) == 0)
            st.error = line.substr(7);
    }
    return st;
}

// The child's message: the last non-empty line of its log.
std::string last_line(const std::string &log)
{
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos)
            last = line;
    return last.empty() ? "(no message)" : last;
}

// Figures of a finished point, for its table row.
struct PointResult {
    std::string id;
    PointStatus status;
    ps_stats_point result{};
    int64_t tiles = -1, arrays = -1, adcs = -1;
};

PointResult read_point(const std::string &out, const SweepPoint &p)
{
    PointResult r;
    r.id = p.id;
    const std::string dir = out + "/points/" + p.id;
    r.status = read_status(dir);
    if (r.status.state != "ok")
        return r;
    ps_error err{};
    ps_stats_run *run = nullptr;
    if (ps_stats_read_csv((dir + "/timesteps.csv").c_str(), &err, &run) != PS_OK)
        throw ConfigError(err.message);
    std::unique_ptr<ps_stats_run, void (*)(ps_stats_run *)> hold(run, ps_stats_destroy);
    if (ps_stats_point_at(run, ps_stats_get_meta(run)->theta, &r.result) != PS_OK)
        throw ConfigError(dir + "/timesteps.csv: no records");
    if (!ps_stats_get_meta(run)->timed) { // the golden model: no latency, not a zero one
        r.result.hybrid_ns = r.result.event_latency_ratio = r.result.dense_latency_ratio = NAN;
        r.result.throughput_sps = r.result.edp_pj_ns = NAN;
    }
    chip::ChipHardware hw;
    if (read_hardware_json(dir + "/hardware.json", hw)) { // golden runs have none
        r.tiles = hw.tiles;
        r.arrays = hw.arrays;
        r.adcs = hw.adcs;
    }
    return r;
}

std::string capture(const std::function<void(FILE *)> &fill)
{
    char *buf = nullptr;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        throw std::runtime_error("out of memory");
    fill(f);
    std::fclose(f);
    std::string s(buf, size);
    std::free(buf);
    return s;
}

// OUT/table.csv, table.md, pareto.svg over the given points of plan.
// Returns the number of failed points.
size_t write_sweep_table(const SweepPlan &plan, const std::vector<size_t> &which,
                         const std::string &out, bool print)
{
    std::vector<PointResult> results;
    for (size_t i : which)
        results.push_back(read_point(out, plan.points[i]));
    std::vector<ps_sweep_row> rows(results.size());
    std::vector<std::vector<const char *>> values(results.size());
    std::vector<const char *> params;
    for (const auto &p : plan.params)
        params.push_back(p.c_str());
    size_t failed = 0;
    for (size_t k = 0; k < results.size(); k++) {
        const PointResult &r = results[k];
        for (const auto &v : plan.points[which[k]].values)
            values[k].push_back(v.c_str());
        ps_sweep_row &row = rows[k];
        row.point = r.id.c_str();
        row.values = values[k].data();
        row.state = r.status.state == "ok"       ? PS_SWEEP_OK
                    : r.status.state == "failed" ? PS_SWEEP_FAILED
                                                 : PS_SWEEP_NOT_RUN;
        failed += row.state == PS_SWEEP_FAILED;
        row.error = r.status.error.c_str();
        row.result = r.result;
        row.tiles = r.tiles;
        row.arrays = r.arrays;
        row.adcs = r.adcs;
    }
    std::unique_ptr<bool[]> pareto(new bool[rows.size() + 1]);
    ps_sweep_pareto(rows.data(), rows.size(), plan.pareto, pareto.get());
    const std::string title = "primesim sweep: " + plan.name;
    write_text_atomic(out + "/table.csv", capture([&](FILE *f) {
                   ps_sweep_write_csv(f, params.data(), params.size(), rows.data(), rows.size(),
                                      pareto.get());
               }));
    const std::string md = capture([&](FILE *f) {
        ps_sweep_write_markdown(f, title.c_str(), params.data(), params.size(), rows.data(),
                                rows.size(), pareto.get(), plan.pareto);
        std::fputs("\n![Pareto plot](pareto.svg)\n", f);
    });
    write_text_atomic(out + "/table.md", md);
    ps_error err{};
    if (ps_sweep_write_pareto_svg(out.c_str(), "pareto.svg", title.c_str(), rows.data(),
                                  rows.size(), pareto.get(), &err) != PS_OK)
        throw std::runtime_error(err.message);
    if (print) {
        std::fputs(md.c_str(), stdout);
        std::printf("\ntable: %s/table.md, %s/table.csv; plot: %s/pareto.svg\n", out.c_str(),
                    out.c_str(), out.c_str());
    }
    return failed;
}

// Refuses an OUT that holds another sweep; writes the plan otherwise.
void claim_output(const SweepPlan &plan, const std::string &out)
{
    const std::string path = out + "/plan.txt";
    const std::string want = plan.text();
    if (fs::exists(path)) {
        const std::string have = sweep_plan_identity(read_text(path));
        if (have == sweep_plan_identity(want)) {
            write_text_atomic(path, want); // the Pareto objectives may have changed
            return;
        }
        std::istringstream a(have), b(sweep_plan_identity(want));
        std::string la, lb;
        int line = 0;
        while (true) {
            line++;
            const bool ga = (bool)std::getline(a, la), gb = (bool)std::getline(b, lb);
            if (!ga || !gb || la != lb) {
                throw ConfigError(path + ":" + std::to_string(line) +
                                  ": this directory holds another sweep (it has '" + la +
                                  "', this sweep '" + lb + "'); use a new -o directory");
            }
        }
    }
    write_text_atomic(path, want);
}

} // namespace

// primesim merge of sweep shard outputs: the plans must agree; each point
// is taken from the shard that finished it (ok over failed). Returns 1 when
// a point is missing from every shard (the table marks it "not run").
int merge_sweeps(const std::vector<std::string> &dirs, const std::string &out)
{
    const std::string first = dirs[0] + "/plan.txt";
    const std::string text = read_text(first);
    const SweepPlan plan = parse_sweep_plan_text(text, first);
    for (const auto &d : dirs)
        if (sweep_plan_identity(read_text(d + "/plan.txt")) != sweep_plan_identity(text))
            throw ConfigError(d + "/plan.txt: another sweep than " + first +
                              " (shards must come from the same sweep file and options)");
    ps_error err{};
    if (ps_make_dirs((out + "/points").c_str(), &err) != PS_OK)
        throw ConfigError(err.message);
    write_text_atomic(out + "/plan.txt", text);
    std::vector<size_t> all;
    std::vector<std::string> missing;
    for (size_t k = 0; k < plan.points.size(); k++) {
        all.push_back(k);
        const std::string id = plan.points[k].id;
        std::string from;
        for (const auto &d : dirs) {
            const std::string st = read_status(d + "/points/" + id).state;
            if (st == "ok" || (st == "failed" && from.empty()))
                from = d + "/points/" + id;
            if (st == "ok")
                break;
        }
        const std::string to = out + "/points/" + id;
        if (from.empty()) {
            if (read_status(to).state.empty())
                missing.push_back(id);
            continue;
        }
        if (fs::weakly_canonical(from) == fs::weakly_canonical(to))
            continue;
        fs::remove_all(to);
        fs::copy(from, to, fs::copy_options::recursive);
    }
    write_sweep_table(plan, all, out, false);
    std::printf("merged %zu sweep outputs into %s: %zu points%s\n", dirs.size(), out.c_str(),
                plan.points.size(), missing.empty() ? "" : ", some not run by any shard");
    if (!missing.empty()) {
        std::string list;
        for (const auto &id : missing)
            list += " " + id;
        std::fprintf(stderr, "primesim merge: no shard finished:%s (run their shards again)\n",
                     list.c_str());
        return 1;
    }
    return 0;
}

int run_sweep(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one SWEEP.yaml");
    SweepPlan plan = load_sweep_plan(args.positional()[0]);
    if (args.has("samples"))
        plan.samples = args.integer("samples", 0, 1, 1LL << 40);
    for (const auto &p : args.values("param"))
        plan.fixed.push_back(p);
    long long shard = 0, shards = 1;
    if (args.has("shard"))
        parse_shard(args.value("shard"), shard, shards);
    const long long jobs =
        args.integer("jobs", std::max(1u, std::thread::hardware_concurrency()), 1, 1024);

    // Every point's parameters bind before anything runs: a typo in a path
    // or an out-of-range value is the sweep file's error, not a failed point.
    for (const char *what : {"workload", "data"}) {
        const std::string &p = what[0] == 'w' ? plan.workload : plan.data;
        if (!fs::exists(p))
            throw ConfigError(args.positional()[0] + ": sweep." + what + ": " + p +
                              ": no such file");
    }
    for (const auto &p : plan.points) {
        SystemConfig cfg;
        ConfigSection schema = cfg.schema();
        try {
            load_and_bind(plan.system, plan.overrides(p), schema);
        } catch (const ConfigError &e) {
            throw ConfigError(args.positional()[0] + ": point " + p.id + ": " + e.what());
        }
    }
    std::vector<size_t> mine;
    for (size_t k = (size_t)shard; k < plan.points.size(); k += (size_t)shards)
        mine.push_back(k);
    if (args.has("dry-run")) {
        std::printf("sweep %s: %zu points (this shard: %zu), every one binds\n",
                    plan.name.c_str(), plan.points.size(), mine.size());
        for (size_t k : mine) {
            std::printf("%s", plan.points[k].id.c_str());
            for (const auto &o : plan.overrides(plan.points[k]))
                std::printf(" %s", o.c_str());
            std::printf("\n");
        }
        return 0;
    }
    if (!args.has("out"))
        throw UsageError("expected -o OUT/");
    const std::string out = args.value("out");
    ps_error err{};
    if (ps_make_dirs((out + "/points").c_str(), &err) != PS_OK)
        throw ConfigError(err.message);
    claim_output(plan, out);

    std::vector<size_t> todo;
    size_t done = 0;
    for (size_t k : mine) {
        const PointStatus st = read_status(out + "/points/" + plan.points[k].id);
        if (st.state == "ok" || (st.state == "failed" && !args.has("retry-failed")))
            done++;
        else
            todo.push_back(k);
    }
    std::printf("sweep %s: %zu points%s, %zu finished before, %zu to run, %lld at a time\n",
                plan.name.c_str(), mine.size(), shards > 1 ? " in this shard" : "", done,
                todo.size(), std::min<long long>(jobs, (long long)todo.size()));
    std::fflush(stdout);

    struct sigaction sa {};
    sa.sa_handler = on_interrupt; // no SA_RESTART: waitpid returns on a signal
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    struct Running {
        size_t point;
        std::chrono::steady_clock::time_point start;
    };
    std::map<pid_t, Running> running;
    // Points running at once share the budget; one too big for its part
    // fails up front with its estimate (and is recorded as failed).
    const std::string child_memory = std::to_string(ps_memory_limit_bytes() / (uint64_t)jobs);
    size_t next = 0, finished = 0;
    while ((next < todo.size() || !running.empty()) && !g_interrupted) {
        while (next < todo.size() && (long long)running.size() < jobs) {
            const SweepPoint &p = plan.points[todo[next++]];
            const std::string dir = out + "/points/" + p.id;
            fs::remove_all(dir); // what a killed run left
            fs::create_directories(dir);
            std::vector<std::string> a = {"sim", plan.system, "--workload", plan.workload,
                                          "--data", plan.data};
            if (plan.samples > 0)
                a.insert(a.end(), {"--samples", std::to_string(plan.samples)});
            if (!plan.threshold.empty())
                a.insert(a.end(), {"--threshold", plan.threshold});
            if (plan.golden)
                a.push_back("--golden");
            for (const auto &o : plan.overrides(p))
                a.insert(a.end(), {"-p", o});
            a.insert(a.end(), {"-o", dir, "--max-memory", child_memory});
            pid_t pid = 0;
            try {
                pid = spawn_self(a, dir + "/log.txt");
            } catch (const std::exception &) {
                for (const auto &r : running) // no orphans writing into OUT
                    kill(r.first, SIGTERM);
                for (const auto &r : running)
                    wait_child(r.first);
                throw;
            }
            running[pid] = {todo[next - 1], std::chrono::steady_clock::now()};
        }
        int code = 0;
        const pid_t pid = wait_any(&code);
        if (pid < 0)
            continue; // interrupted: the loop condition decides
        auto it = running.find(pid);
        if (it == running.end())
            continue;
        const SweepPoint &p = plan.points[it->second.point];
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.start)
                .count();
        running.erase(it);
        const std::string dir = out + "/points/" + p.id;
        if (g_interrupted && code != 0)
            break; // killed by our own interrupt: not a result
        std::string error;
        if (code == 0 && !fs::exists(dir + "/" + kRunDoneFile))
            error = std::string("the simulation exited 0 but wrote no ") + kRunDoneFile;
        else if (code != 0)
            error = "exit " + std::to_string(code) + ": " + last_line(dir + "/log.txt");
        char secs_text[32];
        std::snprintf(secs_text, sizeof secs_text, "%.1f", secs);
        write_text_atomic(dir + "/point.status", std::string("state: ") + (error.empty() ? "ok" : "failed") +
                                              "\nexit: " + std::to_string(code) +
                                              "\nseconds: " + secs_text +
                                              (error.empty() ? "" : "\nerror: " + error) + "\n");
        finished++;
        std::printf("[%zu/%zu] %s %s (%s s)%s%s\n", done + finished, mine.size(), p.id.c_str(),
                    error.empty() ? "ok" : "FAILED", secs_text, error.empty() ? "" : ": ",
                    error.c_str());
        std::fflush(stdout);
    }
    if (g_interrupted) {
        for (const auto &r : running)
            kill(r.first, SIGTERM);
        for (const auto &r : running)
            wait_child(r.first);
        std::fprintf(stderr,
                     "primesim sweep: interrupted; %zu points finished, run the same command to "
                     "go on\n",
                     done + finished);
        return 130;
    }
    const size_t failed = write_sweep_table(plan, mine, out, true);
    if (failed)
        std::fprintf(stderr, "primesim sweep: %zu of %zu points failed (see the table and "
                             "points/<id>/log.txt)\n",
                     failed, mine.size());
    return failed ? 1 : 0;
}

} // namespace primesim
