/*
 * u-template.c - unit tests for lib/template.c, the mustache subset of the
 * code generators: every tag kind, the standalone-line and partial
 * indentation rules of the mustache spec, every escape mode on hostile
 * strings, lookups up the context stack and through dotted names, every
 * error with its exact message and line, the limits (section nesting,
 * partial depth, steps, the output buffer's size), long lists, and the
 * edges of the input (empty, no tags, a tag at the very end, "{{" alone).
 * Outputs are compared whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "template.h"
#include "tap.h"

struct part {
	const char *name;
	const char *text;
};

static int loads;

/* A partial loader over a NULL-terminated table; counts its calls. */
static int load(const char *name, struct buf *out, void *arg)
{
	const struct part *p = arg;

	loads++;
	for (; p->name; p++)
		if (!strcmp(p->name, name))
			return buf_addstr(out, p->text);
	return ak_error(AK_EXIT_IOERR, "no file '%s'", name);
}

static struct buf got = BUF_INIT;   /* the output of the last render */
static struct buf res = BUF_INIT;   /* the output, or "error: " and the message */

static json_t *view_of(const char *json)
{
	json_error_t e;
	json_t *v;

	if (!json)
		return NULL;
	if (!(v = json_loads(json, JSON_DECODE_ANY, &e))) {
		printf("Bail out! bad view in the test: %s: %s\n", json, e.text);
		exit(1);
	}
	return v;
}

static const char *render_with(const char *text, size_t len, json_t *view,
			       const struct tpl_options *o)
{
	buf_reset(&got);
	buf_reset(&res);
	if (tpl_render(text, len, view, o, &got) < 0)
		buf_addf(&res, "error: %s", ak_errmsg());
	else
		buf_add(&res, got.p, got.len);
	return res.p;
}

/* Render text over the view in json; the output, or "error: MESSAGE". */
static const char *run(const char *text, const char *json, enum tpl_escape esc, int strict,
		       const struct part *parts)
{
	struct tpl_options o = TPL_OPTIONS_INIT;
	json_t *view = view_of(json);
	const char *r;

	o.escape = esc;
	o.strict = strict;
	if (parts) {
		o.partial = load;
		o.partial_arg = (void *)parts;
	}
	r = render_with(text, strlen(text), view, &o);
	json_decref(view);
	return r;
}

static const char *plain(const char *text, const char *json)
{
	return run(text, json, TPL_ESCAPE_NONE, 0, NULL);
}

static const char *strict(const char *text, const char *json)
{
	return run(text, json, TPL_ESCAPE_NONE, 1, NULL);
}

static const char *with(const char *text, const char *json, const struct part *parts)
{
	return run(text, json, TPL_ESCAPE_NONE, 0, parts);
}

