/*
 * run.h - running a pipeline (lib/run/pipeline.h) over a stream of events,
 * as a graph: `agentctl run`.
 *
 * The work is done feature by feature. Each feature (an event's subject)
 * has a history: its events in the store, then those that come in, then
 * those its stages make. A stage runs for a feature once the history holds
 * an event of every type the stage waits on; the program gets the whole
 * history on stdin, as it would in a linear pipe, and what it writes that
 * is not already in the history is new. New events are recorded in the
 * store in one transaction per run of a stage, and only then added to the
 * history, written to the output and seen by the next stages: a run that
 * is killed leaves each stage's output recorded whole or not at all.
 *
 * A stage whose outputs for a feature are already in its history (an
 * event of one of its "out" types) is not run again: running the same
 * input twice resumes where the first run stopped. Up to jobs programs run
 * at once, for different features or for parallel stages of one feature.
 * A program that times out, is killed or exits with a status other than
 * 0, 1 (a gate said no), 65 (some input rejected) or 75 (waiting, such as
 * for an approval) has failed; it is run again up to the stage's retries,
 * and then its feature gets an agent.failed event and the stages after it
 * wait in vain. Programs die with the run (SIGTERM when the thread that
 * started them ends), so a killed run leaves nothing behind.
 */
#ifndef AK_RUN_RUN_H
#define AK_RUN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "run/pipeline.h"

struct event_ctx;
struct out;
struct store;
struct workspace;

struct run_opts {
	const struct pipeline *p;      /* borrowed, for the life of the run */
	struct store *store;           /* borrowed; where events are recorded */
	struct out *out;               /* new events are written here; NULL: nowhere */
	struct event_ctx *ec;          /* makes agent.failed and agent.rejected events */
	struct workspace *ws;          /* NULL, or stage logs go to FEATURE/agentctl-run/STAGE.log */
	const char *const *env;        /* "NAME=value" for every stage (NULL-terminated) or NULL */
	unsigned jobs;                 /* programs at once; 0 means 1 */
	int progress_fd;               /* -1, or a terminal to draw the progress view on */
	size_t max_output;             /* per program and stream; 0: 256 MiB */
	long kill_grace_ms;            /* SIGTERM to SIGKILL at a timeout; 0: 2000 */
	long retry_delay_ms;           /* before the first retry, doubled after; 0: 500 */
};

#define RUN_OPTS_INIT { .progress_fd = -1 }

/* How one stage fared, over every feature. */
struct run_stage_stats {
	uint64_t in;                   /* programs started (retries not counted) */
	uint64_t out;                  /* new events they made */
	uint64_t done, skipped, failed, running;
	uint64_t gates;                /* runs that ended with status 1 */
};

struct run;

/* A run with nothing in it yet; NULL with ak_error when memory runs out. */
struct run *run_new(const struct run_opts *o);

/*
 * Load the history of every feature named by the events added so far,
 * and of subject, from the store. Called by run_add before a feature's
 * first event; exposed for a caller that wants to resume a feature with
 * no new input. 0, or -1 with ak_error.
 */
int run_load_feature(struct run *r, const char *subject);

/*
 * Add one input line (without its newline), from origin at line lineno.
 * An event is recorded and joins its feature's history, unless that
 * history already holds it (the same id), or, for a type the pipeline
 * takes as input, an event of the same type (the same requirement sent
 * again: a feature id is derived from the text). A line that is not an
 * event becomes an agent.rejected event (recorded and written) and makes
 * the exit status 65. 0, or -1 with ak_error for a store or write error.
 */
int run_add(struct run *r, const char *line, size_t len, const char *origin, uint64_t lineno);

/*
 * Reject an input that is not a line of events (a document that cannot be
 * submitted, say) for why: its agent.rejected event is recorded and
 * written, and the exit status becomes 65. 0, or -1 with ak_error.
 */
int run_reject(struct run *r, const char *origin, uint64_t lineno, const char *input,
	       size_t len, const char *why);

/*
 * Run every stage that can run until none can. Returns the exit status:
 * 0, 1 when a gate said no, 65 after a rejected input, 75 when a stage
 * waits (for an approval, say), or the status of a failure (70 for a
 * program that failed, 69 for one that could not be started); the worst
 * wins. -1 with ak_error when the store or the output failed.
 */
int run_go(struct run *r);

/* The stats of stage i (the pipeline's order). */
const struct run_stage_stats *run_stats(const struct run *r, size_t i);

/* Features whose history the run holds. */
size_t run_features(const struct run *r);

void run_free(struct run *r);

#endif
