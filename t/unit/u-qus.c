/*
 * u-qus.c - unit tests for lib/analyze/qus.c: reading Connextra stories,
 * the Quality User Story checks of one story and of a set, and the backlog
 * lint. Defects are compared as whole compact JSON. Then hostile input:
 * empty text, invalid UTF-8, other scripts, a megabyte story and a
 * megabyte backlog, a writer that fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "analyze/qus.h"
#include "tap.h"

/* "role|goal|benefit" of s ("-" for no benefit), or "not a story". */
static void parse_is(const char *s, const char *want)
{
	struct story_parts sp;
	char got[512];

	if (qus_parse(s, strlen(s), &sp) != 1)
		snprintf(got, sizeof(got), "not a story");
	else
		snprintf(got, sizeof(got), "%.*s|%.*s|%.*s", (int)sp.role_len, sp.role,
			 (int)sp.goal_len, sp.goal, sp.benefit ? (int)sp.benefit_len : 1,
			 sp.benefit ? sp.benefit : "-");
	is_str(got, want, "parse: %s", s);
}

static void parsing(void)
{
	struct story_parts sp;

	parse_is("As a user, I want to create a task, so that I remember what to do.",
		 "user|create a task|I remember what to do");
	parse_is("As an administrator I want to add users", "administrator|add users|-");
	parse_is("as the  Warehouse Manager,I'd like to see stock levels.",
		 "Warehouse Manager|see stock levels|-");
	parse_is("As a user, I would like my tasks sorted so I can find them.",
		 "user|my tasks sorted|I can find them");
	parse_is("As a user, I need to export data in order to archive it.",
		 "user|export data|archive it");
	parse_is("As a guest, I can browse the catalogue.", "guest|browse the catalogue|-");
	parse_is("In order to plan my week, as a manager, I want to see all tasks due.",
		 "manager|see all tasks due|plan my week");
	parse_is("- As a user, I want to log in.", "user|log in|-");
	parse_is("3. As a user, I want to log out!", "user|log out|-");
	parse_is("As a user, I want to see tasks, e.g. overdue ones. Then more text.",
		 "user|see tasks, e.g. overdue ones|-");
	parse_is("As a user, I want tomatoes.", "user|tomatoes|-");
	parse_is("As a user I\xe2\x80\x99" "d like to rate a recipe", "user|rate a recipe|-");
	parse_is("I want to add tasks.", "not a story");
	parse_is("As a, I want to log in.", "not a story");
	parse_is("As a user, I want", "not a story");
	parse_is("As soon as possible, I want things.", "not a story");
	parse_is("Users can add tasks.", "not a story");
	parse_is("", "not a story");
	sp.role = "x";
	is_int(qus_parse("nothing", 7, &sp), 0, "parse: not a story returns 0");
	ok(sp.role == NULL && sp.goal == NULL && sp.benefit == NULL, "parse: the parts are cleared");
}

static void check(const char *s, int want_n, const char *want)
{
	json_t *out = json_array();
	int n = qus_check(s, strlen(s), out);
	char *got = json_dumps(out, JSON_COMPACT);

	is_str(got, want, "check: %s", s);
	is_int(n, want_n, "check: %s: count", s);
	free(got);
	json_decref(out);
}

#define ATOMIC(cue) \
	"[{\"rule\":\"atomic\",\"message\":\"the goal joins several actions or objects with \\\"" \
	cue "\\\": write one story for each\"}]"
#define NO_ROLE "{\"rule\":\"well_formed\",\"message\":\"no role: say who wants it, as in \\\"As a " \
	"<role>, I want ...\\\"\"}"
#define NOT_STORY "{\"rule\":\"well_formed\",\"message\":\"not a user story: expected \\\"As a " \
	"<role>, I want <goal>[, so that <benefit>]\\\"\"}"

