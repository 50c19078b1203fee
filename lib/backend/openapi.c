/*
 * openapi.c - analysis entities to an OpenAPI 3.1 document (see openapi.h).
 *
 * Two passes: the model is first read into a small normalised form (names
 * spelled, types known, foreign keys placed, cycles broken), then the
 * document is built from that form alone, so what the document says is
 * exactly what the normalisation decided.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jpack.h"
#include "names.h"
#include "backend/openapi.h"
#include "banned.h"

#define MAX_ENTITIES 200
#define MAX_FIELDS 128

enum ftype { F_STRING, F_TEXT, F_INTEGER, F_NUMBER, F_BOOLEAN, F_DATE, F_DATETIME, F_EMAIL,
	     F_URL, F_ENUM, F_MONEY, F_FK };

static const char *const ftype_names[] = {
	"string", "text", "integer", "number", "boolean", "date", "datetime", "email", "url",
	"enum", "money", "id"
};

struct field {
	char *name;               /* snake_case wire name */
	enum ftype type;
	int required, unique;
	const json_t *values;     /* enum values (borrowed from the analysis) */
	int ref;                  /* F_FK: index of the entity referred to */
};

struct entity {
	char *name;               /* PascalCase */
	char *snake;
	struct field f[MAX_FIELDS];
	int nf;
	int placed;               /* topological order: already emitted */
};

struct model {
	struct entity e[MAX_ENTITIES];
	int ne;
	int order[MAX_ENTITIES];
};

static void model_release(struct model *m)
{
	for (int i = 0; i < m->ne; i++) {
		for (int j = 0; j < m->e[i].nf; j++)
			free(m->e[i].f[j].name);
		free(m->e[i].name);
		free(m->e[i].snake);
	}
}

static int find_entity(const struct model *m, const char *name)
{
	char *pascal = name_case(name, NAME_PASCAL);
	int found = -1;

	for (int i = 0; pascal && i < m->ne && found < 0; i++)
		if (!strcmp(m->e[i].name, pascal))
			found = i;
	free(pascal);
	return found;
}

static int find_field(const struct entity *e, const char *snake)
{
	for (int j = 0; j < e->nf; j++)
		if (!strcmp(e->f[j].name, snake))
			return j;
	return -1;
}

static int type_of(const char *s)
{
	for (int t = 0; s && t <= F_FK; t++)
		if (!strcmp(s, ftype_names[t]))
			return t;
	return F_STRING;
}

/* Add field name to e unless it is "id", empty or already there. */
static struct field *add_field(struct entity *e, const char *name, enum ftype type)
{
	char *snake;

	if (e->nf == MAX_FIELDS)
		return NULL;
	if (!(snake = name_case(name, NAME_SNAKE)))
		return NULL;
	if (!strcmp(snake, "id") || find_field(e, snake) >= 0) {
		free(snake);
		return NULL;
	}
	e->f[e->nf] = (struct field){ .name = snake, .type = type, .ref = -1 };
	return &e->f[e->nf++];
}

/* The foreign key of e to entity ref, made when missing. */
static struct field *fk_field(struct model *m, struct entity *e, int ref)
{
	char key[300];
	int j;

	snprintf(key, sizeof(key), "%s_id", m->e[ref].snake);
	if ((j = find_field(e, key)) >= 0) {
		e->f[j].type = F_FK;
		e->f[j].ref = ref;
		return &e->f[j];
	}
	struct field *f = add_field(e, key, F_FK);
	if (f)
		f->ref = ref;
	return f;
}

static int read_entities(struct model *m, const json_t *entities)
{
	size_t i;
	const json_t *je;

	json_array_foreach(entities, i, je) {
		const char *name = json_string_value(json_object_get(je, "name"));
		struct entity *e;

		if (!name || m->ne == MAX_ENTITIES || find_entity(m, name) >= 0)
			continue;
		e = &m->e[m->ne];
		memset(e, 0, sizeof(*e));
		if (!(e->name = name_case(name, NAME_PASCAL)) ||
		    !(e->snake = name_case(name, NAME_SNAKE)))
			return -1;
		m->ne++;
	}
	return 0;
}

