/*
 * u-question.c - unit tests for lib/analyze/question.c: the open questions
 * asked about one requirement sentence. Each case compares the whole JSON
 * array questions_check appends (compact) with the expected text; then
 * sentences that must not give a question (a measure next to "quickly",
 * "breakfast", "by the scheduler", "is required"), and hostile input:
 * empty, invalid UTF-8, a NUL byte, other languages, a megabyte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "analyze/question.h"
#include "analyze/words.h"
#include "tap.h"

/* The questions of s[0..len) as compact JSON (malloc'd), *count their number. */
static char *ask(const char *s, size_t len, int is_nfr, int measurable, int *count)
{
	struct words w = WORDS_INIT;
	json_t *qs = json_array();
	char *out;

	if (words_split(&w, s, len) < 0) {
		printf("Bail out! words_split: %s\n", ak_errmsg());
		exit(1);
	}
	*count = questions_check(&w, s, len, is_nfr, measurable, qs);
	out = json_dumps(qs, JSON_COMPACT);
	json_decref(qs);
	words_release(&w);
	return out;
}

static void check(const char *s, int is_nfr, int measurable, int want_n, const char *want)
{
	int n;
	char *got = ask(s, strlen(s), is_nfr, measurable, &n);

	is_str(got, want, "%s", s);
	is_int(n, want_n, "%s: count", s);
	free(got);
}

static void no_question(const char *s, int is_nfr, int measurable)
{
	check(s, is_nfr, measurable, 0, "[]");
}

