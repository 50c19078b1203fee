/*
 * u-junitw.c - unit tests for lib/results/junitw.c: a model with every
 * status, a flaky case, suites in mixed order, markup characters, control
 * characters, invalid UTF-8, a NUL and a long detail written as JUnit XML,
 * read back with results_read_junit and compared field by field; the whole
 * document of a small model compared with the expected text; what is not
 * a model refused, leaving the output as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "results/junitw.h"
#include "results/results.h"
#include "tap.h"
#include "banned.h"

static char tmpdir[] = "/tmp/u-junitw.XXXXXX";

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Add a case or bail: the model is the test's fixture, not its subject. */
static void add(json_t *r, const char *name, const char *suite, const char *status,
		const char *message, const char *detail, const char *file, long line,
		long ms)
{
	if (results_add_case(r, name, suite, status, message, detail, file, line, ms) < 0)
		bail(ak_errmsg());
}

static json_t *last_case(json_t *r)
{
	json_t *cases = json_object_get(r, "cases");

	return json_array_get(cases, json_array_size(cases) - 1);
}

/* Set a member to bytes jansson would refuse to check: raw, as a reader may leave them. */
static void set_raw(json_t *c, const char *key, const char *s, size_t n)
{
	if (json_object_set_new(c, key, json_stringn_nocheck(s, n)) < 0)
		bail("json_object_set_new");
}

static const char *str(const json_t *c, const char *key)
{
	return json_string_value(json_object_get(c, key));
}

static long long num(const json_t *c, const char *key)
{
	const json_t *v = json_object_get(c, key);

	return json_is_null(v) ? -1 : json_integer_value(v);
}

static void long_detail(struct buf *b)
{
	buf_init(b, 0);
	for (int i = 0; i < 120; i++)
		buf_addf(b, "  at frame %03d <tmp> & \"quoted\" 'single' \t]]> \xc3\xa9\n", i);
}

/*
 * The model under test: suites a, b, a, null (the document groups them:
 * a a b report), every status, and text XML cannot hold as it is.
 */
static json_t *odd_model(const struct buf *longd)
{
	/* a stray byte, a NUL, U+FFFE; an overlong "/" */
	static const char raw_detail[] = "bad \xff\xfe byte, nul \0 gone, \xef\xbf\xbe too";
	static const char raw_name[] = "caf\xc3\xa9 \xe2\x9c\x93 \xc0\xaf";
	json_t *r = results_new();

	if (!r)
		bail("results_new");
	add(r, "adds <two> & \"three\"", "a", "passed", NULL, NULL, "t/a.py", 12, 1234);
	add(r, "fails", "b", "failed", "expected 1, got 2 <&>", longd->p, "t/b.py", 7, 5);
	add(r, "errs\x01 here", "a", "error", "boom\x02!", "Traceback\r\n  line\x1b[0m\n", NULL, 0, 0);
	set_raw(last_case(r), "detail", raw_detail, sizeof(raw_detail) - 1);
	add(r, "skips", NULL, "skipped", "not on this platform", NULL, NULL, 0, -1);
	add(r, "flaky one", "a", "passed", NULL, "failed once\n", "t/a.py", 40, 2);
	json_object_set_new(last_case(r), "flaky", json_true());
	add(r, "caf\xc3\xa9 \xe2\x9c\x93", "a", "failed", "bad", "short", NULL, 0, 999);
	set_raw(last_case(r), "name", raw_name, sizeof(raw_name) - 1);
	return r;
}

struct want {
	const char *name, *suite, *status, *message, *detail, *file;
	long long line, ms;
};

