// `primesim check` end to end: the committed golden files pass; in a temp
// dir, a config's goldens written by --update pass, and a changed latency
// parameter (adc.conversion_cycles) fails naming the config and the cycles
// stat; an energy change above the tolerance fails, one below it passes;
// a missing golden file, an orphan golden file, other settings, a malformed
// golden file, bad options, missing paths and a sim rejecting its input are
// reported with the right exit code. The temp dir is removed when every
// test passed (kept for a look otherwise).
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

const std::string kSource = PRIMESIM_SOURCE_DIR;
const std::string kBinary = PRIMESIM_BINARY;

const std::string &temp_root()
{
    static const std::string dir = [] {
        char tmpl[] = "/tmp/ps_check_XXXXXX";
        return std::string(mkdtemp(tmpl) ? tmpl : "");
    }();
    return dir;
}

class Cleanup : public ::testing::Environment {
  public:
    void TearDown() override
    {
        if (::testing::UnitTest::GetInstance()->Passed() && !temp_root().empty())
            fs::remove_all(temp_root());
    }
};
::testing::Environment *const kCleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

std::string read_all(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write(const std::string &path, const std::string &text)
{
    std::ofstream(path) << text;
}

// A directory of its own for one test, with tmp/ for check's sim outputs.
std::string test_dir()
{
    const std::string d =
        temp_root() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(d + "/tmp");
    fs::create_directories(d + "/configs");
    return d;
}

// Runs primesim in cwd (sims' temp dirs under cwd/tmp or the test's tmp);
// returns the exit code, stdout+stderr in *out.
int run(const std::string &cwd, const std::string &tmp, const std::string &args, std::string *out)
{
    const std::string log = tmp + "/../log.txt";
    const std::string cmd = "cd '" + cwd + "' && TMPDIR='" + tmp + "' '" + kBinary + "' " + args +
                            " >'" + log + "' 2>&1";
    const int status = std::system(cmd.c_str());
    *out = read_all(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// check with the shipped workload and data on few samples, configs of dir/configs.
int check(const std::string &dir, const std::string &extra, std::string *out)
{
    return run(dir, dir + "/tmp",
               "check --configs configs --golden-dir golden --samples 2 --workload '" + kSource +
                   "/workloads/default/prime_nmnist.pwl' --data '" + kSource +
                   "/workloads/default/nmnist_test_100.nmnp' " + extra,
               out);
}

// A config of our own on top of the shipped PRIME one.
void write_config(const std::string &dir, const std::string &name, const std::string &extra = "")
{
    write(dir + "/configs/" + name + ".yaml",
          "base: " + kSource + "/configs/systems/prime_40nm.yaml\n" + extra);
}

bool tmp_is_empty(const std::string &dir) { return fs::is_empty(dir + "/tmp"); }

TEST(Check, CommittedGoldensPass)
{
    const std::string d = test_dir();
    std::string out;
    ASSERT_EQ(run(kSource, d + "/tmp", "check", &out), 0) << out;
    EXPECT_NE(out.find("prime_40nm                   ok"), std::string::npos) << out;
    EXPECT_NE(out.find("prime_40nm_small_tiles       ok"), std::string::npos) << out;
    EXPECT_NE(out.find("check: 2 configs ok"), std::string::npos) << out;
    EXPECT_TRUE(tmp_is_empty(d)) << "the sims' temp dir is removed after a pass";
}

TEST(Check, ChangedLatencyParameterIsCaught)
{
    const std::string d = test_dir();
    write_config(d, "mine");
    std::string out;
    ASSERT_EQ(check(d, "--update", &out), 0) << out;
    EXPECT_NE(out.find("wrote golden/mine.csv (new;"), std::string::npos) << out;
    ASSERT_EQ(check(d, "--jobs 1", &out), 0) << out;
    EXPECT_NE(out.find("mine                         ok (2 samples"), std::string::npos) << out;
    ASSERT_EQ(check(d, "--update", &out), 0) << out;
    EXPECT_NE(out.find("(unchanged;"), std::string::npos) << out;

    // One more cycle per ADC conversion: the chip's latency, nothing else.
    write_config(d, "mine", "adc:\n  conversion_cycles: 3\n");
    ASSERT_EQ(check(d, "", &out), 1) << out;
    EXPECT_NE(out.find("mine                         DIFFERS"), std::string::npos) << out;
    EXPECT_NE(out.find("mine: cycles of sample 0 (total): golden "), std::string::npos) << out;
    EXPECT_NE(out.find("mine: cycles at sample 0, t 1: golden "), std::string::npos) << out;
    EXPECT_NE(out.find("relative +"), std::string::npos) << out;
    EXPECT_NE(out.find("mine: ... and "), std::string::npos) << "capped at 20 lines: " << out;
    EXPECT_EQ(out.find("adc_conversions"), std::string::npos) << "counts unchanged: " << out;
    EXPECT_NE(out.find("sim outputs and logs kept in " + d + "/tmp/primesim-check-"),
              std::string::npos)
        << out;
    EXPECT_FALSE(tmp_is_empty(d));
}

TEST(Check, EnergyChangeBeyondTheToleranceIsCaught)
{
    const std::string d = test_dir();
    write_config(d, "mine", "energy_hybrid:\n  accumulate_pj: 0.1\n");
    std::string out;
    ASSERT_EQ(check(d, "--update", &out), 0) << out;
    // 1e-6 relative: far above the 1e-9 tolerance.
    write_config(d, "mine", "energy_hybrid:\n  accumulate_pj: 0.1000001\n");
    ASSERT_EQ(check(d, "", &out), 1) << out;
    EXPECT_NE(out.find("mine: accumulate_pj of sample 0 (total)"), std::string::npos) << out;
    EXPECT_EQ(out.find(": cycles"), std::string::npos) << "energy only: " << out;
    // 1e-12 relative: within it.
    write_config(d, "mine", "energy_hybrid:\n  accumulate_pj: 0.1000000000001\n");
    ASSERT_EQ(check(d, "", &out), 0) << out;
    EXPECT_NE(out.find("mine                         ok"), std::string::npos) << out;
}

TEST(Check, MissingAndOrphanGoldenFiles)
{
    const std::string d = test_dir();
    write_config(d, "mine");
    fs::create_directories(d + "/golden");
    std::string out;
    ASSERT_EQ(check(d, "", &out), 1) << out;
    EXPECT_NE(out.find("mine                         FAILED: no golden file golden/mine.csv"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("primesim check --update configs/mine.yaml"), std::string::npos) << out;

    ASSERT_EQ(check(d, "--update configs/mine.yaml", &out), 0) << out;
    write(d + "/golden/gone.csv", read_all(d + "/golden/mine.csv"));
    ASSERT_EQ(check(d, "", &out), 1) << out;
    EXPECT_NE(out.find("mine                         ok"), std::string::npos) << out;
    EXPECT_NE(out.find("golden/gone.csv: golden file with no config in configs"),
              std::string::npos)
        << out;
    // Named configs: only those, no orphan check.
    ASSERT_EQ(check(d, "configs/mine.yaml", &out), 0) << out;
    EXPECT_EQ(out.find("gone.csv"), std::string::npos) << out;
}

TEST(Check, OtherSettingsAreReportedNotCompared)
{
    const std::string d = test_dir();
    write_config(d, "mine");
    std::string out;
    ASSERT_EQ(check(d, "--update", &out), 0) << out;
    ASSERT_EQ(check(d, "--samples 1", &out), 1) << out;
    EXPECT_NE(out.find("--samples 2, this run uses"), std::string::npos) << out;
    ASSERT_EQ(check(d, "-p adc.bits=6", &out), 1) << out;
    EXPECT_NE(out.find("-p adc.bits=6: check with the golden's settings"), std::string::npos)
        << out;
    // Goldens made with -p pass with the same -p.
    ASSERT_EQ(check(d, "--update -p adc.bits=6", &out), 0) << out;
    ASSERT_EQ(check(d, "-p adc.bits=6", &out), 0) << out;
    EXPECT_NE(read_all(d + "/golden/mine.csv").find("# param: adc.bits=6\n"), std::string::npos);
}

TEST(Check, BadInputExits2NamingIt)
{
    const std::string d = test_dir();
    write_config(d, "mine");
    fs::create_directories(d + "/golden");
    std::string out;
    const struct {
        const char *args, *message;
    } cases[] = {
        {"--jobs 0", "--jobs: 0 is outside [1, 256]"},
        {"--bogus", "unknown option '--bogus'"},
        {"--configs nowhere", "--configs nowhere: no such directory"},
        {"--golden-dir nowhere", "--golden-dir nowhere: no such directory"},
        {"--data nowhere.nmnp", "--data nowhere.nmnp: no such file"},
        {"configs/nothing.yaml", "configs/nothing.yaml: no such config file"},
    };
    for (const auto &c : cases) {
        EXPECT_EQ(check(d, c.args, &out), 2) << c.args << ": " << out;
        EXPECT_NE(out.find(c.message), std::string::npos) << c.args << ": " << out;
    }
    // Defaults are relative to the repository root (or an install's data
    // directory, which the build tree's binary has not).
    EXPECT_EQ(run(d, d + "/tmp", "check", &out), 2) << out;
    EXPECT_NE(out.find("configs/systems: no such directory"), std::string::npos) << out;
    EXPECT_NE(out.find("run from the repository root, install primesim or pass --configs"),
              std::string::npos)
        << out;

    // A malformed golden file names its line.
    write(d + "/golden/mine.csv", "# primesim check golden 1\n# samples: 2\n[hardware]\na,b\n1\n");
    EXPECT_EQ(check(d, "", &out), 2) << out;
    EXPECT_NE(out.find("golden/mine.csv:5: 1 fields, the [hardware] header has 2"),
              std::string::npos)
        << out;

    // A sim that rejects its input: the config, the log's tail, exit 2.
    EXPECT_EQ(check(d, "--update -p nosuch.key=1", &out), 2) << out;
    EXPECT_NE(out.find("mine                         FAILED: primesim sim configs/mine.yaml exited 2"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("nosuch: unknown key"), std::string::npos) << out;
}

} // namespace
