/*
 * probe.h - contract tests over HTTP against a running service, driven by
 * its OpenAPI 3.0 or 3.1 document.
 *
 * probe_run builds one "valid" request per operation from the document's
 * schemas (creates first, in the order foreign keys demand; reads, lists
 * and updates next; deletes last, in reverse creation order) and checks
 * that the answer has a documented 2xx status and a body that matches the
 * documented response schema. For operations with a JSON body and for
 * item paths with an integer id it adds "invalid" requests (a body that is
 * not JSON, an array instead of an object, a missing required property, a
 * property of the wrong type, an id that is not an integer, an id that
 * does not exist) and expects a 4xx answer in application/problem+json.
 *
 * Redirects are never followed and every answer is read up to a size
 * limit. The only clocks are curl's per-request timeouts, except in
 * probe_wait_health, whose job is to wait.
 */
#ifndef AK_CONTRACT_PROBE_H
#define AK_CONTRACT_PROBE_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

struct probe_opts {
	const char *base_url;   /* "http://127.0.0.1:8000", no trailing path */
	long timeout_ms;        /* per request; 0: curl's default */
	size_t max_body;        /* response cap; 0: PROBE_MAX_BODY */
};

#define PROBE_MAX_BODY ((size_t)8 << 20)
#define PROBE_OPTS_INIT { NULL, 10000, PROBE_MAX_BODY }

/*
 * Run the contract tests of doc (borrowed) against o->base_url and append
 * one object per case to cases (a JSON array, borrowed):
 *
 *   {"operation": operationId or "METHOD /path", "method": "GET",
 *    "path": the concrete path sent, "kind": "valid" | "invalid",
 *    "what": "missing required property title", "status": N | null,
 *    "ok": true | false, "problem": null | "status 500",
 *    "duration_ms": N}
 *
 * An operation no request can be built for gives one case with
 * "skipped": reason (and "ok": true, "status": null). A valid case whose
 * response schema jschema cannot apply carries "schema_unchecked": reason
 * and is judged on its status alone.
 *
 * Returns the number of failed cases, or -1 with ak_error:
 * AK_EXIT_UNAVAILABLE when the first request gets no answer at all
 * (nothing is appended then), AK_EXIT_USAGE for a missing base URL,
 * AK_EXIT_DATAERR for a document without "paths", AK_EXIT_SOFTWARE when
 * memory or curl fails. Cases appended before a late failure stay.
 */
int probe_run(const json_t *doc, const struct probe_opts *o, json_t *cases);

/*
 * Poll GET base_url + path every 100 ms until it answers 2xx (returns 0)
 * or timeout_ms pass (returns -1 with AK_EXIT_UNAVAILABLE "no healthy
 * answer from URL within N ms"). When pid is not 0, stop early as soon as
 * that process has exited ("... exited before answering"); a child of the
 * caller is not reaped.
 */
int probe_wait_health(const char *base_url, const char *path, long timeout_ms,
		      pid_t pid);

#endif
