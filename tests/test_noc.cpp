// NoC mesh: latencies, contention and credit stalls traced by hand
// (the cycle-by-cycle traces are in the comments).
#include <gtest/gtest.h>

#include <vector>

#include "noc.h"

namespace {

ps_noc_params params(int64_t x, int64_t y)
{
    ps_noc_params p;
    ps_params_set_defaults(&ps_noc_param_table, &p);
    p.mesh_x = x;
    p.mesh_y = y;
    return p;
}

struct Mesh {
    ps_noc *noc = nullptr;
    explicit Mesh(const ps_noc_params &p, const ps_energy_hybrid_params *e = nullptr)
    {
        ps_error err{};
        EXPECT_EQ(ps_noc_create(&p, e, &err, &noc), PS_OK) << err.message;
    }
    ~Mesh() { ps_noc_destroy(noc); }
    // Runs to idle; every delivery in order.
    std::vector<ps_noc_delivery> drain()
    {
        std::vector<ps_noc_delivery> all;
        ps_noc_delivery d[16];
        size_t n = 0;
        while (!ps_noc_idle(noc)) {
            EXPECT_EQ(ps_noc_run(noc, UINT64_MAX, d, 16, &n), PS_OK);
            all.insert(all.end(), d, d + n);
        }
        return all;
    }
};

} // namespace

TEST(Noc, ParamTableIsWellFormed)
{
    ps_error err{};
    EXPECT_EQ(ps_param_table_check(&ps_noc_param_table, &err), PS_OK) << err.message;
}

TEST(Noc, OneHopLatency)
{
    // R = L = 1. Cycle 1: the flit enters node 0's local buffer (ready 2);
    // 2: crosses router 0 east; 3: written into router 1 (ready 4);
    // 4: crosses router 1 to its local port: delivered at 4.
    Mesh m(params(2, 1));
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 1, 1, 42, 1), PS_OK);
    auto d = m.drain();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].tag, 42u);
    EXPECT_EQ(d[0].deliver_cycle, 4u);
    EXPECT_EQ(ps_noc_uncontended_cycles(ps_noc_get_params(m.noc), 1, 1), 3u);
    ps_noc_stats s;
    ps_noc_stats_get(m.noc, &s);
    EXPECT_EQ(s.router_traversals, 2u);
    EXPECT_EQ(s.link_traversals, 1u);
    EXPECT_EQ(s.busy_cycles, 4u);
}

TEST(Noc, MultiHopPipelineAndSerialisation)
{
    // R = 2, L = 3, 4x4 mesh, node 0 -> node 6 (x 2, y 1: 3 hops), 4 flits
    // injected at 10: head ejected at 10 + 2 + 3 * (3 + 2) = 27, tail 3 later.
    ps_noc_params p = params(4, 4);
    p.router_cycles = 2;
    p.link_cycles = 3;
    Mesh m(p);
    ASSERT_EQ(ps_noc_hops(&p, 0, 6), 3);
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 6, 4, 1, 10), PS_OK);
    auto d = m.drain();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].deliver_cycle, 30u);
    EXPECT_EQ(d[0].deliver_cycle - d[0].inject_cycle, ps_noc_uncontended_cycles(&p, 3, 4));
    // Idle cycles before 10 were skipped, not simulated.
    ps_noc_stats s;
    ps_noc_stats_get(m.noc, &s);
    EXPECT_EQ(s.busy_cycles, 21u);
}

TEST(Noc, ContentionOfTwoFlowsRoundRobin)
{
    // 3x1 mesh, 4 flits each, both injected at 1: A = node 1 -> 2, B = node 0 -> 2.
    // A owns router 1's east port at cycles 2..5 (alone: delivered 7).
    // B's head reaches router 1 at 3 (ready 4), loses at 4 and 5, wins at 6:
    // crosses 6..9, written into router 2 at 7..10, ejected 8..11.
    Mesh m(params(3, 1));
    ASSERT_EQ(ps_noc_inject(m.noc, 1, 2, 4, 'A', 1), PS_OK);
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 2, 4, 'B', 1), PS_OK);
    auto d = m.drain();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].tag, (uint64_t)'A');
    EXPECT_EQ(d[0].deliver_cycle, 7u);
    EXPECT_EQ(d[1].tag, (uint64_t)'B');
    EXPECT_EQ(d[1].deliver_cycle, 11u); // 9 uncontended
    ps_noc_stats s;
    ps_noc_stats_get(m.noc, &s);
    EXPECT_EQ(s.arbitration_losses, 2u);
    EXPECT_EQ(s.credit_stalls, 0u);
}

