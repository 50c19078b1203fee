/*
 * junitw.c - write a test result model as one JUnit XML document (see
 * junitw.h).
 *
 * The document is written straight into the caller's buffer: the format is
 * fixed and small, and a report of hundreds of thousands of cases is
 * written in a fraction of the time a general XML writer takes. Every
 * string from the model goes through one escaper that also makes text that
 * XML forbids legal: the model may hold raw bytes a test printed, and a
 * report that its readers refuse is worse than one with a replaced
 * character.
 *
 * One pass over the cases checks the model, counts, and writes each case.
 * Usually a suite's cases come together: then each suite is written into a
 * small buffer used again and again, and goes to the caller's buffer with
 * its totals when the next begins; the root's totals go in front at the
 * end. When a suite comes back after another, the pass starts again and
 * keeps a body per suite, put together in the order their first case
 * comes. On failure the caller's buffer is cut back to what it held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "results/junitw.h"
#include "results/results.h"
#include "banned.h"

enum wstatus { W_PASSED, W_FAILED, W_ERROR, W_SKIPPED };

struct counts {
	long tests, failures, errors, skipped, ms;
};

/* A string of a case, borrowed; p NULL when absent. */
struct wstr {
	const char *p;
	size_t n;
};

/* One case as the writer sees it, whether it comes from a model or a stream. */
struct wcase {
	struct wstr name, suite, message, detail, file;
	long line, ms;          /* <= 0, < 0: unknown */
	int st;                 /* enum wstatus, -1 when not a status */
	int flaky;
};

/* A suite: its name made legal and escaped, its totals, its cases. */
struct wsuite {
	struct buf name;
	struct buf body;
	struct counts k;
};

/* The document being written: a failed append sticks, checked at the end. */
struct jw {
	struct buf *out;
	int err;
};

static void put(struct jw *w, const void *s, size_t n)
{
	struct buf *b = w->out;

	/* the common case without a call: room enough, within the limit */
	if (b->p && b->cap - b->len > n && !w->err &&
	    (!b->max || n <= b->max - b->len)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else if (!w->err && buf_add(b, s, n) < 0) {
		w->err = -1;
	}
}

#define PUTS(w, lit) put(w, lit, sizeof(lit) - 1)

static void put_long(struct jw *w, long v)
{
	char num[24], *p = num + sizeof(num);
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	put(w, p, (size_t)(num + sizeof(num) - p));
}

/* Milliseconds as seconds with three decimals. */
static void put_seconds(struct jw *w, long ms)
{
	char frac[4];

	put_long(w, ms / 1000);
	frac[0] = '.';
	frac[1] = (char)('0' + ms % 1000 / 100);
	frac[2] = (char)('0' + ms % 100 / 10);
	frac[3] = (char)('0' + ms % 10);
	put(w, frac, sizeof(frac));
}

/* The length of the valid UTF-8 sequence at s[0..n), and its value; 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long c, min;

	if ((s[0] & 0xE0) == 0xC0)
		len = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * What each ASCII byte becomes: NULL to copy it, "" to drop it (control
 * characters XML 1.0 forbids), else its escape. Attribute values also
 * escape tab and line ends, which a reader would otherwise normalize to
 * spaces; text escapes CR, which a reader would otherwise drop.
 */
static const char *ascii_escape(unsigned char ch, int in_attr)
{
	switch (ch) {
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '&': return "&amp;";
	case '"': return "&quot;";
	case '\r': return "&#13;";
	case '\n': return in_attr ? "&#10;" : NULL;
	case '\t': return in_attr ? "&#9;" : NULL;
	default: return ch < 0x20 ? "" : NULL;
	}
}

/* Whether ASCII byte ch is copied as it is, for text (0) and attributes (1). */
static unsigned char plain[2][128];

static void plain_init(void)
{
	if (plain[0]['a'])
		return;
	for (int ch = 0; ch < 128; ch++)
		for (int a = 0; a < 2; a++)
			plain[a][ch] = !ascii_escape((unsigned char)ch, a);
}

/*
 * s[0..n) as XML 1.0 allows it, escaped for an attribute value or for
 * text: forbidden characters (controls other than tab, LF and CR, U+FFFE,
 * U+FFFF) dropped, invalid UTF-8 as U+FFFD, one per byte. Copies runs of
 * plain bytes at once.
 */
static void put_escaped(struct jw *w, const char *s, size_t n, int in_attr)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + n;
	const unsigned char *run = u;
	const unsigned char *ok = plain[in_attr];

	while (u < end) {
		unsigned long c;
		size_t len;
		const char *esc;

		if (*u < 0x80 && ok[*u]) {
			u++;
			continue;
		}
		if (*u >= 0x80) {
			len = utf8_seq(u, (size_t)(end - u), &c);
			if (len && c != 0xFFFE && c != 0xFFFF) {
				u += len;
				continue;
			}
			esc = len ? "" : "\xEF\xBF\xBD";
		} else {
			len = 1;
			esc = ascii_escape(*u, in_attr);
		}
		put(w, run, (size_t)(u - run));
		put(w, esc, strlen(esc));
		u += len ? len : 1;
		run = u;
	}
	put(w, run, (size_t)(u - run));
}

