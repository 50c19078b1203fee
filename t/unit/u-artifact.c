/*
 * u-artifact.c - the release archive (lib/deploy/artifact.c): a tree with
 * files, nested and empty folders, a link, an executable, a FIFO and
 * excluded folders is packed and read back whole with libarchive; two
 * packs of the same content, made at different times from files with
 * other times and modes, are the same bytes; the digest agrees with
 * sha256sum; the size limit and an unwritable output leave nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "deploy/artifact.h"
#include "error.h"
#include "log.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-artifact.XXXXXX";

#define LONGNAME "a-rather-long-file-name-that-does-not-fit-the-hundred-bytes-" \
	"of-a-plain-ustar-name-field-so-pax-is-needed.txt"

static const char *path_in(const char *name)
{
	static char p[8][512];
	static int next;
	char *s = p[next++ % 8];

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	return s;
}

static void bail(const char *what, const char *path)
{
	printf("Bail out! %s '%s': %s\n", what, path, strerror(errno));
	exit(1);
}

static void put(const char *root, const char *rel, const char *text, mode_t mode)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (!(f = fopen(p, "w")) || fputs(text, f) < 0 || fclose(f) != 0)
		bail("cannot write", p);
	if (chmod(p, mode) < 0)
		bail("cannot chmod", p);
}

static void dir(const char *root, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0777) < 0)
		bail("cannot mkdir", p);
}

/* The same content every time; modes and times depend on the caller. */
static void make_tree(const char *root, mode_t fmode, mode_t xmode)
{
	char p[1024];

	if (mkdir(root, 0777) < 0)
		bail("cannot mkdir", root);
	put(root, "README.md", "# app\n", fmode);
	dir(root, "bin");
	put(root, "bin/run.sh", "#!/bin/sh\necho run\n", xmode);
	dir(root, "src");
	put(root, "src/a.c", "int a;\n", fmode);
	put(root, "src/x.pyc", "compiled\n", fmode);
	put(root, "src-x", "sorts before src/\n", fmode);
	dir(root, "src/lib");
	put(root, "src/lib/b.c", "int b;\n", fmode);
	dir(root, "src/lib/__pycache__");
	put(root, "src/lib/__pycache__/c.pyc", "x\n", fmode);
	dir(root, "empty");
	dir(root, "node_modules");
	dir(root, "node_modules/left-pad");
	put(root, "node_modules/left-pad/index.js", "module.exports = 1;\n", fmode);
	put(root, LONGNAME, "long\n", fmode);
	snprintf(p, sizeof(p), "%s/link", root);
	if (symlink("README.md", p) < 0)
		bail("cannot symlink", p);
	snprintf(p, sizeof(p), "%s/fifo", root);
	if (mkfifo(p, 0600) < 0)
		bail("cannot mkfifo", p);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void rm_tree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Set every file's atime and mtime in the tree to t. */
static int touch_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	static time_t t;
	struct timespec ts[2];

	if (!p) {
		t = st->st_mtime;
		return 0;
	}
	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 123456789;
	utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static void touch_tree(const char *root, time_t t)
{
	struct stat st = { 0 };

	st.st_mtime = t;
	touch_one(NULL, &st, 0, NULL);
	nftw(root, touch_one, 16, FTW_PHYS);
}

/* The user and group names, "-" when there are none. */
static const char *owner_names(struct archive_entry *e)
{
	static char s[256];
	const char *u = archive_entry_uname(e), *g = archive_entry_gname(e);

	if ((!u || !*u) && (!g || !*g))
		return "-";
	snprintf(s, sizeof(s), "%s:%s", u ? u : "", g ? g : "");
	return s;
}

/* The archive listed one entry a line: "path type+mode uid/gid mtime uname size [-> target]". */
static char *list(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct buf b = BUF_INIT;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 10240) != ARCHIVE_OK) {
		buf_addf(&b, "cannot open: %s\n", archive_error_string(a));
		archive_read_free(a);
		return buf_detach(&b, NULL);
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		mode_t t = archive_entry_filetype(e);

		buf_addf(&b, "%s %c%04o %lld/%lld %lld %s %lld%s%s%s%s\n",
			 archive_entry_pathname(e),
			 t == AE_IFDIR ? 'd' : t == AE_IFLNK ? 'l' : t == AE_IFREG ? '-' : '?',
			 (unsigned)archive_entry_perm(e),
			 (long long)archive_entry_uid(e), (long long)archive_entry_gid(e),
			 (long long)archive_entry_mtime(e),
			 owner_names(e),
			 (long long)archive_entry_size(e),
			 t == AE_IFLNK ? " -> " : "",
			 t == AE_IFLNK ? archive_entry_symlink(e) : "",
			 archive_entry_atime_is_set(e) || archive_entry_ctime_is_set(e) ||
			 archive_entry_mtime_nsec(e) ? " EXTRA-TIMES" : "",
			 archive_entry_xattr_count(e) ? " XATTRS" : "");
	}
	archive_read_free(a);
	return buf_detach(&b, NULL);
}