static void check_case(const json_t *c, const struct want *w, int i)
{
	is_str(str(c, "name"), w->name, "case %d: name", i);
	is_str(str(c, "suite"), w->suite, "case %d: suite", i);
	is_str(str(c, "status"), w->status, "case %d: status", i);
	is_str(str(c, "message"), w->message, "case %d: message", i);
	is_str(str(c, "detail"), w->detail, "case %d: detail", i);
	is_str(str(c, "file"), w->file, "case %d: file", i);
	is_int(num(c, "line"), w->line, "case %d: line", i);
	is_int(num(c, "duration_ms"), w->ms, "case %d: duration_ms", i);
}

static void test_round_trip(void)
{
	struct buf longd, out = BUF_INIT;
	json_t *r, *back;
	char path[512];
	FILE *f;
	const char *flaky;

	long_detail(&longd);
	r = odd_model(&longd);
	const struct want want[] = {
		{ "adds <two> & \"three\"", "a", "passed", NULL, NULL, "t/a.py", 12, 1234 },
		{ "errs here", "a", "error", "boom!",
		  "Traceback\r\n  line[0m\n", NULL, -1, 0 },
		{ "flaky one", "a", "passed", NULL, NULL, "t/a.py", 40, 2 },
		{ "caf\xc3\xa9 \xe2\x9c\x93 \xef\xbf\xbd\xef\xbf\xbd", "a", "failed", "bad",
		  "short", NULL, -1, 999 },
		{ "fails", "b", "failed", "expected 1, got 2 <&>", longd.p, "t/b.py", 7, 5 },
		{ "skips", "report", "skipped", "not on this platform", NULL, NULL, -1, -1 },
	};
	/* the raw detail of the error case, as XML can carry it */
	static const char err_detail[] =
		"bad \xef\xbf\xbd\xef\xbf\xbd byte, nul  gone,  too";

	is_int(results_write_junit(r, "report", &out), 0, "odd model written");
	snprintf(path, sizeof(path), "%s/report.xml", tmpdir);
	f = fopen(path, "w");
	if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f))
		bail(path);

	back = results_new();
	if (!is_int(results_read_junit(back, path), 0, "written document reads back"))
		printf("# %s\n", ak_errmsg());
	is_int((long long)json_array_size(json_object_get(back, "cases")), 6, "six cases read");
	for (int i = 0; i < 6; i++) {
		struct want w = want[i];

		if (i == 1)
			w.detail = err_detail;
		check_case(json_array_get(json_object_get(back, "cases"), (size_t)i), &w, i);
	}
	ok(json_equal(json_object_get(back, "tests"), json_object_get(r, "tests")),
	   "counts read back equal the model's");
	ok(strlen(longd.p) > 4096, "the long detail is long (%zu bytes)", strlen(longd.p));

	flaky = strstr(out.p, "<testcase name=\"flaky one\"");
	ok(flaky && strstr(flaky, "<property name=\"flaky\" value=\"true\"/>") &&
	   strstr(flaky, "<property") < strstr(flaky, "</testcase>"),
	   "the flaky case carries its property");
	ok(strstr(out.p, "<system-out>failed once\n</system-out>") != NULL,
	   "a passed case's detail is its system-out");
	ok(strstr(out.p, "<testsuites name=\"report\" tests=\"6\" failures=\"2\" "
		  "errors=\"1\" skipped=\"1\" time=\"2.240\">") != NULL,
	   "root totals");
	ok(strstr(out.p, "<testsuite name=\"a\" tests=\"4\" failures=\"1\" errors=\"1\" "
		  "skipped=\"0\" time=\"2.235\">") != NULL, "suite a totals");
	ok(!memchr(out.p, '\x01', out.len) && !memchr(out.p, '\x1b', out.len) &&
	   !strstr(out.p, "\xef\xbf\xbe") && strlen(out.p) == out.len,
	   "no forbidden character left in the document");

	unlink(path);
	json_decref(back);
	json_decref(r);
	buf_release(&out);
	buf_release(&longd);
}

