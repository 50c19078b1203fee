/*
 * u-lockfile.c - lockfile readers (lib/lockfile.c): every format
 * from a fixture in t/data/lockfiles, the dependency list compared whole;
 * then malformed and hostile inputs, each refused with its file and line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "lockfile.h"
#include "tap.h"

#define DATA "t/data/lockfiles/"

/* The list, one "ecosystem name version line" per dependency. */
static char *show(const struct lockfile_deps *d)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "");
	for (size_t i = 0; i < d->n; i++)
		buf_addf(&b, "%s %s %s %d\n", d->v[i].ecosystem, d->v[i].name, d->v[i].version,
			 d->v[i].line);
	return buf_detach(&b, NULL);
}

struct includes {
	struct buf seen;
	int stop;
};

static int on_include(const char *file, int line, int constraint, void *ctx)
{
	struct includes *in = ctx;

	buf_addf(&in->seen, "%s %s %d\n", constraint ? "-c" : "-r", file, line);
	return in->stop;
}

static void fixture(const char *path, const char *want, const struct lockfile_opts *opts)
{
	struct lockfile_deps d = LOCKFILE_DEPS_INIT;
	struct buf b = BUF_INIT;
	char *got;

	if (buf_read_file(&b, path) < 0) {
		ok(0, "read %s: %s", path, ak_errmsg());
		return;
	}
	ok(lockfile_parse(path, b.p, b.len, opts, &d) == 0, "%s parses: %s", path,
	   d.n ? "" : ak_errmsg());
	got = show(&d);
	is_str(got, want, "%s: the dependencies", path);
	free(got);
	lockfile_deps_release(&d);
	buf_release(&b);
}

/* text must be refused, with a message holding want; out stays as it was. */
static void refused(const char *path, const char *text, const char *want)
{
	struct lockfile_deps d = LOCKFILE_DEPS_INIT;
	struct lockfile_deps keep = LOCKFILE_DEPS_INIT;
	int rc;

	/* one dependency from before, which a failed parse must leave alone */
	lockfile_parse("requirements.txt", "kept==1.0\n", 10, NULL, &keep);
	d = keep;
	rc = lockfile_parse(path, text, strlen(text), NULL, &d);
	ok(rc < 0 && ak_errcode() == AK_EXIT_DATAERR && strstr(ak_errmsg(), want) &&
	   d.n == 1 && !strcmp(d.v[0].name, "kept"),
	   "%s is refused: %s", path, ak_errmsg());
	if (!strstr(ak_errmsg(), want))
		printf("#   want: %s\n", want);
	lockfile_deps_release(&d);
}

static void test_kinds(void)
{
	static const struct { const char *path; enum lockfile_kind kind; } k[] = {
		{ "package-lock.json", LOCKFILE_NPM },
		{ "a/b/npm-shrinkwrap.json", LOCKFILE_NPM },
		{ "package.json", LOCKFILE_NONE },
		{ "requirements.txt", LOCKFILE_REQUIREMENTS },
		{ "src/requirements-dev.txt", LOCKFILE_REQUIREMENTS },
		{ "test-requirements.txt", LOCKFILE_REQUIREMENTS },
		{ "requirements.in", LOCKFILE_NONE },
		{ "go.mod", LOCKFILE_GOMOD },
		{ "go.sum", LOCKFILE_NONE },
		{ "x/Cargo.lock", LOCKFILE_CARGO },
		{ "Cargo.toml", LOCKFILE_NONE },
		{ "cargo.lock", LOCKFILE_NONE },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(*k); i++)
		is_int(lockfile_kind(k[i].path), k[i].kind, "lockfile_kind(%s)", k[i].path);
	is_str(lockfile_ecosystem(LOCKFILE_CARGO), "crates.io", "Cargo.lock is crates.io");
	ok(lockfile_ecosystem(LOCKFILE_NONE) == NULL, "no ecosystem for no lockfile");
}

