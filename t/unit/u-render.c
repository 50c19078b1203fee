/*
 * u-render.c - unit tests for lib/analyze/render.c: a small analysis (two
 * stories with criteria, two NFRs, two related entities with an enum, two
 * questions, a title with characters every format must escape) rendered as
 * the PRD, the Gherkin, the model and the wireframes, each compared whole
 * with the reviewed copy in t/unit/expect/render/. Then what the renderers
 * must survive: {}, members of the wrong type, control bytes, other
 * scripts, huge strings, a buffer too small, an emit callback that fails.
 *
 * With U_RENDER_DUMP=dir the outputs are also written to dir, to review a
 * change before copying them over the expected files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "analyze/render.h"
#include "tap.h"
#include "banned.h"

static const char analysis_json[] =
"{\"title\": \"Todo app <script>&|\", \"engine\": \"rules\",\n"
" \"goals\": [\"Let people keep track of their tasks\", \"Share projects with a team\"],\n"
" \"stories\": [\n"
"  {\"id\": \"US-1\", \"role\": \"user\",\n"
"   \"goal\": \"create a task with a title and a due date\",\n"
"   \"benefit\": \"I remember what to do\", \"priority\": \"must\",\n"
"   \"source\": \"Users must be able to create a task with a title and a due date.\",\n"
"   \"section\": \"Tasks\",\n"
"   \"acceptance\": [\n"
"    {\"given\": \"a signed-in user\", \"when\": \"they create a task without a title\",\n"
"     \"then\": \"the task is refused with a message\"},\n"
"    {\"given\": \"a signed-in user\", \"when\": \"they pick a due date in the past\",\n"
"     \"then\": \"the task is refused\"}],\n"
"   \"quality\": []},\n"
"  {\"id\": \"US-2\", \"role\": \"team lead\",\n"
"   \"goal\": \"share a project with a team member\", \"benefit\": \"\",\n"
"   \"priority\": \"should\",\n"
"   \"source\": \"As a team lead, I want to share a project with a team member.\",\n"
"   \"section\": \"Sharing\",\n"
"   \"acceptance\": [\n"
"    {\"given\": \"Given a project owned by the lead\", \"when\": \"the lead shares it\\nwith a member\",\n"
"     \"then\": \"the member sees the project in their *own* list\"}],\n"
"   \"quality\": [{\"rule\": \"complete\", \"message\": \"The story gives no benefit: add \\\"so that ...\\\".\"}]}],\n"
" \"nfrs\": [\n"
"  {\"id\": \"NFR-1\", \"category\": \"performance\",\n"
"   \"text\": \"Pages must load within 2 seconds for 95% of requests.\",\n"
"   \"measurable\": true, \"cue\": \"within 2 seconds\"},\n"
"  {\"id\": \"NFR-2\", \"category\": \"usability\",\n"
"   \"text\": \"The app should be easy to use | on phones.\",\n"
"   \"measurable\": false, \"cue\": \"easy\"}],\n"
" \"entities\": [\n"
"  {\"name\": \"Task\",\n"
"   \"fields\": [\n"
"    {\"name\": \"title\", \"type\": \"string\", \"required\": true, \"unique\": false},\n"
"    {\"name\": \"due_date\", \"type\": \"date\", \"required\": false, \"unique\": false},\n"
"    {\"name\": \"priority\", \"type\": \"enum\", \"required\": true, \"unique\": false,\n"
"     \"values\": [\"low\", \"medium\", \"high\"]},\n"
"    {\"name\": \"done\", \"type\": \"boolean\", \"required\": true, \"unique\": false},\n"
"    {\"name\": \"estimate\", \"type\": \"money\", \"required\": false, \"unique\": false},\n"
"    {\"name\": \"notes\", \"type\": \"text\", \"required\": false, \"unique\": false}],\n"
"   \"relations\": [{\"kind\": \"belongs_to\", \"entity\": \"Project\"},\n"
"                 {\"kind\": \"has_many\", \"entity\": \"Comment\"}]},\n"
"  {\"name\": \"Project\",\n"
"   \"fields\": [\n"
"    {\"name\": \"name\", \"type\": \"string\", \"required\": true, \"unique\": true},\n"
"    {\"name\": \"owner_email\", \"type\": \"email\", \"required\": true, \"unique\": false}],\n"
"   \"relations\": [{\"kind\": \"has_many\", \"entity\": \"Task\"}]}],\n"
" \"questions\": [\n"
"  {\"id\": \"Q-1\", \"kind\": \"vague\",\n"
"   \"text\": \"What does \\\"easy to use\\\" mean? How would we test it?\",\n"
"   \"source\": \"The app should be easy to use | on phones.\", \"cue\": \"easy\"},\n"
"  {\"id\": \"Q-2\", \"kind\": \"missing_actor\",\n"
"   \"text\": \"Who can share a project: its owner or any member?\",\n"
"   \"source\": \"Projects can be shared.\", \"cue\": \"can be shared\"}]}\n";

static const char *dump_dir;

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *a = json_loads(text, 0, &err);

	if (!a) {
		printf("Bail out! bad test JSON at line %d: %s\n", err.line, err.text);
		exit(1);
	}
	return a;
}

/* An expected file, from beside this source file. NULL when missing. */
static char *slurp_expect(const char *name)
{
	char path[512];
	const char *src = __FILE__, *slash = strrchr(src, '/');
	struct buf b;

	snprintf(path, sizeof(path), "%.*s/expect/render/%s",
		 slash ? (int)(slash - src) : 1, slash ? src : ".", name);
	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path) < 0) {
		printf("# cannot read '%s': %s\n", path, ak_errmsg());
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void dump(const char *name, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	if (!dump_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dump_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		printf("# cannot write '%s': %s\n", path, strerror(errno));
}

/* Print line n (1-based) of s, or "(end)". */
static void show_line(const char *label, const char *s, size_t n)
{
	const char *e;

	while (--n && s)
		s = (s = strchr(s, '\n')) ? s + 1 : NULL;
	if (!s || !*s) {
		printf("#   %s (end of text)\n", label);
		return;
	}
	e = strchr(s, '\n');
	printf("#   %s %.*s\n", label, e ? (int)(e - s) : (int)strlen(s), s);
}

/* The output compared whole with expect/render/name; on a difference, where. */
static void cmp_expect(const char *name, const char *got, size_t len)
{
	char *want = slurp_expect(name);
	size_t i, line = 1;

	dump(name, got, len);
	if (!want) {
		ok(0, "%s: expected file", name);
		return;
	}
	if (strlen(want) == len && !memcmp(want, got, len)) {
		ok(1, "%s is as expected", name);
		free(want);
		return;
	}
	ok(0, "%s is as expected", name);
	for (i = 0; i < len && want[i] && want[i] == got[i]; i++)
		if (got[i] == '\n')
			line++;
	printf("# first difference at byte %zu, line %zu:\n", i, line);
	if (line > 1)
		show_line("  ", want, line - 1);
	show_line("- ", want, line);
	show_line("+ ", got, line);
	free(want);
}

struct page {
	char path[128];
	char *data;
	size_t len;
};

struct pages {
	struct page v[32];
	size_t n;
	int fail_at;    /* emit fails for page number fail_at (1-based); 0 never */
};

static int collect(void *ctx, const char *relpath, const char *data, size_t len)
{
	struct pages *p = ctx;
	struct page *pg;

	if (p->fail_at && (int)p->n + 1 == p->fail_at)
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': disk full", relpath);
	if (p->n == sizeof(p->v) / sizeof(p->v[0]))
		return ak_error(AK_EXIT_SOFTWARE, "too many pages");
	pg = &p->v[p->n++];
	snprintf(pg->path, sizeof(pg->path), "%s", relpath);
	pg->data = malloc(len + 1);
	if (!pg->data) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	memcpy(pg->data, data, len);
	pg->data[len] = '\0';
	pg->len = len;
	return 0;
}

static void pages_release(struct pages *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].data);
	p->n = 0;
}