static void checks(void)
{
	check("As a user, I want to create a task, so that I remember what to do.", 0, "[]");
	check("As a user, I want to create a task.", 0, "[]");
	check("As an administrator I want to add and delete users.", 1, ATOMIC("and"));
	check("As a user, I'd like to export tasks as CSV/Excel files.", 1, ATOMIC("CSV/Excel"));
	check("As a user, I want to import tasks as well as notes.", 1, ATOMIC("as well as"));
	check("As a user, I want to see tasks or notes.", 1, ATOMIC("or"));
	check("As a user, I want to edit R&D tasks & notes.", 1, ATOMIC("&"));
	check("As a user, I want to drag and drop tasks between lists.", 0, "[]");
	check("As a user, I want to see one or more tasks between Monday and Friday.", 0, "[]");
	check("As a user, I want to read TCP/IP logs, so that I can debug and fix faults.", 0, "[]");
	check("As a manager, I want to see the Q&A page, so that I can answer.", 0, "[]");
	check("As a user, I want a login page.", 1,
	      "[{\"rule\":\"full_sentence\",\"message\":\"the goal is not a verb phrase: say what the role "
	      "does, as in \\\"I want to <verb> ...\\\"\"}]");
	check("As a user, I want to see my tasks (sorted by date).", 1,
	      "[{\"rule\":\"minimal\",\"message\":\"extra text in parentheses or brackets: move it to the "
	      "description or the acceptance criteria\"}]");
	check("As a user, I want to see my tasks, e.g. overdue ones.", 1,
	      "[{\"rule\":\"minimal\",\"message\":\"an example or explanation (\\\"e.g.\\\"): move it to the "
	      "description or the acceptance criteria\"}]");
	check("As a user, I want to see my tasks. Note: see section 4.", 2,
	      "[{\"rule\":\"minimal\",\"message\":\"a reference to elsewhere (\\\"see\\\"): move it to the "
	      "description\"},{\"rule\":\"minimal\",\"message\":\"a note (\\\"Note:\\\"): move it to the "
	      "description\"}]");
	check("As a user, I want to see my tasks. They should be sorted.", 1,
	      "[{\"rule\":\"minimal\",\"message\":\"more than one sentence: keep the story to role, means "
	      "and end, and move the rest to the description\"}]");
	check("As a user, I want to to filter tasks, so that", 2,
	      "[{\"rule\":\"full_sentence\",\"message\":\"\\\"so that\\\" is followed by no benefit: give one "
	      "or leave it out\"},{\"rule\":\"full_sentence\",\"message\":\"a word twice in a row: \\\"to "
	      "to\\\"\"}]");
	check("As a user, I want to filter tasks,", 1,
	      "[{\"rule\":\"full_sentence\",\"message\":\"the sentence ends with \\\",\\\": finish it\"}]");
	check("As a user, I want to filter tasks by", 1,
	      "[{\"rule\":\"full_sentence\",\"message\":\"the sentence ends with \\\"by\\\": finish it\"}]");
	check("As a user, I want to see my tasks, see section 2, and add and delete (some) tasks", 3,
	      "[{\"rule\":\"atomic\",\"message\":\"the goal joins several actions or objects with \\\"and\\\": "
	      "write one story for each\"},{\"rule\":\"minimal\",\"message\":\"extra text in parentheses or "
	      "brackets: move it to the description or the acceptance criteria\"},{\"rule\":\"minimal\","
	      "\"message\":\"a reference to elsewhere (\\\"see\\\"): move it to the description\"}]");
	check("I want to add tasks.", 1, "[" NO_ROLE "]");
	check("As a, I want to log in.", 1, "[" NO_ROLE "]");
	check("As a user, the app shows my tasks.", 1,
	      "[{\"rule\":\"well_formed\",\"message\":\"no means: say what the role wants, as in \\\"I want "
	      "<goal>\\\"\"}]");
	check("As a user, I want", 1,
	      "[{\"rule\":\"well_formed\",\"message\":\"no goal: say what is wanted after \\\"I want\\\"\"}]");
	check("Users can add tasks.", 1, "[" NOT_STORY "]");
	check("As soon as possible, I want things.", 1, "[" NOT_STORY "]");
}

static void set_is(const char *const *texts, size_t n, int want_n, const char *want, const char *name)
{
	size_t lens[16];
	json_t *out = json_array();
	char *got;
	int r;

	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(texts[i]);
	r = qus_check_set(texts, lens, n, out);
	got = json_dumps(out, JSON_COMPACT);
	is_str(got, want, "set: %s", name);
	is_int(r, want_n, "set: %s: count", name);
	free(got);
	json_decref(out);
}

