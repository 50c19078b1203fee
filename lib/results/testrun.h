/*
 * testrun.h - run a test command and read what it says into the result
 * model: the reports it writes, else the TAP it prints, else its exit
 * status; failures rerun to tell flaky tests from broken ones.
 */
#ifndef AK_RESULTS_TESTRUN_H
#define AK_RESULTS_TESTRUN_H

#include <jansson.h>

#include "buf.h"

struct testrun {
	const json_t *argv;      /* array of strings */
	const char *cwd;         /* NULL: here */
	const json_t *setup;     /* argv run first (npm install), or NULL */
	const json_t *reports;   /* paths the command writes, relative to cwd, or NULL */
	const char *format;      /* forced report format, or NULL */
	const char *label;       /* the command's name in cases and the log */
	long timeout_ms;         /* per run; 0: none */
	int rerun_failed;        /* reruns allowed while failures remain */
	int echo;                /* copy the command's output to stderr live */
};

#define TESTRUN_INIT { .label = "run" }

/*
 * Run t into r and cov (both models, borrowed), appending the command's
 * output to log. Reports that the run did not write, a run that timed out,
 * and a command that failed without a failing test each add an "error"
 * case. With no report and no TAP on stdout, the command's exit status is
 * one case named after the label. Reruns of the failures (pytest with
 * --lf, any other command whole) mark the tests that then pass as flaky.
 * Returns 0, or -1 with ak_error when the command cannot be run at all
 * (AK_EXIT_UNAVAILABLE) or memory runs out.
 */
int testrun_run(const struct testrun *t, json_t *r, json_t *cov, struct buf *log);

#endif
