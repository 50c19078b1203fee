/*
 * scan.h - what agent-secscan reads and what it makes of the hits.
 *
 * A scanner feeds the engine: files of a directory tree (memory-mapped,
 * both cores busy, binaries, special files and files over the size limit
 * skipped with a note), buffers (stdin), and git history (git.c: every
 * unique blob once, its provenance attached afterwards). It folds the
 * hits into findings (finding.h): one per (rule, secret) with all its
 * locations, the secret itself kept only as a hash and a redacted prefix.
 */
#ifndef AK_SECSCAN_SCAN_H
#define AK_SECSCAN_SCAN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "secscan/engine.h"

struct scan_opts {
	uint64_t max_file;        /* larger files are skipped (0: no limit) */
	int gitignore;            /* leave out what .gitignore leaves out */
	int threads;              /* 0: one per core */
	int progress;             /* a progress bar on stderr (a terminal only) */
	const char *const *exclude;   /* fnmatch patterns on names and paths, NULL-terminated */
	/* git history */
	int all;                  /* every ref, not just HEAD */
	const char *branch;       /* this branch or revision, not HEAD */
	int64_t since;            /* commits from this time (seconds) on; INT64_MIN: all */
};

#define SCAN_OPTS_INIT { 0, 0, 0, 0, NULL, 0, NULL, INT64_MIN }

/* Where a buffer came from, for its locations. Strings borrowed. */
struct provenance {
	const char *path;
	const char *commit, *author, *date, *blob;   /* git history only, else NULL */
};

struct scanner;

/* e is borrowed and must outlive the scanner. NULL with ak_error on ENOMEM. */
struct scanner *scanner_new(const struct engine *e, const struct scan_opts *o);
void scanner_free(struct scanner *sc);

/*
 * Scan one buffer. Thread-safe: the scanner's own threads call it, each
 * with its own scratch (NULL: the scanner's main scratch, for one thread).
 * 0, or -1 with ak_error.
 */
int scanner_scan_buffer(struct scanner *sc, struct engine_scratch *scratch,
			const struct provenance *pv, const char *buf, size_t len);

/*
 * Scan a file or a directory tree. Paths in findings are relative to
 * root when it is a directory (prefixed with prefix, if not NULL), the
 * given path when it is a file. Symbolic links are not followed (so no
 * loop can trap the walk); unreadable entries, FIFOs, devices and sockets
 * are skipped with a note; nothing blocks. 0, or -1
 * with ak_error when root itself cannot be read.
 */
int scanner_scan_tree(struct scanner *sc, const char *root, const char *prefix);

/* Scan the history of the repository at path (git.c). 0 or -1. */
int scanner_scan_git(struct scanner *sc, const char *path);

/* Read all of fd (stdin) and scan it as name. 0 or -1. */
int scanner_scan_fd(struct scanner *sc, int fd, const char *name);

/*
 * The findings so far: a new array, most severe first, then by path and
 * line of the first location, then by rule. The scanner keeps its own.
 */
json_t *scanner_findings(struct scanner *sc);

/* New reference: {files, bytes, blobs, commits, skipped: {binary, large,
 * special, unreadable}, notes: [{path, reason}] (at most 100)}. */
json_t *scanner_stats(struct scanner *sc);

/* Note a file left out (thread-safe). */
void scanner_note(struct scanner *sc, const char *path, const char *reason);

/* Count a buffer scanned, for the statistics (scanner_scan_buffer does). */
void scanner_count(struct scanner *sc, uint64_t bytes);

/*
 * Have fn read the files (of trees and stdin, not of history) whose path
 * want accepts, besides the engine: the dependency check reads lockfiles
 * this way. Calls to fn are serialised. fn returns 0, or -1 to stop.
 */
typedef int (*scanner_file_fn)(void *ctx, struct scanner *sc, const char *path,
			       const char *buf, size_t len);
void scanner_on_file(struct scanner *sc, int (*want)(const char *path), scanner_file_fn fn,
		     void *ctx);

/* Add a finding made elsewhere (stolen), merged with one of the same
 * fingerprint. 0, or -1 with ak_error. */
int scanner_add_finding(struct scanner *sc, json_t *f);

/* Count the commits walked and the unique blobs found, for the statistics. */
void scanner_add_history(struct scanner *sc, uint64_t commits, uint64_t blobs);

/* The options the scanner runs with, and its engine. */
const struct scan_opts *scanner_opts(const struct scanner *sc);
const struct engine *scanner_engine(const struct scanner *sc);

/* Worker threads to use for n items. */
int scanner_threads(const struct scanner *sc, size_t n);

/*
 * The first error of a pool of threads: kept (message and class) so that
 * the thread that waits for them reports it. Lock-free to test.
 */
struct first_error {
	pthread_mutex_t mu;
	atomic_int failed;
	char msg[512];
	int code;
};

void first_error_init(struct first_error *fe);
/* Keep the calling thread's ak_error if it is the first. */
void first_error_set(struct first_error *fe);
int first_error_failed(struct first_error *fe);
/* Release fe; 0, or -1 with the first error recorded again (ak_error). */
int first_error_release(struct first_error *fe);

/* Whether buf looks binary (a NUL among its first 8000 bytes). */
int looks_binary(const char *buf, size_t len);

#endif
