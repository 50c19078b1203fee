/*
 * u-coverage.c - unit tests for lib/results/coverage.c: each report format
 * read from real samples in t/data/results/coverage and compared whole with
 * the expected model, merging a file seen in two reports (union of lines
 * and branches, larger counts when one side has no line data, different
 * formats), format detection, and truncated, garbage and hostile input
 * (an entity expansion bomb in a Cobertura file) refused with a data error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "results/coverage.h"
#include "tap.h"

#define DATA "t/data/results/coverage/"

static char tmpdir[] = "/tmp/u-coverage.XXXXXX";

static void bail(const char *what, const char *path)
{
	printf("Bail out! %s '%s': %s\n", what, path, strerror(errno));
	exit(1);
}

static void slurp(struct buf *b, const char *path)
{
	buf_init(b, 0);
	if (buf_read_file(b, path) < 0)
		bail("cannot read", path);
}

static const char *tmp_file(const char *name, const char *text, size_t len)
{
	static char p[4][512];
	static int next;
	char *s = p[next++ % 4];
	FILE *f;

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	f = fopen(s, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		bail("cannot write", s);
	return s;
}

/* The model as compact JSON with sorted keys, after coverage_finish. */
static char *dump(json_t *cov)
{
	coverage_finish(cov);
	return json_dumps(cov, JSON_SORT_KEYS | JSON_COMPACT);
}

static void is_model(json_t *cov, const char *want, const char *name)
{
	char *got = dump(cov);

	is_str(got, want, "%s", name);
	free(got);
}

/* Read a sample with the reader named by fmt. */
static int read_as(json_t *cov, const char *fmt, const char *path)
{
	struct buf b;
	int r;

	if (strcmp(fmt, "cobertura") == 0)
		return coverage_read_cobertura(cov, path);
	slurp(&b, path);
	if (strcmp(fmt, "lcov") == 0)
		r = coverage_read_lcov(cov, b.p, b.len, path);
	else if (strcmp(fmt, "gcov-json") == 0)
		r = coverage_read_gcov_json(cov, b.p, b.len, path);
	else
		r = coverage_read_coveragepy_json(cov, b.p, b.len, path);
	buf_release(&b);
	return r;
}

/* Read text given as a C string with the reader named by fmt. */
static int read_str(json_t *cov, const char *fmt, const char *text,
		    const char *name)
{
	if (strcmp(fmt, "lcov") == 0)
		return coverage_read_lcov(cov, text, strlen(text), name);
	return coverage_read_gcov_json(cov, text, strlen(text), name);
}

#define PY_FILES \
	"{\"branches\":{\"covered\":0,\"total\":0}," \
	"\"lines\":{\"covered\":0,\"total\":0},\"path\":\"%s__init__.py\"}," \
	"{\"branches\":{\"covered\":2,\"total\":4}," \
	"\"lines\":{\"covered\":5,\"total\":8},\"path\":\"%scalc.py\"}"
#define PY_MODEL \
	"{\"branches\":{\"covered\":2,\"total\":4},\"files\":[" PY_FILES \
	"],\"lines\":{\"covered\":5,\"total\":8}}"

#define TINY(lc, bc, path) \
	"{\"branches\":{\"covered\":" bc ",\"total\":4},\"files\":[" \
	"{\"branches\":{\"covered\":" bc ",\"total\":4},\"lines\":{\"covered\":" lc \
	",\"total\":9},\"path\":\"" path "\"}]," \
	"\"lines\":{\"covered\":" lc ",\"total\":9}}"

static void one(const char *fmt, const char *file, const char *want)
{
	json_t *cov = coverage_new();
	int r = read_as(cov, fmt, file);

	is_int(r, 0, "%s: %s read", fmt, file);
	if (r < 0)
		printf("# %s\n", ak_errmsg());
	is_model(cov, want, file);
	json_decref(cov);
}

