// The memory budget: sizes parsed, the check's message, estimates derived by
// hand from the allocations they stand for, files and configs declaring
// more than the budget refused before allocating; and the trainer's state
// saved after an epoch and loaded into a fresh trainer continues bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/memory.h"
#include "container.h"
#include "crossbar.h"
#include "mapper.h"
#include "train/trainer.h"

namespace {

struct Budget { // restores the default however a test ends
    explicit Budget(uint64_t b) { ps_memory_set_limit_bytes(b); }
    ~Budget() { ps_memory_set_limit_bytes(0); }
};

TEST(Memory, ParsesSizesInPowersOf1024)
{
    uint64_t b = 0;
    ASSERT_TRUE(ps_memory_parse_size("100000", &b));
    EXPECT_EQ(b, 100000u);
    ASSERT_TRUE(ps_memory_parse_size("512M", &b));
    EXPECT_EQ(b, 512u << 20);
    ASSERT_TRUE(ps_memory_parse_size("1.5T", &b));
    EXPECT_EQ(b, 3ull << 39);
    ASSERT_TRUE(ps_memory_parse_size("48GiB", &b));
    EXPECT_EQ(b, 48ull << 30);
    ASSERT_TRUE(ps_memory_parse_size("2kb", &b));
    EXPECT_EQ(b, 2048u);
    for (const char *bad : {"", "-1G", "G", "12Q", "1e30", " 5G", "5G ", "0"})
        EXPECT_FALSE(ps_memory_parse_size(bad, &b)) << bad;
}

TEST(Memory, DefaultIsHalfOfPhysicalMemoryAndTheCheckNamesBoth)
{
    const uint64_t phys = ps_memory_physical_bytes();
    ASSERT_GT(phys, 0u);
    EXPECT_EQ(ps_memory_limit_bytes(), phys / 2);
    ps_error err{};
    EXPECT_EQ(ps_memory_check(phys / 2, "x", &err), PS_OK);
    EXPECT_EQ(ps_memory_check(phys / 2 + 1, "the thing", &err), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("the thing would allocate about"), std::string::npos);
    EXPECT_NE(std::string(err.message).find("half of physical memory"), std::string::npos);
    Budget b(3ull << 30);
    EXPECT_EQ(ps_memory_check(6ull << 30, "arrays", &err), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("about 6 GiB, above the memory limit of 3 GiB (set by "
                                            "--max-memory;"),
              std::string::npos)
        << err.message;
}

TEST(Memory, CrossbarEstimateFollowsItsAllocations)
{
    ps_crossbar_params p;
    ps_params_set_defaults(&ps_crossbar_param_table, &p);
    p.input_bits = 4;
    p.rows = 8, p.cols = 3;
    const double a = ps_crossbar_bytes(&p);
    p.rows = 4;
    const double b = ps_crossbar_bytes(&p);
    // 4 more rows: 4 x 3 pairs of 34 bytes (two f64, two fault bytes, two
    // i64), 4 rows of 3 f64 sums + 4 u32 bit-plane entries + u32 + u16.
    EXPECT_DOUBLE_EQ(a - b, 4 * 3 * 34 + 4 * (24 + 16 + 4 + 2));
    p.cols = 5;
    // 2 more columns: 4 x 2 pairs, and per column 4 scratch values of 8 bytes
    // and a 32-bit narrow sum.
    EXPECT_DOUBLE_EQ(ps_crossbar_bytes(&p) - b, 4 * 2 * 34 + 2 * 36);
    // A 1000 x 300 matrix on 512 x 256 arrays: 2 x 2 arrays plus the grid's
    // lists (2 row tiles x 512 u32), input scratch (1000 x (u32 + u16)), part sums (256 f64).
    p.rows = 512, p.cols = 256;
    EXPECT_DOUBLE_EQ(ps_crossbar_grid_bytes(&p, 1000, 300),
                     4 * (ps_crossbar_bytes(&p) + sizeof(void *)) + 2 * 512 * 4 + 1000 * 6 + 256 * 8);
}

TEST(Memory, SimEstimateOfTheIssueChipIsAboutItsArrays)
{
    // A linear 1000 -> 10 layer on 16384 x 16384 arrays: one whole array.
    std::vector<float> gp(10000, 1.f), gn(10000, 1.f);
    ps_layer l{};
    l.kind = PS_LAYER_LINEAR;
    l.rows = 1000, l.cols = 10;
    l.g_pos_uS = gp.data(), l.g_neg_uS = gn.data();
    ps_network net{};
    net.n_layers = 1;
    net.layers = &l;
    ps_crossbar_params xb;
    ps_params_set_defaults(&ps_crossbar_param_table, &xb);
    xb.rows = xb.cols = 16384;
    ps_mapper_params mp;
    ps_params_set_defaults(&ps_mapper_param_table, &mp);
    const double bytes = ps_mapper_sim_bytes(&mp, &net, &xb);
    EXPECT_GE(bytes, 16384.0 * 16384 * 34);
    EXPECT_LT(bytes, 16384.0 * 16384 * 34 * 1.01);
}

TEST(Memory, AContainerDeclaringMoreThanTheBudgetIsRefusedBeforeDecompressing)
{
    ps_container_writer *w = nullptr;
    ASSERT_EQ(ps_container_writer_create("TEST", 1, &w), PS_OK);
    std::vector<uint8_t> zeros(1 << 20, 0); // compresses to almost nothing
    ps_error err{};
    ASSERT_EQ(ps_container_add(w, "z", zeros.data(), zeros.size(), &err), PS_OK);
    uint8_t *data = nullptr;
    size_t size = 0;
    ASSERT_EQ(ps_container_encode(w, 3, &data, &size, &err), PS_OK);
    ps_container_writer_destroy(w);
    EXPECT_LT(size, 1000u);
    ps_container *c = nullptr;
    {
        Budget b(512 << 10);
        EXPECT_EQ(ps_container_decode(data, size, "z.bin", "TEST", 1, &c, &err), PS_ERR_RANGE);
        EXPECT_NE(std::string(err.message).find("z.bin: its declared payload of"), std::string::npos)
            << err.message;
    }
    ASSERT_EQ(ps_container_decode(data, size, "z.bin", "TEST", 1, &c, &err), PS_OK) << err.message;
    ps_container_close(c);
    free(data);
}

ps_trainer_config tiny_config()
{
    ps_trainer_config c;
    ps_trainer_config_defaults(&c);
    std::snprintf(c.train.arch, sizeof c.train.arch, "c4k3p1,p2,f3");
    c.train.in_c = 2, c.train.in_h = 6, c.train.in_w = 6;
    c.train.classes = 3;
    c.train.timesteps = 3;
    c.frames.bins = 3;
    c.train.input_max_level = 3;
    c.train.batch_size = 8;
    c.train.chunk = 4;
    c.train.lr = 0.05;
    c.train.epochs = 3;
    c.train.seed = 11;
    c.device.weight_per_uS = 0.05;
    return c;
}

TEST(Memory, ATrainerTooBigForTheBudgetIsRefusedWithItsEstimate)
{
    ps_trainer_config c = tiny_config();
    c.train.batch_size = 4096, c.train.chunk = 4096;
    ps_trainer *t = nullptr;
    ps_error err{};
    Budget b(1 << 20);
    EXPECT_EQ(ps_trainer_create(&c, &err, &t), PS_ERR_RANGE);
    EXPECT_EQ(t, nullptr);
    EXPECT_NE(std::string(err.message).find("the trainer ("), std::string::npos) << err.message;
    EXPECT_NE(std::string(err.message).find("batch 4096"), std::string::npos) << err.message;
}

TEST(Memory, TrainerStateResumesBitForBit)
{
    const ps_trainer_config c = tiny_config();
    ps_train_data *d = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_train_data_synthetic(24, 3, 2, 6, 6, 3, 5, &err, &d), PS_OK) << err.message;
    ps_trainer *a = nullptr, *b = nullptr;
    ASSERT_EQ(ps_trainer_create(&c, &err, &a), PS_OK) << err.message;
    ASSERT_EQ(ps_trainer_create(&c, &err, &b), PS_OK) << err.message;
    // a: three epochs in a row. b: one epoch, state saved, loaded into a fresh trainer, two more.
    for (int64_t e = 0; e < 3; e++)
        ASSERT_EQ(ps_trainer_train_epoch(a, d, e, nullptr, nullptr, nullptr, &err), PS_OK);
    ASSERT_EQ(ps_trainer_train_epoch(b, d, 0, nullptr, nullptr, nullptr, &err), PS_OK);
    ps_bytes s;
    ps_bytes_init(&s);
    ASSERT_EQ(ps_trainer_save_state(b, &s, &err), PS_OK);
    ps_trainer_destroy(b);
    ASSERT_EQ(ps_trainer_create(&c, &err, &b), PS_OK);
    ASSERT_EQ(ps_trainer_load_state(b, s.data, s.size, &err), PS_OK) << err.message;
    for (int64_t e = 1; e < 3; e++)
        ASSERT_EQ(ps_trainer_train_epoch(b, d, e, nullptr, nullptr, nullptr, &err), PS_OK);
    const size_t n = ps_trainer_n_weights(a);
    ASSERT_EQ(n, ps_trainer_n_weights(b));
    EXPECT_EQ(std::memcmp(ps_trainer_params(a), ps_trainer_params(b), n * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(ps_trainer_masks(a), ps_trainer_masks(b), n), 0);
    // The state of one network does not load into another.
    ps_trainer_config other = c;
    std::snprintf(other.train.arch, sizeof other.train.arch, "c5k3p1,p2,f3");
    ps_trainer *o = nullptr;
    ASSERT_EQ(ps_trainer_create(&other, &err, &o), PS_OK) << err.message;
    EXPECT_EQ(ps_trainer_load_state(o, s.data, s.size, &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("this network has"), std::string::npos);
    EXPECT_EQ(ps_trainer_load_state(o, s.data, 3, &err), PS_ERR_FORMAT);
    ps_trainer_destroy(o);
    ps_bytes_free(&s);
    ps_trainer_destroy(a);
    ps_trainer_destroy(b);
    ps_train_data_free(d);
}

} // namespace
