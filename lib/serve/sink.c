/*
 * sink.c - group commit of accepted events to stdout, the store or Kafka.
 *
 * Request threads queue a ticket (their lines) and sleep; the sink's own
 * thread takes every ticket waiting, concatenates their lines, writes them
 * with one call of the backend and wakes the batch's requests with its
 * outcome. While one batch is being written the next one gathers, so under
 * load a commit carries many requests, and with one request in flight the
 * latency is that of a single write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "kafka.h"
#include "store.h"
#include "serve/sink.h"
#include "banned.h"

/* A batch stops growing past this many bytes; what is left waits for the next. */
#define BATCH_BYTES (8u << 20)

struct ticket {
	const char *lines;
	size_t len;
	uint64_t nlines;
	int64_t at_ms;
	int done, rc;
	char err[256];
	struct ticket *next;
};

struct sink {
	const char *name;
	int (*write)(struct sink *k, const char *buf, size_t len);
	int fd;
	struct store *store;
	struct kafka_producer *kp;
	long timeout_ms;

	pthread_mutex_t mu;
	pthread_cond_t wake;      /* the sink's thread: tickets are waiting */
	pthread_cond_t done;      /* request threads: a batch is through */
	struct ticket *head, **tail;
	int closing, started;
	pthread_t thread;
	struct store *checkpointer;
	pthread_t cp_thread;
	pthread_cond_t cp_wake;   /* the checkpoint thread: the sink is closing */
	int cp_started;
	struct sink_stats st;     /* pending, lag_ms computed on demand */

	char *batch;
	size_t batch_cap;
};

static int write_fd(struct sink *k, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(k->fd, buf, len);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return ak_error(AK_EXIT_IOERR, "cannot write to standard output: %s",
					strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_store(struct sink *k, const char *buf, size_t len)
{
	uint64_t inserted;

	return store_append_lines(k->store, buf, len, &inserted);
}

static int write_kafka(struct sink *k, const char *buf, size_t len)
{
	const char *end = buf + len;

	while (buf < end) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf));

		if (kafka_produce(k->kp, buf, (size_t)(nl - buf)) < 0)
			return -1;
		buf = nl + 1;
	}
	return kafka_producer_flush(k->kp, k->timeout_ms);
}

/* Take the tickets of the next batch off the queue (under the lock). */
static struct ticket *take_batch(struct sink *k)
{
	struct ticket *first = k->head, *t = first, *last = NULL;
	size_t bytes = 0;

	while (t && (!last || bytes + t->len <= BATCH_BYTES)) {
		bytes += t->len;
		last = t;
		t = t->next;
	}
	k->head = t;
	if (!t)
		k->tail = &k->head;
	last->next = NULL;
	return first;
}

