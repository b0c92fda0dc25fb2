#include "crossbar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/rng.h"
#include "common/simd.h"

static const char *const multilevel_choices[] = {"bit_serial", "dac", NULL};

static const ps_param_desc crossbar_params[] = {
    PS_PARAM_INT(ps_crossbar_params, rows, 512, 1, 1 << 20, "",
                 "word lines (inputs) of one array",
                 "PRIME (Wang et al. 2024) §5: 512x512 TaOx 1T1R macro"),
    PS_PARAM_INT(ps_crossbar_params, cols, 256, 1, 1 << 20, "",
                 "output columns, each a differential pair of two physical columns",
                 "PRIME §5: 512 physical columns = 256 differential pairs"),
    PS_PARAM_DOUBLE_POS(ps_crossbar_params, v_read_v, 0.2, 10.0, "V",
                        "read voltage on an active word line (full scale)",
                        "CiMLoop rram_isaac_isca_2016 cell model (0.2 V read), via docs/energy_sources.md"),
    PS_PARAM_DOUBLE_POS(ps_crossbar_params, t_read_ns, 10.0, 1e6, "ns",
                        "duration of one read cycle (current integration window)",
                        "NeuroSim (DNN_NeuroSim Param.cpp) readPulseWidth = 10 ns"),
    PS_PARAM_INT(ps_crossbar_params, input_bits, 4, 1, 16, "bits",
                 "resolution of multi-level inputs (event counts per bin)", NULL),
    PS_PARAM_ENUM(ps_crossbar_params, multilevel, "bit_serial", multilevel_choices,
                  "multi-level inputs: one binary cycle per bit, or one multi-level DAC cycle",
                  NULL),
    PS_PARAM_BOOL(ps_crossbar_params, zero_skip, true,
                  "skip a read cycle with no active row (it costs nothing)", NULL),
    PS_PARAM_DOUBLE(ps_crossbar_params, wire_r_ohm, 0.0, 0.0, 1e6, "ohm",
                    "wire resistance per cell segment for IR drop; 0 = ideal wires", NULL),
};

const ps_param_table ps_crossbar_param_table =
    PS_PARAM_TABLE("crossbar", "crossbar array of differential pairs: read, noise, energy",
                   ps_crossbar_params, crossbar_params);

/* Column read noise gets its own purpose beside the device's ones. */
#define PURPOSE_COLUMN_NOISE (PS_DEVICE_PURPOSE_READ + 16)

/* Reads sum conductances in fixed point: G+ - G- and the noise weight q are
 * integer multiples of 2^-frac_bits (at most 2^-40 uS, about 1e-12 uS), so a
 * column sum is exact whatever the order rows are added in, and the same on
 * every SIMD width: tiles, replicas and threads cannot change a bit. The
 * fraction bits shrink only when rows x the largest level x the largest
 * value would not fit the sum. A sum fits 32 bits (twice the lanes per
 * vector) when rows x the largest level (squared for q) is at most
 * NARROW_MAX_SPAN, with the largest value still resolved to 2^-19 of itself;
 * else 62 bits. */
#define MAX_FRAC_BITS 40
#define NARROW_MAX_SPAN 1024.0

/* A fixed-point matrix of the sensed rows: int32 (narrow) or int64 entries
 * in one buffer sized for int64. */
typedef struct fixmat {
    void *w;
    int bits;
    bool narrow;
} fixmat;

static inline void fix_set(fixmat *m, size_t i, double v)
{
    const double x = v * ldexp(1.0, m->bits);
    if (m->narrow)
        ((int32_t *)m->w)[i] = (int32_t)lrint(x);
    else
        ((int64_t *)m->w)[i] = llrint(x);
}

/* One performed analogue cycle of a batch of reads. */
typedef struct batch_cycle {
    uint32_t read, plane, n_rows;
    double g_energy; /* sum over its rows of (level / lmax)^2 * rowsum, uS */
} batch_cycle;

struct ps_crossbar {
    ps_crossbar_params p;
    ps_device *dev;
    const ps_dac *dac;
    ps_device_key key;
    size_t rows, cols, tile;
    size_t sensed;           /* columns [0, sensed) are sensed, the rest read 0 */
    double *g0_pos, *g0_neg; /* programmed, rows x cols */
    uint8_t *fault;          /* ps_device_fault per cell: [2*(r*cols+c) + (0 pos | 1 neg)] */
    /* Sensed columns only, rows x sensed (compact: a narrow layer's rows
     * stay in cache): */
    fixmat gdiff;            /* effective G+ - G- */
    fixmat gsq;              /* per-cell noise weight q (see crossbar.h) */
    double *rowsum;          /* sum over the row of effective G+ + G- */
    double *row_max_diff;    /* per row: largest |G+ - G-| */
    double *row_max_sq;      /* per row: largest q */
    size_t stale_lo, stale_hi; /* rows [lo, hi) changed since they were quantised */
    double age_s;
    double sigma;            /* relative read noise */
    bool noise_cell;
    uint64_t noise_stream;
    int64_t *acc, *var;      /* scratch, cols: a binary read's sums */
    int32_t *acc32;          /* scratch, cols: narrow sums */
    double *noise;           /* scratch, cols: its standard normals */
    double *cyc;             /* scratch, cols */
    /* a batch's performed cycles (run_batch), grown as needed: */
    struct batch_cycle *batch;
    size_t batch_cycles_cap;
    int64_t *b_acc, *b_var;  /* cycles x sensed */
    double *b_cur, *b_z;
    uint64_t *b_index;
    size_t batch_cap;        /* entries of the cycles x sensed buffers */
    uint32_t *list;          /* scratch: bit plane b's rows at list + b * rows */
    uint32_t *nz;            /* scratch, rows: nonzero inputs of a dense read */
    uint16_t *level;         /* scratch, rows: their levels */
    ps_crossbar_stats stats;
};

/* ---- effective conductances ------------------------------------------- */

static double effective(const ps_crossbar *xb, double g0, uint8_t fault, size_t r, size_t phys_col)
{
    double g = g0;
    if (fault == PS_DEVICE_OK)
        g = ps_device_drift(xb->dev, g0, xb->age_s);
    if (xb->p.wire_r_ohm > 0.0) {
        /* Series wire from the row driver (left) along the row to the
         * physical column, then down the column to its sense amplifier
         * (bottom); other cells' currents are ignored. */
        const double r_ohm = xb->p.wire_r_ohm * (double)((phys_col + 1) + (xb->rows - r));
        g = g / (1.0 + g * 1e-6 * r_ohm);
    }
    return g;
}

/* Largest level one cycle applies to a row: 1 bit-serial, 2^bits - 1 with a DAC. */
static double cycle_level_max(const ps_crossbar *xb)
{
    return xb->p.multilevel == PS_XBAR_MULTILEVEL_DAC ? (double)((1u << xb->p.input_bits) - 1u) : 1.0;
}

/* Fraction bits so that bound x 2^bits stays below limit. */
static int frac_bits_for(double bound, double limit)
{
    int bits = MAX_FRAC_BITS;
    while (bits > 0 && bound * ldexp(1.0, bits) >= limit)
        bits--;
    return bits;
}

/* Width and fraction bits of a matrix whose sums reach span x max_value
 * (span: rows x the largest level, or its square); 2^30 leaves the narrow
 * sums room for the rounding of every entry. */
static void fix_choose(fixmat *m, double span, double max_value)
{
    m->narrow = span <= NARROW_MAX_SPAN;
    m->bits = frac_bits_for(span * max_value, m->narrow ? 0x1.0p30 : 0x1.0p62);
}

static void quantize_rows(ps_crossbar *xb, size_t r0, size_t nr)
{
    const size_t C = xb->cols, S = xb->sensed;
    for (size_t r = r0; r < r0 + nr; r++) {
        double sum = 0.0, mx = 0.0, mq = 0.0;
        for (size_t c = 0; c < C; c++) {
            const size_t i = r * C + c;
            const double gp = effective(xb, xb->g0_pos[i], xb->fault[2 * i], r, 2 * c);
            const double gn = effective(xb, xb->g0_neg[i], xb->fault[2 * i + 1], r, 2 * c + 1);
            sum += gp + gn; /* every cell of a driven row draws current */
            if (c >= S)
                continue;
            const double q = xb->noise_cell ? gp * gp + gn * gn : (gp - gn) * (gp - gn);
            fix_set(&xb->gdiff, r * S + c, gp - gn);
            fix_set(&xb->gsq, r * S + c, q);
            mx = fmax(mx, fabs(gp - gn));
            mq = fmax(mq, q);
        }
        xb->rowsum[r] = sum;
        xb->row_max_diff[r] = mx;
        xb->row_max_sq[r] = mq;
    }
}

