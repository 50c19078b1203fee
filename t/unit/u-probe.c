/*
 * u-probe.c - unit tests for lib/contract/probe.c and service.c.
 *
 * A small HTTP/1.1 server runs in a thread on an ephemeral port of
 * 127.0.0.1 and keeps projects and tasks in memory, as the OpenAPI
 * document below describes, answering errors in application/problem+json.
 * Each scenario breaks one behaviour of the server and checks that the
 * probe blames exactly the cases that should fail. The service tests start
 * and stop real programs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "contract/probe.h"
#include "contract/service.h"
#include "tap.h"

static const char doc_text[] =
"{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},"
" \"paths\": {"
"  \"/health\": {\"get\": {\"operationId\": \"health\", \"responses\": {\"200\":"
"   {\"description\": \"up\", \"content\": {\"application/json\": {\"schema\":"
"    {\"type\": \"object\", \"required\": [\"status\"],"
"     \"properties\": {\"status\": {\"type\": \"string\"}}}}}}}}},"
"  \"/tasks\": {"
"   \"get\": {\"operationId\": \"listTasks\", \"responses\": {\"200\": {\"description\": \"all\","
"    \"content\": {\"application/json\": {\"schema\": {\"type\": \"array\","
"     \"items\": {\"$ref\": \"#/components/schemas/Task\"}}}}}}},"
"   \"post\": {\"operationId\": \"createTask\", \"requestBody\": {\"$ref\": \"#/components/requestBodies/TaskBody\"},"
"    \"responses\": {\"201\": {\"$ref\": \"#/components/responses/OneTask\"},"
"     \"422\": {\"$ref\": \"#/components/responses/Invalid\"}}}},"
"  \"/tasks/{id}\": {\"parameters\": [{\"$ref\": \"#/components/parameters/Id\"}],"
"   \"get\": {\"operationId\": \"getTask\", \"responses\": {\"200\": {\"$ref\": \"#/components/responses/OneTask\"}}},"
"   \"put\": {\"operationId\": \"updateTask\", \"requestBody\": {\"$ref\": \"#/components/requestBodies/TaskBody\"},"
"    \"responses\": {\"200\": {\"$ref\": \"#/components/responses/OneTask\"}}},"
"   \"delete\": {\"operationId\": \"deleteTask\", \"responses\": {\"204\": {\"description\": \"gone\"}}}},"
"  \"/projects\": {\"post\": {\"operationId\": \"createProject\", \"requestBody\": {\"content\":"
"    {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ProjectInput\"}}}},"
"    \"responses\": {\"201\": {\"description\": \"made\", \"content\": {\"application/json\":"
"     {\"schema\": {\"$ref\": \"#/components/schemas/Project\"}}}}}}},"
"  \"/projects/{id}\": {\"parameters\": [{\"$ref\": \"#/components/parameters/Id\"}],"
"   \"get\": {\"operationId\": \"getProject\", \"responses\": {\"200\": {\"description\": \"one\","
"    \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Project\"}}}}}},"
"   \"delete\": {\"operationId\": \"deleteProject\", \"responses\": {\"204\": {\"description\": \"gone\"}}}}"
" },"
" \"components\": {"
"  \"parameters\": {\"Id\": {\"name\": \"id\", \"in\": \"path\", \"required\": true,"
"   \"schema\": {\"type\": \"integer\"}}},"
"  \"requestBodies\": {\"TaskBody\": {\"required\": true, \"content\": {\"application/json\":"
"   {\"schema\": {\"$ref\": \"#/components/schemas/TaskInput\"}}}}},"
"  \"responses\": {"
"   \"OneTask\": {\"description\": \"a task\", \"content\": {\"application/json\":"
"    {\"schema\": {\"$ref\": \"#/components/schemas/Task\"}}}},"
"   \"Invalid\": {\"description\": \"bad\", \"content\": {\"application/problem+json\":"
"    {\"schema\": {\"type\": \"object\"}}}}},"
"  \"schemas\": {"
"   \"TaskInput\": {\"type\": \"object\", \"required\": [\"title\", \"project_id\"],"
"    \"properties\": {\"title\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 40},"
"     \"done\": {\"type\": \"boolean\"},"
"     \"due\": {\"type\": \"string\", \"format\": \"date\", \"nullable\": true},"
"     \"project_id\": {\"type\": \"integer\", \"x-references\": \"Project\"}},"
"    \"additionalProperties\": false},"
"   \"Task\": {\"type\": \"object\", \"required\": [\"id\", \"title\", \"project_id\"],"
"    \"properties\": {\"id\": {\"type\": \"integer\", \"readOnly\": true},"
"     \"title\": {\"type\": \"string\"}, \"done\": {\"type\": \"boolean\"},"
"     \"due\": {\"type\": \"string\", \"format\": \"date\", \"nullable\": true},"
"     \"project_id\": {\"type\": \"integer\", \"minimum\": 0, \"exclusiveMinimum\": true}},"
"    \"discriminator\": {\"propertyName\": \"title\"}},"
"   \"ProjectInput\": {\"type\": \"object\", \"required\": [\"name\"],"
"    \"properties\": {\"name\": {\"type\": \"string\", \"example\": \"Home\"}}},"
"   \"Project\": {\"type\": \"object\", \"required\": [\"id\", \"name\"],"
"    \"properties\": {\"id\": {\"type\": \"integer\"}, \"name\": {\"type\": \"string\"}}}"
" }}}";

/* ---- the fake server ---- */

