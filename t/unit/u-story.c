/*
 * u-story.c - unit tests for lib/analyze/story.c: the shape of a
 * requirement sentence (goal, rule, story or nothing; who acts; how
 * strongly it is asked for), the stories drawn from a goal (one per joined
 * action, the role, the condition, the benefit, the system's own goals),
 * the Given/When/Then criteria with the rules that constrain a story, and
 * the small word helpers (role names, articles, pronouns). Stories are
 * compared whole as "role|goal|benefit|priority|system|condition" lines,
 * criteria as compact JSON. Then hostile input: nothing, half sentences,
 * control bytes, other scripts, a sentence of a megabyte and a half.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "analyze/story.h"
#include "analyze/words.h"
#include "tap.h"
#include "banned.h"

#define DEFAULT_ROLE "member"

static struct words w = WORDS_INIT;

static void split(const char *s, size_t len)
{
	if (words_split(&w, s, len) != 0) {
		printf("Bail out! words_split failed\n");
		exit(1);
	}
}

static const char *kind_name(enum shape_kind k)
{
	switch (k) {
	case SHAPE_NONE:
		return "NONE";
	case SHAPE_GOAL:
		return "GOAL";
	case SHAPE_RULE:
		return "RULE";
	case SHAPE_STORY:
		return "STORY";
	}
	return "?";
}

/* The stories of l, one a line: role|goal|benefit|priority|system|condition. */
static void dump_stories(const struct story_list *l, struct buf *b)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct story *st = &l->v[i];
		buf_addf(b, "%s|%s|%s|%s|%d|%s\n", st->role, st->goal, st->benefit,
			 st->priority ? st->priority : "(null)", st->system,
			 st->condition ? st->condition : "-");
	}
}

/* The compact JSON of a new value (freed here), or "(null)". */
static void json_is(json_t *j, const char *want, const char *name)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	is_str(s ? s : "(null)", want, "%s", name);
	free(s);
	json_decref(j);
}

/*
 * The shape of s as "KIND priority" and its stories (default role
 * "member"), compared whole with want_shape and want_stories.
 */
static void story_is(const char *s, int list_item, const char *section, const char *want_shape,
		     const char *want_stories)
{
	struct shape sh;
	struct story_list l = { 0 };
	struct buf b = BUF_INIT;
	int n;

	split(s, strlen(s));
	memset(&sh, 0x5a, sizeof(sh));
	story_shape(&w, list_item, section, &sh);
	buf_addf(&b, "%s %s", kind_name(sh.kind), sh.priority ? sh.priority : "(null)");
	is_str(b.p, want_shape, "shape of: %s [%s]", s, section ? section : "");
	buf_reset(&b);
	n = story_extract(&w, s, strlen(s), &sh, DEFAULT_ROLE, &l);
	is_int(n, (long long)l.n, "story_extract returns the count: %s", s);
	dump_stories(&l, &b);
	is_str(b.p ? b.p : "", want_stories, "stories of: %s", s);
	story_list_release(&l);
	buf_release(&b);
}