static void examples(void)
{
	check("The report is generated every night.", 0, 0, 1,
	      "[{\"kind\":\"passive\",\"text\":\"Who or what generates the report? \\\"is generated\\\" "
	      "names no actor.\",\"source\":\"The report is generated every night.\",\"cue\":\"is generated\"}]");
	check("It must be possible to export data.", 0, 0, 1,
	      "[{\"kind\":\"missing_actor\",\"text\":\"Who must be able to export data?\","
	      "\"source\":\"It must be possible to export data.\",\"cue\":\"It must\"}]");
	check("The system must be fast and user-friendly.", 1, 0, 3,
	      "[{\"kind\":\"vague\",\"text\":\"What does \\\"fast\\\" mean here? Give a measure (for example "
	      "a time in milliseconds).\",\"source\":\"The system must be fast and user-friendly.\","
	      "\"cue\":\"fast\"},"
	      "{\"kind\":\"vague\",\"text\":\"What does \\\"user-friendly\\\" mean here? Give a measure (for "
	      "example a task success rate, or the number of steps).\",\"source\":\"The system must be fast "
	      "and user-friendly.\",\"cue\":\"user-friendly\"},"
	      "{\"kind\":\"nfr_without_measure\",\"text\":\"How will this be measured? Give a number and a "
	      "unit.\",\"source\":\"The system must be fast and user-friendly.\",\"cue\":\"\"}]");
	check("The price is TBD and the currency is to be decided ???", 0, 0, 3,
	      "[{\"kind\":\"tbd\",\"text\":\"This part is not decided yet: \\\"TBD\\\".\",\"source\":\"The "
	      "price is TBD and the currency is to be decided ???\",\"cue\":\"TBD\"},"
	      "{\"kind\":\"tbd\",\"text\":\"This part is not decided yet: \\\"to be decided\\\".\",\"source\":"
	      "\"The price is TBD and the currency is to be decided ???\",\"cue\":\"to be decided\"},"
	      "{\"kind\":\"tbd\",\"text\":\"This part is not decided yet: \\\"???\\\".\",\"source\":\"The "
	      "price is TBD and the currency is to be decided ???\",\"cue\":\"???\"}]");
	check("Support PDF, Word, etc. and/or Excel as appropriate.", 0, 0, 3,
	      "[{\"kind\":\"vague\",\"text\":\"List every case instead of \\\"etc.\\\".\",\"source\":\"Support "
	      "PDF, Word, etc. and/or Excel as appropriate.\",\"cue\":\"etc.\"},"
	      "{\"kind\":\"vague\",\"text\":\"Which one: and, or, or both?\",\"source\":\"Support PDF, Word, "
	      "etc. and/or Excel as appropriate.\",\"cue\":\"and/or\"},"
	      "{\"kind\":\"vague\",\"text\":\"Who decides what is appropriate, and by which rule?\",\"source\":"
	      "\"Support PDF, Word, etc. and/or Excel as appropriate.\",\"cue\":\"as appropriate\"}]");
	check("Passwords must be stored encrypted.", 0, 0, 1,
	      "[{\"kind\":\"passive\",\"text\":\"Who or what stores passwords? \\\"must be stored\\\" names no "
	      "actor.\",\"source\":\"Passwords must be stored encrypted.\",\"cue\":\"must be stored\"}]");
	check("There should be a way to reset a password.", 0, 0, 1,
	      "[{\"kind\":\"missing_actor\",\"text\":\"Who should be able to reset a password?\",\"source\":"
	      "\"There should be a way to reset a password.\",\"cue\":\"There should\"}]");
	check("It must support PDF.", 0, 0, 1,
	      "[{\"kind\":\"missing_actor\",\"text\":\"Who or what must support PDF? \\\"It\\\" does not "
	      "say.\",\"source\":\"It must support PDF.\",\"cue\":\"It must\"}]");
	check("Must export data as CSV.", 0, 0, 1,
	      "[{\"kind\":\"missing_actor\",\"text\":\"Who or what must export data as CSV? The sentence "
	      "names no actor.\",\"source\":\"Must export data as CSV.\",\"cue\":\"Must\"}]");
	check("One must be able to log in.", 0, 0, 1,
	      "[{\"kind\":\"missing_actor\",\"text\":\"Who must be able to log in?\",\"source\":\"One must be "
	      "able to log in.\",\"cue\":\"One must\"}]");
	check("When a task is created, the owner is emailed.", 0, 0, 2,
	      "[{\"kind\":\"passive\",\"text\":\"Who or what creates a task? \\\"is created\\\" names no "
	      "actor.\",\"source\":\"When a task is created, the owner is emailed.\",\"cue\":\"is created\"},"
	      "{\"kind\":\"passive\",\"text\":\"Who or what emails the owner? \\\"is emailed\\\" names no "
	      "actor.\",\"source\":\"When a task is created, the owner is emailed.\",\"cue\":\"is emailed\"}]");
	/* in the order of the cues: the passive verb before the vague word */
	check("Orders are processed quickly.", 0, 0, 2,
	      "[{\"kind\":\"passive\",\"text\":\"Who or what processes orders? \\\"are processed\\\" names no "
	      "actor.\",\"source\":\"Orders are processed quickly.\",\"cue\":\"are processed\"},"
	      "{\"kind\":\"vague\",\"text\":\"What does \\\"quickly\\\" mean here? Give a measure (for example "
	      "a time in milliseconds).\",\"source\":\"Orders are processed quickly.\",\"cue\":\"quickly\"}]");
	/* one question per cue, which keeps the case it was first written in */
	check("FAST search, fast export and Fast import.", 0, 0, 1,
	      "[{\"kind\":\"vague\",\"text\":\"What does \\\"FAST\\\" mean here? Give a measure (for example a "
	      "time in milliseconds).\",\"source\":\"FAST search, fast export and Fast import.\",\"cue\":\"FAST\"}]");
	check("The system must be secure.", 0, 0, 1,
	      "[{\"kind\":\"vague\",\"text\":\"What does \\\"secure\\\" mean here? Name the threats to resist "
	      "or the standard to meet.\",\"source\":\"The system must be secure.\",\"cue\":\"secure\"}]");
	check("The system handles some requests, usually.", 0, 0, 2,
	      "[{\"kind\":\"vague\",\"text\":\"How many is \\\"some\\\"? Give a number.\",\"source\":\"The system "
	      "handles some requests, usually.\",\"cue\":\"some\"},"
	      "{\"kind\":\"vague\",\"text\":\"When does \\\"usually\\\" not hold? Name the exceptions and what "
	      "happens then.\",\"source\":\"The system handles some requests, usually.\",\"cue\":\"usually\"}]");
	check("The invoices have been sent and the account was notified.", 0, 0, 2,
	      "[{\"kind\":\"passive\",\"text\":\"Who or what sends the invoices? \\\"have been sent\\\" names "
	      "no actor.\",\"source\":\"The invoices have been sent and the account was notified.\",\"cue\":"
	      "\"have been sent\"},"
	      "{\"kind\":\"passive\",\"text\":\"Who or what notifies the account? \\\"was notified\\\" names "
	      "no actor.\",\"source\":\"The invoices have been sent and the account was notified.\",\"cue\":"
	      "\"was notified\"}]");
}

static void false_positives(void)
{
	no_question("The system shall respond within 200 ms.", 0, 0);
	no_question("The system shall respond within 200 ms.", 1, 1);
	no_question("Reports are generated by the scheduler.", 0, 0);
	no_question("Users get breakfast at 8.", 0, 0);
	no_question("The page shall load quickly, within 2 seconds.", 1, 1);
	no_question("A title is required and the user is logged in.", 0, 0);
	no_question("Each task has a title, and it must be unique.", 0, 0);
	no_question("Priority is low, medium or high.", 0, 0);
	no_question("The system must secure the data.", 0, 0);
	no_question("It must be possible for users to delete tasks.", 0, 0);
	no_question("The system shall be scalable to 10000 users.", 1, 1);
	no_question("Users can see how many tasks are open.", 0, 0);
	no_question("Fastening the belt is the user's job.", 0, 0);
	no_question("Users must create tasks.", 0, 0);
	no_question("This must be done by Friday.", 0, 0);
}

