/*
 * lint.c - checks on an OpenAPI contract, and on a client against it.
 *
 * lint_openapi makes a few passes over a document it only reads: the
 * structure of paths and operations (gathering operationIds and path
 * parameters as it goes), every $ref anywhere, then the path templates
 * side by side. Findings are built at the JSON pointer of what is being
 * looked at, kept in one growing buffer that each step extends and cuts
 * back. Running out of memory is remembered and reported once at the end,
 * so the passes themselves stay free of error plumbing.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "contract/lint.h"
#include "jpointer.h"
#include "banned.h"

struct lint {
	const json_t *doc;
	json_t *findings;
	json_t *opids;          /* operationId -> pointer of its first use */
	struct buf ptr;         /* pointer of what is being looked at */
	int errors;
	int oom;
	int v31;
};

static const char *const methods[] = {
	"get", "put", "post", "delete", "options", "head", "patch", "trace", NULL
};

static int is_method(const char *s)
{
	int i;

	for (i = 0; methods[i]; i++)
		if (strcmp(s, methods[i]) == 0)
			return 1;
	return 0;
}

static int is_ext(const char *key)
{
	return key[0] == 'x' && key[1] == '-';
}

static void finding(struct lint *l, int error, const char *rule,
		    const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void finding(struct lint *l, int error, const char *rule,
		    const char *ptr, const char *fmt, ...)
{
	json_t *f, *msg;
	va_list ap;

	if (l->oom)
		return;
	va_start(ap, fmt);
	msg = json_vsprintf(fmt, ap);
	va_end(ap);
	f = json_object();
	if (!msg || !f ||
	    json_object_set_new(f, "severity", json_string(error ? "error" : "warning")) ||
	    json_object_set_new(f, "rule", json_string(rule)) ||
	    json_object_set_new(f, "pointer", json_string(ptr)) ||
	    json_object_set(f, "message", msg) ||
	    json_array_append(l->findings, f)) {
		l->oom = 1;
	} else if (error) {
		l->errors++;
	}
	json_decref(msg);
	json_decref(f);
}

/* The current pointer as a C string. */
static const char *here(struct lint *l)
{
	return l->ptr.p ? l->ptr.p : "";
}

/* Append one reference token (escaped) to the pointer; returns the mark to cut back to. */
static size_t ptr_push(struct lint *l, const char *tok)
{
	size_t mark = l->ptr.len;
	const char *s;
	int r = buf_addch(&l->ptr, '/');

	for (s = tok; *s && r == 0; s++) {
		if (*s == '~')
			r = buf_add(&l->ptr, "~0", 2);
		else if (*s == '/')
			r = buf_add(&l->ptr, "~1", 2);
		else
			r = buf_addch(&l->ptr, *s);
	}
	if (r < 0)
		l->oom = 1;
	return mark;
}

static size_t ptr_index(struct lint *l, size_t i)
{
	size_t mark = l->ptr.len;

	if (buf_addf(&l->ptr, "/%zu", i) < 0)
		l->oom = 1;
	return mark;
}

static void ptr_pop(struct lint *l, size_t mark)
{
	if (l->ptr.p && mark <= l->ptr.len) {
		l->ptr.len = mark;
		l->ptr.p[mark] = '\0';
	}
}

/* ---- refs ---- */

const json_t *lint_resolve(const json_t *doc, const char *ref)
{
	return jpointer_get(doc, ref);
}

/*
 * Follow v through $ref until a value that is not a reference. NULL when
 * a ref does not resolve or the chain is longer than LINT_MAX_HOPS (a
 * loop). *via is set when at least one ref was followed.
 */
static const json_t *deref(const json_t *doc, const json_t *v, int *via)
{
	return jpointer_deref(doc, v, LINT_MAX_HOPS, via);
}

/* 1 when following refs from target goes round for ever. */
static int loops(const json_t *doc, const json_t *target)
{
	int hops;

	for (hops = 0; hops <= LINT_MAX_HOPS; hops++) {
		const json_t *r = json_is_object(target) ? json_object_get(target, "$ref") : NULL;

		if (!json_is_string(r))
			return 0;
		target = lint_resolve(doc, json_string_value(r));
		if (!target)
			return 0;
	}
	return 1;
}

static void check_ref(struct lint *l, const char *ref)
{
	const json_t *t;

	if (ref[0] != '#') {
		finding(l, 0, "ref", here(l), "external reference not followed: '%s'", ref);
		return;
	}
	if (ref[1] && ref[1] != '/') {
		if (l->v31)
			finding(l, 0, "ref", here(l), "plain-name fragment not checked: '%s'", ref);
		else
			finding(l, 1, "ref", here(l), "'%s' is not a JSON pointer fragment", ref);
		return;
	}
	t = lint_resolve(l->doc, ref);
	if (!t)
		finding(l, 1, "ref", here(l), "'%s' does not resolve", ref);
	else if (loops(l->doc, t))
		finding(l, 1, "ref", here(l), "'%s' starts a chain of references that loops", ref);
}

static void walk_refs(struct lint *l, const json_t *v, int depth)
{
	const char *key;
	json_t *child;
	size_t i, mark;

	if (!json_is_object(v) && !json_is_array(v))
		return;
	if (depth >= LINT_MAX_DEPTH) {
		finding(l, 1, "depth", here(l), "nested more than %d levels deep, not checked further",
			LINT_MAX_DEPTH);
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, child) {
			mark = ptr_index(l, i);
			walk_refs(l, child, depth + 1);
			ptr_pop(l, mark);
		}
		return;
	}
	json_object_foreach((json_t *)v, key, child) {
		mark = ptr_push(l, key);
		if (strcmp(key, "$ref") == 0 && json_is_string(child))
			check_ref(l, json_string_value(child));
		else
			walk_refs(l, child, depth + 1);
		ptr_pop(l, mark);
	}
}