static char *slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;

	buf_init(&b, 0);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		*len = 0;
		return NULL;
	}
	return buf_detach(&b, len);
}

static int same_bytes(const char *p, const char *q)
{
	size_t n, m;
	char *x = slurp(p, &n), *y = slurp(q, &m);
	int same = x && y && n == m && !memcmp(x, y, n);

	free(x);
	free(y);
	return same;
}

static const char *const excl[] = { "node_modules", "*.pyc", "__pycache__", NULL };

static const char want_list[] =
	"app-1.2.0/ d0755 0/0 1700000000 - 0\n"
	"app-1.2.0/README.md -0644 0/0 1700000000 - 6\n"
	"app-1.2.0/" LONGNAME " -0644 0/0 1700000000 - 5\n"
	"app-1.2.0/bin/ d0755 0/0 1700000000 - 0\n"
	"app-1.2.0/bin/run.sh -0755 0/0 1700000000 - 19\n"
	"app-1.2.0/empty/ d0755 0/0 1700000000 - 0\n"
	"app-1.2.0/link l0777 0/0 1700000000 - 0 -> README.md\n"
	"app-1.2.0/src/ d0755 0/0 1700000000 - 0\n"
	"app-1.2.0/src-x -0644 0/0 1700000000 - 18\n"
	"app-1.2.0/src/a.c -0644 0/0 1700000000 - 7\n"
	"app-1.2.0/src/lib/ d0755 0/0 1700000000 - 0\n"
	"app-1.2.0/src/lib/b.c -0644 0/0 1700000000 - 7\n";

static void test_pack(void)
{
	struct artifact_pack_opts o = ARTIFACT_PACK_OPTS_INIT;
	struct artifact_pack_result r;
	unsigned char head[10];
	char *got;
	FILE *f;

	o.dir = path_in("tree");
	o.out = path_in("out/app.tar.gz");
	o.prefix = "app-1.2.0";
	o.mtime = 1700000000;
	o.exclude = excl;
	is_int(artifact_pack(&o, &r), 0, "pack the tree");
	if (ak_errmsg()[0])
		printf("# %s\n", ak_errmsg());
	is_int((long long)r.files, 6, "6 files");
	is_int((long long)r.content_bytes, 6 + 19 + 7 + 18 + 7 + 5, "content bytes");
	is_int((long long)r.skipped, 1, "the FIFO skipped");
	got = list(o.out);
	is_str(got, want_list, "entries, order, modes, owners, times, no names");
	free(got);

	f = fopen(o.out, "rb");
	ok(f && fread(head, 1, sizeof(head), f) == sizeof(head) &&
	   head[0] == 0x1f && head[1] == 0x8b, "a gzip stream");
	if (f)
		fclose(f);
	ok(!head[4] && !head[5] && !head[6] && !head[7], "gzip header: no time");
	ok(!(head[3] & 0x08), "gzip header: no file name");
	{
		struct stat st;

		ok(!stat(o.out, &st) && (unsigned long long)st.st_size == r.bytes,
		   "bytes is the size of the file");
	}
}

