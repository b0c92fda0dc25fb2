/* Per-operation energy and timing constants for the hybrid chip and for the
 * digital baseline. The values live in configs/energy/ (one YAML per set), each with its
 * source; the defaults here carry the same citations so `primesim params`
 * shows them. Operations with a model of their own take their constants
 * from that model's table instead: crossbar cell reads (V^2 G t, crossbar),
 * word-line drivers (dac), conversions (adc), neuron updates (lif).
 *
 * Node: figures are at the node their source measured, unscaled; the
 * citation names it (a 45 nm Horowitz figure stays 45 nm in the 40 nm set). */
#ifndef PS_ENERGY_H
#define PS_ENERGY_H

#include <stdint.h>

#include "common/params.h"
#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hybrid chip: digital and analogue periphery around the arrays. */
typedef struct ps_energy_hybrid_params {
    double sample_hold_pj;           /* one column sampled */
    double accumulate_pj;            /* one digital add: shift-and-add, partial sums */
    double buffer_access_pj_per_byte;/* tile input/output buffer */
    double register_access_pj;       /* one register read or write */
    double noc_buffer_flit_pj;       /* router input buffer, one flit */
    double noc_crossbar_flit_pj;     /* router switch, one flit */
    double noc_link_pj_per_bit_mm;   /* wire between routers */
    int64_t buffer_access_cycles;
    int64_t accumulate_cycles;
} ps_energy_hybrid_params;

extern const ps_param_table ps_energy_hybrid_param_table;

/* Digital baseline: weights in SRAM, digital accumulate / MAC units. */
typedef struct ps_energy_digital_params {
    double add_int8_pj, add_int32_pj, add_fp16_pj, add_fp32_pj;
    double mult_int8_pj, mult_int32_pj, mult_fp16_pj, mult_fp32_pj;
    double sram_8kb_read_64b_pj;
    double sram_32kb_read_64b_pj;
    double sram_1mb_read_64b_pj;
    double dram_access_64b_pj;
    double register_access_pj;
    double noc_buffer_flit_pj;
    double noc_crossbar_flit_pj;
    double noc_link_pj_per_bit_mm;
    int64_t sram_read_cycles;
    int64_t alu_op_cycles;
} ps_energy_digital_params;

extern const ps_param_table ps_energy_digital_param_table;

/* Arithmetic formats of the digital baseline. */
typedef enum ps_energy_dtype {
    PS_DTYPE_INT8 = 0,
    PS_DTYPE_INT32,
    PS_DTYPE_FP16,
    PS_DTYPE_FP32
} ps_energy_dtype;

/* One addition (an SNN synaptic accumulate) in format t. */
ps_status ps_energy_add_pj(const ps_energy_digital_params *p, ps_energy_dtype t, double *out_pj);
/* One multiply-accumulate: multiply + add in format t. */
ps_status ps_energy_mac_pj(const ps_energy_digital_params *p, ps_energy_dtype t, double *out_pj);

/* Reading one weight of weight_bits from an SRAM of capacity_bytes: the
 * 64-bit read energy of the smallest tabulated SRAM (8 KB, 32 KB, 1 MB) at
 * least that large, times weight_bits / 64. Above 1 MB: PS_ERR_RANGE (no
 * tabulated figure; use DRAM or bank it). */
ps_status ps_energy_sram_weight_read_pj(const ps_energy_digital_params *p, uint64_t capacity_bytes,
                                        int weight_bits, double *out_pj);

/* One flit crossing one router and one link of link_mm: buffer + crossbar
 * + flit_bits * link_mm * link energy. */
double ps_energy_noc_flit_hop_pj(double buffer_pj, double crossbar_pj, double link_pj_per_bit_mm,
                                 int flit_bits, double link_mm);

#ifdef __cplusplus
}
#endif

#endif