/* Recomputes rows [r0, r0 + nr) after a change; requantises every row when
 * the new values need fewer fraction bits. */
static void requantize(ps_crossbar *xb, size_t r0, size_t nr)
{
    /* The rows' new maxima decide the fraction bits: measure them at 0
     * bits (nothing can overflow), then quantise at the bits every row
     * now needs. */
    const fixmat old_d = xb->gdiff, old_q = xb->gsq;
    xb->gdiff.bits = xb->gsq.bits = 0;
    xb->gdiff.narrow = xb->gsq.narrow = false;
    quantize_rows(xb, r0, nr);
    double md = 0.0, mq = 0.0;
    for (size_t r = 0; r < xb->rows; r++) {
        md = fmax(md, xb->row_max_diff[r]);
        mq = fmax(mq, xb->row_max_sq[r]);
    }
    const double lv = cycle_level_max(xb), n = (double)xb->rows;
    fix_choose(&xb->gdiff, n * lv, md);
    fix_choose(&xb->gsq, n * lv * lv, mq);
    if (xb->gdiff.bits != old_d.bits || xb->gsq.bits != old_q.bits ||
        xb->gdiff.narrow != old_d.narrow || xb->gsq.narrow != old_q.narrow)
        quantize_rows(xb, 0, xb->rows);
    else
        quantize_rows(xb, r0, nr);
}

/* Changes mark rows stale; the first read after them requantises once (a
 * grid's set-up changes every row several times). */
static void rebuild_rows(ps_crossbar *xb, size_t r0, size_t nr)
{
    if (nr == 0)
        return;
    xb->stale_lo = r0 < xb->stale_lo ? r0 : xb->stale_lo;
    xb->stale_hi = r0 + nr > xb->stale_hi ? r0 + nr : xb->stale_hi;
}

static void settle(ps_crossbar *xb)
{
    if (xb->stale_hi > xb->stale_lo)
        requantize(xb, xb->stale_lo, xb->stale_hi - xb->stale_lo);
    xb->stale_lo = xb->rows;
    xb->stale_hi = 0;
}

/* ---- lifecycle --------------------------------------------------------- */

ps_status ps_crossbar_create(const ps_crossbar_params *p, ps_device *dev, const ps_dac *dac,
                             ps_device_key key, ps_error *err, ps_crossbar **out)
{
    if (!p || !dev || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "crossbar: NULL argument");
    *out = NULL;
    ps_status st = ps_params_validate(&ps_crossbar_param_table, p, err);
    if (st != PS_OK) {
        ps_error_prefix(err, "crossbar");
        return st;
    }
    if (p->multilevel == PS_XBAR_MULTILEVEL_DAC && dac &&
        ps_dac_get_params(dac)->bits < p->input_bits)
        return ps_error_set(err, PS_ERR_RANGE,
                            "crossbar: multilevel = dac needs a DAC of at least input_bits = %lld "
                            "bits, the DAC has %lld",
                            (long long)p->input_bits, (long long)ps_dac_get_params(dac)->bits);
    ps_crossbar *xb = NULL;
    if ((st = ps_calloc(1, sizeof *xb, &xb)) != PS_OK)
        return ps_error_set(err, st, "crossbar: out of memory");
    xb->p = *p;
    xb->dev = dev;
    xb->dac = dac;
    xb->key = key;
    xb->rows = (size_t)p->rows;
    xb->cols = (size_t)p->cols;
    const ps_device_params *dp = ps_device_get_params(dev);
    xb->sigma = dp->read_noise_rel;
    xb->noise_cell = dp->read_noise_on == PS_DEVICE_NOISE_ON_CELL;
    xb->noise_stream = ps_rng_substream(key.stream, PURPOSE_COLUMN_NOISE);
    xb->sensed = xb->cols;
    size_t n = 0, n2 = 0, nl = 0;
    if (!ps_size_mul(xb->rows, xb->cols, &n) || !ps_size_mul(n, 2, &n2) ||
        !ps_size_mul(xb->rows, (size_t)p->input_bits, &nl) ||
        PS_CALLOC_ARRAY(xb->g0_pos, n) || PS_CALLOC_ARRAY(xb->g0_neg, n) ||
        PS_CALLOC_ARRAY(xb->fault, n2) || ps_calloc(n, sizeof(int64_t), &xb->gdiff.w) != PS_OK ||
        ps_calloc(n, sizeof(int64_t), &xb->gsq.w) != PS_OK || PS_CALLOC_ARRAY(xb->rowsum, xb->rows) ||
        PS_CALLOC_ARRAY(xb->row_max_diff, xb->rows) || PS_CALLOC_ARRAY(xb->row_max_sq, xb->rows) ||
        PS_CALLOC_ARRAY(xb->acc, xb->cols) || PS_CALLOC_ARRAY(xb->var, xb->cols) ||
        PS_CALLOC_ARRAY(xb->acc32, xb->cols) ||
        PS_CALLOC_ARRAY(xb->noise, xb->cols) ||
        PS_CALLOC_ARRAY(xb->cyc, xb->cols) || PS_CALLOC_ARRAY(xb->list, nl) ||
        PS_CALLOC_ARRAY(xb->nz, xb->rows) || PS_CALLOC_ARRAY(xb->level, xb->rows)) {
        ps_crossbar_destroy(xb);
        return ps_error_set(err, PS_ERR_NOMEM, "crossbar: out of memory for %lld x %lld pairs",
                            (long long)p->rows, (long long)p->cols);
    }
    for (size_t i = 0; i < n; i++)
        xb->g0_pos[i] = xb->g0_neg[i] = dp->g_min_uS;
    rebuild_rows(xb, 0, xb->rows);
    *out = xb;
    return PS_OK;
}

/* Keep in step with the allocations of ps_crossbar_create. */
double ps_crossbar_bytes(const ps_crossbar_params *p)
{
    const double rows = (double)p->rows, cols = (double)p->cols;
    const double per_pair = 2 * sizeof(double) + 2 + 2 * sizeof(int64_t); /* g0, fault, gdiff, gsq */
    const double per_row = 3 * sizeof(double) + (double)p->input_bits * sizeof(uint32_t) +
                           sizeof(uint32_t) + sizeof(uint16_t);
    const double per_col = 2 * sizeof(int64_t) + 2 * sizeof(double) + sizeof(int32_t); /* + acc32 */
    return (double)sizeof(ps_crossbar) + rows * cols * per_pair + rows * per_row + cols * per_col;
}

ps_status ps_crossbar_reset(ps_crossbar *xb)
{
    if (!xb)
        return PS_ERR_INVALID_ARG;
    memset(&xb->stats, 0, sizeof xb->stats);
    return PS_OK;
}

void ps_crossbar_destroy(ps_crossbar *xb)
{
    if (!xb)
        return;
    free(xb->g0_pos);
    free(xb->g0_neg);
    free(xb->fault);
    free(xb->gdiff.w);
    free(xb->gsq.w);
    free(xb->acc32);
    free(xb->rowsum);
    free(xb->row_max_diff);
    free(xb->row_max_sq);
    free(xb->acc);
    free(xb->var);
    free(xb->cyc);
    free(xb->noise);
    free(xb->list);
    free(xb->nz);
    free(xb->batch);
    free(xb->b_acc);
    free(xb->b_var);
    free(xb->b_cur);
    free(xb->b_z);
    free(xb->b_index);
    free(xb->level);
    free(xb);
}

ps_status ps_crossbar_stats_get(const ps_crossbar *xb, ps_crossbar_stats *out)
{
    if (!xb || !out)
        return PS_ERR_INVALID_ARG;
    *out = xb->stats;
    return PS_OK;
}

const ps_crossbar_params *ps_crossbar_get_params(const ps_crossbar *xb) { return &xb->p; }

ps_status ps_crossbar_set_sensed_cols(ps_crossbar *xb, int64_t n)
{
    if (!xb || n < 1 || n > xb->p.cols)
        return PS_ERR_INVALID_ARG;
    xb->sensed = (size_t)n;
    rebuild_rows(xb, 0, xb->rows); /* the compact rows take the new width */
    return PS_OK;
}

double ps_crossbar_weight_per_ua(const ps_crossbar *xb)
{
    return ps_device_get_params(xb->dev)->weight_per_uS / xb->p.v_read_v;
}

/* ---- programming ------------------------------------------------------- */

