/*
 * u-results.c - unit tests for lib/results/: the result model, the TAP
 * reader and the JUnit XML reader.
 *
 * Each report is read into a fresh model and the whole model is compared
 * with the expected one, serialized with sorted keys. The TAP samples under
 * t/data/results/ are real output of bats, prove -v and node --test; the
 * JUnit ones are real output of pytest and ctest, and faithful small samples
 * of Surefire, jest-junit, go-junit-report and googletest. The hostile XML
 * (entity bombs, external entities, truncation) is written to a temporary
 * directory by the tests themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "results/results.h"
#include "tap.h"

#define DATA "t/data/results/"

static char tmpdir[] = "/tmp/u-results.XXXXXX";

static const char *path_in(const char *name)
{
	static char p[4][512];
	static int next;
	char *s = p[next++ % 4];

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	return s;
}

static const char *write_file(const char *name, const char *text)
{
	const char *path = path_in(name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write '%s': %s\n", path, strerror(errno));
		exit(1);
	}
	return path;
}

/* Compare r with want (compact, sorted keys); r is consumed. */
static void is_model(json_t *r, const char *want, const char *what)
{
	char *got = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);

	is_str(got, want, "%s: whole model", what);
	free(got);
	json_decref(r);
}

static void tap_text(const char *text, int want_rc, const char *want_model,
		     const char *what)
{
	json_t *r = results_new();

	is_int(results_read_tap(r, text, strlen(text), "t.tap"), want_rc,
	       "%s: return value", what);
	is_model(r, want_model, what);
}

static void tap_file(const char *file, const char *want_model)
{
	struct buf b = BUF_INIT;
	json_t *r = results_new();

	if (buf_read_file(&b, file)) {
		printf("Bail out! %s\n", ak_errmsg());
		exit(1);
	}
	is_int(results_read_tap(r, b.p, b.len, "t.tap"), 0, "%s: reads", file);
	is_model(r, want_model, file);
	buf_release(&b);
}

static void junit_file(const char *file, const char *want_model)
{
	json_t *r = results_new();
	int rc = results_read_junit(r, file);

	is_int(rc, 0, "%s: reads", file);
	if (rc)
		printf("# %s\n", ak_errmsg());
	is_model(r, want_model, file);
}

static void test_model(void)
{
	json_t *r = results_new();

	is_int(results_add_case(r, "a", NULL, "passed", NULL, NULL, NULL, 0, 5),
	       0, "add a passed case");
	is_int(results_add_case(r, "b", "s", "failed", "first\nsecond", "d",
				"f.c", 12, -1), 0, "add a failed case");
	is_int(results_add_case(r, "c", NULL, "bogus", NULL, NULL, NULL, 0, 1),
	       -1, "an unknown status is refused");
	is_str(ak_errmsg(), "unknown test status 'bogus'", "and says why");
	is_model(r,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":5,\"file\":nu"
		"ll,\"line\":null,\"message\":null,\"name\":\"a\",\"status"
		"\":\"passed\",\"suite\":null},{\"detail\":\"d\",\"duration"
		"_ms\":null,\"file\":\"f.c\",\"line\":12,\"message\":\"firs"
		"t\",\"name\":\"b\",\"status\":\"failed\",\"suite\":\"s\"}]"
		",\"tests\":{\"duration_ms\":5,\"errors\":0,\"failed\":1,\""
		"passed\":1,\"skipped\":0}}", "add_case");
}

static void test_detail_cap(void)
{
	json_t *r = results_new();
	char *big = malloc(RESULTS_DETAIL_MAX * 2 + 1);
	json_t *d;

	memset(big, 'x', RESULTS_DETAIL_MAX * 2);
	big[RESULTS_DETAIL_MAX * 2] = '\0';
	results_add_case(r, "a", NULL, "failed", NULL, big, NULL, 0, -1);
	d = json_object_get(json_array_get(json_object_get(r, "cases"), 0),
			    "detail");
	is_int((long long)json_string_length(d), RESULTS_DETAIL_MAX,
	       "detail is capped");
	free(big);
	json_decref(r);
}

