/*
 * u-canary.c - unit tests for lib/rollout/canary.c: the defaults, every
 * key read into its field (each router kind, each source of metrics, the
 * thresholds), the derived interval and limits, the exact message for
 * each kind of bad input, YAML files through canary_load, and the
 * reference to the document taken on success and dropped by
 * canary_release (none is taken on failure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "error.h"
#include "rollout/canary.h"
#include "tap.h"

#define ROUTER "\"router\":{\"type\":\"cmd\",\"command\":\"route {weight}\"}"
#define METRICS "\"metrics\":{\"health\":\"http://127.0.0.1:9/health\"}"
#define BASE ROUTER "," METRICS

static char tmpdir[] = "/tmp/u-canary.XXXXXX";

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *doc = json_loads(text, 0, &e);

	if (!doc) {
		printf("Bail out! test document does not parse: %s: %s\n", e.text, text);
		exit(1);
	}
	return doc;
}

/* The bytes of c are all zero: nothing is held. */
static int empty(const struct canary *c)
{
	static const struct canary zero;

	return !memcmp(c, &zero, sizeof(zero));
}

/* Read text, which must succeed, into *c; the caller releases it. */
static int good(const char *text, struct canary *c, const char *what)
{
	json_t *doc = parse(text);
	int rc = canary_from_json(doc, "c.yaml", c);

	if (!ok(rc == 0, "%s: accepted", what))
		printf("# %s\n", ak_errmsg());
	json_decref(doc);
	return rc;
}

/* text must be refused with exactly want, holding nothing. */
static void fails(const char *text, const char *want)
{
	json_t *doc = parse(text);
	struct canary c;

	memset(&c, 0x5a, sizeof(c));
	ak_error(AK_EXIT_OK, "%s", "");
	is_int(canary_from_json(doc, "c.yaml", &c), -1, "refused: %s", want);
	is_str(ak_errmsg(), want, "message: %s", want);
	ok(ak_errcode() == AK_EXIT_DATAERR && empty(&c) && doc->refcount == 1,
	   "a data error that leaves nothing held: %s", want);
	json_decref(doc);
}

static void test_defaults(void)
{
	struct canary c;

	if (good("{" BASE "}", &c, "a router and a health check alone") < 0)
		return;
	is_int(c.nsteps, 3, "three steps by default");
	ok(c.steps[0] == 10 && c.steps[1] == 50 && c.steps[2] == 100, "steps 10, 50, 100");
	is_int(c.window_ms, 600000, "window 10 minutes");
	is_int(c.interval_ms, 60000, "interval a tenth of the window");
	is_int(canary_measurements(&c), 10, "ten measurements a step");
	is_int(c.failure_limit, 0, "no failure tolerated");
	is_int(c.error_limit, 4, "four errors in a row tolerated");
	is_int(c.inconclusive_limit, 5, "inconclusive limit: half the measurements");
	ok(c.analysis.max_error_rate == 0.01, "error rate limit 0.01");
	ok(c.analysis.max_p95_ms == 1000, "p95 limit 1000 ms");
	ok(c.analysis.max_mem_pct == 90, "memory limit 90%%");
	is_int(c.analysis.min_requests, 10, "at least 10 requests");
	is_int(c.analysis.timeout_ms, 5000, "HTTP timeout 5 s");
	ok(!c.name && !c.subject && !c.version && !c.stable_health, "no names by default");
	is_int(c.router.kind, ROUTER_CMD, "router kind cmd");
	is_str(c.router.command, "route {weight}", "router.command");
	is_int(c.router.timeout_ms, 0, "router timeout: the router's own default");
	is_str(c.analysis.health_url, "http://127.0.0.1:9/health", "metrics.health");
	ok(!c.analysis.prom_url && !c.analysis.access_log && !c.analysis.probe_url &&
	   !c.analysis.pid && !c.analysis.pidfile, "no other source");
	ok(c.doc && c.doc->refcount == 1, "the document is held");
	canary_release(&c);
	ok(empty(&c), "canary_release leaves nothing");
}

