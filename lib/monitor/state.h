/*
 * monitor/state.h - what agent-monitor remembers between runs, and the
 * alert events it writes when a check changes state.
 *
 * The state of a check's alert is the newest alert.fired or alert.resolved
 * event with the check's name as subject from the program's own source in
 * the store: firing after alert.fired, ok after alert.resolved or when
 * there is none. The run of consecutive bad results that `for: N` counts is
 * kept in the store's join table (agent "agent-monitor", subject the
 * check's name, type "monitor.pending", a JSON text {"bad_runs":N,
 * "since":TIME}); it is removed when the check passes again.
 *
 * Transitions: a firing result adds one bad run, and fires the alert
 * (alert.fired) when it was not firing and the run of bad results has
 * reached `for`. An ok result ends the run of bad results and resolves a
 * firing alert (alert.resolved) at once. An unknown result changes
 * nothing: no data is never a pass nor a fail.
 */
#ifndef AK_MONITOR_STATE_H
#define AK_MONITOR_STATE_H

#include <jansson.h>

#include "event.h"
#include "store.h"
#include "monitor/checks.h"
#include "monitor/probe.h"

#define MONITOR_AGENT "agent-monitor"

/* What the store says about one check before this run. */
struct monitor_prev {
	int firing;             /* its newest alert event is alert.fired */
	json_t *last;           /* that newest alert event, or NULL; owned */
	int bad_runs;           /* consecutive bad results recorded */
	char since[40];         /* time of the first of them, "" when none */
};

#define MONITOR_PREV_INIT { 0, NULL, 0, "" }

void monitor_prev_release(struct monitor_prev *p);

/*
 * Read the state of check name from s: alert events from source only.
 * p is overwritten (release it afterwards, also on failure). Returns 0, or
 * -1 with ak_error (the store's class: AK_EXIT_UNAVAILABLE when it cannot
 * be reached).
 */
int monitor_state_get(struct store *s, const char *source, const char *name,
		      struct monitor_prev *p);

enum monitor_transition { MONITOR_SAME, MONITOR_FIRED, MONITOR_RESOLVED };

/* The state after this run. */
struct monitor_next {
	enum monitor_transition t;
	int firing;             /* the alert after this run */
	int bad_runs;           /* consecutive bad results, at most the check's `for` */
	char since[40];         /* time of the first of them, "" when none */
};

/*
 * Decide what this run's result r means for check c, given p; now is the
 * time of this run (RFC 3339). Pure: touches nothing but next.
 */
void monitor_decide(const struct monitor_check *c, const struct monitor_prev *p,
		    const struct monitor_result *r, const char *now, struct monitor_next *next);

/*
 * The event of a transition (next->t must not be MONITOR_SAME): alert.fired
 * or alert.resolved with subject the check's name and data {rule, target,
 * kind, query (prometheus), value, threshold, message, since}: since is
 * when the run of bad results began (fired) or when the alert fired
 * (resolved); value and threshold are null when there is none. An
 * alert.resolved answers the alert.fired it ends (causationid). With
 * SOURCE_DATE_EPOCH set the id derives from the check's name and the
 * previous alert event, so that each transition has an id of its own.
 * Returns a new reference, or NULL with ak_error.
 */
json_t *monitor_event(struct event_ctx *ec, const struct monitor_check *c,
		      const struct monitor_result *r, const struct monitor_prev *p,
		      const struct monitor_next *next);

/*
 * ev as one line without the newline, numbers written short (15
 * significant digits). New string, or NULL with ak_error.
 */
char *monitor_event_dump(const json_t *ev, size_t *len);

/*
 * Record next for check name in s: the event line (line[0..len) ending in
 * '\n'; NULL when there is no event) appended, and the run of bad results
 * kept or removed when it changed from p. Returns 0, or -1 with ak_error.
 */
int monitor_state_save(struct store *s, const char *name, const struct monitor_prev *p,
		       const struct monitor_next *next, const char *line, size_t len);

#endif
