/*
 * lockfile.h - read the pinned dependencies of a project from its lockfiles.
 *
 * Four formats, each naming the ecosystem its packages come from:
 *
 *   package-lock.json, npm-shrinkwrap.json   "npm": lockfileVersion 1 (the
 *       nested "dependencies" tree) and 2 and 3 (the "packages" map keyed by
 *       node_modules paths, scoped and nested ones included; when both are
 *       present "packages" is read). The root entry "", links, workspace
 *       folders and versions that are not registry versions (git, file:,
 *       URLs) are passed over.
 *   requirements.txt (also requirements-*.txt, *-requirements.txt)  "PyPI":
 *       lines "name==version" (or "==="). Names are PEP 503-normalised
 *       (lowercase, runs of "-", "_", "." made one "-"), [extras] dropped,
 *       "; markers" and "--hash" options ignored, "\" continuations joined,
 *       comments removed. Lines that pin nothing (>=, ranges, no version),
 *       wildcard pins (==1.*), URLs, paths and other options are passed
 *       over. "-r FILE" and "-c FILE" are not followed: each is handed to
 *       the include callback of lockfile_opts, which may read and parse it.
 *   go.mod  "Go": require lines and blocks (// indirect ones too), with the
 *       replace directives applied (a replacement by a local directory
 *       removes the module: there is nothing published to check). Versions
 *       lose their leading "v", as advisories write them.
 *   Cargo.lock  "crates.io": every [[package]] with a source (crates from a
 *       registry or git); the workspace's own crates have none.
 *
 * Input is bounded: LOCKFILE_MAX_SIZE bytes, LOCKFILE_MAX_DEPS entries,
 * LOCKFILE_MAX_DEPTH levels of nested npm dependencies, names and versions
 * of at most LOCKFILE_MAX_FIELD bytes. Past a bound, or on malformed
 * input, parsing fails with AK_EXIT_DATAERR and "PATH:LINE: reason".
 */
#ifndef AK_LOCKFILE_H
#define AK_LOCKFILE_H

#include <stddef.h>

#define LOCKFILE_MAX_SIZE ((size_t)64 << 20)
#define LOCKFILE_MAX_DEPS 200000
#define LOCKFILE_MAX_DEPTH 64
#define LOCKFILE_MAX_FIELD 512

enum lockfile_kind {
	LOCKFILE_NONE = 0, LOCKFILE_NPM, LOCKFILE_REQUIREMENTS, LOCKFILE_GOMOD, LOCKFILE_CARGO
};

/* The format a file is, by its name (the last component of path). */
enum lockfile_kind lockfile_kind(const char *path);

/* The ecosystem of a kind ("npm", "PyPI", "Go", "crates.io"), NULL for none. */
const char *lockfile_ecosystem(enum lockfile_kind kind);

struct lockfile_dep {
	const char *ecosystem;   /* static */
	char *name;              /* owned by the list */
	char *version;
	int line;                /* 1-based, where the dependency is named */
};

/* A list of dependencies, in the order of the file. */
struct lockfile_deps {
	struct lockfile_dep *v;
	size_t n, alloc;
};

#define LOCKFILE_DEPS_INIT { NULL, 0, 0 }

/* Free the names and versions and the array; d is left empty. */
void lockfile_deps_release(struct lockfile_deps *d);

struct lockfile_opts {
	/*
	 * Called for each "-r FILE" (constraint 0) and "-c FILE" (constraint
	 * 1) line of a requirements file, with FILE as written (relative to
	 * the including file's folder) and its line. A non-zero return stops
	 * the parse and is returned. NULL: includes are passed over.
	 */
	int (*include)(const char *file, int line, int constraint, void *ctx);
	void *ctx;
};

#define LOCKFILE_OPTS_INIT { NULL, NULL }

/*
 * Parse text[0..len), the contents of the lockfile path, as the kind its
 * name says, appending its dependencies to out. opts may be NULL. Returns
 * 0, or -1 with ak_error (AK_EXIT_DATAERR "PATH:LINE: reason", or
 * AK_EXIT_USAGE for a name that is no lockfile); on failure out holds what
 * it held before.
 */
int lockfile_parse(const char *path, const char *text, size_t len,
		   const struct lockfile_opts *opts, struct lockfile_deps *out);

/* As lockfile_parse, with the kind given rather than taken from the name. */
int lockfile_parse_kind(enum lockfile_kind kind, const char *path, const char *text,
			size_t len, const struct lockfile_opts *opts, struct lockfile_deps *out);

#endif
