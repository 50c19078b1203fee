/*
 * u-lint.c - unit tests for lib/contract/lint.c: the valid contracts in
 * t/data/openapi (a 3.0 YAML pet shop, a 3.1 JSON library, the generated
 * task board) lint clean; each broken fixture gives exactly the expected
 * set of (severity, rule, pointer) findings; documents that are not
 * OpenAPI 3.x, hostile nesting, ref resolution, path template equality,
 * and client calls checked against a contract.
 *
 * The fixtures are read from the directory given as argv[1], or from
 * t/data/openapi under the working directory (the top of the tree).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "yamljson.h"
#include "contract/lint.h"
#include "tap.h"
#include "banned.h"

static const char *datadir = "t/data/openapi";

static json_t *load(const char *name)
{
	struct buf b;
	char path[1024];
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s", datadir, name);
	buf_init(&b, 0);
	if (buf_read_file(&b, path) < 0) {
		printf("Bail out! %s\n", ak_errmsg());
		exit(1);
	}
	doc = yaml_parse(b.p, b.len, name);
	buf_release(&b);
	if (!doc) {
		printf("Bail out! %s\n", ak_errmsg());
		exit(1);
	}
	return doc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The findings as sorted "severity rule pointer" lines. Also checks that
 * every finding is well formed; a malformed one shows up as "BAD".
 */
