/*
 * tap.c - read Test Anything Protocol output (TAP 12, 13 and 14) into the
 * result model.
 *
 * The reader is forgiving the way harnesses are: lines it does not know are
 * skipped and counted in a note, and only input with neither a plan nor a
 * test line is refused. A test line's case is held back until the next line
 * that is not part of it, so that a YAML block (TAP 13) or the comment lines
 * a failing test prints (bats) can become its detail. Indented test lines are
 * TAP 14 subtests: they are recorded too, with the subtest's name as suite,
 * while only the top-level lines are counted against the plan.
 *
 * A stream may hold several TAP documents one after another, as `make check`
 * prints when it runs prove -v and then bats: a new document starts at a
 * harness header ("t/unit/u-buf .. ", which also names its suite), at a
 * plan or test line after a document whose plan is met, at a second plan,
 * and at a test numbered 1 after tests without a plan. Each document's
 * plan is checked on its own.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"
#include "results/results.h"
#include "banned.h"

#define TAP_DEPTH_MAX 16

struct tap_case {
	int active;
	size_t indent;
	const char *status;
	struct buf name;
	struct buf reason;      /* SKIP/TODO reason */
	struct buf detail;      /* YAML block or comment lines */
	int in_yaml;            /* inside "---" ... "..." */
	size_t yaml_indent;
	int has_yaml;
	const char *suite;
};

struct tap_reader {
	json_t *r;
	const char *name;
	const char *suite;      /* the current document's: name or doc_name */
	struct buf doc_name;
	struct tap_case pending;
	char *subtest[TAP_DEPTH_MAX];
	long planned;           /* -1: no plan seen */
	struct buf plan_skip;
	int skip_all;
	long ran;               /* top-level test lines */
	long tests_any;
	long ignored;
	int bailed;
};

static size_t count_indent(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++;
	return i;
}

static int starts_word(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && !strncasecmp(s, w, wl) &&
		(n == wl || !isalpha((unsigned char)s[wl]));
}

/* A copy of s[0..n) without surrounding blanks, in b. */
static int set_trimmed(struct buf *b, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	buf_reset(b);
	return buf_add(b, s, n);
}

/* Strip the quotes of a '...' or "..." scalar. */
static void yaml_unquote(struct buf *b)
{
	if (b->len < 2 || (b->p[0] != '\'' && b->p[0] != '"') ||
	    b->p[b->len - 1] != b->p[0])
		return;
	memmove(b->p, b->p + 1, b->len - 2);
	b->len -= 2;
	b->p[b->len] = '\0';
}

/* A block scalar: the lines from l indented deeper than at, joined. */
static void yaml_block(const char *l, size_t at, struct buf *out)
{
	buf_reset(out);
	while (*l) {
		const char *e = strchrnul(l, '\n');
		size_t in = count_indent(l, (size_t)(e - l));

		if (in <= at && e > l + in)
			break;
		if (out->len)
			buf_addch(out, '\n');
		if (in > at + 2)
			in = at + 2;
		buf_add(out, l + in, (size_t)(e - l) - in);
		l = *e ? e + 1 : e;
	}
	while (out->len && out->p[out->len - 1] == '\n')
		out->p[--out->len] = '\0';
}

/*
 * The value of "key:" at exactly `at` spaces of indentation in the YAML
 * block y, unquoted, with block scalars ("|", "|-", ">") joined by newlines.
 * 1 if found (value in out), 0 if not.
 */
static int yaml_value(const char *y, size_t at, const char *key,
		      struct buf *out)
{
	size_t kl = strlen(key);
	const char *l = y;

	while (*l) {
		const char *e = strchrnul(l, '\n');
		size_t in = count_indent(l, (size_t)(e - l));

		if (in == at && (size_t)(e - l) > in + kl &&
		    !strncmp(l + in, key, kl) && l[in + kl] == ':') {
			const char *v = l + in + kl + 1;

			set_trimmed(out, v, (size_t)(e - v));
			if (out->len && (out->p[0] == '|' || out->p[0] == '>'))
				yaml_block(*e ? e + 1 : e, at, out);
			else
				yaml_unquote(out);
			return 1;
		}
		l = *e ? e + 1 : e;
	}
	return 0;
}

