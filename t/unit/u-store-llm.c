/*
 * u-store-llm.c - the LLM exchange log and cache of the event store
 * (store_llm_* in store.h), against each backend.
 *
 * Every check runs on SQLite, in a mkdtemp directory, and again on
 * PostgreSQL when AGENTKIT_TEST_PG names a server (as t/helpers/with-pg
 * sets it); without it the PostgreSQL checks are reported as skipped.
 * Each description starts with the backend's name. On the server the test
 * makes databases of its own (the user needs CREATEDB) and drops them at
 * the end.
 *
 * Texts are given in jsonb's normal form (a space after ':' and ',', keys
 * by length, then bytes), so both backends must give them back unchanged;
 * one text that is not checks that SQLite keeps bytes and PostgreSQL
 * normalises.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "error.h"
#include "store.h"
#include "tap.h"

struct backend {
	const char *name;
	int pg;
};

static const struct backend sqlite_backend = { "sqlite", 0 };
static const struct backend pg_backend = { "postgres", 1 };
static const struct backend *be = &sqlite_backend;

static char tmpdir[64];
static int nfiles;

static PGconn *admin;            /* on the database AGENTKIT_TEST_PG names */
static const char *base;         /* AGENTKIT_TEST_PG */
static char dbnames[8][64];
static int ndbs;

/* ---- TAP with the backend's name ---------------------------------------- */

static void describe(char *out, size_t len, const char *fmt, va_list ap)
{
	int n = snprintf(out, len, "%s: ", be->name);

	vsnprintf(out + n, len - (size_t)n, fmt, ap);
}

static int check(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int check(int pass, const char *fmt, ...)
{
	char name[512];
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
	char name[512];
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
	char name[512];
	va_list ap;

	va_start(ap, fmt);
	describe(name, sizeof(name), fmt, ap);
	va_end(ap);
	return is_int(got, want, "%s", name);
}

/* A call that should return 0; shows the store's message when it did not. */
static int check0(int rc, const char *name)
{
	int pass = check(rc == 0, "%s", name);

	if (!pass)
		printf("#   rc %d: %s\n", rc, ak_errmsg());
	return pass;
}

static void skip(const char *why, const char *what)
{
	tap_count++;
	printf("ok %d # skip %s (%s: %s)\n", tap_count, why, be->name, what);
}

/* ---- stores of our own ------------------------------------------------- */

/* Append key='value' to out, quoted as libpq reads it. */
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

/* The conninfo of database db on the server AGENTKIT_TEST_PG names. */
static void conninfo_for(const char *db, char *out, size_t len)
{
	PQconninfoOption *opts = PQconninfoParse(base, NULL);

	out[0] = '\0';
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "dbname"))
			kv_add(out, len, o->keyword, o->val);
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

/* The spec of a store nobody has used: a new file, or a new database. */
static int fresh_store(const char *tag, char *out, size_t len)
{
	char sql[160];

	if (!be->pg) {
		snprintf(out, len, "%s/%s-%d.db", tmpdir, tag, nfiles++);
		return 0;
	}
	if (ndbs == (int)(sizeof(dbnames) / sizeof(dbnames[0])))
		return -1;
	snprintf(dbnames[ndbs], sizeof(dbnames[ndbs]), "u_store_llm_%ld_%s", (long)getpid(), tag);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbnames[ndbs]);
	if (admin_exec(sql) < 0)
		return -1;
	conninfo_for(dbnames[ndbs], out, len);
	ndbs++;
	return 0;
}

static struct store *open_fresh(const char *tag, int version)
{
	struct store_opts o = STORE_OPTS_INIT;
	struct store *s;
	char spec[1024];

	if (fresh_store(tag, spec, sizeof(spec)) < 0) {
		check(0, "make a store for %s", tag);
		return NULL;
	}
	o.migrate_to = version;
	s = store_open(spec, &o);
	if (!check(s != NULL, "open a store for %s", tag))
		printf("#   %s\n", ak_errmsg());
	return s;
}

/* ---- collecting what the store gives back ------------------------------ */

struct seen {
	char text[4096];
	int calls;
	int stop_at;            /* return 7 on this call (1-based), 0: never */
	int64_t last_seq;
	int seq_rises;          /* each seq above the one before (ascending walks) */
	struct store *log_into; /* log an exchange from the first callback */
	int nested_rc;
	struct store_llm_exchange first;
	char first_request[256], first_response[256];
};

static void seen_init(struct seen *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->seq_rises = 1;
}

