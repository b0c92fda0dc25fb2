// Statistics of real chip runs through the CLI, on the bundled workload and
// data: per-timestep records sum to samples.csv's per-sample totals, shards
// merged equal one run byte for byte, a threshold sweep (one pass at full T,
// replayed) equals separate runs at each threshold, the report is written.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "stats.h"

namespace fs = std::filesystem;

namespace {

const std::string kSrc = PRIMESIM_SOURCE_DIR;
// One directory per process: ctest runs the tests of this file as parallel
// processes; removed when the process's tests passed.
const fs::path kTmp =
    fs::temp_directory_path() / ("primesim_test_stats_sim_" + std::to_string((long)getpid()));

int sim(const std::string &extra, const std::string &out)
{
    const std::string cmd = std::string(PRIMESIM_BINARY) + " sim " + kSrc +
                            "/configs/systems/prime_40nm.yaml --workload " + kSrc +
                            "/workloads/default/prime_nmnist.pwl --data " + kSrc +
                            "/workloads/default/nmnist_test_100.nmnp --samples 6 " + extra + " -o " +
                            (kTmp / out).string() + " > " + (kTmp / (out + ".log")).string() + " 2>&1";
    return std::system(cmd.c_str());
}

std::string slurp(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ps_stats_run *load(const std::string &out)
{
    ps_error err{};
    ps_stats_run *r = nullptr;
    EXPECT_EQ(ps_stats_read_csv((kTmp / out / "timesteps.csv").c_str(), &err, &r), PS_OK)
        << err.message;
    return r;
}

class StatsSim : public ::testing::Test {
  protected:
    static void SetUpTestSuite()
    {
        fs::remove_all(kTmp);
        fs::create_directories(kTmp);
    }
    void TearDown() override { failed_ |= HasFailure(); }
    static void TearDownTestSuite()
    {
        if (!failed_)
            fs::remove_all(kTmp);
    }
    static inline bool failed_ = false;
};

} // namespace

TEST_F(StatsSim, RecordsSumToSampleTotals)
{
    ASSERT_EQ(sim("", "one"), 0) << slurp(kTmp / "one.log");
    ps_stats_run *r = load("one");
    ASSERT_NE(r, nullptr);
    std::map<long, std::vector<double>> sums; // sample -> timesteps, cycles, energy, synops
    for (size_t i = 0; i < ps_stats_count(r); i++) {
        const double *v = ps_stats_records(r)[i].v;
        auto &s = sums[(long)v[PS_ST_SAMPLE]];
        s.resize(4);
        s[0] += 1;
        s[1] += v[PS_ST_CYCLES];
        s[2] += v[PS_ST_HY_TOTAL_PJ];
        s[3] += v[PS_ST_SYNAPTIC_OPS];
    }
    std::ifstream csv(kTmp / "one" / "samples.csv");
    std::string line;
    std::getline(csv, line);
    size_t rows = 0;
    while (std::getline(csv, line)) {
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string x; std::getline(ss, x, ',');)
            f.push_back(x);
        const auto &s = sums.at(std::stol(f[0]));
        EXPECT_EQ(s[0], std::stod(f[3])) << line;                    // timesteps
        EXPECT_EQ(s[1], std::stod(f[4])) << line;                    // cycles
        EXPECT_NEAR(s[2], std::stod(f[6]), 1e-9 * s[2]) << line;     // energy_pj
        EXPECT_EQ(s[3], std::stod(f[16])) << line;                   // synaptic_ops
        rows++;
    }
    EXPECT_EQ(rows, 6u);
    EXPECT_TRUE(fs::exists(kTmp / "one" / "summary.json"));
    EXPECT_TRUE(fs::exists(kTmp / "one" / "report.md"));
    ps_stats_destroy(r);
}

TEST_F(StatsSim, ShardsMergeToTheSingleRun)
{
    if (!fs::exists(kTmp / "one" / "timesteps.csv")) {
        ASSERT_EQ(sim("", "one"), 0);
    }
    ASSERT_EQ(sim("--shard 0/2", "s0"), 0) << slurp(kTmp / "s0.log");
    ASSERT_EQ(sim("--shard 1/2", "s1"), 0) << slurp(kTmp / "s1.log");
    const std::string cmd = std::string(PRIMESIM_BINARY) + " merge " + (kTmp / "s1").string() +
                            " " + (kTmp / "s0").string() + " -o " + (kTmp / "merged").string() +
                            " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    for (const char *f : {"timesteps.csv", "summary.json", "samples.csv"})
        EXPECT_EQ(slurp(kTmp / "one" / f), slurp(kTmp / "merged" / f)) << f;
}

TEST_F(StatsSim, ThresholdSweepEqualsSeparateRuns)
{
    ASSERT_EQ(sim("--thresholds 0.5,0.8", "sweep"), 0) << slurp(kTmp / "sweep.log");
    ps_stats_run *sw = load("sweep");
    ASSERT_NE(sw, nullptr);
    for (double theta : {0.5, 0.8}) {
        const std::string name = theta == 0.5 ? "t05" : "t08";
        ASSERT_EQ(sim("--threshold " + std::to_string(theta), name), 0);
        ps_stats_run *one = load(name);
        ASSERT_NE(one, nullptr);
        ps_stats_point a, b;
        ASSERT_EQ(ps_stats_point_at(sw, theta, &a), PS_OK);
        ASSERT_EQ(ps_stats_point_at(one, theta, &b), PS_OK);
        EXPECT_TRUE(a.valid && b.valid);
        EXPECT_EQ(a.samples, b.samples);
        EXPECT_EQ(a.accuracy, b.accuracy);
        EXPECT_EQ(a.mean_timesteps, b.mean_timesteps);
        EXPECT_EQ(a.hybrid_pj, b.hybrid_pj);
        EXPECT_EQ(a.event_pj, b.event_pj);
        EXPECT_EQ(a.dense_pj, b.dense_pj);
        EXPECT_EQ(a.hybrid_ns, b.hybrid_ns);
        // The separate run's records are a prefix of the sweep's traces.
        size_t j = 0;
        const ps_stats_record *rs = ps_stats_records(sw), *ro = ps_stats_records(one);
        for (size_t i = 0; i < ps_stats_count(one); i++) {
            while (j < ps_stats_count(sw) && (rs[j].v[PS_ST_SAMPLE] != ro[i].v[PS_ST_SAMPLE] ||
                                              rs[j].v[PS_ST_T] != ro[i].v[PS_ST_T]))
                j++;
            ASSERT_LT(j, ps_stats_count(sw));
            for (int k = 0; k < PS_ST_SPIKES_L0; k++)
                if (k != PS_ST_STOP) {
                    EXPECT_EQ(rs[j].v[k], ro[i].v[k]) << ps_stat_descriptor((ps_stat_id)k)->name;
                }
        }
        ps_stats_destroy(one);
    }
    const std::string md = slurp(kTmp / "sweep" / "report.md");
    EXPECT_NE(md.find("| 0.5 |"), std::string::npos);
    ps_stats_destroy(sw);
}