/* "file:line[:col]" into file and line. */
static void split_location(struct buf *loc, struct buf *file, long *line)
{
	char *c = strrchr(loc->p, ':');
	char *end;
	long n;

	if (c && c > loc->p) {
		char *c2;

		*c = '\0';
		c2 = strrchr(loc->p, ':');
		*c = ':';
		if (c2 && c2 > loc->p) {
			n = strtol(c2 + 1, &end, 10);
			if (end == c && n > 0) {
				*line = n;
				buf_add(file, loc->p, (size_t)(c2 - loc->p));
				return;
			}
		}
		n = strtol(c + 1, &end, 10);
		if (*end == '\0' && n > 0) {
			*line = n;
			buf_add(file, loc->p, (size_t)(c - loc->p));
			return;
		}
	}
	buf_add(file, loc->p, loc->len);
}

static int flush_case(struct tap_reader *t)
{
	struct tap_case *c = &t->pending;
	struct buf msg = BUF_INIT, file = BUF_INIT, v = BUF_INIT;
	long line = 0, dur = -1;
	int have_msg = 0, have_file = 0, rc;

	if (!c->active)
		return 0;
	while (c->detail.len && c->detail.p[c->detail.len - 1] == '\n')
		c->detail.p[--c->detail.len] = '\0';
	if (c->has_yaml) {
		have_msg = yaml_value(c->detail.p, 0, "message", &msg) ||
			   yaml_value(c->detail.p, 0, "error", &msg);
		if (yaml_value(c->detail.p, 0, "file", &file) ||
		    yaml_value(c->detail.p, 2, "file", &file))
			have_file = 1;
		if (yaml_value(c->detail.p, 0, "line", &v) ||
		    yaml_value(c->detail.p, 2, "line", &v))
			line = strtol(v.p, NULL, 10);
		if (!have_file &&
		    (yaml_value(c->detail.p, 0, "at", &v) ||
		     yaml_value(c->detail.p, 0, "location", &v)) && v.len) {
			split_location(&v, &file, &line);
			have_file = 1;
		}
		if (yaml_value(c->detail.p, 0, "duration_ms", &v) && v.len)
			dur = (long)(strtod(v.p, NULL) + 0.5);
	}
	if (!have_msg && c->reason.len) {
		buf_add(&msg, c->reason.p, c->reason.len);
		have_msg = 1;
	}
	rc = results_add_case(t->r, c->name.p ? c->name.p : "", c->suite,
			      c->status, have_msg ? msg.p : NULL,
			      c->detail.len ? c->detail.p : NULL,
			      have_file ? file.p : NULL, line, dur);
	buf_release(&msg);
	buf_release(&file);
	buf_release(&v);
	buf_reset(&c->name);
	buf_reset(&c->reason);
	buf_reset(&c->detail);
	c->active = c->in_yaml = c->has_yaml = 0;
	return rc;
}

/* The first '#' not escaped by a backslash, or NULL. */
static const char *find_directive(const char *s, const char *e)
{
	for (; s < e; s++) {
		if (*s == '\\' && s + 1 < e)
			s++;
		else if (*s == '#')
			return s;
	}
	return NULL;
}

/* A description's "\\#" is a literal '#'. */
static void unescape_hash(struct buf *b)
{
	size_t i, o = 0;

	for (i = 0; i < b->len; i++) {
		if (b->p[i] == '\\' && i + 1 < b->len && b->p[i + 1] == '#')
			continue;
		b->p[o++] = b->p[i];
	}
	b->len = o;
	if (b->p)
		b->p[o] = '\0';
}