static void test_everything(void)
{
	struct canary c;

	if (good("{\"name\":\"shop\",\"subject\":\"feat-7\",\"version\":\"1.2.3\","
		 "\"steps\":[5,25,60,100],\"window\":\"2m\",\"interval\":\"15s\","
		 "\"failure_limit\":2,\"error_limit\":7,\"inconclusive_limit\":3,"
		 "\"thresholds\":{\"error_rate\":0.05,\"p95_ms\":250,\"mem_pct\":75.5,"
		 "\"min_requests\":40},"
		 "\"router\":{\"type\":\"nginx\",\"file\":\"/etc/nginx/up.conf\","
		 "\"upstream\":\"shop\",\"stable\":\"127.0.0.1:8001\","
		 "\"canary\":\"127.0.0.1:8002\",\"nginx\":\"nginx -p /srv\",\"timeout\":\"3s\"},"
		 "\"metrics\":{\"health\":\"http://h/ok\",\"stable_health\":\"http://s/ok\","
		 "\"timeout\":\"750ms\","
		 "\"prometheus\":{\"url\":\"http://127.0.0.1:9090\",\"error_rate\":\"q1\","
		 "\"p95\":\"q2\",\"memory\":\"q3\",\"requests\":\"q4\"},"
		 "\"access_log\":{\"path\":\"/var/log/a.log\",\"canary\":\"127.0.0.1:8002\"},"
		 "\"probe\":{\"url\":\"http://p/\",\"requests\":33},"
		 "\"process\":{\"pid\":4321,\"limit_mb\":512}}}", &c, "every key") < 0)
		return;
	is_str(c.name, "shop", "name");
	is_str(c.subject, "feat-7", "subject");
	is_str(c.version, "1.2.3", "version");
	is_int(c.nsteps, 4, "four steps");
	ok(c.steps[0] == 5 && c.steps[1] == 25 && c.steps[2] == 60 && c.steps[3] == 100,
	   "steps 5, 25, 60, 100");
	is_int(c.window_ms, 120000, "window 2m");
	is_int(c.interval_ms, 15000, "interval 15s");
	is_int(canary_measurements(&c), 8, "eight measurements a step");
	is_int(c.failure_limit, 2, "failure_limit");
	is_int(c.error_limit, 7, "error_limit");
	is_int(c.inconclusive_limit, 3, "inconclusive_limit");
	ok(c.analysis.max_error_rate == 0.05, "thresholds.error_rate");
	ok(c.analysis.max_p95_ms == 250, "thresholds.p95_ms");
	ok(c.analysis.max_mem_pct == 75.5, "thresholds.mem_pct");
	is_int(c.analysis.min_requests, 40, "thresholds.min_requests");
	is_int(c.router.kind, ROUTER_NGINX, "router nginx");
	is_str(c.router.file, "/etc/nginx/up.conf", "router.file");
	is_str(c.router.upstream, "shop", "router.upstream");
	is_str(c.router.stable, "127.0.0.1:8001", "router.stable");
	is_str(c.router.canary, "127.0.0.1:8002", "router.canary");
	is_str(c.router.nginx, "nginx -p /srv", "router.nginx");
	is_int(c.router.timeout_ms, 3000, "router.timeout");
	ok(!c.router.socket && !c.router.backend && !c.router.command, "no other router field");
	is_str(c.analysis.health_url, "http://h/ok", "metrics.health");
	is_str(c.stable_health, "http://s/ok", "metrics.stable_health");
	is_int(c.analysis.timeout_ms, 750, "metrics.timeout");
	is_str(c.analysis.prom_url, "http://127.0.0.1:9090", "metrics.prometheus.url");
	is_str(c.analysis.q_error_rate, "q1", "metrics.prometheus.error_rate");
	is_str(c.analysis.q_p95, "q2", "metrics.prometheus.p95");
	is_str(c.analysis.q_memory, "q3", "metrics.prometheus.memory");
	is_str(c.analysis.q_requests, "q4", "metrics.prometheus.requests");
	is_str(c.analysis.access_log, "/var/log/a.log", "metrics.access_log.path");
	is_str(c.analysis.canary_addr, "127.0.0.1:8002", "metrics.access_log.canary");
	is_str(c.analysis.probe_url, "http://p/", "metrics.probe.url");
	is_int(c.analysis.probe_requests, 33, "metrics.probe.requests");
	is_int(c.analysis.pid, 4321, "metrics.process.pid");
	ok(!c.analysis.pidfile, "no pidfile");
	ok(c.analysis.mem_limit_mb == 512, "metrics.process.limit_mb");
	canary_release(&c);
}

