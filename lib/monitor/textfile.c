/*
 * monitor/textfile.c - write agent-monitor's results as a Prometheus
 * textfile (see textfile.h).
 *
 * An unknown check is written as NaN rather than left out: a series that
 * vanishes goes stale in Prometheus and looks like a removed check, while
 * NaN keeps the series and compares false with everything, so an alert on
 * "up == 0" does not fire on missing data, as agent-monitor itself does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "monitor/textfile.h"
#include "banned.h"

int monitor_label_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int rc;

		if (*s == '\\')
			rc = buf_addstr(out, "\\\\");
		else if (*s == '"')
			rc = buf_addstr(out, "\\\"");
		else if (*s == '\n')
			rc = buf_addstr(out, "\\n");
		else
			rc = buf_addch(out, *s);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A sample value as the format writes it: NaN, +Inf, -Inf or a number
 * with the fewest digits that read back the same, whole numbers without an
 * exponent. */
static int add_value(struct buf *out, double v)
{
	char text[40];

	if (isnan(v))
		return buf_addstr(out, "NaN");
	if (isinf(v))
		return buf_addstr(out, v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 1e15)
		return buf_addf(out, "%.0f", v);
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, v);
		if (strtod(text, NULL) == v)
			break;
	}
	return buf_addstr(out, text);
}

static int family(struct buf *out, const char *name, const char *help)
{
	return buf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static int sample(struct buf *out, const char *name, const struct monitor_check *c, double v)
{
	if (buf_addf(out, "%s{check=\"", name) < 0 || monitor_label_escape(out, c->name) < 0 ||
	    buf_addstr(out, "\",kind=\"") < 0 ||
	    monitor_label_escape(out, monitor_kind_name(c->kind)) < 0 ||
	    buf_addstr(out, "\"} ") < 0 || add_value(out, v) < 0 || buf_addch(out, '\n') < 0)
		return -1;
	return 0;
}

enum metric { M_UP, M_UNKNOWN, M_VALUE, M_FIRING };

static double metric_of(const struct monitor_report *r, enum metric m)
{
	enum monitor_state s = r->result->state;

	switch (m) {
	case M_UP:
		return s == MONITOR_UNKNOWN ? NAN : s == MONITOR_OK ? 1 : 0;
	case M_UNKNOWN:
		return s == MONITOR_UNKNOWN;
	case M_VALUE:
		return r->result->value;
	case M_FIRING:
		return r->firing ? 1 : 0;
	}
	return NAN;
}

int monitor_textfile_render(struct buf *out, const struct monitor_report *v, size_t n,
			    double now_s, double duration_s)
{
	static const struct {
		const char *name, *help;
	} families[] = {
		[M_UP] = { "agentkit_monitor_check_up",
			   "Whether the check passed in the last run (1) or failed (0); NaN when it could not be evaluated." },
		[M_UNKNOWN] = { "agentkit_monitor_check_unknown",
				"Whether the check could not be evaluated in the last run." },
		[M_VALUE] = { "agentkit_monitor_check_value",
			      "What the check measured: HTTP status, query value, days left, free percent or MiB; NaN when nothing." },
		[M_FIRING] = { "agentkit_monitor_check_firing",
			       "Whether the check's alert is firing after the last run." },
	};

	for (int m = M_UP; m <= M_FIRING; m++) {
		if (family(out, families[m].name, families[m].help) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (sample(out, families[m].name, v[i].check, metric_of(&v[i], m)) < 0)
				return -1;
	}
	if (family(out, "agentkit_monitor_last_run_timestamp_seconds",
		   "When agent-monitor last ran, in seconds since 1970.") < 0 ||
	    buf_addstr(out, "agentkit_monitor_last_run_timestamp_seconds ") < 0 ||
	    add_value(out, now_s) < 0 || buf_addch(out, '\n') < 0 ||
	    family(out, "agentkit_monitor_run_duration_seconds",
		   "How long the last run of agent-monitor took.") < 0 ||
	    buf_addstr(out, "agentkit_monitor_run_duration_seconds ") < 0 ||
	    add_value(out, duration_s) < 0 || buf_addch(out, '\n') < 0)
		return -1;
	return 0;
}

