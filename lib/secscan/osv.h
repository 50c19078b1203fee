/*
 * osv.h - OSV advisories: read them, keep them in the store, match
 * installed package versions against them.
 *
 * An OSV record (the ossf/osv-schema format) says which versions of which
 * packages a vulnerability affects, as ranges of events (introduced,
 * fixed, last_affected, limit) and as lists of versions. Records come one
 * JSON file each, in a folder or a zip archive (the format of the OSV
 * project's per-ecosystem all.zip); osv_import stores those of the four
 * ecosystems agent-secscan reads lockfiles for ("npm", "PyPI", "Go",
 * "crates.io"), one row per affected package, and osv_match finds the
 * ones that affect one installed version.
 *
 * A withdrawn record is stored like the others, so that it replaces a
 * live copy imported before, and osv_match passes it over.
 *
 * Records that name each other (a GHSA record whose aliases hold the CVE
 * and the PYSEC id of another) describe one vulnerability: osv_match
 * reports such a group once, under the id that sorts first, with the other
 * ids and all aliases united.
 *
 * Ownership: json_t results are new references the caller releases with
 * json_decref; json_t arguments are borrowed.
 */
#ifndef AK_SECSCAN_OSV_H
#define AK_SECSCAN_OSV_H

#include <stddef.h>

#include <jansson.h>

#include "secscan/finding.h"

struct store;

/* The largest record read, in bytes; larger ones count as malformed. */
#define OSV_MAX_RECORD ((size_t)16 << 20)
/* Events per range and ranges per record beyond which a record is malformed. */
#define OSV_MAX_EVENTS 1024

/*
 * The CVSS 3.0/3.1 base score of vector ("CVSS:3.1/AV:N/AC:L/..."; the
 * eight base metrics each once, in any order; temporal and environmental
 * metrics are read past). 0 with *score in 0.0..10.0, or -1 with ak_error
 * (AK_EXIT_DATAERR).
 */
int osv_cvss3_score(const char *vector, double *score);

/*
 * Read one OSV record from text[0..len). Returns a new object, checked for
 * the shape this module relies on (id and modified strings; aliases,
 * versions strings; ranges with a type and events of one member each), or
 * NULL with ak_error (AK_EXIT_DATAERR).
 */
json_t *osv_parse(const char *text, size_t len);

/*
 * How severe rec says it is: the highest CVSS v3 base score of severity[]
 * (>= 9 critical, >= 7 high, >= 4 medium, else low); without one,
 * database_specific.severity of the record or of an affected entry (LOW,
 * MODERATE or MEDIUM, HIGH, CRITICAL); without that, medium.
 */
enum severity osv_severity(const json_t *rec);

/* "critical", "high", "medium", "low" ("none" for SEV_NONE). */
const char *osv_severity_name(enum severity s);

/*
 * The name under which packages of ecosystem are compared and stored:
 * PEP 503-normalised for PyPI, as given for the others. A malloc'd string,
 * or NULL when out of memory.
 */
char *osv_package_key(const char *ecosystem, const char *name);

/* 1 for the four ecosystems this module keeps, else 0. */
int osv_ecosystem_known(const char *ecosystem);

/*
 * Whether version of package name in ecosystem is affected by rec: listed
 * in an affected entry's versions[] (equal by the ecosystem's ordering),
 * or inside one of its SEMVER or ECOSYSTEM ranges by the evaluation of
 * the OSV schema (GIT ranges are passed over, and so is a range with a
 * version the ordering cannot read). Returns 1 or 0; -1 with ak_error
 * (AK_EXIT_DATAERR) when version cannot be read in the ecosystem. When
 * fixed is not NULL, *fixed is set to the lowest fixed version above
 * version (borrowed from rec), or NULL.
 */
int osv_affects(const json_t *rec, const char *ecosystem, const char *name,
		const char *version, const char **fixed);

struct osv_import_stats {
	/* in: told of each record passed over as malformed ("NAME: why");
	 * NULL: silently */
	void (*warn)(const char *msg, void *ctx);
	void *warn_ctx;
	/* out */
	long records;            /* JSON files read */
	long imported;           /* records stored (or already there) */
	long updated;            /* of those, records that wrote a row (new
				    or newer than the one stored) */
	long merged;             /* of those, records sharing an id or alias
				    with one stored before for the same package */
	long withdrawn;          /* withdrawn: stored, so that they replace an
				    older copy, but never matched */
	long other_ecosystem;    /* passed over: no package of the four */
	long malformed;          /* passed over: not an OSV record */
};

#define OSV_IMPORT_STATS_INIT { NULL, NULL, 0, 0, 0, 0, 0, 0, 0 }

/*
 * Import the OSV records under path into s: a folder (every *.json file
 * in it and its subfolders, symbolic links not followed), a single .json
 * file, or an archive (zip, as all.zip, or tar; its *.json entries). A
 * record already stored is replaced only by one with a newer modified
 * time. Withdrawn records are counted apart (see above). Malformed
 * records are counted, reported to st->warn and passed
 * over. Returns 0, or -1 with ak_error when path cannot be read
 * (AK_EXIT_IOERR, AK_EXIT_DATAERR for a broken archive) or the store fails;
 * what was imported before the failure stays. The out fields of st are
 * reset first.
 */
int osv_import(struct store *s, const char *path, struct osv_import_stats *st);

/*
 * The advisories stored in s that affect version of package name in
 * ecosystem: *out is a new array, by id, of
 *   {"id": "GHSA-...", "aliases": ["CVE-...", ...], "summary": "...",
 *    "severity": "high", "fixed": "1.2.4" or null}
 * with records that share an id or alias merged (see above); fixed is the
 * lowest fixed version above version. Returns 0, or -1 with ak_error
 * (AK_EXIT_DATAERR for an unknown ecosystem or an unreadable version; the
 * store's errors) and *out NULL.
 */
int osv_match(struct store *s, const char *ecosystem, const char *name,
	      const char *version, json_t **out);

#endif
