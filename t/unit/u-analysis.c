/*
 * u-analysis.c - unit tests for lib/rollout/analysis.c: thresholds at
 * their boundaries; every shape of a Prometheus reply (a value, NaN, no
 * series, two series, a scalar, +Inf, status error, HTTP 500, not JSON,
 * nobody listening); the access log (canary and stable lines, retries,
 * no upstream, malformed and unfinished lines, only new lines, rotation);
 * too little traffic; probes against a server run by the test; the memory
 * of this very process; health; how the outcomes combine; and the JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "rollout/analysis.h"
#include "tap.h"

#define VEC(v) "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":" \
	"[{\"metric\":{},\"value\":[1795693775.82,\"" v "\"]}]}}"

/* ---- the test server (t/unit/httpd.h) and its answers ---- */

#include "httpd.h"

static int probe_count;

/* Prometheus replies, by the (encoded) query. */
static const struct {
	const char *query;
	int status;
	const char *body;
} prom[] = {
	{ "rate_low", 200, VEC("0.005") },
	{ "rate_edge", 200, VEC("0.01") },
	{ "rate_high", 200, VEC("0.02") },
	{ "p95", 200, VEC("0.25") },
	{ "p95_inf", 200, VEC("+Inf") },
	{ "nan", 200, VEC("NaN") },
	{ "mem", 200, VEC("55.5") },
	{ "req_few", 200, VEC("3") },
	{ "req_many", 200, VEC("100") },
	{ "up%7Bjob%3D%22a%20b%22%7D", 200, VEC("0") },
	{ "empty", 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}" },
	{ "scalar", 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1795693775.8,\"0.004\"]}}" },
	{ "two", 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
	  "{\"metric\":{\"pod\":\"a\"},\"value\":[1795693775.82,\"0.1\"]},"
	  "{\"metric\":{\"pod\":\"b\"},\"value\":[1795693775.82,\"0.2\"]}]}}" },
	{ "matrix", 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}" },
	{ "err", 400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 1\"}" },
	{ "fail500", 500, "boom" },
	{ "junk", 200, "not json" },
	{ "badvalue", 200, VEC("zero") },
};

/* The reply to GET target; 1 when the connection should be closed after. */
static int handle(const char *target, struct buf *out)
{
	const char *q = "/api/v1/query?query=";

	if (!strcmp(target, "/health")) {
		reply(out, 200, "ok", 2, NULL);
	} else if (!strcmp(target, "/sick")) {
		reply(out, 503, "down", 4, NULL);
	} else if (!strcmp(target, "/probe")) {
		int n;

		pthread_mutex_lock(&srv_lock);
		n = ++probe_count;
		pthread_mutex_unlock(&srv_lock);
		reply(out, n % 4 ? 200 : 500, "p", 1, NULL);
	} else if (!strncmp(target, q, strlen(q))) {
		for (size_t i = 0; i < sizeof(prom) / sizeof(prom[0]); i++)
			if (!strcmp(target + strlen(q), prom[i].query)) {
				reply(out, prom[i].status, prom[i].body,
				      strlen(prom[i].body), NULL);
				return 0;
			}
		reply(out, 400, "{\"status\":\"error\",\"error\":\"unknown\"}", 36, NULL);
	} else {
		reply(out, 404, "no", 2, NULL);
	}
	return 0;
}

/* ---- helpers ---- */

static char tmpdir[] = "/tmp/u-analysis.XXXXXX";
static char log_path[600];

static const char *url(const char *path)
{
	static char u[4][256];
	static int next;
	char *s = u[next++ % 4];

	snprintf(s, sizeof(u[0]), "http://127.0.0.1:%d%s", srv_port, path);
	return s;
}

/* A URL on a port where nobody listens. */
static const char *dead_url(const char *path)
{
	static char u[256];
	int port, fd = listen_any(&port);

	close(fd);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", port, path);
	return u;
}

static void write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write '%s': %s\n", path, strerror(errno));
		exit(1);
	}
}

