// The trainer end to end on synthetic data: recipe checks, learning well
// above chance, the same bits with 1 or 2 threads, the export (masks, RESET
// pairs, scale, provenance, file round trip), and the trainer's forward pass
// against the golden functional model on the exported workload.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

#include "data/idx.h"
#include "golden.h"
#include "pwl.h"
#include "train/data.h"
#include "train/layers.h"
#include "train/trainer.h"

namespace {

ps_trainer_config small_config()
{
    ps_trainer_config c;
    ps_trainer_config_defaults(&c);
    std::snprintf(c.train.arch, sizeof c.train.arch, "c6k3p1,p2,f4");
    c.train.in_c = 2, c.train.in_h = 8, c.train.in_w = 8;
    c.train.classes = 4;
    c.train.timesteps = 4;
    c.frames.bins = 4;
    c.train.input_max_level = 3;
    c.train.batch_size = 32;
    c.train.chunk = 8;
    c.train.lr = 0.01;
    c.train.epochs = 4;
    c.train.seed = 3;
    c.device.weight_per_uS = 0.05; // a tiny network needs larger weights to spike
    return c;
}

struct Data {
    ps_train_data *d = nullptr;
    Data(size_t n, uint64_t seed, int64_t T = 4, int64_t h = 8, int classes = 4)
    {
        ps_error err{};
        EXPECT_EQ(ps_train_data_synthetic(n, T, 2, h, h, classes, seed, &err, &d), PS_OK)
            << err.message;
    }
    ~Data() { ps_train_data_free(d); }
};

struct Trainer {
    ps_trainer *t = nullptr;
    explicit Trainer(const ps_trainer_config &c, int threads = 1)
    {
        ps_error err{};
        EXPECT_EQ(ps_trainer_create(&c, &err, &t), PS_OK) << err.message;
        if (t) {
            EXPECT_EQ(ps_trainer_set_threads(t, threads, &err), PS_OK) << err.message;
        }
    }
    ~Trainer() { ps_trainer_destroy(t); }
    void train(const ps_train_data *d, int64_t epochs)
    {
        ps_error err{};
        for (int64_t e = 0; e < epochs; e++)
            ASSERT_EQ(ps_trainer_train_epoch(t, d, e, nullptr, nullptr, nullptr, &err), PS_OK)
                << err.message;
    }
    double accuracy(const ps_train_data *d)
    {
        ps_error err{};
        double acc = 0;
        EXPECT_EQ(ps_trainer_evaluate(t, d, nullptr, &acc, nullptr, nullptr, &err), PS_OK);
        return acc;
    }
};

} // namespace

TEST(Train, RecipeErrorsNameTheKey)
{
    ps_trainer_config c = small_config();
    ps_error err{};
    ps_trainer *t = nullptr;
    std::snprintf(c.train.arch, sizeof c.train.arch, "c6k3p1,q2,f4");
    EXPECT_EQ(ps_trainer_create(&c, &err, &t), PS_ERR_FORMAT);
    EXPECT_NE(std::strstr(err.message, "train.arch"), nullptr) << err.message;
    EXPECT_NE(std::strstr(err.message, "q2"), nullptr) << err.message;
    std::snprintf(c.train.arch, sizeof c.train.arch, "c6k3p1,p2");
    EXPECT_NE(ps_trainer_create(&c, &err, &t), PS_OK);
    EXPECT_NE(std::strstr(err.message, "must end"), nullptr) << err.message;
    std::snprintf(c.train.arch, sizeof c.train.arch, "c6k3p1,p2,f5");
    EXPECT_NE(ps_trainer_create(&c, &err, &t), PS_OK);
    EXPECT_NE(std::strstr(err.message, "train.classes"), nullptr) << err.message;
    c = small_config();
    c.frames.bins = 5;
    EXPECT_EQ(ps_trainer_create(&c, &err, &t), PS_ERR_RANGE);
    EXPECT_NE(std::strstr(err.message, "frames.bins"), nullptr) << err.message;
    c = small_config();
    c.train.keep_fraction = 1.5;
    EXPECT_EQ(ps_trainer_create(&c, &err, &t), PS_ERR_RANGE);
    EXPECT_NE(std::strstr(err.message, "keep_fraction"), nullptr) << err.message;
    EXPECT_EQ(t, nullptr);
    ps_trainer_destroy(nullptr);
}

