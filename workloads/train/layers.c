#include "train/layers.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The elementwise neuron loops are where the time goes after the GEMMs;
 * let GCC vectorise them: -O2 alone does not, and its selects need
 * no-trapping-math (which changes no result, only FP-exception assumptions).
 * FP contraction stays off (ISO C mode), so the LIF keeps models/lif.h's
 * rounding order. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-trapping-math")
#endif

/* Output columns [*lo, *hi) whose input column ox * stride - pad + kx is
 * inside [0, w). */
static void valid_range(int ow, int w, int stride, int pad, int kx, int *lo, int *hi)
{
    int a = pad - kx; /* first ox with x >= 0: ceil(a / stride) */
    *lo = a <= 0 ? 0 : (a + stride - 1) / stride;
    int b = w - 1 + pad - kx; /* last ox with x < w: floor(b / stride) */
    *hi = b < 0 ? 0 : b / stride + 1;
    if (*hi > ow)
        *hi = ow;
    if (*lo > *hi)
        *lo = *hi;
}

void ps_im2col(float *col, const float *inp, const ps_conv_shape *s, int n_images)
{
    const int k = s->k, P = ps_conv_positions(s);
    const size_t NP = (size_t)n_images * (size_t)P;
    const size_t in_img = (size_t)s->c * s->h * s->w;
    for (int c = 0; c < s->c; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *row = col + (size_t)((c * k + ky) * k + kx) * NP;
                int lo, hi;
                valid_range(s->ow, s->w, s->stride, s->pad, kx, &lo, &hi);
                const int x0 = lo * s->stride - s->pad + kx;
                for (int n = 0; n < n_images; n++) {
                    const float *plane = inp + (size_t)n * in_img + (size_t)c * s->h * s->w;
                    float *dst = row + (size_t)n * P;
                    for (int oy = 0; oy < s->oh; oy++) {
                        const int y = oy * s->stride - s->pad + ky;
                        float *d = dst + oy * s->ow;
                        if (y < 0 || y >= s->h) {
                            memset(d, 0, (size_t)s->ow * sizeof *d);
                            continue;
                        }
                        const float *src = plane + (size_t)y * s->w + x0;
                        for (int ox = 0; ox < lo; ox++)
                            d[ox] = 0.0f;
                        if (s->stride == 1)
                            memcpy(d + lo, src, (size_t)(hi - lo) * sizeof *d);
                        else
                            for (int ox = lo; ox < hi; ox++)
                                d[ox] = src[(ox - lo) * s->stride];
                        for (int ox = hi; ox < s->ow; ox++)
                            d[ox] = 0.0f;
                    }
                }
            }
}

void ps_col2im(float *dinp, const float *dcol, const ps_conv_shape *s, int n_images)
{
    const int k = s->k, P = ps_conv_positions(s);
    const size_t NP = (size_t)n_images * (size_t)P;
    const size_t in_img = (size_t)s->c * s->h * s->w;
    memset(dinp, 0, (size_t)n_images * in_img * sizeof *dinp);
    for (int c = 0; c < s->c; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *row = dcol + (size_t)((c * k + ky) * k + kx) * NP;
                for (int n = 0; n < n_images; n++) {
                    float *plane = dinp + (size_t)n * in_img + (size_t)c * s->h * s->w;
                    const float *src = row + (size_t)n * P;
                    for (int oy = 0; oy < s->oh; oy++) {
                        const int y = oy * s->stride - s->pad + ky;
                        if (y < 0 || y >= s->h)
                            continue;
                        float *d = plane + (size_t)y * s->w;
                        const float *g = src + oy * s->ow;
                        for (int ox = 0; ox < s->ow; ox++) {
                            const int x = ox * s->stride - s->pad + kx;
                            if (x >= 0 && x < s->w)
                                d[x] += g[ox];
                        }
                    }
                }
            }
}

