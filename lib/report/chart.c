/*
 * chart.c - the SVG chart of a rollout for the report page: where each
 * measurement goes, the axes and their ticks, the thresholds, the bands of
 * canary weight, and the legend (chart.h has the geometry).
 *
 * Everything is drawn with shapes and dash patterns as well as colours
 * (circles for the error rate, squares for p95, dashed thresholds, grey
 * bands labelled with their weight), so the chart still reads in black
 * and white and on paper.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "event.h"
#include "report/chart.h"
#include "report/html.h"
#include "banned.h"

#define ERR_COLOUR "#b03a2e"
#define P95_COLOUR "#1f5f99"

struct pt {
	int64_t ms;
	size_t idx;              /* order in rows, for a stable sort */
	const json_t *row;
};

double chart_top(double v)
{
	static const double steps[] = { 1, 2, 2.5, 5 };
	double p = 1;

	if (!(v > 0) || !isfinite(v))
		return 1;
	while (p > v)
		p /= 10;
	while (p * 10 <= v)
		p *= 10;
	/* now p <= v < 10 p */
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
		if (steps[i] * p >= v)
			return steps[i] * p;
	return 10 * p;
}

static int by_time(const void *a, const void *b)
{
	const struct pt *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* A number field, or NaN. */
static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

struct chart {
	struct buf *out;
	int64_t t0, t1;
	double err_top, p95_top;
	int err;                 /* an append failed */
};

static void emit(struct chart *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct chart *c, const char *fmt, ...)
{
	va_list ap;
	char line[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || buf_add(c->out, line, (size_t)n) < 0)
		c->err = 1;
}

static double x_of(const struct chart *c, int64_t ms)
{
	return CHART_LEFT + (double)(ms - c->t0) * CHART_PLOT_W / (double)(c->t1 - c->t0);
}

static double y_of(double top_px, double top_value, double v)
{
	if (v > top_value)
		v = top_value;
	if (v < 0)
		v = 0;
	return top_px + CHART_PLOT_H - v / top_value * CHART_PLOT_H;
}

/* "12:00:05", or "11-26 12:00" over spans of a day or more. */
static void time_label(const struct chart *c, int64_t ms, char out[32])
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm)) {
		snprintf(out, 32, "?");
		return;
	}
	if (c->t1 - c->t0 >= 86400000)
		strftime(out, 32, "%m-%d %H:%M", &tm);
	else
		strftime(out, 32, "%H:%M:%S", &tm);
}

/* A tick value: at most four significant digits, no trailing zeros. */
static void value_label(double v, char out[32])
{
	snprintf(out, 32, "%.4g", v);
}

static void panel(struct chart *c, int top, double top_value, const char *title)
{
	char label[32];
	int bottom = top + CHART_PLOT_H;

	emit(c, "<text class=\"axis-title\" x=\"%d\" y=\"%d\">%s</text>\n", CHART_LEFT, top - 12, title);
	/* horizontal grid and value ticks: 0, 1/4, ..., the top */
	for (int i = 0; i <= 4; i++) {
		double v = top_value * i / 4, y = y_of(top, top_value, v);

		value_label(v, label);
		emit(c, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
		     "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
		     CHART_LEFT, y, CHART_LEFT + CHART_PLOT_W, y, CHART_LEFT - 6, y + 4, label);
	}
	/* time ticks */
	for (int i = 0; i <= 4; i++) {
		int64_t ms = c->t0 + (c->t1 - c->t0) * i / 4;
		double x = x_of(c, ms);

		time_label(c, ms, label);
		emit(c, "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
		     "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
		     x, bottom, x, bottom + 4, x, bottom + 16,
		     i == 0 ? "start" : i == 4 ? "end" : "middle", label);
	}
	emit(c, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
	     CHART_LEFT, top, CHART_PLOT_W, CHART_PLOT_H);
}

static void threshold(struct chart *c, int top, double top_value, double v, const char *label)
{
	double y;

	if (!isfinite(v) || v < 0)
		return;
	y = y_of(top, top_value, v);
	emit(c, "<line class=\"threshold\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
	     "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
	     CHART_LEFT, y, CHART_LEFT + CHART_PLOT_W, y, CHART_LEFT + CHART_PLOT_W - 4, y - 4, label);
}

