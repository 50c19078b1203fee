/*
 * u-report-page.c - unit tests for lib/report/: the model built from a
 * fixed set of events compared whole with the expected JSON, the chart's
 * coordinates for fixed points, the escaping of hostile texts, the parts a
 * page says are missing, and the atomic write of a page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "buf.h"
#include "error.h"
#include "report/chart.h"
#include "report/html.h"
#include "report/model.h"
#include "tap.h"
#include "banned.h"

#define EV(type, subject, time, data) \
	"{\"specversion\":\"1.0\",\"id\":\"" type time "\",\"source\":\"agentkit/t\"," \
	"\"type\":\"" type "\",\"subject\":\"" subject "\",\"time\":\"" time "\",\"data\":" data "}"

static const char *const events[] = {
	EV("requirement.submitted", "pw-1", "2026-11-26T12:00:00.000Z", "{\"title\":\"Password reset\"}"),
	EV("requirement.analyzed", "pw-1", "2026-11-26T12:00:01.000Z",
	   "{\"stories\":[{\"id\":\"US-1\",\"role\":\"user\",\"goal\":\"reset my password\","
	   "\"benefit\":\"I can log in\",\"priority\":\"must\",\"acceptance\":[{\"given\":\"a user\","
	   "\"when\":\"they ask\",\"then\":\"a link is sent\"},7]},\"not a story\"],"
	   "\"nfrs\":[{\"id\":\"NFR-1\",\"category\":\"security\",\"text\":\"no enumeration\"}],"
	   "\"questions\":[\"who?\",{\"kind\":\"vague\",\"text\":\"how fast?\"},3]}"),
	EV("feature.tested", "pw-1", "2026-11-26T12:00:02.000Z",
	   "{\"status\":\"fail\",\"tests\":{\"passed\":41,\"failed\":1,\"skipped\":2,\"errors\":0,"
	   "\"duration_ms\":1500},\"coverage\":{\"lines_pct\":92.5,\"branches_pct\":\"high\"},"
	   "\"failures\":[{\"name\":\"t_reset\",\"message\":\"boom\",\"file\":\"t.py\",\"line\":12}]}"),
	EV("feature.integrated", "pw-1", "2026-11-26T12:00:03.000Z",
	   "{\"status\":\"pass\",\"contract\":{\"mismatches\":[1,2]},\"e2e\":{\"passed\":5,\"failed\":0}}"),
	EV("security.finding", "pw-1", "2026-11-26T12:00:04.000Z",
	   "{\"rule\":\"pw-quoted\",\"severity\":\"high\",\"message\":\"a password\","
	   "\"locations\":[{\"path\":\"a.py\",\"line\":2}]}"),
	EV("feature.security_checked", "pw-1", "2026-11-26T12:00:05.000Z",
	   "{\"status\":\"fail\",\"counts\":{\"critical\":0,\"high\":1,\"medium\":0,\"low\":3},"
	   "\"findings\":[{\"rule\":\"copy\",\"severity\":\"high\"}]}"),
	EV("agent.rejected", "pw-1", "2026-11-26T12:00:06.000Z", "{\"line\":3,\"reason\":\"not JSON\"}"),
	EV("rollout.step", "pw-1", "2026-11-26T12:00:10.000Z",
	   "{\"step\":1,\"weight\":10,\"phase\":\"set\",\"thresholds\":{\"error_rate\":0.01,\"p95_ms\":500}}"),
	EV("rollout.step", "pw-1", "2026-11-26T12:00:20.000Z",
	   "{\"step\":1,\"weight\":10,\"phase\":\"passed\",\"verdict\":\"successful\","
	   "\"measurements\":{\"error_rate\":0.005,\"p95_ms\":200,\"mem_pct\":null,\"health\":\"ok\","
	   "\"requests\":5}}"),
	EV("rollout.promoted", "pw-1", "2026-11-26T12:00:30.000Z", "{\"step\":1,\"weight\":100}"),
	EV("feature.production_deployed", "pw-1", "2026-11-26T12:00:31.000Z",
	   "{\"environment\":\"production\",\"version\":\"1.2.3\"}"),
	"{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"s\",\"type\":\"agent.failed\","
	"\"time\":\"2026-11-26T11:00:00.000Z\",\"data\":{}}",
	EV("requirement.submitted", "other-2", "2026-11-26T11:59:00.000Z", "{\"title\":\"Other\"}"),
};

static const char expected_model[] =
	"{\"title\":\"T\",\"as_of\":\"2026-11-26T12:00:31.000Z\",\"unattributed\":{\"events\":1,"
	"\"rejected\":0,\"failed\":1},\"features\":[{\"subject\":\"pw-1\",\"title\":\"Password reset\","
	"\"stage\":\"feature.production_deployed\",\"status\":\"fail\","
	"\"first\":\"2026-11-26T12:00:00.000Z\",\"last\":\"2026-11-26T12:00:31.000Z\",\"events\":11,"
	"\"omitted\":0,\"timeline\":["
	"{\"time\":\"2026-11-26T12:00:00.000Z\",\"type\":\"requirement.submitted\",\"source\":\"agentkit/t\","
	"\"outcome\":\"Password reset\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:01.000Z\",\"type\":\"requirement.analyzed\",\"source\":\"agentkit/t\","
	"\"outcome\":\"2 stories, 1 NFRs, 3 questions\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:02.000Z\",\"type\":\"feature.tested\",\"source\":\"agentkit/t\","
	"\"outcome\":\"fail, passed 41, failed 1, skipped 2, lines 92.5%\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:03.000Z\",\"type\":\"feature.integrated\",\"source\":\"agentkit/t\","
	"\"outcome\":\"pass, 2 mismatches, e2e passed 5, e2e failed 0\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:04.000Z\",\"type\":\"security.finding\",\"source\":\"agentkit/t\","
	"\"outcome\":\"high, pw-quoted at a.py:2\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:05.000Z\",\"type\":\"feature.security_checked\",\"source\":\"agentkit/t\","
	"\"outcome\":\"fail, critical 0, high 1, medium 0, low 3\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:06.000Z\",\"type\":\"agent.rejected\",\"source\":\"agentkit/t\","
	"\"outcome\":\"line 3, not JSON\",\"highlight\":true},"
	"{\"time\":\"2026-11-26T12:00:10.000Z\",\"type\":\"rollout.step\",\"source\":\"agentkit/t\","
	"\"outcome\":\"step 1, weight 10%, set\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:20.000Z\",\"type\":\"rollout.step\",\"source\":\"agentkit/t\","
	"\"outcome\":\"step 1, weight 10%, passed, verdict successful, error rate 0.50%, p95 200 ms\","
	"\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:30.000Z\",\"type\":\"rollout.promoted\",\"source\":\"agentkit/t\","
	"\"outcome\":\"step 1, weight 100%\",\"highlight\":false},"
	"{\"time\":\"2026-11-26T12:00:31.000Z\",\"type\":\"feature.production_deployed\","
	"\"source\":\"agentkit/t\",\"outcome\":\"production, 1.2.3\",\"highlight\":false}],"
	"\"requirement\":{\"stories\":[{\"id\":\"US-1\",\"role\":\"user\",\"goal\":\"reset my password\","
	"\"benefit\":\"I can log in\",\"priority\":\"must\",\"acceptance\":[{\"given\":\"a user\","
	"\"when\":\"they ask\",\"then\":\"a link is sent\"}]}],"
	"\"nfrs\":[{\"id\":\"NFR-1\",\"category\":\"security\",\"text\":\"no enumeration\"}],"
	"\"questions\":[\"who?\",\"how fast?\"]},"
	"\"tests\":{\"status\":\"fail\",\"passed\":41,\"failed\":1,\"skipped\":2,\"errors\":0,"
	"\"duration_ms\":1500,\"lines_pct\":92.5,\"branches_pct\":null,\"failures\":[{\"name\":\"t_reset\","
	"\"message\":\"boom\",\"file\":\"t.py\",\"line\":12}]},"
	"\"integration\":{\"status\":\"pass\",\"mismatches\":2,\"e2e_passed\":5,\"e2e_failed\":0},"
	"\"security\":{\"status\":\"fail\",\"critical\":0,\"high\":1,\"medium\":0,\"low\":3,"
	"\"findings\":[{\"rule\":\"pw-quoted\",\"severity\":\"high\",\"location\":\"a.py:2\","
	"\"message\":\"a password\"}]},"
	"\"rollout\":{\"name\":null,\"outcome\":\"promoted\",\"thresholds\":{\"error_rate\":0.01,"
	"\"p95_ms\":500},\"rows\":["
	"{\"time\":\"2026-11-26T12:00:10.000Z\",\"type\":\"rollout.step\",\"step\":1,\"weight\":10,"
	"\"phase\":\"set\",\"verdict\":null,\"reason\":null,\"error_rate\":null,\"p95_ms\":null,"
	"\"mem_pct\":null,\"health\":null,\"requests\":null},"
	"{\"time\":\"2026-11-26T12:00:20.000Z\",\"type\":\"rollout.step\",\"step\":1,\"weight\":10,"
	"\"phase\":\"passed\",\"verdict\":\"successful\",\"reason\":null,\"error_rate\":0.005,"
	"\"p95_ms\":200,\"mem_pct\":null,\"health\":\"ok\",\"requests\":5},"
	"{\"time\":\"2026-11-26T12:00:30.000Z\",\"type\":\"rollout.promoted\",\"step\":1,\"weight\":100,"
	"\"phase\":null,\"verdict\":null,\"reason\":null,\"error_rate\":null,\"p95_ms\":null,"
	"\"mem_pct\":null,\"health\":null,\"requests\":null}]},"
	"\"deploys\":[{\"type\":\"feature.production_deployed\",\"time\":\"2026-11-26T12:00:31.000Z\","
	"\"environment\":\"production\",\"version\":\"1.2.3\",\"sha256\":null,\"approval\":null}]},"
	"{\"subject\":\"other-2\",\"title\":\"Other\",\"stage\":\"requirement.submitted\",\"status\":null,"
	"\"first\":\"2026-11-26T11:59:00.000Z\",\"last\":\"2026-11-26T11:59:00.000Z\",\"events\":1,"
	"\"omitted\":0,\"timeline\":[{\"time\":\"2026-11-26T11:59:00.000Z\",\"type\":\"requirement.submitted\","
	"\"source\":\"agentkit/t\",\"outcome\":\"Other\",\"highlight\":false}],\"requirement\":null,"
	"\"tests\":null,\"integration\":null,\"security\":null,\"rollout\":null,\"deploys\":[]}]}";

static struct report_model *model_of(const char *const *ev, size_t n)
{
	struct report_model *m = report_model_new();

	for (size_t i = 0; m && i < n; i++)
		if (report_model_add(m, ev[i], strlen(ev[i])) < 0)
			printf("# event %zu: %s\n", i, ak_errmsg());
	return m;
}

static void test_model(void)
{
	struct report_model *m = model_of(events, sizeof(events) / sizeof(*events));
	json_t *got = report_model_json(m, "T"), *want = json_loads(expected_model, 0, NULL);
	char *a, *b;

	ok(want != NULL, "the expected model parses");
	ok(json_equal(got, want), "the model of the fixed events is the expected one");
	if (!json_equal(got, want)) {
		a = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		b = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
		printf("#   got:  %s\n#   want: %s\n", a, b);
		free(a);
		free(b);
	}
	ok(report_model_has(m, "pw-1") && report_model_has(m, "other-2") && !report_model_has(m, "x"),
	   "report_model_has knows the subjects seen");
	json_decref(got);
	json_decref(want);

	/* input that is not an event leaves the model as it was */
	got = report_model_json(m, "T");
	is_int(report_model_add(m, "[1,2]", 5), -1, "an array is refused");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "as bad input data");
	is_int(report_model_add(m, "{\"type\":", 8), -1, "a broken text is refused");
	is_int(report_model_add(m, "{\"subject\":\"pw-1\"}", 18), -1, "an object without a type is refused");
	want = report_model_json(m, "T");
	ok(json_equal(got, want), "refused input leaves the model unchanged");
	json_decref(got);
	json_decref(want);
	report_model_free(m);
}