static void test_escape_for(void)
{
	static const struct {
		const char *path;
		enum tpl_escape esc;
	} cases[] = {
		{ "web/index.html", TPL_ESCAPE_HTML }, { "a.htm", TPL_ESCAPE_HTML },
		{ "A.HTML", TPL_ESCAPE_HTML }, { "feed.xml", TPL_ESCAPE_HTML },
		{ "logo.svg", TPL_ESCAPE_HTML }, { "src/api.ts", TPL_ESCAPE_JS },
		{ "App.tsx", TPL_ESCAPE_JS }, { "main.js", TPL_ESCAPE_JS },
		{ "x.jsx", TPL_ESCAPE_JS }, { "x.mjs", TPL_ESCAPE_JS },
		{ "package.json", TPL_ESCAPE_JSON }, { "openapi.yaml", TPL_ESCAPE_JSON },
		{ "ci.yml", TPL_ESCAPE_JSON }, { "app/main.py", TPL_ESCAPE_PY },
		{ "Main.kt", TPL_ESCAPE_KOTLIN }, { "build.gradle.kts", TPL_ESCAPE_KOTLIN },
		{ "App.swift", TPL_ESCAPE_SWIFT }, { "schema.sql", TPL_ESCAPE_SQL },
		{ "api.ts.mustache", TPL_ESCAPE_JS }, { "page.html.MUSTACHE", TPL_ESCAPE_HTML },
		{ "x.mustache", TPL_ESCAPE_NONE }, { "README.md", TPL_ESCAPE_NONE },
		{ "style.css", TPL_ESCAPE_NONE }, { "pyproject.toml", TPL_ESCAPE_NONE },
		{ "Makefile", TPL_ESCAPE_NONE }, { "dir.ts/Makefile", TPL_ESCAPE_NONE },
		{ "x.tsv", TPL_ESCAPE_NONE }, { "x.", TPL_ESCAPE_NONE }, { "", TPL_ESCAPE_NONE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(tpl_escape_for(cases[i].path), cases[i].esc, "escape for '%s'",
		       cases[i].path);
	is_int(tpl_escape_for(NULL), TPL_ESCAPE_NONE, "escape for NULL");
}

/* A string no escaping may let through: quotes, backslash, controls, U+2028/9, bad UTF-8. */
static const char hostile[] = "a\\b\"c'd`e$f<g>h&i\n\r\t\b\f\x01\x1f\x7f"
	"\xe2\x80\xa8" "\xe2\x80\xa9" "\xff" "\xc3\xa9" "\xe2\x80";

static const struct {
	enum tpl_escape esc;
	const char *name, *want;
} escaped[] = {
	{ TPL_ESCAPE_NONE, "none", hostile },
	{ TPL_ESCAPE_HTML, "html",
	  "a\\b&quot;c&#39;d`e$f&lt;g&gt;h&amp;i\n\r\t\b\f\x01\x1f\x7f"
	  "\xe2\x80\xa8" "\xe2\x80\xa9" "\xff" "\xc3\xa9" "\xe2\x80" },
	{ TPL_ESCAPE_JSON, "json",
	  "a\\\\b\\\"c'd`e$f\\u003cg>h&i\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f"
	  "\\u2028\\u2029" "\xff" "\xc3\xa9" "\xe2\x80" },
	{ TPL_ESCAPE_JS, "js",
	  "a\\\\b\\\"c\\'d\\`e$f\\u003cg>h&i\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f"
	  "\\u2028\\u2029" "\xff" "\xc3\xa9" "\xe2\x80" },
	{ TPL_ESCAPE_PY, "py",
	  "a\\\\b\\\"c\\'d`e$f<g>h&i\\n\\r\\t\\x08\\x0c\\x01\\x1f\\x7f"
	  "\xe2\x80\xa8" "\xe2\x80\xa9" "\xff" "\xc3\xa9" "\xe2\x80" },
	{ TPL_ESCAPE_KOTLIN, "kotlin",
	  "a\\\\b\\\"c\\'d`e\\$f<g>h&i\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\\u007f"
	  "\xe2\x80\xa8" "\xe2\x80\xa9" "\xff" "\xc3\xa9" "\xe2\x80" },
	{ TPL_ESCAPE_SWIFT, "swift",
	  "a\\\\b\\\"c\\'d`e$f<g>h&i\\n\\r\\t\\u{8}\\u{c}\\u{1}\\u{1f}\\u{7f}"
	  "\xe2\x80\xa8" "\xe2\x80\xa9" "\xff" "\xc3\xa9" "\xe2\x80" },
	{ TPL_ESCAPE_SQL, "sql",
	  "a\\b\"c''d`e$f<g>h&i\n\r\t\b\f\x01\x1f\x7f"
	  "\xe2\x80\xa8" "\xe2\x80\xa9" "\xff" "\xc3\xa9" "\xe2\x80" },
};

static void test_escape(void)
{
	struct tpl_options o = TPL_OPTIONS_INIT;
	json_t *view = json_object();
	struct buf b = BUF_INIT, want = BUF_INIT;

	json_object_set_new(view, "x", json_stringn_nocheck(hostile, sizeof(hostile) - 1));
	for (size_t i = 0; i < sizeof(escaped) / sizeof(escaped[0]); i++) {
		buf_reset(&b);
		is_int(tpl_escape(escaped[i].esc, hostile, sizeof(hostile) - 1, &b), 0,
		       "tpl_escape %s", escaped[i].name);
		is_str(b.p, escaped[i].want, "tpl_escape %s: the hostile string", escaped[i].name);

		/* {{x}} is escaped, {{{x}}} and {{&x}} never */
		o.escape = escaped[i].esc;
		buf_reset(&want);
		buf_addf(&want, "[%s|%s|%s]", escaped[i].want, hostile, hostile);
		is_str(render_with("[{{x}}|{{{x}}}|{{&x}}]", 22, view, &o), want.p,
		       "render escaped as %s", escaped[i].name);
	}

	/* a NUL is a control character like the others */
	buf_reset(&b);
	tpl_escape(TPL_ESCAPE_JSON, "x\0y", 3, &b);
	is_str(b.p, "x\\u0000y", "json: NUL as \\u0000");
	buf_reset(&b);
	tpl_escape(TPL_ESCAPE_PY, "x\0y", 3, &b);
	is_str(b.p, "x\\x00y", "py: NUL as \\x00");
	buf_reset(&b);
	tpl_escape(TPL_ESCAPE_NONE, "x\0y", 3, &b);
	ok(b.len == 3 && !memcmp(b.p, "x\0y", 3), "none: NUL kept");
	/* an almost-U+2028 is two bytes of bad UTF-8 and stays */
	buf_reset(&b);
	tpl_escape(TPL_ESCAPE_JS, "\xe2\x80\xa7\xe2\x80", 5, &b);
	is_str(b.p, "\xe2\x80\xa7\xe2\x80", "js: U+2027 and a cut sequence pass");
	{
		/* a sequence cut by the end of the input, with nothing after it */
		char *cut = malloc(2);

		memcpy(cut, "\xe2\x80", 2);
		buf_reset(&b);
		tpl_escape(TPL_ESCAPE_JSON, cut, 2, &b);
		ok(b.len == 2 && !memcmp(b.p, "\xe2\x80", 2), "json: a cut U+2028 at the very end");
		free(cut);
	}
	buf_reset(&b);
	is_int(tpl_escape(TPL_ESCAPE_HTML, "", 0, &b), 0, "escaping nothing");
	is_int((long long)b.len, 0, "adds nothing");
	buf_release(&b);

	/* the buffer's limit holds */
	buf_init(&b, 8);
	is_int(tpl_escape(TPL_ESCAPE_HTML, "<<<", 3, &b), -1, "escaped past the limit");
	is_str(ak_errmsg(), "too large (limit 8 bytes)", "the buffer's message");
	buf_release(&b);
	buf_release(&want);
	json_decref(view);
}

static void test_variables(void)
{
	is_str(plain("Hello, {{subject}}!\n", "{\"subject\":\"world\"}"), "Hello, world!\n",
	       "a variable");
	is_str(run("{{x}} {{{x}}} {{&x}}", "{\"x\":\"& \\\" <>'\"}", TPL_ESCAPE_HTML, 0, NULL),
	       "&amp; &quot; &lt;&gt;&#39; & \" <>' & \" <>'", "escaped and raw forms");
	is_str(plain("{{i}} {{n}} {{big}} {{t}} {{f}} [{{z}}]",
		     "{\"i\":85,\"n\":-7,\"big\":9223372036854775807,\"t\":true,\"f\":false,"
		     "\"z\":null}"),
	       "85 -7 9223372036854775807 true false []", "integers, booleans, null");
	is_str(plain("{{a}} {{b}} {{c}} {{d}} {{e}} {{g}} {{h}} {{k}}",
		     "{\"a\":0.1,\"b\":1e20,\"c\":3.0,\"d\":-0.5,\"e\":1e-7,"
		     "\"g\":123456789.125,\"h\":0.30000000000000004,\"k\":-0.0}"),
	       "0.1 1e+20 3.0 -0.5 1e-07 123456789.125 0.30000000000000004 -0.0",
	       "reals: the shortest form that reads back");
	is_str(plain("|{{ x }}|{{{ x }}}|{{& x }}|{{\tx\t}}|{{\n x\r\n}}|", "{\"x\":\"a\"}"),
	       "|a|a|a|a|a|", "blanks inside tags");
	is_str(plain("[{{nope}}][{{o}}][{{l}}]", "{\"o\":{\"a\":1},\"l\":[1]}"), "[][][]",
	       "missing, object and list print nothing when not strict");
	is_str(plain("[{{x}}]", NULL), "[]", "no view at all");
	is_str(plain("{{.}}", "\"top\""), "top", "{{.}} is the view itself");
	is_str(plain("{{a b}}|{{a.}}|{{.a}}", "{\"a b\":1,\"a\":{\"\":2},\"\":{\"a\":3}}"),
	       "1|2|3", "names are taken as written, empty parts too");
	is_str(plain("{{x}}", "{\"x\":\"multi\\nline\"}"), "multi\nline", "newlines in values");
}

static void test_dotted(void)
{
	is_str(plain("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}"), "deep", "a.b.c");
	is_str(plain("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":7}}}"), "7", "a.b.c, a number");
	is_str(plain("[{{a.x.c}}]", "{\"a\":{\"b\":{\"c\":\"deep\"}}}"), "[]", "a broken chain");
	is_str(plain("[{{a.b.c.name}}]", "{\"a\":{\"b\":{}},\"c\":{\"name\":\"Jim\"}}"), "[]",
	       "the rest of a chain is not looked up the stack");
	is_str(plain("[{{#a}}{{b.c}}{{/a}}]", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"ERROR\"}}"), "[]",
	       "the first part stops at the innermost context that has it");
	is_str(plain("{{#a}}{{b.c}}{{/a}}", "{\"a\":{\"x\":1},\"b\":{\"c\":\"up\"}}"), "up",
	       "the first part is looked up the stack");
	is_str(plain("[{{s.x}}][{{l.0}}]", "{\"s\":\"str\",\"l\":[1]}"), "[][]",
	       "no lookup inside a string or a list");
	is_str(plain("{{#a.b}}{{c}}{{/a.b}}", "{\"a\":{\"b\":{\"c\":\"in\"}}}"), "in",
	       "a dotted section");
	is_str(plain("{{#a}}{{z}}{{/a}}", "{\"a\":{\"z\":null},\"z\":\"outer\"}"), "",
	       "a key holding null hides the outer one");
}

static void test_sections(void)
{
	static const struct {
		const char *value, *want;
	} truth[] = {
		{ "true", "Y" }, { "false", "N" }, { "null", "N" }, { "0", "N" }, { "0.0", "N" },
		{ "1", "Y" }, { "-1", "Y" }, { "0.5", "Y" }, { "\"\"", "N" }, { "\"s\"", "Y" },
		{ "\"0\"", "Y" }, { "[]", "N" }, { "[1,2,3]", "YYY" }, { "{}", "Y" },
		{ "{\"a\":1}", "Y" }, { "[false]", "Y" },
	};
	char json[64];

	for (size_t i = 0; i < sizeof(truth) / sizeof(truth[0]); i++) {
		snprintf(json, sizeof(json), "{\"x\":%s}", truth[i].value);
		is_str(plain("{{#x}}Y{{/x}}{{^x}}N{{/x}}", json), truth[i].want, "section on %s",
		       truth[i].value);
	}
	is_str(plain("{{#x}}Y{{/x}}{{^x}}N{{/x}}", "{}"), "N", "section on a missing name");
	is_str(plain("{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"v\"}}"), "v", "an object is pushed");
	is_str(plain("{{#s}}<{{.}}>{{/s}}", "{\"s\":\"hi\"}"), "<hi>", "a string is pushed");
	is_str(plain("{{#n}}{{.}}{{/n}}", "{\"n\":42}"), "42", "a number is pushed");
	is_str(plain("{{#list}}({{.}}){{/list}}", "{\"list\":[\"a\",1,2.5,true,null]}"),
	       "(a)(1)(2.5)(true)()", "implicit iterator");
	is_str(plain("{{#l}}[{{#.}}{{.}}{{/.}}]{{/l}}", "{\"l\":[[1,2],[],[3]]}"), "[12][][3]",
	       "lists of lists through {{#.}}");
	is_str(plain("{{#l}}{{name}},{{/l}}", "{\"l\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"),
	       "a,b,", "a list of objects");
	is_str(plain("{{#a}}{{#b}}{{#c}}{{x}}{{/c}}{{/b}}{{/a}}",
		     "{\"x\":\"root\",\"a\":{\"b\":{\"c\":true}}}"), "root",
	       "a name found at the bottom of a deep stack");
	is_str(plain("{{#title}}{{#entities}}{{name}}:{{#fields}}{{name}}/{{title}};{{/fields}}|"
		     "{{/entities}}{{/title}}",
		     "{\"title\":\"T\",\"entities\":[{\"name\":\"A\",\"fields\":[{\"name\":\"x\"},"
		     "{\"name\":\"y\"}]},{\"name\":\"B\",\"fields\":[{\"label\":\"z\"}]}]}"),
	       "A:x/T;y/T;|B:B/T;|", "nested lists see the contexts around them");
	is_str(plain("{{^l}}none{{/l}}{{#l}}{{.}}{{/l}}", "{\"l\":[]}"), "none", "inverted list");
	is_str(plain("{{#a}}1{{#b}}2{{/b}}3{{/a}}", "{\"a\":true,\"b\":false}"), "13",
	       "a false section inside a true one");
	is_str(plain("{{#a}}{{/a}}|{{^a}}{{/a}}", "{\"a\":[1,2]}"), "|", "empty bodies");
	is_str(plain("{{# x }}in{{/ x }}", "{\"x\":1}"), "in", "blanks in section tags");
	is_str(plain("{{#s}}{{a}},{{b}},{{c.d}}{{/s}}",
		     "{\"a\":\"A\",\"b\":\"no\",\"s\":{\"b\":\"B\"},\"c\":{\"d\":\"D\"}}"),
	       "A,B,D", "names missing inside are found outside");
	is_str(plain("{{#t}}{{#m}}{{tn.lo}}{{mn}}.{{#b}}{{tn.up}}{{mn}}{{bn}}.{{/b}}{{/m}}{{/t}}",
		     "{\"t\":[{\"tn\":{\"up\":\"A\",\"lo\":\"a\"},\"m\":[{\"mn\":\"1\","
		     "\"b\":[{\"bn\":\"x\"},{\"bn\":\"y\"}]}]}]}"),
	       "a1.A1x.A1y.", "three lists deep, every level visible");
	is_str(plain("{{#a}}\n{{one}}\n{{#b}}\n{{one}}{{two}}\n{{#c}}\n{{one}}{{two}}{{.}}\n"
		     "{{/c}}\n{{two}}{{one}}\n{{/b}}\n{{one}}\n{{/a}}\n",
		     "{\"a\":{\"one\":1},\"b\":{\"two\":2},\"c\":3}"),
	       "1\n12\n123\n21\n1\n", "nested standalone sections, each level visible");
	is_str(plain(" | {{#a}} {{! keep }}\n {{/a}} | \n", "{\"a\":true}"), " |  \n  | \n",
	       "blanks inside a section are kept");
}

static void test_comments(void)
{
	is_str(plain("12345{{! Comment Block! }}67890", "{}"), "1234567890", "inline comment");
	is_str(plain("Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n", "{}"),
	       "Begin.\nEnd.\n", "a multiline standalone comment");
	is_str(plain("Begin.\n  {{! Indented }}\nEnd.\n", "{}"), "Begin.\nEnd.\n",
	       "an indented standalone comment");
	is_str(plain("  12 {{! 34 }}\n", "{}"), "  12 \n", "a comment after text stays inline");
	is_str(plain("a{{! {{x}} b", "{\"x\":1}"), "a b", "a comment ends at the first }}");
	is_str(plain("{{!}}x", "{}"), "x", "an empty comment");
	is_str(plain("12345{{!\n  multi\n  line\n}}67890\n", "{}"), "1234567890\n",
	       "a multiline inline comment");
	is_str(plain("Begin.\n  {{!\n    multi\n  }}\nEnd.\n", "{}"), "Begin.\nEnd.\n",
	       "an indented multiline standalone comment");
	is_str(plain("  {{! first }}\n!", "{}"), "!", "a standalone comment on the first line");
	is_str(plain("12345 {{! c }} 67890", "{}"), "12345  67890", "blanks around a comment");
	is_str(plain("|\r\n{{! c }}\r\n|", "{}"), "|\r\n|", "standalone comment, CRLF");
}

static void test_standalone(void)
{
	is_str(plain("| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n", "{\"boolean\":true}"),
	       "| This Is\n|\n| A Line\n", "standalone lines are removed");
	is_str(plain("| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n",
		     "{\"boolean\":true}"),
	       "| This Is\n|\n| A Line\n", "indented standalone lines are removed");
	is_str(plain("|\r\n{{#boolean}}\r\n{{/boolean}}\r\n|", "{\"boolean\":true}"), "|\r\n|",
	       "standalone lines ending in CRLF");
	is_str(plain("  {{#boolean}}\n#{{/boolean}}\n/", "{\"boolean\":true}"), "#\n/",
	       "standalone on the first line");
	is_str(plain("#{{#boolean}}\n/\n  {{/boolean}}", "{\"boolean\":true}"), "#\n/\n",
	       "standalone on the last line, no newline");
	is_str(plain(" {{#boolean}}YES{{/boolean}}\n {{#boolean}}GOOD{{/boolean}}\n",
		     "{\"boolean\":true}"), " YES\n GOOD\n", "indented inline sections stay");
	is_str(plain("a\n{{^x}}\nb\n{{/x}}\nc", "{}"), "a\nb\nc", "standalone inverted");
	is_str(plain("a\n{{#x}}\nb\n{{/x}}\nc", "{}"), "a\nc", "a false standalone section");
	is_str(plain("{{#a}}{{/a}}\nx", "{\"a\":true}"), "\nx",
	       "two tags on a line are not standalone");
	is_str(plain("a\n  {{x}}\nb", "{\"x\":\"\"}"), "a\n  \nb",
	       "a variable alone on a line is not standalone");
	is_str(plain("{{#a}}\rx{{/a}}", "{\"a\":true}"), "\rx", "a lone CR ends no line");
	is_str(plain("\t {{#a}} \t\n-\n{{/a}}", "{\"a\":true}"), "-\n", "tabs and spaces");
	is_str(plain("{{#l}}\n- {{.}}\n{{/l}}\n", "{\"l\":[1,2]}"), "- 1\n- 2\n",
	       "a standalone list, the usual way");
	is_str(plain("{{#a}}\n{{#b}}\nx\n{{/b}}\n{{/a}}\n", "{\"a\":1,\"b\":1}"), "x\n",
	       "nested standalone sections");
	is_str(plain("x {{#a}}\ny\n{{/a}} z", "{\"a\":1}"), "x \ny\n z",
	       "text around the tag keeps its line");
}

static void test_partials(void)
{
	static const struct part parts[] = {
		{ "text", "from partial" },
		{ "star", "*{{text}}*" },
		{ "node", "{{content}}<{{#nodes}}{{>node}}{{/nodes}}>" },
		{ "block", "|\n{{{content}}}\n|\n" },
		{ "gt", ">\n>" },
		{ "one", ">" },
		{ "box", "[]" },
		{ "tab", "\t|\t" },
		{ "outer", "o1\n  {{>inner}}\no2\n" },
		{ "inner", "i1\ni2\n" },
		{ "sect", "a\n{{#s}}\nb\n{{/s}}\n" },
		{ "tagline", "{{x}}\n{{#l}}{{.}}{{/l}}\n" },
		{ "close", "{{#s}}a\n{{/s}}b" },
		{ "blank", "a\n\nb\n" },
		{ "loop", "{{>loop}}" },
		{ "deep", "{{#n}}x{{>deep}}{{/n}}" },
		{ "bad", "ok\n{{/x}}" },
		{ "row", "{{nope}}" },
		{ "call-row", "\n{{>row}}" },
		{ "empty", "" },
		{ NULL, NULL },
	};
	struct buf json = BUF_INIT, want = BUF_INIT;

	is_str(with("\"{{>text}}\"", "{}", parts), "\"from partial\"", "a partial");
	is_str(with("\"{{>star}}\"", "{\"text\":\"content\"}", parts), "\"*content*\"",
	       "a partial sees the context");
	is_str(with("{{#l}}{{>star}}{{/l}}", "{\"l\":[{\"text\":1},{\"text\":2}]}", parts),
	       "*1**2*", "a partial in a list");
	is_str(with("{{>node}}", "{\"content\":\"X\",\"nodes\":[{\"content\":\"Y\",\"nodes\":[]}]}",
		    parts), "X<Y<>>", "recursion");
	is_str(with("\\\n {{>block}}\n/\n", "{\"content\":\"<\\n->\"}", parts),
	       "\\\n |\n <\n->\n |\n/\n", "standalone indentation, values not indented");
	is_str(with("|\r\n{{>one}}\r\n|", "{}", parts), "|\r\n>|", "standalone partial, CRLF");
	is_str(with("  {{>gt}}\n>", "{}", parts), "  >\n  >>", "standalone on the first line");
	is_str(with(">\n  {{>gt}}", "{}", parts), ">\n  >\n  >", "standalone on the last line");
	is_str(with("  {{data}}  {{> gt}}\n", "{\"data\":\"|\"}", parts), "  |  >\n>\n",
	       "an inline partial is not indented");
	is_str(with("|{{> box }}|", "{}", parts), "|[]|", "blanks in a partial tag");
	is_str(with("| {{>tab}} |", "{}", parts), "| \t|\t |", "blanks around a partial");
	is_str(with("<\n  {{>outer}}\n>", "{}", parts), "<\n  o1\n    i1\n    i2\n  o2\n>",
	       "indentation adds up in nested partials");
	is_str(with("  {{>sect}}\nz", "{\"s\":false}", parts), "  a\nz",
	       "no indentation for removed lines (false)");
	is_str(with("  {{>sect}}\nz", "{\"s\":true}", parts), "  a\n  b\nz",
	       "no indentation for removed lines (true)");
	is_str(with(" {{>tagline}}\n", "{\"x\":\"X\",\"l\":[1,2]}", parts), " X\n 12\n",
	       "lines beginning with a tag are indented");
	is_str(with("  {{>close}}\n", "{\"s\":true}", parts), "  a\n  b",
	       "a line beginning with a closing tag (true)");
	is_str(with("  {{>close}}\n", "{\"s\":false}", parts), "  b",
	       "a line beginning with a closing tag (false)");
	is_str(with("\t{{>blank}}", "{}", parts), "\ta\n\t\n\tb\n", "empty lines are indented");
	is_str(with("[{{>empty}}]\n  {{>empty}}\n.", "{}", parts), "[]\n.", "an empty partial");
	is_str(with("a\n  {{>missing}}", "{}", NULL), "error: template:2: unknown partial 'missing'",
	       "no loader: unknown partial");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "class DATAERR");
	is_str(with("x{{>nope}}", "{}", parts),
	       "error: template:1: cannot load partial 'nope': no file 'nope'",
	       "the loader's failure");
	is_int(ak_errcode(), AK_EXIT_IOERR, "keeps the loader's class");
	is_str(with("\n\n{{>bad}}", "{}", parts),
	       "error: template:3: partial 'bad':2: {{/x}} without an open section",
	       "an error in a partial names the partial and both lines");
	is_str(run("{{>call-row}}", "{}", TPL_ESCAPE_NONE, 1, parts),
	       "error: template:1: partial 'call-row':2: partial 'row':1: unknown name 'nope'",
	       "through two partials");
	is_str(with("{{>loop}}", "{}", parts),
	       "error: template:1: partial 'loop':1: ...: partial 'loop':1: partial 'loop':1: "
	       "partials nested more than 32 deep", "a partial including itself");

	/* 32 partials deep work, 33 do not: k nested objects take k partials */
	for (int k = 32; k <= 33; k++) {
		buf_reset(&json);
		buf_reset(&want);
		for (int i = 0; i < k; i++)
			buf_addstr(&json, "{\"n\":");
		buf_addstr(&json, "false");
		for (int i = 0; i < k; i++)
			buf_addch(&json, '}');
		for (int i = 1; i < k; i++)
			buf_addch(&want, 'x');
		if (k == 33) {
			buf_reset(&want);
			buf_addstr(&want, "error: template:1: partial 'deep':1: ...: partial 'deep':1: "
				   "partial 'deep':1: partials nested more than 32 deep");
		}
		is_str(with("{{>deep}}", json.p, parts), want.p, "partials %d deep", k);
	}

	/* a partial in a long list is loaded once */
	buf_reset(&json);
	buf_reset(&want);
	buf_addstr(&json, "{\"l\":[");
	for (int i = 0; i < 10000; i++) {
		buf_addf(&json, "%s{\"text\":%d}", i ? "," : "", i);
		buf_addf(&want, "*%d*", i);
	}
	buf_addstr(&json, "]}");
	loads = 0;
	is_str(with("{{#l}}{{>star}}{{/l}}", json.p, parts), want.p, "10,000 partials");
	is_int(loads, 1, "loaded once");
	loads = 0;
	is_str(with("{{>text}}{{>star}}{{>text}}{{>star}}", "{\"text\":\"t\"}", parts),
	       "from partial*t*from partial*t*", "two partials twice");
	is_int(loads, 2, "each loaded once");
	buf_release(&json);
	buf_release(&want);
}

