// The chip computes what the golden model computes: spikes of every layer,
// pooled levels and output membranes, timestep by timestep, bit for bit.
// One elaboration runs several chips side by side (SystemC elaborates once
// per process): a small random network over 120 samples with noise off and
// ideal conversion, the same with 8-bit ADC quantisation (golden given the
// same quantisation), the same with read noise on and row tiles split over
// several tiles, with biases and a leaky readout (float and fixed-point LIF
// units), and PRIME's
// shapes on a few samples.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "chip/chip.hpp"
#include "sim/sc_entry.hpp"
#include "test_chip_nets.hpp"

using namespace primesim;

namespace {

using Trace = std::map<std::tuple<uint64_t, int64_t, int64_t>, std::vector<float>>;

struct Case {
    std::string name;
    std::unique_ptr<chiptest::OwnedNet> net;
    SystemConfig cfg;
    std::vector<std::vector<uint16_t>> frames;
    std::vector<uint64_t> ids;
    std::unique_ptr<chip::Chip> chip;
    std::vector<chip::SampleResult> results;
    Trace chip_trace;
    uint64_t current_id = 0;
};

void golden_observer(void *ctx, int64_t t, int64_t layer, const float *v, size_t n)
{
    auto *p = static_cast<std::pair<Trace *, uint64_t> *>(ctx);
    (*p->first)[{p->second, t, layer}] = std::vector<float>(v, v + n);
}

void compare(Case &c)
{
    SCOPED_TRACE(c.name);
    ps_golden_config gc = chiptest::golden_config(c.cfg);
    ps_golden *g = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_golden_create(&c.net->net, &gc, &err, &g), PS_OK) << err.message;
    Trace golden;
    std::pair<Trace *, uint64_t> ctx{&golden, 0};
    ps_golden_set_observer(g, golden_observer, &ctx);
    ASSERT_EQ(c.results.size(), c.frames.size());
    const size_t K = ps_golden_n_outputs(g);
    size_t stopped_early = 0;
    uint64_t spikes = 0;
    for (size_t i = 0; i < c.frames.size(); i++) {
        ctx.second = c.ids[i];
        ps_golden_result r;
        ASSERT_EQ(ps_golden_run(g, c.frames[i].data(), c.ids[i], &r, &err), PS_OK) << err.message;
        const chip::SampleResult &s = c.results[i];
        ASSERT_EQ(s.sample_id, c.ids[i]);
        ASSERT_EQ(s.timesteps_run, r.timesteps_run) << "sample " << i;
        EXPECT_EQ(s.prediction, r.prediction) << "sample " << i;
        EXPECT_EQ(s.confidence, r.confidence) << "sample " << i;
        stopped_early += r.timesteps_run < c.net->net.timesteps;
        const size_t n = (size_t)r.timesteps_run * K;
        ASSERT_EQ(s.outputs.size(), n);
        EXPECT_EQ(std::memcmp(s.outputs.data(), ps_golden_outputs(g), n * sizeof(float)), 0)
            << "sample " << i;
        const uint64_t *sc = ps_golden_spike_counts(g);
        for (size_t k = 0; k < (size_t)r.timesteps_run * (size_t)c.net->net.n_layers; k++)
            spikes += sc[k];
        for (size_t k = 0; k < (size_t)r.timesteps_run * (size_t)c.net->net.n_layers; k++)
            ASSERT_EQ(s.spike_counts[k], sc[k]) << "sample " << i << " entry " << k;
    }
    // Every layer's output at every timestep.
    ASSERT_EQ(c.chip_trace.size(), golden.size());
    for (const auto &[key, values] : golden) {
        auto it = c.chip_trace.find(key);
        ASSERT_NE(it, c.chip_trace.end());
        ASSERT_EQ(it->second.size(), values.size());
        ASSERT_EQ(std::memcmp(it->second.data(), values.data(), values.size() * sizeof(float)), 0)
            << "sample " << std::get<0>(key) << " t " << std::get<1>(key) << " layer "
            << std::get<2>(key);
    }
    std::printf("[%s] %zu samples, %zu stopped early, %llu spikes, %zu layer outputs equal\n",
                c.name.c_str(), c.frames.size(), stopped_early, (unsigned long long)spikes,
                golden.size());
    EXPECT_GT(spikes, 0u);
    if (c.name == "ideal") {
        EXPECT_GT(stopped_early, 0u);
    }
    ps_golden_destroy(g);
}

} // namespace

