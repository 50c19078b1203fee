/*
 * engine.c - one Hyperscan database for every pattern rule, PCRE2 to
 * confirm each hit and find its secret, then the rule's filters.
 *
 * Hyperscan without start-of-match tracking reports every offset where a
 * rule's pattern can end. A run of adjacent ends (a token read one byte
 * longer each time) is confirmed once, at its last end, which is where the
 * longest match ends; the confirmation is the rule's regex compiled with
 * PCRE2_ENDANCHORED, run from at most the rule's widest match before that
 * end (8 KiB for patterns without a bound), so it costs no more than the
 * match itself. Confirmation happens inside Hyperscan's callback: there is
 * no list of raw hits to grow with the input.
 *
 * Compiling a few hundred patterns takes Hyperscan seconds, so the
 * database is kept, serialised, in the cache folder under a hash of
 * everything that went into it (Hyperscan's version, the patterns and
 * their flags): a second run with the same rules starts at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "datadir.h"
#include "error.h"
#include "log.h"
#include "secscan/engine.h"
#include "secscan/iac.h"
#include "banned.h"

#define WINDOW_UNBOUNDED 8192     /* bytes before an end for unbounded patterns */
#define KEYWORD_REACH 512         /* how far along the line keywords are looked for */
#define ALLOW_REACH 4096          /* how far along the line the allow mark is looked for */
#define PCRE_MATCH_LIMIT 100000   /* backtracking bound per confirmation */
#define PCRE_DEPTH_LIMIT 10000

struct engine {
	const struct ruleset *rs;
	hs_database_t *db;
	size_t *width;           /* per rule: widest match, capped */
	unsigned char *prefilter;   /* per rule: Hyperscan runs it as a prefilter */
	int *filter;             /* per rule: index into filters, -1 none */
	const pcre2_code **filters;   /* distinct path filters */
	size_t nfilters;
	size_t *checks;          /* indexes of check rules */
	size_t nchecks;
	size_t npatterns, nprefilter;
	uint32_t max_groups;
};

struct engine_scratch {
	const struct engine *e;
	hs_scratch_t *hs;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	/* per scan */
	const char *path, *buf;
	size_t len;
	size_t *pending;         /* per rule: end of the current run + 1, 0 none */
	size_t *touched;         /* rules with a pending run */
	size_t ntouched;
	signed char *active;     /* per rule: -1 unknown, 0 off for this path, 1 on */
	signed char *filter_ok;  /* per filter: -1 unknown, 0, 1 */
	hit_fn fn;
	void *ctx;
	int stopped;
};

double shannon_entropy(const char *s, size_t n)
{
	size_t count[256] = { 0 };
	double h = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (int c = 0; c < 256; c++)
		if (count[c]) {
			double p = (double)count[c] / (double)n;

			h -= p * log2(p);
		}
	return h;
}

size_t engine_rule_count(const struct engine *e)
{
	return e->npatterns + e->nchecks;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	hs_free_database(e->db);
	free(e->width);
	free(e->prefilter);
	free(e->filter);
	free(e->filters);
	free(e->checks);
	free(e);
}

/* Share one path filter among the rules that spell it the same way. */
static int filter_index(struct engine *e, const struct ruleset *rs, size_t r)
{
	const char *pat = json_string_value(json_object_get(rs->v[r].src, "paths"));

	if (!rs->v[r].paths)
		return -1;
	for (size_t i = 0; i < r; i++)
		if (e->filter[i] >= 0 &&
		    !strcmp(json_string_value(json_object_get(rs->v[i].src, "paths")), pat))
			return e->filter[i];
	e->filters[e->nfilters] = rs->v[r].paths;
	return (int)e->nfilters++;
}

#define CACHE_MAGIC "agentkit-hs-1\n"

/* The cache file for these expressions, into out: "" when there is no
 * cache folder. */