static void addf(struct seen *sn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct seen *sn, const char *fmt, ...)
{
	size_t n = strlen(sn->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sn->text + n, sizeof(sn->text) - n, fmt, ap);
	va_end(ap);
}

static const struct store_llm_exchange extra = {
	.key = "k-nested", .model = "gpt-a", .request = "{\"n\": 1}", .status = 200,
	.at_ms = 9000,
};

/* Keys in the order visited, "k1,k2,"; the first exchange kept whole. */
static int collect(const struct store_llm_exchange *x, void *ctx)
{
	struct seen *sn = ctx;

	sn->calls++;
	if (sn->calls == 1) {
		sn->first = *x;
		snprintf(sn->first_request, sizeof(sn->first_request), "%s", x->request);
		snprintf(sn->first_response, sizeof(sn->first_response), "%s",
			 x->response ? x->response : "(null)");
		sn->first.request = sn->first_request;
		sn->first.response = sn->first_response;
		sn->first.key = sn->first.model = NULL;
		if (sn->log_into)
			sn->nested_rc = store_llm_log(sn->log_into, &extra);
	} else if (x->seq <= sn->last_seq) {
		sn->seq_rises = 0;
	}
	sn->last_seq = x->seq;
	addf(sn, "%s,", x->key);
	return sn->calls == sn->stop_at ? 7 : 0;
}

static int collect_stat(const struct store_llm_stat *t, void *ctx)
{
	struct seen *sn = ctx;

	sn->calls++;
	addf(sn, "%s:%" PRId64 "/%" PRId64 " in=%" PRId64 " out=%" PRId64 " cost=%.17g "
	     "ms=%" PRId64 " max=%" PRId64 ";", t->model ? t->model : "(null)", t->requests,
	     t->errors, t->tokens_in, t->tokens_out, t->cost, t->duration_ms, t->max_ms);
	return sn->calls == sn->stop_at ? 7 : 0;
}

