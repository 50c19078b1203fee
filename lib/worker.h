/*
 * worker.h - a Kafka consumer-group member that runs a filter program on
 * each batch of events and publishes what it writes.
 *
 * Delivery is at least once, and exactly once in effect in the store:
 *
 *  1. a batch of input events is consumed;
 *  2. inputs this group has already answered (a record in the store's
 *     joins table, keyed by the input's source and id) are not run again:
 *     their recorded outputs are taken instead;
 *  3. the program runs once over the other inputs (argv, no shell, a
 *     timeout; a run killed by a signal is retried, then its inputs become
 *     agent.failed); the lines it writes that are not its inputs passed
 *     through are its outputs, each given to the input named by its
 *     causationid (else the batch's last input);
 *  4. each input's outputs are recorded in the joins table, then appended
 *     to the events table (idempotent on source and id);
 *  5. the outputs are published and every delivery acknowledged;
 *  6. only then are the inputs' offsets stored.
 *
 * A worker killed at any step leaves inputs whose offsets are not stored;
 * its successor gets them again, finds the recorded outputs of those it had
 * answered, appends them (a no-op if they are there) and publishes them
 * again, so the store holds one copy of every output.
 */
#ifndef AK_WORKER_H
#define AK_WORKER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "kafka.h"
#include "store.h"

struct worker_opts {
	const struct kafka_opts *kafka;
	const char *group;
	const char *const *topics;      /* NULL-terminated */
	const char *const *argv;        /* the program */
	size_t batch;                   /* at most this many inputs a run */
	long batch_wait_ms;             /* wait this long to fill a batch */
	long timeout_ms;                /* a run's timeout */
	int retries;                    /* runs killed by a signal are retried */
	int exit_at_end;                /* stop when the topics are drained */
};

#define WORKER_OPTS_INIT { NULL, NULL, NULL, NULL, 100, 200, 600000, 2, 0 }

struct worker_stats {
	uint64_t inputs, runs, outputs, replayed, rejected, failed;
};

/*
 * Run until *stop is set (a signal), or the topics are drained with
 * exit_at_end. Returns 0, or -1 with ak_error (AK_EXIT_UNAVAILABLE when
 * Kafka or the store went away: nothing unacknowledged was marked done).
 */
int worker_run(const struct worker_opts *o, struct store *s, struct event_ctx *ec,
	       volatile sig_atomic_t *stop, struct worker_stats *st);

#endif
