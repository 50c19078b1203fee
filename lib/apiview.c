/*
 * apiview.c - an OpenAPI document to the code templates' view (see
 * apiview.h and agentkit-templates(5)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apiview.h"
#include "error.h"
#include "jpack.h"
#include "log.h"
#include "names.h"
#include "banned.h"

#define MAX_RESOURCES 200

enum ftype { F_STRING, F_TEXT, F_INTEGER, F_NUMBER, F_BOOLEAN, F_DATE, F_DATETIME, F_EMAIL,
	     F_URL, F_ENUM, F_MONEY, F_FK, F_NTYPES };

static const char *const type_name[F_NTYPES] = {
	"string", "text", "integer", "number", "boolean", "date", "datetime", "email", "url",
	"enum", "money", "fk"
};

/* Per type: python, TypeScript, Kotlin, Swift types; SQLite, PostgreSQL
 * column types; the form input. Enums name their own type. */
static const char *const lang_type[F_NTYPES][7] = {
	{ "str", "string", "String", "String", "TEXT", "varchar(255)", "text" },
	{ "str", "string", "String", "String", "TEXT", "text", "textarea" },
	{ "int", "number", "Long", "Int", "INTEGER", "bigint", "number" },
	{ "float", "number", "Double", "Double", "REAL", "double precision", "number" },
	{ "bool", "boolean", "Boolean", "Bool", "INTEGER", "boolean", "checkbox" },
	{ "date", "string", "String", "String", "TEXT", "date", "date" },
	{ "datetime", "string", "String", "String", "TEXT", "timestamptz", "datetime-local" },
	{ "str", "string", "String", "String", "TEXT", "varchar(255)", "email" },
	{ "str", "string", "String", "String", "TEXT", "varchar(2048)", "url" },
	{ NULL, NULL, NULL, NULL, "TEXT", "text", "select" },
	{ "Decimal", "number", "Double", "Double", "NUMERIC", "numeric(12,2)", "number" },
	{ "int", "number", "Long", "Int", "INTEGER", "bigint", "select" },
};
static const char *const lang_key[7] = {
	"py_type", "ts_type", "kt_type", "swift_type", "sqlite_type", "pg_type", "input_type"
};

/* Example values for generated tests, per language; %s is the field's
 * words ("due date"), n the test's counter. */
static const char *const example[F_NTYPES][4] = {
	{ "f\"%s {n}\"", "`%s ${n}`", "\"%s $n\"", "\"%s \\(n)\"" },
	{ "f\"%s {n}\"", "`%s ${n}`", "\"%s $n\"", "\"%s \\(n)\"" },
	{ "n + 1", "n + 1", "(n + 1).toLong()", "n + 1" },
	{ "n + 0.5", "n + 0.5", "n + 0.5", "Double(n) + 0.5" },
	{ "True", "true", "true", "true" },
	{ "\"2026-01-15\"", "\"2026-01-15\"", "\"2026-01-15\"", "\"2026-01-15\"" },
	{ "\"2026-01-15T10:30:00\"", "\"2026-01-15T10:30:00\"", "\"2026-01-15T10:30:00\"",
	  "\"2026-01-15T10:30:00\"" },
	{ "f\"user{n}@example.com\"", "`user${n}@example.com`", "\"user$n@example.com\"",
	  "\"user\\(n)@example.com\"" },
	{ "f\"https://example.com/{n}\"", "`https://example.com/${n}`",
	  "\"https://example.com/$n\"", "\"https://example.com/\\(n)\"" },
	{ NULL, NULL, NULL, NULL },
	{ "\"12.50\"", "12.5", "12.5", "12.5" },
	{ "1", "1", "1L", "1" },
};
static const char *const example_key[4] = {
	"example_py", "example_ts", "example_kt", "example_swift"
};