/* One measurement with conf; the analysis must be accepted. */
static int measure_once(const struct analysis_conf *conf, struct measurement *m)
{
	struct analysis *a = analysis_new(conf);
	int rc;

	if (!a) {
		printf("# analysis_new: %s\n", ak_errmsg());
		memset(m, 0, sizeof(*m));
		return -1;
	}
	rc = analysis_measure(a, m);
	analysis_free(a);
	return rc;
}

static int near(double got, double want)
{
	return fabs(got - want) < 1e-9 * (fabs(want) + 1);
}

/* ---- thresholds ---- */

static void test_threshold(void)
{
	char r[160];

	is_int(measure_threshold(0.01, 0.01, r, sizeof(r), "error_rate"),
	       MEASURE_SUCCESSFUL, "0.01 against 0.01: not above, successful");
	is_str(r, "", "successful: no reason");
	is_int(measure_threshold(0.0100001, 0.01, r, sizeof(r), "error_rate"),
	       MEASURE_FAILED, "0.0100001 against 0.01: failed");
	is_str(r, "error_rate 0.0100001 above the limit 0.01", "failed: reason");
	is_int(measure_threshold(0, 0.01, r, sizeof(r), "error_rate"),
	       MEASURE_SUCCESSFUL, "0: successful");
	is_int(measure_threshold(NAN, 0.01, r, sizeof(r), "p95_ms"),
	       MEASURE_INCONCLUSIVE, "NAN: inconclusive, never a pass");
	is_str(r, "p95_ms: no data", "NAN: reason");
	is_int(measure_threshold(INFINITY, 1000, r, sizeof(r), "p95_ms"),
	       MEASURE_FAILED, "+Inf: failed");
	is_str(r, "p95_ms inf above the limit 1000", "+Inf: reason");
	is_int(measure_threshold(5, 1, NULL, 0, "x"), MEASURE_FAILED, "no reason buffer");
	is_str(measure_outcome_name(MEASURE_SUCCESSFUL), "successful", "name successful");
	is_str(measure_outcome_name(MEASURE_FAILED), "failed", "name failed");
	is_str(measure_outcome_name(MEASURE_INCONCLUSIVE), "inconclusive", "name inconclusive");
	is_str(measure_outcome_name(MEASURE_ERROR), "error", "name error");
}

/* ---- configuration ---- */

static void bad_conf(const struct analysis_conf *c, const char *want, const char *name)
{
	struct analysis *a = analysis_new(c);

	ok(a == NULL, "%s: refused", name);
	is_int(ak_errcode(), AK_EXIT_USAGE, "%s: USAGE", name);
	is_str(ak_errmsg(), want, "%s: message", name);
	analysis_free(a);
}

static void test_conf(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;

	bad_conf(&c, "nothing to measure: give a health URL, Prometheus queries, an access "
		 "log, a probe URL or a process", "nothing configured");
	c.prom_url = "http://127.0.0.1:9";
	c.q_requests = "x";
	bad_conf(&c, "nothing to measure: give a health URL, Prometheus queries, an access "
		 "log, a probe URL or a process", "only a request count");
	c.prom_url = "";
	c.q_error_rate = "x";
	bad_conf(&c, "Prometheus queries need a Prometheus URL", "empty prom_url");
	c = (struct analysis_conf)ANALYSIS_CONF_INIT;
	c.access_log = "/nonexistent/log";
	bad_conf(&c, "an access log needs the canary's address", "log without canary");
	c = (struct analysis_conf)ANALYSIS_CONF_INIT;
	c.pid = 1;
	c.pidfile = "/nonexistent";
	bad_conf(&c, "give a pid or a pid file, not both", "pid and pidfile");
	c.pidfile = NULL;
	c.max_error_rate = 1.5;
	bad_conf(&c, "error rate limit 1.5 out of range (0..1)", "error rate limit 1.5");
	c.max_error_rate = 0.01;
	c.max_p95_ms = 0;
	bad_conf(&c, "p95 limit 0 ms out of range (above 0)", "p95 limit 0");
	c.max_p95_ms = NAN;
	bad_conf(&c, "p95 limit nan ms out of range (above 0)", "p95 limit NAN");
	c.max_p95_ms = 1000;
	c.probe_requests = -1;
	bad_conf(&c, "probe requests -1 out of range (1..10000)", "probe requests -1");
	c.probe_requests = 0;
	c.min_requests = -1;
	bad_conf(&c, "minimum requests -1 out of range", "min requests -1");
}

