// The golden functional model: hand-worked traces of tiny networks, an
// independent direct-convolution reference for a random conv/pool/linear
// network, operation counts, early stop, and keyed read noise.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/params.h"
#include "common/rng.h"
#include "golden.h"

namespace {

ps_golden_config ideal_config()
{
    ps_golden_config c;
    ps_golden_config_ideal(&c);
    return c;
}

ps_layer linear(int64_t in, int64_t out, ps_neuron_kind neuron, const std::vector<float> &gp,
                const std::vector<float> &gn, double weight_per_uS)
{
    ps_layer l{};
    l.kind = PS_LAYER_LINEAR;
    l.neuron = neuron;
    l.in_c = in, l.in_h = 1, l.in_w = 1;
    l.out_c = out, l.out_h = 1, l.out_w = 1;
    l.rows = in, l.cols = out;
    l.g_pos_uS = gp.data();
    l.g_neg_uS = gn.data();
    l.weight_per_uS = weight_per_uS;
    return l;
}

ps_network network_of(const std::vector<ps_layer> &layers, int64_t T, int64_t in_c, int64_t in_h,
                      int64_t in_w, int64_t max_level)
{
    ps_network n{};
    n.timesteps = T;
    n.in_c = in_c, n.in_h = in_h, n.in_w = in_w;
    n.input_max_level = max_level;
    n.leak = 0.2, n.v_th = 0.2, n.negative_slope = 0.1; // docs/prime.md sec. 2
    n.n_layers = (int64_t)layers.size();
    n.layers = layers.data();
    return n;
}

struct Golden {
    ps_golden *g = nullptr;
    Golden(const ps_network &net, const ps_golden_config &cfg)
    {
        ps_error err{};
        EXPECT_EQ(ps_golden_create(&net, &cfg, &err, &g), PS_OK) << err.message;
    }
    ~Golden() { ps_golden_destroy(g); }
    ps_golden_result run(const std::vector<uint16_t> &frames, uint64_t sample = 0)
    {
        ps_golden_result r{};
        ps_error err{};
        EXPECT_EQ(ps_golden_run(g, frames.data(), sample, &r, &err), PS_OK) << err.message;
        return r;
    }
};

} // namespace

// Two inputs, two integrating outputs. Weights w = 0.1 * (G+ - G-):
//   W = [[1.0, -0.2], [-0.1, 0.5]]  (rows: inputs, cols: outputs)
// Frames x_1 = [1, 2], x_2 = [0, 3]:
//   I_1 = [1*1.0 + 2*(-0.1), 1*(-0.2) + 2*0.5] = [0.8, 0.8],  U_1 = [0.8, 0.8]
//   I_2 = [3*(-0.1), 3*0.5] = [-0.3, 1.5],                    U_2 = [0.5, 2.3]
// o_2 = [0.65, 1.55]: prediction 1, max p = 1 / (1 + exp(-0.9 / 2)) = 0.6106392.
TEST(Golden, LinearIntegratorByHand)
{
    const std::vector<float> gp = {10, 0, 0, 5}, gn = {0, 2, 1, 0};
    const std::vector<ps_layer> layers = {linear(2, 2, PS_NEURON_INTEGRATOR, gp, gn, 0.1)};
    const ps_network net = network_of(layers, 2, 2, 1, 1, 3);
    ps_golden_config cfg = ideal_config();
    cfg.crossbar.input_bits = 2;
    Golden g(net, cfg);
    const ps_golden_result r = g.run({1, 2, 0, 3});
    const float *u = ps_golden_outputs(g.g);
    EXPECT_NEAR(u[0], 0.8, 1e-6);
    EXPECT_NEAR(u[1], 0.8, 1e-6);
    EXPECT_NEAR(u[2], 0.5, 1e-6);
    EXPECT_NEAR(u[3], 2.3, 1e-6);
    EXPECT_EQ(r.timesteps_run, 2);
    EXPECT_EQ(r.prediction, 1);
    EXPECT_NEAR(r.confidence, 0.6106392, 1e-6);
    ps_golden_stats s;
    ASSERT_EQ(ps_golden_stats_get(g.g, &s), PS_OK);
    // Step 1: both inputs active, 2 kept pairs each; step 2: one input.
    EXPECT_EQ(s.synaptic_ops, 6u);
    EXPECT_EQ(s.dense_macs, 8u);
    EXPECT_EQ(s.timesteps, 2u);
    EXPECT_EQ(s.lif.integrations, 4u);
}

