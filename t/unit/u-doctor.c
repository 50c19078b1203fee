/*
 * u-doctor.c - unit tests of lib/doctor.c: the parsers and the report, then
 * each kind of check against real things: stand-in programs on a PATH of
 * the test's own, configuration files, SQLite stores, an HTTP server on a
 * loopback port (t/unit/httpd.h) and librdkafka's mock cluster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "doctor.h"
#include "error.h"
#include "kafka.h"
#include "store.h"
#include "tap.h"
#include "httpd.h"
#include "banned.h"

static char tmp[256];

/* The model server and Prometheus of the tests, by path. */
static int handle(const char *target, struct buf *out)
{
	static const char models[] =
		"{\"object\":\"list\",\"data\":[{\"id\":\"small\"},{\"id\":\"large\"}]}";

	if (!strcmp(target, "/v1/models"))
		reply(out, 200, models, strlen(models), NULL);
	else if (!strcmp(target, "/deny/v1/models"))
		reply(out, 401, "{}", 2, NULL);
	else if (!strcmp(target, "/-/ready"))
		reply(out, 200, "Prometheus Server is Ready.\n", 28, NULL);
	else if (!strcmp(target, "/starting/-/ready"))
		reply(out, 503, "Service Unavailable", 19, NULL);
	else
		reply(out, 404, "no", 2, NULL);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	chmod(path, mode);
}

static struct doctor_result run_check(const struct doctor_env *env, const char *name)
{
	struct doctor_result r;
	int i = doctor_find(name);

	if (i < 0) {
		printf("Bail out! no check %s\n", name);
		exit(1);
	}
	doctor_check(env, (size_t)i, &r);
	return r;
}

static void test_parsers(void)
{
	long ms = 42;
	char v[64];

	ok(doctor_parse_timeout("1s", &ms) == 0 && ms == 1000, "1s is 1000 ms");
	ok(doctor_parse_timeout("250ms", &ms) == 0 && ms == 250, "250ms");
	ok(doctor_parse_timeout("2", &ms) == 0 && ms == 2000, "a bare number is seconds");
	ok(doctor_parse_timeout("1.5s", &ms) == 0 && ms == 1500, "1.5s");
	ok(doctor_parse_timeout("1m", &ms) == 0 && ms == 60000, "1m");
	ms = 42;
	ok(doctor_parse_timeout("soon", &ms) < 0 && ak_errcode() == AK_EXIT_USAGE && ms == 42,
	   "a timeout that is not one is a usage error, the value unchanged");
	is_str(ak_errmsg(), "bad timeout 'soon' (N, Ns, Nms or Nm)", "and says so");
	ok(doctor_parse_timeout("0", &ms) < 0 && ms == 42, "0 is refused");
	ok(doctor_parse_timeout("2h", &ms) < 0 && ms == 42, "so is an unknown unit");

	doctor_version_in("nginx version: nginx/1.22.1\n", v, sizeof(v));
	is_str(v, "1.22.1", "nginx -v");
	doctor_version_in("jq-1.6\n", v, sizeof(v));
	is_str(v, "1.6", "jq --version");
	doctor_version_in("v20.11.0\n", v, sizeof(v));
	is_str(v, "20.11.0", "node --version");
	doctor_version_in("kcat - Apache Kafka producer\nCopyright (c) 2014-2021\nVersion 1.7.1 (JSON)\n",
			  v, sizeof(v));
	is_str(v, "1.7.1", "kcat -V: past a year range");
	doctor_version_in("prometheus, version 2.42.0+ds (branch: debian)", v, sizeof(v));
	is_str(v, "2.42.0+ds", "prometheus --version");
	ok(!doctor_version_in("no digits here, 3 or 4\n", v, sizeof(v)) && !*v,
	   "no version: 0 and an empty string");

	is_int(doctor_disk_status(10ull << 30, 100ull << 30), DOCTOR_OK, "10 GiB of 100 is ok");
	is_int(doctor_disk_status(4ull << 30, 100ull << 30), DOCTOR_WARN, "4%% free warns");
	is_int(doctor_disk_status(512ull << 20, 1ull << 30), DOCTOR_WARN, "under 1 GiB warns");
}