enum flaw { FLAW_NONE, FLAW_WRONG_TYPE, FLAW_500_ON_MISSING };

struct fake {
	int lfd;
	int port;
	pthread_t thread;
	enum flaw flaw;
	json_t *store[2];   /* projects, tasks: id -> object */
	long next_id;
	int requests;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= w;
	}
}

static void answer(int fd, int status, const char *ctype, const char *body,
		   const char *location)
{
	char head[512];
	size_t blen = body ? strlen(body) : 0;
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d X\r\nConnection: close\r\nContent-Length: %zu\r\n"
		     "%s%s%s%s%s\r\n", status, blen,
		     ctype ? "Content-Type: " : "", ctype ? ctype : "",
		     ctype ? "\r\n" : "",
		     location ? "Location: " : "", location ? location : "");
	if (location)
		n += snprintf(head + n - 2, sizeof(head) - n + 2, "\r\n\r\n") - 2;
	send_all(fd, head, n);
	if (blen)
		send_all(fd, body, blen);
}

static void answer_json(int fd, int status, json_t *v, const char *location)
{
	char *s = json_dumps(v, JSON_COMPACT);

	answer(fd, status, "application/json", s, location);
	free(s);
	json_decref(v);
}

static void problem(int fd, int status, const char *title)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"title\":\"%s\",\"status\":%d}", title, status);
	answer(fd, status, "application/problem+json", body, NULL);
}

/* 0 and the problem sent, or 1 when body is a valid input of kind. */
static int check_input(struct fake *f, int fd, int kind, const json_t *in)
{
	const char *names[2][2] = { { "name", NULL }, { "title", "project_id" } };

	if (!json_is_object(in)) {
		problem(fd, 400, "body must be an object");
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		const char *n = names[kind][i];
		json_t *v = n ? json_object_get(in, n) : NULL;
		char id[32];

		if (!n)
			continue;
		if (!v) {
			if (f->flaw == FLAW_500_ON_MISSING)
				answer(fd, 500, "text/plain", "oops", NULL);
			else
				problem(fd, 422, "missing property");
			return 0;
		}
		if (i == 0 ? !json_is_string(v) : !json_is_integer(v)) {
			problem(fd, 422, "wrong type");
			return 0;
		}
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(v));
		if (i == 1 && !json_object_get(f->store[0], id)) {
			problem(fd, 422, "no such project");
			return 0;
		}
	}
	if (kind == 1 && json_object_get(in, "done") &&
	    !json_is_boolean(json_object_get(in, "done"))) {
		problem(fd, 422, "wrong type");
		return 0;
	}
	return 1;
}

/* The stored form: the input, its id, and (tasks) a due date of null. */
static json_t *stored(int kind, json_t *in, long id)
{
	json_t *v = json_deep_copy(in);

	json_object_set_new(v, "id", json_integer(id));
	if (kind == 1)
		json_object_set_new(v, "due", json_null());
	return v;
}