ps_status ps_crossbar_set_region(ps_crossbar *xb, int64_t row0, int64_t col0, int64_t nrows,
                                 int64_t ncols, const double *g_pos_uS, const double *g_neg_uS,
                                 int64_t ld)
{
    if (!xb || !g_pos_uS || !g_neg_uS || row0 < 0 || col0 < 0 || nrows < 0 || ncols < 0 ||
        ld < ncols || row0 + nrows > xb->p.rows || col0 + ncols > xb->p.cols)
        return PS_ERR_INVALID_ARG;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t c = 0; c < ncols; c++) {
            const double gp = g_pos_uS[r * ld + c], gn = g_neg_uS[r * ld + c];
            if (!isfinite(gp) || !isfinite(gn) || gp < 0.0 || gn < 0.0)
                return PS_ERR_RANGE;
        }
    }
    for (int64_t r = 0; r < nrows; r++) {
        const size_t base = (size_t)(row0 + r) * xb->cols + (size_t)col0;
        memcpy(xb->g0_pos + base, g_pos_uS + r * ld, (size_t)ncols * sizeof(double));
        memcpy(xb->g0_neg + base, g_neg_uS + r * ld, (size_t)ncols * sizeof(double));
        memset(xb->fault + 2 * base, 0, 2 * (size_t)ncols);
    }
    rebuild_rows(xb, (size_t)row0, (size_t)nrows);
    return PS_OK;
}

ps_status ps_crossbar_set_conductances(ps_crossbar *xb, const double *g_pos_uS,
                                       const double *g_neg_uS)
{
    if (!xb)
        return PS_ERR_INVALID_ARG;
    return ps_crossbar_set_region(xb, 0, 0, xb->p.rows, xb->p.cols, g_pos_uS, g_neg_uS,
                                  xb->p.cols);
}

ps_status ps_crossbar_form(ps_crossbar *xb)
{
    if (!xb)
        return PS_ERR_INVALID_ARG;
    const size_t n = xb->rows * xb->cols;
    for (size_t i = 0; i < n; i++) {
        ps_status st = ps_device_form_pair(xb->dev, xb->key, i, &xb->g0_pos[i], &xb->g0_neg[i]);
        if (st != PS_OK)
            return st;
        xb->fault[2 * i] = (uint8_t)ps_device_fault_of(xb->dev, xb->key, 2 * i);
        xb->fault[2 * i + 1] = (uint8_t)ps_device_fault_of(xb->dev, xb->key, 2 * i + 1);
    }
    rebuild_rows(xb, 0, xb->rows);
    return PS_OK;
}

ps_status ps_crossbar_program(ps_crossbar *xb, const double *g_pos_uS, const double *g_neg_uS)
{
    if (!xb || !g_pos_uS || !g_neg_uS)
        return PS_ERR_INVALID_ARG;
    const size_t n = xb->rows * xb->cols;
    for (size_t i = 0; i < n; i++) {
        ps_status st = ps_device_program(xb->dev, xb->key, 2 * i, g_pos_uS[i], &xb->g0_pos[i]);
        if (st == PS_OK)
            st = ps_device_program(xb->dev, xb->key, 2 * i + 1, g_neg_uS[i], &xb->g0_neg[i]);
        if (st != PS_OK)
            return st;
        xb->fault[2 * i] = (uint8_t)ps_device_fault_of(xb->dev, xb->key, 2 * i);
        xb->fault[2 * i + 1] = (uint8_t)ps_device_fault_of(xb->dev, xb->key, 2 * i + 1);
    }
    rebuild_rows(xb, 0, xb->rows);
    return PS_OK;
}

ps_status ps_crossbar_prune(ps_crossbar *xb, const uint8_t *keep)
{
    if (!xb || !keep)
        return PS_ERR_INVALID_ARG;
    const size_t n = xb->rows * xb->cols;
    for (size_t i = 0; i < n; i++) {
        if (keep[i])
            continue;
        ps_status st = ps_device_reset_pair(xb->dev, xb->key, i, &xb->g0_pos[i], &xb->g0_neg[i]);
        if (st != PS_OK)
            return st;
        xb->fault[2 * i] = (uint8_t)ps_device_fault_of(xb->dev, xb->key, 2 * i);
        xb->fault[2 * i + 1] = (uint8_t)ps_device_fault_of(xb->dev, xb->key, 2 * i + 1);
    }
    rebuild_rows(xb, 0, xb->rows);
    return PS_OK;
}

ps_status ps_crossbar_set_age(ps_crossbar *xb, double t_s)
{
    if (!xb || !(t_s >= 0.0) || !isfinite(t_s))
        return PS_ERR_INVALID_ARG;
    xb->age_s = t_s;
    rebuild_rows(xb, 0, xb->rows);
    return PS_OK;
}

ps_status ps_crossbar_get_pair(const ps_crossbar *xb, int64_t r, int64_t c, double *g_pos_uS,
                               double *g_neg_uS)
{
    if (!xb || r < 0 || c < 0 || r >= xb->p.rows || c >= xb->p.cols || !g_pos_uS || !g_neg_uS)
        return PS_ERR_INVALID_ARG;
    const size_t i = (size_t)r * xb->cols + (size_t)c;
    *g_pos_uS = xb->g0_pos[i];
    *g_neg_uS = xb->g0_neg[i];
    return PS_OK;
}

ps_status ps_crossbar_get_effective_pair(const ps_crossbar *xb, int64_t r, int64_t c,
                                         double *g_pos_uS, double *g_neg_uS)
{
    if (!xb || r < 0 || c < 0 || r >= xb->p.rows || c >= xb->p.cols || !g_pos_uS || !g_neg_uS)
        return PS_ERR_INVALID_ARG;
    const size_t i = (size_t)r * xb->cols + (size_t)c;
    *g_pos_uS = effective(xb, xb->g0_pos[i], xb->fault[2 * i], (size_t)r, 2 * (size_t)c);
    *g_neg_uS = effective(xb, xb->g0_neg[i], xb->fault[2 * i + 1], (size_t)r, 2 * (size_t)c + 1);
    return PS_OK;
}

/* ---- reads ------------------------------------------------------------- */

/* acc[j] = sum over the n listed rows of g[row * C + j], for j < nc (C: row
 * stride); one version per entry width, the narrow one summing in 32-bit
 * lanes (tmp) and widening at the end. */
#define SUM_ROWS(NAME, T, ACC, OUT)                                                               \
    PS_SIMD_CLONES static void NAME(const T *restrict g, size_t C, const uint32_t *restrict list, \
                                    size_t n, size_t nc, ACC *restrict acc,                       \
                                    int64_t *restrict out)                                        \
    {                                                                                             \
        memset(acc, 0, nc * sizeof *acc);                                                         \
        size_t k = 0;                                                                             \
        /* Four rows per pass: a quarter of the accumulator traffic. */                          \
        for (; k + 4 <= n; k += 4) {                                                              \
            const T *restrict a = g + (size_t)list[k] * C;                                        \
            const T *restrict b = g + (size_t)list[k + 1] * C;                                    \
            const T *restrict c = g + (size_t)list[k + 2] * C;                                    \
            const T *restrict d = g + (size_t)list[k + 3] * C;                                    \
            for (size_t j = 0; j < nc; j++)                                                       \
                acc[j] += (a[j] + b[j]) + (c[j] + d[j]);                                          \
        }                                                                                         \
        for (; k < n; k++) {                                                                      \
            const T *restrict a = g + (size_t)list[k] * C;                                        \
            for (size_t j = 0; j < nc; j++)                                                       \
                acc[j] += a[j];                                                                   \
        }                                                                                         \
        OUT;                                                                                      \
    }
SUM_ROWS(sum_rows64, int64_t, int64_t, (void)out)
SUM_ROWS(sum_rows32, int32_t, int32_t, for (size_t j = 0; j < nc; j++) out[j] = acc[j])
#undef SUM_ROWS

static void sum_rows(const fixmat *m, size_t C, const uint32_t *list, size_t n, size_t nc,
                     int32_t *tmp, int64_t *acc)
{
    if (m->narrow)
        sum_rows32(m->w, C, list, n, nc, tmp, acc);
    else
        sum_rows64(m->w, C, list, n, nc, acc, NULL);
}

/* acc[j] = sum over the listed rows of w_k^power * g[row * C + j] (DAC cycles). */
static void sum_rows_weighted(const fixmat *m, size_t C, const uint32_t *restrict list,
                              const uint16_t *restrict w, int power, size_t n, size_t nc,
                              int64_t *restrict acc)
{
    memset(acc, 0, nc * sizeof *acc);
    for (size_t k = 0; k < n; k++) {
        const size_t at = (size_t)list[k] * C;
        const int64_t f = power == 1 ? (int64_t)w[k] : (int64_t)w[k] * (int64_t)w[k];
        if (m->narrow) {
            const int32_t *restrict a = (const int32_t *)m->w + at;
            for (size_t j = 0; j < nc; j++)
                acc[j] += f * a[j];
        } else {
            const int64_t *restrict a = (const int64_t *)m->w + at;
            for (size_t j = 0; j < nc; j++)
                acc[j] += f * a[j];
        }
    }
}