static void test_strict(void)
{
	struct tpl_options o = TPL_OPTIONS_INIT;

	is_str(strict("a\nb {{x}}\n", "{}"), "error: template:2: unknown name 'x'",
	       "strict: unknown name and its line");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "class DATAERR");
	is_str(got.p, "a\nb ", "the output so far is kept");
	is_str(strict("{{#a}}\n\n{{a.x.y}}{{/a}}", "{\"a\":{\"x\":{}}}"),
	       "error: template:3: unknown name 'a.x.y'", "strict: a broken chain");
	is_str(strict("{{{raw}}}", "{}"), "error: template:1: unknown name 'raw'",
	       "strict: raw tags too");
	is_str(strict("{{o}}", "{\"o\":{}}"), "error: template:1: 'o' is an object, not a value",
	       "strict: an object");
	is_str(strict("\n{{&l}}", "{\"l\":[]}"), "error: template:2: 'l' is a list, not a value",
	       "strict: a list");
	is_str(strict("[{{z}}]", "{\"z\":null}"), "[]", "strict: null is a value");
	is_str(strict("{{#nope}}x{{/nope}}{{^nope}}y{{/nope}}", "{}"), "y",
	       "strict: a section on a missing name is false");
	is_str(strict("{{.}}", NULL), "error: template:1: unknown name '.'",
	       "strict: {{.}} with no view");
	is_str(strict("{{#l}}{{.}}{{/l}}", "{\"l\":[1,null]}"), "1", "strict: {{.}} of null");
	o.strict = 1;
	o.name = "files/api.ts.mustache";
	is_str(render_with("{{x}}", 5, NULL, &o),
	       "error: files/api.ts.mustache:1: unknown name 'x'", "the template's name");
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text, *want, *name;
	} cases[] = {
		{ "a\n{{#s}}\nb", "error: template:2: unclosed section {{#s}}", "unclosed section" },
		{ "{{#a}}{{^s}}{{/s}}\n{{^s}}x", "error: template:2: unclosed section {{^s}}",
		  "unclosed inverted section" },
		{ "{{#a}}\n{{/b}}", "error: template:2: {{/b}} closes {{#a}}", "crossed close" },
		{ "{{^a}}{{/b}}", "error: template:1: {{/b}} closes {{^a}}",
		  "crossed close of inverted" },
		{ "{{#a}}{{#b}}{{/a}}{{/b}}", "error: template:1: {{/a}} closes {{#b}}",
		  "overlapping sections" },
		{ "x\n\n{{/a}}", "error: template:3: {{/a}} without an open section",
		  "close without open" },
		{ "a\n{{b", "error: template:2: unclosed tag", "unclosed tag" },
		{ "abc{{", "error: template:1: unclosed tag", "{{ at the end" },
		{ "{{", "error: template:1: unclosed tag", "only {{" },
		{ "x\ny{{}", "error: template:2: unclosed tag", "one brace closing" },
		{ "{{{x}}", "error: template:1: unclosed tag", "triple with two braces" },
		{ "{{! never closed", "error: template:1: unclosed tag", "unclosed comment" },
		{ "{{#a\n}}{{/a}}{{x", "error: template:2: unclosed tag",
		  "line counted past a multiline tag" },
		{ "{{}}", "error: template:1: empty tag name", "{{}}" },
		{ "{{ \t }}", "error: template:1: empty tag name", "{{ }}" },
		{ "{{#}}", "error: template:1: empty tag name", "{{#}}" },
		{ "{{/ }}", "error: template:1: empty tag name", "{{/}}" },
		{ "{{{ }}}", "error: template:1: empty tag name", "{{{}}}" },
		{ "{{&}}", "error: template:1: empty tag name", "{{&}}" },
		{ "{{>}}", "error: template:1: empty tag name", "{{>}}" },
		{ "{{^}}", "error: template:1: empty tag name", "{{^}}" },
		{ "x\n{{=<% %>=}}", "error: template:2: set-delimiter tags are not supported",
		  "set-delimiter" },
		{ "{{=", "error: template:1: set-delimiter tags are not supported",
		  "set-delimiter, unclosed" },
	};
	struct buf text = BUF_INIT, want = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_str(plain(cases[i].text, "{\"a\":1,\"s\":1}"), cases[i].want, "%s", cases[i].name);
		ok(ak_errcode() == AK_EXIT_DATAERR && got.len == 0,
		   "%s: DATAERR, nothing written", cases[i].name);
	}

	/* 100 sections deep work, 101 do not */
	for (int depth = 100; depth <= 101; depth++) {
		buf_reset(&text);
		for (int i = 0; i < depth; i++)
			buf_addf(&text, "{{#a}}%s", i == 99 ? "\n" : "");
		buf_addstr(&text, "x");
		for (int i = 0; i < depth; i++)
			buf_addstr(&text, "{{/a}}");
		buf_reset(&want);
		if (depth == 100)
			buf_addstr(&want, "\nx");
		else
			buf_addstr(&want, "error: template:2: sections nested more than 100 deep");
		is_str(plain(text.p, "{\"a\":true}"), want.p, "sections %d deep", depth);
	}
	buf_release(&text);
	buf_release(&want);
}

