// The engine's speed targets, measured side by side in one run: the golden
// C model and the SystemC chip on PRIME's classification network (noise off
// and on, one process and two), a PyTorch dense batched forward of the same
// network as the reference (tests/bench/torch_reference.py, where torch
// imports), and a DVS128-Gesture-class network (configs/bench/) on ~100
// tiles, whose chip cost per event must stay within 20 % of PRIME's on 4.
//
//   bench_engine [--pwl W.pwl] [--data FILE.nmnp] [--samples N] [--dvs-samples N]
//                [--python PY] [--only K]
//
// Without --pwl, PRIME's shapes with random conductances; without --data,
// random frames. An event is a synaptic operation (a nonzero input level x
// a kept pair) or a flit-hop; cost per event = wall time / events. "2 proc"
// rows split the samples over two processes (as `primesim sim --jobs 2`)
// and time the slower. Every case runs in its own processes (SystemC
// elaborates once per process). Recorded figures: the issue's closing note
// and tests/bench/README.md.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "../test_chip_nets.hpp"
#include "chip/chip.hpp"
#include "config/train_recipe.hpp"
#include "config/system_config.hpp"
#include "data/frames.h"
#include "data/nmnist.h"
#include "golden.h"
#include "pwl.h"
#include "sim/sc_entry.hpp"
#include "train/trainer.h"

using namespace primesim;