/* A story of 3000 "é" is clipped at a character, not inside one. */
static void test_clip(void)
{
	char in[6001], out[16];
	struct report_model *m;
	json_t *doc, *check;
	const char *goal;
	struct buf ev = BUF_INIT;

	for (int i = 0; i < 3000; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	in[6000] = 0;
	report_clip(in, out, sizeof(out));
	is_str(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...", "report_clip cuts at a character");
	report_clip("short", out, sizeof(out));
	is_str(out, "short", "report_clip leaves a short text alone");

	buf_addf(&ev, "{\"type\":\"requirement.analyzed\",\"subject\":\"s\",\"data\":{\"stories\":"
		 "[{\"goal\":\"%s\"}]}}", in);
	m = report_model_new();
	is_int(report_model_add(m, ev.p, ev.len), 0, "a long story is taken");
	doc = report_model_json(m, "T");
	goal = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "features"), 0), "requirement"), "stories"), 0), "goal"));
	ok(goal && strlen(goal) < REPORT_MAX_TEXT && strlen(goal) > REPORT_MAX_TEXT - 8,
	   "its goal is clipped to the limit (%zu bytes)", goal ? strlen(goal) : 0);
	check = goal ? json_string(goal) : NULL;
	ok(goal && !strcmp(goal + strlen(goal) - 3, "...") && check != NULL,
	   "and stays valid UTF-8, marked as cut");
	json_decref(check);
	json_decref(doc);
	report_model_free(m);
	buf_release(&ev);
}

