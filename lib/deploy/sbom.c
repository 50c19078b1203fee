/*
 * sbom.c - build the CycloneDX document of a release from its lockfiles.
 *
 * The tree is walked in bytewise order of names, every lockfile found is
 * parsed with lib/lockfile.c, and each dependency becomes a (purl,
 * lockfile) pair. The pairs are sorted and runs of one purl merged into a
 * component, so neither the walk nor the order inside a lockfile shows in
 * the output.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "deploy/sbom.h"
#include "error.h"
#include "lockfile.h"
#include "banned.h"

#define SBOM_MAX_DEPTH 64

/* One dependency as one lockfile names it. */
struct sbom_dep {
	char *purl;
	char *name;
	char *version;
	char *lockfile;     /* relative to the directory */
};

struct sbom_deps {
	struct sbom_dep *v;
	size_t n, alloc;
};

/* Folders that hold installed copies or history, not the release's pins. */
static const char *const skip_dirs[] = { "node_modules", ".git", ".venv", NULL };

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/* Append s percent-encoded: all but letters, digits and "-._~" (and '/' if keep_slash). */
static int add_encoded(struct buf *b, const char *s, int lower, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) ||
		    (keep_slash && c == '/')) {
			if (buf_addch(b, (char)c) < 0)
				return -1;
		} else if (buf_addch(b, '%') < 0 || buf_addch(b, digits[c >> 4]) < 0 ||
			   buf_addch(b, digits[c & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

char *sbom_purl(const char *ecosystem, const char *name, const char *version)
{
	struct buf b;
	int r;

	if (!name || !*name || !version || !*version) {
		ak_error(AK_EXIT_DATAERR, "a package without a name or version");
		return NULL;
	}
	buf_init(&b, 0);
	if (!strcmp(ecosystem, "npm"))
		r = buf_addstr(&b, "pkg:npm/") || add_encoded(&b, name, 1, 1);
	else if (!strcmp(ecosystem, "PyPI"))
		r = buf_addstr(&b, "pkg:pypi/") || add_encoded(&b, name, 1, 0);
	else if (!strcmp(ecosystem, "Go"))
		r = buf_addstr(&b, "pkg:golang/") || add_encoded(&b, name, 0, 1);
	else if (!strcmp(ecosystem, "crates.io"))
		r = buf_addstr(&b, "pkg:cargo/") || add_encoded(&b, name, 0, 0);
	else
		r = ak_error(AK_EXIT_DATAERR, "no package URL type for ecosystem '%s'", ecosystem);
	if (!r)
		r = buf_addch(&b, '@') ||
			(!strcmp(ecosystem, "Go") && buf_addch(&b, 'v')) ||
			add_encoded(&b, version, 0, 0);
	if (r) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void deps_release(struct sbom_deps *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].purl);
		free(d->v[i].name);
		free(d->v[i].version);
		free(d->v[i].lockfile);
	}
	free(d->v);
}

static int deps_add(struct sbom_deps *d, const struct lockfile_dep *ld,
		    const char *full, const char *rel)
{
	struct sbom_dep *e;

	if (d->n == d->alloc) {
		size_t alloc = d->alloc ? 2 * d->alloc : 64;
		struct sbom_dep *v = realloc(d->v, alloc * sizeof(*v));

		if (!v)
			return oom();
		d->v = v;
		d->alloc = alloc;
	}
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	if (!(e->purl = sbom_purl(ld->ecosystem, ld->name, ld->version))) {
		char why[512];

		snprintf(why, sizeof(why), "%s", ak_errmsg());
		return ak_data_error(full, ld->line, "%s", why);
	}
	d->n++;
	e->name = strdup(ld->name);
	e->version = strdup(ld->version);
	e->lockfile = strdup(rel);
	if (!e->name || !e->version || !e->lockfile)
		return oom();
	return 0;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);

	if (!s) {
		oom();
		return NULL;
	}
	snprintf(s, n, "%s%s%s", a, *a ? "/" : "", b);
	return s;
}

