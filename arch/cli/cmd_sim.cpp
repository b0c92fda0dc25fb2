// primesim sim: resolve a system config and run a workload on the SystemC
// chip (or on the golden C model with --golden), sample by sample.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "chip/chip.hpp"
#include "commands.hpp"
#include "common/memory.h"
#include "config/system_config.hpp"
#include "data/frames.h"
#include "data/nmnist.h"
#include "data/nmnist_dir.h"
#include "golden.h"
#include "hardware_json.hpp"
#include "mapper.h"
#include "pwl.h"
#include "sim/sc_entry.hpp"
#include "stats.h"
#include "subprocess.hpp"

namespace primesim {

void define_sim(Args &args)
{
    args.shipped({"workload", "data"}, true);
    args.usage("SYSTEM.yaml --workload W.pwl --data DIR|FILE [--samples N] [--threshold T]\n"
               "       [--thresholds T1,T2,...]"
               "       [--jobs N | --shard i/N] [--golden] [--vcd FILE.vcd [--trace GROUPS]]\n"
               "       [-p KEY=VALUE]... -o OUT/ | --dry-run",
               "Runs a workload on the cycle-level chip built from SYSTEM.yaml: N-MNIST samples\n"
               "(a dataset directory or a packed file) are binned into frames with the workload's\n"
               "frame parameters and run one after another; early stop ends a sample when the\n"
               "network is confident. --golden runs the golden C model instead (outputs and\n"
               "operation counts, no timing). Writes OUT/config.resolved.yaml, OUT/samples.csv,\n"
               "OUT/hardware.json (tiles, arrays, ADCs of the mapping; not with --golden) and\n"
               "prints a summary. The early-stop alpha and theta come from the workload\n"
               "(over the system YAML); an explicit -p early_stop.alpha=/early_stop.theta= wins\n"
               "over the workload, and --threshold over everything for theta. A network that does\n"
               "not fit the mesh is bad input (exit 2; the message names noc.mesh_x/mesh_y,\n"
               "mapper.arrays_per_tile). The baseline.* table configures the digital baselines;\n"
               "baseline.clock_mhz is system.clock_mhz unless set. --dry-run only resolves and\n"
               "checks the config.\n"
               "Also writes OUT/timesteps.csv (one record per sample x timestep: energy by\n"
               "component, latency, compute load, spikes per layer, confidence; the event-driven\n"
               "and dense digital baselines on the same work), OUT/summary.json and OUT/report.md\n"
               "with SVG plots (see primesim report). --thresholds runs every sample at full T\n"
               "once and replays the early stop at each threshold: the classification table;\n"
               "the one-line summary is then the run's theta replayed on those traces.\n"
               "--jobs N runs N shard processes in OUT/shards/i/ and merges them into OUT/; the\n"
               "shard directories are removed after a successful merge, kept when a shard fails.\n"
               "OUT/run.done is written last (and removed first): a directory without it holds\n"
               "no finished run. A run killed at any moment is finished by the same command:\n"
               "it runs again, and with --jobs keeps the shards that had finished.");
    args.option("param", 'p', "KEY=VALUE", "override one parameter, e.g. -p adc.bits=6 (repeatable)");
    args.option("out", 'o', "DIR", "output directory");
    args.option("dry-run", 'n', "", "resolve and check the config, write it, simulate nothing");
    args.option("workload", 'w', "W.pwl", "the trained workload");
    args.option("data", 'd', "DIR|FILE", "N-MNIST directory (Train/Test or 0..9) or packed file");
    args.option("samples", 's', "N", "run the first N samples (default all)");
    args.option("threshold", 't', "THETA", "early-stop confidence threshold");
    args.option("thresholds", 0, "T1,T2,...", "sweep: trace at full T, replay each threshold");
    args.option("jobs", 'j', "N", "run N processes, each a shard, and merge their outputs");
    args.option("shard", 0, "i/N", "run samples k with k mod N = i");
    args.option("golden", 'g', "", "run the golden C model (no timing)");
    args.option("vcd", 0, "FILE.vcd", "record chosen signals of the chip in a VCD file (off by default)");
    args.option("trace", 0, "GROUPS", "signal groups for --vcd, comma-separated (default all)");
    max_memory_option(args);
    args.epilog(
        "VCD tracing (--vcd; one process: not with --jobs or --golden; results are the same\n"
        "with or without it). Signals, named by their path under 'chip', by --trace group:\n"
        "  tiles       chip.tiles(k).busy    1 while tile k reads, adds partial sums or updates\n"
        "                                    its neurons\n"
        "              chip.tiles(k).reads   arrays of tile k reading (reads in flight)\n"
        "  noc         chip.noc.flits        flits in the mesh (buffered or on links)\n"
        "              chip.noc.packets      packets sent and not yet delivered\n"
        "              chip.noc.routers(n).flits  flits in router n's input buffers\n"
        "  early_stop  chip.early_stop.sample      id (index) of the sample running\n"
        "              chip.early_stop.timestep    timestep being computed\n"
        "              chip.early_stop.confidence  score of the last decision (real)\n"
        "              chip.early_stop.prediction  class of the last decision\n"
        "  lif         chip.layers(i).spikes  spikes of LIF layer i so far this timestep\n"
        "              chip.tiles(k).spikes   the same for the LIF homes on tile k\n"
        "(k) stands for the path's [k]: VCD viewers read [] as bit ranges.\n"
        "Time is in ps; values change at the cycle the event happens. Every signal of every\n"
        "tile and router makes big files: use --samples and --trace to keep them small.\n"
        "\n"
        "example:\n  primesim sim configs/systems/prime_40nm.yaml --workload w.pwl "
        "--data nmnist.nmnp --samples 100 -o out/\n"
        "  primesim sim configs/systems/prime_40nm.yaml --workload w.pwl --data nmnist.nmnp "
        "--samples 2 --vcd out/run.vcd --trace tiles,early_stop -o out/");
}

// cmd_merge.cpp, cmd_report.cpp
std::unique_ptr<ps_stats_run, void (*)(ps_stats_run *)>
merge_outputs(const std::vector<std::string> &dirs, const std::string &out);
void write_report(const ps_stats_run *run, const std::string &dir, const std::string &title);

namespace {

struct Sample {
    size_t index;
    int label;
    std::vector<uint16_t> frames;
};

// Samples of the dataset, binned with the workload's frame parameters.
class Dataset {
  public:
    Dataset(const std::string &path, const ps_frames_params &fp) : fp_(fp)
    {
        ps_error err{};
        if (std::filesystem::is_directory(path)) {
            if (ps_nmnist_dir_open(path.c_str(), &dir_, &err) != PS_OK)
                throw ConfigError(err.message);
            for (size_t i = 0; i < ps_nmnist_dir_count(dir_); i++)
                entries_.push_back(ps_nmnist_dir_entry(dir_, i));
        } else {
            if (ps_nmnist_packed_open(path.c_str(), &packed_, &err) != PS_OK)
                throw ConfigError(err.message);
            for (size_t i = 0; i < ps_nmnist_packed_count(packed_); i++)
                entries_.push_back(ps_nmnist_packed_entry(packed_, i));
        }
        ps_event_buf_init(&ev_);
    }
    ~Dataset()
    {
        ps_nmnist_packed_close(packed_);
        ps_nmnist_dir_close(dir_);
        ps_event_buf_free(&ev_);
    }
    size_t size() const { return entries_.size(); }
    Sample load(size_t i)
    {
        ps_error err{};
        ps_event_buf_clear(&ev_);
        ps_status s;
        if (packed_) {
            s = ps_nmnist_packed_events(packed_, i, false, &ev_, nullptr, &err);
        } else {
            s = ps_nmnist_dir_events(dir_, i, false, &ev_, nullptr, &err);
        }
        if (s != PS_OK)
            throw ConfigError(err.message);
        std::vector<float> f(ps_frames_size(&fp_));
        if (ps_frames_bin(&fp_, ev_.ev, ev_.count, f.data(), &err) != PS_OK)
            throw ConfigError(err.message);
        Sample out{i, entries_[i].label, std::vector<uint16_t>(f.size())};
        for (size_t k = 0; k < f.size(); k++)
            out.frames[k] = (uint16_t)std::min(65535.0f, std::max(0.0f, std::round(f[k])));
        return out;
    }

