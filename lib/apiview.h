/*
 * apiview.h - what the code templates see: an API contract turned into the
 * view of agentkit-templates(5).
 *
 * The view is read from an OpenAPI 3.x document alone, so agent-backend
 * (from the document it writes), agent-frontend and agent-app (from the
 * document in the backend_ready event, or any document a user points at)
 * all generate from the same contract. A resource is a collection path
 * with list (GET) and create (POST) plus an item path below it with read
 * (GET), replace (PUT) and delete (DELETE); its fields come from the
 * create body's schema ($ref'd or inline), with their types, constraints
 * and foreign keys (x-references). Every name is spelled for each target
 * language (names.h), with example values for generated tests.
 */
#ifndef AK_APIVIEW_H
#define AK_APIVIEW_H

#include <jansson.h>

struct apiview_opts {
	const char *title;      /* the feature's title; NULL: the document's */
	const char *feature;    /* the feature id (subject), or NULL */
	const char *openapi;    /* the contract's file name in the output */
	int port;               /* the service port */
};

#define APIVIEW_OPTS_INIT { NULL, NULL, "openapi.yaml", 8000 }

/*
 * The view for doc (borrowed). Resources that lack one of the five
 * operations, and fields whose names are not identifiers, are left out
 * with a warning on stderr. New reference, or NULL with ak_error:
 * AK_EXIT_DATAERR when the document has no usable resource or is not an
 * OpenAPI document.
 */
json_t *apiview_from_openapi(const json_t *doc, const struct apiview_opts *opts);

#endif
