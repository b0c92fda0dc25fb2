// Networks and inputs for the chip tests, built in memory: a small random
// conv-pool-conv-pool-linear network and PRIME's N-MNIST shapes, with random
// conductances (half the pairs pruned) and random event-count frames.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "config/system_config.hpp"
#include "golden.h"
#include "network.h"

namespace chiptest {

struct OwnedNet {
    ps_network net{};
    std::vector<ps_layer> layers;
    std::vector<std::vector<float>> gp, gn;
    std::vector<std::vector<uint8_t>> keep;
    std::vector<std::vector<float>> bias;
};

inline ps_layer conv(int64_t ic, int64_t ih, int64_t oc, int64_t k, int64_t pad, ps_neuron_kind n)
{
    ps_layer l{};
    l.kind = PS_LAYER_CONV2D;
    l.neuron = n;
    l.in_c = ic;
    l.in_h = l.in_w = ih;
    l.out_c = oc;
    l.kernel = k;
    l.stride = 1;
    l.padding = pad;
    l.out_h = l.out_w = ps_conv_out_extent(ih, k, 1, pad);
    l.rows = ic * k * k;
    l.cols = oc;
    return l;
}

inline ps_layer pool(int64_t c, int64_t ih)
{
    ps_layer l{};
    l.kind = PS_LAYER_AVGPOOL2D;
    l.in_c = l.out_c = c;
    l.in_h = l.in_w = ih;
    l.kernel = l.stride = 2;
    l.out_h = l.out_w = ih / 2;
    return l;
}

inline ps_layer linear(int64_t in_c, int64_t ih, int64_t out)
{
    ps_layer l{};
    l.kind = PS_LAYER_LINEAR;
    l.neuron = PS_NEURON_INTEGRATOR;
    l.in_c = in_c;
    l.in_h = l.in_w = ih;
    l.out_c = out;
    l.out_h = l.out_w = 1;
    l.rows = in_c * ih * ih;
    l.cols = out;
    return l;
}

inline void fill(OwnedNet &o, uint32_t seed, double weight_per_uS)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(10.0f, 6.0f);
    std::bernoulli_distribution half(0.5);
    o.gp.resize(o.layers.size());
    o.gn.resize(o.layers.size());
    o.keep.resize(o.layers.size());
    for (size_t i = 0; i < o.layers.size(); i++) {
        ps_layer &l = o.layers[i];
        if (!ps_layer_has_weights(&l))
            continue;
        const size_t n = (size_t)(l.rows * l.cols);
        o.gp[i].resize(n);
        o.gn[i].resize(n);
        o.keep[i].resize(n);
        for (size_t j = 0; j < n; j++) {
            o.keep[i][j] = half(rng);
            o.gp[i][j] = o.keep[i][j] ? std::fabs(g(rng)) : 0.1f;
            o.gn[i][j] = o.keep[i][j] ? std::fabs(g(rng)) : 0.1f;
        }
        l.g_pos_uS = o.gp[i].data();
        l.g_neg_uS = o.gn[i].data();
        l.keep = o.keep[i].data();
        l.weight_per_uS = weight_per_uS;
    }
    o.net.n_layers = (int64_t)o.layers.size();
    o.net.layers = o.layers.data();
    o.net.leak = 0.2;
    o.net.v_th = 0.2;
    o.net.negative_slope = 0.1;
}

// 2x12x12 input, conv 2->6 k3 pad1 + LIF, pool, conv 6->8 k3 + LIF, pool, linear 32->10.
inline std::unique_ptr<OwnedNet> small_net(uint32_t seed, int64_t T = 6)
{
    auto o = std::make_unique<OwnedNet>();
    o->layers = {conv(2, 12, 6, 3, 1, PS_NEURON_LIF), pool(6, 12), conv(6, 6, 8, 3, 0, PS_NEURON_LIF),
                 pool(8, 4), linear(8, 2, 10)};
    o->net.timesteps = T;
    o->net.in_c = 2;
    o->net.in_h = o->net.in_w = 12;
    o->net.input_max_level = 3;
    fill(*o, seed, 0.02);
    return o;
}

// Gives every weight layer a bias per output channel, uniform in +-scale,
// and the readout a leak of 1/4 per step (as NIR imports make them).
inline std::unique_ptr<OwnedNet> with_bias(std::unique_ptr<OwnedNet> o, uint32_t seed, float scale)
{
    o->net.readout_decay = 0.25;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-scale, scale);
    o->bias.resize(o->layers.size());
    for (size_t i = 0; i < o->layers.size(); i++) {
        if (!ps_layer_has_weights(&o->layers[i]))
            continue;
        o->bias[i].resize((size_t)o->layers[i].cols);
        for (float &b : o->bias[i])
            b = u(rng);
        o->layers[i].bias = o->bias[i].data();
    }
    return o;
}

// PRIME's classification network (docs/prime.md sec. 3).
inline std::unique_ptr<OwnedNet> prime_net(uint32_t seed)
{
    auto o = std::make_unique<OwnedNet>();
    o->layers = {conv(2, 34, 12, 5, 1, PS_NEURON_LIF), pool(12, 32), conv(12, 16, 64, 5, 0, PS_NEURON_LIF),
                 pool(64, 12), linear(64, 6, 10)};
    o->net.timesteps = 10;
    o->net.in_c = 2;
    o->net.in_h = o->net.in_w = 34;
    o->net.input_max_level = 15;
    fill(*o, seed, 0.01);
    return o;
}

// Sparse event counts: about density of the pixels fire, counts 1..max.
inline std::vector<uint16_t> frames(const ps_network &net, uint32_t seed, double density = 0.1)
{
    std::mt19937 rng(seed);
    std::bernoulli_distribution on(density);
    std::uniform_int_distribution<int> count(1, (int)net.input_max_level + 2); // some clip
    std::vector<uint16_t> f((size_t)(net.timesteps * net.in_c * net.in_h * net.in_w));
    for (auto &v : f)
        v = on(rng) ? (uint16_t)count(rng) : 0;
    return f;
}

// A system config at its defaults with the given array shape and mesh.
inline primesim::SystemConfig config(int64_t rows, int64_t cols, int64_t mesh, bool ideal, bool noise)
{
    primesim::SystemConfig c{};
    for (auto &sec : c.schema().children)
        ps_params_set_defaults(sec.table, sec.object);
    c.crossbar.rows = rows;
    c.crossbar.cols = cols;
    c.noc.mesh_x = c.noc.mesh_y = mesh;
    c.chip.ideal_adc = ideal;
    if (!noise)
        c.device.read_noise_rel = 0.0;
    return c;
}

// The golden model's configuration for the same system.
inline ps_golden_config golden_config(const primesim::SystemConfig &c)
{
    ps_golden_config g;
    ps_golden_config_defaults(&g);
    g.device = c.device;
    g.crossbar = c.crossbar;
    g.dac = c.dac;
    g.adc = c.adc;
    g.ideal_adc = c.chip.ideal_adc;
    g.lif = c.lif;
    g.early_stop = c.early_stop;
    g.early_stop_enabled = c.chip.early_stop;
    g.seed = (uint64_t)c.system.seed;
    return g;
}

} // namespace chiptest
