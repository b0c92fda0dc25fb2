// Trainer layers: finite-difference gradient checks of every layer (the LIF
// with its surrogate treated as given), a hand-worked two-step LIF BPTT,
// top-k masks and ties, the straight-through gradient, Adam/AdamW steps and
// the cosine schedule against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "common/rng.h"
#include "train/layers.h"
#include "train/optim.h"

namespace {

std::vector<float> randn(size_t n, uint64_t stream, float scale = 1.0f)
{
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = scale * (float)ps_rng_normal(7, stream, i);
    return v;
}

// Central differences of loss() with respect to x[i], compared with grad[i].
void check_fd(std::vector<float> &x, const std::vector<float> &grad,
              const std::function<double()> &loss, double eps, double tol, const char *what)
{
    ASSERT_EQ(x.size(), grad.size());
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); i++) {
        const float x0 = x[i];
        x[i] = x0 + (float)eps;
        const double lp = loss();
        x[i] = x0 - (float)eps;
        const double lm = loss();
        x[i] = x0;
        const double fd = (lp - lm) / (2.0 * eps);
        const double diff = std::fabs(fd - grad[i]) / std::max(1.0, std::fabs(fd));
        worst = std::max(worst, diff);
        EXPECT_LT(diff, tol) << what << "[" << i << "]: fd " << fd << " analytic " << grad[i];
    }
    ::testing::Test::RecordProperty(what, std::to_string(worst));
}

double dot(const std::vector<float> &a, const std::vector<float> &b)
{
    double s = 0.0;
    for (size_t i = 0; i < a.size(); i++)
        s += (double)a[i] * b[i];
    return s;
}

} // namespace

TEST(TrainLayers, Conv2dGradients)
{
    ps_conv_shape s{2, 5, 6, 3, 0, 0, 3, 2, 1};
    s.oh = 3, s.ow = 3; // (5 + 2 - 3) / 2 + 1, (6 + 2 - 3) / 2 + 1
    const int N = 2, R = ps_conv_rows(&s), P = ps_conv_positions(&s);
    std::vector<float> x = randn((size_t)N * 2 * 5 * 6, 1), w = randn((size_t)R * 3, 2, 0.5f);
    const std::vector<float> g = randn((size_t)N * 3 * P, 3);
    std::vector<float> out(g.size()), col((size_t)R * N * P), wide(out.size());
    auto loss = [&] {
        ps_conv2d_forward(out.data(), col.data(), wide.data(), x.data(), w.data(), &s, N);
        return dot(out, g);
    };
    loss();
    std::vector<float> dw(w.size(), 0.0f), dx(x.size()), dwide(out.size()), dcol(col.size());
    ps_conv2d_backward(dx.data(), dw.data(), dwide.data(), dcol.data(), col.data(), g.data(),
                       w.data(), &s, N);
    check_fd(w, dw, loss, 1e-2, 2e-3, "conv dW");
    check_fd(x, dx, loss, 1e-2, 2e-3, "conv dX");
}

TEST(TrainLayers, Conv2dMatchesDirectConvolutionInCrossbarOrder)
{
    // One input channel plane 3x3 = 1..9, one 2x2 kernel, no padding:
    // rows r = (c k + ky) k + kx hold kernel entries [1, 10, 100, 1000].
    ps_conv_shape s{1, 3, 3, 1, 2, 2, 2, 1, 0};
    const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 10, 100, 1000};
    std::vector<float> out(4), col(16), wide(4);
    ps_conv2d_forward(out.data(), col.data(), wide.data(), x.data(), w.data(), &s, 1);
    EXPECT_EQ(out, (std::vector<float>{1 + 20 + 400 + 5000, 2 + 30 + 500 + 6000,
                                        4 + 50 + 700 + 8000, 5 + 60 + 800 + 9000}));
}

