/*
 * store_sqlite.c - the SQLite backend of the event store.
 *
 * One file in WAL mode, so readers never block the writer and a writer
 * killed mid-transaction leaves nothing half-written. The data member is a
 * virtual column computed from the raw line (json_extract), so the JSON is
 * stored once and costs nothing on insert. synchronous=NORMAL:
 * in WAL mode a commit survives the process dying (not a power cut), which
 * is the promise `agentctl record` makes. Writes take the lock up front
 * (BEGIN IMMEDIATE) so two writers queue instead of deadlocking; a busy
 * file is waited for (busy_timeout) and the whole transaction retried.
 * The LLM log and cache keep their JSON texts as TEXT, byte for byte, and
 * so do advisories. API keys are plain rows; their hash is UNIQUE, which
 * indexes the lookup a server makes by hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "store_backend.h"
#include "banned.h"

#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES 20
#define SQ_PAGE_SIZE 4096     /* the default page size, which stores keep; a WAL frame is a page */

enum stmt_id {
	ST_INSERT, ST_FEATURE, ST_GET, ST_GET_SOURCE, ST_FEATURES_ALL, ST_FEATURES_ONE,
	ST_JOIN_PUT, ST_JOIN_GET, ST_JOIN_CLEAR, ST_COUNT,
	ST_LLM_LOG, ST_LLM_CACHE_GET, ST_LLM_CACHE_PUT, ST_LLM_CACHE_CLEAR_ALL,
	ST_LLM_CACHE_CLEAR_MODEL, ST_LLM_CACHE_COUNT,
	ST_ADV_PUT, ST_ADV_EACH, ST_ADV_COUNT,
	ST_RO_PUT, ST_RO_REQUEST, ST_RO_PEEK, ST_RO_CLEAR,
	ST_KEY_ADD, ST_KEY_REVOKE, ST_MAX
};

static const char *const stmt_sql[ST_MAX] = {
	[ST_INSERT] = "INSERT INTO events(source, id, type, subject, time, time_ms, raw, "
		      "recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?9) "
		      "ON CONFLICT(source, id) DO NOTHING",
	[ST_FEATURE] = "INSERT INTO features(subject, stage, status, last_id, last_time, "
		       "last_ms, events) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) "
		       "ON CONFLICT(subject) DO UPDATE SET "
		       "stage = coalesce(excluded.stage, features.stage), "
		       "status = excluded.status, last_id = excluded.last_id, "
		       "last_time = excluded.last_time, last_ms = excluded.last_ms, "
		       "events = features.events + 1",
	[ST_GET] = "SELECT seq, source, id, type, subject, time, time_ms, raw FROM events "
		   "WHERE id = ?1 ORDER BY seq LIMIT 1",
	[ST_GET_SOURCE] = "SELECT seq, source, id, type, subject, time, time_ms, raw FROM events "
			  "WHERE source = ?2 AND id = ?1",
	[ST_FEATURES_ALL] = "SELECT subject, stage, status, last_id, last_time, last_ms, events "
			    "FROM features ORDER BY subject",
	[ST_FEATURES_ONE] = "SELECT subject, stage, status, last_id, last_time, last_ms, events "
			    "FROM features WHERE subject = ?1",
	[ST_JOIN_PUT] = "INSERT INTO joins(agent, subject, type, raw, seen_ms) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(agent, subject, type) "
			"DO UPDATE SET raw = excluded.raw, seen_ms = excluded.seen_ms",
	[ST_JOIN_GET] = "SELECT type, raw FROM joins WHERE agent = ?1 AND subject = ?2 "
			"ORDER BY type",
	[ST_JOIN_CLEAR] = "DELETE FROM joins WHERE agent = ?1 AND subject = ?2",
	[ST_COUNT] = "SELECT count(*) FROM events",
	[ST_LLM_LOG] = "INSERT INTO llm_exchanges(key, model, request, response, status, "
		       "tokens_in, tokens_out, cost, duration_ms, at_ms) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_LLM_CACHE_GET] = "SELECT response FROM llm_cache WHERE key = ?1",
	[ST_LLM_CACHE_PUT] = "INSERT INTO llm_cache(key, model, response, at_ms) "
			     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET "
			     "model = excluded.model, response = excluded.response, "
			     "at_ms = excluded.at_ms",
	[ST_LLM_CACHE_CLEAR_ALL] = "DELETE FROM llm_cache",
	[ST_LLM_CACHE_CLEAR_MODEL] = "DELETE FROM llm_cache WHERE model = ?1",
	/* bytes, not characters: length() of TEXT counts characters */
	[ST_LLM_CACHE_COUNT] = "SELECT count(*), coalesce(sum(length(CAST(response AS BLOB))), 0) "
			       "FROM llm_cache",
	/* a row already there is replaced only by a newer one */
	[ST_ADV_PUT] = "INSERT INTO advisories(ecosystem, package, id, modified, doc) "
		       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(ecosystem, package, id) "
		       "DO UPDATE SET modified = excluded.modified, doc = excluded.doc "
		       "WHERE excluded.modified > advisories.modified",
	[ST_ADV_EACH] = "SELECT id, doc FROM advisories WHERE ecosystem = ?1 AND package = ?2 "
			"ORDER BY id",
	[ST_ADV_COUNT] = "SELECT count(*), count(DISTINCT id) FROM advisories",
	[ST_RO_PUT] = "INSERT INTO rollouts(name, subject, state, step, weight, doc, updated_ms) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET "
		      "subject = excluded.subject, state = excluded.state, step = excluded.step, "
		      "weight = excluded.weight, doc = excluded.doc, updated_ms = excluded.updated_ms",
	[ST_RO_REQUEST] = "UPDATE rollouts SET command = ?2 WHERE name = ?1",
	[ST_RO_PEEK] = "SELECT command FROM rollouts WHERE name = ?1 AND command IS NOT NULL",
	[ST_RO_CLEAR] = "UPDATE rollouts SET command = NULL WHERE name = ?1",
	/* a taken id or hash: nothing written, and no error (store.c says so) */
	[ST_KEY_ADD] = "INSERT INTO api_keys(id, name, hash, scopes, created_ms, revoked_ms) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
	[ST_KEY_REVOKE] = "UPDATE api_keys SET revoked_ms = ?2 "
			  "WHERE revoked_ms IS NULL AND (id = ?1 OR name = ?1)",
};