static void test_report(void)
{
	struct doctor_result r[3] = {
		{ "store", DOCTOR_OK, "sqlite ./agentkit.db, schema 5 (current), 3 events", "" },
		{ "kafka", DOCTOR_FAIL, "cannot reach 127.0.0.1:9092 within 5s",
		  "start the brokers or set kafka.brokers (agentctl config)" },
		{ "nginx.url", DOCTOR_SKIP, "not configured (doctor.nginx_url)", "" },
	};
	char *s;
	json_t *j;

	s = doctor_format(r, 3, 0, 0);
	is_str(s,
	       "ok   store           sqlite ./agentkit.db, schema 5 (current), 3 events\n"
	       "fail kafka           cannot reach 127.0.0.1:9092 within 5s\n"
	       "     fix: start the brokers or set kafka.brokers (agentctl config)\n"
	       "skip nginx.url       not configured (doctor.nginx_url)\n",
	       "the report: aligned columns, the fix under its check");
	free(s);
	s = doctor_format(r, 3, 1, 0);
	is_str(s,
	       "fail kafka           cannot reach 127.0.0.1:9092 within 5s\n"
	       "     fix: start the brokers or set kafka.brokers (agentctl config)\n",
	       "quiet: only what warns or fails");
	free(s);
	s = doctor_format(r, 1, 0, 1);
	is_str(s, "\033[32mok\033[0m   store           sqlite ./agentkit.db, schema 5 (current), "
	       "3 events\n", "colour: the status word only, the columns kept");
	free(s);
	s = doctor_format(r, 3, 1, 0);
	free(s);
	s = doctor_format(r + 2, 1, 1, 0);
	is_str(s, "", "quiet with nothing to say: nothing");
	free(s);

	j = doctor_json(r, 3, 0);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	is_str(s,
	       "[{\"check\":\"store\",\"status\":\"ok\",\"detail\":\"sqlite ./agentkit.db, schema 5 "
	       "(current), 3 events\",\"fix\":null},{\"check\":\"kafka\",\"status\":\"fail\","
	       "\"detail\":\"cannot reach 127.0.0.1:9092 within 5s\",\"fix\":\"start the brokers "
	       "or set kafka.brokers (agentctl config)\"},{\"check\":\"nginx.url\",\"status\":"
	       "\"skip\",\"detail\":\"not configured (doctor.nginx_url)\",\"fix\":null}]",
	       "JSON: an array of {check, status, detail, fix}");
	free(s);
	json_decref(j);

	ok(doctor_find("store") >= 0 && doctor_find("kafka") >= 0 && doctor_find("disk") >= 0 &&
	   doctor_find("nope") == -1, "checks are found by name");
	for (size_t i = 0; i < doctor_count(); i++)
		if (doctor_find(doctor_name(i)) != (int)i)
			ok(0, "check %zu has a name of its own", i);
}

