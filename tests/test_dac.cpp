// DAC / word-line driver: levels, activation counting, energy and latency.
#include <gtest/gtest.h>

#include <string>

#include "dac.h"

namespace {

ps_dac_params defaults()
{
    ps_dac_params p;
    ps_params_set_defaults(&ps_dac_param_table, &p);
    return p;
}

} // namespace

TEST(Dac, ParamTableIsWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_dac_param_table, &err), PS_OK) << err.message;
}

TEST(Dac, DefaultsAreIsaacOneBitDriver)
{
    const ps_dac_params p = defaults();
    EXPECT_EQ(p.bits, 1);
    // ISAAC Table I: 4 mW for 1024 1-bit DACs over a 100 ns cycle = 0.39 pJ.
    EXPECT_NEAR(p.energy_pj, 4e-3 / 1024 * 100e-9 * 1e12, 0.001);
}

TEST(Dac, LevelsAreFractionsOfFullScale)
{
    ps_dac_params p = defaults();
    p.bits = 3;
    ps_dac *dac = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_dac_create(&p, &err, &dac), PS_OK) << err.message;
    EXPECT_EQ(ps_dac_max_code(dac), 7u);
    EXPECT_EQ(ps_dac_level(dac, 0), 0.0);
    EXPECT_DOUBLE_EQ(ps_dac_level(dac, 7), 1.0);
    EXPECT_DOUBLE_EQ(ps_dac_level(dac, 3), 3.0 / 7.0);
    ps_dac_destroy(dac);
}

TEST(Dac, DriveCountsNonZeroCodes)
{
    ps_dac_params p = defaults();
    p.bits = 2;
    p.energy_pj = 0.5;
    p.latency_cycles = 3;
    ps_dac *dac = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_dac_create(&p, &err, &dac), PS_OK);
    const uint16_t codes[5] = {0, 3, 1, 0, 2};
    double frac[5];
    ASSERT_EQ(ps_dac_drive(dac, codes, 5, frac), PS_OK);
    EXPECT_DOUBLE_EQ(frac[1], 1.0);
    EXPECT_DOUBLE_EQ(frac[2], 1.0 / 3.0);
    ps_dac_stats s;
    ASSERT_EQ(ps_dac_stats(dac, &s), PS_OK);
    EXPECT_EQ(s.conversions, 5u);
    EXPECT_EQ(s.activations, 3u);
    EXPECT_DOUBLE_EQ(s.energy_pj, 1.5); // 3 activations x 0.5 pJ
    EXPECT_DOUBLE_EQ(ps_dac_energy_pj(dac, 10), 5.0);
    EXPECT_EQ(ps_dac_latency_cycles(dac), 3);
    // A code above 2^bits - 1 is refused and nothing is counted.
    const uint16_t bad[2] = {1, 4};
    EXPECT_EQ(ps_dac_drive(dac, bad, 2, nullptr), PS_ERR_RANGE);
    ASSERT_EQ(ps_dac_stats(dac, &s), PS_OK);
    EXPECT_EQ(s.conversions, 5u);
    ASSERT_EQ(ps_dac_reset(dac), PS_OK);
    ASSERT_EQ(ps_dac_stats(dac, &s), PS_OK);
    EXPECT_EQ(s.activations, 0u);
    EXPECT_EQ(s.energy_pj, 0.0);
    ps_dac_destroy(dac);
    ps_dac_destroy(nullptr);
}

TEST(Dac, RejectsBadParams)
{
    ps_dac *dac = nullptr;
    ps_error err{};
    ps_dac_params p = defaults();
    p.bits = 0;
    EXPECT_EQ(ps_dac_create(&p, &err, &dac), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("bits"), std::string::npos) << err.message;
    p.bits = 17;
    EXPECT_EQ(ps_dac_create(&p, &err, &dac), PS_ERR_RANGE);
    p = defaults();
    p.energy_pj = -1;
    EXPECT_EQ(ps_dac_create(&p, &err, &dac), PS_ERR_RANGE);
    EXPECT_EQ(dac, nullptr);
}
