/*
 * router.c - the traffic routers of a rollout: an nginx upstream include
 * file tested and reloaded, the HAProxy runtime API on its unix socket,
 * and a command hook. Each sets the canary's share of the traffic and can
 * say what share is in force now; a change that fails leaves the previous
 * routing in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "atomicfile.h"
#include "buf.h"
#include "error.h"
#include "proc.h"
#include "rollout/router.h"
#include "shwords.h"
#include "banned.h"

#define DEFAULT_TIMEOUT_MS 10000
#define MAX_REPLY (64 * 1024)
#define MAX_FILE (1024 * 1024)
#define MAX_SHOWN 1000   /* bytes of a program's message put in an error */

struct router {
	enum router_kind kind;
	char *file, *upstream, *stable, *canary;
	char *socket, *backend;
	json_t *nginx_words;   /* the nginx command, split */
	json_t *cmd_words;     /* the command hook, split */
	long timeout_ms;
	int last;              /* cmd: the last weight set, or -1 */
};

static const char *const kind_names[] = {
	[ROUTER_NGINX] = "nginx",
	[ROUTER_HAPROXY] = "haproxy",
	[ROUTER_CMD] = "cmd",
};

const char *router_kind_name(enum router_kind k)
{
	if (k < ROUTER_NGINX || k > ROUTER_CMD)
		return "unknown";
	return kind_names[k];
}

int router_kind_parse(const char *name, enum router_kind *k)
{
	for (int i = ROUTER_NGINX; i <= ROUTER_CMD; i++)
		if (name && !strcmp(name, kind_names[i])) {
			*k = (enum router_kind)i;
			return 0;
		}
	return ak_error(AK_EXIT_USAGE,
			"unknown router '%s' (use nginx, haproxy or cmd)",
			name ? name : "");
}

/* ---- small helpers ---- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * A name that goes into the nginx file or a runtime API command as one
 * word: nothing that could end the word, the directive or the line.
 * extra lists further characters refused for this use.
 */
static int check_word(const char *field, const char *v, const char *extra)
{
	if (!v || !*v)
		return ak_error(AK_EXIT_USAGE, "router: '%s' is required", field);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || strchr(";{}#\"'\\$", c) ||
		    strchr(extra, c))
			return ak_error(AK_EXIT_USAGE,
					"router: %s '%s' has a character that is not allowed here",
					field, v);
	}
	return 0;
}

static json_t *split_command(const char *field, const char *s)
{
	json_t *words = shwords_split(s);

	if (!words) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", ak_errmsg());
		ak_error(AK_EXIT_USAGE, "router: %s: %s", field, msg);
	}
	return words;
}

/* Copy the message of the last error into b (which is reset first). */
static void save_errmsg(struct buf *b)
{
	buf_reset(b);
	buf_addstr(b, ak_errmsg());
}

/*
 * Append what a program or server said, trimmed, lines joined by "; ",
 * at most MAX_SHOWN bytes; first_line: only the first non-empty line.
 */
static void add_message(struct buf *b, const char *s, size_t len, int first_line)
{
	size_t start = b->len, shown = 0;
	int sep = 0;

	while (len && shown < MAX_SHOWN) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) : len;
		size_t a = 0, z = n;

		while (a < z && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r'))
			a++;
		while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t' ||
				 s[z - 1] == '\r'))
			z--;
		if (z > a) {
			if (sep)
				buf_addstr(b, "; ");
			if (z - a > MAX_SHOWN - shown)
				z = a + (MAX_SHOWN - shown);
			buf_add(b, s + a, z - a);
			shown += z - a;
			sep = 1;
			if (first_line)
				break;
		}
		s += nl ? n + 1 : n;
		len -= nl ? n + 1 : n;
	}
	for (size_t i = start; i < b->len; i++)
		if ((unsigned char)b->p[i] < ' ')
			b->p[i] = ' ';
}

/*
 * Run argv with the router's timeout. Returns 0 when it exited 0; else -1
 * with ak_error naming what ("nginx -t") and saying how it ended, with its
 * standard error (only the first line when first_line).
 */