static void shapes(void)
{
	struct shape sh;

	story_is("A task cannot be due in the past.", 0, NULL, "RULE must", "");
	story_is("Users must not delete other users' tasks.", 0, NULL, "RULE must", "");
	story_is("Only administrators shall delete accounts.", 0, NULL, "RULE must", "");
	story_is("A task has a title.", 0, NULL, "NONE must", "");
	story_is("A task can have several tags.", 0, NULL, "NONE could", "");
	story_is("The system shall be stored in the cloud.", 0, NULL, "RULE must", "");
	story_is("The report shall list all overdue tasks.", 0, NULL, "RULE must", "");

	/* a fact about two things, joined: the second clause is not a goal */
	split("A warehouse has many products, and a product can be stored in several warehouses.",
	      strlen("A warehouse has many products, and a product can be stored in several "
		     "warehouses."));
	story_shape(&w, 0, NULL, &sh);
	ok(sh.kind != SHAPE_GOAL, "a fact about warehouses and products is not a goal (%s)",
	   kind_name(sh.kind));
	{
		struct story_list l = { 0 };
		is_int(story_extract(&w, "x", 1, &sh, DEFAULT_ROLE, &l), 0,
		       "a fact about warehouses and products gives no story");
		story_list_release(&l);
	}

	/* shape fields */
	split("The system shall send a reminder.", strlen("The system shall send a reminder."));
	story_shape(&w, 0, NULL, &sh);
	ok(sh.kind == SHAPE_GOAL && sh.modal == 2 && sh.subject_start == 1 && sh.system_subject &&
	   !sh.no_actor, "system shape: modal 2, subject 1, the system acts");
	split("Team leads should be able to assign a task.",
	      strlen("Team leads should be able to assign a task."));
	story_shape(&w, 0, NULL, &sh);
	ok(sh.kind == SHAPE_GOAL && sh.modal == 2 && sh.subject_start == 0 && !sh.system_subject &&
	   !sh.no_actor, "actor shape: modal 2, subject 0, an actor");
	split("It should be possible to export data.", strlen("It should be possible to export data."));
	story_shape(&w, 0, NULL, &sh);
	ok(sh.kind == SHAPE_GOAL && sh.modal == 1 && sh.no_actor && !sh.system_subject,
	   "impersonal shape: no actor");
	split("Export the task list", strlen("Export the task list"));
	story_shape(&w, 0, NULL, &sh);
	is_str(kind_name(sh.kind), "NONE", "a verb phrase alone is no requirement");
	story_shape(&w, 1, NULL, &sh);
	is_str(kind_name(sh.kind), "GOAL", "a verb phrase as a list item is a goal");
	is_int(sh.modal, -1, "a list item goal has no modal");
}

static void goals(void)
{
	story_is("Users must be able to create, edit and delete their tasks.", 0, NULL,
		 "GOAL must",
		 "user|create my tasks||must|0|-\n"
		 "user|edit my tasks||must|0|-\n"
		 "user|delete my tasks||must|0|-\n");
	story_is("Team leads should be able to assign a task to a member.", 0, NULL,
		 "GOAL should",
		 "team lead|assign a task to a member||should|0|-\n");
	story_is("The system shall send a reminder when a task is due tomorrow.", 0, NULL,
		 "GOAL must",
		 DEFAULT_ROLE "|have the system send a reminder||must|1|a task is due tomorrow\n");
	story_is("As a member, I want to mark a task as done, so that my team sees progress.", 0,
		 NULL, "STORY must",
		 "member|mark a task as done|my team sees progress|must|0|-\n");
	story_is("As an editor I want to be alerted when a comment is posted.", 0, NULL,
		 "STORY must",
		 "editor|be alerted when a comment is posted||must|0|a comment is posted\n");
	story_is("In order to plan my week, as a member I want to see my tasks.", 0, NULL,
		 "STORY must",
		 "member|see my tasks|plan my week|must|0|-\n");
	story_is("Managers must approve a request and notify the requester.", 0, NULL,
		 "GOAL must",
		 "manager|approve a request||must|0|-\n"
		 "manager|notify the requester||must|0|-\n");
	story_is("When a task is overdue, users shall receive an e-mail.", 0, NULL, "GOAL must",
		 "user|receive an e-mail||must|0|a task is overdue\n");
	story_is("Users must be able to log in with their e-mail address.", 0, NULL, "GOAL must",
		 "user|log in with my e-mail address||must|0|-\n");
	story_is("The application must let users delete their account.", 0, NULL, "GOAL must",
		 "user|delete my account||must|0|-\n");
	story_is("Admins should be able to reset passwords of users.", 0, NULL, "GOAL should",
		 "admin|reset passwords of users||should|0|-\n");
	story_is("Warehouse managers must be able to export the stock list.", 0, NULL, "GOAL must",
		 "warehouse manager|export the stock list||must|0|-\n");
	/* nobody named: the default role */
	story_is("It should be possible to export data.", 0, NULL, "GOAL should",
		 DEFAULT_ROLE "|export data||should|0|-\n");
	story_is("must create a task", 0, NULL, "GOAL must",
		 DEFAULT_ROLE "|create a task||must|0|-\n");

	/* "allow users to ...": the users' story, not the system's */
	{
		static const char s[] =
			"The system shall allow users to export reports as CSV so that they can share them.";
		struct shape sh;
		struct story_list l = { 0 };

		split(s, sizeof(s) - 1);
		story_shape(&w, 0, NULL, &sh);
		is_str(kind_name(sh.kind), "GOAL", "allow users: a goal");
		if (is_int(story_extract(&w, s, sizeof(s) - 1, &sh, DEFAULT_ROLE, &l), 1,
			   "allow users: one story")) {
			is_str(l.v[0].role, "user", "allow users: role");
			is_str(l.v[0].goal, "export reports as CSV", "allow users: goal");
			is_str(l.v[0].priority, "must", "allow users: priority");
			is_int(l.v[0].system, 0, "allow users: not the system's goal");
			ok(l.v[0].condition == NULL, "allow users: no condition");
			ok(l.v[0].benefit && strstr(l.v[0].benefit, "can share them"),
			   "allow users: the benefit is kept (%s)", l.v[0].benefit);
		}
		story_list_release(&l);
	}
}

