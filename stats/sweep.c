#include "sweep.h"

#include <math.h>
#include <string.h>

#include "svg.h"

static const char *const state_names[] = {"ok", "failed", "not run"};

static const char *const objective_names[PS_SWEEP_N_OBJECTIVES] = {
    "energy", "latency", "accuracy", "adcs", "arrays", "tiles"};

unsigned ps_sweep_objective_of(const char *name)
{
    for (int k = 0; k < PS_SWEEP_N_OBJECTIVES; k++)
        if (strcmp(name, objective_names[k]) == 0)
            return 1u << k;
    return 0;
}

void ps_sweep_objectives_text(unsigned objectives, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < PS_SWEEP_N_OBJECTIVES; k++)
        if (objectives & (1u << k)) {
            const int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", objective_names[k]);
            if (w < 0 || (size_t)w >= size - len)
                return;
            len += (size_t)w;
        }
}

/* Objective k of a row as "lower is better"; unknown = +inf. */
static double cost(const ps_sweep_row *r, int k)
{
    double x;
    switch (1u << k) {
    case PS_SWEEP_ENERGY: x = r->result.hybrid_pj; break;
    case PS_SWEEP_LATENCY: x = r->result.hybrid_ns; break;
    case PS_SWEEP_ACCURACY: x = -r->result.accuracy; break;
    case PS_SWEEP_ADCS: x = r->adcs < 0 ? NAN : (double)r->adcs; break;
    case PS_SWEEP_ARRAYS: x = r->arrays < 0 ? NAN : (double)r->arrays; break;
    default: x = r->tiles < 0 ? NAN : (double)r->tiles; break;
    }
    return isfinite(x) ? x : INFINITY;
}

static bool dominates(const ps_sweep_row *a, const ps_sweep_row *b, unsigned objectives)
{
    bool better = false;
    for (int k = 0; k < PS_SWEEP_N_OBJECTIVES; k++) {
        if (!(objectives & (1u << k)))
            continue;
        const double ca = cost(a, k), cb = cost(b, k);
        if (ca > cb)
            return false;
        better |= ca < cb;
    }
    return better;
}

void ps_sweep_pareto(const ps_sweep_row *rows, size_t n, unsigned objectives, bool *pareto)
{
    for (size_t i = 0; i < n; i++) {
        pareto[i] = rows[i].state == PS_SWEEP_OK;
        for (size_t j = 0; j < n && pareto[i]; j++)
            if (j != i && rows[j].state == PS_SWEEP_OK && dominates(&rows[j], &rows[i], objectives))
                pareto[i] = false;
    }
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, ",%.17g", x);
    else
        fputs(",", f);
}

static void csv_int(FILE *f, int64_t x)
{
    if (x >= 0)
        fprintf(f, ",%lld", (long long)x);
    else
        fputs(",", f);
}

void ps_sweep_write_csv(FILE *f, const char *const *params, size_t n_params,
                        const ps_sweep_row *rows, size_t n, const bool *pareto)
{
    fputs("point", f);
    for (size_t k = 0; k < n_params; k++) {
        fputc(',', f);
        csv_field(f, params[k]);
    }
    fputs(",state,samples,accuracy,mean_timesteps,energy_pj_per_sample,latency_ns_per_sample,"
          "tiles,arrays,adcs,event_energy_ratio,dense_energy_ratio,event_latency_ratio,"
          "dense_latency_ratio,pareto,error\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const ps_sweep_row *r = &rows[i];
        csv_field(f, r->point);
        for (size_t k = 0; k < n_params; k++) {
            fputc(',', f);
            csv_field(f, r->values[k]);
        }
        fprintf(f, ",%s", state_names[r->state]);
        if (r->state == PS_SWEEP_OK) {
            const ps_stats_point *p = &r->result;
            fprintf(f, ",%zu", p->samples);
            csv_num(f, p->accuracy);
            csv_num(f, p->mean_timesteps);
            csv_num(f, p->hybrid_pj);
            csv_num(f, p->hybrid_ns);
            csv_int(f, r->tiles);
            csv_int(f, r->arrays);
            csv_int(f, r->adcs);
            csv_num(f, p->event_ratio);
            csv_num(f, p->dense_ratio);
            csv_num(f, p->event_latency_ratio);
            csv_num(f, p->dense_latency_ratio);
        } else {
            fputs(",,,,,,,,,,,,", f);
        }
        fprintf(f, ",%d,", pareto[i] ? 1 : 0);
        csv_field(f, r->state == PS_SWEEP_FAILED && r->error ? r->error : "");
        fputc('\n', f);
    }
}

