/*
 * artifact.c - package a directory as a reproducible .tar.gz.
 *
 * Two passes: the tree is walked first (lstat only, nothing followed) into
 * a list of entries that is sorted bytewise by path, so the order never
 * depends on readdir; then the list is written through libarchive. Every
 * piece of metadata that could differ between two machines or two runs is
 * replaced by a fixed value before it reaches the archive (see artifact.h).
 * The compressed bytes are hashed as they are written, so the digest costs
 * no second read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "buf.h"
#include "deploy/artifact.h"
#include "error.h"
#include "log.h"
#include "banned.h"

struct pack_entry {
	char *rel;          /* path relative to dir */
	mode_t type;        /* S_IFREG, S_IFDIR or S_IFLNK */
	mode_t perm;        /* normalised */
	off_t size;         /* regular files */
	char *target;       /* symbolic links */
};

struct pack_walk {
	const struct artifact_pack_opts *o;
	struct pack_entry *v;
	size_t n, alloc;
	size_t max;
	unsigned long long content;
	unsigned long files, skipped;
	int skip_out;       /* an older o->out inside dir is not packed */
	dev_t out_dev;
	ino_t out_ino;
};

/* The hashing sink libarchive writes the compressed stream into. */
struct pack_sink {
	int fd;
	const char *path;
	EVP_MD_CTX *md;
	unsigned long long bytes;
	int err;            /* errno of a failed write, 0 */
};

/* "a/b" (or "b" when a is empty), malloc'd; NULL with ak_error. */
static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);

	if (!s) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	if (*a)
		snprintf(s, n, "%s/%s", a, b);
	else
		snprintf(s, n, "%s", b);
	return s;
}

static int excluded(const struct artifact_pack_opts *o, const char *rel, const char *name)
{
	for (const char *const *g = o->exclude; g && *g; g++)
		if (!fnmatch(*g, rel, 0) || !fnmatch(*g, name, 0))
			return 1;
	return 0;
}

static void walk_release(struct pack_walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].rel);
		free(w->v[i].target);
	}
	free(w->v);
	w->v = NULL;
	w->n = w->alloc = 0;
}

static struct pack_entry *walk_add(struct pack_walk *w)
{
	if (w->n == w->alloc) {
		size_t alloc = w->alloc ? 2 * w->alloc : 64;
		struct pack_entry *v = realloc(w->v, alloc * sizeof(*v));

		if (!v) {
			ak_error(AK_EXIT_SOFTWARE, "out of memory");
			return NULL;
		}
		w->v = v;
		w->alloc = alloc;
	}
	memset(&w->v[w->n], 0, sizeof(w->v[0]));
	return &w->v[w->n++];
}

static int read_link(const char *full, off_t size, char **target)
{
	size_t cap = size > 0 && size < 65536 ? (size_t)size + 1 : 4096;
	char *s = malloc(cap);
	ssize_t n;

	if (!s)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	n = readlink(full, s, cap);
	if (n < 0 || (size_t)n >= cap) {
		free(s);
		if (n < 0)
			return ak_error(AK_EXIT_IOERR, "cannot read link '%s': %s",
					full, strerror(errno));
		return ak_error(AK_EXIT_DATAERR, "link '%s' changed while packaging", full);
	}
	s[n] = '\0';
	*target = s;
	return 0;
}

static int walk_dir(struct pack_walk *w, const char *rel);

/* Links 0777 (as ln makes them); folders and anything executable 0755; else 0644. */
static mode_t normal_perm(mode_t mode)
{
	if (S_ISLNK(mode))
		return 0777;
	return S_ISDIR(mode) || (mode & 0111) ? 0755 : 0644;
}

