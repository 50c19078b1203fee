/*
 * u-join.c - joins in memory, in a SQLite store, and in PostgreSQL when
 * AGENTKIT_TEST_PG names a server: the same checks for each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "join.h"
#include "store.h"
#include "tap.h"

struct seen {
	char text[512];
};

static int collect(const char *type, const char *raw, size_t len, void *ctx)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s=%.*s;", type, (int)len, raw);
	return 0;
}

static int stop_at_first(const char *type, const char *raw, size_t len, void *ctx)
{
	(*(int *)ctx)++;
	return 7;
}

static void check(const char *name, struct store *store)
{
	static const char *const types[] = { "feature.tested", "feature.security_checked", NULL };
	struct join *j = join_new(store, "agent-deploy", types);
	struct seen s = { "" };
	int calls = 0;

	ok(j != NULL, "%s: join_new", name);
	is_int(join_add(j, "f-1", "feature.other", "{\"o\":1}", 7), 0, "%s: other types ignored", name);
	is_int(join_add(j, "f-1", "feature.security_checked", "{\"s\":1}", 7), 0,
	       "%s: one of two: waiting", name);
	is_int(join_add(j, "f-2", "feature.tested", "{\"t\":2}", 7), 0, "%s: other subject waits", name);
	is_int(join_add(j, "f-1", "feature.security_checked", "{\"s\":2}", 7), 0,
	       "%s: the same type again: still waiting", name);
	is_int(join_add(j, "f-1", "feature.tested", "{\"t\":1}", 7), 1, "%s: both: complete", name);
	is_int(join_each(j, "f-1", collect, &s), 0, "%s: join_each", name);
	is_str(s.text, "feature.tested={\"t\":1};feature.security_checked={\"s\":2};",
	       "%s: in the order of the list, the latest of each type", name);
	is_int(join_each(j, "f-1", stop_at_first, &calls), 7, "%s: fn's value stops the walk", name);
	is_int(calls, 1, "%s: after one call", name);
	is_int(join_clear(j, "f-1"), 0, "%s: clear", name);
	s.text[0] = '\0';
	join_each(j, "f-1", collect, &s);
	is_str(s.text, "", "%s: nothing held after clear", name);
	s.text[0] = '\0';
	join_each(j, "f-2", collect, &s);
	is_str(s.text, "feature.tested={\"t\":2};", "%s: other subjects kept", name);
	join_free(j);

	if (store) {
		/* the state outlives the join that wrote it: another run finds it */
		struct join *again = join_new(store, "agent-deploy", types);

		is_int(join_add(again, "f-2", "feature.security_checked", "{}", 2), 1,
		       "%s: a later run completes what an earlier one started", name);
		join_free(again);
		again = join_new(store, "agent-integrate", types);
		is_int(join_add(again, "f-2", "feature.security_checked", "{}", 2), 0,
		       "%s: joins of different agents are apart", name);
		join_free(again);
	}
}

/* join_add_event: parsed events in, parsed events out, in the list's order */
static void check_events(void)
{
	static const char *const types[] = { "feature.tested", "feature.security_checked", NULL };
	struct join *j = join_new(NULL, "agent-deploy", types);
	json_t *sec = json_pack("{s:s,s:s,s:{s:s}}", "type", "feature.security_checked",
				"subject", "f-9", "data", "status", "pass");
	json_t *tested = json_pack("{s:s,s:s,s:{s:s}}", "type", "feature.tested",
				   "subject", "f-9", "data", "status", "fail");
	json_t *nosub = json_pack("{s:s}", "type", "feature.tested");
	json_t *held[2] = { json_true(), json_true() };

	is_int(join_add_event(j, sec, held), 0, "join_add_event: one of two: waiting");
	ok(!held[0] && !held[1], "join_add_event: nothing held out while waiting");
	is_int(join_add_event(j, tested, held), 1, "join_add_event: both: complete");
	ok(json_equal(held[0], tested) && json_equal(held[1], sec),
	   "join_add_event: the events, in the order of the types");
	json_decref(held[0]);
	json_decref(held[1]);
	is_int(join_add_event(j, nosub, held), -1, "join_add_event: an event without a subject");
	is_str(ak_errmsg(), "feature.tested has no subject", "join_add_event: says so");
	json_decref(sec);
	json_decref(tested);
	json_decref(nosub);
	join_free(j);
}

int main(void)
{
	static const char *const many[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", NULL };
	char dir[] = "/tmp/u-join.XXXXXX", path[64];
	const char *pg = getenv("AGENTKIT_TEST_PG");
	struct store *s;

	check("memory", NULL);
	check_events();
	ok(join_new(NULL, "x", many) == NULL, "more than 8 types refused");
	is_str(ak_errmsg(), "a join waits for at most 8 types", "with a message");

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/j.db", dir);
	s = store_open(path, NULL);
	ok(s != NULL, "sqlite: store_open");
	if (s)
		check("sqlite", s);
	store_close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/j.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/j.db-shm", dir);
	unlink(path);
	rmdir(dir);

	if (pg && (s = store_open(pg, NULL))) {
		store_join_clear(s, "agent-deploy", "f-1");
		store_join_clear(s, "agent-deploy", "f-2");
		store_join_clear(s, "agent-integrate", "f-2");
		check("postgres", s);
		store_join_clear(s, "agent-deploy", "f-2");
		store_join_clear(s, "agent-integrate", "f-2");
		store_close(s);
	} else {
		ok(1, "# skip postgres: AGENTKIT_TEST_PG not set or not reachable");
	}
	return done_testing();
}
