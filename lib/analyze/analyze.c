/*
 * analyze.c - one requirement document to one analysis, by rules.
 *
 * Two passes over the document's units. The first finds who the actors
 * are (the role most requirements name becomes the role of sentences
 * that name none) and collects the rules ("a task cannot be due in the
 * past"), which become acceptance criteria of the stories they touch. The
 * second sorts every sentence: goals from a Goals section, stories,
 * non-functional requirements by category, entity facts, and questions.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jscan.h"
#include "analyze/analyze.h"
#include "analyze/classify.h"
#include "analyze/doc.h"
#include "analyze/entity.h"
#include "analyze/question.h"
#include "analyze/qus.h"
#include "analyze/render.h"
#include "analyze/story.h"
#include "analyze/words.h"
#include "banned.h"

#define MAX_ROLES 64

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

static int is_goal_section(const char *section)
{
	static const char *const names[] = {
		"goal", "objective", "purpose", "vision", "why", "background", "motivation",
		"overview", "summary", "context", "problem", NULL
	};
	for (const char *const *n = names; *n; n++)
		if (strcasestr(section, *n))
			return 1;
	return 0;
}

struct role_count {
	char name[64];
	unsigned n;
};

/* The role most requirements name, or "user". */
static void dominant_role(const struct doc *d, struct words *w, char *out, size_t cap)
{
	struct role_count roles[MAX_ROLES];
	size_t nroles = 0, best = 0;

	for (size_t i = 0; i < d->n; i++) {
		struct shape sh;
		const struct unit *u = &d->v[i];
		char name[64];

		if (u->kind == UNIT_ROW || words_split(w, u->text, u->len) < 0)
			continue;
		story_shape(w, u->kind == UNIT_ITEM, doc_section(d, u), &sh);
		if (sh.kind != SHAPE_GOAL || sh.system_subject || sh.no_actor || sh.modal < 1 ||
		    sh.modal - sh.subject_start > 3 || sh.modal <= sh.subject_start)
			continue;
		const struct word *a = &w->v[sh.subject_start], *z = &w->v[sh.modal - 1];
		story_role_name(a->p, (size_t)(z->p + z->len - a->p), name, sizeof(name));
		if (!name[0] || entity_is_role(name) == 0)
			continue;
		size_t k;
		for (k = 0; k < nroles && strcmp(roles[k].name, name); k++)
			;
		if (k == nroles) {
			if (nroles == MAX_ROLES)
				continue;
			snprintf(roles[nroles++].name, sizeof(roles[0].name), "%s", name);
			roles[k].n = 0;
		}
		roles[k].n++;
	}
	for (size_t k = 1; k < nroles; k++)
		if (roles[k].n > roles[best].n)
			best = k;
	snprintf(out, cap, "%s", nroles ? roles[best].name : "user");
}

/* The story as one sentence, for the quality checks and the PRD. */
static char *story_text(const struct story *st)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "As %s %s, I want to %s", story_article(st->role), st->role, st->goal);
	if (st->benefit[0])
		buf_addf(&b, ", so that %s", st->benefit);
	buf_addch(&b, '.');
	return buf_detach(&b, NULL);
}

/* Entity hints from a story's goal: "create a task" names Task. */
static int note_goal_object(struct entity_model *m, struct words *w, const char *goal)
{
	static const char *const crud[] = {
		"create", "add", "edit", "update", "delete", "remove", "view", "archive",
		"assign", "list", "browse", "book", "order", "register", "upload", "rename", NULL
	};
	static const char *const skip[] = {
		"a", "an", "the", "their", "new", "existing", "my", "all", "any", "his", "her",
		"own", "each", NULL
	};
	size_t i = 1;

	if (words_split(w, goal, strlen(goal)) < 0)
		return -1;
	if (!words_in(w, 0, crud))
		return 0;
	while (i < w->n && words_in(w, i, skip))
		i++;
	if (i >= w->n || w->v[i].low[0] < 'a' || w->v[i].low[0] > 'z' || words_is(w, i, "it") ||
	    words_is(w, i, "them"))
		return 0;
	return entity_model_note_object(m, w->v[i].low);
}

