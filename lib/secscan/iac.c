/*
 * iac.c - structural checks of Terraform files and Dockerfiles.
 *
 * Terraform text is read into a flat tree of nodes by a small HCL reader
 * that also takes JSON (heredoc policies are JSON). It knows blocks
 * (`type "label" "label" { ... }`), attributes (`name = value`, and
 * `"name": value` for JSON), quoted strings with escapes and ${...}
 * interpolation, heredocs, comments, lists, objects and function calls.
 * Anything else is skipped a byte at a time, so broken input costs nothing
 * but hits. The reader keeps an explicit stack of at most MAX_DEPTH open
 * containers and steps over anything nested deeper without looking inside,
 * so no input makes it recurse or run more than linear time.
 *
 * The checks then walk the tree: they look at resource blocks by type and
 * at the literal values of their attributes. A value the reader cannot
 * know (a variable, an interpolation, an expression) never makes a hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "secscan/iac.h"
#include "banned.h"

#define MAX_DEPTH 64
#define MAX_NODES (1u << 21)
#define MAX_SNIPPET 120
#define MAX_STAGES 128

enum nkind { N_OBJECT, N_LIST, N_STRING, N_BARE };

struct span {
	size_t off, len;
};

struct hnode {
	enum nkind kind;
	int parent, first, last, next;
	size_t off;             /* where the entry starts: key, or value */
	struct span key;        /* len 0 and has_key 0: a list element */
	struct span lab[2];
	int nlab;
	struct span val;        /* string content, bare token, or call name */
	unsigned char has_key, is_block, interp, heredoc;
};

struct tree {
	const char *t;
	struct hnode *n;
	size_t nr, alloc;
	int oom;
};

struct frame {
	int node;
	int is_object;
};

struct reader {
	struct tree *tr;
	const char *t;
	size_t p, end;
	struct frame st[MAX_DEPTH];
	int depth;
};

/* The checks and the files they apply to. */
enum ftype { F_TF, F_DOCKER };

static const struct check_def {
	const char *name;
	enum ftype ftype;
} checks[] = {
	{ "docker-root-user", F_DOCKER },
	{ "tf-s3-public-acl", F_TF },
	{ "tf-s3-public-access-block", F_TF },
	{ "tf-sg-open-ssh", F_TF },
	{ "tf-sg-open-rdp", F_TF },
	{ "tf-rds-unencrypted", F_TF },
	{ "tf-rds-public", F_TF },
	{ "tf-ec2-imdsv1", F_TF },
	{ "tf-iam-wildcard", F_TF },
};

#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

/* What every check needs to report: the text, its line starts, the sink. */
struct scan {
	const char *t;
	size_t len;
	size_t *lines;          /* offsets of line starts */
	size_t nlines;
	iac_emit_fn emit;
	void *ctx;
};

int iac_check_known(const char *name)
{
	for (size_t i = 0; name && i < NCHECKS; i++)
		if (!strcmp(checks[i].name, name))
			return 1;
	return 0;
}

/* ---- reporting ---- */

static int index_lines(struct scan *s)
{
	size_t n = 1;

	for (size_t i = 0; i < s->len; i++)
		if (s->t[i] == '\n')
			n++;
	s->lines = malloc(n * sizeof(*s->lines));
	if (!s->lines)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	s->lines[0] = 0;
	s->nlines = 1;
	for (size_t i = 0; i < s->len; i++)
		if (s->t[i] == '\n')
			s->lines[s->nlines++] = i + 1;
	return 0;
}

/* Report a hit for check at offset off: the snippet runs to the line's end. */
static int report(struct scan *s, const char *check, size_t off)
{
	struct iac_hit h;
	size_t lo = 0, hi = s->nlines, e = off;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	while (e < s->len && e - off < MAX_SNIPPET && s->t[e] != '\n' && s->t[e] != '\r')
		e++;
	while (e > off && (s->t[e - 1] == ' ' || s->t[e - 1] == '\t'))
		e--;
	h.check = check;
	h.line = lo + 1 > UINT32_MAX ? UINT32_MAX : (unsigned)(lo + 1);
	h.column = off - s->lines[lo] + 1 > UINT32_MAX ? UINT32_MAX :
		(unsigned)(off - s->lines[lo] + 1);
	h.snippet = s->t + off;
	h.snippet_len = e - off;
	return s->emit(s->ctx, &h) ? -1 : 0;
}

/* ---- the HCL reader ---- */

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static int is_bare(int c)
{
	return is_ident(c) || c == '.' || c == '*';
}

