/*
 * u-workspace.c - unit tests for lib/workspace.c: atomic writes land with
 * the right bytes and artifact record, hostile paths and planted symbolic
 * links cannot reach outside the root, failures leave no temporary files,
 * and the media type table and SHA-256 helper give known answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "workspace.h"
#include "tap.h"
#include "banned.h"

#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char base[64];		/* the mkdtemp directory holding it all */
static char root[256];		/* the workspace root, base/deep/ws */
static char outside[256];	/* a directory beside the workspace */

/* The whole content of a file as a malloc'd string, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void spew(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		printf("Bail out! cannot create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(s, f);
	fclose(f);
}

/* Compare the content of root/rel with want. */
static void is_file(const char *rel, const char *want, const char *name)
{
	char path[512];
	char *got;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	got = slurp(path);
	is_str(got, want, "%s", name);
	free(got);
}

static int tmp_files;
static int entries;

static int count_tmp_cb(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	entries++;
	if (strstr(path + ftw->base, ".tmp"))
		tmp_files++;
	return 0;
}

/* How many temporary files are left anywhere under dir. */
static int count_tmp(const char *dir)
{
	tmp_files = 0;
	nftw(dir, count_tmp_cb, 16, FTW_PHYS);
	return tmp_files;
}

/* How many entries dir holds (itself excluded). */
static int count_entries(const char *dir)
{
	entries = 0;
	nftw(dir, count_tmp_cb, 16, FTW_PHYS);
	return entries - 1;
}

static int rm_cb(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void test_write(struct workspace *ws)
{
	struct artifact art;
	json_t *j;
	char *dump;

	ok(workspace_write(ws, "hello.txt", "hello\n", 6, &art) == 0,
	   "write hello.txt");
	is_file("hello.txt", "hello\n", "hello.txt has the bytes written");
	is_str(art.path, "hello.txt", "artifact path");
	is_str(art.sha256, HELLO_SHA, "artifact sha256");
	is_int((long long)art.bytes, 6, "artifact bytes");
	is_str(art.media_type, "text/plain", "artifact media type");

	j = artifact_to_json(&art);
	dump = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	is_str(dump,
	       "{\"bytes\":6,\"media_type\":\"text/plain\",\"path\":\"hello.txt\","
	       "\"sha256\":\"" HELLO_SHA "\"}",
	       "artifact_to_json");
	free(dump);
	json_decref(j);
	artifact_release(&art);
	ok(art.path == NULL, "artifact_release clears the path");

	ok(workspace_write(ws, "a/b/c/d.json", "{}", 2, &art) == 0,
	   "write into missing nested directories");
	is_file("a/b/c/d.json", "{}", "nested file has the bytes written");
	is_str(art.media_type, "application/json", "nested media type");
	artifact_release(&art);

	ok(workspace_write(ws, "a/b/other.md", "# x\n", 4, NULL) == 0,
	   "write into an existing directory, no artifact wanted");
	is_file("a/b/other.md", "# x\n", "second file in existing directory");

	ok(workspace_write(ws, "empty", "", 0, &art) == 0, "write empty file");
	is_file("empty", "", "empty file is empty");
	is_str(art.sha256, EMPTY_SHA, "empty file sha256");
	is_int((long long)art.bytes, 0, "empty file bytes");
	artifact_release(&art);

	ok(workspace_write(ws, "over.txt", "first version\n", 14, NULL) == 0 &&
	   workspace_write(ws, "over.txt", "2nd\n", 4, NULL) == 0,
	   "write the same file twice");
	is_file("over.txt", "2nd\n", "overwrite leaves the second content");
	is_int(count_tmp(root), 0, "no temporary files after good writes");
}

static const char *const refused[] = {
	"../x", "/etc/passwd", "a/../../x", "a//b", "a/./b", "", "a\\b",
	"x/", ".", "..", "a/..", "./a", "/", "a\001b", "a\nb", "a\033[2Jb",
	"a\177b",
};

static void test_refusals(struct workspace *ws)
{
	struct artifact art = { .path = NULL };
	char *big;
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char shown[64];
		size_t k;

		snprintf(shown, sizeof(shown), "%s", refused[i]);
		for (k = 0; shown[k]; k++)
			if ((unsigned char)shown[k] < 0x20 || shown[k] == 0x7f)
				shown[k] = '?';
		ok(workspace_check_path(refused[i]) == -1 &&
		   ak_errcode() == AK_EXIT_DATAERR,
		   "check_path refuses '%s'", shown);
		ok(workspace_write(ws, refused[i], "x", 1, &art) == -1 &&
		   ak_errcode() == AK_EXIT_DATAERR && art.path == NULL,
		   "write refuses '%s'", shown);
	}
	workspace_check_path("../x");
	is_str(ak_errmsg(), "refusing path '../x': it leaves the workspace",
	       "message for '../x'");
	workspace_check_path("/etc/passwd");
	is_str(ak_errmsg(), "refusing path '/etc/passwd': it is absolute",
	       "message for an absolute path");
	workspace_check_path("a\033[2J");
	ok(strchr(ak_errmsg(), '\033') == NULL,
	   "message does not echo control bytes: %s", ak_errmsg());

	big = malloc(5000);
	memset(big, 'a', 5000);
	for (i = 1; i < 4095; i += 2)
		big[i] = '/';
	big[4096] = '\0';
	ok(workspace_check_path(big) == 0, "a 4096-byte path is accepted");
	big[4096] = 'a';
	big[4097] = '\0';
	ok(workspace_check_path(big) == -1 && ak_errcode() == AK_EXIT_DATAERR,
	   "a 4097-byte path is refused");
	memset(big, 'b', 256);
	big[256] = '\0';
	ok(workspace_check_path(big) == -1, "a 256-byte component is refused");
	big[255] = '\0';
	ok(workspace_check_path(big) == 0, "a 255-byte component is accepted");
	ok(workspace_write(ws, big, "long", 4, NULL) == 0,
	   "write a 255-byte name (its temporary name is shortened)");
	is_int(count_tmp(root), 0, "no temporary file left for a long name");
	free(big);

	ok(workspace_check_path("a/b.c") == 0 &&
	   workspace_check_path(".hidden") == 0 &&
	   workspace_check_path("a..b/...") == 0 &&
	   workspace_check_path("caf\xc3\xa9/x y") == 0,
	   "ordinary relative paths are accepted");
}

