// The subcommands of `primesim`: each declares its options (define) and
// runs (run). run returns the exit code: 0 ok, 1 failure, 2 bad input.
#pragma once

#include <stdexcept>
#include <string>

#include "args.hpp"
#include "fileio.h"

namespace primesim {

struct Command {
    const char *name;
    const char *summary;
    void (*define)(Args &args);
    int (*run)(const Args &args);
};

// The file primesim sim (and merge) writes last into OUT: its settings; a
// directory without it holds no finished run.
inline constexpr const char *kRunDoneFile = "run.done";

// Writes text to path atomically (fileio.h); std::runtime_error naming the
// file on failure.
inline void write_text_atomic(const std::string &path, const std::string &text)
{
    ps_error err{};
    if (ps_write_file_atomic(path.c_str(), text.data(), text.size(), &err) != PS_OK)
        throw std::runtime_error(err.message);
}

// NULL-name-terminated, in the order `primesim --help` lists them.
extern const Command commands[];

#define PRIMESIM_DECLARE_COMMAND(x)                                                              \
    void define_##x(Args &args);                                                                 \
    int run_##x(const Args &args);
PRIMESIM_DECLARE_COMMAND(data)
PRIMESIM_DECLARE_COMMAND(train)
PRIMESIM_DECLARE_COMMAND(sim)
PRIMESIM_DECLARE_COMMAND(sweep)
PRIMESIM_DECLARE_COMMAND(report)
PRIMESIM_DECLARE_COMMAND(merge)
PRIMESIM_DECLARE_COMMAND(check)
PRIMESIM_DECLARE_COMMAND(params)
PRIMESIM_DECLARE_COMMAND(inspect)
PRIMESIM_DECLARE_COMMAND(import_nir)
PRIMESIM_DECLARE_COMMAND(export_nir)
#undef PRIMESIM_DECLARE_COMMAND

} // namespace primesim
