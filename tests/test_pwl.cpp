// Workload files: bit-exact round trip, the golden model on a read-back
// workload, and every kind of corrupt or mismatched file giving a clear
// error that names the file and the section or layer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "bytes.h"
#include "common/params.h"
#include "container.h"
#include "golden.h"
#include "pwl.h"
#include "run_command.hpp"

namespace {

std::string temp_path(const std::string &name)
{
    const char *dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/test_pwl_" + std::to_string(getpid()) +
           "_" + name;
}

// conv 2->3 k3 pad1 on 6x6 (LIF) -> avg-pool 2 -> linear 27->4 (integrator).
struct Net {
    std::vector<float> gp0, gn0, gp2, gn2;
    std::vector<uint8_t> keep0, keep2;
    std::vector<ps_layer> layers;
    ps_workload w;

    explicit Net(bool masks = true)
    {
        uint64_t state = 12345;
        auto uniform = [&state]() {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            return (double)(state >> 11) / 9007199254740992.0;
        };
        auto fill = [&](std::vector<float> &gp, std::vector<float> &gn, std::vector<uint8_t> &k,
                        size_t n) {
            gp.resize(n), gn.resize(n), k.resize(n);
            for (size_t j = 0; j < n; j++) {
                k[j] = uniform() < 0.5;
                gp[j] = k[j] ? (float)(20.0 * uniform()) : 0.5f;
                gn[j] = k[j] ? (float)(20.0 * uniform()) : 0.5f;
            }
        };
        fill(gp0, gn0, keep0, 18 * 3);
        fill(gp2, gn2, keep2, 27 * 4);
        ps_layer conv{};
        conv.kind = PS_LAYER_CONV2D, conv.neuron = PS_NEURON_LIF;
        conv.in_c = 2, conv.in_h = 6, conv.in_w = 6;
        conv.out_c = 3, conv.out_h = 6, conv.out_w = 6;
        conv.kernel = 3, conv.stride = 1, conv.padding = 1;
        conv.rows = 18, conv.cols = 3;
        conv.g_pos_uS = gp0.data(), conv.g_neg_uS = gn0.data();
        conv.keep = masks ? keep0.data() : nullptr;
        conv.weight_per_uS = 0.02;
        ps_layer pool{};
        pool.kind = PS_LAYER_AVGPOOL2D, pool.neuron = PS_NEURON_NONE;
        pool.in_c = 3, pool.in_h = 6, pool.in_w = 6;
        pool.out_c = 3, pool.out_h = 3, pool.out_w = 3;
        pool.kernel = 2, pool.stride = 2;
        ps_layer fc{};
        fc.kind = PS_LAYER_LINEAR, fc.neuron = PS_NEURON_INTEGRATOR;
        fc.in_c = 3, fc.in_h = 3, fc.in_w = 3;
        fc.out_c = 4, fc.out_h = 1, fc.out_w = 1;
        fc.rows = 27, fc.cols = 4;
        fc.g_pos_uS = gp2.data(), fc.g_neg_uS = gn2.data();
        fc.keep = masks ? keep2.data() : nullptr;
        fc.weight_per_uS = 0.01;
        layers = {conv, pool, fc};

        ps_workload_init(&w);
        w.net.timesteps = 5;
        w.net.in_c = 2, w.net.in_h = 6, w.net.in_w = 6;
        w.net.input_max_level = 7;
        w.net.leak = 0.2, w.net.v_th = 0.2, w.net.negative_slope = 0.1;
        w.net.n_layers = 3;
        w.net.layers = layers.data();
        w.frames.bins = 5;
        w.frames.split_by = PS_FRAMES_BY_DURATION;
        w.frames.first_saccade_only = true;
        w.frames.first_saccade_ms = 95.5;
        w.early_stop_alpha = 2.5;
        w.early_stop_theta = 0.75;
        std::snprintf(w.info.method, sizeof w.info.method, "memristor_pruning");
        std::snprintf(w.info.dataset, sizeof w.info.dataset, "nmnist-converted:test");
        std::snprintf(w.info.recipe, sizeof w.info.recipe, "tiny");
        std::snprintf(w.info.trainer, sizeof w.info.trainer, "primesim test");
        w.info.seed = -42;
        w.info.epochs = 3;
        w.info.train_samples = 800;
        w.info.test_samples = 200;
        w.info.test_accuracy = 0.9375;
        w.recipe_yaml = "name: tiny\nseed: -42\n";
    }
};

std::string write_or_die(const ps_workload &w, const std::string &name)
{
    const std::string path = temp_path(name);
    ps_error err{};
    EXPECT_EQ(ps_workload_write(&w, path.c_str(), &err), PS_OK) << err.message;
    return path;
}

// Reads path expecting failure with status s and every needle in the message.
void expect_error(const std::string &path, ps_status s, const std::vector<std::string> &needles)
{
    ps_workload *w = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_workload_read(path.c_str(), &w, &err), s) << err.message;
    EXPECT_EQ(w, nullptr);
    const std::string msg = err.message;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    for (const std::string &n : needles)
        EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
}