static void test_tap_fixtures(void)
{
	tap_file(DATA "bats.tap",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"adds numbe"
		"rs\",\"status\":\"passed\",\"suite\":\"t.tap\"},{\"detail"
		"\":\"(in test file t.bats, line 5)\\n  `[ 1 -eq 2 ]' faile"
		"d\",\"duration_ms\":null,\"file\":null,\"line\":null,\"mes"
		"sage\":null,\"name\":\"fails on purpose\",\"status\":\"fai"
		"led\",\"suite\":\"t.tap\"},{\"detail\":null,\"duration_ms"
		"\":null,\"file\":null,\"line\":null,\"message\":\"not read"
		"y\",\"name\":\"skipped one\",\"status\":\"skipped\",\"suit"
		"e\":\"t.tap\"}],\"tests\":{\"duration_ms\":0,\"errors\":0,"
		"\"failed\":1,\"passed\":1,\"skipped\":1}}");
	tap_file(DATA "prove-v.txt",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"first\",\""
		"status\":\"passed\",\"suite\":\"./t.t\"},{\"detail\":null,"
		"\"duration_ms\":null,\"file\":null,\"line\":null,\"message"
		"\":\"later\",\"name\":\"second\",\"status\":\"skipped\",\""
		"suite\":\"./t.t\"},{\"detail\":null,\"duration_ms\":null,"
		"\"file\":null,\"line\":null,\"message\":\"no database\",\""
		"name\":\"test 3\",\"status\":\"skipped\",\"suite\":\"./t.t"
		"\"}],\"notes\":[\"t.tap: 3 lines not TAP, ignored\"],\"tes"
		"ts\":{\"duration_ms\":0,\"errors\":0,\"failed\":0,\"passed"
		"\":1,\"skipped\":2}}");
	tap_file(DATA "node.tap",
		"{\"cases\":[{\"detail\":\"duration_ms: 2.223674\",\"durati"
		"on_ms\":2,\"file\":null,\"line\":null,\"message\":null,\"n"
		"ame\":\"adds\",\"status\":\"passed\",\"suite\":\"t.tap\"},"
		"{\"detail\":\"duration_ms: 2.290905\\nlocation: '/src/n.te"
		"st.js:4:1'\\nfailureType: 'testCodeFailure'\\nerror: |-\\n"
		"  Expected values to be strictly equal:\\n  \\n  1 !== 2\\"
		"n  \\ncode: 'ERR_ASSERTION'\\nname: 'AssertionError'\\nexp"
		"ected: 2\\nactual: 1\\noperator: 'strictEqual'\\nstack: |-"
		"\\n  TestContext.<anonymous> (/src/n.test.js:4:30)\\n  Tes"
		"t.runInAsyncScope (node:async_hooks:206:9)\\n  Test.run (n"
		"ode:internal/test_runner/test:796:25)\\n  Test.processPend"
		"ingSubtests (node:internal/test_runner/test:526:18)\\n  Te"
		"st.postRun (node:internal/test_runner/test:889:19)\\n  Tes"
		"t.run (node:internal/test_runner/test:835:12)\\n  async Te"
		"st.processPendingSubtests (node:internal/test_runner/test:"
		"526:7)\",\"duration_ms\":2,\"file\":\"/src/n.test.js\",\"l"
		"ine\":4,\"message\":\"Expected values to be strictly equal"
		":\",\"name\":\"fails\",\"status\":\"failed\",\"suite\":\"t"
		".tap\"},{\"detail\":\"duration_ms: 0.281842\",\"duration_m"
		"s\":0,\"file\":null,\"line\":null,\"message\":null,\"name"
		"\":\"inner ok\",\"status\":\"passed\",\"suite\":\"group\"}"
		",{\"detail\":\"duration_ms: 0.194027\",\"duration_ms\":0,"
		"\"file\":null,\"line\":null,\"message\":\"later\",\"name\""
		":\"inner skip\",\"status\":\"skipped\",\"suite\":\"group\""
		"},{\"detail\":\"duration_ms: 1.304618\",\"duration_ms\":1,"
		"\"file\":null,\"line\":null,\"message\":null,\"name\":\"gr"
		"oup\",\"status\":\"passed\",\"suite\":\"t.tap\"}],\"tests"
		"\":{\"duration_ms\":5,\"errors\":0,\"failed\":1,\"passed\""
		":3,\"skipped\":1}}");
}

/* "suite/name=status" of every case, one per line. */
static void case_list(const json_t *r, struct buf *out)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(r, "cases"), i, c)
		buf_addf(out, "%s/%s=%s\n", json_string_value(json_object_get(c, "suite")),
			 json_string_value(json_object_get(c, "name")),
			 json_string_value(json_object_get(c, "status")));
}

/* What `make check` prints: make's lines, prove -v, then bats. */
static void test_tap_streams(void)
{
	const char *text =
		"make[1]: Entering directory '/src'\n"
		"prove -v -e '' t/unit/u-a t/unit/u-b\n"
		"t/unit/u-a .. \n1..2\nok 1 - a one\nok 2 - a two\nok\n"
		"t/unit/u-b ...... \n1..3\nok 1 - b one\nnot ok 2 - b two\n"
		"#   Failed test 'b two'\nFailed 2/3 subtests\n"
		"Loading ...\n"
		"Test Summary Report\n-------------------\n"
		"make[1]: Leaving directory '/src'\n"
		"1..2\nok 1 bats one\nok 2 bats two\n"
		"ok 1 - next one\nok 2 - next two\n"
		"ok 1 - restarted\n1..1\n";
	const char *want =
		"t/unit/u-a/a one=passed\nt/unit/u-a/a two=passed\n"
		"t/unit/u-b/b one=passed\nt/unit/u-b/b two=failed\nt/unit/u-b/plan=error\n"
		"make check/bats one=passed\nmake check/bats two=passed\n"
		"make check/next one=passed\nmake check/next two=passed\nmake check/plan=error\n"
		"make check/restarted=passed\n";
	struct buf got = BUF_INIT;
	json_t *r = results_new();

	is_int(results_read_tap(r, text, strlen(text), "make check"), 0,
	       "several TAP documents in one stream: read");
	case_list(r, &got);
	is_str(got.p, want, "each document is its own plan; a header names the suite");
	is_model(json_incref(json_object_get(r, "tests")),
		 "{\"duration_ms\":0,\"errors\":2,\"failed\":1,\"passed\":8,\"skipped\":0}",
		 "several TAP documents in one stream: counts");
	buf_release(&got);
	json_decref(r);
}

