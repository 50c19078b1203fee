/*
 * u-jscan.c - unit tests for lib/jscan.c, the validating JSON scanner on
 * the pass-through path: every kind of valid text, every class of invalid
 * text (with the exact message and offset for many), nesting limits,
 * duplicate and too many top-level names, and the member accessors on
 * escaped values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "tap.h"

static struct jscan js;

static int scan(const char *text, size_t len)
{
	return jscan_parse(&js, text, len);
}

/* A text that must be accepted as one value of type t. */
static void accept(const char *text, size_t len, enum jscan_type t, const char *name)
{
	int rc = scan(text, len);

	ok(rc == 0 && js.type == t, "accepts %s", name);
	if (rc != 0)
		printf("#   err: %s\n", js.err);
}

#define ACCEPT(lit, t, name) accept(lit, sizeof(lit) - 1, t, name)

/* A text that must be refused with exactly this message and offset. */
static void refuse(const char *text, size_t len, const char *err, size_t off, const char *name)
{
	char want[160];

	snprintf(want, sizeof(want), "%s at byte %zu", err, off + 1);
	is_int(scan(text, len), -1, "refuses %s", name);
	is_str(js.err, want, "%s: message", name);
	is_int((long long)js.err_off, (long long)off, "%s: offset", name);
}

#define REFUSE(lit, err, off, name) refuse(lit, sizeof(lit) - 1, err, off, name)

static void test_valid(void)
{
	ACCEPT("{}", JS_OBJECT, "an empty object");
	ACCEPT("[]", JS_ARRAY, "an empty array");
	ACCEPT("\"\"", JS_STRING, "an empty string");
	ACCEPT("\"x\"", JS_STRING, "a string");
	ACCEPT("0", JS_NUMBER, "zero");
	ACCEPT("-0", JS_NUMBER, "minus zero");
	ACCEPT("123", JS_NUMBER, "an integer");
	ACCEPT("-1.5e+10", JS_NUMBER, "a number with fraction and exponent");
	ACCEPT("1E-2", JS_NUMBER, "a capital exponent");
	ACCEPT("0.001", JS_NUMBER, "a fraction below one");
	ACCEPT("1e5", JS_NUMBER, "an exponent without sign");
	ACCEPT("true", JS_TRUE, "true");
	ACCEPT("false", JS_FALSE, "false");
	ACCEPT("null", JS_NULL, "null");
	ACCEPT(" \t\r\n{\"a\" : [1, {\"b\":null}], \"c\":\"d\"} \n", JS_OBJECT,
	       "an object with white space around and inside");
	ACCEPT("[[[]],{},\"\",0,true,false,null]", JS_ARRAY, "an array of every kind");
	ACCEPT("\"\\u00e9\\ud83d\\ude00 \\\\ \\\" \\/ \\b\\f\\n\\r\\t\"", JS_STRING,
	       "every escape");
	ACCEPT("\"\\uD83D\\uDE00\"", JS_STRING, "upper-case hex in \\u");
	ACCEPT("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", JS_STRING, "2, 3 and 4 byte UTF-8");
	ACCEPT("\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xc2\x80\"", JS_STRING, "U+10FFFF, U+FFFF, U+0080");
	ACCEPT("\"\x7f\"", JS_STRING, "DEL in a string");
	ACCEPT("{\"\":0}", JS_OBJECT, "an empty member name");
	is_int((long long)js.nmembers, 1, "the empty name is a member");
	ACCEPT("[1,2]", JS_ARRAY, "a top-level array");
	is_int((long long)js.nmembers, 0, "an array has no members");
	ok(jscan_find(&js, "a") == NULL, "jscan_find in an array finds nothing");
}

