// Parameter descriptor tables: defaults, parsing of every type, range
// messages, formatting round trips, table self-checks, and that every
// registered table is well formed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "common/params.h"
#include "config/registry.hpp"

namespace {

struct AdcLike {
    int64_t bits;
    double range_ua;
    double energy_pj;
    bool offset_error;
    int model;
    char label[8];
};

const char *const kModels[] = {"walden", "sar45", "table", nullptr};

const ps_param_desc kAdcParams[] = {
    PS_PARAM_INT(AdcLike, bits, 8, 1, 16, "bits", "resolution", "a paper"),
    PS_PARAM_DOUBLE_POS(AdcLike, range_ua, 10.0, INFINITY, "uA", "full-scale input", nullptr),
    PS_PARAM_DOUBLE(AdcLike, energy_pj, 0.5, 0.0, 100.0, "pJ", "energy per conversion", nullptr),
    PS_PARAM_BOOL(AdcLike, offset_error, false, "model an offset error", nullptr),
    PS_PARAM_ENUM(AdcLike, model, "sar45", kModels, "energy model", nullptr),
    PS_PARAM_STRING(AdcLike, label, "adc", "a short label", nullptr),
};
const ps_param_table kAdcTable = PS_PARAM_TABLE("adc", "a test ADC", AdcLike, kAdcParams);

std::string parse_error(const char *name, const char *text)
{
    AdcLike a;
    ps_params_set_defaults(&kAdcTable, &a);
    ps_error err{};
    if (ps_param_parse(ps_param_find(&kAdcTable, name), text, &a, &err) == PS_OK)
        return "ok";
    return err.message;
}

} // namespace

TEST(Params, DefaultsFillEveryField)
{
    AdcLike a;
    std::memset(&a, 0x5a, sizeof a);
    ps_params_set_defaults(&kAdcTable, &a);
    EXPECT_EQ(a.bits, 8);
    EXPECT_EQ(a.range_ua, 10.0);
    EXPECT_EQ(a.energy_pj, 0.5);
    EXPECT_FALSE(a.offset_error);
    EXPECT_EQ(a.model, 1);
    EXPECT_STREQ(a.label, "adc");
    EXPECT_EQ(ps_params_validate(&kAdcTable, &a, nullptr), PS_OK);
}

TEST(Params, ParsesEveryType)
{
    AdcLike a;
    ps_params_set_defaults(&kAdcTable, &a);
    ASSERT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "bits"), "12", &a, nullptr), PS_OK);
    ASSERT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "range_ua"), "2.5e1", &a, nullptr), PS_OK);
    ASSERT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "offset_error"), "yes", &a, nullptr), PS_OK);
    ASSERT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "model"), "table", &a, nullptr), PS_OK);
    ASSERT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "label"), "abcdefg", &a, nullptr), PS_OK);
    EXPECT_EQ(a.bits, 12);
    EXPECT_EQ(a.range_ua, 25.0);
    EXPECT_TRUE(a.offset_error);
    EXPECT_EQ(a.model, 2);
    EXPECT_STREQ(a.label, "abcdefg");
}

TEST(Params, RangeAndTypeMessages)
{
    EXPECT_EQ(parse_error("bits", "40"), "40 is above the maximum 16");
    EXPECT_EQ(parse_error("bits", "0"), "0 is below the minimum 1");
    EXPECT_EQ(parse_error("bits", "6.5"), "6.5 is not an integer");
    EXPECT_EQ(parse_error("bits", "six"), "'six' is not an integer");
    EXPECT_EQ(parse_error("bits", "99999999999999999999"), "99999999999999999999 does not fit in 64 bits");
    EXPECT_EQ(parse_error("range_ua", "0"), "0 must be above 0");
    EXPECT_EQ(parse_error("range_ua", "-3"), "-3 must be above 0");
    EXPECT_EQ(parse_error("energy_pj", "abc"), "'abc' is not a number");
    EXPECT_EQ(parse_error("energy_pj", "nan"), "nan is not a finite number");
    EXPECT_EQ(parse_error("energy_pj", "100.5"), "100.5 is above the maximum 100");
    EXPECT_EQ(parse_error("energy_pj", ""), "an empty value is not a valid float");
    EXPECT_EQ(parse_error("offset_error", "maybe"), "'maybe' is not a boolean (true or false)");
    EXPECT_EQ(parse_error("model", "flash"), "'flash' is not one of: walden, sar45, table");
    EXPECT_EQ(parse_error("label", "abcdefgh"), "'abcdefgh...' is longer than 7 characters");
}