/* Sentences that once came out wrong. */
static void regressions(void)
{
	story_is("It must be possible to export data.", 0, NULL, "GOAL must",
		 "member|export data||must|0|-\n");
	story_is("There must be a way to export data.", 0, NULL, "GOAL must",
		 "member|export data||must|0|-\n");
	story_is("Users can archive a project (P2).", 0, NULL, "GOAL should",
		 "user|archive a project||should|0|-\n");
	story_is("The system sends a weekly digest to every member.", 0, NULL, "GOAL must",
		 "member|have the system send a weekly digest to every member||must|1|-\n");
	story_is("The service notifies the owner.", 0, NULL, "GOAL must",
		 "member|have the system notify the owner||must|1|-\n");
	story_is("Export the task list.", 1, NULL, "GOAL must",
		 "member|export the task list||must|0|-\n");
	story_is("Users should be able to share a task with others if needed.", 0, NULL,
		 "GOAL should", "user|share a task with others||should|0|-\n");
	story_is("Users must be able to create a task etc.", 0, NULL, "GOAL must",
		 "user|create a task||must|0|-\n");
	story_is("Users can export reports so that they can share them with their team.", 0, NULL,
		 "GOAL could", "user|export reports|I can share them with my team|could|0|-\n");
	story_is("As a user, I want to", 0, NULL, "STORY must", "");
}

