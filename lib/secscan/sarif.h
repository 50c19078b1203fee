/*
 * sarif.h - agent-secscan's findings as a SARIF 2.1.0 log.
 *
 * The log is the one GitHub code scanning accepts: one run whose driver
 * lists the rules that have results (in the order of their first use),
 * one result per finding with its locations relative to the SRCROOT base,
 * and a partial fingerprint that is the finding's own, so an alert keeps
 * its identity across runs. GitHub's limits are kept: at most 25,000
 * results per run and 1,000 locations per result; what was left out is
 * counted in the run's or the result's properties.
 *
 * Of a secret, only what the finding's message and its redacted prefix
 * and length already show reaches the log: snippets and every other field
 * of "secret" are left out. The same input gives the same output, byte for
 * byte once dumped.
 */
#ifndef AK_SECSCAN_SARIF_H
#define AK_SECSCAN_SARIF_H

#include <stddef.h>
#include <jansson.h>

#define SARIF_MAX_RESULTS 25000
#define SARIF_MAX_LOCATIONS 1000

/*
 * A SARIF 2.1.0 log (a new reference) for findings, an array of finding
 * objects as finding.h describes them (borrowed). rules (borrowed, may be
 * NULL) is an array of rule descriptions {"id", "name", "kind", "severity",
 * "description", "help", "cwe"}, optionally "precision"; a finding whose
 * rule is not among them gets a rule made from the finding itself (for a
 * dependency, the advisory id is the rule id). tool_version becomes the
 * driver's semanticVersion. root_uri, if not NULL, becomes
 * originalUriBaseIds.SRCROOT: a file: URI (a '/' is added when it does not
 * end in one), or an absolute path, which is turned into one.
 *
 * NULL with ak_error: AK_EXIT_SOFTWARE when findings is not an array of
 * objects or rules not an array of objects, AK_EXIT_SOFTWARE ("out of
 * memory") when an allocation fails.
 */
json_t *sarif_log(json_t *findings, json_t *rules, const char *tool_version,
		  const char *root_uri);

/*
 * path as a relative URI reference (malloc'd, NULL when out of memory):
 * leading "./" removed, and every byte percent-encoded except letters,
 * digits, "-._~!$&'()*+,;=@" and '/'. So spaces, '%', '#', '?', ':',
 * backslashes and all non-ASCII bytes are encoded.
 */
char *sarif_uri_encode(const char *path);

/*
 * The rule name SARIF wants, derived from a rule id (malloc'd, NULL when
 * out of memory): the id's letters and digits, each run of them starting
 * with a capital ("aws-access-key-id" gives "AwsAccessKeyId"); "Rule"
 * when the id has none.
 */
char *sarif_rule_name(const char *id);

#endif
