/*
 * coverage.c - coverage reports (lcov, gcov JSON, coverage.py JSON,
 * Cobertura XML) read into the coverage part of the result model.
 *
 * Every reader turns one source file of a report into a struct fcov: counts,
 * plus per-line and per-branch hit maps when the format has them. merge_file()
 * adds it to the model, taking the union with an earlier report of the same
 * file when both have maps, the larger counts otherwise. The maps live under
 * "_detail" in the model until coverage_finish() drops them.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "buf.h"
#include "error.h"
#include "results/coverage.h"
#include "banned.h"

#define COBERTURA_MAX (256u << 20)
#define BRANCHES_PER_LINE_MAX 4096   /* bounds a hostile "(1/99999999)" */

struct fcov {
	json_t *lines;        /* "N" -> hits, or NULL: counts only */
	json_t *branches;     /* key -> times taken, or NULL: counts only */
	json_int_t lc, lt, bc, bt;
	int has_branches;
	const char *scheme;   /* how the branch keys are made, per format */
};

static json_t *counts(json_int_t covered, json_int_t total)
{
	return json_pack("{s:I,s:I}", "covered", covered, "total", total);
}

json_t *coverage_new(void)
{
	return json_pack("{s:o,s:n,s:[]}", "lines", counts(0, 0),
			 "branches", "files");
}

static void fcov_release(struct fcov *f)
{
	json_decref(f->lines);
	json_decref(f->branches);
	memset(f, 0, sizeof(*f));
}

/* Record hits for key in map, keeping the larger value. 0 or -1. */
static int map_hit(json_t *map, const char *key, json_int_t hits)
{
	json_t *old = json_object_get(map, key);

	if (old && json_integer_value(old) >= hits)
		return 0;
	return json_object_set_new(map, key, json_integer(hits));
}

static void map_count(json_t *map, json_int_t *covered, json_int_t *total)
{
	const char *k;
	json_t *v;

	*covered = 0;
	*total = (json_int_t)json_object_size(map);
	json_object_foreach(map, k, v)
		if (json_integer_value(v) > 0)
			(*covered)++;
}

static int map_union(json_t *into, json_t *from)
{
	const char *k;
	json_t *v;

	json_object_foreach(from, k, v)
		if (map_hit(into, k, json_integer_value(v)) < 0)
			return -1;
	return 0;
}

static json_int_t count_of(json_t *c, const char *key)
{
	return json_integer_value(json_object_get(c, key));
}

/*
 * Merge one kind ("lines" or "branches") of f into the file entry e and its
 * detail d. map/cov/tot are f's map and counts.
 */
static int merge_kind(json_t *e, json_t *d, const char *kind, json_t *map,
		      json_int_t cov, json_int_t tot, const char *scheme)
{
	json_t *c = json_object_get(e, kind);
	json_t *old = json_object_get(d, kind);
	char sk[32];
	const char *was;

	snprintf(sk, sizeof(sk), "%s_scheme", kind);
	was = json_string_value(json_object_get(d, sk));
	if (!json_is_object(c)) {
		if (map && (json_object_set(d, kind, map) < 0 ||
			    json_object_set_new(d, sk, json_string(scheme)) < 0))
			return -1;
		return json_object_set_new(e, kind, counts(cov, tot));
	}
	/* Keys made by different formats cannot be matched: use the counts. */
	if (old && map && was && strcmp(was, scheme) == 0) {
		if (map_union(old, map) < 0)
			return -1;
		map_count(old, &cov, &tot);
	} else {
		json_object_del(d, kind);
		if (count_of(c, "covered") > cov)
			cov = count_of(c, "covered");
		if (count_of(c, "total") > tot)
			tot = count_of(c, "total");
	}
	return json_object_set_new(e, kind, counts(cov, tot));
}

static json_t *find_file(json_t *files, const char *path)
{
	size_t i;
	json_t *e;

	json_array_foreach(files, i, e)
		if (strcmp(json_string_value(json_object_get(e, "path")), path) == 0)
			return e;
	return NULL;
}

