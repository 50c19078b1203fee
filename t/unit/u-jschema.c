/*
 * u-jschema.c - unit tests for lib/jschema.c: a table of (schema,
 * instance, verdict, first message) cases covering every keyword passing
 * and failing, numbers compared by value (1 and 1.0), lengths in code
 * points, pattern translation, JSON Pointer escaping both in $ref and in
 * messages; then the whole message list of a realistic nested schema,
 * max_errors, the echo limit on instance text, instance nesting, $ref
 * loops and chains, and the schema errors jschema_check reports.
 *
 * Schemas and instances are written with ' for " to stay readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "jschema.h"
#include "tap.h"

/* Parse text with every ' turned into ". Bails out on bad test data. */
static json_t *J(const char *text)
{
	char *copy = strdup(text);
	json_error_t err;
	json_t *v;

	if (!copy) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (char *p = copy; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(copy, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v) {
		printf("Bail out! bad test JSON '%s': %s\n", copy, err.text);
		exit(1);
	}
	free(copy);
	return v;
}

struct vcase {
	const char *name, *schema, *instance;
	int verdict;
	const char *first;    /* the first message, NULL when valid */
};

static const struct vcase cases[] = {
	/* boolean schemas */
	{ "true schema", "true", "42", 0, NULL },
	{ "false schema", "false", "42", 1, "/: no value is allowed here" },
	{ "empty schema", "{}", "{'a':[1]}", 0, NULL },

	/* type */
	{ "type string ok", "{'type':'string'}", "'x'", 0, NULL },
	{ "type string bad", "{'type':'string'}", "1", 1, "/: expected a string, got a number" },
	{ "type integer from 1.0", "{'type':'integer'}", "1.0", 0, NULL },
	{ "type integer from 1e3", "{'type':'integer'}", "1e3", 0, NULL },
	{ "type integer bad", "{'type':'integer'}", "1.5", 1, "/: expected an integer, got a number" },
	{ "type number from integer", "{'type':'number'}", "7", 0, NULL },
	{ "type number bad", "{'type':'number'}", "'7'", 1, "/: expected a number, got a string" },
	{ "type null ok", "{'type':'null'}", "null", 0, NULL },
	{ "type null bad", "{'type':'null'}", "false", 1, "/: expected null, got a boolean" },
	{ "type boolean ok", "{'type':'boolean'}", "true", 0, NULL },
	{ "type boolean bad", "{'type':'boolean'}", "null", 1, "/: expected a boolean, got null" },
	{ "type object bad", "{'type':'object'}", "[]", 1, "/: expected an object, got an array" },
	{ "type array bad", "{'type':'array'}", "{}", 1, "/: expected an array, got an object" },
	{ "type list ok", "{'type':['string','null']}", "null", 0, NULL },
	{ "type list of two", "{'type':['string','null']}", "3", 1,
	  "/: expected a string or null, got a number" },
	{ "type list of three", "{'type':['object','array','null']}", "'s'", 1,
	  "/: expected an object, an array or null, got a string" },
	{ "wrong type hides the other keywords", "{'type':'string','enum':['a'],'minLength':3}",
	  "1", 1, "/: expected a string, got a number" },

	/* enum and const */
	{ "enum ok", "{'enum':['todo','doing','done']}", "'done'", 0, NULL },
	{ "enum bad", "{'enum':['todo','doing','done']}", "'later'", 1,
	  "/: expected one of \"todo\", \"doing\", \"done\", got \"later\"" },
	{ "enum 1.0 equals 1", "{'enum':[1,'1',null]}", "1.0", 0, NULL },
	{ "enum 1 equals 1.0", "{'enum':[1.0]}", "1", 0, NULL },
	{ "enum object deep", "{'enum':[{'a':1,'b':[true]}]}", "{'b':[true],'a':1.0}", 0, NULL },
	{ "enum array order matters", "{'enum':[[1,2]]}", "[2,1]", 1,
	  "/: expected [1,2], got an array" },
	{ "enum of one, object given", "{'enum':['a']}", "{}", 1, "/: expected \"a\", got an object" },
	{ "enum of nothing", "{'enum':[]}", "1", 1, "/: no value is allowed here (empty enum)" },
	{ "enum string is not number", "{'enum':['1']}", "1", 1, "/: expected \"1\", got 1" },
	{ "const 1.0 equals 1", "{'const':1}", "1.0", 0, NULL },
	{ "const string bad", "{'const':'v1'}", "'v2'", 1, "/: expected \"v1\", got \"v2\"" },
	{ "const deep ok", "{'const':{'a':[1,{'b':null}]}}", "{'a':[1,{'b':null}]}", 0, NULL },
	{ "const object extra member", "{'const':{'a':1}}", "{'a':1,'b':2}", 1,
	  "/: expected {\"a\":1}, got an object" },
	{ "const false is not 0", "{'const':false}", "0", 1, "/: expected false, got 0" },
	{ "const null ok", "{'const':null}", "null", 0, NULL },

	/* objects */
	{ "properties ok", "{'properties':{'a':{'type':'string'}}}", "{'a':'x','b':1}", 0, NULL },
	{ "properties bad", "{'properties':{'a':{'type':'string'}}}", "{'a':1}", 1,
	  "/a: expected a string, got a number" },
	{ "properties absent is fine", "{'properties':{'a':{'type':'string'}}}", "{}", 0, NULL },
	{ "properties ignore non-objects", "{'properties':{'a':false}}", "[1]", 0, NULL },
	{ "property false", "{'properties':{'a':false}}", "{'a':1}", 1, "/a: no value is allowed here" },
	{ "required ok", "{'required':['a']}", "{'a':null}", 0, NULL },
	{ "required bad", "{'required':['a','b']}", "{'a':1}", 1, "/: missing required property 'b'" },
	{ "additionalProperties false",
	  "{'properties':{'a':{}},'additionalProperties':false}", "{'a':1,'foo':2}", 1,
	  "/: unexpected property 'foo'" },
	{ "additionalProperties false ok",
	  "{'properties':{'a':{}},'additionalProperties':false}", "{'a':1}", 0, NULL },
	{ "additionalProperties schema", "{'additionalProperties':{'type':'integer'}}",
	  "{'x':1,'y':'z'}", 1, "/y: expected an integer, got a string" },
	{ "additionalProperties true", "{'additionalProperties':true}", "{'x':1}", 0, NULL },
	{ "minProperties bad", "{'minProperties':2}", "{'a':1}", 1,
	  "/: expected at least 2 properties, got 1" },
	{ "minProperties ok", "{'minProperties':2}", "{'a':1,'b':2}", 0, NULL },
	{ "maxProperties bad", "{'maxProperties':1}", "{'a':1,'b':2}", 1,
	  "/: expected at most 1 property, got 2" },
	{ "minProperties ignores strings", "{'minProperties':2}", "'x'", 0, NULL },

	/* arrays */
	{ "items ok", "{'items':{'type':'integer'}}", "[1,2,3.0]", 0, NULL },
	{ "items bad", "{'items':{'type':'integer'}}", "[1,2,'x']", 1,
	  "/2: expected an integer, got a string" },
	{ "prefixItems ok, more allowed",
	  "{'prefixItems':[{'type':'string'},{'type':'integer'}]}", "['a',1,null]", 0, NULL },
	{ "prefixItems bad", "{'prefixItems':[{'type':'string'}]}", "[1]", 1,
	  "/0: expected a string, got a number" },
	{ "prefixItems shorter instance", "{'prefixItems':[{'type':'string'},{}]}", "[]", 0, NULL },
	{ "items after prefixItems", "{'prefixItems':[{'type':'string'}],'items':false}",
	  "['a',1]", 1, "/1: no value is allowed here" },
	{ "minItems bad", "{'minItems':1}", "[]", 1, "/: expected at least 1 item, got 0" },
	{ "maxItems bad", "{'maxItems':2}", "[1,2,3]", 1, "/: expected at most 2 items, got 3" },
	{ "maxItems ok", "{'maxItems':2}", "[1,2]", 0, NULL },
	{ "uniqueItems 1 and 1.0", "{'uniqueItems':true}", "[1,2,1.0]", 1,
	  "/: expected unique items, but items 0 and 2 are equal" },
	{ "uniqueItems objects", "{'uniqueItems':true}", "[{'a':1},{'a':2},[1],[1,1]]", 0, NULL },
	{ "uniqueItems false", "{'uniqueItems':false}", "[1,1]", 0, NULL },

	/* strings: lengths count code points */
	{ "minLength 2-byte chars", "{'minLength':3}", "'h\u00e9\u00e9'", 0, NULL },
	{ "maxLength 2-byte chars", "{'maxLength':3}", "'h\u00e9\u00e9'", 0, NULL },
	{ "maxLength bad", "{'maxLength':2}", "'h\u00e9\u00e9'", 1,
	  "/: expected at most 2 characters, got 3" },
	{ "minLength 3-byte chars", "{'minLength':4}", "'\u65e5\u672c\u8a9e'", 1,
	  "/: expected at least 4 characters, got 3" },
	{ "maxLength 4-byte char", "{'maxLength':1}", "'\xf0\x9f\x98\x80'", 0, NULL },
	{ "minLength escaped pair", "{'minLength':2}", "'\\ud83d\\ude00'", 1,
	  "/: expected at least 2 characters, got 1" },
	{ "minLength empty", "{'minLength':1}", "''", 1, "/: expected at least 1 character, got 0" },
	{ "minLength as 2.0", "{'minLength':2.0}", "'ab'", 0, NULL },
	{ "minLength ignores numbers", "{'minLength':5}", "1", 0, NULL },

	/* pattern */
	{ "pattern ok", "{'pattern':'^[a-z]+$'}", "'abc'", 0, NULL },
	{ "pattern bad", "{'pattern':'^[a-z]+$'}", "'Abc'", 1,
	  "/: expected a string matching '^[a-z]+$', got \"Abc\"" },
	{ "pattern is a search", "{'pattern':'b'}", "'abc'", 0, NULL },
	{ "pattern \\d ok", "{'pattern':'^US-\\\\d{3}$'}", "'US-042'", 0, NULL },
	{ "pattern \\d bad", "{'pattern':'^US-\\\\d{3}$'}", "'US-42'", 1,
	  "/: expected a string matching '^US-\\d{3}$', got \"US-42\"" },
	{ "pattern \\w \\s", "{'pattern':'^\\\\w+\\\\s\\\\w+$'}", "'hello world'", 0, NULL },
	{ "pattern \\D", "{'pattern':'^\\\\D+$'}", "'a\u00e9-'", 0, NULL },
	{ "pattern \\S bad", "{'pattern':'^\\\\S+$'}", "'a b'", 1,
	  "/: expected a string matching '^\\S+$', got \"a b\"" },
	{ "pattern dot is a character", "{'pattern':'^.{3}$'}", "'h\u00e9\u00e9'", 0, NULL },
	{ "pattern dot is not a byte", "{'pattern':'^.{5}$'}", "'h\u00e9\u00e9'", 1,
	  "/: expected a string matching '^.{5}$', got \"h\u00e9\u00e9\"" },
	{ "pattern dot skips newline", "{'pattern':'^a.b$'}", "'a\\nb'", 1,
	  "/: expected a string matching '^a.b$', got \"a\\nb\"" },
	{ "pattern negated class, multi-byte", "{'pattern':'^[^a]$'}", "'\u00e9'", 0, NULL },
	{ "pattern non-ASCII in class", "{'pattern':'^[\u00e4\u00f6x]+$'}", "'\u00f6x\u00e4'", 0, NULL },
	{ "pattern non-ASCII in class bad", "{'pattern':'^[\u00e4\u00f6]+$'}", "'oa'", 1,
	  "/: expected a string matching '^[\u00e4\u00f6]+$', got \"oa\"" },
	{ "pattern quantified non-ASCII", "{'pattern':'^\u00e9{2}$'}", "'\u00e9\u00e9'", 0, NULL },
	{ "pattern (?:) and lazy", "{'pattern':'^(?:ab)+?c*?$'}", "'abab'", 0, NULL },
	{ "pattern named group", "{'pattern':'^(?<y>\\\\d{4})-\\\\d\\\\d$'}", "'2024-05'", 0, NULL },
	{ "pattern ] - ^ in class", "{'pattern':'^[\\\\]\\\\-^]+$'}", "']-^'", 0, NULL },
	{ "pattern ] - ^ in class bad", "{'pattern':'^[\\\\]\\\\-^]+$'}", "'a'", 1,
	  "/: expected a string matching '^[\\]\\-^]+$', got \"a\"" },
	{ "pattern [ and \\ in class", "{'pattern':'^[[\\\\\\\\]+$'}", "'[\\\\['", 0, NULL },
	{ "pattern class \\w-", "{'pattern':'^[\\\\w-]+$'}", "'a-b_c'", 0, NULL },
	{ "pattern literal brace", "{'pattern':'^a{$'}", "'a{'", 0, NULL },
	{ "pattern escaped dot", "{'pattern':'^a\\\\.b$'}", "'axb'", 1,
	  "/: expected a string matching '^a\\.b$', got \"axb\"" },
	{ "pattern \\u escape", "{'pattern':'^\\\\u00e9\\\\x41$'}", "'\u00e9A'", 0, NULL },
	{ "pattern after a NUL", "{'pattern':'b$'}", "'a\\u0000b'", 0, NULL },
	{ "pattern echo escapes", "{'pattern':'^a$'}", "'a\\u0000\\t\\'b'", 1,
	  "/: expected a string matching '^a$', got \"a\\u0000\\t\\\"b\"" },
	{ "pattern ignores numbers", "{'pattern':'^x$'}", "1", 0, NULL },

	/* numbers */
	{ "minimum bad", "{'minimum':1}", "0", 1, "/: expected a number >= 1, got 0" },
	{ "minimum equal", "{'minimum':1}", "1.0", 0, NULL },
	{ "maximum bad", "{'maximum':10}", "10.5", 1, "/: expected a number <= 10, got 10.5" },
	{ "maximum equal", "{'maximum':10.0}", "10", 0, NULL },
	{ "exclusiveMinimum bad", "{'exclusiveMinimum':0}", "0", 1, "/: expected a number > 0, got 0" },
	{ "exclusiveMinimum ok", "{'exclusiveMinimum':0}", "0.1", 0, NULL },
	{ "exclusiveMaximum bad", "{'exclusiveMaximum':1.5}", "1.5", 1,
	  "/: expected a number < 1.5, got 1.5" },
	{ "exclusiveMaximum ok", "{'exclusiveMaximum':1.5}", "1", 0, NULL },
	{ "minimum exact on big integers", "{'minimum':9007199254740993}", "9007199254740992", 1,
	  "/: expected a number >= 9007199254740993, got 9007199254740992" },
	{ "minimum ignores strings", "{'minimum':1}", "'0'", 0, NULL },
	{ "multipleOf bad", "{'multipleOf':5}", "12", 1, "/: expected a multiple of 5, got 12" },
	{ "multipleOf ok", "{'multipleOf':5}", "-15", 0, NULL },
	{ "multipleOf 0.1", "{'multipleOf':0.1}", "0.3", 0, NULL },
	{ "multipleOf 0.01 bad", "{'multipleOf':0.01}", "0.075", 1,
	  "/: expected a multiple of 0.01, got 0.075" },
	{ "multipleOf 0.0001 ok", "{'multipleOf':0.0001}", "0.0075", 0, NULL },
	{ "multipleOf 0.0001 bad", "{'multipleOf':0.0001}", "0.00751", 1,
	  "/: expected a multiple of 0.0001, got 0.00751" },
	{ "multipleOf overflow", "{'multipleOf':0.123456789}", "1e308", 1,
	  "/: expected a multiple of 0.123456789, got 1e+308" },

	/* combinators */
	{ "allOf bad", "{'allOf':[{'type':'integer'},{'minimum':3}]}", "2", 1,
	  "/: expected a number >= 3, got 2" },
	{ "allOf ok", "{'allOf':[{'type':'integer'},{'minimum':3}]}", "3", 0, NULL },
	{ "anyOf ok", "{'anyOf':[{'type':'string'},{'type':'integer'},{'type':'null'}]}",
	  "null", 0, NULL },
	{ "anyOf bad", "{'anyOf':[{'type':'string'},{'type':'integer'},{'type':'null'}]}",
	  "1.5", 1, "/: matches none of the 3 alternatives" },
	{ "oneOf two match", "{'oneOf':[{'type':'integer'},{'minimum':0}]}", "5", 1,
	  "/: matches 2 of the 2 alternatives, not exactly one" },
	{ "oneOf one match", "{'oneOf':[{'type':'integer'},{'minimum':0}]}", "-1", 0, NULL },
	{ "oneOf none", "{'oneOf':[{'type':'integer'},{'minimum':0}]}", "-1.5", 1,
	  "/: matches none of the 2 alternatives" },
	{ "not bad", "{'not':{'type':'null'}}", "null", 1, "/: must not match the schema in 'not'" },
	{ "not ok", "{'not':{'type':'null'}}", "1", 0, NULL },

	/* $ref */
	{ "$ref to $defs", "{'$defs':{'s':{'type':'string'}},'properties':{'a':{'$ref':'#/$defs/s'}}}",
	  "{'a':1}", 1, "/a: expected a string, got a number" },
	{ "$ref to definitions", "{'definitions':{'s':{'type':'string'}},'items':{'$ref':'#/definitions/s'}}",
	  "['x',2]", 1, "/1: expected a string, got a number" },
	{ "$ref # recursion",
	  "{'type':'object','properties':{'kids':{'type':'array','items':{'$ref':'#'}}},"
	  "'additionalProperties':false}",
	  "{'kids':[{'kids':[]},{'kids':[{'x':1}]}]}", 1, "/kids/1/kids/0: unexpected property 'x'" },
	{ "$ref general pointer", "{'properties':{'a':{'type':'integer'},'b':{'$ref':'#/properties/a'}}}",
	  "{'b':'x'}", 1, "/b: expected an integer, got a string" },
	{ "$ref into an array", "{'prefixItems':[{'type':'null'}],'items':{'$ref':'#/prefixItems/0'}}",
	  "[null,null,0]", 1, "/2: expected null, got a number" },
	{ "$ref ~1 and ~0",
	  "{'$defs':{'a/b':{'type':'integer'},'m~n':{'type':'string'}},"
	  "'properties':{'x':{'$ref':'#/$defs/a~1b'},'y':{'$ref':'#/$defs/m~0n'}}}",
	  "{'x':1,'y':2}", 1, "/y: expected a string, got a number" },
	{ "$ref %-escaped", "{'$defs':{'a b':{'const':1}},'$ref':'#/$defs/a%20b'}", "2", 1,
	  "/: expected 1, got 2" },
	{ "$ref outside schema keywords", "{'x-lib':{'pos':{'minimum':0}},'$ref':'#/x-lib/pos'}",
	  "-1", 1, "/: expected a number >= 0, got -1" },
	{ "$ref with siblings", "{'$defs':{'n':{'type':'number'}},'$ref':'#/$defs/n','minimum':5}",
	  "3", 1, "/: expected a number >= 5, got 3" },

	/* pointers in messages are escaped per RFC 6901 */
	{ "pointer ~0 ~1 from properties",
	  "{'properties':{'a/b':{'properties':{'m~n':{'type':'string'}}}}}",
	  "{'a/b':{'m~n':1}}", 1, "/a~1b/m~0n: expected a string, got a number" },
	{ "pointer ~0 ~1 from additional", "{'additionalProperties':{'type':'string'}}",
	  "{'x/y~':1}", 1, "/x~1y~0: expected a string, got a number" },
	{ "pointer empty key", "{'properties':{'':{'items':{'type':'string'}}}}",
	  "{'':[1]}", 1, "//0: expected a string, got a number" },

	/* annotations and unknown keywords change nothing */
	{ "annotations ignored",
	  "{'title':'x','description':'y','default':1,'examples':[1],'format':'email',"
	  "'$schema':'https://json-schema.org/draft/2020-12/schema','$id':'urn:x:y',"
	  "'$comment':'c','x-custom':{'type':'bogus'},'type':'string'}",
	  "'not an address'", 0, NULL },
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct vcase *t = &cases[i];
		json_t *s = J(t->schema), *v = J(t->instance), *errors = json_array();
		int rc = jschema_validate(s, v, errors, 10);

		is_int(rc, t->verdict, "%s: verdict", t->name);
		if (rc < 0)
			printf("#   error: %s\n", ak_errmsg());
		is_str(json_string_value(json_array_get(errors, 0)), t->first,
		       "%s: first message", t->name);
		is_int(jschema_validate(s, v, NULL, 10), t->verdict,
		       "%s: same verdict without a message list", t->name);
		json_decref(s);
		json_decref(v);
		json_decref(errors);
	}
}