/* An "id" typed field names the entity it points at: "account", "owner_id". */
static int id_target(const struct model *m, const char *snake)
{
	char base[300];
	size_t n = strlen(snake);

	snprintf(base, sizeof(base), "%s", snake);
	if (n > 3 && !strcmp(base + n - 3, "_id"))
		base[n - 3] = '\0';
	return find_entity(m, base);
}

static void read_fields(struct model *m, struct entity *e, const json_t *je)
{
	size_t i;
	const json_t *jf;

	json_array_foreach(json_object_get(je, "fields"), i, jf) {
		const char *name = json_string_value(json_object_get(jf, "name"));
		enum ftype t = type_of(json_string_value(json_object_get(jf, "type")));
		int req = json_is_true(json_object_get(jf, "required"));
		struct field *f;

		if (!name)
			continue;
		if (t == F_FK) {
			char *snake = name_case(name, NAME_SNAKE);
			int ref = snake ? id_target(m, snake) : -1;

			free(snake);
			if (ref >= 0) {
				if ((f = fk_field(m, e, ref)))
					f->required |= req;
				continue;
			}
			t = F_INTEGER;
		}
		if (!(f = add_field(e, name, t)))
			continue;
		f->required = req;
		/* a unique flag or choice would allow two rows at most: not meant */
		f->unique = json_is_true(json_object_get(jf, "unique")) && t != F_BOOLEAN &&
			t != F_ENUM;
		if (t == F_ENUM) {
			f->values = json_object_get(jf, "values");
			if (!json_array_size(f->values))
				f->type = F_STRING;
		}
	}
}

static void read_relations(struct model *m, int self, const json_t *je)
{
	size_t i;
	const json_t *jr;

	json_array_foreach(json_object_get(je, "relations"), i, jr) {
		const char *kind = json_string_value(json_object_get(jr, "kind"));
		const char *to = json_string_value(json_object_get(jr, "entity"));
		int other = to ? find_entity(m, to) : -1;

		if (!kind || other < 0)
			continue;
		if (!strcmp(kind, "belongs_to"))
			fk_field(m, &m->e[self], other);
		else if (!strcmp(kind, "has_many") || !strcmp(kind, "has_one"))
			fk_field(m, &m->e[other], self);
	}
}

/* Whether entity from reaches entity to through required foreign keys;
 * seen marks the entities already searched. */
static int reaches(const struct model *m, int from, int to, char *seen)
{
	if (from == to)
		return 1;
	if (seen[from])
		return 0;
	seen[from] = 1;
	for (int j = 0; j < m->e[from].nf; j++) {
		const struct field *f = &m->e[from].f[j];
		if (f->type == F_FK && f->required && reaches(m, f->ref, to, seen))
			return 1;
	}
	return 0;
}

/* Make the required keys acyclic, then order entities parents first. */
static void order(struct model *m)
{
	int n = 0;

	for (int i = 0; i < m->ne; i++)
		for (int j = 0; j < m->e[i].nf; j++) {
			struct field *f = &m->e[i].f[j];
			char seen[MAX_ENTITIES] = { 0 };

			if (f->type == F_FK && f->required) {
				f->required = 0;
				if (!reaches(m, f->ref, i, seen))
					f->required = 1;
			}
		}
	while (n < m->ne) {
		for (int i = 0; i < m->ne; i++) {
			int ready = !m->e[i].placed;

			for (int j = 0; ready && j < m->e[i].nf; j++) {
				const struct field *f = &m->e[i].f[j];
				if (f->type == F_FK && f->required && !m->e[f->ref].placed)
					ready = 0;
			}
			if (ready) {
				m->e[i].placed = 1;
				m->order[n++] = i;
			}
		}
	}
}