using Sections = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

Sections sections_of(const std::string &path)
{
    ps_container *c = nullptr;
    ps_error err{};
    Sections out;
    EXPECT_EQ(ps_container_open(path.c_str(), nullptr, UINT16_MAX, &c, &err), PS_OK) << err.message;
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

void write_sections(const Sections &secs, const std::string &path, const char *kind = PS_PWL_KIND,
                    uint16_t version = PS_PWL_VERSION)
{
    ps_container_writer *cw = nullptr;
    ASSERT_EQ(ps_container_writer_create(kind, version, &cw), PS_OK);
    ps_error err{};
    for (const auto &s : secs)
        ASSERT_EQ(ps_container_add(cw, s.first.c_str(), s.second.data(), s.second.size(), &err),
                  PS_OK)
            << err.message;
    ASSERT_EQ(ps_container_write(cw, path.c_str(), 1, &err), PS_OK) << err.message;
    ps_container_writer_destroy(cw);
}

std::vector<uint8_t> &section(Sections &secs, const std::string &name)
{
    for (auto &s : secs)
        if (s.first == name)
            return s.second;
    ADD_FAILURE() << "no section " << name;
    static std::vector<uint8_t> none;
    return none;
}

// A copy of the good file with one change to its sections.
std::string mutated(const std::string &good, const std::string &name,
                    const std::function<void(Sections &)> &change)
{
    Sections secs = sections_of(good);
    change(secs);
    const std::string path = temp_path(name);
    write_sections(secs, path);
    return path;
}

void put_i64_at(std::vector<uint8_t> &b, size_t off, int64_t v) { ps_store_u64(&b[off], (uint64_t)v); }
void put_f32_at(std::vector<uint8_t> &b, size_t off, float v)
{
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    ps_store_u32(&b[off], bits);
}

ps_golden_config ideal_config()
{
    ps_golden_config c;
    ps_golden_config_ideal(&c);
    return c;
}

void expect_same_layer(const ps_layer &a, const ps_layer &b, int i)
{
    EXPECT_EQ(a.kind, b.kind) << i;
    EXPECT_EQ(a.neuron, b.neuron) << i;
    const int64_t fa[] = {a.in_c, a.in_h, a.in_w, a.out_c, a.out_h, a.out_w,
                          a.kernel, a.stride, a.padding, a.rows, a.cols};
    const int64_t fb[] = {b.in_c, b.in_h, b.in_w, b.out_c, b.out_h, b.out_w,
                          b.kernel, b.stride, b.padding, b.rows, b.cols};
    for (int j = 0; j < 11; j++)
        EXPECT_EQ(fa[j], fb[j]) << "layer " << i << " field " << j;
    if (!ps_layer_has_weights(&a)) {
        EXPECT_EQ(b.g_pos_uS, nullptr);
        EXPECT_EQ(b.keep, nullptr);
        return;
    }
    EXPECT_EQ(a.weight_per_uS, b.weight_per_uS) << i;
    const size_t n = (size_t)(a.rows * a.cols);
    EXPECT_EQ(std::memcmp(a.g_pos_uS, b.g_pos_uS, n * 4), 0) << i;
    EXPECT_EQ(std::memcmp(a.g_neg_uS, b.g_neg_uS, n * 4), 0) << i;
    ASSERT_EQ(a.keep == nullptr, b.keep == nullptr) << i;
    if (a.keep) {
        EXPECT_EQ(std::memcmp(a.keep, b.keep, n), 0) << i;
    }
}

} // namespace

