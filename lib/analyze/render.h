/*
 * render.h - the artifacts agent-analyze makes from an analysis.
 *
 * An analysis is the data of a requirement.analyzed event: title, goals,
 * stories with acceptance criteria and quality defects, non-functional
 * requirements, entities with fields and relations, open questions. Each
 * renderer turns it into one kind of document a team reads or runs:
 *
 *   render_prd         requirements.md   a product requirements document
 *   render_feature     stories.feature   Gherkin scenarios, one per criterion
 *   render_model       model.json        the entities, pretty-printed
 *   render_wireframes  wireframes/ static list, detail and form pages
 *
 * The analysis is always borrowed and never changed. A member that is
 * missing or of the wrong type counts as empty (a story that is not an
 * object is skipped, a title that is not a string is no title), so every
 * renderer gives a valid document even for {}. Output depends on the
 * analysis only: the same analysis always gives the same bytes.
 *
 * Every function returns 0, or -1 with ak_error (the buffer's limit, or out
 * of memory). On failure the output buffer is left as it was before the
 * call.
 */
#ifndef AK_ANALYZE_RENDER_H
#define AK_ANALYZE_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

/*
 * requirements.md: title, a summary line with counts, goals, a table of the
 * stories then a section per story (the story sentence, its acceptance
 * criteria as Given/When/Then lists, its quality defects), a table of the
 * non-functional requirements, a table of fields per entity with its
 * relations, and the open questions with the sentence each one is about.
 * Text is escaped so that it reads as written in any CommonMark renderer.
 */
int render_prd(const json_t *a, struct buf *out);

/*
 * stories.feature: one Scenario per acceptance criterion, tagged with the
 * story id and priority ("@US-1 @must"); a story without criteria gets a
 * Scenario with a comment saying so. Line breaks in the text become spaces.
 */
int render_feature(const json_t *a, struct buf *out);

/*
 * model.json: {"entities": [...]}, indented by two spaces, keys sorted,
 * with a final newline. Entities that are not objects are left out.
 */
int render_model(const json_t *a, struct buf *out);

/*
 * Receives each page of the wireframes: relpath is relative to the
 * artifact directory ("wireframes/index.html"), data[0..len) the page.
 * Both are borrowed for the call only. Returns 0, or -1 with ak_error.
 */
typedef int (*render_emit_fn)(void *ctx, const char *relpath,
			      const char *data, size_t len);

/*
 * The wireframes: for each entity a list page (a table of its fields, a
 * search box, a "New ..." button), a detail page (its fields, Edit and
 * Delete, its related entities) and a form page (a labelled input per
 * field, the input type following the field type), plus wireframes/
 * index.html linking them all. Pages are emitted in a fixed order: the
 * index, then list, detail and form of each entity in the analysis' order.
 * A page is named after its entity in kebab-case ("order-line-list.html";
 * "entity-N" when the name has no usable character; "-2" and so on when
 * two names give the same). Plain HTML with inline CSS: no scripts, no
 * external resources; every text escaped.
 *
 * Returns 0, or -1 with ak_error; when emit fails its -1 is returned as is
 * and no further page is emitted.
 */
int render_wireframes(const json_t *a, render_emit_fn emit, void *ctx);

#endif
