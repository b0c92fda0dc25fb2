// Early-stop policy against worked examples (softmax numbers written out in
// the comments), replay equal to the stateful controller, decision cost.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/rng.h"
#include "early_stop.h"

namespace {

ps_early_stop_params defaults()
{
    ps_early_stop_params p;
    ps_params_set_defaults(&ps_early_stop_param_table, &p);
    return p;
}

struct Es {
    ps_early_stop *h = nullptr;
    explicit Es(const ps_early_stop_params &p)
    {
        ps_error err{};
        EXPECT_EQ(ps_early_stop_create(&p, &err, &h), PS_OK) << err.message;
    }
    ~Es() { ps_early_stop_destroy(h); }
};

// Example A: K = 3 classes, alpha = 2, outputs U_1..U_4:
//   U_1 = [1, 0, 0]   S = [1, 0, 0]     o_1 = [1, 0, 0]
//   U_2 = [3, 0, -1]  S = [4, 0, -1]    o_2 = [2, 0, -0.5]
//   U_3 = [5, -1, -2] S = [9, -1, -3]   o_3 = [3, -1/3, -1]
//   U_4 = [7, -1, -2] S = [16, -2, -5]  o_4 = [4, -0.5, -1.25]
// max p_t = 1 / sum_j exp((o_j - o_max) / 2):
//   t1: exp(0), exp(-0.5), exp(-0.5)        = 1 + 0.6065307 + 0.6065307 = 2.2130613 -> 0.4518628
//   t2: exp(0), exp(-1), exp(-1.25)         = 1 + 0.3678794 + 0.2865048 = 1.6543842 -> 0.6044545
//   t3: exp(0), exp(-5/3), exp(-2)          = 1 + 0.1888756 + 0.1353353 = 1.3242109 -> 0.7551667
//   t4: exp(0), exp(-2.25), exp(-2.625)     = 1 + 0.1053992 + 0.0724398 = 1.1778390 -> 0.8490125
// The prediction is class 0 throughout.
const std::vector<float> kExampleA = {1, 0, 0, 3, 0, -1, 5, -1, -2, 7, -1, -2};
const double kConfA[] = {0.4518628, 0.6044545, 0.7551667, 0.8490125};

// Example B: K = 2, the prediction changes:
//   U_1 = [0, 1]  o_1 = [0, 1]      p = 1 / (1 + exp(-0.5))  = 1 / 1.6065307 = 0.6224593, argmax 1
//   U_2 = [4, 0]  o_2 = [2, 0.5]    p = 1 / (1 + exp(-0.75)) = 1 / 1.4723666 = 0.6791787, argmax 0
//   U_3 = [5, 0]  o_3 = [3, 1/3]    p = 1 / (1 + exp(-4/3))  = 1 / 1.2635971 = 0.7913915, argmax 0
const std::vector<float> kExampleB = {0, 1, 4, 0, 5, 0};

} // namespace

TEST(EarlyStop, TableIsWellFormedAndDefaultsArePrime)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_early_stop_param_table, &err), PS_OK) << err.message;
    ps_early_stop_params p = defaults();
    EXPECT_EQ(p.alpha, 2.0);
    EXPECT_EQ(p.theta, 0.8);
    EXPECT_EQ(p.consistency_theta, 0.2);
    EXPECT_EQ(p.consistency_scale, 100.0);
    EXPECT_TRUE(p.consistency_from_zero);
    ps_early_stop_destroy(nullptr);
}

