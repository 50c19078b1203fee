/*
 * u-apiview.c - from an analysis to a contract, from a contract to the
 * templates' view, and from the view to SQL (lib/backend/openapi.c,
 * lib/apiview.c, lib/backend/ddl.c, lib/sqlcheck.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apiview.h"
#include "buf.h"
#include "error.h"
#include "sqlcheck.h"
#include "backend/ddl.h"
#include "backend/openapi.h"
#include "tap.h"
#include "banned.h"

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v)
		printf("Bail out! bad test JSON: %s\n", err.text);
	return v;
}

/* The value at a jq-like path of plain keys and indexes: "a.b.0.c". */
static const json_t *at(const json_t *v, const char *path)
{
	char key[128];

	while (v && *path) {
		size_t n = strcspn(path, ".");
		char *end;
		long i;

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		i = strtol(key, &end, 10);
		v = *end == '\0' && json_is_array(v) ? json_array_get(v, (size_t)i) :
			json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return v;
}

static const char *str_at(const json_t *v, const char *path)
{
	const char *s = json_string_value(at(v, path));
	return s ? s : "(none)";
}

/* The entity of view named name. */
static const json_t *entity(const json_t *view, const char *name)
{
	size_t i;
	const json_t *e;

	json_array_foreach(json_object_get(view, "entities"), i, e)
		if (!strcmp(str_at(e, "name"), name))
			return e;
	return NULL;
}

static const json_t *field(const json_t *e, const char *name)
{
	size_t i;
	const json_t *f;

	json_array_foreach(json_object_get(e, "fields"), i, f)
		if (!strcmp(str_at(f, "name"), name))
			return f;
	return NULL;
}

static void test_contract(void)
{
	json_t *a = load(
		"{\"entities\":["
		" {\"name\":\"Task\",\"fields\":["
		"  {\"name\":\"title\",\"type\":\"string\",\"required\":true,\"unique\":true},"
		"  {\"name\":\"id\",\"type\":\"integer\"},"
		"  {\"name\":\"priority\",\"type\":\"enum\",\"values\":[\"low\",\"high\"]},"
		"  {\"name\":\"owner\",\"type\":\"id\",\"required\":true},"
		"  {\"name\":\"kind\",\"type\":\"enum\"}],"
		"  \"relations\":[{\"kind\":\"belongs_to\",\"entity\":\"Project\"},"
		"   {\"kind\":\"belongs_to\",\"entity\":\"Task\"},"
		"   {\"kind\":\"belongs_to\",\"entity\":\"Nowhere\"}]},"
		" {\"name\":\"project\",\"fields\":[],\"relations\":[]},"
		" {\"name\":\"Owner\",\"fields\":[{\"name\":\"task\",\"type\":\"id\",\"required\":true}]}"
		"]}");
	json_t *doc = openapi_from_analysis(a, "Board", "1.2.3"), *view;
	struct apiview_opts o = APIVIEW_OPTS_INIT;
	const json_t *task, *in;

	ok(doc != NULL, "a contract is made");
	is_str(str_at(doc, "openapi"), "3.1.0", "OpenAPI 3.1");
	is_str(str_at(doc, "info.title"), "Board API", "the API is named after the feature");
	in = at(doc, "components.schemas.TaskInput");
	ok(!at(in, "properties.id"), "an id field of the model is not taken");
	is_str(str_at(in, "properties.owner_id.x-references"), "Owner",
	       "an id typed field naming an entity is its foreign key");
	is_str(str_at(in, "properties.project_id.x-references"), "Project",
	       "belongs_to makes a foreign key");
	is_str(str_at(in, "properties.task_id.x-references"), "Task", "a self reference");
	is_str(str_at(in, "properties.kind.type.0"), "string", "an enum without values is a string");
	is_str(str_at(doc, "components.schemas.TaskPriority.enum.1"), "high",
	       "an enum with values is a schema of its own");
	{
		char *req = json_dumps(at(in, "required"), JSON_COMPACT);
		/* Task needs an Owner and an Owner needs a Task: one key gives way */
		is_str(req, "[\"title\"]", "required: the cycle Task<->Owner is broken on "
		       "Task's side, the self reference is optional");
		free(req);
		req = json_dumps(at(doc, "components.schemas.OwnerInput.required"), JSON_COMPACT);
		is_str(req, "[\"task_id\"]", "and Owner's key stays required");
		free(req);
	}
	is_str(str_at(doc, "paths./tasks.get.operationId"), "listTasks", "list");
	is_str(str_at(doc, "paths./tasks/{id}.delete.operationId"), "deleteTask", "delete");
	is_str(str_at(doc, "paths./tasks/{id}.get.responses.404.$ref"),
	       "#/components/responses/NotFound", "a missing item is a problem");

	view = apiview_from_openapi(doc, &o);
	ok(view != NULL, "the contract gives a view");
	is_str(str_at(view, "entities.2.name"), "Owner", "parents come first: Owner after Task");
	task = entity(view, "Task");
	is_str(str_at(task, "plural_kebab"), "tasks", "the collection segment");
	is_str(str_at(task, "display"), "title", "the display field");
	is_str(str_at(field(task, "priority"), "enum_type"), "TaskPriority", "the enum's type");
	is_str(str_at(field(task, "priority"), "values.0.kt"), "LOW", "kotlin enum constants");
	is_str(str_at(field(task, "owner_id"), "references.plural_snake"), "owners",
	       "a reference names its table");
	ok(json_is_true(at(field(task, "title"), "unique")), "unique is carried");
	is_int(json_integer_value(at(field(task, "title"), "max_length")), 255, "max_length");
	json_decref(view);
	json_decref(doc);
	json_decref(a);

	a = load("{\"entities\":[]}");
	ok(!openapi_from_analysis(a, "x", "1") && ak_errcode() == AK_EXIT_DATAERR,
	   "no entities: a data error");
	is_str(ak_errmsg(), "the analysis has no entities to build an API on", "its message");
	json_decref(a);
}

/* A document we did not write: other operation ids, {taskId}, inline schemas. */
static void test_foreign(void)
{
	json_t *doc = load(
		"{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"Pets\",\"version\":\"2\"},"
		"\"paths\":{"
		" \"/pets\":{\"get\":{\"operationId\":\"pets-list\",\"responses\":{}},"
		"  \"post\":{\"operationId\":\"addPet\",\"requestBody\":{\"content\":{"
		"   \"application/json\":{\"schema\":{\"type\":\"object\",\"required\":[\"name\"],"
		"    \"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":40},"
		"     \"kind\":{\"type\":\"string\",\"enum\":[\"cat\",\"dog\"]},"
		"     \"born\":{\"type\":\"string\",\"format\":\"date\"},"
		"     \"bad-name\":{\"type\":\"string\"},"
		"     \"id\":{\"type\":\"integer\"}}}}}},"
		"   \"responses\":{\"201\":{\"content\":{\"application/json\":{\"schema\":"
		"    {\"$ref\":\"#/components/schemas/Pet\"}}}}}}},"
		" \"/pets/{petId}\":{\"get\":{\"operationId\":\"showPet\",\"responses\":{}},"
		"  \"put\":{\"responses\":{}},\"delete\":{\"responses\":{}}},"
		" \"/stores\":{\"get\":{\"responses\":{}},\"post\":{\"responses\":{}}}},"
		"\"components\":{\"schemas\":{\"Pet\":{\"type\":\"object\"}}}}");
	struct apiview_opts o = APIVIEW_OPTS_INIT;
	json_t *view = apiview_from_openapi(doc, &o);
	const json_t *pet = entity(view, "Pet");
	char *names;

	ok(pet != NULL, "a resource of a foreign document");
	is_int((long long)json_array_size(json_object_get(view, "entities")), 1,
	       "a path without the five operations is left out");
	is_str(str_at(pet, "op_list"), "petsList", "operation ids become identifiers");
	is_str(str_at(pet, "op_update"), "updatePet", "a missing operation id is made");
	is_str(str_at(pet, "path"), "/pets", "the collection path");
	names = json_dumps(at(pet, "fields"), JSON_COMPACT);
	ok(names && !strstr(names, "bad-name") && !strstr(names, "\"id\""),
	   "fields that are not identifiers, and id, are left out");
	free(names);
	is_str(str_at(field(pet, "kind"), "type"), "enum", "an inline enum");
	is_str(str_at(field(pet, "kind"), "enum_type"), "PetKind", "named after its entity");
	is_str(str_at(field(pet, "born"), "type"), "date", "a date");
	is_int(json_integer_value(at(field(pet, "name"), "max_length")), 40, "maxLength kept");
	is_str(str_at(view, "title"), "Pets", "the document's title");
	is_str(str_at(view, "kotlin_package"), "dev.agentkit.pets", "a kotlin package");
	json_decref(view);
	json_decref(doc);

	doc = load("{\"swagger\":\"2.0\",\"paths\":{}}");
	ok(!apiview_from_openapi(doc, &o), "swagger 2 is refused");
	is_str(ak_errmsg(), "not an OpenAPI 3 document (no 'openapi: 3.x' and 'paths')",
	       "with a clear message");
	json_decref(doc);
}

