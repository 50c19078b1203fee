/*
 * u-monitor.c - unit tests for lib/monitor: the check file (good files,
 * defaults, and each kind of mistake with its message), the transitions
 * of an alert, the events, the state kept in a SQLite store across runs,
 * the textfile and its atomic write, the run lock, and the probes that
 * need no server (disk, a closed port, a spent time budget).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "error.h"
#include "event.h"
#include "store.h"
#include "monitor/checks.h"
#include "monitor/probe.h"
#include "monitor/runlock.h"
#include "monitor/state.h"
#include "monitor/textfile.h"
#include "tap.h"

static const char good_yaml[] =
	"defaults:\n"
	"  timeout: 2s\n"
	"  for: 3\n"
	"checks:\n"
	"  - name: api-health\n"
	"    http: http://127.0.0.1:8080/health\n"
	"    status: 204\n"
	"    contains: '\"ok\"'\n"
	"    timeout: 500ms\n"
	"  - name: error-rate\n"
	"    prometheus: http://127.0.0.1:9090\n"
	"    query: sum(rate(x[5m]))\n"
	"    above: 0.01\n"
	"    for: 1\n"
	"  - name: cert\n"
	"    tls: example.com:443\n"
	"    servername: www.example.com\n"
	"  - name: disk.var_lib\n"
	"    disk: /var/lib\n"
	"    free_mb: 512\n";

static void test_good(void)
{
	struct monitor_checks l = MONITOR_CHECKS_INIT;
	const struct monitor_check *c;

	if (!is_int(monitor_checks_parse(good_yaml, strlen(good_yaml), "m.yaml", &l), 0,
		    "a good file parses")) {
		printf("# %s\n", ak_errmsg());
		return;
	}
	is_int((long long)l.n, 4, "four checks");
	c = &l.v[0];
	is_str(c->name, "api-health", "http: name");
	is_str(monitor_kind_name(c->kind), "http", "http: kind");
	is_str(c->target, "http://127.0.0.1:8080/health", "http: target");
	is_int(c->status, 204, "http: status");
	is_str(c->contains, "\"ok\"", "http: contains");
	is_int(c->timeout_ms, 500, "http: its own timeout");
	is_int(c->for_runs, 3, "http: for from the defaults");
	c = &l.v[1];
	is_str(monitor_kind_name(c->kind), "prometheus", "prometheus: kind");
	is_str(c->query, "sum(rate(x[5m]))", "prometheus: query");
	ok(c->threshold == 0.01 && !c->below, "prometheus: above 0.01");
	is_int(c->timeout_ms, 2000, "prometheus: the default timeout");
	is_int(c->for_runs, 1, "prometheus: its own for");
	c = &l.v[2];
	is_str(monitor_kind_name(c->kind), "tls", "tls: kind");
	is_str(c->servername, "www.example.com", "tls: servername");
	ok(c->threshold == 14, "tls: 14 days unless told");
	c = &l.v[3];
	is_str(monitor_kind_name(c->kind), "disk", "disk: kind");
	ok(c->free_mb && c->threshold == 512, "disk: free_mb 512");
	ok(monitor_checks_find(&l, "cert") == &l.v[2], "find by name");
	ok(monitor_checks_find(&l, "nope") == NULL, "find: no such check");
	monitor_checks_release(&l);
	ok(l.n == 0 && l.v == NULL && l.doc == NULL, "release empties the list");
}

static void bad(const char *yaml, const char *want, const char *what)
{
	struct monitor_checks l = MONITOR_CHECKS_INIT;

	ak_error(AK_EXIT_OK, "%s", "");
	is_int(monitor_checks_parse(yaml, strlen(yaml), "m.yaml", &l), -1, "%s: refused", what);
	is_str(ak_errmsg(), want, "%s: message", what);
	is_int(ak_errcode(), AK_EXIT_DATAERR, "%s: bad input data", what);
	ok(l.n == 0 && !l.v && !l.doc, "%s: the list stays empty", what);
}

static void test_bad(void)
{
	bad("checks:\n  - name: a\n    disk: /\n    free_pct: 1\n  - name: b\n    disk: /\n"
	    "    free_pct: 1\n  - name: c\n    disk: /\n    free_pct: 1\n    foo: 1\n",
	    "m.yaml: checks[2].foo: unknown key", "an unknown key");
	bad("checks:\n  - name: a\n    http: http://x/\n    query: up\n",
	    "m.yaml: checks[0].query: is not a key of http checks", "a key of another kind");
	bad("checks:\n  - name: a\n    disk: /\n    free_pct: 1\n  - name: a\n    disk: /tmp\n"
	    "    free_pct: 2\n",
	    "m.yaml: checks[1].name: 'a' is the name of checks[0] too", "duplicate names");
	bad("checks:\n  - name: a\n", "m.yaml: checks[0]: needs one of http, prometheus, tls or disk",
	    "no kind");
	bad("checks:\n  - name: a\n    http: http://x/\n    tls: x:443\n",
	    "m.yaml: checks[0]: has both http and tls: one kind per check", "two kinds");
	bad("checks:\n  - name: Api\n    disk: /\n    free_pct: 1\n",
	    "m.yaml: checks[0].name: 'Api' must be 1 to 64 of a-z, 0-9, '.', '_' and '-'",
	    "a name with a capital");
	bad("checks:\n  - disk: /\n    free_pct: 1\n", "m.yaml: checks[0].name: is required",
	    "no name");
	bad("checks:\n  - name: p\n    prometheus: http://p:9090\n    query: up\n",
	    "m.yaml: checks[0]: needs one of above or below", "no threshold");
	bad("checks:\n  - name: p\n    prometheus: http://p:9090\n    query: up\n    above: 1\n"
	    "    below: 0\n", "m.yaml: checks[0]: needs one of above or below", "two thresholds");
	bad("checks:\n  - name: p\n    prometheus: http://p:9090\n    above: 1\n",
	    "m.yaml: checks[0].query: is required for a prometheus check", "no query");
	bad("checks:\n  - name: h\n    http: ftp://x/\n",
	    "m.yaml: checks[0].http: must be an http:// or https:// URL", "not an http URL");
	bad("checks:\n  - name: t\n    tls: example.com:99999\n",
	    "m.yaml: checks[0].tls: must be host:port, such as example.com:443", "a bad port");
	bad("checks:\n  - name: d\n    disk: /\n    free_pct: 120\n",
	    "m.yaml: checks[0].free_pct: must be a number from 0 to 100", "free_pct over 100");
	bad("checks:\n  - name: d\n    disk: /\n    free_pct: 1\n    for: 0\n",
	    "m.yaml: checks[0].for: must be a whole number from 1 to 1000", "for 0");
	bad("checks:\n  - name: d\n    disk: /\n    free_pct: 1\n    timeout: soon\n",
	    "m.yaml: checks[0].timeout: must be a duration from 1ms to 1h, such as 5s",
	    "a bad timeout");
	bad("defaults:\n  retries: 3\nchecks:\n  - name: d\n    disk: /\n    free_pct: 1\n",
	    "m.yaml: defaults.retries: unknown key", "an unknown default");
	bad("check:\n  - name: d\n", "m.yaml: check: unknown key", "a misspelt top key");
	bad("defaults: {}\n", "m.yaml: checks: is required", "no checks");
	bad("checks: []\n", "m.yaml: checks: must be a list of checks", "an empty list");
	bad("checks:\n  - just a string\n", "m.yaml: checks[0]: must be a mapping",
	    "a check that is no mapping");
	bad("- a\n- b\n", "m.yaml: must be a mapping with a list of checks", "a list at the top");
	bad("checks: [\n", "m.yaml:2:1: did not find expected node content", "broken YAML");
	bad("checks:\n  - name: d\n    name: e\n    disk: /\n    free_pct: 1\n",
	    "m.yaml:3:5: duplicate key \"name\"", "a key given twice");
}

/* ---- transitions ---- */

