/*
 * u-analyze.c - unit tests for lib/analyze/analyze.c: a small document's
 * whole analysis (one story, one NFR, one entity, one question) compared
 * as sorted compact JSON; the title; goals from a Goals section; input
 * that cannot be analysed (empty, a NUL byte, invalid UTF-8); a document
 * in another language; the same input giving the same bytes twice; the
 * classifier's line interface; and the artifacts written into a temporary
 * workspace, each file checked against its recorded size and SHA-256.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "workspace.h"
#include "analyze/analyze.h"
#include "tap.h"
#include "banned.h"

/* The sorted compact JSON of a (borrowed), malloc'd, or NULL. */
static char *dump(const json_t *a)
{
	return a ? json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
}

static const char tiny_md[] =
	"# Todo\n"
	"\n"
	"## Tasks\n"
	"\n"
	"Users must be able to create a task.\n"
	"\n"
	"A task has a title.\n"
	"\n"
	"Pages must load within 2 seconds.\n"
	"\n"
	"## Reports\n"
	"\n"
	"Reports can be shared.\n";

static const char tiny_json[] =
	"{\"engine\":\"rules\","
	"\"entities\":[{\"fields\":[{\"name\":\"title\",\"required\":false,\"type\":\"string\","
	"\"unique\":false}],\"name\":\"Task\",\"relations\":[]}],"
	"\"goals\":[],"
	"\"nfrs\":[{\"category\":\"performance\",\"cue\":\"within 2 seconds\",\"id\":\"NFR-1\","
	"\"measurable\":true,\"section\":\"Tasks\",\"text\":\"Pages must load within 2 seconds.\"}],"
	"\"questions\":[{\"cue\":\"can be shared\",\"id\":\"Q-1\",\"kind\":\"passive\","
	"\"source\":\"Reports can be shared.\","
	"\"text\":\"Who or what shares reports? \\\"can be shared\\\" names no actor.\"}],"
	"\"stories\":[{\"acceptance\":[{\"given\":\"a user\","
	"\"then\":\"the new task is saved and they can see it\",\"when\":\"they create a task\"}],"
	"\"benefit\":\"\",\"goal\":\"create a task\",\"id\":\"US-1\",\"priority\":\"must\","
	"\"quality\":[],\"role\":\"user\",\"section\":\"Tasks\","
	"\"source\":\"Users must be able to create a task.\","
	"\"text\":\"As a user, I want to create a task.\"}],"
	"\"title\":\"Todo\"}";

static void whole_document(void)
{
	json_t *a = analyze_document(NULL, tiny_md, sizeof(tiny_md) - 1, 1);
	char *s = dump(a);

	is_str(s, tiny_json, "tiny document: the whole analysis");
	free(s);
	json_decref(a);

	/* a title given wins over the heading */
	a = analyze_document("My app", tiny_md, sizeof(tiny_md) - 1, 1);
	is_str(json_string_value(json_object_get(a, "title")), "My app", "title given");
	json_decref(a);
	a = analyze_document("", tiny_md, sizeof(tiny_md) - 1, 1);
	is_str(json_string_value(json_object_get(a, "title")), "Todo", "empty title: the heading");
	json_decref(a);

	/* no heading: "Untitled" */
	a = analyze_document(NULL, "Users can create a task.\n", 25, 0);
	is_str(json_string_value(json_object_get(a, "title")), "Untitled", "no heading: Untitled");
	s = dump(json_object_get(a, "stories"));
	is_str(s, "[{\"acceptance\":[{\"given\":\"a user\","
	       "\"then\":\"the new task is saved and they can see it\",\"when\":\"they create a task\"}],"
	       "\"benefit\":\"\",\"goal\":\"create a task\",\"id\":\"US-1\",\"priority\":\"could\","
	       "\"quality\":[],\"role\":\"user\",\"section\":\"\","
	       "\"source\":\"Users can create a task.\","
	       "\"text\":\"As a user, I want to create a task.\"}]",
	       "plain text: the story, no section");
	free(s);
	json_decref(a);
}

static void goals_section(void)
{
	static const char md[] =
		"# Todo\n\n## Goals\n\n- Let people keep track of their tasks.\n"
		"- Share projects with a team.\n";
	json_t *a = analyze_document(NULL, md, sizeof(md) - 1, 1);
	char *s = dump(json_object_get(a, "goals"));

	is_str(s, "[\"Let people keep track of their tasks.\",\"Share projects with a team.\"]",
	       "goals from the Goals section");
	is_int((long long)json_array_size(json_object_get(a, "stories")), 0,
	       "goals are not stories");
	free(s);
	json_decref(a);
}