static const struct page *find_page(const struct pages *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].path, path))
			return &p->v[i];
	return NULL;
}

/* No page of p holds a character HTML would take for markup in text. */
static int no_raw_markup(const struct pages *p, const char *needle)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->v[i].data, needle))
			return 0;
	return 1;
}

static void test_golden(void)
{
	json_t *a = load(analysis_json);
	struct buf b;
	struct pages p = { .n = 0 };
	const struct page *pg;
	size_t i;

	buf_init(&b, 0);
	is_int(render_prd(a, &b), 0, "render_prd");
	cmp_expect("prd.md", b.p, b.len);
	buf_reset(&b);
	is_int(render_feature(a, &b), 0, "render_feature");
	cmp_expect("stories.feature", b.p, b.len);
	buf_reset(&b);
	is_int(render_model(a, &b), 0, "render_model");
	cmp_expect("model.json", b.p, b.len);

	is_int(render_wireframes(a, collect, &p), 0, "render_wireframes");
	buf_reset(&b);
	for (i = 0; i < p.n; i++)
		buf_addf(&b, "%s %zu\n", p.v[i].path, p.v[i].len);
	cmp_expect("wireframes.txt", b.p, b.len);
	{
		static const char *const names[] = {
			"index.html", "task-list.html", "task-detail.html",
			"task-form.html", "project-detail.html",
		};
		char path[64];

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(path, sizeof(path), "wireframes/%s", names[i]);
			pg = find_page(&p, path);
			if (pg)
				cmp_expect(names[i], pg->data, pg->len);
			else
				ok(0, "%s emitted", path);
		}
	}
	ok(no_raw_markup(&p, "<script"), "the title's <script> is escaped on every page");
	ok(no_raw_markup(&p, "http://") && no_raw_markup(&p, "src=") &&
	   no_raw_markup(&p, "<link"), "no external resources");

	/* the same analysis gives the same bytes again */
	{
		struct buf again;

		buf_init(&again, 0);
		buf_reset(&b);
		render_prd(a, &b);
		render_prd(a, &again);
		ok(b.len == again.len && !memcmp(b.p, again.p, b.len), "a second render is identical");
		buf_release(&again);
	}
	pages_release(&p);
	buf_release(&b);
	json_decref(a);
}