/* Every message of one validation, joined by newlines. */
static char *messages(const char *schema, const char *instance, size_t max, int *rc)
{
	json_t *s = J(schema), *v = J(instance), *errors = json_array();
	struct buf b = BUF_INIT;
	size_t i;
	json_t *e;

	*rc = jschema_validate(s, v, errors, max);
	json_array_foreach(errors, i, e)
		buf_addf(&b, "%s%s", i ? "\n" : "", json_string_value(e));
	json_decref(s);
	json_decref(v);
	json_decref(errors);
	buf_addstr(&b, "");
	return buf_detach(&b, NULL);
}

static const char stories_schema[] =
	"{'$schema':'https://json-schema.org/draft/2020-12/schema',"
	" 'type':'object', 'required':['stories'], 'additionalProperties':false,"
	" 'properties':{"
	"  'stories':{'type':'array','minItems':1,'items':{'$ref':'#/$defs/story'}},"
	"  'notes':{'type':'string'}},"
	" '$defs':{'story':{'type':'object',"
	"  'required':['role','goal','benefit','priority'],"
	"  'additionalProperties':false,"
	"  'properties':{"
	"   'role':{'type':'string','minLength':1},"
	"   'goal':{'type':'string','minLength':1},"
	"   'benefit':{'type':'string'},"
	"   'priority':{'enum':['must','should','could']},"
	"   'criteria':{'type':'array','items':{'type':'string'}}}}}}";

