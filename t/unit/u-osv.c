/*
 * u-osv.c - OSV advisories (lib/secscan/osv.c) and the advisory tables of
 * the store: CVSS 3 scores, severities, record checks, the range
 * evaluation of the OSV schema, then imports of t/data/osv/dir as a folder
 * and as a zip archive built here, with osv_match results compared whole.
 *
 * The store part runs on SQLite in a mkdtemp folder, and also on
 * PostgreSQL when AGENTKIT_TEST_PG names a server (as t/helpers/with-pg
 * sets it): the test makes a database of its own there and drops it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "buf.h"
#include "error.h"
#include "store.h"
#include "secscan/osv.h"
#include "tap.h"

#define DIR_ "t/data/osv/dir"

static char tmpdir[64];

/* ---- CVSS and severity ---------------------------------------------------- */

static void test_cvss(void)
{
	static const struct { const char *v; double want; } good[] = {
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 },
		{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5 },
		{ "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9 },
		{ "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5 },
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4 },
		{ "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0 },
		{ "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N", 2.3 },
		{ "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 9.8 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8 },
	};
	static const char *const bad[] = {
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
		"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",
		"CVSS:3.1/",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		double s = -1;
		int rc = osv_cvss3_score(good[i].v, &s);

		ok(rc == 0 && (long)(s * 10 + 0.5) == (long)(good[i].want * 10 + 0.5),
		   "CVSS %s is %.1f (got %.1f)", good[i].v, good[i].want, s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		double s = -1;

		ok(osv_cvss3_score(bad[i], &s) < 0 && ak_errcode() == AK_EXIT_DATAERR && s == -1,
		   "CVSS '%s' is refused: %s", bad[i], ak_errmsg());
	}
}

static json_t *rec_of(const char *text)
{
	json_t *r = osv_parse(text, strlen(text));

	if (!r)
		printf("# %s\n", ak_errmsg());
	return r;
}

static void severity_is(const char *text, const char *want, const char *what)
{
	json_t *r = rec_of(text);

	is_str(r ? osv_severity_name(osv_severity(r)) : "(unparsed)", want, "severity: %s", what);
	json_decref(r);
}

static void test_severity(void)
{
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		    "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]}", "critical", "9.8 is critical");
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		    "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N\"}],"
		    "\"database_specific\":{\"severity\":\"CRITICAL\"}}", "medium",
		    "6.1 is medium, and CVSS wins over database_specific");
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		    "\"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N\"},{\"type\":\"CVSS_V3\",\"score\":"
		    "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\"}]}", "high",
		    "the highest of two scores (2.3, 7.5)");
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		    "\"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N\"}]}", "low", "2.3 is low");
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V4\",\"score\":"
		    "\"CVSS:4.0/AV:N\"}],\"database_specific\":{\"severity\":\"MODERATE\"}}", "medium",
		    "CVSS v4 only: database_specific MODERATE");
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"database_specific\":"
		    "{\"severity\":\"HIGH\"}}]}", "high", "an affected entry's database_specific");
	severity_is("{\"id\":\"A\",\"modified\":\"x\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
		    "\"garbage\"}],\"database_specific\":{\"severity\":\"low\"}}", "low",
		    "an unreadable vector falls back to database_specific");
	severity_is("{\"id\":\"A\",\"modified\":\"x\"}", "medium", "nothing at all: medium");
}

static void test_parse(void)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "{\"id\": ", "not JSON" },
		{ "[]", "not an object" },
		{ "{\"modified\":\"x\"}", "no id" },
		{ "{\"id\":\"\",\"modified\":\"x\"}", "no id" },
		{ "{\"id\":\"A\"}", "no modified time" },
		{ "{\"id\":\"A\",\"id\":\"B\",\"modified\":\"x\"}", "not JSON" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"aliases\":[1]}", "aliases that are not strings" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"withdrawn\":true}", "not a string" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":{}}", "affected that is not an array" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"package\":{\"name\":3}}]}",
		  "a package without string ecosystem and name" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"versions\":[null]}]}",
		  "versions that are not strings" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"events\":[]}]}]}",
		  "a range without a type" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
		  "\"events\":[]}]}]}", "a range without events" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
		  "\"events\":[{\"introduced\":\"0\",\"fixed\":\"1\"}]}]}]}", "an event that is not one member" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
		  "\"events\":[{\"patched\":\"1\"}]}]}]}", "an unknown event" },
		{ "{\"id\":\"A\",\"modified\":\"x\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\","
		  "\"events\":[{\"fixed\":1}]}]}]}", "an event version that is not a string" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *r = osv_parse(bad[i].text, strlen(bad[i].text));

		ok(!r && ak_errcode() == AK_EXIT_DATAERR && strstr(ak_errmsg(), bad[i].why),
		   "osv_parse refuses %s: %s", bad[i].text, ak_errmsg());
		json_decref(r);
	}
	ok(osv_parse("{}", OSV_MAX_RECORD + 1) == NULL && strstr(ak_errmsg(), "larger than"),
	   "osv_parse refuses a record too large");
}

