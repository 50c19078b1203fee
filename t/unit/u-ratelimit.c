/*
 * u-ratelimit.c - unit tests for lib/serve/ratelimit.c: a burst then
 * refusal, refill over simulated time, Retry-After rounding, no limit,
 * independent keys, the key cap (idle buckets evicted before the least
 * recently used one, an evicted key coming back full), a clock going
 * backwards, and four threads taking from one bucket at the same instant.
 * Time is passed in, so nothing sleeps.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "serve/ratelimit.h"
#include "tap.h"
#include "banned.h"

/* How many of n takes of key at now are allowed. */
static int allowed(struct ratelimit *rl, const char *key, int64_t now, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += ratelimit_take(rl, key, now) == 0;
	return k;
}

static void t_new(void)
{
	struct ratelimit *rl;

	ak_error(AK_EXIT_OK, "%s", "");
	ok(!ratelimit_new(-1, 10, 100), "a negative rate is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "negative rate: a usage error");
	is_str(ak_errmsg(), "rate limit '-1' is not a number of requests a second",
	       "negative rate: message");
	ok(!ratelimit_new(NAN, 10, 100), "a NaN rate is refused");
	ok(!ratelimit_new(INFINITY, 10, 100), "an infinite rate is refused");
	ok(!ratelimit_new(1, INFINITY, 100), "an infinite burst is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "infinite burst: a usage error");
	ok(!ratelimit_new(1, 10, 0), "no room for keys is refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "no room: a usage error");

	rl = ratelimit_new(1, 0, 10);
	if (ok(rl != NULL, "burst 0 is taken")) {
		is_int(allowed(rl, "k", 1000, 5), 1, "burst 0 counts as 1");
		ratelimit_free(rl);
	}
	rl = ratelimit_new(1, -3, 10);
	if (ok(rl != NULL, "a negative burst is taken")) {
		is_int(allowed(rl, "k", 1000, 5), 1, "a negative burst counts as 1");
		ratelimit_free(rl);
	}
	ratelimit_free(NULL);
}

static void t_burst_refill(void)
{
	struct ratelimit *rl = ratelimit_new(1, 5, 100);
	int64_t t = 1000000;

	if (!rl) {
		ok(0, "limiter: %s", ak_errmsg());
		return;
	}
	for (int i = 0; i < 5; i++)
		is_int(ratelimit_take(rl, "alice", t), 0, "take %d of the burst", i + 1);
	is_int(ratelimit_take(rl, "alice", t), 1, "the sixth is refused, retry in 1 s");
	is_int(ratelimit_take(rl, "alice", t), 1, "refused again, nothing taken");
	is_int(ratelimit_size(rl), 1, "one key held");
	is_int(ratelimit_take(rl, "alice", t + 999), 1, "999 ms on: not yet a token");
	is_int(ratelimit_take(rl, "alice", t + 1000), 0, "a second on: one token");
	is_int(ratelimit_take(rl, "alice", t + 1000), 1, "and only one");
	is_int(allowed(rl, "alice", t + 3500, 10), 2, "2.5 s later: two more (half kept)");
	is_int(allowed(rl, "alice", t + 4000, 10), 1, "the half and another half: one");
	is_int(allowed(rl, "alice", t + 1000000, 20), 5, "after a long idle: a burst, no more");

	/* independent keys */
	is_int(allowed(rl, "bob", t + 1000000, 20), 5, "another key has its own burst");
	is_int(allowed(rl, "alice2", t + 1000000, 2), 2, "a key that extends another is its own");
	is_int(ratelimit_size(rl), 3, "three keys held");
	ratelimit_free(rl);

	rl = ratelimit_new(1, 2.5, 100);
	is_int(allowed(rl, "k", 0, 10), 2, "burst 2.5: two at once");
	is_int(allowed(rl, "k", 500, 10), 1, "half a token kept, half refilled: one more");
	ratelimit_free(rl);
}

/* The Retry-After for a drained bucket of rate r, ms after draining. */
static long retry_after(double r, int64_t ms)
{
	struct ratelimit *rl = ratelimit_new(r, 1, 10);
	long w;

	ratelimit_take(rl, "k", 5000);
	w = ratelimit_take(rl, "k", 5000 + ms);
	ratelimit_free(rl);
	return w;
}

static void t_retry_after(void)
{
	is_int(retry_after(1, 0), 1, "1/s: 1 s");
	is_int(retry_after(100, 0), 1, "100/s: at least 1 s");
	is_int(retry_after(0.5, 0), 2, "0.5/s: 2 s");
	is_int(retry_after(0.5, 1), 2, "0.5/s, 1 ms on: still 2 s (rounded up)");
	is_int(retry_after(0.5, 1000), 1, "0.5/s, a second on: 1 s");
	is_int(retry_after(0.5, 1999), 1, "0.5/s, 1999 ms on: 1 s");
	is_int(retry_after(1.0 / 3, 0), 3, "1/3 per s: 3 s, not 4");
	is_int(retry_after(1.0 / 3, 1000), 2, "1/3 per s, a second on: 2 s, not 3");
	is_int(retry_after(0.1, 0), 10, "0.1/s: 10 s");
	is_int(retry_after(0.1, 100), 10, "0.1/s, 100 ms on: 10 s");
	is_int(retry_after(0.1, 1000), 9, "0.1/s, a second on: 9 s");
	is_int(retry_after(0.001, 0), 1000, "0.001/s: 1000 s");
	is_int(retry_after(1e-9, 0), 86400, "a tiny rate: capped at a day");
	is_int(retry_after(3, 333), 1, "3/s, 333 ms on: 1 s");
	is_int(retry_after(3, 334), 0, "3/s, 334 ms on: allowed");
}

static void t_unlimited(void)
{
	struct ratelimit *rl = ratelimit_new(0, 1, 1);
	char key[32];
	int n = 0;

	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 7);
		n += ratelimit_take(rl, key, 0) == 0;
	}
	is_int(n, 10000, "rate 0: every request allowed");
	is_int(ratelimit_size(rl), 0, "rate 0: no keys held");
	ratelimit_free(rl);
}

static void t_bounded(void)
{
	struct ratelimit *rl = ratelimit_new(1, 5, 100);
	char key[32];
	int over = 0;

	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		ratelimit_take(rl, key, 0);
		over += ratelimit_size(rl) > 100;
	}
	is_int(over, 0, "1000 keys, cap 100: never more than 100 held");
	is_int(ratelimit_size(rl), 100, "the cap is filled");
	ratelimit_free(rl);

	rl = ratelimit_new(1, 5, 5000);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		ratelimit_take(rl, key, i / 100);
	}
	is_int(ratelimit_size(rl), 5000, "20000 keys over 16 shards, cap 5000: 5000 held");
	ratelimit_free(rl);

	/* a key evicted while drained comes back with a full bucket */
	rl = ratelimit_new(1, 3, 1);
	is_int(allowed(rl, "a", 0, 5), 3, "cap 1: a drains its bucket");
	is_int(allowed(rl, "b", 0, 1), 1, "b takes a's place");
	is_int(ratelimit_size(rl), 1, "one key held");
	is_int(allowed(rl, "a", 0, 5), 3, "a, evicted, starts full again");
	ratelimit_free(rl);
}

