// primesim sweep: grid expansion (lists, ranges, zipped axes, explicit
// points, errors naming file:line and key), the Pareto set worked by hand,
// and end to end on the shipped workload with 2 samples per point: a
// failing point is recorded and the rest go on; a sweep killed mid-run
// resumes without rerunning finished points and ends with the table of an
// uninterrupted run; shards merged equal a single run; another sweep in the
// same OUT and a bad parameter path are refused before anything runs.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "config/sweep_plan.hpp"
#include "run_command.hpp"
#include "sweep.h"

namespace fs = std::filesystem;
using primesim::ConfigError;
using primesim::load_sweep_plan;
using primesim::SweepPlan;

namespace {

const std::string kSource = PRIMESIM_SOURCE_DIR;

class SweepTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/ps_sweep_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        if (!HasFailure())
            fs::remove_all(dir_);
    }
    std::string write(const std::string &name, const std::string &text)
    {
        const std::string p = dir_ + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
    // A sweep file on the shipped system config, workload and data.
    std::string sweep_file(const std::string &name, const std::string &body, int samples = 2)
    {
        return write(name, "sweep:\n  name: t\n  system: " + kSource +
                               "/configs/systems/prime_40nm.yaml\n  workload: " + kSource +
                               "/workloads/default/prime_nmnist.pwl\n  data: " + kSource +
                               "/workloads/default/nmnist_test_100.nmnp\n  samples: " +
                               std::to_string(samples) + "\n" + body);
    }
    std::string dir_;
};

using testcmd::Result;

Result run(const std::string &args) { return testcmd::run_primesim(args); }

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string error_of(const std::string &file)
{
    try {
        load_sweep_plan(file);
    } catch (const ConfigError &e) {
        return e.what();
    }
    return "(no error)";
}

TEST_F(SweepTest, GridExpandsListsRangesAndZippedAxesFirstAxisSlowest)
{
    const std::string f = write("g.yaml", "sweep: {system: s.yaml, workload: w.pwl, data: d}\n"
                                          "grid:\n"
                                          "  - {crossbar.rows: [128, 256], crossbar.cols: [64, 128]}\n"
                                          "  - early_stop.theta: {from: 0.5, to: 0.7, step: 0.1}\n"
                                          "  - adc.bits: {from: 4, to: 8, count: 3}\n"
                                          "points:\n"
                                          "  - {adc.bits: 5}\n"
                                          "  - {adc.cols_per_adc: 16, crossbar.rows: 64}\n");
    const SweepPlan p = load_sweep_plan(f);
    // 2 (zipped) x 3 x 3 grid points, then 2 listed points.
    ASSERT_EQ(p.points.size(), 2u * 3 * 3 + 2);
    EXPECT_EQ(p.params, (std::vector<std::string>{"crossbar.rows", "crossbar.cols",
                                                  "early_stop.theta", "adc.bits",
                                                  "adc.cols_per_adc"}));
    EXPECT_EQ(p.points[0].id, "p000");
    EXPECT_EQ(p.points[0].values, (std::vector<std::string>{"128", "64", "0.5", "4", ""}));
    EXPECT_EQ(p.points[1].values, (std::vector<std::string>{"128", "64", "0.5", "6", ""}));
    EXPECT_EQ(p.points[3].values, (std::vector<std::string>{"128", "64", "0.6", "4", ""}));
    // Step ranges print without binary noise: 0.5 + 2 x 0.1 is 0.7.
    EXPECT_EQ(p.points[8].values, (std::vector<std::string>{"128", "64", "0.7", "8", ""}));
    EXPECT_EQ(p.points[9].values, (std::vector<std::string>{"256", "128", "0.5", "4", ""}));
    EXPECT_EQ(p.points[18].values, (std::vector<std::string>{"", "", "", "5", ""}));
    EXPECT_EQ(p.points[19].values, (std::vector<std::string>{"64", "", "", "", "16"}));
    EXPECT_EQ(p.points[19].id, "p019");
    // Paths are relative to the sweep file.
    EXPECT_EQ(p.system, (fs::path(dir_) / "s.yaml").lexically_normal().string());
    EXPECT_EQ(p.overrides(p.points[19]),
              (std::vector<std::string>{"crossbar.rows=64", "adc.cols_per_adc=16"}));
    EXPECT_EQ(p.pareto, (unsigned)PS_SWEEP_DEFAULT_OBJECTIVES);

    // A mapping as the grid: every key its own axis.
    const SweepPlan m = load_sweep_plan(write("m.yaml", "sweep: {system: s, workload: w, data: d}\n"
                                                        "grid: {adc.bits: [4, 8], lif.v_th: [0.1, 0.2, 0.3]}\n"));
    ASSERT_EQ(m.points.size(), 6u);
    EXPECT_EQ(m.points[5].values, (std::vector<std::string>{"8", "0.3"}));

    // The plan text reads back to the same plan.
    const SweepPlan back = primesim::parse_sweep_plan_text(p.text(), "plan.txt");
    EXPECT_EQ(back.text(), p.text());
    EXPECT_EQ(back.points[19].values, p.points[19].values);
}

