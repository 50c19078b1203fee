/*
 * doc.c - reading a requirement document into sentences, list items and
 * table rows (cmark-gfm for Markdown, paragraphs and bullets for text).
 *
 * The walk keeps the heading each unit falls under, because a sentence's
 * section changes its meaning: items under "Goals" are goals, under "Out
 * of scope" they are won't-haves, and a "Fields" table belongs to the
 * entity its heading names.
 */
#include <stdlib.h>
#include <string.h>
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "buf.h"
#include "error.h"
#include "analyze/doc.h"
#include "banned.h"

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* Append s with runs of white space made one space, trimmed at both ends. */
static int add_collapsed(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			if (b->len && b->p[b->len - 1] != ' ' && buf_addch(b, ' ') < 0)
				return -1;
		} else if (buf_addch(b, (char)c) < 0) {
			return -1;
		}
	}
	return 0;
}

static char *dup_trimmed(const char *s, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;

	if (add_collapsed(&b, s, len) < 0) {
		buf_release(&b);
		return NULL;
	}
	while (b.len && b.p[b.len - 1] == ' ')
		b.p[--b.len] = '\0';
	if (!b.p && buf_grow(&b, 1) < 0)
		return NULL;
	size_t skip = b.len && b.p[0] == ' ';
	if (skip)
		memmove(b.p, b.p + 1, b.len--);
	if (outlen)
		*outlen = b.len;
	return buf_detach(&b, NULL);
}

static struct unit *push_unit(struct doc *d, enum unit_kind kind, const char *s, size_t len,
			      long section)
{
	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 64;
		struct unit *nv = realloc(d->v, na * sizeof(*nv));
		if (!nv)
			return NULL;
		d->v = nv;
		d->alloc = na;
	}
	struct unit *u = &d->v[d->n];
	memset(u, 0, sizeof(*u));
	u->kind = kind;
	u->section = section;
	u->table = -1;
	if (!(u->text = dup_trimmed(s, len, &u->len)))
		return NULL;
	d->n++;
	return u;
}

static int push_section(struct doc *d, const char *s, size_t len, int level)
{
	char **ns = realloc(d->sections, (d->nsections + 1) * sizeof(*ns));
	if (!ns)
		return oom();
	d->sections = ns;
	int *nl = realloc(d->levels, (d->nsections + 1) * sizeof(*nl));
	if (!nl)
		return oom();
	d->levels = nl;
	if (!(ns[d->nsections] = dup_trimmed(s, len, NULL)))
		return oom();
	nl[d->nsections++] = level;
	if (level == 1 && !d->title && *ns[d->nsections - 1] &&
	    !(d->title = dup_trimmed(s, len, NULL)))
		return oom();
	return 0;
}

/* Words after which a full stop does not end a sentence. */
static int is_abbrev(const char *s, size_t end)
{
	static const char *const ab[] = {
		"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "no", "approx", "incl",
		"min", "max", "fig", "ca", "cf", "al", "resp", "esp", "st", "jr", "sr", NULL
	};
	size_t start = end;

	while (start > 0 && s[start - 1] != ' ' && s[start - 1] != '(')
		start--;
	for (const char *const *a = ab; *a; a++) {
		size_t n = strlen(*a);
		if (end - start == n && !strncasecmp(s + start, *a, n))
			return 1;
	}
	/* a single letter: an initial ("J. Smith") or a list marker ("a.") */
	return end - start == 1;
}

int doc_sentences(const char *s, size_t len,
		  int (*fn)(void *ctx, const char *s, size_t len), void *ctx)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int stop = 0;

		if (c != '.' && c != '!' && c != '?')
			continue;
		while (i + 1 < len && (s[i + 1] == '.' || s[i + 1] == '!' || s[i + 1] == '?' ||
				       s[i + 1] == '"' || s[i + 1] == ')' || s[i + 1] == '\''))
			i++;
		if (i + 1 >= len) {
			stop = 1;
		} else if (s[i + 1] == ' ') {
			size_t k = i + 2;
			unsigned char next = k < len ? (unsigned char)s[k] : 0;
			int upper = (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9') ||
				    next == '"' || next == '(' || next == '[' || next >= 0x80;
			if (c != '.' && upper)
				stop = 1;
			else if (c == '.' && upper && !is_abbrev(s, i))
				stop = 1;
			else if (upper && i >= 3 && !strncasecmp(s + i - 3, "etc", 3))
				stop = 1;
		}
		if (!stop)
			continue;
		size_t a = start, b = i + 1;
		while (a < b && s[a] == ' ')
			a++;
		if (b > a) {
			int r = fn(ctx, s + a, b - a);
			if (r)
				return r;
		}
		start = i + 1;
	}
	while (start < len && s[start] == ' ')
		start++;
	size_t end = len;
	while (end > start && s[end - 1] == ' ')
		end--;
	return end > start ? fn(ctx, s + start, end - start) : 0;
}

