/*
 * httpd.h - a small HTTP server for the unit tests of HTTP clients: GET
 * only, keep-alive, one thread, on a free port of 127.0.0.1.
 *
 * The test that includes it defines handle(), which writes the reply to a
 * request for target into out (reply() helps) and returns 1 when the
 * connection should be closed after it. server_start() and server_stop()
 * run the server; srv_port is its port, srv_accepts the connections it
 * took (under srv_lock).
 */
#ifndef AK_TEST_HTTPD_H
#define AK_TEST_HTTPD_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"

static int handle(const char *target, struct buf *out);

#define MAX_CONN 8

struct conn {
	int fd;
	char in[8192];
	size_t len;
};

static int srv_fd, srv_port, srv_accepts;
static pthread_t srv_thread;
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;

static void reply(struct buf *out, int status, const char *body, size_t len,
		  const char *extra)
{
	buf_addf(out, "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\n%s\r\n", status, len, extra ? extra : "");
	buf_add(out, body, len);
}

/* Answer every complete request in c; 1 when c should be closed. */
static int serve_conn(struct conn *c)
{
	char *end, target[2048];
	struct buf out = BUF_INIT;
	int close_after = 0;

	while ((end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
		size_t used = (size_t)(end - c->in) + 4;

		*end = '\0';
		if (sscanf(c->in, "GET %2047s", target) != 1)
			close_after = 1;
		else
			close_after = handle(target, &out);
		memmove(c->in, c->in + used, c->len - used);
		c->len -= used;
		if (send(c->fd, out.p, out.len, MSG_NOSIGNAL) < 0 || close_after)
			break;
		buf_reset(&out);
	}
	buf_release(&out);
	return close_after;
}

static void *serve(void *arg)
{
	static struct conn conns[MAX_CONN];
	struct pollfd pfd[MAX_CONN + 1];

	for (int i = 0; i < MAX_CONN; i++)
		conns[i].fd = -1;
	for (;;) {
		int i;

		pfd[0].fd = srv_fd;
		pfd[0].events = POLLIN;
		for (i = 0; i < MAX_CONN; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, MAX_CONN + 1, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			int fd = accept(srv_fd, NULL, NULL);

			if (fd < 0)
				break;
			for (i = 0; i < MAX_CONN && conns[i].fd >= 0; i++)
				;
			if (i == MAX_CONN) {
				close(fd);
			} else {
				conns[i].fd = fd;
				conns[i].len = 0;
				pthread_mutex_lock(&srv_lock);
				srv_accepts++;
				pthread_mutex_unlock(&srv_lock);
			}
		}
		for (i = 0; i < MAX_CONN; i++) {
			struct conn *c = &conns[i];
			ssize_t n;

			if (c->fd < 0 || !pfd[i + 1].revents)
				continue;
			n = recv(c->fd, c->in + c->len, sizeof(c->in) - c->len, 0);
			if (n > 0)
				c->len += (size_t)n;
			if (n <= 0 || serve_conn(c) || c->len == sizeof(c->in)) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
	for (int i = 0; i < MAX_CONN; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		printf("Bail out! cannot listen: %s\n", strerror(errno));
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void server_start(void)
{
	srv_fd = listen_any(&srv_port);
	if (pthread_create(&srv_thread, NULL, serve, NULL)) {
		printf("Bail out! cannot start the server thread\n");
		exit(1);
	}
}

static void server_stop(void)
{
	shutdown(srv_fd, SHUT_RDWR);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
}

#endif
