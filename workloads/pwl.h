/* Workload files (.pwl): a trained, pruned network as the chip runs it —
 * graph, per-layer G+/G- in uS, keep masks, weight scale, neuron constants,
 * T, frame binning, early-stop defaults and provenance — in the primesim
 * container (kind "PWL_"). Layout: workloads/FORMAT.md, "Workload files". */
#ifndef PS_PWL_H
#define PS_PWL_H

#include <stdint.h>

#include "common/status.h"
#include "data/frames.h"
#include "network.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_PWL_KIND "PWL_"
/* Newest content version the reader reads. A writer writes 1, or 2 when a
 * layer has a bias or the readout leaks (an older reader would run the
 * network without them). */
#define PS_PWL_VERSION 2

/* Where a workload came from. Strings are NUL-terminated. */
typedef struct ps_workload_info {
    char method[32];      /* memristor_pruning | software_pruning | weight_tuning |
                             random_unpruned | imported */
    char dataset[128];    /* e.g. "nmnist-converted:test" */
    char recipe[64];      /* recipe name */
    char trainer[64];     /* "primesim 0.1.0" or the importer's name */
    int64_t seed;
    int64_t epochs;
    int64_t train_samples;
    int64_t test_samples;
    double test_accuracy; /* [0, 1], NaN when not measured */
} ps_workload_info;

/* A workload: writers fill it with a network whose arrays they own; the
 * reader returns one that owns everything (free with ps_workload_free). */
typedef struct ps_workload {
    ps_network net;
    ps_frames_params frames;   /* how events become the T input frames */
    double early_stop_alpha;   /* softmax temperature (docs/prime.md sec. 4) */
    double early_stop_theta;   /* default confidence threshold */
    ps_workload_info info;
    const char *recipe_yaml;   /* the resolved recipe, or NULL */
    void *storage;             /* reader-owned memory; NULL for writer-filled */
} ps_workload;

/* Checks the network (ps_network_check) and writes path atomically. */
ps_status ps_workload_write(const ps_workload *w, const char *path, ps_error *err);

/* Reads and fully validates path; messages name the file and the section
 * or layer at fault. *out is NULL on failure. */
ps_status ps_workload_read(const char *path, ps_workload **out, ps_error *err);

void ps_workload_free(ps_workload *w); /* accepts NULL; only for ps_workload_read results */

/* Zeroes *w and sets the defaults a writer starts from: frames and early
 * stop from their parameter tables, test_accuracy NaN, no layers. */
void ps_workload_init(ps_workload *w);

/* Everything the reader would refuse, checked in memory: the network
 * (ps_network_check), finite conductances >= 0, keep values 0/1, a finite
 * non-zero weight_per_uS, finite biases on weight layers only, frames params and bins == T, early-stop ranges,
 * method from the list above, accuracy NaN or in [0, 1]. Messages name the
 * layer ("layer 2 (conv2d): g_pos[17] = nan ..."). */
ps_status ps_workload_check(const ps_workload *w, ps_error *err);

/* Name of a layer kind / neuron kind as the file documentation and
 * `primesim inspect` spell it ("conv2d", "lif"); "?" when out of range. */
const char *ps_layer_kind_name(int kind);
const char *ps_neuron_kind_name(int neuron);

#ifdef __cplusplus
}
#endif

#endif
