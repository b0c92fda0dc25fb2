#include "chip.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "adc.h"
#include "common/rng.h"
#include "crossbar.h"
#include "dac.h"
#include "device.h"
#include "early_stop.h"
#include "lif.h"
#include "mapper.h"
#include "noc_module.hpp"

namespace primesim::chip {

ChipCounters ChipCounters::operator-(const ChipCounters &o) const
{
    ChipCounters d = *this;
    d.timesteps -= o.timesteps;
    d.reads -= o.reads;
    d.analogue_cycles -= o.analogue_cycles;
    d.active_rows -= o.active_rows;
    d.adc_conversions -= o.adc_conversions;
    d.accumulates -= o.accumulates;
    d.spikes -= o.spikes;
    d.synaptic_ops -= o.synaptic_ops;
    d.noc_packets -= o.noc_packets;
    d.noc_flits -= o.noc_flits;
    d.noc_flit_hops -= o.noc_flit_hops;
    d.buffer_bytes -= o.buffer_bytes;
    d.crossbar_pj -= o.crossbar_pj;
    d.dac_pj -= o.dac_pj;
    d.adc_pj -= o.adc_pj;
    d.accumulate_pj -= o.accumulate_pj;
    d.lif_pj -= o.lif_pj;
    d.early_stop_pj -= o.early_stop_pj;
    d.noc_pj -= o.noc_pj;
    d.buffer_pj -= o.buffer_pj;
    return d;
}

namespace {

void check(ps_status s, const ps_error &err, const std::string &what)
{
    if (s != PS_OK)
        throw std::runtime_error(what + ": " + (err.message[0] ? err.message : ps_status_message(s)));
}

void check(ps_status s, const std::string &what)
{
    if (s != PS_OK)
        throw std::runtime_error(what + ": " + ps_status_message(s));
}

uint64_t bits_for(uint64_t n) // address bits of n items
{
    uint64_t b = 1;
    while ((UINT64_C(1) << b) < n)
        b++;
    return b;
}

enum PacketKind { PK_INPUT, PK_SPIKES, PK_PSUM, PK_OUTPUT };

// What travels in a packet besides its size: the values.
struct Packet {
    PacketKind kind;
    int64_t wl = 0;        // destination weight layer (input/spikes), source (psum/output)
    int64_t src = 0;       // source home block (spikes/output), block (psum)
    int64_t dst_tile = -1; // -1: the controller
    uint64_t bits = 0;
    std::shared_ptr<const std::vector<uint32_t>> spikes; // source neurons the destination needs
    std::shared_ptr<const std::vector<uint16_t>> frame;  // input levels (input: of those indices)
};

} // namespace

struct BlockRt {
    ps_mapper_block m;
    ps_crossbar *array = nullptr;
    uint64_t work_cycles = 0;      // this timestep
    bool is_home = false;
    std::vector<double> psum;      // this timestep: positions of its replica x ncols
    std::vector<uint8_t> skipped;  // per position: every row zero, no read
    int64_t sender = -1;           // home of a LIF layer: its index among the layer's homes
    // home only
    std::vector<uint32_t> neurons; // global output indices of its columns x positions
    int64_t pending = 0;           // row-tile contributions still to arrive
    uint64_t ready_at = 0;         // latest contribution
    uint64_t extra_adds_cycles = 0;
};

struct TileRt;

struct LayerRt {
    int64_t index = 0; // network layer
    const ps_layer *l = nullptr;
    const ps_mapper_layer *ml = nullptr;
    ps_crossbar_grid *grid = nullptr;
    std::vector<int64_t> pools;       // pool layers before it
    int64_t src_layer = -1;           // the layer whose output feeds its first pool / itself
    std::vector<uint16_t> src_map;    // that output as levels (observer only)
    std::vector<std::vector<uint16_t>> pool_buf;
    double in_scale = 1.0;
    std::vector<int64_t> tiles;       // chip tiles holding its blocks
    std::vector<int64_t> homes;       // home block indices
    int64_t positions = 1;
    // Who sends what to its tiles (from the mapper's needed sets): senders
    // are the streamer (layer 0: sender 0) or the homes of the layer before.
    std::vector<std::vector<int64_t>> sender_dests;   // per sender: destination tiles, ascending
    std::vector<std::vector<uint64_t>> sender_needed; // per sender and destination: neurons needed
    std::vector<uint32_t> dest_off, dest_slot;        // per source neuron: slots in its sender's dests
    std::vector<uint32_t> fan_off, fan_idx;           // per source neuron: input entries (pools)
    std::vector<std::vector<uint32_t>> out_lists;     // scratch: per destination slot
    std::vector<float> current, membrane;
    std::vector<uint8_t> spikes;
    std::vector<double> out_ua, part;
    std::vector<uint32_t> kept_per_row;
    int64_t homes_done = 0;
    uint64_t spikes_now = 0;
    std::vector<float> observed;
};

struct TileRt {
    int64_t index = 0, node = 0, wl = -1;
    std::vector<int64_t> blocks;
    ps_adc *adc = nullptr;
    ps_lif *lif = nullptr;
    int64_t n_adcs = 1;
    int64_t expected = 0, received = 0; // input packets of a timestep
    std::vector<uint16_t> in;            // its view of the layer input (what it was sent)
    std::vector<uint32_t> touched;       // entries of `in` set this timestep
    uint64_t conversions = 0;
    uint64_t buffer_bytes = 0;
};

struct AdcHookCtx {
    ps_adc *adc;
    size_t ncols;
    bool ideal;
    uint64_t *conversions;
};

// Every cycle of a block's batch of reads: ncols conversions each.
static ps_status tile_adc_hook(void *ctx, size_t, double *col_ua, size_t n_cycles, size_t)
{
    AdcHookCtx *h = (AdcHookCtx *)ctx;
    *h->conversions += h->ncols * n_cycles;
    return h->ideal ? PS_OK : ps_adc_quantize(h->adc, col_ua, h->ncols * n_cycles, col_ua);
}

class ChipImpl {
  public:
    ChipImpl(Chip *owner, const SystemConfig &cfg, const ps_network &net, const TraceOptions &trace);
    ~ChipImpl();

    const SystemConfig &cfg;
    const ps_network &net;
    sc_core::sc_time clock;
    ps_device *dev = nullptr;
    ps_dac *dac = nullptr;
    ps_mapper *map = nullptr;
    ps_early_stop *es = nullptr;
    ps_lif_params lif_params{};
    std::unique_ptr<NocModule> noc;
    std::vector<LayerRt> layers; // weight layers in order
    std::vector<int64_t> wl_of;  // network layer -> weight layer index or -1
    std::vector<BlockRt> blocks;
    std::vector<TileRt> tiles;
    std::vector<Packet> packets;
    std::vector<uint64_t> free_packets;
    uint64_t read_cycles = 1;
    double adc_pj_per_conversion = 0;

