// Crossbar array: vector-matrix products against direct sums, read-noise
// variance per column against the per-cell sum, energy against V^2 * sum G * t
// worked by hand, zero-skipping, multi-level inputs, IR drop, drift, faults,
// pruning and the mapping of a large matrix onto several arrays.
//
// Statistical tolerance: over n reads a column's sample variance is within
// K * var * sqrt(2 / (n - 1)) of its true variance (Gaussian noise) and its
// mean within K * sd / sqrt(n); K = 5.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common/rng.h"
#include "crossbar.h"
#include "dac.h"
#include "device.h"

namespace {

constexpr double K = 5.0;

// Column sums are exact sums of fixed-point conductances, each G+ - G-
// resolved to 2^-20 of the array's largest |G+ - G-| or finer (crossbar.c):
// a current at read voltage v over rows whose levels add up to level_sum is
// within v * level_sum * max_diff_uS * 2^-20 uA of the exact product.
double sum_tol(double level_sum, double max_diff_uS, double v = 0.2)
{
    return v * level_sum * max_diff_uS * 0x1p-20 + 1e-12;
}

struct Rig {
    ps_device_params dp;
    ps_dac_params ap;
    ps_crossbar_params xp;
    ps_device *dev = nullptr;
    ps_dac *dac = nullptr;
    ps_crossbar *xb = nullptr;
    ps_device_key key{9, ps_rng_stream_of("tiles[0].array")};

    Rig(int64_t rows, int64_t cols, double sigma = 0.0)
    {
        ps_params_set_defaults(&ps_device_param_table, &dp);
        ps_params_set_defaults(&ps_dac_param_table, &ap);
        ps_params_set_defaults(&ps_crossbar_param_table, &xp);
        dp.read_noise_rel = sigma;
        xp.rows = rows;
        xp.cols = cols;
    }
    void build(bool with_dac = true)
    {
        ps_error err{};
        ASSERT_EQ(ps_device_create(&dp, nullptr, &err, &dev), PS_OK) << err.message;
        ASSERT_EQ(ps_dac_create(&ap, &err, &dac), PS_OK) << err.message;
        ASSERT_EQ(ps_crossbar_create(&xp, dev, with_dac ? dac : nullptr, key, &err, &xb), PS_OK)
            << err.message;
    }
    ~Rig()
    {
        ps_crossbar_destroy(xb);
        ps_dac_destroy(dac);
        ps_device_destroy(dev);
    }
};

// Deterministic pseudo-random conductances in [lo, hi) for test matrices.
std::vector<double> matrix(size_t n, uint64_t stream, double lo, double hi)
{
    std::vector<double> m(n);
    for (size_t i = 0; i < n; i++)
        m[i] = lo + (hi - lo) * ps_rng_uniform(123, stream, i);
    return m;
}

} // namespace

TEST(Crossbar, ParamTablesAreWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_crossbar_param_table, &err), PS_OK) << err.message;
}

TEST(Crossbar, HandWorkedReadCurrentAndEnergy)
{
    // 4 x 3 pairs, every G+ = 10 uS and G- = 5 uS; rows 1 and 3 active.
    Rig r(4, 3);
    r.build();
    std::vector<double> gp(12, 10.0), gn(12, 5.0);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    const uint32_t active[] = {1, 3};
    double out[3];
    ps_crossbar_stats c;
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, active, 2, 0, out, &c), PS_OK);
    // Column current 0.2 V * 2 rows * (10 - 5) uS = 2 uA.
    for (double v : out)
        EXPECT_NEAR(v, 2.0, 1e-12);
    // Cell energy: V^2 * sum G * t = 0.04 V^2 * (2 rows * 3 pairs * 15 uS) * 10 ns
    // = 0.04 * 90 * 10 fJ = 36 fJ = 0.036 pJ. Driver: 2 activations * 0.39 pJ.
    EXPECT_NEAR(c.cell_energy_pj, 0.036, 1e-15);
    EXPECT_NEAR(c.driver_energy_pj, 0.78, 1e-15);
    EXPECT_NEAR(c.energy_pj, 0.816, 1e-15);
    EXPECT_EQ(c.cycles, 1u);
    EXPECT_EQ(c.active_rows, 2u);
    EXPECT_EQ(c.cell_reads, 2u * 2u * 3u);
    EXPECT_DOUBLE_EQ(c.read_time_ns, 10.0);
    // Weight units: 2 uA * 0.01 / 0.2 V = 0.1 = 0.01 * 2 rows * 5 uS.
    EXPECT_NEAR(out[0] * ps_crossbar_weight_per_ua(r.xb), 0.1, 1e-15);
}

TEST(Crossbar, EnergyIsDataDependent)
{
    // Energy of a read = V^2 * sum over active rows of all their G * t.
    Rig r(16, 8);
    r.build(false);
    const auto gp = matrix(128, 1, 0, 50), gn = matrix(128, 2, 0, 50);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    const uint32_t active[] = {0, 5, 6, 15};
    double sum_g = 0;
    for (uint32_t row : active)
        for (int j = 0; j < 8; j++)
            sum_g += gp[row * 8 + j] + gn[row * 8 + j];
    double out[8];
    ps_crossbar_stats c;
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, active, 4, 0, out, &c), PS_OK);
    EXPECT_NEAR(c.cell_energy_pj, 0.2 * 0.2 * sum_g * 10.0 * 1e-3, 1e-12);
    EXPECT_EQ(c.driver_energy_pj, 0.0); // no DAC attached
}

TEST(Crossbar, BinaryReadEqualsDirectProduct)
{
    Rig r(64, 20);
    r.build();
    const auto gp = matrix(64 * 20, 3, 0, 40), gn = matrix(64 * 20, 4, 0, 40);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    std::vector<uint32_t> active;
    for (uint32_t i = 0; i < 64; i += 3)
        active.push_back(63 - i); // unsorted on purpose
    std::vector<double> out(20);
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, active.data(), active.size(), 0, out.data(), nullptr),
              PS_OK);
    for (int j = 0; j < 20; j++) {
        double want = 0;
        for (uint32_t row : active)
            want += 0.2 * (gp[row * 20 + j] - gn[row * 20 + j]);
        EXPECT_NEAR(out[j], want, sum_tol((double)active.size(), 40));
    }
}