static void test_programs(void)
{
	struct doctor_env env = { 0 };
	struct config *cfg = config_new();
	char bin[300], agents[300], path[400], want[600];
	struct doctor_result r;

	env.cfg = cfg;
	env.timeout_ms = 5000;
	snprintf(bin, sizeof(bin), "%s/bin", tmp);
	snprintf(agents, sizeof(agents), "%s/agents", tmp);
	mkdir(bin, 0755);
	mkdir(agents, 0755);
	snprintf(path, sizeof(path), "%s/nginx", bin);
	write_file(path, "#!/bin/sh\necho 'nginx version: nginx/1.22.1' >&2\n", 0755);
	snprintf(path, sizeof(path), "%s/python3", bin);
	write_file(path, "#!/bin/sh\necho '3.11.2 uvicorn pytest'\n", 0755);
	snprintf(path, sizeof(path), "%s/tofu", bin);
	write_file(path, "#!/bin/sh\necho 'OpenTofu v1.6.2'\necho 'on linux_amd64'\n", 0755);
	setenv("PATH", bin, 1);

	r = run_check(&env, "nginx");
	snprintf(want, sizeof(want), "nginx 1.22.1 at %s/nginx", bin);
	ok(r.status == DOCTOR_OK && !*r.fix, "a program on PATH is ok");
	is_str(r.detail, want, "with its version and path");
	r = run_check(&env, "terraform");
	snprintf(want, sizeof(want), "tofu 1.6.2 at %s/tofu", bin);
	is_str(r.detail, want, "terraform: tofu does as well");
	r = run_check(&env, "kcat");
	ok(r.status == DOCTOR_WARN, "an optional program missing warns");
	is_str(r.detail, "kcat is not on PATH", "and says where it looked");
	is_str(r.fix, "apt-get install kcat", "the fix names the Debian package");
	r = run_check(&env, "chromium");
	is_str(r.detail, "neither chromium nor chromium-browser is on PATH",
	       "alternatives are named together");
	config_set(cfg, "tf.bin", "terraform", CONFIG_FLAG, "test");
	r = run_check(&env, "terraform");
	ok(r.status == DOCTOR_WARN && strstr(r.detail, "tf.bin 'terraform'"),
	   "tf.bin names the only program looked for");

	r = run_check(&env, "python3");
	ok(r.status == DOCTOR_FAIL, "python3 without its modules fails");
	snprintf(want, sizeof(want), "python3 3.11.2 at %s/python3 cannot import uvicorn, pytest", bin);
	is_str(r.detail, want, "naming the modules");
	is_str(r.fix, "apt-get install python3-uvicorn python3-pytest", "and their packages");
	snprintf(path, sizeof(path), "%s/python3", bin);
	write_file(path, "#!/bin/sh\necho '3.11.2 '\n", 0755);
	r = run_check(&env, "python3");
	ok(r.status == DOCTOR_OK, "python3 importing all is ok");
	write_file(path, "#!/bin/sh\nexit 3\n", 0755);
	r = run_check(&env, "python3");
	ok(r.status == DOCTOR_FAIL && strstr(r.detail, "exited with status 3"),
	   "python3 that cannot run the probe fails");
	env.timeout_ms = 200;
	write_file(path, "#!/bin/sh\nexec /bin/sleep 30\n", 0755);
	r = run_check(&env, "python3");
	ok(r.status == DOCTOR_FAIL && strstr(r.detail, "timeout after 200 ms"),
	   "a program that hangs is given up on: %s", r.detail);
	env.timeout_ms = 5000;
	unlink(path);
	r = run_check(&env, "python3");
	ok(r.status == DOCTOR_FAIL && !strcmp(r.detail, "python3 is not on PATH"),
	   "no python3 at all fails");

	static const char *const names[] = { "agent-analyze", "agent-backend", "agent-frontend",
		"agent-app", "agent-integrate", "agent-test", "agent-secscan" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s", agents, names[i]);
		write_file(path, "#!/bin/sh\n", 0755);
	}
	env.self_dir = agents;
	r = run_check(&env, "agents");
	ok(r.status == DOCTOR_FAIL, "a missing agent fails");
	is_str(r.detail, "not found next to agentctl nor on PATH: agent-deploy", "and is named");
	snprintf(path, sizeof(path), "%s/agent-deploy", bin);
	write_file(path, "#!/bin/sh\n", 0755);
	r = run_check(&env, "agents");
	snprintf(want, sizeof(want), "7 agents next to agentctl in %s, 1 on PATH", agents);
	is_str(r.detail, want, "one found on PATH will do");
	snprintf(path, sizeof(path), "%s/agent-deploy", agents);
	write_file(path, "#!/bin/sh\n", 0755);
	r = run_check(&env, "agents");
	snprintf(want, sizeof(want), "8 agents next to agentctl in %s", agents);
	ok(r.status == DOCTOR_OK, "all eight beside agentctl are ok");
	is_str(r.detail, want, "and say where");
	config_free(cfg);
}