/* The weight bands: from each weight change to the next, or to the end. */
static void bands(struct chart *c, const struct pt *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *type = json_string_value(json_object_get(p[i].row, "type"));
		const char *phase = json_string_value(json_object_get(p[i].row, "phase"));
		double w = num(p[i].row, "weight"), x0, x1;
		int64_t end = c->t1;
		size_t j;

		if (!type)
			continue;
		if (!strcmp(type, "rollout.rolled_back"))
			w = 0;
		else if (!(!strcmp(type, "rollout.step") && phase && !strcmp(phase, "set")) &&
			 strcmp(type, "rollout.promoted"))
			continue;
		if (!isfinite(w) || w < 0 || w > 100)
			continue;
		for (j = i + 1; j < n; j++) {
			const char *t2 = json_string_value(json_object_get(p[j].row, "type"));
			const char *ph2 = json_string_value(json_object_get(p[j].row, "phase"));

			if (t2 && (!strcmp(t2, "rollout.rolled_back") || !strcmp(t2, "rollout.promoted") ||
				   (!strcmp(t2, "rollout.step") && ph2 && !strcmp(ph2, "set"))))
				break;
		}
		if (j < n)
			end = p[j].ms;
		x0 = x_of(c, p[i].ms);
		x1 = x_of(c, end);
		for (int top = CHART_ERR_TOP; top <= CHART_P95_TOP; top += CHART_P95_TOP - CHART_ERR_TOP)
			emit(c, "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			     "fill-opacity=\"%.2f\"><title>canary weight %.0f%%</title></rect>\n",
			     x0, top, x1 - x0, CHART_PLOT_H, 0.04 + 0.26 * w / 100, w);
		/* a band too narrow for its label (a promotion at the very end) goes without */
		if (x1 - x0 >= 28)
			emit(c, "<text class=\"band-label\" x=\"%.1f\" y=\"%d\">%.0f%%</text>\n", x0 + 3,
			     CHART_ERR_TOP + 12, w);
	}
}

/* One series: a line through its points, and each point with a tooltip. */
static void series(struct chart *c, const struct pt *p, size_t n, int top, double top_value,
		   const char *key, double scale, int square)
{
	const char *colour = square ? P95_COLOUR : ERR_COLOUR;
	size_t drawn = 0;

	for (size_t i = 0; i < n; i++) {
		double v = num(p[i].row, key) * scale;

		if (!isfinite(v))
			continue;
		emit(c, "%s%.1f,%.1f", drawn ? " " : "<polyline class=\"series\" points=\"",
		     x_of(c, p[i].ms), y_of(top, top_value, v));
		drawn++;
	}
	if (!drawn)
		return;
	emit(c, "\" stroke=\"%s\"/>\n", colour);
	for (size_t i = 0; i < n; i++) {
		double v = num(p[i].row, key) * scale, x, y;
		double step = num(p[i].row, "step"), weight = num(p[i].row, "weight");
		char when[32];

		if (!isfinite(v))
			continue;
		x = x_of(c, p[i].ms);
		y = y_of(top, top_value, v);
		if (square)
			emit(c, "<rect class=\"point\" x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" "
			     "fill=\"%s\">", x - 3.5, y - 3.5, colour);
		else
			emit(c, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\">", x, y,
			     colour);
		event_format_time(p[i].ms, when);
		emit(c, "<title>");
		if (isfinite(step))
			emit(c, "step %.0f ", step);
		if (isfinite(weight))
			emit(c, "(%.0f%%) ", weight);
		emit(c, "at %s: ", when);
		if (square)
			emit(c, "p95 %.0f ms", v);
		else
			emit(c, "error rate %.2f%%", v);
		emit(c, "</title></%s>\n", square ? "rect" : "circle");
	}
}

