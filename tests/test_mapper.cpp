// Mapper: PRIME's classification network on 512x512 and 128x128 arrays,
// utilisation worked by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mapper.h"

namespace {

// PRIME's N-MNIST network (docs/prime.md sec. 3): shapes only, the mapper needs
// no conductances.
std::vector<ps_layer> prime_layers()
{
    std::vector<ps_layer> l(5);
    for (auto &x : l)
        x = ps_layer{};
    l[0] = {PS_LAYER_CONV2D, PS_NEURON_LIF, 2, 34, 34, 12, 32, 32, 5, 1, 1, 50, 12, nullptr, nullptr, nullptr, 1, nullptr};
    l[1] = {PS_LAYER_AVGPOOL2D, PS_NEURON_NONE, 12, 32, 32, 12, 16, 16, 2, 2, 0, 0, 0, nullptr, nullptr, nullptr, 0, nullptr};
    l[2] = {PS_LAYER_CONV2D, PS_NEURON_LIF, 12, 16, 16, 64, 12, 12, 5, 1, 0, 300, 64, nullptr, nullptr, nullptr, 1, nullptr};
    l[3] = {PS_LAYER_AVGPOOL2D, PS_NEURON_NONE, 64, 12, 12, 64, 6, 6, 2, 2, 0, 0, 0, nullptr, nullptr, nullptr, 0, nullptr};
    l[4] = {PS_LAYER_LINEAR, PS_NEURON_INTEGRATOR, 64, 6, 6, 10, 1, 1, 0, 0, 0, 2304, 10, nullptr, nullptr, nullptr, 1, nullptr};
    return l;
}

ps_network prime_net(const std::vector<ps_layer> &l)
{
    ps_network n{};
    n.timesteps = 10;
    n.in_c = 2;
    n.in_h = n.in_w = 34;
    n.input_max_level = 15;
    n.n_layers = (int64_t)l.size();
    n.layers = l.data();
    return n;
}

ps_mapper_params defaults()
{
    ps_mapper_params p;
    ps_params_set_defaults(&ps_mapper_param_table, &p);
    return p;
}

} // namespace

TEST(Mapper, ParamTableIsWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_mapper_param_table, &err), PS_OK) << err.message;
}

TEST(Mapper, PrimeOn512x512Arrays)
{
    // A 512x512 array holds 512 rows x 256 differential pairs = 131072 pairs.
    // conv0 50x12: 1 array, 600 / 131072 = 0.458 %; conv1 300x64: 1 array,
    // 19200 / 131072 = 14.65 %; fc 2304x10: ceil(2304/512) = 5 row tiles,
    // 23040 / 655360 = 3.52 %. Total 42840 / (7 x 131072) = 4.669 %.
    auto layers = prime_layers();
    ps_network net = prime_net(layers);
    ps_mapper_params p = defaults();
    ps_mapper *m = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_mapper_create(&p, &net, 512, 256, 16, &err, &m), PS_OK) << err.message;
    ASSERT_EQ(ps_mapper_n_layers(m), 3);
    const ps_mapper_layer *fc = ps_mapper_layer_of(m, 4);
    ASSERT_NE(fc, nullptr);
    EXPECT_EQ(fc->row_tiles, 5);
    EXPECT_EQ(fc->col_tiles, 1);
    EXPECT_NEAR(ps_mapper_layer_of(m, 0)->utilisation, 600.0 / 131072, 1e-12);
    EXPECT_NEAR(ps_mapper_layer_of(m, 2)->utilisation, 19200.0 / 131072, 1e-12);
    EXPECT_NEAR(fc->utilisation, 23040.0 / 655360, 1e-12);
    ps_mapper_stats s;
    ps_mapper_stats_get(m, &s);
    EXPECT_EQ(s.blocks, 7);
    EXPECT_EQ(s.tiles, 7); // one array per tile
    EXPECT_EQ(s.used_pairs, 42840);
    EXPECT_NEAR(s.utilisation, 42840.0 / (7 * 131072.0), 1e-12);
    // The last fc row tile holds rows 2048..2303; all fc blocks report to tile 2.
    const ps_mapper_block *b = ps_mapper_block_at(m, fc->first_block + 4);
    EXPECT_EQ(b->row0, 2048);
    EXPECT_EQ(b->nrows, 256);
    EXPECT_EQ(b->tile, 6);
    EXPECT_EQ(ps_mapper_block_at(m, b->home)->tile, 2);
    char buf[1024];
    ps_mapper_report(m, buf, sizeof buf);
    EXPECT_NE(std::string(buf).find("utilisation 4.67%"), std::string::npos) << buf;
    ps_mapper_destroy(m);
}

