/*
 * agentctl.h - the verbs of agentctl, each in its own file under cmd/.
 */
#ifndef AGENTCTL_H
#define AGENTCTL_H

#include <stddef.h>

#include "agent.h"

#define PROG "agentctl"
#define SOURCE "agentkit/agentctl"

struct verb {
	const char *name;
	const char *usage;
	const char *summary;
	const struct opt *opts;
	/* take one of opts: 0, or -1 with ak_error for a bad value */
	int (*option)(struct agent *a, int key, const char *arg);
	int (*run)(struct agent *a, int argc, char **argv);
};

/* Option keys of all verbs, numbered after the common ones. */
enum {
	OPT_SPLIT = OPT_AGENT_LAST,
	OPT_FORMAT,
	OPT_TITLE,
	OPT_STRICT,
	OPT_JSON,
	OPT_STORE,
	OPT_QUIET,
	OPT_SUBJECT,
	OPT_TYPE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_LIMIT,
	OPT_REVERSE,
	OPT_REEMIT,
	OPT_TO,
	OPT_TIMEOUT,
	OPT_TOPIC_PREFIX,
	OPT_BINARY,
	OPT_IN,
	OPT_BATCH,
	OPT_MOCK_BROKERS,
	OPT_MOCK_TOPICS,
	OPT_CREATE,
	OPT_PARTITIONS,
	OPT_LLM_MODEL,
	OPT_TF_BIN,
	OPT_ALLOW_DESTROY,
	OPT_TF_DIR,
	OPT_FORCE,
	OPT_CONFIG_FILE,
	OPT_FULL,
	OPT_BY,
	OPT_PAUSE_TIMEOUT,
	OPT_WATCH,
	OPT_VERSION_LABEL,
	OPT_NOTE,
	OPT_ROUTER_CMD,
	OPT_HEALTH,
	OPT_STEPS,
	OPT_WINDOW,
	OPT_INTERVAL,
	OPT_LISTEN,
	OPT_SINK,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_MAX_BODY,
	OPT_RATE,
	OPT_BURST,
	OPT_IP_RATE,
	OPT_IP_BURST,
	OPT_MAX_CONNECTIONS,
	OPT_DRAIN_TIMEOUT,
	OPT_SCOPE,
	OPT_ALL,
	OPT_CHECK,
};

extern const struct verb agentctl_stream_verbs[];   /* submit, validate, config, version */
extern const size_t agentctl_stream_nverbs;
extern const struct verb agentctl_store_verbs[];    /* record, log, status, ... */
extern const size_t agentctl_store_nverbs;
extern const struct verb agentctl_kafka_verbs[];    /* publish, consume, worker, kafka */
extern const size_t agentctl_kafka_nverbs;
extern const struct verb agentctl_llm_verbs[];      /* llm */
extern const size_t agentctl_llm_nverbs;
extern const struct verb agentctl_tf_verbs[];       /* tf */
extern const size_t agentctl_tf_nverbs;
extern const struct verb agentctl_rollout_verbs[];  /* rollout, approve */
extern const size_t agentctl_rollout_nverbs;
extern const struct verb agentctl_serve_verbs[];    /* serve */
extern const size_t agentctl_serve_nverbs;
extern const struct verb agentctl_keys_verbs[];     /* keys */
extern const size_t agentctl_keys_nverbs;
extern const struct verb agentctl_run_verbs[];      /* run */
extern const size_t agentctl_run_nverbs;
extern const struct verb agentctl_doctor_verbs[];   /* doctor */
extern const size_t agentctl_doctor_nverbs;
extern const struct verb agentctl_report_verbs[];   /* report */
extern const size_t agentctl_report_nverbs;

/* Where the store is when neither --store nor AGENTKIT_STORE names one. */
#define DEFAULT_STORE "./agentkit.db"

/* The store the configuration names, opened (NULL after printing why). */
struct store_opts;
struct store *agentctl_open_store(struct agent *a, const struct store_opts *opts);


#endif
