/*
 * u-version.c - version ordering per ecosystem (lib/secscan/version.c):
 * chains of versions that must sort in the order written, equal pairs,
 * and texts that no ecosystem reads.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "secscan/version.h"
#include "tap.h"

/* Each version sorts strictly before the next one, both ways round. */
static void chain(const char *eco, const char *const *v, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		int c1 = 99, c2 = 99;
		int ok1 = version_cmp(eco, v[i], v[i + 1], &c1) == 0;
		int ok2 = version_cmp(eco, v[i + 1], v[i], &c2) == 0;

		ok(ok1 && ok2 && c1 < 0 && c2 > 0, "%s: %s < %s", eco, v[i], v[i + 1]);
		if (!ok1 || !ok2)
			printf("#   %s\n", ak_errmsg());
	}
}

static void same(const char *eco, const char *a, const char *b)
{
	int c = 99;

	ok(version_cmp(eco, a, b, &c) == 0 && c == 0, "%s: %s == %s", eco, a, b);
}

static void refused(const char *eco, const char *v)
{
	int c = 99;

	ok(version_cmp(eco, v, "1.0.0", &c) < 0 && ak_errcode() == AK_EXIT_DATAERR &&
	   c == 99 && strstr(ak_errmsg(), "cannot read"), "%s: '%s' is refused", eco, v);
	ok(!version_valid(eco, v), "%s: '%s' is not valid", eco, v);
}

#define CHAIN(eco, ...) do { \
	static const char *const v_[] = { __VA_ARGS__ }; \
	chain(eco, v_, sizeof(v_) / sizeof(*v_)); \
} while (0)

int main(void)
{
	char longv[VERSION_MAX_LEN + 8];
	int c = 99;

	/* SemVer 2.0, section 11's own example */
	CHAIN("npm", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0");
	CHAIN("npm", "0.0.1", "0.1.0", "0.9.9", "0.10.0", "1.0.0", "1.2.3", "1.10.0", "2.0.0",
	      "10.0.0", "100000000000000000000.0.0");
	CHAIN("crates.io", "1.0.0-0", "1.0.0-1", "1.0.0-a", "1.0.0-a-b", "1.0.0-b", "1.0.0");
	CHAIN("crates.io", "0.3.9", "0.3.10", "0.4.0-rc.1", "0.4.0");
	same("npm", "1.2.3", "v1.2.3");
	same("npm", "=1.2.3", "1.2.3");
	same("npm", "1.2.3+build.5", "1.2.3+other");
	same("npm", "1.2.3-rc.1+b", "1.2.3-rc.1");
	same("npm", "1.2", "1.2.0");
	same("crates.io", "01.002.0003", "1.2.3");
	refused("npm", "");
	refused("npm", "1.x");
	refused("npm", "latest");
	refused("npm", "1.2.3-");
	refused("npm", "1.2.3-a..b");
	refused("npm", "1.2.3+");
	refused("crates.io", "1.2.3.4");
	refused("npm", "^1.2.3");

	/* Go: semver with the "v", pseudo-versions are prereleases */
	CHAIN("Go", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa",
	      "v0.1.0", "v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", "v2.0.0");
	same("Go", "v1.2.3", "1.2.3");
	same("Go", "v2.0.0+incompatible", "2.0.0");
	refused("Go", "master");

	/* PEP 440 */
	CHAIN("PyPI", "1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1");
	CHAIN("PyPI", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
	      "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
	      "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
	      "1.0.post456", "1.1.dev1");
	CHAIN("PyPI", "0.9", "1.0", "1.0.1", "1.1", "1.10", "2", "2.0.0.0.1", "2013.10",
	      "1!0.1", "1!1.0", "2!0.0.1");
	CHAIN("PyPI", "1.0+a", "1.0+a.b", "1.0+b", "1.0+0", "1.0+1.a", "1.0+1.0");
	same("PyPI", "1.0", "1.0.0");
	same("PyPI", "1.0", "1.0.0.0.0");
	same("PyPI", "0!1.0", "1.0");
	same("PyPI", "v1.0", "1.0");
	same("PyPI", "1.0ALPHA1", "1.0a1");
	same("PyPI", "1.0-alpha.1", "1.0a1");
	same("PyPI", "1.0beta", "1.0b0");
	same("PyPI", "1.0c1", "1.0rc1");
	same("PyPI", "1.0pre1", "1.0rc1");
	same("PyPI", "1.0preview_1", "1.0rc1");
	same("PyPI", "1.0-1", "1.0.post1");
	same("PyPI", "1.0-post1", "1.0.post1");
	same("PyPI", "1.0rev1", "1.0.post1");
	same("PyPI", "1.0r", "1.0.post0");
	same("PyPI", "1.0.post", "1.0.post0");
	same("PyPI", "1.0-dev", "1.0.dev0");
	same("PyPI", "1.0+ABC-1_2", "1.0+abc.1.2");
	same("PyPI", "1.0+01", "1.0+1");
	same("PyPI", " 1.0 ", "1.0");
	refused("PyPI", "1.0.x");
	refused("PyPI", "abc");
	refused("PyPI", "1.0+");
	refused("PyPI", "1.0+a..b");
	refused("PyPI", "1.0a1b1");
	refused("PyPI", "!1.0");

	/* bounds and errors */
	memset(longv, '1', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	refused("npm", longv);
	refused("PyPI", longv);
	ok(version_cmp("Maven", "1.0", "1.0", &c) < 0 && c == 99 &&
	   strstr(ak_errmsg(), "no version ordering for ecosystem 'Maven'"),
	   "an unknown ecosystem is refused: %s", ak_errmsg());
	ok(version_cmp("PyPI", NULL, "1.0", &c) < 0, "a NULL version is refused");
	ok(version_valid("npm", "1.0.0") && version_valid("PyPI", "1.0.post1") &&
	   !version_valid("Maven", "1.0"), "version_valid says which texts are versions");
	return done_testing();
}
