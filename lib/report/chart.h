/*
 * chart.h - the rollout chart of the report page: an inline SVG of the
 * error rate (%) and the p95 latency (ms) over time, as two stacked
 * panels sharing the time axis, with the thresholds as dashed lines, the
 * canary weight of each step as a shaded band, tick labels, a legend and
 * a tooltip (<title>) on every point.
 *
 * The geometry is fixed so that a point's place can be computed from its
 * values: x runs from CHART_LEFT over CHART_PLOT_W pixels from the first
 * to the last time (a single time sits in the middle of a two-second
 * span); each panel is CHART_PLOT_H high, from 0 at its bottom to the
 * panel's top value at its top (chart_top of the largest value or
 * threshold shown in it).
 */
#ifndef AK_REPORT_CHART_H
#define AK_REPORT_CHART_H

#include <jansson.h>

struct buf;

#define CHART_WIDTH 760
#define CHART_HEIGHT 460
#define CHART_LEFT 70
#define CHART_PLOT_W 660
#define CHART_PLOT_H 140
#define CHART_ERR_TOP 40         /* top of the error-rate panel */
#define CHART_P95_TOP 240        /* top of the p95 panel */

/* The top value of a panel's axis for a largest value v: the next of 1,
 * 2, 2.5, 5 times a power of ten at or above v; 1 for v <= 0 or NaN. */
double chart_top(double v);

/*
 * Append the chart of rows (the model's rollout.rows: objects with "time",
 * "type", "step", "weight", "phase", "error_rate" as a fraction, "p95_ms")
 * and thresholds (an object with "error_rate" and "p95_ms", or null) to
 * out. Rows without a time that event_parse_time reads are left out.
 * Returns 1 when a chart was written, 0 when no row has a measurement to
 * draw (nothing appended), -1 with ak_error when out is full.
 */
int report_chart_svg(const json_t *rows, const json_t *thresholds, struct buf *out);

#endif