/*
 * The entity a heading names: its first word that is not about the table
 * itself ("Fields of a task", "Task attributes", "Products and
 * warehouses" -> the first). 1 with name set, or 0.
 */
static int table_entity(const char *heading, char *name, size_t cap)
{
	static const char *const skip[] = {
		"the", "a", "an", "of", "fields", "field", "attributes", "attribute", "data",
		"model", "entity", "entities", "table", "schema", "columns", "properties", "each",
		"for", "our", "main", NULL
	};
	static const char *const joints[] = { "and", "or", "with", "in", "by", "per", NULL };
	struct words w = WORDS_INIT;
	size_t a = 0, b;

	if (words_split(&w, heading, strlen(heading)) < 0)
		return 0;
	while (a < w.n && (words_in(&w, a, skip) || w.v[a].low[0] < 'a' || w.v[a].low[0] > 'z'))
		a++;
	for (b = a; b < w.n && b < a + 3 && !words_in(&w, b, skip) && !words_in(&w, b, joints); b++)
		if (w.v[b].punct_after) {
			b++;
			break;
		}
	if (a < b)
		snprintf(name, cap, "%.*s", (int)(w.v[b - 1].p + w.v[b - 1].len - w.v[a].p), w.v[a].p);
	words_release(&w);
	return a < b;
}

/* Fields declared in a table: | Field | Type | Required | ... */
static int table_fields(struct entity_model *m, const struct doc *d, const struct unit *u)
{
	const struct doc_table *t = &d->tables[u->table];
	long field = -1, type = -1, req = -1, uniq = -1, ent = -1;
	const char *entity = doc_section(d, u);
	char name[64];

	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = t->head[c];
		if (field < 0 && (strcasestr(h, "field") || strcasestr(h, "attribute") ||
				  !strcasecmp(h, "name") || !strcasecmp(h, "property")))
			field = (long)c;
		else if (type < 0 && strcasestr(h, "type"))
			type = (long)c;
		else if (req < 0 && (strcasestr(h, "required") || strcasestr(h, "mandatory")))
			req = (long)c;
		else if (uniq < 0 && strcasestr(h, "unique"))
			uniq = (long)c;
		else if (ent < 0 && (strcasestr(h, "entity") || strcasestr(h, "table")))
			ent = (long)c;
	}
	if (field < 0 || type < 0 || (size_t)field >= u->ncells)
		return 0;
	if (ent >= 0 && (size_t)ent < u->ncells)
		entity = u->cells[ent];
	else if (table_entity(entity, name, sizeof(name)))
		entity = name;
	if (!*entity)
		return 0;
	int required = req >= 0 && (size_t)req < u->ncells &&
		       (!strcasecmp(u->cells[req], "yes") || !strcasecmp(u->cells[req], "y") ||
			!strcasecmp(u->cells[req], "true") || !strcmp(u->cells[req], "x"));
	int unique = uniq >= 0 && (size_t)uniq < u->ncells &&
		     (!strcasecmp(u->cells[uniq], "yes") || !strcasecmp(u->cells[uniq], "y") ||
		      !strcasecmp(u->cells[uniq], "true") || !strcmp(u->cells[uniq], "x"));
	return entity_model_add_field(m, entity, u->cells[field],
				      (size_t)type < u->ncells ? u->cells[type] : NULL, required, unique);
}

struct analysis {
	struct doc doc;
	struct words w;
	struct story_list stories;
	struct entity_model *model;
	struct story_rule *rules;
	size_t nrules;
	json_t *a, *goals, *nfrs, *questions;
	char role[64];
};

