/*
 * agent-backend - the backend developer: requirement.analyzed events in,
 * feature.backend_ready events out. From the analysis's entity model it
 * writes the API contract (OpenAPI 3.1), the database schema for SQLite
 * and PostgreSQL (checked by running it) and a service with its tests
 * from a stack of templates (FastAPI by default).
 */
#include <stdio.h>
#include <string.h>

#include "apiview.h"
#include "buf.h"
#include "error.h"
#include "genagent.h"
#include "sqlcheck.h"
#include "store.h"
#include "yamljson.h"
#include "backend/ddl.h"
#include "backend/openapi.h"
#include "banned.h"

enum { OPT_STACK = OPT_AGENT_LAST };

static const struct opt backend_opts[] = {
	{ "stack", OPT_STACK, "NAME", "the installed stack to generate (default fastapi)" },
	GENAGENT_OPT_TEMPLATES_ENTRY("generate from this stack folder instead"),
	GENAGENT_OPT_FORCE_ENTRY,
	GENAGENT_OPT_PORT_ENTRY,
	OPT_END
};

static const char *const consumed[] = { "requirement.analyzed", NULL };

struct backend {
	const char *stack;
};

/* [{method, path, operation_id}] of every operation in doc. */
static json_t *endpoints(const json_t *doc)
{
	static const char *const methods[] = { "get", "post", "put", "patch", "delete", NULL };
	json_t *list = json_array();
	const char *path;
	const json_t *item;

	json_object_foreach((json_t *)json_object_get(doc, "paths"), path, item)
		for (int i = 0; methods[i]; i++) {
			const json_t *op = json_object_get(item, methods[i]);
			char upper[8];
			size_t n = strlen(methods[i]);

			if (!op)
				continue;
			for (size_t k = 0; k <= n; k++)
				upper[k] = methods[i][k] >= 'a' ? (char)(methods[i][k] - 32) :
					methods[i][k];
			json_array_append_new(list, json_pack("{s:s, s:s, s:O}", "method", upper,
							      "path", path, "operation_id",
							      json_object_get(op, "operationId")));
		}
	return list;
}

/* Check the schemas: SQLite always, PostgreSQL when the store is one. */
static json_t *check_schemas(const struct genagent *g, const char *sqlite, const char *pg)
{
	const char *store = config_get(g->a->cfg, "store");
	json_t *checked = json_array();

	if (sqlcheck_sqlite(sqlite) < 0) {
		json_decref(checked);
		return NULL;
	}
	json_array_append_new(checked, json_string("sqlite"));
	if (store && store_spec_is_postgres(store)) {
		if (sqlcheck_postgres(store, pg) < 0) {
			json_decref(checked);
			return NULL;
		}
		json_array_append_new(checked, json_string("postgres"));
	}
	return checked;
}

static json_t *path_in(const char *dir, const char *rel)
{
	return json_sprintf("%s/%s", dir, rel);
}

/* The event's data, from the contract, the view and what was written. */
static json_t *ready_data(struct genagent *g, const char *dir, const json_t *doc,
			  const json_t *view, json_t *checked, const json_t *info,
			  const json_t *result)
{
	const json_t *start = json_object_get(info, "start"), *test = json_object_get(info, "test");
	json_t *names = json_array(), *e, *data;
	size_t i;

	json_array_foreach(json_object_get(view, "entities"), i, e)
		json_array_append(names, json_object_get(e, "name"));
	char contract[4200];

	snprintf(contract, sizeof(contract), "%s/openapi.yaml", dir);
	data = json_pack("{s:o, s:{s:o, s:o, s:o}, s:o, s:o, s:s, s:o}",
			 "openapi", genagent_artifact(g->ws, result, contract),
			 "schema", "sqlite", path_in(dir, "app/schema_sqlite.sql"),
			 "postgres", path_in(dir, "app/schema_postgres.sql"), "checked", checked,
			 "endpoints", endpoints(doc), "entities", names,
			 "stack", g->go.templates ? g->go.templates :
			 ((const struct backend *)g->self)->stack,
			 "dir", json_string(dir));
	if (data && start)
		json_object_set_new(data, "start", json_pack(
			"{s:O, s:o, s:O, s:s, s:O*}", "argv", json_object_get(start, "argv"),
			"port", json_integer(g->go.port), "health", json_object_get(start, "health") ?
			json_object_get(start, "health") : json_string("/health"), "cwd", dir,
			"scratch_env", json_object_get(start, "scratch_env")));
	if (data && test)
		json_object_set_new(data, "test", json_pack("{s:O, s:s, s:O*}", "argv",
				    json_object_get(test, "argv"), "cwd", dir,
				    "reports", json_object_get(test, "reports")));
	if (data && genagent_merge(data, result) < 0) {
		json_decref(data);
		data = NULL;
	}
	return data;
}