/* ---- Prometheus ---- */

static void prom_case(const char *query, enum measure_outcome want, double value,
		      const char *reason)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;

	c.prom_url = url("/");
	c.q_error_rate = query;
	is_int(measure_once(&c, &m), 0, "query %s: measured", query);
	ok(m.error_rate.present && !m.p95_ms.present && !m.health.present && !m.mem_pct.present,
	   "query %s: only the error rate is present", query);
	is_str(measure_outcome_name(m.error_rate.outcome), measure_outcome_name(want),
	       "query %s: outcome", query);
	ok(isnan(value) ? isnan(m.error_rate.value) : near(m.error_rate.value, value),
	   "query %s: value %g", query, m.error_rate.value);
	is_str(m.error_rate.reason, reason, "query %s: reason", query);
	is_str(measure_outcome_name(m.outcome), measure_outcome_name(want),
	       "query %s: combined outcome", query);
	is_str(m.reason, reason, "query %s: combined reason", query);
}

static void test_prom(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;
	char want[300];

	prom_case("rate_low", MEASURE_SUCCESSFUL, 0.005, "");
	prom_case("rate_edge", MEASURE_SUCCESSFUL, 0.01, "");
	prom_case("rate_high", MEASURE_FAILED, 0.02, "error_rate 0.02 above the limit 0.01");
	prom_case("nan", MEASURE_INCONCLUSIVE, NAN, "error_rate: no data");
	prom_case("empty", MEASURE_INCONCLUSIVE, NAN, "error_rate: no data");
	prom_case("scalar", MEASURE_SUCCESSFUL, 0.004, "");
	prom_case("up{job=\"a b\"}", MEASURE_SUCCESSFUL, 0, "");
	prom_case("two", MEASURE_ERROR, NAN, "error_rate: prometheus: query gave 2 series, want one");
	prom_case("matrix", MEASURE_ERROR, NAN,
		  "error_rate: prometheus: result type matrix, want a vector or a scalar");
	prom_case("err", MEASURE_ERROR, NAN, "error_rate: prometheus: parse error at char 1");
	prom_case("fail500", MEASURE_ERROR, NAN, "error_rate: prometheus: status 500");
	prom_case("junk", MEASURE_ERROR, NAN, "error_rate: prometheus: reply is not JSON");
	prom_case("badvalue", MEASURE_ERROR, NAN, "error_rate: prometheus: unexpected reply");

	c.prom_url = dead_url("");
	c.q_error_rate = "rate_low";
	is_int(measure_once(&c, &m), 0, "Prometheus down: still measured");
	is_str(measure_outcome_name(m.error_rate.outcome), "error", "Prometheus down: error");
	snprintf(want, sizeof(want), "error_rate: prometheus: Failed to connect to 127.0.0.1 port %s",
		 strrchr(c.prom_url, ':') + 1);
	ok(!strncmp(m.error_rate.reason, want, strlen(want)), "Prometheus down: %s",
	   m.error_rate.reason);

	/* Seconds become milliseconds; +Inf is over every bucket. */
	c = (struct analysis_conf)ANALYSIS_CONF_INIT;
	c.prom_url = url("");
	c.q_p95 = "p95";
	c.q_memory = "mem";
	is_int(measure_once(&c, &m), 0, "p95 and memory from Prometheus");
	ok(m.p95_ms.present && near(m.p95_ms.value, 250), "p95 0.25 s is 250 ms");
	is_str(measure_outcome_name(m.p95_ms.outcome), "successful", "250 ms under 1000");
	ok(m.mem_pct.present && near(m.mem_pct.value, 55.5), "memory 55.5%%");
	is_str(measure_outcome_name(m.outcome), "successful", "combined successful");
	is_str(m.reason, "", "no reason");
	ok(!m.error_rate.present && isnan(m.requests) && isnan(m.actual_weight),
	   "no error rate, requests and weight unknown");
	c.q_p95 = "p95_inf";
	c.max_mem_pct = 50;
	is_int(measure_once(&c, &m), 0, "p95 +Inf");
	is_str(m.p95_ms.reason, "p95_ms inf above the limit 1000", "+Inf is failed");
	is_str(m.mem_pct.reason, "mem_pct 55.5 above the limit 50", "memory over 50%%");
	is_str(m.reason, "p95_ms inf above the limit 1000", "the first failed reason");
}

