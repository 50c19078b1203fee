/*
 * jschema.c - a JSON Schema validator for model replies (see jschema.h).
 *
 * Two passes share one context. The check pass walks the whole schema
 * once: the form of every keyword, every $ref resolved, every pattern
 * translated to a POSIX expression and compiled (kept for the second
 * pass), and a search for $ref chains that never reach the instance. The
 * apply pass walks schema and instance together, keeps the JSON Pointer
 * of the instance position as a stack of segments, and turns failures
 * into messages only when they will be kept.
 */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jpointer.h"
#include "jschema.h"
#include "banned.h"

/* How deep the schema itself may nest, subschema in subschema. */
#define MAX_SCHEMA_NESTING 256
/* How deep apply may recurse in all (instance levels, $ref, allOf...). */
#define MAX_FRAMES 4096
/* Schema text quoted in messages (enum lists, const values) is cut here. */
#define MAX_QUOTE 200
/* The loop search marks a chain that comes back to where it started. */
#define DEPTH_LOOP INT_MAX
#define DEPTH_BUSY (-2)

/* ---- a map from node pointers to ints ---- */

struct pmap {
	const void **keys;
	int *vals;
	size_t cap, n;
};

static size_t pmap_slot(const struct pmap *m, const void *k)
{
	uint64_t x = (uint64_t)(uintptr_t)k;
	size_t i;

	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ull;
	i = (size_t)(x >> 32) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int pmap_get(const struct pmap *m, const void *k, int *val)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = pmap_slot(m, k);
	if (!m->keys[i])
		return 0;
	if (val)
		*val = m->vals[i];
	return 1;
}