static void priorities(void)
{
	story_is("Users may export data.", 0, NULL, "GOAL could", "user|export data||could|0|-\n");
	story_is("Users could archive a project.", 0, NULL, "GOAL could",
		 "user|archive a project||could|0|-\n");
	story_is("Users would like to archive a project.", 0, NULL, "GOAL could",
		 "user|archive a project||could|0|-\n");
	story_is("Users need to archive projects.", 0, NULL, "GOAL must",
		 "user|archive projects||must|0|-\n");
	story_is("Users are able to archive projects.", 0, NULL, "GOAL must",
		 "user|archive projects||must|0|-\n");
	story_is("Users won't archive projects.", 0, NULL, "GOAL wont",
		 "user|archive projects||wont|0|-\n");
	story_is("Users will not be able to delete projects.", 0, NULL, "GOAL wont",
		 "user|delete projects||wont|0|-\n");
	story_is("Users can optionally archive a project.", 0, NULL, "GOAL could",
		 "user|archive a project||could|0|-\n");
	story_is("Nice to have: users can archive a project.", 0, NULL, "GOAL could",
		 "user|archive a project||could|0|-\n");

	/* explicit markers win over the modal verb (the goal is checked elsewhere) */
	static const struct { const char *s, *want; } markers[] = {
		{ "Users can archive a project (P1).", "GOAL must" },
		{ "Users can archive a project (P2).", "GOAL should" },
		{ "Users can archive a project (P3).", "GOAL could" },
		{ "Users must archive a project (optional).", "GOAL could" },
		{ "Users must archive a project (nice to have).", "GOAL could" },
		{ "Users can archive a project (mandatory).", "GOAL must" },
	};
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		struct shape sh;
		char got[64];

		split(markers[i].s, strlen(markers[i].s));
		story_shape(&w, 0, NULL, &sh);
		snprintf(got, sizeof(got), "%s %s", kind_name(sh.kind), sh.priority);
		is_str(got, markers[i].want, "marker: %s", markers[i].s);
	}

	/* the section sets the priority */
	story_is("Users can export their tasks.", 1, "Out of scope", "GOAL wont",
		 "user|export my tasks||wont|0|-\n");
	story_is("Users can export their tasks.", 1, "Should have", "GOAL should",
		 "user|export my tasks||should|0|-\n");
	story_is("Users can export their tasks.", 1, "Must have", "GOAL must",
		 "user|export my tasks||must|0|-\n");
	story_is("Users can export their tasks.", 0, "Won't have", "GOAL wont",
		 "user|export my tasks||wont|0|-\n");
	story_is("Users can export their tasks.", 0, "Could have", "GOAL could",
		 "user|export my tasks||could|0|-\n");
	story_is("Users can export their tasks.", 0, "Future ideas", "GOAL wont",
		 "user|export my tasks||wont|0|-\n");
	story_is("Users can export their tasks.", 0, "Features", "GOAL could",
		 "user|export my tasks||could|0|-\n");
}

/* --- criteria ------------------------------------------------------------ */

/* The criteria of the first story of s (default role "member"). */
static void extracted_criteria_is(const char *s, const char *want)
{
	struct shape sh;
	struct story_list l = { 0 };

	split(s, strlen(s));
	story_shape(&w, 0, NULL, &sh);
	if (story_extract(&w, s, strlen(s), &sh, DEFAULT_ROLE, &l) < 1 || !l.n)
		ok(0, "criteria of: %s (no story)", s);
	else
		json_is(story_criteria(&l.v[0], NULL), want, s);
	story_list_release(&l);
}

static void criteria_is(const char *role, const char *goal, const char *section,
			const struct story_rules *rules, const char *want)
{
	struct story st;
	char name[256];

	memset(&st, 0, sizeof(st));
	st.role = (char *)role;
	st.goal = (char *)goal;
	st.benefit = (char *)"";
	st.priority = "must";
	st.section = section;
	snprintf(name, sizeof(name), "criteria: %s [%s]", goal, section ? section : "no section");
	json_is(story_criteria(&st, rules), want, name);
}

#define BASE(role, when, then) "{\"given\":\"" role "\",\"when\":\"" when "\",\"then\":\"" then "\"}"