static void test_prom_traffic(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;

	c.prom_url = url("");
	c.q_error_rate = "rate_high";
	c.q_p95 = "p95";
	c.q_requests = "req_few";
	is_int(measure_once(&c, &m), 0, "3 requests from Prometheus");
	ok(near(m.requests, 3), "requests 3");
	is_str(m.error_rate.reason, "error_rate: too little traffic: 3 requests",
	       "a failing error rate on 3 requests is inconclusive");
	is_str(measure_outcome_name(m.error_rate.outcome), "inconclusive", "error rate inconclusive");
	is_str(m.p95_ms.reason, "p95_ms: too little traffic: 3 requests", "p95 inconclusive");
	ok(near(m.error_rate.value, 0.02) && near(m.p95_ms.value, 250), "the values are kept");
	is_str(measure_outcome_name(m.outcome), "inconclusive", "combined inconclusive");

	c.min_requests = 3;
	is_int(measure_once(&c, &m), 0, "3 requests, 3 needed");
	is_str(measure_outcome_name(m.error_rate.outcome), "failed", "enough traffic: judged");

	c.min_requests = 10;
	c.q_requests = "req_many";
	is_int(measure_once(&c, &m), 0, "100 requests");
	is_str(measure_outcome_name(m.outcome), "failed", "100 requests: judged, failed");
	ok(near(m.requests, 100), "requests 100");

	c.q_requests = "empty";
	is_int(measure_once(&c, &m), 0, "no request count");
	is_str(m.error_rate.reason, "error_rate: too little traffic: no request count",
	       "no request count: inconclusive");

	c.q_requests = "fail500";
	is_int(measure_once(&c, &m), 0, "request count query fails");
	is_str(m.error_rate.reason, "error_rate: request count: prometheus: status 500",
	       "request count failing: error");
	is_str(measure_outcome_name(m.outcome), "error", "combined error");
}

/* ---- the access log ---- */

#define CANARY "127.0.0.1:8082"
#define STABLE "127.0.0.1:8081"

static void log_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_add(const char *fmt, ...)
{
	FILE *f = fopen(log_path, "a");
	va_list ap;

	va_start(ap, fmt);
	if (!f || vfprintf(f, fmt, ap) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write the log\n");
		exit(1);
	}
	va_end(ap);
}