TEST(Noc, RoundRobinAlternatesBetweenInputs)
{
    // Two single-flit streams into router 1's local port from west and east:
    // the winner alternates, so neither starves.
    Mesh m(params(3, 1));
    for (int k = 0; k < 3; k++) {
        ASSERT_EQ(ps_noc_inject(m.noc, 0, 1, 1, 100 + k, 1), PS_OK);
        ASSERT_EQ(ps_noc_inject(m.noc, 2, 1, 1, 200 + k, 1), PS_OK);
    }
    auto d = m.drain();
    ASSERT_EQ(d.size(), 6u);
    // Both heads are ready at router 1 in the same cycle; after the first
    // grant the pointer moves past the winner, so the next grant goes east.
    for (size_t k = 0; k + 1 < d.size(); k += 2)
        EXPECT_NE(d[k].tag / 100, d[k + 1].tag / 100);
}

TEST(Noc, CreditStallWithOneFlitBuffers)
{
    // buffer_flits = 1, R = L = C = 1, 4 flits over one hop. Flit k crosses
    // router 0 at s, is written into router 1 at s + 1, crosses it at s + 2,
    // its credit is back at s + 3: one flit every L + R + C = 3 cycles.
    // Head ejected at 4, tail at 4 + 3 * 3 = 13; flits 1..3 each wait 2
    // cycles for a credit.
    ps_noc_params p = params(2, 1);
    p.buffer_flits = 1;
    Mesh m(p);
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 1, 4, 9, 1), PS_OK);
    auto d = m.drain();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].deliver_cycle, 13u);
    ps_noc_stats s;
    ps_noc_stats_get(m.noc, &s);
    EXPECT_EQ(s.credit_stalls, 6u);

    // With 4-flit buffers the same packet streams: 4 + 3 = 7.
    Mesh wide(params(2, 1));
    ASSERT_EQ(ps_noc_inject(wide.noc, 0, 1, 4, 9, 1), PS_OK);
    auto w = wide.drain();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].deliver_cycle, 7u);
}

TEST(Noc, EnergyFromHybridConstants)
{
    ps_energy_hybrid_params e;
    ps_params_set_defaults(&ps_energy_hybrid_param_table, &e);
    ps_noc_params p = params(4, 1);
    p.link_mm = 0.5;
    Mesh m(p, &e);
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 3, 2, 0, 1), PS_OK); // 2 flits, 3 hops
    m.drain();
    ps_noc_stats s;
    ps_noc_stats_get(m.noc, &s);
    EXPECT_EQ(s.router_traversals, 8u); // 2 flits x 4 routers
    EXPECT_EQ(s.link_traversals, 6u);   // 2 flits x 3 links
    const double expect = 8 * (0.76 + 0.22) + 6 * 32 * 0.5 * 0.049;
    EXPECT_NEAR(s.energy_pj, expect, 1e-9);
}

TEST(Noc, InjectionInThePastIsRefusedAndRunStopsAtDeliveries)
{
    Mesh m(params(2, 2));
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 3, 1, 1, 5), PS_OK);
    ASSERT_EQ(ps_noc_inject(m.noc, 0, 1, 1, 2, 5), PS_OK);
    ps_noc_delivery d[4];
    size_t n = 0;
    // Run up to 3: nothing happens, time is 3.
    ASSERT_EQ(ps_noc_run(m.noc, 3, d, 4, &n), PS_OK);
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(ps_noc_now(m.noc), 3u);
    EXPECT_EQ(ps_noc_inject(m.noc, 0, 1, 1, 3, 3), PS_ERR_RANGE);
    // First packet (node 0 -> 3, 2 hops) in order of injection; the second
    // (1 hop) enters the local buffer one cycle later (one flit per cycle).
    ASSERT_EQ(ps_noc_run(m.noc, UINT64_MAX, d, 4, &n), PS_OK);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(d[0].tag, 2u);
    EXPECT_EQ(d[0].deliver_cycle, 6u + 3u); // injected at 6, one hop
    EXPECT_EQ(ps_noc_now(m.noc), 9u);
    ASSERT_EQ(ps_noc_run(m.noc, UINT64_MAX, d, 4, &n), PS_OK);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(d[0].tag, 1u);
    EXPECT_EQ(d[0].deliver_cycle, 5u + 5u);
    EXPECT_TRUE(ps_noc_idle(m.noc));
}
