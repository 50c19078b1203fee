/*
 * template.h - a logic-less mustache subset rendered over a jansson view.
 *
 * The language: variables {{name}}, dotted names {{a.b.c}} (the first part
 * is looked up from the innermost context outwards, the rest inside what
 * it found), the current item {{.}}, unescaped {{{x}}} and {{& x}},
 * sections {{#x}}...{{/x}} (once per element of a list, once for an object
 * or any other true value, which is pushed as the context; never for false,
 * null, 0, "", an empty list or a missing name), inverted sections
 * {{^x}}...{{/x}}, comments {{! ...}} and partials {{> name}}. Spaces
 * inside a tag are allowed. A line holding nothing but one section,
 * inverted, closing, comment or partial tag and blanks is removed whole,
 * and an indented standalone partial has each of its lines indented, as in
 * the mustache spec. There are no lambdas and no delimiter changes.
 *
 * A variable prints a string as it is, an integer in decimal, a real in
 * the shortest form that reads back the same (with ".0" if it would look
 * like an integer), true and false as words, null as nothing. {{x}} is
 * escaped for the language of the file being written (tpl_escape_for), so
 * that a value placed inside a string literal cannot end it.
 *
 * A render is bounded: sections nest at most 100 deep in one template,
 * partials at most 32 deep, and a render that takes more than ten million
 * steps or writes more than 256 MiB is stopped with an error, so no
 * template, however hostile, recurses without end or runs for ever.
 */
#ifndef AK_TEMPLATE_H
#define AK_TEMPLATE_H

#include <jansson.h>

#include "buf.h"

enum tpl_escape {
	TPL_ESCAPE_NONE,    /* as is */
	TPL_ESCAPE_HTML,    /* & < > " ' as entities */
	TPL_ESCAPE_JS,      /* JSON's, and ' ` backslashed: a '...', "..." or `...` literal */
	TPL_ESCAPE_JSON,    /* \\ \" \n \r \t \b \f, controls, U+2028/9 and < as \uXXXX */
	TPL_ESCAPE_PY,      /* \\ \' \" \n \r \t, controls as \xNN */
	TPL_ESCAPE_KOTLIN,  /* \\ \" \' \$ \n \r \t, controls as \uXXXX */
	TPL_ESCAPE_SWIFT,   /* \\ \" \' \n \r \t, controls as \u{XX} */
	TPL_ESCAPE_SQL,     /* ' doubled */
};

/*
 * The escaping for an output path, by its extension, ignoring case and a
 * trailing ".mustache": html htm xml svg: HTML; ts tsx js jsx mjs: JS;
 * json yaml yml: JSON; py: PY; kt kts: KOTLIN; swift: SWIFT; sql: SQL;
 * anything else (and NULL): NONE.
 */
enum tpl_escape tpl_escape_for(const char *path);

/*
 * Loads partial name (NUL-terminated, as written in the tag): append its
 * text to out and return 0, or return -1 with ak_error set. Each name is
 * loaded at most once per tpl_render call.
 */
typedef int tpl_partial_fn(const char *name, struct buf *out, void *arg);

struct tpl_options {
	enum tpl_escape escape;
	int strict;              /* a {{name}} that resolves to nothing is an error */
	tpl_partial_fn *partial; /* NULL: any {{> x}} is an error */
	void *partial_arg;
	const char *name;        /* the template's name in messages */
};

#define TPL_OPTIONS_INIT { TPL_ESCAPE_NONE, 0, NULL, NULL, "template" }

/*
 * Render len bytes of text with view (borrowed: the bottom of the context
 * stack; may be NULL) and append the result to out (opt NULL: the
 * defaults). Returns 0, or -1 with ak_error("NAME:LINE: reason"), where a
 * failure inside a partial names the way there ("NAME:LINE: partial
 * 'x':LINE: reason"). Template errors are AK_EXIT_DATAERR; a failing
 * partial loader or buffer keeps its own class. On failure out holds a
 * partial result. In strict mode a variable that names nothing, or names a
 * list or an object, is an error; a section on a missing name is false.
 */
int tpl_render(const char *text, size_t len, json_t *view, const struct tpl_options *opt,
	       struct buf *out);

/*
 * Append s (n bytes) to out escaped as esc. Escaping is bytewise, so
 * invalid UTF-8 passes through; only U+2028 and U+2029 are recognised as
 * sequences. 0, or -1 with ak_error (out of memory, out's limit).
 */
int tpl_escape(enum tpl_escape esc, const char *s, size_t n, struct buf *out);

#endif
