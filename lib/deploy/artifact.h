/*
 * artifact.h - the release artifact: a directory packaged as a
 * reproducible .tar.gz, and a check of one against its SHA-256.
 *
 * The same tree gives the same bytes whoever packs it, whenever, with
 * whatever umask and file times: entries in bytewise order of their path,
 * restricted pax format, owner 0:0 without names, modes normalised (0755
 * for directories and anything executable, 0644 otherwise), one mtime for
 * every entry, no atime, ctime, xattrs or ACLs, and a gzip header without
 * a time or a file name. Names are stored as their bytes, whatever the
 * locale (a name that is not ASCII gets "hdrcharset=BINARY"). Symbolic links are stored as links, never
 * followed; sockets, FIFOs and devices are skipped with a warning.
 */
#ifndef AK_DEPLOY_ARTIFACT_H
#define AK_DEPLOY_ARTIFACT_H

#include <stddef.h>

struct artifact_pack_opts {
	const char *dir;            /* the tree to package */
	const char *out;            /* the .tar.gz, written atomically */
	const char *prefix;         /* top folder in the archive (no '/'); NULL: none */
	long long mtime;            /* every entry's mtime (SOURCE_DATE_EPOCH or fixed) */
	/*
	 * fnmatch(3) globs, NULL-terminated (or NULL): an entry is left out,
	 * with all it holds, when one matches its path relative to dir or
	 * its own name ("node_modules", ".git", "*.pyc", "build/tmp*").
	 */
	const char *const *exclude;
	size_t max_bytes;           /* limit on the content (file bytes); 0: 4 GiB */
};

#define ARTIFACT_PACK_OPTS_INIT { NULL, NULL, NULL, 0, NULL, 0 }

#define ARTIFACT_DEFAULT_MAX ((size_t)4 << 30)

struct artifact_pack_result {
	char sha256[65];                /* of the .tar.gz, lowercase hex */
	unsigned long long bytes;       /* size of the .tar.gz */
	unsigned long files;            /* regular files stored */
	unsigned long long content_bytes; /* their total size */
	unsigned long skipped;          /* sockets, FIFOs and devices left out */
};

/*
 * Package o->dir into o->out (a temporary file in the same folder, renamed
 * into place). r may be NULL. Returns 0, or -1 with ak_error:
 * AK_EXIT_USAGE for bad options, AK_EXIT_DATAERR when the content passes
 * max_bytes or a file changes while it is read, AK_EXIT_IOERR for a read
 * or write error. On failure nothing is left at o->out (a file already
 * there is not touched) and no temporary file remains.
 */
int artifact_pack(const struct artifact_pack_opts *o, struct artifact_pack_result *r);

/*
 * Compare the SHA-256 of the file at path with sha256 (64 hex digits,
 * either case). Returns 1 on a match, 0 on a mismatch, -1 with ak_error
 * when the file cannot be read (AK_EXIT_IOERR) or sha256 is not a digest
 * (AK_EXIT_USAGE).
 */
int artifact_verify(const char *path, const char *sha256);

/* The SHA-256 of a file as lowercase hex into out. 0, or -1 with ak_error. */
int artifact_sha256_file(const char *path, char out[65]);

#endif
