// The counter-based RNG: known answers, determinism, stream independence
// and distribution moments. Tolerances are 5 standard errors of the
// estimate for n draws, so a correct generator fails with p < 1e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common/rng.h"

namespace {

const int kDraws = 200000;

double tolerance(double sd_of_one_draw) { return 5.0 * sd_of_one_draw / std::sqrt(double(kDraws)); }

} // namespace

// Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter[4], key[2] -> out[4].
TEST(Rng, PhiloxKnownAnswers)
{
    struct Kat {
        uint32_t ctr[4], key[2], out[4];
    } kats[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (const auto &k : kats) {
        uint32_t out[4];
        ps_philox4x32_10(k.ctr, k.key, out);
        for (int i = 0; i < 4; i++)
            EXPECT_EQ(out[i], k.out[i]);
    }
}

// (seed, stream, index) = (0, 0, 0) is the all-zero Philox block; its first
// two words, low word first, are the 64-bit draw.
TEST(Rng, KeyLayoutMatchesPhilox)
{
    EXPECT_EQ(ps_rng_u64(0, 0, 0), 0xe169c58d6627e8d5ull);
    // seed = key, index = counter words 0-1, stream = counter words 2-3.
    uint32_t ctr[4] = {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, key[2] = {0xa4093822, 0x299f31d0};
    uint32_t out[4];
    ps_philox4x32_10(ctr, key, out);
    EXPECT_EQ(ps_rng_u64(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3243f6a88ull),
              (uint64_t)out[0] | ((uint64_t)out[1] << 32));
}

TEST(Rng, DeterministicWhateverTheOrder)
{
    std::vector<double> forward, backward(1000);
    for (int i = 0; i < 1000; i++)
        forward.push_back(ps_rng_normal(42, 7, i));
    for (int i = 999; i >= 0; i--)
        backward[i] = ps_rng_normal(42, 7, i);
    EXPECT_EQ(forward, backward);
    ps_rng cursor = ps_rng_at(42, 7, 0);
    for (int i = 0; i < 1000; i++)
        EXPECT_EQ(ps_rng_next_normal(&cursor), forward[i]);
}

TEST(Rng, SeedsStreamsAndIndicesAllMatter)
{
    const uint64_t base = ps_rng_u64(1, 2, 3);
    EXPECT_NE(base, ps_rng_u64(2, 2, 3));
    EXPECT_NE(base, ps_rng_u64(1, 3, 3));
    EXPECT_NE(base, ps_rng_u64(1, 2, 4));
    EXPECT_NE(ps_rng_substream(5, 0), ps_rng_substream(5, 1));
    EXPECT_NE(ps_rng_substream(5, 0), ps_rng_substream(6, 0));
}

// FNV-1a 64 reference values: the offset basis for "", and "a" from the
// FNV test suite (Fowler, Noll, Vo).
TEST(Rng, StreamOfPathIsFnv1a)
{
    EXPECT_EQ(ps_rng_stream_of(""), 0xcbf29ce484222325ull);
    EXPECT_EQ(ps_rng_stream_of("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_NE(ps_rng_stream_of("tiles[0].adc"), ps_rng_stream_of("tiles[1].adc"));
}

TEST(Rng, UniformMoments)
{
    double sum = 0, sum2 = 0, lo = 1, hi = 0;
    for (int i = 0; i < kDraws; i++) {
        double u = ps_rng_uniform(9, 1, i);
        sum += u;
        sum2 += u * u;
        lo = std::min(lo, u);
        hi = std::max(hi, u);
    }
    const double mean = sum / kDraws, var = sum2 / kDraws - mean * mean;
    EXPECT_GE(lo, 0.0);
    EXPECT_LT(hi, 1.0);
    EXPECT_NEAR(mean, 0.5, tolerance(std::sqrt(1.0 / 12)));
    // Var(U^2) = E[U^4] - E[U^2]^2 = 1/5 - 1/9 = 4/45.
    EXPECT_NEAR(var, 1.0 / 12, tolerance(std::sqrt(4.0 / 45)));
}

TEST(Rng, NormalMoments)
{
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (int i = 0; i < kDraws; i++) {
        double z = ps_rng_normal(11, 2, i);
        m1 += z;
        m2 += z * z;
        m3 += z * z * z;
        m4 += z * z * z * z;
    }
    m1 /= kDraws, m2 /= kDraws, m3 /= kDraws, m4 /= kDraws;
    // Standard deviations of one draw: z -> 1, z^2 -> sqrt(2), z^3 -> sqrt(15), z^4 -> sqrt(96).
    EXPECT_NEAR(m1, 0.0, tolerance(1.0));
    EXPECT_NEAR(m2, 1.0, tolerance(std::sqrt(2.0)));
    EXPECT_NEAR(m3, 0.0, tolerance(std::sqrt(15.0)));
    EXPECT_NEAR(m4, 3.0, tolerance(std::sqrt(96.0)));
}

TEST(Rng, EveryBitIsFair)
{
    int ones[64] = {0};
    for (int i = 0; i < kDraws; i++) {
        uint64_t v = ps_rng_u64(3, 3, i);
        for (int b = 0; b < 64; b++)
            ones[b] += (v >> b) & 1;
    }
    for (int b = 0; b < 64; b++)
        EXPECT_NEAR(ones[b] / double(kDraws), 0.5, tolerance(0.5)) << "bit " << b;
}

// Neighbouring streams and neighbouring seeds are uncorrelated: the sample
// correlation of n independent pairs has standard error 1/sqrt(n).
TEST(Rng, StreamsAndSeedsAreIndependent)
{
    auto correlation = [](auto a, auto b) {
        double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < kDraws; i++) {
            double x = a(i), y = b(i);
            sa += x, sb += y, sab += x * y, saa += x * x, sbb += y * y;
        }
        const double n = kDraws;
        return (sab / n - sa / n * sb / n) /
               std::sqrt((saa / n - sa / n * sa / n) * (sbb / n - sb / n * sb / n));
    };
    EXPECT_NEAR(correlation([](int i) { return ps_rng_normal(1, 0, i); },
                            [](int i) { return ps_rng_normal(1, 1, i); }),
                0.0, tolerance(1.0));
    EXPECT_NEAR(correlation([](int i) { return ps_rng_normal(1, 0, i); },
                            [](int i) { return ps_rng_normal(2, 0, i); }),
                0.0, tolerance(1.0));
    EXPECT_NEAR(correlation([](int i) { return ps_rng_uniform(1, 0, i); },
                            [](int i) { return ps_rng_uniform(1, 0, i + 1); }),
                0.0, tolerance(1.0));
}

// The ziggurat normals: pure functions of (seed, stream, index), however a
// range is split into calls; the moments of N(0, 1); the tail beyond the
// ziggurat's base strip (|z| > r = 3.4426, reached only through the slow
// path) at its exact rate 2 (1 - Phi(r)); and the fraction below a few
// quantiles of N(0, 1) (a coarse Kolmogorov check of the strips' shapes).
TEST(Rng, NormalFillIsKeyedNotSequential)
{
    std::vector<double> whole(1000), parts(1000);
    ps_rng_normal_fill(5, 9, 100, whole.size(), whole.data());
    size_t at = 0;
    for (size_t len : {1, 3, 250, 7, 739}) {
        ps_rng_normal_fill(5, 9, 100 + at, len, parts.data() + at);
        at += len;
    }
    ASSERT_EQ(at, whole.size());
    EXPECT_EQ(std::memcmp(whole.data(), parts.data(), whole.size() * sizeof(double)), 0);
    double other[4];
    ps_rng_normal_fill(5, 10, 100, 4, other); // another stream differs
    EXPECT_NE(std::memcmp(whole.data(), other, sizeof other), 0);
}

TEST(Rng, NormalFillMomentsTailAndQuantiles)
{
    const size_t n = 4000000;
    std::vector<double> z(n);
    ps_rng_normal_fill(11, 2, 0, n, z.data());
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    size_t tail = 0, below[5] = {0, 0, 0, 0, 0};
    // Phi(q) for q = -1.96, -1, 0, 0.5, 2.5758 (standard normal table).
    const double q[5] = {-1.959963984540054, -1.0, 0.0, 0.5, 2.5758293035489};
    const double phi[5] = {0.025, 0.15865525393145707, 0.5, 0.6914624612740131, 0.995};
    for (double v : z) {
        m1 += v, m2 += v * v, m3 += v * v * v, m4 += v * v * v * v;
        tail += std::fabs(v) > 3.442619855899;
        for (int k = 0; k < 5; k++)
            below[k] += v < q[k];
    }
    const double N = (double)n;
    auto tol = [&](double sd) { return 5.0 * sd / std::sqrt(N); };
    EXPECT_NEAR(m1 / N, 0.0, tol(1.0));
    EXPECT_NEAR(m2 / N, 1.0, tol(std::sqrt(2.0)));
    EXPECT_NEAR(m3 / N, 0.0, tol(std::sqrt(15.0)));
    EXPECT_NEAR(m4 / N, 3.0, tol(std::sqrt(96.0)));
    const double p_tail = std::erfc(3.442619855899 / std::sqrt(2.0)); // 2 (1 - Phi(r))
    EXPECT_NEAR(tail / N, p_tail, tol(std::sqrt(p_tail * (1 - p_tail))));
    for (int k = 0; k < 5; k++)
        EXPECT_NEAR(below[k] / N, phi[k], tol(std::sqrt(phi[k] * (1 - phi[k])))) << "q = " << q[k];
}
