/*
 * probe.c - contract tests against a running service, from its OpenAPI
 * document.
 *
 * The document is read into a table of operations (paths x methods, with
 * path-level parameters merged in and local $refs resolved) and a table of
 * resources: the collection paths that have a POST. Resources are created
 * in an order where whatever a body refers to (x-references, a property
 * named <resource>_id, or a collection path that prefixes another) exists
 * first; the ids they get fill the path parameters of the item paths
 * below them. Request bodies are generated from the schemas, with a
 * counter that makes every generated string distinct so unique columns do
 * not collide.
 *
 * Response bodies are checked with jschema. OpenAPI schemas are nearly
 * JSON Schema; the differences that matter (3.0's nullable and boolean
 * exclusiveMinimum/Maximum) are translated on a copy, and the document's
 * components are put into the copy's root so that "#/components/..."
 * references resolve.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <curl/curl.h>

#include "buf.h"
#include "error.h"
#include "jpointer.h"
#include "jschema.h"
#include "contract/probe.h"
#include "banned.h"

/* How many "missing required property" cases one operation gets. */
#define MAX_MISSING 3
/* Generated values stop nesting here (a recursive schema). */
#define MAX_GEN_DEPTH 8
/* $ref chains longer than this are treated as unresolvable. */
#define MAX_REF_HOPS 32
/* An id no test server hands out. */
#define MISSING_ID "999999999"
#define HEALTH_STEP_MS 100

struct res;

struct op {
	const char *path;          /* the template, borrowed from the doc */
	const char *method;        /* lower case, borrowed */
	char upper[8];
	const json_t *node;
	json_t *params;            /* new: merged, resolved parameters */
	const json_t *body;        /* resolved request schema, or NULL */
	const char *body_type;     /* its media type, or NULL */
	int has_body;              /* a requestBody is documented */
	char *name;
	struct res *owner;         /* the collection of the last path param */
	int done;
};

struct res {
	const char *path;
	char *name;                /* singular, lower case: "task" */
	char *schema;              /* $ref names of body and 2xx response */
	char *rschema;
	struct op *create;
	json_t *id;                /* new once created */
	int placed;
	int deps_ready;
};

struct reply {
	long status;
	char *ctype;               /* owned */
	char *location;            /* owned */
	struct buf body;
	int transport;             /* 1: no answer; err says why */
	int unreachable;           /* connection refused, timeout, no host */
	char err[CURL_ERROR_SIZE + 64];
	long duration_ms;
};

struct probe {
	const json_t *doc;
	const struct probe_opts *o;
	size_t max_body;
	json_t *cases;
	json_t *components;        /* new: sanitized copy, or NULL */
	CURL *curl;
	char *base;
	struct op *ops;
	size_t nops;
	struct res *res;
	size_t nres;
	struct res **created;      /* in creation order */
	size_t ncreated;
	long seq;
	int requests;
	int failed;
};

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* ---- the document ---- */

/* Follow $ref until an object without one; NULL when it cannot be. */
static const json_t *deref(const json_t *doc, const json_t *v)
{
	return jpointer_deref(doc, v, MAX_REF_HOPS, NULL);
}

/* The last segment of a $ref, "#/components/schemas/Task" -> "Task". */
static char *ref_name(const json_t *v)
{
	const char *ref = json_string_value(json_object_get(v, "$ref"));
	const char *slash;

	if (!ref)
		return NULL;
	slash = strrchr(ref, '/');
	return strdup(slash ? slash + 1 : ref);
}

static int is_param_seg(const char *seg, size_t len)
{
	return len >= 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/* The last segment of path; *len its length. */
static const char *last_seg(const char *path, size_t *len)
{
	size_t n = strlen(path);
	const char *s;

	while (n && path[n - 1] == '/')
		n--;
	s = path + n;
	while (s > path && s[-1] != '/')
		s--;
	*len = path + n - s;
	return s;
}

/* "categories" -> "category", "tasks" -> "task", "Boxes" -> "box". */
static char *singular(const char *seg, size_t len)
{
	char *s = malloc(len + 1);
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = seg[i] == '-' ? '_' : tolower((unsigned char)seg[i]);
	s[len] = '\0';
	if (len > 3 && !strcmp(s + len - 3, "ies")) {
		s[len - 3] = 'y';
		s[len - 2] = '\0';
	} else if (len > 4 && (!strcmp(s + len - 4, "sses") ||
			       !strcmp(s + len - 4, "ches") ||
			       !strcmp(s + len - 4, "shes"))) {
		s[len - 2] = '\0';
	} else if (len > 3 && !strcmp(s + len - 3, "xes")) {
		s[len - 2] = '\0';
	} else if (len > 1 && s[len - 1] == 's' && s[len - 2] != 's') {
		s[len - 1] = '\0';
	}
	return s;
}

/* Same name, ignoring case, '_' and '-', and a trailing "Input". */
static int same_name(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen > 5 && !strncasecmp(a + alen - 5, "input", 5))
		alen -= 5;
	if (blen > 5 && !strncasecmp(b + blen - 5, "input", 5))
		blen -= 5;
	while (alen && blen) {
		if (*a == '_' || *a == '-') {
			a++, alen--;
			continue;
		}
		if (*b == '_' || *b == '-') {
			b++, blen--;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++, alen--, b++, blen--;
	}
	return !alen && !blen;
}

/* Does the name (an x-references value, up to any '.') mean r? */
static int names_res(const struct res *r, const char *name)
{
	const char *dot = strchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : strlen(name);
	size_t slen;
	const char *seg = last_seg(r->path, &slen);
	char *plural = strndup(seg, slen);
	int hit;

	if (!plural)
		return 0;
	hit = (r->schema && same_name(name, len, r->schema)) ||
		(r->rschema && same_name(name, len, r->rschema)) ||
		same_name(name, len, r->name) || same_name(name, len, plural);
	free(plural);
	return hit;
}

/* The resource a property refers to, or NULL. */
static struct res *fk_target(struct probe *p, const char *prop,
			     const json_t *raw)
{
	const json_t *ps = deref(p->doc, raw);
	const char *xref = json_string_value(json_object_get(raw, "x-references"));
	size_t len = strlen(prop);

	if (!xref && ps)
		xref = json_string_value(json_object_get(ps, "x-references"));
	for (size_t i = 0; i < p->nres; i++) {
		struct res *r = &p->res[i];
		size_t nlen = strlen(r->name);

		if (xref && names_res(r, xref))
			return r;
		if (!xref && len == nlen + 3 && !strncasecmp(prop, r->name, nlen) &&
		    !strcasecmp(prop + nlen, "_id"))
			return r;
		if (!xref && len == nlen + 2 && !strncasecmp(prop, r->name, nlen) &&
		    !strcmp(prop + nlen, "Id"))
			return r;
	}
	return NULL;
}

/* The resource whose collection path is exactly path[0..len). */
static struct res *res_at(struct probe *p, const char *path, size_t len)
{
	for (size_t i = 0; i < p->nres; i++)
		if (strlen(p->res[i].path) == len &&
		    !strncmp(p->res[i].path, path, len))
			return &p->res[i];
	return NULL;
}

/* A parameter's key for merging: "in:name". */
static int same_param(const json_t *a, const json_t *b)
{
	const char *an = json_string_value(json_object_get(a, "name"));
	const char *ai = json_string_value(json_object_get(a, "in"));
	const char *bn = json_string_value(json_object_get(b, "name"));
	const char *bi = json_string_value(json_object_get(b, "in"));

	return an && ai && bn && bi && !strcmp(an, bn) && !strcmp(ai, bi);
}

/* Operation parameters override path-level ones of the same name and in. */
static json_t *merge_params(struct probe *p, const json_t *item,
			    const json_t *node)
{
	const json_t *lists[2] = { json_object_get(item, "parameters"),
				   json_object_get(node, "parameters") };
	json_t *out = json_array();

	if (!out)
		return NULL;
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *v;

		json_array_foreach(lists[l], i, v) {
			const json_t *pr = deref(p->doc, v);
			size_t j;
			json_t *have;
			int replaced = 0;

			if (!json_is_object(pr))
				continue;
			json_array_foreach(out, j, have) {
				if (same_param(have, pr)) {
					json_array_set(out, j, (json_t *)pr);
					replaced = 1;
					break;
				}
			}
			if (!replaced && json_array_append(out, (json_t *)pr)) {
				json_decref(out);
				return NULL;
			}
		}
	}
	return out;
}

