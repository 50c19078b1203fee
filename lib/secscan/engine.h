/*
 * engine.h - the matching engine of agent-secscan.
 *
 * All pattern rules are compiled into one Hyperscan block database without
 * start-of-match tracking, which keeps the scan at memory speed. Hyperscan
 * reports only where a match ends; each end (the last of a run of
 * adjacent ones) is then confirmed by the rule's own PCRE2 regex, compiled
 * end-anchored and run over a bounded window before it, which finds the
 * start and the secret's capture group. The rule's filters follow: path
 * filter and allowlist, keywords on the line, the entropy floor,
 * stopwords and allow regexes on the secret, and an inline
 * "agentkit:allow" on the line. Check rules (iac.h) run on the files their
 * path filter selects.
 *
 * An engine is read-only once built and shared by threads; each thread
 * scans with its own engine_scratch.
 */
#ifndef AK_SECSCAN_ENGINE_H
#define AK_SECSCAN_ENGINE_H

#include <stddef.h>

#include "secscan/rules.h"

struct engine;
struct engine_scratch;

/* A confirmed match: [start, end) of the match, [sec_start, sec_end) of the
 * secret (the whole match when the rule has no group). */
struct hit {
	const struct rule *rule;
	size_t start, end;
	size_t sec_start, sec_end;
};

/* Called for each hit, in order of end offset per rule; 0, or -1 to stop. */
typedef int (*hit_fn)(void *ctx, const struct hit *h);

/* The text that silences a finding on its line. */
#define ENGINE_ALLOW_MARK "agentkit:allow"

/*
 * Compile the rules of rs (borrowed: it must outlive the engine). NULL
 * with ak_error(AK_EXIT_DATAERR) naming the rule Hyperscan refuses (a
 * pattern it cannot run even as a prefilter), AK_EXIT_SOFTWARE otherwise.
 */
struct engine *engine_new(const struct ruleset *rs);
void engine_free(struct engine *e);
/* Rules in the engine, patterns compiled as Hyperscan prefilters. */
size_t engine_rule_count(const struct engine *e);

struct engine_scratch *engine_scratch_new(const struct engine *e);
void engine_scratch_free(struct engine_scratch *s);

/*
 * Scan buf[0..len) as the content of path (used by path filters and
 * allowlists; "" when there is none). Calls fn for each hit that passes
 * every filter. Returns 0, -1 when fn stopped (its error stands), or -1
 * with ak_error when Hyperscan failed.
 */
int engine_scan(const struct engine *e, struct engine_scratch *s, const char *path,
		const char *buf, size_t len, hit_fn fn, void *ctx);

/* Shannon entropy of s[0..n) in bits per byte. */
double shannon_entropy(const char *s, size_t n);

#endif