static void test_edges(void)
{
	struct tpl_options o = TPL_OPTIONS_INIT;
	struct buf b = BUF_INIT;
	json_t *view = view_of("{\"a\":\"12345\",\"b\":\"678901\"}");

	is_str(plain("", "{}"), "", "an empty template");
	ok(got.p != NULL, "the output is a string even when empty");
	is_int(tpl_render(NULL, 0, NULL, NULL, &b), 0, "NULL text, view and options");
	ok(b.p && b.len == 0, "render nothing");
	is_str(plain("no tags at all\n{ } }} {x}", "{}"), "no tags at all\n{ } }} {x}",
	       "a template without tags");
	is_str(plain("abc{{x}}", "{\"x\":\"X\"}"), "abcX", "a tag at the very end");
	is_str(plain("{{x}}", "{\"x\":\"X\"}"), "X", "only a tag");
	is_str(plain("{{#a}}x{{/a}}", "{\"a\":1}"), "x", "a section to the very end");
	is_str(plain("{{{{x}}}}", "{\"{x\":\"odd\"}"), "odd}", "four braces");
	is_str(plain("}}{{x}}}}", "{\"x\":1}"), "}}1}}", "stray closing braces are text");

	/* NUL bytes in the text are text */
	render_with("a\0{{x}}\0b", 9, NULL, &o);
	ok(got.len == 4 && !memcmp(got.p, "a\0\0b", 4), "NULs in the template");

	/* output is appended, and a full buffer stops the render */
	buf_reset(&b);
	buf_addstr(&b, "pre:");
	is_int(tpl_render("{{a}}", 5, view, &o, &b), 0, "render after content");
	is_str(b.p, "pre:12345", "appended");
	buf_release(&b);
	buf_init(&b, 10);
	is_int(tpl_render("{{a}}\n{{b}}", 11, view, &o, &b), -1, "past the buffer's limit");
	is_str(ak_errmsg(), "template:2: too large (limit 10 bytes)", "located buffer message");
	is_str(b.p, "12345\n", "the partial result");
	buf_release(&b);
	buf_init(&b, 4);
	buf_addstr(&b, "full");
	is_int(tpl_render("", 0, NULL, &o, &b), 0, "an empty render into a full buffer");
	buf_release(&b);
	json_decref(view);
}

