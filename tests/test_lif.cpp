// LIF unit: traces against sequences worked by hand (float and fixed point),
// rounding, saturation, lanes/cycles and energy counters.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "lif.h"

namespace {

ps_lif_params defaults()
{
    ps_lif_params p;
    ps_params_set_defaults(&ps_lif_param_table, &p);
    return p;
}

ps_lif_params fixed(int64_t total, int64_t frac, int rounding = PS_LIF_ROUND_NEAREST)
{
    ps_lif_params p = defaults();
    p.format = PS_LIF_FIXED;
    p.total_bits = total;
    p.frac_bits = frac;
    p.rounding = rounding;
    return p;
}

struct Lif {
    ps_lif *h = nullptr;
    explicit Lif(const ps_lif_params &p)
    {
        ps_error err{};
        EXPECT_EQ(ps_lif_create(&p, &err, &h), PS_OK) << err.message;
    }
    ~Lif() { ps_lif_destroy(h); }
};

// The input sequence of the single-neuron traces below.
const std::vector<float> kInput = {0.1f, 0.15f, 0.3f, -0.5f, 0.05f};

} // namespace

TEST(Lif, TableIsWellFormedAndDefaultsArePrime)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_lif_param_table, &err), PS_OK) << err.message;
    ps_lif_params p = defaults();
    EXPECT_EQ(p.leak, 0.2);
    EXPECT_EQ(p.v_th, 0.2);
    EXPECT_EQ(p.negative_slope, 0.1);
    EXPECT_EQ(p.format, PS_LIF_FLOAT);
    ps_lif_destroy(nullptr);
}

TEST(Lif, FloatTraceMatchesHandComputation)
{
    Lif lif(defaults());
    // lambda = 0.2, V_th = 0.2, LeakyReLU slope 0.1, U_0 = 0, s_0 = 0:
    // t1: 0.2*0*1 + 0.1          = 0.1    -> no spike
    // t2: 0.2*0.1 + 0.15         = 0.17   -> no spike (0.17 <= 0.2)
    // t3: 0.2*0.17 + 0.3         = 0.334  -> spike
    // t4: reset: 0 + (-0.5)      = -0.5   -> LeakyReLU: -0.05, no spike
    // t5: 0.2*(-0.05) + 0.05     = 0.04   -> no spike
    const double want_u[] = {0.1, 0.17, 0.334, -0.05, 0.04};
    const int want_s[] = {0, 0, 1, 0, 0};
    float u = 0.0f;
    uint8_t s = 0;
    for (size_t t = 0; t < kInput.size(); t++) {
        size_t fired = 99;
        ASSERT_EQ(ps_lif_step(lif.h, &u, &s, &kInput[t], 1, &fired), PS_OK);
        EXPECT_NEAR(u, want_u[t], 1e-6) << "t = " << t + 1;
        EXPECT_EQ(s, want_s[t]) << "t = " << t + 1;
        EXPECT_EQ(fired, static_cast<size_t>(want_s[t]));
    }
    ps_lif_stats st;
    ASSERT_EQ(ps_lif_stats(lif.h, &st), PS_OK);
    EXPECT_EQ(st.updates, 5u);
    EXPECT_EQ(st.spikes, 1u);
    EXPECT_EQ(st.rectified, 1u);
    EXPECT_EQ(st.saturations, 0u);
    // 5 updates x 0.31505 pJ + 1 rectification x 0.239 pJ = 1.81425 pJ.
    EXPECT_NEAR(st.energy_pj, 1.81425, 1e-12);
    // 5 calls of one neuron, 16 lanes, 1 cycle: 5 cycles.
    EXPECT_EQ(st.cycles, 5);
}

