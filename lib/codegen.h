/*
 * codegen.h - write a generated tree into the workspace without destroying
 * what its user changed.
 *
 * A stack (agentkit-templates(5)) is a folder with files/ (the tree:
 * ".mustache" files are rendered with the view, others copied; a path with
 * __entity__ or __Entity__ is written once per entity), partials/ and an
 * optional stack.json. Every file goes through one gate, codegen_put:
 *
 *  - a path matched by a pattern of the output folder's .agentkitignore is
 *    never written (listed as "ignored");
 *  - the digest of every file written is recorded in
 *    .agentkit/manifest.json in the output folder; a file whose content no
 *    longer has its recorded digest was edited by its user and is left
 *    alone (listed as "kept"), as is a file that was there before and was
 *    never generated, unless force is set;
 *  - everything else is written atomically and becomes an artifact.
 *
 * The view the templates saw is kept beside the manifest, in
 * .agentkit/view.json, for whoever writes a stack.
 */
#ifndef AK_CODEGEN_H
#define AK_CODEGEN_H

#include <jansson.h>

#include "workspace.h"

struct codegen;

/*
 * Begin writing into dir (relative to the workspace; created as needed):
 * reads dir's manifest and .agentkitignore. force overwrites edited files.
 * NULL with ak_error on failure.
 */
struct codegen *codegen_begin(struct workspace *ws, const char *dir, int force);

/*
 * Write len bytes to relpath (relative to dir) through the gate above.
 * 0 (also when the file was kept or ignored), or -1 with ak_error.
 */
int codegen_put(struct codegen *g, const char *relpath, const char *data, size_t len);

/*
 * Render the stack in stack_dir with view (borrowed) through codegen_put.
 * 0, or -1 with ak_error ("templates/x.py.mustache:12: unknown name 'y'").
 */
int codegen_render(struct codegen *g, const char *stack_dir, const json_t *view);

/*
 * Record the manifest and hand over what happened: a new object
 * {"artifacts":[...], "kept":[{path, reason}], "ignored":[path]} in *result,
 * with paths relative to the workspace. Frees g in any case. 0, or -1
 * with ak_error.
 */
int codegen_end(struct codegen *g, json_t **result);

/* Free g without recording anything (after a failure). NULL is fine. */
void codegen_abort(struct codegen *g);

/*
 * The stack's folder: dir itself when not NULL (--templates), else the
 * installed or user's templates/<name> (datadir.h). 0 and the path in out,
 * or -1 with ak_error.
 */
int codegen_stack_dir(const char *name, const char *dir, struct buf *out);

/*
 * The stack's stack.json with "{{port}}" in its argv strings replaced by
 * port: a new object ({} when the stack has no stack.json), or NULL with
 * ak_error when the file is not a JSON object.
 */
json_t *codegen_stack_info(const char *stack_dir, int port);

#endif
