/*
 * results.c - building the test result model: an empty model and adding one
 * case at a time, so that every reader keeps the counts the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "results/results.h"
#include "banned.h"

json_t *results_new(void)
{
	return json_pack("{s:{s:i,s:i,s:i,s:i,s:i},s:[]}", "tests",
			 "passed", 0, "failed", 0, "errors", 0, "skipped", 0,
			 "duration_ms", 0, "cases");
}

static const char *count_key(const char *status)
{
	if (!status)
		return NULL;
	if (!strcmp(status, "passed"))
		return "passed";
	if (!strcmp(status, "failed"))
		return "failed";
	if (!strcmp(status, "error"))
		return "errors";
	if (!strcmp(status, "skipped"))
		return "skipped";
	return NULL;
}

/*
 * A JSON string of s[0..n), or null when s is NULL. Reports are not always
 * valid UTF-8 (a test may print raw bytes); then every byte that is not
 * ASCII, or a NUL, becomes '?', so that the model stays valid JSON.
 */
static json_t *str_or_null(const char *s, size_t n)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	j = json_stringn(s, n);
	if (j)
		return j;
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++)
		copy[i] = (unsigned char)s[i] >= 0x80 || !s[i] ? '?' : s[i];
	j = json_stringn(copy, n);
	free(copy);
	return j;
}

/* Cut a UTF-8 string at most at max bytes, not inside a character. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static json_t *make_case(const char *name, const char *suite,
			 const char *status, const char *message,
			 const char *detail, const char *file, long line,
			 long duration_ms)
{
	size_t mlen = message ? strcspn(message, "\r\n") : 0;
	size_t dlen = detail ? strlen(detail) : 0;

	if (!name)
		name = "";

	dlen = utf8_cut(detail, dlen, RESULTS_DETAIL_MAX);
	return json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o}",
			 "name", str_or_null(name, name ? strlen(name) : 0),
			 "suite", str_or_null(suite, suite ? strlen(suite) : 0),
			 "status", status,
			 "message", str_or_null(message, mlen),
			 "detail", str_or_null(detail, dlen),
			 "file", str_or_null(file, file ? strlen(file) : 0),
			 "line", line > 0 ? json_integer(line) : json_null(),
			 "duration_ms", duration_ms >= 0 ?
				json_integer(duration_ms) : json_null());
}

static int bump(json_t *tests, const char *key, long by)
{
	json_t *v = json_object_get(tests, key);

	return json_integer_set(v, json_integer_value(v) + by);
}

int results_add_case(json_t *r, const char *name, const char *suite,
		     const char *status, const char *message,
		     const char *detail, const char *file, long line,
		     long duration_ms)
{
	const char *key = count_key(status);
	json_t *tests = json_object_get(r, "tests");
	json_t *cases = json_object_get(r, "cases");
	json_t *c;

	if (!key)
		return ak_error(AK_EXIT_SOFTWARE, "unknown test status '%s'",
				status ? status : "(null)");
	if (!json_is_object(tests) || !json_is_array(cases))
		return ak_error(AK_EXIT_SOFTWARE, "not a results model");
	c = make_case(name, suite, status, message, detail, file, line,
		      duration_ms);
	if (!c || json_array_append_new(cases, c))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	bump(tests, key, 1);
	if (duration_ms > 0)
		bump(tests, "duration_ms", duration_ms);
	return 0;
}

/* The case of r named like c (suite and name), or NULL. */
static json_t *find_case(const json_t *r, const json_t *c)
{
	const json_t *name = json_object_get(c, "name"), *suite = json_object_get(c, "suite");
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, o)
		if (json_equal(json_object_get(o, "name"), name) &&
		    json_equal(json_object_get(o, "suite"), suite))
			return o;
	return NULL;
}

int results_mark_flaky(json_t *r, const json_t *rerun)
{
	json_t *tests = json_object_get(r, "tests"), *c, *again;
	int marked = 0;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, c) {
		const char *key = count_key(json_string_value(json_object_get(c, "status")));

		if (!key || (strcmp(key, "failed") && strcmp(key, "errors")))
			continue;
		again = find_case(rerun, c);
		if (!again || strcmp(json_string_value(json_object_get(again, "status")), "passed"))
			continue;
		if (json_object_set_new(c, "status", json_string("passed")) ||
		    json_object_set_new(c, "flaky", json_true()))
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		bump(tests, key, -1);
		bump(tests, "passed", 1);
		marked++;
	}
	return marked;
}

int results_failures(const json_t *r)
{
	const json_t *t = json_object_get(r, "tests");

	return (int)(json_integer_value(json_object_get(t, "failed")) +
		     json_integer_value(json_object_get(t, "errors")));
}