/* ---- path templates ---- */

/*
 * The next unit of a template: a byte, PARAM for a whole {name} (a "{"
 * followed by anything but braces up to a "}"), or -1 at the end.
 */
#define PARAM 256

static int tmpl_next(const char **s, const char **name, size_t *len)
{
	const char *p = *s;
	size_t n;

	if (!*p)
		return -1;
	if (*p == '{') {
		n = strcspn(p + 1, "{}");
		if (p[1 + n] == '}') {
			if (name) {
				*name = p + 1;
				*len = n;
			}
			*s = p + n + 2;
			return PARAM;
		}
	}
	*s = p + 1;
	return (unsigned char)*p;
}

int lint_paths_equal(const char *a, const char *b)
{
	int ca, cb;

	if (!a || !b)
		return 0;
	do {
		ca = tmpl_next(&a, NULL, NULL);
		cb = tmpl_next(&b, NULL, NULL);
		if (ca != cb)
			return 0;
	} while (ca != -1);
	return 1;
}

static int cmp_templates(const char *a, const char *b)
{
	int ca, cb;

	do {
		ca = tmpl_next(&a, NULL, NULL);
		cb = tmpl_next(&b, NULL, NULL);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	} while (ca != -1);
	return 0;
}

struct tmpl {
	const char *key;
	size_t order;
};

