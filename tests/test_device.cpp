// Memristor device model and the measured-table CSV reader.
//
// Statistical tolerances: with n independent draws, a sample mean is within
// K * sd / sqrt(n) of the true mean and a sample variance within
// K * sqrt((mu4 - sd^4) / n) of the true variance (mu4 = 3 sd^4 for a
// Gaussian, so K * sd^2 * sqrt(2 / n)); a count of a rate-p event within
// K * sqrt(n p (1 - p)). K = 5 makes a false failure of one check less likely
// than 1e-6, and the draws are fixed by the seed anyway.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/rng.h"
#include "device.h"
#include "device_table.h"

namespace {

constexpr double K = 5.0;

struct Moments {
    double mean = 0, var = 0, m4 = 0;
};

Moments moments(const std::vector<double> &x)
{
    Moments m;
    for (double v : x) m.mean += v;
    m.mean /= double(x.size());
    for (double v : x) {
        const double d = v - m.mean;
        m.var += d * d;
        m.m4 += d * d * d * d;
    }
    m.var /= double(x.size() - 1);
    m.m4 /= double(x.size());
    return m;
}

ps_device_params defaults()
{
    ps_device_params p;
    ps_params_set_defaults(&ps_device_param_table, &p);
    return p;
}

struct Device {
    ps_device *dev = nullptr;
    explicit Device(const ps_device_params &p, const ps_device_table *t = nullptr)
    {
        ps_error err{};
        EXPECT_EQ(ps_device_create(&p, t, &err, &dev), PS_OK) << err.message;
    }
    ~Device() { ps_device_destroy(dev); }
};

const ps_device_key kKey = {42, ps_rng_stream_of("test.array")};

// Standard normal CDF.
double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

} // namespace

TEST(Device, ParamTableIsWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_device_param_table, &err), PS_OK) << err.message;
}

TEST(Device, DefaultsMatchPrime)
{
    const ps_device_params p = defaults();
    // Differential std sqrt(2) * per-device std = 6.352 uS (docs/prime.md sec. 1).
    EXPECT_NEAR(std::sqrt(2.0) * p.form_std_uS, 6.352, 1e-12);
    EXPECT_DOUBLE_EQ(p.read_noise_rel, 0.02);
    EXPECT_DOUBLE_EQ(p.weight_per_uS, 0.01);
    EXPECT_EQ(p.read_noise_on, PS_DEVICE_NOISE_ON_WEIGHT);
}

TEST(Device, RejectsBadParams)
{
    ps_device *dev = nullptr;
    ps_error err{};
    ps_device_params p = defaults();
    p.g_max_uS = p.g_min_uS = 5.0;
    EXPECT_EQ(ps_device_create(&p, nullptr, &err, &dev), PS_ERR_RANGE);
    p = defaults();
    p.stuck_on_rate = 0.6;
    p.stuck_off_rate = 0.6;
    EXPECT_EQ(ps_device_create(&p, nullptr, &err, &dev), PS_ERR_RANGE);
    p = defaults();
    p.read_noise_rel = -0.1;
    EXPECT_EQ(ps_device_create(&p, nullptr, &err, &dev), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("read_noise_rel"), std::string::npos) << err.message;
    p = defaults();
    p.distribution = PS_DEVICE_DIST_TABLE;
    EXPECT_EQ(ps_device_create(&p, nullptr, &err, &dev), PS_ERR_INVALID_ARG);
    EXPECT_EQ(dev, nullptr);
    ps_device_destroy(nullptr);
}

TEST(Device, GaussianFormingMoments)
{
    const ps_device_params p = defaults();
    Device d(p);
    const size_t n = 200000;
    std::vector<double> g(n);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(ps_device_form(d.dev, kKey, i, &g[i]), PS_OK);
    const Moments m = moments(g);
    // Clipping at 0 uS is 4.45 std away: its effect (< 1e-5 relative) is far
    // below the tolerances.
    const double sd = p.form_std_uS;
    EXPECT_NEAR(m.mean, p.form_mean_uS, K * sd / std::sqrt(double(n)));
    EXPECT_NEAR(m.var, sd * sd, K * sd * sd * std::sqrt(2.0 / n));
}