static void test_log(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;
	struct analysis *a;
	int i;

	/* Old lines: before the analysis starts, they do not count. */
	for (i = 0; i < 30; i++)
		log_add("1700000000.%03d 500 9.000 9.000 " CANARY " \"GET /old HTTP/1.1\"\n", i);
	c.access_log = log_path;
	c.canary_addr = CANARY;
	a = analysis_new(&c);
	ok(a != NULL, "analysis on the log");

	/* 19 canary lines of 10..190 ms, one retried onto the canary (503, 200 ms). */
	for (i = 1; i <= 19; i++)
		log_add("1700000001.%03d 200 %.3f %.3f " CANARY " \"GET /a HTTP/1.1\"\n",
			i, i * 0.01, i * 0.01);
	log_add("1700000002.000 503 0.200 0.050, 0.150 " STABLE ", " CANARY " \"GET /r HTTP/1.1\"\n");
	/* 18 stable lines, one retried onto stable, one without upstream. */
	for (i = 0; i < 18; i++)
		log_add("1700000003.%03d 200 0.005 0.005 " STABLE " \"GET /b HTTP/1.1\"\n", i);
	log_add("1700000004.000 200 0.300 0.100, 0.200 " CANARY ", " STABLE " \"GET /r HTTP/1.1\"\n");
	log_add("1700000005.000 502 0.000 - - \"GET /c HTTP/1.1\"\n");
	/* Malformed lines. */
	log_add("garbage\n\n");
	log_add("1700000006.000 200 0.010 0.010 " CANARY " GET / HTTP/1.1\n");
	log_add("1700000006.000 abc 0.010 0.010 " CANARY " \"GET / HTTP/1.1\"\n");
	log_add("1700000006.000 200 0.010 \"GET / HTTP/1.1\"\n");
	log_add("1700000006.000 200 nan 0.010 " CANARY " \"GET / HTTP/1.1\"\n");
	log_add("\"\n");
	/* Unfinished: counts once its newline is there. */
	log_add("1700000007.000 200 0.010 0.010 " CANARY " \"GET /half");

	is_int(analysis_measure(a, &m), 0, "measure the log");
	ok(near(m.requests, 20), "20 canary requests (%g)", m.requests);
	ok(near(m.actual_weight, 50), "canary weight 50%% of 40 lines (%g)", m.actual_weight);
	ok(near(m.error_rate.value, 0.05), "error rate 1/20 (%g)", m.error_rate.value);
	is_str(m.error_rate.reason, "error_rate 0.05 above the limit 0.01", "error rate failed");
	ok(near(m.p95_ms.value, 190), "p95 by nearest rank: 190 ms (%g)", m.p95_ms.value);
	is_str(measure_outcome_name(m.p95_ms.outcome), "successful", "p95 successful");
	is_str(measure_outcome_name(m.outcome), "failed", "combined failed");
	ok(!m.health.present && !m.mem_pct.present, "nothing else present");

	/* The unfinished line ends, two more: 3 requests. */
	log_add(" HTTP/1.1\"\n");
	log_add("1700000008.000 200 0.010 0.010 " CANARY " \"GET / HTTP/1.1\"\n");
	log_add("1700000008.000 200 0.010 0.010 " CANARY " \"GET / HTTP/1.1\"\r\n");
	is_int(analysis_measure(a, &m), 0, "measure again");
	ok(near(m.requests, 3) && near(m.actual_weight, 100), "only the new lines: 3, 100%%");
	is_str(m.error_rate.reason, "error_rate: too little traffic: 3 requests",
	       "3 requests: error rate inconclusive");
	is_str(m.p95_ms.reason, "p95_ms: too little traffic: 3 requests",
	       "3 requests: p95 inconclusive");
	is_str(measure_outcome_name(m.outcome), "inconclusive", "combined inconclusive");

	/* Rotated: a shorter file is read from its start. */
	write_file(log_path, "w", "");
	for (i = 0; i < 12; i++)
		log_add("1700000009.%03d 200 0.020 0.020 " CANARY " \"GET / HTTP/1.1\"\n", i);
	for (i = 0; i < 4; i++)
		log_add("1700000009.%03d 404 0.020 0.020 " STABLE " \"GET / HTTP/1.1\"\n", i);
	is_int(analysis_measure(a, &m), 0, "measure the rotated log");
	ok(near(m.requests, 12) && near(m.actual_weight, 75), "12 requests, 75%% (%g, %g)",
	   m.requests, m.actual_weight);
	ok(near(m.error_rate.value, 0) && near(m.p95_ms.value, 20), "no errors, p95 20 ms");
	is_str(measure_outcome_name(m.outcome), "successful", "combined successful");

	is_int(analysis_measure(a, &m), 0, "nothing new");
	ok(near(m.requests, 0) && isnan(m.actual_weight), "0 requests, weight unknown");
	is_str(m.error_rate.reason, "error_rate: too little traffic: 0 requests", "0 requests");

	unlink(log_path);
	is_int(analysis_measure(a, &m), 0, "log gone: still measured");
	{
		char want[800];

		snprintf(want, sizeof(want), "error_rate: access log: cannot open '%s': "
			 "No such file or directory", log_path);
		is_str(m.error_rate.reason, want, "log gone: error rate is an error");
	}
	is_str(measure_outcome_name(m.outcome), "error", "log gone: combined error");
	ok(isnan(m.requests) && isnan(m.actual_weight), "log gone: nothing known");
	analysis_free(a);
}

