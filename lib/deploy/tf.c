/*
 * tf.c - Terraform runs for one environment, and the reader of the plans
 * they make.
 *
 * Terraform is run through proc_run with the environment's folder as its
 * working directory. The -json UI stream of plan and apply goes through a
 * line callback as it arrives: diagnostics are printed at once (a long
 * apply that fails early says why early), progress only to a terminal.
 * What decides anything is not that stream but the saved plan, read back
 * with `show -json`: the stream is for people, the plan for the check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "log.h"
#include "proc.h"
#include "deploy/tf.h"
#include "banned.h"

/* Captured output of a run whose stdout is the UI stream or plain text. */
#define TF_OUTPUT_MAX ((size_t)16 << 20)
/* Addresses named in a refusal before "..." */
#define REFUSAL_NAMES 5

static const char *const action_names[] = {
	[TF_NOOP] = "no-op", [TF_CREATE] = "create", [TF_READ] = "read",
	[TF_UPDATE] = "update", [TF_REPLACE] = "replace", [TF_DELETE] = "delete",
	[TF_FORGET] = "forget",
};

const char *tf_action_name(enum tf_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(*action_names) ? action_names[a] : "?";
}

void tf_plan_release(struct tf_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->res[i].address);
		free(plan->res[i].reason);
	}
	free(plan->res);
	memset(plan, 0, sizeof(*plan));
}

/* The action of a list of action names, or -1 for a list not known. */
static int action_of(const json_t *actions, int *delete_first)
{
	static const struct {
		const char *a, *b;
		enum tf_action action;
		int delete_first;
	} known[] = {
		{ "no-op", NULL, TF_NOOP, 0 }, { "create", NULL, TF_CREATE, 0 },
		{ "read", NULL, TF_READ, 0 }, { "update", NULL, TF_UPDATE, 0 },
		{ "delete", "create", TF_REPLACE, 1 }, { "create", "delete", TF_REPLACE, 0 },
		{ "delete", NULL, TF_DELETE, 0 }, { "forget", NULL, TF_FORGET, 0 },
	};
	size_t n = json_array_size(actions);
	const char *a = json_string_value(json_array_get(actions, 0));
	const char *b = json_string_value(json_array_get(actions, 1));

	if (!json_is_array(actions) || n < 1 || n > 2 || !a || (n == 2 && !b))
		return -1;
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (!strcmp(known[i].a, a) && (n == 1 ? !known[i].b :
					      known[i].b && !strcmp(known[i].b, b))) {
			*delete_first = known[i].delete_first;
			return (int)known[i].action;
		}
	return -1;
}

static void count(struct tf_plan *plan, enum tf_action a)
{
	switch (a) {
	case TF_NOOP: plan->no_op++; break;
	case TF_CREATE: plan->add++; break;
	case TF_READ: plan->read++; break;
	case TF_UPDATE: plan->change++; break;
	case TF_REPLACE: plan->replace++; break;
	case TF_DELETE: plan->destroy++; break;
	case TF_FORGET: plan->forget++; break;
	}
}

