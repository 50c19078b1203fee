/*
 * history.h - reading the event store back: the log, the status of each
 * feature, one feature's timeline, replays and the dead-letter queue.
 *
 * Tables are for people (columns, relative ages); --json gives one JSON
 * object per line for scripts; replay and dlq --reemit give event lines
 * byte for byte as they were recorded.
 */
#ifndef AK_HISTORY_H
#define AK_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#include "out.h"
#include "store.h"

/*
 * Parse a time bound: an RFC 3339 time, or an age ("90s", "30m", "2h",
 * "7d") before now_ms. 0 with *ms set, or -1 with ak_error (AK_EXIT_USAGE).
 */
int history_parse_time(const char *s, int64_t now_ms, int64_t *ms);

/* "12s", "5m", "3h", "2d" for an age in milliseconds; "-" when unknown. */
void history_age(int64_t age_ms, char out[16]);

int history_log(struct store *s, const struct store_query *q, int json, FILE *fp);

/* Every matching event's raw line into o. */
int history_replay(struct store *s, const struct store_query *q, struct out *o);

/*
 * The features table: one subject, or all when subject is NULL. Returns 0,
 * or -1 with ak_error (AK_EXIT_DATAERR "no feature 'x' in the store")
 * when the subject is unknown.
 */
int history_status(struct store *s, const char *subject, int json, int64_t now_ms, FILE *fp);

/* The timeline of one feature: time, type, source and a summary of data. */
int history_show(struct store *s, const char *subject, int json, FILE *fp);

/*
 * The dead letters (agent.rejected and agent.failed events) matching q. With
 * o set, re-emit what can be processed again into o instead of listing:
 * for agent.failed the input event from the store, for agent.rejected the
 * copy of the input when it is complete. *skipped counts the others.
 */
int history_dlq(struct store *s, const struct store_query *q, struct out *o,
		int json, FILE *fp, uint64_t *skipped);

#endif
