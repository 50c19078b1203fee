/*
 * osv.c - OSV records: parse, rate, evaluate, import, match (see osv.h).
 *
 * Records are kept in the store as the JSON text they came in, one row
 * per affected package, and parsed again when matched: a lockfile names
 * a few hundred packages, each with a handful of advisories, so parsing on
 * demand costs little and the store holds nothing this module would have
 * to migrate when it learns more of the schema.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "error.h"
#include "store.h"
#include "secscan/osv.h"
#include "secscan/version.h"
#include "banned.h"

/* folders below the import path */
#define MAX_DIR_DEPTH 32

/* ---- CVSS 3.x ----------------------------------------------------------- */

struct cvss_metric {
	const char *name;
	const char *values;      /* the letters it takes */
	double weight[4];        /* by letter; PR's are for an unchanged scope */
};

static const struct cvss_metric cvss_metrics[] = {
	{ "AV", "NALP", { 0.85, 0.62, 0.55, 0.2 } },
	{ "AC", "LH", { 0.77, 0.44 } },
	{ "PR", "NLH", { 0.85, 0.62, 0.27 } },
	{ "UI", "NR", { 0.85, 0.62 } },
	{ "S", "UC", { 0, 0 } },
	{ "C", "HLN", { 0.56, 0.22, 0 } },
	{ "I", "HLN", { 0.56, 0.22, 0 } },
	{ "A", "HLN", { 0.56, 0.22, 0 } },
};

#define NMETRICS (sizeof(cvss_metrics) / sizeof(*cvss_metrics))

/* CVSS 3.1 Roundup: the smallest one-decimal number >= x, computed in
 * integers so that 4.000000001 does not become 4.1. */
static double roundup(double x)
{
	long long i = llround(x * 100000.0);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

int osv_cvss3_score(const char *vector, double *score)
{
	int idx[NMETRICS];
	const char *p = vector;
	double iss, impact, expl, pr;
	int changed;

	if (!vector || (strncmp(p, "CVSS:3.0/", 9) && strncmp(p, "CVSS:3.1/", 9)))
		return ak_error(AK_EXIT_DATAERR, "not a CVSS 3 vector: '%.64s'",
				vector ? vector : "(null)");
	for (size_t m = 0; m < NMETRICS; m++)
		idx[m] = -1;
	for (p += 9; *p;) {
		size_t nl = strcspn(p, ":/"), m;
		const char *v, *pos;

		if (p[nl] != ':' || !p[nl + 1] || (p[nl + 2] && p[nl + 2] != '/'))
			return ak_error(AK_EXIT_DATAERR, "cannot read CVSS vector '%.64s'", vector);
		v = p + nl + 1;
		for (m = 0; m < NMETRICS; m++)
			if (strlen(cvss_metrics[m].name) == nl && !strncmp(p, cvss_metrics[m].name, nl))
				break;
		if (m < NMETRICS) {
			pos = strchr(cvss_metrics[m].values, *v);
			if (idx[m] >= 0 || !pos)
				return ak_error(AK_EXIT_DATAERR, "bad or repeated %s in CVSS vector "
						"'%.64s'", cvss_metrics[m].name, vector);
			idx[m] = (int)(pos - cvss_metrics[m].values);
		}
		p = v + 1 + (v[1] == '/');
	}
	for (size_t m = 0; m < NMETRICS; m++)
		if (idx[m] < 0)
			return ak_error(AK_EXIT_DATAERR, "CVSS vector '%.64s' lacks %s", vector,
					cvss_metrics[m].name);
	changed = idx[4] == 1;
	pr = cvss_metrics[2].weight[idx[2]];
	if (changed && idx[2] == 1)
		pr = 0.68;
	else if (changed && idx[2] == 2)
		pr = 0.5;
	iss = 1 - (1 - cvss_metrics[5].weight[idx[5]]) * (1 - cvss_metrics[6].weight[idx[6]]) *
		  (1 - cvss_metrics[7].weight[idx[7]]);
	impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	expl = 8.22 * cvss_metrics[0].weight[idx[0]] * cvss_metrics[1].weight[idx[1]] * pr *
	       cvss_metrics[3].weight[idx[3]];
	if (impact <= 0)
		*score = 0;
	else if (changed)
		*score = roundup(fmin(1.08 * (impact + expl), 10));
	else
		*score = roundup(fmin(impact + expl, 10));
	return 0;
}

/* ---- reading a record --------------------------------------------------- */

static int opt_string(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return !v || json_is_string(v);
}

static int string_array(const json_t *o, const char *key)
{
	const json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!a)
		return 1;
	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return 0;
	return 1;
}