static void test_other_kinds(void)
{
	struct canary c;

	if (good("{\"router\":{\"type\":\"haproxy\",\"socket\":\"/run/h.sock\","
		 "\"backend\":\"web\",\"stable\":\"blue\",\"canary\":\"green\",\"timeout\":2},"
		 "\"metrics\":{\"process\":{\"pidfile\":\"/run/app.pid\"}}}", &c,
		 "haproxy and a pidfile") == 0) {
		is_int(c.router.kind, ROUTER_HAPROXY, "router haproxy");
		is_str(c.router.socket, "/run/h.sock", "router.socket");
		is_str(c.router.backend, "web", "router.backend");
		is_str(c.router.stable, "blue", "router.stable (a server name)");
		is_str(c.router.canary, "green", "router.canary (a server name)");
		is_int(c.router.timeout_ms, 2000, "router.timeout as a number of seconds");
		ok(!c.router.file && !c.router.command, "no nginx or cmd field");
		is_str(c.analysis.pidfile, "/run/app.pid", "metrics.process.pidfile");
		is_int(c.analysis.pid, 0, "no pid");
		ok(!c.analysis.health_url, "no health check");
		canary_release(&c);
	}
	if (good("{" ROUTER ",\"metrics\":{\"probe\":{\"url\":\"http://p/\"}}}", &c,
		 "a probe alone") == 0) {
		is_str(c.analysis.probe_url, "http://p/", "probe url");
		is_int(c.analysis.probe_requests, 0, "probe requests: the engine's default");
		canary_release(&c);
	}
	if (good("{" BASE ",\"name\":null,\"steps\":null,\"window\":null,\"thresholds\":null}",
		 &c, "null is the same as absent") == 0) {
		ok(!c.name && c.nsteps == 3 && c.window_ms == 600000, "defaults kept");
		canary_release(&c);
	}
}

static void test_derived(void)
{
	struct canary c;
	char text[512];

	if (good("{" BASE ",\"window\":\"5s\"}", &c, "a short window") == 0) {
		is_int(c.interval_ms, 1000, "interval at least 1 s");
		is_int(canary_measurements(&c), 5, "five measurements");
		is_int(c.inconclusive_limit, 2, "inconclusive limit 2");
		canary_release(&c);
	}
	if (good("{" BASE ",\"window\":\"30s\",\"interval\":\"1m\"}", &c,
		 "an interval past the window") == 0) {
		is_int(c.interval_ms, 30000, "interval cut to the window");
		is_int(canary_measurements(&c), 1, "one measurement");
		is_int(c.inconclusive_limit, 0, "inconclusive limit 0");
		canary_release(&c);
	}
	if (good("{" BASE ",\"window\":45,\"interval\":\"500ms\"}", &c,
		 "a window in seconds") == 0) {
		is_int(c.window_ms, 45000, "window 45 s");
		is_int(c.interval_ms, 500, "interval 500 ms");
		is_int(canary_measurements(&c), 90, "ninety measurements");
		canary_release(&c);
	}
	if (good("{" BASE ",\"steps\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,100]}", &c,
		 "sixteen steps") == 0) {
		is_int(c.nsteps, 16, "sixteen steps");
		is_int(c.steps[15], 100, "the last is 100");
		canary_release(&c);
	}
	if (good("{" BASE ",\"steps\":[100]}", &c, "one step") == 0) {
		ok(c.nsteps == 1 && c.steps[0] == 100, "all at once");
		canary_release(&c);
	}
	snprintf(text, sizeof(text), "{" BASE ",\"thresholds\":{\"error_rate\":0,"
		 "\"p95_ms\":86400000,\"mem_pct\":100,\"min_requests\":0}}");
	if (good(text, &c, "thresholds at their bounds") == 0) {
		ok(c.analysis.max_error_rate == 0 && c.analysis.max_p95_ms == 86400000 &&
		   c.analysis.max_mem_pct == 100 && c.analysis.min_requests == 0, "bounds kept");
		canary_release(&c);
	}
}