TEST(Crossbar, ZeroSkipping)
{
    Rig r(8, 4);
    r.build();
    const auto gp = matrix(32, 5, 1, 40), gn = matrix(32, 6, 1, 40);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    double out[4] = {1, 1, 1, 1};
    ps_crossbar_stats c;
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, nullptr, 0, 0, out, &c), PS_OK);
    EXPECT_EQ(c.cycles, 0u);
    EXPECT_EQ(c.skipped_cycles, 1u);
    EXPECT_EQ(c.energy_pj, 0.0);
    EXPECT_EQ(c.read_time_ns, 0.0);
    for (double v : out) EXPECT_EQ(v, 0.0);

    Rig s(8, 4);
    s.xp.zero_skip = false;
    s.build();
    ASSERT_EQ(ps_crossbar_read_binary(s.xb, nullptr, 0, 0, out, &c), PS_OK);
    EXPECT_EQ(c.cycles, 1u); // performed: costs its time, no current flows
    EXPECT_EQ(c.skipped_cycles, 0u);
    EXPECT_EQ(c.read_time_ns, 10.0);
    EXPECT_EQ(c.energy_pj, 0.0);
}

namespace {

// Sample variance of each column over n reads with distinct read keys.
void column_noise(ps_crossbar *xb, const std::vector<uint32_t> &active, size_t cols, size_t n,
                  std::vector<double> &mean, std::vector<double> &var)
{
    std::vector<double> out(cols), s(cols, 0), s2(cols, 0);
    for (size_t k = 0; k < n; k++) {
        ASSERT_EQ(ps_crossbar_read_binary(xb, active.data(), active.size(), k, out.data(), nullptr),
                  PS_OK);
        for (size_t j = 0; j < cols; j++) {
            s[j] += out[j];
            s2[j] += out[j] * out[j];
        }
    }
    mean.resize(cols);
    var.resize(cols);
    for (size_t j = 0; j < cols; j++) {
        mean[j] = s[j] / n;
        var[j] = (s2[j] - n * mean[j] * mean[j]) / (n - 1);
    }
}

} // namespace

TEST(Crossbar, ReadNoiseVarianceEqualsPerCellSum)
{
    for (int mode : {PS_DEVICE_NOISE_ON_WEIGHT, PS_DEVICE_NOISE_ON_CELL}) {
        const double sigma = 0.05;
        Rig r(32, 6, sigma);
        r.dp.read_noise_on = mode;
        r.build();
        const auto gp = matrix(32 * 6, 7, 0, 60), gn = matrix(32 * 6, 8, 0, 60);
        ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
        const std::vector<uint32_t> active = {0, 2, 3, 9, 17, 30, 31};
        const size_t n = 20000;
        std::vector<double> mean, var;
        column_noise(r.xb, active, 6, n, mean, var);
        for (size_t j = 0; j < 6; j++) {
            // Independent per-cell multiplicative noise: each cell's current
            // V G (1 + s N) has variance V^2 s^2 G^2; on the weight, V (G+ - G-)
            // (1 + s N) has V^2 s^2 (G+ - G-)^2. A column sums its active rows.
            double want_var = 0, want_mean = 0;
            for (uint32_t row : active) {
                const double a = gp[row * 6 + j], b = gn[row * 6 + j];
                const double q = mode == PS_DEVICE_NOISE_ON_CELL ? a * a + b * b : (a - b) * (a - b);
                want_var += 0.2 * 0.2 * sigma * sigma * q;
                want_mean += 0.2 * (a - b);
            }
            EXPECT_NEAR(var[j], want_var, K * want_var * std::sqrt(2.0 / (n - 1)))
                << "mode " << mode << " column " << j;
            EXPECT_NEAR(mean[j], want_mean, K * std::sqrt(want_var / n));
        }
    }
}

TEST(Crossbar, ReadNoiseIsKeyedByRead)
{
    Rig r(16, 5, 0.02);
    r.build();
    ASSERT_EQ(ps_crossbar_form(r.xb), PS_OK);
    const uint32_t active[] = {1, 4, 7};
    double a[5], b[5], c[5];
    ps_crossbar_read_binary(r.xb, active, 3, 77, a, nullptr);
    ps_crossbar_read_binary(r.xb, active, 3, 78, b, nullptr);
    ps_crossbar_read_binary(r.xb, active, 3, 77, c, nullptr);
    EXPECT_EQ(std::memcmp(a, c, sizeof a), 0);
    EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
}

TEST(Crossbar, BitSerialLevels)
{
    Rig r(10, 4);
    r.xp.input_bits = 3;
    r.build();
    const auto gp = matrix(40, 9, 0, 30), gn = matrix(40, 10, 0, 30);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    // Levels 0..7; bit 2 (value 4) is set in no row, so that plane is skipped.
    const uint16_t x[10] = {0, 1, 2, 3, 0, 1, 3, 2, 0, 1};
    double out[4];
    ps_crossbar_stats c;
    ASSERT_EQ(ps_crossbar_read_levels(r.xb, x, 0, nullptr, nullptr, out, &c), PS_OK);
    double energy_fj = 0, popcount = 0;
    for (int i = 0; i < 10; i++) {
        double rowsum = 0;
        for (int j = 0; j < 4; j++) rowsum += gp[i * 4 + j] + gn[i * 4 + j];
        // One cycle per set bit of x_i, each at full V: V^2 * rowsum * t per cycle.
        const int bits = __builtin_popcount(x[i]);
        energy_fj += bits * 0.04 * rowsum * 10.0;
        popcount += bits;
    }
    for (int j = 0; j < 4; j++) {
        double want = 0;
        for (int i = 0; i < 10; i++) want += 0.2 * x[i] * (gp[i * 4 + j] - gn[i * 4 + j]);
        EXPECT_NEAR(out[j], want, sum_tol(15, 30));
    }
    EXPECT_EQ(c.cycles, 2u);
    EXPECT_EQ(c.skipped_cycles, 1u);
    EXPECT_EQ(c.active_rows, uint64_t(popcount));
    EXPECT_NEAR(c.cell_energy_pj, energy_fj * 1e-3, 1e-12);
    EXPECT_NEAR(c.driver_energy_pj, popcount * 0.39, 1e-12);
    const uint16_t too_big[10] = {8};
    EXPECT_EQ(ps_crossbar_read_levels(r.xb, too_big, 0, nullptr, nullptr, out, &c), PS_ERR_RANGE);
}