static int check_range(const json_t *r, const char **why)
{
	const json_t *ev = json_object_get(r, "events"), *e;
	size_t i;

	if (!json_is_object(r) || !json_is_string(json_object_get(r, "type")))
		return *why = "a range without a type", -1;
	if (!json_is_array(ev) || json_array_size(ev) == 0)
		return *why = "a range without events", -1;
	if (json_array_size(ev) > OSV_MAX_EVENTS)
		return *why = "too many events in a range", -1;
	json_array_foreach(ev, i, e) {
		const char *k;
		json_t *v;

		if (!json_is_object(e) || json_object_size(e) != 1)
			return *why = "an event that is not one member", -1;
		json_object_foreach((json_t *)e, k, v) {
			if (strcmp(k, "introduced") && strcmp(k, "fixed") &&
			    strcmp(k, "last_affected") && strcmp(k, "limit"))
				return *why = "an unknown event", -1;
			if (!json_is_string(v))
				return *why = "an event version that is not a string", -1;
		}
	}
	return 0;
}

static int check_affected(const json_t *a, const char **why)
{
	const json_t *pkg = json_object_get(a, "package"), *ranges, *r;
	size_t i;

	if (!json_is_object(a))
		return *why = "an affected entry that is not an object", -1;
	if (pkg && (!json_is_object(pkg) || !opt_string(pkg, "ecosystem") ||
		    !opt_string(pkg, "name")))
		return *why = "a package without string ecosystem and name", -1;
	if (!string_array(a, "versions"))
		return *why = "versions that are not strings", -1;
	ranges = json_object_get(a, "ranges");
	if (ranges && !json_is_array(ranges))
		return *why = "ranges that are not an array", -1;
	if (json_array_size(ranges) > OSV_MAX_EVENTS)
		return *why = "too many ranges", -1;
	json_array_foreach(ranges, i, r)
		if (check_range(r, why) < 0)
			return -1;
	return 0;
}

json_t *osv_parse(const char *text, size_t len)
{
	const char *why = NULL;
	json_error_t err;
	json_t *rec, *aff, *a, *sev;
	size_t i;

	if (len > OSV_MAX_RECORD) {
		ak_error(AK_EXIT_DATAERR, "larger than %zu bytes", OSV_MAX_RECORD);
		return NULL;
	}
	rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!rec) {
		ak_error(AK_EXIT_DATAERR, "not JSON: %s (line %d)", err.text, err.line);
		return NULL;
	}
	aff = json_object_get(rec, "affected");
	sev = json_object_get(rec, "severity");
	if (!json_is_object(rec))
		why = "not an object";
	else if (!json_is_string(json_object_get(rec, "id")) ||
		 !*json_string_value(json_object_get(rec, "id")))
		why = "no id";
	else if (!json_is_string(json_object_get(rec, "modified")))
		why = "no modified time";
	else if (!opt_string(rec, "withdrawn") || !opt_string(rec, "summary") ||
		 !opt_string(rec, "details"))
		why = "withdrawn, summary or details not a string";
	else if (!string_array(rec, "aliases"))
		why = "aliases that are not strings";
	else if (sev && !json_is_array(sev))
		why = "severity that is not an array";
	else if (aff && !json_is_array(aff))
		why = "affected that is not an array";
	if (!why)
		json_array_foreach(aff, i, a)
			if (check_affected(a, &why) < 0)
				break;
	if (why) {
		ak_error(AK_EXIT_DATAERR, "not an OSV record: %s", why);
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* ---- severity ----------------------------------------------------------- */

static enum severity of_score(double s)
{
	return s >= 9 ? SEV_CRITICAL : s >= 7 ? SEV_HIGH : s >= 4 ? SEV_MEDIUM : SEV_LOW;
}

static enum severity of_word(const json_t *dbs)
{
	const char *w = json_string_value(json_object_get(dbs, "severity"));

	if (!w)
		return SEV_NONE;
	if (!strcasecmp(w, "critical"))
		return SEV_CRITICAL;
	if (!strcasecmp(w, "high"))
		return SEV_HIGH;
	if (!strcasecmp(w, "moderate") || !strcasecmp(w, "medium"))
		return SEV_MEDIUM;
	if (!strcasecmp(w, "low"))
		return SEV_LOW;
	return SEV_NONE;
}

enum severity osv_severity(const json_t *rec)
{
	const json_t *sev = json_object_get(rec, "severity"), *e, *a;
	enum severity best = SEV_NONE;
	double top = -1;
	size_t i;

	json_array_foreach(sev, i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *vec = json_string_value(json_object_get(e, "score"));
		double sc;

		if (type && vec && !strcmp(type, "CVSS_V3") && osv_cvss3_score(vec, &sc) == 0 &&
		    sc > top)
			top = sc;
	}
	if (top >= 0)
		return of_score(top);
	best = of_word(json_object_get(rec, "database_specific"));
	json_array_foreach(json_object_get(rec, "affected"), i, a) {
		enum severity s = of_word(json_object_get(a, "database_specific"));

		if (s > best)
			best = s;
	}
	return best == SEV_NONE ? SEV_MEDIUM : best;
}

const char *osv_severity_name(enum severity s)
{
	static const char *const names[] = { "none", "low", "medium", "high", "critical" };

	return s >= SEV_NONE && s <= SEV_CRITICAL ? names[s] : "none";
}

/* ---- packages ----------------------------------------------------------- */

static const char *const known[] = { "npm", "PyPI", "Go", "crates.io" };

int osv_ecosystem_known(const char *ecosystem)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (ecosystem && !strcmp(ecosystem, known[i]))
			return 1;
	return 0;
}