static const char empty_prd[] =
	"# Requirements\n"
	"\n"
	"0 user stories, 0 non-functional requirements, 0 entities, 0 open questions.\n"
	"\n"
	"## Goals\n"
	"\n"
	"None stated.\n"
	"\n"
	"## User stories\n"
	"\n"
	"None found.\n"
	"\n"
	"## Non-functional requirements\n"
	"\n"
	"None found.\n"
	"\n"
	"## Data model\n"
	"\n"
	"No entities found.\n"
	"\n"
	"## Open questions\n"
	"\n"
	"None.\n";

static const char empty_feature[] =
	"Feature: Requirements\n"
	"\n"
	"  # no user stories found\n";

static const char empty_model[] = "{\n  \"entities\": []\n}\n";

static void test_empty(void)
{
	static const char *const docs[] = {
		"{}",
		"{\"title\": 5, \"goals\": \"x\", \"stories\": {}, \"nfrs\": [1, \"a\", null],"
		" \"entities\": \"Task\", \"questions\": [[], true]}",
		"[]",
		"null",
	};
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *a = json_loads(docs[i], JSON_DECODE_ANY, NULL);
		struct buf b;
		struct pages p = { .n = 0 };

		buf_init(&b, 0);
		is_int(render_prd(a, &b), 0, "%s: render_prd", docs[i]);
		is_str(b.p, empty_prd, "%s: a PRD with empty sections", docs[i]);
		buf_reset(&b);
		is_int(render_feature(a, &b), 0, "%s: render_feature", docs[i]);
		is_str(b.p, empty_feature, "%s: a feature without scenarios", docs[i]);
		buf_reset(&b);
		is_int(render_model(a, &b), 0, "%s: render_model", docs[i]);
		is_str(b.p, empty_model, "%s: no entities", docs[i]);
		is_int(render_wireframes(a, collect, &p), 0, "%s: render_wireframes", docs[i]);
		ok(p.n == 1 && !strcmp(p.v[0].path, "wireframes/index.html") &&
		   strstr(p.v[0].data, "No entities were found"), "%s: only the index", docs[i]);
		pages_release(&p);
		buf_release(&b);
		json_decref(a);
	}
}