static void test_formats(void)
{
	char want[2048];
	json_t *cov = coverage_new();

	is_model(cov, "{\"branches\":null,\"files\":[],"
		 "\"lines\":{\"covered\":0,\"total\":0}}",
		 "coverage_new: the empty model");
	json_decref(cov);

	snprintf(want, sizeof(want), PY_MODEL, "app/", "app/");
	one("lcov", DATA "coveragepy.info", want);
	one("coveragepy-json", DATA "coveragepy.json", want);
	snprintf(want, sizeof(want), PY_MODEL, "", "");
	one("cobertura", DATA "cobertura.xml", want);
	one("gcov-json", DATA "tiny-a.gcov.json", TINY("6", "1", "tiny.c"));
	one("lcov", DATA "tiny-a.info", TINY("6", "1", "src/tiny.c"));
}

static void test_merge(void)
{
	static const char lcov_part[] =
		"SF:app/calc.py\nDA:1,1\nDA:2,0\nDA:3,1\nend_of_record\n";
	static const char lcov_other[] =
		"SF:app/other.py\nDA:1,0\nDA:2,0\nLF:2\nLH:0\nend_of_record\n";
	static const char py_summary[] =
		"{\"meta\":{\"branch_coverage\":false},\"files\":{\"app/calc.py\":"
		"{\"summary\":{\"covered_lines\":4,\"num_statements\":3}}},\"totals\":{}}";
	static const char py_bad_summary[] =
		"{\"files\":{\"a.py\":{\"summary\":{\"covered_lines\":4,"
		"\"num_statements\":3}}},\"totals\":{}}";
	static const char py_counts[] =
		"{\"meta\":{\"branch_coverage\":false},\"files\":{\"app/calc.py\":"
		"{\"summary\":{\"covered_lines\":1,\"num_statements\":6}}},\"totals\":{}}";
	json_t *cov = coverage_new();
	char want[2048];
	int r;

	r = read_as(cov, "gcov-json", DATA "tiny-a.gcov.json");
	r |= read_as(cov, "gcov-json", DATA "tiny-b.gcov.json");
	is_int(r, 0, "gcov: two runs read");
	is_model(cov, TINY("8", "3", "tiny.c"),
		 "gcov: union of covered lines and branches of two runs");
	json_decref(cov);

	cov = coverage_new();
	r = read_as(cov, "lcov", DATA "tiny-a.info");
	r |= read_as(cov, "lcov", DATA "tiny-b.info");
	is_int(r, 0, "lcov: two tracefiles read");
	is_model(cov, TINY("8", "3", "src/tiny.c"),
		 "lcov: union of covered lines and branches of two tracefiles");
	json_decref(cov);

	/* The same sources from lcov and JSON: lines match, branch keys do not. */
	cov = coverage_new();
	r = read_as(cov, "lcov", DATA "coveragepy.info");
	r |= read_as(cov, "coveragepy-json", DATA "coveragepy.json");
	is_int(r, 0, "lcov then coverage.py JSON of the same run read");
	snprintf(want, sizeof(want), PY_MODEL, "app/", "app/");
	is_model(cov, want, "two formats of one run: counted once");
	json_decref(cov);

	/* Line data on one side only: the larger counts win. */
	cov = coverage_new();
	r = coverage_read_lcov(cov, lcov_part, sizeof(lcov_part) - 1, "part.info");
	r |= coverage_read_lcov(cov, lcov_other, sizeof(lcov_other) - 1, "o.info");
	r |= coverage_read_coveragepy_json(cov, py_counts, sizeof(py_counts) - 1,
					   "c.json");
	is_int(r, 0, "lcov lines and coverage.py summary read");
	is_model(cov, "{\"branches\":null,\"files\":["
		 "{\"branches\":null,\"lines\":{\"covered\":2,\"total\":6},"
		 "\"path\":\"app/calc.py\"},"
		 "{\"branches\":null,\"lines\":{\"covered\":0,\"total\":2},"
		 "\"path\":\"app/other.py\"}],"
		 "\"lines\":{\"covered\":2,\"total\":8}}",
		 "counts only on one side: larger covered and total, sums on top");
	json_decref(cov);

	cov = coverage_new();
	r = coverage_read_coveragepy_json(cov, py_summary, sizeof(py_summary) - 1,
					  "s.json");
	ok(r < 0 && ak_errcode() == AK_EXIT_DATAERR,
	   "coverage.py summary with covered > statements: data error");
	r = coverage_read_coveragepy_json(cov, py_bad_summary,
					  sizeof(py_bad_summary) - 1, "b.json");
	is_str(ak_errmsg(), "b.json:1: files[\"a.py\"]: bad summary",
	       "the bad file is named");
	json_decref(cov);
}

