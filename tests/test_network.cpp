// Event-driven receptive fields (ps_layer_patch_lists): a hand-worked tiny
// conv, and for random inputs over strides, paddings and position ranges the
// same entries, in the same ascending order, as gathering every patch.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "network.h"

namespace {

ps_layer conv(int64_t c, int64_t h, int64_t w, int64_t k, int64_t stride, int64_t pad)
{
    ps_layer l{};
    l.kind = PS_LAYER_CONV2D;
    l.neuron = PS_NEURON_LIF;
    l.in_c = c, l.in_h = h, l.in_w = w;
    l.kernel = k, l.stride = stride, l.padding = pad;
    l.out_c = 1;
    l.out_h = ps_conv_out_extent(h, k, stride, pad);
    l.out_w = ps_conv_out_extent(w, k, stride, pad);
    l.rows = c * k * k, l.cols = 1;
    return l;
}

} // namespace

// One channel, 3x3 input, k = 2, stride 1, no padding: 2x2 outputs. Input
// (0,0) = 5 feeds only output 0 at kernel (0,0) (row 0); input (1,1) = 2 is
// under every output: row 3 of output 0, 2 of 1, 1 of 2, 0 of 3.
TEST(Network, PatchListsByHand)
{
    const ps_layer l = conv(1, 3, 3, 2, 1, 0);
    const std::vector<uint16_t> in = {5, 0, 0, 0, 2, 0, 0, 0, 0};
    ps_patch_lists pl{};
    ASSERT_EQ(ps_layer_patch_lists(&l, in.data(), 0, 4, &pl), PS_OK);
    const std::vector<uint32_t> off = {0, 2, 3, 4, 5};
    const std::vector<uint32_t> rows = {0, 3, 2, 1, 0};
    const std::vector<uint16_t> levels = {5, 2, 2, 2, 2};
    EXPECT_EQ(std::vector<uint32_t>(pl.off, pl.off + 5), off);
    EXPECT_EQ(std::vector<uint32_t>(pl.row, pl.row + 5), rows);
    EXPECT_EQ(std::vector<uint16_t>(pl.level, pl.level + 5), levels);
    // Outputs 2..3 only: input (0,0) reads nothing there.
    ASSERT_EQ(ps_layer_patch_lists(&l, in.data(), 2, 2, &pl), PS_OK);
    EXPECT_EQ(pl.off[2], 2u);
    EXPECT_EQ(pl.row[0], 1u);
    EXPECT_EQ(pl.row[1], 0u);
    EXPECT_EQ(ps_layer_patch_lists(&l, in.data(), 3, 2, &pl), PS_ERR_INVALID_ARG); // past the end
    ps_patch_lists_free(&pl);
}

TEST(Network, PatchListsEqualGatheredPatches)
{
    std::mt19937 rng(4);
    struct Shape { int64_t c, h, w, k, s, p; };
    for (const Shape &sh : {Shape{2, 9, 7, 3, 1, 1}, Shape{3, 10, 10, 3, 2, 1},
                            Shape{2, 11, 8, 5, 2, 2}, Shape{1, 6, 6, 4, 3, 0}}) {
        const ps_layer l = conv(sh.c, sh.h, sh.w, sh.k, sh.s, sh.p);
        std::vector<uint16_t> in((size_t)(sh.c * sh.h * sh.w));
        for (auto &v : in)
            v = rng() % 3 == 0 ? (uint16_t)(1 + rng() % 15) : 0;
        const int64_t positions = l.out_h * l.out_w;
        for (int64_t pos0 : {int64_t(0), positions / 3}) {
            const int64_t npos = positions - pos0;
            ps_patch_lists pl{};
            ASSERT_EQ(ps_layer_patch_lists(&l, in.data(), pos0, npos, &pl), PS_OK);
            std::vector<uint16_t> patch((size_t)l.rows);
            for (int64_t p = 0; p < npos; p++) {
                const int64_t pos = pos0 + p;
                ps_layer_gather_patch(&l, in.data(), pos / l.out_w, pos % l.out_w, patch.data());
                std::vector<uint32_t> want_rows;
                std::vector<uint16_t> want_levels;
                for (uint32_t r = 0; r < (uint32_t)l.rows; r++)
                    if (patch[r]) {
                        want_rows.push_back(r);
                        want_levels.push_back(patch[r]);
                    }
                const std::vector<uint32_t> got_rows(pl.row + pl.off[p], pl.row + pl.off[p + 1]);
                const std::vector<uint16_t> got_levels(pl.level + pl.off[p], pl.level + pl.off[p + 1]);
                EXPECT_EQ(got_rows, want_rows) << "stride " << sh.s << " position " << pos;
                EXPECT_EQ(got_levels, want_levels) << "stride " << sh.s << " position " << pos;
            }
            ps_patch_lists_free(&pl);
        }
    }
}