/* Members of the wrong type inside stories, criteria, entities and fields. */
static void test_wrong_types(void)
{
	json_t *a = load(
		"{\"title\": \"  \", \"goals\": [3, \"\", \"Ship it\"],"
		" \"stories\": [1, {\"goal\": 2, \"role\": [], \"acceptance\": [\"x\", {\"given\": 1},"
		"   {\"then\": \"it works\"}], \"quality\": [3, {\"message\": \"too long\"}]}],"
		" \"nfrs\": [{\"measurable\": \"yes\", \"text\": \"fast\"}],"
		" \"entities\": [null, {\"fields\": [true, {\"name\": 7, \"type\": \"enum\","
		"   \"values\": [1, \"a\"]}], \"relations\": [3, {\"kind\": 1, \"entity\": \"X\"}]}],"
		" \"questions\": [{\"text\": \"Why?\"}]}");
	struct buf b;
	struct pages p = { .n = 0 };

	buf_init(&b, 0);
	is_int(render_prd(a, &b), 0, "wrong types: render_prd");
	ok(strstr(b.p, "# Requirements\n\n1 user story, 1 non-functional requirement, "
		  "1 entity, 1 open question.\n") != NULL, "wrong types: only objects count");
	ok(strstr(b.p, "\n- Ship it\n") && strstr(b.p, "| US-1 |  | I want (no goal stated). |") &&
	   strstr(b.p, "Criterion 1:\n\n- **Then** it works\n\n#### Quality") &&
	   strstr(b.p, "\n- too long\n") && strstr(b.p, "| NFR-1 |  | fast | no |") &&
	   strstr(b.p, "### Entity 1\n\n| Field | Type | Required | Unique |") &&
	   strstr(b.p, "|  | enum (a) | no | no |") &&
	   strstr(b.p, "- related to X\n") && strstr(b.p, "1. Q-1: Why?\n"),
	   "wrong types: the rest is rendered with defaults");
	buf_reset(&b);
	is_int(render_feature(a, &b), 0, "wrong types: render_feature");
	is_str(b.p, "Feature: Requirements\n\n  Goals:\n  - Ship it\n\n"
	       "  @US-1\n  Scenario: US-1\n    # I want (no goal stated).\n    Then it works\n",
	       "wrong types: a scenario from the one good criterion");
	is_int(render_wireframes(a, collect, &p), 0, "wrong types: render_wireframes");
	ok(p.n == 4 && find_page(&p, "wireframes/entity-1-form.html"),
	   "wrong types: a nameless entity is entity-1");
	ok(p.n == 4 && strstr(p.v[3].data, "<label for=\"f-1\">Field 1</label>\n<select id=\"f-1\" "
			      "name=\"f-1\">\n<option value=\"\">Choose...</option>\n"
			      "<option value=\"a\">a</option>\n</select>\n"),
	   "wrong types: a nameless field gets a label and id");
	pages_release(&p);
	buf_release(&b);
	json_decref(a);
}