/* "ok 3 - desc # SKIP why" at indentation in (s is past the indentation). */
static int test_line(struct tap_reader *t, size_t in, const char *s,
		     const char *e, long lineno)
{
	struct tap_case *c = &t->pending;
	int okay = s[0] == 'o';
	const char *d, *hash;
	size_t depth = in / 4;

	if (flush_case(t))
		return -1;
	s += okay ? 2 : 6;
	while (s < e && *s == ' ')
		s++;
	while (s < e && isdigit((unsigned char)*s))
		s++;
	while (s < e && *s == ' ')
		s++;
	if (e - s >= 2 && s[0] == '-' && s[1] == ' ')
		s += 2;
	else if (e - s == 1 && s[0] == '-')
		s++;
	hash = find_directive(s, e);
	d = hash ? hash : e;
	set_trimmed(&c->name, s, (size_t)(d - s));
	unescape_hash(&c->name);
	if (!c->name.len)
		buf_addf(&c->name, "test %ld", in ? lineno : t->ran + 1);
	c->status = okay ? "passed" : "failed";
	if (hash) {
		const char *w = hash + 1;

		while (w < e && *w == ' ')
			w++;
		if (starts_word(w, (size_t)(e - w), "skip") ||
		    starts_word(w, (size_t)(e - w), "skipped")) {
			c->status = "skipped";
			w += starts_word(w, (size_t)(e - w), "skipped") ? 7 : 4;
			set_trimmed(&c->reason, w, (size_t)(e - w));
		} else if (starts_word(w, (size_t)(e - w), "todo")) {
			if (!okay)
				c->status = "skipped";
			w += 4;
			set_trimmed(&c->reason, w, (size_t)(e - w));
		}
	}
	c->indent = in;
	c->suite = t->suite;
	if (depth > 0 && depth <= TAP_DEPTH_MAX && t->subtest[depth - 1])
		c->suite = t->subtest[depth - 1];
	c->active = 1;
	t->tests_any++;
	if (in == 0)
		t->ran++;
	return 0;
}

static int plan_line(struct tap_reader *t, const char *s, const char *e)
{
	const char *p = s + 3, *end = p;
	const char *hash;
	long n = 0;

	/* the line is not NUL-terminated: digits up to e, at most 9 */
	while (end < e && isdigit((unsigned char)*end) && end - p < 9)
		n = n * 10 + (*end++ - '0');
	if (end == p || (end < e && isdigit((unsigned char)*end)))
		return 0;
	if (t->planned >= 0)
		return 0;
	t->planned = n;
	hash = find_directive(end, e);
	if (hash && n == 0) {
		const char *w = hash + 1;

		while (w < e && *w == ' ')
			w++;
		if (starts_word(w, (size_t)(e - w), "skip") ||
		    starts_word(w, (size_t)(e - w), "skipped")) {
			w += starts_word(w, (size_t)(e - w), "skipped") ? 7 : 4;
			if (w < e && *w == ':')
				w++;
			t->skip_all = 1;
			set_trimmed(&t->plan_skip, w, (size_t)(e - w));
		}
	}
	return 1;
}

static int set_subtest(struct tap_reader *t, size_t in, const char *s,
		       const char *e)
{
	size_t depth = in / 4;
	struct buf b = BUF_INIT;

	if (depth >= TAP_DEPTH_MAX)
		return 0;
	s += strlen("# Subtest:");
	if (set_trimmed(&b, s, (size_t)(e - s)))
		return -1;
	free(t->subtest[depth]);
	t->subtest[depth] = buf_detach(&b, NULL);
	return 0;
}

/* The end of one document: its plan against what ran. */
static int finish_doc(struct tap_reader *t)
{
	char msg[128];

	if (flush_case(t))
		return -1;
	if (t->bailed)
		return 0;
	if (t->skip_all && t->ran == 0)
		return results_add_case(t->r, t->suite, t->suite, "skipped",
					t->plan_skip.len ?
						t->plan_skip.p : NULL,
					NULL, NULL, 0, -1);
	if (t->planned < 0) {
		snprintf(msg, sizeof(msg), "no plan, ran %ld", t->ran);
		return results_add_case(t->r, "plan", t->suite, "error", msg,
					NULL, NULL, 0, -1);
	}
	if (t->planned != t->ran) {
		snprintf(msg, sizeof(msg), "planned %ld tests, ran %ld",
			 t->planned, t->ran);
		return results_add_case(t->r, "plan", t->suite, "error", msg,
					NULL, NULL, 0, -1);
	}
	return 0;
}

