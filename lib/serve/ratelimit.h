/*
 * ratelimit.h - token buckets keyed by a string (an API key, a token's
 * subject, a client address), in bounded memory, for many threads.
 *
 * Each key has a bucket holding up to burst tokens, refilled at rate per
 * second; a request takes one token or is refused with the number of
 * seconds until one is there (for Retry-After). The caller passes the time,
 * so the limiter never reads a clock and tests need not sleep.
 */
#ifndef AK_SERVE_RATELIMIT_H
#define AK_SERVE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/*
 * A limiter allowing rate_per_s requests a second per key with bursts of
 * burst (below 1 counts as 1), keeping at most max_keys buckets. A rate of
 * 0 means no limit: every take succeeds and nothing is kept.
 *
 * Past max_keys, a new key first evicts buckets that have filled up again
 * (idle keys, which lose nothing by being forgotten: a key seen again starts
 * with a full bucket), looking at a bounded number of the least recently
 * used ones; when none has, the least recently used bucket goes. The keys
 * are spread over up to 16 shards of at least 64 keys each (one shard below
 * 128), each holding its share of max_keys, so the least recently used key
 * is chosen within a shard.
 *
 * NULL with ak_error: AK_EXIT_USAGE when the rate is negative or not
 * finite, burst is not finite, or max_keys is 0; AK_EXIT_SOFTWARE when out
 * of memory.
 */
struct ratelimit *ratelimit_new(double rate_per_s, double burst, size_t max_keys);

/*
 * Take one token from key's bucket at time now_ms (milliseconds on any clock
 * that does not jump; a time earlier than one already seen for the key adds
 * nothing and takes nothing away). key is copied when a bucket is made.
 *
 * 0: allowed, one token taken. > 0: refused, nothing taken; the whole
 * seconds until a token will be there, rounded up, at least 1. When no
 * memory is left for a new bucket the request is allowed (the limiter fails
 * open rather than refusing everyone). Safe to call from many threads.
 */
long ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms);

/* How many keys have a bucket now (never more than max_keys). */
size_t ratelimit_size(const struct ratelimit *rl);

/* Free rl and every bucket. NULL is a no-op. No take may be running. */
void ratelimit_free(struct ratelimit *rl);

#endif