TEST(Train, PruningLearnsSyntheticDataFarAboveChance)
{
    Data train(512, 1), test(128, 2);
    ps_trainer_config c = small_config();
    c.train.epochs = 10;
    c.train.lr = 0.03;
    Trainer t(c, 2);
    const double before = t.accuracy(test.d);
    t.train(train.d, 10);
    const double after = t.accuracy(test.d);
    EXPECT_GT(after, 0.75) << "chance is 0.25; before training " << before;
    // top-k holds: exactly half of each layer kept
    const size_t n = ps_trainer_n_weights(t.t);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += ps_trainer_masks(t.t)[i];
    EXPECT_EQ(kept, (size_t)(6 * 18 / 2 + 96 * 4 / 2));
}

TEST(Train, WeightTuningLearnsAndRandomUnprunedDoesNot)
{
    Data train(512, 1), test(128, 2);
    ps_trainer_config c = small_config();
    c.train.method = PS_TRAIN_WEIGHT_TUNING;
    c.train.epochs = 8;
    Trainer t(c, 2);
    t.train(train.d, 8);
    EXPECT_GT(t.accuracy(test.d), 0.75);
    c.train.method = PS_TRAIN_RANDOM_UNPRUNED;
    Trainer r(c, 2);
    ps_error err{};
    EXPECT_EQ(ps_trainer_train_epoch(r.t, train.d, 0, nullptr, nullptr, nullptr, &err),
              PS_ERR_UNSUPPORTED);
}

// Static MNIST frames (the baseline without the event converter): a 28x28
// image centred in 34x34 (offset 3), level 1 in the ON channel where the
// pixel is >= 128, the same frame every timestep, labels from the file.
TEST(TrainData, IdxImagesLoadAsStaticFrames)
{
    std::string dir = "/tmp/ps_train_idx_XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    std::vector<uint8_t> images(3 * 28 * 28, 0), labels = {7, 2, 9};
    images[0] = 128;                    // image 0, (0, 0): kept
    images[1] = 127;                    // image 0, (0, 1): below half, dropped
    images[27 * 28 + 27] = 255;         // image 0, (27, 27)
    images[28 * 28 + 5 * 28 + 10] = 200; // image 1, (5, 10)
    ps_image_set set{3, 28, 28, images.data(), labels.data()};
    ps_error err{};
    ASSERT_EQ(ps_image_set_save(dir.c_str(), "toy", &set, &err), PS_OK) << err.message;
    ps_frames_params fp;
    ps_params_set_defaults(&ps_frames_param_table, &fp);
    fp.bins = 3;
    ps_train_data *d = nullptr;
    const std::string path = dir + "/toy-images-idx3-ubyte";
    ASSERT_EQ(ps_train_data_load(path.c_str(), &fp, 15, 2, &err, &d), PS_OK) << err.message;
    ASSERT_EQ(d->count, 2u); // the limit
    EXPECT_EQ(d->T, 3);
    EXPECT_EQ(d->frame, 2u * 34 * 34);
    EXPECT_EQ(d->labels[0], 7);
    EXPECT_EQ(d->labels[1], 2);
    const size_t on = 34 * 34, per = 3 * d->frame;
    std::vector<uint8_t> expect(2 * per, 0);
    for (size_t t = 0; t < 3; t++) {
        expect[t * d->frame + on + 3 * 34 + 3] = 1;
        expect[t * d->frame + on + 30 * 34 + 30] = 1;
        expect[per + t * d->frame + on + 8 * 34 + 13] = 1;
    }
    EXPECT_EQ(std::vector<uint8_t>(d->levels, d->levels + 2 * per), expect);
    ps_train_data_free(d);
    // the labels file missing: the error names it
    const std::string labels_path = dir + "/toy-labels-idx1-ubyte";
    ASSERT_EQ(unlink(labels_path.c_str()), 0);
    d = nullptr;
    EXPECT_EQ(ps_train_data_load(path.c_str(), &fp, 15, 0, &err, &d), PS_ERR_NOT_FOUND);
    EXPECT_NE(std::strstr(err.message, "toy"), nullptr) << err.message;
    EXPECT_EQ(d, nullptr);
    unlink(path.c_str());
    rmdir(dir.c_str());
}

