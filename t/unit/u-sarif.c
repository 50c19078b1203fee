/*
 * u-sarif.c - unit tests for lib/secscan/sarif.c: whole logs compared with
 * the reviewed copies in t/unit/expect/sarif/, the severity to level and
 * security-severity mapping, URI encoding of paths, rule names, the caps
 * on locations and results, the order of rules and their indexes, that no
 * secret text but the redacted prefix reaches the log, and that the log
 * validates against the SARIF 2.1.0 schema (t/helpers/sarif-validate;
 * skipped when the validator or the schema is not installed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "buf.h"
#include "error.h"
#include "secscan/sarif.h"
#include "tap.h"

static const char rules_json[] =
	"[{\"id\": \"aws-access-key-id\", \"name\": \"AWS access key ID\","
	"  \"kind\": \"secret\", \"severity\": \"critical\","
	"  \"description\": \"An AWS access key ID, which with its secret key gives access to an AWS account.\","
	"  \"help\": \"Deactivate the key in IAM, then remove it from the history.\","
	"  \"cwe\": \"CWE-798\"},"
	" {\"id\": \"py-os-system\", \"name\": \"Shell command from a string\","
	"  \"kind\": \"code\", \"severity\": \"medium\","
	"  \"description\": \"os.system runs its argument through the shell.\","
	"  \"help\": \"Use subprocess.run with a list of arguments.\","
	"  \"cwe\": \"CWE-78\"},"
	" {\"id\": \"unused-rule\", \"name\": \"Never used\", \"kind\": \"iac\","
	"  \"severity\": \"low\", \"description\": \"d\", \"help\": \"h\"}]";

/* In the order code, secret, dependency, secret again (the same rule). */
static const char basic_json[] =
	"[{\"rule\": \"py-os-system\", \"name\": \"Shell command from a string\","
	"  \"kind\": \"code\", \"severity\": \"medium\","
	"  \"message\": \"Shell command from a string: os.system(cmd)\","
	"  \"snippet\": \"os.system(cmd)\", \"cwe\": \"CWE-78\","
	"  \"fingerprint\": \"1111111111111111111111111111111111111111111111111111111111111111\","
	"  \"locations\": [{\"path\": \"tools/run it.py\", \"line\": 7, \"column\": 5, \"end_column\": 19}]},"
	" {\"rule\": \"aws-access-key-id\", \"name\": \"AWS access key ID\","
	"  \"kind\": \"secret\", \"severity\": \"critical\","
	"  \"message\": \"AWS access key ID AKIA\u2026 (20 characters)\","
	"  \"secret\": {\"redacted\": \"AKIA\", \"length\": 20},"
	"  \"fingerprint\": \"2222222222222222222222222222222222222222222222222222222222222222\","
	"  \"cwe\": \"CWE-798\","
	"  \"locations\": [{\"path\": \"./src/config.py\", \"line\": 12, \"column\": 9, \"end_column\": 29},"
	"                 {\"path\": \"docs/100% #1?.md\", \"line\": 3}]},"
	" {\"rule\": \"GHSA-h4j5-c7cj-74xg\", \"name\": \"Prototype pollution in lodash\","
	"  \"kind\": \"dependency\", \"severity\": \"high\","
	"  \"message\": \"lodash 4.17.15 is affected by GHSA-h4j5-c7cj-74xg (fixed in 4.17.19)\","
	"  \"fingerprint\": \"3333333333333333333333333333333333333333333333333333333333333333\","
	"  \"cwe\": \"CWE-1321\","
	"  \"package\": {\"ecosystem\": \"npm\", \"name\": \"lodash\", \"version\": \"4.17.15\","
	"               \"fixed\": \"4.17.19\", \"aliases\": [\"CVE-2020-8203\"]},"
	"  \"locations\": [{\"path\": \"web/package-lock.json\", \"line\": 4021}]},"
	" {\"rule\": \"aws-access-key-id\", \"name\": \"AWS access key ID\","
	"  \"kind\": \"secret\", \"severity\": \"critical\","
	"  \"message\": \"AWS access key ID AKIA\u2026 (20 characters)\","
	"  \"secret\": {\"redacted\": \"AKIA\", \"length\": 20},"
	"  \"fingerprint\": \"4444444444444444444444444444444444444444444444444444444444444444\","
	"  \"locations\": [{\"path\": \"caf\u00e9/\u00fcber.env\", \"line\": 1, \"column\": 1}]}]";

