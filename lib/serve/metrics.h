/*
 * metrics.h - the intake server's counters, in Prometheus text format.
 *
 * Requests are counted by route and status, their durations in a
 * histogram per route, refusals by problem code. Every counter is an
 * atomic, so request threads count without a lock; rendering reads them as
 * they are (a scrape may see one request counted and not yet timed).
 */
#ifndef AK_SERVE_METRICS_H
#define AK_SERVE_METRICS_H

#include <stdint.h>

#include "buf.h"

enum metrics_route {
	ROUTE_SUBMIT,          /* POST /requirements */
	ROUTE_STATUS,          /* GET /requirements/{feature} */
	ROUTE_HEALTH,
	ROUTE_METRICS,
	ROUTE_HOOK_GITHUB,
	ROUTE_HOOK_GITLAB,
	ROUTE_HOOK_JIRA,
	ROUTE_OTHER,
	ROUTE_COUNT
};

struct metrics;
struct sink_stats;

/* NULL on ENOMEM (with ak_error). */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* One answered request: its route, status and duration. */
void metrics_request(struct metrics *m, enum metrics_route r, int status, int64_t us);

/* One refused request, by its problem code ("unauthorized", "rate-limited"...). */
void metrics_rejected(struct metrics *m, const char *code);

/* Events accepted (made durable and answered 202). */
void metrics_events(struct metrics *m, uint64_t n);

/*
 * Append the exposition text to out: the counters above plus the sink's
 * state (st, may be NULL) and the number of connections open now.
 * 0, or -1 with ak_error when out would grow past its limit.
 */
int metrics_render(struct metrics *m, const struct sink_stats *st, long connections,
		   struct buf *out);

#endif