  private:
    ps_frames_params fp_;
    ps_nmnist_dir *dir_ = nullptr;
    ps_nmnist_packed *packed_ = nullptr;
    std::vector<ps_nmnist_entry> entries_;
    ps_event_buf ev_;
};

const char *kCsvHeader =
    "index,label,prediction,timesteps,cycles,latency_ns,energy_pj,crossbar_pj,dac_pj,adc_pj,"
    "accumulate_pj,lif_pj,early_stop_pj,noc_pj,buffer_pj,spikes,synaptic_ops,noc_flits\n";

struct Row {
    size_t index;
    std::string line;
};

std::string csv_row(size_t index, int label, int prediction, int64_t timesteps, uint64_t cycles,
                    double clock_mhz, const chip::ChipCounters &c)
{
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "%zu,%d,%d,%lld,%llu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,"
                  "%llu,%llu,%llu\n",
                  index, label, prediction, (long long)timesteps, (unsigned long long)cycles,
                  (double)cycles * 1e3 / clock_mhz, c.total_pj(), c.crossbar_pj, c.dac_pj,
                  c.adc_pj, c.accumulate_pj, c.lif_pj, c.early_stop_pj, c.noc_pj, c.buffer_pj,
                  (unsigned long long)c.spikes, (unsigned long long)c.synaptic_ops,
                  (unsigned long long)c.noc_flits);
    return buf;
}

// Per-timestep statistics (stats/): one record per sample x timestep from
// the chip's counters after each decision (or the golden model's), with
// both digital baselines run on the same work, timestep by timestep.
class StatsCollector {
  public:
    StatsCollector(const SystemConfig &cfg, const ps_network &net, const std::vector<double> &sweep,
                   bool timed)
        : cfg_(cfg), net_(net)
    {
        if (net.n_layers > PS_STATS_MAX_LAYERS)
            throw ConfigError("stats: more than " + std::to_string(PS_STATS_MAX_LAYERS) + " layers");
        bp_ = cfg.baseline; // clock_mhz: system.clock_mhz unless set (finish_system_config)
        ps_error err{};
        if (ps_baseline_create(&bp_, &cfg.energy_digital, &net, &err, &b_) != PS_OK)
            throw ConfigError(std::string("baseline: ") + err.message);
        ps_stats_meta m{};
        m.timesteps = net.timesteps;
        m.n_layers = net.n_layers;
        m.clock_mhz = cfg.system.clock_mhz;
        m.theta = cfg.early_stop.theta;
        m.early_stop = cfg.chip.early_stop;
        m.timed = timed;
        if (sweep.size() > PS_STATS_MAX_THRESHOLDS)
            throw UsageError("--thresholds: at most " + std::to_string(PS_STATS_MAX_THRESHOLDS));
        m.n_thresholds = sweep.size();
        std::copy(sweep.begin(), sweep.end(), m.thresholds);
        std::snprintf(m.system, sizeof m.system, "%s", cfg.system.name);
        if (ps_stats_create(&m, &err, &run_) != PS_OK)
            throw ConfigError(err.message);
        const ps_layer &out = net.layers[net.n_layers - 1];
        K_ = (size_t)ps_layer_out_size(&out);
        const ps_early_stop_ops ops = ps_early_stop_classify_ops(K_);
        es_cycles_ = (uint64_t)ps_early_stop_ops_cycles(&cfg.early_stop, &ops);
        es_pj_ = ps_early_stop_ops_energy_pj(&cfg.early_stop, &ops);
    }
    ~StatsCollector()
    {
        ps_baseline_destroy(b_);
        ps_stats_destroy(run_);
    }
    StatsCollector(const StatsCollector &) = delete;
    StatsCollector &operator=(const StatsCollector &) = delete;

