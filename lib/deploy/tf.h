/*
 * tf.h - Terraform (or OpenTofu) for one environment: init, plan, a check
 * of the plan, apply, show.
 *
 * Each environment is a folder of its own, ROOT/environments/ENV (never a
 * workspace), and Terraform runs with that folder as its working
 * directory, -input=false, -no-color, TF_IN_AUTOMATION=1 and a timeout. A
 * plan is saved there as agentkit.tfplan; apply takes only that file, so
 * what is applied is what was planned and checked.
 *
 * The check: a plan that deletes anything (a delete, or a replace, which
 * deletes too) is refused unless the caller allows it, and a refused plan
 * file is removed so that it cannot be applied by accident.
 *
 * Plans are read from `terraform show -json PLANFILE` (format_version 0.x
 * or 1.x); the -json UI stream of plan and apply is read line by line as
 * it arrives, for progress and diagnostics.
 */
#ifndef AK_DEPLOY_TF_H
#define AK_DEPLOY_TF_H

#include <stddef.h>
#include <jansson.h>

/* The largest plan document read (the rest is an error, not a guess). */
#define TF_PLAN_MAX ((size_t)256 << 20)
/* The saved plan's name in the environment's folder. */
#define TF_PLANFILE "agentkit.tfplan"
/* The default timeout of one Terraform run. */
#define TF_TIMEOUT_MS (30L * 60 * 1000)

/* What a plan does to one resource; each resource has exactly one. */
enum tf_action {
	TF_NOOP,
	TF_CREATE,
	TF_READ,
	TF_UPDATE,
	TF_REPLACE,   /* ["delete","create"] or ["create","delete"] */
	TF_DELETE,
	TF_FORGET,    /* removed from the state, left in place */
};

struct tf_resource {
	char *address;
	enum tf_action action;
	int delete_first;     /* TF_REPLACE: ["delete","create"] */
	char *reason;         /* action_reason, or NULL */
};

/* A plan's resource changes and their counts, one bucket per resource. */
struct tf_plan {
	size_t add, change, destroy, replace, read, no_op, forget;
	struct tf_resource *res;
	size_t n;
};

#define TF_PLAN_INIT { 0 }

/*
 * Read the JSON plan representation text (len bytes; name is used in
 * messages) into *plan, which is overwritten. Returns 0, or -1 with
 * ak_error(AK_EXIT_DATAERR) and *plan left empty: not JSON, more than
 * TF_PLAN_MAX bytes, nested past the parser's depth, a format_version
 * whose major is not 0 or 1, or a resource change whose actions are not
 * one of the known lists (a plan we cannot read must not be applied).
 * Unknown keys are ignored.
 */
int tf_plan_parse(const char *text, size_t len, const char *name, struct tf_plan *plan);

/*
 * Read the JSON state representation (`terraform show -json` without a
 * plan) into *plan: every managed and data resource of the root module and
 * its child modules, as TF_NOOP. Same errors as tf_plan_parse.
 */
int tf_state_parse(const char *text, size_t len, const char *name, struct tf_plan *plan);

void tf_plan_release(struct tf_plan *plan);

/* "no-op", "create", "read", "update", "replace", "delete", "forget". */
const char *tf_action_name(enum tf_action a);

/* How many resources the plan deletes: destroy + replace. */
size_t tf_plan_deletes(const struct tf_plan *plan);

/* New {"add","change","destroy","replace"}. */
json_t *tf_plan_changes(const struct tf_plan *plan);

/*
 * New [{"address", "actions": [...], "action_reason"?}], the actions as
 * Terraform writes them; resources without a change (no-op) are left out.
 */
json_t *tf_plan_resources(const struct tf_plan *plan);

/*
 * New {"changes", "read", "no_op", "forget", "resources"}, every resource
 * listed, no-op ones included.
 */
json_t *tf_plan_summary(const struct tf_plan *plan);

