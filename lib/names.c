/*
 * names.c - split a name into words and spell it for a target language
 * (see names.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "names.h"
#include "banned.h"

#define MAX_WORDS 32
#define MAX_LEN 200     /* bytes of word text kept from any input */

struct words {
	char text[MAX_LEN + MAX_WORDS];
	const char *w[MAX_WORDS];
	int n;
};

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) { return is_lower(c) || is_upper(c) || is_digit(c); }
static char lower(char c) { return is_upper(c) ? (char)(c - 'A' + 'a') : c; }
static char upper(char c) { return is_lower(c) ? (char)(c - 'a' + 'A') : c; }

/* A word starts at in[i] when the case changes: "dueDate", "HTTPServer". */
static int starts_word(const char *in, size_t i)
{
	char prev = in[i - 1], c = in[i];

	if (!is_alnum(prev))
		return 1;
	if (is_upper(c) && (is_lower(prev) || is_digit(prev)))
		return 1;
	return is_upper(c) && is_upper(prev) && is_lower(in[i + 1]);
}

static void split(const char *in, struct words *ws)
{
	size_t used = 0;

	ws->n = 0;
	for (size_t i = 0; in[i] && used < MAX_LEN; i++) {
		if (!is_alnum(in[i]))
			continue;
		if (i == 0 || starts_word(in, i) || ws->n == 0) {
			if (ws->n == MAX_WORDS)
				break;
			if (ws->n)
				ws->text[used++] = '\0';
			ws->w[ws->n++] = ws->text + used;
		}
		ws->text[used++] = lower(in[i]);
	}
	ws->text[used] = '\0';
}

static int join(const struct words *ws, enum name_case c, struct buf *out)
{
	const char *sep = c == NAME_KEBAB ? "-" : c == NAME_CAMEL || c == NAME_PASCAL ? "" :
		c == NAME_LABEL ? " " : "_";

	if (ws->n == 0)
		return buf_addstr(out, c == NAME_UPPER || c == NAME_PASCAL || c == NAME_LABEL ?
				  "X" : "x");
	if (is_digit(ws->w[0][0]) && c != NAME_LABEL && buf_addch(out, c == NAME_UPPER ||
								c == NAME_PASCAL ? 'N' : 'n') < 0)
		return -1;
	for (int i = 0; i < ws->n; i++) {
		const char *w = ws->w[i];
		int cap = c == NAME_PASCAL || (c == NAME_CAMEL && i > 0) || (c == NAME_LABEL && i == 0);

		if (i && buf_addstr(out, sep) < 0)
			return -1;
		for (size_t j = 0; w[j]; j++)
			if (buf_addch(out, c == NAME_UPPER || (cap && j == 0) ? upper(w[j]) : w[j]) < 0)
				return -1;
	}
	return 0;
}