const char *const store_sqlite_steps[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: events and the features derived from them */
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" source TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,"
	" subject TEXT, time TEXT, time_ms INTEGER,"
	" raw TEXT NOT NULL, recorded_ms INTEGER NOT NULL,"
	" data TEXT GENERATED ALWAYS AS (json_extract(raw, '$.data')) VIRTUAL,"
	" UNIQUE (source, id));"
	"CREATE INDEX events_subject ON events(subject, seq);"
	"CREATE INDEX events_type ON events(type, seq);"
	"CREATE INDEX events_time ON events(time_ms);"
	"CREATE TABLE features ("
	" subject TEXT PRIMARY KEY, stage TEXT, status TEXT,"
	" last_id TEXT NOT NULL, last_time TEXT, last_ms INTEGER,"
	" events INTEGER NOT NULL);",
	/* 1 -> 2: joins, rollouts and the LLM log and cache */
	"CREATE TABLE joins ("
	" agent TEXT NOT NULL, subject TEXT NOT NULL, type TEXT NOT NULL,"
	" raw TEXT NOT NULL, seen_ms INTEGER NOT NULL,"
	" PRIMARY KEY (agent, subject, type));"
	"CREATE TABLE rollouts ("
	" name TEXT PRIMARY KEY, subject TEXT, state TEXT NOT NULL,"
	" step INTEGER NOT NULL DEFAULT 0, weight INTEGER NOT NULL DEFAULT 0,"
	" doc TEXT NOT NULL DEFAULT '{}', updated_ms INTEGER NOT NULL);"
	"CREATE TABLE llm_exchanges ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, model TEXT,"
	" request TEXT NOT NULL, response TEXT, status INTEGER,"
	" tokens_in INTEGER, tokens_out INTEGER, cost REAL,"
	" duration_ms INTEGER, at_ms INTEGER NOT NULL);"
	"CREATE TABLE llm_cache ("
	" key TEXT PRIMARY KEY, model TEXT, response TEXT NOT NULL,"
	" at_ms INTEGER NOT NULL);",
	/* 2 -> 3: security advisories, looked up by package */
	"CREATE TABLE advisories ("
	" ecosystem TEXT NOT NULL, package TEXT NOT NULL, id TEXT NOT NULL,"
	" modified TEXT NOT NULL, doc TEXT NOT NULL,"
	" PRIMARY KEY (ecosystem, package, id));"
	"CREATE INDEX advisories_id ON advisories(id);",
	/* 3 -> 4: requests to a rollout's driver */
	"ALTER TABLE rollouts ADD COLUMN command TEXT;",
	/* 4 -> 5: the API keys of the intake server, hashed */
	"CREATE TABLE api_keys ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
	" scopes TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked_ms INTEGER);",
};

struct sq {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	const char *spec;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

static int fail(struct sq *q, int rc, const char *what)
{
	enum ak_exit code = AK_EXIT_SOFTWARE;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = AK_EXIT_TEMPFAIL;
		break;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		code = AK_EXIT_IOERR;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = AK_EXIT_DATAERR;
		break;
	}
	return ak_error(code, "store '%s': %s: %s", q->spec, what,
			q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
}

static int exec(struct sq *q, const char *sql)
{
	int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(q, rc, "cannot run SQL");
}

/* Prepared once, reset after each use. */
static sqlite3_stmt *stmt(struct sq *q, enum stmt_id id)
{
	int rc;

	if (!q->st[id]) {
		rc = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&q->st[id], NULL);
		if (rc != SQLITE_OK) {
			fail(q, rc, "cannot prepare a statement");
			return NULL;
		}
	}
	return q->st[id];
}

static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_ms(sqlite3_stmt *st, int i, int64_t ms)
{
	if (ms == INT64_MIN)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, ms);
}