static const char stories_bad[] =
	"{'stories':["
	" {'role':'user','goal':'log in','benefit':'see my data','priority':'must'},"
	" {'role':5,'benefit':'x','priority':'soon','criteria':['ok',3],'extra':true}],"
	" 'foo':1}";

static void test_realistic(void)
{
	int rc;
	char *got;

	got = messages(stories_schema,
		       "{'stories':[{'role':'user','goal':'log in','benefit':'b',"
		       "'priority':'should','criteria':['a','b']}],'notes':'n'}", 10, &rc);
	is_int(rc, 0, "stories: a good reply is valid");
	is_str(got, "", "stories: no messages");
	free(got);

	got = messages(stories_schema, stories_bad, 10, &rc);
	is_int(rc, 1, "stories: a bad reply is invalid");
	is_str(got,
	       "/stories/1: missing required property 'goal'\n"
	       "/stories/1/role: expected a string, got a number\n"
	       "/stories/1/priority: expected one of \"must\", \"should\", \"could\", got \"soon\"\n"
	       "/stories/1/criteria/1: expected a string, got a number\n"
	       "/stories/1: unexpected property 'extra'\n"
	       "/: unexpected property 'foo'",
	       "stories: every message, in schema then instance order");
	free(got);

	got = messages(stories_schema, stories_bad, 2, &rc);
	is_int(rc, 1, "max_errors 2: invalid");
	is_str(got,
	       "/stories/1: missing required property 'goal'\n"
	       "/stories/1/role: expected a string, got a number",
	       "max_errors 2: the first two messages only");
	free(got);

	got = messages(stories_schema, stories_bad, 0, &rc);
	is_int(rc, 1, "max_errors 0: still invalid");
	is_str(got, "", "max_errors 0: no message");
	free(got);

	got = messages(stories_schema, "{'stories':[]}", 10, &rc);
	is_int(rc, 1, "stories: empty list");
	is_str(got, "/stories: expected at least 1 item, got 0", "stories: minItems message");
	free(got);

	got = messages("{'additionalProperties':false}", "{'z':1,'a':2,'m':3}", 10, &rc);
	is_str(got, "/: unexpected property 'z'\n/: unexpected property 'a'\n"
	       "/: unexpected property 'm'", "additional properties in instance order");
	free(got);

	got = messages("{'required':['z','a'],'properties':{'b':{'type':'null'},'a':{'type':'null'}}}",
		       "{'a':1,'b':2}", 10, &rc);
	is_str(got, "/: missing required property 'z'\n/b: expected null, got a number\n"
	       "/a: expected null, got a number", "required and properties in schema order");
	free(got);

	got = messages("{'anyOf':[{'type':'string','minLength':9},{'type':'array'}]}", "'x'", 10, &rc);
	is_str(got, "/: matches none of the 2 alternatives",
	       "anyOf: one summary, not the alternatives' messages");
	free(got);

	got = messages("{'type':'string','enum':['a'],'minLength':3}", "1", 10, &rc);
	is_str(got, "/: expected a string, got a number", "a wrong type is the only message");
	free(got);

	got = messages("{'minimum':5,'multipleOf':2,'maximum':0}", "3", 10, &rc);
	is_str(got, "/: expected a number >= 5, got 3\n/: expected a number <= 0, got 3\n"
	       "/: expected a multiple of 2, got 3", "several failures of one value");
	free(got);
}