/* Texts of nothing but white space, keywords alone: no reading past the end. */
static void test_blank(void)
{
	json_t *a = load("{\"stories\": [{\"role\": \"   \", \"goal\": \" \\t\", \"benefit\": \"\\n\","
			 " \"acceptance\": [{\"given\": \"  \", \"when\": \"given\", \"then\": \"Then \"}]}]}");
	struct buf b;

	buf_init(&b, 0);
	is_int(render_feature(a, &b), 0, "blank texts: render_feature");
	is_str(b.p, "Feature: Requirements\n\n  @US-1\n  Scenario: US-1\n"
	       "    # I want (no goal stated).\n    When given\n    Then Then\n",
	       "blank texts: left out; a keyword alone is kept as the text");
	buf_reset(&b);
	is_int(render_prd(a, &b), 0, "blank texts: render_prd");
	ok(strstr(b.p, "### US-1\n\nI want (no goal stated).\n") &&
	   strstr(b.p, "Criterion 1:\n\n- **When** given\n- **Then** Then\n"),
	   "blank texts: the PRD too");
	buf_release(&b);
	json_decref(a);
}

/* Markdown and Gherkin escaping, one text at a time, through the title. */
static void test_escaping(void)
{
	static const struct { const char *title, *md, *feature; } t[] = {
		{ "a | b", "# a | b\n", "Feature: a | b\n" },
		{ "line\none\r\n\ttwo  ", "# line one two\n", "Feature: line one two\n" },
		{ "# not a heading", "# \\# not a heading\n", "Feature: # not a heading\n" },
		{ "- item", "# \\- item\n", "Feature: - item\n" },
		{ "1. first", "# 1\\. first\n", "Feature: 1. first\n" },
		{ "2024 plan", "# 2024 plan\n", "Feature: 2024 plan\n" },
		{ "*bold* _it_ `code` [link](x)", "# \\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x)\n", NULL },
		{ "due_date and R&D, a < b", "# due_date and R&D, a < b\n", NULL },
		{ "&amp; <b> <!-- x", "# \\&amp; \\<b> \\<!-- x\n", NULL },
		{ "C:\\path ~x~", "# C:\\\\path \\~x\\~\n", NULL },
		{ "C# #tag", "# C# \\#tag\n", NULL },
		{ "\x01\x02", "# Requirements\n", "Feature: Requirements\n" },
		{ "Aufgabe \xc3\xbc_\xc3\xa4 \xe4\xbb\xbb\xe5\x8a\xa1", "# Aufgabe \xc3\xbc_\xc3\xa4 \xe4\xbb\xbb\xe5\x8a\xa1\n", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *a = json_pack("{s:s}", "title", t[i].title);
		struct buf b;
		const char *nl;

		buf_init(&b, 0);
		render_prd(a, &b);
		nl = strchr(b.p, '\n');
		b.p[nl - b.p + 1] = '\0';
		is_str(b.p, t[i].md, "markdown: %s", t[i].md);
		if (t[i].feature) {
			buf_reset(&b);
			render_feature(a, &b);
			b.p[strchr(b.p, '\n') - b.p + 1] = '\0';
			is_str(b.p, t[i].feature, "gherkin: %s", t[i].feature);
		}
		buf_release(&b);
		json_decref(a);
	}
}

/* Page names: kebab-case, other scripts, clashes. */
static void test_page_names(void)
{
	json_t *a = load("{\"entities\": [{\"name\": \"OrderLine\"}, {\"name\": \"order line\"},"
			 " {\"name\": \"\\u0417\\u0430\\u0434\\u0430\\u0447\\u0430\"},"
			 " {\"name\": \"Stock Movement 2\"}, {\"name\": \"../../etc/passwd\"},"
			 " {\"name\": \"\\u00dcberweisung\"}, {\"name\": \"Order-Line\"}]}");
	static const char *const want[] = {
		"wireframes/index.html",
		"wireframes/order-line-list.html",
		"wireframes/order-line-2-list.html",
		"wireframes/entity-3-list.html",
		"wireframes/stock-movement-2-list.html",
		"wireframes/etc-passwd-list.html",
		"wireframes/berweisung-list.html",
		"wireframes/order-line-7-list.html",
	};
	struct pages p = { .n = 0 };
	size_t i;

	is_int(render_wireframes(a, collect, &p), 0, "page names: rendered");
	is_int((long long)p.n, 1 + 3 * 7, "page names: index and three pages each");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t k = i ? 1 + 3 * (i - 1) : 0;

		is_str(k < p.n ? p.v[k].path : NULL, want[i], "page name %s", want[i]);
	}
	for (i = 0; i < p.n; i++) {
		const char *s = p.v[i].path + strlen("wireframes/");

		if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(s))
			break;
	}
	ok(i == p.n, "page names: only [a-z0-9-] and the extension");
	ok(strstr(p.v[0].data, "<li>\xd0\x97\xd0\xb0\xd0\xb4\xd0\xb0\xd1\x87\xd0\xb0: "
		  "<a href=\"entity-3-list.html\">list</a>") != NULL,
	   "page names: the index shows the name as written");
	pages_release(&p);
	json_decref(a);
}

