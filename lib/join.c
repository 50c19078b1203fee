/*
 * join.c - per-feature joins in the store or in memory (see join.h).
 *
 * In memory, a jansson object maps subject -> {type: raw line}; it is only
 * a dictionary here, the lines are kept as strings, not parsed.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "join.h"
#include "banned.h"

#define JOIN_MAX_TYPES 8

struct join {
	struct store *store;
	char *agent;
	char *types[JOIN_MAX_TYPES + 1];
	json_t *mem;       /* subject -> {type: raw}, when there is no store */
};

struct join *join_new(struct store *store, const char *agent, const char *const *types)
{
	struct join *j = calloc(1, sizeof(*j));
	size_t n = 0;

	if (!j)
		goto oom;
	j->store = store;
	if (!(j->agent = strdup(agent)) || !(j->mem = json_object()))
		goto oom;
	for (; types[n]; n++) {
		if (n == JOIN_MAX_TYPES) {
			join_free(j);
			ak_error(AK_EXIT_SOFTWARE, "a join waits for at most %d types", JOIN_MAX_TYPES);
			return NULL;
		}
		if (!(j->types[n] = strdup(types[n])))
			goto oom;
	}
	return j;
oom:
	join_free(j);
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return NULL;
}

void join_free(struct join *j)
{
	if (!j)
		return;
	for (int i = 0; j->types[i]; i++)
		free(j->types[i]);
	free(j->agent);
	json_decref(j->mem);
	free(j);
}

static int wanted(const struct join *j, const char *type)
{
	for (int i = 0; j->types[i]; i++)
		if (!strcmp(j->types[i], type))
			return 1;
	return 0;
}

struct have {
	const struct join *j;
	unsigned seen;    /* bit per wanted type */
};

static int mark(const char *type, const char *raw, size_t len, void *ctx)
{
	struct have *h = ctx;

	for (int i = 0; h->j->types[i]; i++)
		if (!strcmp(h->j->types[i], type))
			h->seen |= 1u << i;
	return 0;
}

static int complete(struct join *j, const char *subject)
{
	struct have h = { j, 0 };
	int n = 0;

	while (j->types[n])
		n++;
	if (j->store) {
		if (store_join_get(j->store, j->agent, subject, mark, &h) < 0)
			return -1;
	} else {
		json_t *held = json_object_get(j->mem, subject);
		const char *type;
		json_t *v;

		json_object_foreach(held, type, v)
			mark(type, NULL, 0, &h);
	}
	return h.seen == (1u << n) - 1;
}

int join_add(struct join *j, const char *subject, const char *type,
	     const char *raw, size_t len)
{
	json_t *held;

	if (!wanted(j, type))
		return 0;
	if (j->store) {
		if (store_join_put(j->store, j->agent, subject, type, raw, len) < 0)
			return -1;
		return complete(j, subject);
	}
	held = json_object_get(j->mem, subject);
	if (!held) {
		held = json_object();
		if (!held || json_object_set_new(j->mem, subject, held))
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	if (json_object_set_new(held, type, json_stringn(raw, len)))
		return ak_error(AK_EXIT_DATAERR, "cannot hold a '%s' event for '%s'", type, subject);
	return complete(j, subject);
}

struct pick {
	const char *type;
	int (*fn)(const char *type, const char *raw, size_t len, void *ctx);
	void *ctx;
	int rc;
};

static int pick_one(const char *type, const char *raw, size_t len, void *ctx)
{
	struct pick *p = ctx;

	if (strcmp(type, p->type))
		return 0;
	p->rc = p->fn(type, raw, len, p->ctx);
	return p->rc ? p->rc : 0;
}

int join_each(struct join *j, const char *subject,
	      int (*fn)(const char *type, const char *raw, size_t len, void *ctx), void *ctx)
{
	for (int i = 0; j->types[i]; i++) {
		struct pick p = { j->types[i], fn, ctx, 0 };

		if (j->store) {
			if (store_join_get(j->store, j->agent, subject, pick_one, &p) < 0 && !p.rc)
				return -1;
		} else {
			json_t *v = json_object_get(json_object_get(j->mem, subject), j->types[i]);

			if (v)
				p.rc = fn(j->types[i], json_string_value(v), json_string_length(v), ctx);
		}
		if (p.rc)
			return p.rc;
	}
	return 0;
}

int join_clear(struct join *j, const char *subject)
{
	if (j->store)
		return store_join_clear(j->store, j->agent, subject);
	json_object_del(j->mem, subject);
	return 0;
}

struct parsed {
	struct join *j;
	json_t **held;
};

static int parse_held(const char *type, const char *raw, size_t len, void *ctx)
{
	struct parsed *p = ctx;
	int i;

	for (i = 0; p->j->types[i] && strcmp(p->j->types[i], type); i++)
		;
	json_decref(p->held[i]);
	p->held[i] = json_loadb(raw, len, 0, NULL);
	return p->held[i] ? 0 : ak_error(AK_EXIT_DATAERR, "a held %s is not JSON", type);
}

int join_add_event(struct join *j, const json_t *ev, json_t **held)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *subject = json_string_value(json_object_get(ev, "subject"));
	struct parsed p = { j, held };
	char *raw;
	int rc, n;

	for (n = 0; j->types[n]; n++)
		held[n] = NULL;
	if (!subject)
		return ak_error(AK_EXIT_DATAERR, "%s has no subject", type ? type : "an event");
	if (!(raw = json_dumps(ev, JSON_COMPACT)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = join_add(j, subject, type, raw, strlen(raw));
	free(raw);
	if (rc <= 0)
		return rc;
	if (join_each(j, subject, parse_held, &p) < 0) {
		for (int i = 0; i < n; i++) {
			json_decref(held[i]);
			held[i] = NULL;
		}
		return -1;
	}
	return 1;
}