/* The sums of one analogue cycle over the n listed rows; lv[k] is row
 * list[k]'s drive level out of the DAC's full scale (NULL: binary, full
 * scale): acc and (with noise) var over the sensed columns, and the cell
 * energy's sum over rows of (level / lmax)^2 * rowsum in uS. */
static double cycle_sums(const ps_crossbar *xb, const uint32_t *list, const uint16_t *lv, size_t n,
                         int64_t *acc, int64_t *var)
{
    const size_t nc = xb->sensed;
    const bool noise = xb->sigma > 0.0;
    double g_energy = 0.0;
    if (!lv) {
        sum_rows(&xb->gdiff, nc, list, n, nc, xb->acc32, acc);
        if (noise)
            sum_rows(&xb->gsq, nc, list, n, nc, xb->acc32, var);
        /* Four running sums in a fixed pattern: no add waits on the last. */
        double e[4] = {0.0, 0.0, 0.0, 0.0};
        size_t k = 0;
        for (; k + 4 <= n; k += 4)
            for (int u = 0; u < 4; u++)
                e[u] += xb->rowsum[list[k + (size_t)u]];
        for (; k < n; k++)
            e[0] += xb->rowsum[list[k]];
        g_energy = (e[0] + e[1]) + (e[2] + e[3]);
    } else {
        const double lmax = cycle_level_max(xb);
        sum_rows_weighted(&xb->gdiff, nc, list, lv, 1, n, nc, acc);
        if (noise)
            sum_rows_weighted(&xb->gsq, nc, list, lv, 2, n, nc, var);
        for (size_t k = 0; k < n; k++) {
            const double f = (double)lv[k] / lmax;
            g_energy += f * f * xb->rowsum[list[k]];
        }
    }
    return g_energy;
}

/* The currents of m sensed-column entries (whole cycles, one after another)
 * from their sums; z: a standard normal per entry (unused without noise). A
 * cycle with no driven row has var = 0, so its noise term is exactly 0. */
PS_SIMD_CLONES static void currents(const ps_crossbar *xb, const int64_t *restrict acc,
                                    const int64_t *restrict var, const double *restrict z,
                                    size_t m, double lmax, double *restrict out)
{
    const double V = xb->p.v_read_v;
    const double to_ua = V * ldexp(1.0, -xb->gdiff.bits) / lmax;
    if (!(xb->sigma > 0.0)) {
        for (size_t j = 0; j < m; j++)
            out[j] = (double)acc[j] * to_ua;
        return;
    }
    /* Per column, N(0, var) with var = sigma^2 V^2 sum (level/lmax)^2 q. */
    const double s = V * xb->sigma, to_var = ldexp(1.0, -xb->gsq.bits) / (lmax * lmax);
    for (size_t j = 0; j < m; j++)
        out[j] = (double)acc[j] * to_ua + s * sqrt((double)var[j] * to_var) * z[j];
}

/* Adds one performed cycle over n driven rows to cost. */
static void cycle_cost(const ps_crossbar *xb, size_t n, double g_energy, ps_crossbar_stats *cost)
{
    const double V = xb->p.v_read_v;
    const double cell_pj = V * V * g_energy * xb->p.t_read_ns * 1e-3; /* fJ -> pJ */
    const double drv_pj = xb->dac ? ps_dac_energy_pj(xb->dac, n) : 0.0;
    cost->cycles++;
    cost->active_rows += n;
    cost->cell_reads += (uint64_t)n * 2 * xb->cols;
    cost->cell_energy_pj += cell_pj;
    cost->driver_energy_pj += drv_pj;
    cost->energy_pj += cell_pj + drv_pj;
    cost->read_time_ns += xb->p.t_read_ns;
}

void ps_crossbar_stats_add(ps_crossbar_stats *a, const ps_crossbar_stats *b)
{
    a->reads += b->reads;
    a->cycles += b->cycles;
    a->skipped_cycles += b->skipped_cycles;
    a->active_rows += b->active_rows;
    a->cell_reads += b->cell_reads;
    a->cell_energy_pj += b->cell_energy_pj;
    a->driver_energy_pj += b->driver_energy_pj;
    a->energy_pj += b->energy_pj;
    a->read_time_ns += b->read_time_ns;
}

static void finish_read(ps_crossbar *xb, const ps_crossbar_stats *c, ps_crossbar_stats *cost)
{
    ps_crossbar_stats_add(&xb->stats, c);
    if (cost)
        *cost = *c;
}

ps_status ps_crossbar_read_binary(ps_crossbar *xb, const uint32_t *active_rows, size_t n_active,
                                  uint64_t read_key, double *out_ua, ps_crossbar_stats *cost)
{
    if (!xb || !out_ua || (n_active && !active_rows) || n_active > xb->rows)
        return PS_ERR_INVALID_ARG;
    settle(xb);
    for (size_t k = 0; k < n_active; k++)
        if (active_rows[k] >= xb->rows)
            return PS_ERR_RANGE;
    ps_crossbar_stats c;
    memset(&c, 0, sizeof c);
    c.reads = 1;
    if (n_active == 0 && xb->p.zero_skip) {
        memset(out_ua, 0, xb->sensed * sizeof *out_ua);
        c.skipped_cycles = 1;
    } else {
        const double e = cycle_sums(xb, active_rows, NULL, n_active, xb->acc, xb->var);
        if (xb->sigma > 0.0)
            ps_rng_normal_fill(xb->key.seed, ps_rng_substream(xb->noise_stream, read_key), 0,
                               xb->sensed, xb->noise);
        currents(xb, xb->acc, xb->var, xb->noise, xb->sensed, 1.0, out_ua);
        cycle_cost(xb, n_active, e, &c);
    }
    finish_read(xb, &c, cost);
    return PS_OK;
}

/* Room for `cycles` performed cycles in the batch buffers. */
static ps_status grow_batch(ps_crossbar *xb, size_t cycles)
{
    size_t need = 0;
    if (!ps_size_mul(cycles, xb->sensed, &need))
        return PS_ERR_NOMEM;
    if (cycles > xb->batch_cycles_cap) {
        size_t cap = xb->batch_cycles_cap ? 2 * xb->batch_cycles_cap : 64;
        cap = cap < cycles ? cycles : cap;
        if (ps_realloc(cap, sizeof *xb->batch, &xb->batch) != PS_OK)
            return PS_ERR_NOMEM;
        xb->batch_cycles_cap = cap;
    }
    if (need > xb->batch_cap) {
        size_t cap = xb->batch_cap ? 2 * xb->batch_cap : 1024;
        cap = cap < need ? need : cap;
        if (ps_realloc(cap, sizeof *xb->b_acc, &xb->b_acc) != PS_OK ||
            ps_realloc(cap, sizeof *xb->b_var, &xb->b_var) != PS_OK ||
            ps_realloc(cap, sizeof *xb->b_cur, &xb->b_cur) != PS_OK ||
            ps_realloc(cap, sizeof *xb->b_z, &xb->b_z) != PS_OK ||
            ps_realloc(cap, sizeof *xb->b_index, &xb->b_index) != PS_OK)
            return PS_ERR_NOMEM; /* the grown ones are kept; batch_cap stays */
        xb->batch_cap = cap;
    }
    return PS_OK;
}

/* Sums one analogue cycle of read `read` at bit plane `plane` into the
 * batch: n rows of list, levels lv (NULL: binary). */
static ps_status push_cycle(ps_crossbar *xb, size_t *nb, uint32_t read, uint32_t plane,
                            const uint32_t *list, const uint16_t *lv, size_t n)
{
    const size_t nc = xb->sensed;
    /* both buffers must hold the new cycle (their capacities grow apart) */
    const bool room = *nb < xb->batch_cycles_cap && (*nb + 1) * nc <= xb->batch_cap;
    ps_status st = room ? PS_OK : grow_batch(xb, *nb + 1);
    if (st != PS_OK)
        return st;
    const double e = cycle_sums(xb, list, lv, n, xb->b_acc + *nb * nc, xb->b_var + *nb * nc);
    xb->batch[(*nb)++] = (batch_cycle){read, plane, (uint32_t)n, e};
    return PS_OK;
}

/* The bit-serial cycles of read `read`: plane b drives rows[off[b] ..
 * off[b + 1]); an empty plane is skipped (zero_skip) or performed idle. */