static int new_node(struct reader *r, enum nkind kind, size_t off)
{
	struct tree *tr = r->tr;
	struct hnode *n;
	int parent = r->depth ? r->st[r->depth - 1].node : -1;

	if (tr->oom)
		return -1;
	if (tr->nr == tr->alloc) {
		size_t na = tr->alloc ? tr->alloc * 2 : 64;
		struct hnode *nn;

		if (na > MAX_NODES || !(nn = realloc(tr->n, na * sizeof(*nn)))) {
			tr->oom = na > MAX_NODES ? 2 : 1;
			return -1;
		}
		tr->n = nn;
		tr->alloc = na;
	}
	n = &tr->n[tr->nr];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->parent = parent;
	n->first = n->last = n->next = -1;
	n->off = off;
	if (parent >= 0) {
		struct hnode *pn = &tr->n[parent];

		if (pn->last >= 0)
			tr->n[pn->last].next = (int)tr->nr;
		else
			pn->first = (int)tr->nr;
		pn->last = (int)tr->nr;
	}
	return (int)tr->nr++;
}

static int at(const struct reader *r, size_t i)
{
	return i < r->end ? (unsigned char)r->t[i] : -1;
}

/* Step over a comment at p, if there is one; returns the new position. */
static size_t skip_comment(const struct reader *r, size_t p)
{
	if (at(r, p) == '#' || (at(r, p) == '/' && at(r, p + 1) == '/')) {
		while (p < r->end && r->t[p] != '\n')
			p++;
	} else if (at(r, p) == '/' && at(r, p + 1) == '*') {
		p += 2;
		while (p < r->end && !(r->t[p] == '*' && at(r, p + 1) == '/'))
			p++;
		p = p + 2 < r->end ? p + 2 : r->end;
	}
	return p;
}

/* Blanks and comments; with nl also newlines and commas. */
static size_t skip_space(const struct reader *r, size_t p, int nl)
{
	for (;;) {
		int c = at(r, p);
		size_t q;

		if (c == ' ' || c == '\t' || c == '\r' || (nl && (c == '\n' || c == ','))) {
			p++;
			continue;
		}
		q = skip_comment(r, p);
		if (q == p)
			return p;
		p = q;
	}
}

/*
 * A quoted string at p (on the '"'): its content in *sp, whether it
 * interpolates in *interp. It ends at the closing quote or, unterminated,
 * at the end of the line, and then counts as interpolating (its value is
 * unknown). Returns the position after it.
 */
static size_t read_string(const struct reader *r, size_t p, struct span *sp, int *interp)
{
	size_t q = p + 1;

	*interp = 0;
	while (q < r->end) {
		int c = r->t[q];

		if (c == '\\') {
			q += 2;
			continue;
		}
		if (c == '"' || c == '\n')
			break;
		if ((c == '$' || c == '%') && at(r, q + 1) == '{') {
			int d = 1;

			*interp = 1;
			q += 2;
			while (q < r->end && d > 0) {
				c = r->t[q++];
				if (c == '{')
					d++;
				else if (c == '}')
					d--;
				else if (c == '"')
					while (q < r->end && r->t[q] != '"' && r->t[q] != '\n')
						q += r->t[q] == '\\' ? 2 : 1;
			}
			continue;
		}
		q++;
	}
	if (q > r->end)
		q = r->end;
	sp->off = p + 1;
	sp->len = q - (p + 1);
	if (q < r->end && r->t[q] == '"')
		return q + 1;
	*interp = 1;    /* unterminated: not a literal anyone can rely on */
	return q;
}

/* Past the container opened at p, without looking inside (depth limit). */
static size_t skip_balanced(const struct reader *r, size_t p)
{
	size_t d = 0;

	while (p < r->end) {
		int c = r->t[p], dummy;
		struct span sp;

		if (c == '"') {
			p = read_string(r, p, &sp, &dummy);
			continue;
		}
		if (c == '{' || c == '[' || c == '(')
			d++;
		else if ((c == '}' || c == ']' || c == ')') && --d == 0)
			return p + 1;
		p++;
	}
	return p;
}

/* The rest of an expression after a value: up to a newline or comma. */
static size_t skip_expr_rest(const struct reader *r, size_t p)
{
	size_t d = 0;

	while (p < r->end) {
		int c = r->t[p], dummy;
		struct span sp;

		if (c == '"') {
			p = read_string(r, p, &sp, &dummy);
			continue;
		}
		if (c == '{' || c == '[' || c == '(') {
			d++;
		} else if (c == '}' || c == ']' || c == ')') {
			if (!d)
				return p;
			d--;
		} else if (!d && (c == '\n' || c == ',')) {
			return p;
		}
		p++;
	}
	return p;
}