TEST(TrainLayers, AvgPoolAndLinearGradients)
{
    const int N = 3, C = 2, H = 5, W = 4, k = 2; // odd height: the last row feeds no window
    std::vector<float> x = randn((size_t)N * C * H * W, 4);
    const std::vector<float> g = randn((size_t)N * C * 2 * 2, 5);
    std::vector<float> out(g.size()), dx(x.size());
    auto pool_loss = [&] {
        ps_avgpool_forward(out.data(), x.data(), N, C, H, W, k);
        return dot(out, g);
    };
    pool_loss();
    ps_avgpool_backward(dx.data(), g.data(), N, C, H, W, k);
    check_fd(x, dx, pool_loss, 1e-2, 1e-3, "pool dX");

    const int rows = 7, oc = 4;
    std::vector<float> in = randn((size_t)N * rows, 6), w = randn((size_t)rows * oc, 7);
    const std::vector<float> gl = randn((size_t)N * oc, 8);
    std::vector<float> lo(gl.size()), dw(w.size(), 0.0f), din(in.size());
    auto lin_loss = [&] {
        ps_linear_forward(lo.data(), in.data(), w.data(), N, rows, oc);
        return dot(lo, gl);
    };
    lin_loss();
    ps_linear_backward(din.data(), dw.data(), gl.data(), in.data(), w.data(), N, rows, oc);
    check_fd(w, dw, lin_loss, 1e-2, 1e-3, "linear dW");
    check_fd(in, din, lin_loss, 1e-2, 1e-3, "linear dX");
}

namespace {

// The LIF with its spike linearised around a base point: s = s0 + surr(U0) (U - U0),
// and the LeakyReLU slope frozen at the base point. Its exact derivative is what
// BPTT with the surrogate computes, so finite differences can check it.
double lif_frozen_loss(const std::vector<float> &cur, const std::vector<float> &U0,
                       const std::vector<float> &S0, const std::vector<float> &g, int T, size_t n,
                       const ps_lif_consts &c)
{
    double loss = 0.0;
    std::vector<double> U(n, 0.0), S(n, 0.0);
    for (int t = 0; t < T; t++)
        for (size_t j = 0; j < n; j++) {
            const size_t q = (size_t)t * n + j;
            const double v = c.leak * U[j] * (1.0 - S[j]) + cur[q];
            const double u = U0[q] > 0 ? v : c.negative_slope * v;
            const double surr = std::fabs(U0[q] - c.v_th) < c.surrogate_half_width
                                    ? 0.5 / c.surrogate_half_width
                                    : 0.0;
            U[j] = u;
            S[j] = S0[q] + surr * (u - U0[q]);
            loss += g[q] * S[j];
        }
    return loss;
}

} // namespace

TEST(TrainLayers, LifGradientWithSurrogateAsGiven)
{
    const int T = 6;
    const size_t n = 40;
    const ps_lif_consts c{0.2f, 0.2f, 0.1f, 0.5f};
    std::vector<float> cur = randn((size_t)T * n, 9, 0.3f);
    const std::vector<float> g = randn((size_t)T * n, 10);
    std::vector<float> mem(cur.size()), spk(cur.size()), dcur(cur.size());
    ps_lif_forward(spk.data(), mem.data(), cur.data(), T, n, &c);
    double fired = 0;
    for (float s : spk)
        fired += s;
    EXPECT_GT(fired, 10); // the test exercises resets
    ps_lif_backward(dcur.data(), g.data(), mem.data(), spk.data(), T, n, &c);
    const std::vector<float> U0 = mem, S0 = spk;
    check_fd(cur, dcur, [&] { return lif_frozen_loss(cur, U0, S0, g, T, n, c); }, 1e-3, 2e-3,
             "lif dI");
}