static const char sqlite_expected[] =
	"-- the schema of shop_api (SQLite)\n"
	"PRAGMA foreign_keys = ON;\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS \"customers\" (\n"
	"    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"    \"email\" TEXT NOT NULL UNIQUE CHECK (length(\"email\") <= 255)\n"
	");\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS \"orders\" (\n"
	"    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"    \"from\" TEXT NOT NULL CHECK (length(\"from\") <= 255),\n"
	"    \"state\" TEXT CHECK (\"state\" IN ('new', 'it''s paid')),\n"
	"    \"paid\" INTEGER CHECK (\"paid\" IN (0, 1)),\n"
	"    \"total\" NUMERIC,\n"
	"    \"customer_id\" INTEGER NOT NULL REFERENCES \"customers\" (\"id\") ON DELETE CASCADE\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS \"orders_customer_id_idx\" ON \"orders\" (\"customer_id\");\n";

static const char pg_expected[] =
	"-- the schema of shop_api (PostgreSQL)\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS \"customers\" (\n"
	"    \"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"    \"email\" varchar(255) NOT NULL UNIQUE\n"
	");\n"
	"\n"
	"CREATE TABLE IF NOT EXISTS \"orders\" (\n"
	"    \"id\" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
	"    \"from\" varchar(255) NOT NULL,\n"
	"    \"state\" text CHECK (\"state\" IN ('new', 'it''s paid')),\n"
	"    \"paid\" boolean,\n"
	"    \"total\" numeric(12,2),\n"
	"    \"customer_id\" bigint NOT NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS \"orders_customer_id_idx\" ON \"orders\" (\"customer_id\");\n"
	"\n"
	"ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_customer_id_fkey\" FOREIGN KEY "
	"(\"customer_id\") REFERENCES \"customers\" (\"id\") ON DELETE CASCADE;\n";