static void test_echo_limit(void)
{
	char schema[600], inst[600], want[600];
	char x100[101], k50[51], v50[51], e40[81];
	char *got;
	int rc;

	memset(x100, 'x', 100);
	x100[100] = '\0';
	memset(k50, 'k', 50);
	k50[50] = '\0';
	memset(v50, 'v', 50);
	v50[50] = '\0';
	for (int i = 0; i < 40; i++)
		memcpy(e40 + 2 * i, "\xc3\xa9", 2);
	e40[80] = '\0';

	snprintf(inst, sizeof(inst), "'%s'", x100);
	got = messages("{'const':'a'}", inst, 10, &rc);
	snprintf(want, sizeof(want), "/: expected \"a\", got \"%.60s...\"", x100);
	is_str(got, want, "a long value is cut to 60 bytes");
	free(got);

	snprintf(inst, sizeof(inst), "{'%s':1}", x100);
	got = messages("{'additionalProperties':false}", inst, 10, &rc);
	snprintf(want, sizeof(want), "/: unexpected property '%.60s...'", x100);
	is_str(got, want, "a long property name is cut to 60 bytes");
	free(got);

	snprintf(inst, sizeof(inst), "{'%s':'%s'}", k50, v50);
	got = messages("{'additionalProperties':{'const':'a'}}", inst, 10, &rc);
	snprintf(want, sizeof(want), "/%s: expected \"a\", got \"%.10s...\"", k50, v50);
	is_str(got, want, "pointer and value share the 60 bytes");
	free(got);

	snprintf(inst, sizeof(inst), "{'%s':{'%s':1}}", k50, k50);
	got = messages("{'additionalProperties':{'additionalProperties':{'type':'string'}}}",
		       inst, 10, &rc);
	snprintf(want, sizeof(want), "/%s/%.10s...: expected a string, got a number", k50, k50);
	is_str(got, want, "instance keys in the pointer share the 60 bytes");
	free(got);

	snprintf(inst, sizeof(inst), "{'%s':1}", e40);
	got = messages("{'additionalProperties':false}", inst, 10, &rc);
	snprintf(want, sizeof(want), "/: unexpected property '%.60s...'", e40);
	is_str(got, want, "the cut keeps UTF-8 characters whole (30 of 40)");
	free(got);

	{
		struct buf es = BUF_INIT, ew = BUF_INIT;

		buf_addstr(&es, "{'enum':[");
		buf_addstr(&ew, "/: expected one of ");
		for (int i = 0; i < 30; i++) {
			buf_addf(&es, "%s'value-%02d'", i ? "," : "", i);
			if (i < 25)
				buf_addf(&ew, "%s\"value-%02d\"", i ? ", " : "", i);
		}
		buf_addstr(&es, "]}");
		buf_addstr(&ew, " (5 more), got 1");
		got = messages(es.p, "1", 10, &rc);
		is_str(got, ew.p, "a long enum is listed up to 200 bytes");
		free(got);
		buf_release(&es);
		buf_release(&ew);
	}

	snprintf(schema, sizeof(schema), "{'properties':{'%s':{'type':'null'}}}", x100);
	snprintf(inst, sizeof(inst), "{'%s':1}", x100);
	got = messages(schema, inst, 10, &rc);
	snprintf(want, sizeof(want), "/%s: expected null, got a number", x100);
	is_str(got, want, "names from the schema are shown whole");
	free(got);
}