static void handle(struct fake *f, int fd, const char *method, const char *path,
		   const char *body)
{
	static const char *const coll[2] = { "/projects", "/tasks" };
	json_t *in = NULL, *obj;
	const char *rest = NULL, *idp;
	char key[64], loc[96];
	int kind = -1;
	char *end;
	long id;

	if (!strcmp(path, "/health") && !strcmp(method, "GET")) {
		answer(fd, 200, "application/json", "{\"status\":\"ok\"}", NULL);
		return;
	}
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(coll[k]);

		if (!strncmp(path, coll[k], n) && (!path[n] || path[n] == '/')) {
			kind = k;
			rest = path + n;
		}
	}
	if (kind < 0) {
		problem(fd, 404, "no such path");
		return;
	}
	if (*body || !strcmp(method, "POST") || !strcmp(method, "PUT")) {
		in = json_loads(body, 0, NULL);
		if (!in) {
			problem(fd, 400, "body is not JSON");
			return;
		}
	}
	if (!*rest) {
		json_t *list;
		const char *k;

		if (!strcmp(method, "GET")) {
			list = json_array();
			json_object_foreach(f->store[kind], k, obj)
				json_array_append(list, obj);
			answer_json(fd, 200, list, NULL);
		} else if (!strcmp(method, "POST")) {
			if (check_input(f, fd, kind, in)) {
				id = f->next_id++;
				snprintf(key, sizeof(key), "%ld", id);
				obj = stored(kind, in, id);
				json_object_set(f->store[kind], key, obj);
				snprintf(loc, sizeof(loc), "%s/%ld", coll[kind], id);
				answer_json(fd, 201, obj, loc);
			}
		} else {
			problem(fd, 405, "method not allowed");
		}
		json_decref(in);
		return;
	}
	idp = rest + 1;
	id = strtol(idp, &end, 10);
	if (!*idp || *end) {
		problem(fd, 400, "id must be an integer");
		json_decref(in);
		return;
	}
	snprintf(key, sizeof(key), "%ld", id);
	obj = json_object_get(f->store[kind], key);
	if (!obj) {
		problem(fd, 404, "no such item");
	} else if (!strcmp(method, "GET")) {
		obj = json_deep_copy(obj);
		if (kind == 1 && f->flaw == FLAW_WRONG_TYPE)
			json_object_set_new(obj, "title", json_integer(42));
		answer_json(fd, 200, obj, NULL);
	} else if (!strcmp(method, "PUT")) {
		if (check_input(f, fd, kind, in)) {
			obj = stored(kind, in, id);
			json_object_set(f->store[kind], key, obj);
			answer_json(fd, 200, obj, NULL);
		}
	} else if (!strcmp(method, "DELETE")) {
		json_object_del(f->store[kind], key);
		answer(fd, 204, NULL, NULL, NULL);
	} else {
		problem(fd, 405, "method not allowed");
	}
	json_decref(in);
}