static void test_no_prefix(void)
{
	struct artifact_pack_opts o = ARTIFACT_PACK_OPTS_INIT;
	const char *const only[] = { "src*", "bin", "node_modules", LONGNAME, "README.md", NULL };
	char *got;

	o.dir = path_in("tree");
	o.out = path_in("out/bare.tar.gz");
	o.mtime = 0;
	o.exclude = only;
	is_int(artifact_pack(&o, NULL), 0, "pack without a prefix, no result wanted");
	got = list(o.out);
	is_str(got, "empty/ d0755 0/0 0 - 0\nlink l0777 0/0 0 - 0 -> README.md\n",
	       "entries at the top, globs match names and paths");
	free(got);

	o.exclude = NULL;
	o.dir = path_in("tree/empty");
	o.out = path_in("out/none.tar.gz");
	is_int(artifact_pack(&o, NULL), 0, "an empty folder");
	got = list(o.out);
	is_str(got, "", "no entries");
	free(got);
}

static void test_reproducible(void)
{
	struct artifact_pack_opts o = ARTIFACT_PACK_OPTS_INIT;
	struct artifact_pack_result r1, r2, r3;
	mode_t old;

	o.dir = path_in("tree");
	o.out = path_in("out/one.tar.gz");
	o.prefix = "app-1.2.0";
	o.mtime = 1700000000;
	o.exclude = excl;
	is_int(artifact_pack(&o, &r1), 0, "first pack");

	usleep(1100000);
	old = umask(077);
	make_tree(path_in("tree2"), 0600, 0700);
	touch_tree(path_in("tree2"), 1000000000);
	o.dir = path_in("tree2");
	o.out = path_in("out/two.tar.gz");
	is_int(artifact_pack(&o, &r2), 0, "second pack: another copy, umask 077, other times");
	umask(old);
	ok(same_bytes(path_in("out/one.tar.gz"), path_in("out/two.tar.gz")),
	   "the two archives are the same bytes");
	is_str(r2.sha256, r1.sha256, "and have the same digest");

	touch_tree(path_in("tree"), 1234567890);
	o.dir = path_in("tree");
	o.out = path_in("out/three.tar.gz");
	is_int(artifact_pack(&o, &r3), 0, "third pack after touching the files");
	ok(same_bytes(path_in("out/one.tar.gz"), path_in("out/three.tar.gz")),
	   "still the same bytes");

	o.mtime = 1700000001;
	o.out = path_in("out/four.tar.gz");
	is_int(artifact_pack(&o, &r3), 0, "a pack with another mtime");
	ok(strcmp(r3.sha256, r1.sha256) != 0, "gives another digest");
}

/* A name that is not ASCII is stored the same way in any locale. */
static void test_locale(void)
{
	struct artifact_pack_opts o = ARTIFACT_PACK_OPTS_INIT;
	char *got;

	if (mkdir(path_in("tree3"), 0755) < 0)
		bail("cannot mkdir", path_in("tree3"));
	put(path_in("tree3"), "caf\xc3\xa9.txt", "x\n", 0644);
	o.dir = path_in("tree3");
	o.out = path_in("out/loc1.tar.gz");
	setlocale(LC_ALL, "C");
	is_int(artifact_pack(&o, NULL), 0, "pack a UTF-8 name in the C locale");
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		ok(1, "# SKIP no C.UTF-8 locale");
		return;
	}
	o.out = path_in("out/loc2.tar.gz");
	is_int(artifact_pack(&o, NULL), 0, "and in C.UTF-8");
	setlocale(LC_ALL, "C");
	ok(same_bytes(path_in("out/loc1.tar.gz"), path_in("out/loc2.tar.gz")),
	   "the same bytes");
	got = list(path_in("out/loc2.tar.gz"));
	is_str(got, "caf\xc3\xa9.txt -0644 0/0 0 - 2\n", "the name read back");
	free(got);
}

