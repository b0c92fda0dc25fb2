#include "svg.h"

#include <math.h>
#include <stdio.h>

const char *const ps_svg_colours[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

double ps_svg_pos(const ps_svg_axis *a, double v, double p0, double p1)
{
    double f;
    if (a->log)
        f = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    else
        f = (v - a->lo) / (a->hi - a->lo);
    return p0 + f * (p1 - p0);
}

double ps_svg_px(const ps_svg_axis *x, double v)
{
    return ps_svg_pos(x, v, PS_SVG_PL, PS_SVG_W - PS_SVG_PR);
}

double ps_svg_py(const ps_svg_axis *y, double v)
{
    return ps_svg_pos(y, v, PS_SVG_H - PS_SVG_PB, PS_SVG_PT);
}

void ps_svg_nice_axis(ps_svg_axis *a)
{
    if (a->log) {
        if (!(a->lo > 0))
            a->lo = a->hi > 0 ? a->hi * 1e-3 : 1;
        a->lo = pow(10, floor(log10(a->lo)));
        a->hi = pow(10, ceil(log10(a->hi)));
        if (a->hi <= a->lo)
            a->hi = a->lo * 10;
        return;
    }
    if (a->hi <= a->lo)
        a->hi = a->lo + 1;
}

ps_status ps_svg_open(ps_svg *svg, const char *dir, const char *name, const char *title,
                      ps_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const ps_status s = ps_outfile_open(&svg->out, path, err);
    if (s != PS_OK)
        return s;
    svg->f = svg->out.f;
    fprintf(svg->f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                    "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
            PS_SVG_W, PS_SVG_H, PS_SVG_W, PS_SVG_H, PS_SVG_W / 2, title);
    return PS_OK;
}

ps_status ps_svg_close(ps_svg *svg, ps_error *err)
{
    fputs("</svg>\n", svg->f);
    return ps_outfile_close(&svg->out, err);
}

/* Tick i of 0..5, evenly spaced (in decades on a log axis). */
static double tick(const ps_svg_axis *a, int i)
{
    if (a->log)
        return pow(10, log10(a->lo) + (log10(a->hi) - log10(a->lo)) / 5 * i);
    return a->lo + (a->hi - a->lo) * i / 5;
}

void ps_svg_axes(FILE *f, const ps_svg_axis *x, const ps_svg_axis *y, const char *xl,
                 const char *yl, bool x_ticks)
{
    const int x0 = PS_SVG_PL, x1 = PS_SVG_W - PS_SVG_PR, y0 = PS_SVG_H - PS_SVG_PB, y1 = PS_SVG_PT;
    fprintf(f, "<path d=\"M%d %d V%d H%d\" stroke=\"black\" fill=\"none\"/>\n", x0, y1, y0, x1);
    for (int i = 0; i <= 5; i++) {
        const double v = tick(y, i);
        const double py = ps_svg_pos(y, v, y0, y1);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n",
                x0, x1, py, py, x0 - 4, py + 4, v);
        if (x_ticks) {
            const double xv = tick(x, i);
            const double px = ps_svg_pos(x, xv, x0, x1);
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n", px, y0 + 16,
                    xv);
        }
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", (x0 + x1) / 2,
            PS_SVG_H - 20, xl);
    fprintf(f, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
            (y0 + y1) / 2, yl);
}

void ps_svg_legend(FILE *f, int i, const char *name)
{
    const int x = PS_SVG_W - PS_SVG_PR + 12, y = PS_SVG_PT + 10 + 18 * i;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"%d\">%s</text>\n",
            x, y - 10, ps_svg_colours[i % 10], x + 16, y, name);
}
