/*
 * u-tf.c - unit tests for lib/deploy/tf.c: the reader of JSON plans (every
 * action list, replace in both orders, the buckets, unknown format majors
 * and actions, malformed, oversized and deeply nested input), the state
 * reader, the refusal message, the UI stream lines, environment names and
 * the choice of program; and the line callback of lib/proc.c it relies on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "proc.h"
#include "deploy/tf.h"
#include "tap.h"

static const char *const all_actions =
	"{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.0\",\"unknown_key\":[1],"
	"\"resource_changes\":["
	"{\"address\":\"a.noop\",\"change\":{\"actions\":[\"no-op\"]}},"
	"{\"address\":\"a.create\",\"change\":{\"actions\":[\"create\"]}},"
	"{\"address\":\"data.a.read\",\"change\":{\"actions\":[\"read\"]}},"
	"{\"address\":\"a.update\",\"change\":{\"actions\":[\"update\"]}},"
	"{\"address\":\"a.repl1\",\"change\":{\"actions\":[\"delete\",\"create\"]},"
	"\"action_reason\":\"replace_because_cannot_update\"},"
	"{\"address\":\"a.repl2\",\"change\":{\"actions\":[\"create\",\"delete\"]}},"
	"{\"address\":\"a.delete\",\"change\":{\"actions\":[\"delete\"]}},"
	"{\"address\":\"a.forget\",\"change\":{\"actions\":[\"forget\"]}}]}";

static char *dump(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return s;
}

static void check_json(json_t *j, const char *want, const char *what)
{
	char *s = dump(j);

	is_str(s, want, "%s", what);
	free(s);
}

static void test_actions(void)
{
	struct tf_plan p = TF_PLAN_INIT;
	static const char *const want[] = { "no-op", "create", "read", "update", "replace",
					    "replace", "delete", "forget" };
	char line[200];

	is_int(tf_plan_parse(all_actions, strlen(all_actions), "p", &p), 0, "every action: parsed");
	is_int(p.n, 8, "eight resources");
	for (size_t i = 0; i < p.n && i < 8; i++)
		is_str(tf_action_name(p.res[i].action), want[i], "resource %zu is %s", i, want[i]);
	is_int(p.res[4].delete_first, 1, "delete,create: delete first");
	is_int(p.res[5].delete_first, 0, "create,delete: create first");
	is_str(p.res[4].reason, "replace_because_cannot_update", "action_reason kept");
	ok(p.add == 1 && p.change == 1 && p.destroy == 1 && p.replace == 2 && p.read == 1 &&
	   p.no_op == 1 && p.forget == 1, "each resource in exactly one bucket");
	is_int(tf_plan_deletes(&p), 3, "deletes: one delete, two replaces");
	check_json(tf_plan_changes(&p), "{\"add\":1,\"change\":1,\"destroy\":1,\"replace\":2}",
		   "changes object");
	check_json(tf_plan_resources(&p),
		   "[{\"address\":\"a.create\",\"actions\":[\"create\"]},"
		   "{\"address\":\"data.a.read\",\"actions\":[\"read\"]},"
		   "{\"address\":\"a.update\",\"actions\":[\"update\"]},"
		   "{\"address\":\"a.repl1\",\"actions\":[\"delete\",\"create\"],"
		   "\"action_reason\":\"replace_because_cannot_update\"},"
		   "{\"address\":\"a.repl2\",\"actions\":[\"create\",\"delete\"]},"
		   "{\"address\":\"a.delete\",\"actions\":[\"delete\"]},"
		   "{\"address\":\"a.forget\",\"actions\":[\"forget\"]}]",
		   "resources without the no-op, actions as written");
	tf_plan_line(&p, "Plan", line, sizeof(line));
	is_str(line, "Plan: 1 to add, 1 to change, 1 to destroy, 2 to replace.", "summary line");
	is_int(tf_plan_refusal(&p, "dev"), -1, "refusal returns -1");
	is_int(ak_errcode(), AK_EXIT_GATE, "refusal is a gate");
	is_str(ak_errmsg(), "plan for 'dev' deletes 3 resources (a.repl1, a.repl2, a.delete): "
	       "refused without --allow-destroy", "refusal names the resources");
	tf_plan_release(&p);
	is_int(p.n, 0, "released");
}

static void test_refusal_cut(void)
{
	struct tf_plan p = TF_PLAN_INIT;
	char doc[2048];
	int n = snprintf(doc, sizeof(doc), "{\"format_version\":\"0.1\",\"resource_changes\":[");

	for (int i = 0; i < 7; i++)
		n += snprintf(doc + n, sizeof(doc) - n,
			      "%s{\"address\":\"r.d%d\",\"change\":{\"actions\":[\"delete\"]}}",
			      i ? "," : "", i);
	snprintf(doc + n, sizeof(doc) - n, "]}");
	is_int(tf_plan_parse(doc, strlen(doc), "p", &p), 0, "seven deletes parsed");
	tf_plan_refusal(&p, "staging");
	is_str(ak_errmsg(), "plan for 'staging' deletes 7 resources (r.d0, r.d1, r.d2, r.d3, "
	       "r.d4, ...): refused without --allow-destroy", "refusal cut after five names");
	tf_plan_release(&p);
}

/* parse must fail with AK_EXIT_DATAERR and exactly this message. */
static void bad(const char *doc, size_t len, const char *msg, const char *what)
{
	struct tf_plan p = TF_PLAN_INIT;

	is_int(tf_plan_parse(doc, len, "plan.json", &p), -1, "%s: rejected", what);
	is_int(ak_errcode(), AK_EXIT_DATAERR, "%s: data error", what);
	is_str(ak_errmsg(), msg, "%s: message", what);
	is_int(p.n, 0, "%s: plan left empty", what);
}