/* One directory entry: added to the list (directories walked), or skipped. */
static int walk_one(struct pack_walk *w, const char *rel)
{
	char *full = path_join(w->o->dir, rel);
	struct pack_entry *e;
	struct stat st;
	int ret = -1;

	if (!full)
		return -1;
	if (lstat(full, &st) < 0) {
		ak_error(AK_EXIT_IOERR, "cannot stat '%s': %s", full, strerror(errno));
		goto out;
	}
	if (w->skip_out && st.st_dev == w->out_dev && st.st_ino == w->out_ino) {
		ret = 0;
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
		log_warn("skipping '%s': not a file, directory or symbolic link", full);
		w->skipped++;
		ret = 0;
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		w->content += (unsigned long long)st.st_size;
		if (w->content > w->max) {
			ak_error(AK_EXIT_DATAERR, "'%s' holds more than %zu bytes",
				 w->o->dir, w->max);
			goto out;
		}
		w->files++;
	}
	if (!(e = walk_add(w)))
		goto out;
	e->rel = strdup(rel);
	e->type = st.st_mode & S_IFMT;
	e->perm = normal_perm(st.st_mode);
	e->size = S_ISREG(st.st_mode) ? st.st_size : 0;
	if (!e->rel) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto out;
	}
	if (S_ISLNK(st.st_mode) && read_link(full, st.st_size, &e->target) < 0)
		goto out;
	ret = S_ISDIR(st.st_mode) ? walk_dir(w, rel) : 0;
out:
	free(full);
	return ret;
}

static int walk_dir(struct pack_walk *w, const char *rel)
{
	char *full = path_join(w->o->dir, rel);
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (!full)
		return -1;
	if (!(d = opendir(full))) {
		ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", full, strerror(errno));
		free(full);
		return -1;
	}
	errno = 0;
	while (!ret && (de = readdir(d))) {
		char *child;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!(child = path_join(rel, de->d_name))) {
			ret = -1;
			break;
		}
		if (!excluded(w->o, child, de->d_name))
			ret = walk_one(w, child);
		free(child);
		errno = 0;
	}
	if (!ret && errno)
		ret = ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", full, strerror(errno));
	closedir(d);
	free(full);
	return ret;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct pack_entry *x = a, *y = b;

	return strcmp(x->rel, y->rel);
}

static la_ssize_t sink_write(struct archive *a, void *data, const void *p, size_t n)
{
	struct pack_sink *s = data;
	const char *c = p;
	size_t done = 0;

	while (done < n) {
		ssize_t k = write(s->fd, c + done, n - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			s->err = errno;
			archive_set_error(a, errno, "write error");
			return -1;
		}
		done += (size_t)k;
	}
	EVP_DigestUpdate(s->md, p, n);
	s->bytes += n;
	return (la_ssize_t)n;
}

static int archive_fail(struct archive *a, const struct pack_sink *s)
{
	if (s->err)
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", s->path,
				strerror(s->err));
	return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", s->path,
			archive_error_string(a) ? archive_error_string(a) : "archive error");
}

/* Copy exactly e->size bytes of the file into the archive. */
static int copy_file(struct archive *a, const struct pack_sink *s,
		     const char *full, const struct pack_entry *e)
{
	char buf[65536];
	long long left = e->size;
	struct stat st;
	int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", full, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != e->size) {
		close(fd);
		return ak_error(AK_EXIT_DATAERR, "'%s' changed while packaging", full);
	}
	while (!ret && left > 0) {
		n = read(fd, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", full, strerror(errno));
		else if (n == 0)
			ret = ak_error(AK_EXIT_DATAERR, "'%s' changed while packaging", full);
		else if (archive_write_data(a, buf, (size_t)n) != n)
			ret = archive_fail(a, s);
		else
			left -= n;
	}
	if (!ret && read(fd, buf, 1) != 0)
		ret = ak_error(AK_EXIT_DATAERR, "'%s' changed while packaging", full);
	close(fd);
	return ret;
}

