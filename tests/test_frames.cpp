// Frame binning against hand-computed examples: SpikingJelly's equal event
// count and equal duration (integer widths, the last bin takes the rest),
// binarisation, first saccade only, empty and unordered input.
#include <gtest/gtest.h>

#include <vector>

#include "data/frames.h"

namespace {

ps_frames_params params(int64_t bins, ps_frames_split split)
{
    ps_frames_params p;
    ps_params_set_defaults(&ps_frames_param_table, &p);
    p.bins = bins;
    p.split_by = split;
    return p;
}

float at(const std::vector<float> &f, int bin, int pol, int y, int x)
{
    return f[((size_t)(bin * 2 + pol) * 34 + y) * 34 + x];
}

float bin_total(const std::vector<float> &f, int bin)
{
    float s = 0;
    for (size_t i = 0; i < 2 * 34 * 34; i++)
        s += f[bin * 2 * 34 * 34 + i];
    return s;
}

// Seven events; events 3 and 4 hit the same pixel and polarity.
const std::vector<ps_event> kEvents = {
    {0, 1, 2, 1, 0},  {5, 3, 4, 0, 0},   {25, 5, 6, 1, 0}, {26, 7, 8, 1, 0},
    {27, 7, 8, 1, 0}, {41, 33, 33, 0, 0}, {59, 0, 0, 1, 0},
};

// Events at the given times, each at its own pixel (x = index) so a bin's
// content can be read event by event.
std::vector<ps_event> at_times(const std::vector<uint32_t> &t)
{
    std::vector<ps_event> ev;
    for (size_t i = 0; i < t.size(); i++)
        ev.push_back({t[i], (uint8_t)i, 0, 1, 0});
    return ev;
}

std::vector<float> totals(const ps_frames_params &p, const std::vector<ps_event> &ev)
{
    std::vector<float> f(ps_frames_size(&p), -1.0f);
    EXPECT_EQ(ps_frames_bin(&p, ev.data(), ev.size(), f.data(), nullptr), PS_OK);
    std::vector<float> out;
    for (int b = 0; b < p.bins; b++)
        out.push_back(bin_total(f, b));
    return out;
}

TEST(Frames, ByCountPutsNOverTEventsPerBinAndTheRestInTheLast)
{
    // T = 3, N = 7: d = 7 // 3 = 2, bin min(j // 2, 2) for j = 0..6 is
    // 0 0 1 1 2 2 2: bins hold 2, 2, 3.
    ps_frames_params p = params(3, PS_FRAMES_BY_COUNT);
    std::vector<float> f(ps_frames_size(&p), -1.0f);
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0), 2.0f);
    EXPECT_EQ(bin_total(f, 1), 2.0f);
    EXPECT_EQ(bin_total(f, 2), 3.0f);
    EXPECT_EQ(at(f, 0, 1, 2, 1), 1.0f); // event 0: ON at x 1, y 2
    EXPECT_EQ(at(f, 0, 0, 4, 3), 1.0f); // event 1: OFF
    EXPECT_EQ(at(f, 1, 1, 6, 5), 1.0f); // event 2
    EXPECT_EQ(at(f, 1, 1, 8, 7), 1.0f); // event 3 ...
    EXPECT_EQ(at(f, 2, 1, 8, 7), 1.0f); // ... and event 4 at the same pixel, one bin later
    EXPECT_EQ(at(f, 2, 0, 33, 33), 1.0f);
    EXPECT_EQ(at(f, 2, 1, 0, 0), 1.0f);
    EXPECT_EQ(at(f, 2, 0, 0, 0), 0.0f); // the other polarity stays empty

    // N = 10, T = 4: d = 2, bins 0 0 1 1 2 2 3 3 3 3 -> 2, 2, 2, 4 (the old
    // floor(j T / N) gave 3, 2, 3, 2; Tonic's n_event_bins 2, 2, 2, 2 and
    // drops the last two).
    p.bins = 4;
    const auto ten = at_times({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    EXPECT_EQ(totals(p, ten), (std::vector<float>{2, 2, 2, 4}));
    p.bins = 3; // d = 3: 3, 3, 4; events 0-2 in bin 0, 9 in bin 2
    std::vector<float> g(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, ten.data(), ten.size(), g.data(), nullptr), PS_OK);
    EXPECT_EQ(at(g, 0, 1, 0, 2), 1.0f);
    EXPECT_EQ(at(g, 1, 1, 0, 3), 1.0f);
    EXPECT_EQ(at(g, 1, 1, 0, 5), 1.0f);
    EXPECT_EQ(at(g, 2, 1, 0, 6), 1.0f);
    EXPECT_EQ(at(g, 2, 1, 0, 9), 1.0f);
    // Fewer events than bins: d = 0, everything in the last bin.
    p.bins = 4;
    EXPECT_EQ(totals(p, at_times({0, 10, 20})), (std::vector<float>{0, 0, 0, 3}));
    // Exactly divisible: no remainder, equal bins.
    EXPECT_EQ(totals(p, at_times({0, 1, 2, 3, 4, 5, 6, 7})), (std::vector<float>{2, 2, 2, 2}));
}