namespace {

double cpu_seconds() // of this process: what a shared machine does not inflate
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double wall_seconds()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

std::string source_dir()
{
    std::string f = __FILE__; // .../tests/bench/bench_chip.cpp
    const size_t k = f.rfind("/tests/bench/");
    return k == std::string::npos ? "." : f.substr(0, k);
}

std::vector<std::vector<uint16_t>> load_frames(const std::string &path, const ps_frames_params &fp,
                                               size_t n)
{
    ps_error err{};
    ps_nmnist_packed *pk = nullptr;
    if (ps_nmnist_packed_open(path.c_str(), &pk, &err) != PS_OK)
        throw std::runtime_error(err.message);
    ps_event_buf ev;
    ps_event_buf_init(&ev);
    std::vector<std::vector<uint16_t>> out;
    std::vector<float> f(ps_frames_size(&fp));
    for (size_t i = 0; i < std::min(n, ps_nmnist_packed_count(pk)); i++) {
        ps_event_buf_clear(&ev);
        if (ps_nmnist_packed_events(pk, i, false, &ev, nullptr, &err) != PS_OK ||
            ps_frames_bin(&fp, ev.ev, ev.count, f.data(), &err) != PS_OK)
            throw std::runtime_error(err.message);
        std::vector<uint16_t> lv(f.size());
        for (size_t k = 0; k < f.size(); k++)
            lv[k] = (uint16_t)std::min(65535.0f, std::max(0.0f, std::round(f[k])));
        out.push_back(std::move(lv));
    }
    ps_event_buf_free(&ev);
    ps_nmnist_packed_close(pk);
    return out;
}

// DVS-like frames: a fraction `density` of the pixels fire, 1..4 events.
std::vector<uint16_t> dvs_frames(const ps_network &net, uint32_t seed, double density)
{
    std::mt19937 rng(seed);
    std::bernoulli_distribution on(density);
    std::uniform_int_distribution<int> count(1, 4);
    std::vector<uint16_t> f((size_t)(net.timesteps * net.in_c * net.in_h * net.in_w));
    for (auto &v : f)
        v = on(rng) ? (uint16_t)count(rng) : 0;
    return f;
}

// A network built by the trainer from a recipe, untrained (memristor pruning
// at its initial scores: formed conductances, half the pairs RESET), with
// each layer's weight scaled so activity neither dies nor saturates:
// weight_per_uS = gain / (6.352 uS sqrt(rows)). Copied out of the trainer,
// which is freed before any case runs.
struct OwnedWorkload {
    ps_network net{};
    std::vector<ps_layer> layers;
    std::vector<std::vector<float>> gp, gn;
    std::vector<std::vector<uint8_t>> keep;
};

std::unique_ptr<OwnedWorkload> build_net(const std::string &recipe, double gain)
{
    ps_trainer_config cfg;
    load_and_bind(recipe, {}, train_recipe_schema(cfg));
    ps_error err{};
    ps_trainer *tr = nullptr;
    ps_workload w;
    ps_workload_init(&w);
    if (ps_trainer_create(&cfg, &err, &tr) != PS_OK || ps_trainer_export(tr, &w, &err) != PS_OK) {
        ps_trainer_destroy(tr);
        throw std::runtime_error(recipe + ": " + err.message);
    }
    auto o = std::make_unique<OwnedWorkload>();
    o->net = w.net;
    o->layers.assign(w.net.layers, w.net.layers + w.net.n_layers);
    o->gp.resize(o->layers.size());
    o->gn.resize(o->layers.size());
    o->keep.resize(o->layers.size());
    for (size_t i = 0; i < o->layers.size(); i++) {
        ps_layer &l = o->layers[i];
        if (!ps_layer_has_weights(&l))
            continue;
        const size_t n = (size_t)(l.rows * l.cols);
        o->gp[i].assign(l.g_pos_uS, l.g_pos_uS + n);
        o->gn[i].assign(l.g_neg_uS, l.g_neg_uS + n);
        if (l.keep)
            o->keep[i].assign(l.keep, l.keep + n);
        l.g_pos_uS = o->gp[i].data();
        l.g_neg_uS = o->gn[i].data();
        l.keep = l.keep ? o->keep[i].data() : nullptr;
        l.weight_per_uS = gain / (6.352 * std::sqrt((double)l.rows));
    }
    o->net.layers = o->layers.data();
    ps_trainer_destroy(tr);
    return o;
}

struct Case {
    const char *label;
    bool dvs;        // the scale network, else PRIME's
    bool chip;       // SystemC chip, else the golden model
    int procs;       // processes sharing the samples
    const char *config;
    std::vector<std::string> overrides;
};

struct Figures { // one process's share
    double seconds = 0, cpu_seconds = 0;
    uint64_t samples = 0, synaptic_ops = 0, flit_hops = 0, spikes = 0, tiles = 0, conversions = 0;
    long rss_kb = 0;
};

// Runs samples i = part, part + procs, ... of the case; times the run loop.
Figures run_share(const Case &c, const std::string &root, const ps_network &net,
                  const std::vector<std::vector<uint16_t>> &frames, int part)
{
    SystemConfig cfg;
    std::vector<std::string> overrides = c.overrides;
    overrides.push_back("chip.early_stop=false"); // every sample runs all T steps
    load_system_config(root + "/" + c.config, overrides, cfg);
    Figures f;
    std::vector<size_t> mine;
    for (size_t i = (size_t)part; i < frames.size(); i += (size_t)c.procs)
        mine.push_back(i);
    if (!c.chip) {
        ps_golden_config gc = chiptest::golden_config(cfg);
        ps_golden *g = nullptr;
        ps_error err{};
        if (ps_golden_create(&net, &gc, &err, &g) != PS_OK)
            throw std::runtime_error(err.message);
        const double t0 = wall_seconds(), c0 = cpu_seconds();
        for (size_t i : mine) {
            ps_golden_result r;
            if (ps_golden_run(g, frames[i].data(), i, &r, &err) != PS_OK)
                throw std::runtime_error(err.message);
            const uint64_t *sc = ps_golden_spike_counts(g);
            for (size_t k = 0; k < (size_t)(r.timesteps_run * net.n_layers); k++)
                f.spikes += sc[k];
        }
        f.seconds = wall_seconds() - t0;
        f.cpu_seconds = cpu_seconds() - c0;
        ps_golden_stats st;
        ps_golden_stats_get(g, &st);
        f.synaptic_ops = st.synaptic_ops;
        f.conversions = st.adc.conversions;
        ps_golden_destroy(g);
    } else {
        run_in_systemc([&] {
            chip::Chip chip("chip", cfg, net);
            f.tiles = chip.n_tiles();
            chip.set_workload(
                [&](size_t k, std::vector<uint16_t> &fr, uint64_t &id) {
                    if (k >= mine.size())
                        return false;
                    fr = frames[mine[k]];
                    id = mine[k];
                    return true;
                },
                [&](const chip::SampleResult &r) {
                    f.spikes += r.counters.spikes;
                    f.synaptic_ops += r.counters.synaptic_ops;
                    f.flit_hops += r.counters.noc_flit_hops;
                    f.conversions += r.counters.adc_conversions;
                });
            const double t0 = wall_seconds(), c0 = cpu_seconds();
            sc_core::sc_start();
            f.seconds = wall_seconds() - t0;
            f.cpu_seconds = cpu_seconds() - c0;
            return 0;
        });
    }
    f.samples = mine.size();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    f.rss_kb = ru.ru_maxrss;
    return f;
}

// Forks the case's processes, sums their figures, takes the slowest time.
Figures run_case(const Case &c, const std::string &root, const ps_network &net,
                 const std::vector<std::vector<uint16_t>> &frames)
{
    std::vector<std::pair<pid_t, int>> kids;
    for (int part = 0; part < c.procs; part++) {
        int fd[2];
        if (pipe(fd) != 0)
            throw std::runtime_error("pipe");
        std::fflush(stdout);
        const pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            int rc = 0;
            Figures f;
            try {
                f = run_share(c, root, net, frames, part);
            } catch (const std::exception &e) {
                std::fprintf(stderr, "%s: %s\n", c.label, e.what());
                rc = 1;
            }
            if (write(fd[1], &f, sizeof f) != (ssize_t)sizeof f)
                rc = 1;
            _exit(rc);
        }
        close(fd[1]);
        kids.emplace_back(pid, fd[0]);
    }
    Figures sum;
    for (auto &[pid, fd] : kids) {
        Figures f;
        const bool got = read(fd, &f, sizeof f) == (ssize_t)sizeof f;
        close(fd);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw std::runtime_error(std::string(c.label) + ": a process failed");
        sum.seconds = std::max(sum.seconds, f.seconds);
        sum.cpu_seconds += f.cpu_seconds;
        sum.samples += f.samples;
        sum.synaptic_ops += f.synaptic_ops;
        sum.flit_hops += f.flit_hops;
        sum.spikes += f.spikes;
        sum.conversions += f.conversions;
        sum.tiles = std::max(sum.tiles, f.tiles);
        sum.rss_kb = std::max(sum.rss_kb, f.rss_kb);
    }
    return sum;
}

