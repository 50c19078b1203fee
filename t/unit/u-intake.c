/*
 * u-intake.c - unit tests for lib/serve/intake.c: each accepted content
 * type and charset and the refused ones, JSON bodies with every member,
 * the depth limit (16 levels read, 17 refused), unknown and missing
 * members, wrong types, bodies that are empty, not UTF-8, hold NUL bytes
 * or \u0000; Idempotency-Key checks; event ids and digests compared with
 * values computed outside the library (sha256sum).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/intake.h"
#include "tap.h"

/* Parse body (a C string) sent as ct; check the status and, on 0, the text. */
static void parse_is(const char *ct, const char *body, int want, const char *want_text,
		     const char *what)
{
	struct intake_doc d = INTAKE_DOC_INIT;
	char detail[160];
	int rc = intake_parse(ct, body, strlen(body), &d, detail, sizeof(detail));

	if (!is_int(rc, want, "%s: status", what))
		printf("#   detail: %s\n", detail);
	if (want == 0)
		is_str(d.text, want_text, "%s: text", what);
	else
		ok(!d.text && !d.title && !d.format && detail[0], "%s: nothing held, a reason given (%s)",
		   what, detail);
	intake_doc_release(&d);
}

/* The reason given for body, or "(accepted)". */
static const char *reason(const char *ct, const char *body, size_t len)
{
	static char detail[160];
	struct intake_doc d = INTAKE_DOC_INIT;

	if (!intake_parse(ct, body, len, &d, detail, sizeof(detail)))
		snprintf(detail, sizeof(detail), "(accepted)");
	intake_doc_release(&d);
	return detail;
}

/* {"x": [[...]]} nested depth levels deep in all, with "text" beside it. */
static char *nested(int depth)
{
	size_t n = 64 + 2 * (size_t)depth;
	char *s = malloc(n);
	size_t o = 0;

	o += (size_t)snprintf(s + o, n - o, "{\"text\":\"t\",\"x\":");
	for (int i = 1; i < depth; i++)
		s[o++] = '[';
	s[o++] = '1';
	for (int i = 1; i < depth; i++)
		s[o++] = ']';
	s[o++] = '}';
	s[o] = '\0';
	return s;
}

static void test_content_types(void)
{
	static const char *const good[] = {
		"application/json", "Application/JSON", "application/json; charset=utf-8",
		"application/json;charset=UTF-8", "application/json ; charset=\"utf-8\"",
		"application/json; charset=us-ascii", "application/json; foo=bar; charset=utf-8",
		"application/json;", " application/json ", "application/json; ;charset=utf-8",
	};
	static const char *const text415[] = {
		"text/html", "application/xml", "multipart/form-data; boundary=x",
		"application/jsonx", "text/markdownish", "application/x-www-form-urlencoded",
	};
	struct intake_doc d = INTAKE_DOC_INIT;
	char detail[160];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		parse_is(good[i], "{\"text\":\"hello\"}", 0, "hello", good[i]);

	is_int(intake_parse("text/markdown", "# Title\n\nBody\n", 14, &d, detail, sizeof(detail)), 0,
	       "text/markdown is read");
	is_str(d.text, "# Title\n\nBody\n", "text/markdown: the body is the text");
	is_int((long long)d.text_len, 14, "text/markdown: text_len");
	is_str(d.format, "markdown", "text/markdown: format markdown");
	ok(!d.title && !d.split, "text/markdown: no title, no split");
	intake_doc_release(&d);
	ok(!d.text && !d.format, "intake_doc_release resets the document");

	is_int(intake_parse("Text/Plain; Charset=US-ASCII", "line one\nline two", 17, &d, detail,
			    sizeof(detail)), 0, "text/plain with us-ascii is read");
	is_str(d.format, "text", "text/plain: format text");
	is_str(d.text, "line one\nline two", "text/plain: the body is the text");
	intake_doc_release(&d);

	parse_is("text/markdown; charset=utf-8", "caf\xc3\xa9", 0, "caf\xc3\xa9",
		 "text/markdown; charset=utf-8 with UTF-8");
	for (i = 0; i < sizeof(text415) / sizeof(*text415); i++)
		parse_is(text415[i], "{\"text\":\"hello\"}", 415, NULL, text415[i]);
	parse_is(NULL, "{\"text\":\"hello\"}", 415, NULL, "missing content type");
	parse_is("  ", "{\"text\":\"hello\"}", 415, NULL, "blank content type");
	parse_is("application/json; charset=iso-8859-1", "{\"text\":\"hello\"}", 415, NULL,
		 "charset iso-8859-1");
	parse_is("text/plain; charset=utf-16", "hello", 415, NULL, "charset utf-16");
	parse_is("text/plain; charset=\"a-charset-name-longer-than-the-buffer-holds-x\"", "hello",
		 415, NULL, "a very long charset");
	is_str(reason("text/plain; charset=latin1", "x", 1), "charset must be utf-8 or us-ascii",
	       "the charset reason");
	parse_is("application", "{\"text\":\"hello\"}", 400, NULL, "no subtype");
	parse_is("application/", "{\"text\":\"hello\"}", 400, NULL, "empty subtype");
	parse_is("application/json; charset", "{\"text\":\"hello\"}", 400, NULL,
		 "parameter without a value");
	parse_is("application/json; charset=\"utf-8", "{\"text\":\"hello\"}", 400, NULL,
		 "unterminated quoted value");
	parse_is("application/json charset=utf-8", "{\"text\":\"hello\"}", 400, NULL,
		 "parameter without a semicolon");
	parse_is("application/json; charset=utf-8; charset=utf-8", "{\"text\":\"hello\"}", 400,
		 NULL, "charset given twice");
}

