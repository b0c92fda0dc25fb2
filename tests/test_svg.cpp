// SVG plot helpers: 1-2-5 steps and nice axes, log ticks, tick and value
// labels, label overlap, the left margin fitted to the tick labels. Every
// expected value is worked by hand in the comment beside it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "svg.h"

namespace fs = std::filesystem;

namespace {

std::vector<double> ticks(ps_svg_axis a)
{
    ps_svg_nice_axis(&a);
    double v[PS_SVG_MAX_TICKS];
    return std::vector<double>(v, v + ps_svg_ticks(&a, v, PS_SVG_MAX_TICKS));
}

std::vector<std::string> labels(ps_svg_axis a)
{
    ps_svg_nice_axis(&a);
    double v[PS_SVG_MAX_TICKS];
    const size_t n = ps_svg_ticks(&a, v, PS_SVG_MAX_TICKS);
    std::vector<std::string> out;
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        ps_svg_tick_label(&a, v[i], buf, sizeof buf);
        out.push_back(buf);
    }
    return out;
}

std::string value(double v)
{
    char buf[64];
    ps_svg_value_label(v, buf, sizeof buf);
    return buf;
}

using S = std::vector<std::string>;

TEST(Svg, NiceStepIsOneTwoOrFiveTimesAPowerOfTen)
{
    EXPECT_DOUBLE_EQ(ps_svg_nice_step(93, 5), 20);   // 18.6 -> 20
    EXPECT_DOUBLE_EQ(ps_svg_nice_step(0.7, 5), 0.2); // 0.14 -> 0.2
    EXPECT_DOUBLE_EQ(ps_svg_nice_step(2, 5), 0.5);   // 0.4 -> 0.5
    EXPECT_DOUBLE_EQ(ps_svg_nice_step(10, 5), 2);    // exactly 2 stays 2
    EXPECT_DOUBLE_EQ(ps_svg_nice_step(31, 5), 10);   // 6.2 -> 10
    EXPECT_DOUBLE_EQ(ps_svg_nice_step(0, 5), 1);     // empty span: a unit step
}

TEST(Svg, LinearAxesEndOnTicks)
{
    // Accuracy 0..93 %: the old axis labelled 18.6, 37.2, 55.8, 74.4, 93.
    ps_svg_axis a = {0, 93, false, false, 0};
    EXPECT_EQ(labels(a), (S{"0", "20", "40", "60", "80", "100"}));
    // 91..93 %: step 0.5, one decimal everywhere.
    a = {91, 93, false, false, 0};
    EXPECT_EQ(labels(a), (S{"91.0", "91.5", "92.0", "92.5", "93.0"}));
    // Thresholds 0.2..0.9: step 0.2 (0.7 / 5 = 0.14), the end widened to 1.0;
    // the old axis labelled 0.34, 0.48, 0.62, 0.76.
    a = {0.2, 0.9, false, false, 0};
    EXPECT_EQ(labels(a), (S{"0.2", "0.4", "0.6", "0.8", "1.0"}));
    EXPECT_EQ(ticks(a)[1], 0.4); // k * step, no accumulated rounding
    // One value, 93: widened by 5 % either side (88.35..97.65, step 2) to 88..98.
    a = {93, 93, false, false, 0};
    EXPECT_EQ(labels(a), (S{"88", "90", "92", "94", "96", "98"}));
}

TEST(Svg, IntegerAxesTickWholeNumbers)
{
    // Counts 0..2 would get a 0.5 step (2 / 5 = 0.4); an integer axis uses 1.
    ps_svg_axis a = {0, 2, false, true, 0};
    EXPECT_EQ(labels(a), (S{"0", "1", "2"}));
    // Counts 0..47.5 (44 samples x 1.08): step 10, to 50.
    a = {0, 47.52, false, true, 0};
    EXPECT_EQ(labels(a), (S{"0", "10", "20", "30", "40", "50"}));
}

TEST(Svg, LogAxesByDecades)
{
    // 79.7 .. 87,060 nJ: 10 .. 100,000, four decades, labelled at each decade.
    ps_svg_axis a = {79.72, 87060, true, false, 0};
    EXPECT_EQ(labels(a), (S{"10", "100", "1,000", "10,000", "100,000"}));
    // 150 .. 470: one decade, so 1, 2 and 5 of it are labelled too.
    a = {150, 470, true, false, 0};
    EXPECT_EQ(labels(a), (S{"100", "200", "500", "1,000"}));
    // 0.002 .. 0.05: 0.001 .. 0.1, two decades, each label with its own decimals.
    a = {0.002, 0.05, true, false, 0};
    EXPECT_EQ(labels(a), (S{"0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1"}));
    // A bound on a decade stays there: 100 .. 1,000 is one decade, not three.
    a = {100, 1000, true, false, 0};
    EXPECT_EQ(ticks(a).front(), 100);
    EXPECT_EQ(ticks(a).back(), 1000);
    // Nothing positive to show: 1 .. 10.
    a = {-INFINITY, 0, true, false, 0};
    EXPECT_EQ(labels(a), (S{"1", "2", "5", "10"}));
}