/* The JSON media type of a content map: application/json, else *json. */
static const char *media_json(const json_t *content, const json_t **media)
{
	const char *key;
	json_t *v;

	*media = json_object_get(content, "application/json");
	if (*media)
		return "application/json";
	json_object_foreach((json_t *)content, key, v) {
		if (strstr(key, "json")) {
			*media = v;
			return key;
		}
	}
	return NULL;
}

static const char *const methods[] = {
	"get", "put", "post", "delete", "patch", "head", "options",
};

static int add_op(struct probe *p, const char *path, const json_t *item,
		  const char *method, const json_t *node)
{
	struct op *op = &p->ops[p->nops];
	const char *id = json_string_value(json_object_get(node, "operationId"));
	const json_t *rb = deref(p->doc, json_object_get(node, "requestBody"));
	size_t i;

	memset(op, 0, sizeof(*op));
	op->path = path;
	op->method = method;
	op->node = node;
	for (i = 0; method[i] && i + 1 < sizeof(op->upper); i++)
		op->upper[i] = toupper((unsigned char)method[i]);
	op->params = merge_params(p, item, node);
	if (id) {
		op->name = strdup(id);
	} else {
		size_t n = strlen(op->upper) + strlen(path) + 2;

		op->name = malloc(n);
		if (op->name)
			snprintf(op->name, n, "%s %s", op->upper, path);
	}
	p->nops++;
	if (!op->params || !op->name)
		return oom();
	if (rb) {
		const json_t *media = NULL;

		op->has_body = 1;
		op->body_type = media_json(json_object_get(rb, "content"), &media);
		if (op->body_type)
			op->body = json_object_get(media, "schema");
	}
	return 0;
}

/* The 2xx response's schema, raw (maybe a $ref), or NULL. */
static const json_t *ok_schema(struct probe *p, const struct op *op)
{
	const json_t *resps = json_object_get(op->node, "responses");
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)resps, key, v) {
		const json_t *r, *media = NULL;

		if (key[0] != '2')
			continue;
		r = deref(p->doc, v);
		if (r && media_json(json_object_get(r, "content"), &media))
			return json_object_get(media, "schema");
	}
	return NULL;
}

static int add_res(struct probe *p, struct op *op)
{
	struct res *r = &p->res[p->nres];
	const json_t *rs = ok_schema(p, op);
	size_t len;
	const char *seg = last_seg(op->path, &len);

	memset(r, 0, sizeof(*r));
	r->path = op->path;
	r->create = op;
	r->name = singular(seg, len);
	p->nres++;
	if (!r->name)
		return oom();
	if (op->body && json_object_get(op->body, "$ref") &&
	    !(r->schema = ref_name(op->body)))
		return oom();
	if (rs && json_object_get(rs, "$ref") && !(r->rschema = ref_name(rs)))
		return oom();
	return 0;
}