static void test_json(void)
{
	struct intake_doc d = INTAKE_DOC_INIT;
	char detail[160];
	const char *full = "{\"title\":\"Guest checkout\",\"text\":\"# Guest\\n\\nPay \\u00e9\","
		"\"format\":\"markdown\",\"split\":true}";
	char *s;

	is_int(intake_parse("application/json", full, strlen(full), &d, detail, sizeof(detail)), 0,
	       "every member: accepted");
	is_str(d.title, "Guest checkout", "every member: title");
	is_str(d.text, "# Guest\n\nPay \xc3\xa9", "every member: text with escapes decoded");
	is_int((long long)d.text_len, 15, "every member: text_len");
	is_str(d.format, "markdown", "every member: format");
	is_int(d.split, 1, "every member: split");
	intake_doc_release(&d);

	is_int(intake_parse("application/json", "{\"text\":\"x\",\"format\":\"text\",\"split\":false}",
			    42, &d, detail, sizeof(detail)), 0, "format text, split false");
	is_str(d.format, "text", "format text");
	is_int(d.split, 0, "split false");
	ok(!d.title, "no title given: NULL");
	intake_doc_release(&d);

	is_int(intake_parse("application/json", "{\"text\":\"x\"}", 12, &d, detail, sizeof(detail)),
	       0, "text only");
	ok(!d.format, "no format given: NULL, to guess");
	intake_doc_release(&d);

	s = nested(16);
	is_str(reason("application/json", s, strlen(s)), "unknown member 'x'",
	       "depth 16 passes the depth check (then meets the unknown member)");
	free(s);
	s = nested(17);
	parse_is("application/json", s, 400, NULL, "depth 17");
	is_str(reason("application/json", s, strlen(s)), "json nested deeper than 16 levels",
	       "depth 17: the reason");
	free(s);
	s = malloc(100001);
	memset(s, '[', 100000);
	s[100000] = '\0';
	parse_is("application/json", s, 400, NULL, "100000 open brackets");
	free(s);
	is_str(reason("application/json", "{\"text\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"]]]]\"}", 45),
	       "(accepted)", "brackets inside strings are not nesting");

	parse_is("application/json", "{\"text\":\"x\",\"author\":\"me\"}", 422, NULL,
		 "unknown member");
	is_str(reason("application/json", "{\"text\":\"x\",\"a\\nb\\u0027\":1}", 27),
	       "unknown member 'a?b?'", "an unknown member's name is masked in the reason");
	parse_is("application/json", "{\"title\":\"x\"}", 422, NULL, "missing text");
	is_str(reason("application/json", "{}", 2), "member 'text' is missing",
	       "missing text: the reason");
	parse_is("application/json", "{\"text\":\"\"}", 422, NULL, "empty text");
	parse_is("application/json", "{\"text\":42}", 422, NULL, "text a number");
	parse_is("application/json", "{\"text\":null}", 422, NULL, "text null");
	parse_is("application/json", "{\"text\":[\"x\"]}", 422, NULL, "text an array");
	parse_is("application/json", "{\"text\":\"x\",\"title\":7}", 422, NULL, "title a number");
	parse_is("application/json", "{\"text\":\"x\",\"title\":\"\"}", 422, NULL, "empty title");
	parse_is("application/json", "{\"text\":\"x\",\"title\":\"a\\nb\"}", 422, NULL,
		 "title with a newline");
	parse_is("application/json", "{\"text\":\"x\",\"format\":\"html\"}", 422, NULL,
		 "format html");
	parse_is("application/json", "{\"text\":\"x\",\"format\":1}", 422, NULL, "format a number");
	parse_is("application/json", "{\"text\":\"x\",\"split\":\"yes\"}", 422, NULL,
		 "split a string");
	parse_is("application/json", "{\"text\":\"x\",\"split\":1}", 422, NULL, "split a number");
	parse_is("application/json", "[\"text\"]", 422, NULL, "an array body");
	parse_is("application/json", "\"text\"", 422, NULL, "a string body");

	s = malloc(600);
	snprintf(s, 600, "{\"text\":\"x\",\"title\":\"%0512d\"}", 0);
	parse_is("application/json", s, 0, "x", "title of 512 bytes");
	snprintf(s, 600, "{\"text\":\"x\",\"title\":\"%0513d\"}", 0);
	parse_is("application/json", s, 422, NULL, "title of 513 bytes");
	is_str(reason("application/json", s, strlen(s)), "member 'title' is longer than 512 bytes",
	       "long title: the reason");
	free(s);

	parse_is("application/json", "{\"text\":\"x\"", 400, NULL, "truncated json");
	parse_is("application/json", "{\"text\":\"x\"} {}", 400, NULL, "trailing data");
	parse_is("application/json", "{\"text\":\"x\",\"text\":\"y\"}", 400, NULL,
		 "a member given twice");
	parse_is("application/json", "{\"text\":\"a\\u0000b\"}", 400, NULL, "\\u0000 in text");
	is_str(reason("application/json", "{\"text\":\"a\\u0000b\"}", 19), "json string holds \\u0000",
	       "\\u0000: the reason");
	parse_is("application/json", "{\"te\\u0000xt\":\"a\"}", 400, NULL, "\\u0000 in a name");
	parse_is("application/json", "{\"text\":\"\\ud800\"}", 400, NULL, "a lone surrogate escape");
}