TEST_F(SweepTest, BadSweepFilesNameFileLineAndKey)
{
    const std::string head = "sweep: {system: s, workload: w, data: d}\n";
    std::string f = write("a.yaml", head + "grid:\n  - {adc.bits: [4, 6], crossbar.rows: [1, 2, 3]}\n");
    EXPECT_NE(error_of(f).find(f + ":3: crossbar.rows: 3 values, but the keys zipped with it (adc.bits) have 2"),
              std::string::npos)
        << error_of(f);
    f = write("b.yaml", head + "grid:\n  - {adc.bits: {from: 8, to: 4, step: 1}}\n");
    EXPECT_NE(error_of(f).find("adc.bits: step must be > 0 and to >= from"), std::string::npos) << error_of(f);
    f = write("c.yaml", head + "points:\n  - {adc.bits: 4}\n  - {adc.bits: 4}\n");
    EXPECT_NE(error_of(f).find("points p000 and p001 set the same values"), std::string::npos) << error_of(f);
    f = write("d.yaml", head + "grd: {adc.bits: [4]}\n");
    EXPECT_NE(error_of(f).find(f + ":2: grd: unknown key"), std::string::npos) << error_of(f);
    f = write("e.yaml", head);
    EXPECT_NE(error_of(f).find("no points"), std::string::npos) << error_of(f);
    f = write("f.yaml", "sweep: {system: s, data: d}\ngrid: {adc.bits: [4]}\n");
    EXPECT_NE(error_of(f).find("sweep.workload: missing"), std::string::npos) << error_of(f);
    f = write("g.yaml", head + "grid:\n  - {adc.bits: []}\n");
    EXPECT_NE(error_of(f).find("adc.bits: no values"), std::string::npos) << error_of(f);
    f = write("h.yaml", "sweep: {system: s, workload: w, data: d, pareto: [energy, size]}\n"
                        "grid: {adc.bits: [4]}\n");
    EXPECT_NE(error_of(f).find("sweep.pareto: unknown objective"), std::string::npos) << error_of(f);
}

// Found by fuzzing (tests/fuzz/sweep_plan/regression_*.yaml): a path or value
// plan.txt cannot hold made a sweep whose plan did not read back.
TEST_F(SweepTest, PathsAndValuesPlanTxtCannotHoldAreRefused)
{
    const std::string head = "sweep: {system: s, workload: w, data: d}\n";
    const std::string path_error = ": expected a parameter path like adc.bits (see primesim params)";
    std::string f = write("a.yaml", head + "grid:\n  =adc.bits: [4]\n");
    EXPECT_NE(error_of(f).find(f + ":3: =adc.bits" + path_error), std::string::npos) << error_of(f);
    f = write("b.yaml", head + "points:\n  - {adc..bits: 4}\n");
    EXPECT_NE(error_of(f).find(f + ":3: adc..bits" + path_error), std::string::npos) << error_of(f);
    f = write("c.yaml", "sweep: {system: s, workload: w, data: d, params: {\"a b.c\": 1}}\n"
                        "grid: {adc.bits: [4]}\n");
    EXPECT_NE(error_of(f).find(f + ":1: a b.c" + path_error), std::string::npos) << error_of(f);
    const std::string line_error = ": expected a value on one line, without tabs";
    f = write("d.yaml", head + "grid: {adc.bits: [4, \"5\\t6\"]}\n");
    EXPECT_NE(error_of(f).find(f + ":2: adc.bits" + line_error), std::string::npos) << error_of(f);
    f = write("e.yaml", "sweep: {system: s, workload: w, data: \"d\\ne\"}\ngrid: {adc.bits: [4]}\n");
    EXPECT_NE(error_of(f).find(f + ":1: sweep.data" + line_error), std::string::npos) << error_of(f);
    f = write("f.yaml", head + "points:\n  - {adc.bits: \"4\\n\"}\n");
    EXPECT_NE(error_of(f).find(f + ":3: adc.bits" + line_error), std::string::npos) << error_of(f);
}

