/*
 * u-yaml.c - unit tests for lib/yamljson.c: the whole text the emitter
 * writes for an OpenAPI-like document, how each kind of string is quoted,
 * that what is written reads back as the same value (hostile strings,
 * deep nesting, number limits, random values), what the reader accepts
 * (core schema, tags, anchors, merge keys, comments, flow collections,
 * block scalars) and the exact message of each refusal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamljson.h"
#include "buf.h"
#include "error.h"
#include "tap.h"

static json_t *json(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

	if (!v) {
		printf("Bail out! bad JSON in the test: %s: %s\n", text, err.text);
		exit(1);
	}
	return v;
}

/* The YAML for v (new string), or NULL with the error shown. */
static char *emitted(json_t *v)
{
	struct buf b;

	buf_init(&b, 0);
	if (yaml_emit(v, &b) < 0) {
		printf("# yaml_emit: %s\n", ak_errmsg());
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Does v come back from emit and parse as itself? Shows why not. */
static int round_trips(json_t *v)
{
	struct buf b;
	json_t *back;
	int same;

	buf_init(&b, 0);
	if (yaml_emit(v, &b) < 0) {
		printf("# yaml_emit: %s\n", ak_errmsg());
		buf_release(&b);
		return 0;
	}
	back = yaml_parse(b.p, b.len, "rt");
	same = back && json_equal(v, back);
	if (!same) {
		char *j = json_dumps(v, JSON_ENCODE_ANY);

		printf("# value: %.300s\n# yaml: %.300s\n# back: %s\n", j, b.p,
		       back ? "a different value" : ak_errmsg());
		free(j);
	}
	json_decref(back);
	buf_release(&b);
	return same;
}

/* Emit the JSON text, compare with want, and read it back. */
static void is_emit(const char *text, const char *want, const char *name)
{
	json_t *v = json(text);
	char *got = emitted(v);

	is_str(got, want, "emit %s", name);
	ok(round_trips(v), "emit %s: reads back the same", name);
	free(got);
	json_decref(v);
}

/* Parse yaml; the result as compact JSON must be want. */
static void is_parse(const char *yaml, const char *want, const char *name)
{
	json_t *v = yaml_parse(yaml, strlen(yaml), "t.yaml");
	char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	if (!v)
		printf("# yaml_parse: %s\n", ak_errmsg());
	is_str(got, want, "parse %s", name);
	free(got);
	json_decref(v);
}

/* Parsing len bytes of yaml must fail with exactly want. */
static void is_parse_error_n(const char *yaml, size_t len, const char *want,
			     const char *name)
{
	json_t *v = yaml_parse(yaml, len, "t.yaml");

	ok(v == NULL, "refuse %s", name);
	if (v) {
		json_decref(v);
		return;
	}
	is_str(ak_errmsg(), want, "refuse %s: message", name);
	is_int(ak_errcode(), AK_EXIT_DATAERR, "refuse %s: DATAERR", name);
}

static void is_parse_error(const char *yaml, const char *want, const char *name)
{
	is_parse_error_n(yaml, strlen(yaml), want, name);
}

static void test_openapi(void)
{
	static const char doc[] =
		"{\"openapi\": \"3.1.0\","
		" \"info\": {\"title\": \"Pet store\", \"version\": \"1.0.0\","
		"  \"description\": \"Pets.\\nAll of them.\\n\"},"
		" \"servers\": [{\"url\": \"https://api.example.com/v1\"}],"
		" \"paths\": {\"/pets/{petId}\": {\"get\": {"
		"  \"operationId\": \"showPet\", \"tags\": [\"pets\"],"
		"  \"parameters\": [{\"name\": \"petId\", \"in\": \"path\","
		"   \"required\": true, \"schema\": {\"type\": \"string\"}}],"
		"  \"responses\": {"
		"   \"200\": {\"description\": \"A pet\", \"content\": {"
		"    \"application/json\": {\"schema\": {"
		"     \"$ref\": \"#/components/schemas/Pet\"}}}},"
		"   \"default\": {\"description\": \"unexpected error\"}}}}},"
		" \"components\": {\"schemas\": {\"Pet\": {\"type\": \"object\","
		"  \"required\": [\"id\", \"name\"], \"properties\": {"
		"   \"id\": {\"type\": \"integer\", \"format\": \"int64\", \"minimum\": 1},"
		"   \"name\": {\"type\": \"string\", \"maxLength\": 64},"
		"   \"weight\": {\"type\": \"number\", \"multipleOf\": 0.5},"
		"   \"tag\": {\"type\": [\"string\", \"null\"], \"default\": null,"
		"    \"enum\": [\"dog\", \"cat\", \"no\", \"null\"]}},"
		"  \"additionalProperties\": false}}},"
		" \"security\": [], \"x-empty\": {}}";
	static const char want[] =
		"openapi: \"3.1.0\"\n"
		"info:\n"
		"  title: Pet store\n"
		"  version: \"1.0.0\"\n"
		"  description: |\n"
		"    Pets.\n"
		"    All of them.\n"
		"servers:\n"
		"- url: https://api.example.com/v1\n"
		"paths:\n"
		"  /pets/{petId}:\n"
		"    get:\n"
		"      operationId: showPet\n"
		"      tags:\n"
		"      - pets\n"
		"      parameters:\n"
		"      - name: petId\n"
		"        in: path\n"
		"        required: true\n"
		"        schema:\n"
		"          type: string\n"
		"      responses:\n"
		"        \"200\":\n"
		"          description: A pet\n"
		"          content:\n"
		"            application/json:\n"
		"              schema:\n"
		"                $ref: \"#/components/schemas/Pet\"\n"
		"        default:\n"
		"          description: unexpected error\n"
		"components:\n"
		"  schemas:\n"
		"    Pet:\n"
		"      type: object\n"
		"      required:\n"
		"      - id\n"
		"      - name\n"
		"      properties:\n"
		"        id:\n"
		"          type: integer\n"
		"          format: int64\n"
		"          minimum: 1\n"
		"        name:\n"
		"          type: string\n"
		"          maxLength: 64\n"
		"        weight:\n"
		"          type: number\n"
		"          multipleOf: 0.5\n"
		"        tag:\n"
		"          type:\n"
		"          - string\n"
		"          - \"null\"\n"
		"          default: null\n"
		"          enum:\n"
		"          - dog\n"
		"          - cat\n"
		"          - \"no\"\n"
		"          - \"null\"\n"
		"      additionalProperties: false\n"
		"security: []\n"
		"x-empty: {}\n";

	is_emit(doc, want, "an OpenAPI document");
}

/* Strings written as "k: <want>". */
static void test_quoting(void)
{
	static const struct {
		const char *json;       /* the string, as JSON */
		const char *want;       /* the YAML for {"k": string} */
	} cases[] = {
		/* plain scalars that would read back as something else */
		{ "\"true\"", "k: \"true\"\n" },
		{ "\"True\"", "k: \"True\"\n" },
		{ "\"FALSE\"", "k: \"FALSE\"\n" },
		{ "\"null\"", "k: \"null\"\n" },
		{ "\"Null\"", "k: \"Null\"\n" },
		{ "\"~\"", "k: \"~\"\n" },
		{ "\"\"", "k: \"\"\n" },
		{ "\"1\"", "k: \"1\"\n" },
		{ "\"-1\"", "k: \"-1\"\n" },
		{ "\"+1\"", "k: \"+1\"\n" },
		{ "\"1.0\"", "k: \"1.0\"\n" },
		{ "\".5\"", "k: \".5\"\n" },
		{ "\"1e3\"", "k: \"1e3\"\n" },
		{ "\"0x1\"", "k: \"0x1\"\n" },
		{ "\"0o7\"", "k: \"0o7\"\n" },
		{ "\".inf\"", "k: \".inf\"\n" },
		{ "\"-.Inf\"", "k: \"-.Inf\"\n" },
		{ "\".NaN\"", "k: \".NaN\"\n" },
		/* what YAML 1.1 readers take for booleans, numbers, dates */
		{ "\"yes\"", "k: \"yes\"\n" },
		{ "\"No\"", "k: \"No\"\n" },
		{ "\"on\"", "k: \"on\"\n" },
		{ "\"OFF\"", "k: \"OFF\"\n" },
		{ "\"y\"", "k: \"y\"\n" },
		{ "\"N\"", "k: \"N\"\n" },
		{ "\"1_000\"", "k: \"1_000\"\n" },
		{ "\"12:30\"", "k: \"12:30\"\n" },
		{ "\"2024-01-01\"", "k: \"2024-01-01\"\n" },
		{ "\"3 apples\"", "k: \"3 apples\"\n" },
		{ "\"<<\"", "k: \"<<\"\n" },
		{ "\"=\"", "k: \"=\"\n" },
		/* spaces and indicators */
		{ "\" lead\"", "k: \" lead\"\n" },
		{ "\"trail \"", "k: \"trail \"\n" },
		{ "\"a: b\"", "k: \"a: b\"\n" },
		{ "\"a #b\"", "k: \"a #b\"\n" },
		{ "\"end:\"", "k: \"end:\"\n" },
		{ "\"-x\"", "k: \"-x\"\n" },
		{ "\"- x\"", "k: \"- x\"\n" },
		{ "\"?x\"", "k: \"?x\"\n" },
		{ "\":x\"", "k: \":x\"\n" },
		{ "\",x\"", "k: \",x\"\n" },
		{ "\"[x\"", "k: \"[x\"\n" },
		{ "\"]x\"", "k: \"]x\"\n" },
		{ "\"{x\"", "k: \"{x\"\n" },
		{ "\"}x\"", "k: \"}x\"\n" },
		{ "\"#x\"", "k: \"#x\"\n" },
		{ "\"&x\"", "k: \"&x\"\n" },
		{ "\"*x\"", "k: \"*x\"\n" },
		{ "\"!x\"", "k: \"!x\"\n" },
		{ "\"|x\"", "k: \"|x\"\n" },
		{ "\">x\"", "k: \">x\"\n" },
		{ "\"'x\"", "k: \"'x\"\n" },
		{ "\"\\\"x\"", "k: \"\\\"x\"\n" },
		{ "\"%x\"", "k: \"%x\"\n" },
		{ "\"@x\"", "k: \"@x\"\n" },
		{ "\"`x\"", "k: \"`x\"\n" },
		{ "\"...x\"", "k: \"...x\"\n" },
		{ "\"---\"", "k: \"---\"\n" },
		{ "\"back\\\\slash\"", "k: back\\slash\n" },
		/* plain is safe */
		{ "\"hello world\"", "k: hello world\n" },
		{ "\"a#b\"", "k: a#b\n" },
		{ "\"a:b\"", "k: a:b\n" },
		{ "\"a, b\"", "k: a, b\n" },
		{ "\"don't\"", "k: don't\n" },
		{ "\"nulls\"", "k: nulls\n" },
		{ "\"yes!\"", "k: yes!\n" },
		{ "\"$ref\"", "k: $ref\n" },
		{ "\".gitignore\"", "k: .gitignore\n" },
		{ "\"caf\\u00e9 \\u4e2d\\u6587\"", "k: caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87\n" },
		/* characters that need an escape */
		{ "\"tab\\there\"", "k: \"tab\\there\"\n" },
		{ "\"\\u0001\"", "k: \"\\x01\"\n" },
		{ "\"nul\\u0000byte\"", "k: \"nul\\0byte\"\n" },
		{ "\"\\u007f\"", "k: \"\\x7F\"\n" },
		{ "\"\\u0085\"", "k: \"\\N\"\n" },
		{ "\"\\u2028\"", "k: \"\\L\"\n" },
		{ "\"\\u2029\"", "k: \"\\P\"\n" },
		{ "\"\\ufeffx\"", "k: \"\\uFEFFx\"\n" },
		{ "\"\\ud83d\\ude00\"", "k: \"\\U0001F600\"\n" },
		{ "\"cr\\r\\nlf\"", "k: \"cr\\r\\nlf\"\n" },
		/* several lines: literal when exact, else double-quoted */
		{ "\"a\\nb\"", "k: |-\n  a\n  b\n" },
		{ "\"a\\nb\\n\"", "k: |\n  a\n  b\n" },
		{ "\"a\\nb\\n\\n\"", "k: |+\n  a\n  b\n\n...\n" },
		{ "\"  a\\nb\"", "k: |2-\n    a\n  b\n" },
		{ "\"# not a comment\\n- nor an item\"",
		  "k: |-\n  # not a comment\n  - nor an item\n" },
		{ "\"a \\nb\"", "k: \"a \\nb\"\n" },
		{ "\"a\\nb \"", "k: \"a\\nb \"\n" },
		{ "\"a\\n\\tb\"", "k: \"a\\n\\tb\"\n" },
	};
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = malloc(strlen(cases[i].json) + 8);

		memcpy(text, "{\"k\":", 5);
		memcpy(text + 5, cases[i].json, strlen(cases[i].json));
		memcpy(text + 5 + strlen(cases[i].json), "}", 2);
		snprintf(name, sizeof(name), "string %s", cases[i].json);
		is_emit(text, cases[i].want, name);
		free(text);
	}

	/* The same rules hold for keys, but a key is never a block scalar. */
	is_emit("{\"true\": 1, \"1\": 2, \"a: b\": 3, \"\": 4, \"x\\ny\": 5, \"plain key\": 6}",
		"\"true\": 1\n\"1\": 2\n\"a: b\": 3\n\"\": 4\n? \"x\\ny\"\n: 5\nplain key: 6\n",
		"keys");
}

static void test_emit_values(void)
{
	is_emit("{\"i\": 42, \"neg\": -7, \"max\": 9223372036854775807,"
		" \"min\": -9223372036854775808, \"r\": 0.1, \"big\": 1e300,"
		" \"small\": 5e-324, \"one\": 1.0, \"nz\": -0.0, \"third\": 0.3333333333333333,"
		" \"t\": true, \"f\": false, \"n\": null}",
		"i: 42\nneg: -7\nmax: 9223372036854775807\nmin: -9223372036854775808\n"
		"r: 0.1\nbig: 1e300\nsmall: 5e-324\none: 1.0\nnz: -0.0\n"
		"third: 0.3333333333333333\nt: true\nf: false\n\"n\": null\n",
		"numbers and constants");
	is_emit("[[], {}, [[1]], [{\"a\": [1, 2]}, {\"b\": {}}]]",
		"- []\n- {}\n- - - 1\n- - a:\n    - 1\n    - 2\n  - b: {}\n",
		"nested collections");
	is_emit("\"top\"", "top\n", "a string at the top");
	is_emit("\"multi\\nline\\n\"", "|\n  multi\n  line\n", "a block scalar at the top");
	is_emit("12", "12\n", "a number at the top");
	is_emit("null", "null\n", "null at the top");
	is_emit("{}", "{}\n", "an empty object");
	is_emit("[]", "[]\n", "an empty array");
}

/* n levels of arrays, the innermost empty. */
static json_t *nested(int n)
{
	json_t *top = json_array(), *v = top;

	while (--n > 0) {
		json_t *inner = json_array();

		json_array_append_new(v, inner);
		v = inner;
	}
	return top;
}

static void test_emit_errors(void)
{
	json_t *deep = nested(513), *v, *small = json("{\"key\": \"a value\"}");
	struct buf b;

	buf_init(&b, 0);
	buf_addstr(&b, "# head\n");
	is_int(yaml_emit(deep, &b), -1, "emit 513 levels: refused");
	is_str(ak_errmsg(), "cannot write YAML: nested more than 512 levels deep",
	       "emit 513 levels: message");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "emit 513 levels: DATAERR");
	is_str(b.p, "# head\n", "emit 513 levels: the buffer is as it was");
	v = nested(512);
	ok(round_trips(v), "emit 512 levels: reads back the same");
	json_decref(v);

	is_int(yaml_emit(small, &b), 0, "emit appends");
	is_str(b.p, "# head\nkey: a value\n", "emit appends: content");
	buf_release(&b);

	buf_init(&b, 10);
	buf_addstr(&b, "ab");
	is_int(yaml_emit(small, &b), -1, "emit past the buffer's limit");
	is_str(ak_errmsg(), "too large (limit 10 bytes)", "the buffer's message");
	ok(b.len == 2 && !strcmp(b.p, "ab"), "the buffer is as it was");
	buf_release(&b);

	v = json_stringn_nocheck("\xff", 1);
	buf_init(&b, 0);
	is_int(yaml_emit(v, &b), -1, "emit a string that is not UTF-8");
	is_str(ak_errmsg(), "cannot write YAML: a string is not valid UTF-8",
	       "not UTF-8: message");
	ok(b.len == 0, "not UTF-8: nothing written");
	buf_release(&b);
	json_decref(v);
	json_decref(small);
	json_decref(deep);
}

