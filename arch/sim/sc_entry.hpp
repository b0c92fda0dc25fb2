// primesim owns main() (the CLI); SystemC expects to call sc_main. This is
// the bridge: run_in_systemc(body) enters SystemC through sc_elab_and_sim,
// whose sc_main runs body.
#pragma once

#include <functional>

namespace primesim {

int run_in_systemc(std::function<int()> body);

} // namespace primesim
