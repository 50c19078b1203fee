/*
 * template.c - the mustache subset of the code generators (see template.h).
 *
 * A template is parsed once into a flat array of nodes: text, variables,
 * sections (each knowing where its body ends) and partials. The standalone
 * line rule is applied while parsing, so rendering never looks back at the
 * text. Rendering walks node ranges with the context stack kept as a chain
 * of frames on the C stack. A partial is loaded and parsed the first time
 * it is met and kept for the rest of the render, so a partial inside a
 * long list costs one load.
 *
 * The indentation of a standalone partial is not spliced into its text:
 * the parser marks the points of a template where one of its lines begins
 * (a text node flagged "bol", and every byte after a newline inside a text
 * node), and the renderer writes the current indentation there. One parse
 * of a partial thus serves every indentation it is used with.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "template.h"
#include "banned.h"

#define MAX_NEST 100                /* sections open at once in a template */
#define MAX_PARTIAL_DEPTH 32
#define MAX_STEPS 10000000UL        /* nodes, list items, contexts searched */
#define MAX_OUTPUT (256u << 20)
#define MAX_PARTIAL_BYTES (8u << 20) /* all partials loaded by one render */
#define NAME_SHOWN 80               /* bytes of a name quoted in a message */

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	unsigned char kind;
	unsigned char flag;     /* N_TEXT: a line begins here; N_PARTIAL: standalone */
	unsigned line;
	size_t off, len;        /* N_TEXT: the text; the others: the name */
	size_t end;             /* sections: index past the body */
	size_t ind_off, ind_len; /* N_PARTIAL: the indentation of its line */
	size_t part;            /* N_PARTIAL: 1 + index of the loaded partial, 0 */
};

struct tpl {
	const char *text;
	size_t len;
	struct node *nodes;
	size_t n, cap;
};

struct partial {
	char *name;
	char *text;
	struct tpl tpl;
};

/* Where the renderer is: a template, and the chain of partials to it. */
struct frame {
	const struct frame *up;
	const char *name;       /* NULL for the root */
	unsigned call_line;     /* the line of the {{> name}} in up */
	int depth;
	const char *indent;     /* written where a line of this template begins */
	size_t indent_len;
};

/* The context stack: innermost first. */
struct ctx {
	const json_t *v;
	const struct ctx *up;
};

struct render {
	const struct tpl_options *opt;
	struct buf *out;
	size_t base;            /* out->len before the render */
	unsigned long steps;
	struct partial **parts;
	size_t nparts, cap;
	size_t *slots;          /* hash of parts by name: 1 + index, 0 free */
	size_t nslots;
	size_t part_bytes;
};

static int shown(size_t n)
{
	return n > NAME_SHOWN ? NAME_SHOWN : (int)n;
}

/*
 * "NAME:LINE: " for a failure at line of frame f, through the partials
 * that led there; long chains keep their two ends.
 */