static int update_totals(json_t *cov)
{
	json_int_t lc = 0, lt = 0, bc = 0, bt = 0;
	int has_branches = 0;
	size_t i;
	json_t *e, *b;

	json_array_foreach(json_object_get(cov, "files"), i, e) {
		lc += count_of(json_object_get(e, "lines"), "covered");
		lt += count_of(json_object_get(e, "lines"), "total");
		b = json_object_get(e, "branches");
		if (json_is_object(b)) {
			has_branches = 1;
			bc += count_of(b, "covered");
			bt += count_of(b, "total");
		}
	}
	if (json_object_set_new(cov, "lines", counts(lc, lt)) < 0)
		return -1;
	return json_object_set_new(cov, "branches",
				   has_branches ? counts(bc, bt) : json_null());
}

/* Add f (released either way) as path to cov. 0 or -1. */
static int merge_file(json_t *cov, const char *path, struct fcov *f)
{
	json_t *files = json_object_get(cov, "files");
	json_t *detail = json_object_get(cov, "_detail");
	json_t *e, *d;
	int r = -1;

	if (f->lines)
		map_count(f->lines, &f->lc, &f->lt);
	if (f->branches)
		map_count(f->branches, &f->bc, &f->bt);
	if (!json_is_array(files))
		goto out;
	if (!detail) {
		detail = json_object();
		if (json_object_set_new(cov, "_detail", detail) < 0)
			goto out;
	}
	e = find_file(files, path);
	if (!e) {
		e = json_pack("{s:s,s:n,s:n}", "path", path, "lines", "branches");
		if (json_array_append_new(files, e) < 0)
			goto out;
		if (json_object_set_new(detail, path, json_object()) < 0)
			goto out;
	}
	d = json_object_get(detail, path);
	if (merge_kind(e, d, "lines", f->lines, f->lc, f->lt, "line") < 0)
		goto out;
	if (f->has_branches &&
	    merge_kind(e, d, "branches", f->branches, f->bc, f->bt,
		       f->scheme) < 0)
		goto out;
	r = update_totals(cov);
out:
	fcov_release(f);
	if (r < 0)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return r;
}

void coverage_finish(json_t *cov)
{
	json_object_del(cov, "_detail");
}

/* ---- lcov ---- */

/* A decimal number in [s, end) with nothing else. 0 or -1. */
static int parse_num(const char *s, const char *end, json_int_t *out)
{
	json_int_t n = 0;

	if (s >= end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || n > (LLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*out = n;
	return 0;
}

/* Split [s, end) at commas into at most max fields; returns the count. */
static int split(const char *s, const char *end, const char **f,
		 const char **fe, int max)
{
	int n = 0;

	while (n < max) {
		const char *c = memchr(s, ',', (size_t)(end - s));

		f[n] = s;
		fe[n++] = c ? c : end;
		if (!c)
			break;
		s = c + 1;
	}
	return n;
}

struct lcov_state {
	const char *name;
	long line;
	char *path;
	struct fcov f;
	json_int_t lf, lh, brf, brh;
	int seen_lf, seen_brf;
};

static int lcov_da(struct lcov_state *st, const char *s, const char *end)
{
	const char *f[3], *fe[3];
	json_int_t ln, hits;
	char key[32];

	if (split(s, end, f, fe, 3) < 2 || parse_num(f[0], fe[0], &ln) < 0 ||
	    parse_num(f[1], fe[1], &hits) < 0 || ln < 1)
		return ak_data_error(st->name, st->line, "bad DA line");
	if (!st->f.lines && !(st->f.lines = json_object()))
		return ak_data_error(st->name, st->line, "out of memory");
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, ln);
	return map_hit(st->f.lines, key, hits);
}

static int lcov_brda(struct lcov_state *st, const char *s, const char *end)
{
	const char *f[4], *fe[4];
	json_int_t ln, block, branch, taken = 0;
	char key[96];

	if (split(s, end, f, fe, 4) != 4 || parse_num(f[0], fe[0], &ln) < 0 ||
	    parse_num(f[1], fe[1], &block) < 0 ||
	    parse_num(f[2], fe[2], &branch) < 0 ||
	    (!(fe[3] - f[3] == 1 && *f[3] == '-') &&
	     parse_num(f[3], fe[3], &taken) < 0))
		return ak_data_error(st->name, st->line, "bad BRDA line");
	if (!st->f.branches && !(st->f.branches = json_object()))
		return ak_data_error(st->name, st->line, "out of memory");
	st->f.has_branches = 1;
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT ",%"
		 JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT, ln, block, branch);
	return map_hit(st->f.branches, key, taken);
}

