/*
 * doc.h - a requirement document as the analyst reads it: sentences, list
 * items and table rows, each under the heading it belongs to.
 *
 * Markdown goes through cmark-gfm (CommonMark plus GitHub's tables), so
 * headings, nested lists, tables, emphasis and links are read as a
 * renderer reads them; code blocks and HTML are not prose and are left
 * out. Plain text is read by paragraphs (blank lines), with lines that
 * start with a bullet or a number taken as list items. Paragraphs are cut
 * into sentences.
 *
 * A doc owns all its strings; doc_release frees them.
 */
#ifndef AK_ANALYZE_DOC_H
#define AK_ANALYZE_DOC_H

#include <stddef.h>

enum unit_kind {
	UNIT_SENTENCE,   /* a sentence of a paragraph */
	UNIT_ITEM,       /* a sentence of a list item (the first of the item) */
	UNIT_ITEM_MORE,  /* a further sentence of the same list item */
	UNIT_ROW,        /* a table row: cells[] (header names in the table) */
};

struct unit {
	enum unit_kind kind;
	char *text;          /* whitespace collapsed, NUL-terminated */
	size_t len;
	long section;        /* index into doc.sections, or -1 before any heading */
	long table;          /* UNIT_ROW: index into doc.tables */
	char **cells;        /* UNIT_ROW */
	size_t ncells;
};

struct doc_table {
	char **head;         /* header cells */
	size_t ncols;
	long section;
};

struct doc {
	struct unit *v;
	size_t n, alloc;
	char **sections;     /* heading texts in order */
	int *levels;         /* heading levels */
	size_t nsections;
	struct doc_table *tables;
	size_t ntables;
	char *title;         /* the first level-1 heading, or NULL */
	size_t code_blocks;  /* left out */
};

#define DOC_INIT { 0 }

/*
 * Read text[0..len) (valid UTF-8) into d: Markdown when markdown is
 * non-zero, plain text otherwise. Returns 0, or -1 with ak_error on ENOMEM
 * (d is then released).
 */
int doc_parse(struct doc *d, const char *text, size_t len, int markdown);
void doc_release(struct doc *d);

/*
 * Cut s[0..len) into sentences: calls fn for each, trimmed, with the
 * sentence's end punctuation kept. A stop after an abbreviation ("e.g.",
 * "Dr.", "etc." inside a sentence) or inside a number ("2.5") does not end
 * a sentence. fn returns 0 or -1 to stop (passed through).
 */
int doc_sentences(const char *s, size_t len,
		  int (*fn)(void *ctx, const char *s, size_t len), void *ctx);

/* The section heading of u, or "" */
const char *doc_section(const struct doc *d, const struct unit *u);

#endif