static const char *const tname[] = { "same", "fired", "resolved" };

static void step(const struct monitor_check *c, struct monitor_prev *p, enum monitor_state s,
		 const char *now, enum monitor_transition want, int firing, int bad_runs,
		 const char *since, const char *what)
{
	struct monitor_result r = { .state = s, .value = NAN };
	struct monitor_next n;

	monitor_decide(c, p, &r, now, &n);
	is_str(tname[n.t], tname[want], "%s: transition", what);
	is_int(n.firing, firing, "%s: firing after", what);
	is_int(n.bad_runs, bad_runs, "%s: bad runs", what);
	is_str(n.since, since, "%s: since", what);
	/* the next run starts from here */
	p->firing = n.firing;
	p->bad_runs = n.bad_runs;
	snprintf(p->since, sizeof(p->since), "%s", n.since);
}

static void test_decide(void)
{
	struct monitor_check c = { .name = "x", .kind = MONITOR_HTTP, .for_runs = 1 };
	struct monitor_prev p = MONITOR_PREV_INIT;

	step(&c, &p, MONITOR_OK, "t1", MONITOR_SAME, 0, 0, "", "for 1: ok stays ok");
	step(&c, &p, MONITOR_UNKNOWN, "t2", MONITOR_SAME, 0, 0, "", "for 1: unknown changes nothing");
	step(&c, &p, MONITOR_FIRING, "t3", MONITOR_FIRED, 1, 1, "t3", "for 1: a bad run fires");
	step(&c, &p, MONITOR_FIRING, "t4", MONITOR_SAME, 1, 1, "t3", "for 1: still bad, no event");
	step(&c, &p, MONITOR_UNKNOWN, "t5", MONITOR_SAME, 1, 1, "t3",
	     "for 1: unknown keeps it firing");
	step(&c, &p, MONITOR_OK, "t6", MONITOR_RESOLVED, 0, 0, "", "for 1: ok resolves");

	c.for_runs = 2;
	step(&c, &p, MONITOR_FIRING, "t7", MONITOR_SAME, 0, 1, "t7", "for 2: one bad run is pending");
	step(&c, &p, MONITOR_UNKNOWN, "t8", MONITOR_SAME, 0, 1, "t7",
	     "for 2: unknown keeps the count");
	step(&c, &p, MONITOR_FIRING, "t9", MONITOR_FIRED, 1, 2, "t7", "for 2: the second fires");
	step(&c, &p, MONITOR_FIRING, "t10", MONITOR_SAME, 1, 2, "t7",
	     "for 2: the count stops at for");
	step(&c, &p, MONITOR_OK, "t11", MONITOR_RESOLVED, 0, 0, "", "for 2: one ok resolves");
	step(&c, &p, MONITOR_FIRING, "t12", MONITOR_SAME, 0, 1, "t12", "for 2: bad again");
	step(&c, &p, MONITOR_OK, "t13", MONITOR_SAME, 0, 0, "", "for 2: ok ends the run");
	step(&c, &p, MONITOR_FIRING, "t14", MONITOR_SAME, 0, 1, "t14",
	     "for 2: a new run counts from one");
}

