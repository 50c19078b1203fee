/*
 * openapi.h - the API contract of a feature, made from its analysis.
 *
 * agent-analyze's entity model (entities with typed fields and relations)
 * becomes an OpenAPI 3.1 document: per entity a collection path with list
 * (limit/offset pagination, sorting, filtering by field) and create, an
 * item path with read, replace and delete; request and response schemas
 * with the model's constraints; every error an RFC 9457 problem+json.
 *
 * The model is normalised on the way: names are spelled as identifiers
 * (entities PascalCase, fields snake_case), an "id" field is never taken
 * from the model (every entity gets an integer id), a belongs_to relation
 * or an "id" typed field naming an entity becomes a foreign key field
 * "<entity>_id" with "x-references", has_many and has_one put that key on
 * the other side. Required foreign keys never form a cycle: the key that
 * would close one (a self reference included) is made optional, so every
 * row can be inserted.
 */
#ifndef AK_BACKEND_OPENAPI_H
#define AK_BACKEND_OPENAPI_H

#include <jansson.h>

/*
 * The document for analysis (borrowed: a requirement.analyzed event's
 * data; its "entities" array is read, its "title" names the API). New
 * reference, or NULL with ak_error: AK_EXIT_DATAERR when there is no entity
 * to build an API on, else ENOMEM.
 */
json_t *openapi_from_analysis(const json_t *analysis, const char *title, const char *version);

#endif
