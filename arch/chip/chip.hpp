// The chip: crossbar tiles (arrays from the mapper, DAC/bit-serial word-line
// drive, column-muxed ADCs, shift-and-add, partial-sum buffers, a LIF unit),
// the NoC, the input streamer and the early-stop controller, assembled from a
// SystemConfig and a network. It computes the real outputs: with the same
// configuration the golden model (models/golden.h) computes the same spikes
// and membranes bit for bit (same models, read keys, partial-sum order).
//
// Schedule of one timestep (all latencies in cycles of system.clock_mhz):
//  0. Routes are static (ps_mapper_block_needs): a tile needs the source
//     neurons its blocks read: the inputs of its rows (row (c*k+ky)*k+kx of
//     a conv, r of a linear layer) at the output positions of its replica (a
//     conv replica owns consecutive positions), traced back through the
//     pooling windows between the source and the layer. A sender (the
//     streamer for the first layer, each home of the layer before) sends a
//     tile one packet per timestep if it owns any neuron the tile needs; a
//     tile that needs nothing hears from sender 0. A tile therefore expects
//     a fixed number of packets per timestep, empty ones (no spikes this
//     step) included: that is how it knows its inputs are complete.
//  1. The streamer sends frame t (levels clipped at input_max_level) to every
//     tile of the first weight layer: the nonzero levels that tile needs,
//     min(address-event, dense over the entries it needs) encoding.
//  2. A tile whose expected input packets have all arrived at cycle D starts
//     its arrays (they work in parallel) on what it was sent. An array reads
//     its replica's output positions in order; a read costs
//        0 if zero-skipped, else dac.latency_cycles + cycles x
//        (ceil(t_read_ns * clock) + ADC rounds for its columns + accumulate_cycles)
//     where cycles are the analogue cycles performed (bit planes).
//  3. A row tile on another tile than its home sends its partial sums
//     (columns x positions x psum_bits); the home adds them when the last one
//     is there (accumulate_cycles per position per extra row tile), then its
//     LIF unit updates the neurons (ps_lif_cycles).
//  4. Each LIF home sends, to each tile of the next weight layer on its route
//     list, the spikes that tile needs (min(address-event, dense over the
//     neurons of this home the tile needs) bits; pooling is done by the
//     receiver as spikes arrive, in no extra cycles), or, for the output
//     layer, its membranes to the controller.
//  5. The controller decides (ps_early_stop_ops_cycles); the next frame is
//     ready at that cycle, or the sample ends and the next one starts.
// A packet ready at cycle c enters the mesh at c + 1.
//
// VCD tracing (TraceOptions, off by default; names under the chip's name,
// with (k) for the path's [k], as VCD viewers read [] as bit ranges):
//   tiles:      tiles(k).busy   1 while an array reads, partial sums add or
//                               the LIF unit updates on tile k
//               tiles(k).reads  arrays of tile k reading (reads in flight)
//   noc:        noc.flits, noc.packets, noc.routers(n).flits (noc_module.hpp)
//   early_stop: early_stop.sample (sample id), early_stop.timestep (the step
//               being computed), early_stop.confidence and .prediction (at
//               each decision)
//   lif:        layers(i).spikes  spikes of LIF layer i so far this timestep
//               tiles(k).spikes   the same for the homes on tile k
// The signals only record (trace.hpp): results are the same with or without.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "config/system_config.hpp"
#include "network.h"
#include "trace.hpp"

namespace primesim::chip {

// Work counters of the current (or last) sample: every model's counters are
// cleared when a sample starts, so a sample's figures never depend on history.
struct ChipCounters {
    uint64_t timesteps = 0;
    uint64_t reads = 0, analogue_cycles = 0, active_rows = 0;
    uint64_t adc_conversions = 0, accumulates = 0, spikes = 0;
    uint64_t synaptic_ops = 0;
    uint64_t noc_packets = 0, noc_flits = 0, noc_flit_hops = 0, buffer_bytes = 0;
    double crossbar_pj = 0, dac_pj = 0, adc_pj = 0, accumulate_pj = 0, lif_pj = 0,
           early_stop_pj = 0, noc_pj = 0, buffer_pj = 0;
    double total_pj() const
    {
        return crossbar_pj + dac_pj + adc_pj + accumulate_pj + lif_pj + early_stop_pj + noc_pj +
               buffer_pj;
    }
    ChipCounters operator-(const ChipCounters &o) const;
};

struct SampleResult {
    uint64_t sample_id = 0;
    int64_t timesteps_run = 0;
    int32_t prediction = -1;
    double confidence = 0;
    uint64_t cycles = 0;         // first frame ready to the final decision
    std::vector<uint64_t> timestep_cycles; // cycles of each timestep
    std::vector<ChipCounters> timestep_counters; // the sample's counters after each decision
    ChipCounters counters;       // this sample's work
    std::vector<float> outputs;  // timesteps_run x n_outputs, U_t
    std::vector<uint64_t> spike_counts; // timesteps_run x n_layers
};

// The silicon the mapping uses, for area comparisons: arrays are the
// crossbars holding weights, ADCs those of the tiles in use (each tile's
// arrays share ceil(array cols / cols_per_adc) column-muxed ADCs).
struct ChipHardware {
    int64_t tiles = 0, mesh_nodes = 0;
    int64_t arrays = 0, array_rows = 0, array_cols = 0;
    int64_t adcs = 0, adc_bits = 0, cols_per_adc = 0;
    int64_t used_pairs = 0, provisioned_pairs = 0; // differential pairs
};

// Called with each layer's full output after it completes in a timestep:
// spikes (0/1), pooled levels, or the integrator's membranes; as the golden
// model's observer.
using LayerObserver = std::function<void(int64_t t, int64_t layer, const float *values, size_t n)>;

class ChipImpl;

class Chip : public sc_core::sc_module {
  public:
    // cfg and net must outlive the chip.
    Chip(sc_core::sc_module_name name, const SystemConfig &cfg, const ps_network &net,
         const TraceOptions &trace = {});
    ~Chip() override;

    // Samples to run: next(i, frames, id) fills frames (T x frame levels)
    // and the sample id and returns false when there are no more; done is
    // called after each. Runs inside the one sc_start of the process.
    using NextSample = std::function<bool(size_t i, std::vector<uint16_t> &frames, uint64_t &id)>;
    using SampleDone = std::function<void(const SampleResult &)>;
    void set_workload(NextSample next, SampleDone done);
    void set_observer(LayerObserver obs);

    std::string mapping_report() const;
    ChipCounters counters() const;
    uint64_t n_tiles() const;
    ChipHardware hardware() const;

  private:
    void driver();
    std::unique_ptr<ChipImpl> impl_;
};

// Convenience for tests and the CLI: elaborates a chip, runs every sample in
// one sc_start, returns the results. Call inside run_in_systemc.
std::vector<SampleResult> run_chip(const SystemConfig &cfg, const ps_network &net,
                                   const std::vector<std::vector<uint16_t>> &frames,
                                   const std::vector<uint64_t> &ids, LayerObserver obs = {});

} // namespace primesim::chip