// Found by fuzzing: counts too large for an integer were cast regardless (UB),
// and a few lines of zipped ranges could ask for tens of GB.
TEST_F(SweepTest, HugeSweepsAreRefusedBeforeTheyAreBuilt)
{
    const std::string head = "sweep: {system: s, workload: w, data: d}\n";
    std::string f = write("a.yaml", head + "grid:\n  adc.bits: {from: 0, to: 1e300, step: 1e-300}\n");
    EXPECT_NE(error_of(f).find(f + ":3: adc.bits: more than a million values"), std::string::npos)
        << error_of(f);
    f = write("b.yaml", head + "grid:\n  adc.bits: {from: 0, to: 2e6, step: 1}\n");
    EXPECT_NE(error_of(f).find(f + ":3: adc.bits: more than a million values"), std::string::npos)
        << error_of(f);
    // Eleven zipped keys of a million values: 11 million strings.
    std::string zipped = head + "grid:\n  -\n";
    for (int k = 0; k < 11; k++)
        zipped += "    a.k" + std::to_string(k) + ": {from: 1, to: 1e6, step: 1}\n";
    f = write("z.yaml", zipped);
    EXPECT_NE(error_of(f).find(f + ":14: a.k10: the grid has more than ten million values"),
              std::string::npos)
        << error_of(f);
    // 1000 x 1000 points of 11 keys (ten zipped on the second axis).
    std::string wide = head + "grid:\n  - {a.x: {from: 1, to: 1000, step: 1}}\n  -\n";
    for (int k = 0; k < 10; k++)
        wide += "    a.k" + std::to_string(k) + ": {from: 1, to: 1000, step: 1}\n";
    f = write("w.yaml", wide);
    EXPECT_NE(error_of(f).find(f + ":3: grid: more than ten million settings (points x keys)"),
              std::string::npos)
        << error_of(f);
    f = write("c.yaml", "sweep: {system: s, workload: w, data: d, samples: 5e117}\ngrid: {adc.bits: [4]}\n");
    EXPECT_NE(error_of(f).find(f + ":1: sweep.samples: expected a whole number from 1 to 2^40"),
              std::string::npos)
        << error_of(f);
}

ps_sweep_row row(const char *id, double acc, double pj, double ns, int64_t adcs)
{
    ps_sweep_row r{};
    r.point = id;
    r.state = PS_SWEEP_OK;
    r.result.accuracy = acc;
    r.result.hybrid_pj = pj;
    r.result.hybrid_ns = ns;
    r.adcs = adcs;
    r.arrays = r.tiles = 1;
    return r;
}

TEST(SweepPareto, HandWorkedSets)
{
    // a: cheap and fast but inaccurate; b: accurate, slow; c: dominated by
    // d in energy, latency and accuracy; d: balanced; e: d's twin with fewer
    // ADCs; f failed (never optimal).
    std::vector<ps_sweep_row> r = {row("a", 0.50, 100, 100, 8), row("b", 0.95, 300, 400, 8),
                                   row("c", 0.90, 250, 300, 8), row("d", 0.92, 200, 200, 8),
                                   row("e", 0.92, 200, 200, 4), row("f", 0.99, 1, 1, 1)};
    r[5].state = PS_SWEEP_FAILED;
    bool p[6];
    ps_sweep_pareto(r.data(), r.size(), PS_SWEEP_ENERGY | PS_SWEEP_LATENCY | PS_SWEEP_ACCURACY, p);
    // Without ADCs d and e tie: both optimal; c is dominated by d.
    EXPECT_EQ((std::vector<bool>(p, p + 6)), (std::vector<bool>{true, true, false, true, true, false}));
    ps_sweep_pareto(r.data(), r.size(), PS_SWEEP_DEFAULT_OBJECTIVES, p);
    // With ADCs e (4 ADCs) dominates its twin d.
    EXPECT_EQ((std::vector<bool>(p, p + 6)), (std::vector<bool>{true, true, false, false, true, false}));
    ps_sweep_pareto(r.data(), r.size(), PS_SWEEP_ENERGY, p);
    EXPECT_EQ((std::vector<bool>(p, p + 6)), (std::vector<bool>{true, false, false, false, false, false}));
    // Unknown latency (golden) ranks behind any known latency.
    r[0].result.hybrid_ns = NAN;
    ps_sweep_pareto(r.data(), r.size(), PS_SWEEP_LATENCY, p);
    EXPECT_EQ((std::vector<bool>(p, p + 6)), (std::vector<bool>{false, false, false, true, true, false}));
    char text[128];
    ps_sweep_objectives_text(PS_SWEEP_DEFAULT_OBJECTIVES, text, sizeof text);
    EXPECT_STREQ(text, "energy, latency, accuracy, adcs");
}

