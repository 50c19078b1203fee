/*
 * buf.h - a growable byte buffer with a size limit.
 *
 * A buf owns its storage (buf_release frees it). The bytes are always
 * followed by a NUL, so b->p can be used as a C string when the content has
 * no NUL of its own. Every append checks the limit set by buf_init: input can
 * never grow a buffer past it; the append fails with ak_error instead.
 */
#ifndef AK_BUF_H
#define AK_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;    /* 0: no limit beyond SIZE_MAX / 2 */
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Make room for n more bytes. 0, or -1 (AK_EXIT_DATAERR "too large") */
int buf_grow(struct buf *b, size_t n);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Hand the storage to the caller (malloc'd, NUL-terminated); b is reset. */
char *buf_detach(struct buf *b, size_t *len);

/* Read a whole file ("-" is stdin) into b, up to b->max. 0 or -1. */
int buf_read_file(struct buf *b, const char *path);

/* Write in[0..n) as 2n lowercase hexadecimal digits and a NUL to out. */
void hex_encode(const void *in, size_t n, char *out);

/* The value of the hexadecimal digit c, or -1. */
static inline int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
