// ADC model: codes at the edges, clipping, code midpoints, offset/gain
// error, mux cycles and energy per conversion, all worked by hand from the
// parameters (comments show the arithmetic).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "adc.h"

namespace {

ps_adc_params defaults()
{
    ps_adc_params p;
    ps_params_set_defaults(&ps_adc_param_table, &p);
    return p;
}

// 4 bits over [0, 16) uA: LSB = 16 / 2^4 = 1 uA, levels 0, 1, ..., 15 uA.
ps_adc_params unipolar4()
{
    ps_adc_params p = defaults();
    p.bits = 4;
    p.range_min_ua = 0.0;
    p.range_max_ua = 16.0;
    return p;
}

struct Adc {
    ps_adc *h = nullptr;
    explicit Adc(const ps_adc_params &p)
    {
        ps_error err{};
        EXPECT_EQ(ps_adc_create(&p, &err, &h), PS_OK) << err.message;
    }
    ~Adc() { ps_adc_destroy(h); }
};

} // namespace

TEST(Adc, TableIsWellFormedAndDefaultsCreate)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_adc_param_table, &err), PS_OK) << err.message;
    ps_adc_params p = defaults();
    EXPECT_EQ(p.bits, 8);
    EXPECT_EQ(p.energy_model, PS_ADC_ENERGY_SAR45);
    Adc adc(p);
    ASSERT_NE(adc.h, nullptr);
    // Default range [-50, 50) uA at 8 bits: LSB = 100 / 256 uA.
    EXPECT_DOUBLE_EQ(ps_adc_lsb_ua(adc.h), 100.0 / 256.0);
    EXPECT_EQ(ps_adc_max_code(adc.h), 255u);
    ps_adc_destroy(nullptr);
}

TEST(Adc, CodesAtTheEdgesAndClipping)
{
    Adc adc(unipolar4());
    // code = floor(x / 1 uA + 0.5), clamped to [0, 15].
    const std::vector<double> x = {0.0, 0.49, 0.5, 7.3, 14.5, 15.0, 15.49, -0.5,
                                   15.5, 100.0, -0.51, -100.0};
    const std::vector<uint16_t> want = {0, 0, 1, 7, 15, 15, 15, 0,
                                        15, 15, 0, 0};
    std::vector<uint16_t> codes(x.size());
    ASSERT_EQ(ps_adc_convert(adc.h, x.data(), x.size(), codes.data()), PS_OK);
    for (size_t i = 0; i < x.size(); i++)
        EXPECT_EQ(codes[i], want[i]) << "x = " << x[i];
    ps_adc_stats st;
    ASSERT_EQ(ps_adc_stats(adc.h, &st), PS_OK);
    EXPECT_EQ(st.conversions, 12u);
    // -0.5 rounds to code 0 exactly (u = 0): not clipped. -0.51 and -100 are.
    EXPECT_EQ(st.clipped_low, 2u);
    // 15.49 rounds to 15 (u = 15.99): not clipped. 15.5 (u = 16), 100 are.
    EXPECT_EQ(st.clipped_high, 2u);
    ps_adc_reset(adc.h);
    ASSERT_EQ(ps_adc_stats(adc.h, &st), PS_OK);
    EXPECT_EQ(st.conversions, 0u);
    EXPECT_EQ(st.energy_pj, 0.0);
}

TEST(Adc, BipolarRangeRepresentsZero)
{
    ps_adc_params p = defaults();
    p.bits = 8;
    p.range_min_ua = -1.0;
    p.range_max_ua = 1.0;
    Adc adc(p);
    // LSB = 2 / 256 = 0.0078125 uA; level k = -1 + k * LSB; 0 uA is k = 128.
    const double lsb = 0.0078125;
    const std::vector<double> x = {0.0, -1.0, 1.0, 0.0039, 0.00390625, -0.00390625};
    // 0.0039: (0.0039 + 1) * 128 + 0.5 = 128.9992 -> 128.
    // 0.00390625 is half an LSB: 128.5 + 0.5 = 129 -> 129 (ties upward).
    // -0.00390625: 127.5 + 0.5 = 128 -> 128.
    const std::vector<uint16_t> want = {128, 0, 255, 128, 129, 128};
    std::vector<uint16_t> codes(x.size());
    ASSERT_EQ(ps_adc_convert(adc.h, x.data(), x.size(), codes.data()), PS_OK);
    for (size_t i = 0; i < x.size(); i++)
        EXPECT_EQ(codes[i], want[i]) << "x = " << x[i];
    std::vector<double> v(x.size());
    ASSERT_EQ(ps_adc_dequantize(adc.h, codes.data(), codes.size(), v.data()), PS_OK);
    EXPECT_EQ(v[0], 0.0);
    EXPECT_EQ(v[1], -1.0);
    EXPECT_EQ(v[2], 1.0 - lsb); // top level: full scale minus one LSB
    EXPECT_EQ(v[4], lsb);
}

