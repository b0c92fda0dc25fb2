// Writes the binary seed corpora of the fuzz targets (tests/fuzz/<target>/)
// from the bundled files: small workloads, a few bundled N-MNIST test digits
// cut short (event files, packed files in both content versions) and a tiny
// IDX image set. The YAML seeds are copies of shipped configs. Run once from
// the repository root: build/tests/fuzz/fuzz_make_seeds; the files are
// committed, so nothing runs this in the tests.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bytes.h"
#include "container.h"
#include "data/idx.h"
#include "data/nmnist.h"
#include "pwl.h"

namespace {

void check(ps_status s, const ps_error &err)
{
    if (s != PS_OK) {
        std::fprintf(stderr, "make_seeds: %s\n", err.message);
        std::exit(1);
    }
}

// conv 2->3 k3 pad1 on 6x6 (LIF) -> avg-pool 2 -> linear 27->4 (integrator),
// or, small, linear 4->3 (LIF) -> linear 3->2 (integrator).
void write_workload(const std::string &path, bool small)
{
    uint64_t state = 12345;
    auto uniform = [&state]() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return (double)(state >> 11) / 9007199254740992.0;
    };
    std::vector<std::vector<float>> g(4);
    std::vector<std::vector<uint8_t>> keep(2);
    auto fill = [&](int m, size_t n) {
        g[2 * m].resize(n), g[2 * m + 1].resize(n), keep[m].resize(n);
        for (size_t j = 0; j < n; j++) {
            keep[m][j] = uniform() < 0.5;
            g[2 * m][j] = keep[m][j] ? (float)(20.0 * uniform()) : 0.5f;
            g[2 * m + 1][j] = keep[m][j] ? (float)(20.0 * uniform()) : 0.5f;
        }
    };
    std::vector<ps_layer> layers;
    ps_workload w;
    ps_workload_init(&w);
    if (small) {
        ps_layer a{};
        a.kind = PS_LAYER_LINEAR, a.neuron = PS_NEURON_LIF;
        a.in_c = 4, a.in_h = 1, a.in_w = 1, a.out_c = 3, a.out_h = 1, a.out_w = 1;
        a.rows = 4, a.cols = 3, a.weight_per_uS = 0.05;
        ps_layer b = a;
        b.neuron = PS_NEURON_INTEGRATOR, b.in_c = 3, b.out_c = 2, b.rows = 3, b.cols = 2;
        fill(0, 12), fill(1, 6);
        layers = {a, b};
        w.net.timesteps = 3, w.net.in_c = 4, w.net.in_h = 1, w.net.in_w = 1;
        w.frames.bins = 3;
    } else {
        ps_layer conv{};
        conv.kind = PS_LAYER_CONV2D, conv.neuron = PS_NEURON_LIF;
        conv.in_c = 2, conv.in_h = 6, conv.in_w = 6, conv.out_c = 3, conv.out_h = 6, conv.out_w = 6;
        conv.kernel = 3, conv.stride = 1, conv.padding = 1, conv.rows = 18, conv.cols = 3;
        conv.weight_per_uS = 0.02;
        ps_layer pool{};
        pool.kind = PS_LAYER_AVGPOOL2D, pool.neuron = PS_NEURON_NONE;
        pool.in_c = 3, pool.in_h = 6, pool.in_w = 6, pool.out_c = 3, pool.out_h = 3, pool.out_w = 3;
        pool.kernel = 2, pool.stride = 2;
        ps_layer fc{};
        fc.kind = PS_LAYER_LINEAR, fc.neuron = PS_NEURON_INTEGRATOR;
        fc.in_c = 3, fc.in_h = 3, fc.in_w = 3, fc.out_c = 4, fc.out_h = 1, fc.out_w = 1;
        fc.rows = 27, fc.cols = 4, fc.weight_per_uS = 0.01;
        fill(0, 54), fill(1, 108);
        layers = {conv, pool, fc};
        w.net.timesteps = 5, w.net.in_c = 2, w.net.in_h = 6, w.net.in_w = 6;
        w.frames.bins = 5;
        w.frames.split_by = PS_FRAMES_BY_DURATION;
        w.frames.first_saccade_only = true;
        w.recipe_yaml = "name: tiny\nseed: 7\n";
    }
    for (size_t i = 0, m = 0; i < layers.size(); i++)
        if (ps_layer_has_weights(&layers[i])) {
            layers[i].g_pos_uS = g[2 * m].data(), layers[i].g_neg_uS = g[2 * m + 1].data();
            layers[i].keep = m == 0 ? keep[m].data() : nullptr;
            m++;
        }
    w.net.input_max_level = 7;
    w.net.leak = 0.2, w.net.v_th = 0.2, w.net.negative_slope = 0.1;
    w.net.n_layers = (int64_t)layers.size();
    w.net.layers = layers.data();
    std::snprintf(w.info.method, sizeof w.info.method, "memristor_pruning");
    std::snprintf(w.info.dataset, sizeof w.info.dataset, "nmnist-converted:test");
    std::snprintf(w.info.recipe, sizeof w.info.recipe, "tiny");
    std::snprintf(w.info.trainer, sizeof w.info.trainer, "fuzz seeds");
    ps_error err{};
    check(ps_workload_write(&w, path.c_str(), &err), err);
}