// The ADC converts the columns a layer maps, per analogue cycle: the
// hand example's reads are bit-serial over 2 bits with zero-skipping:
// x_1 = [1, 2] has bit planes [1, 0] and [0, 1], x_2 = [0, 3] has [0, 1]
// twice; 4 cycles x 2 mapped columns = 8 conversions (not 4 x 256).
TEST(Golden, AdcConvertsOnlyMappedColumns)
{
    const std::vector<float> gp = {10, 0, 0, 5}, gn = {0, 2, 1, 0};
    const std::vector<ps_layer> layers = {linear(2, 2, PS_NEURON_INTEGRATOR, gp, gn, 0.1)};
    const ps_network net = network_of(layers, 2, 2, 1, 1, 3);
    ps_golden_config cfg = ideal_config();
    cfg.crossbar.input_bits = 2;
    cfg.crossbar.multilevel = PS_XBAR_BIT_SERIAL;
    cfg.crossbar.zero_skip = true;
    cfg.ideal_adc = false;
    cfg.adc.bits = 12;
    Golden g(net, cfg);
    g.run({1, 2, 0, 3});
    ps_golden_stats s;
    ASSERT_EQ(ps_golden_stats_get(g.g, &s), PS_OK);
    EXPECT_EQ(s.crossbar.arrays.cycles, 4u);
    EXPECT_EQ(s.adc.conversions, 8u);
}

// A LIF neuron driven by I = 1 * 1.8 uS * 0.1 = 0.18 every step:
//   U_1 = 0.18 (no spike), U_2 = 0.2 * 0.18 + 0.18 = 0.216 > 0.2 (spike),
//   U_3 = 0.18 (reset), U_4 = 0.216 (spike).
// Its spikes drive an integrator with I = 5 uS * 0.1 = 0.5 per spike:
//   U = 0, 0.5, 0.5, 1.0.
TEST(Golden, LifTraceByHand)
{
    const std::vector<float> gp1 = {1.8f}, gn1 = {0}, gp2 = {5}, gn2 = {0};
    const std::vector<ps_layer> layers = {linear(1, 1, PS_NEURON_LIF, gp1, gn1, 0.1),
                                          linear(1, 1, PS_NEURON_INTEGRATOR, gp2, gn2, 0.1)};
    const ps_network net = network_of(layers, 4, 1, 1, 1, 1);
    Golden g(net, ideal_config());
    std::vector<std::vector<float>> seen(2);
    ps_golden_set_observer(g.g, [](void *ctx, int64_t, int64_t layer, const float *v, size_t) {
        (*static_cast<std::vector<std::vector<float>> *>(ctx))[layer].push_back(v[0]);
    }, &seen);
    g.run({1, 1, 1, 1});
    EXPECT_EQ(seen[0], (std::vector<float>{0, 1, 0, 1}));
    ASSERT_EQ(seen[1].size(), 4u);
    const float want[] = {0.0f, 0.5f, 0.5f, 1.0f};
    for (int t = 0; t < 4; t++)
        EXPECT_NEAR(seen[1][t], want[t], 1e-6) << t;
    const uint64_t *spikes = ps_golden_spike_counts(g.g);
    EXPECT_EQ(spikes[0 * 2 + 0], 0u);
    EXPECT_EQ(spikes[1 * 2 + 0], 1u);
    EXPECT_EQ(spikes[3 * 2 + 0], 1u);
}

TEST(Golden, EarlyStopEndsTheSample)
{
    // One output fed I = 1 * 10 uS * 0.2 = 2.0 per step, the other nothing:
    // U_t = [2t, 0], o_t = mean = [t + 1, 0], max p_t = 1 / (1 + exp(-(t + 1) / 2)):
    // 0.7311 (t = 1), 0.8176 (t = 2), ..., 0.9526 (t = 5; 0.9370 at t = 4).
    const std::vector<float> gp = {10, 0}, gn = {0, 0};
    const std::vector<ps_layer> layers = {linear(1, 2, PS_NEURON_INTEGRATOR, gp, gn, 0.2)};
    const ps_network net = network_of(layers, 10, 1, 1, 1, 1);
    ps_golden_config cfg = ideal_config();
    cfg.early_stop_enabled = true;
    const struct {
        double theta;
        int64_t stop;
    } cases[] = {{0.7, 1}, {0.8, 2}, {0.95, 5}, {0.999, 10}};
    for (const auto &c : cases) {
        cfg.early_stop.theta = c.theta;
        Golden g(net, cfg);
        const ps_golden_result r = g.run(std::vector<uint16_t>(10, 1));
        EXPECT_EQ(r.timesteps_run, c.stop) << "theta " << c.theta;
        EXPECT_EQ(r.prediction, 0);
        EXPECT_NEAR(r.confidence, 1.0 / (1.0 + std::exp(-(c.stop + 1) / 2.0)), 1e-9);
    }
}