static int add_rule(struct analysis *an, const struct unit *u)
{
	struct story_rule *nr = realloc(an->rules, (an->nrules + 1) * sizeof(*nr));
	if (!nr)
		return oom();
	an->rules = nr;
	nr[an->nrules].text = u->text;
	nr[an->nrules++].section = doc_section(&an->doc, u);
	return 0;
}

static int add_nfr(struct analysis *an, const struct unit *u, const struct nfr_class *c,
		   int measurable)
{
	char id[32];
	snprintf(id, sizeof(id), "NFR-%zu", json_array_size(an->nfrs) + 1);
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "id", id, "category", c->category,
			      "text", u->text, "measurable", measurable, "cue", c->cue,
			      "section", "");
	if (!o)
		return oom();
	json_object_set_new(o, "section", json_string(u->section >= 0 ? an->doc.sections[u->section] : ""));
	return json_array_append_new(an->nfrs, o) ? oom() : 0;
}

static int sort_units(struct analysis *an)
{
	struct doc *d = &an->doc;

	for (size_t i = 0; i < d->n; i++) {
		const struct unit *u = &d->v[i];
		const char *section = doc_section(d, u);
		struct shape sh;
		struct nfr_class c;
		int measurable, is_nfr;

		if (u->kind == UNIT_ROW) {
			if (table_fields(an->model, d, u) < 0)
				return -1;
			continue;
		}
		if (words_split(&an->w, u->text, u->len) < 0)
			return -1;
		if (u->section >= 0 && is_goal_section(section) &&
		    (u->kind != UNIT_ITEM_MORE)) {
			story_shape(&an->w, u->kind == UNIT_ITEM, section, &sh);
			if (sh.kind == SHAPE_NONE || sh.kind == SHAPE_GOAL) {
				if (json_array_append_new(an->goals, json_string(u->text)))
					return oom();
				continue;
			}
		}
		/* goals are not facts about the data; everything else may be */
		if (entity_model_add(an->model, &an->w) < 0)
			return -1;
		story_shape(&an->w, u->kind == UNIT_ITEM, section, &sh);
		/* a list item is a requirement even without a modal verb */
		if (sh.kind == SHAPE_NONE && u->kind != UNIT_ITEM)
			continue;
		if (classify_requirement(&an->w, &c) < 0)
			return -1;
		measurable = classify_measurable(&an->w);
		is_nfr = strcmp(c.category, "functional") != 0 && sh.kind != SHAPE_STORY;
		if (questions_check(&an->w, u->text, u->len, is_nfr, measurable, an->questions) < 0)
			return -1;
		if (is_nfr) {
			if (add_nfr(an, u, &c, measurable) < 0)
				return -1;
			continue;
		}
		if (sh.kind == SHAPE_RULE || sh.kind == SHAPE_NONE)
			continue;   /* rules were collected before, for every story to see */
		size_t first = an->stories.n;
		if (story_extract(&an->w, u->text, u->len, &sh, an->role, &an->stories) < 0)
			return -1;
		for (size_t k = first; k < an->stories.n; k++) {
			an->stories.v[k].source = u->text;
			an->stories.v[k].section = section;
		}
	}
	return 0;
}

