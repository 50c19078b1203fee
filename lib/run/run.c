/*
 * run.c - the scheduler of `agentctl run`: features and their histories,
 * which stage can run for which feature, the programs running in threads
 * of their own (lib/proc.c), and what comes back recorded, routed and
 * written. Only the main thread touches the store, the histories and the
 * output; a program's thread owns its job until it hands it back through
 * the finished list.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "run/run.h"
#include "buf.h"
#include "clock.h"
#include "error.h"
#include "event.h"
#include "filter.h"
#include "jscan.h"
#include "out.h"
#include "proc.h"
#include "store.h"
#include "workspace.h"
#include "banned.h"

enum unit_state { U_WAIT, U_RUNNING, U_DONE, U_SKIPPED, U_FAILED };

struct feature {
	char *subject;
	struct buf hist;               /* its events, one per line */
	char **types;                  /* the types in hist, each once */
	size_t ntypes, captypes;
	unsigned char *state;          /* per stage: enum unit_state */
};

struct job {
	struct run *r;
	size_t f, s;                   /* feature and stage */
	char *input;                   /* the history when the job started */
	size_t input_len;
	struct proc_result res;
	int ran;                       /* proc_run ran the program (res is valid) */
	int attempts;
	char why[256];                 /* when it did not run: ak_errmsg */
	int why_code;
	pthread_t thread;
	struct job *next;              /* in the finished list */
};

/* A set of event ids: open addressing, the strings owned. */
struct idset {
	char **slot;
	size_t cap, n;
};

struct run {
	struct run_opts o;
	char ***env;                   /* per stage: o.env and the stage's env */
	struct feature *feat;
	size_t nfeat, capfeat;
	struct idset ids;
	struct run_stage_stats *stats;
	struct jscan js;
	int status;                    /* worst so far */
	size_t running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *finished;          /* under lock */
	int drawn;                     /* lines of the progress view on screen */
	int64_t started_ms, drawn_ms;
};

/* ---- the id set ---- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int idset_has(const struct idset *set, const char *id)
{
	if (!set->cap)
		return 0;
	for (size_t i = hash(id) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slot[i])
			return 0;
		if (!strcmp(set->slot[i], id))
			return 1;
	}
}

static int idset_put(struct idset *set, const char *id)
{
	size_t i;

	if ((set->n + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		char **slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		for (size_t k = 0; k < set->cap; k++) {
			if (!set->slot[k])
				continue;
			for (i = hash(set->slot[k]) & (cap - 1); slot[i]; i = (i + 1) & (cap - 1))
				;
			slot[i] = set->slot[k];
		}
		free(set->slot);
		set->slot = slot;
		set->cap = cap;
	}
	for (i = hash(id) & (set->cap - 1); set->slot[i]; i = (i + 1) & (set->cap - 1))
		if (!strcmp(set->slot[i], id))
			return 0;
	if (!(set->slot[i] = strdup(id)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	set->n++;
	return 0;
}

static void idset_release(struct idset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

/* ---- features ---- */

static long find_feature(const struct run *r, const char *subject)
{
	for (size_t i = 0; i < r->nfeat; i++)
		if (!strcmp(r->feat[i].subject, subject))
			return (long)i;
	return -1;
}

static int has_type(const struct feature *f, const char *type)
{
	for (size_t i = 0; i < f->ntypes; i++)
		if (!strcmp(f->types[i], type))
			return 1;
	return 0;
}