TEST(EarlyStop, ClassifyWorkedExampleStateful)
{
    Es es(defaults()); // theta = 0.8: only t4 (0.849) clears it
    ASSERT_EQ(ps_early_stop_begin_classify(es.h, 3), PS_OK);
    for (int t = 0; t < 4; t++) {
        ps_early_stop_decision d;
        ASSERT_EQ(ps_early_stop_classify_step(es.h, &kExampleA[3 * t], &d), PS_OK);
        EXPECT_EQ(d.t, t + 1);
        EXPECT_NEAR(d.score, kConfA[t], 1e-7) << "t = " << t + 1;
        EXPECT_EQ(d.prediction, 0);
        EXPECT_EQ(d.stop, t == 3) << "t = " << t + 1;
    }
    ps_early_stop_stats st;
    ASSERT_EQ(ps_early_stop_stats(es.h, &st), PS_OK);
    EXPECT_EQ(st.decisions, 4u);
    EXPECT_EQ(st.stops, 1u);
    // Per step with K = 3: adds 3K-1 = 8, mults K+1 = 4, divs 2, exps 3, cmps 3.
    EXPECT_EQ(st.ops.adds, 32u);
    EXPECT_EQ(st.ops.mults, 16u);
    EXPECT_EQ(st.ops.divs, 8u);
    EXPECT_EQ(st.ops.exps, 12u);
    EXPECT_EQ(st.ops.cmps, 12u);
    // Energy per step: 8*0.9 + 4*3.7 + 2*14.8 + 3*22.1 + 3*0.9
    //                = 7.2 + 14.8 + 29.6 + 66.3 + 2.7 = 120.6 pJ; 4 steps = 482.4 pJ.
    EXPECT_NEAR(st.energy_pj, 482.4, 1e-9);
    // Cycles per step (1 lane): (8 + 4 + 3) + 3*4 + 2*4 = 35; 4 steps = 140.
    EXPECT_EQ(st.cycles, 140);
}

TEST(EarlyStop, ClassifyReplayThresholds)
{
    ps_early_stop_params p = defaults();
    size_t stop = 0;
    int32_t pred = -1;
    struct {
        double theta;
        size_t stop;
    } cases[] = {
        {0.8, 4},   // 0.8490 > 0.8 first at t4
        {0.6, 2},   // 0.6045 > 0.6 at t2
        {0.45, 1},  // 0.4519 > 0.45 at t1
        {0.755, 3}, // 0.7552 > 0.755 at t3
        {0.85, 4},  // never: run to T = 4
        {1.0, 4},
    };
    for (const auto &c : cases) {
        ASSERT_EQ(ps_early_stop_replay_classify(&p, kExampleA.data(), 4, 3, c.theta, &stop, &pred),
                  PS_OK);
        EXPECT_EQ(stop, c.stop) << "theta = " << c.theta;
        EXPECT_EQ(pred, 0);
    }
    double conf[4];
    ASSERT_EQ(ps_early_stop_classify_trace(2.0, kExampleA.data(), 4, 3, conf, nullptr), PS_OK);
    for (int t = 0; t < 4; t++)
        EXPECT_NEAR(conf[t], kConfA[t], 1e-7);
}

TEST(EarlyStop, ClassifyPredictionIsArgmaxOfTheRunningMean)
{
    double conf[3];
    int32_t pred[3];
    ASSERT_EQ(ps_early_stop_classify_trace(2.0, kExampleB.data(), 3, 2, conf, pred), PS_OK);
    EXPECT_NEAR(conf[0], 0.6224593, 1e-7);
    EXPECT_NEAR(conf[1], 0.6791787, 1e-7);
    EXPECT_NEAR(conf[2], 0.7913915, 1e-7);
    EXPECT_EQ(pred[0], 1);
    EXPECT_EQ(pred[1], 0);
    EXPECT_EQ(pred[2], 0);
    ps_early_stop_params p = defaults();
    size_t stop;
    int32_t prediction;
    // theta 0.6 stops at t1 with class 1; theta 0.65 at t2 with class 0.
    ASSERT_EQ(ps_early_stop_replay_classify(&p, kExampleB.data(), 3, 2, 0.6, &stop, &prediction),
              PS_OK);
    EXPECT_EQ(stop, 1u);
    EXPECT_EQ(prediction, 1);
    ASSERT_EQ(ps_early_stop_replay_classify(&p, kExampleB.data(), 3, 2, 0.65, &stop, &prediction),
              PS_OK);
    EXPECT_EQ(stop, 2u);
    EXPECT_EQ(prediction, 0);
    // Temperature: alpha = 1 at t1 gives 1 / (1 + exp(-1)) = 1 / 1.3678794 = 0.7310586.
    ASSERT_EQ(ps_early_stop_classify_trace(1.0, kExampleB.data(), 1, 2, conf, pred), PS_OK);
    EXPECT_NEAR(conf[0], 0.7310586, 1e-7);
    // Equal outputs: p = 1/K and the lowest index wins the tie.
    const float tie[] = {2, 2, 2, 2};
    ASSERT_EQ(ps_early_stop_classify_trace(2.0, tie, 1, 4, conf, pred), PS_OK);
    EXPECT_DOUBLE_EQ(conf[0], 0.25);
    EXPECT_EQ(pred[0], 0);
}

