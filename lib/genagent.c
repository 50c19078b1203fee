/*
 * genagent.c - the common part of the code generating agents (see
 * genagent.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#include "agent.h"
#include "buf.h"
#include "codegen.h"
#include "error.h"
#include "event.h"
#include "genagent.h"
#include "yamljson.h"
#include "banned.h"

#define MAX_CONTRACT (16u << 20)

json_t *genagent_contract(struct workspace *ws, const json_t *ev, const struct genagent_opts *o)
{
	struct buf text = BUF_INIT;
	char *data = NULL;
	const char *src;
	size_t len = 0;
	const char *name = o->openapi;
	json_t *doc = NULL;

	if (name) {
		buf_init(&text, MAX_CONTRACT);
		if (buf_read_file(&text, name) < 0) {
			buf_release(&text);
			return NULL;
		}
		src = text.p ? text.p : "";
		len = text.len;
	} else {
		name = json_string_value(json_object_get(json_object_get(json_object_get(
			ev, "data"), "openapi"), "path"));
		if (!name)
			return ak_error(AK_EXIT_DATAERR, "the event names no contract "
					"(data.openapi.path)"), NULL;
		if (workspace_read(ws, name, &data, &len) < 0)
			return NULL;
		src = data;
	}
	doc = yaml_parse(src, len, name);   /* JSON is YAML too */
	if (o->openapi)
		buf_release(&text);
	else
		free(data);
	return doc;
}

int genagent_render(struct workspace *ws, const char *dir, const char *stack,
		    const struct genagent_opts *o, const json_t *view, const json_t *extra,
		    json_t **result, json_t **info)
{
	struct buf stack_dir = BUF_INIT;
	struct codegen *g = NULL;
	const char *rel;
	json_t *text;

	*result = *info = NULL;
	if (codegen_stack_dir(stack, o->templates, &stack_dir) < 0 ||
	    !(*info = codegen_stack_info(stack_dir.p, o->port)) ||
	    !(g = codegen_begin(ws, dir, o->force)))
		goto fail;
	json_object_foreach((json_t *)extra, rel, text)
		if (codegen_put(g, rel, json_string_value(text), json_string_length(text)) < 0)
			goto fail;
	if (codegen_render(g, stack_dir.p, view) < 0)
		goto fail;
	buf_release(&stack_dir);
	return codegen_end(g, result);
fail:
	codegen_abort(g);
	json_decref(*info);
	*info = NULL;
	buf_release(&stack_dir);
	return -1;
}

int genagent_merge(json_t *data, const json_t *result)
{
	return json_object_set(data, "artifacts", json_object_get(result, "artifacts")) ||
		json_object_set(data, "kept", json_object_get(result, "kept")) ||
		json_object_set(data, "ignored", json_object_get(result, "ignored")) ? -1 : 0;
}

int genagent_port(const char *arg, int *port)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < 1 || v > 65535)
		return ak_error(AK_EXIT_USAGE, "--port: '%s' is not a port (1-65535)", arg);
	*port = (int)v;
	return 0;
}

void genagent_subject(const json_t *doc, char *out)
{
	const char *title = json_string_value(json_object_get(json_object_get(doc, "info"),
							      "title"));
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

	event_feature_id(title ? title : "api", text ? text : "", text ? strlen(text) : 0, out);
	free(text);
}

json_t *genagent_artifact(struct workspace *ws, const json_t *result, const char *path)
{
	size_t i;
	json_t *a;
	char *data, sha[65];
	size_t len;

	json_array_foreach(json_object_get(result, "artifacts"), i, a)
		if (!strcmp(json_string_value(json_object_get(a, "path")), path))
			return json_incref(a);
	if (workspace_read(ws, path, &data, &len) < 0)
		return NULL;
	sha256_hex(data, len, sha);
	free(data);
	return json_pack("{s:s, s:s, s:I, s:s}", "path", path, "sha256", sha, "bytes",
			 (json_int_t)len, "media_type", media_type_for(path));
}

static int open_ws(struct genagent *g)
{
	if (!g->ws && !(g->ws = workspace_open(config_get(g->a->cfg, "workspace"))))
		return -1;
	return 0;
}

struct run {
	const struct genagent_program *p;
	struct genagent g;
};