/* A string escaped for an attribute; "" when absent. */
static void put_attr(struct jw *w, struct wstr v)
{
	if (v.p)
		put_escaped(w, v.p, v.n, 1);
}

static struct wstr str_of(const json_t *v)
{
	struct wstr s = { NULL, 0 };

	if (json_is_string(v)) {
		s.p = json_string_value(v);
		s.n = json_string_length(v);
	}
	return s;
}

/* The status named by st[0..n), or -1 when it is not one. */
static int status_named(const char *st)
{
	if (!st)
		return -1;
	if (!strcmp(st, "passed"))
		return W_PASSED;
	if (!strcmp(st, "failed"))
		return W_FAILED;
	if (!strcmp(st, "error"))
		return W_ERROR;
	if (!strcmp(st, "skipped"))
		return W_SKIPPED;
	return -1;
}

static long long_of(const json_t *v, long none)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 ?
		(long)json_integer_value(v) : none;
}

#define KEY_IS(key, len, lit) \
	((len) == sizeof(lit) - 1 && !memcmp(key, lit, sizeof(lit) - 1))

/* One member of a case object into f. */
static void wcase_member(struct wcase *f, const char *key, size_t len, const json_t *v)
{
	if (KEY_IS(key, len, "name"))
		f->name = str_of(v);
	else if (KEY_IS(key, len, "suite"))
		f->suite = str_of(v);
	else if (KEY_IS(key, len, "status"))
		f->st = status_named(json_string_value(v));
	else if (KEY_IS(key, len, "message"))
		f->message = str_of(v);
	else if (KEY_IS(key, len, "detail"))
		f->detail = str_of(v);
	else if (KEY_IS(key, len, "file"))
		f->file = str_of(v);
	else if (KEY_IS(key, len, "line"))
		f->line = long_of(v, 0);
	else if (KEY_IS(key, len, "duration_ms"))
		f->ms = long_of(v, -1);
	else if (KEY_IS(key, len, "flaky"))
		f->flaky = json_is_true(v);
}

/* The members of c in one walk over it. */
static void wcase_of(const json_t *c, struct wcase *f)
{
	json_t *o = (json_t *)c;

	memset(f, 0, sizeof(*f));
	f->st = -1;
	f->ms = -1;
	for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it))
		wcase_member(f, json_object_iter_key(it), json_object_iter_key_len(it),
			     json_object_iter_value(it));
}

static void count(struct counts *k, int st, long ms)
{
	k->tests++;
	k->failures += st == W_FAILED;
	k->errors += st == W_ERROR;
	k->skipped += st == W_SKIPPED;
	if (ms > 0)
		k->ms += ms;
}

static void put_counts(struct jw *w, const struct counts *k)
{
	PUTS(w, "\" tests=\"");
	put_long(w, k->tests);
	PUTS(w, "\" failures=\"");
	put_long(w, k->failures);
	PUTS(w, "\" errors=\"");
	put_long(w, k->errors);
	PUTS(w, "\" skipped=\"");
	put_long(w, k->skipped);
	PUTS(w, "\" time=\"");
	put_seconds(w, k->ms);
	PUTS(w, "\"");
}

