/*
 * fuzz-deploy.c - libFuzzer target for what agent-deploy and agentctl
 * read from others: Terraform's JSON plan and state documents and its
 * -json UI stream (deploy/tf.c), a rollout configuration in YAML
 * (rollout/canary.c), and the two events the deployment gate judges
 * (deploy/gate.c).
 *
 * Every reader sees the whole input. What must hold: a failure comes with
 * a message and leaves nothing held; a plan's buckets add up to its
 * resources, each of which has an address; a UI line's text is
 * terminated inside its buffer; a canary's steps rise to 100; the gate
 * says why whenever it refuses, and only then.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "yamljson.h"
#include "deploy/gate.h"
#include "deploy/tf.h"
#include "rollout/canary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_plan(int rc, struct tf_plan *p)
{
	size_t sum = 0;
	char line[256];
	json_t *j;

	if (rc < 0) {
		if (!ak_errmsg()[0] || p->n || p->res)
			__builtin_trap();
		return;
	}
	sum = p->add + p->change + p->destroy + p->replace + p->read + p->no_op + p->forget;
	if (sum != p->n || tf_plan_deletes(p) != p->destroy + p->replace)
		__builtin_trap();
	for (size_t i = 0; i < p->n; i++)
		if (!p->res[i].address || !tf_action_name(p->res[i].action))
			__builtin_trap();
	tf_plan_line(p, "Plan", line, sizeof(line));
	if (!memchr(line, '\0', sizeof(line)))
		__builtin_trap();
	j = tf_plan_summary(p);
	if (!j)
		__builtin_trap();
	json_decref(j);
	json_decref(tf_plan_resources(p));
	json_decref(tf_plan_changes(p));
	tf_plan_release(p);
}

static void check_ui(const char *line, size_t len)
{
	char big[512], small[8];

	memset(big, 'x', sizeof(big));
	memset(small, 'x', sizeof(small));
	if (tf_ui_line(line, len, big, sizeof(big)) > TF_UI_DIAG ||
	    !memchr(big, '\0', sizeof(big)))
		__builtin_trap();
	if (tf_ui_line(line, len, small, sizeof(small)) > TF_UI_DIAG ||
	    !memchr(small, '\0', sizeof(small)))
		__builtin_trap();
}

static void check_canary(const char *text, size_t len)
{
	json_t *doc = yaml_parse(text, len, "fuzz.yaml");
	struct canary c;

	if (!doc) {
		if (!ak_errmsg()[0])
			__builtin_trap();
		return;
	}
	if (canary_from_json(doc, "fuzz.yaml", &c) < 0) {
		if (!ak_errmsg()[0] || c.doc || c.nsteps)
			__builtin_trap();
	} else {
		if (c.nsteps < 1 || c.nsteps > CANARY_MAX_STEPS || c.steps[c.nsteps - 1] != 100 ||
		    c.window_ms <= 0 || c.interval_ms <= 0 || c.interval_ms > c.window_ms ||
		    canary_measurements(&c) < 1 || c.doc != doc)
			__builtin_trap();
		for (int i = 1; i < c.nsteps; i++)
			if (c.steps[i] <= c.steps[i - 1])
				__builtin_trap();
		canary_release(&c);
	}
	json_decref(doc);
}

/* The input as JSON: an array gives the two events, anything else both. */
static void check_gate(const char *text, size_t len)
{
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	json_t *tested = v, *checked = v, *reasons = NULL;
	size_t i;
	json_t *r;
	int rc;

	if (json_is_array(v)) {
		tested = json_array_get(v, 0);
		checked = json_array_get(v, 1);
	}
	rc = gate_judge(tested, checked, &reasons);
	if (rc == 1 && reasons)
		__builtin_trap();
	if (rc == 0 && (!json_is_array(reasons) || !json_array_size(reasons) ||
			json_array_size(reasons) > 2))
		__builtin_trap();
	if (rc < 0 && (reasons || !ak_errmsg()[0]))
		__builtin_trap();
	json_array_foreach(reasons, i, r)
		if (!json_is_string(r) || !json_string_length(r))
			__builtin_trap();
	json_decref(reasons);
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tf_plan plan = TF_PLAN_INIT;
	const char *p = text, *end = text + size;

	ak_error(AK_EXIT_OK, "%s", "");
	check_plan(tf_plan_parse(text, size, "fuzz.json", &plan), &plan);
	ak_error(AK_EXIT_OK, "%s", "");
	check_plan(tf_state_parse(text, size, "fuzz.json", &plan), &plan);

	check_ui(text, size);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		check_ui(p, n);
		p += n + 1;
	}

	ak_error(AK_EXIT_OK, "%s", "");
	check_canary(text, size);
	ak_error(AK_EXIT_OK, "%s", "");
	check_gate(text, size);
	return 0;
}