TEST(Lif, SpikeIsStrictlyAboveThresholdAndResetIsHard)
{
    Lif lif(defaults());
    // Exactly V_th does not spike; a neuron that spiked ignores its old U.
    float u = 0.0f;
    uint8_t s = 0;
    float in = 0.2f;
    ASSERT_EQ(ps_lif_step(lif.h, &u, &s, &in, 1, nullptr), PS_OK);
    EXPECT_EQ(s, 0);
    EXPECT_EQ(u, 0.2f);
    u = 5.0f;
    s = 1;
    in = 0.01f;
    ASSERT_EQ(ps_lif_step(lif.h, &u, &s, &in, 1, nullptr), PS_OK);
    EXPECT_EQ(u, 0.01f); // 0.2 * 5 * (1 - 1) + 0.01
    EXPECT_EQ(s, 0);
}

TEST(Lif, FloatBatchOfNeuronsIsIndependent)
{
    Lif lif(defaults());
    // Neuron 0 sees the trace above, neuron 1 a constant 0.25: it spikes
    // every step (0.25 > 0.2, then hard reset, then 0.25 again).
    std::vector<float> u(2, 0.0f);
    std::vector<uint8_t> s(2, 0);
    const int want_fired[] = {1, 1, 2, 1, 1};
    for (size_t t = 0; t < kInput.size(); t++) {
        float in[2] = {kInput[t], 0.25f};
        size_t fired = 0;
        ASSERT_EQ(ps_lif_step(lif.h, u.data(), s.data(), in, 2, &fired), PS_OK);
        EXPECT_EQ(fired, static_cast<size_t>(want_fired[t])) << t;
        EXPECT_EQ(u[1], 0.25f);
        EXPECT_EQ(s[1], 1);
    }
    EXPECT_NEAR(u[0], 0.04, 1e-6);
}

TEST(Lif, FloatOutputIntegrator)
{
    Lif lif(defaults());
    // No leak, no spike, no reset: U_t = LeakyReLU(U_{t-1} + I_t).
    // 0 + 0.5 = 0.5; 0.5 - 1 = -0.5 -> -0.05; -0.05 + 0.3 = 0.25.
    const float in[] = {0.5f, -1.0f, 0.3f};
    const double want[] = {0.5, -0.05, 0.25};
    float u = 0.0f;
    for (int t = 0; t < 3; t++) {
        ASSERT_EQ(ps_lif_integrate(lif.h, &u, &in[t], 1), PS_OK);
        EXPECT_NEAR(u, want[t], 1e-7) << t;
    }
    ps_lif_stats st;
    ASSERT_EQ(ps_lif_stats(lif.h, &st), PS_OK);
    EXPECT_EQ(st.integrations, 3u);
    EXPECT_EQ(st.updates, 0u);
    EXPECT_EQ(st.spikes, 0u);
    // 3 x 0.07296 + 1 x 0.239 = 0.45788 pJ.
    EXPECT_NEAR(st.energy_pj, 0.45788, 1e-12);
}

TEST(Lif, FixedTraceNearest)
{
    // 12 bits, 8 fraction bits: LSB = 1/256, values in LSBs below.
    // Constants (round to nearest): leak 0.2*256 = 51.2 -> 51, V_th -> 51,
    // slope 0.1*256 = 25.6 -> 26.
    // Inputs: 0.1 -> 25.6 -> 26; 0.15 -> 38.4 -> 38; 0.3 -> 76.8 -> 77;
    //         -0.5 -> -128; 0.05 -> 12.8 -> 13.
    // Product shift: floor((c*v + 128) / 256).
    // t1: 0 + 26 = 26                                  no spike
    // t2: (51*26 = 1326 + 128) / 256 = 5.68 -> 5; 5 + 38 = 43          no
    // t3: (51*43 = 2193 + 128) / 256 = 9.07 -> 9; 9 + 77 = 86 > 51     spike
    // t4: reset; -128 < 0 -> (26*-128 = -3328 + 128) / 256 = -12.5 -> -13
    // t5: (51*-13 = -663 + 128) / 256 = -2.09 -> -3; -3 + 13 = 10      no
    Lif lif(fixed(12, 8));
    EXPECT_EQ(ps_lif_lsb(lif.h), 1.0 / 256.0);
    const int want_q[] = {26, 43, 86, -13, 10};
    const int want_s[] = {0, 0, 1, 0, 0};
    float u = 0.0f;
    uint8_t s = 0;
    for (size_t t = 0; t < kInput.size(); t++) {
        ASSERT_EQ(ps_lif_step(lif.h, &u, &s, &kInput[t], 1, nullptr), PS_OK);
        EXPECT_EQ(u, want_q[t] / 256.0f) << "t = " << t + 1;
        EXPECT_EQ(s, want_s[t]) << "t = " << t + 1;
    }
    ps_lif_stats st;
    ASSERT_EQ(ps_lif_stats(lif.h, &st), PS_OK);
    EXPECT_EQ(st.spikes, 1u);
    EXPECT_EQ(st.rectified, 1u);
    EXPECT_EQ(st.saturations, 0u);
}

