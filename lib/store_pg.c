/*
 * store_pg.c - the PostgreSQL backend of the event store (see store.h).
 *
 * One libpq connection per store, opened from a postgres:// URL or a
 * key=value string (PG* environment variables apply through libpq). The
 * tables mirror the SQLite backend's with PostgreSQL types; data is jsonb.
 *
 * Appends are the hot path: a batch is copied (COPY, text format) into a
 * temporary staging table that lives as long as the connection, then one
 * statement moves it into events with ON CONFLICT (source, id) DO NOTHING
 * and folds the rows that were actually new into features, so a batch of
 * hundreds of events costs a handful of round trips. seq follows the order
 * of the lines in the batch. Appends from several connections take turns
 * (an advisory lock held to COMMIT), so seq also follows commit order and a
 * reader polling with after_seq cannot skip an event committed late.
 *
 * jsonb is stricter than JSON: it cannot hold the escape \u0000, a lone
 * surrogate escape (\ud800 without its pair), or a number outside
 * PostgreSQL's numeric range (more than 131072 digits before the point or
 * 16383 after it). The filter loop accepts all of these, so a row whose
 * data holds one is stored with data NULL; its raw line keeps the event
 * byte for byte, so nothing is lost but the indexed copy of the data.
 *
 * Queries read through a cursor, a thousand rows at a time, so a replay of
 * millions of events does not hold them in memory. Callbacks may use the
 * same store: an operation started inside one runs in a savepoint of the
 * enclosing transaction, and becomes durable when the outermost operation
 * commits.
 *
 * Errors: a server that cannot be reached, or whose connection breaks, is
 * AK_EXIT_UNAVAILABLE ("store '...' went away"); the next operation outside
 * any transaction reconnects once. Bad data the server refuses is
 * AK_EXIT_DATAERR, anything else AK_EXIT_SOFTWARE. A write is reported only
 * after COMMIT said so. Notices are dropped: nothing in lib/ prints.
 *
 * The LLM log and cache hold request and response as jsonb; they come
 * back as jsonb's text, which is normalised (white space, member order).
 * Advisories keep their record as text, so it comes back byte for byte.
 * API keys are plain rows, looked up by their UNIQUE hash.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "buf.h"
#include "error.h"
#include "store.h"
#include "store_backend.h"
#include "banned.h"

/* pg_advisory_xact_lock keys held while migrating and appending:
 * "akmigrat" and "akappend" in ASCII */
#define MIGRATE_LOCK "7019824743661592948"
#define APPEND_LOCK "7019811579736976996"

/* rows per FETCH from a cursor */
#define FETCH_ROWS 1000

/* bytes per PQputCopyData call (it takes an int) */
#define COPY_CHUNK ((size_t)1 << 20)

/* deadlocks and serialization failures: append retries its batch */
#define APPEND_TRIES 5

struct pg {
	PGconn *conn;
	int depth;             /* 0 no transaction, 1 BEGIN, >1 savepoints too */
	int staged;            /* the staging table exists for the session */
	int prepared;          /* the append statement is prepared */
	int lost;              /* the connection broke; reset before the next use */
	char sqlstate[6];      /* of the last failure, "" if none */
	struct buf copy;       /* COPY data, kept between batches */
};

const char *const store_pg_steps[STORE_SCHEMA_VERSION] = {
	"CREATE TABLE events (seq bigserial PRIMARY KEY, source text NOT NULL, "
	"id text NOT NULL, type text NOT NULL, subject text, time text, time_ms bigint, "
	"data jsonb, raw text NOT NULL, recorded_ms bigint NOT NULL, UNIQUE (source, id)); "
	"CREATE INDEX events_subject ON events (subject, seq); "
	"CREATE INDEX events_type ON events (type, seq); "
	"CREATE INDEX events_time ON events (time_ms); "
	"CREATE TABLE features (subject text PRIMARY KEY, stage text, status text, "
	"last_id text NOT NULL, last_time text, last_ms bigint, events bigint NOT NULL)",

	"CREATE TABLE joins (agent text NOT NULL, subject text NOT NULL, type text NOT NULL, "
	"raw text NOT NULL, seen_ms bigint NOT NULL, PRIMARY KEY (agent, subject, type)); "
	"CREATE TABLE rollouts (name text PRIMARY KEY, subject text, state text NOT NULL, "
	"step integer NOT NULL DEFAULT 0, weight integer NOT NULL DEFAULT 0, "
	"doc jsonb NOT NULL DEFAULT '{}', updated_ms bigint NOT NULL); "
	"CREATE TABLE llm_exchanges (seq bigserial PRIMARY KEY, key text NOT NULL, model text, "
	"request jsonb NOT NULL, response jsonb, status integer, tokens_in integer, "
	"tokens_out integer, cost double precision, duration_ms bigint, at_ms bigint NOT NULL); "
	"CREATE TABLE llm_cache (key text PRIMARY KEY, model text, response jsonb NOT NULL, "
	"at_ms bigint NOT NULL)",

	"CREATE TABLE advisories (ecosystem text NOT NULL, package text NOT NULL, "
	"id text NOT NULL, modified text NOT NULL, doc text NOT NULL, "
	"PRIMARY KEY (ecosystem, package, id)); "
	"CREATE INDEX advisories_id ON advisories (id)",

	"ALTER TABLE rollouts ADD COLUMN command text",

	"CREATE TABLE api_keys (id text PRIMARY KEY, name text NOT NULL, "
	"hash text NOT NULL UNIQUE, scopes text NOT NULL, created_ms bigint NOT NULL, "
	"revoked_ms bigint)",
};