static void test_bytes(void)
{
	struct intake_doc d = INTAKE_DOC_INIT;
	char detail[160];

	parse_is("application/json", "", 400, NULL, "empty json body");
	parse_is("text/plain", "", 400, NULL, "empty text body");
	is_str(reason("text/markdown", "", 0), "empty body", "empty: the reason");
	parse_is("text/plain", "caf\xe9", 400, NULL, "latin-1 text");
	parse_is("application/json", "{\"text\":\"caf\xe9\"}", 400, NULL, "latin-1 in json");
	parse_is("text/plain", "\xc0\xaf", 400, NULL, "an overlong sequence");
	parse_is("text/plain", "\xed\xa0\x80", 400, NULL, "an encoded surrogate");
	is_str(reason("text/plain", "caf\xe9", 4), "body is not valid utf-8", "not utf-8: the reason");
	is_int(intake_parse("text/plain", "a\0b", 3, &d, detail, sizeof(detail)), 400,
	       "a nul byte in text");
	is_int(intake_parse("application/json", "{\"text\":\"x\"}\0", 13, &d, detail, sizeof(detail)),
	       400, "a nul byte after json");
	is_int(intake_parse("text/plain", NULL, 0, &d, detail, sizeof(detail)), 400, "NULL body");
	is_int(intake_parse("text/plain", "x", INTAKE_MAX_LEN + 1, &d, detail, sizeof(detail)), 413,
	       "longer than INTAKE_MAX_LEN");
	is_int(intake_parse("text/html", "x", 1, &d, detail, 0), 415, "dlen 0 is allowed");
	is_int(intake_parse("text/html", "x", 1, &d, detail, 8), 415, "a short detail buffer");
	is_int((long long)strlen(detail), 7, "the short detail is cut and terminated");
}

