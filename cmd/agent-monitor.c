/*
 * agent-monitor - monitoring for cron: run the checks of a YAML file (HTTP
 * health, Prometheus queries against thresholds, TLS certificate expiry,
 * free disk space) and write alert.fired and alert.resolved events when a
 * check changes state, remembering the state in the store between runs.
 * The work is in lib/monitor/; this file reads the options, puts the steps
 * in order and maps the outcome to an exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "atomicfile.h"
#include "buf.h"
#include "clock.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "monitor/checks.h"
#include "monitor/probe.h"
#include "monitor/runlock.h"
#include "monitor/state.h"
#include "monitor/textfile.h"
#include "banned.h"

#define PROG "agent-monitor"
#define SOURCE "agentkit/agent-monitor"
#define DEFAULT_CHECKS "./monitors.yaml"
#define DEFAULT_STORE "./agentkit.db"
#define MAX_JOBS 64

extern char **environ;

enum {
	OPT_STORE = OPT_AGENT_LAST,
	OPT_TEXTFILE,
	OPT_LOCK,
	OPT_TIMEOUT,
	OPT_CHECK,
	OPT_DRY_RUN,
	OPT_MJOBS,
	OPT_QUIET = 'q',
};

static const struct opt monitor_opts[] = {
	{ "store", OPT_STORE, "STORE", "where alert state is kept (default ./agentkit.db)" },
	{ "textfile", OPT_TEXTFILE, "FILE", "also write the results for the textfile collector" },
	{ "lock", OPT_LOCK, "FILE", "the lock file that keeps runs apart" },
	{ "timeout", OPT_TIMEOUT, "DURATION", "time budget of the whole run (default 30s)" },
	{ "check", OPT_CHECK, "NAME", "run only this check (repeatable)" },
	{ "dry-run", OPT_DRY_RUN, NULL, "evaluate and print; change no state, write no file" },
	{ "jobs", OPT_MJOBS, "N", "checks run at once (default 8)" },
	{ "quiet", OPT_QUIET, NULL, "no line per check on stderr, only unknowns and errors" },
	OPT_END
};

struct monitor {
	struct agent *a;
	const char *textfile, *lock;
	const char **only;
	size_t nonly;
	int64_t budget_ms;
	int jobs, dry_run, quiet;
};

static void usage(void)
{
	printf("Usage: %s [OPTION]... [CHECKS.yaml]\n", PROG);
	printf("Run the checks of CHECKS.yaml (default: monitor.checks, else %s) and write\n"
	       "alert.fired or alert.resolved when a check changes state, kept in the store.\n"
	       "Exit 1 when an alert is firing, 69 when a check could not be evaluated, 75\n"
	       "when another run holds the lock.\n\nOptions:\n", DEFAULT_CHECKS);
	opts_help(stdout, monitor_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee %s(1) and agentkit(7).\n", PROG);
}

static int parse_options(void *ctx, int key, const char *arg)
{
	struct monitor *m = ctx;
	const char **v;
	char *end;
	long n;

	switch (key) {
	case OPT_STORE: return config_set(m->a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_TEXTFILE: m->textfile = arg; return 0;
	case OPT_LOCK: m->lock = arg; return 0;
	case OPT_TIMEOUT:
		if (duration_parse(arg, &m->budget_ms) < 0)
			return -1;
		if (m->budget_ms <= 0)
			return ak_error(AK_EXIT_USAGE, "--timeout must be more than 0");
		return 0;
	case OPT_CHECK:
		if (!(v = realloc(m->only, (m->nonly + 1) * sizeof(*v))))
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		m->only = v;
		m->only[m->nonly++] = arg;
		return 0;
	case OPT_DRY_RUN: m->dry_run = 1; return 0;
	case OPT_MJOBS:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || end == arg || n < 1 || n > MAX_JOBS)
			return ak_error(AK_EXIT_USAGE, "--jobs wants 1 to %d, not '%s'", MAX_JOBS, arg);
		m->jobs = (int)n;
		return 0;
	case OPT_QUIET: m->quiet = 1; return 0;
	}
	return 0;
}

/* The checks to run: all, or those named by --check, in the file's order. */
static int select_checks(const struct monitor *m, const struct monitor_checks *all,
			 const char *file, const struct monitor_check ***out, size_t *n)
{
	const struct monitor_check **v = calloc(all->n ? all->n : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < m->nonly; i++)
		if (!monitor_checks_find(all, m->only[i])) {
			free(v);
			return ak_error(AK_EXIT_USAGE, "no check named '%s' in '%s'", m->only[i],
					file);
		}
	for (size_t i = 0; i < all->n; i++) {
		size_t j = 0;

		while (j < m->nonly && strcmp(m->only[j], all->v[i].name))
			j++;
		if (!m->nonly || j < m->nonly)
			v[(*n)++] = &all->v[i];
	}
	*out = v;
	return 0;
}