static int run_program(struct router *r, const char *const *argv,
		       const char *what, int first_line)
{
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result res = PROC_RESULT_INIT;
	struct buf msg = BUF_INIT, said = BUF_INIT;
	char how[128];
	int code;

	o.argv = argv;
	o.timeout_ms = r->timeout_ms;
	o.max_output = 64 * 1024;
	if (proc_run(&o, &res) < 0)
		return -1;
	if (res.exited && res.exit_code == 0) {
		proc_result_release(&res);
		return 0;
	}
	code = res.timed_out ? AK_EXIT_TEMPFAIL : AK_EXIT_UNAVAILABLE;
	buf_addf(&msg, "'%s' %s", what, proc_describe(&res, how, sizeof(how)));
	add_message(&said, res.err, res.err_len, first_line);
	if (said.len)
		buf_addf(&msg, ": %s", said.p);
	proc_result_release(&res);
	ak_error(code, "%s", msg.p ? msg.p : what);
	buf_release(&msg);
	buf_release(&said);
	return -1;
}

/* ---- lifecycle ---- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int check_conf(const struct router_conf *c)
{
	switch (c->kind) {
	case ROUTER_NGINX:
		if (!c->file || !*c->file)
			return ak_error(AK_EXIT_USAGE, "router: nginx: 'file' is required");
		if (check_word("upstream", c->upstream, "") < 0 ||
		    check_word("stable", c->stable, "") < 0 ||
		    check_word("canary", c->canary, "") < 0)
			return -1;
		break;
	case ROUTER_HAPROXY:
		if (!c->socket || !*c->socket)
			return ak_error(AK_EXIT_USAGE, "router: haproxy: 'socket' is required");
		if (check_word("backend", c->backend, "/") < 0 ||
		    check_word("stable", c->stable, "/") < 0 ||
		    check_word("canary", c->canary, "/") < 0)
			return -1;
		if (strlen(c->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return ak_error(AK_EXIT_USAGE, "router: socket path '%s' is too long",
					c->socket);
		break;
	case ROUTER_CMD:
		if (!c->command || !*c->command)
			return ak_error(AK_EXIT_USAGE, "router: cmd: 'command' is required");
		break;
	default:
		return ak_error(AK_EXIT_USAGE, "router: unknown kind %d", (int)c->kind);
	}
	if (c->stable && c->canary && !strcmp(c->stable, c->canary))
		return ak_error(AK_EXIT_USAGE,
				"router: stable and canary are both '%s'", c->stable);
	if (c->timeout_ms < 0)
		return ak_error(AK_EXIT_USAGE, "router: negative timeout");
	return 0;
}

struct router *router_new(const struct router_conf *c)
{
	struct router *r;

	if (check_conf(c) < 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	r->kind = c->kind;
	r->timeout_ms = c->timeout_ms ? c->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->last = -1;
	r->file = dup_or_null(c->file);
	r->upstream = dup_or_null(c->upstream);
	r->stable = dup_or_null(c->stable);
	r->canary = dup_or_null(c->canary);
	r->socket = dup_or_null(c->socket);
	r->backend = dup_or_null(c->backend);
	if (c->kind == ROUTER_NGINX) {
		r->nginx_words = split_command("nginx", c->nginx ? c->nginx : "nginx");
		if (!r->nginx_words)
			goto fail;
	} else if (c->kind == ROUTER_CMD) {
		r->cmd_words = split_command("command", c->command);
		if (!r->cmd_words)
			goto fail;
	}
	return r;
fail:
	router_free(r);
	return NULL;
}

void router_free(struct router *r)
{
	if (!r)
		return;
	free(r->file);
	free(r->upstream);
	free(r->stable);
	free(r->canary);
	free(r->socket);
	free(r->backend);
	json_decref(r->nginx_words);
	json_decref(r->cmd_words);
	free(r);
}

/* The canary's share of sw + cw in percent, rounded half up; -1 if none. */
static int share(long sw, long cw)
{
	if (sw + cw <= 0)
		return -1;
	return (int)((200 * cw + (sw + cw)) / (2 * (sw + cw)));
}

/* ---- nginx ---- */

static void nginx_server(struct buf *b, const char *addr, int w)
{
	if (w)
		buf_addf(b, "\tserver %s weight=%d;\n", addr, w);
	else
		buf_addf(b, "\tserver %s down;\n", addr);
}