TEST(Params, FailedParseLeavesValueUnchanged)
{
    AdcLike a;
    ps_params_set_defaults(&kAdcTable, &a);
    EXPECT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "bits"), "40", &a, nullptr), PS_ERR_RANGE);
    EXPECT_EQ(ps_param_parse(ps_param_find(&kAdcTable, "bits"), "x", &a, nullptr), PS_ERR_TYPE);
    EXPECT_EQ(a.bits, 8);
}

TEST(Params, FormatRoundTripsDoubles)
{
    const double values[] = {0.1, 1.0 / 3.0, 6.352, 1e-5, 2.5e-15, 512.0, -0.0, 123456789.125};
    AdcLike a;
    ps_params_set_defaults(&kAdcTable, &a);
    const ps_param_desc *d = ps_param_find(&kAdcTable, "energy_pj");
    for (double v : values) {
        a.energy_pj = v;
        char text[64];
        ps_param_format(d, &a, text, sizeof text);
        AdcLike b = a;
        b.energy_pj = 42;
        if (v >= 0 && v <= 100) {
            ASSERT_EQ(ps_param_parse(d, text, &b, nullptr), PS_OK) << text;
            EXPECT_EQ(std::memcmp(&a.energy_pj, &b.energy_pj, sizeof(double)), 0) << text;
        }
    }
    char text[64];
    ps_format_double(512.0, text, sizeof text);
    EXPECT_STREQ(text, "512");
    ps_format_double(0.1, text, sizeof text);
    EXPECT_STREQ(text, "0.1");
}

TEST(Params, RangeText)
{
    char text[64];
    ps_param_format_range(ps_param_find(&kAdcTable, "bits"), text, sizeof text);
    EXPECT_STREQ(text, "[1, 16]");
    ps_param_format_range(ps_param_find(&kAdcTable, "range_ua"), text, sizeof text);
    EXPECT_STREQ(text, "(0, inf]");
    ps_param_format_range(ps_param_find(&kAdcTable, "model"), text, sizeof text);
    EXPECT_STREQ(text, "walden|sar45|table");
}

TEST(Params, SuggestsCloseNames)
{
    EXPECT_STREQ(ps_param_suggest(&kAdcTable, "bitz"), "bits");
    EXPECT_STREQ(ps_param_suggest(&kAdcTable, "range_uA"), "range_ua");
    EXPECT_EQ(ps_param_suggest(&kAdcTable, "completely_different"), nullptr);
}

TEST(Params, TableCheckCatchesMistakes)
{
    EXPECT_EQ(ps_param_table_check(&kAdcTable, nullptr), PS_OK);
    ps_param_desc bad[] = {kAdcParams[0]};
    ps_param_table t = PS_PARAM_TABLE("adc", "broken", AdcLike, bad);
    ps_error err{};
    bad[0].def = 40; // default outside [1, 16]
    EXPECT_EQ(ps_param_table_check(&t, &err), PS_ERR_RANGE);
    EXPECT_STREQ(err.message, "adc.bits: default: 40 is above the maximum 16");
    bad[0] = kAdcParams[0];
    bad[0].type = PS_PT_DOUBLE; // an int64_t field declared as double is fine size-wise...
    bad[0].size = 4;            // ...but a 4-byte field is not
    EXPECT_EQ(ps_param_table_check(&t, &err), PS_ERR_TYPE);
    ps_param_desc twice[] = {kAdcParams[0], kAdcParams[0]};
    ps_param_table t2 = PS_PARAM_TABLE("adc", "twice", AdcLike, twice);
    EXPECT_EQ(ps_param_table_check(&t2, &err), PS_ERR_INVALID_ARG);
    EXPECT_STREQ(err.message, "adc.bits: declared twice");
}

// Every table the build registers is well formed, and its defaults validate.
TEST(Params, EveryRegisteredTableIsWellFormed)
{
    int count = 0;
    for (const ps_param_table *const *t = primesim::param_tables; *t; t++, count++) {
        ps_error err{};
        EXPECT_EQ(ps_param_table_check(*t, &err), PS_OK) << err.message;
        std::vector<unsigned char> obj((*t)->struct_size);
        ps_params_set_defaults(*t, obj.data());
        EXPECT_EQ(ps_params_validate(*t, obj.data(), &err), PS_OK) << err.message;
        for (const ps_param_table *const *u = primesim::param_tables; u != t; u++)
            EXPECT_STRNE((*u)->name, (*t)->name) << "two tables share a name";
    }
    EXPECT_GE(count, 1);
    EXPECT_NE(primesim::find_param_table("system"), nullptr);
}