TEST(Device, DifferentialWeightStd)
{
    const ps_device_params p = defaults();
    Device d(p);
    const size_t n = 100000;
    std::vector<double> w_uS(n), w(n);
    for (size_t i = 0; i < n; i++) {
        double gp, gn;
        ASSERT_EQ(ps_device_form_pair(d.dev, kKey, i, &gp, &gn), PS_OK);
        w_uS[i] = gp - gn;
        w[i] = ps_device_pair_weight(d.dev, gp, gn);
        EXPECT_DOUBLE_EQ(w[i], p.weight_per_uS * (gp - gn));
    }
    const Moments m = moments(w_uS);
    const double sd = 6.352; // PRIME reference: G+ - G- ~ N(0, 6.352^2) uS
    EXPECT_NEAR(m.mean, 0.0, K * sd / std::sqrt(double(n)));
    EXPECT_NEAR(m.var, sd * sd, K * sd * sd * std::sqrt(2.0 / n));
    const Moments mw = moments(w);
    const double sdw = 0.01 * 6.352;
    EXPECT_NEAR(mw.var, sdw * sdw, K * sdw * sdw * std::sqrt(2.0 / n));
}

TEST(Device, MixtureMomentsAndFraction)
{
    ps_device_params p = defaults();
    p.distribution = PS_DEVICE_DIST_MIXTURE;
    p.mix2_weight = 0.3;
    p.mix2_mean_uS = 2.0;
    p.mix2_std_uS = 0.5;
    Device d(p);
    const size_t n = 200000;
    std::vector<double> g(n);
    size_t below = 0;
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ(ps_device_form(d.dev, kKey, i, &g[i]), PS_OK);
        below += g[i] < 8.0;
    }
    const double w2 = 0.3, w1 = 0.7;
    const double m1 = p.form_mean_uS, s1 = p.form_std_uS, m2 = 2.0, s2 = 0.5;
    const double mean = w1 * m1 + w2 * m2;
    const double var = w1 * (s1 * s1 + m1 * m1) + w2 * (s2 * s2 + m2 * m2) - mean * mean;
    const Moments m = moments(g);
    EXPECT_NEAR(m.mean, mean, K * std::sqrt(var / n));
    // Variance tolerance from the sample's own fourth central moment.
    EXPECT_NEAR(m.var, var, K * std::sqrt((m.m4 - m.var * m.var) / n));
    // P(G < 8) = 0.7 Phi((8 - 20) / s1) + 0.3 Phi((8 - 2) / 0.5); component 2
    // is clipped at 0 with probability Phi(-4) * 0.3, which is still < 8.
    const double pb = w1 * Phi((8.0 - m1) / s1) + w2 * Phi((8.0 - m2) / s2);
    EXPECT_NEAR(double(below), n * pb, K * std::sqrt(n * pb * (1 - pb)));
}

TEST(Device, TableCdfPiecewiseLinear)
{
    // CDF 0 at 0 uS, 0.5 at 10 uS, 1 at 30 uS: uniform on [0, 10] with mass
    // 1/2 and on [10, 30] with mass 1/2. Mean = 0.5 * 5 + 0.5 * 20 = 12.5;
    // E[G^2] = 0.5 * 100/3 + 0.5 * (100 + 300 + 900)/3 = 700/3; var = 700/3 - 156.25.
    const double gs[] = {0.0, 10.0, 30.0}, cdf[] = {0.0, 0.5, 1.0};
    const ps_device_table t = {gs, cdf, 3, true};
    ps_device_params p = defaults();
    p.distribution = PS_DEVICE_DIST_TABLE;
    Device d(p, &t);
    const size_t n = 200000;
    std::vector<double> g(n);
    size_t below = 0;
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ(ps_device_form(d.dev, kKey, i, &g[i]), PS_OK);
        ASSERT_GE(g[i], 0.0);
        ASSERT_LE(g[i], 30.0);
        below += g[i] < 10.0;
    }
    const double var = 700.0 / 3.0 - 156.25;
    const Moments m = moments(g);
    EXPECT_NEAR(m.mean, 12.5, K * std::sqrt(var / n));
    EXPECT_NEAR(m.var, var, K * std::sqrt((m.m4 - m.var * m.var) / n));
    EXPECT_NEAR(double(below), n * 0.5, K * std::sqrt(n * 0.25));
}

