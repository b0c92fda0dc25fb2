/* Sinks derived from the records: summary.json, report.md, SVG plots. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "stats.h"
#include "svg.h"

/* docs/prime.md sec. 6: classification on N-MNIST. */
#define PAPER_ENERGY_GAIN 37.83
#define PAPER_LOAD_SAVING 0.770

static const char *const hy_parts[9] = {"crossbar", "dac", "adc", "accumulate", "lif",
                                        "buffer", "noc", "early_stop", "leakage"};
static const char *const dg_parts[6] = {"sram", "alu", "neuron", "noc", "early_stop", "leakage"};

static void jnum(FILE *f, double x)
{
    if (!isfinite(x))
        fputs("null", f);
    else
        fprintf(f, "%.17g", x);
}

static void jkey(FILE *f, const char *indent, const char *key, double x, int last)
{
    fprintf(f, "%s\"%s\": ", indent, key);
    jnum(f, x);
    fputs(last ? "\n" : ",\n", f);
}

static void json_point(FILE *f, const ps_stats_point *p, const char *ind)
{
    char in2[32];
    snprintf(in2, sizeof in2, "%s  ", ind);
    fprintf(f, "{\n%s\"theta\": ", in2);
    jnum(f, p->theta);
    fprintf(f, ",\n%s\"valid\": %s,\n%s\"samples\": %zu,\n", in2, p->valid ? "true" : "false", in2,
            p->samples);
    jkey(f, in2, "accuracy", p->accuracy, 0);
    jkey(f, in2, "mean_timesteps", p->mean_timesteps, 0);
    jkey(f, in2, "load_saving_timesteps", p->load_saving_steps, 0);
    jkey(f, in2, "load_saving_synaptic_ops", p->load_saving_synops, 0);
    jkey(f, in2, "synaptic_ops_per_sample", p->synaptic_ops, 0);
    jkey(f, in2, "mac_equivalents_per_sample", p->mac_equivalents, 0);
    jkey(f, in2, "hybrid_energy_pj_per_sample", p->hybrid_pj, 0);
    jkey(f, in2, "event_energy_pj_per_sample", p->event_pj, 0);
    jkey(f, in2, "dense_energy_pj_per_sample", p->dense_pj, 0);
    const struct {
        const char *name;
        const double *v;
        const char *const *parts;
        int n;
    } groups[3] = {{"hybrid_breakdown_pj_per_sample", p->hybrid_part_pj, hy_parts, 9},
                   {"event_breakdown_pj_per_sample", p->event_part_pj, dg_parts, 6},
                   {"dense_breakdown_pj_per_sample", p->dense_part_pj, dg_parts, 6}};
    for (int g = 0; g < 3; g++) {
        fprintf(f, "%s\"%s\": {", in2, groups[g].name);
        for (int c = 0; c < groups[g].n; c++) {
            fprintf(f, "%s\"%s\": ", c ? ", " : "", groups[g].parts[c]);
            jnum(f, groups[g].v[c]);
        }
        fputs("},\n", f);
    }
    jkey(f, in2, "hybrid_latency_ns_per_sample", p->hybrid_ns, 0);
    jkey(f, in2, "event_latency_ns_per_sample", p->event_ns, 0);
    jkey(f, in2, "dense_latency_ns_per_sample", p->dense_ns, 0);
    jkey(f, in2, "throughput_samples_per_s", p->throughput_sps, 0);
    jkey(f, in2, "edp_pj_ns", p->edp_pj_ns, 0);
    jkey(f, in2, "effective_tops_per_w", p->tops_per_w, 0);
    jkey(f, in2, "energy_ratio_event_vs_hybrid", p->event_ratio, 0);
    jkey(f, in2, "energy_ratio_dense_vs_hybrid", p->dense_ratio, 0);
    jkey(f, in2, "latency_ratio_event_vs_hybrid", p->event_latency_ratio, 0);
    jkey(f, in2, "latency_ratio_dense_vs_hybrid", p->dense_latency_ratio, 1);
    fprintf(f, "%s}", ind);
}

static size_t n_samples(const ps_stats_run *r)
{
    size_t n = 0;
    const ps_stats_record *rec = ps_stats_records(r);
    for (size_t i = 0; i < ps_stats_count(r); i++)
        n += i == 0 || rec[i].v[PS_ST_SAMPLE] != rec[i - 1].v[PS_ST_SAMPLE];
    return n;
}

