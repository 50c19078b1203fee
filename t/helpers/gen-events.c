/*
 * gen-events - write N CloudEvents lines for benchmarks and stress tests.
 *
 *   gen-events N [BAD_EVERY]
 *
 * The events look like a real feature stream: the contract's attributes,
 * each feature taken through the workflow's types in turn, times that go
 * forward, nested data with numbers, arrays, escapes and non-ASCII text. With BAD_EVERY, every BAD_EVERY-th line is broken in one
 * of several ways (truncated, not JSON, missing id, bad specversion, NUL).
 * The output depends only on the arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const types[] = {
	"requirement.submitted", "requirement.analyzed", "feature.backend_ready",
	"feature.frontend_ready", "feature.integrated", "feature.tested",
	"feature.security_checked", "rollout.step",
};

static unsigned long long rng = 88172645463325252ULL;

static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	unsigned long long n, bad_every = 0;
	static char line[2048];

	if (argc < 2) {
		fprintf(stderr, "usage: gen-events N [BAD_EVERY]\n");
		return 64;
	}
	n = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		bad_every = strtoull(argv[2], NULL, 10);
	for (unsigned long long i = 1; i <= n; i++) {
		unsigned long long r = next();
		/* a feature goes through the workflow: 8 events in a row, 250 ms apart */
		const char *type = types[(i - 1) % 8];
		unsigned long long ms = i * 250;
		int len = snprintf(line, sizeof(line),
			"{\"specversion\":\"1.0\",\"id\":\"0193%04llx-%04llx-7%03llx-8%03llx-%012llx\","
			"\"source\":\"agentkit/agent-test\",\"type\":\"%s\","
			"\"subject\":\"feature-%llu-%04llx\",\"time\":\"2026-11-%02lluT%02llu:%02llu:%02llu.%03lluZ\","
			"\"datacontenttype\":\"application/json\","
			"\"traceparent\":\"00-%016llx%016llx-%016llx-01\","
			"\"data\":{\"status\":\"%s\",\"tests\":{\"passed\":%llu,\"failed\":%llu,\"skipped\":0,"
			"\"duration_ms\":%llu.%llu},\"coverage\":{\"lines_pct\":%llu.%llu},"
			"\"notes\":\"line\\nwith \\\"escapes\\\" and caf\xc3\xa9 \xe2\x9c\x93\","
			"\"tags\":[\"a\",\"b\",%llu,true,null]}}",
			(i >> 16) & 0xffff, i & 0xffff, r & 0xfff, (r >> 12) & 0xfff,
			(r >> 20) & 0xffffffffffffULL, type, (i - 1) / 8, ((i - 1) / 8 * 40503) & 0xffff,
			1 + ms / 86400000, ms / 3600000 % 24, ms / 60000 % 60, ms / 1000 % 60, ms % 1000,
			r | 1, ~r, (r >> 1) | 1, r & 1 ? "pass" : "fail",
			(r >> 5) % 500, (r >> 7) % 3, (r >> 11) % 90000, (r >> 13) % 10,
			(r >> 17) % 100, (r >> 19) % 10, (r >> 23) % 1000);

		if (bad_every && i % bad_every == 0) {
			switch ((i / bad_every) % 5) {
			case 0: len /= 2; break;                         /* truncated */
			case 1: memcpy(line, "not json", 8); break;
			case 2: line[23] = 'x'; break;                   /* "id" becomes "ix" */
			case 3: memcpy(line + 16, "0.3", 3); break;      /* specversion */
			case 4: line[len / 3] = '\0'; break;             /* a NUL byte */
			}
		}
		fwrite(line, 1, (size_t)len, stdout);
		putchar('\n');
	}
	return fflush(stdout) || ferror(stdout) ? 74 : 0;
}
