/*
 * monitor/checks.h - the check file of agent-monitor: YAML read into a list
 * of checks, every key and value checked before anything runs.
 *
 *   defaults: {timeout: 5s, for: 1}            (optional)
 *   checks:
 *     - name: api-health                       unique, [a-z0-9._-], 1-64 bytes
 *       http: http://127.0.0.1:8080/health     status: N, contains: TEXT
 *     - name: error-rate
 *       prometheus: http://127.0.0.1:9090      query: PROMQL, above: X | below: X
 *     - name: cert
 *       tls: example.com:443                   servername: NAME, days: N
 *     - name: disk
 *       disk: /var/lib                         free_pct: N | free_mb: N
 *   and on any check: timeout: DURATION, for: N (consecutive bad runs).
 */
#ifndef AK_MONITOR_CHECKS_H
#define AK_MONITOR_CHECKS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define MONITOR_MAX_CHECKS 1000
#define MONITOR_MAX_FILE ((size_t)1 << 20)
#define MONITOR_NAME_MAX 64
#define MONITOR_MAX_FOR 1000

enum monitor_kind { MONITOR_HTTP, MONITOR_PROMETHEUS, MONITOR_TLS, MONITOR_DISK };

/* "http", "prometheus", "tls", "disk" (static). */
const char *monitor_kind_name(enum monitor_kind kind);

/* One check. Strings are borrowed from the list's document. */
struct monitor_check {
	const char *name;
	enum monitor_kind kind;
	const char *target;        /* the URL, Prometheus base URL, host:port or path */
	int64_t timeout_ms;        /* > 0 */
	int for_runs;              /* >= 1: consecutive bad runs before it fires */
	/* http */
	int status;                /* 0: any 2xx */
	const char *contains;      /* NULL: any body */
	/* prometheus */
	const char *query;
	int below;                 /* 0: fires when value > threshold; 1: when < */
	/* tls */
	const char *servername;    /* NULL: the host of target */
	/* the threshold: prometheus above/below, tls days, disk free_pct or free_mb */
	double threshold;
	int free_mb;               /* disk: threshold is MiB, not percent */
};

struct monitor_checks {
	json_t *doc;               /* owns the strings */
	struct monitor_check *v;
	size_t n;
};

#define MONITOR_CHECKS_INIT { NULL, NULL, 0 }

/*
 * Read text[0..len) (name is used in messages) into out, which must be
 * MONITOR_CHECKS_INIT or released. Returns 0, or -1 with
 * ak_error(AK_EXIT_DATAERR, "NAME: checks[2].foo: unknown key") and out
 * left empty: YAML errors (with line and column), unknown keys, missing or
 * conflicting ones, values of the wrong type or range, duplicate names,
 * more than MONITOR_MAX_CHECKS checks.
 */
int monitor_checks_parse(const char *text, size_t len, const char *name,
			 struct monitor_checks *out);

/*
 * The same from the file path ("-": stdin), at most MONITOR_MAX_FILE
 * bytes. A file that is missing, unreadable for its permissions or longer
 * is AK_EXIT_DATAERR; another read error AK_EXIT_IOERR.
 */
int monitor_checks_load(const char *path, struct monitor_checks *out);

/* The check called name, or NULL. Borrowed from list. */
const struct monitor_check *monitor_checks_find(const struct monitor_checks *list,
						const char *name);

/* Free what out holds; it is left empty (MONITOR_CHECKS_INIT). */
void monitor_checks_release(struct monitor_checks *out);

#endif