TEST(Device, TableProbabilityLevels)
{
    const double gs[] = {5.0, 15.0, 40.0}, prob[] = {1.0, 2.0, 1.0}; // 1/4, 1/2, 1/4
    const ps_device_table t = {gs, prob, 3, false};
    ps_device_params p = defaults();
    p.distribution = PS_DEVICE_DIST_TABLE;
    Device d(p, &t);
    const size_t n = 100000;
    size_t count[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        double g;
        ASSERT_EQ(ps_device_form(d.dev, kKey, i, &g), PS_OK);
        int k = g == 5.0 ? 0 : g == 15.0 ? 1 : g == 40.0 ? 2 : -1;
        ASSERT_GE(k, 0) << g;
        count[k]++;
    }
    const double pk[3] = {0.25, 0.5, 0.25};
    for (int k = 0; k < 3; k++)
        EXPECT_NEAR(double(count[k]), n * pk[k], K * std::sqrt(n * pk[k] * (1 - pk[k])));
}

TEST(Device, TableCheckNamesTheEntry)
{
    ps_error err{};
    const double g_bad[] = {1.0, 3.0, 2.0}, v[] = {0.1, 0.5, 1.0};
    ps_device_table t = {g_bad, v, 3, true};
    EXPECT_EQ(ps_device_table_check(&t, &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("entry 2"), std::string::npos) << err.message;
    const double g_ok[] = {1.0, 2.0, 3.0}, v_short[] = {0.1, 0.5, 0.9};
    t = {g_ok, v_short, 3, true};
    EXPECT_EQ(ps_device_table_check(&t, &err), PS_ERR_FORMAT); // does not end at 1
    const double v_neg[] = {1.0, -1.0, 1.0};
    t = {g_ok, v_neg, 3, false};
    EXPECT_EQ(ps_device_table_check(&t, &err), PS_ERR_RANGE);
}

TEST(Device, ResetPairsOffState)
{
    const ps_device_params p = defaults();
    Device d(p);
    const size_t n = 100000;
    std::vector<double> g(2 * n), w(n);
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ(ps_device_reset_pair(d.dev, kKey, i, &g[2 * i], &g[2 * i + 1]), PS_OK);
        w[i] = g[2 * i] - g[2 * i + 1];
    }
    // reset_mean 0.5 is 5 std above g_min 0: clipping is negligible.
    const Moments m = moments(g);
    const double sd = p.reset_std_uS;
    EXPECT_NEAR(m.mean, p.reset_mean_uS, K * sd / std::sqrt(2.0 * n));
    EXPECT_NEAR(m.var, sd * sd, K * sd * sd * std::sqrt(2.0 / (2.0 * n)));
    const Moments mw = moments(w);
    EXPECT_NEAR(mw.var, 2 * sd * sd, K * 2 * sd * sd * std::sqrt(2.0 / n));
    ps_device_stats st;
    ASSERT_EQ(ps_device_stats(d.dev, &st), PS_OK);
    EXPECT_EQ(st.cells_reset, 2 * n);
}

TEST(Device, ProgrammingNoiseAndClipping)
{
    ps_device_params p = defaults();
    p.program_noise_rel = 0.05;
    Device d(p);
    const size_t n = 100000;
    std::vector<double> g(n);
    for (size_t i = 0; i < n; i++)
        ASSERT_EQ(ps_device_program(d.dev, kKey, i, 30.0, &g[i]), PS_OK);
    const double sd = 0.05 * 30.0;
    const Moments m = moments(g);
    EXPECT_NEAR(m.mean, 30.0, K * sd / std::sqrt(double(n)));
    EXPECT_NEAR(m.var, sd * sd, K * sd * sd * std::sqrt(2.0 / n));
    double top;
    ASSERT_EQ(ps_device_program(d.dev, kKey, 0, 1e4, &top), PS_OK);
    EXPECT_EQ(top, p.g_max_uS);
}

