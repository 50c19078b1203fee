/*
 * store_backend.h - what a store backend implements (inside lib/ only).
 *
 * store.c parses lines into rows and calls the backend; a backend owns its
 * connection and SQL. Every function returns 0 or -1 with ak_error, like
 * the public interface in store.h, which it mirrors.
 */
#ifndef AK_STORE_BACKEND_H
#define AK_STORE_BACKEND_H

#include "store.h"

/* One event ready to insert. Strings are NUL-terminated and decoded. */
struct store_row {
	const char *source, *id, *type;
	const char *subject;      /* NULL when absent */
	const char *time;         /* NULL when absent */
	int64_t time_ms;          /* INT64_MIN when absent */
	const char *data;         /* raw JSON text of the data member, or NULL */
	size_t data_len;
	const char *raw;          /* the whole line, without its newline */
	size_t raw_len;
	/* for the features table, when subject is set: */
	const char *stage;        /* the type; NULL for agent.* events */
	const char *status;       /* data.status, "rejected"/"failed" for agent.*, or NULL */
};

struct store_ops {
	const char *name;
	/* Bring the schema from version from to version to (from < to). */
	int (*migrate)(struct store *s, int from, int to);
	int (*version)(struct store *s, int *version);
	/* Insert rows in one transaction (retrying as the backend needs);
	 * update features for each row that was new; count those. */
	int (*append)(struct store *s, const struct store_row *rows, size_t n,
		      uint64_t *inserted);
	int (*query)(struct store *s, const struct store_query *q,
		     int (*fn)(const struct store_event *ev, void *ctx), void *ctx);
	int (*get)(struct store *s, const char *source, const char *id,
		   int (*fn)(const struct store_event *ev, void *ctx), void *ctx);
	int (*features)(struct store *s, const char *subject,
			int (*fn)(const struct store_feature *f, void *ctx), void *ctx);
	int (*join_put)(struct store *s, const char *agent, const char *subject,
			const char *type, const char *raw, size_t len);
	int (*join_get)(struct store *s, const char *agent, const char *subject,
			int (*fn)(const char *type, const char *raw, size_t len, void *ctx),
			void *ctx);
	int (*join_clear)(struct store *s, const char *agent, const char *subject);
	int (*vacuum)(struct store *s);
	int (*checkpoint)(struct store *s, int64_t restart_over);
	/* no automatic checkpoints in this handle's commits from now on */
	int (*manual_checkpoints)(struct store *s);
	int (*count)(struct store *s, int64_t *n);
	/* The LLM log and cache. store.c has checked the arguments (key and
	 * request set, JSON texts valid, cost finite) and set at_ms. */
	int (*llm_log)(struct store *s, const struct store_llm_exchange *x);
	int (*llm_exchanges)(struct store *s, const struct store_llm_query *q,
			     int (*fn)(const struct store_llm_exchange *x, void *ctx),
			     void *ctx);
	int (*llm_stats)(struct store *s, int64_t since_ms,
			 int (*fn)(const struct store_llm_stat *st, void *ctx), void *ctx);
	int (*llm_cache_get)(struct store *s, const char *key, char **response);
	int (*llm_cache_put)(struct store *s, const char *key, const char *model,
			     const char *response, int64_t at_ms);
	int (*llm_cache_clear)(struct store *s, const char *model, int64_t *removed);
	int (*llm_cache_count)(struct store *s, int64_t *entries, int64_t *bytes);
	/* Advisories. store.c has checked that every string is set. */
	int (*advisory_put)(struct store *s, const char *id, const char *ecosystem,
			    const char *package, const char *modified, const char *json);
	int (*advisory_each)(struct store *s, const char *ecosystem, const char *package,
			     int (*fn)(const char *id, const char *json, void *ctx), void *ctx);
	int (*advisory_count)(struct store *s, int64_t *rows, int64_t *ids);
	/* Rollouts. store.c has checked name, state and doc. */
	int (*rollout_put)(struct store *s, const struct store_rollout *r, int64_t now_ms);
	int (*rollout_get)(struct store *s, const char *name,
			   int (*fn)(const struct store_rollout *r, void *ctx), void *ctx);
	int (*rollout_request)(struct store *s, const char *name, const char *command);
	int (*rollout_take)(struct store *s, const char *name, char **command);
	/* API keys. store.c has checked the strings and set the times;
	 * key_add answers 0 added, 1 an id or hash was there (nothing written). */
	int (*key_add)(struct store *s, const struct store_key *k);
	int (*key_revoke)(struct store *s, const char *id_or_name, int64_t at_ms,
			  int64_t *revoked);
	int (*keys)(struct store *s, int include_revoked,
		    int (*fn)(const struct store_key *k, void *ctx), void *ctx);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	void *db;                 /* the backend's connection state */
	char *spec;               /* for messages, with any password removed */
};

/* Each returns 0 with s->ops and s->db set, or -1 with ak_error. */
int store_sqlite_open(struct store *s, const char *path);
int store_pg_open(struct store *s, const char *conninfo);

/* The newline-free SQL of each migration step, per backend, for tests and
 * `agentctl store migrate`: steps[v - 1] brings version v-1 to v. */
extern const char *const store_sqlite_steps[STORE_SCHEMA_VERSION];
extern const char *const store_pg_steps[STORE_SCHEMA_VERSION];

#endif
