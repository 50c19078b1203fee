/*
 * agent-integrate - the integration engineer. It joins a feature's
 * feature.backend_ready and feature.frontend_ready, lints the API contract,
 * checks every call of the front end's client against it, starts the
 * service (or uses --base-url) and runs contract tests over HTTP, then
 * writes feature.integrated. Alone, --openapi FILE lints any contract and,
 * with --base-url, tests the service behind it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "error.h"
#include "filter.h"
#include "genagent.h"
#include "join.h"
#include "store.h"
#include "workspace.h"
#include "contract/lint.h"
#include "contract/probe.h"
#include "contract/service.h"
#include "banned.h"

#define PROG "agent-integrate"

enum {
	OPT_OPENAPI = OPT_AGENT_LAST,
	OPT_BASE_URL,
	OPT_FEATURE,
	OPT_PORT,
	OPT_START_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_NO_E2E,
	OPT_BACKEND_ONLY,
};

static const struct opt integrate_opts[] = {
	{ "openapi", OPT_OPENAPI, "FILE", "lint this contract (YAML or JSON) without events" },
	{ "base-url", OPT_BASE_URL, "URL", "run the contract tests against the service at URL" },
	{ "feature", OPT_FEATURE, "ID", "the event's subject with --openapi (default: from the title)" },
	{ "port", OPT_PORT, "N", "start the service on port N (default: a free port)" },
	{ "start-timeout", OPT_START_TIMEOUT, "SECONDS",
	  "wait this long for the started service's health (default 30)" },
	{ "request-timeout", OPT_REQUEST_TIMEOUT, "SECONDS", "per request (default 10)" },
	{ "no-e2e", OPT_NO_E2E, NULL, "lint and check the client only; start nothing" },
	{ "backend-only", OPT_BACKEND_ONLY, NULL, "do not wait for feature.frontend_ready" },
	OPT_END
};

static const char *const both[] = { "feature.backend_ready", "feature.frontend_ready", NULL };
static const char *const backend[] = { "feature.backend_ready", NULL };

struct integrator {
	const char *openapi;
	const char *base_url;
	const char *feature;
	int port;
	long start_timeout_ms;
	long request_timeout_ms;
	int no_e2e;
	int backend_only;
	struct agent *a;
	struct filter *f;
	struct workspace *ws;
	struct store *store;
	struct join *join;
};

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n"
	       "  or:  %s --openapi FILE [--base-url URL] [OPTION]...\n", PROG, PROG);
	printf("Join feature.backend_ready and feature.frontend_ready per feature, lint the\n"
	       "contract, check the front end's calls against it, run contract tests over\n"
	       "HTTP against the service and write feature.integrated. Exit 1 when the\n"
	       "contract, the client or the service fails a check.\n\nOptions:\n");
	opts_help(stdout, integrate_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1) and agentkit(7).\n", PROG);
}

static int seconds(const char *arg, const char *what, long *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > 86400)
		return ak_error(AK_EXIT_USAGE, "%s wants 1 to 86400 seconds, not '%s'", what, arg);
	*ms = v * 1000;
	return 0;
}

static int parse_options(void *ctx, int key, const char *arg)
{
	struct integrator *t = ctx;

	switch (key) {
	case OPT_OPENAPI:
		t->openapi = arg;
		return 0;
	case OPT_BASE_URL:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
			return ak_error(AK_EXIT_USAGE, "--base-url wants an http(s) URL, not '%s'",
					arg);
		t->base_url = arg;
		return 0;
	case OPT_FEATURE:
		if (!event_feature_id_ok(arg))
			return ak_error(AK_EXIT_USAGE, "bad feature id '%s'", arg);
		t->feature = arg;
		return 0;
	case OPT_PORT:
		return genagent_port(arg, &t->port);
	case OPT_START_TIMEOUT:
		return seconds(arg, "--start-timeout", &t->start_timeout_ms);
	case OPT_REQUEST_TIMEOUT:
		return seconds(arg, "--request-timeout", &t->request_timeout_ms);
	case OPT_NO_E2E:
		t->no_e2e = 1;
		return 0;
	case OPT_BACKEND_ONLY:
		t->backend_only = 1;
		return 0;
	}
	return 0;
}

/* A port nobody listens on now, from the kernel. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	if (port < 0)
		ak_error(AK_EXIT_UNAVAILABLE, "no free port: %s", strerror(errno));
	return port;
}

/*
 * The start command's argv with the event's port replaced by port, as a
 * NULL-terminated vector of strings owned by strs.
 */