char *osv_package_key(const char *ecosystem, const char *name)
{
	struct buf b = BUF_INIT;

	if (strcmp(ecosystem, "PyPI"))
		return strdup(name);
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (c == '-' || c == '_' || c == '.') {
			while (p[1] == '-' || p[1] == '_' || p[1] == '.')
				p++;
			c = '-';
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c + 32);
		}
		if (buf_addch(&b, c) < 0) {
			buf_release(&b);
			return NULL;
		}
	}
	if (!b.p && buf_addstr(&b, "") < 0)
		return NULL;
	return buf_detach(&b, NULL);
}

/* ---- range evaluation --------------------------------------------------- */

enum ev_kind { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };

struct event {
	enum ev_kind kind;
	const char *v;
	int zero;                /* introduced "0" or limit "*": no version */
};

/* Compare, with "0" below everything; both readable (checked before). */
static int ev_cmp(const char *order, const struct event *a, const struct event *b)
{
	int c = 0;

	if (a->zero || b->zero)
		return a->zero == b->zero ? 0 : a->zero ? -1 : 1;
	version_cmp(order, a->v, b->v, &c);
	return c;
}

static int vcmp(const char *order, const char *a, const char *b)
{
	int c = 0;

	version_cmp(order, a, b, &c);
	return c;
}

/*
 * One range: 1 inside, 0 not, -1 unreadable (passed over). *fixed is
 * lowered to a fixed event above version.
 */