static void test_fixtures(void)
{
	struct includes in = { BUF_INIT, 0 };
	struct lockfile_opts o = { on_include, &in };

	fixture(DATA "npm-v1/package-lock.json",
		"npm @babel/code-frame 7.12.13 7\n"
		"npm lodash 4.17.15 16\n"
		"npm express 4.17.1 20\n"
		"npm qs 6.7.0 24\n"
		"npm side-channel 1.0.4 27\n"
		"npm string-width 4.2.3 35\n", NULL);
	fixture(DATA "npm-v3/package-lock.json",
		"npm minimist 1.2.5 13\n"
		"npm @types/node 20.1.0 18\n"
		"npm minimist 0.0.8 22\n"
		"npm strip-ansi 6.0.1 33\n"
		"npm @scope/b 3.0.0-beta.2 37\n", NULL);
	fixture(DATA "npm-v2/package-lock.json", "npm ms 2.1.2 6\n", NULL);
	fixture(DATA "requirements.txt",
		"PyPI django 3.2.4 2\n"
		"PyPI requests 2.25.1 3\n"
		"PyPI zope-interface 5.4.0 4\n"
		"PyPI pyyaml 5.3.1 5\n"
		"PyPI cryptography 3.3.1 16\n"
		"PyPI typing-extensions 3.7.4.3 19\n"
		"PyPI markup-safe-2 1.1.1 22\n", &o);
	is_str(in.seen.p, "-r base-requirements.txt 10\n-c constraints.txt 11\n",
	       "requirements.txt: -r and -c are handed to the callback");
	buf_reset(&in.seen);
	fixture(DATA "requirements.txt",
		"PyPI django 3.2.4 2\n"
		"PyPI requests 2.25.1 3\n"
		"PyPI zope-interface 5.4.0 4\n"
		"PyPI pyyaml 5.3.1 5\n"
		"PyPI cryptography 3.3.1 16\n"
		"PyPI typing-extensions 3.7.4.3 19\n"
		"PyPI markup-safe-2 1.1.1 22\n", NULL);
	fixture(DATA "go.mod",
		"Go github.com/gorilla/mux 1.8.0 5\n"
		"Go example.com/x/text 0.3.7 8\n"
		"Go github.com/new/logger 1.1.0 9\n"
		"Go github.com/pinned/thing 1.2.1 10\n"
		"Go github.com/quoted/mod 0.0.0-20191109021931-daa7c04131f5 11\n", NULL);
	fixture(DATA "Cargo.lock",
		"crates.io regex 1.5.4 14\n"
		"crates.io smallvec 1.6.0 24\n"
		"crates.io time 0.1.43 29\n", NULL);

	/* a callback that says stop stops the parse with its value */
	{
		struct lockfile_deps d = LOCKFILE_DEPS_INIT;
		const char *t = "a==1\n-r other.txt\nb==2\n";

		in.stop = 7;
		buf_reset(&in.seen);
		is_int(lockfile_parse("requirements.txt", t, strlen(t), &o, &d), 7,
		       "an include callback's non-zero return stops the parse");
		is_int((long long)d.n, 0, "and keeps nothing");
		lockfile_deps_release(&d);
	}
	buf_release(&in.seen);
}

static void test_small(void)
{
	struct lockfile_deps d = LOCKFILE_DEPS_INIT;
	const char *crlf = "a==1.0\r\nb==2.0 \\\r\n  ; os_name == 'nt'\r\n";
	const char *nofinal = "[[package]]\nname = \"x\"\nversion = \"1.0.0\"\nsource = \"registry+x\"";
	char *got;

	ok(lockfile_parse("requirements.txt", crlf, strlen(crlf), NULL, &d) == 0,
	   "CRLF requirements parse");
	ok(lockfile_parse("Cargo.lock", nofinal, strlen(nofinal), NULL, &d) == 0,
	   "a Cargo.lock without a final newline parses");
	ok(lockfile_parse("go.mod", "", 0, NULL, &d) == 0, "an empty go.mod parses");
	got = show(&d);
	is_str(got, "PyPI a 1.0 1\nPyPI b 2.0 2\ncrates.io x 1.0.0 2\n",
	       "CRLF, continuations and a missing final newline");
	free(got);
	lockfile_deps_release(&d);
	ok(d.n == 0 && d.v == NULL, "lockfile_deps_release empties the list");
	ok(lockfile_parse("notes.txt", "a==1\n", 5, NULL, &d) < 0 &&
	   ak_errcode() == AK_EXIT_USAGE, "a file that is no lockfile: %s", ak_errmsg());
}