static const char small_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<testsuites name=\"unit\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"1.502\">\n"
	"  <testsuite name=\"math\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.500\">\n"
	"    <testcase name=\"adds\" classname=\"math\" file=\"t/math.py\" line=\"3\" time=\"0.500\">\n"
	"      <properties>\n"
	"        <property name=\"flaky\" value=\"true\"/>\n"
	"      </properties>\n"
	"    </testcase>\n"
	"    <testcase name=\"divides &lt;0&gt;\" classname=\"math\" time=\"1.000\">\n"
	"      <failure message=\"ZeroDivisionError &amp; &quot;more&quot;\" type=\"failure\">a &lt; b\n"
	"c</failure>\n"
	"    </testcase>\n"
	"  </testsuite>\n"
	"  <testsuite name=\"unit\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0.002\">\n"
	"    <testcase name=\"later\" classname=\"unit\">\n"
	"      <skipped message=\"no network\"/>\n"
	"    </testcase>\n"
	"    <testcase name=\"quick\" classname=\"unit\" time=\"0.002\"/>\n"
	"  </testsuite>\n"
	"</testsuites>\n";

static void test_small_document(void)
{
	struct buf out = BUF_INIT;
	json_t *r = results_new();

	add(r, "adds", "math", "passed", NULL, NULL, "t/math.py", 3, 500);
	json_object_set_new(last_case(r), "flaky", json_true());
	add(r, "later", NULL, "skipped", "no network", NULL, NULL, 0, -1);
	add(r, "divides <0>", "math", "failed", "ZeroDivisionError & \"more\"", "a < b\nc",
	    NULL, 0, 1000);
	add(r, "quick", NULL, "passed", NULL, NULL, NULL, 0, 2);
	buf_addstr(&out, "kept|");
	is_int(results_write_junit(r, "unit", &out), 0, "small model written");
	ok(!strncmp(out.p, "kept|", 5), "the document is appended to what out held");
	is_str(out.p + 5, small_xml, "small model: the whole document");
	json_decref(r);
	buf_release(&out);

	/* the same cases with each suite's together: the same document */
	r = results_new();
	add(r, "adds", "math", "passed", NULL, NULL, "t/math.py", 3, 500);
	json_object_set_new(last_case(r), "flaky", json_true());
	add(r, "divides <0>", "math", "failed", "ZeroDivisionError & \"more\"", "a < b\nc",
	    NULL, 0, 1000);
	add(r, "later", NULL, "skipped", "no network", NULL, NULL, 0, -1);
	add(r, "quick", "unit", "passed", NULL, NULL, NULL, 0, 2);
	is_int(results_write_junit(r, "unit", &out), 0, "suites in order: written");
	is_str(out.p, small_xml, "suites in order: the same document");
	json_decref(r);
	buf_release(&out);
}

static void test_not_a_model(void)
{
	struct buf out = BUF_INIT;
	json_t *bad = json_pack("{s:[s]}", "cases", "x");
	json_t *r = results_new();

	buf_addstr(&out, "before");
	is_int(results_write_junit(bad, "n", &out), -1, "a case that is not an object is refused");
	is_int(ak_errcode(), AK_EXIT_SOFTWARE, "as an internal error");
	is_str(out.p, "before", "out unchanged");
	add(r, "a", NULL, "passed", NULL, NULL, NULL, 0, -1);
	json_object_set_new(last_case(r), "status", json_string("weird"));
	is_int(results_write_junit(r, "n", &out), -1, "an unknown status is refused");
	is_int(results_write_junit(NULL, "n", &out), -1, "NULL is refused");
	is_str(out.p, "before", "out still unchanged");
	json_decref(bad);
	json_decref(r);
	buf_release(&out);

	r = results_new();
	is_int(results_write_junit(r, NULL, &out), 0, "an empty model, no name");
	is_str(out.p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<testsuites name=\"\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" "
	       "time=\"0.000\"/>\n", "an empty model is an empty root");
	json_decref(r);
	buf_release(&out);
}

