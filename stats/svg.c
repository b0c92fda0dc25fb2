#include "svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const ps_svg_colours[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

#define TITLE_FONT 15
#define AXIS_FONT 13
#define RIGHT_MARGIN 150
#define TOP_MARGIN 44
#define BOTTOM_MARGIN 56

double ps_svg_nice_step(double span, int n)
{
    if (!(span > 0) || !isfinite(span) || n < 1)
        return 1;
    const double raw = span / n;
    const double mag = pow(10, floor(log10(raw)));
    const double f = raw / mag;
    /* 1.0001: a raw step of exactly 2 x 10^k stays 2, not 5 */
    const double nice = f <= 1.0001 ? 1 : f <= 2.0001 ? 2 : f <= 5.0001 ? 5 : 10;
    return nice * mag;
}

static double lin_step(const ps_svg_axis *a)
{
    if (a->step > 0)
        return a->step;
    double s = ps_svg_nice_step(a->hi - a->lo, 5);
    return a->integer && s < 1 ? 1 : s;
}

void ps_svg_nice_axis(ps_svg_axis *a)
{
    if (a->log) {
        if (!(a->hi > 0) || !isfinite(a->hi)) {
            a->lo = 1;
            a->hi = 10;
            return;
        }
        if (!(a->lo > 0) || !isfinite(a->lo))
            a->lo = a->hi * 1e-3;
        a->lo = pow(10, floor(log10(a->lo) + 1e-9));
        a->hi = pow(10, ceil(log10(a->hi) - 1e-9));
        if (a->hi <= a->lo)
            a->hi = a->lo * 10;
        return;
    }
    if (!isfinite(a->lo) || !isfinite(a->hi)) {
        a->lo = 0;
        a->hi = 1;
    }
    if (a->hi <= a->lo) { /* one value: centre it */
        const double d = a->lo != 0 ? fabs(a->lo) * 0.05 : 0.5;
        a->lo -= d;
        a->hi += d;
        if (a->integer) {
            a->lo = floor(a->lo);
            a->hi = ceil(a->hi);
        }
    }
    a->step = 0;
    const double s = a->step = lin_step(a); /* kept: the widened span could round to another */
    /* 1e-9: a bound already on a tick stays there despite rounding */
    a->lo = floor(a->lo / s + 1e-9) * s;
    a->hi = ceil(a->hi / s - 1e-9) * s;
}

size_t ps_svg_ticks(const ps_svg_axis *a, double *v, size_t max)
{
    size_t n = 0;
    if (a->log) {
        const int d0 = (int)lround(log10(a->lo)), d1 = (int)lround(log10(a->hi));
        static const double decade_125[3] = {1, 2, 5};
        const int per = d1 - d0 <= 2 ? 3 : 1;
        for (int d = d0; d <= d1 && n < max; d++)
            for (int k = 0; k < per && n < max; k++) {
                const double t = decade_125[k] * pow(10, d);
                if (t <= a->hi * (1 + 1e-9))
                    v[n++] = t;
            }
        return n;
    }
    const double s = lin_step(a);
    const long k0 = lround(a->lo / s), k1 = lround(a->hi / s);
    for (long k = k0; k <= k1 && n < max; k++)
        v[n++] = k * s; /* k * s, not a sum: no drift (0.30000000000000004) */
    return n;
}

/* Digits of x with decimals, thousands separated by commas. */
static void with_commas(double x, int decimals, char *out, size_t n)
{
    char digits[64];
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(x));
    if (strcmp(digits, "0") == 0 || strspn(digits, "0.") == strlen(digits))
        x = 0; /* no "-0" */
    const char *dot = strchr(digits, '.');
    const size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits);
    size_t o = 0;
    if (x < 0 && o + 1 < n)
        out[o++] = '-';
    for (size_t i = 0; i < int_len && o + 1 < n; i++) {
        out[o++] = digits[i];
        const size_t left = int_len - 1 - i;
        if (left && left % 3 == 0 && o + 1 < n)
            out[o++] = ',';
    }
    for (const char *p = dot; p && *p && o + 1 < n; p++)
        out[o++] = *p;
    out[o] = '\0';
}

