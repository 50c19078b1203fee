/*
 * agent-deploy - the deployment engineer. For each feature it joins
 * feature.tested and feature.security_checked; when both pass it builds
 * and packages a reproducible artifact (with a CycloneDX SBOM), deploys it
 * to staging (Terraform through --infra, the --deploy hook), smoke- and
 * performance-checks it, waits for a person's approval, and releases it
 * to production: step by step with automatic rollback (--rollout), or in
 * one go through the hook. Alone, --feature ID reads the gate's events
 * from the store.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "buf.h"
#include "clock.h"
#include "error.h"
#include "filter.h"
#include "join.h"
#include "log.h"
#include "proc.h"
#include "shwords.h"
#include "store.h"
#include "workspace.h"
#include "deploy/artifact.h"
#include "deploy/gate.h"
#include "deploy/sbom.h"
#include "deploy/tf.h"
#include "rollout/analysis.h"
#include "rollout/canary.h"
#include "rollout/rollout.h"
#include "banned.h"

#define PROG "agent-deploy"
#define SOURCE "agentkit/agent-deploy"

extern char **environ;

enum {
	OPT_FEATURE = OPT_AGENT_LAST,
	OPT_STORE,
	OPT_BUILD,
	OPT_BUILD_TIMEOUT,
	OPT_PACKAGE,
	OPT_VERSION_LABEL,
	OPT_DEPLOY,
	OPT_DEPLOY_TIMEOUT,
	OPT_INFRA,
	OPT_TF_BIN,
	OPT_ALLOW_DESTROY,
	OPT_STAGING,
	OPT_SMOKE,
	OPT_SMOKE_REQUESTS,
	OPT_AUTO_APPROVE,
	OPT_APPROVAL_TIMEOUT,
	OPT_ROLLOUT,
	OPT_PAUSE_TIMEOUT,
	OPT_QUIET,
};

static const struct opt deploy_opts[] = {
	{ "feature", OPT_FEATURE, "ID", "deploy this feature alone, its gate read from the store" },
	{ "store", OPT_STORE, "STORE", "the store: joins, approvals, rollout state" },
	{ "build", OPT_BUILD, "COMMAND", "build first, in the package folder (run by argv)" },
	{ "build-timeout", OPT_BUILD_TIMEOUT, "DURATION", "stop the build after this (default 30m)" },
	{ "package", OPT_PACKAGE, "DIR",
	  "what to package; {feature} is replaced (default: WORKSPACE/{feature}/agent-backend)" },
	{ "release", OPT_VERSION_LABEL, "VERSION", "the version to release (default: from the digest)" },
	{ "deploy", OPT_DEPLOY, "COMMAND",
	  "deploy hook, run by argv with {environment} {artifact} {version} {feature} {sha256}" },
	{ "deploy-timeout", OPT_DEPLOY_TIMEOUT, "DURATION", "stop the hook after this (default 15m)" },
	{ "infra", OPT_INFRA, "DIR", "plan and apply DIR/environments/ENV with Terraform first" },
	{ "tf-bin", OPT_TF_BIN, "PROGRAM", "terraform or tofu (AGENTKIT_TF_BIN)" },
	{ "allow-destroy", OPT_ALLOW_DESTROY, NULL, "apply plans that delete resources" },
	{ "staging", OPT_STAGING, "NAME", "the staging environment's name (default staging)" },
	{ "smoke", OPT_SMOKE, "URL", "smoke and performance check of staging at URL" },
	{ "smoke-requests", OPT_SMOKE_REQUESTS, "N", "requests of the check (default 20)" },
	{ "auto-approve", OPT_AUTO_APPROVE, NULL, "release to production without a person's approval" },
	{ "approval-timeout", OPT_APPROVAL_TIMEOUT, "DURATION",
	  "wait this long for `agentctl approve` (default: do not wait)" },
	{ "rollout", OPT_ROLLOUT, "FILE", "release to production step by step with this canary file" },
	{ "pause-timeout", OPT_PAUSE_TIMEOUT, "DURATION",
	  "at a rollout's pause, wait this long for a person (default: do not wait)" },
	{ "quiet", OPT_QUIET, NULL, "no progress lines on stderr" },
	OPT_END
};

static const char *const consumes[] = { "feature.tested", "feature.security_checked", NULL };

struct deployer {
	const char *feature, *build, *package, *release, *deploy, *infra, *tf_bin;
	const char *staging, *smoke, *rollout;
	int64_t build_timeout_ms, deploy_timeout_ms, approval_timeout_ms, pause_timeout_ms;
	int smoke_requests, allow_destroy, auto_approve, quiet;
	int pending;                  /* some feature waits for a person: exit 75 */
	struct agent *a;
	struct filter *f;
	struct workspace *ws;
	struct store *store;
	struct join *join;
};