ps_status ps_stats_write_summary_json(const ps_stats_run *r, const char *path, ps_error *err)
{
    if (!r || !path)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL argument");
    const ps_stats_meta *m = ps_stats_get_meta(r);
    uint64_t *hist = calloc((size_t)m->timesteps, sizeof *hist);
    if (!hist)
        return ps_error_set(err, PS_ERR_NOMEM, "stats: out of memory");
    ps_outfile out;
    const ps_status opened = ps_outfile_open(&out, path, err);
    if (opened != PS_OK) {
        free(hist);
        return opened;
    }
    FILE *f = out.f;
    fprintf(f, "{\n  \"format\": \"primesim summary 1\",\n  \"run\": {\n");
    fprintf(f, "    \"system\": \"%s\",\n    \"samples\": %zu,\n    \"records\": %zu,\n", m->system,
            n_samples(r), ps_stats_count(r));
    fprintf(f, "    \"timesteps\": %lld,\n    \"n_layers\": %lld,\n", (long long)m->timesteps,
            (long long)m->n_layers);
    jkey(f, "    ", "clock_mhz", m->clock_mhz, 0);
    jkey(f, "    ", "theta", m->theta, 0);
    fprintf(f, "    \"early_stop\": %s,\n    \"timed\": %s,\n", m->early_stop ? "true" : "false",
            m->timed ? "true" : "false");
    fprintf(f, "    \"tops_definition\": \"2 ops (multiply, add) per MAC-equivalent = dense MAC of "
               "the unpruned network per timestep run\",\n");
    fprintf(f, "    \"load_saving_definition\": \"1 - work with early stop / work at full T "
               "(work = timesteps; synaptic ops where traces reach T)\"\n  },\n");
    ps_stats_point p;
    ps_stats_point_at(r, m->theta, &p);
    fputs("  \"result\": ", f);
    json_point(f, &p, "  ");
    fputs(",\n  \"sweep\": [", f);
    for (size_t i = 0; i < m->n_thresholds; i++) {
        ps_stats_point_at(r, m->thresholds[i], &p);
        fputs(i ? ", " : "", f);
        json_point(f, &p, "    ");
    }
    fputs("],\n  \"stop_histogram\": [", f);
    ps_stats_stop_histogram(r, hist);
    for (int64_t t = 0; t < m->timesteps; t++)
        fprintf(f, "%s%llu", t ? ", " : "", (unsigned long long)hist[t]);
    fputs("],\n  \"stats\": [\n", f);
    const size_t nc = PS_ST_SPIKES_L0 + (size_t)m->n_layers;
    for (size_t c = 0; c < nc; c++) {
        const ps_stat_desc *d = ps_stat_descriptor((ps_stat_id)c);
        fprintf(f, "    {\"name\": \"%s\", \"unit\": \"%s\", \"description\": \"%s\"}%s\n", d->name,
                d->unit, d->description, c + 1 < nc ? "," : "");
    }
    fputs("  ]\n}\n", f);
    free(hist);
    return ps_outfile_close(&out, err);
}