static ps_status push_planes(ps_crossbar *xb, size_t *nb, uint32_t read, const uint32_t *rows,
                             const uint32_t *off, ps_crossbar_stats *c)
{
    ps_status st = PS_OK;
    for (uint32_t b = 0; b < (uint32_t)xb->p.input_bits && st == PS_OK; b++) {
        const uint32_t n = off[b + 1] - off[b];
        if (n == 0 && xb->p.zero_skip)
            c->skipped_cycles++; /* no current, no cost */
        else
            st = push_cycle(xb, nb, read, b, rows + off[b], NULL, n);
    }
    return st;
}

/* The passes after the column sums over a batch's nb performed cycles:
 * noise, currents (and cost, cycle by cycle in read order), conversion by
 * the hook, shift-and-add into out. Read i's cycle at plane b draws normals
 * ((first_index + i) * planes + b) * sensed + column of stream. Exactly one
 * of cycle_hook / block_hook may be set. */
static ps_status finish_batch(ps_crossbar *xb, size_t nb, uint64_t stream, uint64_t first_index,
                              ps_crossbar_cycle_fn cycle_hook, ps_crossbar_block_fn block_hook,
                              void *hook_ctx, double *out_ua, size_t ld, ps_crossbar_stats *c)
{
    const bool serial = xb->p.multilevel == PS_XBAR_BIT_SERIAL;
    const uint32_t planes = serial ? (uint32_t)xb->p.input_bits : 1;
    const size_t nc = xb->sensed;
    ps_status st = PS_OK;
    if (xb->sigma > 0.0 && nb > 0) {
        for (size_t k = 0; k < nb; k++) {
            const uint64_t base =
                ((first_index + xb->batch[k].read) * planes + xb->batch[k].plane) * nc;
            for (size_t j = 0; j < nc; j++)
                xb->b_index[k * nc + j] = base + j;
        }
        ps_rng_normal_at(xb->key.seed, stream, xb->b_index, nb * nc, xb->b_z);
    }
    const double lmax = serial ? 1.0 : cycle_level_max(xb);
    currents(xb, xb->b_acc, xb->b_var, xb->b_z, nb * nc, lmax, xb->b_cur);
    for (size_t k = 0; k < nb; k++)
        cycle_cost(xb, xb->batch[k].n_rows, xb->batch[k].g_energy, c);
    if (block_hook && nb > 0)
        st = block_hook(hook_ctx, xb->tile, xb->b_cur, nb, nc);
    for (size_t k = 0; k < nb && st == PS_OK; k++) {
        if (cycle_hook)
            st = cycle_hook(hook_ctx, xb->tile, xb->batch[k].plane, xb->b_cur + k * nc, nc);
        const double w = serial ? (double)(1u << xb->batch[k].plane) : lmax;
        double *restrict o = out_ua + xb->batch[k].read * ld;
        const double *restrict cur = xb->b_cur + k * nc;
        for (size_t j = 0; j < nc; j++)
            o[j] += w * cur[j];
    }
    return st;
}

/* Every read of a batch (inputs checked): its cycles' column sums, then
 * finish_batch. */
static ps_status run_batch(ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                           const uint32_t *rows, const uint16_t *levels, uint64_t stream,
                           uint64_t first_index, ps_crossbar_cycle_fn cycle_hook,
                           ps_crossbar_block_fn block_hook, void *hook_ctx, double *out_ua,
                           size_t ld, uint32_t *read_cycles, ps_crossbar_stats *cost)
{
    const bool serial = xb->p.multilevel == PS_XBAR_BIT_SERIAL;
    const uint32_t bits = (uint32_t)xb->p.input_bits, planes = serial ? bits : 1;
    const size_t nc = xb->sensed;
    settle(xb);
    ps_crossbar_stats c;
    memset(&c, 0, sizeof c);
    c.reads = n_reads;
    size_t nb = 0;
    ps_status st = PS_OK;
    for (size_t i = 0; i < n_reads && st == PS_OK; i++) {
        memset(out_ua + i * ld, 0, nc * sizeof *out_ua);
        const uint32_t a = off[i], n = off[i + 1] - a;
        const size_t nb0 = nb;
        if (n == 0 && xb->p.zero_skip) {
            c.skipped_cycles += planes; /* no current, no cost */
        } else if (serial) {
            /* Bit plane b's rows packed after plane b - 1's in list,
             * ascending: one branch-free pass per plane up to the highest
             * bit any level has. */
            uint32_t poff[17] = {0}, any = 0;
            for (uint32_t k = a; k < a + n; k++)
                any |= levels[k];
            for (uint32_t b = 0; b < bits; b++) {
                uint32_t *restrict dst = xb->list + poff[b];
                uint32_t cnt = 0;
                for (uint32_t k = a; k < a + n && (any >> b); k++) {
                    dst[cnt] = rows[k];
                    cnt += (levels[k] >> b) & 1u;
                }
                poff[b + 1] = poff[b] + cnt;
            }
            st = push_planes(xb, &nb, (uint32_t)i, xb->list, poff, &c);
        } else {
            st = push_cycle(xb, &nb, (uint32_t)i, 0, rows + a, levels + a, n);
        }
        if (read_cycles)
            read_cycles[i] = (uint32_t)(nb - nb0);
    }
    if (st == PS_OK)
        st = finish_batch(xb, nb, stream, first_index, cycle_hook, block_hook, hook_ctx, out_ua,
                          ld, &c);
    finish_read(xb, &c, cost);
    return st;
}

/* Rows in [0, R) strictly ascending and levels in [1, max] in every read. */
static ps_status check_inputs(const ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                              const uint32_t *rows, const uint16_t *levels)
{
    const uint32_t max_level = (1u << xb->p.input_bits) - 1u;
    for (size_t i = 0; i < n_reads; i++) {
        if (off[i + 1] < off[i] || off[i + 1] - off[i] > xb->rows)
            return PS_ERR_INVALID_ARG;
        for (uint32_t k = off[i]; k < off[i + 1]; k++) {
            if (rows[k] >= xb->rows || levels[k] > max_level || levels[k] == 0)
                return PS_ERR_RANGE;
            if (k > off[i] && rows[k] <= rows[k - 1])
                return PS_ERR_INVALID_ARG;
        }
    }
    return PS_OK;
}

ps_status ps_crossbar_read_batch(ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                                 const uint32_t *rows, const uint16_t *levels, uint64_t batch_key,
                                 uint64_t first_index, ps_crossbar_block_fn hook, void *hook_ctx,
                                 double *out_ua, size_t ld, uint32_t *read_cycles,
                                 ps_crossbar_stats *cost)
{
    if (!xb || (n_reads && (!off || !out_ua || ld < xb->sensed)) ||
        (n_reads && off[n_reads] > off[0] && (!rows || !levels)))
        return PS_ERR_INVALID_ARG;
    ps_status st = check_inputs(xb, n_reads, off, rows, levels);
    if (st != PS_OK)
        return st;
    return run_batch(xb, n_reads, off, rows, levels, ps_rng_substream(xb->noise_stream, batch_key),
                     first_index, NULL, hook, hook_ctx, out_ua, ld, read_cycles, cost);
}

/* Every list's rows below R and strictly ascending, in whole-batch passes
 * that vectorise (the check costs a small part of the sums it guards): the
 * descents of the whole row array, less those where a list begins. */
PS_SIMD_CLONES static bool planes_valid(const uint32_t *restrict off,
                                        const uint32_t *restrict rows, size_t n_lists, size_t R)
{
    const uint32_t a = off[0], b = off[n_lists];
    uint32_t bad = 0, descents = 0;
    for (size_t j = 0; j < n_lists; j++)
        bad |= (off[j + 1] < off[j]) | (off[j + 1] - off[j] > R);
    if (bad) /* the offsets first: only then are the rows they point at the caller's */
        return false;
    for (size_t j = 1; j < n_lists; j++) /* each list start once */
        descents -= off[j] > off[j - 1] && off[j] < b && rows[off[j]] <= rows[off[j] - 1];
    if (b > a)
        bad |= rows[a] >= R;
    for (uint32_t k = a + 1; k < b; k++) {
        bad |= rows[k] >= R;
        descents += rows[k] <= rows[k - 1];
    }
    return !bad && descents == 0;
}