static const char staging_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS ak_staging (ord integer NOT NULL, "
	"source text NOT NULL, id text NOT NULL, type text NOT NULL, subject text, "
	"time text, time_ms bigint, data jsonb, raw text NOT NULL, stage text, status text) "
	"ON COMMIT DELETE ROWS";

static const char copy_sql[] =
	"COPY pg_temp.ak_staging (ord, source, id, type, subject, time, time_ms, data, raw, "
	"stage, status) FROM STDIN";

/*
 * Move the staged batch into events and fold what was new into features:
 * per subject, the last new event (by seq) gives status, last_id,
 * last_time and last_ms, the last one with a stage gives the stage (agent.*
 * events keep it), and events grows by the count. This is what updating
 * features row by row, in seq order, would leave. $1 is recorded_ms.
 * DISTINCT ON (i.seq) ... st.ord: of two lines with one (source, id) in a
 * batch, the first is the one stored, so its stage and status count.
 */
static const char append_sql[] =
	"WITH ins AS ("
	" INSERT INTO events (source, id, type, subject, time, time_ms, data, raw, recorded_ms)"
	" SELECT source, id, type, subject, time, time_ms, data, raw, $1::bigint"
	" FROM pg_temp.ak_staging ORDER BY ord"
	" ON CONFLICT (source, id) DO NOTHING"
	" RETURNING seq, source, id, subject, time, time_ms"
	"), fresh AS ("
	" SELECT DISTINCT ON (i.seq) i.seq, i.subject, i.id, i.time, i.time_ms, st.stage, st.status"
	" FROM ins i JOIN pg_temp.ak_staging st ON st.source = i.source AND st.id = i.id"
	" WHERE i.subject IS NOT NULL ORDER BY i.seq, st.ord"
	"), per AS ("
	" SELECT DISTINCT ON (subject) subject, stage, status, id, time, time_ms, n FROM ("
	"  SELECT subject, status, id, time, time_ms, seq,"
	"  count(*) OVER (PARTITION BY subject) AS n,"
	"  first_value(stage) OVER (PARTITION BY subject ORDER BY stage IS NULL, seq DESC) AS stage"
	"  FROM fresh) last"
	" ORDER BY subject, seq DESC"
	"), up AS ("
	" INSERT INTO features AS f (subject, stage, status, last_id, last_time, last_ms, events)"
	" SELECT subject, stage, status, id, time, time_ms, n FROM per"
	" ON CONFLICT (subject) DO UPDATE SET stage = coalesce(excluded.stage, f.stage),"
	" status = excluded.status, last_id = excluded.last_id, last_time = excluded.last_time,"
	" last_ms = excluded.last_ms, events = f.events + excluded.events"
	") SELECT count(*) FROM ins";

static const char event_cols[] =
	"SELECT seq, source, id, type, subject, time, time_ms, raw FROM events";

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy the first line of msg, without a "SEVERITY:  " prefix, into out. */
static void first_line(const char *msg, char *out, size_t outlen)
{
	size_t n;

	if (!msg)
		msg = "";
	if (!strncmp(msg, "ERROR:  ", 8) || !strncmp(msg, "FATAL:  ", 8))
		msg += 8;
	n = strcspn(msg, "\n");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

/* libpq prints notices on stderr by default; a library must not. */
static void drop_notice(void *arg, const char *message)
{
}

/*
 * Record why res (which may be NULL) or the connection failed; what says
 * what was being done ("append to", "query"). Returns -1.
 */
static int pg_fail(struct store *s, const PGresult *res, const char *what)
{
	struct pg *pg = s->db;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[512];

	snprintf(pg->sqlstate, sizeof(pg->sqlstate), "%s", state ? state : "");
	if (primary)
		first_line(primary, msg, sizeof(msg));
	else if (res && *PQresultErrorMessage(res))
		first_line(PQresultErrorMessage(res), msg, sizeof(msg));
	else
		first_line(PQerrorMessage(pg->conn), msg, sizeof(msg));
	if (!*msg)
		snprintf(msg, sizeof(msg), "unexpected reply %s",
			 res ? PQresStatus(PQresultStatus(res)) : "(none)");
	/*
	 * class 08: connection exception; 57P0x: the server is shutting down;
	 * no SQLSTATE at all: the error came from libpq, not the server (a
	 * socket closed in the middle of a COPY, say), so the server is gone.
	 */
	if (PQstatus(pg->conn) == CONNECTION_BAD || !*pg->sqlstate ||
	    !strncmp(pg->sqlstate, "08", 2) || !strncmp(pg->sqlstate, "57P0", 4)) {
		pg->lost = 1;
		return ak_error(AK_EXIT_UNAVAILABLE, "store '%s' went away: %s", s->spec, msg);
	}
	if (!strncmp(pg->sqlstate, "22", 2))
		return ak_error(AK_EXIT_DATAERR, "cannot %s store '%s': %s", what, s->spec, msg);
	return ak_error(AK_EXIT_SOFTWARE, "cannot %s store '%s': %s", what, s->spec, msg);
}

/* Run sql (no parameters, possibly several statements); the last result
 * must have status want. Returns 0 or -1 with ak_error. */
static int run(struct store *s, const char *sql, ExecStatusType want, const char *what)
{
	struct pg *pg = s->db;
	PGresult *res = PQexec(pg->conn, sql);
	int rc = 0;

	if (!res || PQresultStatus(res) != want)
		rc = pg_fail(s, res, what);
	PQclear(res);
	return rc;
}

/* Run sql with text parameters; the caller owns (PQclear) the result.
 * NULL with ak_error unless the status is want. */
static PGresult *run_params(struct store *s, const char *sql, int n, const char *const *vals,
			    ExecStatusType want, const char *what)
{
	struct pg *pg = s->db;
	PGresult *res = PQexecParams(pg->conn, sql, n, NULL, vals, NULL, NULL, 0);

	if (!res || PQresultStatus(res) != want) {
		pg_fail(s, res, what);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Per-session settings, after connecting and after a reset. */
static int session_setup(struct store *s)
{
	struct pg *pg = s->db;
	const char *enc;

	PQsetNoticeProcessor(pg->conn, drop_notice, NULL);
	enc = PQparameterStatus(pg->conn, "server_encoding");
	if (!enc || strcmp(enc, "UTF8"))
		return ak_error(AK_EXIT_UNAVAILABLE,
				"store '%s' has encoding '%s'; agentkit needs a UTF8 database",
				s->spec, enc ? enc : "unknown");
	pg->staged = 0;
	pg->prepared = 0;
	pg->lost = 0;
	/* extra_float_digits 3: a double (an LLM cost) comes back exactly */
	return run(s, "SET client_min_messages = warning; SET client_encoding = 'UTF8'; "
		   "SET extra_float_digits = 3", PGRES_COMMAND_OK, "set up");
}

/*
 * Make sure the connection is usable before an operation. Outside any
 * transaction a broken connection is reset once (a restarted server, an
 * idle connection cut by a proxy); inside one the transaction is gone, so
 * the operation fails. Returns 0 or -1 with ak_error.
 */
static int pg_ready(struct store *s)
{
	struct pg *pg = s->db;
	char msg[512];

	if (!pg->lost && PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	if (pg->depth > 0) {
		first_line(PQerrorMessage(pg->conn), msg, sizeof(msg));
		return ak_error(AK_EXIT_UNAVAILABLE, "store '%s' went away: %s", s->spec, msg);
	}
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		pg->lost = 1;
		first_line(PQerrorMessage(pg->conn), msg, sizeof(msg));
		return ak_error(AK_EXIT_UNAVAILABLE, "cannot connect to store '%s': %s", s->spec, msg);
	}
	return session_setup(s);
}

/*
 * Transactions nest: the outermost level is BEGIN/COMMIT, inner levels are
 * savepoints, so an operation run from a query callback joins the query's
 * transaction. tx_commit is the only way to report a write as done.
 */
static int tx_begin(struct store *s, const char *what)
{
	struct pg *pg = s->db;
	char sql[48];

	if (pg->depth == 0)
		snprintf(sql, sizeof(sql), "BEGIN");
	else
		snprintf(sql, sizeof(sql), "SAVEPOINT ak_%d", pg->depth);
	if (run(s, sql, PGRES_COMMAND_OK, what) < 0)
		return -1;
	pg->depth++;
	return 0;
}

static int tx_commit(struct store *s, const char *what)
{
	struct pg *pg = s->db;
	PGresult *res;
	char sql[48];
	int rc = 0;

	if (pg->depth <= 0)
		return ak_error(AK_EXIT_SOFTWARE, "cannot %s store '%s': no transaction to commit",
				what, s->spec);
	pg->depth--;
	if (pg->depth > 0) {
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT ak_%d", pg->depth);
		return run(s, sql, PGRES_COMMAND_OK, what);
	}
	res = PQexec(pg->conn, "COMMIT");
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, res, what);
	else if (strcmp(PQcmdStatus(res), "COMMIT"))
		/* COMMIT of a failed transaction answers ROLLBACK */
		rc = ak_error(AK_EXIT_SOFTWARE, "cannot %s store '%s': the transaction was rolled back",
			      what, s->spec);
	PQclear(res);
	return rc;
}

/* Undo the innermost level. Never records an error: the caller's stands. */
static void tx_rollback(struct store *s)
{
	struct pg *pg = s->db;
	char sql[96];

	if (pg->depth <= 0)
		return;
	pg->depth--;
	if (pg->lost || PQstatus(pg->conn) != CONNECTION_OK)
		return;
	if (pg->depth == 0)
		snprintf(sql, sizeof(sql), "ROLLBACK");
	else
		snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT ak_%d; RELEASE SAVEPOINT ak_%d",
			 pg->depth, pg->depth);
	PQclear(PQexec(pg->conn, sql));
}

static int64_t get_i64(const PGresult *res, int row, int col, int64_t if_null)
{
	if (PQgetisnull(res, row, col))
		return if_null;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static const char *get_str(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/*
 * The schema version as this connection sees it now; 0 with no table.
 * to_regclass alone answers from the backend's catalog cache, which can
 * still say "no such table" after another session created it and released
 * the migration lock; reading pg_class in the same statement locks it,
 * which brings the cache up to date first.
 */
static int read_version(struct store *s, int *version)
{
	PGresult *res;
	int have;

	res = run_params(s, "SELECT count(*) FROM pg_catalog.pg_class "
			 "WHERE oid = to_regclass('schema_version')", 0, NULL,
			 PGRES_TUPLES_OK, "read the version of");
	if (!res)
		return -1;
	have = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	*version = 0;
	if (!have)
		return 0;
	res = run_params(s, "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL,
			 PGRES_TUPLES_OK, "read the version of");
	if (!res)
		return -1;
	*version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

static int pg_version(struct store *s, int *version)
{
	if (pg_ready(s) < 0)
		return -1;
	return read_version(s, version);
}

/*
 * Each step runs in its own transaction with the update of schema_version,
 * under an advisory lock, and the version is read again once the lock is
 * held: of two processes migrating at once, the second finds the work done.
 */
static int pg_migrate(struct store *s, int from, int to)
{
	char sql[192];
	int v;

	if (pg_ready(s) < 0)
		return -1;
	for (;;) {
		if (tx_begin(s, "migrate") < 0)
			return -1;
		if (run(s, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", PGRES_TUPLES_OK,
			"migrate") < 0 || read_version(s, &v) < 0)
			goto fail;
		if (v >= to)
			return tx_commit(s, "migrate");
		if (v < 0) {
			ak_error(AK_EXIT_SOFTWARE, "cannot migrate store '%s': bad schema version %d",
				 s->spec, v);
			goto fail;
		}
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL); "
			 "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (%d)",
			 v + 1);
		if (run(s, store_pg_steps[v], PGRES_COMMAND_OK, "migrate") < 0 ||
		    run(s, sql, PGRES_COMMAND_OK, "migrate") < 0)
			goto fail;
		if (tx_commit(s, "migrate") < 0)
			return -1;
	}
fail:
	tx_rollback(s);
	return -1;
}

/* Bytes that COPY's text format escapes, and what follows the backslash. */
static const char copy_escape[256] = {
	['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', ['\0'] = '0',
};

/*
 * Append p[0..n) to b escaped for COPY text format. A NUL byte cannot be
 * stored in a text column at all: -1 with ak_error (AK_EXIT_DATAERR).
 */
static int copy_add(struct buf *b, const char *p, size_t n)
{
	char *o;

	if (buf_grow(b, 2 * n) < 0)
		return -1;
	o = b->p + b->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!copy_escape[c]) {
			*o++ = (char)c;
			continue;
		}
		if (!c)
			return ak_error(AK_EXIT_DATAERR, "cannot store text holding a NUL byte");
		*o++ = '\\';
		*o++ = copy_escape[c];
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
	return 0;
}

/* A column: the string escaped, or \N for NULL; then the separator. */
static int copy_col(struct buf *b, const char *s, char sep)
{
	if (s ? copy_add(b, s, strlen(s)) < 0 : buf_add(b, "\\N", 2) < 0)
		return -1;
	return buf_addch(b, sep);
}

/* The code unit of the \uXXXX escape at p (p[0] is the backslash), or -1. */
static long u_escape(const char *p, const char *end)
{
	long v = 0;

	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++) {
		int h = hex_value((unsigned char)p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * 1 when jsonb can hold the JSON text p[0..n) (which is valid JSON): no
 * \u0000, no lone surrogate escape, every number within numeric's range.
 * Numbers are judged by their digits before and after the point and the
 * exponent, a little more strictly than PostgreSQL for values like 0.001e5.
 */
static int jsonb_ok(const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				long u, lo;

				if (*p != '\\')
					continue;
				if (p + 1 < end && p[1] != 'u') {
					p++;
					continue;
				}
				u = u_escape(p, end);
				if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
					return 0;
				if (u >= 0xd800 && u <= 0xdbff) {
					lo = u_escape(p + 6, end);
					if (lo < 0xdc00 || lo > 0xdfff)
						return 0;
					p += 6;
				}
				p += 5;
			}
			p++;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			long ints = 0, fracs = 0, exp = 0;
			int neg = 0;

			if (*p == '-')
				p++;
			for (; p < end && *p >= '0' && *p <= '9'; p++)
				ints++;
			if (p < end && *p == '.')
				for (p++; p < end && *p >= '0' && *p <= '9'; p++)
					fracs++;
			if (p < end && (*p == 'e' || *p == 'E')) {
				p++;
				if (p < end && (*p == '+' || *p == '-'))
					neg = *p++ == '-';
				for (; p < end && *p >= '0' && *p <= '9'; p++)
					if (exp < 1000000000)
						exp = exp * 10 + (*p - '0');
				if (neg)
					exp = -exp;
			}
			if (ints > 1000000000 || fracs > 1000000000 ||
			    ints + exp > 131072 || fracs - exp > 16383)
				return 0;
		} else {
			p++;
		}
	}
	return 1;
}

/* The COPY text of one staging row. */
static int copy_row(struct buf *b, const struct store_row *r, size_t ord)
{
	char num[32];

	if (buf_addf(b, "%zu\t", ord) < 0 || copy_col(b, r->source, '\t') < 0 ||
	    copy_col(b, r->id, '\t') < 0 || copy_col(b, r->type, '\t') < 0 ||
	    copy_col(b, r->subject, '\t') < 0 || copy_col(b, r->time, '\t') < 0)
		return -1;
	snprintf(num, sizeof(num), "%" PRId64, r->time_ms);
	if (copy_col(b, r->time_ms == INT64_MIN ? NULL : num, '\t') < 0)
		return -1;
	if (r->data && jsonb_ok(r->data, r->data_len)) {
		if (copy_add(b, r->data, r->data_len) < 0 || buf_addch(b, '\t') < 0)
			return -1;
	} else if (buf_add(b, "\\N\t", 3) < 0) {
		return -1;
	}
	if (copy_add(b, r->raw, r->raw_len) < 0 || buf_addch(b, '\t') < 0)
		return -1;
	return copy_col(b, r->stage, '\t') < 0 ? -1 : copy_col(b, r->status, '\n');
}

/*
 * Create the staging table and prepare the append statement, once per
 * session. Outside any transaction (before the batch's own begins) the
 * table is there for good; inside a caller's it goes if that is rolled
 * back, so it is made again next time (IF NOT EXISTS). The prepared
 * statement belongs to the session and outlives both; PostgreSQL plans it
 * again when the table it reads is made anew.
 */
static int ensure_staged(struct store *s)
{
	struct pg *pg = s->db;
	PGresult *res;

	if (!pg->staged) {
		if (run(s, staging_sql, PGRES_COMMAND_OK, "append to") < 0)
			return -1;
		pg->staged = pg->depth == 0;
	}
	if (!pg->prepared) {
		res = PQprepare(pg->conn, "ak_append", append_sql, 1, NULL);
		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_fail(s, res, "append to");
			PQclear(res);
			return -1;
		}
		PQclear(res);
		pg->prepared = 1;
	}
	return 0;
}

/* One attempt at the batch: copy, move, commit. */
static int append_once(struct store *s, const struct store_row *rows, size_t n,
		       uint64_t *inserted)
{
	struct pg *pg = s->db;
	PGresult *res;
	char recorded[32];
	const char *params[1] = { recorded };
	uint64_t count;
	int sent = 1;

	buf_reset(&pg->copy);
	for (size_t i = 0; i < n; i++)
		if (copy_row(&pg->copy, &rows[i], i) < 0)
			return -1;
	snprintf(recorded, sizeof(recorded), "%" PRId64, now_ms());

	if (pg->depth == 0 && ensure_staged(s) < 0)
		return -1;
	if (tx_begin(s, "append to") < 0)
		return -1;
	if (run(s, "SELECT pg_advisory_xact_lock(" APPEND_LOCK ")", PGRES_TUPLES_OK,
		"append to") < 0)
		goto fail;
	/* inside a caller's transaction: the table may be gone with an earlier
	 * rollback, and rows staged by an earlier append are still there */
	if (pg->depth > 1 && (ensure_staged(s) < 0 ||
			      run(s, "DELETE FROM pg_temp.ak_staging", PGRES_COMMAND_OK,
				  "append to") < 0))
		goto fail;
	res = PQexec(pg->conn, copy_sql);
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		pg_fail(s, res, "append to");
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	for (size_t off = 0; off < pg->copy.len && sent == 1; off += COPY_CHUNK)
		sent = PQputCopyData(pg->conn, pg->copy.p + off,
				     (int)(pg->copy.len - off < COPY_CHUNK ? pg->copy.len - off
									   : COPY_CHUNK));
	if (sent != 1 || PQputCopyEnd(pg->conn, NULL) != 1) {
		pg_fail(s, NULL, "append to");
		while ((res = PQgetResult(pg->conn)))
			PQclear(res);
		goto fail;
	}
	res = PQgetResult(pg->conn);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(s, res, "append to");
		PQclear(res);
		while ((res = PQgetResult(pg->conn)))
			PQclear(res);
		goto fail;
	}
	PQclear(res);
	while ((res = PQgetResult(pg->conn)))
		PQclear(res);

	res = PQexecPrepared(pg->conn, "ak_append", 1, params, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_fail(s, res, "append to");
		PQclear(res);
		goto fail;
	}
	count = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (tx_commit(s, "append to") < 0)
		return -1;
	*inserted = count;
	return 0;
fail:
	tx_rollback(s);
	return -1;
}

