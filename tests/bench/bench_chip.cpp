// Chip vs golden model speed (issue 6): samples/s of the golden C model and
// of the SystemC chip on prime_40nm and prime_40nm_small_tiles, the chip's
// cost relative to the golden model, spikes per sample and microseconds per
// spike event, for the same network spread over about 4 and about 64 tiles,
// and peak RSS.
//
//   bench_chip [--pwl W.pwl] [--data FILE.nmnp] [--samples N] [--configs DIR] [--case K]
//
// Without --pwl: PRIME's network (conv 2->12 k5 p1, pool, conv 12->64 k5,
// pool, fc 2304->10, T = 10) with random conductances, half the pairs pruned.
// Without --data: random event-count frames (10 % of the pixels fire).
// Spike events = input events (levels fed to the first layer, summed over the
// timesteps run) + spikes of the LIF layers. Each case runs in its own
// process (SystemC elaborates once per process); peak RSS is the largest of
// them. Targets: chip <= 3x golden; us per event flat from 4 to 64 tiles;
// peak RSS < 500 MB.
//
// Recorded (2 shared cores, CPU time), default workload, 20 converted test
// digits: bench_chip --pwl workloads/default/prime_nmnist.pwl
//   --data workloads/default/nmnist_test_100.nmnp --samples 20
//   case                         tiles golden/s chip/s ratio c us/ev flit-hops/smp
//   prime_40nm (stock)               3     8.06   7.94  1.01   5.47      8377
//   prime_40nm apt=4                 4     8.04   7.93  1.01   5.48      8200
//   prime_40nm apt=1 rep=28 8x8     61     7.99   7.28  1.10   5.97    128449
//   small_tiles apt=16 rep=1         4    19.90  19.01  1.05   2.23     14840
//   small_tiles (stock, rep=8)      50    19.84  15.45  1.28   2.75    330077
//   small_tiles rep=11              62    19.90  14.88  1.34   2.85    349623
//   peak RSS 41.8 MB; 19.9k-20.3k spikes and 23.0k-23.5k events per sample.
// Over two runs each, us per event rises 4 -> ~64 tiles by 9-12 % (512-row
// arrays) and 27-28 % (128-row), down from 25-27 % and 56-69 % when every
// LIF home sent all its spikes to every tile of the next layer (708k and
// 1079k flit-hops per sample then). Each tile is now sent only the inputs
// its blocks read (chip.hpp, schedule step 0). What remains is NoC work the
// mapping really has (~40 ns of simulation per flit-hop): on 128-row arrays
// with one array per tile, the second conv's (12->64, 300 rows) three row
// tiles sit on three tiles and send dense partial sums (64 columns x
// positions x 24 bits, ~97 % of the flits); on 512-row arrays, conv
// replicas' receptive fields overlap, so a spike near a replica boundary
// goes to each replica that reads it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../test_chip_nets.hpp"
#include "chip/chip.hpp"
#include "config/system_config.hpp"
#include "data/frames.h"
#include "data/nmnist.h"
#include "golden.h"
#include "pwl.h"
#include "sim/sc_entry.hpp"

using namespace primesim;