/* The stage is the furthest step reached, not the last event recorded. */
static void test_stage(void)
{
	static const char *const ev[] = {
		"{\"type\":\"feature.tested\",\"subject\":\"a\",\"data\":{\"status\":\"pass\"}}",
		"{\"type\":\"feature.backend_ready\",\"subject\":\"a\"}",
		"{\"type\":\"agent.failed\",\"subject\":\"a\",\"data\":{\"reason\":\"x\"}}",
		"{\"type\":\"custom.thing\",\"subject\":\"b\"}",
		"{\"type\":\"other.thing\",\"subject\":\"b\"}",
	};
	struct report_model *m = model_of(ev, 5);
	json_t *doc = report_model_json(m, "T");
	const json_t *f = json_object_get(doc, "features");

	is_str(json_string_value(json_object_get(json_array_get(f, 0), "stage")), "feature.tested",
	       "an earlier step recorded later does not move the stage back");
	ok(json_is_true(json_object_get(json_array_get(json_object_get(json_array_get(f, 0), "timeline"), 2),
					"highlight")), "agent.failed is highlighted");
	is_str(json_string_value(json_object_get(json_array_get(f, 1), "stage")), "other.thing",
	       "off the workflow, the last type is the stage");
	ok(json_object_get(json_array_get(f, 0), "_rank") == NULL, "no internal field is shown");
	json_decref(doc);
	report_model_free(m);
}