static void criteria(void)
{
	static const struct story_rule rules[] = {
		{ "A task cannot be due in the past.", "Tasks" },
		{ "A due date is required.", "Tasks" },
		{ "Only admins can delete projects.", "Projects" },
		{ "A project name must be unique.", "Projects" },
		{ "Archived projects cannot be edited.", "Projects" },
		{ "Deleted items go to the trash.", "Projects" },
		{ "A task cannot be due in the past.", "Other" },
		{ "Reports are deleted after a year.", "Reports" },
	};
	struct story_rules *rs = story_rules_new(rules, sizeof(rules) / sizeof(rules[0]));
	struct story_rules *none = story_rules_new(NULL, 0);

	extracted_criteria_is("The system shall send a reminder when a task is due tomorrow.",
			      "[" BASE("a member", "a task is due tomorrow",
				       "the system sends a reminder") "]");
	extracted_criteria_is("As a member, I want to mark a task as done, so that my team sees progress.",
			      "[" BASE("a member", "they mark a task as done",
				       "the task is marked as done") "]");
	extracted_criteria_is("Users must be able to log in with their e-mail address.",
			      "[" BASE("a user", "they log in with their e-mail address",
				       "they are signed in") "]");
	extracted_criteria_is("As an editor I want to be alerted when a comment is posted.",
			      "[" BASE("an editor", "a comment is posted",
				       "they are alerted when a comment is posted") "]");
	extracted_criteria_is("When a task is overdue, users shall receive an e-mail.",
			      "[" BASE("a task is overdue", "they receive an e-mail",
				       "they receive the e-mail") "]");
	extracted_criteria_is("Users must be able to create, edit and delete their tasks.",
			      "[" BASE("a user", "they create their tasks",
				       "the new task is saved and they can see it") "]");
	extracted_criteria_is("Team leads should be able to assign a task to a member.",
			      "[" BASE("a team lead", "they assign a task to a member",
				       "the task is assigned to a member") "]");

	if (!ok(rs && none, "story_rules_new")) {
		story_rules_free(rs);
		story_rules_free(none);
		return;
	}
	/* a writing verb takes the rules about its object and in its section;
	 * the same text under another heading comes once */
	criteria_is("user", "create a task with a title", "Tasks", rs,
		    "[" BASE("a user", "they create a task with a title",
			     "the new task is saved and they can see it") ","
		    BASE("a user", "they create a task with a title", "a task cannot be due in the past") ","
		    BASE("a user", "they create a task with a title", "a due date is required") "]");
	criteria_is("user", "create a task with a title", NULL, rs,
		    "[" BASE("a user", "they create a task with a title",
			     "the new task is saved and they can see it") ","
		    BASE("a user", "they create a task with a title", "a task cannot be due in the past") "]");
	/* another verb: only rules that name its action, by object or section */
	criteria_is("admin", "delete a project", "Projects", rs,
		    "[" BASE("an admin", "they delete a project", "the project no longer appears") ","
		    BASE("an admin", "they delete a project", "only admins can delete projects") ","
		    BASE("an admin", "they delete a project", "deleted items go to the trash") "]");
	criteria_is("admin", "delete a project", NULL, rs,
		    "[" BASE("an admin", "they delete a project", "the project no longer appears") ","
		    BASE("an admin", "they delete a project", "only admins can delete projects") "]");
	criteria_is("user", "archive a project", "Projects", rs,
		    "[" BASE("a user", "they archive a project",
			     "the project is archived and no longer listed") ","
		    BASE("a user", "they archive a project", "archived projects cannot be edited") "]");
	criteria_is("user", "view a report", "Reports", rs,
		    "[" BASE("a user", "they view a report", "they see the report") "]");
	criteria_is("user", "delete a report", "Reports", rs,
		    "[" BASE("a user", "they delete a report", "the report no longer appears") ","
		    BASE("a user", "they delete a report", "reports are deleted after a year") "]");
	criteria_is("user", "delete a report", NULL, rs,
		    "[" BASE("a user", "they delete a report", "the report no longer appears") ","
		    BASE("a user", "they delete a report", "reports are deleted after a year") "]");
	/* no rules; an empty role reads as a user */
	criteria_is("user", "create a task", NULL, NULL,
		    "[" BASE("a user", "they create a task", "the new task is saved and they can see it") "]");
	criteria_is("", "create a task", "Tasks", none,
		    "[" BASE("a user", "they create a task", "the new task is saved and they can see it") "]");
	criteria_is("user", "update my profile", NULL, NULL,
		    "[" BASE("a user", "they update their profile", "the profile shows their changes") "]");
	criteria_is("user", "sign up", NULL, NULL,
		    "[" BASE("a user", "they sign up", "they have an account and are signed in") "]");
	story_rules_free(rs);
	story_rules_free(none);

	/* at most 16 rules, the first in document order */
	{
		struct story_rule many[20];
		char text[20][64];
		struct story st;
		json_t *c;

		for (int i = 0; i < 20; i++) {
			snprintf(text[i], sizeof(text[i]), "A task cannot have more than %d tags.", i + 1);
			many[i].text = text[i];
			many[i].section = "Tasks";
		}
		rs = story_rules_new(many, 20);
		memset(&st, 0, sizeof(st));
		st.role = (char *)"user";
		st.goal = (char *)"create a task";
		st.benefit = (char *)"";
		st.section = "Tasks";
		c = story_criteria(&st, rs);
		is_int((long long)json_array_size(c), 17, "16 rules at most, and the outcome");
		is_str(json_string_value(json_object_get(json_array_get(c, 16), "then")),
		       "a task cannot have more than 16 tags", "the 16th rule is the last");
		json_decref(c);
		story_rules_free(rs);
	}
}