static void test_detect(void)
{
	static const struct { const char *file, *want; } samples[] = {
		{ DATA "coveragepy.info", "lcov" },
		{ DATA "tiny-a.info", "lcov" },
		{ DATA "tiny-a.gcov.json", "gcov-json" },
		{ DATA "coveragepy.json", "coveragepy-json" },
		{ DATA "cobertura.xml", "cobertura" },
		{ DATA "tiny.c", NULL },
	};
	struct buf b;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		slurp(&b, samples[i].file);
		is_str(coverage_detect(b.p, b.len < 512 ? b.len : 512,
				       samples[i].file),
		       samples[i].want, "detect %s", samples[i].file);
		buf_release(&b);
	}
	is_str(coverage_detect("", 0, "x.info"), NULL, "detect: empty");
	is_str(coverage_detect("\x1f\x8b\x08\x00", 4, "x.gcov.json.gz"), NULL,
	       "detect: gzip data is not read");
	is_str(coverage_detect("<html><body>", 12, "x.xml"), NULL,
	       "detect: other XML");
	is_str(coverage_detect("{\"files\":[", 10, "a.gcov.json"), "gcov-json",
	       "detect: JSON told apart by its name");
	is_str(coverage_detect("{\"files\":[", 10, "a.json"), NULL,
	       "detect: JSON of no known shape");
	is_str(coverage_detect("\n  TN:\nSF:a.c\n", 14, NULL), "lcov",
	       "detect: lcov after blank space");
}

/* The reader must fail with a data error whose message starts with want. */
static void refused(int r, json_t *cov, const char *want, const char *name)
{
	const char *msg = ak_errmsg();

	ok(r < 0 && ak_errcode() == AK_EXIT_DATAERR &&
	   strncmp(msg, want, strlen(want)) == 0, "%s", name);
	if (strncmp(msg, want, strlen(want)) != 0)
		printf("#   got:  '%s'\n#   want: '%s...'\n", msg, want);
	json_decref(cov);
}

static void test_bad_text(void)
{
	struct buf b;
	json_t *cov;

	slurp(&b, DATA "tiny-a.info");
	cov = coverage_new();
	refused(coverage_read_lcov(cov, b.p, b.len - 20, "cut.info"), cov,
		"cut.info:22: truncated: no end_of_record", "lcov: truncated");
	buf_release(&b);
	cov = coverage_new();
	refused(coverage_read_lcov(cov, "hello world\n", 12, "g.info"), cov,
		"g.info:1: not an lcov record line", "lcov: garbage");
	cov = coverage_new();
	refused(read_str(cov, "lcov", "SF:a.c\nDA:x,1\nend_of_record\n",
			 "da.info"), cov, "da.info:2: bad DA line",
		"lcov: a bad DA line");
	cov = coverage_new();
	refused(read_str(cov, "lcov", "SF:a.c\nLF:1\nLH:2\nend_of_record\n",
			 "lh.info"), cov,
		"lh.info:4: LH greater than LF", "lcov: LH over LF");
	cov = coverage_new();
	refused(coverage_read_lcov(cov, "TN:\n", 4, "e.info"), cov,
		"e.info:1: no lcov record", "lcov: no record");

	slurp(&b, DATA "tiny-a.gcov.json");
	cov = coverage_new();
	refused(coverage_read_gcov_json(cov, b.p, b.len / 2, "cut.json"), cov,
		"cut.json:1: ", "gcov JSON: truncated");
	buf_release(&b);
	cov = coverage_new();
	refused(coverage_read_gcov_json(cov, "\x1f\x8b\x08\x00", 4, "z.json"),
		cov, "z.json:1: ", "gcov JSON: gzip data");
	cov = coverage_new();
	refused(read_str(cov, "gcov-json", "{\"gcc_version\":\"12\",\"files\":"
			 "[{\"file\":\"a.c\",\"lines\":[{\"line_number\":0,"
			 "\"count\":1}]}]}", "l.json"), cov,
		"l.json:1: files[0].lines[0]: bad line", "gcov JSON: line 0");

	slurp(&b, DATA "coveragepy.json");
	cov = coverage_new();
	refused(coverage_read_gcov_json(cov, b.p, b.len, "py.json"), cov,
		"py.json:1: not a gcov JSON report",
		"gcov JSON: a coverage.py report is not one");
	cov = coverage_new();
	refused(coverage_read_coveragepy_json(cov, b.p, b.len - 40, "cut.json"),
		cov, "cut.json:", "coverage.py JSON: truncated");
	buf_release(&b);
	cov = coverage_new();
	refused(coverage_read_coveragepy_json(cov, "[1,2]", 5, "a.json"), cov,
		"a.json:1: not a JSON object", "coverage.py JSON: an array");
}