/*
 * Appends take turns, so they cannot deadlock one another; a deadlock with
 * some other writer, or a serialization failure where the server defaults
 * to SERIALIZABLE, is retried with the whole batch, since nothing of it was
 * kept. Inside a caller's transaction there is nothing to retry with.
 */
static int pg_append(struct store *s, const struct store_row *rows, size_t n,
		     uint64_t *inserted)
{
	struct pg *pg = s->db;
	int rc = -1;

	*inserted = 0;
	if (pg_ready(s) < 0)
		return -1;
	for (int i = 0; i < APPEND_TRIES; i++) {
		pg->sqlstate[0] = '\0';
		rc = append_once(s, rows, n, inserted);
		if (rc == 0 || pg->depth > 0 ||
		    (strcmp(pg->sqlstate, "40P01") && strcmp(pg->sqlstate, "40001")))
			break;
	}
	return rc;
}

/*
 * Run the query sql (with text parameters) through a cursor, calling
 * row(res, i, ctx) for each row until it returns non-zero, which is then
 * returned. The transaction is committed even when row stops the walk,
 * since operations the callback ran may have joined it.
 */
static int cursor_each(struct store *s, const char *what, const char *sql, int nparams,
		       const char *const *params,
		       int (*row)(const PGresult *res, int i, void *ctx), void *ctx)
{
	struct pg *pg = s->db;
	struct buf decl = BUF_INIT;
	char fetch[64], close_sql[48], saved[1024];
	enum ak_exit saved_code = AK_EXIT_SOFTWARE;
	PGresult *res;
	int rc = 0, level;

	if (pg_ready(s) < 0)
		return -1;
	if (tx_begin(s, what) < 0)
		return -1;
	level = pg->depth;
	res = NULL;
	if (buf_addf(&decl, "DECLARE ak_cursor_%d NO SCROLL CURSOR FOR %s", level, sql) == 0)
		res = run_params(s, decl.p, nparams, params, PGRES_COMMAND_OK, what);
	buf_release(&decl);
	if (!res)
		goto fail;
	PQclear(res);
	snprintf(fetch, sizeof(fetch), "FETCH %d FROM ak_cursor_%d", FETCH_ROWS, level);
	snprintf(close_sql, sizeof(close_sql), "CLOSE ak_cursor_%d", level);
	while (!rc) {
		int n;

		res = run_params(s, fetch, 0, NULL, PGRES_TUPLES_OK, what);
		if (!res)
			goto fail;
		n = PQntuples(res);
		for (int i = 0; i < n && !rc; i++)
			rc = row(res, i, ctx);
		PQclear(res);
		if (pg->depth != level) {
			ak_error(AK_EXIT_SOFTWARE, "cannot %s store '%s': a callback left a "
				 "transaction open", what, s->spec);
			goto fail;
		}
		if (n < FETCH_ROWS)
			break;
	}
	if (rc < 0) {
		snprintf(saved, sizeof(saved), "%s", ak_errmsg());
		saved_code = ak_errcode();
	}
	if (run(s, close_sql, PGRES_COMMAND_OK, what) < 0)
		goto fail;
	if (tx_commit(s, what) < 0)
		return -1;
	if (rc < 0)
		ak_error(saved_code, "%s", saved);
	return rc;
fail:
	tx_rollback(s);
	return -1;
}