static int lcov_count(struct lcov_state *st, const char *s, const char *end,
		      json_int_t *out, int *seen)
{
	if (parse_num(s, end, out) < 0)
		return ak_data_error(st->name, st->line, "bad count");
	if (seen)
		*seen = 1;
	return 0;
}

static int lcov_end(json_t *cov, struct lcov_state *st)
{
	if (st->seen_lf && st->lh > st->lf)
		return ak_data_error(st->name, st->line, "LH greater than LF");
	if (st->seen_brf && st->brh > st->brf)
		return ak_data_error(st->name, st->line, "BRH greater than BRF");
	if (!st->f.lines) {
		st->f.lc = st->lh;
		st->f.lt = st->lf;
	}
	if (!st->f.branches && st->seen_brf) {
		st->f.has_branches = 1;
		st->f.bc = st->brh;
		st->f.bt = st->brf;
	}
	return merge_file(cov, st->path, &st->f);
}

static void lcov_reset(struct lcov_state *st)
{
	free(st->path);
	st->path = NULL;
	fcov_release(&st->f);
	st->f.scheme = "lcov";
	st->lf = st->lh = st->brf = st->brh = 0;
	st->seen_lf = st->seen_brf = 0;
}

#define PREFIX(s, n, lit) ((size_t)(n) >= sizeof(lit) - 1 && \
			   memcmp((s), (lit), sizeof(lit) - 1) == 0)

static int lcov_line(json_t *cov, struct lcov_state *st, const char *s,
		     const char *end)
{
	size_t n = (size_t)(end - s);

	if (n == 0 || PREFIX(s, n, "TN:") || PREFIX(s, n, "VER:") || *s == '#')
		return 0;
	if (PREFIX(s, n, "SF:")) {
		if (st->path)
			return ak_data_error(st->name, st->line,
					  "SF before end_of_record");
		if (n == 3 || memchr(s, '\0', n))
			return ak_data_error(st->name, st->line, "bad SF line");
		st->path = strndup(s + 3, n - 3);
		return st->path ? 0 : ak_data_error(st->name, st->line, "out of memory");
	}
	if (!st->path)
		return ak_data_error(st->name, st->line, "not an lcov record line");
	if (n == 13 && memcmp(s, "end_of_record", 13) == 0) {
		int r = lcov_end(cov, st);

		lcov_reset(st);
		return r;
	}
	if (PREFIX(s, n, "DA:"))
		return lcov_da(st, s + 3, end);
	if (PREFIX(s, n, "BRDA:"))
		return lcov_brda(st, s + 5, end);
	if (PREFIX(s, n, "LF:"))
		return lcov_count(st, s + 3, end, &st->lf, &st->seen_lf);
	if (PREFIX(s, n, "LH:"))
		return lcov_count(st, s + 3, end, &st->lh, NULL);
	if (PREFIX(s, n, "BRF:"))
		return lcov_count(st, s + 4, end, &st->brf, &st->seen_brf);
	if (PREFIX(s, n, "BRH:"))
		return lcov_count(st, s + 4, end, &st->brh, NULL);
	if (PREFIX(s, n, "FN") || PREFIX(s, n, "LN"))
		return 0;    /* functions and other lcov keys: not in the model */
	return ak_data_error(st->name, st->line, "not an lcov line");
}

