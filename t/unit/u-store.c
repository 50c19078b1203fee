/*
 * u-store-pg.c - the PostgreSQL backend of the event store, through the
 * public interface in store.h, against a real server.
 *
 * AGENTKIT_TEST_PG names a server (a libpq connection string or URL, such
 * as what `t/helpers/pg start DIR` prints); without it the test is skipped.
 * The test makes its own databases on that server (the user needs
 * CREATEDB) and drops them at the end, so it never touches existing data.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "error.h"
#include "store.h"
#include "store_backend.h"
#include "tap.h"

static PGconn *admin;            /* on the database AGENTKIT_TEST_PG names */
static const char *base;         /* AGENTKIT_TEST_PG */
static char dbnames[8][64];
static int ndbs;

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

/* A fresh database; its URL in out. */
static int make_db(const char *tag, const char *extra, char *out, size_t len)
{
	char sql[256];

	snprintf(dbnames[ndbs], sizeof(dbnames[ndbs]), "u_store_pg_%ld_%s", (long)getpid(), tag);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s%s", dbnames[ndbs], extra ? extra : "");
	if (admin_exec(sql) < 0)
		return -1;
	conninfo_for(dbnames[ndbs], 0, out, len);
	ndbs++;
	return 0;
}

/* The first value of a one-row query on conninfo, copied; NULL for SQL NULL. */
static char *db_value(const char *conninfo, const char *sql)
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

static void is_db(const char *conninfo, const char *sql, const char *want, const char *name)
{
	char *v = db_value(conninfo, sql);

	is_str(v, want, "%s", name);
	free(v);
}

/* ok() for a call returning 0, showing the store's message when it failed. */
static int ok0(int rc, const char *name)
{
	int pass = ok(rc == 0, "%s", name);

	if (!pass)
		printf("#   rc %d: %s\n", rc, ak_errmsg());
	return pass;
}

/* ---- collecting what the store gives back ----------------------------- */