static void t_eviction_order(void)
{
	struct ratelimit *rl = ratelimit_new(1, 2, 3);

	/* oldest first: a (1 token left at 1000 ms), b (full by 1000 ms), c (1.99 at 1000 ms) */
	allowed(rl, "a", 0, 2);
	allowed(rl, "b", 0, 1);
	allowed(rl, "c", 10, 2);
	is_int(allowed(rl, "d", 1000, 1), 1, "d comes in at 1000 ms, the cap full");
	is_int(ratelimit_size(rl), 3, "still three keys");
	is_int(allowed(rl, "a", 1000, 5), 1, "a, least recently used but not idle, was kept");
	is_int(allowed(rl, "c", 1000, 5), 0, "c was kept (0.99 tokens)");
	ratelimit_free(rl);

	/* nobody idle: the least recently used goes */
	rl = ratelimit_new(1, 2, 3);
	allowed(rl, "a", 0, 2);
	allowed(rl, "b", 0, 2);
	allowed(rl, "c", 0, 2);
	is_int(allowed(rl, "d", 0, 1), 1, "d comes in, nobody idle");
	is_int(allowed(rl, "b", 0, 1), 0, "b, not the oldest, was kept (still drained)");
	is_int(allowed(rl, "a", 0, 5), 2, "a, the oldest, was evicted: a full bucket");
	ratelimit_free(rl);

	/* touching a key makes it recent */
	rl = ratelimit_new(1, 2, 2);
	allowed(rl, "a", 0, 2);
	allowed(rl, "b", 0, 2);
	allowed(rl, "a", 0, 1);
	allowed(rl, "c", 0, 1);
	is_int(allowed(rl, "a", 0, 1), 0, "a, touched last, was kept");
	ratelimit_free(rl);
}

static void t_backwards(void)
{
	struct ratelimit *rl = ratelimit_new(1, 3, 10);

	is_int(allowed(rl, "k", 10000, 5), 3, "drained at 10 s");
	is_int(ratelimit_take(rl, "k", 5000), 1, "the clock at 5 s: refused, 1 s");
	is_int(allowed(rl, "k", 5000, 10), 0, "refusals take nothing and add nothing");
	is_int(allowed(rl, "k", -1000000, 3), 0, "a negative time: refused too");
	is_int(allowed(rl, "k", 11000, 5), 1, "11 s: one token, from 10 s not from 5 s");
	is_int(allowed(rl, "k", 12000, 5), 1, "12 s: one more");
	ratelimit_free(rl);
}

struct hammer {
	struct ratelimit *rl;
	const char *key;
	int allowed;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < 2000; i++)
		h->allowed += ratelimit_take(h->rl, h->key, 42000) == 0;
	return NULL;
}

static void t_threads(void)
{
	struct ratelimit *rl = ratelimit_new(10, 100, 1000);
	static const char *const keys[] = { "one", "one", "one", "one", "x", "y", "z", "w" };
	struct hammer h[8];
	pthread_t th[8];
	int started = 0, same = 0, own = 0;

	for (int i = 0; i < 8; i++) {
		h[i] = (struct hammer){ rl, keys[i], 0 };
		started += pthread_create(&th[i], NULL, hammer_run, &h[i]) == 0;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	is_int(started, 8, "eight threads ran");
	for (int i = 0; i < 4; i++)
		same += h[i].allowed;
	for (int i = 4; i < 8; i++)
		own += h[i].allowed == 100;
	is_int(same, 100, "four threads on one key at one instant: exactly the burst");
	is_int(own, 4, "four threads on keys of their own: a burst each");
	is_int(ratelimit_size(rl), 5, "five keys held");
	ratelimit_free(rl);
}

int main(void)
{
	t_new();
	t_burst_refill();
	t_retry_after();
	t_unlimited();
	t_bounded();
	t_eviction_order();
	t_backwards();
	t_threads();
	return done_testing();
}
