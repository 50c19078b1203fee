/*
 * u-filter.c - unit tests for lib/filter.c, the loop under every agent.
 *
 * Each case runs a real filter over a temporary input file with its output
 * going to a temporary file and stderr captured, then compares what came
 * out: pass-through byte for byte, one output line per bad input line
 * (agent.rejected with its line number), handler output following its
 * input, all-or-nothing handler failures (agent.failed), work items
 * wrapped, --no-pass, --strict, the safe copy of rejected input
 * (truncated, UTF-8, secrets redacted), the exit status and write errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "event.h"
#include "filter.h"
#include "jscan.h"
#include "log.h"
#include "out.h"
#include "tap.h"
#include "validate.h"

static char tmpdir[] = "/tmp/u-filter.XXXXXX";
static const char *origin = "in.jsonl";   /* the input's name in messages */

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static int temp_fd(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bail("cannot create a temporary file");
	unlink(path);
	return fd;
}

static char *slurp(int fd, size_t *len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)size + 1);

	if (!s || lseek(fd, 0, SEEK_SET) != 0 || read(fd, s, (size_t)size) != (ssize_t)size)
		bail("cannot read back a temporary file");
	s[size] = '\0';
	*len = (size_t)size;
	return s;
}

/* What one run of the filter left behind. */
struct run {
	char *out, *err;
	size_t out_len, err_len;
	json_t *lines;             /* each output line parsed (null if not JSON) */
	char *raw[64];             /* each output line as text */
	size_t nlines;
	int rc, status;
	struct filter_stats st;
	char errmsg[256];
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	for (size_t i = 0; i < r->nlines && i < 64; i++)
		free(r->raw[i]);
	json_decref(r->lines);
	memset(r, 0, sizeof(*r));
}

typedef void (*setup_fn)(struct filter *f);

/*
 * Run a filter defined by def and opts over input[0..len) and collect the
 * result. out_path, when given, is where the output goes instead (/dev/full).
 */
static void run_filter(const struct filter_def *def, const struct filter_opts *opts,
		       const char *input, size_t len, const char *out_path, setup_fn setup,
		       struct run *r)
{
	int in = temp_fd("in"), outfd, errfd = temp_fd("err"), saved_err;
	struct event_ctx ec;
	struct out o;
	struct filter *f;
	char *p, *nl;

	memset(r, 0, sizeof(*r));
	if (write(in, input, len) != (ssize_t)len || lseek(in, 0, SEEK_SET) != 0)
		bail("cannot write the input");
	outfd = out_path ? open(out_path, O_WRONLY) : temp_fd("out");
	if (outfd < 0)
		bail("cannot open the output");
	event_ctx_init(&ec, "agentkit/u-filter", "1700000000");
	out_init(&o, outfd, 0);
	f = filter_new(def, opts, &ec, &o);
	if (!f)
		bail("filter_new");

	fflush(stderr);
	saved_err = dup(2);
	dup2(errfd, 2);
	if (setup)
		setup(f);
	r->rc = filter_run(f, in, origin);
	snprintf(r->errmsg, sizeof(r->errmsg), "%s", ak_errmsg());
	r->status = filter_status(f);
	r->st = *filter_stats(f);
	filter_free(f);
	out_close(&o);
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);

	r->err = slurp(errfd, &r->err_len);
	if (!out_path)
		r->out = slurp(outfd, &r->out_len);
	else
		r->out = calloc(1, 1);
	close(outfd);
	close(errfd);
	close(in);

	r->lines = json_array();
	for (p = r->out; *p; p = nl + 1) {
		json_t *j;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (r->nlines < 64)
			r->raw[r->nlines] = strndup(p, (size_t)(nl - p));
		j = json_loadb(p, (size_t)(nl - p), 0, NULL);
		json_array_append_new(r->lines, j ? j : json_null());
		r->nlines++;
	}
}

static const char *line_type(const struct run *r, size_t i)
{
	return event_attr(json_array_get(r->lines, i), "type");
}

static json_t *line_data(const struct run *r, size_t i, const char *name)
{
	return json_object_get(json_object_get(json_array_get(r->lines, i), "data"), name);
}

static const char *data_str(const struct run *r, size_t i, const char *name)
{
	return json_string_value(line_data(r, i, name));
}

