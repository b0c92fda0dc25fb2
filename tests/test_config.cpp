// The YAML config loader: binding, every kind of bad key/type/range with
// the message naming file, line and full path, `base:` composition, -p
// overrides, {value, source} entries and the resolved-config round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/params.h"
#include "config/config.hpp"

namespace fs = std::filesystem;
using primesim::ConfigError;

namespace {

struct Adc {
    int64_t bits;
    double energy_pj;
    int model;
};
struct Array {
    int64_t rows;
    bool zero_skip;
};
struct Sys {
    char name[32];
    double clock_mhz;
};

const char *const kModels[] = {"walden", "sar45", nullptr};
const ps_param_desc kAdc[] = {
    PS_PARAM_INT(Adc, bits, 8, 1, 16, "bits", "resolution", nullptr),
    PS_PARAM_DOUBLE(Adc, energy_pj, 1.5, 0.0, 1000.0, "pJ", "energy per conversion", nullptr),
    PS_PARAM_ENUM(Adc, model, "walden", kModels, "energy model", nullptr),
};
const ps_param_desc kArray[] = {
    PS_PARAM_INT(Array, rows, 512, 1, 4096, "", "rows", nullptr),
    PS_PARAM_BOOL(Array, zero_skip, true, "skip reads with no active row", nullptr),
};
const ps_param_desc kSys[] = {
    PS_PARAM_STRING(Sys, name, "unnamed", "name", nullptr),
    PS_PARAM_DOUBLE_POS(Sys, clock_mhz, 200, 1e4, "MHz", "clock", nullptr),
};
const ps_param_table kAdcTable = PS_PARAM_TABLE("adc", "adc", Adc, kAdc);
const ps_param_table kArrayTable = PS_PARAM_TABLE("array", "array", Array, kArray);
const ps_param_table kSysTable = PS_PARAM_TABLE("system", "system", Sys, kSys);

struct Config {
    Sys sys;
    Adc adc;
    Array array;
    primesim::ConfigSection schema()
    {
        primesim::ConfigSection root;
        root.add("system", &kSysTable, &sys);
        primesim::ConfigSection &tiles = root.add("tiles", nullptr, nullptr);
        tiles.add("adc", &kAdcTable, &adc);
        tiles.add("array", &kArrayTable, &array);
        return root;
    }
};

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() /
               ("primesim_config_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string &name, const std::string &text)
    {
        const fs::path p = dir_ / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }

    // Loads text as a file and returns the error message, or "ok".
    std::string error_of(const std::string &text, const std::vector<std::string> &overrides = {})
    {
        const std::string path = write("c.yaml", text);
        Config c;
        try {
            primesim::load_and_bind(path, overrides, c.schema());
        } catch (const ConfigError &e) {
            std::string msg = e.what();
            // Messages start with the file path; tests compare what follows.
            if (msg.compare(0, path.size(), path) == 0)
                msg = "FILE" + msg.substr(path.size());
            return msg;
        }
        return "ok";
    }

    fs::path dir_;
};

} // namespace

TEST_F(ConfigTest, BindsValuesAndFillsDefaults)
{
    const std::string path = write("c.yaml", "system:\n  name: chip\n"
                                             "tiles:\n  adc:\n    bits: 6\n    model: sar45\n");
    Config c;
    primesim::load_and_bind(path, {}, c.schema());
    EXPECT_STREQ(c.sys.name, "chip");
    EXPECT_EQ(c.sys.clock_mhz, 200.0);
    EXPECT_EQ(c.adc.bits, 6);
    EXPECT_EQ(c.adc.model, 1);
    EXPECT_EQ(c.adc.energy_pj, 1.5);
    EXPECT_EQ(c.array.rows, 512);
    EXPECT_TRUE(c.array.zero_skip);
}

TEST_F(ConfigTest, EmptyFileIsAllDefaults)
{
    EXPECT_EQ(error_of(""), "ok");
    EXPECT_EQ(error_of("# only a comment\n"), "ok");
}

