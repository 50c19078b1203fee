/*
 * workspace.h - where agents put the files they make.
 *
 * A workspace is a directory (--workspace, AGENTKIT_WORKSPACE, default
 * ./agentkit-work). Every file is written atomically (a temporary file in
 * the same directory, fsync, rename) and never outside the root: a path
 * that is absolute, has a ".." or empty component, or passes through a
 * symbolic link is refused, whatever a name, a template or a model says.
 * Directories are opened one component at a time with O_NOFOLLOW, so a
 * link planted inside the workspace cannot redirect a write.
 *
 * Each write yields an artifact record {path, sha256, bytes, media_type}
 * as events carry it in data.artifacts[].
 */
#ifndef AK_WORKSPACE_H
#define AK_WORKSPACE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct workspace;

struct artifact {
	char *path;          /* relative to the workspace root */
	char sha256[65];     /* lowercase hex */
	uint64_t bytes;
	const char *media_type;  /* static string */
};

/*
 * Open (and create, with parents, mode 0777 & ~umask) the workspace rooted
 * at root. Returns NULL with ak_error on failure.
 */
struct workspace *workspace_open(const char *root);
void workspace_free(struct workspace *ws);
const char *workspace_root(const struct workspace *ws);

/*
 * Check that relpath is a safe relative path: not empty, not absolute, no
 * "." / ".." / empty components, no NUL, no backslash, at most 4096 bytes.
 * Returns 0, or -1 with ak_error (class AK_EXIT_DATAERR).
 */
int workspace_check_path(const char *relpath);

/*
 * Make ready for a program of the caller's (an archiver, a hook) to write
 * relpath itself: the path is checked, its directories are made as
 * workspace_write makes them, and *abs gets its absolute path (malloc'd,
 * the caller frees it). 0, or -1 with ak_error as workspace_write.
 */
int workspace_prepare(struct workspace *ws, const char *relpath, char **abs);

/*
 * Write len bytes to relpath under the workspace, creating directories as
 * needed, atomically. On success fills *art (if not NULL; release it with
 * artifact_release) and returns 0. On failure returns -1 with ak_error
 * (AK_EXIT_DATAERR for a refused path, AK_EXIT_IOERR for a write error,
 * ENOSPC included) and leaves no partial file behind.
 */
int workspace_write(struct workspace *ws, const char *relpath,
		    const void *buf, size_t len, struct artifact *art);

/* Read a file under the workspace (same path rules); *buf is malloc'd and
 * NUL-terminated, owned by the caller. Returns 0 or -1 with ak_error. */
int workspace_read(struct workspace *ws, const char *relpath,
		   char **buf, size_t *len);

void artifact_release(struct artifact *art);

/* New reference: {"path":..,"sha256":..,"bytes":..,"media_type":..}. */
json_t *artifact_to_json(const struct artifact *art);

/* The media type for a file name by its extension
 * ("application/json", "text/markdown", ..., "application/octet-stream"). */
const char *media_type_for(const char *name);

/* SHA-256 of a buffer as 64 lowercase hex digits plus NUL (libcrypto). */
void sha256_hex(const void *buf, size_t len, char out[65]);

#endif
