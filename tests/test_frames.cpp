// Frame binning against hand-computed examples: equal event count, equal
// duration, binarisation, first saccade only, empty and unordered input.
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

TEST(Frames, ByCountPutsEventJInBinFloorJTOverN)
{
    // T = 3, N = 7: floor(3j/7) for j = 0..6 is 0 0 0 1 1 2 2.
    ps_frames_params p = params(3, PS_FRAMES_BY_COUNT);
    std::vector<float> f(ps_frames_size(&p), -1.0f);
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0), 3.0f);
    EXPECT_EQ(bin_total(f, 1), 2.0f);
    EXPECT_EQ(bin_total(f, 2), 2.0f);
    EXPECT_EQ(at(f, 0, 1, 2, 1), 1.0f); // event 0: ON at x 1, y 2
    EXPECT_EQ(at(f, 0, 0, 4, 3), 1.0f); // event 1: OFF
    EXPECT_EQ(at(f, 0, 1, 6, 5), 1.0f); // event 2
    EXPECT_EQ(at(f, 1, 1, 8, 7), 2.0f); // events 3 and 4 counted, not binarised
    EXPECT_EQ(at(f, 2, 0, 33, 33), 1.0f);
    EXPECT_EQ(at(f, 2, 1, 0, 0), 1.0f);
    EXPECT_EQ(at(f, 2, 0, 0, 0), 0.0f); // the other polarity stays empty
}

TEST(Frames, ByDurationSplitsTheSpanIntoEqualTimes)
{
    // span = 59 - 0 + 1 = 60 us, bin = floor(3t/60) = floor(t/20):
    // t 0 5 | 25 26 27 | 41 59  ->  2, 3, 2 events.
    ps_frames_params p = params(3, PS_FRAMES_BY_DURATION);
    std::vector<float> f(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0), 2.0f);
    EXPECT_EQ(bin_total(f, 1), 3.0f);
    EXPECT_EQ(bin_total(f, 2), 2.0f);
    EXPECT_EQ(at(f, 1, 1, 6, 5), 1.0f); // event 2 (t 25) moved to bin 1
    EXPECT_EQ(at(f, 1, 1, 8, 7), 2.0f);
}

TEST(Frames, BinariseTurnsCountsIntoOnes)
{
    ps_frames_params p = params(3, PS_FRAMES_BY_COUNT);
    p.binarise = true;
    std::vector<float> f(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(at(f, 1, 1, 8, 7), 1.0f);
    EXPECT_EQ(bin_total(f, 1), 1.0f);
}

TEST(Frames, FirstSaccadeOnlyKeepsEarlyEvents)
{
    // Cut at 0.03 ms = 30 us keeps t 0 5 25 26 27 (N = 5); by count with
    // T = 3: floor(3j/5) = 0 0 1 1 2.
    ps_frames_params p = params(3, PS_FRAMES_BY_COUNT);
    p.first_saccade_only = true;
    p.first_saccade_ms = 0.03;
    std::vector<float> f(ps_frames_size(&p));
    ASSERT_EQ(ps_frames_bin(&p, kEvents.data(), kEvents.size(), f.data(), nullptr), PS_OK);
    EXPECT_EQ(bin_total(f, 0), 2.0f);
    EXPECT_EQ(bin_total(f, 1), 2.0f);
    EXPECT_EQ(bin_total(f, 2), 1.0f);
    EXPECT_EQ(at(f, 2, 1, 8, 7), 1.0f); // event 4
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
    // One event: span 1 us, it lands in bin 0.
    const std::vector<ps_event> one = {{77, 4, 5, 0, 0}};
    ASSERT_EQ(ps_frames_bin(&p, one.data(), 1, f.data(), nullptr), PS_OK);
    EXPECT_EQ(at(f, 0, 0, 5, 4), 1.0f);
    p.bins = 0;
    EXPECT_EQ(ps_frames_bin(&p, one.data(), 1, f.data(), &err), PS_ERR_RANGE);
}

} // namespace