/* The JSON schema of one field's value; nullable adds "null" to its type. */
static json_t *field_schema(const struct model *m, const struct entity *e,
			    const struct field *f, int nullable)
{
	static const char *const base[] = {
		"string", "string", "integer", "number", "boolean", "string", "string", "string",
		"string", NULL, "number", "integer"
	};
	char *label = name_case(f->name, NAME_LABEL);
	json_t *s;

	if (!label)
		return NULL;
	if (f->type == F_ENUM) {
		char ref[600], *pascal = name_case(f->name, NAME_PASCAL);

		if (!pascal) {
			free(label);
			return NULL;
		}
		snprintf(ref, sizeof(ref), "#/components/schemas/%s%s", e->name, pascal);
		free(pascal);
		s = nullable ? jpack("{s:s, s:[{s:s}, {s:s}]}", "title", label, "anyOf",
					 "$ref", ref, "type", "null") :
			jpack("{s:s, s:s}", "title", label, "$ref", ref);
		free(label);
		return s;
	}
	s = jpack("{s:s}", "title", label);
	free(label);
	if (!s)
		return NULL;
	if (nullable)
		json_object_set_new(s, "type", jpack("[s, s]", base[f->type], "null"));
	else
		json_object_set_new(s, "type", json_string(base[f->type]));
	switch (f->type) {
	case F_STRING:
		json_object_set_new(s, "maxLength", json_integer(255));
		break;
	case F_EMAIL:
		json_object_set_new(s, "format", json_string("email"));
		json_object_set_new(s, "maxLength", json_integer(255));
		break;
	case F_URL:
		json_object_set_new(s, "format", json_string("uri"));
		json_object_set_new(s, "maxLength", json_integer(2048));
		break;
	case F_INTEGER:
		json_object_set_new(s, "format", json_string("int64"));
		break;
	case F_NUMBER:
		json_object_set_new(s, "format", json_string("double"));
		break;
	case F_DATE:
		json_object_set_new(s, "format", json_string("date"));
		break;
	case F_DATETIME:
		json_object_set_new(s, "format", json_string("date-time"));
		break;
	case F_MONEY:
		json_object_set_new(s, "format", json_string("decimal"));
		json_object_set_new(s, "multipleOf", json_real(0.01));
		break;
	case F_FK:
		json_object_set_new(s, "format", json_string("int64"));
		json_object_set_new(s, "x-references", json_string(m->e[f->ref].name));
		break;
	default:
		break;
	}
	if (f->required && (f->type == F_STRING || f->type == F_EMAIL || f->type == F_URL ||
			    f->type == F_TEXT))
		json_object_set_new(s, "minLength", json_integer(1));
	if (f->unique)
		json_object_set_new(s, "x-unique", json_true());
	return s;
}

/* The item schema (with id, every field present) or the input schema. */
static json_t *entity_schema(const struct model *m, const struct entity *e, int input)
{
	json_t *props = json_object(), *req = json_array(), *s;
	char *label = name_case(e->name, NAME_LABEL);

	if (!input) {
		json_object_set_new(props, "id", jpack("{s:s, s:s, s:b, s:s}", "title", "Id",
							   "type", "integer", "readOnly", 1,
							   "format", "int64"));
		json_array_append_new(req, json_string("id"));
	}
	for (int j = 0; j < e->nf; j++) {
		const struct field *f = &e->f[j];
		json_object_set_new(props, f->name, field_schema(m, e, f, !f->required));
		if (f->required || !input)
			json_array_append_new(req, json_string(f->name));
	}
	s = jpack("{s:s?, s:s, s:o, s:o, s:b}", "title", label, "type", "object",
		      "required", req, "properties", props, "additionalProperties", 0);
	free(label);
	return s;
}

static json_t *problem_ref(const char *name)
{
	char ref[64];
	snprintf(ref, sizeof(ref), "#/components/responses/%s", name);
	return jpack("{s:s}", "$ref", ref);
}

static json_t *schema_ref(const char *name, const char *suffix)
{
	char ref[600];
	snprintf(ref, sizeof(ref), "#/components/schemas/%s%s", name, suffix);
	return jpack("{s:s}", "$ref", ref);
}

static json_t *json_body(json_t *schema)
{
	return jpack("{s:{s:{s:o}}}", "content", "application/json", "schema", schema);
}

