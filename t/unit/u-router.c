/*
 * u-router.c - unit tests for lib/rollout/router.c.
 *
 * nginx: the generated upstream file for weights 0, 10, 50, 100, read
 * back; a stand-in nginx script that refuses the test or the reload, after
 * which the previous file must be back and the error must carry nginx's
 * message. With /usr/sbin/nginx: a real nginx in front of two loopback
 * backends answering "blue" and "green"; at weight 30, 100 requests split
 * exactly 70/30 (smooth weighted round robin, one worker).
 * HAProxy: a stand-in runtime API server in a thread records the commands
 * in order and answers; refusals, rollback, timeouts. With
 * /usr/sbin/haproxy: set and get through a real admin socket.
 * cmd: a script writes its arguments to a file.
 *
 * Every server is on 127.0.0.1 or a unix socket in a temporary folder and
 * is stopped at exit.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>

#include "buf.h"
#include "error.h"
#include "proc.h"
#include "rollout/router.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-router-XXXXXX";
static pid_t backend_pid[2];
static int backend_port[2];

static const char *path_in(const char *name)
{
	static char p[8][512];
	static int next;
	char *s = p[next++ % 8];

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	return s;
}

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		bail(path);
	if (chmod(path, mode) < 0)
		bail(path);
}

/* The file's content (malloc'd), or NULL when it cannot be read. */
static char *slurp(const char *path)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	if (!b.p)
		return strdup("");
	return buf_detach(&b, NULL);
}

static int is_file(const char *path, const char *want, const char *name)
{
	char *got = slurp(path);
	int r = is_str(got, want, "%s", name);

	free(got);
	return r;
}