    // sample state
    bool running = false;
    std::vector<uint16_t> frames;
    uint64_t sample_id = 0;
    int64_t t = 0;
    uint64_t step_start = 0, sample_start = 0;
    std::vector<float> out_now;
    int64_t outputs_pending = 0;
    SampleResult result;
    sc_core::sc_event sample_done;
    uint64_t sample_end_cycle = 0;
    LayerObserver observer;
    Chip::NextSample next;
    Chip::SampleDone done;

    // counters owned by the wrapper (the rest come from the models' stats)
    uint64_t accumulates = 0, synaptic_ops = 0, spikes = 0, timesteps = 0;

    uint64_t send(const Packet &p, int64_t src_node, int64_t dst_node, uint64_t ready);
    void on_delivery(const ps_noc_delivery &d);
    void start_timestep(uint64_t ready);
    void tile_input(TileRt &tile, const Packet &p, uint64_t now);
    void tile_compute(TileRt &T);
    void observe_pools(LayerRt &N, const uint16_t *src);
    void setup_routes(size_t k);
    // scratch of home_complete: its neurons' currents, membranes, spikes
    std::vector<float> home_cur, home_mem;
    std::vector<uint8_t> home_spk;
    // scratch of tile_compute
    ps_patch_lists patches{};
    ps_plane_lists plane_lists{};
    std::vector<uint32_t> nz_rows, block_off, block_rows, block_cycles;
    std::vector<uint16_t> nz_levels, block_levels;
    void block_done(BlockRt &b, uint64_t at);
    void home_complete(BlockRt &h);
    void controller_input(const Packet &p, uint64_t now);
    ps_noc_stats noc_base{};
    void reset_counters();