/* A heredoc at p (on "<<"): its body in *sp; the position after it. */
static size_t read_heredoc(const struct reader *r, size_t p, struct span *sp)
{
	size_t m, mlen, q;

	p += 2;
	if (at(r, p) == '-')
		p++;
	m = p;
	while (p < r->end && is_ident(r->t[p]))
		p++;
	mlen = p - m;
	while (p < r->end && r->t[p] != '\n')
		p++;
	if (!mlen || p >= r->end) {
		sp->off = p;
		sp->len = 0;
		return p;
	}
	sp->off = q = p + 1;
	while (q < r->end) {
		size_t ls = q, b, e;

		while (q < r->end && r->t[q] != '\n')
			q++;
		b = ls;
		e = q;
		while (b < e && (r->t[b] == ' ' || r->t[b] == '\t'))
			b++;
		while (e > b && (r->t[e - 1] == ' ' || r->t[e - 1] == '\t' || r->t[e - 1] == '\r'))
			e--;
		if (e - b == mlen && !memcmp(r->t + b, r->t + m, mlen)) {
			sp->len = ls - sp->off;
			return q;
		}
		if (q < r->end)
			q++;
	}
	sp->len = r->end - sp->off;
	return r->end;
}

/* Open the container node idx: push it, or step over it when too deep. */
static void open_container(struct reader *r, int idx, int is_object, size_t after)
{
	if (r->depth < MAX_DEPTH && idx >= 0) {
		r->st[r->depth].node = idx;
		r->st[r->depth].is_object = is_object;
		r->depth++;
		r->p = after;
	} else {
		r->p = skip_balanced(r, after - 1);
	}
}

static void set_key(struct reader *r, int idx, const struct span *key, int has_key)
{
	if (idx < 0)
		return;
	r->tr->n[idx].has_key = (unsigned char)has_key;
	if (has_key)
		r->tr->n[idx].key = *key;
}

/* A value at r->p, the entry starting at off with the given key. */
static void read_value(struct reader *r, size_t off, const struct span *key, int has_key)
{
	size_t p = r->p, q;
	int c = at(r, p), idx, interp;
	struct span sp;

	if (c == '"') {
		r->p = read_string(r, p, &sp, &interp);
		idx = new_node(r, N_STRING, off);
		set_key(r, idx, key, has_key);
		if (idx >= 0) {
			r->tr->n[idx].val = sp;
			r->tr->n[idx].interp = (unsigned char)interp;
		}
	} else if (c == '<' && at(r, p + 1) == '<') {
		r->p = read_heredoc(r, p, &sp);
		idx = new_node(r, N_STRING, off);
		set_key(r, idx, key, has_key);
		if (idx >= 0) {
			r->tr->n[idx].val = sp;
			r->tr->n[idx].heredoc = 1;
		}
		return;
	} else if (c == '{' || c == '[' || c == '(') {
		idx = new_node(r, c == '{' ? N_OBJECT : N_LIST, off);
		set_key(r, idx, key, has_key);
		open_container(r, idx, c == '{', p + 1);
		return;
	} else if (c >= 0 && is_bare(c)) {
		q = p;
		while (q < r->end && is_bare(r->t[q]))
			q++;
		sp.off = p;
		sp.len = q - p;
		r->p = skip_space(r, q, 0);
		if (at(r, r->p) == '(') {
			idx = new_node(r, N_LIST, off);
			set_key(r, idx, key, has_key);
			if (idx >= 0)
				r->tr->n[idx].val = sp;
			open_container(r, idx, 0, r->p + 1);
			return;
		}
		idx = new_node(r, N_BARE, off);
		set_key(r, idx, key, has_key);
		if (idx >= 0)
			r->tr->n[idx].val = sp;
	} else {
		r->p = p + 1;
		return;
	}
	q = skip_space(r, r->p, 0);
	if (q < r->end && r->t[q] && strchr("?:+-*/%=!<>&|.[", r->t[q]))
		r->p = skip_expr_rest(r, q);
}

