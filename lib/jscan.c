/*
 * jscan.c - a validating JSON scanner that builds nothing (see jscan.h).
 *
 * One pass, no recursion: the open containers are a bit stack (1 = object),
 * so a 100,000-deep text costs a bounded check, not a stack overflow.
 * Strings are read sixteen bytes at a time while their bytes are plain
 * ASCII (SSE2 compares; without SSE2, eight at a time with a word trick),
 * in line, so that a plain string of any length takes no call; at an
 * escape or a byte from 0x80 up the byte-wise loop goes on from there.
 * UTF-8 sequences are checked by hand (no overlongs, no surrogates, nothing
 * past U+10FFFF), since invalid UTF-8 must be reported, not passed on.
 * Every event line comes through here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "buf.h"
#include "jscan.h"
#include "banned.h"

/* 1 for bytes that may stand in a string as they are (ASCII, no '"' or '\'). */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
	R16(0), R16(0),                                     /* 0x00-0x1f */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20-0x2f: '"' */
	R16(1), R16(1),                                     /* 0x30-0x4f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50-0x5f: '\' */
	R16(1), R16(1),                                     /* 0x60-0x7f */
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
};

static int fail(struct jscan *js, const char *base, const char *at, const char *why)
{
	js->err_off = (size_t)(at - base);
	snprintf(js->err, sizeof(js->err), "%s at byte %zu", why, js->err_off + 1);
	return -1;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Past the white space at p: compact JSON has none, so look once first. */
static inline const char *skip_ws(const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;
	while (p < end && is_ws((unsigned char)*p))
		p++;
	return p;
}

size_t jscan_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

#define ONES (~(uint64_t)0 / 255)
#define HIGHS (ONES * 0x80)
#define LOWS (~HIGHS)

/*
 * The high bit of each byte of v that is not plain: a control character
 * (< 0x20), '"', '\\' or a byte of a multi-byte sequence, and of no other.
 * Each test adds within the low seven bits of a byte, so no carry crosses
 * into the next byte: (x & 0x7f) + 0x60 reaches the high bit exactly when
 * x & 0x7f >= 0x20, and (x & 0x7f) + 0x7f when x & 0x7f is not zero.
 */
static inline uint64_t special8(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
	uint64_t ctrl = ~(((v & LOWS) + ONES * 0x60) | v);
	uint64_t quote = ~(((q & LOWS) + LOWS) | q);
	uint64_t bslash = ~(((b & LOWS) + LOWS) | b);

	return (v | ctrl | quote | bslash) & HIGHS;
}

#if defined(__SSE2__)
/*
 * Bit i set for each of the sixteen bytes at p that is not plain. One
 * signed compare finds both the control characters and the bytes of
 * multi-byte sequences (negative as signed bytes).
 */
static inline unsigned special16(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));

	m = _mm_or_si128(m, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Skip the plain bytes from p on: sixteen or eight at a time, then one at a time. */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *e)
{
#if defined(__SSE2__)
	while (e - p >= 16) {
		unsigned m = special16(p);

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	while (e - p >= 8) {
		uint64_t v, m;

		memcpy(&v, p, 8);
		m = special8(v);
		if (m) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + (__builtin_ctzll(m) >> 3);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < e && plain[*p])
		p++;
	return p;
}

/*
 * Scan the rest of a string whose opening quote is at *pp, from p on (the
 * bytes before p are plain). On success *pp is past the closing quote and
 * *escaped tells whether a backslash occurred.
 */
static int scan_string(struct jscan *js, const char *base, const char **pp,
		       const unsigned char *p, const char *end, int *escaped)
{
	const unsigned char *e = (const unsigned char *)end;

	*escaped = 0;
	for (;;) {
		p = skip_plain(p, e);
		if (p >= e)
			return fail(js, base, (const char *)p, "unterminated string");
		if (*p == '"')
			break;
		if (*p == '\\') {
			*escaped = 1;
			if (p + 1 >= e)
				return fail(js, base, (const char *)p, "unterminated string");
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				if (e - p < 6 || hex_value(p[2]) < 0 || hex_value(p[3]) < 0 ||
				    hex_value(p[4]) < 0 || hex_value(p[5]) < 0)
					return fail(js, base, (const char *)p, "bad \\u escape");
				p += 6;
				continue;
			default:
				return fail(js, base, (const char *)p, "bad escape");
			}
		}
		if (*p < 0x20)
			return fail(js, base, (const char *)p, *p ? "control character in string"
								  : "NUL byte in string");
		{
			size_t n = jscan_utf8_len(p, e);

			if (!n)
				return fail(js, base, (const char *)p, "invalid UTF-8");
			p += n;
		}
	}
	*pp = (const char *)p + 1;
	return 0;
}