/* --- word helpers -------------------------------------------------------- */

static void helpers(void)
{
	static const struct { const char *word, *article; } articles[] = {
		{ "user", "a" }, { "admin", "an" }, { "update", "an" }, { "unit", "a" },
		{ "editor", "an" }, { "owner", "an" }, { "item", "an" }, { "manager", "a" },
		{ "uncle", "an" }, { "umbrella", "an" }, { "union", "a" }, { "usual", "a" },
		{ "upgrade", "an" },
	};
	static const struct { const char *phrase, *name; } roles[] = {
		{ "Warehouse managers", "warehouse manager" }, { "an Administrator", "administrator" },
		{ "users", "user" }, { "", "" }, { "Team leads", "team lead" },
		{ "all registered customers", "registered customer" },
	};
	static const struct { const char *in, *first, *third; } persons[] = {
		{ "update their profile", "update my profile", "update their profile" },
		{ "update my profile", "update my profile", "update their profile" },
		{ "see them and their own tasks themselves", "see them and my own tasks myself",
		  "see them and their own tasks themselves" },
		{ "I see mine", "I see mine", "they see theirs" },
		{ "thematic theory", "thematic theory", "thematic theory" },
		{ "", "", "" },
	};
	char out[64], tiny[5];

	for (size_t i = 0; i < sizeof(articles) / sizeof(articles[0]); i++)
		is_str(story_article(articles[i].word), articles[i].article, "article of %s",
		       articles[i].word);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		is_str(story_role_name(roles[i].phrase, strlen(roles[i].phrase), out, sizeof(out)),
		       roles[i].name, "role name of '%s'", roles[i].phrase);
	is_str(story_role_name("Warehouse managers", 18, tiny, sizeof(tiny)), "ware",
	       "role name: cut to the buffer");
	ok(story_role_name("x", 1, tiny, 0) == tiny, "role name: no room, out returned");
	for (size_t i = 0; i < sizeof(persons) / sizeof(persons[0]); i++) {
		char *a = story_person(persons[i].in, 1), *b = story_person(persons[i].in, 0);
		is_str(a, persons[i].first, "first person of '%s'", persons[i].in);
		is_str(b, persons[i].third, "third person of '%s'", persons[i].in);
		free(a);
		free(b);
	}
}

/* --- hostile input ------------------------------------------------------- */