/* ---- range evaluation -------------------------------------------------- */

/* A record of one affected entry for eco/name with the given ranges/versions JSON. */
static json_t *one(const char *eco, const char *name, const char *affected_rest)
{
	struct buf b = BUF_INIT;
	json_t *r;

	buf_addf(&b, "{\"id\":\"T-1\",\"modified\":\"2099-01-01T00:00:00Z\",\"affected\":[{"
		 "\"package\":{\"ecosystem\":\"%s\",\"name\":\"%s\"},%s}]}", eco, name, affected_rest);
	r = rec_of(b.p);
	buf_release(&b);
	return r;
}

/* versions: "v=1" affected, "v=0" not; with the fixed version expected after ':' */
static void cases(const char *what, const char *eco, const char *name, const char *rest,
		  const char *const *cs, size_t n)
{
	json_t *r = one(eco, name, rest);

	for (size_t i = 0; i < n; i++) {
		char v[64], want_fixed[64] = "";
		const char *eq = strchr(cs[i], '='), *colon = strchr(cs[i], ':'), *fixed = "x";
		int want = eq[1] == '1', got;

		snprintf(v, sizeof(v), "%.*s", (int)(eq - cs[i]), cs[i]);
		if (colon)
			snprintf(want_fixed, sizeof(want_fixed), "%s", colon + 1);
		got = r ? osv_affects(r, eco, name, v, &fixed) : -2;
		ok(got == want && !strcmp(fixed ? fixed : "", want_fixed),
		   "%s: %s %s affected%s%s", what, v, want ? "is" : "is not",
		   colon ? ", fixed in " : "", want_fixed);
		if (got != want || strcmp(fixed ? fixed : "", want_fixed))
			printf("#   got %d, fixed '%s'\n", got, fixed ? fixed : "(null)");
	}
	json_decref(r);
}

#define CASES(what, eco, name, rest, ...) do { \
	static const char *const c_[] = { __VA_ARGS__ }; \
	cases(what, eco, name, rest, c_, sizeof(c_) / sizeof(*c_)); \
} while (0)