/* A small deterministic generator, so failures repeat. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* A short string built from the pieces YAML gives meaning to. */
static json_t *random_string(void)
{
	static const char *const pieces[] = {
		" ", "  ", "-", ":", "#", "\n", "\t", "a", "Z", "0", "9", ".", "'",
		"\"", "\\", "|", ">", "?", ",", "[", "]", "{", "}", "&", "*", "!",
		"%", "@", "`", "~", "<", "=", "+", "e", "x", "o", "_", "\r",
		"\x01", "\x7f", "\xc2\x85", "\xc2\xa0", "\xc3\xa9", "\xe2\x80\xa8",
		"\xef\xbb\xbf", "\xf0\x9f\x98\x80", "true", "null", "yes", "off",
		".inf", "0x", "0o", "1e", "---", "...", "<<", ": ", " #", "\n\n",
		" \n", "\0",
	};
	char s[128];
	size_t n = 0, len, k = rnd(8);

	while (k--) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

		len = *p ? strlen(p) : 1;
		memcpy(s + n, p, len);
		n += len;
	}
	return json_stringn(s, n);
}

static json_t *random_value(int depth)
{
	json_t *v;
	int i, n;

	switch (depth > 4 ? rnd(5) : rnd(7)) {
	case 0:
		return random_string();
	case 1:
		return json_integer((json_int_t)(rng_state >> rnd(64)) *
				   (rnd(2) ? 1 : -1));
	case 2:
		return json_real((double)rnd(100000) / (rnd(1000) + 1) *
				 (rnd(2) ? 1e-30 : 1e30));
	case 3:
		return rnd(2) ? json_boolean(rnd(2)) : json_null();
	case 4:
		return random_string();
	case 5:
		v = json_array();
		n = (int)rnd(4);
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(depth + 1));
		return v;
	default:
		v = json_object();
		n = (int)rnd(4);
		for (i = 0; i < n; i++) {
			json_t *k = random_string();

			/* up to a NUL, which keys cannot hold */
			json_object_set_new(v, json_string_value(k),
					    random_value(depth + 1));
			json_decref(k);
		}
		return v;
	}
}

