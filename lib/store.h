/*
 * store.h - the event store: one interface, two backends.
 *
 * A store is a SQLite file (the default, for one machine) or a PostgreSQL
 * database (for a team). Both hold the same tables: events (every attribute,
 * the data as JSON, the raw line), features (stage and status per subject,
 * derived from events as they arrive), joins (what a waiting agent has seen
 * per feature), rollouts, llm_exchanges, llm_cache, advisories and
 * api_keys. The
 * schema is versioned and migrated forward when a store is opened.
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

#define STORE_SCHEMA_VERSION 5

struct store;

struct store_opts {
	int migrate_to;    /* 0: the latest version */
	int no_migrate;    /* open as it is (for `store migrate` to report) */
	int manual_checkpoint;   /* SQLite: this handle's commits never checkpoint
				  * the WAL; store_checkpoint from another does */
};

#define STORE_OPTS_INIT { 0, 0, 0 }

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

/* Whether spec names a PostgreSQL server (the rule of store_open). */
int store_spec_is_postgres(const char *spec);
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

/*
 * Write SQLite's WAL back into the database file now: a passive
 * checkpoint, which neither waits for nor blocks a writer on another
 * handle. When the WAL then holds more than restart_over bytes, a restart
 * checkpoint follows, so that the next commit writes the WAL from its
 * start again (it waits for the writer's transaction in progress and holds
 * the next one back while it copies what the passive one left: keep it
 * rare). Nothing to do on PostgreSQL. A server whose writing handle was
 * opened with manual_checkpoint calls this from a second handle, so that
 * no commit pays for a checkpoint (and its fsync) in its latency.
 */
int store_checkpoint(struct store *s, int64_t restart_over);

/* Reclaim space (VACUUM; VACUUM ANALYZE on PostgreSQL). */
int store_vacuum(struct store *s);

/* Count of stored events. */
int store_count(struct store *s, int64_t *n);

/*
 * The LLM exchange log and cache (tables llm_exchanges and llm_cache).
 *
 * request and response are JSON texts, checked as jscan_parse checks them:
 * AK_EXIT_DATAERR for a text that is not JSON, or whose top-level object
 * gives a name twice or has more than JSCAN_MAX_MEMBERS members.
 * PostgreSQL keeps them as jsonb, which refuses a few texts that JSON
 * allows (\u0000, a lone surrogate escape; AK_EXIT_DATAERR too) and gives
 * back its own normal form: white space and the order of object members
 * may differ from what was stored. SQLite gives back the text byte for
 * byte. Callers that compare texts compare them parsed.
 */

/* One exchange: an HTTP request to a model and its reply. */
struct store_llm_exchange {
	int64_t seq;             /* set by the store, rising; ignored by store_llm_log */
	const char *key;         /* the cache key (hex digest); not NULL */
	const char *model;       /* may be NULL */
	const char *request;     /* JSON text: what was sent (no API key); not NULL */
	const char *response;    /* JSON text, or NULL when no reply came */
	int status;              /* HTTP status, 0 when none */
	int64_t tokens_in, tokens_out;   /* PostgreSQL holds at most 2147483647 */
	double cost;             /* estimated, in the configured currency; finite */
	int64_t duration_ms;
	int64_t at_ms;           /* when; 0: now (set by the store) */
};

/*
 * Append one exchange to the log. Nothing is kept on failure. A status of
 * 0 is stored as NULL ("no reply") and read back as 0.
 */
int store_llm_log(struct store *s, const struct store_llm_exchange *x);

struct store_llm_query {
	const char *model;       /* NULL: any (including none) */
	int64_t since_ms;        /* INT64_MIN: no lower bound; else at_ms >= since_ms */
	int64_t limit;           /* 0: no limit */
	int newest_first;        /* seq descending */
};

#define STORE_LLM_QUERY_INIT { NULL, INT64_MIN, 0, 0 }

/*
 * Visit the logged exchanges matching q (NULL: all) in seq order, or
 * newest first. Strings are borrowed from the store for the duration of
 * the callback (response and model may be NULL). fn returns non-zero to
 * stop early; that value is returned. Exchanges logged by fn itself are
 * not visited by the same walk.
 */
int store_llm_exchanges(struct store *s, const struct store_llm_query *q,
			int (*fn)(const struct store_llm_exchange *x, void *ctx), void *ctx);

/* What the log holds for one model. */
struct store_llm_stat {
	const char *model;       /* NULL for exchanges logged without one */
	int64_t requests;
	int64_t errors;          /* status not 2xx, or no status at all */
	int64_t tokens_in, tokens_out;
	double cost;
	int64_t duration_ms;     /* the sum */
	int64_t max_ms;          /* the longest one */
};

/*
 * Visit one row per model for the exchanges with at_ms >= since_ms
 * (INT64_MIN: all), ordered by model byte by byte, the NULL model first.
 * model is borrowed for the callback. fn returns non-zero to stop early;
 * that value is returned.
 */
int store_llm_stats(struct store *s, int64_t since_ms,
		    int (*fn)(const struct store_llm_stat *st, void *ctx), void *ctx);

/*
 * Look up the cached response under key: 1 found, with *response a
 * malloc'd JSON text the caller frees; 0 not found; -1 with ak_error. On
 * 0 and -1 *response is NULL.
 */
int store_llm_cache_get(struct store *s, const char *key, char **response);