/* A secret found in the history, with no rule description given. */
static const char history_json[] =
	"[{\"rule\": \"github-pat\", \"name\": \"GitHub personal access token\","
	"  \"kind\": \"secret\", \"severity\": \"high\","
	"  \"message\": \"GitHub personal access token ghp_\u2026 (40 characters)\","
	"  \"secret\": {\"redacted\": \"ghp_\", \"length\": 40},"
	"  \"fingerprint\": \"5555555555555555555555555555555555555555555555555555555555555555\","
	"  \"locations\": [{\"path\": \"deploy/.env\", \"line\": 2, \"column\": 7, \"end_column\": 47,"
	"                  \"commit\": \"0123456789abcdef0123456789abcdef01234567\","
	"                  \"author\": \"A U Thor <author@example.invalid>\","
	"                  \"date\": \"2026-11-27T08:00:00Z\","
	"                  \"blob\": \"89abcdef0123456789abcdef0123456789abcdef\"}]}]";

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	if (!v) {
		printf("Bail out! bad test JSON at line %d: %s\n", err.line, err.text);
		exit(1);
	}
	return v;
}

/* A file from this source file's directory (static storage). */
static const char *beside(const char *rel)
{
	static char path[4][512];
	static int next;
	const char *src = __FILE__, *slash = strrchr(src, '/');
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%.*s/%s",
		 slash ? (int)(slash - src) : 1, slash ? src : ".", rel);
	return p;
}