TEST_F(ConfigTest, UnknownKeysNameTheFullPath)
{
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bitz: 6\n"),
              "FILE:3: tiles.adc.bitz: unknown key (did you mean 'bits'?)");
    EXPECT_EQ(error_of("tiles:\n  adcs:\n    bits: 6\n"),
              "FILE:2: tiles.adcs: unknown key (did you mean 'adc'?)");
    EXPECT_EQ(error_of("tiles:\n  zzz: 1\n"), "FILE:2: tiles.zzz: unknown key; known keys here: adc, array");
    EXPECT_EQ(error_of("bogus: 1\n"), "FILE:1: bogus: unknown key; known keys here: system, tiles");
}

TEST_F(ConfigTest, WrongTypesNameTheFullPath)
{
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits: six\n"), "FILE:3: tiles.adc.bits: 'six' is not an integer");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits: 6.5\n"), "FILE:3: tiles.adc.bits: 6.5 is not an integer");
    EXPECT_EQ(error_of("tiles:\n  array:\n    zero_skip: 3\n"),
              "FILE:3: tiles.array.zero_skip: '3' is not a boolean (true or false)");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits: [1, 2]\n"),
              "FILE:3: tiles.adc.bits: expected a int, got a list");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits:\n"), "FILE:3: tiles.adc.bits: has no value");
    EXPECT_EQ(error_of("tiles: 3\n"), "FILE:1: tiles: expected a section of parameters, got a value");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    model: flash\n"),
              "FILE:3: tiles.adc.model: 'flash' is not one of: walden, sar45");
    EXPECT_EQ(error_of("- a\n- b\n"), "FILE: the top level must be a mapping of sections, not a list");
}

TEST_F(ConfigTest, OutOfRangeValuesNameTheFullPath)
{
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits: 40\n"), "FILE:3: tiles.adc.bits: 40 is above the maximum 16");
    EXPECT_EQ(error_of("system:\n  clock_mhz: 0\n"), "FILE:2: system.clock_mhz: 0 must be above 0");
    EXPECT_EQ(error_of("tiles:\n  array:\n    rows: -1\n"), "FILE:3: tiles.array.rows: -1 is below the minimum 1");
}

TEST_F(ConfigTest, SyntaxErrorsAndDuplicateKeys)
{
    const std::string msg = error_of("tiles:\n  adc: [1, 2\n");
    EXPECT_EQ(msg.rfind("FILE:", 0), 0u) << msg;
    EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits: 4\n    bits: 5\n"), "FILE:4: tiles.adc.bits: duplicate key");
}

// Found by fuzzing (tests/fuzz/config/regression_leading_comma.yaml): yaml-cpp
// reads a leading ',' as an empty document and then the same one forever.
TEST_F(ConfigTest, StrayCommaIsASyntaxErrorNotAHang)
{
    const std::string unexpected = ": YAML syntax error: unexpected text (a ',' outside [ ] or { }?)";
    EXPECT_EQ(error_of(",system: x\n"), "FILE:1:1" + unexpected);
    EXPECT_EQ(error_of("system:\n  name: a\n...\n,\n"), "FILE:4:1" + unexpected);
}

// Found by fuzzing: a string with bytes that are not UTF-8 bound, but its
// resolved config read back as another, longer string.
TEST_F(ConfigTest, TextThatIsNotUtf8IsRefusedNamingTheLine)
{
    EXPECT_EQ(error_of("system:\n  name: \"a\xff\"\n"), "FILE:2: not UTF-8 text (byte 0xff)");
    EXPECT_EQ(error_of("# \xc0\xafoverlong\n"), "FILE:1: not UTF-8 text (byte 0xc0)");
    EXPECT_EQ(error_of("system:\n  name: \"caf\xc3\xa9 \xe2\x9c\x93\"\n"), "ok");
}