static void refused(void)
{
	static const char nul[] = "Users can create a task.\0Users can delete it.";
	static const char bad[] = "Users can create a task \xff\xfe.";
	static const char overlong[] = "Users can create a \xc0\xaf task.";
	static const char cut[] = "Users can create a caf\xc3";
	json_t *a;

	a = analyze_document(NULL, "", 0, 1);
	ok(a == NULL, "empty text: NULL");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "empty text: a data error");
	json_decref(a);
	a = analyze_document(NULL, "Users can create a task.", 0, 0);
	ok(a == NULL && ak_errcode() == AK_EXIT_DATAERR, "length 0: NULL, a data error");
	json_decref(a);
	a = analyze_document(NULL, nul, sizeof(nul) - 1, 1);
	ok(a == NULL, "a NUL byte: NULL");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "a NUL byte: a data error");
	json_decref(a);
	a = analyze_document(NULL, bad, sizeof(bad) - 1, 0);
	ok(a == NULL, "invalid UTF-8: NULL");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "invalid UTF-8: a data error");
	json_decref(a);
	a = analyze_document(NULL, overlong, sizeof(overlong) - 1, 1);
	ok(a == NULL && ak_errcode() == AK_EXIT_DATAERR, "overlong UTF-8: NULL, a data error");
	json_decref(a);
	a = analyze_document(NULL, cut, sizeof(cut) - 1, 1);
	ok(a == NULL && ak_errcode() == AK_EXIT_DATAERR, "UTF-8 cut at the end: NULL, a data error");
	json_decref(a);
}

/* The kinds of a's questions joined by ",". */
static void question_kinds(const json_t *a, struct buf *b)
{
	size_t i;
	json_t *q;

	buf_reset(b);
	json_array_foreach(json_object_get(a, "questions"), i, q)
		buf_addf(b, "%s%s", i ? "," : "", json_string_value(json_object_get(q, "kind")));
}

static void other_language(void)
{
	static const char de[] =
		"# Aufgabenverwaltung\n\n"
		"Die Benutzer m\xc3\xbcssen Aufgaben anlegen k\xc3\xb6nnen. "
		"Das System speichert alle \xc3\x84nderungen.\n";
	static const char ws_only[] = " \n\t\n";
	struct buf b = BUF_INIT;
	json_t *a = analyze_document(NULL, de, sizeof(de) - 1, 1);

	ok(a != NULL, "German: analysed");
	question_kinds(a, &b);
	is_str(b.p, "no_requirements", "German: the question is that nothing was found");
	is_int((long long)json_array_size(json_object_get(a, "stories")), 0, "German: no stories");
	is_int((long long)json_array_size(json_object_get(a, "nfrs")), 0, "German: no NFRs");
	is_str(json_string_value(json_object_get(a, "title")), "Aufgabenverwaltung",
	       "German: the title");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(a, "questions"), 0),
						 "id")), "Q-1", "German: the question is numbered");
	json_decref(a);

	/* white space only: a document with nothing in it */
	a = analyze_document(NULL, ws_only, sizeof(ws_only) - 1, 0);
	question_kinds(a, &b);
	is_str(b.p, "no_requirements", "white space only: nothing found");
	json_decref(a);
	buf_release(&b);
}