struct got {
	int n;
	int64_t seq[4096];
	char *id[4096];
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

static char lines[64][1024];
static int nlines;

/* Add an event line (without its newline) built from printf arguments. */
static const char *line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *line(const char *fmt, ...)
{
	va_list ap;

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
	return line("{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"t/u-store-pg\","
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

/* ---- the tests --------------------------------------------------------- */

static void test_open_errors(void)
{
	struct store *s;

	s = store_open("postgresql:///x?host=/nonexistent/agentkit-u-store-pg", NULL);
	ok(s == NULL, "a missing socket directory does not open");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "and is AK_EXIT_UNAVAILABLE");
	ok(!strncmp(ak_errmsg(), "cannot connect to store 'postgresql:///x?host=/nonexistent/", 59),
	   "and says it cannot connect: %s", ak_errmsg());
	ok(!strchr(ak_errmsg(), '\n'), "in one line");
	store_close(s);

	s = store_open("host=127.0.0.1 port=1 dbname=x connect_timeout=5", NULL);
	ok(s == NULL && ak_errcode() == AK_EXIT_UNAVAILABLE,
	   "a refused TCP connection is AK_EXIT_UNAVAILABLE: %s", ak_errmsg());
	store_close(s);

	s = store_open("postgresql://agentkit:s3cret@127.0.0.1:1/x", NULL);
	ok(s == NULL && !strstr(ak_errmsg(), "s3cret"), "the password is not in the message: %s",
	   ak_errmsg());
	store_close(s);
}

static void test_migrations(void)
{
	char url[1024];
	struct store_opts o = STORE_OPTS_INIT;
	struct store *s;
	int v = -1;

	ok(strstr(store_pg_steps[0], "CREATE TABLE events") &&
	   strstr(store_pg_steps[0], "CREATE TABLE features") && !strchr(store_pg_steps[0], '\n'),
	   "step 1 makes events and features, in one line");
	ok(strstr(store_pg_steps[1], "CREATE TABLE joins") &&
	   strstr(store_pg_steps[1], "CREATE TABLE llm_cache") && !strchr(store_pg_steps[1], '\n'),
	   "step 2 makes joins .. llm_cache, in one line");

	if (make_db("empty", NULL, url, sizeof(url)) < 0) {
		ok(0, "create a database");
		return;
	}
	o.no_migrate = 1;
	s = store_open(url, &o);
	ok(s != NULL, "open an empty database without migrating: %s", s ? "" : ak_errmsg());
	if (!s)
		return;
	is_str(store_backend(s), "postgres", "the backend is postgres");
	ok0(store_version(s, &v), "read the version");
	is_int(v, 0, "an empty database is version 0");
	ok0(store_migrate(s, 1), "migrate to 1");
	ok0(store_version(s, &v), "read the version");
	is_int(v, 1, "now version 1");
	is_db(url, "SELECT to_regclass('events') IS NOT NULL AND to_regclass('joins') IS NULL",
	      "t", "version 1 has events, not joins");
	ok0(store_migrate(s, 2), "migrate to 2");
	ok0(store_version(s, &v), "read the version");
	is_int(v, 2, "now version 2");
	is_db(url, "SELECT count(*) || ':' || max(version) FROM schema_version", "1:2",
	      "schema_version holds one row, 2");
	is_db(url, "SELECT count(*) FROM pg_tables WHERE tablename IN ('events', 'features', "
	      "'joins', 'rollouts', 'llm_exchanges', 'llm_cache', 'schema_version')", "7",
	      "all seven tables exist");
	is_db(url, "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
	      "WHERE tablename = 'events'", "events_pkey,events_source_id_key,events_subject,"
	      "events_time,events_type", "events has its indexes");
	is_db(url, "SELECT data_type FROM information_schema.columns WHERE table_name = 'events' "
	      "AND column_name = 'data'", "jsonb", "data is jsonb");
	ok(store_migrate(s, 1) < 0 && ak_errcode() == AK_EXIT_USAGE,
	   "migrating back is refused: %s", ak_errmsg());
	ok0(store_migrate(s, 2), "migrating to the current version is a no-op");
	store_close(s);

	/* store_open with migrate_to 1, then forward */
	if (make_db("half", NULL, url, sizeof(url)) < 0)
		return;
	o = (struct store_opts)STORE_OPTS_INIT;
	o.migrate_to = 1;
	s = store_open(url, &o);
	v = -1;
	ok(s && store_version(s, &v) == 0, "store_open with migrate_to=1");
	is_int(v, 1, "stops at 1");
	v = -1;
	ok(s && store_migrate(s, 0) == 0 && store_version(s, &v) == 0, "store_migrate(0)");
	is_int(v, STORE_SCHEMA_VERSION, "goes to the latest");
	store_close(s);
	s = store_open(url, NULL);
	v = -1;
	ok(s && store_version(s, &v) == 0, "reopen");
	is_int(v, STORE_SCHEMA_VERSION, "reopening keeps the version");
	store_close(s);

	/* a schema newer than this program */
	{
		PGconn *c = PQconnectdb(url);
		PGresult *r = PQexec(c, "UPDATE schema_version SET version = 99");

		PQclear(r);
		PQfinish(c);
	}
	s = store_open(url, NULL);
	v = -1;
	ok(s && store_version(s, &v) == 0, "open a store with a newer schema");
	is_int(v, 99, "its version reads as such");
	ok(s && store_migrate(s, 0) < 0 && ak_errcode() == AK_EXIT_SOFTWARE &&
	   strstr(ak_errmsg(), "99"), "and is not migrated: %s", ak_errmsg());
	store_close(s);
}

/* Several processes open (and so migrate) one empty database at once. */
static void test_concurrent_migration(void)
{
	char url[1024];
	pid_t kids[6];
	int good = 0;

	if (make_db("race", NULL, url, sizeof(url)) < 0)
		return;
	fflush(stdout);
	for (int i = 0; i < 6; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct store *s = store_open(url, NULL);
			int v = -1;

			if (!s)
				fprintf(stderr, "# child: %s\n", ak_errmsg());
			_exit(s && store_version(s, &v) == 0 && v == STORE_SCHEMA_VERSION ? 0 : 1);
		}
	}
	for (int i = 0; i < 6; i++) {
		int st;

		if (kids[i] > 0 && waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			good++;
	}
	is_int(good, 6, "six processes migrating one database at once all succeed");
	is_db(url, "SELECT count(*) || ':' || max(version) FROM schema_version", "1:2",
	      "and leave one version row");
}

static void test_encoding(void)
{
	char url[1024];
	struct store *s;

	if (make_db("latin1", " ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
		    url, sizeof(url)) < 0) {
		ok(0, "create a LATIN1 database");
		return;
	}
	s = store_open(url, NULL);
	ok(s == NULL && ak_errcode() == AK_EXIT_UNAVAILABLE && strstr(ak_errmsg(), "UTF8"),
	   "a database not in UTF8 is refused: %s", ak_errmsg());
	store_close(s);
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
	struct got g = { 0 };

	n->calls++;
	if (n->calls == 1) {
		n->gets = store_get(n->s, "e3", collect, &g);
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

static void test_events(const char *url)
{
	struct store *s = store_open(url, NULL);
	struct store_query q = STORE_QUERY_INIT;
	static struct got g;
	struct feat fs;
	struct joins j;
	const char *b1[16], *b2[4];
	const char *hostile, *nul, *lone, *bignum, *notime, *other_src, *dup2, *offset, *weird_subj;
	const char *all;
	int64_t before = 0, after, seq3 = 0;
	int n1 = 0;

	ok(s != NULL, "open the events database: %s", s ? "" : ak_errmsg());
	if (!s)
		return;

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
	hostile = line("{\"specversion\":\"1.0\",\t\"id\":\"e5 ';--\",\"source\":\"t/u-store-pg\","
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
	weird_subj = line("{\"specversion\":\"1.0\",\"id\":\"e13\",\"source\":\"t/u-store-pg\","
			  "\"type\":\"feature.tested\",\"subject\":\"tab\\there\\\\back\\nnl\","
			  "\"data\":{\"status\":7}}");
	b1[n1++] = weird_subj;

	before = (int64_t)time(NULL) * 1000 - 1000;
	is_int(append(s, b1, n1), n1 - 1, "a batch inserts every new event once (e2 twice: once)");
	is_int(count(s), n1 - 1, "count");
	is_int(append(s, b1, n1), 0, "the same batch again inserts nothing");
	is_int(count(s), n1 - 1, "count unchanged");
	b2[0] = b1[3];
	b2[1] = ev("e14", "feature.integrated", "feature-b", "2026-11-26T12:12:00.000Z",
		   "{\"status\":\"pass\"}");
	is_int(append(s, b2, 2), 1, "a batch with one old and one new event inserts one");
	after = (int64_t)time(NULL) * 1000 + 1000;
	is_int(append(s, NULL, 0), 0, "an empty batch inserts nothing");

	/* everything, in order, byte for byte */
	all = "e1 e2 e3 e4 e5 ';-- e6 e7 e8 e9 e1 e10 e11 e12 e13 e14";
	is_str(query_ids(s, &q, &g), all, "all events in append order");
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
		ok(g.n == 15 && order, "seq rises");
		ok(g.n == 15 && exact, "every raw line comes back exactly (the first e2 kept)");
		if (g.n == 15) {
			seq3 = g.seq[2];
			ok(g.time_ms[0] == ms_of("2026-11-26T12:00:00.000Z"), "time_ms");
			ok(g.time_ms[12] == ms_of("2026-11-26T12:11:00.000Z"),
			   "time_ms of a time with an offset is UTC");
			ok(g.time_ms[8] == INT64_MIN && !g.time[8] && !g.subject[8],
			   "no time and no subject: NULL and INT64_MIN");
			is_str(g.time[12], "2026-11-26T13:11:00+01:00", "time kept as written");
			is_str(g.subject[13], "tab\there\\back\nnl", "a subject with tab, "
			       "backslash and newline decoded and kept");
		}
	}

	/* filters */
	q = (struct store_query)STORE_QUERY_INIT;
	q.subject = "feature-a";
	is_str(query_ids(s, &q, &g), "e1 e2 e4", "by subject");
	q.subject = "feature-a' OR '1'='1";
	is_str(query_ids(s, &q, &g), "", "a subject with SQL in it matches nothing");
	q = (struct store_query)STORE_QUERY_INIT;
	q.type = "feature.backend_ready";
	is_str(query_ids(s, &q, &g), "e2", "by exact type");
	q.type = "feature.*";
	is_str(query_ids(s, &q, &g), "e2 e3 e5 ';-- e6 e7 e8 e12 e13 e14", "by type prefix");
	q.type = "feature.";
	is_str(query_ids(s, &q, &g), "", "a type without * is exact");
	q.type = "a_b.*";
	is_str(query_ids(s, &q, &g), "e1", "_ in a prefix is literal (not axb.c)");
	q.type = "a%.*";
	is_str(query_ids(s, &q, &g), "", "%% in a prefix is literal");
	q.type = "*";
	is_str(query_ids(s, &q, &g), "", "a lone * is a type, not everything");
	q = (struct store_query)STORE_QUERY_INIT;
	q.since_ms = ms_of("2026-11-26T12:01:00.000Z");
	q.until_ms = ms_of("2026-11-26T12:04:00.000Z");
	is_str(query_ids(s, &q, &g), "e2 e3 e4", "since (inclusive) until (exclusive)");
	q.until_ms = INT64_MAX;
	q.since_ms = ms_of("2026-11-26T12:10:00.000Z");
	is_str(query_ids(s, &q, &g), "e11 e12 e14", "since only");
	q = (struct store_query)STORE_QUERY_INIT;
	q.limit = 3;
	is_str(query_ids(s, &q, &g), "e1 e2 e3", "limit");
	q.newest_first = 1;
	is_str(query_ids(s, &q, &g), "e14 e13 e12", "limit, newest first");
	q = (struct store_query)STORE_QUERY_INIT;
	q.after_seq = seq3;
	q.subject = "feature-c";
	is_str(query_ids(s, &q, &g), "e5 ';-- e6 e7 e8", "after_seq and subject");
	q.type = "feature.note";
	q.newest_first = 1;
	q.limit = 2;
	is_str(query_ids(s, &q, &g), "e8 e7", "after_seq, subject, type, newest first, limit");
	q = (struct store_query)STORE_QUERY_INIT;
	got_reset(&g);
	g.stop_after = 2;
	is_int(store_query(s, &q, collect, &g), 7, "a callback's non-zero stops the walk");
	is_int(g.n, 2, "after two events");
	got_reset(&g);
	is_int(store_query(s, &q, stop_with_error, NULL), -1, "a callback's -1 is returned");
	is_str(ak_errmsg(), "cannot write 'out': No space left on device",
	       "with the callback's message intact");
	is_int(count(s), 15, "and the store is still usable");

	/* the stored data */
	is_db(url, "SELECT data->>'status' FROM events WHERE id = 'e2'", "pass",
	      "data is queryable jsonb");
	is_db(url, "SELECT data->>'q' FROM events WHERE id = 'e5 '';--'",
	      "it's \"quoted\"; DROP TABLE events; -- \\N \\. \\\\ \t tab caf\xc3\xa9 \xe2\x9c\x93 "
	      "\xf0\x9d\x84\x9e \xf0\x9f\x98\x80 \xc3\xa9 \xef\xbb\xbf \xe2\x80\xae rtl",
	      "hostile data decoded right");
	is_db(url, "SELECT coalesce(data::text, 'NULL') FROM events WHERE id = 'e6'", "NULL",
	      "data with \\u0000 is stored as NULL");
	is_db(url, "SELECT coalesce(data::text, 'NULL') FROM events WHERE id = 'e7'", "NULL",
	      "data with a lone surrogate or an out-of-range number is stored as NULL");
	is_db(url, "SELECT data->>'pair' FROM events WHERE id = 'e8'", "\xf0\x9f\x98\x80",
	      "numbers at the edge of numeric's range and surrogate pairs are kept");
	is_db(url, "SELECT data #>> '{}' FROM events WHERE id = 'e9'", "just text, with ' and \\",
	      "string data");
	is_db(url, "SELECT coalesce(data::text, 'NULL') FROM events WHERE source = 't/other'",
	      "NULL", "\"data\":null is stored as NULL");
	{
		char sql[256], *v;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE recorded_ms "
			 "BETWEEN %" PRId64 " AND %" PRId64, before, after);
		v = db_value(url, sql);
		is_str(v, "15", "recorded_ms is the time of the append");
		free(v);
	}

	/* features */
	memset(&fs, 0, sizeof(fs));
	ok(store_features(s, NULL, collect_feature, &fs) == 0, "list features");
	is_int(fs.n, 7, "seven subjects");
	is_str(fs.line[0], "feature-a feature.backend_ready rejected e4 2026-11-26T12:03:00.000Z 3 last",
	       "agent.rejected keeps the stage and sets status rejected");
	is_str(fs.line[1], "feature-b feature.integrated pass e14 2026-11-26T12:12:00.000Z 2 last",
	       "a later batch moves the stage; an old event is not counted twice");
	is_str(fs.line[2], "feature-c feature.note NULL e8 2026-11-26T12:07:00.000Z 4 last",
	       "no data.status: status NULL");
	is_str(fs.line[3], "feature-d axb.c NULL e10 2026-11-26T12:09:00.000Z 2 last",
	       "two sources with one id are two events");
	is_str(fs.line[4], "feature-e NULL failed e11 2026-11-26T12:10:00.000Z 1 last",
	       "only agent.failed: no stage, status failed");
	is_str(fs.line[5], "feature-f feature.tested pass e12 2026-11-26T13:11:00+01:00 1 last",
	       "feature-f");
	is_str(fs.line[6], "tab\there\\back\nnl feature.tested NULL e13 NULL 1 nolast",
	       "no time: last_time NULL, last_ms INT64_MIN; a non-string status is NULL");
	memset(&fs, 0, sizeof(fs));
	ok(store_features(s, "feature-b", collect_feature, &fs) == 0 && fs.n == 1 &&
	   !strncmp(fs.line[0], "feature-b ", 10), "one feature");
	memset(&fs, 0, sizeof(fs));
	ok(store_features(s, "nope", collect_feature, &fs) == 0 && fs.n == 0, "an unknown feature");
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
		is_int(append(s, b3, 4), 3, "a batch with a stage and a failure");
		b3[0] = ev("e23", "agent.rejected", "feature-h", "2026-11-26T12:23:00.000Z", "{}");
		is_int(append(s, b3, 1), 1, "then a rejection alone");
		memset(&fs, 0, sizeof(fs));
		store_features(s, "feature-g", collect_feature, &fs);
		is_str(fs.line[0], "feature-g feature.tested failed e21 2026-11-26T12:21:00.000Z 2 last",
		       "within a batch the last stage and the last status win");
		memset(&fs, 0, sizeof(fs));
		store_features(s, "feature-h", collect_feature, &fs);
		is_str(fs.line[0], "feature-h feature.security_checked rejected e23 "
		       "2026-11-26T12:23:00.000Z 2 last", "across batches too");
	}

	/* get */
	got_reset(&g);
	is_int(store_get(s, "e1", collect, &g), 1, "get finds e1");
	ok(g.n == 1 && g.raw_len[0] == strlen(b1[0]) && !memcmp(g.raw[0], b1[0], g.raw_len[0]),
	   "the first e1 by seq, exactly");
	got_reset(&g);
	is_int(store_get(s, "e5 ';--", collect, &g), 1, "get an id with SQL in it");
	is_int(store_get(s, "nope", collect, &g), 0, "get of an unknown id is 0");

	/* joins */
	ok(store_join_put(s, "agent-x", "feature-a", "t.two", "{\"b\":2}", 7) == 0, "join put");
	ok(store_join_put(s, "agent-x", "feature-a", "t.one", "old", 3) == 0, "join put another");
	ok(store_join_put(s, "agent-x", "feature-a", "t.one", "caf\xc3\xa9 ';\\\t-- xyz", 12) == 0,
	   "join put replaces (the length is respected)");
	ok(store_join_put(s, "agent-y", "feature-a", "t.one", "y", 1) == 0, "join of another agent");
	memset(&j, 0, sizeof(j));
	ok(store_join_get(s, "agent-x", "feature-a", collect_join, &j) == 0, "join get");
	is_str(j.text, "[t.one=caf\xc3\xa9 ';\\\t--] [t.two={\"b\":2}]", "joins by type, latest raw");
	ok(store_join_put(s, "agent-x", "feature-a", "t.nul", "a\0b", 3) < 0 &&
	   ak_errcode() == AK_EXIT_DATAERR, "a raw with a NUL byte is refused: %s", ak_errmsg());
	ok(store_join_clear(s, "agent-x", "feature-a") == 0, "join clear");
	memset(&j, 0, sizeof(j));
	store_join_get(s, "agent-x", "feature-a", collect_join, &j);
	is_str(j.text, "", "cleared");
	memset(&j, 0, sizeof(j));
	store_join_get(s, "agent-y", "feature-a", collect_join, &j);
	is_str(j.text, "[t.one=y]", "another agent's joins stay");

	/* operations from inside a query callback */
	{
		struct nested n = { .s = s };
		int64_t c0 = count(s);

		n.line = ev("e30", "feature.nested", "feature-n", "2026-11-26T12:30:00.000Z", "{}");
		q = (struct store_query)STORE_QUERY_INIT;
		ok0(store_query(s, &q, nested_ops, &n), "a query whose callback uses the store");
		ok(n.gets == 1 && n.got, "get inside a callback");
		is_int(n.inserted, 1, "append inside a callback");
		is_int(n.counted, c0 + 1, "count inside a callback sees it");
		is_int(count(s), c0 + 1, "and it is kept");
		is_int(n.calls, c0, "the walk saw the events as they were when it began");
		is_int(n.vacuumed, -1, "vacuum inside a callback is refused (not in a transaction)");
	}

	ok0(store_vacuum(s), "vacuum");
	is_int(count(s), 20, "count after vacuum");
	got_reset(&g);
	store_close(s);
}

/* More than one FETCH of rows, and an early stop in the middle. */
static void test_many(const char *url)
{
	struct store *s = store_open(url, NULL);
	struct store_query q = STORE_QUERY_INIT;
	static struct got g;
	static char buf[1 << 20];
	uint64_t ins = 0;
	size_t o = 0;
	int sorted = 1;

	if (!ok(s != NULL, "open for many events"))
		return;
	for (int i = 0; i < 2500; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "{\"specversion\":\"1.0\",\"id\":\"m%04d\",\"source\":\"t/many\","
				      "\"type\":\"feature.bulk\",\"subject\":\"bulk-%d\","
				      "\"data\":{\"status\":\"s%d\",\"i\":%d}}\n", i, i % 7, i, i);
	ok(store_append_lines(s, buf, o, &ins) == 0 && ins == 2500, "2500 events in one batch");
	q.type = "feature.bulk";
	got_reset(&g);
	ok0(store_query(s, &q, collect, &g), "query them");
	is_int(g.n, 2500, "all 2500 come back");
	for (int i = 0; i < g.n; i++) {
		char want[16];

		snprintf(want, sizeof(want), "m%04d", i);
		if (strcmp(g.id[i], want))
			sorted = 0;
	}
	ok(sorted, "in order across fetches");
	got_reset(&g);
	g.stop_after = 1500;
	is_int(store_query(s, &q, collect, &g), 7, "stop in the second fetch");
	is_str(g.n == 1500 ? g.id[1499] : "", "m1499", "at the right event");
	got_reset(&g);
	q.newest_first = 1;
	q.limit = 1001;
	ok(store_query(s, &q, collect, &g) == 0 && g.n == 1001 && !strcmp(g.id[0], "m2499") &&
	   !strcmp(g.id[1000], "m1499"), "newest first with a limit past one fetch");
	got_reset(&g);
	{
		struct feat fs = { 0 };

		store_features(s, "bulk-3", collect_feature, &fs);
		is_str(fs.line[0], "bulk-3 feature.bulk s2495 m2495 NULL 357 nolast",
		       "features from a big batch");
	}
	store_close(s);
}

/* The server ends our connection: the next call says so, the one after reconnects. */
static void test_connection_loss(const char *url)
{
	struct store *s = store_open(url, NULL);
	const char *one[1];
	char sql[256];
	int64_t n = -1, before;

	if (!ok(s != NULL, "open for the connection test"))
		return;
	before = count(s);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		 "WHERE datname = '%s' AND application_name = 'agentkit'", dbnames[0]);
	ok(admin_exec(sql) == 0, "terminate the store's connection");
	usleep(100000);
	ok(store_count(s, &n) < 0, "the next call fails");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "with AK_EXIT_UNAVAILABLE");
	ok(strstr(ak_errmsg(), "went away") != NULL, "saying the store went away: %s", ak_errmsg());
	ok(!strchr(ak_errmsg(), '\n'), "in one line");
	ok0(store_count(s, &n), "the call after that reconnects");
	is_int(n, before, "and counts right");
	one[0] = ev("e40", "feature.after", "feature-z", "2026-11-26T12:40:00.000Z", "{}");
	is_int(append(s, one, 1), 1, "and appends again");
	admin_exec(sql);
	usleep(100000);
	one[0] = ev("e41", "feature.after", "feature-z", "2026-11-26T12:41:00.000Z", "{}");
	{
		char l[1100];
		uint64_t ins = 99;
		int rc;

		snprintf(l, sizeof(l), "%s\n", one[0]);
		rc = store_append_lines(s, l, strlen(l), &ins);
		ok(rc < 0 && ak_errcode() == AK_EXIT_UNAVAILABLE && ins == 0,
		   "an append on a lost connection fails, inserting nothing");
		ok(strstr(ak_errmsg(), "went away") != NULL, "%s", ak_errmsg());
	}
	is_int(count(s), before + 1, "and kept nothing");
	is_int(append(s, one, 1), 1, "then it goes in");
	store_close(s);
}