TEST(EarlyStop, ReplayEqualsStatefulBitForBit)
{
    // Random outputs from the project's RNG; for many thresholds the replay
    // must give the stateful controller's stop step, prediction and scores.
    const size_t T = 10, K = 10, samples = 20;
    const double thetas[] = {0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.95};
    ps_rng r = ps_rng_at(7, ps_rng_stream_of("tests.early_stop"), 0);
    for (size_t s = 0; s < samples; s++) {
        std::vector<float> out(T * K);
        // Noise plus a bias toward class s % K that grows with t (evidence
        // accumulating), of varying strength: stops spread over 1..T.
        for (size_t i = 0; i < out.size(); i++) {
            double t = static_cast<double>(i / K + 1);
            double bias = i % K == s % K ? 0.4 * t * static_cast<double>(1 + s % 4) : 0.0;
            out[i] = static_cast<float>(ps_rng_next_normal(&r) + bias);
        }
        std::vector<double> conf(T);
        std::vector<int32_t> pred(T);
        ASSERT_EQ(ps_early_stop_classify_trace(2.0, out.data(), T, K, conf.data(), pred.data()),
                  PS_OK);
        size_t previous_stop = 0;
        for (double theta : thetas) {
            ps_early_stop_params p = defaults();
            p.theta = theta;
            Es es(p);
            ASSERT_EQ(ps_early_stop_begin_classify(es.h, K), PS_OK);
            size_t stop = T;
            int32_t prediction = -1;
            for (size_t t = 0; t < T; t++) {
                ps_early_stop_decision d;
                ASSERT_EQ(ps_early_stop_classify_step(es.h, &out[t * K], &d), PS_OK);
                EXPECT_EQ(d.score, conf[t]);
                EXPECT_EQ(d.prediction, pred[t]);
                prediction = d.prediction;
                if (d.stop) {
                    stop = t + 1;
                    break;
                }
            }
            size_t rstop;
            int32_t rpred;
            ASSERT_EQ(ps_early_stop_replay_classify(&p, out.data(), T, K, theta, &rstop, &rpred),
                      PS_OK);
            EXPECT_EQ(rstop, stop);
            EXPECT_EQ(rpred, prediction);
            EXPECT_EQ(ps_early_stop_replay_confidence(conf.data(), T, theta), stop);
            // A higher threshold never stops earlier.
            EXPECT_GE(stop, previous_stop);
            previous_stop = stop;
        }
    }
}

// Inpainting, P = 2 pixels, scale 100:
//   R_1 = [10, 10], R_2 = [10, 20], R_3 = [15, 20], R_4 = [16, 20]
// With R_0 = 0: m(1) = 20/100 = 0.2, m(2) = 10/100 = 0.1, m(3) = 5/100 = 0.05,
// m(4) = 1/100 = 0.01.
const std::vector<float> kRecon = {10, 10, 10, 20, 15, 20, 16, 20};

