/* The edge-popup trainer (docs/prime.md sec. 1-3): fixed random weights from the
 * device model (memristor pruning) or a Gaussian (software pruning) with a
 * trainable score per pair, per-layer top-k of |score|, straight-through
 * gradients, BPTT through the PRIME LIF; baselines weight tuning and random
 * unpruned. Export gives the network as the chip holds it.
 *
 * The network is described by a short spec, layers separated by commas:
 *   cOCkKsSpP  conv2d, OC output channels, kernel K, stride S (1), padding P (0)
 *   pK         average pooling, window and stride K
 *   fOC        linear (flattens its input)
 * Conv and linear layers get the LIF neuron; the last layer must be conv or
 * linear and gets the output integrator. PRIME's classifier (sec. 3) is
 * "c12k5p1,p2,c64k5,p2,f10".
 *
 * Determinism: a batch is cut into chunks of `chunk` samples whatever the
 * thread count; each chunk's gradient is computed alone and the chunks are
 * summed in order, and every random draw is keyed (seed, path, index). The
 * same recipe and seed give the same bits with 1 or 2 threads. */
#ifndef PS_TRAIN_TRAINER_H
#define PS_TRAIN_TRAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "common/params.h"
#include "common/status.h"
#include "data/frames.h"
#include "device.h"
#include "network.h"
#include "pwl.h"
#include "train/data.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ps_train_method {
    PS_TRAIN_MEMRISTOR_PRUNING = 0,
    PS_TRAIN_SOFTWARE_PRUNING,
    PS_TRAIN_WEIGHT_TUNING,
    PS_TRAIN_RANDOM_UNPRUNED
} ps_train_method;

typedef enum ps_train_weights {
    PS_TRAIN_WEIGHTS_DEVICE = 0, /* G+ - G- of pairs formed by the device model */
    PS_TRAIN_WEIGHTS_GAUSSIAN    /* N(0, weight_std_uS^2) in software */
} ps_train_weights;

typedef struct ps_train_params {
    char name[64];          /* recipe name, recorded in the workload */
    int method;             /* ps_train_method */
    int random_weights;     /* ps_train_weights: init of weight_tuning and random_unpruned */
    char arch[256];         /* network spec (see above) */
    int64_t in_c, in_h, in_w;
    int64_t timesteps;
    int64_t input_max_level;
    int64_t classes;
    double keep_fraction;   /* k of the per-layer top-k */
    double weight_std_uS;   /* Gaussian weights (software pruning) */
    double leak, v_th, negative_slope, surrogate_half_width;
    int optimizer;          /* ps_optimizer_kind */
    double lr, weight_decay, beta1, beta2, eps;
    int schedule;           /* 0 constant, 1 cosine */
    int64_t epochs, batch_size, seed, chunk;
    char train_data[256], test_data[256];
    int64_t train_limit, test_limit;
    double early_stop_alpha, early_stop_theta;
} ps_train_params;

extern const ps_param_table ps_train_param_table;

/* Everything a trainer is made from: the recipe's train, device and frames
 * sections. */
typedef struct ps_trainer_config {
    ps_train_params train;
    ps_device_params device;  /* forming, RESET, programming noise, weight_per_uS (the scale) */
    ps_frames_params frames;  /* bins must equal train.timesteps */
} ps_trainer_config;

/* Sets all three sections to their defaults. */
void ps_trainer_config_defaults(ps_trainer_config *cfg);

/* Checks the parameters together (ranges, the spec, bins = timesteps). */
ps_status ps_trainer_config_check(const ps_trainer_config *cfg, ps_error *err);

typedef struct ps_trainer ps_trainer;

typedef struct ps_train_stats {
    uint64_t samples_trained;
    uint64_t steps;
    uint64_t samples_evaluated;
    double train_seconds;     /* wall time inside ps_trainer_train_epoch */
} ps_train_stats;

typedef struct ps_epoch_metrics {
    int64_t epoch;            /* 1-based */
    double lr;
    double train_loss, train_accuracy;
    double seconds, samples_per_s;
} ps_epoch_metrics;

/* Progress after each batch: samples done of the epoch, running loss and accuracy. */
typedef void (*ps_train_progress)(void *ctx, int64_t epoch, size_t batch, size_t batches,
                                  size_t samples_done, double loss, double accuracy,
                                  double samples_per_s);

