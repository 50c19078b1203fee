/*
 * doctor.h - the checks of `agentctl doctor`: what agentkit needs on this
 * machine, and what to do about what is missing.
 *
 * The checks are a table. Each one looks at one thing (a program, the
 * configuration, the store, Kafka, the model server, a service URL, the
 * free disk space) and gives a status, one line of detail and, unless it
 * is ok, a hint on how to fix it. A check never fails as a function: what
 * goes wrong is its result. Every check that waits (on a program, a socket
 * or a server) gives up after the timeout of the environment, and
 * doctor_run runs the checks side by side, so the whole run takes about
 * as long as the slowest check and never much longer than the timeout.
 *
 * Required (fail when missing): the agents, found next to agentctl or on
 * PATH, and python3 able to import fastapi, uvicorn and pytest (the
 * generated back end runs and is tested with them). Everything else a
 * pipeline may use (node, npm, git, nginx, haproxy, prometheus, kcat,
 * terraform or tofu, chromium, jq) only warns when it is missing.
 */
#ifndef AK_DOCTOR_H
#define AK_DOCTOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

enum doctor_status {
	DOCTOR_OK,
	DOCTOR_WARN,
	DOCTOR_FAIL,
	DOCTOR_SKIP,        /* not configured, so not checked */
};

#define DOCTOR_TEXT 320

struct doctor_result {
	const char *check;              /* the check's name, static */
	enum doctor_status status;
	char detail[DOCTOR_TEXT];
	char fix[DOCTOR_TEXT];          /* "" when there is nothing to fix */
};

/* What the checks look at. Everything is borrowed for the run. */
struct doctor_env {
	const struct config *cfg;       /* the merged configuration */
	const char *config_file;        /* --config FILE, or NULL */
	char *const *envp;              /* for the configuration layers and API keys */
	const char *store;              /* the store spec (a default when unset) */
	const char *self_dir;           /* the folder agentctl runs from, or NULL */
	long timeout_ms;                /* for each check; <= 0 means 5000 */
};

/* The number of checks, and the name of check i (i < doctor_count()). */
size_t doctor_count(void);
const char *doctor_name(size_t i);

/* The index of the check called name, or -1. */
int doctor_find(const char *name);

/*
 * Run check i into *r (overwritten). Never fails: a problem with the
 * check itself (no memory) is a FAIL result.
 */
void doctor_check(const struct doctor_env *env, size_t i, struct doctor_result *r);

/*
 * Run every check, side by side, into res[0..doctor_count()), in table
 * order whatever order they end in. Checks run one after the other when
 * threads cannot be started. Returns the worst status: DOCTOR_FAIL when a
 * check failed, DOCTOR_WARN when one warned, else DOCTOR_OK.
 */
enum doctor_status doctor_run(const struct doctor_env *env, struct doctor_result *res);

/* "ok", "warn", "fail", "skip". */
const char *doctor_status_name(enum doctor_status s);

/*
 * The report as text: a line per result with aligned columns ("ok   store
 * ..."), and under a result with a fix an indented "fix: ..." line. quiet:
 * only the results that warn or fail. colour: the status word in ANSI
 * colour. New string (malloc'd), or NULL with ak_error on ENOMEM.
 */
char *doctor_format(const struct doctor_result *res, size_t n, int quiet, int colour);

/*
 * The report as a JSON array of {check, status, detail, fix} (fix null
 * when there is none); quiet as for doctor_format. New reference, or NULL
 * with ak_error on ENOMEM.
 */
json_t *doctor_json(const struct doctor_result *res, size_t n, int quiet);

/*
 * Parse a timeout: N, Ns, Nms or Nm (N seconds when no unit is given),
 * from 1ms to 1 hour. 0 with *ms set, or -1 with ak_error (AK_EXIT_USAGE)
 * and *ms unchanged.
 */
int doctor_parse_timeout(const char *s, long *ms);

/*
 * The first version number in text: digits, a dot and a digit, and what
 * follows up to a space, a comma or a parenthesis ("nginx version:
 * nginx/1.22.1" gives "1.22.1", "jq-1.6" gives "1.6"). 1 with out set,
 * 0 when there is none (out "").
 */
int doctor_version_in(const char *text, char *out, size_t len);

/* The status free disk space deserves: WARN under 1 GiB or 5% free. */
enum doctor_status doctor_disk_status(uint64_t avail, uint64_t total);

#endif