int coverage_read_lcov(json_t *cov, const char *text, size_t len,
		       const char *name)
{
	struct lcov_state st = { .name = name, .f.scheme = "lcov" };
	const char *p = text, *end = text + len;
	int records = 0, r = 0;

	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		st.line++;
		if (le > p && le[-1] == '\r')
			le--;
		if (le - p == 13 && memcmp(p, "end_of_record", 13) == 0)
			records++;
		r = lcov_line(cov, &st, p, le);
		p = nl ? nl + 1 : end;
	}
	if (r == 0 && st.path)
		r = ak_data_error(name, st.line, "truncated: no end_of_record");
	else if (r == 0 && records == 0)
		r = ak_data_error(name, st.line, "no lcov record");
	lcov_reset(&st);
	return r;
}

/* ---- JSON reports ---- */

static json_t *load_json(const char *text, size_t len, const char *name)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);

	if (!root) {
		ak_data_error(name, err.line, "%s", err.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		ak_data_error(name, 1, "not a JSON object");
		return NULL;
	}
	return root;
}

/*
 * JSON values carry no line numbers; errors inside the document name the
 * element instead, after line 1.
 */
static int gcov_line(json_t *line, struct fcov *f, const char *name,
		     size_t fi, size_t li)
{
	json_t *ln = json_object_get(line, "line_number");
	json_t *cnt = json_object_get(line, "count");
	json_t *brs = json_object_get(line, "branches"), *b;
	char key[64];
	size_t bi;

	if (!json_is_integer(ln) || json_integer_value(ln) < 1 ||
	    !json_is_integer(cnt) || json_integer_value(cnt) < 0 ||
	    (brs && !json_is_array(brs)))
		return ak_data_error(name, 1, "files[%zu].lines[%zu]: bad line", fi, li);
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(ln));
	if (map_hit(f->lines, key, json_integer_value(cnt)) < 0)
		return ak_data_error(name, 1, "out of memory");
	if (!brs)
		return 0;
	f->has_branches = 1;
	json_array_foreach(brs, bi, b) {
		json_t *c = json_object_get(b, "count");

		if (!json_is_integer(c) || json_integer_value(c) < 0)
			return ak_data_error(name, 1,
					  "files[%zu].lines[%zu].branches[%zu]: bad count",
					  fi, li, bi);
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT ":%zu",
			 json_integer_value(ln), bi);
		if (map_hit(f->branches, key, json_integer_value(c)) < 0)
			return ak_data_error(name, 1, "out of memory");
	}
	return 0;
}

static int gcov_file(json_t *cov, json_t *file, const char *name, size_t fi)
{
	json_t *path = json_object_get(file, "file");
	json_t *lines = json_object_get(file, "lines"), *l;
	struct fcov f = { .scheme = "gcov" };
	size_t li;

	if (!json_is_string(path) || !json_is_array(lines))
		return ak_data_error(name, 1, "files[%zu]: no file or lines", fi);
	f.lines = json_object();
	f.branches = json_object();
	if (!f.lines || !f.branches) {
		fcov_release(&f);
		return ak_data_error(name, 1, "out of memory");
	}
	json_array_foreach(lines, li, l)
		if (gcov_line(l, &f, name, fi, li) < 0) {
			fcov_release(&f);
			return -1;
		}
	return merge_file(cov, json_string_value(path), &f);
}

int coverage_read_gcov_json(json_t *cov, const char *text, size_t len,
			    const char *name)
{
	json_t *root = load_json(text, len, name), *files, *file;
	size_t i;
	int r = 0;

	if (!root)
		return -1;
	files = json_object_get(root, "files");
	if (!json_is_array(files) || !json_object_get(root, "gcc_version"))
		r = ak_data_error(name, 1, "not a gcov JSON report");
	json_array_foreach(files, i, file)
		if (r == 0)
			r = gcov_file(cov, file, name, i);
	json_decref(root);
	return r;
}