TEST(Pwl, RoundTripIsBitExact)
{
    for (bool masks : {true, false}) {
        Net net(masks);
        if (!masks) {
            net.w.recipe_yaml = nullptr;
            net.w.info.test_accuracy = NAN;
        }
        const std::string path = write_or_die(net.w, masks ? "rt_masks.pwl" : "rt_plain.pwl");
        ps_workload *r = nullptr;
        ps_error err{};
        ASSERT_EQ(ps_workload_read(path.c_str(), &r, &err), PS_OK) << err.message;
        const ps_network &a = net.w.net, &b = r->net;
        EXPECT_EQ(b.timesteps, a.timesteps);
        EXPECT_EQ(b.in_c, a.in_c);
        EXPECT_EQ(b.in_h, a.in_h);
        EXPECT_EQ(b.in_w, a.in_w);
        EXPECT_EQ(b.input_max_level, a.input_max_level);
        EXPECT_EQ(b.leak, a.leak);
        EXPECT_EQ(b.v_th, a.v_th);
        EXPECT_EQ(b.negative_slope, a.negative_slope);
        ASSERT_EQ(b.n_layers, a.n_layers);
        for (int i = 0; i < 3; i++)
            expect_same_layer(a.layers[i], b.layers[i], i);
        EXPECT_EQ(r->frames.bins, 5);
        EXPECT_EQ(r->frames.split_by, PS_FRAMES_BY_DURATION);
        EXPECT_FALSE(r->frames.binarise);
        EXPECT_TRUE(r->frames.first_saccade_only);
        EXPECT_EQ(r->frames.first_saccade_ms, 95.5);
        EXPECT_EQ(r->early_stop_alpha, 2.5);
        EXPECT_EQ(r->early_stop_theta, 0.75);
        EXPECT_STREQ(r->info.method, "memristor_pruning");
        EXPECT_STREQ(r->info.dataset, "nmnist-converted:test");
        EXPECT_STREQ(r->info.recipe, "tiny");
        EXPECT_STREQ(r->info.trainer, "primesim test");
        EXPECT_EQ(r->info.seed, -42);
        EXPECT_EQ(r->info.epochs, 3);
        EXPECT_EQ(r->info.train_samples, 800);
        EXPECT_EQ(r->info.test_samples, 200);
        if (masks) {
            EXPECT_EQ(r->info.test_accuracy, 0.9375);
            ASSERT_NE(r->recipe_yaml, nullptr);
            EXPECT_STREQ(r->recipe_yaml, "name: tiny\nseed: -42\n");
        } else {
            EXPECT_TRUE(std::isnan(r->info.test_accuracy));
            EXPECT_EQ(r->recipe_yaml, nullptr);
        }
        ps_workload_free(r);
        std::remove(path.c_str());
    }
}

uint16_t content_version(const std::string &path)
{
    ps_container *c = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_container_open(path.c_str(), PS_PWL_KIND, PS_PWL_VERSION, &c, &err), PS_OK)
        << err.message;
    const uint16_t v = c ? ps_container_get_info(c).content_version : 0;
    ps_container_close(c);
    return v;
}

