/*
 * agent-analyze - the business analyst: requirement.submitted events (or
 * {title, text} work items) in, requirement.analyzed events out, with the
 * PRD, the Gherkin stories, the entity model and wireframes written to the
 * workspace. Two more modes serve teams and tools: --lint checks a backlog
 * of user stories, --classify sorts requirements into functional and the
 * non-functional categories, one per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmark-gfm.h>

#include "agent.h"
#include "buf.h"
#include "error.h"
#include "event.h"
#include "filter.h"
#include "jsonl.h"
#include "llm.h"
#include "log.h"
#include "workspace.h"
#include "analyze/analyze.h"
#include "analyze/brief.h"
#include "analyze/qus.h"
#include "banned.h"

#define PROG "agent-analyze"

extern char **environ;

enum {
	OPT_LINT = OPT_AGENT_LAST,
	OPT_CLASSIFY,
};

static const struct opt analyze_opts[] = {
	{ "lint", OPT_LINT, "FILE", "check a backlog of user stories (- for stdin)" },
	{ "classify", OPT_CLASSIFY, NULL, "classify one requirement per line" },
	AGENT_LLM_OPTS,
	OPT_END
};

static const char *const consumed[] = { "requirement.submitted", NULL };

struct analyst {
	struct agent *a;
	struct workspace *ws;
	struct llm *llm;          /* --engine llm */
};

/* One requirement the model is working on. */
struct job {
	json_t *analysis;         /* the rules engine's, until the model answers */
	struct llm_call *call;
};

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n"
	       "   or: %s --lint FILE\n"
	       "   or: %s --classify [FILE]...\n"
	       "Turn requirement.submitted events into requirement.analyzed events: user\n"
	       "stories with acceptance criteria, classified NFRs, an entity model and open\n"
	       "questions, with a PRD, Gherkin stories and wireframes in the workspace.\n\n"
	       "Options:\n", PROG, PROG, PROG);
	opts_help(stdout, analyze_opts);
	printf("\nCommon options:\n");
	opts_help(stdout, agent_common_opts);
	printf("\nSee agent-analyze(1) and agentkit(7).\n");
}

static const char *data_str(const json_t *data, const char *key)
{
	return json_string_value(json_object_get(data, key));
}

/* The rules engine's analysis of a requirement event. */
static json_t *rules_analysis(const json_t *ev)
{
	const json_t *data = json_object_get(ev, "data");
	const char *text = data_str(data, "text"), *format = data_str(data, "format");

	if (!text)
		return ak_error(AK_EXIT_DATAERR, "data.text is missing or not a string"), NULL;
	if (!json_string_value(json_object_get(ev, "subject")))
		return ak_error(AK_EXIT_DATAERR, "the event has no subject"), NULL;
	return analyze_document(data_str(data, "title"), text,
				json_string_length(json_object_get(data, "text")),
				format ? !strcmp(format, "markdown") : 1);
}

/* Write the artifacts of analysis (stolen) and emit requirement.analyzed. */
static int answer(struct filter *f, struct analyst *an, const json_t *ev, json_t *analysis)
{
	const char *subject = json_string_value(json_object_get(ev, "subject"));
	struct buf dir = BUF_INIT;
	json_t *out;

	if (!an->ws && !(an->ws = workspace_open(config_get(an->a->cfg, "workspace")))) {
		json_decref(analysis);
		return -1;
	}
	if (buf_addf(&dir, "%s/agent-analyze", subject) < 0 ||
	    analyze_write_artifacts(an->ws, dir.p, analysis) < 0) {
		buf_release(&dir);
		json_decref(analysis);
		return -1;
	}
	buf_release(&dir);
	out = filter_event(f, "requirement.analyzed", subject, analysis, ev);
	return out ? filter_emit(f, out) : -1;
}

static int handle(struct filter *f, const json_t *ev, void *ctx)
{
	json_t *analysis = rules_analysis(ev);

	return analysis ? answer(f, ctx, ev, analysis) : -1;
}

/* --engine llm: the rules' analysis is the draft, then the model is asked. */
static int llm_begin(struct filter *f, const json_t *ev, void *ctx, void **out)
{
	struct analyst *an = ctx;
	const json_t *data = json_object_get(json_object_get(ev, "data"), "text");
	json_t *analysis = rules_analysis(ev), *vars;
	char *system = NULL, *user = NULL;
	struct job *j;

	if (!analysis)
		return -1;
	vars = brief_vars(json_string_value(json_object_get(analysis, "title")),
			  json_string_value(data), analysis);
	if (!vars || llm_prompt(an->a->cfg, "analyze", vars, &system, &user) < 0 ||
	    !(j = calloc(1, sizeof(*j)))) {
		if (vars && system)
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
		json_decref(vars);
		json_decref(analysis);
		free(system);
		free(user);
		return -1;
	}
	json_decref(vars);
	j->analysis = analysis;
	j->call = llm_call_new(an->llm, "analyze", system, user, brief_schema());
	free(system);
	free(user);
	if (!j->call) {
		json_decref(j->analysis);
		free(j);
		return -1;
	}
	*out = j;
	return 0;
}

