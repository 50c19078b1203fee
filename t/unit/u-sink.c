/*
 * u-sink.c - unit tests for lib/serve/sink.c and lib/serve/idem.c: group
 * commit into a pipe and into a SQLite store from many threads (every line
 * written once, fewer batches than writers), a failing descriptor (every
 * waiter told, the stats say failing, and a later success clears it), the
 * request size limit; and the idempotency memory (new, running, replayed,
 * mismatched, forgotten on failure, expiry and the bound).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "store.h"
#include "serve/idem.h"
#include "serve/metrics.h"
#include "serve/sink.h"
#include "tap.h"

#define THREADS 8
#define PER_THREAD 200

struct writer {
	struct sink *k;
	int id, failures;
};

static void *write_lines(void *arg)
{
	struct writer *w = arg;
	char line[256];
	int i, n;

	for (i = 0; i < PER_THREAD; i++) {
		n = snprintf(line, sizeof(line), "{\"specversion\":\"1.0\",\"id\":\"w%d-%d\","
			     "\"source\":\"t/u-sink\",\"type\":\"t.written\",\"subject\":\"s%d\"}\n",
			     w->id, i, w->id);
		if (sink_write(w->k, line, (size_t)n) < 0)
			w->failures++;
	}
	return NULL;
}

/* Run THREADS writers against k; returns the number of failed writes. */
static int hammer(struct sink *k)
{
	pthread_t t[THREADS];
	struct writer w[THREADS];
	int i, failed = 0;

	for (i = 0; i < THREADS; i++) {
		w[i].k = k;
		w[i].id = i;
		w[i].failures = 0;
		pthread_create(&t[i], NULL, write_lines, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		failed += w[i].failures;
	}
	return failed;
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	struct buf *b = malloc(sizeof(*b));
	char chunk[65536];
	ssize_t n;

	buf_init(b, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)n);
	return b;
}

static void test_fd(void)
{
	int p[2], i, j, seen_all = 1;
	pthread_t reader;
	struct sink *k;
	struct sink_stats st;
	struct buf *out;
	char want[64];

	if (pipe(p) < 0)
		return;
	pthread_create(&reader, NULL, drain, &p[0]);
	k = sink_new_fd(p[1]);
	ok(k != NULL, "a sink on a pipe");
	is_str(sink_name(k), "stdout", "its name");
	is_int(hammer(k), 0, "%d threads wrote %d lines each without a failure", THREADS, PER_THREAD);
	sink_get_stats(k, &st);
	is_int((long long)st.events, THREADS * PER_THREAD, "every line counted as written");
	is_int((long long)st.pending, 0, "nothing pending");
	ok(st.batches >= 1 && st.batches <= THREADS * PER_THREAD, "batches: %llu",
	   (unsigned long long)st.batches);
	ok(!st.failing, "not failing");
	sink_free(k);
	close(p[1]);
	pthread_join(reader, (void **)&out);
	is_int((long long)out->len > 0 ? 1 : 0, 1, "the reader got the lines");
	for (i = 0; i < THREADS && seen_all; i++)
		for (j = 0; j < PER_THREAD; j++) {
			snprintf(want, sizeof(want), "\"id\":\"w%d-%d\"", i, j);
			if (!memmem(out->p, out->len, want, strlen(want))) {
				seen_all = 0;
				printf("# missing %s\n", want);
				break;
			}
		}
	ok(seen_all, "every line arrived");
	{
		size_t nl = 0, x;

		for (x = 0; x < out->len; x++)
			nl += out->p[x] == '\n';
		is_int((long long)nl, THREADS * PER_THREAD, "and no line twice");
	}
	buf_release(out);
	free(out);
	close(p[0]);
}

