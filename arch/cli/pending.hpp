// For subcommands whose work has not landed yet: an honest message, exit 1.
#pragma once

#include <cstdio>

#include "args.hpp"

namespace primesim {

inline int not_built_yet(const Args &args, const char *what)
{
    std::fprintf(stderr, "primesim %s: not available in this build yet (%s).\n",
                 args.command().c_str(), what);
    return 1;
}

} // namespace primesim
