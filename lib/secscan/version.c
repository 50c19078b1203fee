/*
 * version.c - SemVer 2.0 and PEP 440 version ordering (see version.h).
 *
 * A version is read into a small struct of pointers into the text (for
 * PEP 440, into a lowercased copy), then two such structs are compared
 * field by field. Every number is kept as its digits without leading
 * zeros and compared by length, then byte by byte, so "00012" equals "12"
 * and a hundred-digit number is no problem.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "secscan/version.h"
#include "banned.h"

#define MAX_SEGMENTS 32

struct num {
	const char *p;           /* digits, leading zeros removed ("" is zero) */
	size_t n;
};

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Read the digits at *p into *out; 0, or -1 when there are none. */
static int read_num(const char **p, struct num *out)
{
	const char *s = *p, *e = s;

	while (is_digit((unsigned char)*e))
		e++;
	if (e == s)
		return -1;
	while (s < e - 1 && *s == '0')
		s++;
	if (*s == '0')
		s = e;          /* zero: no digits at all */
	out->p = s;
	out->n = (size_t)(e - s);
	*p = e;
	return 0;
}

static int num_cmp(const struct num *a, const struct num *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->n ? memcmp(a->p, b->p, a->n) : 0;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c < 0 ? -1 : 1;
	return an == bn ? 0 : an < bn ? -1 : 1;
}

static const struct num zero = { "", 0 };

/* ---- SemVer ----------------------------------------------------------- */

struct semver {
	struct num core[3];
	const char *pre;         /* prerelease identifiers, or NULL */
	size_t pre_len;
};

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]; returns the end. */
static const char *identifiers(const char *p)
{
	for (;;) {
		const char *s = p;

		while (is_alnum((unsigned char)*p) || *p == '-')
			p++;
		if (p == s)
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

static int semver_parse(const char *v, struct semver *sv)
{
	const char *p = v;

	if (strlen(v) > VERSION_MAX_LEN)
		return -1;
	while (*p == '=')
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	for (int i = 0; i < 3; i++) {
		sv->core[i] = zero;
		if (i > 0 && *p != '.')
			continue;
		if (i > 0)
			p++;
		if (read_num(&p, &sv->core[i]) < 0)
			return -1;
	}
	sv->pre = NULL;
	sv->pre_len = 0;
	if (*p == '-') {
		const char *e = identifiers(p + 1);

		if (!e)
			return -1;
		sv->pre = p + 1;
		sv->pre_len = (size_t)(e - sv->pre);
		p = e;
	}
	if (*p == '+' && !(p = identifiers(p + 1)))
		return -1;
	return *p ? -1 : 0;
}

static int all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)p[i]))
			return 0;
	return 1;
}

/* SemVer 11.4: identifier by identifier; numbers below words; longer wins. */
static int pre_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn) {
		size_t ie = i, je = j;
		int c, da, db;

		while (ie < an && a[ie] != '.')
			ie++;
		while (je < bn && b[je] != '.')
			je++;
		da = all_digits(a + i, ie - i);
		db = all_digits(b + j, je - j);
		if (da && db) {
			const char *pa = a + i, *pb = b + j;
			struct num x, y;

			read_num(&pa, &x);
			read_num(&pb, &y);
			c = num_cmp(&x, &y);
		} else if (da != db) {
			c = da ? -1 : 1;
		} else {
			c = bytes_cmp(a + i, ie - i, b + j, je - j);
		}
		if (c)
			return c;
		i = ie + (ie < an);
		j = je + (je < bn);
	}
	if (i < an)
		return 1;
	return j < bn ? -1 : 0;
}

static int semver_cmp(const struct semver *a, const struct semver *b)
{
	for (int i = 0; i < 3; i++) {
		int c = num_cmp(&a->core[i], &b->core[i]);

		if (c)
			return c;
	}
	if (!a->pre || !b->pre)
		return a->pre ? -1 : b->pre ? 1 : 0;
	return pre_cmp(a->pre, a->pre_len, b->pre, b->pre_len);
}

/* ---- PEP 440 ---------------------------------------------------------- */

enum { PRE_A, PRE_B, PRE_RC };

