/*
 * rollout.h - the rollout engine: move production traffic from the stable
 * version to the canary in steps (10%, 50%, 100% by default), measure the
 * canary through each step's window, and promote it, pause, or roll back
 * by itself, on the model of Argo Rollouts without Kubernetes.
 *
 * Every change of state is written to the store before and after the
 * router is told (table rollouts), so the state survives the process:
 * `agentctl rollout status` reads it from another shell, and a rollout
 * whose driver was killed resumes from its last completed step. Requests
 * (promote, abort) from another process reach a running driver through
 * the store; when no driver runs, the process that asks drives itself.
 *
 * A measurement is successful, failed, inconclusive or an error
 * (lib/rollout/analysis.h). Per step: more failed measurements than the
 * failure limit, or more errors in a row than the error limit, roll back
 * at once; at the end of the window, no successful measurement or more
 * inconclusive ones than the inconclusive limit pause the rollout, which
 * then waits for a person: inconclusive is never a pass. A rollback sends
 * every request to the stable version, then checks that the router says
 * so (and the stable version's health, when configured).
 *
 * Events (written to the output and appended to the store):
 * rollout.step (phase "set" when a weight is set, "passed" when its window
 * passed), rollout.paused, rollout.promoted, rollout.rolled_back.
 */
#ifndef AK_ROLLOUT_ROLLOUT_H
#define AK_ROLLOUT_ROLLOUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "event.h"
#include "out.h"
#include "store.h"

struct rollout_opts {
	struct store *store;        /* required; borrowed */
	struct event_ctx *ec;       /* ids and times of the events; required */
	struct out *out;            /* where events go; NULL: only the store */
	const json_t *cause;        /* the event this rollout answers, or NULL */
	int64_t pause_timeout_ms;   /* at a pause, wait this long for promote or
	                               abort; 0: return ROLLOUT_PAUSED at once */
	int progress;               /* a line per measurement on stderr */
};

#define ROLLOUT_OPTS_INIT { NULL, NULL, NULL, NULL, 0, 0 }

enum rollout_result {
	ROLLOUT_PROMOTED,     /* the canary takes all the traffic */
	ROLLOUT_ROLLED_BACK,  /* the measurements failed: the stable version has it all */
	ROLLOUT_ABORTED,      /* a person aborted: the stable version has it all */
	ROLLOUT_PAUSED,       /* waiting for a person (promote or abort) */
	ROLLOUT_PROGRESSING,  /* a request was handed to the process that drives it */
};

/*
 * Start the rollout name with the configuration config (a canary
 * document, borrowed; see canary.h) and drive it. A rollout of that name
 * that is still progressing or paused is refused (AK_EXIT_USAGE); one that
 * ended is replaced. Returns an enum rollout_result, or -1 with ak_error.
 */
int rollout_start(const struct rollout_opts *o, const char *name, json_t *config);

/* Drive the rollout again from its last completed step (after a crash,
 * or a pause past its timeout). Refused while another driver is alive. */
int rollout_resume(const struct rollout_opts *o, const char *name);

/* Start an aborted or rolled back rollout over from its first step. */
int rollout_retry(const struct rollout_opts *o, const char *name);

/*
 * Pass the current step (a pause, or the rest of its window) and go on;
 * full: skip every remaining step and send all the traffic to the canary
 * now. A running driver is asked through the store and acts at its next
 * tick; this call waits for it (up to 30 s) and returns its state. With
 * no driver running, this process drives.
 */
int rollout_promote(const struct rollout_opts *o, const char *name, int full);

/* Send every request back to the stable version, now, and stop. */
int rollout_abort(const struct rollout_opts *o, const char *name);

/*
 * Describe the rollout name (NULL: a line per rollout) on fp, as text
 * like `kubectl argo rollouts get`, or as JSON lines with json. Returns 0,
 * 1 when there is no such rollout (with ak_error), -1 with ak_error.
 */
int rollout_status(struct store *s, const char *name, int json, int64_t now_ms, FILE *fp);

/* The state a result leaves: "promoted", "rolled_back", "aborted", "paused". */
const char *rollout_result_name(int result);

#endif