    // cum[t]: the sample's counters after the decision of step t + 1.
    void add_chip(const chip::SampleResult &r, int label)
    {
        const size_t T = (size_t)r.timesteps_run;
        if (r.timestep_counters.size() != T || r.timestep_cycles.size() != T)
            throw std::runtime_error("chip: per-timestep counters missing");
        std::vector<double> conf;
        std::vector<int32_t> pred;
        trace(r.outputs.data(), T, conf, pred);
        chip::ChipCounters prev;
        for (size_t t = 0; t < T; t++) {
            const chip::ChipCounters d = r.timestep_counters[t] - prev;
            prev = r.timestep_counters[t];
            ps_stats_hybrid_step h{};
            h.cycles = r.timestep_cycles[t];
            h.crossbar_pj = d.crossbar_pj;
            h.dac_pj = d.dac_pj;
            h.adc_pj = d.adc_pj;
            h.accumulate_pj = d.accumulate_pj;
            h.lif_pj = d.lif_pj;
            h.buffer_pj = d.buffer_pj;
            h.noc_pj = d.noc_pj;
            h.early_stop_pj = d.early_stop_pj;
            h.synaptic_ops = d.synaptic_ops;
            h.crossbar_reads = d.reads;
            h.analogue_cycles = d.analogue_cycles;
            h.active_rows = d.active_rows;
            h.adc_conversions = d.adc_conversions;
            h.accumulates = d.accumulates;
            h.noc_flits = d.noc_flits;
            h.spikes = d.spikes;
            h.early_stop_cycles = es_cycles_;
            for (int64_t l = 0; l < net_.n_layers; l++)
                h.spikes_per_layer[l] = r.spike_counts[t * (size_t)net_.n_layers + (size_t)l];
            add(r.sample_id, label, (int64_t)t + 1, pred[t], conf[t], h);
        }
    }