TEST(Adc, DequantizeGivesCodeMidpoints)
{
    Adc adc(unipolar4());
    // Code k covers inputs [k - 0.5, k + 0.5) uA; its midpoint is k uA.
    std::vector<uint16_t> codes(16);
    for (int k = 0; k < 16; k++)
        codes[k] = static_cast<uint16_t>(k);
    std::vector<double> v(16);
    ASSERT_EQ(ps_adc_dequantize(adc.h, codes.data(), 16, v.data()), PS_OK);
    for (int k = 0; k < 16; k++)
        EXPECT_EQ(v[k], static_cast<double>(k));
    // A code above 2^4 - 1 is not a code of this ADC.
    uint16_t bad = 16;
    double out;
    EXPECT_EQ(ps_adc_dequantize(adc.h, &bad, 1, &out), PS_ERR_RANGE);

    // In range, quantise(x) is within half an LSB of x; in place works.
    std::vector<double> x;
    for (double a = -0.5; a < 15.5; a += 0.037)
        x.push_back(a);
    std::vector<double> q = x;
    ASSERT_EQ(ps_adc_quantize(adc.h, q.data(), q.size(), q.data()), PS_OK);
    for (size_t i = 0; i < x.size(); i++) {
        EXPECT_LE(std::fabs(q[i] - x[i]), 0.5 + 1e-12) << x[i];
        EXPECT_EQ(q[i], std::floor(q[i])); // a level: whole uA
    }
}

TEST(Adc, OffsetAndGainError)
{
    ps_adc_params p = unipolar4();
    p.offset_error_lsb = 0.5; // +0.5 uA before rounding
    {
        Adc adc(p);
        double x[] = {0.0, 3.0};
        uint16_t c[2];
        ASSERT_EQ(ps_adc_convert(adc.h, x, 2, c), PS_OK);
        EXPECT_EQ(c[0], 1); // 0 + 0.5 = 0.5 -> 1 (tie upward)
        EXPECT_EQ(c[1], 4); // 3.5 -> 4
    }
    p.offset_error_lsb = -2.0;
    p.gain_error = 0.1;
    {
        Adc adc(p);
        // 1.1 * 10 - 2 = 9 -> code 9; the digital side reads 9 uA for 10 uA.
        double x = 10.0, v;
        ASSERT_EQ(ps_adc_quantize(adc.h, &x, 1, &v), PS_OK);
        EXPECT_EQ(v, 9.0);
    }
}

TEST(Adc, MuxCycles)
{
    ps_adc_params p = defaults();
    p.cols_per_adc = 8;
    p.conversion_cycles = 2;
    Adc adc(p);
    int64_t cycles = -1;
    // A 512-column array with an 8:1 mux needs 512 / 8 = 64 ADCs.
    EXPECT_EQ(ps_adc_count_for_columns(adc.h, 512), 64);
    // 100 columns: ceil(100 / 8) = 13 ADCs.
    EXPECT_EQ(ps_adc_count_for_columns(adc.h, 100), 13);
    // All 512 columns on 64 ADCs: 8 rounds x 2 cycles = 16.
    ASSERT_EQ(ps_adc_cycles(adc.h, 512, 64, &cycles), PS_OK);
    EXPECT_EQ(cycles, 16);
    // 64 columns: one round; 65: two rounds.
    ASSERT_EQ(ps_adc_cycles(adc.h, 64, 64, &cycles), PS_OK);
    EXPECT_EQ(cycles, 2);
    ASSERT_EQ(ps_adc_cycles(adc.h, 65, 64, &cycles), PS_OK);
    EXPECT_EQ(cycles, 4);
    ASSERT_EQ(ps_adc_cycles(adc.h, 1, 64, &cycles), PS_OK);
    EXPECT_EQ(cycles, 2);
    // 100 columns on 13 ADCs: ceil(100 / 13) = 8 rounds = 16 cycles.
    ASSERT_EQ(ps_adc_cycles(adc.h, 100, 13, &cycles), PS_OK);
    EXPECT_EQ(cycles, 16);
    ASSERT_EQ(ps_adc_cycles(adc.h, 0, 0, &cycles), PS_OK);
    EXPECT_EQ(cycles, 0);
    // 513 columns exceed 64 ADCs x 8 mux inputs.
    EXPECT_EQ(ps_adc_cycles(adc.h, 513, 64, &cycles), PS_ERR_RANGE);
    EXPECT_EQ(ps_adc_cycles(adc.h, 1, 0, &cycles), PS_ERR_RANGE);
}