/* Very large or very small magnitudes: 2e9, 5e-5. */
static bool exponent_label(double v, char *out, size_t n)
{
    const double m = fabs(v);
    if (m == 0 || (m < 1e9 && m >= 1e-4))
        return false;
    const int e = (int)floor(log10(m) + 1e-9);
    const double mant = v / pow(10, e);
    char ms[32];
    snprintf(ms, sizeof ms, "%.3g", mant);
    snprintf(out, n, "%se%d", ms, e);
    return true;
}

void ps_svg_tick_label(const ps_svg_axis *a, double v, char *out, size_t n)
{
    if (exponent_label(v, out, n))
        return;
    /* a 1-2-5 step of 10^-k needs k decimals; on a log axis each tick is
     * its own step (2 x 10^-3 needs 3) */
    const double step = a->log ? pow(10, floor(log10(fabs(v)) + 1e-9)) : lin_step(a);
    with_commas(v, step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9), out, n);
}

void ps_svg_value_label(double v, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "n/a");
        return;
    }
    if (v == 0) {
        snprintf(out, n, "0");
        return;
    }
    if (exponent_label(v, out, n))
        return;
    const int e = (int)floor(log10(fabs(v)) + 1e-9);
    const int decimals = e >= 3 ? 0 : 3 - e; /* 4 significant digits */
    char tmp[64];
    with_commas(v, decimals, tmp, sizeof tmp);
    /* trailing zeros of the decimals say nothing: 2.500 -> 2.5 */
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *end = tmp + strlen(tmp) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    snprintf(out, n, "%s", tmp);
}

double ps_svg_text_width(const char *s, double px)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80; /* count code points, not bytes */
    return 0.62 * px * (double)chars;
}

/* Text with XML's special characters escaped. */
static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else
            fputc(*s, f);
    }
}

double ps_svg_px(const ps_svg *svg, const ps_svg_axis *x, double v)
{
    const double f = x->log ? (log10(v) - log10(x->lo)) / (log10(x->hi) - log10(x->lo))
                            : (v - x->lo) / (x->hi - x->lo);
    return svg->left + f * (svg->right - svg->left);
}

double ps_svg_py(const ps_svg *svg, const ps_svg_axis *y, double v)
{
    const double f = y->log ? (log10(v) - log10(y->lo)) / (log10(y->hi) - log10(y->lo))
                            : (v - y->lo) / (y->hi - y->lo);
    return svg->bottom + f * (svg->top - svg->bottom);
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
    svg->left = 60;
    svg->right = PS_SVG_W - RIGHT_MARGIN;
    svg->top = TOP_MARGIN;
    svg->bottom = PS_SVG_H - BOTTOM_MARGIN;
    svg->n_placed = 0;
    fprintf(svg->f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Verdana, sans-serif\" "
            "font-size=\"%d\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"%d\" "
            "font-weight=\"bold\">",
            PS_SVG_W, PS_SVG_H, PS_SVG_W, PS_SVG_H, PS_SVG_FONT, PS_SVG_W / 2, TITLE_FONT);
    put_text(svg->f, title);
    fputs("</text>\n", svg->f);
    return PS_OK;
}

ps_status ps_svg_close(ps_svg *svg, ps_error *err)
{
    fputs("</svg>\n", svg->f);
    return ps_outfile_close(&svg->out, err);
}

