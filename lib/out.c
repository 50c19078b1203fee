/*
 * out.c - buffered event output (see out.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "out.h"
#include "banned.h"

#define OUT_CAP (256u << 10)

int out_init(struct out *o, int fd, size_t cap)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->cap = cap ? cap : OUT_CAP;
	o->buf = malloc(o->cap);
	if (!o->buf)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static int write_all(struct out *o, const char *p, size_t n)
{
	while (n && !o->code) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			o->code = AK_EXIT_IOERR;
			snprintf(o->msg, sizeof(o->msg), "write error: %s", strerror(errno));
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	return o->code ? -1 : 0;
}

/* Let the hook take p[0..n) before it is written. */
static int commit(struct out *o, const char *p, size_t n)
{
	if (!o->commit || !n || o->code)
		return o->code ? -1 : 0;
	if (o->commit(o->commit_ctx, p, n) < 0) {
		o->code = ak_errcode();
		snprintf(o->msg, sizeof(o->msg), "%s", ak_errmsg());
		return -1;
	}
	return 0;
}

int out_flush(struct out *o)
{
	int rc = commit(o, o->buf, o->len) < 0 ? -1 : write_all(o, o->buf, o->len);

	o->len = 0;
	return rc;
}

int out_line(struct out *o, const char *line, size_t len)
{
	if (o->code)
		return -1;
	if (len + 1 > o->cap - o->len) {
		if (out_flush(o) < 0)
			return -1;
		if (len + 1 > o->cap)   /* a huge line goes out on its own */
			return commit(o, line, len) || write_all(o, line, len) ||
			       write_all(o, "\n", 1) ? -1 : 0;
	}
	memcpy(o->buf + o->len, line, len);
	o->buf[o->len + len] = '\n';
	o->len += len + 1;
	return 0;
}

int out_close(struct out *o)
{
	if (o->buf)
		out_flush(o);
	free(o->buf);
	o->buf = NULL;
	if (o->code)
		return ak_error(o->code, "%s", o->msg);
	return 0;
}
