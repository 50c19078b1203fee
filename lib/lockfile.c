/*
 * lockfile.c - read package-lock.json, requirements.txt, go.mod and
 * Cargo.lock into lists of pinned dependencies (see lockfile.h).
 *
 * JSON is validated once by jscan (well-formed, UTF-8, nesting bounded)
 * and then walked in place by a few trusting helpers, so a lockfile of
 * thousands of packages costs no document and every name keeps its line.
 * The line-based formats are read a line at a time; Cargo.lock by a
 * reader of the small part of TOML that lockfiles use (tables, arrays of
 * tables, keys with strings, numbers, booleans, arrays and inline tables).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jscan.h"
#include "lockfile.h"
#include "banned.h"

struct lctx {
	const char *path;
	const char *text, *end;
	struct lockfile_deps *out;
	const char *eco;
	const struct lockfile_opts *opts;
	size_t start;            /* out->n before this file */
	/* line_of's cache: the line number at text + pos */
	size_t pos;
	int line;
};

/* The 1-based line of p; cheap when called with rising pointers. */
static int line_of(struct lctx *c, const char *p)
{
	size_t at = (size_t)(p - c->text);
	const char *q;

	if (at < c->pos) {
		c->pos = 0;
		c->line = 1;
	}
	q = c->text + c->pos;
	while ((q = memchr(q, '\n', (size_t)(p - q)))) {
		c->line++;
		q++;
	}
	c->pos = at;
	return c->line;
}

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int add_dep(struct lctx *c, const char *name, size_t nlen, const char *ver,
		   size_t vlen, int line)
{
	struct lockfile_deps *d = c->out;
	struct lockfile_dep *e;

	if (!nlen || !vlen)
		return ak_data_error(c->path, line, "empty package name or version");
	if (nlen > LOCKFILE_MAX_FIELD || vlen > LOCKFILE_MAX_FIELD)
		return ak_data_error(c->path, line, "package name or version longer than %d bytes",
			    LOCKFILE_MAX_FIELD);
	if (d->n - c->start >= LOCKFILE_MAX_DEPS)
		return ak_data_error(c->path, line, "more than %d dependencies", LOCKFILE_MAX_DEPS);
	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 64;
		void *nv = realloc(d->v, na * sizeof(*d->v));

		if (!nv)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		d->v = nv;
		d->alloc = na;
	}
	e = &d->v[d->n];
	e->ecosystem = c->eco;
	e->line = line;
	e->name = dup_n(name, nlen);
	e->version = dup_n(ver, vlen);
	if (!e->name || !e->version) {
		free(e->name);
		free(e->version);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	d->n++;
	return 0;
}

static void truncate_deps(struct lockfile_deps *d, size_t n)
{
	while (d->n > n) {
		d->n--;
		free(d->v[d->n].name);
		free(d->v[d->n].version);
	}
}

