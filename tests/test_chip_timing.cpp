// Whole-chip timestep latency against a schedule derived by hand on a tiny
// network, plus the single-module latencies it is built from.
//
// Network: 4 inputs -> linear 4x3 (LIF) -> linear 3x2 (integrator), T = 2,
// every input 1 (input_bits 1), every G+ = 50 uS, G- = 0: every hidden
// neuron spikes at both steps. Arrays of 2 rows x 4 pairs, one per tile:
// layer 0 row tiles on tiles 0 (home, node 0) and 1 (node 1); layer 1 on
// tiles 2 (home, node 2) and 3 (node 3); streamer and controller at node 3.
// Clock 200 MHz, t_read 10 ns = 2 cycles; DAC latency 1; ADC 2 cycles per
// conversion, 2 columns per ADC (2 ADCs per 4-pair array); accumulate 1;
// LIF 1 lane, 1 cycle; mesh R = L = 1, 32-bit flits, 24-bit partial sums.
//
// One read = 1 (DAC) + 1 cycle x (2 read + ADC rounds x 2 + 1 shift-add):
// layer 0 (3 columns on 2 ADCs: 2 rounds) 1 + 2 + 4 + 1 = 8, layer 1
// (2 columns: 1 round) 1 + 2 + 2 + 1 = 6.
// Packet of n flits over h hops entering at c arrives at c + 1 + 2h + n - 1.
// Each tile is sent only the inputs of its rows (schedule step 0): tiles 0
// and 1 get inputs 0-1 and 2-3 (2 levels, address-event 2 x 3 bits or dense
// 2 x 1: 2 bits), tiles 2 and 3 get hidden spikes 0-1 and 2 (2 and 1 bits):
// every packet below is still one flit.
//   frame ready 0: to tile 0 (node 3 -> 0, 2 hops) enters 1, arrives 6;
//                  to tile 1 (1 hop) enters 2 (one flit per cycle), arrives 5.
//   tile 1: 5 + 8 = 13, partial sums 3 x 24 bits = 3 flits enter 14, 1 hop: 19.
//   tile 0: 6 + 8 = 14; home has both at 19; + 1 add + 3 LIF = 23.
//   spikes (1 flit) to tile 2 enter 24, 1 hop: 27; to tile 3 enter 25, 2 hops: 30.
//   tile 2: 27 + 6 = 33; tile 3: 30 + 6 = 36, 2 flits enter 37, 1 hop: 41.
//   home: 41 + 1 add + 2 integrator updates = 44; outputs 2 flits to node 3
//   enter 45, 1 hop: 49; decision takes d = ps_early_stop_ops_cycles.
// Timestep = 49 + d; the second repeats the first.
#include <gtest/gtest.h>

#include "adc.h"
#include "chip/chip.hpp"
#include "early_stop.h"
#include "noc.h"
#include "sim/sc_entry.hpp"
#include "test_chip_nets.hpp"

using namespace primesim;

TEST(ChipTiming, SingleModuleLatencies)
{
    // ADC chain: 3 columns on 2 ADCs take 2 rounds of 2 cycles.
    ps_adc_params ap;
    ps_params_set_defaults(&ps_adc_param_table, &ap);
    ap.cols_per_adc = 2;
    ap.conversion_cycles = 2;
    ps_adc *adc = nullptr;
    ASSERT_EQ(ps_adc_create(&ap, nullptr, &adc), PS_OK);
    EXPECT_EQ(ps_adc_count_for_columns(adc, 4), 2);
    int64_t cyc = 0;
    ASSERT_EQ(ps_adc_cycles(adc, 3, 2, &cyc), PS_OK);
    EXPECT_EQ(cyc, 4);
    ps_adc_destroy(adc);
    // Router hop: R + (L + R) for one flit over one hop.
    ps_noc_params np;
    ps_params_set_defaults(&ps_noc_param_table, &np);
    EXPECT_EQ(ps_noc_uncontended_cycles(&np, 1, 3), 5u);
}

TEST(ChipTiming, TimestepMatchesHandSchedule)
{
    chiptest::OwnedNet o;
    ps_layer l0 = chiptest::linear(4, 1, 3);
    l0.neuron = PS_NEURON_LIF;
    o.layers = {l0, chiptest::linear(3, 1, 2)};
    o.net.timesteps = 2;
    o.net.in_c = 4;
    o.net.in_h = o.net.in_w = 1;
    o.net.input_max_level = 1;
    chiptest::fill(o, 1, 0.01);
    for (size_t i = 0; i < 2; i++) {
        std::fill(o.gp[i].begin(), o.gp[i].end(), 50.0f);
        std::fill(o.gn[i].begin(), o.gn[i].end(), 0.0f);
    }
    SystemConfig cfg = chiptest::config(2, 4, 2, true, false);
    cfg.system.clock_mhz = 200;
    cfg.crossbar.t_read_ns = 10;
    cfg.crossbar.input_bits = 1;
    cfg.dac.latency_cycles = 1;
    cfg.adc.conversion_cycles = 2;
    cfg.adc.cols_per_adc = 2;
    cfg.energy_hybrid.accumulate_cycles = 1;
    cfg.lif.lanes = 1;
    cfg.lif.update_cycles = 1;
    cfg.noc.router_cycles = cfg.noc.link_cycles = 1;
    cfg.noc.flit_bits = 32;
    cfg.chip.psum_bits = 24;
    cfg.chip.io_node = 3;
    cfg.chip.early_stop = false;
    cfg.mapper.arrays_per_tile = 1;

    std::vector<uint16_t> frame(8, 1);
    std::vector<chip::SampleResult> r;
    run_in_systemc([&] {
        r = chip::run_chip(cfg, o.net, {frame, frame}, {1, 2});
        return 0;
    });
    ASSERT_EQ(r.size(), 2u);
    const ps_early_stop_ops ops = ps_early_stop_classify_ops(2);
    const uint64_t d = (uint64_t)ps_early_stop_ops_cycles(&cfg.early_stop, &ops);
    for (const auto &s : r) {
        ASSERT_EQ(s.timestep_cycles.size(), 2u);
        EXPECT_EQ(s.timestep_cycles[0], 49 + d);
        EXPECT_EQ(s.timestep_cycles[1], 49 + d);
        EXPECT_EQ(s.cycles, 2 * (49 + d));
        EXPECT_EQ(s.spike_counts[0], 3u); // every hidden neuron spikes
    }
}
