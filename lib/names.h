/*
 * names.h - one name, spelled for every language the code generators write.
 *
 * An entity "ResetToken" is reset_token in Python and SQL, resetToken in
 * TypeScript, Kotlin and Swift, reset-token in a URL, "Reset token" on a
 * label, and reset_tokens as a table. A name is first split into lowercase
 * words (at non-alphanumerics and at case changes: "HTTPServer" is http
 * server, "due_date" is due date), then joined in the case asked for. The
 * result is always a valid identifier of every target language: only
 * ASCII letters, digits and "_" (or "-" for kebab), never starting with a
 * digit ("2fa" becomes "n2fa"), never empty ("x" when nothing usable is
 * left).
 */
#ifndef AK_NAMES_H
#define AK_NAMES_H

enum name_case {
	NAME_SNAKE,     /* due_date */
	NAME_CAMEL,     /* dueDate */
	NAME_PASCAL,    /* DueDate */
	NAME_KEBAB,     /* due-date */
	NAME_UPPER,     /* DUE_DATE */
	NAME_LABEL,     /* Due date (free text: first letter capitalised) */
};

enum name_lang { NAME_PY, NAME_TS, NAME_KOTLIN, NAME_SWIFT };

/* in spelled in case c: a new string, or NULL with ak_error on ENOMEM. */
char *name_case(const char *in, enum name_case c);

/* The English plural of in's last word, spelled in case c ("ResetToken",
 * NAME_SNAKE -> reset_tokens; "category" -> categories; "box" -> boxes;
 * "person" -> people). New string, or NULL with ak_error on ENOMEM. */
char *name_plural(const char *in, enum name_case c);

/* Whether id is a reserved word of lang (Python: class, from, ...; Kotlin:
 * object, val, ...; Swift: default, func, ...; TypeScript: new, enum, ...). */
int name_is_keyword(enum name_lang lang, const char *id);

#endif
