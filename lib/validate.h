/*
 * validate.h - the data fields each known event type must carry.
 *
 * The floor of agentkit(7)'s table of event types: for a known type, the
 * data member must be an object holding these fields with these JSON
 * types (more fields are welcome). Unknown types are not judged.
 */
#ifndef AK_VALIDATE_H
#define AK_VALIDATE_H

#include <stddef.h>
#include <jansson.h>

/*
 * Check ev (borrowed) against the table. Returns 0, or -1 with why filled
 * ("feature.tested: data.tests must be an object").
 */
int validate_data(const json_t *ev, char *why, size_t whylen);

/* The known event types, NULL-terminated, for documentation and tests. */
const char *const *validate_known_types(void);

#endif