void ps_conv2d_forward(float *out, float *col, float *wide, const float *inp, const float *weight,
                       const ps_conv_shape *s, int n_images)
{
    const int R = ps_conv_rows(s), P = ps_conv_positions(s), OC = s->oc;
    const int NP = n_images * P;
    ps_im2col(col, inp, s, n_images);
    /* wide[OC][N*P] = W^T col: one large GEMM for every image of the chunk */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, NP, R, 1.0f, weight, OC, col, NP, 0.0f,
                wide, NP);
    for (int n = 0; n < n_images; n++)
        for (int o = 0; o < OC; o++)
            memcpy(out + ((size_t)n * OC + o) * P, wide + (size_t)o * NP + (size_t)n * P,
                   (size_t)P * sizeof *out);
}

void ps_conv2d_backward(float *dinp, float *dweight, float *dwide, float *dcol, const float *col,
                        const float *dout, const float *weight, const ps_conv_shape *s,
                        int n_images)
{
    const int R = ps_conv_rows(s), P = ps_conv_positions(s), OC = s->oc;
    const int NP = n_images * P;
    for (int n = 0; n < n_images; n++)
        for (int o = 0; o < OC; o++)
            memcpy(dwide + (size_t)o * NP + (size_t)n * P, dout + ((size_t)n * OC + o) * P,
                   (size_t)P * sizeof *dwide);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, OC, NP, 1.0f, col, NP, dwide, NP, 1.0f,
                dweight, OC);
    if (!dinp)
        return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, NP, OC, 1.0f, weight, OC, dwide, NP,
                0.0f, dcol, NP);
    ps_col2im(dinp, dcol, s, n_images);
}

void ps_avgpool_forward(float *out, const float *inp, int n_images, int c, int h, int w, int k)
{
    const int oh = h / k, ow = w / k;
    const float inv = 1.0f / (float)(k * k);
    for (int n = 0; n < n_images; n++)
        for (int ch = 0; ch < c; ch++) {
            const float *in = inp + ((size_t)n * c + ch) * h * w;
            float *o = out + ((size_t)n * c + ch) * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    /* sum first, then scale: the sum of spikes is an exact count */
                    float sum = 0.0f;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                            sum += in[(oy * k + ky) * w + ox * k + kx];
                    o[oy * ow + ox] = sum * inv;
                }
        }
}

void ps_avgpool_backward(float *dinp, const float *dout, int n_images, int c, int h, int w, int k)
{
    const int oh = h / k, ow = w / k;
    const float inv = 1.0f / (float)(k * k);
    memset(dinp, 0, (size_t)n_images * c * h * w * sizeof *dinp);
    for (int n = 0; n < n_images; n++)
        for (int ch = 0; ch < c; ch++) {
            float *in = dinp + ((size_t)n * c + ch) * h * w;
            const float *o = dout + ((size_t)n * c + ch) * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    const float g = o[oy * ow + ox] * inv;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                            in[(oy * k + ky) * w + ox * k + kx] = g;
                }
        }
}

void ps_linear_forward(float *out, const float *inp, const float *weight, int n, int rows, int oc)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, oc, rows, 1.0f, inp, rows, weight, oc,
                0.0f, out, oc);
}

void ps_linear_backward(float *dinp, float *dweight, const float *dout, const float *inp,
                        const float *weight, int n, int rows, int oc)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, oc, n, 1.0f, inp, rows, dout, oc,
                1.0f, dweight, oc);
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, oc, 1.0f, dout, oc, weight,
                    oc, 0.0f, dinp, rows);
}

void ps_lif_forward(float *spk, float *mem, const float *cur, int T, size_t n,
                    const ps_lif_consts *c)
{
    const float leak = c->leak, a = c->negative_slope, th = c->v_th;
    for (int t = 0; t < T; t++) {
        const float *It = cur + (size_t)t * n;
        float *U = mem + (size_t)t * n, *S = spk + (size_t)t * n;
        if (t == 0) { /* U_0 = 0, s_0 = 0: v = I */
            for (size_t j = 0; j < n; j++) {
                const float v = It[j], av = a * v;
                const float u = v < 0.0f ? av : v;
                U[j] = u;
                S[j] = (float)(u > th);
            }
            continue;
        }
        const float *Up = U - n, *Sp = S - n;
        for (size_t j = 0; j < n; j++) {
            /* the order of models/lif.h, so the golden model agrees bit for bit */
            const float v = (leak * Up[j]) * (1.0f - Sp[j]) + It[j];
            const float av = a * v; /* both sides computed: lets GCC vectorise the select */
            const float u = v < 0.0f ? av : v;
            U[j] = u;
            S[j] = (float)(u > th);
        }
    }
}