TEST(Train, SameBitsWithOneOrTwoThreads)
{
    Data train(200, 5); // 7 batches of 32 (the last holds 8), 4 chunks each
    ps_trainer_config c = small_config();
    Trainer a(c, 1), b(c, 2);
    a.train(train.d, 2);
    b.train(train.d, 2);
    const size_t n = ps_trainer_n_weights(a.t);
    EXPECT_EQ(std::memcmp(ps_trainer_params(a.t), ps_trainer_params(b.t), n * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(ps_trainer_weights(a.t), ps_trainer_weights(b.t), n * sizeof(float)), 0);
    std::vector<float> la(200 * 4), lb(200 * 4);
    ps_error err{};
    ASSERT_EQ(ps_trainer_evaluate(a.t, train.d, nullptr, nullptr, nullptr, la.data(), &err), PS_OK);
    ASSERT_EQ(ps_trainer_evaluate(b.t, train.d, nullptr, nullptr, nullptr, lb.data(), &err), PS_OK);
    EXPECT_EQ(la, lb);
    // and a different seed gives different weights
    c.train.seed = 4;
    Trainer d(c, 1);
    EXPECT_NE(std::memcmp(ps_trainer_weights(a.t), ps_trainer_weights(d.t), n * sizeof(float)), 0);
}

TEST(Train, ExportHoldsTheChipConductances)
{
    Data train(256, 1);
    ps_trainer_config c = small_config();
    Trainer t(c, 2);
    t.train(train.d, 1);
    ps_workload w{};
    ps_error err{};
    ASSERT_EQ(ps_trainer_export(t.t, &w, &err), PS_OK) << err.message;
    EXPECT_STREQ(w.info.method, "memristor_pruning");
    EXPECT_EQ(w.info.seed, 3);
    EXPECT_EQ(w.net.timesteps, 4);
    EXPECT_DOUBLE_EQ(w.early_stop_alpha, 2.0);
    EXPECT_DOUBLE_EQ(w.early_stop_theta, 0.8);
    ASSERT_EQ(w.net.n_layers, 3);
    const ps_layer &conv = w.net.layers[0];
    EXPECT_EQ(conv.kind, PS_LAYER_CONV2D);
    EXPECT_EQ(conv.rows, 18);
    EXPECT_EQ(conv.cols, 6);
    EXPECT_DOUBLE_EQ(conv.weight_per_uS, 0.05);
    // The device's reset state is ~0.5 uS with spread 0.1; formed cells ~20 uS.
    double kept_mean = 0, pruned_mean = 0;
    int kept = 0, pruned = 0;
    for (int64_t i = 0; i < conv.rows * conv.cols; i++) {
        const double g = 0.5 * (conv.g_pos_uS[i] + conv.g_neg_uS[i]);
        if (conv.keep[i])
            kept_mean += g, kept++;
        else
            pruned_mean += g, pruned++;
    }
    EXPECT_EQ(kept, 54);
    EXPECT_NEAR(pruned_mean / pruned, 0.5, 0.1);
    EXPECT_NEAR(kept_mean / kept, 20.0, 3.0);
    // The forward pass uses exactly weight_per_uS * (G+ - G-).
    const float *weff = ps_trainer_weights(t.t);
    for (int64_t i = 0; i < conv.rows * conv.cols; i++)
        EXPECT_EQ(weff[i], (float)(0.05 * ((double)conv.g_pos_uS[i] - (double)conv.g_neg_uS[i])));
    // The file round trip keeps every conductance.
    const std::string path = ::testing::TempDir() + "train_export.pwl";
    std::snprintf(w.info.dataset, sizeof w.info.dataset, "synthetic");
    w.info.test_accuracy = 0.5;
    ASSERT_EQ(ps_workload_write(&w, path.c_str(), &err), PS_OK) << err.message;
    ps_workload *r = nullptr;
    ASSERT_EQ(ps_workload_read(path.c_str(), &r, &err), PS_OK) << err.message;
    ASSERT_EQ(r->net.n_layers, 3);
    const ps_layer &rc = r->net.layers[2];
    const ps_layer &wc = w.net.layers[2];
    EXPECT_EQ(std::memcmp(rc.g_pos_uS, wc.g_pos_uS, (size_t)(wc.rows * wc.cols) * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(rc.keep, wc.keep, (size_t)(wc.rows * wc.cols)), 0);
    EXPECT_STREQ(r->info.method, "memristor_pruning");
    ps_workload_free(r);
    std::remove(path.c_str());
}

TEST(Train, SoftwarePruningExportsExactZeros)
{
    ps_trainer_config c = small_config();
    c.train.method = PS_TRAIN_SOFTWARE_PRUNING;
    Trainer t(c);
    ps_workload w{};
    ps_error err{};
    ASSERT_EQ(ps_trainer_export(t.t, &w, &err), PS_OK) << err.message;
    const ps_layer &fc = w.net.layers[2];
    for (int64_t i = 0; i < fc.rows * fc.cols; i++) {
        if (!fc.keep[i]) {
            EXPECT_EQ(fc.g_pos_uS[i], 0.0f);
            EXPECT_EQ(fc.g_neg_uS[i], 0.0f);
        }
        EXPECT_TRUE(fc.g_pos_uS[i] == 0.0f || fc.g_neg_uS[i] == 0.0f);
    }
}

namespace {

struct Trace {
    std::vector<std::vector<float>> values, membranes; // [t * L + layer]
    int L;
    explicit Trace(int layers) : L(layers) {}
};

void trainer_obs(void *ctx, int64_t t, int64_t layer, const float *v, const float *m, size_t n)
{
    auto *tr = static_cast<Trace *>(ctx);
    const size_t k = (size_t)(t * tr->L + layer);
    if (tr->values.size() <= k)
        tr->values.resize(k + 1), tr->membranes.resize(k + 1);
    tr->values[k].assign(v, v + n);
    if (m)
        tr->membranes[k].assign(m, m + n);
}

void golden_obs(void *ctx, int64_t t, int64_t layer, const float *v, size_t n)
{
    trainer_obs(ctx, t, layer, v, nullptr, n);
}

// Runs data through the trainer and the ideal golden model on the exported
// network; returns the number of samples whose spikes diverged (each such
// divergence must start at a membrane within 1e-5 of v_th).
int compare_with_golden(ps_trainer *tr, const ps_train_data *d, const ps_workload &w)
{
    ps_golden_config gc;
    ps_golden_config_ideal(&gc);
    ps_golden *g = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_golden_create(&w.net, &gc, &err, &g), PS_OK) << err.message;
    if (!g)
        return -1;
    const int L = (int)w.net.n_layers, T = (int)w.net.timesteps;
    const float v_th = (float)w.net.v_th;
    const size_t per = (size_t)T * d->frame;
    int diverged = 0;
    std::vector<uint16_t> frames(per);
    std::vector<float> logits((size_t)d->classes);
    for (size_t s = 0; s < d->count; s++) {
        const uint8_t *lv = d->levels + s * per;
        for (size_t i = 0; i < per; i++)
            frames[i] = lv[i];
        Trace mine(L), gold(L);
        EXPECT_EQ(ps_trainer_trace(tr, lv, logits.data(), trainer_obs, &mine, &err), PS_OK);
        ps_golden_set_observer(g, golden_obs, &gold);
        ps_golden_result res{};
        EXPECT_EQ(ps_golden_run(g, frames.data(), s, &res, &err), PS_OK) << err.message;
        bool split = false;
        for (int t = 0; t < T && !split; t++)
            for (int l = 0; l < L && !split; l++) {
                const ps_layer &layer = w.net.layers[l];
                const auto &a = mine.values[(size_t)(t * L + l)];
                const auto &b = gold.values[(size_t)(t * L + l)];
                EXPECT_EQ(a.size(), b.size());
                for (size_t j = 0; j < a.size() && !split; j++) {
                    if (layer.neuron == PS_NEURON_LIF && a[j] != b[j]) {
                        const float u = mine.membranes[(size_t)(t * L + l)][j];
                        EXPECT_LT(std::fabs(u - v_th), 1e-5f)
                            << "sample " << s << " t " << t << " layer " << l << " neuron " << j
                            << ": spike differs with membrane " << u;
                        split = true;
                    } else if (layer.kind == PS_LAYER_AVGPOOL2D) {
                        const float k2 = (float)(layer.kernel * layer.kernel);
                        EXPECT_EQ(a[j] * k2, b[j]) << "pool, sample " << s << " t " << t;
                    } else if (layer.neuron == PS_NEURON_INTEGRATOR) {
                        EXPECT_NEAR(a[j], b[j], 1e-4 * std::max(1.0f, std::fabs(b[j])))
                            << "membrane, sample " << s << " t " << t << " out " << j;
                    }
                }
            }
        if (split) {
            diverged++;
            continue;
        }
        // logits: the golden running mean at T against the trainer's mean
        const float *u = ps_golden_outputs(g);
        const size_t K = ps_golden_n_outputs(g);
        for (size_t k = 0; k < K; k++) {
            double mean = 0;
            for (int t = 0; t < T; t++)
                mean += u[(size_t)t * K + k];
            mean /= T;
            EXPECT_NEAR(logits[k], mean, 1e-4 * std::max(1.0, std::fabs(mean))) << "sample " << s;
        }
        EXPECT_EQ(res.prediction, ps_argmax(logits.data(), (int)K)) << "sample " << s;
    }
    ps_golden_destroy(g);
    return diverged;
}

} // namespace

TEST(Train, ForwardEqualsGoldenModelOnTheExport)
{
    Data train(256, 1), test(64, 9);
    ps_trainer_config c = small_config();
    Trainer t(c, 2);
    t.train(train.d, 2);
    ps_workload w{};
    ps_error err{};
    ASSERT_EQ(ps_trainer_export(t.t, &w, &err), PS_OK) << err.message;
    const int diverged = compare_with_golden(t.t, test.d, w);
    EXPECT_LE(diverged, 2) << "of 64 samples";
    RecordProperty("diverged_samples", diverged);
}

TEST(Train, PrimeNetworkForwardEqualsGoldenModel)
{
    // PRIME's classifier (sec. 3) on synthetic 34x34 frames, untrained scores.
    Data d(12, 4, 10, 34, 10);
    ps_trainer_config c;
    ps_trainer_config_defaults(&c);
    Trainer t(c);
    ps_workload w{};
    ps_error err{};
    ASSERT_EQ(ps_trainer_export(t.t, &w, &err), PS_OK) << err.message;
    EXPECT_EQ(w.net.layers[4].rows, 2304);
    int64_t kept, total;
    ps_network_count_pairs(&w.net, &kept, &total);
    EXPECT_EQ(total, 42840); // docs/prime.md sec. 3
    EXPECT_EQ(kept, 21420);
    EXPECT_LE(compare_with_golden(t.t, d.d, w), 1) << "of 12 samples";
}
