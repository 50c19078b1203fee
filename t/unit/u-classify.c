/*
 * u-classify.c - unit tests for lib/analyze/classify.c: hand-picked
 * requirements of every category with the category and the cue that must
 * decide them (among them the traps: an NFR word inside what a feature
 * records, "Only" that is not about who may act), which sentences carry a
 * measure, the category list, and hostile input: no words, binary bytes,
 * other scripts, a sentence of one megabyte, a cue longer than its buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/classify.h"
#include "analyze/words.h"
#include "tap.h"

static struct words w = WORDS_INIT;

static int split(const char *s, size_t len)
{
	if (words_split(&w, s, len) != 0) {
		printf("Bail out! words_split failed\n");
		exit(1);
	}
	return 0;
}

static void expect(const char *sentence, const char *category, const char *cue)
{
	struct nfr_class c;

	split(sentence, strlen(sentence));
	memset(&c, 0x5a, sizeof(c));
	is_int(classify_requirement(&w, &c), 0, "classify returns 0: %s", sentence);
	is_str(c.category, category, "category of: %s", sentence);
	is_str(c.cue, cue, "cue of: %s", sentence);
}

static void test_categories(void)
{
	/* functional: what the system does for someone */
	expect("The system shall allow users to search for a movie by title.",
	       "functional", "shall allow");
	expect("The clerk can print a receipt.", "functional", "can print");
	expect("Search for a customer by surname.", "functional", "search");
	expect("Ability to export the monthly report.", "functional", "ability to export");
	expect("It should be possible to copy a course from one semester to the next.",
	       "functional", "should be possible to copy");
	expect("Operators record the temperature of each oven.", "functional", "record");
	expect("The library shall keep a list of overdue loans.", "functional", "shall keep");
	expect("Staff can see the schedule.", "functional", "can see");
	/* quality words inside the data a feature handles */
	expect("The system shall display the current temperature of each oven.",
	       "functional", "shall display");
	expect("The product shall record the speed of each vehicle.",
	       "functional", "shall record");
	expect("The administrator can reset the password of a user.",
	       "functional", "reset the password");
	expect("Only the latest version of each document shall be shown.",
	       "functional", "shall be shown");
	expect("The summary screen of the ward.", "functional", "default");
	/* domain nouns that only look like qualities */
	expect("The audit report shall list every store that missed its count.",
	       "functional", "shall list");
	expect("Customers shall rate each recipe on a scale of 1 to 5 stars.",
	       "functional", "shall rate");
	expect("The game shall prevent a player from moving onto an occupied square.",
	       "functional", "shall prevent");
	expect("The auction shall continue to accept bids until closing time.",
	       "functional", "default");
	expect("The calculator shall round every total to two places 100% of the time.",
	       "functional", "shall round");
	expect("Exam results shall be available to students on the portal.",
	       "functional", "default");
	expect("The preferred garage shall be returned to the driver.",
	       "functional", "shall be returned");
	expect("The planner shall colour code each task by its priority.",
	       "functional", "colour code");
	/* a feature verb does not beat a clear quality */
	expect("The product shall produce the weekly rota in an acceptable time.",
	       "performance", "acceptable time");
	expect("The product shall play a soft chime sound when a parcel is scanned.",
	       "look and feel", "sound");
	expect("All counter staff shall receive training before the new till goes live.",
	       "usability", "receive training");
	expect("The product shall ensure that only the head teacher can change grades.",
	       "security", "only the head teacher can");
	expect("The system shall keep an audit trail of every change to a salary.",
	       "security", "audit trail");
	expect("New versions shall be released at the start of each term.",
	       "maintainability", "be released");
	expect("The booking service shall be up 99.5% of the time.",
	       "availability", "be up");
	expect("The product shall be developed with the Python programming language.",
	       "operational", "programming language");
	expect("The code shall be easy to port to another operating system.",
	       "portability", "another operating system");
	expect("The kiosk shall comply with the corporate user interface guidelines.",
	       "look and feel", "user interface guidelines");

	/* non-functional, one or more per category */
	expect("The system shall refresh the display every 60 seconds.",
	       "performance", "every 60 seconds");
	expect("The website shall load in less than 3 seconds.", "performance", "load in");
	expect("The system shall handle 200 transactions per second.",
	       "performance", "per second");
	expect("The product shall be available for use 24 hours per day 365 days per year.",
	       "availability", "be available");
	expect("The service shall have an uptime of 99.9%.", "availability", "uptime");
	expect("Only registered users shall be able to access the system.",
	       "security", "only registered");
	expect("All customer passwords shall be encrypted.", "security", "encrypted");
	expect("Users shall be logged out after 15 minutes of inactivity.",
	       "security", "inactivity");
	expect("The application shall be easy to use for first-time visitors.",
	       "usability", "easy to use");
	expect("A new clerk shall be able to process a return within 10 minutes.",
	       "usability", "within 10 minutes");
	expect("The product shall comply with the tax regulations of the state.",
	       "legal", "comply");
	expect("The screens shall use the colours of the club.", "look and feel", "colours");
	expect("The game shall have a cartoon look.", "look and feel", "cartoon");
	expect("The system shall interface with the existing payroll software.",
	       "operational", "interface with");
	expect("The system shall support 1,000 concurrent users.", "scalability", "concurrent");
	expect("The application shall run on Windows, macOS and Linux.", "portability", "macos");
	expect("The product shall be portable to other operating systems.",
	       "portability", "portable");
	expect("The system shall be easy to maintain.", "maintainability", "easy to maintain");
	expect("The source code shall be documented.", "maintainability", "source code");
	expect("If the main server fails, the backup server shall take over.",
	       "fault tolerance", "backup");
	expect("The system shall recover from a crash without losing data.",
	       "fault tolerance", "recover");
	/* case does not matter */
	expect("THE SYSTEM SHALL BE EASY TO MAINTAIN", "maintainability", "easy to maintain");
}

