/*
 * u-sbom.c - the CycloneDX SBOM (lib/deploy/sbom.c): a tree with an npm
 * lockfile (a scoped package, a duplicate), two requirements files naming
 * one package, go.mod and Cargo.lock, plus lockfiles in node_modules,
 * .git, .venv and behind a link that must be ignored, gives exactly the
 * expected purls and lockfile properties; the serial number is a known
 * value and the output the same bytes each time; a tree without
 * lockfiles gives the whole expected document; a malformed lockfile is
 * an error naming it.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "deploy/sbom.h"
#include "error.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-sbom.XXXXXX";

static const char *path_in(const char *name)
{
	static char p[8][512];
	static int next;
	char *s = p[next++ % 8];

	snprintf(s, sizeof(p[0]), "%s/%s", tmpdir, name);
	return s;
}

static void put(const char *rel, const char *text)
{
	const char *p = path_in(rel);
	char d[512], *slash;
	FILE *f;

	/* Create the parent folders first. */
	snprintf(d, sizeof(d), "%s", p);
	for (slash = d + strlen(tmpdir) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(d, 0755);
		*slash = '/';
	}
	if (!(f = fopen(p, "w")) || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write '%s': %s\n", p, strerror(errno));
		exit(1);
	}
}

static const char npm_lock[] =
	"{\"name\":\"shop\",\"version\":\"2.0.0\",\"lockfileVersion\":3,\"packages\":{\n"
	"\"\":{\"name\":\"shop\",\"version\":\"2.0.0\"},\n"
	"\"node_modules/@types/node\":{\"version\":\"20.1.0\"},\n"
	"\"node_modules/lodash\":{\"version\":\"4.17.21\"},\n"
	"\"node_modules/a/node_modules/lodash\":{\"version\":\"4.17.21\"}\n"
	"}}\n";

static const char go_mod[] =
	"module example.com/shop\n\ngo 1.21\n\nrequire (\n"
	"\tgithub.com/gorilla/mux v1.8.0\n"
	"\tgithub.com/foo/bar v2.0.0+incompatible // indirect\n)\n";

static const char cargo_lock[] =
	"version = 3\n\n[[package]]\nname = \"shop-cli\"\nversion = \"0.1.0\"\n\n"
	"[[package]]\nname = \"regex\"\nversion = \"1.5.4\"\n"
	"source = \"registry+https://index.example.invalid/crates\"\n";

static void make_tree(const char *root)
{
	char rel[256], target[512], link[512];

	snprintf(rel, sizeof(rel), "%s/package-lock.json", root);
	put(rel, npm_lock);
	snprintf(rel, sizeof(rel), "%s/web/requirements.txt", root);
	put(rel, "Django==4.2.1\nrequests[socks]==2.31.0\nflask>=2\n");
	snprintf(rel, sizeof(rel), "%s/tools/requirements-dev.txt", root);
	put(rel, "requests==2.31.0  # shared with web\n");
	snprintf(rel, sizeof(rel), "%s/svc/go.mod", root);
	put(rel, go_mod);
	snprintf(rel, sizeof(rel), "%s/cli/Cargo.lock", root);
	put(rel, cargo_lock);
	snprintf(rel, sizeof(rel), "%s/README.md", root);
	put(rel, "not a lockfile\n");
	/* None of these count. */
	snprintf(rel, sizeof(rel), "%s/node_modules/x/requirements.txt", root);
	put(rel, "ignored-a==1.0\n");
	snprintf(rel, sizeof(rel), "%s/.git/requirements.txt", root);
	put(rel, "ignored-b==1.0\n");
	snprintf(rel, sizeof(rel), "%s/.venv/lib/requirements.txt", root);
	put(rel, "ignored-c==1.0\n");
	snprintf(rel, sizeof(rel), "%s/../outside/requirements.txt", root);
	put(rel, "ignored-d==1.0\n");
	snprintf(target, sizeof(target), "%s", path_in("outside"));
	snprintf(link, sizeof(link), "%s/%s/linked", tmpdir, root);
	snprintf(rel, sizeof(rel), "%s/linked", root);
	if (symlink(target, link) < 0) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(link, sizeof(link), "%s/%s/requirements-link.txt", tmpdir, root);
	snprintf(target, sizeof(target), "%s/outside/requirements.txt", tmpdir);
	if (symlink(target, link) < 0) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		exit(1);
	}
}

