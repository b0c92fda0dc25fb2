// Statistics records and summary: totals are sums of components, records of
// a sample sum to its totals, a hand-computed record (hybrid + baselines),
// threshold replay, CSV round trip, shard merge byte-identical to one run,
// report files well-formed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stats.h"
#include "tiny_net.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ps_stats_meta tiny_meta()
{
    ps_stats_meta m{};
    m.timesteps = 3;
    m.n_layers = 2;
    m.clock_mhz = 200;
    m.theta = 0.8;
    m.early_stop = false;
    m.timed = true;
    m.n_thresholds = 3;
    m.thresholds[0] = 0.5, m.thresholds[1] = 0.8, m.thresholds[2] = 0.95;
    std::snprintf(m.system, sizeof m.system, "tiny");
    return m;
}

// A run of n samples traced at full T = 3 with made-up but varied work.
struct Fixture {
    TinyNet t;
    ps_baseline_params bp{};
    ps_energy_digital_params e{};
    ps_baseline *b = nullptr;
    ps_stats_meta meta = tiny_meta();
    Fixture()
    {
        ps_params_set_defaults(&ps_baseline_param_table, &bp);
        ps_params_set_defaults(&ps_energy_digital_param_table, &e);
        bp.leakage_hybrid_mw = 1.0;
        EXPECT_EQ(ps_baseline_create(&bp, &e, &t.net, nullptr, &b), PS_OK);
    }
    ~Fixture() { ps_baseline_destroy(b); }
    ps_stats_record rec(uint64_t sample, int64_t t, double conf)
    {
        ps_stats_hybrid_step h{};
        h.cycles = 10 + sample + (uint64_t)t;
        h.crossbar_pj = 0.1 * (double)(sample + 1);
        h.dac_pj = 0.3 * (double)t;
        h.adc_pj = 1.7;
        h.accumulate_pj = 0.2;
        h.lif_pj = 0.5;
        h.buffer_pj = 0.01 * (double)t;
        h.noc_pj = 0.7;
        h.early_stop_pj = 0.25;
        h.synaptic_ops = 5 + sample + (uint64_t)t;
        h.spikes = (uint64_t)t;
        h.spikes_per_layer[0] = (uint64_t)t;
        h.early_stop_cycles = 2;
        ps_stats_record r;
        EXPECT_EQ(ps_stats_record_fill(&r, &meta, sample, (int32_t)(sample % 2), t,
                                       (int32_t)(t >= 2 ? sample % 2 : 1 - sample % 2), conf, &h, b,
                                       &bp),
                  PS_OK);
        return r;
    }
    // Confidences per sample: rising, crossing 0.5 / 0.8 / 0.95 at different steps.
    double conf(uint64_t s, int64_t t) { return 0.3 + 0.1 * (double)(s % 4) + 0.2 * (double)(t - 1); }
    ps_stats_run *run(const std::vector<uint64_t> &samples)
    {
        ps_stats_run *r = nullptr;
        EXPECT_EQ(ps_stats_create(&meta, nullptr, &r), PS_OK);
        for (uint64_t s : samples)
            for (int64_t t = 1; t <= 3; t++) {
                ps_stats_record x = rec(s, t, conf(s, t));
                EXPECT_EQ(ps_stats_add(r, &x), PS_OK);
            }
        EXPECT_EQ(ps_stats_sort(r, nullptr), PS_OK);
        return r;
    }
};