#define BAD(doc, msg, what) bad(doc, strlen(doc), msg, what)

static void test_bad(void)
{
	struct tf_plan p = TF_PLAN_INIT;
	const char *empty = "{\"format_version\":\"0.2\"}";

	BAD("{\"format_version\":\"2.0\",\"resource_changes\":[]}",
	    "plan.json: format_version '2.0' is not supported (0.x or 1.x)", "major 2");
	BAD("{\"format_version\":\"10.0\"}",
	    "plan.json: format_version '10.0' is not supported (0.x or 1.x)", "major 10");
	BAD("{\"resource_changes\":[]}", "plan.json: no format_version", "no version");
	BAD("{\"format_version\":\"1.0\",\"resource_changes\":[",
	    "plan.json:1: not a JSON document: ']' expected near end of file", "truncated");
	BAD("[1]", "plan.json: not a JSON object", "an array");
	BAD("", "plan.json:1: not a JSON document: '[' or '{' expected near end of file",
	    "empty input");
	BAD("{\"format_version\":\"1.0\",\"resource_changes\":{}}",
	    "plan.json: resource_changes is not an array", "changes not an array");
	BAD("{\"format_version\":\"1.0\",\"resource_changes\":[{\"change\":{\"actions\":[\"create\"]}}]}",
	    "plan.json: resource_changes[0] has no address", "no address");
	BAD("{\"format_version\":\"1.0\",\"resource_changes\":[{\"address\":\"x.y\","
	    "\"change\":{\"actions\":[\"delete\",\"update\"]}}]}",
	    "plan.json: resource 'x.y': unknown actions [\"delete\",\"update\"]", "unknown pair");
	BAD("{\"format_version\":\"1.0\",\"resource_changes\":[{\"address\":\"x.y\","
	    "\"change\":{\"actions\":[]}}]}",
	    "plan.json: resource 'x.y': unknown actions []", "no actions");
	BAD("{\"format_version\":\"1.0\",\"resource_changes\":[{\"address\":\"x.y\","
	    "\"change\":{}}]}",
	    "plan.json: resource 'x.y': unknown actions (none)", "actions missing");
	is_int(tf_plan_parse(empty, strlen(empty), "p", &p), 0, "no resource_changes: no changes");
	is_int(p.n + p.add + p.destroy, 0, "nothing counted");
	tf_plan_release(&p);
}

static void test_bounds(void)
{
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 40);
	char *huge = malloc(TF_PLAN_MAX + 1);
	size_t n;

	if (!deep || !huge) {
		ok(0, "memory for the bounds tests");
		free(deep);
		free(huge);
		return;
	}
	n = (size_t)snprintf(deep, 40, "{\"format_version\":\"1.0\",\"x\":");
	memset(deep + n, '[', depth);
	memset(deep + n + depth, ']', depth);
	deep[n + 2 * depth] = '}';
	bad(deep, n + 2 * depth + 1,
	    "plan.json:1: not a JSON document: maximum parsing depth reached near '['",
	    "deep nesting");
	/* refused by its size before a byte is read */
	bad(huge, TF_PLAN_MAX + 1, "plan.json: larger than 256 MiB", "too large");
	free(deep);
	free(huge);
}

static void test_state(void)
{
	const char *st = "{\"format_version\":\"1.0\",\"values\":{\"root_module\":{"
		"\"resources\":[{\"address\":\"a.one\"}],\"child_modules\":[{\"resources\":"
		"[{\"address\":\"module.m.b.two\"}],\"child_modules\":[{\"resources\":"
		"[{\"address\":\"module.m.module.n.c.three\"}]}]}]}}}";
	const char *none = "{\"format_version\":\"1.0\"}";
	struct tf_plan p = TF_PLAN_INIT;

	is_int(tf_state_parse(st, strlen(st), "s", &p), 0, "state parsed");
	is_int(p.n, 3, "three resources in nested modules");
	if (p.n == 3)
		is_str(p.res[2].address, "module.m.module.n.c.three", "grandchild module");
	is_int(p.no_op, 3, "state resources are no-ops");
	tf_plan_release(&p);
	is_int(tf_state_parse(none, strlen(none), "s", &p), 0, "empty state");
	is_int(p.n, 0, "empty state: no resources");
	tf_plan_release(&p);
}

