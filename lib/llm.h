/*
 * llm.h - the LLM engine: chat completions over HTTP with replies checked
 * against a JSON schema, retries, a cache and an exchange log in the
 * store, many requests in flight and a budget.
 *
 * Two APIs are spoken: OpenAI-compatible chat completions (OpenAI,
 * llama.cpp server, Ollama's /v1, vLLM) and Anthropic Messages. A call
 * carries a system prompt, a user prompt and the JSON schema its reply
 * must match. The schema goes to the server as response_format
 * (json_schema, strict) where the server takes it, and into the system
 * prompt otherwise (llm.structured). A reply that is not JSON or does not
 * match gets one repair round: the validation errors go back to the model
 * with its reply. After that the call ends LLM_REJECTED and the caller's
 * rules engine answers.
 *
 * Every HTTP exchange is logged in the store (llm_exchanges) without the
 * key; every successful reply is cached under the SHA-256 of the request
 * body (model, messages, schema, options), so a rerun of the same input
 * sends nothing and gives the same answers. The store is the configured
 * one (AGENTKIT_STORE), else $XDG_CACHE_HOME/agentkit/llm.db.
 *
 * Retries: 408, 409, 429, 5xx and transport errors (refused, reset, cut
 * short, timed out) with exponential backoff and jitter, honouring
 * Retry-After and retry-after-ms. 401, 403, other 4xx and an exhausted
 * quota end the call at once, and every later call too: the run cannot
 * succeed (class 69).
 *
 * Concurrency: calls are driven by one curl multi handle; up to llm.jobs
 * transfers run at once, the rest wait their turn. llm_wait drives them.
 *
 * Budget: llm.max_tokens_total and llm.max_cost (prices per model from
 * llm.prices.MODEL = "IN,OUT" per million tokens) are checked before a
 * request is sent, counting what has been spent and what requests in
 * flight may still spend (their prompt and their max_tokens). A call that
 * would pass the budget ends LLM_BUDGET without a request; cached answers
 * cost nothing, so a rerun continues where the last one stopped.
 */
#ifndef AK_LLM_H
#define AK_LLM_H

#include <stdint.h>
#include <jansson.h>

#include "config.h"

struct llm;
struct llm_call;

enum llm_status {
	LLM_PENDING,     /* not finished */
	LLM_OK,          /* reply valid: llm_call_reply */
	LLM_REJECTED,    /* reply still invalid after the repair round */
	LLM_FAILED,      /* no usable reply: HTTP or transport error, cache-only miss */
	LLM_BUDGET,      /* not sent: it would pass the budget */
};

/*
 * An engine configured from cfg (llm.* keys, store, and OPENAI_API_KEY or
 * ANTHROPIC_API_KEY from envp when llm.key is unset). The store is opened
 * on the first call that needs it. NULL with ak_error: AK_EXIT_USAGE for a
 * missing or bad setting (no llm.model, a bad number), ENOMEM otherwise.
 */
struct llm *llm_new(const struct config *cfg, char *const *envp);

/*
 * Print "llm: N requests, M answered from the cache, tokens in/out,
 * estimated cost" at info level, cancel what is in flight and free.
 */
void llm_free(struct llm *l);

/*
 * Start a call: role names the prompt and the log entry ("analyze"),
 * schema (borrowed) is what the reply must match. A cached answer ends the
 * call at once. NULL with ak_error only for ENOMEM or a schema that
 * cannot be used (AK_EXIT_SOFTWARE).
 */
struct llm_call *llm_call_new(struct llm *l, const char *role, const char *system,
			      const char *user, const json_t *schema);

/* LLM_PENDING until the call has ended. */
enum llm_status llm_call_status(const struct llm_call *c);

/*
 * Drive the transfers until one call may have ended or a retry is due, or
 * until fd (-1: none) can be read. 1 when fd can be read, 0 otherwise, -1
 * with ak_error when curl itself fails.
 */
int llm_wait(struct llm *l, int fd);

/* Run until c has ended. */
int llm_call_run(struct llm *l, struct llm_call *c);

/* The valid reply (LLM_OK), borrowed from the call; NULL otherwise. */
const json_t *llm_call_reply(const struct llm_call *c);

/*
 * Why the call did not end LLM_OK, and its exit-status class (69 for a
 * server that refuses or cannot be reached, 75 for the budget).
 */
const char *llm_call_error(const struct llm_call *c);
int llm_call_code(const struct llm_call *c);

/*
 * What the event should say of the call: {"model", "status" ("ok",
 * "rejected", "failed", "budget"), "repaired", "tokens_in", "tokens_out",
 * "cost"} and for a rejection "errors". Only what a rerun from the cache
 * repeats: nothing about latency or the cache. New reference.
 */
json_t *llm_call_info(const struct llm_call *c);

void llm_call_free(struct llm_call *c);

/* How many requests may be in flight (llm.jobs). */
unsigned llm_jobs(const struct llm *l);

/* What has been spent so far, for a stop event. */
void llm_spent(const struct llm *l, int64_t *tokens, double *cost);

/* The store spec the engine uses for its log and cache: the configured
 * store, else $XDG_CACHE_HOME/agentkit/llm.db (folders made). malloc'd. */
char *llm_store_spec(const struct config *cfg, char *const *envp);

/*
 * Load the prompt template of role: llm.prompts/ROLE.md, then
 * $XDG_CONFIG_HOME/agentkit/prompts/ROLE.md, then the installed
 * share/agentkit/prompts/ROLE.md. A template has a "[system]" part and a
 * "[user]" part; {{name}} is replaced by vars' string member name (a
 * missing member is an error: the template and the agent disagree).
 * Returns 0 with *system and *user malloc'd, or -1 with ak_error.
 */
int llm_prompt(const struct config *cfg, const char *role, const json_t *vars,
	       char **system, char **user);

#endif
