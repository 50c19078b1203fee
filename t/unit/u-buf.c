/*
 * u-buf.c - unit tests for lib/buf.c: the size limit (an append that would
 * pass it fails and leaves the content as it was), formatted appends,
 * handing the storage over, and reading whole files: missing, over the
 * limit, exactly at it, small files under a small limit, stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-buf.XXXXXX";

static const char *path_in(const char *name)
{
	static char p[4][512];
	static int next;
	char *s = p[next++ % 4];

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	return s;
}

/* A file of n bytes: 'a'..'z' repeated. */
static const char *make_file(const char *name, size_t n)
{
	const char *path = path_in(name);
	FILE *f = fopen(path, "w");

	for (size_t i = 0; f && i < n; i++)
		fputc('a' + (int)(i % 26), f);
	if (!f || fclose(f) != 0) {
		printf("Bail out! cannot write '%s': %s\n", path, strerror(errno));
		exit(1);
	}
	return path;
}

static int pattern_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 'a' + (int)(i % 26))
			return 0;
	return p[n] == '\0';
}

static void test_limits(void)
{
	struct buf b;
	char msg[128];

	buf_init(&b, 10);
	ok(b.p == NULL && b.len == 0 && b.max == 10, "buf_init allocates nothing");
	is_int(buf_add(&b, "12345", 5), 0, "add 5 bytes under a limit of 10");
	is_str(b.p, "12345", "content, NUL-terminated");
	is_int(buf_add(&b, "678901", 6), -1, "add 6 more: past the limit");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "class DATAERR");
	is_str(ak_errmsg(), "too large (limit 10 bytes)", "message");
	ok(b.len == 5 && !strcmp(b.p, "12345"), "content unchanged after the failure");
	is_int(buf_addstr(&b, "67890"), 0, "add exactly up to the limit");
	ok(b.len == 10 && !strcmp(b.p, "1234567890"), "10 bytes");
	is_int(buf_addch(&b, 'x'), -1, "one more byte fails");
	is_int(buf_add(&b, "", 0), 0, "adding nothing at the limit works");
	is_int(buf_addf(&b, "%s", ""), 0, "an empty format at the limit works");
	ok(b.len == 10 && !strcmp(b.p, "1234567890"), "still 10 bytes");
	is_int(buf_grow(&b, (size_t)-1), -1, "growing by SIZE_MAX fails, no overflow");
	buf_reset(&b);
	ok(b.len == 0 && b.p && b.p[0] == '\0', "buf_reset empties, keeps storage");
	is_int(buf_add(&b, "abc", 3), 0, "usable after reset");
	buf_release(&b);
	ok(b.p == NULL && b.len == 0 && b.max == 10, "buf_release frees, keeps the limit");

	/* NUL bytes are content like any other. */
	buf_init(&b, 0);
	buf_add(&b, "a\0b", 3);
	ok(b.len == 3 && !memcmp(b.p, "a\0b", 4), "a NUL inside the content");
	buf_release(&b);

	/* Formatted appends. */
	buf_init(&b, 20);
	is_int(buf_addf(&b, "%d-%s", 42, "x"), 0, "buf_addf");
	is_str(b.p, "42-x", "buf_addf content");
	is_int(buf_addf(&b, "%s", "0123456789abcdefg"), -1, "buf_addf past the limit fails");
	is_str(b.p, "42-x", "content unchanged");
	is_int((long long)b.len, 4, "length unchanged");
	is_int(buf_addf(&b, "%016d", 7), 0, "buf_addf up to the limit");
	is_str(b.p, "42-x0000000000000007", "20 bytes");
	buf_release(&b);

	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%04d,", i);
	ok(b.len == 5000 && !strncmp(b.p, "0000,0001,", 10) && !strcmp(b.p + 4995, "0999,"),
	   "1000 formatted appends grow an unlimited buffer");
	snprintf(msg, sizeof(msg), "%.5s", b.p + 2500);
	is_str(msg, "0500,", "the middle is right");
	buf_release(&b);
}