TEST(Device, ReadNoiseIsRelativePerRead)
{
    const ps_device_params p = defaults();
    Device d(p);
    const size_t n = 100000;
    std::vector<double> r(n);
    for (size_t i = 0; i < n; i++)
        r[i] = ps_device_read(d.dev, kKey, i, 7, 10.0); // read i of cell 7
    const double sd = 0.02 * 10.0;
    const Moments m = moments(r);
    EXPECT_NEAR(m.mean, 10.0, K * sd / std::sqrt(double(n)));
    EXPECT_NEAR(m.var, sd * sd, K * sd * sd * std::sqrt(2.0 / n));
    // Keyed, not sequenced: the same (read, cell) gives the same value.
    EXPECT_EQ(ps_device_read(d.dev, kKey, 3, 7, 10.0), r[3]);
    EXPECT_NE(ps_device_read(d.dev, kKey, 3, 8, 10.0), r[3]);
}

TEST(Device, FaultsAtTheirRates)
{
    ps_device_params p = defaults();
    p.stuck_on_rate = 0.01;
    p.stuck_off_rate = 0.02;
    Device d(p);
    const size_t n = 200000;
    size_t on = 0, off = 0;
    for (size_t i = 0; i < n; i++) {
        double g;
        ASSERT_EQ(ps_device_form(d.dev, kKey, i, &g), PS_OK);
        const ps_device_fault f = ps_device_fault_of(d.dev, kKey, i);
        if (f == PS_DEVICE_STUCK_ON) {
            on++;
            EXPECT_EQ(g, p.g_max_uS);
        } else if (f == PS_DEVICE_STUCK_OFF) {
            off++;
            EXPECT_EQ(g, p.g_min_uS);
            // A stuck cell ignores RESET and programming too.
            double r;
            ASSERT_EQ(ps_device_reset_cell(d.dev, kKey, i, &r), PS_OK);
            EXPECT_EQ(r, p.g_min_uS);
        }
    }
    EXPECT_NEAR(double(on), n * 0.01, K * std::sqrt(n * 0.01 * 0.99));
    EXPECT_NEAR(double(off), n * 0.02, K * std::sqrt(n * 0.02 * 0.98));
    ps_device_stats st;
    ASSERT_EQ(ps_device_stats(d.dev, &st), PS_OK);
    EXPECT_EQ(st.cells_formed, n);
    EXPECT_EQ(st.cells_stuck_on, on);
    EXPECT_EQ(st.cells_stuck_off, 2 * off); // formed and reset
    ps_device_reset(d.dev);
    ASSERT_EQ(ps_device_stats(d.dev, &st), PS_OK);
    EXPECT_EQ(st.cells_formed, 0u);
}

TEST(Device, DriftPowerLaw)
{
    ps_device_params p = defaults();
    p.drift_nu = 0.1;
    p.drift_t0_s = 1.0;
    p.g_min_uS = 1.0;
    Device d(p);
    // 50 * (1000 / 1)^-0.1 = 50 * 10^-0.3
    EXPECT_NEAR(ps_device_drift(d.dev, 50.0, 1000.0), 50.0 * std::pow(10.0, -0.3), 1e-12);
    EXPECT_EQ(ps_device_drift(d.dev, 50.0, 0.5), 50.0); // before t0
    EXPECT_EQ(ps_device_drift(d.dev, 50.0, 1.0), 50.0);
    // 2 * (1e10)^-0.1 = 0.2 is below g_min = 1: floored.
    EXPECT_EQ(ps_device_drift(d.dev, 2.0, 1e10), 1.0);
    p.drift_nu = 0.0;
    Device none(p);
    EXPECT_EQ(ps_device_drift(none.dev, 50.0, 1e6), 50.0);
}

