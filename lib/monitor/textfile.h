/*
 * monitor/textfile.h - agent-monitor's results for node_exporter's
 * textfile collector, in the Prometheus text exposition format (0.0.4).
 *
 *   agentkit_monitor_check_up{check,kind}        1 ok, 0 firing, NaN unknown
 *   agentkit_monitor_check_unknown{check,kind}   1 when the check could not
 *                                                 be evaluated, else 0
 *   agentkit_monitor_check_value{check,kind}     what it measured; NaN when none
 *   agentkit_monitor_check_firing{check,kind}    the alert after the run (for:
 *                                                 and unknowns taken into account)
 *   agentkit_monitor_last_run_timestamp_seconds
 *   agentkit_monitor_run_duration_seconds
 *
 * Each family has its # HELP and # TYPE lines and all its samples
 * together, checks in the order of the check file.
 */
#ifndef AK_MONITOR_TEXTFILE_H
#define AK_MONITOR_TEXTFILE_H

#include <stddef.h>

#include "buf.h"
#include "monitor/checks.h"
#include "monitor/probe.h"

/* One check's line in the report. Pointers are borrowed. */
struct monitor_report {
	const struct monitor_check *check;
	const struct monitor_result *result;
	int firing;
};

/*
 * Append s to out as a label value of the exposition format: backslash,
 * double quote and newline escaped as \\, \" and \n. 0, or -1 when out
 * is full.
 */
int monitor_label_escape(struct buf *out, const char *s);

/*
 * Append the report of v[0..n) to out; now_s is the time of the run
 * (seconds since the epoch), duration_s how long it took. 0, or -1 with
 * ak_error when out is full; out may then hold part of it.
 */
int monitor_textfile_render(struct buf *out, const struct monitor_report *v, size_t n,
			    double now_s, double duration_s);


#endif