/* What one release carries from stage to stage. */
struct release {
	const char *feature;
	const json_t *cause;
	char version[80];
	char sha256[65];
	char rel[1024];               /* the artifact, relative to the workspace */
	char abs[4096];
	json_t *artifacts;            /* [{path, sha256, bytes, media_type}] */
};

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n"
	       "  or:  %s --feature ID --store STORE [OPTION]...\n", PROG, PROG);
	printf("Join feature.tested and feature.security_checked per feature; when both pass,\n"
	       "build, package and deploy to staging, check it, and release to production\n"
	       "(step by step with --rollout). Exit 1 when a gate refuses or a rollout rolls\n"
	       "back, 75 when a feature waits for approval or a paused rollout.\n\nOptions:\n");
	opts_help(stdout, deploy_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1), agentctl(1) and agentkit(7).\n", PROG);
}

static int parse_options(void *ctx, int key, const char *arg)
{
	struct deployer *d = ctx;
	char *end;
	long n;

	switch (key) {
	case OPT_FEATURE:
		if (!event_feature_id_ok(arg))
			return ak_error(AK_EXIT_USAGE, "bad feature id '%s'", arg);
		d->feature = arg;
		return 0;
	case OPT_STORE: return config_set(d->a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_BUILD: d->build = arg; return 0;
	case OPT_BUILD_TIMEOUT: return duration_parse(arg, &d->build_timeout_ms);
	case OPT_PACKAGE: d->package = arg; return 0;
	case OPT_VERSION_LABEL: d->release = arg; return 0;
	case OPT_DEPLOY: d->deploy = arg; return 0;
	case OPT_DEPLOY_TIMEOUT: return duration_parse(arg, &d->deploy_timeout_ms);
	case OPT_INFRA: d->infra = arg; return 0;
	case OPT_TF_BIN: return config_set(d->a->cfg, "tf.bin", arg, CONFIG_FLAG, "--tf-bin");
	case OPT_ALLOW_DESTROY: d->allow_destroy = 1; return 0;
	case OPT_STAGING: d->staging = arg; return 0;
	case OPT_SMOKE:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
			return ak_error(AK_EXIT_USAGE, "--smoke wants an http(s) URL, not '%s'", arg);
		d->smoke = arg;
		return 0;
	case OPT_SMOKE_REQUESTS:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || end == arg || n < 1 || n > 100000)
			return ak_error(AK_EXIT_USAGE, "--smoke-requests wants 1 to 100000, not '%s'",
					arg);
		d->smoke_requests = (int)n;
		return 0;
	case OPT_AUTO_APPROVE: d->auto_approve = 1; return 0;
	case OPT_APPROVAL_TIMEOUT: return duration_parse(arg, &d->approval_timeout_ms);
	case OPT_ROLLOUT: d->rollout = arg; return 0;
	case OPT_PAUSE_TIMEOUT: return duration_parse(arg, &d->pause_timeout_ms);
	case OPT_QUIET:
		d->quiet = 1;
		return log_set_level("warn");
	}
	return 0;
}

/* ---- running a hook --------------------------------------------------- */

/* Run command (split like a shell would, run by argv) with the placeholders
 * of pairs replaced. Fills *info with {command, exit, duration_ms}. */