static int sq_version(struct store *s, int *version)
{
	struct sq *q = s->db;
	sqlite3_stmt *st;
	int rc;

	*version = 0;
	rc = sqlite3_prepare_v2(q->db, "SELECT version FROM schema_version", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* no such table: an empty database */
		if (strstr(sqlite3_errmsg(q->db), "no such table"))
			return 0;
		return fail(q, rc, "cannot read the schema version");
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot read the schema version");
}

/* Run body inside BEGIN IMMEDIATE ... COMMIT, retrying while the file is busy. */
static int in_tx(struct sq *q, int (*body)(struct sq *q, void *ctx), void *ctx)
{
	for (int attempt = 0;; attempt++) {
		int rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

		if (rc == SQLITE_OK) {
			if (body(q, ctx) == 0) {
				rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
				if (rc == SQLITE_OK)
					return 0;
			} else {
				rc = ak_errcode() == AK_EXIT_TEMPFAIL ? SQLITE_BUSY : SQLITE_ERROR;
			}
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
			if (!is_busy(rc))
				return rc == SQLITE_ERROR ? -1 : fail(q, rc, "cannot commit");
		}
		if (!is_busy(rc))
			return fail(q, rc, "cannot begin a transaction");
		if (attempt == BUSY_RETRIES)
			return fail(q, rc, "the store stayed busy");
		usleep(1000u * (unsigned)(10 + attempt * 20));
	}
}

struct migrate_ctx {
	int from, to;
};

static int migrate_body(struct sq *q, void *ctx)
{
	struct migrate_ctx *m = ctx;
	char sql[96];
	int v;
	struct store tmp = { .db = q };

	/* another process may have migrated while we waited for the lock */
	if (sq_version(&tmp, &v) < 0)
		return -1;
	if (v == 0 && exec(q, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
			   "DELETE FROM schema_version; INSERT INTO schema_version VALUES (0)") < 0)
		return -1;
	for (; v < m->to; v++)
		if (exec(q, store_sqlite_steps[v]) < 0)
			return -1;
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d", v);
	return exec(q, sql);
}

static int sq_migrate(struct store *s, int from, int to)
{
	struct migrate_ctx m = { from, to };

	return in_tx(s->db, migrate_body, &m);
}

struct append_ctx {
	const struct store_row *rows;
	size_t n;
	uint64_t inserted;
};

static int append_body(struct sq *q, void *ctx)
{
	struct append_ctx *a = ctx;
	sqlite3_stmt *ins = stmt(q, ST_INSERT), *feat = stmt(q, ST_FEATURE);
	int64_t now = now_ms();

	a->inserted = 0;
	if (!ins || !feat)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const struct store_row *r = &a->rows[i];
		int rc;

		bind_text(ins, 1, r->source);
		bind_text(ins, 2, r->id);
		bind_text(ins, 3, r->type);
		bind_text(ins, 4, r->subject);
		bind_text(ins, 5, r->time);
		bind_ms(ins, 6, r->time_ms);
		sqlite3_bind_text(ins, 8, r->raw, (int)r->raw_len, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 9, now);
		rc = sqlite3_step(ins);
		done(ins);
		if (rc != SQLITE_DONE)
			return fail(q, rc, "cannot insert an event");
		if (sqlite3_changes(q->db) == 0)
			continue;
		a->inserted++;
		if (!r->subject)
			continue;
		bind_text(feat, 1, r->subject);
		bind_text(feat, 2, r->stage);
		bind_text(feat, 3, r->status);
		bind_text(feat, 4, r->id);
		bind_text(feat, 5, r->time);
		bind_ms(feat, 6, r->time_ms);
		rc = sqlite3_step(feat);
		done(feat);
		if (rc != SQLITE_DONE)
			return fail(q, rc, "cannot update a feature");
	}
	return 0;
}

static int sq_append(struct store *s, const struct store_row *rows, size_t n, uint64_t *inserted)
{
	struct append_ctx a = { rows, n, 0 };
	int rc = in_tx(s->db, append_body, &a);

	*inserted = rc == 0 ? a.inserted : 0;
	return rc;
}

static int row_event(sqlite3_stmt *st, struct store_event *ev)
{
	ev->seq = sqlite3_column_int64(st, 0);
	ev->source = (const char *)sqlite3_column_text(st, 1);
	ev->id = (const char *)sqlite3_column_text(st, 2);
	ev->type = (const char *)sqlite3_column_text(st, 3);
	ev->subject = (const char *)sqlite3_column_text(st, 4);
	ev->time = (const char *)sqlite3_column_text(st, 5);
	ev->time_ms = sqlite3_column_type(st, 6) == SQLITE_NULL ? INT64_MIN
								: sqlite3_column_int64(st, 6);
	ev->raw = (const char *)sqlite3_column_text(st, 7);
	ev->raw_len = (size_t)sqlite3_column_bytes(st, 7);
	return 0;
}

/* Step st to its end, handing each row to fn; st is finalized or reset by the caller. */
static int each_event(struct sq *q, sqlite3_stmt *st,
		      int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	struct store_event ev;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		row_event(st, &ev);
		if ((r = fn(&ev, ctx)) != 0)
			return r;
	}
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot read events");
}

