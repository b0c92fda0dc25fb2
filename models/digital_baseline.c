#include "digital_baseline.h"

#include <math.h>
#include <stdlib.h>

#include "common/alloc.h"

static const char *const dtypes[] = {"int8", "int32", "fp16", "fp32", NULL};

#define DESIGN "design choice"

static const ps_param_desc baseline_params[] = {
    PS_PARAM_INT(ps_baseline_params, weight_bits, 8, 1, 64, "bits",
                 "stored weight width (the hybrid chip resolves columns with an 8-bit ADC)", NULL),
    PS_PARAM_INT(ps_baseline_params, sram_kb, 32, 1, 1024, "KB",
                 "weight SRAM bank per core; picks the Horowitz 8 KB / 32 KB / 1 MB read energy",
                 NULL),
    PS_PARAM_ENUM(ps_baseline_params, acc_dtype, "int32", dtypes,
                  "format of accumulates (membrane potentials)", NULL),
    PS_PARAM_ENUM(ps_baseline_params, mult_dtype, "int8", dtypes,
                  "format of the dense baseline's multiplies (8-bit weights x activations)", NULL),
    PS_PARAM_DOUBLE(ps_baseline_params, spike_hops, 1.0, 0.0, 1e6, "",
                    "mean router hops of one spike message (event baseline)", NULL),
    PS_PARAM_INT(ps_baseline_params, flit_bits, 32, 1, 4096, "bits", "flit width of spike messages",
                 NULL),
    PS_PARAM_DOUBLE(ps_baseline_params, link_mm, 1.0, 0.0, 1e3, "mm", "wire length per hop", NULL),
    PS_PARAM_INT(ps_baseline_params, event_lanes, 16, 1, 1 << 24, "",
                 "synaptic events processed per cycle (event baseline)", NULL),
    PS_PARAM_INT(ps_baseline_params, dense_lanes, 256, 1, 1 << 24, "",
                 "MAC units working per cycle (dense baseline)", NULL),
    PS_PARAM_DOUBLE_POS(ps_baseline_params, dense_weight_reuse, 1.0, 1e9, "",
                        "MACs served by one SRAM weight read (1: every MAC fetches its weight)",
                        NULL),
    PS_PARAM_DOUBLE_POS(ps_baseline_params, clock_mhz, 200.0, 1e6, "MHz",
                        "clock of both baselines (the hybrid chip's digital clock)", NULL),
    PS_PARAM_DOUBLE(ps_baseline_params, leakage_hybrid_mw, 0.0, 0.0, 1e6, "mW",
                    "static power of the hybrid chip (0: dynamic energy only; no published "
                    "figure for the macro's periphery)",
                    NULL),
    PS_PARAM_DOUBLE(ps_baseline_params, leakage_event_mw, 0.0, 0.0, 1e6, "mW",
                    "static power of the event-driven baseline (0: dynamic energy only)", NULL),
    PS_PARAM_DOUBLE(ps_baseline_params, leakage_dense_mw, 0.0, 0.0, 1e6, "mW",
                    "static power of the dense baseline (0: dynamic energy only)", NULL),
};

const ps_param_table ps_baseline_param_table =
    PS_PARAM_TABLE("baseline",
                   "digital baselines (event-driven SNN in SRAM, dense MAC) and static power; "
                   "energies from energy_digital",
                   ps_baseline_params, baseline_params);

struct ps_baseline {
    ps_baseline_params p;
    ps_energy_digital_params e;
    ps_baseline_network net;
    double weight_read_pj, acc_pj, mult_pj, flit_hop_pj;
    uint64_t op_cycles; /* one lane-operation: SRAM read and ALU overlap */
    ps_baseline_stats stats;
};

ps_status ps_baseline_network_work(const ps_network *net, ps_baseline_network *out)
{
    if (!net || !out)
        return PS_ERR_INVALID_ARG;
    ps_baseline_network w = {0, 0, 0, 0};
    for (int64_t i = 0; i < net->n_layers; i++) {
        const ps_layer *l = &net->layers[i];
        if (l->neuron != PS_NEURON_NONE)
            w.neurons += (uint64_t)ps_layer_out_size(l);
        if (!ps_layer_has_weights(l))
            continue;
        /* A conv reads its matrix once per output position. */
        const uint64_t positions = l->kind == PS_LAYER_CONV2D ? (uint64_t)(l->out_h * l->out_w) : 1;
        w.dense_macs += positions * (uint64_t)l->rows * (uint64_t)l->cols;
    }
    int64_t kept = 0, total = 0;
    ps_network_count_pairs(net, &kept, &total);
    w.kept_pairs = (uint64_t)kept;
    w.total_pairs = (uint64_t)total;
    *out = w;
    return PS_OK;
}