static void test_ddl(void)
{
	json_t *a = load(
		"{\"entities\":["
		" {\"name\":\"Order\",\"fields\":["
		"  {\"name\":\"from\",\"type\":\"string\",\"required\":true},"
		"  {\"name\":\"state\",\"type\":\"enum\",\"values\":[\"new\",\"it's paid\"]},"
		"  {\"name\":\"paid\",\"type\":\"boolean\"},"
		"  {\"name\":\"total\",\"type\":\"money\"}],"
		"  \"relations\":[{\"kind\":\"belongs_to\",\"entity\":\"Customer\"}]},"
		" {\"name\":\"Customer\",\"fields\":["
		"  {\"name\":\"email\",\"type\":\"email\",\"required\":true,\"unique\":true}],"
		"  \"relations\":[{\"kind\":\"has_many\",\"entity\":\"Order\"}]}]}");
	json_t *doc, *view;
	struct apiview_opts o = APIVIEW_OPTS_INIT;
	struct buf sq = BUF_INIT, pg = BUF_INIT;
	const char *url = getenv("AGENTKIT_TEST_PG");

	/* belongs_to alone leaves the key optional; make it required */
	json_object_set_new(json_array_get(json_object_get(json_array_get(json_object_get(
		a, "entities"), 0), "fields"), 0), "required", json_true());
	json_array_append_new(json_object_get(json_array_get(json_object_get(a, "entities"), 0),
					      "fields"),
			      json_pack("{s:s, s:s, s:b}", "name", "customer", "type", "id",
					"required", 1));
	doc = openapi_from_analysis(a, "Shop", "1");
	view = apiview_from_openapi(doc, &o);
	ok(ddl_write(view, DDL_SQLITE, &sq) == 0, "the SQLite schema is written");
	is_str(sq.p, sqlite_expected, "the SQLite schema, whole");
	ok(ddl_write(view, DDL_POSTGRES, &pg) == 0, "the PostgreSQL schema is written");
	is_str(pg.p, pg_expected, "the PostgreSQL schema, whole");
	ok(sqlcheck_sqlite(sq.p) == 0, "SQLite runs it");
	ok(sqlcheck_sqlite("CREATE TABLE x (a INTEGER); CREATE TABLE x (b TEXT);") < 0 &&
	   ak_errcode() == AK_EXIT_DATAERR, "a broken script is refused");
	is_str(ak_errmsg(), "SQLite refuses the schema: table x already exists", "with SQLite's word");
	if (url && *url) {
		ok(sqlcheck_postgres(url, pg.p) == 0, "PostgreSQL runs it");
		ok(sqlcheck_postgres(url, pg.p) == 0, "and again: the check left nothing behind");
		ok(sqlcheck_postgres(url, "CREATE TABLE \"a\" (\"b\" nosuchtype);") < 0 &&
		   ak_errcode() == AK_EXIT_DATAERR, "PostgreSQL refuses a bad type");
	} else {
		for (int i = 0; i < 3; i++)
			ok(1, "# SKIP AGENTKIT_TEST_PG not set");
	}
	ok(sqlcheck_postgres("postgresql://127.0.0.1:1/none?connect_timeout=2", pg.p) < 0 &&
	   ak_errcode() == AK_EXIT_UNAVAILABLE, "an unreachable server is unavailable, not bad data");
	buf_release(&sq);
	buf_release(&pg);
	json_decref(view);
	json_decref(doc);
	json_decref(a);
}

int main(void)
{
	test_contract();
	test_foreign();
	test_ddl();
	return done_testing();
}
