/* NIR files (Neuromorphic Intermediate Representation, Pedersen et al.,
 * Nature Communications 2024): the HDF5 graphs snnTorch, Norse, SpikingJelly,
 * Sinabs, Rockpool, Lava-DL and Spyx write, to and from workloads.
 *
 * Import maps a chain Input -> [Conv2d | Linear | Affine] -> neuron
 * [-> SumPool2d | AvgPool2d | Flatten ...] -> ... -> [Linear | Affine] ->
 * [I | LI] -> Output onto primesim's layers; the neurons' ODEs are discretised by
 * forward Euler with step dt. What cannot be represented is refused with
 * PS_ERR_UNSUPPORTED (bad input, exit 2) naming the node. The mapping, the
 * discretisation and what is refused: docs/nir.md. */
#ifndef PS_NIR_H
#define PS_NIR_H

#include <stdbool.h>
#include <stdint.h>

#include "common/status.h"
#include "pwl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_nir_import_options {
    double dt_s;             /* Euler step; <= 0: the graph's metadata "dt" */
    int64_t timesteps;       /* T; <= 0: metadata primesim_timesteps, else the frames default */
    int64_t input_max_level; /* <= 0: metadata primesim_input_max_level, else 15 */
    double uS_per_unit;      /* uS of G+ - G- per NIR weight unit (> 0) */
    double g_off_uS;         /* RESET conductance: pruned pairs, the low cell of a pair (>= 0) */
    double g_max_uS;         /* refuse a cell above it; <= 0: no limit */
} ps_nir_import_options;

/* dt from the file, T and max level from the file or defaults, uS_per_unit
 * 1, g_off 0.5 uS (the device model's reset_mean_uS), no g_max: the
 * semantics of workloads/tools/import_pytorch.py. */
void ps_nir_import_defaults(ps_nir_import_options *o);

/* Reads nir_path, maps it and writes the workload to pwl_path atomically.
 * Messages name the file and the node ("net.nir: node 'lif1' (LIF): ..."). */
ps_status ps_nir_import(const char *nir_path, const ps_nir_import_options *o,
                        const char *pwl_path, ps_error *err);

typedef struct ps_nir_export_options {
    double dt_s;          /* the step the file's time constants are written for (> 0) */
    bool allow_rectifier; /* export a network whose membrane has a LeakyReLU
                             (negative_slope < 1), which NIR cannot express */
} ps_nir_export_options;

/* Writes w as a NIR graph to path atomically: weights G+ - G- of kept pairs
 * (pruned pairs exactly 0), the layer's scale in the neurons' r. */
ps_status ps_nir_export(const ps_workload *w, const ps_nir_export_options *o, const char *path,
                        ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