static const char *const bad_py[F_NTYPES] = {
	"{\"x\": 1}", "{\"x\": 1}", "\"not-a-number\"", "\"not-a-number\"", "\"not-a-bool\"",
	"\"not-a-date\"", "\"not-a-date\"", "\"not-an-email\"", "{\"x\": 1}",
	"\"no-such-value\"", "\"not-a-number\"", "\"not-a-number\""
};

struct resource {
	const char *path;          /* the collection path in the document */
	const char *item_path;
	const char *schema;        /* the item schema's name (a components key) */
	const json_t *input;       /* the create body's schema, resolved */
	const char *input_name;    /* its components/schemas name, or NULL (inline) */
	const char *op[5];         /* list, create, get, update, delete */
	json_t *view;              /* the entity's view, once built */
	int placed;
};

struct ctx {
	const json_t *doc;
	struct resource r[MAX_RESOURCES];
	int n;
};

/* Set key of obj to a new string (NULL s: nothing); -1 on ENOMEM. */
static int set_str(json_t *obj, const char *key, const char *s)
{
	return s ? json_object_set_new(obj, key, json_string(s)) : 0;
}

/* Set key to name in case c (the string is made and freed here). */
static int set_case(json_t *obj, const char *key, const char *name, enum name_case c, int plural)
{
	char *s = plural ? name_plural(name, c) : name_case(name, c);
	int rc = s ? set_str(obj, key, s) : -1;

	free(s);
	return rc;
}

/* The object a local "#/components/schemas/X" reference points at. */
static const json_t *deref(const struct ctx *c, const json_t *s, const char **name)
{
	for (int hops = 0; hops < 16 && json_is_object(s); hops++) {
		const char *ref = json_string_value(json_object_get(s, "$ref"));
		const char *prefix = "#/components/schemas/";

		if (!ref)
			return s;
		if (strncmp(ref, prefix, strlen(prefix)))
			return NULL;
		if (name)
			*name = ref + strlen(prefix);
		s = json_object_get(json_object_get(json_object_get(c->doc, "components"),
						    "schemas"), ref + strlen(prefix));
	}
	return json_is_object(s) ? s : NULL;
}

static const json_t *op_of(const json_t *path_item, const char *method)
{
	const json_t *op = json_object_get(path_item, method);
	return json_is_object(op) ? op : NULL;
}

static const json_t *media_schema(const json_t *holder)
{
	return json_object_get(json_object_get(json_object_get(holder, "content"),
					       "application/json"), "schema");
}

static const json_t *response_schema(const json_t *op, const char *const *codes)
{
	const json_t *responses = json_object_get(op, "responses");

	for (; *codes; codes++) {
		const json_t *s = media_schema(json_object_get(responses, *codes));
		if (s)
			return s;
	}
	return NULL;
}