static void hostile(void)
{
	struct words w = WORDS_INIT;
	json_t *qs = json_array();
	char *got, *big;
	size_t len = 1 << 20;
	int n;

	got = ask("", 0, 0, 0, &n);
	is_str(got, "[]", "empty sentence: no question");
	is_int(n, 0, "empty sentence: count");
	free(got);
	got = ask("", 0, 1, 0, &n);
	is_str(got, "[{\"kind\":\"nfr_without_measure\",\"text\":\"How will this be measured? Give a "
		    "number and a unit.\",\"source\":\"\",\"cue\":\"\"}]",
	       "empty quality requirement: still asks for a measure");
	free(got);
	is_int(questions_check(&w, NULL, 0, 0, 0, qs), 0, "NULL sentence of length 0");

	/* questions go after what the array holds */
	json_array_append_new(qs, json_string("before"));
	words_split(&w, "Data is cached.", 15);
	is_int(questions_check(&w, "Data is cached.", 15, 0, 0, qs), 1, "appends one");
	is_str(json_string_value(json_array_get(qs, 0)), "before", "the array's content is kept");
	is_str(json_string_value(json_object_get(json_array_get(qs, 1), "text")),
	       "Who or what caches data? \"is cached\" names no actor.", "appended after it");
	json_decref(qs);
	words_release(&w);

	got = ask("The file is sent \xff\xfe.", sizeof("The file is sent \xff\xfe.") - 1, 0, 0, &n);
	is_str(got, "[{\"kind\":\"passive\",\"text\":\"Who or what sends the file? \\\"is sent\\\" names no "
		    "actor.\",\"source\":\"The file is sent \xef\xbf\xbd\xef\xbf\xbd.\",\"cue\":\"is sent\"}]",
	       "invalid UTF-8: U+FFFD in the JSON");
	free(got);
	got = ask("The \xc0\xaf log is kept.", sizeof("The \xc0\xaf log is kept.") - 1, 0, 0, &n);
	is_str(got, "[{\"kind\":\"passive\",\"text\":\"Who or what keeps the \xef\xbf\xbd\xef\xbf\xbd log? "
		    "\\\"is kept\\\" names no actor.\",\"source\":\"The \xef\xbf\xbd\xef\xbf\xbd log is kept.\","
		    "\"cue\":\"is kept\"}]",
	       "an overlong form in the subject: U+FFFD in the question too");
	free(got);
	got = ask("Data\0 is stored.", sizeof("Data\0 is stored.") - 1, 0, 0, &n);
	is_str(got, "[{\"kind\":\"passive\",\"text\":\"Who or what stores data? \\\"is stored\\\" names no "
		    "actor.\",\"source\":\"Data\\u0000 is stored.\",\"cue\":\"is stored\"}]",
	       "a NUL byte stays in the source");
	free(got);

	no_question("Das System muss schnell sein.", 0, 0);
	no_question("Система должна быть быстрой и удобной.", 0, 0);
	no_question("系统必须快速响应。", 0, 0);
	check("The café menu is shown.", 0, 0, 1,
	      "[{\"kind\":\"passive\",\"text\":\"Who or what shows the café menu? \\\"is shown\\\" names no "
	      "actor.\",\"source\":\"The café menu is shown.\",\"cue\":\"is shown\"}]");
	check("Le système doit être rapide, etc.", 0, 0, 1,
	      "[{\"kind\":\"vague\",\"text\":\"List every case instead of \\\"etc.\\\".\",\"source\":\"Le "
	      "système doit être rapide, etc.\",\"cue\":\"etc.\"}]");

	/* a megabyte: "fast " over and over is one question */
	big = malloc(len + 1);
	if (!big)
		return;
	for (size_t i = 0; i < len; i++)
		big[i] = "fast "[i % 5];
	got = ask(big, len, 0, 0, &n);
	is_int(n, 1, "1 MiB of \"fast\": one question");
	ok(got && !strncmp(got, "[{\"kind\":\"vague\",\"text\":\"What does \\\"fast\\\" mean", 47) &&
	   strlen(got) > len, "1 MiB: the question, with the whole sentence as source");
	free(got);

	/* a megabyte of distinct passive verbs: at most QUESTIONS_MAX, the first ones */
	{
		size_t o = 0;
		for (unsigned k = 0; o + 32 < len; k++)
			o += (size_t)snprintf(big + o, len - o, "it is b%c%c%cked ", 'a' + k % 26,
					      'a' + k / 26 % 26, 'a' + k / 676 % 26);
		got = ask(big, o, 0, 0, &n);
		is_int(n, QUESTIONS_MAX, "1 MiB of passive verbs: QUESTIONS_MAX questions");
		ok(got && strstr(got, "\"cue\":\"is baaaked\"") && !strstr(got, "\"cue\":\"is baraked\""),
		   "the first ones");
		free(got);
	}

	/* a megabyte of one word, and of bytes that are no words */
	memset(big, 'a', len);
	got = ask(big, len, 0, 0, &n);
	is_str(got, "[]", "1 MiB of one word: no question");
	free(got);
	for (size_t i = 0; i < len; i++)
		big[i] = (char)(i * 7 % 256);
	got = ask(big, len, 0, 0, &n);
	ok(n >= 0 && got != NULL, "1 MiB of every byte value: no failure");
	free(got);
	free(big);
}

int main(void)
{
	examples();
	false_positives();
	hostile();
	return done_testing();
}
