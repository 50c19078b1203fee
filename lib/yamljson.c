/*
 * yamljson.c - JSON values to YAML documents and back, with libyaml.
 *
 * Writing feeds events to libyaml's emitter and picks each scalar's style
 * here. libyaml knows which styles are well-formed for a string, but not
 * which plain scalars a reader would take for a number, a boolean or null,
 * so every string that could read back as anything but itself is quoted,
 * using the same resolver the reading side uses, plus the words YAML 1.1
 * readers still take for booleans.
 *
 * Reading is a recursive descent over libyaml's parser events rather than
 * its document loader, which would build a whole tree and expand aliases
 * without limit. Each level of nesting is one level of recursion, bounded
 * by AK_YAML_MAX_DEPTH. An anchor remembers its value, how many nodes it
 * holds and how deep it goes, so an alias is refused before it is copied
 * when the copy would pass the node or depth limit: a small file cannot
 * expand into a huge value, nor nest past the depth limit by aliasing.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamljson.h"
#include "error.h"
#include "banned.h"

/* What a scalar's text means under the core schema. */
enum kind {
	K_STR,
	K_NULL,
	K_BOOL,
	K_INT,
	K_FLOAT,
	K_INFNAN,       /* .inf, .nan: YAML floats that JSON has no form for */
};

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Is s[0..n) one of words (NULL-terminated)? */
static int is_word(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(s, *words, n))
			return 1;
	return 0;
}

/* Is s[0..n) one or more characters of set? */
static int all_in(const char *s, size_t n, const char *set)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return 1;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int is_float(const char *s, size_t n)
{
	size_t i = 0, whole = 0, frac = 0, exp = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n && is_digit(s[i]); i++)
		whole++;
	if (i < n && s[i] == '.')
		for (i++; i < n && is_digit(s[i]); i++)
			frac++;
	if (!whole && !frac)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < n && is_digit(s[i]); i++)
			exp++;
		if (!exp)
			return 0;
	}
	return i == n;
}

static enum kind classify(const char *s, size_t n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const bools[] = {
		"true", "True", "TRUE", "false", "False", "FALSE", NULL
	};
	static const char *const infnan[] = {
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL
	};
	size_t sign = n && (s[0] == '-' || s[0] == '+');

	if (is_word(s, n, nulls))
		return K_NULL;
	if (is_word(s, n, bools))
		return K_BOOL;
	if (all_in(s + sign, n - sign, "0123456789"))
		return K_INT;
	if (n > 2 && s[0] == '0' && s[1] == 'o' && all_in(s + 2, n - 2, "01234567"))
		return K_INT;
	if (n > 2 && s[0] == '0' && s[1] == 'x' &&
	    all_in(s + 2, n - 2, "0123456789abcdefABCDEF"))
		return K_INT;
	if (is_float(s, n))
		return K_FLOAT;
	if (is_word(s, n, infnan))
		return K_INFNAN;
	return K_STR;
}

static unsigned digit_value(char c)
{
	if (c >= 'a')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A')
		return (unsigned)(c - 'A' + 10);
	return (unsigned)(c - '0');
}

/* The value of text that classify() calls K_INT. 0, or -1 if out of range. */
static int int_value(const char *s, size_t n, json_int_t *out)
{
	uint64_t v = 0, limit = INT64_MAX;
	unsigned base = 10;
	size_t i = 0;
	int neg = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		i = 2;
	} else if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		limit += neg;
		i = 1;
	}
	for (; i < n; i++) {
		unsigned d = digit_value(s[i]);

		if (v > (limit - d) / base)
			return -1;
		v = v * base + d;
	}
	/* -(v - 1) - 1 reaches INT64_MIN without overflowing. */
	*out = neg && v ? -(json_int_t)(v - 1) - 1 : (json_int_t)v;
	return 0;
}

/*
 * A real as JSON writes it, with the fewest significant digits that read
 * back as the same double: 0.1 rather than 0.10000000000000001.
 */
