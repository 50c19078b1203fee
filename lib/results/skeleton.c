/*
 * skeleton.c - build the view of acceptance-test skeletons from an
 * analysis (see skeleton.h).
 *
 * Names are spelled by names.h, so a story id or a criterion in any
 * language gives ASCII identifiers; uniqueness is checked here against
 * every name given out so far, because two ids may spell the same
 * ("US-1", "us 1") and a test function defined twice silently hides the
 * first one in Python.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"
#include "names.h"
#include "results/skeleton.h"
#include "banned.h"

#define SLUG_MAX 40

/* Cut an identifier to at most max bytes, at a "_" when there is one. */
static void cut_ident(struct buf *b, size_t max)
{
	size_t n = b->len;

	if (n > max) {
		n = max;
		while (n > 0 && b->p[n] != '_')
			n--;
		if (n == 0)
			n = max;
	}
	while (n > 0 && b->p[n - 1] == '_')
		n--;
	b->len = n;
	b->p[n] = '\0';
}

/*
 * Make the identifier in b unique in used (a JSON object used as a set),
 * adding "_2", "_3"... and keeping it to max bytes, then record it.
 */
static int make_unique(struct buf *b, size_t max, json_t *used)
{
	size_t base = b->len;

	for (int k = 2; json_object_get(used, b->p); k++) {
		char suffix[16];
		int n = snprintf(suffix, sizeof(suffix), "_%d", k);

		b->len = base;
		b->p[base] = '\0';
		cut_ident(b, max - (size_t)n);
		if (buf_addstr(b, suffix) < 0)
			return -1;
	}
	return json_object_set_new(used, b->p, json_true());
}

/* text with the blanks around it and a leading keyword (and blanks) taken off. */
static json_t *part(const json_t *crit, const char *key, const char *keyword)
{
	const char *s = json_string_value(json_object_get(crit, key));
	size_t n, k = strlen(keyword);
	const char *blank = " \t\r\n";

	if (!s)
		return json_string("");
	s += strspn(s, blank);
	if (!strncasecmp(s, keyword, k) && s[k] && strchr(blank, s[k]))
		s += k + strspn(s + k, blank);
	n = strlen(s);
	while (n > 0 && strchr(blank, s[n - 1]))
		n--;
	return json_stringn(s, n);
}

static int py_name(struct buf *out, const char *slug, int n, const char *then, json_t *used)
{
	char *words = name_case(then, NAME_SNAKE);
	int rc = -1;

	buf_reset(out);
	if (words && buf_addf(out, "test_%s_ac%d", slug, n) == 0 &&
	    (!*then || buf_addf(out, "_%s", words) == 0)) {
		cut_ident(out, SKELETON_PY_NAME_MAX);
		rc = make_unique(out, SKELETON_PY_NAME_MAX, used);
	}
	free(words);
	return rc;
}

/* "AC1: Given a, when b, then c", leaving out the empty parts. */
static int ts_name(struct buf *out, int n, const json_t *c)
{
	static const char *const keys[] = { "given", "when", "then" };
	int first = 1;

	buf_reset(out);
	if (buf_addf(out, "AC%d:", n) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		const char *s = json_string_value(json_object_get(c, keys[i]));

		if (!s || !*s)
			continue;
		if (buf_addf(out, "%s %c%s %s", first ? "" : ",",
			     first ? keys[i][0] - 'a' + 'A' : keys[i][0], keys[i] + 1, s) < 0)
			return -1;
		first = 0;
	}
	return 0;
}

static json_t *criterion(const json_t *c, int n, const char *slug, json_t *used)
{
	struct buf py = BUF_INIT, ts = BUF_INIT;
	json_t *out = json_pack("{s:i,s:o,s:o,s:o}", "n", n,
				"given", part(c, "given", "given"),
				"when", part(c, "when", "when"),
				"then", part(c, "then", "then"));

	if (!out || py_name(&py, slug, n, json_string_value(json_object_get(out, "then")),
			    used) < 0 || ts_name(&ts, n, out) < 0 ||
	    json_object_set_new(out, "py_name", json_string(py.p)) < 0 ||
	    json_object_set_new(out, "ts_name", json_string(ts.p)) < 0) {
		json_decref(out);
		out = NULL;
	}
	buf_release(&py);
	buf_release(&ts);
	return out;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* The slug of story k (1-based), unique in used, into out. */
static int story_slug(const json_t *s, int k, json_t *used, struct buf *out)
{
	char fallback[32];
	const char *id = json_string_value(json_object_get(s, "id"));
	char *snake;

	snprintf(fallback, sizeof(fallback), "story %d", k);
	snake = name_case(id && *id ? id : fallback, NAME_SNAKE);
	buf_reset(out);
	if (!snake || buf_addstr(out, snake) < 0) {
		free(snake);
		return -1;
	}
	free(snake);
	cut_ident(out, SLUG_MAX);
	return make_unique(out, SLUG_MAX + 8, used);
}

/* The view of story k, or a JSON null when it has no criterion; NULL on ENOMEM. */
static json_t *story(const json_t *s, int k, json_t *slugs, json_t *py_names)
{
	const json_t *acc = json_object_get(s, "acceptance"), *c;
	struct buf slug = BUF_INIT;
	json_t *crits = json_array(), *out = NULL;
	char *pascal = NULL, id[32];
	size_t i;
	int n = 0;

	snprintf(id, sizeof(id), "US-%d", k);
	json_array_foreach(acc, i, c)
		n += json_is_object(c);
	if (!crits || !n) {
		json_decref(crits);
		return crits ? json_null() : NULL;
	}
	if (story_slug(s, k, slugs, &slug) < 0 || !(pascal = name_case(slug.p, NAME_PASCAL)))
		goto fail;
	n = 0;
	json_array_foreach(acc, i, c)
		if (json_is_object(c) &&
		    json_array_append_new(crits, criterion(c, ++n, slug.p, py_names)) < 0)
			goto fail;
	out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}",
			"id", str_or(s, "id", id), "slug", slug.p, "snake", slug.p,
			"name", pascal, "text", str_or(s, "text", ""),
			"priority", str_or(s, "priority", ""), "criteria", crits);
fail:
	json_decref(crits);
	buf_release(&slug);
	free(pascal);
	return out;
}

json_t *skeleton_view(const json_t *analyzed_data, const char *feature)
{
	const json_t *stories = json_object_get(analyzed_data, "stories"), *s;
	json_t *list = json_array(), *slugs = json_object(), *py = json_object();
	json_t *view = NULL;
	size_t i;

	if (!list || !slugs || !py)
		goto done;
	json_array_foreach(stories, i, s) {
		json_t *v = story(s, (int)i + 1, slugs, py);

		if (!v || (!json_is_null(v) && json_array_append(list, v) < 0)) {
			json_decref(v);
			goto done;
		}
		json_decref(v);
	}
	if (!json_array_size(list)) {
		json_decref(list);
		json_decref(slugs);
		json_decref(py);
		ak_error(AK_EXIT_DATAERR, "no story has acceptance criteria");
		return NULL;
	}
	view = json_pack("{s:s,s:s,s:O,s:O}", "feature", feature ? feature : "",
			 "title", str_or(analyzed_data, "title", ""),
			 "stories", list, "entities", list);
done:
	json_decref(list);
	json_decref(slugs);
	json_decref(py);
	if (!view)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return view;
}