static void test_symlinks(struct workspace *ws)
{
	char link[512], target[512], path[512];
	struct stat st;
	char *got;

	snprintf(link, sizeof(link), "%s/link", root);
	ok(symlink(outside, link) == 0, "plant ws/link -> outside directory");
	ok(workspace_write(ws, "link/f", "evil", 4, NULL) == -1 &&
	   ak_errcode() == AK_EXIT_DATAERR,
	   "write through a directory link is refused");
	is_str(ak_errmsg(), "refusing path 'link/f': 'link' is a symbolic link",
	       "message names the link");
	ok(workspace_write(ws, "link/new/f", "evil", 4, NULL) == -1,
	   "write below a directory link is refused");
	is_int(count_entries(outside), 0, "nothing appeared outside");

	snprintf(link, sizeof(link), "%s/a/b/deeplink", root);
	ok(symlink(outside, link) == 0, "plant ws/a/b/deeplink -> outside");
	ok(workspace_write(ws, "a/b/deeplink/f", "evil", 4, NULL) == -1 &&
	   ak_errcode() == AK_EXIT_DATAERR,
	   "write through a nested directory link is refused");
	is_str(ak_errmsg(),
	       "refusing path 'a/b/deeplink/f': 'a/b/deeplink' is a symbolic link",
	       "message names the nested link");
	is_int(count_entries(outside), 0, "still nothing outside");

	snprintf(target, sizeof(target), "%s/target", outside);
	spew(target, "original\n");
	snprintf(link, sizeof(link), "%s/flink", root);
	ok(symlink(target, link) == 0, "plant ws/flink -> outside file");
	ok(workspace_write(ws, "flink", "replaced\n", 9, NULL) == 0,
	   "write to a final-component link succeeds");
	got = slurp(target);
	is_str(got, "original\n", "the outside file is unchanged");
	free(got);
	ok(lstat(link, &st) == 0 && S_ISREG(st.st_mode),
	   "the link itself was replaced by a regular file");
	is_file("flink", "replaced\n", "the new file has the bytes written");

	{
		char *buf = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/secret", outside);
		spew(path, "secret\n");
		snprintf(link, sizeof(link), "%s/rlink", root);
		ok(symlink(path, link) == 0, "plant ws/rlink -> outside file");
		ok(workspace_read(ws, "rlink", &buf, &len) == -1 &&
		   ak_errcode() == AK_EXIT_DATAERR && buf == NULL,
		   "read of a final-component link is refused");
		ok(workspace_read(ws, "link/secret", &buf, &len) == -1 &&
		   ak_errcode() == AK_EXIT_DATAERR && buf == NULL,
		   "read through a directory link is refused");
	}
	is_int(count_tmp(root), 0, "no temporary files after link refusals");
}