/* Read one request: head, then Content-Length bytes of body. */
static void serve_one(struct fake *f, int fd)
{
	char req[65536], method[16], path[1024];
	size_t len = 0, need = 0;
	char *head_end = NULL, *cl;
	ssize_t n;

	while (len + 1 < sizeof(req)) {
		n = read(fd, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		req[len] = '\0';
		if (!head_end && (head_end = strstr(req, "\r\n\r\n"))) {
			cl = strcasestr(req, "\r\nContent-Length:");
			need = (head_end - req) + 4 +
				(cl && cl < head_end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (head_end && len >= need)
			break;
	}
	req[len] = '\0';
	if (!head_end || sscanf(req, "%15s %1023s", method, path) != 2) {
		problem(fd, 400, "bad request");
		return;
	}
	f->requests++;
	handle(f, fd, method, path, head_end + 4);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	int fd;

	while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
		serve_one(f, fd);
		close(fd);
	}
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		printf("Bail out! cannot listen: %s\n", strerror(errno));
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void fake_start(struct fake *f, enum flaw flaw)
{
	memset(f, 0, sizeof(*f));
	f->flaw = flaw;
	f->next_id = 1;
	f->store[0] = json_object();
	f->store[1] = json_object();
	f->lfd = listen_any(&f->port);
	if (pthread_create(&f->thread, NULL, serve, f)) {
		printf("Bail out! cannot start the server thread\n");
		exit(1);
	}
}

static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->thread, NULL);
	close(f->lfd);
	json_decref(f->store[0]);
	json_decref(f->store[1]);
}

/* ---- scenarios ---- */

/* One line per case: "kind METHOD what ok|FAIL". */
static char *summary(const json_t *cases)
{
	struct buf b = BUF_INIT;
	size_t i;
	json_t *c;

	json_array_foreach(cases, i, c)
		buf_addf(&b, "%s %s %s %s\n",
			 json_string_value(json_object_get(c, "kind")),
			 json_string_value(json_object_get(c, "method")),
			 json_string_value(json_object_get(c, "what")),
			 json_is_true(json_object_get(c, "ok")) ? "ok" : "FAIL");
	return buf_detach(&b, NULL);
}

static const char expect_all_ok[] =
	"valid POST valid request ok\n"
	"invalid POST body is not JSON ok\n"
	"invalid POST body is an array, not an object ok\n"
	"invalid POST missing required property name ok\n"
	"invalid POST property name has the wrong type ok\n"
	"valid POST valid request ok\n"
	"invalid POST body is not JSON ok\n"
	"invalid POST body is an array, not an object ok\n"
	"invalid POST missing required property title ok\n"
	"invalid POST missing required property project_id ok\n"
	"invalid POST property title has the wrong type ok\n"
	"valid GET valid request ok\n"
	"valid GET valid request ok\n"
	"valid GET valid request ok\n"
	"invalid GET id abc is not an integer ok\n"
	"invalid GET id 999999999 does not exist ok\n"
	"valid PUT valid request ok\n"
	"invalid PUT body is not JSON ok\n"
	"invalid PUT body is an array, not an object ok\n"
	"invalid PUT missing required property title ok\n"
	"invalid PUT missing required property project_id ok\n"
	"invalid PUT property title has the wrong type ok\n"
	"invalid PUT id abc is not an integer ok\n"
	"invalid PUT id 999999999 does not exist ok\n"
	"valid GET valid request ok\n"
	"invalid GET id abc is not an integer ok\n"
	"invalid GET id 999999999 does not exist ok\n"
	"valid DELETE valid request ok\n"
	"invalid DELETE id abc is not an integer ok\n"
	"invalid DELETE id 999999999 does not exist ok\n"
	"valid DELETE valid request ok\n"
	"invalid DELETE id abc is not an integer ok\n"
	"invalid DELETE id 999999999 does not exist ok\n";

static const char *field(const json_t *cases, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(cases, i), key));
}

/* The failed cases as "operation what: problem" lines. */
static char *failures(const json_t *cases)
{
	struct buf b = BUF_INIT;
	size_t i;
	json_t *c;

	json_array_foreach(cases, i, c)
		if (!json_is_true(json_object_get(c, "ok")))
			buf_addf(&b, "%s %s: %s\n", field(cases, i, "operation"),
				 field(cases, i, "what"), field(cases, i, "problem"));
	return buf_detach(&b, NULL);
}

static int run_against(struct fake *f, const json_t *doc, json_t *cases)
{
	struct probe_opts o = PROBE_OPTS_INIT;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", f->port);
	o.base_url = url;
	o.timeout_ms = 5000;
	return probe_run(doc, &o, cases);
}