static int in_range(const json_t *range, const char *order, const char *version,
		    const char **fixed)
{
	const json_t *evs = json_object_get(range, "events"), *e;
	struct event ev[OSV_MAX_EVENTS];
	size_t n = 0, i;
	int vulnerable = 0, limited = 0, below_limit = 0;

	json_array_foreach(evs, i, e) {
		const char *k, *v;
		json_t *val;

		json_object_foreach((json_t *)e, k, val) {
			struct event *x = &ev[n];

			v = json_string_value(val);
			if (!v || n == OSV_MAX_EVENTS)
				return -1;
			x->kind = !strcmp(k, "introduced") ? EV_INTRODUCED : !strcmp(k, "fixed") ?
				  EV_FIXED : !strcmp(k, "last_affected") ? EV_LAST_AFFECTED : EV_LIMIT;
			x->v = v;
			x->zero = (x->kind == EV_INTRODUCED && !strcmp(v, "0")) ||
				  (x->kind == EV_LIMIT && !strcmp(v, "*"));
			if (!x->zero && !version_valid(order, v))
				return -1;
			n++;
		}
	}
	/* insertion sort: stable, and ranges are short */
	for (i = 1; i < n; i++) {
		struct event x = ev[i];
		size_t j = i;

		while (j > 0 && ev_cmp(order, &ev[j - 1], &x) > 0) {
			ev[j] = ev[j - 1];
			j--;
		}
		ev[j] = x;
	}
	for (i = 0; i < n; i++) {
		const struct event *x = &ev[i];

		switch (x->kind) {
		case EV_INTRODUCED:
			if (x->zero || vcmp(order, version, x->v) >= 0)
				vulnerable = 1;
			break;
		case EV_FIXED:
			if (vcmp(order, version, x->v) >= 0)
				vulnerable = 0;
			else if (!*fixed || vcmp(order, x->v, *fixed) < 0)
				*fixed = x->v;
			break;
		case EV_LAST_AFFECTED:
			if (vcmp(order, version, x->v) > 0)
				vulnerable = 0;
			break;
		case EV_LIMIT:
			limited = 1;
			if (x->zero || vcmp(order, version, x->v) < 0)
				below_limit = 1;
			break;
		}
	}
	return vulnerable && (!limited || below_limit);
}

static int name_matches(const json_t *pkg, const char *ecosystem, const char *key)
{
	const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
	const char *name = json_string_value(json_object_get(pkg, "name"));
	char *k;
	int same;

	if (!eco || !name || strcmp(eco, ecosystem))
		return 0;
	if (!(k = osv_package_key(ecosystem, name)))
		return 0;
	same = !strcmp(k, key);
	free(k);
	return same;
}

static int listed(const json_t *a, const char *ecosystem, const char *version)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(a, "versions"), i, v) {
		const char *s = json_string_value(v);
		int c;

		if (!s)
			continue;
		if (!strcmp(s, version) ||
		    (version_valid(ecosystem, s) && version_cmp(ecosystem, s, version, &c) == 0 &&
		     c == 0))
			return 1;
	}
	return 0;
}

