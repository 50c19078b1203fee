/*
 * analysis.c - one measurement of a canary: ask every configured source,
 * judge each metric against its limit, combine.
 *
 * The sources: a health URL; Prometheus instant queries; the router's nginx
 * access log, read incrementally from a byte offset; probes sent by the
 * engine itself; /proc for the memory of a local process. Error rate and
 * p95 come from the first of Prometheus, the access log and the probes that
 * is configured. A source that cannot be asked makes its metrics "error",
 * never "failed": a broken Prometheus says nothing about the canary.
 * Prometheus's answers are read by lib/prom.c, as agent-monitor reads them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "clock.h"
#include "buf.h"
#include "error.h"
#include "http.h"
#include "prom.h"
#include "rollout/analysis.h"
#include "banned.h"

#define LOG_READ_MAX ((size_t)64 * 1024 * 1024)   /* per measurement */
#define PROBE_BODY_MAX ((size_t)64 * 1024)
#define PROBE_DEFAULT 20
#define PROBE_MAX 10000

struct analysis {
	struct analysis_conf c;      /* strings owned */
	struct http_client *http;
	off_t log_off;               /* the next byte of the access log to read */
	ino_t log_ino;               /* 0: the file was not there yet */
};

/* What one Prometheus query gave. */
struct prom_value {
	enum measure_outcome outcome;  /* SUCCESSFUL (value may be NAN) or ERROR */
	double value;
	char reason[160];
};

/* What the new lines of the access log gave. */
struct log_stats {
	int ok;                      /* 0: the log could not be read, see reason */
	long total, requests, errors;
	double *ms;                  /* request times of the canary's lines */
	size_t n, alloc;
	char reason[160];
};

/* ---- small helpers ---- */

const char *measure_outcome_name(enum measure_outcome o)
{
	switch (o) {
	case MEASURE_SUCCESSFUL:
		return "successful";
	case MEASURE_FAILED:
		return "failed";
	case MEASURE_INCONCLUSIVE:
		return "inconclusive";
	case MEASURE_ERROR:
		return "error";
	}
	return "error";
}

