// A tiny network shared by the baseline and statistics tests, whose hand
// computations both rely on it: linear 4 -> 3 (LIF), linear 3 -> 2
// (integrator), T = 3, every conductance 1 uS, no pruning.
#pragma once

#include <vector>

#include "network.h"

struct TinyNet {
    std::vector<float> g1 = std::vector<float>(12, 1.0f), g2 = std::vector<float>(6, 1.0f);
    ps_layer layers[2]{};
    ps_network net{};
    TinyNet()
    {
        layers[0].kind = PS_LAYER_LINEAR;
        layers[0].neuron = PS_NEURON_LIF;
        layers[0].in_c = 4, layers[0].in_h = 1, layers[0].in_w = 1;
        layers[0].out_c = 3, layers[0].out_h = 1, layers[0].out_w = 1;
        layers[0].rows = 4, layers[0].cols = 3;
        layers[0].g_pos_uS = layers[0].g_neg_uS = g1.data();
        layers[1] = layers[0];
        layers[1].neuron = PS_NEURON_INTEGRATOR;
        layers[1].in_c = 3, layers[1].out_c = 2, layers[1].rows = 3, layers[1].cols = 2;
        layers[1].g_pos_uS = layers[1].g_neg_uS = g2.data();
        net.timesteps = 3;
        net.in_c = 4, net.in_h = 1, net.in_w = 1;
        net.n_layers = 2;
        net.layers = layers;
    }
};