static void test_digest(void)
{
	struct artifact_pack_opts o = ARTIFACT_PACK_OPTS_INIT;
	struct artifact_pack_result r;
	char cmd[1024], line[256] = "", want[65];
	FILE *p;

	o.dir = path_in("tree");
	o.out = path_in("out/d.tar.gz");
	o.mtime = 5;
	o.exclude = excl;
	is_int(artifact_pack(&o, &r), 0, "pack for the digest");
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", o.out);
	p = popen(cmd, "r");
	if (!p || !fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (p)
		pclose(p);
	snprintf(want, sizeof(want), "%.64s", line);
	is_str(r.sha256, want, "sha256 agrees with sha256sum");
	is_int(artifact_verify(o.out, want), 1, "artifact_verify: a match");
	for (char *c = want; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	is_int(artifact_verify(o.out, want), 1, "upper-case digits match too");
	want[0] = want[0] == '0' ? '1' : '0';
	is_int(artifact_verify(o.out, want), 0, "one digit off: a mismatch");
	is_int(artifact_verify(o.out, "abc"), -1, "not a digest");
	is_int(ak_errcode(), AK_EXIT_USAGE, "class USAGE");
	is_int(artifact_verify(path_in("out/missing"), want), -1, "a missing file");
	is_int(ak_errcode(), AK_EXIT_IOERR, "class IOERR");
}

/* Names in out/ that start with base. */
static int count_like(const char *base)
{
	char cmd[1024], line[512];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -a '%s'", path_in("out"));
	if (!(p = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), p))
		n += !strncmp(line, base, strlen(base));
	pclose(p);
	return n;
}

static void test_failures(void)
{
	struct artifact_pack_opts o = ARTIFACT_PACK_OPTS_INIT;
	struct artifact_pack_result r;
	char want[1024];
	size_t n;
	char *old;

	o.dir = path_in("tree");
	o.out = path_in("out/big.tar.gz");
	o.exclude = excl;
	o.max_bytes = 61;
	is_int(artifact_pack(&o, &r), -1, "content over max_bytes");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "class DATAERR");
	snprintf(want, sizeof(want), "'%s' holds more than 61 bytes", o.dir);
	is_str(ak_errmsg(), want, "message");
	is_int(count_like("big.tar.gz"), 0, "no output, no temporary file");
	o.max_bytes = 62;
	is_int(artifact_pack(&o, &r), 0, "content exactly at max_bytes");

	put(path_in("out"), "keep.tar.gz", "old\n", 0644);
	o.out = path_in("out/keep.tar.gz");
	o.max_bytes = 1;
	is_int(artifact_pack(&o, &r), -1, "a failure with a file at the output");
	old = slurp(o.out, &n);
	is_str(old, "old\n", "the file there is left alone");
	free(old);
	is_int(count_like("keep.tar.gz"), 1, "and no temporary file");

	o.max_bytes = 0;
	o.out = path_in("no-such-dir/a.tar.gz");
	is_int(artifact_pack(&o, &r), -1, "an output folder that does not exist");
	is_int(ak_errcode(), AK_EXIT_IOERR, "class IOERR");
	snprintf(want, sizeof(want), "cannot create '%s': No such file or directory", o.out);
	is_str(ak_errmsg(), want, "message");

	o.out = path_in("out/x.tar.gz");
	o.dir = path_in("missing");
	is_int(artifact_pack(&o, &r), -1, "a missing directory");
	is_int(ak_errcode(), AK_EXIT_IOERR, "class IOERR");
	o.dir = path_in("tree");
	o.prefix = "a/b";
	is_int(artifact_pack(&o, &r), -1, "a prefix with a slash");
	is_int(ak_errcode(), AK_EXIT_USAGE, "class USAGE");
	is_int(count_like("x.tar.gz"), 0, "nothing written");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	umask(022);
	log_set_level("error");
	make_tree(path_in("tree"), 0640, 0750);
	if (mkdir(path_in("out"), 0755) < 0)
		bail("cannot mkdir", path_in("out"));
	test_pack();
	test_no_prefix();
	test_reproducible();
	test_locale();
	test_digest();
	test_failures();
	rm_tree(tmpdir);
	return done_testing();
}