static json_t *list_parameters(const struct entity *e)
{
	json_t *params = jpack("[{s:s}, {s:s}, {s:s}]",
				   "$ref", "#/components/parameters/Limit",
				   "$ref", "#/components/parameters/Offset",
				   "$ref", "#/components/parameters/Order");
	json_t *sortable = jpack("[s]", "id");

	for (int j = 0; j < e->nf; j++) {
		const struct field *f = &e->f[j];
		if (f->type != F_TEXT && f->type != F_BOOLEAN)
			json_array_append_new(sortable, json_string(f->name));
	}
	json_array_append_new(params, jpack("{s:s, s:s, s:s, s:{s:s, s:o, s:s}}",
						"name", "sort", "in", "query",
						"description", "the field to sort by",
						"schema", "type", "string", "enum", sortable,
						"default", "id"));
	for (int j = 0; j < e->nf; j++) {
		const struct field *f = &e->f[j];
		static const char *const qtype[] = {
			"string", NULL, "integer", NULL, "boolean", "string", NULL, "string",
			"string", "string", NULL, "integer"
		};
		char desc[300];

		if (!qtype[f->type])
			continue;
		snprintf(desc, sizeof(desc), "only items whose %s is this value", f->name);
		json_array_append_new(params, jpack("{s:s, s:s, s:s, s:b, s:{s:s}}",
							"name", f->name, "in", "query",
							"description", desc, "required", 0,
							"schema", "type", qtype[f->type]));
	}
	return params;
}

static json_t *entity_paths(const struct entity *e, json_t *paths)
{
	char *plural = name_plural(e->name, NAME_KEBAB), *pascal_pl = name_plural(e->name,
										 NAME_PASCAL);
	char *label = name_case(e->name, NAME_LABEL);
	char coll[300], item[320], op[5][300], loc[400];
	json_t *c, *it;

	if (!plural || !pascal_pl || !label) {
		free(plural);
		free(pascal_pl);
		free(label);
		return NULL;
	}
	snprintf(coll, sizeof(coll), "/%s", plural);
	snprintf(item, sizeof(item), "/%s/{id}", plural);
	snprintf(op[0], sizeof(op[0]), "list%s", pascal_pl);
	snprintf(op[1], sizeof(op[1]), "create%s", e->name);
	snprintf(op[2], sizeof(op[2]), "get%s", e->name);
	snprintf(op[3], sizeof(op[3]), "update%s", e->name);
	snprintf(op[4], sizeof(op[4]), "delete%s", e->name);
	snprintf(loc, sizeof(loc), "the new item: %s/{id}", coll);
	c = jpack("{s:{s:s, s:[s], s:s, s:o, s:{s:o, s:o}},"
		      " s:{s:s, s:[s], s:s, s:{s:b, s:{s:{s:o}}},"
		      "    s:{s:{s:s, s:{s:{s:s, s:{s:s}}}, s:{s:{s:o}}}, s:o, s:o}}}",
		      "get", "operationId", op[0], "tags", e->name, "summary", "List items",
		      "parameters", list_parameters(e),
		      "responses", "200", jpack("{s:s, s:o}", "description", "one page of items",
						    "content", jpack("{s:{s:o}}", "application/json",
									 "schema", schema_ref(e->name, "Page"))),
		      "422", problem_ref("Invalid"),
		      "post", "operationId", op[1], "tags", e->name, "summary", "Create an item",
		      "requestBody", "required", 1, "content", "application/json", "schema",
		      schema_ref(e->name, "Input"),
		      "responses", "201", "description", "created",
		      "headers", "Location", "description", loc, "schema", "type", "string",
		      "content", "application/json", "schema", schema_ref(e->name, ""),
		      "409", problem_ref("Conflict"), "422", problem_ref("Invalid"));
	it = jpack("{s:[{s:s}],"
		       " s:{s:s, s:[s], s:s, s:{s:o, s:o}},"
		       " s:{s:s, s:[s], s:s, s:{s:b, s:{s:{s:o}}}, s:{s:o, s:o, s:o, s:o}},"
		       " s:{s:s, s:[s], s:s, s:{s:{s:s}, s:o}}}",
		       "parameters", "$ref", "#/components/parameters/Id",
		       "get", "operationId", op[2], "tags", e->name, "summary", "Read an item",
		       "responses", "200", json_body(schema_ref(e->name, "")),
		       "404", problem_ref("NotFound"),
		       "put", "operationId", op[3], "tags", e->name, "summary", "Replace an item",
		       "requestBody", "required", 1, "content", "application/json", "schema",
		       schema_ref(e->name, "Input"),
		       "responses", "200", json_body(schema_ref(e->name, "")),
		       "404", problem_ref("NotFound"), "409", problem_ref("Conflict"),
		       "422", problem_ref("Invalid"),
		       "delete", "operationId", op[4], "tags", e->name, "summary", "Delete an item",
		       "responses", "204", "description", "deleted",
		       "404", problem_ref("NotFound"));
	free(plural);
	free(pascal_pl);
	free(label);
	if (!c || !it) {
		json_decref(c);
		json_decref(it);
		return NULL;
	}
	/* json_body's objects carry "description" too */
	json_object_set_new(json_object_get(json_object_get(json_object_get(c, "get"),
							    "responses"), "200"),
			    "description", json_string("one page of items"));
	json_object_set_new(json_object_get(json_object_get(json_object_get(it, "get"),
							    "responses"), "200"),
			    "description", json_string("the item"));
	json_object_set_new(json_object_get(json_object_get(json_object_get(it, "put"),
							    "responses"), "200"),
			    "description", json_string("the item as stored"));
	if (json_object_set_new(paths, coll, c) < 0 || json_object_set_new(paths, item, it) < 0)
		return NULL;
	return paths;
}