static int pmap_put(struct pmap *m, const void *k, int val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct pmap bigger = { NULL, NULL, m->cap ? m->cap * 2 : 64, 0 };

		bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
		bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
		if (!bigger.keys || !bigger.vals) {
			free(bigger.keys);
			free(bigger.vals);
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->keys[j])
				continue;
			i = pmap_slot(&bigger, m->keys[j]);
			bigger.keys[i] = m->keys[j];
			bigger.vals[i] = m->vals[j];
			bigger.n++;
		}
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	i = pmap_slot(m, k);
	if (!m->keys[i]) {
		m->keys[i] = k;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

static void pmap_release(struct pmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- the shared context ---- */

struct compiled {
	const json_t *pattern;    /* the schema's "pattern" string */
	regex_t re;
};

struct refsite {
	const json_t *node;       /* the schema object holding "$ref" */
	const json_t *target;
	char *where;              /* its schema pointer, ".../$ref" */
	char *target_ptr;         /* the target's pointer, unescaped from % */
};

enum seg_kind { SEG_INDEX, SEG_NAME, SEG_FREE };

/* One step of the instance pointer. A SEG_FREE key came from the
 * instance alone, so showing it spends the echo budget. */
struct seg {
	enum seg_kind kind;
	const char *key;
	size_t len;
	size_t index;
};

struct jctx {
	const json_t *root;
	locale_t cloc;
	struct compiled *re;
	size_t nre, are;
	struct refsite *refs;
	size_t nrefs, arefs;
	struct pmap walked;       /* schema nodes the check pass has seen */
	struct pmap refmap;       /* node with "$ref" -> index in refs */
	struct pmap memo;         /* loop search: node -> $ref depth */

	json_t *errors;
	size_t max_errors, nerrors;
	int record;               /* 0 inside anyOf/oneOf/not, or no room */
	struct seg path[JSCHEMA_MAX_DEPTH];
	size_t depth;
	int refs_here;            /* $ref followed since the last descent */
	int frames;
	struct buf msg;
};

static void ctx_init(struct jctx *c, const json_t *root)
{
	memset(c, 0, sizeof(*c));
	c->root = root;
	buf_init(&c->msg, 1 << 20);
}

static void ctx_release(struct jctx *c)
{
	for (size_t i = 0; i < c->nre; i++)
		regfree(&c->re[i].re);
	free(c->re);
	for (size_t i = 0; i < c->nrefs; i++) {
		free(c->refs[i].where);
		free(c->refs[i].target_ptr);
	}
	free(c->refs);
	pmap_release(&c->walked);
	pmap_release(&c->refmap);
	pmap_release(&c->memo);
	buf_release(&c->msg);
	if (c->cloc)
		freelocale(c->cloc);
}

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* ---- small helpers on JSON values and text ---- */

static const char *kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int is_integral(double d)
{
	if (!isfinite(d))
		return 0;
	if (d >= 4503599627370496.0 || d <= -4503599627370496.0)
		return 1;     /* from 2^52 on every double is a whole number */
	return (double)(long long)d == d;
}

static double num_value(const json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

/* An integral real within range of json_int_t, as one. */
static int real_as_int(double d, json_int_t *out)
{
	if (!is_integral(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return 0;
	*out = (json_int_t)d;
	return 1;
}

/* Compare two numbers by value: -1, 0 or 1. */
static int num_cmp(const json_t *a, const json_t *b)
{
	json_int_t x, y;
	double p, q;

	if (json_is_integer(a) && json_is_integer(b)) {
		x = json_integer_value(a);
		y = json_integer_value(b);
		return (x > y) - (x < y);
	}
	if (json_is_integer(a) && real_as_int(json_real_value(b), &y)) {
		x = json_integer_value(a);
		return (x > y) - (x < y);
	}
	if (json_is_integer(b) && real_as_int(json_real_value(a), &x)) {
		y = json_integer_value(b);
		return (x > y) - (x < y);
	}
	p = num_value(a);
	q = num_value(b);
	return (p > q) - (p < q);
}

/* Deep equality as JSON Schema means it: 1 and 1.0 are the same number. */
static int json_same(const json_t *a, const json_t *b)
{
	size_t n;

	if (json_is_number(a) && json_is_number(b))
		return num_cmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		n = json_string_length(a);
		return n == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), n);
	case JSON_ARRAY:
		n = json_array_size(a);
		if (n != json_array_size(b))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!json_same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		for (void *it = json_object_iter((json_t *)a); it;
		     it = json_object_iter_next((json_t *)a, it)) {
			const json_t *o = json_object_getn(b, json_object_iter_key(it),
							   json_object_iter_key_len(it));

			if (!o || !json_same(json_object_iter_value(it), o))
				return 0;
		}
		return 1;
	default:
		return 1;
	}
}

/* A count keyword's value: a non-negative integer (2.0 counts). */
static int get_count(const json_t *v, size_t *out)
{
	double d;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (size_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (!is_integral(d) || d < 0)
		return -1;
	*out = d >= 18446744073709551615.0 ? SIZE_MAX : (size_t)d;
	return 0;
}

static void fmt_number(char *out, size_t n, const json_t *v)
{
	double d;

	if (json_is_integer(v)) {
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	d = json_real_value(v);
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* The largest n <= max that does not split a UTF-8 sequence of s. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (max >= len)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * Append up to *budget bytes of s to out between quote characters,
 * escaping the quote, backslash and control characters; a cut is shown
 * by "..." before the closing quote. The bytes taken leave the budget.
 */
static int add_quoted(struct buf *out, const char *s, size_t len, char quote,
		      size_t *budget)
{
	size_t n = utf8_cut(s, len, *budget);
	int rc = buf_addch(out, quote);

	*budget -= n;
	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == (unsigned char)quote || ch == '\\')
			rc = buf_addf(out, "\\%c", ch);
		else if (ch == '\n')
			rc = buf_addstr(out, "\\n");
		else if (ch == '\t')
			rc = buf_addstr(out, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			rc = buf_addf(out, "\\u%04x", ch);
		else
			rc = buf_addch(out, (char)ch);
	}
	if (!rc && n < len)
		rc = buf_addstr(out, "...");
	return rc ? rc : buf_addch(out, quote);
}

/*
 * Show a value in a message. From the instance (instance != 0), objects
 * and arrays are only named; from the schema, they are written as JSON.
 * Either way, at most *budget bytes of text are shown.
 */
static int add_value(struct buf *out, const json_t *v, int instance, size_t *budget)
{
	char num[40];
	char *text;
	size_t n;
	int rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return add_quoted(out, json_string_value(v), json_string_length(v),
				  '"', budget);
	case JSON_INTEGER:
	case JSON_REAL:
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		if (json_is_number(v))
			fmt_number(num, sizeof(num), v);
		else
			snprintf(num, sizeof(num), "%s", json_is_null(v) ? "null" :
				 json_is_true(v) ? "true" : "false");
		n = utf8_cut(num, strlen(num), *budget);
		*budget -= n;
		rc = buf_add(out, num, n);
		return rc || n == strlen(num) ? rc : buf_addstr(out, "...");
	default:
		if (instance)
			return buf_addstr(out, kind_name(v));
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text)
			return oom();
		n = utf8_cut(text, strlen(text), *budget);
		*budget -= n;
		rc = buf_add(out, text, n);
		if (!rc && text[n])
			rc = buf_addstr(out, "...");
		free(text);
		return rc;
	}
}

/* Append a JSON Pointer token: "~" as "~0", "/" as "~1" (RFC 6901). */
static int add_token(struct buf *out, const char *s, size_t len)
{
	int rc = buf_addch(out, '/');

	for (size_t i = 0; i < len && !rc; i++) {
		if (s[i] == '~')
			rc = buf_addstr(out, "~0");
		else if (s[i] == '/')
			rc = buf_addstr(out, "~1");
		else
			rc = buf_addch(out, s[i]);
	}
	return rc;
}

static void buf_trunc(struct buf *b, size_t len)
{
	b->len = len;
	if (b->p)
		b->p[len] = '\0';
}

/* ---- $ref: local JSON Pointers into the root schema ---- */


/* ---- pattern: ECMA-262 style expressions run as POSIX EREs ---- */

/* Any character of two or more UTF-8 bytes. */
#define UTF8_MULTI "[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf][\x80-\xbf]|" \
	"[\xf0-\xf4][\x80-\xbf][\x80-\xbf][\x80-\xbf]"

struct cset {
	unsigned char bits[32];
};

static void cs_add(struct cset *s, unsigned lo, unsigned hi)
{
	for (unsigned ch = lo; ch <= hi; ch++)
		s->bits[ch >> 3] |= (unsigned char)(1u << (ch & 7));
}

static int cs_has(const struct cset *s, unsigned ch)
{
	return ch < 256 && (s->bits[ch >> 3] >> (ch & 7)) & 1;
}

static void cs_class(struct cset *s, int k)
{
	if (k == 'd' || k == 'w')
		cs_add(s, '0', '9');
	if (k == 'w') {
		cs_add(s, 'A', 'Z');
		cs_add(s, 'a', 'z');
		cs_add(s, '_', '_');
	}
	if (k == 's') {
		cs_add(s, '\t', '\r');
		cs_add(s, ' ', ' ');
	}
}

static int cs_special(unsigned ch)
{
	return ch == ']' || ch == '^' || ch == '-' || ch == '[';
}

/*
 * Write s as a POSIX bracket expression. Inside one a backslash is an
 * ordinary character, "]" must come first, "-" last, "^" anywhere but
 * first and "[" where it cannot start "[:", so those are placed apart.
 */
static int emit_cset(struct buf *out, const struct cset *s, int negate)
{
	int others = 0, rc;

	for (unsigned ch = 1; ch < 256; ch++)
		if (cs_has(s, ch) && ch != '^' && ch != '-')
			others = 1;
	if (!negate && !others && cs_has(s, '^'))
		return buf_addstr(out, cs_has(s, '-') ? "[-^]" : "\\^");
	rc = buf_addstr(out, negate ? "[^" : "[");
	if (!rc && cs_has(s, ']'))
		rc = buf_addch(out, ']');
	for (unsigned ch = 1; ch < 256 && !rc; ch++) {
		unsigned lo = ch;

		if (!cs_has(s, ch) || cs_special(ch))
			continue;
		while (ch + 1 < 256 && cs_has(s, ch + 1) && !cs_special(ch + 1))
			ch++;
		rc = buf_addch(out, (char)lo);
		if (!rc && ch - lo >= 2)
			rc = buf_addch(out, '-');
		if (!rc && ch > lo)
			rc = buf_addch(out, (char)ch);
	}
	if (!rc && cs_has(s, '['))
		rc = buf_addch(out, '[');
	if (!rc && cs_has(s, '^'))
		rc = buf_addch(out, '^');
	if (!rc && cs_has(s, '-'))
		rc = buf_addch(out, '-');
	return rc ? rc : buf_addch(out, ']');
}

/* Any one character, ASCII or not, that is not in s (ASCII only). */
static int emit_not_in(struct buf *out, const struct cset *s)
{
	struct cset all = *s;

	cs_add(&all, 0x80, 0xff);
	if (buf_addch(out, '(') || emit_cset(out, &all, 1))
		return -1;
	return buf_addstr(out, "|" UTF8_MULTI ")");
}

static int put_utf8(struct buf *out, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(out, b, n);
}

/* A literal character outside brackets; a multi-byte one is grouped so
 * that a quantifier after it applies to all of its bytes. */
static int emit_literal(struct buf *out, unsigned long cp)
{
	if (cp >= 0x80)
		return buf_addch(out, '(') || put_utf8(out, cp) ? -1 : buf_addch(out, ')');
	if (strchr(".[]()*+?{}|^$\\", (int)cp))
		return buf_addch(out, '\\') ? -1 : buf_addch(out, (char)cp);
	return buf_addch(out, (char)cp);
}

struct retr {
	const char *p, *end;
	struct buf *out;
	const char *why;
};

static unsigned long decode_utf8(struct retr *t)
{
	unsigned char b = (unsigned char)*t->p++;
	int more = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
	unsigned long cp = more ? b & (0x3f >> more) : b;

	while (more-- > 0 && t->p < t->end)
		cp = cp << 6 | ((unsigned char)*t->p++ & 0x3f);
	return cp;
}

static int hex_digits(struct retr *t, int n, unsigned long *cp)
{
	*cp = 0;
	for (int i = 0; i < n; i++) {
		int h = t->p + i < t->end ? hex_value(t->p[i]) : -1;

		if (h < 0)
			return -1;
		*cp = *cp * 16 + (unsigned long)h;
	}
	t->p += n;
	return 0;
}

/* After "\x" or "\u": the code point, surrogate pairs joined. */
static int hex_escape(struct retr *t, int kind, unsigned long *cp)
{
	unsigned long lo;

	if (hex_digits(t, kind == 'x' ? 2 : 4, cp)) {
		t->why = kind == 'x' ? "\\x needs two hex digits" :
			"\\u needs four hex digits";
		return -1;
	}
	if (*cp >= 0xd800 && *cp < 0xdc00 && t->end - t->p >= 6 &&
	    t->p[0] == '\\' && t->p[1] == 'u') {
		t->p += 2;
		if (hex_digits(t, 4, &lo) || lo < 0xdc00 || lo > 0xdfff) {
			t->why = "has a lone surrogate \\u escape";
			return -1;
		}
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (*cp >= 0xd800 && *cp < 0xe000) {
		t->why = "has a lone surrogate \\u escape";
		return -1;
	}
	if (*cp == 0) {
		t->why = "cannot match a NUL character";
		return -1;
	}
	return 0;
}

/*
 * The escapes shared by both contexts, after the backslash: a code point
 * in *cp, or a class letter d, w or s in *cls (D, W, S: upper case).
 */
static int escape_atom(struct retr *t, unsigned long *cp, int *cls)
{
	int e;

	*cls = 0;
	if (t->p >= t->end) {
		t->why = "ends with a backslash";
		return -1;
	}
	e = (unsigned char)*t->p;
	if ((unsigned char)e >= 0x80) {
		*cp = decode_utf8(t);
		return 0;
	}
	t->p++;
	switch (e) {
	case 'd': case 'w': case 's':
	case 'D': case 'W': case 'S':
		*cls = e;
		return 0;
	case 'n': *cp = '\n'; return 0;
	case 't': *cp = '\t'; return 0;
	case 'r': *cp = '\r'; return 0;
	case 'f': *cp = '\f'; return 0;
	case 'v': *cp = '\v'; return 0;
	case 'x': case 'u':
		return hex_escape(t, e, cp);
	case 'b': case 'B':
		t->why = "uses \\b or \\B (word boundaries), which are not supported";
		return -1;
	case '0':
		t->why = "cannot match a NUL character";
		return -1;
	case 'c': case 'k': case 'p': case 'P':
		t->why = "uses \\c, \\k, \\p or \\P, which are not supported";
		return -1;
	}
	if (e >= '1' && e <= '9') {
		t->why = "uses a backreference, which is not supported";
		return -1;
	}
	if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
		t->why = "has an unknown escape";
		return -1;
	}
	*cp = (unsigned long)e;
	return 0;
}

/* One member of a bracket: a code point, or a class in *cls. */
static int class_atom(struct retr *t, unsigned long *cp, int *cls)
{
	*cls = 0;
	if (*t->p == '\\') {
		t->p++;
		if (t->p < t->end && *t->p == 'b') {
			t->p++;
			*cp = '\b';
			return 0;
		}
		if (escape_atom(t, cp, cls))
			return -1;
		if (*cls >= 'A' && *cls <= 'Z') {
			t->why = "uses \\D, \\W or \\S inside [...], which is not supported";
			return -1;
		}
		return 0;
	}
	*cp = decode_utf8(t);
	return 0;
}

static int cs_empty(const struct cset *s)
{
	for (size_t i = 0; i < sizeof(s->bits); i++)
		if (s->bits[i])
			return 0;
	return 1;
}

/* One member or range of a bracket expression, added to set or multi. */
static int class_item(struct retr *t, struct cset *set, struct buf *multi, int negate)
{
	unsigned long lo, hi;
	int cls, cls2;

	if (class_atom(t, &lo, &cls))
		return -1;
	if (cls) {
		cs_class(set, cls);
		return 0;
	}
	if (t->end - t->p < 2 || t->p[0] != '-' || t->p[1] == ']') {
		if (lo < 0x80) {
			cs_add(set, (unsigned)lo, (unsigned)lo);
			return 0;
		}
		if (negate) {
			t->why = "has a non-ASCII character in a negated class, which is not supported";
			return -1;
		}
		return buf_addch(multi, '|') || put_utf8(multi, lo) ? -1 : 0;
	}
	t->p++;
	if (class_atom(t, &hi, &cls2))
		return -1;
	if (cls2)
		t->why = "has a range ending in a class escape";
	else if (lo >= 0x80 || hi >= 0x80)
		t->why = "has a range of non-ASCII characters, which is not supported";
	else if (lo > hi)
		t->why = "has a range out of order";
	else
		cs_add(set, (unsigned)lo, (unsigned)hi);
	return t->why ? -1 : 0;
}

/*
 * After "[": a bracket expression. ASCII members make a POSIX bracket;
 * other characters become alternatives next to it, since a bracket in
 * the C locale holds single bytes.
 */
static int tr_class(struct retr *t)
{
	struct cset set = { { 0 } };
	struct buf multi = BUF_INIT;
	int negate = 0, rc;

	if (t->p < t->end && *t->p == '^') {
		negate = 1;
		t->p++;
	}
	if (t->p < t->end && *t->p == ']' && !negate) {
		t->why = "has an empty class [], which is not supported";
		return -1;
	}
	while (t->p < t->end && *t->p != ']') {
		if (class_item(t, &set, &multi, negate)) {
			buf_release(&multi);
			return -1;
		}
	}
	if (t->p >= t->end) {
		buf_release(&multi);
		t->why = "has an unterminated [";
		return -1;
	}
	t->p++;
	if (negate)
		rc = emit_not_in(t->out, &set);
	else if (!multi.len)
		rc = emit_cset(t->out, &set, 0);
	else if (cs_empty(&set))
		rc = buf_addch(t->out, '(') || buf_add(t->out, multi.p + 1, multi.len - 1) ?
			-1 : buf_addch(t->out, ')');
	else
		rc = buf_addch(t->out, '(') || emit_cset(t->out, &set, 0) ||
			buf_add(t->out, multi.p, multi.len) ? -1 : buf_addch(t->out, ')');
	buf_release(&multi);
	return rc;
}

/* After "\" outside brackets. */
static int tr_escape(struct retr *t)
{
	struct cset set = { { 0 } };
	unsigned long cp;
	int cls;

	if (escape_atom(t, &cp, &cls))
		return -1;
	if (!cls)
		return emit_literal(t->out, cp);
	cs_class(&set, cls | 0x20);
	if (cls >= 'A' && cls <= 'Z')
		return emit_not_in(t->out, &set);
	return emit_cset(t->out, &set, 0);
}

/* After "(": a group; (?:...) and (?<name>...) become plain groups. */
static int tr_group(struct retr *t)
{
	if (t->p < t->end && *t->p == '?') {
		if (t->end - t->p >= 2 && t->p[1] == ':') {
			t->p += 2;
		} else if (t->end - t->p >= 3 && t->p[1] == '<' &&
			   t->p[2] != '=' && t->p[2] != '!') {
			const char *close = memchr(t->p, '>', (size_t)(t->end - t->p));

			if (!close) {
				t->why = "has an unterminated group name";
				return -1;
			}
			t->p = close + 1;
		} else {
			t->why = "uses lookaround or another (?...) group, which is not supported";
			return -1;
		}
	}
	return buf_addch(t->out, '(');
}

/* At "{": a quantifier {n}, {n,} or {n,m} is kept, anything else is
 * a literal brace as in ECMA-262. */
static int tr_brace(struct retr *t)
{
	const char *q = t->p + 1;
	size_t digits = 0;

	while (q < t->end && *q >= '0' && *q <= '9')
		q++, digits++;
	if (digits && q < t->end && *q == ',') {
		q++;
		while (q < t->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (!digits || q >= t->end || *q != '}') {
		t->p++;
		return buf_addstr(t->out, "\\{");
	}
	q++;
	if (buf_add(t->out, t->p, (size_t)(q - t->p)))
		return -1;
	t->p = q;
	if (t->p < t->end && *t->p == '?')
		t->p++;    /* lazy or greedy: the same yes or no */
	return 0;
}

/*
 * Translate the ECMA-262 style pattern to a POSIX ERE in out. Returns 0,
 * or -1 with *why set (out of memory included).
 */
static int re_translate(const char *pat, size_t len, struct buf *out, const char **why)
{
	struct retr t = { pat, pat + len, out, NULL };
	struct cset nl = { { 0 } };
	int rc = 0;

	cs_add(&nl, '\n', '\n');
	cs_add(&nl, '\r', '\r');
	while (!rc && t.p < t.end) {
		unsigned char ch = (unsigned char)*t.p;

		if (ch == '{') {
			rc = tr_brace(&t);
			continue;
		}
		if (ch >= 0x80) {
			rc = emit_literal(out, decode_utf8(&t));
			continue;
		}
		t.p++;
		switch (ch) {
		case '\\': rc = tr_escape(&t); break;
		case '[': rc = tr_class(&t); break;
		case '(': rc = tr_group(&t); break;
		case '.': rc = emit_not_in(out, &nl); break;
		case '}': rc = buf_addstr(out, "\\}"); break;
		case ']': rc = buf_addstr(out, "\\]"); break;
		case '*': case '+': case '?':
			rc = buf_addch(out, (char)ch);
			if (t.p < t.end && *t.p == '?')
				t.p++;
			break;
		default:
			rc = buf_addch(out, (char)ch);
		}
	}
	*why = t.why ? t.why : "cannot be translated: out of memory";
	return rc ? -1 : 0;
}

/* Run code under the C locale, where the expressions work on bytes. */
static locale_t enter_c_locale(struct jctx *c)
{
	if (!c->cloc)
		c->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return c->cloc ? uselocale(c->cloc) : (locale_t)0;
}

static void leave_c_locale(locale_t old)
{
	if (old)
		uselocale(old);
}

static const regex_t *find_regex(const struct jctx *c, const json_t *pattern)
{
	for (size_t i = 0; i < c->nre; i++)
		if (c->re[i].pattern == pattern)
			return &c->re[i].re;
	return NULL;
}

/* ---- the check pass ---- */

static const char *show_ptr(const struct buf *ptr)
{
	return ptr->len ? ptr->p : "/";
}

static int check_fail(const struct buf *ptr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int check_fail(const struct buf *ptr, const char *fmt, ...)
{
	char why[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return ak_error(AK_EXIT_DATAERR, "schema %s: %s", show_ptr(ptr), why);
}

static int compile_pattern(struct jctx *c, const json_t *v, const struct buf *ptr)
{
	struct buf ere = BUF_INIT;
	const char *why;
	locale_t old;
	char msg[160];
	int rc;

	if (!json_is_string(v))
		return check_fail(ptr, "must be a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return check_fail(ptr, "pattern cannot match a NUL character");
	if (find_regex(c, v))
		return 0;
	if (c->nre == c->are) {
		size_t n = c->are ? c->are * 2 : 8;
		struct compiled *p = realloc(c->re, n * sizeof(*p));

		if (!p)
			return oom();
		c->re = p;
		c->are = n;
	}
	buf_init(&ere, 1 << 20);
	if (re_translate(json_string_value(v), json_string_length(v), &ere, &why)) {
		buf_release(&ere);
		return check_fail(ptr, "pattern '%s' %s", json_string_value(v), why);
	}
	old = enter_c_locale(c);
	rc = regcomp(&c->re[c->nre].re, ere.p ? ere.p : "", REG_EXTENDED | REG_NOSUB);
	leave_c_locale(old);
	buf_release(&ere);
	if (rc) {
		regerror(rc, &c->re[c->nre].re, msg, sizeof(msg));
		regfree(&c->re[c->nre].re);
		return check_fail(ptr, "pattern '%s' does not compile: %s",
				  json_string_value(v), msg);
	}
	c->re[c->nre++].pattern = v;
	return 0;
}

static int check_ref(struct jctx *c, const json_t *s, const json_t *v,
		     const struct buf *ptr)
{
	struct buf target = BUF_INIT;
	struct refsite *site;
	const json_t *t;
	const char *why;

	if (!json_is_string(v))
		return check_fail(ptr, "must be a string");
	buf_init(&target, 1 << 20);
	t = jpointer_ref(c->root, json_string_value(v), &target, &why);
	if (!t) {
		buf_release(&target);
		return check_fail(ptr, "'%s' %s", json_string_value(v), why);
	}
	if (!json_is_object(t) && !json_is_boolean(t)) {
		buf_release(&target);
		return check_fail(ptr, "'%s' points at %s, not a schema",
				  json_string_value(v), kind_name(t));
	}
	if (c->nrefs == c->arefs) {
		size_t n = c->arefs ? c->arefs * 2 : 8;
		struct refsite *p = realloc(c->refs, n * sizeof(*p));

		if (!p)
			goto nomem;
		c->refs = p;
		c->arefs = n;
	}
	site = &c->refs[c->nrefs];
	site->node = s;
	site->target = t;
	site->target_ptr = buf_detach(&target, NULL);
	site->where = strdup(show_ptr(ptr));
	if (!site->where) {
		free(site->target_ptr);
		return oom();
	}
	c->nrefs++;
	return pmap_put(&c->refmap, s, (int)(c->nrefs - 1));
nomem:
	buf_release(&target);
	return oom();
}

static const char *const type_names[] = {
	"null", "boolean", "object", "array", "number", "integer", "string",
};

static int known_type(const json_t *v)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(*type_names); i++)
		if (json_is_string(v) && !strcmp(json_string_value(v), type_names[i]))
			return 1;
	return 0;
}

static int check_type(const json_t *v, struct buf *ptr)
{
	size_t n = json_array_size(v), at = ptr->len;

	if (json_is_string(v))
		return known_type(v) ? 0 : check_fail(ptr, "unknown type '%s'",
							 json_string_value(v));
	if (!json_is_array(v) || !n)
		return check_fail(ptr, "must be a type name or a non-empty array of them");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);

		if (buf_addf(ptr, "/%zu", i))
			return oom();
		if (!json_is_string(e))
			return check_fail(ptr, "a type name must be a string");
		if (!known_type(e))
			return check_fail(ptr, "unknown type '%s'", json_string_value(e));
		for (size_t j = 0; j < i; j++)
			if (json_same(json_array_get(v, j), e))
				return check_fail(ptr, "duplicate type '%s'", json_string_value(e));
		buf_trunc(ptr, at);
	}
	return 0;
}

static int check_required(const json_t *v, struct buf *ptr)
{
	size_t n = json_array_size(v), at = ptr->len;

	if (!json_is_array(v))
		return check_fail(ptr, "must be an array of property names");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(v, i);

		if (buf_addf(ptr, "/%zu", i))
			return oom();
		if (!json_is_string(e))
			return check_fail(ptr, "a property name must be a string");
		for (size_t j = 0; j < i; j++)
			if (json_same(json_array_get(v, j), e))
				return check_fail(ptr, "duplicate property name '%s'",
						  json_string_value(e));
		buf_trunc(ptr, at);
	}
	return 0;
}

enum kw_form {
	K_TYPE, K_ENUM, K_ANY, K_SCHEMA, K_MAP, K_LIST, K_ITEMS, K_COUNT,
	K_NUMBER, K_POSITIVE, K_BOOL, K_REQUIRED, K_PATTERN, K_REF, K_NO,
};

static const struct {
	const char *name;
	enum kw_form form;
} keywords[] = {
	{ "type", K_TYPE }, { "enum", K_ENUM }, { "const", K_ANY },
	{ "properties", K_MAP }, { "$defs", K_MAP }, { "definitions", K_MAP },
	{ "required", K_REQUIRED }, { "additionalProperties", K_SCHEMA },
	{ "minProperties", K_COUNT }, { "maxProperties", K_COUNT },
	{ "items", K_ITEMS }, { "prefixItems", K_LIST },
	{ "minItems", K_COUNT }, { "maxItems", K_COUNT }, { "uniqueItems", K_BOOL },
	{ "minLength", K_COUNT }, { "maxLength", K_COUNT }, { "pattern", K_PATTERN },
	{ "minimum", K_NUMBER }, { "maximum", K_NUMBER },
	{ "exclusiveMinimum", K_NUMBER }, { "exclusiveMaximum", K_NUMBER },
	{ "multipleOf", K_POSITIVE },
	{ "allOf", K_LIST }, { "anyOf", K_LIST }, { "oneOf", K_LIST },
	{ "not", K_SCHEMA }, { "$ref", K_REF },
	/* They would change the verdict; skipping them would give a wrong one. */
	{ "patternProperties", K_NO }, { "propertyNames", K_NO },
	{ "dependentRequired", K_NO }, { "dependentSchemas", K_NO },
	{ "dependencies", K_NO }, { "contains", K_NO }, { "minContains", K_NO },
	{ "maxContains", K_NO }, { "if", K_NO }, { "then", K_NO }, { "else", K_NO },
	{ "unevaluatedProperties", K_NO }, { "unevaluatedItems", K_NO },
	{ "additionalItems", K_NO }, { "$dynamicRef", K_NO }, { "$recursiveRef", K_NO },
};

static int check_schema(struct jctx *c, const json_t *s, struct buf *ptr, int level);

static int check_map(struct jctx *c, const json_t *v, struct buf *ptr, int level)
{
	size_t at = ptr->len;
	int rc;

	if (!json_is_object(v))
		return check_fail(ptr, "must be an object of schemas");
	for (void *it = json_object_iter((json_t *)v); it;
	     it = json_object_iter_next((json_t *)v, it)) {
		if (add_token(ptr, json_object_iter_key(it), json_object_iter_key_len(it)))
			return oom();
		rc = check_schema(c, json_object_iter_value(it), ptr, level + 1);
		if (rc)
			return rc;
		buf_trunc(ptr, at);
	}
	return 0;
}

static int check_list(struct jctx *c, const json_t *v, struct buf *ptr, int level)
{
	size_t at = ptr->len;
	int rc;

	if (!json_is_array(v) || !json_array_size(v))
		return check_fail(ptr, "must be a non-empty array of schemas");
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (buf_addf(ptr, "/%zu", i))
			return oom();
		rc = check_schema(c, json_array_get(v, i), ptr, level + 1);
		if (rc)
			return rc;
		buf_trunc(ptr, at);
	}
	return 0;
}

static int check_keyword(struct jctx *c, const json_t *s, const char *key,
			 size_t klen, const json_t *v, struct buf *ptr, int level)
{
	size_t i, n;

	for (i = 0; i < sizeof(keywords) / sizeof(*keywords); i++)
		if (strlen(keywords[i].name) == klen && !memcmp(keywords[i].name, key, klen))
			break;
	if (i == sizeof(keywords) / sizeof(*keywords))
		return 0;    /* an annotation or unknown keyword: no effect */
	switch (keywords[i].form) {
	case K_TYPE: return check_type(v, ptr);
	case K_ENUM:
		return json_is_array(v) ? 0 : check_fail(ptr, "must be an array");
	case K_ANY: return 0;
	case K_SCHEMA: return check_schema(c, v, ptr, level + 1);
	case K_MAP: return check_map(c, v, ptr, level);
	case K_LIST: return check_list(c, v, ptr, level);
	case K_ITEMS:
		if (json_is_array(v))
			return check_fail(ptr, "must be a schema; for a tuple use 'prefixItems'");
		return check_schema(c, v, ptr, level + 1);
	case K_COUNT:
		return get_count(v, &n) ? check_fail(ptr, "must be a non-negative integer") : 0;
	case K_NUMBER:
		if (json_is_boolean(v))
			return check_fail(ptr, "must be a number (the boolean form is not supported)");
		return json_is_number(v) ? 0 : check_fail(ptr, "must be a number");
	case K_POSITIVE:
		return json_is_number(v) && num_value(v) > 0 ? 0 :
			check_fail(ptr, "must be a number greater than 0");
	case K_BOOL:
		return json_is_boolean(v) ? 0 : check_fail(ptr, "must be true or false");
	case K_REQUIRED: return check_required(v, ptr);
	case K_PATTERN: return compile_pattern(c, v, ptr);
	case K_REF: return check_ref(c, s, v, ptr);
	case K_NO:
		return check_fail(ptr, "keyword '%s' is not supported", keywords[i].name);
	}
	return 0;
}

static int check_schema(struct jctx *c, const json_t *s, struct buf *ptr, int level)
{
	size_t at = ptr->len;
	int rc;

	if (json_is_boolean(s))
		return 0;
	if (!json_is_object(s))
		return check_fail(ptr, "a schema must be an object or a boolean, not %s",
				  kind_name(s));
	if (level > MAX_SCHEMA_NESTING)
		return check_fail(ptr, "schemas nested deeper than %d levels", MAX_SCHEMA_NESTING);
	if (pmap_get(&c->walked, s, NULL))
		return 0;
	if (pmap_put(&c->walked, s, 1))
		return -1;
	for (void *it = json_object_iter((json_t *)s); it;
	     it = json_object_iter_next((json_t *)s, it)) {
		const char *key = json_object_iter_key(it);
		size_t klen = json_object_iter_key_len(it);

		if (add_token(ptr, key, klen))
			return oom();
		rc = check_keyword(c, s, key, klen, json_object_iter_value(it), ptr, level);
		if (rc)
			return rc;
		buf_trunc(ptr, at);
	}
	return 0;
}

/*
 * The most $ref steps a chain of in-place subschemas (allOf, anyOf,
 * oneOf, not, $ref) starting at s can take before the instance must be
 * descended into: DEPTH_LOOP when it can come back to a schema on the
 * way, -1 when out of memory.
 */
static int inplace_depth(struct jctx *c, const json_t *s, int frames)
{
	static const char *const lists[] = { "allOf", "anyOf", "oneOf" };
	int d = 0, sub, idx;

	if (!json_is_object(s))
		return 0;
	if (pmap_get(&c->memo, s, &sub))
		return sub == DEPTH_BUSY ? DEPTH_LOOP : sub;
	if (frames > MAX_FRAMES)
		return JSCHEMA_MAX_REF_DEPTH + 1;
	if (pmap_put(&c->memo, s, DEPTH_BUSY))
		return -1;
	for (size_t l = 0; l < 3 && d != DEPTH_LOOP; l++) {
		const json_t *arr = json_object_get(s, lists[l]);

		for (size_t i = 0; i < json_array_size(arr) && d != DEPTH_LOOP; i++) {
			sub = inplace_depth(c, json_array_get(arr, i), frames + 1);
			if (sub < 0)
				return -1;
			d = sub > d ? sub : d;
		}
	}
	if (d != DEPTH_LOOP && json_object_get(s, "not")) {
		sub = inplace_depth(c, json_object_get(s, "not"), frames + 1);
		if (sub < 0)
			return -1;
		d = sub > d ? sub : d;
	}
	if (d != DEPTH_LOOP && pmap_get(&c->refmap, s, &idx)) {
		sub = inplace_depth(c, c->refs[idx].target, frames + 1);
		if (sub < 0)
			return -1;
		if (sub != DEPTH_LOOP)
			sub = sub > JSCHEMA_MAX_REF_DEPTH ? sub : sub + 1;
		d = sub > d ? sub : d;
	}
	if (pmap_put(&c->memo, s, d))
		return -1;
	return d;
}

static int check_all(struct jctx *c)
{
	struct buf ptr = BUF_INIT;
	int rc, d;

	buf_init(&ptr, 1 << 20);
	rc = check_schema(c, c->root, &ptr, 0);
	/* Targets outside the places schemas usually live are checked too;
	 * checking them may find more $refs, so the list grows as we go. */
	for (size_t i = 0; !rc && i < c->nrefs; i++) {
		if (pmap_get(&c->walked, c->refs[i].target, NULL))
			continue;
		buf_reset(&ptr);
		if (buf_addstr(&ptr, c->refs[i].target_ptr))
			rc = oom();
		else
			rc = check_schema(c, c->refs[i].target, &ptr, 0);
	}
	buf_release(&ptr);
	for (size_t i = 0; !rc && i < c->nrefs; i++) {
		d = inplace_depth(c, c->refs[i].node, 0);
		if (d < 0)
			rc = -1;
		else if (d == DEPTH_LOOP)
			rc = ak_error(AK_EXIT_DATAERR, "schema %s: $ref '#%s' leads into "
				      "a $ref loop that never descends into the instance",
				      c->refs[i].where, c->refs[i].target_ptr);
		else if (d > JSCHEMA_MAX_REF_DEPTH)
			rc = ak_error(AK_EXIT_DATAERR, "schema %s: $ref '#%s' starts a chain "
				      "of more than %d $refs without descending into the instance",
				      c->refs[i].where, c->refs[i].target_ptr, JSCHEMA_MAX_REF_DEPTH);
	}
	return rc;
}

/* ---- the apply pass ---- */

/* Whether failures are still turned into messages. */
static int recording(const struct jctx *c)
{
	return c->record && c->nerrors < c->max_errors;
}

static int add_pointer(struct jctx *c, size_t *budget)
{
	struct buf *m = &c->msg;
	int rc = 0;

	if (!c->depth)
		return buf_addch(m, '/');
	for (size_t i = 0; i < c->depth && !rc; i++) {
		const struct seg *g = &c->path[i];
		size_t n;

		if (g->kind == SEG_INDEX) {
			rc = buf_addf(m, "/%zu", g->index);
			continue;
		}
		n = g->kind == SEG_FREE ? utf8_cut(g->key, g->len, *budget) : g->len;
		if (g->kind == SEG_FREE)
			*budget -= n;
		rc = add_token(m, g->key, n);
		if (!rc && n < g->len)
			rc = buf_addstr(m, "...");
	}
	return rc;
}

/*
 * Record a failure at the current instance position: "POINTER: " and
 * the formatted text, then, when echo is given, the instance value
 * (or, with key, a property name in single quotes), cut to what is
 * left of the echo budget. Returns 1, or -1 when out of memory.
 */
static int fail(struct jctx *c, const json_t *echo, const char *key, size_t klen,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(struct jctx *c, const json_t *echo, const char *key, size_t klen,
		const char *fmt, ...)
{
	size_t budget = JSCHEMA_MAX_ECHO;
	char line[1024];
	json_t *s;
	va_list ap;
	int rc, n;

	if (!recording(c))
		return 1;
	buf_reset(&c->msg);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = n < 0 ? 0 : utf8_cut(line, strlen(line), (size_t)n);
	rc = add_pointer(c, &budget) || buf_addstr(&c->msg, ": ") ||
		buf_add(&c->msg, line, n);
	if (!rc && key)
		rc = add_quoted(&c->msg, key, klen, '\'', &budget);
	else if (!rc && echo)
		rc = add_value(&c->msg, echo, 1, &budget);
	if (rc)
		return -1;
	s = json_stringn(c->msg.p, c->msg.len);
	if (!s || json_array_append_new(c->errors, s))
		return oom();
	c->nerrors++;
	return 1;
}

static int apply(struct jctx *c, const json_t *s, const json_t *inst);

/* Apply s to a member or element: one level down the pointer. */
static int descend(struct jctx *c, struct seg g, const json_t *s, const json_t *inst)
{
	int saved = c->refs_here, rc;

	if (json_is_true(s))
		return 0;
	if (c->depth >= JSCHEMA_MAX_DEPTH)
		return fail(c, NULL, NULL, 0, "nested deeper than %d levels", JSCHEMA_MAX_DEPTH);
	c->path[c->depth++] = g;
	c->refs_here = 0;
	rc = apply(c, s, inst);
	c->refs_here = saved;
	c->depth--;
	return rc;
}

static int type_matches(const char *name, const json_t *v)
{
	switch (name[0]) {
	case 'n':
		if (!strcmp(name, "null"))
			return json_is_null(v);
		return json_is_number(v);
	case 'b': return json_is_boolean(v);
	case 'o': return json_is_object(v);
	case 'a': return json_is_array(v);
	case 's': return json_is_string(v);
	case 'i':
		return json_is_integer(v) ||
		       (json_is_real(v) && is_integral(json_real_value(v)));
	}
	return 0;
}

static const char *type_phrase(const char *name)
{
	static const char *const phrase[] = {
		"null", "a boolean", "an object", "an array", "a number",
		"an integer", "a string",
	};

	for (size_t i = 0; i < sizeof(type_names) / sizeof(*type_names); i++)
		if (!strcmp(name, type_names[i]))
			return phrase[i];
	return name;
}

static int kw_type(struct jctx *c, const json_t *s, const json_t *inst)
{
	const json_t *t = json_object_get(s, "type");
	char want[160];
	size_t n, len = 0;

	if (!t)
		return 0;
	if (json_is_string(t)) {
		if (type_matches(json_string_value(t), inst))
			return 0;
		return fail(c, NULL, NULL, 0, "expected %s, got %s",
			    type_phrase(json_string_value(t)), kind_name(inst));
	}
	n = json_array_size(t);
	for (size_t i = 0; i < n; i++)
		if (type_matches(json_string_value(json_array_get(t, i)), inst))
			return 0;
	want[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(want); i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s",
					!i ? "" : i + 1 < n ? ", " : " or ",
					type_phrase(json_string_value(json_array_get(t, i))));
	return fail(c, NULL, NULL, 0, "expected %s, got %s", want, kind_name(inst));
}

/* "expected one of "a", "b", got " for enum, "expected "a", got " for const. */
static int kw_enum_const(struct jctx *c, const json_t *s, const json_t *inst)
{
	const json_t *e = json_object_get(s, "enum"), *k = json_object_get(s, "const");
	struct buf list = BUF_INIT;
	size_t budget = MAX_QUOTE, n = json_array_size(e), i;
	int rc = 0;

	for (i = 0; i < n; i++)
		if (json_same(json_array_get(e, i), inst))
			break;
	if (e && i == n) {
		if (!recording(c))
			return 1;
		buf_init(&list, 4096);
		rc = buf_addstr(&list, n == 1 ? "" : "one of ");
		for (i = 0; i < n && !rc && budget; i++)
			rc = (i ? buf_addstr(&list, ", ") : 0) ||
				add_value(&list, json_array_get(e, i), 0, &budget);
		if (!rc && i < n)
			rc = buf_addf(&list, " (%zu more)", n - i);
		if (rc)
			rc = -1;
		else if (!n)
			rc = fail(c, NULL, NULL, 0, "no value is allowed here (empty enum)");
		else
			rc = fail(c, inst, NULL, 0, "expected %s, got ", list.p);
		buf_release(&list);
		if (rc < 0 || !recording(c))
			return rc;
	}
	if (k && !json_same(k, inst)) {
		if (!recording(c))
			return 1;
		buf_init(&list, 4096);
		budget = MAX_QUOTE;
		if (add_value(&list, k, 0, &budget))
			rc = -1;
		else
			rc = fail(c, inst, NULL, 0, "expected %s, got ", list.p);
		buf_release(&list);
	}
	return rc;
}

static int is_multiple(const json_t *x, const json_t *m)
{
	double q, r;

	if (json_is_integer(x) && json_is_integer(m))
		return json_integer_value(x) % json_integer_value(m) == 0;
	q = num_value(x) / num_value(m);
	if (!isfinite(q))
		return 0;
	if (q >= 9007199254740992.0 || q <= -9007199254740992.0)
		return 1;
	r = q - (double)(long long)q;
	if (r < 0)
		r = -r;
	return r < 1e-9 || 1 - r < 1e-9;
}

static int kw_number(struct jctx *c, const json_t *s, const json_t *inst)
{
	static const struct {
		const char *name, *op;
		int bad1, bad2;       /* num_cmp(inst, limit) results that fail */
	} limits[] = {
		{ "minimum", ">=", -1, -1 }, { "maximum", "<=", 1, 1 },
		{ "exclusiveMinimum", ">", -1, 0 }, { "exclusiveMaximum", "<", 1, 0 },
	};
	const json_t *m;
	char num[40];
	int rc = 0, r;

	if (!json_is_number(inst))
		return 0;
	for (size_t i = 0; i < 4; i++) {
		const json_t *lim = json_object_get(s, limits[i].name);

		if (!lim)
			continue;
		r = num_cmp(inst, lim);
		if (r != limits[i].bad1 && r != limits[i].bad2)
			continue;
		fmt_number(num, sizeof(num), lim);
		rc = fail(c, inst, NULL, 0, "expected a number %s %s, got ", limits[i].op, num);
		if (rc < 0 || !recording(c))
			return rc;
	}
	m = json_object_get(s, "multipleOf");
	if (m && !is_multiple(inst, m)) {
		fmt_number(num, sizeof(num), m);
		rc = fail(c, inst, NULL, 0, "expected a multiple of %s, got ", num);
	}
	return rc;
}

static int kw_string(struct jctx *c, const json_t *s, const json_t *inst)
{
	const json_t *pat = json_object_get(s, "pattern");
	size_t len, chars, lim;
	const regex_t *re;
	regmatch_t m[1];
	locale_t old;
	int rc = 0, r;

	if (!json_is_string(inst))
		return 0;
	len = json_string_length(inst);
	chars = utf8_chars(json_string_value(inst), len);
	if (!get_count(json_object_get(s, "minLength"), &lim) && chars < lim) {
		rc = fail(c, NULL, NULL, 0, "expected at least %zu character%s, got %zu",
			  lim, lim == 1 ? "" : "s", chars);
		if (rc < 0 || !recording(c))
			return rc;
	}
	if (!get_count(json_object_get(s, "maxLength"), &lim) && chars > lim) {
		rc = fail(c, NULL, NULL, 0, "expected at most %zu character%s, got %zu",
			  lim, lim == 1 ? "" : "s", chars);
		if (rc < 0 || !recording(c))
			return rc;
	}
	if (!pat)
		return rc;
	re = find_regex(c, pat);
	if (!re)
		return ak_error(AK_EXIT_SOFTWARE, "pattern '%s' was not compiled",
				json_string_value(pat));
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	old = enter_c_locale(c);
	r = regexec(re, json_string_value(inst), 1, m, REG_STARTEND);
	leave_c_locale(old);
	if (r == REG_NOMATCH)
		return fail(c, inst, NULL, 0, "expected a string matching '%s', got ",
			    json_string_value(pat));
	if (r)
		return ak_error(AK_EXIT_SOFTWARE, "pattern '%s' could not be run",
				json_string_value(pat));
	return rc;
}

static int kw_array(struct jctx *c, const json_t *s, const json_t *inst)
{
	const json_t *prefix = json_object_get(s, "prefixItems");
	const json_t *items = json_object_get(s, "items");
	size_t n, lim, np = json_array_size(prefix);
	int rc = 0, r;

	if (!json_is_array(inst))
		return 0;
	n = json_array_size(inst);
	if (!get_count(json_object_get(s, "minItems"), &lim) && n < lim) {
		rc = fail(c, NULL, NULL, 0, "expected at least %zu item%s, got %zu",
			  lim, lim == 1 ? "" : "s", n);
		if (rc < 0 || !recording(c))
			return rc;
	}
	if (!get_count(json_object_get(s, "maxItems"), &lim) && n > lim) {
		rc = fail(c, NULL, NULL, 0, "expected at most %zu item%s, got %zu",
			  lim, lim == 1 ? "" : "s", n);
		if (rc < 0 || !recording(c))
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *sub = i < np ? json_array_get(prefix, i) : items;
		struct seg g = { SEG_INDEX, NULL, 0, i };

		if (!sub)
			break;
		r = descend(c, g, sub, json_array_get(inst, i));
		if (r < 0)
			return -1;
		if (r) {
			rc = 1;
			if (!recording(c))
				return 1;
		}
	}
	if (!json_is_true(json_object_get(s, "uniqueItems")))
		return rc;
	for (size_t j = 1; j < n; j++)
		for (size_t i = 0; i < j; i++)
			if (json_same(json_array_get(inst, i), json_array_get(inst, j)))
				return fail(c, NULL, NULL, 0, "expected unique items, "
					    "but items %zu and %zu are equal", i, j);
	return rc;
}

static int kw_object(struct jctx *c, const json_t *s, const json_t *inst)
{
	const json_t *props = json_object_get(s, "properties");
	const json_t *req = json_object_get(s, "required");
	const json_t *extra = json_object_get(s, "additionalProperties");
	size_t n, lim;
	int rc = 0, r;

	if (!json_is_object(inst))
		return 0;
	n = json_object_size(inst);
	if (!get_count(json_object_get(s, "minProperties"), &lim) && n < lim) {
		rc = fail(c, NULL, NULL, 0, "expected at least %zu propert%s, got %zu",
			  lim, lim == 1 ? "y" : "ies", n);
		if (rc < 0 || !recording(c))
			return rc;
	}
	if (!get_count(json_object_get(s, "maxProperties"), &lim) && n > lim) {
		rc = fail(c, NULL, NULL, 0, "expected at most %zu propert%s, got %zu",
			  lim, lim == 1 ? "y" : "ies", n);
		if (rc < 0 || !recording(c))
			return rc;
	}
	for (size_t i = 0; i < json_array_size(req); i++) {
		const json_t *name = json_array_get(req, i);
		size_t big = SIZE_MAX;
		struct buf q;

		if (json_object_getn(inst, json_string_value(name), json_string_length(name)))
			continue;
		if (!recording(c))
			return 1;
		/* The name is the schema's, not the instance's: shown whole. */
		buf_init(&q, 1 << 20);
		if (add_quoted(&q, json_string_value(name), json_string_length(name),
			       '\'', &big))
			rc = -1;
		else
			rc = fail(c, NULL, NULL, 0, "missing required property %s", q.p);
		buf_release(&q);
		if (rc < 0)
			return rc;
	}
	for (void *it = json_object_iter((json_t *)props); it;
	     it = json_object_iter_next((json_t *)props, it)) {
		const char *key = json_object_iter_key(it);
		size_t klen = json_object_iter_key_len(it);
		const json_t *v = json_object_getn(inst, key, klen);
		struct seg g = { SEG_NAME, key, klen, 0 };

		if (!v)
			continue;
		r = descend(c, g, json_object_iter_value(it), v);
		if (r < 0)
			return -1;
		if (r) {
			rc = 1;
			if (!recording(c))
				return 1;
		}
	}
	if (!extra || json_is_true(extra))
		return rc;
	for (void *it = json_object_iter((json_t *)inst); it;
	     it = json_object_iter_next((json_t *)inst, it)) {
		const char *key = json_object_iter_key(it);
		size_t klen = json_object_iter_key_len(it);
		struct seg g = { SEG_FREE, key, klen, 0 };

		if (json_object_getn(props, key, klen))
			continue;
		if (json_is_false(extra))
			r = fail(c, NULL, key, klen, "unexpected property ");
		else
			r = descend(c, g, extra, json_object_iter_value(it));
		if (r < 0)
			return -1;
		if (r) {
			rc = 1;
			if (!recording(c))
				return 1;
		}
	}
	return rc;
}

/* Apply s with messages off: 0 or 1 for the verdict, -1 on error. */
static int quietly(struct jctx *c, const json_t *s, const json_t *inst)
{
	int saved = c->record, rc;

	c->record = 0;
	rc = apply(c, s, inst);
	c->record = saved;
	return rc;
}

static int kw_logic(struct jctx *c, const json_t *s, const json_t *inst)
{
	const json_t *all = json_object_get(s, "allOf");
	const json_t *any = json_object_get(s, "anyOf");
	const json_t *one = json_object_get(s, "oneOf");
	const json_t *not = json_object_get(s, "not");
	size_t n, matched;
	int rc = 0, r = 1;

	for (size_t i = 0; i < json_array_size(all); i++) {
		r = apply(c, json_array_get(all, i), inst);
		if (r < 0)
			return -1;
		if (r) {
			rc = 1;
			if (!recording(c))
				return 1;
		}
	}
	if ((n = json_array_size(any))) {
		for (matched = 0; matched < n; matched++) {
			r = quietly(c, json_array_get(any, matched), inst);
			if (r <= 0)
				break;
		}
		if (r < 0)
			return -1;
		if (matched == n) {
			rc = fail(c, NULL, NULL, 0, "matches none of the %zu alternative%s",
				  n, n == 1 ? "" : "s");
			if (rc < 0 || !recording(c))
				return rc;
		}
	}
	if ((n = json_array_size(one))) {
		matched = 0;
		for (size_t i = 0; i < n && (matched < 2 || recording(c)); i++) {
			r = quietly(c, json_array_get(one, i), inst);
			if (r < 0)
				return -1;
			matched += !r;
		}
		if (matched == 0)
			rc = fail(c, NULL, NULL, 0, "matches none of the %zu alternative%s",
				  n, n == 1 ? "" : "s");
		else if (matched > 1)
			rc = fail(c, NULL, NULL, 0, "matches %zu of the %zu alternatives, "
				  "not exactly one", matched, n);
		if (rc < 0 || (rc && !recording(c)))
			return rc;
	}
	if (not) {
		r = quietly(c, not, inst);
		if (r < 0)
			return -1;
		if (!r)
			rc = fail(c, NULL, NULL, 0, "must not match the schema in 'not'");
	}
	return rc;
}

static int kw_ref(struct jctx *c, const json_t *s, const json_t *inst)
{
	int idx, rc;

	if (!json_object_get(s, "$ref"))
		return 0;
	if (!pmap_get(&c->refmap, s, &idx))
		return ak_error(AK_EXIT_SOFTWARE, "$ref was not resolved");
	if (c->refs_here >= JSCHEMA_MAX_REF_DEPTH)
		return ak_error(AK_EXIT_DATAERR, "schema %s: more than %d $refs "
				"without descending into the instance (a $ref loop?)",
				c->refs[idx].where, JSCHEMA_MAX_REF_DEPTH);
	c->refs_here++;
	rc = apply(c, c->refs[idx].target, inst);
	c->refs_here--;
	return rc;
}

static int apply_object(struct jctx *c, const json_t *s, const json_t *inst)
{
	static int (*const steps[])(struct jctx *, const json_t *, const json_t *) = {
		kw_ref, kw_enum_const, kw_number, kw_string, kw_array, kw_object,
		kw_logic,
	};
	int rc, r;

	/* With the wrong type, the rest only repeats the same complaint. */
	rc = kw_type(c, s, inst);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		r = steps[i](c, s, inst);
		if (r < 0)
			return -1;
		if (r) {
			rc = 1;
			if (!recording(c))
				return 1;
		}
	}
	return rc;
}

static int apply(struct jctx *c, const json_t *s, const json_t *inst)
{
	int rc;

	if (json_is_true(s))
		return 0;
	if (json_is_false(s))
		return fail(c, NULL, NULL, 0, "no value is allowed here");
	if (!json_is_object(s))
		return ak_error(AK_EXIT_SOFTWARE, "schema is not an object");
	if (c->frames >= MAX_FRAMES)
		return ak_error(AK_EXIT_DATAERR, "schema applies too deeply nested "
				"subschemas (more than %d)", MAX_FRAMES);
	c->frames++;
	rc = apply_object(c, s, inst);
	c->frames--;
	return rc;
}

/* ---- the interface ---- */

int jschema_check(const json_t *schema)
{
	struct jctx c;
	int rc;

	if (!schema)
		return ak_error(AK_EXIT_SOFTWARE, "no schema");
	ctx_init(&c, schema);
	rc = check_all(&c);
	ctx_release(&c);
	return rc;
}

int jschema_validate(const json_t *schema, const json_t *instance,
		     json_t *errors, size_t max_errors)
{
	struct jctx c;
	int rc;

	if (!schema || !instance)
		return ak_error(AK_EXIT_SOFTWARE, "no schema or no instance");
	if (errors && !json_is_array(errors))
		return ak_error(AK_EXIT_SOFTWARE, "errors must be a JSON array");
	ctx_init(&c, schema);
	rc = check_all(&c);
	if (!rc) {
		c.errors = errors;
		c.max_errors = max_errors;
		c.record = errors && max_errors;
		rc = apply(&c, schema, instance);
	}
	ctx_release(&c);
	return rc;
}