fs::path tmpdir(const std::string &name)
{
    fs::path d = fs::temp_directory_path() / ("primesim_test_stats_" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

} // namespace

TEST(StatsRecords, HandComputedRecord)
{
    Fixture f;
    // Sample 0, t = 1: hybrid 10 + 0 + 1 = 11 cycles = 55 ns at 200 MHz; leakage 1 mW * 55 ns
    // = 55 pJ; components 0.1 + 0.3 + 1.7 + 0.2 + 0.5 + 0.01 + 0.7 + 0.25 = 3.76, total 58.76.
    ps_stats_record r = f.rec(0, 1, 0.3);
    EXPECT_DOUBLE_EQ(r.v[PS_ST_LATENCY_NS], 55.0);
    EXPECT_DOUBLE_EQ(r.v[PS_ST_HY_LEAKAGE_PJ], 55.0);
    EXPECT_NEAR(r.v[PS_ST_HY_TOTAL_PJ], 58.76, 1e-12);
    // Event baseline: 6 synaptic ops -> sram 6 * 2.5 = 15, alu 6 * 0.1 = 0.6, neuron 0.5 (the
    // chip's LIF energy), noc 1 spike * 2.548 = 2.548, early stop 0.25: 18.898 pJ.
    EXPECT_NEAR(r.v[PS_ST_EV_TOTAL_PJ], 18.898, 1e-12);
    // Cycles ceil(6/16) + ceil(5/16) + 2 = 4 -> 20 ns.
    EXPECT_DOUBLE_EQ(r.v[PS_ST_EV_CYCLES], 4.0);
    EXPECT_DOUBLE_EQ(r.v[PS_ST_EV_LATENCY_NS], 20.0);
    // Dense: 18 MACs -> sram 45, alu 5.4, neuron 0.5, early stop 0.25: 51.15 pJ.
    EXPECT_NEAR(r.v[PS_ST_DN_TOTAL_PJ], 51.15, 1e-12);
    EXPECT_DOUBLE_EQ(r.v[PS_ST_MAC_EQUIVALENTS], 18.0);
    EXPECT_DOUBLE_EQ(r.v[PS_ST_NEURON_UPDATES], 5.0);
    EXPECT_DOUBLE_EQ(r.v[PS_ST_STOP], 0.0);
}

TEST(StatsRecords, TotalsAreSumsOfComponents)
{
    Fixture f;
    ps_stats_run *r = f.run({0, 1, 2, 3, 4});
    for (size_t i = 0; i < ps_stats_count(r); i++) {
        const double *v = ps_stats_records(r)[i].v;
        double hy = 0, ev = 0, dn = 0;
        for (int k = PS_ST_HY_CROSSBAR_PJ; k < PS_ST_HY_TOTAL_PJ; k++)
            hy += v[k];
        for (int k = 0; k < 6; k++) {
            ev += v[PS_ST_EV_SRAM_PJ + k];
            dn += v[PS_ST_DN_SRAM_PJ + k];
        }
        EXPECT_EQ(v[PS_ST_HY_TOTAL_PJ], hy);
        EXPECT_EQ(v[PS_ST_EV_TOTAL_PJ], ev);
        EXPECT_EQ(v[PS_ST_DN_TOTAL_PJ], dn);
    }
    // The summary's totals are the sums of its component means.
    ps_stats_point p;
    ASSERT_EQ(ps_stats_point_at(r, 0.8, &p), PS_OK);
    double hy = 0, ev = 0, dn = 0;
    for (double x : p.hybrid_part_pj)
        hy += x;
    for (int k = 0; k < 6; k++)
        ev += p.event_part_pj[k], dn += p.dense_part_pj[k];
    EXPECT_NEAR(p.hybrid_pj, hy, 1e-9 * hy);
    EXPECT_NEAR(p.event_pj, ev, 1e-9 * ev);
    EXPECT_NEAR(p.dense_pj, dn, 1e-9 * dn);
    ps_stats_destroy(r);
}

TEST(StatsRecords, ReplayStopsAndPerSampleSums)
{
    Fixture f;
    ps_stats_run *r = f.run({0, 1, 2, 3});
    // conf(s, t) = 0.3 + 0.1 (s mod 4) + 0.2 (t - 1): at theta 0.5 the stops are
    // s0: t=3 (0.7), s1: t=2 (0.6), s2: t=2 (0.7), s3: t=1 (0.6) -> mean 2.
    ps_stats_point p;
    ASSERT_EQ(ps_stats_point_at(r, 0.5, &p), PS_OK);
    EXPECT_TRUE(p.valid);
    EXPECT_EQ(p.samples, 4u);
    EXPECT_DOUBLE_EQ(p.mean_timesteps, 2.0);
    EXPECT_DOUBLE_EQ(p.load_saving_steps, 1.0 - 8.0 / 12.0);
    // Energy per sample = the mean over samples of the records up to each stop.
    const int64_t stops[4] = {3, 2, 2, 1};
    double hy = 0, ns = 0, ops_used = 0, ops_full = 0;
    for (size_t i = 0; i < ps_stats_count(r); i++) {
        const double *v = ps_stats_records(r)[i].v;
        ops_full += v[PS_ST_SYNAPTIC_OPS];
        if (v[PS_ST_T] <= (double)stops[(size_t)v[PS_ST_SAMPLE]]) {
            hy += v[PS_ST_HY_TOTAL_PJ];
            ns += v[PS_ST_LATENCY_NS];
            ops_used += v[PS_ST_SYNAPTIC_OPS];
        }
    }
    EXPECT_NEAR(p.hybrid_pj, hy / 4, 1e-12 * hy);
    EXPECT_NEAR(p.hybrid_ns, ns / 4, 1e-12 * ns);
    EXPECT_NEAR(p.load_saving_synops, 1 - ops_used / ops_full, 1e-12);
    // Predictions: label s mod 2, predicted right from t = 2: s3 stops at t = 1 -> wrong.
    EXPECT_DOUBLE_EQ(p.accuracy, 0.75);
    // Histogram at the run's theta 0.8: s0 t=3 (0.7 never passes -> T), s1 t=3 (0.8 not > 0.8),
    // s2 t=3 (0.9), s3 t=2 (0.8? no: 0.6, 0.8, 1.0 -> t=3). All at 3.
    uint64_t hist[3];
    ASSERT_EQ(ps_stats_stop_histogram(r, hist), PS_OK);
    EXPECT_EQ(hist[0] + hist[1] + hist[2], 4u);
    ps_stats_destroy(r);
}

TEST(StatsRecords, StoppedTraceMakesHigherThresholdsInvalid)
{
    Fixture f;
    ps_stats_run *r = nullptr;
    ASSERT_EQ(ps_stats_create(&f.meta, nullptr, &r), PS_OK);
    ps_stats_record x = f.rec(0, 1, 0.9); // stopped after t = 1 at 0.8
    ASSERT_EQ(ps_stats_add(r, &x), PS_OK);
    ps_stats_point p;
    ASSERT_EQ(ps_stats_point_at(r, 0.8, &p), PS_OK);
    EXPECT_TRUE(p.valid);
    ASSERT_EQ(ps_stats_point_at(r, 0.95, &p), PS_OK);
    EXPECT_FALSE(p.valid);
    EXPECT_TRUE(std::isnan(p.accuracy));
    ps_stats_destroy(r);
}

TEST(StatsRecords, CsvRoundTripAndMergeByteIdentical)
{
    Fixture f;
    const fs::path d = tmpdir("merge");
    ps_stats_run *whole = f.run({0, 1, 2, 3, 4, 5, 6});
    ps_stats_run *a = f.run({0, 3, 6}), *b = f.run({1, 4}), *c = f.run({2, 5});
    ps_error err{};
    ASSERT_EQ(ps_stats_write_csv(whole, (d / "whole.csv").c_str(), &err), PS_OK) << err.message;
    ASSERT_EQ(ps_stats_write_summary_json(whole, (d / "whole.json").c_str(), &err), PS_OK);
    const char *parts[3] = {"a.csv", "b.csv", "c.csv"};
    ps_stats_run *shards[3] = {a, b, c};
    ps_stats_run *read[3] = {};
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(ps_stats_write_csv(shards[i], (d / parts[i]).c_str(), &err), PS_OK);
        ASSERT_EQ(ps_stats_read_csv((d / parts[i]).c_str(), &err, &read[i]), PS_OK) << err.message;
    }
    ps_stats_run *merged = nullptr;
    ASSERT_EQ(ps_stats_merge(read, 3, &err, &merged), PS_OK) << err.message;
    ASSERT_EQ(ps_stats_write_csv(merged, (d / "merged.csv").c_str(), &err), PS_OK);
    ASSERT_EQ(ps_stats_write_summary_json(merged, (d / "merged.json").c_str(), &err), PS_OK);
    EXPECT_EQ(slurp(d / "whole.csv"), slurp(d / "merged.csv"));
    EXPECT_EQ(slurp(d / "whole.json"), slurp(d / "merged.json"));
    // Records read back equal, bit for bit.
    ps_stats_run *back = nullptr;
    ASSERT_EQ(ps_stats_read_csv((d / "whole.csv").c_str(), &err, &back), PS_OK);
    ASSERT_EQ(ps_stats_count(back), ps_stats_count(whole));
    for (size_t i = 0; i < ps_stats_count(back); i++)
        for (size_t k = 0; k < PS_ST_SPIKES_L0 + 2; k++)
            EXPECT_EQ(ps_stats_records(back)[i].v[k], ps_stats_records(whole)[i].v[k]);
    // Repeated samples are refused.
    ps_stats_run *dup[2] = {read[0], read[0]};
    ps_stats_run *bad = nullptr;
    EXPECT_EQ(ps_stats_merge(dup, 2, &err, &bad), PS_ERR_FORMAT);
    for (ps_stats_run *x : {whole, a, b, c, read[0], read[1], read[2], merged, back})
        ps_stats_destroy(x);
}