static int build_stories(struct analysis *an)
{
	json_t *arr = json_array();
	const char **texts = calloc(an->stories.n + 1, sizeof(*texts));
	size_t *lens = calloc(an->stories.n + 1, sizeof(*lens));
	json_t *set = json_array();
	struct story_rules *rules = story_rules_new(an->rules, an->nrules);
	int r = -1;

	if (!arr || !texts || !lens || !set || !rules)
		goto out;
	for (size_t i = 0; i < an->stories.n; i++) {
		const struct story *st = &an->stories.v[i];
		char id[32], *text = story_text(st);
		json_t *quality = json_array(), *crit, *o;

		snprintf(id, sizeof(id), "US-%zu", i + 1);
		if (!text || !quality) {
			free(text);
			json_decref(quality);
			goto out;
		}
		texts[i] = text;
		lens[i] = strlen(text);
		if (qus_check(text, lens[i], quality) < 0 ||
		    !(crit = story_criteria(st, rules))) {
			json_decref(quality);
			goto out;
		}
		if (note_goal_object(an->model, &an->w, st->goal) < 0) {
			json_decref(quality);
			json_decref(crit);
			goto out;
		}
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
			      "id", id, "role", st->role, "goal", st->goal, "benefit", st->benefit,
			      "priority", st->priority, "text", text,
			      "source", st->source, "section", st->section,
			      "acceptance", crit, "quality", quality);
		if (!o || json_array_append_new(arr, o))
			goto out;
	}
	if (an->stories.n && qus_check_set(texts, lens, an->stories.n, set) < 0)
		goto out;
	size_t k;
	json_t *d;
	json_array_foreach(set, k, d) {
		json_t *st = json_array_get(arr, (size_t)json_integer_value(json_object_get(d, "story")));
		json_t *q = json_pack("{s:O, s:O}", "rule", json_object_get(d, "rule"),
				      "message", json_object_get(d, "message"));
		if (!st || !q || json_array_append_new(json_object_get(st, "quality"), q))
			goto out;
	}
	r = json_object_set(an->a, "stories", arr) ? -1 : 0;
out:
	for (size_t i = 0; texts && i < an->stories.n; i++)
		free((char *)texts[i]);
	free(texts);
	free(lens);
	story_rules_free(rules);
	json_decref(set);
	json_decref(arr);
	return r < 0 ? oom() : 0;
}

static int number_questions(json_t *qs)
{
	size_t i;
	json_t *q;

	json_array_foreach(qs, i, q) {
		char id[32];
		snprintf(id, sizeof(id), "Q-%zu", i + 1);
		if (json_object_set_new(q, "id", json_string(id)))
			return oom();
	}
	return 0;
}

static void analysis_release(struct analysis *an)
{
	doc_release(&an->doc);
	words_release(&an->w);
	story_list_release(&an->stories);
	entity_model_free(an->model);
	free(an->rules);
}

json_t *analyze_document(const char *title, const char *text, size_t len, int markdown)
{
	struct analysis an = { .w = WORDS_INIT };
	json_t *a = NULL;
	int failed;

	if (!len)
		return ak_error(AK_EXIT_DATAERR, "the requirement text is empty"), NULL;
	if (memchr(text, '\0', len) || !jscan_utf8_ok(text, len))
		return ak_error(AK_EXIT_DATAERR, "the requirement text is not UTF-8 text"), NULL;
	if (doc_parse(&an.doc, text, len, markdown) < 0)
		return NULL;
	if (!(an.model = entity_model_new()))
		goto fail;
	dominant_role(&an.doc, &an.w, an.role, sizeof(an.role));
	an.a = a = json_object();
	an.goals = json_array();
	an.nfrs = json_array();
	an.questions = json_array();
	if (!a || !an.goals || !an.nfrs || !an.questions)
		goto fail_oom;
	/* rules first, so every story sees them all */
	for (size_t i = 0; i < an.doc.n; i++) {
		struct shape sh;
		const struct unit *u = &an.doc.v[i];
		struct nfr_class c;
		if (u->kind == UNIT_ROW || words_split(&an.w, u->text, u->len) < 0)
			continue;
		story_shape(&an.w, u->kind == UNIT_ITEM, doc_section(&an.doc, u), &sh);
		if (sh.kind == SHAPE_RULE && classify_requirement(&an.w, &c) == 0 &&
		    !strcmp(c.category, "functional") && add_rule(&an, u) < 0)
			goto fail;
	}
	if (sort_units(&an) < 0)
		goto fail;
	if (build_stories(&an) < 0 || number_questions(an.questions) < 0)
		goto fail;
	if (!an.stories.n && !json_array_size(an.nfrs)) {
		json_t *q = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "no_requirements",
				      "text", "No requirement was found: no sentence says what the system "
				      "or its users must, should or can do. Is the document in English?",
				      "source", "", "cue", "", "id", "");
		char id[32];
		snprintf(id, sizeof(id), "Q-%zu", json_array_size(an.questions) + 1);
		if (!q || json_object_set_new(q, "id", json_string(id)) ||
		    json_array_append_new(an.questions, q))
			goto fail_oom;
	}
	json_t *entities = entity_model_json(an.model);
	const char *t = title && *title ? title : an.doc.title ? an.doc.title : "Untitled";
	failed = !entities ||
		 json_object_set_new(a, "title", json_string(t)) ||
		 json_object_set_new(a, "engine", json_string("rules")) ||
		 json_object_set_new(a, "goals", an.goals) ||
		 json_object_set_new(a, "nfrs", an.nfrs) ||
		 json_object_set_new(a, "entities", entities) ||
		 json_object_set_new(a, "questions", an.questions);
	an.goals = an.nfrs = an.questions = NULL;
	if (failed)
		goto fail_oom;
	if (!json_object_get(a, "stories"))
		json_object_set_new(a, "stories", json_array());
	analysis_release(&an);
	return a;