static int grow_batch(struct sink *k, size_t need)
{
	char *p;
	size_t cap = k->batch_cap ? k->batch_cap : 65536;

	if (need <= k->batch_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (!(p = realloc(k->batch, cap)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	k->batch = p;
	k->batch_cap = cap;
	return 0;
}

/* Write one batch; the lock is not held. */
static int write_batch(struct sink *k, struct ticket *list)
{
	size_t len = 0;
	struct ticket *t;

	for (t = list; t; t = t->next)
		len += t->len;
	if (list && !list->next)
		return k->write(k, list->lines, list->len);
	if (grow_batch(k, len) < 0)
		return -1;
	len = 0;
	for (t = list; t; t = t->next) {
		memcpy(k->batch + len, t->lines, t->len);
		len += t->len;
	}
	return k->write(k, k->batch, len);
}

static void *sink_main(void *arg)
{
	struct sink *k = arg;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		struct ticket *list, *t;
		uint64_t lines = 0;
		int rc;

		while (!k->head && !k->closing)
			pthread_cond_wait(&k->wake, &k->mu);
		if (!k->head)
			break;
		list = take_batch(k);
		pthread_mutex_unlock(&k->mu);

		rc = write_batch(k, list);

		pthread_mutex_lock(&k->mu);
		/* the waiters check done under the lock, so their tickets live until it is released */
		for (t = list; t; t = t->next) {
			t->rc = rc;
			if (rc < 0)
				snprintf(t->err, sizeof(t->err), "%s", ak_errmsg());
			lines += t->nlines;
			t->done = 1;
		}
		k->st.pending -= lines;
		k->st.batches++;
		if (rc < 0) {
			k->st.failures++;
			k->st.failing = 1;
		} else {
			k->st.events += lines;
			k->st.failing = 0;
		}
		pthread_cond_broadcast(&k->done);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* Checkpoints beside the writer, until the sink closes. */
static void *checkpoint_main(void *arg)
{
	struct sink *k = arg;
	struct timespec until;

	pthread_mutex_lock(&k->mu);
	while (!k->closing) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SINK_CHECKPOINT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&k->cp_wake, &k->mu, &until);
		if (k->closing)
			break;
		pthread_mutex_unlock(&k->mu);
		/* a failed checkpoint is tried again next time; the writer
		 * is not affected by it */
		store_checkpoint(k->checkpointer, SINK_WAL_RESTART);
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

static struct sink *sink_new(const char *name, int (*fn)(struct sink *, const char *, size_t))
{
	struct sink *k = calloc(1, sizeof(*k));

	if (!k) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	k->name = name;
	k->write = fn;
	k->fd = -1;
	k->tail = &k->head;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->wake, NULL);
	pthread_cond_init(&k->done, NULL);
	pthread_cond_init(&k->cp_wake, NULL);
	if (pthread_create(&k->thread, NULL, sink_main, k) != 0) {
		ak_error(AK_EXIT_SOFTWARE, "cannot start the sink's thread");
		sink_free(k);
		return NULL;
	}
	k->started = 1;
	return k;
}

struct sink *sink_new_fd(int fd)
{
	struct sink *k = sink_new("stdout", write_fd);

	if (k)
		k->fd = fd;
	return k;
}

struct sink *sink_new_store(struct store *s, struct store *checkpointer)
{
	struct sink *k = sink_new("store", write_store);

	if (!k)
		return NULL;
	k->store = s;
	if (checkpointer) {
		k->checkpointer = checkpointer;
		if (pthread_create(&k->cp_thread, NULL, checkpoint_main, k) != 0) {
			ak_error(AK_EXIT_SOFTWARE, "cannot start the checkpoint thread");
			sink_free(k);
			return NULL;
		}
		k->cp_started = 1;
	}
	return k;
}

struct sink *sink_new_kafka(struct kafka_producer *p, long timeout_ms)
{
	struct sink *k = sink_new("kafka", write_kafka);

	if (k) {
		k->kp = p;
		k->timeout_ms = timeout_ms;
	}
	return k;
}

const char *sink_name(const struct sink *k)
{
	return k->name;
}

int sink_write(struct sink *k, const char *lines, size_t len)
{
	struct ticket t;
	const char *p;

	if (len > SINK_MAX_REQUEST)
		return ak_error(AK_EXIT_DATAERR, "too much to write at once (%zu bytes)", len);
	if (!len)
		return 0;
	memset(&t, 0, sizeof(t));
	t.lines = lines;
	t.len = len;
	for (p = lines; (p = memchr(p, '\n', len - (size_t)(p - lines))); p++)
		t.nlines++;
	t.at_ms = clock_mono_ms();

	pthread_mutex_lock(&k->mu);
	if (k->closing) {
		pthread_mutex_unlock(&k->mu);
		return ak_error(AK_EXIT_UNAVAILABLE, "the server is shutting down");
	}
	*k->tail = &t;
	k->tail = &t.next;
	k->st.pending += t.nlines;
	pthread_cond_signal(&k->wake);
	while (!t.done)
		pthread_cond_wait(&k->done, &k->mu);
	pthread_mutex_unlock(&k->mu);
	if (t.rc < 0)
		return ak_error(AK_EXIT_UNAVAILABLE, "%s", t.err);
	return 0;
}

void sink_get_stats(struct sink *k, struct sink_stats *st)
{
	pthread_mutex_lock(&k->mu);
	*st = k->st;
	st->lag_ms = k->head ? clock_mono_ms() - k->head->at_ms : 0;
	pthread_mutex_unlock(&k->mu);
}

void sink_free(struct sink *k)
{
	if (!k)
		return;
	if (k->started) {
		pthread_mutex_lock(&k->mu);
		k->closing = 1;
		pthread_cond_signal(&k->wake);
		pthread_cond_signal(&k->cp_wake);
		pthread_mutex_unlock(&k->mu);
		pthread_join(k->thread, NULL);
	}
	if (k->cp_started) {
		pthread_join(k->cp_thread, NULL);
		store_checkpoint(k->checkpointer, 0);
	}
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->wake);
	pthread_cond_destroy(&k->done);
	pthread_cond_destroy(&k->cp_wake);
	free(k->batch);
	free(k);
}
