/*
 * brief.c - the model's reply to the analyst's prompt (see brief.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "analyze/brief.h"
#include "analyze/qus.h"
#include "analyze/story.h"
#include "banned.h"

#define STR(min, max) "{\"type\":\"string\",\"minLength\":" #min ",\"maxLength\":" #max "}"

/*
 * Every object closed and every member required: what OpenAI's strict
 * mode asks of a schema, and what keeps a reply from smuggling in fields.
 */
static const char schema_text[] =
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"stories\",\"nfrs\",\"entities\",\"questions\"],"
	"\"properties\":{"
	"\"stories\":{\"type\":\"array\",\"maxItems\":200,\"items\":"
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"role\",\"goal\",\"benefit\",\"priority\",\"acceptance\"],"
	"\"properties\":{"
	"\"role\":" STR(1, 80) ","
	"\"goal\":" STR(3, 400) ","
	"\"benefit\":" STR(0, 400) ","
	"\"priority\":{\"type\":\"string\",\"enum\":[\"must\",\"should\",\"could\",\"wont\"]},"
	"\"acceptance\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":20,\"items\":"
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"given\",\"when\",\"then\"],"
	"\"properties\":{\"given\":" STR(1, 400) ",\"when\":" STR(1, 400) ","
	"\"then\":" STR(1, 400) "}}}}}},"
	"\"nfrs\":{\"type\":\"array\",\"maxItems\":200,\"items\":"
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"category\",\"text\",\"measurable\"],"
	"\"properties\":{"
	"\"category\":{\"type\":\"string\",\"enum\":[\"security\",\"usability\",\"performance\","
	"\"operational\",\"look and feel\",\"availability\",\"scalability\",\"maintainability\","
	"\"legal\",\"fault tolerance\",\"portability\"]},"
	"\"text\":" STR(3, 1000) ","
	"\"measurable\":{\"type\":\"boolean\"}}}},"
	"\"entities\":{\"type\":\"array\",\"maxItems\":100,\"items\":"
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"name\",\"fields\",\"relations\"],"
	"\"properties\":{"
	"\"name\":{\"type\":\"string\",\"pattern\":\"^[A-Z][A-Za-z0-9]{0,63}$\"},"
	"\"fields\":{\"type\":\"array\",\"maxItems\":100,\"items\":"
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"name\",\"type\",\"required\",\"unique\"],"
	"\"properties\":{"
	"\"name\":{\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9_]{0,63}$\"},"
	"\"type\":{\"type\":\"string\",\"enum\":[\"string\",\"text\",\"integer\",\"number\","
	"\"boolean\",\"date\",\"datetime\",\"email\",\"url\",\"enum\",\"money\",\"id\"]},"
	"\"required\":{\"type\":\"boolean\"},\"unique\":{\"type\":\"boolean\"}}}},"
	"\"relations\":{\"type\":\"array\",\"maxItems\":50,\"items\":"
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"kind\",\"entity\"],"
	"\"properties\":{"
	"\"kind\":{\"type\":\"string\",\"enum\":[\"has_many\",\"has_one\",\"belongs_to\","
	"\"many_to_many\"]},"
	"\"entity\":{\"type\":\"string\",\"pattern\":\"^[A-Z][A-Za-z0-9]{0,63}$\"}}}}}}},"
	"\"questions\":{\"type\":\"array\",\"maxItems\":100,\"items\":" STR(3, 600) "}}}";

const json_t *brief_schema(void)
{
	static json_t *schema;

	if (!schema)
		schema = json_loads(schema_text, 0, NULL);
	return schema;
}