static int cmp_tmpl(const void *pa, const void *pb)
{
	const struct tmpl *a = pa, *b = pb;
	int c = cmp_templates(a->key, b->key);

	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* ambiguous-path: sort the templates so that equal ones sit side by side. */
static void check_ambiguous(struct lint *l, const json_t *paths)
{
	struct tmpl *t;
	size_t n = 0, i, first, m1, m2;
	const char *key;
	json_t *item;

	t = calloc(json_object_size(paths) + 1, sizeof(*t));
	if (!t) {
		l->oom = 1;
		return;
	}
	json_object_foreach((json_t *)paths, key, item) {
		if (key[0] == '/') {
			t[n].key = key;
			t[n].order = n;
			n++;
		}
	}
	qsort(t, n, sizeof(*t), cmp_tmpl);
	for (first = 0, i = 1; i < n; i++) {
		if (cmp_templates(t[first].key, t[i].key) != 0) {
			first = i;
			continue;
		}
		m1 = ptr_push(l, "paths");
		m2 = ptr_push(l, t[i].key);
		finding(l, 1, "ambiguous-path", here(l),
			"'%s' is the same path as '%s' once parameter names are ignored",
			t[i].key, t[first].key);
		ptr_pop(l, m2);
		ptr_pop(l, m1);
	}
	free(t);
}

/* The parameter names of a template at the current pointer, as a new array. */
static json_t *template_names(struct lint *l, const char *path)
{
	json_t *names = json_array(), *s;
	const char *p = path, *name;
	size_t len, i;
	int c, bad = 0;

	if (!names) {
		l->oom = 1;
		return NULL;
	}
	while ((c = tmpl_next(&p, &name, &len)) != -1) {
		if (c == '{' || c == '}')
			bad = 1;
		if (c != PARAM)
			continue;
		if (len == 0) {
			bad = 1;
			continue;
		}
		s = json_stringn(name, len);
		if (!s || json_array_append_new(names, s)) {
			l->oom = 1;
			break;
		}
		for (i = 0; i + 1 < json_array_size(names); i++)
			if (json_equal(json_array_get(names, i), s))
				finding(l, 1, "path-params", here(l),
					"parameter '{%s}' appears twice in the template",
					json_string_value(s));
	}
	if (bad)
		finding(l, 1, "path-params", here(l), "malformed template: unbalanced or empty braces");
	return names;
}

static int has_name(const json_t *names, const char *name)
{
	size_t i;
	json_t *s;

	json_array_foreach((json_t *)names, i, s)
		if (strcmp(json_string_value(s), name) == 0)
			return 1;
	return 0;
}

/* ---- parameters ---- */

static int valid_in(const char *in)
{
	return !strcmp(in, "query") || !strcmp(in, "header") ||
	       !strcmp(in, "path") || !strcmp(in, "cookie");
}

/* Shape of one parameter object at the current pointer; 1 when it has a usable name and in. */
static int param_shape(struct lint *l, const json_t *p, int report)
{
	const json_t *name = json_object_get(p, "name"), *in = json_object_get(p, "in");
	int good = 1;
	size_t mark;

	if (!json_is_object(p)) {
		if (report)
			finding(l, 1, "structure", here(l), "parameter is not an object");
		return 0;
	}
	if (!json_is_string(name)) {
		good = 0;
		if (report && !name)
			finding(l, 1, "structure", here(l), "parameter has no name");
		else if (report) {
			mark = ptr_push(l, "name");
			finding(l, 1, "structure", here(l), "parameter name is not a string");
			ptr_pop(l, mark);
		}
	}
	if (!json_is_string(in) || !valid_in(json_string_value(in))) {
		good = 0;
		if (report && !in)
			finding(l, 1, "structure", here(l), "parameter has no 'in'");
		else if (report) {
			mark = ptr_push(l, "in");
			finding(l, 1, "structure", here(l),
				"'in' is not one of query, header, path, cookie");
			ptr_pop(l, mark);
		}
	}
	return good;
}

/*
 * Read a parameters list at the current pointer into a new array of
 * {name, in, pointer, required, via} for the parameters that can be used.
 */
static json_t *collect_params(struct lint *l, const json_t *list)
{
	json_t *out = json_array(), *p, *e;
	const json_t *r;
	size_t i, j, mark;
	int via;

	if (!out) {
		l->oom = 1;
		return NULL;
	}
	if (!list)
		return out;
	if (!json_is_array(list)) {
		finding(l, 1, "structure", here(l), "parameters is not an array");
		return out;
	}
	json_array_foreach((json_t *)list, i, p) {
		mark = ptr_index(l, i);
		via = 0;
		r = deref(l->doc, p, &via);
		if (r && param_shape(l, r, !via)) {
			const char *name = json_string_value(json_object_get(r, "name"));
			const char *in = json_string_value(json_object_get(r, "in"));
			int dup = 0;

			json_array_foreach(out, j, e) {
				if (!strcmp(json_string_value(json_object_get(e, "name")), name) &&
				    !strcmp(json_string_value(json_object_get(e, "in")), in)) {
					finding(l, 1, "structure", here(l),
						"parameter '%s' in %s is also declared at %s", name, in,
						json_string_value(json_object_get(e, "pointer")));
					dup = 1;
					break;
				}
			}
			e = dup ? NULL : json_pack("{s:s, s:s, s:s, s:b, s:b}", "name", name,
						   "in", in, "pointer", here(l), "required",
						   json_is_true(json_object_get(r, "required")),
						   "via", via);
			if (!dup && (!e || json_array_append_new(out, e)))
				l->oom = 1;
		}
		ptr_pop(l, mark);
	}
	return out;
}

/* Declared path parameters of one list against the template names. */
static void check_declared(struct lint *l, const json_t *params, const json_t *names)
{
	size_t i;
	json_t *e;

	json_array_foreach((json_t *)params, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *ptr = json_string_value(json_object_get(e, "pointer"));

		if (strcmp(json_string_value(json_object_get(e, "in")), "path") != 0)
			continue;
		if (!has_name(names, name))
			finding(l, 1, "path-params", ptr,
				"path parameter '%s' is not in the path template", name);
		if (!json_is_true(json_object_get(e, "required")))
			finding(l, 1, "path-params", ptr, "path parameter '%s'%s is not required: true",
				name, json_is_true(json_object_get(e, "via")) ? " (by reference)" : "");
	}
}

static int declares_path(const json_t *params, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach((json_t *)params, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "in")), "path") &&
		    !strcmp(json_string_value(json_object_get(e, "name")), name))
			return 1;
	return 0;
}