static void test_config(void)
{
	char xdg[300], dir[320], file[400], want[800], *envp[3];
	char xdgvar[320];
	struct doctor_env env = { 0 };
	struct config *cfg = config_new();
	struct doctor_result r;

	snprintf(xdg, sizeof(xdg), "%s/xdg", tmp);
	snprintf(dir, sizeof(dir), "%s/agentkit", xdg);
	mkdir(xdg, 0700);
	mkdir(dir, 0700);
	snprintf(file, sizeof(file), "%s/config.yaml", dir);
	snprintf(xdgvar, sizeof(xdgvar), "XDG_CONFIG_HOME=%s", xdg);
	envp[0] = xdgvar;
	envp[1] = NULL;
	env.cfg = cfg;
	env.envp = envp;

	r = run_check(&env, "config");
	ok(r.status == DOCTOR_OK, "no files is ok");
	is_str(r.detail, "no configuration files: defaults and environment", "and says so");

	write_file(file, "serve:\n  jwt:\n    secret: 0123456789abcdef0123456789abcdef\n", 0644);
	r = run_check(&env, "config");
	ok(r.status == DOCTOR_WARN, "a secret in a file others can read warns");
	snprintf(want, sizeof(want), "'%s' holds serve.jwt.secret and is readable by others "
		 "(mode 644)", file);
	is_str(r.detail, want, "naming the file, the key and the mode");
	snprintf(want, sizeof(want), "chmod 600 %s", file);
	is_str(r.fix, want, "the fix is a chmod");
	chmod(file, 0600);
	r = run_check(&env, "config");
	snprintf(want, sizeof(want), "1 file read: %s", file);
	ok(r.status == DOCTOR_OK, "mode 600 is ok");
	is_str(r.detail, want, "and the file is listed");

	write_file(file, "llm:\n  urll: http://x\nengine: rules\n", 0644);
	r = run_check(&env, "config");
	snprintf(want, sizeof(want), "'%s' sets unknown keys: llm.urll", file);
	ok(r.status == DOCTOR_WARN, "an unknown key warns");
	is_str(r.detail, want, "naming it");

	write_file(file, "llm: [\n", 0644);
	r = run_check(&env, "config");
	ok(r.status == DOCTOR_FAIL, "a file that does not parse fails");
	snprintf(want, sizeof(want), "%s:2:", file);
	ok(!strncmp(r.detail, want, strlen(want)), "with file and line: %s", r.detail);

	unlink(file);
	config_set(cfg, "engine", "magic", CONFIG_FLAG, "--engine");
	r = run_check(&env, "config");
	ok(r.status == DOCTOR_FAIL, "a bad value fails");
	is_str(r.detail, "engine 'magic' is not rules or llm", "and is named");
	config_free(cfg);
}

