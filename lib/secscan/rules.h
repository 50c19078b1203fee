/*
 * rules.h - agent-secscan's rules: YAML files read into one rule set.
 *
 * A rule file holds a list under "rules:". Each rule has an id, a name, a
 * kind (secret, code, iac), a severity and either a pattern (PCRE2 syntax
 * that Hyperscan also compiles) or a check (a structural check in C, see
 * iac.h), plus the filters that keep it precise: keywords, an entropy
 * floor, stopwords, allowlists and a path filter. Every rule carries
 * examples it must find and negative examples it must not; `agent-secscan
 * rules check` runs them. agentkit-rules(5) is the reference.
 *
 * Everything here is read once at start; the scanning threads only read
 * the compiled rules.
 */
#ifndef AK_SECSCAN_RULES_H
#define AK_SECSCAN_RULES_H

#include <stddef.h>
#include <jansson.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "finding.h"

enum rule_kind { RULE_SECRET, RULE_CODE, RULE_IAC };

struct regex_list {
	pcre2_code **v;
	size_t n;
};

struct rule {
	const char *id, *name, *description, *help, *cwe;   /* borrowed from src */
	const char *pattern, *check, *example_path;       /* NULL when absent */
	const char *file;          /* the file it came from */
	enum rule_kind kind;
	enum severity severity;
	int group;                 /* capture group of the secret; 0: whole match */
	int generic;               /* yields to a specific rule on the same secret */
	double entropy;            /* 0: no floor */
	char **keywords;           /* lowercase, NULL-terminated (NULL: none) */
	char **stopwords;          /* lowercase, NULL-terminated (NULL: none) */
	pcre2_code *re;            /* the pattern, end-anchored, for confirmation */
	pcre2_code *re_search;     /* the pattern unanchored, for prefilter rules */
	pcre2_code *paths;         /* the path filter, or NULL */
	struct regex_list allow_paths, allow_regexes;
	json_t *src;               /* the rule's YAML object (a reference) */
};

struct ruleset {
	struct rule *v;
	size_t n, cap;
	char **files;              /* the names of the files read */
	size_t nfiles;
};

#define RULESET_INIT { NULL, 0, 0, NULL, 0 }

/*
 * Add the rules of one YAML file; a file read before (under any name) is
 * not read again. A rule that is malformed, whose id is
 * already taken, or whose regexes do not compile is an error naming the
 * file and rule: -1 with ak_error(AK_EXIT_DATAERR) and rs unchanged.
 */
int ruleset_load_file(struct ruleset *rs, const char *path);
/* Add every *.yaml and *.yml file of dir, in name order. 0 or -1. */
int ruleset_load_dir(struct ruleset *rs, const char *dir);
/* Load path: a file or a directory. */
int ruleset_load(struct ruleset *rs, const char *path);
void ruleset_release(struct ruleset *rs);

/* The rule with this id, or NULL. */
const struct rule *ruleset_find(const struct ruleset *rs, const char *id);

/* "secret", "code", "iac". */
const char *rule_kind_name(enum rule_kind k);

/* New reference: {id, name, kind, severity, description, help, cwe}. */
json_t *rule_describe(const struct rule *r);

/* Whether re matches anywhere in s[0..len). */
int regex_search(const pcre2_code *re, const char *s, size_t len);

#endif