/* Close the document read so far (if any) and start the next one. */
static int next_doc(struct tap_reader *t)
{
	if ((t->planned >= 0 || t->ran > 0 || t->skip_all) && finish_doc(t))
		return -1;
	t->planned = -1;
	t->ran = 0;
	t->skip_all = 0;
	t->suite = t->name;
	buf_reset(&t->plan_skip);
	for (size_t i = 0; i < TAP_DEPTH_MAX; i++) {
		free(t->subtest[i]);
		t->subtest[i] = NULL;
	}
	return 0;
}

/* Whether the current document is over: its plan is met. */
static int doc_complete(const struct tap_reader *t)
{
	return t->planned >= 0 && t->ran >= t->planned;
}

/*
 * A harness's header before a script's output: "PATH .. " (prove -v); the
 * name must be a path, so that a stray "Loading ..." is not taken for one.
 */
static int harness_header(const char *s, size_t n, struct buf *name)
{
	const char *sp = memchr(s, ' ', n);
	size_t dots = 0;

	if (!sp || sp == s || !memchr(s, '/', (size_t)(sp - s)))
		return 0;
	for (const char *p = sp + 1; p < s + n && *p == '.'; p++)
		dots++;
	if (dots < 2 || (size_t)(sp + 1 + dots - s) < n - (s[n - 1] == ' '))
		return 0;
	buf_reset(name);
	return buf_add(name, s, (size_t)(sp - s)) == 0;
}

/* The number of a test line ("ok 12 - x": 12), or 0. */
static long test_number(const char *s, const char *e)
{
	long n = 0;

	s += s[0] == 'o' ? 2 : 6;
	while (s < e && *s == ' ')
		s++;
	while (s < e && isdigit((unsigned char)*s) && n < 100000000)
		n = n * 10 + (*s++ - '0');
	return n;
}

/* A line inside a pending case's YAML block. 1 if consumed. */
static int yaml_line(struct tap_case *c, size_t in, const char *l,
		     const char *e)
{
	const char *s = l + in;

	if (!c->in_yaml)
		return 0;
	if (in == c->yaml_indent && e - s == 3 && !memcmp(s, "...", 3)) {
		c->in_yaml = 0;
		while (c->detail.len && c->detail.p[c->detail.len - 1] == '\n')
			c->detail.p[--c->detail.len] = '\0';
		return 1;
	}
	if (in < c->yaml_indent && e > s) {
		c->in_yaml = 0;     /* unterminated: the block ends here */
		return 0;
	}
	in = in < c->yaml_indent ? in : c->yaml_indent;
	buf_add(&c->detail, l + in, (size_t)(e - l) - in);
	buf_addch(&c->detail, '\n');
	return 1;
}

