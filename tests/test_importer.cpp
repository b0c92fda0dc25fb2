// The checkpoint importer (workloads/tools/import_pytorch.py): an .npz
// checkpoint with known weights and tied scores becomes a .pwl whose
// conductances, masks and scale the C reader checks value by value; the
// Python writer's sections equal the C writer's byte for byte; bad input
// exits 2 with a message naming the tensor. The same through a PyTorch
// checkpoint where torch imports. Skipped (with the reason) without python3
// and numpy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "container.h"
#include "pwl.h"
#include "run_command.hpp"

namespace {

const std::string kTools = std::string(PRIMESIM_SOURCE_DIR) + "/workloads/tools";

std::string quote(const std::string &s)
{
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs a shell command; returns the exit code and the combined output.
int run(const std::string &cmd, std::string *out = nullptr)
{
    const testcmd::Result r = testcmd::run_command(cmd);
    if (out)
        *out = r.out;
    return r.code;
}

// The first interpreter that imports numpy: $PRIMESIM_PYTHON, python3 on
// PATH, then Debian's (a pyenv python3 on PATH may lack python3-numpy).
std::string python_with(const std::string &module)
{
    std::vector<std::string> candidates;
    if (const char *env = std::getenv("PRIMESIM_PYTHON"))
        candidates.push_back(env);
    candidates.push_back("python3");
    candidates.push_back("/usr/bin/python3");
    for (const std::string &py : candidates)
        if (run(quote(py) + " -c 'import " + module + "'") == 0)
            return py;
    return "";
}

bool have_zstd(const std::string &py)
{
    return run("command -v zstd") == 0 || run(quote(py) + " -c 'import zstandard'") == 0;
}

std::string temp_path(const std::string &name)
{
    const char *dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/test_importer_" +
           std::to_string(getpid()) + "_" + name;
}

// conv 2->3 k3 pad1 on 6x6 (LIF) -> pool 2 -> linear 27->4 (integrator).
const char *kArch = R"({
  "timesteps": 5,
  "input": {"channels": 2, "height": 6, "width": 6, "max_level": 7},
  "lif": {"leak": 0.25, "v_th": 0.3, "negative_slope": 0.1},
  "weights": {"scale": 0.02, "uS_per_unit": 2.0, "g_off_uS": 0.5},
  "keep_fraction": 0.5,
  "frames": {"split_by": "duration"},
  "early_stop": {"alpha": 2.0, "theta": 0.7},
  "provenance": {"dataset": "synthetic", "recipe": "importer-test", "seed": 9,
                 "test_accuracy": 0.5},
  "layers": [
    {"kind": "conv2d", "name": "features.0", "out_channels": 3, "kernel": 3, "padding": 1},
    {"kind": "avgpool2d", "kernel": 2},
    {"kind": "linear", "name": "fc", "out_features": 4, "neuron": "integrator",
     "keep_fraction": 0.25}
  ]
}
)";

// Weights and scores as a formula of the PyTorch flat index, so Python and
// C++ compute the same numbers; |scores| has many ties.
double weight_at(int layer, size_t i) { return (double)((int)((i * 7 + layer) % 11) - 5) * 1.25; }
double score_at(int layer, size_t i) { return (double)((int)((i * 37 + layer) % 9) - 4) * 0.5; }

const char *kMakeNpz = R"(
import sys, numpy as np
def w(layer, n): return np.array([(((i * 7 + layer) % 11) - 5) * 1.25 for i in range(n)])
def s(layer, n): return np.array([(((i * 37 + layer) % 9) - 4) * 0.5 for i in range(n)])
np.savez(sys.argv[1],
         **{"features.0.weight": w(0, 54).reshape(3, 2, 3, 3).astype(np.float32),
            "features.0.scores": s(0, 54).reshape(3, 2, 3, 3).astype(np.float32),
            "fc.weight": w(2, 108).reshape(4, 27).astype(np.float32),
            "fc.scores": s(2, 108).reshape(4, 27).astype(np.float32)})
)";

