// primesim inspect: what a primesim file holds. Any container gets the
// generic listing; a workload (kind PWL_) is then read in full (every check
// of ps_workload_read) and summarised.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.hpp"
#include "container.h"
#include "pwl.h"

namespace primesim {

namespace {

// Running min / max / mean / std (Welford, so large layers stay exact enough).
struct Moments {
    int64_t n = 0;
    double lo = INFINITY, hi = -INFINITY, mean = 0, m2 = 0;
    void add(double v)
    {
        n++;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        const double d = v - mean;
        mean += d / (double)n;
        m2 += d * (v - mean);
    }
    double std() const { return n > 1 ? std::sqrt(m2 / (double)n) : 0.0; }
};

void print_moments(const char *label, const Moments &m)
{
    if (m.n == 0) {
        std::printf("    %-18s %9s\n", label, "none");
        return;
    }
    std::printf("    %-18s %9lld %10.4g %10.4g %10.4g %10.4g\n", label, (long long)m.n, m.lo,
                m.hi, m.mean, m.std());
}

std::string shape(int64_t c, int64_t h, int64_t w)
{
    return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

void print_workload(const ps_workload &w, bool show_recipe)
{
    const ps_network &net = w.net;
    std::printf("\nnetwork\n  T               %lld timesteps\n  input           %s, levels "
                "0..%lld\n  LIF             leak %g, v_th %g, negative slope %g\n",
                (long long)net.timesteps, shape(net.in_c, net.in_h, net.in_w).c_str(),
                (long long)net.input_max_level, net.leak, net.v_th, net.negative_slope);
    std::printf("  frames          %lld bins by %s, %s", (long long)w.frames.bins,
                w.frames.split_by == PS_FRAMES_BY_DURATION ? "duration" : "event count",
                w.frames.binarise ? "binarised" : "counts");
    if (w.frames.first_saccade_only)
        std::printf(", first saccade only (< %g ms)", w.frames.first_saccade_ms);
    std::printf("\n  early stop      alpha %g, theta %g\n", w.early_stop_alpha, w.early_stop_theta);

    std::printf("\nlayers\n  %-2s %-9s %-10s %-10s %-10s %-7s %-11s %7s %9s\n", "#", "kind",
                "neuron", "in", "out", "k/s/p", "matrix", "kept", "w/uS");
    for (int64_t i = 0; i < net.n_layers; i++) {
        const ps_layer &l = net.layers[i];
        char ksp[32] = "-", matrix[48] = "-", kept[16] = "-", scale[24] = "-";
        if (l.kind != PS_LAYER_LINEAR)
            std::snprintf(ksp, sizeof ksp, "%lld/%lld/%lld", (long long)l.kernel,
                          (long long)l.stride, (long long)l.padding);
        if (ps_layer_has_weights(&l)) {
            const int64_t n = l.rows * l.cols;
            int64_t k = n;
            if (l.keep) {
                k = 0;
                for (int64_t j = 0; j < n; j++)
                    k += l.keep[j];
            }
            std::snprintf(matrix, sizeof matrix, "%lldx%lld", (long long)l.rows,
                          (long long)l.cols);
            std::snprintf(kept, sizeof kept, "%.1f%%", n ? 100.0 * (double)k / (double)n : 0.0);
            std::snprintf(scale, sizeof scale, "%g", l.weight_per_uS);
        }
        std::printf("  %-2lld %-9s %-10s %-10s %-10s %-7s %-11s %7s %9s\n", (long long)i,
                    ps_layer_kind_name(l.kind), ps_neuron_kind_name(l.neuron),
                    shape(l.in_c, l.in_h, l.in_w).c_str(), shape(l.out_c, l.out_h, l.out_w).c_str(),
                    ksp, matrix, kept, scale);
    }
    int64_t kept = 0, total = 0;
    ps_network_count_pairs(&net, &kept, &total);
    std::printf("  pairs           %lld of %lld kept (%.1f%%), %lld cells\n", (long long)kept,
                (long long)total, total ? 100.0 * (double)kept / (double)total : 0.0,
                (long long)(2 * total));

    std::printf("\nconductances (uS)        cells        min        max       mean        std\n");
    for (int64_t i = 0; i < net.n_layers; i++) {
        const ps_layer &l = net.layers[i];
        if (!ps_layer_has_weights(&l))
            continue;
        Moments kp, kn, pruned, weight;
        for (int64_t j = 0; j < l.rows * l.cols; j++) {
            const double gp = l.g_pos_uS[j], gn = l.g_neg_uS[j];
            if (!l.keep || l.keep[j]) {
                kp.add(gp);
                kn.add(gn);
                weight.add(l.weight_per_uS * (gp - gn));
            } else {
                pruned.add(gp);
                pruned.add(gn);
            }
        }
        std::printf("  layer %lld (%s)\n", (long long)i, ps_layer_kind_name(l.kind));
        print_moments("kept G+", kp);
        print_moments("kept G-", kn);
        print_moments("pruned G+ and G-", pruned);
        print_moments("kept weight", weight);
        Moments bias;
        for (int64_t c = 0; l.bias && c < l.cols; c++)
            bias.add(l.bias[c]);
        print_moments("bias", bias);
    }

    const ps_workload_info &in = w.info;
    std::printf("\nprovenance\n  method          %s\n  dataset         %s\n  recipe          %s\n"
                "  seed            %lld\n  epochs          %lld\n  samples         %lld train, "
                "%lld test\n",
                in.method, in.dataset[0] ? in.dataset : "-", in.recipe[0] ? in.recipe : "-",
                (long long)in.seed, (long long)in.epochs, (long long)in.train_samples,
                (long long)in.test_samples);
    if (std::isnan(in.test_accuracy))
        std::printf("  test accuracy   not measured\n");
    else
        std::printf("  test accuracy   %.2f%%\n", 100.0 * in.test_accuracy);
    std::printf("  trainer         %s\n", in.trainer[0] ? in.trainer : "-");
    if (!w.recipe_yaml) {
        std::printf("  recipe text     none\n");
    } else if (show_recipe) {
        std::printf("\nrecipe text\n%s%s", w.recipe_yaml,
                    *w.recipe_yaml && w.recipe_yaml[std::strlen(w.recipe_yaml) - 1] != '\n' ? "\n"
                                                                                             : "");
    } else {
        std::printf("  recipe text     %zu bytes (--recipe prints it)\n",
                    std::strlen(w.recipe_yaml));
    }
}

} // namespace

void define_inspect(Args &args)
{
    args.shipped({}, true);
    args.usage("FILE",
               "Verifies a primesim container file (workload .pwl, packed dataset) — header,\n"
               "checksums, section table — and prints its kind, versions and sections.\n"
               "A workload file is then read and checked in full and summarised: network,\n"
               "frame binning, early-stop defaults, layers, conductance statistics of kept\n"
               "and pruned pairs, provenance.\n"
               "A damaged, truncated, foreign or newer-version file is reported, exit 2.");
    args.option("recipe", 0, "", "workload: also print the stored training recipe");
    max_memory_option(args);
}

int run_inspect(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one FILE");
    const std::string &path = args.positional()[0];
    ps_container *c = nullptr;
    ps_error err{};
    ps_status s = ps_container_open(path.c_str(), nullptr, UINT16_MAX, &c, &err);
    if (s != PS_OK) {
        std::fprintf(stderr, "primesim inspect: %s\n", err.message);
        return ps_status_exit_code(s);
    }
    const ps_container_info info = ps_container_get_info(c);
    std::printf("%s\n  kind            %s\n  content version %u\n  container       v%u\n"
                "  file            %llu bytes\n  payload         %llu bytes (%.2fx compression)\n"
                "  sections        %u\n",
                path.c_str(), info.kind, info.content_version, info.container_version,
                (unsigned long long)info.file_bytes, (unsigned long long)info.payload_bytes,
                info.file_bytes ? (double)info.payload_bytes / (double)info.file_bytes : 0.0,
                info.section_count);
    for (uint32_t i = 0; i < info.section_count; i++)
        std::printf("    %-32s %12llu bytes\n", ps_container_section_name(c, i),
                    (unsigned long long)ps_container_section_size(c, i));
    ps_container_close(c);
    if (std::strcmp(info.kind, PS_PWL_KIND) != 0)
        return 0;

    std::fflush(stdout);
    ps_workload *w = nullptr;
    s = ps_workload_read(path.c_str(), &w, &err);
    if (s != PS_OK) {
        std::fprintf(stderr, "primesim inspect: %s\n", err.message);
        return ps_status_exit_code(s);
    }
    print_workload(*w, args.has("recipe"));
    ps_workload_free(w);
    return 0;
}

} // namespace primesim