/* ps_crossbar_read_planes with every row below row_bound (<= rows). */
static ps_status read_planes(ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                             const uint32_t *rows, size_t row_bound, uint64_t batch_key,
                             uint64_t first_index, ps_crossbar_block_fn hook, void *hook_ctx,
                             double *out_ua, size_t ld, uint32_t *read_cycles,
                             ps_crossbar_stats *cost)
{
    if (!xb || xb->p.multilevel != PS_XBAR_BIT_SERIAL || row_bound > xb->rows)
        return PS_ERR_INVALID_ARG;
    const size_t P = (size_t)xb->p.input_bits, nc = xb->sensed;
    if (n_reads && (!off || !out_ua || ld < nc || (off[n_reads * P] > off[0] && !rows)))
        return PS_ERR_INVALID_ARG;
    if (n_reads && !planes_valid(off, rows, n_reads * P, row_bound))
        return PS_ERR_INVALID_ARG;
    settle(xb);
    ps_crossbar_stats c;
    memset(&c, 0, sizeof c);
    c.reads = n_reads;
    size_t nb = 0;
    ps_status st = PS_OK;
    for (size_t i = 0; i < n_reads && st == PS_OK; i++) {
        memset(out_ua + i * ld, 0, nc * sizeof *out_ua);
        const size_t nb0 = nb;
        st = push_planes(xb, &nb, (uint32_t)i, rows, off + i * P, &c);
        if (read_cycles)
            read_cycles[i] = (uint32_t)(nb - nb0);
    }
    if (st == PS_OK)
        st = finish_batch(xb, nb, ps_rng_substream(xb->noise_stream, batch_key), first_index, NULL,
                          hook, hook_ctx, out_ua, ld, &c);
    finish_read(xb, &c, cost);
    return st;
}

ps_status ps_crossbar_read_planes(ps_crossbar *xb, size_t n_reads, const uint32_t *off,
                                  const uint32_t *rows, uint64_t batch_key, uint64_t first_index,
                                  ps_crossbar_block_fn hook, void *hook_ctx, double *out_ua,
                                  size_t ld, uint32_t *read_cycles, ps_crossbar_stats *cost)
{
    return read_planes(xb, n_reads, off, rows, xb ? xb->rows : 0, batch_key, first_index, hook,
                       hook_ctx, out_ua, ld, read_cycles, cost);
}

ps_status ps_crossbar_read_sparse(ps_crossbar *xb, const uint32_t *rows, const uint16_t *levels,
                                  size_t n, uint64_t read_key, ps_crossbar_cycle_fn hook,
                                  void *hook_ctx, double *out_ua, ps_crossbar_stats *cost)
{
    if (!xb || !out_ua || (n && (!rows || !levels)) || n > xb->rows)
        return PS_ERR_INVALID_ARG;
    const uint32_t off[2] = {0, (uint32_t)n};
    ps_status st = check_inputs(xb, 1, off, rows, levels);
    if (st != PS_OK)
        return st;
    return run_batch(xb, 1, off, rows, levels, ps_rng_substream(xb->noise_stream, read_key), 0,
                     hook, NULL, hook_ctx, out_ua, xb->sensed, NULL, cost);
}

ps_status ps_crossbar_read_levels(ps_crossbar *xb, const uint16_t *levels, uint64_t read_key,
                                  ps_crossbar_cycle_fn hook, void *hook_ctx, double *out_ua,
                                  ps_crossbar_stats *cost)
{
    if (!xb || !levels || !out_ua)
        return PS_ERR_INVALID_ARG;
    const uint32_t max_level = (1u << xb->p.input_bits) - 1u;
    size_t n = 0;
    for (size_t r = 0; r < xb->rows; r++) {
        if (levels[r] > max_level)
            return PS_ERR_RANGE;
        if (levels[r]) {
            xb->nz[n] = (uint32_t)r;
            xb->level[n++] = levels[r];
        }
    }
    const uint32_t off[2] = {0, (uint32_t)n};
    return run_batch(xb, 1, off, xb->nz, xb->level, ps_rng_substream(xb->noise_stream, read_key), 0,
                     hook, NULL, hook_ctx, out_ua, xb->sensed, NULL, cost);
}

/* ---- mapping ----------------------------------------------------------- */

ps_status ps_crossbar_map_plan(int64_t in_dim, int64_t out_dim, int64_t rows, int64_t cols,
                               ps_crossbar_map *map)
{
    if (!map || in_dim < 1 || out_dim < 1 || rows < 1 || cols < 1)
        return PS_ERR_INVALID_ARG;
    map->in_dim = in_dim;
    map->out_dim = out_dim;
    map->rows = rows;
    map->cols = cols;
    map->row_tiles = (in_dim + rows - 1) / rows;
    map->col_tiles = (out_dim + cols - 1) / cols;
    return PS_OK;
}

ps_status ps_crossbar_map_tile(const ps_crossbar_map *map, int64_t t, int64_t *row0,
                               int64_t *nrows, int64_t *col0, int64_t *ncols)
{
    if (!map || t < 0 || t >= map->row_tiles * map->col_tiles)
        return PS_ERR_INVALID_ARG;
    const int64_t tr = t / map->col_tiles, tc = t % map->col_tiles;
    const int64_t r0 = tr * map->rows, c0 = tc * map->cols;
    if (row0) *row0 = r0;
    if (col0) *col0 = c0;
    if (nrows) *nrows = (map->in_dim - r0 < map->rows) ? map->in_dim - r0 : map->rows;
    if (ncols) *ncols = (map->out_dim - c0 < map->cols) ? map->out_dim - c0 : map->cols;
    return PS_OK;
}

struct ps_crossbar_grid {
    ps_crossbar_map map;
    ps_crossbar **arrays;
    int64_t n_arrays;
    uint32_t *lists;   /* per row tile, rows entries each */
    size_t *counts;    /* per row tile (+ 1) */
    uint32_t *nz;      /* in_dim entries: nonzero inputs of a dense read */
    uint16_t *levels;  /* in_dim entries: their levels */
    double *part;      /* cols entries */
    /* batch reads (grow_grid): inputs split by row tile, per-read offsets
     * per row tile, each array's outputs and cycles per read */
    uint32_t *b_rows;
    uint16_t *b_levels;
    uint32_t *b_off;
    size_t *b_cursor;  /* row_tiles */
    double *b_part;
    uint32_t *b_cycles;
    uint8_t *b_first;
    size_t cap_entries, cap_off, cap_reads;
    uint64_t partial_sum_adds;
};

static ps_status grow_grid(ps_crossbar_grid *g, size_t entries, size_t n_off, size_t reads,
                           size_t cols)
{
    size_t part = 0;
    if (!ps_size_mul(reads, cols, &part))
        return PS_ERR_NOMEM;
    if (entries > g->cap_entries) {
        if (ps_realloc(entries, sizeof *g->b_rows, &g->b_rows) != PS_OK ||
            ps_realloc(entries, sizeof *g->b_levels, &g->b_levels) != PS_OK)
            return PS_ERR_NOMEM;
        g->cap_entries = entries;
    }
    if (n_off > g->cap_off) {
        if (ps_realloc(n_off, sizeof *g->b_off, &g->b_off) != PS_OK)
            return PS_ERR_NOMEM;
        g->cap_off = n_off;
    }
    if (reads > g->cap_reads) {
        if (ps_realloc(part, sizeof *g->b_part, &g->b_part) != PS_OK ||
            ps_realloc(reads, sizeof *g->b_cycles, &g->b_cycles) != PS_OK ||
            ps_realloc(reads, sizeof *g->b_first, &g->b_first) != PS_OK)
            return PS_ERR_NOMEM;
        g->cap_reads = reads;
    }
    return PS_OK;
}

/* Keep in step with the allocations of ps_crossbar_grid_create. */
double ps_crossbar_grid_bytes(const ps_crossbar_params *p, int64_t in_dim, int64_t out_dim)
{
    ps_crossbar_map map;
    if (ps_crossbar_map_plan(in_dim, out_dim, p->rows, p->cols, &map) != PS_OK)
        return 0;
    const double arrays = (double)map.row_tiles * (double)map.col_tiles;
    return arrays * (ps_crossbar_bytes(p) + sizeof(ps_crossbar *)) +
           (double)map.row_tiles * (double)p->rows * sizeof(uint32_t) +
           (double)in_dim * (sizeof(uint32_t) + sizeof(uint16_t)) +
           (double)p->cols * sizeof(double);
}