static void test_ranges(void)
{
	json_t *r;
	const char *fixed;

	CASES("introduced 0, fixed", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2.0\"}]}]",
	      "0.0.1=1:1.2.0", "1.1.9=1:1.2.0", "1.2.0-rc.1=1:1.2.0", "1.2.0=0", "2.0.0=0");
	CASES("introduced, last_affected", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},"
	      "{\"last_affected\":\"1.4.0\"}]}]",
	      "0.9.0=0", "1.0.0-beta=0", "1.0.0=1", "1.4.0=1", "1.4.1=0");
	CASES("two windows in one range, events out of order", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"2.3.0\"},{\"introduced\":\"1.0.0\"},"
	      "{\"introduced\":\"2.0.0\"},{\"fixed\":\"1.1.0\"}]}]",
	      "0.5.0=0", "1.0.5=1:1.1.0", "1.5.0=0", "2.1.0=1:2.3.0", "3.0.0=0");
	CASES("two ranges", "crates.io", "smallvec",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0.6.0\"},{\"fixed\":\"0.6.10\"}]},"
	      "{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.6.1\"}]}]",
	      "0.5.0=0", "0.6.9=1:0.6.10", "1.6.0=1:1.6.1", "1.6.1=0");
	CASES("versions only", "PyPI", "Zope.Interface", "\"versions\":[\"1.0.1\",\"1.0\"]",
	      "1.0.1=1", "1.0.0=1", "1.0.2=0", "0.9=0");
	CASES("limit", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"limit\":\"2.0.0\"}]}]",
	      "1.9.9=1", "2.0.0=0", "3.0.0=0");
	CASES("limit *", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"limit\":\"*\"}]}]",
	      "0.1.0=0", "99.0.0=1");
	CASES("GIT ranges are passed over", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"GIT\",\"repo\":\"r\",\"events\":[{\"introduced\":\"0\"}]}]",
	      "1.0.0=0");
	CASES("PEP 440 ordering in ECOSYSTEM ranges", "PyPI", "requests",
	      "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0rc1\"}]}]",
	      "2.0b1=1:2.0rc1", "1.9.post1=1:2.0rc1", "2.0rc1=0", "2.0=0", "2.0.0.dev1=1:2.0rc1");
	CASES("a range with an unreadable version is passed over", "npm", "left-pad",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"soon\"}]},"
	      "{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"5.0.0\"}]}]",
	      "1.0.0=0", "5.0.1=1");
	CASES("Go versions with and without v", "Go", "example.com/x/net",
	      "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},"
	      "{\"fixed\":\"0.7.0\"}]}]",
	      "v0.0.0-20220722155237-a158d28d115b=1:0.7.0", "0.6.0=1:0.7.0", "v0.7.0=0");

	r = one("npm", "left-pad", "\"versions\":[\"1.0.0\"]");
	ok(r && osv_affects(r, "npm", "Left-Pad", "1.0.0", &fixed) == 0,
	   "npm names are compared case by case");
	ok(r && osv_affects(r, "crates.io", "left-pad", "1.0.0", &fixed) == 0,
	   "another ecosystem does not match");
	ok(r && osv_affects(r, "npm", "left-pad", "latest", &fixed) < 0 &&
	   ak_errcode() == AK_EXIT_DATAERR && strstr(ak_errmsg(), "'latest'"),
	   "an unreadable installed version is an error: %s", ak_errmsg());
	json_decref(r);
	r = one("PyPI", "Zope.Interface", "\"versions\":[\"5.0\"]");
	ok(r && osv_affects(r, "PyPI", "zope_interface", "5.0", NULL) == 1,
	   "PyPI names are compared PEP 503-normalised");
	json_decref(r);
}

/* ---- the store ------------------------------------------------------------ */

struct warnings {
	struct buf b;
};

static void on_warn(const char *msg, void *ctx)
{
	struct warnings *w = ctx;

	buf_addf(&w->b, "%s\n", msg);
}

static int lines(const char *p)
{
	int n = 0;

	for (; p && *p; p++)
		n += *p == '\n';
	return n;
}

static void match_is(struct store *s, const char *be, const char *eco, const char *name,
		     const char *version, const char *want)
{
	json_t *out = NULL;
	char *got = NULL;

	if (osv_match(s, eco, name, version, &out) == 0)
		got = json_dumps(out, JSON_COMPACT);
	is_str(got ? got : ak_errmsg(), want, "%s: osv_match %s %s %s", be, eco, name, version);
	free(got);
	json_decref(out);
}

static const char lodash_want[] =
	"[{\"id\":\"GHSA-aaaa-0001\",\"aliases\":[\"CVE-2099-0001\"],"
	"\"summary\":\"Prototype pollution in lodash\",\"severity\":\"high\","
	"\"fixed\":\"4.17.21\"}]";