TEST(Pwl, BiasesAreVersion2AndRoundTrip)
{
    Net net;
    const std::string plain = write_or_die(net.w, "nobias.pwl");
    EXPECT_EQ(content_version(plain), 1); // no bias: what every older reader reads
    const std::vector<float> b0 = {0.25f, -0.125f, 1e-3f}, b2 = {0.5f, 0.0f, -2.0f, 3.0f};
    net.layers[0].bias = b0.data();
    net.layers[2].bias = b2.data();
    const std::string path = write_or_die(net.w, "bias.pwl");
    EXPECT_EQ(content_version(path), 2);
    ps_workload *r = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_workload_read(path.c_str(), &r, &err), PS_OK) << err.message;
    ASSERT_NE(r->net.layers[0].bias, nullptr);
    ASSERT_NE(r->net.layers[2].bias, nullptr);
    EXPECT_EQ(std::vector<float>(r->net.layers[0].bias, r->net.layers[0].bias + 3), b0);
    EXPECT_EQ(std::vector<float>(r->net.layers[2].bias, r->net.layers[2].bias + 4), b2);
    EXPECT_EQ(r->net.layers[1].bias, nullptr);
    EXPECT_EQ(r->net.readout_decay, 0.0);
    ps_workload_free(r);
    // A leaky readout alone is version 2 too, in section 'readout'.
    net.layers[0].bias = net.layers[2].bias = nullptr;
    net.w.net.readout_decay = 0.125;
    const std::string leaky = write_or_die(net.w, "readout.pwl");
    EXPECT_EQ(content_version(leaky), 2);
    ASSERT_EQ(ps_workload_read(leaky.c_str(), &r, &err), PS_OK) << err.message;
    EXPECT_EQ(r->net.readout_decay, 0.125);
    ps_workload_free(r);
    net.w.net.readout_decay = 1.0;
    EXPECT_EQ(ps_workload_write(&net.w, temp_path("readout_bad.pwl").c_str(), &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("readout_decay 1 is not in [0, 1)"), std::string::npos)
        << err.message;
    net.w.net.readout_decay = 0.0;
    std::remove(leaky.c_str());
    net.layers[0].bias = b0.data();
    net.layers[2].bias = b2.data();

    // bias.N of the wrong size, or on the pooling layer: refused naming the layer.
    const std::string small = mutated(path, "bias_small.pwl", [](Sections &s) {
        section(s, "bias.2").resize(12);
    });
    expect_error(small, PS_ERR_FORMAT, {"layer 2 (linear)", "bias has 3 floats, expected 4"});
    const std::string stray = mutated(path, "bias_stray.pwl", [](Sections &s) {
        s.emplace_back("bias.1", std::vector<uint8_t>(12, 0));
    });
    expect_error(stray, PS_ERR_FORMAT, {"section 'bias.1' belongs to no weight layer"});
    // In a version 1 file the name is an unknown optional section: ignored.
    const std::string v1 = temp_path("bias_v1.pwl");
    write_sections(sections_of(path), v1, PS_PWL_KIND, 1);
    ASSERT_EQ(ps_workload_read(v1.c_str(), &r, &err), PS_OK) << err.message;
    EXPECT_EQ(r->net.layers[0].bias, nullptr);
    ps_workload_free(r);
    // The writer refuses a non-finite bias or one on a pooling layer.
    const std::vector<float> bad = {0.0f, NAN, 0.0f};
    net.layers[0].bias = bad.data();
    EXPECT_EQ(ps_workload_write(&net.w, temp_path("bias_nan.pwl").c_str(), &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("bias[1] = nan"), std::string::npos) << err.message;
    net.layers[0].bias = b0.data();
    net.layers[1].bias = b0.data();
    EXPECT_EQ(ps_workload_write(&net.w, temp_path("bias_pool.pwl").c_str(), &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("layer 1 (avgpool2d)"), std::string::npos) << err.message;
    for (const std::string &f : {plain, path, small, stray, v1})
        std::remove(f.c_str());
}

TEST(Pwl, InitSetsTableDefaults)
{
    ps_workload w;
    ps_workload_init(&w);
    EXPECT_EQ(w.frames.bins, 10);
    EXPECT_EQ(w.early_stop_alpha, 2.0);
    EXPECT_EQ(w.early_stop_theta, 0.8);
    EXPECT_TRUE(std::isnan(w.info.test_accuracy));
    EXPECT_EQ(w.net.layers, nullptr);
    ps_workload_free(nullptr);
}

TEST(Pwl, GoldenModelGivesTheSameOutputsOnTheReadBackWorkload)
{
    Net net;
    const std::string path = write_or_die(net.w, "golden.pwl");
    ps_workload *r = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_workload_read(path.c_str(), &r, &err), PS_OK) << err.message;
    const ps_golden_config cfg = ideal_config();
    ps_golden *ga = nullptr, *gb = nullptr;
    ASSERT_EQ(ps_golden_create(&net.w.net, &cfg, &err, &ga), PS_OK) << err.message;
    ASSERT_EQ(ps_golden_create(&r->net, &cfg, &err, &gb), PS_OK) << err.message;
    const size_t frame = 2 * 6 * 6, T = 5;
    int spiking = 0;
    for (uint64_t sample = 0; sample < 8; sample++) {
        std::vector<uint16_t> frames(T * frame);
        for (size_t j = 0; j < frames.size(); j++)
            frames[j] = (uint16_t)((j * 7 + sample * 13) % 11 < 4 ? (j + sample) % 8 : 0);
        ps_golden_result ra{}, rb{};
        ASSERT_EQ(ps_golden_run(ga, frames.data(), sample, &ra, &err), PS_OK) << err.message;
        ASSERT_EQ(ps_golden_run(gb, frames.data(), sample, &rb, &err), PS_OK) << err.message;
        EXPECT_EQ(ra.prediction, rb.prediction);
        EXPECT_EQ(ra.timesteps_run, rb.timesteps_run);
        EXPECT_EQ(ra.confidence, rb.confidence);
        const size_t n = ps_golden_n_outputs(ga) * (size_t)ra.timesteps_run;
        ASSERT_EQ(ps_golden_n_outputs(gb), ps_golden_n_outputs(ga));
        EXPECT_EQ(std::memcmp(ps_golden_outputs(ga), ps_golden_outputs(gb), n * sizeof(float)), 0);
        const uint64_t *sa = ps_golden_spike_counts(ga), *sb = ps_golden_spike_counts(gb);
        for (size_t j = 0; j < (size_t)ra.timesteps_run * 3; j++) {
            EXPECT_EQ(sa[j], sb[j]);
            spiking += sa[j] > 0;
        }
    }
    EXPECT_GT(spiking, 0) << "the test network never spikes: not a useful comparison";
    ps_golden_destroy(ga);
    ps_golden_destroy(gb);
    ps_workload_free(r);
    std::remove(path.c_str());
}

TEST(Pwl, WriterRefusesWhatTheReaderWould)
{
    Net net;
    net.gn2[5] = NAN;
    const std::string path = temp_path("refused.pwl");
    ps_error err{};
    EXPECT_EQ(ps_workload_write(&net.w, path.c_str(), &err), PS_ERR_FORMAT);
    const std::string msg = err.message;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("layer 2 (linear): g_neg[5]"), std::string::npos) << msg;
    EXPECT_NE(access(path.c_str(), F_OK), 0) << "a refused workload left a file";

    Net bad_method;
    std::snprintf(bad_method.w.info.method, sizeof bad_method.w.info.method, "magic");
    EXPECT_EQ(ps_workload_write(&bad_method.w, path.c_str(), &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("method 'magic'"), std::string::npos) << err.message;

    Net bins;
    bins.w.frames.bins = 7;
    EXPECT_EQ(ps_workload_write(&bins.w, path.c_str(), &err), PS_ERR_FORMAT);
    EXPECT_NE(std::string(err.message).find("7 bins, but T = 5"), std::string::npos) << err.message;
}

TEST(Pwl, EverySectionMissingInTurn)
{
    Net net;
    const std::string good = write_or_die(net.w, "missing_good.pwl");
    const Sections all = sections_of(good);
    const std::map<std::string, std::string> where = {
        {"g_pos.0", "layer 0 (conv2d)"}, {"g_neg.0", "layer 0 (conv2d)"}, {"keep.0", "layer 0 (conv2d)"},
        {"g_pos.2", "layer 2 (linear)"}, {"g_neg.2", "layer 2 (linear)"}, {"keep.2", "layer 2 (linear)"}};
    int required = 0;
    for (const auto &drop : all) {
        if (drop.first == "recipe")
            continue; // optional
        required++;
        const std::string path = mutated(good, "missing.pwl", [&](Sections &s) {
            s.erase(std::find_if(s.begin(), s.end(), [&](auto &x) { return x.first == drop.first; }));
        });
        std::vector<std::string> needles = {"section '" + drop.first + "' is missing"};
        if (where.count(drop.first))
            needles.push_back(where.at(drop.first));
        expect_error(path, PS_ERR_FORMAT, needles);
        std::remove(path.c_str());
    }
    EXPECT_EQ(required, 10); // meta, frames, info, layers, 2 x (g_pos, g_neg, keep)
    std::remove(good.c_str());
}

TEST(Pwl, CorruptOrMismatchedFilesGiveClearErrors)
{
    Net net;
    const std::string good = write_or_die(net.w, "corrupt_good.pwl");
    struct Case {
        const char *what;
        std::function<void(Sections &)> change;
        std::vector<std::string> needles;
    };
    const std::vector<Case> cases = {
        {"short matrix", [](Sections &s) { section(s, "g_pos.0").resize(17 * 4); },
         {"layer 0 (conv2d): g_pos has 17 floats, expected 54 (18x3)"}},
        {"partial float", [](Sections &s) { section(s, "g_neg.2").push_back(0); },
         {"layer 2 (linear): g_neg has 108 floats and a partial one, expected 108"}},
        {"long mask", [](Sections &s) { section(s, "keep.2").push_back(1); },
         {"layer 2 (linear): keep has 109 bytes, expected 108"}},
        {"meta size", [](Sections &s) { section(s, "meta").resize(80); },
         {"section 'meta' has 80 bytes, expected 88"}},
        {"layers size", [](Sections &s) { section(s, "layers").resize(2 * 104); },
         {"section 'layers' has 208 bytes, expected 312 (3 layers of 104)"}},
        {"frames size", [](Sections &s) { section(s, "frames").resize(16); },
         {"section 'frames' has 16 bytes, expected 24"}},
        {"info trailing", [](Sections &s) { section(s, "info").push_back(0); },
         {"section 'info' has"}},
        {"info short", [](Sections &s) { section(s, "info").resize(30); },
         {"section 'info': dataset runs past the section's end"}},
        {"shape does not follow", [](Sections &s) { put_i64_at(section(s, "layers"), 40, 5); },
         {"layer 0 (conv2d): output 5x6 does not follow"}},
        {"input does not chain", [](Sections &s) { put_i64_at(section(s, "layers"), 104 + 8, 4); },
         {"layer 1 (avgpool2d): input 4x6x6"}},
        {"matrix shape", [](Sections &s) { put_i64_at(section(s, "layers"), 2 * 104 + 80, 26); },
         {"layer 2 (linear): matrix 26x4"}},
        {"huge extent", [](Sections &s) { put_i64_at(section(s, "layers"), 8, INT64_C(1) << 62); },
         {"layer 0 (conv2d): a shape field is outside"}},
        {"negative extent", [](Sections &s) { put_i64_at(section(s, "layers"), 2 * 104 + 88, -4); },
         {"layer 2 (linear): a shape field is outside"}},
        {"NaN conductance", [](Sections &s) { put_f32_at(section(s, "g_pos.2"), 4 * 9, NAN); },
         {"layer 2 (linear): g_pos[9] = nan"}},
        {"infinite conductance", [](Sections &s) { put_f32_at(section(s, "g_neg.0"), 0, INFINITY); },
         {"layer 0 (conv2d): g_neg[0] = inf"}},
        {"negative conductance", [](Sections &s) { put_f32_at(section(s, "g_neg.0"), 8, -1.0f); },
         {"layer 0 (conv2d): g_neg[2] = -1"}},
        {"keep value 2", [](Sections &s) { section(s, "keep.0")[3] = 2; },
         {"layer 0 (conv2d): keep[3] = 2, expected 0 or 1"}},
        {"layer kind", [](Sections &s) { section(s, "layers")[104] = 7; },
         {"layer 1: unknown kind 7"}},
        {"neuron kind", [](Sections &s) { section(s, "layers")[1] = 9; },
         {"layer 0 (conv2d): unknown neuron 9"}},
        {"has_keep", [](Sections &s) { section(s, "layers")[2] = 3; },
         {"layer 0 (conv2d): has_keep = 3"}},
        {"reserved", [](Sections &s) { section(s, "layers")[2 * 104 + 5] = 1; },
         {"layer 2: reserved bytes are not zero"}},
        {"stray mask", [](Sections &s) { s.emplace_back("keep.1", std::vector<uint8_t>(4)); },
         {"section 'keep.1' belongs to no weight layer"}},
        {"stray matrix", [](Sections &s) { s.emplace_back("g_pos.9", std::vector<uint8_t>(4)); },
         {"section 'g_pos.9' belongs to no weight layer"}},
        {"weight scale", [](Sections &s) { put_i64_at(section(s, "layers"), 96, 0); },
         {"layer 0 (conv2d): weight_per_uS 0"}},
        {"zero layers", [](Sections &s) { ps_store_u32(section(s, "meta").data(), 0); },
         {"section 'meta': 0 layers"}},
        {"meta flags", [](Sections &s) { section(s, "meta")[4] = 1; },
         {"section 'meta': flags are not zero"}},
        {"no integrator last", [](Sections &s) { section(s, "layers")[2 * 104 + 1] = PS_NEURON_LIF; },
         {"the last layer must be an integrator"}},
        {"split_by", [](Sections &s) { section(s, "frames")[8] = 2; },
         {"section 'frames': split_by = 2"}},
        {"binarise", [](Sections &s) { section(s, "frames")[9] = 5; },
         {"section 'frames': binarise = 5"}},
        {"bins vs T", [](Sections &s) { put_i64_at(section(s, "frames"), 0, 6); },
         {"frames: 6 bins, but T = 5"}},
        {"saccade ms", [](Sections &s) { put_i64_at(section(s, "frames"), 16, 0); },
         {"frames.first_saccade_ms: 0"}},
        {"theta", [](Sections &s) {
             double v = 1.5;
             uint64_t bits;
             std::memcpy(&bits, &v, 8);
             ps_store_u64(&section(s, "meta")[80], bits);
         },
         {"early stop", "theta 1.5"}},
        {"method too long", [](Sections &s) {
             auto &b = section(s, "info");
             ps_store_u32(b.data(), 40);
         },
         {"section 'info': method"}},
        {"method with NUL", [](Sections &s) { section(s, "info")[4 + 3] = 0; },
         {"section 'info': method contains a NUL byte"}},
        {"unknown method", [](Sections &s) { section(s, "info")[4] = 'x'; },
         {"info: method 'xemristor_pruning' is not one of"}},
        {"recipe NUL", [](Sections &s) { section(s, "recipe")[2] = 0; },
         {"section 'recipe' contains a NUL byte"}},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        const std::string path = mutated(good, "corrupt.pwl", c.change);
        expect_error(path, PS_ERR_FORMAT, c.needles);
        std::remove(path.c_str());
    }

    // An unknown optional section from a later writer is ignored.
    const std::string extra = mutated(good, "extra.pwl", [](Sections &s) {
        s.emplace_back("calibration", std::vector<uint8_t>{1, 2, 3});
    });
    ps_workload *w = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_workload_read(extra.c_str(), &w, &err), PS_OK) << err.message;
    ps_workload_free(w);
    std::remove(extra.c_str());

    const Sections secs = sections_of(good);
    const std::string kind = temp_path("kind.pwl");
    write_sections(secs, kind, "NMNP");
    expect_error(kind, PS_ERR_FOREIGN, {"holds 'NMNP' content, expected 'PWL_'"});
    const std::string newer = temp_path("newer.pwl");
    write_sections(secs, newer, PS_PWL_KIND, PS_PWL_VERSION + 1);
    expect_error(newer, PS_ERR_VERSION,
                 {"format version " + std::to_string(PS_PWL_VERSION + 1) +
                  " is newer than this build reads (" + std::to_string(PS_PWL_VERSION) + ")"});
    const std::string absent = temp_path("absent.pwl");
    ps_workload *none = nullptr;
    EXPECT_EQ(ps_workload_read(absent.c_str(), &none, &err), PS_ERR_NOT_FOUND) << err.message;
    EXPECT_NE(std::string(err.message).find(absent), std::string::npos) << err.message;
    std::remove(kind.c_str());
    std::remove(newer.c_str());
    std::remove(good.c_str());
}