static void nginx_render(struct router *r, int weight, struct buf *b)
{
	buf_addstr(b, "# generated by agentkit rollout; this file will be overwritten\n");
	buf_addf(b, "upstream %s {\n", r->upstream);
	nginx_server(b, r->stable, 100 - weight);
	nginx_server(b, r->canary, weight);
	buf_addstr(b, "}\n");
}


/* Read path into b; *exists is 0 (and b empty) when there is no file. */
static int read_if_exists(const char *path, struct buf *b, int *exists)
{
	struct stat st;

	*exists = 0;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s",
				path, strerror(errno));
	}
	*exists = 1;
	return buf_read_file(b, path);
}

/* Put the previous file back, or remove the new one if there was none. */
static int nginx_restore(struct router *r, const struct buf *old, int existed)
{
	if (existed)
		return file_write_atomic(r->file, old->p ? old->p : "", old->len, 0644);
	if (unlink(r->file) < 0 && errno != ENOENT)
		return ak_error(AK_EXIT_IOERR, "cannot remove '%s': %s",
				r->file, strerror(errno));
	return 0;
}

/* Run the nginx command with extra arguments (NULL-terminated). */
static int nginx_run(struct router *r, const char *const *extra, const char *what)
{
	size_t n = json_array_size(r->nginx_words), k = 0, i;
	const char **argv;
	int ret;

	while (extra[k])
		k++;
	argv = calloc(n + k + 1, sizeof(*argv));
	if (!argv)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (i = 0; i < n; i++)
		argv[i] = json_string_value(json_array_get(r->nginx_words, i));
	for (i = 0; i < k; i++)
		argv[n + i] = extra[i];
	ret = run_program(r, argv, what, 0);
	free(argv);
	return ret;
}

static int nginx_set(struct router *r, int weight)
{
	static const char *const test[] = { "-t", NULL };
	static const char *const reload[] = { "-s", "reload", NULL };
	struct buf old = BUF_INIT, text = BUF_INIT, msg = BUF_INIT;
	int existed, code, ret = -1;

	buf_init(&old, MAX_FILE);
	if (read_if_exists(r->file, &old, &existed) < 0)
		goto out;
	nginx_render(r, weight, &text);
	if (file_write_atomic(r->file, text.p, text.len, 0644) < 0)
		goto out;
	if (nginx_run(r, test, "nginx -t") < 0 ||
	    nginx_run(r, reload, "nginx -s reload") < 0) {
		code = ak_errcode();
		save_errmsg(&msg);
		if (nginx_restore(r, &old, existed) < 0) {
			buf_addf(&msg, "; the previous '%s' could not be restored: %s",
				 r->file, ak_errmsg());
		}
		ak_error(code, "%s", msg.p);
		goto out;
	}
	ret = 0;
out:
	buf_release(&old);
	buf_release(&text);
	buf_release(&msg);
	return ret;
}

/* Read the next word of a server line: up to blank or ';'. */
static const char *next_word(const char *p, const char **end)
{
	while (*p == ' ' || *p == '\t')
		p++;
	*end = p;
	while (**end && !strchr(" \t;\n", **end))
		(*end)++;
	return p;
}

static int word_is(const char *w, const char *end, const char *s)
{
	return (size_t)(end - w) == strlen(s) && !strncmp(w, s, end - w);
}

/*
 * The weight a "server ADDR [weight=N] [down] ...;" line gives, or -1 for
 * a line that is not one.
 */
static long server_weight(const char *line, const char **addr, const char **addr_end)
{
	const char *w, *e;
	long weight = 1;

	w = next_word(line, &e);
	if (!word_is(w, e, "server"))
		return -1;
	*addr = next_word(e, addr_end);
	e = *addr_end;
	while (*e && *e != ';' && *e != '\n') {
		w = next_word(e, &e);
		if (word_is(w, e, "down"))
			weight = 0;
		else if (e - w > 7 && !strncmp(w, "weight=", 7) && weight)
			weight = strtol(w + 7, NULL, 10);
		if (w == e)
			break;
	}
	return weight;
}