static int format_real(double d, char *out, size_t size)
{
	char tmp[40];
	json_t *r;
	size_t n;
	int p;

	for (p = 1; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	r = json_real(d);
	if (!r)
		return oom();
	n = json_dumpb(r, out, size - 1, JSON_ENCODE_ANY | JSON_REAL_PRECISION(p));
	json_decref(r);
	if (n == 0 || n >= size - 1)
		return ak_error(AK_EXIT_SOFTWARE, "cannot format a real");
	out[n] = '\0';
	return 0;
}

/*
 * The message form of s[0..n) in out[size]: JSON-quoted, so control
 * characters cannot reach a terminal, and cut short at a character
 * boundary, with "...", when it does not fit.
 */
static const char *quoted(char *out, size_t size, const char *s, size_t n)
{
	size_t cut = n, w = 0;
	json_t *str;

	for (;;) {
		while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		str = json_stringn(s, cut);
		w = str ? json_dumpb(str, out, size - 4, JSON_ENCODE_ANY) : 0;
		json_decref(str);
		if (!str || w < size - 4 || cut == 0)
			break;
		cut /= 2;
	}
	if (!w || w >= size - 4) {
		snprintf(out, size, "(unprintable)");
		return out;
	}
	if (cut < n) {
		memcpy(out + w, "...", 3);
		w += 3;
	}
	out[w] = '\0';
	return out;
}

/* A tag for a message: the standard ones in their short form, !!int. */
static const char *shown_tag(char *out, size_t size, const char *tag)
{
	static const char std[] = "tag:yaml.org,2002:";
	char shortened[80];

	if (!strncmp(tag, std, sizeof(std) - 1) &&
	    strlen(tag) - (sizeof(std) - 1) < sizeof(shortened) - 2) {
		snprintf(shortened, sizeof(shortened), "!!%s", tag + sizeof(std) - 1);
		tag = shortened;
	}
	return quoted(out, size, tag, strlen(tag));
}

/* ---- writing ---- */

struct emitter {
	yaml_emitter_t e;
	struct buf *out;
	int buf_failed;         /* the buffer refused: its error is recorded */
};

static int write_out(void *data, unsigned char *p, size_t n)
{
	struct emitter *em = data;

	if (buf_add(em->out, p, n) < 0) {
		em->buf_failed = 1;
		return 0;
	}
	return 1;
}

/* Hand ev (initialized, or not when init is 0) to the emitter. */
static int emit(struct emitter *em, yaml_event_t *ev, int init)
{
	if (!init)
		return oom();
	if (yaml_emitter_emit(&em->e, ev))
		return 0;
	if (em->buf_failed)
		return -1;
	if (em->e.error == YAML_MEMORY_ERROR)
		return oom();
	return ak_error(AK_EXIT_SOFTWARE, "cannot write YAML: %s",
			em->e.problem ? em->e.problem : "emitter error");
}

static int emit_scalar(struct emitter *em, const char *s, size_t n,
		       yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (n > INT_MAX)
		return ak_error(AK_EXIT_DATAERR,
				"cannot write YAML: a string of %zu bytes", n);
	return emit(em, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
			(yaml_char_t *)s, (int)n, 1, 1, style));
}

/*
 * Decode the UTF-8 character at s[*i] (advancing *i), or return -1 when it
 * is not well-formed.
 */
static long next_char(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	size_t len, k;
	long cp;

	if (c < 0x80)
		len = 1, cp = c;
	else if (c >= 0xc2 && c < 0xe0)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c < 0xf0)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c < 0xf5)
		len = 4, cp = c & 0x07;
	else
		return -1;
	if (n - *i < len)
		return -1;
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += len;
	return cp;
}

/*
 * Characters that only a double-quoted scalar can carry: controls other
 * than the newline; the characters libyaml takes for line breaks or a byte
 * order mark; and what libyaml's emitter does not count as printable,
 * which includes every character beyond U+FFFF.
 */
static int needs_escape(long cp)
{
	return (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp < 0xa0) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
	       cp == 0xfffe || cp == 0xffff || cp > 0xffff;
}

/*
 * Can s be written as a plain scalar that every reader takes back as this
 * same string? Besides what the core schema resolves, this refuses what
 * YAML 1.1 readers take for booleans or merge keys, anything that starts
 * like a number (1_000, 2024-01-01 and 12:30 are numbers or dates there),
 * and whatever YAML syntax would cut short or read as an indicator.
 */
