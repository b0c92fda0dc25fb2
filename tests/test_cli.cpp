// The primesim binary: subcommands, --help, exit codes (0 ok, 1 failure,
// 2 bad input or usage), and messages that name the file and path.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "container.h"
#include "run_command.hpp"

namespace fs = std::filesystem;

namespace {

using testcmd::Result;

Result run(const std::string &args) { return testcmd::run_primesim(args); }

const char *const kCommands[] = {"data", "train", "sim", "sweep", "report", "check", "params", "inspect"};

class CliTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() /
               ("primesim_cli_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string write(const std::string &name, const std::string &text)
    {
        std::ofstream(dir_ / name) << text;
        return (dir_ / name).string();
    }
    fs::path dir_;
};

const std::string kSystem = std::string(PRIMESIM_SOURCE_DIR) + "/configs/systems/prime_40nm.yaml";

} // namespace

TEST_F(CliTest, TopLevelUsage)
{
    EXPECT_EQ(run("").code, 2);
    const Result help = run("--help");
    EXPECT_EQ(help.code, 0);
    for (const char *c : kCommands)
        EXPECT_NE(help.out.find(std::string("  ") + c + " "), std::string::npos) << c;
    const Result unknown = run("frobnicate");
    EXPECT_EQ(unknown.code, 2);
    EXPECT_NE(unknown.out.find("unknown command 'frobnicate'"), std::string::npos);
    EXPECT_EQ(run("--version").code, 0);
}

TEST_F(CliTest, EveryCommandHasHelp)
{
    for (const char *c : kCommands) {
        const Result r = run(std::string(c) + " --help");
        EXPECT_EQ(r.code, 0) << c;
        EXPECT_EQ(r.out.rfind(std::string("usage: primesim ") + c, 0), 0u) << r.out;
    }
}

TEST_F(CliTest, UnknownOptionIsAUsageError)
{
    const Result r = run("params --frobnicate");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("unknown option '--frobnicate'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Try 'primesim params --help'"), std::string::npos) << r.out;
    EXPECT_EQ(run("sim " + kSystem + " -o").code, 2); // option without its value
}

TEST_F(CliTest, ParamsListsTables)
{
    const Result r = run("params");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("system: "), std::string::npos);
    EXPECT_NE(r.out.find("clock_mhz"), std::string::npos);
    const Result md = run("params system --format markdown");
    EXPECT_EQ(md.code, 0);
    EXPECT_NE(md.out.find("| `clock_mhz` | float | 200 | MHz | (0, 10000] |"), std::string::npos) << md.out;
    EXPECT_EQ(run("params nosuch").code, 2);
    EXPECT_EQ(run("params --format xml").code, 2);
}

TEST_F(CliTest, SimDryRunWritesTheResolvedConfig)
{
    const fs::path out = dir_ / "out";
    const Result r = run("sim " + kSystem + " -p system.seed=9 --dry-run -o " + out.string());
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream in(out / "config.resolved.yaml");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("seed: 9"), std::string::npos) << text;
    EXPECT_NE(text.find("clock_mhz: 200"), std::string::npos) << text;
    EXPECT_NE(text.find("-p system.seed=9"), std::string::npos) << text;
}

TEST_F(CliTest, BadConfigsExitTwoWithThePath)
{
    Result r = run("sim " + kSystem + " --dry-run -p system.clock_mhz=-5");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("system.clock_mhz: -5 must be above 0"), std::string::npos) << r.out;
    const std::string bad = write("bad.yaml", "system:\n  seed: 1\n  colck_mhz: 3\n");
    r = run("sim " + bad + " --dry-run");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find(bad + ":3: system.colck_mhz: unknown key (did you mean 'clock_mhz'?)"),
              std::string::npos)
        << r.out;
    r = run("sim " + (dir_ / "missing.yaml").string() + " --dry-run");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("missing.yaml: cannot open"), std::string::npos) << r.out;
}

TEST_F(CliTest, AFailedRunLeavesEarlierResultsIntact)
{
    const fs::path out = dir_ / "out";
    ASSERT_EQ(run("sim " + kSystem + " --dry-run -o " + out.string()).code, 0);
    std::ifstream before_in(out / "config.resolved.yaml");
    const std::string before((std::istreambuf_iterator<char>(before_in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(run("sim " + kSystem + " --dry-run -p system.seed=-1 -o " + out.string()).code, 2);
    std::ifstream after_in(out / "config.resolved.yaml");
    const std::string after((std::istreambuf_iterator<char>(after_in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(before, after);
}

TEST_F(CliTest, InspectVerifiesContainers)
{
    const std::string good = (dir_ / "w.pwl").string();
    ps_container_writer *w = nullptr;
    ASSERT_EQ(ps_container_writer_create("TEST", 2, &w), PS_OK);
    const char meta[] = "hello";
    ASSERT_EQ(ps_container_add(w, "meta", meta, sizeof meta, nullptr), PS_OK);
    ASSERT_EQ(ps_container_write(w, good.c_str(), 0, nullptr), PS_OK);
    ps_container_writer_destroy(w);
    Result r = run("inspect " + good);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("kind            TEST"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("meta"), std::string::npos) << r.out;
    const std::string junk = write("junk.pwl", "this is not a primesim file at all, just text");
    r = run("inspect " + junk);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find(junk + ": not a primesim file"), std::string::npos) << r.out;
    EXPECT_EQ(run("inspect").code, 2);
}