static int nginx_get(struct router *r, int *weight)
{
	struct buf b = BUF_INIT;
	long sw = -1, cw = -1;
	int existed;

	buf_init(&b, MAX_FILE);
	if (read_if_exists(r->file, &b, &existed) < 0)
		goto fail;
	if (!existed) {
		*weight = -1;
		return 0;
	}
	for (const char *line = b.p; line && *line;) {
		const char *nl = strchr(line, '\n'), *a, *ae;
		long w = server_weight(line, &a, &ae);

		if (w >= 0 && word_is(a, ae, r->stable))
			sw = w;
		else if (w >= 0 && word_is(a, ae, r->canary))
			cw = w;
		line = nl ? nl + 1 : NULL;
	}
	if (sw < 0 || cw < 0) {
		ak_error(AK_EXIT_DATAERR, "'%s': no server '%s' in it",
			 r->file, sw < 0 ? r->stable : r->canary);
		goto fail;
	}
	buf_release(&b);
	*weight = share(sw, cw);
	return 0;
fail:
	buf_release(&b);
	return -1;
}

/* ---- haproxy ---- */

/* Wait for fd to be ready for events until deadline; 0 or -1 (timeout). */
static int wait_fd(int fd, short events, long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -1;
		n = poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int hap_connect(struct router *r, long deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return ak_error(AK_EXIT_SOFTWARE, "socket: %s", strerror(errno));
	memcpy(sa.sun_path, r->socket, strlen(r->socket) + 1);
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINPROGRESS || errno == EINTR) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (wait_fd(fd, POLLOUT, deadline) < 0)
				goto timeout;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			if (!err)
				break;
			errno = err;
		}
		if (errno == EAGAIN) {
			/* a full listen queue: try again until the deadline */
			if (now_ms() >= deadline)
				goto timeout;
			usleep(10000);
			continue;
		}
		ak_error(AK_EXIT_UNAVAILABLE, "cannot connect to '%s': %s",
			 r->socket, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
timeout:
	close(fd);
	return ak_error(AK_EXIT_TEMPFAIL, "cannot connect to '%s': timeout after %ld ms",
			r->socket, r->timeout_ms);
}

/*
 * Send one command line to the runtime API and read the reply until the
 * server closes the connection. The whole exchange has the router's
 * timeout. 0 or -1 with ak_error.
 */
static int hap_exchange(struct router *r, const char *cmd, struct buf *reply)
{
	long deadline = now_ms() + r->timeout_ms;
	size_t off = 0, len = strlen(cmd);
	char chunk[4096];
	int fd = hap_connect(r, deadline);

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = send(fd, cmd + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				goto timeout;
			continue;
		}
		if (n < 0)
			goto io_error;
		off += (size_t)n;
	}
	for (;;) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		if (n == 0)
			break;
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				goto timeout;
			continue;
		}
		if (n < 0)
			goto io_error;
		if (buf_add(reply, chunk, (size_t)n) < 0)
			goto fail;
	}
	close(fd);
	return 0;
timeout:
	ak_error(AK_EXIT_TEMPFAIL, "'%s': no reply within %ld ms", r->socket,
		 r->timeout_ms);
	goto fail;
io_error:
	ak_error(AK_EXIT_UNAVAILABLE, "'%s': %s", r->socket, strerror(errno));
fail:
	close(fd);
	return -1;
}

static int hap_get_weight(struct router *r, const char *server, long *w)
{
	struct buf cmd = BUF_INIT, reply = BUF_INIT, msg = BUF_INIT;
	char *end;
	int ret = -1;

	buf_init(&reply, MAX_REPLY);
	buf_addf(&cmd, "get weight %s/%s\n", r->backend, server);
	if (hap_exchange(r, cmd.p, &reply) < 0)
		goto out;
	if (reply.len && reply.p[0] >= '0' && reply.p[0] <= '9') {
		errno = 0;
		*w = strtol(reply.p, &end, 10);
		if (!errno && (*end == ' ' || *end == '\n' || !*end)) {
			ret = 0;
			goto out;
		}
	}
	add_message(&msg, reply.p ? reply.p : "", reply.len, 0);
	ak_error(AK_EXIT_DATAERR, "haproxy: 'get weight %s/%s': %s", r->backend,
		 server, msg.len ? msg.p : "empty reply");
out:
	buf_release(&cmd);
	buf_release(&reply);
	buf_release(&msg);
	return ret;
}

