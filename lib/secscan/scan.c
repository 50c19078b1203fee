/*
 * scan.c - feed files and buffers to the engine, fold hits into findings.
 *
 * A directory tree is listed first (without following symlinks, so a loop
 * cannot trap the walk), then scanned by one thread per core, each with
 * its own engine scratch, taking the next file from a shared counter.
 * Small files are read, large ones memory-mapped. Every file is opened
 * O_NONBLOCK and checked to be a regular file after opening, so a FIFO or
 * device put in its place never blocks the scan.
 *
 * Findings live in one map keyed by fingerprint, behind a mutex; hits are
 * rare next to the bytes scanned, so the lock is cold.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "buf.h"
#include "error.h"
#include "log.h"
#include "workspace.h"
#include "secscan/gitscan.h"
#include "secscan/scan.h"
#include "banned.h"

#define BINARY_PROBE 8000
#define READ_LIMIT (64u << 10)       /* files up to this size are read, not mapped */
#define WALK_DEPTH_MAX 256
#define LOCATIONS_MAX 1000           /* per finding; the count goes on */
#define NOTES_MAX 100
#define SNIPPET_MAX 120
#define STDIN_MAX (1ull << 31)

struct scanner {
	const struct engine *e;
	struct scan_opts o;
	struct engine_scratch *scratch;
	pthread_mutex_t mu;
	json_t *map;                 /* fingerprint -> finding */
	json_t *notes;
	atomic_uint_fast64_t files, bytes;
	uint64_t binary, large, special, unreadable, blobs, commits;
	struct progress pg;
	int (*file_want)(const char *path);
	scanner_file_fn file_fn;
	void *file_ctx;
	pthread_mutex_t file_mu;
};

struct scanner *scanner_new(const struct engine *e, const struct scan_opts *o)
{
	struct scanner *sc = calloc(1, sizeof(*sc));

	if (!sc || !(sc->scratch = engine_scratch_new(e)) || !(sc->map = json_object()) ||
	    !(sc->notes = json_array())) {
		scanner_free(sc);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	sc->e = e;
	if (o)
		sc->o = *o;
	else
		sc->o = (struct scan_opts)SCAN_OPTS_INIT;
	pthread_mutex_init(&sc->mu, NULL);
	pthread_mutex_init(&sc->file_mu, NULL);
	return sc;
}

void scanner_free(struct scanner *sc)
{
	if (!sc)
		return;
	engine_scratch_free(sc->scratch);
	json_decref(sc->map);
	json_decref(sc->notes);
	if (sc->e) {
		pthread_mutex_destroy(&sc->mu);
		pthread_mutex_destroy(&sc->file_mu);
	}
	free(sc);
}

const struct scan_opts *scanner_opts(const struct scanner *sc)
{
	return &sc->o;
}

const struct engine *scanner_engine(const struct scanner *sc)
{
	return sc->e;
}

int scanner_threads(const struct scanner *sc, size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int t = sc->o.threads > 0 ? sc->o.threads : (cores > 0 ? (int)cores : 1);

	if (t > 64)
		t = 64;
	return (size_t)t > n ? (n ? (int)n : 1) : t;
}

int looks_binary(const char *buf, size_t len)
{
	return memchr(buf, 0, len < BINARY_PROBE ? len : BINARY_PROBE) != NULL;
}

void scanner_note(struct scanner *sc, const char *path, const char *reason)
{
	pthread_mutex_lock(&sc->mu);
	if (!strcmp(reason, "binary"))
		sc->binary++;
	else if (!strncmp(reason, "larger", 6))
		sc->large++;
	else if (!strcmp(reason, "not a regular file"))
		sc->special++;
	else if (strncmp(reason, "more than", 9))
		sc->unreadable++;
	if (strcmp(reason, "binary") && json_array_size(sc->notes) < NOTES_MAX)
		json_array_append_new(sc->notes, json_pack("{s:s%, s:s}", "path", path,
							   strlen(path), "reason", reason));
	pthread_mutex_unlock(&sc->mu);
	if (strcmp(reason, "binary"))
		log_info("skipped '%s': %s", path, reason);
}

void scanner_count(struct scanner *sc, uint64_t bytes)
{
	atomic_fetch_add(&sc->files, 1);
	atomic_fetch_add(&sc->bytes, bytes);
}

/* A JSON string of n bytes that may not be UTF-8: bad bytes become '?'. */
static json_t *text_value(const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	char *copy;

	if (v || !(copy = malloc(n + 1)))
		return v;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		copy[i] = c < 0x80 && c != 0 ? (char)c : '?';
	}
	v = json_stringn(copy, n);
	free(copy);
	return v;
}

