/*
 * version.h - the order of package versions, per ecosystem.
 *
 * Advisories say "introduced in 1.2.0, fixed in 1.4.3"; whether 1.3.0rc1
 * sits between them depends on the ecosystem's rules:
 *
 *   "npm", "crates.io"  SemVer 2.0: MAJOR.MINOR.PATCH, then -prerelease
 *                       identifiers (numeric ones compare as numbers, and
 *                       sort before alphanumeric ones), then +build, which
 *                       is ignored. A leading "v" or "=" is tolerated, and
 *                       missing minor or patch numbers read as 0.
 *   "Go"                module versions: SemVer with or without the "v";
 *                       pseudo-versions are prereleases, +incompatible is
 *                       build metadata.
 *   "PyPI"              PEP 440: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local],
 *                       with the normalised spellings (alpha, beta, c, pre,
 *                       preview, rev, r, implicit post "1.0-1", separators
 *                       ".", "-", "_" or none, any case, a leading "v").
 *
 * Numbers are compared as digit strings, so no version can overflow them.
 */
#ifndef AK_SECSCAN_VERSION_H
#define AK_SECSCAN_VERSION_H

/* The longest version text accepted, in bytes. */
#define VERSION_MAX_LEN 256

/*
 * Compare versions a and b of ecosystem. Returns 0 with *cmp < 0, 0 or > 0
 * as a sorts before, equal to or after b; or -1 with ak_error
 * (AK_EXIT_DATAERR) when either cannot be read in that ecosystem or the
 * ecosystem is not one of the above (*cmp is then left unchanged).
 */
int version_cmp(const char *ecosystem, const char *a, const char *b, int *cmp);

/* 1 when v can be read as a version of ecosystem, else 0 (no error set). */
int version_valid(const char *ecosystem, const char *v);

#endif