TEST(Mapper, PrimeOn128x128ArraysWithTilesOfFour)
{
    // 128 rows x 64 pairs = 8192 pairs per array. conv0: 1 array, 600/8192 =
    // 7.32 %; conv1: ceil(300/128) = 3 row tiles, 19200 / 24576 = 78.125 %;
    // fc: ceil(2304/128) = 18 row tiles, 23040 / 147456 = 15.625 %.
    // Total 22 arrays, 42840 / 180224 = 23.77 %. Four arrays per tile:
    // conv0 tile 0, conv1 tile 1, fc tiles 2..6 (18 = 4 * 4 + 2) -> 7 tiles.
    auto layers = prime_layers();
    ps_network net = prime_net(layers);
    ps_mapper_params p = defaults();
    p.arrays_per_tile = 4;
    ps_mapper *m = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_mapper_create(&p, &net, 128, 64, 16, &err, &m), PS_OK) << err.message;
    EXPECT_EQ(ps_mapper_layer_of(m, 2)->row_tiles, 3);
    EXPECT_EQ(ps_mapper_layer_of(m, 4)->row_tiles, 18);
    EXPECT_NEAR(ps_mapper_layer_of(m, 2)->utilisation, 0.78125, 1e-12);
    EXPECT_NEAR(ps_mapper_layer_of(m, 4)->utilisation, 0.15625, 1e-12);
    ps_mapper_stats s;
    ps_mapper_stats_get(m, &s);
    EXPECT_EQ(s.blocks, 22);
    EXPECT_EQ(s.tiles, 7);
    EXPECT_NEAR(s.utilisation, 42840.0 / 180224.0, 1e-12);
    EXPECT_NEAR(s.mesh_utilisation, 42840.0 / (16 * 4 * 8192.0), 1e-12);
    EXPECT_EQ(ps_mapper_layer_of(m, 4)->first_tile, 2);
    EXPECT_EQ(ps_mapper_layer_of(m, 4)->n_tiles, 5);
    ps_mapper_destroy(m);
}

TEST(Mapper, ReplicationAndFit)
{
    // Replicating convs 4x on 128x128 arrays: conv0 4, conv1 12, fc 18 = 34.
    auto layers = prime_layers();
    ps_network net = prime_net(layers);
    ps_mapper_params p = defaults();
    p.replicate_conv = 4;
    ps_mapper *m = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_mapper_create(&p, &net, 128, 64, 64, &err, &m), PS_OK) << err.message;
    ps_mapper_stats s;
    ps_mapper_stats_get(m, &s);
    EXPECT_EQ(s.blocks, 34);
    EXPECT_EQ(s.tiles, 34);
    const ps_mapper_layer *c1 = ps_mapper_layer_of(m, 2);
    EXPECT_EQ(c1->replicas, 4);
    EXPECT_NEAR(c1->utilisation, 0.78125, 1e-12); // replicas count as used
    // Replica 2 of conv1, row tile 1: block 4 + 2 * 3 + 1, home one before it.
    const ps_mapper_block *b = ps_mapper_block_at(m, c1->first_block + 7);
    EXPECT_EQ(b->replica, 2);
    EXPECT_EQ(b->tr, 1);
    EXPECT_EQ(b->home, c1->first_block + 6);
    ps_mapper_destroy(m);
    // 34 tiles do not fit a 5x5 mesh.
    EXPECT_EQ(ps_mapper_create(&p, &net, 128, 64, 25, &err, &m), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("34 tiles"), std::string::npos) << err.message;
}

TEST(Mapper, ReplicasOwnConsecutivePositions)
{
    // conv1's 12 x 12 = 144 positions over 5 replicas: floor(r * 144 / 5).
    auto layers = prime_layers();
    ps_network net = prime_net(layers);
    ps_mapper_params p = defaults();
    p.replicate_conv = 5;
    ps_mapper *m = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_mapper_create(&p, &net, 512, 256, 64, &err, &m), PS_OK) << err.message;
    const ps_mapper_layer *c1 = ps_mapper_layer_of(m, 2);
    const int64_t starts[6] = {0, 28, 57, 86, 115, 144};
    for (int64_t r = 0; r < 5; r++) {
        const ps_mapper_block *b = ps_mapper_block_at(m, c1->first_block + r);
        EXPECT_EQ(b->pos0, starts[r]);
        EXPECT_EQ(b->npos, starts[r + 1] - starts[r]);
    }
    const ps_mapper_block *fc = ps_mapper_block_at(m, ps_mapper_layer_of(m, 4)->first_block);
    EXPECT_EQ(fc->pos0, 0);
    EXPECT_EQ(fc->npos, 1);
    ps_mapper_destroy(m);
}