ps_status ps_baseline_create(const ps_baseline_params *p, const ps_energy_digital_params *e,
                             const ps_network *net, ps_error *err, ps_baseline **out)
{
    if (!p || !e || !net || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "baseline: NULL argument");
    *out = NULL;
    if (p->acc_dtype < PS_DTYPE_INT8 || p->acc_dtype > PS_DTYPE_FP32 ||
        p->mult_dtype < PS_DTYPE_INT8 || p->mult_dtype > PS_DTYPE_FP32)
        return ps_error_set(err, PS_ERR_RANGE, "baseline: unknown dtype");
    if (p->event_lanes < 1 || p->dense_lanes < 1 || !(p->clock_mhz > 0) ||
        !(p->dense_weight_reuse > 0))
        return ps_error_set(err, PS_ERR_RANGE, "baseline: lanes, clock and reuse must be positive");
    ps_baseline *b = NULL;
    ps_status s = ps_calloc(1, sizeof *b, &b);
    if (s != PS_OK)
        return ps_error_set(err, s, "baseline: out of memory");
    b->p = *p;
    b->e = *e;
    if ((s = ps_baseline_network_work(net, &b->net)) != PS_OK ||
        (s = ps_energy_sram_weight_read_pj(e, (uint64_t)p->sram_kb * 1024u, (int)p->weight_bits,
                                           &b->weight_read_pj)) != PS_OK ||
        (s = ps_energy_add_pj(e, (ps_energy_dtype)p->acc_dtype, &b->acc_pj)) != PS_OK) {
        free(b);
        return ps_error_set(err, s, "baseline: bad network or energy table");
    }
    double add_mult = 0.0;
    ps_energy_mac_pj(e, (ps_energy_dtype)p->mult_dtype, &add_mult);
    double add_m = 0.0;
    ps_energy_add_pj(e, (ps_energy_dtype)p->mult_dtype, &add_m);
    b->mult_pj = add_mult - add_m; /* the multiply alone; the add is in acc_dtype */
    b->flit_hop_pj = ps_energy_noc_flit_hop_pj(e->noc_buffer_flit_pj, e->noc_crossbar_flit_pj,
                                               e->noc_link_pj_per_bit_mm, (int)p->flit_bits,
                                               p->link_mm);
    b->op_cycles = (uint64_t)(e->sram_read_cycles > e->alu_op_cycles ? e->sram_read_cycles
                                                                     : e->alu_op_cycles);
    *out = b;
    return PS_OK;
}

void ps_baseline_destroy(ps_baseline *b) { free(b); }

void ps_baseline_reset(ps_baseline *b)
{
    if (b) {
        ps_baseline_stats z = {0, 0.0, 0.0, 0, 0};
        b->stats = z;
    }
}

ps_status ps_baseline_stats_get(const ps_baseline *b, ps_baseline_stats *out)
{
    if (!b || !out)
        return PS_ERR_INVALID_ARG;
    *out = b->stats;
    return PS_OK;
}

const ps_baseline_network *ps_baseline_get_network(const ps_baseline *b)
{
    return b ? &b->net : NULL;
}

double ps_baseline_weight_read_pj(const ps_baseline *b) { return b ? b->weight_read_pj : 0.0; }

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

static void finish(const ps_baseline *b, double leakage_mw, ps_baseline_step *s)
{
    s->latency_ns = (double)s->cycles * 1e3 / b->p.clock_mhz;
    s->leakage_pj = leakage_mw * s->latency_ns;
    s->total_pj = s->sram_pj + s->alu_pj + s->neuron_pj + s->noc_pj + s->early_stop_pj +
                  s->leakage_pj;
}

ps_status ps_baseline_step_run(ps_baseline *b, const ps_baseline_work *w, ps_baseline_step *event,
                               ps_baseline_step *dense)
{
    if (!b || !w)
        return PS_ERR_INVALID_ARG;
    const uint64_t neuron_cycles =
        ceil_div(b->net.neurons, (uint64_t)b->p.event_lanes) * (uint64_t)b->e.alu_op_cycles;
    ps_baseline_step ev = {0};
    ev.sram_pj = (double)w->synaptic_ops * b->weight_read_pj;
    ev.alu_pj = (double)w->synaptic_ops * b->acc_pj;
    ev.neuron_pj = w->neuron_pj;
    ev.noc_pj = (double)w->spikes * b->p.spike_hops * b->flit_hop_pj;
    ev.early_stop_pj = w->early_stop_pj;
    ev.cycles = ceil_div(w->synaptic_ops, (uint64_t)b->p.event_lanes) * b->op_cycles +
                neuron_cycles + w->early_stop_cycles;
    finish(b, b->p.leakage_event_mw, &ev);

    const uint64_t macs = b->net.dense_macs;
    ps_baseline_step de = {0};
    de.sram_pj = (double)macs / b->p.dense_weight_reuse * b->weight_read_pj;
    de.alu_pj = (double)macs * (b->mult_pj + b->acc_pj);
    de.neuron_pj = w->neuron_pj;
    de.early_stop_pj = w->early_stop_pj;
    de.cycles = ceil_div(macs, (uint64_t)b->p.dense_lanes) * b->op_cycles +
                ceil_div(b->net.neurons, (uint64_t)b->p.dense_lanes) * (uint64_t)b->e.alu_op_cycles +
                w->early_stop_cycles;
    finish(b, b->p.leakage_dense_mw, &de);

    b->stats.timesteps++;
    b->stats.event_pj += ev.total_pj;
    b->stats.dense_pj += de.total_pj;
    b->stats.event_cycles += ev.cycles;
    b->stats.dense_cycles += de.cycles;
    if (event)
        *event = ev;
    if (dense)
        *dense = de;
    return PS_OK;
}