namespace {

struct HookLog {
    int calls = 0;
    uint32_t last_cycle = 99;
};

ps_status zero_hook(void *ctx, size_t, uint32_t cycle, double *col, size_t cols)
{
    auto *log = static_cast<HookLog *>(ctx);
    log->calls++;
    log->last_cycle = cycle;
    if (cycle == 0)
        for (size_t j = 0; j < cols; j++) col[j] = 0.0; // e.g. an ADC that clips bit 0 to 0
    return PS_OK;
}

} // namespace

TEST(Crossbar, MultiLevelDac)
{
    Rig r(6, 3);
    r.xp.input_bits = 2;
    r.xp.multilevel = PS_XBAR_MULTILEVEL_DAC;
    r.ap.bits = 2;
    r.build();
    const auto gp = matrix(18, 11, 0, 30), gn = matrix(18, 12, 0, 30);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    const uint16_t x[6] = {3, 0, 1, 2, 0, 3};
    double out[3];
    ps_crossbar_stats c;
    HookLog log;
    ASSERT_EQ(ps_crossbar_read_levels(r.xb, x, 0, nullptr, nullptr, out, &c), PS_OK);
    double energy_fj = 0;
    for (int i = 0; i < 6; i++) {
        double rowsum = 0;
        for (int j = 0; j < 3; j++) rowsum += gp[i * 3 + j] + gn[i * 3 + j];
        const double v = 0.2 * x[i] / 3.0; // row voltage of a 2-bit DAC
        energy_fj += v * v * rowsum * 10.0;
    }
    for (int j = 0; j < 3; j++) {
        double want = 0;
        for (int i = 0; i < 6; i++) want += 0.2 * x[i] * (gp[i * 3 + j] - gn[i * 3 + j]);
        EXPECT_NEAR(out[j], want, sum_tol(9, 30));
    }
    EXPECT_EQ(c.cycles, 1u);
    EXPECT_EQ(c.active_rows, 4u);
    EXPECT_NEAR(c.cell_energy_pj, energy_fj * 1e-3, 1e-12);
    EXPECT_NEAR(c.driver_energy_pj, 4 * 0.39, 1e-12);
    ASSERT_EQ(ps_crossbar_read_levels(r.xb, x, 0, zero_hook, &log, out, &c), PS_OK);
    EXPECT_EQ(log.calls, 1);
    for (double v : out) EXPECT_EQ(v, 0.0);

    // A DAC with fewer bits than the inputs cannot drive them.
    Rig bad(6, 3);
    bad.xp.input_bits = 4;
    bad.xp.multilevel = PS_XBAR_MULTILEVEL_DAC;
    bad.ap.bits = 2;
    ps_error err{};
    ASSERT_EQ(ps_device_create(&bad.dp, nullptr, &err, &bad.dev), PS_OK);
    ASSERT_EQ(ps_dac_create(&bad.ap, &err, &bad.dac), PS_OK);
    EXPECT_EQ(ps_crossbar_create(&bad.xp, bad.dev, bad.dac, bad.key, &err, &bad.xb), PS_ERR_RANGE);
}

TEST(Crossbar, HookSeesEachBitPlane)
{
    Rig r(4, 2);
    r.xp.input_bits = 2;
    r.build();
    std::vector<double> gp(8, 10.0), gn(8, 0.0);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    const uint16_t x[4] = {3, 2, 0, 0};
    double out[2];
    HookLog log;
    ASSERT_EQ(ps_crossbar_read_levels(r.xb, x, 0, zero_hook, &log, out, nullptr), PS_OK);
    EXPECT_EQ(log.calls, 2);
    EXPECT_EQ(log.last_cycle, 1u);
    // Bit 0 zeroed by the hook; bit 1 has rows 0 and 1: 2 * 0.2 V * 2 rows * 10 uS = 8 uA.
    EXPECT_NEAR(out[0], 8.0, 1e-12);
}

TEST(Crossbar, IrDropAttenuation)
{
    Rig r(4, 3);
    r.xp.wire_r_ohm = 100.0;
    r.build();
    std::vector<double> gp(12, 0.0), gn(12, 0.0);
    gp[1 * 3 + 2] = 50.0; // row 1, pair 2: G+ on physical column 4
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    // Path: 5 row segments (columns 0..4) + 3 column segments (rows 1..3) = 8
    // * 100 ohm = 800 ohm; G R = 50e-6 * 800 = 0.04; G_eff = 50 / 1.04 uS.
    double ep, en;
    ASSERT_EQ(ps_crossbar_get_effective_pair(r.xb, 1, 2, &ep, &en), PS_OK);
    EXPECT_NEAR(ep, 50.0 / 1.04, 1e-12);
    const uint32_t active[] = {1};
    double out[3];
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, active, 1, 0, out, nullptr), PS_OK);
    EXPECT_NEAR(out[2], 0.2 * 50.0 / 1.04, sum_tol(1, 50));
    EXPECT_EQ(out[0], 0.0);
}