/* Cache response (a JSON text, not NULL) under key, replacing what was
 * there, with the time it was stored. model may be NULL. */
int store_llm_cache_put(struct store *s, const char *key, const char *model,
			const char *response);

/* Remove the cached responses of model (NULL: every entry, whatever its
 * model). *removed, unless removed is NULL, counts them. */
int store_llm_cache_clear(struct store *s, const char *model, int64_t *removed);

/* The number of cached responses, and the bytes of their texts as the
 * store gives them back (jsonb's normal form on PostgreSQL). Either
 * pointer may be NULL. */
int store_llm_cache_count(struct store *s, int64_t *entries, int64_t *bytes);

/*
 * Security advisories (table advisories, schema version 3): the OSV
 * records agent-secscan matches dependencies against, one row per
 * (advisory id, ecosystem, package). The package name is stored as the
 * caller gives it (lib/secscan/osv.c normalises it first), and the record
 * as a JSON text, kept byte for byte on both backends (text, not jsonb).
 */

/*
 * Store the record json (a JSON text, not checked here beyond being one)
 * of advisory id for one package. Idempotent: a row already there is
 * replaced only when modified (RFC 3339 text, compared byte by byte) is
 * newer than its own. Returns 1 when the row was written, 0 when the one
 * there was kept (as new or newer), -1 with ak_error.
 */
int store_advisory_put(struct store *s, const char *id, const char *ecosystem,
		       const char *package, const char *modified, const char *json);

/*
 * Visit the advisories stored for one package, by id (bytes). id and json
 * are borrowed for the callback. fn returns non-zero to stop early; that
 * value is returned.
 */
int store_advisory_each(struct store *s, const char *ecosystem, const char *package,
			int (*fn)(const char *id, const char *json, void *ctx), void *ctx);

/* The number of rows (id, ecosystem, package) and of distinct ids. Either
 * pointer may be NULL. */
int store_advisory_count(struct store *s, int64_t *rows, int64_t *ids);

/*
 * Rollouts (table rollouts; the command column from schema version 4):
 * the state of each blue-green rollout, kept by the process that drives
 * it, so that another shell, or the same command after a crash, can read
 * it and act on it. doc is the whole state as a JSON text (lib/rollout
 * owns its shape); PostgreSQL keeps it as jsonb, in its normal form.
 */
struct store_rollout {
	const char *name;        /* the key */
	const char *subject;     /* the feature, or NULL */
	const char *state;       /* "progressing", "paused", "promoted", ... */
	int step, weight;
	const char *doc;         /* JSON text, not NULL */
	const char *command;     /* a pending request, or NULL (read only) */
	int64_t updated_ms;      /* set by the store on every write (read only) */
};

/* Insert or replace the row of r->name; its pending command is kept. */
int store_rollout_put(struct store *s, const struct store_rollout *r);
/* Visit the row of name: 1 when found (fn's non-zero return is returned
 * instead), 0 when there is none, -1 with ak_error. Strings are borrowed
 * for the callback. name NULL visits every row, by name, and returns 0
 * or fn's non-zero value. */
int store_rollout_get(struct store *s, const char *name,
		      int (*fn)(const struct store_rollout *r, void *ctx), void *ctx);
/* Leave a request for the rollout's driver: 1 when the rollout exists, 0
 * when it does not, -1 with ak_error. A newer request replaces an older
 * one that was not taken yet. */
int store_rollout_request(struct store *s, const char *name, const char *command);
/* Take the pending request, atomically (two drivers never both take it):
 * 1 with *command a malloc'd string, 0 when there is none (*command
 * NULL), -1 with ak_error. */
int store_rollout_take(struct store *s, const char *name, char **command);

/*
 * API keys (table api_keys, schema version 5): the keys that may call
 * `agentctl serve`. Only the hex SHA-256 of a key is stored, never the
 * key itself; lib/serve/apikey.c makes keys and hashes them. A key is
 * revoked by setting revoked_ms; its row stays, for the record.
 */
struct store_key {
	const char *id;          /* the key's id (the hex after "ak_"); the primary key */
	const char *name;        /* who or what holds it; several keys may share one */
	const char *hash;        /* hex SHA-256 of the whole key; unique */
	const char *scopes;      /* "submit,read", as apikey_scopes_format writes them */
	int64_t created_ms;      /* 0 when adding: now */
	int64_t revoked_ms;      /* 0 while active */
};

/*
 * Add a key. id, name, hash and scopes must be set (AK_EXIT_SOFTWARE
 * otherwise); revoked_ms is stored as given. A key whose id or hash is
 * already in the table is refused with AK_EXIT_DATAERR and nothing is
 * written.
 */
int store_key_add(struct store *s, const struct store_key *k);

/*
 * Revoke, at at_ms (0: now), the active keys whose id or name is
 * id_or_name; *revoked counts them (0 when none matched, which is not an
 * error). Keys revoked already keep their time. *revoked is 0 on failure.
 */
int store_key_revoke(struct store *s, const char *id_or_name, int64_t at_ms, int *revoked);

/*
 * Visit the keys, active ones only unless include_revoked, by created_ms
 * then id (bytes). Strings are borrowed for the callback. fn returns
 * non-zero to stop early; that value is returned.
 */
int store_keys(struct store *s, int include_revoked,
	       int (*fn)(const struct store_key *k, void *ctx), void *ctx);

#endif
