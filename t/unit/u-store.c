/*
 * u-store.c - the event store through its public interface (store.h),
 * against each backend.
 *
 * Every check that does not depend on the backend is a test function that
 * takes the spec of a store (a file path or a PostgreSQL URL) and is run
 * once per backend: always on SQLite, with its files in a mkdtemp
 * directory, and on PostgreSQL when AGENTKIT_TEST_PG names a server (a
 * libpq connection string or URL, such as what `t/helpers/pg start DIR`
 * prints). Each description starts with the backend's name. Then come the
 * checks only one backend has: for SQLite, files that cannot be opened and
 * the journal mode; for PostgreSQL, connection errors, key=value strings,
 * encodings, a lost connection. Without AGENTKIT_TEST_PG the PostgreSQL
 * tests are reported as skipped, one line each.
 *
 * What the store wrote is also read back behind its back: with sqlite3 on
 * the file, or through an admin connection to the server. On the server
 * the test makes databases of its own (the user needs CREATEDB) and drops
 * them at the end, so it never touches existing data.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "error.h"
#include "store.h"
#include "store_backend.h"
#include "tap.h"

/* The backend under test; its name starts every description. */
struct backend {
	const char *name;        /* as store_backend() says */
	int pg;
};

static const struct backend sqlite_backend = { "sqlite", 0 };
static const struct backend pg_backend = { "postgres", 1 };
static const struct backend *be = &sqlite_backend;

static char tmpdir[64];          /* SQLite files */
static int nfiles;

static PGconn *admin;            /* on the database AGENTKIT_TEST_PG names */
static const char *base;         /* AGENTKIT_TEST_PG */
static char dbnames[16][64];
static int ndbs;
static char main_db[64];         /* the database test_events uses */

/* ---- TAP, with the backend's name ------------------------------------- */

static void describe(char *out, size_t len, const char *fmt, va_list ap)
{
	int n = snprintf(out, len, "%s: ", be->name);

	vsnprintf(out + n, len - (size_t)n, fmt, ap);
}

/* ok(), is_str() and is_int() with "sqlite: " or "postgres: " before the description. */
static int check(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int check(int pass, const char *fmt, ...)
{
	char name[1024];
	va_list ap;

	va_start(ap, fmt);
	describe(name, sizeof(name), fmt, ap);
	va_end(ap);
	return ok(pass, "%s", name);
}

static int check_str(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int check_str(const char *got, const char *want, const char *fmt, ...)
{
	char name[1024];
	va_list ap;

	va_start(ap, fmt);
	describe(name, sizeof(name), fmt, ap);
	va_end(ap);
	return is_str(got, want, "%s", name);
}

static int check_int(long long got, long long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int check_int(long long got, long long want, const char *fmt, ...)
{
	char name[1024];
	va_list ap;

	va_start(ap, fmt);
	describe(name, sizeof(name), fmt, ap);
	va_end(ap);
	return is_int(got, want, "%s", name);
}

/* check() for a call returning 0, showing the store's message when it failed. */
static int check0(int rc, const char *name)
{
	int pass = check(rc == 0, "%s", name);

	if (!pass)
		printf("#   rc %d: %s\n", rc, ak_errmsg());
	return pass;
}

/* A test that did not run, and why. */
static void skip(const char *why, const char *what)
{
	tap_count++;
	printf("ok %d # skip %s (%s: %s)\n", tap_count, why, be->name, what);
}

/* ---- databases of our own -------------------------------------------- */

static void url_add(char *out, size_t len, const char *s)
{
	size_t o = strlen(out);

	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '/' || c == '.' || c == '_' || c == '-' || c == '~')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02X", c);
	}
	out[o] = '\0';
}

static void kv_add(char *out, size_t len, const char *key, const char *val)
{
	size_t o = strlen(out);

	o += (size_t)snprintf(out + o, len - o, "%s%s='", o ? " " : "", key);
	for (; *val && o + 3 < len; val++) {
		if (*val == '\'' || *val == '\\')
			out[o++] = '\\';
		out[o++] = *val;
	}
	if (o + 1 < len)
		out[o++] = '\'';
	out[o] = '\0';
}

/*
 * The connection string of database db on the server AGENTKIT_TEST_PG
 * names: as a postgres:// URL, or (kv) as key=value pairs.
 */
static void conninfo_for(const char *db, int kv, char *out, size_t len)
{
	PQconninfoOption *opts = PQconninfoParse(base, NULL), *o;
	int first = 1;

	out[0] = '\0';
	if (!kv) {
		snprintf(out, len, "postgresql:///");
		url_add(out, len, db);
	}
	for (o = opts; o && o->keyword; o++) {
		size_t n = strlen(out);

		if (!o->val || !*o->val || !strcmp(o->keyword, "dbname"))
			continue;
		if (kv) {
			kv_add(out, len, o->keyword, o->val);
			continue;
		}
		snprintf(out + n, len - n, "%c%s=", first ? '?' : '&', o->keyword);
		url_add(out, len, o->val);
		first = 0;
	}
	if (kv)
		kv_add(out, len, "dbname", db);
	PQconninfoFree(opts);
}

static int admin_exec(const char *sql)
{
	PGresult *r = PQexec(admin, sql);
	int good = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!good)
		printf("# %s: %s", sql, PQerrorMessage(admin));
	PQclear(r);
	return good ? 0 : -1;
}

/* A fresh database on the server; its URL in out. */
static int make_db(const char *tag, const char *extra, char *out, size_t len)
{
	char sql[256];

	if (ndbs == (int)(sizeof(dbnames) / sizeof(dbnames[0])))
		return -1;
	snprintf(dbnames[ndbs], sizeof(dbnames[ndbs]), "u_store_%ld_%s", (long)getpid(), tag);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s%s", dbnames[ndbs], extra ? extra : "");
	if (admin_exec(sql) < 0)
		return -1;
	conninfo_for(dbnames[ndbs], 0, out, len);
	ndbs++;
	return 0;
}

/*
 * The spec of a store nobody has used, for the backend under test: a file
 * that does not exist yet in the temporary directory, or a new database.
 */
static int fresh_store(const char *tag, char *out, size_t len)
{
	if (be->pg)
		return make_db(tag, NULL, out, len);
	snprintf(out, len, "%s/%s-%d.db", tmpdir, tag, nfiles++);
	return 0;
}