TEST(Crossbar, DriftFollowsDeviceLaw)
{
    Rig r(2, 2);
    r.dp.drift_nu = 0.05;
    r.dp.drift_t0_s = 1.0;
    r.build();
    std::vector<double> gp = {40, 30, 20, 10}, gn = {1, 2, 3, 4};
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    ASSERT_EQ(ps_crossbar_set_age(r.xb, 1e4), PS_OK);
    const double f = std::pow(1e4, -0.05);
    double ep, en;
    ASSERT_EQ(ps_crossbar_get_effective_pair(r.xb, 1, 0, &ep, &en), PS_OK);
    EXPECT_NEAR(ep, 20 * f, 1e-12);
    EXPECT_NEAR(en, 3 * f, 1e-12);
    const uint32_t active[] = {0, 1};
    double out[2];
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, active, 2, 0, out, nullptr), PS_OK);
    EXPECT_NEAR(out[1], 0.2 * f * ((30 - 2) + (10 - 4)), sum_tol(2, 40));
    ASSERT_EQ(ps_crossbar_set_age(r.xb, 0.0), PS_OK);
    ASSERT_EQ(ps_crossbar_get_effective_pair(r.xb, 1, 0, &ep, &en), PS_OK);
    EXPECT_EQ(ep, 20.0);
}

TEST(Crossbar, FormPruneAndFaults)
{
    Rig r(64, 32);
    r.dp.stuck_on_rate = 0.01;
    r.dp.stuck_off_rate = 0.03;
    r.build();
    ASSERT_EQ(ps_crossbar_form(r.xb), PS_OK);
    const size_t cells = 2 * 64 * 32;
    size_t on = 0, off = 0;
    std::vector<uint8_t> keep(64 * 32);
    for (size_t i = 0; i < keep.size(); i++) keep[i] = i % 2;
    for (int64_t row = 0; row < 64; row++) {
        for (int64_t c = 0; c < 32; c++) {
            const uint64_t pair = uint64_t(row * 32 + c);
            double gp, gn, want_p, want_n;
            ASSERT_EQ(ps_crossbar_get_pair(r.xb, row, c, &gp, &gn), PS_OK);
            // The array's pair i is the device's pair i under the array's key.
            ps_device_form_pair(r.dev, r.key, pair, &want_p, &want_n);
            EXPECT_EQ(gp, want_p);
            EXPECT_EQ(gn, want_n);
            for (int s = 0; s < 2; s++) {
                const ps_device_fault f = ps_device_fault_of(r.dev, r.key, 2 * pair + s);
                const double g = s ? gn : gp;
                if (f == PS_DEVICE_STUCK_ON) { on++; EXPECT_EQ(g, r.dp.g_max_uS); }
                if (f == PS_DEVICE_STUCK_OFF) { off++; EXPECT_EQ(g, r.dp.g_min_uS); }
            }
        }
    }
    EXPECT_NEAR(double(on), cells * 0.01, K * std::sqrt(cells * 0.01 * 0.99));
    EXPECT_NEAR(double(off), cells * 0.03, K * std::sqrt(cells * 0.03 * 0.97));

    ASSERT_EQ(ps_crossbar_prune(r.xb, keep.data()), PS_OK);
    for (int64_t row = 0; row < 64; row++) {
        for (int64_t c = 0; c < 32; c++) {
            const uint64_t pair = uint64_t(row * 32 + c);
            double gp, gn, want_p, want_n;
            ps_crossbar_get_pair(r.xb, row, c, &gp, &gn);
            if (keep[pair]) {
                ps_device_form_pair(r.dev, r.key, pair, &want_p, &want_n);
            } else {
                ps_device_reset_pair(r.dev, r.key, pair, &want_p, &want_n);
                if (ps_device_fault_of(r.dev, r.key, 2 * pair) == PS_DEVICE_OK) {
                    EXPECT_LT(gp, r.dp.reset_mean_uS + 6 * r.dp.reset_std_uS);
                }
            }
            EXPECT_EQ(gp, want_p);
            EXPECT_EQ(gn, want_n);
        }
    }
}

TEST(Crossbar, StatsAccumulateAndReset)
{
    Rig r(8, 2);
    r.build();
    std::vector<double> gp(16, 10.0), gn(16, 0.0);
    ps_crossbar_set_conductances(r.xb, gp.data(), gn.data());
    const uint32_t a[] = {0, 1, 2};
    double out[2];
    ps_crossbar_read_binary(r.xb, a, 3, 0, out, nullptr);
    ps_crossbar_read_binary(r.xb, a, 2, 1, out, nullptr);
    ps_crossbar_read_binary(r.xb, a, 0, 2, out, nullptr);
    ps_crossbar_stats s;
    ASSERT_EQ(ps_crossbar_stats(r.xb, &s), PS_OK);
    EXPECT_EQ(s.reads, 3u);
    EXPECT_EQ(s.cycles, 2u);
    EXPECT_EQ(s.skipped_cycles, 1u);
    EXPECT_EQ(s.active_rows, 5u);
    EXPECT_EQ(s.cell_reads, 5u * 4u);
    // 5 row-reads * 2 pairs * 10 uS * 0.04 V^2 * 10 ns = 40 fJ.
    EXPECT_NEAR(s.cell_energy_pj, 0.040, 1e-15);
    EXPECT_NEAR(s.energy_pj, 0.040 + 5 * 0.39, 1e-12);
    ASSERT_EQ(ps_crossbar_reset(r.xb), PS_OK);
    ASSERT_EQ(ps_crossbar_stats(r.xb, &s), PS_OK);
    EXPECT_EQ(s.reads, 0u);
    EXPECT_EQ(s.energy_pj, 0.0);
    const uint32_t bad[] = {8};
    EXPECT_EQ(ps_crossbar_read_binary(r.xb, bad, 1, 0, out, nullptr), PS_ERR_RANGE);
    ps_crossbar_destroy(nullptr);
}