TEST(Frames, ByDurationUsesWholeMicrosecondBinsAndTheLastTakesTheRest)
{
    // span 59 us, T = 3: dt = 59 // 3 = 19, bin min(t // 19, 2):
    // t 0 5 | 25 26 27 | 41 59 (41 // 19 = 2, 59 // 19 = 3 -> 2) -> 2, 3, 2.
    ps_frames_params p = params(3, PS_FRAMES_BY_DURATION);
    std::vector<float> f(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0), 2.0f);
    EXPECT_EQ(bin_total(f, 1), 3.0f);
    EXPECT_EQ(bin_total(f, 2), 2.0f);
    EXPECT_EQ(at(f, 1, 1, 6, 5), 1.0f); // event 2 (t 25)
    EXPECT_EQ(at(f, 1, 1, 8, 7), 2.0f); // events 3 and 4: counted, not binarised

    // t_first 100, t_last 400, T = 3: dt = 100, bins [100, 200) [200, 300)
    // [300, 400]: 100 130 160 199 | 200 250 299 | 300 305 400 -> 4, 3, 3.
    // (The old span + 1 rule put t 200 in bin 0 and 299 in bin 1: 5, 3, 2;
    // Tonic's n_time_bins gives 4, 3, 2 and drops t 400.)
    const auto ev = at_times({100, 130, 160, 199, 200, 250, 299, 300, 305, 400});
    EXPECT_EQ(totals(p, ev), (std::vector<float>{4, 3, 3}));
    std::vector<float> g(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, ev.data(), ev.size(), g.data(), nullptr), PS_OK);
    EXPECT_EQ(at(g, 0, 1, 0, 3), 1.0f); // t 199
    EXPECT_EQ(at(g, 1, 1, 0, 4), 1.0f); // t 200 opens bin 1
    EXPECT_EQ(at(g, 2, 1, 0, 7), 1.0f); // t 300 opens bin 2
    EXPECT_EQ(at(g, 2, 1, 0, 9), 1.0f); // t_last in the last bin
    // A span not divisible by T: 0..10 us, dt = 3, bins [0, 3) [3, 6) [6, 10]:
    // 0 2 | 3 5 | 6 9 10 -> 2, 2, 3 (9 // 3 = 3 and 10 // 3 = 3 go to bin 2).
    EXPECT_EQ(totals(p, at_times({0, 2, 3, 5, 6, 9, 10})), (std::vector<float>{2, 2, 3}));
    // An empty bin stays empty: 0 1 | - | 50 60 with dt = 20.
    EXPECT_EQ(totals(p, at_times({0, 1, 50, 60})), (std::vector<float>{2, 0, 2}));
    // A span under T us: dt = 1 // 3 = 0, everything in the last bin.
    EXPECT_EQ(totals(p, at_times({5, 5, 6})), (std::vector<float>{0, 0, 3}));
}

TEST(Frames, BinariseTurnsCountsIntoOnes)
{
    // By duration, bin 1 holds event 2 at (5, 6) and events 3, 4 at (7, 8).
    ps_frames_params p = params(3, PS_FRAMES_BY_DURATION);
    p.binarise = true;
    std::vector<float> f(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(at(f, 1, 1, 8, 7), 1.0f);
    EXPECT_EQ(bin_total(f, 1), 2.0f);
}

TEST(Frames, FirstSaccadeOnlyKeepsEarlyEvents)
{
    // Cut at 0.03 ms = 30 us keeps t 0 5 25 26 27 (N = 5); by count with
    // T = 3: d = 1, bins min(j, 2) = 0 1 2 2 2 -> 1, 1, 3.
    ps_frames_params p = params(3, PS_FRAMES_BY_COUNT);
    p.first_saccade_only = true;
    p.first_saccade_ms = 0.03;
    std::vector<float> f(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0), 1.0f);
    EXPECT_EQ(bin_total(f, 1), 1.0f);
    EXPECT_EQ(bin_total(f, 2), 3.0f);
    EXPECT_EQ(at(f, 2, 1, 8, 7), 2.0f); // events 3 and 4
    EXPECT_EQ(at(f, 2, 0, 33, 33), 0.0f); // t 41 is cut
    // Default cut is 100 ms = 100000 us: the same events all stay.
    p.first_saccade_ms = 100;
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0) + bin_total(f, 1) + bin_total(f, 2), 7.0f);
}

TEST(Frames, EmptyInputGivesZeroFramesAndUnorderedIsRefused)
{
    ps_frames_params p = params(10, PS_FRAMES_BY_DURATION);
    EXPECT_EQ(ps_frames_size(&p), 10u * 2 * 34 * 34);
    std::vector<float> f(ps_frames_size(&p), 5.0f);
    ASSERT_EQ(ps_frames_bin(&p, nullptr, 0, f.data(), nullptr), PS_OK);
    for (float v : f)
        ASSERT_EQ(v, 0.0f);
    const std::vector<ps_event> unordered = {{10, 0, 0, 1, 0}, {9, 0, 0, 1, 0}};
    ps_error err{};
    EXPECT_EQ(ps_frames_bin(&p, unordered.data(), 2, f.data(), &err), PS_ERR_INVALID_ARG);
    // One event: dt = 0 (and by count d = 0), it lands in the last bin.
    const std::vector<ps_event> one = {{77, 4, 5, 0, 0}};
    ASSERT_EQ(ps_frames_bin(&p, one.data(), 1, f.data(), nullptr), PS_OK);
    EXPECT_EQ(at(f, 9, 0, 5, 4), 1.0f);
    p.split_by = PS_FRAMES_BY_COUNT;
    ASSERT_EQ(ps_frames_bin(&p, one.data(), 1, f.data(), nullptr), PS_OK);
    EXPECT_EQ(at(f, 9, 0, 5, 4), 1.0f);
    p.bins = 0;
    EXPECT_EQ(ps_frames_bin(&p, one.data(), 1, f.data(), &err), PS_ERR_RANGE);
}

} // namespace
