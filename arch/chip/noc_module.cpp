#include "noc_module.hpp"

#include <stdexcept>
#include <string>

namespace primesim::chip {

NocModule::NocModule(sc_core::sc_module_name name, const ps_noc_params &p,
                     const ps_energy_hybrid_params &energy, sc_core::sc_time clock,
                     sc_core::sc_trace_file *trace)
    : sc_core::sc_module(name), clock_(clock)
{
    SC_HAS_PROCESS(NocModule);
    ps_error err{};
    if (ps_noc_create(&p, &energy, &err, &noc_) != PS_OK)
        throw std::runtime_error(err.message);
    if (trace) {
        const std::string me = this->name();
        trace_ = std::make_unique<TraceSignals>("trace", trace, clock);
        tr_flits_ = trace_->add(TraceSignals::INT, me + ".flits");
        tr_packets_ = trace_->add(TraceSignals::INT, me + ".packets");
        for (int64_t n = 0; n < ps_noc_nodes(&p); n++) {
            const int id = trace_->add(TraceSignals::INT, me + ".routers(" + std::to_string(n) + ").flits");
            if (n == 0)
                tr_router0_ = id;
        }
        ps_noc_set_cycle_hook(noc_, &NocModule::on_cycle, this);
    }
    SC_THREAD(run);
}

void NocModule::on_cycle(void *ctx, const ps_noc *noc, uint64_t cycle)
{
    NocModule *m = static_cast<NocModule *>(ctx);
    m->trace_->set(m->tr_flits_, cycle, (double)ps_noc_flits_in_flight(noc));
    const int64_t n = ps_noc_nodes(ps_noc_get_params(noc));
    for (int64_t i = 0; i < n; i++)
        m->trace_->set(m->tr_router0_ + (int)i, cycle, (double)ps_noc_router_flits(noc, i));
}

NocModule::~NocModule() { ps_noc_destroy(noc_); }

uint64_t NocModule::now_cycle() const
{
    return (uint64_t)(sc_core::sc_time_stamp() / clock_);
}

void NocModule::send(int64_t src, int64_t dst, uint64_t bits, uint64_t tag, uint64_t ready_cycle)
{
    const int64_t flits = ps_noc_flits_for_bits(ps_noc_get_params(noc_), bits);
    const ps_status s = ps_noc_inject(noc_, src, dst, flits, tag, ready_cycle + 1);
    if (s != PS_OK)
        throw std::runtime_error(std::string(name()) + ": packet ready at cycle " +
                                 std::to_string(ready_cycle) + " refused (" +
                                 ps_status_message(s) + "; mesh at cycle " +
                                 std::to_string(ps_noc_now(noc_)) + ")");
    sent_++;
    if (trace_)
        trace_->add_to(tr_packets_, ready_cycle + 1, 1);
    inject_ev_.notify(sc_core::SC_ZERO_TIME);
}

void NocModule::run()
{
    const sc_core::sc_time half = clock_ / 2;
    ps_noc_delivery d[64];
    for (;;) {
        if (ps_noc_idle(noc_)) {
            wait(inject_ev_);
            wait(half); // let every sender of this cycle queue its packet
            continue;
        }
        size_t n = 0;
        ps_status s = ps_noc_run(noc_, UINT64_MAX, d, 64, &n);
        if (s != PS_OK && s != PS_ERR_RANGE)
            throw std::runtime_error(std::string(name()) + ": " + ps_status_message(s));
        if (n == 0)
            continue;
        const sc_core::sc_time at = clock_ * (double)d[0].deliver_cycle;
        if (at > sc_core::sc_time_stamp())
            wait(at - sc_core::sc_time_stamp());
        for (;;) {
            for (size_t k = 0; k < n; k++) {
                if (trace_)
                    trace_->add_to(tr_packets_, d[k].deliver_cycle, -1);
                sink_(d[k]);
            }
            if (s != PS_ERR_RANGE)
                break;
            s = ps_noc_run(noc_, ps_noc_now(noc_), d, 64, &n);
        }
        wait(half);
    }
}

} // namespace primesim::chip
