/*
 * proc.c - run a program by argv with a timeout and capture its output.
 *
 * The parent makes pipes for the child's stdin, stdout and stderr and
 * starts it with spawn_start() (lib/spawn.c), which returns once the exec
 * happened or failed. The parent then runs one poll() loop that feeds the
 * input, drains both outputs and watches the clock, so neither side can
 * block the other whatever the child does with its pipes. Every
 * descriptor the parent opens is close-on-exec, so no other program we
 * start holds a copy of these pipes and keeps them from reaching EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "spawn.h"
#include "banned.h"

/* Read and write in chunks of this size. */
#define CHUNK 65536

/*
 * After SIGKILL, stop waiting for the output pipes this long later: only a
 * process that left the group (setsid) can still hold them, and we must not
 * wait for it forever.
 */
#define ABANDON_MS 1000

/* Longer timeouts are as good as forever; keeps now + timeout in range. */
#define MAX_MS (LLONG_MAX / 4)

/* While waiting for a child that closed its pipes, poll at most this often. */
#define REAP_STEP_MAX_MS 50

/* One captured stream. buf has room for len + 1 bytes when not NULL. */
struct capture {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
	int truncated;
	int echo_fd;            /* a copy of everything read goes here, or -1 */
	/* when on_line is set: the line being read, up to max bytes */
	void (*on_line)(const char *line, size_t len, void *ctx);
	void *line_ctx;
	char *line;
	size_t line_len;
	size_t line_cap;
};

