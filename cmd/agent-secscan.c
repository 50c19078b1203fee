/*
 * agent-secscan - the security engineer. Alone, it scans a directory tree
 * (--path), git history (--git) or stdin (--stdin) for secrets, risky
 * code, infrastructure misconfigurations and vulnerable dependencies in
 * one pass, and writes finding events and one feature.security_checked
 * (or JSON, or a table); --fail-on decides the exit status. In a pipeline
 * it scans the workspace of each feature.backend_ready. `rules check`
 * runs every rule's examples; `db import` loads OSV advisories.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "agent.h"
#include "buf.h"
#include "datadir.h"
#include "error.h"
#include "filter.h"
#include "log.h"
#include "workspace.h"
#include "secscan/deps.h"
#include "secscan/engine.h"
#include "secscan/report.h"
#include "secscan/rules.h"
#include "secscan/sarif.h"
#include "secscan/scan.h"
#include "banned.h"

#define PROG "agent-secscan"
#define DEFAULT_MAX_FILE (10ull << 20)

enum {
	OPT_PATH = OPT_AGENT_LAST,
	OPT_GIT,
	OPT_STDIN,
	OPT_STDIN_NAME,
	OPT_RULES,
	OPT_NO_DEFAULT_RULES,
	OPT_MAX_FILE,
	OPT_GITIGNORE,
	OPT_EXCLUDE,
	OPT_THREADS,
	OPT_SINCE,
	OPT_BRANCH,
	OPT_ALL,
	OPT_FORMAT,
	OPT_SARIF,
	OPT_FAIL_ON,
	OPT_BASELINE,
	OPT_FEATURE,
	OPT_NO_DEPS,
	OPT_NO_PROGRESS,
	OPT_STORE,
};

static const struct opt scan_opts[] = {
	{ "path", OPT_PATH, "PATH", "scan this directory tree or file (repeatable)" },
	{ "git", OPT_GIT, "REPO", "scan the history of this git repository" },
	{ "stdin", OPT_STDIN, NULL, "scan what comes on stdin (not events)" },
	{ "stdin-name", OPT_STDIN_NAME, "NAME", "the path stdin is reported as (default -)" },
	{ "since", OPT_SINCE, "DATE", "with --git: commits from DATE on (YYYY-MM-DD or seconds)" },
	{ "branch", OPT_BRANCH, "REV", "with --git: this branch or revision, not HEAD" },
	{ "all", OPT_ALL, NULL, "with --git: every branch and tag" },
	{ "rules", OPT_RULES, "PATH", "add the rules of this file or directory (repeatable)" },
	{ "no-default-rules", OPT_NO_DEFAULT_RULES, NULL, "use only the --rules given" },
	{ "max-file", OPT_MAX_FILE, "SIZE", "skip files larger than SIZE (k, M, G; default 10M)" },
	{ "gitignore", OPT_GITIGNORE, NULL, "leave out what .gitignore leaves out" },
	{ "exclude", OPT_EXCLUDE, "GLOB", "leave out names or paths matching GLOB (repeatable)" },
	{ "threads", OPT_THREADS, "N", "scanning threads (default: one per core)" },
	{ "format", OPT_FORMAT, "F", "events, json or table (default: table on a terminal)" },
	{ "sarif", OPT_SARIF, "FILE", "also write a SARIF 2.1.0 log to FILE" },
	{ "fail-on", OPT_FAIL_ON, "LEVEL", "critical, high, medium, low or none (default high)" },
	{ "baseline", OPT_BASELINE, "FILE", "leave out findings already in FILE (json or SARIF)" },
	{ "feature", OPT_FEATURE, "ID", "the feature scanned: the event's subject (default security)" },
	{ "no-deps", OPT_NO_DEPS, NULL, "do not check dependencies against advisories" },
	{ "no-progress", OPT_NO_PROGRESS, NULL, "no progress bar, even on a terminal" },
	{ "store", OPT_STORE, "SPEC", "the store holding advisories (default AGENTKIT_STORE)" },
	OPT_END
};

static const char *const consumes[] = { "feature.backend_ready", NULL };

/* What a feature's folder holds that is not the feature's own: installed
 * packages, caches, and this program's reports. */