namespace {

// A random conv -> pool -> conv -> pool -> linear network, like PRIME's
// classifier in miniature, with a direct (non-crossbar) reference.
struct RandomNet {
    std::vector<std::vector<float>> gp, gn;
    std::vector<ps_layer> layers;
    ps_network net{};

    RandomNet()
    {
        auto conv = [&](int64_t in_c, int64_t h, int64_t out_c, int64_t k, int64_t pad) {
            ps_layer l{};
            l.kind = PS_LAYER_CONV2D, l.neuron = PS_NEURON_LIF;
            l.in_c = in_c, l.in_h = h, l.in_w = h, l.kernel = k, l.stride = 1, l.padding = pad;
            l.out_c = out_c, l.out_h = h + 2 * pad - k + 1, l.out_w = l.out_h;
            l.rows = in_c * k * k, l.cols = out_c, l.weight_per_uS = 0.02;
            return l;
        };
        auto pool = [&](int64_t c, int64_t h) {
            ps_layer l{};
            l.kind = PS_LAYER_AVGPOOL2D, l.in_c = c, l.in_h = h, l.in_w = h;
            l.kernel = 2, l.stride = 2, l.out_c = c, l.out_h = h / 2, l.out_w = h / 2;
            return l;
        };
        layers.push_back(conv(2, 10, 4, 3, 1)); // 4x10x10
        layers.push_back(pool(4, 10));          // 4x5x5
        layers.push_back(conv(4, 5, 6, 3, 1));  // 6x5x5 ... pooled to 6x2x2
        layers.push_back(pool(6, 5));
        ps_layer fc{};
        fc.kind = PS_LAYER_LINEAR, fc.neuron = PS_NEURON_INTEGRATOR;
        fc.in_c = 6, fc.in_h = 2, fc.in_w = 2, fc.out_c = 5, fc.out_h = 1, fc.out_w = 1;
        fc.rows = 24, fc.cols = 5, fc.weight_per_uS = 0.02;
        layers.push_back(fc);
        for (size_t i = 0; i < layers.size(); i++) {
            const size_t n = (size_t)(layers[i].rows * layers[i].cols);
            gp.emplace_back(n);
            gn.emplace_back(n);
            for (size_t j = 0; j < n; j++) {
                gp[i][j] = (float)(20.0 * ps_rng_uniform(3, i, 2 * j));
                gn[i][j] = (float)(20.0 * ps_rng_uniform(3, i, 2 * j + 1));
            }
            layers[i].g_pos_uS = gp[i].data();
            layers[i].g_neg_uS = gn[i].data();
        }
        net = network_of(layers, 6, 2, 10, 10, 3);
    }
};

// Direct evaluation: convolution by its definition, float LIF in the order
// lif.h documents. Returns U_t of the outputs, T x 5.
std::vector<float> reference(const RandomNet &rn, const std::vector<uint16_t> &frames)
{
    const ps_network &net = rn.net;
    std::vector<std::vector<float>> mem(net.n_layers), spk(net.n_layers);
    for (int64_t i = 0; i < net.n_layers; i++) {
        mem[i].assign(ps_layer_out_size(&net.layers[i]), 0.0f);
        spk[i].assign(ps_layer_out_size(&net.layers[i]), 0.0f);
    }
    std::vector<float> outputs;
    for (int64_t t = 0; t < net.timesteps; t++) {
        std::vector<double> x(frames.begin() + t * 200, frames.begin() + (t + 1) * 200);
        for (int64_t i = 0; i < net.n_layers; i++) {
            const ps_layer &l = net.layers[i];
            std::vector<double> y(ps_layer_out_size(&l), 0.0);
            if (l.kind == PS_LAYER_AVGPOOL2D) {
                for (int64_t c = 0; c < l.out_c; c++)
                    for (int64_t oy = 0; oy < l.out_h; oy++)
                        for (int64_t ox = 0; ox < l.out_w; ox++) {
                            double s = 0;
                            for (int ky = 0; ky < 2; ky++)
                                for (int kx = 0; kx < 2; kx++)
                                    s += x[(c * l.in_h + 2 * oy + ky) * l.in_w + 2 * ox + kx];
                            y[(c * l.out_h + oy) * l.out_w + ox] = s / 4;
                        }
                x = y;
                continue;
            }
            std::vector<float> current(y.size());
            auto w = [&](int64_t r, int64_t c) {
                return l.weight_per_uS * ((double)l.g_pos_uS[r * l.cols + c] - l.g_neg_uS[r * l.cols + c]);
            };
            if (l.kind == PS_LAYER_LINEAR) {
                for (int64_t c = 0; c < l.cols; c++) {
                    double s = 0;
                    for (int64_t r = 0; r < l.rows; r++)
                        s += x[r] * w(r, c);
                    current[c] = (float)s;
                }
            } else {
                for (int64_t co = 0; co < l.out_c; co++)
                    for (int64_t oy = 0; oy < l.out_h; oy++)
                        for (int64_t ox = 0; ox < l.out_w; ox++) {
                            double s = 0;
                            for (int64_t ci = 0; ci < l.in_c; ci++)
                                for (int64_t ky = 0; ky < l.kernel; ky++)
                                    for (int64_t kx = 0; kx < l.kernel; kx++) {
                                        const int64_t iy = oy - l.padding + ky, ix = ox - l.padding + kx;
                                        if (iy < 0 || iy >= l.in_h || ix < 0 || ix >= l.in_w)
                                            continue;
                                        s += x[(ci * l.in_h + iy) * l.in_w + ix] *
                                             w((ci * l.kernel + ky) * l.kernel + kx, co);
                                    }
                            current[(co * l.out_h + oy) * l.out_w + ox] = (float)s;
                        }
            }
            for (size_t j = 0; j < y.size(); j++) {
                float &u = mem[i][j];
                if (l.neuron == PS_NEURON_INTEGRATOR) {
                    const float v = u + current[j];
                    u = v < 0 ? 0.1f * v : v;
                    y[j] = u;
                } else {
                    const float v = (0.2f * u) * (1.0f - spk[i][j]) + current[j];
                    u = v < 0 ? 0.1f * v : v;
                    spk[i][j] = u > 0.2f ? 1.0f : 0.0f;
                    y[j] = spk[i][j];
                }
            }
            x = y;
        }
        outputs.insert(outputs.end(), x.begin(), x.end());
    }
    return outputs;
}

std::vector<uint16_t> random_frames(uint64_t sample)
{
    std::vector<uint16_t> f(6 * 200);
    for (size_t j = 0; j < f.size(); j++)
        f[j] = (uint16_t)(ps_rng_u64(9, sample, j) % 4);
    return f;
}

} // namespace

