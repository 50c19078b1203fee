/*
 * fuzz-jsonl.c - libFuzzer target for the line reader (lib/jsonl.c).
 *
 * The input is read back with a small line limit taken from the first
 * byte, so limits vary. Its top bit chooses how the bytes arrive: from a
 * memfd in one read, or through a pipe that a thread fills in small
 * chunks, so lines straddle reads as they do in a pipeline. Every line
 * handed out is
 * checked against the input itself: its bytes, its number, its length and
 * full length, too_long and has_nul; the count of lines must be the count
 * of newlines, plus one for a last line without one. A violation traps.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	int fd;
	const char *p;
	size_t n;
};

/* Write the input in chunks of 1 to 61 bytes, sized by the input itself. */
static void *feeder(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;

	while (off < f->n) {
		size_t chunk = 1 + (unsigned char)f->p[off] % 61;
		ssize_t w;

		if (chunk > f->n - off)
			chunk = f->n - off;
		w = write(f->fd, f->p + off, chunk);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed feed;
	pthread_t thread;
	int use_pipe, p[2];
	const char *in;
	size_t max_line, pos = 0, nl = 0, n;
	struct jsonl_reader r;
	struct jsonl_line l;
	uint64_t count = 0;
	int fd, rc;

	if (size == 0)
		return 0;
	max_line = 1 + data[0] % 128;
	in = (const char *)data + 1;
	n = size - 1;
	use_pipe = data[0] & 0x80;
	if (use_pipe) {
		if (pipe(p) < 0)
			return 0;
		fd = p[0];
		feed = (struct feed){ p[1], in, n };
		if (pthread_create(&thread, NULL, feeder, &feed) != 0) {
			close(p[0]);
			close(p[1]);
			return 0;
		}
	} else {
		fd = memfd_create("fuzz-jsonl", MFD_CLOEXEC);
		if (fd < 0)
			return 0;
		if ((n && write(fd, in, n) != (ssize_t)n) || lseek(fd, 0, SEEK_SET) != 0) {
			close(fd);
			return 0;
		}
	}
	if (jsonl_init(&r, fd, "fuzz", max_line) < 0)
		__builtin_trap();
	while ((rc = jsonl_next(&r, &l)) == 1) {
		size_t content;

		count++;
		if (l.lineno != count || l.len > l.full_len || pos > n)
			__builtin_trap();
		if (memcmp(l.p, in + pos, l.len) != 0)
			__builtin_trap();
		if (l.has_nul != (memchr(l.p, '\0', l.len) != NULL))
			__builtin_trap();
		if (l.too_long) {
			/* full_len is the raw line, its CR included */
			if (l.full_len > n - pos || l.len == 0)
				__builtin_trap();
			/* the head is the same however the line arrived */
			if (l.len != (l.full_len < JSONL_KEEP ? l.full_len : JSONL_KEEP))
				__builtin_trap();
			content = (size_t)l.full_len;
			if (content && in[pos + content - 1] == '\r')
				content--;
			if (content <= max_line)
				__builtin_trap();
			pos += (size_t)l.full_len;
		} else {
			if (l.len != l.full_len || l.len > max_line)
				__builtin_trap();
			pos += l.len;
			/* a CR right before the newline (or the end) was dropped */
			if (pos < n && in[pos] == '\r' && (pos + 1 == n || in[pos + 1] == '\n'))
				pos++;
		}
		if (pos < n) {
			if (in[pos] != '\n')
				__builtin_trap();
			pos++;
		}
	}
	if (rc != 0 || pos != n)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		nl += in[i] == '\n';
	if (count != nl + (n && in[n - 1] != '\n'))
		__builtin_trap();
	jsonl_release(&r);
	if (use_pipe)
		pthread_join(thread, NULL);
	close(fd);
	return 0;
}