static int has(const char *s, const char *needle)
{
	return s && strstr(s, needle) != NULL;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static pid_t pid_from_file(const char *path)
{
	char *s = slurp(path);
	long pid = s ? strtol(s, NULL, 10) : 0;

	free(s);
	return pid > 1 ? (pid_t)pid : 0;
}

/*
 * Stop the daemon whose pid is in path and wait (up to 5 s) until it is
 * gone; 1 when it went on SIGTERM.
 */
static int stop_daemon(const char *path)
{
	pid_t pid = pid_from_file(path);

	if (!pid || kill(pid, SIGTERM) < 0)
		return 0;
	for (int i = 0; i < 500 && kill(pid, 0) == 0; i++)
		sleep_ms(10);
	if (kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		return 0;
	}
	return 1;
}

static void cleanup(void)
{
	const char *rm[] = { "rm", "-rf", tmpdir, NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result res = PROC_RESULT_INIT;

	stop_daemon(path_in("nginx.pid"));
	stop_daemon(path_in("haproxy.pid"));
	for (int i = 0; i < 2; i++)
		if (backend_pid[i] > 0) {
			kill(backend_pid[i], SIGTERM);
			waitpid(backend_pid[i], NULL, 0);
			backend_pid[i] = 0;
		}
	o.argv = rm;
	if (proc_run(&o, &res) == 0)
		proc_result_release(&res);
}

/* router_get gives 0 and *weight want. */
static int get_is(struct router *r, int want, const char *name)
{
	int w = -2, rc = router_get(r, &w);

	if (!ok(rc == 0 && w == want, "%s", name))
		printf("#   returned %d, weight %d: %s\n", rc, w, ak_errmsg());
	return rc == 0 && w == want;
}

/* ---- kinds and configuration errors ---- */

static void test_kinds(void)
{
	enum router_kind k = 0;

	is_str(router_kind_name(ROUTER_NGINX), "nginx", "kind name nginx");
	is_str(router_kind_name(ROUTER_HAPROXY), "haproxy", "kind name haproxy");
	is_str(router_kind_name(ROUTER_CMD), "cmd", "kind name cmd");
	is_str(router_kind_name(0), "unknown", "kind name of 0");
	ok(router_kind_parse("haproxy", &k) == 0 && k == ROUTER_HAPROXY,
	   "parse haproxy");
	ok(router_kind_parse("cmd", &k) == 0 && k == ROUTER_CMD, "parse cmd");
	is_int(router_kind_parse("apache", &k), -1, "parse apache fails");
	is_int(ak_errcode(), AK_EXIT_USAGE, "... as a usage error");
	is_str(ak_errmsg(), "unknown router 'apache' (use nginx, haproxy or cmd)",
	       "... saying which kinds exist");
}

static void expect_refused(const struct router_conf *c, const char *part,
			   const char *name)
{
	struct router *r = router_new(c);

	ok(!r && ak_errcode() == AK_EXIT_USAGE && has(ak_errmsg(), part),
	   "router_new refuses %s", name);
	if (r || !has(ak_errmsg(), part))
		printf("#   message: '%s'\n", ak_errmsg());
	router_free(r);
}

static void test_conf_errors(void)
{
	struct router_conf n = { .kind = ROUTER_NGINX, .file = "/tmp/x.conf",
		.upstream = "app", .stable = "127.0.0.1:1", .canary = "127.0.0.1:2" };
	struct router_conf h = { .kind = ROUTER_HAPROXY, .socket = "/tmp/s",
		.backend = "app", .stable = "blue", .canary = "green" };
	struct router_conf c = { .kind = ROUTER_CMD, .command = "true" };
	struct router_conf t;
	struct router *r;

	t = n, t.file = NULL;
	expect_refused(&t, "'file' is required", "nginx without file");
	t = n, t.upstream = "";
	expect_refused(&t, "'upstream' is required", "nginx without upstream");
	t = n, t.canary = "127.0.0.1:2; server evil:1";
	expect_refused(&t, "not allowed", "an address that would add a directive");
	t = n, t.upstream = "app{";
	expect_refused(&t, "not allowed", "an upstream name with a brace");
	t = n, t.canary = t.stable;
	expect_refused(&t, "both", "stable and canary the same");
	t = n, t.nginx = "nginx -t | cat";
	expect_refused(&t, "nginx", "an nginx command with shell syntax");
	t = h, t.backend = NULL;
	expect_refused(&t, "'backend' is required", "haproxy without backend");
	t = h, t.canary = "app/green";
	expect_refused(&t, "not allowed", "a server name with a slash");
	t = h, t.stable = "blue\nshutdown sessions";
	expect_refused(&t, "not allowed", "a server name with a newline");
	t = c, t.command = NULL;
	expect_refused(&t, "'command' is required", "cmd without command");
	t = c, t.command = "'unterminated";
	expect_refused(&t, "command", "a command with an open quote");
	t = c, t.kind = 9;
	expect_refused(&t, "unknown kind", "an unknown kind");

	r = router_new(&c);
	ok(r != NULL, "router_new cmd");
	is_int(router_set(r, 101), -1, "weight 101 refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "... as a usage error");
	is_int(router_set(r, -1), -1, "weight -1 refused");
	router_free(r);
	router_free(NULL);
}

/* ---- nginx with a stand-in program ---- */

static const char *nginx_expect(int w)
{
	static char s[512];
	char st[64], ca[64];

	if (100 - w)
		snprintf(st, sizeof(st), "weight=%d", 100 - w);
	else
		snprintf(st, sizeof(st), "down");
	if (w)
		snprintf(ca, sizeof(ca), "weight=%d", w);
	else
		snprintf(ca, sizeof(ca), "down");
	snprintf(s, sizeof(s),
		 "# generated by agentkit rollout; this file will be overwritten\n"
		 "upstream app {\n"
		 "\tserver 127.0.0.1:8081 %s;\n"
		 "\tserver 127.0.0.1:8082 %s;\n"
		 "}\n", st, ca);
	return s;
}

static int temp_files_left(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".tmp-"))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void make_fake_nginx(void)
{
	char script[2048];

	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "echo \"$*\" >> %s/nginx.log\n"
		 "for a; do last=$a; done\n"
		 "if [ \"$last\" = -t ]; then\n"
		 "\tcp %s/up.conf %s/tested.conf 2>/dev/null\n"
		 "\tif [ -e %s/fail-test ]; then\n"
		 "\t\techo 'nginx: [emerg] unexpected \"}\" in %s/up.conf:4' >&2\n"
		 "\t\techo 'nginx: configuration file %s/nginx.conf test failed' >&2\n"
		 "\t\texit 1\n"
		 "\tfi\n"
		 "fi\n"
		 "if [ \"$last\" = reload ] && [ -e %s/fail-reload ]; then\n"
		 "\techo 'nginx: [error] invalid PID number \"\" in \"%s/nginx.pid\"' >&2\n"
		 "\texit 1\n"
		 "fi\n"
		 "exit 0\n",
		 tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir);
	write_file(path_in("fake-nginx"), script, 0755);
}

static void test_nginx_fake(void)
{
	char cmd[1024], log[2048] = "";
	struct router_conf c = { .kind = ROUTER_NGINX, .upstream = "app",
		.stable = "127.0.0.1:8081", .canary = "127.0.0.1:8082" };
	static const int weights[] = { 0, 10, 50, 100 };
	struct router *r;
	int w = 7;

	make_fake_nginx();
	snprintf(cmd, sizeof(cmd), "%s -p %s/ -c '%s'", path_in("fake-nginx"),
		 tmpdir, path_in("nginx.conf"));
	c.nginx = cmd;
	c.file = path_in("up.conf");
	r = router_new(&c);
	if (!r)
		bail(ak_errmsg());
	get_is(r, -1, "nginx: no file yet reads as -1");

	for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++) {
		char name[64], line[512];

		snprintf(name, sizeof(name), "nginx: file for weight %d", weights[i]);
		is_int(router_set(r, weights[i]), 0, "nginx: set %d", weights[i]);
		is_file(path_in("up.conf"), nginx_expect(weights[i]), name);
		snprintf(name, sizeof(name), "nginx: get reads %d back", weights[i]);
		get_is(r, weights[i], name);
		snprintf(line, sizeof(line), "-p %s/ -c %s -t\n-p %s/ -c %s -s reload\n",
			 tmpdir, path_in("nginx.conf"), tmpdir, path_in("nginx.conf"));
		if (strlen(log) + strlen(line) < sizeof(log))
			memcpy(log + strlen(log), line, strlen(line) + 1);
	}
	is_file(path_in("nginx.log"), log, "nginx: tested, then reloaded, each time");

	write_file(path_in("fail-test"), "", 0644);
	is_int(router_set(r, 70), -1, "nginx: a failing test fails the set");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "... as unavailable");
	ok(has(ak_errmsg(), "'nginx -t' exited with status 1: nginx: [emerg] unexpected \"}\" in ") &&
	   has(ak_errmsg(), "up.conf:4; nginx: configuration file"),
	   "... with nginx's message");
	printf("# %s\n", ak_errmsg());
	is_file(path_in("tested.conf"), nginx_expect(70), "... after testing the new file");
	is_file(path_in("up.conf"), nginx_expect(100), "... and the previous file is back");
	get_is(r, 100, "... get still says 100");
	unlink(path_in("fail-test"));

	write_file(path_in("fail-reload"), "", 0644);
	is_int(router_set(r, 20), -1, "nginx: a failing reload fails the set");
	ok(has(ak_errmsg(), "'nginx -s reload' exited with status 1: nginx: [error] invalid PID number"),
	   "... with nginx's message");
	is_file(path_in("up.conf"), nginx_expect(100), "... and the previous file is back");
	unlink(path_in("fail-reload"));
	is_int(temp_files_left(), 0, "nginx: no temporary file left");
	router_free(r);

	/* no previous file: a failure leaves none */
	write_file(path_in("fail-test"), "", 0644);
	c.file = path_in("fresh.conf");
	r = router_new(&c);
	is_int(router_set(r, 40), -1, "nginx: failing first set");
	ok(access(path_in("fresh.conf"), F_OK) < 0 && errno == ENOENT,
	   "... leaves no file where there was none");
	router_free(r);
	unlink(path_in("fail-test"));

	c.file = path_in("no/such/dir.conf");
	r = router_new(&c);
	is_int(router_set(r, 40), -1, "nginx: a file in a missing folder");
	is_int(ak_errcode(), AK_EXIT_IOERR, "... is an I/O error");
	router_free(r);

	/* a file written by hand */
	c.file = path_in("hand.conf");
	write_file(c.file, "upstream app {\n  server 127.0.0.1:8081 weight=3 max_fails=2;\n"
		   "  server   127.0.0.1:8082;   # default weight 1\n}\n", 0644);
	r = router_new(&c);
	get_is(r, 25, "nginx: get of weights 3 and 1 is 25");
	write_file(c.file, "upstream app {\n  server 127.0.0.1:8081;\n}\n", 0644);
	is_int(router_get(r, &w), -1, "nginx: get without the canary fails");
	ok(ak_errcode() == AK_EXIT_DATAERR &&
	   has(ak_errmsg(), "hand.conf': no server '127.0.0.1:8082' in it"),
	   "... a data error naming the server: %s", ak_errmsg());
	router_free(r);
}