static char *summary(const json_t *findings)
{
	size_t n = json_array_size(findings), i;
	char **lines = calloc(n + 1, sizeof(*lines));
	struct buf out = BUF_INIT;
	json_t *f;

	json_array_foreach((json_t *)findings, i, f) {
		const char *sev = json_string_value(json_object_get(f, "severity"));
		const char *rule = json_string_value(json_object_get(f, "rule"));
		const char *ptr = json_string_value(json_object_get(f, "pointer"));
		const char *msg = json_string_value(json_object_get(f, "message"));
		struct buf line = BUF_INIT;

		if (!sev || !rule || !ptr || !msg || !*msg || json_object_size(f) != 4)
			buf_addstr(&line, "BAD");
		else
			buf_addf(&line, "%s %s %s", sev, rule, ptr);
		lines[i] = buf_detach(&line, NULL);
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	buf_addstr(&out, "");
	for (i = 0; i < n; i++) {
		buf_addf(&out, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	return buf_detach(&out, NULL);
}

/* Lint a document and compare the findings and the error count. */
static void expect(const json_t *doc, const char *name, int want_errors, const char *want)
{
	json_t *findings = json_array();
	int r = lint_openapi(doc, findings);
	char *got = summary(findings);

	is_int(r, want_errors, "%s: error count", name);
	is_str(got, want, "%s: findings", name);
	if (strcmp(got, want) != 0) {
		char *all = json_dumps(findings, JSON_INDENT(1));

		printf("# %s\n", all ? all : "");
		free(all);
	}
	free(got);
	json_decref(findings);
}

static void expect_file(const char *name, int want_errors, const char *want)
{
	json_t *doc = load(name);

	expect(doc, name, want_errors, want);
	json_decref(doc);
}

static void expect_text(const char *text, int want_errors, const char *want)
{
	json_t *doc = yaml_parse(text, strlen(text), "text");

	ok(doc != NULL, "parse %s", text);
	expect(doc, text, want_errors, want);
	json_decref(doc);
}

/* The message of the finding at ptr with rule, or NULL. */
static char *message_at(const json_t *doc, const char *rule, const char *ptr)
{
	json_t *findings = json_array(), *f;
	char *msg = NULL;
	size_t i;

	lint_openapi(doc, findings);
	json_array_foreach(findings, i, f)
		if (!strcmp(json_string_value(json_object_get(f, "rule")), rule) &&
		    !strcmp(json_string_value(json_object_get(f, "pointer")), ptr))
			msg = strdup(json_string_value(json_object_get(f, "message")));
	json_decref(findings);
	return msg;
}

static void test_valid(void)
{
	expect_file("petstore.yaml", 0, "");
	expect_file("library.json", 0, "");
	expect_file("task-board.yaml", 0, "");
}

static void test_structure(void)
{
	expect_file("bad-structure.yaml", 14,
		"error structure /components/parameters/Broken\n"
		"error structure /info\n"
		"error structure /info/title\n"
		"error structure /paths/pets\n"
		"error structure /paths/~1owners/fetch\n"
		"error structure /paths/~1owners/get/parameters/0/in\n"
		"error structure /paths/~1owners/get/parameters/1\n"
		"error structure /paths/~1owners/get/parameters/3\n"
		"error structure /paths/~1owners/get/responses\n"
		"error structure /paths/~1owners/get/responses/600\n"
		"error structure /paths/~1owners/post\n"
		"error structure /paths/~1owners/post/operationId\n"
		"error structure /paths/~1owners/put\n"
		"error structure /paths/~1shops/get/responses/20\n");
	expect_file("no-paths.yaml", 1, "error structure \n");

	expect_text("[1, 2]", 1, "error structure \n");
	expect_text("just words", 1, "error structure \n");
	expect_text("swagger: '2.0'", 1, "error structure \n");
	expect_text("openapi: '2.0'", 1, "error structure /openapi\n");
	expect_text("openapi: 3.1", 1, "error structure /openapi\n");
	expect_text("openapi: '3.1'", 1, "error structure /openapi\n");
	expect_text("openapi: 3.2.0", 1, "error structure /openapi\n");
	expect_text("openapi: 3.0.x", 1, "error structure /openapi\n");
	expect_text("{openapi: 3.1.0-, info: {title: t, version: v}, components: {}}", 1,
		    "error structure /openapi\n");
	expect_text("{openapi: 3.1.0-rc1, info: {title: t, version: v}, components: {}}", 0, "");
	expect_text("{openapi: 3.1.1, info: {title: t, version: '1'}}", 1, "error structure \n");
	expect_text("{openapi: 3.1.0, info: {title: t, version: '1'}, webhooks: {}}", 0, "");
	expect_text("{openapi: 3.0.0, info: [], paths: []}", 2,
		    "error structure /info\nerror structure /paths\n");
	expect_text("{openapi: 3.0.0, info: {version: 1}, paths: {/a: 5}}", 3,
		    "error structure /info\nerror structure /info/version\n"
		    "error structure /paths/~1a\n");
	expect_text("{openapi: 3.0.0, info: {title: t, version: v}, paths: {/a: {get: {responses: 3}}}}", 1,
		    "error structure /paths/~1a/get/responses\n");
	expect_text("{openapi: 3.0.0, info: {title: t, version: v}, "
		    "paths: {/a: {parameters: {}, get: {parameters: [7], responses: {x-a: 1}}}}}", 3,
		    "error structure /paths/~1a/get/parameters/0\n"
		    "error structure /paths/~1a/get/responses\n"
		    "error structure /paths/~1a/parameters\n");
}

static void test_ref(void)
{
	expect_file("bad-ref.yaml", 9,
		"error ref /components/schemas/BadEscape/$ref\n"
		"error ref /components/schemas/BadPercent/$ref\n"
		"error ref /components/schemas/LeadingZero/$ref\n"
		"error ref /components/schemas/Loop1/$ref\n"
		"error ref /components/schemas/Loop2/$ref\n"
		"error ref /components/schemas/Odd/$ref\n"
		"error ref /components/schemas/Self/$ref\n"
		"error ref /components/schemas/Thing/properties/a/$ref\n"
		"error ref /paths/~1things/get/parameters/0/$ref\n"
		"warning ref /paths/~1things/get/parameters/1/$ref\n"
		"warning ref /paths/~1things/get/responses/500/$ref\n");
	/* 3.1 allows plain-name fragments ($anchor): a warning there */
	expect_text("{openapi: 3.1.0, info: {title: t, version: v}, components: "
		    "{schemas: {A: {$anchor: a}, B: {$ref: '#a'}}}}", 0,
		    "warning ref /components/schemas/B/$ref\n");
}

static void test_operation_id(void)
{
	json_t *doc = load("bad-operation-id.yaml");
	char *msg;

	expect(doc, "bad-operation-id.yaml", 3,
	       "error operation-id /paths/~1b/get/operationId\n"
	       "error operation-id /paths/~1b/put/operationId\n"
	       "error operation-id /webhooks/ping/post/operationId\n");
	msg = message_at(doc, "operation-id", "/paths/~1b/put/operationId");
	ok(msg && strstr(msg, "'store'") && strstr(msg, "/paths/~1a/post/operationId"),
	   "operation-id: the message names both places (%s)", msg ? msg : "none");
	free(msg);
	json_decref(doc);
}

static void test_path_params(void)
{
	expect_file("bad-path-params.yaml", 7,
		"error path-params /paths/~1files~1{}~1raw\n"
		"error path-params /paths/~1tags~1{tag}/get\n"
		"error path-params /paths/~1twice~1{id}~1{id}\n"
		"error path-params /paths/~1users~1{userId}~1posts~1{postId}/delete/parameters/0\n"
		"error path-params /paths/~1users~1{userId}~1posts~1{postId}/get\n"
		"error path-params /paths/~1users~1{userId}~1posts~1{postId}/parameters/1\n"
		"error path-params /paths/~1users~1{userId}~1posts~1{postId}/put/parameters/0\n");
}

static void test_ambiguous(void)
{
	json_t *doc = load("bad-ambiguous.yaml");
	char *msg;

	expect(doc, "bad-ambiguous.yaml", 2,
	       "error ambiguous-path /paths/~1pets~1{petId}\n"
	       "error ambiguous-path /paths/~1stores~1{x}~1items~1{y}\n");
	msg = message_at(doc, "ambiguous-path", "/paths/~1pets~1{petId}");
	ok(msg && strstr(msg, "'/pets/{id}'"), "ambiguous-path names the other path (%s)",
	   msg ? msg : "none");
	free(msg);
	json_decref(doc);
}

static void test_response_schema(void)
{
	expect_file("bad-response-schema.yaml", 2,
		"error response-schema /paths/~1reports/get/responses/200/content/application~1json\n"
		"error response-schema /paths/~1reports/get/responses/206\n"
		"warning response-schema /paths/~1reports~1{id}/get/responses/200\n");
}

static void test_depth(void)
{
	json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:{}}", "openapi", "3.1.0", "info",
				"title", "t", "version", "1", "components");
	json_t *v = json_object(), *inner = v, *findings = json_array(), *f;
	int i, slashes = 0;
	const char *p;

	for (i = 0; i < 1000; i++) {
		json_t *next = json_object();

		json_object_set_new(inner, "$ref", json_string("#/nowhere"));
		json_object_set_new(inner, "a", next);
		inner = next;
	}
	json_object_set_new(json_object_get(doc, "components"), "x-deep", v);
	is_int(lint_openapi(doc, findings), LINT_MAX_DEPTH - 1,
	       "depth: refs above the cap are checked, then one depth error");
	f = json_array_get(findings, json_array_size(findings) - 1);
	is_str(json_string_value(json_object_get(f, "rule")), "depth", "depth: the rule");
	p = json_string_value(json_object_get(f, "pointer"));
	for (; p && *p; p++)
		slashes += *p == '/';
	is_int(slashes, LINT_MAX_DEPTH, "depth: reported at the cap");
	json_decref(findings);
	json_decref(doc);
}

static void test_resolve(void)
{
	json_t *doc = load("library.json");
	const json_t *s = json_object_get(json_object_get(doc, "components"), "schemas");
	const json_t *ab = json_object_get(s, "a/b");
	const json_t *types = json_object_get(json_object_get(json_object_get(
		json_object_get(s, "Book"), "properties"), "tags"), "type");

	ok(lint_resolve(doc, "#") == doc, "resolve: # is the document");
	ok(lint_resolve(doc, "#/components/schemas/a~1b") == ab, "resolve: ~1");
	ok(lint_resolve(doc, "#/components/schemas/a%7E1b") == ab, "resolve: percent then ~1");
	ok(lint_resolve(doc, "#/paths/~1a~0b~1{n}/get") != NULL, "resolve: ~0");
	ok(lint_resolve(doc, "#/components%2Fschemas") == s, "resolve: %%2F is a separator");
	ok(lint_resolve(doc, "#/components/schemas/Book/properties/tags/type/1") ==
	   json_array_get(types, 1), "resolve: array index");
	ok(!lint_resolve(doc, "#/components/schemas/Book/properties/tags/type/01"),
	   "resolve: leading zero");
	ok(!lint_resolve(doc, "#/components/schemas/Book/properties/tags/type/2"),
	   "resolve: index out of range");
	ok(!lint_resolve(doc, "#/components/schemas/Book/properties/tags/type/-"),
	   "resolve: - is not an element");
	ok(!lint_resolve(doc, "#/components/schemas/"), "resolve: empty last token");
	ok(!lint_resolve(doc, "#/components/schemas/%4"), "resolve: short escape");
	ok(!lint_resolve(doc, "#/components/schemas/a%00b"), "resolve: NUL");
	ok(!lint_resolve(doc, "#/components/schemas/a~b"), "resolve: bad ~ escape");
	ok(!lint_resolve(doc, "components.yaml#/x"), "resolve: not local");
	ok(!lint_resolve(doc, "#Book"), "resolve: not a pointer");
	ok(!lint_resolve(doc, NULL), "resolve: NULL");
	json_decref(doc);
}

static void test_paths_equal(void)
{
	is_int(lint_paths_equal("/pets/{id}", "/pets/{petId}"), 1, "equal: names ignored");
	is_int(lint_paths_equal("/a/{x}.json", "/a/{y}.json"), 1, "equal: suffix");
	is_int(lint_paths_equal("/pets/{id}", "/pets/mine"), 0, "equal: literal vs param");
	is_int(lint_paths_equal("/pets/{id}", "/pets/{id}/"), 0, "equal: trailing slash");
	is_int(lint_paths_equal("/pets", "/pets"), 1, "equal: same literal");
	is_int(lint_paths_equal("/a/{", "/a/{x}"), 0, "equal: unclosed brace is literal");
	is_int(lint_paths_equal("/a/{", "/a/{"), 1, "equal: unclosed brace both");
	is_int(lint_paths_equal("", ""), 1, "equal: empty");
	is_int(lint_paths_equal(NULL, "/"), 0, "equal: NULL");
}

/* Calls made from every operation of a contract, renaming path parameters. */
static json_t *ops_from(const json_t *doc)
{
	json_t *ops = json_array(), *item, *op;
	const char *path, *method;
	char renamed[256];

	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		size_t i, j;

		for (i = j = 0; path[i] && j + 8 < sizeof(renamed); i++) {
			renamed[j++] = path[i];
			if (path[i] == '{') {
				renamed[j++] = 'p';
				while (path[i + 1] && path[i + 1] != '}')
					i++;
			}
		}
		renamed[j] = '\0';
		json_object_foreach(item, method, op) {
			const char *ref = json_string_value(json_object_get(json_object_get(
				json_object_get(json_object_get(json_object_get(op, "requestBody"),
				"content"), "application/json"), "schema"), "$ref"));
			char upper[16];
			size_t k;

			if (!json_is_object(op) || !json_object_get(op, "operationId"))
				continue;
			for (k = 0; method[k] && k + 1 < sizeof(upper); k++)
				upper[k] = (char)(method[k] - 'a' + 'A');
			upper[k] = '\0';
			json_array_append_new(ops, json_pack("{s:O, s:s, s:s, s:s?}",
				"operation_id", json_object_get(op, "operationId"),
				"method", upper, "path", renamed,
				"body", ref ? strrchr(ref, '/') + 1 : NULL));
		}
	}
	return ops;
}