/* n arrays, each the only element of the one around it. */
static json_t *nested(int n)
{
	json_t *v = json_array();

	for (int i = 1; i < n; i++) {
		json_t *outer = json_array();

		json_array_append_new(outer, v);
		v = outer;
	}
	return v;
}

static void test_depth(void)
{
	json_t *s = J("{'items':{'$ref':'#'}}"), *errors = json_array(), *v;
	struct buf want = BUF_INIT;

	v = nested(JSCHEMA_MAX_DEPTH + 1);
	is_int(jschema_validate(s, v, errors, 10), 0, "nesting of 256 levels below the root is checked");
	json_decref(v);

	v = nested(JSCHEMA_MAX_DEPTH + 2);
	is_int(jschema_validate(s, v, errors, 10), 1, "one level more is refused");
	for (int i = 0; i < JSCHEMA_MAX_DEPTH; i++)
		buf_addstr(&want, "/0");
	buf_addstr(&want, ": nested deeper than 256 levels");
	is_str(json_string_value(json_array_get(errors, 0)), want.p, "depth message");
	json_decref(v);

	v = nested(JSCHEMA_MAX_DEPTH + 50);
	json_decref(s);
	s = J("{'type':'array','minItems':1}");
	is_int(jschema_validate(s, v, NULL, 0), 0,
	       "deeper instances are fine where the schema does not descend");
	json_decref(v);
	buf_release(&want);
	json_decref(s);
	json_decref(errors);
}