static const char **start_argv(const json_t *start, int port, json_t *strs)
{
	const json_t *argv = json_object_get(start, "argv"), *w;
	json_int_t old = json_integer_value(json_object_get(start, "port"));
	const char **v = calloc(json_array_size(argv) + 1, sizeof(*v));
	char was[24];
	size_t i;

	if (!v)
		return NULL;
	snprintf(was, sizeof(was), "%lld", (long long)old);
	json_array_foreach(argv, i, w) {
		const char *s = json_string_value(w);
		if (!s) {
			free(v);
			ak_error(AK_EXIT_DATAERR, "data.start.argv is not a list of strings");
			return NULL;
		}
		if (old > 0 && !strcmp(s, was)) {
			json_array_append_new(strs, json_sprintf("%d", port));
			s = json_string_value(json_array_get(strs, json_array_size(strs) - 1));
		}
		v[i] = s;
	}
	return v;
}

/* Its scratch environment ({NAME: value}) as "NAME=value" strings. */
static const char **start_env(const json_t *start, json_t *strs)
{
	const json_t *env = json_object_get(start, "scratch_env"), *v;
	const char **e = calloc(json_object_size(env) + 1, sizeof(*e)), *k;
	size_t i = 0;

	if (!e)
		return NULL;
	json_object_foreach((json_t *)env, k, v) {
		json_array_append_new(strs, json_sprintf("%s=%s", k, json_string_value(v) ?
							 json_string_value(v) : ""));
		e[i++] = json_string_value(json_array_get(strs, json_array_size(strs) - 1));
	}
	return e;
}

/* Start the service of a feature.backend_ready's start info; its base URL in url. */
static int start_service(struct integrator *t, const json_t *start, const char *feature,
			 struct service *svc, struct buf *url)
{
	const char *cwd = json_string_value(json_object_get(start, "cwd"));
	const char *health = json_string_value(json_object_get(start, "health"));
	json_t *strs = json_array();
	struct buf dir = BUF_INIT, log = BUF_INIT;
	const char **argv = NULL, **env = NULL;
	int port = t->port ? t->port : free_port(), rc = -1;

	if (port < 0 || !strs)
		goto out;
	if (cwd && workspace_check_path(cwd) < 0)
		goto out;
	if (buf_addf(&log, "%s/agent-integrate/service.log", feature) < 0 ||
	    workspace_write(t->ws, log.p, "", 0, NULL) < 0)
		goto out;
	buf_reset(&log);
	if (buf_addf(&dir, "%s/%s", workspace_root(t->ws), cwd ? cwd : ".") < 0 ||
	    buf_addf(&log, "%s/%s/agent-integrate/service.log", workspace_root(t->ws), feature) < 0)
		goto out;
	if (!(argv = start_argv(start, port, strs)) || !(env = start_env(start, strs)))
		goto out;
	if (!argv[0]) {
		ak_error(AK_EXIT_DATAERR, "data.start.argv is empty");
		goto out;
	}
	if (service_start(svc, argv, dir.p, env, log.p) < 0)
		goto out;
	buf_addf(url, "http://127.0.0.1:%d", port);
	if (probe_wait_health(url->p, health ? health : "/health", t->start_timeout_ms,
			      svc->pid) < 0) {
		service_stop(svc, 2000);
		goto out;
	}
	rc = 0;
out:
	free(argv);
	free(env);
	json_decref(strs);
	buf_release(&dir);
	buf_release(&log);
	return rc;
}

/* Cases and counts of the contract tests into data.e2e; the failures, or -1. */
static int e2e(struct integrator *t, const json_t *doc, const json_t *start,
	       const char *feature, json_t *data)
{
	struct probe_opts po = PROBE_OPTS_INIT;
	struct service svc = SERVICE_INIT;
	struct buf url = BUF_INIT;
	json_t *cases = json_array(), *c;
	long passed = 0, failed = 0, skipped = 0;
	size_t i;
	int rc = -1;

	if (!cases)
		goto out;
	if (t->base_url)
		buf_addf(&url, "%s", t->base_url);
	else if (start_service(t, start, feature, &svc, &url) < 0)
		goto out;
	po.base_url = url.p;
	po.timeout_ms = t->request_timeout_ms;
	rc = probe_run(doc, &po, cases);
	service_stop(&svc, 3000);
	if (rc < 0)
		goto out;
	json_array_foreach(cases, i, c) {
		if (json_object_get(c, "skipped"))
			skipped++;
		else if (json_is_true(json_object_get(c, "ok")))
			passed++;
		else
			failed++;
	}
	if (json_object_set_new(data, "e2e", json_pack("{s:s, s:I, s:I, s:I, s:O}", "base_url",
			url.p, "passed", (json_int_t)passed, "failed", (json_int_t)failed,
			"skipped", (json_int_t)skipped, "cases", cases)))
		rc = -1;
out:
	json_decref(cases);
	buf_release(&url);
	return rc;
}