TEST(Svg, ValueLabels)
{
    EXPECT_EQ(value(425.7), "425.7");
    EXPECT_EQ(value(79180), "79,180");   // the old labels said 7.918e+04
    EXPECT_EQ(value(76285.4), "76,285"); // whole numbers from 1,000
    EXPECT_EQ(value(2.611), "2.611");
    EXPECT_EQ(value(0.0301), "0.0301");  // 0.03010 without its trailing zero
    EXPECT_EQ(value(2.5), "2.5");
    EXPECT_EQ(value(98.657), "98.66");   // 4 significant digits
    EXPECT_EQ(value(0), "0");
    EXPECT_EQ(value(-1234.4), "-1,234");
    EXPECT_EQ(value(1.5e9), "1.5e9");
    EXPECT_EQ(value(NAN), "n/a");
}

TEST(Svg, TextWidthCountsCharactersNotBytes)
{
    EXPECT_NEAR(ps_svg_text_width("abc", 10), 18.6, 1e-9); // 3 x 0.62 x 10
    EXPECT_NEAR(ps_svg_text_width("θ", 10), 6.2, 1e-9);    // two bytes, one character
}

class SvgFile : public ::testing::Test {
  protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() /
               ("ps_svg_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string read(const char *name)
    {
        std::ifstream in(dir_ / name);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    fs::path dir_;
};

TEST_F(SvgFile, LabelsDoNotOverlap)
{
    ps_svg svg;
    ps_error err{};
    ASSERT_EQ(ps_svg_open(&svg, dir_.c_str(), "l.svg", "a & b", &err), PS_OK) << err.message;
    EXPECT_TRUE(ps_svg_label(&svg, 100, 100, "start", 12, "first"));
    // "second" starting 10 px to the right of "first" (about 37 px wide) overlaps it.
    EXPECT_FALSE(ps_svg_label(&svg, 110, 100, "start", 12, "second"));
    // 20 px lower it is clear (a 12 px label is about 13 px tall).
    EXPECT_TRUE(ps_svg_label(&svg, 110, 120, "start", 12, "second"));
    // Off the canvas: refused.
    EXPECT_FALSE(ps_svg_label(&svg, PS_SVG_W - 5, 200, "start", 12, "outside"));
    // A reserved marker keeps labels off it.
    ps_svg_reserve(&svg, ps_svg_box{300, 290, 312, 302});
    EXPECT_FALSE(ps_svg_label(&svg, 306, 300, "middle", 12, "p001"));
    ASSERT_EQ(ps_svg_close(&svg, &err), PS_OK) << err.message;
    const std::string s = read("l.svg");
    EXPECT_NE(s.find(">a &amp; b</text>"), std::string::npos) << s; // the title escaped
    EXPECT_EQ(s.find("outside"), std::string::npos);
    EXPECT_EQ(s.find("p001"), std::string::npos);
}

TEST_F(SvgFile, LeftMarginFitsTheTickLabels)
{
    ps_svg svg;
    ps_error err{};
    ps_svg_axis x = {0.2, 0.9, false, false, 0}, y = {79.72, 87060, true, false, 0};
    ps_svg_nice_axis(&x);
    ps_svg_nice_axis(&y);
    ASSERT_EQ(ps_svg_open(&svg, dir_.c_str(), "a.svg", "t", &err), PS_OK) << err.message;
    ps_svg_axes(&svg, &x, &y, "threshold", "nJ", true);
    // The widest y label, "100,000", is 7 x 0.62 x 12 = 52.08 px: the plot
    // starts 6 + 13 (y label) + 8 + 52.08 + 6 = 85.08 px from the left.
    EXPECT_NEAR(svg.left, 85.08, 1e-9);
    ASSERT_EQ(ps_svg_close(&svg, &err), PS_OK) << err.message;
    const std::string s = read("a.svg");
    for (const char *l : {">100,000</text>", ">1,000</text>", ">0.4</text>", ">1.0</text>"})
        EXPECT_NE(s.find(l), std::string::npos) << l;
    EXPECT_EQ(s.find("e+0"), std::string::npos); // no printf exponents
}

} // namespace