json_t *brief_vars(const char *title, const char *text, const json_t *draft)
{
	json_t *d = json_pack("{s:O?,s:O?,s:O?}", "stories", json_object_get(draft, "stories"),
			      "nfrs", json_object_get(draft, "nfrs"),
			      "entities", json_object_get(draft, "entities"));
	char *s = d ? json_dumps(d, JSON_INDENT(1)) : NULL;
	json_t *v = s ? json_pack("{s:s,s:s,s:s}", "title", title ? title : "Untitled",
				  "text", text, "draft", s) : NULL;

	json_decref(d);
	free(s);
	if (!v)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return v;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* "to reset a password" is the goal "reset a password", as the rules say it. */
static const char *bare_goal(const char *g)
{
	return !strncmp(g, "to ", 3) ? g + 3 : g;
}

static json_t *story(const json_t *s, size_t i, char **text)
{
	const char *role = str(s, "role"), *benefit = str(s, "benefit");
	const char *goal = bare_goal(str(s, "goal"));
	struct buf b = BUF_INIT;
	json_t *quality = json_array(), *o;
	char id[32];

	snprintf(id, sizeof(id), "US-%zu", i + 1);
	buf_addf(&b, "As %s %s, I want to %s", story_article(role), role, goal);
	if (*benefit)
		buf_addf(&b, ", so that %s", benefit);
	buf_addch(&b, '.');
	if (!b.p || !quality || qus_check(b.p, b.len, quality) < 0) {
		buf_release(&b);
		json_decref(quality);
		return NULL;
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:s,s:O,s:o}", "id", id, "role", role,
		      "goal", goal, "benefit", benefit, "priority", json_object_get(s, "priority"),
		      "text", b.p, "source", "", "section", "",
		      "acceptance", json_object_get(s, "acceptance"), "quality", quality);
	*text = buf_detach(&b, NULL);
	return o;
}

static int stories(json_t *a, const json_t *in)
{
	size_t n = json_array_size(in), i;
	char **texts = calloc(n + 1, sizeof(*texts));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	json_t *out = json_array(), *set = json_array(), *s, *d;
	int rc = -1;

	if (!texts || !lens || !out || !set)
		goto done;
	json_array_foreach(in, i, s) {
		json_t *o = story(s, i, &texts[i]);

		if (!o || json_array_append_new(out, o))
			goto done;
		lens[i] = strlen(texts[i]);
	}
	if (n && qus_check_set((const char *const *)texts, lens, n, set) < 0)
		goto done;
	json_array_foreach(set, i, d) {
		json_t *st = json_array_get(out, (size_t)json_integer_value(json_object_get(d, "story")));
		json_t *q = json_pack("{s:O,s:O}", "rule", json_object_get(d, "rule"),
				      "message", json_object_get(d, "message"));

		if (!st || !q || json_array_append_new(json_object_get(st, "quality"), q))
			goto done;
	}
	rc = json_object_set(a, "stories", out) ? -1 : 0;
done:
	for (i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	json_decref(out);
	json_decref(set);
	return rc;
}

static json_t *nfrs(const json_t *in)
{
	json_t *out = json_array(), *n;
	size_t i;

	json_array_foreach(in, i, n) {
		char id[32];

		snprintf(id, sizeof(id), "NFR-%zu", i + 1);
		if (json_array_append_new(out, json_pack(
			"{s:s,s:O,s:O,s:O,s:s,s:s}", "id", id, "category",
			json_object_get(n, "category"), "text", json_object_get(n, "text"),
			"measurable", json_object_get(n, "measurable"), "cue", "", "section", "")))
			break;
	}
	return out;
}

static json_t *questions(const json_t *in)
{
	json_t *out = json_array(), *q;
	size_t i;

	json_array_foreach(in, i, q) {
		char id[32];

		snprintf(id, sizeof(id), "Q-%zu", i + 1);
		if (json_array_append_new(out, json_pack("{s:s,s:O,s:s,s:s,s:s}", "kind", "model",
							 "text", q, "source", "", "cue", "",
							 "id", id)))
			break;
	}
	return out;
}

int brief_merge(json_t *a, const json_t *reply)
{
	json_t *n, *q, *e;

	if (stories(a, json_object_get(reply, "stories")) < 0)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	n = nfrs(json_object_get(reply, "nfrs"));
	q = questions(json_object_get(reply, "questions"));
	e = json_deep_copy(json_object_get(reply, "entities"));
	if (!n || !q || !e) {
		json_decref(n);
		json_decref(q);
		json_decref(e);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	if (json_object_set_new(a, "nfrs", n) || json_object_set_new(a, "questions", q) ||
	    json_object_set_new(a, "entities", e) ||
	    json_object_set_new(a, "engine", json_string("llm")))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}
