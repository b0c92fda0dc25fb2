// The shipped default workload: it reads, it says where it came from, and its
// conductances are what its recorded recipe and seed give: kept pairs as the
// device formed them, pruned pairs as the device RESETs them.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config/config.hpp"
#include "pwl.h"
#include "train/trainer.h"

namespace {

const std::string path = std::string(PRIMESIM_SOURCE_DIR) + "/workloads/default/prime_nmnist.pwl";

} // namespace

TEST(TrainDefault, ShippedWorkloadIsTheRecipesOutput)
{
    ps_workload *w = nullptr;
    ps_error err{};
    ASSERT_EQ(ps_workload_read(path.c_str(), &w, &err), PS_OK) << err.message;
    EXPECT_STREQ(w->info.method, "memristor_pruning");
    EXPECT_STREQ(w->info.recipe, "prime_nmnist");
    EXPECT_GE(w->info.test_accuracy, 0.9);
    EXPECT_EQ(w->net.timesteps, 10);
    int64_t kept, total;
    ps_network_count_pairs(&w->net, &kept, &total);
    EXPECT_EQ(total, 42840);
    EXPECT_EQ(kept, 21420);
    ASSERT_NE(w->recipe_yaml, nullptr);

    // Rebuild the trainer from the recorded recipe: same seed, same device.
    const std::string recipe = ::testing::TempDir() + "default_recipe.yaml";
    std::ofstream(recipe) << w->recipe_yaml;
    ps_trainer_config cfg;
    ps_trainer_config_defaults(&cfg);
    primesim::ConfigSection schema;
    schema.add("train", &ps_train_param_table, &cfg.train);
    schema.add("device", &ps_device_param_table, &cfg.device);
    schema.add("frames", &ps_frames_param_table, &cfg.frames);
    primesim::load_and_bind(recipe, {}, schema);
    std::remove(recipe.c_str());
    EXPECT_EQ(cfg.train.seed, w->info.seed);
    ps_trainer *tr = nullptr;
    ASSERT_EQ(ps_trainer_create(&cfg, &err, &tr), PS_OK) << err.message;
    // Untrained, with all pairs kept (random_unpruned) it exports the formed pairs;
    // with the file's masks pruned ones must equal the device's RESET values,
    // which the trainer drew the same way: compare both through a pruning export.
    ps_workload fresh{};
    ASSERT_EQ(ps_trainer_export(tr, &fresh, &err), PS_OK) << err.message;
    cfg.train.method = PS_TRAIN_RANDOM_UNPRUNED;
    ps_trainer *formed_tr = nullptr;
    ASSERT_EQ(ps_trainer_create(&cfg, &err, &formed_tr), PS_OK) << err.message;
    ps_workload formed{};
    ASSERT_EQ(ps_trainer_export(formed_tr, &formed, &err), PS_OK) << err.message;
    for (int64_t i = 0; i < w->net.n_layers; i++) {
        const ps_layer &l = w->net.layers[i];
        if (!ps_layer_has_weights(&l))
            continue;
        const ps_layer &f = formed.net.layers[i], &p = fresh.net.layers[i];
        int64_t bad = 0;
        for (int64_t j = 0; j < l.rows * l.cols; j++) {
            if (l.keep[j]) {
                bad += l.g_pos_uS[j] != f.g_pos_uS[j] || l.g_neg_uS[j] != f.g_neg_uS[j];
            } else if (!p.keep[j]) { // pruned in both: the same RESET draw
                bad += l.g_pos_uS[j] != p.g_pos_uS[j] || l.g_neg_uS[j] != p.g_neg_uS[j];
            }
        }
        EXPECT_EQ(bad, 0) << "layer " << i;
    }
    ps_trainer_destroy(formed_tr);
    ps_trainer_destroy(tr);
    ps_workload_free(w);
}