static void test_detach(void)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *s;

	buf_init(&b, 100);
	buf_addstr(&b, "hello");
	s = buf_detach(&b, &len);
	ok(s && !strcmp(s, "hello") && len == 5, "buf_detach hands over the content");
	ok(b.p == NULL && b.len == 0 && b.cap == 0 && b.max == 100,
	   "the buf is reset and keeps its limit");
	free(s);

	s = buf_detach(&b, &len);
	ok(s && s[0] == '\0' && len == 0, "detaching an empty buf gives \"\", not NULL");
	free(s);
	s = buf_detach(&b, NULL);
	ok(s != NULL, "the length is optional");
	free(s);
}

static void test_read_file(void)
{
	struct buf b;
	const char *p;
	char want[640];

	buf_init(&b, 0);
	p = path_in("missing");
	is_int(buf_read_file(&b, p), -1, "a missing file");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "missing: class DATAERR");
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", p);
	is_str(ak_errmsg(), want, "missing: message");
	ok(b.len == 0, "missing: nothing read");

	p = make_file("big", 101);
	buf_init(&b, 100);
	is_int(buf_read_file(&b, p), -1, "a file one byte over the limit");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "over: class DATAERR");
	snprintf(want, sizeof(want), "'%s' is too large (limit 100 bytes)", p);
	is_str(ak_errmsg(), want, "over: message");
	buf_release(&b);

	p = make_file("exact", 100);
	buf_init(&b, 100);
	is_int(buf_read_file(&b, p), 0, "a file exactly at the limit");
	ok(b.len == 100 && pattern_ok(b.p, 100), "all 100 bytes");
	buf_release(&b);

	p = make_file("small", 10);
	buf_init(&b, 1000);
	is_int(buf_read_file(&b, p), 0, "a small file under a small limit");
	ok(b.len == 10 && pattern_ok(b.p, 10), "its 10 bytes");
	buf_release(&b);

	p = make_file("large", 300000);
	buf_init(&b, 300000);
	is_int(buf_read_file(&b, p), 0, "a 300,000 byte file at a 300,000 byte limit");
	ok(b.len == 300000 && pattern_ok(b.p, 300000), "every byte");
	buf_release(&b);
	buf_init(&b, 299999);
	is_int(buf_read_file(&b, p), -1, "the same file, limit one byte less");
	buf_release(&b);
	buf_init(&b, 0);
	is_int(buf_read_file(&b, p), 0, "the same file, no limit");
	ok(b.len == 300000 && pattern_ok(b.p, 300000), "every byte");
	buf_release(&b);

	p = make_file("empty", 0);
	buf_init(&b, 10);
	is_int(buf_read_file(&b, p), 0, "an empty file");
	ok(b.len == 0 && b.p && b.p[0] == '\0', "an empty, terminated buffer");
	buf_release(&b);

	/* Reading appends to what is there. */
	p = make_file("five", 5);
	buf_init(&b, 8);
	buf_addstr(&b, "xyz");
	is_int(buf_read_file(&b, p), 0, "reading after content");
	is_str(b.p, "xyzabcde", "the file follows the content");
	buf_release(&b);
	buf_init(&b, 7);
	buf_addstr(&b, "xyz");
	is_int(buf_read_file(&b, p), -1, "content plus file past the limit");
	buf_release(&b);

	p = tmpdir;
	buf_init(&b, 0);
	is_int(buf_read_file(&b, p), -1, "a directory");
	is_int(ak_errcode(), AK_EXIT_IOERR, "directory: class IOERR");
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory", p);
	is_str(ak_errmsg(), want, "directory: message");
	buf_release(&b);

	/* "-" is stdin. */
	{
		int saved = dup(0), fd = open(make_file("stdin", 1000), O_RDONLY);

		dup2(fd, 0);
		close(fd);
		buf_init(&b, 0);
		is_int(buf_read_file(&b, "-"), 0, "'-' reads stdin");
		ok(b.len == 1000 && pattern_ok(b.p, 1000), "all of stdin");
		ok(fcntl(0, F_GETFD) != -1, "stdin is left open");
		buf_release(&b);
		dup2(saved, 0);
		close(saved);
	}
}

int main(void)
{
	static const char *const names[] = {
		"big", "exact", "small", "large", "empty", "five", "stdin",
	};

	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_limits();
	test_detach();
	test_read_file();
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		unlink(path_in(names[i]));
	rmdir(tmpdir);
	return done_testing();
}