static int is_identifier(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* Find the item path of coll: "coll/{param}" with get, put and delete. */
static void find_item_path(const struct ctx *c, struct resource *r)
{
	const char *key;
	const json_t *item;
	size_t n = strlen(r->path);

	json_object_foreach((json_t *)json_object_get(c->doc, "paths"), key, item) {
		const char *rest = key + n;

		if (strncmp(key, r->path, n) || rest[0] != '/' || rest[1] != '{' ||
		    !strchr(rest, '}') || strchr(rest, '}')[1] != '\0')
			continue;
		r->item_path = key;
		r->op[2] = json_string_value(json_object_get(op_of(item, "get"), "operationId"));
		r->op[3] = json_string_value(json_object_get(op_of(item, "put"), "operationId"));
		r->op[4] = json_string_value(json_object_get(op_of(item, "delete"),
							     "operationId"));
		if (!op_of(item, "get") || !op_of(item, "put") || !op_of(item, "delete"))
			r->item_path = NULL;
		return;
	}
}

/* Recognise the resource at collection path key; 0 when it is not one. */
static int find_resource(struct ctx *c, const char *key, const json_t *item, struct resource *r)
{
	static const char *const created[] = { "201", "200", NULL };
	const json_t *list = op_of(item, "get"), *create = op_of(item, "post"), *s;
	const char *name = NULL;

	memset(r, 0, sizeof(*r));
	r->path = key;
	if (strchr(key, '{') || !list || !create)
		return 0;
	r->op[0] = json_string_value(json_object_get(list, "operationId"));
	r->op[1] = json_string_value(json_object_get(create, "operationId"));
	r->input = deref(c, media_schema(json_object_get(create, "requestBody")), &r->input_name);
	s = response_schema(create, created);
	if (!deref(c, s, &name) || !name || !r->input)
		return 0;
	r->schema = name;
	find_item_path(c, r);
	if (!r->item_path) {
		log_warn("%s: no item path with get, put and delete below it; left out", key);
		return 0;
	}
	return 1;
}

/* The type of property schema p (resolved), and its enum schema if any. */
static enum ftype field_type(struct ctx *c, const json_t *p, const json_t **enum_s,
			     const char **enum_name, int *nullable)
{
	const json_t *t = json_object_get(p, "type"), *any = json_object_get(p, "anyOf");
	const char *type = json_string_value(t), *format;
	size_t i;
	const json_t *v;

	*nullable = 0;
	*enum_name = NULL;
	*enum_s = NULL;
	json_array_foreach(any, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "type")) ?
			    json_string_value(json_object_get(v, "type")) : "", "null"))
			*nullable = 1;
		else
			p = v;
	}
	if (json_object_get(p, "$ref")) {
		p = deref(c, p, enum_name);
		t = json_object_get(p, "type");
		type = json_string_value(t);
	}
	json_array_foreach(t, i, v) {
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", "null"))
			*nullable = 1;
		else
			type = json_string_value(v);
	}
	if (!p || !type)
		return F_TEXT;
	format = json_string_value(json_object_get(p, "format"));
	format = format ? format : "";
	if (json_array_size(json_object_get(p, "enum")) && !strcmp(type, "string")) {
		*enum_s = p;
		return F_ENUM;
	}
	if (!strcmp(type, "integer"))
		return json_string_value(json_object_get(p, "x-references")) ? F_FK : F_INTEGER;
	if (!strcmp(type, "number"))
		return !strcmp(format, "decimal") ? F_MONEY : F_NUMBER;
	if (!strcmp(type, "boolean"))
		return F_BOOLEAN;
	if (strcmp(type, "string"))
		return F_TEXT;
	if (!strcmp(format, "email"))
		return F_EMAIL;
	if (!strcmp(format, "uri") || !strcmp(format, "url"))
		return F_URL;
	if (!strcmp(format, "date"))
		return F_DATE;
	if (!strcmp(format, "date-time"))
		return F_DATETIME;
	return json_integer_value(json_object_get(p, "maxLength")) > 0 &&
		json_integer_value(json_object_get(p, "maxLength")) <= 4096 ? F_STRING : F_TEXT;
}

static int mark_last(json_t *list)
{
	size_t i, n = json_array_size(list);
	json_t *v;

	json_array_foreach(list, i, v)
		if (json_object_set_new(v, "last", json_boolean(i + 1 == n)) < 0)
			return -1;
	return 0;
}

/* An identifier in lang: keywords get "_" (python) or backticks. */
static int set_ident(json_t *obj, const char *key, const char *name, enum name_case cs,
		     enum name_lang lang)
{
	char *id = name_case(name, cs);
	char buf[300];
	int rc;

	if (!id)
		return -1;
	if (!name_is_keyword(lang, id))
		rc = set_str(obj, key, id);
	else if (lang == NAME_PY)
		rc = snprintf(buf, sizeof(buf), "%s_", id), set_str(obj, key, buf);
	else
		rc = snprintf(buf, sizeof(buf), "`%s`", id), set_str(obj, key, buf);
	free(id);
	return rc;
}