static void cache_path(const char *const *exprs, const unsigned *flags, const unsigned *ids,
		       size_t k, struct buf *out)
{
	const char *dir = getenv("AGENTKIT_CACHE_DIR");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	buf_reset(out);
	if (!c)
		return;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, hs_version(), strlen(hs_version()) + 1);
	for (size_t i = 0; i < k; i++) {
		EVP_DigestUpdate(c, exprs[i], strlen(exprs[i]) + 1);
		EVP_DigestUpdate(c, &flags[i], sizeof(flags[i]));
		EVP_DigestUpdate(c, &ids[i], sizeof(ids[i]));
	}
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	if (dir && *dir)
		buf_addstr(out, dir);
	else if (datadir_cache(getenv("XDG_CACHE_HOME"), getenv("HOME"), out) < 0)
		return;
	buf_addstr(out, "/secscan-");
	for (unsigned i = 0; i < 16 && i < mdlen; i++)
		buf_addf(out, "%02x", md[i]);
	buf_addstr(out, ".hsdb");
}

/*
 * Read the database and the prefilter marks from the cache. 0 when found,
 * -1 when not (any problem with the file just means compiling again).
 */
static int cache_load(struct engine *e, const char *path, const unsigned *ids, unsigned *flags,
		      size_t k)
{
	struct buf b = BUF_INIT;
	size_t head = sizeof(CACHE_MAGIC) - 1 + k;

	buf_init(&b, 256u << 20);
	if (!*path || access(path, R_OK) < 0 || buf_read_file(&b, path) < 0 || b.len <= head ||
	    memcmp(b.p, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) ||
	    hs_deserialize_database(b.p + head, b.len - head, &e->db) != HS_SUCCESS) {
		buf_release(&b);
		return -1;
	}
	for (size_t i = 0; i < k; i++)
		if (b.p[sizeof(CACHE_MAGIC) - 1 + i]) {
			flags[i] |= HS_FLAG_PREFILTER;
			e->prefilter[ids[i]] = 1;
			e->nprefilter++;
		}
	buf_release(&b);
	return 0;
}

/* Keep the database for the next run: written to a temporary file and
 * renamed, so a reader never sees half of one. Failures are only logged. */
static void cache_store(const struct engine *e, const char *path, const unsigned *flags, size_t k)
{
	char *bytes = NULL;
	size_t n = 0;
	struct buf tmp = BUF_INIT;
	FILE *fp = NULL;
	int ok = 0;

	if (!*path || hs_serialize_database(e->db, &bytes, &n) != HS_SUCCESS)
		return;
	buf_addf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	if ((fp = fopen(tmp.p, "wb"))) {
		ok = fwrite(CACHE_MAGIC, 1, sizeof(CACHE_MAGIC) - 1, fp) == sizeof(CACHE_MAGIC) - 1;
		for (size_t i = 0; ok && i < k; i++)
			ok = fputc(flags[i] & HS_FLAG_PREFILTER ? 1 : 0, fp) != EOF;
		ok = ok && fwrite(bytes, 1, n, fp) == n;
		ok = (fclose(fp) == 0) && ok;
		ok = ok && rename(tmp.p, path) == 0;
		if (!ok)
			unlink(tmp.p);
	}
	if (!ok)
		log_debug("cannot keep the compiled rules in '%s': %s", path, strerror(errno));
	free(bytes);
	buf_release(&tmp);
}

