/*
 * monitor/probe.c - the four kinds of check, and running many at once (see
 * probe.h).
 *
 * HTTP and Prometheus go through lib/http.c and lib/prom.c with a client
 * per check, so that threads share no connection. The TLS check speaks to
 * the server itself with OpenSSL: it wants the certificate the server
 * presents, whether or not it verifies (an expired or self-signed one is
 * exactly what it must be able to look at), and says in its message
 * whether the chain and the name verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "error.h"
#include "http.h"
#include "prom.h"
#include "monitor/probe.h"
#include "banned.h"

const char *monitor_state_name(enum monitor_state s)
{
	switch (s) {
	case MONITOR_OK: return "ok";
	case MONITOR_FIRING: return "firing";
	case MONITOR_UNKNOWN: return "unknown";
	}
	return "unknown";
}

static void set(struct monitor_result *r, enum monitor_state s, double value,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set(struct monitor_result *r, enum monitor_state s, double value,
		const char *fmt, ...)
{
	va_list ap;

	r->state = s;
	r->value = value;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	/* a message is one line, whatever a server put in its error text */
	for (char *p = r->message; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

int monitor_probe_global_init(void)
{
	struct http_client *c = http_client_new(0);

	if (!c)
		return -1;
	http_client_free(c);
	return 0;
}

/* ---- http ---- */

static int probe_http(const struct monitor_check *c, int64_t timeout_ms, int cut,
		      struct monitor_result *r)
{
	struct http_client *h = http_client_new((long)timeout_ms);
	struct http_response resp = HTTP_RESPONSE_INIT;
	int64_t t0 = clock_mono_ms();

	if (!h) {
		set(r, MONITOR_UNKNOWN, NAN, "%s", ak_errmsg());
		return -1;
	}
	if (http_get(h, c->target, MONITOR_BODY_MAX, &resp) < 0) {
		if (!strcmp(resp.error, "out of memory")) {
			set(r, MONITOR_UNKNOWN, NAN, "out of memory");
			http_response_release(&resp);
			http_client_free(h);
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
		if (cut && clock_mono_ms() - t0 + 50 >= timeout_ms)
			set(r, MONITOR_UNKNOWN, NAN, "no answer within the run's time budget: %s",
			    resp.error);
		else
			set(r, MONITOR_FIRING, NAN, "cannot reach '%s': %s", c->target, resp.error);
	} else if (c->status ? resp.status != c->status : resp.status / 100 != 2) {
		if (c->status)
			set(r, MONITOR_FIRING, (double)resp.status, "status %ld, want %d",
			    resp.status, c->status);
		else
			set(r, MONITOR_FIRING, (double)resp.status, "status %ld, want 2xx",
			    resp.status);
	} else if (c->contains && !memmem(resp.body, resp.len, c->contains, strlen(c->contains))) {
		set(r, MONITOR_FIRING, (double)resp.status, "status %ld but the body%s lacks '%.100s'",
		    resp.status, resp.truncated ? " (its first 1 MiB)" : "", c->contains);
	} else {
		set(r, MONITOR_OK, (double)resp.status, "status %ld in %.0f ms", resp.status,
		    resp.duration_ms);
	}
	http_response_release(&resp);
	http_client_free(h);
	return 0;
}

/* ---- prometheus ---- */

static int probe_prometheus(const struct monitor_check *c, int64_t timeout_ms,
			    struct monitor_result *r)
{
	struct http_client *h = http_client_new((long)timeout_ms);
	struct prom_result pr;
	const char *rel = c->below ? "below" : "above";
	int bad;

	if (!h) {
		set(r, MONITOR_UNKNOWN, NAN, "%s", ak_errmsg());
		return -1;
	}
	if (prom_query(h, c->target, c->query, &pr) < 0) {
		set(r, MONITOR_UNKNOWN, NAN, "out of memory");
		http_client_free(h);
		return -1;
	}
	http_client_free(h);
	switch (pr.kind) {
	case PROM_ERROR:
		set(r, MONITOR_UNKNOWN, NAN, "%s", pr.reason);
		return 0;
	case PROM_EMPTY:
		set(r, MONITOR_UNKNOWN, NAN, "no data: the query gave an empty vector");
		return 0;
	case PROM_NAN:
		set(r, MONITOR_UNKNOWN, NAN, "no data: the query gave NaN");
		return 0;
	case PROM_VALUE:
	case PROM_INF:
		break;
	}
	bad = c->below ? pr.value < c->threshold : pr.value > c->threshold;
	set(r, bad ? MONITOR_FIRING : MONITOR_OK, pr.value, "value %g is %s%s %g", pr.value,
	    bad ? "" : "not ", rel, c->threshold);
	return 0;
}

/* ---- tls ---- */

/* Split target into host and port ("443" when none). */
static int split_hostport(const char *target, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;
	size_t n;

	if (*target == '[') {
		const char *close = strchr(target, ']');

		if (!close)
			return -1;
		n = (size_t)(close - target - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		target++;
	} else {
		colon = strrchr(target, ':');
		n = colon ? (size_t)(colon - target) : strlen(target);
	}
	if (!n || n >= hlen)
		return -1;
	memcpy(host, target, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon ? colon + 1 : "443");
	return 0;
}

/* Connect to host:port within deadline (monotonic ms). fd, or -1 with why. */
static int tcp_connect(const char *host, const char *port, int64_t deadline, char *why,
		       size_t wlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	int fd = -1, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(why, wlen, "cannot resolve '%.100s': %s", host, gai_strerror(rc));
		return -1;
	}
	snprintf(why, wlen, "cannot connect to '%.100s' port %s", host, port);
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pfd;
		int err = 0;
		socklen_t elen = sizeof(err);
		int64_t left = deadline - clock_mono_ms();

		if (left <= 0) {
			snprintf(why, wlen, "connecting to '%.100s' port %s timed out", host, port);
			break;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			do
				rc = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
			while (rc < 0 && errno == EINTR);
			if (rc == 0)
				err = ETIMEDOUT;
			else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
				err = errno;
			if (!err)
				break;
		} else {
			err = errno;
		}
		snprintf(why, wlen, "cannot connect to '%.100s' port %s: %s", host, port,
			 strerror(err));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		/* blocking from here, with the time left as the limit of each read
		 * and write of the handshake */
		int64_t left = deadline - clock_mono_ms();
		struct timeval tv = { (time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000 };

		if (left <= 0)
			tv.tv_usec = 1000;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
			snprintf(why, wlen, "cannot set up the socket: %s", strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

static int is_ip_literal(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* The first OpenSSL error, or what errno says. */
static void tls_why(char *out, size_t len)
{
	unsigned long e = ERR_peek_error();

	if (e)
		ERR_error_string_n(e, out, len);
	else
		snprintf(out, len, "%s", errno ? strerror(errno) : "the server closed the connection");
	ERR_clear_error();
}

static int probe_tls(const struct monitor_check *c, int64_t timeout_ms, struct monitor_result *r)
{
	char host[256], port[16], why[200], until[32] = "?";
	const char *sni;
	int64_t deadline = clock_mono_ms() + timeout_ms;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *cert = NULL;
	const ASN1_TIME *not_after;
	struct tm tm;
	int fd = -1, day = 0, sec = 0;
	long verify;
	double left;

	if (split_hostport(c->target, host, sizeof(host), port, sizeof(port)) < 0) {
		set(r, MONITOR_UNKNOWN, NAN, "bad target '%s'", c->target);
		return 0;
	}
	sni = c->servername ? c->servername : host;
	fd = tcp_connect(host, port, deadline, why, sizeof(why));
	if (fd < 0) {
		set(r, MONITOR_UNKNOWN, NAN, "%s", why);
		return 0;
	}
	ERR_clear_error();
	if (!(ctx = SSL_CTX_new(TLS_client_method())) || !(ssl = SSL_new(ctx))) {
		set(r, MONITOR_UNKNOWN, NAN, "cannot set up TLS");
		goto out;
	}
	/* verified for the message, never required: see the top of the file */
	SSL_CTX_set_default_verify_paths(ctx);
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (!is_ip_literal(sni))
		SSL_set_tlsext_host_name(ssl, sni);
	SSL_set1_host(ssl, sni);
	SSL_set_fd(ssl, fd);
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		tls_why(why, sizeof(why));
		set(r, MONITOR_UNKNOWN, NAN, "TLS handshake with '%s' failed: %s", c->target, why);
		goto out;
	}
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	cert = SSL_get1_peer_certificate(ssl);
#else
	cert = SSL_get_peer_certificate(ssl);
#endif
	if (!cert) {
		set(r, MONITOR_UNKNOWN, NAN, "'%s' presented no certificate", c->target);
		goto out;
	}
	not_after = X509_get0_notAfter(cert);
	if (!not_after || !ASN1_TIME_diff(&day, &sec, NULL, not_after)) {
		set(r, MONITOR_UNKNOWN, NAN, "cannot read the certificate's expiry date");
		goto out;
	}
	if (ASN1_TIME_to_tm(not_after, &tm))
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	left = day + sec / 86400.0;
	verify = SSL_get_verify_result(ssl);
	snprintf(why, sizeof(why), "%s", verify == X509_V_OK ? "verified" :
		 X509_verify_cert_error_string(verify));
	if (left < 0)
		set(r, MONITOR_FIRING, left, "certificate expired %s (%.1f days ago; %s)", until,
		    -left, why);
	else
		set(r, left < c->threshold ? MONITOR_FIRING : MONITOR_OK, left,
		    "certificate expires %s, in %.1f days (%s %g; %s)", until, left,
		    left < c->threshold ? "fewer than" : "at least", c->threshold, why);
out:
	X509_free(cert);
	if (ssl) {
		SSL_set_quiet_shutdown(ssl, 1);
		SSL_free(ssl);
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	close(fd);
	return 0;
}

/* ---- disk ---- */

static int probe_disk(const struct monitor_check *c, struct monitor_result *r)
{
	struct statvfs st;
	double total_mb, free_mb, pct, value;

	if (statvfs(c->target, &st) < 0) {
		set(r, MONITOR_UNKNOWN, NAN, "cannot look at '%s': %s", c->target, strerror(errno));
		return 0;
	}
	total_mb = (double)st.f_blocks * (double)st.f_frsize / 1048576.0;
	free_mb = (double)st.f_bavail * (double)st.f_frsize / 1048576.0;
	pct = st.f_blocks ? 100.0 * (double)st.f_bavail / (double)st.f_blocks : 0;
	value = c->free_mb ? free_mb : pct;
	set(r, value < c->threshold ? MONITOR_FIRING : MONITOR_OK, value,
	    "%.1f%% free (%.0f MiB of %.0f MiB), %s %g%s", pct, free_mb, total_mb,
	    value < c->threshold ? "less than" : "at least", c->threshold,
	    c->free_mb ? " MiB" : "%");
	return 0;
}

int monitor_probe(const struct monitor_check *c, int64_t timeout_ms, struct monitor_result *r)
{
	int64_t t0 = clock_mono_ms();
	int cut = timeout_ms > 0 && timeout_ms < c->timeout_ms;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->value = NAN;
	if (timeout_ms <= 0 || timeout_ms > c->timeout_ms)
		timeout_ms = c->timeout_ms;
	switch (c->kind) {
	case MONITOR_HTTP:
		rc = probe_http(c, timeout_ms, cut, r);
		break;
	case MONITOR_PROMETHEUS:
		rc = probe_prometheus(c, timeout_ms, r);
		break;
	case MONITOR_TLS:
		rc = probe_tls(c, timeout_ms, r);
		break;
	case MONITOR_DISK:
		rc = probe_disk(c, r);
		break;
	}
	r->duration_ms = clock_mono_ms() - t0;
	return rc;
}

/* ---- many at once ---- */

struct run {
	const struct monitor_check *const *checks;
	struct monitor_result *results;
	size_t n, next;
	int64_t deadline, budget_ms;
	int failed;
	char errmsg[256];
	pthread_mutex_t lock;
};

static void *worker(void *arg)
{
	struct run *run = arg;

	for (;;) {
		size_t i;
		int64_t left;

		pthread_mutex_lock(&run->lock);
		i = run->next++;
		pthread_mutex_unlock(&run->lock);
		if (i >= run->n)
			break;
		left = run->deadline - clock_mono_ms();
		if (left <= 0) {
			memset(&run->results[i], 0, sizeof(run->results[i]));
			set(&run->results[i], MONITOR_UNKNOWN, NAN,
			    "not run: the run's time budget of %lld ms was spent",
			    (long long)run->budget_ms);
			continue;
		}
		if (monitor_probe(run->checks[i], left, &run->results[i]) < 0) {
			pthread_mutex_lock(&run->lock);
			if (!run->failed)
				snprintf(run->errmsg, sizeof(run->errmsg), "%s", ak_errmsg());
			run->failed = 1;
			pthread_mutex_unlock(&run->lock);
		}
	}
	return NULL;
}

int monitor_run(const struct monitor_check *const *checks, size_t n, int jobs,
		int64_t budget_ms, struct monitor_result *results)
{
	struct run run = {
		.checks = checks, .results = results, .n = n,
		.deadline = clock_mono_ms() + budget_ms, .budget_ms = budget_ms,
	};
	pthread_t *tids = NULL;
	int started = 0;

	for (size_t i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		set(&results[i], MONITOR_UNKNOWN, NAN, "not run");
	}
	if (monitor_probe_global_init() < 0)
		return -1;
	if (pthread_mutex_init(&run.lock, NULL))
		return ak_error(AK_EXIT_SOFTWARE, "cannot make a mutex");
	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = (int)n;
	if (jobs > 1 && (tids = calloc((size_t)jobs, sizeof(*tids))))
		for (; started < jobs; started++)
			if (pthread_create(&tids[started], NULL, worker, &run))
				break;
	/* this thread works too when no thread could be started */
	if (!started)
		worker(&run);
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	pthread_mutex_destroy(&run.lock);
	if (run.failed)
		return ak_error(AK_EXIT_SOFTWARE, "%s", run.errmsg);
	return 0;
}
