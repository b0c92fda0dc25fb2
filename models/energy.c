#include "energy.h"

#include <stddef.h>

#define HOROWITZ "Horowitz, 'Computing's energy problem', ISSCC 2014, 45 nm 0.9 V (unscaled)"
#define ISAAC "ISAAC, Shafiee et al., ISCA 2016, Table I, 32 nm (unscaled)"
#define NOXIM "Noxim bin/power.yaml (node unspecified)"
#define SATA "SATA_Sim energy_configs.py 16-bit PE defaults (node not stated)"

#define E_DOUBLE(T, f, def, unit, doc, cite) PS_PARAM_DOUBLE(T, f, def, 0.0, 1e9, unit, doc, cite)

static const ps_param_desc hybrid_params[] = {
    E_DOUBLE(ps_energy_hybrid_params, sample_hold_pj, 0.001, "pJ",
             "sample-and-hold of one column for one read", ISAAC ": 10 uW / 1024 S&H x 100 ns"),
    E_DOUBLE(ps_energy_hybrid_params, accumulate_pj, 0.1, "pJ",
             "one digital add (shift-and-add of bit planes, partial sums of row tiles)",
             HOROWITZ ": 32-bit integer add"),
    E_DOUBLE(ps_energy_hybrid_params, buffer_access_pj_per_byte, 2.02, "pJ/B",
             "tile buffer (eDRAM) access per byte", ISAAC ": 64 KB eDRAM read per byte"),
    E_DOUBLE(ps_energy_hybrid_params, register_access_pj, 0.0301, "pJ",
             "one register access in the digital neuron / control", SATA ": reg"),
    E_DOUBLE(ps_energy_hybrid_params, noc_buffer_flit_pj, 0.76, "pJ",
             "router input buffer push of one 32-bit flit", NOXIM ": buffer push, depth 4"),
    E_DOUBLE(ps_energy_hybrid_params, noc_crossbar_flit_pj, 0.22, "pJ",
             "router switch traversal of one 32-bit flit", NOXIM ": crossbar"),
    E_DOUBLE(ps_energy_hybrid_params, noc_link_pj_per_bit_mm, 0.049, "pJ/(bit mm)",
             "link energy per bit per mm of wire", NOXIM ": LinkBitLine"),
    PS_PARAM_INT(ps_energy_hybrid_params, buffer_access_cycles, 1, 0, 1e6, "cycles",
                 "latency of one buffer access", NULL),
    PS_PARAM_INT(ps_energy_hybrid_params, accumulate_cycles, 1, 0, 1e6, "cycles",
                 "latency of one digital add stage", NULL),
};

const ps_param_table ps_energy_hybrid_param_table =
    PS_PARAM_TABLE("energy_hybrid",
                   "per-operation energy/timing of the hybrid chip's periphery (cited per constant)",
                   ps_energy_hybrid_params, hybrid_params);

