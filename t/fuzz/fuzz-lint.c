/*
 * fuzz-lint.c - libFuzzer target for the contract linter (lib/contract/lint.c)
 * reading documents it did not write, through lib/yamljson.c.
 *
 * The bytes are a YAML or JSON document. It is linted, then checked as a
 * client against itself: one call per operation found under paths, with
 * the path's parameters renamed. What must hold: a count is -1 only with
 * an error message, otherwise it equals what was appended (findings that
 * are errors; all mismatches), and every finding is well formed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "yamljson.h"
#include "contract/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_findings(const json_t *findings, int r)
{
	const char *keys[] = { "severity", "rule", "pointer", "message", NULL };
	json_t *f;
	size_t i;
	int errors = 0, k;

	if (r < 0) {
		if (!ak_errmsg()[0])
			abort();
		return;
	}
	json_array_foreach((json_t *)findings, i, f) {
		const char *ptr = json_string_value(json_object_get(f, "pointer"));

		for (k = 0; keys[k]; k++)
			if (!json_is_string(json_object_get(f, keys[k])))
				abort();
		if (ptr[0] && ptr[0] != '/')
			abort();
		errors += !strcmp(json_string_value(json_object_get(f, "severity")), "error");
	}
	if (errors != r)
		abort();
}

/* A call for each operation of doc, as a generated client would make it. */
static json_t *calls(const json_t *doc)
{
	const json_t *paths = json_is_object(doc) ? json_object_get(doc, "paths") : NULL;
	json_t *ops = json_array(), *item, *op;
	const char *path, *method;

	if (!ops || !json_is_object(paths))
		return ops;
	json_object_foreach((json_t *)paths, path, item) {
		if (!json_is_object(item))
			continue;
		json_object_foreach(item, method, op) {
			json_t *id = json_is_object(op) ? json_object_get(op, "operationId") : NULL;

			json_array_append_new(ops, json_pack("{s:O?, s:s, s:s, s:n}",
				"operation_id", id, "method", method, "path", path, "body"));
		}
	}
	return ops;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc, *findings, *ops, *mm;
	int r;

	doc = yaml_parse((const char *)data, size, "fuzz");
	if (!doc)
		return 0;
	findings = json_array();
	r = lint_openapi(doc, findings);
	check_findings(findings, r);
	ops = calls(doc);
	mm = json_array();
	r = lint_client(doc, ops, mm);
	if (r < 0 ? !ak_errmsg()[0] : (size_t)r != json_array_size(mm))
		abort();
	if (lint_paths_equal("/", "/") != 1)
		abort();
	json_decref(mm);
	json_decref(ops);
	json_decref(findings);
	json_decref(doc);
	return 0;
}