struct event_walk {
	int (*fn)(const struct store_event *ev, void *ctx);
	void *ctx;
};

static void event_of(const PGresult *res, int i, struct store_event *ev)
{
	ev->seq = get_i64(res, i, 0, 0);
	ev->source = PQgetvalue(res, i, 1);
	ev->id = PQgetvalue(res, i, 2);
	ev->type = PQgetvalue(res, i, 3);
	ev->subject = get_str(res, i, 4);
	ev->time = get_str(res, i, 5);
	ev->time_ms = get_i64(res, i, 6, INT64_MIN);
	ev->raw = PQgetvalue(res, i, 7);
	ev->raw_len = (size_t)PQgetlength(res, i, 7);
}

static int event_row(const PGresult *res, int i, void *ctx)
{
	struct event_walk *w = ctx;
	struct store_event ev;

	event_of(res, i, &ev);
	return w->fn(&ev, w->ctx);
}

/* A LIKE pattern matching what starts with prefix[0..n). */
static int like_prefix(struct buf *b, const char *prefix, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = prefix[i];

		if ((c == '%' || c == '_' || c == '\\') && buf_addch(b, '\\') < 0)
			return -1;
		if (buf_addch(b, c) < 0)
			return -1;
	}
	return buf_addch(b, '%');
}

