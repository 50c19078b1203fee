/*
 * out.h - the buffered writer of event lines on stdout.
 *
 * Lines collect in a large buffer and go out with write(2) when it fills
 * or when the caller flushes (a filter flushes whenever its input has no
 * whole line waiting, so a pipe streams without a syscall per line).
 *
 * An optional commit hook sees each batch of lines before it is written:
 * `agentctl record` stores the batch in one transaction there, so nothing
 * goes downstream that was not committed. When the hook fails, the batch
 * is not written.
 *
 * The first failure is kept: later writes do nothing, and out_close
 * reports it (a write error is class AK_EXIT_IOERR, "write error: No space
 * left on device"; a hook failure keeps the hook's message and class).
 */
#ifndef AK_OUT_H
#define AK_OUT_H

#include <stddef.h>

struct out {
	int fd;
	char *buf;
	size_t len, cap;
	int err;        /* errno of the first failed write, 0 if none */
	int code;       /* exit class of the first failure, 0 if none */
	char msg[256];  /* its message */
	/* called with whole lines (each ending in '\n', the last one maybe not) */
	int (*commit)(void *ctx, const char *lines, size_t len);
	void *commit_ctx;
};

/* cap 0: the default size (256 KiB). */
int out_init(struct out *o, int fd, size_t cap);
/* Append line (without newline) and a '\n'. 0, or -1 after a failure. */
int out_line(struct out *o, const char *line, size_t len);
int out_flush(struct out *o);
/* Flush and free. 0, or -1 with ak_error when anything failed. */
int out_close(struct out *o);

#endif