static void test_tap_edges(void)
{
	tap_text("ok\nnot ok\nok - third\n1..3\n", 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"test 1\","
		"\"status\":\"passed\",\"suite\":\"t.tap\"},{\"detail\":nul"
		"l,\"duration_ms\":null,\"file\":null,\"line\":null,\"messa"
		"ge\":null,\"name\":\"test 2\",\"status\":\"failed\",\"suit"
		"e\":\"t.tap\"},{\"detail\":null,\"duration_ms\":null,\"fil"
		"e\":null,\"line\":null,\"message\":null,\"name\":\"third\""
		",\"status\":\"passed\",\"suite\":\"t.tap\"}],\"tests\":{\""
		"duration_ms\":0,\"errors\":0,\"failed\":1,\"passed\":2,\"s"
		"kipped\":0}}",
		 "no numbers, plan at the end");
	tap_text("1..0 # Skipped: no network\n", 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":\"no network\",\"name\":\""
		"t.tap\",\"status\":\"skipped\",\"suite\":\"t.tap\"}],\"tes"
		"ts\":{\"duration_ms\":0,\"errors\":0,\"failed\":0,\"passed"
		"\":0,\"skipped\":1}}",
		 "skip everything");
	tap_text("1..4\nok 1 - a # todo later\nnot ok 2 - b # TODO not yet\n"
		 "ok 3 - c # Skip why\nnot ok 4 - d # SKIP\n", 0,

		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":\"later\",\"name\":\"a\","
		"\"status\":\"passed\",\"suite\":\"t.tap\"},{\"detail\":nul"
		"l,\"duration_ms\":null,\"file\":null,\"line\":null,\"messa"
		"ge\":\"not yet\",\"name\":\"b\",\"status\":\"skipped\",\"s"
		"uite\":\"t.tap\"},{\"detail\":null,\"duration_ms\":null,\""
		"file\":null,\"line\":null,\"message\":\"why\",\"name\":\"c"
		"\",\"status\":\"skipped\",\"suite\":\"t.tap\"},{\"detail\""
		":null,\"duration_ms\":null,\"file\":null,\"line\":null,\"m"
		"essage\":null,\"name\":\"d\",\"status\":\"skipped\",\"suit"
		"e\":\"t.tap\"}],\"tests\":{\"duration_ms\":0,\"errors\":0,"
		"\"failed\":0,\"passed\":1,\"skipped\":3}}", "directives in any case");
	tap_text("1..3\nok 1 - a\nBail out! database is gone\nok 2 - b\n", 0,

		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"a\",\"stat"
		"us\":\"passed\",\"suite\":\"t.tap\"},{\"detail\":null,\"du"
		"ration_ms\":null,\"file\":null,\"line\":null,\"message\":"
		"\"database is gone\",\"name\":\"Bail out!\",\"status\":\"e"
		"rror\",\"suite\":\"t.tap\"}],\"tests\":{\"duration_ms\":0,"
		"\"errors\":1,\"failed\":0,\"passed\":1,\"skipped\":0}}", "bail out");
	tap_text("1..3\nok 1 - a\nok 2 - b\n", 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"a\",\"stat"
		"us\":\"passed\",\"suite\":\"t.tap\"},{\"detail\":null,\"du"
		"ration_ms\":null,\"file\":null,\"line\":null,\"message\":n"
		"ull,\"name\":\"b\",\"status\":\"passed\",\"suite\":\"t.tap"
		"\"},{\"detail\":null,\"duration_ms\":null,\"file\":null,\""
		"line\":null,\"message\":\"planned 3 tests, ran 2\",\"name"
		"\":\"plan\",\"status\":\"error\",\"suite\":\"t.tap\"}],\"t"
		"ests\":{\"duration_ms\":0,\"errors\":1,\"failed\":0,\"pass"
		"ed\":2,\"skipped\":0}}", "fewer than planned");
	tap_text("ok 1 - a\n", 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"a\",\"stat"
		"us\":\"passed\",\"suite\":\"t.tap\"},{\"detail\":null,\"du"
		"ration_ms\":null,\"file\":null,\"line\":null,\"message\":"
		"\"no plan, ran 1\",\"name\":\"plan\",\"status\":\"error\","
		"\"suite\":\"t.tap\"}],\"tests\":{\"duration_ms\":0,\"error"
		"s\":1,\"failed\":0,\"passed\":1,\"skipped\":0}}", "no plan");
	tap_text("make: entering\n1..1\nrandom noise\nok 1 - a\n# a comment\n",
		 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"a\",\"stat"
		"us\":\"passed\",\"suite\":\"t.tap\"}],\"notes\":[\"t.tap: "
		"2 lines not TAP, ignored\"],\"tests\":{\"duration_ms\":0,"
		"\"errors\":0,\"failed\":0,\"passed\":1,\"skipped\":0}}", "garbage lines are noted");
	tap_text("hello\nworld\n", -1,
		"{\"cases\":[],\"tests\":{\"duration_ms\":0,\"errors\":0,\""
		"failed\":0,\"passed\":0,\"skipped\":0}}", "not TAP at all");
	is_str(ak_errmsg(), "t.tap: not TAP", "not TAP: message");
	tap_text("", -1,
		"{\"cases\":[],\"tests\":{\"duration_ms\":0,\"errors\":0,\""
		"failed\":0,\"passed\":0,\"skipped\":0}}", "empty input");
	tap_text("TAP version 13\n1..2\nnot ok 1 - compares\n  ---\n"
		 "  message: 'want 2, got 1'\n  severity: fail\n  at:\n"
		 "    file: test/a.js\n    line: 17\n  ...\n"
		 "ok 2 - escaped \\# hash\n", 0,
		"{\"cases\":[{\"detail\":\"message: 'want 2, got 1'\\nsever"
		"ity: fail\\nat:\\n  file: test/a.js\\n  line: 17\",\"durat"
		"ion_ms\":null,\"file\":\"test/a.js\",\"line\":17,\"message"
		"\":\"want 2, got 1\",\"name\":\"compares\",\"status\":\"fa"
		"iled\",\"suite\":\"t.tap\"},{\"detail\":null,\"duration_ms"
		"\":null,\"file\":null,\"line\":null,\"message\":null,\"nam"
		"e\":\"escaped # hash\",\"status\":\"passed\",\"suite\":\"t"
		".tap\"}],\"tests\":{\"duration_ms\":0,\"errors\":0,\"faile"
		"d\":1,\"passed\":1,\"skipped\":0}}", "YAML block");
	tap_text("TAP version 14\n1..2\n# Subtest: parser\n    1..2\n"
		 "    ok 1 - reads\n    not ok 2 - writes\n      ---\n"
		 "      file: p.c\n      line: 3\n      ...\nnot ok 1 - parser\n"
		 "ok 2 - other\n", 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"reads\",\""
		"status\":\"passed\",\"suite\":\"parser\"},{\"detail\":\"fi"
		"le: p.c\\nline: 3\",\"duration_ms\":null,\"file\":\"p.c\","
		"\"line\":3,\"message\":null,\"name\":\"writes\",\"status\""
		":\"failed\",\"suite\":\"parser\"},{\"detail\":null,\"durat"
		"ion_ms\":null,\"file\":null,\"line\":null,\"message\":null"
		",\"name\":\"parser\",\"status\":\"failed\",\"suite\":\"t.t"
		"ap\"},{\"detail\":null,\"duration_ms\":null,\"file\":null,"
		"\"line\":null,\"message\":null,\"name\":\"other\",\"status"
		"\":\"passed\",\"suite\":\"t.tap\"}],\"tests\":{\"duration_"
		"ms\":0,\"errors\":0,\"failed\":2,\"passed\":2,\"skipped\":"
		"0}}", "TAP 14 subtest");
	tap_text("1..1\nok 1 - caf\xc3\xa9 \xff\xfe raw\n", 0,

		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"caf?? ?? r"
		"aw\",\"status\":\"passed\",\"suite\":\"t.tap\"}],\"tests\""
		":{\"duration_ms\":0,\"errors\":0,\"failed\":0,\"passed\":1"
		",\"skipped\":0}}", "bytes that are not UTF-8");
	tap_text("1..1\r\nok 1 - crlf\r\n", 0,
		"{\"cases\":[{\"detail\":null,\"duration_ms\":null,\"file\""
		":null,\"line\":null,\"message\":null,\"name\":\"crlf\",\"s"
		"tatus\":\"passed\",\"suite\":\"t.tap\"}],\"tests\":{\"dura"
		"tion_ms\":0,\"errors\":0,\"failed\":0,\"passed\":1,\"skipp"
		"ed\":0}}", "CRLF line ends");
}