void lockfile_deps_release(struct lockfile_deps *d)
{
	truncate_deps(d, 0);
	free(d->v);
	d->v = NULL;
	d->alloc = 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

enum lockfile_kind lockfile_kind(const char *path)
{
	const char *b = base_name(path);

	if (!strcmp(b, "package-lock.json") || !strcmp(b, "npm-shrinkwrap.json"))
		return LOCKFILE_NPM;
	if (!strcmp(b, "go.mod"))
		return LOCKFILE_GOMOD;
	if (!strcmp(b, "Cargo.lock"))
		return LOCKFILE_CARGO;
	if (!strcmp(b, "requirements.txt") || ends_with(b, "-requirements.txt") ||
	    ((!strncmp(b, "requirements-", 13) || !strncmp(b, "requirements_", 13)) &&
	     ends_with(b, ".txt")))
		return LOCKFILE_REQUIREMENTS;
	return LOCKFILE_NONE;
}

const char *lockfile_ecosystem(enum lockfile_kind kind)
{
	switch (kind) {
	case LOCKFILE_NPM:
		return "npm";
	case LOCKFILE_REQUIREMENTS:
		return "PyPI";
	case LOCKFILE_GOMOD:
		return "Go";
	case LOCKFILE_CARGO:
		return "crates.io";
	default:
		return NULL;
	}
}

/* ---- package-lock.json ------------------------------------------------ */

/* Walking JSON that jscan has validated: no checks beyond the bounds. */
static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote: the closing one. */
static const char *str_end(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p;
}

/* p at a value: just past it. */
static const char *skip_value(const char *p, const char *end)
{
	long depth = 0;

	while (p < end) {
		char ch = *p;

		if (ch == '"') {
			p = str_end(p, end) + 1;
		} else if (ch == '{' || ch == '[') {
			depth++;
			p++;
		} else if (ch == '}' || ch == ']') {
			depth--;
			p++;
		} else if (depth == 0) {
			while (p < end && !strchr(",}] \t\r\n", *p))
				p++;
			return p;
		} else {
			p++;
		}
		if (depth == 0)
			return p;
	}
	return p;
}

struct jmember {
	const char *key;         /* raw, between the quotes */
	size_t key_len;
	const char *val;         /* the value's first byte */
	const char *val_end;
};

/* *p at an object's '{', or just past a member: the next member, 1; 0 at '}'. */
static int obj_next(const char **p, const char *end, struct jmember *m)
{
	const char *q = ws(*p, end);

	if (q < end && (*q == '{' || *q == ','))
		q = ws(q + 1, end);
	if (q >= end || *q != '"')
		return 0;
	m->key = q + 1;
	q = str_end(q, end);
	m->key_len = (size_t)(q - m->key);
	q = ws(q + 1, end);
	q = ws(q + 1, end);     /* the ':' */
	m->val = q;
	m->val_end = skip_value(q, end);
	*p = m->val_end;
	return 1;
}

static int key_is(const struct jmember *m, const char *s)
{
	return m->key_len == strlen(s) && !memcmp(m->key, s, m->key_len);
}

/* Decode a raw JSON string into b; -1 when it holds a NUL or is too long. */
static int decode_into(struct buf *b, const char *raw, size_t n)
{
	buf_reset(b);
	if (n > 4 * LOCKFILE_MAX_FIELD || buf_grow(b, n + 1) < 0)
		return -1;
	b->len = jscan_decode(raw, n, b->p);
	b->p[b->len] = '\0';
	return memchr(b->p, '\0', b->len) ? -1 : 0;
}

/* A version from the registry, not git, a path, a URL or a tarball. */
static int registry_version(const char *v)
{
	return *v && !strchr(v, ':') && !strchr(v, '/');
}

struct npm_entry {
	struct buf version, name;
	int have_version, have_name, link;
	const char *deps;        /* "dependencies" object, or NULL */
	const char *deps_end;
};

static int npm_entry_read(struct lctx *c, const struct jmember *pkg, struct npm_entry *e)
{
	const char *p = pkg->val;
	struct jmember m;

	e->have_version = e->have_name = e->link = 0;
	e->deps = NULL;
	if (*p != '{')
		return ak_data_error(c->path, line_of(c, pkg->key), "package entry is not an object");
	while (obj_next(&p, c->end, &m)) {
		if (key_is(&m, "version") && *m.val == '"') {
			if (decode_into(&e->version, m.val + 1, (size_t)(m.val_end - m.val - 2)) < 0)
				return ak_data_error(c->path, line_of(c, m.key), "unreadable version");
			e->have_version = 1;
		} else if (key_is(&m, "name") && *m.val == '"') {
			if (decode_into(&e->name, m.val + 1, (size_t)(m.val_end - m.val - 2)) < 0)
				return ak_data_error(c->path, line_of(c, m.key), "unreadable name");
			e->have_name = 1;
		} else if (key_is(&m, "link") && *m.val == 't') {
			e->link = 1;
		} else if (key_is(&m, "dependencies") && *m.val == '{') {
			e->deps = m.val;
			e->deps_end = m.val_end;
		}
	}
	return 0;
}

/* name and version, with an alias version "npm:real@1.2.3" resolved. */
static int npm_add(struct lctx *c, const char *name, const char *version, int line)
{
	if (!strncmp(version, "npm:", 4)) {
		const char *at = strrchr(version + 4, '@');

		if (!at || at == version + 4)
			return 0;
		if (!registry_version(at + 1))
			return 0;
		return add_dep(c, version + 4, (size_t)(at - version - 4), at + 1,
			       strlen(at + 1), line);
	}
	if (!registry_version(version))
		return 0;
	return add_dep(c, name, strlen(name), version, strlen(version), line);
}

/* lockfileVersion 2 and 3: "packages": {"node_modules/a": {...}, ...} */
static int npm_packages(struct lctx *c, const char *obj)
{
	struct npm_entry e = { BUF_INIT, BUF_INIT, 0, 0, 0, NULL, NULL };
	struct buf key = BUF_INIT;
	const char *p = obj;
	struct jmember m;
	int rc = 0;

	while (rc == 0 && obj_next(&p, c->end, &m)) {
		int line = line_of(c, m.key);
		const char *name, *s;

		if (decode_into(&key, m.key, m.key_len) < 0) {
			rc = ak_data_error(c->path, line, "unreadable package path");
			break;
		}
		name = NULL;
		for (s = key.p; (s = strstr(s, "node_modules/")); s += 13)
			name = s + 13;
		if (!name || !*name)
			continue;    /* the root "", or a workspace folder */
		if ((rc = npm_entry_read(c, &m, &e)) < 0)
			break;
		if (e.link || !e.have_version)
			continue;
		rc = npm_add(c, e.have_name ? e.name.p : name, e.version.p, line);
	}
	buf_release(&key);
	buf_release(&e.version);
	buf_release(&e.name);
	return rc;
}

/* lockfileVersion 1: "dependencies": {"a": {"version", "dependencies"}} */
static int npm_dependencies(struct lctx *c, const char *obj, int depth)
{
	struct npm_entry e = { BUF_INIT, BUF_INIT, 0, 0, 0, NULL, NULL };
	struct buf key = BUF_INIT;
	const char *p = obj;
	struct jmember m;
	int rc = 0;

	if (depth > LOCKFILE_MAX_DEPTH)
		return ak_data_error(c->path, line_of(c, obj), "dependencies nested more than %d deep",
			    LOCKFILE_MAX_DEPTH);
	while (rc == 0 && obj_next(&p, c->end, &m)) {
		int line = line_of(c, m.key);

		if (decode_into(&key, m.key, m.key_len) < 0 || !key.len) {
			rc = ak_data_error(c->path, line, "unreadable package name");
			break;
		}
		if ((rc = npm_entry_read(c, &m, &e)) < 0)
			break;
		if (e.have_version && (rc = npm_add(c, key.p, e.version.p, line)) < 0)
			break;
		if (e.deps)
			rc = npm_dependencies(c, e.deps, depth + 1);
	}
	buf_release(&key);
	buf_release(&e.version);
	buf_release(&e.name);
	return rc;
}

static int parse_npm(struct lctx *c)
{
	struct jscan *js = malloc(sizeof(*js));
	const struct jscan_member *pk, *deps;
	int rc;

	if (!js)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (jscan_parse(js, c->text, (size_t)(c->end - c->text)) < 0) {
		rc = ak_data_error(c->path, line_of(c, c->text + js->err_off), "not a JSON lockfile: %s", js->err);
		goto out;
	}
	if (js->type != JS_OBJECT) {
		rc = ak_data_error(c->path, 1, "not a JSON object");
		goto out;
	}
	pk = jscan_find(js, "packages");
	deps = jscan_find(js, "dependencies");
	if (pk && pk->type == JS_OBJECT)
		rc = npm_packages(c, pk->val);
	else if (deps && deps->type == JS_OBJECT)
		rc = npm_dependencies(c, deps->val, 1);
	else
		rc = ak_data_error(c->path, 1, "neither \"packages\" nor \"dependencies\"");
out:
	free(js);
	return rc;
}

/* ---- requirements.txt ------------------------------------------------- */

static int is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* PEP 503: lowercase, each run of "-", "_", "." one "-". */
static int pep503(struct buf *b, const char *name, size_t n)
{
	buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (ch == '-' || ch == '_' || ch == '.') {
			while (i + 1 < n && (name[i + 1] == '-' || name[i + 1] == '_' ||
					     name[i + 1] == '.'))
				i++;
			ch = '-';
		} else if (ch >= 'A' && ch <= 'Z') {
			ch = (char)(ch + 32);
		}
		if (buf_addch(b, ch) < 0)
			return -1;
	}
	return 0;
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "-r FILE", "--requirement=FILE", "-c FILE"...: 1 handled, 0 another option. */
static int req_include(struct lctx *c, const char *l, int line, int *rc)
{
	static const struct { const char *opt; int constraint; } incl[] = {
		{ "--requirement", 0 }, { "--constraint", 1 }, { "-r", 0 }, { "-c", 1 },
	};
	char file[1024];

	for (size_t i = 0; i < sizeof(incl) / sizeof(*incl); i++) {
		size_t n = strlen(incl[i].opt), fl;
		const char *f = l + n;

		if (strncmp(l, incl[i].opt, n))
			continue;
		if (*f == '=')
			f++;
		else if (*f == ' ' || *f == '\t')
			f = skip_blank(f);
		else if (n > 2 && *f)
			continue;       /* another option that starts alike */
		fl = strcspn(f, " \t");
		if (!fl || fl >= sizeof(file)) {
			*rc = ak_data_error(c->path, line, "cannot read the file name of %s", incl[i].opt);
			return 1;
		}
		memcpy(file, f, fl);
		file[fl] = '\0';
		if (c->opts && c->opts->include)
			*rc = c->opts->include(file, line, incl[i].constraint, c->opts->ctx);
		return 1;
	}
	return 0;
}

/* One logical line, comments and continuations removed, trimmed. */
static int req_line(struct lctx *c, char *l, int line, struct buf *name)
{
	const char *p = l, *n0, *spec, *eq = NULL;
	size_t nlen, vlen;
	char *semi, *hash;
	int rc = 0;

	if (*p == '-')
		return req_include(c, p, line, &rc) ? rc : 0;
	if (strstr(p, "://") || *p == '.' || *p == '/' || *p == '~')
		return 0;    /* a URL or a path */
	if (!is_name_char((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')
		return ak_data_error(c->path, line, "cannot read a requirement");
	n0 = p;
	while (is_name_char((unsigned char)*p))
		p++;
	nlen = (size_t)(p - n0);
	p = skip_blank(p);
	if (*p == '[') {
		const char *close = strchr(p, ']');

		if (!close)
			return ak_data_error(c->path, line, "unterminated [extras]");
		p = skip_blank(close + 1);
	}
	if ((semi = strchr(p, ';')))
		*semi = '\0';           /* environment markers */
	if ((hash = strstr(p, " --")) || (hash = strstr(p, "\t--")))
		*hash = '\0';           /* --hash=... and other per-line options */
	if (!*p || *p == '@')
		return 0;               /* no version, or a direct reference */
	/* the clauses, separated by commas: one must be == or === */
	for (spec = p; *spec;) {
		const char *e = strchr(spec, ',');
		const char *s = skip_blank(spec);

		if (!e)
			e = spec + strlen(spec);
		if (!strchr("=!<>~", *s))
			return ak_data_error(c->path, line, "cannot read the version specifier");
		if (s[0] == '=' && s[1] == '=')
			eq = s + (s[2] == '=' ? 3 : 2);
		spec = *e ? e + 1 : e;
	}
	if (!eq)
		return 0;               /* not pinned */
	eq = skip_blank(eq);
	vlen = strcspn(eq, ", \t");
	if (!vlen)
		return ak_data_error(c->path, line, "empty version after ==");
	if (memchr(eq, '*', vlen))
		return 0;               /* ==1.2.*: a range */
	if (pep503(name, n0, nlen) < 0)
		return -1;
	return add_dep(c, name->p, name->len, eq, vlen, line);
}

static int parse_requirements(struct lctx *c)
{
	struct buf l = BUF_INIT, name = BUF_INIT;
	const char *p = c->text;
	int line = 0, rc = 0;

	buf_init(&l, 65536);
	buf_init(&name, 4 * LOCKFILE_MAX_FIELD);
	while (p < c->end && rc == 0) {
		int first = line + 1;
		char *s, *e, *hashc;

		buf_reset(&l);
		/* join lines ending in a backslash */
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(c->end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(c->end - p);
			int cont;

			line++;
			if (n && p[n - 1] == '\r')
				n--;
			cont = n && p[n - 1] == '\\';
			if (memchr(p, '\0', n)) {
				rc = ak_data_error(c->path, line, "NUL byte in a requirements file");
				break;
			}
			if (buf_add(&l, p, cont ? n - 1 : n) < 0 || buf_addch(&l, ' ') < 0) {
				rc = ak_data_error(c->path, first, "line longer than %zu bytes", l.max);
				break;
			}
			p = nl ? nl + 1 : c->end;
			if (!cont || p >= c->end)
				break;
		}
		if (rc)
			break;
		s = l.p;
		/* a comment: "#" at the start or after white space */
		for (hashc = s; (hashc = strchr(hashc, '#')); hashc++)
			if (hashc == s || hashc[-1] == ' ' || hashc[-1] == '\t') {
				*hashc = '\0';
				break;
			}
		s = (char *)skip_blank(s);
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*s)
			rc = req_line(c, s, first, &name);
	}
	buf_release(&l);
	buf_release(&name);
	return rc;
}

/* ---- go.mod ----------------------------------------------------------- */

#define GOMOD_MAX_TOKENS 8

struct gotok {
	const char *p;
	size_t n;
};

/* Split a line (comment removed) into tokens; quoted ones lose their quotes. */
static int go_tokens(struct lctx *c, const char *p, const char *e, int line,
		     struct gotok *t, int *nt)
{
	*nt = 0;
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p >= e || (p + 1 < e && p[0] == '/' && p[1] == '/'))
			return 0;
		if (*nt == GOMOD_MAX_TOKENS)
			return ak_data_error(c->path, line, "too many words on a line");
		if (*p == '"' || *p == '`') {
			const char *q = memchr(p + 1, *p, (size_t)(e - p - 1));

			if (!q)
				return ak_data_error(c->path, line, "unterminated quoted string");
			t[*nt].p = p + 1;
			t[*nt].n = (size_t)(q - p - 1);
			p = q + 1;
		} else {
			const char *s = p;

			while (p < e && *p != ' ' && *p != '\t' && *p != '\r' &&
			       !(p + 1 < e && p[0] == '/' && p[1] == '/'))
				p++;
			t[*nt].p = s;
			t[*nt].n = (size_t)(p - s);
		}
		(*nt)++;
	}
}

static int tok_is(const struct gotok *t, const char *s)
{
	return t->n == strlen(s) && !memcmp(t->p, s, t->n);
}

struct goreplace {
	struct gotok old, old_ver, new, new_ver;   /* versions: n 0 when absent */
};

struct gomod {
	struct goreplace *rep;
	size_t nrep, arep;
};

static int go_replace(struct lctx *c, struct gomod *g, const struct gotok *t, int nt, int line)
{
	struct goreplace r = { 0 };
	int arrow = -1;

	for (int i = 0; i < nt; i++)
		if (tok_is(&t[i], "=>"))
			arrow = i;
	if (arrow < 1 || arrow > 2 || nt - arrow - 1 < 1 || nt - arrow - 1 > 2)
		return ak_data_error(c->path, line, "cannot read the replace directive");
	r.old = t[0];
	if (arrow == 2)
		r.old_ver = t[1];
	r.new = t[arrow + 1];
	if (nt - arrow - 1 == 2)
		r.new_ver = t[arrow + 2];
	if (g->nrep == g->arep) {
		size_t na = g->arep ? g->arep * 2 : 8;
		void *nr;

		if (na > LOCKFILE_MAX_DEPS)
			return ak_data_error(c->path, line, "too many replace directives");
		nr = realloc(g->rep, na * sizeof(*g->rep));
		if (!nr)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		g->rep = nr;
		g->arep = na;
	}
	g->rep[g->nrep++] = r;
	return 0;
}

/* The replacement for path@ver: one naming the version beats one that does not. */
static const struct goreplace *go_find(const struct gomod *g, const char *path,
				       const char *ver)
{
	const struct goreplace *any = NULL;

	for (size_t i = 0; i < g->nrep; i++) {
		const struct goreplace *r = &g->rep[i];

		if (!tok_is(&r->old, path))
			continue;
		if (!r->old_ver.n)
			any = r;
		else if (tok_is(&r->old_ver, ver))
			return r;
	}
	return any;
}

static const char *strip_v(const char *v, size_t *n)
{
	if (*n > 1 && v[0] == 'v' && v[1] >= '0' && v[1] <= '9') {
		(*n)--;
		return v + 1;
	}
	return v;
}

/* Apply the replacements to the requires read (deps[from..]), in place. */
static int go_apply(struct lctx *c, struct gomod *g, size_t from)
{
	struct lockfile_deps *d = c->out;
	size_t w = from;

	for (size_t i = from; i < d->n; i++) {
		struct lockfile_dep *e = &d->v[i];
		const struct goreplace *r = go_find(g, e->name, e->version);
		size_t vn;
		const char *v;

		if (r && !r->new_ver.n) {
			free(e->name);      /* a local folder */
			free(e->version);
			continue;
		}
		if (r) {
			char *nn = dup_n(r->new.p, r->new.n);
			char *nv = dup_n(r->new_ver.p, r->new_ver.n);

			if (!nn || !nv) {
				free(nn);
				free(nv);
				return ak_error(AK_EXIT_SOFTWARE, "out of memory");
			}
			free(e->name);
			free(e->version);
			e->name = nn;
			e->version = nv;
		}
		vn = strlen(e->version);
		v = strip_v(e->version, &vn);
		memmove(e->version, v, vn + 1);
		d->v[w++] = *e;
	}
	d->n = w;
	return 0;
}

static int parse_gomod(struct lctx *c)
{
	struct gomod g = { NULL, 0, 0 };
	const char *p = c->text;
	size_t from = c->out->n;
	struct gotok t[GOMOD_MAX_TOKENS];
	char block[16] = "";
	int line = 0, nt, rc = 0;

	while (p < c->end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(c->end - p));
		const char *e = nl ? nl : c->end;
		const struct gotok *a = t;
		int na;

		line++;
		if (memchr(p, '\0', (size_t)(e - p))) {
			rc = ak_data_error(c->path, line, "NUL byte in go.mod");
			break;
		}
		rc = go_tokens(c, p, e, line, t, &nt);
		p = nl ? nl + 1 : c->end;
		if (rc < 0 || nt == 0)
			continue;
		if (*block) {
			if (nt == 1 && tok_is(&t[0], ")")) {
				*block = '\0';
				continue;
			}
		} else {
			if (nt == 2 && tok_is(&t[1], "(")) {
				snprintf(block, sizeof(block), "%.*s", (int)t[0].n, t[0].p);
				continue;
			}
			if (nt == 1 && (tok_is(&t[0], "require") || tok_is(&t[0], "replace"))) {
				rc = ak_data_error(c->path, line, "%.*s without arguments", (int)t[0].n, t[0].p);
				continue;
			}
			a = t + 1;
		}
		na = nt - (int)(a - t);
		if (!*block ? tok_is(&t[0], "require") : !strcmp(block, "require")) {
			if (na != 2) {
				rc = ak_data_error(c->path, line, "cannot read the require directive");
				continue;
			}
			rc = add_dep(c, a[0].p, a[0].n, a[1].p, a[1].n, line);
		} else if (!*block ? tok_is(&t[0], "replace") : !strcmp(block, "replace")) {
			rc = go_replace(c, &g, a, na, line);
		}
	}
	if (rc == 0 && *block)
		rc = ak_data_error(c->path, line, "unterminated %s block", block);
	if (rc == 0)
		rc = go_apply(c, &g, from);
	free(g.rep);
	return rc;
}