/* ---- events and the store ---- */

static void test_state(const char *dir)
{
	struct monitor_check c = { .name = "api", .kind = MONITOR_HTTP, .target = "http://h/",
				   .for_runs = 2, .timeout_ms = 1000 };
	struct monitor_result bad_r = { .state = MONITOR_FIRING, .value = 503,
					.message = "status 503, want 2xx" };
	struct monitor_result ok_r = { .state = MONITOR_OK, .value = 200,
				       .message = "status 200 in 1 ms" };
	struct monitor_prev p = MONITOR_PREV_INIT;
	struct monitor_next n;
	struct event_ctx ec;
	char path[512], *line, fired_id[64] = "";
	struct store *s;
	json_t *ev;
	size_t len;

	snprintf(path, sizeof(path), "%s/state.db", dir);
	event_ctx_init(&ec, "agentkit/agent-monitor", "1700000000");
	s = store_open(path, NULL);
	if (!ok(s != NULL, "a SQLite store opens")) {
		printf("# %s\n", ak_errmsg());
		return;
	}
	is_int(monitor_state_get(s, ec.source, "api", &p), 0, "state of a new check");
	ok(!p.firing && !p.bad_runs && !p.last, "a new check is ok, with nothing pending");

	/* run 1: bad, pending */
	monitor_decide(&c, &p, &bad_r, "2023-11-14T22:13:20.000Z", &n);
	is_str(tname[n.t], "same", "run 1: pending, no event");
	is_int(monitor_state_save(s, "api", &p, &n, NULL, 0), 0, "run 1: saved");
	monitor_prev_release(&p);
	is_int(monitor_state_get(s, ec.source, "api", &p), 0, "run 2: state read");
	is_int(p.bad_runs, 1, "run 2: one bad run remembered");
	is_str(p.since, "2023-11-14T22:13:20.000Z", "run 2: since when");

	/* run 2: bad again, fires */
	monitor_decide(&c, &p, &bad_r, "2023-11-14T22:14:20.000Z", &n);
	is_str(tname[n.t], "fired", "run 2: fires");
	ev = monitor_event(&ec, &c, &bad_r, &p, &n);
	line = monitor_event_dump(json_object_get(ev, "data"), &len);
	is_str(line, "{\"rule\":\"api\",\"target\":\"http://h/\",\"kind\":\"http\",\"value\":503,"
	       "\"threshold\":null,\"message\":\"status 503, want 2xx\","
	       "\"since\":\"2023-11-14T22:13:20.000Z\"}", "alert.fired data");
	free(line);
	is_str(event_attr(ev, "type"), "alert.fired", "type alert.fired");
	is_str(event_attr(ev, "subject"), "api", "subject: the check");
	ok(event_attr(ev, "causationid") == NULL, "a fired alert answers nothing");
	snprintf(fired_id, sizeof(fired_id), "%s", event_attr(ev, "id"));
	line = monitor_event_dump(ev, &len);
	json_decref(ev);
	{
		struct buf b = BUF_INIT;

		buf_add(&b, line, len);
		buf_addch(&b, '\n');
		is_int(monitor_state_save(s, "api", &p, &n, b.p, b.len), 0, "run 2: saved with its event");
		buf_release(&b);
	}
	free(line);
	monitor_prev_release(&p);
	is_int(monitor_state_get(s, ec.source, "api", &p), 0, "run 3: state read");
	ok(p.firing, "run 3: the alert is firing");
	is_str(event_attr(p.last, "id"), fired_id, "run 3: the last alert is the one written");
	monitor_prev_release(&p);
	is_int(monitor_state_get(s, "agentkit/other", "api", &p), 0, "another source's view");
	ok(!p.firing, "alerts of another source are not ours");
	monitor_prev_release(&p);
	monitor_state_get(s, ec.source, "api", &p);

	/* run 3: ok, resolves */
	monitor_decide(&c, &p, &ok_r, "2023-11-14T22:15:20.000Z", &n);
	is_str(tname[n.t], "resolved", "run 3: resolves");
	ev = monitor_event(&ec, &c, &ok_r, &p, &n);
	is_str(event_attr(ev, "type"), "alert.resolved", "type alert.resolved");
	is_str(event_attr(ev, "causationid"), fired_id, "it answers the alert.fired");
	ok(strcmp(event_attr(ev, "id"), fired_id) != 0,
	   "with SOURCE_DATE_EPOCH set, its id is not the fired one's");
	is_str(json_string_value(json_object_get(json_object_get(ev, "data"), "since")),
	       "2023-11-14T22:13:20.000Z", "since: when the alert fired");
	line = monitor_event_dump(ev, &len);
	json_decref(ev);
	{
		struct buf b = BUF_INIT;

		buf_add(&b, line, len);
		buf_addch(&b, '\n');
		is_int(monitor_state_save(s, "api", &p, &n, b.p, b.len), 0, "run 3: saved");
		buf_release(&b);
	}
	free(line);
	monitor_prev_release(&p);
	monitor_state_get(s, ec.source, "api", &p);
	ok(!p.firing && p.bad_runs == 0 && !p.since[0], "run 4: ok and nothing pending");
	monitor_prev_release(&p);
	store_close(s);
	unlink(path);
}