    // Golden model: no timing; cum[t] = its stats after step t + 1's last layer.
    void add_golden(uint64_t id, int label, size_t T, const float *outputs, const uint64_t *spikes,
                    const std::vector<ps_golden_stats> &cum)
    {
        std::vector<double> conf;
        std::vector<int32_t> pred;
        trace(outputs, T, conf, pred);
        ps_golden_stats prev{};
        for (size_t t = 0; t < T && t < cum.size(); t++) {
            const ps_golden_stats &c = cum[t];
            ps_stats_hybrid_step h{};
            h.crossbar_pj = c.crossbar.arrays.cell_energy_pj - prev.crossbar.arrays.cell_energy_pj;
            h.dac_pj = c.crossbar.arrays.driver_energy_pj - prev.crossbar.arrays.driver_energy_pj;
            h.adc_pj = c.adc.energy_pj - prev.adc.energy_pj;
            h.lif_pj = c.lif.energy_pj - prev.lif.energy_pj;
            h.early_stop_pj = es_pj_;
            h.synaptic_ops = c.synaptic_ops - prev.synaptic_ops;
            h.crossbar_reads = c.crossbar.arrays.reads - prev.crossbar.arrays.reads;
            h.analogue_cycles = c.crossbar.arrays.cycles - prev.crossbar.arrays.cycles;
            h.active_rows = c.crossbar.arrays.active_rows - prev.crossbar.arrays.active_rows;
            h.spikes = c.lif.spikes - prev.lif.spikes;
            h.early_stop_cycles = es_cycles_;
            for (int64_t l = 0; l < net_.n_layers; l++)
                h.spikes_per_layer[l] = spikes[t * (size_t)net_.n_layers + (size_t)l];
            prev = c;
            add(id, label, (int64_t)t + 1, pred[t], conf[t], h);
        }
    }

    ps_stats_run *run() { return run_; }

  private:
    void trace(const float *outputs, size_t T, std::vector<double> &conf, std::vector<int32_t> &pred)
    {
        conf.assign(T, 0.0);
        pred.assign(T, -1);
        if (T && ps_early_stop_classify_trace(cfg_.early_stop.alpha, outputs, T, K_, conf.data(),
                                              pred.data()) != PS_OK)
            throw std::runtime_error("early-stop trace failed");
    }
    void add(uint64_t id, int label, int64_t t, int32_t pred, double conf,
             const ps_stats_hybrid_step &h)
    {
        ps_stats_record rec;
        if (ps_stats_record_fill(&rec, ps_stats_get_meta(run_), id, label, t, pred, conf, &h, b_,
                                 &bp_) != PS_OK ||
            ps_stats_add(run_, &rec) != PS_OK)
            throw std::runtime_error("stats: cannot record sample " + std::to_string(id));
    }

    const SystemConfig &cfg_;
    const ps_network &net_;
    ps_baseline_params bp_{};
    ps_baseline *b_ = nullptr;
    ps_stats_run *run_ = nullptr;
    size_t K_ = 0;
    uint64_t es_cycles_ = 0;
    double es_pj_ = 0;
};

std::vector<double> parse_thresholds(const std::string &s)
{
    std::vector<double> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char *end = nullptr;
        const double x = std::strtod(item.c_str(), &end);
        if (item.empty() || *end || !(x >= 0 && x <= 1))
            throw UsageError("--thresholds expects numbers in [0, 1] separated by commas, got '" +
                             s + "'");
        out.push_back(x);
    }
    return out;
}