static int pg_query(struct store *s, const struct store_query *q,
		    int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	struct event_walk w = { fn, ctx };
	struct buf sql = BUF_INIT, pat = BUF_INIT;
	char nums[4][32];
	const char *params[6];
	int np = 0, nn = 0, rc = -1;
	size_t tl = q->type ? strlen(q->type) : 0;

#define COND(fmt) buf_addf(&sql, "%s" fmt "$%d", np ? " AND " : " WHERE ", np + 1)
	if (buf_addstr(&sql, event_cols) < 0)
		goto out;
	if (q->subject) {
		if (COND("subject = ") < 0)
			goto out;
		params[np++] = q->subject;
	}
	if (q->type && tl >= 2 && !strcmp(q->type + tl - 2, ".*")) {
		if (like_prefix(&pat, q->type, tl - 1) < 0 || COND("type LIKE ") < 0)
			goto out;
		params[np++] = pat.p;
	} else if (q->type) {
		if (COND("type = ") < 0)
			goto out;
		params[np++] = q->type;
	}
	if (q->since_ms != INT64_MIN) {
		if (COND("time_ms >= ") < 0)
			goto out;
		snprintf(nums[nn], sizeof(nums[nn]), "%" PRId64, q->since_ms);
		params[np++] = nums[nn++];
	}
	if (q->until_ms != INT64_MAX) {
		if (COND("time_ms < ") < 0)
			goto out;
		snprintf(nums[nn], sizeof(nums[nn]), "%" PRId64, q->until_ms);
		params[np++] = nums[nn++];
	}
	if (q->after_seq > 0) {
		if (COND("seq > ") < 0)
			goto out;
		snprintf(nums[nn], sizeof(nums[nn]), "%" PRId64, q->after_seq);
		params[np++] = nums[nn++];
	}
#undef COND
	if (buf_addstr(&sql, q->newest_first ? " ORDER BY seq DESC" : " ORDER BY seq") < 0)
		goto out;
	if (q->limit > 0) {
		if (buf_addf(&sql, " LIMIT $%d", np + 1) < 0)
			goto out;
		snprintf(nums[nn], sizeof(nums[nn]), "%" PRId64, q->limit);
		params[np++] = nums[nn++];
	}
	rc = cursor_each(s, "query", sql.p, np, params, event_row, &w);
out:
	buf_release(&sql);
	buf_release(&pat);
	return rc;
}

static int pg_get(struct store *s, const char *source, const char *id,
		  int (*fn)(const struct store_event *ev, void *ctx), void *ctx)
{
	struct buf sql = BUF_INIT;
	struct store_event ev;
	const char *params[2] = { id, source };
	PGresult *res;
	int rc;

	if (pg_ready(s) < 0)
		return -1;
	if (buf_addf(&sql, "%s WHERE id = $1%s ORDER BY seq LIMIT 1", event_cols,
		     source ? " AND source = $2" : "") < 0)
		return -1;
	res = run_params(s, sql.p, source ? 2 : 1, params, PGRES_TUPLES_OK, "read from");
	buf_release(&sql);
	if (!res)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	event_of(res, 0, &ev);
	rc = fn(&ev, ctx);
	PQclear(res);
	return rc < 0 ? rc : 1;
}

struct feature_walk {
	int (*fn)(const struct store_feature *f, void *ctx);
	void *ctx;
};

static int feature_row(const PGresult *res, int i, void *ctx)
{
	struct feature_walk *w = ctx;
	struct store_feature f;

	f.subject = PQgetvalue(res, i, 0);
	f.stage = get_str(res, i, 1);
	f.status = get_str(res, i, 2);
	f.last_id = PQgetvalue(res, i, 3);
	f.last_time = get_str(res, i, 4);
	f.events = get_i64(res, i, 5, 0);
	f.last_ms = get_i64(res, i, 6, INT64_MIN);
	return w->fn(&f, w->ctx);
}

static int pg_features(struct store *s, const char *subject,
		       int (*fn)(const struct store_feature *f, void *ctx), void *ctx)
{
	struct feature_walk w = { fn, ctx };
	const char *params[1] = { subject };

	if (subject)
		return cursor_each(s, "read features from",
				   "SELECT subject, stage, status, last_id, last_time, events, last_ms "
				   "FROM features WHERE subject = $1", 1, params, feature_row, &w);
	return cursor_each(s, "read features from",
			   "SELECT subject, stage, status, last_id, last_time, events, last_ms "
			   "FROM features ORDER BY subject", 0, NULL, feature_row, &w);
}

static int pg_join_put(struct store *s, const char *agent, const char *subject,
		       const char *type, const char *raw, size_t len)
{
	char seen[32], *copy;
	const char *params[5];
	PGresult *res;

	if (memchr(raw, '\0', len))
		return ak_error(AK_EXIT_DATAERR, "cannot store text holding a NUL byte");
	if (pg_ready(s) < 0)
		return -1;
	copy = malloc(len + 1);
	if (!copy)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	memcpy(copy, raw, len);
	copy[len] = '\0';
	snprintf(seen, sizeof(seen), "%" PRId64, now_ms());
	params[0] = agent;
	params[1] = subject;
	params[2] = type;
	params[3] = copy;
	params[4] = seen;
	res = run_params(s, "INSERT INTO joins (agent, subject, type, raw, seen_ms) "
			 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent, subject, type) "
			 "DO UPDATE SET raw = excluded.raw, seen_ms = excluded.seen_ms",
			 5, params, PGRES_COMMAND_OK, "record a join in");
	free(copy);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

