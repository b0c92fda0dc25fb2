// primesim train: train a pruned network. Not built yet: arrives with the trainer issue.
#include "commands.hpp"
#include "pending.hpp"

namespace primesim {

void define_train(Args &args)
{
    args.usage("...", "Will train a pruned network. Not available in this build yet: it arrives with\n"
                      "the trainer issue.");
}

int run_train(const Args &args) { return not_built_yet(args, "arrives with the trainer issue"); }

} // namespace primesim