// The lines of a table's CSV: the header, then a row per point.
std::vector<std::string> csv_lines(const std::string &path)
{
    std::vector<std::string> out;
    std::istringstream in(slurp(path));
    std::string l;
    while (std::getline(in, l))
        out.push_back(l);
    return out;
}

TEST_F(SweepTest, FailingPointIsRecordedAndTheRestGoOn)
{
    // p001 cannot map: 7 arrays of the PRIME network on 3 tiles of 1 array.
    const std::string f = sweep_file("fail.yaml", "points:\n  - {adc.bits: 6}\n"
                                                  "  - {mapper.arrays_per_tile: 1}\n"
                                                  "  - {adc.bits: 8}\n");
    const Result r = run("sweep " + f + " --jobs 2 -o " + dir_ + "/out");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("1 of 3 points failed"), std::string::npos) << r.out;
    const auto lines = csv_lines(dir_ + "/out/table.csv");
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0].rfind("point,adc.bits,mapper.arrays_per_tile,state,samples,accuracy,", 0), 0u)
        << lines[0];
    EXPECT_EQ(lines[1].rfind("p000,6,,ok,2,", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2].rfind("p001,,1,failed,", 0), 0u) << lines[2];
    EXPECT_NE(lines[2].find("exit 2"), std::string::npos) << lines[2];
    EXPECT_NE(lines[2].find("mapper.arrays_per_tile"), std::string::npos) << lines[2];
    EXPECT_EQ(lines[3].rfind("p002,8,,ok,2,", 0), 0u) << lines[3];
    // The ok rows carry the hardware the mapping used: PRIME's 7 arrays of
    // 512x256 on 3 tiles, each tile ceil(256 / 8) = 32 ADCs.
    EXPECT_NE(lines[3].find(",3,7,96,"), std::string::npos) << lines[3];
    EXPECT_TRUE(fs::exists(dir_ + "/out/pareto.svg"));
    EXPECT_NE(slurp(dir_ + "/out/table.md").find("3 points: 2 ok, 1 failed"), std::string::npos);

    // Run again: nothing reruns (the failure is kept), unless --retry-failed.
    Result again = run("sweep " + f + " -o " + dir_ + "/out");
    EXPECT_NE(again.out.find("3 finished before, 0 to run"), std::string::npos) << again.out;
    again = run("sweep " + f + " --retry-failed -o " + dir_ + "/out");
    EXPECT_NE(again.out.find("2 finished before, 1 to run"), std::string::npos) << again.out;
}

// CSV fields of a line (no quoted fields in these tables).
std::vector<std::string> fields(const std::string &line)
{
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ','))
        f.push_back(x);
    return f;
}

TEST_F(SweepTest, GoldenModelPointsHaveEnergyButNoLatencyOrHardware)
{
    const std::string f = sweep_file("g.yaml", "  golden: true\n"
                                               "grid: {early_stop.theta: [0.5, 0.95]}\n", 4);
    const Result r = run("sweep " + f + " --jobs 2 -o " + dir_ + "/g");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto lines = csv_lines(dir_ + "/g/table.csv");
    ASSERT_EQ(lines.size(), 3u);
    // point,early_stop.theta,state,samples,accuracy,mean_timesteps,energy,latency,tiles,...
    const auto lo = fields(lines[1]), hi = fields(lines[2]);
    ASSERT_GE(lo.size(), 11u);
    EXPECT_EQ(lo[2], "ok");
    EXPECT_GT(std::stod(lo[6]), 0.0);                  // energy per sample
    EXPECT_EQ(lo[7], "");                              // no latency without timing
    EXPECT_EQ(lo[8] + lo[9] + lo[10], "");             // nor tiles, arrays, ADCs
    // A lower threshold stops every sample no later (the first t with
    // confidence above it), so the mean timesteps cannot be higher.
    EXPECT_LE(std::stod(lo[5]), std::stod(hi[5]));
}

