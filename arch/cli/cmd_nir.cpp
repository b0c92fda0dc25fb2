// primesim import-nir / export-nir: networks from and to the SNN frameworks
// through NIR files (workloads/nir.h; mapping and limits in docs/nir.md).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "commands.hpp"
#include "nir.h"

namespace primesim {
namespace {

double number(const Args &args, const std::string &name, double fallback)
{
    if (!args.has(name))
        return fallback;
    const std::string v = args.value(name);
    char *end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0')
        throw UsageError("--" + name + ": '" + v + "' is not a number");
    return x;
}

// A network NIR can hold but primesim cannot (or the reverse) is bad input: 2.
int fail(const char *command, const ps_error &err)
{
    std::fprintf(stderr, "primesim %s: %s\n", command, err.message);
    return err.status == PS_ERR_UNSUPPORTED ? 2 : ps_status_exit_code(err.status);
}

} // namespace

void define_import_nir(Args &args)
{
    args.usage("MODEL.nir -o MODEL.pwl [--dt S] [--timesteps T] [--input-max-level N]\n"
               "       [--uS-per-unit U] [--g-off-uS G] [--g-max-uS G]",
               "Converts a NIR graph (HDF5, as snnTorch, Norse, SpikingJelly, Sinabs, Rockpool,\n"
               "Lava-DL and Spyx write it) into a workload file. The graph must be one chain\n"
               "Input -> (Conv2d | Linear | Affine) -> (LIF | IF | CubaLIF) [-> SumPool2d |\n"
               "AvgPool2d | Flatten] -> ... -> (Linear | Affine) -> (I | LI) -> Output. The\n"
               "neurons' ODEs are discretised by forward Euler with step dt: LIF leak 1 - dt/tau,\n"
               "input gain dt*r/tau, reset to 0 after a spike; v_leak and the layers' biases\n"
               "become a digital bias add in the LIF unit; an LI readout leaks dt/tau per step;\n"
               "thresholds may differ per layer (each layer's membrane is rescaled). Weights\n"
               "become differential pairs as import_pytorch.py makes them: G+ = g_off +\n"
               "max(w*u, 0), G- = g_off + max(-w*u, 0); a zero weight is a pruned pair. What\n"
               "cannot be represented (per-neuron constants that differ, a leak that differs\n"
               "between layers, v_reset != 0, CubaLIF with tau_syn != dt, branches, cycles,\n"
               "unknown node "
               "types) is refused naming the node, exit 2. Details: docs/nir.md.");
    args.option("out", 'o', "FILE", "the workload file to write (required)");
    args.option("dt", 0, "S", "Euler step in seconds (default: the graph's metadata 'dt')");
    args.option("timesteps", 0, "T", "timesteps per sample (default: metadata, else the frames default)");
    args.option("input-max-level", 0, "N", "input event counts are clipped at N (default 15)");
    args.option("uS-per-unit", 0, "U", "uS of G+ - G- per NIR weight unit (default 1)");
    args.option("g-off-uS", 0, "G", "conductance of a RESET cell (default 0.5)");
    args.option("g-max-uS", 0, "G", "refuse a cell above G uS (default: no limit)");
    args.epilog("example:\n  primesim import-nir net.nir --dt 1e-3 --timesteps 10 -o net.pwl\n"
                "  primesim inspect net.pwl\n");
}

int run_import_nir(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one NIR file");
    if (!args.has("out"))
        throw UsageError("-o FILE is required");
    ps_nir_import_options o;
    ps_nir_import_defaults(&o);
    o.dt_s = number(args, "dt", 0.0);
    if (args.has("dt") && !(o.dt_s > 0))
        throw UsageError("--dt must be > 0");
    o.timesteps = args.integer("timesteps", 0, 1, 1 << 20);
    o.input_max_level = args.integer("input-max-level", 0, 1, 65535);
    o.uS_per_unit = number(args, "uS-per-unit", o.uS_per_unit);
    o.g_off_uS = number(args, "g-off-uS", o.g_off_uS);
    o.g_max_uS = number(args, "g-max-uS", 0.0);
    if (!(o.uS_per_unit > 0) || !(o.g_off_uS >= 0))
        throw UsageError("--uS-per-unit must be > 0 and --g-off-uS >= 0");
    const std::string in = args.positional()[0], out = args.value("out");
    ps_error err{};
    if (ps_nir_import(in.c_str(), &o, out.c_str(), &err) != PS_OK)
        return fail("import-nir", err);
    std::printf("wrote %s (primesim inspect %s)\n", out.c_str(), out.c_str());
    return 0;
}

void define_export_nir(Args &args)
{
    args.usage("MODEL.pwl -o MODEL.nir [--dt S] [--allow-rectifier]",
               "Writes a workload as a NIR graph for the other frameworks and chips: Input,\n"
               "Conv2d / Linear (Affine with a bias), LIF (IF when the leak is 1), I for the\n"
               "output integrator (LI when it leaks), AvgPool2d, a Flatten before the first\n"
               "Linear, Output. Weights are G+ - G- in uS of the kept pairs (pruned pairs\n"
               "exactly 0); each layer's weight_per_uS goes into its neurons' r (LIF and LI:\n"
               "r = weight_per_uS * tau/dt with tau = dt/(1 - leak) or dt/readout_decay; IF and\n"
               "I: r = weight_per_uS/dt), so a forward-Euler run with step dt computes the\n"
               "network primesim runs. The graph's metadata holds dt and primesim's exact\n"
               "constants, so import-nir gives the workload back (bit for bit when its\n"
               "conductances are g_off-based, as an imported network's are). A membrane\n"
               "LeakyReLU (negative_slope < 1, as in PRIME's networks) has no\n"
               "NIR equivalent: refused (exit 2) unless --allow-rectifier.");
    args.option("out", 'o', "FILE", "the NIR file to write (required)");
    args.option("dt", 0, "S", "the step the time constants are written for (default 1e-3 s)");
    args.option("allow-rectifier", 0, "",
                "export a network with negative_slope < 1 without its LeakyReLU (recorded in "
                "the metadata)");
    args.epilog("example:\n  primesim export-nir out/quick.pwl --allow-rectifier -o quick.nir\n");
}

int run_export_nir(const Args &args)
{
    if (args.positional().size() != 1)
        throw UsageError("expected exactly one workload file");
    if (!args.has("out"))
        throw UsageError("-o FILE is required");
    ps_nir_export_options o{number(args, "dt", 1e-3), args.has("allow-rectifier")};
    if (!(o.dt_s > 0))
        throw UsageError("--dt must be > 0");
    const std::string in = args.positional()[0], out = args.value("out");
    ps_error err{};
    ps_workload *w = nullptr;
    if (ps_workload_read(in.c_str(), &w, &err) != PS_OK)
        return fail("export-nir", err);
    const ps_status st = ps_nir_export(w, &o, out.c_str(), &err);
    ps_workload_free(w);
    if (st != PS_OK) {
        if (err.status == PS_ERR_UNSUPPORTED)
            ps_error_prefix(&err, "%s", in.c_str());
        return fail("export-nir", err);
    }
    std::printf("wrote %s\n", out.c_str());
    return 0;
}

} // namespace primesim
