// NIR import and export (workloads/nir.h, docs/nir.md). The NIR files are
// written by tests/nir/nir_cases.py with h5py, independently of primesim's
// exporter, which also runs the NIR dynamics on them (forward Euler on the
// node ODEs) for the expected spikes: import -> golden model -> the same
// spikes; a network worked by hand; export -> import is bit for bit; a
// pruned network's mask survives export exactly; malformed or
// unrepresentable files are refused naming the node, exit 2. Skipped (with
// the reason) without a python3 that has h5py and numpy.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "golden.h"
#include "nir.h"
#include "pwl.h"
#include "run_command.hpp"
#include "test_chip_nets.hpp"

namespace {

std::string python_with_h5py()
{
    std::vector<std::string> candidates;
    if (const char *env = std::getenv("PRIMESIM_PYTHON"))
        candidates.push_back(env);
    candidates.push_back("python3");
    candidates.push_back("/usr/bin/python3"); // a pyenv python3 on PATH may lack python3-h5py
    for (const std::string &py : candidates)
        if (testcmd::run_command("'" + py + "' -c 'import h5py, numpy'").code == 0)
            return py;
    return "";
}

class Nir : public ::testing::Test {
  protected:
    static std::string dir;
    static bool ready;
    static void SetUpTestSuite()
    {
        const std::string py = python_with_h5py();
        if (py.empty())
            return;
        const char *tmp = std::getenv("TMPDIR");
        dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/test_nir_" + std::to_string(getpid());
        const testcmd::Result r = testcmd::run_command(
            "'" + py + "' " PRIMESIM_SOURCE_DIR "/tests/nir/nir_cases.py '" + dir + "'");
        ready = r.code == 0;
        EXPECT_EQ(r.code, 0) << r.out;
    }
    static void TearDownTestSuite()
    {
        if (!dir.empty())
            testcmd::run_command("rm -rf '" + dir + "'");
    }
    void SetUp() override
    {
        if (!ready)
            GTEST_SKIP() << "no python3 with h5py and numpy (Debian: python3-h5py); NIR not tested";
    }
    static std::string path(const std::string &name) { return dir + "/" + name; }
};
std::string Nir::dir;
bool Nir::ready = false;

template <typename T> std::vector<T> load(const std::string &file)
{
    std::ifstream f(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
}

struct Workload {
    ps_workload *w = nullptr;
    explicit Workload(const std::string &file)
    {
        ps_error err{};
        EXPECT_EQ(ps_workload_read(file.c_str(), &w, &err), PS_OK) << err.message;
    }
    ~Workload() { ps_workload_free(w); }
};

struct Trace {
    std::vector<uint8_t> spikes; // per step, each LIF layer's spikes in order
    std::vector<float> outputs;  // per step, the integrator's membranes
    const ps_network *net;
    ps_golden_stats stats;
};

void observe(void *ctx, int64_t, int64_t layer, const float *v, size_t n)
{
    Trace *t = static_cast<Trace *>(ctx);
    const ps_neuron_kind k = t->net->layers[layer].neuron;
    for (size_t i = 0; i < n; i++) {
        if (k == PS_NEURON_LIF)
            t->spikes.push_back(v[i] != 0.0f);
        else if (k == PS_NEURON_INTEGRATOR)
            t->outputs.push_back(v[i]);
    }
}

// The golden model, ideal (no read noise, no ADC quantisation), on frames.
Trace run_golden(const ps_network &net, const std::vector<uint16_t> &frames)
{
    Trace t{{}, {}, &net, {}};
    ps_golden_config cfg;
    ps_golden_config_ideal(&cfg);
    ps_golden *g = nullptr;
    ps_error err{};
    EXPECT_EQ(ps_golden_create(&net, &cfg, &err, &g), PS_OK) << err.message;
    if (!g)
        return t;
    ps_golden_set_observer(g, observe, &t);
    ps_golden_result r;
    EXPECT_EQ(ps_golden_run(g, frames.data(), 1, &r, &err), PS_OK) << err.message;
    EXPECT_EQ(ps_golden_stats_get(g, &t.stats), PS_OK);
    ps_golden_destroy(g);
    return t;
}

std::string import(const std::string &nir, const std::string &pwl, const std::string &opts = "")
{
    const testcmd::Result r =
        testcmd::run_primesim("import-nir '" + nir + "' -o '" + pwl + "' " + opts);
    EXPECT_EQ(r.code, 0) << r.out;
    return r.out;
}

// The first field in which two workloads differ, or "" when none does.
std::string first_difference(const ps_workload &a, const ps_workload &b)
{
    std::ostringstream d;
    const ps_network &x = a.net, &y = b.net;
    if (x.timesteps != y.timesteps || x.in_c != y.in_c || x.in_h != y.in_h || x.in_w != y.in_w ||
        x.input_max_level != y.input_max_level || x.n_layers != y.n_layers)
        return "shapes, T or layer count";
    if (x.leak != y.leak || x.v_th != y.v_th || x.negative_slope != y.negative_slope ||
        x.readout_decay != y.readout_decay) {
        d.precision(17);
        d << "LIF constants: leak " << x.leak << " / " << y.leak << ", v_th " << x.v_th << " / " << y.v_th;
        return d.str();
    }
    for (int64_t i = 0; i < x.n_layers; i++) {
        const ps_layer &p = x.layers[i], &q = y.layers[i];
        d.str("");
        d << "layer " << i << ": ";
        if (p.kind != q.kind || p.neuron != q.neuron || p.out_c != q.out_c || p.kernel != q.kernel ||
            p.stride != q.stride || p.padding != q.padding || p.rows != q.rows)
            return d.str() + "kind or shape";
        if (!ps_layer_has_weights(&p))
            continue;
        if (p.weight_per_uS != q.weight_per_uS) {
            d.precision(17);
            d << "weight_per_uS " << p.weight_per_uS << " / " << q.weight_per_uS;
            return d.str();
        }
        for (int64_t j = 0; j < p.rows * p.cols; j++)
            if (p.g_pos_uS[j] != q.g_pos_uS[j] || p.g_neg_uS[j] != q.g_neg_uS[j] ||
                (p.keep ? p.keep[j] : 1) != (q.keep ? q.keep[j] : 1)) {
                d << "pair " << j;
                return d.str();
            }
        if (!p.bias != !q.bias)
            return d.str() + "bias present in one only";
        for (int64_t c = 0; p.bias && c < p.cols; c++)
            if (p.bias[c] != q.bias[c]) {
                d.precision(9);
                d << "bias[" << c << "] " << p.bias[c] << " / " << q.bias[c];
                return d.str();
            }
    }
    return "";
}

} // namespace

TEST_F(Nir, HandWorkedNetwork)
{
    // tests/nir/nir_cases.py hand(): Input(2) -> Affine W = [[1, .5], [-.5, 1]],
    // b = [.25, .25] -> LIF tau 2 ms, r 1, v_th .5 -> Linear [[1, -1], [0, 1]]
    // -> I r 1000 -> Output; dt 1 ms (metadata). Euler: a = dt/tau = .5, so
    // leak .5 and v_t = .5 v_{t-1} + .5 (W x_t + b); the readout adds dt r = 1
    // per unit of input. Inputs x = [1,0], [0,1], [1,1], [0,0]:
    //   I0 = 1.25, .75, 1.75, .25: v0 = .625 spike, .375, 1.0625 spike, .125
    //   I1 = -.25, 1.25, .75, .25: v1 = -.125, .5625 spike, .375, .3125
    //   outputs (s0 - s1, s1) summed: [1,0], [0,1], [1,1], [1,1].
    const std::string pwl = path("hand.pwl");
    import(path("hand.nir"), pwl, "--timesteps 4");
    Workload w(pwl);
    ASSERT_NE(w.w, nullptr);
    const ps_network &net = w.w->net;
    EXPECT_NEAR(net.leak, 0.5, 1e-7); // tau is a float32 2e-3
    EXPECT_EQ(net.v_th, (double)0.5f);
    EXPECT_EQ(net.negative_slope, 1.0);
    EXPECT_EQ(net.timesteps, 4);
    ASSERT_EQ(net.n_layers, 2);
    ASSERT_NE(net.layers[0].bias, nullptr);
    EXPECT_NEAR(net.layers[0].bias[0], 0.125, 1e-7); // a * b
    EXPECT_EQ(net.layers[1].bias, nullptr);
    EXPECT_NEAR(net.layers[0].weight_per_uS, 0.5, 1e-7); // a * r / (1 uS per unit)
    EXPECT_NEAR(net.layers[1].weight_per_uS, 1.0, 1e-7); // dt * r
    ASSERT_NE(net.layers[1].keep, nullptr);               // the zero weight is pruned
    EXPECT_EQ(net.layers[1].keep[0 * 2 + 1], 0);           // W[1][0] = 0: row 0 (input 0), column 1
    const Trace t = run_golden(net, load<uint16_t>(path("hand.frames")));
    const std::vector<uint8_t> want_s = {1, 0, 0, 1, 1, 0, 0, 0};
    const std::vector<float> want_o = {1, 0, 0, 1, 1, 1, 1, 1};
    EXPECT_EQ(t.spikes, want_s);
    ASSERT_EQ(t.outputs.size(), want_o.size());
    for (size_t i = 0; i < want_o.size(); i++)
        EXPECT_NEAR(t.outputs[i], want_o[i], 1e-5) << i;
    // The bias add: 2 neurons x 4 steps, costed per add and as one more lane pass.
    ps_lif_params lp;
    ps_params_set_defaults(&ps_lif_param_table, &lp);
    const ps_lif_stats &ls = t.stats.lif;
    EXPECT_EQ(ls.bias_adds, 8u);
    EXPECT_EQ(ls.updates, 8u);
    EXPECT_EQ(ls.integrations, 8u);
    EXPECT_NEAR(ls.energy_pj,
                8 * lp.update_energy_pj + 8 * lp.integrate_energy_pj + 8 * lp.bias_add_energy_pj +
                    (double)ls.rectified * lp.rectify_energy_pj,
                1e-12);
    EXPECT_EQ(ls.cycles, 4 * 3 * lp.update_cycles); // per step: update, integrate, bias: 1 group each
    // the reference implementation agrees with the hand
    EXPECT_EQ(load<uint8_t>(path("hand.spikes")), want_s);
}

TEST_F(Nir, ImportedNetworksSpikeAsTheNirDynamics)
{
    // conv: Conv2d (pruned weights, bias) -> LIF with v_leak -> SumPool2d ->
    // Flatten -> Affine -> LIF (another threshold and r) -> Linear -> I.
    // cuba: the same with CubaLIF (tau_syn = dt, w_in, v_leak) and AvgPool2d.
    // li: Affine -> LIF -> Linear -> LI (leaky readout with v_leak), 10 steps.
    for (const char *name : {"conv", "cuba", "li"}) {
        SCOPED_TRACE(name);
        const std::string pwl = path(std::string(name) + ".pwl");
        import(path(std::string(name) + ".nir"), pwl,
               std::string("--dt 1e-3 --timesteps ") + (name[0] == 'l' ? "10" : "8"));
        Workload w(pwl);
        ASSERT_NE(w.w, nullptr);
        const Trace t = run_golden(w.w->net, load<uint16_t>(path(std::string(name) + ".frames")));
        const std::vector<uint8_t> want = load<uint8_t>(path(std::string(name) + ".spikes"));
        const std::vector<double> out = load<double>(path(std::string(name) + ".out"));
        size_t fired = 0;
        for (uint8_t s : want)
            fired += s;
        EXPECT_GT(fired, 10u);
        EXPECT_EQ(t.spikes, want);
        ASSERT_EQ(t.outputs.size(), out.size());
        for (size_t i = 0; i < out.size(); i++)
            EXPECT_NEAR(t.outputs[i], out[i], 1e-4 * (1 + std::fabs(out[i]))) << i;
        EXPECT_NE(w.w->net.layers[0].bias, nullptr);
        if (name[0] == 'l') {
            EXPECT_NEAR(w.w->net.readout_decay, 0.2, 1e-7); // dt / tau
            EXPECT_NE(w.w->net.layers[1].bias, nullptr);    // a v_leak
        } else {
            EXPECT_NE(w.w->net.layers[0].keep, nullptr); // zero weights are pruned pairs
        }
    }
}

TEST_F(Nir, ExportThenImportIsBitForBit)
{
    for (const char *name : {"hand", "conv", "cuba", "li"}) {
        SCOPED_TRACE(name);
        const std::string a = path(std::string(name) + ".a.pwl"), x = path(std::string(name) + ".x.nir"),
                          b = path(std::string(name) + ".b.pwl");
        import(path(std::string(name) + ".nir"), a, "--dt 1e-3 --timesteps 8");
        const testcmd::Result r = testcmd::run_primesim("export-nir '" + a + "' -o '" + x + "'");
        ASSERT_EQ(r.code, 0) << r.out;
        struct stat st;
        ASSERT_EQ(stat(x.c_str(), &st), 0);
        const mode_t mask = umask(0);
        umask(mask);
        EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask) << "an exported file has a new file's permissions";
        import(x, b); // dt, T and the exact constants from the exported metadata
        Workload wa(a), wb(b);
        ASSERT_TRUE(wa.w && wb.w);
        EXPECT_EQ(first_difference(*wa.w, *wb.w), "");
        std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
        const std::string sa((std::istreambuf_iterator<char>(fa)), std::istreambuf_iterator<char>());
        const std::string sb((std::istreambuf_iterator<char>(fb)), std::istreambuf_iterator<char>());
        EXPECT_TRUE(!sa.empty() && sa == sb) << "the files differ";
    }
}