/* "purl name version lockfile,lockfile" per component. */
static char *show(json_t *doc)
{
	struct buf b = BUF_INIT;
	json_t *c, *p;
	size_t i, j;

	buf_init(&b, 0);
	json_array_foreach(json_object_get(doc, "components"), i, c) {
		buf_addf(&b, "%s %s %s %s %s", json_string_value(json_object_get(c, "purl")),
			 json_string_value(json_object_get(c, "bom-ref")),
			 json_string_value(json_object_get(c, "type")),
			 json_string_value(json_object_get(c, "name")),
			 json_string_value(json_object_get(c, "version")));
		json_array_foreach(json_object_get(c, "properties"), j, p)
			buf_addf(&b, " %s=%s", json_string_value(json_object_get(p, "name")),
				 json_string_value(json_object_get(p, "value")));
		buf_addch(&b, '\n');
	}
	return buf_detach(&b, NULL);
}

static const char want_components[] =
	"pkg:cargo/regex@1.5.4 pkg:cargo/regex@1.5.4 library regex 1.5.4"
	" agentkit:lockfile=cli/Cargo.lock\n"
	"pkg:golang/github.com/foo/bar@v2.0.0%2Bincompatible"
	" pkg:golang/github.com/foo/bar@v2.0.0%2Bincompatible library"
	" github.com/foo/bar 2.0.0+incompatible agentkit:lockfile=svc/go.mod\n"
	"pkg:golang/github.com/gorilla/mux@v1.8.0 pkg:golang/github.com/gorilla/mux@v1.8.0"
	" library github.com/gorilla/mux 1.8.0 agentkit:lockfile=svc/go.mod\n"
	"pkg:npm/%40types/node@20.1.0 pkg:npm/%40types/node@20.1.0 library @types/node 20.1.0"
	" agentkit:lockfile=package-lock.json\n"
	"pkg:npm/lodash@4.17.21 pkg:npm/lodash@4.17.21 library lodash 4.17.21"
	" agentkit:lockfile=package-lock.json\n"
	"pkg:pypi/django@4.2.1 pkg:pypi/django@4.2.1 library django 4.2.1"
	" agentkit:lockfile=web/requirements.txt\n"
	"pkg:pypi/requests@2.31.0 pkg:pypi/requests@2.31.0 library requests 2.31.0"
	" agentkit:lockfile=tools/requirements-dev.txt agentkit:lockfile=web/requirements.txt\n";

static void test_tree(void)
{
	json_t *doc, *again, *dep;
	char *got, *s1, *s2;
	size_t n = 99;

	make_tree("shop");
	doc = sbom_build(path_in("shop"), "shop", "2.0.0", 1700000000, &n);
	ok(doc != NULL, "sbom_build on the tree");
	if (!doc) {
		printf("# %s\n", ak_errmsg());
		return;
	}
	is_int((long long)n, 7, "7 components");
	got = show(doc);
	is_str(got, want_components, "purls, sorted, duplicates merged, ignored folders and links");
	free(got);
	is_str(json_string_value(json_object_get(doc, "serialNumber")),
	       "urn:uuid:6e06adfc-47a5-5541-867f-806bd6ccdd83",
	       "serial number from name, version and purls");
	is_str(json_string_value(json_object_get(json_object_get(doc, "metadata"), "timestamp")),
	       "2023-11-14T22:13:20Z", "metadata.timestamp in RFC 3339 UTC");
	dep = json_array_get(json_object_get(doc, "dependencies"), 0);
	s1 = json_dumps(json_object_get(dep, "dependsOn"), JSON_COMPACT);
	is_str(s1, "[\"pkg:cargo/regex@1.5.4\","
	       "\"pkg:golang/github.com/foo/bar@v2.0.0%2Bincompatible\","
	       "\"pkg:golang/github.com/gorilla/mux@v1.8.0\","
	       "\"pkg:npm/%40types/node@20.1.0\",\"pkg:npm/lodash@4.17.21\","
	       "\"pkg:pypi/django@4.2.1\",\"pkg:pypi/requests@2.31.0\"]",
	       "the application depends on every purl");
	free(s1);
	is_str(json_string_value(json_object_get(dep, "ref")), "pkg:generic/shop@2.0.0",
	       "from the application's bom-ref");

	again = sbom_build(path_in("shop"), "shop", "2.0.0", 1700000000, NULL);
	s1 = json_dumps(doc, JSON_INDENT(2));
	s2 = again ? json_dumps(again, JSON_INDENT(2)) : NULL;
	ok(s1 && s2 && !strcmp(s1, s2), "the same inputs give the same bytes");
	free(s2);
	json_decref(again);

	again = sbom_build(path_in("shop"), "shop", "2.0.1", 1700000000, NULL);
	ok(again && strcmp(json_string_value(json_object_get(again, "serialNumber")),
			   json_string_value(json_object_get(doc, "serialNumber"))),
	   "another version, another serial number");
	json_decref(again);
	free(s1);
	json_decref(doc);
}