static char *spell(const struct words *ws, enum name_case c)
{
	struct buf b = BUF_INIT;

	if (join(ws, c, &b) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

char *name_case(const char *in, enum name_case c)
{
	struct words ws;

	split(in, &ws);
	return spell(&ws, c);
}

static const char *const uncountable[] = {
	"data", "information", "equipment", "news", "series", "species", "feedback",
	"metadata", "software", "staff", "media", "inventory", "stock", NULL
};

static const char *const irregular[][2] = {
	{ "person", "people" }, { "child", "children" }, { "man", "men" },
	{ "woman", "women" }, { "mouse", "mice" }, { "goose", "geese" },
	{ "tooth", "teeth" }, { "foot", "feet" }, { "leaf", "leaves" },
	{ "life", "lives" }, { "knife", "knives" }, { "wife", "wives" },
	{ "half", "halves" }, { "shelf", "shelves" }, { "analysis", "analyses" },
	{ "criterion", "criteria" }, { "index", "indexes" }, { "quiz", "quizzes" },
};

static int ends(const char *w, const char *suffix)
{
	size_t n = strlen(w), m = strlen(suffix);
	return n >= m && !memcmp(w + n - m, suffix, m);
}

static int vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* The plural of lowercase word w into out (room for strlen(w) + 8). */
static void plural_word(const char *w, char *out, size_t cap)
{
	size_t n = strlen(w);

	for (size_t i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (!strcmp(w, irregular[i][0])) {
			snprintf(out, cap, "%s", irregular[i][1]);
			return;
		}
	for (size_t i = 0; uncountable[i]; i++)
		if (!strcmp(w, uncountable[i])) {
			snprintf(out, cap, "%s_list", w);
			return;
		}
	if (n > 1 && w[n - 1] == 'y' && !vowel(w[n - 2]))
		snprintf(out, cap, "%.*sies", (int)(n - 1), w);
	else if (ends(w, "s") && !ends(w, "ss") && !ends(w, "us") && !ends(w, "is"))
		snprintf(out, cap, "%s_list", w);     /* already a plural: "codes" */
	else if (ends(w, "s") || ends(w, "x") || ends(w, "z") || ends(w, "ch") || ends(w, "sh"))
		snprintf(out, cap, "%ses", w);
	else
		snprintf(out, cap, "%ss", w);
}

char *name_plural(const char *in, enum name_case c)
{
	struct words ws;
	char last[MAX_LEN + 16];
	struct words pl;
	size_t used = 0;

	split(in, &ws);
	if (ws.n == 0)
		return spell(&ws, c);
	plural_word(ws.w[ws.n - 1], last, sizeof(last));
	/* the plural may add a word ("data" -> "data_list"): split again */
	pl.n = 0;
	for (int i = 0; i < ws.n - 1; i++) {
		size_t len = strlen(ws.w[i]);
		memcpy(pl.text + used, ws.w[i], len + 1);
		pl.w[pl.n++] = pl.text + used;
		used += len + 1;
	}
	for (char *p = last; *p && pl.n < MAX_WORDS; ) {
		size_t len = strcspn(p, "_");
		if (used + len + 1 > sizeof(pl.text))
			break;
		memcpy(pl.text + used, p, len);
		pl.text[used + len] = '\0';
		pl.w[pl.n++] = pl.text + used;
		used += len + 1;
		p += len + (p[len] == '_');
	}
	return spell(&pl, c);
}

static const char *const py_words[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
	"continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
	"if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
	"return", "try", "while", "with", "yield",
	/* names the generated code itself uses, and pydantic's model attributes */
	"id", "self", "cls", "json", "datetime", "date", "decimal", "typing", "db", "app",
	"dict", "copy", "schema", "schema_json", "fields", "construct", "validate", "parse_obj",
	"parse_raw", "parse_file", "from_orm", "update_forward_refs", "config", NULL
};

static const char *const ts_words[] = {
	"break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
	"do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
	"import", "in", "instanceof", "new", "null", "return", "super", "switch", "this",
	"throw", "true", "try", "typeof", "var", "void", "while", "with", "implements",
	"interface", "let", "package", "private", "protected", "public", "static", "yield",
	"await", "any", "boolean", "number", "string", "symbol", "type", "undefined", NULL
};

static const char *const kotlin_words[] = {
	"as", "break", "class", "continue", "do", "else", "false", "for", "fun", "if", "in",
	"interface", "is", "null", "object", "package", "return", "super", "this", "throw",
	"true", "try", "typealias", "typeof", "val", "var", "when", "while", NULL
};

static const char *const swift_words[] = {
	"associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func",
	"import", "init", "inout", "internal", "let", "open", "operator", "private",
	"protocol", "public", "rethrows", "static", "struct", "subscript", "typealias",
	"var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
	"for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as",
	"Any", "catch", "false", "is", "nil", "super", "self", "Self", "throw", "throws",
	"true", "try", "Type", "Protocol", NULL
};

int name_is_keyword(enum name_lang lang, const char *id)
{
	const char *const *list = lang == NAME_PY ? py_words : lang == NAME_TS ? ts_words :
		lang == NAME_KOTLIN ? kotlin_words : swift_words;

	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], id))
			return 1;
	return 0;
}