static void test_numbers(void)
{
	struct monitor_check c = { .name = "e", .kind = MONITOR_PROMETHEUS,
				   .target = "http://p:9090", .query = "up", .threshold = 0.01,
				   .for_runs = 1 };
	struct monitor_result r = { .state = MONITOR_FIRING, .value = 0.1 + 0.2,
				    .message = "m" };
	struct monitor_prev p = MONITOR_PREV_INIT;
	struct monitor_next n;
	struct event_ctx ec;
	json_t *ev;
	char *line;

	event_ctx_init(&ec, "agentkit/agent-monitor", "1700000000");
	monitor_decide(&c, &p, &r, "2023-11-14T22:13:20.000Z", &n);
	ev = monitor_event(&ec, &c, &r, &p, &n);
	line = monitor_event_dump(json_object_get(ev, "data"), NULL);
	is_str(line, "{\"rule\":\"e\",\"target\":\"http://p:9090\",\"kind\":\"prometheus\","
	       "\"query\":\"up\",\"value\":0.3,\"threshold\":0.01,\"message\":\"m\","
	       "\"since\":\"2023-11-14T22:13:20.000Z\"}", "prometheus data, numbers short");
	free(line);
	json_decref(ev);
}

/* ---- textfile ---- */

static void test_textfile(const char *dir)
{
	struct monitor_check c[3] = {
		{ .name = "api", .kind = MONITOR_HTTP },
		{ .name = "err", .kind = MONITOR_PROMETHEUS },
		{ .name = "disk", .kind = MONITOR_DISK },
	};
	struct monitor_result r[3] = {
		{ .state = MONITOR_OK, .value = 200 },
		{ .state = MONITOR_UNKNOWN, .value = NAN },
		{ .state = MONITOR_FIRING, .value = 0.125 },
	};
	struct monitor_report rep[3] = { { &c[0], &r[0], 0 }, { &c[1], &r[1], 1 },
					 { &c[2], &r[2], 1 } };
	struct buf b = BUF_INIT, got = BUF_INIT;
	char path[512];
	DIR *d;
	struct dirent *de;
	int files = 0;

	is_int(monitor_textfile_render(&b, rep, 3, 1700000000, 0.25), 0, "textfile renders");
	is_str(b.p,
	       "# HELP agentkit_monitor_check_up Whether the check passed in the last run (1) or failed (0); NaN when it could not be evaluated.\n"
	       "# TYPE agentkit_monitor_check_up gauge\n"
	       "agentkit_monitor_check_up{check=\"api\",kind=\"http\"} 1\n"
	       "agentkit_monitor_check_up{check=\"err\",kind=\"prometheus\"} NaN\n"
	       "agentkit_monitor_check_up{check=\"disk\",kind=\"disk\"} 0\n"
	       "# HELP agentkit_monitor_check_unknown Whether the check could not be evaluated in the last run.\n"
	       "# TYPE agentkit_monitor_check_unknown gauge\n"
	       "agentkit_monitor_check_unknown{check=\"api\",kind=\"http\"} 0\n"
	       "agentkit_monitor_check_unknown{check=\"err\",kind=\"prometheus\"} 1\n"
	       "agentkit_monitor_check_unknown{check=\"disk\",kind=\"disk\"} 0\n"
	       "# HELP agentkit_monitor_check_value What the check measured: HTTP status, query value, days left, free percent or MiB; NaN when nothing.\n"
	       "# TYPE agentkit_monitor_check_value gauge\n"
	       "agentkit_monitor_check_value{check=\"api\",kind=\"http\"} 200\n"
	       "agentkit_monitor_check_value{check=\"err\",kind=\"prometheus\"} NaN\n"
	       "agentkit_monitor_check_value{check=\"disk\",kind=\"disk\"} 0.125\n"
	       "# HELP agentkit_monitor_check_firing Whether the check's alert is firing after the last run.\n"
	       "# TYPE agentkit_monitor_check_firing gauge\n"
	       "agentkit_monitor_check_firing{check=\"api\",kind=\"http\"} 0\n"
	       "agentkit_monitor_check_firing{check=\"err\",kind=\"prometheus\"} 1\n"
	       "agentkit_monitor_check_firing{check=\"disk\",kind=\"disk\"} 1\n"
	       "# HELP agentkit_monitor_last_run_timestamp_seconds When agent-monitor last ran, in seconds since 1970.\n"
	       "# TYPE agentkit_monitor_last_run_timestamp_seconds gauge\n"
	       "agentkit_monitor_last_run_timestamp_seconds 1700000000\n"
	       "# HELP agentkit_monitor_run_duration_seconds How long the last run of agent-monitor took.\n"
	       "# TYPE agentkit_monitor_run_duration_seconds gauge\n"
	       "agentkit_monitor_run_duration_seconds 0.25\n", "the whole textfile");
	buf_reset(&b);
	monitor_label_escape(&b, "a\\b\"c\nd");
	is_str(b.p, "a\\\\b\\\"c\\nd", "label values are escaped");

	snprintf(path, sizeof(path), "%s/monitor.prom", dir);
	is_int(file_write_atomic(path, "x 1\n", 4, 0644), 0, "write a textfile");
	is_int(file_write_atomic(path, "y 2\n", 4, 0644), 0, "and replace it");
	buf_read_file(&got, path);
	is_str(got.p, "y 2\n", "the new content is there");
	if ((d = opendir(dir))) {
		while ((de = readdir(d)))
			files += de->d_name[0] != '.' || !strncmp(de->d_name, ".monitor", 8);
		closedir(d);
	}
	is_int(files, 1, "no temporary file is left");
	unlink(path);
	snprintf(path, sizeof(path), "%s/no/such/dir/m.prom", dir);
	ak_error(AK_EXIT_OK, "%s", "");
	is_int(file_write_atomic(path, "x", 1, 0644), -1, "a missing folder fails");
	is_int(ak_errcode(), AK_EXIT_IOERR, "as an I/O error");
	buf_release(&b);
	buf_release(&got);
}