/*
 * The walk ends at the newest event there was when it began, as a
 * PostgreSQL snapshot does: a callback may append on this connection, and
 * SQLite would hand those rows to the same walk (a callback that records
 * what it reads would never finish).
 */
static int sq_query(struct store *s, const struct store_query *qr,
		    int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	char sql[512], like[512];
	sqlite3_stmt *st;
	int rc, n;
	size_t tl = qr->type ? strlen(qr->type) : 0;
	int prefix = tl >= 2 && qr->type[tl - 1] == '*' && qr->type[tl - 2] == '.';

	n = snprintf(sql, sizeof(sql),
		     "SELECT seq, source, id, type, subject, time, time_ms, raw FROM events "
		     "WHERE seq > ?1 AND seq <= (SELECT coalesce(max(seq), 0) FROM events)"
		     "%s%s%s%s ORDER BY seq %s%s",
		     qr->subject ? " AND subject = ?2" : "",
		     qr->type ? (prefix ? " AND substr(type, 1, length(?3)) = ?3" : " AND type = ?3") : "",
		     qr->since_ms != INT64_MIN ? " AND time_ms >= ?4" : "",
		     qr->until_ms != INT64_MAX ? " AND time_ms < ?5" : "",
		     qr->newest_first ? "DESC" : "ASC", qr->limit > 0 ? " LIMIT ?6" : "");
	if (n < 0 || (size_t)n >= sizeof(sql))
		return ak_error(AK_EXIT_SOFTWARE, "query too long");
	rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "cannot prepare a query");
	sqlite3_bind_int64(st, 1, qr->after_seq);
	if (qr->subject)
		bind_text(st, 2, qr->subject);
	if (qr->type) {
		snprintf(like, sizeof(like), "%.*s", (int)(prefix ? tl - 1 : tl), qr->type);
		sqlite3_bind_text(st, 3, like, -1, SQLITE_TRANSIENT);
	}
	if (qr->since_ms != INT64_MIN)
		sqlite3_bind_int64(st, 4, qr->since_ms);
	if (qr->until_ms != INT64_MAX)
		sqlite3_bind_int64(st, 5, qr->until_ms);
	if (qr->limit > 0)
		sqlite3_bind_int64(st, 6, qr->limit);
	rc = each_event(q, st, fn, ctx);
	sqlite3_finalize(st);
	return rc;
}

static int sq_get(struct store *s, const char *source, const char *id,
		  int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, source ? ST_GET_SOURCE : ST_GET);
	struct store_event ev;
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, id);
	if (source)
		bind_text(st, 2, source);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_event(st, &ev);
		rc = fn(&ev, ctx);
		done(st);
		return rc < 0 ? rc : 1;
	}
	done(st);
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot read an event");
}

static int sq_features(struct store *s, const char *subject,
		       int (*fn)(const struct store_feature *f, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, subject ? ST_FEATURES_ONE : ST_FEATURES_ALL);
	struct store_feature f;
	int rc, r = 0;

	if (!st)
		return -1;
	if (subject)
		bind_text(st, 1, subject);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f.subject = (const char *)sqlite3_column_text(st, 0);
		f.stage = (const char *)sqlite3_column_text(st, 1);
		f.status = (const char *)sqlite3_column_text(st, 2);
		f.last_id = (const char *)sqlite3_column_text(st, 3);
		f.last_time = (const char *)sqlite3_column_text(st, 4);
		f.last_ms = sqlite3_column_type(st, 5) == SQLITE_NULL ? INT64_MIN
								      : sqlite3_column_int64(st, 5);
		f.events = sqlite3_column_int64(st, 6);
		if ((r = fn(&f, ctx)) != 0)
			break;
	}
	done(st);
	if (r)
		return r;
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot read features");
}

struct join_ctx {
	const char *agent, *subject, *type, *raw;
	size_t len;
	int clear;
};

static int join_body(struct sq *q, void *ctx)
{
	struct join_ctx *j = ctx;
	sqlite3_stmt *st = stmt(q, j->clear ? ST_JOIN_CLEAR : ST_JOIN_PUT);
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, j->agent);
	bind_text(st, 2, j->subject);
	if (!j->clear) {
		bind_text(st, 3, j->type);
		sqlite3_bind_text(st, 4, j->raw, (int)j->len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now_ms());
	}
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot update joins");
}

static int sq_join_put(struct store *s, const char *agent, const char *subject,
		       const char *type, const char *raw, size_t len)
{
	struct join_ctx j = { agent, subject, type, raw, len, 0 };

	/* as on PostgreSQL: text with a NUL would come back cut short */
	if (memchr(raw, '\0', len))
		return ak_error(AK_EXIT_DATAERR, "cannot store text holding a NUL byte");
	return in_tx(s->db, join_body, &j);
}

static int sq_join_clear(struct store *s, const char *agent, const char *subject)
{
	struct join_ctx j = { agent, subject, NULL, NULL, 0, 1 };

	return in_tx(s->db, join_body, &j);
}

static int sq_join_get(struct store *s, const char *agent, const char *subject,
		       int (*fn)(const char *type, const char *raw, size_t len, void *ctx),
		       void *ctx)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, ST_JOIN_GET);
	int rc, r = 0;

	if (!st)
		return -1;
	bind_text(st, 1, agent);
	bind_text(st, 2, subject);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = fn((const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1), ctx)) != 0)
			break;
	done(st);
	if (r)
		return r;
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot read joins");
}