/* The clock and the signals of one run. */
struct timer {
	pid_t pid;              /* also the process group id */
	int has_deadline;
	long long deadline;
	long long grace;
	long long kill_at;
	long long abandon_at;
	int term_sent;
	int kill_sent;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * Keep what fits of data in c; count the rest as discarded. Returns -1 with
 * ak_error when memory runs out.
 */
static int capture_add(struct capture *c, const char *data, size_t n)
{
	size_t room = c->max - c->len;
	size_t need;

	if (n > room) {
		c->truncated = 1;
		n = room;
	}
	if (!n)
		return 0;
	need = c->len + n + 1;
	if (need > c->cap) {
		size_t want = c->cap ? c->cap : 4096;
		char *nbuf;

		while (want < need) {
			if (want > SIZE_MAX / 2) {
				want = need;
				break;
			}
			want *= 2;
		}
		/* No point in room we may not fill. */
		if (c->max < SIZE_MAX && want > c->max + 1)
			want = c->max + 1;
		nbuf = realloc(c->buf, want);
		if (!nbuf)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		c->buf = nbuf;
		c->cap = want;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

/* Make sure the buffer exists and is terminated, even for no output. */
static int capture_finish(struct capture *c)
{
	if (!c->buf) {
		c->buf = malloc(1);
		if (!c->buf)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		c->cap = 1;
	}
	c->buf[c->len] = '\0';
	return 0;
}

/* Copy n bytes to fd as far as it takes them; a failing copy is dropped. */
static void echo(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/*
 * Add n bytes to the line being read, as far as max allows (the rest of a
 * longer line is dropped). Returns -1 with ak_error when memory runs out.
 */
static int line_keep(struct capture *c, const char *p, size_t n)
{
	size_t room = c->max - c->line_len;
	char *nbuf;

	if (n > room)
		n = room;
	if (!n)
		return 0;
	if (c->line_len + n + 1 > c->line_cap) {
		size_t want = c->line_cap ? c->line_cap : 256;

		while (want < c->line_len + n + 1)
			want = want > SIZE_MAX / 2 ? c->line_len + n + 1 : want * 2;
		nbuf = realloc(c->line, want);
		if (!nbuf)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		c->line = nbuf;
		c->line_cap = want;
	}
	memcpy(c->line + c->line_len, p, n);
	c->line_len += n;
	return 0;
}

/* Hand the line read so far to on_line (NUL-terminated) and start anew. */
static void line_emit(struct capture *c)
{
	if (c->line)
		c->line[c->line_len] = '\0';
	c->on_line(c->line ? c->line : "", c->line_len, c->line_ctx);
	c->line_len = 0;
}

/* Pass each whole line in data to on_line; keep a partial one for later. */
static int lines_feed(struct capture *c, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (line_keep(c, p, k) < 0)
			return -1;
		if (nl) {
			line_emit(c);
			k++;
		}
		p += k;
		n -= k;
	}
	return 0;
}

/*
 * Drain what is readable on c->fd; close it at end of file. Returns -1 with
 * ak_error when memory runs out.
 */
static int capture_read(struct capture *c)
{
	char chunk[CHUNK];
	ssize_t n;

	n = read(c->fd, chunk, sizeof(chunk));
	if (n > 0 && c->echo_fd >= 0)
		echo(c->echo_fd, chunk, (size_t)n);
	if (n > 0 && c->on_line && lines_feed(c, chunk, (size_t)n) < 0)
		return -1;
	if (n > 0)
		return capture_add(c, chunk, n);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	/* End of file, or an error no retry will cure. */
	if (c->on_line && c->line_len)
		line_emit(c);
	close_fd(&c->fd);
	return 0;
}

/*
 * Send the timeout's signals when they are due. SIGCONT follows SIGTERM so
 * that a stopped process acts on it at once instead of waiting for SIGKILL.
 */
static void timer_tick(struct timer *t, long long now)
{
	if (t->has_deadline && !t->term_sent && now >= t->deadline) {
		t->term_sent = 1;
		killpg(t->pid, SIGTERM);
		killpg(t->pid, SIGCONT);
		t->kill_at = now + t->grace;
	}
	if (t->term_sent && !t->kill_sent && now >= t->kill_at) {
		t->kill_sent = 1;
		killpg(t->pid, SIGKILL);
		t->abandon_at = now + ABANDON_MS;
	}
}

/* Milliseconds until the next timer event, or -1 for none. */
static long long timer_wait(const struct timer *t, long long now)
{
	long long at;

	if (t->kill_sent)
		at = t->abandon_at;
	else if (t->term_sent)
		at = t->kill_at;
	else if (t->has_deadline)
		at = t->deadline;
	else
		return -1;
	return at > now ? at - now : 0;
}

/* Negative means none; huge values must not overflow now + ms. */
static long long clamp_ms(long ms)
{
	if (ms < 0)
		return 0;
	return ms > MAX_MS ? MAX_MS : ms;
}

static int poll_timeout(long long ms)
{
	if (ms < 0)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/*
 * Feed the input and drain both outputs until all three pipes are closed,
 * sending the timeout's signals on the way. Returns -1 with ak_error on a
 * failure that leaves the run unfinished.
 */
static int pump(struct timer *t, const char *name, int *in_fd,
		const char *input, size_t input_len, struct capture *out,
		struct capture *err)
{
	size_t off = 0;

	if (*in_fd >= 0 && !input_len)
		close_fd(in_fd);

	while (*in_fd >= 0 || out->fd >= 0 || err->fd >= 0) {
		struct pollfd pfd[3];
		int kind[3];
		long long now = now_ms();
		int n = 0, i, r;

		timer_tick(t, now);
		if (t->kill_sent && now >= t->abandon_at) {
			close_fd(in_fd);
			close_fd(&out->fd);
			close_fd(&err->fd);
			break;
		}
		if (*in_fd >= 0) {
			pfd[n].fd = *in_fd;
			pfd[n].events = POLLOUT;
			kind[n++] = 0;
		}
		if (out->fd >= 0) {
			pfd[n].fd = out->fd;
			pfd[n].events = POLLIN;
			kind[n++] = 1;
		}
		if (err->fd >= 0) {
			pfd[n].fd = err->fd;
			pfd[n].events = POLLIN;
			kind[n++] = 2;
		}

		r = poll(pfd, n, poll_timeout(timer_wait(t, now)));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return ak_error(AK_EXIT_SOFTWARE,
					"cannot wait for '%s': %s", name,
					strerror(errno));
		}

		for (i = 0; i < n; i++) {
			short rev = pfd[i].revents;

			if (!rev)
				continue;
			if (kind[i] == 0) {
				size_t len = input_len - off;
				ssize_t w;

				if (!(rev & POLLOUT)) {
					/* The reader is gone (POLLERR). */
					close_fd(in_fd);
					continue;
				}
				if (len > CHUNK)
					len = CHUNK;
				w = write(*in_fd, input + off, len);
				if (w > 0) {
					off += w;
					if (off == input_len)
						close_fd(in_fd);
				} else if (w < 0 && errno != EINTR &&
					   errno != EAGAIN) {
					/*
					 * EPIPE: the child does not want the
					 * rest. Anything else: it cannot get
					 * it. Either way it sees EOF now.
					 */
					close_fd(in_fd);
				}
				continue;
			}
			{
				struct capture *c = kind[i] == 1 ? out : err;

				if (rev & (POLLIN | POLLHUP)) {
					if (capture_read(c) < 0)
						return -1;
				} else {
					close_fd(&c->fd);
				}
			}
		}
	}
	return 0;
}

/*
 * Wait for the child after its pipes closed; it may still be running, so
 * the timeout keeps counting. waitpid has no timeout, so while a deadline
 * is pending we poll with WNOHANG and short sleeps. Returns -1 with
 * ak_error if the child cannot be waited for (SIGCHLD set to SIG_IGN).
 */
static int reap(struct timer *t, const char *name, int *status)
{
	long long step = 1;

	for (;;) {
		int flags = t->has_deadline && !t->kill_sent ? WNOHANG : 0;
		pid_t w = waitpid(t->pid, status, flags);
		long long now, wait;
		struct timespec ts;

		if (w == t->pid)
			return 0;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return ak_error(AK_EXIT_SOFTWARE,
					"cannot wait for '%s': %s", name,
					strerror(errno));
		}
		now = now_ms();
		timer_tick(t, now);
		if (t->kill_sent)
			continue;
		wait = timer_wait(t, now);
		if (wait > step)
			wait = step;
		if (step < REAP_STEP_MAX_MS)
			step *= 2;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
}

/* Kill and reap a child we are giving up on. */
static void abandon_child(pid_t pid)
{
	int status;

	killpg(pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/*
 * Block SIGPIPE in this thread while we write the input: a child that exits
 * without reading it would otherwise kill us. A SIGPIPE our writes raise
 * stays pending and is discarded before the mask is restored; one that was
 * already pending (the caller had it blocked) is left alone.
 */
struct sigpipe_guard {
	int active;
	int was_pending;
	sigset_t old;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &set, &g->old))
		return;
	g->active = 1;
	g->was_pending = !sigpending(&pending) &&
		sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	struct timespec zero = { 0, 0 };

	if (!g->active)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (!g->was_pending && !sigpending(&pending) &&
	    sigismember(&pending, SIGPIPE) == 1) {
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	g->active = 0;
}

static int make_pipe(int fds[2], const char *name)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return ak_error(AK_EXIT_SOFTWARE, "cannot run '%s': %s", name,
				strerror(errno));
	return 0;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int proc_run(const struct proc_opts *opts, struct proc_result *res)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	int err_pipe[2] = { -1, -1 };
	struct capture out = { .fd = -1, .echo_fd = -1 }, err = { .fd = -1, .echo_fd = -1 };
	struct timer t = { .pid = -1 };
	struct sigpipe_guard guard = { 0 };
	struct spawn_child child;
	char **envp;
	const char *name;
	long long start;
	int status = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (!opts || !opts->argv || !opts->argv[0])
		return ak_error(AK_EXIT_SOFTWARE, "no program to run");
	name = opts->argv[0];

	/* Built before fork: the child must not allocate. */
	envp = spawn_env(opts->env);
	if (!envp)
		return -1;

	if (opts->input) {
		if (make_pipe(in_pipe, name) < 0)
			goto fail_fds;
		/* Only our end: the child's stdin stays blocking. */
		set_nonblock(in_pipe[1]);
	} else {
		in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in_pipe[0] < 0) {
			ak_error(AK_EXIT_SOFTWARE, "cannot open '/dev/null': %s",
				 strerror(errno));
			goto fail_fds;
		}
	}
	if (make_pipe(out_pipe, name) < 0 || make_pipe(err_pipe, name) < 0)
		goto fail_fds;
	set_nonblock(out_pipe[0]);
	set_nonblock(err_pipe[0]);

	child.argv = opts->argv;
	child.cwd = opts->cwd;
	child.envp = envp;
	child.in_fd = in_pipe[0];
	child.out_fd = out_pipe[1];
	child.err_fd = err_pipe[1];
	child.parent = getpid();
	start = now_ms();
	if (spawn_start(&child, &pid) < 0)
		goto fail_fds;
	close_fd(&in_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[1]);
	free(envp);
	envp = NULL;

	t.pid = pid;
	if (opts->timeout_ms > 0) {
		t.has_deadline = 1;
		t.deadline = start + clamp_ms(opts->timeout_ms);
	}
	t.grace = clamp_ms(opts->kill_grace_ms);
	out.fd = out_pipe[0];
	out.max = opts->max_output;
	out.echo_fd = opts->echo ? STDERR_FILENO : -1;
	out.on_line = opts->on_line;
	out.line_ctx = opts->line_ctx;
	out_pipe[0] = -1;
	err.fd = err_pipe[0];
	err.max = opts->max_output;
	err.echo_fd = opts->echo ? STDERR_FILENO : -1;
	err_pipe[0] = -1;

	if (in_pipe[1] >= 0)
		sigpipe_block(&guard);
	if (pump(&t, name, &in_pipe[1], opts->input, opts->input_len,
		 &out, &err) < 0) {
		close_fd(&in_pipe[1]);
		close_fd(&out.fd);
		close_fd(&err.fd);
		sigpipe_restore(&guard);
		abandon_child(pid);
		goto fail_buffers;
	}
	sigpipe_restore(&guard);
	/* On failure there is no child left: someone else reaped it. */
	if (reap(&t, name, &status) < 0)
		goto fail_buffers;

	if (capture_finish(&out) < 0 || capture_finish(&err) < 0)
		goto fail_buffers;
	free(out.line);

	res->duration_ms = now_ms() - start;
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signaled = 1;
		res->term_signal = WTERMSIG(status);
	}
	if (t.term_sent) {
		res->timed_out = 1;
		res->timeout_ms = opts->timeout_ms;
	}
	res->out = out.buf;
	res->out_len = out.len;
	res->out_truncated = out.truncated;
	res->err = err.buf;
	res->err_len = err.len;
	res->err_truncated = err.truncated;
	return 0;

fail_buffers:
	free(out.line);
	free(out.buf);
	free(err.buf);
fail_fds:
	close_fd(&in_pipe[0]);
	close_fd(&in_pipe[1]);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[0]);
	close_fd(&err_pipe[1]);
	free(envp);
	memset(res, 0, sizeof(*res));
	return -1;
}

void proc_result_release(struct proc_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

const char *proc_describe(const struct proc_result *res, char *buf, size_t len)
{
	int n = 0;

	if (!len)
		return buf;
	if (res->exited)
		n = snprintf(buf, len, "exited with status %d", res->exit_code);
	else if (res->signaled)
		n = snprintf(buf, len, "killed by signal %d", res->term_signal);
	else
		n = snprintf(buf, len, "did not run");
	if (res->timed_out && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (timeout after %ld ms)",
			 res->timeout_ms);
	return buf;
}