/* Add a recorded line (without its newline) to f's history. */
static int feature_add(struct run *r, struct feature *f, const char *line, size_t len,
		       const char *id, const char *type)
{
	if (buf_add(&f->hist, line, len) < 0 || buf_addch(&f->hist, '\n') < 0 ||
	    idset_put(&r->ids, id) < 0)
		return -1;
	if (has_type(f, type))
		return 0;
	if (f->ntypes == f->captypes) {
		size_t cap = f->captypes ? f->captypes * 2 : 16;
		char **t = realloc(f->types, cap * sizeof(*t));

		if (!t)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		f->types = t;
		f->captypes = cap;
	}
	if (!(f->types[f->ntypes] = strdup(type)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	f->ntypes++;
	return 0;
}

struct loaded {
	struct run *r;
	struct feature *f;
};

static int load_event(const struct store_event *ev, void *ctx)
{
	struct loaded *l = ctx;

	if (idset_has(&l->r->ids, ev->id))
		return 0;
	return feature_add(l->r, l->f, ev->raw, ev->raw_len, ev->id, ev->type) < 0 ? -1 : 0;
}

/* The feature called subject, loaded from the store when new; NULL with ak_error. */
static struct feature *get_feature(struct run *r, const char *subject)
{
	struct store_query q = STORE_QUERY_INIT;
	struct loaded l = { r, NULL };
	long at = find_feature(r, subject);
	struct feature *f;

	if (at >= 0)
		return &r->feat[at];
	if (r->nfeat == r->capfeat) {
		size_t cap = r->capfeat ? r->capfeat * 2 : 16;
		struct feature *p = realloc(r->feat, cap * sizeof(*p));

		if (!p) {
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			return NULL;
		}
		r->feat = p;
		r->capfeat = cap;
	}
	f = &r->feat[r->nfeat];
	memset(f, 0, sizeof(*f));
	buf_init(&f->hist, 0);
	if (!(f->subject = strdup(subject)) ||
	    !(f->state = calloc(r->o.p->nstages, 1))) {
		free(f->subject);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	r->nfeat++;
	q.subject = subject;
	l.f = f;
	if (store_query(r->o.store, &q, load_event, &l) != 0)
		return NULL;
	return f;
}

int run_load_feature(struct run *r, const char *subject)
{
	return get_feature(r, subject) ? 0 : -1;
}

size_t run_features(const struct run *r)
{
	return r->nfeat;
}

const struct run_stage_stats *run_stats(const struct run *r, size_t i)
{
	return &r->stats[i];
}

/* ---- the run ---- */

/* Exit statuses from least to most serious. */
static int rank(int code)
{
	switch (code) {
	case 0: return 0;
	case AK_EXIT_TEMPFAIL: return 1;
	case AK_EXIT_DATAERR: return 2;
	case AK_EXIT_GATE: return 3;
	default: return 4;
	}
}

static void worsen(struct run *r, int code)
{
	if (rank(code) > rank(r->status))
		r->status = code;
}

struct run *run_new(const struct run_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));
	size_t nenv = 0;

	if (!r)
		goto oom;
	r->o = *o;
	if (!r->o.jobs)
		r->o.jobs = 1;
	if (!r->o.max_output)
		r->o.max_output = (size_t)256 << 20;
	if (!r->o.kill_grace_ms)
		r->o.kill_grace_ms = 2000;
	if (!r->o.retry_delay_ms)
		r->o.retry_delay_ms = 500;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->started_ms = clock_mono_ms();
	if (!(r->stats = calloc(o->p->nstages, sizeof(*r->stats))) ||
	    !(r->env = calloc(o->p->nstages, sizeof(*r->env))))
		goto oom;
	for (const char *const *e = o->env; e && *e; e++)
		nenv++;
	for (size_t i = 0; i < o->p->nstages; i++) {
		size_t n = 0;
		char **env;

		for (char **e = o->p->stages[i].env; e && *e; e++)
			n++;
		if (!(env = r->env[i] = calloc(nenv + n + 1, sizeof(char *))))
			goto oom;
		/* the stage's own come last, so that they win */
		for (size_t k = 0; k < nenv; k++)
			env[k] = (char *)o->env[k];
		for (size_t k = 0; k < n; k++)
			env[nenv + k] = o->p->stages[i].env[k];
	}
	return r;
oom:
	run_free(r);
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return NULL;
}

void run_free(struct run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfeat; i++) {
		struct feature *f = &r->feat[i];

		free(f->subject);
		buf_release(&f->hist);
		for (size_t k = 0; k < f->ntypes; k++)
			free(f->types[k]);
		free(f->types);
		free(f->state);
	}
	free(r->feat);
	for (size_t i = 0; r->env && i < r->o.p->nstages; i++)
		free(r->env[i]);
	free(r->env);
	free(r->stats);
	idset_release(&r->ids);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/*
 * Record the events in lines[0..len) (each ending in '\n') and hand each
 * to its feature (fallback: the feature of a line without a subject) and
 * the output. Lines were checked by the caller. fallback is an index
 * into r->feat, or -1.
 */
static int commit(struct run *r, const char *lines, size_t len, long fallback,
		  uint64_t *count)
{
	uint64_t inserted;
	const char *p = lines, *end = lines + len;

	if (len == 0)
		return 0;
	if (store_append_lines(r->o.store, lines, len, &inserted) < 0)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		const struct jscan_member *m;
		char id[256], type[256], subject[256];
		struct feature *f = NULL;

		if (jscan_parse(&r->js, p, n) < 0)
			return ak_error(AK_EXIT_SOFTWARE, "a checked line does not scan again");
		if (!(m = jscan_find(&r->js, "id")) || jscan_strcpy(m, id, sizeof(id)) < 0 ||
		    !(m = jscan_find(&r->js, "type")) || jscan_strcpy(m, type, sizeof(type)) < 0)
			return ak_error(AK_EXIT_SOFTWARE, "a checked line has no id or type");
		m = jscan_find(&r->js, "subject");
		if (m && jscan_strcpy(m, subject, sizeof(subject)) > 0 && event_feature_id_ok(subject)) {
			if (!(f = get_feature(r, subject)))
				return -1;
		} else if (fallback >= 0) {
			/* after get_feature, which may move the features */
			f = &r->feat[fallback];
		}
		if (f && feature_add(r, f, p, n, id, type) < 0)
			return -1;
		if (r->o.out && out_line(r->o.out, p, n) < 0)
			return -1;
		if (count)
			(*count)++;
		p = nl + 1;
	}
	if (r->o.out && out_flush(r->o.out) < 0)
		return -1;
	return 0;
}