TEST(TrainLayers, LifTwoStepBpttByHand)
{
    const ps_lif_consts c{0.2f, 0.2f, 0.1f, 0.5f};
    // I = [0.3, 0.1]: U1 = 0.3 spikes, reset, U2 = 0.1. L = s1 + 2 s2.
    //   t2: ds2 = 2, surrogate 1 -> dI2 = 2.
    //   t1: ds1 = 1 - dI2 * leak * U1 = 1 - 0.12 = 0.88; the leak path is cut by the
    //       reset (1 - s1 = 0) -> dI1 = 0.88.
    {
        const std::vector<float> cur = {0.3f, 0.1f}, dspk = {1.0f, 2.0f};
        std::vector<float> mem(2), spk(2), dcur(2);
        ps_lif_forward(spk.data(), mem.data(), cur.data(), 2, 1, &c);
        EXPECT_EQ(spk, (std::vector<float>{1, 0}));
        EXPECT_FLOAT_EQ(mem[1], 0.1f);
        ps_lif_backward(dcur.data(), dspk.data(), mem.data(), spk.data(), 2, 1, &c);
        EXPECT_NEAR(dcur[1], 2.0, 1e-6);
        EXPECT_NEAR(dcur[0], 0.88, 1e-6);
    }
    // I = [-0.5, 0.25]: U1 = 0.1 * -0.5 = -0.05, no spike; U2 = 0.2 * -0.05 + 0.25 = 0.24 spikes.
    //   t2: dI2 = 2.
    //   t1: ds1 = 1 - 2 * 0.2 * (-0.05) = 1.02 (surrogate 1: |-0.05 - 0.2| < 0.5),
    //       dU1 = 1.02 + 2 * 0.2 * (1 - 0) = 1.42, LeakyReLU slope 0.1 -> dI1 = 0.142.
    {
        const std::vector<float> cur = {-0.5f, 0.25f}, dspk = {1.0f, 2.0f};
        std::vector<float> mem(2), spk(2), dcur(2);
        ps_lif_forward(spk.data(), mem.data(), cur.data(), 2, 1, &c);
        EXPECT_EQ(spk, (std::vector<float>{0, 1}));
        EXPECT_NEAR(mem[0], -0.05, 1e-7);
        EXPECT_NEAR(mem[1], 0.24, 1e-7);
        ps_lif_backward(dcur.data(), dspk.data(), mem.data(), spk.data(), 2, 1, &c);
        EXPECT_NEAR(dcur[1], 2.0, 1e-6);
        EXPECT_NEAR(dcur[0], 0.142, 1e-6);
    }
    // Far from threshold the surrogate is 0: U = 0.9 (|0.9 - 0.2| >= 0.5).
    {
        const std::vector<float> cur = {0.9f}, dspk = {1.0f};
        std::vector<float> mem(1), spk(1), dcur(1);
        ps_lif_forward(spk.data(), mem.data(), cur.data(), 1, 1, &c);
        ps_lif_backward(dcur.data(), dspk.data(), mem.data(), spk.data(), 1, 1, &c);
        EXPECT_EQ(dcur[0], 0.0f);
    }
}

TEST(TrainLayers, IntegratorAndCrossEntropyGradients)
{
    const int T = 5;
    const size_t n = 12;
    const float a = 0.1f;
    std::vector<float> cur = randn((size_t)T * n, 11);
    const std::vector<float> g = randn(n, 12);
    std::vector<float> logits(n), mem(cur.size()), dcur(cur.size());
    ps_integrator_forward(logits.data(), mem.data(), cur.data(), T, n, a);
    const std::vector<float> U0 = mem;
    auto loss = [&] { // slope frozen at the base point
        double l = 0.0;
        std::vector<double> U(n, 0.0), sum(n, 0.0);
        for (int t = 0; t < T; t++)
            for (size_t j = 0; j < n; j++) {
                const double v = U[j] + cur[(size_t)t * n + j];
                U[j] = U0[(size_t)t * n + j] > 0 ? v : a * v;
                sum[j] += U[j];
            }
        for (size_t j = 0; j < n; j++)
            l += g[j] * sum[j] / T;
        return l;
    };
    ps_integrator_backward(dcur.data(), g.data(), mem.data(), T, n, a);
    check_fd(cur, dcur, loss, 1e-3, 1e-3, "integrator dI");

    const int B = 3, K = 4;
    std::vector<float> z = randn((size_t)B * K, 13, 2.0f), dz(z.size());
    const uint8_t labels[] = {0, 3, 1};
    int correct = 0;
    ps_xent_forward_backward(dz.data(), z.data(), labels, B, K, 1.0f, &correct);
    check_fd(z, dz,
             [&] { return ps_xent_forward_backward(nullptr, z.data(), labels, B, K, 1.0f, nullptr); },
             1e-3, 1e-3, "xent dz");
    // loss of uniform logits is log K
    const std::vector<float> u(4, 0.5f);
    EXPECT_NEAR(ps_xent_forward_backward(nullptr, u.data(), labels, 1, 4, 1.0f, nullptr),
                std::log(4.0), 1e-12);
}

TEST(TrainOptim, TopKCountsMasksAndTies)
{
    EXPECT_EQ(ps_topk_count(4, 0.5), 2u);
    EXPECT_EQ(ps_topk_count(5, 0.5), 3u); // 5 - floor(2.5)
    EXPECT_EQ(ps_topk_count(10, 0.0), 1u); // never empty
    EXPECT_EQ(ps_topk_count(10, 1.0), 10u);
    const float s[] = {0.3f, -0.5f, 0.1f, 0.5f, -0.3f};
    uint8_t m[5];
    uint32_t idx[5];
    ps_topk_mask(s, 5, 2, m, idx); // |s| = .3 .5 .1 .5 .3: both 0.5s
    EXPECT_EQ(std::vector<uint8_t>(m, m + 5), (std::vector<uint8_t>{0, 1, 0, 1, 0}));
    ps_topk_mask(s, 5, 3, m, idx); // the 0.3 tie goes to the lower index
    EXPECT_EQ(std::vector<uint8_t>(m, m + 5), (std::vector<uint8_t>{1, 1, 0, 1, 0}));
    const float z[] = {0, 0, 0, 0};
    uint8_t mz[4];
    ps_topk_mask(z, 4, 2, mz, idx);
    EXPECT_EQ(std::vector<uint8_t>(mz, mz + 4), (std::vector<uint8_t>{1, 1, 0, 0}));
}