/* Executed and missing entries of a coverage.py file as one hit map. */
static json_t *pycov_map(json_t *hit, json_t *missed)
{
	json_t *map = json_object(), *lists[2] = { missed, hit }, *v;
	char key[64];
	size_t i;

	for (int k = 0; map && k < 2; k++)
		json_array_foreach(lists[k], i, v) {
			if (json_is_integer(v))
				snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));
			else if (json_is_integer(json_array_get(v, 0)) &&
				 json_is_integer(json_array_get(v, 1)))
				snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT
					 ">%" JSON_INTEGER_FORMAT,
					 json_integer_value(json_array_get(v, 0)),
					 json_integer_value(json_array_get(v, 1)));
			else
				goto bad;
			if (json_object_set_new(map, key, json_integer(k)) < 0)
				goto bad;
		}
	return map;
bad:
	json_decref(map);
	return NULL;
}

static int pycov_file(json_t *cov, const char *path, json_t *file,
		      int branch_data, const char *name)
{
	json_t *sum = json_object_get(file, "summary");
	json_t *el = json_object_get(file, "executed_lines");
	json_t *ml = json_object_get(file, "missing_lines");
	json_t *eb = json_object_get(file, "executed_branches");
	json_t *mb = json_object_get(file, "missing_branches");
	struct fcov f = { .scheme = "coveragepy" };

	if (!json_is_object(sum) ||
	    json_unpack(sum, "{s:I,s:I}", "covered_lines", &f.lc,
			"num_statements", &f.lt) < 0 || f.lc < 0 || f.lc > f.lt)
		return ak_data_error(name, 1, "files[\"%s\"]: bad summary", path);
	if (json_is_array(el) && json_is_array(ml) && !(f.lines = pycov_map(el, ml)))
		return ak_data_error(name, 1, "files[\"%s\"]: bad line list", path);
	if (branch_data && json_object_get(sum, "num_branches")) {
		f.has_branches = 1;
		if (json_unpack(sum, "{s:I,s:I}", "covered_branches", &f.bc,
				"num_branches", &f.bt) < 0 || f.bc < 0 ||
		    f.bc > f.bt) {
			fcov_release(&f);
			return ak_data_error(name, 1, "files[\"%s\"]: bad branch summary",
					  path);
		}
		if (json_is_array(eb) && json_is_array(mb) &&
		    !(f.branches = pycov_map(eb, mb))) {
			fcov_release(&f);
			return ak_data_error(name, 1, "files[\"%s\"]: bad branch list",
					  path);
		}
	}
	return merge_file(cov, path, &f);
}

int coverage_read_coveragepy_json(json_t *cov, const char *text, size_t len,
				  const char *name)
{
	json_t *root = load_json(text, len, name), *files, *file, *bc;
	const char *path;
	int r = 0, branch_data;

	if (!root)
		return -1;
	files = json_object_get(root, "files");
	bc = json_object_get(json_object_get(root, "meta"), "branch_coverage");
	branch_data = !json_is_false(bc);
	if (!json_is_object(files) || !json_is_object(json_object_get(root, "totals")))
		r = ak_data_error(name, 1, "not a coverage.py JSON report");
	else
		json_object_foreach(files, path, file)
			if (r == 0)
				r = pycov_file(cov, path, file, branch_data, name);
	json_decref(root);
	return r;
}

/* ---- Cobertura ---- */

struct cob_state {
	const char *name;
	xmlTextReaderPtr r;
	char *path;           /* the class being read, or NULL */
	struct fcov f;
	int root, in_methods, branch_data;
};

static long cob_lineno(struct cob_state *st)
{
	return (long)xmlTextReaderGetParserLineNumber(st->r);
}

/* An integer attribute; -1 (with an error) when absent or not a number. */
static int cob_num(struct cob_state *st, const char *attr, json_int_t *out)
{
	xmlChar *v = xmlTextReaderGetAttribute(st->r, (const xmlChar *)attr);
	int r = v ? parse_num((char *)v, (char *)v + strlen((char *)v), out) : -1;

	xmlFree(v);
	if (r < 0)
		return ak_data_error(st->name, cob_lineno(st),
				  "<%s> needs a numeric %s attribute",
				  (const char *)xmlTextReaderConstLocalName(st->r),
				  attr);
	return 0;
}