static void test_errors(void)
{
	/* unknown keys, in every section */
	fails("{" BASE ",\"bogus\":1}", "c.yaml: bogus: unknown key");
	fails("{\"router\":{\"type\":\"cmd\",\"command\":\"x\",\"port\":80}," METRICS "}",
	      "c.yaml: router.port: unknown key");
	fails("{" ROUTER ",\"metrics\":{\"cpu\":1}}", "c.yaml: metrics.cpu: unknown key");
	fails("{" ROUTER ",\"metrics\":{\"prometheus\":{\"url\":\"u\",\"step\":\"1m\"}}}",
	      "c.yaml: metrics.prometheus.step: unknown key");
	fails("{" ROUTER ",\"metrics\":{\"access_log\":{\"path\":\"p\",\"format\":\"x\"}}}",
	      "c.yaml: metrics.access_log.format: unknown key");
	fails("{" ROUTER ",\"metrics\":{\"probe\":{\"url\":\"u\",\"method\":\"GET\"}}}",
	      "c.yaml: metrics.probe.method: unknown key");
	fails("{" ROUTER ",\"metrics\":{\"process\":{\"pid\":1,\"name\":\"x\"}}}",
	      "c.yaml: metrics.process.name: unknown key");
	fails("{" BASE ",\"thresholds\":{\"cpu\":1}}", "c.yaml: thresholds.cpu: unknown key");

	/* steps */
	fails("{" BASE ",\"steps\":[10,10,100]}",
	      "c.yaml: steps: weights must rise from step to step");
	fails("{" BASE ",\"steps\":[50,20,100]}",
	      "c.yaml: steps: weights must rise from step to step");
	fails("{" BASE ",\"steps\":[10,50]}",
	      "c.yaml: steps: the last step must send all the traffic (100)");
	fails("{" BASE ",\"steps\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,100]}",
	      "c.yaml: steps: must be a list of 1 to 16 weights");
	fails("{" BASE ",\"steps\":[]}", "c.yaml: steps: must be a list of 1 to 16 weights");
	fails("{" BASE ",\"steps\":\"10,100\"}", "c.yaml: steps: must be a list of 1 to 16 weights");
	fails("{" BASE ",\"steps\":[0,100]}",
	      "c.yaml: steps: each weight must be a whole number from 1 to 100");
	fails("{" BASE ",\"steps\":[10,101]}",
	      "c.yaml: steps: each weight must be a whole number from 1 to 100");
	fails("{" BASE ",\"steps\":[10.5,100]}",
	      "c.yaml: steps: each weight must be a whole number from 1 to 100");
	fails("{" BASE ",\"steps\":[\"10\",100]}",
	      "c.yaml: steps: each weight must be a whole number from 1 to 100");

	/* types and ranges */
	fails("[1]", "c.yaml: must be a mapping");
	fails("{" BASE ",\"name\":5}", "c.yaml: name: must be a non-empty string");
	fails("{" BASE ",\"version\":\"\"}", "c.yaml: version: must be a non-empty string");
	fails("{" BASE ",\"subject\":[]}", "c.yaml: subject: must be a non-empty string");
	fails("{" BASE ",\"failure_limit\":\"3\"}",
	      "c.yaml: failure_limit: must be a whole number from 0 to 1000");
	fails("{" BASE ",\"error_limit\":-1}",
	      "c.yaml: error_limit: must be a whole number from 0 to 1000");
	fails("{" BASE ",\"inconclusive_limit\":1001}",
	      "c.yaml: inconclusive_limit: must be a whole number from 0 to 1000");
	fails("{" BASE ",\"thresholds\":[]}", "c.yaml: thresholds: must be a mapping");
	fails("{" BASE ",\"thresholds\":{\"error_rate\":1.5}}",
	      "c.yaml: thresholds.error_rate: must be a number from 0 to 1");
	fails("{" BASE ",\"thresholds\":{\"p95_ms\":\"fast\"}}",
	      "c.yaml: thresholds.p95_ms: must be a number from 0 to 8.64e+07");
	fails("{" BASE ",\"thresholds\":{\"mem_pct\":101}}",
	      "c.yaml: thresholds.mem_pct: must be a number from 0 to 100");
	fails("{" BASE ",\"thresholds\":{\"min_requests\":-1}}",
	      "c.yaml: thresholds.min_requests: must be a number from 0 to 1e+09");
	fails("{\"router\":\"nginx\"," METRICS "}", "c.yaml: router: must be a mapping");
	fails("{\"router\":{\"command\":\"x\"}," METRICS "}",
	      "c.yaml: router.type: is required: nginx, haproxy or cmd");
	fails("{\"router\":{\"type\":\"envoy\"}," METRICS "}",
	      "c.yaml: router.type: must be nginx, haproxy or cmd");
	fails("{\"router\":{\"type\":\"cmd\",\"command\":\"\"}," METRICS "}",
	      "c.yaml: router.command: must be a non-empty string");
	fails("{\"router\":{\"type\":\"nginx\",\"file\":7}," METRICS "}",
	      "c.yaml: router.file: must be a non-empty string");
	fails("{" ROUTER ",\"metrics\":[]}", "c.yaml: metrics: must be a mapping");
	fails("{" ROUTER ",\"metrics\":{\"health\":true}}",
	      "c.yaml: metrics.health: must be a non-empty string");
	fails("{" ROUTER ",\"metrics\":{\"prometheus\":\"http://p\"}}",
	      "c.yaml: metrics.prometheus: must be a mapping");
	fails("{" ROUTER ",\"metrics\":{\"probe\":{\"url\":\"u\",\"requests\":0}}}",
	      "c.yaml: metrics.probe.requests: must be a whole number from 1 to 10000");
	fails("{" ROUTER ",\"metrics\":{\"process\":{\"pid\":0}}}",
	      "c.yaml: metrics.process.pid: must be a whole number from 1 to 1073741824");
	fails("{" ROUTER ",\"metrics\":{\"process\":{\"pid\":9,\"limit_mb\":-1}}}",
	      "c.yaml: metrics.process.limit_mb: must be a number from 0 to 1e+09");

	/* durations */
	fails("{" BASE ",\"window\":\"10x\"}",
	      "c.yaml: window: must be a duration such as 30s or 10m, more than 0");
	fails("{" BASE ",\"window\":\"0s\"}",
	      "c.yaml: window: must be a duration such as 30s or 10m, more than 0");
	fails("{" BASE ",\"window\":0}",
	      "c.yaml: window: must be a duration such as 30s or 10m, more than 0");
	fails("{" BASE ",\"window\":-5}", "c.yaml: window: must be a duration such as 30s or 10m");
	fails("{" BASE ",\"window\":true}", "c.yaml: window: must be a duration such as 30s or 10m");
	fails("{" BASE ",\"interval\":\"1.5s\"}",
	      "c.yaml: interval: must be a duration such as 30s or 10m, more than 0");
	fails("{\"router\":{\"type\":\"cmd\",\"command\":\"x\",\"timeout\":\"soon\"}," METRICS "}",
	      "c.yaml: router.timeout: must be a duration such as 30s or 10m, more than 0");
	fails("{" ROUTER ",\"metrics\":{\"health\":\"h\",\"timeout\":2.5}}",
	      "c.yaml: metrics.timeout: must be a duration such as 30s or 10m");

	/* what is required */
	fails("{" METRICS "}", "c.yaml: router: is required (type nginx, haproxy or cmd)");
	fails("{" ROUTER "}", "c.yaml: metrics: is required: say what to measure");
	fails("{" ROUTER ",\"metrics\":{\"prometheus\":{\"error_rate\":\"q\"}}}",
	      "c.yaml: metrics.prometheus.url: is required");
	fails("{" ROUTER ",\"metrics\":{\"access_log\":{\"path\":\"/var/log/a\"}}}",
	      "c.yaml: metrics.access_log: needs a path and the canary's address");
	fails("{" ROUTER ",\"metrics\":{\"access_log\":{\"canary\":\"127.0.0.1:1\"}}}",
	      "c.yaml: metrics.access_log: needs a path and the canary's address");
	fails("{" ROUTER ",\"metrics\":{\"probe\":{\"requests\":5}}}",
	      "c.yaml: metrics.probe.url: is required");
	fails("{" ROUTER ",\"metrics\":{\"process\":{\"limit_mb\":100}}}",
	      "c.yaml: metrics.process: needs a pid or a pidfile");
}

