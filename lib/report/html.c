/*
 * html.c - the report page: the model of lib/report/model.c written as one
 * static HTML5 document, and the atomic write of a page to a file.
 *
 * The page carries its style and its charts inline and loads nothing: no
 * script, no font, no image from elsewhere, which its Content-Security-
 * Policy says too. Every text that came from an event goes through
 * report_escape, in text and in attributes alike. Status is told in words
 * and marks as well as colour, so the page reads in black and white, and
 * the print style keeps tables and charts whole on paper.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "report/chart.h"
#include "report/html.h"
#include "banned.h"

static const char style[] =
	":root{color-scheme:light}\n"
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;"
	"margin:2rem auto;max-width:64rem;padding:0 1rem;color:#111;background:#fff;line-height:1.4}\n"
	"h1{font-size:1.6rem;margin-bottom:.2rem}\n"
	"h2{font-size:1.3rem;border-bottom:2px solid #333;padding-bottom:.2rem;margin-top:2.5rem}\n"
	"h3{font-size:1.05rem;margin:1.5rem 0 .4rem}\n"
	"h4{font-size:.95rem;margin:.8rem 0 .2rem}\n"
	"p.meta{color:#444;margin-top:0}\n"
	"table{border-collapse:collapse;margin:.3rem 0 1rem;font-size:.9rem}\n"
	"th,td{border:1px solid #999;padding:.15rem .45rem;text-align:left;vertical-align:top}\n"
	"th{background:#eee}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.nw{white-space:nowrap}\n"
	"td.hash{word-break:break-all;font-family:monospace;font-size:.8rem}\n"
	"tr.alert td{background:#fde8e8;font-weight:bold}\n"
	"tr.alert td:first-child{border-left:4px solid #000}\n"
	".none{font-style:italic;color:#444}\n"
	".fail{font-weight:bold}\n"
	".story{margin:.6rem 0 1rem;padding-left:.6rem;border-left:3px solid #bbb}\n"
	"figure{margin:.5rem 0 1rem}\n"
	"figcaption{font-size:.85rem;color:#333}\n"
	"svg.chart{max-width:100%;height:auto;font-family:inherit}\n"
	"svg .tick{font-size:11px;fill:#222}\n"
	"svg .axis-title{font-size:12px;font-weight:bold;fill:#111}\n"
	"svg .legend text{font-size:12px;fill:#111}\n"
	"svg .band-label{font-size:11px;fill:#222}\n"
	"svg .grid{stroke:#ddd;stroke-width:1}\n"
	"svg .axis{stroke:#333;stroke-width:1}\n"
	"svg .frame{fill:none;stroke:#333;stroke-width:1}\n"
	"svg .band{fill:#555}\n"
	"svg .threshold{stroke:#000;stroke-width:1.5;stroke-dasharray:6 4}\n"
	"svg .series{fill:none;stroke-width:2}\n"
	"@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}"
	"tr,figure,.story{break-inside:avoid}a{color:inherit;text-decoration:none}}\n";

struct page {
	struct buf *out;
	int err;
};

static void add(struct page *pg, const char *s)
{
	if (buf_addstr(pg->out, s) < 0)
		pg->err = 1;
}

static void addf(struct page *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct page *pg, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || buf_add(pg->out, line, (size_t)n) < 0)
		pg->err = 1;
}

int report_escape(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;

	if (!s)
		return 0;
	for (;; p++) {
		const char *rep;

		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case 0: rep = ""; break;
		default:
			/* C0 controls (but tab, newline), DEL, and C1 controls (U+0080-U+009F) */
			if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
				rep = "\xef\xbf\xbd";
			else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				if (buf_add(out, (const char *)p - run, run) < 0 ||
				    buf_addstr(out, "\xef\xbf\xbd") < 0)
					return -1;
				run = 0;
				p++;
				continue;
			} else {
				run++;
				continue;
			}
		}
		if (buf_add(out, (const char *)p - run, run) < 0 || buf_addstr(out, rep) < 0)
			return -1;
		run = 0;
		if (!*p)
			return 0;
	}
}

