// primesim data: fetch and convert datasets. Not built yet: arrives with the datasets issue.
#include "commands.hpp"
#include "pending.hpp"

namespace primesim {

void define_data(Args &args)
{
    args.usage("...", "Will fetch and convert datasets. Not available in this build yet: it arrives with\n"
                      "the datasets issue.");
}

int run_data(const Args &args) { return not_built_yet(args, "arrives with the datasets issue"); }

} // namespace primesim