/* A first append from inside a query callback makes the staging table in
 * the query's transaction; appends after the query still work. */
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

static void test_first_append_nested(const char *url)
{
	struct store *s = store_open(url, NULL);
	struct store_query q = STORE_QUERY_INIT;
	struct first_nested f = { s, -1, 0 };
	const char *one[1];

	if (!ok(s != NULL, "open a new connection"))
		return;
	q.limit = 2;
	ok0(store_query(s, &q, append_once_from_callback, &f), "query whose callback appends first");
	is_int(f.inserted, 1, "the append inside it");
	one[0] = ev("e51", "feature.first", "feature-y", "2026-11-26T12:51:00.000Z", "{}");
	is_int(append(s, one, 1), 1, "an append after the query");
	is_db(url, "SELECT string_agg(id, ' ' ORDER BY seq) FROM events WHERE subject = 'feature-y'",
	      "e50 e51", "both are stored");
	store_close(s);
}

/* Writers in several processes at once, with overlapping events. */
static void test_concurrent_appends(const char *url)
{
	enum { KIDS = 4, BATCHES = 10, PER = 100 };
	pid_t kids[KIDS];
	int good = 0;

	fflush(stdout);
	for (int k = 0; k < KIDS; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct store *s = store_open(url, NULL);
			static char buf[1 << 16];

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
						shared ? 99 : k, b, i, i % 13);
				}
				if (store_append_lines(s, buf, o, &ins) < 0) {
					fprintf(stderr, "# writer %d: %s\n", k, ak_errmsg());
					_exit(1);
				}
			}
			_exit(s ? 0 : 1);
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int st;

		if (kids[k] > 0 && waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			good++;
	}
	is_int(good, KIDS, "four writers at once all succeed");
	is_db(url, "SELECT count(*) FROM events WHERE source = 't/conc'", "2500",
	      "each event is stored once (4 x 500 own, 500 shared)");
	is_db(url, "SELECT sum(events) FROM features WHERE subject LIKE 'conc-%'", "2500",
	      "and counted once in features");
	/* a transaction's id is given at its first write: with appends taking
	 * turns, ids rise with seq; interleaved transactions would mix them */
	is_db(url, "SELECT count(*) FROM (SELECT xmin::text::bigint AS x, lag(xmin::text::bigint) "
	      "OVER (ORDER BY seq) AS prev FROM events WHERE source = 't/conc') t WHERE x < prev",
	      "0", "seq follows commit order");
}

