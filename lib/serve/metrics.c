/*
 * metrics.c - counters and histograms of the intake server.
 *
 * Statuses are counted in a fixed table of the codes the server answers
 * with, so a scrape is a walk over arrays and a request costs a few atomic
 * additions. Durations go into cumulative buckets in microseconds, written
 * out in seconds as Prometheus expects.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "serve/metrics.h"
#include "serve/sink.h"
#include "banned.h"

static const int statuses[] = { 200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422,
				429, 500, 501, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(*statuses))

/* Upper bounds of the duration buckets, in microseconds. */
static const int64_t bounds_us[] = { 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
				     100000, 250000, 500000, 1000000, 2500000 };
#define NBUCKET (sizeof(bounds_us) / sizeof(*bounds_us))

static const char *const route_names[ROUTE_COUNT] = {
	"submit", "status", "health", "metrics", "hook_github", "hook_gitlab", "hook_jira", "other",
};

static const char *const reasons[] = {
	"bad-request", "unauthorized", "forbidden", "not-found", "method-not-allowed",
	"conflict", "too-large", "unsupported-media-type", "unprocessable", "rate-limited",
	"unavailable", "not-implemented", "internal",
};
#define NREASON (sizeof(reasons) / sizeof(*reasons))

struct metrics {
	atomic_uint_fast64_t requests[ROUTE_COUNT][NSTATUS + 1];   /* last: any other status */
	atomic_uint_fast64_t buckets[ROUTE_COUNT][NBUCKET];        /* not cumulative here */
	atomic_uint_fast64_t count[ROUTE_COUNT];
	atomic_uint_fast64_t sum_us[ROUTE_COUNT];
	atomic_uint_fast64_t rejected[NREASON + 1];
	atomic_uint_fast64_t events;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return m;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_request(struct metrics *m, enum metrics_route r, int status, int64_t us)
{
	size_t i;

	if ((unsigned)r >= ROUTE_COUNT)
		r = ROUTE_OTHER;
	for (i = 0; i < NSTATUS && statuses[i] != status; i++)
		;
	atomic_fetch_add_explicit(&m->requests[r][i], 1, memory_order_relaxed);
	if (us < 0)
		us = 0;
	for (i = 0; i < NBUCKET && us > bounds_us[i]; i++)
		;
	if (i < NBUCKET)
		atomic_fetch_add_explicit(&m->buckets[r][i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count[r], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us[r], (uint64_t)us, memory_order_relaxed);
}

void metrics_rejected(struct metrics *m, const char *code)
{
	size_t i;

	for (i = 0; i < NREASON && strcmp(reasons[i], code); i++)
		;
	atomic_fetch_add_explicit(&m->rejected[i], 1, memory_order_relaxed);
}

void metrics_events(struct metrics *m, uint64_t n)
{
	atomic_fetch_add_explicit(&m->events, n, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

int metrics_render(struct metrics *m, const struct sink_stats *st, long connections,
		   struct buf *out)
{
	int rc = 0;
	size_t r, i;

	rc |= buf_addstr(out, "# HELP agentkit_serve_requests_total Requests answered, by route and status.\n"
			 "# TYPE agentkit_serve_requests_total counter\n");
	for (r = 0; r < ROUTE_COUNT; r++)
		for (i = 0; i <= NSTATUS; i++) {
			uint64_t n = get(&m->requests[r][i]);

			if (!n)
				continue;
			if (i < NSTATUS)
				rc |= buf_addf(out, "agentkit_serve_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
					       route_names[r], statuses[i], (unsigned long long)n);
			else
				rc |= buf_addf(out, "agentkit_serve_requests_total{route=\"%s\",code=\"other\"} %llu\n",
					       route_names[r], (unsigned long long)n);
		}

	rc |= buf_addstr(out, "# HELP agentkit_serve_request_duration_seconds Time from the request's "
			 "first byte to its answer.\n"
			 "# TYPE agentkit_serve_request_duration_seconds histogram\n");
	for (r = 0; r < ROUTE_COUNT; r++) {
		uint64_t total = get(&m->count[r]), cum = 0;

		if (!total)
			continue;
		for (i = 0; i < NBUCKET; i++) {
			cum += get(&m->buckets[r][i]);
			rc |= buf_addf(out, "agentkit_serve_request_duration_seconds_bucket{route=\"%s\","
				       "le=\"%g\"} %llu\n", route_names[r], (double)bounds_us[i] / 1e6,
				       (unsigned long long)cum);
		}
		rc |= buf_addf(out, "agentkit_serve_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
			       "agentkit_serve_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
			       "agentkit_serve_request_duration_seconds_count{route=\"%s\"} %llu\n",
			       route_names[r], (unsigned long long)total, route_names[r],
			       (double)get(&m->sum_us[r]) / 1e6, route_names[r], (unsigned long long)total);
	}

	rc |= buf_addstr(out, "# HELP agentkit_serve_rejections_total Requests refused, by problem.\n"
			 "# TYPE agentkit_serve_rejections_total counter\n");
	for (i = 0; i <= NREASON; i++)
		rc |= buf_addf(out, "agentkit_serve_rejections_total{reason=\"%s\"} %llu\n",
			       i < NREASON ? reasons[i] : "other", (unsigned long long)get(&m->rejected[i]));

	rc |= buf_addf(out, "# HELP agentkit_serve_events_total Events made durable and answered 202.\n"
		       "# TYPE agentkit_serve_events_total counter\n"
		       "agentkit_serve_events_total %llu\n"
		       "# HELP agentkit_serve_connections Connections open now.\n"
		       "# TYPE agentkit_serve_connections gauge\n"
		       "agentkit_serve_connections %ld\n",
		       (unsigned long long)get(&m->events), connections);
	if (st)
		rc |= buf_addf(out, "# HELP agentkit_serve_sink_pending Events waiting for the sink.\n"
			       "# TYPE agentkit_serve_sink_pending gauge\n"
			       "agentkit_serve_sink_pending %llu\n"
			       "# HELP agentkit_serve_sink_lag_seconds How long the oldest waiting event has waited.\n"
			       "# TYPE agentkit_serve_sink_lag_seconds gauge\n"
			       "agentkit_serve_sink_lag_seconds %.6f\n"
			       "# HELP agentkit_serve_sink_batches_total Batches written to the sink.\n"
			       "# TYPE agentkit_serve_sink_batches_total counter\n"
			       "agentkit_serve_sink_batches_total %llu\n"
			       "# HELP agentkit_serve_sink_failures_total Batches the sink failed to write.\n"
			       "# TYPE agentkit_serve_sink_failures_total counter\n"
			       "agentkit_serve_sink_failures_total %llu\n"
			       "# HELP agentkit_serve_sink_up Whether the sink's last write succeeded.\n"
			       "# TYPE agentkit_serve_sink_up gauge\n"
			       "agentkit_serve_sink_up %d\n",
			       (unsigned long long)st->pending, (double)st->lag_ms / 1e3,
			       (unsigned long long)st->batches, (unsigned long long)st->failures,
			       !st->failing);
	return rc ? -1 : 0;
}