TEST(Lif, FixedTraceFloor)
{
    // Same format, truncation toward -inf (constants still round to nearest:
    // 51, 51, 26). Inputs: 25, 38, 76, -128, 12.
    // t1: 25
    // t2: floor(51*25 = 1275 / 256) = 4; 4 + 38 = 42
    // t3: floor(51*42 = 2142 / 256) = 8; 8 + 76 = 84 > 51  spike
    // t4: reset; -128 -> floor(26*-128 = -3328 / 256) = -13
    // t5: floor(51*-13 = -663 / 256) = floor(-2.59) = -3; -3 + 12 = 9
    Lif lif(fixed(12, 8, PS_LIF_ROUND_FLOOR));
    const int want_q[] = {25, 42, 84, -13, 9};
    const int want_s[] = {0, 0, 1, 0, 0};
    float u = 0.0f;
    uint8_t s = 0;
    for (size_t t = 0; t < kInput.size(); t++) {
        ASSERT_EQ(ps_lif_step(lif.h, &u, &s, &kInput[t], 1, nullptr), PS_OK);
        EXPECT_EQ(u, want_q[t] / 256.0f) << "t = " << t + 1;
        EXPECT_EQ(s, want_s[t]) << "t = " << t + 1;
    }
}

TEST(Lif, FixedOutputIntegrator)
{
    // 12/8 nearest: 0.5 -> 128, -1 -> -256, 0.3 -> 77.
    // 128; 128 - 256 = -128 -> (26*-128 + 128) / 256 -> -13; -13 + 77 = 64 = 0.25.
    Lif lif(fixed(12, 8));
    const float in[] = {0.5f, -1.0f, 0.3f};
    const int want_q[] = {128, -13, 64};
    float u = 0.0f;
    for (int t = 0; t < 3; t++) {
        ASSERT_EQ(ps_lif_integrate(lif.h, &u, &in[t], 1), PS_OK);
        EXPECT_EQ(u, want_q[t] / 256.0f) << t;
    }
}