/* ---- loopback HTTP backends ---- */

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 64) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		bail("listen");
	*port = ntohs(a.sin_port);
	return fd;
}

static int free_port(void)
{
	int port, fd = listen_any(&port);

	close(fd);
	return port;
}

static void serve_http(int lfd, const char *body)
{
	char req[4096], resp[256];
	int n = snprintf(resp, sizeof(resp),
			 "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 strlen(body), body);

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		size_t got = 0;

		if (fd < 0)
			continue;
		while (got < sizeof(req) - 1) {
			ssize_t k = read(fd, req + got, sizeof(req) - 1 - got);

			if (k <= 0)
				break;
			got += (size_t)k;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		if (write(fd, resp, (size_t)n) < 0)
			perror("backend write");
		close(fd);
	}
}

static void start_backends(void)
{
	static const char *const body[2] = { "blue", "green" };

	for (int i = 0; i < 2; i++) {
		int lfd = listen_any(&backend_port[i]);

		fflush(stdout);
		backend_pid[i] = fork();
		if (backend_pid[i] < 0)
			bail("fork");
		if (backend_pid[i] == 0) {
			serve_http(lfd, body[i]);
			_exit(0);
		}
		close(lfd);
	}
}

/* GET / from 127.0.0.1:port; the body into out ("" on failure). */
static const char *http_get(int port, char *out, size_t len)
{
	static const char req[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 3, 0 };
	char resp[4096];
	size_t got = 0;
	const char *body;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	out[0] = '\0';
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		if (fd >= 0)
			close(fd);
		return out;
	}
	for (;;) {
		ssize_t k = read(fd, resp + got, sizeof(resp) - 1 - got);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	resp[got] = '\0';
	body = strstr(resp, "\r\n\r\n");
	if (body && !strncmp(resp, "HTTP/1.", 7) && strstr(resp, " 200 "))
		snprintf(out, len, "%s", body + 4);
	return out;
}

/* Of n requests, how many got "green" (*blue gets the "blue" count). */
static int count_green(int port, int n, int *blue)
{
	char body[64];
	int green = 0;

	*blue = 0;
	for (int i = 0; i < n; i++) {
		http_get(port, body, sizeof(body));
		if (!strcmp(body, "green"))
			green++;
		else if (!strcmp(body, "blue"))
			(*blue)++;
	}
	return green;
}

/* Send requests until one gets want (up to 10 s); 0 when one did. */
static int wait_for(int port, const char *want)
{
	char body[64];
	long end = now_ms() + 10000;

	while (now_ms() < end) {
		if (!strcmp(http_get(port, body, sizeof(body)), want))
			return 0;
		sleep_ms(20);
	}
	return -1;
}

static int run_argv(const char *const *argv, struct proc_result *res)
{
	struct proc_opts o = PROC_OPTS_INIT;

	o.argv = argv;
	o.timeout_ms = 15000;
	return proc_run(&o, res);
}

/* ---- a real nginx ---- */

static void write_nginx_conf(int port)
{
	char conf[2048];

	snprintf(conf, sizeof(conf),
		 "daemon on;\nworker_processes 1;\nuser root;\n"
		 "pid %s/nginx.pid;\nerror_log %s/error.log;\n"
		 "events { worker_connections 64; }\n"
		 "http {\n\taccess_log off;\n"
		 "\tclient_body_temp_path %s/client_body;\n"
		 "\tproxy_temp_path %s/proxy;\n\tfastcgi_temp_path %s/fastcgi;\n"
		 "\tuwsgi_temp_path %s/uwsgi;\n\tscgi_temp_path %s/scgi;\n"
		 "\tinclude %s/up.conf;\n"
		 "\tserver {\n\t\tlisten 127.0.0.1:%d;\n"
		 "\t\tlocation / { proxy_pass http://app; }\n\t}\n}\n",
		 tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, port);
	write_file(path_in("nginx.conf"), conf, 0644);
}

static void test_nginx_real(void)
{
	char cmd[1024], stable[64], canary[64], bad[64];
	struct router_conf c = { .kind = ROUTER_NGINX, .upstream = "app" };
	struct proc_result res = PROC_RESULT_INIT;
	const char *start[] = { "/usr/sbin/nginx", "-p", NULL, "-c", NULL, "-e",
		NULL, NULL };
	struct router *r, *first, *broken;
	int port = free_port(), blue, green;
	char *before;

	if (access("/usr/sbin/nginx", X_OK) < 0) {
		ok(1, "# skip no /usr/sbin/nginx");
		return;
	}
	unlink(path_in("up.conf"));
	write_nginx_conf(port);
	snprintf(stable, sizeof(stable), "127.0.0.1:%d", backend_port[0]);
	snprintf(canary, sizeof(canary), "127.0.0.1:%d", backend_port[1]);
	c.file = path_in("up.conf");
	c.stable = stable;
	c.canary = canary;
	c.nginx = "true";   /* the first file, written before nginx runs */
	first = router_new(&c);
	is_int(router_set(first, 0), 0, "real nginx: first file written");
	router_free(first);

	start[2] = tmpdir;
	start[4] = path_in("nginx.conf");
	start[6] = path_in("error.log");
	if (run_argv(start, &res) < 0 || !res.exited || res.exit_code) {
		ok(0, "real nginx starts: %s", res.err ? res.err : ak_errmsg());
		proc_result_release(&res);
		return;
	}
	proc_result_release(&res);
	ok(wait_for(port, "blue") == 0, "real nginx: weight 0 answers blue");
	is_int(count_green(port, 20, &blue), 0, "real nginx: weight 0: no green");
	is_int(blue, 20, "real nginx: weight 0: all blue");

	snprintf(cmd, sizeof(cmd), "/usr/sbin/nginx -p %s/ -c %s -e %s", tmpdir,
		 path_in("nginx.conf"), path_in("error.log"));
	c.nginx = cmd;
	r = router_new(&c);
	is_int(router_set(r, 30), 0, "real nginx: set 30");
	get_is(r, 30, "real nginx: get 30");
	ok(wait_for(port, "green") == 0, "real nginx: reload done, green answers");
	sleep_ms(300);   /* let the old worker close its listening socket */
	green = count_green(port, 100, &blue);
	is_int(blue, 70, "real nginx: 70 of 100 requests to blue");
	is_int(green, 30, "real nginx: 30 of 100 requests to green");

	/* a file nginx refuses: the working one stays */
	before = slurp(path_in("up.conf"));
	snprintf(bad, sizeof(bad), "127.0.0.1:%d0000", backend_port[1]);
	c.canary = bad;
	broken = router_new(&c);
	is_int(router_set(broken, 50), -1, "real nginx: an address nginx refuses");
	ok(has(ak_errmsg(), "'nginx -t' exited with status 1") &&
	   has(ak_errmsg(), "invalid port"), "... with nginx's message");
	printf("# %s\n", ak_errmsg());
	is_file(path_in("up.conf"), before, "... and the previous file is back");
	free(before);
	router_free(broken);
	green = count_green(port, 10, &blue);
	ok(green == 3 && blue == 7, "real nginx: still 70/30 (%d/%d)", blue, green);

	is_int(router_set(r, 100), 0, "real nginx: set 100 (stable down) accepted");
	ok(wait_for(port, "green") == 0, "real nginx: answers at 100");
	is_int(router_set(r, 0), 0, "real nginx: set 0 (canary down) accepted");
	router_free(r);

	{
		const char *stop[] = { "/usr/sbin/nginx", "-p", tmpdir, "-c",
			path_in("nginx.conf"), "-e", path_in("error.log"), "-s", "stop", NULL };
		pid_t pid = pid_from_file(path_in("nginx.pid"));

		ok(run_argv(stop, &res) == 0 && res.exited && !res.exit_code,
		   "real nginx: stop");
		proc_result_release(&res);
		for (int i = 0; pid && i < 500 && kill(pid, 0) == 0; i++)
			sleep_ms(10);
		ok(pid && kill(pid, 0) < 0, "real nginx: gone");
	}
}

/* ---- a stand-in HAProxy runtime API ---- */

struct fake_api {
	pthread_mutex_t lock;
	int lfd;
	int stop;
	int silent;            /* read the command, never answer */
	const char *refuse;    /* server whose "set" is refused */
	long blue, green;
	struct buf log;        /* the commands received, one a line */
};

static struct fake_api api = { .lock = PTHREAD_MUTEX_INITIALIZER, .lfd = -1 };

/* The answer to one command line (without its newline) into reply. */
static void fake_answer(const char *line, char *reply, size_t len)
{
	char server[64];
	long n;

	if (sscanf(line, "get weight app/%63s", server) == 1) {
		if (!strcmp(server, "blue"))
			snprintf(reply, len, "%ld (initial 1)\n", api.blue);
		else if (!strcmp(server, "green"))
			snprintf(reply, len, "%ld (initial 1)\n", api.green);
		else
			snprintf(reply, len, "No such server.\n");
	} else if (sscanf(line, "set server app/%63s weight %ld", server, &n) == 2) {
		if (api.refuse && !strcmp(server, api.refuse))
			snprintf(reply, len, "Backend is using a static LB algorithm and only accepts weights '0%%' and '100%%'.\n");
		else if (!strcmp(server, "blue"))
			api.blue = n, snprintf(reply, len, "\n");
		else if (!strcmp(server, "green"))
			api.green = n, snprintf(reply, len, "\n");
		else
			snprintf(reply, len, "No such server.\n");
	} else {
		snprintf(reply, len, "No such backend.\n");
	}
}

static void fake_serve(int fd)
{
	char line[512], reply[256];
	size_t got = 0;
	char *nl = NULL;

	while (got < sizeof(line) - 1 && !nl) {
		ssize_t k = read(fd, line + got, sizeof(line) - 1 - got);

		if (k <= 0)
			break;
		got += (size_t)k;
		line[got] = '\0';
		nl = strchr(line, '\n');
	}
	if (!nl)
		return;
	*nl = '\0';
	pthread_mutex_lock(&api.lock);
	buf_addf(&api.log, "%s\n", line);
	fake_answer(line, reply, sizeof(reply));
	if (api.silent) {
		pthread_mutex_unlock(&api.lock);
		while (read(fd, line, sizeof(line)) > 0)
			;
		return;
	}
	pthread_mutex_unlock(&api.lock);
	if (write(fd, reply, strlen(reply)) < 0)
		perror("fake api write");
}

static void *fake_thread(void *arg)
{
	for (;;) {
		struct pollfd p = { .fd = api.lfd, .events = POLLIN };
		struct timeval tv = { 5, 0 };
		int stop, fd;

		pthread_mutex_lock(&api.lock);
		stop = api.stop;
		pthread_mutex_unlock(&api.lock);
		if (stop)
			break;
		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(api.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		fake_serve(fd);
		close(fd);
	}
	return NULL;
}

/* The commands received since the last call (malloc'd). */
static char *fake_log(void)
{
	char *s;

	pthread_mutex_lock(&api.lock);
	s = strdup(api.log.p ? api.log.p : "");
	buf_reset(&api.log);
	pthread_mutex_unlock(&api.lock);
	return s;
}

static void fake_clear(void)
{
	free(fake_log());
}

static void fake_set(long blue, long green, const char *refuse, int silent)
{
	pthread_mutex_lock(&api.lock);
	api.blue = blue;
	api.green = green;
	api.refuse = refuse;
	api.silent = silent;
	pthread_mutex_unlock(&api.lock);
}

static int is_log(const char *want, const char *name)
{
	char *got = fake_log();
	int r = is_str(got, want, "%s", name);

	free(got);
	return r;
}

static void test_haproxy_fake(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct router_conf c = { .kind = ROUTER_HAPROXY, .backend = "app",
		.stable = "blue", .canary = "green", .timeout_ms = 2000 };
	struct router *r;
	pthread_t th;
	long t0;
	int w = -2;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_in("fake.sock"));
	api.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (api.lfd < 0 || bind(api.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(api.lfd, 16) < 0)
		bail("fake socket");
	fake_set(100, 0, NULL, 0);
	if (pthread_create(&th, NULL, fake_thread, NULL))
		bail("pthread_create");

	c.socket = path_in("fake.sock");
	r = router_new(&c);
	get_is(r, 0, "haproxy: get of 100/0 is 0");
	is_log("get weight app/blue\nget weight app/green\n", "haproxy: get asks both servers");

	is_int(router_set(r, 30), 0, "haproxy: set 30");
	is_log("get weight app/blue\nget weight app/green\n"
	       "set server app/green weight 30\nset server app/blue weight 70\n",
	       "haproxy: going up, canary raised first");
	ok(api.blue == 70 && api.green == 30, "haproxy: weights 70/30");
	get_is(r, 30, "haproxy: get 30");
	fake_clear();

	is_int(router_set(r, 10), 0, "haproxy: set 10");
	is_log("get weight app/blue\nget weight app/green\n"
	       "set server app/blue weight 90\nset server app/green weight 10\n",
	       "haproxy: going down, stable raised first");

	fake_set(1, 2, NULL, 0);
	get_is(r, 67, "haproxy: get of 1/2 rounds to 67");
	fake_set(0, 0, NULL, 0);
	get_is(r, -1, "haproxy: get of 0/0 is -1");
	fake_set(90, 10, "blue", 0);
	fake_clear();

	is_int(router_set(r, 60), -1, "haproxy: a refused second set fails");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "... as unavailable");
	is_str(ak_errmsg(), "haproxy refused 'set server app/blue weight 40': "
	       "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.",
	       "... with HAProxy's message");
	is_log("get weight app/blue\nget weight app/green\n"
	       "set server app/green weight 60\nset server app/blue weight 40\n"
	       "set server app/green weight 10\n",
	       "... and the first set is undone");
	ok(api.blue == 90 && api.green == 10, "... weights back to 90/10");

	fake_set(90, 10, "green", 0);
	is_int(router_set(r, 60), -1, "haproxy: a refused first set fails");
	is_log("get weight app/blue\nget weight app/green\n"
	       "set server app/green weight 60\n", "... and nothing more is sent");
	router_free(r);

	c.backend = "other";
	r = router_new(&c);
	is_int(router_get(r, &w), -1, "haproxy: get from an unknown backend");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "... a data error");
	is_str(ak_errmsg(), "haproxy: 'get weight other/blue': No such backend.",
	       "... with HAProxy's message");
	router_free(r);
	fake_clear();

	c.backend = "app";
	c.timeout_ms = 300;
	r = router_new(&c);
	fake_set(100, 0, NULL, 1);
	t0 = now_ms();
	is_int(router_set(r, 10), -1, "haproxy: a server that never answers");
	ok(ak_errcode() == AK_EXIT_TEMPFAIL && has(ak_errmsg(), "no reply within 300 ms"),
	   "... times out: %s", ak_errmsg());
	ok(now_ms() - t0 < 2000, "... soon");
	router_free(r);

	c.socket = path_in("none.sock");
	r = router_new(&c);
	is_int(router_set(r, 10), -1, "haproxy: no socket");
	ok(ak_errcode() == AK_EXIT_UNAVAILABLE && has(ak_errmsg(), "No such file"),
	   "... unavailable: %s", ak_errmsg());
	router_free(r);

	pthread_mutex_lock(&api.lock);
	api.stop = 1;
	pthread_mutex_unlock(&api.lock);
	pthread_join(th, NULL);
	close(api.lfd);
	buf_release(&api.log);
}