static int sq_vacuum(struct store *s)
{
	return exec(s->db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE)");
}

/*
 * Wait for a lock held by another handle: 0.1 ms at a time for the first
 * millisecond, then 1 ms at a time, BUSY_TIMEOUT_MS in all. SQLite's own
 * handler sleeps up to 100 ms between looks, so a lock held for 3 ms could
 * cost a waiter 8; a server's latency sees the difference.
 */
static int busy_wait(void *arg, int count)
{
	if (count < 10) {
		usleep(100);
		return 1;
	}
	if (count - 10 >= BUSY_TIMEOUT_MS)
		return 0;
	usleep(1000);
	return 1;
}

static void busy_default(struct sq *q)
{
	sqlite3_busy_handler(q->db, busy_wait, NULL);
}

static int sq_manual_checkpoints(struct store *s)
{
	return exec(s->db, "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = -1");
}

static int sq_checkpoint(struct store *s, int64_t restart_over)
{
	struct sq *q = s->db;
	int frames = 0, done = 0, rc;

	rc = sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &done);
	if (rc == SQLITE_OK && (int64_t)frames * SQ_PAGE_SIZE > restart_over) {
		/* no waiting for the writer: a restart that waits holds every
		 * new transaction back meanwhile; one that finds the writer busy
		 * is tried again at the next call */
		sqlite3_busy_handler(q->db, NULL, NULL);
		rc = sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
		busy_default(q);
	}
	if (rc != SQLITE_OK && !is_busy(rc))
		return fail(q, rc, "cannot checkpoint");
	return 0;
}

static int sq_count(struct store *s, int64_t *n)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, ST_COUNT);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(st);
	return rc == SQLITE_ROW ? 0 : fail(q, rc, "cannot count events");
}

/* One write to the LLM tables, run by in_tx. */
struct llm_write {
	enum stmt_id id;
	const struct store_llm_exchange *x;                  /* ST_LLM_LOG */
	const char *key, *model, *response;                  /* the cache */
	int64_t at_ms;
	int64_t changes;
};

static int llm_write_body(struct sq *q, void *ctx)
{
	struct llm_write *w = ctx;
	const struct store_llm_exchange *x = w->x;
	sqlite3_stmt *st = stmt(q, w->id);
	int rc;

	if (!st)
		return -1;
	switch (w->id) {
	case ST_LLM_LOG:
		bind_text(st, 1, x->key);
		bind_text(st, 2, x->model);
		bind_text(st, 3, x->request);
		bind_text(st, 4, x->response);
		if (x->status)
			sqlite3_bind_int(st, 5, x->status);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int64(st, 6, x->tokens_in);
		sqlite3_bind_int64(st, 7, x->tokens_out);
		sqlite3_bind_double(st, 8, x->cost);
		sqlite3_bind_int64(st, 9, x->duration_ms);
		sqlite3_bind_int64(st, 10, x->at_ms);
		break;
	case ST_LLM_CACHE_PUT:
		bind_text(st, 1, w->key);
		bind_text(st, 2, w->model);
		bind_text(st, 3, w->response);
		sqlite3_bind_int64(st, 4, w->at_ms);
		break;
	case ST_LLM_CACHE_CLEAR_MODEL:
		bind_text(st, 1, w->model);
		break;
	default:
		break;
	}
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return fail(q, rc, w->id == ST_LLM_LOG ? "cannot log an LLM exchange"
						       : "cannot update the LLM cache");
	w->changes = sqlite3_changes64(q->db);
	return 0;
}

static int sq_llm_log(struct store *s, const struct store_llm_exchange *x)
{
	struct llm_write w = { .id = ST_LLM_LOG, .x = x };

	return in_tx(s->db, llm_write_body, &w);
}

static void row_exchange(sqlite3_stmt *st, struct store_llm_exchange *x)
{
	x->seq = sqlite3_column_int64(st, 0);
	x->key = (const char *)sqlite3_column_text(st, 1);
	x->model = (const char *)sqlite3_column_text(st, 2);
	x->request = (const char *)sqlite3_column_text(st, 3);
	x->response = (const char *)sqlite3_column_text(st, 4);
	x->status = sqlite3_column_int(st, 5);          /* NULL reads as 0 */
	x->tokens_in = sqlite3_column_int64(st, 6);
	x->tokens_out = sqlite3_column_int64(st, 7);
	x->cost = sqlite3_column_double(st, 8);
	x->duration_ms = sqlite3_column_int64(st, 9);
	x->at_ms = sqlite3_column_int64(st, 10);
}