static void test_lock(const char *dir)
{
	char path[512], want[600];
	int fd, fd2;

	snprintf(path, sizeof(path), "%s/run.lock", dir);
	fd = monitor_runlock(path);
	ok(fd >= 0, "the lock is taken");
	fd2 = monitor_runlock(path);
	is_int(fd2, -1, "a second taker is refused at once");
	snprintf(want, sizeof(want), "another run holds '%s'", path);
	is_str(ak_errmsg(), want, "the message names the lock file");
	is_int(ak_errcode(), AK_EXIT_TEMPFAIL, "try again later");
	close(fd);
	fd2 = monitor_runlock(path);
	ok(fd2 >= 0, "once let go it can be taken again");
	close(fd2);
	unlink(path);
}

static void test_probes(const char *dir)
{
	struct monitor_check disk = { .name = "d", .kind = MONITOR_DISK, .target = dir,
				      .threshold = 0, .timeout_ms = 1000, .for_runs = 1 };
	struct monitor_check full = disk, gone = disk, web, cert;
	const struct monitor_check *all[2] = { &disk, &full };
	struct monitor_result r, rs[2];

	full.free_mb = 1;
	full.threshold = 1e12;
	gone.target = "/no/such/path";
	is_int(monitor_probe(&disk, 0, &r), 0, "disk probe runs");
	is_str(monitor_state_name(r.state), "ok", "free_pct 0: ok");
	ok(r.value >= 0 && r.value <= 100, "its value is a percentage");
	monitor_probe(&full, 0, &r);
	is_str(monitor_state_name(r.state), "firing", "free_mb of a terabyte: firing");
	monitor_probe(&gone, 0, &r);
	is_str(monitor_state_name(r.state), "unknown", "a missing path: unknown");
	is_str(r.message, "cannot look at '/no/such/path': No such file or directory",
	       "it says why");

	/* port 1 of loopback: nothing listens there */
	web = (struct monitor_check){ .name = "w", .kind = MONITOR_HTTP,
				      .target = "http://127.0.0.1:1/", .timeout_ms = 2000 };
	monitor_probe(&web, 0, &r);
	is_str(monitor_state_name(r.state), "firing", "http: a target that is down fires");
	ok(!strncmp(r.message, "cannot reach 'http://127.0.0.1:1/': ", 36), "http: message");
	cert = (struct monitor_check){ .name = "c", .kind = MONITOR_TLS, .target = "127.0.0.1:1",
				       .threshold = 14, .timeout_ms = 2000 };
	monitor_probe(&cert, 0, &r);
	is_str(monitor_state_name(r.state), "unknown", "tls: no certificate to look at: unknown");
	is_str(r.message, "cannot connect to '127.0.0.1' port 1: Connection refused",
	       "tls: message");

	is_int(monitor_run(all, 2, 2, 10000, rs), 0, "two checks run on two threads");
	is_str(monitor_state_name(rs[0].state), "ok", "results in order: first");
	is_str(monitor_state_name(rs[1].state), "firing", "results in order: second");
	is_int(monitor_run(all, 2, 1, 0, rs), 0, "a run with no time left");
	is_str(monitor_state_name(rs[1].state), "unknown", "a check not run is unknown");
	is_str(rs[1].message, "not run: the run's time budget of 0 ms was spent", "and says why");
}

int main(void)
{
	char dir[] = "/tmp/u-monitor.XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_good();
	test_bad();
	test_decide();
	test_state(dir);
	test_numbers();
	test_textfile(dir);
	test_lock(dir);
	test_probes(dir);
	rmdir(dir);
	return done_testing();
}