static int compile_db(struct engine *e, const struct ruleset *rs)
{
	size_t n = rs->n, k = 0;
	const char **exprs = calloc(n ? n : 1, sizeof(*exprs));
	unsigned *flags = calloc(n ? n : 1, sizeof(*flags));
	unsigned *ids = calloc(n ? n : 1, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	struct buf cache = BUF_INIT;
	int rc = -1;

	if (!exprs || !flags || !ids) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		hs_expr_info_t *info = NULL;

		if (!rs->v[i].pattern)
			continue;
		exprs[k] = rs->v[i].pattern;
		flags[k] = HS_FLAG_MULTILINE;
		ids[k] = (unsigned)i;
		e->width[i] = WINDOW_UNBOUNDED;
		if (hs_expression_info(exprs[k], flags[k], &info, &cerr) == HS_SUCCESS) {
			if (info->max_width != UINT_MAX && info->max_width < WINDOW_UNBOUNDED)
				e->width[i] = info->max_width;
			free(info);
		} else {
			hs_free_compile_error(cerr);
			cerr = NULL;
		}
		k++;
	}
	e->npatterns = k;
	if (k == 0) {
		rc = 0;
		goto out;
	}
	cache_path(exprs, flags, ids, k, &cache);
	if (cache_load(e, cache.p ? cache.p : "", ids, flags, k) == 0) {
		rc = 0;
		goto out;
	}
	/* a pattern Hyperscan cannot run exactly runs as a prefilter: PCRE2 decides */
	for (size_t tries = 0; tries <= k; tries++) {
		if (hs_compile_multi(exprs, flags, ids, (unsigned)k, HS_MODE_BLOCK, NULL, &e->db,
				     &cerr) == HS_SUCCESS) {
			cache_store(e, cache.p ? cache.p : "", flags, k);
			rc = 0;
			goto out;
		}
		if (cerr->expression < 0 || (flags[cerr->expression] & HS_FLAG_PREFILTER)) {
			if (cerr->expression >= 0)
				ak_error(AK_EXIT_DATAERR, "%s: rule '%s': pattern: %s",
					 rs->v[ids[cerr->expression]].file,
					 rs->v[ids[cerr->expression]].id, cerr->message);
			else
				ak_error(AK_EXIT_SOFTWARE, "cannot compile the rules: %s",
					 cerr->message);
			goto out;
		}
		flags[cerr->expression] |= HS_FLAG_PREFILTER;
		e->prefilter[ids[cerr->expression]] = 1;
		e->nprefilter++;
		hs_free_compile_error(cerr);
		cerr = NULL;
	}
out:
	if (cerr)
		hs_free_compile_error(cerr);
	buf_release(&cache);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

struct engine *engine_new(const struct ruleset *rs)
{
	struct engine *e = calloc(1, sizeof(*e));
	size_t n = rs->n ? rs->n : 1;

	if (!e || !(e->width = calloc(n, sizeof(*e->width))) ||
	    !(e->prefilter = calloc(n, 1)) ||
	    !(e->filter = calloc(n, sizeof(*e->filter))) ||
	    !(e->filters = calloc(n, sizeof(*e->filters))) ||
	    !(e->checks = calloc(n, sizeof(*e->checks)))) {
		engine_free(e);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	e->rs = rs;
	for (size_t i = 0; i < rs->n; i++) {
		uint32_t groups = 0;

		e->filter[i] = filter_index(e, rs, i);
		if (rs->v[i].check)
			e->checks[e->nchecks++] = i;
		if (rs->v[i].re) {
			pcre2_pattern_info(rs->v[i].re, PCRE2_INFO_CAPTURECOUNT, &groups);
			if (groups > e->max_groups)
				e->max_groups = groups;
		}
	}
	if (compile_db(e, rs) < 0) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void engine_scratch_free(struct engine_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	free(s->pending);
	free(s->touched);
	free(s->active);
	free(s->filter_ok);
	free(s);
}

struct engine_scratch *engine_scratch_new(const struct engine *e)
{
	struct engine_scratch *s = calloc(1, sizeof(*s));
	size_t n = e->rs->n ? e->rs->n : 1;

	if (!s)
		goto oom;
	s->e = e;
	if (e->db && hs_alloc_scratch(e->db, &s->hs) != HS_SUCCESS)
		goto oom;
	s->md = pcre2_match_data_create(e->max_groups + 1, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	s->pending = calloc(n, sizeof(*s->pending));
	s->touched = calloc(n, sizeof(*s->touched));
	s->active = malloc(n);
	s->filter_ok = malloc(n);
	if (!s->md || !s->mctx || !s->pending || !s->touched || !s->active || !s->filter_ok)
		goto oom;
	pcre2_set_match_limit(s->mctx, PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, PCRE_DEPTH_LIMIT);
	return s;
oom:
	engine_scratch_free(s);
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return NULL;
}

/* Whether rule r applies to the path being scanned (worked out on first use). */
static int rule_active(struct engine_scratch *s, size_t r)
{
	const struct rule *rule = &s->e->rs->v[r];
	size_t plen = strlen(s->path);
	int f = s->e->filter[r];

	if (s->active[r] >= 0)
		return s->active[r];
	s->active[r] = 1;
	if (f >= 0) {
		if (s->filter_ok[f] < 0)
			s->filter_ok[f] = (signed char)regex_search(s->e->filters[f], s->path, plen);
		s->active[r] = s->filter_ok[f];
	}
	for (size_t i = 0; s->active[r] && i < rule->allow_paths.n; i++)
		if (regex_search(rule->allow_paths.v[i], s->path, plen))
			s->active[r] = 0;
	return s->active[r];
}

/* Whether needle (lowercase) occurs in h[0..n) regardless of case. */
static int contains_nocase(const char *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m <= n && i <= n - m; i++) {
		size_t j = 0;

		while (j < m) {
			int c = (unsigned char)h[i + j];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != (unsigned char)needle[j])
				break;
			j++;
		}
		if (j == m)
			return 1;
	}
	return 0;
}

/* The part of the line around [start, end) within reach bytes either side. */
static void line_around(const char *buf, size_t len, size_t start, size_t end, size_t reach,
			size_t *lo, size_t *hi)
{
	size_t a = start > reach ? start - reach : 0, b = end + reach < len ? end + reach : len;
	const char *nl;

	*lo = a;
	for (size_t i = start; i > a; i--)
		if (buf[i - 1] == '\n') {
			*lo = i;
			break;
		}
	nl = end < b ? memchr(buf + end, '\n', b - end) : NULL;
	*hi = nl ? (size_t)(nl - buf) : b;
}

/* The filters that follow a confirmed match. 1: report it, 0: drop it. */
static int hit_passes(struct engine_scratch *s, const struct hit *h)
{
	const struct rule *r = h->rule;
	const char *sec = s->buf + h->sec_start;
	size_t n = h->sec_end - h->sec_start, lo, hi;

	if (r->keywords) {
		int found = 0;

		line_around(s->buf, s->len, h->start, h->end, KEYWORD_REACH, &lo, &hi);
		for (size_t i = 0; !found && r->keywords[i]; i++)
			found = contains_nocase(s->buf + lo, hi - lo, r->keywords[i]);
		if (!found)
			return 0;
	}
	if (r->entropy > 0 && shannon_entropy(sec, n) < r->entropy)
		return 0;
	for (size_t i = 0; r->stopwords && r->stopwords[i]; i++)
		if (contains_nocase(sec, n, r->stopwords[i]))
			return 0;
	for (size_t i = 0; i < r->allow_regexes.n; i++)
		if (regex_search(r->allow_regexes.v[i], sec, n))
			return 0;
	line_around(s->buf, s->len, h->start, h->end, ALLOW_REACH, &lo, &hi);
	if (hi - lo >= sizeof(ENGINE_ALLOW_MARK) - 1 &&
	    memmem(s->buf + lo, hi - lo, ENGINE_ALLOW_MARK, sizeof(ENGINE_ALLOW_MARK) - 1))
		return 0;
	return 1;
}

/*
 * A match of a prefilter rule that ends at end. Its lookarounds must see
 * the text after end, so the subject is not cut there: the matches from lo
 * on are tried in turn until one ends at end.
 */
static int match_whole(struct engine_scratch *s, const struct rule *rule, size_t lo, size_t end)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	int rc;

	while (lo < end) {
		rc = pcre2_match(rule->re_search, (PCRE2_SPTR)s->buf, s->len, lo, 0, s->md, s->mctx);
		if (rc < 0 || ov[0] >= end)
			return -1;
		if (ov[1] == end)
			return rc;
		lo = ov[0] + 1;
	}
	return -1;
}

/* Confirm rule r's run of ends at end (exclusive offset). */
static void confirm(struct engine_scratch *s, size_t r, size_t end)
{
	const struct rule *rule = &s->e->rs->v[r];
	size_t w = s->e->width[r], lo = end > w ? end - w : 0;
	PCRE2_SIZE *ov;
	struct hit h;
	int rc;

	if (s->stopped || !rule_active(s, r))
		return;
	/* Hyperscan has checked what follows end (\b, $): the subject may stop there */
	if (s->e->prefilter[r])
		rc = match_whole(s, rule, lo, end);
	else
		rc = pcre2_match(rule->re, (PCRE2_SPTR)s->buf, end, lo, 0, s->md, s->mctx);
	if (rc < 0)
		return;
	ov = pcre2_get_ovector_pointer(s->md);
	h.rule = rule;
	h.start = ov[0];
	h.end = ov[1];
	h.sec_start = h.start;
	h.sec_end = h.end;
	if (rule->group > 0 && rule->group < rc && ov[2 * rule->group] != PCRE2_UNSET) {
		h.sec_start = ov[2 * rule->group];
		h.sec_end = ov[2 * rule->group + 1];
	}
	if (h.sec_end <= h.sec_start || !hit_passes(s, &h))
		return;
	if (s->fn(s->ctx, &h) < 0)
		s->stopped = 1;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct engine_scratch *s = ctx;

	(void)from;
	(void)flags;
	if (s->pending[id] == 0) {
		s->touched[s->ntouched++] = id;
	} else if (s->pending[id] != to) {
		/* the run before this end is over */
		confirm(s, id, s->pending[id] - 1);
	}
	s->pending[id] = (size_t)to + 1;
	return s->stopped;
}

struct check_ctx {
	struct engine_scratch *s;
	size_t rule;
};

static int on_check(void *ctx, const struct iac_hit *ih)
{
	struct engine_scratch *s = ctx;
	const struct ruleset *rs = s->e->rs;
	struct hit h = { 0 };

	for (size_t i = 0; i < s->e->nchecks; i++) {
		size_t r = s->e->checks[i];

		if (strcmp(rs->v[r].check, ih->check) || !rule_active(s, r))
			continue;
		h.rule = &rs->v[r];
		if (ih->snippet >= s->buf && ih->snippet + ih->snippet_len <= s->buf + s->len) {
			h.start = h.sec_start = (size_t)(ih->snippet - s->buf);
			h.end = h.sec_end = h.start + ih->snippet_len;
		}
		if (hit_passes(s, &h) && s->fn(s->ctx, &h) < 0) {
			s->stopped = 1;
			return -1;
		}
	}
	return 0;
}

static int run_checks(struct engine_scratch *s)
{
	const char *want[64];
	size_t n = 0;

	for (size_t i = 0; i < s->e->nchecks && n < 63; i++)
		if (rule_active(s, s->e->checks[i]))
			want[n++] = s->e->rs->v[s->e->checks[i]].check;
	if (n == 0)
		return 0;
	want[n] = NULL;
	return iac_scan(s->path, s->buf, s->len, want, on_check, s);
}

int engine_scan(const struct engine *e, struct engine_scratch *s, const char *path,
		const char *buf, size_t len, hit_fn fn, void *ctx)
{
	int rc = 0;

	s->path = path ? path : "";
	s->buf = buf;
	s->len = len;
	s->fn = fn;
	s->ctx = ctx;
	s->stopped = 0;
	s->ntouched = 0;
	memset(s->active, -1, e->rs->n ? e->rs->n : 1);
	memset(s->filter_ok, -1, e->nfilters ? e->nfilters : 1);
	if (e->db && len > 0) {
		/* Hyperscan takes lengths in unsigned int */
		hs_error_t err = HS_SUCCESS;

		if (len <= UINT_MAX)
			err = hs_scan(e->db, buf, (unsigned)len, 0, s->hs, on_match, s);
		else
			err = ak_error(AK_EXIT_DATAERR, "'%s': larger than 4 GiB", s->path),
			rc = -1;
		if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED && rc == 0)
			rc = ak_error(AK_EXIT_SOFTWARE, "'%s': Hyperscan failed (%d)", s->path, err);
		for (size_t i = 0; i < s->ntouched; i++) {
			size_t r = s->touched[i];

			if (rc == 0)
				confirm(s, r, s->pending[r] - 1);
			s->pending[r] = 0;
		}
	}
	if (rc == 0 && !s->stopped && e->nchecks && run_checks(s) < 0 && !s->stopped)
		rc = -1;
	return s->stopped ? -1 : rc;
}
