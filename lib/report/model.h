/*
 * model.h - what the report page of `agentctl report` shows, built from
 * events: one summary per feature (its timeline, stories, tests, security
 * findings, rollout and deploys), as a JSON document that the HTML writer
 * (lib/report/html.h) turns into a page and `--json` prints as it is.
 *
 * The model copies only the fields it shows, each checked for its type: a
 * field of the wrong type counts as missing, so hostile or broken events
 * cannot change the shape of the document. Lists and texts have limits
 * (REPORT_MAX_ROWS, REPORT_MAX_TEXT); what is left out is counted.
 *
 * The document:
 *
 *   {"title": TEXT, "as_of": time of the newest event or null,
 *    "features": [FEATURE...],
 *    "unattributed": {"events": n, "rejected": n, "failed": n}}
 *
 *   FEATURE = {"subject", "title", "stage", "status", "first", "last",
 *    "events": n, "omitted": n (rows left out of long lists),
 *    "timeline": [{"time", "type", "source", "outcome", "highlight"}],
 *    "requirement": null | {"stories": [{"id", "role", "goal", "benefit",
 *        "priority", "acceptance": [{"given", "when", "then"}]}],
 *        "nfrs": [{"id", "category", "text"}], "questions": [TEXT]},
 *    "tests": null | {"status", "passed", "failed", "skipped", "errors",
 *        "duration_ms", "lines_pct", "branches_pct",
 *        "failures": [{"name", "message", "file", "line"}]},
 *    "integration": null | {"status", "mismatches", "e2e_passed", "e2e_failed"},
 *    "security": null | {"status", "critical", "high", "medium", "low",
 *        "findings": [{"rule", "severity", "location", "message"}]},
 *    "rollout": null | {"name", "outcome", "thresholds": null |
 *        {"error_rate", "p95_ms"}, "rows": [{"time", "type", "step",
 *        "weight", "phase", "verdict", "reason", "error_rate", "p95_ms",
 *        "mem_pct", "health", "requests"}]},
 *    "deploys": [{"type", "time", "environment", "version", "sha256",
 *        "approval"}]}
 *
 * Fields that an event did not give are null. error_rate is a fraction
 * (0.01 is 1%), as rollout events carry it.
 */
#ifndef AK_REPORT_MODEL_H
#define AK_REPORT_MODEL_H

#include <stddef.h>

#include <jansson.h>

#define REPORT_MAX_ROWS 2000     /* rows per list of a feature */
#define REPORT_MAX_TEXT 2000     /* bytes of one text (cut at a character) */

struct report_model;

/* A new, empty model, or NULL with ak_error (out of memory). */
struct report_model *report_model_new(void);

/* Free m and everything in it; NULL is fine. */
void report_model_free(struct report_model *m);

/*
 * Add one event, given as its JSON text (raw[0..len), as the store keeps
 * it). Events are taken in the order given, which is the order of their
 * timelines. Returns 0; -1 with ak_error for a text that is not a JSON
 * object with a string "type" (AK_EXIT_DATAERR; m is left as it was) or
 * when memory runs out (AK_EXIT_SOFTWARE).
 */
int report_model_add(struct report_model *m, const char *raw, size_t len);

/* Whether an event of subject has been added. */
int report_model_has(const struct report_model *m, const char *subject);

/*
 * The document described above, with the page title title (not NULL): a
 * new reference the caller owns, or NULL with ak_error (out of memory).
 * m is unchanged.
 */
json_t *report_model_json(const struct report_model *m, const char *title);

/* Copy s into out (size > 4), cut at a UTF-8 character boundary to fit,
 * with "..." at the end when cut. */
void report_clip(const char *s, char *out, size_t size);

#endif
