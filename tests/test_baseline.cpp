// Digital baselines: energy and cycles of one timestep worked by hand from
// the constants of configs/energy/digital_45nm.yaml (the table defaults).
#include <gtest/gtest.h>

#include <vector>

#include "digital_baseline.h"
#include "tiny_net.hpp"

TEST(Baseline, ParamTableWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_baseline_param_table, &err), PS_OK) << err.message;
}

TEST(Baseline, NetworkWork)
{
    TinyNet t;
    ps_baseline_network w;
    ASSERT_EQ(ps_baseline_network_work(&t.net, &w), PS_OK);
    EXPECT_EQ(w.dense_macs, 4u * 3 + 3 * 2); // 18
    EXPECT_EQ(w.neurons, 3u + 2);
    EXPECT_EQ(w.kept_pairs, 18u);
}

TEST(Baseline, OneTimestepByHand)
{
    TinyNet t;
    ps_baseline_params p;
    ps_params_set_defaults(&ps_baseline_param_table, &p);
    ps_energy_digital_params e;
    ps_params_set_defaults(&ps_energy_digital_param_table, &e);
    p.leakage_event_mw = 2.0;
    ps_error err{};
    ps_baseline *b = nullptr;
    ASSERT_EQ(ps_baseline_create(&p, &e, &t.net, &err, &b), PS_OK) << err.message;
    // Weight read: 32 KB SRAM, 64-bit read 20 pJ (Horowitz), 8-bit weight: 20 * 8/64 = 2.5 pJ.
    EXPECT_DOUBLE_EQ(ps_baseline_weight_read_pj(b), 2.5);
    ps_baseline_work w{};
    w.synaptic_ops = 10;
    w.spikes = 3;
    w.neuron_pj = 1.5;
    w.early_stop_pj = 2.0;
    w.early_stop_cycles = 4;
    ps_baseline_step ev{}, de{};
    ASSERT_EQ(ps_baseline_step_run(b, &w, &ev, &de), PS_OK);
    // Event: sram 10 * 2.5 = 25; alu 10 * int32 add 0.1 = 1.0; neuron 1.5;
    // noc 3 spikes * 1 hop * (0.76 buffer + 0.22 crossbar + 0.049 * 32 bits * 1 mm) = 7.644;
    // early stop 2.0. Cycles: ceil(10/16) * max(1,1) + ceil(5 neurons/16) * 1 + 4 = 6
    // -> 30 ns at 200 MHz; leakage 2 mW * 30 ns = 60 pJ. Total 97.144 pJ.
    EXPECT_DOUBLE_EQ(ev.sram_pj, 25.0);
    EXPECT_DOUBLE_EQ(ev.alu_pj, 1.0);
    EXPECT_DOUBLE_EQ(ev.neuron_pj, 1.5);
    EXPECT_NEAR(ev.noc_pj, 7.644, 1e-12);
    EXPECT_DOUBLE_EQ(ev.early_stop_pj, 2.0);
    EXPECT_EQ(ev.cycles, 6u);
    EXPECT_DOUBLE_EQ(ev.latency_ns, 30.0);
    EXPECT_DOUBLE_EQ(ev.leakage_pj, 60.0);
    EXPECT_NEAR(ev.total_pj, 97.144, 1e-12);
    // Dense: 18 MACs; sram 18 * 2.5 = 45; alu 18 * (int8 mult 0.2 + int32 add 0.1) = 5.4;
    // neuron 1.5; early stop 2.0; no leakage. Total 53.9 pJ.
    // Cycles: ceil(18/256) + ceil(5/256) + 4 = 6.
    EXPECT_DOUBLE_EQ(de.sram_pj, 45.0);
    EXPECT_NEAR(de.alu_pj, 5.4, 1e-12);
    EXPECT_DOUBLE_EQ(de.noc_pj, 0.0);
    EXPECT_NEAR(de.total_pj, 53.9, 1e-12);
    EXPECT_EQ(de.cycles, 6u);
    ps_baseline_stats s;
    ASSERT_EQ(ps_baseline_stats_get(b, &s), PS_OK);
    EXPECT_EQ(s.timesteps, 1u);
    EXPECT_DOUBLE_EQ(s.dense_pj, de.total_pj);
    ps_baseline_reset(b);
    ASSERT_EQ(ps_baseline_stats_get(b, &s), PS_OK);
    EXPECT_EQ(s.timesteps, 0u);
    ps_baseline_destroy(b);
    ps_baseline_destroy(nullptr);
}

TEST(Baseline, RejectsBadParams)
{
    TinyNet t;
    ps_baseline_params p;
    ps_params_set_defaults(&ps_baseline_param_table, &p);
    ps_energy_digital_params e;
    ps_params_set_defaults(&ps_energy_digital_param_table, &e);
    ps_baseline *b = nullptr;
    p.sram_kb = 2048; // above the largest tabulated SRAM
    EXPECT_NE(ps_baseline_create(&p, &e, &t.net, nullptr, &b), PS_OK);
    EXPECT_EQ(b, nullptr);
}