static void test_round_trips(void)
{
	static const char *const values[] = {
		"[9223372036854775807, -9223372036854775808, 0, -1]",
		"[1e300, -1e300, 0.1, 1.7976931348623157e308, 2.2250738585072014e-308,"
		" 5e-324, 123456789.125, 1e16, 1e-7, -0.0, 100.0]",
		"[\"\\u2028\", \"\\u2029\", \"x\\u2028y\\nz\", \"\\u0085\\n\", \"\\ufeff\","
		" \"\\u0000\", \"\\u001b[31m\", \"\\ud83d\\ude00\\n\\ud83d\\ude00\"]",
		"[\"\\n\", \"\\n\\n\", \"\\na\", \" \\n\", \"\\n \", \"a\\n \\nb\","
		" \"  \\n  x\", \"\\t\\n\", \"x\\n\\n\\n\", \"|\\n|\", \">-\\n\"]",
		"{\"a\": {\"b\": {\"c\": [[\"d\"], {\"e\": null}]}}, \"\": {\"\": \"\"}}",
		"{\"\\nkey\": 2, \"key \": 3, \"- k\": 4,"
		" \"k: v\": 5, \"123\": 6, \"true\": 7, \"<<\": 8}",
		"\"...\"", "\"---\"", "\"- \"", "\"#\"", "\"\"", "\"  \"", "\"a\\n\"",
	};
	char name[64];
	json_t *v, *inner;
	size_t i, fails;
	char *s;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		v = json(values[i]);
		snprintf(name, sizeof(name), "round trip %.40s", values[i]);
		ok(round_trips(v), "%s", name);
		json_decref(v);
	}

	/*
	 * A key with a NUL byte, which JSON text cannot give jansson, is
	 * written, but not read back: jansson's own json_equal cannot
	 * compare such keys.
	 */
	v = json_object();
	json_object_setn_new(v, "nul\0key", 7, json_stringn("nul\0value", 9));
	s = emitted(v);
	is_str(s, "\"nul\\0key\": \"nul\\0value\"\n", "emit a key with a NUL byte");
	json_decref(v);
	v = s ? yaml_parse(s, strlen(s), "t.yaml") : NULL;
	ok(!v, "reading it back is refused");
	is_str(ak_errmsg(), "t.yaml:1:1: a key contains a NUL character",
	       "reading it back: message");
	json_decref(v);
	free(s);

	/* Every character of the Basic Multilingual Plane, and some beyond. */
	v = json_array();
	for (long cp = 1; cp < 0x11000; cp += cp < 0x10000 ? 1 : 97) {
		char u[8];

		if (cp >= 0xd800 && cp < 0xe000)
			continue;
		if (cp < 0x80) {
			u[0] = (char)cp, u[1] = 0;
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f));
			u[2] = 0;
		} else if (cp < 0x10000) {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f)), u[3] = 0;
		} else {
			u[0] = (char)(0xf0 | cp >> 18);
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (char)(0x80 | (cp & 0x3f)), u[4] = 0;
		}
		json_array_append_new(v, json_sprintf("%s", u));
		json_array_append_new(v, json_sprintf("x%s", u));
		json_array_append_new(v, json_sprintf("%s\nx %s", u, u));
	}
	ok(round_trips(v), "round trip every character alone, after x, in two lines");
	json_decref(v);

	/* Long strings: one line, many lines, with an escape. */
	s = malloc(200001);
	for (i = 0; i < 200000; i++)
		s[i] = "ab c:#\n-"[i % 8];
	s[200000] = '\0';
	v = json_pack("{s:s, s:s#, s:s}", "long", s, "line", s, (int)5,
		      "oneline", "x");
	json_object_set_new(v, "plain", json_stringn(s, 3));
	for (i = 0; i < 100000; i++)
		s[i] = "word "[i % 5];
	json_object_set_new(v, "words", json_stringn(s, 99999));
	s[50000] = '\x02';
	json_object_set_new(v, "escaped", json_stringn(s, 100000));
	/* Keys past libyaml's 1024-character limit on simple keys. */
	json_object_setn_new(v, s, 2000, json_stringn(s, 10));
	json_object_setn_new(v, s + 1, 129, json_object());
	json_object_setn_new(json_object_getn(v, s + 1, 129), s + 2, 5000,
			     json_true());
	ok(round_trips(v), "round trip strings of 100,000 and 200,000 bytes, keys of 2000 and 5000");
	json_decref(v);
	free(s);

	/* 300 levels of arrays, of objects, and of both. */
	for (int kind = 0; kind < 3; kind++) {
		v = json_array();
		inner = v;
		for (i = 1; i < 300; i++) {
			json_t *next = (kind == 1 || (kind == 2 && i % 2)) ?
				json_object() : json_array();

			if (json_is_array(inner))
				json_array_append_new(inner, next);
			else
				json_object_set_new(inner, "k: v", next);
			if (json_is_array(inner))
				json_array_append_new(inner, json_string("sibling\n"));
			else
				json_object_set_new(inner, "s", json_integer((json_int_t)i));
			inner = next;
		}
		ok(round_trips(v), "round trip 300 levels (%s)",
		   kind == 0 ? "arrays" : kind == 1 ? "objects" : "mixed");
		json_decref(v);
	}

	/* Random values built from YAML's special characters. */
	fails = 0;
	for (i = 0; i < 3000; i++) {
		v = random_value(0);
		if (!round_trips(v) && ++fails > 3)
			break;
		json_decref(v);
		v = NULL;
	}
	json_decref(v);
	is_int((long long)fails, 0, "3000 random values round trip");
}