// Random bytes written into valid containers (so the checksums hold and
// the workload reader itself must cope): never a crash, and any error
// names the file.
TEST(Pwl, RandomSectionDamageNeverCrashes)
{
    Net net;
    const std::string good = write_or_die(net.w, "fuzz_good.pwl");
    const Sections base = sections_of(good);
    const std::string path = temp_path("fuzz.pwl");
    uint64_t state = 99;
    auto next = [&state]() {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        return state;
    };
    int refused = 0, runs = 0;
    for (size_t which = 0; which < base.size(); which++) {
        for (int k = 0; k < 25; k++) {
            Sections s = base;
            std::vector<uint8_t> &b = s[which].second;
            const uint64_t r = next();
            if (b.empty() || r % 5 == 0)
                b.resize(b.empty() ? 0 : r % (b.size() + 1));
            else
                for (int flips = 0; flips < 1 + (int)(r % 3); flips++)
                    b[next() % b.size()] = (uint8_t)next();
            write_sections(s, path);
            ps_workload *w = nullptr;
            ps_error err{};
            const ps_status st = ps_workload_read(path.c_str(), &w, &err);
            runs++;
            if (st != PS_OK) {
                refused++;
                EXPECT_EQ(w, nullptr);
                EXPECT_EQ(std::string(err.message).rfind(path, 0), 0u) << err.message;
            } else {
                ps_error check{};
                EXPECT_EQ(ps_workload_check(w, &check), PS_OK) << check.message;
            }
            ps_workload_free(w);
        }
    }
    EXPECT_GT(refused, runs / 2);
    std::remove(path.c_str());
    std::remove(good.c_str());
}