/* An entry of an object or block body at r->p. */
static void read_entry(struct reader *r)
{
	size_t p = r->p, off = p;
	int c = at(r, p), interp, nlab = 0, idx;
	struct span key, lab[2];

	if (c == '"') {
		p = read_string(r, p, &key, &interp);
	} else if (is_ident_start(c)) {
		key.off = p;
		while (p < r->end && is_ident(r->t[p]))
			p++;
		key.len = p - key.off;
	} else if (c == '{' || c == '[' || (c == '<' && at(r, p + 1) == '<')) {
		read_value(r, off, NULL, 0);
		return;
	} else {
		r->p = p + 1;
		return;
	}
	p = skip_space(r, p, 0);
	c = at(r, p);
	if ((c == '=' && at(r, p + 1) != '=') || c == ':') {
		r->p = skip_space(r, p + 1, 0);
		while (at(r, r->p) == '\n')
			r->p = skip_space(r, r->p + 1, 0);
		read_value(r, off, &key, 1);
		return;
	}
	for (;;) {
		struct span l;

		c = at(r, p);
		if (c == '"') {
			p = read_string(r, p, &l, &interp);
		} else if (c >= 0 && is_ident_start(c)) {
			l.off = p;
			while (p < r->end && is_ident(r->t[p]))
				p++;
			l.len = p - l.off;
		} else {
			break;
		}
		if (nlab < 2)
			lab[nlab] = l;
		nlab++;
		p = skip_space(r, p, 0);
	}
	if (at(r, p) != '{') {
		r->p = p > r->p ? p : r->p + 1;
		return;
	}
	idx = new_node(r, N_OBJECT, off);
	set_key(r, idx, &key, 1);
	if (idx >= 0) {
		struct hnode *n = &r->tr->n[idx];

		n->is_block = 1;
		n->nlab = nlab < 2 ? nlab : 2;
		for (int i = 0; i < n->nlab; i++)
			n->lab[i] = lab[i];
	}
	open_container(r, idx, 1, p + 1);
}

/*
 * Read text[start..end) into tr (node 0 is the root object). Returns 0, or
 * -1 with ak_error when memory ran out; a node limit just stops reading.
 */
