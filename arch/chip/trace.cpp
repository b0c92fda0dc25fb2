#include "trace.hpp"

#include <sstream>
#include <stdexcept>

namespace primesim::chip {

TraceOptions TraceOptions::parse_groups(const std::string &list)
{
    TraceOptions o;
    std::stringstream ss(list);
    std::string g;
    bool any = false;
    while (std::getline(ss, g, ',')) {
        if (g == "all")
            o.tiles = o.noc = o.early_stop = o.lif = true;
        else if (g == "tiles")
            o.tiles = true;
        else if (g == "noc")
            o.noc = true;
        else if (g == "early_stop")
            o.early_stop = true;
        else if (g == "lif")
            o.lif = true;
        else
            throw std::invalid_argument("unknown trace group '" + g + "' (groups: " +
                                        group_names() + ", all)");
        any = true;
    }
    if (!any)
        throw std::invalid_argument(std::string("no trace group given (groups: ") + group_names() +
                                    ", all)");
    return o;
}

const char *TraceOptions::group_names() { return "tiles, noc, early_stop, lif"; }

TraceSignals::TraceSignals(sc_core::sc_module_name name, sc_core::sc_trace_file *file,
                           sc_core::sc_time clock)
    : sc_core::sc_module(name), file_(file), clock_(clock)
{
    SC_HAS_PROCESS(TraceSignals);
    SC_THREAD(run);
}

TraceSignals::~TraceSignals() = default;

int TraceSignals::add(Kind kind, const std::string &trace_name)
{
    Sig s;
    s.kind = kind;
    const std::string obj = "s" + std::to_string(sigs_.size());
    switch (kind) {
    case BOOL:
        s.b = std::make_unique<sc_core::sc_signal<bool>>(obj.c_str(), false);
        sc_core::sc_trace(file_, *s.b, trace_name);
        break;
    case INT:
        s.i = std::make_unique<sc_core::sc_signal<int>>(obj.c_str(), 0);
        sc_core::sc_trace(file_, *s.i, trace_name);
        break;
    case REAL:
        s.r = std::make_unique<sc_core::sc_signal<double>>(obj.c_str(), 0.0);
        sc_core::sc_trace(file_, *s.r, trace_name);
        break;
    }
    sigs_.push_back(std::move(s));
    return (int)sigs_.size() - 1;
}

void TraceSignals::schedule(const Change &c)
{
    q_.push(c);
    wake_.notify(sc_core::SC_ZERO_TIME);
}

void TraceSignals::set(int id, uint64_t cycle, double v)
{
    Sig &s = sigs_[(size_t)id];
    if (s.has_set && s.last_set == v)
        return;
    s.has_set = true;
    s.last_set = v;
    schedule({cycle, seq_++, id, false, v});
}

void TraceSignals::add_to(int id, uint64_t cycle, double delta)
{
    sigs_[(size_t)id].has_set = false; // the next set() is a change
    if (delta != 0)
        schedule({cycle, seq_++, id, true, delta});
}

void TraceSignals::run()
{
    for (;;) {
        if (q_.empty()) {
            wait(wake_);
            continue;
        }
        const sc_core::sc_time at = clock_ * (double)q_.top().cycle;
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        if (at > now) {
            wait(at - now, wake_); // an earlier change may be scheduled meanwhile
            continue;
        }
        while (!q_.empty() && clock_ * (double)q_.top().cycle <= now) {
            const Change c = q_.top();
            q_.pop();
            Sig &s = sigs_[(size_t)c.id];
            s.level = c.delta ? s.level + c.v : c.v;
            switch (s.kind) {
            case BOOL: s.b->write(s.level > 0); break;
            case INT: s.i->write((int)s.level); break;
            case REAL: s.r->write(s.level); break;
            }
        }
    }
}

} // namespace primesim::chip