struct para {
	struct doc *d;
	enum unit_kind kind;
	long section;
};

static int add_sentence(void *ctx, const char *s, size_t len)
{
	struct para *p = ctx;

	if (!push_unit(p->d, p->kind, s, len, p->section))
		return oom();
	if (p->kind == UNIT_ITEM)
		p->kind = UNIT_ITEM_MORE;
	return 0;
}

static int add_paragraph(struct doc *d, const char *s, size_t len, enum unit_kind kind)
{
	struct para p = { d, kind, (long)d->nsections - 1 };
	char *flat = dup_trimmed(s, len, &len);
	int r;

	if (!flat)
		return oom();
	r = doc_sentences(flat, len, add_sentence, &p);
	free(flat);
	return r;
}

/* --- Markdown ------------------------------------------------------------ */

/* The text of an inline subtree: what a reader sees, without markup. */
static int inline_text(cmark_node *n, struct buf *b)
{
	for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE: {
			const char *lit = cmark_node_get_literal(c);
			if (lit && buf_addstr(b, lit) < 0)
				return -1;
			break;
		}
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			if (buf_addch(b, ' ') < 0)
				return -1;
			break;
		case CMARK_NODE_HTML_INLINE:
			break;
		case CMARK_NODE_PARAGRAPH:
			if (inline_text(c, b) < 0 || buf_addch(b, ' ') < 0)
				return -1;
			break;
		default:
			if (inline_text(c, b) < 0)
				return -1;
		}
	}
	return 0;
}

static int add_table(struct doc *d, cmark_node *table)
{
	struct doc_table *nt = realloc(d->tables, (d->ntables + 1) * sizeof(*nt));
	if (!nt)
		return oom();
	d->tables = nt;
	struct doc_table *t = &nt[d->ntables];
	memset(t, 0, sizeof(*t));
	t->section = (long)d->nsections - 1;
	long index = (long)d->ntables++;

	for (cmark_node *row = cmark_node_first_child(table); row; row = cmark_node_next(row)) {
		int header = !strcmp(cmark_node_get_type_string(row), "table_header") ||
			     cmark_gfm_extensions_get_table_row_is_header(row);
		size_t ncells = 0;
		for (cmark_node *c = cmark_node_first_child(row); c; c = cmark_node_next(c))
			ncells++;
		char **cells = calloc(ncells ? ncells : 1, sizeof(*cells));
		struct buf line = BUF_INIT;
		size_t k = 0;
		int failed = !cells;

		for (cmark_node *c = cmark_node_first_child(row); c && !failed; c = cmark_node_next(c)) {
			struct buf cb = BUF_INIT;
			failed = inline_text(c, &cb) < 0 ||
				 !(cells[k++] = dup_trimmed(cb.p ? cb.p : "", cb.len, NULL));
			if (!failed && k > 1)
				failed = buf_addstr(&line, "; ") < 0;
			if (!failed && cells[k - 1])
				failed = buf_addstr(&line, cells[k - 1]) < 0;
			buf_release(&cb);
		}
		if (failed) {
			for (size_t i = 0; cells && i < k; i++)
				free(cells[i]);
			free(cells);
			buf_release(&line);
			return oom();
		}
		if (header && !t->head) {
			t->head = cells;
			t->ncols = ncells;
			buf_release(&line);
			continue;
		}
		struct unit *u = push_unit(d, UNIT_ROW, line.p ? line.p : "", line.len, t->section);
		buf_release(&line);
		if (!u) {
			for (size_t i = 0; i < k; i++)
				free(cells[i]);
			free(cells);
			return oom();
		}
		u->table = index;
		u->cells = cells;
		u->ncells = ncells;
	}
	return 0;
}