static int read_doc(struct probe *p)
{
	const json_t *paths = json_object_get(p->doc, "paths");
	const char *path;
	json_t *item;
	size_t n = 0;

	if (!json_is_object(paths))
		return ak_error(AK_EXIT_DATAERR, "the document has no paths");
	json_object_foreach((json_t *)paths, path, item)
		n += sizeof(methods) / sizeof(*methods);
	p->ops = calloc(n ? n : 1, sizeof(*p->ops));
	p->res = calloc(n ? n : 1, sizeof(*p->res));
	p->created = calloc(n ? n : 1, sizeof(*p->created));
	if (!p->ops || !p->res || !p->created)
		return oom();
	json_object_foreach((json_t *)paths, path, item) {
		const json_t *it = deref(p->doc, item);

		for (size_t m = 0; m < sizeof(methods) / sizeof(*methods); m++) {
			const json_t *node = json_object_get(it, methods[m]);

			if (json_is_object(node) &&
			    add_op(p, path, it, methods[m], node) < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < p->nops; i++) {
		struct op *op = &p->ops[i];
		size_t len;
		const char *seg = last_seg(op->path, &len);

		if (!strcmp(op->method, "post") && len &&
		    !is_param_seg(seg, len) && add_res(p, op) < 0)
			return -1;
	}
	/* The collection that owns each item path's last parameter. */
	for (size_t i = 0; i < p->nops; i++) {
		struct op *op = &p->ops[i];
		size_t len;
		const char *seg = last_seg(op->path, &len);

		if (len && is_param_seg(seg, len) && seg > op->path)
			op->owner = res_at(p, op->path, seg - 1 - op->path);
	}
	return 0;
}

/* ---- sanitizing schemas for jschema ---- */

static const char *const annotations[] = {
	"discriminator", "xml", "externalDocs", "example", "readOnly",
	"writeOnly", "deprecated",
};

static int fix_schema(json_t *s, int depth);

static int fix_each(json_t *v, int map, int depth)
{
	const char *key;
	json_t *sub;
	size_t i;

	if (map && json_is_object(v)) {
		json_object_foreach(v, key, sub)
			if (fix_schema(sub, depth + 1) < 0)
				return -1;
	} else if (!map && json_is_array(v)) {
		json_array_foreach(v, i, sub)
			if (fix_schema(sub, depth + 1) < 0)
				return -1;
	}
	return 0;
}

/* 3.0 has boolean exclusiveMinimum next to minimum; 3.1 has a number. */
static int fix_exclusive(json_t *s, const char *ex, const char *lim)
{
	json_t *e = json_object_get(s, ex);

	if (!json_is_boolean(e))
		return 0;
	if (json_is_true(e) && json_is_number(json_object_get(s, lim))) {
		if (json_object_set(s, ex, json_object_get(s, lim)))
			return oom();
		json_object_del(s, lim);
	} else {
		json_object_del(s, ex);
	}
	return 0;
}

/* "nullable": true becomes a "null" in type (and enum). */
static int fix_nullable(json_t *s)
{
	json_t *type = json_object_get(s, "type"), *en = json_object_get(s, "enum");
	int rc = 0;

	if (!json_is_true(json_object_get(s, "nullable")))
		return json_object_del(s, "nullable"), 0;
	json_object_del(s, "nullable");
	if (json_is_string(type)) {
		rc = json_object_set_new(s, "type", json_pack("[Os]", type, "null"));
	} else if (json_is_array(type)) {
		rc = json_array_append_new(type, json_string("null"));
	} else {
		json_t *inner = json_deep_copy(s);

		if (!inner)
			return oom();
		json_object_clear(s);
		rc = json_object_set_new(s, "anyOf",
					 json_pack("[{ss}o]", "type", "null", inner));
		en = NULL;
	}
	if (!rc && json_is_array(en))
		rc = json_array_append_new(en, json_null());
	return rc ? oom() : 0;
}

static int fix_schema(json_t *s, int depth)
{
	static const char *const maps[] = { "properties", "$defs", "definitions" };
	static const char *const lists[] = { "allOf", "anyOf", "oneOf", "prefixItems" };
	static const char *const subs[] = { "items", "additionalProperties", "not" };
	size_t i;

	if (!json_is_object(s) || depth > 64)
		return 0;
	for (i = 0; i < sizeof(annotations) / sizeof(*annotations); i++)
		json_object_del(s, annotations[i]);
	if (json_object_get(s, "nullable") && fix_nullable(s) < 0)
		return -1;
	if (fix_exclusive(s, "exclusiveMinimum", "minimum") < 0 ||
	    fix_exclusive(s, "exclusiveMaximum", "maximum") < 0)
		return -1;
	for (i = 0; i < sizeof(maps) / sizeof(*maps); i++)
		if (fix_each(json_object_get(s, maps[i]), 1, depth) < 0)
			return -1;
	for (i = 0; i < sizeof(lists) / sizeof(*lists); i++)
		if (fix_each(json_object_get(s, lists[i]), 0, depth) < 0)
			return -1;
	for (i = 0; i < sizeof(subs) / sizeof(*subs); i++)
		if (fix_schema(json_object_get(s, subs[i]), depth + 1) < 0)
			return -1;
	return 0;
}

static int make_components(struct probe *p)
{
	const json_t *c = json_object_get(p->doc, "components");

	if (!json_is_object(c))
		return 0;
	p->components = json_deep_copy(c);
	if (!p->components)
		return oom();
	return fix_each(json_object_get(p->components, "schemas"), 1, 0);
}

/* ---- generating values ---- */

static json_t *gen(struct probe *p, const json_t *raw, const char *name,
		   int depth);

/* The first type of a schema that is not "null", guessed if absent. */
static const char *type_of(const json_t *s)
{
	const json_t *t = json_object_get(s, "type");
	size_t i;
	json_t *v;

	if (json_is_string(t))
		return json_string_value(t);
	json_array_foreach(t, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), "null"))
			return json_string_value(v);
	if (json_object_get(s, "properties"))
		return "object";
	if (json_object_get(s, "items"))
		return "array";
	return "string";
}

static int allows_type(const json_t *s, const char *type)
{
	const json_t *t = json_object_get(s, "type");
	size_t i;
	json_t *v;

	if (json_is_string(t))
		t = json_pack("[O]", t);
	else
		json_incref((json_t *)t);
	json_array_foreach(t, i, v) {
		const char *n = json_string_value(v);

		if (n && (!strcmp(n, type) ||
			  (!strcmp(type, "integer") && !strcmp(n, "number")))) {
			json_decref((json_t *)t);
			return 1;
		}
	}
	json_decref((json_t *)t);
	return !json_object_get(s, "type");
}

/* example, examples, default, const or the first non-null enum value. */
static json_t *given_value(const json_t *s)
{
	const json_t *v;
	const char *keys[] = { "const", "example", "default" };
	size_t i;
	json_t *e;

	for (i = 0; i < 3; i++)
		if ((v = json_object_get(s, keys[i])))
			return json_deep_copy(v);
	v = json_object_get(s, "examples");
	if (json_is_array(v) && json_array_size(v))
		return json_deep_copy(json_array_get(v, 0));
	json_array_foreach(json_object_get(s, "enum"), i, e)
		if (!json_is_null(e))
			return json_deep_copy(e);
	return NULL;
}