/* ---- operations ---- */

static int status_ok(const char *code)
{
	if (strcmp(code, "default") == 0)
		return 1;
	if (strlen(code) != 3 || code[0] < '1' || code[0] > '5')
		return 0;
	if (code[1] == 'X' && code[2] == 'X')
		return 1;
	return code[1] >= '0' && code[1] <= '9' && code[2] >= '0' && code[2] <= '9';
}

/* response-schema for one 2xx response at the current pointer. */
static void check_success(struct lint *l, const char *code, const json_t *resp, const char *method)
{
	const json_t *r, *content;
	const char *media;
	json_t *mt;
	size_t m1, m2;
	int via = 0;

	if (strcmp(code, "204") == 0 || strcmp(code, "304") == 0)
		return;
	r = deref(l->doc, resp, &via);
	if (!json_is_object(r))
		return;
	content = json_object_get(r, "content");
	if (!json_is_object(content) || json_object_size(content) == 0) {
		if (strcmp(method, "get") == 0)
			finding(l, 0, "response-schema", here(l), "GET response %s has no content", code);
		return;
	}
	json_object_foreach((json_t *)content, media, mt) {
		if (json_is_object(mt) && json_object_get(mt, "schema"))
			continue;
		if (via) {
			finding(l, 1, "response-schema", here(l),
				"media type '%s' of the referenced response has no schema", media);
			continue;
		}
		m1 = ptr_push(l, "content");
		m2 = ptr_push(l, media);
		finding(l, 1, "response-schema", here(l), "media type '%s' has no schema", media);
		ptr_pop(l, m2);
		ptr_pop(l, m1);
	}
}

static void check_responses(struct lint *l, const json_t *op, const char *method)
{
	const json_t *responses = json_object_get(op, "responses");
	const char *code;
	json_t *resp;
	size_t mark, m2, n = 0;

	if (!responses) {
		finding(l, 1, "structure", here(l), "operation has no responses");
		return;
	}
	mark = ptr_push(l, "responses");
	if (!json_is_object(responses)) {
		finding(l, 1, "structure", here(l), "responses is not an object");
		ptr_pop(l, mark);
		return;
	}
	json_object_foreach((json_t *)responses, code, resp) {
		if (is_ext(code))
			continue;
		m2 = ptr_push(l, code);
		if (!status_ok(code)) {
			finding(l, 1, "structure", here(l), "'%s' is not a status code", code);
		} else {
			n++;
			if (code[0] == '2')
				check_success(l, code, resp, method);
		}
		ptr_pop(l, m2);
	}
	if (n == 0)
		finding(l, 1, "structure", here(l), "responses has no status code");
	ptr_pop(l, mark);
}

static void check_opid(struct lint *l, const json_t *id)
{
	const json_t *first;
	json_t *p;

	if (!json_is_string(id)) {
		finding(l, 1, "structure", here(l), "operationId is not a string");
		return;
	}
	first = json_object_get(l->opids, json_string_value(id));
	if (first) {
		finding(l, 1, "operation-id", here(l), "operationId '%s' is also used at %s",
			json_string_value(id), json_string_value(first));
		return;
	}
	p = json_string(here(l));
	if (!p || json_object_set_new(l->opids, json_string_value(id), p))
		l->oom = 1;
}

/*
 * One operation at the current pointer. names (NULL for a webhook) are the
 * template's parameters, pathlevel the path item's parameters.
 */