/* ---- Markdown ---------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t size, len;
} sbuf;

static void sb(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const size_t room = b->len < b->size ? b->size - b->len : 0;
    const int n = vsnprintf(b->p + b->len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
    if (b->len >= b->size && b->size)
        b->p[b->size - 1] = '\0';
}

static void fmt_x(char *out, size_t n, double x, const char *f)
{
    if (!isfinite(x))
        snprintf(out, n, "n/a");
    else
        snprintf(out, n, f, x);
}

/* | theta | accuracy | mean T | saving | hybrid nJ | event nJ | dense nJ | ratios | */
static void sweep_table(const ps_stats_run *r, sbuf *b)
{
    const ps_stats_meta *m = ps_stats_get_meta(r);
    sb(b, "| θ | accuracy | mean timesteps | load saving | hybrid nJ/sample | event-driven nJ | "
          "dense nJ | event / hybrid | dense / hybrid |\n|---|---|---|---|---|---|---|---|---|\n");
    const size_t n = m->n_thresholds ? m->n_thresholds : 1;
    for (size_t i = 0; i < n; i++) {
        ps_stats_point p;
        ps_stats_point_at(r, m->n_thresholds ? m->thresholds[i] : m->theta, &p);
        char c[9][32];
        fmt_x(c[0], 32, p.accuracy * 100, "%.2f %%");
        fmt_x(c[1], 32, p.mean_timesteps, "%.3f");
        fmt_x(c[2], 32, p.load_saving_steps * 100, "%.1f %%");
        fmt_x(c[3], 32, p.hybrid_pj * 1e-3, "%.4g");
        fmt_x(c[4], 32, p.event_pj * 1e-3, "%.4g");
        fmt_x(c[5], 32, p.dense_pj * 1e-3, "%.4g");
        fmt_x(c[6], 32, p.event_ratio, "%.2f×");
        fmt_x(c[7], 32, p.dense_ratio, "%.2f×");
        sb(b, "| %g%s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p.theta,
           p.theta == m->theta ? " (run)" : "", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
    }
}

ps_status ps_stats_format_table(const ps_stats_run *r, char *buf, size_t size)
{
    if (!r || !buf || !size)
        return PS_ERR_INVALID_ARG;
    sbuf b = {buf, size, 0};
    buf[0] = '\0';
    sweep_table(r, &b);
    return b.len < size ? PS_OK : PS_ERR_RANGE;
}

/* ---- SVG ---------------------------------------------------------------------- */

/* Line chart of n_series series over xs (series s at ys[s * n + i]); a
 * linear y axis starts at 0 when from_zero, else fits the data. */
static ps_status svg_lines(const char *dir, const char *file, const char *title, const char *xl,
                           const char *yl, const double *xs, size_t n, const double *ys,
                           size_t n_series, const char *const *names, bool log_y, bool from_zero,
                           ps_error *err)
{
    ps_svg svg;
    const ps_status opened = ps_svg_open(&svg, dir, file, title, err);
    if (opened != PS_OK)
        return opened;
    FILE *f = svg.f;
    ps_svg_axis x = {INFINITY, -INFINITY, false, false, 0};
    ps_svg_axis y = {INFINITY, -INFINITY, log_y, false, 0};
    for (size_t i = 0; i < n; i++) {
        x.lo = fmin(x.lo, xs[i]);
        x.hi = fmax(x.hi, xs[i]);
        for (size_t s = 0; s < n_series; s++) {
            const double v = ys[s * n + i];
            if (isfinite(v) && (!log_y || v > 0)) {
                y.lo = fmin(y.lo, v);
                y.hi = fmax(y.hi, v);
            }
        }
    }
    if (!log_y && from_zero && isfinite(y.lo) && y.lo > 0)
        y.lo = 0;
    ps_svg_nice_axis(&x);
    ps_svg_nice_axis(&y);
    ps_svg_axes(&svg, &x, &y, xl, yl, true);
    for (size_t s = 0; s < n_series; s++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                ps_svg_colours[s % 10]);
        for (size_t i = 0; i < n; i++) {
            const double v = ys[s * n + i];
            if (isfinite(v) && (!log_y || v > 0))
                fprintf(f, "%.1f,%.1f ", ps_svg_px(&svg, &x, xs[i]), ps_svg_py(&svg, &y, v));
        }
        fputs("\"/>\n", f);
        for (size_t i = 0; i < n; i++) {
            const double v = ys[s * n + i];
            if (isfinite(v) && (!log_y || v > 0))
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                        ps_svg_px(&svg, &x, xs[i]), ps_svg_py(&svg, &y, v),
                        ps_svg_colours[s % 10]);
        }
        ps_svg_legend(&svg, (int)s, (int)s, names[s]);
    }
    return ps_svg_close(&svg, err);
}

/* A category label under the plot, centred at x within width w: on two
 * lines (split at the space nearest the middle) when one is too wide. */
static void category_label(ps_svg *svg, double x, double w, const char *text)
{
    const double y = svg->bottom + 18;
    if (ps_svg_text_width(text, PS_SVG_FONT) <= w - 4 || !strchr(text, ' ')) {
        ps_svg_label(svg, x, y, "middle", PS_SVG_FONT, text);
        return;
    }
    const size_t len = strlen(text);
    size_t cut = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == ' ' && (!cut || labs((long)i - (long)len / 2) < labs((long)cut - (long)len / 2)))
            cut = i;
    char first[128];
    snprintf(first, sizeof first, "%.*s", (int)cut, text);
    ps_svg_label(svg, x, y, "middle", PS_SVG_FONT, first);
    ps_svg_label(svg, x, y + 15, "middle", PS_SVG_FONT, text + cut + 1);
}

/* Energy per sample of each platform on a log axis: a wide pale bar for
 * the total, labelled with its value, and inside it a narrow bar per
 * component (v[b * n_parts + c]; zero components are left out). Log,
 * because the platforms differ by decades: on a linear axis the hybrid
 * chip's bar would be a line. */
