/*
 * idem.c - a bounded map from idempotency keys to answers.
 *
 * A chained hash table under one mutex (lookups are a hash and a compare;
 * requests without a key never come here), with the entries also on a
 * list in the order they were made, so the oldest are found first when
 * the table is full or entries have expired.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "serve/idem.h"
#include "banned.h"

#define NBUCKETS 4096

struct entry {
	char *key;
	char digest[65];
	char *answer;            /* NULL while running */
	int64_t at_ms;
	struct entry *chain;     /* same bucket */
	struct entry *older, *newer;
};

struct idem {
	pthread_mutex_t mu;
	struct entry *buckets[NBUCKETS];
	struct entry *oldest, *newest;
	size_t n, max;
	int64_t ttl_ms;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h % NBUCKETS;
}

struct idem *idem_new(size_t max, int64_t ttl_ms)
{
	struct idem *c = calloc(1, sizeof(*c));

	if (!c) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->max = max ? max : 1;
	c->ttl_ms = ttl_ms;
	return c;
}

static void unlink_entry(struct idem *c, struct entry *e)
{
	struct entry **pp = &c->buckets[hash(e->key)];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->n--;
	free(e->key);
	free(e->answer);
	free(e);
}

/* Drop expired finished entries from the old end, and one more when full. */
static void make_room(struct idem *c, int64_t now_ms)
{
	struct entry *e = c->oldest;

	while (e) {
		struct entry *next = e->newer;

		if (e->answer && (now_ms - e->at_ms >= c->ttl_ms || c->n >= c->max))
			unlink_entry(c, e);
		else if (now_ms - e->at_ms < c->ttl_ms && c->n < c->max)
			break;
		e = next;
	}
}

static struct entry *find(struct idem *c, const char *key)
{
	struct entry *e;

	for (e = c->buckets[hash(key)]; e; e = e->chain)
		if (!strcmp(e->key, key))
			return e;
	return NULL;
}

enum idem_state idem_begin(struct idem *c, const char *key, const char *digest,
			   int64_t now_ms, char **answer)
{
	enum idem_state st;
	struct entry *e;

	*answer = NULL;
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, key)) && e->answer && now_ms - e->at_ms >= c->ttl_ms) {
		unlink_entry(c, e);
		e = NULL;
	}
	if (e) {
		if (strcmp(e->digest, digest))
			st = IDEM_MISMATCH;
		else if (!e->answer)
			st = IDEM_RUNNING;
		else
			st = (*answer = strdup(e->answer)) ? IDEM_DONE : IDEM_FULL;
		pthread_mutex_unlock(&c->mu);
		return st;
	}
	make_room(c, now_ms);
	if (c->n >= c->max || !(e = calloc(1, sizeof(*e))) || !(e->key = strdup(key))) {
		free(e);
		pthread_mutex_unlock(&c->mu);
		return IDEM_FULL;
	}
	snprintf(e->digest, sizeof(e->digest), "%s", digest);
	e->at_ms = now_ms;
	e->chain = c->buckets[hash(key)];
	c->buckets[hash(key)] = e;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->n++;
	pthread_mutex_unlock(&c->mu);
	return IDEM_NEW;
}

void idem_finish(struct idem *c, const char *key, const char *answer, int64_t now_ms)
{
	struct entry *e;

	pthread_mutex_lock(&c->mu);
	if ((e = find(c, key)) && !e->answer) {
		if (answer && (e->answer = strdup(answer)))
			e->at_ms = now_ms;
		else
			unlink_entry(c, e);
	}
	pthread_mutex_unlock(&c->mu);
}

size_t idem_count(struct idem *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->n;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void idem_free(struct idem *c)
{
	if (!c)
		return;
	while (c->oldest)
		unlink_entry(c, c->oldest);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
