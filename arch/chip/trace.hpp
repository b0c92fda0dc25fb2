// VCD tracing of the chip (off by default): the modules expose sc_signals
// that record what they do, and sc_trace writes them to a VCD file.
//
// Modules compute an operation's timing when it starts (temporal
// decoupling), so a value they know now often belongs to a later cycle (a
// tile read that ends in 40 cycles, a flit the mesh has simulated ahead).
// TraceSignals holds one module's signals and a time-ordered list of
// scheduled changes; its one thread writes each change into its signal at
// its cycle. It only records: nothing in the simulation reads the signals,
// so a traced run gives the same results as an untraced one.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <systemc>
#include <vector>

namespace primesim::chip {

// Which signal groups to record (see `primesim sim --help`).
struct TraceOptions {
    sc_core::sc_trace_file *file = nullptr; // nullptr: no tracing
    bool tiles = false;      // tiles(k).busy, tiles(k).reads
    bool noc = false;        // noc.flits, noc.packets, noc.routers(n).flits
    bool early_stop = false; // early_stop.sample, .timestep, .confidence, .prediction
    bool lif = false;        // layers(i).spikes, tiles(k).spikes (LIF homes)

    // "tiles,noc,early_stop,lif" or "all"; throws std::invalid_argument
    // naming an unknown group.
    static TraceOptions parse_groups(const std::string &list);
    static const char *group_names(); // "tiles, noc, early_stop, lif"
};

class TraceSignals : public sc_core::sc_module {
  public:
    enum Kind { BOOL, INT, REAL };

    TraceSignals(sc_core::sc_module_name name, sc_core::sc_trace_file *file,
                 sc_core::sc_time clock);
    ~TraceSignals() override;

    // A signal traced under trace_name (e.g. "chip.tiles(3).busy"). A BOOL shows
    // whether its level is above zero, so overlapping activities can add to it.
    int add(Kind kind, const std::string &trace_name);
    // The signal takes value v at cycle (a cycle already past means now).
    void set(int id, uint64_t cycle, double v);
    // The signal's level changes by delta at cycle.
    void add_to(int id, uint64_t cycle, double delta);
    size_t size() const { return sigs_.size(); }

  private:
    struct Change {
        uint64_t cycle, seq;
        int id;
        bool delta;
        double v;
        bool operator>(const Change &o) const
        {
            return cycle != o.cycle ? cycle > o.cycle : seq > o.seq;
        }
    };
    struct Sig {
        Kind kind;
        double level = 0;       // applied
        double last_set = 0;    // last absolute value scheduled (to skip repeats)
        bool has_set = false;
        std::unique_ptr<sc_core::sc_signal<bool>> b;
        std::unique_ptr<sc_core::sc_signal<int>> i;
        std::unique_ptr<sc_core::sc_signal<double>> r;
    };
    void schedule(const Change &c);
    void run();

    sc_core::sc_trace_file *file_;
    sc_core::sc_time clock_;
    std::vector<Sig> sigs_;
    std::priority_queue<Change, std::vector<Change>, std::greater<Change>> q_;
    uint64_t seq_ = 0;
    sc_core::sc_event wake_;
};

} // namespace primesim::chip