static void test_chart(void)
{
	json_t *rows = json_loads(
		"[{\"time\":\"2026-11-26T12:00:00Z\",\"type\":\"rollout.step\",\"step\":1,\"weight\":10,"
		"\"phase\":\"set\",\"error_rate\":null,\"p95_ms\":null},"
		"{\"time\":\"2026-11-26T12:00:10Z\",\"type\":\"rollout.step\",\"step\":1,\"weight\":10,"
		"\"phase\":\"passed\",\"error_rate\":0.005,\"p95_ms\":200},"
		"{\"time\":\"2026-11-26T12:00:20Z\",\"type\":\"rollout.step\",\"step\":2,\"weight\":50,"
		"\"phase\":\"passed\",\"error_rate\":0.01,\"p95_ms\":400},"
		"{\"time\":\"bad\",\"type\":\"rollout.step\",\"error_rate\":0.5}]", 0, NULL);
	json_t *th = json_pack("{s:f,s:i}", "error_rate", 0.01, "p95_ms", 500);
	struct buf b = BUF_INIT;

	is_int((long long)(chart_top(0) * 100), 100, "chart_top(0) is 1");
	is_int((long long)(chart_top(0.3) * 100), 50, "chart_top(0.3) is 0.5");
	is_int((long long)(chart_top(1) * 100), 100, "chart_top(1) is 1");
	is_int((long long)(chart_top(1.01) * 100), 200, "chart_top(1.01) is 2");
	is_int((long long)(chart_top(2.2) * 100), 250, "chart_top(2.2) is 2.5");
	is_int((long long)chart_top(420), 500, "chart_top(420) is 500");
	is_int((long long)chart_top(501), 1000, "chart_top(501) is 1000");

	ok(rows && th, "fixture parses");
	is_int(report_chart_svg(rows, th, &b), 1, "a chart is drawn");
	/* x: 12:00:00 at 70, 12:00:20 at 730 (660 px for 20 s); error rate
	 * panel top 40, 140 px for 0..1%; p95 panel top 240, 140 px for 0..500 ms */
	ok(strstr(b.p, "<circle class=\"point\" cx=\"400.0\" cy=\"110.0\"") != NULL,
	   "0.5%% at 12:00:10 is at (400, 110)");
	ok(strstr(b.p, "<circle class=\"point\" cx=\"730.0\" cy=\"40.0\"") != NULL,
	   "1%% at 12:00:20 is at (730, 40)");
	ok(strstr(b.p, "<rect class=\"point\" x=\"396.5\" y=\"320.5\"") != NULL,
	   "p95 200 ms at 12:00:10 is a square around (400, 324)");
	ok(strstr(b.p, "<rect class=\"point\" x=\"726.5\" y=\"264.5\"") != NULL,
	   "p95 400 ms at 12:00:20 is a square around (730, 268)");
	ok(strstr(b.p, "points=\"400.0,110.0 730.0,40.0\"") != NULL, "the error rate line joins its points");
	ok(strstr(b.p, "points=\"400.0,324.0 730.0,268.0\"") != NULL, "the p95 line joins its points");
	ok(strstr(b.p, "<line class=\"threshold\" x1=\"70\" y1=\"240.0\" x2=\"730\" y2=\"240.0\"/>") ||
	   strstr(b.p, "<line class=\"threshold\" x1=\"70\" y1=\"240.0\""),
	   "the p95 threshold 500 ms is dashed at the top of its panel");
	ok(strstr(b.p, "<line class=\"threshold\" x1=\"70\" y1=\"40.0\"") != NULL,
	   "the error threshold 1%% is at the top of its panel");
	ok(strstr(b.p, "<rect class=\"band\" x=\"70.0\" y=\"40\" width=\"660.0\"") != NULL,
	   "the 10%% band runs from its step to the end");
	ok(strstr(b.p, ">10%</text>") != NULL, "the band is labelled with its weight");
	ok(strstr(b.p, "<title>step 1 (10%) at 2026-11-26T12:00:10.000Z: error rate 0.50%</title>") != NULL,
	   "a point has a tooltip");
	ok(strstr(b.p, ">12:00:00</text>") && strstr(b.p, ">12:00:10</text>") && strstr(b.p, ">12:00:20</text>"),
	   "time ticks are labelled");
	ok(strstr(b.p, ">error rate (%)</text>") && strstr(b.p, ">p95 (ms)</text>") &&
	   strstr(b.p, ">time (UTC)</text>") && strstr(b.p, ">threshold</text>") &&
	   strstr(b.p, ">canary weight (%)</text>"), "axis titles and legend are there");
	ok(strstr(b.p, ">0.5</text>") && strstr(b.p, ">250</text>"), "value ticks are labelled");
	ok(strstr(b.p, "cy=\"-") == NULL, "the row without a time is left out");

	/* nothing to draw */
	buf_reset(&b);
	json_array_remove(rows, 2);
	json_array_remove(rows, 1);
	is_int(report_chart_svg(rows, json_null(), &b), 0, "no measurement: no chart");
	is_int((long long)b.len, 0, "and nothing written");
	buf_release(&b);
	json_decref(rows);
	json_decref(th);
}