static json_t *gen_string(struct probe *p, const json_t *s, const char *name)
{
	const char *fmt = json_string_value(json_object_get(s, "format"));
	json_int_t minl = json_integer_value(json_object_get(s, "minLength"));
	const json_t *maxj = json_object_get(s, "maxLength");
	long n = ++p->seq;
	char tmp[128];
	struct buf b = BUF_INIT;
	json_t *out;

	if (!fmt)
		fmt = "";
	if (!strcmp(fmt, "email"))
		snprintf(tmp, sizeof(tmp), "user%ld@example.com", n);
	else if (!strcmp(fmt, "date"))
		snprintf(tmp, sizeof(tmp), "2024-01-%02ld", n % 28 + 1);
	else if (!strcmp(fmt, "date-time"))
		snprintf(tmp, sizeof(tmp), "2024-01-15T10:%02ld:%02ldZ",
			 n / 60 % 60, n % 60);
	else if (!strcmp(fmt, "uuid"))
		snprintf(tmp, sizeof(tmp), "00000000-0000-4000-8000-%012lx", n);
	else if (!strcmp(fmt, "uri") || !strcmp(fmt, "url"))
		snprintf(tmp, sizeof(tmp), "http://example.com/item/%ld", n);
	else
		snprintf(tmp, sizeof(tmp), "%.40s-%ld", name ? name : "value", n);
	if (buf_addstr(&b, tmp) < 0)
		return NULL;
	while (minl > 0 && b.len < (size_t)minl)
		if (buf_addch(&b, 'x') < 0) {
			buf_release(&b);
			return NULL;
		}
	if (json_is_integer(maxj) && json_integer_value(maxj) >= 0 &&
	    b.len > (size_t)json_integer_value(maxj)) {
		/* Keep the end, where the counter is. */
		size_t keep = json_integer_value(maxj);

		out = json_string(b.p + b.len - keep);
	} else {
		out = json_string(b.p ? b.p : "");
	}
	buf_release(&b);
	return out;
}

