/*
 * u-jsonl.c - unit tests for lib/jsonl.c, the line reader under every
 * filter: line endings, the line limit (at it, one byte over, a 20 MiB
 * line before a normal one), NUL bytes, a million short lines read
 * through a pipe across buffer boundaries, jsonl_buffered and read errors.
 * Input comes from temporary files and from pipes fed by a child process,
 * so reads return short counts as they do in a pipeline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "jsonl.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-jsonl.XXXXXX";

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

/* An fd reading len bytes of data from a temporary file. */
static int file_input(const void *data, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/in", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0)
		bail("cannot write the input file");
	unlink(path);
	return fd;
}

static pid_t writer;

/* What a pipe writer sends: either a buffer or a generator. */
typedef void (*gen_fn)(int fd);

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		c += w;
		n -= (size_t)w;
	}
}

/* An fd reading from a pipe that a child fills with gen (or data). */
static int pipe_input(gen_fn gen, const void *data, size_t len)
{
	int p[2];

	if (pipe(p) < 0)
		bail("pipe");
	writer = fork();
	if (writer < 0)
		bail("fork");
	if (writer == 0) {
		close(p[0]);
		if (gen) {
			gen(p[1]);
		} else {
			/* odd chunk sizes, so lines straddle reads */
			size_t off = 0, chunk = 7;

			while (off < len) {
				size_t n = len - off < chunk ? len - off : chunk;

				write_all(p[1], (const char *)data + off, n);
				off += n;
				chunk = chunk * 3 + 1;
			}
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void reap(void)
{
	int st;

	if (writer > 0) {
		waitpid(writer, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the pipe writer finished");
		writer = 0;
	}
}

/*
 * Read every line of fd into one string "lineno:len:full_len:flags:text|"
 * per line, so a whole read compares with one is_str.
 */
static char *read_all(int fd, size_t max_line)
{
	static char out[1 << 16];
	struct jsonl_reader r;
	struct jsonl_line l;
	size_t o = 0;
	int rc;

	out[0] = '\0';
	if (jsonl_init(&r, fd, "in.jsonl", max_line) < 0)
		return out;
	while ((rc = jsonl_next(&r, &l)) == 1 && o < sizeof(out) - 256) {
		int n = snprintf(out + o, sizeof(out) - o, "%llu:%zu:%llu:%s%s:",
				 (unsigned long long)l.lineno, l.len,
				 (unsigned long long)l.full_len, l.too_long ? "L" : "",
				 l.has_nul ? "N" : "");

		o += (size_t)n;
		for (size_t i = 0; i < l.len && i < 40 && o < sizeof(out) - 8; i++)
			out[o++] = l.p[i] == '\0' ? '@' : l.p[i] == '\r' ? '^' : l.p[i];
		out[o++] = '|';
		out[o] = '\0';
	}
	if (rc < 0)
		snprintf(out + o, sizeof(out) - o, "ERROR %s", ak_errmsg());
	jsonl_release(&r);
	close(fd);
	reap();
	return out;
}

#define FROM_FILE(lit, max) read_all(file_input(lit, sizeof(lit) - 1), max)
#define FROM_PIPE(lit, max) read_all(pipe_input(NULL, lit, sizeof(lit) - 1), max)

static void test_endings(void)
{
	is_str(FROM_FILE("a\nbb\n\nccc\n", 0), "1:1:1::a|2:2:2::bb|3:0:0::|4:3:3::ccc|",
	       "LF lines, an empty one among them");
	is_str(FROM_PIPE("a\nbb\n\nccc\n", 0), "1:1:1::a|2:2:2::bb|3:0:0::|4:3:3::ccc|",
	       "the same through a pipe");
	is_str(FROM_FILE("a\r\nbb\r\n\r\nc\r\n", 0), "1:1:1::a|2:2:2::bb|3:0:0::|4:1:1::c|",
	       "CRLF lines lose the CR");
	is_str(FROM_FILE("x\ry\r\r\n", 0), "1:4:4::x^y^|",
	       "only the CR right before LF is dropped");
	is_str(FROM_FILE("a\nlast", 0), "1:1:1::a|2:4:4::last|", "a last line without newline");
	is_str(FROM_FILE("a\nlast\r", 0), "1:1:1::a|2:4:4::last|",
	       "a last line ending in CR without LF");
	is_str(FROM_FILE("", 0), "", "empty input: no line");
	is_str(FROM_FILE("\n", 0), "1:0:0::|", "a lone newline: one empty line");
	is_str(FROM_FILE("\n\n\n", 0), "1:0:0::|2:0:0::|3:0:0::|", "three empty lines");
	is_str(FROM_FILE("only", 0), "1:4:4::only|", "one line, no newline");
}

/* The long line of test_limit, its first 300 bytes well before the rest. */
static const char *long_line;

static void gen_slow(int fd)
{
	write_all(fd, long_line, 300);
	usleep(100000);
	write_all(fd, long_line + 300, 10003 - 300);
}

static void test_limit(void)
{
	is_str(FROM_FILE("0123456789\nok\n", 10), "1:10:10::0123456789|2:2:2::ok|",
	       "a line exactly at the limit");
	is_str(FROM_FILE("0123456789A\nok\n", 10), "1:11:11:L:0123456789A|2:2:2::ok|",
	       "a line one byte over, then a normal line");
	is_str(FROM_PIPE("0123456789A\nok\n", 10), "1:11:11:L:0123456789A|2:2:2::ok|",
	       "the same through a pipe");
	is_str(FROM_FILE("0123456789", 10), "1:10:10::0123456789|",
	       "a last line at the limit without newline");
	is_str(FROM_FILE("0123456789A", 10), "1:11:11:L:0123456789A|",
	       "a last line over the limit without newline");
	is_str(FROM_PIPE("0123456789A", 10), "1:11:11:L:0123456789A|",
	       "the same through a pipe");
	is_str(FROM_FILE("0123456789\r\nok\r\n", 10), "1:10:10::0123456789|2:2:2::ok|",
	       "a CRLF line at the limit is not too long");
	is_str(FROM_PIPE("0123456789\r\nok\r\n", 10), "1:10:10::0123456789|2:2:2::ok|",
	       "the same through a pipe");
	is_str(FROM_FILE("0123456789\r", 10), "1:10:10::0123456789|",
	       "a last line at the limit ending in CR");
	is_str(FROM_FILE("0123456789AB\r\nok\n", 10), "1:13:13:L:0123456789AB^|2:2:2::ok|",
	       "a CRLF line over the limit");

	/* The kept head of a long line is JSONL_KEEP bytes. */
	{
		size_t n = 10000;
		char *s = malloc(n + 4);
		struct jsonl_reader r;
		struct jsonl_line l;
		int fd;

		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		memcpy(s + n, "\nz\n", 3);
		for (int via_pipe = 0; via_pipe < 2; via_pipe++) {
			long_line = s;
			fd = via_pipe ? pipe_input(gen_slow, NULL, 0) : file_input(s, n + 3);
			jsonl_init(&r, fd, "in", 100);
			is_int(jsonl_next(&r, &l), 1, "long line (%s): read", via_pipe ? "pipe" : "file");
			ok(l.too_long && l.full_len == n && l.lineno == 1,
			   "long line: too_long, full_len %llu", (unsigned long long)l.full_len);
			is_int((long long)l.len, JSONL_KEEP,
			       "long line: the head kept is JSONL_KEEP, however it was read");
			ok(!memcmp(l.p, s, JSONL_KEEP), "long line: the head is the line's start");
			is_int(jsonl_next(&r, &l), 1, "long line: next line read");
			ok(l.len == 1 && l.p[0] == 'z' && l.lineno == 2 && !l.too_long,
			   "long line: the next line is intact");
			is_int(jsonl_next(&r, &l), 0, "long line: then end of input");
			jsonl_release(&r);
			close(fd);
			reap();
		}
		free(s);
	}
}

#define BIG (20u << 20)

static void gen_big(int fd)
{
	static char block[1 << 16];

	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)('A' + i % 23);
	for (size_t sent = 0; sent < BIG; sent += sizeof(block))
		write_all(fd, block, sizeof(block));
	write_all(fd, "\n{\"ok\":1}\n", 10);
}

static void test_big(void)
{
	struct jsonl_reader r;
	struct jsonl_line l;
	int fd, good = 1;

	fd = pipe_input(gen_big, NULL, 0);
	jsonl_init(&r, fd, "in", 1024);
	is_int(jsonl_next(&r, &l), 1, "20 MiB line: read");
	ok(l.too_long, "20 MiB line: too_long");
	is_int((long long)l.full_len, BIG, "20 MiB line: full_len");
	is_int((long long)l.len, JSONL_KEEP, "20 MiB line: head length");
	for (size_t i = 0; i < l.len; i++)
		good &= l.p[i] == (char)('A' + i % 23);
	ok(good, "20 MiB line: head content");
	is_int((long long)l.lineno, 1, "20 MiB line: line 1");
	ok(r.cap < 4u << 20, "20 MiB line: the buffer stayed small (%zu)", r.cap);
	is_int(jsonl_next(&r, &l), 1, "after it: read");
	ok(l.len == 8 && !memcmp(l.p, "{\"ok\":1}", 8) && !l.too_long,
	   "after it: the normal line is intact");
	is_int((long long)l.lineno, 2, "after it: line 2");
	is_int(jsonl_next(&r, &l), 0, "then end of input");
	jsonl_release(&r);
	close(fd);
	reap();

	/* Under a large limit the same line is kept whole. */
	fd = pipe_input(gen_big, NULL, 0);
	jsonl_init(&r, fd, "in", 32u << 20);
	is_int(jsonl_next(&r, &l), 1, "20 MiB line, 32 MiB limit: read");
	ok(!l.too_long && l.len == BIG && l.full_len == BIG, "20 MiB line kept whole");
	good = 1;
	for (size_t i = 0; i < l.len; i += 4093)
		good &= l.p[i] == (char)('A' + (i % (1 << 16)) % 23);
	ok(good, "20 MiB line: content");
	is_int(jsonl_next(&r, &l), 1, "after it: read");
	ok(l.len == 8 && l.lineno == 2 && !memcmp(l.p, "{\"ok\":1}", 8),
	   "after it: the normal line");
	is_int(jsonl_next(&r, &l), 0, "then end of input");
	jsonl_release(&r);
	close(fd);
	reap();
}

static void test_nul(void)
{
	is_str(FROM_FILE("a\0b\nab\n\0\n", 0), "1:3:3:N:a@b|2:2:2::ab|3:1:1:N:@|",
	       "NUL bytes are reported with has_nul");
	is_str(FROM_FILE("ab\0", 0), "1:3:3:N:ab@|", "a NUL in a last line without newline");
	is_str(FROM_FILE("0123456789\0BC\nok\n", 10), "1:13:13:LN:0123456789@BC|2:2:2::ok|",
	       "a NUL in a long line's head");
}

#define NLINES 1000000

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/* Line i of the million: its length varies from 0 to 40 bytes. */
static size_t line_text(uint32_t i, char *out)
{
	size_t n = (i * 2654435761u) % 41, k;

	for (k = 0; k < n; k++)
		out[k] = (char)('!' + (i + k) % 90);
	return n;
}

static void gen_many(int fd)
{
	static char buf[1 << 16];
	size_t o = 0;

	for (uint32_t i = 0; i < NLINES; i++) {
		o += line_text(i, buf + o);
		if (i % 3 == 0)
			buf[o++] = '\r';
		buf[o++] = '\n';
		if (o > sizeof(buf) - 64) {
			write_all(fd, buf, o);
			o = 0;
		}
	}
	write_all(fd, buf, o);
}

static void test_many(void)
{
	struct jsonl_reader r;
	struct jsonl_line l;
	uint64_t want = 0xcbf29ce484222325ULL, got = want, count = 0, bad_lineno = 0;
	char text[64];
	int fd, rc;

	for (uint32_t i = 0; i < NLINES; i++) {
		size_t n = line_text(i, text);

		want = fnv(want, text, n);
		want = fnv(want, "\n", 1);
	}
	fd = pipe_input(gen_many, NULL, 0);
	jsonl_init(&r, fd, "in", 64);
	while ((rc = jsonl_next(&r, &l)) == 1) {
		count++;
		if (l.lineno != count || l.too_long || l.has_nul)
			bad_lineno++;
		got = fnv(got, l.p, l.len);
		got = fnv(got, "\n", 1);
	}
	is_int(rc, 0, "a million lines: ends at end of input");
	is_int((long long)count, NLINES, "a million lines: count");
	is_int((long long)bad_lineno, 0, "a million lines: numbered 1.. and none flagged");
	ok(got == want, "a million lines: checksum of the contents");
	jsonl_release(&r);
	close(fd);
	reap();
}

static void test_buffered(void)
{
	struct jsonl_reader r;
	struct jsonl_line l;
	int fd = file_input("a\nb\nc", 5);

	jsonl_init(&r, fd, "in", 0);
	is_int(jsonl_buffered(&r), 0, "buffered: nothing before the first read");
	jsonl_next(&r, &l);
	is_int(jsonl_buffered(&r), 1, "buffered: after 'a', 'b' is waiting");
	jsonl_next(&r, &l);
	is_int(jsonl_buffered(&r), 0, "buffered: after 'b', only a partial line");
	is_int(jsonl_next(&r, &l), 1, "buffered: 'c' still comes");
	ok(l.len == 1 && l.p[0] == 'c', "buffered: it is 'c'");
	is_int(jsonl_buffered(&r), 0, "buffered: nothing after the last line");
	is_int(jsonl_next(&r, &l), 0, "buffered: end of input");
	is_int(jsonl_next(&r, &l), 0, "buffered: end of input again");
	jsonl_release(&r);
	close(fd);
}

static void test_errors(void)
{
	struct jsonl_reader r;
	struct jsonl_line l;
	char path[300];
	int fd;

	jsonl_init(&r, -1, NULL, 0);
	is_str(r.name, "stdin", "a reader without a name is stdin");
	is_int(jsonl_next(&r, &l), -1, "reading a bad fd fails");
	is_int(ak_errcode(), AK_EXIT_IOERR, "class IOERR");
	is_str(ak_errmsg(), "cannot read stdin: Bad file descriptor", "message");
	jsonl_release(&r);

	snprintf(path, sizeof(path), "%s", tmpdir);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	jsonl_init(&r, fd, "dir", 0);
	is_int(jsonl_next(&r, &l), -1, "reading a directory fails");
	is_str(ak_errmsg(), "cannot read dir: Is a directory", "message names the input");
	jsonl_release(&r);
	close(fd);
	is_int(r.max_line, JSONL_DEFAULT_MAX, "max_line 0 means the default");
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		bail("mkdtemp");
	test_endings();
	test_limit();
	test_big();
	test_nul();
	test_many();
	test_buffered();
	test_errors();
	rmdir(tmpdir);
	return done_testing();
}