static void test_parse(void)
{
	/* Core schema */
	is_parse("[null, Null, NULL, ~, '', \"null\", !!str null]",
		 "[null,null,null,null,\"\",\"null\",\"null\"]", "nulls");
	is_parse("a:\nb: ~\n", "{\"a\":null,\"b\":null}", "empty values");
	is_parse("[true, True, TRUE, false, False, FALSE, tRUE, yes, no, on, off, y, n]",
		 "[true,true,true,false,false,false,\"tRUE\",\"yes\",\"no\",\"on\","
		 "\"off\",\"y\",\"n\"]", "booleans (1.2 core: yes and on are strings)");
	is_parse("[0, -0, +5, 007, 0o17, 0x1F, 0xff, -12, 9223372036854775807,"
		 " -9223372036854775808, 0x7FFFFFFFFFFFFFFF, 0o777777777777777777777]",
		 "[0,0,5,7,15,31,255,-12,9223372036854775807,-9223372036854775808,"
		 "9223372036854775807,9223372036854775807]", "integers");
	is_parse("[1.5, .5, -.5, +2., 1e3, 1E+3, -2.5e-1, 0.0, 10.]",
		 "[1.5,0.5,-0.5,2.0,1000.0,1000.0,-0.25,0.0,10.0]", "reals");
	is_parse("[1_000, 0b101, 0x, 0o8, 1e, 1.2.3, 12:30, 2024-01-01, -, .]",
		 "[\"1_000\",\"0b101\",\"0x\",\"0o8\",\"1e\",\"1.2.3\",\"12:30\","
		 "\"2024-01-01\",\"-\",\".\"]", "strings that only look like numbers");
	is_parse("['1', \"true\", '~', \"\"]", "[\"1\",\"true\",\"~\",\"\"]",
		 "quoted scalars are strings");
	is_parse("hello", "\"hello\"", "a scalar document");
	is_parse("", "null", "an empty stream");
	is_parse("# nothing but a comment\n", "null", "only a comment");
	is_parse("---\n", "null", "an empty document");
	is_parse("--- x\n...\n", "\"x\"", "document markers");
	is_parse("%YAML 1.2\n---\na: 1\n", "{\"a\":1}", "a %YAML directive");

	/* Tags */
	is_parse("[!!str 12, !!str true, !!int '12', !!int 0x10, !!float 3,"
		 " !!float '2.5', !!bool 'false', !!null '', ! 12, !!seq [1], !!map {}]",
		 "[\"12\",\"true\",12,16,3.0,2.5,false,null,\"12\",[1],{}]", "tags");
	is_parse("%TAG !e! tag:yaml.org,2002:\n---\n!e!int '5'\n", "5",
		 "a tag through a %TAG directive");

	/* Keys */
	is_parse("1: a\n-2: b\n0x10: c\n1.50: d\ntrue: e\nFalse: f\n~: g\n'1.50': h\n",
		 "{\"1\":\"a\",\"-2\":\"b\",\"16\":\"c\",\"1.5\":\"d\",\"true\":\"e\","
		 "\"false\":\"f\",\"null\":\"g\",\"1.50\":\"h\"}", "keys that are not strings");
	is_parse("z: 1\na: 2\nm: 3\n", "{\"z\":1,\"a\":2,\"m\":3}",
		 "keys keep their order");
	is_parse("? long key\n: value\n", "{\"long key\":\"value\"}", "an explicit key");

	/* Comments and flow collections */
	is_parse("# head\na: 1 # one\n# between\nb: [2, # two\n  3]  # end\n",
		 "{\"a\":1,\"b\":[2,3]}", "comments");
	is_parse("{a: [1, {b: c}], 'd': \"e\", f: , g: {}, h: [], i: [x, y,]}",
		 "{\"a\":[1,{\"b\":\"c\"}],\"d\":\"e\",\"f\":null,\"g\":{},\"h\":[],"
		 "\"i\":[\"x\",\"y\"]}", "flow collections");
	is_parse("[a: 1, b]", "[{\"a\":1},\"b\"]", "a single pair in a flow sequence");
	is_parse("- a\n- - b\n  - c\n- d: e\n  f: g\n",
		 "[\"a\",[\"b\",\"c\"],{\"d\":\"e\",\"f\":\"g\"}]", "block sequences");
	is_parse("k:\n- 1\n- 2\nl: x\n", "{\"k\":[1,2],\"l\":\"x\"}",
		 "a sequence not indented under its key");

	/* Block scalars and chomping */
	is_parse("a: |\n  one\n  two\n\nb: x\n", "{\"a\":\"one\\ntwo\\n\",\"b\":\"x\"}",
		 "literal, clip");
	is_parse("a: |-\n  one\n  two\n\n", "{\"a\":\"one\\ntwo\"}", "literal, strip");
	is_parse("a: |+\n  one\n  two\n\n\nb: x\n",
		 "{\"a\":\"one\\ntwo\\n\\n\\n\",\"b\":\"x\"}", "literal, keep");
	is_parse("a: >\n  one\n  two\n\n  three\n", "{\"a\":\"one two\\nthree\\n\"}",
		 "folded");
	is_parse("a: >-\n  one\n   more\n  two\n", "{\"a\":\"one\\n more\\ntwo\"}",
		 "folded, strip, a more indented line");
	is_parse("a: |2\n   x\n  y\n", "{\"a\":\" x\\ny\\n\"}", "an indentation indicator");
	is_parse("a: \"esc\\t\\u00e9\\x41\\n\\\"\"\nb: 'it''s'\n",
		 "{\"a\":\"esc\\téA\\n\\\"\",\"b\":\"it's\"}", "quoted escapes");
	is_parse("a: plain\n  continued\n  lines\n", "{\"a\":\"plain continued lines\"}",
		 "a multi-line plain scalar");

	/* Anchors, aliases, merge keys */
	is_parse("a: &x {k: 1}\nb: *x\nc: &s str\nd: [*s, *x]\n",
		 "{\"a\":{\"k\":1},\"b\":{\"k\":1},\"c\":\"str\",\"d\":[\"str\",{\"k\":1}]}",
		 "anchors and aliases");
	is_parse("a: &x 1\nb: *x\na2: &x 2\nc: *x\n", "{\"a\":1,\"b\":1,\"a2\":2,\"c\":2}",
		 "an anchor defined again");
	is_parse("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n  z: 4\n",
		 "{\"base\":{\"x\":1,\"y\":2},\"c\":{\"x\":1,\"y\":3,\"z\":4}}",
		 "a merge key; explicit keys win");
	is_parse("c:\n  y: 3\n  <<: {x: 1, y: 2}\n", "{\"c\":{\"y\":3,\"x\":1}}",
		 "a merge after an explicit key");
	is_parse("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 0\n",
		 "{\"a\":{\"x\":1,\"y\":1},\"b\":{\"y\":2,\"z\":2},"
		 "\"c\":{\"x\":1,\"y\":1,\"z\":2,\"w\":0}}",
		 "merging a list: earlier mappings win");
	is_parse("'<<': {a: 1}\n", "{\"<<\":{\"a\":1}}", "a quoted << is a plain key");
}