// Version 1 (5-byte events), built from its sections as FORMAT.md lays it out.
void write_packed_v1(const std::string &path, const std::vector<ps_nmnist_entry> &entries,
                     const std::vector<std::vector<ps_event>> &events)
{
    ps_bytes info, samples, ev;
    ps_bytes_init(&info), ps_bytes_init(&samples), ps_bytes_init(&ev);
    uint64_t total = 0;
    ps_error err{};
    for (size_t i = 0; i < entries.size(); i++) {
        ps_bytes_put_u32(&samples, entries[i].id);
        const uint8_t rec[4] = {entries[i].label, entries[i].split, 0, 0};
        ps_bytes_put(&samples, rec, 4);
        ps_bytes_put_u32(&samples, (uint32_t)events[i].size());
        check(ps_nmnist_encode(events[i].data(), events[i].size(), &ev, &err), err);
        total += events[i].size();
    }
    ps_bytes_put_u32(&info, (uint32_t)entries.size());
    ps_bytes_put_u64(&info, total);
    ps_bytes_put_u16(&info, PS_EVENT_WIDTH);
    ps_bytes_put_u16(&info, PS_EVENT_HEIGHT);
    ps_container_writer *w = nullptr;
    if (ps_container_writer_create(PS_NMNIST_PACKED_KIND, 1, &w) != PS_OK)
        std::exit(1);
    check(ps_container_add(w, "info", info.data, info.size, &err), err);
    check(ps_container_add(w, "samples", samples.data, samples.size, &err), err);
    check(ps_container_add(w, "events", ev.data, ev.size, &err), err);
    check(ps_container_write(w, path.c_str(), 0, &err), err);
    ps_container_writer_destroy(w);
    ps_bytes_free(&info), ps_bytes_free(&samples), ps_bytes_free(&ev);
}

void write_digits(const std::string &out)
{
    ps_error err{};
    ps_nmnist_packed *pk = nullptr;
    check(ps_nmnist_packed_open("workloads/default/nmnist_test_100.nmnp", &pk, &err), err);
    std::vector<ps_nmnist_entry> entries;
    std::vector<std::vector<ps_event>> events;
    const size_t keep[] = {0, 1, 2};
    const size_t cut[] = {40, 200, 12};
    ps_event_buf buf;
    ps_event_buf_init(&buf);
    for (size_t k = 0; k < 3; k++) {
        ps_event_buf_clear(&buf);
        check(ps_nmnist_packed_events(pk, keep[k], true, &buf, nullptr, &err), err);
        const size_t n = buf.count < cut[k] ? buf.count : cut[k];
        entries.push_back(ps_nmnist_packed_entry(pk, keep[k]));
        events.emplace_back(buf.ev, buf.ev + n);
        char name[64];
        std::snprintf(name, sizeof name, "/nmnist/test_%zu_first_%zu.bin", keep[k], n);
        check(ps_nmnist_write_file((out + name).c_str(), buf.ev, n, &err), err);
    }
    ps_event_buf_free(&buf);
    ps_nmnist_packed_close(pk);
    ps_nmnist_packer *packer = nullptr;
    if (ps_nmnist_packer_create(&packer) != PS_OK)
        std::exit(1);
    for (size_t k = 0; k < entries.size(); k++)
        check(ps_nmnist_packer_add(packer, &entries[k], events[k].data(), events[k].size(), &err),
              err);
    check(ps_nmnist_packer_write(packer, (out + "/nmnp/three_digits_v2.nmnp").c_str(), &err), err);
    ps_nmnist_packer_destroy(packer);
    write_packed_v1(out + "/nmnp/three_digits_v1.nmnp", entries, events);
}

void write_idx(const std::string &out)
{
    std::vector<uint8_t> images(3 * 5 * 4), labels = {7, 2, 9};
    for (size_t i = 0; i < images.size(); i++)
        images[i] = (uint8_t)(i * 37);
    ps_image_set set{3, 5, 4, images.data(), labels.data()};
    ps_error err{};
    check(ps_image_set_save((out + "/idx").c_str(), "t10k", &set, &err), err);
}

} // namespace

int main()
{
    const std::string out = "tests/fuzz";
    write_workload(out + "/pwl/linear_4_3_2.pwl", true);
    write_workload(out + "/pwl/conv_pool_linear.pwl", false);
    write_digits(out);
    write_idx(out);
    std::puts("seeds written under tests/fuzz/");
    return 0;
}
