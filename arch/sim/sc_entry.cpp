// Linked directly into every executable (an object library) because
// libsystemc refers to sc_main whether or not SystemC is used.
#include "sc_entry.hpp"

#include <systemc>

namespace {
std::function<int()> sc_body;
} // namespace

int sc_main(int, char **) { return sc_body ? sc_body() : 0; }

namespace primesim {

int run_in_systemc(std::function<int()> body)
{
    sc_body = std::move(body);
    static char name[] = "primesim";
    char *argv[] = {name, nullptr};
    const int result = sc_core::sc_elab_and_sim(1, argv);
    sc_body = nullptr;
    return result;
}

} // namespace primesim