/* The Markdown report of data. */
static void report(struct buf *b, const char *feature, const json_t *data)
{
	const json_t *contract = json_object_get(data, "contract"), *e = json_object_get(data, "e2e");
	const json_t *x;
	size_t i;

	buf_addf(b, "# Integration of %s: %s\n\n## Contract\n\n%lld operations, %zu findings, "
		 "%zu client mismatches.\n", feature,
		 json_string_value(json_object_get(data, "status")),
		 (long long)json_integer_value(json_object_get(contract, "operations")),
		 json_array_size(json_object_get(contract, "findings")),
		 json_array_size(json_object_get(contract, "mismatches")));
	json_array_foreach(json_object_get(contract, "findings"), i, x)
		buf_addf(b, "- %s %s `%s`: %s\n", json_string_value(json_object_get(x, "severity")),
			 json_string_value(json_object_get(x, "rule")),
			 json_string_value(json_object_get(x, "pointer")),
			 json_string_value(json_object_get(x, "message")));
	json_array_foreach(json_object_get(contract, "mismatches"), i, x)
		buf_addf(b, "- client `%s %s`: %s\n", json_string_value(json_object_get(x, "method")),
			 json_string_value(json_object_get(x, "path")),
			 json_string_value(json_object_get(x, "problem")));
	if (!e)
		return;
	buf_addf(b, "\n## Contract tests against %s\n\n%lld passed, %lld failed, %lld skipped.\n",
		 json_string_value(json_object_get(e, "base_url")),
		 (long long)json_integer_value(json_object_get(e, "passed")),
		 (long long)json_integer_value(json_object_get(e, "failed")),
		 (long long)json_integer_value(json_object_get(e, "skipped")));
	json_array_foreach(json_object_get(e, "cases"), i, x)
		if (!json_is_true(json_object_get(x, "ok")))
			buf_addf(b, "- `%s %s` (%s, %s): %s\n",
				 json_string_value(json_object_get(x, "method")),
				 json_string_value(json_object_get(x, "path")),
				 json_string_value(json_object_get(x, "kind")),
				 json_string_value(json_object_get(x, "what")),
				 json_string_value(json_object_get(x, "problem")));
}

/* The number of operations in the document's paths. */
static json_int_t operations(const json_t *doc)
{
	static const char *const methods[] = { "get", "put", "post", "delete", "options",
					       "head", "patch", "trace" };
	const json_t *item;
	const char *path;
	json_int_t n = 0;

	json_object_foreach((json_t *)json_object_get(doc, "paths"), path, item)
		for (size_t m = 0; m < sizeof(methods) / sizeof(*methods); m++)
			n += json_is_object(json_object_get(item, methods[m]));
	return n;
}

/* The test commands the front and back end declared, for agent-test. */
static json_t *tests(const json_t *be, const json_t *fe)
{
	json_t *list = json_array(), *c;
	const json_t *src[2] = { be, fe };
	static const char *const label[2] = { "backend", "frontend" };

	for (int i = 0; i < 2; i++) {
		const json_t *test = json_object_get(json_object_get(src[i], "data"), "test");
		if (!json_is_object(test))
			continue;
		c = json_deep_copy(test);
		json_object_set_new(c, "label", json_string(label[i]));
		json_array_append_new(list, c);
	}
	return list;
}

/*
 * Integrate one feature: be and fe are its events (either may be NULL),
 * doc its contract. Emits feature.integrated; 0, or -1 with ak_error.
 */
