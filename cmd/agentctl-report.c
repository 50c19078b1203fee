/*
 * agentctl-report.c - the verb report: one self-contained HTML page (or
 * its model as JSON) of what the store holds about some features, or all.
 *
 *   agentctl report [--store STORE] [-o FILE] [--title TEXT]
 *                   [--since TIME] [--until TIME] [--json] [FEATURE]...
 *
 * The events are read here; what the page shows is lib/report/model.c's,
 * how it looks lib/report/html.c's and lib/report/chart.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agentctl.h"
#include "atomicfile.h"
#include "buf.h"
#include "clock.h"
#include "error.h"
#include "history.h"
#include "store.h"
#include "report/html.h"
#include "report/model.h"
#include "banned.h"

/* A page larger than this is refused rather than grown without bound. */
#define PAGE_MAX ((size_t)1 << 30)

static struct {
	const char *output, *title, *since, *until;
	int json;
} ro;

static const struct opt report_opts[] = {
	{ "store", OPT_STORE, "STORE", "a SQLite file, or a PostgreSQL URL or connection string" },
	{ "output", 'o', "FILE", "write the page to FILE (atomically) instead of stdout" },
	{ "title", OPT_TITLE, "TEXT", "the page's title (default: agentkit report)" },
	{ "since", OPT_SINCE, "TIME", "only events from this time (RFC 3339, or an age: 2h, 7d)" },
	{ "until", OPT_UNTIL, "TIME", "only events before this time" },
	{ "json", OPT_JSON, NULL, "write the page's model as JSON instead of HTML" },
	OPT_END
};

static int report_option(struct agent *a, int key, const char *arg)
{
	switch (key) {
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case 'o':
		if (!*arg)
			return ak_error(AK_EXIT_USAGE, "--output needs a file name");
		ro.output = arg;
		return 0;
	case OPT_TITLE: ro.title = arg; return 0;
	case OPT_SINCE: ro.since = arg; return 0;
	case OPT_UNTIL: ro.until = arg; return 0;
	case OPT_JSON: ro.json = 1; return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

static int add_event(const struct store_event *ev, void *ctx)
{
	/* the store keeps events only; anything else is passed over */
	if (report_model_add(ctx, ev->raw, ev->raw_len) < 0 && ak_errcode() != AK_EXIT_DATAERR)
		return -1;
	return 0;
}

/* Read the events of the window (of the features named, in their order)
 * into m. Returns 0 or an exit status, the reason printed. */
static int read_events(struct store *s, struct report_model *m, struct store_query *q,
		       int argc, char **argv)
{
	if (!argc)
		return store_query(s, q, add_event, m) ? agent_die(PROG) : 0;
	for (int i = 0; i < argc; i++) {
		if (report_model_has(m, argv[i]))
			continue;   /* named twice */
		q->subject = argv[i];
		if (store_query(s, q, add_event, m))
			return agent_die(PROG);
		if (!report_model_has(m, argv[i])) {
			fprintf(stderr, "%s: no events for '%s'\n", PROG, argv[i]);
			return AK_EXIT_DATAERR;
		}
	}
	return 0;
}

/* The page (or the JSON model) of doc into page, ending in a newline. */
static int render(const json_t *doc, struct buf *page)
{
	if (ro.json) {
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
		int rc = s ? buf_addstr(page, s) : ak_error(AK_EXIT_SOFTWARE, "out of memory");

		free(s);
		return rc < 0 || buf_addch(page, '\n') < 0 ? -1 : 0;
	}
	return report_html(doc, page);
}

static int run_report(struct agent *a, int argc, char **argv)
{
	struct store_query q = STORE_QUERY_INIT;
	struct report_model *m = NULL;
	struct buf page;
	struct store *s;
	json_t *doc = NULL;
	char title[256];
	int64_t now = clock_wall_ms();
	int rc;

	for (int i = 0; i < argc; i++)
		if (!*argv[i])
			return agent_usage_error(PROG, "a FEATURE cannot be empty");
	if (ro.since && history_parse_time(ro.since, now, &q.since_ms) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	if (ro.until && history_parse_time(ro.until, now, &q.until_ms) < 0)
		return agent_usage_error(PROG, ak_errmsg());
	if (ro.title)
		snprintf(title, sizeof(title), "%s", ro.title);
	else if (argc == 1)
		snprintf(title, sizeof(title), "agentkit report: %s", argv[0]);
	else
		snprintf(title, sizeof(title), "agentkit report");

	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	buf_init(&page, PAGE_MAX);
	if (!(m = report_model_new())) {
		rc = agent_die(PROG);
		goto out;
	}
	if ((rc = read_events(s, m, &q, argc, argv)))
		goto out;
	if (!(doc = report_model_json(m, ro.title ? ro.title : title)) || render(doc, &page) < 0) {
		rc = agent_die(PROG);
		goto out;
	}
	if (ro.output)
		rc = file_write_atomic(ro.output, page.p, page.len, 0666) < 0 ? agent_die(PROG) : 0;
	else if (out_line(&a->out, page.p, page.len - 1) < 0)
		/* reported by agent_finish */
		rc = a->out.code ? a->out.code : AK_EXIT_IOERR;
out:
	json_decref(doc);
	report_model_free(m);
	buf_release(&page);
	store_close(s);
	return rc;
}

const struct verb agentctl_report_verbs[] = {
	{ "report", "report [OPTION]... [FEATURE]...",
	  "write an HTML page of the features in the store: stories, tests, findings, rollout",
	  report_opts, report_option, run_report },
};

const size_t agentctl_report_nverbs = sizeof(agentctl_report_verbs) / sizeof(*agentctl_report_verbs);
