// primesim: one binary, git-style subcommands.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "commands.hpp"
#include "config/config.hpp"
#include "data_dir.hpp"
#include "subprocess.hpp"

namespace primesim {

const Command commands[] = {
    {"data", "fetch and convert datasets (MNIST, N-MNIST, saccade events)", define_data, run_data},
    {"train", "train a pruned spiking network and export a workload", define_train, run_train},
    {"sim", "simulate a system config running a workload", define_sim, run_sim},
    {"sweep", "design-space sweep over system parameters", define_sweep, run_sweep},
    {"report", "tables and plots from a simulation output", define_report, run_report},
    {"merge", "merge the outputs of sharded runs exactly", define_merge, run_merge},
    {"check", "golden regression of the shipped system configs", define_check, run_check},
    {"params", "list every parameter table with defaults, units and sources", define_params,
     run_params},
    {"inspect", "summarise a primesim file (workload, packed dataset)", define_inspect, run_inspect},
    {"import-nir", "a NIR graph (snnTorch, Norse, ...) -> workload file", define_import_nir,
     run_import_nir},
    {"export-nir", "a workload file -> NIR graph for other frameworks and chips",
     define_export_nir, run_export_nir},
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace primesim

namespace {

void print_usage(FILE *out)
{
    std::fprintf(out, "usage: primesim <command> [options]   (primesim <command> --help)\n\n"
                      "A cycle-level simulator of memristive compute-in-memory chips running\n"
                      "pruned spiking neural networks, with the trainer that makes them.\n\n"
                      "commands:\n");
    for (const primesim::Command *c = primesim::commands; c->name; c++)
        std::fprintf(out, "  %-10s %s\n", c->name, c->summary);
    std::fprintf(out, "\nexit codes: 0 ok, 1 failure, 2 bad input or usage\n");
    // Shipped files named relative to the repository root (data_dir.hpp).
    const std::string data = primesim::installed_data_dir();
    std::fprintf(out,
                 "\nfiles such as configs/systems/prime_40nm.yaml or workloads/default/... are\n"
                 "found from the working directory, else in the installed data directory:\n"
                 "  %s\n",
                 data.empty() ? "(none: this binary is not installed)" : data.c_str());
}

} // namespace

int main(int argc, char **argv)
{
    // Results go to stdout; SystemC's banner would mix into them.
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    primesim::die_with_parent();
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(stdout);
        return 0;
    }
    if (name == "--version") {
        std::printf("primesim %s\n", PRIMESIM_VERSION);
        return 0;
    }
    const primesim::Command *cmd = primesim::commands;
    while (cmd->name && name != cmd->name)
        cmd++;
    if (!cmd->name) {
        std::fprintf(stderr, "primesim: unknown command '%s'\n\n", name.c_str());
        print_usage(stderr);
        return 2;
    }
    primesim::Args args(cmd->name);
    try {
        cmd->define(args);
        args.parse(argc - 1, argv + 1);
        if (args.help_requested()) {
            std::fputs(args.help_text().c_str(), stdout);
            return 0;
        }
        primesim::apply_max_memory(args);
        return cmd->run(args);
    } catch (const primesim::UsageError &e) {
        std::fprintf(stderr, "primesim %s: %s\nTry 'primesim %s --help'.\n", cmd->name, e.what(),
                     cmd->name);
        return 2;
    } catch (const primesim::ConfigError &e) {
        std::fprintf(stderr, "primesim %s: %s\n", cmd->name, e.what());
        return 2;
    } catch (const std::bad_alloc &) {
        std::fprintf(stderr, "primesim %s: out of memory\n", cmd->name);
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "primesim %s: %s\n", cmd->name, e.what());
        return 1;
    }
}