/* Append the agent.rejected event for a bad line to batch. */
static int reject(struct run *r, struct buf *batch, const char *origin, uint64_t lineno,
		  const char *line, size_t len, const char *why)
{
	json_t *ev;
	char *s;
	size_t n;
	int rc;

	event_ctx_seed(r->o.ec, line, len);
	if (!(ev = filter_rejected_event(r->o.ec, origin, lineno, line, len, why, NULL, NULL)))
		return -1;
	s = event_dump(ev, &n);
	json_decref(ev);
	if (!s)
		return -1;
	rc = buf_add(batch, s, n) < 0 || buf_addch(batch, '\n') < 0 ? -1 : 0;
	free(s);
	worsen(r, AK_EXIT_DATAERR);
	return rc;
}

/*
 * Scan line: 1 an event (id, type, subject filled; subject "" when it has
 * none), 0 not one (why filled).
 */
static int scan_event(struct run *r, const char *line, size_t len, char *id, char *type,
		      char *subject, char *why, size_t whylen)
{
	const struct jscan_member *m;
	enum event_kind k;

	if (jscan_parse(&r->js, line, len) < 0) {
		snprintf(why, whylen, "not JSON: %s", r->js.err);
		return 0;
	}
	k = event_check(&r->js, why, whylen);
	if (k == EVENT_BAD)
		return 0;
	if (k == EVENT_ITEM) {
		snprintf(why, whylen, "a work item, not an event");
		return 0;
	}
	if (!(m = jscan_find(&r->js, "id")) || jscan_strcpy(m, id, 256) <= 0 ||
	    !(m = jscan_find(&r->js, "type")) || jscan_strcpy(m, type, 256) <= 0) {
		snprintf(why, whylen, "an id or type longer than 255 bytes");
		return 0;
	}
	*subject = 0;
	if ((m = jscan_find(&r->js, "subject")) && jscan_strcpy(m, subject, 256) < 0)
		*subject = 0;
	return 1;
}