fail_oom:
	oom();
fail:
	json_decref(an.goals);
	json_decref(an.nfrs);
	json_decref(an.questions);
	json_decref(a);
	analysis_release(&an);
	return NULL;
}

/* --- artifacts ----------------------------------------------------------- */

struct emit_ctx {
	struct workspace *ws;
	const char *dir;
	json_t *records;
};

static int emit_file(void *ctx, const char *relpath, const char *data, size_t len)
{
	struct emit_ctx *e = ctx;
	struct artifact art;
	struct buf path = BUF_INIT;
	json_t *rec;
	int r;

	if (buf_addf(&path, "%s/%s", e->dir, relpath) < 0)
		return -1;
	r = workspace_write(e->ws, path.p, data, len, &art);
	buf_release(&path);
	if (r < 0)
		return -1;
	rec = artifact_to_json(&art);
	artifact_release(&art);
	if (!rec || json_array_append_new(e->records, rec))
		return oom();
	return 0;
}

int analyze_write_artifacts(struct workspace *ws, const char *dir, json_t *a)
{
	struct emit_ctx e = { ws, dir, json_array() };
	static const struct {
		const char *name;
		int (*render)(const json_t *, struct buf *);
	} docs[] = {
		{ "requirements.md", render_prd },
		{ "stories.feature", render_feature },
		{ "model.json", render_model },
	};
	int r = e.records ? 0 : oom();

	for (size_t i = 0; !r && i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct buf b = BUF_INIT;
		r = docs[i].render(a, &b);
		if (!r)
			r = emit_file(&e, docs[i].name, b.p ? b.p : "", b.len);
		buf_release(&b);
	}
	if (!r)
		r = render_wireframes(a, emit_file, &e);
	if (!r && json_object_set(a, "artifacts", e.records))
		r = oom();
	json_decref(e.records);
	return r;
}

/* --- the classifier's interface ------------------------------------------ */


/* A line that is not UTF-8 is still classified: its bad bytes become U+FFFD. */
int analyze_classify_line(const char *line, size_t len, struct buf *out)
{
	struct words w = WORDS_INIT;
	struct nfr_class c;
	json_t *o;
	char *s;
	int r = -1;

	if (words_split(&w, line, len) < 0 || classify_requirement(&w, &c) < 0)
		goto out;
	o = json_pack("{s:o, s:s, s:o}", "text", words_text_json(line, len), "class", c.category,
		      "cue", words_text_json(c.cue, strlen(c.cue)));
	if (!o) {
		oom();
		goto out;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s) {
		oom();
		goto out;
	}
	r = buf_addstr(out, s);
	free(s);
out:
	words_release(&w);
	return r;
}