static json_t *enum_values(const json_t *enum_s)
{
	json_t *vals = json_array(), *seen = json_object();
	size_t i;
	const json_t *v;

	json_array_foreach(json_object_get(enum_s, "enum"), i, v) {
		const char *s = json_string_value(v);
		char *kt;
		json_t *o;

		if (!s || !(kt = name_case(s, NAME_UPPER)))
			continue;
		if (json_object_get(seen, kt) || !(o = jpack("{s:s}", "value", s))) {
			free(kt);
			continue;
		}
		json_object_set_new(seen, kt, json_true());
		set_ident(o, "py", s, NAME_SNAKE, NAME_PY);
		set_str(o, "ts", s);
		set_str(o, "kt", kt);
		set_ident(o, "swift", s, NAME_CAMEL, NAME_SWIFT);
		set_case(o, "label", s, NAME_LABEL, 0);
		json_array_append_new(vals, o);
		free(kt);
	}
	json_decref(seen);
	mark_last(vals);
	return vals;
}

static int set_examples(json_t *f, enum ftype t, const char *name, const json_t *values,
			const char *enum_type)
{
	char buf[1200], *words = name_case(name, NAME_LABEL);

	if (!words)
		return -1;
	for (char *p = words; *p; p++)
		*p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	for (int l = 0; l < 4; l++) {
		if (t == F_ENUM) {
			const json_t *v0 = json_array_get(values, 0);
			if (l == 2)
				snprintf(buf, sizeof(buf), "%s.%s", enum_type,
					 json_string_value(json_object_get(v0, "kt")));
			else if (l == 3)
				snprintf(buf, sizeof(buf), ".%s",
					 json_string_value(json_object_get(v0, "swift")));
			else {
				/* a quoted literal: JSON's quoting serves Python and TS */
				char *q = json_dumps(json_object_get(v0, "value"), JSON_ENCODE_ANY);
				snprintf(buf, sizeof(buf), "%s", q ? q : "\"\"");
				free(q);
			}
		} else {
			const char *tpl = example[t][l], *at = strstr(tpl, "%s");

			if (at)
				snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - tpl), tpl, words,
					 at + 2);
			else
				snprintf(buf, sizeof(buf), "%s", tpl);
		}
		if (set_str(f, example_key[l], buf) < 0) {
			free(words);
			return -1;
		}
	}
	free(words);
	return set_str(f, "bad_py", bad_py[t]);
}

/* The references object of the entity named schema, or NULL. */
static json_t *reference_of(struct ctx *c, const char *schema)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->r[i].schema, schema))
			return jpack("{s:O, s:O, s:O, s:O, s:O, s:O}",
				    "name", json_object_get(c->r[i].view, "name"),
				    "snake", json_object_get(c->r[i].view, "snake"),
				    "camel", json_object_get(c->r[i].view, "camel"),
				    "plural_snake", json_object_get(c->r[i].view, "plural_snake"),
				    "plural_kebab", json_object_get(c->r[i].view, "plural_kebab"),
				    "path", json_object_get(c->r[i].view, "path"));
	return NULL;
}

/* Whether an enum named <Entity><field> would take the name of one of the
 * entity's own generated types (TaskInput, TaskPage, ...). */
static int clashes(const char *pascal_field)
{
	static const char *const taken[] = { "Input", "Page", "Filter", "Sort", "Api", NULL };

	for (int i = 0; pascal_field && taken[i]; i++)
		if (!strcmp(pascal_field, taken[i]))
			return 1;
	return 0;
}