static void check_operation(struct lint *l, const json_t *op, const char *method,
			    const json_t *names, const json_t *pathlevel)
{
	json_t *params;
	const json_t *id;
	size_t i, mark;
	json_t *s;

	if (!json_is_object(op)) {
		finding(l, 1, "structure", here(l), "operation is not an object");
		return;
	}
	id = json_object_get(op, "operationId");
	if (id) {
		mark = ptr_push(l, "operationId");
		check_opid(l, id);
		ptr_pop(l, mark);
	}
	mark = ptr_push(l, "parameters");
	params = collect_params(l, json_object_get(op, "parameters"));
	ptr_pop(l, mark);
	if (params && names) {
		check_declared(l, params, names);
		json_array_foreach((json_t *)names, i, s)
			if (!declares_path(params, json_string_value(s)) &&
			    !declares_path(pathlevel, json_string_value(s)))
				finding(l, 1, "path-params", here(l),
					"path parameter '{%s}' is not declared", json_string_value(s));
	}
	json_decref(params);
	check_responses(l, op, method);
}

static int item_key_ok(const char *key)
{
	return is_method(key) || is_ext(key) || !strcmp(key, "summary") ||
	       !strcmp(key, "description") || !strcmp(key, "servers") ||
	       !strcmp(key, "parameters") || !strcmp(key, "$ref");
}

/* One path item at the current pointer; path is NULL for a webhook. */
static void check_path_item(struct lint *l, const json_t *item, const char *path)
{
	json_t *names = NULL, *pathlevel, *v;
	const char *key;
	size_t mark;

	if (!json_is_object(item)) {
		finding(l, 1, "structure", here(l), "path item is not an object");
		return;
	}
	if (path)
		names = template_names(l, path);
	mark = ptr_push(l, "parameters");
	pathlevel = collect_params(l, json_object_get(item, "parameters"));
	ptr_pop(l, mark);
	if (names && pathlevel)
		check_declared(l, pathlevel, names);
	json_object_foreach((json_t *)item, key, v) {
		mark = ptr_push(l, key);
		if (!item_key_ok(key))
			finding(l, 1, "structure", here(l), "'%s' is not a method or path item field", key);
		else if (is_method(key) && pathlevel)
			check_operation(l, v, key, names, pathlevel);
		ptr_pop(l, mark);
	}
	json_decref(pathlevel);
	json_decref(names);
}

static void check_path_items(struct lint *l, const json_t *items, int webhooks)
{
	const char *key;
	json_t *item;
	size_t mark;

	json_object_foreach((json_t *)items, key, item) {
		if (is_ext(key))
			continue;
		mark = ptr_push(l, key);
		if (!webhooks && key[0] != '/')
			finding(l, 1, "structure", here(l), "path '%s' does not start with '/'", key);
		check_path_item(l, item, !webhooks && key[0] == '/' ? key : NULL);
		ptr_pop(l, mark);
	}
}

/* ---- the document ---- */