static json_t *enum_schema(const struct field *f)
{
	json_t *vals = json_array();
	size_t i;
	const json_t *v;

	json_array_foreach(f->values, i, v)
		if (json_is_string(v))
			json_array_append(vals, (json_t *)v);
	return jpack("{s:s, s:o}", "type", "string", "enum", vals);
}

static int entity_schemas(const struct model *m, const struct entity *e, json_t *schemas)
{
	char key[600];

	json_object_set_new(schemas, e->name, entity_schema(m, e, 0));
	snprintf(key, sizeof(key), "%sInput", e->name);
	json_object_set_new(schemas, key, entity_schema(m, e, 1));
	snprintf(key, sizeof(key), "%sPage", e->name);
	json_object_set_new(schemas, key, jpack(
				    "{s:s, s:[s,s,s,s], s:{s:{s:s, s:o}, s:{s:s}, s:{s:s}, s:{s:s}}}",
				    "type", "object", "required", "items", "total", "limit", "offset",
				    "properties", "items", "type", "array", "items",
				    schema_ref(e->name, ""), "total", "type", "integer",
				    "limit", "type", "integer", "offset", "type", "integer"));
	for (int j = 0; j < e->nf; j++) {
		char *pascal;
		if (e->f[j].type != F_ENUM)
			continue;
		if (!(pascal = name_case(e->f[j].name, NAME_PASCAL)))
			return -1;
		snprintf(key, sizeof(key), "%s%s", e->name, pascal);
		free(pascal);
		json_object_set_new(schemas, key, enum_schema(&e->f[j]));
	}
	return 0;
}

static json_t *problem_response(const char *description)
{
	return jpack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content",
			 "application/problem+json", "schema", "$ref",
			 "#/components/schemas/Problem");
}