static char *dumps(const json_t *log)
{
	return json_dumps(log, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

static char *slurp(const char *path)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path) < 0) {
		printf("# cannot read '%s': %s\n", path, ak_errmsg());
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The dumped log compared whole with expect/sarif/name (without its final newline). */
static void compare_expect(const json_t *log, const char *name)
{
	char rel[128], *got = log ? dumps(log) : NULL, *want;
	size_t n;

	snprintf(rel, sizeof(rel), "expect/sarif/%s", name);
	want = slurp(beside(rel));
	n = want ? strlen(want) : 0;
	if (n && want[n - 1] == '\n')
		want[n - 1] = '\0';
	if (!ok(got && want && !strcmp(got, want), "the log matches %s", rel) && got)
		printf("# got:\n%s\n", got);
	free(got);
	free(want);
}

static json_t *log_of(const char *findings, const char *rules, const char *root)
{
	json_t *f = parse(findings), *r = rules ? parse(rules) : NULL;
	json_t *log = sarif_log(f, r, "0.3.0", root);

	if (!log)
		printf("# sarif_log failed: %s\n", ak_errmsg());
	json_decref(f);
	json_decref(r);
	return log;
}

static json_t *run_of(json_t *log)
{
	return json_array_get(json_object_get(log, "runs"), 0);
}

static json_t *at(json_t *v, const char *path)
{
	char key[64];

	while (v && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (json_is_array(v))
			v = json_array_get(v, strtoul(key, NULL, 10));
		else
			v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return v;
}

static const char *str_at(json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

static void test_whole(void)
{
	json_t *log = log_of(basic_json, rules_json, "/work/my repo");
	json_t *again = log_of(basic_json, rules_json, "/work/my repo");
	char *a = log ? dumps(log) : NULL, *b = again ? dumps(again) : NULL;

	compare_expect(log, "basic.json");
	ok(a && b && !strcmp(a, b), "the same input gives the same output");
	free(a);
	free(b);
	json_decref(log);
	json_decref(again);

	log = log_of(history_json, NULL, NULL);
	compare_expect(log, "history.json");
	json_decref(log);

	log = log_of(basic_json, rules_json, "file:///srv/checkout");
	is_str(str_at(log, "runs.0.originalUriBaseIds.SRCROOT.uri"),
	       "file:///srv/checkout/", "a root URI gets its final slash");
	json_decref(log);
}

static void test_severity(void)
{
	static const char *const sev[][4] = {
		{ "critical", "error", "9.5" },
		{ "high", "error", "8.0" },
		{ "medium", "warning", "5.5" },
		{ "low", "note", "3.0" },
	};

	for (size_t i = 0; i < 4; i++) {
		char findings[256];
		json_t *log, *run;

		snprintf(findings, sizeof(findings),
			 "[{\"rule\": \"r\", \"kind\": \"code\", \"severity\": \"%s\","
			 " \"message\": \"m\", \"locations\": [{\"path\": \"a\", \"line\": 1}]}]",
			 sev[i][0]);
		log = log_of(findings, NULL, NULL);
		run = run_of(log);
		is_str(str_at(run, "results.0.level"), sev[i][1], "%s: result level", sev[i][0]);
		is_str(str_at(run, "tool.driver.rules.0.defaultConfiguration.level"),
		       sev[i][1], "%s: rule level", sev[i][0]);
		is_str(str_at(run, "tool.driver.rules.0.properties.security-severity"),
		       sev[i][2], "%s: security-severity", sev[i][0]);
		json_decref(log);
	}
}

static void test_uri(void)
{
	static const char *const cases[][2] = {
		{ "src/a.py", "src/a.py" },
		{ "src/a b.py", "src/a%20b.py" },
		{ "100%.txt", "100%25.txt" },
		{ "a#b?c", "a%23b%3Fc" },
		{ "caf\xc3\xa9/\xc3\xbc.txt", "caf%C3%A9/%C3%BC.txt" },
		{ "./x/y", "x/y" },
		{ ".//./x", "x" },
		{ "a:b", "a%3Ab" },
		{ "dir\\file", "dir%5Cfile" },
		{ "q\"<>`{|}^[]", "q%22%3C%3E%60%7B%7C%7D%5E%5B%5D" },
		{ "keep-._~!$&'()*+,;=@", "keep-._~!$&'()*+,;=@" },
		{ "\x01\x7f\xff", "%01%7F%FF" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = sarif_uri_encode(cases[i][0]);

		is_str(got, cases[i][1], "uri for '%s'", cases[i][1]);
		free(got);
	}
}

static void test_rule_names(void)
{
	static const char *const cases[][2] = {
		{ "aws-access-key-id", "AwsAccessKeyId" },
		{ "GHSA-h4j5-c7cj-74xg", "GHSAH4j5C7cj74xg" },
		{ "py.os_system", "PyOsSystem" },
		{ "--", "Rule" },
		{ "", "Rule" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = sarif_rule_name(cases[i][0]);

		is_str(got, cases[i][1], "rule name for '%s'", cases[i][0]);
		free(got);
	}
}

/* One finding with n locations, line i+1 for the i-th. */
static json_t *many_locations(size_t n)
{
	json_t *f = parse("{\"rule\": \"r\", \"severity\": \"low\", \"message\": \"m\"}");
	json_t *locs = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *l = json_pack("{s:s, s:I}", "path", "a.txt", "line", (json_int_t)i + 1);

		json_array_append_new(locs, l);
	}
	json_object_set_new(f, "locations", locs);
	return f;
}

static void test_location_cap(void)
{
	json_t *findings = json_array(), *log, *run;

	json_array_append_new(findings, many_locations(1500));
	json_array_append_new(findings, many_locations(1000));
	log = sarif_log(findings, NULL, "1", NULL);
	run = run_of(log);
	is_int((long long)json_array_size(at(run, "results.0.locations")), 1000,
	       "1500 locations are cut to 1000");
	is_int(json_integer_value(at(run, "results.0.locations.999.physicalLocation.region.startLine")),
	       1000, "the first 1000 are kept, in order");
	is_int(json_integer_value(at(run, "results.0.properties.totalLocations")), 1500,
	       "the result says how many there were");
	is_int((long long)json_array_size(at(run, "results.1.locations")), 1000,
	       "1000 locations are kept whole");
	ok(at(run, "results.1.properties") == NULL, "and then no count is added");
	json_decref(log);
	json_decref(findings);
}

static void test_result_cap(void)
{
	json_t *findings = json_array(), *log, *run;
	const size_t n = SARIF_MAX_RESULTS + 1;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(findings, json_pack(
			"{s:s, s:s, s:s, s:[{s:s, s:I}]}", "rule", i % 2 ? "odd" : "even",
			"severity", "low", "message", "m",
			"locations", "path", "a", "line", (json_int_t)i + 1));
	log = sarif_log(findings, NULL, "1", NULL);
	run = run_of(log);
	is_int((long long)json_array_size(at(run, "results")), SARIF_MAX_RESULTS,
	       "25001 findings give 25000 results");
	ok(json_is_true(at(run, "properties.resultsTruncated")), "the run says it was cut");
	is_int(json_integer_value(at(run, "properties.totalResults")), (long long)n,
	       "and how many findings there were");
	json_decref(log);

	json_array_remove(findings, n - 1);
	log = sarif_log(findings, NULL, "1", NULL);
	ok(log && !at(run_of(log), "properties"), "25000 findings: no run properties");
	json_decref(log);
	json_decref(findings);
}

static void test_rule_order(void)
{
	static const char findings[] =
		"[{\"rule\": \"c\", \"severity\": \"low\", \"message\": \"1\"},"
		" {\"rule\": \"a\", \"severity\": \"low\", \"message\": \"2\"},"
		" {\"rule\": \"c\", \"severity\": \"low\", \"message\": \"3\"},"
		" {\"rule\": \"b\", \"severity\": \"low\", \"message\": \"4\"}]";
	static const char rules[] =
		"[{\"id\": \"a\", \"name\": \"A\"}, {\"id\": \"b\", \"name\": \"B\"},"
		" {\"id\": \"c\", \"name\": \"C\"}, {\"id\": \"d\", \"name\": \"D\"}]";
	static const long long want_index[] = { 0, 1, 0, 2 };
	json_t *log = log_of(findings, rules, NULL), *run = run_of(log);
	json_t *drv = at(run, "tool.driver.rules"), *res = at(run, "results");
	int consistent = 1;

	is_int((long long)json_array_size(drv), 3, "only the rules used are listed");
	is_str(str_at(drv, "0.id"), "c", "rules in the order of first use (1)");
	is_str(str_at(drv, "1.id"), "a", "rules in the order of first use (2)");
	is_str(str_at(drv, "2.id"), "b", "rules in the order of first use (3)");
	for (size_t i = 0; i < 4; i++)
		is_int(json_integer_value(at(json_array_get(res, i), "ruleIndex")),
		       want_index[i], "result %zu has ruleIndex %lld", i + 1, want_index[i]);
	json_decref(log);

	log = log_of(basic_json, rules_json, NULL);
	res = at(run_of(log), "results");
	drv = at(run_of(log), "tool.driver.rules");
	for (size_t i = 0; i < json_array_size(res); i++) {
		json_t *r = json_array_get(res, i);
		json_t *d = json_array_get(drv, json_integer_value(at(r, "ruleIndex")));

		if (!d || strcmp(str_at(d, "id"), str_at(r, "ruleId")))
			consistent = 0;
	}
	ok(log && consistent && json_array_size(res) == 4,
	   "every ruleIndex names the rule of its ruleId");
	json_decref(log);
}

static void test_no_secret(void)
{
	static const char findings[] =
		"[{\"rule\": \"aws-secret\", \"name\": \"AWS secret key\", \"kind\": \"secret\","
		"  \"severity\": \"critical\","
		"  \"message\": \"AWS secret key wJal\u2026 (40 characters)\","
		"  \"secret\": {\"redacted\": \"wJal\", \"length\": 40,"
		"              \"value\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\","
		"              \"raw\": \"key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"},"
		"  \"snippet\": \"key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\","
		"  \"match\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\","
		"  \"fingerprint\": \"6666666666666666666666666666666666666666666666666666666666666666\","
		"  \"locations\": [{\"path\": \"a.env\", \"line\": 1,"
		"                  \"text\": \"key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}]}]";
	json_t *log = log_of(findings, NULL, NULL);
	char *text = log ? json_dumps(log, JSON_COMPACT) : NULL;

	ok(text && !strstr(text, "rXUtnFEMI") && !strstr(text, "EXAMPLEKEY"),
	   "no part of the secret beyond its prefix is in the log");
	ok(text && strstr(text, "\"redacted\":\"wJal\"") && strstr(text, "\"length\":40"),
	   "the redacted prefix and the length are");
	free(text);
	json_decref(log);
}

static void test_errors(void)
{
	json_t *obj = json_object(), *arr = parse("[1]"), *empty = json_array(), *log;

	ok(sarif_log(obj, NULL, "1", NULL) == NULL && ak_errcode() == AK_EXIT_SOFTWARE,
	   "findings that are not an array are refused");
	ok(sarif_log(arr, NULL, "1", NULL) == NULL, "a finding that is not an object is refused");
	ok(sarif_log(empty, arr, "1", NULL) == NULL, "a rule that is not an object is refused");
	log = sarif_log(empty, NULL, NULL, NULL);
	ok(log && json_array_size(at(run_of(log), "results")) == 0 &&
	   json_array_size(at(run_of(log), "tool.driver.rules")) == 0 &&
	   !at(run_of(log), "tool.driver.semanticVersion"),
	   "no findings: an empty run without a version");
	json_decref(log);
	json_decref(obj);
	json_decref(arr);
	json_decref(empty);
}

static long allocs_left = -1;    /* -1: no limit */

static void *failing_malloc(size_t n)
{
	if (allocs_left == 0)
		return NULL;
	if (allocs_left > 0)
		allocs_left--;
	return malloc(n);
}

/*
 * Fail the first, second, ... allocation of jansson in turn: each time the
 * log is either NULL with "out of memory" or whole, and LeakSanitizer finds
 * nothing left over at exit.
 */
static void test_out_of_memory(void)
{
	json_t *f = parse(basic_json), *r = parse(rules_json), *log = NULL;
	char *want = NULL, *got;
	int failed_well = 1;
	long k;

	log = sarif_log(f, r, "0.3.0", "/work/my repo");
	want = log ? json_dumps(log, JSON_COMPACT) : NULL;
	json_decref(log);
	json_set_alloc_funcs(failing_malloc, free);
	for (k = 0; k < 100000; k++) {
		allocs_left = k;
		log = sarif_log(f, r, "0.3.0", "/work/my repo");
		allocs_left = -1;
		if (log)
			break;
		if (strcmp(ak_errmsg(), "out of memory"))
			failed_well = 0;
	}
	got = log ? json_dumps(log, JSON_COMPACT) : NULL;
	json_set_alloc_funcs(malloc, free);
	ok(k > 50 && failed_well, "%ld failed allocations each give NULL, out of memory", k);
	ok(got && want && !strcmp(got, want), "then the log is whole");
	free(got);
	free(want);
	json_decref(log);
	json_decref(f);
	json_decref(r);
}

/* The validator's exit status for log written to path, or -1. */
static int validate(const json_t *log, const char *path, int quiet)
{
	char cmd[1024];
	int st;

	if (!log || json_dump_file(log, path, JSON_INDENT(1)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' '%s'%s", beside("../helpers/sarif-validate"),
		 path, quiet ? " 2> /dev/null" : "");
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_schema(void)
{
	const char *path = "/tmp/u-sarif-basic.sarif", *bad = "/tmp/u-sarif-bad.sarif";
	json_t *log = log_of(basic_json, rules_json, "/work/my repo");
	json_t *hist = log_of(history_json, NULL, NULL);
	json_t *many = json_array(), *big;
	int rc = validate(log, path, 0);

	json_array_append_new(many, many_locations(1001));
	big = sarif_log(many, NULL, "1", "file:///srv/x");
	if (rc == 2) {
		ok(1, "the log validates # SKIP no SARIF validator or schema");
		ok(1, "with history locations # SKIP no SARIF validator or schema");
		ok(1, "with cut locations # SKIP no SARIF validator or schema");
		ok(1, "a bad level does not # SKIP no SARIF validator or schema");
		ok(1, "a bad URI does not # SKIP no SARIF validator or schema");
	} else {
		is_int(rc, 0, "the log validates against the SARIF 2.1.0 schema");
		is_int(validate(hist, bad, 0), 0, "so does one with history locations");
		is_int(validate(big, bad, 0), 0, "and one with cut locations");
		json_object_set_new(at(log, "runs.0.results.0"), "level",
				    json_string("fatal"));
		is_int(validate(log, bad, 1), 1, "a log with a bad level does not");
		json_object_set_new(at(log, "runs.0.results.0"), "level",
				    json_string("note"));
		json_object_set_new(at(log, "runs.0.results.0.locations.0."
				       "physicalLocation.artifactLocation"),
				    "uri", json_string("a b#c#d"));
		is_int(validate(log, bad, 1), 1, "nor one with a bad URI");
		remove(bad);
	}
	json_decref(big);
	json_decref(many);
	json_decref(hist);
	json_decref(log);
}

int main(void)
{
	test_whole();
	test_severity();
	test_uri();
	test_rule_names();
	test_location_cap();
	test_result_cap();
	test_rule_order();
	test_no_secret();
	test_errors();
	test_out_of_memory();
	test_schema();
	return done_testing();
}