static json_t *field_view(struct ctx *c, const struct resource *r, const char *name,
			  const json_t *p, int required)
{
	const json_t *enum_s;
	const char *enum_name;
	int nullable;
	enum ftype t = field_type(c, p, &enum_s, &enum_name, &nullable);
	json_t *f = json_object(), *values = NULL;
	const json_t *target = p, *any = json_object_get(p, "anyOf");
	char enum_type[600], *camel;

	if (!f)
		return NULL;
	if (json_array_size(any))
		target = json_array_get(any, 0);
	if (t == F_FK) {
		json_t *ref = reference_of(c, json_string_value(json_object_get(p,
									      "x-references")));
		if (!ref)
			t = F_INTEGER;
		else
			json_object_set_new(f, "references", ref);
	}
	if (t == F_ENUM) {
		char *pascal_e = name_case(r->schema, NAME_PASCAL), *pascal_f = name_case(name,
											 NAME_PASCAL);
		if (enum_name)
			snprintf(enum_type, sizeof(enum_type), "%s", enum_name);
		else
			snprintf(enum_type, sizeof(enum_type), "%s%s%s", pascal_e ? pascal_e : "",
				 pascal_f ? pascal_f : "", clashes(pascal_f) ? "Value" : "");
		free(pascal_e);
		free(pascal_f);
		if (!is_identifier(enum_type)) {
			char *fixed = name_case(enum_type, NAME_PASCAL);
			snprintf(enum_type, sizeof(enum_type), "%s", fixed ? fixed : "Enum");
			free(fixed);
		}
		values = enum_values(enum_s);
		if (!json_array_size(values)) {
			json_decref(values);
			values = NULL;
			t = F_STRING;
		}
	}
	camel = name_case(name, NAME_CAMEL);
	set_str(f, "name", name);
	set_ident(f, "py", name, NAME_SNAKE, NAME_PY);
	json_object_set_new(f, "py_alias", json_boolean(strcmp(json_string_value(
		json_object_get(f, "py")), name) != 0));
	set_str(f, "ts", name);
	set_ident(f, "kt", name, NAME_CAMEL, NAME_KOTLIN);
	set_ident(f, "swift", name, NAME_CAMEL, NAME_SWIFT);
	json_object_set_new(f, "swift_key_differs", json_boolean(camel && strcmp(camel, name)));
	free(camel);
	if (json_string_value(json_object_get(target, "title")))
		set_str(f, "label", json_string_value(json_object_get(target, "title")));
	else
		set_case(f, "label", name, NAME_LABEL, 0);
	set_str(f, "type", type_name[t]);
	for (int k = 0; k < F_NTYPES; k++) {
		char key[32];
		snprintf(key, sizeof(key), "is_%s", type_name[k]);
		json_object_set_new(f, key, json_boolean(k == (int)t));
	}
	json_object_set_new(f, "required", json_boolean(required));
	json_object_set_new(f, "nullable", json_boolean(!required));
	json_object_set_new(f, "unique", json_boolean(json_is_true(json_object_get(target,
										  "x-unique"))));
	if (t == F_STRING || t == F_EMAIL || t == F_URL) {
		json_int_t max = json_integer_value(json_object_get(target, "maxLength"));
		json_object_set_new(f, "max_length", json_integer(max > 0 ? max :
								   t == F_URL ? 2048 : 255));
	}
	if (required && (t == F_STRING || t == F_EMAIL || t == F_URL || t == F_TEXT))
		json_object_set_new(f, "min_length", json_integer(1));
	for (int l = 0; l < 7; l++)
		set_str(f, lang_key[l], lang_type[t][l] ? lang_type[t][l] : enum_type);
	if (t == F_ENUM) {
		json_object_set_new(f, "values", values);
		set_str(f, "enum_type", enum_type);
	}
	if (set_examples(f, t, name, values, enum_type) < 0) {
		json_decref(f);
		return NULL;
	}
	return f;
}