static void test_parse_misc(void)
{
	json_t *v, *b;
	const char *text = "a: &x {k: [1]}\nb: *x\n";

	/* An alias is a copy: changing it leaves the anchored value alone. */
	v = yaml_parse(text, strlen(text), "t.yaml");
	b = json_object_get(v, "b");
	ok(b && b != json_object_get(v, "a"), "an alias gives a value of its own");
	json_array_append_new(json_object_get(b, "k"), json_integer(2));
	is_int((long long)json_array_size(json_object_get(json_object_get(v, "a"), "k")),
	       1, "changing the copy leaves the original");
	json_decref(v);

	/* Only len bytes are read. */
	v = yaml_parse("a: 1\nb: [", 5, "t.yaml");
	ok(v && json_object_size(v) == 1, "only len bytes are read");
	json_decref(v);
	v = yaml_parse(NULL, 0, NULL);
	ok(json_is_null(v), "NULL text of length 0 is an empty stream");
	json_decref(v);
	v = yaml_parse("a: *b\n", 6, NULL);
	ok(!v, "no name");
	is_str(ak_errmsg(), "(yaml):1:4: unknown alias \"b\"", "no name: a placeholder");
}

static void test_parse_errors(void)
{
	struct buf big;
	int i;

	is_parse_error("a:\n  b: 1\n c: 2\n", "t.yaml:3:2: did not find expected key",
		       "bad indentation");
	is_parse_error("a: 1\n\tb: 2\n",
		       "t.yaml:2:1: found a tab character that violates indentation",
		       "a tab for indentation");
	is_parse_error("a: [1, 2\n", "t.yaml:2:1: did not find expected ',' or ']'",
		       "an unclosed flow sequence");
	is_parse_error("a: b: c\n",
		       "t.yaml:1:5: mapping values are not allowed in this context",
		       "a: b: c");
	is_parse_error("a: 1\nb:\n  c: 1\n  c: 2\n", "t.yaml:4:3: duplicate key \"c\"",
		       "duplicate key");
	is_parse_error("1: a\n01: b\n", "t.yaml:2:1: duplicate key \"1\"",
		       "duplicate key by value");
	is_parse_error("<<: {a: 1}\n<<: {b: 2}\n", "t.yaml:2:1: duplicate key \"<<\"",
		       "two merge keys");
	is_parse_error("&k key: v\n*k : w\n", "t.yaml:2:1: duplicate key \"key\"",
		       "duplicate key through an alias");
	is_parse_error("'<<': 1\n\"<<\": 2\n", "t.yaml:2:1: duplicate key \"<<\"",
		       "duplicate quoted <<");
	is_parse_error("c:\n  <<: {x: 1}\n  x: 2\n  x: 3\n",
		       "t.yaml:4:3: duplicate key \"x\"", "a merged key replaced twice");
	is_parse_error("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one document",
		       "two documents");
	is_parse_error("x\n--- y\n", "t.yaml:2:1: more than one document",
		       "two scalar documents");
	is_parse_error("a: !foo x\n", "t.yaml:1:4: unsupported tag \"!foo\"", "an unknown tag");
	is_parse_error("a: !!binary aGk=\n", "t.yaml:1:4: unsupported tag \"!!binary\"",
		       "!!binary");
	is_parse_error("a: !!map [1]\n", "t.yaml:1:4: unsupported tag \"!!map\"",
		       "!!map on a sequence");
	is_parse_error("a: !!str [1]\n", "t.yaml:1:4: unsupported tag \"!!str\"",
		       "!!str on a sequence");
	is_parse_error("a: !<tag:example.com,2000:x> 1\n",
		       "t.yaml:1:4: unsupported tag \"tag:example.com,2000:x\"",
		       "a verbatim tag");
	is_parse_error("a: !!int x\n", "t.yaml:1:4: \"x\" is not a valid integer", "!!int x");
	is_parse_error("a: !!int 1.5\n", "t.yaml:1:4: \"1.5\" is not a valid integer",
		       "!!int 1.5");
	is_parse_error("a: !!bool yes\n", "t.yaml:1:4: \"yes\" is not a valid boolean",
		       "!!bool yes");
	is_parse_error("a: !!null 0\n", "t.yaml:1:4: \"0\" is not a valid null", "!!null 0");
	is_parse_error("a: !!float 0x10\n", "t.yaml:1:4: \"0x10\" is not a valid float",
		       "!!float 0x10");
	is_parse_error("a: .inf\n", "t.yaml:1:4: \".inf\" has no JSON equivalent", ".inf");
	is_parse_error("- -.Inf\n", "t.yaml:1:3: \"-.Inf\" has no JSON equivalent", "-.Inf");
	is_parse_error("[.NaN]", "t.yaml:1:2: \".NaN\" has no JSON equivalent", ".NaN");
	is_parse_error("a: !!float .nan\n", "t.yaml:1:4: \".nan\" has no JSON equivalent",
		       "!!float .nan");
	is_parse_error("a: 1e400\n", "t.yaml:1:4: \"1e400\" is out of range", "1e400");
	is_parse_error("a: 9223372036854775808\n",
		       "t.yaml:1:4: \"9223372036854775808\" is out of range", "INT64_MAX + 1");
	is_parse_error("a: -9223372036854775809\n",
		       "t.yaml:1:4: \"-9223372036854775809\" is out of range", "INT64_MIN - 1");
	is_parse_error("a: 0x8000000000000000\n",
		       "t.yaml:1:4: \"0x8000000000000000\" is out of range", "hex past int64");
	is_parse_error("\"k\\x1b[2J\": 1\n\"k\\e[2J\": 2\n",
		       "t.yaml:2:1: duplicate key \"k\\u001B[2J\"",
		       "a key with an escape sequence is shown escaped");
	is_parse_error("a: !<%01x%1b> 1\n",
		       "t.yaml:1:4: unsupported tag \"\\u0001x\\u001B\"",
		       "a tag with control characters is shown escaped");
	{
		char text[256], want[256];

		snprintf(text, sizeof(text), "a: %0200d\n", 9);
		memset(text + 3, '9', 200);
		snprintf(want, sizeof(want), "t.yaml:1:4: \"%.50s\"... is out of range",
			 text + 3);
		is_parse_error(text, want, "a long value is cut short in the message");
	}
	is_parse_error("a: *nope\n", "t.yaml:1:4: unknown alias \"nope\"", "an unknown alias");
	is_parse_error("a: &a [1, *a]\n", "t.yaml:1:11: unknown alias \"a\"",
		       "an alias inside its own anchor");
	is_parse_error("? [a]\n: 1\n", "t.yaml:1:3: a key must be a scalar", "a sequence key");
	is_parse_error("{? {a: 1} : 1}", "t.yaml:1:4: a key must be a scalar",
		       "a mapping key");
	is_parse_error("s: &s [1]\n*s : 1\n", "t.yaml:2:1: a key must be a scalar",
		       "an alias to a sequence as a key");
	is_parse_error("<<: 1\n", "t.yaml:1:5: a merge key needs a mapping or a list of mappings",
		       "merging a scalar");
	is_parse_error("<<: [{a: 1}, 2]\n",
		       "t.yaml:1:5: a merge key needs a mapping or a list of mappings",
		       "merging a list with a scalar");
	is_parse_error_n("a: \"x\"\n\0", 8, "t.yaml:2:1: control characters are not allowed",
			 "a NUL byte");
	is_parse_error("a: 1\nb: \xff\n", "t.yaml:2:4: invalid leading UTF-8 octet",
		       "bytes that are not UTF-8");
	is_parse_error("a: \"\\uD800\"\n",
		       "t.yaml:1:7: found invalid Unicode character escape code",
		       "a surrogate escape");

	/* Depth: 512 levels are fine, 513 are not. */
	buf_init(&big, 0);
	for (i = 0; i < 512; i++)
		buf_addch(&big, '[');
	for (i = 0; i < 512; i++)
		buf_addch(&big, ']');
	{
		json_t *v = yaml_parse(big.p, big.len, "t.yaml");

		ok(v != NULL, "512 levels of flow sequences");
		json_decref(v);
	}
	buf_reset(&big);
	for (i = 0; i < 513; i++)
		buf_addch(&big, '[');
	for (i = 0; i < 513; i++)
		buf_addch(&big, ']');
	is_parse_error(big.p, "t.yaml:1:513: nested more than 512 levels deep",
		       "513 levels of flow sequences");
	buf_reset(&big);
	for (i = 0; i < 513; i++)
		buf_addf(&big, "%*sk:\n", i, "");
	is_parse_error(big.p, "t.yaml:513:513: nested more than 512 levels deep",
		       "513 levels of block mappings");

	/* Depth reached through an alias. */
	buf_reset(&big);
	buf_addstr(&big, "a: &a ");
	for (i = 0; i < 300; i++)
		buf_addch(&big, '[');
	for (i = 0; i < 300; i++)
		buf_addch(&big, ']');
	buf_addstr(&big, "\nb: ");
	for (i = 0; i < 211; i++)
		buf_addch(&big, '[');
	buf_addstr(&big, "*a");
	for (i = 0; i < 211; i++)
		buf_addch(&big, ']');
	buf_addch(&big, '\n');
	{
		json_t *v = yaml_parse(big.p, big.len, "t.yaml");

		ok(v != NULL, "an alias that reaches exactly 512 levels");
		json_decref(v);
	}
	buf_reset(&big);
	buf_addstr(&big, "a: &a ");
	for (i = 0; i < 300; i++)
		buf_addch(&big, '[');
	for (i = 0; i < 300; i++)
		buf_addch(&big, ']');
	buf_addstr(&big, "\nb: ");
	for (i = 0; i < 212; i++)
		buf_addch(&big, '[');
	buf_addstr(&big, "*a");
	for (i = 0; i < 212; i++)
		buf_addch(&big, ']');
	is_parse_error(big.p, "t.yaml:2:216: alias \"a\" nests more than 512 levels deep",
		       "an alias that reaches 513 levels");

	/* A billion laughs: each level holds nine of the one before. */
	buf_reset(&big);
	buf_addstr(&big, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 9; i++)
		buf_addf(&big, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
			 'a' + i, 'a' + i, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
			 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
			 'a' + i - 1, 'a' + i - 1);
	is_parse_error(big.p, "t.yaml:7:8: the document expands to more than 1000000 nodes",
		       "a billion laughs");

	/* Many aliases of a small anchor. */
	buf_reset(&big);
	buf_addstr(&big, "a: &a x\nb: [");
	for (i = 0; i < 10000; i++)
		buf_addstr(&big, "*a, ");
	buf_addstr(&big, "]\n");
	{
		json_t *v = yaml_parse(big.p, big.len, "t.yaml");

		ok(v && json_array_size(json_object_get(v, "b")) == 10000,
		   "10000 aliases are fine");
		json_decref(v);
	}
	buf_reset(&big);
	buf_addstr(&big, "a: &a x\nb: [");
	for (i = 0; i < 10001; i++)
		buf_addstr(&big, "*a, ");
	buf_addstr(&big, "]\n");
	is_parse_error(big.p, "t.yaml:2:40005: more than 10000 aliases", "10001 aliases");

	/* Nodes without any alias count too. */
	buf_reset(&big);
	buf_addch(&big, '[');
	for (i = 0; i < 1000000; i++)
		buf_addstr(&big, "0,");
	buf_addch(&big, ']');
	is_parse_error(big.p, "t.yaml:1:2000000: the document expands to more than 1000000 nodes",
		       "a sequence of a million items");
	buf_release(&big);
}

int main(void)
{
	test_openapi();
	test_quoting();
	test_emit_values();
	test_emit_errors();
	test_round_trips();
	test_parse();
	test_parse_misc();
	test_parse_errors();
	return done_testing();
}
