/*
 * u-gate.c - unit tests for lib/deploy/gate.c: gate_judge on passing and
 * failing events (the reasons and their counts, in order), missing events;
 * gate_latest and gate_approval against a SQLite store in a temporary
 * folder (the latest event wins, another subject's events are not seen,
 * an approval is {by, at, note}).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "deploy/gate.h"
#include "error.h"
#include "store.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-gate.XXXXXX";

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v) {
		printf("Bail out! test JSON does not parse: %s: %s\n", e.text, text);
		exit(1);
	}
	return v;
}

/* The reasons as one string, "a | b", or "(none)" for NULL. */
static const char *joined(const json_t *reasons)
{
	static char out[1024];
	size_t i, o = 0;
	json_t *v;

	if (!reasons)
		return "(none)";
	out[0] = '\0';
	json_array_foreach(reasons, i, v) {
		int n = snprintf(out + o, sizeof(out) - o, "%s%s", i ? " | " : "",
				 json_is_string(v) ? json_string_value(v) : "(not a string)");

		if (n < 0 || (size_t)n >= sizeof(out) - o)
			break;
		o += (size_t)n;
	}
	return out;
}

/*
 * Judge tested and checked (JSON texts, or NULL for a missing event) and
 * compare the verdict and the reasons with want (NULL: none).
 */
static void judge(const char *tested, const char *checked, int want_rc, const char *want,
		  const char *what)
{
	json_t *t = tested ? parse(tested) : NULL;
	json_t *c = checked ? parse(checked) : NULL;
	json_t *reasons = (json_t *)1;
	int rc = gate_judge(t, c, &reasons);

	is_int(rc, want_rc, "%s: verdict", what);
	is_str(joined(reasons), want ? want : "(none)", "%s: reasons", what);
	if (reasons)
		ok(json_is_array(reasons) && json_array_size(reasons) >= 1,
		   "%s: the reasons are a list", what);
	json_decref(reasons);
	json_decref(t);
	json_decref(c);
}

#define TESTED_PASS "{\"type\":\"feature.tested\",\"data\":{\"status\":\"pass\"," \
	"\"tests\":{\"passed\":42,\"failed\":0}}}"
#define CHECKED_PASS "{\"type\":\"feature.security_checked\",\"data\":{\"status\":\"pass\"," \
	"\"counts\":{\"critical\":0,\"high\":0}}}"
#define TESTED_FAIL "{\"type\":\"feature.tested\",\"data\":{\"status\":\"fail\"," \
	"\"tests\":{\"passed\":39,\"failed\":2,\"errors\":1}}}"
#define CHECKED_FAIL "{\"type\":\"feature.security_checked\",\"data\":{\"status\":\"fail\"," \
	"\"counts\":{\"critical\":1,\"high\":2,\"medium\":3,\"low\":4}}}"

static void test_judge(void)
{
	judge(TESTED_PASS, CHECKED_PASS, 1, NULL, "both pass");
	judge(TESTED_FAIL, CHECKED_PASS, 0,
	      "the tests did not pass: 3 of 42 failed", "tests fail");
	judge(TESTED_PASS, CHECKED_FAIL, 0,
	      "the security check did not pass: 1 critical, 2 high, 3 medium, 4 low findings",
	      "security fails");
	judge(TESTED_FAIL, CHECKED_FAIL, 0,
	      "the tests did not pass: 3 of 42 failed | the security check did not pass: "
	      "1 critical, 2 high, 3 medium, 4 low findings", "both fail, tests first");
	judge(NULL, CHECKED_PASS, 0, "no feature.tested event for this feature", "no tests event");
	judge(TESTED_PASS, NULL, 0, "no feature.security_checked event for this feature",
	      "no security event");
	judge(NULL, NULL, 0, "no feature.tested event for this feature | "
	      "no feature.security_checked event for this feature", "neither event");
	judge(NULL, CHECKED_FAIL, 0, "no feature.tested event for this feature | "
	      "the security check did not pass: 1 critical, 2 high, 3 medium, 4 low findings",
	      "no tests event and security fails");
	judge("{\"data\":{\"status\":\"error\"}}", "{\"data\":{}}", 0,
	      "the tests did not pass: 0 of 0 failed | the security check did not pass: "
	      "0 critical, 0 high, 0 medium, 0 low findings", "no counts at all");
	judge("{\"data\":{\"status\":\"PASS\",\"tests\":{\"failed\":\"2\",\"passed\":5}}}",
	      "{\"data\":{\"status\":true}}", 0,
	      "the tests did not pass: 0 of 5 failed | the security check did not pass: "
	      "0 critical, 0 high, 0 medium, 0 low findings",
	      "only the exact string pass passes; counts that are not numbers are 0");
	judge("{\"status\":\"pass\"}", CHECKED_PASS, 0, "the tests did not pass: 0 of 0 failed",
	      "the status is read from data, not the top");
}

/* A CloudEvents line of the test's own source. */
static const char *event(char *buf, size_t len, const char *id, const char *type,
			 const char *subject, const char *time, const char *data)
{
	snprintf(buf, len, "{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"t/u-gate\","
		 "\"type\":\"%s\",\"subject\":\"%s\",\"time\":\"%s\",\"data\":%s}\n",
		 id, type, subject, time, data);
	return buf;
}

static int append(struct store *s, const char *id, const char *type, const char *subject,
		  const char *time, const char *data)
{
	char line[2048];
	uint64_t inserted = 0;

	event(line, sizeof(line), id, type, subject, time, data);
	if (store_append_lines(s, line, strlen(line), &inserted) < 0 || inserted != 1) {
		printf("# append %s: %s\n", id, ak_errmsg());
		return -1;
	}
	return 0;
}