TEST(StatsRecords, ReportFilesWellFormed)
{
    Fixture f;
    const fs::path d = tmpdir("report");
    ps_stats_run *r = f.run({0, 1, 2, 3});
    ps_error err{};
    ASSERT_EQ(ps_stats_write_report(r, d.c_str(), "tiny", &err), PS_OK) << err.message;
    const std::string md = slurp(d / "report.md");
    EXPECT_NE(md.find("## Classification table"), std::string::npos);
    EXPECT_NE(md.find("## Paper comparison"), std::string::npos);
    EXPECT_NE(md.find("37.83"), std::string::npos);
    for (const char *svg : {"energy_breakdown.svg", "energy_breakdown_hybrid.svg",
                            "accuracy_vs_threshold.svg", "timesteps_vs_threshold.svg",
                            "energy_vs_threshold.svg", "stop_histogram.svg", "timestep_energy.svg"}) {
        const std::string s = slurp(d / svg);
        ASSERT_FALSE(s.empty()) << svg;
        EXPECT_EQ(s.rfind("<svg ", 0), 0u) << svg;
        EXPECT_NE(s.find("</svg>\n"), std::string::npos) << svg;
        EXPECT_EQ(s.find("nan"), std::string::npos) << svg;
        EXPECT_EQ(md.find(svg) != std::string::npos, true) << svg << " not linked";
    }
    char table[8192];
    ASSERT_EQ(ps_stats_format_table(r, table, sizeof table), PS_OK);
    EXPECT_NE(std::string(table).find("| 0.8 (run)"), std::string::npos);
    ps_stats_destroy(r);
}

TEST(StatsRecords, Descriptors)
{
    for (int k = 0; k < PS_ST_COUNT; k++) {
        const ps_stat_desc *d = ps_stat_descriptor((ps_stat_id)k);
        ASSERT_NE(d, nullptr);
        EXPECT_NE(std::string(d->name), "");
        EXPECT_NE(std::string(d->description), "");
        const std::string n = d->name;
        if (n.size() > 3 && n.substr(n.size() - 3) == "_pj") {
            EXPECT_STREQ(d->unit, "pJ") << n;
        }
    }
    EXPECT_STREQ(ps_stat_descriptor(PS_ST_SPIKES_L0)->name, "spikes_l0");
    EXPECT_EQ(ps_stat_descriptor(PS_ST_COUNT), nullptr);
}
