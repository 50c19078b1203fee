/*
 * jpointer.h - local references into a JSON document, as JSON Schema and
 * OpenAPI write them: "#" followed by a percent-encoded RFC 6901 JSON
 * Pointer ("#/components/schemas/Task", "#/$defs/a~1b"). Nothing outside
 * the document is ever looked up.
 */
#ifndef AK_JPOINTER_H
#define AK_JPOINTER_H

#include <jansson.h>

#include "buf.h"

/*
 * What ref points at in root (borrowed), or NULL with *why set to the
 * reason ("is not local: ...", "has a bad %-escape", "uses an anchor
 * name, which is not supported", "has a '~' not followed by 0 or 1",
 * "does not resolve", or out of memory). The decoded pointer, without
 * the "#", is appended to ptr. "#" is root itself.
 */
const json_t *jpointer_ref(const json_t *root, const char *ref, struct buf *ptr,
			  const char **why);

/* The same, NULL for any failure. */
const json_t *jpointer_get(const json_t *root, const char *ref);

/*
 * Follow v through "$ref" members until a value that is not a reference;
 * NULL when one does not resolve or the chain is longer than max_hops.
 * *via (when not NULL) is set to 1 once a reference has been followed.
 */
const json_t *jpointer_deref(const json_t *root, const json_t *v, int max_hops, int *via);

#endif