static void deterministic(void)
{
	static const char md[] =
		"# Shop\n\n## Goals\n\nSell books online.\n\n## Features\n\n"
		"- Customers must be able to search books by title, author and year.\n"
		"- Customers can create, edit and cancel an order so that they get the books.\n"
		"- The system shall send an e-mail when an order ships.\n"
		"- An order cannot be cancelled after it has shipped.\n\n"
		"## Data\n\n| Field | Type | Required |\n|---|---|---|\n| title | string | yes |\n"
		"| price | money | yes |\n\n"
		"Pages must load within 2 seconds. The shop should be easy to use.\n";
	json_t *a = analyze_document(NULL, md, sizeof(md) - 1, 1);
	json_t *b = analyze_document(NULL, md, sizeof(md) - 1, 1);
	char *sa = a ? json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	char *sb = b ? json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	ok(sa && sb && !strcmp(sa, sb), "same input, same bytes (%zu)", sa ? strlen(sa) : 0);
	ok(json_array_size(json_object_get(a, "stories")) >= 4,
	   "the shop has stories (%zu)", json_array_size(json_object_get(a, "stories")));
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

/* --- the classifier's line interface ------------------------------------- */

static void classify_line_is(const char *line, size_t len, const char *want_text,
			     const char *want_class)
{
	struct buf out = BUF_INIT;
	json_error_t err;
	json_t *o;
	const char *key;
	json_t *v;
	char keys[64] = "";
	size_t klen = 0;

	buf_addstr(&out, "prefix:");
	if (!is_int(analyze_classify_line(line, len, &out), 0, "classify line rc: %s", want_text)) {
		buf_release(&out);
		return;
	}
	ok(!strncmp(out.p, "prefix:{", 8) && !strchr(out.p, '\n'),
	   "classify line: appended, one line");
	o = json_loads(out.p + 7, JSON_PRESERVE_ORDER, &err);
	ok(o && json_is_object(o), "classify line: a JSON object");
	json_object_foreach(o, key, v)
		klen += (size_t)snprintf(keys + klen, sizeof(keys) - klen, "%s%s", klen ? "," : "",
					 key);
	is_str(keys, "text,class,cue", "classify line: the members, in order");
	is_str(json_string_value(json_object_get(o, "text")), want_text, "classify line: text");
	is_str(json_string_value(json_object_get(o, "class")), want_class, "classify line: class");
	ok(json_is_string(json_object_get(o, "cue")), "classify line: a cue");
	json_decref(o);
	buf_release(&out);
}

#define CLASSIFY_LINE_IS(lit, cls) classify_line_is(lit, sizeof(lit) - 1, lit, cls)

static void classify_lines(void)
{
	CLASSIFY_LINE_IS("Pages must load within 2 seconds.", "performance");
	CLASSIFY_LINE_IS("Users can export their tasks as CSV.", "functional");
	CLASSIFY_LINE_IS("Only administrators shall delete accounts.", "security");
	/* bad bytes become U+FFFD, the quote is escaped */
	classify_line_is("Users can export \"caf\xff\".", 24,
			 "Users can export \"caf\xef\xbf\xbd\".", "functional");
}

/* --- artifacts ----------------------------------------------------------- */

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

/* The whole content of a file, malloc'd, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (buf_grow(&b, 1) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, len);
}

static void artifacts(void)
{
	char base[] = "/tmp/u-analyze.XXXXXX";
	struct workspace *ws;
	json_t *a, *arts, *rec;
	struct buf paths = BUF_INIT;
	size_t i;

	if (!mkdtemp(base)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	ws = workspace_open(base);
	a = analyze_document(NULL, tiny_md, sizeof(tiny_md) - 1, 1);
	if (!ok(ws && a, "workspace and analysis")) {
		workspace_free(ws);
		json_decref(a);
		return;
	}

	/* a refused directory: -1, nothing added to the analysis */
	is_int(analyze_write_artifacts(ws, "../outside", a), -1, "a path out of the workspace: -1");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "a path out of the workspace: a data error");
	ok(json_object_get(a, "artifacts") == NULL, "a failed write adds no artifacts");

	if (!is_int(analyze_write_artifacts(ws, "run/1", a), 0, "write the artifacts")) {
		printf("# %s\n", ak_errmsg());
		goto out;
	}
	arts = json_object_get(a, "artifacts");
	json_array_foreach(arts, i, rec)
		buf_addf(&paths, "%s %s\n", json_string_value(json_object_get(rec, "path")),
			 json_string_value(json_object_get(rec, "media_type")));
	is_str(paths.p, "run/1/requirements.md text/markdown\n"
	       "run/1/stories.feature text/x-gherkin\n"
	       "run/1/model.json application/json\n"
	       "run/1/wireframes/index.html text/html\n"
	       "run/1/wireframes/task-list.html text/html\n"
	       "run/1/wireframes/task-detail.html text/html\n"
	       "run/1/wireframes/task-form.html text/html\n",
	       "the artifact paths and media types");
	json_array_foreach(arts, i, rec) {
		const char *rel = json_string_value(json_object_get(rec, "path"));
		struct buf path = BUF_INIT;
		char sha[65];
		size_t len = 0;
		char *data;

		buf_addf(&path, "%s/%s", base, rel ? rel : "?");
		data = slurp(path.p, &len);
		if (ok(data != NULL, "%s exists", rel)) {
			sha256_hex(data, len, sha);
			is_str(sha, json_string_value(json_object_get(rec, "sha256")),
			       "%s: the recorded sha256", rel);
			is_int((long long)len, json_integer_value(json_object_get(rec, "bytes")),
			       "%s: the recorded size", rel);
		}
		free(data);
		buf_release(&path);
	}
	/* the model is the analysis's entities */
	{
		struct buf path = BUF_INIT;
		json_t *m;

		buf_addf(&path, "%s/run/1/model.json", base);
		m = json_load_file(path.p, 0, NULL);
		ok(m && json_equal(json_object_get(m, "entities"), json_object_get(a, "entities")),
		   "model.json holds the analysis's entities");
		json_decref(m);
		buf_release(&path);
	}
out:
	json_decref(a);
	workspace_free(ws);
	buf_release(&paths);
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	ok(access(base, F_OK) != 0, "temporary workspace removed");
}

int main(void)
{
	whole_document();
	goals_section();
	refused();
	other_language();
	deterministic();
	classify_lines();
	artifacts();
	return done_testing();
}