/*
 * Scan a string whose opening quote is at *pp, as scan_string does. A
 * string of plain bytes is done here, in line: sixteen bytes at a time (or,
 * without SSE2, one of up to seven bytes in a word); at the first byte that
 * is special and not the closing quote, scan_string goes on from there.
 */
static inline int scan_str(struct jscan *js, const char *base, const char **pp,
			   const char *end, int *escaped)
{
	const unsigned char *p = (const unsigned char *)*pp + 1;

#if defined(__SSE2__)
	while (end - (const char *)p >= 16) {
		unsigned m = special16(p);

		if (!m) {
			p += 16;
			continue;
		}
		p += __builtin_ctz(m);
		if (*p == '"') {
			*pp = (const char *)p + 1;
			*escaped = 0;
			return 0;
		}
		break;
	}
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - (const char *)p >= 8) {
		uint64_t v, m, q;

		memcpy(&v, p, 8);
		m = special8(v);
		q = v ^ (ONES * '"');
		q = ~(((q & LOWS) + LOWS) | q) & HIGHS;
		/* the first byte that needs a look is a quote: the string ends there */
		if (m & (0 - m) & q) {
			*pp = (const char *)p + (__builtin_ctzll(m) >> 3) + 1;
			*escaped = 0;
			return 0;
		}
	}
#endif
	return scan_string(js, base, pp, p, end, escaped);
}