/* As sq_query: the walk ends at the newest exchange there was when it began. */
static int sq_llm_exchanges(struct store *s, const struct store_llm_query *qr,
			    int (*fn)(const struct store_llm_exchange *x, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	struct store_llm_exchange x;
	char sql[512];
	sqlite3_stmt *st;
	int rc, r = 0, n;

	n = snprintf(sql, sizeof(sql),
		     "SELECT seq, key, model, request, response, status, tokens_in, tokens_out, "
		     "cost, duration_ms, at_ms FROM llm_exchanges "
		     "WHERE seq <= (SELECT coalesce(max(seq), 0) FROM llm_exchanges)"
		     "%s%s ORDER BY seq %s%s",
		     qr->model ? " AND model = ?1" : "",
		     qr->since_ms != INT64_MIN ? " AND at_ms >= ?2" : "",
		     qr->newest_first ? "DESC" : "ASC", qr->limit > 0 ? " LIMIT ?3" : "");
	if (n < 0 || (size_t)n >= sizeof(sql))
		return ak_error(AK_EXIT_SOFTWARE, "query too long");
	rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "cannot prepare a query");
	if (qr->model)
		bind_text(st, 1, qr->model);
	if (qr->since_ms != INT64_MIN)
		sqlite3_bind_int64(st, 2, qr->since_ms);
	if (qr->limit > 0)
		sqlite3_bind_int64(st, 3, qr->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_exchange(st, &x);
		if ((r = fn(&x, ctx)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(q, rc, "cannot read LLM exchanges");
	sqlite3_finalize(st);
	return r;
}

/* errors: a status outside 200-299, NULL (no reply) included */
static int sq_llm_stats(struct store *s, int64_t since_ms,
			int (*fn)(const struct store_llm_stat *st, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	struct store_llm_stat t;
	sqlite3_stmt *st;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(q->db,
				"SELECT model, count(*), "
				"sum(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END), "
				"coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), "
				"coalesce(sum(cost), 0.0), coalesce(sum(duration_ms), 0), "
				"coalesce(max(duration_ms), 0) FROM llm_exchanges "
				"WHERE at_ms >= ?1 GROUP BY model ORDER BY model IS NOT NULL, model",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "cannot prepare a query");
	sqlite3_bind_int64(st, 1, since_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.model = (const char *)sqlite3_column_text(st, 0);
		t.requests = sqlite3_column_int64(st, 1);
		t.errors = sqlite3_column_int64(st, 2);
		t.tokens_in = sqlite3_column_int64(st, 3);
		t.tokens_out = sqlite3_column_int64(st, 4);
		t.cost = sqlite3_column_double(st, 5);
		t.duration_ms = sqlite3_column_int64(st, 6);
		t.max_ms = sqlite3_column_int64(st, 7);
		if ((r = fn(&t, ctx)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(q, rc, "cannot read LLM statistics");
	sqlite3_finalize(st);
	return r;
}

static int sq_llm_cache_get(struct store *s, const char *key, char **response)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, ST_LLM_CACHE_GET);
	int rc, r = 0;

	if (!st)
		return -1;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		*response = strdup(v ? v : "");
		r = *response ? 1 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
	} else if (rc != SQLITE_DONE) {
		r = fail(q, rc, "cannot read the LLM cache");
	}
	done(st);
	return r;
}

static int sq_llm_cache_put(struct store *s, const char *key, const char *model,
			    const char *response, int64_t at_ms)
{
	struct llm_write w = { .id = ST_LLM_CACHE_PUT, .key = key, .model = model,
			       .response = response, .at_ms = at_ms };

	return in_tx(s->db, llm_write_body, &w);
}

static int sq_llm_cache_clear(struct store *s, const char *model, int64_t *removed)
{
	struct llm_write w = { .id = model ? ST_LLM_CACHE_CLEAR_MODEL : ST_LLM_CACHE_CLEAR_ALL,
			       .model = model };
	int rc = in_tx(s->db, llm_write_body, &w);

	*removed = rc == 0 ? w.changes : 0;
	return rc;
}

static int sq_llm_cache_count(struct store *s, int64_t *entries, int64_t *bytes)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, ST_LLM_CACHE_COUNT);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	*entries = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*bytes = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	done(st);
	return rc == SQLITE_ROW ? 0 : fail(q, rc, "cannot count the LLM cache");
}

struct adv_put {
	const char *id, *ecosystem, *package, *modified, *json;
	int written;
};

static int adv_put_body(struct sq *q, void *ctx)
{
	struct adv_put *a = ctx;
	sqlite3_stmt *st = stmt(q, ST_ADV_PUT);
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, a->ecosystem);
	bind_text(st, 2, a->package);
	bind_text(st, 3, a->id);
	bind_text(st, 4, a->modified);
	bind_text(st, 5, a->json);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return fail(q, rc, "cannot store an advisory");
	a->written = sqlite3_changes(q->db) > 0;
	return 0;
}

static int sq_advisory_put(struct store *s, const char *id, const char *ecosystem,
			   const char *package, const char *modified, const char *json)
{
	struct adv_put a = { id, ecosystem, package, modified, json, 0 };

	return in_tx(s->db, adv_put_body, &a) < 0 ? -1 : a.written;
}

static int sq_advisory_each(struct store *s, const char *ecosystem, const char *package,
			    int (*fn)(const char *id, const char *json, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	sqlite3_stmt *st;
	int rc, r = 0;

	/* prepared per call: a callback may list another package */
	rc = sqlite3_prepare_v2(q->db, stmt_sql[ST_ADV_EACH], -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "cannot prepare a query");
	bind_text(st, 1, ecosystem);
	bind_text(st, 2, package);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = fn((const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1), ctx)) != 0)
			break;
	if (!r && rc != SQLITE_DONE)
		r = fail(q, rc, "cannot read advisories");
	sqlite3_finalize(st);
	return r;
}