static void test_junit_fixtures(void)
{
	junit_file(DATA "pytest.xml",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":1,\"file\":nu"
		"ll,\"line\":null,\"message\":null,\"name\":\"test_create\""
		",\"status\":\"passed\",\"suite\":\"tests.test_task\"},{\"d"
		"etail\":\"def test_broken():\\n>       assert 1 == 2\\nE  "
		"     assert 1 == 2\\n\\ntests/test_task.py:7: AssertionErr"
		"or\",\"duration_ms\":1,\"file\":null,\"line\":null,\"messa"
		"ge\":\"assert 1 == 2\",\"name\":\"test_broken\",\"status\""
		":\"failed\",\"suite\":\"tests.test_task\"},{\"detail\":\"/"
		"src/tests/test_task.py:9: no db\",\"duration_ms\":0,\"file"
		"\":null,\"line\":null,\"message\":\"no db\",\"name\":\"tes"
		"t_skip\",\"status\":\"skipped\",\"suite\":\"tests.test_tas"
		"k\"},{\"detail\":\"@pytest.fixture\\n    def bad():\\n>   "
		"    raise RuntimeError(\\\"fixture blew up\\\")\\nE       "
		"RuntimeError: fixture blew up\\n\\ntests/test_task.py:15: "
		"RuntimeError\",\"duration_ms\":1,\"file\":null,\"line\":nu"
		"ll,\"message\":\"failed on setup with \\\"RuntimeError: fi"
		"xture blew up\\\"\",\"name\":\"test_error\",\"status\":\"e"
		"rror\",\"suite\":\"tests.test_task\"}],\"tests\":{\"durati"
		"on_ms\":3,\"errors\":1,\"failed\":1,\"passed\":1,\"skipped"
		"\":1}}");
	junit_file(DATA "surefire.xml",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":2,\"file\":nu"
		"ll,\"line\":null,\"message\":null,\"name\":\"testAdd\",\"s"
		"tatus\":\"passed\",\"suite\":\"com.example.AppTest\"},{\"d"
		"etail\":\"java.lang.ArithmeticException: / by zero\\n\\tat"
		" com.example.AppTest.testDivide(AppTest.java:21)\\n\",\"du"
		"ration_ms\":11,\"file\":null,\"line\":null,\"message\":\"/"
		" by zero\",\"name\":\"testDivide\",\"status\":\"error\",\""
		"suite\":\"com.example.AppTest\"},{\"detail\":\"org.junit.C"
		"omparisonFailure: expected:<[bob]> but was:<[alice]>\\n\\t"
		"at com.example.AppTest.testName(AppTest.java:30)\\n\",\"du"
		"ration_ms\":4,\"file\":null,\"line\":null,\"message\":\"ex"
		"pected:<[bob]> but was:<[alice]>\",\"name\":\"testName\","
		"\"status\":\"failed\",\"suite\":\"com.example.AppTest\"}],"
		"\"tests\":{\"duration_ms\":17,\"errors\":1,\"failed\":1,\""
		"passed\":1,\"skipped\":0}}");
	junit_file(DATA "jest-junit.xml",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":3,\"file\":nu"
		"ll,\"line\":null,\"message\":null,\"name\":\"math adds\","
		"\"status\":\"passed\",\"suite\":\"math adds\"},{\"detail\""
		":\"Error: expect(received).toBe(expected) // Object.is equ"
		"ality\\n\\nExpected: 1\\nReceived: 2\\n    at Object.<anon"
		"ymous> (/src/math.test.js:7:19)\",\"duration_ms\":12,\"fil"
		"e\":null,\"line\":null,\"message\":\"Error: expect(receive"
		"d).toBe(expected) // Object.is equality\",\"name\":\"math "
		"subtracts\",\"status\":\"failed\",\"suite\":\"math subtrac"
		"ts\"},{\"detail\":null,\"duration_ms\":0,\"file\":null,\"l"
		"ine\":null,\"message\":null,\"name\":\"math later\",\"stat"
		"us\":\"skipped\",\"suite\":\"math later\"}],\"tests\":{\"d"
		"uration_ms\":15,\"errors\":0,\"failed\":1,\"passed\":1,\"s"
		"kipped\":1}}");
	junit_file(DATA "go-junit-report.xml",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":0,\"file\":nu"
		"ll,\"line\":null,\"message\":null,\"name\":\"TestAdd\",\"s"
		"tatus\":\"passed\",\"suite\":\"example.com/calc\"},{\"deta"
		"il\":\"    calc_test.go:14: got 1, want 2\",\"duration_ms"
		"\":1,\"file\":null,\"line\":null,\"message\":\"Failed\",\""
		"name\":\"TestSub\",\"status\":\"failed\",\"suite\":\"examp"
		"le.com/calc\"},{\"detail\":\"    calc_test.go:20: slow tes"
		"t\",\"duration_ms\":0,\"file\":null,\"line\":null,\"messag"
		"e\":\"Skipped\",\"name\":\"TestSlow\",\"status\":\"skipped"
		"\",\"suite\":\"example.com/calc\"}],\"tests\":{\"duration_"
		"ms\":1,\"errors\":0,\"failed\":1,\"passed\":1,\"skipped\":"
		"1}}");
	junit_file(DATA "gtest.xml",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":0,\"file\":\""
		"/src/math_test.cc\",\"line\":5,\"message\":null,\"name\":"
		"\"Adds\",\"status\":\"passed\",\"suite\":\"MathTest\"},{\""
		"detail\":\"/src/math_test.cc:10\\nExpected equality of the"
		"se values:\\n  1\\n  2\",\"duration_ms\":1,\"file\":\"/src"
		"/math_test.cc\",\"line\":9,\"message\":\"/src/math_test.cc"
		":10\",\"name\":\"Subtracts\",\"status\":\"failed\",\"suite"
		"\":\"MathTest\"},{\"detail\":null,\"duration_ms\":0,\"file"
		"\":\"/src/math_test.cc\",\"line\":13,\"message\":null,\"na"
		"me\":\"DISABLED_Later\",\"status\":\"skipped\",\"suite\":"
		"\"MathTest\"}],\"tests\":{\"duration_ms\":1,\"errors\":0,"
		"\"failed\":1,\"passed\":1,\"skipped\":1}}");
	junit_file(DATA "ctest.xml",
		"{\"cases\":[{\"detail\":null,\"duration_ms\":2,\"file\":nu"
		"ll,\"line\":null,\"message\":null,\"name\":\"passes\",\"st"
		"atus\":\"passed\",\"suite\":\"passes\"},{\"detail\":null,"
		"\"duration_ms\":2,\"file\":null,\"line\":null,\"message\":"
		"null,\"name\":\"fails\",\"status\":\"failed\",\"suite\":\""
		"fails\"},{\"detail\":null,\"duration_ms\":2,\"file\":null,"
		"\"line\":null,\"message\":\"SKIP_RETURN_CODE=77\",\"name\""
		":\"skips\",\"status\":\"skipped\",\"suite\":\"skips\"}],\""
		"tests\":{\"duration_ms\":6,\"errors\":0,\"failed\":1,\"pas"
		"sed\":1,\"skipped\":1}}");
}