static int version_ok(const char *v, int *v31)
{
	size_t n;

	if (strncmp(v, "3.0.", 4) != 0 && strncmp(v, "3.1.", 4) != 0)
		return 0;
	*v31 = v[2] == '1';
	n = strspn(v + 4, "0123456789");
	if (n == 0)
		return 0;
	v += 4 + n;
	if (!*v)
		return 1;
	return v[0] == '-' && v[1] &&
	       strspn(v + 1, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-") ==
	       strlen(v + 1);
}

static void check_info(struct lint *l)
{
	const json_t *info = json_object_get(l->doc, "info");
	const char *fields[] = { "title", "version", NULL };
	size_t m1, m2;
	int i;

	if (!info) {
		finding(l, 1, "structure", "", "no 'info' object");
		return;
	}
	m1 = ptr_push(l, "info");
	if (!json_is_object(info)) {
		finding(l, 1, "structure", here(l), "'info' is not an object");
		ptr_pop(l, m1);
		return;
	}
	for (i = 0; fields[i]; i++) {
		const json_t *f = json_object_get(info, fields[i]);

		if (!f) {
			finding(l, 1, "structure", here(l), "'info' has no '%s'", fields[i]);
		} else if (!json_is_string(f)) {
			m2 = ptr_push(l, fields[i]);
			finding(l, 1, "structure", here(l), "'%s' is not a string", fields[i]);
			ptr_pop(l, m2);
		}
	}
	ptr_pop(l, m1);
}

/* components/parameters are checked where they are defined, not at each use. */
static void check_component_params(struct lint *l)
{
	const json_t *comp = json_object_get(l->doc, "components");
	const json_t *params = json_is_object(comp) ? json_object_get(comp, "parameters") : NULL;
	const char *key;
	json_t *p;
	size_t m1, m2, m3;

	if (!json_is_object(params))
		return;
	m1 = ptr_push(l, "components");
	m2 = ptr_push(l, "parameters");
	json_object_foreach((json_t *)params, key, p) {
		m3 = ptr_push(l, key);
		if (!json_is_object(p) || !json_is_string(json_object_get(p, "$ref")))
			param_shape(l, p, 1);
		ptr_pop(l, m3);
	}
	ptr_pop(l, m2);
	ptr_pop(l, m1);
}

static void check_document(struct lint *l)
{
	const json_t *doc = l->doc, *version, *paths, *hooks;
	size_t mark;

	if (!json_is_object(doc)) {
		finding(l, 1, "structure", "", "the document is not an object");
		return;
	}
	version = json_object_get(doc, "openapi");
	if (!version) {
		finding(l, 1, "structure", "", "no 'openapi' version");
		return;
	}
	if (!json_is_string(version) || !version_ok(json_string_value(version), &l->v31)) {
		finding(l, 1, "structure", "/openapi", "'openapi' is not a 3.0.x or 3.1.x version");
		return;
	}
	check_info(l);
	paths = json_object_get(doc, "paths");
	hooks = l->v31 ? json_object_get(doc, "webhooks") : NULL;
	if (!paths && !l->v31)
		finding(l, 1, "structure", "", "no 'paths' object");
	else if (!paths && !hooks && !json_object_get(doc, "components"))
		finding(l, 1, "structure", "", "none of 'paths', 'webhooks' or 'components'");
	mark = ptr_push(l, "paths");
	if (paths && !json_is_object(paths))
		finding(l, 1, "structure", here(l), "'paths' is not an object");
	else if (paths)
		check_path_items(l, paths, 0);
	ptr_pop(l, mark);
	mark = ptr_push(l, "webhooks");
	if (hooks && !json_is_object(hooks))
		finding(l, 1, "structure", here(l), "'webhooks' is not an object");
	else if (hooks)
		check_path_items(l, hooks, 1);
	ptr_pop(l, mark);
	check_component_params(l);
	walk_refs(l, doc, 0);
	if (json_is_object(paths))
		check_ambiguous(l, paths);
}

int lint_openapi(const json_t *doc, json_t *findings)
{
	struct lint l = { 0 };

	if (!json_is_array(findings))
		return ak_error(AK_EXIT_USAGE, "lint: findings is not an array");
	l.doc = doc;
	l.findings = findings;
	l.opids = json_object();
	buf_init(&l.ptr, 0);
	if (!l.opids || buf_addstr(&l.ptr, "") < 0)
		l.oom = 1;
	else
		check_document(&l);
	json_decref(l.opids);
	buf_release(&l.ptr);
	if (l.oom)
		return ak_error(AK_EXIT_SOFTWARE, "lint: out of memory");
	return l.errors;
}

/* ---- the client ---- */

struct client {
	const json_t *doc;
	json_t *out;
	const json_t *call;
	int n;
	int oom;
};

static void mismatch(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void mismatch(struct client *c, const char *fmt, ...)
{
	const char *fields[] = { "operation_id", "method", "path", NULL };
	json_t *m, *msg;
	va_list ap;
	int i, bad = 0;

	if (c->oom)
		return;
	va_start(ap, fmt);
	msg = json_vsprintf(fmt, ap);
	va_end(ap);
	m = json_object();
	bad = !msg || !m;
	for (i = 0; fields[i] && !bad; i++) {
		json_t *v = json_is_object(c->call) ? json_object_get(c->call, fields[i]) : NULL;

		bad = json_object_set_new(m, fields[i], json_is_string(v) ? json_copy(v) : json_null());
	}
	if (bad || json_object_set(m, "problem", msg) || json_array_append(c->out, m))
		c->oom = 1;
	else
		c->n++;
	json_decref(msg);
	json_decref(m);
}

/* The contract operation for method (lowercase) on a path like path. */
static const json_t *find_operation(const json_t *doc, const char *method, const char *path,
				    int *path_found)
{
	const json_t *paths = json_object_get(doc, "paths"), *item, *op;
	const char *key;
	json_t *v;

	*path_found = 0;
	if (!json_is_object(paths))
		return NULL;
	json_object_foreach((json_t *)paths, key, v) {
		if (key[0] != '/' || !lint_paths_equal(key, path))
			continue;
		*path_found = 1;
		item = deref(doc, v, NULL);
		op = json_is_object(item) ? json_object_get(item, method) : NULL;
		if (json_is_object(op))
			return op;
	}
	return NULL;
}

static void check_body(struct client *c, const json_t *op, const json_t *body)
{
	const json_t *rb = deref(c->doc, json_object_get(op, "requestBody"), NULL);
	const json_t *content, *media, *schema, *ref, *want, *schemas;
	const char *name;

	if (!json_is_string(body)) {
		if (json_is_object(rb) && json_is_true(json_object_get(rb, "required")))
			mismatch(c, "the contract requires a request body, the client sends none");
		return;
	}
	name = json_string_value(body);
	if (!json_is_object(rb)) {
		mismatch(c, "the client sends a '%s' body, the operation takes none", name);
		return;
	}
	content = json_object_get(rb, "content");
	media = json_is_object(content) ? json_object_get(content, "application/json") : NULL;
	schema = json_is_object(media) ? json_object_get(media, "schema") : NULL;
	ref = json_is_object(schema) ? json_object_get(schema, "$ref") : NULL;
	if (!json_is_string(ref)) {
		mismatch(c, "the operation's application/json body is not a $ref to a schema,"
			 " the client sends '%s'", name);
		return;
	}
	schemas = json_object_get(json_object_get(c->doc, "components"), "schemas");
	want = json_is_object(schemas) ? json_object_get(schemas, name) : NULL;
	if (!want || lint_resolve(c->doc, json_string_value(ref)) != want)
		mismatch(c, "the contract's body is '%s', the client sends '%s'",
			 json_string_value(ref), name);
}

static void check_call(struct client *c)
{
	const json_t *call = c->call, *id, *method, *path, *body, *op, *cid;
	char lower[16];
	size_t i, n;
	int path_found;

	id = json_object_get(call, "operation_id");
	method = json_object_get(call, "method");
	path = json_object_get(call, "path");
	body = json_object_get(call, "body");
	if (!json_is_object(call) || !json_is_string(id) || !json_is_string(method) ||
	    !json_is_string(path) || (body && !json_is_string(body) && !json_is_null(body))) {
		mismatch(c, "malformed client call");
		return;
	}
	n = strlen(json_string_value(method));
	for (i = 0; i < n && i + 1 < sizeof(lower); i++) {
		char ch = json_string_value(method)[i];

		lower[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	lower[i] = '\0';
	if (i != n || !is_method(lower)) {
		mismatch(c, "'%s' is not an HTTP method", json_string_value(method));
		return;
	}
	op = find_operation(c->doc, lower, json_string_value(path), &path_found);
	if (!op) {
		if (path_found)
			mismatch(c, "the contract has no %s operation on this path",
				 json_string_value(method));
		else
			mismatch(c, "the contract has no path like '%s'", json_string_value(path));
		return;
	}
	cid = json_object_get(op, "operationId");
	if (!json_is_string(cid))
		mismatch(c, "the contract operation has no operationId");
	else if (strcmp(json_string_value(cid), json_string_value(id)) != 0)
		mismatch(c, "the contract's operationId is '%s'", json_string_value(cid));
	check_body(c, op, body);
}

int lint_client(const json_t *doc, const json_t *ops, json_t *mismatches)
{
	struct client c = { 0 };
	size_t i;
	json_t *call;

	if (!json_is_array(ops) || !json_is_array(mismatches))
		return ak_error(AK_EXIT_USAGE, "lint: ops and mismatches must be arrays");
	c.doc = doc;
	c.out = mismatches;
	json_array_foreach((json_t *)ops, i, call) {
		c.call = call;
		check_call(&c);
	}
	if (c.oom)
		return ak_error(AK_EXIT_SOFTWARE, "lint: out of memory");
	return c.n;
}