/* The files written before the stack's: the contract and the schemas. */
static json_t *contract_files(const json_t *doc, const char *sqlite, const char *pg)
{
	struct buf yaml = BUF_INIT;
	json_t *extra = NULL;

	if (yaml_emit((json_t *)doc, &yaml) == 0)
		extra = json_pack("{s:s%, s:s, s:s}", "openapi.yaml", yaml.p, yaml.len,
				  "app/schema_sqlite.sql", sqlite, "app/schema_postgres.sql", pg);
	buf_release(&yaml);
	return extra;
}

static int generate(struct filter *f, struct genagent *g, const json_t *ev, const char *subject,
		    const json_t *unused)
{
	const struct backend *b = g->self;
	const json_t *analysis = json_object_get(ev, "data");
	const char *title = json_string_value(json_object_get(analysis, "title"));
	struct apiview_opts vo = APIVIEW_OPTS_INIT;
	struct buf dir = BUF_INIT, sqlite = BUF_INIT, pg = BUF_INIT;
	json_t *doc = NULL, *view = NULL, *checked = NULL, *extra = NULL, *result = NULL;
	json_t *info = NULL, *data = NULL, *out;
	int rc = -1;

	vo.title = title;
	vo.feature = subject;
	vo.port = g->go.port;
	if (buf_addf(&dir, "%s/agent-backend", subject) < 0 ||
	    !(doc = openapi_from_analysis(analysis, title ? title : subject, "0.1.0")) ||
	    !(view = apiview_from_openapi(doc, &vo)) ||
	    ddl_write(view, DDL_SQLITE, &sqlite) < 0 || ddl_write(view, DDL_POSTGRES, &pg) < 0 ||
	    !(checked = check_schemas(g, sqlite.p, pg.p)) ||
	    !(extra = contract_files(doc, sqlite.p, pg.p)) ||
	    genagent_render(g->ws, dir.p, b->stack, &g->go, view, extra, &result, &info) < 0 ||
	    !(data = ready_data(g, dir.p, doc, view, checked, info, result)))
		goto out;
	checked = NULL;
	out = filter_event(f, "feature.backend_ready", subject, data, ev);
	data = NULL;
	rc = out ? filter_emit(f, out) : -1;
out:
	json_decref(doc);
	json_decref(view);
	json_decref(checked);
	json_decref(extra);
	json_decref(result);
	json_decref(info);
	json_decref(data);
	buf_release(&dir);
	buf_release(&sqlite);
	buf_release(&pg);
	return rc;
}

static int option(struct genagent *g, int key, const char *arg)
{
	if (key == OPT_STACK)
		((struct backend *)g->self)->stack = arg;
	return 0;
}

static const struct genagent_program backend = {
	.prog = "agent-backend",
	.synopsis = "Turn requirement.analyzed events into feature.backend_ready events: an\n"
		"OpenAPI 3.1 contract, SQLite and PostgreSQL schemas and a tested service,\n"
		"written to the workspace.\n",
	.opts = backend_opts,
	.consumes = consumed,
	.option = option,
	.generate = generate,
};

int main(int argc, char **argv)
{
	struct backend b = { "fastapi" };

	return genagent_main(&backend, &b, argc, argv);
}
