// `primesim train` end to end on a tiny packed event set: outputs next to the
// model (metrics, plot, resolved recipe), a readable workload, and exit code 2
// with the file and key named for bad recipes.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "data/nmnist.h"
#include "pwl.h"

namespace {

const std::string dir = ::testing::TempDir() + "train_cli/";

struct CmdResult {
    int code;
    std::string out;
};

CmdResult run(const std::string &args)
{
    const std::string cmd = std::string(PRIMESIM_BINARY) + " " + args + " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    CmdResult r{-1, ""};
    if (!p)
        return r;
    char buf[512];
    while (fgets(buf, sizeof buf, p))
        r.out += buf;
    const int st = pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

void write(const std::string &path, const std::string &text) { std::ofstream(path) << text; }

bool exists(const std::string &path) { return std::ifstream(path).good(); }

// 60 samples: label k draws its events in columns 3k..3k+2.
void make_events(const std::string &path)
{
    ps_nmnist_packer *pk = nullptr;
    ASSERT_EQ(ps_nmnist_packer_create(&pk), PS_OK);
    ps_error err{};
    for (uint32_t i = 0; i < 60; i++) {
        const uint8_t label = (uint8_t)(i % 10);
        std::vector<ps_event> ev;
        for (uint32_t j = 0; j < 300; j++)
            ev.push_back(ps_event{j * 100, (uint8_t)(3 * label + j % 3), (uint8_t)((j * 7) % 34),
                                  (uint8_t)(j % 2), 0});
        ps_nmnist_entry e{i + 1, label, PS_SPLIT_NONE};
        ASSERT_EQ(ps_nmnist_packer_add(pk, &e, ev.data(), ev.size(), &err), PS_OK) << err.message;
    }
    ASSERT_EQ(ps_nmnist_packer_write(pk, path.c_str(), &err), PS_OK) << err.message;
    ps_nmnist_packer_destroy(pk);
}

} // namespace

TEST(TrainCli, TrainsAndWritesEverythingNextToTheModel)
{
    std::system(("mkdir -p " + dir).c_str());
    make_events(dir + "events.nmnp");
    write(dir + "tiny.yaml", "train:\n"
                             "  arch: \"c4k5s2,p2,f10\"\n"
                             "  timesteps: 4\n"
                             "  epochs: 2\n"
                             "  batch_size: 16\n"
                             "  chunk: 8\n"
                             "  lr: 0.01\n"
                             "  train_data: ./events.nmnp\n"
                             "  test_data: ./events.nmnp\n"
                             "frames:\n"
                             "  bins: 4\n");
    const CmdResult r = run("train " + dir + "tiny.yaml -o " + dir + "out/tiny.pwl --threads 2");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("test accuracy"), std::string::npos) << r.out;
    for (const char *ext : {".pwl", ".metrics.jsonl", ".svg", ".recipe.yaml"})
        EXPECT_TRUE(exists(dir + "out/tiny" + ext)) << ext;
    std::ifstream m(dir + "out/tiny.metrics.jsonl");
    std::string line;
    int lines = 0;
    while (std::getline(m, line)) {
        EXPECT_EQ(line.front(), '{');
        EXPECT_NE(line.find("\"test_accuracy\""), std::string::npos);
        lines++;
    }
    EXPECT_EQ(lines, 3); // two epochs and the exported model
    ps_workload *w = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_workload_read((dir + "out/tiny.pwl").c_str(), &w, &err), PS_OK) << err.message;
    EXPECT_STREQ(w->info.method, "memristor_pruning");
    EXPECT_STREQ(w->info.recipe, "tiny");
    EXPECT_EQ(w->info.epochs, 2);
    EXPECT_EQ(w->net.timesteps, 4);
    EXPECT_EQ(w->frames.bins, 4);
    ASSERT_NE(w->recipe_yaml, nullptr);
    EXPECT_NE(std::string(w->recipe_yaml).find("c4k5s2,p2,f10"), std::string::npos);
    ps_workload_free(w);
}

TEST(TrainCli, BadRecipesExitTwoNamingFileAndKey)
{
    std::system(("mkdir -p " + dir).c_str());
    write(dir + "typo.yaml", "train:\n  epochz: 3\n");
    CmdResult r = run("train " + dir + "typo.yaml -o " + dir + "x.pwl");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("typo.yaml:2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("train.epochz"), std::string::npos) << r.out;
    write(dir + "arch.yaml", "train:\n  arch: \"c12k5,p2,x\"\n");
    r = run("train " + dir + "arch.yaml -o " + dir + "x.pwl");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("arch.yaml"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("train.arch"), std::string::npos) << r.out;
    r = run(std::string("train ") + PRIMESIM_SOURCE_DIR + "/configs/train/prime_nmnist.yaml -o " +
            dir + "x.pwl -p frames.bins=8");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("frames.bins"), std::string::npos) << r.out;
    r = run("train " + dir + "typo.yaml");
    EXPECT_EQ(r.code, 2) << r.out; // no -o
}
