/* SVG plot primitives shared by the run report and the sweep table: one
 * 640x400 canvas, a plot area whose left margin fits the y tick labels,
 * linear axes with 1-2-5 ticks, log axes by decades, and labels placed so
 * that they do not overlap. Text widths are estimated at 0.62 em per
 * character (DejaVu Sans, the usual sans-serif: digits 0.64, lowercase
 * about 0.55). */
#ifndef PS_STATS_SVG_H
#define PS_STATS_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/status.h"
#include "outfile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_SVG_W 640
#define PS_SVG_H 400
#define PS_SVG_FONT 12       /* tick labels, legend, value labels (px) */
#define PS_SVG_MAX_TICKS 64
#define PS_SVG_MAX_LABELS 256 /* placed labels remembered for overlap tests */

extern const char *const ps_svg_colours[10];

typedef struct ps_svg_axis {
    double lo, hi;
    bool log;
    bool integer; /* linear ticks at whole numbers only (counts) */
    double step;  /* linear tick step, set by ps_svg_nice_axis */
} ps_svg_axis;

/* The 1-2-5 step (1, 2 or 5 times a power of ten) closest above span / n. */
double ps_svg_nice_step(double span, int n);
/* Widens a to tick boundaries: linear to multiples of the 1-2-5 step for
 * about 5 intervals (an empty range around its value), log to whole decades
 * (a range without positive values to 1..10). */
void ps_svg_nice_axis(ps_svg_axis *a);
/* The labelled ticks of a nice axis into v (at most max); returns how many.
 * Linear: every step. Log: every decade, and 2 and 5 within each decade
 * when the axis spans at most two decades. */
size_t ps_svg_ticks(const ps_svg_axis *a, double *v, size_t max);
/* A tick label: plain digits, thousands separated by commas, as many
 * decimals as the axis step needs (log axes: as the value needs). */
void ps_svg_tick_label(const ps_svg_axis *a, double v, char *out, size_t n);
/* A data value to 4 significant digits, thousands separated by commas. */
void ps_svg_value_label(double v, char *out, size_t n);
/* Estimated width in pixels of UTF-8 text at font size px. */
double ps_svg_text_width(const char *s, double px);

typedef struct ps_svg_box {
    double x0, y0, x1, y1;
} ps_svg_box;

/* An SVG being written (whole or not at all: see outfile.h). */
typedef struct ps_svg {
    FILE *f;
    ps_outfile out;
    double left, right, top, bottom; /* plot area in pixels */
    ps_svg_box placed[PS_SVG_MAX_LABELS];
    size_t n_placed;
} ps_svg;

/* Starts dir/name with the canvas and title; the plot area leaves a 150 px
 * right margin for a legend. */
ps_status ps_svg_open(ps_svg *svg, const char *dir, const char *name, const char *title,
                      ps_error *err);
/* Ends the SVG and puts it in place (the temporary is removed on error). */
ps_status ps_svg_close(ps_svg *svg, ps_error *err);
/* Pixel of v on the x / y axis of the plot area. */
double ps_svg_px(const ps_svg *svg, const ps_svg_axis *x, double v);
double ps_svg_py(const ps_svg *svg, const ps_svg_axis *y, double v);
/* Sets the left margin to fit y's tick labels and the y label, then draws
 * the frame, grid lines, tick labels (x ticks optional: bar charts label
 * their own categories; every k-th x label when they would touch) and the
 * axis labels. */
void ps_svg_axes(ps_svg *svg, const ps_svg_axis *x, const ps_svg_axis *y, const char *xl,
                 const char *yl, bool x_ticks);
/* Legend entry in row row of the right margin: a swatch of
 * ps_svg_colours[colour] and the name (room for about 17 characters). */
void ps_svg_legend(ps_svg *svg, int row, int colour, const char *name);
/* Writes text at (x, y) (anchor "start", "middle" or "end"; y the baseline)
 * unless it would overlap a label placed before or leave the canvas;
 * returns whether it was written. */
bool ps_svg_label(ps_svg *svg, double x, double y, const char *anchor, double px,
                  const char *text);
/* Marks a box as taken, so later labels avoid it (plotted markers). */
void ps_svg_reserve(ps_svg *svg, ps_svg_box b);

#ifdef __cplusplus
}
#endif

#endif