static char *sqlite_value(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		printf("# cannot open '%s': %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return strdup("(no connection)");
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = SQLITE_ERROR;
	else
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		v = strdup("(no row)");
	else if (rc != SQLITE_ROW)
		v = strdup("(error)"), printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *pg_value(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r;
	char *v = NULL;

	if (PQstatus(c) != CONNECTION_OK) {
		printf("# cannot connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return strdup("(no connection)");
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		v = strdup("(error)"), printf("# %s: %s", sql, PQerrorMessage(c));
	else if (PQntuples(r) < 1)
		v = strdup("(no row)");
	else if (!PQgetisnull(r, 0, 0))
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

/* The first value of a one-row query on the store spec names, behind the
 * store's back; copied, NULL for SQL NULL. */
static char *db_value(const char *spec, const char *sql)
{
	return be->pg ? pg_value(spec, sql) : sqlite_value(spec, sql);
}

/* Run SQL on the store behind its back. */
static int db_exec(const char *spec, const char *sql)
{
	int good;

	if (be->pg) {
		PGconn *c = PQconnectdb(spec);
		PGresult *r = PQexec(c, sql);

		good = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!good)
			printf("# %s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *db = NULL;
		char *err = NULL;

		good = sqlite3_open_v2(spec, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
		       sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
		       sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK;
		if (!good)
			printf("# %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		sqlite3_close(db);
	}
	return good ? 0 : -1;
}

/*
 * Check the value of a query behind the store's back: pg_sql on
 * PostgreSQL, sq_sql on SQLite (NULL: the same SQL serves both).
 */
static void is_db(const char *spec, const char *pg_sql, const char *sq_sql, const char *want,
		  const char *name)
{
	char *v = db_value(spec, be->pg || !sq_sql ? pg_sql : sq_sql);

	check_str(v, want, "%s", name);
	free(v);
}

/* ---- collecting what the store gives back ----------------------------- */

struct got {
	int n;
	int64_t seq[4096];
	char *id[4096];
	char *source[4096];
	char *raw[4096];
	size_t raw_len[4096];
	char *subject[4096], *time[4096];
	int64_t time_ms[4096];
	int stop_after;          /* return 7 after this many; 0: never */
};

static void got_reset(struct got *g)
{
	for (int i = 0; i < g->n; i++) {
		free(g->id[i]);
		free(g->source[i]);
		free(g->raw[i]);
		free(g->subject[i]);
		free(g->time[i]);
	}
	g->n = 0;
	g->stop_after = 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(const struct store_event *ev, void *ctx)
{
	struct got *g = ctx;
	int i = g->n;

	if (i == 4096)
		return -1;
	g->seq[i] = ev->seq;
	g->id[i] = strdup(ev->id);
	g->source[i] = strdup(ev->source);
	g->raw[i] = malloc(ev->raw_len + 1);
	memcpy(g->raw[i], ev->raw, ev->raw_len);
	g->raw[i][ev->raw_len] = '\0';
	g->raw_len[i] = ev->raw_len;
	g->subject[i] = dup_or_null(ev->subject);
	g->time[i] = dup_or_null(ev->time);
	g->time_ms[i] = ev->time_ms;
	g->n++;
	return g->stop_after && g->n == g->stop_after ? 7 : 0;
}

/* The ids collected, joined by spaces. */
static const char *ids(const struct got *g)
{
	static char out[8192];
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < g->n && o < sizeof(out) - 1; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? " " : "", g->id[i]);
	return out;
}

static const char *query_ids(struct store *s, const struct store_query *q, struct got *g)
{
	got_reset(g);
	if (store_query(s, q, collect, g) != 0)
		return ak_errmsg();
	return ids(g);
}

struct feat {
	int n;
	char line[64][512];
};

static const char *nz(const char *s)
{
	return s ? s : "NULL";
}

static int collect_feature(const struct store_feature *f, void *ctx)
{
	struct feat *fs = ctx;

	if (fs->n == 64)
		return -1;
	snprintf(fs->line[fs->n++], sizeof(fs->line[0]), "%s %s %s %s %s %" PRId64 " %s",
		 f->subject, nz(f->stage), nz(f->status), f->last_id, nz(f->last_time), f->events,
		 f->last_ms == INT64_MIN ? "nolast" : "last");
	return 0;
}

struct joins {
	char text[2048];
};

static int collect_join(const char *type, const char *raw, size_t len, void *ctx)
{
	struct joins *j = ctx;
	size_t o = strlen(j->text);

	snprintf(j->text + o, sizeof(j->text) - o, "%s[%s=%.*s]", o ? " " : "", type, (int)len, raw);
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static char lines[128][1024];
static int nlines;

/* Add an event line (without its newline) built from printf arguments. */
static const char *line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *line(const char *fmt, ...)
{
	va_list ap;

	if (nlines == (int)(sizeof(lines) / sizeof(lines[0])))
		nlines = 0;
	va_start(ap, fmt);
	vsnprintf(lines[nlines], sizeof(lines[0]), fmt, ap);
	va_end(ap);
	return lines[nlines++];
}

static const char *ev(const char *id, const char *type, const char *subject, const char *time,
		      const char *data)
{
	char subj[128] = "", tm[128] = "";

	if (subject)
		snprintf(subj, sizeof(subj), ",\"subject\":\"%s\"", subject);
	if (time)
		snprintf(tm, sizeof(tm), ",\"time\":\"%s\"", time);
	return line("{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"t/u-store\","
		    "\"type\":\"%s\"%s%s,\"data\":%s}", id, type, subj, tm, data);
}

/* Append the given lines, each with a newline; the inserted count or -1. */
static long long append(struct store *s, const char *const *ls, int n)
{
	char buf[65536];
	size_t o = 0;
	uint64_t ins = 12345;

	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s\n", ls[i]);
	if (store_append_lines(s, buf, o, &ins) < 0) {
		printf("# append: %s\n", ak_errmsg());
		return -1;
	}
	return (long long)ins;
}

/* The wall clock in milliseconds, read as the store reads it: time(2)
 * may lag it by a tick, which would make a window built on it too early. */
static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t count(struct store *s)
{
	int64_t n = -1;

	if (store_count(s, &n) < 0)
		printf("# count: %s\n", ak_errmsg());
	return n;
}

static int64_t ms_of(const char *t)
{
	struct tm tm = { 0 };
	int ms = 0;

	sscanf(t, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	       &tm.tm_min, &tm.tm_sec, &ms);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ---- tests for every backend ------------------------------------------- */

/*
 * The schema: an empty store (empty) migrated step by step, a store
 * opened with migrate_to=1 (half) then migrated, and a schema newer than
 * this program.
 */
static void test_migrations(const char *empty, const char *half)
{
	const char *const *steps = be->pg ? store_pg_steps : store_sqlite_steps;
	struct store_opts o = STORE_OPTS_INIT;
	struct store *s;
	int v = -1;
	/* the tables, one line, however the backend lists them */
	const char *pg_tables = "SELECT string_agg(tablename, ',' ORDER BY tablename) "
				"FROM pg_tables WHERE schemaname = 'public'";
	const char *sq_tables = "SELECT group_concat(name, ',') FROM (SELECT name FROM "
				"sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
				"ORDER BY name)";

	check(strstr(steps[0], "CREATE TABLE events") && strstr(steps[0], "CREATE TABLE features") &&
	      !strchr(steps[0], '\n'), "step 1 makes events and features, in one line");
	check(strstr(steps[1], "CREATE TABLE joins") && strstr(steps[1], "CREATE TABLE llm_cache") &&
	      !strchr(steps[1], '\n'), "step 2 makes joins .. llm_cache, in one line");
	check(strstr(steps[2], "CREATE TABLE advisories") && !strchr(steps[2], '\n'),
	      "step 3 makes advisories, in one line");
	check(strstr(steps[3], "ALTER TABLE rollouts ADD COLUMN command") && !strchr(steps[3], '\n'),
	      "step 4 adds the rollout requests, in one line");
	check(strstr(steps[4], "CREATE TABLE api_keys") && !strchr(steps[4], '\n'),
	      "step 5 makes api_keys, in one line");

	o.no_migrate = 1;
	s = store_open(empty, &o);
	check(s != NULL, "open an empty store without migrating: %s", s ? "" : ak_errmsg());
	if (!s)
		return;
	check_str(store_backend(s), be->name, "the backend is %s", be->name);
	check0(store_version(s, &v), "read the version");
	check_int(v, 0, "an empty store is version 0");
	check0(store_migrate(s, 1), "migrate to 1");
	check0(store_version(s, &v), "read the version");
	check_int(v, 1, "now version 1");
	is_db(empty, pg_tables, sq_tables, "events,features,schema_version",
	      "version 1 has events and features, not joins");
	check0(store_migrate(s, 2), "migrate to 2");
	check0(store_version(s, &v), "read the version");
	check_int(v, 2, "now version 2");
	is_db(empty, "SELECT count(*) || ':' || max(version) FROM schema_version", NULL, "1:2",
	      "schema_version holds one row, 2");
	is_db(empty, pg_tables, sq_tables,
	      "events,features,joins,llm_cache,llm_exchanges,rollouts,schema_version",
	      "all seven tables exist");
	is_db(empty, "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
	      "WHERE tablename = 'events'",
	      "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
	      "WHERE type = 'index' AND tbl_name = 'events' ORDER BY name)",
	      be->pg ? "events_pkey,events_source_id_key,events_subject,events_time,events_type"
		     : "events_subject,events_time,events_type,sqlite_autoindex_events_1",
	      "events has its indexes");
	is_db(empty, "SELECT data_type FROM information_schema.columns WHERE table_name = 'events' "
	      "AND column_name = 'data'",
	      "SELECT hidden FROM pragma_table_xinfo('events') WHERE name = 'data'",
	      be->pg ? "jsonb" : "2", be->pg ? "data is jsonb" : "data is a virtual column");
	check(store_migrate(s, 1) < 0 && ak_errcode() == AK_EXIT_USAGE,
	      "migrating back is refused: %s", ak_errmsg());
	check(store_migrate(s, STORE_SCHEMA_VERSION + 1) < 0 && ak_errcode() == AK_EXIT_USAGE,
	      "migrating to an unknown version is refused: %s", ak_errmsg());
	check0(store_migrate(s, 2), "migrating to the current version is a no-op");
	check0(store_migrate(s, 3), "migrate to 3");
	check0(store_version(s, &v), "read the version");
	check_int(v, 3, "now version 3");
	is_db(empty, "SELECT count(*) || ':' || max(version) FROM schema_version", NULL, "1:3",
	      "schema_version holds one row, 3");
	is_db(empty, pg_tables, sq_tables,
	      "advisories,events,features,joins,llm_cache,llm_exchanges,rollouts,schema_version",
	      "version 3 adds advisories");

	/* from 4 to 5: what version 4 held stays, api_keys comes */
	check0(store_migrate(s, 4), "migrate to 4");
	check0(store_version(s, &v), "read the version");
	check_int(v, 4, "now version 4");
	{
		struct store_rollout r = { .name = "kept", .state = "paused", .step = 1,
					   .weight = 10, .doc = "{}" };
		struct store_key k = { "0123456789ab", "ci", "00ff", "submit", 1, 0 };

		check0(store_rollout_put(s, &r), "a rollout at version 4");
		check_int(store_rollout_request(s, "kept", "promote"), 1,
			  "with a request (the column of version 4)");
		check(store_key_add(s, &k) < 0, "no API keys before version 5: %s", ak_errmsg());
		is_db(empty, pg_tables, sq_tables,
		      "advisories,events,features,joins,llm_cache,llm_exchanges,rollouts,"
		      "schema_version", "version 4 has no api_keys");
		check0(store_migrate(s, 5), "migrate from 4 to 5");
		check0(store_version(s, &v), "read the version");
		check_int(v, 5, "now version 5");
		is_db(empty, "SELECT count(*) || ':' || max(version) FROM schema_version", NULL, "1:5",
		      "schema_version holds one row, 5");
		is_db(empty, pg_tables, sq_tables,
		      "advisories,api_keys,events,features,joins,llm_cache,llm_exchanges,rollouts,"
		      "schema_version", "version 5 adds api_keys");
		is_db(empty, "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, "
		      "',' ORDER BY ordinal_position) FROM information_schema.columns "
		      "WHERE table_name = 'api_keys'",
		      "SELECT group_concat(name || ' ' || type || ' ' || \"notnull\", ',') FROM "
		      "(SELECT * FROM pragma_table_info('api_keys') ORDER BY cid)",
		      be->pg ? "id text NO,name text NO,hash text NO,scopes text NO,"
			       "created_ms bigint NO,revoked_ms bigint YES"
			     : "id TEXT 0,name TEXT 1,hash TEXT 1,scopes TEXT 1,"
			       "created_ms INTEGER 1,revoked_ms INTEGER 0",
		      "api_keys has its columns");
		is_db(empty, "SELECT name || ':' || state || ':' || command FROM rollouts", NULL,
		      "kept:paused:promote", "the rollout and its request survive the migration");
		check0(store_key_add(s, &k), "and a key can be added");
	}
	store_close(s);

	/* store_open with migrate_to 1, then forward */
	o = (struct store_opts)STORE_OPTS_INIT;
	o.migrate_to = 1;
	s = store_open(half, &o);
	v = -1;
	check(s && store_version(s, &v) == 0, "store_open with migrate_to=1");
	check_int(v, 1, "stops at 1");
	is_db(half, pg_tables, sq_tables, "events,features,schema_version", "with version 1's tables");
	v = -1;
	check(s && store_migrate(s, 0) == 0 && store_version(s, &v) == 0, "store_migrate(0)");
	check_int(v, STORE_SCHEMA_VERSION, "goes to the latest");
	store_close(s);
	s = store_open(half, NULL);
	v = -1;
	check(s && store_version(s, &v) == 0, "reopen");
	check_int(v, STORE_SCHEMA_VERSION, "reopening keeps the version");
	store_close(s);
	is_db(half, "SELECT count(*) || ':' || max(version) FROM schema_version", NULL, "1:5",
	      "and one version row");

	/* a schema newer than this program */
	check(db_exec(half, "UPDATE schema_version SET version = 99") == 0,
	      "make the schema version 99");
	s = store_open(half, NULL);
	check(s == NULL && ak_errcode() == AK_EXIT_SOFTWARE && strstr(ak_errmsg(), "99"),
	      "store_open refuses a store with a newer schema: %s", ak_errmsg());
	store_close(s);
	o = (struct store_opts)STORE_OPTS_INIT;
	o.no_migrate = 1;
	s = store_open(half, &o);
	check(s == NULL && ak_errcode() == AK_EXIT_SOFTWARE && strstr(ak_errmsg(), "99"),
	      "even when not migrating: %s", ak_errmsg());
	store_close(s);
	is_db(half, "SELECT count(*) || ':' || max(version) FROM schema_version", NULL, "1:99",
	      "and leaves it as it was");
}

/* ---- rollouts ------------------------------------------------------------ */

struct ro_seen {
	char text[1024];
	int rows;
};

static int ro_collect(const struct store_rollout *r, void *ctx)
{
	struct ro_seen *seen = ctx;
	size_t n = strlen(seen->text);

	snprintf(seen->text + n, sizeof(seen->text) - n, "%s%s|%s|%s|%d|%d|%s|%s",
		 seen->rows ? ";" : "", r->name, r->subject ? r->subject : "-", r->state,
		 r->step, r->weight, r->command ? r->command : "-",
		 r->updated_ms > 1700000000000 ? "t" : "no time");
	seen->rows++;
	return 0;
}

static int ro_stop(const struct store_rollout *r, void *ctx)
{
	return 7;
}

static void test_rollouts(const char *spec)
{
	struct store *s = store_open(spec, NULL);
	struct store_rollout r = { .name = "shop", .subject = "shop-1a2b", .state = "progressing",
				   .step = 1, .weight = 10, .doc = "{\"steps\":[10,50,100]}" };
	struct ro_seen seen = { "", 0 };
	char *cmd = (char *)"untouched";

	if (!s) {
		check(0, "open the store for rollouts: %s", ak_errmsg());
		return;
	}
	check_int(store_rollout_get(s, "shop", ro_collect, &seen), 0, "no rollout yet");
	check_int(store_rollout_request(s, "shop", "abort"), 0,
		  "a request for a rollout that does not exist says so");
	check0(store_rollout_put(s, &r), "store a rollout");
	check_int(store_rollout_get(s, "shop", ro_collect, &seen), 1, "read it back");
	check_str(seen.text, "shop|shop-1a2b|progressing|1|10|-|t", "with every column");
	check_int(store_rollout_take(s, "shop", &cmd), 0, "no request to take");
	check(cmd == NULL, "and none given");
	check_int(store_rollout_request(s, "shop", "promote"), 1, "ask for a promotion");
	check_int(store_rollout_request(s, "shop", "abort"), 1, "then for an abort");
	r.step = 2;
	r.weight = 50;
	check0(store_rollout_put(s, &r), "the driver writes its state");
	memset(&seen, 0, sizeof(seen));
	store_rollout_get(s, "shop", ro_collect, &seen);
	check_str(seen.text, "shop|shop-1a2b|progressing|2|50|abort|t",
		  "a write keeps the pending request, the newest one");
	check_int(store_rollout_take(s, "shop", &cmd), 1, "take the request");
	check_str(cmd ? cmd : "(null)", "abort", "it is the abort");
	free(cmd);
	check_int(store_rollout_take(s, "shop", &cmd), 0, "taken once only");
	r.name = "cart";
	r.subject = NULL;
	r.state = "paused";
	check0(store_rollout_put(s, &r), "a second rollout, with no subject");
	memset(&seen, 0, sizeof(seen));
	check_int(store_rollout_get(s, NULL, ro_collect, &seen), 0, "list every rollout");
	check_str(seen.text, "cart|-|paused|2|50|-|t;shop|shop-1a2b|progressing|2|50|-|t",
		  "by name");
	check_int(store_rollout_get(s, NULL, ro_stop, NULL), 7, "a callback stops the walk");
	r.doc = "{not json";
	check(store_rollout_put(s, &r) < 0 && strstr(ak_errmsg(), "not JSON"),
	      "a document that is not JSON is refused: %s", ak_errmsg());
	store_close(s);
}

/* ---- API keys ----------------------------------------------------------- */

struct key_seen {
	char text[2048];
	int rows;
	struct store *s;         /* revoke_each: revoke each key shown */
};

static int key_collect(const struct store_key *k, void *ctx)
{
	struct key_seen *seen = ctx;
	size_t n = strlen(seen->text);

	snprintf(seen->text + n, sizeof(seen->text) - n, "%s%s|%s|%s|%s|%" PRId64 "|%" PRId64,
		 seen->rows ? ";" : "", k->id, k->name, k->hash, k->scopes, k->created_ms,
		 k->revoked_ms);
	seen->rows++;
	return 0;
}

static int key_stop(const struct store_key *k, void *ctx)
{
	return 9;
}

/* A callback may write: revoke the key it is shown. */
static int key_revoke_each(const struct store_key *k, void *ctx)
{
	struct key_seen *seen = ctx;
	int n = 0;

	if (store_key_revoke(seen->s, k->id, 5000, &n) < 0 || n != 1)
		return -1;
	seen->rows++;
	return 0;
}

static const char *keys_of(struct store *s, int all, struct key_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	if (store_keys(s, all, key_collect, seen) != 0)
		snprintf(seen->text, sizeof(seen->text), "error: %s", ak_errmsg());
	return seen->text;
}

static void test_keys(const char *spec)
{
	struct store *s = store_open(spec, NULL);
	struct store_key a = { "aaaaaaaaaaaa", "ci", "11aa", "submit,read", 2000, 0 };
	struct store_key b = { "bbbbbbbbbbbb", "bot", "22bb", "read", 1000, 0 };
	struct store_key c = { "cccccccccccc", "ci", "33cc", "submit", 2000, 0 };
	struct store_key d = { "dddddddddddd", "old", "44dd", "submit", 500, 700 };
	struct store_key e = { "eeeeeeeeeeee", "now", "55ee", "read", 0, 0 };
	struct key_seen seen;
	int64_t before = wall_ms();
	int n = -1;

	if (!s) {
		check(0, "open the store for keys: %s", ak_errmsg());
		return;
	}
	check_str(keys_of(s, 1, &seen), "", "no keys yet");
	check0(store_key_add(s, &a), "add a key");
	check0(store_key_add(s, &b), "add an older one");
	check0(store_key_add(s, &c), "a second key of one name, at the same time");
	check0(store_key_add(s, &d), "a key added revoked");
	check_str(keys_of(s, 0, &seen),
		  "bbbbbbbbbbbb|bot|22bb|read|1000|0;aaaaaaaaaaaa|ci|11aa|submit,read|2000|0;"
		  "cccccccccccc|ci|33cc|submit|2000|0", "active keys, by time then id");
	check_str(keys_of(s, 1, &seen),
		  "dddddddddddd|old|44dd|submit|500|700;bbbbbbbbbbbb|bot|22bb|read|1000|0;"
		  "aaaaaaaaaaaa|ci|11aa|submit,read|2000|0;cccccccccccc|ci|33cc|submit|2000|0",
		  "and with the revoked ones");

	{
		struct store_key dup_id = { "aaaaaaaaaaaa", "x", "99ff", "read", 1, 0 };
		struct store_key dup_hash = { "ffffffffffff", "x", "22bb", "read", 1, 0 };
		struct store_key no_hash = { "ffffffffffff", "x", "", "read", 1, 0 };

		check(store_key_add(s, &dup_id) < 0 && ak_errcode() == AK_EXIT_DATAERR &&
		      strstr(ak_errmsg(), "'aaaaaaaaaaaa'"), "a taken id is refused: %s", ak_errmsg());
		check(store_key_add(s, &dup_hash) < 0 && ak_errcode() == AK_EXIT_DATAERR,
		      "a taken hash is refused: %s", ak_errmsg());
		check(store_key_add(s, &no_hash) < 0 && ak_errcode() == AK_EXIT_SOFTWARE,
		      "a key without a hash is refused: %s", ak_errmsg());
		keys_of(s, 1, &seen);
		check_int(seen.rows, 4, "nothing was written");
	}

	check0(store_key_add(s, &e), "a key with no time");
	memset(&seen, 0, sizeof(seen));
	store_keys(s, 0, key_collect, &seen);
	{
		const char *p = strstr(seen.text, "eeeeeeeeeeee|now|55ee|read|");
		int64_t at = p ? strtoll(p + 27, NULL, 10) : 0;

		check(at >= before && at <= wall_ms(), "gets the store's clock: %s", seen.text);
	}

	check0(store_key_revoke(s, "nobody", 3000, &n), "revoke a name that has no keys");
	check_int(n, 0, "revokes none");
	check0(store_key_revoke(s, "ci", 3000, &n), "revoke by name");
	check_int(n, 2, "revokes both keys of that name");
	check0(store_key_revoke(s, "ci", 4000, &n), "again");
	check_int(n, 0, "revokes none: they are revoked already");
	check0(store_key_revoke(s, "bbbbbbbbbbbb", 3500, &n), "revoke by id");
	check_int(n, 1, "revokes that one");
	check0(store_key_revoke(s, "dddddddddddd", 3500, &n), "revoke a key revoked already");
	check_int(n, 0, "changes nothing");
	{
		const char *want = "dddddddddddd|old|44dd|submit|500|700;"
				   "bbbbbbbbbbbb|bot|22bb|read|1000|3500;"
				   "aaaaaaaaaaaa|ci|11aa|submit,read|2000|3000;"
				   "cccccccccccc|ci|33cc|submit|2000|3000;eeeeeeeeeeee|now|55ee|read|";

		keys_of(s, 1, &seen);
		check(!strncmp(seen.text, want, strlen(want)) && seen.rows == 5,
		      "revoked keys keep their first revocation time: %s", seen.text);
	}
	check(strncmp(keys_of(s, 0, &seen), "eeeeeeeeeeee|now|", 17) == 0 && seen.rows == 1,
	      "one key is active: %s", seen.text);
	is_db(spec, "SELECT count(*) FROM api_keys WHERE revoked_ms IS NULL", NULL, "1",
	      "an active key has revoked_ms NULL");

	check_int(store_keys(s, 1, key_stop, NULL), 9, "a callback stops the walk");
	memset(&seen, 0, sizeof(seen));
	seen.s = s;
	check_int(store_keys(s, 0, key_revoke_each, &seen), 0, "revoke from inside the walk");
	check_int(seen.rows, 1, "each active key once");
	check_str(keys_of(s, 0, &seen), "", "none is active now");
	store_close(s);
}

/* Several processes open (and so migrate) one empty store at once. */
static void test_concurrent_migration(const char *spec)
{
	enum { KIDS = 6 };
	pid_t kids[KIDS];
	int good = 0;

	fflush(stdout);
	for (int i = 0; i < KIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct store *s = store_open(spec, NULL);
			int v = -1;

			if (!s)
				fprintf(stderr, "# child: %s\n", ak_errmsg());
			_exit(s && store_version(s, &v) == 0 && v == STORE_SCHEMA_VERSION ? 0 : 1);
		}
	}
	for (int i = 0; i < KIDS; i++) {
		int st;

		if (kids[i] > 0 && waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			good++;
	}
	check_int(good, KIDS, "six processes migrating one store at once all succeed");
	is_db(spec, "SELECT count(*) || ':' || max(version) FROM schema_version", NULL, "1:5",
	      "and leave one version row");
}

struct nested {
	struct store *s;
	int calls, got, gets, vacuumed;
	int64_t counted;
	long long inserted;
	const char *line;
};

static int nested_ops(const struct store_event *e, void *ctx)
{
	struct nested *n = ctx;
	static struct got g;

	n->calls++;
	if (n->calls == 1) {
		n->gets = store_get(n->s, "t/u-store", "e3", collect, &g);
		n->got = g.n == 1 && !strcmp(g.id[0], "e3");
		got_reset(&g);
		n->inserted = append(n->s, &n->line, 1);
		if (store_count(n->s, &n->counted) < 0)
			n->counted = -1;
		n->vacuumed = store_vacuum(n->s);
	}
	return 0;
}

static int stop_with_error(const struct store_event *e, void *ctx)
{
	return ak_error(AK_EXIT_IOERR, "cannot write 'out': No space left on device");
}

static int return_ctx(const struct store_event *e, void *ctx)
{
	return *(int *)ctx;
}

static void test_events(const char *spec)
{
	struct store *s = store_open(spec, NULL);
	struct store_query q = STORE_QUERY_INIT;
	static struct got g;
	struct feat fs;
	struct joins j;
	const char *b1[16], *b2[4];
	const char *hostile, *nul, *lone, *bignum, *notime, *other_src, *dup2, *offset, *weird_subj;
	const char *all;
	int64_t before = 0, after, seq3 = 0, total;
	int n1 = 0;

	check(s != NULL, "open the events store: %s", s ? "" : ak_errmsg());
	if (!s)
		return;
	check_str(store_backend(s), be->name, "the spec selects %s", be->name);

	b1[n1++] = ev("e1", "requirement.submitted", "feature-a", "2026-11-26T12:00:00.000Z",
		      "{\"status\":\"new\",\"n\":1}");
	b1[n1++] = ev("e2", "feature.backend_ready", "feature-a", "2026-11-26T12:01:00.000Z",
		      "{\"status\":\"pass\"}");
	dup2 = ev("e2", "feature.backend_ready", "feature-a", "2026-11-26T12:01:30.000Z",
		  "{\"status\":\"second copy\"}");
	b1[n1++] = dup2;
	b1[n1++] = ev("e3", "feature.frontend_ready", "feature-b", "2026-11-26T12:02:00.000Z",
		      "{\"status\":\"fail\"}");
	b1[n1++] = ev("e4", "agent.rejected", "feature-a", "2026-11-26T12:03:00.000Z",
		      "{\"reason\":\"no\"}");
	/* odd Unicode, SQL and COPY metacharacters, tabs and a CR between tokens */
	hostile = line("{\"specversion\":\"1.0\",\t\"id\":\"e5 ';--\",\"source\":\"t/u-store\","
		       "\"type\":\"feature.tested\",\"subject\":\"feature-c\",\r"
		       "\"time\":\"2026-11-26T12:04:00.000Z\",\"data\":{\"status\":\"pass\","
		       "\"q\":\"it's \\\"quoted\\\"; DROP TABLE events; -- \\\\N \\\\. \\\\\\\\ "
		       "\\t tab caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e \\ud83d\\ude00 \\u00e9 "
		       "\xef\xbb\xbf \xe2\x80\xae rtl\"}}");
	b1[n1++] = hostile;
	nul = ev("e6", "feature.note", "feature-c", "2026-11-26T12:05:00.000Z",
		 "{\"s\":\"a\\u0000b\",\"status\":\"nul\"}");
	b1[n1++] = nul;
	lone = ev("e7", "feature.note", "feature-c", "2026-11-26T12:06:00.000Z",
		  "{\"s\":\"\\ud800\",\"n\":[1e200000, 0.5e-16383]}");
	b1[n1++] = lone;
	bignum = ev("e8", "feature.note", "feature-c", "2026-11-26T12:07:00.000Z",
		    "{\"n\":1e131071,\"m\":1e-16383,\"pair\":\"\\ud83d\\ude00\"}");
	b1[n1++] = bignum;
	notime = ev("e9", "requirement.note", NULL, NULL, "\"just text, with ' and \\\\\"");
	b1[n1++] = notime;
	other_src = line("{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"t/other\","
			 "\"type\":\"a_b.c\",\"subject\":\"feature-d\",\"data\":null}");
	b1[n1++] = other_src;
	b1[n1++] = ev("e10", "axb.c", "feature-d", "2026-11-26T12:09:00.000Z", "{}");
	b1[n1++] = ev("e11", "agent.failed", "feature-e", "2026-11-26T12:10:00.000Z", "[]");
	offset = ev("e12", "feature.tested", "feature-f", "2026-11-26T13:11:00+01:00",
		    "{\"status\":\"pass\"}");
	b1[n1++] = offset;
	weird_subj = line("{\"specversion\":\"1.0\",\"id\":\"e13\",\"source\":\"t/u-store\","
			  "\"type\":\"feature.tested\",\"subject\":\"tab\\there\\\\back\\nnl\","
			  "\"data\":{\"status\":7}}");
	b1[n1++] = weird_subj;

	before = wall_ms() - 1000;
	check_int(append(s, b1, n1), n1 - 1, "a batch inserts every new event once (e2 twice: once)");
	check_int(count(s), n1 - 1, "count");
	check_int(append(s, b1, n1), 0, "the same batch again inserts nothing");
	check_int(count(s), n1 - 1, "count unchanged");
	b2[0] = b1[3];
	b2[1] = ev("e14", "feature.integrated", "feature-b", "2026-11-26T12:12:00.000Z",
		   "{\"status\":\"pass\"}");
	check_int(append(s, b2, 2), 1, "a batch with one old and one new event inserts one");
	after = wall_ms() + 1000;
	check_int(append(s, NULL, 0), 0, "an empty batch inserts nothing");
	{
		/* a bad line anywhere in a batch: nothing of it is kept; a NUL
		 * byte in a line (which the database would cut short) is bad;
		 * a work item (an object that is not an event) is passed over */
		const char bad[] = "{\"specversion\":\"1.0\",\"id\":\"x1\",\"source\":\"t/u-store\","
				   "\"type\":\"feature.bad\",\"subject\":\"feature-x\",\"data\":{}}\n"
				   "{\"specversion\":\"1.0\",\"id\":\"x2\",\"source\":\"t/u-store\"}\n";
		const char not_json[] = "{\"specversion\":\"1.0\",\"id\":\"x3\",\"source\":\"t/u-store\","
					"\"type\":\"feature.bad\",\"data\":{}}\n{\"id\":\n";
		const char nul_byte[] = "{\"specversion\":\"1.0\",\"id\":\"x4\",\"source\":\"t/u-store\","
					"\"type\":\"feature.bad\",\"data\":\"a\0b\"}\n";
		const char item[] = "{\"id\":\"x5\",\"task\":\"a work item\"}\n";
		uint64_t ins = 99;

		check(store_append_lines(s, bad, sizeof(bad) - 1, &ins) < 0 &&
		      ak_errcode() == AK_EXIT_DATAERR && ins == 0,
		      "a batch with an invalid event is refused: %s", ak_errmsg());
		check_int(count(s), 15, "and none of it is kept");
		ins = 99;
		check(store_append_lines(s, not_json, sizeof(not_json) - 1, &ins) < 0 &&
		      ak_errcode() == AK_EXIT_DATAERR && ins == 0,
		      "a batch with a line that is not JSON is refused: %s", ak_errmsg());
		check_int(count(s), 15, "and none of it is kept");
		ins = 99;
		check(store_append_lines(s, nul_byte, sizeof(nul_byte) - 1, &ins) < 0 &&
		      ak_errcode() == AK_EXIT_DATAERR && ins == 0,
		      "a line with a NUL byte is refused: %s", ak_errmsg());
		check_int(count(s), 15, "and is not kept");
		ins = 99;
		check(store_append_lines(s, item, sizeof(item) - 1, &ins) == 0 && ins == 0,
		      "a work item is passed over");
		check_int(count(s), 15, "and is not kept");
	}

	/* everything, in order, byte for byte */
	all = "e1 e2 e3 e4 e5 ';-- e6 e7 e8 e9 e1 e10 e11 e12 e13 e14";
	check_str(query_ids(s, &q, &g), all, "all events in append order");
	{
		int order = 1, exact = 1;
		const char *want[] = { b1[0], b1[1], b1[3], b1[4], hostile, nul, lone, bignum, notime,
				       other_src, b1[11], b1[12], offset, weird_subj, b2[1] };

		for (int i = 0; i < g.n; i++) {
			if (i && g.seq[i] <= g.seq[i - 1])
				order = 0;
			if (i < 15 && (g.raw_len[i] != strlen(want[i]) ||
				       memcmp(g.raw[i], want[i], g.raw_len[i])))
				exact = 0, printf("# raw %d differs: %s\n", i, g.raw[i]);
		}
		check(g.n == 15 && order, "seq rises");
		check(g.n == 15 && exact, "every raw line comes back exactly (the first e2 kept)");
		if (g.n == 15) {
			seq3 = g.seq[2];
			check(g.time_ms[0] == ms_of("2026-11-26T12:00:00.000Z"), "time_ms");
			check(g.time_ms[12] == ms_of("2026-11-26T12:11:00.000Z"),
			      "time_ms of a time with an offset is UTC");
			check(g.time_ms[8] == INT64_MIN && !g.time[8] && !g.subject[8],
			      "no time and no subject: NULL and INT64_MIN");
			check_str(g.time[12], "2026-11-26T13:11:00+01:00", "time kept as written");
			check_str(g.subject[13], "tab\there\\back\nnl", "a subject with tab, "
				  "backslash and newline decoded and kept");
			check_str(g.source[9], "t/other", "the source is decoded and kept");
		}
	}

	/* filters */
	q = (struct store_query)STORE_QUERY_INIT;
	q.subject = "feature-a";
	check_str(query_ids(s, &q, &g), "e1 e2 e4", "by subject");
	q.subject = "feature-a' OR '1'='1";
	check_str(query_ids(s, &q, &g), "", "a subject with SQL in it matches nothing");
	q = (struct store_query)STORE_QUERY_INIT;
	q.type = "feature.backend_ready";
	check_str(query_ids(s, &q, &g), "e2", "by exact type");
	q.type = "feature.*";
	check_str(query_ids(s, &q, &g), "e2 e3 e5 ';-- e6 e7 e8 e12 e13 e14", "by type prefix");
	q.type = "feature.";
	check_str(query_ids(s, &q, &g), "", "a type without * is exact");
	q.type = "a_b.*";
	check_str(query_ids(s, &q, &g), "e1", "_ in a prefix is literal (not axb.c)");
	q.type = "a%.*";
	check_str(query_ids(s, &q, &g), "", "%% in a prefix is literal");
	q.type = "*";
	check_str(query_ids(s, &q, &g), "", "a lone * is a type, not everything");
	q = (struct store_query)STORE_QUERY_INIT;
	q.since_ms = ms_of("2026-11-26T12:01:00.000Z");
	q.until_ms = ms_of("2026-11-26T12:04:00.000Z");
	check_str(query_ids(s, &q, &g), "e2 e3 e4", "since (inclusive) until (exclusive)");
	q.until_ms = INT64_MAX;
	q.since_ms = ms_of("2026-11-26T12:10:00.000Z");
	check_str(query_ids(s, &q, &g), "e11 e12 e14", "since only");
	q = (struct store_query)STORE_QUERY_INIT;
	q.limit = 3;
	check_str(query_ids(s, &q, &g), "e1 e2 e3", "limit");
	q.newest_first = 1;
	check_str(query_ids(s, &q, &g), "e14 e13 e12", "limit, newest first");
	q = (struct store_query)STORE_QUERY_INIT;
	q.after_seq = seq3;
	q.subject = "feature-c";
	check_str(query_ids(s, &q, &g), "e5 ';-- e6 e7 e8", "after_seq and subject");
	q.type = "feature.note";
	q.newest_first = 1;
	q.limit = 2;
	check_str(query_ids(s, &q, &g), "e8 e7", "after_seq, subject, type, newest first, limit");
	q = (struct store_query)STORE_QUERY_INIT;
	got_reset(&g);
	g.stop_after = 2;
	check_int(store_query(s, &q, collect, &g), 7, "a callback's non-zero stops the walk");
	check_int(g.n, 2, "after two events");
	got_reset(&g);
	check_int(store_query(s, &q, stop_with_error, NULL), -1, "a callback's -1 is returned");
	check_str(ak_errmsg(), "cannot write 'out': No space left on device",
		  "with the callback's message intact");
	check_int(count(s), 15, "and the store is still usable");

	/* the stored data, read behind the store's back */
	is_db(spec, "SELECT data->>'status' FROM events WHERE id = 'e2'",
	      "SELECT json_extract(data, '$.status') FROM events WHERE id = 'e2'", "pass",
	      "data is queryable JSON");
	is_db(spec, "SELECT data->>'q' FROM events WHERE id = 'e5 '';--'",
	      "SELECT json_extract(data, '$.q') FROM events WHERE id = 'e5 '';--'",
	      "it's \"quoted\"; DROP TABLE events; -- \\N \\. \\\\ \t tab caf\xc3\xa9 \xe2\x9c\x93 "
	      "\xf0\x9d\x84\x9e \xf0\x9f\x98\x80 \xc3\xa9 \xef\xbb\xbf \xe2\x80\xae rtl",
	      "hostile data decoded right");
	if (be->pg) {
		/* jsonb cannot hold these; the raw line still has them */
		is_db(spec, "SELECT coalesce(data::text, 'NULL') FROM events WHERE id = 'e6'", NULL,
		      "NULL", "data with \\u0000 is stored as NULL");
		is_db(spec, "SELECT coalesce(data::text, 'NULL') FROM events WHERE id = 'e7'", NULL,
		      "NULL", "data with a lone surrogate or an out-of-range number is stored as NULL");
	} else {
		is_db(spec, NULL, "SELECT json_extract(data, '$.status') FROM events WHERE id = 'e6'",
		      "nul", "data with \\u0000 is still JSON");
		is_db(spec, NULL, "SELECT json_array_length(data, '$.n') FROM events WHERE id = 'e7'",
		      "2", "data with a lone surrogate and huge numbers is still JSON");
	}
	is_db(spec, "SELECT data->>'pair' FROM events WHERE id = 'e8'",
	      "SELECT json_extract(data, '$.pair') FROM events WHERE id = 'e8'", "\xf0\x9f\x98\x80",
	      "numbers at the edge of numeric's range and surrogate pairs are kept");
	is_db(spec, "SELECT data #>> '{}' FROM events WHERE id = 'e9'",
	      "SELECT data FROM events WHERE id = 'e9'", "just text, with ' and \\", "string data");
	is_db(spec, "SELECT coalesce(data::text, 'NULL') FROM events WHERE source = 't/other'",
	      "SELECT coalesce(data, 'NULL') FROM events WHERE source = 't/other'",
	      "NULL", "\"data\":null is stored as NULL");
	{
		char sql[256], *v;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE recorded_ms "
			 "BETWEEN %" PRId64 " AND %" PRId64, before, after);
		v = db_value(spec, sql);
		check_str(v, "15", "recorded_ms is the time of the append");
		free(v);
	}

	/* features */
	memset(&fs, 0, sizeof(fs));
	check(store_features(s, NULL, collect_feature, &fs) == 0, "list features");
	check_int(fs.n, 7, "seven subjects");
	check_str(fs.line[0], "feature-a feature.backend_ready rejected e4 2026-11-26T12:03:00.000Z 3 last",
		  "agent.rejected keeps the stage and sets status rejected");
	check_str(fs.line[1], "feature-b feature.integrated pass e14 2026-11-26T12:12:00.000Z 2 last",
		  "a later batch moves the stage; an old event is not counted twice");
	check_str(fs.line[2], "feature-c feature.note NULL e8 2026-11-26T12:07:00.000Z 4 last",
		  "no data.status: status NULL");
	check_str(fs.line[3], "feature-d axb.c NULL e10 2026-11-26T12:09:00.000Z 2 last",
		  "two sources with one id are two events");
	check_str(fs.line[4], "feature-e NULL failed e11 2026-11-26T12:10:00.000Z 1 last",
		  "only agent.failed: no stage, status failed");
	check_str(fs.line[5], "feature-f feature.tested pass e12 2026-11-26T13:11:00+01:00 1 last",
		  "feature-f");
	check_str(fs.line[6], "tab\there\\back\nnl feature.tested NULL e13 NULL 1 nolast",
		  "no time: last_time NULL, last_ms INT64_MIN; a non-string status is NULL");
	memset(&fs, 0, sizeof(fs));
	check(store_features(s, "feature-b", collect_feature, &fs) == 0 && fs.n == 1 &&
	      !strncmp(fs.line[0], "feature-b ", 10), "one feature");
	memset(&fs, 0, sizeof(fs));
	check(store_features(s, "nope", collect_feature, &fs) == 0 && fs.n == 0, "an unknown feature");
	memset(&fs, 0, sizeof(fs));
	check(store_features(s, "feature-a' OR '1'='1", collect_feature, &fs) == 0 && fs.n == 0,
	      "a subject with SQL in it");
	{
		/* in one batch: a stage, then agent.failed; then a later agent event alone */
		const char *b3[4];

		b3[0] = ev("e20", "feature.tested", "feature-g", "2026-11-26T12:20:00.000Z",
			   "{\"status\":\"pass\"}");
		b3[1] = ev("e21", "agent.failed", "feature-g", "2026-11-26T12:21:00.000Z", "{}");
		b3[2] = ev("e22", "feature.security_checked", "feature-h", NULL,
			   "{\"status\":\"pass\"}");
		/* a second e21 in the batch, which is not stored, must not count either */
		b3[3] = ev("e21", "agent.rejected", "feature-g", "2026-11-26T12:22:00.000Z", "{}");
		check_int(append(s, b3, 4), 3, "a batch with a stage and a failure");
		b3[0] = ev("e23", "agent.rejected", "feature-h", "2026-11-26T12:23:00.000Z", "{}");
		check_int(append(s, b3, 1), 1, "then a rejection alone");
		memset(&fs, 0, sizeof(fs));
		store_features(s, "feature-g", collect_feature, &fs);
		check_str(fs.line[0], "feature-g feature.tested failed e21 2026-11-26T12:21:00.000Z 2 last",
			  "within a batch the last stage and the last status win");
		memset(&fs, 0, sizeof(fs));
		store_features(s, "feature-h", collect_feature, &fs);
		check_str(fs.line[0], "feature-h feature.security_checked rejected e23 "
			  "2026-11-26T12:23:00.000Z 2 last", "across batches too");
	}

	/* get, by id alone and by source and id */
	got_reset(&g);
	check_int(store_get(s, NULL, "e1", collect, &g), 1, "get e1 of any source");
	check(g.n == 1 && g.raw_len[0] == strlen(b1[0]) && !memcmp(g.raw[0], b1[0], g.raw_len[0]),
	      "is the first e1 by seq, exactly");
	got_reset(&g);
	check_int(store_get(s, "t/other", "e1", collect, &g), 1, "get e1 of t/other");
	check(g.n == 1 && g.raw_len[0] == strlen(other_src) &&
	      !memcmp(g.raw[0], other_src, g.raw_len[0]) && !strcmp(g.source[0], "t/other"),
	      "is that source's e1, exactly");
	got_reset(&g);
	check_int(store_get(s, "t/u-store", "e1", collect, &g), 1, "get e1 of t/u-store");
	check(g.n == 1 && !strcmp(g.source[0], "t/u-store") && !strcmp(g.subject[0], "feature-a"),
	      "is that source's e1");
	got_reset(&g);
	check_int(store_get(s, "t/nope", "e1", collect, &g), 0, "a known id from another source is 0");
	check_int(g.n, 0, "and the callback is not called");
	check_int(store_get(s, "t/other", "e2", collect, &g), 0, "a known source with another id is 0");
	check_int(store_get(s, NULL, "e5 ';--", collect, &g), 1, "get an id with SQL in it");
	got_reset(&g);
	check_int(store_get(s, "t/u-store", "e5 ';--", collect, &g), 1, "and with its source");
	check_int(store_get(s, "t/u-store' OR '1'='1", "e1", collect, &g), 0,
		  "a source with SQL in it matches nothing");
	check_int(store_get(s, NULL, "e1' OR '1'='1", collect, &g), 0,
		  "an id with SQL in it matches nothing");
	check_int(store_get(s, NULL, "nope", collect, &g), 0, "get of an unknown id is 0");
	check_int(store_get(s, NULL, "", collect, &g), 0, "get of an empty id is 0");
	got_reset(&g);
	check_int(store_get(s, "t/other", "e1", stop_with_error, NULL), -1,
		  "a callback's -1 is returned by get");
	check_str(ak_errmsg(), "cannot write 'out': No space left on device",
		  "with the callback's message intact");
	{
		int r = -7;

		check_int(store_get(s, NULL, "e1", return_ctx, &r), -7,
			  "a callback's other negative return too");
		r = 5;
		check_int(store_get(s, NULL, "e1", return_ctx, &r), 1,
			  "a callback's positive return is found (1)");
	}

	/* joins */
	check(store_join_put(s, "agent-x", "feature-a", "t.two", "{\"b\":2}", 7) == 0, "join put");
	check(store_join_put(s, "agent-x", "feature-a", "t.one", "old", 3) == 0, "join put another");
	check(store_join_put(s, "agent-x", "feature-a", "t.one", "caf\xc3\xa9 ';\\\t-- xyz", 12) == 0,
	      "join put replaces (the length is respected)");
	check(store_join_put(s, "agent-y", "feature-a", "t.one", "y", 1) == 0, "join of another agent");
	memset(&j, 0, sizeof(j));
	check(store_join_get(s, "agent-x", "feature-a", collect_join, &j) == 0, "join get");
	check_str(j.text, "[t.one=caf\xc3\xa9 ';\\\t--] [t.two={\"b\":2}]", "joins by type, latest raw");
	memset(&j, 0, sizeof(j));
	check(store_join_get(s, "agent-x", "feature-b", collect_join, &j) == 0 && !j.text[0],
	      "no joins for another subject");
	check(store_join_put(s, "agent-x", "feature-a", "t.nul", "a\0b", 3) < 0 &&
	      ak_errcode() == AK_EXIT_DATAERR, "a raw with a NUL byte is refused: %s", ak_errmsg());
	memset(&j, 0, sizeof(j));
	store_join_get(s, "agent-x", "feature-a", collect_join, &j);
	check_str(j.text, "[t.one=caf\xc3\xa9 ';\\\t--] [t.two={\"b\":2}]", "and not stored");
	check(store_join_clear(s, "agent-x", "feature-a") == 0, "join clear");
	memset(&j, 0, sizeof(j));
	store_join_get(s, "agent-x", "feature-a", collect_join, &j);
	check_str(j.text, "", "cleared");
	memset(&j, 0, sizeof(j));
	store_join_get(s, "agent-y", "feature-a", collect_join, &j);
	check_str(j.text, "[t.one=y]", "another agent's joins stay");
	check(store_join_clear(s, "agent-z", "feature-a") == 0, "clearing nothing is fine");

	/* operations from inside a query callback */
	total = count(s);
	{
		struct nested n = { .s = s };
		int64_t c0 = total;

		n.line = ev("e30", "feature.nested", "feature-n", "2026-11-26T12:30:00.000Z", "{}");
		q = (struct store_query)STORE_QUERY_INIT;
		check0(store_query(s, &q, nested_ops, &n), "a query whose callback uses the store");
		check(n.gets == 1 && n.got, "get inside a callback");
		check_int(n.inserted, 1, "append inside a callback");
		check_int(n.counted, c0 + 1, "count inside a callback sees it");
		check_int(count(s), c0 + 1, "and it is kept");
		check_int(n.calls, c0, "the walk saw the events as they were when it began");
		check_int(n.vacuumed, -1, "vacuum inside a callback is refused (not in a transaction)");
		if (n.inserted == 1)
			total++;
	}

	check0(store_vacuum(s), "vacuum");
	check_int(count(s), total, "count after vacuum");
	check_int(total, 20, "twenty events in all");
	got_reset(&g);
	store_close(s);
}

/* More than one FETCH of rows, and an early stop in the middle. */
static void test_many(const char *spec)
{
	struct store *s = store_open(spec, NULL);
	struct store_query q = STORE_QUERY_INIT;
	static struct got g;
	static char buf[1 << 20];
	uint64_t ins = 0;
	size_t o = 0;
	int sorted = 1;

	if (!check(s != NULL, "open for many events"))
		return;
	for (int i = 0; i < 2500; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "{\"specversion\":\"1.0\",\"id\":\"m%04d\",\"source\":\"t/many\","
				      "\"type\":\"feature.bulk\",\"subject\":\"bulk-%d\","
				      "\"data\":{\"status\":\"s%d\",\"i\":%d}}\n", i, i % 7, i, i);
	check(store_append_lines(s, buf, o, &ins) == 0 && ins == 2500, "2500 events in one batch");
	q.type = "feature.bulk";
	got_reset(&g);
	check0(store_query(s, &q, collect, &g), "query them");
	check_int(g.n, 2500, "all 2500 come back");
	for (int i = 0; i < g.n; i++) {
		char want[16];

		snprintf(want, sizeof(want), "m%04d", i);
		if (strcmp(g.id[i], want))
			sorted = 0;
	}
	check(sorted, "in order across fetches");
	got_reset(&g);
	g.stop_after = 1500;
	check_int(store_query(s, &q, collect, &g), 7, "stop in the second fetch");
	check_str(g.n == 1500 ? g.id[1499] : "", "m1499", "at the right event");
	got_reset(&g);
	q.newest_first = 1;
	q.limit = 1001;
	check(store_query(s, &q, collect, &g) == 0 && g.n == 1001 && !strcmp(g.id[0], "m2499") &&
	      !strcmp(g.id[1000], "m1499"), "newest first with a limit past one fetch");
	got_reset(&g);
	{
		struct feat fs = { 0 };

		store_features(s, "bulk-3", collect_feature, &fs);
		check_str(fs.line[0], "bulk-3 feature.bulk s2495 m2495 NULL 357 nolast",
			  "features from a big batch");
	}
	check(store_append_lines(s, buf, o, &ins) == 0 && ins == 0,
	      "the same 2500 again insert nothing");
	is_db(spec, "SELECT count(*) FROM events WHERE source = 't/many'", NULL, "2500",
	      "and are stored once");
	store_close(s);
}

/* A first append from inside a query callback (on PostgreSQL it makes the
 * staging table in the query's transaction); appends after the query
 * still work. */
struct first_nested {
	struct store *s;
	long long inserted;
	int calls;
};

static int append_once_from_callback(const struct store_event *e, void *ctx)
{
	struct first_nested *f = ctx;
	const char *one[1];

	if (f->calls++)
		return 0;
	one[0] = ev("e50", "feature.first", "feature-y", "2026-11-26T12:50:00.000Z", "{}");
	f->inserted = append(f->s, one, 1);
	return 0;
}

static void test_first_append_nested(const char *spec)
{
	struct store *s = store_open(spec, NULL);
	struct store_query q = STORE_QUERY_INIT;
	struct first_nested f = { s, -1, 0 };
	const char *one[1];

	if (!check(s != NULL, "open a new connection"))
		return;
	q.limit = 2;
	check0(store_query(s, &q, append_once_from_callback, &f),
	       "query whose callback appends first");
	check_int(f.inserted, 1, "the append inside it");
	one[0] = ev("e51", "feature.first", "feature-y", "2026-11-26T12:51:00.000Z", "{}");
	check_int(append(s, one, 1), 1, "an append after the query");
	is_db(spec, "SELECT string_agg(id, ' ' ORDER BY seq) FROM events WHERE subject = 'feature-y'",
	      "SELECT group_concat(id, ' ') FROM (SELECT id FROM events "
	      "WHERE subject = 'feature-y' ORDER BY seq)", "e50 e51", "both are stored");
	store_close(s);
}

/* Writers in several processes at once, with overlapping events. */
static void test_concurrent_appends(const char *spec)
{
	enum { KIDS = 4, BATCHES = 10, PER = 100 };
	pid_t kids[KIDS];
	int good = 0;

	fflush(stdout);
	for (int k = 0; k < KIDS; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct store *s = store_open(spec, NULL);
			static char buf[1 << 16];

			if (!s)
				fprintf(stderr, "# writer %d: %s\n", k, ak_errmsg());
			for (int b = 0; s && b < BATCHES; b++) {
				size_t o = 0;
				uint64_t ins;

				for (int i = 0; i < PER; i++) {
					/* half shared by every writer, half its own */
					int shared = i % 2 == 0;

					o += (size_t)snprintf(buf + o, sizeof(buf) - o,
						"{\"specversion\":\"1.0\",\"id\":\"c%d-%d-%d\","
						"\"source\":\"t/conc\",\"type\":\"feature.conc\","
						"\"subject\":\"conc-%d\",\"data\":{}}\n",
						shared ? 9 : k, b, i, i % 13);
				}
				if (store_append_lines(s, buf, o, &ins) < 0) {
					fprintf(stderr, "# writer %d: %s\n", k, ak_errmsg());
					_exit(1);
				}
			}
			store_close(s);
			_exit(s ? 0 : 1);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int st;

		if (kids[k] > 0 && waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			good++;
	}
	check_int(good, KIDS, "four writers at once all succeed");
	is_db(spec, "SELECT count(*) FROM events WHERE source = 't/conc'", NULL, "2500",
	      "each event is stored once (4 x 500 own, 500 shared)");
	is_db(spec, "SELECT sum(events) FROM features WHERE subject LIKE 'conc-%'", NULL, "2500",
	      "and counted once in features");
	/* ids are c<writer>-<batch>-<i>: a batch is one transaction, so its
	 * writer's own events (100 lines apart at most) are not spread out by
	 * other writers' transactions */
	is_db(spec, "SELECT count(*) FROM (SELECT max(seq) - min(seq) AS span FROM events "
	      "WHERE source = 't/conc' AND id NOT LIKE 'c9-%' GROUP BY substr(id, 1, 5)) t "
	      "WHERE span >= 100", NULL, "0", "a batch's events are not interleaved with others'");
	if (be->pg)
		/* a transaction's id is given at its first write: with appends taking
		 * turns, ids rise with seq; interleaved transactions would mix them */
		is_db(spec, "SELECT count(*) FROM (SELECT xmin::text::bigint AS x, "
		      "lag(xmin::text::bigint) OVER (ORDER BY seq) AS prev FROM events "
		      "WHERE source = 't/conc') t WHERE x < prev", NULL, "0", "seq follows commit order");
}

/* Every backend-independent test, on a fresh store of the backend be names. */
static void test_backend(void)
{
	char main_spec[1024], empty[1024], half[1024], race[1024];

	if (fresh_store("main", main_spec, sizeof(main_spec)) < 0) {
		check(0, "make a store to test");
		return;
	}
	if (be->pg)
		snprintf(main_db, sizeof(main_db), "%s", dbnames[ndbs - 1]);
	if (fresh_store("empty", empty, sizeof(empty)) < 0 ||
	    fresh_store("half", half, sizeof(half)) < 0 ||
	    fresh_store("race", race, sizeof(race)) < 0) {
		check(0, "make stores to test");
		return;
	}
	test_migrations(empty, half);
	test_concurrent_migration(race);
	test_events(main_spec);
	test_many(main_spec);
	test_first_append_nested(main_spec);
	test_concurrent_appends(main_spec);
	test_rollouts(main_spec);
	test_keys(main_spec);
}

/* ---- SQLite only ------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) && fread(p, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else
		free(p), p = NULL;
	fclose(f);
	return p;
}

static int write_file(const char *path, const char *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	int good = f && fwrite(p, 1, len, f) == len;

	return (f && fclose(f) == 0 && good) ? 0 : -1;
}

/* A file that is not a database is refused, and left as it was. */
static void not_a_database(const char *what, const char *content, size_t len)
{
	char path[256];
	struct store *s;
	char *after;
	size_t alen = 0;

	snprintf(path, sizeof(path), "%s/not-a-db-%d", tmpdir, nfiles++);
	if (write_file(path, content, len) < 0) {
		check(0, "write %s", what);
		return;
	}
	s = store_open(path, NULL);
	check(s == NULL, "%s does not open", what);
	check_int(ak_errcode(), AK_EXIT_DATAERR, "and is AK_EXIT_DATAERR");
	check(strstr(ak_errmsg(), path) != NULL && strstr(ak_errmsg(), "not a database") != NULL,
	      "and says the file is not a database: %s", ak_errmsg());
	after = read_file(path, &alen);
	check(after && alen == len && !memcmp(after, content, len), "and the file is unchanged");
	free(after);
	store_close(s);
}

static void test_sqlite_only(void)
{
	char path[256], *v;
	struct store *s;
	struct stat st;
	static char junk[8192];

	/* a store in a directory that does not exist */
	snprintf(path, sizeof(path), "%s/missing/store.db", tmpdir);
	s = store_open(path, NULL);
	check(s == NULL, "a store in a missing directory does not open");
	check_int(ak_errcode(), AK_EXIT_IOERR, "and is AK_EXIT_IOERR");
	check(!strncmp(ak_errmsg(), "cannot open store '", 19) && strstr(ak_errmsg(), path),
	      "and says it cannot open the store: %s", ak_errmsg());
	check(stat(path, &st) < 0 && errno == ENOENT, "and creates nothing");
	store_close(s);

	/* a directory where the file should be */
	s = store_open(tmpdir, NULL);
	check(s == NULL && ak_errcode() == AK_EXIT_IOERR,
	      "a directory does not open, AK_EXIT_IOERR: %s", ak_errmsg());
	store_close(s);

	/* files that are something else */
	not_a_database("a short text file", "this is not a database\n", 24);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)"0123456789abcdef\n"[i % 17];
	not_a_database("8 KiB of text", junk, sizeof(junk));
	memcpy(junk, "SQLite format 3", 16);
	not_a_database("8 KiB that starts like a database", junk, sizeof(junk));

	/* an empty file is an empty database */
	snprintf(path, sizeof(path), "%s/empty-file-%d.db", tmpdir, nfiles++);
	if (write_file(path, "", 0) == 0) {
		int ver = -1;

		s = store_open(path, NULL);
		check(s && store_version(s, &ver) == 0 && ver == STORE_SCHEMA_VERSION,
		      "an empty file is an empty store, migrated: %s", s ? "" : ak_errmsg());
		store_close(s);
	}

	/* WAL: readers never block the writer */
	snprintf(path, sizeof(path), "%s/wal-%d.db", tmpdir, nfiles++);
	s = store_open(path, NULL);
	check(s != NULL, "open a new store: %s", s ? "" : ak_errmsg());
	v = sqlite_value(path, "PRAGMA journal_mode");
	check_str(v, "wal", "its journal_mode is wal");
	free(v);
	if (s) {
		const char *one[1] = { ev("w1", "feature.wal", "feature-w", NULL, "{}") };
		char wal[300];

		check_int(append(s, one, 1), 1, "append one event");
		snprintf(wal, sizeof(wal), "%s-wal", path);
		check(stat(wal, &st) == 0 && st.st_size > 0, "which goes to the write-ahead log");
	}
	store_close(s);
	v = sqlite_value(path, "SELECT count(*) FROM events WHERE id = 'w1'");
	check_str(v, "1", "and is there after the store is closed");
	free(v);
	s = store_open(path, NULL);
	check(s && count(s) == 1, "and when it is opened again");
	store_close(s);

	/* spec selection, without a server */
	snprintf(path, sizeof(path), "%s/k=v-%d.db", tmpdir, nfiles++);
	s = store_open(path, NULL);
	check(s && !strcmp(store_backend(s), "sqlite"), "a path with '=' in it is a SQLite file: %s",
	      s ? "" : ak_errmsg());
	store_close(s);
	check(stat(path, &st) == 0, "which is created");
	s = store_open("", NULL);
	check(s == NULL && ak_errcode() == AK_EXIT_USAGE, "an empty spec is a usage error: %s",
	      ak_errmsg());
	store_close(s);
	s = store_open("host=/nonexistent/agentkit-u-store dbname=x connect_timeout=5", NULL);
	check(s == NULL && ak_errcode() == AK_EXIT_UNAVAILABLE &&
	      !strncmp(ak_errmsg(), "cannot connect to store 'host=/nonexistent/", 43),
	      "a key=value string with a '/' is PostgreSQL, not a file: %s", ak_errmsg());
	store_close(s);
}

/* ---- PostgreSQL only --------------------------------------------------- */

static void test_open_errors(void)
{
	struct store *s;

	s = store_open("postgresql:///x?host=/nonexistent/agentkit-u-store", NULL);
	check(s == NULL, "a missing socket directory does not open");
	check_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "and is AK_EXIT_UNAVAILABLE");
	check(!strncmp(ak_errmsg(), "cannot connect to store 'postgresql:///x?host=/nonexistent/", 59),
	      "and says it cannot connect: %s", ak_errmsg());
	check(!strchr(ak_errmsg(), '\n'), "in one line");
	store_close(s);

	s = store_open("host=127.0.0.1 port=1 dbname=x connect_timeout=5", NULL);
	check(s == NULL && ak_errcode() == AK_EXIT_UNAVAILABLE,
	      "a refused TCP connection is AK_EXIT_UNAVAILABLE: %s", ak_errmsg());
	store_close(s);

	s = store_open("postgresql://agentkit:s3cret@127.0.0.1:1/x", NULL);
	check(s == NULL && !strstr(ak_errmsg(), "s3cret"), "the password is not in the message: %s",
	      ak_errmsg());
	store_close(s);
	s = store_open("host=127.0.0.1 port=1 password=s3cret dbname=x connect_timeout=5", NULL);
	check(s == NULL && !strstr(ak_errmsg(), "s3cret") && strstr(ak_errmsg(), "dbname=x"),
	      "nor a key=value password: %s", ak_errmsg());
	store_close(s);
	s = store_open("host=127.0.0.1 port=1 password = 's3 \\'cret' dbname=x connect_timeout=5",
		       NULL);
	check(s == NULL && !strstr(ak_errmsg(), "s3") && !strstr(ak_errmsg(), "cret") &&
	      strstr(ak_errmsg(), "dbname=x"), "nor a quoted one: %s", ak_errmsg());
	store_close(s);
}

static void test_encoding(void)
{
	char url[1024];
	struct store *s;

	if (make_db("latin1", " ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
		    url, sizeof(url)) < 0) {
		check(0, "create a LATIN1 database");
		return;
	}
	s = store_open(url, NULL);
	check(s == NULL && ak_errcode() == AK_EXIT_UNAVAILABLE && strstr(ak_errmsg(), "UTF8"),
	      "a database not in UTF8 is refused: %s", ak_errmsg());
	store_close(s);
}

/* The server ends our connection: the next call says so, the one after reconnects. */
static void test_connection_loss(const char *url)
{
	struct store *s = store_open(url, NULL);
	const char *one[1];
	char sql[256];
	int64_t n = -1, before;

	if (!check(s != NULL, "open for the connection test"))
		return;
	before = count(s);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		 "WHERE datname = '%s' AND application_name = 'agentkit'", main_db);
	check(admin_exec(sql) == 0, "terminate the store's connection");
	usleep(100000);
	check(store_count(s, &n) < 0, "the next call fails");
	check_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "with AK_EXIT_UNAVAILABLE");
	check(strstr(ak_errmsg(), "went away") != NULL, "saying the store went away: %s", ak_errmsg());
	check(!strchr(ak_errmsg(), '\n'), "in one line");
	check0(store_count(s, &n), "the call after that reconnects");
	check_int(n, before, "and counts right");
	one[0] = ev("e40", "feature.after", "feature-z", "2026-11-26T12:40:00.000Z", "{}");
	check_int(append(s, one, 1), 1, "and appends again");
	admin_exec(sql);
	usleep(100000);
	one[0] = ev("e41", "feature.after", "feature-z", "2026-11-26T12:41:00.000Z", "{}");
	{
		char l[1100];
		uint64_t ins = 99;
		int rc;

		snprintf(l, sizeof(l), "%s\n", one[0]);
		rc = store_append_lines(s, l, strlen(l), &ins);
		check(rc < 0 && ak_errcode() == AK_EXIT_UNAVAILABLE && ins == 0,
		      "an append on a lost connection fails, inserting nothing");
		check(strstr(ak_errmsg(), "went away") != NULL, "%s", ak_errmsg());
	}
	check_int(count(s), before + 1, "and kept nothing");
	check_int(append(s, one, 1), 1, "then it goes in");
	store_close(s);
}

/* A conninfo in key=value form (host=/dir/with/slashes ...) selects PostgreSQL too. */
static void test_keyvalue(void)
{
	char kv[1024];
	struct store *s;
	int64_t n = -1;
	static struct got g;

	conninfo_for(main_db, 1, kv, sizeof(kv));
	s = store_open(kv, NULL);
	if (!check(s && !strcmp(store_backend(s), "postgres"), "open by key=value"))
		printf("#   %s: %s\n", kv, ak_errmsg());
	check(strchr(kv, '/') != NULL, "which has a '/' in it: %s", kv);
	check(s && store_count(s, &n) == 0 && n > 2500, "and reaches the same database");
	got_reset(&g);
	check(s && store_get(s, "t/other", "e1", collect, &g) == 1, "and finds its events");
	got_reset(&g);
	store_close(s);
}

static void test_postgres(void)
{
	be = &pg_backend;
	if (!base || !*base) {
		const char *const all[] = { "migrations", "concurrent migration", "events",
					    "many events", "first append inside a query",
					    "concurrent appends", "API keys", "connection loss", "key=value",
					    "connection errors", "encoding" };

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			skip("AGENTKIT_TEST_PG not set", all[i]);
		return;
	}
	admin = PQconnectdb(base);
	if (!check(PQstatus(admin) == CONNECTION_OK, "connect to AGENTKIT_TEST_PG")) {
		printf("#   %s", PQerrorMessage(admin));
		PQfinish(admin);
		return;
	}
	PQclear(PQexec(admin, "SET client_min_messages = warning"));

	test_backend();
	if (main_db[0]) {
		char url[1024];

		conninfo_for(main_db, 0, url, sizeof(url));
		test_connection_loss(url);
		test_keyvalue();
	}
	test_open_errors();
	test_encoding();

	for (int i = 0; i < ndbs; i++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %.63s WITH (FORCE)", dbnames[i]);
		admin_exec(sql);
	}
	PQfinish(admin);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	base = getenv("AGENTKIT_TEST_PG");

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/u-store.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	be = &sqlite_backend;
	test_backend();
	test_sqlite_only();

	test_postgres();

	if (nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		printf("# cannot remove '%s': %s\n", tmpdir, strerror(errno));
	return done_testing();
}