/* Settle one check: its state, its event (stored, then written), its line. */
static int apply(struct monitor *m, struct store *s, const struct monitor_check *c,
		 const struct monitor_result *r, const char *now, int *firing)
{
	struct monitor_prev p = MONITOR_PREV_INIT;
	struct monitor_next next;
	json_t *ev = NULL;
	char *line = NULL, *nl, note[64] = "";
	size_t len = 0;
	int rc = -1;

	/* a dry run without a store yet starts from nothing: all ok */
	if (s && monitor_state_get(s, m->a->ec.source, c->name, &p) < 0)
		goto out;
	monitor_decide(c, &p, r, now, &next);
	if (next.t != MONITOR_SAME) {
		if (!(ev = monitor_event(&m->a->ec, c, r, &p, &next)) ||
		    !(line = monitor_event_dump(ev, &len)))
			goto out;
		if (!(nl = realloc(line, len + 2))) {
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			goto out;
		}
		line = nl;
		memcpy(line + len, "\n", 2);
	}
	if (!m->dry_run && monitor_state_save(s, c->name, &p, &next, line, line ? len + 1 : 0) < 0)
		goto out;
	if (line && out_line(&m->a->out, line, len) < 0)
		goto out;
	if (next.t == MONITOR_FIRED)
		snprintf(note, sizeof(note), " (alert.fired)");
	else if (next.t == MONITOR_RESOLVED)
		snprintf(note, sizeof(note), " (alert.resolved)");
	else if (r->state == MONITOR_FIRING && !next.firing)
		snprintf(note, sizeof(note), " (pending: %d of %d bad runs)", next.bad_runs,
			 c->for_runs);
	else if (r->state == MONITOR_UNKNOWN && next.firing)
		snprintf(note, sizeof(note), " (the alert stays firing)");
	if (r->state == MONITOR_UNKNOWN)
		log_warn("%s: unknown: %s%s", c->name, r->message, note);
	else
		log_info("%s: %s: %s%s", c->name, monitor_state_name(r->state), r->message, note);
	*firing = next.firing;
	rc = 0;
out:
	free(line);
	json_decref(ev);
	monitor_prev_release(&p);
	return rc;
}

static int write_textfile(struct monitor *m, const struct monitor_check **v, size_t n,
			  const struct monitor_result *res, const int *firing, int64_t t0)
{
	struct monitor_report *rep = calloc(n ? n : 1, sizeof(*rep));
	struct buf b;
	int rc;

	if (!rep)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < n; i++)
		rep[i] = (struct monitor_report){ v[i], &res[i], firing[i] };
	buf_init(&b, (size_t)64 << 20);
	rc = monitor_textfile_render(&b, rep, n, (double)event_now_ms(&m->a->ec) / 1000.0,
				     (double)(clock_mono_ms() - t0) / 1000.0);
	if (rc == 0)
		rc = file_write_atomic(m->textfile, b.p, b.len, 0644);
	buf_release(&b);
	free(rep);
	return rc;
}

/* The default lock: in $XDG_RUNTIME_DIR, else in /tmp with the user's id. */
static void default_lock(char *out, size_t len)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");

	if (dir && *dir == '/')
		snprintf(out, len, "%s/agent-monitor.lock", dir);
	else
		snprintf(out, len, "/tmp/agent-monitor-%lu.lock", (unsigned long)getuid());
}

static int run(struct monitor *m, const char *file)
{
	struct monitor_checks all = MONITOR_CHECKS_INIT;
	const struct monitor_check **v = NULL;
	struct monitor_result *res = NULL;
	struct store *s = NULL;
	const char *spec = config_get(m->a->cfg, "store");
	char lockpath[4096], now[32];
	int64_t t0 = clock_mono_ms();
	int *firing = NULL, lockfd = -1, status = -1, any_firing = 0, any_unknown = 0;
	size_t n = 0;

	if (monitor_checks_load(file, &all) < 0 || select_checks(m, &all, file, &v, &n) < 0)
		goto out;
	if (!m->dry_run) {
		if (!m->lock)
			default_lock(lockpath, sizeof(lockpath));
		if ((lockfd = monitor_runlock(m->lock ? m->lock : lockpath)) < 0)
			goto out;
	}
	if (!spec || !*spec)
		spec = DEFAULT_STORE;
	/* a dry run creates no store file */
	if (!(m->dry_run && !store_spec_is_postgres(spec) && access(spec, F_OK) < 0) &&
	    !(s = store_open(spec, NULL)))
		goto out;
	res = calloc(n ? n : 1, sizeof(*res));
	firing = calloc(n ? n : 1, sizeof(*firing));
	if (!res || !firing) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto out;
	}
	if (monitor_run(v, n, m->jobs, m->budget_ms, res) < 0)
		goto out;
	event_format_time(event_now_ms(&m->a->ec), now);
	for (size_t i = 0; i < n; i++) {
		if (apply(m, s, v[i], &res[i], now, &firing[i]) < 0)
			goto out;
		any_firing |= firing[i];
		any_unknown |= res[i].state == MONITOR_UNKNOWN;
	}
	if (m->textfile && !m->dry_run && write_textfile(m, v, n, res, firing, t0) < 0)
		goto out;
	status = any_firing ? AK_EXIT_GATE : any_unknown ? AK_EXIT_UNAVAILABLE : 0;
out:
	if (status < 0)
		status = agent_die(PROG);
	if (s)
		store_close(s);
	if (lockfd >= 0)
		close(lockfd);
	free(firing);
	free(res);
	free(v);
	monitor_checks_release(&all);
	return status;
}

int main(int argc, char **argv)
{
	struct monitor m = { .budget_ms = 30000, .jobs = 8 };
	const char *file;
	struct agent a;
	int first, status;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	m.a = &a;
	status = agent_command_line(&a, monitor_opts, argc, argv, parse_options, &m, usage, &first);
	if (status >= 0) {
		free(m.only);
		return agent_finish(&a, status);
	}
	if (argc - first > 1) {
		free(m.only);
		return agent_finish(&a, agent_usage_error(PROG, "one check file at most"));
	}
	if (agent_start(&a, SOURCE, environ) < 0) {
		free(m.only);
		return agent_finish(&a, agent_die(PROG));
	}
	/* after agent_start, which sets the configured level */
	if (m.quiet && log_set_level("warn") < 0) {
		free(m.only);
		return agent_finish(&a, agent_die(PROG));
	}
	file = first < argc ? argv[first] : config_get(a.cfg, "monitor.checks");
	status = run(&m, file && *file ? file : DEFAULT_CHECKS);
	free(m.only);
	return agent_finish(&a, status);
}
