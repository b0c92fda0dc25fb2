/* Trainer layers as forward/backward pairs over flat float buffers (llm.c
 * style). Shapes are in the comments; N counts images (timesteps x samples
 * of a chunk, laid out [T][B]), so stateless layers run every timestep of a
 * chunk at once and only the neurons scan over time.
 *
 * Weights are in crossbar orientation (models/network.h): W[R][OC], rows are
 * input features. A conv's row r = (c * k + ky) * k + kx.
 *
 * Backward functions ACCUMULATE into weight gradients (+=) and OVERWRITE
 * input gradients. */
#ifndef PS_TRAIN_LAYERS_H
#define PS_TRAIN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ps_conv_shape {
    int c, h, w;          /* input */
    int oc, oh, ow;       /* output */
    int k, stride, pad;
} ps_conv_shape;

static inline int ps_conv_rows(const ps_conv_shape *s) { return s->c * s->k * s->k; }
static inline int ps_conv_positions(const ps_conv_shape *s) { return s->oh * s->ow; }

/* col[R][N * P]: column n * P + p holds image n's receptive field of output
 * position p; zero in the padding. inp[N][C][H][W]. */
void ps_im2col(float *col, const float *inp, const ps_conv_shape *s, int n_images);
/* dinp[N][C][H][W] = the sum of dcol[R][N * P] over the positions each
 * input feeds (overwrites dinp). */
void ps_col2im(float *dinp, const float *dcol, const ps_conv_shape *s, int n_images);

/* out[N][OC][P] = W^T col. col[R][N*P] is filled from inp[N][C][H][W] and kept
 * for the backward pass; wide[OC][N*P] is scratch. weight[R][OC]. */
void ps_conv2d_forward(float *out, float *col, float *wide, const float *inp, const float *weight,
                       const ps_conv_shape *s, int n_images);
/* dweight[R][OC] += col dout^T; dinp[N][C][H][W] (NULL: not needed) from
 * W dout. dwide[OC][N*P] and dcol[R][N*P] are scratch (dcol unused when
 * dinp is NULL). */
void ps_conv2d_backward(float *dinp, float *dweight, float *dwide, float *dcol, const float *col,
                        const float *dout, const float *weight, const ps_conv_shape *s,
                        int n_images);

/* Average pooling, window k, stride k, no padding (out extent = in / k).
 * out[N][C][OH][OW] = window sum * (1 / k^2). */
void ps_avgpool_forward(float *out, const float *inp, int n_images, int c, int h, int w, int k);
/* dinp[N][C][H][W] = dout of its window / k^2 (0 outside every window). */
void ps_avgpool_backward(float *dinp, const float *dout, int n_images, int c, int h, int w, int k);

/* Linear (flatten is the identity on [C][H][W] rows): out[N][OC] = inp[N][R] W[R][OC]. */
void ps_linear_forward(float *out, const float *inp, const float *weight, int n, int rows, int oc);
/* dweight[R][OC] += inp^T dout; dinp[N][R] = dout W^T (NULL: not needed). */
void ps_linear_backward(float *dinp, float *dweight, const float *dout, const float *inp,
                        const float *weight, int n, int rows, int oc);

typedef struct ps_lif_consts {
    float leak;           /* lambda */
    float v_th;
    float negative_slope; /* LeakyReLU slope below 0 */
    float surrogate_half_width; /* ds/dU = 1 / (2 hw) when |U - v_th| < hw */
} ps_lif_consts;

/* PRIME LIF over T steps, state zero at t = 0, in the float order of
 * models/lif.h: v = (leak * U) * (1 - s) + I; U = v < 0 ? a v : v; s = U > v_th.
 * cur, mem, spk: [T][n] (mem = U_t, spk = s_t as 0.0 / 1.0). */
void ps_lif_forward(float *spk, float *mem, const float *cur, int T, size_t n,
                    const ps_lif_consts *c);
/* BPTT through leak, LeakyReLU, threshold (surrogate) and the hard reset.
 * dspk[T][n] = dL/ds_t from the next layer; dcur[T][n] = dL/dI_t. */
void ps_lif_backward(float *dcur, const float *dspk, const float *mem, const float *spk, int T,
                     size_t n, const ps_lif_consts *c);

/* Output integrator: U_t = LeakyReLU(U_{t-1} + I_t), logits = mean_t U_t.
 * cur, mem: [T][n]; logits[n]. */
void ps_integrator_forward(float *logits, float *mem, const float *cur, int T, size_t n,
                           float negative_slope);
/* dcur[T][n] from dlogits[n]. */
void ps_integrator_backward(float *dcur, const float *dlogits, const float *mem, int T, size_t n,
                            float negative_slope);

/* Softmax cross-entropy of logits[B][K] against labels[B]; returns the summed
 * loss (double) and sets dlogits = (softmax - onehot) * grad_scale (dlogits
 * may be NULL). correct (may be NULL) += argmax hits (first max wins). */
double ps_xent_forward_backward(float *dlogits, const float *logits, const uint8_t *labels, int B,
                                int K, float grad_scale, int *correct);

/* First index of the largest of x[n]. */
int ps_argmax(const float *x, int n);

#ifdef __cplusplus
}
#endif

#endif