static void test_all_correct(const json_t *doc)
{
	struct fake f;
	json_t *cases = json_array();
	char *s;
	int rc;

	fake_start(&f, FLAW_NONE);
	rc = run_against(&f, doc, cases);
	is_int(rc, 0, "a correct server: no failed cases");
	s = summary(cases);
	is_str(s, expect_all_ok, "a correct server: the cases in order");
	free(s);
	is_str(field(cases, 0, "operation"), "createProject", "projects are created first");
	is_str(field(cases, 0, "path"), "/projects", "create path");
	is_str(field(cases, 5, "operation"), "createTask", "then tasks, which refer to them");
	is_str(field(cases, 13, "path"), "/tasks/2", "the task's id fills its item path");
	is_str(field(cases, 14, "path"), "/tasks/abc", "the non-integer id is sent");
	is_str(field(cases, 24, "path"), "/projects/1", "the project's id fills its path");
	is_int(json_integer_value(json_object_get(json_array_get(cases, 0), "status")),
	       201, "the status is recorded");
	ok(json_is_null(json_object_get(json_array_get(cases, 0), "problem")),
	   "no problem on a passing case");
	ok(!json_object_get(json_array_get(cases, 13), "schema_unchecked"),
	   "the OpenAPI 3.0 response schema could be checked");
	ok(json_is_integer(json_object_get(json_array_get(cases, 1), "duration_ms")),
	   "a duration is recorded");
	is_int(json_object_size(f.store[0]) + json_object_size(f.store[1]), 0,
	       "the deletes removed everything that was created");
	fake_stop(&f);
	json_decref(cases);
}

static void test_wrong_type(const json_t *doc)
{
	struct fake f;
	json_t *cases = json_array();
	char *s;

	fake_start(&f, FLAW_WRONG_TYPE);
	is_int(run_against(&f, doc, cases), 1, "GET item with a wrong type: one failure");
	s = failures(cases);
	is_str(s, "getTask valid request: response body /title: expected a string, "
	       "got a number\n", "the failing case names the field");
	free(s);
	is_int((long long)json_array_size(cases), 33, "all cases still ran");
	fake_stop(&f);
	json_decref(cases);
}

static void test_500_on_missing(const json_t *doc)
{
	struct fake f;
	json_t *cases = json_array();
	char *s;

	fake_start(&f, FLAW_500_ON_MISSING);
	is_int(run_against(&f, doc, cases), 5, "500 on a missing property: five failures");
	s = failures(cases);
	is_str(s,
	       "createProject missing required property name: status 500\n"
	       "createTask missing required property title: status 500\n"
	       "createTask missing required property project_id: status 500\n"
	       "updateTask missing required property title: status 500\n"
	       "updateTask missing required property project_id: status 500\n",
	       "exactly the missing-property cases fail");
	free(s);
	fake_stop(&f);
	json_decref(cases);
}

static int closed_port(void)
{
	int port, fd = listen_any(&port);

	close(fd);
	return port;
}

static void test_unreachable(const json_t *doc)
{
	struct probe_opts o = PROBE_OPTS_INIT;
	json_t *cases = json_array();
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	o.base_url = url;
	is_int(probe_run(doc, &o, cases), -1, "nothing listening: -1");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "nothing listening: UNAVAILABLE");
	ok(strstr(ak_errmsg(), url) != NULL, "the message names the URL: %s", ak_errmsg());
	is_int((long long)json_array_size(cases), 0, "no cases recorded");
	json_decref(cases);
}

static void test_skips_and_limits(void)
{
	const char *text =
		"{\"openapi\": \"3.1.0\", \"paths\": {"
		" \"/things/{slug}\": {\"get\": {\"parameters\": [{\"name\": \"slug\","
		"  \"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"string\"}}],"
		"  \"responses\": {\"200\": {\"description\": \"x\"}}}},"
		" \"/health\": {\"get\": {\"responses\": {\"200\": {\"description\": \"up\","
		"  \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\","
		"   \"patternProperties\": {\"^a\": {}}}}}}}}}}}";
	json_t *doc = json_loads(text, 0, NULL), *cases = json_array();
	struct fake f;
	struct probe_opts o = PROBE_OPTS_INIT;
	char url[64], *s;

	fake_start(&f, FLAW_NONE);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	o.base_url = url;
	is_int(probe_run(doc, &o, cases), 0, "skips and unchecked schemas are no failures");
	s = summary(cases);
	is_str(s, "valid GET valid request ok\nvalid GET valid request ok\n",
	       "one case per operation");
	free(s);
	is_str(field(cases, 0, "operation"), "GET /things/{slug}", "no operationId: METHOD /path");
	is_str(field(cases, 0, "skipped"), "cannot fill path parameter slug", "skip reason");
	ok(field(cases, 1, "schema_unchecked") != NULL, "unchecked schema: %s",
	   field(cases, 1, "schema_unchecked"));
	json_array_clear(cases);

	o.max_body = 5;
	is_int(probe_run(doc, &o, cases), 1, "a body over the cap fails its case");
	is_str(field(cases, 1, "problem"), "response body larger than 5 bytes",
	       "the cap is named");
	fake_stop(&f);
	json_decref(cases);
	json_decref(doc);
}

