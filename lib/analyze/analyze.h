/*
 * analyze.h - the business analyst's rules engine: a requirement document
 * in, the data of a requirement.analyzed event out.
 *
 * analyze_document reads the document (doc.h), sorts its sentences into
 * goals, stories, rules and non-functional requirements (story.h,
 * classify.h), builds the entity model (entity.h), asks the questions an
 * analyst would ask (question.h) and checks every story's quality (qus.h).
 * analyze_write_artifacts renders the result into the workspace (render.h).
 * Same input, same output: nothing here reads the clock or a random source.
 */
#ifndef AK_ANALYZE_ANALYZE_H
#define AK_ANALYZE_ANALYZE_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"
#include "workspace.h"

/*
 * Analyse text[0..len) (UTF-8; Markdown when markdown is non-zero) titled
 * title (may be NULL: the document's first heading, else "Untitled"). New
 * reference to the analysis object, or NULL with ak_error: AK_EXIT_DATAERR
 * for a document that cannot be analysed (empty, not text), else ENOMEM.
 */
json_t *analyze_document(const char *title, const char *text, size_t len, int markdown);

/*
 * Write requirements.md, stories.feature, model.json and the wireframes of
 * analysis a under dir (relative to the workspace) and set a's "artifacts"
 * to their records. Returns 0, or -1 with ak_error (nothing is added to a
 * then; files already renamed into place stay, each one whole).
 */
int analyze_write_artifacts(struct workspace *ws, const char *dir, json_t *a);

/*
 * The classifier's line interface: append to out the JSON object
 * {"text","class","cue"} for one requirement line (no newline). Returns 0,
 * or -1 with ak_error.
 */
int analyze_classify_line(const char *line, size_t len, struct buf *out);

#endif
