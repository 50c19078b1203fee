/*
 * ratelimit.c - token buckets for the intake server, per key, in shards.
 *
 * Keys are split over shards by a keyed hash (SipHash-2-4 with a random key
 * per limiter, so clients choosing their addresses or names cannot pile
 * them into one chain); each shard has its own mutex, a chained hash table
 * sized for its share of the keys, and a list in order of last use. A
 * bucket stores the tokens it had when last touched and that time; the
 * refill is computed on the next touch, so idle keys cost nothing but
 * their memory, and memory is what the shard's cap bounds.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "error.h"
#include "serve/ratelimit.h"
#include "banned.h"

#define MAX_SHARDS 16
#define MIN_SHARD_KEYS 64
/* How many least recently used buckets a full shard examines for idle ones. */
#define EVICT_SCAN 64
/* Retry-After never says more than this (a tiny rate would say centuries). */
#define MAX_WAIT_S 86400L

struct bucket {
	struct bucket *chain;            /* next in the hash chain */
	struct bucket *newer, *older;    /* the shard's list by last use */
	uint64_t hash;
	double tokens;                   /* at time last */
	int64_t last;                    /* latest time seen, ms */
	char key[];
};

struct shard {
	pthread_mutex_t lock;
	struct bucket **table;
	size_t mask;                     /* table size - 1 */
	size_t count, cap;
	struct bucket *newest, *oldest;
};

struct ratelimit {
	double rate;                     /* tokens per millisecond; 0: unlimited */
	double burst;
	uint64_t k0, k1;                 /* hash key */
	size_t nshards;
	struct shard shards[MAX_SHARDS];
};

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do { \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 of n bytes of p under the key (k0, k1). */
static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *p, size_t n)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, last = (uint64_t)n << 56;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		m = 0;
		for (int b = 7; b >= 0; b--)
			m = m << 8 | p[i + (size_t)b];
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (int b = 0; i + (size_t)b < n; b++)
		last |= (uint64_t)p[i + (size_t)b] << (8 * b);
	v3 ^= last;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

struct ratelimit *ratelimit_new(double rate_per_s, double burst, size_t max_keys)
{
	struct ratelimit *rl;
	uint64_t seed[2];

	if (!isfinite(rate_per_s) || rate_per_s < 0) {
		ak_error(AK_EXIT_USAGE, "rate limit '%g' is not a number of requests a second",
			 rate_per_s);
		return NULL;
	}
	if (!isfinite(burst)) {
		ak_error(AK_EXIT_USAGE, "burst '%g' is not a number of requests", burst);
		return NULL;
	}
	if (max_keys == 0) {
		ak_error(AK_EXIT_USAGE, "a rate limiter needs room for at least one key");
		return NULL;
	}
	if (!(rl = calloc(1, sizeof(*rl)))) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	rl->rate = rate_per_s / 1000.0;
	rl->burst = burst < 1 ? 1 : burst;
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		/* no entropy yet: a weaker key still spreads honest keys evenly */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec;
		seed[1] = (uint64_t)(uintptr_t)rl * 0xbf58476d1ce4e5b9ULL;
	}
	rl->k0 = seed[0];
	rl->k1 = seed[1];
	/* small limiters get one shard: a shard's eviction choice should see many keys */
	rl->nshards = max_keys / MIN_SHARD_KEYS;
	if (rl->nshards < 1)
		rl->nshards = 1;
	if (rl->nshards > MAX_SHARDS)
		rl->nshards = MAX_SHARDS;
	for (size_t i = 0; i < rl->nshards; i++) {
		struct shard *s = &rl->shards[i];
		size_t size = 8;

		/* the first max_keys % nshards shards hold one more, so the caps sum to max_keys */
		s->cap = max_keys / rl->nshards + (i < max_keys % rl->nshards);
		while (size < s->cap && size < ((size_t)1 << 20))
			size <<= 1;
		s->mask = size - 1;
		pthread_mutex_init(&s->lock, NULL);
		if (!(s->table = calloc(size, sizeof(*s->table)))) {
			rl->nshards = i + 1;
			ratelimit_free(rl);
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			return NULL;
		}
	}
	return rl;
}

static void unlink_lru(struct shard *s, struct bucket *b)
{
	if (b->newer)
		b->newer->older = b->older;
	else
		s->newest = b->older;
	if (b->older)
		b->older->newer = b->newer;
	else
		s->oldest = b->newer;
	b->newer = b->older = NULL;
}