static int add_fields(struct ctx *c, struct resource *r, json_t *ev)
{
	const json_t *props = json_object_get(r->input, "properties"), *p;
	const json_t *req = json_object_get(r->input, "required");
	json_t *fields = json_array(), *sortable = json_array(), *filterable = json_array();
	json_t *refs = json_array(), *display = NULL;
	const char *name;

	json_object_foreach((json_t *)props, name, p) {
		int required = 0;
		size_t i;
		const json_t *v;
		json_t *f;

		if (!strcmp(name, "id") || json_is_true(json_object_get(p, "readOnly")))
			continue;
		if (!is_identifier(name)) {
			log_warn("%s: field '%s' is not an identifier; left out", r->path, name);
			continue;
		}
		json_array_foreach(req, i, v)
			required |= json_string_value(v) && !strcmp(json_string_value(v), name);
		if (!(f = field_view(c, r, name, p, required)))
			goto fail;
		json_array_append_new(fields, f);
	}
	mark_last(fields);
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f) {
		const char *t = json_string_value(json_object_get(f, "type"));
		json_t *ref = json_object_get(f, "references");

		if (strcmp(t, "text") && strcmp(t, "boolean"))
			json_array_append_new(sortable, json_copy(f));
		if (strcmp(t, "text") && strcmp(t, "number") && strcmp(t, "money") &&
		    strcmp(t, "datetime"))
			json_array_append_new(filterable, json_copy(f));
		if (!display && (!strcmp(t, "string") || !strcmp(t, "email")))
			display = json_object_get(f, "name");
		if (ref) {
			json_t *r2 = json_deep_copy(ref);
			json_object_set(r2, "field", json_object_get(f, "name"));
			json_array_append_new(refs, r2);
		}
	}
	mark_last(sortable);
	mark_last(filterable);
	mark_last(refs);
	json_object_set_new(ev, "display", display ? json_copy(display) : json_string("id"));
	json_object_set_new(ev, "has_fields", json_boolean(json_array_size(fields) > 0));
	json_object_set_new(ev, "has_references", json_boolean(json_array_size(refs) > 0));
	json_object_set_new(ev, "fields", fields);
	json_object_set_new(ev, "sortable", sortable);
	json_object_set_new(ev, "filterable", filterable);
	json_object_set_new(ev, "references", refs);
	return 0;
fail:
	json_decref(fields);
	json_decref(sortable);
	json_decref(filterable);
	json_decref(refs);
	return -1;
}

/* The entity's names; the fields come later (they refer to each other). */
static json_t *entity_names(const struct resource *r)
{
	static const char *const op_key[5] = {
		"op_list", "op_create", "op_get", "op_update", "op_delete"
	};
	static const char *const op_verb[5] = { "list", "create", "get", "update", "delete" };
	const char *seg = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
	json_t *e = json_object();

	if (!e)
		return NULL;
	set_case(e, "name", r->schema, NAME_PASCAL, 0);
	set_case(e, "snake", r->schema, NAME_SNAKE, 0);
	set_case(e, "camel", r->schema, NAME_CAMEL, 0);
	set_case(e, "kebab", r->schema, NAME_KEBAB, 0);
	set_case(e, "label", r->schema, NAME_LABEL, 0);
	set_case(e, "plural_name", seg, NAME_PASCAL, 0);
	set_case(e, "plural_snake", seg, NAME_SNAKE, 0);
	set_case(e, "plural_camel", seg, NAME_CAMEL, 0);
	set_case(e, "plural_kebab", seg, NAME_KEBAB, 0);
	set_case(e, "plural_label", seg, NAME_LABEL, 0);
	set_case(e, "table", seg, NAME_SNAKE, 0);
	{
		/* SQLite keeps names that start with sqlite_ for itself */
		const char *t = json_string_value(json_object_get(e, "table"));
		char *safe;

		if (t && !strncasecmp(t, "sqlite_", 7) && asprintf(&safe, "t_%s", t) >= 0) {
			set_str(e, "table", safe);
			free(safe);
		}
	}
	set_str(e, "path", r->path);
	if (r->input_name)
		set_str(e, "input_schema", r->input_name);
	for (int k = 0; k < 5; k++) {
		char gen[600];
		const char *op = r->op[k];

		if (!op || !*op) {
			snprintf(gen, sizeof(gen), "%s %s", op_verb[k], k == 0 ? seg : r->schema);
			op = gen;
		}
		set_case(e, op_key[k], op, NAME_CAMEL, 0);
	}
	return e;
}