TEST(Mapper, BlocksNeedTheirReceptiveFieldsThroughThePool)
{
    auto layers = prime_layers();
    ps_network net = prime_net(layers);
    ps_mapper_params p = defaults();
    p.replicate_conv = 4;
    ps_mapper *m = nullptr;
    ps_error err{};
    // 512-row arrays: conv1 (300 rows) is one block per replica.
    ASSERT_EQ(ps_mapper_create(&p, &net, 512, 256, 64, &err, &m), PS_OK) << err.message;
    int64_t size = 0;
    EXPECT_EQ(ps_mapper_source_of(m, 2, &size), 0); // conv0's output, through pool 1
    EXPECT_EQ(size, 12 * 32 * 32);
    EXPECT_EQ(ps_mapper_source_of(m, 0, &size), -1); // the network input
    EXPECT_EQ(size, 2 * 34 * 34);
    EXPECT_EQ(ps_mapper_source_of(m, 1, &size), -2); // a pool has no blocks
    // Replica 1 of conv1: positions 36..71, output rows 3..5; 5x5 kernel,
    // no padding: pooled rows 3..9, every column, every channel; through the
    // 2x2 pool conv0 rows 6..19: 12 x 14 x 32 = 5376 neurons.
    const ps_mapper_layer *c1 = ps_mapper_layer_of(m, 2);
    std::vector<uint8_t> need((size_t)(12 * 32 * 32), 0);
    ASSERT_EQ(ps_mapper_block_needs(m, c1->first_block + 1, need.data()), PS_OK);
    size_t n = 0;
    for (uint8_t v : need)
        n += v;
    EXPECT_EQ(n, 5376u);
    EXPECT_EQ(need[(0 * 32 + 5) * 32 + 0], 0);
    EXPECT_EQ(need[(0 * 32 + 6) * 32 + 0], 1);
    EXPECT_EQ(need[(11 * 32 + 19) * 32 + 31], 1);
    EXPECT_EQ(need[(11 * 32 + 20) * 32 + 31], 0);
    // conv0's neuron (c 0, y 6, x 7) feeds pooled entry (0, 3, 3) once.
    int64_t out[8];
    EXPECT_EQ(ps_mapper_source_fanout(m, 2, (0 * 32 + 6) * 32 + 7, out, 8), 1);
    EXPECT_EQ(out[0], 3 * 16 + 3);
    EXPECT_EQ(ps_mapper_source_fanout(m, 0, 5, out, 8), 1); // no pools: itself
    EXPECT_EQ(out[0], 5);
    ps_mapper_destroy(m);

    // 128-row arrays: conv1's row tile 0 holds rows 0..127 = channels 0..4
    // and channel 5's rows 125..127 (ky 0, kx 0..2).
    p.replicate_conv = 1;
    ASSERT_EQ(ps_mapper_create(&p, &net, 128, 64, 64, &err, &m), PS_OK) << err.message;
    c1 = ps_mapper_layer_of(m, 2);
    std::fill(need.begin(), need.end(), 0);
    ASSERT_EQ(ps_mapper_block_needs(m, c1->first_block, need.data()), PS_OK);
    size_t per_c[12] = {0};
    for (size_t s = 0; s < need.size(); s++)
        per_c[s / 1024] += need[s];
    for (int c = 0; c < 5; c++)
        EXPECT_EQ(per_c[c], 1024u) << c; // every pooled input of the channel, all 4 pre-pool
    // channel 5: pooled rows 0..11 (ky 0), pooled columns 0..13 (kx 0..2): 12 x 14 x 4
    EXPECT_EQ(per_c[5], 12u * 14u * 4u);
    for (int c = 6; c < 12; c++)
        EXPECT_EQ(per_c[c], 0u) << c;
    // fc row tile 0 (rows 0..127 of 64 x 6 x 6 pooled): 128 pooled entries, 4 each.
    const ps_mapper_layer *fc = ps_mapper_layer_of(m, 4);
    std::vector<uint8_t> fneed((size_t)(64 * 12 * 12), 0);
    ASSERT_EQ(ps_mapper_block_needs(m, fc->first_block, fneed.data()), PS_OK);
    n = 0;
    for (uint8_t v : fneed)
        n += v;
    EXPECT_EQ(n, 128u * 4u);
    ps_mapper_destroy(m);
}