/* ---- probes ---- */

static void test_probe(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;

	pthread_mutex_lock(&srv_lock);
	probe_count = 0;
	pthread_mutex_unlock(&srv_lock);
	c.probe_url = url("/probe");
	is_int(measure_once(&c, &m), 0, "20 probes");
	ok(near(m.error_rate.value, 0.25), "every 4th answered 500: 0.25 (%g)", m.error_rate.value);
	is_str(m.error_rate.reason, "error_rate 0.25 above the limit 0.01", "probe errors fail");
	ok(m.p95_ms.present && m.p95_ms.value > 0 && m.p95_ms.value < 1000,
	   "p95 of the probes %g ms", m.p95_ms.value);
	is_str(measure_outcome_name(m.p95_ms.outcome), "successful", "probe p95 successful");
	ok(isnan(m.requests) && isnan(m.actual_weight), "probes do not tell the traffic");

	pthread_mutex_lock(&srv_lock);
	probe_count = 0;
	pthread_mutex_unlock(&srv_lock);
	c.probe_requests = 3;
	is_int(measure_once(&c, &m), 0, "3 probes");
	is_str(measure_outcome_name(m.error_rate.outcome), "successful", "3 probes, all 200");
	pthread_mutex_lock(&srv_lock);
	is_int(probe_count, 3, "the server saw 3 probes");
	pthread_mutex_unlock(&srv_lock);

	c.probe_url = dead_url("/probe");
	c.probe_requests = 4;
	is_int(measure_once(&c, &m), 0, "probes to nobody");
	ok(near(m.error_rate.value, 1), "every probe failed: 1");
	is_str(measure_outcome_name(m.outcome), "failed", "combined failed");
}

/* Prometheus first, then the log, then the probes. */
static void test_precedence(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;
	struct analysis *a;
	int i;

	write_file(log_path, "w", "");
	pthread_mutex_lock(&srv_lock);
	probe_count = 0;
	pthread_mutex_unlock(&srv_lock);
	c.prom_url = url("");
	c.q_error_rate = "rate_low";
	c.access_log = log_path;
	c.canary_addr = CANARY;
	c.probe_url = url("/probe");
	a = analysis_new(&c);
	for (i = 0; i < 10; i++)
		log_add("1.0 500 2.000 2.000 %s \"GET / HTTP/1.1\"\n", i % 2 ? CANARY : STABLE);
	is_int(analysis_measure(a, &m), 0, "all sources");
	ok(near(m.error_rate.value, 0.005), "error rate from Prometheus");
	is_str(m.p95_ms.reason, "p95_ms: too little traffic: 5 requests", "p95 from the log");
	ok(near(m.p95_ms.value, 2000), "the log's p95 value 2000 ms");
	ok(near(m.actual_weight, 50) && near(m.requests, 5), "weight and requests from the log");
	pthread_mutex_lock(&srv_lock);
	is_int(probe_count, 0, "no probes sent");
	pthread_mutex_unlock(&srv_lock);
	analysis_free(a);

	c.access_log = NULL;
	a = analysis_new(&c);
	is_int(analysis_measure(a, &m), 0, "Prometheus and probes");
	ok(m.p95_ms.present && m.p95_ms.value < 1000, "p95 from the probes");
	pthread_mutex_lock(&srv_lock);
	is_int(probe_count, 20, "20 probes sent");
	pthread_mutex_unlock(&srv_lock);
	analysis_free(a);
}