TEST(EarlyStop, ConsistencyWorkedExample)
{
    ps_early_stop_params p = defaults();
    double m[4];
    ASSERT_EQ(ps_early_stop_consistency_trace(100.0, true, kRecon.data(), 4, 2, m), PS_OK);
    EXPECT_DOUBLE_EQ(m[0], 0.2);
    EXPECT_DOUBLE_EQ(m[1], 0.1);
    EXPECT_DOUBLE_EQ(m[2], 0.05);
    EXPECT_DOUBLE_EQ(m[3], 0.01);
    size_t stop = 0;
    // theta 0.2: t3 has 0.05 < 0.1 < 0.2 and 0.05 < 0.2 -> stop after 3 steps.
    ASSERT_EQ(ps_early_stop_replay_inpaint(&p, kRecon.data(), 4, 2, 0.2, &stop), PS_OK);
    EXPECT_EQ(stop, 3u);
    // theta 0.04: t3 fails (0.05 >= 0.04); t4: 0.01 < 0.05 < 0.1, 0.01 < 0.04 -> 4.
    ASSERT_EQ(ps_early_stop_replay_inpaint(&p, kRecon.data(), 4, 2, 0.04, &stop), PS_OK);
    EXPECT_EQ(stop, 4u);
    // theta 0.005: never fires -> T = 4.
    ASSERT_EQ(ps_early_stop_replay_inpaint(&p, kRecon.data(), 4, 2, 0.005, &stop), PS_OK);
    EXPECT_EQ(stop, 4u);
    // Without R_0 = 0, m(1) is undefined, m(2..4) = 0.1, 0.05, 0.01: the
    // earliest stop is t4.
    p.consistency_from_zero = false;
    ASSERT_EQ(ps_early_stop_consistency_trace(100.0, false, kRecon.data(), 4, 2, m), PS_OK);
    EXPECT_TRUE(std::isnan(m[0]));
    ASSERT_EQ(ps_early_stop_replay_inpaint(&p, kRecon.data(), 4, 2, 0.2, &stop), PS_OK);
    EXPECT_EQ(stop, 4u);
}

TEST(EarlyStop, ConsistencyNeedsAStrictDecrease)
{
    ps_early_stop_params p = defaults();
    size_t stop = 0;
    // m = 0.2, 0.1, 0.1: 0.1 < 0.1 is false -> run to T = 3.
    const float flat[] = {10, 10, 10, 20, 20, 20};
    ASSERT_EQ(ps_early_stop_replay_inpaint(&p, flat, 3, 2, 0.2, &stop), PS_OK);
    EXPECT_EQ(stop, 3u);
    // R = [1,0], [0,0], [3,0], [3,1], [3,1.5]:
    // m = 0.01, 0.01, 0.03, 0.01, 0.005. t3: 0.03 < 0.01 no; t4: 0.03 < 0.01
    // no; t5: 0.005 < 0.01 < 0.03 and 0.005 < 0.2 -> stop after 5.
    const float wobble[] = {1, 0, 0, 0, 3, 0, 3, 1, 3, 1.5f};
    ASSERT_EQ(ps_early_stop_replay_inpaint(&p, wobble, 5, 2, 0.2, &stop), PS_OK);
    EXPECT_EQ(stop, 5u);
}