// Bit-serial cycles (ps_layer_plane_lists) on the 3x3, k = 2 conv with
// levels [1 0 3; 0 2 0; 0 0 1], two planes. Output 0 reads rows 0..3 =
// inputs 1, 0, 0, 2: bit 0 drives row 0, bit 1 row 3. Output 1 reads 0, 3,
// 2, 0: bit 0 row 1, bit 1 rows 1 and 2. Output 2 reads 0, 2, 0, 0: bit 1
// row 1. Output 3 reads 2, 0, 0, 1: bit 0 row 3, bit 1 row 0.
TEST(Network, PlaneListsByHand)
{
    const ps_layer l = conv(1, 3, 3, 2, 1, 0);
    const std::vector<uint16_t> in = {1, 0, 3, 0, 2, 0, 0, 0, 1};
    ps_plane_lists pl{};
    // Kept pairs 1, 10, 100, 1000 in rows 0..3: every (output, row) with a
    // nonzero input once, whatever its bits: 1001 + 110 + 10 + 1001.
    const std::vector<uint32_t> kept = {1, 10, 100, 1000};
    uint64_t ops = 0;
    ASSERT_EQ(ps_layer_plane_lists(&l, in.data(), nullptr, 0, 2, 0, 4, 0, 4, kept.data(), &ops,
                                   &pl),
              PS_OK);
    EXPECT_EQ(ops, 2122u);
    const std::vector<uint32_t> off = {0, 1, 2, 3, 5, 5, 6, 7, 8};
    const std::vector<uint32_t> rows = {0, 3, 1, 1, 2, 1, 3, 0};
    EXPECT_EQ(std::vector<uint32_t>(pl.off, pl.off + 9), off);
    EXPECT_EQ(std::vector<uint32_t>(pl.row, pl.row + 8), rows);
    // The same from the list of nonzero inputs, for outputs 1..2 and rows
    // [1, 3) only (a block of an array), local to row 1.
    const std::vector<uint32_t> nz = {0, 2, 4, 8};
    ASSERT_EQ(ps_layer_plane_lists(&l, in.data(), nz.data(), nz.size(), 2, 1, 2, 1, 3, nullptr,
                                   nullptr, &pl),
              PS_OK);
    const std::vector<uint32_t> off2 = {0, 1, 3, 3, 4};
    const std::vector<uint32_t> rows2 = {0, 0, 1, 0};
    EXPECT_EQ(std::vector<uint32_t>(pl.off, pl.off + 5), off2);
    EXPECT_EQ(std::vector<uint32_t>(pl.row, pl.row + 4), rows2);
    EXPECT_EQ(ps_layer_plane_lists(&l, in.data(), nullptr, 0, 2, 0, 4, 0, 5, nullptr, nullptr, &pl),
              PS_ERR_INVALID_ARG); // rows past the layer's
    ps_plane_lists_free(&pl);
}

// For random inputs over strides and paddings: cycle b of every position
// holds exactly the patch-list rows whose level has bit b set.
TEST(Network, PlaneListsSplitPatchListsByBit)
{
    std::mt19937 rng(5);
    struct Shape { int64_t c, h, w, k, s, p; };
    for (const Shape &sh : {Shape{2, 9, 7, 3, 1, 1}, Shape{3, 10, 10, 3, 2, 1},
                            Shape{2, 11, 8, 5, 2, 2}}) {
        const ps_layer l = conv(sh.c, sh.h, sh.w, sh.k, sh.s, sh.p);
        std::vector<uint16_t> in((size_t)(sh.c * sh.h * sh.w));
        for (auto &v : in)
            v = rng() % 3 == 0 ? (uint16_t)(1 + rng() % 15) : 0;
        const int64_t positions = l.out_h * l.out_w, P = 4;
        ps_patch_lists pl{};
        ps_plane_lists pp{};
        ASSERT_EQ(ps_layer_patch_lists(&l, in.data(), 0, positions, &pl), PS_OK);
        ASSERT_EQ(ps_layer_plane_lists(&l, in.data(), nullptr, 0, P, 0, positions, 0, l.rows,
                                       nullptr, nullptr, &pp),
                  PS_OK);
        for (int64_t pos = 0; pos < positions; pos++)
            for (int64_t b = 0; b < P; b++) {
                std::vector<uint32_t> want;
                for (uint32_t k = pl.off[pos]; k < pl.off[pos + 1]; k++)
                    if (pl.level[k] >> b & 1)
                        want.push_back(pl.row[k]);
                const size_t j = (size_t)(pos * P + b);
                EXPECT_EQ(std::vector<uint32_t>(pp.row + pp.off[j], pp.row + pp.off[j + 1]), want)
                    << "position " << pos << " bit " << b;
            }
        ps_patch_lists_free(&pl);
        ps_plane_lists_free(&pp);
    }
}