/* ---- service and health ---- */

static void wait_gone(struct service *s)
{
	struct timespec ms10 = { 0, 10000000L };

	for (int i = 0; i < 500 && service_alive(s); i++)
		nanosleep(&ms10, NULL);
}

static void test_service(void)
{
	const char *sleep_argv[] = { "sleep", "30", NULL };
	const char *missing_argv[] = { "/nonexistent/program", NULL };
	const char *sh_argv[] = { "/bin/sh", "-c", "echo \"$GREETING\" in \"$(pwd)\"; exit 3", NULL };
	const char *env[] = { "GREETING=hello", NULL };
	char log[] = "/tmp/u-probe-log.XXXXXX";
	struct service s;
	struct buf b = BUF_INIT;
	int st, fd;

	is_int(service_start(&s, sleep_argv, NULL, NULL, NULL), 0, "start sleep 30");
	ok(s.pid > 0 && getpgid(s.pid) == s.pid, "in a process group of its own");
	is_int(service_alive(&s), 1, "it is alive");
	st = service_stop(&s, 2000);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "stopped by SIGTERM");
	is_int(service_alive(&s), 0, "not alive after stop");
	is_int(service_stop(&s, 2000), 0, "a second stop does nothing");

	is_int(service_start(&s, missing_argv, NULL, NULL, NULL), -1,
	       "a missing program does not start");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "missing: UNAVAILABLE");
	is_str(ak_errmsg(), "cannot run '/nonexistent/program': No such file or directory",
	       "missing: message");
	is_int(service_stop(&s, 100), 0, "stopping a service that never ran");

	fd = mkstemp(log);
	close(fd);
	is_int(service_start(&s, sh_argv, "/tmp", env, log), 0, "start a shell");
	wait_gone(&s);
	is_int(service_alive(&s), 0, "it exits by itself");
	st = service_stop(&s, 100);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 3, "its exit status comes back");
	buf_read_file(&b, log);
	is_str(b.p, "hello in /tmp\n", "environment, cwd and output in the log");
	buf_release(&b);
	unlink(log);
}

static void test_health(void)
{
	const char *sh_argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	struct service s;
	struct fake f;
	char url[64], want[160];

	fake_start(&f, FLAW_NONE);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	is_int(probe_wait_health(url, "/health", 2000, 0), 0, "a healthy server");
	is_int(probe_wait_health(url, "/nowhere", 300, 0), -1, "a 404 is not healthy");
	fake_stop(&f);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	is_int(probe_wait_health(url, "/health", 300, 0), -1, "nothing listening");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "nothing listening: UNAVAILABLE");
	snprintf(want, sizeof(want), "no healthy answer from %s/health within 300 ms", url);
	is_str(ak_errmsg(), want, "nothing listening: message");

	service_start(&s, sh_argv, NULL, NULL, NULL);
	wait_gone(&s);
	is_int(probe_wait_health(url, "/health", 60000, s.pid), -1,
	       "a process that exited stops the wait");
	ok(strstr(ak_errmsg(), "exited") != NULL, "and says so: %s", ak_errmsg());
	is_int(service_alive(&s), 0, "the wait did not reap it");
	service_stop(&s, 100);
}

int main(void)
{
	json_error_t err;
	json_t *doc = json_loads(doc_text, 0, &err);

	if (!doc) {
		printf("Bail out! test document: %s at %d\n", err.text, err.line);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	test_all_correct(doc);
	test_wrong_type(doc);
	test_500_on_missing(doc);
	test_unreachable(doc);
	test_skips_and_limits();
	test_service();
	test_health();
	json_decref(doc);
	return done_testing();
}
