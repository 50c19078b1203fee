/*
 * lint.h - checks on an OpenAPI contract, and on a client against it.
 *
 * lint_openapi reads an OpenAPI 3.0.x or 3.1.x document that the caller
 * has already parsed into JSON (YAML with yaml_parse from lib/yamljson.h)
 * and lists what is wrong with it as findings:
 *
 *   {"severity": "error" | "warning", "rule": "<rule>",
 *    "pointer": "<RFC 6901 JSON pointer into the document>",
 *    "message": "..."}
 *
 * The rules:
 *
 *   structure      the "openapi" version string (3.0.x or 3.1.x); info
 *                  with title and version strings; a paths object (in
 *                  3.1 one of paths, webhooks or components is enough);
 *                  path keys that start with "/"; path item keys
 *                  (methods, summary, description, servers, parameters,
 *                  $ref, x-*); operations with a non-empty responses
 *                  object keyed by "100".."599", "1XX".."5XX" or
 *                  "default"; parameters with a name and an "in" of
 *                  query, header, path or cookie, and no two with the
 *                  same (name, in) in one list; operationId a string.
 *   ref            every "$ref" string: a local "#/..." ref must resolve
 *                  (a JSON pointer, percent-decoded, ~0 and ~1 unescaped)
 *                  and must not start a chain of refs that loops; any
 *                  other ref is a warning, and is never fetched or opened.
 *   operation-id   operationIds are unique; the finding points at the
 *                  second use and names the first.
 *   path-params    every {name} of a path template is declared as an
 *                  in: path parameter with required: true, at the path
 *                  item or the operation; every declared path parameter
 *                  is in the template; the template is well formed.
 *   ambiguous-path two templates that are equal once parameter names are
 *                  ignored (/pets/{id} and /pets/{petId}).
 *   response-schema each media type of a 2xx response (but 204) has a
 *                  schema; a 2xx response of a GET without content is a
 *                  warning.
 *   depth          the document nests deeper than LINT_MAX_DEPTH; what
 *                  lies below is not looked at.
 *
 * Parameters, responses and request bodies are read through their $ref
 * (components), at most LINT_MAX_HOPS refs deep. A finding about a
 * referenced object that depends on where it is used (a path parameter,
 * a 2xx response) points at the place of use. Path items that are
 * themselves a $ref get the ref rule only.
 *
 * Nothing here keeps state between calls; the document is only read.
 */
#ifndef AK_CONTRACT_LINT_H
#define AK_CONTRACT_LINT_H

#include <jansson.h>

/* Deeper than this, lint_openapi reports a "depth" error and stops. */
#define LINT_MAX_DEPTH 256
/* Longest chain of $ref followed before it counts as a loop. */
#define LINT_MAX_HOPS 64

/*
 * Lint doc (borrowed) and append one new object per finding to the array
 * findings (borrowed; findings already in it are left alone). Findings
 * come in document order, rule by rule.
 *
 * Returns the number of errors appended (warnings are not counted). A doc
 * that is not an object or has no 3.0.x/3.1.x "openapi" string gives one
 * "structure" error and no other finding. Returns -1 with
 * ak_error(AK_EXIT_SOFTWARE) when memory runs out (findings may then hold
 * part of the findings), or with AK_EXIT_USAGE when findings is not an
 * array.
 */
int lint_openapi(const json_t *doc, json_t *findings);

/*
 * Check the calls a generated client makes against the contract doc
 * (borrowed). ops (borrowed) is an array of
 *
 *   {"operation_id": S, "method": "GET", "path": "/tasks/{id}",
 *    "body": "TaskInput" | null}
 *
 * where body names the components/schemas entry sent as a JSON body. A
 * call is matched to the contract operation with the same method whose
 * path template is equal ignoring parameter names. There is a mismatch
 * when no operation matches, when the operationIds differ, when a body is
 * sent and the operation's application/json request body schema is not a
 * $ref to #/components/schemas/<body> (or there is no request body), when
 * no body is sent and the request body is required, and when the call
 * itself is malformed. For each one an object
 *
 *   {"operation_id": S, "method": S, "path": S, "problem": "..."}
 *
 * is appended to mismatches (borrowed). Returns the number appended, or
 * -1 with ak_error: AK_EXIT_SOFTWARE when memory runs out, AK_EXIT_USAGE
 * when ops or mismatches is not an array.
 */
int lint_client(const json_t *doc, const json_t *ops, json_t *mismatches);

/*
 * 1 when the path templates a and b are equal once the names inside
 * {...} are ignored ("/pets/{id}" and "/pets/{petId}"), else 0.
 */
int lint_paths_equal(const char *a, const char *b);

/*
 * The value (borrowed from doc) that the local ref "#/..." points at:
 * the fragment is percent-decoded, then read as a JSON pointer. "#" is
 * doc itself. NULL when ref is not local, is malformed, does not resolve,
 * or memory runs out.
 */
const json_t *lint_resolve(const json_t *doc, const char *ref);

#endif