static int llm_done(void *job, void *ctx)
{
	return llm_call_status(((struct job *)job)->call) != LLM_PENDING;
}

static void llm_cancel(void *job, void *ctx)
{
	struct job *j = job;

	llm_call_free(j->call);
	json_decref(j->analysis);
	free(j);
}

/* The budget ran out at ev: say where, and stop. */
static int stop_for_budget(struct filter *f, struct analyst *an, const json_t *ev,
			   const struct llm_call *c)
{
	const struct config *cfg = an->a->cfg;
	int64_t tokens;
	double cost;
	json_t *data;

	llm_spent(an->llm, &tokens, &cost);
	log_error("budget reached: stopped before %s (%s); a rerun continues from the cache",
		  json_string_value(json_object_get(ev, "id")), llm_call_error(c));
	data = json_pack("{s:s,s:s,s:s?,s:I,s:f,s:s?,s:s?}", "reason", "budget",
			 "message", llm_call_error(c), "input_id",
			 json_string_value(json_object_get(ev, "id")), "tokens_spent",
			 (json_int_t)tokens, "cost_spent", cost,
			 "max_tokens_total", config_get(cfg, "llm.max_tokens_total"),
			 "max_cost", config_get(cfg, "llm.max_cost"));
	if (filter_emit(f, filter_event(f, "agent.stopped",
					json_string_value(json_object_get(ev, "subject")),
					data, ev)) < 0)
		return -1;
	return FILTER_STOP;
}

static int llm_finish(struct filter *f, const json_t *ev, void *job, void *ctx)
{
	struct analyst *an = ctx;
	struct job *j = job;
	json_t *analysis = j->analysis, *info = llm_call_info(j->call);
	int rc;

	j->analysis = NULL;
	switch (llm_call_status(j->call)) {
	case LLM_OK:
		rc = brief_merge(analysis, llm_call_reply(j->call));
		break;
	case LLM_REJECTED:
		log_warn("%s: the model's reply was rejected, the rules answer: %s",
			 json_string_value(json_object_get(ev, "subject")), llm_call_error(j->call));
		rc = 0;
		break;
	case LLM_BUDGET:
		rc = stop_for_budget(f, an, ev, j->call);
		break;
	default:
		rc = ak_error(llm_call_code(j->call), "%s", llm_call_error(j->call));
		break;
	}
	if (rc == 0) {
		/* set_new takes info even when it fails */
		if (!info || json_object_set_new(analysis, "llm", info))
			rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
		info = NULL;
	}
	json_decref(info);
	llm_cancel(j, ctx);
	if (rc != 0) {
		json_decref(analysis);
		return rc;
	}
	return answer(f, an, ev, analysis);
}

static int llm_wait_io(void *ctx, int fd)
{
	return llm_wait(((struct analyst *)ctx)->llm, fd);
}

/* qus_lint hands over each report line with its newline; out_line adds one */
static int write_stdout(void *ctx, const char *line, size_t len)
{
	struct out *o = ctx;
	if (len && line[len - 1] == '\n')
		len--;
	return out_line(o, line, len);
}

/* --lint: exit 1 when a story has a defect, like any gate. */
static int run_lint(struct agent *a, const char *path)
{
	struct buf backlog;
	long defects;

	buf_init(&backlog, a->fopts.max_line);
	if (buf_read_file(&backlog, path) < 0) {
		buf_release(&backlog);
		return agent_die(PROG);
	}
	defects = qus_lint(backlog.p ? backlog.p : "", backlog.len, write_stdout, &a->out);
	buf_release(&backlog);
	if (defects < 0)
		return a->out.code ? a->out.code : agent_die(PROG);
	if (defects)
		log_info("%ld defect%s found", defects, defects == 1 ? "" : "s");
	return defects ? AK_EXIT_GATE : 0;
}