static void test_no_name(void)
{
	json_t *doc = json_string("text");
	struct canary c;

	is_int(canary_from_json(doc, NULL, &c), -1, "a string is refused");
	is_str(ak_errmsg(), "rollout configuration: must be a mapping",
	       "without a name the message says what it is");
	json_decref(doc);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write '%s': %s\n", p, strerror(errno));
		exit(1);
	}
	return p;
}

static void test_load(void)
{
	struct canary c;
	const char *path;
	char want[1024];

	path = write_file("rollout.yaml",
			  "# the shop's canary\n"
			  "name: shop-canary\n"
			  "steps: [20, 100]\n"
			  "window: 1m\n"
			  "interval: 10s\n"
			  "thresholds:\n"
			  "  error_rate: 0.02\n"
			  "  p95_ms: 500\n"
			  "router:\n"
			  "  type: haproxy\n"
			  "  socket: /run/haproxy.sock\n"
			  "  backend: shop\n"
			  "  stable: blue\n"
			  "  canary: green\n"
			  "metrics:\n"
			  "  health: http://127.0.0.1:8002/health\n"
			  "  access_log:\n"
			  "    path: /var/log/nginx/shop.log\n"
			  "    canary: 127.0.0.1:8002\n");
	if (ok(canary_load(path, &c) == 0, "canary_load reads a YAML file")) {
		is_str(c.name, "shop-canary", "name from YAML");
		ok(c.nsteps == 2 && c.steps[0] == 20 && c.steps[1] == 100, "steps from YAML");
		is_int(c.window_ms, 60000, "window from YAML");
		is_int(c.interval_ms, 10000, "interval from YAML");
		is_int(canary_measurements(&c), 6, "six measurements");
		ok(c.analysis.max_error_rate == 0.02 && c.analysis.max_p95_ms == 500,
		   "thresholds from YAML");
		is_int(c.router.kind, ROUTER_HAPROXY, "router from YAML");
		is_str(c.router.backend, "shop", "router.backend from YAML");
		is_str(c.analysis.canary_addr, "127.0.0.1:8002", "access_log.canary from YAML");
		ok(c.doc && c.doc->refcount == 1, "canary_load keeps the only reference");
		canary_release(&c);
		ok(empty(&c), "released");
	} else {
		printf("# %s\n", ak_errmsg());
	}

	path = write_file("bad-key.yaml", "router: {type: cmd, command: x}\nmetrics: {health: h}\n"
			  "windows: 5m\n");
	is_int(canary_load(path, &c), -1, "a YAML file with an unknown key");
	snprintf(want, sizeof(want), "%s: windows: unknown key", path);
	is_str(ak_errmsg(), want, "the message starts with the path");
	ok(empty(&c), "nothing held");

	path = write_file("list.yaml", "- 10\n- 100\n");
	is_int(canary_load(path, &c), -1, "a YAML list");
	snprintf(want, sizeof(want), "%s: must be a mapping", path);
	is_str(ak_errmsg(), want, "a list is not a configuration");

	path = write_file("broken.yaml", "steps: [10, 50\nrouter: {\n");
	is_int(canary_load(path, &c), -1, "a file that is not YAML");
	snprintf(want, sizeof(want), "%s:", path);
	ok(!strncmp(ak_errmsg(), want, strlen(want)) && ak_errcode() == AK_EXIT_DATAERR,
	   "a syntax error names the file: %s", ak_errmsg());
	ok(empty(&c), "nothing held");

	path = write_file("empty.yaml", "");
	is_int(canary_load(path, &c), -1, "an empty file");
	snprintf(want, sizeof(want), "%s: must be a mapping", path);
	is_str(ak_errmsg(), want, "an empty file is not a configuration");

	snprintf(want, sizeof(want), "%s/missing.yaml", tmpdir);
	is_int(canary_load(want, &c), -1, "a missing file");
	{
		char msg[1100];

		snprintf(msg, sizeof(msg), "cannot open '%s': No such file or directory", want);
		is_str(ak_errmsg(), msg, "the message names the missing file");
	}
	ok(empty(&c), "nothing held");
	unlink(path);
}

static void cleanup(void)
{
	static const char *const names[] = {
		"rollout.yaml", "bad-key.yaml", "list.yaml", "broken.yaml", "empty.yaml",
	};
	char p[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_defaults();
	test_everything();
	test_other_kinds();
	test_derived();
	test_errors();
	test_no_name();
	test_load();
	cleanup();
	return done_testing();
}