static void test_store(void)
{
	struct doctor_env env = { 0 };
	struct config *cfg = config_new();
	struct store_opts so = STORE_OPTS_INIT;
	char db[300], want[1024], notdir[300], inside[400];
	const char ev[] = "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"t\",\"type\":\"x.y\","
			  "\"subject\":\"f\",\"data\":{}}\n";
	struct doctor_result r;
	struct store *s;
	struct stat st;
	uint64_t n;

	env.cfg = cfg;
	snprintf(db, sizeof(db), "%s/events.db", tmp);
	env.store = db;
	r = run_check(&env, "store");
	snprintf(want, sizeof(want), "sqlite %s not made yet (the first agentctl record makes it)", db);
	ok(r.status == DOCTOR_OK, "no store yet in a writable folder is ok");
	is_str(r.detail, want, "and says so");
	ok(stat(db, &st) < 0, "and the check made no file");

	s = store_open(db, NULL);
	ok(s && store_append_lines(s, ev, strlen(ev), &n) == 0, "a store with an event");
	store_close(s);
	r = run_check(&env, "store");
	snprintf(want, sizeof(want), "sqlite %s, schema %d (current), 1 event", db,
		 STORE_SCHEMA_VERSION);
	ok(r.status == DOCTOR_OK, "a current store is ok");
	is_str(r.detail, want, "with its schema and count");

	snprintf(db, sizeof(db), "%s/old.db", tmp);
	so.migrate_to = 3;
	store_close(store_open(db, &so));
	r = run_check(&env, "store");
	snprintf(want, sizeof(want), "sqlite %s, schema 3 (behind %d), 0 events", db,
		 STORE_SCHEMA_VERSION);
	ok(r.status == DOCTOR_WARN, "a store behind warns");
	is_str(r.detail, want, "saying how far");
	is_str(r.fix, "agentctl store migrate", "the fix is the migrate verb");

	snprintf(notdir, sizeof(notdir), "%s/plain", tmp);
	write_file(notdir, "", 0644);
	snprintf(inside, sizeof(inside), "%s/agentkit.db", notdir);
	env.store = inside;
	r = run_check(&env, "store");
	snprintf(want, sizeof(want), "sqlite %s: '%s' is not a directory", inside, notdir);
	ok(r.status == DOCTOR_FAIL, "a store where a file stands for the folder fails");
	is_str(r.detail, want, "and says why");

	env.store = notdir;
	write_file(notdir, "this is not a database, just text that is long enough to matter\n",
		   0644);
	r = run_check(&env, "store");
	ok(r.status == DOCTOR_FAIL, "a file that is not a database fails: %s", r.detail);

	env.store = inside;
	r = run_check(&env, "disk");
	ok(r.status == DOCTOR_OK || r.status == DOCTOR_WARN, "disk looks at the nearest folder");
	ok(strstr(r.detail, " free (") != NULL, "and says how much is free: %s", r.detail);
	config_free(cfg);
}

static void test_http(void)
{
	struct doctor_env env = { 0 };
	struct config *cfg = config_new();
	char url[200], want[400];
	struct doctor_result r;

	env.cfg = cfg;
	env.timeout_ms = 2000;
	r = run_check(&env, "llm");
	ok(r.status == DOCTOR_OK, "no llm.url is ok");
	is_str(r.detail, "rules engine only (llm.url not set)", "the rules engine needs nothing");
	config_set(cfg, "engine", "llm", CONFIG_FLAG, "test");
	r = run_check(&env, "llm");
	ok(r.status == DOCTOR_FAIL, "engine llm with no server and no key fails");

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", srv_port);
	config_set(cfg, "llm.url", url, CONFIG_FLAG, "test");
	config_set(cfg, "llm.model", "large", CONFIG_FLAG, "test");
	r = run_check(&env, "llm");
	snprintf(want, sizeof(want), "openai API at %s serves model 'large'", url);
	ok(r.status == DOCTOR_OK, "a listed model is ok");
	is_str(r.detail, want, "and named");
	config_set(cfg, "llm.model", "huge", CONFIG_FLAG, "test");
	r = run_check(&env, "llm");
	ok(r.status == DOCTOR_WARN, "a model the server does not list warns");
	snprintf(want, sizeof(want), "model 'huge' is not among the 2 models %s/models lists", url);
	is_str(r.detail, want, "with the count");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/deny/v1/chat/completions", srv_port);
	config_set(cfg, "llm.url", url, CONFIG_FLAG, "test");
	r = run_check(&env, "llm");
	ok(r.status == DOCTOR_FAIL, "401 fails");
	snprintf(want, sizeof(want), "the key was refused: http://127.0.0.1:%d/deny/v1/models "
		 "answered HTTP 401", srv_port);
	is_str(r.detail, want, "the models URL sits beside the chat endpoint");
	is_str(r.fix, "set llm.key or AGENTKIT_LLM_KEY", "the fix names the key");
	config_set(cfg, "llm.url", "http://127.0.0.1:1/v1", CONFIG_FLAG, "test");
	r = run_check(&env, "llm");
	is_str(r.detail, "cannot reach http://127.0.0.1:1/v1/models: cannot connect",
	       "no server: the same words every time");

	r = run_check(&env, "prometheus.url");
	ok(r.status == DOCTOR_SKIP, "prometheus not configured: skipped");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv_port);
	config_set(cfg, "doctor.prometheus_url", url, CONFIG_FLAG, "test");
	r = run_check(&env, "prometheus.url");
	ok(r.status == DOCTOR_OK, "a ready Prometheus is ok: %s", r.detail);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/starting", srv_port);
	config_set(cfg, "doctor.prometheus_url", url, CONFIG_FLAG, "test");
	r = run_check(&env, "prometheus.url");
	snprintf(want, sizeof(want), "%s/-/ready answered HTTP 503: not ready", url);
	ok(r.status == DOCTOR_FAIL, "one that is not ready fails");
	is_str(r.detail, want, "with the status");
	config_set(cfg, "doctor.nginx_url", url, CONFIG_FLAG, "test");
	r = run_check(&env, "nginx.url");
	ok(r.status == DOCTOR_OK && strstr(r.detail, "(HTTP 404)"), "nginx: any answer is ok");
	config_free(cfg);
}