void write_text(const std::string &path, const std::string &text)
{
    std::ofstream f(path, std::ios::binary);
    f << text;
}

using Sections = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

Sections sections_of(const std::string &path)
{
    ps_container *c = nullptr;
    ps_error err{};
    Sections out;
    EXPECT_EQ(ps_container_open(path.c_str(), PS_PWL_KIND, PS_PWL_VERSION, &c, &err), PS_OK)
        << err.message;
    if (!c)
        return out;
    for (uint32_t i = 0; i < ps_container_get_info(c).section_count; i++) {
        const void *data;
        size_t size;
        const char *name = ps_container_section_name(c, i);
        EXPECT_EQ(ps_container_section(c, name, &data, &size, nullptr), PS_OK);
        const uint8_t *p = static_cast<const uint8_t *>(data);
        out.emplace_back(name, std::vector<uint8_t>(p, p + size));
    }
    ps_container_close(c);
    return out;
}

// The mask PRIME's GetSubnet gives, ties pruned in index order; in
// PyTorch layout (out, in...).
std::vector<uint8_t> expected_mask(int layer, size_t n, double keep_fraction)
{
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [layer](size_t a, size_t b) {
        return std::fabs(score_at(layer, a)) < std::fabs(score_at(layer, b));
    });
    std::vector<uint8_t> m(n, 1);
    const size_t j = (size_t)((1.0 - keep_fraction) * (double)n);
    for (size_t i = 0; i < j; i++)
        m[order[i]] = 0;
    return m;
}

class Importer : public ::testing::Test {
  protected:
    std::string py, arch, npz, pwl;
    void SetUp() override
    {
        py = python_with("numpy");
        if (py.empty())
            GTEST_SKIP() << "no python3 with numpy (Debian: python3-numpy); importer not tested";
        if (!have_zstd(py))
            GTEST_SKIP() << "no zstd command or python3-zstandard; importer not tested";
        arch = temp_path("arch.json");
        npz = temp_path("ck.npz");
        pwl = temp_path("model.pwl");
        write_text(arch, kArch);
        const std::string script = temp_path("make.py");
        write_text(script, kMakeNpz);
        std::string out;
        ASSERT_EQ(run(quote(py) + " " + quote(script) + " " + quote(npz), &out), 0) << out;
        std::remove(script.c_str());
    }
    void TearDown() override
    {
        for (const std::string &p : {arch, npz, pwl})
            if (!p.empty())
                std::remove(p.c_str());
    }
    int import(const std::string &checkpoint, const std::string &extra, std::string *out)
    {
        return run(quote(py) + " " + quote(kTools + "/import_pytorch.py") + " " + quote(arch) +
                       " " + quote(checkpoint) + " -o " + quote(pwl) + " " + extra,
                   out);
    }
};

} // namespace