static int read_lockfile(struct sbom_deps *d, const char *full, const char *rel)
{
	struct lockfile_deps ld = LOCKFILE_DEPS_INIT;
	struct buf b;
	int ret;

	buf_init(&b, LOCKFILE_MAX_SIZE);
	ret = buf_read_file(&b, full);
	if (!ret)
		ret = lockfile_parse(full, b.p, b.len, NULL, &ld);
	for (size_t i = 0; !ret && i < ld.n; i++)
		ret = deps_add(d, &ld.v[i], full, rel);
	lockfile_deps_release(&ld);
	buf_release(&b);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a folder but "." and "..", sorted; NULL-terminated. */
static char **list_dir(const char *full)
{
	size_t n = 0, alloc = 0;
	char **v = NULL;
	struct dirent *de;
	DIR *d = opendir(full);

	if (!d) {
		ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", full, strerror(errno));
		return NULL;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n + 1 >= alloc) {
			char **nv = realloc(v, (alloc = alloc ? 2 * alloc : 32) * sizeof(*v));

			if (!nv)
				goto fail;
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto fail;
		v[++n] = NULL;
	}
	if (errno) {
		ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", full, strerror(errno));
		goto fail_quiet;
	}
	closedir(d);
	if (!v && !(v = calloc(1, sizeof(*v))))
		oom();
	else
		qsort(v, n, sizeof(*v), name_cmp);
	return v;
fail:
	oom();
fail_quiet:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

static int skipped_dir(const char *name)
{
	for (const char *const *s = skip_dirs; *s; s++)
		if (!strcmp(name, *s))
			return 1;
	return 0;
}

static int walk(struct sbom_deps *d, const char *dir, const char *rel, int depth);

static int walk_one(struct sbom_deps *d, const char *dir, const char *rel,
		    const char *name, int depth)
{
	char *full = join(dir, rel);
	struct stat st;
	int ret = 0;

	if (!full)
		return -1;
	if (lstat(full, &st) < 0)
		ret = ak_error(AK_EXIT_IOERR, "cannot stat '%s': %s", full, strerror(errno));
	else if (S_ISDIR(st.st_mode) && !skipped_dir(name) && depth >= SBOM_MAX_DEPTH)
		ret = ak_error(AK_EXIT_DATAERR, "'%s' is nested too deeply", full);
	else if (S_ISDIR(st.st_mode) && !skipped_dir(name))
		ret = walk(d, dir, rel, depth + 1);
	else if (S_ISREG(st.st_mode) && lockfile_kind(name) != LOCKFILE_NONE)
		ret = read_lockfile(d, full, rel);
	free(full);
	return ret;
}

static int walk(struct sbom_deps *d, const char *dir, const char *rel, int depth)
{
	char *full = join(dir, rel);
	char **names = full ? list_dir(full) : NULL;
	int ret = names ? 0 : -1;

	for (size_t i = 0; names && names[i]; i++) {
		char *child = ret ? NULL : join(rel, names[i]);

		if (!ret && !child)
			ret = -1;
		if (!ret)
			ret = walk_one(d, dir, child, names[i], depth);
		free(child);
		free(names[i]);
	}
	free(names);
	free(full);
	return ret;
}

static int dep_cmp(const void *a, const void *b)
{
	const struct sbom_dep *x = a, *y = b;
	int c = strcmp(x->purl, y->purl);

	return c ? c : strcmp(x->lockfile, y->lockfile);
}

/* A UUID from the SHA-256 of what the document describes, version 5 bits set. */
static void serial_number(const char *name, const char *version,
			  const struct sbom_deps *d, char out[46])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, k = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *p = out;

	memset(md, 0, sizeof(md));
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_DigestUpdate(ctx, name, strlen(name) + 1);
		EVP_DigestUpdate(ctx, version, strlen(version) + 1);
		for (size_t i = 0; i < d->n; i++)
			if (!i || strcmp(d->v[i].purl, d->v[i - 1].purl))
				EVP_DigestUpdate(ctx, d->v[i].purl, strlen(d->v[i].purl) + 1);
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	EVP_MD_CTX_free(ctx);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	p += snprintf(p, 10, "urn:uuid:");
	for (k = 0; k < 16; k++) {
		if (k == 4 || k == 6 || k == 8 || k == 10)
			*p++ = '-';
		p += snprintf(p, 3, "%02x", md[k]);
	}
}

static json_t *lockfile_property(const char *rel)
{
	return json_pack("{s:s, s:s}", "name", "agentkit:lockfile", "value", rel);
}

/* The components, one per purl, and the list of purls for dependsOn. */
static int add_components(const struct sbom_deps *d, json_t *comps, json_t *purls)
{
	json_t *props = NULL;

	for (size_t i = 0; i < d->n; i++) {
		const struct sbom_dep *e = &d->v[i];

		if (i && !strcmp(e->purl, d->v[i - 1].purl)) {
			if (strcmp(e->lockfile, d->v[i - 1].lockfile) &&
			    json_array_append_new(props, lockfile_property(e->lockfile)))
				return oom();
			continue;
		}
		props = json_array();
		if (!props || json_array_append_new(props, lockfile_property(e->lockfile)) ||
		    json_array_append_new(comps, json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}",
				"type", "library", "bom-ref", e->purl, "name", e->name,
				"version", e->version, "purl", e->purl, "properties", props)) ||
		    json_array_append_new(purls, json_string(e->purl))) {
			json_decref(props);
			return oom();
		}
		json_decref(props);
	}
	return 0;
}