static int run_hook(const char *what, const char *command, const char *const *pairs,
		    int64_t timeout_ms, const char *cwd, json_t **info)
{
	struct proc_opts po = PROC_OPTS_INIT;
	struct proc_result res = PROC_RESULT_INIT;
	json_t *words = shwords_split(command), *w;
	const char **argv = NULL;
	struct buf b = BUF_INIT;
	char how[128];
	size_t i, n;
	int rc = -1;

	*info = NULL;
	if (!words)
		return -1;
	n = json_array_size(words);
	if (!(argv = calloc(n + 1, sizeof(*argv))))
		goto out;
	json_array_foreach(words, i, w) {
		if (shwords_expand(&b, json_string_value(w), pairs) < 0 ||
		    json_array_set_new(words, i, json_string(b.p)) < 0)
			goto out;
		argv[i] = json_string_value(json_array_get(words, i));
	}
	po.argv = argv;
	po.cwd = cwd;
	po.timeout_ms = (long)timeout_ms;
	if (proc_run(&po, &res) < 0)
		goto out;
	proc_describe(&res, how, sizeof(how));
	if (!res.exited || res.exit_code) {
		const char *err = res.err_len ? res.err : res.out;
		size_t len = strcspn(err, "\n");

		ak_error(AK_EXIT_UNAVAILABLE, "%s '%s' %s%s%.*s", what, argv[0], how,
			 len ? ": " : "", (int)(len > 300 ? 300 : len), err);
		goto out;
	}
	*info = json_pack("{s:O,s:i,s:I}", "command", words, "exit", res.exit_code,
			  "duration_ms", (json_int_t)res.duration_ms);
	rc = *info ? 0 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
out:
	if (rc < 0 && !*ak_errmsg())
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	proc_result_release(&res);
	buf_release(&b);
	free(argv);
	json_decref(words);
	return rc;
}

/* ---- stages ----------------------------------------------------------- */

static int add_artifact(struct release *r, const char *rel, const char *sha, uint64_t bytes,
			const char *type)
{
	return json_array_append_new(r->artifacts, json_pack("{s:s,s:s,s:I,s:s}", "path", rel,
							     "sha256", sha, "bytes",
							     (json_int_t)bytes, "media_type", type));
}