int run_add(struct run *r, const char *line, size_t len, const char *origin, uint64_t lineno)
{
	char id[256], type[256], subject[256], why[256];
	struct buf batch = BUF_INIT;
	struct feature *f = NULL;
	int rc;

	if (!scan_event(r, line, len, id, type, subject, why, sizeof(why)))
		goto bad;
	if (!*subject || !event_feature_id_ok(subject)) {
		snprintf(why, sizeof(why), "an event without a feature id in subject");
		goto bad;
	}
	if (!(f = get_feature(r, subject)))
		return -1;
	if (idset_has(&r->ids, id) ||
	    (pipeline_has_type(r->o.p->inputs, type) && has_type(f, type)))
		return 0;
	rc = buf_add(&batch, line, len) < 0 || buf_addch(&batch, '\n') < 0 ? -1 :
		commit(r, batch.p, batch.len, f - r->feat, NULL);
	buf_release(&batch);
	return rc;
bad:
	return run_reject(r, origin, lineno, line, len, why);
}

int run_reject(struct run *r, const char *origin, uint64_t lineno, const char *input,
	       size_t len, const char *why)
{
	struct buf batch = BUF_INIT;
	int rc = reject(r, &batch, origin, lineno, input, len, why);

	if (rc == 0)
		rc = commit(r, batch.p, batch.len, -1, NULL);
	buf_release(&batch);
	return rc;
}

/* ---- programs ---- */