static int hap_set_weight(struct router *r, const char *server, long w)
{
	struct buf cmd = BUF_INIT, reply = BUF_INIT, msg = BUF_INIT;
	int ret = -1;

	buf_init(&reply, MAX_REPLY);
	buf_addf(&cmd, "set server %s/%s weight %ld\n", r->backend, server, w);
	if (hap_exchange(r, cmd.p, &reply) < 0)
		goto out;
	add_message(&msg, reply.p ? reply.p : "", reply.len, 0);
	if (msg.len) {
		ak_error(AK_EXIT_UNAVAILABLE, "haproxy refused 'set server %s/%s weight %ld': %s",
			 r->backend, server, w, msg.p);
		goto out;
	}
	ret = 0;
out:
	buf_release(&cmd);
	buf_release(&reply);
	buf_release(&msg);
	return ret;
}

/*
 * Raise one server before lowering the other, so that the two are never
 * both low at once: up (canary share grows): canary first; down: stable
 * first. If the second change fails, the first is undone.
 */
static int hap_set(struct router *r, int weight)
{
	const char *first, *second;
	long sw, cw, w1, w2, old1;
	struct buf msg = BUF_INIT;
	int old, code;

	if (hap_get_weight(r, r->stable, &sw) < 0 ||
	    hap_get_weight(r, r->canary, &cw) < 0)
		return -1;
	old = share(sw, cw);
	if (old < 0 || weight >= old) {
		first = r->canary, w1 = weight, old1 = cw;
		second = r->stable, w2 = 100 - weight;
	} else {
		first = r->stable, w1 = 100 - weight, old1 = sw;
		second = r->canary, w2 = weight;
	}
	if (hap_set_weight(r, first, w1) < 0)
		return -1;
	if (hap_set_weight(r, second, w2) == 0)
		return 0;
	code = ak_errcode();
	save_errmsg(&msg);
	if (hap_set_weight(r, first, old1) < 0)
		buf_addf(&msg, "; and '%s' could not be set back to %ld: %s",
			 first, old1, ak_errmsg());
	ak_error(code, "%s", msg.p);
	buf_release(&msg);
	return -1;
}

static int hap_get(struct router *r, int *weight)
{
	long sw, cw;

	if (hap_get_weight(r, r->stable, &sw) < 0 ||
	    hap_get_weight(r, r->canary, &cw) < 0)
		return -1;
	*weight = share(sw, cw);
	return 0;
}

/* ---- command hook ---- */

static int cmd_set(struct router *r, int weight)
{
	size_t n = json_array_size(r->cmd_words), i;
	char **words = calloc(n + 1, sizeof(*words));
	char w[16], sw[16];
	const char *const pairs[] = { "weight", w, "stable_weight", sw, NULL };
	int ret = -1;

	if (!words)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	snprintf(w, sizeof(w), "%d", weight);
	snprintf(sw, sizeof(sw), "%d", 100 - weight);
	for (i = 0; i < n; i++) {
		struct buf b = BUF_INIT;

		if (shwords_expand(&b, json_string_value(json_array_get(r->cmd_words, i)),
				   pairs) == 0)
			words[i] = buf_detach(&b, NULL);
		buf_release(&b);
		if (!words[i]) {
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			goto out;
		}
	}
	ret = run_program(r, (const char *const *)words, words[0], 1);
	if (ret == 0)
		r->last = weight;
out:
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return ret;
}

/* ---- dispatch ---- */

int router_set(struct router *r, int weight)
{
	if (weight < 0 || weight > 100)
		return ak_error(AK_EXIT_USAGE,
				"canary weight %d is out of range (0..100)", weight);
	switch (r->kind) {
	case ROUTER_NGINX:
		return nginx_set(r, weight);
	case ROUTER_HAPROXY:
		return hap_set(r, weight);
	case ROUTER_CMD:
		return cmd_set(r, weight);
	}
	return ak_error(AK_EXIT_SOFTWARE, "router: unknown kind");
}

int router_get(struct router *r, int *weight)
{
	switch (r->kind) {
	case ROUTER_NGINX:
		return nginx_get(r, weight);
	case ROUTER_HAPROXY:
		return hap_get(r, weight);
	case ROUTER_CMD:
		*weight = r->last;
		return 0;
	}
	return ak_error(AK_EXIT_SOFTWARE, "router: unknown kind");
}
