/* SVG plot primitives shared by the run report and the sweep table: one
 * 640x400 canvas, a plot area with margins, linear or log axes. */
#ifndef PS_STATS_SVG_H
#define PS_STATS_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "common/status.h"
#include "outfile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PS_SVG_W 640
#define PS_SVG_H 400
#define PS_SVG_PL 80 /* plot area margins */
#define PS_SVG_PR 150
#define PS_SVG_PT 40
#define PS_SVG_PB 60

extern const char *const ps_svg_colours[10];

typedef struct ps_svg_axis {
    double lo, hi;
    bool log;
} ps_svg_axis;

/* Position of v between pixels p0 (at lo) and p1 (at hi). */
double ps_svg_pos(const ps_svg_axis *a, double v, double p0, double p1);
/* Log axes to whole decades, empty ranges widened. */
void ps_svg_nice_axis(ps_svg_axis *a);
/* Pixel of v on the x / y axis of the plot area. */
double ps_svg_px(const ps_svg_axis *x, double v);
double ps_svg_py(const ps_svg_axis *y, double v);
/* An SVG being written (whole or not at all: see outfile.h). */
typedef struct ps_svg {
    FILE *f;
    ps_outfile out;
} ps_svg;

/* Starts dir/name with the canvas and title. */
ps_status ps_svg_open(ps_svg *svg, const char *dir, const char *name, const char *title,
                      ps_error *err);
/* Ends the SVG and puts it in place (the temporary is removed on error). */
ps_status ps_svg_close(ps_svg *svg, ps_error *err);
/* Frame, grid lines, tick labels (x ticks optional) and axis labels. */
void ps_svg_axes(FILE *f, const ps_svg_axis *x, const ps_svg_axis *y, const char *xl,
                 const char *yl, bool x_ticks);
/* Legend entry i (a colour swatch) in the right margin. */
void ps_svg_legend(FILE *f, int i, const char *name);

#ifdef __cplusplus
}
#endif

#endif
