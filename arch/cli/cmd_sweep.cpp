// primesim sweep: run design-space sweeps. Not built yet: arrives with the sweeps issue.
#include "commands.hpp"
#include "pending.hpp"

namespace primesim {

void define_sweep(Args &args)
{
    args.usage("...", "Will run design-space sweeps. Not available in this build yet: it arrives with\n"
                      "the sweeps issue.");
}

int run_sweep(const Args &args) { return not_built_yet(args, "arrives with the sweeps issue"); }

} // namespace primesim