/* ---- a real HAProxy ---- */

static void test_haproxy_real(void)
{
	char cfg[2048];
	const char *start[] = { "/usr/sbin/haproxy", "-D", "-f", NULL, "-p", NULL, NULL };
	struct router_conf c = { .kind = ROUTER_HAPROXY, .backend = "app",
		.stable = "blue", .canary = "green" };
	struct proc_result res = PROC_RESULT_INIT;
	struct router *r;
	int port = free_port(), blue, green;

	if (access("/usr/sbin/haproxy", X_OK) < 0) {
		ok(1, "# skip no /usr/sbin/haproxy");
		return;
	}
	snprintf(cfg, sizeof(cfg),
		 "global\n\tstats socket %s level admin\n\n"
		 "defaults\n\tmode http\n\ttimeout connect 2s\n"
		 "\ttimeout client 5s\n\ttimeout server 5s\n\n"
		 "backend app\n\tbalance roundrobin\n"
		 "\tserver blue 127.0.0.1:%d weight 100\n"
		 "\tserver green 127.0.0.1:%d weight 0\n\n"
		 "frontend web\n\tbind 127.0.0.1:%d\n\tdefault_backend app\n",
		 path_in("admin.sock"), backend_port[0], backend_port[1], port);
	write_file(path_in("haproxy.cfg"), cfg, 0644);
	start[3] = path_in("haproxy.cfg");
	start[5] = path_in("haproxy.pid");
	if (run_argv(start, &res) < 0 || !res.exited || res.exit_code) {
		ok(0, "real haproxy starts: %s", res.err ? res.err : ak_errmsg());
		proc_result_release(&res);
		return;
	}
	proc_result_release(&res);
	for (int i = 0; i < 300 && access(path_in("admin.sock"), F_OK) < 0; i++)
		sleep_ms(10);

	c.socket = path_in("admin.sock");
	r = router_new(&c);
	get_is(r, 0, "real haproxy: get 0");
	ok(wait_for(port, "blue") == 0, "real haproxy: answers blue");
	if (!is_int(router_set(r, 30), 0, "real haproxy: set 30"))
		printf("# %s\n", ak_errmsg());
	get_is(r, 30, "real haproxy: get 30");
	green = count_green(port, 100, &blue);
	printf("# real haproxy: blue %d green %d\n", blue, green);
	ok(blue + green == 100 && green >= 25 && green <= 35,
	   "real haproxy: about 30 of 100 requests to green (%d)", green);
	is_int(router_set(r, 100), 0, "real haproxy: set 100");
	get_is(r, 100, "real haproxy: get 100");
	is_int(count_green(port, 10, &blue), 10, "real haproxy: all green");
	is_int(router_set(r, 0), 0, "real haproxy: set 0");
	is_int(count_green(port, 10, &blue), 0, "real haproxy: no green");
	router_free(r);

	c.canary = "nosuch";
	r = router_new(&c);
	is_int(router_set(r, 10), -1, "real haproxy: an unknown server");
	ok(has(ak_errmsg(), "No such server"), "... with HAProxy's message: %s",
	   ak_errmsg());
	router_free(r);
	ok(stop_daemon(path_in("haproxy.pid")), "real haproxy: stopped");
}