static void metric_set(struct metric *m, double value, enum measure_outcome o,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void metric_set(struct metric *m, double value, enum measure_outcome o,
		       const char *fmt, ...)
{
	va_list ap;

	m->present = 1;
	m->value = value;
	m->outcome = o;
	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
}

/* Judge value against max into m. */
static void metric_judge(struct metric *m, double value, double max,
			 const char *what)
{
	m->present = 1;
	m->value = value;
	m->outcome = measure_threshold(value, max, m->reason, sizeof(m->reason), what);
}

enum measure_outcome measure_threshold(double value, double max, char *reason,
				       size_t len, const char *what)
{
	char dummy[1];

	if (!reason || !len) {
		reason = dummy;
		len = sizeof(dummy);
	}
	if (isnan(value)) {
		snprintf(reason, len, "%s: no data", what);
		return MEASURE_INCONCLUSIVE;
	}
	if (value > max) {
		snprintf(reason, len, "%s %.6g above the limit %.6g", what, value, max);
		return MEASURE_FAILED;
	}
	reason[0] = '\0';
	return MEASURE_SUCCESSFUL;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* The 95th percentile of v[n] by nearest rank (v is sorted); NAN if n is 0. */
static double p95(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(95 * n + 99) / 100 - 1];
}

/* ---- configuration ---- */

static int dup_str(const char **dst, const char *src)
{
	char *p;

	*dst = NULL;
	if (!src || !*src)
		return 0;
	p = strdup(src);
	if (!p)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	*dst = p;
	return 0;
}

static void conf_release(struct analysis_conf *c)
{
	free((char *)c->health_url);
	free((char *)c->prom_url);
	free((char *)c->q_error_rate);
	free((char *)c->q_p95);
	free((char *)c->q_memory);
	free((char *)c->q_requests);
	free((char *)c->access_log);
	free((char *)c->canary_addr);
	free((char *)c->probe_url);
	free((char *)c->pidfile);
}

static int conf_copy(struct analysis_conf *dst, const struct analysis_conf *src)
{
	*dst = *src;
	dst->health_url = dst->prom_url = dst->q_error_rate = dst->q_p95 = NULL;
	dst->q_memory = dst->q_requests = dst->access_log = dst->canary_addr = NULL;
	dst->probe_url = dst->pidfile = NULL;
	if (dup_str(&dst->health_url, src->health_url) ||
	    dup_str(&dst->prom_url, src->prom_url) ||
	    dup_str(&dst->q_error_rate, src->q_error_rate) ||
	    dup_str(&dst->q_p95, src->q_p95) ||
	    dup_str(&dst->q_memory, src->q_memory) ||
	    dup_str(&dst->q_requests, src->q_requests) ||
	    dup_str(&dst->access_log, src->access_log) ||
	    dup_str(&dst->canary_addr, src->canary_addr) ||
	    dup_str(&dst->probe_url, src->probe_url) ||
	    dup_str(&dst->pidfile, src->pidfile))
		return -1;
	if (!dst->probe_requests)
		dst->probe_requests = PROBE_DEFAULT;
	if (!dst->timeout_ms)
		dst->timeout_ms = 5000;
	return 0;
}

static int conf_check(const struct analysis_conf *c)
{
	int prom_q = c->q_error_rate || c->q_p95 || c->q_memory || c->q_requests;

	if (prom_q && !c->prom_url)
		return ak_error(AK_EXIT_USAGE, "Prometheus queries need a Prometheus URL");
	if (!c->health_url && !c->access_log && !c->probe_url && !c->pid &&
	    !c->pidfile && !(c->prom_url && (c->q_error_rate || c->q_p95 || c->q_memory)))
		return ak_error(AK_EXIT_USAGE, "nothing to measure: give a health URL, "
				"Prometheus queries, an access log, a probe URL or a process");
	if (c->access_log && !c->canary_addr)
		return ak_error(AK_EXIT_USAGE, "an access log needs the canary's address");
	if (c->pid && c->pidfile)
		return ak_error(AK_EXIT_USAGE, "give a pid or a pid file, not both");
	if (c->pid < 0)
		return ak_error(AK_EXIT_USAGE, "bad pid %d", c->pid);
	if (c->probe_requests < 0 || c->probe_requests > PROBE_MAX)
		return ak_error(AK_EXIT_USAGE, "probe requests %d out of range (1..%d)",
				c->probe_requests, PROBE_MAX);
	if (!(c->mem_limit_mb >= 0) || isinf(c->mem_limit_mb))
		return ak_error(AK_EXIT_USAGE, "memory limit %g MB out of range", c->mem_limit_mb);
	if (!(c->max_error_rate >= 0 && c->max_error_rate <= 1))
		return ak_error(AK_EXIT_USAGE, "error rate limit %g out of range (0..1)",
				c->max_error_rate);
	if (!(c->max_p95_ms > 0))
		return ak_error(AK_EXIT_USAGE, "p95 limit %g ms out of range (above 0)",
				c->max_p95_ms);
	if (!(c->max_mem_pct > 0))
		return ak_error(AK_EXIT_USAGE, "memory limit %g%% out of range (above 0)",
				c->max_mem_pct);
	if (c->min_requests < 0)
		return ak_error(AK_EXIT_USAGE, "minimum requests %ld out of range", c->min_requests);
	if (c->timeout_ms < 0)
		return ak_error(AK_EXIT_USAGE, "timeout %ld ms out of range", c->timeout_ms);
	return 0;
}

struct analysis *analysis_new(const struct analysis_conf *conf)
{
	struct analysis *a = calloc(1, sizeof(*a));
	struct stat st;

	if (!a) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	if (conf_copy(&a->c, conf) < 0 || conf_check(&a->c) < 0)
		goto fail;
	a->http = http_client_new(a->c.timeout_ms);
	if (!a->http)
		goto fail;
	/* Only what is logged from now on is about this rollout. */
	if (a->c.access_log && stat(a->c.access_log, &st) == 0) {
		a->log_off = st.st_size;
		a->log_ino = st.st_ino;
	}
	return a;
fail:
	analysis_free(a);
	return NULL;
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	http_client_free(a->http);
	conf_release(&a->c);
	free(a);
}

/* ---- health ---- */

static void measure_health(struct analysis *a, struct metric *m)
{
	struct http_response r = HTTP_RESPONSE_INIT;

	if (http_get(a->http, a->c.health_url, PROBE_BODY_MAX, &r) < 0)
		metric_set(m, NAN, MEASURE_FAILED, "health check: %s", ak_errmsg());
	else if (r.status < 200 || r.status > 299)
		metric_set(m, (double)r.status, MEASURE_FAILED,
			   "health check: status %ld", r.status);
	else
		metric_set(m, (double)r.status, MEASURE_SUCCESSFUL, "%s", "");
	http_response_release(&r);
}

/* ---- Prometheus ---- */

/*
 * Run query q (lib/prom.c). ERROR when Prometheus cannot be asked or
 * answers anything but one number; SUCCESSFUL otherwise, with NAN when
 * there is no data (an empty vector or NaN). -1 only when memory ran out.
 */
static int prom_ask(struct analysis *a, const char *q, struct prom_value *pv)
{
	struct prom_result res;

	memset(pv, 0, sizeof(*pv));
	if (prom_query(a->http, a->c.prom_url, q, &res) < 0)
		return -1;
	pv->outcome = res.kind == PROM_ERROR ? MEASURE_ERROR : MEASURE_SUCCESSFUL;
	pv->value = res.kind == PROM_VALUE || res.kind == PROM_INF ? res.value : NAN;
	snprintf(pv->reason, sizeof(pv->reason), "%s", res.reason);
	return 0;
}

/* A metric from a query: an error, or the value judged against max. */
static void metric_from_prom(struct metric *m, const struct prom_value *pv,
			     double scale, double max, const char *what)
{
	if (pv->outcome == MEASURE_ERROR)
		metric_set(m, NAN, MEASURE_ERROR, "%s: %s", what, pv->reason);
	else
		metric_judge(m, pv->value * scale, max, what);
}

/*
 * Too little traffic makes error rate and latency meaningless: m becomes
 * inconclusive unless it is an error already. requests is NAN when unknown;
 * why, when not NULL, says why it is unknown (an error).
 */
static void traffic_gate(const struct analysis *a, struct metric *m,
			 double requests, const char *why, const char *what)
{
	if (!m->present || m->outcome == MEASURE_ERROR || !a->c.min_requests)
		return;
	if (why)
		metric_set(m, m->value, MEASURE_ERROR, "%s: request count: %s", what, why);
	else if (isnan(requests))
		metric_set(m, m->value, MEASURE_INCONCLUSIVE,
			   "%s: too little traffic: no request count", what);
	else if (requests < (double)a->c.min_requests)
		metric_set(m, m->value, MEASURE_INCONCLUSIVE,
			   "%s: too little traffic: %.0f requests", what, requests);
}

/* ---- the access log ---- */

/* The last upstream address of a "$upstream_addr" list ending at end. */
static int last_addr(const char *p, const char *end, const char **addr, size_t *len)
{
	const char *q;
	int tokens = 0;

	/* $upstream_response_time and $upstream_addr: at least two words. */
	for (q = p; q < end; ) {
		while (q < end && *q == ' ')
			q++;
		if (q == end)
			break;
		tokens++;
		while (q < end && *q != ' ')
			q++;
	}
	while (end > p && end[-1] == ' ')
		end--;
	for (q = end; q > p && q[-1] != ' '; q--)
		;
	if (tokens < 2 || q == end)
		return -1;
	*addr = q;
	*len = (size_t)(end - q);
	return 0;
}

/* Count one line (a C string, no newline); malformed lines are skipped. */
static int log_line(const struct analysis *a, char *line, struct log_stats *s)
{
	size_t n = strlen(line), alen;
	const char *quote, *addr;
	char *p, *e;
	double secs;
	long status;

	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	if (n < 2 || line[n - 1] != '"')
		return 0;
	strtod(line, &p);                          /* $msec */
	if (p == line || *p != ' ')
		return 0;
	status = strtol(p + 1, &e, 10);            /* $status */
	if (e == p + 1 || *e != ' ' || status < 100 || status > 999)
		return 0;
	secs = strtod(e + 1, &p);                  /* $request_time */
	if (p == e + 1 || *p != ' ' || !isfinite(secs) || secs < 0)
		return 0;
	quote = strchr(p, '"');
	if (quote == line + n - 1 || last_addr(p, quote, &addr, &alen) < 0)
		return 0;
	s->total++;
	if (alen != strlen(a->c.canary_addr) || memcmp(addr, a->c.canary_addr, alen))
		return 0;
	s->requests++;
	if (status >= 500)
		s->errors++;
	if (s->n == s->alloc) {
		size_t na = s->alloc ? 2 * s->alloc : 256;
		double *ms = realloc(s->ms, na * sizeof(*ms));

		if (!ms)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		s->ms = ms;
		s->alloc = na;
	}
	s->ms[s->n++] = secs * 1000;
	return 0;
}

/* Count the complete lines of p[len]; the number of bytes used. */
static int log_lines(const struct analysis *a, char *p, size_t len,
		     struct log_stats *s, size_t *used)
{
	char *start = p, *nl;

	*used = 0;
	while ((nl = memchr(start, '\n', len - (size_t)(start - p)))) {
		*nl = '\0';
		if (log_line(a, start, s) < 0)
			return -1;
		start = nl + 1;
	}
	*used = (size_t)(start - p);
	return 0;
}

static void log_fail(struct log_stats *s, const char *what, const char *path)
{
	snprintf(s->reason, sizeof(s->reason), "access log: cannot %s '%s': %s",
		 what, path, strerror(errno));
}

/*
 * Read what was added to the log since the last time, up to the last
 * complete line and at most LOG_READ_MAX bytes. A file smaller than the
 * offset, or another file under the name, was rotated: read it from the
 * start. -1 only when memory ran out; s->ok is 0 when the log cannot be read.
 */
static int log_read(struct analysis *a, struct log_stats *s)
{
	const char *path = a->c.access_log;
	struct stat st;
	size_t want, got = 0, used;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		log_fail(s, "open", path);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if ((a->log_ino && st.st_ino != a->log_ino) || st.st_size < a->log_off)
		a->log_off = 0;
	a->log_ino = st.st_ino;
	want = (size_t)(st.st_size - a->log_off);
	if (want > LOG_READ_MAX)
		want = LOG_READ_MAX;
	p = malloc(want + 1);
	if (!p) {
		close(fd);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	while (got < want) {
		ssize_t n = pread(fd, p + got, want - got, a->log_off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_fail(s, "read", path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	s->ok = 1;
	rc = log_lines(a, p, got, s, &used);
	/* A line longer than a whole read can never complete: drop it. */
	if (!used && got == LOG_READ_MAX)
		used = got;
	a->log_off += (off_t)used;
out:
	free(p);
	close(fd);
	return rc;
}

/* ---- probes ---- */

static int probe_run(struct analysis *a, double *rate, double *p95_ms)
{
	int n = a->c.probe_requests, bad = 0;
	double *ms = calloc((size_t)n, sizeof(*ms));

	if (!ms)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (int i = 0; i < n; i++) {
		struct http_response r = HTTP_RESPONSE_INIT;

		if (http_get(a->http, a->c.probe_url, PROBE_BODY_MAX, &r) < 0 ||
		    r.status < 200 || r.status > 299)
			bad++;
		ms[i] = r.duration_ms;
		http_response_release(&r);
	}
	*rate = (double)bad / n;
	*p95_ms = p95(ms, (size_t)n);
	free(ms);
	return 0;
}

/* ---- memory ---- */

/* The value in kB of the "NAME: N kB" line of a /proc file; -1 if none. */
static double proc_kb(const char *path, const char *name)
{
	char line[256];
	size_t nlen = strlen(name);
	double v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, nlen) && line[nlen] == ':') {
			v = strtod(line + nlen + 1, NULL);
			break;
		}
	fclose(f);
	return v;
}

static int pid_from_file(const char *path, struct metric *m)
{
	char text[32], *end;
	long pid;
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;

	if (!f) {
		metric_set(m, NAN, MEASURE_ERROR, "mem_pct: cannot open '%s': %s",
			   path, strerror(errno));
		return -1;
	}
	fclose(f);
	text[n] = '\0';
	pid = strtol(text, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (end == text || *end || pid <= 0 || pid > 0x3fffffff) {
		metric_set(m, NAN, MEASURE_ERROR, "mem_pct: '%s' holds no pid", path);
		return -1;
	}
	return (int)pid;
}

static void measure_process(struct analysis *a, struct metric *m)
{
	char path[64];
	double rss, limit;
	int pid = a->c.pid;

	if (a->c.pidfile && (pid = pid_from_file(a->c.pidfile, m)) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (access(path, F_OK) < 0) {
		metric_set(m, NAN, MEASURE_ERROR, "mem_pct: no process %d", pid);
		return;
	}
	rss = proc_kb(path, "VmRSS");
	if (rss < 0) {
		metric_set(m, NAN, MEASURE_ERROR, "mem_pct: process %d has no resident memory", pid);
		return;
	}
	limit = a->c.mem_limit_mb > 0 ? a->c.mem_limit_mb * 1024 :
		proc_kb("/proc/meminfo", "MemTotal");
	if (limit <= 0) {
		metric_set(m, NAN, MEASURE_ERROR, "mem_pct: cannot read MemTotal from /proc/meminfo");
		return;
	}
	metric_judge(m, rss / limit * 100, a->c.max_mem_pct, "mem_pct");
}

/* ---- one measurement ---- */

enum source { SRC_NONE, SRC_PROM, SRC_LOG, SRC_PROBE };

static enum source source_for(const struct analysis *a, const char *query)
{
	if (query)
		return SRC_PROM;
	if (a->c.access_log)
		return SRC_LOG;
	return a->c.probe_url ? SRC_PROBE : SRC_NONE;
}

static void combine(struct measurement *m)
{
	struct metric *all[] = { &m->health, &m->error_rate, &m->p95_ms, &m->mem_pct };
	static const enum measure_outcome order[] = {
		MEASURE_FAILED, MEASURE_ERROR, MEASURE_INCONCLUSIVE,
	};
	size_t i, k;
	int any = 0;

	m->outcome = MEASURE_SUCCESSFUL;
	m->reason[0] = '\0';
	for (i = 0; i < 4; i++)
		any |= all[i]->present;
	if (!any) {
		m->outcome = MEASURE_INCONCLUSIVE;
		snprintf(m->reason, sizeof(m->reason), "nothing measured");
		return;
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < 4; i++)
			if (all[i]->present && all[i]->outcome == order[k]) {
				m->outcome = order[k];
				snprintf(m->reason, sizeof(m->reason), "%s", all[i]->reason);
				return;
			}
}

/* Error rate and p95 from the access log, and the traffic seen there. */
static void from_log(const struct analysis *a, struct measurement *m,
		     struct log_stats *ls, int er, int lat)
{
	if (ls->ok) {
		m->actual_weight = ls->total ? 100.0 * ls->requests / ls->total : NAN;
		if (!a->c.q_requests)
			m->requests = (double)ls->requests;
	}
	if (er && ls->ok)
		metric_judge(&m->error_rate, ls->requests ?
			     (double)ls->errors / ls->requests : NAN,
			     a->c.max_error_rate, "error_rate");
	if (lat && ls->ok)
		metric_judge(&m->p95_ms, p95(ls->ms, ls->n), a->c.max_p95_ms, "p95_ms");
	if (er && !ls->ok)
		metric_set(&m->error_rate, NAN, MEASURE_ERROR, "error_rate: %s", ls->reason);
	if (lat && !ls->ok)
		metric_set(&m->p95_ms, NAN, MEASURE_ERROR, "p95_ms: %s", ls->reason);
	if (er && ls->ok)
		traffic_gate(a, &m->error_rate, (double)ls->requests, NULL, "error_rate");
	if (lat && ls->ok)
		traffic_gate(a, &m->p95_ms, (double)ls->requests, NULL, "p95_ms");
}

/* Error rate, p95, memory and request count from Prometheus. */
static int from_prom(struct analysis *a, struct measurement *m)
{
	struct prom_value pv, req = { .value = NAN };
	const char *why = NULL;

	if (a->c.q_requests) {
		if (prom_ask(a, a->c.q_requests, &req) < 0)
			return -1;
		m->requests = req.value;
		if (req.outcome == MEASURE_ERROR)
			why = req.reason;
	}
	if (a->c.q_error_rate) {
		if (prom_ask(a, a->c.q_error_rate, &pv) < 0)
			return -1;
		metric_from_prom(&m->error_rate, &pv, 1, a->c.max_error_rate, "error_rate");
		if (a->c.q_requests)
			traffic_gate(a, &m->error_rate, req.value, why, "error_rate");
	}
	if (a->c.q_p95) {
		if (prom_ask(a, a->c.q_p95, &pv) < 0)
			return -1;
		metric_from_prom(&m->p95_ms, &pv, 1000, a->c.max_p95_ms, "p95_ms");
		if (a->c.q_requests)
			traffic_gate(a, &m->p95_ms, req.value, why, "p95_ms");
	}
	if (a->c.q_memory && !a->c.pid && !a->c.pidfile) {
		if (prom_ask(a, a->c.q_memory, &pv) < 0)
			return -1;
		metric_from_prom(&m->mem_pct, &pv, 1, a->c.max_mem_pct, "mem_pct");
	}
	return 0;
}

static void metric_init(struct metric *m)
{
	memset(m, 0, sizeof(*m));
	m->value = NAN;
}

int analysis_measure(struct analysis *a, struct measurement *m)
{
	enum source er = source_for(a, a->c.q_error_rate);
	enum source lat = source_for(a, a->c.q_p95);
	struct log_stats ls;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	memset(&ls, 0, sizeof(ls));
	m->at_ms = clock_wall_ms();
	metric_init(&m->health);
	metric_init(&m->error_rate);
	metric_init(&m->p95_ms);
	metric_init(&m->mem_pct);
	m->requests = NAN;
	m->actual_weight = NAN;

	if (a->c.health_url)
		measure_health(a, &m->health);
	if (a->c.prom_url && from_prom(a, m) < 0)
		return -1;
	if (a->c.access_log) {
		if (log_read(a, &ls) < 0)
			rc = -1;
		else
			from_log(a, m, &ls, er == SRC_LOG, lat == SRC_LOG);
		free(ls.ms);
		if (rc < 0)
			return -1;
	}
	if (er == SRC_PROBE || lat == SRC_PROBE) {
		double rate = NAN, ms = NAN;

		if (probe_run(a, &rate, &ms) < 0)
			return -1;
		if (er == SRC_PROBE)
			metric_judge(&m->error_rate, rate, a->c.max_error_rate, "error_rate");
		if (lat == SRC_PROBE)
			metric_judge(&m->p95_ms, ms, a->c.max_p95_ms, "p95_ms");
	}
	if (a->c.pid || a->c.pidfile)
		measure_process(a, &m->mem_pct);
	combine(m);
	return 0;
}

/* ---- JSON ---- */

static json_t *number_json(double v)
{
	if (!isfinite(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/*
 * A reason as a JSON string. Reasons quote paths and server messages, and
 * may be cut inside a UTF-8 sequence: bytes that are not valid become '?'.
 */
static json_t *text_json(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j || !(copy = strdup(s)))
		return j;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static int add_metric(json_t *o, const char *key, const struct metric *m)
{
	json_t *j;

	if (!m->present)
		return 0;
	j = json_object();
	if (!j || json_object_set_new(j, "value", number_json(m->value)) ||
	    json_object_set_new(j, "outcome", json_string(measure_outcome_name(m->outcome))) ||
	    json_object_set_new(j, "reason", text_json(m->reason))) {
		json_decref(j);
		return -1;
	}
	return json_object_set_new(o, key, j);
}

json_t *measurement_json(const struct measurement *m)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "at", json_integer(m->at_ms)) ||
	    json_object_set_new(o, "outcome", json_string(measure_outcome_name(m->outcome))) ||
	    add_metric(o, "health", &m->health) ||
	    add_metric(o, "error_rate", &m->error_rate) ||
	    add_metric(o, "p95_ms", &m->p95_ms) ||
	    add_metric(o, "mem_pct", &m->mem_pct) ||
	    json_object_set_new(o, "requests", number_json(m->requests)) ||
	    json_object_set_new(o, "actual_weight", number_json(m->actual_weight)) ||
	    json_object_set_new(o, "reason", text_json(m->reason))) {
		json_decref(o);
		return NULL;
	}
	return o;
}