/* condition-coverage="50% (1/2)": covered 1 of 2. */
static int cob_condition(const char *s, json_int_t *c, json_int_t *t)
{
	const char *open = strchr(s, '('), *slash, *close;

	if (!open || !(slash = strchr(open, '/')) || !(close = strchr(slash, ')')))
		return -1;
	if (parse_num(open + 1, slash, c) < 0 || parse_num(slash + 1, close, t) < 0)
		return -1;
	return *c <= *t ? 0 : -1;
}

static int cob_line(struct cob_state *st)
{
	json_int_t ln, hits, c = 0, t = 0;
	xmlChar *cond;
	char key[64];
	int r = 0;

	if (cob_num(st, "number", &ln) < 0 || cob_num(st, "hits", &hits) < 0)
		return -1;
	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, ln);
	if (map_hit(st->f.lines, key, hits) < 0)
		return ak_data_error(st->name, cob_lineno(st), "out of memory");
	cond = xmlTextReaderGetAttribute(st->r, (const xmlChar *)"condition-coverage");
	if (cond && cob_condition((char *)cond, &c, &t) < 0)
		r = ak_data_error(st->name, cob_lineno(st),
			       "bad condition-coverage '%s'", (char *)cond);
	xmlFree(cond);
	/* Branch outcomes are not named in Cobertura: key them by position. */
	if (t > BRANCHES_PER_LINE_MAX)
		t = BRANCHES_PER_LINE_MAX;
	for (json_int_t i = 0; r == 0 && i < t; i++) {
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT ":%"
			 JSON_INTEGER_FORMAT, ln, i);
		st->f.has_branches = 1;
		if (map_hit(st->f.branches, key, i < c) < 0)
			r = ak_data_error(st->name, cob_lineno(st), "out of memory");
	}
	return r;
}

static int cob_class_start(struct cob_state *st)
{
	xmlChar *fn = xmlTextReaderGetAttribute(st->r, (const xmlChar *)"filename");

	if (!fn || !*fn || st->path) {
		xmlFree(fn);
		return ak_data_error(st->name, cob_lineno(st),
				  "<class> without a filename");
	}
	st->path = strdup((char *)fn);
	xmlFree(fn);
	st->f.scheme = "cobertura";
	st->f.lines = json_object();
	st->f.branches = json_object();
	if (!st->path || !st->f.lines || !st->f.branches)
		return ak_data_error(st->name, cob_lineno(st), "out of memory");
	return 0;
}

static int cob_class_end(json_t *cov, struct cob_state *st)
{
	int r;

	if (st->branch_data)
		st->f.has_branches = 1;
	if (!st->f.has_branches) {
		json_decref(st->f.branches);
		st->f.branches = NULL;
	}
	r = merge_file(cov, st->path, &st->f);
	free(st->path);
	st->path = NULL;
	return r;
}

static int cob_root(struct cob_state *st, const char *el)
{
	xmlChar *bv;
	json_int_t n = 0;

	if (strcmp(el, "coverage") != 0)
		return ak_data_error(st->name, cob_lineno(st),
				  "not a Cobertura report: root <%s>", el);
	st->root = 1;
	bv = xmlTextReaderGetAttribute(st->r, (const xmlChar *)"branches-valid");
	if (bv && parse_num((char *)bv, (char *)bv + strlen((char *)bv), &n) == 0)
		st->branch_data = n > 0;
	xmlFree(bv);
	return 0;
}

static int cob_element(json_t *cov, struct cob_state *st)
{
	const char *el = (const char *)xmlTextReaderConstLocalName(st->r);
	int empty = xmlTextReaderIsEmptyElement(st->r);

	if (!st->root)
		return cob_root(st, el);
	if (strcmp(el, "methods") == 0 && !empty)
		st->in_methods = 1;
	else if (strcmp(el, "class") == 0) {
		if (cob_class_start(st) < 0)
			return -1;
		if (empty)
			return cob_class_end(cov, st);
	} else if (strcmp(el, "line") == 0 && st->path && !st->in_methods)
		return cob_line(st);
	return 0;
}