static int scan_number(struct jscan *js, const char *base, const char **pp, const char *end)
{
	const char *p = *pp;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
	} else if (p < end && *p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return fail(js, base, p, "bad number");
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(js, base, p, "bad number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return fail(js, base, p, "bad number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	*pp = p;
	return 0;
}

static int decoded_eq(const char *a, size_t alen, int a_raw, const char *b, size_t blen,
		      int b_raw);
static uint64_t name_hash(const struct jscan_member *m, const char *end);

/* Names compare decoded, whatever their length: "type" is "\u0074ype". */
static int name_eq(const struct jscan_member *a, const struct jscan_member *b)
{
	if (!a->key_escaped && !b->key_escaped)
		return a->key_len == b->key_len && !memcmp(a->key, b->key, a->key_len);
	return decoded_eq(a->key, a->key_len, a->key_escaped, b->key, b->key_len, b->key_escaped);
}

int jscan_parse(struct jscan *js, const char *text, size_t n)
{
	uint64_t stack[JSCAN_MAX_DEPTH / 64];
	uint64_t hash[JSCAN_MAX_MEMBERS];   /* of the decoded names, so 256 long names
					     * do not cost 256 * 255 / 2 full compares */
	const char *p = text, *end = text + n, *start;
	struct jscan_member *cur = NULL;
	uint64_t seen = 0;                  /* a bit per name hash: most names meet none */
	size_t depth = 0;
	int esc, in_obj = 0;                /* the innermost open container is an object */

	js->type = JS_NONE;
	js->nmembers = 0;
	js->err[0] = '\0';
	js->err_off = 0;

value:
	p = skip_ws(p, end);
	if (p >= end)
		return fail(js, text, p, depth ? "truncated JSON" : "empty line");
	start = p;
	switch (*p) {
	case '{':
	case '[':
		if (depth == JSCAN_MAX_DEPTH)
			return fail(js, text, p, "nesting too deep");
		if (depth == 0)
			js->type = *p == '{' ? JS_OBJECT : JS_ARRAY;
		if (depth == 1 && cur) {
			cur->type = *p == '{' ? JS_OBJECT : JS_ARRAY;
			cur->val = p;
		}
		in_obj = *p == '{';
		if (in_obj)
			stack[depth / 64] |= (uint64_t)1 << (depth % 64);
		else
			stack[depth / 64] &= ~((uint64_t)1 << (depth % 64));
		depth++;
		p++;
		p = skip_ws(p, end);
		if (p < end && (*p == '}' || *p == ']')) {
			if ((*p == '}') != in_obj)
				return fail(js, text, p, "mismatched bracket");
			p++;
			depth--;
			in_obj = depth && (stack[(depth - 1) / 64] >> ((depth - 1) % 64) & 1);
			if (depth == 1 && cur)
				cur->val_len = (size_t)(p - cur->val);
			goto after;
		}
		if (*start == '{')
			goto key;
		goto value;
	case '"':
		if (scan_str(js, text, &p, end, &esc) < 0)
			return -1;
		if (depth == 0)
			js->type = JS_STRING;
		if (depth == 1 && cur) {
			cur->type = JS_STRING;
			cur->val = start + 1;
			cur->val_len = (size_t)(p - start - 2);
			cur->val_escaped = esc;
		}
		goto after;
	case 't':
	case 'f':
	case 'n': {
		/* constant lengths, so that each compare is a load or two */
		enum jscan_type lt = *p == 't' ? JS_TRUE : *p == 'f' ? JS_FALSE : JS_NULL;
		size_t len = lt == JS_FALSE ? 5 : 4;
		int bad = (size_t)(end - p) < len ||
			  (lt == JS_TRUE ? memcmp(p, "true", 4) :
			   lt == JS_FALSE ? memcmp(p, "false", 5) : memcmp(p, "null", 4));

		if (bad)
			return fail(js, text, p, "invalid literal");
		p += len;
		if (depth == 0)
			js->type = lt;
		if (depth == 1 && cur) {
			cur->type = lt;
			cur->val = start;
			cur->val_len = len;
		}
		goto after;
	}
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if (scan_number(js, text, &p, end) < 0)
				return -1;
			if (depth == 0)
				js->type = JS_NUMBER;
			if (depth == 1 && cur) {
				cur->type = JS_NUMBER;
				cur->val = start;
				cur->val_len = (size_t)(p - start);
			}
			goto after;
		}
		if ((unsigned char)*p >= 0x80 && !jscan_utf8_len((const unsigned char *)p,
							  (const unsigned char *)end))
			return fail(js, text, p, "invalid UTF-8");
		if (*p == '\0')
			return fail(js, text, p, "NUL byte");
		return fail(js, text, p, "unexpected character");
	}

key:
	/* p is at the first non-space byte where a member name must start */
	if (p >= end)
		return fail(js, text, p, "truncated JSON");
	if (*p != '"')
		return fail(js, text, p, "expected a member name");
	start = p;
	if (scan_str(js, text, &p, end, &esc) < 0)
		return -1;
	if (depth == 1) {
		if (js->nmembers == JSCAN_MAX_MEMBERS)
			return fail(js, text, start, "too many top-level members");
		cur = &js->m[js->nmembers];
		cur->key = start + 1;
		cur->key_len = (size_t)(p - start - 2);
		cur->key_escaped = esc;
		cur->type = JS_NONE;
		cur->val = NULL;
		cur->val_len = 0;
		cur->val_escaped = 0;
		hash[js->nmembers] = name_hash(cur, end);
		if (seen & (uint64_t)1 << (hash[js->nmembers] >> 58)) {
			for (size_t i = 0; i < js->nmembers; i++)
				if (hash[i] == hash[js->nmembers] && name_eq(&js->m[i], cur))
					return fail(js, text, start, "duplicate member name");
		}
		seen |= (uint64_t)1 << (hash[js->nmembers] >> 58);
		js->nmembers++;
	}
	p = skip_ws(p, end);
	if (p >= end)
		return fail(js, text, p, "truncated JSON");
	if (*p != ':')
		return fail(js, text, p, "expected ':'");
	p++;
	goto value;

after:
	/* a value just ended at p; depth is the depth it was in */
	p = skip_ws(p, end);
	if (depth == 0) {
		if (p != end)
			return fail(js, text, p, *p ? "trailing characters" : "NUL byte");
		return 0;
	}
	if (p >= end)
		return fail(js, text, p, "truncated JSON");
	{
		if (*p == ',') {
			p++;
			p = skip_ws(p, end);
			if (in_obj)
				goto key;
			goto value;
		}
		if ((*p == '}' && in_obj) || (*p == ']' && !in_obj)) {
			p++;
			depth--;
			in_obj = depth && (stack[(depth - 1) / 64] >> ((depth - 1) % 64) & 1);
			if (depth == 1 && cur)
				cur->val_len = (size_t)(p - cur->val);
			goto after;
		}
		if (*p == '}' || *p == ']')
			return fail(js, text, p, "mismatched bracket");
		return fail(js, text, p, in_obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

const struct jscan_member *jscan_find(const struct jscan *js, const char *name)
{
	struct jscan_member want = { .key = name, .key_len = strlen(name) };

	for (size_t i = 0; i < js->nmembers; i++)
		if (name_eq(&js->m[i], &want))
			return &js->m[i];
	return NULL;
}

static int put_utf8(char *out, size_t *o, size_t cap, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= cap)
		return -1;
	memcpy(out + *o, b, n);
	*o += n;
	return 0;
}

static uint32_t hex4(const char *p)
{
	return (uint32_t)(hex_value((unsigned char)p[0]) << 12 | hex_value((unsigned char)p[1]) << 8 |
			  hex_value((unsigned char)p[2]) << 4 | hex_value((unsigned char)p[3]));
}

/*
 * The code point of the \u escape whose hex digits start at *pp (a pair of
 * escapes for a surrogate pair; U+FFFD for a lone surrogate). *pp moves past
 * what was read.
 */
static uint32_t read_u(const char **pp, const char *end)
{
	const char *p = *pp;
	uint32_t cp = hex4(p);

	p += 4;
	if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
		uint32_t lo = hex4(p + 2);

		if (lo >= 0xdc00 && lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;    /* a lone surrogate */
	*pp = p;
	return cp;
}

size_t jscan_decode(const char *raw, size_t n, char *out)
{
	const char *p = raw, *end = raw + n;
	size_t o = 0;

	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		char c;

		if (!q)
			q = end;
		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		p = q;
		if (p == end)
			break;
		p++;
		switch (c = *p++) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			/* six raw bytes make at most three, twelve at most four */
			put_utf8(out, &o, SIZE_MAX, read_u(&p, end));
			continue;
		default:
			break;   /* '"', '\\', '/' stand for themselves */
		}
		out[o++] = c;
	}
	return o;
}

long jscan_strcpy(const struct jscan_member *m, char *out, size_t cap)
{
	char *tmp;
	size_t n;

	if (m->type != JS_STRING || cap == 0 || (!m->val_escaped && m->val_len >= cap))
		return -1;
	if (!m->val_escaped) {
		memcpy(out, m->val, m->val_len);
		out[m->val_len] = '\0';
		return (long)m->val_len;
	}
	/* decoding never lengthens a string, so val_len bytes are enough */
	tmp = m->val_len < cap ? out : malloc(m->val_len);
	if (!tmp)
		return -1;
	n = jscan_decode(m->val, m->val_len, tmp);
	if (n >= cap || memchr(tmp, '\0', n)) {
		if (tmp != out)
			free(tmp);
		return -1;
	}
	if (tmp != out) {
		memcpy(out, tmp, n);
		free(tmp);
	}
	out[n] = '\0';
	return (long)n;
}

int jscan_utf8_ok(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;

	while (s < end) {
		size_t l;

		if (*s < 0x80) {
			s++;
			continue;
		}
		l = jscan_utf8_len(s, end);
		if (!l)
			return 0;
		s += l;
	}
	return 1;
}

/*
 * The bytes jscan_strcpy would write for a raw string, one at a time, so
 * strings of any length compare without a buffer. A plain one (a C string
 * given by the caller) is taken as it is.
 */
struct decoder {
	const char *p, *end;
	int raw;
	unsigned char pend[4];
	size_t npend, ipend;
};

static int decoder_next(struct decoder *d)
{
	char c;

	if (d->ipend < d->npend)
		return d->pend[d->ipend++];
	if (d->p >= d->end)
		return -1;
	c = *d->p++;
	if (!d->raw || c != '\\')
		return (unsigned char)c;
	c = *d->p++;
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': {
		char tmp[5];
		size_t o = 0;

		put_utf8(tmp, &o, sizeof(tmp), read_u(&d->p, d->end));
		memcpy(d->pend, tmp, o);
		d->npend = o;
		d->ipend = 1;
		return d->pend[0];
	}
	default:
		return (unsigned char)c;
	}
}