void ps_lif_backward(float *dcur, const float *dspk, const float *mem, const float *spk, int T,
                     size_t n, const ps_lif_consts *c)
{
    const float leak = c->leak, a = c->negative_slope, th = c->v_th;
    const float hw = c->surrogate_half_width, height = 0.5f / hw;
    for (int t = T - 1; t >= 0; t--) {
        const float *U = mem + (size_t)t * n, *S = spk + (size_t)t * n;
        const float *dS = dspk + (size_t)t * n;
        float *dI = dcur + (size_t)t * n;
        /* dL/dv_{t+1}, already in dcur; zero past the end */
        const float *gnext = t + 1 < T ? dcur + (size_t)(t + 1) * n : NULL;
        for (size_t j = 0; j < n; j++) {
            const float u = U[j];
            /* v_{t+1} = leak U_t (1 - s_t) + I_{t+1}: both U_t and s_t feed it */
            const float gn = t + 1 < T ? gnext[j] : 0.0f;
            const float ds = dS[j] - gn * leak * u;
            const float surr = (float)(fabsf(u - th) < hw) * height;
            const float du = ds * surr + gn * leak * (1.0f - S[j]);
            const float slope = u > 0.0f ? 1.0f : a;
            dI[j] = du * slope;
        }
    }
}

void ps_integrator_forward(float *logits, float *mem, const float *cur, int T, size_t n,
                           float negative_slope)
{
    const float a = negative_slope;
    for (size_t j = 0; j < n; j++)
        logits[j] = 0.0f;
    for (int t = 0; t < T; t++) {
        const float *It = cur + (size_t)t * n;
        float *U = mem + (size_t)t * n;
        const float *Up = t ? U - n : NULL;
        for (size_t j = 0; j < n; j++) {
            const float v = (Up ? Up[j] : 0.0f) + It[j], av = a * v;
            U[j] = v < 0.0f ? av : v;
            logits[j] += U[j];
        }
    }
    const float invT = 1.0f / (float)T;
    for (size_t j = 0; j < n; j++)
        logits[j] *= invT;
}

void ps_integrator_backward(float *dcur, const float *dlogits, const float *mem, int T, size_t n,
                            float negative_slope)
{
    const float invT = 1.0f / (float)T;
    for (int t = T - 1; t >= 0; t--) {
        const float *U = mem + (size_t)t * n;
        float *dI = dcur + (size_t)t * n;
        const float *gnext = t + 1 < T ? dI + n : NULL;
        for (size_t j = 0; j < n; j++) {
            const float du = dlogits[j] * invT + (gnext ? gnext[j] : 0.0f);
            dI[j] = du * (U[j] > 0.0f ? 1.0f : negative_slope);
        }
    }
}

int ps_argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

double ps_xent_forward_backward(float *dlogits, const float *logits, const uint8_t *labels, int B,
                                int K, float grad_scale, int *correct)
{
    double loss = 0.0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * K;
        const int m = ps_argmax(z, K);
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += exp((double)z[k] - (double)z[m]);
        loss += log(sum) - ((double)z[labels[b]] - (double)z[m]);
        if (correct)
            *correct += m == labels[b];
        if (dlogits)
            for (int k = 0; k < K; k++) {
                const double p = exp((double)z[k] - (double)z[m]) / sum;
                dlogits[(size_t)b * K + k] = (float)(p - (k == labels[b])) * grad_scale;
            }
    }
    return loss;
}
