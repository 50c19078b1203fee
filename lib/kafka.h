/*
 * kafka.h - moving events over Kafka (librdkafka), in the CloudEvents
 * Kafka protocol binding.
 *
 * Structured mode (the default): the whole event is the message value,
 * with the header content-type: application/cloudevents+json. Binary mode:
 * the value is the event's data and every other attribute is a ce_<name>
 * header (content-type carries datacontenttype). A consumer recognises
 * either: a content-type starting with application/cloudevents is
 * structured, anything else binary. The key is the subject, so one
 * feature's events stay in order within a partition. Each event type has
 * its topic under a prefix (default "agentkit."; "feature.tested" goes to
 * "agentkit.feature.tested"), or every event goes to one named topic.
 *
 * Producers are idempotent (acks=all), compress with lz4 and batch; every
 * delivery report is checked. Consumers join a group with cooperative-
 * sticky rebalancing and store offsets by hand (offset + 1, after the
 * caller has processed a message), so delivery is at least once.
 */
#ifndef AK_KAFKA_H
#define AK_KAFKA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kafka_opts {
	const char *brokers;          /* -b: bootstrap servers */
	const char *const *props;     /* -X name=value, NULL-terminated, or NULL */
	const char *config_file;      /* -F: name=value lines, # comments */
	int binary;                   /* produce in binary mode */
	const char *topic;            /* one topic for every event, or NULL */
	const char *topic_prefix;     /* NULL: "agentkit." */
	long timeout_ms;              /* how long unreachable brokers are waited for */
};

#define KAFKA_OPTS_INIT { NULL, NULL, NULL, 0, NULL, NULL, 30000 }

/*
 * Add one -X NAME=VALUE to props (arg borrowed), which holds *n of at most
 * max and stays NULL-terminated. 0, or -1 with ak_error (AK_EXIT_USAGE)
 * for a full list or an argument without '='; props unchanged then.
 */
int kafka_prop_add(const char **props, int *n, int max, const char *arg);

/* The topic an event of type goes to: opts->topic, or prefix + type. */
void kafka_topic_for(const struct kafka_opts *opts, const char *type, char *out, size_t len);

/* "librdkafka 2.0.2". */
const char *kafka_version(void);

/* ---- producing ---- */

struct kafka_producer;

/* NULL with ak_error (AK_EXIT_USAGE for a bad property, ...). */
struct kafka_producer *kafka_producer_new(const struct kafka_opts *opts);

/*
 * Queue one event (a valid CloudEvents JSON line, without newline) for
 * delivery. The event is checked and copied here; a thread of the
 * producer's own hands it to librdkafka, so this waits only while that
 * thread is behind (its batches full, or librdkafka's queue). 0, or -1
 * with ak_error (AK_EXIT_DATAERR for a line that is not an event or is
 * too large). A failure of that thread is returned by the next call (or
 * the flush), and from then on every call fails with it: nothing queued
 * after the failing event is sent.
 */
int kafka_produce(struct kafka_producer *p, const char *line, size_t len);

/* The same for a line the caller has scanned already (js describes line). */
struct jscan;
int kafka_produce_scanned(struct kafka_producer *p, const char *line, size_t len,
			  const struct jscan *js);

/*
 * Wait until every queued event is delivered or has failed, at most
 * timeout_ms. 0 when all were acknowledged; -1 with ak_error otherwise
 * (AK_EXIT_UNAVAILABLE: "N events not delivered: <first error>"; or the
 * producing thread's failure, when no earlier call has returned it).
 */
int kafka_producer_flush(struct kafka_producer *p, long timeout_ms);

/* Events acknowledged and failed so far. */
void kafka_producer_counts(const struct kafka_producer *p, uint64_t *acked, uint64_t *failed);

/* Free (after a flush; what is still queued is dropped). */
void kafka_producer_free(struct kafka_producer *p);

/* ---- consuming ---- */

struct kafka_consumer;

struct kafka_msg {
	const char *line;       /* the event as one JSON line; valid until the next call */
	size_t len;
	const char *topic;
	int32_t partition;
	int64_t offset;
	int malformed;          /* 1: not an event; why says so, line holds a copy of the value */
	char why[160];
};

/*
 * A consumer of topics. With group, a member of that consumer group
 * (offsets committed, partitions shared with the other members); without,
 * it reads every partition itself. start is "beginning", "end" or "stored"
 * (the group's committed offsets, else beginning). exit_at_end: report
 * the end once every assigned partition has been read to its end.
 */
struct kafka_consumer *kafka_consumer_new(const struct kafka_opts *opts, const char *group,
					  const char *const *topics, const char *start,
					  int exit_at_end);

/*
 * Wait at most timeout_ms for the next message. Returns 1 with *m filled,
 * 0 when none came, 2 at the end (exit_at_end), -1 with ak_error.
 */
int kafka_consume(struct kafka_consumer *c, struct kafka_msg *m, long timeout_ms);

/* Mark m processed: its offset + 1 is stored, and committed in the background. */
int kafka_consumer_done(struct kafka_consumer *c, const struct kafka_msg *m);

/* Commit what is stored, leave the group, free. 0 or -1 with ak_error. */
int kafka_consumer_close(struct kafka_consumer *c);

/* ---- topics and the mock cluster ---- */

/* Print "TOPIC\tPARTITIONS" lines for every topic. */
int kafka_topics_list(const struct kafka_opts *opts, FILE *fp);
int kafka_topic_create(const struct kafka_opts *opts, const char *name, int partitions,
		       int replication);

/*
 * Ask the brokers for the cluster's metadata, waiting at most timeout_ms
 * (<= 0: opts->timeout_ms): how many brokers the cluster has, and how many
 * topics start with opts->topic_prefix ("agentkit." when NULL; internal
 * "__" topics never count). librdkafka's own log is kept quiet for this
 * one question: the error says what went wrong. 0 with *nbrokers and
 * *ntopics set, or -1 with ak_error (AK_EXIT_UNAVAILABLE when no broker
 * answered in time, AK_EXIT_USAGE for bad settings), the counts unchanged.
 */
int kafka_ping(const struct kafka_opts *opts, long timeout_ms, int *nbrokers, int *ntopics);

/*
 * librdkafka's mock cluster, inside this process (experimental API): for
 * tests and laptops. topics are "name" or "name:partitions", NULL-terminated.
 */
struct kafka_mock;
struct kafka_mock *kafka_mock_new(int brokers, const char *const *topics);
const char *kafka_mock_bootstrap(const struct kafka_mock *m);
void kafka_mock_free(struct kafka_mock *m);

#endif