/* A schema jschema_check must refuse, with exactly this message. */
struct ccase {
	const char *schema, *msg;
};

static const struct ccase bad_schemas[] = {
	{ "3", "schema /: a schema must be an object or a boolean, not a number" },
	{ "{'type':'strin'}", "schema /type: unknown type 'strin'" },
	{ "{'type':['string','strin']}", "schema /type/1: unknown type 'strin'" },
	{ "{'type':['string','string']}", "schema /type/1: duplicate type 'string'" },
	{ "{'type':[]}", "schema /type: must be a type name or a non-empty array of them" },
	{ "{'type':7}", "schema /type: must be a type name or a non-empty array of them" },
	{ "{'properties':{'a':{'minLength':-1}}}",
	  "schema /properties/a/minLength: must be a non-negative integer" },
	{ "{'minLength':1.5}", "schema /minLength: must be a non-negative integer" },
	{ "{'maxItems':'3'}", "schema /maxItems: must be a non-negative integer" },
	{ "{'minProperties':null}", "schema /minProperties: must be a non-negative integer" },
	{ "{'minimum':'0'}", "schema /minimum: must be a number" },
	{ "{'exclusiveMinimum':true}",
	  "schema /exclusiveMinimum: must be a number (the boolean form is not supported)" },
	{ "{'multipleOf':0}", "schema /multipleOf: must be a number greater than 0" },
	{ "{'uniqueItems':1}", "schema /uniqueItems: must be true or false" },
	{ "{'enum':'a'}", "schema /enum: must be an array" },
	{ "{'required':'a'}", "schema /required: must be an array of property names" },
	{ "{'required':['a',1]}", "schema /required/1: a property name must be a string" },
	{ "{'required':['a','a']}", "schema /required/1: duplicate property name 'a'" },
	{ "{'properties':[]}", "schema /properties: must be an object of schemas" },
	{ "{'properties':{'a':1}}",
	  "schema /properties/a: a schema must be an object or a boolean, not a number" },
	{ "{'$defs':{'a/b':{'not':'x'}}}",
	  "schema /$defs/a~1b/not: a schema must be an object or a boolean, not a string" },
	{ "{'allOf':[]}", "schema /allOf: must be a non-empty array of schemas" },
	{ "{'anyOf':[{},[]]}", "schema /anyOf/1: a schema must be an object or a boolean, not an array" },
	{ "{'items':[{}]}", "schema /items: must be a schema; for a tuple use 'prefixItems'" },
	{ "{'patternProperties':{}}", "schema /patternProperties: keyword 'patternProperties' is not supported" },
	{ "{'properties':{'a':{'if':{}}}}", "schema /properties/a/if: keyword 'if' is not supported" },
	{ "{'pattern':1}", "schema /pattern: must be a string" },
	{ "{'pattern':'(?=a)'}",
	  "schema /pattern: pattern '(?=a)' uses lookaround or another (?...) group, which is not supported" },
	{ "{'pattern':'\\\\bx'}",
	  "schema /pattern: pattern '\\bx' uses \\b or \\B (word boundaries), which are not supported" },
	{ "{'pattern':'(a)\\\\1'}",
	  "schema /pattern: pattern '(a)\\1' uses a backreference, which is not supported" },
	{ "{'pattern':'[a'}", "schema /pattern: pattern '[a' has an unterminated [" },
	{ "{'pattern':'[z-a]'}", "schema /pattern: pattern '[z-a]' has a range out of order" },
	{ "{'pattern':'[\\\\D]'}",
	  "schema /pattern: pattern '[\\D]' uses \\D, \\W or \\S inside [...], which is not supported" },
	{ "{'pattern':'\\\\q'}", "schema /pattern: pattern '\\q' has an unknown escape" },
	{ "{'pattern':'a\\\\'}", "schema /pattern: pattern 'a\\' ends with a backslash" },
	{ "{'pattern':'a\\u0000'}", "schema /pattern: pattern cannot match a NUL character" },
	{ "{'$ref':'#/$defs/missing'}", "schema /$ref: '#/$defs/missing' does not resolve" },
	{ "{'$ref':'other.json#/a'}",
	  "schema /$ref: 'other.json#/a' is not local: only references starting with '#' are supported" },
	{ "{'$ref':'#foo'}", "schema /$ref: '#foo' uses an anchor name, which is not supported" },
	{ "{'$defs':{'a':{}},'$ref':'#/$defs/a~2'}",
	  "schema /$ref: '#/$defs/a~2' has a '~' not followed by 0 or 1" },
	{ "{'x-data':{'n':3},'$ref':'#/x-data/n'}",
	  "schema /$ref: '#/x-data/n' points at a number, not a schema" },
	{ "{'x-data':{'s':{'type':'bogus'}},'$ref':'#/x-data/s'}",
	  "schema /x-data/s/type: unknown type 'bogus'" },
	{ "{'$ref':1}", "schema /$ref: must be a string" },
	{ "{'$ref':'#'}",
	  "schema /$ref: $ref '#' leads into a $ref loop that never descends into the instance" },
	{ "{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'allOf':[{'$ref':'#/$defs/a'}]}},"
	  "'properties':{'x':{'$ref':'#/$defs/a'}}}",
	  "schema /$defs/a/$ref: $ref '#/$defs/b' leads into a $ref loop that never descends "
	  "into the instance" },
	{ "{'anyOf':[{'type':'null'},{'not':{'$ref':'#'}}]}",
	  "schema /anyOf/1/not/$ref: $ref '#' leads into a $ref loop that never descends "
	  "into the instance" },
};