static int decoded_eq(const char *a, size_t alen, int a_raw, const char *b, size_t blen,
		      int b_raw)
{
	struct decoder da = { .p = a, .end = a + alen, .raw = a_raw };
	struct decoder db = { .p = b, .end = b + blen, .raw = b_raw };
	int ca, cb;

	do {
		ca = decoder_next(&da);
		cb = decoder_next(&db);
		if (ca != cb)
			return 0;
	} while (ca >= 0);
	return 1;
}

/* One step of the name hash: fold in the next eight bytes of the name. */
static uint64_t hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* The last 1-7 bytes of a name as a word, the same on any byte order. */
static uint64_t tail_word(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

/*
 * A hash of a member's decoded name (a plain name is its own decoding),
 * eight bytes at a time; an escaped name is decoded into the same chunks,
 * so equal names hash equal however they are written. end is the end of
 * the text, which a plain name's last chunk may be read up to.
 */
static uint64_t name_hash(const struct jscan_member *m, const char *end)
{
	const unsigned char *p = (const unsigned char *)m->key;
	size_t n = m->key_len;
	unsigned char chunk[8];
	uint64_t h = 0, w;
	size_t k = 0;
	int c;

	if (!m->key_escaped) {
		for (; n >= 8; p += 8, n -= 8) {
			memcpy(&w, p, 8);
			h = hash_mix(h, w);
		}
		if (!n)
			return h;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* the closing quote and more follow: read a whole word, keep n bytes */
		if (end - (const char *)p >= 8) {
			memcpy(&w, p, 8);
			return hash_mix(h, w & (~(uint64_t)0 >> (64 - 8 * n)));
		}
#endif
		return hash_mix(h, tail_word(p, n));
	}
	{
		struct decoder d = { .p = m->key, .end = m->key + m->key_len, .raw = 1 };

		while ((c = decoder_next(&d)) >= 0) {
			chunk[k++] = (unsigned char)c;
			if (k == 8) {
				memcpy(&w, chunk, 8);
				h = hash_mix(h, w);
				k = 0;
			}
		}
	}
	return k ? hash_mix(h, tail_word(chunk, k)) : h;
}

int jscan_streq(const struct jscan_member *m, const char *s)
{
	size_t n = strlen(s);

	if (!m || m->type != JS_STRING)
		return 0;
	if (!m->val_escaped)
		return m->val_len == n && !memcmp(m->val, s, n);
	return decoded_eq(m->val, m->val_len, 1, s, n, 0);
}

const char *jscan_type_name(enum jscan_type t)
{
	static const char *const names[] = {
		"nothing", "object", "array", "string", "number", "boolean", "boolean", "null"
	};

	return names[t];
}
