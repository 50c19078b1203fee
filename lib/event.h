/*
 * event.h - CloudEvents 1.0 events as agentkit writes and checks them.
 *
 * An event is a jansson object with the attributes of the contract in
 * agentkit(7): specversion, id (a UUIDv7), source ("agentkit/PROG"), type,
 * subject (the feature id), time (RFC 3339 UTC with milliseconds),
 * datacontenttype, causationid and traceparent (carried from cause to
 * effect), data.
 *
 * With SOURCE_DATE_EPOCH set, nothing is random and no clock is read: times
 * are that epoch, and the random parts of ids and trace ids come from a
 * SHA-256 of the input being answered and a counter, so the same input
 * gives byte-identical output.
 */
#ifndef AK_EVENT_H
#define AK_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "jscan.h"

#define EVENT_ID_LEN 36          /* 8-4-4-4-12 */
#define FEATURE_ID_MAX 48

/*
 * Whether s may name a feature given on a command line (--feature): 1 to
 * FEATURE_ID_MAX letters, digits, '-', '_' and '.', not starting with '-'
 * or '.', so that it is also a safe folder name in the workspace.
 */
int event_feature_id_ok(const char *s);

struct event_ctx {
	char source[128];
	int deterministic;        /* SOURCE_DATE_EPOCH was set */
	int64_t epoch_ms;         /* its value, in ms */
	int64_t last_ms;          /* for monotonic UUIDv7 */
	uint16_t seq;             /* rand_a counter within one ms */
	unsigned char seed[32];   /* deterministic mode: hash of the current input */
	uint64_t counter;         /* deterministic mode: events since the seed */
};

/*
 * Set up ids and times for a program whose CloudEvents source is source
 * (e.g. "agentkit/agentctl"). Reads SOURCE_DATE_EPOCH from sde (pass
 * getenv's value or NULL). Returns 0, or -1 with ak_error (AK_EXIT_USAGE)
 * when SOURCE_DATE_EPOCH is not a non-negative integer.
 */
int event_ctx_init(struct event_ctx *ec, const char *source, const char *sde);

/* Deterministic mode: derive what follows from these input bytes. */
void event_ctx_seed(struct event_ctx *ec, const void *input, size_t len);

/* Fill n bytes: random, or derived from the seed in deterministic mode. */
void event_random(struct event_ctx *ec, void *out, size_t n);

/* Milliseconds since the epoch: the clock, or SOURCE_DATE_EPOCH. */
int64_t event_now_ms(const struct event_ctx *ec);

/* A UUIDv7 (RFC 9562), time-ordered within the process. */
void event_uuid7(struct event_ctx *ec, char out[EVENT_ID_LEN + 1]);

/* "2026-11-26T12:00:00.123Z". */
void event_format_time(int64_t ms, char out[32]);

/*
 * Parse an RFC 3339 date-time ("T" or "t" or " " separator, fractional
 * seconds, "Z" or an offset). 0 with *ms set, or -1.
 */
int event_parse_time(const char *s, int64_t *ms);

/* The same, of the n bytes at s (no NUL needed). */
int event_parse_time_n(const char *s, size_t n, int64_t *ms);

/*
 * The feature id for a requirement: a slug of the title (lowercase ASCII
 * letters and digits joined by '-', at most 40 bytes, "feature" when empty)
 * plus '-' and the first 4 hex digits of the SHA-256 of text.
 */
void event_feature_id(const char *title, const char *text, size_t text_len,
		      char out[FEATURE_ID_MAX + 1]);

/* 1 when s is a valid W3C traceparent of version 00. */
int event_traceparent_ok(const char *s);

/* The same, of the n bytes at s (no NUL needed). */
int event_traceparent_ok_n(const char *s, size_t n);

/*
 * A new event. data is stolen (NULL: no data member). cause is borrowed
 * and may be NULL: when given, causationid is its id and traceparent keeps
 * its trace id with a new span id. subject may be NULL. Returns a new
 * reference, or NULL with ak_error.
 */
json_t *event_new(struct event_ctx *ec, const char *type, const char *subject,
		  json_t *data, const json_t *cause);

/* Borrowed string attribute of ev, or NULL. */
const char *event_attr(const json_t *ev, const char *name);

/*
 * Serialise ev as one compact line without the newline. New string owned
 * by the caller, or NULL with ak_error.
 */
char *event_dump(const json_t *ev, size_t *len);

enum event_kind { EVENT_BAD = -1, EVENT_ITEM = 0, EVENT_EVENT = 1 };

/*
 * Classify and check a scanned line against the contract. An object with
 * specversion (or with both type and source) is an event and must satisfy
 * CloudEvents 1.0: required attributes present with the right types,
 * specversion "1.0", time in RFC 3339, data and data_base64 not both,
 * extension names of 1-20 characters a-z0-9 with scalar values, a valid
 * traceparent. Any other object is a work item. Returns the kind; for
 * EVENT_BAD, why holds the reason.
 */
enum event_kind event_check(const struct jscan *js, char *why, size_t whylen);

/* 1 when name is a valid CloudEvents attribute name. */
int event_name_ok(const char *name, size_t len);

#endif