static void test_client_task_board(void)
{
	json_t *doc = load("task-board.yaml");
	json_t *ops = ops_from(doc), *mm = json_array();

	is_int((int)json_array_size(ops), 12, "client: task board has 12 operations");
	is_int(lint_client(doc, ops, mm), 0, "client: task board calls match");
	is_int((int)json_array_size(mm), 0, "client: no mismatch appended");
	json_decref(ops);
	json_decref(mm);
	json_decref(doc);
}

static void test_client_mismatches(void)
{
	json_t *doc = load("petstore.yaml");
	json_t *lib = load("library.json");
	json_t *mm = json_array(), *m;
	json_t *ops = json_loads("["
		"{\"operation_id\": \"listPets\", \"method\": \"GET\", \"path\": \"/pets\", \"body\": null},"
		"{\"operation_id\": \"addPet\", \"method\": \"POST\", \"path\": \"/pets\", \"body\": null},"
		"{\"operation_id\": \"addPet\", \"method\": \"POST\", \"path\": \"/pets\", \"body\": \"Pet\"},"
		"{\"operation_id\": \"showPet\", \"method\": \"GET\", \"path\": \"/pets/{id}\", \"body\": \"NewPet\"},"
		"{\"operation_id\": \"getPet\", \"method\": \"GET\", \"path\": \"/pets/{id}\", \"body\": null},"
		"{\"operation_id\": \"renamePet\", \"method\": \"PATCH\", \"path\": \"/pets/{x}\", \"body\": null},"
		"{\"operation_id\": \"renamePet\", \"method\": \"PATCH\", \"path\": \"/pets/{x}\", \"body\": \"NewPet\"},"
		"{\"operation_id\": \"listOwners\", \"method\": \"GET\", \"path\": \"/owners\", \"body\": null},"
		"{\"operation_id\": \"putPets\", \"method\": \"PUT\", \"path\": \"/pets\", \"body\": null},"
		"{\"operation_id\": \"fetch\", \"method\": \"FETCH\", \"path\": \"/pets\", \"body\": null},"
		"{\"operation_id\": 3},"
		"{\"operation_id\": \"retirePet\", \"method\": \"delete\", \"path\": \"/pets/{petId}\"}"
		"]", 0, NULL);
	const char *want[] = {
		"addPet POST /pets: the contract requires a request body, the client sends none",
		"addPet POST /pets: the contract's body is '#/components/schemas/NewPet', the client sends 'Pet'",
		"showPet GET /pets/{id}: the client sends a 'NewPet' body, the operation takes none",
		"getPet GET /pets/{id}: the contract's operationId is 'showPet'",
		"listOwners GET /owners: the contract has no path like '/owners'",
		"putPets PUT /pets: the contract has no PUT operation on this path",
		"fetch FETCH /pets: 'FETCH' is not an HTTP method",
		"- - -: malformed client call",
		NULL
	};
	size_t i;
	int n;

	n = lint_client(doc, ops, mm);
	is_int(n, 8, "client: mismatch count");
	is_int((int)json_array_size(mm), 8, "client: mismatches appended");
	for (i = 0; want[i]; i++) {
		char got[512];
		const char *id, *method, *path;

		m = json_array_get(mm, i);
		id = json_string_value(json_object_get(m, "operation_id"));
		method = json_string_value(json_object_get(m, "method"));
		path = json_string_value(json_object_get(m, "path"));
		snprintf(got, sizeof(got), "%s %s %s: %s", id ? id : "-", method ? method : "-",
			 path ? path : "-", json_string_value(json_object_get(m, "problem")));
		is_str(m ? got : NULL, want[i], "client: mismatch %zu", i);
	}
	json_decref(ops);
	json_decref(mm);

	/* the library's body is a requestBodies $ref; a required body is missing */
	mm = json_array();
	ops = json_loads("["
		"{\"operation_id\": \"lendBook\", \"method\": \"POST\", \"path\": \"/books/{id}/loans\", \"body\": \"LoanInput\"},"
		"{\"operation_id\": \"lendBook\", \"method\": \"POST\", \"path\": \"/books/{id}/loans\", \"body\": null}"
		"]", 0, NULL);
	is_int(lint_client(lib, ops, mm), 1, "client: body through components/requestBodies");
	json_decref(ops);
	json_decref(mm);

	mm = json_array();
	is_int(lint_client(doc, mm, NULL), -1, "client: mismatches not an array");
	is_int(ak_errcode(), AK_EXIT_USAGE, "client: usage error");
	is_int(lint_openapi(doc, NULL), -1, "lint: findings not an array");
	json_decref(mm);
	json_decref(doc);
	json_decref(lib);
}

/* Findings already in the array are kept; warnings are not counted. */
static void test_append(void)
{
	json_t *doc = load("bad-response-schema.yaml");
	json_t *findings = json_pack("[s]", "kept");

	is_int(lint_openapi(doc, findings), 2, "append: errors counted, not warnings");
	is_int((int)json_array_size(findings), 4, "append: findings added after the old one");
	is_str(json_string_value(json_array_get(findings, 0)), "kept", "append: old one kept");
	json_decref(findings);
	json_decref(doc);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		datadir = argv[1];
	test_valid();
	test_structure();
	test_ref();
	test_operation_id();
	test_path_params();
	test_ambiguous();
	test_response_schema();
	test_depth();
	test_resolve();
	test_paths_equal();
	test_client_task_board();
	test_client_mismatches();
	test_append();
	return done_testing();
}