/* Build, package, SBOM. */
static int package(struct deployer *d, struct release *r)
{
	static const char *const exclude[] = {
		"node_modules", ".git", ".venv", "__pycache__", ".pytest_cache", "*.pyc", NULL
	};
	struct artifact_pack_opts po = ARTIFACT_PACK_OPTS_INIT;
	struct artifact_pack_result res;
	const char *const pairs[] = { "feature", r->feature, NULL };
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct buf dir = BUF_INIT, sbom_rel = BUF_INIT;
	struct artifact art;
	json_t *sbom = NULL, *info = NULL;
	size_t ncomp = 0;
	char *text = NULL, *abs = NULL;
	int rc = -1;

	if (d->package ? shwords_expand(&dir, d->package, pairs) < 0 :
	    buf_addf(&dir, "%s/%s/agent-backend", workspace_root(d->ws), r->feature) < 0)
		goto out;
	if (access(dir.p, F_OK) < 0) {
		ak_error(AK_EXIT_DATAERR, "nothing to package for %s: '%s': %s", r->feature, dir.p,
			 strerror(errno));
		goto out;
	}
	if (d->build) {
		if (run_hook("the build", d->build, pairs, d->build_timeout_ms, dir.p, &info) < 0)
			goto out;
		json_decref(info);
		info = NULL;
	}
	snprintf(r->rel, sizeof(r->rel), "%s/agent-deploy/%s.tar.gz", r->feature, r->feature);
	/* hooks get an absolute path: they may run anywhere */
	if (workspace_prepare(d->ws, r->rel, &abs) < 0)
		goto out;
	snprintf(r->abs, sizeof(r->abs), "%s", abs);
	po.dir = dir.p;
	po.out = r->abs;
	po.prefix = r->feature;
	po.mtime = sde ? strtoll(sde, NULL, 10) : 0;
	po.exclude = exclude;
	if (artifact_pack(&po, &res) < 0)
		goto out;
	memcpy(r->sha256, res.sha256, sizeof(r->sha256));
	if (d->release)
		snprintf(r->version, sizeof(r->version), "%s", d->release);
	else
		snprintf(r->version, sizeof(r->version), "0.0.0+%.12s", res.sha256);
	if (add_artifact(r, r->rel, res.sha256, res.bytes, "application/gzip") < 0)
		goto oom;
	log_info("%s: packaged %lu files (%llu bytes) as %s, sha256 %.12s", r->feature, res.files,
		 res.content_bytes, r->rel, res.sha256);
	if (!(sbom = sbom_build(dir.p, r->feature, r->version, po.mtime, &ncomp)))
		goto out;
	if (ncomp) {
		if (!(text = json_dumps(sbom, JSON_INDENT(2))) ||
		    buf_addf(&sbom_rel, "%s/agent-deploy/sbom.cdx.json", r->feature) < 0)
			goto oom;
		if (workspace_write(d->ws, sbom_rel.p, text, strlen(text), &art) < 0)
			goto out;
		rc = add_artifact(r, art.path, art.sha256, art.bytes, "application/vnd.cyclonedx+json");
		artifact_release(&art);
		if (rc < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = -1;
out:
	free(text);
	free(abs);
	json_decref(sbom);
	buf_release(&dir);
	buf_release(&sbom_rel);
	return rc;
}

/* terraform init, plan and apply of one environment, when --infra is given. */
static int infrastructure(struct deployer *d, const char *env, json_t **plan)
{
	struct tf_opts to = TF_OPTS_INIT;
	struct tf_run run = TF_RUN_INIT;
	int rc;

	*plan = json_null();
	if (!d->infra)
		return 0;
	to.root = d->infra;
	to.bin = tf_pick_bin(config_get(d->a->cfg, "tf.bin"), NULL, getenv("PATH"));
	to.env = env;
	to.allow_destroy = d->allow_destroy;
	to.progress = !d->quiet;
	rc = tf_init(&to, &run);
	tf_run_release(&run);
	if (rc == 0 && (rc = tf_plan(&to, &run)) == 0) {
		json_decref(*plan);
		*plan = json_pack("{s:I,s:I,s:I,s:I}", "add", (json_int_t)run.plan.add,
				  "change", (json_int_t)run.plan.change,
				  "destroy", (json_int_t)run.plan.destroy,
				  "replace", (json_int_t)run.plan.replace);
		if (run.refused)
			rc = tf_plan_refusal(&run.plan, env);
		else if (run.exit_code == 2) {
			tf_run_release(&run);
			rc = tf_apply(&to, &run);
		}
	}
	tf_run_release(&run);
	return rc;
}

static int deploy_to(struct deployer *d, struct release *r, const char *env, json_t **info)
{
	const char *const pairs[] = {
		"environment", env, "artifact", r->abs, "version", r->version,
		"feature", r->feature, "sha256", r->sha256, NULL
	};

	*info = json_null();
	if (!d->deploy)
		return 0;
	json_decref(*info);
	return run_hook("the deploy hook", d->deploy, pairs, d->deploy_timeout_ms, NULL, info);
}

/* The smoke and performance check of staging: the engine's own probes. */
static int smoke(struct deployer *d, json_t **smoke_out, json_t **perf, int *ok)
{
	struct analysis_conf ac = ANALYSIS_CONF_INIT;
	struct analysis *an;
	struct measurement m;

	*ok = 1;
	if (!d->smoke) {
		*smoke_out = json_pack("{s:s}", "skipped", "no --smoke URL");
		*perf = json_pack("{s:s}", "skipped", "no --smoke URL");
		return *smoke_out && *perf ? 0 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	ac.health_url = d->smoke;
	ac.probe_url = d->smoke;
	ac.probe_requests = d->smoke_requests;
	ac.min_requests = 1;
	if (!(an = analysis_new(&ac)))
		return -1;
	if (analysis_measure(an, &m) < 0) {
		analysis_free(an);
		return -1;
	}
	analysis_free(an);
	*ok = m.outcome == MEASURE_SUCCESSFUL;
	*smoke_out = json_pack("{s:s,s:s,s:i,s:s}", "url", d->smoke, "status",
			       m.health.outcome == MEASURE_SUCCESSFUL ? "pass" : "fail",
			       "requests", d->smoke_requests, "reason", m.health.reason);
	*perf = json_pack("{s:o,s:o,s:s,s:s}",
			  "p95_ms", isfinite(m.p95_ms.value) ? json_real(m.p95_ms.value) : json_null(),
			  "error_rate", isfinite(m.error_rate.value) ? json_real(m.error_rate.value) :
			  json_null(), "status", *ok ? "pass" : "fail", "reason", m.reason);
	return *smoke_out && *perf ? 0 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* A person's approval: 1 approved (*approval set), 0 still pending. */
static int approval(struct deployer *d, const char *feature, json_t **approval_out)
{
	int64_t deadline;
	int rc;

	if (d->auto_approve) {
		char when[32];

		event_format_time(event_now_ms(&d->a->ec), when);
		*approval_out = json_pack("{s:s,s:s}", "by", "--auto-approve", "at", when);
		return 1;
	}
	if (!d->store) {
		*approval_out = json_pack("{s:s,s:s}", "status", "pending", "reason",
					  "no store to find an approval in");
		return 0;
	}
	deadline = clock_mono_ms() + d->approval_timeout_ms;
	for (;;) {
		if ((rc = gate_approval(d->store, feature, approval_out)) != 0)
			return rc;
		if (clock_mono_ms() >= deadline)
			break;
		clock_sleep_ms(1000);
	}
	*approval_out = json_pack("{s:s,s:s}", "status", "pending", "reason",
				  "waiting for `agentctl approve`");
	return 0;
}

/* Production: the rollout engine with --rollout, else the hook. */
static int production(struct deployer *d, struct release *r)
{
	struct rollout_opts o = ROLLOUT_OPTS_INIT;
	struct canary c;
	json_t *cfg, *info = NULL, *data;
	int rc;

	if (!d->rollout) {
		if (!d->deploy) {
			log_warn("%s: no --rollout or --deploy: production left as it is", r->feature);
			return 0;
		}
		if (deploy_to(d, r, "production", &info) < 0)
			return -1;
		data = json_pack("{s:s,s:s,s:s,s:o}", "environment", "production", "version",
				 r->version, "strategy", "direct", "deploy", info);
		return filter_verdict(d->f, "feature.production_deployed", r->feature, data,
				      r->cause, 0);
	}
	if (canary_load(d->rollout, &c) < 0)
		return -1;
	cfg = json_deep_copy(c.doc);
	canary_release(&c);
	if (!cfg || json_object_set_new(cfg, "subject", json_string(r->feature)) < 0 ||
	    json_object_set_new(cfg, "version", json_string(r->version)) < 0) {
		json_decref(cfg);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	/* what is queued so far goes out first: the rollout writes as it goes */
	if (filter_commit(d->f) < 0 || (d->deploy && deploy_to(d, r, "production", &info) < 0)) {
		json_decref(cfg);
		return -1;
	}
	o.store = d->store;
	o.ec = &d->a->ec;
	o.out = &d->a->out;
	o.cause = r->cause;
	o.pause_timeout_ms = d->pause_timeout_ms;
	o.progress = !d->quiet;
	rc = rollout_start(&o, r->feature, cfg);
	json_decref(cfg);
	if (rc < 0) {
		json_decref(info);
		return -1;
	}
	if (rc == ROLLOUT_PAUSED) {
		d->pending = 1;
		json_decref(info);
		return 0;
	}
	if (rc != ROLLOUT_PROMOTED) {
		json_decref(info);
		filter_gate_failed(d->f);
		return 0;
	}
	data = json_pack("{s:s,s:s,s:s,s:s,s:o}", "environment", "production", "version",
			 r->version, "strategy", "canary", "rollout", r->feature, "deploy",
			 info ? info : json_null());
	return filter_verdict(d->f, "feature.production_deployed", r->feature, data, r->cause, 0);
}

static int refuse(struct deployer *d, const char *feature, const json_t *cause, const char *stage,
		  json_t *reasons)
{
	json_t *data = json_pack("{s:s,s:o}", "stage", stage, "reasons", reasons);
	size_t i;
	json_t *why;

	json_array_foreach(reasons, i, why)
		log_warn("%s: not deployed: %s", feature, json_string_value(why));
	return filter_verdict(d->f, "feature.deploy_refused", feature, data, cause, 1);
}

static int release(struct deployer *d, const char *feature, const json_t *tested,
		   const json_t *checked, const json_t *cause)
{
	struct release r = { .feature = feature, .cause = cause };
	json_t *reasons = NULL, *plan = NULL, *hook = NULL, *smoke_j = NULL, *perf = NULL;
	json_t *appr = NULL, *data;
	int rc = gate_judge(tested, checked, &reasons), ok, approved;
	const char *staging = d->staging ? d->staging : "staging";

	if (rc <= 0)
		return rc < 0 ? -1 : refuse(d, feature, cause, "gate", reasons);
	if (!(r.artifacts = json_array()))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = -1;
	if (package(d, &r) < 0)
		goto out;
	if (infrastructure(d, staging, &plan) < 0) {
		/* a plan that deletes is a gate, not a failure */
		if (ak_errcode() == AK_EXIT_GATE)
			rc = refuse(d, feature, cause, "staging", json_pack("[s]", ak_errmsg()));
		goto out;
	}
	if (deploy_to(d, &r, staging, &hook) < 0)
		goto out;
	data = json_pack("{s:s,s:s,s:{s:s,s:s},s:O,s:O,s:O}", "environment", staging,
			 "version", r.version, "artifact", "path", r.rel, "sha256", r.sha256,
			 "plan", plan, "deploy", hook, "artifacts", r.artifacts);
	if (filter_verdict(d->f, "feature.staging_deployed", feature, data, cause, 0) < 0 ||
	    smoke(d, &smoke_j, &perf, &ok) < 0)
		goto out;
	if (!ok) {
		char why[512];

		snprintf(why, sizeof(why), "the staging check failed: %s",
			 json_string_value(json_object_get(perf, "reason")));
		rc = refuse(d, feature, cause, "staging", json_pack("[s]", why));
		goto out;
	}
	if ((approved = approval(d, feature, &appr)) < 0)
		goto out;
	data = json_pack("{s:O,s:O,s:O}", "smoke", smoke_j, "performance", perf, "approval", appr);
	if (filter_verdict(d->f, "feature.ready_for_production", feature, data, cause, 0) < 0)
		goto out;
	if (!approved) {
		log_info("%s: ready for production; waiting for `agentctl approve %s --by NAME`",
			 feature, feature);
		d->pending = 1;
		rc = 0;
		goto out;
	}
	rc = production(d, &r);
out:
	json_decref(r.artifacts);
	json_decref(plan);
	json_decref(hook);
	json_decref(smoke_j);
	json_decref(perf);
	json_decref(appr);
	return rc;
}

/* ---- the filter ------------------------------------------------------- */

static int handle(struct filter *f, const json_t *ev, void *ctx)
{
	struct deployer *d = ctx;
	json_t *held[2];
	int rc = join_add_event(d->join, ev, held);

	if (rc <= 0)
		return rc;
	rc = release(d, event_attr(ev, "subject"), held[0], held[1], ev);
	if (rc == 0)
		rc = join_clear(d->join, event_attr(ev, "subject"));
	json_decref(held[0]);
	json_decref(held[1]);
	return rc;
}

/* --feature ID: the gate's events from the store. */
static int alone(struct deployer *d)
{
	json_t *tested = NULL, *checked = NULL;
	int rc = -1;

	if (!d->store)
		return ak_error(AK_EXIT_USAGE, "--feature needs a store (--store) to read the "
				"feature's test and security results from");
	if (gate_latest(d->store, d->feature, "feature.tested", &tested) >= 0 &&
	    gate_latest(d->store, d->feature, "feature.security_checked", &checked) >= 0)
		rc = release(d, d->feature, tested, checked, checked ? checked : tested);
	json_decref(tested);
	json_decref(checked);
	return rc < 0 ? -1 : filter_commit(d->f);
}

/* A rollout file is read once before anything is done, so that a bad one
 * stops the program before it packages or deploys. */
static int check_rollout(const char *path)
{
	struct canary c;

	if (canary_load(path, &c) < 0)
		return -1;
	canary_release(&c);
	return 0;
}

int main(int argc, char **argv)
{
	struct deployer d = {
		.build_timeout_ms = 30 * 60 * 1000, .deploy_timeout_ms = 15 * 60 * 1000,
		.smoke_requests = 20,
	};
	struct filter_def def = { .consumes = consumes, .handle = handle, .ctx = &d };
	const char *spec;
	struct agent a;
	int first, status;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	d.a = &a;
	status = agent_command_line(&a, deploy_opts, argc, argv, parse_options, &d, usage, &first);
	if (status >= 0)
		return agent_finish(&a, status);
	if (d.feature && first < argc)
		return agent_finish(&a, agent_usage_error(PROG, "--feature takes no input files"));

	if (agent_start(&a, SOURCE, environ) < 0 ||
	    !(d.ws = workspace_open(config_get(a.cfg, "workspace"))))
		return agent_finish(&a, agent_die(PROG));
	spec = config_get(a.cfg, "store");
	if (d.rollout && !(spec && *spec))
		status = agent_usage_error(PROG, "--rollout needs a store (--store) for the "
					   "rollout's state");
	else if (d.rollout && check_rollout(d.rollout) < 0)
		status = agent_die(PROG);
	else if (spec && *spec && !(d.store = store_open(spec, NULL)))
		status = agent_die(PROG);
	else if (!(d.join = join_new(d.store, PROG, consumes)) ||
		 !(d.f = filter_new(&def, &a.fopts, &a.ec, &a.out)))
		status = agent_die(PROG);
	else if (d.feature)
		status = alone(&d) < 0 ? agent_die(PROG) : filter_status(d.f);
	else
		status = agent_filter_inputs(&a, d.f, argc - first, argv + first);
	if (status == 0 && d.pending)
		status = AK_EXIT_TEMPFAIL;
	filter_free(d.f);
	join_free(d.join);
	if (d.store)
		store_close(d.store);
	workspace_free(d.ws);
	return agent_finish(&a, status);
}