static ps_status svg_platforms(const char *dir, const char *file, const char *title,
                               const char *yl, const char *const *bars, size_t n_bars,
                               const char *const *parts, size_t n_parts, const double *v,
                               ps_error *err)
{
    ps_svg svg;
    const ps_status opened = ps_svg_open(&svg, dir, file, title, err);
    if (opened != PS_OK)
        return opened;
    FILE *f = svg.f;
    double total[8] = {0}, max_total = 0, min_part = INFINITY;
    for (size_t b = 0; b < n_bars && b < 8; b++) {
        for (size_t c = 0; c < n_parts; c++) {
            const double e = v[b * n_parts + c];
            if (isfinite(e) && e > 0) {
                total[b] += e;
                min_part = fmin(min_part, e);
            }
        }
        max_total = fmax(max_total, total[b]);
    }
    /* The tallest total's label fits between the plot and the title even
     * when the bar reaches the top; parts more than 6 decades below the
     * largest total are clipped at the bottom (their values are in the
     * report's tables). */
    ps_svg_axis x = {0, 1, false, false, 0};
    ps_svg_axis y = {fmax(min_part, max_total * 1e-6), max_total, true, false, 0};
    ps_svg_nice_axis(&y);
    ps_svg_axes(&svg, &x, &y, "", yl, false);
    const double slot = (svg.right - svg.left) / (double)n_bars;
    bool used[16] = {false};
    for (size_t b = 0; b < n_bars && b < 8; b++) {
        const double gx = svg.left + slot * (double)b;
        if (total[b] > 0) {
            const double top = ps_svg_py(&svg, &y, total[b]);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e8e8e8\" "
                    "stroke=\"#999\"/>\n",
                    gx + slot * 0.08, top, slot * 0.84, svg.bottom - top);
            char label[64], num[48];
            ps_svg_value_label(total[b], num, sizeof num);
            snprintf(label, sizeof label, "%s nJ", num);
            ps_svg_label(&svg, gx + slot / 2, top - 5, "middle", PS_SVG_FONT, label);
        }
        size_t shown = 0;
        for (size_t c = 0; c < n_parts; c++)
            shown += v[b * n_parts + c] > 0;
        const double bw = shown ? fmin(14, slot * 0.76 / (double)shown) : 0;
        double bx = gx + slot / 2 - bw * (double)shown / 2;
        for (size_t c = 0; c < n_parts; c++) {
            const double e = v[b * n_parts + c];
            if (!(e > 0))
                continue;
            used[c % 16] = true;
            const double top = ps_svg_py(&svg, &y, fmax(e, y.lo));
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                    "<title>%s: %.4g nJ</title></rect>\n",
                    bx, top, bw * 0.85, svg.bottom - top, ps_svg_colours[c % 10], parts[c], e);
            bx += bw;
        }
        category_label(&svg, gx + slot / 2, slot, bars[b]);
    }
    int row = 0;
    for (size_t c = 0; c < n_parts; c++)
        if (used[c % 16]) /* only parts some platform has, each in its colour */
            ps_svg_legend(&svg, row++, (int)c, parts[c]);
    return ps_svg_close(&svg, err);
}

/* Horizontal bars, largest first: a name left of each bar, its value and
 * share of the sum right of it; a linear axis (shares of one total). */
static ps_status svg_shares(const char *dir, const char *file, const char *title, const char *xl,
                            const char *const *names, size_t n, const double *v, ps_error *err)
{
    ps_svg svg;
    const ps_status opened = ps_svg_open(&svg, dir, file, title, err);
    if (opened != PS_OK)
        return opened;
    FILE *f = svg.f;
    size_t order[32];
    double sum = 0, max = 0, name_w = 0;
    n = n < 32 ? n : 32;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        const double e = isfinite(v[i]) ? v[i] : 0;
        sum += e;
        max = fmax(max, e);
        name_w = fmax(name_w, ps_svg_text_width(names[i], PS_SVG_FONT));
    }
    for (size_t i = 1; i < n; i++) /* insertion sort, descending; ties keep their order */
        for (size_t j = i; j > 0 && v[order[j]] > v[order[j - 1]]; j--) {
            const size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    ps_svg_axis x = {0, max > 0 ? max : 1, false, false, 0};
    ps_svg_nice_axis(&x);
    /* names in the left margin, values in the right one (no legend here) */
    svg.left = 12 + name_w + 8;
    const double x0 = svg.left, y0 = svg.bottom, y1 = svg.top;
    double t[PS_SVG_MAX_TICKS];
    const size_t nt = ps_svg_ticks(&x, t, PS_SVG_MAX_TICKS);
    char buf[96], num[48];
    for (size_t i = 0; i < nt; i++) {
        const double px = ps_svg_px(&svg, &x, t[i]);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                px, px, y0, y1);
        ps_svg_tick_label(&x, t[i], buf, sizeof buf);
        ps_svg_label(&svg, px, y0 + 18, "middle", PS_SVG_FONT, buf);
    }
    const double row = (y0 - y1) / (double)(n ? n : 1);
    for (size_t k = 0; k < n; k++) {
        const size_t i = order[k];
        const double e = isfinite(v[i]) ? v[i] : 0;
        const double cy = y1 + row * ((double)k + 0.5), h = fmin(18, row * 0.7);
        const double px = ps_svg_px(&svg, &x, e);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                x0, cy - h / 2, px - x0, h, ps_svg_colours[i % 10]);
        ps_svg_label(&svg, x0 - 8, cy + 4, "end", PS_SVG_FONT, names[i]);
        ps_svg_value_label(e, num, sizeof num);
        snprintf(buf, sizeof buf, "%s (%.1f %%)", num, sum > 0 ? e / sum * 100 : 0.0);
        ps_svg_label(&svg, px + 5, cy + 4, "start", PS_SVG_FONT, buf);
    }
    fprintf(f, "<path d=\"M%.1f %.1f V%.1f H%.1f\" stroke=\"black\" fill=\"none\"/>\n", x0, y1,
            y0, svg.right);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n",
            (x0 + svg.right) / 2, PS_SVG_H - 14, xl);
    return ps_svg_close(&svg, err);
}