TEST(EarlyStop, ConsistencyStatefulMatchesReplayAndCosts)
{
    Es es(defaults());
    ASSERT_EQ(ps_early_stop_begin_consistency(es.h, 2), PS_OK);
    const double want_m[] = {0.2, 0.1, 0.05, 0.01};
    for (int t = 0; t < 4; t++) {
        ps_early_stop_decision d;
        ASSERT_EQ(ps_early_stop_consistency_step(es.h, &kRecon[2 * t], &d), PS_OK);
        EXPECT_DOUBLE_EQ(d.score, want_m[t]);
        EXPECT_EQ(d.prediction, -1);
        EXPECT_EQ(d.stop, t == 2 || t == 3) << "t = " << t + 1;
    }
    ps_early_stop_stats st;
    ASSERT_EQ(ps_early_stop_stats(es.h, &st), PS_OK);
    // Per step with P = 2: adds 2P-1 = 3, 1 divide, 3 compares; 4 steps.
    EXPECT_EQ(st.ops.adds, 12u);
    EXPECT_EQ(st.ops.divs, 4u);
    EXPECT_EQ(st.ops.cmps, 12u);
    EXPECT_EQ(st.ops.exps, 0u);
    // Per step: 3*0.9 + 14.8 + 3*0.9 = 20.2 pJ; 4 steps = 80.8 pJ.
    EXPECT_NEAR(st.energy_pj, 80.8, 1e-9);
    // Per step: (3 + 3) + 1*4 = 10 cycles; 40 in all.
    EXPECT_EQ(st.cycles, 40);

    // Without R_0 = 0 the first step has no score and costs nothing.
    ps_early_stop_params p = defaults();
    p.consistency_from_zero = false;
    Es es2(p);
    ASSERT_EQ(ps_early_stop_begin_consistency(es2.h, 2), PS_OK);
    ps_early_stop_decision d;
    ASSERT_EQ(ps_early_stop_consistency_step(es2.h, &kRecon[0], &d), PS_OK);
    EXPECT_TRUE(std::isnan(d.score));
    EXPECT_FALSE(d.stop);
    ASSERT_EQ(ps_early_stop_stats(es2.h, &st), PS_OK);
    EXPECT_EQ(st.energy_pj, 0.0);
    EXPECT_EQ(st.decisions, 1u);
}

TEST(EarlyStop, DecisionCostOfPrimeNetworks)
{
    ps_early_stop_params p = defaults();
    // N-MNIST classifier, K = 10: adds 29, mults 11, divs 2, exps 10, cmps 10.
    ps_early_stop_ops c = ps_early_stop_classify_ops(10);
    EXPECT_EQ(c.adds, 29u);
    EXPECT_EQ(c.mults, 11u);
    EXPECT_EQ(c.divs, 2u);
    EXPECT_EQ(c.exps, 10u);
    EXPECT_EQ(c.cmps, 10u);
    // 29*0.9 + 11*3.7 + 2*14.8 + 10*22.1 + 10*0.9 = 26.1 + 40.7 + 29.6 + 221 + 9 = 326.4 pJ.
    EXPECT_NEAR(ps_early_stop_ops_energy_pj(&p, &c), 326.4, 1e-9);
    // (29 + 11 + 10) + 10*4 + 2*4 = 98 cycles; with 8 lanes:
    // ceil(50/8) = 7, ceil(10/8) * 4 = 8, 2*4 = 8 -> 23.
    EXPECT_EQ(ps_early_stop_ops_cycles(&p, &c), 98);
    p.lanes = 8;
    EXPECT_EQ(ps_early_stop_ops_cycles(&p, &c), 23);
    // 32x32 inpainting, P = 1024: adds 2047, 1 divide, 3 compares
    // = 1842.3 + 14.8 + 2.7 = 1859.8 pJ.
    p = defaults();
    ps_early_stop_ops m = ps_early_stop_consistency_ops(1024);
    EXPECT_EQ(m.adds, 2047u);
    EXPECT_NEAR(ps_early_stop_ops_energy_pj(&p, &m), 1859.8, 1e-9);
    EXPECT_EQ(ps_early_stop_ops_cycles(&p, &m), 2050 + 4);
}

TEST(EarlyStop, MisuseIsAnError)
{
    Es es(defaults());
    ps_early_stop_decision d;
    const float x[2] = {0, 0};
    EXPECT_EQ(ps_early_stop_classify_step(es.h, x, &d), PS_ERR_INVALID_ARG); // no begin
    ASSERT_EQ(ps_early_stop_begin_consistency(es.h, 2), PS_OK);
    EXPECT_EQ(ps_early_stop_classify_step(es.h, x, &d), PS_ERR_INVALID_ARG); // wrong mode
    EXPECT_EQ(ps_early_stop_begin_classify(es.h, 0), PS_ERR_INVALID_ARG);
    ps_early_stop_params p = defaults();
    p.alpha = 0.0;
    ps_early_stop *h = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_early_stop_create(&p, &err, &h), PS_ERR_RANGE);
    EXPECT_EQ(h, nullptr);
}