static int pg_join_get(struct store *s, const char *agent, const char *subject,
		       int (*fn)(const char *type, const char *raw, size_t len, void *ctx),
		       void *ctx)
{
	const char *params[2] = { agent, subject };
	PGresult *res;
	int rc = 0;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "SELECT type, raw FROM joins WHERE agent = $1 AND subject = $2 "
			 "ORDER BY type", 2, params, PGRES_TUPLES_OK, "read joins from");
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && !rc; i++)
		rc = fn(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			(size_t)PQgetlength(res, i, 1), ctx);
	PQclear(res);
	return rc;
}

static int pg_join_clear(struct store *s, const char *agent, const char *subject)
{
	const char *params[2] = { agent, subject };
	PGresult *res;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "DELETE FROM joins WHERE agent = $1 AND subject = $2", 2, params,
			 PGRES_COMMAND_OK, "clear joins in");
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* PostgreSQL checkpoints by itself; nothing waits for it in a commit. */
static int pg_checkpoint(struct store *s, int64_t restart_over)
{
	return 0;
}

static int pg_manual_checkpoints(struct store *s)
{
	return 0;
}

/* VACUUM cannot run in a transaction, so not from a query callback. */
static int pg_vacuum(struct store *s)
{
	struct pg *pg = s->db;
	int v;

	if (pg->depth > 0)
		return ak_error(AK_EXIT_SOFTWARE, "cannot vacuum store '%s' inside a transaction",
				s->spec);
	if (pg_ready(s) < 0 || read_version(s, &v) < 0)
		return -1;
	if (v < 1)
		return 0;
	return run(s, v < 2 ? "VACUUM ANALYZE schema_version, events, features" :
		   v < 3 ? "VACUUM ANALYZE schema_version, events, features, joins, rollouts, "
		   "llm_exchanges, llm_cache" :
		   v < 5 ? "VACUUM ANALYZE schema_version, events, features, joins, rollouts, "
		   "llm_exchanges, llm_cache, advisories" :
		   "VACUUM ANALYZE schema_version, events, features, joins, rollouts, "
		   "llm_exchanges, llm_cache, advisories, api_keys", PGRES_COMMAND_OK, "vacuum");
}

static int pg_count(struct store *s, int64_t *n)
{
	PGresult *res;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "SELECT count(*) FROM events", 0, NULL, PGRES_TUPLES_OK,
			 "count events in");
	if (!res)
		return -1;
	*n = get_i64(res, 0, 0, 0);
	PQclear(res);
	return 0;
}

/*
 * One write statement. Inside a caller's transaction (from a query
 * callback) it runs in a savepoint, so a write that fails leaves the
 * caller's transaction usable. *affected, unless NULL, counts the rows.
 */
static int pg_write(struct store *s, const char *sql, int n, const char *const *params,
		    const char *what, int64_t *affected)
{
	struct pg *pg = s->db;
	int nested = pg->depth > 0;
	PGresult *res;

	if (pg_ready(s) < 0)
		return -1;
	if (nested && tx_begin(s, what) < 0)
		return -1;
	res = run_params(s, sql, n, params, PGRES_COMMAND_OK, what);
	if (!res) {
		if (nested)
			tx_rollback(s);
		return -1;
	}
	if (affected)
		*affected = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return nested ? tx_commit(s, what) : 0;
}

/* A number as a text parameter: buffers of 32 bytes. */
static const char *i64_param(char *out, int64_t v)
{
	snprintf(out, 32, "%" PRId64, v);
	return out;
}