/* Vertical bars of counts over labelled categories (a histogram): an
 * integer axis from 0, each count above its bar where there is room. */
static ps_status svg_counts(const char *dir, const char *file, const char *title, const char *xl,
                            const char *yl, const char *const *labels, size_t n, const double *v,
                            ps_error *err)
{
    ps_svg svg;
    const ps_status opened = ps_svg_open(&svg, dir, file, title, err);
    if (opened != PS_OK)
        return opened;
    FILE *f = svg.f;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = fmax(max, isfinite(v[i]) ? v[i] : 0);
    ps_svg_axis x = {0, 1, false, false, 0};
    ps_svg_axis y = {0, max > 0 ? max * 1.08 : 1, false, true, 0}; /* room for the labels */
    ps_svg_nice_axis(&y);
    svg.right = PS_SVG_W - 30; /* no legend */
    ps_svg_axes(&svg, &x, &y, xl, yl, false);
    const double slot = (svg.right - svg.left) / (double)(n ? n : 1);
    char buf[48];
    double label_w = 0;
    for (size_t i = 0; i < n; i++)
        label_w = fmax(label_w, ps_svg_text_width(labels[i], PS_SVG_FONT));
    const size_t every = label_w + 6 <= slot ? 1 : (size_t)ceil((label_w + 6) / slot);
    for (size_t i = 0; i < n; i++) {
        const double e = isfinite(v[i]) ? v[i] : 0, cx = svg.left + slot * ((double)i + 0.5);
        const double top = ps_svg_py(&svg, &y, e);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                cx - slot * 0.4, top, slot * 0.8, svg.bottom - top, ps_svg_colours[0]);
        if (e > 0) {
            ps_svg_value_label(e, buf, sizeof buf);
            ps_svg_label(&svg, cx, top - 4, "middle", PS_SVG_FONT, buf);
        }
        if (i % every == 0)
            ps_svg_label(&svg, cx, svg.bottom + 18, "middle", PS_SVG_FONT, labels[i]);
    }
    return ps_svg_close(&svg, err);
}

/* ---- report.md ------------------------------------------------------------------ */