static int plain_ok(const char *s, size_t n)
{
	static const char *const yaml11[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", "<<", "=", NULL
	};
	size_t i;

	if (!n || classify(s, n) != K_STR || is_word(s, n, yaml11))
		return 0;
	if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || is_digit(s[0]))
		return 0;
	if (n >= 3 && !memcmp(s, "...", 3))
		return 0;
	if (s[n - 1] == ' ' || s[n - 1] == ':')
		return 0;
	for (i = 0; i + 1 < n; i++)
		if ((s[i] == ':' && s[i + 1] == ' ') ||
		    (s[i] == ' ' && s[i + 1] == '#'))
			return 0;
	return 1;
}

/*
 * The style for string s: plain when safe; a literal block for text of
 * several lines when it keeps every character (no spaces before a line
 * break or at the end, which a block scalar would still hold but libyaml
 * will not write that way); double-quoted otherwise. Keys are never block
 * scalars. -1 when s is not UTF-8.
 */
static int pick_style(const char *s, size_t n, int key, yaml_scalar_style_t *style)
{
	const unsigned char *u = (const unsigned char *)s;
	int lines = 0, escape = 0;
	size_t i = 0;

	while (i < n) {
		long cp = next_char(u, n, &i);

		if (cp < 0)
			return -1;
		if (cp == '\n') {
			lines = 1;
			if (i >= 2 && s[i - 2] == ' ')
				escape = 1;
		} else if (needs_escape(cp)) {
			escape = 1;
		}
	}
	if (escape || (lines && (key || s[n - 1] == ' ')))
		*style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (lines)
		*style = YAML_LITERAL_SCALAR_STYLE;
	else if (plain_ok(s, n))
		*style = YAML_PLAIN_SCALAR_STYLE;
	else
		*style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return 0;
}

static int emit_string(struct emitter *em, const char *s, size_t n, int key)
{
	yaml_scalar_style_t style;

	if (pick_style(s, n, key, &style) < 0)
		return ak_error(AK_EXIT_DATAERR,
				"cannot write YAML: a string is not valid UTF-8");
	return emit_scalar(em, s, n, style);
}

static int emit_value(struct emitter *em, json_t *v, int depth);

static int emit_object(struct emitter *em, json_t *obj, int depth)
{
	int flow = json_object_size(obj) == 0;
	yaml_event_t ev;
	void *it;

	if (emit(em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)) < 0)
		return -1;
	for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		if (emit_string(em, json_object_iter_key(it),
				json_object_iter_key_len(it), 1) < 0 ||
		    emit_value(em, json_object_iter_value(it), depth + 1) < 0)
			return -1;
	}
	return emit(em, &ev, yaml_mapping_end_event_initialize(&ev));
}

