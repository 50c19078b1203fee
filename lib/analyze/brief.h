/*
 * brief.h - the business analyst's side of the llm engine: the JSON
 * schema the model's reply must match, the values its prompt template
 * takes, and how a valid reply becomes the analysis.
 *
 * The rules engine always runs first: its analysis is the draft the model
 * sees, the fallback when the model's reply is rejected, and the source
 * of what the model is not asked for (title, goals). A reply replaces the
 * stories, NFRs, entities and questions; the stories get their ids and
 * quality checks here, as the rules engine's do.
 */
#ifndef AK_ANALYZE_BRIEF_H
#define AK_ANALYZE_BRIEF_H

#include <jansson.h>

/* The schema of a reply (strict-mode compatible). Borrowed, built once. */
const json_t *brief_schema(void);

/* {"title", "text", "draft"}: the template's values. New reference. */
json_t *brief_vars(const char *title, const char *text, const json_t *draft);

/*
 * Put a valid reply into analysis a: stories, nfrs, entities, questions,
 * "engine": "llm". Returns 0, or -1 with ak_error (ENOMEM; a reply that
 * passed the schema is otherwise always taken).
 */
int brief_merge(json_t *a, const json_t *reply);

#endif