static void check_matches(struct store *s, const char *be)
{
	match_is(s, be, "npm", "lodash", "4.17.20", lodash_want);
	match_is(s, be, "npm", "lodash", "4.17.21", "[]");
	match_is(s, be, "npm", "Lodash", "4.17.20", "[]");
	match_is(s, be, "PyPI", "django", "3.2.4",
		 "[{\"id\":\"GHSA-bbbb-0002\",\"aliases\":[\"CVE-2099-0002\",\"PYSEC-2099-1\"],"
		 "\"summary\":\"Directory traversal in Django file uploads\",\"severity\":\"high\","
		 "\"fixed\":\"3.2.5\"}]");
	match_is(s, be, "PyPI", "Django", "3.0.1",
		 "[{\"id\":\"PYSEC-2099-1\",\"aliases\":[\"CVE-2099-0002\",\"GHSA-bbbb-0002\"],"
		 "\"summary\":\"Potential directory traversal via uploaded files.\","
		 "\"severity\":\"medium\",\"fixed\":\"3.1.12\"}]");
	match_is(s, be, "PyPI", "DJANGO", "3.1.12", "[]");
	match_is(s, be, "Go", "github.com/gorilla/mux", "v1.8.0",
		 "[{\"id\":\"GO-2099-0003\",\"aliases\":[],\"summary\":\"Route confusion in "
		 "gorilla/mux\",\"severity\":\"medium\",\"fixed\":null}]");
	match_is(s, be, "Go", "github.com/gorilla/mux", "1.8.1", "[]");
	match_is(s, be, "crates.io", "regex", "1.5.4",
		 "[{\"id\":\"RUSTSEC-2099-0004\",\"aliases\":[\"CVE-2099-0004\",\"GHSA-dddd-0004\"],"
		 "\"summary\":\"Regex compilation can take exponential time\",\"severity\":\"high\","
		 "\"fixed\":\"1.5.5\"}]");
	match_is(s, be, "crates.io", "regex-lite", "0.1.0",
		 "[{\"id\":\"RUSTSEC-2099-0004\",\"aliases\":[\"CVE-2099-0004\",\"GHSA-dddd-0004\"],"
		 "\"summary\":\"Regex compilation can take exponential time\",\"severity\":\"high\","
		 "\"fixed\":\"0.1.1\"}]");
	match_is(s, be, "npm", "minimist", "1.2.5",
		 "[{\"id\":\"GHSA-cccc-0005\",\"aliases\":[],\"summary\":\"Prototype pollution in "
		 "minimist\",\"severity\":\"critical\",\"fixed\":\"1.2.6\"}]");
	match_is(s, be, "npm", "minimist", "0.0.8",
		 "[{\"id\":\"GHSA-cccc-0005\",\"aliases\":[],\"summary\":\"Prototype pollution in "
		 "minimist\",\"severity\":\"critical\",\"fixed\":\"0.2.4\"}]");
	match_is(s, be, "npm", "left-pad", "1.0.0", "[]");
}

static void stats_are(const char *be, const char *what, const struct osv_import_stats *st,
		      const char *want)
{
	char got[256];

	snprintf(got, sizeof(got), "records %ld imported %ld updated %ld merged %ld "
		 "withdrawn %ld other %ld malformed %ld", st->records, st->imported, st->updated,
		 st->merged, st->withdrawn, st->other_ecosystem, st->malformed);
	is_str(got, want, "%s: %s", be, what);
}

