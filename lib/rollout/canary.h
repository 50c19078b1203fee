/*
 * canary.h - the configuration of one rollout: its steps, how long each
 * is watched, what is measured and against which limits, and which router
 * moves the traffic.
 *
 * The configuration is a YAML (or JSON) document; see agentctl(1),
 * ROLLOUT CONFIGURATION. Every key is checked: an unknown key, a value of
 * the wrong type or out of range is an error that names it. The parsed
 * document is kept with the rollout's state in the store, so a rollout
 * can be resumed, promoted or aborted without the file.
 */
#ifndef AK_ROLLOUT_CANARY_H
#define AK_ROLLOUT_CANARY_H

#include <stdint.h>

#include <jansson.h>

#include "rollout/analysis.h"
#include "rollout/router.h"

#define CANARY_MAX_STEPS 16

struct canary {
	json_t *doc;              /* the configuration; owns every string below */
	const char *name;         /* NULL when the document gives none */
	const char *subject;      /* the feature, or NULL */
	const char *version;      /* the canary's version, or NULL */
	int steps[CANARY_MAX_STEPS];   /* canary weights, rising, the last 100 */
	int nsteps;
	int64_t window_ms;        /* how long each step is measured */
	int64_t interval_ms;      /* between measurements */
	int failure_limit;        /* failed measurements tolerated per step */
	int error_limit;          /* measurement errors in a row tolerated */
	int inconclusive_limit;   /* inconclusive measurements tolerated per step */
	struct router_conf router;
	struct analysis_conf analysis;
	const char *stable_health; /* checked after a rollback, or NULL */
};

/*
 * Read the configuration from doc (borrowed; a reference is taken) into
 * *c. name (may be NULL) is used in messages. Returns 0, or -1 with
 * ak_error(AK_EXIT_DATAERR, "NAME: KEY: reason"); then *c holds nothing.
 */
int canary_from_json(json_t *doc, const char *name, struct canary *c);

/* Read a YAML or JSON file with canary_from_json. */
int canary_load(const char *path, struct canary *c);

/* The document of a YAML or JSON file, unchecked: a new reference, or
 * NULL with ak_error (a file that is not a mapping is AK_EXIT_DATAERR). */
json_t *canary_read(const char *path);

/* Drop the reference to the document; *c is left empty. */
void canary_release(struct canary *c);

/* Measurements per step: the window over the interval, at least 1. */
int canary_measurements(const struct canary *c);

#endif
