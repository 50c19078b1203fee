/*
 * store.h - the event store: one interface, two backends.
 *
 * A store is a SQLite file (the default, for one machine) or a PostgreSQL
 * database (for a team). Both hold the same tables: events (every attribute,
 * the data as JSON, the raw line), features (stage and status per subject,
 * derived from events as they arrive), joins (what a waiting agent has seen
 * per feature), rollouts, llm_exchanges and llm_cache. The schema is
 * versioned and migrated forward when a store is opened.
 *
 * Appends are idempotent on (source, id): appending an event twice stores
 * it once. Events keep the order they were first appended in (seq), and the
 * raw line is kept byte for byte, so a replay gives back exactly what was
 * recorded.
 *
 * Errors: functions return 0 or -1 with ak_error. A database that cannot
 * be reached, or that goes away, is AK_EXIT_UNAVAILABLE; a busy SQLite file
 * is retried (busy timeout, then whole-transaction retries) before that.
 */
#ifndef AK_STORE_H
#define AK_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 2

struct store;

struct store_opts {
	int migrate_to;    /* 0: the latest version */
	int no_migrate;    /* open as it is (for `store migrate` to report) */
};

#define STORE_OPTS_INIT { 0, 0 }

/* An event as stored. All strings are borrowed from the store for the
 * duration of a callback; time and subject may be NULL. */
struct store_event {
	int64_t seq;
	const char *source, *id, *type, *subject, *time;
	int64_t time_ms;         /* INT64_MIN when the event has no time */
	const char *raw;
	size_t raw_len;
};

struct store_feature {
	const char *subject, *stage, *status, *last_id, *last_time;
	int64_t events;          /* events recorded for the subject */
	int64_t last_ms;         /* time of the last event, INT64_MIN if none */
};

struct store_query {
	const char *subject;     /* NULL: any */
	const char *type;        /* NULL: any; "x.*" matches the prefix "x." */
	int64_t since_ms;        /* INT64_MIN: no lower bound */
	int64_t until_ms;        /* INT64_MAX: no upper bound (exclusive) */
	int64_t after_seq;       /* only events with seq > after_seq */
	int64_t limit;           /* 0: no limit */
	int newest_first;
};

#define STORE_QUERY_INIT { NULL, NULL, INT64_MIN, INT64_MAX, 0, 0, 0 }

/*
 * Open the store named by spec: "postgres://...", "postgresql://..." or a
 * libpq "key=value" connection string selects PostgreSQL (PG* variables
 * apply); anything else is a SQLite file path, created if missing. The
 * schema is migrated forward unless opts says otherwise. NULL opts means
 * STORE_OPTS_INIT.
 */
struct store *store_open(const char *spec, const struct store_opts *opts);
void store_close(struct store *s);

/* "sqlite" or "postgres". */
const char *store_backend(const struct store *s);

/* The schema version of the open store (0 for an empty database). */
int store_version(struct store *s, int *version);

/* Migrate forward to version to (0: latest). Refuses to go back. */
int store_migrate(struct store *s, int to);

/*
 * Append the complete lines in buf[0..len) (each ending in '\n') as events
 * in one transaction. Work items (plain objects) are passed over; a line
 * that is not a valid event is an error for the whole batch (callers pass
 * lines the filter loop has checked). On success
 * *inserted counts the events that were new. Nothing is kept on failure.
 */
int store_append_lines(struct store *s, const char *buf, size_t len, uint64_t *inserted);

/* Visit events matching q in seq order (or newest first). fn returns
 * non-zero to stop early; that value is returned. */
int store_query(struct store *s, const struct store_query *q,
		int (*fn)(const struct store_event *ev, void *ctx), void *ctx);

/*
 * Look up one event by source and id (source NULL: any source, the first
 * recorded; slower, as only (source, id) is indexed). 1 found, 0 not, -1
 * error, or fn's negative return.
 */
int store_get(struct store *s, const char *source, const char *id,
	      int (*fn)(const struct store_event *ev, void *ctx), void *ctx);

/* Visit features (one subject, or all when subject is NULL) by subject. */
int store_features(struct store *s, const char *subject,
		   int (*fn)(const struct store_feature *f, void *ctx), void *ctx);

/* The join table: what an agent waiting for several inputs has seen. */
int store_join_put(struct store *s, const char *agent, const char *subject,
		   const char *type, const char *raw, size_t len);
int store_join_get(struct store *s, const char *agent, const char *subject,
		   int (*fn)(const char *type, const char *raw, size_t len, void *ctx),
		   void *ctx);
int store_join_clear(struct store *s, const char *agent, const char *subject);

/* Reclaim space (VACUUM; VACUUM ANALYZE on PostgreSQL). */
int store_vacuum(struct store *s);

/* Count of stored events. */
int store_count(struct store *s, int64_t *n);

#endif