static int pg_llm_log(struct store *s, const struct store_llm_exchange *x)
{
	char num[6][32];
	const char *params[10];

	params[0] = x->key;
	params[1] = x->model;
	params[2] = x->request;
	params[3] = x->response;
	params[4] = x->status ? i64_param(num[0], x->status) : NULL;
	params[5] = i64_param(num[1], x->tokens_in);
	params[6] = i64_param(num[2], x->tokens_out);
	/* 17 significant digits give the double back exactly */
	snprintf(num[3], sizeof(num[3]), "%.17g", x->cost);
	params[7] = num[3];
	params[8] = i64_param(num[4], x->duration_ms);
	params[9] = i64_param(num[5], x->at_ms);
	return pg_write(s, "INSERT INTO llm_exchanges (key, model, request, response, status, "
			"tokens_in, tokens_out, cost, duration_ms, at_ms) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			10, params, "log an LLM exchange in", NULL);
}

struct llm_walk {
	int (*fn)(const struct store_llm_exchange *x, void *ctx);
	int (*stat_fn)(const struct store_llm_stat *st, void *ctx);
	void *ctx;
};

static int exchange_row(const PGresult *res, int i, void *ctx)
{
	struct llm_walk *w = ctx;
	struct store_llm_exchange x;

	x.seq = get_i64(res, i, 0, 0);
	x.key = PQgetvalue(res, i, 1);
	x.model = get_str(res, i, 2);
	x.request = PQgetvalue(res, i, 3);
	x.response = get_str(res, i, 4);
	x.status = (int)get_i64(res, i, 5, 0);
	x.tokens_in = get_i64(res, i, 6, 0);
	x.tokens_out = get_i64(res, i, 7, 0);
	x.cost = PQgetisnull(res, i, 8) ? 0.0 : strtod(PQgetvalue(res, i, 8), NULL);
	x.duration_ms = get_i64(res, i, 9, 0);
	x.at_ms = get_i64(res, i, 10, 0);
	return w->fn(&x, w->ctx);
}

static int pg_llm_exchanges(struct store *s, const struct store_llm_query *q,
			    int (*fn)(const struct store_llm_exchange *x, void *ctx), void *ctx)
{
	struct llm_walk w = { .fn = fn, .ctx = ctx };
	struct buf sql = BUF_INIT;
	char nums[2][32];
	const char *params[3];
	int np = 0, rc = -1;

	if (buf_addstr(&sql, "SELECT seq, key, model, request::text, response::text, status, "
		       "tokens_in, tokens_out, cost, duration_ms, at_ms FROM llm_exchanges") < 0)
		goto out;
	if (q->model) {
		if (buf_addf(&sql, " WHERE model = $%d", np + 1) < 0)
			goto out;
		params[np++] = q->model;
	}
	if (q->since_ms != INT64_MIN) {
		if (buf_addf(&sql, "%s at_ms >= $%d", np ? " AND" : " WHERE", np + 1) < 0)
			goto out;
		params[np++] = i64_param(nums[0], q->since_ms);
	}
	if (buf_addstr(&sql, q->newest_first ? " ORDER BY seq DESC" : " ORDER BY seq") < 0)
		goto out;
	if (q->limit > 0) {
		if (buf_addf(&sql, " LIMIT $%d", np + 1) < 0)
			goto out;
		params[np++] = i64_param(nums[1], q->limit);
	}
	rc = cursor_each(s, "read LLM exchanges from", sql.p, np, params, exchange_row, &w);
out:
	buf_release(&sql);
	return rc;
}

static int stat_row(const PGresult *res, int i, void *ctx)
{
	struct llm_walk *w = ctx;
	struct store_llm_stat t;

	t.model = get_str(res, i, 0);
	t.requests = get_i64(res, i, 1, 0);
	t.errors = get_i64(res, i, 2, 0);
	t.tokens_in = get_i64(res, i, 3, 0);
	t.tokens_out = get_i64(res, i, 4, 0);
	t.cost = PQgetisnull(res, i, 5) ? 0.0 : strtod(PQgetvalue(res, i, 5), NULL);
	t.duration_ms = get_i64(res, i, 6, 0);
	t.max_ms = get_i64(res, i, 7, 0);
	return w->stat_fn(&t, w->ctx);
}

/* Ordered as SQLite orders: bytes (COLLATE "C"), the NULL model first. */
static int pg_llm_stats(struct store *s, int64_t since_ms,
			int (*fn)(const struct store_llm_stat *st, void *ctx), void *ctx)
{
	struct llm_walk w = { .stat_fn = fn, .ctx = ctx };
	char since[32];
	const char *params[1] = { i64_param(since, since_ms) };

	return cursor_each(s, "read LLM statistics from",
			   "SELECT model, count(*), "
			   "sum(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END), "
			   "coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), "
			   "coalesce(sum(cost), 0), coalesce(sum(duration_ms), 0), "
			   "coalesce(max(duration_ms), 0) FROM llm_exchanges "
			   "WHERE at_ms >= $1::bigint GROUP BY model "
			   "ORDER BY model COLLATE \"C\" NULLS FIRST",
			   1, params, stat_row, &w);
}

static int pg_llm_cache_get(struct store *s, const char *key, char **response)
{
	const char *params[1] = { key };
	PGresult *res;
	int rc = 0;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "SELECT response::text FROM llm_cache WHERE key = $1", 1, params,
			 PGRES_TUPLES_OK, "read the LLM cache of");
	if (!res)
		return -1;
	if (PQntuples(res) > 0) {
		*response = strdup(PQgetvalue(res, 0, 0));
		rc = *response ? 1 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	PQclear(res);
	return rc;
}

static int pg_llm_cache_put(struct store *s, const char *key, const char *model,
			    const char *response, int64_t at_ms)
{
	char at[32];
	const char *params[4] = { key, model, response, i64_param(at, at_ms) };

	return pg_write(s, "INSERT INTO llm_cache (key, model, response, at_ms) "
			"VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET "
			"model = excluded.model, response = excluded.response, "
			"at_ms = excluded.at_ms", 4, params, "update the LLM cache of", NULL);
}

static int pg_llm_cache_clear(struct store *s, const char *model, int64_t *removed)
{
	const char *params[1] = { model };

	*removed = 0;
	if (model)
		return pg_write(s, "DELETE FROM llm_cache WHERE model = $1", 1, params,
				"clear the LLM cache of", removed);
	return pg_write(s, "DELETE FROM llm_cache", 0, NULL, "clear the LLM cache of", removed);
}

static int pg_llm_cache_count(struct store *s, int64_t *entries, int64_t *bytes)
{
	PGresult *res;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "SELECT count(*), coalesce(sum(octet_length(response::text)), 0) "
			 "FROM llm_cache", 0, NULL, PGRES_TUPLES_OK, "count the LLM cache of");
	if (!res)
		return -1;
	*entries = get_i64(res, 0, 0, 0);
	*bytes = get_i64(res, 0, 1, 0);
	PQclear(res);
	return 0;
}

/* A row already there is replaced only by a newer one (text order of modified). */
static int pg_advisory_put(struct store *s, const char *id, const char *ecosystem,
			   const char *package, const char *modified, const char *json)
{
	const char *params[5] = { ecosystem, package, id, modified, json };
	int64_t n = 0;

	if (pg_write(s, "INSERT INTO advisories AS a (ecosystem, package, id, modified, doc) "
		     "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ecosystem, package, id) "
		     "DO UPDATE SET modified = excluded.modified, doc = excluded.doc "
		     "WHERE excluded.modified COLLATE \"C\" > a.modified COLLATE \"C\"",
		     5, params, "store an advisory in", &n) < 0)
		return -1;
	return n > 0;
}

struct adv_walk {
	int (*fn)(const char *id, const char *json, void *ctx);
	void *ctx;
};

static int advisory_row(const PGresult *res, int i, void *ctx)
{
	struct adv_walk *w = ctx;

	return w->fn(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), w->ctx);
}

static int pg_advisory_each(struct store *s, const char *ecosystem, const char *package,
			    int (*fn)(const char *id, const char *json, void *ctx), void *ctx)
{
	struct adv_walk w = { fn, ctx };
	const char *params[2] = { ecosystem, package };

	return cursor_each(s, "read advisories from",
			   "SELECT id, doc FROM advisories WHERE ecosystem = $1 AND package = $2 "
			   "ORDER BY id COLLATE \"C\"", 2, params, advisory_row, &w);
}

static int pg_advisory_count(struct store *s, int64_t *rows, int64_t *ids)
{
	PGresult *res;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "SELECT count(*), count(DISTINCT id) FROM advisories", 0, NULL,
			 PGRES_TUPLES_OK, "count the advisories of");
	if (!res)
		return -1;
	*rows = get_i64(res, 0, 0, 0);
	*ids = get_i64(res, 0, 1, 0);
	PQclear(res);
	return 0;
}

static int pg_rollout_put(struct store *s, const struct store_rollout *r, int64_t now)
{
	char num[3][32];
	const char *params[7] = { r->name, r->subject, r->state, i64_param(num[0], r->step),
				  i64_param(num[1], r->weight), r->doc, i64_param(num[2], now) };

	return pg_write(s, "INSERT INTO rollouts (name, subject, state, step, weight, doc, "
			"updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE "
			"SET subject = excluded.subject, state = excluded.state, step = excluded.step, "
			"weight = excluded.weight, doc = excluded.doc, updated_ms = excluded.updated_ms",
			7, params, "store a rollout in", NULL);
}

struct ro_walk {
	int (*fn)(const struct store_rollout *r, void *ctx);
	void *ctx;
	int found;
};

static int rollout_row(const PGresult *res, int i, void *ctx)
{
	struct ro_walk *w = ctx;
	struct store_rollout r = {
		.name = PQgetvalue(res, i, 0), .subject = get_str(res, i, 1),
		.state = PQgetvalue(res, i, 2), .step = (int)get_i64(res, i, 3, 0),
		.weight = (int)get_i64(res, i, 4, 0), .doc = PQgetvalue(res, i, 5),
		.command = get_str(res, i, 6), .updated_ms = get_i64(res, i, 7, 0),
	};

	w->found = 1;
	return w->fn(&r, w->ctx);
}