// Nested aliases of mappings made a 1 kB config take minutes and gigabytes;
// an alias of a single value stays allowed.
TEST_F(ConfigTest, AliasesOfMappingsAreRefusedAliasesOfValuesAllowed)
{
    const std::string refused = ": an alias (*name) of a mapping or a list; only single values "
                                "may be aliased in a config";
    EXPECT_EQ(error_of("base_adc: &adc {bits: 4}\ntiles:\n  adc: *adc\n"), "FILE:3" + refused);
    EXPECT_EQ(error_of("l: &l [1, 2]\nm: [*l, *l]\n"), "FILE:2" + refused);
    const std::string path = write("v.yaml", "tiles:\n  adc:\n    bits: &b 6\n  array:\n    rows: *b\n");
    Config c;
    primesim::load_and_bind(path, {}, c.schema());
    EXPECT_EQ(c.adc.bits, 6);
    EXPECT_EQ(c.array.rows, 6);
}

TEST_F(ConfigTest, MissingFileIsAClearError)
{
    Config c;
    try {
        primesim::load_and_bind((dir_ / "nope.yaml").string(), {}, c.schema());
        FAIL() << "no error";
    } catch (const ConfigError &e) {
        EXPECT_NE(std::string(e.what()).find("nope.yaml: cannot open"), std::string::npos) << e.what();
    }
}

TEST_F(ConfigTest, BaseFilesComposeKeyByKey)
{
    write("energy/base.yaml", "system:\n  name: base\n  clock_mhz: 100\ntiles:\n  adc:\n    bits: 4\n    energy_pj: 2\n");
    write("extra.yaml", "tiles:\n  array:\n    rows: 128\n");
    const std::string path = write("c.yaml", "base: [energy/base.yaml, extra.yaml]\n"
                                             "system:\n  name: top\ntiles:\n  adc:\n    bits: 6\n");
    Config c;
    const auto doc = primesim::load_and_bind(path, {}, c.schema());
    EXPECT_STREQ(c.sys.name, "top");        // overridden
    EXPECT_EQ(c.sys.clock_mhz, 100.0);      // from base
    EXPECT_EQ(c.adc.bits, 6);               // overridden inside a merged section
    EXPECT_EQ(c.adc.energy_pj, 2.0);        // kept from base in the same section
    EXPECT_EQ(c.array.rows, 128);           // from the second base
    ASSERT_EQ(doc.files.size(), 3u);
    EXPECT_EQ(doc.files.back(), path);
}

TEST_F(ConfigTest, ErrorsInABaseFileNameThatFile)
{
    const std::string base = write("base.yaml", "tiles:\n  adc:\n    bits: 99\n");
    Config c;
    try {
        primesim::load_and_bind(write("c.yaml", "base: base.yaml\n"), {}, c.schema());
        FAIL() << "no error";
    } catch (const ConfigError &e) {
        EXPECT_EQ(std::string(e.what()), base + ":3: tiles.adc.bits: 99 is above the maximum 16");
    }
}

TEST_F(ConfigTest, BaseCyclesAndMissingBasesAreErrors)
{
    write("a.yaml", "base: b.yaml\n");
    write("b.yaml", "base: a.yaml\n");
    Config c;
    EXPECT_THROW(primesim::load_and_bind((dir_ / "a.yaml").string(), {}, c.schema()), ConfigError);
    const std::string msg = error_of("base: missing.yaml\n");
    EXPECT_NE(msg.find("missing.yaml: cannot open"), std::string::npos) << msg;
    EXPECT_NE(msg.find("named by base: in"), std::string::npos) << msg;
    EXPECT_EQ(error_of("base: {a: 1}\n"), "FILE:1: base: expected a file path or a list of them");
}

TEST_F(ConfigTest, OverridesSetAndCreateValues)
{
    const std::string path = write("c.yaml", "tiles:\n  adc:\n    bits: 4\n");
    Config c;
    primesim::load_and_bind(path, {"tiles.adc.bits=6", "tiles.array.rows=64", "system.name=x"}, c.schema());
    EXPECT_EQ(c.adc.bits, 6);
    EXPECT_EQ(c.array.rows, 64);
    EXPECT_STREQ(c.sys.name, "x");
}