// samples/s of the PyTorch reference, or 0 where torch does not import.
double torch_rate(const std::string &python, const std::string &root, int threads, size_t samples)
{
    const std::string cmd = python + " " + root + "/tests/bench/torch_reference.py --threads " +
                            std::to_string(threads) + " --samples " + std::to_string(samples) +
                            " 2>/dev/null";
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return 0;
    char line[256];
    double rate = 0;
    while (std::fgets(line, sizeof line, p))
        std::sscanf(line, "torch samples/s %lf", &rate);
    pclose(p);
    return rate;
}

} // namespace

int main(int argc, char **argv)
{
    std::string pwl, data, python = "/usr/bin/python3", root = source_dir();
    size_t samples = 200, dvs_samples = 20;
    int only = -1;
    double dvs_gain = 0.6, dvs_density = 0.02;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--pwl")
            pwl = next();
        else if (a == "--data")
            data = next();
        else if (a == "--samples")
            samples = (size_t)std::atol(next().c_str());
        else if (a == "--dvs-samples")
            dvs_samples = (size_t)std::atol(next().c_str());
        else if (a == "--python")
            python = next();
        else if (a == "--only")
            only = std::atoi(next().c_str());
        else if (a == "--dvs-gain")
            dvs_gain = std::atof(next().c_str());
        else if (a == "--dvs-density")
            dvs_density = std::atof(next().c_str());
        else {
            std::fprintf(stderr, "usage: %s [--pwl W.pwl] [--data FILE.nmnp] [--samples N] "
                                 "[--dvs-samples N] [--python PY] [--only K] [--dvs-gain G] "
                                 "[--dvs-density D]\n", argv[0]);
            return 2;
        }
    }
    try {
        std::unique_ptr<chiptest::OwnedNet> own;
        ps_workload *w = nullptr;
        const ps_network *net;
        ps_frames_params fp;
        ps_params_set_defaults(&ps_frames_param_table, &fp);
        if (!pwl.empty()) {
            ps_error err{};
            if (ps_workload_read(pwl.c_str(), &w, &err) != PS_OK)
                throw std::runtime_error(err.message);
            net = &w->net;
            fp = w->frames;
        } else {
            own = chiptest::prime_net(3);
            net = &own->net;
            fp.bins = net->timesteps;
        }
        std::vector<std::vector<uint16_t>> frames;
        if (!data.empty())
            frames = load_frames(data, fp, samples);
        else
            for (size_t i = 0; i < samples; i++)
                frames.push_back(chiptest::frames(*net, 700 + (uint32_t)i));
        std::unique_ptr<OwnedWorkload> dvs; // built before its first case
        std::vector<std::vector<uint16_t>> dvs_in;

        const std::vector<std::string> off = {"device.read_noise_rel=0"};
        const std::vector<std::string> four = {"mapper.arrays_per_tile=4"};
        const std::vector<Case> cases = {
            {"PRIME golden, noise off", false, false, 1, "configs/systems/prime_40nm.yaml", off},
            {"PRIME golden, noise off", false, false, 2, "configs/systems/prime_40nm.yaml", off},
            {"PRIME golden, noise on", false, false, 1, "configs/systems/prime_40nm.yaml", {}},
            {"PRIME golden, noise on", false, false, 2, "configs/systems/prime_40nm.yaml", {}},
            {"PRIME chip, noise off", false, true, 1, "configs/systems/prime_40nm.yaml", off},
            {"PRIME chip, noise on", false, true, 1, "configs/systems/prime_40nm.yaml", {}},
            {"PRIME chip, noise on", false, true, 2, "configs/systems/prime_40nm.yaml", {}},
            {"PRIME chip, 4 tiles (apt 4)", false, true, 1, "configs/systems/prime_40nm.yaml", four},
            {"PRIME chip, 61 tiles (8x8)", false, true, 1, "configs/systems/prime_40nm.yaml",
             {"mapper.arrays_per_tile=1", "mapper.replicate_conv=28", "noc.mesh_x=8", "noc.mesh_y=8",
              "chip.io_node=63"}},
            {"DVS golden", true, false, 1, "configs/bench/dvs_gesture_512.yaml", {}},
            {"DVS chip", true, true, 1, "configs/bench/dvs_gesture_512.yaml", {}},
        };
        std::printf("PRIME: %s; inputs: %s; %zu samples; all T = 10 steps (no early stop)\n",
                    pwl.empty() ? "PRIME shapes, random conductances" : pwl.c_str(),
                    data.empty() ? "random frames" : data.c_str(), frames.size());
        std::printf("samples/s: wall time of the slowest process; cpu/s: per CPU-second (a "
                    "shared machine inflates the first, not the second)\n");
        std::printf("%-3s %-30s %5s %5s %10s %8s %11s %11s %10s %11s %9s %7s\n", "#", "case",
                    "procs", "tiles", "samples/s", "cpu/s", "spikes/smp", "synops/smp", "convs/smp",
                    "hops/smp", "ns/event", "RSS MB");
        std::vector<Figures> got(cases.size());
        for (size_t k = 0; k < cases.size(); k++) {
            if (only >= 0 && (size_t)only != k)
                continue;
            const Case &c = cases[k];
            if (c.dvs && !dvs) {
                dvs = build_net(root + "/configs/bench/dvs_gesture_net.yaml", dvs_gain);
                for (size_t i = 0; i < dvs_samples; i++)
                    dvs_in.push_back(dvs_frames(dvs->net, 900 + (uint32_t)i, dvs_density));
                int64_t kept = 0, total = 0;
                ps_network_count_pairs(&dvs->net, &kept, &total);
                std::printf("DVS: configs/bench/dvs_gesture_net.yaml, %lld synapses (%lld kept), "
                            "weight gain %.2f; %zu samples of random frames, %.1f %% of the pixels "
                            "firing 1..4 events per bin\n",
                            (long long)total, (long long)kept, dvs_gain, dvs_samples,
                            dvs_density * 100);
            }
            Figures f = run_case(c, root, c.dvs ? dvs->net : *net, c.dvs ? dvs_in : frames);
            got[k] = f;
            const double n = (double)f.samples;
            std::printf("%-3zu %-30s %5d %5llu %10.1f %8.1f %11.0f %11.0f %10.0f %11.0f %9.2f %7.1f\n",
                        k, c.label, c.procs, (unsigned long long)f.tiles, n / f.seconds,
                        n / f.cpu_seconds, (double)f.spikes / n, (double)f.synaptic_ops / n,
                        (double)f.conversions / n, (double)f.flit_hops / n,
                        f.cpu_seconds * 1e9 / (double)(f.synaptic_ops + f.flit_hops),
                        (double)f.rss_kb / 1024);
            std::fflush(stdout);
        }
        if (only < 0) {
            auto rate = [&](size_t k) { return (double)got[k].samples / got[k].seconds; };
            auto per_event = [&](size_t k) {
                return got[k].cpu_seconds / (double)(got[k].synaptic_ops + got[k].flit_hops);
            };
            auto cpu_rate = [&](size_t k) { return (double)got[k].samples / got[k].cpu_seconds; };
            const double t2 = torch_rate(python, root, 2, 1000), t1 = torch_rate(python, root, 1, 1000);
            if (t2 > 0) {
                std::printf("PyTorch 1.13 dense batched forward (batch 100): %.1f samples/s on 2 "
                            "threads, %.1f on 1\n", t2, t1);
                std::printf("golden noise off, 2 proc / torch 2 threads: %.2fx (target >= 2)\n",
                            rate(1) / t2);
                std::printf("golden noise on,  2 proc / torch 2 threads: %.2fx (target >= 1)\n",
                            rate(3) / t2);
            } else {
                std::printf("PyTorch reference: torch does not import with %s\n", python.c_str());
            }
            std::printf("chip / golden CPU time, noise off: %.2f; noise on: %.2f (target <= 2)\n",
                        cpu_rate(0) / cpu_rate(4), cpu_rate(2) / cpu_rate(5));
            std::printf("2 processes / 1: golden %.2fx, chip %.2fx (target >= 1.8)\n",
                        rate(3) / rate(2), rate(6) / rate(5));
            std::printf("chip cost per event, DVS on %llu tiles / PRIME on %llu tiles: %.2f "
                        "(target 0.8 .. 1.2)\n", (unsigned long long)got[10].tiles,
                        (unsigned long long)got[7].tiles, per_event(10) / per_event(7));
        }
        ps_workload_free(w);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_engine: %s\n", e.what());
        return 1;
    }
    return 0;
}