TEST_F(Importer, NpzCheckpointBecomesTheExpectedWorkload)
{
    std::string out;
    ASSERT_EQ(import(npz, "", &out), 0) << out;
    EXPECT_NE(out.find("3 layers, 54 of 162 pairs kept"), std::string::npos) << out;

    ps_workload *w = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_workload_read(pwl.c_str(), &w, &err), PS_OK) << err.message;
    EXPECT_EQ(w->net.timesteps, 5);
    EXPECT_EQ(w->net.input_max_level, 7);
    EXPECT_EQ(w->net.leak, 0.25);
    EXPECT_EQ(w->net.v_th, 0.3);
    EXPECT_EQ(w->frames.bins, 5);
    EXPECT_EQ(w->frames.split_by, PS_FRAMES_BY_DURATION);
    EXPECT_EQ(w->early_stop_theta, 0.7);
    EXPECT_STREQ(w->info.method, "imported");
    EXPECT_STREQ(w->info.dataset, "synthetic");
    EXPECT_STREQ(w->info.recipe, "importer-test");
    EXPECT_STREQ(w->info.trainer, "import_pytorch.py");
    EXPECT_EQ(w->info.seed, 9);
    EXPECT_EQ(w->info.test_accuracy, 0.5);
    ASSERT_NE(w->recipe_yaml, nullptr);
    EXPECT_STREQ(w->recipe_yaml, kArch); // the architecture file, verbatim
    ASSERT_EQ(w->net.n_layers, 3);

    const double u = 2.0, g_off = 0.5;
    struct Want {
        int layer;
        int64_t rows, cols, per_out; // per_out: PyTorch elements per output channel
        double keep_fraction;
    };
    for (const Want &want : {Want{0, 18, 3, 18, 0.5}, Want{2, 27, 4, 27, 0.25}}) {
        const ps_layer &l = w->net.layers[want.layer];
        SCOPED_TRACE(want.layer);
        ASSERT_EQ(l.rows, want.rows);
        ASSERT_EQ(l.cols, want.cols);
        EXPECT_EQ(l.weight_per_uS, 0.02 / u);
        ASSERT_NE(l.keep, nullptr);
        const size_t n = (size_t)(l.rows * l.cols);
        const std::vector<uint8_t> mask = expected_mask(want.layer, n, want.keep_fraction);
        size_t kept = 0;
        for (int64_t r = 0; r < l.rows; r++) {
            for (int64_t c = 0; c < l.cols; c++) {
                const size_t torch = (size_t)(c * want.per_out + r); // (out, in...) flat
                const size_t xbar = (size_t)(r * l.cols + c);
                const double wu = weight_at(want.layer, torch) * u;
                const bool keep = mask[torch] != 0;
                kept += keep;
                EXPECT_EQ(l.keep[xbar], keep ? 1 : 0) << r << "," << c;
                EXPECT_EQ(l.g_pos_uS[xbar], (float)(keep ? g_off + std::max(wu, 0.0) : g_off));
                EXPECT_EQ(l.g_neg_uS[xbar], (float)(keep ? g_off + std::max(-wu, 0.0) : g_off));
            }
        }
        EXPECT_EQ(kept, n - (size_t)((1.0 - want.keep_fraction) * (double)n));
    }
    EXPECT_EQ(w->net.layers[1].kind, PS_LAYER_AVGPOOL2D);
    EXPECT_EQ(w->net.layers[1].out_h, 3);

    // The C writer, given what the C reader got, writes the same sections
    // byte for byte (so both writers follow FORMAT.md the same way).
    const std::string again = temp_path("again.pwl");
    ASSERT_EQ(ps_workload_write(w, again.c_str(), &err), PS_OK) << err.message;
    const Sections a = sections_of(pwl), b = sections_of(again);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); i++) {
        EXPECT_EQ(a[i].first, b[i].first);
        EXPECT_TRUE(a[i].second == b[i].second) << "section " << a[i].first << " differs";
    }
    std::remove(again.c_str());
    ps_workload_free(w);

    ASSERT_EQ(run(quote(PRIMESIM_BINARY) + " inspect " + quote(pwl), &out), 0) << out;
    for (const char *needle : {"kind            PWL_", "pairs           54 of 162 kept (33.3%)",
                               "method          imported", "test accuracy   50.00%",
                               "linear    integrator 3x3x3"})
        EXPECT_NE(out.find(needle), std::string::npos) << needle << " not in:\n" << out;
}