/* ---- memory ---- */

static void test_memory(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;
	char path[700], text[32], want[800];
	pid_t child;

	c.pid = getpid();
	c.mem_limit_mb = 1e9;
	is_int(measure_once(&c, &m), 0, "this process, limit 1 PB");
	ok(m.mem_pct.value > 0 && m.mem_pct.value < 0.01, "a tiny share (%g%%)", m.mem_pct.value);
	is_str(measure_outcome_name(m.outcome), "successful", "successful");

	c.mem_limit_mb = 0.001;
	is_int(measure_once(&c, &m), 0, "this process, limit 1 kB");
	is_str(measure_outcome_name(m.mem_pct.outcome), "failed", "failed");
	ok(!strncmp(m.mem_pct.reason, "mem_pct ", 8) && strstr(m.mem_pct.reason, "above the limit 90"),
	   "reason: %s", m.mem_pct.reason);

	c.mem_limit_mb = 0;
	is_int(measure_once(&c, &m), 0, "this process, share of MemTotal");
	ok(m.mem_pct.value > 0 && m.mem_pct.value < 90, "%g%% of MemTotal", m.mem_pct.value);

	/* A pid that has just exited and been reaped. */
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	c.pid = child;
	is_int(measure_once(&c, &m), 0, "a process that is gone");
	is_str(measure_outcome_name(m.mem_pct.outcome), "error", "gone: error, not failed");
	snprintf(want, sizeof(want), "mem_pct: no process %d", (int)child);
	is_str(m.mem_pct.reason, want, "gone: reason");

	c.pid = 0;
	snprintf(path, sizeof(path), "%s/app.pid", tmpdir);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	write_file(path, "w", text);
	c.pidfile = path;
	c.mem_limit_mb = 1e9;
	is_int(measure_once(&c, &m), 0, "pid file");
	is_str(measure_outcome_name(m.mem_pct.outcome), "successful", "pid file: successful");
	write_file(path, "w", "abc\n");
	is_int(measure_once(&c, &m), 0, "pid file with no pid");
	snprintf(want, sizeof(want), "mem_pct: '%s' holds no pid", path);
	is_str(m.mem_pct.reason, want, "no pid: error");
	unlink(path);
	is_int(measure_once(&c, &m), 0, "pid file missing");
	snprintf(want, sizeof(want), "mem_pct: cannot open '%s': No such file or directory", path);
	is_str(m.mem_pct.reason, want, "missing pid file: error");
	is_str(measure_outcome_name(m.outcome), "error", "missing pid file: combined error");

	/* The process wins over the query. */
	c.pidfile = NULL;
	c.pid = getpid();
	c.prom_url = url("");
	c.q_memory = "mem";
	is_int(measure_once(&c, &m), 0, "pid and q_memory");
	ok(m.mem_pct.value < 1, "memory of the process, not 55.5");
}

/* ---- health and the combination ---- */

static void test_health(void)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;
	char want[300];

	c.health_url = url("/health");
	is_int(measure_once(&c, &m), 0, "healthy");
	ok(m.health.present && near(m.health.value, 200), "health value 200");
	is_str(measure_outcome_name(m.outcome), "successful", "healthy: successful");

	c.health_url = url("/sick");
	is_int(measure_once(&c, &m), 0, "sick");
	is_str(m.health.reason, "health check: status 503", "sick: reason");
	is_str(measure_outcome_name(m.outcome), "failed", "sick: failed");
	is_str(m.reason, "health check: status 503", "sick: combined reason");

	c.health_url = dead_url("/health");
	is_int(measure_once(&c, &m), 0, "nobody there");
	snprintf(want, sizeof(want), "health check: cannot reach '%s': ", c.health_url);
	ok(!strncmp(m.health.reason, want, strlen(want)), "reason: %s", m.health.reason);
	is_str(measure_outcome_name(m.health.outcome), "failed", "unreachable: failed");
}

