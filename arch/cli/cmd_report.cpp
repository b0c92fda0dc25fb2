// primesim report: write reports from a simulation output. Not built yet: arrives with the statistics issue.
#include "commands.hpp"
#include "pending.hpp"

namespace primesim {

void define_report(Args &args)
{
    args.usage("...", "Will write reports from a simulation output. Not available in this build yet: it arrives with\n"
                      "the statistics issue.");
}

int run_report(const Args &args) { return not_built_yet(args, "arrives with the statistics issue"); }

} // namespace primesim