static int write_entry(struct archive *a, const struct pack_sink *s,
		       const struct artifact_pack_opts *o, const struct pack_entry *e)
{
	struct archive_entry *ae = archive_entry_new();
	char *name = o->prefix ? path_join(o->prefix, e->rel) : strdup(e->rel);
	char *full = path_join(o->dir, e->rel);
	int ret = 0;

	if (!ae || !name || !full) {
		ret = ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto out;
	}
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, e->type);
	archive_entry_set_perm(ae, e->perm);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, (time_t)o->mtime, 0);
	archive_entry_set_size(ae, e->type == S_IFREG ? e->size : 0);
	if (e->type == S_IFLNK)
		archive_entry_set_symlink(ae, e->target);
	if (archive_write_header(a, ae) < ARCHIVE_WARN)
		ret = archive_fail(a, s);
	else if (e->type == S_IFREG)
		ret = copy_file(a, s, full, e);
out:
	archive_entry_free(ae);
	free(name);
	free(full);
	return ret;
}

/* The top folder named by the prefix, first in the archive. */
static int write_prefix(struct archive *a, const struct pack_sink *s,
			const struct artifact_pack_opts *o)
{
	struct archive_entry *ae = archive_entry_new();
	int ret = 0;

	if (!ae)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	archive_entry_set_pathname(ae, o->prefix);
	archive_entry_set_filetype(ae, AE_IFDIR);
	archive_entry_set_perm(ae, 0755);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, (time_t)o->mtime, 0);
	if (archive_write_header(a, ae) < ARCHIVE_WARN)
		ret = archive_fail(a, s);
	archive_entry_free(ae);
	return ret;
}

static int non_ascii(const char *p)
{
	for (; p && *p; p++)
		if ((unsigned char)*p >= 0x80)
			return 1;
	return 0;
}

/* Whether a name in the archive would not be plain ASCII. */
static int any_non_ascii(const struct pack_walk *w)
{
	if (non_ascii(w->o->prefix))
		return 1;
	for (size_t i = 0; i < w->n; i++)
		if (non_ascii(w->v[i].rel))
			return 1;
	return 0;
}

static struct archive *archive_setup(struct pack_sink *s, int binary_names)
{
	struct archive *a = archive_write_new();

