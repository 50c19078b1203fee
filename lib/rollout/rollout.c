/*
 * rollout.c - the rollout engine: steps, windows, verdicts, rollback, and
 * the state in the store that lets another process watch, steer or resume
 * a rollout.
 *
 * The state is one JSON document per rollout (rollouts.doc):
 *
 *   {"config": the canary document, "state": "progressing" | "paused" |
 *    "promoted" | "rolled_back" | "aborted" | "error",
 *    "step": index of the current step, "weight": the canary weight the
 *    router was last told, "actual_weight": what the router or the traffic
 *    says, "message": why the state is what it is, "revision": 1 and one
 *    more per retry, "started": time, "measurements": the current step's
 *    (the last MAX_KEPT), "history": one entry per finished step,
 *    "driver": {"pid", "host", "heartbeat"}}
 *
 * The driver writes it before it tells the router anything and after the
 * router answered, and beats its heartbeat while it waits, so a reader
 * knows whether someone is driving. Times in the document are milliseconds
 * since the epoch; waits use the monotonic clock.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "history.h"
#include "http.h"
#include "log.h"
#include "rollout/canary.h"
#include "rollout/rollout.h"
#include "banned.h"

#define MAX_KEPT 12              /* measurements kept per step in the document */
#define TICK_MS 200              /* how often a waiting driver looks for requests */
#define BEAT_MS 1000             /* how often it says it is alive */
#define ALIVE_MS 5000            /* a heartbeat older than this is a dead driver */
#define ROUTER_TRIES 3           /* a rollback tries the router this often */
#define REQUEST_WAIT_MS 30000    /* a request waits this long for the driver */

enum verdict { V_PASS, V_ROLLBACK, V_PAUSE, V_PROMOTE, V_PROMOTE_FULL, V_ABORT };

struct ro {
	const struct rollout_opts *o;
	char *name;
	struct canary c;
	struct router *router;
	json_t *doc;             /* owned */
	int step;                /* index of the current step */
	int weight;              /* the weight the router was last told; -1 unknown */
	char reason[512];        /* why a step failed or paused */
	int64_t last_beat;
	int driving;             /* this process holds the driver's place */
};

