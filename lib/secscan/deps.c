/*
 * deps.c - the dependency check of a scan: each lockfile the scanner
 * reads is parsed (lockfile.c) and each pinned version looked up among
 * the OSV advisories of the store (osv.c). A vulnerable version becomes a
 * finding of kind "dependency" whose rule is the advisory id, at the
 * lockfile line that pins it; one finding per (advisory, package,
 * version), however many lockfiles pin it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "workspace.h"
#include "secscan/deps.h"
#include "lockfile.h"
#include "secscan/osv.h"
#include "banned.h"

struct deps {
	struct store *store;
};

static const char *store_spec(const char *spec)
{
	return spec && *spec ? spec : getenv("AGENTKIT_STORE");
}

int deps_open(struct deps **out, const char *spec)
{
	int64_t rows = 0, ids = 0;
	struct store *s;

	*out = NULL;
	spec = store_spec(spec);
	if (!spec || !*spec) {
		log_debug("no store: dependencies are not checked");
		return 0;
	}
	/* a SQLite file that is not there holds no advisories: make none */
	if (!store_spec_is_postgres(spec) && access(spec, F_OK) < 0) {
		log_debug("no store at '%s': dependencies are not checked", spec);
		return 0;
	}
	if (!(s = store_open(spec, NULL)))
		return -1;
	if (store_advisory_count(s, &rows, &ids) < 0) {
		store_close(s);
		return -1;
	}
	if (rows == 0) {
		log_debug("no advisories in the store: dependencies are not checked "
			 "(agent-secscan db import)");
		store_close(s);
		return 0;
	}
	if (!(*out = calloc(1, sizeof(**out)))) {
		store_close(s);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	(*out)->store = s;
	return 0;
}

void deps_close(struct deps *d)
{
	if (!d)
		return;
	store_close(d->store);
	free(d);
}

static int is_lockfile(const char *path)
{
	return lockfile_kind(path) != LOCKFILE_NONE;
}

static json_t *dep_finding(const struct lockfile_dep *dep, json_t *adv, const char *path)
{
	const char *id = json_string_value(json_object_get(adv, "id"));
	const char *summary = json_string_value(json_object_get(adv, "summary"));
	const char *fixed = json_string_value(json_object_get(adv, "fixed"));
	struct buf key = BUF_INIT, msg = BUF_INIT;
	char fp[65];
	json_t *f;

	buf_add(&key, id, strlen(id) + 1);
	buf_add(&key, dep->ecosystem, strlen(dep->ecosystem) + 1);
	buf_add(&key, dep->name, strlen(dep->name) + 1);
	buf_addstr(&key, dep->version);
	sha256_hex(key.p, key.len, fp);
	buf_addf(&msg, "%s %s (%s): %s", dep->name, dep->version, dep->ecosystem, id);
	if (summary && *summary)
		buf_addf(&msg, " %s", summary);
	if (fixed)
		buf_addf(&msg, " (fixed in %s)", fixed);
	f = json_pack("{s:s, s:s, s:s, s:O, s:s, s:s, s:{s:s, s:s, s:s, s:O, s:O}, "
		      "s:[{s:s, s:i, s:i}], s:i}",
		      "rule", id, "name", summary && *summary ? summary : "vulnerable dependency",
		      "kind", "dependency", "severity", json_object_get(adv, "severity"),
		      "message", msg.p, "fingerprint", fp,
		      "package", "ecosystem", dep->ecosystem, "name", dep->name,
		      "version", dep->version, "fixed", json_object_get(adv, "fixed"),
		      "aliases", json_object_get(adv, "aliases"),
		      "locations", "path", path, "line", dep->line, "column", 1,
		      "occurrences", 1);
	buf_release(&key);
	buf_release(&msg);
	return f;
}

static int on_lockfile(void *ctx, struct scanner *sc, const char *path, const char *buf,
		       size_t len)
{
	struct deps *d = ctx;
	struct lockfile_deps list = LOCKFILE_DEPS_INIT;
	int rc = 0;

	if (lockfile_parse(path, buf, len, NULL, &list) < 0) {
		scanner_note(sc, path, ak_errmsg());
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < list.n; i++) {
		const struct lockfile_dep *dep = &list.v[i];
		json_t *advs = NULL, *adv;
		size_t j;

		if (osv_match(d->store, dep->ecosystem, dep->name, dep->version, &advs) < 0) {
			/* a version the ordering cannot read is a note, not a stop */
			if (ak_errcode() != AK_EXIT_DATAERR)
				rc = -1;
			continue;
		}
		json_array_foreach(advs, j, adv) {
			json_t *f = dep_finding(dep, adv, path);

			if (!f || scanner_add_finding(sc, f) < 0) {
				rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
				break;
			}
		}
		json_decref(advs);
	}
	lockfile_deps_release(&list);
	return rc;
}

void deps_attach(struct deps *d, struct scanner *sc)
{
	if (d)
		scanner_on_file(sc, is_lockfile, on_lockfile, d);
}

static void warn_record(const char *msg, void *ctx)
{
	(void)ctx;
	log_warn("%s", msg);
}

int deps_import(const char *spec, int argc, char **argv)
{
	struct store *s;
	int rc = 0;

	spec = store_spec(spec);
	if (!spec || !*spec)
		return ak_error(AK_EXIT_USAGE, "db import needs a store: --store or AGENTKIT_STORE");
	if (!(s = store_open(spec, NULL)))
		return -1;
	for (int i = 0; rc == 0 && i < argc; i++) {
		struct osv_import_stats st = OSV_IMPORT_STATS_INIT;

		st.warn = warn_record;
		rc = osv_import(s, argv[i], &st);
		if (rc == 0)
			fprintf(stderr,
				"%s: %ld records: %ld imported (%ld new or newer, %ld merged), "
				"%ld withdrawn, %ld of other ecosystems, %ld malformed\n",
				argv[i], st.records, st.imported, st.updated, st.merged,
				st.withdrawn, st.other_ecosystem, st.malformed);
	}
	store_close(s);
	return rc;
}