static json_t *components(void)
{
	return jpack(
		"{s:{s:{s:s, s:s, s:b, s:{s:s, s:s}},"
		"    s:{s:s, s:s, s:b, s:{s:s, s:i, s:i, s:i}},"
		"    s:{s:s, s:s, s:b, s:{s:s, s:i, s:i}},"
		"    s:{s:s, s:s, s:b, s:{s:s, s:[s,s], s:s}}},"
		" s:{s:o, s:o, s:o},"
		" s:{s:{s:s, s:s, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s},"
		"      s:{s:s, s:{s:s, s:[s,s], s:{s:{s:s}, s:{s:s}}}}}}}}",
		"parameters",
		"Id", "name", "id", "in", "path", "required", 1, "schema", "type", "integer",
		"format", "int64",
		"Limit", "name", "limit", "in", "query", "required", 0, "schema", "type", "integer",
		"minimum", 1, "maximum", 100, "default", 20,
		"Offset", "name", "offset", "in", "query", "required", 0, "schema", "type", "integer",
		"minimum", 0, "default", 0,
		"Order", "name", "order", "in", "query", "required", 0, "schema", "type", "string",
		"enum", "asc", "desc", "default", "asc",
		"responses",
		"NotFound", problem_response("no such item"),
		"Conflict", problem_response("a unique value is taken"),
		"Invalid", problem_response("the request does not validate"),
		"schemas",
		"Problem", "type", "object", "description", "RFC 9457 problem details",
		"required", "title", "properties", "type", "type", "string", "title", "type", "string",
		"status", "type", "integer", "detail", "type", "string", "instance", "type", "string",
		"errors", "type", "array", "items", "type", "object", "required", "field", "message",
		"properties", "field", "type", "string", "message", "type", "string");
}

/* An operation without parameters that answers 200 with schema (stolen). */
static json_t *plain_op(const char *id, const char *summary, const char *desc,
			const char *media, json_t *schema)
{
	return jpack("{s:s, s:s, s:{s:{s:s, s:{s:{s:o}}}}}", "operationId", id, "summary", summary,
		    "responses", "200", "description", desc, "content", media, "schema", schema);
}

static json_t *build(const struct model *m, const char *title, const char *version)
{
	json_t *doc, *paths, *comp, *schemas;
	char api[600];

	snprintf(api, sizeof(api), "%s API", title && *title ? title : "Feature");
	paths = jpack("{s:{s:o}, s:{s:o}}",
		     "/health", "get", plain_op("health", "Liveness", "the service is up",
						"application/json",
						jpack("{s:s, s:{s:{s:s}}}", "type", "object",
						     "properties", "status", "type", "string")),
		     "/metrics", "get", plain_op("metrics", "Prometheus metrics",
						 "metrics in the Prometheus text format",
						 "text/plain", jpack("{s:s}", "type", "string")));
	comp = components();
	doc = jpack("{s:s, s:{s:s, s:s}, s:[{s:s}], s:o, s:o}", "openapi", "3.1.0",
			"info", "title", api, "version", version, "servers", "url",
			"http://127.0.0.1:8000", "paths", paths, "components", comp);
	if (!doc)
		return NULL;
	schemas = json_object_get(comp, "schemas");
	for (int k = 0; k < m->ne; k++) {
		const struct entity *e = &m->e[m->order[k]];
		if (!entity_paths(e, paths) || entity_schemas(m, e, schemas) < 0) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

json_t *openapi_from_analysis(const json_t *analysis, const char *title, const char *version)
{
	const json_t *entities = json_object_get(analysis, "entities");
	struct model *m = calloc(1, sizeof(*m));
	json_t *doc = NULL;
	size_t i;
	const json_t *je;

	if (!m)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory"), NULL;
	if (read_entities(m, entities) < 0)
		goto out;
	if (m->ne == 0) {
		ak_error(AK_EXIT_DATAERR, "the analysis has no entities to build an API on");
		goto out;
	}
	json_array_foreach(entities, i, je) {
		const char *name = json_string_value(json_object_get(je, "name"));
		int self = name ? find_entity(m, name) : -1;
		if (self >= 0)
			read_fields(m, &m->e[self], je);
	}
	json_array_foreach(entities, i, je) {
		const char *name = json_string_value(json_object_get(je, "name"));
		int self = name ? find_entity(m, name) : -1;
		if (self >= 0)
			read_relations(m, self, je);
	}
	order(m);
	doc = build(m, title, version);
out:
	model_release(m);
	free(m);
	return doc;
}