static void measurable(const char *sentence, int want)
{
	split(sentence, strlen(sentence));
	is_int(classify_measurable(&w), want, "measurable %d: %s", want, sentence);
}

static void test_measurable(void)
{
	measurable("Pages shall load within 2 seconds.", 1);
	measurable("The search shall answer in 500ms.", 1);
	measurable("The service shall be up 99.9% of the time.", 1);
	measurable("Support shall be reachable 24/7.", 1);
	measurable("The system shall support 500 concurrent users.", 1);
	measurable("The gateway shall handle 200 requests per second.", 1);
	measurable("The app shall use no more than 50 MB of memory.", 1);
	measurable("Backups shall be kept for thirty days.", 1);
	measurable("At least 90 percent of users shall finish without help.", 1);
	measurable("Each report shall be produced within an hour.", 1);
	measurable("The product shall be fast.", 0);
	measurable("The system shall be easy to use.", 0);
	measurable("The product shall be available most of the time.", 0);
	measurable("Users can add 3 items to a list.", 0);
	measurable("The application shall be secure.", 0);
	measurable("", 0);
}

static void test_list(void)
{
	size_t n = 0;

	while (classify_categories[n])
		n++;
	is_int((long long)n, 12, "twelve categories");
	is_str(classify_categories[0], "functional", "functional comes first");
	ok(n == 12 && !strcmp(classify_categories[11], "portability"),
	   "portability breaks ties last");
}

static void test_hostile(void)
{
	static const char binary[] = "\x01\xff\xfe shall \x00\x80 secure\x7f";
	const char *utf8 = "Das System muss innerhalb von 2 Sekunden antworten. "
			   "\xe7\xb3\xbb\xe7\xbb\x9f\xe5\xba\x94\xe8\xaf\xa5\xe5\xae\x89\xe5\x85\xa8";
	size_t big = 1024 * 1024;
	char *s = malloc(big + 1);
	struct nfr_class c;
	char longcue[200];

	split("", 0);
	is_int(classify_requirement(&w, &c), 0, "empty sentence classified");
	is_str(c.category, "functional", "empty sentence is functional");
	is_str(c.cue, "default", "empty sentence has the default cue");

	split(" .,;:!? ", 8);
	classify_requirement(&w, &c);
	is_str(c.category, "functional", "punctuation only is functional");

	split(binary, sizeof(binary) - 1);
	is_int(classify_requirement(&w, &c), 0, "binary bytes classified");
	is_str(c.category, "security", "binary around a cue word still finds it");
	ok(strlen(c.cue) < sizeof(c.cue), "cue is NUL-terminated");

	split(utf8, strlen(utf8));
	is_int(classify_requirement(&w, &c), 0, "other scripts classified");
	ok(c.category != NULL && strlen(c.cue) < sizeof(c.cue), "other scripts: a category and a cue");

	if (!s) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < big; i++)
		s[i] = "response time 9 seconds "[i % 24];
	s[big] = '\0';
	split(s, big);
	is_int(classify_requirement(&w, &c), 0, "1 MB sentence classified");
	is_str(c.category, "performance", "1 MB sentence of a performance cue");
	is_int(classify_measurable(&w), 1, "1 MB sentence is measurable");
	/* one word of 1 MB: no cue matches, nothing overflows */
	memset(s, 'x', big);
	split(s, big);
	classify_requirement(&w, &c);
	is_str(c.cue, "default", "a 1 MB word is no cue");
	is_int(classify_measurable(&w), 0, "a 1 MB word is no measure");
	/* digits only: a 1 MB number */
	memset(s, '7', big);
	split(s, big);
	classify_requirement(&w, &c);
	is_str(c.category, "functional", "a 1 MB number alone is functional");
	free(s);

	/* the cue is cut to fit its buffer */
	snprintf(longcue, sizeof(longcue), "Users shall wait %s 5 seconds.",
		 "within");
	split(longcue, strlen(longcue));
	classify_requirement(&w, &c);
	is_str(c.cue, "within 5 seconds", "a cue made of the sentence's words");
	memset(longcue, 'y', sizeof(longcue));
	memcpy(longcue, "The system shall be secur", 25);
	split(longcue, sizeof(longcue));
	classify_requirement(&w, &c);
	is_str(c.category, "security", "a prefix cue matches a long word");
	is_int((long long)strlen(c.cue), 63, "an overlong cue is cut to 63 bytes");
	ok(!strncmp(c.cue, "securyyy", 8), "the cut cue starts as the word does");
}

static void test_deterministic(void)
{
	const char *s = "The product shall respond to a search within 2 seconds for 100 users.";
	struct nfr_class a, b;

	split(s, strlen(s));
	classify_requirement(&w, &a);
	classify_requirement(&w, &b);
	ok(a.category == b.category && !strcmp(a.cue, b.cue), "same words, same answer");
}

int main(void)
{
	test_categories();
	test_measurable();
	test_list();
	test_hostile();
	test_deterministic();
	words_release(&w);
	return done_testing();
}