/* Markdown cell text: '|' would end the cell, newlines the row. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void md_num(FILE *f, const char *fmt, double x)
{
    fputs(" | ", f);
    if (isfinite(x))
        fprintf(f, fmt, x);
    else
        fputs("n/a", f);
}

static void md_int(FILE *f, int64_t x)
{
    if (x >= 0)
        fprintf(f, " | %lld", (long long)x);
    else
        fputs(" | n/a", f);
}

void ps_sweep_write_markdown(FILE *f, const char *title, const char *const *params,
                             size_t n_params, const ps_sweep_row *rows, size_t n,
                             const bool *pareto, unsigned objectives)
{
    char objs[128];
    ps_sweep_objectives_text(objectives, objs, sizeof objs);
    size_t ok = 0, failed = 0, n_pareto = 0;
    for (size_t i = 0; i < n; i++) {
        ok += rows[i].state == PS_SWEEP_OK;
        failed += rows[i].state == PS_SWEEP_FAILED;
        n_pareto += pareto[i];
    }
    fprintf(f, "# %s\n\n%zu points: %zu ok, %zu failed, %zu not run. Figures are per sample at each "
               "point's early-stop threshold; ratios are baseline / hybrid. ★ marks the %zu "
               "Pareto-optimal points (objectives: %s).\n\n",
            title, n, ok, failed, n - ok - failed, n_pareto, objs);
    fputs("| point", f);
    for (size_t k = 0; k < n_params; k++) {
        fputs(" | ", f);
        md_text(f, params[k]);
    }
    fputs(" | accuracy | mean T | energy nJ | latency µs | tiles | arrays | ADCs | event / hybrid "
          "energy | dense / hybrid energy | Pareto |\n|---",
          f);
    for (size_t k = 0; k < n_params + 10; k++)
        fputs("|---", f);
    fputs("|\n", f);
    for (size_t i = 0; i < n; i++) {
        const ps_sweep_row *r = &rows[i];
        fprintf(f, "| %s", r->point);
        for (size_t k = 0; k < n_params; k++) {
            fputs(" | ", f);
            md_text(f, r->values[k]);
        }
        if (r->state != PS_SWEEP_OK) {
            fprintf(f, " | %s", state_names[r->state]);
            if (r->state == PS_SWEEP_FAILED && r->error) {
                fputs(": ", f);
                md_text(f, r->error);
            }
            fputs(" | | | | | | | | | |\n", f);
            continue;
        }
        const ps_stats_point *p = &r->result;
        md_num(f, "%.2f %%", p->accuracy * 100);
        md_num(f, "%.3f", p->mean_timesteps);
        md_num(f, "%.4g", p->hybrid_pj * 1e-3);
        md_num(f, "%.4g", p->hybrid_ns * 1e-3);
        md_int(f, r->tiles);
        md_int(f, r->arrays);
        md_int(f, r->adcs);
        md_num(f, "%.2f×", p->event_ratio);
        md_num(f, "%.2f×", p->dense_ratio);
        fprintf(f, " | %s |\n", pareto[i] ? "★" : "");
    }
}

/* Accuracy colour: a five-stop perceptual scale (viridis), dark = low. */
static void accuracy_colour(double f, char out[8])
{
    static const unsigned char stops[5][3] = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    f = isfinite(f) ? fmin(1, fmax(0, f)) : 0;
    const double x = f * 4;
    const int k = x >= 4 ? 3 : (int)x;
    const double t = x - k;
    unsigned c[3];
    for (int j = 0; j < 3; j++)
        c[j] = (unsigned)lround(stops[k][j] + t * (stops[k + 1][j] - stops[k][j]));
    snprintf(out, 8, "#%02x%02x%02x", c[0] & 255u, c[1] & 255u, c[2] & 255u);
}

static bool plotted(const ps_sweep_row *r)
{
    return r->state == PS_SWEEP_OK && isfinite(r->result.hybrid_ns) && r->result.hybrid_ns > 0 &&
           isfinite(r->result.hybrid_pj) && r->result.hybrid_pj > 0;
}