TEST_F(ConfigTest, BadOverridesNameTheOverride)
{
    EXPECT_EQ(error_of("", {"tiles.adc.bits=40"}), "-p tiles.adc.bits=40: tiles.adc.bits: 40 is above the maximum 16");
    EXPECT_EQ(error_of("", {"tiles.adc.bitz=4"}),
              "-p tiles.adc.bitz=4: tiles.adc.bitz: unknown key (did you mean 'bits'?)");
    EXPECT_EQ(error_of("", {"tiles.adc.bits"}), "-p tiles.adc.bits: expected KEY.PATH=VALUE, e.g. -p system.seed=7");
    EXPECT_EQ(error_of("", {"tiles..bits=3"}), "-p tiles..bits=3: 'tiles..bits' has an empty path segment");
    EXPECT_EQ(error_of("", {"tiles.adc.bits="}), "-p tiles.adc.bits=: tiles.adc.bits: has no value");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    bits: 4\n", {"tiles.adc.bits.x=3"}),
              "-p tiles.adc.bits.x=3: tiles.adc.bits is a value, not a section");
}

TEST_F(ConfigTest, ValuesMayCarryTheirSource)
{
    const std::string path = write("c.yaml", "tiles:\n  adc:\n    energy_pj: {value: 1.56, source: \"ISAAC, Table I\"}\n");
    Config c;
    const auto doc = primesim::load_and_bind(path, {}, c.schema());
    EXPECT_EQ(c.adc.energy_pj, 1.56);
    ASSERT_EQ(doc.sources.count("tiles.adc.energy_pj"), 1u);
    EXPECT_EQ(doc.sources.at("tiles.adc.energy_pj"), "ISAAC, Table I");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    energy_pj: {value: 1, from: x}\n"),
              "FILE:3: tiles.adc.energy_pj: unknown key 'from' (a parameter is NAME: VALUE or NAME: "
              "{value: VALUE, source: TEXT})");
    EXPECT_EQ(error_of("tiles:\n  adc:\n    energy_pj: {source: x}\n"),
              "FILE:3: tiles.adc.energy_pj: a {value, source} entry without a value");
}

// Every value survives emit -> load -> bind, bit for bit, sources included.
TEST_F(ConfigTest, ResolvedConfigRoundTrips)
{
    const std::string path = write("c.yaml", "system:\n  name: 'chip: \"quoted\"'\n  clock_mhz: 333.3333333333333\n"
                                             "tiles:\n  adc:\n    energy_pj: {value: 0.1, source: S}\n"
                                             "    model: sar45\n  array:\n    zero_skip: false\n");
    Config a;
    const auto doc = primesim::load_and_bind(path, {"tiles.adc.bits=13"}, a.schema());
    const std::string text = primesim::emit_resolved_config(a.schema(), "header line", doc.sources);
    EXPECT_EQ(text.rfind("# header line\n", 0), 0u);
    Config b;
    std::memset(&b, 0, sizeof b);
    const auto doc2 = primesim::load_and_bind(write("resolved.yaml", text), {}, b.schema());
    EXPECT_STREQ(a.sys.name, b.sys.name);
    EXPECT_EQ(std::memcmp(&a.sys.clock_mhz, &b.sys.clock_mhz, sizeof(double)), 0);
    EXPECT_EQ(b.adc.bits, 13);
    EXPECT_EQ(a.adc.energy_pj, b.adc.energy_pj);
    EXPECT_EQ(b.adc.model, 1);
    EXPECT_FALSE(b.array.zero_skip);
    EXPECT_EQ(b.array.rows, 512);
    EXPECT_EQ(doc2.sources.at("tiles.adc.energy_pj"), "S");
}