/* ---- command hook ---- */

static void test_cmd(void)
{
	char script[512], cmd[1024];
	struct router_conf c = { .kind = ROUTER_CMD };
	struct router *r;

	snprintf(script, sizeof(script),
		 "#!/bin/sh\n: > %s/args\n"
		 "for a; do printf '%%s\\n' \"$a\" >> %s/args; done\n"
		 "if [ -e %s/hook-fail ]; then\n"
		 "\techo 'boom: backend busy' >&2\n\techo 'second line' >&2\n\texit 3\nfi\n",
		 tmpdir, tmpdir, tmpdir);
	write_file(path_in("hook"), script, 0755);
	snprintf(cmd, sizeof(cmd),
		 "%s --canary={weight} --stable {stable_weight} 'a b' {weight}{stable_weight}x {nothing}",
		 path_in("hook"));
	c.command = cmd;
	r = router_new(&c);
	get_is(r, -1, "cmd: unknown before the first set");
	is_int(router_set(r, 25), 0, "cmd: set 25");
	is_file(path_in("args"), "--canary=25\n--stable\n75\na b\n2575x\n{nothing}\n",
		"cmd: placeholders replaced in each word");
	get_is(r, 25, "cmd: get 25");

	write_file(path_in("hook-fail"), "", 0644);
	is_int(router_set(r, 40), -1, "cmd: a failing command");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "... unavailable");
	{
		char want[600];

		snprintf(want, sizeof(want), "'%s' exited with status 3: boom: backend busy",
			 path_in("hook"));
		is_str(ak_errmsg(), want, "... with the first line of its stderr");
	}
	get_is(r, 25, "... get still 25");
	router_free(r);

	c.command = "sleep 5";
	c.timeout_ms = 200;
	r = router_new(&c);
	is_int(router_set(r, 1), -1, "cmd: a command that passes its timeout");
	ok(ak_errcode() == AK_EXIT_TEMPFAIL && has(ak_errmsg(), "timeout after 200 ms"),
	   "... %s", ak_errmsg());
	router_free(r);

	c.command = path_in("nope");
	c.timeout_ms = 0;
	r = router_new(&c);
	is_int(router_set(r, 1), -1, "cmd: a missing program");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "... unavailable");
	router_free(r);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		bail("mkdtemp");
	atexit(cleanup);
	signal(SIGPIPE, SIG_IGN);
	test_kinds();
	test_conf_errors();
	test_nginx_fake();
	test_cmd();
	test_haproxy_fake();
	start_backends();
	test_nginx_real();
	test_haproxy_real();
	return done_testing();
}
