/*
 * report.c - counts, status, the table, baselines, and the self-check of
 * the rules' examples.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "secscan/report.h"
#include "banned.h"

#define EVENT_LOCATIONS_MAX 10

json_t *report_data(json_t *findings, json_t *stats, enum severity fail_on, int *no)
{
	json_int_t c[SEV_CRITICAL + 1] = { 0 };
	json_t *list = json_array(), *f, *data;
	size_t i;

	*no = 0;
	if (!list)
		return NULL;
	json_array_foreach(findings, i, f) {
		enum severity s = severity_parse(json_string_value(json_object_get(f, "severity")));

		c[s]++;
		if (fail_on != SEV_NONE && s >= fail_on)
			*no = 1;
		if (i < REPORT_FINDINGS_MAX) {
			json_t *copy = json_copy(f), *locs = json_object_get(copy, "locations");

			while (json_array_size(locs) > EVENT_LOCATIONS_MAX)
				json_array_remove(locs, EVENT_LOCATIONS_MAX);
			json_array_append_new(list, copy);
		}
	}
	data = json_pack("{s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:I, s:o}",
			 "status", *no ? "fail" : "pass", "fail_on", severity_name(fail_on),
			 "counts", "critical", c[SEV_CRITICAL], "high", c[SEV_HIGH],
			 "medium", c[SEV_MEDIUM], "low", c[SEV_LOW],
			 "total", (json_int_t)json_array_size(findings), "findings", list);
	if (data && stats)
		json_object_set(data, "scanned", stats);
	return data;
}

static const char *sev_color(const char *sev)
{
	return !strcmp(sev, "critical") ? "\033[1;31m" : !strcmp(sev, "high") ? "\033[31m" :
	       !strcmp(sev, "medium") ? "\033[33m" : "\033[36m";
}

void report_table(FILE *fp, json_t *findings, int color)
{
	json_t *f;
	size_t i;

	if (json_array_size(findings) == 0) {
		fprintf(fp, "no findings\n");
		return;
	}
	fprintf(fp, "%-9s %-28s %-40s %s\n", "SEVERITY", "RULE", "WHERE", "WHAT");
	json_array_foreach(findings, i, f) {
		const char *sev = json_string_value(json_object_get(f, "severity"));
		json_t *locs = json_object_get(f, "locations"), *loc = json_array_get(locs, 0);
		const char *path = json_string_value(json_object_get(loc, "path"));
		const char *commit = json_string_value(json_object_get(loc, "commit"));
		json_int_t more = json_integer_value(json_object_get(f, "occurrences")) - 1;
		struct buf where = BUF_INIT;

		buf_addf(&where, "%s:%lld", path ? path : "-",
			 (long long)json_integer_value(json_object_get(loc, "line")));
		if (commit)
			buf_addf(&where, "@%.8s", commit);
		if (more > 0)
			buf_addf(&where, " (+%lld)", (long long)more);
		fprintf(fp, "%s%-9s%s %-28s %-40s %s\n", color ? sev_color(sev) : "", sev,
			color ? "\033[0m" : "", json_string_value(json_object_get(f, "rule")),
			where.p, json_string_value(json_object_get(f, "message")));
		buf_release(&where);
	}
}

static void baseline_add_sarif(json_t *set, json_t *doc)
{
	json_t *run, *res;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "runs"), i, run)
		json_array_foreach(json_object_get(run, "results"), j, res) {
			json_t *pf = json_object_get(res, "partialFingerprints");
			const char *fp = json_string_value(json_object_get(pf, "agentkitFingerprint/v1"));

			if (fp)
				json_object_set_new(set, fp, json_true());
		}
}

json_t *baseline_load(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_DECODE_ANY, &err), *set, *list, *f;
	size_t i;

	if (!doc)
		return ak_error(AK_EXIT_DATAERR, "%s:%d: %s", path, err.line, err.text), NULL;
	if (!(set = json_object())) {
		json_decref(doc);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory"), NULL;
	}
	if (json_object_get(doc, "runs")) {
		baseline_add_sarif(set, doc);
	} else {
		list = json_is_array(doc) ? doc : json_object_get(doc, "findings");
		if (!json_is_array(list)) {
			json_decref(doc);
			json_decref(set);
			return ak_error(AK_EXIT_DATAERR,
					"%s: not a baseline (agent-secscan --format json or SARIF)",
					path), NULL;
		}
		json_array_foreach(list, i, f) {
			const char *fp = json_string_value(json_object_get(f, "fingerprint"));

			if (fp)
				json_object_set_new(set, fp, json_true());
		}
	}
	json_decref(doc);
	return set;
}

size_t baseline_apply(json_t *findings, json_t *baseline)
{
	size_t dropped = 0;

	for (size_t i = 0; i < json_array_size(findings);) {
		const char *fp = json_string_value(json_object_get(json_array_get(findings, i),
								   "fingerprint"));

		if (fp && json_object_get(baseline, fp)) {
			json_array_remove(findings, i);
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

struct check_ctx {
	const struct rule *want;
	int found;
};

static int on_check_hit(void *ctx, const struct hit *h)
{
	struct check_ctx *c = ctx;

	if (h->rule == c->want)
		c->found = 1;
	return 0;
}

int rules_check(const struct ruleset *rs, const struct engine *e, const char *file, FILE *fp)
{
	struct engine_scratch *s = engine_scratch_new(e);
	int failures = 0;

	if (!s)
		return -1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		const char *path = r->example_path ? r->example_path : "example.txt";
		json_t *pos = json_object_get(r->src, "examples");
		json_t *neg = json_object_get(r->src, "negative_examples"), *x;
		size_t j;

		if (file && strcmp(r->file, file))
			continue;
		if (json_array_size(pos) == 0 || json_array_size(neg) == 0) {
			fprintf(fp, "%s: rule '%s': needs examples and negative_examples\n", r->file,
				r->id);
			failures++;
		}
		json_array_foreach(pos, j, x) {
			struct check_ctx c = { r, 0 };
			const char *t = json_string_value(x);

			if (!t || engine_scan(e, s, path, t, strlen(t), on_check_hit, &c) < 0 ||
			    !c.found) {
				fprintf(fp, "%s: rule '%s': example %zu not found\n", r->file, r->id,
					j + 1);
				failures++;
			}
		}
		json_array_foreach(neg, j, x) {
			struct check_ctx c = { r, 0 };
			const char *t = json_string_value(x);

			if (!t || engine_scan(e, s, path, t, strlen(t), on_check_hit, &c) < 0 ||
			    c.found) {
				fprintf(fp, "%s: rule '%s': negative example %zu found\n", r->file,
					r->id, j + 1);
				failures++;
			}
		}
	}
	engine_scratch_free(s);
	return failures;
}