TEST(ChipGolden, SpikesAndOutputsEqualTheGoldenModel)
{
    std::vector<std::unique_ptr<Case>> cases;
    auto add = [&](std::string name, std::unique_ptr<chiptest::OwnedNet> net, SystemConfig cfg,
                   size_t samples, uint32_t seed) {
        auto c = std::make_unique<Case>();
        c->name = std::move(name);
        c->net = std::move(net);
        c->cfg = cfg;
        for (size_t i = 0; i < samples; i++) {
            c->frames.push_back(chiptest::frames(c->net->net, seed + (uint32_t)i));
            c->ids.push_back(1000 + i);
        }
        cases.push_back(std::move(c));
    };
    // Noise off, ideal conversion; a low threshold so that samples stop early.
    SystemConfig ideal = chiptest::config(64, 16, 4, true, false);
    ideal.early_stop.theta = 0.125;
    add("ideal", chiptest::small_net(7), ideal, 120, 100);
    // 8-bit ADC quantisation in both.
    add("quantised", chiptest::small_net(8), chiptest::config(64, 16, 4, false, false), 100, 300);
    // Read noise on, small arrays: conv1 (54 rows) and the linear layer (32
    // rows) split into row tiles on separate tiles, partial sums over the mesh.
    SystemConfig split = chiptest::config(16, 4, 6, false, true);
    split.mapper.replicate_conv = 2;
    add("noise+split", chiptest::small_net(9), split, 100, 500);
    // Biases (the LIF unit's digital add) and a leaky readout, in float and in
    // fixed point, row tiles split.
    add("bias+split", chiptest::with_bias(chiptest::small_net(11), 12, 0.1f), split, 60, 900);
    SystemConfig fixed = chiptest::config(16, 4, 6, true, false);
    fixed.lif.format = PS_LIF_FIXED;
    add("bias+fixed", chiptest::with_bias(chiptest::small_net(13), 14, 0.1f), fixed, 60, 1100);
    // PRIME's shapes on 512x512 and 128x128 arrays.
    SystemConfig big = chiptest::config(512, 256, 2, false, true);
    big.mapper.arrays_per_tile = 8;
    add("prime512", chiptest::prime_net(3), big, 3, 700);
    SystemConfig small = chiptest::config(128, 64, 8, false, true);
    small.mapper.replicate_conv = 4;
    add("prime128", chiptest::prime_net(3), small, 3, 700);

    run_in_systemc([&] {
        int k = 0;
        for (auto &c : cases) {
            Case *cp = c.get();
            c->chip = std::make_unique<chip::Chip>(("chip" + std::to_string(k++)).c_str(), c->cfg,
                                                   c->net->net);
            c->chip->set_observer([cp](int64_t t, int64_t layer, const float *v, size_t n) {
                cp->chip_trace[{cp->current_id, t, layer}] = std::vector<float>(v, v + n);
            });
            c->chip->set_workload(
                [cp](size_t i, std::vector<uint16_t> &f, uint64_t &id) {
                    if (i >= cp->frames.size())
                        return false;
                    f = cp->frames[i];
                    id = cp->ids[i];
                    cp->current_id = id;
                    return true;
                },
                [cp](const chip::SampleResult &r) { cp->results.push_back(r); });
        }
        sc_core::sc_start();
        return 0;
    });
    for (auto &c : cases)
        compare(*c);
}