static bool overlaps(const ps_svg_box *a, const ps_svg_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

void ps_svg_reserve(ps_svg *svg, ps_svg_box b)
{
    if (svg->n_placed < PS_SVG_MAX_LABELS)
        svg->placed[svg->n_placed++] = b;
}

bool ps_svg_label(ps_svg *svg, double x, double y, const char *anchor, double px,
                  const char *text)
{
    const double w = ps_svg_text_width(text, px);
    const double x0 = strcmp(anchor, "middle") == 0 ? x - w / 2
                      : strcmp(anchor, "end") == 0  ? x - w
                                                    : x;
    /* glyphs reach about 0.8 em above the baseline and 0.25 em below */
    const ps_svg_box b = {x0 - 1, y - 0.8 * px, x0 + w + 1, y + 0.25 * px};
    if (b.x0 < 0 || b.x1 > PS_SVG_W || b.y0 < 0 || b.y1 > PS_SVG_H)
        return false;
    for (size_t i = 0; i < svg->n_placed; i++)
        if (overlaps(&b, &svg->placed[i]))
            return false;
    ps_svg_reserve(svg, b);
    fprintf(svg->f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
    if (px != PS_SVG_FONT)
        fprintf(svg->f, " font-size=\"%g\"", px);
    fputc('>', svg->f);
    put_text(svg->f, text);
    fputs("</text>\n", svg->f);
    return true;
}

void ps_svg_axes(ps_svg *svg, const ps_svg_axis *x, const ps_svg_axis *y, const char *xl,
                 const char *yl, bool x_ticks)
{
    FILE *f = svg->f;
    double yt[PS_SVG_MAX_TICKS], xt[PS_SVG_MAX_TICKS];
    const size_t ny = ps_svg_ticks(y, yt, PS_SVG_MAX_TICKS);
    char buf[64];
    double wmax = 0;
    for (size_t i = 0; i < ny; i++) {
        ps_svg_tick_label(y, yt[i], buf, sizeof buf);
        wmax = fmax(wmax, ps_svg_text_width(buf, PS_SVG_FONT));
    }
    /* from the left: 6 px, the y label (one line), 8 px, tick labels, 6 px */
    svg->left = fmax(50, 6 + AXIS_FONT + 8 + wmax + 6);
    const double x0 = svg->left, x1 = svg->right, y0 = svg->bottom, y1 = svg->top;
    /* Every k-th y label when labels would touch (many decades). */
    const double dy = ny > 1 ? fabs(ps_svg_py(svg, y, yt[1]) - ps_svg_py(svg, y, yt[0])) : 1e9;
    const size_t ky = dy >= PS_SVG_FONT + 4 ? 1 : (size_t)ceil((PS_SVG_FONT + 4) / dy);
    for (size_t i = 0; i < ny; i++) {
        const double py = ps_svg_py(svg, y, yt[i]);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0,
                x1, py, py);
        if (i % ky == 0) {
            ps_svg_tick_label(y, yt[i], buf, sizeof buf);
            ps_svg_label(svg, x0 - 6, py + 4, "end", PS_SVG_FONT, buf);
        }
    }
    if (x_ticks) {
        const size_t nx = ps_svg_ticks(x, xt, PS_SVG_MAX_TICKS);
        double xw = 0;
        for (size_t i = 0; i < nx; i++) {
            ps_svg_tick_label(x, xt[i], buf, sizeof buf);
            xw = fmax(xw, ps_svg_text_width(buf, PS_SVG_FONT));
        }
        const double dx =
            nx > 1 ? fabs(ps_svg_px(svg, x, xt[1]) - ps_svg_px(svg, x, xt[0])) : 1e9;
        const size_t kx = dx >= xw + 8 ? 1 : (size_t)ceil((xw + 8) / dx);
        for (size_t i = 0; i < nx; i++) {
            const double px = ps_svg_px(svg, x, xt[i]);
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                    px, px, y0, y1);
            if (i % kx == 0) {
                ps_svg_tick_label(x, xt[i], buf, sizeof buf);
                ps_svg_label(svg, px, y0 + 18, "middle", PS_SVG_FONT, buf);
            }
        }
    }
    fprintf(f, "<path d=\"M%.1f %.1f V%.1f H%.1f\" stroke=\"black\" fill=\"none\"/>\n", x0, y1, y0,
            x1);
    if (xl && *xl) {
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"%d\">",
                (x0 + x1) / 2, PS_SVG_H - 14, AXIS_FONT);
        put_text(f, xl);
        fputs("</text>\n", f);
    }
    if (yl && *yl) {
        /* rotated: the glyphs lie left of the baseline, AXIS_FONT wide */
        fprintf(f,
                "<text transform=\"translate(%d %.1f) rotate(-90)\" text-anchor=\"middle\" "
                "font-size=\"%d\">",
                6 + AXIS_FONT, (y0 + y1) / 2, AXIS_FONT);
        put_text(f, yl);
        fputs("</text>\n", f);
    }
}

void ps_svg_legend(ps_svg *svg, int row, int colour, const char *name)
{
    const double x = svg->right + 10, y = svg->top + 10 + 20 * row;
    fprintf(svg->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x,
            y - 10, ps_svg_colours[colour % 10]);
    /* always written (a legend entry must not vanish); taken for later labels */
    fprintf(svg->f, "<text x=\"%.1f\" y=\"%.1f\">", x + 16, y);
    put_text(svg->f, name);
    fputs("</text>\n", svg->f);
    ps_svg_reserve(svg, (ps_svg_box){x, y - 10, x + 16 + ps_svg_text_width(name, PS_SVG_FONT), y + 3});
}