static void ui(const char *line, enum tf_ui_kind kind, const char *text, const char *what)
{
	char buf[256];

	is_int(tf_ui_line(line, strlen(line), buf, sizeof(buf)), kind, "%s: kind", what);
	is_str(buf, text, "%s: text", what);
}

static void test_ui(void)
{
	ui("{\"@level\":\"info\",\"@message\":\"aws_s3_bucket.logs: Plan to create\","
	   "\"type\":\"planned_change\",\"change\":{\"resource\":{\"addr\":\"aws_s3_bucket.logs\"},"
	   "\"action\":\"create\"}}", TF_UI_PROGRESS, "plan: aws_s3_bucket.logs: create",
	   "planned_change");
	ui("{\"@level\":\"error\",\"@message\":\"Error: Invalid reference\",\"type\":\"diagnostic\","
	   "\"diagnostic\":{\"severity\":\"error\"}}", TF_UI_DIAG, "Error: Invalid reference",
	   "error diagnostic");
	ui("{\"@level\":\"warn\",\"@message\":\"Warning: Deprecated\",\"type\":\"diagnostic\"}",
	   TF_UI_DIAG, "Warning: Deprecated", "warning diagnostic");
	ui("{\"@level\":\"info\",\"@message\":\"x\",\"type\":\"apply_complete\",\"hook\":{"
	   "\"resource\":{\"addr\":\"a.b\"},\"action\":\"create\"}}", TF_UI_PROGRESS,
	   "apply: a.b: create done", "apply_complete");
	ui("{\"@level\":\"info\",\"@message\":\"Plan: 1 to add, 0 to change, 0 to destroy.\","
	   "\"type\":\"change_summary\"}", TF_UI_PROGRESS,
	   "Plan: 1 to add, 0 to change, 0 to destroy.", "change_summary");
	ui("{\"@level\":\"info\",\"@message\":\"Terraform 1.9\",\"type\":\"version\"}", TF_UI_NONE,
	   "", "version");
	ui("Initializing the backend...", TF_UI_NONE, "", "plain text");
	ui("{\"type\":", TF_UI_NONE, "", "broken JSON");
}

static void test_names(void)
{
	ok(tf_env_name_ok("dev") && tf_env_name_ok("prod_eu-1"), "plain names accepted");
	ok(!tf_env_name_ok("../x") && !tf_env_name_ok("") && !tf_env_name_ok("Dev") &&
	   !tf_env_name_ok("a/b") && !tf_env_name_ok(".") && !tf_env_name_ok(NULL),
	   "paths, capitals, empty names refused");
	is_str(tf_pick_bin("/x/tf", "envtf", "/usr/bin"), "/x/tf", "the flag first");
	is_str(tf_pick_bin(NULL, "envtf", "/usr/bin"), "envtf", "then AGENTKIT_TF_BIN");
	is_str(tf_pick_bin(NULL, "", "/nonexistent:/also/not"), "tofu",
	       "tofu when no terraform in PATH");
	is_str(tf_pick_bin(NULL, NULL, NULL), "tofu", "tofu without a PATH");
}

struct lines {
	char got[512];
	int n;
};

static void collect(const char *line, size_t len, void *ctx)
{
	struct lines *l = ctx;
	size_t at = strlen(l->got);

	snprintf(l->got + at, sizeof(l->got) - at, "[%.*s]", (int)len, line);
	l->n++;
}

static void test_proc_lines(void)
{
	const char *argv[] = { "sh", "-c", "printf 'one\\n\\ntw'; sleep 0.1; printf 'o\\nthree'",
			       NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	struct lines l = { "", 0 };

	o.argv = argv;
	o.on_line = collect;
	o.line_ctx = &l;
	is_int(proc_run(&o, &r), 0, "on_line: ran");
	is_str(l.got, "[one][][two][three]", "on_line: lines across reads, the last unterminated");
	is_str(r.out, "one\n\ntwo\nthree", "on_line: output still captured");
	proc_result_release(&r);
	memset(&l, 0, sizeof(l));
	o.max_output = 4;
	argv[2] = "printf 'abcdefgh\\nxy\\n'";
	is_int(proc_run(&o, &r), 0, "on_line with a small limit: ran");
	is_str(l.got, "[abcd][xy]", "on_line: a long line cut to max_output");
	proc_result_release(&r);
}

int main(void)
{
	test_actions();
	test_refusal_cut();
	test_bad();
	test_bounds();
	test_state();
	test_ui();
	test_names();
	test_proc_lines();
	return done_testing();
}