/* A conninfo in key=value form selects PostgreSQL too. */
static void test_keyvalue(void)
{
	char kv[1024];
	struct store *s;

	conninfo_for(dbnames[0], 1, kv, sizeof(kv));
	s = store_open(kv, NULL);
	if (!ok(s && !strcmp(store_backend(s), "postgres"), "open by key=value"))
		printf("#   %s: %s\n", kv, ak_errmsg());
	store_close(s);
}

int main(void)
{
	char url[1024];

	setvbuf(stdout, NULL, _IONBF, 0);
	base = getenv("AGENTKIT_TEST_PG");
	if (!base || !*base) {
		printf("1..0 # SKIP AGENTKIT_TEST_PG not set\n");
		return 0;
	}
	admin = PQconnectdb(base);
	if (PQstatus(admin) != CONNECTION_OK) {
		printf("Bail out! cannot connect to AGENTKIT_TEST_PG: %s", PQerrorMessage(admin));
		return 1;
	}
	PQclear(PQexec(admin, "SET client_min_messages = warning"));

	if (make_db("main", NULL, url, sizeof(url)) == 0) {
		test_events(url);
		test_many(url);
		test_connection_loss(url);
		test_first_append_nested(url);
		test_concurrent_appends(url);
		test_keyvalue();
	} else {
		ok(0, "create the main database");
	}
	test_open_errors();
	test_migrations();
	test_concurrent_migration();
	test_encoding();

	for (int i = 0; i < ndbs; i++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbnames[i]);
		admin_exec(sql);
	}
	PQfinish(admin);
	return done_testing();
}