static void test_keys(void)
{
	char k255[256], k256[257];

	memset(k255, 'k', 255);
	k255[255] = '\0';
	memset(k256, 'k', 256);
	k256[256] = '\0';
	ok(intake_idempotency_key_ok("a"), "key of one byte");
	ok(intake_idempotency_key_ok("8e2b6c1a-0f3d-4c55-9a7e-1b2c3d4e5f60"), "a uuid key");
	ok(intake_idempotency_key_ok("order 7/retry ~!\"#$%&'()*+,-.:;<=>?@[\\]^_`{|}"),
	   "visible ascii and inner spaces");
	ok(intake_idempotency_key_ok(k255), "key of 255 bytes");
	ok(!intake_idempotency_key_ok(k256), "key of 256 bytes refused");
	ok(!intake_idempotency_key_ok(""), "empty key refused");
	ok(!intake_idempotency_key_ok(NULL), "NULL key refused");
	ok(!intake_idempotency_key_ok(" a"), "leading space refused");
	ok(!intake_idempotency_key_ok("a "), "trailing space refused");
	ok(!intake_idempotency_key_ok(" "), "a lone space refused");
	ok(!intake_idempotency_key_ok("a\tb"), "tab refused");
	ok(!intake_idempotency_key_ok("a\x7f"), "DEL refused");
	ok(!intake_idempotency_key_ok("caf\xc3\xa9"), "non-ascii refused");
}

static void test_ids(void)
{
	char id[37], id2[37], dg[65];

	/* printf '%s\0%s\0%s' ci req-42 0 | sha256sum: eeb01157393c96eee980b296a775fee2... */
	intake_event_id("ci", "req-42", 0, id);
	is_str(id, "eeb01157-393c-86ee-a980-b296a775fee2", "event id of (ci, req-42, 0)");
	/* printf '%s\0%s\0%s' 'jwt:alice' 'order 7/retry' 12 | sha256sum: 33769526d7d2dd9d86e2... */
	intake_event_id("jwt:alice", "order 7/retry", 12, id);
	is_str(id, "33769526-d7d2-8d9d-86e2-98c3a0325815", "event id of (jwt:alice, order 7/retry, 12)");
	intake_event_id("ci", "req-42", 1, id2);
	ok(strcmp(id, id2) != 0, "another index, another id");
	intake_event_id("ci", "req-42", 0, id2);
	is_str(id2, "eeb01157-393c-86ee-a980-b296a775fee2", "the same inputs, the same id");
	intake_event_id("c", "ireq-42", 0, id2);
	ok(strcmp(id2, "eeb01157-393c-86ee-a980-b296a775fee2") != 0,
	   "the separator keeps (c, ireq-42) apart from (ci, req-42)");
	/* printf '%s\0%s\0%s' '' '' 0 | sha256sum: eadb6c511e574df8ca19d1b205a972ea... */
	intake_event_id(NULL, NULL, 0, id2);
	is_str(id2, "eadb6c51-1e57-8df8-8a19-d1b205a972ea", "NULL principal and key count as empty");
	ok(id2[14] == '8' && strchr("89ab", id2[19]), "version 8, variant 10");

	/* printf '%s\0%s' 'application/json' '{"text":"x"}' | sha256sum */
	intake_digest("application/json", "{\"text\":\"x\"}", 12, dg);
	is_str(dg, "fdea0246ec2ed6db3b96540f4ceaf9bf6778371990bf75cb4db7d77e198c50b4",
	       "digest of a json request");
	/* printf '%s\0%s' 'text/plain; charset=utf-8' 'x' | sha256sum */
	intake_digest("text/plain; charset=utf-8", "x", 1, dg);
	is_str(dg, "bc55eed38bb18401c5f77399db9db8f2e6217c922280f30517cfdeebfc659dbd",
	       "digest of a text request");
	intake_digest("text/plain; charset=utf-8", "y", 1, dg);
	ok(strcmp(dg, "bc55eed38bb18401c5f77399db9db8f2e6217c922280f30517cfdeebfc659dbd") != 0,
	   "another body, another digest");
	intake_digest(NULL, NULL, 0, dg);
	/* printf '\0' | sha256sum */
	is_str(dg, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	       "digest of nothing: SHA-256 of one NUL byte");
}

int main(void)
{
	test_content_types();
	test_json();
	test_bytes();
	test_keys();
	test_ids();
	return done_testing();
}