namespace {

struct Case {
    const char *label;
    const char *file; // under configs/systems
    std::vector<std::string> overrides;
};

// CPU time of this process: the machine may be shared, wall time is noisy.
double cpu_seconds()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

uint64_t input_events(const ps_network &net, const std::vector<uint16_t> &f, int64_t steps)
{
    const size_t frame = (size_t)(net.in_c * net.in_h * net.in_w);
    uint64_t n = 0;
    for (size_t k = 0; k < (size_t)steps * frame; k++)
        n += std::min<uint64_t>(f[k], (uint64_t)net.input_max_level);
    return n;
}

// One case, in a child process: prints one line.
int run_case(const Case &c, const std::string &configs, const ps_network &net,
             const std::vector<std::vector<uint16_t>> &frames)
{
    SystemConfig cfg;
    load_system_config(configs + "/" + c.file, c.overrides, cfg);
    // Golden model.
    ps_golden_config gc = chiptest::golden_config(cfg);
    ps_golden *g = nullptr;
    ps_error err{};
    if (ps_golden_create(&net, &gc, &err, &g) != PS_OK)
        throw std::runtime_error(err.message);
    uint64_t g_spikes = 0, g_events = 0;
    const double t0 = cpu_seconds();
    for (size_t i = 0; i < frames.size(); i++) {
        ps_golden_result r;
        if (ps_golden_run(g, frames[i].data(), i, &r, &err) != PS_OK)
            throw std::runtime_error(err.message);
        const uint64_t *sc = ps_golden_spike_counts(g);
        for (size_t k = 0; k < (size_t)(r.timesteps_run * net.n_layers); k++)
            g_spikes += sc[k];
        g_events += input_events(net, frames[i], r.timesteps_run);
    }
    const double g_s = cpu_seconds() - t0;
    ps_golden_destroy(g);
    // Chip.
    uint64_t c_spikes = 0, c_events = 0, tiles = 0, flits = 0, flit_hops = 0;
    double c_s = 0;
    run_in_systemc([&] {
        chip::Chip chip("chip", cfg, net);
        tiles = chip.n_tiles();
        chip.set_workload(
            [&](size_t i, std::vector<uint16_t> &f, uint64_t &id) {
                if (i >= frames.size())
                    return false;
                f = frames[i];
                id = i;
                return true;
            },
            [&](const chip::SampleResult &r) {
                c_spikes += r.counters.spikes;
                flits += r.counters.noc_flits;
                flit_hops += r.counters.noc_flit_hops;
                c_events += input_events(net, frames[r.sample_id], r.timesteps_run);
            });
        const double t1 = cpu_seconds();
        sc_core::sc_start();
        c_s = cpu_seconds() - t1;
        return 0;
    });
    if (c_spikes != g_spikes)
        std::fprintf(stderr, "%s: chip spikes %llu != golden %llu (noise/quantisation differ?)\n",
                     c.label, (unsigned long long)c_spikes, (unsigned long long)g_spikes);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double n = (double)frames.size();
    const double ev = (double)(c_events + c_spikes);
    std::printf("%-34s %5llu %10.2f %10.2f %6.2f %10.1f %10.1f %9.3f %9.3f %9.0f %10.0f %7.1f\n",
                c.label,
                (unsigned long long)tiles, n / g_s, n / c_s, c_s / g_s, (double)c_spikes / n, ev / n,
                g_s * 1e6 / (double)(g_events + g_spikes), c_s * 1e6 / ev, (double)flits / n,
                (double)flit_hops / n, (double)ru.ru_maxrss / 1024);
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string pwl, data, configs = source_dir() + "/configs/systems";
    size_t samples = 20;
    int only = -1; // --case K: run case K alone, in this process (for perf/callgrind)
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--pwl" && i + 1 < argc)
            pwl = argv[++i];
        else if (a == "--data" && i + 1 < argc)
            data = argv[++i];
        else if (a == "--samples" && i + 1 < argc)
            samples = (size_t)std::atol(argv[++i]);
        else if (a == "--configs" && i + 1 < argc)
            configs = argv[++i];
        else if (a == "--case" && i + 1 < argc)
            only = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--pwl W.pwl] [--data FILE.nmnp] [--samples N] "
                                 "[--configs DIR] [--case K]\n", argv[0]);
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
        if (!data.empty()) {
            frames = load_frames(data, fp, samples);
        } else {
            for (size_t i = 0; i < samples; i++)
                frames.push_back(chiptest::frames(*net, 700 + (uint32_t)i));
        }
        std::printf("network: %s; inputs: %s; %zu samples; T = %lld\n",
                    pwl.empty() ? "PRIME shapes, random conductances" : pwl.c_str(),
                    data.empty() ? "random frames (10 % pixels)" : data.c_str(), frames.size(),
                    (long long)net->timesteps);
        std::printf("samples/s and us per event from CPU time (golden: its run loop; chip: sc_start)\n");
        std::printf("%-34s %5s %10s %10s %6s %10s %10s %9s %9s %9s %10s %7s\n", "case", "tiles",
                    "golden/s", "chip/s", "ratio", "spikes/smp", "events/smp", "g us/ev", "c us/ev",
                    "flits/smp", "hops/smp", "RSS MB");
        // The same arrays over about 4 and about 64 tiles, for each array size.
        const std::vector<Case> cases = {
            {"prime_40nm (stock)", "prime_40nm.yaml", {}},
            {"prime_40nm apt=4", "prime_40nm.yaml", {"mapper.arrays_per_tile=4"}},
            {"prime_40nm apt=1 rep=28 mesh 8x8", "prime_40nm.yaml",
             {"mapper.arrays_per_tile=1", "mapper.replicate_conv=28", "noc.mesh_x=8", "noc.mesh_y=8",
              "chip.io_node=63"}},
            {"small_tiles apt=16 rep=1", "prime_40nm_small_tiles.yaml",
             {"mapper.arrays_per_tile=16", "mapper.replicate_conv=1"}},
            {"small_tiles (stock, rep=8)", "prime_40nm_small_tiles.yaml", {}},
            {"small_tiles rep=11", "prime_40nm_small_tiles.yaml", {"mapper.replicate_conv=11"}},
        };
        if (only >= 0 && only < (int)cases.size())
            return run_case(cases[(size_t)only], configs, *net, frames);
        long peak_kb = 0;
        for (const Case &c : cases) {
            std::fflush(stdout);
            const pid_t pid = fork();
            if (pid == 0) {
                try {
                    _exit(run_case(c, configs, *net, frames));
                } catch (const std::exception &e) {
                    std::fprintf(stderr, "%s: %s\n", c.label, e.what());
                    _exit(1);
                }
            }
            int status = 0;
            waitpid(pid, &status, 0);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                std::fprintf(stderr, "%s failed\n", c.label);
        }
        struct rusage ru;
        getrusage(RUSAGE_CHILDREN, &ru);
        peak_kb = ru.ru_maxrss;
        std::printf("peak RSS of the cases: %.1f MB (target < 500 MB)\n", (double)peak_kb / 1024);
        ps_workload_free(w);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_chip: %s\n", e.what());
        return 1;
    }
    return 0;
}