static int tree_read(struct tree *tr, const char *text, size_t start, size_t end)
{
	struct reader r;

	memset(tr, 0, sizeof(*tr));
	tr->t = text;
	r.tr = tr;
	r.t = text;
	r.p = start;
	r.end = end;
	r.depth = 0;
	if (new_node(&r, N_OBJECT, start) < 0)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	r.st[0].node = 0;
	r.st[0].is_object = 1;
	r.depth = 1;
	while (!tr->oom) {
		int c;

		r.p = skip_space(&r, r.p, 1);
		if (r.p >= r.end)
			break;
		c = (unsigned char)r.t[r.p];
		if (c == '}' || c == ']' || c == ')') {
			if (r.depth > 1)
				r.depth--;
			r.p++;
		} else if (r.st[r.depth - 1].is_object) {
			read_entry(&r);
		} else {
			read_value(&r, r.p, NULL, 0);
		}
	}
	if (tr->oom == 1)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static void tree_release(struct tree *tr)
{
	free(tr->n);
	tr->n = NULL;
	tr->nr = tr->alloc = 0;
}

/* ---- looking at the tree ---- */

static int span_is(const char *t, struct span sp, const char *s)
{
	size_t n = strlen(s);

	return sp.len == n && !memcmp(t + sp.off, s, n);
}

static int span_icase(const char *t, struct span sp, const char *s)
{
	size_t n = strlen(s);

	if (sp.len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int a = (unsigned char)t[sp.off + i], b = (unsigned char)s[i];

		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return 1;
}

/* The first child of node idx with this key (case-insensitive), or -1. */
static int child(const struct tree *tr, int idx, const char *key)
{
	for (int c = tr->n[idx].first; c >= 0; c = tr->n[c].next)
		if (tr->n[c].has_key && span_icase(tr->t, tr->n[c].key, key))
			return c;
	return -1;
}

static int span_eq_icase(const char *t, struct span a, struct span b)
{
	if (a.len != b.len)
		return 0;
	for (size_t i = 0; i < a.len; i++) {
		int x = (unsigned char)t[a.off + i], y = (unsigned char)t[b.off + i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/* Whether node idx is a literal (string without interpolation, or bare). */
static int literal(const struct tree *tr, int idx)
{
	return idx >= 0 && ((tr->n[idx].kind == N_STRING && !tr->n[idx].interp &&
			     !tr->n[idx].heredoc) || tr->n[idx].kind == N_BARE);
}

/* Whether node idx is the literal s, or (lists) holds it. */
static int value_has(const struct tree *tr, int idx, const char *s, int icase)
{
	if (idx < 0)
		return 0;
	if (tr->n[idx].kind == N_LIST) {
		for (int c = tr->n[idx].first; c >= 0; c = tr->n[c].next)
			if (literal(tr, c) && (icase ? span_icase(tr->t, tr->n[c].val, s) :
					       span_is(tr->t, tr->n[c].val, s)))
				return 1;
		return 0;
	}
	return literal(tr, idx) && (icase ? span_icase(tr->t, tr->n[idx].val, s) :
				    span_is(tr->t, tr->n[idx].val, s));
}

/* A literal whole number: 0 with *v set, or -1. */
static int value_int(const struct tree *tr, int idx, long *v)
{
	struct span sp;
	int neg = 0;
	long x = 0;

	if (!literal(tr, idx))
		return -1;
	sp = tr->n[idx].val;
	if (sp.len && tr->t[sp.off] == '-') {
		neg = 1;
		sp.off++;
		sp.len--;
	}
	if (!sp.len || sp.len > 9)
		return -1;
	for (size_t i = 0; i < sp.len; i++) {
		int c = tr->t[sp.off + i];

		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (c - '0');
	}
	*v = neg ? -x : x;
	return 0;
}

/* Whether top-level node idx is `resource "type" ...`. */
static int is_resource(const struct tree *tr, int idx, const char *type)
{
	const struct hnode *n = &tr->n[idx];

	return n->is_block && n->nlab >= 1 && span_is(tr->t, n->key, "resource") &&
		span_is(tr->t, n->lab[0], type);
}

static int resource_any(const struct tree *tr, int idx, const char *const *types)
{
	for (; *types; types++)
		if (is_resource(tr, idx, *types))
			return 1;
	return 0;
}

/* ---- Terraform checks ---- */

static int check_s3_acl(struct scan *s, const struct tree *tr, int res)
{
	static const char *const types[] = { "aws_s3_bucket", "aws_s3_bucket_acl", NULL };
	int a;

	if (!resource_any(tr, res, types))
		return 0;
	a = child(tr, res, "acl");
	if (value_has(tr, a, "public-read", 0) || value_has(tr, a, "public-read-write", 0) ||
	    value_has(tr, a, "authenticated-read", 0))
		return report(s, "tf-s3-public-acl", tr->n[a].off);
	return 0;
}

static int check_s3_pab(struct scan *s, const struct tree *tr, int res)
{
	static const char *const flags[] = {
		"block_public_acls", "block_public_policy", "ignore_public_acls",
		"restrict_public_buckets",
	};

	if (!is_resource(tr, res, "aws_s3_bucket_public_access_block"))
		return 0;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int a = child(tr, res, flags[i]);

		if (value_has(tr, a, "false", 1))
			return report(s, "tf-s3-public-access-block", tr->n[a].off);
	}
	return 0;
}

/*
 * Whether the rule body idx lets the world in on port: a world CIDR, and
 * a protocol and port range covering it. *where is the CIDR attribute.
 */
static int rule_open(const struct tree *tr, int idx, long port, int *where)
{
	int cidr4, cidr6, proto, from, to;
	long lo, hi;

	cidr4 = child(tr, idx, "cidr_blocks");
	if (cidr4 < 0)
		cidr4 = child(tr, idx, "cidr_ipv4");
	cidr6 = child(tr, idx, "ipv6_cidr_blocks");
	if (cidr6 < 0)
		cidr6 = child(tr, idx, "cidr_ipv6");
	if (value_has(tr, cidr4, "0.0.0.0/0", 0))
		*where = cidr4;
	else if (value_has(tr, cidr6, "::/0", 0))
		*where = cidr6;
	else
		return 0;
	proto = child(tr, idx, "protocol");
	if (proto < 0)
		proto = child(tr, idx, "ip_protocol");
	if (value_has(tr, proto, "-1", 0) || value_has(tr, proto, "all", 1))
		return 1;
	if (proto >= 0 && !value_has(tr, proto, "tcp", 1) && !value_has(tr, proto, "6", 0))
		return 0;
	from = child(tr, idx, "from_port");
	to = child(tr, idx, "to_port");
	if (value_int(tr, from, &lo) || value_int(tr, to, &hi))
		return 0;
	return lo <= port && port <= hi;
}

static int check_sg_port(struct scan *s, const struct tree *tr, int res, long port,
			 const char *name)
{
	int where;

	if (is_resource(tr, res, "aws_security_group")) {
		for (int c = tr->n[res].first; c >= 0; c = tr->n[c].next) {
			const struct hnode *n = &tr->n[c];

			if (!n->has_key || !span_is(tr->t, n->key, "ingress"))
				continue;
			if (n->kind == N_OBJECT && rule_open(tr, c, port, &where) &&
			    report(s, name, tr->n[where].off))
				return -1;
			if (n->kind != N_LIST)
				continue;
			for (int e = n->first; e >= 0; e = tr->n[e].next)
				if (tr->n[e].kind == N_OBJECT && rule_open(tr, e, port, &where) &&
				    report(s, name, tr->n[where].off))
					return -1;
		}
		return 0;
	}
	if (is_resource(tr, res, "aws_security_group_rule")) {
		if (!value_has(tr, child(tr, res, "type"), "ingress", 0))
			return 0;
	} else if (!is_resource(tr, res, "aws_vpc_security_group_ingress_rule")) {
		return 0;
	}
	if (rule_open(tr, res, port, &where))
		return report(s, name, tr->n[where].off);
	return 0;
}

static int check_rds_unencrypted(struct scan *s, const struct tree *tr, int res)
{
	static const char *const types[] = { "aws_db_instance", "aws_rds_cluster", NULL };
	int a;

	if (!resource_any(tr, res, types))
		return 0;
	a = child(tr, res, "storage_encrypted");
	if (a >= 0) {
		if (value_has(tr, a, "false", 1))
			return report(s, "tf-rds-unencrypted", tr->n[a].off);
		return 0;
	}
	/* A replica or a snapshot restore takes its source's encryption. */
	if (child(tr, res, "replicate_source_db") >= 0 ||
	    child(tr, res, "snapshot_identifier") >= 0 ||
	    child(tr, res, "global_cluster_identifier") >= 0)
		return 0;
	return report(s, "tf-rds-unencrypted", tr->n[res].off);
}

static int check_rds_public(struct scan *s, const struct tree *tr, int res)
{
	static const char *const types[] = {
		"aws_db_instance", "aws_rds_cluster_instance", "aws_rds_cluster", NULL
	};
	int a;

	if (!resource_any(tr, res, types))
		return 0;
	a = child(tr, res, "publicly_accessible");
	if (value_has(tr, a, "true", 1))
		return report(s, "tf-rds-public", tr->n[a].off);
	return 0;
}

static int check_imdsv1(struct scan *s, const struct tree *tr, int res)
{
	static const char *const types[] = { "aws_instance", "aws_launch_template", NULL };
	int mo, tok;

	if (!resource_any(tr, res, types))
		return 0;
	mo = child(tr, res, "metadata_options");
	if (mo < 0 || tr->n[mo].kind != N_OBJECT)
		return mo < 0 ? report(s, "tf-ec2-imdsv1", tr->n[res].off) : 0;
	if (value_has(tr, child(tr, mo, "http_endpoint"), "disabled", 0))
		return 0;
	tok = child(tr, mo, "http_tokens");
	if (tok < 0)
		return report(s, "tf-ec2-imdsv1", tr->n[mo].off);
	if (literal(tr, tok) && !value_has(tr, tok, "required", 0))
		return report(s, "tf-ec2-imdsv1", tr->n[tok].off);
	return 0;
}

/*
 * Statements allowing every action on every resource: an object with
 * Action/actions "*" or "*:*" and Resource/resources "*", not Effect Deny.
 */
static int check_iam_tree(struct scan *s, const struct tree *tr)
{
	for (size_t i = 0; i < tr->nr; i++) {
		int idx = (int)i, act, res, eff;

		if (tr->n[i].kind != N_OBJECT)
			continue;
		act = child(tr, idx, "action");
		if (act < 0)
			act = child(tr, idx, "actions");
		if (!value_has(tr, act, "*", 0) && !value_has(tr, act, "*:*", 0))
			continue;
		res = child(tr, idx, "resource");
		if (res < 0)
			res = child(tr, idx, "resources");
		if (!value_has(tr, res, "*", 0))
			continue;
		eff = child(tr, idx, "effect");
		if (eff >= 0 && !value_has(tr, eff, "allow", 1))
			continue;
		if (report(s, "tf-iam-wildcard", tr->n[act].off))
			return -1;
	}
	return 0;
}

/* The IAM check over the tree and over JSON heredocs in it. */
static int check_iam(struct scan *s, const struct tree *tr)
{
	if (check_iam_tree(s, tr))
		return -1;
	for (size_t i = 0; i < tr->nr; i++) {
		const struct hnode *n = &tr->n[i];
		struct tree sub;
		size_t b = n->val.off, e = n->val.off + n->val.len;
		int r;

		if (n->kind != N_STRING || !n->heredoc)
			continue;
		while (b < e && strchr(" \t\r\n", tr->t[b]))
			b++;
		if (b >= e || tr->t[b] != '{')
			continue;
		if (tree_read(&sub, tr->t, b, e)) {
			tree_release(&sub);
			return -1;
		}
		r = check_iam_tree(s, &sub);
		tree_release(&sub);
		if (r)
			return -1;
	}
	return 0;
}

static int wanted(const char *const *want, const char *name)
{
	if (!want)
		return 1;
	for (; *want; want++)
		if (!strcmp(*want, name))
			return 1;
	return 0;
}

static int scan_tf(struct scan *s, const char *const *want)
{
	struct tree tr;
	int r = 0;

	if (tree_read(&tr, s->t, 0, s->len)) {
		tree_release(&tr);
		return -1;
	}
	for (int c = tr.n[0].first; c >= 0 && !r; c = tr.n[c].next) {
		if (!tr.n[c].is_block)
			continue;
		if (wanted(want, "tf-s3-public-acl"))
			r = r ? r : check_s3_acl(s, &tr, c);
		if (wanted(want, "tf-s3-public-access-block"))
			r = r ? r : check_s3_pab(s, &tr, c);
		if (wanted(want, "tf-sg-open-ssh"))
			r = r ? r : check_sg_port(s, &tr, c, 22, "tf-sg-open-ssh");
		if (wanted(want, "tf-sg-open-rdp"))
			r = r ? r : check_sg_port(s, &tr, c, 3389, "tf-sg-open-rdp");
		if (wanted(want, "tf-rds-unencrypted"))
			r = r ? r : check_rds_unencrypted(s, &tr, c);
		if (wanted(want, "tf-rds-public"))
			r = r ? r : check_rds_public(s, &tr, c);
		if (wanted(want, "tf-ec2-imdsv1"))
			r = r ? r : check_imdsv1(s, &tr, c);
	}
	if (!r && wanted(want, "tf-iam-wildcard"))
		r = check_iam(s, &tr);
	tree_release(&tr);
	return r;
}

/* ---- Dockerfiles ---- */

struct stage {
	struct span alias;
	int has_user;
	size_t user_off;        /* the USER instruction */
	struct span user;       /* its first word */
	int nonroot_base;
};

/* One logical instruction: continuation lines joined, comment lines skipped. */
struct instr {
	size_t off, end;        /* of the whole instruction */
	struct span word;       /* the instruction name */
	size_t args;            /* where its arguments start */
};

static int span_has(const char *t, struct span sp, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= sp.len; i++)
		if (!memcmp(t + sp.off + i, s, n))
			return 1;
	return 0;
}

/* The next instruction at or after *p; 0, or -1 at the end of the text. */
static int next_instr(const char *t, size_t len, size_t *p, char esc, struct instr *in)
{
	size_t q = *p;

	for (;;) {
		while (q < len && (t[q] == ' ' || t[q] == '\t' || t[q] == '\r' || t[q] == '\n'))
			q++;
		if (q >= len)
			return -1;
		if (t[q] != '#')
			break;
		while (q < len && t[q] != '\n')
			q++;
	}
	in->off = q;
	in->word.off = q;
	while (q < len && !strchr(" \t\r\n", t[q]))
		q++;
	in->word.len = q - in->word.off;
	while (q < len && (t[q] == ' ' || t[q] == '\t'))
		q++;
	in->args = q;
	for (;;) {
		size_t e;

		while (q < len && t[q] != '\n')
			q++;
		e = q;
		while (e > in->off && strchr(" \t\r", t[e - 1]))
			e--;
		if (e == in->off || t[e - 1] != esc || q >= len)
			break;
		q++;
		/* Comment lines inside a continued instruction do not end it. */
		while (q < len) {
			size_t b = q;

			while (b < len && (t[b] == ' ' || t[b] == '\t'))
				b++;
			if (b >= len || t[b] != '#')
				break;
			while (b < len && t[b] != '\n')
				b++;
			q = b < len ? b + 1 : b;
		}
	}
	in->end = q;
	*p = q;
	return 0;
}

/* The word at p (up to a blank or the instruction's end). */
static size_t word_at(const char *t, size_t p, size_t end, struct span *w)
{
	while (p < end && strchr(" \t\r\n", t[p]))
		p++;
	w->off = p;
	while (p < end && !strchr(" \t\r\n", t[p]))
		p++;
	w->len = p - w->off;
	return p;
}

/* The escape character from a "# escape=`" parser directive, or '\\'. */
static char docker_escape(const char *t, size_t len)
{
	size_t p = 0;

	while (p < len && t[p] == '#') {
		size_t e = p;

		while (e < len && t[e] != '\n')
			e++;
		for (size_t i = p + 1; i < e; i++) {
			if (t[i] == ' ' || t[i] == '\t')
				continue;
			if (e - i >= 8 && !memcmp(t + i, "escape=`", 8))
				return '`';
			break;
		}
		p = e < len ? e + 1 : e;
	}
	return '\\';
}

static void from_stage(const char *t, const struct instr *in, struct stage *st,
		       const struct stage *prev, size_t nprev)
{
	struct span image, w;
	size_t p = in->args;

	memset(st, 0, sizeof(*st));
	do
		p = word_at(t, p, in->end, &image);
	while (image.len > 2 && t[image.off] == '-' && t[image.off + 1] == '-');
	p = word_at(t, p, in->end, &w);
	if (span_icase(t, w, "as"))
		word_at(t, p, in->end, &st->alias);
	st->nonroot_base = span_has(t, image, "nonroot");
	for (size_t i = nprev; i-- > 0;) {
		if (!prev[i].alias.len || !span_eq_icase(t, image, prev[i].alias))
			continue;
		st->has_user = prev[i].has_user;
		st->user_off = prev[i].user_off;
		st->user = prev[i].user;
		st->nonroot_base = prev[i].nonroot_base;
		break;
	}
}

/* Whether the USER value (user[:group]) names root. */
static int user_is_root(const char *t, struct span u)
{
	struct span name = u;

	for (size_t i = 0; i < u.len; i++)
		if (t[u.off + i] == ':') {
			name.len = i;
			break;
		}
	return span_is(t, name, "root") || span_is(t, name, "0");
}

static int scan_docker(struct scan *s, const char *const *want)
{
	struct stage *stages;
	struct stage cur;
	size_t nst = 0, p = 0, from_off = 0;
	int have = 0, r = 0;
	char esc = docker_escape(s->t, s->len);
	struct instr in;

	if (!wanted(want, "docker-root-user"))
		return 0;
	stages = calloc(MAX_STAGES, sizeof(*stages));
	if (!stages)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	memset(&cur, 0, sizeof(cur));
	while (!next_instr(s->t, s->len, &p, esc, &in)) {
		if (span_icase(s->t, in.word, "from")) {
			if (have && nst < MAX_STAGES)
				stages[nst++] = cur;
			from_stage(s->t, &in, &cur, stages, nst);
			from_off = in.off;
			have = 1;
		} else if (have && span_icase(s->t, in.word, "user")) {
			cur.has_user = 1;
			cur.user_off = in.off;
			word_at(s->t, in.args, in.end, &cur.user);
		}
	}
	if (have) {
		if (cur.has_user && user_is_root(s->t, cur.user))
			r = report(s, "docker-root-user", cur.user_off);
		else if (!cur.has_user && !cur.nonroot_base)
			r = report(s, "docker-root-user", from_off);
	}
	free(stages);
	return r;
}

/* ---- entry ---- */

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int file_type(const char *path, enum ftype *ft)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (ends_with(base, n, ".tf")) {
		*ft = F_TF;
		return 0;
	}
	if (!strncmp(base, "Dockerfile", 10) || !strncmp(base, "Containerfile", 13) ||
	    ends_with(base, n, ".dockerfile")) {
		*ft = F_DOCKER;
		return 0;
	}
	return -1;
}

int iac_scan(const char *path, const char *text, size_t len,
	     const char *const *want, iac_emit_fn emit, void *ctx)
{
	struct scan s;
	enum ftype ft;
	int r;

	if (!path || file_type(path, &ft))
		return 0;
	memset(&s, 0, sizeof(s));
	s.t = text;
	s.len = text ? len : 0;
	s.emit = emit;
	s.ctx = ctx;
	if (index_lines(&s))
		return -1;
	r = ft == F_TF ? scan_tf(&s, want) : scan_docker(&s, want);
	free(s.lines);
	return r;
}