static int sq_advisory_count(struct store *s, int64_t *rows, int64_t *ids)
{
	struct sq *q = s->db;
	sqlite3_stmt *st = stmt(q, ST_ADV_COUNT);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	*rows = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*ids = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	done(st);
	return rc == SQLITE_ROW ? 0 : fail(q, rc, "cannot count advisories");
}

struct ro_write {
	const struct store_rollout *r;
	const char *name, *command;
	int64_t now;
	char *taken;
	int changes;
};

static int ro_put_body(struct sq *q, void *ctx)
{
	struct ro_write *w = ctx;
	sqlite3_stmt *st = stmt(q, ST_RO_PUT);
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, w->r->name);
	bind_text(st, 2, w->r->subject);
	bind_text(st, 3, w->r->state);
	sqlite3_bind_int(st, 4, w->r->step);
	sqlite3_bind_int(st, 5, w->r->weight);
	bind_text(st, 6, w->r->doc);
	sqlite3_bind_int64(st, 7, w->now);
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot store a rollout");
}

static int sq_rollout_put(struct store *s, const struct store_rollout *r, int64_t now)
{
	struct ro_write w = { .r = r, .now = now };

	return in_tx(s->db, ro_put_body, &w);
}

static int sq_rollout_get(struct store *s, const char *name,
			  int (*fn)(const struct store_rollout *r, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	sqlite3_stmt *st;
	int rc, r = 0, found = 0;

	/* prepared per call: a callback may write the row it reads */
	rc = sqlite3_prepare_v2(q->db, name ?
				"SELECT name, subject, state, step, weight, doc, command, updated_ms "
				"FROM rollouts WHERE name = ?1" :
				"SELECT name, subject, state, step, weight, doc, command, updated_ms "
				"FROM rollouts ORDER BY name", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "cannot prepare a query");
	bind_text(st, 1, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_rollout ro = {
			.name = (const char *)sqlite3_column_text(st, 0),
			.subject = (const char *)sqlite3_column_text(st, 1),
			.state = (const char *)sqlite3_column_text(st, 2),
			.step = sqlite3_column_int(st, 3),
			.weight = sqlite3_column_int(st, 4),
			.doc = (const char *)sqlite3_column_text(st, 5),
			.command = (const char *)sqlite3_column_text(st, 6),
			.updated_ms = sqlite3_column_int64(st, 7),
		};

		found = 1;
		if ((r = fn(&ro, ctx)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = fail(q, rc, "cannot read rollouts");
	sqlite3_finalize(st);
	if (r)
		return r;
	return name ? found : 0;
}

static int ro_request_body(struct sq *q, void *ctx)
{
	struct ro_write *w = ctx;
	sqlite3_stmt *st = stmt(q, ST_RO_REQUEST);
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, w->name);
	bind_text(st, 2, w->command);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return fail(q, rc, "cannot store a rollout request");
	w->changes = sqlite3_changes(q->db);
	return 0;
}

static int sq_rollout_request(struct store *s, const char *name, const char *command)
{
	struct ro_write w = { .name = name, .command = command };

	return in_tx(s->db, ro_request_body, &w) < 0 ? -1 : w.changes > 0;
}

/* Read and clear in one IMMEDIATE transaction: no other writer between. */
static int ro_take_body(struct sq *q, void *ctx)
{
	struct ro_write *w = ctx;
	sqlite3_stmt *st = stmt(q, ST_RO_PEEK), *clear;
	int rc;

	free(w->taken);
	w->taken = NULL;
	if (!st)
		return -1;
	bind_text(st, 1, w->name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !(w->taken = strdup((const char *)sqlite3_column_text(st, 0)))) {
		done(st);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	done(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot read a rollout request");
	if (!(clear = stmt(q, ST_RO_CLEAR)))
		return -1;
	bind_text(clear, 1, w->name);
	rc = sqlite3_step(clear);
	done(clear);
	return rc == SQLITE_DONE ? 0 : fail(q, rc, "cannot clear a rollout request");
}

static int sq_rollout_take(struct store *s, const char *name, char **command)
{
	struct ro_write w = { .name = name };

	if (in_tx(s->db, ro_take_body, &w) < 0) {
		free(w.taken);
		return -1;
	}
	*command = w.taken;
	return w.taken != NULL;
}

struct key_write {
	const struct store_key *k;
	const char *id_or_name;
	int64_t at_ms;
	int64_t changes;
};

static int key_write_body(struct sq *q, void *ctx)
{
	struct key_write *w = ctx;
	sqlite3_stmt *st = stmt(q, w->k ? ST_KEY_ADD : ST_KEY_REVOKE);
	int rc;

	if (!st)
		return -1;
	if (w->k) {
		bind_text(st, 1, w->k->id);
		bind_text(st, 2, w->k->name);
		bind_text(st, 3, w->k->hash);
		bind_text(st, 4, w->k->scopes);
		sqlite3_bind_int64(st, 5, w->k->created_ms);
		if (w->k->revoked_ms)
			sqlite3_bind_int64(st, 6, w->k->revoked_ms);
		else
			sqlite3_bind_null(st, 6);
	} else {
		bind_text(st, 1, w->id_or_name);
		sqlite3_bind_int64(st, 2, w->at_ms);
	}
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return fail(q, rc, w->k ? "cannot add an API key" : "cannot revoke an API key");
	w->changes = sqlite3_changes64(q->db);
	return 0;
}

static int sq_key_add(struct store *s, const struct store_key *k)
{
	struct key_write w = { .k = k };

	if (in_tx(s->db, key_write_body, &w) < 0)
		return -1;
	return w.changes == 0;
}

static int sq_key_revoke(struct store *s, const char *id_or_name, int64_t at_ms,
			 int64_t *revoked)
{
	struct key_write w = { .id_or_name = id_or_name, .at_ms = at_ms };
	int rc = in_tx(s->db, key_write_body, &w);

	*revoked = rc == 0 ? w.changes : 0;
	return rc;
}

static int sq_keys(struct store *s, int include_revoked,
		   int (*fn)(const struct store_key *k, void *ctx), void *ctx)
{
	struct sq *q = s->db;
	sqlite3_stmt *st;
	int rc, r = 0;

	/* prepared per call: a callback may revoke the key it is shown */
	rc = sqlite3_prepare_v2(q->db, include_revoked ?
				"SELECT id, name, hash, scopes, created_ms, revoked_ms FROM api_keys "
				"ORDER BY created_ms, id" :
				"SELECT id, name, hash, scopes, created_ms, revoked_ms FROM api_keys "
				"WHERE revoked_ms IS NULL ORDER BY created_ms, id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(q, rc, "cannot prepare a query");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_key k = {
			.id = (const char *)sqlite3_column_text(st, 0),
			.name = (const char *)sqlite3_column_text(st, 1),
			.hash = (const char *)sqlite3_column_text(st, 2),
			.scopes = (const char *)sqlite3_column_text(st, 3),
			.created_ms = sqlite3_column_int64(st, 4),
			.revoked_ms = sqlite3_column_int64(st, 5),     /* NULL reads as 0 */
		};

		if ((r = fn(&k, ctx)) != 0)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = fail(q, rc, "cannot read API keys");
	sqlite3_finalize(st);
	return r;
}

static void sq_close(struct store *s)
{
	struct sq *q = s->db;

	if (!q)
		return;
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q);
	s->db = NULL;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.migrate = sq_migrate,
	.version = sq_version,
	.append = sq_append,
	.query = sq_query,
	.get = sq_get,
	.features = sq_features,
	.join_put = sq_join_put,
	.join_get = sq_join_get,
	.join_clear = sq_join_clear,
	.vacuum = sq_vacuum,
	.checkpoint = sq_checkpoint,
	.manual_checkpoints = sq_manual_checkpoints,
	.count = sq_count,
	.llm_log = sq_llm_log,
	.llm_exchanges = sq_llm_exchanges,
	.llm_stats = sq_llm_stats,
	.llm_cache_get = sq_llm_cache_get,
	.llm_cache_put = sq_llm_cache_put,
	.llm_cache_clear = sq_llm_cache_clear,
	.llm_cache_count = sq_llm_cache_count,
	.advisory_put = sq_advisory_put,
	.advisory_each = sq_advisory_each,
	.advisory_count = sq_advisory_count,
	.rollout_put = sq_rollout_put,
	.rollout_get = sq_rollout_get,
	.rollout_request = sq_rollout_request,
	.rollout_take = sq_rollout_take,
	.key_add = sq_key_add,
	.key_revoke = sq_key_revoke,
	.keys = sq_keys,
	.close = sq_close,
};

int store_sqlite_open(struct store *s, const char *path)
{
	struct sq *q = calloc(1, sizeof(*q));
	int rc;

	if (!q)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	q->spec = s->spec;
	rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ak_error(AK_EXIT_IOERR, "cannot open store '%s': %s", path,
			 q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		sqlite3_close(q->db);
		free(q);
		return -1;
	}
	s->db = q;
	s->ops = &sqlite_ops;
	busy_default(q);
	sqlite3_extended_result_codes(q->db, 1);
	/*
	 * Switching a new file to WAL takes an exclusive lock that the busy
	 * handler does not wait for: two programs opening a fresh store at once
	 * would see "database is locked". Wait for the other one here.
	 */
	for (int attempt = 0;; attempt++) {
		rc = sqlite3_exec(q->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK || !is_busy(rc) || attempt == BUSY_RETRIES)
			break;
		usleep(1000u * (unsigned)(10 + attempt * 20));
	}
	if (rc != SQLITE_OK) {
		fail(q, rc, "cannot switch to WAL");
		sq_close(s);
		return -1;
	}
	if (exec(q, "PRAGMA synchronous = NORMAL;"
		 "PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144;"
		 "PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864") < 0) {
		sq_close(s);
		return -1;
	}
	return 0;
}