static void test_refused(void)
{
	struct lockfile_deps d = LOCKFILE_DEPS_INIT;
	struct buf big = BUF_INIT;
	int rc;

	refused("package-lock.json", "{\n  \"packages\": {\n    \"node_modules/a\": {,}\n", 
		"package-lock.json:3: not a JSON lockfile");
	refused("package-lock.json", "[1, 2]", "package-lock.json:1: not a JSON object");
	refused("package-lock.json", "{\"lockfileVersion\": 3}",
		"package-lock.json:1: neither \"packages\" nor \"dependencies\"");
	refused("package-lock.json", "{\"packages\": {\n\"node_modules/a\": \"1.0.0\"}}",
		"package-lock.json:2: package entry is not an object");
	refused("package-lock.json", "{\"dependencies\": {\"a\\u0000b\": {\"version\": \"1.0.0\"}}}",
		"package-lock.json:1: unreadable package name");
	refused("requirements.txt", "ok==1\n!!!\n", "requirements.txt:2: cannot read a requirement");
	refused("requirements.txt", "a[extra==1.0\n", "requirements.txt:1: unterminated [extras]");
	refused("requirements.txt", "a==\n", "requirements.txt:1: empty version after ==");
	refused("requirements.txt", "a 1.0\n", "requirements.txt:1: cannot read the version");
	refused("requirements.txt", "-r\n", "requirements.txt:1: cannot read the file name of -r");
	refused("requirements.txt", "--requirement=\n",
		"requirements.txt:1: cannot read the file name of --requirement");
	refused("go.mod", "module x\n\nrequire github.com/a\n",
		"go.mod:3: cannot read the require directive");
	refused("go.mod", "require (\n\ta v1.0.0\n", "go.mod:2: unterminated require block");
	refused("go.mod", "replace a => b => c\n", "go.mod:1: cannot read the replace directive");
	refused("go.mod", "require \"a v1\n", "go.mod:1: unterminated quoted string");
	refused("go.mod", "require\n", "go.mod:1: require without arguments");
	refused("Cargo.lock", "[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nversion = \"1\"\n",
		"Cargo.lock:2: [[package]] without a name or version");
	refused("Cargo.lock", "[[package]]\nname = \"a\n", "Cargo.lock:2: unterminated string");
	refused("Cargo.lock", "x = \"\"\"\nabc\"\"\"\n",
		"Cargo.lock:1: multi-line strings are not supported");
	refused("Cargo.lock", "x = [\n \"a\",\n", "Cargo.lock:1: unterminated array");
	refused("Cargo.lock", "[[package]]\nname = 5\n", "Cargo.lock:2: expected a string");
	refused("Cargo.lock", "\n\nthis is not toml\n", "Cargo.lock:3: expected '=' after a key");
	refused("Cargo.lock", "[package\n", "Cargo.lock:1: cannot read a table header");
	refused("Cargo.lock", "a = \"b\" c\n", "Cargo.lock:1: unexpected text after a value");
	refused("Cargo.lock", "a = \"\\q\"\n", "Cargo.lock:1: unsupported escape");

	/* hostile: nesting, sizes, counts */
	for (int i = 0; i < 70; i++)
		buf_addstr(&big, "{\"dependencies\": {\"a\": ");
	buf_addstr(&big, "{\"version\": \"1.0.0\"}");
	for (int i = 0; i < 70; i++)
		buf_addstr(&big, "}}");
	refused("package-lock.json", big.p, "dependencies nested more than 64 deep");
	buf_reset(&big);
	buf_addstr(&big, "x = ");
	for (int i = 0; i < 100; i++)
		buf_addch(&big, '[');
	refused("Cargo.lock", big.p, "Cargo.lock:1: arrays nested too deep");
	buf_reset(&big);
	for (int i = 0; i < LOCKFILE_MAX_FIELD + 1; i++)
		buf_addch(&big, 'a');
	buf_addstr(&big, "==1.0\n");
	refused("requirements.txt", big.p, "longer than 512 bytes");
	buf_reset(&big);
	for (int i = 0; i <= LOCKFILE_MAX_DEPS; i++)
		buf_addstr(&big, "a==1\n");
	refused("requirements.txt", big.p, "requirements.txt:200001: more than 200000 dependencies");
	buf_reset(&big);
	buf_addstr(&big, "a==1 \\\n");
	for (int i = 0; i < 70000; i++)
		buf_addch(&big, 'x');
	refused("requirements.txt", big.p, "requirements.txt:1: line longer than 65536 bytes");
	rc = lockfile_parse("go.mod", "", LOCKFILE_MAX_SIZE + 1, NULL, &d);
	ok(rc < 0 && strstr(ak_errmsg(), "go.mod:1: larger than"), "a file too large: %s",
	   ak_errmsg());
	rc = lockfile_parse("requirements.txt", "a==1\0\n", 6, NULL, &d);
	ok(rc < 0 && strstr(ak_errmsg(), "NUL byte"), "a NUL byte: %s", ak_errmsg());
	buf_release(&big);
	lockfile_deps_release(&d);
}

int main(void)
{
	test_kinds();
	test_fixtures();
	test_small();
	test_refused();
	return done_testing();
}