/* Write every *.json file of DIR_ (and a stray entry or two) into a zip. */
static int make_zip(const char *zip)
{
	static const char *const files[] = {
		"GHSA-aaaa-0001.json", "GHSA-bbbb-0002.json", "GHSA-wwww-0006.json",
		"PYSEC-2099-1.json", "broken.json", "sub/GHSA-cccc-0005.json", "sub/GO-2099-0003.json",
		"sub/MAVEN-2099-0007.json", "sub/RUSTSEC-2099-0004.json", "sub/badshape.json",
	};
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_write_set_format_zip(a);
	if (archive_write_open_filename(a, zip) != ARCHIVE_OK)
		rc = -1;
	for (size_t i = 0; rc == 0 && i <= sizeof(files) / sizeof(*files); i++) {
		struct buf b = BUF_INIT, path = BUF_INIT;
		const char *name = i < sizeof(files) / sizeof(*files) ? files[i] : "README.md";

		buf_addf(&path, "%s/%s", DIR_, name);
		if (i < sizeof(files) / sizeof(*files) && buf_read_file(&b, path.p) < 0)
			rc = -1;
		if (i == sizeof(files) / sizeof(*files))
			buf_addstr(&b, "not a record\n");
		archive_entry_clear(e);
		/* all.zip is flat: one entry per record, named after it */
		archive_entry_set_pathname(e, strrchr(name, '/') ? strrchr(name, '/') + 1 : name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)b.len);
		if (rc == 0 && (archive_write_header(a, e) != ARCHIVE_OK ||
				archive_write_data(a, b.p, b.len) != (la_ssize_t)b.len))
			rc = -1;
		buf_release(&b);
		buf_release(&path);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		rc = -1;
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

static void test_store_put(struct store *s, const char *be)
{
	int64_t rows = -1, ids = -1;

	is_int(store_advisory_put(s, "B-2", "npm", "pkg", "2099-01-02T00:00:00Z", "{\"v\":1}"), 1,
	       "%s: store_advisory_put stores a new row", be);
	is_int(store_advisory_put(s, "A-1", "npm", "pkg", "2099-01-01T00:00:00Z", "{\"v\":\"a\"}"), 1,
	       "%s: and another", be);
	is_int(store_advisory_put(s, "B-2", "npm", "pkg", "2099-01-02T00:00:00Z", "{\"v\":2}"), 0,
	       "%s: the same modified time keeps the row", be);
	is_int(store_advisory_put(s, "B-2", "npm", "pkg", "2099-01-01T00:00:00Z", "{\"v\":3}"), 0,
	       "%s: an older one keeps it", be);
	is_int(store_advisory_put(s, "B-2", "npm", "pkg", "2099-01-03T00:00:00Z", "{ \"v\" : 4 }"), 1,
	       "%s: a newer one replaces it", be);
	is_int(store_advisory_put(s, "B-2", "npm", "other", "2099-01-01T00:00:00Z", "{}"), 1,
	       "%s: one id for two packages is two rows", be);
	ok(store_advisory_count(s, &rows, &ids) == 0 && rows == 3 && ids == 2,
	   "%s: three rows, two ids (%lld, %lld)", be, (long long)rows, (long long)ids);
	ok(store_advisory_put(s, "C-3", "npm", "pkg", "x", "{\"v\":") < 0 &&
	   ak_errcode() == AK_EXIT_DATAERR, "%s: a record that is not JSON is refused: %s", be,
	   ak_errmsg());
	ok(store_advisory_put(s, "", "npm", "pkg", "x", "{}") < 0 &&
	   ak_errcode() == AK_EXIT_SOFTWARE, "%s: an advisory without an id is refused", be);
}

static int collect(const char *id, const char *json, void *ctx)
{
	buf_addf(ctx, "%s %s\n", id, json);
	return 0;
}

static int stop_at_first(const char *id, const char *json, void *ctx)
{
	(*(int *)ctx)++;
	return 42;
}

static void test_store_each(struct store *s, const char *be)
{
	struct buf b = BUF_INIT;
	int calls = 0;

	buf_addstr(&b, "");
	ok(store_advisory_each(s, "npm", "pkg", collect, &b) == 0, "%s: store_advisory_each", be);
	is_str(b.p, "A-1 {\"v\":\"a\"}\nB-2 { \"v\" : 4 }\n",
	       "%s: lists one package's records by id, byte for byte", be);
	buf_reset(&b);
	buf_addstr(&b, "");
	ok(store_advisory_each(s, "PyPI", "pkg", collect, &b) == 0 && b.len == 0,
	   "%s: nothing for another ecosystem", be);
	is_int(store_advisory_each(s, "npm", "pkg", stop_at_first, &calls), 42,
	       "%s: a callback's non-zero return stops the walk and is returned", be);
	is_int(calls, 1, "%s: after one call", be);
	buf_release(&b);
}

static int write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A record imported live, then withdrawn by a newer copy of itself. */
static void test_withdrawn(struct store *s, const char *be)
{
	static const char live[] =
		"{\"id\":\"GHSA-zzzz-0010\",\"modified\":\"2099-01-01T00:00:00Z\","
		"\"summary\":\"Maybe a bug\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
		"\"name\":\"left-pad\"},\"versions\":[\"1.0.0\"]}]}";
	static const char gone[] =
		"{\"id\":\"GHSA-zzzz-0010\",\"modified\":\"2099-02-01T00:00:00Z\","
		"\"withdrawn\":\"2099-02-01T00:00:00Z\",\"summary\":\"Maybe a bug\","
		"\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"left-pad\"},"
		"\"versions\":[\"1.0.0\"]}]}";
	struct osv_import_stats st = OSV_IMPORT_STATS_INIT;
	char path[128];

	ok(write_file("live.json", live, path, sizeof(path)) == 0 && osv_import(s, path, &st) == 0,
	   "%s: import a live record", be);
	match_is(s, be, "npm", "left-pad", "1.0.0",
		 "[{\"id\":\"GHSA-zzzz-0010\",\"aliases\":[],\"summary\":\"Maybe a bug\","
		 "\"severity\":\"medium\",\"fixed\":null}]");
	ok(write_file("gone.json", gone, path, sizeof(path)) == 0 && osv_import(s, path, &st) == 0,
	   "%s: import its withdrawal", be);
	stats_are(be, "the withdrawal is counted as such", &st,
		  "records 1 imported 0 updated 0 merged 0 withdrawn 1 other 0 malformed 0");
	match_is(s, be, "npm", "left-pad", "1.0.0", "[]");
}

static void test_store(const char *spec, const char *be)
{
	struct warnings w = { BUF_INIT };
	struct osv_import_stats st = OSV_IMPORT_STATS_INIT;
	struct store *s = store_open(spec, NULL);
	json_t *out = (json_t *)1;

	ok(s != NULL, "%s: open a store: %s", be, s ? "" : ak_errmsg());
	if (!s)
		return;
	st.warn = on_warn;
	st.warn_ctx = &w;
	ok(osv_import(s, DIR_, &st) == 0, "%s: import a folder: %s", be, ak_errmsg());
	stats_are(be, "folder import counts", &st,
		  "records 10 imported 6 updated 6 merged 1 withdrawn 1 other 1 malformed 2");
	ok(w.b.p && strstr(w.b.p, DIR_ "/broken.json: not JSON") &&
	   strstr(w.b.p, DIR_ "/sub/badshape.json: not an OSV record: an event that is not one member"),
	   "%s: the two malformed records are reported", be);
	is_int(lines(w.b.p), 2, "%s: and nothing else", be);
	check_matches(s, be);

	/* again: nothing new, and the merge is seen from both sides now */
	ok(osv_import(s, DIR_, &st) == 0, "%s: import the folder again", be);
	stats_are(be, "a second import writes nothing", &st,
		  "records 10 imported 6 updated 0 merged 2 withdrawn 1 other 1 malformed 2");
	match_is(s, be, "npm", "lodash", "4.17.20", lodash_want);

	/* a record naming itself in another file with a newer time replaces it */
	ok(osv_import(s, DIR_ "/GHSA-aaaa-0001.json", &st) == 0 && st.imported == 1 &&
	   st.updated == 0, "%s: a single file, already there", be);

	test_withdrawn(s, be);

	ok(osv_match(s, "Maven", "x", "1.0", &out) < 0 && out == NULL &&
	   ak_errcode() == AK_EXIT_DATAERR, "%s: osv_match of an unknown ecosystem: %s", be,
	   ak_errmsg());
	out = (json_t *)1;
	ok(osv_match(s, "npm", "lodash", "latest", &out) < 0 && out == NULL &&
	   ak_errcode() == AK_EXIT_DATAERR, "%s: osv_match of an unreadable version: %s", be,
	   ak_errmsg());
	ok(osv_import(s, "/nonexistent/osv", &st) < 0 && ak_errcode() == AK_EXIT_IOERR,
	   "%s: a path that is not there: %s", be, ak_errmsg());
	store_close(s);
	buf_release(&w.b);
}

static void test_zip(const char *spec, const char *be, const char *zip)
{
	struct osv_import_stats st = OSV_IMPORT_STATS_INIT;
	struct store *s = store_open(spec, NULL);
	char junk[128];
	FILE *f;

	ok(s != NULL, "%s: open a second store: %s", be, s ? "" : ak_errmsg());
	if (!s)
		return;
	ok(osv_import(s, zip, &st) == 0, "%s: import a zip: %s", be, ak_errmsg());
	stats_are(be, "zip import counts", &st,
		  "records 10 imported 6 updated 6 merged 1 withdrawn 1 other 1 malformed 2");
	check_matches(s, be);
	snprintf(junk, sizeof(junk), "%s/junk.zip", tmpdir);
	f = fopen(junk, "w");
	if (f) {
		fputs("PK\003\004 this is no archive at all", f);
		fclose(f);
	}
	ok(osv_import(s, junk, &st) < 0 && ak_errcode() == AK_EXIT_DATAERR &&
	   strstr(ak_errmsg(), "cannot read archive"), "%s: a broken zip: %s", be, ak_errmsg());
	store_close(s);
}

/* ---- PostgreSQL: a database of our own ------------------------------------ */

static PGconn *admin;
static char pg_db[64];

static int pg_exec(const char *sql)
{
	PGresult *r = PQexec(admin, sql);
	int good = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!good)
		printf("# %s: %s", sql, PQerrorMessage(admin));
	PQclear(r);
	return good ? 0 : -1;
}