static const char *const event_excludes[] = {
	"node_modules", ".venv", "__pycache__", ".pytest_cache", PROG, NULL
};

enum format { FMT_DEFAULT, FMT_EVENTS, FMT_JSON, FMT_TABLE };

struct secscan {
	struct agent *a;
	struct filter *f;
	struct workspace *ws;
	const char **paths;
	int npaths;
	const char **rules;
	int nrules;
	const char **exclude;
	int nexclude;
	const char *git, *stdin_name, *sarif, *baseline_file, *feature, *store_spec;
	int use_stdin, no_default_rules, no_deps, no_progress;
	int events_mode;           /* reading events: artifacts go to the workspace */
	enum format format;
	enum severity fail_on;
	struct scan_opts so;
	struct ruleset rs;
	struct engine *engine;
	struct deps *deps;
	json_t *baseline;
};

static void usage(void)
{
	printf("Usage: %s --path PATH... [OPTION]...\n"
	       "  or:  %s --git REPO [--since DATE] [--branch REV | --all] [OPTION]...\n"
	       "  or:  %s --stdin [OPTION]...\n"
	       "  or:  %s [OPTION]... [FILE]...          (events)\n"
	       "  or:  %s rules check|list [--rules PATH]...\n"
	       "  or:  %s db import DIR|ZIP...\n", PROG, PROG, PROG, PROG, PROG, PROG);
	printf("Find secrets, risky code, infrastructure misconfigurations and vulnerable\n"
	       "dependencies in one pass; write finding events and feature.security_checked\n"
	       "(or JSON, a table, SARIF); exit 1 when a finding is at or above --fail-on.\n"
	       "Without --path, --git and --stdin, read events: scan the workspace of each\n"
	       "feature.backend_ready.\n\nOptions:\n");
	opts_help(stdout, scan_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1), agentkit-rules(5) and agentkit(7).\n", PROG);
}

static int size_arg(const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		return ak_error(AK_EXIT_USAGE, "--max-file wants a size, not '%s'", arg);
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end)
		return ak_error(AK_EXIT_USAGE, "--max-file wants a size, not '%s'", arg);
	*out = n;
	return 0;
}

/* YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or seconds since the epoch. */
static int since_arg(const char *arg, int64_t *out)
{
	struct tm tm = { 0 };
	const char *end;
	char *e;
	long long n;

	errno = 0;
	n = strtoll(arg, &e, 10);
	if (!errno && e != arg && !*e) {
		*out = n;
		return 0;
	}
	end = strptime(arg, "%Y-%m-%d", &tm);
	if (end && *end == 'T')
		end = strptime(end, "T%H:%M:%S", &tm);
	if (end && *end == 'Z')
		end++;
	if (!end || *end)
		return ak_error(AK_EXIT_USAGE, "--since wants YYYY-MM-DD or seconds, not '%s'", arg);
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int parse_options(void *ctx, int key, const char *arg)
{
	struct secscan *s = ctx;
	char *end;
	long n;

	switch (key) {
	case OPT_PATH:
		s->paths[s->npaths++] = arg;
		return 0;
	case OPT_GIT:
		s->git = arg;
		return 0;
	case OPT_STDIN:
		s->use_stdin = 1;
		return 0;
	case OPT_STDIN_NAME:
		s->stdin_name = arg;
		return 0;
	case OPT_SINCE:
		return since_arg(arg, &s->so.since);
	case OPT_BRANCH:
		s->so.branch = arg;
		return 0;
	case OPT_ALL:
		s->so.all = 1;
		return 0;
	case OPT_RULES:
		s->rules[s->nrules++] = arg;
		return 0;
	case OPT_NO_DEFAULT_RULES:
		s->no_default_rules = 1;
		return 0;
	case OPT_MAX_FILE:
		return size_arg(arg, &s->so.max_file);
	case OPT_GITIGNORE:
		s->so.gitignore = 1;
		return 0;
	case OPT_EXCLUDE:
		s->exclude[s->nexclude++] = arg;
		return 0;
	case OPT_THREADS:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 1 || n > 64)
			return ak_error(AK_EXIT_USAGE, "--threads wants 1..64, not '%s'", arg);
		s->so.threads = (int)n;
		return 0;
	case OPT_FORMAT:
		if (!strcmp(arg, "events"))
			s->format = FMT_EVENTS;
		else if (!strcmp(arg, "json"))
			s->format = FMT_JSON;
		else if (!strcmp(arg, "table"))
			s->format = FMT_TABLE;
		else
			return ak_error(AK_EXIT_USAGE, "--format wants events, json or table, not '%s'",
					arg);
		return 0;
	case OPT_SARIF:
		s->sarif = arg;
		return 0;
	case OPT_FAIL_ON:
		if ((s->fail_on = severity_parse(arg)) == SEV_NONE && strcmp(arg, "none"))
			return ak_error(AK_EXIT_USAGE,
					"--fail-on wants critical, high, medium, low or none, not '%s'",
					arg);
		return 0;
	case OPT_BASELINE:
		s->baseline_file = arg;
		return 0;
	case OPT_FEATURE:
		if (!event_feature_id_ok(arg))
			return ak_error(AK_EXIT_USAGE, "--feature: '%s' is not a feature id", arg);
		s->feature = arg;
		return 0;
	case OPT_NO_DEPS:
		s->no_deps = 1;
		return 0;
	case OPT_NO_PROGRESS:
		s->no_progress = 1;
		return 0;
	case OPT_STORE:
		s->store_spec = arg;
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unknown option");
}

/* The built-in rules (unless --no-default-rules) and the --rules given. */
static int load_rules(struct secscan *s)
{
	struct buf dir = BUF_INIT;
	int rc = 0;

	if (!s->no_default_rules) {
		rc = datadir_find(".", "rules", NULL, &dir);
		if (rc == 0)
			rc = ruleset_load_dir(&s->rs, dir.p);
		buf_release(&dir);
	}
	for (int i = 0; rc == 0 && i < s->nrules; i++)
		rc = ruleset_load(&s->rs, s->rules[i]);
	if (rc == 0 && s->rs.n == 0)
		rc = ak_error(AK_EXIT_USAGE, "no rules");
	if (rc == 0 && !(s->engine = engine_new(&s->rs)))
		rc = -1;
	return rc;
}

static json_t *rule_list(const struct secscan *s, json_t *findings)
{
	json_t *rules = json_array(), *f;
	size_t i;

	json_array_foreach(findings, i, f) {
		const struct rule *r = ruleset_find(&s->rs,
						    json_string_value(json_object_get(f, "rule")));

		if (r)
			json_array_append_new(rules, rule_describe(r));
	}
	return rules;
}

/* SARIF's base: the one directory scanned, else the working directory. */
static char *sarif_base(const char *const *roots, int nroots)
{
	struct stat st;

	if (nroots == 1 && stat(roots[0], &st) == 0 && S_ISDIR(st.st_mode))
		return realpath(roots[0], NULL);
	return realpath(".", NULL);
}

/*
 * The SARIF log of findings: to --sarif FILE, and in a pipeline also to
 * the feature's folder of the workspace, named in data (artifacts, sarif).
 */
static int write_sarif(struct secscan *s, json_t *findings, const char *const *roots, int nroots,
		       const char *feature, json_t *data)
{
	json_t *rules = rule_list(s, findings), *log = NULL;
	struct buf uri = BUF_INIT, rel = BUF_INIT;
	char *base = sarif_base(roots, nroots), *text = NULL;
	int rc = -1;

	if (base)
		buf_addf(&uri, "file://%s%s", base, strcmp(base, "/") ? "/" : "");
	if (!rules || !(log = sarif_log(findings, rules, AK_VERSION, base ? uri.p : NULL)) ||
	    !(text = json_dumps(log, JSON_INDENT(2) | JSON_SORT_KEYS)))
		goto out;
	if (s->sarif) {
		FILE *fp = fopen(s->sarif, "w");

		if (!fp || fputs(text, fp) == EOF || fputc('\n', fp) == EOF || fclose(fp) != 0) {
			ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", s->sarif, strerror(errno));
			goto out;
		}
		json_object_set_new(data, "sarif", json_string(s->sarif));
	}
	if (s->events_mode) {
		struct artifact art;

		if (buf_addf(&rel, "%s/%s/results.sarif", feature, PROG) < 0 ||
		    workspace_write(s->ws, rel.p, text, strlen(text), &art) < 0)
			goto out;
		json_object_set_new(data, "sarif", artifact_to_json(&art));
		json_object_set_new(data, "artifacts", json_pack("[o]", artifact_to_json(&art)));
		artifact_release(&art);
	}
	rc = 0;
out:
	free(base);
	free(text);
	buf_release(&uri);
	buf_release(&rel);
	json_decref(rules);
	json_decref(log);
	return rc;
}

/*
 * Scan what the options name into a new scanner. The first root (a
 * directory) is the SARIF base. NULL with ak_error.
 */
static struct scanner *scan_inputs(struct secscan *s, const char *const *roots, int nroots)
{
	struct scanner *sc = scanner_new(s->engine, &s->so);
	int rc = sc ? 0 : -1;

	if (rc == 0 && s->deps)
		deps_attach(s->deps, sc);
	/* several roots: each finding's path says which root it is under */
	for (int i = 0; rc == 0 && i < nroots; i++) {
		char *prefix = nroots > 1 ? strdup(roots[i]) : NULL;
		size_t n = prefix ? strlen(prefix) : 0;

		while (n > 1 && prefix[n - 1] == '/')
			prefix[--n] = '\0';
		rc = scanner_scan_tree(sc, roots[i], prefix);
		free(prefix);
	}
	if (rc == 0 && s->git)
		rc = scanner_scan_git(sc, s->git);
	if (rc == 0 && s->use_stdin)
		rc = scanner_scan_fd(sc, 0, s->stdin_name ? s->stdin_name : "-");
	if (rc < 0) {
		scanner_free(sc);
		return NULL;
	}
	return sc;
}

/*
 * The findings of sc as events (one security.finding each, then
 * feature.security_checked answering cause) or as --format asks.
 */
static int report(struct secscan *s, struct scanner *sc, const char *feature,
		  const char *const *roots, int nroots, const json_t *cause)
{
	json_t *findings = scanner_findings(sc), *stats = scanner_stats(sc), *data = NULL, *f;
	size_t suppressed = 0, i;
	int no = 0, rc = -1;

	if (!findings || !stats)
		goto out;
	if (s->baseline)
		suppressed = baseline_apply(findings, s->baseline);
	if (!(data = report_data(findings, stats, s->fail_on, &no)))
		goto out;
	json_object_set_new(data, "suppressed", json_integer((json_int_t)suppressed));
	if ((s->sarif || s->events_mode) &&
	    write_sarif(s, findings, roots, nroots, feature, data) < 0)
		goto out;
	if (s->format == FMT_JSON || s->format == FMT_TABLE) {
		if (s->format == FMT_JSON) {
			json_object_set(data, "findings", findings);
			rc = json_dumpf(data, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF;
		} else {
			report_table(stdout, findings, isatty(1) && !getenv("NO_COLOR"));
			rc = 0;
		}
		if (no)
			filter_gate_failed(s->f);
		goto out;
	}
	json_array_foreach(findings, i, f) {
		json_t *ev = filter_event(s->f, "security.finding", feature, json_incref(f), cause);

		if (!ev || filter_emit(s->f, ev) < 0)
			goto out;
	}
	rc = filter_verdict(s->f, "feature.security_checked", feature, data, cause, no);
	data = NULL;
out:
	json_decref(findings);
	json_decref(stats);
	json_decref(data);
	return rc;
}

static int standalone(struct secscan *s)
{
	struct scanner *sc = scan_inputs(s, s->paths, s->npaths);
	const char *const *roots = s->npaths ? s->paths : (const char *const *)&s->git;
	int rc;

	if (!sc)
		return -1;
	rc = report(s, sc, s->feature ? s->feature : "security", roots,
		    s->npaths ? s->npaths : s->git ? 1 : 0, NULL);
	scanner_free(sc);
	if (rc == 0)
		rc = filter_commit(s->f);
	return rc;
}

/* feature.backend_ready: scan the feature's folder of the workspace. */
static int handle(struct filter *f, const json_t *ev, void *ctx)
{
	struct secscan *s = ctx;
	const char *subject = event_attr(ev, "subject");
	struct buf dir = BUF_INIT;
	const char *roots[1];
	struct scanner *sc;
	int rc;

	if (!subject || !event_feature_id_ok(subject))
		return ak_error(AK_EXIT_DATAERR, "feature.backend_ready without a feature id");
	if (buf_addf(&dir, "%s/%s", workspace_root(s->ws), subject) < 0)
		return -1;
	roots[0] = dir.p;
	if (access(dir.p, F_OK) < 0) {
		rc = ak_error(AK_EXIT_DATAERR, "no workspace for '%s' (%s)", subject, dir.p);
	} else if (!(sc = scan_inputs(s, roots, 1))) {
		rc = -1;
	} else {
		rc = report(s, sc, subject, roots, 1, ev);
		scanner_free(sc);
	}
	buf_release(&dir);
	return rc;
}

static int verb_rules(struct secscan *s, int argc, char **argv)
{
	size_t checked;
	int failures;

	if (argc != 1 || (strcmp(argv[0], "check") && strcmp(argv[0], "list")))
		return agent_usage_error(PROG, "rules wants check or list");
	if (load_rules(s) < 0)
		return agent_die(PROG);
	if (!strcmp(argv[0], "list")) {
		for (size_t i = 0; i < s->rs.n; i++)
			printf("%-40s %-8s %-8s %s\n", s->rs.v[i].id, rule_kind_name(s->rs.v[i].kind),
			       severity_name(s->rs.v[i].severity), s->rs.v[i].name);
		return 0;
	}
	/* with --rules, check those files; else every rule */
	failures = 0;
	checked = 0;
	if (s->nrules == 0) {
		failures = rules_check(&s->rs, s->engine, NULL, stderr);
		checked = s->rs.n;
	} else {
		for (size_t i = 0; i < s->rs.nfiles; i++) {
			char *file = realpath(s->rs.files[i], NULL);
			int keep = 0;

			for (int j = 0; file && j < s->nrules; j++) {
				char *want = realpath(s->rules[j], NULL);

				keep |= want && !strncmp(file, want, strlen(want));
				free(want);
			}
			free(file);
			if (keep) {
				int n = rules_check(&s->rs, s->engine, s->rs.files[i], stderr);

				for (size_t k = 0; k < s->rs.n; k++)
					checked += s->rs.v[k].file == s->rs.files[i];

				failures = n < 0 || failures < 0 ? -1 : failures + n;
			}
		}
	}
	if (failures < 0)
		return agent_die(PROG);
	if (failures)
		fprintf(stderr, "%s: %d example%s failed\n", PROG, failures, failures == 1 ? "" : "s");
	else
		printf("%zu rules, every example passes\n", checked);
	return failures ? 1 : 0;
}

static int verb_db(struct secscan *s, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[0], "import"))
		return agent_usage_error(PROG, "db wants import DIR|ZIP...");
	return deps_import(s->store_spec, argc - 1, argv + 1) < 0 ? agent_die(PROG) : 0;
}

