/*
 * out.c - buffered event output (see out.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "out.h"
#include "banned.h"

#define OUT_CAP (256u << 10)

int out_init(struct out *o, int fd)
{
	o->fd = fd;
	o->len = 0;
	o->err = 0;
	o->cap = OUT_CAP;
	o->buf = malloc(o->cap);
	if (!o->buf)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static int write_all(struct out *o, const char *p, size_t n)
{
	while (n && !o->err) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	return o->err ? -1 : 0;
}

int out_flush(struct out *o)
{
	int rc = write_all(o, o->buf, o->len);

	o->len = 0;
	return rc;
}

int out_line(struct out *o, const char *line, size_t len)
{
	if (o->err)
		return -1;
	if (len + 1 > o->cap - o->len) {
		if (out_flush(o) < 0)
			return -1;
		if (len + 1 > o->cap)   /* a huge line goes out directly */
			return write_all(o, line, len) || write_all(o, "\n", 1) ? -1 : 0;
	}
	memcpy(o->buf + o->len, line, len);
	o->buf[o->len + len] = '\n';
	o->len += len + 1;
	return 0;
}

int out_close(struct out *o)
{
	out_flush(o);
	free(o->buf);
	o->buf = NULL;
	if (o->err)
		return ak_error(AK_EXIT_IOERR, "write error: %s", strerror(o->err));
	return 0;
}
