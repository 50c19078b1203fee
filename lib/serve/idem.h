/*
 * idem.h - the Idempotency-Key memory of the intake server.
 *
 * A request that carries an Idempotency-Key is recorded under (principal,
 * key) with a digest of its body while it runs, and with its answer once
 * it is accepted. A retry of an accepted request gets the same answer; a
 * retry while the first is still running, or a different body under the
 * same key, is told so. Entries live ttl_ms and at most max entries are
 * kept (the oldest finished ones go first); the memory is the process's,
 * and the event ids, which derive from the same key, keep a retry after a
 * restart from making a second event in the store.
 */
#ifndef AK_SERVE_IDEM_H
#define AK_SERVE_IDEM_H

#include <stddef.h>
#include <stdint.h>

struct idem;

/* NULL with ak_error on ENOMEM. */
struct idem *idem_new(size_t max, int64_t ttl_ms);
void idem_free(struct idem *c);

enum idem_state {
	IDEM_NEW,        /* recorded as running: the caller must idem_finish it */
	IDEM_RUNNING,    /* the same key is being answered now */
	IDEM_MISMATCH,   /* the key was used with another body */
	IDEM_DONE,       /* answered before: *answer is a new copy of that answer */
	IDEM_FULL,       /* no room (every entry is running) */
};

/* Look up key (any bytes up to a NUL) with the request's digest. Thread-safe. */
enum idem_state idem_begin(struct idem *c, const char *key, const char *digest,
			   int64_t now_ms, char **answer);

/* The request recorded by idem_begin is answered (answer copied), or failed
 * (answer NULL: the key is forgotten, so a retry runs again). */
void idem_finish(struct idem *c, const char *key, const char *answer, int64_t now_ms);

/* Entries held. */
size_t idem_count(struct idem *c);

#endif