static void legend(struct chart *c, int thresholds)
{
	int y = CHART_HEIGHT - 14, x = CHART_LEFT;

	emit(c, "<g class=\"legend\">\n");
	emit(c, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
	     "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>"
	     "<text x=\"%d\" y=\"%d\">error rate (%%)</text>\n",
	     x, y - 4, x + 24, y - 4, ERR_COLOUR, x + 12, y - 4, ERR_COLOUR, x + 30, y);
	x += 140;
	emit(c, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
	     "<rect x=\"%d\" y=\"%d\" width=\"7\" height=\"7\" fill=\"%s\"/>"
	     "<text x=\"%d\" y=\"%d\">p95 (ms)</text>\n",
	     x, y - 4, x + 24, y - 4, P95_COLOUR, x + 9, y - 8, P95_COLOUR, x + 30, y);
	x += 110;
	if (thresholds) {
		emit(c, "<line class=\"threshold\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
		     "<text x=\"%d\" y=\"%d\">threshold</text>\n", x, y - 4, x + 24, y - 4, x + 30, y);
		x += 110;
	}
	emit(c, "<rect class=\"band\" x=\"%d\" y=\"%d\" width=\"24\" height=\"10\" fill-opacity=\"0.2\"/>"
	     "<text x=\"%d\" y=\"%d\">canary weight (%%)</text>\n", x, y - 9, x + 30, y);
	emit(c, "</g>\n");
}

int report_chart_svg(const json_t *rows, const json_t *thresholds, struct buf *out)
{
	size_t n = 0, have = 0, i;
	double err_max = 0, p95_max = 0;
	double err_th = num(thresholds, "error_rate") * 100, p95_th = num(thresholds, "p95_ms");
	struct chart c = { out, 0, 0, 1, 1, 0 };
	struct pt *p = calloc(json_array_size(rows) + 1, sizeof(*p));
	const json_t *row;
	size_t start = out->len;
	char label[64];

	if (!p)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	json_array_foreach(rows, i, row) {
		const char *t = json_string_value(json_object_get(row, "time"));
		double e = num(row, "error_rate") * 100, l = num(row, "p95_ms");
		int64_t ms;

		if (!t || event_parse_time(t, &ms) < 0)
			continue;
		p[n++] = (struct pt){ ms, i, row };
		if (isfinite(e) || isfinite(l))
			have++;
		if (isfinite(e) && e > err_max)
			err_max = e;
		if (isfinite(l) && l > p95_max)
			p95_max = l;
	}
	if (!have) {
		free(p);
		return 0;
	}
	qsort(p, n, sizeof(*p), by_time);
	c.t0 = p[0].ms;
	c.t1 = p[n - 1].ms;
	if (c.t1 == c.t0) {
		c.t0 -= 1000;
		c.t1 += 1000;
	}
	c.err_top = chart_top(isfinite(err_th) && err_th > err_max ? err_th : err_max);
	c.p95_top = chart_top(isfinite(p95_th) && p95_th > p95_max ? p95_th : p95_max);

	emit(&c, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\" "
	     "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"error rate and p95 latency over time\">\n",
	     CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH, CHART_HEIGHT);
	emit(&c, "<title>error rate (%%) and p95 (ms) over time, with the canary weight of each step</title>\n");
	bands(&c, p, n);
	panel(&c, CHART_ERR_TOP, c.err_top, "error rate (%)");
	panel(&c, CHART_P95_TOP, c.p95_top, "p95 (ms)");
	if (isfinite(err_th)) {
		snprintf(label, sizeof(label), "threshold %.4g%%", err_th);
		threshold(&c, CHART_ERR_TOP, c.err_top, err_th, label);
	}
	if (isfinite(p95_th)) {
		snprintf(label, sizeof(label), "threshold %.4g ms", p95_th);
		threshold(&c, CHART_P95_TOP, c.p95_top, p95_th, label);
	}
	series(&c, p, n, CHART_ERR_TOP, c.err_top, "error_rate", 100, 0);
	series(&c, p, n, CHART_P95_TOP, c.p95_top, "p95_ms", 1, 1);
	emit(&c, "<text class=\"axis-title\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC)</text>\n",
	     CHART_LEFT + CHART_PLOT_W / 2, CHART_P95_TOP + CHART_PLOT_H + 36);
	legend(&c, isfinite(err_th) || isfinite(p95_th));
	emit(&c, "</svg>\n");
	free(p);
	if (c.err) {
		out->len = start;
		if (out->p)
			out->p[start] = 0;
		return ak_error(AK_EXIT_SOFTWARE, "the chart does not fit in the page");
	}
	return 1;
}