static void hostile(void)
{
	struct shape sh;
	struct story_list l = { 0 };

	/* nothing */
	split("", 0);
	story_shape(&w, 0, NULL, &sh);
	is_str(kind_name(sh.kind), "NONE", "empty: no shape");
	is_int(story_extract(&w, "", 0, &sh, DEFAULT_ROLE, &l), 0, "empty: no story");

	/* half sentences: no story without a goal */
	story_is("Users must", 0, NULL, "GOAL must", "");
	story_is("Users must be able to", 0, NULL, "GOAL must", "");
	story_is("The system shall", 0, NULL, "GOAL must", "");
	story_is("If a task is late, the system shall", 0, NULL, "GOAL must", "");
	story_is("When x,", 0, NULL, "NONE must", "");
	story_is("As a", 0, NULL, "NONE must", "");
	story_is("As a user, I want", 0, NULL, "STORY must", "");
	story_is("Users must be able to create a task so that", 0, NULL, "GOAL must",
		 "user|create a task||must|0|-\n");

	/* other scripts and control bytes */
	story_is("Die Benutzer m\xc3\xbcssen Aufgaben anlegen k\xc3\xb6nnen.", 0, NULL, "NONE must", "");
	story_is("\xd0\x9f\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5"
		 "\xd0\xbb\xd0\xb8 \xd0\xb4\xd0\xbe\xd0\xbb\xd0\xb6\xd0\xbd\xd1\x8b.", 0, NULL,
		 "NONE must", "");
	story_is("\x01\x02 must \x7f\x1b.", 0, NULL, "GOAL must", "");

	/* 16 joined goals: 16 stories */
	story_is("Users must be able to create tasks and edit tasks and delete tasks and view tasks "
		 "and archive tasks and restore tasks and share tasks and assign tasks and mark tasks "
		 "and print tasks and copy tasks and move tasks and rename tasks and tag tasks and "
		 "rate tasks and review tasks.", 0, NULL, "GOAL must",
		 "user|create tasks||must|0|-\n" "user|edit tasks||must|0|-\n"
		 "user|delete tasks||must|0|-\n" "user|view tasks||must|0|-\n"
		 "user|archive tasks||must|0|-\n" "user|restore tasks||must|0|-\n"
		 "user|share tasks||must|0|-\n" "user|assign tasks||must|0|-\n"
		 "user|mark tasks||must|0|-\n" "user|print tasks||must|0|-\n"
		 "user|copy tasks||must|0|-\n" "user|move tasks||must|0|-\n"
		 "user|rename tasks||must|0|-\n" "user|tag tasks||must|0|-\n"
		 "user|rate tasks||must|0|-\n" "user|review tasks||must|0|-\n");

	/* a sentence of 1.5 MB: one story, whole */
	{
		struct buf b = BUF_INIT, want = BUF_INIT;
		size_t n = 100000;

		buf_addstr(&b, "Users must be able to create ");
		buf_addstr(&want, "create ");
		for (size_t i = 0; i < n; i++) {
			buf_addstr(&b, "tasks and ");
			buf_addstr(&want, "tasks and ");
		}
		buf_addstr(&b, "notes so that ");
		buf_addstr(&want, "notes");
		for (size_t i = 0; i < n; i++)
			buf_addstr(&b, "they ");
		buf_addstr(&b, "can work.");
		split(b.p, b.len);
		story_shape(&w, 0, NULL, &sh);
		is_str(kind_name(sh.kind), "GOAL", "huge: a goal");
		if (is_int(story_extract(&w, b.p, b.len, &sh, DEFAULT_ROLE, &l), 1, "huge: one story")) {
			is_str(l.v[0].role, "user", "huge: role");
			ok(!strcmp(l.v[0].goal, want.p), "huge: the whole goal (%zu bytes)",
			   strlen(l.v[0].goal));
			/* in the first person: "they " becomes "I " */
			is_int((long long)strlen(l.v[0].benefit), (long long)n * 2 + 8,
			       "huge: the whole benefit, in the first person");
			json_t *c = story_criteria(&l.v[0], NULL);
			is_int((long long)json_array_size(c), 1, "huge: one criterion");
			json_decref(c);
		}
		story_list_release(&l);

		/* a subject of 100000 words */
		buf_reset(&b);
		for (size_t i = 0; i < n; i++)
			buf_addstr(&b, "big ");
		buf_addstr(&b, "users must be able to create tasks.");
		split(b.p, b.len);
		story_shape(&w, 0, NULL, &sh);
		is_int(sh.modal, (long long)n + 1, "long subject: the modal found");
		is_int(story_extract(&w, b.p, b.len, &sh, DEFAULT_ROLE, &l), (long long)l.n,
		       "long subject: extract does not fail");
		story_list_release(&l);
		buf_release(&b);
		buf_release(&want);
	}
}

int main(void)
{
	shapes();
	goals();
	priorities();
	regressions();
	criteria();
	helpers();
	hostile();
	words_release(&w);
	return done_testing();
}