/* conninfo of database db on the server base names, in out. */
static void pg_spec(const char *base, const char *db, struct buf *out)
{
	PQconninfoOption *opts = PQconninfoParse(base, NULL);

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->val || !*o->val || !strcmp(o->keyword, "dbname"))
			continue;
		buf_addf(out, "%s='", o->keyword);
		for (const char *v = o->val; *v; v++) {
			if (*v == '\'' || *v == '\\')
				buf_addch(out, '\\');
			buf_addch(out, *v);
		}
		buf_addstr(out, "' ");
	}
	buf_addf(out, "dbname='%s'", db);
	PQconninfoFree(opts);
}

static void run_pg(const char *base, const char *zip)
{
	struct buf spec = BUF_INIT, spec2 = BUF_INIT;
	char sql[160], db2[80];

	admin = PQconnectdb(base);
	if (PQstatus(admin) != CONNECTION_OK) {
		ok(0, "postgres: connect to AGENTKIT_TEST_PG: %s", PQerrorMessage(admin));
		PQfinish(admin);
		return;
	}
	PQclear(PQexec(admin, "SET client_min_messages = warning"));
	snprintf(pg_db, sizeof(pg_db), "u_osv_%ld", (long)getpid());
	snprintf(db2, sizeof(db2), "%s_zip", pg_db);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
	if (pg_exec(sql) == 0) {
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db2);
		pg_exec(sql);
		pg_spec(base, pg_db, &spec);
		pg_spec(base, db2, &spec2);
		{
			struct store *s = store_open(spec.p, NULL);

			ok(s != NULL, "postgres: open: %s", s ? "" : ak_errmsg());
			if (s) {
				test_store_put(s, "postgres");
				test_store_each(s, "postgres");
				store_close(s);
			}
		}
		snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", pg_db);
		pg_exec(sql);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
		pg_exec(sql);
		test_store(spec.p, "postgres");
		test_zip(spec2.p, "postgres", zip);
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_db);
		pg_exec(sql);
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db2);
		pg_exec(sql);
	}
	buf_release(&spec);
	buf_release(&spec2);
	PQfinish(admin);
}