/* The <failure>, <error>, <skipped> or <system-out> child of a case. */
static void put_outcome(struct jw *w, const struct wcase *f, int st)
{
	static const char *const el[] = {
		[W_PASSED] = "system-out", [W_FAILED] = "failure",
		[W_ERROR] = "error", [W_SKIPPED] = "skipped",
	};
	size_t mark;

	PUTS(w, "      <");
	put(w, el[st], strlen(el[st]));
	if (st != W_PASSED && f->message.p) {
		PUTS(w, " message=\"");
		put_attr(w, f->message);
		PUTS(w, "\"");
	}
	if (st == W_FAILED || st == W_ERROR) {
		PUTS(w, " type=\"");
		put(w, el[st], strlen(el[st]));
		PUTS(w, "\"");
	}
	PUTS(w, ">");
	mark = w->out->len;
	if (f->detail.p)
		put_escaped(w, f->detail.p, f->detail.n, 0);
	if (w->err)
		return;
	if (w->out->len == mark) {
		/* no text: an empty element */
		w->out->len = mark - 1;
		PUTS(w, "/>\n");
		return;
	}
	PUTS(w, "</");
	put(w, el[st], strlen(el[st]));
	PUTS(w, ">\n");
}

static void put_case(struct jw *w, const struct wcase *f,
		     const struct wsuite *s)
{
	int st = f->st, flaky = f->flaky;
	long ms = f->ms;

	PUTS(w, "    <testcase name=\"");
	put_attr(w, f->name);
	PUTS(w, "\" classname=\"");
	put(w, s->name.p, s->name.len);
	PUTS(w, "\"");
	if (f->file.p) {
		PUTS(w, " file=\"");
		put_attr(w, f->file);
		PUTS(w, "\"");
	}
	if (f->line > 0) {
		PUTS(w, " line=\"");
		put_long(w, f->line);
		PUTS(w, "\"");
	}
	if (ms >= 0) {
		PUTS(w, " time=\"");
		put_seconds(w, ms);
		PUTS(w, "\"");
	}
	if (!flaky && st == W_PASSED && !f->detail.p) {
		PUTS(w, "/>\n");
		return;
	}
	PUTS(w, ">\n");
	if (flaky)
		PUTS(w, "      <properties>\n"
		     "        <property name=\"flaky\" value=\"true\"/>\n"
		     "      </properties>\n");
	if (st != W_PASSED || f->detail.p)
		put_outcome(w, f, st);
	PUTS(w, "    </testcase>\n");
}

/* The suites found so far and how to find one by name. */
struct suites {
	struct wsuite *v;
	size_t n, alloc;
	json_t *index;          /* escaped name: its number */
};

static void suites_release(struct suites *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		buf_release(&ss->v[i].name);
		buf_release(&ss->v[i].body);
	}
	free(ss->v);
	json_decref(ss->index);
}

/*
 * The number of the suite whose name is s[0..n) made legal and escaped
 * (NULL: the document's name, already so), added if new. -1 for no memory.
 */