static const char want_empty[] =
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\","
	"\"serialNumber\":\"urn:uuid:0258714f-4507-5c7e-982d-7999e055e89b\",\"version\":1,"
	"\"metadata\":{\"timestamp\":\"1970-01-01T00:00:00Z\","
	"\"tools\":{\"components\":[{\"type\":\"application\",\"name\":\"agent-deploy\","
	"\"version\":\"" AK_VERSION "\"}]},"
	"\"component\":{\"type\":\"application\",\"bom-ref\":\"pkg:generic/app@1.0.0\","
	"\"name\":\"app\",\"version\":\"1.0.0\"}},"
	"\"components\":[],"
	"\"dependencies\":[{\"ref\":\"pkg:generic/app@1.0.0\",\"dependsOn\":[]}]}";

static void test_empty(void)
{
	json_t *doc;
	size_t n = 99;
	char *s;

	put("plain/README.md", "nothing pinned here\n");
	doc = sbom_build(path_in("plain"), "app", "1.0.0", 0, &n);
	is_int((long long)n, 0, "no lockfile: no components");
	s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	is_str(s, want_empty, "the whole document");
	free(s);
	json_decref(doc);
}

static void test_errors(void)
{
	char want[600];
	size_t n = 99;

	put("bad/ok/requirements.txt", "six==1.16.0\n");
	put("bad/web/package-lock.json", "{\"lockfileVersion\": 3, \"packages\": [\n");
	ok(sbom_build(path_in("bad"), "app", "1.0.0", 0, &n) == NULL, "a malformed lockfile");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "class DATAERR");
	snprintf(want, sizeof(want), "%s:", path_in("bad/web/package-lock.json"));
	ok(!strncmp(ak_errmsg(), want, strlen(want)), "the message names the file");
	printf("# %s\n", ak_errmsg());
	is_int((long long)n, 99, "ncomponents untouched on failure");

	ok(sbom_build(path_in("missing"), "app", "1.0.0", 0, NULL) == NULL, "a missing folder");
	is_int(ak_errcode(), AK_EXIT_IOERR, "class IOERR");
	ok(sbom_build(path_in("plain"), "", "1.0.0", 0, NULL) == NULL, "an empty name");
	is_int(ak_errcode(), AK_EXIT_USAGE, "class USAGE");
}

static void test_purl(void)
{
	char *s;

	s = sbom_purl("npm", "@Babel/Core", "7.0.0-beta.1");
	is_str(s, "pkg:npm/%40babel/core@7.0.0-beta.1", "npm: scope encoded, lowercase");
	free(s);
	s = sbom_purl("PyPI", "Zope.Interface", "1!2.0");
	is_str(s, "pkg:pypi/zope.interface@1%212.0", "pypi: lowercase, version encoded");
	free(s);
	s = sbom_purl("Go", "golang.org/x/text", "0.3.8");
	is_str(s, "pkg:golang/golang.org/x/text@v0.3.8", "golang: the v put back");
	free(s);
	s = sbom_purl("crates.io", "serde", "1.0.0+build 5");
	is_str(s, "pkg:cargo/serde@1.0.0%2Bbuild%205", "cargo: '+' and ' ' encoded");
	free(s);
	ok(sbom_purl("Maven", "a", "1") == NULL, "an unknown ecosystem");
	ok(sbom_purl("npm", "a", "") == NULL, "an empty version");
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_tree();
	test_empty();
	test_errors();
	test_purl();
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
