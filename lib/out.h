/*
 * out.h - the buffered writer of event lines on stdout.
 *
 * Lines collect in a large buffer and go out with write(2) when it fills
 * or when the caller flushes (a filter flushes whenever its input has no
 * whole line waiting, so a pipe streams without a syscall per line). A
 * write error is kept: later writes do nothing, and out_close reports it
 * ("write error: No space left on device", class AK_EXIT_IOERR).
 */
#ifndef AK_OUT_H
#define AK_OUT_H

#include <stddef.h>

struct out {
	int fd;
	char *buf;
	size_t len, cap;
	int err;        /* errno of the first failed write, 0 if none */
};

int out_init(struct out *o, int fd);
/* Append line (without newline) and a '\n'. 0, or -1 after a write error. */
int out_line(struct out *o, const char *line, size_t len);
int out_flush(struct out *o);
/* Flush and free. 0, or -1 with ak_error when any write failed. */
int out_close(struct out *o);

#endif