static void combine_case(const char *health, const char *q_er, const char *q_p95,
			 const char *want, const char *reason)
{
	struct analysis_conf c = ANALYSIS_CONF_INIT;
	struct measurement m;

	c.health_url = health ? url(health) : NULL;
	c.prom_url = url("");
	c.q_error_rate = q_er;
	c.q_p95 = q_p95;
	is_int(measure_once(&c, &m), 0, "%s %s %s", health, q_er, q_p95);
	is_str(measure_outcome_name(m.outcome), want, "%s %s %s: %s", health, q_er, q_p95, want);
	is_str(m.reason, reason, "%s %s %s: reason", health, q_er, q_p95);
}

static void test_combine(void)
{
	combine_case("/health", "rate_low", "p95", "successful", "");
	combine_case("/health", "nan", "fail500", "error", "p95_ms: prometheus: status 500");
	combine_case("/health", "nan", "p95", "inconclusive", "error_rate: no data");
	combine_case("/health", "fail500", "p95_inf", "failed", "p95_ms inf above the limit 1000");
	combine_case("/sick", "rate_high", "fail500", "failed", "health check: status 503");
	combine_case(NULL, "empty", "nan", "inconclusive", "error_rate: no data");
}

/* ---- JSON ---- */

static void test_json(void)
{
	struct measurement m;
	json_t *j;
	char *s;

	memset(&m, 0, sizeof(m));
	m.at_ms = 1700000000123;
	m.outcome = MEASURE_FAILED;
	m.health = (struct metric){ 1, 200, MEASURE_SUCCESSFUL, "" };
	m.error_rate = (struct metric){ 1, 0.05, MEASURE_FAILED, "error_rate 0.05 above the limit 0.01" };
	m.p95_ms = (struct metric){ 1, INFINITY, MEASURE_FAILED, "p95_ms inf above the limit 1000" };
	m.mem_pct = (struct metric){ 0, NAN, MEASURE_SUCCESSFUL, "" };
	m.requests = 20;
	m.actual_weight = NAN;
	snprintf(m.reason, sizeof(m.reason), "%s", m.error_rate.reason);
	j = measurement_json(&m);
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
	is_str(s, "{\"at\":1700000000123,\"outcome\":\"failed\","
	       "\"health\":{\"value\":200,\"outcome\":\"successful\",\"reason\":\"\"},"
	       "\"error_rate\":{\"value\":0.05,\"outcome\":\"failed\","
	       "\"reason\":\"error_rate 0.05 above the limit 0.01\"},"
	       "\"p95_ms\":{\"value\":null,\"outcome\":\"failed\","
	       "\"reason\":\"p95_ms inf above the limit 1000\"},"
	       "\"requests\":20,\"actual_weight\":null,"
	       "\"reason\":\"error_rate 0.05 above the limit 0.01\"}", "measurement JSON");
	free(s);
	json_decref(j);

	/* A reason cut inside a UTF-8 sequence still gives JSON. */
	m.health.present = 0;
	m.error_rate.present = 0;
	m.p95_ms.present = 0;
	m.requests = NAN;
	m.actual_weight = 33.5;
	snprintf(m.reason, sizeof(m.reason), "bad \xc3");
	j = measurement_json(&m);
	s = json_dumps(j, JSON_COMPACT);
	is_str(s, "{\"at\":1700000000123,\"outcome\":\"failed\",\"requests\":null,"
	       "\"actual_weight\":33.5,\"reason\":\"bad ?\"}", "absent metrics, invalid UTF-8");
	free(s);
	json_decref(j);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(log_path, sizeof(log_path), "%s/access.log", tmpdir);
	server_start();
	test_threshold();
	test_conf();
	test_prom();
	test_prom_traffic();
	test_log();
	test_probe();
	test_precedence();
	test_memory();
	test_health();
	test_combine();
	test_json();
	server_stop();
	unlink(log_path);
	rmdir(tmpdir);
	return done_testing();
}