static void junit_bad(const char *path, const char *want_msg, const char *what)
{
	json_t *r = results_new();

	is_int(results_read_junit(r, path), -1, "%s: refused", what);
	is_str(ak_errmsg(), want_msg, "%s: message", what);
	json_decref(r);
}

static const char laughs[] =
	"<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
	"<!ENTITY l1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	"<!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">\n"
	"<!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">\n"
	"<!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">\n"
	"<!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\">\n"
	"<!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\">\n"
	"<!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">\n"
	"<!ENTITY l8 \"&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;\">\n"
	"<!ENTITY l9 \"&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;\">\n]>\n"
	"<testsuite name=\"s\"><testcase name=\"&l9;\" classname=\"c\">"
	"<failure message=\"&l9;\">&l9;</failure></testcase></testsuite>\n";

static void test_junit_hostile(void)
{
	struct buf b = BUF_INIT;
	char want[600];
	const char *p;
	json_t *r;
	char *dump;
	clock_t t0;

	p = write_file("trunc.xml", "<?xml version=\"1.0\"?>\n<testsuite name=\"s\">\n"
		       "<testcase name=\"a\" classname=\"c\"/>\n<testcase name=\"b\" cla");
	snprintf(want, sizeof(want), "%s:4: truncated report: "
		 "Specification mandates value for attribute cla", p);
	junit_bad(p, want, "truncated inside a tag");
	p = write_file("trunc2.xml", "<testsuite name=\"s\">\n<testcase name=\"a\">\n"
		       "<failure message=\"m\">text");
	snprintf(want, sizeof(want), "%s:3: truncated report: "
		 "Extra content at the end of the document", p);
	junit_bad(p, want, "truncated inside a failure");
	p = write_file("html.xml", "<html><body/></html>\n");
	snprintf(want, sizeof(want), "%s:1: not a JUnit XML report", p);
	junit_bad(p, want, "another kind of XML");
	p = write_file("text.xml", "all tests passed\n");
	snprintf(want, sizeof(want), "%s:1: Document is empty", p);
	junit_bad(p, want, "not XML");
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory",
		 path_in("missing.xml"));
	junit_bad(path_in("missing.xml"), want, "missing file");
	is_int(ak_errcode(), AK_EXIT_IOERR, "missing file: an I/O error");

	t0 = clock();
	p = write_file("laughs.xml", laughs);
	snprintf(want, sizeof(want), "%s: DOCTYPE not allowed in a test report", p);
	junit_bad(p, want, "billion laughs");
	/* past the bytes the prolog check reads, libxml2 itself must refuse */
	buf_addstr(&b, "<?xml version=\"1.0\"?>\n<!--");
	for (int i = 0; i < 70000; i++)
		buf_addch(&b, 'c');
	buf_addstr(&b, "-->\n");
	buf_addstr(&b, laughs);
	p = write_file("laughs2.xml", b.p);
	r = results_new();
	is_int(results_read_junit(r, p), -1, "billion laughs after a long comment: refused");
	snprintf(want, sizeof(want), "%s:3: DOCTYPE not allowed in a test report", p);
	is_str(ak_errmsg(), want, "billion laughs after a long comment: the DOCTYPE's line");
	ok(strstr(ak_errmsg(), "lollol") == NULL, "and nothing expanded in the message");
	is_model(r,
		"{\"cases\":[],\"tests\":{\"duration_ms\":0,\"errors\":0,\""
		"failed\":0,\"passed\":0,\"skipped\":0}}", "billion laughs after a long comment");
	ok(clock() - t0 < 2 * CLOCKS_PER_SEC, "bombs are refused quickly");

	write_file("secret.txt", "TOPSECRET-7f3a\n");
	buf_reset(&b);
	buf_addf(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [\n"
		 "<!ENTITY s SYSTEM \"file://%s\">\n]>\n"
		 "<testsuite name=\"s\"><testcase name=\"a\" classname=\"c\">"
		 "<failure message=\"m\">&s;</failure></testcase></testsuite>\n",
		 path_in("secret.txt"));
	p = write_file("xxe.xml", b.p);
	r = results_new();
	is_int(results_read_junit(r, p), -1, "external entity: refused");
	ok(!strstr(ak_errmsg(), "TOPSECRET"), "external entity: secret not in the message");
	dump = json_dumps(r, JSON_COMPACT);
	ok(dump && !strstr(dump, "TOPSECRET"), "external entity: secret not in the model");
	free(dump);
	json_decref(r);

	/* the same without the prolog check's help: the reference is never read */
	buf_reset(&b);
	buf_addstr(&b, "<?xml version=\"1.0\"?>\n<!--");
	for (int i = 0; i < 70000; i++)
		buf_addch(&b, 'c');
	buf_addf(&b, "-->\n<!DOCTYPE testsuite [\n"
		 "<!ENTITY s SYSTEM \"file://%s\">\n"
		 "<!ENTITY n SYSTEM \"http://127.0.0.1:9/x\">\n]>\n"
		 "<testsuite name=\"s\"><testcase name=\"a\" classname=\"c\">"
		 "<failure message=\"m\">&s;&n;</failure></testcase></testsuite>\n",
		 path_in("secret.txt"));
	p = write_file("xxe2.xml", b.p);
	r = results_new();
	is_int(results_read_junit(r, p), -1, "external entity after a long comment: refused");
	ok(!strstr(ak_errmsg(), "TOPSECRET"), "external entity 2: secret not in the message");
	dump = json_dumps(r, JSON_COMPACT);
	ok(dump && !strstr(dump, "TOPSECRET"), "external entity 2: secret not in the model");
	free(dump);
	json_decref(r);
	buf_release(&b);
}

