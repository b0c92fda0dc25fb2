// `primesim sim` end to end on a small workload and a small packed N-MNIST
// file written here: read noise on, --jobs 1, --jobs 2 and the three shards
// of --shard i/3 merged by hand give byte-identical samples.csv; --golden
// predicts what the chip predicts with ideal settings; bad input exits 2
// naming the file or option; --vcd leaves the results alone and writes a
// VCD with the chosen signals, whose values change over time. --jobs removes
// its shard directories after the merge; a network that does not fit the
// mesh exits 2 naming noc.mesh_x; -p baseline.* changes the baselines;
// -p early_stop.theta= wins over the workload's theta, --threshold over it;
// the --thresholds summary is the run's theta replayed. The temporary
// directory is removed when every test passed (kept for a look otherwise).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "data/nmnist.h"
#include "fileio.h"
#include "pwl.h"
#include "test_chip_nets.hpp"

namespace {

struct Env {
    std::string dir, pwl, data, bin = PRIMESIM_BINARY;
    std::string sys = std::string(PRIMESIM_SOURCE_DIR) + "/configs/systems/prime_40nm.yaml";
};

// 2x34x34 input (N-MNIST frames) -> linear 2312x16 (LIF) -> linear 16x10
// (integrator), T = 4; 12 samples of random events over 90 ms.
Env *make_env()
{
    auto *e = new Env;
    char tmpl[] = "/tmp/ps_chip_cli_XXXXXX";
    if (!mkdtemp(tmpl))
        return e;
    e->dir = tmpl;
    chiptest::OwnedNet o;
    ps_layer l0 = chiptest::linear(2, 34, 16);
    l0.neuron = PS_NEURON_LIF;
    o.layers = {l0, chiptest::linear(16, 1, 10)};
    o.net.timesteps = 4;
    o.net.in_c = 2;
    o.net.in_h = o.net.in_w = 34;
    o.net.input_max_level = 15;
    chiptest::fill(o, 11, 0.01);
    ps_workload w;
    ps_workload_init(&w);
    w.net = o.net;
    w.frames.bins = 4;
    w.early_stop_alpha = 0.05;
    w.early_stop_theta = 0.7;
    std::snprintf(w.info.method, sizeof w.info.method, "random_unpruned");
    ps_error err{};
    e->pwl = e->dir + "/net.pwl";
    EXPECT_EQ(ps_workload_write(&w, e->pwl.c_str(), &err), PS_OK) << err.message;

    ps_nmnist_packer *pk = nullptr;
    EXPECT_EQ(ps_nmnist_packer_create(&pk), PS_OK);
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> xy(0, 33), pol(0, 1), dt(0, 300);
    for (uint32_t s = 0; s < 12; s++) {
        std::vector<ps_event> ev;
        uint32_t t = 0;
        for (int i = 0; i < 600; i++) {
            t += (uint32_t)dt(rng);
            ev.push_back({t, (uint8_t)xy(rng), (uint8_t)xy(rng), (uint8_t)pol(rng), 0});
        }
        ps_nmnist_entry en{s + 1, (uint8_t)(s % 10), PS_SPLIT_TEST};
        EXPECT_EQ(ps_nmnist_packer_add(pk, &en, ev.data(), ev.size(), &err), PS_OK) << err.message;
    }
    e->data = e->dir + "/events.nmnp";
    EXPECT_EQ(ps_nmnist_packer_write(pk, e->data.c_str(), &err), PS_OK) << err.message;
    ps_nmnist_packer_destroy(pk);
    return e;
}

Env &env()
{
    static Env *e = make_env();
    return *e;
}

class Cleanup : public ::testing::Environment {
  public:
    void TearDown() override
    {
        if (::testing::UnitTest::GetInstance()->Passed() && !env().dir.empty())
            std::filesystem::remove_all(env().dir);
    }
};
::testing::Environment *const kCleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

// Runs primesim with args; returns the exit code, stdout+stderr in *out.
int run(const std::string &args, std::string *out = nullptr)
{
    const std::string log = env().dir + "/log.txt";
    const int status = std::system((env().bin + " " + args + " >" + log + " 2>&1").c_str());
    if (out) {
        std::ifstream in(log);
        std::stringstream ss;
        ss << in.rdbuf();
        *out = ss.str();
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string sim(const std::string &out, const std::string &extra)
{
    return "sim " + env().sys + " --workload " + env().pwl + " --data " + env().data + " -o " +
           env().dir + "/" + out + " " + extra;
}

const std::string kNoise = "-p device.read_noise_rel=0.05 ";

// Column k of each data row of a samples.csv, by sample index.
std::map<size_t, std::string> column(const std::string &csv, size_t k)
{
    std::map<size_t, std::string> m;
    std::stringstream ss(csv);
    std::string line;
    std::getline(ss, line);
    while (std::getline(ss, line)) {
        std::stringstream ls(line);
        std::vector<std::string> f;
        std::string x;
        while (std::getline(ls, x, ','))
            f.push_back(x);
        m[std::stoul(f[0])] = f.at(k);
    }
    return m;
}

TEST(ChipCli, JobsAndShardsGiveIdenticalResults)
{
    std::string log;
    ASSERT_EQ(run(sim("j1", kNoise + "--jobs 1"), &log), 0) << log;
    const std::string one = read_all(env().dir + "/j1/samples.csv");
    ASSERT_EQ(std::count(one.begin(), one.end(), '\n'), 13) << one;
    ASSERT_EQ(run(sim("j2", kNoise + "--jobs 2"), &log), 0) << log;
    EXPECT_EQ(read_all(env().dir + "/j2/samples.csv"), one);
    EXPECT_FALSE(std::filesystem::exists(env().dir + "/j2/shards")) << "merged shards are removed";
    // Shards merged by hand: header once, rows sorted by index.
    std::vector<std::pair<size_t, std::string>> rows;
    std::string header;
    for (int i = 0; i < 3; i++) {
        const std::string o = "s" + std::to_string(i);
        ASSERT_EQ(run(sim(o, kNoise + "--shard " + std::to_string(i) + "/3"), &log), 0) << log;
        std::stringstream ss(read_all(env().dir + "/" + o + "/samples.csv"));
        std::string line;
        std::getline(ss, header);
        while (std::getline(ss, line))
            rows.emplace_back(std::stoul(line.substr(0, line.find(','))), line);
    }
    std::sort(rows.begin(), rows.end());
    std::string merged = header + "\n";
    for (auto &r : rows)
        merged += r.second + "\n";
    EXPECT_EQ(merged, one);
    // Noise matters: the ideal run differs somewhere (energy at least).
    ASSERT_EQ(run(sim("ideal", "-p device.read_noise_rel=0 -p chip.ideal_adc=true"), &log), 0) << log;
    EXPECT_NE(read_all(env().dir + "/ideal/samples.csv"), one);
}

TEST(ChipCli, GoldenPredictsWhatTheIdealChipPredicts)
{
    const std::string ideal = "-p device.read_noise_rel=0 -p chip.ideal_adc=true ";
    std::string log;
    ASSERT_EQ(run(sim("gold", ideal + "--golden"), &log), 0) << log;
    ASSERT_EQ(run(sim("chip_ideal", ideal), &log), 0) << log;
    const std::string g = read_all(env().dir + "/gold/samples.csv");
    const std::string c = read_all(env().dir + "/chip_ideal/samples.csv");
    EXPECT_EQ(column(g, 2).size(), 12u);
    EXPECT_EQ(column(g, 2), column(c, 2)); // prediction
    EXPECT_EQ(column(g, 3), column(c, 3)); // timesteps
    EXPECT_EQ(column(g, 15), column(c, 15)); // spikes
    EXPECT_EQ(column(g, 16), column(c, 16)); // synaptic ops
    std::set<std::string> steps;
    for (const auto &[i, t] : column(g, 3))
        steps.insert(t);
    EXPECT_GE(steps.size(), 2u) << "early stop should end some samples, not all";
}

TEST(ChipCli, BadInputExitsTwoNamingTheFileOrOption)
{
    std::string log;
    const std::string missing = env().dir + "/absent.pwl";
    EXPECT_EQ(run("sim " + env().sys + " --workload " + missing + " --data " + env().data + " -o " +
                  env().dir + "/bad1", &log), 2);
    EXPECT_NE(log.find(missing), std::string::npos) << log;

    const std::string corrupt = env().dir + "/corrupt.nmnp";
    std::string bytes = read_all(env().data);
    bytes[bytes.size() / 2] ^= 0x5a; // the container's checksum no longer matches
    std::ofstream(corrupt, std::ios::binary) << bytes;
    EXPECT_EQ(run("sim " + env().sys + " --workload " + env().pwl + " --data " + corrupt + " -o " +
                  env().dir + "/bad2", &log), 2);
    EXPECT_NE(log.find(corrupt), std::string::npos) << log;

    const std::string garbage = env().dir + "/garbage.nmnp";
    std::ofstream(garbage, std::ios::binary) << "not a container at all";
    EXPECT_EQ(run("sim " + env().sys + " --workload " + env().pwl + " --data " + garbage + " -o " +
                  env().dir + "/bad3", &log), 2);
    EXPECT_NE(log.find(garbage), std::string::npos) << log;

    EXPECT_EQ(run(sim("bad4", "--shard 3/3"), &log), 2);
    EXPECT_NE(log.find("--shard"), std::string::npos) << log;
    EXPECT_EQ(run(sim("bad5", "--trace tiles"), &log), 2);
    EXPECT_NE(log.find("--vcd"), std::string::npos) << log;
    EXPECT_EQ(run(sim("bad6", "--vcd " + env().dir + "/x.vcd --trace tiles,bogus"), &log), 2);
    EXPECT_NE(log.find("bogus"), std::string::npos) << log;
    EXPECT_EQ(run(sim("bad7", "--vcd " + env().dir + "/x.vcd --jobs 2"), &log), 2);
    EXPECT_NE(log.find("--vcd"), std::string::npos) << log;
}

TEST(ChipCli, NetworkThatDoesNotFitTheMeshExitsTwo)
{
    std::string log;
    EXPECT_EQ(run(sim("nofit", "--samples 1 -p noc.mesh_x=1 -p noc.mesh_y=1 -p chip.io_node=0"), &log),
              2);
    EXPECT_NE(log.find("noc.mesh_x"), std::string::npos) << log;
    EXPECT_NE(log.find("tiles"), std::string::npos) << log;
    EXPECT_EQ(run(sim("nofit_jobs", "--samples 2 --jobs 2 -p noc.mesh_x=1 -p noc.mesh_y=1 "
                                    "-p chip.io_node=0"), &log), 2);
    EXPECT_TRUE(std::filesystem::exists(env().dir + "/nofit_jobs/shards")) << "kept on failure";
}

// The value of `key:` in the section `section:` of a config.resolved.yaml.
std::string resolved(const std::string &dir, const std::string &section, const std::string &key)
{
    std::stringstream ss(read_all(env().dir + "/" + dir + "/config.resolved.yaml"));
    std::string line;
    bool in = false;
    while (std::getline(ss, line)) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#')
            in = line == section + ":";
        else if (in && line.compare(0, key.size() + 3, "  " + key + ":") == 0)
            return line.substr(key.size() + 4, line.find("  #") - key.size() - 4);
    }
    return "";
}

// A number after `key` in text, or NaN.
double number_after(const std::string &text, const std::string &key)
{
    const size_t k = text.find(key);
    return k == std::string::npos ? NAN : std::stod(text.substr(k + key.size()));
}

TEST(ChipCli, BaselineParametersComeFromTheConfig)
{
    std::string log;
    ASSERT_EQ(run(sim("base_a", "--golden --samples 3"), &log), 0) << log;
    ASSERT_EQ(run(sim("base_b", "--golden --samples 3 -p baseline.weight_bits=16"), &log), 0) << log;
    EXPECT_EQ(resolved("base_a", "baseline", "weight_bits"), "8");
    EXPECT_EQ(resolved("base_b", "baseline", "weight_bits"), "16");
    // The clock follows system.clock_mhz unless set.
    EXPECT_EQ(resolved("base_a", "baseline", "clock_mhz"), resolved("base_a", "system", "clock_mhz"));
    const std::string a = read_all(env().dir + "/base_a/summary.json");
    const std::string b = read_all(env().dir + "/base_b/summary.json");
    const double ea = number_after(a, "\"event_energy_pj_per_sample\": ");
    const double eb = number_after(b, "\"event_energy_pj_per_sample\": ");
    EXPECT_GT(ea, 0);
    EXPECT_GT(eb, ea) << "16-bit weights cost the event-driven baseline more SRAM energy";
    EXPECT_EQ(number_after(a, "\"hybrid_energy_pj_per_sample\": "),
              number_after(b, "\"hybrid_energy_pj_per_sample\": "));
    ASSERT_EQ(run(sim("base_c", "--golden --samples 1 -p baseline.clock_mhz=50"), &log), 0) << log;
    EXPECT_EQ(resolved("base_c", "baseline", "clock_mhz"), "50");
}

TEST(ChipCli, ExplicitThetaWinsOverTheWorkloadThresholdOverBoth)
{
    std::string log;
    ASSERT_EQ(run(sim("th_wl", "--golden --samples 1"), &log), 0) << log;
    EXPECT_EQ(resolved("th_wl", "early_stop", "theta"), "0.7"); // the workload's
    ASSERT_EQ(run(sim("th_p", "--golden --samples 1 -p early_stop.theta=0.95"), &log), 0) << log;
    EXPECT_EQ(resolved("th_p", "early_stop", "theta"), "0.95");
    EXPECT_EQ(resolved("th_p", "early_stop", "alpha"), "0.05"); // still the workload's
    ASSERT_EQ(run(sim("th_t", "--golden --samples 1 -p early_stop.theta=0.95 --threshold 0.6"), &log),
              0) << log;
    EXPECT_EQ(resolved("th_t", "early_stop", "theta"), "0.6");
}

TEST(ChipCli, SweepSummaryIsTheRunsThetaReplayed)
{
    std::string plain, sweep;
    ASSERT_EQ(run(sim("sw_plain", "--golden --threshold 0.6"), &plain), 0) << plain;
    ASSERT_EQ(run(sim("sw_sweep", "--golden --threshold 0.6 --thresholds 0.6,0.9"), &sweep), 0)
        << sweep;
    EXPECT_NE(sweep.find("at theta 0.6 (replayed"), std::string::npos) << sweep;
    const double a = number_after(plain, "mean timesteps ");
    const double b = number_after(sweep, "mean timesteps ");
    EXPECT_EQ(a, b) << plain << sweep;
    EXPECT_LT(b, 4.0) << "some samples stop early at 0.6, not the full-T figure";
    EXPECT_EQ(number_after(plain, "accuracy "), number_after(sweep, "accuracy "));
}

// A parsed VCD: full names of the $var lines, and the values of each over time.
struct Vcd {
    std::map<std::string, std::string> name_of; // id -> scope.name
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> values; // by name
    bool ended_definitions = false;
};

Vcd parse_vcd(const std::string &path)
{
    Vcd v;
    std::ifstream in(path);
    std::string tok;
    std::vector<std::string> scope;
    uint64_t now = 0;
    while (in >> tok) {
        if (!v.ended_definitions) {
            if (tok == "$scope") {
                std::string kind, name;
                in >> kind >> name;
                scope.push_back(name);
            } else if (tok == "$upscope") {
                scope.pop_back();
            } else if (tok == "$var") {
                std::string type, width, id, name;
                in >> type >> width >> id >> name;
                std::string full;
                for (size_t k = 1; k < scope.size(); k++) // drop the "SystemC" root
                    full += scope[k] + ".";
                v.name_of[id] = full + name;
            } else if (tok == "$enddefinitions") {
                v.ended_definitions = true;
            }
            continue;
        }
        if (tok == "$comment") {
            while (in >> tok && tok != "$end") {
            }
        } else if (tok[0] == '$') {
            continue; // $dumpvars, $end
        } else if (tok[0] == '#') {
            now = std::stoull(tok.substr(1));
        } else if (tok[0] == 'b' || tok[0] == 'r') {
            std::string id;
            in >> id;
            v.values[v.name_of.at(id)].emplace_back(now, tok.substr(1));
        } else if (tok[0] == '0' || tok[0] == '1') {
            v.values[v.name_of.at(tok.substr(1))].emplace_back(now, tok.substr(0, 1));
        }
    }
    return v;
}

TEST(ChipCli, VcdTraceRecordsChosenSignalsAndChangesNothing)
{
    std::string log;
    ASSERT_EQ(run(sim("plain", kNoise + "--samples 4"), &log), 0) << log;
    const std::string vcd = env().dir + "/trace/run.vcd";
    ASSERT_EQ(run(sim("trace", kNoise + "--samples 4 --vcd " + vcd + " --trace tiles,noc,early_stop"),
                  &log), 0) << log;
    EXPECT_EQ(read_all(env().dir + "/trace/samples.csv"), read_all(env().dir + "/plain/samples.csv"));
    const Vcd v = parse_vcd(vcd);
    ASSERT_TRUE(v.ended_definitions);
    std::set<std::string> names;
    for (const auto &[id, n] : v.name_of)
        names.insert(n);
    for (const char *n : {"chip.tiles(0).busy", "chip.tiles(0).reads", "chip.noc.flits",
                          "chip.noc.packets", "chip.noc.routers(3).flits", "chip.early_stop.sample",
                          "chip.early_stop.timestep", "chip.early_stop.confidence",
                          "chip.early_stop.prediction"})
        EXPECT_EQ(names.count(n), 1u) << n;
    for (const auto &n : names)
        EXPECT_EQ(n.find("spikes"), std::string::npos) << "lif group not chosen: " << n;
    // Values change over time: busy goes up and down, samples and timesteps advance.
    for (const char *n : {"chip.tiles(0).busy", "chip.noc.flits", "chip.early_stop.sample",
                          "chip.early_stop.timestep", "chip.early_stop.confidence"}) {
        auto it = v.values.find(n);
        ASSERT_NE(it, v.values.end()) << n;
        std::set<std::string> distinct;
        std::set<uint64_t> times;
        for (const auto &[t, val] : it->second) {
            distinct.insert(val);
            times.insert(t);
        }
        EXPECT_GE(distinct.size(), 2u) << n;
        EXPECT_GE(times.size(), 3u) << n;
    }
    EXPECT_EQ(v.values.at("chip.early_stop.sample").back().second, "11"); // sample 3 in binary
    // --vcd alone traces every group, the LIF homes included.
    ASSERT_EQ(run(sim("trace_all", kNoise + "--samples 2 --vcd " + env().dir + "/all.vcd"), &log), 0)
        << log;
    const Vcd all = parse_vcd(env().dir + "/all.vcd");
    std::set<std::string> all_names;
    for (const auto &[id, n] : all.name_of)
        all_names.insert(n);
    EXPECT_EQ(all_names.count("chip.layers(0).spikes"), 1u);
    EXPECT_EQ(all_names.count("chip.tiles(0).spikes"), 1u);
    ASSERT_TRUE(all.values.count("chip.layers(0).spikes"));
    EXPECT_GE(all.values.at("chip.layers(0).spikes").size(), 2u);
}

} // namespace