static void locate(const struct render *r, const struct frame *f, unsigned line,
		   char *s, size_t size)
{
	const struct frame *chain[MAX_PARTIAL_DEPTH + 1];
	int n = 0;
	size_t len = 0;

	for (; f && n <= MAX_PARTIAL_DEPTH; f = f->up)
		chain[n++] = f;
	s[0] = '\0';
	for (int i = n - 1; i >= 0 && len < size; i--) {
		unsigned at = i ? chain[i - 1]->call_line : line;
		int w;

		if (n > 4 && i < n - 2 && i > 1) {
			if (i == n - 3)
				w = snprintf(s + len, size - len, "...: ");
			else
				continue;
		} else if (chain[i]->name) {
			size_t k = strlen(chain[i]->name);
			w = snprintf(s + len, size - len, "partial '%.*s':%u: ", shown(k),
				     chain[i]->name, at);
		} else {
			w = snprintf(s + len, size - len, "%s:%u: ",
				     r->opt->name ? r->opt->name : "template", at);
		}
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int fail(const struct render *r, const struct frame *f, unsigned line,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A template error at line of f: AK_EXIT_DATAERR, located. */
static int fail(const struct render *r, const struct frame *f, unsigned line,
		const char *fmt, ...)
{
	char where[512], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	locate(r, f, line, where, sizeof(where));
	return ak_error(AK_EXIT_DATAERR, "%s%s", where, msg);
}

/* The error just recorded by a buffer or a loader, located; its class kept. */
static int relocate(const struct render *r, const struct frame *f, unsigned line,
		    const char *what)
{
	char where[512], msg[1024];
	enum ak_exit code = ak_errcode();

	snprintf(msg, sizeof(msg), "%s", ak_errmsg());
	locate(r, f, line, where, sizeof(where));
	return ak_error(code, "%s%s%s", where, what, msg);
}

/* Parsing */

static int add_node(struct tpl *t, const struct node *nd)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct node *grown = realloc(t->nodes, cap * sizeof(*grown));

		if (!grown)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		t->nodes = grown;
		t->cap = cap;
	}
	t->nodes[t->n++] = *nd;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int line_begins(const struct tpl *t, size_t at)
{
	return at == 0 || t->text[at - 1] == '\n';
}

/* Line numbers of increasing offsets, counted once. */
struct lines {
	size_t at;
	unsigned line;
};

static unsigned line_of(struct lines *lc, const char *s, size_t at)
{
	while (lc->at < at) {
		const char *nl = memchr(s + lc->at, '\n', at - lc->at);

		if (!nl) {
			lc->at = at;
			break;
		}
		lc->line++;
		lc->at = (size_t)(nl - s) + 1;
	}
	return lc->line;
}

enum tag_kind { K_VAR, K_RAW, K_SECTION, K_INVERTED, K_CLOSE, K_COMMENT, K_PARTIAL,
		K_DELIM, K_UNCLOSED };

struct tag {
	enum tag_kind kind;
	size_t name, name_len;  /* trimmed */
	size_t end;             /* past the closing braces */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The tag whose "{{" is at offset at. */
static void scan_tag(const struct tpl *t, size_t at, struct tag *g)
{
	const char *s = t->text, *close;
	size_t from = at + 2;
	char sigil = from < t->len ? s[from] : '\0';
	const char *closing = "}}";

	switch (sigil) {
	case '{':
		closing = "}}}";
		g->kind = K_RAW;
		from++;
		break;
	case '&': g->kind = K_RAW; from++; break;
	case '#': g->kind = K_SECTION; from++; break;
	case '^': g->kind = K_INVERTED; from++; break;
	case '/': g->kind = K_CLOSE; from++; break;
	case '!': g->kind = K_COMMENT; from++; break;
	case '>': g->kind = K_PARTIAL; from++; break;
	case '=': g->kind = K_DELIM; return;
	default: g->kind = K_VAR; break;
	}
	close = from < t->len ? memmem(s + from, t->len - from, closing, strlen(closing)) : NULL;
	if (!close) {
		g->kind = K_UNCLOSED;
		return;
	}
	g->name = from;
	g->name_len = (size_t)(close - s) - from;
	g->end = (size_t)(close - s) + strlen(closing);
	while (g->name_len && is_space(s[g->name])) {
		g->name++;
		g->name_len--;
	}
	while (g->name_len && is_space(s[g->name + g->name_len - 1]))
		g->name_len--;
}

/*
 * Whether the tag [at, end) stands alone on its line: only blanks since the
 * line began (and no other tag there, so not before text_start) and only
 * blanks up to the end of line. If so, the line begins at *ls and the text
 * after it at *next.
 */
static int standalone(const struct tpl *t, size_t text_start, size_t at, size_t end,
		      size_t *ls, size_t *next)
{
	const char *s = t->text;
	size_t b = at, e = end;

	while (b > text_start && is_blank(s[b - 1]))
		b--;
	if (!line_begins(t, b))
		return 0;
	while (e < t->len && is_blank(s[e]))
		e++;
	if (e == t->len)
		*next = e;
	else if (s[e] == '\n')
		*next = e + 1;
	else if (s[e] == '\r' && e + 1 < t->len && s[e + 1] == '\n')
		*next = e + 2;
	else
		return 0;
	*ls = b;
	return 1;
}

static int add_text(struct tpl *t, size_t from, size_t to, unsigned line)
{
	struct node nd = { N_TEXT, 0, line, from, to - from, 0, 0, 0, 0 };

	if (from == to)
		return 0;
	nd.flag = (unsigned char)line_begins(t, from);
	return add_node(t, &nd);
}

static const char *sigil_of(const struct node *nd)
{
	return nd->kind == N_INVERTED ? "^" : "#";
}

/* Turn tag g, at line, into nodes; open holds the sections not yet closed. */
static int add_tag(struct render *r, const struct frame *f, struct tpl *t, const struct tag *g,
		   unsigned line, size_t *open, size_t *nopen)
{
	static const unsigned char kinds[] = {
		[K_VAR] = N_VAR, [K_RAW] = N_RAW, [K_SECTION] = N_SECTION,
		[K_INVERTED] = N_INVERTED, [K_PARTIAL] = N_PARTIAL,
	};
	const char *name = t->text + g->name;
	struct node nd = { 0, 0, line, g->name, g->name_len, 0, 0, 0, 0 };
	struct node *o;

	switch (g->kind) {
	case K_COMMENT:
		return 0;
	case K_CLOSE:
		if (!*nopen)
			return fail(r, f, line, "{{/%.*s}} without an open section",
				    shown(g->name_len), name);
		o = &t->nodes[open[--*nopen]];
		if (o->len != g->name_len || memcmp(t->text + o->off, name, o->len))
			return fail(r, f, line, "{{/%.*s}} closes {{%s%.*s}}",
				    shown(g->name_len), name, sigil_of(o), shown(o->len),
				    t->text + o->off);
		o->end = t->n;
		return 0;
	case K_SECTION:
	case K_INVERTED:
		if (*nopen == MAX_NEST)
			return fail(r, f, line, "sections nested more than %d deep", MAX_NEST);
		open[(*nopen)++] = t->n;
		break;
	default:
		break;
	}
	nd.kind = kinds[g->kind];
	return add_node(t, &nd);
}

/*
 * Parse t->text into t->nodes. Errors are located in frame f. Sections are
 * matched here, so a crossed or unclosed section is refused before
 * anything is rendered.
 */
static int parse(struct render *r, const struct frame *f, struct tpl *t)
{
	const char *s = t->text;
	size_t pos = 0, open[MAX_NEST], nopen = 0;
	struct lines lc = { 0, 1 };

	for (;;) {
		const char *o = pos < t->len ? memmem(s + pos, t->len - pos, "{{", 2) : NULL;
		size_t at, ls, next;
		unsigned text_line, line;
		struct tag g;

		text_line = line_of(&lc, s, pos);
		if (!o) {
			if (add_text(t, pos, t->len, text_line) < 0)
				return -1;
			break;
		}
		at = (size_t)(o - s);
		line = line_of(&lc, s, at);
		scan_tag(t, at, &g);
		if (g.kind == K_DELIM)
			return fail(r, f, line, "set-delimiter tags are not supported");
		if (g.kind == K_UNCLOSED)
			return fail(r, f, line, "unclosed tag");
		if (g.kind != K_COMMENT && !g.name_len)
			return fail(r, f, line, "empty tag name");
		if (g.kind != K_VAR && g.kind != K_RAW &&
		    standalone(t, pos, at, g.end, &ls, &next)) {
			if (add_text(t, pos, ls, text_line) < 0 ||
			    add_tag(r, f, t, &g, line, open, &nopen) < 0)
				return -1;
			if (g.kind == K_PARTIAL) {
				struct node *p = &t->nodes[t->n - 1];

				p->flag = 1;
				p->ind_off = ls;
				p->ind_len = at - ls;
			}
			pos = next;
			continue;
		}
		if (add_text(t, pos, at, text_line) < 0)
			return -1;
		if (line_begins(t, at)) {
			/* a line of this template begins with the tag */
			struct node bol = { N_TEXT, 1, line, at, 0, 0, 0, 0, 0 };

			if (add_node(t, &bol) < 0)
				return -1;
		}
		if (add_tag(r, f, t, &g, line, open, &nopen) < 0)
			return -1;
		pos = g.end;
	}
	if (nopen) {
		const struct node *u = &t->nodes[open[nopen - 1]];

		return fail(r, f, u->line, "unclosed section {{%s%.*s}}", sigil_of(u),
			    shown(u->len), s + u->off);
	}
	return 0;
}

/* Escaping */

/*
 * The replacement of s[i] under esc written to rep, with the number of
 * bytes it replaces; 0 if s[i] stays as it is.
 */
static size_t escape_at(enum tpl_escape esc, const unsigned char *s, size_t n, size_t i,
			char rep[16], size_t *rep_len)
{
	unsigned c = s[i];
	const char *lit = NULL;
	int js = esc == TPL_ESCAPE_JS || esc == TPL_ESCAPE_JSON;

	switch (esc) {
	case TPL_ESCAPE_NONE:
		return 0;
	case TPL_ESCAPE_HTML:
		lit = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" :
			c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
		break;
	case TPL_ESCAPE_SQL:
		lit = c == '\'' ? "''" : NULL;
		break;
	default:
		if (c == '\\')
			lit = "\\\\";
		else if (c == '"')
			lit = "\\\"";
		else if (c == '\n')
			lit = "\\n";
		else if (c == '\r')
			lit = "\\r";
		else if (c == '\t')
			lit = "\\t";
		else if (c == '\'' && esc != TPL_ESCAPE_JSON)
			lit = "\\'";
		else if (c == '`' && esc == TPL_ESCAPE_JS)
			lit = "\\`";
		else if (c == '$' && esc == TPL_ESCAPE_KOTLIN)
			lit = "\\$";
		else if (js && c == '<')
			lit = "\\u003c";
		else if (js && c == '\b')
			lit = "\\b";
		else if (js && c == '\f')
			lit = "\\f";
		else if (js && c == 0xe2 && i + 2 < n && s[i + 1] == 0x80 &&
			 (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			*rep_len = (size_t)snprintf(rep, 16, "\\u%04x", 0x2000u + s[i + 2] - 0x80);
			return 3;
		} else if (c < 0x20 || c == 0x7f) {
			*rep_len = (size_t)snprintf(rep, 16, esc == TPL_ESCAPE_PY ? "\\x%02x" :
						    esc == TPL_ESCAPE_SWIFT ? "\\u{%x}" : "\\u%04x",
						    c);
			return 1;
		}
		break;
	}
	if (!lit)
		return 0;
	*rep_len = strlen(lit);
	memcpy(rep, lit, *rep_len);
	return 1;
}

int tpl_escape(enum tpl_escape esc, const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;

	if (esc == TPL_ESCAPE_NONE)
		return buf_add(out, s, n);
	while (i < n) {
		char rep[16];
		size_t rep_len, used = escape_at(esc, u, n, i, rep, &rep_len);

		if (!used) {
			i++;
			continue;
		}
		if (buf_add(out, s + run, i - run) < 0 || buf_add(out, rep, rep_len) < 0)
			return -1;
		i += used;
		run = i;
	}
	return buf_add(out, s + run, n - run);
}

static const struct {
	const char *ext;
	enum tpl_escape esc;
} by_ext[] = {
	{ "html", TPL_ESCAPE_HTML }, { "htm", TPL_ESCAPE_HTML }, { "xml", TPL_ESCAPE_HTML },
	{ "svg", TPL_ESCAPE_HTML }, { "ts", TPL_ESCAPE_JS }, { "tsx", TPL_ESCAPE_JS },
	{ "js", TPL_ESCAPE_JS }, { "jsx", TPL_ESCAPE_JS }, { "mjs", TPL_ESCAPE_JS },
	{ "json", TPL_ESCAPE_JSON }, { "yaml", TPL_ESCAPE_JSON }, { "yml", TPL_ESCAPE_JSON },
	{ "py", TPL_ESCAPE_PY }, { "kt", TPL_ESCAPE_KOTLIN }, { "kts", TPL_ESCAPE_KOTLIN },
	{ "swift", TPL_ESCAPE_SWIFT }, { "sql", TPL_ESCAPE_SQL },
};

enum tpl_escape tpl_escape_for(const char *path)
{
	const char *base, *end, *dot;
	size_t n;

	if (!path)
		return TPL_ESCAPE_NONE;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	end = base + strlen(base);
	if (end - base > 9 && !strcasecmp(end - 9, ".mustache"))
		end -= 9;
	for (dot = end; dot > base && dot[-1] != '.'; dot--)
		;
	if (dot == base)
		return TPL_ESCAPE_NONE;
	n = (size_t)(end - dot);
	for (size_t i = 0; i < sizeof(by_ext) / sizeof(by_ext[0]); i++)
		if (strlen(by_ext[i].ext) == n && !strncasecmp(dot, by_ext[i].ext, n))
			return by_ext[i].esc;
	return TPL_ESCAPE_NONE;
}

/* Rendering */

/*
 * What name means in context c: "." is the innermost context; the first
 * part of a dotted name is the first context (innermost out) that has it,
 * the other parts are looked up only inside what it found. NULL: nothing.
 * Every context searched counts as steps of work, by the key's length, so
 * that deep stacks and long names cannot make a bounded render slow.
 */
static const json_t *lookup(struct render *r, const struct ctx *c, const char *name, size_t n)
{
	const char *end = name + n, *dot;
	const json_t *v = NULL;

	if (n == 1 && *name == '.')
		return c ? c->v : NULL;
	dot = memchr(name, '.', n);
	if (!dot)
		dot = end;
	for (; c && !v; c = c->up) {
		r->steps += 1 + (size_t)(dot - name) / 64;
		if (json_is_object(c->v))
			v = json_object_getn(c->v, name, (size_t)(dot - name));
	}
	while (v && dot < end) {
		const char *part = dot + 1;

		dot = memchr(part, '.', (size_t)(end - part));
		if (!dot)
			dot = end;
		r->steps += 1 + (size_t)(dot - part) / 64;
		v = json_is_object(v) ? json_object_getn(v, part, (size_t)(dot - part)) : NULL;
	}
	return v;
}

static int truthy(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_FALSE:
	case JSON_NULL:
		return 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return 1;
	}
}

/* d in the fewest digits that read back as d, with ".0" if it looks integral. */
static void format_real(double d, char *s, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, size, "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	for (char *p = s; *p; p++)
		if (*p == ',')
			*p = '.';   /* a locale's decimal comma */
	if (!strpbrk(s, ".en"))
		snprintf(s + strlen(s), size - strlen(s), ".0");
}

/* Count one step of work; stop a render that is out of bounds. */
static int step(struct render *r, const struct frame *f, unsigned line)
{
	if (++r->steps > MAX_STEPS)
		return fail(r, f, line, "rendering takes more than %lu steps", MAX_STEPS);
	if (r->out->len - r->base > MAX_OUTPUT)
		return fail(r, f, line, "output larger than %u MiB", MAX_OUTPUT >> 20);
	return 0;
}

static int emit(struct render *r, const struct frame *f, unsigned line, const char *p,
		size_t n, enum tpl_escape esc)
{
	if (tpl_escape(esc, p, n, r->out) < 0)
		return relocate(r, f, line, "");
	return 0;
}

/* A text node, with f's indentation where a line begins. */
static int render_text(struct render *r, const struct frame *f, const struct tpl *t,
		       const struct node *nd)
{
	const char *p = t->text + nd->off, *end = p + nd->len;

	if (!f->indent_len)
		return emit(r, f, nd->line, p, nd->len, TPL_ESCAPE_NONE);
	if (nd->flag && emit(r, f, nd->line, f->indent, f->indent_len, TPL_ESCAPE_NONE) < 0)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl + 1 : end;

		if (emit(r, f, nd->line, p, (size_t)(stop - p), TPL_ESCAPE_NONE) < 0)
			return -1;
		p = stop;
		if (p < end && emit(r, f, nd->line, f->indent, f->indent_len,
				    TPL_ESCAPE_NONE) < 0)
			return -1;
	}
	return 0;
}

static int render_var(struct render *r, const struct frame *f, const struct tpl *t,
		      const struct node *nd, const struct ctx *c)
{
	const char *name = t->text + nd->off;
	const json_t *v = lookup(r, c, name, nd->len);
	enum tpl_escape esc = nd->kind == N_RAW ? TPL_ESCAPE_NONE : r->opt->escape;
	char num[64];

	if (!v)
		return r->opt->strict ? fail(r, f, nd->line, "unknown name '%.*s'",
					     shown(nd->len), name) : 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return emit(r, f, nd->line, json_string_value(v), json_string_length(v), esc);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof(num));
		break;
	case JSON_TRUE:
		snprintf(num, sizeof(num), "true");
		break;
	case JSON_FALSE:
		snprintf(num, sizeof(num), "false");
		break;
	case JSON_NULL:
		return 0;
	default:
		if (!r->opt->strict)
			return 0;
		return fail(r, f, nd->line, "'%.*s' is %s, not a value", shown(nd->len), name,
			    json_is_array(v) ? "a list" : "an object");
	}
	return emit(r, f, nd->line, num, strlen(num), esc);
}