static void test_bad_xml(void)
{
	static const char ext_dtd[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE coverage SYSTEM \"http://127.0.0.1:9/coverage-04.dtd\">\n"
		"<coverage><packages><package><classes><class filename=\"a.c\">"
		"<methods><method><lines><line number=\"7\" hits=\"0\"/></lines>"
		"</method></methods><lines><line number=\"7\" hits=\"2\"/>"
		"</lines></class></classes></package></packages></coverage>\n";
	static const char bad_cond[] =
		"<coverage><packages><package><classes><class filename=\"a.c\">"
		"<lines>\n<line number=\"7\" hits=\"2\" branch=\"true\" "
		"condition-coverage=\"50% (3/2)\"/></lines></class></classes>"
		"</package></packages></coverage>";
	struct buf b;
	json_t *cov;
	int r;

	slurp(&b, DATA "cobertura.xml");
	cov = coverage_new();
	refused(coverage_read_cobertura(cov, tmp_file("cut.xml", b.p, b.len / 2)),
		cov, tmpdir, "Cobertura: truncated XML");
	buf_release(&b);
	cov = coverage_new();
	refused(coverage_read_cobertura(cov, tmp_file("g.xml", "not xml at all", 14)),
		cov, tmpdir, "Cobertura: garbage");
	cov = coverage_new();
	refused(coverage_read_cobertura(cov, tmp_file("h.xml", "<html/>", 7)),
		cov, tmpdir, "Cobertura: another XML document");
	cov = coverage_new();
	refused(coverage_read_cobertura(cov, tmp_file("c.xml", bad_cond,
						      sizeof(bad_cond) - 1)),
		cov, tmpdir, "Cobertura: a bad condition-coverage");
	cov = coverage_new();
	refused(coverage_read_cobertura(cov, DATA "bomb.xml"), cov,
		DATA "bomb.xml:3: entity declarations are refused",
		"Cobertura: an entity bomb is refused before parsing");
	cov = coverage_new();
	refused(coverage_read_cobertura(cov, DATA "missing.xml"), cov, "",
		"Cobertura: a missing file");

	cov = coverage_new();
	r = coverage_read_cobertura(cov, tmp_file("dtd.xml", ext_dtd,
						  sizeof(ext_dtd) - 1));
	is_int(r, 0, "Cobertura: an external DTD is not fetched, the file is read");
	is_model(cov, "{\"branches\":null,\"files\":[{\"branches\":null,"
		 "\"lines\":{\"covered\":1,\"total\":1},\"path\":\"a.c\"}],"
		 "\"lines\":{\"covered\":1,\"total\":1}}",
		 "Cobertura: method lines are not counted twice");
	json_decref(cov);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		bail("cannot create", tmpdir);
	test_formats();
	test_merge();
	test_detect();
	test_bad_text();
	test_bad_xml();
	for (const char *const *n = (const char *const[]){ "cut.xml", "g.xml",
		"h.xml", "c.xml", "dtd.xml", NULL }; *n; n++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/%s", tmpdir, *n);
		unlink(p);
	}
	rmdir(tmpdir);
	return done_testing();
}