/* --classify: one requirement per line in, one JSON object per line out. */
static int classify_fd(struct agent *a, int fd, const char *name)
{
	struct jsonl_reader r;
	struct jsonl_line l;
	struct buf line = BUF_INIT;
	int rc, status = 0;

	if (jsonl_init(&r, fd, name, a->fopts.max_line) < 0)
		return agent_die(PROG);
	while ((rc = jsonl_next(&r, &l)) > 0) {
		if (l.too_long || l.has_nul) {
			log_error("%s:%llu: %s", name, (unsigned long long)l.lineno,
				  l.too_long ? "line too long" : "not text (NUL byte)");
			status = AK_EXIT_DATAERR;
			continue;
		}
		buf_reset(&line);
		if (analyze_classify_line(l.p, l.len, &line) < 0 ||
		    out_line(&a->out, line.p, line.len) < 0) {
			status = a->out.code ? a->out.code : agent_die(PROG);
			break;
		}
		if (!jsonl_buffered(&r) && out_flush(&a->out) < 0) {
			status = a->out.code;
			break;
		}
	}
	if (rc < 0 && !status)
		status = agent_die(PROG);
	jsonl_release(&r);
	buf_release(&line);
	return status;
}

struct classify_run {
	struct agent *a;
	int status;     /* the first failure's */
};

static int classify_input(void *ctx, int fd, const char *name)
{
	struct classify_run *cr = ctx;
	int r = classify_fd(cr->a, fd, name);

	if (r && !cr->status)
		cr->status = r;
	return r == AK_EXIT_IOERR ? -1 : 0;
}

static int run_classify(struct agent *a, int argc, char **argv)
{
	struct classify_run cr = { a, 0 };
	int missing = agent_each_input(argc, argv, classify_input, &cr);

	return agent_input_status(cr.status, missing > 0);
}

int main(int argc, char **argv)
{
	struct agent a;
	struct opts o;
	const char *arg, *lint = NULL;
	int k, classify = 0, status;

	if (agent_init(&a, PROG) < 0)
		return agent_die(PROG);
	opts_begin(&o, PROG, agent_common_opts, analyze_opts, argc, argv, 0);
	while ((k = opts_next(&o, &arg)) != -1) {
		int r;
		if (k == '?')
			return agent_finish(&a, agent_usage_error(PROG, opts_error(&o)));
		if ((r = agent_option(&a, k, arg)) < 0)
			return agent_finish(&a, agent_usage_error(PROG, ak_errmsg()));
		if (r)
			continue;
		if (k == OPT_LINT)
			lint = arg;
		else if (k == OPT_CLASSIFY)
			classify = 1;
	}
	if (a.help) {
		usage();
		return agent_finish(&a, 0);
	}
	if (a.version) {
		agent_print_version(PROG);
		printf("cmark-gfm %s\n", cmark_version_string());
		return agent_finish(&a, 0);
	}
	if (a.list_options) {
		opts_list(stdout, "", agent_common_opts);
		opts_list(stdout, "", analyze_opts);
		return agent_finish(&a, 0);
	}
	if (lint && classify)
		return agent_finish(&a, agent_usage_error(PROG,
							  "--lint and --classify are different modes"));
	if (lint && opts_index(&o) < argc)
		return agent_finish(&a, agent_usage_error(PROG,
							  "--lint takes one FILE and no operands"));
	if (agent_start(&a, "agentkit/agent-analyze", environ) < 0)
		return agent_finish(&a, agent_die(PROG));
	if (lint)
		return agent_finish(&a, run_lint(&a, lint));
	if (classify)
		return agent_finish(&a, run_classify(&a, argc - opts_index(&o), argv + opts_index(&o)));

	struct analyst an = { &a, NULL, NULL };
	struct filter_def def = {
		.consumes = consumed,
		.item_type = "requirement.submitted",
		.handle = handle,
		.ctx = &an,
	};
	if (!strcmp(config_get(a.cfg, "engine"), "llm")) {
		if (!(an.llm = llm_new(a.cfg, environ)))
			return agent_finish(&a, agent_die(PROG));
		def.begin = llm_begin;
		def.done = llm_done;
		def.finish = llm_finish;
		def.cancel = llm_cancel;
		def.wait = llm_wait_io;
		def.jobs = llm_jobs(an.llm);
	}
	struct filter *f = filter_new(&def, &a.fopts, &a.ec, &a.out);
	if (!f) {
		llm_free(an.llm);
		return agent_finish(&a, agent_die(PROG));
	}
	status = agent_filter_inputs(&a, f, argc - opts_index(&o), argv + opts_index(&o));
	filter_free(f);
	llm_free(an.llm);
	workspace_free(an.ws);
	return agent_finish(&a, status);
}
