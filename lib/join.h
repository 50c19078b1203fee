/*
 * join.h - waiting for several inputs of one feature.
 *
 * An agent that needs two inputs (agent-integrate: backend and frontend;
 * agent-deploy: tested and security_checked) adds each event it sees to a
 * join; when every wanted type has arrived for a subject, the join says so
 * and hands the events over. With a store the state lives in its joins
 * table, so a join spans runs, processes and machines; without one it
 * lives in memory for one stream. The latest event of a type wins.
 */
#ifndef AK_JOIN_H
#define AK_JOIN_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

struct join;

/*
 * A join for agent (its name in the store) over the NULL-terminated list of
 * types (at most 8; copied). store may be NULL (memory) and is borrowed.
 */
struct join *join_new(struct store *store, const char *agent, const char *const *types);
void join_free(struct join *j);

/*
 * Add an event of one of the wanted types (others are ignored: returns 0)
 * for subject. Returns 1 when the subject now has every wanted type, 0 when
 * it is still waiting, -1 with ak_error.
 */
int join_add(struct join *j, const char *subject, const char *type,
	     const char *raw, size_t len);

/*
 * Visit the events held for subject, one per wanted type in the order of
 * the list given to join_new. fn returns non-zero to stop. Returns 0, fn's
 * value, or -1 with ak_error.
 */
int join_each(struct join *j, const char *subject,
	      int (*fn)(const char *type, const char *raw, size_t len, void *ctx), void *ctx);

/*
 * join_add for a parsed event (borrowed), under its own subject and type.
 * When the subject now has every wanted type, held[i] (an array as long
 * as the list of types) gets a new reference to the held event of the
 * i-th type and 1 is returned; 0 while it waits (held all NULL); -1 with
 * ak_error (AK_EXIT_DATAERR for an event without a subject).
 */
int join_add_event(struct join *j, const json_t *ev, json_t **held);

/* Forget what is held for subject (after the joined work is done). */
int join_clear(struct join *j, const char *subject);

#endif