TEST(CrossbarMap, PlanAndTiles)
{
    ps_crossbar_map m;
    ASSERT_EQ(ps_crossbar_map_plan(1000, 300, 512, 256, &m), PS_OK);
    EXPECT_EQ(m.row_tiles, 2);
    EXPECT_EQ(m.col_tiles, 2);
    int64_t r0, nr, c0, nc;
    ASSERT_EQ(ps_crossbar_map_tile(&m, 3, &r0, &nr, &c0, &nc), PS_OK);
    EXPECT_EQ(r0, 512);
    EXPECT_EQ(nr, 1000 - 512);
    EXPECT_EQ(c0, 256);
    EXPECT_EQ(nc, 300 - 256);
    EXPECT_EQ(ps_crossbar_map_tile(&m, 4, &r0, &nr, &c0, &nc), PS_ERR_INVALID_ARG);
    // PRIME's fc layer 2304 -> 10 on 512 x 256 arrays: 5 row tiles, 1 column tile.
    ASSERT_EQ(ps_crossbar_map_plan(2304, 10, 512, 256, &m), PS_OK);
    EXPECT_EQ(m.row_tiles * m.col_tiles, 5);
}

TEST(CrossbarMap, GridEqualsDirectProduct)
{
    const int64_t in = 1000, outd = 300;
    Rig r(512, 256);
    ps_error err{};
    ASSERT_EQ(ps_device_create(&r.dp, nullptr, &err, &r.dev), PS_OK);
    ASSERT_EQ(ps_dac_create(&r.ap, &err, &r.dac), PS_OK);
    ps_crossbar_grid *g = nullptr;
    ASSERT_EQ(ps_crossbar_grid_create(&r.xp, r.dev, r.dac, r.key, in, outd, &err, &g), PS_OK)
        << err.message;
    const auto gp = matrix(size_t(in * outd), 13, 0, 40), gn = matrix(size_t(in * outd), 14, 0, 40);
    ASSERT_EQ(ps_crossbar_grid_set_conductances(g, gp.data(), gn.data()), PS_OK);
    std::vector<uint32_t> active;
    for (uint32_t i = 0; i < in; i++) {
        if (ps_rng_uniform(5, 5, i) < 0.1) active.push_back(i);
    }
    std::vector<double> out(outd);
    ps_crossbar_grid_stats c;
    ASSERT_EQ(ps_crossbar_grid_read_binary(g, active.data(), active.size(), 0, out.data(), &c),
              PS_OK);
    for (int64_t j = 0; j < outd; j++) {
        double want = 0;
        for (uint32_t i : active) want += 0.2 * (gp[i * outd + j] - gn[i * outd + j]);
        EXPECT_NEAR(out[j], want, sum_tol((double)active.size(), 40));
    }
    // Both row tiles contribute to every column: one digital add per column.
    EXPECT_EQ(c.partial_sum_adds, uint64_t(outd));
    EXPECT_EQ(c.n_arrays, 4);
    EXPECT_EQ(c.arrays.active_rows, 2 * active.size()); // each row drives 2 column tiles
    // Only rows of the first row tile: the second tile is zero-skipped, no adds.
    const uint32_t low[] = {3, 100, 511};
    ASSERT_EQ(ps_crossbar_grid_read_binary(g, low, 3, 1, out.data(), &c), PS_OK);
    EXPECT_EQ(c.partial_sum_adds, 0u);
    EXPECT_EQ(c.arrays.cycles, 2u);
    EXPECT_EQ(c.arrays.skipped_cycles, 2u);
    for (int64_t j = 0; j < outd; j++) {
        double want = 0;
        for (uint32_t i : low) want += 0.2 * (gp[i * outd + j] - gn[i * outd + j]);
        EXPECT_NEAR(out[j], want, sum_tol(3, 40));
    }
    // Multi-level inputs through the grid.
    std::vector<uint16_t> x(in);
    for (int64_t i = 0; i < in; i++) x[i] = uint16_t(ps_rng_u64(6, 6, i) % 16);
    ASSERT_EQ(ps_crossbar_grid_read_levels(g, x.data(), 2, nullptr, nullptr, out.data(), &c), PS_OK);
    for (int64_t j = 0; j < outd; j++) {
        double want = 0;
        for (int64_t i = 0; i < in; i++) want += 0.2 * x[i] * (gp[i * outd + j] - gn[i * outd + j]);
        EXPECT_NEAR(out[j], want, sum_tol(15.0 * in, 40));
    }
    EXPECT_EQ(c.partial_sum_adds, uint64_t(outd));
    ps_crossbar_grid_stats total;
    ASSERT_EQ(ps_crossbar_grid_stats(g, &total), PS_OK);
    EXPECT_EQ(total.partial_sum_adds, 2u * uint64_t(outd));
    EXPECT_EQ(total.arrays.reads, 12u);
    ps_crossbar_grid_destroy(g);
}

// Fixed-point sums are exact: the same rows in any order give the same bits,
// with and without read noise (the variance sums are integers too).
TEST(Crossbar, SumsDoNotDependOnRowOrder)
{
    for (double sigma : {0.0, 0.05}) {
        Rig r(128, 24, sigma);
        r.build();
        const auto gp = matrix(128 * 24, 5, 0, 60), gn = matrix(128 * 24, 6, 0, 60);
        ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
        std::vector<uint32_t> up, down;
        for (uint32_t i = 0; i < 128; i += 2)
            up.push_back(i);
        down.assign(up.rbegin(), up.rend());
        std::vector<double> a(24), b(24);
        ASSERT_EQ(ps_crossbar_read_binary(r.xb, up.data(), up.size(), 7, a.data(), nullptr), PS_OK);
        ASSERT_EQ(ps_crossbar_read_binary(r.xb, down.data(), down.size(), 7, b.data(), nullptr),
                  PS_OK);
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << sigma;
    }
}