TEST_F(SweepTest, KilledSweepResumesWithoutRerunningFinishedPoints)
{
    const std::string f = sweep_file("r.yaml", "grid: {adc.bits: [5, 6, 7, 8]}\n");
    const std::string out = dir_ + "/killed";
    // Run with one job in a process group of its own; kill the whole group
    // (sweep and its running child) as soon as the first point finished.
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        freopen("/dev/null", "w", stdout);
        execl(PRIMESIM_BINARY, PRIMESIM_BINARY, "sweep", f.c_str(), "--jobs", "1", "-o",
              out.c_str(), (char *)nullptr);
        _exit(127);
    }
    setpgid(pid, pid);
    const std::string first = out + "/points/p000/point.status";
    for (int i = 0; i < 1200 && !fs::exists(first); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(fs::exists(first)) << "the first point never finished";
    kill(-pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_FALSE(fs::exists(out + "/points/p003/point.status")) << "finished before the kill";
    const auto kept = fs::last_write_time(out + "/points/p000/timesteps.csv");
    const std::string kept_status = slurp(first);

    size_t finished = 0;
    for (const char *id : {"p000", "p001", "p002", "p003"})
        finished += fs::exists(out + "/points/" + id + "/point.status");
    const Result r = run("sweep " + f + " --jobs 2 -o " + out);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(std::to_string(finished) + " finished before, " +
                         std::to_string(4 - finished) + " to run"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(fs::last_write_time(out + "/points/p000/timesteps.csv"), kept);
    EXPECT_EQ(slurp(first), kept_status);

    const Result clean = run("sweep " + f + " --jobs 2 -o " + dir_ + "/clean");
    EXPECT_EQ(clean.code, 0) << clean.out;
    for (const char *file : {"table.csv", "table.md", "pareto.svg", "plan.txt"})
        EXPECT_EQ(slurp(out + "/" + file), slurp(dir_ + "/clean/" + file)) << file;
}

TEST_F(SweepTest, ShardsMergedEqualOneRun)
{
    const std::string f = sweep_file("s.yaml", "grid:\n  - {adc.bits: [6, 8]}\n"
                                               "  - {adc.cols_per_adc: [4, 16]}\n");
    const Result one = run("sweep " + f + " --jobs 2 -o " + dir_ + "/one");
    ASSERT_EQ(one.code, 0) << one.out;
    for (int i = 0; i < 3; i++) {
        const Result s = run("sweep " + f + " --jobs 1 --shard " + std::to_string(i) + "/3 -o " +
                             dir_ + "/s" + std::to_string(i));
        ASSERT_EQ(s.code, 0) << s.out;
    }
    // Shard 0 of 3 ran points 0 and 3 only.
    EXPECT_EQ(csv_lines(dir_ + "/s0/table.csv").size(), 3u);
    Result m = run("merge " + dir_ + "/s0 " + dir_ + "/s1 -o " + dir_ + "/merged");
    EXPECT_EQ(m.code, 1) << m.out; // shard 2 is missing
    EXPECT_NE(m.out.find("no shard finished: p002"), std::string::npos) << m.out;
    m = run("merge " + dir_ + "/s0 " + dir_ + "/s1 " + dir_ + "/s2 -o " + dir_ + "/merged");
    EXPECT_EQ(m.code, 0) << m.out;
    for (const char *file : {"table.csv", "table.md", "pareto.svg", "plan.txt",
                             "points/p002/summary.json", "points/p003/timesteps.csv"})
        EXPECT_EQ(slurp(dir_ + "/merged/" + file), slurp(dir_ + "/one/" + file)) << file;
}

TEST_F(SweepTest, BadInputIsRefusedBeforeAnythingRuns)
{
    std::string f = sweep_file("bad.yaml", "grid: {adc.bitz: [4, 6]}\n");
    Result r = run("sweep " + f + " -o " + dir_ + "/bad");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("point p000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("adc.bitz"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(dir_ + "/bad"));

    // Another sweep into an output that holds one: refused, nothing lost.
    const std::string a = sweep_file("a.yaml", "grid: {adc.bits: [8]}\n");
    ASSERT_EQ(run("sweep " + a + " -o " + dir_ + "/o").code, 0);
    const std::string table = slurp(dir_ + "/o/table.csv");
    const std::string b = sweep_file("b.yaml", "grid: {adc.bits: [6]}\n");
    r = run("sweep " + b + " -o " + dir_ + "/o");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("plan.txt"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("another sweep"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(dir_ + "/o/table.csv"), table);

    f = write("missing.yaml", "sweep: {system: " + kSource +
                                  "/configs/systems/prime_40nm.yaml, workload: nowhere.pwl, data: d}\n"
                                  "grid: {adc.bits: [8]}\n");
    r = run("sweep " + f + " -o " + dir_ + "/m");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("sweep.workload"), std::string::npos) << r.out;
    EXPECT_EQ(run("sweep " + a + " --shard 3/3 -o " + dir_ + "/x").code, 2);
}

} // namespace