static int cob_end_element(json_t *cov, struct cob_state *st)
{
	const char *el = (const char *)xmlTextReaderConstLocalName(st->r);

	if (strcmp(el, "methods") == 0)
		st->in_methods = 0;
	else if (strcmp(el, "class") == 0 && st->path)
		return cob_class_end(cov, st);
	return 0;
}

/* A DOCTYPE may name a DTD, but entity declarations are refused outright. */
static int cob_check_entities(const struct buf *b, const char *name)
{
	const char *hit = memmem(b->p, b->len, "<!ENTITY", 8);
	long line = 1;

	if (!hit)
		return 0;
	for (const char *p = b->p; p < hit; p++)
		line += *p == '\n';
	return ak_data_error(name, line, "entity declarations are refused");
}

static int cob_read(json_t *cov, struct cob_state *st)
{
	int ret, type;

	while ((ret = xmlTextReaderRead(st->r)) == 1) {
		type = xmlTextReaderNodeType(st->r);
		if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
			return ak_data_error(st->name, cob_lineno(st),
					  "entity references are refused");
		} else if (type == XML_READER_TYPE_ELEMENT) {
			if (cob_element(cov, st) < 0)
				return -1;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (cob_end_element(cov, st) < 0)
				return -1;
		}
	}
	if (ret < 0) {
		const xmlError *e = xmlGetLastError();
		char msg[256] = "malformed XML";
		size_t n;

		if (e && e->message) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			n = strlen(msg);
			if (n && msg[n - 1] == '\n')
				msg[n - 1] = '\0';
		}
		return ak_data_error(st->name, e && e->line ? e->line : cob_lineno(st),
				  "%s", msg);
	}
	if (!st->root)
		return ak_data_error(st->name, 1, "not a Cobertura report");
	return 0;
}

int coverage_read_cobertura(json_t *cov, const char *path)
{
	struct cob_state st = { .name = path };
	struct buf b;
	int r;

	buf_init(&b, COBERTURA_MAX);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return -1;
	}
	if (cob_check_entities(&b, path) < 0) {
		buf_release(&b);
		return -1;
	}
	xmlResetLastError();
	st.r = xmlReaderForMemory(b.p, (int)b.len, path, NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR |
				  XML_PARSE_NOWARNING);
	if (!st.r) {
		buf_release(&b);
		return ak_data_error(path, 1, "cannot start the XML reader");
	}
	r = cob_read(cov, &st);
	xmlFreeTextReader(st.r);
	free(st.path);
	fcov_release(&st.f);
	buf_release(&b);
	return r;
}

/* ---- detection ---- */

static int has(const char *head, size_t len, const char *s)
{
	return memmem(head, len, s, strlen(s)) != NULL;
}

static int ends_with(const char *name, const char *suffix)
{
	size_t n = name ? strlen(name) : 0, m = strlen(suffix);

	return n >= m && strcmp(name + n - m, suffix) == 0;
}

const char *coverage_detect(const char *head, size_t len, const char *name)
{
	size_t i = 0;

	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && head[i] && strchr(" \t\r\n", head[i]))
		i++;
	if (i == len)
		return NULL;
	head += i;
	len -= i;
	if (*head == '<')
		return has(head, len, "<coverage") ? "cobertura" : NULL;
	if (*head == '{') {
		if (has(head, len, "\"gcc_version\""))
			return "gcov-json";
		if (has(head, len, "\"meta\"") || has(head, len, "\"totals\""))
			return "coveragepy-json";
		if (ends_with(name, ".gcov.json"))
			return "gcov-json";
		return NULL;
	}
	if (PREFIX(head, len, "TN:") || PREFIX(head, len, "SF:"))
		return "lcov";
	return NULL;
}