/* Offsets of line starts, built on the first hit in a buffer. */
struct lines {
	size_t *start;
	size_t n;
	int built;
};

static int lines_build(struct lines *l, const char *buf, size_t len)
{
	size_t cap = 1024;
	const char *p = buf, *end = buf + len;

	l->built = 1;
	if (!(l->start = malloc(cap * sizeof(*l->start))))
		return -1;
	l->start[l->n++] = 0;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		p++;
		if (l->n == cap) {
			size_t *v = realloc(l->start, cap * 2 * sizeof(*v));

			if (!v)
				return -1;
			l->start = v;
			cap *= 2;
		}
		l->start[l->n++] = (size_t)(p - buf);
	}
	return 0;
}

/* 0-based line of offset off. */
static size_t line_of(const struct lines *l, size_t off)
{
	size_t lo = 0, hi = l->n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

struct hit_ctx {
	struct scanner *sc;
	const struct provenance *pv;
	const char *buf;
	size_t len;
	struct lines lines;
	struct hit *hits;        /* the buffer's hits, kept until it is done */
	size_t nhits, caphits;
	int overflow;
};

static json_t *location_new(const struct hit_ctx *hc, const struct hit *h)
{
	const struct provenance *pv = hc->pv;
	/* a secret's location is the secret, not the text around it */
	size_t start = h->sec_start, end = h->sec_end;
	size_t line = line_of(&hc->lines, start), ls = hc->lines.start[line];
	size_t end_line = line_of(&hc->lines, end ? end - 1 : 0);
	json_t *loc = json_object();

	if (!loc)
		return NULL;
	json_object_set_new(loc, "path", text_value(pv->path, strlen(pv->path)));
	json_object_set_new(loc, "line", json_integer((json_int_t)line + 1));
	json_object_set_new(loc, "column", json_integer((json_int_t)(start - ls) + 1));
	if (end_line == line)
		json_object_set_new(loc, "end_column", json_integer((json_int_t)(end - ls) + 1));
	else
		json_object_set_new(loc, "end_line", json_integer((json_int_t)end_line + 1));
	if (pv->commit)
		json_object_set_new(loc, "commit", json_string(pv->commit));
	if (pv->author)
		json_object_set_new(loc, "author", text_value(pv->author, strlen(pv->author)));
	if (pv->date)
		json_object_set_new(loc, "date", json_string(pv->date));
	if (pv->blob)
		json_object_set_new(loc, "blob", json_string(pv->blob));
	return loc;
}

/* The fingerprint of a hit: sha256 of rule id, NUL, secret for a secret;
 * rule id, NUL, path, NUL, the line's text without its indentation for
 * the other kinds (stable while the line stays as it is). */
static int fingerprint(const struct hit_ctx *hc, const struct hit *h, char out[65])
{
	struct buf b = BUF_INIT;
	const struct rule *r = h->rule;
	int rc;

	if (r->kind == RULE_SECRET) {
		rc = buf_add(&b, r->id, strlen(r->id) + 1) < 0 ||
		     buf_add(&b, hc->buf + h->sec_start, h->sec_end - h->sec_start) < 0;
	} else {
		size_t line = line_of(&hc->lines, h->start), ls = hc->lines.start[line];
		size_t le = line + 1 < hc->lines.n ? hc->lines.start[line + 1] : hc->len;

		while (ls < le && (hc->buf[ls] == ' ' || hc->buf[ls] == '\t'))
			ls++;
		while (le > ls && (hc->buf[le - 1] == '\n' || hc->buf[le - 1] == '\r' ||
				   hc->buf[le - 1] == ' '))
			le--;
		rc = buf_add(&b, r->id, strlen(r->id) + 1) < 0 ||
		     buf_add(&b, hc->pv->path, strlen(hc->pv->path) + 1) < 0 ||
		     buf_add(&b, hc->buf + ls, le - ls) < 0;
	}
	if (rc == 0)
		sha256_hex(b.p, b.len, out);
	buf_release(&b);
	return rc ? -1 : 0;
}

/* How much of a secret of n bytes may be shown: 4 characters of a long
 * one, a quarter of a short one. */
static size_t shown_prefix(size_t n)
{
	return n >= 16 ? 4 : n / 4;
}

static json_t *finding_new(const struct hit_ctx *hc, const struct hit *h, const char *fp)
{
	const struct rule *r = h->rule;
	size_t n = h->sec_end - h->sec_start;
	json_t *f = json_pack("{s:s, s:s, s:s, s:s}", "rule", r->id, "name", r->name, "kind",
			      rule_kind_name(r->kind), "severity", severity_name(r->severity));
	struct buf msg = BUF_INIT;

	if (!f)
		return NULL;
	if (r->kind == RULE_SECRET) {
		size_t k = shown_prefix(n);
		json_t *red = text_value(hc->buf + h->sec_start, k);

		buf_addf(&msg, "%s %s… (%zu characters)", r->name, json_string_value(red), n);
		json_object_set_new(f, "secret", json_pack("{s:o, s:I}", "redacted", red, "length",
							   (json_int_t)n));
	} else {
		size_t m = h->end - h->start > SNIPPET_MAX ? SNIPPET_MAX : h->end - h->start;

		json_object_set_new(f, "snippet", text_value(hc->buf + h->start, m));
		buf_addstr(&msg, r->name);
	}
	json_object_set_new(f, "message", json_string(msg.p ? msg.p : r->name));
	buf_release(&msg);
	json_object_set_new(f, "fingerprint", json_string(fp));
	if (r->cwe)
		json_object_set_new(f, "cwe", json_string(r->cwe));
	json_object_set_new(f, "locations", json_array());
	json_object_set_new(f, "occurrences", json_integer(0));
	return f;
}

static int fold_hit(struct hit_ctx *hc, const struct hit *h)
{
	struct scanner *sc = hc->sc;
	char fp[65];
	json_t *f, *locs, *loc;
	int rc = 0;

	if (!hc->lines.built && lines_build(&hc->lines, hc->buf, hc->len) < 0)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (fingerprint(hc, h, fp) < 0 || !(loc = location_new(hc, h)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	pthread_mutex_lock(&sc->mu);
	f = json_object_get(sc->map, fp);
	if (!f && (!(f = finding_new(hc, h, fp)) || json_object_set_new(sc->map, fp, f) < 0))
		rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (rc == 0) {
		locs = json_object_get(f, "locations");
		json_object_set_new(f, "occurrences",
				    json_integer(json_integer_value(json_object_get(f, "occurrences")) + 1));
		if (json_array_size(locs) < LOCATIONS_MAX)
			json_array_append(locs, loc);
	}
	pthread_mutex_unlock(&sc->mu);
	json_decref(loc);
	return rc;
}

#define HITS_MAX 10000      /* per buffer; past it a note says the rest is left out */

static int keep_hit(void *ctx, const struct hit *h)
{
	struct hit_ctx *hc = ctx;

	if (hc->nhits == hc->caphits) {
		size_t cap = hc->caphits ? hc->caphits * 2 : 16;
		struct hit *v;

		if (hc->nhits >= HITS_MAX) {
			hc->overflow = 1;
			return 0;
		}
		if (!(v = realloc(hc->hits, cap * sizeof(*v))))
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		hc->hits = v;
		hc->caphits = cap;
	}
	hc->hits[hc->nhits++] = *h;
	return 0;
}

/* Whether a specific rule found a secret overlapping generic hit g's. */
static int shadowed(const struct hit_ctx *hc, const struct hit *g)
{
	for (size_t i = 0; i < hc->nhits; i++) {
		const struct hit *o = &hc->hits[i];

		if (!o->rule->generic && o->rule->kind == RULE_SECRET &&
		    o->sec_start < g->sec_end && g->sec_start < o->sec_end)
			return 1;
	}
	return 0;
}

int scanner_scan_buffer(struct scanner *sc, struct engine_scratch *scratch,
			const struct provenance *pv, const char *buf, size_t len)
{
	struct hit_ctx hc = { sc, pv, buf, len, { NULL, 0, 0 }, NULL, 0, 0, 0 };
	int rc;

	if (sc->file_fn && !pv->commit && sc->file_want(pv->path)) {
		pthread_mutex_lock(&sc->file_mu);
		rc = sc->file_fn(sc->file_ctx, sc, pv->path, buf, len);
		pthread_mutex_unlock(&sc->file_mu);
		if (rc < 0)
			return -1;
	}
	if (looks_binary(buf, len)) {
		scanner_note(sc, pv->path, "binary");
		return 0;
	}
	scanner_count(sc, len);
	rc = engine_scan(sc->e, scratch ? scratch : sc->scratch, pv->path, buf, len, keep_hit, &hc);
	/* a generic rule (a password assignment) says nothing that a specific
	   one (a GitHub token) said about the same secret */
	for (size_t i = 0; rc == 0 && i < hc.nhits; i++)
		if (!(hc.hits[i].rule->generic && shadowed(&hc, &hc.hits[i])))
			rc = fold_hit(&hc, &hc.hits[i]);
	if (hc.overflow)
		scanner_note(sc, pv->path, "more than 10000 hits: the rest left out");
	free(hc.hits);
	free(hc.lines.start);
	return rc;
}

int scanner_scan_fd(struct scanner *sc, int fd, const char *name)
{
	struct buf b = BUF_INIT;
	struct provenance pv = { name, NULL, NULL, NULL, NULL };
	char chunk[65536];
	ssize_t n;
	int rc;

	buf_init(&b, sc->o.max_file ? sc->o.max_file : STDIN_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_release(&b);
			return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", name, strerror(errno));
		}
		if (buf_add(&b, chunk, (size_t)n) < 0) {
			buf_release(&b);
			return ak_error(AK_EXIT_DATAERR, "'%s': larger than --max-file", name);
		}
	}
	rc = scanner_scan_buffer(sc, NULL, &pv, b.p ? b.p : "", b.len);
	buf_release(&b);
	return rc;
}

void scanner_on_file(struct scanner *sc, int (*want)(const char *path), scanner_file_fn fn,
		     void *ctx)
{
	sc->file_want = want;
	sc->file_fn = fn;
	sc->file_ctx = ctx;
}

int scanner_add_finding(struct scanner *sc, json_t *f)
{
	const char *fp = json_string_value(json_object_get(f, "fingerprint"));
	json_t *old;
	int rc = 0;

	if (!fp) {
		json_decref(f);
		return ak_error(AK_EXIT_SOFTWARE, "a finding without a fingerprint");
	}
	pthread_mutex_lock(&sc->mu);
	old = json_object_get(sc->map, fp);
	if (old) {
		json_array_extend(json_object_get(old, "locations"), json_object_get(f, "locations"));
		json_decref(f);
	} else if (json_object_set_new(sc->map, fp, f) < 0) {
		rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	pthread_mutex_unlock(&sc->mu);
	return rc;
}

/* ---- directory trees ---- */

struct entry {
	char *path;         /* relative to the root, with the prefix */
	char *full;         /* as opened */
};

struct walk {
	struct scanner *sc;
	struct gitignore *ign;
	struct entry *v;
	size_t n, cap;
};

static int excluded(const struct scanner *sc, const char *name, const char *rel)
{
	for (size_t i = 0; sc->o.exclude && sc->o.exclude[i]; i++)
		if (!fnmatch(sc->o.exclude[i], name, 0) || !fnmatch(sc->o.exclude[i], rel, 0))
			return 1;
	return 0;
}

static int walk_add(struct walk *w, const char *full, const char *rel)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct entry *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].path = strdup(rel);
	w->v[w->n].full = strdup(full);
	if (!w->v[w->n].path || !w->v[w->n].full) {
		free(w->v[w->n].path);
		free(w->v[w->n].full);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	w->n++;
	return 0;
}

static int walk_dir(struct walk *w, const char *full, const char *rel, const char *ignrel,
		    int depth)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > WALK_DEPTH_MAX) {
		scanner_note(w->sc, rel, "nested too deep");
		return 0;
	}
	if (!(d = opendir(full))) {
		scanner_note(w->sc, rel, strerror(errno));
		return 0;
	}
	while (rc == 0 && (de = readdir(d))) {
		struct buf f = BUF_INIT, r = BUF_INIT, ir = BUF_INIT;
		struct stat st;
		const char *name = de->d_name;

		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
			continue;
		if (buf_addf(&f, "%s/%s", full, name) < 0 ||
		    buf_addf(&r, "%s%s%s", rel, *rel ? "/" : "", name) < 0 ||
		    buf_addf(&ir, "%s%s%s", ignrel, *ignrel ? "/" : "", name) < 0) {
			rc = -1;
		} else if (lstat(f.p, &st) < 0) {
			scanner_note(w->sc, r.p, strerror(errno));
		} else if (excluded(w->sc, name, r.p) ||
			   (w->ign && gitignore_match(w->ign, ir.p, S_ISDIR(st.st_mode)))) {
			/* left out by request */
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(w, f.p, r.p, ir.p, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			rc = walk_add(w, f.p, r.p);
		} else if (!S_ISLNK(st.st_mode)) {
			scanner_note(w->sc, r.p, "not a regular file");
		}
		buf_release(&f);
		buf_release(&r);
		buf_release(&ir);
	}
	closedir(d);
	return rc;
}

/* Open, check and scan one file of a walk. */
static int scan_file(struct scanner *sc, struct engine_scratch *scratch, const struct entry *en,
		     char *rbuf)
{
	struct provenance pv = { en->path, NULL, NULL, NULL, NULL };
	int fd = open(en->full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0) {
		scanner_note(sc, en->path, strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		scanner_note(sc, en->path, "not a regular file");
	} else if (sc->o.max_file && (uint64_t)st.st_size > sc->o.max_file) {
		scanner_note(sc, en->path, "larger than --max-file");
	} else if (st.st_size == 0) {
		rc = scanner_scan_buffer(sc, scratch, &pv, "", 0);
	} else if ((size_t)st.st_size <= READ_LIMIT) {
		size_t got = 0;
		ssize_t n;

		while (got < (size_t)st.st_size &&
		       ((n = read(fd, rbuf + got, (size_t)st.st_size - got)) > 0 ||
			(n < 0 && errno == EINTR)))
			if (n > 0)
				got += (size_t)n;
		rc = scanner_scan_buffer(sc, scratch, &pv, rbuf, got);
	} else {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m == MAP_FAILED) {
			scanner_note(sc, en->path, strerror(errno));
		} else {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL | MADV_WILLNEED);
			rc = scanner_scan_buffer(sc, scratch, &pv, m, (size_t)st.st_size);
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
	return rc;
}

void first_error_init(struct first_error *fe)
{
	pthread_mutex_init(&fe->mu, NULL);
	atomic_store(&fe->failed, 0);
	fe->msg[0] = '\0';
	fe->code = 0;
}

void first_error_set(struct first_error *fe)
{
	pthread_mutex_lock(&fe->mu);
	if (!atomic_load(&fe->failed)) {
		snprintf(fe->msg, sizeof(fe->msg), "%s", ak_errmsg());
		fe->code = ak_errcode();
		atomic_store(&fe->failed, 1);
	}
	pthread_mutex_unlock(&fe->mu);
}

int first_error_failed(struct first_error *fe)
{
	return atomic_load(&fe->failed);
}

int first_error_release(struct first_error *fe)
{
	pthread_mutex_destroy(&fe->mu);
	return atomic_load(&fe->failed) ? ak_error((enum ak_exit)fe->code, "%s", fe->msg) : 0;
}

struct pool {
	struct scanner *sc;
	struct walk *w;
	atomic_size_t next;
	struct first_error fe;
};

static void *pool_work(void *arg)
{
	struct pool *p = arg;
	struct engine_scratch *scratch = engine_scratch_new(p->sc->e);
	char *rbuf = malloc(READ_LIMIT);
	size_t i;

	if (!scratch || !rbuf) {
		first_error_set(&p->fe);
		goto out;
	}
	while (!first_error_failed(&p->fe) && (i = atomic_fetch_add(&p->next, 1)) < p->w->n)
		if (scan_file(p->sc, scratch, &p->w->v[i], rbuf) < 0)
			first_error_set(&p->fe);
out:
	engine_scratch_free(scratch);
	free(rbuf);
	return NULL;
}

/* Scan the files of w with the scanner's threads; the caller's thread
 * works too and draws the progress bar. */
static int pool_run(struct scanner *sc, struct walk *w)
{
	struct pool p = { .sc = sc, .w = w };
	pthread_t tid[64];
	int n = scanner_threads(sc, w->n), started = 0;
	char *rbuf = malloc(READ_LIMIT);
	size_t i;

	if (!rbuf)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	first_error_init(&p.fe);
	for (int t = 1; t < n; t++)
		if (pthread_create(&tid[started], NULL, pool_work, &p) == 0)
			started++;
	if (sc->o.progress)
		progress_start(&sc->pg, "scanning", w->n);
	while (!first_error_failed(&p.fe) && (i = atomic_fetch_add(&p.next, 1)) < w->n) {
		if (scan_file(sc, sc->scratch, &w->v[i], rbuf) < 0)
			first_error_set(&p.fe);
		if (sc->o.progress)
			progress_update(&sc->pg, i + 1);
	}
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	if (sc->o.progress)
		progress_end(&sc->pg);
	free(rbuf);
	return first_error_release(&p.fe);
}

int scanner_scan_tree(struct scanner *sc, const char *root, const char *prefix)
{
	struct walk w = { .sc = sc };
	struct stat st;
	int rc;

	if (stat(root, &st) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", root, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (sc->o.gitignore)
			w.ign = gitignore_open(root);
		rc = walk_dir(&w, root, prefix ? prefix : "", "", 0);
	} else if (S_ISREG(st.st_mode)) {
		rc = walk_add(&w, root, prefix ? prefix : root);
	} else {
		scanner_note(sc, root, "not a regular file");
		rc = 0;
	}
	if (rc == 0)
		rc = pool_run(sc, &w);
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].path);
		free(w.v[i].full);
	}
	free(w.v);
	gitignore_free(w.ign);
	return rc;
}

