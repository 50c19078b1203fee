/*
 * results.c - building the test result model: an empty model and adding one
 * case at a time, so that every reader keeps the counts the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "results/junitw.h"
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

/* Whether s[0..n) is ASCII, so valid UTF-8 as it is. */
static int plain_ascii(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char any = 0;

	for (size_t i = 0; i < n; i++)
		any |= u[i];
	return !(any & 0x80);
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
	if (plain_ascii(s, n))
		return json_stringn_nocheck(s, n);
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

/*
 * The string for member key of a new case: prev's own (one more reference)
 * when prev, the case before it, has the same text there, as consecutive
 * cases mostly share suite, status and file; else a new one.
 */
static json_t *shared_str(const json_t *prev, const char *key, const char *s,
			  size_t n)
{
	json_t *v = s ? json_object_get(prev, key) : NULL;

	if (v && json_string_length(v) == n &&
	    !memcmp(json_string_value(v), s, n))
		return json_incref(v);
	return str_or_null(s, n);
}

/* The same for a number; negative for null. */
static json_t *shared_int(const json_t *prev, const char *key, long n)
{
	json_t *v;

	if (n < 0)
		return json_null();
	v = json_object_get(prev, key);
	if (json_is_integer(v) && json_integer_value(v) == n)
		return json_incref(v);
	return json_integer(n);
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

/* Set key (klen bytes) of c to v (consumed, NULL allowed). 0 or -1. */
static int set(json_t *c, const char *key, size_t klen, json_t *v)
{
	return json_object_setn_new_nocheck(c, key, klen, v);
}

#define SET(c, key, v) set(c, key, sizeof(key) - 1, v)

/*
 * The members in the order a reader expects to see them; prev (borrowed,
 * may be NULL) is the case before this one, whose values may be shared.
 */
static json_t *make_case(const json_t *prev, const char *name,
			 const char *suite, const char *status,
			 const char *message, const char *detail,
			 const char *file, long line, long duration_ms)
{
	size_t mlen = message ? strcspn(message, "\r\n") : 0;
	size_t dlen = detail ? strlen(detail) : 0;
	json_t *c = json_object();

	if (!c)
		return NULL;
	if (!name)
		name = "";
	dlen = utf8_cut(detail, dlen, RESULTS_DETAIL_MAX);
	if (SET(c, "name", str_or_null(name, strlen(name))) ||
	    SET(c, "suite", shared_str(prev, "suite", suite,
				       suite ? strlen(suite) : 0)) ||
	    SET(c, "status", shared_str(prev, "status", status,
					strlen(status))) ||
	    SET(c, "message", str_or_null(message, mlen)) ||
	    SET(c, "detail", str_or_null(detail, dlen)) ||
	    SET(c, "file", shared_str(prev, "file", file,
				      file ? strlen(file) : 0)) ||
	    SET(c, "line", shared_int(prev, "line", line > 0 ? line : -1)) ||
	    SET(c, "duration_ms", shared_int(prev, "duration_ms",
					     duration_ms))) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* The model whose cases go to a JUnit stream as well (results_stream). */
static struct {
	const json_t *r;
	struct junit_stream *s;
} streaming;

void results_stream(const json_t *r, struct junit_stream *s)
{
	streaming.r = s ? r : NULL;
	streaming.s = s;
}

struct junit_stream *results_streaming(const json_t *r)
{
	return r && r == streaming.r ? streaming.s : NULL;
}

/* The case into r's stream: message's first line, detail up to the cap. */
static int stream_case(const char *name, const char *suite, const char *status,
		       const char *message, const char *detail, const char *file,
		       long line, long duration_ms)
{
	struct junit_case c = {
		name, suite, status, file, message, detail,
		message ? strcspn(message, "\r\n") : 0,
		detail ? utf8_cut(detail, strlen(detail), RESULTS_DETAIL_MAX) : 0,
		line, duration_ms, 0,
	};

	return junit_stream_add(streaming.s, &c);
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
	if (r == streaming.r) {
		if (stream_case(name, suite, status, message, detail, file, line,
				duration_ms) < 0)
			return -1;
		if (!strcmp(key, "passed"))
			goto counted;
	}
	c = make_case(json_array_get(cases, json_array_size(cases) - 1),
		      name, suite, status, message, detail, file, line,
		      duration_ms);
	if (!c || json_array_append_new(cases, c))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
counted:
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

long results_count(const json_t *r)
{
	const json_t *t = json_object_get(r, "tests");

	return (long)(json_integer_value(json_object_get(t, "passed")) +
		      json_integer_value(json_object_get(t, "failed")) +
		      json_integer_value(json_object_get(t, "errors")) +
		      json_integer_value(json_object_get(t, "skipped")));
}