TEST(Lif, FixedRoundingTiesAndSaturation)
{
    {
        Lif lif(fixed(12, 8));
        // +-1.5 LSB: nearest rounds ties toward +inf: 1.5 -> 2, -1.5 -> -1.
        EXPECT_EQ(ps_lif_represent(lif.h, 3.0f / 512), 2.0f / 256);
        EXPECT_EQ(ps_lif_represent(lif.h, -3.0f / 512), -1.0f / 256);
        // Range of 12 bits / 8 fraction: [-2048, 2047] / 256 = [-8, 7.99609375].
        EXPECT_EQ(ps_lif_represent(lif.h, 100.0f), 2047.0f / 256);
        EXPECT_EQ(ps_lif_represent(lif.h, -100.0f), -8.0f);
    }
    {
        Lif lif(fixed(12, 8, PS_LIF_ROUND_FLOOR));
        EXPECT_EQ(ps_lif_represent(lif.h, 3.0f / 512), 1.0f / 256);
        EXPECT_EQ(ps_lif_represent(lif.h, -3.0f / 512), -2.0f / 256);
    }
    {
        // 8 bits, 4 fraction: LSB 1/16, range [-128, 127] / 16 = [-8, 7.9375].
        Lif lif(fixed(8, 4));
        float u = 7.5f;
        float in = 1.0f;
        ASSERT_EQ(ps_lif_integrate(lif.h, &u, &in, 1), PS_OK);
        EXPECT_EQ(u, 7.9375f); // 120 + 16 = 136 -> 127
        // Input -100 saturates to -128; below 0: slope 0.1*16 = 1.6 -> 2;
        // (2*-128 = -256 + 8) / 16 = -15.5 -> -16 = -1.0.
        u = 0.0f;
        uint8_t s = 0;
        in = -100.0f;
        ASSERT_EQ(ps_lif_step(lif.h, &u, &s, &in, 1, nullptr), PS_OK);
        EXPECT_EQ(u, -1.0f);
        ps_lif_stats st;
        ASSERT_EQ(ps_lif_stats(lif.h, &st), PS_OK);
        EXPECT_EQ(st.saturations, 2u);
        float bad = NAN;
        EXPECT_EQ(ps_lif_step(lif.h, &u, &s, &bad, 1, nullptr), PS_ERR_INVALID_ARG);
        EXPECT_EQ(u, -1.0f); // untouched
    }
}

TEST(Lif, CyclesFromLanes)
{
    ps_lif_params p = defaults();
    p.lanes = 16;
    p.update_cycles = 2;
    Lif lif(p);
    EXPECT_EQ(ps_lif_cycles(lif.h, 0), 0);
    EXPECT_EQ(ps_lif_cycles(lif.h, 1), 2);
    EXPECT_EQ(ps_lif_cycles(lif.h, 16), 2);
    EXPECT_EQ(ps_lif_cycles(lif.h, 17), 4);
    EXPECT_EQ(ps_lif_cycles(lif.h, 100), 14); // ceil(100 / 16) = 7 groups
    // 12 * 12 * 64 = 9216 neurons of conv1: 576 groups x 2 = 1152 cycles.
    std::vector<float> u(9216, 0.0f), in(9216, 0.1f);
    std::vector<uint8_t> s(9216, 0);
    ASSERT_EQ(ps_lif_step(lif.h, u.data(), s.data(), in.data(), u.size(), nullptr), PS_OK);
    ps_lif_stats st;
    ASSERT_EQ(ps_lif_stats(lif.h, &st), PS_OK);
    EXPECT_EQ(st.cycles, 1152);
    ps_lif_reset(lif.h);
    ASSERT_EQ(ps_lif_stats(lif.h, &st), PS_OK);
    EXPECT_EQ(st.cycles, 0);
    EXPECT_EQ(st.updates, 0u);
}

TEST(Lif, RejectsBadFormat)
{
    ps_lif *h = nullptr;
    ps_error err{};
    ps_lif_params p = fixed(8, 8);
    EXPECT_EQ(ps_lif_create(&p, &err, &h), PS_ERR_RANGE);
    EXPECT_EQ(h, nullptr);
    p = fixed(25, 8);
    EXPECT_EQ(ps_lif_create(&p, &err, &h), PS_ERR_RANGE);
}