int osv_affects(const json_t *rec, const char *ecosystem, const char *name,
		const char *version, const char **fixed)
{
	const json_t *a, *r;
	const char *low = NULL;
	char *key;
	int hit = 0;
	size_t i, j;

	if (fixed)
		*fixed = NULL;
	if (!version_valid(ecosystem, version))
		return ak_error(AK_EXIT_DATAERR, "cannot read '%.64s' as a %s version", version,
				ecosystem);
	if (!(key = osv_package_key(ecosystem, name)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	json_array_foreach(json_object_get(rec, "affected"), i, a) {
		if (!name_matches(json_object_get(a, "package"), ecosystem, key))
			continue;
		if (listed(a, ecosystem, version))
			hit = 1;
		json_array_foreach(json_object_get(a, "ranges"), j, r) {
			const char *type = json_string_value(json_object_get(r, "type"));
			const char *order;

			if (!type)
				continue;
			if (!strcmp(type, "SEMVER"))
				order = "npm";
			else if (!strcmp(type, "ECOSYSTEM"))
				order = ecosystem;
			else
				continue;       /* GIT: commits, not versions */
			if (in_range(r, order, version, &low) == 1)
				hit = 1;
		}
	}
	free(key);
	if (fixed && hit)
		*fixed = low;
	return hit;
}

/* ---- import ------------------------------------------------------------- */

static void warn(struct osv_import_stats *st, const char *name, const char *why)
{
	char msg[512];

	if (!st->warn)
		return;
	snprintf(msg, sizeof(msg), "%s: %s", name, why);
	st->warn(msg, st->warn_ctx);
}

/* 1 when the ids and aliases of two records meet. */
static int ids_meet(const json_t *a, const json_t *b)
{
	const json_t *x, *y;
	size_t i, j;
	const char *ida = json_string_value(json_object_get(a, "id"));
	const char *idb = json_string_value(json_object_get(b, "id"));

	if (ida && idb && !strcmp(ida, idb))
		return 0;       /* the same record, another version of it */
	json_array_foreach(json_object_get(a, "aliases"), i, x)
		if (idb && !strcmp(json_string_value(x), idb))
			return 1;
	json_array_foreach(json_object_get(b, "aliases"), j, y) {
		if (ida && !strcmp(json_string_value(y), ida))
			return 1;
		json_array_foreach(json_object_get(a, "aliases"), i, x)
			if (!strcmp(json_string_value(x), json_string_value(y)))
				return 1;
	}
	return 0;
}

struct meet_ctx {
	const json_t *rec;
	int met;
};

static int meet_one(const char *id, const char *json, void *ctx)
{
	struct meet_ctx *m = ctx;
	json_t *other = json_loads(json, 0, NULL);

	if (other && ids_meet(m->rec, other))
		m->met = 1;
	json_decref(other);
	return m->met;
}

/* Store one record's text; counts go to st. -1 only when the store fails. */
static int import_text(struct store *s, const char *name, const char *text, size_t len,
		       struct osv_import_stats *st)
{
	json_t *rec, *a;
	const char *id, *modified, *withdrawn;
	int stored = 0, written = 0, rc = 0, gone;
	struct meet_ctx meet = { NULL, 0 };
	size_t i;

	st->records++;
	if (!(rec = osv_parse(text, len))) {
		st->malformed++;
		warn(st, name, ak_errmsg());
		return 0;
	}
	meet.rec = rec;
	id = json_string_value(json_object_get(rec, "id"));
	modified = json_string_value(json_object_get(rec, "modified"));
	withdrawn = json_string_value(json_object_get(rec, "withdrawn"));
	gone = withdrawn && *withdrawn;
	if (gone)
		meet.met = 1;   /* a withdrawn record merges with nothing */
	json_array_foreach(json_object_get(rec, "affected"), i, a) {
		const json_t *pkg = json_object_get(a, "package");
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *pname = json_string_value(json_object_get(pkg, "name"));
		char *key;

		if (!osv_ecosystem_known(eco) || !pname || !*pname)
			continue;
		if (!(key = osv_package_key(eco, pname))) {
			rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
			break;
		}
		if (!meet.met)
			rc = store_advisory_each(s, eco, key, meet_one, &meet);
		if (rc >= 0)
			rc = store_advisory_put(s, id, eco, key, modified, text);
		free(key);
		if (rc < 0)
			break;
		stored = 1;
		written |= rc;
		rc = 0;
	}
	json_decref(rec);
	if (rc < 0)
		return -1;
	if (gone) {
		st->withdrawn++;
		return 0;
	}
	if (!stored) {
		st->other_ecosystem++;
		return 0;
	}
	st->imported++;
	st->updated += written;
	st->merged += meet.met;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int import_file(struct store *s, const char *path, struct osv_import_stats *st)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_init(&b, OSV_MAX_RECORD + 1);
	if (buf_read_file(&b, path) < 0) {
		if (ak_errcode() == AK_EXIT_DATAERR) {      /* too large */
			st->records++;
			st->malformed++;
			warn(st, path, ak_errmsg());
			buf_release(&b);
			return 0;
		}
		buf_release(&b);
		return -1;
	}
	rc = import_text(s, path, b.p ? b.p : "", b.len, st);
	buf_release(&b);
	return rc;
}

static int import_dir(struct store *s, const char *dir, int depth, struct osv_import_stats *st)
{
	struct dirent **names;
	int n, rc = 0;

	if (depth > MAX_DIR_DEPTH)
		return ak_error(AK_EXIT_DATAERR, "'%s' is nested more than %d folders deep", dir,
				MAX_DIR_DEPTH);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *e = names[i]->d_name;
		struct buf p = BUF_INIT;
		struct stat sb;

		if (rc == 0 && e[0] != '.' && buf_addf(&p, "%s/%s", dir, e) == 0 &&
		    lstat(p.p, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				rc = import_dir(s, p.p, depth + 1, st);
			else if (S_ISREG(sb.st_mode) && ends_with(e, ".json"))
				rc = import_file(s, p.p, st);
		}
		buf_release(&p);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int archive_fail(struct archive *ar, const char *path)
{
	const char *msg = archive_error_string(ar);

	return ak_error(AK_EXIT_DATAERR, "cannot read archive '%s': %s", path,
			msg ? msg : "unknown error");
}

static int import_archive(struct store *s, const char *path, struct osv_import_stats *st)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ent;
	struct buf b = BUF_INIT;
	char buf[65536];
	int rc = 0, r;

	if (!ar)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	archive_read_support_format_zip(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_filter_all(ar);
	if (archive_read_open_filename(ar, path, sizeof(buf)) != ARCHIVE_OK) {
		rc = archive_fail(ar, path);
		goto out;
	}
	while ((r = archive_read_next_header(ar, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(ent);
		la_ssize_t got;
		int too_big = 0;

		if (archive_entry_filetype(ent) != AE_IFREG || !name || !ends_with(name, ".json"))
			continue;
		buf_init(&b, OSV_MAX_RECORD);
		while ((got = archive_read_data(ar, buf, sizeof(buf))) > 0)
			if (!too_big && buf_add(&b, buf, (size_t)got) < 0)
				too_big = 1;
		if (got < 0) {
			rc = archive_fail(ar, path);
			break;
		}
		if (too_big) {
			st->records++;
			st->malformed++;
			warn(st, name, "larger than the largest record read");
		} else if (import_text(s, name, b.p ? b.p : "", b.len, st) < 0) {
			rc = -1;
			break;
		}
		buf_release(&b);
	}
	if (rc == 0 && r != ARCHIVE_EOF)
		rc = archive_fail(ar, path);
out:
	buf_release(&b);
	archive_read_free(ar);
	return rc;
}

int osv_import(struct store *s, const char *path, struct osv_import_stats *st)
{
	struct stat sb;

	st->records = st->imported = st->updated = st->merged = 0;
	st->withdrawn = st->other_ecosystem = st->malformed = 0;
	if (stat(path, &sb) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return import_dir(s, path, 0, st);
	if (ends_with(path, ".json"))
		return import_file(s, path, st);
	return import_archive(s, path, st);
}

/* ---- match -------------------------------------------------------------- */

/* One reported advisory: records whose ids meet, merged. */
struct group {
	json_t *ids;             /* every id and alias, as an object used as a set */
	char *id;                /* the first record's */
	char *summary;
	enum severity sev;
	char *fixed;
};

struct match_ctx {
	const char *ecosystem, *name, *version;
	struct group *g;
	size_t n, alloc;
	int err;
};

static int group_has_any(const struct group *g, const json_t *rec)
{
	const json_t *x;
	size_t i;

	if (json_object_get(g->ids, json_string_value(json_object_get(rec, "id"))))
		return 1;
	json_array_foreach(json_object_get(rec, "aliases"), i, x)
		if (json_object_get(g->ids, json_string_value(x)))
			return 1;
	return 0;
}

static void group_release(struct group *g)
{
	json_decref(g->ids);
	free(g->id);
	free(g->summary);
	free(g->fixed);
}

/* The lower fixed version of two (either may be NULL); frees the other. */
static char *lower_fixed(const char *eco, char *a, char *b)
{
	int c = 0;

	if (!a || !b) {
		return a ? a : b;
	}
	if (version_cmp(eco, a, b, &c) < 0 || c <= 0) {
		free(b);
		return a;
	}
	free(a);
	return b;
}

/* Fold group src into dst; src is released. */
static void group_fold(const char *eco, struct group *dst, struct group *src)
{
	json_object_update(dst->ids, src->ids);
	if (src->sev > dst->sev)
		dst->sev = src->sev;
	if ((!dst->summary || !*dst->summary) && src->summary) {
		free(dst->summary);
		dst->summary = src->summary;
		src->summary = NULL;
	}
	dst->fixed = lower_fixed(eco, dst->fixed, src->fixed);
	src->fixed = NULL;
	if (strcmp(src->id, dst->id) < 0) {
		char *t = dst->id;

		dst->id = src->id;
		src->id = t;
	}
	group_release(src);
}

/* The summary, or the first line of the details (at most 200 bytes). */
static char *summary_of(const json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "summary"));
	size_t n;

	if (!s || !*s) {
		s = json_string_value(json_object_get(rec, "details"));
		if (!s)
			s = "";
		n = strcspn(s, "\n");
		if (n > 200)
			n = 200;
		return strndup(s, n);
	}
	return strdup(s);
}

static int match_one(const char *id, const char *json, void *ctx)
{
	struct match_ctx *m = ctx;
	const char *fixed;
	struct group g;
	const json_t *x;
	json_t *rec = osv_parse(json, strlen(json));
	size_t i, into;
	int hit;

	if (!rec)
		return 0;       /* stored by another program, perhaps; nothing to say */
	x = json_object_get(rec, "withdrawn");
	if (json_is_string(x) && *json_string_value(x)) {
		json_decref(rec);
		return 0;
	}
	hit = osv_affects(rec, m->ecosystem, m->name, m->version, &fixed);
	if (hit <= 0) {
		json_decref(rec);
		return hit < 0 ? (m->err = -1) : 0;
	}
	g.ids = json_object();
	g.id = strdup(json_string_value(json_object_get(rec, "id")));
	g.summary = summary_of(rec);
	g.sev = osv_severity(rec);
	g.fixed = fixed ? strdup(fixed) : NULL;
	if (!g.ids || !g.id || !g.summary || (fixed && !g.fixed)) {
		group_release(&g);
		json_decref(rec);
		return m->err = ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	json_object_set_new(g.ids, g.id, json_true());
	json_array_foreach(json_object_get(rec, "aliases"), i, x)
		json_object_set_new(g.ids, json_string_value(x), json_true());
	/* fold every group this record meets into the first of them */
	into = m->n;
	for (i = 0; i < m->n; i++) {
		if (!group_has_any(&m->g[i], rec))
			continue;
		if (into == m->n) {
			into = i;
			continue;
		}
		group_fold(m->ecosystem, &m->g[into], &m->g[i]);
		m->g[i--] = m->g[--m->n];
	}
	json_decref(rec);
	if (into < m->n) {
		group_fold(m->ecosystem, &m->g[into], &g);
		return 0;
	}
	if (m->n == m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 8;
		void *ng = realloc(m->g, na * sizeof(*m->g));

		if (!ng) {
			group_release(&g);
			return m->err = ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
		m->g = ng;
		m->alloc = na;
	}
	m->g[m->n++] = g;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->id, ((const struct group *)b)->id);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {"id", "aliases", "summary", "severity", "fixed"}; NULL when out of memory. */
static json_t *group_json(const struct group *g)
{
	size_t n = json_object_size(g->ids), k = 0;
	const char **ids = malloc((n ? n : 1) * sizeof(*ids));
	json_t *aliases = json_array(), *o;
	const char *key;
	json_t *v;

	if (!ids || !aliases) {
		free(ids);
		json_decref(aliases);
		return NULL;
	}
	json_object_foreach(g->ids, key, v)
		if (strcmp(key, g->id))
			ids[k++] = key;
	qsort(ids, k, sizeof(*ids), by_str);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(aliases, json_string(ids[i]));
	free(ids);
	o = json_pack("{s:s, s:o, s:s, s:s, s:o}", "id", g->id, "aliases", aliases,
		      "summary", g->summary, "severity", osv_severity_name(g->sev),
		      "fixed", g->fixed ? json_string(g->fixed) : json_null());
	return o;
}

int osv_match(struct store *s, const char *ecosystem, const char *name,
	      const char *version, json_t **out)
{
	struct match_ctx m = { ecosystem, name, version, NULL, 0, 0, 0 };
	char *key;
	int rc;

	*out = NULL;
	if (!osv_ecosystem_known(ecosystem))
		return ak_error(AK_EXIT_DATAERR, "no advisories are kept for ecosystem '%s'",
				ecosystem ? ecosystem : "(null)");
	if (!version_valid(ecosystem, version))
		return ak_error(AK_EXIT_DATAERR, "cannot read '%.64s' as a %s version",
				version ? version : "(null)", ecosystem);
	if (!(key = osv_package_key(ecosystem, name)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = store_advisory_each(s, ecosystem, key, match_one, &m);
	free(key);
	if (rc == 0 && m.err == 0) {
		if (m.n)
			qsort(m.g, m.n, sizeof(*m.g), by_id);
		*out = json_array();
		for (size_t i = 0; i < m.n && *out; i++) {
			json_t *o = group_json(&m.g[i]);

			if (!o || json_array_append_new(*out, o) < 0) {
				json_decref(*out);
				*out = NULL;
			}
		}
		if (!*out)
			rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
	} else {
		rc = -1;
	}
	for (size_t i = 0; i < m.n; i++)
		group_release(&m.g[i]);
	free(m.g);
	return rc;
}
