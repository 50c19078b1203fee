/*
 * finding.h - what agent-secscan reports, as JSON values.
 *
 * Every scanner of lib/secscan (secrets, risky code, infrastructure files,
 * dependencies) reports findings in one shape, a jansson object, so that
 * one writer serves events, JSON, SARIF and the terminal table:
 *
 *   {"rule":        "aws-access-key-id",      rule id (for a dependency:
 *                                              the advisory id)
 *    "name":        "AWS access key ID",      rule name, one line
 *    "kind":        "secret"|"code"|"iac"|"dependency",
 *    "severity":    "critical"|"high"|"medium"|"low",
 *    "message":     "AWS access key ID AKIA… (20 characters)",
 *    "secret":      {"redacted": "AKIA", "length": 20}   secrets only: the
 *                                              first 4 characters, never more
 *    "snippet":     "os.system(cmd)"          code and iac: the matched text,
 *                                              at most 120 bytes
 *    "fingerprint": "<64 hex>",               sha256 of rule id, NUL, secret
 *                                              (or path, NUL, line text for
 *                                              code): stable across runs
 *    "cwe":         "CWE-798",                optional
 *    "package":     {"ecosystem","name","version","fixed","aliases":[]}
 *                                              dependencies only
 *    "locations":   [{"path": "src/a.py",     relative to the scanned root
 *                     "line": 3, "column": 5, "end_column": 25,   1-based
 *                     "commit": "<40 hex>", "author": "A <a@x>",
 *                     "date": "2026-11-27T08:00:00Z", "blob": "<40 hex>"}]
 *                                              commit, author, date, blob:
 *                                              git history only
 *   }
 *
 * One finding per (rule, secret) for secrets, with all its locations; one
 * per (rule, path, line) for the other kinds.
 */
#ifndef AK_SECSCAN_FINDING_H
#define AK_SECSCAN_FINDING_H

enum severity { SEV_NONE = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

/* "low".."critical" to its level, SEV_NONE for anything else. */
enum severity severity_parse(const char *s);
/* The name of a level ("none" for SEV_NONE). */
const char *severity_name(enum severity s);

#endif
