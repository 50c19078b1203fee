/*
 * u-secscan.c - unit tests for agent-secscan's rules and engine
 * (lib/secscan/rules.c, engine.c, scan.c): rule files read and refused,
 * hits confirmed with the right start and secret, a run of ends confirmed
 * once, a pattern Hyperscan runs only as a prefilter, the filters
 * (keywords, entropy, stopwords, allow regexes and paths, the path filter,
 * the inline mark), findings folded by (rule, secret), redaction, and
 * hostile buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "secscan/engine.h"
#include "secscan/rules.h"
#include "secscan/scan.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-secscan.XXXXXX";

static const char *write_rules(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

static const char *rules_text =
	"rules:\n"
	"  - id: tok\n"
	"    name: Token\n"
	"    severity: high\n"
	"    pattern: '\\b(tok_[A-Za-z0-9]{12,40})'\n"
	"    entropy: 3.0\n"
	"    allow:\n"
	"      stopwords: [example]\n"
	"      regexes: ['^tok_0+$']\n"
	"      paths: ['(^|/)fixtures/']\n"
	"    help: Revoke it.\n"
	"  - id: pw\n"
	"    name: Password\n"
	"    severity: medium\n"
	"    pattern: '(?i)pass(?:word)?\\s*[:=]\\s*\"([^\"\\n]{6,64})\"'\n"
	"    keywords: [pass]\n"
	"    help: Move it out.\n"
	"  - id: after\n"
	"    name: Lookahead\n"
	"    kind: code\n"
	"    severity: low\n"
	"    pattern: 'danger\\((?!\"const\")'\n"
	"    paths: '\\.c$'\n"
	"    help: Check it.\n"
	"  - id: whole\n"
	"    name: No group\n"
	"    severity: low\n"
	"    pattern: 'ZZ[0-9]{4}'\n"
	"    help: h\n";

struct seen {
	char text[8][128];
	size_t start[8];
	int n;
};

static int record(void *ctx, const struct hit *h)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		s->start[s->n] = h->sec_start;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s@%zu-%zu/%zu-%zu", h->rule->id,
			 h->start, h->end, h->sec_start, h->sec_end);
		s->n++;
	}
	return 0;
}

static struct seen scan(const struct engine *e, struct engine_scratch *s, const char *path,
			const char *text)
{
	struct seen seen = { .n = 0 };

	engine_scan(e, s, path, text, strlen(text), record, &seen);
	return seen;
}

static void test_rule_errors(void)
{
	struct ruleset rs = RULESET_INIT;
	static const struct { const char *yaml, *msg; } bad[] = {
		{ "rules: 3\n", "expected a list of rules under 'rules'" },
		{ "rules:\n  - id: A\n    name: n\n    severity: low\n    pattern: a\n    help: h\n",
		  "id must be" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    help: h\n",
		  "give a pattern or a check" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    pattern: a\n    check: x\n    help: h\n",
		  "give a pattern or a check" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    check: no-such\n    help: h\n",
		  "unknown check 'no-such'" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    pattern: (a)\n    group: 2\n    help: h\n",
		  "group must be 0..1" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    pattern: a\n    entropy: 9\n    help: h\n",
		  "entropy must be 0..8" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    pattern: a\n    allow: {colour: [x]}\n    help: h\n",
		  "unknown field 'allow.colour'" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    pattern: a\n    help: h\n"
		  "  - id: a\n    name: n\n    severity: low\n    pattern: b\n    help: h\n",
		  "rule 'a': id already used" },
		{ "rules:\n  - id: a\n    name: n\n    severity: low\n    pattern: a\n", "help are required" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = write_rules("bad.yaml", bad[i].yaml);
		int rc = ruleset_load_file(&rs, p);

		ok(rc == -1 && ak_errcode() == AK_EXIT_DATAERR && strstr(ak_errmsg(), bad[i].msg) &&
		   rs.n == 0, "bad rule file %zu refused: %s", i, ak_errmsg());
	}
	ruleset_release(&rs);
}

static void test_engine(void)
{
	struct ruleset rs = RULESET_INIT;
	struct engine *e;
	struct engine_scratch *s;
	struct seen r;

	ok(ruleset_load_file(&rs, write_rules("good.yaml", rules_text)) == 0 && rs.n == 4,
	   "rule file read: %zu rules", rs.n);
	e = engine_new(&rs);
	ok(e != NULL && engine_rule_count(e) == 4, "engine built");
	if (!e) {
		ruleset_release(&rs);
		return;
	}
	s = engine_scratch_new(e);
	r = scan(e, s, "a.txt", "x = tok_Ab3dE5fG7hJ9kL\n");
	is_str(r.n ? r.text[0] : "", "tok@4-22/4-22", "a token: one hit, start found");
	r = scan(e, s, "a.txt", "x = tok_Ab3dE5fG7hJ9kLmN2pQ4rS6tU8vW0xY1zA3bC5dE7\n");
	ok(r.n == 1, "a run of ends is confirmed once (%d hits)", r.n);
	is_str(r.n ? r.text[0] : "", "tok@4-48/4-48", "at its longest bounded match");
	r = scan(e, s, "a.txt", "x = tok_aaaaaaaaaaaaaaaa\n");
	ok(r.n == 0, "entropy floor drops a repetitive token");
	r = scan(e, s, "a.txt", "x = tok_exAmPle12345678\n");
	ok(r.n == 0, "stopword (any case) drops it");
	r = scan(e, s, "a.txt", "x = tok_000000000000\n");
	ok(r.n == 0, "allow regex drops it");
	r = scan(e, s, "src/fixtures/a.txt", "x = tok_Ab3dE5fG7hJ9kL\n");
	ok(r.n == 0, "allow path drops it");
	r = scan(e, s, "a.txt", "x = tok_Ab3dE5fG7hJ9kL  # agentkit:allow\n");
	ok(r.n == 0, "the inline mark drops it");
	r = scan(e, s, "a.txt", "# agentkit:allow\nx = tok_Ab3dE5fG7hJ9kL\n");
	ok(r.n == 1, "a mark on another line does not");
	r = scan(e, s, "a.txt", "notatok_Ab3dE5fG7hJ9kL\n");
	ok(r.n == 0, "word boundary honoured");
	r = scan(e, s, "c.py", "PASSWORD = \"Winter2019!\"\n");
	is_str(r.n ? r.text[0] : "", "pw@0-24/12-23", "group 1 is the secret");
	r = scan(e, s, "c.py", "word = \"Winter2019!\"\n");
	ok(r.n == 0, "no keyword on the line, no hit");
	r = scan(e, s, "x.c", "danger(\"const\");\ndanger(input);\n");
	ok(r.n == 1 && r.start[0] == 17, "lookahead pattern runs as a prefilter, PCRE2 decides");
	r = scan(e, s, "x.py", "danger(input);\n");
	ok(r.n == 0, "path filter: a .c rule does not run on .py");
	r = scan(e, s, "a", "ZZ1234 ZZ5678");
	ok(r.n == 2, "a rule without a group reports the whole match (%d)", r.n);
	{
		/* hostile: NULs, a long line, no newline at the end */
		size_t n = 1 << 20;
		char *big = malloc(n + 1);

		memset(big, 'A', n);
		big[n] = 0;
		memcpy(big + n - 40, "tok_Ab3dE5fG7hJ9kL", 18);
		big[n - 41] = ' ';
		big[n - 22] = '\n';
		r = scan(e, s, "big", big);
		ok(r.n == 1 && r.start[0] == n - 40, "a hit at the end of a 1 MiB line");
		free(big);
	}
	ok(shannon_entropy("aaaa", 4) == 0 && shannon_entropy("abcd", 4) == 2,
	   "entropy of aaaa and abcd");
	engine_scratch_free(s);
	engine_free(e);
	ruleset_release(&rs);
}

