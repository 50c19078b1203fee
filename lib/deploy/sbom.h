/*
 * sbom.h - a CycloneDX 1.5 software bill of materials for a release.
 *
 * The components are the pinned dependencies that the lockfiles under a
 * directory name (package-lock.json and npm-shrinkwrap.json,
 * requirements*.txt, go.mod, Cargo.lock; read by lib/lockfile.h), each
 * with its package URL. node_modules, .git and .venv are not entered and
 * symbolic links are not followed. The document depends only on its
 * inputs: components in bytewise order of purl, one per purl (with one
 * "agentkit:lockfile" property per lockfile naming it), and a serial
 * number derived from the name, the version and the purls, so the same
 * tree, name, version and time give the same bytes from json_dumps.
 */
#ifndef AK_DEPLOY_SBOM_H
#define AK_DEPLOY_SBOM_H

#include <stddef.h>
#include <jansson.h>

/*
 * The SBOM of the lockfiles under dir, for the application name at
 * version; timestamp (seconds since the epoch) becomes metadata.timestamp
 * in RFC 3339 UTC. *ncomponents (when not NULL) is set to the number of
 * components. Returns a new reference, or NULL with ak_error:
 * AK_EXIT_USAGE for an empty name or version, AK_EXIT_IOERR when dir or a
 * lockfile cannot be read, AK_EXIT_DATAERR "PATH:LINE: reason" for a
 * malformed lockfile.
 */
json_t *sbom_build(const char *dir, const char *name, const char *version,
		   long long timestamp, size_t *ncomponents);

/*
 * The package URL of a dependency from lib/lockfile.h: ecosystem "npm"
 * (pkg:npm/%40scope/name@v), "PyPI" (pkg:pypi, name lowercase), "Go"
 * (pkg:golang, the "v" the lockfile reader took off put back) or
 * "crates.io" (pkg:cargo); each part percent-encoded. Returns a malloc'd
 * string the caller frees, or NULL with ak_error (AK_EXIT_DATAERR for
 * another ecosystem or an empty name or version).
 */
char *sbom_purl(const char *ecosystem, const char *name, const char *version);

#endif