TEST(Golden, MatchesADirectReferenceWithoutNoise)
{
    RandomNet rn;
    ps_golden_config cfg = ideal_config();
    cfg.crossbar.input_bits = 4; // pooled spikes reach level 4
    cfg.crossbar.rows = 16;      // small arrays: matrices split over several tiles
    cfg.crossbar.cols = 4;
    Golden g(rn.net, cfg);
    int spiking_steps = 0;
    for (uint64_t sample = 0; sample < 20; sample++) {
        const auto frames = random_frames(sample);
        g.run(frames, sample);
        const std::vector<float> want = reference(rn, frames);
        const float *got = ps_golden_outputs(g.g);
        for (size_t j = 0; j < want.size(); j++)
            ASSERT_NEAR(got[j], want[j], 1e-4 * (1.0 + std::fabs(want[j]))) << "sample " << sample << " at " << j;
        const uint64_t *spikes = ps_golden_spike_counts(g.g);
        for (int t = 0; t < 6; t++)
            spiking_steps += spikes[t * 5 + 2] > 0;
    }
    EXPECT_GT(spiking_steps, 20) << "the second conv layer should spike: the test must exercise it";
}

TEST(Golden, InputLevelsMustFitTheCrossbarEncoding)
{
    RandomNet rn;
    ps_golden_config cfg = ideal_config();
    cfg.crossbar.input_bits = 2; // the pooled inputs of layer 2 reach 4 > 3
    ps_golden *g = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_golden_create(&rn.net, &cfg, &err, &g), PS_ERR_RANGE);
    EXPECT_STREQ(err.message,
                 "layer 2: inputs reach level 4, but crossbar.input_bits = 2 encodes at most 3");
    EXPECT_EQ(g, nullptr);
}

// Read noise is keyed by (seed, layer, sample, timestep, position): sample 7
// gives the same bits whether or not another sample ran before it, and the
// noise does change the outputs.
TEST(Golden, ReadNoiseIsKeyedNotSequential)
{
    RandomNet rn;
    ps_golden_config cfg = ideal_config();
    cfg.crossbar.input_bits = 4;
    cfg.device.read_noise_rel = 0.02; // docs/prime.md sec. 5
    const auto frames = random_frames(7);
    Golden a(rn.net, cfg), b(rn.net, cfg);
    a.run(random_frames(3), 3);
    a.run(frames, 7);
    b.run(frames, 7);
    const size_t n = 6 * 5;
    const std::vector<float> out_a(ps_golden_outputs(a.g), ps_golden_outputs(a.g) + n);
    const std::vector<float> out_b(ps_golden_outputs(b.g), ps_golden_outputs(b.g) + n);
    EXPECT_EQ(out_a, out_b);
    const std::vector<float> clean = reference(rn, frames);
    EXPECT_NE(out_a, clean);
}