// Summary over the rows of a samples.csv (index,label,prediction,timesteps,...).
void print_summary(const std::vector<std::string> &lines, double seconds, bool golden,
                   const std::string &label = "")
{
    size_t n = 0, correct = 0;
    double steps = 0, energy = 0, latency = 0;
    for (const auto &l : lines) {
        std::stringstream ss(l);
        std::string f[7];
        for (auto &x : f)
            std::getline(ss, x, ',');
        n++;
        correct += f[1] == f[2];
        steps += std::stod(f[3]);
        latency += std::stod(f[5]);
        energy += std::stod(f[6]);
    }
    if (!n)
        return;
    std::printf("%zu samples%s: accuracy %.4f, mean timesteps %.3f, mean energy %.4g nJ", n,
                label.c_str(), (double)correct / (double)n, steps / (double)n,
                energy / (double)n * 1e-3);
    if (!golden)
        std::printf(", mean latency %.4g us", latency / (double)n * 1e-3);
    std::printf(", %.1f samples/s\n", seconds > 0 ? (double)n / seconds : 0.0);
}

// The summary of a --thresholds run: its traces are at full T, so the
// figures are the run's theta replayed over them (as the table's row).
void print_sweep_summary(const ps_stats_run *run, double seconds, bool golden)
{
    ps_stats_point pt{};
    const double theta = ps_stats_get_meta(run)->theta;
    if (ps_stats_point_at(run, theta, &pt) != PS_OK || !pt.samples)
        return;
    std::printf("%zu samples at theta %g (replayed on the full-T traces): accuracy %.4f, mean "
                "timesteps %.3f, mean energy %.4g nJ",
                pt.samples, theta, pt.accuracy, pt.mean_timesteps, pt.hybrid_pj * 1e-3);
    if (!golden)
        std::printf(", mean latency %.4g us", pt.hybrid_ns * 1e-3);
    std::printf(", %.1f samples/s\n", seconds > 0 ? (double)pt.samples / seconds : 0.0);
}

// Refuses (ConfigError, before anything is built) a config whose arrays
// would not fit the memory budget: arrays are provisioned whole, so huge
// crossbar.rows x cols cost memory even when the network uses a sliver.
void check_memory(const SystemConfig &cfg, const ps_network &net, long long jobs)
{
    const double bytes = ps_mapper_sim_bytes(&cfg.mapper, &net, &cfg.crossbar) * (double)jobs;
    char what[256];
    std::snprintf(what, sizeof what,
                  "the chip (crossbar.rows x cols = %lld x %lld%s, arrays provisioned whole)",
                  (long long)cfg.crossbar.rows, (long long)cfg.crossbar.cols,
                  jobs > 1 ? (", times " + std::to_string(jobs) + " jobs").c_str() : "");
    ps_error err{};
    if (ps_memory_check(bytes >= 1.8e19 ? UINT64_MAX : (uint64_t)bytes, what, &err) != PS_OK)
        throw ConfigError(std::string(err.message) +
                          "; smaller arrays (crossbar.rows/cols) hold the same network");
}

// OUT/run.done, written last: the run's settings (what a rerun must match
// to keep it) and, for a shard, which one. A directory without it is not a
// finished run, whatever else it holds.
std::string done_text(const Args &args, const std::string &shard = "")
{
    std::string t = "primesim sim: complete\nsystem: " + args.positional()[0] + "\n";
    for (const char *opt : {"workload", "data", "samples", "threshold", "thresholds"})
        if (args.has(opt))
            t += std::string(opt) + ": " + args.value(opt) + "\n";
    if (args.has("golden"))
        t += "golden: true\n";
    for (const auto &p : args.values("param"))
        t += "param: " + p + "\n";
    return shard.empty() ? t : t + "shard: " + shard + "\n";
}