static void test_escape(void)
{
	struct buf b = BUF_INIT;

	report_escape(&b, "<script>alert('x' & \"y\")</script>");
	is_str(b.p, "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;",
	       "markup characters become references");
	buf_reset(&b);
	report_escape(&b, "a\x01" "b\tc\nd\x7f" "e\xc2\x85" "f\xc3\xa9");
	is_str(b.p, "a\xef\xbf\xbd" "b\tc\nd\xef\xbf\xbd" "e\xef\xbf\xbd" "f\xc3\xa9",
	       "control characters become U+FFFD, tab, newline and letters stay");
	buf_reset(&b);
	is_int(report_escape(&b, NULL), 0, "NULL appends nothing");
	is_int((long long)b.len, 0, "nothing at all");
	buf_release(&b);
}

static void test_html(void)
{
	static const char *const hostile[] = {
		"{\"type\":\"requirement.analyzed\",\"subject\":\"x-1\",\"time\":\"<b>t</b>\",\"source\":"
		"\"<img src=x onerror=alert(1)>\",\"data\":{\"title\":\"</title><script>alert(2)</script>\","
		"\"stories\":[{\"id\":\"US-<1>\",\"role\":\"admin\",\"goal\":\"<script>alert(1)</script>\","
		"\"acceptance\":[{\"given\":\"\\\"><iframe>\",\"when\":\"&amp;\",\"then\":\"'\"}]}]}}",
	};
	struct report_model *m = model_of(hostile, 1);
	json_t *doc = report_model_json(m, "<T>");
	struct buf a = BUF_INIT, b = BUF_INIT;

	is_int(report_html(doc, &a), 0, "the page is written");
	ok(strstr(a.p, "<script") == NULL && strstr(a.p, "<iframe") == NULL && strstr(a.p, "<img") == NULL &&
	   strstr(a.p, "<b>") == NULL, "no markup from events reaches the page");
	ok(strstr(a.p, "I want <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>") != NULL,
	   "the story's goal shows as text");
	ok(strstr(a.p, "<title>&lt;T&gt;</title>") != NULL, "the title is escaped");
	ok(strstr(a.p, "<td>&quot;&gt;&lt;iframe&gt;</td><td>&amp;amp;</td><td>&#39;</td>") != NULL,
	   "acceptance criteria are escaped cell by cell");
	ok(strstr(a.p, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		  "style-src 'unsafe-inline'; img-src data:\">") != NULL, "the page has its CSP");
	ok(strstr(a.p, "no tests recorded") && strstr(a.p, "no integration recorded") &&
	   strstr(a.p, "no security check recorded") && strstr(a.p, "no rollout") &&
	   strstr(a.p, "no deploys recorded") && strstr(a.p, "no non-functional requirements"),
	   "the missing parts say so");
	ok(strstr(a.p, "<link") == NULL && strstr(a.p, "src=\"http") == NULL && strstr(a.p, "url(") == NULL,
	   "nothing is loaded from elsewhere");
	ok(!strncmp(a.p, "<!DOCTYPE html>\n", 16) && !strcmp(a.p + a.len - 8, "</html>\n"),
	   "a whole document");
	is_int(report_html(doc, &b), 0, "written again");
	ok(a.len == b.len && !memcmp(a.p, b.p, a.len), "the same model gives the same bytes");
	buf_release(&a);
	buf_release(&b);
	json_decref(doc);
	report_model_free(m);

	/* a page over the buffer's limit is refused, and the buffer left as it was */
	m = model_of(events, sizeof(events) / sizeof(*events));
	doc = report_model_json(m, "T");
	buf_init(&a, 4096);
	buf_addstr(&a, "kept");
	is_int(report_html(doc, &a), -1, "a page over the limit is refused");
	is_str(a.p, "kept", "and the buffer keeps what it had");
	buf_release(&a);
	json_decref(doc);
	report_model_free(m);
}

