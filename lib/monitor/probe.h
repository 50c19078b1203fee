/*
 * monitor/probe.h - run agent-monitor's checks: an HTTP health check, a
 * Prometheus query against a threshold, the days left on a TLS
 * certificate, the free space of a file system.
 *
 * Each check gives ok, firing or unknown. Unknown means the check could not
 * be evaluated (Prometheus unreachable or without data, a certificate that
 * could not be fetched, a path that cannot be looked at, the run's time
 * budget spent): it says nothing about the target. A health check that
 * cannot connect is firing, not unknown: the target is down.
 */
#ifndef AK_MONITOR_PROBE_H
#define AK_MONITOR_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/checks.h"

enum monitor_state { MONITOR_OK, MONITOR_FIRING, MONITOR_UNKNOWN };

/* "ok", "firing", "unknown" (static). */
const char *monitor_state_name(enum monitor_state s);

/* Bodies of health checks are read up to this; a longer one is cut. */
#define MONITOR_BODY_MAX ((size_t)1 << 20)

struct monitor_result {
	enum monitor_state state;
	double value;          /* status, query value, days left, free % or MiB; NAN: none */
	char message[320];     /* one line saying why */
	int64_t duration_ms;
};

/*
 * Run check c once, for at most timeout_ms (<= 0: the check's own timeout).
 * When timeout_ms is less than the check's own (the run's budget cut it),
 * running out of time makes the result unknown rather than firing. The
 * result goes to r (overwritten). Returns 0, or -1 with ak_error only when
 * memory ran out or the HTTP client could not be made (r then unknown too).
 * Thread-safe: each call has its own connections, once
 * monitor_probe_global_init has been called.
 */
int monitor_probe(const struct monitor_check *c, int64_t timeout_ms, struct monitor_result *r);

/*
 * Set up what the probes share (libcurl's global state, which must not be
 * set up by two threads at once). Call it once before threads run probes.
 * Returns 0, or -1 with ak_error.
 */
int monitor_probe_global_init(void);

/*
 * Run checks[0..n) (borrowed pointers), up to jobs at a time (threads; 1
 * runs them in this thread), all within budget_ms of now: a check is given
 * the smaller of its timeout and what is left of the budget, and one whose
 * turn comes when nothing is left is unknown without being run. Results go
 * to results[i] for checks[i]. Returns 0, or -1 with ak_error when memory
 * ran out (results then hold what was done; the rest are unknown).
 */
int monitor_run(const struct monitor_check *const *checks, size_t n, int jobs,
		int64_t budget_ms, struct monitor_result *results);

#endif
