/*
 * jsonl.h - a streaming reader of JSON Lines with a line limit.
 *
 * Lines end at '\n'; a '\r' before it is dropped (CRLF input), and a last
 * line without a newline is still a line. A line longer than the limit is
 * not kept whole: the reader returns its first JSONL_KEEP bytes with
 * too_long set and skips the rest, so no input grows memory past the limit.
 * A NUL byte inside a line is reported with has_nul, since JSON text can
 * never hold one and C string handling must never meet one.
 */
#ifndef AK_JSONL_H
#define AK_JSONL_H

#include <stddef.h>
#include <stdint.h>

#define JSONL_DEFAULT_MAX (16u << 20)
#define JSONL_KEEP 4096

struct jsonl_line {
	const char *p;        /* not NUL-terminated; valid until the next call */
	size_t len;
	uint64_t lineno;      /* 1-based */
	uint64_t full_len;    /* the whole line's length, also when too_long */
	int too_long;
	int has_nul;
};

struct jsonl_reader {
	int fd;
	size_t max_line;
	char *buf;
	size_t cap, start, end;
	uint64_t lineno;
	int eof;
	const char *name;     /* for messages: a path or "stdin" */
};

/* Set up a reader of fd (not closed by the reader). 0, or -1 on ENOMEM. */
int jsonl_init(struct jsonl_reader *r, int fd, const char *name, size_t max_line);
void jsonl_release(struct jsonl_reader *r);

/*
 * Read the next line. Returns 1 with *line filled, 0 at end of input, -1
 * with ak_error (AK_EXIT_IOERR) when reading fails.
 */
int jsonl_next(struct jsonl_reader *r, struct jsonl_line *line);

/* 1 when a whole line is already buffered, so the next jsonl_next will not
 * block; a filter flushes its output when this says 0. */
int jsonl_buffered(const struct jsonl_reader *r);

#endif
