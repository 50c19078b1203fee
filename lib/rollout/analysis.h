/*
 * analysis.h - the measurements of a canary rollout.
 *
 * One measurement looks at the canary through every source configured and
 * gives each metric an outcome of its own: health (a GET that must answer
 * 2xx), error rate and p95 latency (from Prometheus, else from the router's
 * access log, else from probes the engine sends itself), and memory (of a
 * local process, else from Prometheus). The outcomes are combined into the
 * measurement's outcome. No data is never a pass: it is inconclusive, and
 * a source that cannot be asked is an error, not a failure of the canary.
 */
#ifndef AK_ROLLOUT_ANALYSIS_H
#define AK_ROLLOUT_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum measure_outcome {
	MEASURE_SUCCESSFUL,
	MEASURE_FAILED,
	MEASURE_INCONCLUSIVE,
	MEASURE_ERROR,
};

/* "successful", "failed", "inconclusive", "error" (static). */
const char *measure_outcome_name(enum measure_outcome o);

/*
 * What to measure and the limits. Strings are copied by analysis_new; an
 * empty string is the same as NULL. Start from ANALYSIS_CONF_INIT.
 */
struct analysis_conf {
	const char *health_url;      /* GET; 2xx is healthy, anything else failed */
	const char *prom_url;        /* Prometheus base URL, http://127.0.0.1:9090 */
	const char *q_error_rate;    /* PromQL: the canary's error ratio, 0..1 */
	const char *q_p95;           /* PromQL: the canary's p95 latency in seconds */
	const char *q_memory;        /* PromQL: memory use in percent */
	const char *q_requests;      /* PromQL: the canary's requests in the window */
	const char *access_log;      /* nginx log, format below */
	const char *canary_addr;     /* "host:port", the canary's $upstream_addr */
	const char *probe_url;       /* GET this probe_requests times per measurement */
	int probe_requests;          /* 0: 20 */
	int pid;                     /* a local process whose VmRSS is measured */
	const char *pidfile;         /* or: read the pid from here every time */
	double mem_limit_mb;         /* percent of this; 0: of MemTotal */
	double max_error_rate;       /* failed above this */
	double max_p95_ms;           /* failed above this */
	double max_mem_pct;          /* failed above this */
	long min_requests;           /* fewer canary requests: inconclusive */
	long timeout_ms;             /* per HTTP request; 0: 5000 */
};
#define ANALYSIS_CONF_INIT { .max_error_rate = 0.01, .max_p95_ms = 1000, \
	.max_mem_pct = 90, .min_requests = 10, .timeout_ms = 5000 }

/*
 * The access log is read in this nginx format:
 *
 *   log_format agentkit '$msec $status $request_time '
 *                       '$upstream_response_time $upstream_addr "$request"';
 *
 * Only lines written after analysis_new count. A line belongs to the canary
 * when its last upstream address (after retries, "a, b" is b) is
 * canary_addr; lines that do not parse are skipped.
 */

struct metric {
	int present;                 /* configured and measured this time */
	double value;                /* NAN when there was no value */
	enum measure_outcome outcome;
	char reason[160];            /* why not successful; "" when successful */
};

struct measurement {
	int64_t at_ms;               /* wall clock, milliseconds since the epoch */
	/* any failed: failed; else any error: error; else any inconclusive:
	 * inconclusive; else successful */
	enum measure_outcome outcome;
	struct metric health, error_rate, p95_ms, mem_pct;
	double requests;             /* canary requests seen; NAN: unknown */
	double actual_weight;        /* canary share of the logged requests, percent; NAN: no log or no traffic */
	char reason[256];            /* the first metric with the combined outcome's reason */
};

struct analysis;

/*
 * A measurer for conf. NULL with ak_error(AK_EXIT_USAGE) when nothing is
 * configured to measure or a value is out of range (a threshold not above 0,
 * an error rate limit above 1, a query without prom_url, an access log
 * without canary_addr, both pid and pidfile); NULL with another class when
 * the HTTP client cannot be made.
 */
struct analysis *analysis_new(const struct analysis_conf *conf);
void analysis_free(struct analysis *a);

/*
 * Take one measurement now into m (overwritten). Trouble with a source
 * (Prometheus down or answering nonsense, the log missing, the process gone)
 * is a metric with MEASURE_ERROR, not a -1: -1 (with ak_error) only when
 * memory ran out.
 */
int analysis_measure(struct analysis *a, struct measurement *m);

/*
 * m as a JSON object, new reference (NULL when out of memory):
 *   {"at":MS, "outcome":"failed",
 *    "health":{"value":V,"outcome":"...","reason":"..."},   (absent when not measured)
 *    "error_rate":{...}, "p95_ms":{...}, "mem_pct":{...},
 *    "requests":N|null, "actual_weight":N|null, "reason":"..."}
 * NAN and infinite values are written as null; whole numbers as integers.
 * Dump with JSON_REAL_PRECISION to keep the other numbers short.
 */
json_t *measurement_json(const struct measurement *m);

/*
 * The outcome of value against an upper limit, shared by every source:
 * NAN is inconclusive ("WHAT: no data"), above max is failed ("WHAT V above
 * the limit MAX"), anything else (max itself included) successful (""). The
 * reason goes to reason[len] when reason is not NULL.
 */
enum measure_outcome measure_threshold(double value, double max, char *reason,
				       size_t len, const char *what);

#endif