static ps_status write_plots(const ps_stats_run *r, const char *dir, ps_error *err)
{
    const ps_stats_meta *m = ps_stats_get_meta(r);
    ps_stats_point p;
    ps_stats_point_at(r, m->theta, &p);
    ps_status s;
    {
        /* Energy breakdown, nJ per sample: parts union over the platforms. */
        static const char *const parts[] = {"crossbar",   "dac",   "adc",  "accumulate / alu",
                                            "lif / neuron", "buffer", "noc", "early stop",
                                            "leakage",    "sram"};
        static const char *const bars[] = {"hybrid", "event-driven digital", "dense digital"};
        double v[3 * 10] = {0};
        for (int c = 0; c < 9; c++)
            v[c] = p.hybrid_part_pj[c] * 1e-3;
        const double *dg[2] = {p.event_part_pj, p.dense_part_pj};
        static const int dg_slot[6] = {9, 3, 4, 6, 7, 8}; /* sram alu neuron noc es leak */
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 6; c++)
                v[(b + 1) * 10 + dg_slot[c]] = dg[b][c] * 1e-3;
        if ((s = svg_platforms(dir, "energy_breakdown.svg",
                               "Energy per sample by platform and component",
                               "nJ per sample (log scale)", bars, 3, parts, 10, v, err)) != PS_OK)
            return s;
        static const char *const hy_names[9] = {"crossbar", "dac",  "adc",        "accumulate",
                                                "lif",      "buffer", "noc", "early stop",
                                                "leakage"};
        if ((s = svg_shares(dir, "energy_breakdown_hybrid.svg",
                            "Hybrid chip: energy per sample by component", "nJ per sample",
                            hy_names, 9, v, err)) != PS_OK)
            return s;
    }
    const size_t nt = m->n_thresholds;
    if (nt) {
        double xs[PS_STATS_MAX_THRESHOLDS], ys[3 * PS_STATS_MAX_THRESHOLDS];
        double acc[PS_STATS_MAX_THRESHOLDS], steps[PS_STATS_MAX_THRESHOLDS];
        for (size_t i = 0; i < nt; i++) {
            ps_stats_point q;
            ps_stats_point_at(r, m->thresholds[i], &q);
            xs[i] = m->thresholds[i];
            acc[i] = q.accuracy * 100;
            steps[i] = q.mean_timesteps;
            ys[i] = q.hybrid_pj * 1e-3;
            ys[nt + i] = q.event_pj * 1e-3;
            ys[2 * nt + i] = q.dense_pj * 1e-3;
        }
        static const char *const acc_name[] = {"accuracy"}, *const steps_name[] = {"mean timesteps"};
        static const char *const e_names[] = {"hybrid", "event-driven", "dense"};
        if ((s = svg_lines(dir, "accuracy_vs_threshold.svg", "Accuracy vs early-stop threshold",
                           "threshold θ", "accuracy (%)", xs, nt, acc, 1, acc_name, false, false,
                           err)) !=
                PS_OK ||
            (s = svg_lines(dir, "timesteps_vs_threshold.svg",
                           "Mean timesteps vs early-stop threshold", "threshold θ",
                           "mean timesteps", xs, nt, steps, 1, steps_name, false, true, err)) !=
                PS_OK ||
            (s = svg_lines(dir, "energy_vs_threshold.svg", "Energy per sample vs threshold",
                           "threshold θ", "nJ per sample (log scale)", xs, nt, ys, 3, e_names,
                           true, false, err)) != PS_OK)
            return s;
    }
    {
        const size_t T = (size_t)m->timesteps;
        uint64_t *hist = calloc(T, sizeof *hist);
        double *buf = calloc(4 * T, sizeof *buf);
        if (!hist || !buf) {
            free(hist);
            free(buf);
            return ps_error_set(err, PS_ERR_NOMEM, "stats: out of memory");
        }
        ps_stats_stop_histogram(r, hist);
        static const char *const bars_t[64] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
                                               "11", "12", "13", "14", "15", "16", "17", "18", "19",
                                               "20", "21", "22", "23", "24", "25", "26", "27", "28",
                                               "29", "30", "31", "32"};
        for (size_t t = 0; t < T; t++)
            buf[t] = (double)hist[t];
        s = T <= 32 ? svg_counts(dir, "stop_histogram.svg", "Stop timestep (run threshold)",
                                 "timestep at which the sample stopped", "samples", bars_t, T, buf,
                                 err)
                    : PS_OK;
        /* Per-timestep energy of the first sample's trace. */
        const ps_stats_record *rec = ps_stats_records(r);
        size_t n = 0;
        while (n < ps_stats_count(r) && n < T && rec[n].v[PS_ST_SAMPLE] == rec[0].v[PS_ST_SAMPLE])
            n++;
        for (size_t i = 0; i < n; i++) {
            buf[i] = rec[i].v[PS_ST_T];
            buf[T + i] = rec[i].v[PS_ST_HY_TOTAL_PJ] * 1e-3;
            buf[T + n + i] = rec[i].v[PS_ST_EV_TOTAL_PJ] * 1e-3;
            buf[T + 2 * n + i] = rec[i].v[PS_ST_DN_TOTAL_PJ] * 1e-3;
        }
        static const char *const e_names[] = {"hybrid", "event-driven", "dense"};
        char title[96];
        snprintf(title, sizeof title, "Energy per timestep, sample %.0f",
                 n ? rec[0].v[PS_ST_SAMPLE] : 0.0);
        if (s == PS_OK)
            s = svg_lines(dir, "timestep_energy.svg", title, "timestep", "nJ (log scale)", buf, n,
                          buf + T, 3, e_names, true, false, err);
        free(hist);
        free(buf);
    }
    return s;
}

static const char *largest_part(const double *v, const char *const *names, int n, double *share)
{
    double tot = 0, best = -1;
    int k = 0;
    for (int c = 0; c < n; c++) {
        tot += v[c];
        if (v[c] > best) {
            best = v[c];
            k = c;
        }
    }
    *share = tot > 0 ? best / tot : 0;
    return names[k];
}