static const char *field(const json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "(missing)";
}

static void test_store(void)
{
	char path[512];
	struct store *s;
	json_t *ev = (json_t *)1, *appr = (json_t *)1;
	int failed = 0;

	snprintf(path, sizeof(path), "%s/events.db", tmpdir);
	s = store_open(path, NULL);
	if (!ok(s != NULL, "store_open on a new file")) {
		printf("# %s\n", ak_errmsg());
		return;
	}

	is_int(gate_latest(s, "feat-1", "feature.tested", &ev), 0, "an empty store has no event");
	ok(ev == NULL, "*ev is NULL when there is none");
	is_int(gate_approval(s, "feat-1", &appr), 0, "an empty store has no approval");
	ok(appr == NULL, "*approval is NULL when there is none");

	failed |= append(s, "t1", "feature.tested", "feat-1", "2024-05-01T10:00:00Z",
			 "{\"status\":\"fail\",\"tests\":{\"passed\":1,\"failed\":1}}");
	failed |= append(s, "c1", "feature.security_checked", "feat-1", "2024-05-01T10:01:00Z",
			 "{\"status\":\"pass\"}");
	failed |= append(s, "t2", "feature.tested", "feat-1", "2024-05-01T11:00:00Z",
			 "{\"status\":\"pass\",\"tests\":{\"passed\":2,\"failed\":0}}");
	failed |= append(s, "t3", "feature.tested", "feat-2", "2024-05-01T12:00:00Z",
			 "{\"status\":\"fail\",\"tests\":{\"passed\":0,\"failed\":9}}");
	failed |= append(s, "a1", "feature.approved", "feat-1", "2024-05-02T09:00:00Z",
			 "{\"by\":\"bo\"}");
	failed |= append(s, "a2", "feature.approved", "feat-1", "2024-05-02T09:30:00Z",
			 "{\"by\":\"ana\",\"note\":\"looks good\"}");
	failed |= append(s, "a3", "feature.approved", "feat-3", "2024-05-03T09:00:00Z",
			 "{\"by\":\"cy\"}");
	if (!ok(!failed, "seven events appended")) {
		store_close(s);
		return;
	}

	is_int(gate_latest(s, "feat-1", "feature.tested", &ev), 1, "feat-1 has a tested event");
	is_str(field(ev, "id", NULL), "t2", "the latest of two wins");
	is_str(field(ev, "data", "status"), "pass", "and it passes");
	json_decref(ev);

	is_int(gate_latest(s, "feat-2", "feature.tested", &ev), 1, "feat-2 has its own");
	is_str(field(ev, "id", NULL), "t3", "feat-2 sees only its own event");
	json_decref(ev);

	is_int(gate_latest(s, "feat-2", "feature.security_checked", &ev), 0,
	       "feat-1's security event is not feat-2's");
	ok(ev == NULL, "*ev NULL");

	is_int(gate_latest(s, "feat-1", "feature.security_checked", &ev), 1,
	       "feat-1 has a security event");
	is_str(field(ev, "subject", NULL), "feat-1", "of the right subject");
	is_str(field(ev, "type", NULL), "feature.security_checked", "of the right type");
	json_decref(ev);

	is_int(gate_approval(s, "feat-1", &appr), 1, "feat-1 is approved");
	is_str(field(appr, "by", NULL), "ana", "approval.by: the latest approval");
	is_str(field(appr, "at", NULL), "2024-05-02T09:30:00Z", "approval.at: the event's time");
	is_str(field(appr, "note", NULL), "looks good", "approval.note");
	is_int((long long)json_object_size(appr), 3, "by, at and note, nothing else");
	json_decref(appr);

	is_int(gate_approval(s, "feat-3", &appr), 1, "feat-3 is approved");
	is_str(field(appr, "by", NULL), "cy", "feat-3's approver");
	ok(json_object_get(appr, "note") == NULL || json_is_null(json_object_get(appr, "note")),
	   "no note when none was given");
	json_decref(appr);

	is_int(gate_approval(s, "feat-2", &appr), 0, "feat-2 was never approved");
	ok(appr == NULL, "*approval NULL");

	is_int(gate_latest(s, "feat-9", "feature.tested", &ev), 0, "an unknown subject");
	store_close(s);
	unlink(path);
}

/* The whole way: events from the store judged by the gate. */
static void test_store_judge(void)
{
	char path[512];
	struct store *s;
	json_t *t = NULL, *c = NULL, *reasons = NULL;

	snprintf(path, sizeof(path), "%s/judge.db", tmpdir);
	s = store_open(path, NULL);
	if (!s || append(s, "t1", "feature.tested", "f", "2024-06-01T00:00:00Z",
			 "{\"status\":\"pass\",\"tests\":{\"passed\":3}}") < 0 ||
	    append(s, "c1", "feature.security_checked", "f", "2024-06-01T00:01:00Z",
		   "{\"status\":\"fail\",\"counts\":{\"high\":2}}") < 0) {
		ok(0, "a store for the gate: %s", ak_errmsg());
		store_close(s);
		return;
	}
	gate_latest(s, "f", "feature.tested", &t);
	gate_latest(s, "f", "feature.security_checked", &c);
	is_int(gate_judge(t, c, &reasons), 0, "stored events: the gate refuses");
	is_str(joined(reasons), "the security check did not pass: 0 critical, 2 high, 0 medium, "
	       "0 low findings", "stored events: the reason");
	json_decref(reasons);
	json_decref(t);
	json_decref(c);
	store_close(s);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_judge();
	test_store();
	test_store_judge();
	rmdir(tmpdir);
	return done_testing();
}