static int start_scan(struct secscan *s)
{
	if (load_rules(s) < 0)
		return -1;
	if (s->baseline_file && !(s->baseline = baseline_load(s->baseline_file)))
		return -1;
	if (!s->no_deps && deps_open(&s->deps, s->store_spec) < 0)
		return -1;
	s->so.exclude = s->exclude;
	if (!s->no_progress)
		s->so.progress = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct secscan s = { 0 };
	struct filter_def def = { .consumes = consumes, .handle = handle, .ctx = &s };
	struct agent a;
	int first, status;
	int scanning;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	s.a = &a;
	s.fail_on = SEV_HIGH;
	s.so = (struct scan_opts)SCAN_OPTS_INIT;
	s.so.max_file = DEFAULT_MAX_FILE;
	s.rs = (struct ruleset)RULESET_INIT;
	if (!(s.paths = calloc((size_t)argc + 1, sizeof(*s.paths))) ||
	    !(s.rules = calloc((size_t)argc + 1, sizeof(*s.rules))) ||
	    !(s.exclude = calloc((size_t)argc + 8, sizeof(*s.exclude)))) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		status = agent_die(PROG);
		goto done;
	}
	status = agent_command_line(&a, scan_opts, argc, argv, parse_options, &s, usage, &first);
	if (status >= 0)
		goto done;
	scanning = s.npaths || s.git || s.use_stdin;
	if (s.format == FMT_DEFAULT)
		s.format = scanning && isatty(1) ? FMT_TABLE : FMT_EVENTS;
	if (first < argc && !strcmp(argv[first], "rules")) {
		status = verb_rules(&s, argc - first - 1, argv + first + 1);
		goto done;
	}
	if (first < argc && !strcmp(argv[first], "db")) {
		status = verb_db(&s, argc - first - 1, argv + first + 1);
		goto done;
	}
	if (scanning && first < argc)
		status = agent_usage_error(PROG, "--path, --git and --stdin take no input files");
	else if (!s.git && (s.so.since != INT64_MIN || s.so.branch || s.so.all))
		status = agent_usage_error(PROG, "--since, --branch and --all go with --git");
	else if (s.so.branch && s.so.all)
		status = agent_usage_error(PROG, "--branch and --all exclude each other");
	else if (!scanning && s.format != FMT_EVENTS)
		status = agent_usage_error(PROG, "--format json and table go with --path, --git or --stdin");
	else if (agent_start(&a, "agentkit/agent-secscan", environ) < 0 ||
		 !(s.ws = workspace_open(config_get(a.cfg, "workspace"))) ||
		 !(s.f = filter_new(&def, &a.fopts, &a.ec, &a.out)) || start_scan(&s) < 0)
		status = agent_die(PROG);
	else if (scanning)
		status = standalone(&s) < 0 ? agent_die(PROG) : filter_status(s.f);
	else {
		s.events_mode = 1;
		for (size_t i = 0; event_excludes[i]; i++)
			s.exclude[s.nexclude++] = event_excludes[i];
		status = agent_filter_inputs(&a, s.f, argc - first, argv + first);
		if (filter_status(s.f) > status)
			status = filter_status(s.f);
	}
done:
	filter_free(s.f);
	workspace_free(s.ws);
	engine_free(s.engine);
	ruleset_release(&s.rs);
	deps_close(s.deps);
	json_decref(s.baseline);
	free(s.paths);
	free(s.rules);
	free(s.exclude);
	return agent_finish(&a, status);
}