static void rm_tmp(void)
{
	static const char *const names[] = {
		"put.db", "put.db-wal", "put.db-shm", "osv.db", "osv.db-wal", "osv.db-shm",
		"zip.db", "zip.db-wal", "zip.db-shm", "all.zip", "junk.zip", "live.json", "gone.json",
	};
	char p[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

int main(void)
{
	char put[128], spec[128], spec2[128], zip[128];
	const char *base = getenv("AGENTKIT_TEST_PG");
	struct store *s;

	test_cvss();
	test_severity();
	test_parse();
	test_ranges();

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/u-osv.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	snprintf(put, sizeof(put), "%s/put.db", tmpdir);
	snprintf(spec, sizeof(spec), "%s/osv.db", tmpdir);
	snprintf(spec2, sizeof(spec2), "%s/zip.db", tmpdir);
	snprintf(zip, sizeof(zip), "%s/all.zip", tmpdir);
	s = store_open(put, NULL);
	ok(s != NULL, "sqlite: open: %s", s ? "" : ak_errmsg());
	if (s) {
		test_store_put(s, "sqlite");
		test_store_each(s, "sqlite");
		store_close(s);
	}
	test_store(spec, "sqlite");
	ok(make_zip(zip) == 0, "build a zip of the records with libarchive");
	test_zip(spec2, "sqlite", zip);
	if (base && *base)
		run_pg(base, zip);
	else
		printf("ok %d # skip AGENTKIT_TEST_PG not set (postgres)\n", ++tap_count);
	rm_tmp();
	return done_testing();
}