static int emit_array(struct emitter *em, json_t *arr, int depth)
{
	int flow = json_array_size(arr) == 0;
	yaml_event_t ev;
	size_t i;

	if (emit(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)) < 0)
		return -1;
	for (i = 0; i < json_array_size(arr); i++)
		if (emit_value(em, json_array_get(arr, i), depth + 1) < 0)
			return -1;
	return emit(em, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* v at depth (the top is 1). */
static int emit_value(struct emitter *em, json_t *v, int depth)
{
	char num[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth > AK_YAML_MAX_DEPTH)
			return ak_error(AK_EXIT_DATAERR,
					"cannot write YAML: nested more than %d levels deep",
					AK_YAML_MAX_DEPTH);
		if (json_is_object(v))
			return emit_object(em, v, depth);
		return emit_array(em, v, depth);
	case JSON_STRING:
		return emit_string(em, json_string_value(v), json_string_length(v), 0);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		break;
	case JSON_REAL:
		if (format_real(json_real_value(v), num, sizeof(num)) < 0)
			return -1;
		break;
	case JSON_TRUE:
		return emit_scalar(em, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(em, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	default:
		return emit_scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
	return emit_scalar(em, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
}

static int emit_document(struct emitter *em, json_t *value)
{
	yaml_event_t ev;

	if (emit(em, &ev, yaml_stream_start_event_initialize(&ev,
			YAML_UTF8_ENCODING)) < 0 ||
	    emit(em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL,
			NULL, 1)) < 0 ||
	    emit_value(em, value, 1) < 0 ||
	    emit(em, &ev, yaml_document_end_event_initialize(&ev, 1)) < 0)
		return -1;
	return emit(em, &ev, yaml_stream_end_event_initialize(&ev));
}

int yaml_emit(json_t *value, struct buf *out)
{
	struct emitter em;
	size_t start = out->len;
	int r;

	if (!value)
		return ak_error(AK_EXIT_SOFTWARE, "yaml_emit: no value");
	memset(&em, 0, sizeof(em));
	em.out = out;
	if (!yaml_emitter_initialize(&em.e))
		return oom();
	yaml_emitter_set_output(&em.e, write_out, &em);
	yaml_emitter_set_unicode(&em.e, 1);
	yaml_emitter_set_indent(&em.e, 2);
	yaml_emitter_set_width(&em.e, -1);      /* never fold long lines */
	yaml_emitter_set_break(&em.e, YAML_LN_BREAK);
	r = emit_document(&em, value);
	yaml_emitter_delete(&em.e);
	if (r < 0) {
		out->len = start;
		if (out->p)
			out->p[start] = '\0';
	}
	return r;
}

/* ---- reading ---- */

struct reader {
	yaml_parser_t parser;
	const char *text;
	size_t len;
	const char *name;
	json_t *anchors;        /* name -> [value, nodes, height] */
	size_t nodes, aliases;
};

static int read_error(struct reader *rd, yaml_mark_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int read_error(struct reader *rd, yaml_mark_t mark, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ak_error(AK_EXIT_DATAERR, "%s:%zu:%zu: %s", rd->name,
			mark.line + 1, mark.column + 1, msg);
}

/*
 * Record the parser's error. A reader error (bad UTF-8, a control
 * character) has only a byte offset, so its line and column are counted
 * here, the column in characters as libyaml counts them.
 */
static int parser_failed(struct reader *rd)
{
	yaml_parser_t *p = &rd->parser;
	yaml_mark_t mark = p->problem_mark;
	size_t i;

	if (p->error == YAML_MEMORY_ERROR)
		return oom();
	if (p->error == YAML_READER_ERROR) {
		memset(&mark, 0, sizeof(mark));
		for (i = 0; i < p->problem_offset && i < rd->len; i++) {
			if (rd->text[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)rd->text[i] & 0xc0) != 0x80) {
				mark.column++;
			}
		}
	}
	return read_error(rd, mark, "%s", p->problem ? p->problem : "invalid YAML");
}

/* The next event into *ev, which the caller must yaml_event_delete. */
static int next_event(struct reader *rd, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&rd->parser, ev)) {
		memset(ev, 0, sizeof(*ev));
		return parser_failed(rd);
	}
	return 0;
}

/* A scalar's text as a value of the given kind. */
static json_t *scalar_value(struct reader *rd, const yaml_event_t *ev, enum kind k)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char q[80];
	json_int_t i;
	json_t *v = NULL;
	double d;

	switch (k) {
	case K_STR:
		v = json_stringn(s, n);
		if (!v) {
			read_error(rd, ev->start_mark, "a string is not valid UTF-8");
			return NULL;
		}
		return v;
	case K_NULL:
		v = json_null();
		break;
	case K_BOOL:
		v = json_boolean(s[0] == 't' || s[0] == 'T');
		break;
	case K_INT:
		if (int_value(s, n, &i) < 0) {
			read_error(rd, ev->start_mark, "%s is out of range",
				   quoted(q, sizeof(q), s, n));
			return NULL;
		}
		v = json_integer(i);
		break;
	case K_FLOAT:
		d = strtod(s, NULL);
		if (isinf(d)) {
			read_error(rd, ev->start_mark, "%s is out of range",
				   quoted(q, sizeof(q), s, n));
			return NULL;
		}
		v = json_real(d);
		break;
	case K_INFNAN:
		read_error(rd, ev->start_mark, "%s has no JSON equivalent",
			   quoted(q, sizeof(q), s, n));
		return NULL;
	}
	if (!v)
		oom();
	return v;
}