/* About 2 MB of cases: every 7th fails, every 11th (not failing) is skipped. */
static void test_junit_big(void)
{
	const char *p = path_in("big.xml");
	FILE *f = fopen(p, "w");
	long n = 0, failed = 0, skipped = 0, passed = 0;
	json_t *r = results_new(), *t;

	if (!f) {
		printf("Bail out! cannot write '%s'\n", p);
		exit(1);
	}
	fputs("<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"big\">\n", f);
	while (ftell(f) < 2L * 1024 * 1024) {
		n++;
		fprintf(f, "<testcase classname=\"pkg.Mod%ld\" name=\"test_%ld\" time=\"0.010\">",
			n % 50, n);
		if (n % 7 == 0) {
			fputs("<failure message=\"boom\">Traceback: long text &amp; more</failure>", f);
			failed++;
		} else if (n % 11 == 0) {
			fputs("<skipped message=\"later\"/>", f);
			skipped++;
		} else {
			passed++;
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite></testsuites>\n", f);
	fclose(f);
	is_int(results_read_junit(r, p), 0, "2 MB report: reads");
	t = json_object_get(r, "tests");
	is_int(json_integer_value(json_object_get(t, "passed")), passed, "2 MB: passed");
	is_int(json_integer_value(json_object_get(t, "failed")), failed, "2 MB: failed");
	is_int(json_integer_value(json_object_get(t, "skipped")), skipped, "2 MB: skipped");
	is_int(json_integer_value(json_object_get(t, "duration_ms")), n * 10, "2 MB: duration");
	is_int((long long)json_array_size(json_object_get(r, "cases")), n, "2 MB: cases");
	json_decref(r);
}

/* The one case a small report read into a fresh model holds, as JSON. */
static char *one_case(const char *name, const char *xml, int *rc)
{
	json_t *r = results_new();
	char *dump;

	*rc = results_read_junit(r, write_file(name, xml));
	dump = json_dumps(json_array_get(json_object_get(r, "cases"), 0),
			  JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(r);
	return dump;
}

static void junit_case(const char *name, const char *xml, const char *want,
		       const char *what)
{
	int rc;
	char *got = one_case(name, xml, &rc);

	is_int(rc, 0, "%s: reads", what);
	if (rc)
		printf("# %s\n", ak_errmsg());
	is_str(got, want, "%s", what);
	free(got);
}

static void test_junit_attributes(void)
{
	junit_case("amp.xml",
		   "<testsuite name=\"s &amp; t\"><testcase name=\"a &amp; b "
		   "&lt;c&gt; &#38; &#60;&#x3e; &quot;q&quot; &apos;x&apos;\" "
		   "classname=\"k&amp;&amp;l\" file=\"&amp;#38;\" line=\"&#52;2\">"
		   "<failure message=\"m &amp; n\">d &amp; &lt;e&gt; &#38;</failure>"
		   "</testcase></testsuite>\n",
		   "{\"detail\":\"d & <e> &\",\"duration_ms\":null,\"file\":\"&#"
		   "38;\",\"line\":42,\"message\":\"m & n\",\"name\":\"a & b <c> &"
		   " <> \\\"q\\\" 'x'\",\"status\":\"failed\",\"suite\":\"k&&l\"}",
		   "references in attributes and text come decoded");
	junit_case("suitename.xml",
		   "<testsuite name=\"s &amp; t\"><testcase name=\"a\"/></testsuite>\n",
		   "{\"detail\":null,\"duration_ms\":null,\"file\":null,\"line\":nu"
		   "ll,\"message\":null,\"name\":\"a\",\"status\":\"passed\",\"suit"
		   "e\":\"s & t\"}", "no classname: the suite's name, decoded");
	junit_case("times.xml",
		   "<testsuite><testcase name=\"a\" time=\"1.5\" line=\" 7\"/></testsuite>\n",
		   "{\"detail\":null,\"duration_ms\":1500,\"file\":null,\"line\":7,"
		   "\"message\":null,\"name\":\"a\",\"status\":\"passed\",\"suite\""
		   ":null}", "time with one decimal, line with a space");
	junit_case("times2.xml",
		   "<testsuite><testcase name=\"a\" time=\"0.0125\" line=\"x\"/></testsuite>\n",
		   "{\"detail\":null,\"duration_ms\":13,\"file\":null,\"line\":null,"
		   "\"message\":null,\"name\":\"a\",\"status\":\"passed\",\"suite\""
		   ":null}", "time rounded to milliseconds, a line that is no number");
	junit_case("times3.xml",
		   "<testsuite><testcase name=\"a\" time=\"12\"/><testcase name=\"b\" "
		   "time=\"-1\"/></testsuite>\n",
		   "{\"detail\":null,\"duration_ms\":12000,\"file\":null,\"line\":n"
		   "ull,\"message\":null,\"name\":\"a\",\"status\":\"passed\",\"sui"
		   "te\":null}", "whole seconds");
	junit_case("gtest2.xml",
		   "<testsuites><testsuite name=\"S\"><testcase name=\"a\" "
		   "result=\"suppressed\"/></testsuite></testsuites>\n",
		   "{\"detail\":null,\"duration_ms\":null,\"file\":null,\"line\":nu"
		   "ll,\"message\":null,\"name\":\"a\",\"status\":\"skipped\",\"sui"
		   "te\":\"S\"}", "googletest result=suppressed is skipped");
}

static void test_junit_text(void)
{
	struct buf b = BUF_INIT;
	const char *p;
	json_t *r, *d;
	const char *dv;

	junit_case("cdata.xml",
		   "<testsuite name=\"s\"><testcase name=\"a\"><error><![CDATA[x < y]]>"
		   " &amp; z</error></testcase></testsuite>\n",
		   "{\"detail\":\"x < y & z\",\"duration_ms\":null,\"file\":null,\""
		   "line\":null,\"message\":\"x < y & z\",\"name\":\"a\",\"status\""
		   ":\"error\",\"suite\":\"s\"}", "CDATA is text");
	junit_case("nested.xml",
		   "<testsuite name=\"s\"><testcase name=\"a\"><failure message=\"m\">"
		   "abc<skipped/>def<b>ghi</b></failure><system-out>out</system-out>"
		   "</testcase></testsuite>\n",
		   "{\"detail\":\"abcdefghi\",\"duration_ms\":null,\"file\":null,\""
		   "line\":null,\"message\":\"m\",\"name\":\"a\",\"status\":\"faile"
		   "d\",\"suite\":\"s\"}",
		   "all the text inside the kept outcome, none after it");
	junit_case("worst.xml",
		   "<testsuite name=\"s\"><testcase name=\"a\"><skipped message=\"later\"/>"
		   "<failure>first</failure><error message=\"e\">second</error>"
		   "<failure message=\"f\">third</failure></testcase></testsuite>\n",
		   "{\"detail\":\"second\",\"duration_ms\":null,\"file\":null,\"lin"
		   "e\":null,\"message\":\"e\",\"name\":\"a\",\"status\":\"error\","
		   "\"suite\":\"s\"}", "the worst outcome is kept");

	/* a detail over the cap is cut between characters, not inside one */
	buf_addstr(&b, "<testsuite><testcase name=\"a\"><failure>");
	for (int i = 0; i < RESULTS_DETAIL_MAX - 1; i++)
		buf_addch(&b, 'x');
	for (int i = 0; i < 100; i++)
		buf_addstr(&b, "\xc3\xa9");
	buf_addstr(&b, "</failure></testcase></testsuite>\n");
	p = write_file("cap.xml", b.p);
	r = results_new();
	is_int(results_read_junit(r, p), 0, "a long detail: reads");
	d = json_object_get(json_array_get(json_object_get(r, "cases"), 0), "detail");
	dv = json_string_value(d);
	is_int((long long)json_string_length(d), RESULTS_DETAIL_MAX - 1,
	       "a long detail: cut before the character across the cap");
	ok(dv && !strchr(dv, '?') && dv[RESULTS_DETAIL_MAX - 2] == 'x',
	   "a long detail: its text is kept as it was");
	json_decref(r);
	buf_release(&b);
}

static void test_junit_refused(void)
{
	char want[600];
	const char *p;
	int rc;
	char *got;

	p = write_file("undeclared.xml", "<testsuite><testcase name=\"&foo;\"/></testsuite>\n");
	snprintf(want, sizeof(want), "%s:1: Entity 'foo' not defined", p);
	junit_bad(p, want, "an undeclared entity");
	p = write_file("late-doctype.xml", "<?xml version=\"1.0\"?>\n<!--\n-->\n"
		       "<!DOCTYPE testsuite>\n<testsuite/>\n");
	/* the prolog check sees this one; see test_junit_hostile for later ones */
	snprintf(want, sizeof(want), "%s: DOCTYPE not allowed in a test report", p);
	junit_bad(p, want, "a DOCTYPE after a comment");
	got = one_case("empty-suite.xml", "<testsuites/>\n", &rc);
	is_int(rc, 0, "no cases at all: reads");
	ok(got == NULL, "no cases at all: none in the model");
	free(got);
	p = write_file("nested-root.xml", "<testsuites><html/></testsuites>\n");
	got = one_case("nested-root.xml", "<testsuites><html/></testsuites>\n", &rc);
	is_int(rc, 0, "other elements inside the root are ignored");
	free(got);
	p = write_file("after-root.xml", "<testsuite/>\n<testsuite/>\n");
	snprintf(want, sizeof(want), "%s:2: Extra content at the end of the document", p);
	junit_bad(p, want, "two roots");
}

static void test_flaky_shared(void)
{
	json_t *r = results_new(), *rerun = results_new();
	char *dump;

	results_add_case(r, "a", "s", "failed", NULL, NULL, "f.c", 3, 7);
	results_add_case(r, "b", "s", "failed", NULL, NULL, "f.c", 3, 7);
	results_add_case(rerun, "a", "s", "passed", NULL, NULL, NULL, 0, -1);
	results_add_case(rerun, "b", "s", "failed", NULL, NULL, NULL, 0, -1);
	is_int(results_mark_flaky(r, rerun), 1, "one case passes on the rerun");
	dump = json_dumps(json_object_get(r, "cases"), JSON_COMPACT);
	is_str(dump,
	       "[{\"name\":\"a\",\"suite\":\"s\",\"status\":\"passed\",\"message\":n"
	       "ull,\"detail\":null,\"file\":\"f.c\",\"line\":3,\"duration_ms\":7,\""
	       "flaky\":true},{\"name\":\"b\",\"suite\":\"s\",\"status\":\"failed\","
	       "\"message\":null,\"detail\":null,\"file\":\"f.c\",\"line\":3,\"dura"
	       "tion_ms\":7}]",
	       "only that case changes, members in the order added");
	is_int(results_failures(r), 1, "one failure left");
	free(dump);
	json_decref(r);
	json_decref(rerun);
}

static void test_merge(void)
{
	json_t *r = results_new();
	const char *tap = "1..1\nnot ok 1 - x\n";

	results_read_junit(r, DATA "go-junit-report.xml");
	results_read_tap(r, tap, strlen(tap), "m.tap");
	is_model(json_incref(json_object_get(r, "tests")), "{\"duration_ms\":1,\"errors\":0,\"failed\":2,\"passed\":1,\"skip"
		"ped\":1}",
		 "two reports in one model: counts add up");
	json_decref(r);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_model();
	test_detail_cap();
	test_tap_fixtures();
	test_tap_edges();
	test_tap_streams();
	test_junit_fixtures();
	test_junit_hostile();
	test_junit_big();
	test_junit_attributes();
	test_junit_text();
	test_junit_refused();
	test_flaky_shared();
	test_merge();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	return done_testing();
}