static int rfc3339(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((long long)tt != t || !gmtime_r(&tt, &tm) ||
	    !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return ak_error(AK_EXIT_USAGE, "timestamp %lld out of range", t);
	return 0;
}

static json_t *document(const char *name, const char *version, const char *when,
			const struct sbom_deps *d)
{
	json_t *comps = json_array(), *purls = json_array(), *doc = NULL;
	char serial[46], *ref = NULL;
	struct buf b;

	buf_init(&b, 0);
	if (buf_addstr(&b, "pkg:generic/") || add_encoded(&b, name, 0, 0) ||
	    buf_addch(&b, '@') || add_encoded(&b, version, 0, 0))
		goto out;
	ref = b.p;
	if (!comps || !purls) {
		oom();
		goto out;
	}
	if (add_components(d, comps, purls) < 0)
		goto out;
	serial_number(name, version, d, serial);
	doc = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s, s:s}]}, "
			"s:{s:s, s:s, s:s, s:s}}, s:O, s:[{s:s, s:O}]}",
			"bomFormat", "CycloneDX", "specVersion", "1.5",
			"serialNumber", serial, "version", 1,
			"metadata", "timestamp", when, "tools", "components",
			"type", "application", "name", "agent-deploy", "version", AK_VERSION,
			"component", "type", "application", "bom-ref", ref,
			"name", name, "version", version,
			"components", comps,
			"dependencies", "ref", ref, "dependsOn", purls);
	if (!doc)
		oom();
out:
	json_decref(comps);
	json_decref(purls);
	buf_release(&b);
	return doc;
}

json_t *sbom_build(const char *dir, const char *name, const char *version,
		   long long timestamp, size_t *ncomponents)
{
	struct sbom_deps d = { NULL, 0, 0 };
	json_t *doc = NULL;
	char when[32];
	struct stat st;

	if (!name || !*name || !version || !*version) {
		ak_error(AK_EXIT_USAGE, "an SBOM needs a name and a version");
		return NULL;
	}
	if (rfc3339(timestamp, when) < 0)
		return NULL;
	if (stat(dir, &st) < 0) {
		ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", dir, strerror(errno));
		return NULL;
	}
	if (walk(&d, dir, "", 0) < 0)
		goto out;
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), dep_cmp);
	doc = document(name, version, when, &d);
	if (doc && ncomponents)
		*ncomponents = json_array_size(json_object_get(doc, "components"));
out:
	deps_release(&d);
	return doc;
}