// The sparse read of the nonzero inputs is the dense read, bit for bit,
// noise and every bit plane included; malformed lists are refused.
TEST(Crossbar, SparseReadEqualsLevelsRead)
{
    Rig r(40, 9, 0.03);
    r.build();
    const auto gp = matrix(40 * 9, 7, 0, 50), gn = matrix(40 * 9, 8, 0, 50);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    std::vector<uint16_t> levels(40, 0);
    std::vector<uint32_t> rows;
    std::vector<uint16_t> nz;
    for (uint32_t i = 0; i < 40; i++) {
        levels[i] = (uint16_t)((i * 7) % 16 * (i % 3 != 0)); // 0..15, a third zero
        if (levels[i]) {
            rows.push_back(i);
            nz.push_back(levels[i]);
        }
    }
    std::vector<double> dense(9), sparse(9);
    ps_crossbar_stats cd, cs;
    ASSERT_EQ(ps_crossbar_read_levels(r.xb, levels.data(), 3, nullptr, nullptr, dense.data(), &cd),
              PS_OK);
    ASSERT_EQ(ps_crossbar_read_sparse(r.xb, rows.data(), nz.data(), rows.size(), 3, nullptr, nullptr,
                                      sparse.data(), &cs),
              PS_OK);
    EXPECT_EQ(std::memcmp(dense.data(), sparse.data(), 9 * sizeof(double)), 0);
    EXPECT_EQ(cd.cycles, cs.cycles);
    EXPECT_EQ(cd.active_rows, cs.active_rows);
    EXPECT_EQ(cd.cell_energy_pj, cs.cell_energy_pj);
    const uint32_t twice[2] = {4, 4}, order[2] = {5, 4};
    const uint16_t ones[2] = {1, 1}, big[1] = {16}, zero[1] = {0};
    EXPECT_EQ(ps_crossbar_read_sparse(r.xb, twice, ones, 2, 0, nullptr, nullptr, sparse.data(), nullptr),
              PS_ERR_INVALID_ARG);
    EXPECT_EQ(ps_crossbar_read_sparse(r.xb, order, ones, 2, 0, nullptr, nullptr, sparse.data(), nullptr),
              PS_ERR_INVALID_ARG);
    EXPECT_EQ(ps_crossbar_read_sparse(r.xb, order, big, 1, 0, nullptr, nullptr, sparse.data(), nullptr),
              PS_ERR_RANGE);
    EXPECT_EQ(ps_crossbar_read_sparse(r.xb, order, zero, 1, 0, nullptr, nullptr, sparse.data(), nullptr),
              PS_ERR_RANGE);
}

// A sensed-column array computes its first n columns as the full array
// does (noise off) and leaves the rest alone; n outside [1, cols] is refused.
TEST(Crossbar, SensedColumnsOnly)
{
    Rig r(16, 10);
    r.build();
    const auto gp = matrix(160, 9, 0, 40), gn = matrix(160, 10, 0, 40);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    const uint32_t rows[5] = {0, 3, 4, 9, 15};
    std::vector<double> full(10), part(10, -1.0);
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, rows, 5, 0, full.data(), nullptr), PS_OK);
    ASSERT_EQ(ps_crossbar_set_sensed_cols(r.xb, 4), PS_OK);
    ASSERT_EQ(ps_crossbar_read_binary(r.xb, rows, 5, 0, part.data(), nullptr), PS_OK);
    for (int j = 0; j < 4; j++)
        EXPECT_EQ(part[j], full[j]) << j;
    for (int j = 4; j < 10; j++)
        EXPECT_EQ(part[j], -1.0) << j; // not written
    EXPECT_EQ(ps_crossbar_set_sensed_cols(r.xb, 0), PS_ERR_INVALID_ARG);
    EXPECT_EQ(ps_crossbar_set_sensed_cols(r.xb, 11), PS_ERR_INVALID_ARG);
}

// When rows x level x conductance would overflow 62 bits at 2^-40 uS, the
// fraction bits shrink instead: 65,536 rows of 100 uS at level 65,535 (a
// 16-bit DAC) still sum to the exact 0.2 V x 65,535 x 65,536 x 100 uS.
TEST(Crossbar, LargeSumsShrinkTheFractionNotOverflow)
{
    Rig r(65536, 1);
    r.xp.input_bits = 16;
    r.xp.multilevel = PS_XBAR_MULTILEVEL_DAC;
    r.ap.bits = 16;
    r.build();
    std::vector<double> gp(65536, 100.0), gn(65536, 0.0);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    std::vector<uint16_t> x(65536, 65535);
    double out = 0;
    ASSERT_EQ(ps_crossbar_read_levels(r.xb, x.data(), 0, nullptr, nullptr, &out, nullptr), PS_OK);
    EXPECT_NEAR(out, 0.2 * 65535.0 * 65536.0 * 100.0, 1e-9 * out);
}