static void esc(struct page *pg, const char *s)
{
	if (report_escape(pg->out, s) < 0)
		pg->err = 1;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A text cell: the escaped text, or a dash for none. */
static void cell(struct page *pg, const char *s)
{
	add(pg, "<td>");
	if (s)
		esc(pg, s);
	else
		add(pg, "\xe2\x80\x93");
	add(pg, "</td>");
}

/* A number as text: an integer as it is, a real with up to 4 digits. */
/* A cell whose text must not wrap: ids, times, types, versions. */
static void cell_class(struct page *pg, const char *cls, const char *s)
{
	addf(pg, "<td class=\"%s\">", cls);
	if (s)
		esc(pg, s);
	else
		add(pg, "\xe2\x80\x93");
	add(pg, "</td>");
}

static void number(struct page *pg, const json_t *v, const char *unit)
{
	if (json_is_integer(v))
		addf(pg, "%" JSON_INTEGER_FORMAT "%s", json_integer_value(v), unit);
	else if (json_is_real(v) && isfinite(json_real_value(v)))
		addf(pg, "%.4g%s", json_real_value(v), unit);
	else
		add(pg, "\xe2\x80\x93");
}

static void ncell(struct page *pg, const json_t *o, const char *key, const char *unit)
{
	add(pg, "<td class=\"n\">");
	number(pg, json_object_get(o, key), unit);
	add(pg, "</td>");
}

/* An error rate (a fraction) as a percentage with two decimals. */
static void rate_cell(struct page *pg, const json_t *v)
{
	if (json_is_number(v) && isfinite(json_number_value(v)))
		addf(pg, "<td class=\"n\">%.2f%%</td>", json_number_value(v) * 100);
	else
		add(pg, "<td class=\"n\">\xe2\x80\x93</td>");
}

static void none(struct page *pg, const char *what)
{
	addf(pg, "<p class=\"none\">%s</p>\n", what);
}

/* Status in words, marked when it is a failure. */
static void status_text(struct page *pg, const char *s)
{
	if (!s) {
		add(pg, "\xe2\x80\x93");
		return;
	}
	if (!strcmp(s, "fail") || !strcmp(s, "failed") || !strcmp(s, "error")) {
		add(pg, "<span class=\"fail\">&#x2717; ");
		esc(pg, s);
		add(pg, "</span>");
	} else if (!strcmp(s, "pass") || !strcmp(s, "passed")) {
		add(pg, "&#x2713; ");
		esc(pg, s);
	} else
		esc(pg, s);
}

/* ---- the parts of a feature ---------------------------------------------- */

static void requirement(struct page *pg, const json_t *r)
{
	const char *role;
	const json_t *v, *c;
	size_t i, j;

	add(pg, "<h3>Stories and acceptance criteria</h3>\n");
	if (!json_is_object(r)) {
		none(pg, "no requirement analysis recorded");
		return;
	}
	if (!json_array_size(json_object_get(r, "stories")))
		none(pg, "no stories");
	json_array_foreach(json_object_get(r, "stories"), i, v) {
		add(pg, "<div class=\"story\">\n<h4>");
		esc(pg, str(v, "id") ? str(v, "id") : "story");
		if (str(v, "priority")) {
			add(pg, " (");
			esc(pg, str(v, "priority"));
			add(pg, ")");
		}
		role = str(v, "role") && *str(v, "role") ? str(v, "role") : "user";
		add(pg, "</h4>\n<p>");
		add(pg, strchr("aeiouAEIOU", *role) ? "As an " : "As a ");
		esc(pg, role);
		add(pg, ", I want <strong>");
		esc(pg, str(v, "goal"));
		add(pg, "</strong>");
		if (str(v, "benefit") && *str(v, "benefit")) {
			add(pg, ", so that ");
			esc(pg, str(v, "benefit"));
		}
		add(pg, ".</p>\n");
		if (!json_array_size(json_object_get(v, "acceptance"))) {
			none(pg, "no acceptance criteria");
		} else {
			add(pg, "<table><thead><tr><th>Given</th><th>When</th><th>Then</th></tr></thead><tbody>\n");
			json_array_foreach(json_object_get(v, "acceptance"), j, c) {
				add(pg, "<tr>");
				cell(pg, str(c, "given"));
				cell(pg, str(c, "when"));
				cell(pg, str(c, "then"));
				add(pg, "</tr>\n");
			}
			add(pg, "</tbody></table>\n");
		}
		add(pg, "</div>\n");
	}
	add(pg, "<h3>Non-functional requirements</h3>\n");
	if (!json_array_size(json_object_get(r, "nfrs"))) {
		none(pg, "no non-functional requirements");
	} else {
		add(pg, "<table><thead><tr><th>ID</th><th>Category</th><th>Requirement</th></tr></thead><tbody>\n");
		json_array_foreach(json_object_get(r, "nfrs"), i, v) {
			add(pg, "<tr>");
			cell_class(pg, "nw", str(v, "id"));
			cell(pg, str(v, "category"));
			cell(pg, str(v, "text"));
			add(pg, "</tr>\n");
		}
		add(pg, "</tbody></table>\n");
	}
	add(pg, "<h3>Open questions</h3>\n");
	if (!json_array_size(json_object_get(r, "questions"))) {
		none(pg, "no open questions");
	} else {
		add(pg, "<ol>\n");
		json_array_foreach(json_object_get(r, "questions"), i, v) {
			add(pg, "<li>");
			esc(pg, json_string_value(v));
			add(pg, "</li>\n");
		}
		add(pg, "</ol>\n");
	}
}

static void tests(struct page *pg, const json_t *t, const json_t *in)
{
	const json_t *v;
	size_t i;

	add(pg, "<h3>Tests and coverage</h3>\n");
	if (!json_is_object(t)) {
		none(pg, "no tests recorded");
	} else {
		add(pg, "<p>Status: ");
		status_text(pg, str(t, "status"));
		add(pg, "</p>\n<table><thead><tr><th>Passed</th><th>Failed</th><th>Skipped</th>"
		    "<th>Errors</th><th>Duration</th><th>Line coverage</th><th>Branch coverage</th>"
		    "</tr></thead><tbody><tr>");
		ncell(pg, t, "passed", "");
		ncell(pg, t, "failed", "");
		ncell(pg, t, "skipped", "");
		ncell(pg, t, "errors", "");
		ncell(pg, t, "duration_ms", " ms");
		ncell(pg, t, "lines_pct", "%");
		ncell(pg, t, "branches_pct", "%");
		add(pg, "</tr></tbody></table>\n");
		if (json_array_size(json_object_get(t, "failures"))) {
			add(pg, "<table><thead><tr><th>Failed test</th><th>Message</th><th>File</th>"
			    "<th>Line</th></tr></thead><tbody>\n");
			json_array_foreach(json_object_get(t, "failures"), i, v) {
				add(pg, "<tr class=\"alert\">");
				cell(pg, str(v, "name"));
				cell(pg, str(v, "message"));
				cell(pg, str(v, "file"));
				ncell(pg, v, "line", "");
				add(pg, "</tr>\n");
			}
			add(pg, "</tbody></table>\n");
		}
	}
	add(pg, "<h3>Integration</h3>\n");
	if (!json_is_object(in)) {
		none(pg, "no integration recorded");
		return;
	}
	add(pg, "<p>Status: ");
	status_text(pg, str(in, "status"));
	add(pg, "</p>\n<table><thead><tr><th>Contract mismatches</th><th>E2E passed</th>"
	    "<th>E2E failed</th></tr></thead><tbody><tr>");
	ncell(pg, in, "mismatches", "");
	ncell(pg, in, "e2e_passed", "");
	ncell(pg, in, "e2e_failed", "");
	add(pg, "</tr></tbody></table>\n");
}

static const char *const severities[] = { "critical", "high", "medium", "low" };

static void security(struct page *pg, const json_t *s)
{
	const json_t *v;
	size_t i;

	add(pg, "<h3>Security findings</h3>\n");
	if (!json_is_object(s)) {
		none(pg, "no security check recorded");
		return;
	}
	add(pg, "<p>Status: ");
	status_text(pg, str(s, "status"));
	add(pg, "</p>\n<table><thead><tr><th>Critical</th><th>High</th><th>Medium</th><th>Low</th>"
	    "</tr></thead><tbody><tr>");
	for (i = 0; i < 4; i++)
		ncell(pg, s, severities[i], "");
	add(pg, "</tr></tbody></table>\n");
	if (!json_array_size(json_object_get(s, "findings"))) {
		none(pg, "no findings");
		return;
	}
	add(pg, "<table><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Message</th>"
	    "</tr></thead><tbody>\n");
	json_array_foreach(json_object_get(s, "findings"), i, v) {
		const char *sev = str(v, "severity");
		int bad = sev && (!strcmp(sev, "critical") || !strcmp(sev, "high"));

		add(pg, bad ? "<tr class=\"alert\">" : "<tr>");
		cell(pg, sev);
		cell(pg, str(v, "rule"));
		cell(pg, str(v, "location"));
		cell(pg, str(v, "message"));
		add(pg, "</tr>\n");
	}
	add(pg, "</tbody></table>\n");
}

static void rollout(struct page *pg, const json_t *r)
{
	const json_t *v, *th;
	size_t i;
	int rc;

	add(pg, "<h3>Rollout</h3>\n");
	if (!json_is_object(r)) {
		none(pg, "no rollout");
		return;
	}
	add(pg, "<p>");
	if (str(r, "name")) {
		add(pg, "Rollout ");
		esc(pg, str(r, "name"));
		add(pg, ": ");
	}
	status_text(pg, str(r, "outcome"));
	th = json_object_get(r, "thresholds");
	if (json_is_object(th)) {
		add(pg, "; thresholds: error rate ");
		if (json_is_number(json_object_get(th, "error_rate")))
			addf(pg, "%.4g%%", json_number_value(json_object_get(th, "error_rate")) * 100);
		else
			add(pg, "\xe2\x80\x93");
		add(pg, ", p95 ");
		number(pg, json_object_get(th, "p95_ms"), " ms");
	}
	add(pg, "</p>\n<figure>\n");
	rc = report_chart_svg(json_object_get(r, "rows"), th, pg->out);
	if (rc < 0)
		pg->err = 1;
	else if (rc == 0)
		none(pg, "no measurements to chart");
	else
		add(pg, "<figcaption>Error rate (%) and p95 latency (ms) of the canary over time; "
		    "shaded: the canary's traffic weight at each step; dashed: the thresholds.</figcaption>\n");
	add(pg, "</figure>\n<table><thead><tr><th>Time</th><th>Event</th><th>Step</th><th>Weight</th>"
	    "<th>Phase</th><th>Verdict</th><th>Error rate</th><th>p95</th><th>Memory</th>"
	    "<th>Health</th><th>Requests</th><th>Reason</th></tr></thead><tbody>\n");
	json_array_foreach(json_object_get(r, "rows"), i, v) {
		const char *type = str(v, "type");

		add(pg, type && (!strcmp(type, "rollout.rolled_back") || !strcmp(type, "rollout.paused"))
			? "<tr class=\"alert\">" : "<tr>");
		cell_class(pg, "nw", str(v, "time"));
		cell_class(pg, "nw", type);
		ncell(pg, v, "step", "");
		ncell(pg, v, "weight", "%");
		cell(pg, str(v, "phase"));
		cell(pg, str(v, "verdict"));
		rate_cell(pg, json_object_get(v, "error_rate"));
		ncell(pg, v, "p95_ms", " ms");
		ncell(pg, v, "mem_pct", "%");
		cell(pg, str(v, "health"));
		ncell(pg, v, "requests", "");
		cell(pg, str(v, "reason"));
		add(pg, "</tr>\n");
	}
	add(pg, "</tbody></table>\n");
}

static void deploys(struct page *pg, const json_t *d)
{
	const json_t *v;
	size_t i;

	add(pg, "<h3>Deploys</h3>\n");
	if (!json_array_size(d)) {
		none(pg, "no deploys recorded");
		return;
	}
	add(pg, "<table><thead><tr><th>Time</th><th>Event</th><th>Environment</th><th>Version</th>"
	    "<th>SHA-256</th><th>Approval</th></tr></thead><tbody>\n");
	json_array_foreach(d, i, v) {
		add(pg, "<tr>");
		cell_class(pg, "nw", str(v, "time"));
		cell_class(pg, "nw", str(v, "type"));
		cell(pg, str(v, "environment"));
		cell_class(pg, "nw", str(v, "version"));
		cell_class(pg, "hash", str(v, "sha256"));
		cell(pg, str(v, "approval"));
		add(pg, "</tr>\n");
	}
	add(pg, "</tbody></table>\n");
}

static void timeline(struct page *pg, const json_t *t, const json_t *omitted)
{
	const json_t *v;
	size_t i;

	add(pg, "<h3>Timeline</h3>\n<table><thead><tr><th>Time</th><th>Event</th><th>Source</th>"
	    "<th>Outcome</th></tr></thead><tbody>\n");
	json_array_foreach(t, i, v) {
		int alert = json_is_true(json_object_get(v, "highlight"));

		add(pg, alert ? "<tr class=\"alert\">" : "<tr>");
		cell_class(pg, "nw", str(v, "time"));
		if (alert) {
			add(pg, "<td class=\"nw\">&#x26A0; ");
			esc(pg, str(v, "type"));
			add(pg, "</td>");
		} else
			cell_class(pg, "nw", str(v, "type"));
		cell(pg, str(v, "source"));
		cell(pg, str(v, "outcome"));
		add(pg, "</tr>\n");
	}
	add(pg, "</tbody></table>\n");
	if (json_integer_value(omitted) > 0)
		addf(pg, "<p class=\"none\">%" JSON_INTEGER_FORMAT " more rows not shown</p>\n",
		     json_integer_value(omitted));
}

static void feature(struct page *pg, const json_t *f, size_t n)
{
	addf(pg, "<section id=\"feature-%zu\">\n<h2>", n + 1);
	esc(pg, str(f, "subject"));
	if (str(f, "title")) {
		add(pg, ": ");
		esc(pg, str(f, "title"));
	}
	add(pg, "</h2>\n<p class=\"meta\">Stage ");
	esc(pg, str(f, "stage") ? str(f, "stage") : "\xe2\x80\x93");
	add(pg, ", status ");
	status_text(pg, str(f, "status"));
	add(pg, "; ");
	number(pg, json_object_get(f, "events"), " events");
	if (str(f, "first")) {
		add(pg, " from ");
		esc(pg, str(f, "first"));
		add(pg, " to ");
		esc(pg, str(f, "last"));
	}
	add(pg, "</p>\n");
	requirement(pg, json_object_get(f, "requirement"));
	tests(pg, json_object_get(f, "tests"), json_object_get(f, "integration"));
	security(pg, json_object_get(f, "security"));
	rollout(pg, json_object_get(f, "rollout"));
	deploys(pg, json_object_get(f, "deploys"));
	timeline(pg, json_object_get(f, "timeline"), json_object_get(f, "omitted"));
	add(pg, "</section>\n");
}

/* The production version: the last production deploy's. */
static const char *production(const json_t *f)
{
	const json_t *v;
	const char *version = NULL;
	size_t i;

	json_array_foreach(json_object_get(f, "deploys"), i, v) {
		const char *type = str(v, "type");

		if (type && !strcmp(type, "feature.production_deployed"))
			version = str(v, "version");
	}
	return version;
}

static void summary(struct page *pg, const json_t *features)
{
	const json_t *f;
	size_t i;

	add(pg, "<section id=\"summary\">\n<h2>Summary</h2>\n<table><thead><tr><th>Feature</th>"
	    "<th>Stage</th><th>Status</th><th>Tests passed</th><th>Tests failed</th>"
	    "<th>Coverage (lines)</th><th>Critical</th><th>High</th><th>Medium</th><th>Low</th>"
	    "<th>Production</th></tr></thead><tbody>\n");
	json_array_foreach(features, i, f) {
		const json_t *t = json_object_get(f, "tests"), *s = json_object_get(f, "security");

		addf(pg, "<tr><td class=\"nw\"><a href=\"#feature-%zu\">", i + 1);
		esc(pg, str(f, "subject"));
		add(pg, "</a></td>");
		cell(pg, str(f, "stage"));
		add(pg, "<td>");
		status_text(pg, str(f, "status"));
		add(pg, "</td>");
		ncell(pg, t, "passed", "");
		ncell(pg, t, "failed", "");
		ncell(pg, t, "lines_pct", "%");
		for (int k = 0; k < 4; k++)
			ncell(pg, s, severities[k], "");
		cell_class(pg, "nw", production(f));
		add(pg, "</tr>\n");
	}
	add(pg, "</tbody></table>\n</section>\n");
}

int report_html(const json_t *model, struct buf *out)
{
	struct page pg = { out, 0 };
	const json_t *features = json_object_get(model, "features"), *f;
	const json_t *un = json_object_get(model, "unattributed");
	const char *title = str(model, "title");
	size_t i, start = out->len;

	add(&pg, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"" REPORT_CSP "\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(&pg, title ? title : "agentkit report");
	add(&pg, "</title>\n<style>\n");
	add(&pg, style);
	add(&pg, "</style>\n</head>\n<body>\n<header>\n<h1>");
	esc(&pg, title ? title : "agentkit report");
	add(&pg, "</h1>\n<p class=\"meta\">");
	addf(&pg, "%zu feature%s", json_array_size(features), json_array_size(features) == 1 ? "" : "s");
	if (str(model, "as_of")) {
		add(&pg, "; as of ");
		esc(&pg, str(model, "as_of"));
		add(&pg, " (the newest event)");
	}
	add(&pg, "</p>\n");
	if (json_integer_value(json_object_get(un, "events")) > 0) {
		addf(&pg, "<p class=\"fail\">&#x26A0; %" JSON_INTEGER_FORMAT " event%s name no feature "
		     "(%" JSON_INTEGER_FORMAT " agent.rejected, %" JSON_INTEGER_FORMAT " agent.failed)</p>\n",
		     json_integer_value(json_object_get(un, "events")),
		     json_integer_value(json_object_get(un, "events")) == 1 ? "" : "s",
		     json_integer_value(json_object_get(un, "rejected")),
		     json_integer_value(json_object_get(un, "failed")));
	}
	add(&pg, "</header>\n<main>\n");
	if (!json_array_size(features))
		none(&pg, "no features recorded");
	else
		summary(&pg, features);
	json_array_foreach(features, i, f)
		feature(&pg, f, i);
	add(&pg, "</main>\n</body>\n</html>\n");
	if (pg.err) {
		out->len = start;
		if (out->p)
			out->p[start] = 0;
		return ak_error(AK_EXIT_SOFTWARE, "the page is too large");
	}
	return 0;
}