static json_t *gen_number(struct probe *p, const json_t *s, int integer)
{
	const json_t *mn = json_object_get(s, "minimum");
	const json_t *mx = json_object_get(s, "maximum");
	const json_t *emn = json_object_get(s, "exclusiveMinimum");
	const json_t *emx = json_object_get(s, "exclusiveMaximum");
	double lo = -1e15, hi = 1e15, v;
	int has_lo = 0, has_hi = 0;

	if (json_is_number(mn))
		lo = json_number_value(mn), has_lo = 1;
	if (json_is_number(mx))
		hi = json_number_value(mx), has_hi = 1;
	if (json_is_number(emn))
		lo = json_number_value(emn) + (integer ? 1 : 0.5), has_lo = 1;
	else if (json_is_true(emn) && has_lo)
		lo += integer ? 1 : 0.5;
	if (json_is_number(emx))
		hi = json_number_value(emx) - (integer ? 1 : 0.5), has_hi = 1;
	else if (json_is_true(emx) && has_hi)
		hi -= integer ? 1 : 0.5;
	if (integer) {
		lo = has_lo ? ceil(lo) : lo;
		hi = has_hi ? floor(hi) : hi;
	}
	/* Vary with the counter where the range allows, for unique columns. */
	v = has_lo ? lo : 1;
	if (integer && hi - v >= 1)
		v += (p->seq++ % (long)(hi - v < 1000 ? hi - v + 1 : 1000));
	if (v > hi)
		v = has_lo && lo <= hi ? lo : hi;
	if (integer)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *gen_object(struct probe *p, const json_t *s, int depth)
{
	json_t *out = json_object(), *all = json_object_get(s, "allOf");
	const json_t *props = json_object_get(s, "properties");
	const json_t *req = json_object_get(s, "required");
	const char *key;
	json_t *ps, *sub;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(all, i, sub) {
		json_t *part = gen(p, sub, NULL, depth + 1);

		if (!part || (json_is_object(part) && json_object_update(out, part))) {
			json_decref(part);
			json_decref(out);
			return NULL;
		}
		json_decref(part);
	}
	json_object_foreach((json_t *)props, key, ps) {
		const json_t *pr = deref(p->doc, ps);
		struct res *r = fk_target(p, key, ps);
		int required = 0;
		json_t *v, *rk;
		size_t j;

		json_array_foreach(req, j, rk)
			required |= json_is_string(rk) && !strcmp(json_string_value(rk), key);
		if (!pr || json_is_true(json_object_get(pr, "readOnly")))
			continue;
		if (!required && depth >= MAX_GEN_DEPTH / 2)
			continue;
		if (r && r->id)
			v = json_incref(r->id);
		else if (r && !required)
			continue;
		else
			v = gen(p, ps, key, depth + 1);
		if (!v || json_object_set_new(out, key, v)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *gen_array(struct probe *p, const json_t *s, const char *name,
			 int depth)
{
	json_t *out = json_array();
	json_int_t n = json_integer_value(json_object_get(s, "minItems"));
	const json_t *mx = json_object_get(s, "maxItems");

	if (n < 1)
		n = 1;
	if (json_is_integer(mx) && n > json_integer_value(mx))
		n = json_integer_value(mx);
	if (depth >= MAX_GEN_DEPTH && !json_object_get(s, "minItems"))
		n = 0;
	for (json_int_t i = 0; out && i < n; i++) {
		json_t *v = gen(p, json_object_get(s, "items"), name, depth + 1);

		if (!v || json_array_append_new(out, v)) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

/* A new value valid against raw (as far as we can tell), NULL on no memory. */
static json_t *gen(struct probe *p, const json_t *raw, const char *name,
		   int depth)
{
	const json_t *s = deref(p->doc, raw);
	const json_t *alt;
	const char *t;
	json_t *v;

	if (!json_is_object(s))
		return json_string("value");
	if ((v = given_value(s)))
		return v;
	alt = json_object_get(s, "oneOf");
	if (!alt)
		alt = json_object_get(s, "anyOf");
	if (json_is_array(alt) && json_array_size(alt) && depth < MAX_GEN_DEPTH) {
		size_t i;
		json_t *a;

		json_array_foreach(alt, i, a) {
			const json_t *as = deref(p->doc, a);

			if (!as || strcmp(json_string_value(json_object_get(as, "type")) ?
					  json_string_value(json_object_get(as, "type")) : "",
					  "null"))
				return gen(p, a, name, depth + 1);
		}
	}
	t = type_of(s);
	if (json_object_get(s, "allOf"))
		t = "object";
	if (!strcmp(t, "object"))
		return depth > MAX_GEN_DEPTH ? json_object() : gen_object(p, s, depth);
	if (!strcmp(t, "array"))
		return gen_array(p, s, name, depth);
	if (!strcmp(t, "integer"))
		return gen_number(p, s, 1);
	if (!strcmp(t, "number"))
		return gen_number(p, s, 0);
	if (!strcmp(t, "boolean"))
		return json_true();
	if (!strcmp(t, "null"))
		return json_null();
	return gen_string(p, s, name);
}

/* ---- HTTP ---- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	if (buf_add(&r->body, data, size * n) < 0)
		return 0;
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;

	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		free(r->location);
		r->location = NULL;
	} else if (len > 9 && !strncasecmp(data, "location:", 9)) {
		const char *v = data + 9;
		size_t vl = len - 9;

		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' ||
			      v[vl - 1] == ' '))
			vl--;
		free(r->location);
		r->location = strndup(v, vl);
	}
	return len;
}

static void reply_release(struct reply *r)
{
	free(r->ctype);
	free(r->location);
	buf_release(&r->body);
	memset(r, 0, sizeof(*r));
}

/*
 * Send one request. Returns 0 with *r filled, whether an answer came or
 * not (r->transport), or -1 with ak_error when curl cannot be set up.
 */
static int http_do(CURL *e, const char *method, const char *url,
		   const char *body, size_t blen, const char *ctype,
		   long timeout_ms, size_t max_body, struct reply *r)
{
	struct curl_slist *h = NULL, *t;
	char line[256];
	char *ct = NULL;
	curl_off_t us = 0;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body, max_body);
	curl_easy_reset(e);
	h = curl_slist_append(NULL, "Accept: application/json, application/problem+json;q=0.9, */*;q=0.5");
	t = h ? curl_slist_append(h, "Expect:") : NULL;
	if (t && body) {
		snprintf(line, sizeof(line), "Content-Type: %s",
			 ctype ? ctype : "application/json");
		t = curl_slist_append(t, line);
	}
	if (!t) {
		curl_slist_free_all(h);
		return oom();
	}
	h = t;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
	if (timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	r->err[0] = '\0';
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us);
	r->duration_ms = (long)(us / 1000);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		const char *msg = r->err[0] ? r->err : curl_easy_strerror(rc);
		char tmp[sizeof(r->err)];

		r->transport = 1;
		r->unreachable = rc == CURLE_COULDNT_CONNECT ||
			rc == CURLE_OPERATION_TIMEDOUT ||
			rc == CURLE_COULDNT_RESOLVE_HOST ||
			rc == CURLE_COULDNT_RESOLVE_PROXY;
		if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(tmp, sizeof(tmp),
				 "response body larger than %zu bytes", max_body);
		else
			snprintf(tmp, sizeof(tmp), "%s", msg);
		memcpy(r->err, tmp, sizeof(tmp));
		return 0;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
	if (ct && !(r->ctype = strdup(ct)))
		return oom();
	return 0;
}

/* ---- cases ---- */

static int is_problem_json(const char *ctype)
{
	size_t n = strlen("application/problem+json");

	return ctype && !strncasecmp(ctype, "application/problem+json", n) &&
		(!ctype[n] || ctype[n] == ';' || ctype[n] == ' ');
}

/* The documented response for status, or NULL; *documented says if any. */
static const json_t *response_for(struct probe *p, const struct op *op,
				  long status)
{
	const json_t *resps = json_object_get(op->node, "responses");
	char key[24];
	const json_t *r;

	snprintf(key, sizeof(key), "%ld", status);
	if ((r = json_object_get(resps, key)))
		return r;
	snprintf(key, sizeof(key), "%ldXX", status / 100);
	if ((r = json_object_get(resps, key)))
		return r;
	snprintf(key, sizeof(key), "%ldxx", status / 100);
	if ((r = json_object_get(resps, key)))
		return r;
	return json_object_get(resps, "default");
}

/*
 * Check body against the documented schema. Sets *problem (malloc'd) when
 * it does not match, *unchecked when jschema cannot apply the schema.
 * Returns -1 on no memory.
 */
static int check_body(struct probe *p, const json_t *raw_schema,
		      const struct reply *r, char **problem, char **unchecked)
{
	json_t *root, *inst, *errs;
	json_error_t jerr;
	int rc;

	if (json_is_object(raw_schema))
		root = json_deep_copy(raw_schema);
	else if (json_is_boolean(raw_schema))
		root = json_object();
	else
		return 0;
	if (!root || fix_schema(root, 0) < 0 ||
	    (p->components && json_object_set(root, "components", p->components))) {
		json_decref(root);
		return oom();
	}
	if (json_is_false(raw_schema))
		json_object_set_new(root, "not", json_object());
	if (jschema_check(root) < 0) {
		json_decref(root);
		*unchecked = strdup(ak_errmsg());
		return *unchecked ? 0 : oom();
	}
	inst = json_loadb(r->body.p ? r->body.p : "", r->body.len,
			  JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!inst) {
		json_decref(root);
		*problem = strdup("response body is not JSON");
		return *problem ? 0 : oom();
	}
	errs = json_array();
	rc = errs ? jschema_validate(root, inst, errs, 1) : -2;
	if (rc == 1) {
		struct buf b = BUF_INIT;

		buf_addf(&b, "response body %s",
			 json_string_value(json_array_get(errs, 0)));
		*problem = buf_detach(&b, NULL);
	} else if (rc == -1) {
		*unchecked = strdup(ak_errmsg());
	}
	json_decref(errs);
	json_decref(inst);
	json_decref(root);
	if (rc == -2 || (rc == 1 && !*problem) || (rc == -1 && !*unchecked))
		return oom();
	return 0;
}

static char *fmt_problem(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static char *fmt_problem(const char *fmt, ...)
{
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return strdup(tmp);
}

/* Judge a valid case. problem/unchecked are set (malloc'd) or left NULL. */
static int judge_valid(struct probe *p, const struct op *op,
		       const struct reply *r, char **problem, char **unchecked)
{
	const json_t *resp, *media = NULL;

	if (r->transport)
		*problem = strdup(r->err);
	else if (r->status < 200 || r->status > 299)
		*problem = fmt_problem("status %ld", r->status);
	else if (!(resp = response_for(p, op, r->status)))
		*problem = fmt_problem("status %ld is not documented", r->status);
	else if (media_json(json_object_get(deref(p->doc, resp), "content"), &media) &&
		 json_object_get(media, "schema") && r->status != 204)
		return check_body(p, json_object_get(media, "schema"), r,
				  problem, unchecked);
	else
		return 0;
	return *problem ? 0 : oom();
}

static int judge_invalid(const struct reply *r, char **problem)
{
	if (r->transport)
		*problem = strdup(r->err);
	else if (r->status >= 500)
		*problem = fmt_problem("status %ld", r->status);
	else if (r->status >= 200 && r->status <= 299)
		*problem = fmt_problem("status %ld: the invalid request was accepted",
				       r->status);
	else if (r->status < 400)
		*problem = fmt_problem("status %ld", r->status);
	else if (!is_problem_json(r->ctype))
		*problem = fmt_problem("status %ld without application/problem+json (Content-Type %s)",
				       r->status, r->ctype ? r->ctype : "none");
	else
		return 0;
	return *problem ? 0 : oom();
}

static int add_case(struct probe *p, const struct op *op, const char *path,
		    const char *kind, const char *what, const struct reply *r,
		    const char *problem, const char *skipped,
		    const char *unchecked)
{
	json_t *c = json_pack("{ss ss ss ss ss so sb so sI}",
			      "operation", op->name, "method", op->upper,
			      "path", path, "kind", kind, "what", what,
			      "status", r && !r->transport ? json_integer(r->status) :
			      json_null(),
			      "ok", !problem,
			      "problem", problem ? json_string(problem) :
			      json_null(),
			      "duration_ms", (json_int_t)(r ? r->duration_ms : 0));

	if (!c)
		return oom();
	if ((skipped && json_object_set_new(c, "skipped", json_string(skipped))) ||
	    (unchecked && json_object_set_new(c, "schema_unchecked",
					      json_string(unchecked))) ||
	    json_array_append_new(p->cases, c))
		return oom();
	if (problem)
		p->failed++;
	return 0;
}

/*
 * Send a request and record the case. keep, if not NULL, receives the
 * reply (release it). Returns 0, or -1 (no memory, or nothing reachable on
 * the very first request).
 */
static int run_case(struct probe *p, const struct op *op, const char *path,
		    int valid, const char *what, const char *body, size_t blen,
		    struct reply *keep)
{
	struct buf url = BUF_INIT;
	struct reply r;
	char *problem = NULL, *unchecked = NULL;
	int rc;

	if (buf_addf(&url, "%s%s", p->base, path) < 0)
		return oom();
	rc = http_do(p->curl, op->upper, url.p, body, blen, op->body_type,
		     p->o->timeout_ms, p->max_body, &r);
	buf_release(&url);
	if (rc < 0) {
		reply_release(&r);
		return -1;
	}
	if (!p->requests++ && r.transport && r.unreachable) {
		ak_error(AK_EXIT_UNAVAILABLE, "cannot reach '%s': %s", p->base,
			 r.err);
		reply_release(&r);
		return -1;
	}
	rc = valid ? judge_valid(p, op, &r, &problem, &unchecked) :
		judge_invalid(&r, &problem);
	if (!rc)
		rc = add_case(p, op, path, valid ? "valid" : "invalid", what, &r,
			      problem, NULL, unchecked);
	free(problem);
	free(unchecked);
	if (keep && !rc)
		*keep = r;
	else
		reply_release(&r);
	return rc;
}

static int skip_case(struct probe *p, const struct op *op, const char *why)
{
	return add_case(p, op, op->path, "valid", "valid request", NULL, NULL,
			why, NULL);
}

/* Append v to b as path or query text, percent-encoded. */
static int add_value(struct probe *p, struct buf *b, const json_t *v)
{
	char num[64];
	const char *s = num;
	char *esc;
	int rc;

	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v))
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	else
		s = "";
	esc = curl_easy_escape(p->curl, s, 0);
	if (!esc)
		return oom();
	rc = buf_addstr(b, esc);
	curl_free(esc);
	return rc < 0 ? oom() : 0;
}

static const json_t *find_param(const struct op *op, const char *in,
				const char *name, size_t len)
{
	size_t i;
	json_t *pr;

	json_array_foreach(op->params, i, pr) {
		const char *n = json_string_value(json_object_get(pr, "name"));

		if (n && strlen(n) == len && !strncmp(n, name, len) &&
		    !strcmp(json_string_value(json_object_get(pr, "in")) ?
			    json_string_value(json_object_get(pr, "in")) : "", in))
			return pr;
	}
	return NULL;
}

/*
 * Build the concrete path and query of op into b. last, when not NULL,
 * replaces the value of the last path parameter. Returns 0, 1 with *why
 * set (static text) when it cannot, -1 on no memory.
 */
static int build_path(struct probe *p, const struct op *op, const char *last,
		      struct buf *b, char *why, size_t whylen)
{
	const char *s = op->path, *open;
	char sep = '?';
	size_t i;
	json_t *pr;

	while ((open = strchr(s, '{'))) {
		const char *close = strchr(open, '}');
		const json_t *param;
		struct res *r;
		int is_last;
		json_t *v = NULL;

		if (!close)
			break;
		if (buf_add(b, s, open - s) < 0)
			return oom();
		is_last = !strchr(close, '{');
		r = open > op->path ? res_at(p, op->path, open - 1 - op->path) : NULL;
		param = find_param(op, "path", open + 1, close - open - 1);
		if (is_last && last) {
			if (buf_addstr(b, last) < 0)
				return oom();
		} else if (r && r->id) {
			if (add_value(p, b, r->id) < 0)
				return -1;
		} else if (param && (v = given_value(deref(p->doc,
					json_object_get(param, "schema"))))) {
			int rc = add_value(p, b, v);

			json_decref(v);
			if (rc < 0)
				return -1;
		} else {
			snprintf(why, whylen, "%s path parameter %.*s",
				 r ? "no created resource for" : "cannot fill",
				 (int)(close - open - 1), open + 1);
			return 1;
		}
		s = close + 1;
	}
	if (buf_addstr(b, s) < 0)
		return oom();
	json_array_foreach(op->params, i, pr) {
		const char *in = json_string_value(json_object_get(pr, "in"));
		const char *name = json_string_value(json_object_get(pr, "name"));
		json_t *v;

		if (!in || !name || !json_is_true(json_object_get(pr, "required")) ||
		    !strcmp(in, "path"))
			continue;
		if (strcmp(in, "query")) {
			snprintf(why, whylen, "required %s parameter %s", in, name);
			return 1;
		}
		v = gen(p, json_object_get(pr, "schema"), name, 0);
		if (!v || buf_addf(b, "%c%s=", sep, name) < 0 ||
		    add_value(p, b, v) < 0) {
			json_decref(v);
			return oom();
		}
		json_decref(v);
		sep = '&';
	}
	return 0;
}

/* Remember the id a create answered with: body "id", else Location. */
static int remember_id(struct probe *p, struct res *r, const struct reply *rep)
{
	json_t *body, *id = NULL;

	if (rep->transport || rep->status < 200 || rep->status > 299)
		return 0;
	body = json_loadb(rep->body.p ? rep->body.p : "", rep->body.len, 0, NULL);
	id = json_object_get(body, "id");
	if (json_is_string(id) || json_is_integer(id)) {
		json_incref(id);
	} else if (rep->location) {
		size_t len;
		const char *seg = last_seg(rep->location, &len);
		char *s = strndup(seg, len), *end;
		long long n;

		if (!s) {
			json_decref(body);
			return oom();
		}
		errno = 0;
		n = strtoll(s, &end, 10);
		id = *s && !*end && !errno ? json_integer(n) : json_string(s);
		free(s);
	} else {
		id = NULL;
	}
	json_decref(body);
	if (!id)
		return 0;
	json_decref(r->id);
	r->id = id;
	if (!r->placed) {
		r->placed = 1;
		p->created[p->ncreated++] = r;
	}
	return 0;
}

/* A value of a type the property does not allow. */
static json_t *wrong_value(const json_t *ps)
{
	if (!allows_type(ps, "integer") && !allows_type(ps, "number"))
		return json_integer(12345);
	if (!allows_type(ps, "string"))
		return json_string("not-a-number");
	if (!allows_type(ps, "boolean"))
		return json_true();
	if (!allows_type(ps, "object"))
		return json_object();
	return NULL;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Run one body-less or malformed case; text is the body sent. */
static int body_case(struct probe *p, const struct op *op, const char *path,
		     const char *what, const char *text)
{
	return run_case(p, op, path, 0, what, text, strlen(text), NULL);
}

static int json_case(struct probe *p, const struct op *op, const char *path,
		     const char *what, const json_t *v)
{
	char *text = dump(v);
	int rc;

	if (!text)
		return oom();
	rc = body_case(p, op, path, what, text);
	free(text);
	return rc;
}

/* Invalid bodies: not JSON, an array, missing required, a wrong type. */
static int invalid_bodies(struct probe *p, const struct op *op,
			  const char *path)
{
	const json_t *s = deref(p->doc, op->body);
	const json_t *props = json_object_get(s, "properties");
	const json_t *req = json_object_get(s, "required");
	json_t *valid, *arr, *rk;
	const char *wrong = NULL;
	char what[300];
	size_t i, missing = 0;
	int rc = 0;

	if (!s || strcmp(type_of(s), "object"))
		return 0;
	if (body_case(p, op, path, "body is not JSON", "{\"unterminated\": ") < 0)
		return -1;
	valid = gen(p, op->body, NULL, 0);
	if (!valid)
		return oom();
	arr = json_pack("[O]", valid);
	rc = arr ? json_case(p, op, path, "body is an array, not an object", arr) :
		oom();
	json_decref(arr);
	json_array_foreach(req, i, rk) {
		const char *name = json_string_value(rk);
		json_t *v;

		if (rc || !name || missing == MAX_MISSING)
			continue;
		missing++;
		if (!(v = json_deep_copy(valid))) {
			rc = oom();
			break;
		}
		json_object_del(v, name);
		snprintf(what, sizeof(what), "missing required property %.200s", name);
		rc = json_case(p, op, path, what, v);
		json_decref(v);
		if (!wrong && json_object_get(props, name))
			wrong = name;
	}
	if (!wrong && json_is_object(props)) {
		void *it = json_object_iter((json_t *)props);

		wrong = it ? json_object_iter_key(it) : NULL;
	}
	if (!rc && wrong) {
		const json_t *ps = deref(p->doc, json_object_get(props, wrong));
		json_t *bad = ps ? wrong_value(ps) : NULL;

		if (bad && !json_object_set_new(valid, wrong, bad)) {
			snprintf(what, sizeof(what),
				 "property %.200s has the wrong type", wrong);
			rc = json_case(p, op, path, what, valid);
		}
	}
	json_decref(valid);
	return rc;
}

/* Invalid ids for an item path whose last parameter is an integer. */
static int invalid_ids(struct probe *p, const struct op *op, const char *body,
		       size_t blen)
{
	const char *open = strrchr(op->path, '{'), *close;
	const json_t *param, *ps;
	const char *vals[2] = { "abc", MISSING_ID };
	static const char *const whats[2] = { "abc is not an integer",
					      MISSING_ID " does not exist" };

	if (!open || !(close = strchr(open, '}')) || close[1])
		return 0;
	param = find_param(op, "path", open + 1, close - open - 1);
	ps = param ? deref(p->doc, json_object_get(param, "schema")) : NULL;
	if (!ps || strcmp(type_of(ps), "integer"))
		return 0;
	for (int i = 0; i < 2; i++) {
		struct buf path = BUF_INIT;
		char what[300], why[300];
		int rc = build_path(p, op, vals[i], &path, why, sizeof(why));

		if (!rc) {
			snprintf(what, sizeof(what), "%.*s %s",
				 (int)(close - open - 1), open + 1, whats[i]);
			rc = run_case(p, op, path.p, 0, what, body, blen, NULL);
		}
		buf_release(&path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The valid case of op and its invalid ones. */
static int run_op(struct probe *p, struct op *op, struct res *creates)
{
	struct buf path = BUF_INIT;
	struct reply rep;
	json_t *body = NULL;
	char *text = NULL;
	char why[300];
	int rc;

	op->done = 1;
	if (op->has_body && !op->body_type) {
		snprintf(why, sizeof(why), "request body is not JSON");
		return skip_case(p, op, why);
	}
	rc = build_path(p, op, NULL, &path, why, sizeof(why));
	if (rc) {
		buf_release(&path);
		return rc < 0 ? -1 : skip_case(p, op, why);
	}
	if (op->body) {
		body = gen(p, op->body, NULL, 0);
		if (!body || !(text = dump(body))) {
			json_decref(body);
			buf_release(&path);
			return oom();
		}
	}
	rc = run_case(p, op, path.p, 1, "valid request", text,
		      text ? strlen(text) : 0, &rep);
	if (!rc) {
		if (creates)
			rc = remember_id(p, creates, &rep);
		reply_release(&rep);
	}
	if (!rc && op->body)
		rc = invalid_bodies(p, op, path.p);
	if (!rc)
		rc = invalid_ids(p, op, text, text ? strlen(text) : 0);
	free(text);
	json_decref(body);
	buf_release(&path);
	return rc;
}

/* ---- order ---- */

static int depends_on(struct probe *p, const struct res *a, const struct res *b)
{
	const json_t *s = deref(p->doc, a->create->body);
	const char *key;
	json_t *ps;
	size_t blen = strlen(b->path);

	if (a == b)
		return 0;
	if (!strncmp(a->path, b->path, blen) && a->path[blen] == '/')
		return 1;
	json_object_foreach(json_object_get(s, "properties"), key, ps)
		if (fk_target(p, key, ps) == b)
			return 1;
	return 0;
}

/* Creates, each after what it depends on (a cycle is broken in doc order). */
static int run_creates(struct probe *p)
{
	for (size_t round = 0; round < p->nres; round++) {
		struct res *next = NULL;

		for (size_t i = 0; i < p->nres && !next; i++) {
			struct res *r = &p->res[i];
			int ready = !r->create->done;

			for (size_t j = 0; j < p->nres && ready; j++)
				if (!p->res[j].create->done &&
				    depends_on(p, r, &p->res[j]))
					ready = 0;
			if (ready)
				next = r;
		}
		for (size_t i = 0; i < p->nres && !next; i++)
			if (!p->res[i].create->done)
				next = &p->res[i];
		if (next && run_op(p, next->create, next) < 0)
			return -1;
	}
	return 0;
}

static int run_all(struct probe *p)
{
	size_t i, k;

	if (run_creates(p) < 0)
		return -1;
	for (i = 0; i < p->nops; i++)
		if (!p->ops[i].done && strcmp(p->ops[i].method, "delete") &&
		    run_op(p, &p->ops[i], NULL) < 0)
			return -1;
	for (k = p->ncreated; k-- > 0;)
		for (i = 0; i < p->nops; i++)
			if (!p->ops[i].done && p->ops[i].owner == p->created[k] &&
			    run_op(p, &p->ops[i], NULL) < 0)
				return -1;
	for (i = 0; i < p->nops; i++)
		if (!p->ops[i].done && run_op(p, &p->ops[i], NULL) < 0)
			return -1;
	return 0;
}

static void probe_release(struct probe *p)
{
	for (size_t i = 0; i < p->nops; i++) {
		json_decref(p->ops[i].params);
		free(p->ops[i].name);
	}
	for (size_t i = 0; i < p->nres; i++) {
		free(p->res[i].name);
		free(p->res[i].schema);
		free(p->res[i].rschema);
		json_decref(p->res[i].id);
	}
	free(p->ops);
	free(p->res);
	free(p->created);
	free(p->base);
	json_decref(p->components);
	if (p->curl)
		curl_easy_cleanup(p->curl);
}

static char *trim_base(const char *url)
{
	size_t n = strlen(url);

	while (n && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

int probe_run(const json_t *doc, const struct probe_opts *o, json_t *cases)
{
	struct probe p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (!o || !o->base_url || !*o->base_url)
		return ak_error(AK_EXIT_USAGE, "no base URL to probe");
	p.doc = doc;
	p.o = o;
	p.cases = cases;
	p.max_body = o->max_body ? o->max_body : PROBE_MAX_BODY;
	if (!(p.base = trim_base(o->base_url)))
		return oom();
	if (!(p.curl = curl_easy_init())) {
		free(p.base);
		return ak_error(AK_EXIT_SOFTWARE, "cannot set up curl");
	}
	rc = read_doc(&p);
	if (!rc)
		rc = make_components(&p);
	if (!rc)
		rc = run_all(&p);
	if (!rc)
		rc = p.failed;
	probe_release(&p);
	return rc;
}

/* ---- waiting for health ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pid_gone(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT))
		return si.si_pid == pid;
	if (errno == ECHILD)
		return kill(pid, 0) < 0 && errno == ESRCH;
	return 0;
}

int probe_wait_health(const char *base_url, const char *path, long timeout_ms,
		      pid_t pid)
{
	struct timespec step = { 0, HEALTH_STEP_MS * 1000000L };
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct buf url = BUF_INIT;
	char *base = trim_base(base_url ? base_url : "");
	CURL *e = curl_easy_init();
	int rc = -1;

	if (!base || !e || buf_addf(&url, "%s%s", base, path ? path : "") < 0) {
		rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto out;
	}
	for (;;) {
		struct reply r;
		long left = (long)(deadline - now_ms());

		if (http_do(e, "GET", url.p, NULL, 0, NULL,
			    left > HEALTH_STEP_MS * 10 ? HEALTH_STEP_MS * 10 :
			    left > 1 ? left : 1, 65536, &r) < 0)
			goto out;
		rc = !r.transport && r.status >= 200 && r.status <= 299 ? 0 : -1;
		reply_release(&r);
		if (!rc)
			break;
		if (pid > 0 && pid_gone(pid)) {
			ak_error(AK_EXIT_UNAVAILABLE, "process %ld exited before "
				 "'%s' answered", (long)pid, url.p);
			break;
		}
		if (now_ms() >= deadline) {
			ak_error(AK_EXIT_UNAVAILABLE,
				 "no healthy answer from %s within %ld ms",
				 url.p, timeout_ms);
			break;
		}
		nanosleep(&step, NULL);
	}
out:
	if (e)
		curl_easy_cleanup(e);
	free(base);
	buf_release(&url);
	return rc;
}