/* Keys visited by a walk with q. */
static void is_walk(struct store *s, const struct store_llm_query *q, const char *want,
		    const char *name)
{
	struct seen sn;
	int rc;

	seen_init(&sn);
	rc = store_llm_exchanges(s, q, collect, &sn);
	if (rc)
		printf("#   rc %d: %s\n", rc, ak_errmsg());
	check_str(sn.text, want, "%s", name);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the log ------------------------------------------------------------ */

static const char req1[] =
	"{\"model\": \"gpt-a\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
static const char resp1[] = "{\"id\": \"r1\", \"usage\": {\"prompt_tokens\": 100}}";
static const char req3[] = "{\"model\": \"gpt-a\", \"messages\": []}";
static const char resp3[] = "{\"error\": {\"type\": \"rate_limit\"}}";

static const struct store_llm_exchange three[3] = {
	{ .key = "k1", .model = "gpt-a", .request = req1, .response = resp1, .status = 200,
	  .tokens_in = 100, .tokens_out = 20, .cost = 0.25, .duration_ms = 1500, .at_ms = 1000 },
	{ .key = "k2", .model = "claude-b", .request = "{\"model\": \"claude-b\"}",
	  .response = NULL, .status = 0, .tokens_in = 50, .tokens_out = 0, .cost = 0,
	  .duration_ms = 30000, .at_ms = 2000 },
	{ .key = "k3", .model = "gpt-a", .request = req3, .response = resp3, .status = 429,
	  .tokens_in = 10, .tokens_out = 5, .cost = 0.125, .duration_ms = 250, .at_ms = 3000 },
};

static void test_log(struct store *s)
{
	struct store_llm_query q = STORE_LLM_QUERY_INIT;
	struct store_llm_exchange x;
	struct seen sn;
	int64_t before, after;
	int rc;

	is_walk(s, NULL, "", "an empty log has nothing to visit");
	for (int i = 0; i < 3; i++)
		check0(store_llm_log(s, &three[i]), three[i].key);

	seen_init(&sn);
	check0(store_llm_exchanges(s, &q, collect, &sn), "walk the log");
	check_str(sn.text, "k1,k2,k3,", "in the order logged");
	check(sn.seq_rises && sn.first.seq > 0, "with rising seq");
	check_str(sn.first_request, req1, "the request comes back as it was");
	check_str(sn.first_response, resp1, "and the response");
	check_int(sn.first.status, 200, "and the status");
	check_int(sn.first.tokens_in, 100, "and tokens_in");
	check_int(sn.first.tokens_out, 20, "and tokens_out");
	check(sn.first.cost == 0.25, "and the cost (%g)", sn.first.cost);
	check_int(sn.first.duration_ms, 1500, "and the duration");
	check_int(sn.first.at_ms, 1000, "and the time");

	q.newest_first = 1;
	seen_init(&sn);
	store_llm_exchanges(s, &q, collect, &sn);
	check_str(sn.text, "k3,k2,k1,", "newest first");
	check_str(sn.first_response, resp3, "the newest's response");
	check_int(sn.first.status, 429, "and status");

	q.limit = 1;
	is_walk(s, &q, "k3,", "newest first, limit 1");
	q.newest_first = 0;
	q.limit = 2;
	is_walk(s, &q, "k1,k2,", "limit 2");
	q.limit = 0;

	q.model = "gpt-a";
	is_walk(s, &q, "k1,k3,", "model gpt-a");
	q.model = "claude-b";
	seen_init(&sn);
	store_llm_exchanges(s, &q, collect, &sn);
	check_str(sn.text, "k2,", "model claude-b");
	check_str(sn.first_response, "(null)", "whose response is NULL");
	check_int(sn.first.status, 0, "and status 0");
	check_int(sn.first.tokens_out, 0, "and no tokens out");
	q.model = "nobody";
	is_walk(s, &q, "", "a model never logged");
	q.model = NULL;

	q.since_ms = 2000;
	is_walk(s, &q, "k2,k3,", "since 2000 (inclusive)");
	q.since_ms = 2001;
	q.model = "claude-b";
	is_walk(s, &q, "", "since 2001 for claude-b");
	q.model = "gpt-a";
	q.newest_first = 1;
	q.limit = 5;
	is_walk(s, &q, "k3,", "since 2001 for gpt-a, newest first, limit 5");
	q = (struct store_llm_query)STORE_LLM_QUERY_INIT;

	seen_init(&sn);
	sn.stop_at = 2;
	rc = store_llm_exchanges(s, &q, collect, &sn);
	check_int(rc, 7, "a callback's non-zero return stops the walk and is returned");
	check_str(sn.text, "k1,k2,", "after that callback");

	/* a write from inside the walk: not visited by the walk, kept after it */
	seen_init(&sn);
	sn.log_into = s;
	check0(store_llm_exchanges(s, &q, collect, &sn), "walk while logging from the callback");
	check_int(sn.nested_rc, 0, "the nested log succeeds");
	check_str(sn.text, "k1,k2,k3,", "the walk does not see it");
	q.since_ms = 9000;
	is_walk(s, &q, "k-nested,", "it is there afterwards");
	q.since_ms = INT64_MIN;

	/* at_ms 0 is now; a NULL model; a cost that needs 17 digits */
	x = (struct store_llm_exchange){ .key = "k5", .request = "[]", .response = "{}",
					 .status = 503, .cost = 0.1 + 0.2, .duration_ms = 7 };
	before = now_ms();
	check0(store_llm_log(s, &x), "log with at_ms 0 and no model");
	after = now_ms();
	q.newest_first = 1;
	q.limit = 1;
	seen_init(&sn);
	store_llm_exchanges(s, &q, collect, &sn);
	check_str(sn.text, "k5,", "it is the newest");
	check(sn.first.at_ms >= before && sn.first.at_ms <= after,
	      "the store set at_ms to now (%" PRId64 " in [%" PRId64 ", %" PRId64 "])",
	      sn.first.at_ms, before, after);
	check(sn.first.cost == 0.1 + 0.2, "a cost of 17 digits comes back exactly (%.17g)",
	      sn.first.cost);
	check_str(sn.first_request, "[]", "an array request");
	q = (struct store_llm_query)STORE_LLM_QUERY_INIT;
}

static void test_stats(struct store *s)
{
	struct seen sn;
	int rc;

	seen_init(&sn);
	check0(store_llm_stats(s, INT64_MIN, collect_stat, &sn), "statistics of the whole log");
	check_str(sn.text,
		  "(null):1/1 in=0 out=0 cost=0.30000000000000004 ms=7 max=7;"
		  "claude-b:1/1 in=50 out=0 cost=0 ms=30000 max=30000;"
		  "gpt-a:3/1 in=110 out=25 cost=0.375 ms=1750 max=1500;",
		  "one row per model, the NULL model first, exact sums");

	seen_init(&sn);
	check0(store_llm_stats(s, 2500, collect_stat, &sn), "statistics since 2500");
	check_str(sn.text,
		  "(null):1/1 in=0 out=0 cost=0.30000000000000004 ms=7 max=7;"
		  "gpt-a:2/1 in=10 out=5 cost=0.125 ms=250 max=250;",
		  "count only what came since");

	seen_init(&sn);
	check0(store_llm_stats(s, INT64_MAX, collect_stat, &sn), "statistics of nothing");
	check_str(sn.text, "", "give no rows");

	seen_init(&sn);
	sn.stop_at = 1;
	rc = store_llm_stats(s, INT64_MIN, collect_stat, &sn);
	check_int(rc, 7, "a callback stops the statistics, its value returned");
	check_int(sn.calls, 1, "after one row");
}

/* Bad arguments are refused before anything is written. */
static void test_refused(struct store *s)
{
	struct store_llm_exchange x = three[0];
	struct seen sn;
	char *resp = (char *)"unchanged";
	int rc;

	x.key = "bad";
	x.request = "{\"model\": ";
	check(store_llm_log(s, &x) < 0 && ak_errcode() == AK_EXIT_DATAERR &&
	      strstr(ak_errmsg(), "request"), "a request that is not JSON is refused: %s",
	      ak_errmsg());
	x.request = "{}";
	x.response = "not json";
	check(store_llm_log(s, &x) < 0 && ak_errcode() == AK_EXIT_DATAERR &&
	      strstr(ak_errmsg(), "response"), "so is a response: %s", ak_errmsg());
	x.response = NULL;
	x.cost = NAN;
	check(store_llm_log(s, &x) < 0 && ak_errcode() == AK_EXIT_DATAERR,
	      "and a cost that is not a number: %s", ak_errmsg());
	x.cost = 0;
	x.key = NULL;
	check(store_llm_log(s, &x) < 0 && ak_errcode() == AK_EXIT_SOFTWARE,
	      "and an exchange without a key: %s", ak_errmsg());
	x.key = "bad";
	x.request = NULL;
	check(store_llm_log(s, &x) < 0, "or without a request: %s", ak_errmsg());
	seen_init(&sn);
	store_llm_exchanges(s, NULL, collect, &sn);
	check(!strstr(sn.text, "bad,"), "none of them was logged: %s", sn.text);
	check(store_llm_cache_put(s, "kx", NULL, "{\"a\": ") < 0 &&
	      ak_errcode() == AK_EXIT_DATAERR, "a cached response that is not JSON is refused: %s",
	      ak_errmsg());
	check(store_llm_cache_put(s, "kx", NULL, NULL) < 0, "so is a NULL one");
	rc = store_llm_cache_get(s, "kx", &resp);
	check(rc == 0 && resp == NULL, "and nothing was cached");

	/* token counts past 32 bits: PostgreSQL's integer columns refuse them */
	x = three[0];
	x.key = "big";
	x.tokens_in = INT64_C(5000000000);
	rc = store_llm_log(s, &x);
	if (be->pg)
		check(rc < 0 && ak_errcode() == AK_EXIT_DATAERR,
		      "5e9 tokens do not fit the integer column: %s", ak_errmsg());
	else
		check(rc == 0, "5e9 tokens are kept");
}

/* SQLite keeps a text byte for byte; jsonb gives back its normal form. */
static void test_normal_form(struct store *s)
{
	static const char odd[] = "{ \"zz\":1,\"a\" : [1,2],\n\"b\":true }";
	struct store_llm_exchange x = { .key = "k-odd", .request = odd, .response = odd,
					.status = 200, .at_ms = 12345 };
	struct store_llm_query q = STORE_LLM_QUERY_INIT;
	const char *want = be->pg ? "{\"a\": [1, 2], \"b\": true, \"zz\": 1}" : odd;
	char *resp = NULL;
	struct seen sn;

	check0(store_llm_log(s, &x), "log texts not in normal form");
	q.newest_first = 1;
	q.limit = 1;
	seen_init(&sn);
	store_llm_exchanges(s, &q, collect, &sn);
	check_str(sn.first_request, want, be->pg ? "the request comes back normalised"
						  : "the request comes back byte for byte");
	check_str(sn.first_response, want, "and the response");
	check0(store_llm_cache_put(s, "k-odd", NULL, odd), "cache a text not in normal form");
	check(store_llm_cache_get(s, "k-odd", &resp) == 1, "get it");
	check_str(resp, want, "likewise");
	free(resp);
	check0(store_llm_cache_clear(s, NULL, NULL), "clear the cache, not counting");
}

/* ---- the cache ---------------------------------------------------------- */

static void is_cached(struct store *s, const char *key, const char *want, const char *name)
{
	char *resp = (char *)"unset";
	int rc = store_llm_cache_get(s, key, &resp);

	if (!want) {
		check(rc == 0 && resp == NULL, "%s: a miss (rc %d)", name, rc);
		return;
	}
	check_int(rc, 1, "%s: found", name);
	check_str(rc == 1 ? resp : NULL, want, "%s: the response", name);
	if (rc == 1)
		free(resp);
}

static void is_count(struct store *s, int64_t entries, int64_t bytes, const char *name)
{
	int64_t e = -1, b = -1;

	check0(store_llm_cache_count(s, &e, &b), name);
	check_int(e, entries, "%s: entries", name);
	check_int(b, bytes, "%s: bytes", name);
}

static void test_cache(struct store *s)
{
	static const char r1[] = "{\"answer\": 1}", r2[] = "{\"answer\": 2}", r3[] = "[1, 2, 3]";
	/* UTF-8: the byte count is not the character count */
	static const char r1b[] = "{\"why\": \"\xc3\xa9t\xc3\xa9\", \"answer\": 10}";
	int64_t removed = -1, e = -1;

	is_count(s, 0, 0, "an empty cache");
	is_cached(s, "k1", NULL, "an empty cache");
	check0(store_llm_cache_put(s, "k1", "gpt-a", r1), "cache k1 for gpt-a");
	check0(store_llm_cache_put(s, "k2", "claude-b", r2), "cache k2 for claude-b");
	check0(store_llm_cache_put(s, "k3", "gpt-a", r3), "cache k3 for gpt-a");
	is_cached(s, "k1", r1, "k1");
	is_cached(s, "k3", r3, "k3");
	is_cached(s, "k4", NULL, "k4");
	is_count(s, 3, (int64_t)(strlen(r1) + strlen(r2) + strlen(r3)), "three cached");
	check0(store_llm_cache_count(s, &e, NULL), "count without bytes");
	check_int(e, 3, "still three");
	check0(store_llm_cache_count(s, NULL, NULL), "count into nothing");

	check0(store_llm_cache_put(s, "k1", "claude-b", r1b), "replace k1, now for claude-b");
	is_cached(s, "k1", r1b, "k1 replaced");
	is_count(s, 3, (int64_t)(strlen(r1b) + strlen(r2) + strlen(r3)), "replacing adds nothing");

	check0(store_llm_cache_clear(s, "gpt-a", &removed), "clear gpt-a");
	check_int(removed, 1, "removes k3 only (k1 moved to claude-b)");
	is_cached(s, "k3", NULL, "k3 after clearing gpt-a");
	is_cached(s, "k1", r1b, "k1 after clearing gpt-a");
	check0(store_llm_cache_clear(s, "nobody", &removed), "clear a model with nothing cached");
	check_int(removed, 0, "removes nothing");

	check0(store_llm_cache_put(s, "k9", NULL, "{}"), "cache k9 without a model");
	check0(store_llm_cache_clear(s, "claude-b", &removed), "clear claude-b");
	check_int(removed, 2, "removes k1 and k2");
	is_cached(s, "k9", "{}", "k9 is not any model's");
	check0(store_llm_cache_put(s, "k2", "claude-b", r2), "cache k2 again");
	check0(store_llm_cache_clear(s, NULL, &removed), "clear all");
	check_int(removed, 2, "removes every entry, with or without a model");
	is_count(s, 0, 0, "cleared");
	is_cached(s, "k9", NULL, "k9 after clearing all");
	check(store_llm_cache_get(s, NULL, &(char *){ NULL }) < 0, "a NULL key is refused");
}

/*
 * A text jsonb refuses (\u0000), written from inside a walk: PostgreSQL
 * refuses it, and the walk goes on; SQLite takes it.
 */
struct nested_bad {
	struct store *s;
	int rc, code, calls;
};

static int put_bad(const struct store_llm_exchange *x, void *ctx)
{
	struct nested_bad *nb = ctx;

	if (nb->calls++ == 0) {
		nb->rc = store_llm_cache_put(nb->s, "k-nul", NULL, "\"a\\u0000b\"");
		nb->code = ak_errcode();
	}
	return 0;
}

static void test_nested_refusal(struct store *s)
{
	struct nested_bad nb = { s, 0, 0, 0 };
	int64_t e = -1;
	int rc = store_llm_exchanges(s, NULL, put_bad, &nb);

	check0(rc, "a walk whose callback writes what may be refused");
	check(nb.calls > 1, "visits every exchange (%d)", nb.calls);
	if (be->pg)
		check(nb.rc < 0 && nb.code == AK_EXIT_DATAERR,
		      "jsonb refuses \\u0000, AK_EXIT_DATAERR");
	else
		check(nb.rc == 0, "SQLite keeps \\u0000 as text");
	check0(store_llm_cache_count(s, &e, NULL), "count afterwards");
	check_int(e, be->pg ? 0 : 1, "the store is usable and holds what was kept");
	store_llm_cache_clear(s, NULL, NULL);
}

/* A store still at version 1 has no LLM tables: every call fails cleanly. */
static void test_old_schema(void)
{
	struct store *s = open_fresh("v1", 1);
	struct store_llm_exchange x = three[0];
	struct seen sn;
	char *resp = (char *)"unset";
	int64_t e = 5, b = 5, removed = 5;

	if (!s)
		return;
	check(store_llm_log(s, &x) < 0 && strstr(ak_errmsg(), "llm_exchanges"),
	      "without the tables, logging fails: %s", ak_errmsg());
	seen_init(&sn);
	check(store_llm_exchanges(s, NULL, collect, &sn) < 0 && sn.calls == 0,
	      "so does a walk: %s", ak_errmsg());
	check(store_llm_stats(s, INT64_MIN, collect_stat, &sn) < 0, "and statistics: %s",
	      ak_errmsg());
	check(store_llm_cache_get(s, "k1", &resp) < 0 && resp == NULL &&
	      strstr(ak_errmsg(), "llm_cache"), "a cache lookup: %s", ak_errmsg());
	check(store_llm_cache_put(s, "k1", NULL, "{}") < 0, "a cache write: %s", ak_errmsg());
	check(store_llm_cache_clear(s, NULL, &removed) < 0 && removed == 0,
	      "a clear, counting nothing: %s", ak_errmsg());
	check(store_llm_cache_count(s, &e, &b) < 0 && e == 0 && b == 0,
	      "a count, zero: %s", ak_errmsg());
	check0(store_migrate(s, 0), "migrate to the latest version");
	check0(store_llm_cache_put(s, "k1", NULL, "{}"), "then the cache works");
	store_close(s);
}

static void test_backend(void)
{
	struct store *s = open_fresh("main", 0);

	if (s) {
		test_log(s);
		test_stats(s);
		test_refused(s);
		test_normal_form(s);
		test_cache(s);
		test_nested_refusal(s);
		store_close(s);
	}
	test_old_schema();
}

/* ---- PostgreSQL only ---------------------------------------------------- */

/* The server ends the store's connection: the next call says so, the one after reconnects. */
static void test_connection_loss(void)
{
	struct store *s = open_fresh("loss", 0);
	char sql[256], *resp = NULL;
	int64_t e = -1;

	if (!s)
		return;
	check0(store_llm_cache_put(s, "k1", "m", "{}"), "cache one entry");
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		 "WHERE datname = '%s' AND application_name = 'agentkit'", dbnames[ndbs - 1]);
	check(admin_exec(sql) == 0, "terminate the store's connection");
	usleep(100000);
	check(store_llm_cache_get(s, "k1", &resp) < 0 && resp == NULL,
	      "the next lookup fails");
	check_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "with AK_EXIT_UNAVAILABLE");
	check(strstr(ak_errmsg(), "went away") != NULL, "saying the store went away: %s",
	      ak_errmsg());
	check0(store_llm_cache_count(s, &e, NULL), "the call after that reconnects");
	check_int(e, 1, "and finds the entry");
	admin_exec(sql);
	usleep(100000);
	check(store_llm_log(s, &three[0]) < 0 && ak_errcode() == AK_EXIT_UNAVAILABLE,
	      "a log on a lost connection fails: %s", ak_errmsg());
	is_walk(s, NULL, "", "and kept nothing");
	store_close(s);
}

static void test_postgres(void)
{
	be = &pg_backend;
	if (!base || !*base) {
		static const char *const all[] = { "log", "statistics", "refusals", "normal form",
						   "cache", "nested refusal", "old schema",
						   "connection loss" };

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
	test_connection_loss();
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

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/u-store-llm.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	be = &sqlite_backend;
	test_backend();

	test_postgres();

	if (nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		printf("# cannot remove '%s': %s\n", tmpdir, strerror(errno));
	return done_testing();
}
