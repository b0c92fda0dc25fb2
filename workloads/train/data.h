/* Training data in memory: each sample's T input frames as event-count
 * levels (uint8, clipped at the network's input_max_level), binned once from
 * N-MNIST events with the frames parameters. */
#ifndef PS_TRAIN_DATA_H
#define PS_TRAIN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "data/frames.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_train_data {
    size_t count;     /* samples */
    int64_t T;        /* frames per sample */
    size_t frame;     /* levels per frame: c * h * w */
    int64_t c, h, w;
    uint8_t *levels;  /* count x T x frame */
    uint8_t *labels;  /* count, 0..classes-1 */
    int classes;
} ps_train_data;

/* Loads a packed N-MNIST file (kind NMNP) or an N-MNIST directory (every
 * sample ps_nmnist_list finds), bins each sample with frames and clips the
 * counts at max_level (<= 255). limit > 0 keeps the first limit samples
 * (packed and listed order). Messages name the path.
 *
 * A path naming an IDX images file (DIR/PREFIX-images-idx3-ubyte[.gz], its
 * labels beside it, e.g. CACHE/mnist/train-images-idx3-ubyte) loads static
 * frames instead, a baseline without the event converter: each image,
 * centred in the 34x34 input, as level 1 where the pixel is >= 128 (0
 * elsewhere) in the ON channel, the same frame at every one of the
 * frames->bins timesteps; the OFF channel stays 0. Level 1 is one event's
 * worth of input, so the frames sit in the range of the event counts the
 * network's weight scale and thresholds were chosen for. */
ps_status ps_train_data_load(const char *path, const ps_frames_params *frames, int64_t max_level,
                             size_t limit, ps_error *err, ps_train_data **out);

/* A synthetic task for tests: class k lights a fixed k-dependent quarter of
 * the pixels more often than the background; the samples' draws are keyed
 * by (seed, index), the class patterns are the same for every seed. */
ps_status ps_train_data_synthetic(size_t count, int64_t T, int64_t c, int64_t h, int64_t w,
                                  int classes, uint64_t seed, ps_error *err, ps_train_data **out);

void ps_train_data_free(ps_train_data *d); /* accepts NULL */

#ifdef __cplusplus
}
#endif

#endif
