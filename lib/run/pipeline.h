/*
 * pipeline.h - a pipeline file: the stages of `agentctl run` and the
 * event types that connect them.
 *
 *   name: feature
 *   stages:
 *     analyze:
 *       run: agent-analyze
 *       in: requirement.submitted
 *       out: requirement.analyzed
 *     deploy:
 *       run: [agent-deploy, --auto-approve]
 *       in: [feature.tested, feature.security_checked]
 *       out: [feature.production_deployed, feature.deploy_refused]
 *       timeout: 10m
 *       retries: 1
 *       env: { DEPLOY_ROOT: deployments }
 *
 * A stage runs once per feature, when the feature's history holds an
 * event of every type in its "in" list (so a list of several is a fan-in
 * join); what it writes that is new goes to the stages whose "in" names
 * its type. "out" says what the stage makes: it draws the graph, and a
 * feature whose history already holds one of those types has the stage
 * behind it. Types no stage makes are the pipeline's inputs.
 */
#ifndef AK_RUN_PIPELINE_H
#define AK_RUN_PIPELINE_H

#include <stddef.h>

#define PIPELINE_MAX_STAGES 64
#define PIPELINE_MAX_TYPES 16      /* in or out, per stage */

struct stage {
	char *name;                    /* [a-z0-9_-], at most 32 bytes */
	char **argv;                   /* NULL-terminated */
	char **in, **out;              /* NULL-terminated event types */
	size_t nin, nout;
	char **env;                    /* "NAME=value", NULL-terminated */
	long timeout_ms;               /* default 30 minutes */
	int retries;                   /* further attempts after a failure, 0..10 */
};

struct pipeline {
	char *name;
	struct stage *stages;          /* in the order of the file */
	size_t nstages;
	char **inputs;                 /* types no stage makes, NULL-terminated */
	size_t ninputs;
};

#define PIPELINE_INIT { NULL, NULL, 0, NULL, 0 }

/*
 * Read the pipeline in text[0..len) (YAML; name is the file's name, for
 * messages). 0, or -1 with ak_error(AK_EXIT_DATAERR, "NAME: stages.x.in:
 * REASON") for anything wrong: an unknown key, a stage without run, in or
 * out, a type that is not an event type name, a stage waiting on a type
 * only it or a later stage of its own makes (a cycle), more than
 * PIPELINE_MAX_STAGES stages. *p is left empty on failure.
 */
int pipeline_parse(struct pipeline *p, const char *text, size_t len, const char *name);

/* Read the file at path ("-" is stdin) as pipeline_parse does. */
int pipeline_load(struct pipeline *p, const char *path);

/* Free what *p holds; *p is empty again. */
void pipeline_release(struct pipeline *p);

/* The stage called name, or NULL. */
const struct stage *pipeline_stage(const struct pipeline *p, const char *name);

/* 1 when the NULL-terminated list holds type. */
int pipeline_has_type(char *const *list, const char *type);

#endif