static int read_line(struct tap_reader *t, const char *l, const char *e,
		     long lineno)
{
	struct tap_case *c = &t->pending;
	size_t in = count_indent(l, (size_t)(e - l));
	const char *s = l + in;
	size_t n;

	if (e > l && e[-1] == '\r')
		e--;
	n = (size_t)(e - s);
	if (c->active && yaml_line(c, in, l, e))
		return 0;
	if (c->active && !c->has_yaml && !c->detail.len && in > c->indent &&
	    n == 3 && !memcmp(s, "---", 3)) {
		c->in_yaml = c->has_yaml = 1;
		c->yaml_indent = in;
		return 0;
	}
	/* prove -v ends a script's output with its verdict, a bare "ok" */
	if (in == 0 && t->planned > 0 && t->ran == t->planned &&
	    ((n == 2 && !memcmp(s, "ok", 2)) ||
	     (n == 6 && !memcmp(s, "not ok", 6))))
		return flush_case(t);
	if ((n >= 2 && !memcmp(s, "ok", 2) &&
	     (n == 2 || s[2] == ' ' || s[2] == '#')) ||
	    (n >= 6 && !memcmp(s, "not ok", 6) &&
	     (n == 6 || s[6] == ' ' || s[6] == '#'))) {
		if (in == 0 && (doc_complete(t) ||
				(t->planned < 0 && t->ran > 0 && test_number(s, e) == 1)) &&
		    (flush_case(t) || next_doc(t)))
			return -1;
		return test_line(t, in, s, e, lineno);
	}
	if (n >= 10 && !memcmp(s, "# Subtest:", 10))
		return flush_case(t) || set_subtest(t, in, s, e);
	if (n >= 1 && s[0] == '#') {
		/* bats prints a failure's diagnostics as comments after it */
		if (c->active && !c->has_yaml && !strcmp(c->status, "failed") &&
		    in == c->indent) {
			size_t skip = n > 1 && s[1] == ' ' ? 2 : 1;

			buf_add(&c->detail, s + skip, n - skip);
			buf_addch(&c->detail, '\n');
		}
		return 0;
	}
	if (flush_case(t))
		return -1;
	if (n >= 9 && !memcmp(s, "Bail out!", 9)) {
		struct buf why = BUF_INIT;
		int rc;

		set_trimmed(&why, s + 9, n - 9);
		rc = results_add_case(t->r, "Bail out!", t->suite, "error",
				      why.len ? why.p : NULL, NULL, NULL, 0,
				      -1);
		buf_release(&why);
		t->bailed = 1;
		return rc;
	}
	if (n >= 4 && !memcmp(s, "1..", 3) && isdigit((unsigned char)s[3])) {
		if (in == 0 && (doc_complete(t) || t->planned >= 0) && next_doc(t))
			return -1;
		if (in == 0 && plan_line(t, s, e))
			return 0;
		if (in > 0)
			return 0;   /* a subtest's plan */
	}
	if (n >= 12 && !memcmp(s, "TAP version ", 12))
		return 0;
	if (n == 0)
		return 0;
	if (in == 0 && harness_header(s, n, &t->doc_name)) {
		if (next_doc(t))
			return -1;
		t->suite = t->doc_name.p;
		return 0;
	}
	t->ignored++;
	return 0;
}

static int add_note(json_t *r, const char *note)
{
	json_t *notes = json_object_get(r, "notes");

	if (!notes) {
		notes = json_array();
		if (json_object_set_new(r, "notes", notes))
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	if (json_array_append_new(notes, json_string(note)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static int finish(struct tap_reader *t)
{
	char msg[128];

	if (flush_case(t))
		return -1;
	if (t->ignored) {
		snprintf(msg, sizeof(msg), "%s: %ld line%s not TAP, ignored",
			 t->name, t->ignored, t->ignored == 1 ? "" : "s");
		if (add_note(t->r, msg))
			return -1;
	}
	return finish_doc(t);
}

static void tap_reader_release(struct tap_reader *t)
{
	buf_release(&t->pending.name);
	buf_release(&t->pending.reason);
	buf_release(&t->pending.detail);
	buf_release(&t->plan_skip);
	buf_release(&t->doc_name);
	for (size_t i = 0; i < TAP_DEPTH_MAX; i++)
		free(t->subtest[i]);
}

int results_read_tap(json_t *r, const char *text, size_t len,
		     const char *name)
{
	struct tap_reader t = { .r = r, .name = name, .suite = name, .planned = -1 };
	const char *l = text, *end = text + len;
	long lineno = 0;
	int rc = 0;

	buf_init(&t.pending.detail, RESULTS_DETAIL_MAX + 1024);
	while (l < end && !rc && !t.bailed) {
		const char *e = memchr(l, '\n', (size_t)(end - l));

		if (!e)
			e = end;
		lineno++;
		rc = read_line(&t, l, e, lineno);
		l = e < end ? e + 1 : end;
	}
	if (!rc && t.planned < 0 && !t.tests_any && !t.bailed)
		rc = ak_error(AK_EXIT_DATAERR, "%s: not TAP", name);
	else if (!rc)
		rc = finish(&t);
	tap_reader_release(&t);
	return rc;
}