static void test_write(void)
{
	char dir[] = "/tmp/u-report-page.XXXXXX", path[256], bad[300], *text = NULL;
	struct buf b = BUF_INIT;
	struct stat st;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/page.html", dir);
	is_int(file_write_atomic(path, "one\n", 4, 0666), 0, "a new file is written");
	is_int(file_write_atomic(path, "two\n", 4, 0666), 0, "and replaced");
	buf_read_file(&b, path);
	is_str(b.p, "two\n", "with the new text");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~umask(022)), "its mode follows the umask");
	umask(022);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/page.html", dir);
	is_int(file_write_atomic(bad, "x", 1, 0666), -1, "a file in a missing folder is refused");
	is_int(ak_errcode(), AK_EXIT_IOERR, "as an I/O error");
	is_int(file_write_atomic("/dev/full", "x", 1, 0666), -1, "a full device is an error");
	is_int(ak_errcode(), AK_EXIT_IOERR, "an I/O error");
	is_int(file_write_atomic("/dev/null", "x", 1, 0666), 0, "a device is written in place");
	ok(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "and stays a device");
	unlink(path);
	is_int(rmdir(dir), 0, "no temporary file is left behind");
	buf_release(&b);
	free(text);
}

int main(void)
{
	test_model();
	test_clip();
	test_stage();
	test_chart();
	test_escape();
	test_html();
	test_write();
	return done_testing();
}