/* "Plan: 2 to add, 1 to change, 0 to destroy, 1 to replace." into buf. */
void tf_plan_line(const struct tf_plan *plan, const char *verb, char *buf, size_t len);

/*
 * Record why the plan of env is refused and return -1:
 * ak_error(AK_EXIT_GATE, "plan for 'ENV' deletes N resources (A, B):
 * refused without --allow-destroy"), the addresses cut after a few.
 */
int tf_plan_refusal(const struct tf_plan *plan, const char *env);

/* One line of the -json UI stream, in words. */
enum tf_ui_kind {
	TF_UI_NONE,       /* nothing to say (or not a UI message) */
	TF_UI_PROGRESS,   /* "plan: aws_s3_bucket.logs: create" */
	TF_UI_DIAG,       /* a diagnostic of level error or warn: its message */
};

/*
 * Put what line (len bytes, one JSON object) says into text (always
 * NUL-terminated, cut to textlen) and return its kind.
 */
enum tf_ui_kind tf_ui_line(const char *line, size_t len, char *text, size_t textlen);

/* 1 when env is a plain environment name: 1 to 64 of [a-z0-9_-]. */
int tf_env_name_ok(const char *env);

/*
 * The program to run: flag when set, else env_value (AGENTKIT_TF_BIN) when
 * set and not empty, else "terraform" when an executable of that name is
 * in path (a PATH value; may be NULL), else "tofu". Borrowed.
 */
const char *tf_pick_bin(const char *flag, const char *env_value, const char *path);

struct tf_opts {
	const char *bin;      /* the program, looked up in PATH */
	const char *root;     /* the infrastructure folder */
	const char *env;      /* the environment name */
	long timeout_ms;      /* per run; 0: none */
	int allow_destroy;
	int progress;         /* progress lines on stderr */
};

#define TF_OPTS_INIT { "terraform", "infrastructure", NULL, TF_TIMEOUT_MS, 0, 0 }

/* What one command did. */
struct tf_run {
	char *workdir;        /* ROOT/environments/ENV */
	char *planfile;       /* WORKDIR/agentkit.tfplan */
	struct tf_plan plan;  /* the plan checked (show: the plan or the state) */
	int has_plan;         /* plan holds a plan, not a state */
	int exit_code;        /* Terraform's: for plan 0 no changes, 2 changes */
	int refused;          /* plan: deletes not allowed; the plan file is gone */
	long duration_ms;     /* of the plan or apply run */
};

#define TF_RUN_INIT { NULL, NULL, TF_PLAN_INIT, 0, 0, 0, 0 }

void tf_run_release(struct tf_run *run);

/*
 * The commands. Each checks the environment name and folder first
 * (ak_error AK_EXIT_USAGE: "bad environment name '../x'", "no environment
 * 'ENV' in 'ROOT/environments'"); a program that cannot be run is
 * AK_EXIT_UNAVAILABLE; Terraform failing, or timing out, is
 * AK_EXIT_SOFTWARE after its diagnostics went to stderr; a plan document
 * that cannot be read is AK_EXIT_DATAERR. All return 0 or -1, and *run
 * (which starts as TF_RUN_INIT) is to be released either way.
 *
 * tf_plan removes an old plan file first, saves the new one, reads it back
 * and checks it: deletes not allowed set run->refused and remove the file
 * (the return is 0; the caller reports with tf_plan_refusal).
 *
 * tf_apply needs the saved plan (AK_EXIT_USAGE "no saved plan for 'ENV':
 * run 'agentctl tf plan ENV' first"), checks it again (AK_EXIT_GATE when it
 * deletes and that is not allowed; the file is kept), applies it and
 * removes it.
 *
 * tf_show reads the saved plan when there is one, else the state.
 */
int tf_init(const struct tf_opts *o, struct tf_run *run);
int tf_plan(const struct tf_opts *o, struct tf_run *run);
int tf_apply(const struct tf_opts *o, struct tf_run *run);
int tf_show(const struct tf_opts *o, struct tf_run *run);

#endif
