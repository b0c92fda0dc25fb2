// The bridge into SystemC: a body run through run_in_systemc sees a working
// kernel (a timed process advances simulated time) and its result comes back.
#include <gtest/gtest.h>

#include <systemc>

#include "sim/sc_entry.hpp"

namespace {

SC_MODULE(Ticker)
{
    int ticks = 0;
    void run()
    {
        for (int i = 0; i < 5; i++) {
            wait(3, sc_core::SC_NS);
            ticks++;
        }
    }
    SC_CTOR(Ticker) { SC_THREAD(run); }
};

} // namespace

TEST(ScEntry, RunsABodyInsideSystemC)
{
    int ticks = -1;
    double end_ns = -1;
    const int result = primesim::run_in_systemc([&] {
        Ticker t("ticker");
        sc_core::sc_start();
        ticks = t.ticks;
        end_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
        return 7;
    });
    EXPECT_EQ(result, 7);
    EXPECT_EQ(ticks, 5);
    EXPECT_DOUBLE_EQ(end_ns, 15.0); // five waits of 3 ns
}