struct pep440 {
	char text[VERSION_MAX_LEN + 1];   /* lowercased, trimmed */
	struct num epoch;
	struct num release[MAX_SEGMENTS];
	int nrelease;
	int pre_kind;                     /* -1: none */
	struct num pre;
	int has_post, has_dev;
	struct num post, dev;
	const char *local;                /* segments after '+', or NULL */
};

static int is_sep(int c)
{
	return c == '.' || c == '-' || c == '_';
}

/* Match one of words at *p; the index, or -1. Longer words come first. */
static int keyword(const char **p, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(words[i]);

		if (!strncmp(*p, words[i], l)) {
			*p += l;
			return (int)i;
		}
	}
	return -1;
}

/* [sep] digits, or nothing (0). */
static void opt_number(const char **p, struct num *out)
{
	const char *q = *p;

	if (is_sep((unsigned char)*q))
		q++;
	if (read_num(&q, out) == 0)
		*p = q;
	else
		*out = zero;
}

static const char *const pre_words[] = {
	"alpha", "a", "beta", "b", "preview", "pre", "rc", "c"
};
static const int pre_kinds[] = { PRE_A, PRE_A, PRE_B, PRE_B, PRE_RC, PRE_RC, PRE_RC, PRE_RC };
static const char *const post_words[] = { "post", "rev", "r" };
static const char *const dev_words[] = { "dev" };

/* [sep] keyword [sep] [digits]: 1 when present, 0 when not (p unchanged). */
static int suffix(const char **p, const char *const *words, size_t n, int *which,
		  struct num *out)
{
	const char *q = *p;
	int k;

	if (is_sep((unsigned char)*q))
		q++;
	k = keyword(&q, words, n);
	if (k < 0)
		return 0;
	opt_number(&q, out);
	if (which)
		*which = k;
	*p = q;
	return 1;
}

static int pep440_parse(const char *v, struct pep440 *pv)
{
	const char *s = v, *p;
	size_t n;
	int k;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 0 || n > VERSION_MAX_LEN)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		pv->text[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	pv->text[n] = '\0';
	p = pv->text;
	if (*p == 'v')
		p++;
	pv->epoch = zero;
	{
		const char *q = p;
		struct num e;

		if (read_num(&q, &e) == 0 && *q == '!') {
			pv->epoch = e;
			p = q + 1;
		}
	}
	pv->nrelease = 0;
	do {
		if (pv->nrelease == MAX_SEGMENTS)
			return -1;
		if (pv->nrelease && *p == '.' && is_digit((unsigned char)p[1]))
			p++;
		else if (pv->nrelease)
			break;
		if (read_num(&p, &pv->release[pv->nrelease++]) < 0)
			return -1;
	} while (*p == '.');

	pv->pre_kind = -1;
	if (suffix(&p, pre_words, sizeof(pre_words) / sizeof(*pre_words), &k, &pv->pre))
		pv->pre_kind = pre_kinds[k];
	pv->has_post = 0;
	if (*p == '-' && is_digit((unsigned char)p[1])) {
		p++;
		read_num(&p, &pv->post);
		pv->has_post = 1;
	} else {
		pv->has_post = suffix(&p, post_words, 3, NULL, &pv->post);
	}
	pv->has_dev = suffix(&p, dev_words, 1, NULL, &pv->dev);
	pv->local = NULL;
	if (*p == '+') {
		pv->local = ++p;
		for (;;) {
			const char *st = p;

			while (is_alnum((unsigned char)*p))
				p++;
			if (p == st)
				return -1;
			if (!is_sep((unsigned char)*p))
				break;
			p++;
		}
	}
	return *p ? -1 : 0;
}

/* Local segments: numbers above words, words by bytes, longer wins. */
static int local_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		size_t an = 0, bn = 0;
		int da, db, c;

		while (is_alnum((unsigned char)a[an]))
			an++;
		while (is_alnum((unsigned char)b[bn]))
			bn++;
		da = all_digits(a, an);
		db = all_digits(b, bn);
		if (da && db) {
			const char *pa = a, *pb = b;
			struct num x, y;

			read_num(&pa, &x);
			read_num(&pb, &y);
			c = num_cmp(&x, &y);
		} else if (da != db) {
			c = da ? 1 : -1;
		} else {
			c = bytes_cmp(a, an, b, bn);
		}
		if (c)
			return c;
		a += an + (a[an] != '\0');
		b += bn + (b[bn] != '\0');
	}
	return *a ? 1 : *b ? -1 : 0;
}