// `primesim inspect` reads a workload in full: a damaged one is exit 2 with
// the reader's message, a good one gets the summary.
TEST(Pwl, InspectSummarisesAndRefuses)
{
    Net net;
    const std::string good = write_or_die(net.w, "inspect.pwl");
    auto run = [](const std::string &args, std::string *out) {
        const testcmd::Result r = testcmd::run_primesim("inspect " + args);
        *out = r.out;
        return r.code;
    };
    std::string out;
    ASSERT_EQ(run(good + " --recipe", &out), 0) << out;
    for (const char *needle :
         {"layers", "conv2d    lif        2x6x6      3x6x6      3/1/1   18x3",
          "avgpool2d none       3x6x6      3x3x3      2/2/0", "linear    integrator 3x3x3",
          "frames          5 bins by duration, counts, first saccade only (< 95.5 ms)",
          "early stop      alpha 2.5, theta 0.75", "method          memristor_pruning",
          "test accuracy   93.75%", "kept G+", "pruned G+ and G-", "recipe text\nname: tiny"})
        EXPECT_NE(out.find(needle), std::string::npos) << needle << " not in:\n" << out;
    const std::string bad = mutated(good, "inspect_bad.pwl",
                                    [](Sections &s) { section(s, "keep.0")[3] = 2; });
    EXPECT_EQ(run(bad, &out), 2) << out;
    EXPECT_NE(out.find(bad + ": layer 0 (conv2d): keep[3] = 2"), std::string::npos) << out;
    std::remove(bad.c_str());
    std::remove(good.c_str());
}