ps_status ps_crossbar_grid_create(const ps_crossbar_params *p, ps_device *dev, const ps_dac *dac,
                                  ps_device_key key, int64_t in_dim, int64_t out_dim,
                                  ps_error *err, ps_crossbar_grid **out)
{
    if (!p || !out)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "crossbar grid: NULL argument");
    *out = NULL;
    ps_crossbar_map map;
    if (ps_crossbar_map_plan(in_dim, out_dim, p->rows, p->cols, &map) != PS_OK)
        return ps_error_set(err, PS_ERR_INVALID_ARG,
                            "crossbar grid: a %lld x %lld matrix on %lld x %lld arrays is not valid",
                            (long long)in_dim, (long long)out_dim, (long long)p->rows,
                            (long long)p->cols);
    ps_crossbar_grid *g = NULL;
    ps_status st = ps_calloc(1, sizeof *g, &g);
    if (st != PS_OK)
        return ps_error_set(err, st, "crossbar grid: out of memory");
    g->map = map;
    g->n_arrays = map.row_tiles * map.col_tiles;
    size_t list_len = 0;
    if (!ps_size_mul((size_t)map.row_tiles, (size_t)p->rows, &list_len) ||
        PS_CALLOC_ARRAY(g->arrays, (size_t)g->n_arrays) || PS_CALLOC_ARRAY(g->lists, list_len) ||
        PS_CALLOC_ARRAY(g->counts, (size_t)map.row_tiles + 1) ||
        PS_CALLOC_ARRAY(g->b_cursor, (size_t)map.row_tiles) ||
        PS_CALLOC_ARRAY(g->nz, (size_t)in_dim) || PS_CALLOC_ARRAY(g->levels, (size_t)in_dim) ||
        PS_CALLOC_ARRAY(g->part, (size_t)p->cols)) {
        ps_crossbar_grid_destroy(g);
        return ps_error_set(err, PS_ERR_NOMEM, "crossbar grid: out of memory");
    }
    for (int64_t t = 0; t < g->n_arrays; t++) {
        ps_device_key k = {key.seed, ps_rng_substream(key.stream, (uint64_t)t)};
        if ((st = ps_crossbar_create(p, dev, dac, k, err, &g->arrays[t])) != PS_OK) {
            ps_error_prefix(err, "crossbar grid array %lld", (long long)t);
            ps_crossbar_grid_destroy(g);
            return st;
        }
        g->arrays[t]->tile = (size_t)t;
        /* Only the columns the matrix maps are sensed (no ADC, no noise
         * draws, no work for the rest of the array). */
        int64_t nc = 0;
        ps_crossbar_map_tile(&map, t, NULL, NULL, NULL, &nc);
        ps_crossbar_set_sensed_cols(g->arrays[t], nc);
    }
    *out = g;
    return PS_OK;
}

ps_status ps_crossbar_grid_reset(ps_crossbar_grid *g)
{
    if (!g)
        return PS_ERR_INVALID_ARG;
    for (int64_t t = 0; t < g->n_arrays; t++)
        ps_crossbar_reset(g->arrays[t]);
    g->partial_sum_adds = 0;
    return PS_OK;
}

void ps_crossbar_grid_destroy(ps_crossbar_grid *g)
{
    if (!g)
        return;
    if (g->arrays)
        for (int64_t t = 0; t < g->n_arrays; t++)
            ps_crossbar_destroy(g->arrays[t]);
    free(g->arrays);
    free(g->lists);
    free(g->counts);
    free(g->nz);
    free(g->levels);
    free(g->b_rows);
    free(g->b_levels);
    free(g->b_off);
    free(g->b_cursor);
    free(g->b_part);
    free(g->b_cycles);
    free(g->b_first);
    free(g->part);
    free(g);
}

ps_status ps_crossbar_grid_stats_get(const ps_crossbar_grid *g, ps_crossbar_grid_stats *out)
{
    if (!g || !out)
        return PS_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    for (int64_t t = 0; t < g->n_arrays; t++)
        ps_crossbar_stats_add(&out->arrays, &g->arrays[t]->stats);
    out->partial_sum_adds = g->partial_sum_adds;
    out->n_arrays = g->n_arrays;
    return PS_OK;
}

const ps_crossbar_map *ps_crossbar_grid_map(const ps_crossbar_grid *g) { return &g->map; }

ps_crossbar *ps_crossbar_grid_array(ps_crossbar_grid *g, int64_t tile)
{
    return (g && tile >= 0 && tile < g->n_arrays) ? g->arrays[tile] : NULL;
}

ps_status ps_crossbar_grid_set_conductances(ps_crossbar_grid *g, const double *g_pos_uS,
                                            const double *g_neg_uS)
{
    if (!g || !g_pos_uS || !g_neg_uS)
        return PS_ERR_INVALID_ARG;
    for (int64_t t = 0; t < g->n_arrays; t++) {
        int64_t r0 = 0, nr = 0, c0 = 0, nc = 0;
        ps_crossbar_map_tile(&g->map, t, &r0, &nr, &c0, &nc);
        const size_t off = (size_t)r0 * (size_t)g->map.out_dim + (size_t)c0;
        ps_status st = ps_crossbar_set_region(g->arrays[t], 0, 0, nr, nc, g_pos_uS + off,
                                              g_neg_uS + off, g->map.out_dim);
        if (st != PS_OK)
            return st;
    }
    return PS_OK;
}

/* Adds array t's partial sums into out; counts an addition per column for
 * every row tile after the first that contributes. */
static void accumulate(ps_crossbar_grid *g, int64_t t, bool first, double *out)
{
    int64_t c0 = 0, nc = 0;
    ps_crossbar_map_tile(&g->map, t, NULL, NULL, &c0, &nc);
    for (int64_t j = 0; j < nc; j++)
        out[c0 + j] = first ? g->part[j] : out[c0 + j] + g->part[j];
    if (!first)
        g->partial_sum_adds += (uint64_t)nc;
}

static void grid_cost(ps_crossbar_grid *g, uint64_t adds0, ps_crossbar_grid_stats *cost,
                      const ps_crossbar_stats *sum)
{
    if (!cost)
        return;
    cost->arrays = *sum;
    cost->partial_sum_adds = g->partial_sum_adds - adds0;
    cost->n_arrays = g->n_arrays;
}

ps_status ps_crossbar_grid_read_binary(ps_crossbar_grid *g, const uint32_t *active_rows,
                                       size_t n_active, uint64_t read_key, double *out_ua,
                                       ps_crossbar_grid_stats *cost)
{
    if (!g || !out_ua || (n_active && !active_rows))
        return PS_ERR_INVALID_ARG;
    const ps_crossbar_map *m = &g->map;
    memset(g->counts, 0, (size_t)m->row_tiles * sizeof *g->counts);
    for (size_t k = 0; k < n_active; k++) {
        if (active_rows[k] >= (uint64_t)m->in_dim)
            return PS_ERR_RANGE;
        const size_t tr = active_rows[k] / (size_t)m->rows;
        if (g->counts[tr] >= (size_t)m->rows)
            return PS_ERR_INVALID_ARG; /* more rows than the tile has: duplicates */
        g->lists[tr * (size_t)m->rows + g->counts[tr]++] =
            (uint32_t)(active_rows[k] - tr * (size_t)m->rows);
    }
    memset(out_ua, 0, (size_t)m->out_dim * sizeof *out_ua);
    const uint64_t adds0 = g->partial_sum_adds;
    ps_crossbar_stats sum, c;
    memset(&sum, 0, sizeof sum);
    for (int64_t tc = 0; tc < m->col_tiles; tc++) {
        bool first = true;
        for (int64_t tr = 0; tr < m->row_tiles; tr++) {
            const int64_t t = tr * m->col_tiles + tc;
            ps_status st = ps_crossbar_read_binary(g->arrays[t], g->lists + tr * m->rows,
                                                   g->counts[tr], read_key, g->part, &c);
            if (st != PS_OK)
                return st;
            ps_crossbar_stats_add(&sum, &c);
            if (c.cycles == 0)
                continue; /* zero-skipped: contributes nothing, costs no addition */
            accumulate(g, t, first, out_ua);
            first = false;
        }
    }
    grid_cost(g, adds0, cost, &sum);
    return PS_OK;
}

/* A batch's inputs split by row tile (split_levels / split_planes): tile
 * tr's reads (or cycles) start at off + tr * n_off, their rows (local to the
 * tile) and levels (NULL: bit planes) at rows/levels + base[tr]. */
typedef struct grid_split {
    const uint32_t *off;
    size_t n_off;
    const size_t *base;
} grid_split;

/* Every array reads its row tile's part of the batch; each column tile's
 * outputs add the row tiles' partial sums in row-tile order (a read every
 * row tile skips sums to 0). */