static void test_limits(void)
{
	struct buf text = BUF_INIT, json = BUF_INIT, want = BUF_INIT;

	/* 10,000 items */
	buf_addstr(&json, "{\"title\":\"T\",\"items\":[");
	for (int i = 0; i < 10000; i++) {
		buf_addf(&json, "%s{\"n\":%d,\"s\":\"<%d>\"}", i ? "," : "", i, i);
		buf_addf(&want, "%d:&lt;%d&gt;:T\n", i, i);
	}
	buf_addstr(&json, "]}");
	is_str(run("{{#items}}\n{{n}}:{{s}}:{{title}}\n{{/items}}\n", json.p, TPL_ESCAPE_HTML, 1,
		   NULL), want.p, "10,000 items");

	/* a template that would run for ever */
	buf_reset(&text);
	for (int i = 0; i < 8; i++)
		buf_addstr(&text, "{{#l}}");
	for (int i = 0; i < 8; i++)
		buf_addstr(&text, "{{/l}}");
	is_str(plain(text.p, "{\"l\":[0,1,2,3,4,5,6,7,8,9]}"),
	       "error: template:1: rendering takes more than 10000000 steps",
	       "100,000,000 iterations are stopped");
	buf_release(&text);
	buf_release(&json);
	buf_release(&want);
}

int main(void)
{
	test_escape_for();
	test_escape();
	test_variables();
	test_dotted();
	test_sections();
	test_comments();
	test_standalone();
	test_partials();
	test_strict();
	test_parse_errors();
	test_edges();
	test_limits();
	buf_release(&got);
	buf_release(&res);
	return done_testing();
}