/* A scalar resolved by its tag, or by the core schema when plain. */
static json_t *parse_scalar(struct reader *rd, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t n = ev->data.scalar.length;
	enum kind k, want;
	const char *what;
	char q[80];

	if (!tag) {
		k = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
			classify(s, n) : K_STR;
		return scalar_value(rd, ev, k);
	}
	if (!strcmp(tag, YAML_STR_TAG) || !strcmp(tag, "!"))
		return scalar_value(rd, ev, K_STR);
	k = classify(s, n);
	if (!strcmp(tag, YAML_NULL_TAG)) {
		want = K_NULL, what = "null";
	} else if (!strcmp(tag, YAML_BOOL_TAG)) {
		want = K_BOOL, what = "boolean";
	} else if (!strcmp(tag, YAML_INT_TAG)) {
		want = K_INT, what = "integer";
	} else if (!strcmp(tag, YAML_FLOAT_TAG)) {
		want = K_FLOAT, what = "float";
		/* Decimal digits will do; .inf fails as it does untagged. */
		if (k == K_INT && is_float(s, n))
			k = K_FLOAT;
		else if (k == K_INFNAN)
			want = K_INFNAN;
	} else {
		read_error(rd, ev->start_mark, "unsupported tag %s",
			   shown_tag(q, sizeof(q), tag));
		return NULL;
	}
	if (k != want) {
		read_error(rd, ev->start_mark, "%s is not a valid %s",
			   quoted(q, sizeof(q), s, n), what);
		return NULL;
	}
	return scalar_value(rd, ev, k);
}

static json_t *parse_node(struct reader *rd, yaml_event_t *ev, int depth,
			  int *height);

/* The items of a sequence, after its start event. */
static json_t *parse_sequence(struct reader *rd, int depth, int *height)
{
	json_t *arr = json_array(), *item;
	yaml_event_t ev;
	int h;

	if (!arr) {
		oom();
		return NULL;
	}
	*height = 1;
	for (;;) {
		if (next_event(rd, &ev) < 0)
			break;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		item = parse_node(rd, &ev, depth + 1, &h);
		yaml_event_delete(&ev);
		if (!item)
			break;
		if (json_array_append_new(arr, item) < 0) {
			oom();
			break;
		}
		if (h + 1 > *height)
			*height = h + 1;
	}
	json_decref(arr);
	return NULL;
}

/* The text of a key that resolved to v, a scalar: *s points into v or num. */
static int key_text(json_t *v, char *num, size_t size, const char **s, size_t *n)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*s = json_string_value(v);
		*n = json_string_length(v);
		return 0;
	case JSON_INTEGER:
		snprintf(num, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		if (format_real(json_real_value(v), num, size) < 0)
			return -1;
		break;
	case JSON_TRUE:
		snprintf(num, size, "true");
		break;
	case JSON_FALSE:
		snprintf(num, size, "false");
		break;
	default:
		snprintf(num, size, "null");
		break;
	}
	*s = num;
	*n = strlen(num);
	return 0;
}

/* The state of one mapping being read. */
struct mapping {
	json_t *obj;
	json_t *merged;         /* keys that came from <<, which keys may replace */
	int has_merge;
};

/* Set key to v (new reference, always consumed) in m. */
static int set_key(struct reader *rd, struct mapping *m, const char *key,
		   size_t klen, json_t *v, yaml_mark_t mark)
{
	char q[80];

	if (json_object_getn(m->obj, key, klen)) {
		if (!m->merged || !json_object_getn(m->merged, key, klen)) {
			json_decref(v);
			return read_error(rd, mark, "duplicate key %s",
					  quoted(q, sizeof(q), key, klen));
		}
		json_object_deln(m->merged, key, klen);
	}
	if (json_object_setn_new_nocheck(m->obj, key, klen, v) < 0)
		return oom();
	return 0;
}

/* Add the keys of src (a mapping) that m does not have yet. */
static int merge_one(struct mapping *m, json_t *src)
{
	const char *key;
	void *it;
	size_t klen;

	if (!m->merged && !(m->merged = json_object()))
		return oom();
	for (it = json_object_iter(src); it; it = json_object_iter_next(src, it)) {
		key = json_object_iter_key(it);
		klen = json_object_iter_key_len(it);
		if (json_object_getn(m->obj, key, klen))
			continue;
		if (json_object_setn_nocheck(m->obj, key, klen,
					     json_object_iter_value(it)) < 0 ||
		    json_object_setn_new_nocheck(m->merged, key, klen, json_true()) < 0)
			return oom();
	}
	return 0;
}

/*
 * The value of a merge key: a mapping, or a list of mappings of which the
 * earlier ones win. src is borrowed.
 */