TEST_F(Importer, OverridesAndExplicitMasks)
{
    std::string out;
    ASSERT_EQ(import(npz, "--keep-fraction 1 --g-off-uS 0 --weight-scale 0.5", &out), 0) << out;
    ps_workload *w = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_workload_read(pwl.c_str(), &w, &err), PS_OK) << err.message;
    const ps_layer &conv = w->net.layers[0];
    EXPECT_EQ(conv.weight_per_uS, 0.25);
    for (int64_t j = 0; j < 54; j++)
        EXPECT_EQ(conv.keep[j], 1);
    EXPECT_EQ(conv.g_pos_uS[0] - conv.g_neg_uS[0], (float)(weight_at(0, 0) * 2.0));
    // The linear layer's own keep_fraction (0.25) still wins over the flag.
    int64_t kept = 0;
    for (int64_t j = 0; j < 108; j++)
        kept += w->net.layers[2].keep[j];
    EXPECT_EQ(kept, 27);
    ps_workload_free(w);
}

TEST_F(Importer, BadInputExitsTwoNamingTheProblem)
{
    struct Case {
        const char *python; // rewrites the .npz in place
        const char *needle;
    };
    const Case cases[] = {
        {"d['fc.weight'] = d['fc.weight'][:, :26]",
         "arch.json: layers[2] (linear) needs (4, 27)"},
        {"del d['features.0.scores']", "no 'features.0.scores' or 'features.0.mask'"},
        {"del d['fc.weight']", "no tensor 'fc.weight'"},
        {"d['fc.weight'][0, 0] = np.nan", "'fc.weight' holds a non-finite value"},
        {"d['fc.mask'] = np.full((4, 27), 2)", "'fc.mask' must be 0/1"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.needle);
        const std::string bad = temp_path("bad.npz");
        const std::string script = "import numpy as np, sys\n"
                                   "d = dict(np.load(sys.argv[1]))\n" +
                                   std::string(c.python) + "\nnp.savez(sys.argv[2], **d)\n";
        const std::string sp = temp_path("bad.py");
        write_text(sp, script);
        std::string out;
        ASSERT_EQ(run(quote(py) + " " + quote(sp) + " " + quote(npz) + " " + quote(bad), &out), 0)
            << out;
        EXPECT_EQ(import(bad, "", &out), 2) << out;
        EXPECT_NE(out.find(c.needle), std::string::npos) << out;
        std::remove(bad.c_str());
        std::remove(sp.c_str());
    }
    // An architecture whose last layer spikes.
    std::string text = kArch;
    text.replace(text.find("\"integrator\""), 12, "\"lif\"");
    write_text(arch, text);
    std::string out;
    EXPECT_EQ(import(npz, "", &out), 2) << out;
    EXPECT_NE(out.find("the last layer must be an integrator"), std::string::npos) << out;
    EXPECT_NE(access(pwl.c_str(), F_OK), 0) << "a refused import left a file";
}

// PRIME's own checkpoints are torch files: the same tensors through
// torch.save give the same workload as through .npz.
TEST_F(Importer, PyTorchCheckpointMatchesNpz)
{
    const std::string torch_py = python_with("torch");
    if (torch_py.empty())
        GTEST_SKIP() << "torch does not import (Debian: python3-torch); the .pt path is untested "
                        "here, the .npz path above covers the conversion";
    const std::string pt = temp_path("ck.pt"), sp = temp_path("to_pt.py");
    write_text(sp, "import sys, numpy as np, torch\n"
                   "d = np.load(sys.argv[1])\n"
                   "torch.save({'state_dict': {'module.' + k: torch.from_numpy(d[k]) for k in "
                   "d.files}}, sys.argv[2])\n");
    std::string out;
    ASSERT_EQ(run(quote(torch_py) + " " + quote(sp) + " " + quote(npz) + " " + quote(pt), &out), 0)
        << out;
    py = torch_py;
    ASSERT_EQ(import(npz, "", &out), 0) << out;
    const Sections from_npz = sections_of(pwl);
    ASSERT_EQ(import(pt, "", &out), 0) << out;
    const Sections from_pt = sections_of(pwl);
    EXPECT_TRUE(from_npz == from_pt);
    std::remove(pt.c_str());
    std::remove(sp.c_str());
}