static void push_newest(struct shard *s, struct bucket *b)
{
	b->older = s->newest;
	b->newer = NULL;
	if (s->newest)
		s->newest->newer = b;
	else
		s->oldest = b;
	s->newest = b;
}

static void drop(struct shard *s, struct bucket *b)
{
	struct bucket **pp = &s->table[b->hash & s->mask];

	while (*pp != b)
		pp = &(*pp)->chain;
	*pp = b->chain;
	unlink_lru(s, b);
	s->count--;
	free(b);
}

/* Bring b's tokens up to time now; a time before the last one seen adds nothing. */
static void refill(const struct ratelimit *rl, struct bucket *b, int64_t now)
{
	if (now <= b->last)
		return;
	b->tokens += (double)(now - b->last) * rl->rate;
	if (b->tokens > rl->burst)
		b->tokens = rl->burst;
	b->last = now;
}

static int full_again(const struct ratelimit *rl, const struct bucket *b, int64_t now)
{
	double t = b->tokens;

	if (now > b->last)
		t += (double)(now - b->last) * rl->rate;
	return t >= rl->burst;
}

/* Room for one more bucket: idle buckets among the oldest go first, else the oldest. */
static void make_room(const struct ratelimit *rl, struct shard *s, int64_t now)
{
	struct bucket *b = s->oldest, *next;
	size_t freed = 0;

	for (int i = 0; b && i < EVICT_SCAN; i++, b = next) {
		next = b->newer;
		if (full_again(rl, b, now)) {
			drop(s, b);
			freed++;
		}
	}
	if (!freed && s->oldest)
		drop(s, s->oldest);
}

/* The wait until b has a whole token, in whole seconds rounded up, at least 1. */
static long wait_s(const struct ratelimit *rl, const struct bucket *b)
{
	/* tokens come back in floating point; forgive rounding noise below a microsecond */
	double s = (1.0 - b->tokens) / (rl->rate * 1000.0);
	double up = ceil(s - 1e-9);

	if (up < 1)
		return 1;
	if (up > (double)MAX_WAIT_S)
		return MAX_WAIT_S;
	return (long)up;
}

long ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms)
{
	size_t n = strlen(key);
	uint64_t h;
	struct shard *s;
	struct bucket *b;
	long wait = 0;

	if (rl->rate == 0)
		return 0;
	h = siphash(rl->k0, rl->k1, (const unsigned char *)key, n);
	/* the high bits choose the shard, the low ones the chain */
	s = &rl->shards[(h >> 56) % rl->nshards];
	pthread_mutex_lock(&s->lock);
	for (b = s->table[h & s->mask]; b; b = b->chain)
		if (b->hash == h && !strcmp(b->key, key))
			break;
	if (b) {
		refill(rl, b, now_ms);
		unlink_lru(s, b);
	} else {
		if (s->count >= s->cap)
			make_room(rl, s, now_ms);
		if (!(b = malloc(sizeof(*b) + n + 1))) {
			pthread_mutex_unlock(&s->lock);
			return 0;
		}
		memcpy(b->key, key, n + 1);
		b->hash = h;
		b->tokens = rl->burst;
		b->last = now_ms;
		b->chain = s->table[h & s->mask];
		s->table[h & s->mask] = b;
		s->count++;
	}
	push_newest(s, b);
	if (b->tokens >= 1)
		b->tokens -= 1;
	else
		wait = wait_s(rl, b);
	pthread_mutex_unlock(&s->lock);
	return wait;
}

size_t ratelimit_size(const struct ratelimit *rl)
{
	size_t total = 0;

	for (size_t i = 0; i < rl->nshards; i++) {
		/* the shards are not const: only the view through rl is */
		struct shard *s = (struct shard *)&rl->shards[i];

		pthread_mutex_lock(&s->lock);
		total += s->count;
		pthread_mutex_unlock(&s->lock);
	}
	return total;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->nshards; i++) {
		struct shard *s = &rl->shards[i];
		struct bucket *b, *next;

		for (b = s->oldest; b; b = next) {
			next = b->newer;
			free(b);
		}
		free(s->table);
		pthread_mutex_destroy(&s->lock);
	}
	free(rl);
}