// A batch of reads gives each read what it gets alone: the sums with noise
// off, and with noise the same normals however reads are grouped (a read's
// noise is keyed by the batch key and its number). The block hook sees
// every performed cycle once.
TEST(Crossbar, BatchReadsDoNotDependOnGrouping)
{
    struct Count {
        size_t cycles = 0;
        static ps_status fn(void *ctx, size_t, double *, size_t n, size_t cols)
        {
            static_cast<Count *>(ctx)->cycles += n * cols;
            return PS_OK;
        }
    };
    Rig r(30, 7, 0.04);
    r.build();
    const auto gp = matrix(30 * 7, 13, 0, 50), gn = matrix(30 * 7, 14, 0, 50);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    // 6 reads: levels 1..15 on a few rows each; read 2 is empty.
    std::vector<uint32_t> off = {0}, rows;
    std::vector<uint16_t> lv;
    for (uint32_t i = 0; i < 6; i++) {
        if (i != 2)
            for (uint32_t k = i; k < 30; k += 4 + i) {
                rows.push_back(k);
                lv.push_back((uint16_t)(1 + (k * 5 + i) % 15));
            }
        off.push_back((uint32_t)rows.size());
    }
    std::vector<double> all(6 * 7), one(7);
    std::vector<uint32_t> cycles(6);
    Count count;
    ps_crossbar_stats c_all;
    ASSERT_EQ(ps_crossbar_read_batch(r.xb, 6, off.data(), rows.data(), lv.data(), 99, 10,
                                     &Count::fn, &count, all.data(), 7, cycles.data(), &c_all),
              PS_OK);
    EXPECT_EQ(count.cycles, c_all.cycles * 7);
    EXPECT_EQ(cycles[2], 0u);
    uint64_t cyc_sum = 0;
    for (uint32_t i = 0; i < 6; i++) {
        const uint32_t o[2] = {0, off[i + 1] - off[i]};
        uint32_t n_cyc = 0;
        ps_crossbar_stats c;
        ASSERT_EQ(ps_crossbar_read_batch(r.xb, 1, o, rows.data() + off[i], lv.data() + off[i], 99,
                                         10 + i, nullptr, nullptr, one.data(), 7, &n_cyc, &c),
                  PS_OK);
        EXPECT_EQ(std::memcmp(one.data(), all.data() + i * 7, 7 * sizeof(double)), 0) << "read " << i;
        EXPECT_EQ(n_cyc, cycles[i]);
        cyc_sum += c.cycles;
    }
    EXPECT_EQ(cyc_sum, c_all.cycles);
    // Noise off: a batch read equals the single sparse read, bit for bit.
    Rig q(30, 7);
    q.build();
    ASSERT_EQ(ps_crossbar_set_conductances(q.xb, gp.data(), gn.data()), PS_OK);
    ASSERT_EQ(ps_crossbar_read_batch(q.xb, 6, off.data(), rows.data(), lv.data(), 1, 0, nullptr,
                                     nullptr, all.data(), 7, nullptr, nullptr),
              PS_OK);
    for (uint32_t i = 0; i < 6; i++) {
        ASSERT_EQ(ps_crossbar_read_sparse(q.xb, rows.data() + off[i], lv.data() + off[i],
                                          off[i + 1] - off[i], 5, nullptr, nullptr, one.data(),
                                          nullptr),
                  PS_OK);
        EXPECT_EQ(std::memcmp(one.data(), all.data() + i * 7, 7 * sizeof(double)), 0) << "read " << i;
    }
}

namespace {

// A 40 x 9 matrix on 16 x 4 arrays (3 x 3 grid) and five reads of a few
// rows each at levels 1..15.
struct GridRig {
    ps_device_params dp;
    ps_crossbar_params xp;
    ps_device *dev = nullptr;
    ps_crossbar_grid *g = nullptr;
    std::vector<uint32_t> off = {0}, rows;
    std::vector<uint16_t> lv;

    explicit GridRig(double sigma)
    {
        ps_params_set_defaults(&ps_device_param_table, &dp);
        ps_params_set_defaults(&ps_crossbar_param_table, &xp);
        dp.read_noise_rel = sigma;
        xp.rows = 16, xp.cols = 4;
        ps_error err{};
        const auto gp = matrix(40 * 9, 15, 0, 30), gn = matrix(40 * 9, 16, 0, 30);
        if (ps_device_create(&dp, nullptr, &err, &dev) != PS_OK ||
            ps_crossbar_grid_create(&xp, dev, nullptr, {3, 4}, 40, 9, &err, &g) != PS_OK ||
            ps_crossbar_grid_set_conductances(g, gp.data(), gn.data()) != PS_OK) {
            ps_crossbar_grid_destroy(g);
            g = nullptr;
        }
        for (uint32_t i = 0; i < 5; i++) {
            for (uint32_t k = i * 3; k < 40; k += 5)
                rows.push_back(k), lv.push_back((uint16_t)(1 + k % 15));
            off.push_back((uint32_t)rows.size());
        }
    }
    ~GridRig()
    {
        ps_crossbar_grid_destroy(g);
        ps_device_destroy(dev);
    }
};

} // namespace

// The grid's batch is the arrays' batches summed over row tiles: with noise
// off, each read equals the grid's single read of the same levels.
TEST(Crossbar, GridBatchEqualsSingleReads)
{
    GridRig r(0.0);
    ASSERT_TRUE(r.g);
    ps_crossbar_grid *g = r.g;
    const auto &off = r.off, &rows = r.rows;
    const auto &lv = r.lv;
    std::vector<double> all(5 * 9), one(9);
    ASSERT_EQ(ps_crossbar_grid_read_batch(g, 5, off.data(), rows.data(), lv.data(), 1, 0, nullptr,
                                          nullptr, all.data(), nullptr),
              PS_OK);
    for (uint32_t i = 0; i < 5; i++) {
        std::vector<uint16_t> dense(40, 0);
        for (uint32_t k = off[i]; k < off[i + 1]; k++)
            dense[rows[k]] = lv[k];
        ASSERT_EQ(ps_crossbar_grid_read_levels(g, dense.data(), 0, nullptr, nullptr, one.data(),
                                               nullptr),
                  PS_OK);
        EXPECT_EQ(std::memcmp(one.data(), all.data() + i * 9, 9 * sizeof(double)), 0) << "read " << i;
    }
}

namespace {

// The bit-serial cycles of reads given as (rows, levels): cycle b of read i
// at off[i * planes + b], the rows whose level has bit b set.
void split_planes(const std::vector<uint32_t> &off, const std::vector<uint32_t> &rows,
                  const std::vector<uint16_t> &lv, uint32_t planes, std::vector<uint32_t> &p_off,
                  std::vector<uint32_t> &p_rows)
{
    p_off = {0};
    p_rows.clear();
    for (size_t i = 0; i + 1 < off.size(); i++)
        for (uint32_t b = 0; b < planes; b++) {
            for (uint32_t k = off[i]; k < off[i + 1]; k++)
                if (lv[k] >> b & 1)
                    p_rows.push_back(rows[k]);
            p_off.push_back((uint32_t)p_rows.size());
        }
}

} // namespace