static long long data_int(const struct run *r, size_t i, const char *name)
{
	json_t *v = line_data(r, i, name);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* An output line is a valid event that also carries its type's data fields. */
static int valid_event(const char *line)
{
	static struct jscan js;
	char why[192];
	json_t *ev;
	int good;

	if (jscan_parse(&js, line, strlen(line)) < 0 || event_check(&js, why, sizeof(why)) != EVENT_EVENT)
		return 0;
	ev = json_loads(line, 0, NULL);
	good = ev && validate_data(ev, why, sizeof(why)) == 0;
	json_decref(ev);
	return good;
}

/* A fixed, valid event line of the given type, id and data. */
static char *event_line(const char *type, const char *id, const char *subject, const char *data)
{
	static char buf[8][1024];
	static int next;
	char *s = buf[next++ % 8];

	snprintf(s, sizeof(buf[0]),
		 "{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"agentkit/upstream\","
		 "\"type\":\"%s\"%s%s%s,\"time\":\"2024-05-01T10:00:00.000Z\","
		 "\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\""
		 "%s%s}",
		 id, type, subject ? ",\"subject\":\"" : "", subject ? subject : "",
		 subject ? "\"" : "", data ? ",\"data\":" : "", data ? data : "");
	return s;
}

static const struct filter_def no_agent = { 0 };
static const struct filter_opts plain_opts = FILTER_OPTS_INIT;

static void test_pass_through(void)
{
	struct run r;
	char input[8192];
	int n;

	n = snprintf(input, sizeof(input), "%s\n%s\n%s\n",
		     event_line("feature.tested", "e1", "pw-1a2b",
				"{\"status\":\"pass\",\"tests\":{\"passed\":3}}"),
		     "{ \"specversion\" : \"1.0\", \"id\":\"e2\" ,\"source\":\"s\", "
		     "\"type\":\"x.y\", \"data\": [1, 2.5e3, \"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00\"] }  ",
		     "{\"specversion\":\"1.0\",\"id\":\"e3\",\"source\":\"s\",\"type\":\"t\","
		     "\"ext1\":1,\"ext2\":\"v\",\"subject\":null}");
	run_filter(&no_agent, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_int(r.rc, 0, "pass-through: filter_run returns 0");
	is_str(r.out, input, "pass-through: output is byte-identical to the input");
	is_int(r.status, 0, "pass-through: status 0");
	ok(r.st.lines == 3 && r.st.passed == 3 && r.st.rejected == 0 && r.st.handled == 0,
	   "pass-through: stats 3 lines, 3 passed");
	is_str(r.err, "", "pass-through: nothing on stderr");
	run_free(&r);

	/* CRLF input goes out with LF; a last line without newline gets one. */
	n = snprintf(input, sizeof(input), "%s\r\n%s", event_line("t", "a", NULL, NULL),
		     event_line("t", "b", NULL, NULL));
	run_filter(&no_agent, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	{
		char want[4096];

		snprintf(want, sizeof(want), "%s\n%s\n", event_line("t", "a", NULL, NULL),
			 event_line("t", "b", NULL, NULL));
		is_str(r.out, want, "CRLF and a missing last newline: LF lines out");
	}
	run_free(&r);

	run_filter(&no_agent, &plain_opts, "", 0, NULL, NULL, &r);
	ok(r.rc == 0 && r.out_len == 0 && r.status == 0, "empty input: nothing out, status 0");
	run_free(&r);
}

static void test_rejects(void)
{
	static const char *const bad[] = {
		NULL,
		"bad json",
		NULL,
		"{\"specversion\":\"0.3\",\"id\":\"x9\",\"source\":\"s\",\"type\":\"t\","
		"\"subject\":\"sub-1\"}",
		"",
		"[1,2]",
		"{\"title\":\"a work item\"}",
		"{\"a\":1",
	};
	static const char *const reasons[] = {
		NULL,
		"not valid JSON: unexpected character at byte 1",
		NULL,
		"specversion must be \"1.0\"",
		"not valid JSON: empty line at byte 1",
		"not a JSON object but an array",
		NULL,
		"not valid JSON: truncated JSON at byte 7",
	};
	char input[8192], out1[16384];
	size_t o = 0, nbad = 0;
	struct run r;
	int all_valid = 1;

	for (size_t i = 0; i < 8; i++) {
		const char *l = bad[i] ? bad[i] : event_line("t", i ? "e3" : "e1", NULL, NULL);

		o += (size_t)snprintf(input + o, sizeof(input) - o, "%s%s", l, i < 7 ? "\n" : "");
	}
	run_filter(&no_agent, &plain_opts, input, o, NULL, NULL, &r);
	is_int((long long)r.nlines, 8, "8 input lines, 8 output lines");
	for (size_t i = 0; i < 8; i++) {
		if (!reasons[i]) {
			const char *l = bad[i] ? bad[i] : event_line("t", i ? "e3" : "e1", NULL, NULL);

			is_str(r.raw[i], l, "line %zu passes unchanged", i + 1);
			continue;
		}
		nbad++;
		is_str(line_type(&r, i), "agent.rejected", "line %zu: agent.rejected", i + 1);
		is_int(data_int(&r, i, "line"), (long long)i + 1, "line %zu: data.line", i + 1);
		is_str(data_str(&r, i, "reason"), reasons[i], "line %zu: data.reason", i + 1);
		is_str(data_str(&r, i, "input"), bad[i], "line %zu: data.input", i + 1);
		is_str(data_str(&r, i, "origin"), "in.jsonl", "line %zu: data.origin", i + 1);
		all_valid &= valid_event(r.raw[i]);
	}
	ok(all_valid, "every agent.rejected is a valid event with its data fields");
	is_str(event_attr(json_array_get(r.lines, 3), "subject"), "sub-1",
	       "a rejected event keeps the input's subject");
	is_str(data_str(&r, 3, "input_id"), "x9", "and names the input id");
	ok(line_data(&r, 1, "input_id") == NULL, "no input_id when the input had none");
	is_int(r.status, AK_EXIT_DATAERR, "status 65 after rejections");
	is_int(r.rc, 0, "filter_run still returns 0");
	ok(r.st.lines == 8 && r.st.rejected == nbad && r.st.passed == 3, "stats: 8 lines, %zu rejected",
	   nbad);
	is_str(r.err,
	       "u-filter: warning: in.jsonl:2: rejected: not valid JSON: unexpected character at byte 1\n"
	       "u-filter: warning: in.jsonl:4: rejected: specversion must be \"1.0\"\n"
	       "u-filter: warning: in.jsonl:5: rejected: not valid JSON: empty line at byte 1\n"
	       "u-filter: warning: in.jsonl:6: rejected: not a JSON object but an array\n"
	       "u-filter: warning: in.jsonl:8: rejected: not valid JSON: truncated JSON at byte 7\n",
	       "one line on stderr per rejection");
	snprintf(out1, sizeof(out1), "%s", r.out);
	run_free(&r);

	run_filter(&no_agent, &plain_opts, input, o, NULL, NULL, &r);
	is_str(r.out, out1, "the same input gives byte-identical output");
	run_free(&r);
}

/* Handlers. */
static int saw;
static char saw_subject[64];

static int h_emit(struct filter *f, const json_t *ev, void *ctx)
{
	json_t *out = filter_event(f, "feature.reviewed", event_attr(ev, "subject"),
				   json_pack("{s:b}", "ok", 1), ev);

	saw++;
	snprintf(saw_subject, sizeof(saw_subject), "%s",
		 event_attr(ev, "subject") ? event_attr(ev, "subject") : "");
	return filter_emit(f, out);
}

static int h_fail(struct filter *f, const json_t *ev, void *ctx)
{
	saw++;
	filter_emit(f, filter_event(f, "feature.partial", NULL, NULL, ev));
	return ak_error(AK_EXIT_UNAVAILABLE, "service 'x' unavailable");
}

static const char *const tested[] = { "feature.tested", NULL };

static void test_handlers(void)
{
	struct filter_def def = { .consumes = tested, .handle = h_emit };
	const char *e = event_line("feature.tested", "e1", "pw-1a2b",
				   "{\"status\":\"pass\",\"tests\":{\"passed\":3}}");
	const char *other = event_line("feature.other", "e2", NULL, NULL);
	char input[4096];
	struct run r;
	int n = snprintf(input, sizeof(input), "%s\n%s\n", e, other);

	saw = 0;
	run_filter(&def, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_int((long long)r.nlines, 3, "handler: input, its answer, the other input");
	is_str(r.raw[0], e, "handler: the consumed event passes first");
	is_str(line_type(&r, 1), "feature.reviewed", "handler: its answer follows it");
	is_str(r.raw[2], other, "handler: then the next input");
	is_int(saw, 1, "handler: called once");
	is_str(saw_subject, "pw-1a2b", "handler: got the parsed event");
	is_str(event_attr(json_array_get(r.lines, 1), "causationid"), "e1",
	       "handler: the answer's causationid is the input id");
	ok(!strncmp(event_attr(json_array_get(r.lines, 1), "traceparent"),
		    "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36),
	   "handler: the answer carries the input's trace id");
	is_str(event_attr(json_array_get(r.lines, 1), "source"), "agentkit/u-filter",
	       "handler: the answer's source is this program");
	ok(valid_event(r.raw[1]), "handler: the answer is a valid event");
	ok(r.st.handled == 1 && r.st.emitted == 1 && r.st.passed == 2, "handler: stats");
	is_int(r.status, 0, "handler: status 0");
	run_free(&r);

	/* A failing handler: agent.failed instead of its partial output. */
	def.handle = h_fail;
	saw = 0;
	run_filter(&def, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_int((long long)r.nlines, 3, "failing handler: input, agent.failed, next input");
	is_str(r.raw[0], e, "failing handler: the input passes");
	is_str(line_type(&r, 1), "agent.failed", "failing handler: agent.failed");
	ok(!strstr(r.out, "feature.partial"), "failing handler: its partial output is dropped");
	is_str(data_str(&r, 1, "reason"), "service 'x' unavailable", "agent.failed: reason");
	is_int(data_int(&r, 1, "line"), 1, "agent.failed: line");
	is_str(data_str(&r, 1, "input_id"), "e1", "agent.failed: input_id");
	is_str(data_str(&r, 1, "input_type"), "feature.tested", "agent.failed: input_type");
	is_str(event_attr(json_array_get(r.lines, 1), "causationid"), "e1",
	       "agent.failed: causationid");
	is_str(event_attr(json_array_get(r.lines, 1), "subject"), "pw-1a2b",
	       "agent.failed: the input's subject");
	ok(valid_event(r.raw[1]), "agent.failed is a valid event");
	is_str(r.raw[2], other, "failing handler: the stream goes on");
	is_int(r.status, AK_EXIT_UNAVAILABLE, "failing handler: status is the error's class");
	ok(r.st.failed == 1 && r.st.handled == 1, "failing handler: stats");
	is_str(r.err, "u-filter: in.jsonl:1: feature.tested failed: service 'x' unavailable\n",
	       "failing handler: stderr");
	run_free(&r);

	/* Failure and rejection together: the handler's class wins. */
	n = snprintf(input, sizeof(input), "%s\nbad\n", e);
	run_filter(&def, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_int(r.status, AK_EXIT_UNAVAILABLE, "failure and rejection: status 69");
	run_free(&r);

	/* --no-pass: only this agent's own events. */
	{
		struct filter_opts o = FILTER_OPTS_INIT;

		o.no_pass = 1;
		def.handle = h_emit;
		n = snprintf(input, sizeof(input), "%s\n%s\n{oops\n", e, other);
		run_filter(&def, &o, input, (size_t)n, NULL, NULL, &r);
		is_int((long long)r.nlines, 2, "--no-pass: the answer and the rejection only");
		is_str(line_type(&r, 0), "feature.reviewed", "--no-pass: the answer");
		is_str(line_type(&r, 1), "agent.rejected", "--no-pass: the rejection");
		is_int(data_int(&r, 1, "line"), 3, "--no-pass: rejected line 3");
		ok(!strstr(r.out, "\"e2\""), "--no-pass: the other event is not passed");
		is_int((long long)r.st.passed, 0, "--no-pass: nothing passed");
		run_free(&r);
	}
}

static int h_item(struct filter *f, const json_t *ev, void *ctx)
{
	saw++;
	snprintf(saw_subject, sizeof(saw_subject), "%s", event_attr(ev, "subject"));
	return filter_emit(f, filter_event(f, "requirement.analyzed", event_attr(ev, "subject"),
					   NULL, ev));
}

static void test_items(void)
{
	struct filter_def def = { .item_type = "requirement.submitted", .handle = h_item };
	const char *item = "{\"title\":\"Password reset\",\"text\":\"Users reset.\"}";
	char input[4096], fid[FEATURE_ID_MAX + 1];
	json_t *want;
	struct run r;
	int n;

	event_feature_id("Password reset", "Users reset.", 12, fid);
	n = snprintf(input, sizeof(input), "%s\n{\"text\":\"only text\"}\n"
		     "{\"subject\":\"given-1234\",\"x\":1}\n{\"other\":1}\n%s\n", item,
		     event_line("t", "e9", NULL, NULL));
	saw = 0;
	run_filter(&def, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_int((long long)r.nlines, 8, "items: 5 inputs, 8 outputs");
	is_str(line_type(&r, 0), "requirement.submitted", "item: wrapped as the item type");
	is_str(event_attr(json_array_get(r.lines, 0), "subject"), fid,
	       "item: subject is the feature id of title and text");
	want = json_loads(item, 0, NULL);
	json_object_set_new(want, "format", json_string("text"));
	json_object_set_new(want, "origin", json_string(origin));
	ok(json_equal(json_object_get(json_array_get(r.lines, 0), "data"), want),
	   "item: data is the item, with format and origin added");
	json_decref(want);
	{
		static struct jscan js;
		char why[192];

		ok(jscan_parse(&js, r.raw[0], strlen(r.raw[0])) == 0 &&
		   event_check(&js, why, sizeof(why)) == EVENT_EVENT,
		   "item: the wrapper is a valid CloudEvent");
	}
	/*
	 * agentkit(7) says requirement.submitted carries title, text, format
	 * and origin; a wrapped item has only what the item had, so
	 * `agentctl validate --strict` refuses the wrapper downstream.
	 */
	ok(valid_event(r.raw[0]), "item: the wrapper satisfies --strict");
	is_str(line_type(&r, 1), "requirement.analyzed", "item: the handler's answer follows");
	is_str(event_attr(json_array_get(r.lines, 1), "causationid"),
	       event_attr(json_array_get(r.lines, 0), "id"), "item: answer caused by the wrapper");
	{
		char fid2[FEATURE_ID_MAX + 1];

		event_feature_id("only text", "only text", 9, fid2);
		is_str(event_attr(json_array_get(r.lines, 2), "subject"), fid2,
		       "item with text only: titled by its text");
	}
	is_str(event_attr(json_array_get(r.lines, 4), "subject"), "given-1234",
	       "item with a subject: kept");
	is_str(line_type(&r, 6), "agent.rejected", "item with neither title nor text: rejected");
	is_str(data_str(&r, 6, "reason"), "work item has neither 'title' nor 'text'",
	       "its reason");
	is_str(r.raw[7], event_line("t", "e9", NULL, NULL), "an event passes an item agent");
	is_int(saw, 3, "the handler saw the three wrapped items");
	is_int(r.status, AK_EXIT_DATAERR, "status 65 for the rejected item");
	run_free(&r);

	/* An agent without an item type passes items; --strict refuses them. */
	n = snprintf(input, sizeof(input), "%s\n", item);
	run_filter(&no_agent, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_str(r.out, input, "no item type: the item passes unchanged");
	run_free(&r);
	{
		struct filter_opts o = FILTER_OPTS_INIT;

		o.strict = 1;
		run_filter(&no_agent, &o, input, (size_t)n, NULL, NULL, &r);
		is_str(data_str(&r, 0, "reason"), "a work item, not an event",
		       "--strict: a work item is rejected");
		run_free(&r);
	}
}

static void test_strict(void)
{
	struct filter_opts o = FILTER_OPTS_INIT;
	const char *missing = event_line("feature.tested", "s1", NULL, "{\"status\":\"pass\"}");
	const char *good = event_line("feature.tested", "s2", NULL,
				      "{\"status\":\"fail\",\"tests\":{\"failed\":1}}");
	const char *badstatus = event_line("feature.tested", "s3", NULL,
					   "{\"status\":\"maybe\",\"tests\":{}}");
	const char *unknown = event_line("custom.thing", "s4", NULL, "{}");
	char input[4096];
	struct run r;
	int n = snprintf(input, sizeof(input), "%s\n%s\n%s\n%s\n", missing, good, badstatus, unknown);

	o.strict = 1;
	run_filter(&no_agent, &o, input, (size_t)n, NULL, NULL, &r);
	is_int((long long)r.nlines, 4, "strict: 4 lines out");
	is_str(line_type(&r, 0), "agent.rejected", "strict: missing data.tests is rejected");
	is_str(data_str(&r, 0, "reason"), "feature.tested: data.tests is missing", "its reason");
	is_str(r.raw[1], good, "strict: a complete feature.tested passes");
	is_str(data_str(&r, 2, "reason"), "feature.tested: data.status must be \"pass\" or \"fail\"",
	       "strict: a bad status");
	is_str(r.raw[3], unknown, "strict: an unknown type is not judged");
	run_free(&r);

	run_filter(&no_agent, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_str(r.out, input, "without --strict the same lines pass");
	run_free(&r);
}

static void test_input_copy(void)
{
	struct filter_opts small = FILTER_OPTS_INIT;
	char input[8192], want[4096];
	const char *got;
	struct run r;
	size_t n;

	memset(input, 'x', 3000);
	input[3000] = '\n';
	run_filter(&no_agent, &plain_opts, input, 3001, NULL, NULL, &r);
	got = data_str(&r, 0, "input");
	is_int(got ? (long long)strlen(got) : -1, 1024, "a 3000-byte bad line: copy of 1024 bytes");
	ok(got && strspn(got, "x") == 1024, "the copy is the line's start");
	run_free(&r);

	run_filter(&no_agent, &plain_opts, "\xff\xfe{bad\xc3\n", 8, NULL, NULL, &r);
	is_str(data_str(&r, 0, "input"), "\xef\xbf\xbd\xef\xbf\xbd{bad\xef\xbf\xbd",
	       "invalid UTF-8 becomes U+FFFD");
	is_str(data_str(&r, 0, "reason"), "not valid JSON: invalid UTF-8 at byte 1", "its reason");
	run_free(&r);

	memset(input, 'a', 1023);
	memcpy(input + 1023, "\xc3\xa9 and more\n", 12);
	run_filter(&no_agent, &plain_opts, input, 1035, NULL, NULL, &r);
	memset(want, 'a', 1023);
	memcpy(want + 1023, "\xef\xbf\xbd", 4);
	is_str(data_str(&r, 0, "input"), want, "a character cut at 1024 bytes: U+FFFD");
	run_free(&r);

	run_filter(&no_agent, &plain_opts, "a\0b\n", 4, NULL, NULL, &r);
	is_str(data_str(&r, 0, "reason"), "NUL byte at byte 2", "a NUL byte: reason");
	is_str(data_str(&r, 0, "input"), "a\xef\xbf\xbd" "b", "a NUL byte: U+FFFD in the copy");
	run_free(&r);

	n = (size_t)snprintf(input, sizeof(input),
			     "{\"user\":\"bob\",\"password\":\"hunter2\",\"n\":1\n"
			     "{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\","
			     "\"api_token\": \"s3cr\\\"3t\",\"Secret\":\"abc\",\"tokens\":5}\n");
	run_filter(&no_agent, &plain_opts, input, n, NULL, NULL, &r);
	is_str(data_str(&r, 0, "input"), "{\"user\":\"bob\",\"password\":\"[REDACTED]\",\"n\":1",
	       "a password value shows as [REDACTED]");
	is_str(data_str(&r, 1, "input"),
	       "{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\","
	       "\"api_token\": \"[REDACTED]\",\"Secret\":\"[REDACTED]\",\"tokens\":5}",
	       "token and secret values too, escaped quotes included");
	ok(!strstr(r.out, "hunter2") && !strstr(r.out, "s3cr") && !strstr(r.err, "hunter2"),
	   "the secrets appear nowhere in the output or on stderr");
	run_free(&r);

	small.max_line = 100;
	memset(input, 'y', 200);
	memcpy(input + 200, "\n{\"ok\":1}\n", 10);
	run_filter(&no_agent, &small, input, 210, NULL, NULL, &r);
	is_int((long long)r.nlines, 2, "a too long line: two lines out");
	is_str(data_str(&r, 0, "reason"), "line too long (200 bytes, limit 100)",
	       "a too long line: reason");
	got = data_str(&r, 0, "input");
	ok(got && strlen(got) == 200 && strspn(got, "y") == 200, "a too long line: its head");
	is_str(r.raw[1], "{\"ok\":1}", "the next line passes");
	run_free(&r);
}

static int h_latin1(struct filter *f, const json_t *ev, void *ctx)
{
	return ak_error(AK_EXIT_IOERR, "cannot read 'caf\xe9.txt'");
}

static int h_bad_data(struct filter *f, const json_t *ev, void *ctx)
{
	filter_emit(f, filter_event(f, "feature.half", "s", NULL, ev));
	return ak_error(AK_EXIT_DATAERR, "data.text is empty");
}

/* A handler that finds its input to be bad data rejects it; what it had
 * emitted is dropped, and the stream goes on. */
static void test_handler_rejects(void)
{
	struct filter_def def = { .consumes = tested, .handle = h_bad_data };
	char input[2048];
	struct run r;
	int n = snprintf(input, sizeof(input), "%s\n{\"ok\":1}\n",
			 event_line("feature.tested", "e1", NULL, NULL));

	run_filter(&def, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	is_int((long long)r.nlines, 3, "bad data in a handler: input, rejection, next line");
	is_str(line_type(&r, 1), "agent.rejected", "the handler's bad data is a rejection");
	is_str(data_str(&r, 1, "reason"), "feature.tested: data.text is empty",
	       "the reason names the type and the handler's message");
	is_str(data_str(&r, 1, "input_id"), "e1", "and the input's id");
	is_str(r.raw[2], "{\"ok\":1}", "the stream goes on");
	is_int(r.status, AK_EXIT_DATAERR, "status 65");
	run_free(&r);
}

/*
 * Names and messages are not always UTF-8 (a Latin-1 file name): the
 * trace must keep its data all the same.
 */
static void test_not_utf8(void)
{
	struct filter_def def = { .consumes = tested, .handle = h_latin1 };
	char input[2048];
	struct run r;
	int n = snprintf(input, sizeof(input), "bad\n%s\n",
			 event_line("feature.tested", "e1", NULL, NULL));

	origin = "caf\xe9.jsonl";
	run_filter(&def, &plain_opts, input, (size_t)n, NULL, NULL, &r);
	origin = "in.jsonl";
	is_int((long long)r.nlines, 3, "a non-UTF-8 origin: still 3 lines out");
	is_str(line_type(&r, 0), "agent.rejected", "the rejection");
	ok(data_int(&r, 0, "line") == 1, "agent.rejected keeps its data with a non-UTF-8 origin");
	is_str(line_type(&r, 2), "agent.failed", "the failure");
	ok(data_int(&r, 2, "line") == 2, "agent.failed keeps its data with a non-UTF-8 reason");
	is_int(r.status, AK_EXIT_IOERR, "status 74: the handler's class");
	run_free(&r);
}

static void gate(struct filter *f)
{
	filter_gate_failed(f);
}

static void emit_outside(struct filter *f)
{
	is_int(filter_emit(f, NULL), -1, "filter_emit(NULL) fails");
	filter_emit(f, filter_event(f, "note.made", "n-1", json_object(), NULL));
	is_int(filter_commit(f), 0, "filter_commit writes queued events");
	filter_reject(f, "doc.md", 0, "abc", 3, "'doc.md' is empty");
}

static void test_status(void)
{
	const char *e = event_line("t", "e1", NULL, NULL);
	char input[2048];
	struct run r;
	int n = snprintf(input, sizeof(input), "%s\n", e);

	run_filter(&no_agent, &plain_opts, input, (size_t)n, NULL, gate, &r);
	is_int(r.status, AK_EXIT_GATE, "a gate said no: status 1");
	is_str(r.out, input, "the gate does not change the output");
	run_free(&r);

	n = snprintf(input, sizeof(input), "%s\nbad\n", e);
	run_filter(&no_agent, &plain_opts, input, (size_t)n, NULL, gate, &r);
	is_int(r.status, AK_EXIT_DATAERR, "gate and rejection: 65");
	run_free(&r);

	run_filter(&no_agent, &plain_opts, "", 0, NULL, emit_outside, &r);
	is_int((long long)r.nlines, 2, "events made outside the loop: 2 lines");
	is_str(line_type(&r, 0), "note.made", "the committed event");
	is_str(line_type(&r, 1), "agent.rejected", "filter_reject's event");
	is_int(data_int(&r, 1, "line"), 0, "filter_reject: line 0");
	is_str(data_str(&r, 1, "origin"), "doc.md", "filter_reject: origin");
	is_str(data_str(&r, 1, "input"), "abc", "filter_reject: input");
	is_str(r.err, "u-filter: warning: doc.md: rejected: 'doc.md' is empty\n",
	       "filter_reject: stderr without a line number");
	is_int(r.status, AK_EXIT_DATAERR, "filter_reject: status 65");
	run_free(&r);

	/* A full disk: the loop stops with 74. */
	if (access("/dev/full", W_OK) == 0) {
		n = snprintf(input, sizeof(input), "%s\n%s\n", e, e);
		run_filter(&no_agent, &plain_opts, input, (size_t)n, "/dev/full", NULL, &r);
		is_int(r.rc, -1, "/dev/full: filter_run fails");
		is_int(r.status, AK_EXIT_IOERR, "/dev/full: status 74");
		is_str(r.errmsg, "write error: No space left on device", "/dev/full: message");
		run_free(&r);
	} else {
		ok(1, "# SKIP no /dev/full");
	}
}

/*
 * Jobs: a handler split in begin and finish, with up to three in flight.
 * The fake jobs finish last-begun first, so the loop must hold back what
 * follows an unfinished one; the output must be the same, byte for byte,
 * as the one-at-a-time handler's.
 */
struct fake_job {
	int n, done;
	char subject[64];
};

static struct fake_job *fj_live[16];
static int fj_count, fj_begun, fj_max_inflight, fj_stop_at, fj_fail_at;

static int inflight_now(void)
{
	int k = 0;

	for (int i = 0; i < fj_count; i++)
		k += fj_live[i] && !fj_live[i]->done;
	return k;
}

static int j_begin(struct filter *f, const json_t *ev, void *ctx, void **job)
{
	struct fake_job *j;

	if (++fj_begun == fj_stop_at) {
		filter_emit(f, filter_event(f, "agent.stopped", NULL,
					    json_pack("{s:s}", "reason", "budget"), ev));
		return FILTER_STOP;
	}
	j = calloc(1, sizeof(*j));
	j->n = fj_begun;
	snprintf(j->subject, sizeof(j->subject), "%s", event_attr(ev, "subject"));
	fj_live[fj_count++] = j;
	*job = j;
	if (inflight_now() > fj_max_inflight)
		fj_max_inflight = inflight_now();
	return 0;
}

static int j_done(void *job, void *ctx)
{
	return ((struct fake_job *)job)->done;
}

static void forget(struct fake_job *j)
{
	for (int i = 0; i < fj_count; i++)
		if (fj_live[i] == j)
			fj_live[i] = NULL;
	free(j);
}

static int j_finish(struct filter *f, const json_t *ev, void *job, void *ctx)
{
	struct fake_job *j = job;
	int n = j->n;

	forget(j);
	if (n == fj_fail_at)
		return ak_error(AK_EXIT_UNAVAILABLE, "service 'x' unavailable");
	return h_emit(f, ev, ctx);
}

static void j_cancel(void *job, void *ctx)
{
	forget(job);
}

/* The newest unfinished job finishes. */
static int j_wait(void *ctx, int fd)
{
	for (int i = fj_count - 1; i >= 0; i--)
		if (fj_live[i] && !fj_live[i]->done) {
			fj_live[i]->done = 1;
			return 0;
		}
	return 0;
}

static void jobs_reset(int stop_at, int fail_at)
{
	fj_count = fj_begun = fj_max_inflight = 0;
	fj_stop_at = stop_at;
	fj_fail_at = fail_at;
	memset(fj_live, 0, sizeof(fj_live));
}

static void test_jobs(void)
{
	struct filter_def sync = { .consumes = tested, .handle = h_emit };
	struct filter_def async = { .consumes = tested, .begin = j_begin, .done = j_done,
				    .finish = j_finish, .cancel = j_cancel, .wait = j_wait,
				    .jobs = 3 };
	const char *other = event_line("feature.other", "o1", NULL, NULL);
	char input[16384], id[8], subj[16];
	struct run a, b;
	int n = 0;

	for (int i = 1; i <= 6; i++) {
		snprintf(id, sizeof(id), "e%d", i);
		snprintf(subj, sizeof(subj), "pw-%d", i);
		n += snprintf(input + n, sizeof(input) - (size_t)n, "%s\n%s\n%s",
			      event_line("feature.tested", id, subj, "{\"status\":\"pass\"}"),
			      other, i == 3 ? "{bad\n" : "");
	}
	run_filter(&sync, &plain_opts, input, (size_t)n, NULL, NULL, &a);
	jobs_reset(0, 0);
	run_filter(&async, &plain_opts, input, (size_t)n, NULL, NULL, &b);
	is_int((long long)b.nlines, 19, "jobs: 6 inputs, 6 answers, 6 others, 1 rejection");
	is_str(b.out, a.out, "jobs: the same output, in input order, as one at a time");
	is_int(fj_max_inflight, 3, "jobs: three in flight at most");
	is_int(fj_count, 6, "jobs: every job begun");
	ok(b.st.handled == 6 && b.st.rejected == 1, "jobs: stats");
	is_int(b.status, AK_EXIT_DATAERR, "jobs: the rejection's status");
	run_free(&b);

	/* A job that fails: agent.failed in its place, the rest goes on. */
	jobs_reset(0, 2);
	run_filter(&async, &plain_opts, input, (size_t)n, NULL, NULL, &b);
	is_str(line_type(&b, 4), "agent.failed", "failed job: agent.failed in its place");
	is_str(data_str(&b, 4, "input_id"), "e2", "failed job: for its input");
	is_int((long long)b.nlines, 19, "failed job: nothing lost");
	is_int(b.status, AK_EXIT_UNAVAILABLE, "failed job: status");
	run_free(&b);

	/* A stop at the fourth: the first three answered, then the stop. */
	jobs_reset(4, 0);
	run_filter(&async, &plain_opts, input, (size_t)n, NULL, NULL, &b);
	is_int((long long)b.nlines, 12, "stop: inputs 1-4 with the answers to 1-3, and the stop");
	is_str(line_type(&b, 11), "agent.stopped", "stop: the stop event is last");
	is_str(event_attr(json_array_get(b.lines, 11), "causationid"), "e4",
	       "stop: it names the input it stopped at");
	b.out[strlen(b.out) - strlen(b.raw[11]) - 1] = '\0';
	ok(!strncmp(a.out, b.out, strlen(b.out)), "stop: what came before is the same");
	is_int(b.status, AK_EXIT_TEMPFAIL, "stop: status 75");
	is_int(fj_begun, 4, "stop: no job begun after it");
	run_free(&b);
	run_free(&a);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		bail("mkdtemp");
	log_init("u-filter");
	test_pass_through();
	test_rejects();
	test_handlers();
	test_items();
	test_strict();
	test_input_copy();
	test_not_utf8();
	test_handler_rejects();
	test_status();
	test_jobs();
	rmdir(tmpdir);
	return done_testing();
}