static void test_failing(void)
{
	int fd = open("/dev/full", O_WRONLY);
	struct sink *k;
	struct sink_stats st;

	if (fd < 0) {
		ok(1, "# SKIP no /dev/full");
		return;
	}
	k = sink_new_fd(fd);
	is_int(sink_write(k, "{}\n", 3), -1, "a write to /dev/full fails");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "as unavailable");
	ok(strstr(ak_errmsg(), "No space left") != NULL, "the message says why: %s", ak_errmsg());
	is_int(hammer(k), THREADS * PER_THREAD, "every waiter of a failing sink is told");
	sink_get_stats(k, &st);
	ok(st.failing, "the stats say failing");
	is_int((long long)st.events, 0, "nothing counted as written");
	ok(st.failures >= 1, "failures counted");
	sink_free(k);
	close(fd);

	k = sink_new_fd(open("/dev/null", O_WRONLY));
	is_int(sink_write(k, NULL, SINK_MAX_REQUEST + 1), -1, "more than the limit at once is refused");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "as a data error");
	is_int(sink_write(k, "", 0), 0, "nothing to write is a success");
	sink_free(k);
}

static int count_cb(const struct store_event *ev, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_store(void)
{
	char dir[] = "/tmp/u-sink.XXXXXX", path[64];
	struct store *s;
	struct sink *k;
	struct sink_stats st;
	struct store_query q = STORE_QUERY_INIT;
	struct store_opts manual = STORE_OPTS_INIT;
	struct store *cp;
	int n = 0;

	manual.manual_checkpoint = 1;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/s.db", dir);
	s = store_open(path, &manual);
	cp = store_open(path, NULL);
	ok(s != NULL && cp != NULL, "a SQLite store, a handle for writing and one for checkpoints");
	k = sink_new_store(s, cp);
	is_str(sink_name(k), "store", "its name");
	is_int(hammer(k), 0, "%d threads appended %d events each", THREADS, PER_THREAD);
	sink_get_stats(k, &st);
	ok(st.batches < (uint64_t)THREADS * PER_THREAD, "group commit: %llu transactions for %d events",
	   (unsigned long long)st.batches, THREADS * PER_THREAD);
	sink_free(k);
	store_query(s, &q, count_cb, &n);
	is_int(n, THREADS * PER_THREAD, "the store holds every event once");
	store_close(cp);
	is_int(store_checkpoint(s, 0), 0, "store_checkpoint");
	k = sink_new_store(s, NULL);
	is_int(sink_write(k, "not json\n", 9), -1, "a line the store refuses fails the write");
	sink_free(k);
	store_close(s);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		printf("# cannot remove %s\n", dir);
}

static void test_idem(void)
{
	struct idem *c = idem_new(3, 1000);
	char *answer = (char *)"untouched";

	is_int(idem_begin(c, "k1", "d1", 0, &answer), IDEM_NEW, "a new key");
	ok(answer == NULL, "no answer for a new key");
	is_int(idem_begin(c, "k1", "d1", 1, &answer), IDEM_RUNNING, "the same key while it runs");
	is_int(idem_begin(c, "k1", "d2", 1, &answer), IDEM_MISMATCH, "another body under the key");
	idem_finish(c, "k1", "{\"a\":1}", 2);
	is_int(idem_begin(c, "k1", "d1", 3, &answer), IDEM_DONE, "a retry after the answer");
	is_str(answer, "{\"a\":1}", "gets the same answer");
	free(answer);
	is_int(idem_begin(c, "k1", "d2", 3, &answer), IDEM_MISMATCH, "another body after the answer");

	is_int(idem_begin(c, "k2", "d", 4, &answer), IDEM_NEW, "k2");
	idem_finish(c, "k2", NULL, 5);
	is_int(idem_begin(c, "k2", "d", 6, &answer), IDEM_NEW, "a failed request is forgotten");
	idem_finish(c, "k2", "x", 6);

	is_int(idem_begin(c, "k3", "d", 7, &answer), IDEM_NEW, "k3");
	idem_finish(c, "k3", "y", 7);
	is_int((long long)idem_count(c), 3, "three entries");
	is_int(idem_begin(c, "k4", "d", 8, &answer), IDEM_NEW, "a fourth key when full");
	is_int((long long)idem_count(c), 3, "the bound holds");
	is_int(idem_begin(c, "k1", "d1", 9, &answer), IDEM_NEW, "the oldest finished one went");
	idem_finish(c, "k4", "z", 9);
	idem_finish(c, "k1", "w", 9);
	is_int(idem_begin(c, "k5", "d", 10, &answer), IDEM_NEW, "room made again");
	idem_finish(c, "k5", "v", 10);
	is_int(idem_begin(c, "k3", "d", 2000, &answer), IDEM_NEW, "an entry expires after its time");
	free(answer);
	idem_free(c);

	c = idem_new(2, 1000);
	idem_begin(c, "a", "d", 0, &answer);
	idem_begin(c, "b", "d", 0, &answer);
	is_int(idem_begin(c, "c", "d", 0, &answer), IDEM_FULL, "full of running entries");
	idem_free(c);
}

static void test_metrics(void)
{
	struct metrics *m = metrics_new();
	struct sink_stats st = { 5, 2, 1, 3, 1500, 1 };
	struct buf out;

	buf_init(&out, 1u << 20);
	metrics_request(m, ROUTE_SUBMIT, 202, 300);
	metrics_request(m, ROUTE_SUBMIT, 202, 3000000);
	metrics_request(m, ROUTE_OTHER, 404, 10);
	metrics_request(m, ROUTE_SUBMIT, 418, 10);
	metrics_rejected(m, "not-found");
	metrics_rejected(m, "who-knows");
	metrics_events(m, 2);
	is_int(metrics_render(m, &st, 4, &out), 0, "metrics render");
	if (getenv("U_SINK_SHOW"))
		fputs(out.p, stdout);
	ok(strstr(out.p, "agentkit_serve_requests_total{route=\"submit\",code=\"202\"} 2\n") != NULL,
	   "requests by route and code");
	ok(strstr(out.p, "agentkit_serve_requests_total{route=\"submit\",code=\"other\"} 1\n") != NULL,
	   "an unlisted status counted as other");
	ok(strstr(out.p, "agentkit_serve_request_duration_seconds_bucket{route=\"submit\",le=\"0.00025\"} 1\n") != NULL &&
	   strstr(out.p, "agentkit_serve_request_duration_seconds_bucket{route=\"submit\",le=\"0.0005\"} 2\n") != NULL,
	   "10 us in the first bucket, 300 us in the 0.5 ms one, counted cumulatively");
	ok(strstr(out.p, "agentkit_serve_request_duration_seconds_bucket{route=\"submit\",le=\"2.5\"} 2\n") != NULL &&
	   strstr(out.p, "agentkit_serve_request_duration_seconds_bucket{route=\"submit\",le=\"+Inf\"} 3\n") != NULL,
	   "3 s only in +Inf");
	ok(strstr(out.p, "agentkit_serve_request_duration_seconds_count{route=\"submit\"} 3\n") != NULL,
	   "the count");
	ok(strstr(out.p, "agentkit_serve_rejections_total{reason=\"not-found\"} 1\n") != NULL &&
	   strstr(out.p, "agentkit_serve_rejections_total{reason=\"other\"} 1\n") != NULL, "rejections");
	ok(strstr(out.p, "agentkit_serve_events_total 2\n") != NULL, "events");
	ok(strstr(out.p, "agentkit_serve_connections 4\n") != NULL, "connections");
	ok(strstr(out.p, "agentkit_serve_sink_pending 3\n") != NULL &&
	   strstr(out.p, "agentkit_serve_sink_lag_seconds 1.500000\n") != NULL &&
	   strstr(out.p, "agentkit_serve_sink_up 0\n") != NULL, "the sink's state");
	ok(strstr(out.p, "route=\"status\"") == NULL, "routes without requests are left out");
	buf_release(&out);
	metrics_free(m);
}

int main(void)
{
	test_fd();
	test_failing();
	test_store();
	test_idem();
	test_metrics();
	return done_testing();
}