static void sets(void)
{
	static const char *const backlog[] = {
		"As a user, I want to add a task, so that I remember it.",
		"As a user, I want to delete tasks, so that the list stays short.",
		"As an admin, I need to add tasks, so that I remember them.",
		"as a user,  I want to add a task, so that I remember it!",
		"In order to plan, as a manager, I want to see the week.",
		"As a user, I want to edit a task in order to fix mistakes.",
		"Buy milk",
		"Buy milk",
	};
	static const char *const two[] = {
		"As a user, I want to add a task.",
		"As a user, I need to delete a task.",
	};
	static const char *const clean[] = {
		"As a user, I want to add a task.",
		"As a user, I want to delete a task, so that the list stays short.",
		"As an admin, I want to block a user, so that spam stops.",
	};

	set_is(backlog, 8, 6,
	       "[{\"story\":2,\"rule\":\"unique\",\"message\":\"the same goal as story 1: merge the two or say "
	       "how they differ\"},"
	       "{\"story\":2,\"rule\":\"uniform\",\"message\":\"uses \\\"I need\\\" where most stories use "
	       "\\\"I want\\\"\"},"
	       "{\"story\":3,\"rule\":\"unique\",\"message\":\"the same text as story 1: keep one of them\"},"
	       "{\"story\":4,\"rule\":\"uniform\",\"message\":\"starts with \\\"In order to\\\" where most "
	       "stories start with \\\"As a\\\"\"},"
	       "{\"story\":5,\"rule\":\"uniform\",\"message\":\"gives its benefit with \\\"in order to\\\" where "
	       "most stories use \\\"so that\\\"\"},"
	       "{\"story\":7,\"rule\":\"unique\",\"message\":\"the same text as story 7: keep one of them\"}]",
	       "duplicates and a minority template");
	set_is(two, 2, 0, "[]", "two templates: no majority");
	set_is(clean, 3, 0, "[]", "a uniform set without duplicates");
	set_is(NULL, 0, 0, "[]", "no stories");
}

static int collect(void *ctx, const char *line, size_t len)
{
	return buf_add(ctx, line, len);
}

static int fail_second(void *ctx, const char *line, size_t len)
{
	return ++*(int *)ctx == 2 ? ak_error(AK_EXIT_IOERR, "cannot write: disk full") : 0;
}

static void lint(void)
{
	static const char backlog[] =
		"# the backlog\n"
		"As a user, I want to add a task, so that I remember it.\r\n"
		"\n"
		"   # indented comment\n"
		"  As a user, I want to add and delete tasks.  \n"
		"As a user, I want to add a task, so that I remember it.\n"
		"Buy milk";
	struct buf out = BUF_INIT;
	int calls = 0;

	is_int(qus_lint(backlog, sizeof(backlog) - 1, collect, &out), 3, "lint: the number of defects");
	is_str(out.p,
	       "{\"line\":2,\"story\":\"As a user, I want to add a task, so that I remember it.\","
	       "\"defects\":[]}\n"
	       "{\"line\":5,\"story\":\"As a user, I want to add and delete tasks.\",\"defects\":[{\"rule\":"
	       "\"atomic\",\"message\":\"the goal joins several actions or objects with \\\"and\\\": write one "
	       "story for each\"}]}\n"
	       "{\"line\":6,\"story\":\"As a user, I want to add a task, so that I remember it.\","
	       "\"defects\":[{\"rule\":\"unique\",\"message\":\"the same text as line 2: keep one of them\"}]}\n"
	       "{\"line\":7,\"story\":\"Buy milk\",\"defects\":[" NOT_STORY "]}\n",
	       "lint: one line of JSON per story, comments and blank lines skipped");
	buf_reset(&out);
	is_int(qus_lint("", 0, collect, &out), 0, "lint: an empty backlog");
	is_int((long long)out.len, 0, "lint: writes nothing");
	is_int(qus_lint("# only\n\n  \n", 11, collect, &out), 0, "lint: only comments");
	is_int(qus_lint(backlog, sizeof(backlog) - 1, fail_second, &calls), -1,
	       "lint: a failing writer fails the lint");
	is_int(calls, 2, "lint: nothing is written after the failure");
	is_str(ak_errmsg(), "cannot write: disk full", "lint: the writer's message is kept");
	buf_release(&out);
}