/*
 * The pre-release rank: a dev release of a final version (1.0.dev1) sorts
 * before its pre-releases, a final or post release after them.
 */
static int pre_rank(const struct pep440 *v)
{
	if (v->pre_kind >= 0)
		return 1;
	return !v->has_post && v->has_dev ? 0 : 2;
}

static int pep440_cmp(const struct pep440 *a, const struct pep440 *b)
{
	int c, n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;

	if ((c = num_cmp(&a->epoch, &b->epoch)))
		return c;
	for (int i = 0; i < n; i++) {
		c = num_cmp(i < a->nrelease ? &a->release[i] : &zero,
			    i < b->nrelease ? &b->release[i] : &zero);
		if (c)
			return c;
	}
	if (pre_rank(a) != pre_rank(b))
		return pre_rank(a) < pre_rank(b) ? -1 : 1;
	if (pre_rank(a) == 1) {
		if (a->pre_kind != b->pre_kind)
			return a->pre_kind < b->pre_kind ? -1 : 1;
		if ((c = num_cmp(&a->pre, &b->pre)))
			return c;
	}
	if (a->has_post != b->has_post)
		return a->has_post ? 1 : -1;
	if (a->has_post && (c = num_cmp(&a->post, &b->post)))
		return c;
	if (a->has_dev != b->has_dev)
		return a->has_dev ? -1 : 1;
	if (a->has_dev && (c = num_cmp(&a->dev, &b->dev)))
		return c;
	if (!a->local || !b->local)
		return a->local ? 1 : b->local ? -1 : 0;
	return local_cmp(a->local, b->local);
}

/* ---- by ecosystem ----------------------------------------------------- */

enum scheme { SCHEME_NONE, SCHEME_SEMVER, SCHEME_PEP440 };

static enum scheme scheme_of(const char *eco)
{
	if (!eco)
		return SCHEME_NONE;
	if (!strcasecmp(eco, "npm") || !strcasecmp(eco, "crates.io") || !strcasecmp(eco, "Go"))
		return SCHEME_SEMVER;
	if (!strcasecmp(eco, "PyPI"))
		return SCHEME_PEP440;
	return SCHEME_NONE;
}

int version_valid(const char *ecosystem, const char *v)
{
	struct semver sv;
	struct pep440 pv;

	switch (scheme_of(ecosystem)) {
	case SCHEME_SEMVER:
		return v && semver_parse(v, &sv) == 0;
	case SCHEME_PEP440:
		return v && pep440_parse(v, &pv) == 0;
	default:
		return 0;
	}
}

static int bad(const char *ecosystem, const char *v)
{
	return ak_error(AK_EXIT_DATAERR, "cannot read '%.*s' as a %s version",
			VERSION_MAX_LEN, v ? v : "(null)", ecosystem);
}

int version_cmp(const char *ecosystem, const char *a, const char *b, int *cmp)
{
	enum scheme sch = scheme_of(ecosystem);

	if (sch == SCHEME_NONE)
		return ak_error(AK_EXIT_DATAERR, "no version ordering for ecosystem '%s'",
				ecosystem ? ecosystem : "(null)");
	if (!a || !b)
		return bad(ecosystem, a ? b : a);
	if (sch == SCHEME_SEMVER) {
		struct semver x, y;

		if (semver_parse(a, &x) < 0)
			return bad(ecosystem, a);
		if (semver_parse(b, &y) < 0)
			return bad(ecosystem, b);
		*cmp = semver_cmp(&x, &y);
	} else {
		struct pep440 x, y;

		if (pep440_parse(a, &x) < 0)
			return bad(ecosystem, a);
		if (pep440_parse(b, &y) < 0)
			return bad(ecosystem, b);
		*cmp = pep440_cmp(&x, &y);
	}
	return 0;
}