/* ---- Cargo.lock: a TOML subset ----------------------------------------- */

struct toml {
	struct lctx *c;
	const char *p, *end;
	int line;
};

static void toml_blank(struct toml *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* Past a string at t->p (quote " or '), decoded into out when out is set. */
static int toml_string(struct toml *t, struct buf *out)
{
	char q = *t->p++;

	if (t->p + 1 < t->end && t->p[0] == q && t->p[1] == q)
		return ak_data_error(t->c->path, t->line, "multi-line strings are not supported");
	if (out)
		buf_reset(out);
	while (t->p < t->end && *t->p != q) {
		char ch = *t->p;

		if (ch == '\n' || ch == '\0')
			return ak_data_error(t->c->path, t->line, "unterminated string");
		if (ch == '\\' && q == '"') {
			if (++t->p >= t->end)
				break;
			switch (*t->p) {
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			default:
				return ak_data_error(t->c->path, t->line, "unsupported escape \\%c", *t->p);
			}
		}
		if (out && buf_addch(out, ch) < 0)
			return ak_data_error(t->c->path, t->line, "string longer than %zu bytes", out->max);
		t->p++;
	}
	if (t->p >= t->end)
		return ak_data_error(t->c->path, t->line, "unterminated string");
	t->p++;
	return 0;
}

/* Past an array or inline table, which may span lines and nest. */
static int toml_nested(struct toml *t)
{
	int depth = 0, start = t->line;

	while (t->p < t->end) {
		char ch = *t->p;

		if (ch == '"' || ch == '\'') {
			if (toml_string(t, NULL) < 0)
				return -1;
			continue;
		}
		if (ch == '#') {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
			continue;
		}
		if (ch == '\n')
			t->line++;
		if (ch == '[' || ch == '{') {
			if (++depth > LOCKFILE_MAX_DEPTH)
				return ak_data_error(t->c->path, t->line, "arrays nested too deep");
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
		t->p++;
		if (depth == 0)
			return 0;
	}
	return ak_data_error(t->c->path, start, "unterminated array");
}

/* The rest of the line must be blank or a comment. */
static int toml_eol(struct toml *t)
{
	toml_blank(t);
	if (t->p < t->end && *t->p == '#')
		while (t->p < t->end && *t->p != '\n')
			t->p++;
	if (t->p < t->end && *t->p == '\r')
		t->p++;
	if (t->p < t->end && *t->p != '\n')
		return ak_data_error(t->c->path, t->line, "unexpected text after a value");
	return 0;
}

struct cargo_pkg {
	struct buf name, version;
	int have_name, have_version, have_source, line, active;
};

static int cargo_flush(struct lctx *c, struct cargo_pkg *k)
{
	int rc = 0;

	if (k->active && (!k->have_name || !k->have_version))
		rc = ak_data_error(c->path, k->line, "[[package]] without a name or version");
	else if (k->active && k->have_source)
		rc = add_dep(c, k->name.p, k->name.len, k->version.p, k->version.len, k->line);
	k->active = k->have_name = k->have_version = k->have_source = 0;
	return rc;
}

static int toml_header(struct toml *t, struct cargo_pkg *k)
{
	int arr = t->p + 1 < t->end && t->p[1] == '[';
	const char *s = t->p + (arr ? 2 : 1), *e = s;
	int line = t->line;

	while (e < t->end && *e != ']' && *e != '\n')
		e++;
	if (e >= t->end || *e != ']' || (arr && (e + 1 >= t->end || e[1] != ']')))
		return ak_data_error(t->c->path, line, "cannot read a table header");
	if (cargo_flush(t->c, k) < 0)
		return -1;
	t->p = e + (arr ? 2 : 1);
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (arr && e - s == 7 && !memcmp(s, "package", 7)) {
		k->active = 1;
		k->line = line;
	}
	return toml_eol(t);
}

static int toml_pair(struct toml *t, struct cargo_pkg *k, struct buf *tmp)
{
	const char *ks = t->p;
	size_t kn;
	struct buf *into = NULL;
	int line = t->line;

	if (*t->p == '"' || *t->p == '\'') {
		if (toml_string(t, tmp) < 0)
			return -1;
		ks = "";     /* a quoted key is none of name, version, source */
		kn = 0;
	} else {
		while (t->p < t->end && (is_name_char((unsigned char)*t->p)))
			t->p++;
		kn = (size_t)(t->p - ks);
		if (!kn)
			return ak_data_error(t->c->path, line, "cannot read a key");
	}
	toml_blank(t);
	if (t->p >= t->end || *t->p != '=')
		return ak_data_error(t->c->path, line, "expected '=' after a key");
	t->p++;
	toml_blank(t);
	if (k->active && kn == 4 && !memcmp(ks, "name", 4)) {
		into = &k->name;
		k->have_name = 1;
		k->line = line;
	} else if (k->active && kn == 7 && !memcmp(ks, "version", 7)) {
		into = &k->version;
		k->have_version = 1;
	} else if (k->active && kn == 6 && !memcmp(ks, "source", 6)) {
		into = tmp;
		k->have_source = 1;
	}
	if (t->p >= t->end || *t->p == '\n')
		return ak_data_error(t->c->path, line, "a key without a value");
	if (*t->p == '"' || *t->p == '\'') {
		if (toml_string(t, into ? into : tmp) < 0)
			return -1;
	} else if (*t->p == '[' || *t->p == '{') {
		if (into)
			return ak_data_error(t->c->path, line, "expected a string");
		if (toml_nested(t) < 0)
			return -1;
	} else {
		if (into)
			return ak_data_error(t->c->path, line, "expected a string");
		while (t->p < t->end && !strchr(" \t\r\n#", *t->p))
			t->p++;
	}
	return toml_eol(t);
}

static int parse_cargo(struct lctx *c)
{
	struct cargo_pkg k = { BUF_INIT, BUF_INIT, 0, 0, 0, 0, 0 };
	struct buf tmp = BUF_INIT;
	struct toml t = { c, c->text, c->end, 1 };
	int rc = 0;

	buf_init(&k.name, LOCKFILE_MAX_FIELD);
	buf_init(&k.version, LOCKFILE_MAX_FIELD);
	buf_init(&tmp, 65536);
	while (rc == 0 && t.p < t.end) {
		toml_blank(&t);
		if (t.p >= t.end)
			break;
		switch (*t.p) {
		case '\n':
			t.line++;
			t.p++;
			break;
		case '\r':
		case '#':
			rc = toml_eol(&t);
			break;
		case '[':
			rc = toml_header(&t, &k);
			break;
		default:
			rc = toml_pair(&t, &k, &tmp);
			break;
		}
	}
	if (rc == 0)
		rc = cargo_flush(c, &k);
	buf_release(&k.name);
	buf_release(&k.version);
	buf_release(&tmp);
	return rc;
}

/* ---- entry points ----------------------------------------------------- */

int lockfile_parse_kind(enum lockfile_kind kind, const char *path, const char *text,
			size_t len, const struct lockfile_opts *opts, struct lockfile_deps *out)
{
	struct lctx c = { path, text, text + len, out, lockfile_ecosystem(kind), opts, out->n,
			  0, 1 };
	size_t before = out->n;
	int rc;

	if (len > LOCKFILE_MAX_SIZE)
		return ak_error(AK_EXIT_DATAERR, "%s:1: larger than %zu bytes", path,
				LOCKFILE_MAX_SIZE);
	switch (kind) {
	case LOCKFILE_NPM:
		rc = parse_npm(&c);
		break;
	case LOCKFILE_REQUIREMENTS:
		rc = parse_requirements(&c);
		break;
	case LOCKFILE_GOMOD:
		rc = parse_gomod(&c);
		break;
	case LOCKFILE_CARGO:
		rc = parse_cargo(&c);
		break;
	default:
		return ak_error(AK_EXIT_USAGE, "'%s' is not a lockfile this program reads", path);
	}
	if (rc != 0)
		truncate_deps(out, before);
	return rc;
}

int lockfile_parse(const char *path, const char *text, size_t len,
		   const struct lockfile_opts *opts, struct lockfile_deps *out)
{
	return lockfile_parse_kind(lockfile_kind(path), path, text, len, opts, out);
}