TEST_F(Nir, PrunedPairsExportAsExactZeros)
{
    // A primesim network: random conductances, half the pairs pruned with
    // RESET cells that still differ (G+ 0.7, G- 0.3: weight 0.4 if unmasked).
    auto o = chiptest::small_net(5, 4);
    o->net.negative_slope = 1.0;
    for (size_t i = 0; i < o->layers.size(); i++)
        for (size_t j = 0; j < o->gp[i].size(); j++)
            if (!o->keep[i][j])
                o->gp[i][j] = 0.7f, o->gn[i][j] = 0.3f;
    ps_workload w;
    ps_workload_init(&w);
    w.net = o->net;
    w.frames.bins = w.net.timesteps;
    std::strcpy(w.info.method, "memristor_pruning");
    const std::string pwl = path("pruned.pwl"), nir = path("pruned.nir"), back = path("pruned.b.pwl");
    ps_error err{};
    ASSERT_EQ(ps_workload_write(&w, pwl.c_str(), &err), PS_OK) << err.message;
    testcmd::Result r = testcmd::run_primesim("export-nir '" + pwl + "' -o '" + nir + "'");
    ASSERT_EQ(r.code, 0) << r.out;
    import(nir, back);
    Workload b(back);
    ASSERT_NE(b.w, nullptr);
    ASSERT_EQ(b.w->net.n_layers, o->net.n_layers);
    EXPECT_EQ(b.w->net.leak, o->net.leak);
    EXPECT_EQ(b.w->net.v_th, o->net.v_th);
    for (int64_t i = 0; i < o->net.n_layers; i++) {
        const ps_layer &la = o->net.layers[i], &lb = b.w->net.layers[i];
        ASSERT_EQ(la.kind, lb.kind);
        if (!ps_layer_has_weights(&la))
            continue;
        EXPECT_EQ(lb.weight_per_uS, la.weight_per_uS);
        ASSERT_NE(lb.keep, nullptr);
        for (int64_t j = 0; j < la.rows * la.cols; j++) {
            ASSERT_EQ(lb.keep[j], la.keep[j]) << "layer " << i << " pair " << j;
            const double wa = la.keep[j] ? la.weight_per_uS * ((double)la.g_pos_uS[j] - la.g_neg_uS[j]) : 0.0;
            const double wb = lb.weight_per_uS * ((double)lb.g_pos_uS[j] - lb.g_neg_uS[j]);
            EXPECT_NEAR(wb, wa, 1e-6 * (1 + std::fabs(wa))) << "layer " << i << " pair " << j;
        }
    }
    // PRIME's LeakyReLU membrane has no NIR equivalent: refused unless asked for.
    o->net.negative_slope = 0.1;
    w.net = o->net;
    ASSERT_EQ(ps_workload_write(&w, pwl.c_str(), &err), PS_OK) << err.message;
    r = testcmd::run_primesim("export-nir '" + pwl + "' -o '" + nir + ".2'");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("negative_slope 0.1"), std::string::npos) << r.out;
    EXPECT_NE(access((nir + ".2").c_str(), F_OK), 0); // nothing written
    r = testcmd::run_primesim("export-nir '" + pwl + "' --allow-rectifier -o '" + nir + ".2'");
    EXPECT_EQ(r.code, 0) << r.out;
    import(nir + ".2", back);
    Workload c(back);
    ASSERT_NE(c.w, nullptr);
    EXPECT_EQ(c.w->net.negative_slope, 0.1); // from the metadata
}

TEST_F(Nir, MalformedAndUnrepresentableFilesAreRefusedNamingTheNode)
{
    std::ifstream list(path("bad.tsv"));
    std::string line;
    int n = 0;
    while (std::getline(list, line)) {
        const size_t tab = line.find('\t');
        ASSERT_NE(tab, std::string::npos);
        const std::string file = line.substr(0, tab), want = line.substr(tab + 1);
        SCOPED_TRACE(file);
        const std::string out = path(file + ".pwl");
        const testcmd::Result r = testcmd::run_primesim("import-nir '" + path(file) + "' -o '" + out + "'");
        EXPECT_EQ(r.code, 2) << r.out;
        EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(file), std::string::npos) << "the message names the file: " << r.out;
        EXPECT_NE(access(out.c_str(), F_OK), 0) << "nothing is written";
        n++;
    }
    EXPECT_GE(n, 15);
}