static const char *doc_str(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static int doc_int(const json_t *doc, const char *key, int dflt)
{
	json_t *v = json_object_get(doc, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static int set(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static const char *subject_of(const struct ro *r)
{
	return r->c.subject ? r->c.subject : r->name;
}

/* ---- the state in the store ------------------------------------------ */

static int persist(struct ro *r)
{
	struct store_rollout row = { 0 };
	char host[256] = "";
	char *text;
	int rc;

	if (r->driving) {
		gethostname(host, sizeof(host) - 1);
		if (set(r->doc, "driver", json_pack("{s:i,s:s,s:I}", "pid", (int)getpid(),
						     "host", host, "heartbeat",
						     (json_int_t)clock_wall_ms())) < 0)
			return -1;
	}
	if (!(text = json_dumps(r->doc, JSON_COMPACT)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	row.name = r->name;
	row.subject = r->c.subject;
	row.state = doc_str(r->doc, "state");
	row.step = r->step + 1;
	row.weight = r->weight < 0 ? 0 : r->weight;
	row.doc = text;
	rc = store_rollout_put(r->o->store, &row);
	free(text);
	r->last_beat = clock_mono_ms();
	return rc;
}

static int set_state(struct ro *r, const char *state, const char *message)
{
	if (set(r->doc, "state", json_string(state)) < 0 ||
	    set(r->doc, "message", json_string(message ? message : "")) < 0)
		return -1;
	return persist(r);
}

struct loaded {
	char *doc;
	char *command;
};

static int load_row(const struct store_rollout *row, void *ctx)
{
	struct loaded *l = ctx;

	l->doc = strdup(row->doc);
	l->command = row->command ? strdup(row->command) : NULL;
	if (!l->doc || (row->command && !l->command))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static void ro_release(struct ro *r)
{
	router_free(r->router);
	canary_release(&r->c);
	json_decref(r->doc);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

/* Set up r from a state document (stolen). */
static int ro_init(struct ro *r, const struct rollout_opts *o, const char *name, json_t *doc)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->doc = doc;
	if (!(r->name = strdup(name)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (canary_from_json(json_object_get(doc, "config"), name, &r->c) < 0)
		return -1;
	if (r->c.nsteps < 1)
		return ak_error(AK_EXIT_DATAERR, "rollout '%s' has no steps", name);
	r->step = doc_int(doc, "step", 0);
	if (r->step < 0 || r->step >= r->c.nsteps)
		r->step = 0;
	r->weight = doc_int(doc, "weight", -1);
	if (!(r->router = router_new(&r->c.router)))
		return -1;
	return 0;
}

/* Read the rollout name from the store: 1 found, 0 not (ak_error set), -1. */
static int ro_load(struct ro *r, const struct rollout_opts *o, const char *name)
{
	struct loaded l = { NULL, NULL };
	json_error_t jerr;
	json_t *doc;
	int found;

	memset(r, 0, sizeof(*r));
	found = store_rollout_get(o->store, name, load_row, &l);
	free(l.command);
	if (found < 0 || (found > 0 && !l.doc)) {
		free(l.doc);
		return -1;
	}
	if (!found) {
		ak_error(AK_EXIT_USAGE, "no rollout '%s' in the store", name);
		return 0;
	}
	doc = json_loads(l.doc, 0, &jerr);
	free(l.doc);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return ak_error(AK_EXIT_DATAERR, "rollout '%s': its state cannot be read: %s",
				name, jerr.text);
	}
	return ro_init(r, o, name, doc) < 0 ? -1 : 1;
}

/* Whether another live process drives r: its heartbeat is recent and, on
 * this host, its process exists. */
static int other_driver(const struct ro *r, int *pid)
{
	json_t *d = json_object_get(r->doc, "driver");
	const char *host = doc_str(d, "host");
	json_t *beat = json_object_get(d, "heartbeat");
	char me[256] = "";

	*pid = doc_int(d, "pid", 0);
	if (!json_is_integer(beat) || clock_wall_ms() - json_integer_value(beat) > ALIVE_MS)
		return 0;
	gethostname(me, sizeof(me) - 1);
	if (host && !strcmp(host, me))
		return *pid > 0 && *pid != (int)getpid() && (kill(*pid, 0) == 0 || errno == EPERM);
	return 1;
}

static int take_driver(struct ro *r)
{
	int pid;

	if (other_driver(r, &pid))
		return ak_error(AK_EXIT_TEMPFAIL, "rollout '%s' is driven by process %d on %s: "
				"ask it (promote, abort) or stop it first", r->name, pid,
				doc_str(json_object_get(r->doc, "driver"), "host"));
	r->driving = 1;
	return 0;
}

static void drop_driver(struct ro *r)
{
	if (!r->driving)
		return;
	r->driving = 0;
	json_object_del(r->doc, "driver");
	persist(r);
}

/* ---- events ----------------------------------------------------------- */

static json_t *flat(const struct measurement *m)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
#define NUM(k, present, v) json_object_set_new(o, k, (present) && isfinite(v) ? json_real(v) : json_null())
	NUM("error_rate", m->error_rate.present, m->error_rate.value);
	NUM("p95_ms", m->p95_ms.present, m->p95_ms.value);
	NUM("mem_pct", m->mem_pct.present, m->mem_pct.value);
	NUM("requests", 1, m->requests);
	NUM("actual_weight", 1, m->actual_weight);
#undef NUM
	json_object_set_new(o, "health", !m->health.present ? json_null() :
			    json_string(m->health.outcome == MEASURE_SUCCESSFUL ? "ok" : "failing"));
	json_object_set_new(o, "outcome", json_string(measure_outcome_name(m->outcome)));
	return o;
}

/* The last measurement of the current step, flattened, or an empty object. */
static json_t *last_measurement(const struct ro *r)
{
	json_t *all = json_object_get(r->doc, "measurements");
	json_t *last = json_array_get(all, json_array_size(all) ? json_array_size(all) - 1 : 0);
	json_t *copy = last ? json_deep_copy(last) : json_object();

	if (copy) {
		json_object_del(copy, "at");
		json_object_del(copy, "reason");
	}
	return copy;
}

/* Write an event (data stolen) to the output and the store. */
static int emit(struct ro *r, const char *type, json_t *data)
{
	json_t *ev;
	char *line;
	size_t len;
	int rc = 0;
	uint64_t inserted;

	if (!data)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	json_object_set_new(data, "name", json_string(r->name));
	json_object_set_new(data, "steps", json_integer(r->c.nsteps));
	if (r->c.version)
		json_object_set_new(data, "version", json_string(r->c.version));
	/* the limits each measurement is held to, so that a reader (a report's
	 * chart) can draw them beside the values */
	json_object_set_new(data, "thresholds",
			    json_pack("{s:f,s:f,s:f}", "error_rate", r->c.analysis.max_error_rate,
				      "p95_ms", r->c.analysis.max_p95_ms,
				      "mem_pct", r->c.analysis.max_mem_pct));
	if (r->o->ec->deterministic) {
		/* with SOURCE_DATE_EPOCH, ids come from what the event is: the
		 * rollout, its revision, and how many events it wrote before */
		int n = doc_int(r->doc, "events", 0);
		char seed[512];
		int k = snprintf(seed, sizeof(seed), "%s%c%d%c%d%c%s", r->name, 0,
				 doc_int(r->doc, "revision", 1), 0, n, 0, type);

		event_ctx_seed(r->o->ec, seed, k < (int)sizeof(seed) ? (size_t)k : sizeof(seed));
		json_object_set_new(r->doc, "events", json_integer(n + 1));
	}
	ev = event_new(r->o->ec, type, subject_of(r), data, r->o->cause);
	if (!ev)
		return -1;
	line = event_dump(ev, &len);
	json_decref(ev);
	if (!line)
		return -1;
	if (r->o->out && (out_line(r->o->out, line, len) < 0 || out_flush(r->o->out) < 0))
		rc = -1;
	line[len] = '\n';
	if (rc == 0 && store_append_lines(r->o->store, line, len + 1, &inserted) < 0)
		rc = -1;
	free(line);
	return rc;
}

/* ---- the router ------------------------------------------------------- */

/* Tell the router, and read back what it says. */
static int route(struct ro *r, int weight)
{
	int actual = -1;

	if (router_set(r->router, weight) < 0)
		return -1;
	r->weight = weight;
	if (router_get(r->router, &actual) < 0)
		return -1;
	if (actual >= 0 && actual != weight)
		return ak_error(AK_EXIT_UNAVAILABLE, "the %s router says %d%% after %d%% was set",
				router_kind_name(r->c.router.kind), actual, weight);
	json_object_set_new(r->doc, "weight", json_integer(weight));
	json_object_set_new(r->doc, "actual_weight", actual >= 0 ? json_integer(actual) : json_null());
	return 0;
}

static int check_stable(struct ro *r, char *why, size_t len)
{
	struct http_client *hc;
	struct http_response res = HTTP_RESPONSE_INIT;
	int ok = 0;

	if (!r->c.stable_health)
		return 1;
	if (!(hc = http_client_new(r->c.analysis.timeout_ms)))
		return 0;
	for (int i = 0; i < 5 && !ok; i++) {
		if (i)
			clock_sleep_ms(1000);
		if (http_get(hc, r->c.stable_health, 4096, &res) == 0 &&
		    res.status >= 200 && res.status < 300)
			ok = 1;
		else
			snprintf(why, len, "the stable version's health check: %s",
				 res.status ? "a status that is not 2xx" : res.error);
		http_response_release(&res);
	}
	http_client_free(hc);
	return ok;
}

/*
 * Send every request to the stable version and check that it happened.
 * kind is "rolled_back" or "aborted".
 */
static int rollback(struct ro *r, const char *kind, const char *reason)
{
	int64_t t0 = clock_mono_ms();
	int failed_step = r->step, failed_weight = r->weight < 0 ? 0 : r->weight;
	char why[512] = "";
	int ok = 0;
	json_t *data;

	json_object_set_new(r->doc, "message", json_string(reason));
	persist(r);
	for (int i = 0; i < ROUTER_TRIES && !ok; i++) {
		if (i)
			clock_sleep_ms(1000);
		if (route(r, 0) == 0)
			ok = 1;
		else
			snprintf(why, sizeof(why), "%s", ak_errmsg());
	}
	if (ok)
		ok = check_stable(r, why, sizeof(why));
	data = json_pack("{s:i,s:i,s:s,s:s,s:o,s:b,s:I}", "step", failed_step + 1,
			 "weight", failed_weight, "verdict",
			 !strcmp(kind, "aborted") ? "aborted" : "failed", "reason", reason,
			 "measurements", last_measurement(r), "verified", ok,
			 "rollback_ms", (json_int_t)(clock_mono_ms() - t0));
	if (!ok) {
		char msg[1100];

		snprintf(msg, sizeof(msg), "%s; the rollback is not verified: %s", reason, why);
		set_state(r, "error", msg);
		emit(r, "rollout.rolled_back", data);
		return ak_error(AK_EXIT_UNAVAILABLE, "rollout '%s': rollback not verified: %s",
				r->name, why);
	}
	if (set_state(r, kind, reason) < 0 || emit(r, "rollout.rolled_back", data) < 0)
		return -1;
	log_info("rollout %s: %s at step %d/%d (%d%%): %s", r->name,
		 !strcmp(kind, "aborted") ? "aborted" : "rolled back", failed_step + 1, r->c.nsteps,
		 failed_weight, reason);
	return !strcmp(kind, "aborted") ? ROLLOUT_ABORTED : ROLLOUT_ROLLED_BACK;
}

static int promote_full(struct ro *r)
{
	if (route(r, 100) < 0)
		return -1;
	r->step = r->c.nsteps - 1;
	if (set_state(r, "promoted", "promoted in full by request") < 0)
		return -1;
	if (emit(r, "rollout.promoted", json_pack("{s:i,s:i,s:b}", "step", r->step + 1,
						  "weight", 100, "full", 1)) < 0)
		return -1;
	log_info("rollout %s: promoted in full", r->name);
	return ROLLOUT_PROMOTED;
}

/* ---- measuring a step ------------------------------------------------- */

static enum verdict command_verdict(const char *cmd)
{
	if (!strcmp(cmd, "abort"))
		return V_ABORT;
	if (!strcmp(cmd, "promote-full"))
		return V_PROMOTE_FULL;
	return V_PROMOTE;
}

/*
 * Wait until the monotonic deadline, looking for requests and beating the
 * heartbeat. 1 with *v set when a request came, 0 at the deadline, -1.
 */
static int wait_until(struct ro *r, int64_t deadline, enum verdict *v)
{
	for (;;) {
		char *cmd = NULL;
		int64_t left;
		int got = store_rollout_take(r->o->store, r->name, &cmd);

		if (got < 0)
			return -1;
		if (got) {
			*v = command_verdict(cmd);
			log_info("rollout %s: request '%s' taken", r->name, cmd);
			free(cmd);
			return 1;
		}
		left = deadline - clock_mono_ms();
		if (left <= 0)
			return 0;
		if (clock_mono_ms() - r->last_beat >= BEAT_MS && persist(r) < 0)
			return -1;
		clock_sleep_ms(left < TICK_MS ? left : TICK_MS);
	}
}

static void keep_measurement(struct ro *r, const struct measurement *m)
{
	json_t *all = json_object_get(r->doc, "measurements");
	json_t *one = flat(m);

	if (!json_is_array(all)) {
		all = json_array();
		json_object_set_new(r->doc, "measurements", all);
	}
	if (!one)
		return;
	json_object_set_new(one, "at", json_integer(m->at_ms));
	json_object_set_new(one, "reason", json_string(m->reason));
	json_array_append_new(all, one);
	while (json_array_size(all) > MAX_KEPT)
		json_array_remove(all, 0);
	if (isfinite(m->actual_weight))
		json_object_set_new(r->doc, "actual_weight", json_integer(lround(m->actual_weight)));
}

static void progress(const struct ro *r, const struct measurement *m, int k, int n)
{
	char er[32] = "-", p95[32] = "-", mem[32] = "-", req[32] = "-";

	if (!r->o->progress)
		return;
	if (m->error_rate.present && isfinite(m->error_rate.value))
		snprintf(er, sizeof(er), "%.2f%%", m->error_rate.value * 100);
	if (m->p95_ms.present && isfinite(m->p95_ms.value))
		snprintf(p95, sizeof(p95), "%.0f ms", m->p95_ms.value);
	if (m->mem_pct.present && isfinite(m->mem_pct.value))
		snprintf(mem, sizeof(mem), "%.1f%%", m->mem_pct.value);
	if (isfinite(m->requests))
		snprintf(req, sizeof(req), "%.0f", m->requests);
	log_info("rollout %s: step %d/%d (%d%%) measurement %d/%d: %s: "
		 "health %s, error rate %s, p95 %s, memory %s, requests %s%s%s",
		r->name, r->step + 1, r->c.nsteps, r->weight, k, n,
		measure_outcome_name(m->outcome),
		!m->health.present ? "-" : m->health.outcome == MEASURE_SUCCESSFUL ? "ok" : "failing",
		er, p95, mem, req, *m->reason ? ": " : "", m->reason);
}

/* Measure the current step through its window. */
static int watch_step(struct ro *r, enum verdict *v)
{
	int n = canary_measurements(&r->c), failed = 0, errors = 0, inconclusive = 0, good = 0;
	struct analysis *an = analysis_new(&r->c.analysis);
	int64_t next = clock_mono_ms();

	if (!an)
		return -1;
	json_object_set_new(r->doc, "measurements", json_array());
	json_object_set_new(r->doc, "step_started", json_integer(clock_wall_ms()));
	*v = V_PASS;
	for (int k = 1; k <= n; k++) {
		struct measurement m;
		int got;

		next += r->c.interval_ms;
		if ((got = wait_until(r, next, v)) != 0) {
			analysis_free(an);
			return got < 0 ? -1 : 0;
		}
		if (analysis_measure(an, &m) < 0) {
			analysis_free(an);
			return -1;
		}
		keep_measurement(r, &m);
		progress(r, &m, k, n);
		if (persist(r) < 0) {
			analysis_free(an);
			return -1;
		}
		switch (m.outcome) {
		case MEASURE_SUCCESSFUL:
			good++;
			errors = 0;
			break;
		case MEASURE_FAILED:
			failed++;
			errors = 0;
			break;
		case MEASURE_INCONCLUSIVE:
			inconclusive++;
			errors = 0;
			break;
		case MEASURE_ERROR:
			errors++;
			break;
		}
		if (failed > r->c.failure_limit) {
			snprintf(r->reason, sizeof(r->reason), "%s", m.reason);
			*v = V_ROLLBACK;
			break;
		}
		if (errors > r->c.error_limit) {
			snprintf(r->reason, sizeof(r->reason), "%d measurements in a row were errors: %s",
				 errors, m.reason);
			*v = V_ROLLBACK;
			break;
		}
		if (k == n && (inconclusive > r->c.inconclusive_limit || !good)) {
			snprintf(r->reason, sizeof(r->reason),
				 "%d of %d measurements inconclusive, %d successful%s%s",
				 inconclusive, n, good, *m.reason ? ": " : "", m.reason);
			*v = V_PAUSE;
		}
	}
	analysis_free(an);
	return 0;
}

/* ---- driving ---------------------------------------------------------- */

static int set_step_weight(struct ro *r)
{
	int w = r->c.steps[r->step];
	int changed = r->weight != w;

	if (set_state(r, "progressing", "") < 0 || route(r, w) < 0 || persist(r) < 0)
		return -1;
	if (changed || !json_is_true(json_object_get(r->doc, "announced"))) {
		json_object_set_new(r->doc, "announced", json_true());
		if (emit(r, "rollout.step", json_pack("{s:i,s:i,s:s}", "step", r->step + 1,
						      "weight", w, "phase", "set")) < 0)
			return -1;
	}
	log_info("rollout %s: step %d/%d: %d%% of the traffic to the canary", r->name,
		 r->step + 1, r->c.nsteps, w);
	return 0;
}

/* The current step passed: record it and go to the next, or promote. */
static int advance(struct ro *r, const char *how)
{
	json_t *hist = json_object_get(r->doc, "history");

	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(r->doc, "history", hist);
	}
	json_array_append_new(hist, json_pack("{s:i,s:i,s:s,s:I}", "step", r->step + 1,
					      "weight", r->c.steps[r->step], "verdict", how,
					      "at", (json_int_t)clock_wall_ms()));
	if (emit(r, "rollout.step", json_pack("{s:i,s:i,s:s,s:s,s:o}", "step", r->step + 1,
					      "weight", r->c.steps[r->step], "phase", "passed",
					      "verdict", how, "measurements",
					      last_measurement(r))) < 0)
		return -1;
	if (r->step == r->c.nsteps - 1) {
		if (set_state(r, "promoted", "every step passed") < 0 ||
		    emit(r, "rollout.promoted", json_pack("{s:i,s:i}", "step", r->step + 1,
							  "weight", 100)) < 0)
			return -1;
		log_info("rollout %s: promoted", r->name);
		return ROLLOUT_PROMOTED;
	}
	r->step++;
	json_object_set_new(r->doc, "step", json_integer(r->step));
	json_object_set_new(r->doc, "announced", json_false());
	return persist(r) < 0 ? -1 : ROLLOUT_PROGRESSING;
}

static int pause_here(struct ro *r, enum verdict *v)
{
	int got;

	if (set_state(r, "paused", r->reason) < 0 ||
	    emit(r, "rollout.paused", json_pack("{s:i,s:i,s:s,s:o}", "step", r->step + 1,
						"weight", r->weight, "reason", r->reason,
						"measurements", last_measurement(r))) < 0)
		return -1;
	log_info("rollout %s: paused at step %d/%d: %s", r->name, r->step + 1, r->c.nsteps,
		 r->reason);
	if (r->o->pause_timeout_ms <= 0)
		return 0;
	got = wait_until(r, clock_mono_ms() + r->o->pause_timeout_ms, v);
	return got < 0 ? -1 : got;
}

static int drive(struct ro *r)
{
	for (;;) {
		enum verdict v;
		int rc;

		if (set_step_weight(r) < 0)
			goto router_failed;
		if (watch_step(r, &v) < 0)
			return -1;
		if (v == V_PAUSE) {
			rc = pause_here(r, &v);
			if (rc < 0)
				return -1;
			if (rc == 0)
				return ROLLOUT_PAUSED;
		}
		switch (v) {
		case V_ROLLBACK:
			return rollback(r, "rolled_back", r->reason);
		case V_ABORT:
			return rollback(r, "aborted", "aborted by request");
		case V_PROMOTE_FULL:
			return promote_full(r);
		case V_PASS:
		case V_PROMOTE:
		case V_PAUSE:
			rc = advance(r, v == V_PASS ? "successful" : "promoted by request");
			if (rc != ROLLOUT_PROGRESSING)
				return rc;
			break;
		}
	}
router_failed:
	/* the weight could not be set: the safe way out is back */
	{
		char why[512];

		snprintf(why, sizeof(why), "cannot set the weight: %s", ak_errmsg());
		return rollback(r, "rolled_back", why);
	}
}

/* Drive r as this process, and leave the driver's place after. */
static int drive_as_driver(struct ro *r)
{
	int rc;

	if (take_driver(r) < 0)
		return -1;
	rc = drive(r);
	if (rc < 0) {
		char saved[1024];
		enum ak_exit code = ak_errcode();

		snprintf(saved, sizeof(saved), "%s", ak_errmsg());
		drop_driver(r);
		return ak_error(code, "%s", saved);
	}
	drop_driver(r);
	return rc;
}

/* ---- the verbs -------------------------------------------------------- */

static int is_active(const char *state)
{
	return state && (!strcmp(state, "progressing") || !strcmp(state, "paused"));
}

int rollout_start(const struct rollout_opts *o, const char *name, json_t *config)
{
	struct ro r;
	json_t *doc;
	int found, rc;

	found = ro_load(&r, o, name);
	if (found < 0) {
		ro_release(&r);
		return -1;
	}
	if (found && is_active(doc_str(r.doc, "state"))) {
		rc = ak_error(AK_EXIT_USAGE, "rollout '%s' is %s at step %d/%d: resume, promote or "
			      "abort it first", name, doc_str(r.doc, "state"), r.step + 1, r.c.nsteps);
		ro_release(&r);
		return rc;
	}
	rc = found ? doc_int(r.doc, "revision", 1) + 1 : 1;
	ro_release(&r);
	doc = json_pack("{s:O,s:s,s:i,s:i,s:i,s:I}", "config", config, "state", "progressing",
			"step", 0, "weight", -1, "revision", rc, "started", (json_int_t)0);
	if (!doc)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (ro_init(&r, o, name, doc) < 0) {
		ro_release(&r);
		return -1;
	}
	json_object_set_new(r.doc, "started", json_integer(clock_wall_ms()));
	r.weight = -1;
	rc = drive_as_driver(&r);
	ro_release(&r);
	return rc;
}

static int load_active(struct ro *r, const struct rollout_opts *o, const char *name)
{
	int found = ro_load(r, o, name);

	if (found <= 0)
		return -1;
	if (!is_active(doc_str(r->doc, "state")))
		return ak_error(AK_EXIT_USAGE, "rollout '%s' has ended (%s)", name,
				doc_str(r->doc, "state"));
	return 0;
}

int rollout_resume(const struct rollout_opts *o, const char *name)
{
	struct ro r;
	int rc = load_active(&r, o, name);

	if (rc == 0)
		rc = drive_as_driver(&r);
	ro_release(&r);
	return rc;
}

int rollout_retry(const struct rollout_opts *o, const char *name)
{
	struct ro r;
	int rc = ro_load(&r, o, name);
	const char *state;

	if (rc <= 0) {
		ro_release(&r);
		return -1;
	}
	state = doc_str(r.doc, "state");
	if (!state || (strcmp(state, "aborted") && strcmp(state, "rolled_back") &&
		       strcmp(state, "error"))) {
		rc = ak_error(AK_EXIT_USAGE, "rollout '%s' is %s: only an aborted or rolled back "
			      "rollout can be retried", name, state ? state : "unknown");
		ro_release(&r);
		return rc;
	}
	r.step = 0;
	json_object_set_new(r.doc, "step", json_integer(0));
	json_object_set_new(r.doc, "revision", json_integer(doc_int(r.doc, "revision", 1) + 1));
	json_object_set_new(r.doc, "history", json_array());
	json_object_set_new(r.doc, "announced", json_false());
	rc = drive_as_driver(&r);
	ro_release(&r);
	return rc;
}

/* Ask the running driver, and wait until it took the request. */
static int ask_driver(struct ro *r, const char *command)
{
	int64_t deadline = clock_mono_ms() + REQUEST_WAIT_MS;
	int rc = store_rollout_request(r->o->store, r->name, command);

	if (rc <= 0)
		return rc < 0 ? -1 : ak_error(AK_EXIT_USAGE, "no rollout '%s' in the store", r->name);
	log_info("rollout %s: asked its driver to %s", r->name, command);
	while (clock_mono_ms() < deadline) {
		struct loaded l = { NULL, NULL };

		clock_sleep_ms(TICK_MS);
		/* the driver clears the request when it takes it */
		if (store_rollout_get(r->o->store, r->name, load_row, &l) < 0) {
			free(l.doc);
			free(l.command);
			return -1;
		}
		free(l.doc);
		if (!l.command)
			return 0;
		free(l.command);
	}
	return ak_error(AK_EXIT_TEMPFAIL, "rollout '%s': the driver did not take the request "
			"within %d s", r->name, REQUEST_WAIT_MS / 1000);
}

int rollout_promote(const struct rollout_opts *o, const char *name, int full)
{
	struct ro r;
	int rc = load_active(&r, o, name), pid;

	if (rc == 0 && other_driver(&r, &pid)) {
		rc = ask_driver(&r, full ? "promote-full" : "promote");
		ro_release(&r);
		return rc < 0 ? -1 : ROLLOUT_PROGRESSING;
	}
	if (rc == 0 && (rc = take_driver(&r)) == 0) {
		if (full) {
			rc = promote_full(&r);
		} else {
			rc = advance(&r, "promoted by request");
			if (rc == ROLLOUT_PROGRESSING)
				rc = drive(&r);
		}
		drop_driver(&r);
	}
	ro_release(&r);
	return rc;
}

int rollout_abort(const struct rollout_opts *o, const char *name)
{
	struct ro r;
	int rc = load_active(&r, o, name), pid;

	if (rc == 0 && other_driver(&r, &pid)) {
		rc = ask_driver(&r, "abort");
		ro_release(&r);
		return rc < 0 ? -1 : ROLLOUT_ABORTED;
	}
	if (rc == 0 && (rc = take_driver(&r)) == 0) {
		rc = rollback(&r, "aborted", "aborted by request");
		drop_driver(&r);
	}
	ro_release(&r);
	return rc;
}

const char *rollout_result_name(int result)
{
	switch (result) {
	case ROLLOUT_PROMOTED: return "promoted";
	case ROLLOUT_ROLLED_BACK: return "rolled_back";
	case ROLLOUT_ABORTED: return "aborted";
	case ROLLOUT_PAUSED: return "paused";
	case ROLLOUT_PROGRESSING: return "progressing";
	}
	return "unknown";
}

/* ---- status ----------------------------------------------------------- */

struct status_ctx {
	FILE *fp;
	int json, rows;
	int64_t now;
};

/* Argo's words for the states: what a person watching wants to know. */
static const char *phase_of(const char *state)
{
	if (!state)
		return "Unknown";
	if (!strcmp(state, "progressing"))
		return "Progressing";
	if (!strcmp(state, "paused"))
		return "Paused";
	if (!strcmp(state, "promoted"))
		return "Healthy";
	if (!strcmp(state, "error"))
		return "Error";
	return "Degraded";
}

static void fmt_num(char *out, size_t len, const json_t *v, double scale, const char *unit)
{
	if (json_is_number(v))
		snprintf(out, len, "%.*f%s", scale == 100 ? 2 : 0, json_number_value(v) * scale, unit);
	else
		snprintf(out, len, "-");
}

static void print_measurements(FILE *fp, const json_t *all)
{
	size_t i;
	json_t *m;

	if (!json_array_size(all))
		return;
	fprintf(fp, "Measurements:\n  %-24s %-13s %-8s %-11s %-8s %-8s %-9s %s\n", "TIME",
		"OUTCOME", "HEALTH", "ERROR_RATE", "P95_MS", "MEM_PCT", "REQUESTS", "REASON");
	json_array_foreach(all, i, m) {
		char when[32], er[32], p95[32], mem[32], req[32];
		json_t *at = json_object_get(m, "at");

		if (json_is_integer(at))
			event_format_time(json_integer_value(at), when);
		else
			snprintf(when, sizeof(when), "-");
		fmt_num(er, sizeof(er), json_object_get(m, "error_rate"), 100, "%");
		fmt_num(p95, sizeof(p95), json_object_get(m, "p95_ms"), 1, "");
		fmt_num(mem, sizeof(mem), json_object_get(m, "mem_pct"), 1, "");
		fmt_num(req, sizeof(req), json_object_get(m, "requests"), 1, "");
		fprintf(fp, "  %-24s %-13s %-8s %-11s %-8s %-8s %-9s %s\n", when,
			doc_str(m, "outcome") ? doc_str(m, "outcome") : "-",
			doc_str(m, "health") ? doc_str(m, "health") : "-", er, p95, mem, req,
			doc_str(m, "reason") ? doc_str(m, "reason") : "");
	}
}

static int status_row(const struct store_rollout *row, void *ctx)
{
	struct status_ctx *sc = ctx;
	json_t *doc = json_loads(row->doc, 0, NULL);
	json_t *cfg = json_object_get(doc, "config"), *router = json_object_get(cfg, "router");
	json_t *steps = json_object_get(cfg, "steps"), *d = json_object_get(doc, "driver");
	json_t *actual = json_object_get(doc, "actual_weight");
	int nsteps = json_is_array(steps) ? (int)json_array_size(steps) : 3;
	char age[16], act[16];

	sc->rows++;
	if (!doc)
		return ak_error(AK_EXIT_DATAERR, "rollout '%s': its state cannot be read", row->name);
	if (sc->json) {
		json_t *o = json_pack("{s:s,s:s?,s:s,s:s,s:i,s:i,s:i,s:O?,s:I,s:O}", "name",
				      row->name, "subject", row->subject, "state", row->state,
				      "phase", phase_of(row->state), "step", row->step,
				      "steps", nsteps, "weight", row->weight, "actual_weight",
				      actual, "updated", (json_int_t)row->updated_ms, "doc", doc);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (text)
			fprintf(sc->fp, "%s\n", text);
		free(text);
		json_decref(o);
		json_decref(doc);
		return text ? 0 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	if (json_is_integer(actual))
		snprintf(act, sizeof(act), "%d", (int)json_integer_value(actual));
	else
		snprintf(act, sizeof(act), "-");
	if (sc->rows > 1)
		fputc('\n', sc->fp);
	fprintf(sc->fp, "Name:          %s\n", row->name);
	if (row->subject)
		fprintf(sc->fp, "Subject:       %s\n", row->subject);
	if (doc_str(cfg, "version"))
		fprintf(sc->fp, "Version:       %s\n", doc_str(cfg, "version"));
	fprintf(sc->fp, "Status:        %s (%s)\n", phase_of(row->state), row->state);
	if (doc_str(doc, "message") && *doc_str(doc, "message"))
		fprintf(sc->fp, "Message:       %s\n", doc_str(doc, "message"));
	fprintf(sc->fp, "Strategy:      Canary\n");
	fprintf(sc->fp, "  Step:        %d/%d\n", row->step, nsteps);
	fprintf(sc->fp, "  SetWeight:   %d\n", row->weight);
	fprintf(sc->fp, "  ActualWeight: %s\n", act);
	fprintf(sc->fp, "Router:        %s", doc_str(router, "type") ? doc_str(router, "type") : "-");
	if (doc_str(router, "file"))
		fprintf(sc->fp, " %s", doc_str(router, "file"));
	if (doc_str(router, "backend"))
		fprintf(sc->fp, " backend %s", doc_str(router, "backend"));
	fputc('\n', sc->fp);
	fprintf(sc->fp, "Revision:      %d\n", doc_int(doc, "revision", 1));
	history_age(sc->now - row->updated_ms, age);
	if (json_is_object(d))
		fprintf(sc->fp, "Driver:        process %d on %s\n", doc_int(d, "pid", 0),
			doc_str(d, "host") ? doc_str(d, "host") : "?");
	else
		fprintf(sc->fp, "Driver:        none\n");
	fprintf(sc->fp, "Updated:       %s ago\n", age);
	print_measurements(sc->fp, json_object_get(doc, "measurements"));
	json_decref(doc);
	return 0;
}

int rollout_status(struct store *s, const char *name, int json, int64_t now, FILE *fp)
{
	struct status_ctx sc = { fp, json, 0, now };
	int rc = store_rollout_get(s, name, status_row, &sc);

	if (rc < 0)
		return -1;
	if (name && rc == 0) {
		ak_error(AK_EXIT_USAGE, "no rollout '%s' in the store", name);
		return 1;
	}
	return rc > 1 ? -1 : 0;
}