/* Parents first: an entity after every entity its required keys name. */
static int order(struct ctx *c, json_t *entities)
{
	int placed = 0;

	while (placed < c->n) {
		int progress = 0;

		for (int i = 0; i < c->n; i++) {
			size_t k;
			json_t *f;
			int ready = !c->r[i].placed;

			json_array_foreach(json_object_get(c->r[i].view, "fields"), k, f) {
				const char *to = json_string_value(json_object_get(
					json_object_get(f, "references"), "name"));
				if (!ready || !to || !json_is_true(json_object_get(f, "required")))
					continue;
				for (int j = 0; j < c->n; j++)
					if (j != i && !c->r[j].placed && !strcmp(to, json_string_value(
						json_object_get(c->r[j].view, "name"))))
						ready = 0;
			}
			if (ready) {
				c->r[i].placed = 1;
				placed++;
				progress = 1;
				if (json_array_append(entities, c->r[i].view) < 0)
					return -1;
			}
		}
		for (int i = 0; !progress && i < c->n; i++)
			if (!c->r[i].placed) {        /* a cycle: take the first */
				c->r[i].placed = 1;
				placed++;
				progress = 1;
				if (json_array_append(entities, c->r[i].view) < 0)
					return -1;
			}
	}
	return mark_last(entities);
}

static json_t *root_view(const json_t *doc, const struct apiview_opts *o)
{
	const json_t *info = json_object_get(doc, "info");
	const char *api_title = json_string_value(json_object_get(info, "title"));
	const char *version = json_string_value(json_object_get(info, "version"));
	const char *title = o->title && *o->title ? o->title : api_title ? api_title : "App";
	char *snake = name_case(title, NAME_SNAKE), kt[300];
	json_t *v;
	size_t n = 0;

	if (!snake)
		return NULL;
	for (const char *p = snake; *p && n < 64; p++)
		if (*p != '_')
			kt[n++] = *p;
	kt[n] = '\0';
	v = jpack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:i}", "title", title, "feature", o->feature,
		 "package", snake, "api_title", api_title ? api_title : title,
		 "api_version", version ? version : "0.1.0", "openapi", o->openapi,
		 "port", o->port);
	if (v && (set_case(v, "Package", title, NAME_PASCAL, 0) < 0 ||
		  json_object_set_new(v, "kotlin_package", json_sprintf("dev.agentkit.%s",
									 kt[0] >= 'a' ? kt : "app")) < 0)) {
		json_decref(v);
		v = NULL;
	}
	free(snake);
	return v;
}

json_t *apiview_from_openapi(const json_t *doc, const struct apiview_opts *o)
{
	struct ctx *c;
	const char *key;
	const json_t *item;
	json_t *view = NULL, *entities = NULL;
	const char *ver = json_string_value(json_object_get(doc, "openapi"));

	if (!ver || strncmp(ver, "3.", 2) || !json_is_object(json_object_get(doc, "paths")))
		return ak_error(AK_EXIT_DATAERR, "not an OpenAPI 3 document (no 'openapi: 3.x' "
				"and 'paths')"), NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory"), NULL;
	c->doc = doc;
	json_object_foreach((json_t *)json_object_get(doc, "paths"), key, item)
		if (c->n < MAX_RESOURCES && find_resource(c, key, item, &c->r[c->n]))
			c->n++;
	if (c->n == 0) {
		ak_error(AK_EXIT_DATAERR, "the document has no resource with list, create, read, "
			 "replace and delete operations");
		goto out;
	}
	for (int i = 0; i < c->n; i++)
		if (!(c->r[i].view = entity_names(&c->r[i])))
			goto out;
	for (int i = 0; i < c->n; i++)
		if (add_fields(c, &c->r[i], c->r[i].view) < 0)
			goto out;
	if (!(entities = json_array()) || order(c, entities) < 0 || !(view = root_view(doc, o)))
		goto out;
	json_object_set_new(view, "has_entities", json_true());
	json_object_set_new(view, "entities", entities);
	entities = NULL;
out:
	json_decref(entities);
	for (int i = 0; i < c->n; i++)
		json_decref(c->r[i].view);
	free(c);
	return view;
}
