/*
 * genagent.h - what agent-backend, agent-frontend and agent-app share:
 * reading the API contract, rendering a stack into the feature's folder
 * and describing the result in an event.
 */
#ifndef AK_GENAGENT_H
#define AK_GENAGENT_H

#include <jansson.h>

#include "agent.h"
#include "filter.h"
#include "opts.h"
#include "workspace.h"

/* The options the three generators have in common. */
struct genagent_opts {
	const char *templates;   /* --templates DIR: a stack folder, or NULL */
	const char *openapi;     /* --openapi FILE: the contract, or NULL */
	int force;               /* --force: overwrite edited files */
	int port;                /* --port: the service's port */
};

#define GENAGENT_OPTS_INIT { NULL, NULL, 0, 8000 }

/* A generator at work: what its generate function gets. */
struct genagent {
	struct agent *a;
	struct workspace *ws;     /* opened at the first input */
	struct genagent_opts go;
	void *self;               /* the program's own state */
};

/*
 * What a generator program is. generate answers one input: ev is the
 * consumed event (NULL for --openapi alone), doc the contract when
 * from_contract is set (else NULL: the program reads ev itself); it emits
 * through f and returns 0, or -1 with ak_error.
 */
struct genagent_program {
	const char *prog;             /* "agent-frontend" */
	const char *synopsis;         /* the lines of --help before "Options:" */
	const struct opt *opts;       /* the program's own options */
	const char *const *consumes;
	int from_contract;            /* reads an OpenAPI document; --openapi alone */
	/* a program option: 0, or -1 with ak_error (a usage error) */
	int (*option)(struct genagent *g, int key, const char *arg);
	int (*generate)(struct filter *f, struct genagent *g, const json_t *ev,
			const char *subject, const json_t *doc);
};

/*
 * The whole main of a generator: options (the common ones, --templates,
 * --force, --openapi and --port are taken here when p->opts lists them),
 * --help, --version, then the filter loop over the inputs, or one run for
 * --openapi FILE without inputs. Returns the exit status.
 */
int genagent_main(const struct genagent_program *p, void *self, int argc, char **argv);

/* Options the generators share, for their tables; genagent_main takes them. */
enum {
	GENAGENT_OPT_TEMPLATES = OPT_AGENT_LAST + 50,
	GENAGENT_OPT_FORCE,
	GENAGENT_OPT_OPENAPI,
	GENAGENT_OPT_PORT,
};

#define GENAGENT_OPT_TEMPLATES_ENTRY(help) \
	{ "templates", GENAGENT_OPT_TEMPLATES, "DIR", help }
#define GENAGENT_OPT_FORCE_ENTRY \
	{ "force", GENAGENT_OPT_FORCE, NULL, "overwrite generated files their user has changed" }
#define GENAGENT_OPT_OPENAPI_ENTRY \
	{ "openapi", GENAGENT_OPT_OPENAPI, "FILE", "generate from this contract (YAML or JSON)" }
#define GENAGENT_OPT_PORT_ENTRY \
	{ "port", GENAGENT_OPT_PORT, "N", "the port the service listens on (default 8000)" }

/*
 * The OpenAPI document (YAML or JSON) named by o->openapi, else by the
 * event's data.openapi.path in the workspace. New reference, or NULL with
 * ak_error (AK_EXIT_DATAERR when it is missing or not a document).
 */
json_t *genagent_contract(struct workspace *ws, const json_t *ev,
			  const struct genagent_opts *o);

/*
 * Render stack (a name under templates/, unless o->templates names a
 * folder) with view into dir (relative to the workspace), with extra files
 * first: extra is an object {relpath: text} or NULL. On success *result is
 * a new object {"artifacts", "kept", "ignored"} and *info the stack's
 * stack.json (new). 0, or -1 with ak_error.
 */
int genagent_render(struct workspace *ws, const char *dir, const char *stack,
		    const struct genagent_opts *o, const json_t *view, const json_t *extra,
		    json_t **result, json_t **info);

/*
 * The artifact record of path (relative to the workspace): the one in
 * result's artifacts when it was written this run, else made from the file
 * as it is (a kept or ignored file). New reference, or NULL with ak_error.
 */
json_t *genagent_artifact(struct workspace *ws, const json_t *result, const char *path);

/* Parse a --port value (1-65535) into *port. 0, or -1 with ak_error. */
int genagent_port(const char *arg, int *port);

/* Copy "artifacts", "kept" and "ignored" of result into data. 0 or -1. */
int genagent_merge(json_t *data, const json_t *result);

/*
 * The feature a contract names when no event does (--openapi alone): the
 * feature id of the document's info.title and its text. out has room for
 * FEATURE_ID_MAX + 1 bytes.
 */
void genagent_subject(const json_t *doc, char *out);

#endif