    // tracing (trace.hpp): nullptr when off
    TraceOptions topt;
    std::unique_ptr<TraceSignals> tr;
    std::vector<int> tr_busy, tr_reads, tr_tile_spikes; // per tile, -1 if none
    std::vector<int> tr_layer_spikes;                   // per weight layer, -1 if none
    int tr_sample = -1, tr_step = -1, tr_conf = -1, tr_pred = -1;
    void trace_setup(const std::string &chip_name);
    ChipCounters counters() const;
    void build(Chip *owner); // the constructor's work
    void release();          // frees the C models; safe on a half-built chip
};

ChipImpl::ChipImpl(Chip *owner, const SystemConfig &cfg_, const ps_network &net_,
                   const TraceOptions &trace)
    : cfg(cfg_), net(net_), topt(trace)
{
    // A constructor that throws runs no destructor: free what was built.
    try {
        build(owner);
    } catch (...) {
        release();
        throw;
    }
}

void ChipImpl::build(Chip *owner)
{
    ps_error err{};
    check(ps_network_check(&net, &err), err, "network");
    clock = sc_core::sc_time(1e3 / cfg.system.clock_mhz, sc_core::SC_NS);
    read_cycles = (uint64_t)std::ceil(cfg.crossbar.t_read_ns * cfg.system.clock_mhz / 1e3 - 1e-9);
    if (read_cycles < 1)
        read_cycles = 1;
    int64_t levels[64];
    if (net.n_layers > 64)
        throw std::runtime_error("network: more than 64 layers");
    check(ps_network_input_levels(&net, levels, &err), err, "network");
    const int64_t max_level = (INT64_C(1) << cfg.crossbar.input_bits) - 1;
    for (int64_t i = 0; i < net.n_layers; i++)
        if (ps_layer_has_weights(&net.layers[i]) && levels[i] > max_level)
            throw ConfigError("layer " + std::to_string(i) + ": inputs reach level " +
                              std::to_string(levels[i]) + ", above crossbar.input_bits = " +
                              std::to_string(cfg.crossbar.input_bits) + " (max level " +
                              std::to_string(max_level) + ")");
    ps_device_params dp = cfg.device;
    dp.distribution = PS_DEVICE_DIST_GAUSSIAN; // conductances come from the network
    check(ps_device_create(&dp, nullptr, &err, &dev), err, "device");
    check(ps_dac_create(&cfg.dac, &err, &dac), err, "dac");
    check(ps_early_stop_create(&cfg.early_stop, &err, &es), err, "early_stop");
    check(ps_adc_conversion_energy_pj(&cfg.adc, &adc_pj_per_conversion, &err), err, "adc");
    lif_params = cfg.lif;
    lif_params.leak = net.leak;
    lif_params.v_th = net.v_th;
    lif_params.negative_slope = net.negative_slope;
    lif_params.readout_decay = net.readout_decay;
    // A network that does not fit is bad input (ConfigError), named by the
    // config paths that would make it fit.
    const ps_status ms = ps_mapper_create(&cfg.mapper, &net, cfg.crossbar.rows, cfg.crossbar.cols,
                                          ps_noc_nodes(&cfg.noc), &err, &map);
    if (ms == PS_ERR_RANGE) {
        ps_mapper_params one = cfg.mapper;
        one.first_node = 0;
        ps_mapper *probe = nullptr;
        ps_error e2{};
        int64_t need = -1;
        if (ps_mapper_create(&one, &net, cfg.crossbar.rows, cfg.crossbar.cols, INT64_C(1) << 40,
                             &e2, &probe) == PS_OK)
            need = ps_mapper_n_tiles(probe);
        ps_mapper_destroy(probe);
        throw ConfigError(
            "mapper: the network does not fit the mesh: it needs " + std::to_string(need) +
            " tiles (crossbar.rows x cols = " + std::to_string(cfg.crossbar.rows) + " x " +
            std::to_string(cfg.crossbar.cols) + ", mapper.arrays_per_tile = " +
            std::to_string(cfg.mapper.arrays_per_tile) + ", mapper.replicate_conv = " +
            std::to_string(cfg.mapper.replicate_conv) + ") from node mapper.first_node = " +
            std::to_string(cfg.mapper.first_node) + ", and noc.mesh_x x noc.mesh_y = " +
            std::to_string(cfg.noc.mesh_x) + " x " + std::to_string(cfg.noc.mesh_y) + " = " +
            std::to_string(ps_noc_nodes(&cfg.noc)) + " nodes: grow noc.mesh_x/noc.mesh_y to at least " +
            std::to_string(need + cfg.mapper.first_node) +
            " nodes, or raise mapper.arrays_per_tile / lower mapper.replicate_conv");
    }
    check(ms, err, "mapper");
    if (cfg.chip.io_node >= ps_noc_nodes(&cfg.noc))
        throw ConfigError("chip.io_node = " + std::to_string(cfg.chip.io_node) +
                          " is outside the mesh (noc.mesh_x x noc.mesh_y = " +
                          std::to_string(ps_noc_nodes(&cfg.noc)) + " nodes)");
    noc = std::make_unique<NocModule>("noc", cfg.noc, cfg.energy_hybrid, clock,
                                      topt.file && topt.noc ? topt.file : nullptr);
    noc->set_sink([this](const ps_noc_delivery &d) { on_delivery(d); });

    // Weight layers with the golden model's grids (same keys, same conductances).
    wl_of.assign((size_t)net.n_layers, -1);
    std::vector<int64_t> pending_pools;
    int64_t prev_out = -1; // layer whose output the next weight layer's pools start from
    for (int64_t i = 0; i < net.n_layers; i++) {
        const ps_layer *l = &net.layers[i];
        if (!ps_layer_has_weights(l)) {
            if (pending_pools.empty())
                prev_out = i - 1;
            pending_pools.push_back(i);
            continue;
        }
        LayerRt L;
        L.index = i;
        L.l = l;
        L.ml = ps_mapper_layer_of(map, i);
        L.pools = pending_pools;
        L.src_layer = pending_pools.empty() ? i - 1 : prev_out;
        pending_pools.clear();
        const ps_device_key key = {(uint64_t)cfg.system.seed,
                                   ps_rng_substream(ps_rng_stream_of("layers"), (uint64_t)i)};
        check(ps_crossbar_grid_create(&cfg.crossbar, dev, dac, key, l->rows, l->cols, &err, &L.grid),
              err, "layer " + std::to_string(i));
        const size_t n = (size_t)(l->rows * l->cols);
        std::vector<double> gp(n), gn(n);
        for (size_t j = 0; j < n; j++) {
            gp[j] = l->g_pos_uS[j];
            gn[j] = l->g_neg_uS[j];
        }
        check(ps_crossbar_grid_set_conductances(L.grid, gp.data(), gn.data()),
              "layer " + std::to_string(i) + " conductances");
        const size_t src_size = L.src_layer < 0
                                    ? (size_t)(net.in_c * net.in_h * net.in_w)
                                    : (size_t)ps_layer_out_size(&net.layers[L.src_layer]);
        L.src_map.assign(src_size, 0);
        for (int64_t p : L.pools) {
            const ps_layer *pl = &net.layers[p];
            L.pool_buf.emplace_back((size_t)ps_layer_out_size(pl), 0);
            L.in_scale /= (double)(pl->kernel * pl->kernel);
        }
        L.positions = l->kind == PS_LAYER_CONV2D ? l->out_h * l->out_w : 1;
        const size_t outn = (size_t)ps_layer_out_size(l);
        L.current.assign(outn, 0);
        L.membrane.assign(outn, 0);
        L.spikes.assign(outn, 0);
        L.observed.assign(outn, 0);
        if (nz_rows.size() < (size_t)l->rows) {
            nz_rows.resize((size_t)l->rows);
            nz_levels.resize((size_t)l->rows);
        }
        L.out_ua.assign((size_t)l->cols, 0);
        L.part.assign((size_t)cfg.crossbar.cols, 0);
        L.kept_per_row.assign((size_t)l->rows, 0);
        for (int64_t r = 0; r < l->rows; r++) {
            uint32_t kept = 0;
            for (int64_t c = 0; c < l->cols; c++)
                kept += l->keep ? l->keep[r * l->cols + c] != 0 : 1;
            L.kept_per_row[(size_t)r] = kept;
        }
        wl_of[(size_t)i] = (int64_t)layers.size();
        layers.push_back(std::move(L));
    }
    if (!pending_pools.empty())
        throw std::runtime_error("network: pooling after the output layer");

    // Blocks and tiles from the mapper.
    const int64_t nb = ps_mapper_n_blocks(map);
    blocks.resize((size_t)nb);
    tiles.resize((size_t)ps_mapper_n_tiles(map));
    for (size_t k = 0; k < tiles.size(); k++) {
        tiles[k].index = (int64_t)k;
        tiles[k].node = ps_mapper_tile_node(map, (int64_t)k);
        check(ps_adc_create(&cfg.adc, &err, &tiles[k].adc), err, "adc");
        check(ps_lif_create(&lif_params, &err, &tiles[k].lif), err, "lif");
        tiles[k].n_adcs = ps_adc_count_for_columns(tiles[k].adc, cfg.crossbar.cols);
    }
    for (int64_t b = 0; b < nb; b++) {
        BlockRt &B = blocks[(size_t)b];
        B.m = *ps_mapper_block_at(map, b);
        LayerRt &L = layers[(size_t)wl_of[(size_t)B.m.layer]];
        B.array = ps_crossbar_grid_array(L.grid, B.m.grid_tile);
        B.is_home = B.m.home == b;
        TileRt &T = tiles[(size_t)B.m.tile];
        T.blocks.push_back(b);
        T.wl = wl_of[(size_t)B.m.layer];
        if (T.in.empty())
            T.in.assign((size_t)ps_layer_in_size(L.l), 0);
        B.psum.assign((size_t)(B.m.npos * B.m.ncols), 0.0);
        B.skipped.assign((size_t)B.m.npos, 0);
        if (std::find(L.tiles.begin(), L.tiles.end(), B.m.tile) == L.tiles.end())
            L.tiles.push_back(B.m.tile);
        if (B.is_home) {
            B.sender = (int64_t)L.homes.size();
            L.homes.push_back(b);
            for (int64_t c = B.m.col0; c < B.m.col0 + B.m.ncols; c++)
                for (int64_t p = B.m.pos0; p < B.m.pos0 + B.m.npos; p++)
                    B.neurons.push_back((uint32_t)(c * L.positions + p));
        }
    }
    for (size_t k = 0; k < layers.size(); k++)
        setup_routes(k);
    if (topt.file && (topt.tiles || topt.early_stop || topt.lif))
        trace_setup(owner->name());
}

// Who sends what to the tiles of weight layer k. A tile needs the source
// neurons its blocks read (mapper: rows, replica positions, pooling windows);
// a sender (the streamer for layer 0, else each home of layer k - 1) sends
// it one packet per timestep, with the spikes among them, if it owns any of
// them. A tile that needs nothing still hears from sender 0 (an empty
// packet), so it knows the timestep's inputs are complete.
void ChipImpl::setup_routes(size_t k)
{
    LayerRt &L = layers[k];
    int64_t src_size = 0;
    ps_mapper_source_of(map, L.index, &src_size);
    const size_t S = (size_t)src_size;
    // owner sender of each source neuron
    std::vector<int64_t> owner(S, 0);
    size_t n_senders = 1;
    if (k > 0) {
        const LayerRt &P = layers[k - 1];
        n_senders = P.homes.size();
        for (int64_t h : P.homes)
            for (uint32_t nrn : blocks[(size_t)h].neurons)
                owner[nrn] = blocks[(size_t)h].sender;
    }
    L.sender_dests.assign(n_senders, {});
    L.sender_needed.assign(n_senders, {});
    std::vector<std::vector<uint32_t>> dests_of(S); // tiles needing each neuron
    std::vector<uint8_t> need(S);
    for (int64_t tl : L.tiles) {
        std::fill(need.begin(), need.end(), 0);
        for (int64_t b : tiles[(size_t)tl].blocks)
            check(ps_mapper_block_needs(map, b, need.data()), "mapper: needed inputs");
        std::vector<uint64_t> per_sender(n_senders, 0);
        for (size_t s = 0; s < S; s++)
            if (need[s]) {
                per_sender[(size_t)owner[s]]++;
                dests_of[s].push_back((uint32_t)tl);
            }
        int64_t senders = 0;
        for (size_t j = 0; j < n_senders; j++)
            if (per_sender[j] || (j == 0 && std::all_of(per_sender.begin(), per_sender.end(),
                                                        [](uint64_t c) { return c == 0; }))) {
                L.sender_dests[j].push_back(tl);
                L.sender_needed[j].push_back(per_sender[j]);
                senders++;
            }
        tiles[(size_t)tl].expected = senders;
    }
    L.dest_off.assign(S + 1, 0);
    L.dest_slot.clear();
    for (size_t s = 0; s < S; s++) {
        const auto &d = L.sender_dests[(size_t)owner[s]];
        for (uint32_t tl : dests_of[s])
            L.dest_slot.push_back(
                (uint32_t)(std::lower_bound(d.begin(), d.end(), (int64_t)tl) - d.begin()));
        L.dest_off[s + 1] = (uint32_t)L.dest_slot.size();
    }
    size_t max_dests = 0;
    for (const auto &d : L.sender_dests)
        max_dests = std::max(max_dests, d.size());
    L.out_lists.assign(max_dests, {});
    // input entries each source neuron adds to, through the pools
    L.fan_off.clear();
    L.fan_idx.clear();
    if (!L.pools.empty()) {
        L.fan_off.assign(S + 1, 0);
        std::vector<int64_t> buf(64);
        for (size_t s = 0; s < S; s++) {
            int64_t n = ps_mapper_source_fanout(map, L.index, (int64_t)s, buf.data(), (int64_t)buf.size());
            if (n > (int64_t)buf.size()) {
                buf.resize((size_t)n);
                n = ps_mapper_source_fanout(map, L.index, (int64_t)s, buf.data(), n);
            }
            if (n < 0)
                throw std::runtime_error("mapper: pooling fan-out");
            for (int64_t j = 0; j < n; j++)
                L.fan_idx.push_back((uint32_t)buf[(size_t)j]);
            L.fan_off[s + 1] = (uint32_t)L.fan_idx.size();
        }
    }
}

void ChipImpl::trace_setup(const std::string &me)
{
    tr = std::make_unique<TraceSignals>("trace", topt.file, clock);
    tr_busy.assign(tiles.size(), -1);
    tr_reads.assign(tiles.size(), -1);
    tr_tile_spikes.assign(tiles.size(), -1);
    tr_layer_spikes.assign(layers.size(), -1);
    for (size_t k = 0; k < tiles.size(); k++) {
        const std::string t = me + ".tiles(" + std::to_string(k) + ")";
        if (topt.tiles) {
            tr_busy[k] = tr->add(TraceSignals::BOOL, t + ".busy");
            tr_reads[k] = tr->add(TraceSignals::INT, t + ".reads");
        }
        bool lif_home = false;
        for (int64_t b : tiles[k].blocks)
            lif_home |= blocks[(size_t)b].is_home &&
                        layers[(size_t)tiles[k].wl].l->neuron == PS_NEURON_LIF;
        if (topt.lif && lif_home)
            tr_tile_spikes[k] = tr->add(TraceSignals::INT, t + ".spikes");
    }
    for (size_t k = 0; k < layers.size(); k++)
        if (topt.lif && layers[k].l->neuron == PS_NEURON_LIF)
            tr_layer_spikes[k] = tr->add(TraceSignals::INT,
                                         me + ".layers(" + std::to_string(layers[k].index) + ").spikes");
    if (topt.early_stop) {
        tr_sample = tr->add(TraceSignals::INT, me + ".early_stop.sample");
        tr_step = tr->add(TraceSignals::INT, me + ".early_stop.timestep");
        tr_conf = tr->add(TraceSignals::REAL, me + ".early_stop.confidence");
        tr_pred = tr->add(TraceSignals::INT, me + ".early_stop.prediction");
    }
}

ChipImpl::~ChipImpl() { release(); }

void ChipImpl::release()
{
    for (auto &L : layers)
        ps_crossbar_grid_destroy(L.grid);
    for (auto &T : tiles) {
        ps_adc_destroy(T.adc);
        ps_lif_destroy(T.lif);
    }
    ps_patch_lists_free(&patches);
    ps_plane_lists_free(&plane_lists);
    ps_mapper_destroy(map);
    ps_early_stop_destroy(es);
    ps_dac_destroy(dac);
    ps_device_destroy(dev);
    layers.clear();
    tiles.clear();
    map = nullptr;
    es = nullptr;
    dac = nullptr;
    dev = nullptr;
}

uint64_t ChipImpl::send(const Packet &p, int64_t src_node, int64_t dst_node, uint64_t ready)
{
    uint64_t tag;
    if (!free_packets.empty()) {
        tag = free_packets.back();
        free_packets.pop_back();
        packets[tag] = p;
    } else {
        tag = packets.size();
        packets.push_back(p);
    }
    noc->send(src_node, dst_node, p.bits, tag, ready);
    return tag;
}

void ChipImpl::on_delivery(const ps_noc_delivery &d)
{
    Packet p = std::move(packets[d.tag]);
    packets[d.tag] = Packet{};
    free_packets.push_back(d.tag);
    if (p.dst_tile < 0) {
        controller_input(p, d.deliver_cycle);
        return;
    }
    TileRt &T = tiles[(size_t)p.dst_tile];
    T.buffer_bytes += (p.bits + 7) / 8;
    if (p.kind == PK_PSUM) {
        BlockRt &h = blocks[(size_t)blocks[(size_t)p.src].m.home];
        h.ready_at = std::max(h.ready_at, d.deliver_cycle);
        if (--h.pending == 0)
            home_complete(h);
        return;
    }
    tile_input(T, p, d.deliver_cycle);
}

// ---- input streamer ------------------------------------------------------

void ChipImpl::start_timestep(uint64_t ready)
{
    step_start = ready;
    const size_t frame = (size_t)(net.in_c * net.in_h * net.in_w);
    auto levels = std::make_shared<std::vector<uint16_t>>(frame);
    LayerRt &F = layers[0];
    for (auto &v : F.out_lists)
        v.clear();
    for (size_t j = 0; j < frame; j++) {
        const uint16_t v = frames[(size_t)t * frame + j];
        (*levels)[j] = v > net.input_max_level ? (uint16_t)net.input_max_level : v;
        if ((*levels)[j])
            for (uint32_t q = F.dest_off[j]; q < F.dest_off[j + 1]; q++)
                F.out_lists[F.dest_slot[q]].push_back((uint32_t)j);
    }
    for (auto &L : layers) {
        L.homes_done = 0;
        L.spikes_now = 0;
    }
    for (auto &T : tiles)
        T.received = 0;
    for (auto &B : blocks)
        if (B.is_home) {
            B.pending = layers[(size_t)wl_of[(size_t)B.m.layer]].ml->row_tiles;
            B.ready_at = 0;
            B.extra_adds_cycles = 0;
        }
    for (int64_t p : F.pools) { // the first layer's tiles pool what they receive
        const ps_layer *pl = &net.layers[p];
        accumulates += (uint64_t)ps_layer_out_size(pl) * (uint64_t)(pl->kernel * pl->kernel - 1);
    }
    if (observer && !F.pools.empty())
        observe_pools(F, levels->data());
    if (tr) {
        for (int id : tr_tile_spikes)
            if (id >= 0)
                tr->set(id, ready, 0);
        for (int id : tr_layer_spikes)
            if (id >= 0)
                tr->set(id, ready, 0);
        if (tr_step >= 0)
            tr->set(tr_step, ready, (double)t);
    }
    outputs_pending = (int64_t)layers.back().homes.size();
    // to each first-layer tile the nonzero levels it needs: address-event
    // or dense over the entries it needs, whichever is shorter
    const uint64_t in_bits = (uint64_t)cfg.crossbar.input_bits;
    for (size_t d = 0; d < F.sender_dests[0].size(); d++) {
        const int64_t tl = F.sender_dests[0][d];
        auto list = std::make_shared<std::vector<uint32_t>>(F.out_lists[d]);
        const uint64_t bits = std::min<uint64_t>(list->size() * (bits_for(frame) + in_bits),
                                                 F.sender_needed[0][d] * in_bits);
        Packet p{PK_INPUT, 0, 0, tl, bits, std::move(list), levels};
        send(p, cfg.chip.io_node, tiles[(size_t)tl].node, ready);
    }
}

// ---- crossbar tile -------------------------------------------------------

// The pool layers before N, for the observer (the tiles pool what they
// receive as it arrives).
void ChipImpl::observe_pools(LayerRt &N, const uint16_t *src)
{
    const uint16_t *in = src;
    for (size_t k = 0; k < N.pools.size(); k++) {
        ps_layer_pool_levels(&net.layers[N.pools[k]], in, N.pool_buf[k].data());
        in = N.pool_buf[k].data();
        std::vector<float> v(N.pool_buf[k].begin(), N.pool_buf[k].end());
        observer(t, N.pools[k], v.data(), v.size());
    }
}

void ChipImpl::tile_input(TileRt &T, const Packet &p, uint64_t now)
{
    const LayerRt &L = layers[(size_t)T.wl];
    const bool fan = !L.fan_off.empty();
    for (uint32_t s : *p.spikes) {
        const uint16_t v = p.frame ? (*p.frame)[s] : 1;
        const uint32_t *e = fan ? &L.fan_idx[L.fan_off[s]] : &s;
        const uint32_t *end = fan ? &L.fan_idx[L.fan_off[s + 1]] : &s + 1;
        for (; e != end; e++) {
            if (!T.in[*e])
                T.touched.push_back(*e);
            T.in[*e] = (uint16_t)(T.in[*e] + v);
        }
    }
    if (++T.received < T.expected)
        return;
    tile_compute(T);
    for (uint32_t e : T.touched)
        T.in[e] = 0;
    T.touched.clear();
    for (int64_t b : T.blocks) {
        BlockRt &B = blocks[(size_t)b];
        if (tr && tr_busy[(size_t)T.index] >= 0 && B.work_cycles) {
            for (int id : {tr_busy[(size_t)T.index], tr_reads[(size_t)T.index]}) {
                tr->add_to(id, now, 1);
                tr->add_to(id, now + B.work_cycles, -1);
            }
        }
        block_done(B, now + B.work_cycles);
    }
}

// Every read of the tile's blocks from what the tile was sent, each array's
// positions in order (the golden model's read keys); the partial sums wait
// in the blocks until their home adds them (home_complete).
void ChipImpl::tile_compute(TileRt &T)
{
    LayerRt &L = layers[(size_t)T.wl];
    const ps_layer *l = L.l;
    const uint64_t step_key = ps_rng_substream(sample_id, (uint64_t)t);
    const uint64_t layer_key = ps_rng_substream(step_key, (uint64_t)L.index);
    const uint64_t dac_lat = (uint64_t)ps_dac_latency_cycles(dac);
    const uint64_t acc_cyc = (uint64_t)cfg.energy_hybrid.accumulate_cycles;
    for (auto &b : T.blocks)
        blocks[(size_t)b].work_cycles = 0;
    // The tile's nonzero inputs per output position of each replica (event
    // by event: bit-serial conv as plane lists of each block's rows, else
    // patch lists shared by the replica's consecutive blocks). Each block
    // reads all its replica's positions in one batch (the golden model's
    // keys: the layer's step key, read number = position).
    std::sort(T.touched.begin(), T.touched.end()); // the nonzero inputs, ascending
    uint32_t lin_off[2] = {0, 0};
    if (l->kind == PS_LAYER_LINEAR)
        for (uint32_t r : T.touched) {
            nz_rows[lin_off[1]] = r;
            nz_levels[lin_off[1]++] = T.in[r];
        }
    const bool planes = cfg.crossbar.multilevel == PS_XBAR_BIT_SERIAL && l->kind != PS_LAYER_LINEAR;
    for (size_t i0 = 0; i0 < T.blocks.size();) {
        const ps_mapper_block &first = blocks[(size_t)T.blocks[i0]].m;
        size_t i1 = i0;
        while (i1 < T.blocks.size() && blocks[(size_t)T.blocks[i1]].m.replica == first.replica)
            i1++;
        const uint32_t *off = lin_off, *rows = nz_rows.data();
        const uint16_t *lv = nz_levels.data();
        if (l->kind != PS_LAYER_LINEAR && !planes) {
            check(ps_layer_patch_lists_of(l, T.in.data(), T.touched.data(), T.touched.size(),
                                          first.pos0, first.npos, &patches),
                  "patch lists");
            off = patches.off, rows = patches.row, lv = patches.level;
        }
        const size_t npos = (size_t)first.npos;
        int64_t planes_r0 = -1, planes_r1 = -1; // the row range plane_lists holds
        for (size_t i = i0; i < i1; i++) {
            BlockRt &B = blocks[(size_t)T.blocks[i]];
            const uint32_t r0 = (uint32_t)B.m.row0, r1 = (uint32_t)(B.m.row0 + B.m.nrows);
            AdcHookCtx h{T.adc, (size_t)B.m.ncols, cfg.chip.ideal_adc, &T.conversions};
            block_cycles.resize(npos);
            if (planes) {
                // bit-serial conv: this block's cycles straight from the inputs
                // (rebuilt only for a new row range: column tiles share them)
                if (B.m.tc == 0 || planes_r0 != B.m.row0 || planes_r1 != B.m.row0 + B.m.nrows) {
                    uint64_t ops = 0;
                    check(ps_layer_plane_lists(l, T.in.data(), T.touched.data(), T.touched.size(),
                                               cfg.crossbar.input_bits, first.pos0, first.npos,
                                               B.m.row0, B.m.row0 + B.m.nrows,
                                               B.m.tc == 0 ? L.kept_per_row.data() : nullptr,
                                               &ops, &plane_lists),
                          "plane lists");
                    synaptic_ops += ops; // counted once per row, not per column tile
                    planes_r0 = B.m.row0, planes_r1 = B.m.row0 + B.m.nrows;
                }
                check(ps_crossbar_read_planes(B.array, npos, plane_lists.off, plane_lists.row,
                                              layer_key, (uint64_t)first.pos0, tile_adc_hook, &h,
                                              B.psum.data(), (size_t)B.m.ncols,
                                              block_cycles.data(), nullptr),
                      "crossbar read");
            } else {
                // this block's rows of every position, local to its array
                block_off.assign(npos + 1, 0);
                block_rows.clear();
                block_levels.clear();
                for (size_t p = 0; p < npos; p++) {
                    const uint32_t *e = rows + off[p], *end = rows + off[p + 1];
                    for (const uint32_t *k = std::lower_bound(e, end, r0); k != end && *k < r1; k++) {
                        block_rows.push_back(*k - r0);
                        block_levels.push_back(lv[k - rows]);
                        if (B.m.tc == 0) // counted once per row, not per column tile
                            synaptic_ops += L.kept_per_row[*k];
                    }
                    block_off[p + 1] = (uint32_t)block_rows.size();
                }
                check(ps_crossbar_read_batch(B.array, npos, block_off.data(), block_rows.data(),
                                             block_levels.data(), layer_key, (uint64_t)first.pos0,
                                             tile_adc_hook, &h, B.psum.data(), (size_t)B.m.ncols,
                                             block_cycles.data(), nullptr),
                      "crossbar read");
            }
            int64_t adc_cyc = 0;
            check(ps_adc_cycles(T.adc, B.m.ncols, T.n_adcs, &adc_cyc), "adc cycles");
            for (size_t p = 0; p < npos; p++) {
                const uint64_t cycles = block_cycles[p];
                B.skipped[p] = cycles == 0;
                if (cycles == 0)
                    continue;
                B.work_cycles += dac_lat + cycles * (read_cycles + (uint64_t)adc_cyc + acc_cyc);
                accumulates += (cycles - 1) * (uint64_t)B.m.ncols; // shift-and-add of bit planes
            }
        }
        i0 = i1;
    }
}

void ChipImpl::block_done(BlockRt &B, uint64_t at)
{
    BlockRt &home = blocks[(size_t)B.m.home];
    if (B.m.tile == home.m.tile) {
        home.ready_at = std::max(home.ready_at, at);
        if (--home.pending == 0)
            home_complete(home);
        return;
    }
    const uint64_t n_pos = (uint64_t)B.m.npos;
    Packet p{PK_PSUM, wl_of[(size_t)B.m.layer], (int64_t)(&B - blocks.data()), home.m.tile,
             (uint64_t)B.m.ncols * n_pos * (uint64_t)cfg.chip.psum_bits, nullptr, nullptr};
    send(p, tiles[(size_t)B.m.tile].node, tiles[(size_t)home.m.tile].node, at);
}

void ChipImpl::home_complete(BlockRt &h)
{
    const size_t wl = (size_t)wl_of[(size_t)h.m.layer];
    LayerRt &L = layers[wl];
    TileRt &T = tiles[(size_t)h.m.tile];
    // Add the row tiles' partial sums in row-tile order (the golden order).
    {
        const int64_t rt = L.ml->row_tiles;
        const uint64_t acc_cyc = (uint64_t)cfg.energy_hybrid.accumulate_cycles;
        const double to_current = L.l->weight_per_uS / cfg.crossbar.v_read_v * L.in_scale;
        double *out = L.out_ua.data();
        const size_t nc = (size_t)h.m.ncols;
        size_t pi = 0;
        for (int64_t pos = h.m.pos0; pos < h.m.pos0 + h.m.npos; pos++, pi++) {
            bool first_part = true;
            for (int64_t k = 0; k < rt; k++) {
                const BlockRt &B = (&h)[k];
                if (B.skipped[pi])
                    continue;
                const double *part = B.psum.data() + pi * nc;
                if (first_part) {
                    for (size_t j = 0; j < nc; j++)
                        out[j] = part[j];
                } else {
                    for (size_t j = 0; j < nc; j++)
                        out[j] += part[j];
                    accumulates += nc;
                    h.extra_adds_cycles += acc_cyc;
                }
                first_part = false;
            }
            if (first_part) // every row tile zero-skipped: the sum is 0
                std::fill(out, out + nc, 0.0);
            for (size_t j = 0; j < nc; j++)
                L.current[(size_t)(((size_t)h.m.col0 + j) * (size_t)L.positions + (size_t)pos)] =
                    (float)(out[j] * to_current);
        }
    }
    const size_t n = h.neurons.size();
    std::vector<float> &cur = home_cur, &mem = home_mem;
    std::vector<uint8_t> &spk = home_spk;
    cur.resize(n), mem.resize(n), spk.resize(n);
    for (size_t k = 0; k < n; k++) {
        cur[k] = L.current[h.neurons[k]];
        mem[k] = L.membrane[h.neurons[k]];
        spk[k] = L.spikes[h.neurons[k]];
    }
    if (L.l->bias) { // the LIF unit's bias add, as golden.c does it
        std::vector<float> bias(n);
        for (size_t k = 0; k < n; k++)
            bias[k] = L.l->bias[h.neurons[k] / (size_t)L.positions];
        check(ps_lif_add_bias(T.lif, cur.data(), bias.data(), n), "lif");
    }
    // A bias add is one more pass through the lanes.
    const uint64_t lif_cycles = (uint64_t)ps_lif_cycles(T.lif, n) * (L.l->bias ? 2 : 1);
    const uint64_t out_at = h.ready_at + h.extra_adds_cycles + lif_cycles;
    const bool last = wl + 1 == layers.size();
    if (tr && tr_busy[(size_t)T.index] >= 0 && out_at > h.ready_at) {
        tr->add_to(tr_busy[(size_t)T.index], h.ready_at, 1);
        tr->add_to(tr_busy[(size_t)T.index], out_at, -1);
    }
    if (L.l->neuron == PS_NEURON_INTEGRATOR) {
        check(ps_lif_integrate(T.lif, mem.data(), cur.data(), n), "lif");
        for (size_t k = 0; k < n; k++)
            L.membrane[h.neurons[k]] = mem[k];
    } else {
        size_t n_spikes = 0;
        check(ps_lif_step(T.lif, mem.data(), spk.data(), cur.data(), n, &n_spikes), "lif");
        auto list = std::make_shared<std::vector<uint32_t>>();
        list->reserve(n_spikes);
        for (size_t k = 0; k < n; k++) {
            L.membrane[h.neurons[k]] = mem[k];
            L.spikes[h.neurons[k]] = spk[k];
            if (spk[k])
                list->push_back(h.neurons[k]);
        }
        L.spikes_now += n_spikes;
        spikes += n_spikes;
        if (tr && tr_tile_spikes[(size_t)T.index] >= 0)
            tr->add_to(tr_tile_spikes[(size_t)T.index], out_at, (double)n_spikes);
        if (tr && tr_layer_spikes[wl] >= 0)
            tr->add_to(tr_layer_spikes[wl], out_at, (double)n_spikes);
        if (!last) { // to each next-layer tile the spikes it needs (address-event or dense)
            LayerRt &N = layers[wl + 1];
            const auto &dests = N.sender_dests[(size_t)h.sender];
            for (size_t d = 0; d < dests.size(); d++)
                N.out_lists[d].clear();
            for (uint32_t s : *list)
                for (uint32_t q = N.dest_off[s]; q < N.dest_off[s + 1]; q++)
                    N.out_lists[N.dest_slot[q]].push_back(s);
            const uint64_t addr = bits_for(L.spikes.size());
            for (size_t d = 0; d < dests.size(); d++) {
                const int64_t tl = dests[d];
                auto sub = std::make_shared<std::vector<uint32_t>>(N.out_lists[d]);
                const uint64_t bits =
                    std::min<uint64_t>(sub->size() * addr, N.sender_needed[(size_t)h.sender][d]);
                Packet p{PK_SPIKES, (int64_t)wl + 1, (int64_t)(&h - blocks.data()), tl, bits,
                         std::move(sub), nullptr};
                send(p, T.node, tiles[(size_t)tl].node, out_at);
            }
        }
    }
    if (++L.homes_done == (int64_t)L.homes.size()) {
        const size_t outn = L.spikes.size();
        if (!last) // the next layer's tiles pool what they receive
            for (int64_t p : layers[wl + 1].pools) {
                const ps_layer *pl = &net.layers[p];
                accumulates += (uint64_t)ps_layer_out_size(pl) * (uint64_t)(pl->kernel * pl->kernel - 1);
            }
        if (observer && L.l->neuron == PS_NEURON_INTEGRATOR) {
            observer(t, L.index, L.membrane.data(), outn);
        } else if (observer) {
            for (size_t k = 0; k < outn; k++)
                L.observed[k] = (float)L.spikes[k];
            observer(t, L.index, L.observed.data(), outn);
            if (!last && !layers[wl + 1].pools.empty()) {
                LayerRt &N = layers[wl + 1];
                for (size_t k = 0; k < outn; k++)
                    N.src_map[k] = L.spikes[k];
                observe_pools(N, N.src_map.data());
            }
        }
    }
    if (last) {
        Packet p{PK_OUTPUT, (int64_t)wl, (int64_t)(&h - blocks.data()), -1,
                 (uint64_t)n * (uint64_t)cfg.chip.psum_bits, nullptr, nullptr};
        send(p, T.node, cfg.chip.io_node, out_at);
    }
}

// ---- early-stop controller ------------------------------------------------

void ChipImpl::controller_input(const Packet &, uint64_t now)
{
    if (--outputs_pending > 0)
        return;
    LayerRt &O = layers.back();
    const size_t K = O.membrane.size();
    ps_early_stop_decision dec{};
    check(ps_early_stop_classify_step(es, O.membrane.data(), &dec), "early stop");
    const ps_early_stop_ops ops = ps_early_stop_classify_ops(K);
    const uint64_t decided = now + (uint64_t)ps_early_stop_ops_cycles(&cfg.early_stop, &ops);
    result.outputs.insert(result.outputs.end(), O.membrane.begin(), O.membrane.end());
    for (size_t i = 0; i < (size_t)net.n_layers; i++) {
        const int64_t w = wl_of[i];
        result.spike_counts.push_back(
            w >= 0 && layers[(size_t)w].l->neuron == PS_NEURON_LIF ? layers[(size_t)w].spikes_now : 0);
    }
    result.timestep_cycles.push_back(decided - step_start);
    result.timestep_counters.push_back(counters()); // per-timestep records (stats/)
    timesteps++;
    t++;
    result.prediction = dec.prediction;
    result.confidence = dec.score;
    if (tr && tr_conf >= 0) {
        tr->set(tr_conf, decided, dec.score);
        tr->set(tr_pred, decided, dec.prediction);
    }
    if ((cfg.chip.early_stop && dec.stop) || t >= net.timesteps) {
        result.timesteps_run = t;
        result.cycles = decided - sample_start;
        sample_end_cycle = decided;
        sample_done.notify(clock * (double)(decided - now));
        return;
    }
    start_timestep(decided);
}

// Per-sample figures start from zero, so they never depend on the samples
// run before (floating-point sums would).
void ChipImpl::reset_counters()
{
    for (auto &L : layers)
        ps_crossbar_grid_reset(L.grid);
    for (auto &T : tiles) {
        ps_adc_reset(T.adc);
        ps_lif_reset(T.lif);
        T.conversions = 0;
        T.buffer_bytes = 0;
    }
    ps_early_stop_reset(es);
    accumulates = synaptic_ops = spikes = timesteps = 0;
    ps_noc_stats_get(noc->mesh(), &noc_base);
}

ChipCounters ChipImpl::counters() const
{
    ChipCounters c;
    c.timesteps = timesteps;
    c.accumulates = accumulates;
    c.synaptic_ops = synaptic_ops;
    c.spikes = spikes;
    for (const auto &L : layers) {
        ps_crossbar_grid_stats g;
        ps_crossbar_grid_stats_get(L.grid, &g);
        c.reads += g.arrays.reads;
        c.analogue_cycles += g.arrays.cycles;
        c.active_rows += g.arrays.active_rows;
        c.crossbar_pj += g.arrays.cell_energy_pj;
        c.dac_pj += g.arrays.driver_energy_pj;
    }
    for (const auto &T : tiles) {
        c.adc_conversions += T.conversions;
        c.buffer_bytes += T.buffer_bytes;
        ps_lif_stats ls;
        ps_lif_stats_get(T.lif, &ls);
        c.lif_pj += ls.energy_pj;
    }
    c.adc_pj = (double)c.adc_conversions * adc_pj_per_conversion;
    c.accumulate_pj = (double)c.accumulates * cfg.energy_hybrid.accumulate_pj;
    c.buffer_pj = (double)c.buffer_bytes * cfg.energy_hybrid.buffer_access_pj_per_byte;
    ps_early_stop_stats es_stats;
    ps_early_stop_stats_get(es, &es_stats);
    c.early_stop_pj = es_stats.energy_pj;
    ps_noc_stats ns;
    ps_noc_stats_get(noc->mesh(), &ns);
    c.noc_packets = ns.packets_injected - noc_base.packets_injected;
    c.noc_flits = ns.flits_injected - noc_base.flits_injected;
    c.noc_flit_hops = ns.link_traversals - noc_base.link_traversals;
    const ps_energy_hybrid_params &e = cfg.energy_hybrid;
    c.noc_pj = (double)(ns.router_traversals - noc_base.router_traversals) *
                   (e.noc_buffer_flit_pj + e.noc_crossbar_flit_pj) +
               (double)c.noc_flit_hops * e.noc_link_pj_per_bit_mm * (double)cfg.noc.flit_bits *
                   cfg.noc.link_mm;
    return c;
}

// ---- Chip ----------------------------------------------------------------

Chip::Chip(sc_core::sc_module_name name, const SystemConfig &cfg, const ps_network &net,
           const TraceOptions &trace)
    : sc_core::sc_module(name)
{
    SC_HAS_PROCESS(Chip);
    impl_ = std::make_unique<ChipImpl>(this, cfg, net, trace);
    SC_THREAD(driver);
}

Chip::~Chip() = default;

void Chip::set_workload(NextSample next, SampleDone done)
{
    impl_->next = std::move(next);
    impl_->done = std::move(done);
}

void Chip::set_observer(LayerObserver obs) { impl_->observer = std::move(obs); }
ChipCounters Chip::counters() const { return impl_->counters(); }
uint64_t Chip::n_tiles() const { return impl_->tiles.size(); }

ChipHardware Chip::hardware() const
{
    const ChipImpl &c = *impl_;
    ps_mapper_stats ms{};
    ps_mapper_stats_get(c.map, &ms);
    ChipHardware h;
    h.tiles = (int64_t)c.tiles.size();
    h.mesh_nodes = ms.nodes;
    h.arrays = (int64_t)c.blocks.size();
    h.array_rows = c.cfg.crossbar.rows;
    h.array_cols = c.cfg.crossbar.cols;
    for (const TileRt &t : c.tiles)
        h.adcs += t.n_adcs;
    h.adc_bits = c.cfg.adc.bits;
    h.cols_per_adc = c.cfg.adc.cols_per_adc;
    h.used_pairs = ms.used_pairs;
    h.provisioned_pairs = ms.provisioned_pairs;
    return h;
}

std::string Chip::mapping_report() const
{
    char buf[8192];
    ps_mapper_report(impl_->map, buf, sizeof buf);
    return buf;
}

void Chip::driver()
{
    ChipImpl &c = *impl_;
    const size_t frame = (size_t)(c.net.in_c * c.net.in_h * c.net.in_w);
    for (size_t i = 0; c.next; i++) {
        uint64_t id = 0;
        if (!c.next(i, c.frames, id))
            break;
        if (c.frames.size() != (size_t)c.net.timesteps * frame)
            throw std::runtime_error("sample " + std::to_string(i) + ": frames have the wrong size");
        c.sample_id = id;
        c.t = 0;
        c.result = SampleResult{};
        c.result.sample_id = id;
        for (auto &L : c.layers) {
            std::fill(L.membrane.begin(), L.membrane.end(), 0.0f);
            std::fill(L.spikes.begin(), L.spikes.end(), 0);
        }
        c.reset_counters();
        check(ps_early_stop_begin_classify(c.es, c.layers.back().membrane.size()), "early stop");
        const uint64_t start = (uint64_t)(sc_core::sc_time_stamp() / c.clock);
        c.sample_start = start;
        if (c.tr && c.tr_sample >= 0)
            c.tr->set(c.tr_sample, start, (double)id);
        c.start_timestep(start);
        wait(c.sample_done);
        c.result.counters = c.counters();
        if (c.done)
            c.done(c.result);
    }
    // No sc_stop: the simulation ends when every chip of the process is idle.
}

std::vector<SampleResult> run_chip(const SystemConfig &cfg, const ps_network &net,
                                   const std::vector<std::vector<uint16_t>> &frames,
                                   const std::vector<uint64_t> &ids, LayerObserver obs)
{
    std::vector<SampleResult> out;
    Chip chip("chip", cfg, net);
    chip.set_observer(std::move(obs));
    chip.set_workload(
        [&](size_t i, std::vector<uint16_t> &f, uint64_t &id) {
            if (i >= frames.size())
                return false;
            f = frames[i];
            id = ids[i];
            return true;
        },
        [&](const SampleResult &r) { out.push_back(r); });
    sc_core::sc_start();
    return out;
}

} // namespace primesim::chip
