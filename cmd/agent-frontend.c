/*
 * agent-frontend - the frontend developer: feature.backend_ready events
 * in, feature.frontend_ready events out. From the service's API contract
 * it writes a web front end from a stack of templates (React, TypeScript
 * and Vite by default): a typed API client, list, detail and form
 * components per resource, routing, and tests for them.
 */
#include <stdio.h>
#include <string.h>

#include "apiview.h"
#include "buf.h"
#include "genagent.h"
#include "banned.h"

enum { OPT_STACK = OPT_AGENT_LAST };

static const struct opt frontend_opts[] = {
	GENAGENT_OPT_OPENAPI_ENTRY,
	{ "stack", OPT_STACK, "NAME", "the installed stack to generate (default react)" },
	GENAGENT_OPT_TEMPLATES_ENTRY("generate from this stack folder instead"),
	GENAGENT_OPT_FORCE_ENTRY,
	OPT_END
};

static const char *const consumed[] = { "feature.backend_ready", NULL };

struct frontend {
	const char *stack;
};

/* The written files under dir/src/components, tests left out. */
static json_t *components(const json_t *artifacts, const char *dir)
{
	json_t *list = json_array(), *a;
	size_t i, n = strlen(dir);

	json_array_foreach(artifacts, i, a) {
		const char *p = json_string_value(json_object_get(a, "path"));
		if (p && !strncmp(p, dir, n) && !strncmp(p + n, "/src/components/", 16) &&
		    !strstr(p + n, ".test."))
			json_array_append_new(list, json_string(p));
	}
	return list;
}

/*
 * [{operation_id, method, path, body}] that the client calls, from the
 * view; body names the schema sent (null: none), and is left out when the
 * contract's body schema is inline and so has no name.
 */
static json_t *client_operations(const json_t *view)
{
	static const char *const key[5] = { "op_list", "op_create", "op_get", "op_update",
					    "op_delete" };
	static const char *const method[5] = { "GET", "POST", "GET", "PUT", "DELETE" };
	json_t *ops = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(view, "entities"), i, e) {
		const char *path = json_string_value(json_object_get(e, "path"));
		for (int k = 0; k < 5; k++)
			json_array_append_new(ops, json_pack("{s:O, s:s, s:o, s:O*}", "operation_id",
				json_object_get(e, key[k]), "method", method[k], "path",
				k < 2 ? json_string(path) : json_sprintf("%s/{id}", path), "body",
				k == 1 || k == 3 ? json_object_get(e, "input_schema") : json_null()));
	}
	return ops;
}

/* {argv, cwd, reports, setup} of the stack's command named key, or NULL. */
static json_t *command(const json_t *info, const char *key, const char *dir)
{
	const json_t *cmd = json_object_get(info, key), *argv = json_object_get(cmd, "argv");
	return argv ? json_pack("{s:O, s:s, s:O*, s:O*}", "argv", argv, "cwd", dir,
				"reports", json_object_get(cmd, "reports"),
				"setup", json_object_get(cmd, "setup")) : NULL;
}

static int generate(struct filter *f, struct genagent *g, const json_t *ev, const char *subject,
		    const json_t *doc)
{
	const char *stack = ((struct frontend *)g->self)->stack;
	struct apiview_opts vo = APIVIEW_OPTS_INIT;
	struct buf dir = BUF_INIT;
	json_t *view = NULL, *result = NULL, *info = NULL, *data = NULL, *out;
	int rc = -1;

	vo.feature = subject;
	if (buf_addf(&dir, "%s/agent-frontend", subject) < 0 ||
	    !(view = apiview_from_openapi(doc, &vo)) ||
	    genagent_render(g->ws, dir.p, stack, &g->go, view, NULL, &result, &info) < 0)
		goto out;
	data = json_pack("{s:o, s:{s:o, s:o}, s:s, s:s, s:o*, s:o*}",
			 "components", components(json_object_get(result, "artifacts"), dir.p),
			 "client", "path", json_sprintf("%s/src/api/client.ts", dir.p),
			 "operations", client_operations(view),
			 "stack", g->go.templates ? g->go.templates : stack, "dir", dir.p,
			 "build", command(info, "build", dir.p), "test", command(info, "test", dir.p));
	if (!data || genagent_merge(data, result) < 0)
		goto out;
	out = filter_event(f, "feature.frontend_ready", subject, data, ev);
	data = NULL;
	rc = out ? filter_emit(f, out) : -1;
out:
	json_decref(view);
	json_decref(result);
	json_decref(info);
	json_decref(data);
	buf_release(&dir);
	return rc;
}

static int option(struct genagent *g, int key, const char *arg)
{
	if (key == OPT_STACK)
		((struct frontend *)g->self)->stack = arg;
	return 0;
}

static const struct genagent_program frontend = {
	.prog = "agent-frontend",
	.synopsis = "Turn feature.backend_ready events into feature.frontend_ready events: a web\n"
		"front end for the service's API with a typed client, components and tests,\n"
		"written to the workspace. With --openapi and no FILE, generate once for that\n"
		"contract without reading events.\n",
	.opts = frontend_opts,
	.consumes = consumed,
	.from_contract = 1,
	.option = option,
	.generate = generate,
};

int main(int argc, char **argv)
{
	struct frontend fe = { "react" };

	return genagent_main(&frontend, &fe, argc, argv);
}