static const ps_param_desc digital_params[] = {
    E_DOUBLE(ps_energy_digital_params, add_int8_pj, 0.03, "pJ", "8-bit integer add", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, add_int32_pj, 0.1, "pJ", "32-bit integer add", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, add_fp16_pj, 0.4, "pJ", "16-bit float add", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, add_fp32_pj, 0.9, "pJ",
             "32-bit float add (the SNN literature's E_AC)", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, mult_int8_pj, 0.2, "pJ", "8-bit integer multiply",
             HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, mult_int32_pj, 3.1, "pJ", "32-bit integer multiply",
             HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, mult_fp16_pj, 1.1, "pJ", "16-bit float multiply",
             HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, mult_fp32_pj, 3.7, "pJ", "32-bit float multiply",
             HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, sram_8kb_read_64b_pj, 10.0, "pJ",
             "64-bit read from an 8 KB SRAM", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, sram_32kb_read_64b_pj, 20.0, "pJ",
             "64-bit read from a 32 KB SRAM", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, sram_1mb_read_64b_pj, 100.0, "pJ",
             "64-bit read from a 1 MB SRAM", HOROWITZ),
    E_DOUBLE(ps_energy_digital_params, dram_access_64b_pj, 1300.0, "pJ",
             "64-bit DRAM access (low end of 1.3-2.6 nJ)", HOROWITZ " (DDR3-era DRAM)"),
    E_DOUBLE(ps_energy_digital_params, register_access_pj, 0.0301, "pJ",
             "one register access", SATA ": reg"),
    E_DOUBLE(ps_energy_digital_params, noc_buffer_flit_pj, 0.76, "pJ",
             "router input buffer push of one 32-bit flit", NOXIM ": buffer push, depth 4"),
    E_DOUBLE(ps_energy_digital_params, noc_crossbar_flit_pj, 0.22, "pJ",
             "router switch traversal of one 32-bit flit", NOXIM ": crossbar"),
    E_DOUBLE(ps_energy_digital_params, noc_link_pj_per_bit_mm, 0.049, "pJ/(bit mm)",
             "link energy per bit per mm of wire", NOXIM ": LinkBitLine"),
    PS_PARAM_INT(ps_energy_digital_params, sram_read_cycles, 1, 0, 1e6, "cycles",
                 "latency of one SRAM read", NULL),
    PS_PARAM_INT(ps_energy_digital_params, alu_op_cycles, 1, 0, 1e6, "cycles",
                 "latency of one add or MAC (pipelined)", NULL),
};

const ps_param_table ps_energy_digital_param_table =
    PS_PARAM_TABLE("energy_digital",
                   "per-operation energy/timing of the digital baseline (cited per constant)",
                   ps_energy_digital_params, digital_params);

ps_status ps_energy_add_pj(const ps_energy_digital_params *p, ps_energy_dtype t, double *out_pj)
{
    if (!p || !out_pj)
        return PS_ERR_INVALID_ARG;
    switch (t) {
    case PS_DTYPE_INT8: *out_pj = p->add_int8_pj; return PS_OK;
    case PS_DTYPE_INT32: *out_pj = p->add_int32_pj; return PS_OK;
    case PS_DTYPE_FP16: *out_pj = p->add_fp16_pj; return PS_OK;
    case PS_DTYPE_FP32: *out_pj = p->add_fp32_pj; return PS_OK;
    }
    return PS_ERR_INVALID_ARG;
}

ps_status ps_energy_mac_pj(const ps_energy_digital_params *p, ps_energy_dtype t, double *out_pj)
{
    double add = 0.0;
    ps_status st = ps_energy_add_pj(p, t, &add);
    if (st != PS_OK)
        return st;
    switch (t) {
    case PS_DTYPE_INT8: *out_pj = p->mult_int8_pj + add; break;
    case PS_DTYPE_INT32: *out_pj = p->mult_int32_pj + add; break;
    case PS_DTYPE_FP16: *out_pj = p->mult_fp16_pj + add; break;
    case PS_DTYPE_FP32: *out_pj = p->mult_fp32_pj + add; break;
    }
    return PS_OK;
}

ps_status ps_energy_sram_weight_read_pj(const ps_energy_digital_params *p, uint64_t capacity_bytes,
                                        int weight_bits, double *out_pj)
{
    if (!p || !out_pj || weight_bits < 1 || weight_bits > 64)
        return PS_ERR_INVALID_ARG;
    double e64;
    if (capacity_bytes <= 8u * 1024u) e64 = p->sram_8kb_read_64b_pj;
    else if (capacity_bytes <= 32u * 1024u) e64 = p->sram_32kb_read_64b_pj;
    else if (capacity_bytes <= 1024u * 1024u) e64 = p->sram_1mb_read_64b_pj;
    else return PS_ERR_RANGE;
    *out_pj = e64 * (double)weight_bits / 64.0;
    return PS_OK;
}

double ps_energy_noc_flit_hop_pj(double buffer_pj, double crossbar_pj, double link_pj_per_bit_mm,
                                 int flit_bits, double link_mm)
{
    return buffer_pj + crossbar_pj + link_pj_per_bit_mm * (double)flit_bits * link_mm;
}