ps_status ps_stats_write_report(const ps_stats_run *r, const char *dir, const char *title,
                                ps_error *err)
{
    if (!r || !dir)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL argument");
    ps_status s = write_plots(r, dir, err);
    if (s != PS_OK)
        return s;
    const ps_stats_meta *m = ps_stats_get_meta(r);
    size_t cap = 1 << 16;
    char *text = malloc(cap);
    if (!text)
        return ps_error_set(err, PS_ERR_NOMEM, "stats: out of memory");
    sbuf b = {text, cap, 0};
    text[0] = '\0';
    ps_stats_point p;
    ps_stats_point_at(r, m->theta, &p);
    sb(&b, "# %s\n\n", title ? title : "primesim report");
    sb(&b, "System `%s`, %zu samples, T = %lld timesteps, early-stop threshold θ = %g (%s), "
           "hybrid clock %g MHz%s.\n\n",
       m->system, n_samples(r), (long long)m->timesteps, m->theta,
       m->early_stop ? "samples stopped early" : "traced at full T, stops replayed",
       m->clock_mhz, m->timed ? "" : " (golden model: no timing)");
    char c[24][48];
    sb(&b, "## Result at θ = %g\n\n| quantity | hybrid | event-driven digital | dense digital |\n"
           "|---|---|---|---|\n", m->theta);
    fmt_x(c[0], 48, p.hybrid_pj * 1e-3, "%.4g");
    fmt_x(c[1], 48, p.event_pj * 1e-3, "%.4g");
    fmt_x(c[2], 48, p.dense_pj * 1e-3, "%.4g");
    sb(&b, "| energy per sample (nJ) | %s | %s | %s |\n", c[0], c[1], c[2]);
    fmt_x(c[0], 48, p.hybrid_ns * 1e-3, "%.4g");
    fmt_x(c[1], 48, p.event_ns * 1e-3, "%.4g");
    fmt_x(c[2], 48, p.dense_ns * 1e-3, "%.4g");
    sb(&b, "| latency per sample (µs) | %s | %s | %s |\n", c[0], c[1], c[2]);
    fmt_x(c[0], 48, p.event_ratio, "%.2f×");
    fmt_x(c[1], 48, p.dense_ratio, "%.2f×");
    sb(&b, "| energy vs hybrid | 1× | %s | %s |\n", c[0], c[1]);
    fmt_x(c[0], 48, p.event_latency_ratio, "%.2f×");
    fmt_x(c[1], 48, p.dense_latency_ratio, "%.2f×");
    sb(&b, "| latency vs hybrid | 1× | %s | %s |\n\n", c[0], c[1]);
    fmt_x(c[0], 48, p.accuracy * 100, "%.2f %%");
    fmt_x(c[1], 48, p.mean_timesteps, "%.3f");
    fmt_x(c[2], 48, p.load_saving_steps * 100, "%.1f %%");
    fmt_x(c[3], 48, p.load_saving_synops * 100, "%.1f %%");
    fmt_x(c[4], 48, p.throughput_sps, "%.4g");
    fmt_x(c[5], 48, p.edp_pj_ns, "%.4g");
    fmt_x(c[6], 48, p.tops_per_w, "%.4g");
    fmt_x(c[7], 48, p.synaptic_ops, "%.4g");
    fmt_x(c[8], 48, p.mac_equivalents, "%.4g");
    sb(&b, "| quantity | value |\n|---|---|\n| accuracy | %s |\n| mean timesteps | %s |\n"
           "| load saving (timesteps) | %s |\n| load saving (synaptic ops) | %s |\n"
           "| synaptic ops per sample | %s |\n| MAC-equivalents per sample | %s |\n"
           "| throughput (samples/s, one at a time) | %s |\n| energy-delay product (pJ·ns) | %s |\n"
           "| effective TOPS/W | %s |\n\n",
       c[0], c[1], c[2], c[3], c[7], c[8], c[4], c[5], c[6]);
    sb(&b, "Effective TOPS/W counts 2 operations (multiply, add) per MAC-equivalent, a "
           "MAC-equivalent being one dense MAC of the unpruned network in a timestep run; "
           "ops/pJ = TOPS/W. Load saving = 1 − work with early stop / work at full T.\n\n");

    sb(&b, "## Classification table (threshold sweep, one pass)\n\n");
    sweep_table(r, &b);
    sb(&b, "\n![accuracy](accuracy_vs_threshold.svg) ![timesteps](timesteps_vs_threshold.svg)\n"
           "![energy](energy_vs_threshold.svg)\n\n");

    sb(&b, "## Energy breakdown per sample at θ = %g (nJ)\n\n| component | hybrid |\n|---|---|\n",
       m->theta);
    for (int k = 0; k < 9; k++) {
        fmt_x(c[0], 48, p.hybrid_part_pj[k] * 1e-3, "%.4g");
        fmt_x(c[1], 48, p.hybrid_pj > 0 ? p.hybrid_part_pj[k] / p.hybrid_pj * 100 : NAN,
              "%.1f %%");
        sb(&b, "| %s | %s (%s) |\n", hy_parts[k], c[0], c[1]);
    }
    sb(&b, "\n| component | event-driven digital | dense digital |\n|---|---|---|\n");
    for (int k = 0; k < 6; k++) {
        fmt_x(c[0], 48, p.event_part_pj[k] * 1e-3, "%.4g");
        fmt_x(c[1], 48, p.dense_part_pj[k] * 1e-3, "%.4g");
        sb(&b, "| %s | %s | %s |\n", dg_parts[k], c[0], c[1]);
    }
    sb(&b, "\n![breakdown](energy_breakdown.svg) ![hybrid](energy_breakdown_hybrid.svg)\n"
           "![stops](stop_histogram.svg) ![per timestep](timestep_energy.svg)\n\n");

    /* Paper comparison: the gap and what it comes from, from this run's figures. */
    double hy_share, ev_share;
    const char *hy_big = largest_part(p.hybrid_part_pj, hy_parts, 9, &hy_share);
    const char *ev_big = largest_part(p.event_part_pj, dg_parts, 6, &ev_share);
    sb(&b, "## Paper comparison (docs/prime.md sec. 6, classification on N-MNIST)\n\n"
           "| quantity | PRIME (paper) | this run | gap |\n|---|---|---|---|\n");
    fmt_x(c[0], 48, p.event_ratio, "%.2f×");
    fmt_x(c[1], 48, PAPER_ENERGY_GAIN / p.event_ratio, "paper / this run = %.2f");
    sb(&b, "| energy-efficiency gain vs event-driven digital | %.2f× | %s | %s |\n",
       PAPER_ENERGY_GAIN, c[0], c[1]);
    fmt_x(c[0], 48, p.dense_ratio, "%.2f×");
    fmt_x(c[1], 48, PAPER_ENERGY_GAIN / p.dense_ratio, "paper / this run = %.2f");
    sb(&b, "| energy-efficiency gain vs dense digital | %.2f× | %s | %s |\n", PAPER_ENERGY_GAIN,
       c[0], c[1]);
    fmt_x(c[0], 48, p.load_saving_steps * 100, "%.1f %%");
    fmt_x(c[1], 48, (p.load_saving_steps - PAPER_LOAD_SAVING) * 100, "%+.1f points");
    sb(&b, "| computational load saving | %.1f %% (≈ 2.3 of 10 steps) | %s | %s |\n",
       PAPER_LOAD_SAVING * 100, c[0], c[1]);
    fmt_x(c[0], 48, p.accuracy * 100, "%.2f %%");
    sb(&b, "| accuracy at the run's θ | ≈ 95 %% at 77 %% saving (θ ≈ 0.27) | %s (θ = %g) | |\n",
       c[0], m->theta);
    /* The swept threshold whose saving is closest to the paper's. */
    ps_stats_point near = {0};
    for (size_t i = 0; i < m->n_thresholds; i++) {
        ps_stats_point q;
        ps_stats_point_at(r, m->thresholds[i], &q);
        if (q.valid && (!near.valid || fabs(q.load_saving_steps - PAPER_LOAD_SAVING) <
                                           fabs(near.load_saving_steps - PAPER_LOAD_SAVING)))
            near = q;
    }
    if (near.valid) {
        fmt_x(c[0], 48, near.load_saving_steps * 100, "%.1f %%");
        fmt_x(c[1], 48, near.accuracy * 100, "%.2f %%");
        fmt_x(c[2], 48, near.event_ratio, "%.2f×");
        fmt_x(c[3], 48, near.dense_ratio, "%.2f×");
        sb(&b, "| sweep point nearest 77 %% saving | 77.0 %%, ≈ 95 %%, 37.83× | θ = %g: %s saving, "
               "%s accuracy, %s (event) / %s (dense) | |\n", near.theta, c[0], c[1], c[2], c[3]);
    }
    sb(&b, "\n");
    sb(&b, "Why the figures differ (no constant is tuned to the paper):\n\n"
           "- The paper's 37.83× is a *projection* whose digital-baseline constants and operation "
           "counts are not published (docs/prime.md sec. 5); here both sides use per-operation "
           "constants with a source each (configs/energy/, `primesim params`), at the node their "
           "source measured.\n"
           "- In this run the hybrid chip's energy is dominated by **%s** (%.0f %% of it); the "
           "event-driven baseline's by **%s** (%.0f %%). The ratio moves with exactly these "
           "constants: the ADC and driver energies per conversion/row and the SRAM read energy "
           "per weight.\n"
           "- The event-driven baseline exploits the same input and spike sparsity as the chip "
           "(one SRAM read + one add per synaptic event), so its gap to the hybrid chip is "
           "smaller than the dense baseline's, which pays every MAC of the unpruned network.\n"
           "- Load saving depends on how soon this workload's outputs pass θ: the network, the "
           "data (N-MNIST converted from MNIST by saccades, not the sensor recordings) and θ "
           "differ from the paper's released model.\n\n",
       hy_big, hy_share * 100, ev_big, ev_share * 100);
    sb(&b, "## Files\n\n`timesteps.csv` (one row per sample × timestep; columns and units in "
           "`summary.json` → `stats`), `summary.json`, `config.resolved.yaml`, `samples.csv`.\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/report.md", dir);
    if (b.len >= cap) {
        free(text);
        return ps_error_set(err, PS_ERR_RANGE, "%s: report longer than its buffer", path);
    }
    ps_outfile out;
    s = ps_outfile_open(&out, path, err);
    if (s == PS_OK) {
        fputs(text, out.f);
        s = ps_outfile_close(&out, err);
    }
    free(text);
    return s;
}

/* timesteps.csv (stats.c) and summary.json (here): the sinks every run writes. */
ps_status ps_stats_write_outputs(ps_stats_run *r, const char *dir, ps_error *err)
{
    if (!r || !dir)
        return ps_error_set(err, PS_ERR_INVALID_ARG, "stats: NULL argument");
    char path[4096];
    ps_status s = ps_stats_sort(r, err);
    if (s != PS_OK)
        return s;
    snprintf(path, sizeof path, "%s/timesteps.csv", dir);
    if ((s = ps_stats_write_csv(r, path, err)) != PS_OK)
        return s;
    snprintf(path, sizeof path, "%s/summary.json", dir);
    return ps_stats_write_summary_json(r, path, err);
}