ps_status ps_sweep_write_pareto_svg(const char *dir, const char *name, const char *title,
                                    const ps_sweep_row *rows, size_t n, const bool *pareto,
                                    ps_error *err)
{
    ps_svg_axis x = {INFINITY, -INFINITY, true, false, 0}, y = {INFINITY, -INFINITY, true, false, 0};
    double acc_lo = INFINITY, acc_hi = -INFINITY;
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!plotted(&rows[i]))
            continue;
        const ps_stats_point *p = &rows[i].result;
        x.lo = fmin(x.lo, p->hybrid_ns * 1e-3);
        x.hi = fmax(x.hi, p->hybrid_ns * 1e-3);
        y.lo = fmin(y.lo, p->hybrid_pj * 1e-3);
        y.hi = fmax(y.hi, p->hybrid_pj * 1e-3);
        acc_lo = fmin(acc_lo, p->accuracy);
        acc_hi = fmax(acc_hi, p->accuracy);
        shown++;
    }
    ps_svg svg;
    const ps_status opened = ps_svg_open(&svg, dir, name, title, err);
    if (opened != PS_OK)
        return opened;
    FILE *f = svg.f;
    if (!shown) {
        x.lo = y.lo = 1;
        x.hi = y.hi = 10;
    }
    ps_svg_nice_axis(&x);
    ps_svg_nice_axis(&y);
    ps_svg_axes(&svg, &x, &y, "latency per sample (µs, log scale)",
                "energy per sample (nJ, log scale)", true);
    const double span = acc_hi > acc_lo ? acc_hi - acc_lo : 1;
    /* Markers first, so that point labels placed after avoid every marker. */
    for (size_t i = 0; i < n; i++) {
        if (!plotted(&rows[i]))
            continue;
        const ps_stats_point *p = &rows[i].result;
        char colour[8];
        accuracy_colour((p->accuracy - acc_lo) / span, colour);
        const double px = ps_svg_px(&svg, &x, p->hybrid_ns * 1e-3);
        const double py = ps_svg_py(&svg, &y, p->hybrid_pj * 1e-3);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"%s><title>%s: %.2f %%, "
                   "%.4g nJ, %.4g µs</title></circle>\n",
                px, py, colour, pareto[i] ? " stroke=\"black\" stroke-width=\"2\"" : "",
                rows[i].point, p->accuracy * 100, p->hybrid_pj * 1e-3, p->hybrid_ns * 1e-3);
        ps_svg_reserve(&svg, (ps_svg_box){px - 6, py - 6, px + 6, py + 6});
    }
    /* Pareto points get their id beside them where it fits (right, left,
     * above, below); a crowded one keeps only its tooltip and table row. */
    for (size_t i = 0; i < n; i++) {
        if (!plotted(&rows[i]) || !pareto[i])
            continue;
        const double px = ps_svg_px(&svg, &x, rows[i].result.hybrid_ns * 1e-3);
        const double py = ps_svg_py(&svg, &y, rows[i].result.hybrid_pj * 1e-3);
        if (!ps_svg_label(&svg, px + 8, py + 4, "start", 11, rows[i].point) &&
            !ps_svg_label(&svg, px - 8, py + 4, "end", 11, rows[i].point) &&
            !ps_svg_label(&svg, px, py - 9, "middle", 11, rows[i].point))
            ps_svg_label(&svg, px, py + 17, "middle", 11, rows[i].point);
    }
    /* Colour bar: accuracy from the lowest (bottom) to the highest (top). */
    const int bx = (int)svg.right + 16, by = (int)svg.top + 20, bh = 160;
    fprintf(f, "<text x=\"%d\" y=\"%d\">accuracy</text>\n", bx, by - 8);
    for (int k = 0; k < 20; k++) {
        char colour[8];
        accuracy_colour(1.0 - (k + 0.5) / 20.0, colour);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"%s\"/>\n", bx,
                by + k * bh / 20, bh / 20 + 1, colour);
    }
    if (shown) {
        fprintf(f, "<text x=\"%d\" y=\"%d\">%.2f %%</text>\n", bx + 20, by + 10, acc_hi * 100);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%.2f %%</text>\n", bx + 20, by + bh, acc_lo * 100);
    }
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"white\" stroke=\"black\" "
               "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">Pareto-optimal</text>\n",
            bx + 6, by + bh + 24, bx + 16, by + bh + 28);
    if (shown < n) /* under the legend, clear of the axis label */
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%zu of %zu points"
                   "<tspan x=\"%d\" dy=\"14\">not shown (failed,</tspan>"
                   "<tspan x=\"%d\" dy=\"14\">not run or untimed)</tspan></text>\n",
                bx, by + bh + 56, n - shown, n, bx, bx);
    return ps_svg_close(&svg, err);
}