static long suite_of(struct suites *ss, const char *s, size_t n,
		     const struct buf *doc_name)
{
	struct buf name = BUF_INIT;
	struct jw w = { &name, 0 };
	const json_t *at;

	if (s)
		put_escaped(&w, s, n, 1);
	else
		put(&w, doc_name->p, doc_name->len);
	if (!w.err && !name.p)
		put(&w, "", 0);
	if (w.err) {
		buf_release(&name);
		return -1;
	}
	at = json_object_getn(ss->index, name.p, name.len);
	if (at) {
		buf_release(&name);
		return (long)json_integer_value(at);
	}
	if (ss->n == ss->alloc) {
		size_t alloc = ss->alloc ? 2 * ss->alloc : 16;
		struct wsuite *v = realloc(ss->v, alloc * sizeof(*v));

		if (!v)
			goto fail;
		ss->v = v;
		ss->alloc = alloc;
	}
	if (json_object_setn_new_nocheck(ss->index, name.p, name.len,
					 json_integer((json_int_t)ss->n)))
		goto fail;
	memset(&ss->v[ss->n], 0, sizeof(ss->v[0]));
	ss->v[ss->n].name = name;
	return (long)ss->n++;
fail:
	buf_release(&name);
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* Whether a and b (absent or not) hold the same text. */
static int same_suite(struct wstr a, struct wstr b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return a.n == b.n && (a.p == b.p || !memcmp(a.p, b.p, a.n));
}

/* The suite whose cases are in body, whole, into w->out; body is emptied. */
static void put_suite(struct jw *w, const struct wsuite *s, struct buf *body)
{
	PUTS(w, "  <testsuite name=\"");
	put(w, s->name.p, s->name.len);
	put_counts(w, &s->k);
	PUTS(w, ">\n");
	put(w, body->p, body->len);
	PUTS(w, "  </testsuite>\n");
	buf_reset(body);
}

/*
 * Check, count and write every case: the totals into *k, the suites into
 * ss. With direct, the suites go there whole, one after the other, as long
 * as no suite comes back after another (2 when one does); without, into
 * each suite's body. 0, 1 when cases is not a list of cases, -1 for no
 * memory.
 */
static int write_cases(const json_t *cases, const struct buf *doc_name,
		       struct suites *ss, struct counts *k, struct buf *direct)
{
	const json_t *c;
	struct wstr prev = { NULL, 0 };
	struct buf scratch = BUF_INIT;
	struct jw w = { NULL, 0 }, d = { direct, 0 };
	struct wcase f;
	long g = -1;
	size_t i;
	int rc = 0;

	json_array_foreach(cases, i, c) {
		int st;

		if (!json_is_object(c) || (wcase_of(c, &f), st = f.st) < 0) {
			rc = 1;
			break;
		}
		if (g < 0 || !same_suite(prev, f.suite)) {
			size_t known = ss->n;
			long was = g;

			g = suite_of(ss, f.suite.p, f.suite.n, doc_name);
			if (g < 0) {
				rc = -1;
				break;
			}
			if (direct && g != was && (size_t)g < known) {
				rc = 2;
				break;
			}
			if (direct && was >= 0 && g != was)
				put_suite(&d, &ss->v[was], &scratch);
		}
		prev = f.suite;
		count(k, st, f.ms);
		count(&ss->v[g].k, st, f.ms);
		w.out = direct ? &scratch : &ss->v[g].body;
		put_case(&w, &f, &ss->v[g]);
		if (w.err || d.err) {
			rc = -1;
			break;
		}
	}
	if (!rc && direct && g >= 0)
		put_suite(&d, &ss->v[g], &scratch);
	buf_release(&scratch);
	return rc ? rc : d.err;
}

/* The root element's start, its totals: the document's first bytes. */
static void put_root(struct jw *w, const struct buf *name,
		     const struct counts *k, int empty)
{
	PUTS(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	     "<testsuites name=\"");
	put(w, name->p, name->len);
	put_counts(w, k);
	if (empty)
		PUTS(w, "/>\n");
	else
		PUTS(w, ">\n");
}

/* The document from the suites' bodies, into w->out. */
static void put_doc(struct jw *w, const struct buf *name,
		    struct suites *ss, const struct counts *k)
{
	put_root(w, name, k, !ss->n);
	for (size_t g = 0; g < ss->n; g++)
		put_suite(w, &ss->v[g], &ss->v[g].body);
	if (ss->n)
		PUTS(w, "</testsuites>\n");
}

/*
 * The suites written straight into out from start on: the root's start in
 * front of them, its end after. 0 or -1.
 */
static int wrap_direct(struct buf *out, size_t start, const struct buf *name,
		       const struct suites *ss, const struct counts *k)
{
	struct buf head = BUF_INIT;
	struct jw h = { &head, 0 }, w = { out, 0 };
	size_t body = out->len - start;

	put_root(&h, name, k, !ss->n);
	if (!h.err)
		put(&w, head.p, head.len);   /* room, and a check of the limit */
	if (!h.err && !w.err) {
		memmove(out->p + start + head.len, out->p + start, body);
		memcpy(out->p + start, head.p, head.len);
		if (ss->n)
			PUTS(&w, "</testsuites>\n");
	}
	buf_release(&head);
	return h.err || w.err ? -1 : 0;
}

static void suites_reset(struct suites *ss, struct counts *k)
{
	for (size_t i = 0; i < ss->n; i++) {
		buf_release(&ss->v[i].name);
		buf_release(&ss->v[i].body);
	}
	ss->n = 0;
	json_object_clear(ss->index);
	memset(k, 0, sizeof(*k));
}

/* out cut back to its first start bytes. */
static void cut(struct buf *out, size_t start)
{
	out->len = start;
	if (out->p)
		out->p[start] = '\0';
}

int results_write_junit(const json_t *r, const char *name, struct buf *out)
{
	const json_t *cases = json_object_get(r, "cases");
	struct suites ss = { NULL, 0, 0, json_object() };
	struct buf doc_name = BUF_INIT;
	struct jw w = { &doc_name, 0 };
	struct counts k = { 0 };
	size_t size, start = out->len;
	char why[256] = "out of memory";
	int rc = -1;

	if (!ss.index)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	plain_init();
	if (results_streaming(r)) {
		json_decref(ss.index);
		return junit_stream_finish(results_streaming(r), out);
	}
	if (!json_is_array(cases)) {
		rc = 1;
	} else {
		put_escaped(&w, name ? name : "", name ? strlen(name) : 0, 1);
		put(&w, "", 0);
		rc = w.err ? -1 : write_cases(cases, &doc_name, &ss, &k, out);
	}
	if (!rc && wrap_direct(out, start, &doc_name, &ss, &k))
		rc = -1;
	if (rc == 2) {
		/* a suite came back: keep a body per suite instead */
		cut(out, start);
		suites_reset(&ss, &k);
		rc = write_cases(cases, &doc_name, &ss, &k, NULL);
		if (!rc) {
			size = 200;
			for (size_t g = 0; g < ss.n; g++)
				size += 200 + ss.v[g].name.len + ss.v[g].body.len;
			/* room for the whole document at once, if the limit allows */
			if (!out->max || size < out->max - out->len)
				buf_grow(out, size);
			w.out = out;
			put_doc(&w, &doc_name, &ss, &k);
			rc = w.err;
		}
	}
	if (rc < 0)
		snprintf(why, sizeof(why), "%s", ak_errmsg());
	suites_release(&ss);
	buf_release(&doc_name);
	if (rc)
		cut(out, start);
	if (rc > 0)
		return ak_error(AK_EXIT_SOFTWARE, "not a results model");
	if (rc < 0)
		return ak_error(AK_EXIT_SOFTWARE,
				"cannot write the JUnit XML report: %s", why);
	return 0;
}

struct junit_stream {
	struct suites ss;
	struct counts k;
	struct buf doc_name;
	struct buf last;        /* the suite of the last case, as given */
	int last_null;
	long g;                 /* its number, or -1 before the first case */
};

void junit_stream_free(struct junit_stream *s)
{
	if (!s)
		return;
	suites_release(&s->ss);
	buf_release(&s->doc_name);
	buf_release(&s->last);
	free(s);
}

struct junit_stream *junit_stream_new(const char *name)
{
	struct junit_stream *s = calloc(1, sizeof(*s));
	struct jw w = { NULL, 0 };

	plain_init();
	if (s) {
		s->g = -1;
		s->ss.index = json_object();
		w.out = &s->doc_name;
		put_escaped(&w, name ? name : "", name ? strlen(name) : 0, 1);
		put(&w, "", 0);
	}
	if (!s || !s->ss.index || w.err) {
		junit_stream_free(s);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	return s;
}

int junit_stream_add(struct junit_stream *s, const struct junit_case *c)
{
	struct wcase f = {
		{ c->name ? c->name : "", c->name ? strlen(c->name) : 0 },
		{ c->suite, c->suite ? strlen(c->suite) : 0 },
		{ c->message, c->message_len }, { c->detail, c->detail_len },
		{ c->file, c->file ? strlen(c->file) : 0 },
		c->line, c->duration_ms, status_named(c->status), c->flaky,
	};
	struct wstr last = { s->last_null ? NULL : s->last.p ? s->last.p : "", s->last.len };
	struct jw w = { NULL, 0 };

	if (f.st < 0)
		return ak_error(AK_EXIT_SOFTWARE, "unknown test status '%s'",
				c->status ? c->status : "(null)");
	if (s->g < 0 || !same_suite(last, f.suite)) {
		if ((s->g = suite_of(&s->ss, f.suite.p, f.suite.n, &s->doc_name)) < 0)
			return -1;
		buf_reset(&s->last);
		s->last_null = !f.suite.p;
		if (f.suite.p && buf_add(&s->last, f.suite.p, f.suite.n) < 0)
			return -1;
	}
	count(&s->k, f.st, f.ms);
	count(&s->ss.v[s->g].k, f.st, f.ms);
	w.out = &s->ss.v[s->g].body;
	put_case(&w, &f, &s->ss.v[s->g]);
	return w.err ? ak_error(AK_EXIT_SOFTWARE, "out of memory") : 0;
}

int junit_stream_finish(struct junit_stream *s, struct buf *out)
{
	struct jw w = { out, 0 };
	size_t size = 200, start = out->len;

	for (size_t g = 0; g < s->ss.n; g++)
		size += 200 + s->ss.v[g].name.len + s->ss.v[g].body.len;
	if (!out->max || size < out->max - out->len)
		buf_grow(out, size);
	put_doc(&w, &s->doc_name, &s->ss, &s->k);
	if (!w.err)
		return 0;
	cut(out, start);
	return ak_error(AK_EXIT_SOFTWARE, "cannot write the JUnit XML report: out of memory");
}