static int render_range(struct render *r, const struct frame *f, const struct tpl *t,
			size_t from, size_t to, const struct ctx *c);

static int render_section(struct render *r, const struct frame *f, const struct tpl *t,
			  size_t i, const struct ctx *c)
{
	const struct node *nd = &t->nodes[i];
	const json_t *v = lookup(r, c, t->text + nd->off, nd->len);
	struct ctx inner = { v, c };

	if (nd->kind == N_INVERTED)
		return truthy(v) ? 0 : render_range(r, f, t, i + 1, nd->end, c);
	if (!truthy(v))
		return 0;
	if (json_is_array(v)) {
		for (size_t k = 0; k < json_array_size(v); k++) {
			inner.v = json_array_get(v, k);
			if (step(r, f, nd->line) < 0 ||
			    render_range(r, f, t, i + 1, nd->end, &inner) < 0)
				return -1;
		}
		return 0;
	}
	return render_range(r, f, t, i + 1, nd->end, &inner);
}

static size_t hash_name(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Where name is, or would go, in the hash of loaded partials. */
static size_t *slot_of(const struct render *r, const char *name)
{
	size_t mask = r->nslots - 1, i = hash_name(name) & mask;

	while (r->slots[i] && strcmp(r->parts[r->slots[i] - 1]->name, name))
		i = (i + 1) & mask;
	return &r->slots[i];
}

/* Room for one more partial: the array and a hash at most half full. */
static int make_room(struct render *r)
{
	if (r->nparts == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct partial **grown = realloc(r->parts, cap * sizeof(*grown));

		if (!grown)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		r->parts = grown;
		r->cap = cap;
	}
	if (2 * (r->nparts + 1) > r->nslots) {
		size_t n = r->nslots ? 2 * r->nslots : 16;
		size_t *old = r->slots, nold = r->nslots;

		if (!(r->slots = calloc(n, sizeof(*r->slots)))) {
			r->slots = old;
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
		r->nslots = n;
		for (size_t i = 0; i < nold; i++)
			if (old[i])
				*slot_of(r, r->parts[old[i] - 1]->name) = old[i];
		free(old);
	}
	return 0;
}

/*
 * The partial named by node nd of f's template: loaded, parsed (errors
 * located in sub, the frame it will be rendered in) and cached on first
 * use.
 */
static struct partial *get_partial(struct render *r, const struct frame *f,
				   struct frame *sub, const struct tpl *t, struct node *nd)
{
	struct buf name = BUF_INIT, text = BUF_INIT;
	struct partial *p = NULL;
	size_t *slot;

	if (nd->part)
		return r->parts[nd->part - 1];
	if (!r->opt->partial) {
		fail(r, f, nd->line, "unknown partial '%.*s'", shown(nd->len), t->text + nd->off);
		return NULL;
	}
	if (buf_add(&name, t->text + nd->off, nd->len) < 0 || make_room(r) < 0) {
		relocate(r, f, nd->line, "");
		goto out;
	}
	slot = slot_of(r, name.p);
	if (*slot) {
		p = r->parts[*slot - 1];
		nd->part = *slot;
		goto out;
	}
	if (r->part_bytes >= MAX_PARTIAL_BYTES) {
		fail(r, f, nd->line, "partials larger than %u MiB in all", MAX_PARTIAL_BYTES >> 20);
		goto out;
	}
	buf_init(&text, MAX_PARTIAL_BYTES - r->part_bytes);
	if (r->opt->partial(name.p, &text, r->opt->partial_arg) < 0) {
		char what[NAME_SHOWN + 32];

		snprintf(what, sizeof(what), "cannot load partial '%.*s': ", shown(name.len),
			 name.p);
		relocate(r, f, nd->line, what);
		goto out;
	}
	if (buf_add(&text, "", 0) < 0 ||
	    (!(p = calloc(1, sizeof(*p))) && ak_error(AK_EXIT_SOFTWARE, "out of memory"))) {
		relocate(r, f, nd->line, "");
		goto out;
	}
	r->part_bytes += text.len;
	p->tpl.len = text.len;
	p->text = buf_detach(&text, NULL);
	p->tpl.text = p->text;
	p->name = buf_detach(&name, NULL);
	r->parts[r->nparts++] = p;
	*slot = r->nparts;
	nd->part = r->nparts;
	sub->name = p->name;
	if (parse(r, sub, &p->tpl) < 0)
		p = NULL;
out:
	buf_release(&name);
	buf_release(&text);
	return p;
}

static int render_partial(struct render *r, const struct frame *f, const struct tpl *t,
			  struct node *nd, const struct ctx *c)
{
	struct frame sub = { f, NULL, nd->line, f->depth + 1, "", 0 };
	struct buf indent = BUF_INIT;
	struct partial *p;
	int rc;

	if (f->depth == MAX_PARTIAL_DEPTH)
		return fail(r, f, nd->line, "partials nested more than %d deep",
			    MAX_PARTIAL_DEPTH);
	if (!(p = get_partial(r, f, &sub, t, nd)))
		return -1;
	sub.name = p->name;
	if (nd->flag) {
		/* standalone: this line's indentation within f's */
		const char *own = t->text + nd->ind_off;

		if (!f->indent_len) {
			sub.indent = own;
			sub.indent_len = nd->ind_len;
		} else if (!nd->ind_len) {
			sub.indent = f->indent;
			sub.indent_len = f->indent_len;
		} else {
			if (buf_add(&indent, f->indent, f->indent_len) < 0 ||
			    buf_add(&indent, own, nd->ind_len) < 0)
				return relocate(r, f, nd->line, "");
			sub.indent = indent.p;
			sub.indent_len = indent.len;
		}
	}
	rc = render_range(r, &sub, &p->tpl, 0, p->tpl.n, c);
	buf_release(&indent);
	return rc;
}

static int render_range(struct render *r, const struct frame *f, const struct tpl *t,
			size_t from, size_t to, const struct ctx *c)
{
	for (size_t i = from; i < to; i++) {
		struct node *nd = &t->nodes[i];
		int rc = step(r, f, nd->line);

		if (rc < 0)
			return -1;
		switch (nd->kind) {
		case N_TEXT:
			rc = render_text(r, f, t, nd);
			break;
		case N_VAR:
		case N_RAW:
			rc = render_var(r, f, t, nd, c);
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(r, f, t, i, c);
			i = nd->end - 1;
			break;
		case N_PARTIAL:
			rc = render_partial(r, f, t, nd, c);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int tpl_render(const char *text, size_t len, json_t *view, const struct tpl_options *opt,
	       struct buf *out)
{
	static const struct tpl_options defaults = TPL_OPTIONS_INIT;
	struct render r = { opt ? opt : &defaults, out, out->len, 0, NULL, 0, 0, NULL, 0, 0 };
	struct frame root = { NULL, NULL, 0, 0, "", 0 };
	struct tpl t = { text ? text : "", text ? len : 0, NULL, 0, 0 };
	struct ctx c = { view, NULL };
	int rc;

	if (buf_add(out, "", 0) < 0)
		rc = relocate(&r, &root, 1, "");
	else if ((rc = parse(&r, &root, &t)) == 0)
		rc = render_range(&r, &root, &t, 0, t.n, view ? &c : NULL);
	free(t.nodes);
	for (size_t i = 0; i < r.nparts; i++) {
		free(r.parts[i]->name);
		free(r.parts[i]->text);
		free(r.parts[i]->tpl.nodes);
		free(r.parts[i]);
	}
	free(r.parts);
	free(r.slots);
	return rc;
}
