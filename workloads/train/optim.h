/* Edge-popup masks and the optimiser (Adam / AdamW, cosine schedule). */
#ifndef PS_TRAIN_OPTIM_H
#define PS_TRAIN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pairs kept of n at keep fraction k (edge-popup's GetSubnet rule:
 * n - floor((1 - k) n)), at least 1. */
size_t ps_topk_count(size_t n, double keep_fraction);

/* mask[i] = 1 for the `keep` entries with the largest |scores|, ties broken
 * toward the lower index, else 0. idx: scratch of n entries. */
void ps_topk_mask(const float *scores, size_t n, size_t keep, uint8_t *mask, uint32_t *idx);

/* Straight-through gradient of edge-popup (docs/prime.md sec. 1): the mask acts
 * as the identity backward, so with w_eff = scale * (m ? w : w_reset),
 *   dL/ds = dL/dw_eff * scale * (w - w_reset) * sign(s)
 * (w_reset = 0 in software; sign(0) = 0). Overwrites dscores[n]. */
void ps_edge_popup_backward(float *dscores, const float *dweff, const float *scores,
                            const float *w_uS, const float *w_reset_uS, float scale, size_t n);

typedef enum ps_optimizer_kind { PS_OPT_ADAM = 0, PS_OPT_ADAMW = 1 } ps_optimizer_kind;

typedef struct ps_adam {
    int kind;          /* ps_optimizer_kind */
    float beta1, beta2, eps, weight_decay;
    int64_t step;      /* steps taken */
} ps_adam;

/* One step on n parameters with moments m, v (zero at the start):
 *   Adam:  g += wd p;  AdamW: p -= lr wd p first (decoupled);
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * (PyTorch's torch.optim.Adam / AdamW). */
void ps_adam_step(ps_adam *opt, float *params, const float *grads, float *m, float *v, size_t n,
                  float lr);

/* Learning rate of epoch e (0-based) of E: cosine from lr to 0 as
 * torch's CosineAnnealingLR(T_max = E) stepped per epoch, or lr. */
double ps_cosine_lr(double lr, int64_t epoch, int64_t epochs, int cosine);

#ifdef __cplusplus
}
#endif

#endif