static int handle(struct filter *f, const json_t *ev, void *ctx)
{
	struct run *r = ctx;
	json_t *doc = NULL;
	int rc;

	if (open_ws(&r->g) < 0 ||
	    (r->p->from_contract && !(doc = genagent_contract(r->g.ws, ev, &r->g.go))))
		return -1;
	rc = r->p->generate(f, &r->g, ev, json_string_value(json_object_get(ev, "subject")), doc);
	json_decref(doc);
	return rc;
}

/* --openapi FILE alone: one run, no events read. */
static int alone(struct filter *f, struct run *r)
{
	char subject[FEATURE_ID_MAX + 1];
	json_t *doc;
	int rc;

	if (open_ws(&r->g) < 0 || !(doc = genagent_contract(r->g.ws, NULL, &r->g.go)))
		return agent_die(r->p->prog);
	genagent_subject(doc, subject);
	rc = r->p->generate(f, &r->g, NULL, subject, doc);
	json_decref(doc);
	if (rc < 0 || filter_commit(f) < 0)
		return agent_die(r->p->prog);
	return 0;
}

static void usage(const struct genagent_program *p)
{
	printf("Usage: %s [OPTION]... [FILE]...\n", p->prog);
	if (p->from_contract)
		printf("   or: %s --openapi FILE [OPTION]...\n", p->prog);
	printf("%s\nOptions:\n", p->synopsis);
	opts_help(stdout, p->opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1), agentkit-templates(5) and agentkit(7).\n", p->prog);
}

/* A shared generator option: 1 when key was one, 0 when not, -1 bad. */
static int shared_option(struct genagent *g, int key, const char *arg)
{
	switch (key) {
	case GENAGENT_OPT_TEMPLATES:
		g->go.templates = arg;
		return 1;
	case GENAGENT_OPT_FORCE:
		g->go.force = 1;
		return 1;
	case GENAGENT_OPT_OPENAPI:
		g->go.openapi = arg;
		return 1;
	case GENAGENT_OPT_PORT:
		return genagent_port(arg, &g->go.port) < 0 ? -1 : 1;
	default:
		return 0;
	}
}

int genagent_main(const struct genagent_program *p, void *self, int argc, char **argv)
{
	struct agent a;
	struct opts o;
	const char *arg;
	char source[128];
	int k, status;
	struct run r = { p, { &a, NULL, GENAGENT_OPTS_INIT, self } };
	struct filter_def def = { .consumes = p->consumes, .handle = handle, .ctx = &r };
	struct filter *f;

	if (agent_init(&a, p->prog) < 0)
		return agent_die(p->prog);
	opts_begin(&o, p->prog, agent_common_opts, p->opts, argc, argv, 0);
	while ((k = opts_next(&o, &arg)) != -1) {
		int rc;

		if (k == '?')
			return agent_finish(&a, agent_usage_error(p->prog, opts_error(&o)));
		if ((rc = agent_option(&a, k, arg)) == 0 && (rc = shared_option(&r.g, k, arg)) == 0)
			rc = p->option && p->option(&r.g, k, arg) < 0 ? -1 : 1;
		if (rc < 0)
			return agent_finish(&a, agent_usage_error(p->prog, ak_errmsg()));
	}
	if (a.help) {
		usage(p);
		return agent_finish(&a, 0);
	}
	if (a.version) {
		agent_print_version(p->prog);
		return agent_finish(&a, 0);
	}
	if (a.list_options) {
		opts_list(stdout, "", agent_common_opts);
		opts_list(stdout, "", p->opts);
		return agent_finish(&a, 0);
	}
	snprintf(source, sizeof(source), "agentkit/%s", p->prog);
	if (agent_start(&a, source, environ) < 0)
		return agent_finish(&a, agent_die(p->prog));
	if (!(f = filter_new(&def, &a.fopts, &a.ec, &a.out)))
		return agent_finish(&a, agent_die(p->prog));
	if (p->from_contract && r.g.go.openapi && opts_index(&o) == argc)
		status = alone(f, &r);
	else
		status = agent_filter_inputs(&a, f, argc - opts_index(&o), argv + opts_index(&o));
	filter_free(f);
	workspace_free(r.g.ws);
	return agent_finish(&a, status);
}
