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
	int fd = 0;
	ssize_t n;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ak_error(errno == ENOENT || errno == EACCES ?
					AK_EXIT_DATAERR : AK_EXIT_IOERR,
					"cannot open '%s': %s", path, strerror(errno));
	}
	for (;;) {
		if (buf_grow(b, 65536) < 0) {
			size_t limit = b->max;

			if (fd)
				close(fd);
			return ak_error(AK_EXIT_DATAERR, "'%s' is too large (limit %zu bytes)",
					path, limit);
		}
		n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (fd)
				close(fd);
			return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(e));
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->p[b->len] = '\0';
	}
	if (fd)
		close(fd);
	return 0;
}
