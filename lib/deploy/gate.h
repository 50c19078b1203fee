/*
 * gate.h - whether a feature may be deployed, and whether a person said
 * production may have it.
 *
 * A feature passes the gate when its latest feature.tested and
 * feature.security_checked events both say "pass". The events come from
 * the stream (agent-deploy joins them by feature) or, for a program run
 * alone, from the store. An approval is a feature.approved event in the
 * store (`agentctl approve FEATURE --by NAME`).
 */
#ifndef AK_DEPLOY_GATE_H
#define AK_DEPLOY_GATE_H

#include <jansson.h>

#include "store.h"

/*
 * Judge the two events (borrowed; either may be NULL when it never came).
 * Returns 1 when both pass, 0 when the gate refuses, with *reasons a new
 * array of strings saying why ("the tests did not pass: 1 of 42 failed",
 * "the security check did not pass: 0 critical, 2 high, 0 medium, 0 low
 * findings", "no feature.tested event for this feature"); -1 with
 * ak_error.
 */
int gate_judge(const json_t *tested, const json_t *checked, json_t **reasons);

/*
 * The latest event of type for subject in the store: 1 with *ev a new
 * reference, 0 when there is none (*ev NULL), -1 with ak_error.
 */
int gate_latest(struct store *s, const char *subject, const char *type, json_t **ev);

/*
 * The latest approval of subject: 1 with *approval a new object {by, at,
 * note?}, 0 when there is none, -1 with ak_error.
 */
int gate_approval(struct store *s, const char *subject, json_t **approval);

#endif