static int merge(struct reader *rd, struct mapping *m, json_t *src,
		 yaml_mark_t kmark, yaml_mark_t vmark)
{
	size_t i;

	if (m->has_merge)
		return read_error(rd, kmark, "duplicate key \"<<\"");
	m->has_merge = 1;
	if (json_is_object(src))
		return merge_one(m, src);
	for (i = 0; json_is_array(src) && i < json_array_size(src); i++)
		if (!json_is_object(json_array_get(src, i)))
			break;
	if (!json_is_array(src) || i < json_array_size(src))
		return read_error(rd, vmark,
				  "a merge key needs a mapping or a list of mappings");
	for (i = 0; i < json_array_size(src); i++)
		if (merge_one(m, json_array_get(src, i)) < 0)
			return -1;
	return 0;
}

static int is_merge_key(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && !ev->data.scalar.tag &&
	       ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       ev->data.scalar.length == 2 &&
	       !memcmp(ev->data.scalar.value, "<<", 2);
}

/* One key (its event is kev) and its value, into m. */
static int parse_pair(struct reader *rd, struct mapping *m, yaml_event_t *kev,
		      int depth, int *height)
{
	yaml_event_t vev;
	json_t *key = NULL, *v;
	const char *ks = NULL;
	char num[64];
	size_t kn = 0;
	int h, r;

	if (kev->type == YAML_MAPPING_START_EVENT ||
	    kev->type == YAML_SEQUENCE_START_EVENT)
		return read_error(rd, kev->start_mark, "a key must be a scalar");
	if (!is_merge_key(kev)) {
		key = parse_node(rd, kev, depth + 1, &h);
		if (!key)
			return -1;
		if (json_is_object(key) || json_is_array(key)) {
			json_decref(key);
			return read_error(rd, kev->start_mark,
					  "a key must be a scalar");
		}
		if (key_text(key, num, sizeof(num), &ks, &kn) < 0) {
			json_decref(key);
			return -1;
		}
		/* jansson half supports such keys: json_equal, for one, does not. */
		if (memchr(ks, '\0', kn)) {
			json_decref(key);
			return read_error(rd, kev->start_mark,
					  "a key contains a NUL character");
		}
	}
	if (next_event(rd, &vev) < 0) {
		json_decref(key);
		return -1;
	}
	v = parse_node(rd, &vev, depth + 1, &h);
	if (!v)
		r = -1;
	else if (!key)
		r = merge(rd, m, v, kev->start_mark, vev.start_mark);
	else
		r = set_key(rd, m, ks, kn, json_incref(v), kev->start_mark);
	if (r == 0 && h + 1 > *height)
		*height = h + 1;
	json_decref(v);
	json_decref(key);
	yaml_event_delete(&vev);
	return r;
}

/* The pairs of a mapping, after its start event. */
static json_t *parse_mapping(struct reader *rd, int depth, int *height)
{
	struct mapping m = { json_object(), NULL, 0 };
	yaml_event_t kev;
	int r;

	if (!m.obj) {
		oom();
		return NULL;
	}
	*height = 1;
	for (;;) {
		if (next_event(rd, &kev) < 0)
			break;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			json_decref(m.merged);
			return m.obj;
		}
		r = parse_pair(rd, &m, &kev, depth, height);
		yaml_event_delete(&kev);
		if (r < 0)
			break;
	}
	json_decref(m.merged);
	json_decref(m.obj);
	return NULL;
}

/* A copy of the value of the anchor an alias names. */
static json_t *parse_alias(struct reader *rd, const yaml_event_t *ev,
			   int depth, int *height)
{
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *a = json_object_get(rd->anchors, name), *copy;
	size_t nodes;

	if (!a) {
		read_error(rd, ev->start_mark, "unknown alias \"%s\"", name);
		return NULL;
	}
	nodes = (size_t)json_integer_value(json_array_get(a, 1));
	*height = (int)json_integer_value(json_array_get(a, 2));
	if (++rd->aliases > AK_YAML_MAX_ALIASES) {
		read_error(rd, ev->start_mark, "more than %d aliases",
			   AK_YAML_MAX_ALIASES);
		return NULL;
	}
	if (nodes > AK_YAML_MAX_NODES - rd->nodes) {
		read_error(rd, ev->start_mark,
			   "the document expands to more than %d nodes",
			   AK_YAML_MAX_NODES);
		return NULL;
	}
	if (*height && depth + *height - 1 > AK_YAML_MAX_DEPTH) {
		read_error(rd, ev->start_mark,
			   "alias \"%s\" nests more than %d levels deep", name,
			   AK_YAML_MAX_DEPTH);
		return NULL;
	}
	rd->nodes += nodes;
	copy = json_deep_copy(json_array_get(a, 0));
	if (!copy)
		oom();
	return copy;
}

