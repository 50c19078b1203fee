/*
 * jsonl.c - the line reader under every filter (see jsonl.h).
 *
 * One buffer, refilled with read(2) in large blocks. Lines are found with
 * memchr and handed out in place; the buffer only moves the unfinished tail
 * to its front before a refill, and only grows while a line is shorter than
 * the limit, up to the limit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "jsonl.h"
#include "banned.h"

#define READ_BLOCK (256u << 10)

int jsonl_init(struct jsonl_reader *r, int fd, const char *name, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name ? name : "stdin";
	r->max_line = max_line ? max_line : JSONL_DEFAULT_MAX;
	r->cap = 2 * READ_BLOCK;
	r->buf = malloc(r->cap);
	if (!r->buf)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

void jsonl_release(struct jsonl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Read more into the buffer after r->end. 1 read, 0 EOF, -1 error. */
static int fill(struct jsonl_reader *r)
{
	ssize_t n;

	if (r->start > 0 && (r->start == r->end || r->cap - r->end < READ_BLOCK)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_BLOCK) {
		size_t cap = r->cap * 2;
		char *p;

		/* only reached while the pending line is under the limit */
		if (cap > r->max_line + 2 * READ_BLOCK)
			cap = r->max_line + 2 * READ_BLOCK;
		if (cap <= r->cap)
			cap = r->cap + READ_BLOCK;
		p = realloc(r->buf, cap);
		if (!p)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		r->buf = p;
		r->cap = cap;
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ak_error(AK_EXIT_IOERR, "cannot read %s: %s", r->name, strerror(errno));
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

static void finish(struct jsonl_reader *r, struct jsonl_line *line,
		   const char *p, size_t len, uint64_t full_len, int too_long)
{
	line->p = p;
	line->len = len;
	line->full_len = full_len;
	line->too_long = too_long;
	line->lineno = ++r->lineno;
	if (len && p[len - 1] == '\r' && !too_long) {
		line->len--;
		line->full_len--;
	}
	line->has_nul = memchr(p, '\0', line->len) != NULL;
}

/*
 * The pending line is past the limit: keep its head at the buffer's front,
 * discard bytes until the newline, and report it truncated. The head grows
 * to JSONL_KEEP bytes however the line arrived (in one read or in many), so
 * the same input always gives the same head.
 */
static int skip_long(struct jsonl_reader *r, struct jsonl_line *line)
{
	uint64_t full = r->end - r->start;
	size_t keep = full < JSONL_KEEP ? (size_t)full : JSONL_KEEP;
	char *nl;

	memmove(r->buf, r->buf + r->start, keep);
	r->start = 0;
	r->end = keep;
	for (;;) {
		size_t used;   /* bytes of this read that belong to the line */
		ssize_t n;

		/* r->end == keep: what is read lands right after the head */
		do
			n = read(r->fd, r->buf + r->end, r->cap - r->end);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return ak_error(AK_EXIT_IOERR, "cannot read %s: %s", r->name,
					strerror(errno));
		if (n == 0) {
			r->eof = 1;
			finish(r, line, r->buf, keep, full, 1);
			r->start = r->end = 0;
			return 1;
		}
		nl = memchr(r->buf + r->end, '\n', (size_t)n);
		used = nl ? (size_t)(nl - (r->buf + r->end)) : (size_t)n;
		full += used;
		if (keep < JSONL_KEEP)
			keep += JSONL_KEEP - keep < used ? JSONL_KEEP - keep : used;
		if (nl) {
			/* what follows the newline stays buffered, after the head */
			size_t rest = (size_t)(r->buf + r->end + n - (nl + 1));

			memmove(r->buf + keep, nl + 1, rest);
			r->start = keep;
			r->end = keep + rest;
			finish(r, line, r->buf, keep, full, 1);
			return 1;
		}
		r->end = keep;
	}
}

/* The length of s[0..len) that counts against the limit: a CR before the
 * newline is part of the line ending, not of the line. */
static size_t content_len(const char *s, size_t len)
{
	return len && s[len - 1] == '\r' ? len - 1 : len;
}

int jsonl_next(struct jsonl_reader *r, struct jsonl_line *line)
{
	size_t scanned = 0;

	for (;;) {
		char *s = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(s + scanned, '\n', avail - scanned);

		if (nl) {
			size_t len = (size_t)(nl - s);

			r->start += len + 1;
			if (content_len(s, len) > r->max_line) {
				finish(r, line, s, JSONL_KEEP < len ? JSONL_KEEP : len, len, 1);
				return 1;
			}
			finish(r, line, s, len, len, 0);
			return 1;
		}
		scanned = avail;
		if (content_len(s, avail) > r->max_line)
			return skip_long(r, line);
		if (r->eof) {
			if (!avail)
				return 0;
			r->start = r->end;
			finish(r, line, s, avail, avail, 0);
			return 1;
		}
		if (fill(r) < 0)
			return -1;
	}
}

int jsonl_buffered(const struct jsonl_reader *r)
{
	return r->end > r->start && memchr(r->buf + r->start, '\n', r->end - r->start);
}
