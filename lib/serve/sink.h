/*
 * sink.h - where accepted requests go, with group commit.
 *
 * A sink takes event lines from many request threads and makes them
 * durable in batches: one thread of its own collects whatever is waiting,
 * writes it in one go (one transaction of the store, one flush of the
 * Kafka producer, one write(2) to a file descriptor) and then wakes every
 * request whose lines were in the batch. A request is answered only after
 * sink_write returns 0, so an answer never runs ahead of its event, and
 * waiting requests share one commit instead of paying for one each.
 */
#ifndef AK_SERVE_SINK_H
#define AK_SERVE_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink;
struct store;
struct kafka_producer;

/* Lines written to fd (standard output, a pipe, a file). The fd is
 * borrowed. A pipe whose reader has gone makes writes fail (EPIPE). */
struct sink *sink_new_fd(int fd);

/*
 * Lines appended to the store in one transaction a batch (s is borrowed,
 * and used only by the sink's thread from now on). With checkpointer (a
 * second handle on the same SQLite store, or NULL), a thread of the sink
 * checkpoints the WAL through it every SINK_CHECKPOINT_MS: open s with
 * manual_checkpoint, and no commit waits for a checkpoint.
 */
#define SINK_CHECKPOINT_MS 100
#define SINK_WAL_RESTART ((int64_t)64 << 20)   /* WAL bytes that make a restart checkpoint */
struct sink *sink_new_store(struct store *s, struct store *checkpointer);

/* Lines produced to Kafka; a batch is done when every event of it is
 * acknowledged, at most timeout_ms. The producer is borrowed. */
struct sink *sink_new_kafka(struct kafka_producer *p, long timeout_ms);

/* "stdout", "store" or "kafka". */
const char *sink_name(const struct sink *k);

/*
 * Hand over complete lines (each ending in '\n', at most SINK_MAX_REQUEST
 * bytes) and wait until they are durable. 0, or -1 with ak_error
 * (AK_EXIT_UNAVAILABLE when the batch failed or the sink is closing;
 * AK_EXIT_DATAERR for too much at once): the lines may or may not have
 * been kept, and the caller answers so that its client retries.
 * Safe to call from any number of threads.
 */
#define SINK_MAX_REQUEST (4u << 20)
int sink_write(struct sink *k, const char *lines, size_t len);

struct sink_stats {
	uint64_t events;        /* lines made durable */
	uint64_t batches;       /* batches written */
	uint64_t failures;      /* batches that failed */
	uint64_t pending;       /* lines waiting now */
	int64_t lag_ms;         /* how long the oldest waiting line has waited */
	int failing;            /* the last batch failed */
};

void sink_get_stats(struct sink *k, struct sink_stats *st);

/*
 * Write what is waiting, stop the thread and free the sink (not what it
 * writes to). Requests still waiting get their answer first. NULL is a
 * no-op.
 */
void sink_free(struct sink *k);

#endif