static void test_kafka(void)
{
	static const char *const topics[] = { "agentkit.a", "agentkit.b:2", "other", NULL };
	struct doctor_env env = { 0 };
	struct config *cfg = config_new();
	struct kafka_mock *m = kafka_mock_new(2, topics);
	struct doctor_result r;

	env.cfg = cfg;
	env.timeout_ms = 5000;
	r = run_check(&env, "kafka");
	ok(r.status == DOCTOR_SKIP, "no brokers: skipped");
	is_str(r.detail, "not configured (kafka.brokers)", "and says which key");
	ok(m != NULL, "a mock cluster");
	if (m) {
		config_set(cfg, "kafka.brokers", kafka_mock_bootstrap(m), CONFIG_FLAG, "test");
		r = run_check(&env, "kafka");
		ok(r.status == DOCTOR_OK, "the mock cluster answers");
		is_str(r.detail, "2 brokers, 2 topics under 'agentkit.'", "brokers and topics counted");
		config_set(cfg, "kafka.topic_prefix", "oth", CONFIG_FLAG, "test");
		r = run_check(&env, "kafka");
		is_str(r.detail, "2 brokers, 1 topic under 'oth'", "under the configured prefix");
	}
	config_set(cfg, "kafka.brokers", "127.0.0.1:1", CONFIG_FLAG, "test");
	env.timeout_ms = 300;
	r = run_check(&env, "kafka");
	ok(r.status == DOCTOR_FAIL, "nothing listening fails");
	is_str(r.detail, "cannot reach 127.0.0.1:1 within 300ms", "within the timeout");
	is_str(r.fix, "start the brokers or set kafka.brokers (agentctl config)", "with the fix");
	kafka_mock_free(m);
	config_free(cfg);
}

static void test_run(void)
{
	struct doctor_env env = { 0 };
	struct config *cfg = config_new();
	struct doctor_result *res = calloc(doctor_count(), sizeof(*res));
	char db[300];
	enum doctor_status worst;

	snprintf(db, sizeof(db), "%s/events.db", tmp);
	env.cfg = cfg;
	env.store = db;
	env.timeout_ms = 300;
	config_set(cfg, "kafka.brokers", "127.0.0.1:1", CONFIG_FLAG, "test");
	worst = doctor_run(&env, res);
	is_int(worst, DOCTOR_FAIL, "doctor_run gives the worst status");
	for (size_t i = 0; i < doctor_count(); i++)
		if (strcmp(res[i].check, doctor_name(i)))
			ok(0, "result %zu is check %s", i, doctor_name(i));
	ok(res[doctor_find("kafka")].status == DOCTOR_FAIL &&
	   res[doctor_find("store")].status == DOCTOR_OK, "each result in its place");
	free(res);
	config_free(cfg);
}

int main(void)
{
	char cmd[300];

	snprintf(tmp, sizeof(tmp), "%s/u-doctor.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		printf("Bail out! cannot make a temporary folder\n");
		return 1;
	}
	server_start();
	test_parsers();
	test_report();
	test_config();
	test_store();
	test_http();
	test_kafka();
	test_run();
	test_programs();
	server_stop();
	snprintf(cmd, sizeof(cmd), "/bin/rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return done_testing();
}