/* Append a resource; address and reason are copied. 0 or -1. */
static int add_resource(struct tf_plan *plan, const char *address, enum tf_action a,
			int delete_first, const char *reason)
{
	struct tf_resource *r;

	if (!(plan->n & (plan->n + 1)) || !plan->res) {
		/* grow at 0, 1, 3, 7, ...: capacity is the next power of two */
		void *p = realloc(plan->res, (plan->n + 1) * 2 * sizeof(*plan->res));

		if (!p)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		plan->res = p;
	}
	r = &plan->res[plan->n];
	r->address = strdup(address);
	r->reason = reason ? strdup(reason) : NULL;
	r->action = a;
	r->delete_first = delete_first;
	if (!r->address || (reason && !r->reason)) {
		free(r->address);
		free(r->reason);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	plan->n++;
	count(plan, a);
	return 0;
}

/* Parse text as one JSON object with a format_version of major 0 or 1. */
static json_t *load_document(const char *text, size_t len, const char *name)
{
	json_error_t e;
	const char *fv, *dot;
	json_t *doc;

	if (len > TF_PLAN_MAX)
		return ak_error(AK_EXIT_DATAERR, "%s: larger than %zu MiB", name,
				TF_PLAN_MAX >> 20), NULL;
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!doc)
		return ak_data_error(name, e.line, "not a JSON document: %s", e.text), NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return ak_error(AK_EXIT_DATAERR, "%s: not a JSON object", name), NULL;
	}
	fv = json_string_value(json_object_get(doc, "format_version"));
	if (!fv) {
		json_decref(doc);
		return ak_error(AK_EXIT_DATAERR, "%s: no format_version", name), NULL;
	}
	dot = strchr(fv, '.');
	if (!dot || dot - fv != 1 || (fv[0] != '0' && fv[0] != '1')) {
		ak_error(AK_EXIT_DATAERR, "%s: format_version '%s' is not supported (0.x or 1.x)",
			 name, fv);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static int read_changes(struct tf_plan *plan, const json_t *changes, const char *name)
{
	size_t i;
	json_t *rc;

	if (changes && !json_is_array(changes))
		return ak_error(AK_EXIT_DATAERR, "%s: resource_changes is not an array", name);
	json_array_foreach(changes, i, rc) {
		const char *addr = json_string_value(json_object_get(rc, "address"));
		json_t *actions = json_object_get(json_object_get(rc, "change"), "actions");
		int first = 0, a;

		if (!addr)
			return ak_error(AK_EXIT_DATAERR, "%s: resource_changes[%zu] has no address",
					name, i);
		if ((a = action_of(actions, &first)) < 0) {
			char *s = actions ? json_dumps(actions, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

			ak_error(AK_EXIT_DATAERR, "%s: resource '%s': unknown actions %.200s", name,
				 addr, s ? s : "(none)");
			free(s);
			return -1;
		}
		if (add_resource(plan, addr, a, first,
				 json_string_value(json_object_get(rc, "action_reason"))) < 0)
			return -1;
	}
	return 0;
}

int tf_plan_parse(const char *text, size_t len, const char *name, struct tf_plan *plan)
{
	json_t *doc;

	memset(plan, 0, sizeof(*plan));
	if (!(doc = load_document(text, len, name)))
		return -1;
	if (read_changes(plan, json_object_get(doc, "resource_changes"), name) < 0) {
		json_decref(doc);
		tf_plan_release(plan);
		return -1;
	}
	json_decref(doc);
	return 0;
}

/* The resources of a state module and its children (depth is bounded by the parser). */
static int read_module(struct tf_plan *plan, const json_t *mod, const char *name)
{
	json_t *r, *child;
	size_t i;

	json_array_foreach(json_object_get(mod, "resources"), i, r) {
		const char *addr = json_string_value(json_object_get(r, "address"));

		if (!addr)
			return ak_error(AK_EXIT_DATAERR, "%s: a resource has no address", name);
		if (add_resource(plan, addr, TF_NOOP, 0, NULL) < 0)
			return -1;
	}
	json_array_foreach(json_object_get(mod, "child_modules"), i, child)
		if (read_module(plan, child, name) < 0)
			return -1;
	return 0;
}

int tf_state_parse(const char *text, size_t len, const char *name, struct tf_plan *plan)
{
	json_t *doc;
	int rc;

	memset(plan, 0, sizeof(*plan));
	if (!(doc = load_document(text, len, name)))
		return -1;
	rc = read_module(plan, json_object_get(json_object_get(doc, "values"), "root_module"),
			 name);
	json_decref(doc);
	if (rc < 0)
		tf_plan_release(plan);
	return rc;
}

size_t tf_plan_deletes(const struct tf_plan *plan)
{
	return plan->destroy + plan->replace;
}

json_t *tf_plan_changes(const struct tf_plan *plan)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "add", (json_int_t)plan->add,
			 "change", (json_int_t)plan->change, "destroy", (json_int_t)plan->destroy,
			 "replace", (json_int_t)plan->replace);
}

/* New: the actions list of r as Terraform writes it. */
static json_t *actions_json(const struct tf_resource *r)
{
	if (r->action == TF_REPLACE)
		return r->delete_first ? json_pack("[s,s]", "delete", "create") :
		       json_pack("[s,s]", "create", "delete");
	return json_pack("[s]", tf_action_name(r->action));
}