static void test_failures(struct workspace *ws)
{
	char path[512];
	struct stat st;

	ok(workspace_write(ws, "hello.txt/x", "x", 1, NULL) == -1 &&
	   ak_errcode() == AK_EXIT_IOERR,
	   "write below a regular file fails with IOERR");
	is_str(ak_errmsg(),
	       "cannot use path 'hello.txt/x': 'hello.txt' is not a directory",
	       "message says the parent is not a directory");
	is_file("hello.txt", "hello\n", "the regular file is untouched");

	ok(workspace_write(ws, "a/b", "x", 1, NULL) == -1 &&
	   ak_errcode() == AK_EXIT_IOERR,
	   "write over an existing directory fails with IOERR");
	is_str(ak_errmsg(), "cannot write 'a/b': Is a directory",
	       "message for a directory in the way");
	snprintf(path, sizeof(path), "%s/a/b", root);
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode),
	   "the directory is still there");
	is_int(count_tmp(root), 0, "no temporary files after failed writes");

	if (geteuid() == 0) {
		ok(1, "# skip read-only directory: root ignores permissions");
		ok(1, "# skip read-only directory: root ignores permissions");
	} else {
		snprintf(path, sizeof(path), "%s/ro", root);
		mkdir(path, 0700);
		chmod(path, 0555);
		ok(workspace_write(ws, "ro/f", "x", 1, NULL) == -1 &&
		   ak_errcode() == AK_EXIT_IOERR,
		   "write into a read-only directory fails with IOERR");
		is_str(ak_errmsg(), "cannot write 'ro/f': Permission denied",
		       "message for a read-only directory");
		chmod(path, 0700);
	}
}

static void test_read(struct workspace *ws)
{
	static const char bin[] = "bin\0ary\n\377";
	char path[512];
	char *buf = NULL;
	size_t len = 0;

	ok(workspace_write(ws, "r/bin.dat", bin, sizeof(bin), NULL) == 0,
	   "write binary content");
	ok(workspace_read(ws, "r/bin.dat", &buf, &len) == 0, "read it back");
	is_int((long long)len, (long long)sizeof(bin), "read length");
	ok(buf && memcmp(buf, bin, sizeof(bin)) == 0 && buf[len] == '\0',
	   "read bytes match and are NUL-terminated");
	free(buf);
	buf = NULL;

	ok(workspace_read(ws, "empty", &buf, &len) == 0 && len == 0 &&
	   buf && buf[0] == '\0', "read an empty file");
	free(buf);
	buf = NULL;

	ok(workspace_read(ws, "r/missing", &buf, &len) == -1 &&
	   ak_errcode() == AK_EXIT_IOERR && buf == NULL,
	   "read of a missing file fails with IOERR");
	is_str(ak_errmsg(), "cannot read 'r/missing': No such file or directory",
	       "message for a missing file");
	ok(workspace_read(ws, "nodir/x", &buf, &len) == -1 && buf == NULL,
	   "read in a missing directory fails");
	snprintf(path, sizeof(path), "%s/nodir", root);
	ok(access(path, F_OK) != 0 && errno == ENOENT,
	   "read does not create directories");
	ok(workspace_read(ws, "../x", &buf, &len) == -1 &&
	   ak_errcode() == AK_EXIT_DATAERR, "read refuses '../x'");
	ok(workspace_read(ws, "a", &buf, &len) == -1 &&
	   ak_errcode() == AK_EXIT_IOERR, "read of a directory fails");

	snprintf(path, sizeof(path), "%s/fifo", root);
	if (mkfifo(path, 0600) == 0)
		ok(workspace_read(ws, "fifo", &buf, &len) == -1 &&
		   ak_errcode() == AK_EXIT_IOERR && buf == NULL,
		   "read of a FIFO fails instead of blocking");
	else
		ok(1, "# skip mkfifo: %s", strerror(errno));
}