/*
 * A sequence or mapping, after its start event ev. Its tag may be none,
 * the non-specific "!" or its own kind's.
 */
static json_t *parse_collection(struct reader *rd, const yaml_event_t *ev,
				int depth, int *height)
{
	int seq = ev->type == YAML_SEQUENCE_START_EVENT;
	const char *tag = (const char *)(seq ? ev->data.sequence_start.tag :
					 ev->data.mapping_start.tag);
	char q[80];

	if (depth > AK_YAML_MAX_DEPTH) {
		read_error(rd, ev->start_mark, "nested more than %d levels deep",
			   AK_YAML_MAX_DEPTH);
		return NULL;
	}
	if (tag && strcmp(tag, "!") && strcmp(tag, seq ? YAML_SEQ_TAG : YAML_MAP_TAG)) {
		read_error(rd, ev->start_mark, "unsupported tag %s",
			   shown_tag(q, sizeof(q), tag));
		return NULL;
	}
	return seq ? parse_sequence(rd, depth, height) :
		parse_mapping(rd, depth, height);
}

/* Remember v under the anchor name, with its size and height. */
static int add_anchor(struct reader *rd, const char *name, json_t *v,
		      size_t nodes, int height)
{
	json_t *a = json_pack("[O,I,i]", v, (json_int_t)nodes, height);

	if (!a || json_object_set_new(rd->anchors, name, a) < 0)
		return oom();
	return 0;
}

/*
 * The node that starts with ev (the caller deletes ev), at depth (the top
 * is 1); *height is set to how many levels of collections it holds.
 */
static json_t *parse_node(struct reader *rd, yaml_event_t *ev, int depth,
			  int *height)
{
	size_t before = rd->nodes;
	const yaml_char_t *anchor;
	json_t *v;

	*height = 0;
	if (ev->type == YAML_ALIAS_EVENT)
		return parse_alias(rd, ev, depth, height);
	if (++rd->nodes > AK_YAML_MAX_NODES) {
		read_error(rd, ev->start_mark,
			   "the document expands to more than %d nodes",
			   AK_YAML_MAX_NODES);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		v = parse_scalar(rd, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		v = parse_collection(rd, ev, depth, height);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		v = parse_collection(rd, ev, depth, height);
		break;
	default:
		read_error(rd, ev->start_mark, "unexpected YAML event");
		return NULL;
	}
	if (v && anchor && add_anchor(rd, (const char *)anchor, v,
				      rd->nodes - before, *height) < 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* A whole stream: nothing (null) or one document. */
static json_t *parse_stream(struct reader *rd)
{
	yaml_event_t ev;
	json_t *v = NULL;
	int h;

	if (next_event(rd, &ev) < 0)
		return NULL;
	yaml_event_delete(&ev);         /* STREAM-START */
	if (next_event(rd, &ev) < 0)
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return json_null();
	}
	yaml_event_delete(&ev);         /* DOCUMENT-START */
	if (next_event(rd, &ev) < 0)
		return NULL;
	v = parse_node(rd, &ev, 1, &h);
	yaml_event_delete(&ev);
	if (!v)
		return NULL;
	if (next_event(rd, &ev) < 0)
		goto fail;
	yaml_event_delete(&ev);         /* DOCUMENT-END */
	if (next_event(rd, &ev) < 0)
		goto fail;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return v;
	}
	read_error(rd, ev.start_mark, "more than one document");
	yaml_event_delete(&ev);
fail:
	json_decref(v);
	return NULL;
}

json_t *yaml_parse(const char *text, size_t len, const char *name)
{
	struct reader rd;
	json_t *v;

	memset(&rd, 0, sizeof(rd));
	rd.text = text ? text : "";     /* libyaml asserts on a NULL input */
	rd.len = text ? len : 0;
	rd.name = name ? name : "(yaml)";
	rd.anchors = json_object();
	if (!rd.anchors || !yaml_parser_initialize(&rd.parser)) {
		json_decref(rd.anchors);
		oom();
		return NULL;
	}
	yaml_parser_set_input_string(&rd.parser, (const unsigned char *)rd.text,
				     rd.len);
	v = parse_stream(&rd);
	yaml_parser_delete(&rd.parser);
	json_decref(rd.anchors);
	return v;
}