TEST(Lif, BiasAddFloatFixedCyclesAndEnergy)
{
    // float: a plain float32 add per neuron.
    ps_lif_params p = defaults();
    p.lanes = 4;
    p.update_cycles = 3;
    p.bias_add_energy_pj = 0.5;
    Lif f(p);
    std::vector<float> in = {0.25f, -1.0f, 0.1f, 2.0f, 0.0f};
    const std::vector<float> bias = {0.5f, 0.25f, -0.1f, -2.0f, 0.125f};
    ASSERT_EQ(ps_lif_add_bias(f.h, in.data(), bias.data(), in.size()), PS_OK);
    EXPECT_EQ(in[0], 0.75f);
    EXPECT_EQ(in[1], -0.75f);
    EXPECT_EQ(in[2], 0.1f + -0.1f);
    EXPECT_EQ(in[3], 0.0f);
    EXPECT_EQ(in[4], 0.125f);
    ps_lif_stats st;
    ASSERT_EQ(ps_lif_stats(f.h, &st), PS_OK);
    EXPECT_EQ(st.bias_adds, 5u);
    EXPECT_EQ(st.cycles, 6);          // ceil(5 / 4) = 2 groups x 3 cycles
    EXPECT_EQ(st.energy_pj, 2.5);     // 5 adds x 0.5 pJ
    EXPECT_EQ(st.updates, 0u);        // an add is not an update
    // fixed, 8 bits with 4 fraction bits (LSB 1/16, range -8 .. 7.9375), nearest:
    // 0.1 -> 1.6 -> 2 LSB, 0.2 -> 3.2 -> 3: 5/16; 7 + 2 -> 144 LSB saturates at 127.
    Lif q(fixed(8, 4));
    std::vector<float> a = {0.1f, 7.0f, -0.03f};
    const std::vector<float> b = {0.2f, 2.0f, -0.03f};
    ASSERT_EQ(ps_lif_add_bias(q.h, a.data(), b.data(), a.size()), PS_OK);
    EXPECT_EQ(a[0], 5.0f / 16.0f);
    EXPECT_EQ(a[1], 127.0f / 16.0f);
    EXPECT_EQ(a[2], 0.0f); // -0.48 LSB rounds to 0, twice
    ASSERT_EQ(ps_lif_stats(q.h, &st), PS_OK);
    EXPECT_EQ(st.saturations, 1u);
    EXPECT_EQ(st.energy_pj, 3 * defaults().bias_add_energy_pj);
}

TEST(Lif, LeakyReadout)
{
    // readout_decay 0.25: U_t = 0.75 U_{t-1} + I_t; inputs 1, 1, -0.5 with slope 1.
    ps_lif_params p = defaults();
    p.readout_decay = 0.25;
    p.negative_slope = 1.0;
    Lif f(p);
    float u = 0.0f;
    const float in[] = {1.0f, 1.0f, -0.5f};
    const float want[] = {1.0f, 1.75f, 0.8125f};
    for (int t = 0; t < 3; t++) {
        ASSERT_EQ(ps_lif_integrate(f.h, &u, &in[t], 1), PS_OK);
        EXPECT_EQ(u, want[t]) << t;
    }
    ps_lif_stats st;
    ASSERT_EQ(ps_lif_stats(f.h, &st), PS_OK);
    EXPECT_EQ(st.energy_pj, 3 * (p.integrate_energy_pj + p.readout_leak_energy_pj));
    // fixed, 12/8: 0.75 = 192 LSB; U = 256 -> (192 * 256 + 128) >> 8 = 192, + 256 = 448 (1.75);
    // then (192 * 448 + 128) >> 8 = 336 (1.3125), - 128 = 208 (0.8125).
    ps_lif_params q = fixed(12, 8);
    q.readout_decay = 0.25;
    q.negative_slope = 1.0;
    Lif x(q);
    u = 0.0f;
    for (int t = 0; t < 3; t++) {
        ASSERT_EQ(ps_lif_integrate(x.h, &u, &in[t], 1), PS_OK);
        EXPECT_EQ(u, want[t]) << t;
    }
    // No decay: the integrator's sums are unchanged (a multiply by exactly 1).
    Lif plain(defaults());
    u = 0.3f;
    const float i1 = 0.1f;
    ASSERT_EQ(ps_lif_integrate(plain.h, &u, &i1, 1), PS_OK);
    EXPECT_EQ(u, 0.3f + 0.1f);
    ASSERT_EQ(ps_lif_stats(plain.h, &st), PS_OK);
    EXPECT_EQ(st.energy_pj, defaults().integrate_energy_pj);
}