/* Draws the random weights and scores. */
ps_status ps_trainer_create(const ps_trainer_config *cfg, ps_error *err, ps_trainer **out);
void ps_trainer_destroy(ps_trainer *tr); /* accepts NULL */
/* Back to the freshly created state (weights, scores, optimiser, counters). */
ps_status ps_trainer_reset(ps_trainer *tr);
ps_status ps_trainer_stats_get(const ps_trainer *tr, ps_train_stats *out);
const ps_trainer_config *ps_trainer_get_config(const ps_trainer *tr);

/* Worker threads for training and evaluation (1..64; default 1). */
ps_status ps_trainer_set_threads(ps_trainer *tr, int threads, ps_error *err);

/* One epoch (0-based) over data in the seed's shuffled order. */
ps_status ps_trainer_train_epoch(ps_trainer *tr, const ps_train_data *data, int64_t epoch,
                                 ps_train_progress progress, void *ctx, ps_epoch_metrics *out,
                                 ps_error *err);

/* Mean loss and accuracy over data; pred (may be NULL) gets each sample's
 * argmax, logits (may be NULL) count x classes. */
ps_status ps_trainer_evaluate(ps_trainer *tr, const ps_train_data *data, double *loss,
                              double *accuracy, int32_t *pred, float *logits, ps_error *err);

/* Builds the chip's conductances: memristor pruning keeps the formed pairs
 * and RESETs the pruned ones through the device model; software methods
 * split a weight w into G+ = max(w, 0), G- = max(-w, 0) (pruned: 0, 0);
 * weight tuning programs that split through the device's programming noise.
 * From then on the trainer's forward uses exactly the exported weights
 * (weight_per_uS * (G+ - G-)) until the next training step. Fills w->net
 * (arrays owned by the trainer, valid until the next export or destroy),
 * frames, early-stop defaults and info.method / seed / epochs; the caller
 * adds the rest of the provenance. */
ps_status ps_trainer_export(ps_trainer *tr, ps_workload *w, ps_error *err);

/* What training carries from one epoch to the next (the trainable
 * parameters, the optimiser's moments and step, the counters), as bytes
 * appended to out; loaded into a trainer made from the same config, the
 * next epochs give the same bits as an uninterrupted run (epochs are keyed
 * by their index, not by what ran before). Load refuses state of another
 * shape. */
ps_status ps_trainer_save_state(const ps_trainer *tr, ps_bytes *out, ps_error *err);
ps_status ps_trainer_load_state(ps_trainer *tr, const void *data, size_t size, ps_error *err);

/* Inference of one sample with a trace: after each layer of each timestep,
 * fn gets its output values (spikes, pooled values or the integrator's
 * membrane) and, for neuron layers, the membranes (else NULL). levels:
 * T x frame. logits: classes. */
typedef void (*ps_trainer_trace_fn)(void *ctx, int64_t t, int64_t layer, const float *values,
                                    const float *membrane, size_t n);
ps_status ps_trainer_trace(ps_trainer *tr, const uint8_t *levels, float *logits,
                           ps_trainer_trace_fn fn, void *ctx, ps_error *err);

/* The trainable parameters (scores, or weights for weight tuning), the
 * effective weights of the forward pass (scale * chosen weight) and masks,
 * all weight layers concatenated in layer order; for tests and tools. */
size_t ps_trainer_n_weights(const ps_trainer *tr);
float *ps_trainer_params(ps_trainer *tr);
const float *ps_trainer_weights(const ps_trainer *tr);
const uint8_t *ps_trainer_masks(const ps_trainer *tr);
/* Recomputes masks and effective weights from the parameters (after a
 * caller changed them). */
void ps_trainer_refresh(ps_trainer *tr);

/* Loss and parameter gradient of one batch of samples (no optimiser step):
 * for tests (finite differences) and benchmarks. grad: n_weights. */
ps_status ps_trainer_batch_gradient(ps_trainer *tr, const ps_train_data *data,
                                    const size_t *samples, size_t n, double *loss, float *grad,
                                    ps_error *err);

#ifdef __cplusplus
}
#endif

#endif