static void test_check(void)
{
	for (size_t i = 0; i < sizeof(bad_schemas) / sizeof(*bad_schemas); i++) {
		json_t *s = J(bad_schemas[i].schema), *v = J("null"), *errors = json_array();

		ak_error(AK_EXIT_OK, "-");
		is_int(jschema_check(s), -1, "check refuses %s", bad_schemas[i].schema);
		is_str(ak_errmsg(), bad_schemas[i].msg, "check message for %s", bad_schemas[i].schema);
		is_int(ak_errcode(), AK_EXIT_DATAERR, "check class for %s", bad_schemas[i].schema);
		ak_error(AK_EXIT_OK, "-");
		is_int(jschema_validate(s, v, errors, 10), -1,
		       "validate refuses %s too", bad_schemas[i].schema);
		ok(!strcmp(ak_errmsg(), bad_schemas[i].msg) && json_array_size(errors) == 0,
		   "validate says the same, no messages, for %s", bad_schemas[i].schema);
		json_decref(s);
		json_decref(v);
		json_decref(errors);
	}
}

static void test_check_ok(void)
{
	static const char *const good[] = {
		"true", "false", "{}", stories_schema,
		"{'minLength':2.0,'maxItems':0,'exclusiveMaximum':1e300}",
		"{'type':'object','properties':{'kids':{'items':{'$ref':'#'}}}}",
		"{'$defs':{'a':{'$ref':'#/$defs/b'},'b':{'type':'string'}},'$ref':'#/$defs/a'}",
		"{'x-unknown':[1,{'type':'bogus'}],'format':'uuid','contentMediaType':'text/plain'}",
		"{'pattern':'^[A-Z]{2,3}-\\\\d+(?:\\\\.\\\\d+)*$'}",
	};
	json_t *s;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		s = J(good[i]);
		is_int(jschema_check(s), 0, "check accepts %s", good[i]);
		if (jschema_check(s))
			printf("#   error: %s\n", ak_errmsg());
		json_decref(s);
	}

	/* A pattern regcomp itself refuses: the message names it. */
	s = J("{'properties':{'id':{'pattern':'a{2,1}'}}}");
	is_int(jschema_check(s), -1, "check refuses a pattern regcomp refuses");
	ok(!strncmp(ak_errmsg(), "schema /properties/id/pattern: pattern 'a{2,1}' does not compile: ",
		    strlen("schema /properties/id/pattern: pattern 'a{2,1}' does not compile: ")),
	   "and says where and why: %s", ak_errmsg());
	json_decref(s);
}