static void test_scanner(void)
{
	struct ruleset rs = RULESET_INIT;
	struct engine *e;
	struct scanner *sc;
	struct provenance a = { "a.env", NULL, NULL, NULL, NULL };
	struct provenance b = { "b.env", NULL, NULL, NULL, NULL };
	const char *t1 = "K=tok_Ab3dE5fG7hJ9kL\nK2=tok_Ab3dE5fG7hJ9kL\n";
	json_t *f;
	char *dump;

	ruleset_load_file(&rs, write_rules("good.yaml", rules_text));
	e = engine_new(&rs);
	sc = scanner_new(e, NULL);
	ok(scanner_scan_buffer(sc, NULL, &a, t1, strlen(t1)) == 0 &&
	   scanner_scan_buffer(sc, NULL, &b, t1, strlen(t1)) == 0, "two buffers scanned");
	f = scanner_findings(sc);
	ok(json_array_size(f) == 1, "one finding for one secret");
	is_int((long)json_array_size(json_object_get(json_array_get(f, 0), "locations")), 4,
	       "with its four locations");
	dump = json_dumps(f, JSON_SORT_KEYS);
	ok(dump && !strstr(dump, "tok_Ab3dE5fG7hJ9kL") && strstr(dump, "\"redacted\": \"tok_\""),
	   "the secret is only in its redacted prefix");
	ok(dump && strstr(dump, "\"length\": 18") && strstr(dump, "\"line\": 2") &&
	   strstr(dump, "\"column\": 4"), "length, line and column");
	free(dump);
	json_decref(f);
	{
		const char *bin = "tok_Ab3dE5fG7hJ9kL\0\1\2";
		json_t *st;

		scanner_scan_buffer(sc, NULL, &a, bin, 21);
		st = scanner_stats(sc);
		is_int((long)json_integer_value(json_object_get(json_object_get(st, "skipped"),
								"binary")), 1, "a binary buffer is skipped");
		json_decref(st);
	}
	scanner_free(sc);
	engine_free(e);
	ruleset_release(&rs);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_rule_errors();
	test_engine();
	test_scanner();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return done_testing();
}