std::string read_done(const std::string &dir)
{
    std::ifstream in(dir + "/" + kRunDoneFile, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int run_jobs(const Args &args, long long jobs, const std::string &out)
{
    std::filesystem::remove(out + "/" + kRunDoneFile); // not this run's result until it ends
    std::vector<pid_t> pids;
    const auto t0 = std::chrono::steady_clock::now();
    for (long long i = 0; i < jobs; i++) {
        const std::string shard = std::to_string(i) + "/" + std::to_string(jobs);
        if (read_done(out + "/shards/" + std::to_string(i)) == done_text(args, shard)) {
            std::printf("shard %s finished before: kept\n", shard.c_str());
            continue; // a killed run's finished shard
        }
        std::vector<std::string> a = {"sim", args.positional()[0]};
        for (const char *opt : {"workload", "data", "samples", "threshold", "thresholds", "max-memory"})
            if (args.has(opt)) {
                a.push_back(std::string("--") + opt);
                a.push_back(args.value(opt));
            }
        for (const auto &p : args.values("param")) {
            a.push_back("-p");
            a.push_back(p);
        }
        if (args.has("golden"))
            a.push_back("--golden");
        a.push_back("--shard");
        a.push_back(shard);
        a.push_back("-o");
        a.push_back(out + "/shards/" + std::to_string(i));
        pids.push_back(spawn_self(a));
    }
    int failed = 0, bad_input = 0;
    for (pid_t pid : pids) {
        const int code = wait_child(pid);
        failed += code != 0;
        bad_input += code == 2;
    }
    if (failed && bad_input == failed)
        throw ConfigError("the shards rejected their input; see their messages above (shard "
                          "outputs kept in " + out + "/shards/)");
    if (failed)
        throw std::runtime_error("a shard failed; see its messages above (shard outputs kept in " +
                                 out + "/shards/)");
    std::vector<std::string> dirs;
    for (long long i = 0; i < jobs; i++)
        dirs.push_back(out + "/shards/" + std::to_string(i));
    // timesteps.csv, summary.json, samples.csv (rows in sample order), config, hardware
    const auto run = merge_outputs(dirs, out);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (args.has("thresholds")) {
        print_sweep_summary(run.get(), secs, args.has("golden"));
    } else {
        std::ifstream in(out + "/samples.csv");
        std::vector<std::string> lines;
        std::string line;
        std::getline(in, line); // the header
        while (std::getline(in, line))
            lines.push_back(line);
        print_summary(lines, secs, args.has("golden"));
    }
    write_report(run.get(), out, "primesim sim: " + args.positional()[0]);
    std::filesystem::remove_all(out + "/shards"); // merged: kept only on failure
    write_text_atomic(out + "/" + kRunDoneFile, done_text(args));
    return 0;
}

} // namespace

int run_sim(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one SYSTEM.yaml");
    std::vector<std::string> overrides = args.values("param");
    SystemConfig cfg;
    ConfigSection schema = cfg.schema();
    ConfigDocument doc = load_and_bind(args.positional()[0], overrides, schema);
    finish_system_config(doc, cfg);
    if (args.has("dry-run")) {
        if (!args.has("out")) {
            std::string header = "resolved config of " + args.positional()[0];
            std::fputs(emit_resolved_config(schema, header, doc.sources).c_str(), stdout);
            return 0;
        }
        const std::string path = write_resolved_config(args.value("out"), schema, doc, overrides);
        std::printf("config ok: %s (clock %g MHz, seed %lld)\nresolved config: %s\n", cfg.system.name,
                    cfg.system.clock_mhz, (long long)cfg.system.seed, path.c_str());
        return 0;
    }
    if (!args.has("workload") || !args.has("data") || !args.has("out"))
        throw UsageError("expected --workload, --data and -o (or --dry-run)");
    const std::string out = args.value("out");
    const long long jobs = args.integer("jobs", 1, 1, 1024);
    if (jobs > 1 && args.has("shard"))
        throw UsageError("--jobs and --shard exclude each other");
    if (args.has("trace") && !args.has("vcd"))
        throw UsageError("--trace chooses signals for --vcd, which is missing");
    chip::TraceOptions trace;
    if (args.has("vcd")) {
        if (jobs > 1 || args.has("golden"))
            throw UsageError("--vcd traces one chip simulation: not with --jobs or --golden");
        try {
            trace = chip::TraceOptions::parse_groups(args.value("trace", "all"));
        } catch (const std::invalid_argument &e) {
            throw UsageError(std::string("--trace: ") + e.what());
        }
    }
    ps_error err{};
    ps_workload *w = nullptr;
    if (ps_workload_read(args.value("workload").c_str(), &w, &err) != PS_OK)
        throw ConfigError(err.message);
    std::unique_ptr<ps_workload, void (*)(ps_workload *)> wl(w, ps_workload_free);
    check_memory(cfg, w->net, jobs);
    if (jobs > 1)
        return run_jobs(args, jobs, out);
    long long shard = 0, shards = 1;
    if (args.has("shard"))
        parse_shard(args.value("shard"), shard, shards);
    // Early stop: the workload's alpha and theta over the system YAML; an
    // explicit -p early_stop.alpha= / early_stop.theta= over the workload;
    // --threshold over everything.
    auto given = [&](const std::string &key) {
        for (const auto &o : args.values("param"))
            if (o.compare(0, key.size() + 1, key + "=") == 0)
                return true;
        return false;
    };
    char num[64];
    if (!given("early_stop.alpha")) {
        std::snprintf(num, sizeof num, "%.17g", w->early_stop_alpha);
        overrides.push_back(std::string("early_stop.alpha=") + num);
    }
    if (args.has("threshold")) {
        overrides.push_back("early_stop.theta=" + args.value("threshold"));
    } else if (!given("early_stop.theta")) {
        std::snprintf(num, sizeof num, "%.17g", w->early_stop_theta);
        overrides.push_back(std::string("early_stop.theta=") + num);
    }
    std::vector<double> sweep;
    if (args.has("thresholds")) {
        sweep = parse_thresholds(args.value("thresholds"));
        overrides.push_back("chip.early_stop=false"); // full-T traces, stops replayed
    }
    doc = load_and_bind(args.positional()[0], overrides, schema);
    finish_system_config(doc, cfg);
    Dataset data(args.value("data"), w->frames); // bad input is refused before OUT changes
    // Whatever OUT held is not this run's result until this run ends.
    std::filesystem::remove(out + "/" + kRunDoneFile);
    write_resolved_config(out, schema, doc, overrides);
    StatsCollector stats(cfg, w->net, sweep, !args.has("golden"));

    size_t total = data.size();
    if (args.has("samples"))
        total = std::min<size_t>(total, (size_t)args.integer("samples", 0, 0, 1LL << 40));
    std::vector<size_t> mine;
    for (size_t k = (size_t)shard; k < total; k += (size_t)shards)
        mine.push_back(k);

    std::vector<std::string> lines;
    const auto t0 = std::chrono::steady_clock::now();
    if (args.has("golden")) {
        ps_golden_config gc;
        ps_golden_config_defaults(&gc);
        gc.device = cfg.device;
        gc.crossbar = cfg.crossbar;
        gc.dac = cfg.dac;
        gc.adc = cfg.adc;
        gc.ideal_adc = cfg.chip.ideal_adc;
        gc.lif = cfg.lif;
        gc.early_stop = cfg.early_stop;
        gc.early_stop_enabled = cfg.chip.early_stop;
        gc.seed = (uint64_t)cfg.system.seed;
        ps_golden *g = nullptr;
        if (ps_golden_create(&w->net, &gc, &err, &g) != PS_OK)
            throw ConfigError(err.message);
        std::unique_ptr<ps_golden, void (*)(ps_golden *)> gh(g, ps_golden_destroy);
        ps_golden_stats before{}, after{};
        struct Obs {
            ps_golden *g;
            int64_t last;
            std::vector<ps_golden_stats> cum;
        } obs{g, w->net.n_layers - 1, {}};
        ps_golden_set_observer(
            g,
            [](void *ctx, int64_t, int64_t layer, const float *, size_t) {
                Obs *o = static_cast<Obs *>(ctx);
                if (layer == o->last) { // the step's work is done: snapshot for its record
                    o->cum.emplace_back();
                    ps_golden_stats_get(o->g, &o->cum.back());
                }
            },
            &obs);
        for (size_t k : mine) {
            obs.cum.clear();
            Sample s = data.load(k);
            ps_golden_reset(g); // per-sample sums independent of the samples before
            ps_golden_stats_get(g, &before);
            ps_golden_result r;
            if (ps_golden_run(g, s.frames.data(), k, &r, &err) != PS_OK)
                throw std::runtime_error(err.message);
            ps_golden_stats_get(g, &after);
            chip::ChipCounters c;
            c.crossbar_pj = after.crossbar.arrays.cell_energy_pj - before.crossbar.arrays.cell_energy_pj;
            c.dac_pj = after.crossbar.arrays.driver_energy_pj - before.crossbar.arrays.driver_energy_pj;
            c.adc_pj = after.adc.energy_pj - before.adc.energy_pj;
            c.lif_pj = after.lif.energy_pj - before.lif.energy_pj;
            c.early_stop_pj = after.early_stop.energy_pj - before.early_stop.energy_pj;
            c.synaptic_ops = after.synaptic_ops - before.synaptic_ops;
            c.spikes = after.lif.spikes - before.lif.spikes;
            lines.push_back(csv_row(k, s.label, r.prediction, r.timesteps_run, 0, cfg.system.clock_mhz, c));
            stats.add_golden(k, s.label, (size_t)r.timesteps_run, ps_golden_outputs(g),
                             ps_golden_spike_counts(g), obs.cum);
        }
    } else {
        // Errors inside SystemC are caught here and rethrown after it: bad
        // data exits 2 (ConfigError), anything else 1.
        std::string data_error, sim_error;
        std::string vcd_path;
        chip::ChipHardware hardware;
        if (args.has("vcd")) {
            vcd_path = args.value("vcd");
            // SystemC appends ".vcd" to the name it is given.
            if (vcd_path.size() > 4 && vcd_path.compare(vcd_path.size() - 4, 4, ".vcd") == 0)
                vcd_path.resize(vcd_path.size() - 4);
            const std::filesystem::path dir = std::filesystem::path(vcd_path).parent_path();
            if (!dir.empty() && !std::filesystem::is_directory(dir))
                throw ConfigError("--vcd: directory " + dir.string() + " does not exist");
        }
        run_in_systemc([&] {
            try {
                sc_core::sc_trace_file *tf = nullptr;
                if (!vcd_path.empty()) {
                    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
                    tf = sc_core::sc_create_vcd_trace_file(vcd_path.c_str());
                    if (!tf)
                        throw ConfigError("--vcd: cannot create " + vcd_path + ".vcd");
                    tf->set_time_unit(1, sc_core::SC_PS);
                    trace.file = tf;
                }
                chip::Chip chip("chip", cfg, w->net, trace);
                hardware = chip.hardware();
                std::vector<int> labels;
                chip.set_workload(
                    [&](size_t i, std::vector<uint16_t> &f, uint64_t &id) {
                        if (i >= mine.size() || !data_error.empty())
                            return false;
                        try {
                            Sample s = data.load(mine[i]);
                            f = std::move(s.frames);
                            labels.push_back(s.label);
                        } catch (const ConfigError &e) {
                            data_error = e.what();
                            return false;
                        }
                        id = mine[i];
                        return true;
                    },
                    [&](const chip::SampleResult &r) {
                        lines.push_back(csv_row(r.sample_id, labels.back(), r.prediction,
                                                r.timesteps_run, r.cycles, cfg.system.clock_mhz,
                                                r.counters));
                        stats.add_chip(r, labels.back());
                    });
                sc_core::sc_start();
                if (tf)
                    sc_core::sc_close_vcd_trace_file(tf);
            } catch (const ConfigError &e) {
                data_error = e.what();
            } catch (const std::exception &e) {
                sim_error = e.what();
            }
            return 0;
        });
        if (!data_error.empty())
            throw ConfigError(data_error);
        if (!sim_error.empty())
            throw std::runtime_error(sim_error);
        write_hardware_json(hardware, out);
    }
    std::string csv = kCsvHeader;
    for (auto &l : lines) {
        csv += l;
        l.pop_back(); // the newline, for the summary
    }
    write_text_atomic(out + "/samples.csv", csv);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (ps_stats_write_outputs(stats.run(), out.c_str(), &err) != PS_OK)
        throw std::runtime_error(err.message);
    if (!args.has("shard")) {
        if (args.has("thresholds"))
            print_sweep_summary(stats.run(), secs, args.has("golden"));
        else
            print_summary(lines, secs, args.has("golden"));
        write_report(stats.run(), out, "primesim sim: " + args.positional()[0]);
    }
    write_text_atomic(out + "/" + kRunDoneFile,
                      done_text(args, args.has("shard") ? args.value("shard") : ""));
    return 0;
}

} // namespace primesim