TEST(TrainOptim, StraightThroughGradient)
{
    // dL/ds = dL/dw_eff * scale * (w - w_reset) * sign(s), kept or pruned alike.
    const float dweff[] = {2.0f, 2.0f, -1.0f, 3.0f};
    const float s[] = {0.5f, -0.5f, 0.25f, 0.0f};
    const float w[] = {10.0f, 10.0f, -4.0f, 1.0f};
    const float wr[] = {0.5f, 0.5f, 0.0f, 0.0f};
    float ds[4];
    ps_edge_popup_backward(ds, dweff, s, w, wr, 0.01f, 4);
    EXPECT_NEAR(ds[0], 2.0 * 0.01 * 9.5, 1e-6);
    EXPECT_NEAR(ds[1], -2.0 * 0.01 * 9.5, 1e-6);
    EXPECT_NEAR(ds[2], -1.0 * 0.01 * -4.0, 1e-6);
    EXPECT_EQ(ds[3], 0.0f); // sign(0) = 0
    ps_edge_popup_backward(ds, dweff, s, w, nullptr, 0.01f, 1); // software: w_reset = 0
    EXPECT_NEAR(ds[0], 2.0 * 0.01 * 10.0, 1e-6);
}

TEST(TrainOptim, AdamStepsByHand)
{
    // p = 1, g = 0.5 then -1, lr 0.1, betas (0.9, 0.999), eps 1e-8:
    //   step 1: m = 0.05, v = 2.5e-4, mhat = 0.5, vhat = 0.25 -> p = 1 - 0.1 * 0.5 / 0.5 = 0.9
    //   step 2: m = -0.055, v = 1.24975e-3, mhat = -0.055 / 0.19, vhat = v / 1.999e-3
    //           -> p = 0.9 + 0.1 * 0.2894737 / 0.7906880 = 0.9366104
    ps_adam opt{PS_OPT_ADAM, 0.9f, 0.999f, 1e-8f, 0.0f, 0};
    float p = 1.0f, m = 0.0f, v = 0.0f;
    float g = 0.5f;
    ps_adam_step(&opt, &p, &g, &m, &v, 1, 0.1f);
    EXPECT_NEAR(p, 0.9, 1e-6);
    g = -1.0f;
    ps_adam_step(&opt, &p, &g, &m, &v, 1, 0.1f);
    EXPECT_NEAR(p, 0.9366104, 2e-6);
    EXPECT_EQ(opt.step, 2);
    // AdamW decays first: p = 1 - 0.1 * 0.1 * 1 = 0.99, then the Adam step -0.1 -> 0.89.
    ps_adam w{PS_OPT_ADAMW, 0.9f, 0.999f, 1e-8f, 0.1f, 0};
    p = 1.0f, m = 0.0f, v = 0.0f, g = 0.5f;
    ps_adam_step(&w, &p, &g, &m, &v, 1, 0.1f);
    EXPECT_NEAR(p, 0.89, 1e-6);
    // Adam with L2: g = 0.5 + 0.1 * 1 = 0.6 enters the moments: m = 0.06.
    ps_adam l2{PS_OPT_ADAM, 0.9f, 0.999f, 1e-8f, 0.1f, 0};
    p = 1.0f, m = 0.0f, v = 0.0f, g = 0.5f;
    ps_adam_step(&l2, &p, &g, &m, &v, 1, 0.1f);
    EXPECT_NEAR(m, 0.06, 1e-7);
    EXPECT_NEAR(p, 0.9, 1e-6);
}

TEST(TrainOptim, CosineSchedule)
{
    EXPECT_DOUBLE_EQ(ps_cosine_lr(1e-3, 0, 14, 1), 1e-3);
    EXPECT_NEAR(ps_cosine_lr(1e-3, 7, 14, 1), 0.5e-3, 1e-15);
    EXPECT_NEAR(ps_cosine_lr(1e-3, 13, 14, 1), 0.5e-3 * (1 + std::cos(M_PI * 13 / 14)), 1e-15);
    EXPECT_DOUBLE_EQ(ps_cosine_lr(1e-3, 5, 14, 0), 1e-3);
}