static int status_accepted(const struct proc_result *res)
{
	if (!res->exited || res->timed_out)
		return 0;
	return res->exit_code == 0 || res->exit_code == AK_EXIT_GATE ||
		res->exit_code == AK_EXIT_DATAERR || res->exit_code == AK_EXIT_TEMPFAIL;
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct run *r = j->r;
	const struct stage *s = &r->o.p->stages[j->s];
	struct proc_opts po = PROC_OPTS_INIT;
	long delay = r->o.retry_delay_ms;

	po.argv = (const char *const *)s->argv;
	po.env = (const char *const *)r->env[j->s];
	po.input = j->input;
	po.input_len = j->input_len;
	po.timeout_ms = s->timeout_ms;
	po.kill_grace_ms = r->o.kill_grace_ms;
	po.max_output = r->o.max_output;
	for (;;) {
		j->attempts++;
		if (proc_run(&po, &j->res) < 0) {
			j->ran = 0;
			snprintf(j->why, sizeof(j->why), "%s", ak_errmsg());
			j->why_code = ak_errcode();
			/* a program that is not there will not be there next time */
			if (j->why_code == AK_EXIT_UNAVAILABLE)
				break;
		} else {
			j->ran = 1;
			if (status_accepted(&j->res) && !j->res.out_truncated)
				break;
		}
		if (j->attempts > s->retries)
			break;
		if (j->ran)
			proc_result_release(&j->res);
		j->ran = 0;
		clock_sleep_ms(delay);
		delay *= 2;
	}
	pthread_mutex_lock(&r->lock);
	j->next = r->finished;
	r->finished = j;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int start_job(struct run *r, size_t fi, size_t si)
{
	struct feature *f = &r->feat[fi];
	struct job *j = calloc(1, sizeof(*j));

	if (!j || !(j->input = malloc(f->hist.len + 1))) {
		free(j);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	memcpy(j->input, f->hist.p ? f->hist.p : "", f->hist.len);
	j->input_len = f->hist.len;
	j->r = r;
	j->f = fi;
	j->s = si;
	if ((errno = pthread_create(&j->thread, NULL, job_main, j))) {
		free(j->input);
		free(j);
		return ak_error(AK_EXIT_SOFTWARE, "cannot start a thread: %s", strerror(errno));
	}
	f->state[si] = U_RUNNING;
	r->stats[si].in++;
	r->stats[si].running++;
	r->running++;
	return 0;
}

/* The stage's log: what the program said on stderr, kept in the workspace. */
static void write_log(struct run *r, const struct job *j)
{
	const struct feature *f = &r->feat[j->f];
	char path[512];

	if (!r->o.ws || !j->ran || !event_feature_id_ok(f->subject))
		return;
	snprintf(path, sizeof(path), "%s/agentctl-run/%s.log", f->subject,
		 r->o.p->stages[j->s].name);
	if (workspace_write(r->o.ws, path, j->res.err, j->res.err_len, NULL) < 0)
		fprintf(stderr, "agentctl: run: cannot keep the log of '%s': %s\n",
			r->o.p->stages[j->s].name, ak_errmsg());
}

/* The last lines of what a program said, at most n bytes, from a line start. */
static const char *tail(const struct proc_result *res, size_t n)
{
	const char *p = res->err_len > n ? res->err + res->err_len - n : res->err;

	if (p != res->err) {
		const char *nl = memchr(p, '\n', (size_t)(res->err + res->err_len - p));

		if (nl)
			p = nl + 1;
	}
	return p;
}

static int failed(struct run *r, struct job *j, struct buf *batch)
{
	const struct stage *s = &r->o.p->stages[j->s];
	struct feature *f = &r->feat[j->f];
	char how[256], key[512];
	json_t *data, *ev;
	char *line;
	size_t n;
	int code = j->ran ? AK_EXIT_SOFTWARE : j->why_code;

	if (j->ran)
		proc_describe(&j->res, how, sizeof(how));
	else
		snprintf(how, sizeof(how), "%s", j->why);
	if (j->ran && j->res.out_truncated)
		snprintf(how, sizeof(how), "wrote more than %zu bytes", r->o.max_output);
	fprintf(stderr, "agentctl: run: stage '%s' failed for '%s' after %d attempt%s: %s\n",
		s->name, f->subject, j->attempts, j->attempts == 1 ? "" : "s", how);
	data = json_pack("{s:s,s:s,s:s,s:i,s:s}", "stage", s->name, "program", s->argv[0],
			 "reason", how, "attempts", j->attempts, "stderr",
			 j->ran ? tail(&j->res, 2048) : "");
	snprintf(key, sizeof(key), "%s\n%s\n%s", r->o.p->name, s->name, f->subject);
	event_ctx_seed(r->o.ec, key, strlen(key));
	ev = data ? event_new(r->o.ec, "agent.failed", f->subject, data, NULL) : NULL;
	if (!ev)
		return -1;
	line = event_dump(ev, &n);
	json_decref(ev);
	if (!line)
		return -1;
	code = buf_add(batch, line, n) < 0 || buf_addch(batch, '\n') < 0 ? -1 : code;
	free(line);
	if (code < 0)
		return -1;
	worsen(r, code);
	return 0;
}

/* Take the new events of a finished program into the store and the graph. */
static int finish_job(struct run *r, struct job *j)
{
	const struct stage *s = &r->o.p->stages[j->s];
	struct run_stage_stats *st = &r->stats[j->s];
	struct buf batch = BUF_INIT;
	char origin[96];
	uint64_t lineno = 0, made = 0;
	int ok = j->ran && status_accepted(&j->res) && !j->res.out_truncated, rc = 0;

	pthread_join(j->thread, NULL);
	st->running--;
	r->running--;
	write_log(r, j);
	snprintf(origin, sizeof(origin), "stage %s", s->name);
	if (ok) {
		const char *p = j->res.out, *end = j->res.out + j->res.out_len;

		while (p < end && rc == 0) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char id[256], type[256], subject[256], why[256];

			lineno++;
			if (n == 0)
				;
			else if (!scan_event(r, p, n, id, type, subject, why, sizeof(why)))
				rc = reject(r, &batch, origin, lineno, p, n, why);
			else if (!idset_has(&r->ids, id))
				rc = buf_add(&batch, p, n) < 0 || buf_addch(&batch, '\n') < 0 ? -1 : 0;
			p = nl ? nl + 1 : end;
		}
		if (j->res.exit_code == AK_EXIT_GATE)
			st->gates++;
		worsen(r, j->res.exit_code);
	} else {
		rc = failed(r, j, &batch);
	}
	if (rc == 0)
		rc = commit(r, batch.p, batch.len, (long)j->f, &made);
	buf_release(&batch);
	/* the failure's own event is not the stage's output */
	if (ok) {
		st->out += made;
		st->done++;
	} else {
		st->failed++;
	}
	r->feat[j->f].state[j->s] = ok ? U_DONE : U_FAILED;
	if (j->ran)
		proc_result_release(&j->res);
	free(j->input);
	free(j);
	return rc;
}

/* ---- the progress view ---- */

static void draw(struct run *r, int last)
{
	const struct pipeline *p = r->o.p;
	int64_t now = clock_mono_ms();
	struct buf b = BUF_INIT;
	int fd = r->o.progress_fd;

	if (fd < 0 || (!last && now - r->drawn_ms < 100))
		return;
	r->drawn_ms = now;
	if (r->drawn)
		buf_addf(&b, "\r\033[%dA", r->drawn);
	buf_addf(&b, "\r\033[K%-12s %7s %7s %7s %7s %7s %7s   %s, %.1fs\n", "STAGE", "IN", "OUT",
		 "RUNNING", "DONE", "SKIPPED", "FAILED", p->name, (double)(now - r->started_ms) / 1000);
	for (size_t i = 0; i < p->nstages; i++) {
		const struct run_stage_stats *st = &r->stats[i];

		buf_addf(&b, "\r\033[K%-12.12s %7llu %7llu %7llu %7llu %7llu %7llu\n", p->stages[i].name,
			 (unsigned long long)st->in, (unsigned long long)st->out,
			 (unsigned long long)st->running, (unsigned long long)st->done,
			 (unsigned long long)st->skipped, (unsigned long long)st->failed);
	}
	r->drawn = (int)p->nstages + 1;
	for (size_t off = 0; off < b.len;) {
		ssize_t n = write(fd, b.p + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf_release(&b);
}

/* ---- scheduling ---- */

static int done_already(const struct feature *f, const struct stage *s)
{
	for (size_t k = 0; k < s->nout; k++)
		if (has_type(f, s->out[k]))
			return 1;
	return 0;
}

static int ready(const struct feature *f, const struct stage *s)
{
	for (size_t k = 0; k < s->nin; k++)
		if (!has_type(f, s->in[k]))
			return 0;
	return 1;
}

/* Start what can start. 0, or -1 with ak_error. */
static int schedule(struct run *r)
{
	const struct pipeline *p = r->o.p;

	for (size_t fi = 0; fi < r->nfeat; fi++)
		for (size_t si = 0; si < p->nstages; si++) {
			struct feature *f = &r->feat[fi];

			if (f->state[si] != U_WAIT)
				continue;
			if (done_already(f, &p->stages[si])) {
				f->state[si] = U_SKIPPED;
				r->stats[si].skipped++;
			} else if (r->running < r->o.jobs && ready(f, &p->stages[si]) &&
				   start_job(r, fi, si) < 0) {
				return -1;
			}
		}
	return 0;
}

/* Wait until a program finishes, or 100 ms for the progress view. */
static struct job *wait_finished(struct run *r)
{
	struct job *j;

	pthread_mutex_lock(&r->lock);
	if (!r->finished) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	}
	j = r->finished;
	r->finished = NULL;
	pthread_mutex_unlock(&r->lock);
	return j;
}

int run_go(struct run *r)
{
	int rc = 0;

	while (rc == 0) {
		struct job *j;

		if (schedule(r) < 0) {
			rc = -1;
			break;
		}
		draw(r, 0);
		if (r->running == 0)
			break;
		j = wait_finished(r);
		while (j) {
			struct job *next = j->next;

			if (finish_job(r, j) < 0 && rc == 0)
				rc = -1;
			j = next;
		}
	}
	/* after an error, let what runs finish, so that no thread outlives us */
	if (rc < 0) {
		int code = ak_errcode();
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", ak_errmsg());
		while (r->running > 0) {
			struct job *j = wait_finished(r);

			while (j) {
				struct job *next = j->next;

				finish_job(r, j);
				j = next;
			}
		}
		draw(r, 1);
		return ak_error(code, "%s", msg);
	}
	draw(r, 1);
	return r->status;
}