static void test_invalid(void)
{
	REFUSE("", "empty line", 0, "an empty text");
	REFUSE("   ", "empty line", 3, "white space only");
	REFUSE("{", "truncated JSON", 1, "a lone '{'");
	REFUSE("[", "truncated JSON", 1, "a lone '['");
	REFUSE("{\"a\"", "truncated JSON", 4, "a name without ':'");
	REFUSE("{\"a\":", "truncated JSON", 5, "a name without value");
	REFUSE("{\"a\":1", "truncated JSON", 6, "an object without '}'");
	REFUSE("[1,2", "truncated JSON", 4, "an array without ']'");
	REFUSE("[1,", "truncated JSON", 3, "an array after ','");
	REFUSE("\"abc", "unterminated string", 4, "an unterminated string");
	REFUSE("\"abc\\", "unterminated string", 4, "a string ending in a backslash");
	REFUSE("{} x", "trailing characters", 3, "trailing garbage");
	REFUSE("1 2", "trailing characters", 2, "two values");
	REFUSE("{}}", "trailing characters", 2, "an extra '}'");

	REFUSE("01", "trailing characters", 1, "a leading zero (01)");
	REFUSE("-01", "trailing characters", 2, "a leading zero (-01)");
	REFUSE("1.", "bad number", 2, "1.");
	REFUSE("1.e5", "bad number", 2, "1.e5");
	REFUSE("-", "bad number", 1, "a lone '-'");
	REFUSE("-a", "bad number", 1, "'-' and a letter");
	REFUSE("1e", "bad number", 2, "1e");
	REFUSE("1e+", "bad number", 3, "1e+");
	REFUSE("[1E-]", "bad number", 4, "1E- in an array");
	REFUSE(".5", "unexpected character", 0, "a leading '.'");
	REFUSE("+1", "unexpected character", 0, "a leading '+'");
	REFUSE("0x10", "trailing characters", 1, "hex");
	REFUSE("NaN", "unexpected character", 0, "NaN");

	REFUSE("tru", "invalid literal", 0, "a truncated literal");
	REFUSE("nul", "invalid literal", 0, "a truncated null");
	REFUSE("fals e", "invalid literal", 0, "a split literal");
	REFUSE("truex", "trailing characters", 4, "a literal with a tail");
	REFUSE("True", "unexpected character", 0, "a capitalised literal");

	REFUSE("\"\\x\"", "bad escape", 1, "\\x");
	REFUSE("\"\\a\"", "bad escape", 1, "\\a");
	REFUSE("\"ab\\'\"", "bad escape", 3, "\\'");
	REFUSE("\"\\u12\"", "bad \\u escape", 1, "a short \\u");
	REFUSE("\"\\u12G4\"", "bad \\u escape", 1, "a non-hex \\u");
	REFUSE("\"\\u123", "bad \\u escape", 1, "a \\u cut by the end");
	REFUSE("\"a\tb\"", "control character in string", 2, "a tab in a string");
	REFUSE("\"a\nb\"", "control character in string", 2, "a newline in a string");
	REFUSE("\"\x1f\"", "control character in string", 1, "0x1f in a string");
	REFUSE("\"a\0b\"", "NUL byte in string", 2, "a NUL in a string");

	REFUSE("\"\xc0\x80\"", "invalid UTF-8", 1, "overlong C0 80");
	REFUSE("\"\xc1\xbf\"", "invalid UTF-8", 1, "overlong C1 BF");
	REFUSE("\"\xe0\x80\xaf\"", "invalid UTF-8", 1, "overlong E0 80 AF");
	REFUSE("\"\xf0\x80\x80\xaf\"", "invalid UTF-8", 1, "overlong F0 80 80 AF");
	REFUSE("\"\xed\xa0\x80\"", "invalid UTF-8", 1, "surrogate ED A0 80");
	REFUSE("\"\xed\xbf\xbf\"", "invalid UTF-8", 1, "surrogate ED BF BF");
	REFUSE("\"\xf5\x80\x80\x80\"", "invalid UTF-8", 1, "F5 lead");
	REFUSE("\"\xff\"", "invalid UTF-8", 1, "FF in a string");
	REFUSE("\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1, "past U+10FFFF");
	REFUSE("\"ab\x80\"", "invalid UTF-8", 3, "a lone continuation byte");
	REFUSE("\"\xe2\x82\"", "invalid UTF-8", 1, "a sequence cut by the quote");
	REFUSE("\"\xe2\x82", "invalid UTF-8", 1, "a sequence cut by the end");
	REFUSE("\"\xf0\x9f\x98", "invalid UTF-8", 1, "a 4-byte sequence cut by the end");
	REFUSE("\"\xc3\"", "invalid UTF-8", 1, "a lead byte before the quote");

	REFUSE("\xff", "invalid UTF-8", 0, "a lone high byte");
	REFUSE("[1,\x80]", "invalid UTF-8", 3, "a high byte in an array");
	REFUSE("[1,\xc3\xa9]", "unexpected character", 3, "valid UTF-8 outside a string");
	REFUSE("{}\xff", "trailing characters", 2, "a high byte after the value");
	REFUSE("{\xc3\xa9:1}", "expected a member name", 1, "UTF-8 as a bare name");

	REFUSE("\0", "NUL byte", 0, "a lone NUL");
	REFUSE("{}\0", "NUL byte", 2, "a NUL after the value");
	REFUSE("[1\0]", "expected ',' or ']'", 2, "a NUL in an array");
	REFUSE("{\"a\":1\0}", "expected ',' or '}'", 6, "a NUL in an object");

	REFUSE("{\"a\" 1}", "expected ':'", 5, "a missing ':'");
	REFUSE("{\"a\":1,}", "expected a member name", 7, "a trailing comma in an object");
	REFUSE("{1:2}", "expected a member name", 1, "a number as a name");
	REFUSE("{a:1}", "expected a member name", 1, "a bare name");
	REFUSE("[1,]", "unexpected character", 3, "a trailing comma in an array");
	REFUSE("[,1]", "unexpected character", 1, "a leading comma");
	REFUSE("[1}", "mismatched bracket", 2, "[ closed by }");
	REFUSE("{\"a\":1]", "mismatched bracket", 6, "{ closed by ]");
	REFUSE("[}", "mismatched bracket", 1, "an empty [ closed by }");
	REFUSE("{]", "mismatched bracket", 1, "an empty { closed by ]");
	REFUSE("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7, "a missing ',' in an object");
	REFUSE("[1 2]", "expected ',' or ']'", 3, "a missing ',' in an array");
	REFUSE("]", "unexpected character", 0, "a lone ']'");
}

/* depth levels of brackets; closed when close is set. */
static char *nested(size_t depth, const char *open, const char *inner, const char *close)
{
	size_t lo = strlen(open), li = strlen(inner), lc = close ? strlen(close) : 0;
	char *s = malloc(depth * (lo + lc) + li + 1), *p = s;

	if (!s) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (size_t i = 0; close && i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void test_nesting(void)
{
	char *s;

	s = nested(512, "[", "1", "]");
	is_int(scan(s, strlen(s)), 0, "512 nested arrays are accepted");
	free(s);

	s = nested(512, "{\"a\":", "1", "}");
	is_int(scan(s, strlen(s)), 0, "512 nested objects are accepted");
	is_int((long long)js.nmembers, 1, "the outer object has one member");
	free(s);

	s = nested(256, "[{\"k\":", "1", "}]");
	is_int(scan(s, strlen(s)), 0, "512 levels alternating arrays and objects");
	free(s);

	s = nested(513, "[", "1", "]");
	is_int(scan(s, strlen(s)), -1, "513 nested arrays are refused");
	is_str(js.err, "nesting too deep at byte 513", "513: message");
	is_int((long long)js.err_off, 512, "513: offset of the 513th bracket");
	free(s);

	s = nested(513, "{\"a\":", "1", "}");
	is_int(scan(s, strlen(s)), -1, "513 nested objects are refused");
	is_int((long long)js.err_off, 512 * 5, "513 objects: offset");
	free(s);

	s = nested(100000, "[", "", NULL);
	is_int(scan(s, strlen(s)), -1, "100,000 open brackets are refused");
	is_str(js.err, "nesting too deep at byte 513", "100,000: refused at the limit");
	free(s);

	s = nested(100000, "[", "", "]");
	is_int(scan(s, strlen(s)), -1, "100,000 balanced brackets are refused");
	free(s);

	s = nested(100000, "{\"a\":", "", NULL);
	is_int(scan(s, strlen(s)), -1, "100,000 open objects are refused");
	free(s);
}

static void test_members(void)
{
	struct { char *s; size_t len, cap; } t = { NULL, 0, 0 };
	char key[32];

	REFUSE("{\"type\":1,\"type\":2}", "duplicate member name", 10, "a duplicate name");
	REFUSE("{\"type\":\"a\",\"\\u0074ype\":\"b\"}", "duplicate member name", 12,
	       "a duplicate written with \\u");
	REFUSE("{\"\\u0074ype\":\"a\",\"type\":\"b\"}", "duplicate member name", 17,
	       "a duplicate whose first copy has \\u");
	REFUSE("{\"\\u0041\":1,\"\\u0041\":2}", "duplicate member name", 12,
	       "a duplicate escaped twice");
	REFUSE("{\"a\\/b\":1,\"a/b\":2}", "duplicate member name", 10, "a duplicate with \\/");
	REFUSE("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", "duplicate member name", 18,
	       "a duplicate with a surrogate pair");
	ACCEPT("{\"a\":1,\"A\":2,\"a \":3,\"\\u0062\":4}", JS_OBJECT, "names differing in case");
	ACCEPT("{\"a\":{\"x\":1},\"b\":{\"x\":2}}", JS_OBJECT, "the same name in two objects");
	ACCEPT("[{\"a\":1},{\"a\":2}]", JS_ARRAY, "the same name in array elements");

	/* A duplicate whose name is too long for any fixed buffer. */
	{
		char *a = nested(300, "x", "", NULL);
		char text[1024];
		int n = snprintf(text, sizeof(text), "{\"%s\\u0041\":1,\"%sA\":2}", a, a);

		is_int(scan(text, (size_t)n), -1, "a long duplicate name with \\u is refused");
		is_str(js.err, "duplicate member name at byte 313", "long duplicate: message");
		n = snprintf(text, sizeof(text), "{\"%s\\u0041\":1,\"%sB\":2}", a, a);
		is_int(scan(text, (size_t)n), 0, "long names that differ are accepted");
		free(a);
	}

	/* 256 members are allowed, the 257th is not. */
	for (int i = 0; i <= 256; i++) {
		int n = snprintf(key, sizeof(key), "%s\"k%d\":%d", i ? "," : "{", i, i);

		if (t.len + (size_t)n + 2 > t.cap) {
			t.cap = 2 * t.cap + 64;
			t.s = realloc(t.s, t.cap);
			if (!t.s)
				return;
		}
		if (i == 256) {
			memcpy(t.s + t.len, "}", 2);
			is_int(scan(t.s, t.len + 1), 0, "256 top-level members are accepted");
			is_int((long long)js.nmembers, 256, "256 members found");
			ok(jscan_find(&js, "k255") && js.m[255].val_len == 3 &&
			   !memcmp(js.m[255].val, "255", 3), "the 256th member is k255");
		}
		memcpy(t.s + t.len, key, (size_t)n);
		t.len += (size_t)n;
	}
	memcpy(t.s + t.len, "}", 2);
	is_int(scan(t.s, t.len + 1), -1, "257 top-level members are refused");
	ok(!strncmp(js.err, "too many top-level members at byte ", 35),
	   "257 members: message (%s)", js.err);
	is_int(t.s[js.err_off], '"', "257 members: offset at the 257th name");
	free(t.s);

	/* Members of nested objects do not count towards the limit. */
	t.s = malloc(300 * 16 + 32);
	if (!t.s)
		return;
	t.len = (size_t)snprintf(t.s, 32, "{\"outer\":{");
	for (int i = 0; i < 300; i++)
		t.len += (size_t)snprintf(t.s + t.len, 16, "%s\"k%d\":1", i ? "," : "", i);
	memcpy(t.s + t.len, "}}", 3);
	is_int(scan(t.s, t.len + 2), 0, "300 members of a nested object are accepted");
	is_int((long long)js.nmembers, 1, "and the top level has one");
	free(t.s);
}

/*
 * Strings and names are read eight bytes at a time: a special byte at every
 * place in and around a word, strings and names of every length up to two
 * words and a bit, and texts that end right after them (where a whole
 * word cannot be read). Each text is scanned from a buffer of its exact
 * size, so reading past it would show under the sanitizers; the buffer
 * stays until the next scan (js points into it). NULL text: free it.
 */
static char *exact;

static int scan_exact(const char *text, size_t n)
{
	free(exact);
	exact = NULL;
	if (!text)
		return 0;
	exact = malloc(n ? n : 1);
	if (!exact)
		return -2;
	memcpy(exact, text, n);
	return scan(exact, n);
}

static void test_words(void)
{
	static const struct {
		const char *bytes, *err;   /* err NULL: accepted */
		int escaped;
	} special[] = {
		{ "\\n", NULL, 1 }, { "\\u00e9", NULL, 1 }, { "\xc3\xa9", NULL, 0 },
		{ "\xe2\x9c\x93", NULL, 0 }, { "\x7f", NULL, 0 },
		{ "\x01", "control character in string", 0 }, { "\x1f", "control character in string", 0 },
		{ "\xff", "invalid UTF-8", 0 }, { "\xc3(", "invalid UTF-8", 0 },
		{ "\\x", "bad escape", 0 },
	};
	int wrong = 0, cases = 0;

	/* past 40 bytes: the sixteen-byte, eight-byte and byte-wise ways each */
	for (size_t len = 0; len <= 40; len++) {
		for (size_t at = 0; at <= len; at++) {
			for (size_t k = 0; k < sizeof(special) / sizeof(*special); k++) {
				char text[96], want[80];
				size_t n = 0;

				if (at == len && k)
					break;   /* the plain string of this length, once */
				text[n++] = '"';
				for (size_t i = 0; i < len; i++) {
					if (i == at && at < len) {
						size_t sl = strlen(special[k].bytes);

						memcpy(text + n, special[k].bytes, sl);
						n += sl;
					} else {
						text[n++] = (char)('a' + i % 26);
					}
				}
				text[n++] = '"';
				cases++;
				if (at == len || !special[k].err) {
					if (scan_exact(text, n) != 0 || js.type != JS_STRING) {
						printf("#   refused: %.*s (%s)\n", (int)n, text, js.err);
						wrong++;
					}
					continue;
				}
				snprintf(want, sizeof(want), "%s at byte %zu", special[k].err, at + 2);
				if (scan_exact(text, n) != -1 || strcmp(js.err, want)) {
					printf("#   %.*s: got '%s', want '%s'\n", (int)n, text, js.err, want);
					wrong++;
				}
			}
		}
	}
	ok(!wrong, "strings of 0-40 bytes with a special byte at each place (%d texts)", cases);

	/* as member values: the raw bytes and whether they hold an escape */
	wrong = 0;
	for (size_t len = 1; len <= 40; len++) {
		for (size_t k = 0; k < 5; k++) {
			char text[96];
			size_t n = (size_t)snprintf(text, sizeof(text), "{\"v\":\"%.*s%s\"}",
						    (int)(len - 1),
						    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
						    special[k].bytes);
			size_t raw = n - 8;

			if (scan_exact(text, n) != 0 || js.nmembers != 1 ||
			    js.m[0].val_len != raw || js.m[0].val_escaped != special[k].escaped ||
			    memcmp(js.m[0].val, text + 6, raw)) {
				printf("#   %s: val_len %zu escaped %d\n", text, js.m[0].val_len,
				       js.m[0].val_escaped);
				wrong++;
			}
		}
	}
	ok(!wrong, "member values of 1-40 bytes: raw bytes and escape flag");

	/* names of every length: a duplicate is found however it is written,
	 * last in the text or not, and a name one byte off is not one */
	wrong = 0;
	for (size_t len = 1; len <= 20; len++) {
		char name[32], esc[40], off[32], text[160];
		int n;

		for (size_t i = 0; i < len; i++)
			name[i] = (char)('a' + i % 26);
		name[len] = '\0';
		memcpy(off, name, len + 1);
		off[len - 1] = 'Z';
		snprintf(esc, sizeof(esc), "\\u00%02x%s", name[0], name + 1);
		n = snprintf(text, sizeof(text), "{\"%s\":1,\"%s\":2}", name, name);
		if (scan_exact(text, (size_t)n) != -1 || strncmp(js.err, "duplicate member name", 21))
			wrong++;
		n = snprintf(text, sizeof(text), "{\"%s\":1,\"%s\":2}", esc, name);
		if (scan_exact(text, (size_t)n) != -1 || strncmp(js.err, "duplicate member name", 21))
			wrong++;
		n = snprintf(text, sizeof(text), "{\"%s\":1,\"x\":[],\"%s\":2,\"y\":0}", name, esc);
		if (scan_exact(text, (size_t)n) != -1 || strncmp(js.err, "duplicate member name", 21))
			wrong++;
		n = snprintf(text, sizeof(text), "{\"%s\":1,\"%s\":2}", name, off);
		if (scan_exact(text, (size_t)n) != 0 || js.nmembers != 2)
			wrong++;
		n = snprintf(text, sizeof(text), "{\"%s\":1,\"%s\":2}", esc, off);
		if (scan_exact(text, (size_t)n) != 0 || js.nmembers != 2)
			wrong++;
		if (wrong)
			printf("#   name of %zu bytes: %s\n", len, text);
	}
	ok(!wrong, "duplicate names of 1-20 bytes, plain and escaped, found; near ones not");

	/* many names in one object, none equal: all kept */
	{
		char text[4096];
		size_t n = 1;

		text[0] = '{';
		for (int i = 0; i < 200; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"n%d\":%d", i ? "," : "",
					      i, i);
		text[n++] = '}';
		ok(scan_exact(text, n) == 0 && js.nmembers == 200, "200 different names accepted");
	}
	scan_exact(NULL, 0);
}

static const char doc[] =
	"{\"type\":\"a\\\"b\\\\c\\/d\\n\", \"emoji\":\"\\ud83d\\ude00\","
	"\"lone\":\"\\ud800x\",\"low\":\"\\udc00\",\"nul\":\"a\\u0000b\","
	"\"plain\":\"h\xc3\xa9llo\",\"num\":-1.5e3,\"t\":true,\"f\":false,"
	"\"n\":null,\"obj\":{\"x\":[1,2]} ,\"arr\":[ ],\"e\\u0073c\":\"v\","
	"\"pair\":\"\\uD83D\\uDE00!\",\"hi2\":\"\\ud83d\\u0041\"}";

static void test_access(void)
{
	const struct jscan_member *m;
	char out[64];

	if (!ok(scan(doc, sizeof(doc) - 1) == 0, "the accessor document parses"))
		printf("#   err: %s\n", js.err);
	is_int((long long)js.nmembers, 15, "15 members");

	m = jscan_find(&js, "type");
	ok(m && m->type == JS_STRING && m->val_escaped && !m->key_escaped,
	   "type: an escaped string");
	ok(m && m->val_len == 12 && !memcmp(m->val, "a\\\"b\\\\c\\/d\\n", 12),
	   "type: raw value without quotes");
	is_int(jscan_strcpy(m, out, sizeof(out)), 8, "type: decoded length");
	is_str(out, "a\"b\\c/d\n", "type: decoded value");
	is_int(jscan_strcpy(m, out, 8), -1, "type: a buffer one byte short");
	is_int(jscan_strcpy(m, out, 9), 8, "type: a buffer just large enough");
	ok(jscan_streq(m, "a\"b\\c/d\n"), "type: streq on the decoded value");
	ok(!jscan_streq(m, "a\"b\\c/d"), "type: streq refuses a prefix");
	ok(!jscan_streq(m, "a\\\"b\\\\c\\/d\\n"), "type: streq refuses the raw text");

	m = jscan_find(&js, "emoji");
	is_int(jscan_strcpy(m, out, sizeof(out)), 4, "emoji: surrogate pair decodes to 4 bytes");
	is_str(out, "\xf0\x9f\x98\x80", "emoji: U+1F600");
	is_int(jscan_strcpy(m, out, 4), -1, "emoji: no room for the NUL");
	ok(jscan_streq(m, "\xf0\x9f\x98\x80"), "emoji: streq");

	m = jscan_find(&js, "pair");
	is_int(jscan_strcpy(m, out, sizeof(out)), 5, "upper-case pair: length");
	is_str(out, "\xf0\x9f\x98\x80!", "upper-case pair: value");

	m = jscan_find(&js, "lone");
	is_int(jscan_strcpy(m, out, sizeof(out)), 4, "a lone high surrogate: length");
	is_str(out, "\xef\xbf\xbdx", "a lone high surrogate becomes U+FFFD");
	m = jscan_find(&js, "low");
	jscan_strcpy(m, out, sizeof(out));
	is_str(out, "\xef\xbf\xbd", "a lone low surrogate becomes U+FFFD");
	m = jscan_find(&js, "hi2");
	jscan_strcpy(m, out, sizeof(out));
	is_str(out, "\xef\xbf\xbd" "A", "a high surrogate before a non-surrogate");

	m = jscan_find(&js, "nul");
	is_int(jscan_strcpy(m, out, sizeof(out)), -1, "a string holding \\u0000 is refused");
	ok(!jscan_streq(m, "a"), "streq does not stop at \\u0000");

	m = jscan_find(&js, "plain");
	ok(m && !m->val_escaped, "plain: not escaped");
	is_int(jscan_strcpy(m, out, sizeof(out)), 6, "plain: length in bytes");
	is_str(out, "h\xc3\xa9llo", "plain: value");
	is_int(jscan_strcpy(m, out, 6), -1, "plain: a buffer one byte short");
	ok(jscan_streq(m, "h\xc3\xa9llo") && !jscan_streq(m, "hello"), "plain: streq");
	is_int(jscan_strcpy(m, out, 0), -1, "a zero-sized buffer");

	m = jscan_find(&js, "num");
	ok(m && m->type == JS_NUMBER && m->val_len == 6 && !memcmp(m->val, "-1.5e3", 6),
	   "num: raw text -1.5e3");
	is_int(jscan_strcpy(m, out, sizeof(out)), -1, "strcpy of a number fails");
	ok(!jscan_streq(m, "-1.5e3"), "streq of a number fails");
	m = jscan_find(&js, "t");
	ok(m && m->type == JS_TRUE && m->val_len == 4 && !memcmp(m->val, "true", 4), "t: true");
	m = jscan_find(&js, "f");
	ok(m && m->type == JS_FALSE && m->val_len == 5 && !memcmp(m->val, "false", 5), "f: false");
	m = jscan_find(&js, "n");
	ok(m && m->type == JS_NULL && m->val_len == 4 && !memcmp(m->val, "null", 4), "n: null");
	m = jscan_find(&js, "obj");
	ok(m && m->type == JS_OBJECT && m->val_len == 11 && !memcmp(m->val, "{\"x\":[1,2]}", 11),
	   "obj: raw object text");
	m = jscan_find(&js, "arr");
	ok(m && m->type == JS_ARRAY && m->val_len == 3 && !memcmp(m->val, "[ ]", 3),
	   "arr: raw array text");
	m = jscan_find(&js, "esc");
	ok(m && m->key_escaped && m->key_len == 8 && !memcmp(m->key, "e\\u0073c", 8),
	   "a name with \\u is found by its decoded name");
	ok(jscan_streq(m, "v"), "and its value read");
	ok(jscan_find(&js, "e\\u0073c") == NULL, "the raw escaped name is not a name");
	ok(jscan_find(&js, "missing") == NULL, "a missing name");
	ok(jscan_find(&js, "typ") == NULL && jscan_find(&js, "types") == NULL,
	   "names are compared whole");
	ok(!jscan_streq(NULL, "x"), "streq on no member");

	/* Values at the top level and after white space. */
	if (scan("{\"s\": \"x\" , \"o\" : { } }", 23) == 0) {
		m = jscan_find(&js, "o");
		ok(m && m->val_len == 3 && !memcmp(m->val, "{ }", 3), "an empty object member");
		m = jscan_find(&js, "s");
		ok(m && m->val_len == 1 && *m->val == 'x', "a string member around spaces");
	} else {
		ok(0, "spaced document parses: %s", js.err);
	}

	/* A value long enough that a fixed buffer would not hold it. */
	{
		char *v = nested(400, "ab", "", NULL), text[1024], want[1024];
		int n = snprintf(text, sizeof(text), "{\"k\":\"\\u0041%s\"}", v);

		snprintf(want, sizeof(want), "A%s", v);
		scan(text, (size_t)n);
		m = jscan_find(&js, "k");
		ok(jscan_streq(m, want), "streq on a long escaped value");
		ok(!jscan_streq(m, "A"), "streq on a long value refuses a prefix");
		free(v);
	}
}

static void test_utf8_len(void)
{
	const unsigned char a[] = "\xc3\xa9", b[] = "\xe2\x82\xac", c[] = "\xf0\x9f\x98\x80",
			    d[] = "\xc0\x80", e[] = "\xed\xa0\x80", f[] = "\xf5\x80\x80\x80",
			    g[] = "\xe2\x82", h[] = "\x80";

	is_int((long long)jscan_utf8_len(a, a + 2), 2, "utf8_len: 2 bytes");
	is_int((long long)jscan_utf8_len(b, b + 3), 3, "utf8_len: 3 bytes");
	is_int((long long)jscan_utf8_len(c, c + 4), 4, "utf8_len: 4 bytes");
	is_int((long long)jscan_utf8_len(c, c + 3), 0, "utf8_len: cut by end");
	is_int((long long)jscan_utf8_len(d, d + 2), 0, "utf8_len: overlong");
	is_int((long long)jscan_utf8_len(e, e + 3), 0, "utf8_len: surrogate");
	is_int((long long)jscan_utf8_len(f, f + 4), 0, "utf8_len: F5");
	is_int((long long)jscan_utf8_len(g, g + 2), 0, "utf8_len: truncated");
	is_int((long long)jscan_utf8_len(h, h + 1), 0, "utf8_len: continuation byte");

	is_str(jscan_type_name(JS_OBJECT), "object", "type name object");
	is_str(jscan_type_name(JS_TRUE), "boolean", "type name true");
	is_str(jscan_type_name(JS_NULL), "null", "type name null");
	is_str(jscan_type_name(JS_NONE), "nothing", "type name none");
}

int main(void)
{
	test_valid();
	test_invalid();
	test_nesting();
	test_members();
	test_words();
	test_access();
	test_utf8_len();
	return done_testing();
}
