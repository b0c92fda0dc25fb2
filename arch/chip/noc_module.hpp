// SystemC wrapper of the C mesh (models/noc.h). Advances the mesh only while
// packets are in flight: it simulates in C up to the next delivery, waits
// until then, hands the deliveries to the sink, and sleeps when idle.
//
// Timing contract (temporal decoupling): a module that reacts to a delivery
// at cycle D computes its work and calls send() at once with the cycle its
// data is ready (>= D); the packet enters the network one cycle later (the
// network interface). The module wakes half a cycle after each delivery, so
// every reaction of cycle D is queued before the mesh simulates past D.
//
// Tracing (trace != nullptr): <name>.flits (flits in the mesh: buffered or
// on links), <name>.packets (sent and not yet delivered) and
// <name>.routers(n).flits (flits in router n's input buffers), recorded at
// the end of every busy cycle the mesh simulates.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <systemc>

#include "noc.h"
#include "trace.hpp"

namespace primesim::chip {

class NocModule : public sc_core::sc_module {
  public:
    using Sink = std::function<void(const ps_noc_delivery &)>;

    NocModule(sc_core::sc_module_name name, const ps_noc_params &p,
              const ps_energy_hybrid_params &energy, sc_core::sc_time clock,
              sc_core::sc_trace_file *trace = nullptr);
    ~NocModule() override;

    void set_sink(Sink sink) { sink_ = std::move(sink); }
    // Queues a packet of bits (at least one flit) whose data is ready at
    // ready_cycle; throws on a causality violation.
    void send(int64_t src, int64_t dst, uint64_t bits, uint64_t tag, uint64_t ready_cycle);
    uint64_t now_cycle() const;
    const ps_noc *mesh() const { return noc_; }
    uint64_t packets_sent() const { return sent_; }

  private:
    void run();
    static void on_cycle(void *ctx, const ps_noc *noc, uint64_t cycle);
    ps_noc *noc_ = nullptr;
    std::unique_ptr<TraceSignals> trace_;
    int tr_flits_ = -1, tr_packets_ = -1, tr_router0_ = -1;
    sc_core::sc_time clock_;
    sc_core::sc_event inject_ev_;
    Sink sink_;
    uint64_t sent_ = 0;
};

} // namespace primesim::chip
