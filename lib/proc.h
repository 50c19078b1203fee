/*
 * proc.h - run an external program by argv, with a timeout, and capture
 * what it prints.
 *
 * Programs are started with fork and execvpe, never through a shell (a
 * caller that wants one passes {"/bin/sh", "-c", cmd} itself). A run that
 * passes its timeout gets SIGTERM, then SIGKILL after a grace period.
 * Standard output and standard error are captured up to a size limit each;
 * what goes past the limit is read and discarded, so the child never blocks
 * on a full pipe, and the result says it was truncated.
 *
 * The child starts in a process group of its own, so the timeout's signals
 * reach whatever it started too. A consequence: a terminal's ^C reaches the
 * caller, not the child; so the child gets SIGTERM when the calling thread
 * ends, however it ends (SIGKILL too), rather than running on unwatched.
 * The child starts with every signal at its default action and none
 * blocked, whatever the caller set. Output is read until end of file, so a background process that keeps the
 * child's stdout or stderr open prolongs the run until it exits or the
 * timeout kills it.
 */
#ifndef AK_PROC_H
#define AK_PROC_H

#include <stddef.h>

struct proc_opts {
	const char *const *argv;   /* argv[0] is looked up in the caller's PATH */
	const char *cwd;           /* NULL: the caller's directory */
	const char *const *env;    /* extra "NAME=value" entries, NULL-terminated, or NULL */
	const void *input;         /* written to the child's stdin, then closed; NULL: /dev/null */
	size_t input_len;
	long timeout_ms;           /* 0 (or negative): no timeout */
	long kill_grace_ms;        /* between SIGTERM and SIGKILL */
	size_t max_output;         /* per stream; bytes past it are discarded */
	int echo;                  /* also copy both streams to the caller's
	                              stderr as they arrive (a live log) */
	/*
	 * NULL, or called with each line of standard output as it arrives,
	 * without its '\n' (a last line without one comes at end of file).
	 * A line longer than max_output is passed cut to max_output bytes.
	 * The output is captured all the same.
	 */
	void (*on_line)(const char *line, size_t len, void *ctx);
	void *line_ctx;
};

#define PROC_OPTS_INIT { .kill_grace_ms = 2000, .max_output = 1 << 20 }

struct proc_result {
	int exited;          /* 1: exited normally, exit_code is valid */
	int exit_code;
	int signaled;        /* 1: killed by a signal, term_signal is valid */
	int term_signal;
	int timed_out;       /* 1: the timeout fired; signaled is 1 too, unless
	                        the program had exited and only what it left
	                        behind holding its output was killed */
	long timeout_ms;     /* when timed_out: the timeout that fired */
	long duration_ms;
	char *out;           /* NUL-terminated, never NULL after a run; owned
	                        by the result (may hold NUL bytes: use out_len) */
	size_t out_len;
	int out_truncated;
	char *err;
	size_t err_len;
	int err_truncated;
};

#define PROC_RESULT_INIT { 0 }

/*
 * Run the program and wait for it. Returns 0 when the program ran, whatever
 * its exit status; the caller reads *res. Returns -1 (with ak_error, class
 * AK_EXIT_UNAVAILABLE for a program that cannot be found or executed,
 * AK_EXIT_SOFTWARE otherwise) when it could not be run; then *res holds
 * nothing to release. A program that is not found is reported as
 * "cannot run 'NAME': No such file or directory"; a cwd that cannot be
 * entered as "cannot run 'NAME' in 'DIR': REASON" (also AK_EXIT_UNAVAILABLE).
 * *res is overwritten, not released: release a previous result first.
 * SIGPIPE from writing the input is blocked and discarded, so a child that
 * does not read its input cannot kill the caller.
 */
int proc_run(const struct proc_opts *opts, struct proc_result *res);

/* Free the captured output and zero *res, which may then be reused. */
void proc_result_release(struct proc_result *res);

/*
 * Describe how the run ended into buf: "exited with status 3",
 * "killed by signal 9 (timeout after 500 ms)", "did not run" for a result
 * that holds no run. Truncated to fit len; returns buf.
 */
const char *proc_describe(const struct proc_result *res, char *buf, size_t len);

#endif