static void test_media_types(void)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "x.json", "application/json" },
		{ "README.md", "text/markdown" },
		{ "NOTES.MD", "text/markdown" },
		{ "c.yaml", "application/yaml" },
		{ "c.yml", "application/yaml" },
		{ "i.html", "text/html" },
		{ "p.xml", "application/xml" },
		{ "r.sarif", "application/sarif+json" },
		{ "m.py", "text/x-python" },
		{ "m.ts", "text/typescript" },
		{ "m.tsx", "text/typescript" },
		{ "m.js", "text/javascript" },
		{ "q.sql", "application/sql" },
		{ "n.txt", "text/plain" },
		{ "run.log", "text/plain" },
		{ "src.tar.gz", "application/gzip" },
		{ "src.tgz", "application/gzip" },
		{ "x.gz", "application/gzip" },
		{ "i.svg", "image/svg+xml" },
		{ "s.css", "text/css" },
		{ "A.kt", "text/x-kotlin" },
		{ "V.swift", "text/x-swift" },
		{ "dir/sub/report.json", "application/json" },
		{ "x.json/data", "application/octet-stream" },
		{ "Makefile", "application/octet-stream" },
		{ ".json", "application/octet-stream" },
		{ "x.", "application/octet-stream" },
		{ "x.bin", "application/octet-stream" },
		{ "x.jsonx", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(media_type_for(cases[i].name), cases[i].want,
		       "media_type_for '%s'", cases[i].name);
	is_str(media_type_for(NULL), "application/octet-stream",
	       "media_type_for NULL");
}

static void test_sha256(void)
{
	char out[65];

	sha256_hex("", 0, out);
	is_str(out, EMPTY_SHA, "sha256 of empty input");
	sha256_hex(NULL, 0, out);
	is_str(out, EMPTY_SHA, "sha256 of NULL, 0");
	sha256_hex("abc", 3, out);
	is_str(out,
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of 'abc'");
	sha256_hex("hello\n", 6, out);
	is_str(out, HELLO_SHA, "sha256 of 'hello\\n'");
}

static void test_open(void)
{
	char path[512];
	struct workspace *ws;

	snprintf(path, sizeof(path), "%s/hello.txt/sub", root);
	ws = workspace_open(path);
	ok(ws == NULL && ak_errcode() == AK_EXIT_IOERR,
	   "open below a regular file fails with IOERR");
	workspace_free(ws);
	ws = workspace_open("");
	ok(ws == NULL, "open of an empty root fails");
	workspace_free(ws);

	ws = workspace_open(root);
	ok(ws != NULL, "reopen an existing workspace");
	if (ws) {
		char *buf = NULL;
		size_t len;

		is_str(workspace_root(ws), root, "workspace_root");
		ok(workspace_read(ws, "hello.txt", &buf, &len) == 0 &&
		   strcmp(buf, "hello\n") == 0, "reopened workspace reads");
		free(buf);
	}
	workspace_free(ws);

	snprintf(path, sizeof(path), "%s/trailing//slash/", base);
	ws = workspace_open(path);
	ok(ws != NULL, "open a root with doubled and trailing slashes");
	workspace_free(ws);
}

/* workspace_prepare: directories made, an absolute path, the same refusals */
static void test_prepare(struct workspace *ws)
{
	char want[1200], *real = realpath(root, NULL), *abs = (char *)"x";
	struct stat st;

	snprintf(want, sizeof(want), "%s/rel/ease/x.tar.gz", real ? real : "?");
	ok(workspace_prepare(ws, "rel/ease/x.tar.gz", &abs) == 0, "prepare a path");
	is_str(abs ? abs : "(null)", want, "its absolute path");
	snprintf(want, sizeof(want), "%s/rel/ease", root);
	ok(stat(want, &st) == 0 && S_ISDIR(st.st_mode), "its directories made");
	snprintf(want, sizeof(want), "%s/rel/ease/x.tar.gz", root);
	ok(access(want, F_OK) != 0, "the file itself left to the caller");
	free(abs);
	ok(workspace_prepare(ws, "../x", &abs) == -1 && ak_errcode() == AK_EXIT_DATAERR &&
	   abs == NULL, "a path out of the workspace is refused");
	ok(workspace_prepare(ws, "link/x", &abs) == -1 && abs == NULL,
	   "a path through a link is refused");
	free(real);
}

int main(void)
{
	struct workspace *ws;

	snprintf(base, sizeof(base), "/tmp/u-workspace.XXXXXX");
	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(root, sizeof(root), "%s/deep/er/ws", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(outside, 0700);
	umask(022);

	ws = workspace_open(root);
	ok(ws != NULL, "open creates the root with its parents");
	if (!ws) {
		printf("Bail out! %s\n", ak_errmsg());
		return 1;
	}

	test_write(ws);
	test_refusals(ws);
	test_symlinks(ws);
	test_prepare(ws);
	test_failures(ws);
	test_read(ws);
	test_media_types();
	test_sha256();
	test_open();

	workspace_free(ws);
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	ok(access(base, F_OK) != 0, "temporary directory removed");
	return done_testing();
}