static void hostile(void)
{
	size_t len = 1 << 20, o;
	char *big = malloc(len + 64);
	struct buf out = BUF_INIT;
	json_t *arr = json_array();
	long r;

	check("", 1, "[" NOT_STORY "]");
	is_int(qus_check(NULL, 0, arr), 1, "check: NULL text is not a story");
	json_decref(arr);
	check("As a \xff\xfe, I want to see \xc0\xaf and \xe2\x82.", 1,
	      "[{\"rule\":\"atomic\",\"message\":\"the goal joins several actions or objects with \\\"and\\\": "
	      "write one story for each\"}]");
	check("As a Benutzer, I want to Aufgaben sehen.", 0, "[]");
	check("As a 管理者, I want to 删除 任务 and 用户.", 1, ATOMIC("and"));
	check("Als Benutzer möchte ich Aufgaben anlegen.", 1, "[" NOT_STORY "]");
	check("As a \xe2\x80\x9cpower user\xe2\x80\x9d, I want to add tasks", 0, "[]");
	parse_is("As a \xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5"
		 "\xd0\xbb\xd1\x8c, I want to log in",
		 "\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb"
		 "\xd1\x8c|log in|-");
	{
		static const char bad[] = "As a user, I want to see \xff.\nbad \xc3\n";
		is_int(qus_lint(bad, sizeof(bad) - 1, collect, &out), 1, "lint: invalid UTF-8 lines");
		is_str(out.p, "{\"line\":1,\"story\":\"As a user, I want to see \xef\xbf\xbd.\",\"defects\":[]}\n"
			      "{\"line\":2,\"story\":\"bad \xef\xbf\xbd\",\"defects\":[" NOT_STORY "]}\n",
		       "lint: U+FFFD for the bytes that are not UTF-8");
		buf_reset(&out);
	}
	if (!big)
		return;

	/* a megabyte story: one long goal with a doubled word */
	o = (size_t)snprintf(big, len, "As a user, I want to ");
	while (o + 8 < len)
		memcpy(big + o, "see ", 4), o += 4;
	big[o] = '\0';
	check(big, 1, "[{\"rule\":\"full_sentence\",\"message\":\"a word twice in a row: \\\"see see\\\"\"}]");

	/* a megabyte of "As a " with no means */
	o = 0;
	while (o + 8 < len)
		memcpy(big + o, "As a As ", 8), o += 8;
	big[o] = '\0';
	arr = json_array();
	ok(qus_check(big, o, arr) >= 1, "check: 1 MiB without a means: a well_formed defect");
	is_str(json_string_value(json_object_get(json_array_get(arr, 0), "rule")), "well_formed",
	       "check: 1 MiB without a means: well_formed");
	json_decref(arr);

	/* a megabyte of every byte value */
	for (size_t i = 0; i < len; i++)
		big[i] = (char)(i * 13 % 256);
	arr = json_array();
	ok(qus_check(big, len, arr) >= 1, "check: 1 MiB of bytes: no failure");
	json_decref(arr);
	r = qus_lint(big, len, collect, &out);
	ok(r >= 1 && out.len > 0, "lint: 1 MiB of bytes: no failure");
	buf_reset(&out);

	/* a megabyte backlog of one story: every line after the first is a duplicate */
	{
		static const char line[] = "As a user, I want to add a task.\n";
		size_t n = 0;
		o = 0;
		while (o + sizeof(line) < len)
			memcpy(big + o, line, sizeof(line) - 1), o += sizeof(line) - 1, n++;
		r = qus_lint(big, o, collect, &out);
		is_int(r, (long long)n - 1, "lint: 1 MiB backlog: a unique defect for all but the first");
		ok(strstr(out.p, "{\"line\":2,\"story\":\"As a user, I want to add a task.\",\"defects\":"
			  "[{\"rule\":\"unique\",\"message\":\"the same text as line 1: keep one of them\"}]}\n") != NULL,
		   "lint: 1 MiB backlog: line 2 names line 1");
	}
	buf_release(&out);
	free(big);
}

int main(void)
{
	parsing();
	checks();
	sets();
	lint();
	hostile();
	return done_testing();
}
