/*
 * filter.h - the one loop under every agent.
 *
 * It reads JSON Lines, routes each line by its type and writes events:
 *
 *  - a valid event goes out byte for byte (unless --no-pass); when its type
 *    is one the agent consumes, the parsed event is handed to the agent's
 *    handler and what the handler emits follows it;
 *  - a plain JSON object is a work item: an agent that takes items wraps it
 *    into an event of its item type (subject: the feature id), emits that and
 *    handles it; other agents pass it on unchanged;
 *  - a line that is not JSON, too long, or breaks the contract becomes an
 *    agent.rejected event and a message on stderr;
 *  - a handler that fails turns its input into agent.failed, or into
 *    agent.rejected when the failure's class is 65 (the input is bad data),
 *    and whatever it had emitted for that input is dropped, so outputs are
 *    all or nothing.
 *
 * Every input line leaves a trace. Output is flushed whenever no whole line
 * is waiting on the input, so pipelines stream.
 */
#ifndef AK_FILTER_H
#define AK_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "event.h"
#include "out.h"

struct filter;

/*
 * What an agent supplies. handle gets the event borrowed and returns 0, or
 * -1 with ak_error (the error's class becomes the exit status).
 */
struct filter_def {
	const char *const *consumes;   /* event types, NULL-terminated, or NULL */
	const char *item_type;         /* wrap work items as this type, or NULL */
	int (*handle)(struct filter *f, const json_t *event, void *ctx);
	void *ctx;
	/*
	 * Where passed-through lines go instead of the output, with the scan
	 * the loop already made of them (agentctl publish hands them to Kafka
	 * without scanning twice). 0, or -1 with ak_error, which stops the loop.
	 * The loop's own events (rejections, wrappers) still go to the output.
	 */
	int (*sink)(void *ctx, const char *line, size_t len, const struct jscan *js);
	void *sink_ctx;
	/*
	 * An agent that waits on the network answers several inputs at once.
	 * Instead of handle it sets begin, done, finish and wait; the loop
	 * keeps up to jobs of them in flight and still writes everything in
	 * input order, holding back what follows an unfinished job.
	 *
	 *  begin   starts the work for ev and sets *job. 0, or -1 with
	 *          ak_error (treated as handle's failure), or FILTER_STOP
	 *          after emitting an event that says why: nothing more is
	 *          read, jobs in flight are finished and later inputs are
	 *          left for a rerun.
	 *  done    whether job has finished.
	 *  finish  emits the result of a finished job, like handle, and frees
	 *          it; FILTER_STOP as for begin. ev is the event begin had.
	 *  cancel  frees a job that will not be finished (after a stop).
	 *  wait    drives the jobs until one may have finished, or until fd
	 *          (-1: none) can be read: 1 then, 0 otherwise, -1 on error.
	 */
	int (*begin)(struct filter *f, const json_t *ev, void *ctx, void **job);
	int (*done)(void *job, void *ctx);
	int (*finish)(struct filter *f, const json_t *ev, void *job, void *ctx);
	void (*cancel)(void *job, void *ctx);
	int (*wait)(void *ctx, int fd);
	unsigned jobs;                 /* in flight at most; 0 means 1 */
};

#define FILTER_STOP 1

struct filter_opts {
	int no_pass;        /* emit only this agent's own events */
	int strict;         /* also check data fields of known types */
	size_t max_line;
};

#define FILTER_OPTS_INIT { .max_line = 16u << 20 }

struct filter_stats {
	uint64_t lines, passed, handled, emitted, rejected, failed;
};

/* ec and o are borrowed and must outlive the filter. NULL on ENOMEM. */
struct filter *filter_new(const struct filter_def *def, const struct filter_opts *opts,
			  struct event_ctx *ec, struct out *o);
void filter_free(struct filter *f);

/*
 * Process every line of fd (name is used in messages: a path or "stdin").
 * Returns 0 at end of input or after a stop (filter_stopped), -1 with
 * ak_error when reading or writing failed (the loop stops; what was read
 * so far has been answered). Every job begun has finished on return.
 */
int filter_run(struct filter *f, int fd, const char *name);

/*
 * Answer an input the agent handled outside the loop (an event it held
 * back until the end of input): rc is what a handler would have returned.
 * The events queued for it are written, or on failure dropped for an
 * agent.rejected (class 65) or agent.failed event, as for any input.
 * 0, or -1 with ak_error after a write error.
 */
int filter_answer(struct filter *f, const json_t *ev, const char *origin, uint64_t lineno,
		  int rc);

/* Queue an event the handler made (stolen); written once the handler returns 0. */
int filter_emit(struct filter *f, json_t *ev);

/* Write out the queued events (for a program that emits outside a handler).
 * 0, or -1 with ak_error after a write error. */
int filter_commit(struct filter *f);

/* event_new with the filter's id and time source. */
json_t *filter_event(struct filter *f, const char *type, const char *subject,
		     json_t *data, const json_t *cause);

/*
 * Emit a new event of type for subject answering cause, with data
 * (stolen); no says that the verdict in it is a no, which makes the exit
 * status at least 1 (filter_gate_failed). 0, or -1 with ak_error.
 */
int filter_verdict(struct filter *f, const char *type, const char *subject, json_t *data,
		   const json_t *cause, int no);

/* Note that a gate said no: the exit status becomes at least 1. */
void filter_gate_failed(struct filter *f);

/*
 * The agent.rejected event for a bad input p[0..len) (which came from
 * origin, at line lineno, or 0), with a message on stderr: a truncated,
 * redacted, UTF-8-safe copy of the input and the reason. subject and
 * input_id may be NULL. New reference, or NULL with ak_error.
 */
json_t *filter_rejected_event(struct event_ctx *ec, const char *origin, uint64_t lineno,
			      const char *p, size_t len, const char *reason,
			      const char *subject, const char *input_id);

/* Reject an input that is not a line (a file, a document) with reason. */
int filter_reject(struct filter *f, const char *origin, uint64_t line,
		  const char *input, size_t len, const char *reason);

const struct filter_stats *filter_stats(const struct filter *f);

/* Whether a stop was asked for: the caller reads no further input. */
int filter_stopped(const struct filter *f);

/* Stop reading after this input (from begin or finish, which then return
 * FILTER_STOP); the status becomes code unless something worse happened. */
void filter_stop(struct filter *f, int code);

/*
 * The exit status so far: 74 after an I/O error, the class of a handler
 * failure, the code of a stop, 65 after a rejection, 1 when a gate said
 * no, else 0.
 */
int filter_status(const struct filter *f);

#endif