static int walk_blocks(struct doc *d, cmark_node *n, int in_item)
{
	for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
		const char *ts = cmark_node_get_type_string(c);
		struct buf b = BUF_INIT;
		int r = 0;

		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_HEADING:
			r = inline_text(c, &b) < 0 ? oom()
			    : push_section(d, b.p ? b.p : "", b.len, cmark_node_get_heading_level(c));
			break;
		case CMARK_NODE_PARAGRAPH:
			if (inline_text(c, &b) < 0)
				r = oom();
			else
				r = add_paragraph(d, b.p ? b.p : "", b.len,
						  in_item && c == cmark_node_first_child(n)
						  ? UNIT_ITEM : in_item ? UNIT_ITEM_MORE : UNIT_SENTENCE);
			break;
		case CMARK_NODE_CODE_BLOCK:
		case CMARK_NODE_HTML_BLOCK:
			d->code_blocks++;
			break;
		case CMARK_NODE_ITEM:
			r = walk_blocks(d, c, 1);
			break;
		default:
			if (ts && !strcmp(ts, "table"))
				r = add_table(d, c);
			else
				r = walk_blocks(d, c, in_item && cmark_node_get_type(c) != CMARK_NODE_LIST);
		}
		buf_release(&b);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int parse_markdown(struct doc *d, const char *text, size_t len)
{
	cmark_gfm_core_extensions_ensure_registered();
	cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
	cmark_syntax_extension *table = cmark_find_syntax_extension("table");
	int r;

	if (!p)
		return oom();
	if (table)
		cmark_parser_attach_syntax_extension(p, table);
	cmark_parser_feed(p, text, len);
	cmark_node *root = cmark_parser_finish(p);
	r = root ? walk_blocks(d, root, 0) : oom();
	if (root)
		cmark_node_free(root);
	cmark_parser_free(p);
	return r;
}

/* --- plain text ---------------------------------------------------------- */

/* Length of a bullet or number marker at the start of a line, or 0. */
static size_t item_marker(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ')
		return 2;
	if (len >= 4 && !memcmp(s, "\xe2\x80\xa2", 3) && s[3] == ' ')   /* U+2022 bullet */
		return 4;
	while (i < len && i < 4 && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i && i + 1 < len && (s[i] == '.' || s[i] == ')') && s[i + 1] == ' ')
		return i + 2;
	return 0;
}

static int parse_text(struct doc *d, const char *text, size_t len)
{
	struct buf para = BUF_INIT;
	enum unit_kind kind = UNIT_SENTENCE;
	size_t i = 0;
	int r = 0;

	while (i <= len && r == 0) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		const char *line = text + i;
		size_t n = e - i;
		while (n && (line[0] == ' ' || line[0] == '\t'))
			line++, n--;
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		size_t mark = item_marker(line, n);
		/* a bullet with nothing after it is an empty line */
		int blank = n == 0 || (n == 1 && (line[0] == '-' || line[0] == '*' || line[0] == '+'));

		if ((blank || mark) && para.len) {
			r = add_paragraph(d, para.p, para.len, kind);
			buf_reset(&para);
			kind = UNIT_SENTENCE;
		}
		if (mark)
			kind = UNIT_ITEM;
		if (!blank) {
			if (para.len && buf_addch(&para, ' ') < 0)
				r = oom();
			else if (buf_add(&para, line + mark, n - mark) < 0)
				r = oom();
			/* a short line ending in a colon, alone: a heading */
			if (!r && !mark && n > 1 && n < 80 && line[n - 1] == ':' &&
			    para.len == n && (e + 1 >= len || text[e + 1] == '\n' || text[e + 1] == '\r' ||
					      item_marker(text + e + 1, len - e - 1))) {
				r = push_section(d, line, n - 1, 2);
				buf_reset(&para);
			}
		}
		i = e + 1;
	}
	if (!r && para.len)
		r = add_paragraph(d, para.p, para.len, kind);
	buf_release(&para);
	return r;
}

int doc_parse(struct doc *d, const char *text, size_t len, int markdown)
{
	int r;

	memset(d, 0, sizeof(*d));
	r = markdown ? parse_markdown(d, text, len) : parse_text(d, text, len);
	if (r < 0)
		doc_release(d);
	return r;
}

void doc_release(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].text);
		for (size_t k = 0; k < d->v[i].ncells; k++)
			free(d->v[i].cells[k]);
		free(d->v[i].cells);
	}
	free(d->v);
	for (size_t i = 0; i < d->nsections; i++)
		free(d->sections[i]);
	free(d->sections);
	free(d->levels);
	for (size_t i = 0; i < d->ntables; i++) {
		for (size_t k = 0; k < d->tables[i].ncols; k++)
			free(d->tables[i].head[k]);
		free(d->tables[i].head);
	}
	free(d->tables);
	free(d->title);
	memset(d, 0, sizeof(*d));
}

const char *doc_section(const struct doc *d, const struct unit *u)
{
	return u->section >= 0 && (size_t)u->section < d->nsections ? d->sections[u->section] : "";
}