TEST(Adc, WaldenEnergy)
{
    ps_adc_params p = defaults();
    p.energy_model = PS_ADC_ENERGY_WALDEN;
    p.walden_fom_fj = 5.0;
    p.bits = 6;
    double e = 0;
    // 5 fJ/step x 2^6 steps = 320 fJ = 0.32 pJ (docs/energy_sources.md example).
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_NEAR(e, 0.32, 1e-15);
    p.bits = 10; // 5 x 1024 = 5120 fJ
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_NEAR(e, 5.12, 1e-14);
}

TEST(Adc, NeuroSimSarEnergy)
{
    ps_adc_params p = defaults();
    double e = 0;
    p.energy_model = PS_ADC_ENERGY_SAR45;
    // 45 nm, 5 bits: (2.1691*5 + 16.693) uW = 27.5385 uW, x 6 ns = 165.231 fJ.
    p.bits = 5;
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_NEAR(e, 0.165231, 1e-12);
    // 8 bits: (17.3528 + 16.693) = 34.0458 uW x 9 ns = 306.4122 fJ.
    p.bits = 8;
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_NEAR(e, 0.3064122, 1e-12);
    p.energy_model = PS_ADC_ENERGY_SAR22;
    // 22 nm, 5 bits: (0.538*5 + 4.3753) = 7.0653 uW x 6 ns = 42.3918 fJ.
    p.bits = 5;
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_NEAR(e, 0.0423918, 1e-12);
    // 8 bits: (4.304 + 4.3753) = 8.6793 uW x 9 ns = 78.1137 fJ.
    p.bits = 8;
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_NEAR(e, 0.0781137, 1e-12);

    // Counters: 10 conversions at 45 nm, 8 bits = 3.064122 pJ.
    p.energy_model = PS_ADC_ENERGY_SAR45;
    Adc adc(p);
    EXPECT_NEAR(ps_adc_energy_per_conversion_pj(adc.h), 0.3064122, 1e-12);
    std::vector<double> x(10, 1.0);
    std::vector<uint16_t> c(10);
    ASSERT_EQ(ps_adc_convert(adc.h, x.data(), x.size(), c.data()), PS_OK);
    ps_adc_stats st;
    ASSERT_EQ(ps_adc_stats(adc.h, &st), PS_OK);
    EXPECT_EQ(st.conversions, 10u);
    EXPECT_NEAR(st.energy_pj, 3.064122, 1e-11);
}

TEST(Adc, TableEnergy)
{
    ps_adc_params p = defaults();
    p.energy_model = PS_ADC_ENERGY_TABLE;
    p.bits = 6;
    p.energy_b6_pj = 1.26; // MNSIM's 6-bit 1 GS/s SAR, 1.26 mW x 1 ns
    double e = 0;
    ASSERT_EQ(ps_adc_conversion_energy_pj(&p, &e, nullptr), PS_OK);
    EXPECT_EQ(e, 1.26);
    Adc adc(p);
    EXPECT_EQ(ps_adc_energy_per_conversion_pj(adc.h), 1.26);
    // No entry for 7 bits: creating is an error that names the key.
    p.bits = 7;
    ps_adc *h = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_adc_create(&p, &err, &h), PS_ERR_RANGE);
    EXPECT_EQ(h, nullptr);
    EXPECT_NE(std::string(err.message).find("energy_b7_pj"), std::string::npos) << err.message;
}

TEST(Adc, RejectsBadParamsAndInputs)
{
    ps_adc *h = nullptr;
    ps_error err{};
    ps_adc_params p = defaults();
    p.bits = 17;
    EXPECT_EQ(ps_adc_create(&p, &err, &h), PS_ERR_RANGE);
    p = defaults();
    p.range_max_ua = p.range_min_ua;
    EXPECT_EQ(ps_adc_create(&p, &err, &h), PS_ERR_RANGE);
    EXPECT_EQ(h, nullptr);

    Adc adc(unipolar4());
    double x[] = {1.0, NAN};
    uint16_t c[2];
    EXPECT_EQ(ps_adc_convert(adc.h, x, 2, c), PS_ERR_INVALID_ARG);
    ps_adc_stats st;
    ASSERT_EQ(ps_adc_stats(adc.h, &st), PS_OK);
    EXPECT_EQ(st.conversions, 0u);
}

TEST(Adc, SixteenBitsUsesTheWholeCode)
{
    ps_adc_params p = defaults();
    p.bits = 16;
    p.range_min_ua = 0.0;
    p.range_max_ua = 65536.0; // LSB = 1 uA
    Adc adc(p);
    double x[] = {65535.0, 1e9, 32767.5};
    uint16_t c[3];
    ASSERT_EQ(ps_adc_convert(adc.h, x, 3, c), PS_OK);
    EXPECT_EQ(c[0], 65535);
    EXPECT_EQ(c[1], 65535);
    EXPECT_EQ(c[2], 32768);
}