static int pg_rollout_get(struct store *s, const char *name,
			  int (*fn)(const struct store_rollout *r, void *ctx), void *ctx)
{
	struct ro_walk w = { fn, ctx, 0 };
	const char *params[1] = { name };
	int rc;

	rc = cursor_each(s, "read rollouts from", name ?
			 "SELECT name, subject, state, step, weight, doc::text, command, updated_ms "
			 "FROM rollouts WHERE name = $1" :
			 "SELECT name, subject, state, step, weight, doc::text, command, updated_ms "
			 "FROM rollouts ORDER BY name COLLATE \"C\"", name ? 1 : 0, params,
			 rollout_row, &w);
	if (rc)
		return rc;
	return name ? w.found : 0;
}

static int pg_rollout_request(struct store *s, const char *name, const char *command)
{
	const char *params[2] = { name, command };
	int64_t n = 0;

	if (pg_write(s, "UPDATE rollouts SET command = $2 WHERE name = $1", 2, params,
		     "store a rollout request in", &n) < 0)
		return -1;
	return n > 0;
}

/* One statement reads and clears: the row lock makes two takers see it once. */
static int pg_rollout_take(struct store *s, const char *name, char **command)
{
	const char *params[1] = { name };
	PGresult *res;
	int rc = 0;

	if (pg_ready(s) < 0)
		return -1;
	res = run_params(s, "UPDATE rollouts r SET command = NULL FROM (SELECT name, command "
			 "FROM rollouts WHERE name = $1 AND command IS NOT NULL FOR UPDATE) o "
			 "WHERE r.name = o.name RETURNING o.command", 1, params, PGRES_TUPLES_OK,
			 "take a rollout request from");
	if (!res)
		return -1;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		if (!(*command = strdup(PQgetvalue(res, 0, 0))))
			rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
		else
			rc = 1;
	}
	PQclear(res);
	return rc;
}

/* ON CONFLICT DO NOTHING: a taken id or hash writes nothing, and store.c
 * says why, as the SQLite backend does. */
static int pg_key_add(struct store *s, const struct store_key *k)
{
	char num[2][32];
	const char *params[6] = { k->id, k->name, k->hash, k->scopes,
				  i64_param(num[0], k->created_ms),
				  k->revoked_ms ? i64_param(num[1], k->revoked_ms) : NULL };
	int64_t n = 0;

	if (pg_write(s, "INSERT INTO api_keys (id, name, hash, scopes, created_ms, revoked_ms) "
		     "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", 6, params,
		     "add an API key to", &n) < 0)
		return -1;
	return n == 0;
}

static int pg_key_revoke(struct store *s, const char *id_or_name, int64_t at_ms,
			 int64_t *revoked)
{
	char at[32];
	const char *params[2] = { id_or_name, i64_param(at, at_ms) };

	*revoked = 0;
	return pg_write(s, "UPDATE api_keys SET revoked_ms = $2 "
			"WHERE revoked_ms IS NULL AND (id = $1 OR name = $1)", 2, params,
			"revoke an API key in", revoked);
}

struct key_walk {
	int (*fn)(const struct store_key *k, void *ctx);
	void *ctx;
};

static int key_row(const PGresult *res, int i, void *ctx)
{
	struct key_walk *w = ctx;
	struct store_key k = {
		.id = PQgetvalue(res, i, 0), .name = PQgetvalue(res, i, 1),
		.hash = PQgetvalue(res, i, 2), .scopes = PQgetvalue(res, i, 3),
		.created_ms = get_i64(res, i, 4, 0), .revoked_ms = get_i64(res, i, 5, 0),
	};

	return w->fn(&k, w->ctx);
}

static int pg_keys(struct store *s, int include_revoked,
		   int (*fn)(const struct store_key *k, void *ctx), void *ctx)
{
	struct key_walk w = { fn, ctx };

	return cursor_each(s, "read API keys from", include_revoked ?
			   "SELECT id, name, hash, scopes, created_ms, revoked_ms FROM api_keys "
			   "ORDER BY created_ms, id COLLATE \"C\"" :
			   "SELECT id, name, hash, scopes, created_ms, revoked_ms FROM api_keys "
			   "WHERE revoked_ms IS NULL ORDER BY created_ms, id COLLATE \"C\"",
			   0, NULL, key_row, &w);
}

static void pg_close(struct store *s)
{
	struct pg *pg = s->db;

	if (!pg)
		return;
	PQfinish(pg->conn);
	buf_release(&pg->copy);
	free(pg);
	s->db = NULL;
}

static const struct store_ops pg_ops = {
	.name = "postgres",
	.migrate = pg_migrate,
	.version = pg_version,
	.append = pg_append,
	.query = pg_query,
	.get = pg_get,
	.features = pg_features,
	.join_put = pg_join_put,
	.join_get = pg_join_get,
	.join_clear = pg_join_clear,
	.vacuum = pg_vacuum,
	.checkpoint = pg_checkpoint,
	.manual_checkpoints = pg_manual_checkpoints,
	.count = pg_count,
	.llm_log = pg_llm_log,
	.llm_exchanges = pg_llm_exchanges,
	.llm_stats = pg_llm_stats,
	.llm_cache_get = pg_llm_cache_get,
	.llm_cache_put = pg_llm_cache_put,
	.llm_cache_clear = pg_llm_cache_clear,
	.llm_cache_count = pg_llm_cache_count,
	.advisory_put = pg_advisory_put,
	.advisory_each = pg_advisory_each,
	.advisory_count = pg_advisory_count,
	.rollout_put = pg_rollout_put,
	.rollout_get = pg_rollout_get,
	.rollout_request = pg_rollout_request,
	.rollout_take = pg_rollout_take,
	.key_add = pg_key_add,
	.key_revoke = pg_key_revoke,
	.keys = pg_keys,
	.close = pg_close,
};

/*
 * Connect with conninfo expanded by libpq. A connect_timeout of 10 s
 * applies unless the string or PGCONNECT_TIMEOUT says otherwise, and
 * application_name is agentkit unless the string or PGAPPNAME names one.
 */
int store_pg_open(struct store *s, const char *conninfo)
{
	const char *keys[4], *vals[4];
	struct pg *pg;
	char msg[512];
	int k = 0;

	if (!getenv("PGCONNECT_TIMEOUT")) {
		keys[k] = "connect_timeout";
		vals[k++] = "10";
	}
	keys[k] = "dbname";
	vals[k++] = conninfo;
	keys[k] = "fallback_application_name";
	vals[k++] = "agentkit";
	keys[k] = NULL;
	vals[k] = NULL;

	pg = calloc(1, sizeof(*pg));
	if (!pg)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		first_line(pg->conn ? PQerrorMessage(pg->conn) : "out of memory", msg, sizeof(msg));
		PQfinish(pg->conn);
		free(pg);
		return ak_error(AK_EXIT_UNAVAILABLE, "cannot connect to store '%s': %s", s->spec, msg);
	}
	s->db = pg;
	s->ops = &pg_ops;
	if (session_setup(s) < 0) {
		pg_close(s);
		s->ops = NULL;
		return -1;
	}
	return 0;
}