	if (!a)
		return NULL;
	/*
	 * No time in the gzip header; a fixed level, whatever the default.
	 * Names that are not ASCII are stored as the bytes they are
	 * ("hdrcharset=BINARY"): a conversion would depend on the locale.
	 * Only then, as the option marks every entry, and tar warns of it.
	 */
	if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "compression-level", "9") != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    (binary_names &&
	     archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK) ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, s, NULL, sink_write, NULL) != ARCHIVE_OK) {
		archive_fail(a, s);
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* Write the sorted entries into the open temporary file. */
static int write_archive(struct pack_walk *w, struct pack_sink *s, char digest[65])
{
	const struct artifact_pack_opts *o = w->o;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct archive *a;
	int ret = 0;

	if (!(s->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(s->md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(s->md);
		return ak_error(AK_EXIT_SOFTWARE, "cannot set up SHA-256");
	}
	if (!(a = archive_setup(s, any_non_ascii(w)))) {
		EVP_MD_CTX_free(s->md);
		return -1;
	}
	if (o->prefix)
		ret = write_prefix(a, s, o);
	for (size_t i = 0; !ret && i < w->n; i++)
		ret = write_entry(a, s, o, &w->v[i]);
	if (!ret && archive_write_close(a) != ARCHIVE_OK)
		ret = archive_fail(a, s);
	archive_write_free(a);
	if (!ret && !EVP_DigestFinal_ex(s->md, md, &mdlen))
		ret = ak_error(AK_EXIT_SOFTWARE, "cannot compute SHA-256");
	EVP_MD_CTX_free(s->md);
	if (!ret)
		hex_encode(md, mdlen < 32 ? mdlen : 32, digest);
	return ret;
}

static int check_opts(const struct artifact_pack_opts *o)
{
	struct stat st;

	if (!o->dir || !*o->dir || !o->out || !*o->out)
		return ak_error(AK_EXIT_USAGE, "artifact: a directory and an output file are needed");
	if (o->prefix && (!*o->prefix || strchr(o->prefix, '/') ||
			  !strcmp(o->prefix, ".") || !strcmp(o->prefix, "..")))
		return ak_error(AK_EXIT_USAGE, "bad archive prefix '%s'", o->prefix);
	if (stat(o->dir, &st) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", o->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ak_error(AK_EXIT_USAGE, "'%s' is not a directory", o->dir);
	return 0;
}

/* Write, sync and rename the temporary file; on failure remove it. */
static int write_out(struct pack_walk *w, struct artifact_pack_result *r)
{
	const struct artifact_pack_opts *o = w->o;
	size_t n = strlen(o->out) + 16;
	struct pack_sink s = { -1, o->out, NULL, 0, 0 };
	char *tmp = malloc(n);
	int ret;

	if (!tmp)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	snprintf(tmp, n, "%s.tmp.XXXXXX", o->out);
	if ((s.fd = mkstemp(tmp)) < 0) {
		ret = ak_error(AK_EXIT_IOERR, "cannot create '%s': %s", o->out, strerror(errno));
		free(tmp);
		return ret;
	}
	ret = write_archive(w, &s, r->sha256);
	if (!ret && (fchmod(s.fd, 0644) < 0 || fsync(s.fd) < 0))
		ret = ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", o->out, strerror(errno));
	if (close(s.fd) < 0 && !ret)
		ret = ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", o->out, strerror(errno));
	if (!ret && rename(tmp, o->out) < 0)
		ret = ak_error(AK_EXIT_IOERR, "cannot rename '%s' to '%s': %s", tmp, o->out,
			       strerror(errno));
	if (ret)
		unlink(tmp);
	free(tmp);
	r->bytes = s.bytes;
	return ret;
}

int artifact_pack(const struct artifact_pack_opts *o, struct artifact_pack_result *r)
{
	struct pack_walk w = { 0 };
	struct artifact_pack_result local;
	struct stat st;
	int ret;

	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	if (check_opts(o) < 0)
		return -1;
	w.o = o;
	w.max = o->max_bytes ? o->max_bytes : ARTIFACT_DEFAULT_MAX;
	if (!lstat(o->out, &st)) {
		w.skip_out = 1;
		w.out_dev = st.st_dev;
		w.out_ino = st.st_ino;
	}
	ret = walk_dir(&w, "");
	if (!ret && w.n)
		qsort(w.v, w.n, sizeof(*w.v), entry_cmp);
	if (!ret)
		ret = write_out(&w, r);
	if (!ret) {
		r->files = w.files;
		r->content_bytes = w.content;
		r->skipped = w.skipped;
	} else {
		memset(r, 0, sizeof(*r));
	}
	walk_release(&w);
	return ret;
}

int artifact_sha256_file(const char *path, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, ret = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path, strerror(errno));
	if (!(ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		close(fd);
		return ak_error(AK_EXIT_SOFTWARE, "cannot set up SHA-256");
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	if (!ret && !EVP_DigestFinal_ex(ctx, md, &mdlen))
		ret = ak_error(AK_EXIT_SOFTWARE, "cannot compute SHA-256");
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (!ret)
		hex_encode(md, mdlen < 32 ? mdlen : 32, out);
	return ret;
}

int artifact_verify(const char *path, const char *sha256)
{
	char got[65];
	size_t i;

	for (i = 0; sha256 && sha256[i]; i++)
		if (!strchr("0123456789abcdefABCDEF", sha256[i]))
			break;
	if (!sha256 || i != 64 || sha256[i])
		return ak_error(AK_EXIT_USAGE, "'%s' is not a SHA-256 digest",
				sha256 ? sha256 : "");
	if (artifact_sha256_file(path, got) < 0)
		return -1;
	return !strcasecmp(got, sha256);
}