static ps_status read_row_tiles(ps_crossbar_grid *g, const grid_split *sp, bool planes, size_t N,
                                uint64_t batch_key, uint64_t first_index,
                                ps_crossbar_block_fn hook, void *hook_ctx, double *out_ua,
                                ps_crossbar_stats *sum)
{
    const ps_crossbar_map *m = &g->map;
    const size_t D = (size_t)m->out_dim;
    ps_crossbar_stats c;
    for (int64_t tc = 0; tc < m->col_tiles; tc++) {
        int64_t c0 = 0, nc = 0;
        ps_crossbar_map_tile(m, tc, NULL, NULL, &c0, &nc);
        memset(g->b_first, 1, N);
        for (size_t i = 0; i < N; i++)
            memset(out_ua + i * D + c0, 0, (size_t)nc * sizeof *out_ua);
        for (size_t tr = 0; tr < (size_t)m->row_tiles; tr++) {
            ps_crossbar *xb = g->arrays[(int64_t)tr * m->col_tiles + tc];
            const uint32_t *off = sp->off + tr * sp->n_off, *rows = g->b_rows + sp->base[tr];
            ps_status st =
                planes ? ps_crossbar_read_planes(xb, N, off, rows, batch_key, first_index, hook,
                                                 hook_ctx, g->b_part, (size_t)nc, g->b_cycles, &c)
                       : ps_crossbar_read_batch(xb, N, off, rows, g->b_levels + sp->base[tr],
                                                batch_key, first_index, hook, hook_ctx, g->b_part,
                                                (size_t)nc, g->b_cycles, &c);
            if (st != PS_OK)
                return st;
            ps_crossbar_stats_add(sum, &c);
            for (size_t i = 0; i < N; i++) {
                if (g->b_cycles[i] == 0)
                    continue; /* zero-skipped: contributes nothing, costs no addition */
                double *o = out_ua + i * D + c0;
                const double *p = g->b_part + i * (size_t)nc;
                if (g->b_first[i]) {
                    memcpy(o, p, (size_t)nc * sizeof *o);
                    g->b_first[i] = 0;
                } else {
                    for (int64_t j = 0; j < nc; j++)
                        o[j] += p[j];
                    g->partial_sum_adds += (uint64_t)nc;
                }
            }
        }
    }
    return PS_OK;
}

/* Splits n_lists row lists (list j: rows [off[j], off[j + 1]), ascending,
 * with levels or NULL) by row tile into g's batch buffers; the split's
 * offsets are g->b_off, n_lists + 1 per row tile. */
static ps_status split_rows(ps_crossbar_grid *g, size_t n_lists, size_t n_reads,
                            const uint32_t *off, const uint32_t *rows, const uint16_t *levels,
                            grid_split *sp)
{
    const ps_crossbar_map *m = &g->map;
    const size_t RT = (size_t)m->row_tiles, R = (size_t)m->rows;
    const size_t total = n_lists ? off[n_lists] - off[0] : 0;
    size_t n_off = 0;
    if (!ps_size_mul(RT, n_lists + 1, &n_off) ||
        grow_grid(g, total, n_off, n_reads, (size_t)m->cols) != PS_OK)
        return PS_ERR_NOMEM;
    size_t *base = g->counts; /* RT + 1 */
    memset(base, 0, (RT + 1) * sizeof *base);
    for (uint32_t k = off[0]; k < off[n_lists]; k++)
        base[rows[k] / R + 1]++;
    for (size_t tr = 0; tr < RT; tr++)
        base[tr + 1] += base[tr];
    for (size_t tr = 0; tr < RT; tr++)
        g->b_cursor[tr] = base[tr];
    for (size_t j = 0; j < n_lists; j++) {
        for (size_t tr = 0; tr < RT; tr++)
            g->b_off[tr * (n_lists + 1) + j] = (uint32_t)(g->b_cursor[tr] - base[tr]);
        for (uint32_t k = off[j]; k < off[j + 1]; k++) {
            const size_t tr = rows[k] / R;
            const size_t at = g->b_cursor[tr]++;
            g->b_rows[at] = rows[k] - (uint32_t)(tr * R);
            if (levels)
                g->b_levels[at] = levels[k];
        }
    }
    for (size_t tr = 0; tr < RT; tr++)
        g->b_off[tr * (n_lists + 1) + n_lists] = (uint32_t)(g->b_cursor[tr] - base[tr]);
    *sp = (grid_split){g->b_off, n_lists + 1, base};
    return PS_OK;
}

/* The batch on a grid: per column tile directly when one row tile holds
 * every row, else split by row tile and merged. */
static ps_status grid_batch(ps_crossbar_grid *g, size_t N, size_t n_lists, const uint32_t *off,
                            const uint32_t *rows, const uint16_t *levels, bool planes,
                            uint64_t batch_key,
                            uint64_t first_index, ps_crossbar_block_fn hook, void *hook_ctx,
                            double *out_ua, ps_crossbar_grid_stats *cost)
{
    const ps_crossbar_map *m = &g->map;
    if (!(planes && m->row_tiles == 1)) { /* else each array's check bounds the rows */
        uint32_t over = 0; /* one branch-free pass */
        for (uint32_t k = n_lists ? off[0] : 0; n_lists && k < off[n_lists]; k++)
            over |= rows[k] >= (uint64_t)m->in_dim;
        if (over)
            return PS_ERR_RANGE;
    }
    const uint64_t adds0 = g->partial_sum_adds;
    ps_crossbar_stats sum, c;
    memset(&sum, 0, sizeof sum);
    ps_status st = PS_OK;
    if (m->row_tiles == 1) { /* the reads are the array's: no split, no partial sums */
        for (int64_t tc = 0; tc < m->col_tiles && st == PS_OK; tc++) {
            int64_t c0 = 0;
            ps_crossbar_map_tile(m, tc, NULL, NULL, &c0, NULL);
            ps_crossbar *xb = g->arrays[tc];
            const size_t D = (size_t)m->out_dim;
            st = planes ? read_planes(xb, N, off, rows, (size_t)m->in_dim, batch_key, first_index,
                                      hook, hook_ctx, out_ua + c0, D, NULL, &c)
                        : ps_crossbar_read_batch(xb, N, off, rows, levels, batch_key, first_index,
                                                 hook, hook_ctx, out_ua + c0, D, NULL, &c);
            if (st == PS_OK)
                ps_crossbar_stats_add(&sum, &c);
        }
    } else {
        grid_split sp;
        st = split_rows(g, n_lists, N, off, rows, levels, &sp);
        if (st == PS_OK)
            st = read_row_tiles(g, &sp, planes, N, batch_key, first_index, hook, hook_ctx, out_ua,
                                &sum);
    }
    if (st == PS_OK)
        grid_cost(g, adds0, cost, &sum);
    return st;
}

ps_status ps_crossbar_grid_read_batch(ps_crossbar_grid *g, size_t n_reads, const uint32_t *off,
                                      const uint32_t *rows, const uint16_t *levels,
                                      uint64_t batch_key, uint64_t first_index,
                                      ps_crossbar_block_fn hook, void *hook_ctx, double *out_ua,
                                      ps_crossbar_grid_stats *cost)
{
    if (!g || (n_reads && (!off || !out_ua)) || (n_reads && off[n_reads] > off[0] && (!rows || !levels)))
        return PS_ERR_INVALID_ARG;
    return grid_batch(g, n_reads, n_reads, off, rows, levels, false, batch_key, first_index, hook,
                      hook_ctx, out_ua, cost);
}

ps_status ps_crossbar_grid_read_planes(ps_crossbar_grid *g, size_t n_reads, const uint32_t *off,
                                       const uint32_t *rows, uint64_t batch_key,
                                       uint64_t first_index, ps_crossbar_block_fn hook,
                                       void *hook_ctx, double *out_ua,
                                       ps_crossbar_grid_stats *cost)
{
    if (!g || g->n_arrays < 1)
        return PS_ERR_INVALID_ARG;
    const ps_crossbar_params *p = ps_crossbar_get_params(g->arrays[0]);
    if (p->multilevel != PS_XBAR_BIT_SERIAL)
        return PS_ERR_INVALID_ARG;
    const size_t n_lists = n_reads * (size_t)p->input_bits;
    if (n_reads && (!off || !out_ua || (off[n_lists] > off[0] && !rows)))
        return PS_ERR_INVALID_ARG;
    return grid_batch(g, n_reads, n_lists, off, rows, NULL, true, batch_key, first_index, hook,
                      hook_ctx, out_ua, cost);
}

ps_status ps_crossbar_grid_read_levels(ps_crossbar_grid *g, const uint16_t *levels,
                                       uint64_t read_key, ps_crossbar_block_fn hook,
                                       void *hook_ctx, double *out_ua,
                                       ps_crossbar_grid_stats *cost)
{
    if (!g || !levels || !out_ua)
        return PS_ERR_INVALID_ARG;
    uint32_t off[2] = {0, 0};
    for (int64_t r = 0; r < g->map.in_dim; r++)
        if (levels[r]) {
            g->nz[off[1]] = (uint32_t)r;
            g->levels[off[1]++] = levels[r];
        }
    return ps_crossbar_grid_read_batch(g, 1, off, g->nz, g->levels, read_key, 0, hook, hook_ctx,
                                       out_ua, cost);
}