/* ---- results ---- */

static const char *first_path(json_t *f, json_int_t *line)
{
	json_t *loc = json_array_get(json_object_get(f, "locations"), 0);

	*line = json_integer_value(json_object_get(loc, "line"));
	return json_string_value(json_object_get(loc, "path"));
}

static int finding_order(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int sx = severity_parse(json_string_value(json_object_get(x, "severity")));
	int sy = severity_parse(json_string_value(json_object_get(y, "severity")));
	json_int_t lx, ly;
	const char *px, *py;
	int c;

	if (sx != sy)
		return sy - sx;
	px = first_path(x, &lx);
	py = first_path(y, &ly);
	if ((c = strcmp(px ? px : "", py ? py : "")))
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	if ((c = strcmp(json_string_value(json_object_get(x, "rule")),
			json_string_value(json_object_get(y, "rule")))))
		return c;
	return strcmp(json_string_value(json_object_get(x, "fingerprint")),
		      json_string_value(json_object_get(y, "fingerprint")));
}

static int location_order(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *keys[] = { "path", "line", "column", "commit" };
	int c;

	for (size_t i = 0; i < 4; i++) {
		json_t *u = json_object_get(x, keys[i]), *v = json_object_get(y, keys[i]);

		if (json_is_integer(u) && json_is_integer(v))
			c = (json_integer_value(u) > json_integer_value(v)) -
			    (json_integer_value(u) < json_integer_value(v));
		else
			c = strcmp(json_string_value(u) ? json_string_value(u) : "",
				   json_string_value(v) ? json_string_value(v) : "");
		if (c)
			return c;
	}
	return 0;
}