TEST(Device, DrawsDependOnKeyNotOrder)
{
    const ps_device_params p = defaults();
    Device a(p), b(p);
    std::vector<double> fwd(100), rev(100);
    for (size_t i = 0; i < 100; i++)
        ps_device_form(a.dev, kKey, i, &fwd[i]);
    for (size_t i = 100; i-- > 0;)
        ps_device_form(b.dev, kKey, i, &rev[i]);
    EXPECT_EQ(fwd, rev);
    const ps_device_key other = {kKey.seed, ps_rng_stream_of("test.other")};
    double g;
    ps_device_form(a.dev, other, 0, &g);
    EXPECT_NE(g, fwd[0]);
}

// ---- CSV reader ----------------------------------------------------------

namespace {

std::string parse_error(const std::string &text)
{
    ps_device_table_data t{};
    ps_error err{};
    if (ps_device_table_parse(text.data(), text.size(), "g.csv", &t, &err) == PS_OK) {
        ps_device_table_data_free(&t);
        return "";
    }
    return err.message;
}

} // namespace

TEST(DeviceTableCsv, ParsesCdfAndProbability)
{
    const std::string text = "# measured after forming\n"
                             "conductance_uS, cdf\n"
                             "0, 0\n\n"
                             "10,0.5\n"
                             "30 ,1\n";
    ps_device_table_data t{};
    ps_error err{};
    ASSERT_EQ(ps_device_table_parse(text.data(), text.size(), "g.csv", &t, &err), PS_OK)
        << err.message;
    ASSERT_EQ(t.count, 3u);
    EXPECT_TRUE(t.is_cdf);
    EXPECT_EQ(t.g_uS[2], 30.0);
    EXPECT_EQ(t.value[1], 0.5);
    const ps_device_table view = ps_device_table_view(&t);
    EXPECT_EQ(ps_device_table_check(&view, &err), PS_OK);
    ps_device_table_data_free(&t);

    const std::string prob = "conductance_uS,probability\n5,1\n15,2\n";
    ASSERT_EQ(ps_device_table_parse(prob.data(), prob.size(), "p.csv", &t, &err), PS_OK);
    EXPECT_FALSE(t.is_cdf);
    EXPECT_EQ(t.count, 2u);
    ps_device_table_data_free(&t);
}

TEST(DeviceTableCsv, ErrorsNameFileAndLine)
{
    EXPECT_EQ(parse_error("g,cdf\n1,1\n").rfind("g.csv:1:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,pdf\n").rfind("g.csv:1:", 0), 0u);
    EXPECT_EQ(parse_error("# c\nconductance_uS,cdf\n0,0\n1,abc\n").rfind("g.csv:4:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,cdf\n0,0\n2,0.5\n1,1\n").rfind("g.csv:4:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,cdf\n0,0.5\n2,0.4\n").rfind("g.csv:3:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,cdf\n0,0\n2,0.9\n").rfind("g.csv:3:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,probability\n-1,1\n").rfind("g.csv:2:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,probability\n1,1,1\n").rfind("g.csv:2:", 0), 0u);
    EXPECT_EQ(parse_error("conductance_uS,probability\n").rfind("g.csv:", 0), 0u);
    EXPECT_EQ(parse_error("").rfind("g.csv:", 0), 0u);
}

TEST(DeviceTableCsv, LoadsAFileAndFeedsTheDevice)
{
    const std::string path = ::testing::TempDir() + "device_table_test.csv";
    FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("conductance_uS,probability\n5,1\n15,3\n", f);
    std::fclose(f);
    ps_device_table_data t{};
    ps_error err{};
    ASSERT_EQ(ps_device_table_load(path.c_str(), &t, &err), PS_OK) << err.message;
    const ps_device_table view = ps_device_table_view(&t);
    ps_device_params p = defaults();
    p.distribution = PS_DEVICE_DIST_TABLE;
    {
        Device d(p, &view);
        ps_device_table_data_free(&t); // the device keeps its own copy
        double g;
        ASSERT_EQ(ps_device_form(d.dev, kKey, 0, &g), PS_OK);
        EXPECT_TRUE(g == 5.0 || g == 15.0);
    }
    EXPECT_NE(ps_device_table_load((path + ".missing").c_str(), &t, &err), PS_OK);
    EXPECT_NE(std::string(err.message).find(".missing"), std::string::npos);
    std::remove(path.c_str());
}