// Reads given as bit planes are the same reads: currents, noise, cycles per
// read and costs equal ps_crossbar_read_batch's bit for bit, with noise on.
TEST(Crossbar, PlaneReadsEqualBatchReads)
{
    Rig r(30, 7, 0.04);
    r.build();
    const auto gp = matrix(30 * 7, 13, 0, 50), gn = matrix(30 * 7, 14, 0, 50);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    std::vector<uint32_t> off = {0}, rows;
    std::vector<uint16_t> lv;
    for (uint32_t i = 0; i < 6; i++) {
        if (i != 2)
            for (uint32_t k = i; k < 30; k += 3 + i) {
                rows.push_back(k);
                lv.push_back((uint16_t)(1 + (k * 7 + i) % 15));
            }
        off.push_back((uint32_t)rows.size());
    }
    std::vector<uint32_t> p_off, p_rows;
    split_planes(off, rows, lv, (uint32_t)r.xp.input_bits, p_off, p_rows);
    std::vector<double> want(6 * 9), got(6 * 9);
    std::vector<uint32_t> want_cyc(6), got_cyc(6);
    ps_crossbar_stats cw, cg;
    ASSERT_EQ(ps_crossbar_read_batch(r.xb, 6, off.data(), rows.data(), lv.data(), 99, 10, nullptr,
                                     nullptr, want.data(), 9, want_cyc.data(), &cw),
              PS_OK);
    ASSERT_EQ(ps_crossbar_read_planes(r.xb, 6, p_off.data(), p_rows.data(), 99, 10, nullptr,
                                      nullptr, got.data(), 9, got_cyc.data(), &cg),
              PS_OK);
    for (uint32_t i = 0; i < 6; i++)
        EXPECT_EQ(std::memcmp(got.data() + i * 9, want.data() + i * 9, 7 * sizeof(double)), 0)
            << "read " << i;
    EXPECT_EQ(got_cyc, want_cyc);
    EXPECT_EQ(cg.cycles, cw.cycles);
    EXPECT_EQ(cg.skipped_cycles, cw.skipped_cycles);
    EXPECT_EQ(cg.active_rows, cw.active_rows);
    EXPECT_EQ(cg.energy_pj, cw.energy_pj);
    // Rows out of order or past the array are refused.
    std::swap(p_rows[0], p_rows[1]);
    EXPECT_EQ(ps_crossbar_read_planes(r.xb, 6, p_off.data(), p_rows.data(), 99, 10, nullptr,
                                      nullptr, got.data(), 9, nullptr, nullptr),
              PS_ERR_INVALID_ARG);
    std::swap(p_rows[0], p_rows[1]);
    p_rows.back() = 30;
    EXPECT_EQ(ps_crossbar_read_planes(r.xb, 6, p_off.data(), p_rows.data(), 99, 10, nullptr,
                                      nullptr, got.data(), 9, nullptr, nullptr),
              PS_ERR_INVALID_ARG);
}

// The same on a grid of 3 x 3 arrays (rows split across row tiles, partial
// sums merged), noise on.
TEST(Crossbar, GridPlaneReadsEqualGridBatchReads)
{
    GridRig r(0.03);
    ASSERT_TRUE(r.g);
    ps_crossbar_grid *g = r.g;
    const auto &off = r.off, &rows = r.rows;
    const auto &lv = r.lv;
    const ps_crossbar_params &xp = r.xp;
    std::vector<uint32_t> p_off, p_rows;
    split_planes(off, rows, lv, (uint32_t)xp.input_bits, p_off, p_rows);
    std::vector<double> want(5 * 9), got(5 * 9);
    ps_crossbar_grid_stats cw, cg;
    ASSERT_EQ(ps_crossbar_grid_read_batch(g, 5, off.data(), rows.data(), lv.data(), 7, 3, nullptr,
                                          nullptr, want.data(), &cw),
              PS_OK);
    ASSERT_EQ(ps_crossbar_grid_read_planes(g, 5, p_off.data(), p_rows.data(), 7, 3, nullptr,
                                           nullptr, got.data(), &cg),
              PS_OK);
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(double)), 0);
    EXPECT_EQ(cg.arrays.cycles, cw.arrays.cycles);
    EXPECT_EQ(cg.partial_sum_adds, cw.partial_sum_adds);
    EXPECT_EQ(cg.arrays.energy_pj, cw.arrays.energy_pj);
}

// A batch of many cycles on wide rows (160 cycles x 64 columns, past the
// first allocation of either batch buffer) equals its reads one by one, for
// both entry points.
TEST(Crossbar, LongBatchOnWideRowsEqualsSingleReads)
{
    Rig r(30, 64);
    r.build();
    const auto gp = matrix(30 * 64, 17, 0, 50), gn = matrix(30 * 64, 18, 0, 50);
    ASSERT_EQ(ps_crossbar_set_conductances(r.xb, gp.data(), gn.data()), PS_OK);
    std::vector<uint32_t> off = {0}, rows;
    std::vector<uint16_t> lv;
    for (uint32_t i = 0; i < 40; i++) {
        rows.push_back(i % 30);
        lv.push_back(15); // every bit: 4 cycles per read
        off.push_back((uint32_t)rows.size());
    }
    std::vector<uint32_t> p_off, p_rows;
    split_planes(off, rows, lv, (uint32_t)r.xp.input_bits, p_off, p_rows);
    std::vector<double> batch(40 * 64), planes(40 * 64), one(64);
    ASSERT_EQ(ps_crossbar_read_batch(r.xb, 40, off.data(), rows.data(), lv.data(), 1, 0, nullptr,
                                     nullptr, batch.data(), 64, nullptr, nullptr),
              PS_OK);
    ASSERT_EQ(ps_crossbar_read_planes(r.xb, 40, p_off.data(), p_rows.data(), 1, 0, nullptr,
                                      nullptr, planes.data(), 64, nullptr, nullptr),
              PS_OK);
    for (uint32_t i = 0; i < 40; i++) {
        ASSERT_EQ(ps_crossbar_read_sparse(r.xb, rows.data() + i, lv.data() + i, 1, 5, nullptr,
                                          nullptr, one.data(), nullptr),
                  PS_OK);
        EXPECT_EQ(std::memcmp(one.data(), batch.data() + i * 64, 64 * sizeof(double)), 0) << i;
        EXPECT_EQ(std::memcmp(one.data(), planes.data() + i * 64, 64 * sizeof(double)), 0) << i;
    }
}