/* Escapes in attributes and text, raw UTF-8 kept; a size limit on out. */
static void test_escapes_and_limit(void)
{
	struct buf out = BUF_INIT;
	json_t *r = results_new();
	char want[128];

	add(r, "t\tn\nr\r q\" a' <&> \xc3\xa9", "s", "failed", "m\tx", "t\tn\nr\r q\" <&>",
	    NULL, 0, -1);
	is_int(results_write_junit(r, "doc", &out), 0, "escapes: written");
	ok(strstr(out.p, "<testcase name=\"t&#9;n&#10;r&#13; q&quot; a' &lt;&amp;&gt; "
		  "\xc3\xa9\" classname=\"s\">") != NULL,
	   "attributes: tab, line ends, quote and markup escaped, UTF-8 as it is");
	ok(strstr(out.p, "<failure message=\"m&#9;x\" type=\"failure\">t\tn\nr&#13; "
		  "q&quot; &lt;&amp;&gt;</failure>") != NULL,
	   "text: CR, quote and markup escaped");
	buf_release(&out);

	buf_init(&out, 64);
	buf_addstr(&out, "head");
	is_int(results_write_junit(r, "doc", &out), -1, "a document over out's limit is refused");
	snprintf(want, sizeof(want), "cannot write the JUnit XML report: too large "
		 "(limit 64 bytes)");
	is_str(ak_errmsg(), want, "and says why");
	is_int((long long)out.len, 4, "out keeps its length");
	is_str(out.p, "head", "and its content");
	buf_release(&out);
	json_decref(r);
}

/* The same cases into a model, and into a streaming one. */
static void fill(json_t *r)
{
	add(r, "a", "s1", "passed", NULL, NULL, "t/a.py", 3, 12);
	add(r, "b", "s1", "failed", "boom\nsecond line", "trace <&>", NULL, 0, 1);
	add(r, "c", NULL, "skipped", "later", NULL, NULL, 0, -1);
	add(r, "d", "s2", "error", NULL, "bad \x01 byte", "t/d.py", 9, 0);
	add(r, "e", "s1", "passed", NULL, "printed", NULL, 0, 5);
	add(r, "f", "s2", "passed", NULL, NULL, NULL, 0, -1);
}

static void test_stream(void)
{
	json_t *model = results_new(), *lean = results_new();
	struct junit_stream *js = junit_stream_new("doc");
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (!model || !lean || !js)
		bail("no memory");
	fill(model);
	results_stream(lean, js);
	fill(lean);
	ok(results_streaming(lean) == js && !results_streaming(model), "one model streams");
	is_int(results_write_junit(model, "doc", &a), 0, "the model is written");
	is_int(results_write_junit(lean, "doc", &b), 0, "the stream is written");
	is_str(b.p, a.p, "streamed, the document is the model's, suites that come back and all");
	ok(json_equal(json_object_get(lean, "tests"), json_object_get(model, "tests")),
	   "streamed, the counts are whole");
	is_int((long)json_array_size(json_object_get(lean, "cases")), 3,
	       "streamed, only the cases that did not pass are kept");
	/* a byte that is not UTF-8 is U+FFFD in the stream */
	add(lean, "g", "s3", "failed", NULL, "x\xffy", NULL, 0, -1);
	buf_reset(&b);
	is_int(results_write_junit(lean, "doc", &b), 0, "written again");
	ok(b.p && strstr(b.p, "x\xEF\xBF\xBDy</failure>"), "an invalid byte becomes U+FFFD");
	results_stream(NULL, NULL);
	ok(!results_streaming(lean), "results_stream(NULL, NULL) ends it");
	junit_stream_free(js);
	buf_release(&a);
	buf_release(&b);
	json_decref(model);
	json_decref(lean);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		bail("mkdtemp");
	test_round_trip();
	test_small_document();
	test_not_a_model();
	test_escapes_and_limit();
	test_stream();
	rmdir(tmpdir);
	return done_testing();
}
