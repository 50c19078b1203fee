/*
 * buf.c - growable byte buffers with a limit (see buf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

void buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

int buf_grow(struct buf *b, size_t n)
{
	size_t limit = b->max ? b->max : SIZE_MAX / 2;
	size_t want, cap;
	char *p;

	if (n > limit || b->len > limit - n)
		return ak_error(AK_EXIT_DATAERR, "too large (limit %zu bytes)", limit);
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap < SIZE_MAX / 4 ? cap * 2 : want;
	p = realloc(b->p, cap);
	if (!p)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	if (!b->cap)
		p[0] = '\0';   /* new storage: empty content is "" too */
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ak_error(AK_EXIT_SOFTWARE, "bad format");
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->p && buf_grow(b, 0) < 0)
		return NULL;
	p = b->p;
	if (len)
		*len = b->len;
	buf_init(b, b->max);
	return p;
}

int buf_read_file(struct buf *b, const char *path)
{
	size_t limit = b->max ? b->max : SIZE_MAX / 2;
	int own = strcmp(path, "-") != 0;
	int fd = 0, e;
	ssize_t n;

	if (own) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ak_error(errno == ENOENT || errno == EACCES ?
					AK_EXIT_DATAERR : AK_EXIT_IOERR,
					"cannot open '%s': %s", path, strerror(errno));
	}
	for (;;) {
		/* read no more than the limit allows; b->len never exceeds it */
		size_t room = limit - b->len;
		char probe;

		if (room == 0) {
			/* full: the file fits only if it ends here */
			n = read(fd, &probe, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				break;
			if (n > 0) {
				if (own)
					close(fd);
				return ak_error(AK_EXIT_DATAERR, "'%s' is too large (limit %zu bytes)",
						path, limit);
			}
		} else {
			if (buf_grow(b, room < 65536 ? room : 65536) < 0) {
				if (own)
					close(fd);
				return -1;
			}
			if (room > b->cap - b->len - 1)
				room = b->cap - b->len - 1;
			n = read(fd, b->p + b->len, room);
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				break;
			if (n > 0) {
				b->len += (size_t)n;
				b->p[b->len] = '\0';
				continue;
			}
		}
		e = errno;
		if (own)
			close(fd);
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(e));
	}
	if (own)
		close(fd);
	return 0;
}

void hex_encode(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}