/* Limits: a huge text renders, a small buffer fails cleanly, emit failure. */
static void test_limits(void)
{
	size_t big = 1 << 20, i;
	char *s = malloc(big + 1);
	json_t *a;
	struct buf b;
	struct pages p = { .n = 0, .fail_at = 3 };

	for (i = 0; i < big; i++)
		s[i] = "ab<|&\n"[i % 6];
	s[big] = '\0';
	a = json_pack("{s:s, s:[{s:s, s:[{s:s}]}], s:[{s:s, s:[{s:s, s:s}]}]}",
		      "title", s, "stories", "goal", s, "acceptance", "given", s,
		      "entities", "name", "Task", "fields", "name", s, "type", "enum");
	buf_init(&b, 0);
	is_int(render_prd(a, &b), 0, "a 1 MiB text: render_prd");
	ok(b.len > 4 * big && strstr(b.p, "| I want to ab<\\|& ab<\\|& ab"),
	   "a 1 MiB text: all of it, escaped");
	buf_reset(&b);
	is_int(render_feature(a, &b), 0, "a 1 MiB text: render_feature");
	ok(b.len > 3 * big && !memchr(b.p + 10, '\n', big - 10), "a 1 MiB text: on one line");
	buf_release(&b);

	buf_init(&b, 1000);
	buf_addstr(&b, "kept");
	ak_error(AK_EXIT_OK, "none");
	is_int(render_prd(a, &b), -1, "over the buffer's limit: -1");
	ok(!strcmp(b.p, "kept") && b.len == 4, "over the buffer's limit: output as it was");
	ok(strstr(ak_errmsg(), "too large") != NULL, "over the buffer's limit: says why");
	is_int(render_feature(a, &b), -1, "feature over the limit: -1");
	is_int(render_model(a, &b), -1, "model over the limit: -1");
	ok(!strcmp(b.p, "kept") && b.len == 4, "feature and model: output as it was");
	buf_release(&b);
	json_decref(a);
	free(s);

	a = load(analysis_json);
	ak_error(AK_EXIT_OK, "none");
	is_int(render_wireframes(a, collect, &p), -1, "an emit failure is passed on");
	is_int((long long)p.n, 2, "nothing is emitted after the failure");
	is_str(ak_errmsg(), "cannot write 'wireframes/task-detail.html': disk full",
	       "the emit's message stays");
	pages_release(&p);
	json_decref(a);
}

int main(void)
{
	dump_dir = getenv("U_RENDER_DUMP");
	test_golden();
	test_empty();
	test_wrong_types();
	test_blank();
	test_escaping();
	test_page_names();
	test_limits();
	return done_testing();
}