/* Locations in order, whichever thread found them first. */
static void sort_locations(json_t *f)
{
	json_t *locs = json_object_get(f, "locations"), **v;
	size_t n = json_array_size(locs);

	if (n < 2 || !(v = malloc(n * sizeof(*v))))
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(locs, i));
	qsort(v, n, sizeof(*v), location_order);
	json_array_clear(locs);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(locs, v[i]);
	free(v);
}

json_t *scanner_findings(struct scanner *sc)
{
	size_t n = json_object_size(sc->map), i = 0;
	json_t **v = malloc((n ? n : 1) * sizeof(*v)), *out = json_array(), *f;
	const char *key;

	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(sc->map, key, f) {
		sort_locations(f);
		v[i++] = f;
	}
	qsort(v, n, sizeof(*v), finding_order);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

json_t *scanner_stats(struct scanner *sc)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:O}",
			 "files", (json_int_t)atomic_load(&sc->files),
			 "bytes", (json_int_t)atomic_load(&sc->bytes),
			 "blobs", (json_int_t)sc->blobs, "commits", (json_int_t)sc->commits,
			 "skipped", "binary", (json_int_t)sc->binary, "large", (json_int_t)sc->large,
			 "special", (json_int_t)sc->special, "unreadable", (json_int_t)sc->unreadable,
			 "notes", sc->notes);
}

void scanner_add_history(struct scanner *sc, uint64_t commits, uint64_t blobs)
{
	sc->commits += commits;
	sc->blobs += blobs;
}