/* $defs d1..dN, each a $ref to the next, the last a string; the root refs d1. */
static json_t *ref_chain(int n)
{
	struct buf b = BUF_INIT;
	json_t *s;

	buf_addstr(&b, "{'$ref':'#/$defs/d1','$defs':{");
	for (int i = 1; i < n; i++)
		buf_addf(&b, "'d%d':{'$ref':'#/$defs/d%d'},", i, i + 1);
	buf_addf(&b, "'d%d':{'type':'string'}}}", n);
	s = J(b.p);
	buf_release(&b);
	return s;
}

static void test_ref_chain(void)
{
	json_t *s = ref_chain(JSCHEMA_MAX_REF_DEPTH), *v = J("1"), *errors = json_array();

	is_int(jschema_validate(s, v, errors, 10), 1, "a chain of 64 $refs is followed");
	is_str(json_string_value(json_array_get(errors, 0)), "/: expected a string, got a number",
	       "to its end");
	json_decref(s);

	s = ref_chain(JSCHEMA_MAX_REF_DEPTH + 1);
	is_int(jschema_check(s), -1, "a chain of 65 $refs is refused");
	is_str(ak_errmsg(), "schema /$ref: $ref '#/$defs/d1' starts a chain of more than 64 $refs "
	       "without descending into the instance", "chain message");
	json_decref(s);
	json_decref(v);
	json_decref(errors);
}

static void test_arguments(void)
{
	json_t *s = J("{}"), *v = J("1"), *notarray = json_object();

	is_int(jschema_validate(s, v, notarray, 10), -1, "errors must be an array");
	is_int(ak_errcode(), AK_EXIT_SOFTWARE, "a caller's mistake is a software error");
	is_int(jschema_check(NULL), -1, "no schema");
	json_decref(s);
	json_decref(v);
	json_decref(notarray);
}

int main(void)
{
	test_table();
	test_realistic();
	test_echo_limit();
	test_depth();
	test_check();
	test_check_ok();
	test_ref_chain();
	test_arguments();
	return done_testing();
}