static json_t *resources_json(const struct tf_plan *plan, int with_noop)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < plan->n; i++) {
		const struct tf_resource *r = &plan->res[i];

		if (r->action == TF_NOOP && !with_noop)
			continue;
		if (json_array_append_new(arr, json_pack("{s:s,s:o,s:s*}", "address", r->address,
							  "actions", actions_json(r),
							  "action_reason", r->reason)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *tf_plan_resources(const struct tf_plan *plan)
{
	return resources_json(plan, 0);
}

json_t *tf_plan_summary(const struct tf_plan *plan)
{
	return json_pack("{s:o,s:I,s:I,s:I,s:o}", "changes", tf_plan_changes(plan),
			 "read", (json_int_t)plan->read, "no_op", (json_int_t)plan->no_op,
			 "forget", (json_int_t)plan->forget, "resources",
			 resources_json(plan, 1));
}

void tf_plan_line(const struct tf_plan *plan, const char *verb, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %zu to add, %zu to change, %zu to destroy, %zu to replace.",
		 verb, plan->add, plan->change, plan->destroy, plan->replace);
}

int tf_plan_refusal(const struct tf_plan *plan, const char *env)
{
	struct buf names = BUF_INIT;
	size_t shown = 0, n = tf_plan_deletes(plan);
	int rc;

	buf_init(&names, 4096);
	for (size_t i = 0; i < plan->n; i++) {
		const struct tf_resource *r = &plan->res[i];

		if (r->action != TF_DELETE && r->action != TF_REPLACE)
			continue;
		if (shown == REFUSAL_NAMES) {
			buf_addstr(&names, ", ...");
			break;
		}
		if (buf_addf(&names, "%s%s", shown ? ", " : "", r->address) < 0)
			break;
		shown++;
	}
	rc = ak_error(AK_EXIT_GATE, "plan for '%s' deletes %zu resource%s (%s): "
		      "refused without --allow-destroy", env, n, n == 1 ? "" : "s",
		      names.p ? names.p : "");
	buf_release(&names);
	return rc;
}

/* The hook's resource address and action of an apply_* or planned_change message. */
static void hook_of(const json_t *msg, const char *key, const char **addr, const char **action)
{
	const json_t *h = json_object_get(msg, key);

	*addr = json_string_value(json_object_get(json_object_get(h, "resource"), "addr"));
	*action = json_string_value(json_object_get(h, "action"));
	if (!*addr)
		*addr = "?";
	if (!*action)
		*action = "?";
}

enum tf_ui_kind tf_ui_line(const char *line, size_t len, char *text, size_t textlen)
{
	json_t *msg = len && line[0] == '{' ? json_loadb(line, len, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *level = json_string_value(json_object_get(msg, "@level"));
	const char *message = json_string_value(json_object_get(msg, "@message"));
	enum tf_ui_kind kind = TF_UI_PROGRESS;
	const char *addr, *action;

	if (textlen)
		text[0] = '\0';
	if (!type) {
		kind = TF_UI_NONE;
	} else if (!strcmp(type, "diagnostic") || (!strcmp(type, "log") && level &&
						      (!strcmp(level, "error") ||
						       !strcmp(level, "warn")))) {
		kind = level && (!strcmp(level, "error") || !strcmp(level, "warn")) ?
		       TF_UI_DIAG : TF_UI_NONE;
		snprintf(text, textlen, "%s", message ? message : "(no message)");
	} else if (!strcmp(type, "planned_change") || !strcmp(type, "resource_drift")) {
		hook_of(msg, "change", &addr, &action);
		snprintf(text, textlen, "%s: %s: %s",
			 type[0] == 'p' ? "plan" : "drift", addr, action);
	} else if (!strncmp(type, "apply_", 6)) {
		hook_of(msg, "hook", &addr, &action);
		snprintf(text, textlen, "apply: %s: %s%s", addr, action,
			 !strcmp(type, "apply_start") ? "" :
			 !strcmp(type, "apply_progress") ? " (still running)" :
			 !strcmp(type, "apply_complete") ? " done" :
			 !strcmp(type, "apply_errored") ? " failed" : "");
	} else if (!strcmp(type, "change_summary") && message) {
		snprintf(text, textlen, "%s", message);
	} else {
		kind = TF_UI_NONE;
	}
	json_decref(msg);
	return kind;
}

int tf_env_name_ok(const char *env)
{
	size_t n = env ? strlen(env) : 0;

	if (n < 1 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((env[i] >= 'a' && env[i] <= 'z') || (env[i] >= '0' && env[i] <= '9') ||
		      env[i] == '_' || env[i] == '-'))
			return 0;
	return 1;
}

/* 1 when path (a PATH value) has an executable file named name. */
static int in_path(const char *name, const char *path)
{
	const char *p = path;
	char full[4096];

	while (p && *p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		struct stat st;

		if (n && n + strlen(name) + 2 <= sizeof(full)) {
			snprintf(full, sizeof(full), "%.*s/%s", (int)n, p, name);
			if (!stat(full, &st) && S_ISREG(st.st_mode) && !access(full, X_OK))
				return 1;
		}
		p = colon ? colon + 1 : NULL;
	}
	return 0;
}

const char *tf_pick_bin(const char *flag, const char *env_value, const char *path)
{
	if (flag && *flag)
		return flag;
	if (env_value && *env_value)
		return env_value;
	return in_path("terraform", path) ? "terraform" : "tofu";
}

void tf_run_release(struct tf_run *run)
{
	free(run->workdir);
	free(run->planfile);
	tf_plan_release(&run->plan);
	memset(run, 0, sizeof(*run));
}

static char *join(const char *a, const char *b, const char *c)
{
	struct buf p = BUF_INIT;

	buf_init(&p, 8192);
	if (buf_addf(&p, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "") < 0) {
		buf_release(&p);
		return NULL;
	}
	return buf_detach(&p, NULL);
}

/* Check the environment and fill run's paths. */
static int open_env(const struct tf_opts *o, struct tf_run *run)
{
	struct stat st;

	if (!tf_env_name_ok(o->env))
		return ak_error(AK_EXIT_USAGE, "bad environment name '%s' (use a-z, 0-9, '_', '-')",
				o->env ? o->env : "");
	run->workdir = join(o->root, "environments", o->env);
	run->planfile = run->workdir ? join(run->workdir, TF_PLANFILE, NULL) : NULL;
	if (!run->planfile)
		return -1;
	if (stat(run->workdir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ak_error(AK_EXIT_USAGE, "no environment '%s' in '%s/environments'", o->env,
				o->root);
	return 0;
}

/* What the line callback needs. */
struct stream {
	const char *phase;   /* "init": plain text lines */
	int progress;
};

static void on_line(const char *line, size_t len, void *ctx)
{
	const struct stream *s = ctx;
	char text[1024];
	enum tf_ui_kind k;

	if (!strcmp(s->phase, "init")) {
		if (s->progress && len)
			fprintf(stderr, "init: %.*s\n", (int)(len > 1000 ? 1000 : len), line);
		return;
	}
	k = tf_ui_line(line, len, text, sizeof(text));
	if (k == TF_UI_DIAG)
		log_error("terraform: %s", text);
	else if (k == TF_UI_PROGRESS && s->progress)
		fprintf(stderr, "%s\n", text);
}

/* Say each line of what Terraform wrote on stderr, after it failed. */
static void say_stderr(const struct proc_result *res)
{
	const char *p = res->err, *end = res->err + res->err_len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && strspn(p, " \t\r") < n)
			log_error("terraform: %.*s", (int)(n > 2000 ? 2000 : n), p);
		p += n + 1;
	}
}

/*
 * Run Terraform with args in the environment's folder. stream NULL: plain
 * capture (for show). Returns 0 when it ran (the caller reads *res), or -1.
 */
static int run_tf(const struct tf_opts *o, const struct tf_run *run, const char *const *args,
		  struct stream *stream, size_t max_output, struct proc_result *res)
{
	static const char *const env[] = { "TF_IN_AUTOMATION=1", NULL };
	const char *argv[16];
	struct proc_opts po = PROC_OPTS_INIT;
	size_t n = 0;

	argv[n++] = o->bin;
	while (*args && n < sizeof(argv) / sizeof(*argv) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	po.argv = argv;
	po.cwd = run->workdir;
	po.env = env;
	po.timeout_ms = o->timeout_ms;
	po.max_output = max_output;
	if (stream) {
		po.on_line = on_line;
		po.line_ctx = stream;
	}
	return proc_run(&po, res);
}

/* The failure of a run that ended with another status than ok1 or ok2. */
static int failed(const char *what, const struct tf_opts *o, const struct proc_result *res)
{
	char how[128];

	say_stderr(res);
	return ak_error(AK_EXIT_SOFTWARE, "terraform %s for '%s' failed: %s", what, o->env,
			proc_describe(res, how, sizeof(how)));
}

static int ended(const struct proc_result *res, int ok1, int ok2)
{
	return res->exited && !res->timed_out && (res->exit_code == ok1 || res->exit_code == ok2);
}

int tf_init(const struct tf_opts *o, struct tf_run *run)
{
	static const char *const args[] = { "init", "-input=false", "-no-color", NULL };
	struct stream s = { "init", o->progress };
	struct proc_result res = PROC_RESULT_INIT;
	int rc = 0;

	if (open_env(o, run) < 0 || run_tf(o, run, args, &s, TF_OUTPUT_MAX, &res) < 0)
		return -1;
	run->exit_code = res.exit_code;
	run->duration_ms = res.duration_ms;
	if (!ended(&res, 0, 0))
		rc = failed("init", o, &res);
	proc_result_release(&res);
	return rc;
}

/* Read the saved plan (with_plan) or the state with show -json into run->plan. */
static int show_json(const struct tf_opts *o, struct tf_run *run, int with_plan)
{
	const char *args[] = { "show", "-json", "-no-color", with_plan ? TF_PLANFILE : NULL, NULL };
	struct proc_result res = PROC_RESULT_INIT;
	char name[300];
	int rc;

	tf_plan_release(&run->plan);
	if (run_tf(o, run, args, NULL, TF_PLAN_MAX + 1, &res) < 0)
		return -1;
	if (!ended(&res, 0, 0)) {
		rc = failed("show", o, &res);
		proc_result_release(&res);
		return rc;
	}
	snprintf(name, sizeof(name), "terraform show -json%s%s", with_plan ? " " : "",
		 with_plan ? run->planfile : "");
	rc = with_plan ? tf_plan_parse(res.out, res.out_len, name, &run->plan) :
	     tf_state_parse(res.out, res.out_len, name, &run->plan);
	run->has_plan = with_plan && !rc;
	proc_result_release(&res);
	return rc;
}

static int exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static int remove_plan(const struct tf_run *run)
{
	if (unlink(run->planfile) < 0 && errno != ENOENT)
		return ak_error(AK_EXIT_IOERR, "cannot remove '%s': %s", run->planfile,
				strerror(errno));
	return 0;
}

int tf_plan(const struct tf_opts *o, struct tf_run *run)
{
	static const char *const args[] = { "plan", "-input=false", "-no-color",
					    "-detailed-exitcode", "-json",
					    "-out=" TF_PLANFILE, NULL };
	struct stream s = { "plan", o->progress };
	struct proc_result res = PROC_RESULT_INIT;

	if (open_env(o, run) < 0 || remove_plan(run) < 0 ||
	    run_tf(o, run, args, &s, TF_OUTPUT_MAX, &res) < 0)
		return -1;
	run->exit_code = res.exit_code;
	run->duration_ms = res.duration_ms;
	if (!ended(&res, 0, 2)) {
		failed("plan", o, &res);
		proc_result_release(&res);
		remove_plan(run);
		return -1;
	}
	proc_result_release(&res);
	if (!exists(run->planfile))
		return ak_error(AK_EXIT_SOFTWARE, "terraform plan for '%s' saved no plan in '%s'",
				o->env, run->planfile);
	if (show_json(o, run, 1) < 0) {
		remove_plan(run);
		return -1;
	}
	if (tf_plan_deletes(&run->plan) && !o->allow_destroy) {
		run->refused = 1;
		return remove_plan(run);
	}
	return 0;
}

int tf_apply(const struct tf_opts *o, struct tf_run *run)
{
	static const char *const args[] = { "apply", "-input=false", "-no-color", "-json",
					    TF_PLANFILE, NULL };
	struct stream s = { "apply", o->progress };
	struct proc_result res = PROC_RESULT_INIT;
	int rc;

	if (open_env(o, run) < 0)
		return -1;
	if (!exists(run->planfile))
		return ak_error(AK_EXIT_USAGE, "no saved plan for '%s': run 'agentctl tf plan %s' first",
				o->env, o->env);
	if (show_json(o, run, 1) < 0)
		return -1;
	if (tf_plan_deletes(&run->plan) && !o->allow_destroy)
		return tf_plan_refusal(&run->plan, o->env);
	if (run_tf(o, run, args, &s, TF_OUTPUT_MAX, &res) < 0)
		return -1;
	run->exit_code = res.exit_code;
	run->duration_ms = res.duration_ms;
	rc = ended(&res, 0, 0) ? remove_plan(run) : failed("apply", o, &res);
	proc_result_release(&res);
	return rc;
}

int tf_show(const struct tf_opts *o, struct tf_run *run)
{
	if (open_env(o, run) < 0)
		return -1;
	return show_json(o, run, exists(run->planfile));
}