static int integrate(struct integrator *t, const char *feature, const json_t *doc,
		     const json_t *be, const json_t *fe, const json_t *cause)
{
	json_t *findings = json_array(), *mismatches = json_array(), *data = NULL;
	const json_t *ops = json_object_get(json_object_get(json_object_get(fe, "data"), "client"),
					    "operations");
	const json_t *start = json_object_get(json_object_get(be, "data"), "start");
	struct buf md = BUF_INIT, path = BUF_INIT;
	struct artifact art;
	int errors, fails = 0, rc = -1;

	if (!findings || !mismatches || (errors = lint_openapi(doc, findings)) < 0)
		goto out;
	if (ops && (fails = lint_client(doc, ops, mismatches)) < 0)
		goto out;
	data = json_pack("{s:s, s:{s:I, s:O, s:O}, s:o}", "status", "pass", "contract",
			 "operations", operations(doc), "findings", findings,
			 "mismatches", mismatches, "tests", tests(be, fe));
	if (!data)
		goto out;
	fails += errors;
	if (!t->no_e2e && (t->base_url || start)) {
		int failed = errors ? 0 : e2e(t, doc, start, feature, data);
		if (failed < 0)
			goto out;
		fails += failed;
		if (errors)
			json_object_set_new(data, "e2e", json_pack("{s:s}", "skipped",
					    "the contract has errors"));
	}
	if (fails)
		json_object_set_new(data, "status", json_string("fail"));
	report(&md, feature, data);
	if (buf_addf(&path, "%s/agent-integrate/report.md", feature) < 0 ||
	    workspace_write(t->ws, path.p, md.p, md.len, &art) < 0)
		goto out;
	json_object_set_new(data, "artifacts", json_pack("[o]", artifact_to_json(&art)));
	artifact_release(&art);
	rc = filter_verdict(t->f, "feature.integrated", feature, data, cause, fails);
	data = NULL;
out:
	json_decref(findings);
	json_decref(mismatches);
	json_decref(data);
	buf_release(&md);
	buf_release(&path);
	return rc;
}

static int handle(struct filter *f, const json_t *ev, void *ctx)
{
	struct integrator *t = ctx;
	const char *subject = event_attr(ev, "subject");
	struct genagent_opts go = GENAGENT_OPTS_INIT;
	/* backend, then frontend (absent with --backend-only) */
	json_t *held[2] = { NULL, NULL }, *doc = NULL;
	int rc = join_add_event(t->join, ev, held);

	if (rc <= 0)
		return rc;
	rc = -1;
	if (!(doc = genagent_contract(t->ws, held[0], &go)))
		goto out;
	rc = integrate(t, subject, doc, held[0], held[1], ev);
	if (!rc)
		rc = join_clear(t->join, subject);
out:
	json_decref(doc);
	json_decref(held[0]);
	json_decref(held[1]);
	return rc;
}

/* --openapi FILE: lint it, and test the service at --base-url. */
static int alone(struct integrator *t)
{
	struct genagent_opts go = GENAGENT_OPTS_INIT;
	char subject[FEATURE_ID_MAX + 1];
	json_t *doc;
	int rc;

	go.openapi = t->openapi;
	if (!(doc = genagent_contract(t->ws, NULL, &go)))
		return -1;
	if (t->feature)
		snprintf(subject, sizeof(subject), "%s", t->feature);
	else
		genagent_subject(doc, subject);
	rc = integrate(t, subject, doc, NULL, NULL, NULL);
	json_decref(doc);
	return rc < 0 ? -1 : filter_commit(t->f);
}

static int setup(struct integrator *t)
{
	const char *spec = config_get(t->a->cfg, "store");

	if (!(t->ws = workspace_open(config_get(t->a->cfg, "workspace"))))
		return -1;
	if (t->openapi)
		return 0;
	if (spec && *spec && !(t->store = store_open(spec, NULL)))
		return -1;
	t->join = join_new(t->store, PROG, t->backend_only ? backend : both);
	return t->join ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct integrator t = { .start_timeout_ms = 30000, .request_timeout_ms = 10000 };
	struct filter_def def = { .handle = handle, .ctx = &t };
	struct agent a;
	int first, status;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	t.a = &a;
	status = agent_command_line(&a, integrate_opts, argc, argv, parse_options, &t, usage, &first);
	if (status >= 0)
		return agent_finish(&a, status);
	if (t.openapi && first < argc)
		return agent_finish(&a, agent_usage_error(PROG, "--openapi takes no input files"));
	if (t.base_url && t.no_e2e)
		return agent_finish(&a, agent_usage_error(PROG, "--base-url and --no-e2e conflict"));
	def.consumes = t.backend_only ? backend : both;
	if (agent_start(&a, "agentkit/agent-integrate", environ) < 0 || setup(&t) < 0 ||
	    !(t.f = filter_new(&def, &a.fopts, &a.ec, &a.out)))
		status = agent_die(PROG);
	else if (t.openapi)
		status = alone(&t) < 0 ? agent_die(PROG) : filter_status(t.f);
	else
		status = agent_filter_inputs(&a, t.f, argc - first, argv + first);
	filter_free(t.f);
	join_free(t.join);
	if (t.store)
		store_close(t.store);
	workspace_free(t.ws);
	return agent_finish(&a, status);
}
