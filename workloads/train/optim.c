#include "train/optim.h"

#include <math.h>
#include <stdlib.h>

size_t ps_topk_count(size_t n, double keep_fraction)
{
    size_t pruned = (size_t)floor((1.0 - keep_fraction) * (double)n);
    if (pruned >= n)
        pruned = n ? n - 1 : 0;
    return n - pruned;
}

/* Each key carries its index, so equal magnitudes order by index. */
typedef struct {
    float key;
    uint32_t idx;
} keyed;

static int by_magnitude(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

void ps_topk_mask(const float *scores, size_t n, size_t keep, uint8_t *mask, uint32_t *idx)
{
    (void)idx;
    keyed *k = malloc(n * sizeof *k);
    if (!k) { /* out of memory: keep the first `keep` (never reached in practice) */
        for (size_t i = 0; i < n; i++)
            mask[i] = i < keep;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].key = fabsf(scores[i]);
        k[i].idx = (uint32_t)i;
        mask[i] = 0;
    }
    qsort(k, n, sizeof *k, by_magnitude);
    for (size_t i = 0; i < keep && i < n; i++)
        mask[k[i].idx] = 1;
    free(k);
}

void ps_edge_popup_backward(float *dscores, const float *dweff, const float *scores,
                            const float *w_uS, const float *w_reset_uS, float scale, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float sign = scores[i] > 0.0f ? 1.0f : (scores[i] < 0.0f ? -1.0f : 0.0f);
        const float dw = w_uS[i] - (w_reset_uS ? w_reset_uS[i] : 0.0f);
        dscores[i] = dweff[i] * scale * dw * sign;
    }
}

void ps_adam_step(ps_adam *opt, float *params, const float *grads, float *m, float *v, size_t n,
                  float lr)
{
    opt->step++;
    const float b1 = opt->beta1, b2 = opt->beta2;
    const float c1 = 1.0f - powf(b1, (float)opt->step);
    const float c2 = 1.0f - powf(b2, (float)opt->step);
    const float wd = opt->weight_decay;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i];
        if (opt->kind == PS_OPT_ADAMW)
            params[i] -= lr * wd * params[i];
        else
            g += wd * params[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        const float mhat = m[i] / c1, vhat = v[i] / c2;
        params[i] -= lr * mhat / (sqrtf(vhat) + opt->eps);
    }
}

double ps_cosine_lr(double lr, int64_t epoch, int64_t epochs, int cosine)
{
    if (!cosine || epochs <= 0)
        return lr;
    return 0.5 * lr * (1.0 + cos(M_PI * (double)epoch / (double)epochs));
}
