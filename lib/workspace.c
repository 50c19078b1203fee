/*
 * workspace.c - safe, atomic writes of agent output under one directory.
 *
 * The root is opened once as a directory descriptor and every later
 * operation is relative to it. A relative path is first checked as text
 * (workspace_check_path) and then walked one component at a time with
 * openat(O_NOFOLLOW): checking the text alone would not stop a symbolic
 * link planted inside the workspace from leading a write elsewhere, and
 * resolving a whole path string at once would follow such a link.
 *
 * A write goes to a fresh temporary file in the target's own directory,
 * is fsynced, and is renamed over the final name, so a reader sees the
 * old content or the new, never a part. rename() replaces a symbolic link
 * at the final name rather than following it, which is what we want.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "error.h"
#include "workspace.h"
#include "banned.h"

#define WS_PATH_MAX 4096
/* workspace_read refuses bigger files so no file can exhaust memory. */
#define WS_READ_MAX ((size_t)256 << 20)
/* The name part of a temporary file is cut so ".NAME.tmpXXXXXX" fits. */
#define WS_TMP_NAME_MAX 200
#define WS_TMP_TRIES 100

struct workspace {
	char *root;
	int fd;
};

/*
 * Copy path into out for an error message, with control bytes shown as
 * '?' so a hostile name cannot put escape sequences on a terminal, and cut
 * with "..." when it does not fit.
 */
static const char *printable(const char *path, char *out, size_t n)
{
	size_t i;

	for (i = 0; path[i] && i + 1 < n; i++) {
		unsigned char c = (unsigned char)path[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[i] = '\0';
	if (path[i] && n >= 4)
		memcpy(out + n - 4, "...", 4);
	return out;
}

/* Whether path names a directory; errno is left as it was. */
static int is_dir(const char *path)
{
	struct stat st;
	int e = errno, r;

	r = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	errno = e;
	return r;
}

/* mkdir -p: create root and any missing parents; existing ones are fine. */
static int mkdir_parents(const char *root)
{
	size_t len = strlen(root);
	char *p = strdup(root);
	size_t i;

	if (!p)
		return ak_error(AK_EXIT_SOFTWARE, "cannot create '%s': %s",
				root, strerror(ENOMEM));
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (p[i - 1] == '/')
			continue;	/* "a//b" or a trailing slash */
		p[i] = '\0';
		/* an existing directory on a read-only mount gives EROFS or
		 * EACCES, not EEXIST */
		if (mkdir(p, 0777) < 0 && errno != EEXIST && !is_dir(p)) {
			ak_error(AK_EXIT_IOERR, "cannot create '%s': %s",
				 p, strerror(errno));
			free(p);
			return -1;
		}
		if (i < len)
			p[i] = '/';
	}
	free(p);
	return 0;
}

/*
 * Returns a workspace owning a directory descriptor on root, or NULL with
 * ak_error (AK_EXIT_USAGE for an empty root, AK_EXIT_IOERR when the
 * directory cannot be created or opened). The root itself may be a
 * symbolic link: the user chose it; only paths under it are policed.
 */
struct workspace *workspace_open(const char *root)
{
	struct workspace *ws;
	int fd;

	if (!root || !*root) {
		ak_error(AK_EXIT_USAGE, "the workspace root is empty");
		return NULL;
	}
	if (mkdir_parents(root) < 0)
		return NULL;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ak_error(AK_EXIT_IOERR, "cannot open workspace '%s': %s",
			 root, strerror(errno));
		return NULL;
	}
	ws = calloc(1, sizeof(*ws));
	if (!ws || !(ws->root = strdup(root))) {
		free(ws);
		close(fd);
		ak_error(AK_EXIT_SOFTWARE, "cannot open workspace '%s': %s",
			 root, strerror(ENOMEM));
		return NULL;
	}
	ws->fd = fd;
	return ws;
}

void workspace_free(struct workspace *ws)
{
	if (!ws)
		return;
	close(ws->fd);
	free(ws->root);
	free(ws);
}

/* Borrowed; valid until workspace_free. */
const char *workspace_root(const struct workspace *ws)
{
	return ws->root;
}

/*
 * Besides the rules in the header, DEL (0x7f) counts as a control byte,
 * and a component longer than NAME_MAX is refused here rather than left
 * to fail halfway through a walk.
 */
int workspace_check_path(const char *relpath)
{
	char shown[256];
	const char *comp, *p;
	size_t len;

	if (!relpath || !*relpath)
		return ak_error(AK_EXIT_DATAERR, "refusing an empty path");
	len = strlen(relpath);
	printable(relpath, shown, sizeof(shown));
	if (len > WS_PATH_MAX)
		return ak_error(AK_EXIT_DATAERR,
				"refusing path '%s': longer than %d bytes",
				shown, WS_PATH_MAX);
	for (p = relpath; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': it contains a control character",
					shown);
		if (c == '\\')
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': it contains a backslash",
					shown);
	}
	if (relpath[0] == '/')
		return ak_error(AK_EXIT_DATAERR,
				"refusing path '%s': it is absolute", shown);
	for (comp = relpath;; comp = p + 1) {
		size_t n;

		p = strchr(comp, '/');
		n = p ? (size_t)(p - comp) : strlen(comp);
		if (n == 0)
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': it has an empty component",
					shown);
		if (n == 2 && comp[0] == '.' && comp[1] == '.')
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': it leaves the workspace",
					shown);
		if (n == 1 && comp[0] == '.')
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': it has a '.' component",
					shown);
		if (n > NAME_MAX)
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': a component is longer than %d bytes",
					shown, NAME_MAX);
		if (!p)
			break;
	}
	return 0;
}

/*
 * Open the directory that holds relpath's last component, walking from the
 * root without following links; with create, missing directories are made.
 * On success returns a descriptor the caller closes and points *base at
 * the last component inside relpath. Returns -1 with ak_error otherwise.
 */
static int walk_parent(struct workspace *ws, const char *relpath, int create,
		       const char **base)
{
	char comp[NAME_MAX + 1];
	const char *start = relpath, *slash;
	int dirfd;

	dirfd = fcntl(ws->fd, F_DUPFD_CLOEXEC, 3);
	if (dirfd < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s",
				relpath, strerror(errno));
	while ((slash = strchr(start, '/'))) {
		size_t n = (size_t)(slash - start);
		int fd, e;
		struct stat st;

		/* workspace_check_path bounded n by NAME_MAX */
		memcpy(comp, start, n);
		comp[n] = '\0';
		fd = openat(dirfd, comp,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			/* someone else may create it first: that is fine */
			if (mkdirat(dirfd, comp, 0777) < 0 && errno != EEXIST)
				goto fail;
			fd = openat(dirfd, comp, O_RDONLY | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			e = errno;
			if ((e == ELOOP || e == ENOTDIR) &&
			    fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				if (S_ISLNK(st.st_mode)) {
					ak_error(AK_EXIT_DATAERR,
						 "refusing path '%s': '%.*s' is a symbolic link",
						 relpath, (int)(slash - relpath),
						 relpath);
					close(dirfd);
					return -1;
				}
				if (!S_ISDIR(st.st_mode)) {
					ak_error(AK_EXIT_IOERR,
						 "cannot use path '%s': '%.*s' is not a directory",
						 relpath, (int)(slash - relpath),
						 relpath);
					close(dirfd);
					return -1;
				}
			}
			errno = e;
			goto fail;
		}
		close(dirfd);
		dirfd = fd;
		start = slash + 1;
	}
	*base = start;
	return dirfd;
fail:
	ak_error(AK_EXIT_IOERR, "cannot %s '%s': %s",
		 create ? "write" : "read", relpath, strerror(errno));
	close(dirfd);
	return -1;
}

int workspace_prepare(struct workspace *ws, const char *relpath, char **abs)
{
	const char *base;
	char *root;
	struct buf b = BUF_INIT;
	int dirfd;

	*abs = NULL;
	if (workspace_check_path(relpath) < 0)
		return -1;
	if ((dirfd = walk_parent(ws, relpath, 1, &base)) < 0)
		return -1;
	close(dirfd);
	if (!(root = realpath(ws->root, NULL)))
		return ak_error(AK_EXIT_IOERR, "cannot find workspace '%s': %s", ws->root,
				strerror(errno));
	if (buf_addf(&b, "%s/%s", root, relpath) < 0) {
		free(root);
		buf_release(&b);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	free(root);
	*abs = buf_detach(&b, NULL);
	return 0;
}

/* Fill s with n random letters and digits; weak randomness is acceptable
 * because O_EXCL, not the name, is what keeps the temporary file ours. */
static void random_suffix(char *s, size_t n)
{
	static const char set[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned counter;
	unsigned char r[16];
	size_t i;

	if (n > sizeof(r))
		n = sizeof(r);
	if (getrandom(r, n, GRND_NONBLOCK) != (ssize_t)n) {
		unsigned long x = (unsigned long)time(NULL) ^
			((unsigned long)getpid() << 16) ^ (counter++ * 2654435761u);

		for (i = 0; i < n; i++, x = x * 6364136223846793005ul + 1)
			r[i] = (unsigned char)(x >> 33);
	}
	for (i = 0; i < n; i++)
		s[i] = set[r[i] % (sizeof(set) - 1)];
	s[n] = '\0';
}

/* Write all of buf to fd, retrying short writes and EINTR. 0 or -1/errno. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * See the header. *art is written only on success. The new file's mode is
 * 0666 & ~umask; an existing file's mode is not kept, since the file is a
 * new one that takes the old name.
 */
int workspace_write(struct workspace *ws, const char *relpath,
		    const void *buf, size_t len, struct artifact *art)
{
	char tmp[WS_TMP_NAME_MAX + 32];
	char suffix[7];
	const char *base;
	char *path_copy = NULL;
	int dirfd, fd = -1, tries, e;

	if (workspace_check_path(relpath) < 0)
		return -1;
	if (len > 0 && !buf)
		return ak_error(AK_EXIT_SOFTWARE,
				"cannot write '%s': no buffer", relpath);
	if (art && !(path_copy = strdup(relpath)))
		return ak_error(AK_EXIT_SOFTWARE, "cannot write '%s': %s",
				relpath, strerror(ENOMEM));
	dirfd = walk_parent(ws, relpath, 1, &base);
	if (dirfd < 0) {
		free(path_copy);
		return -1;
	}

	for (tries = 0; tries < WS_TMP_TRIES; tries++) {
		random_suffix(suffix, sizeof(suffix) - 1);
		snprintf(tmp, sizeof(tmp), ".%.*s.tmp%s",
			 WS_TMP_NAME_MAX, base, suffix);
		fd = openat(dirfd, tmp, O_CREAT | O_EXCL | O_WRONLY |
			    O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto fail_unlink;
	}
	/* NFS and full disks can report a lost write only here */
	if (close(fd) < 0) {
		e = errno;
		goto fail_unlink;
	}
	if (renameat(dirfd, tmp, dirfd, base) < 0) {
		e = errno;
		goto fail_unlink;
	}
	/*
	 * Make the new name durable. The file is complete and in place
	 * whatever happens here, so a failure is not reported: some file
	 * systems refuse fsync on a directory.
	 */
	(void)fsync(dirfd);
	close(dirfd);

	if (art) {
		art->path = path_copy;
		sha256_hex(buf, len, art->sha256);
		art->bytes = len;
		art->media_type = media_type_for(relpath);
	}
	return 0;

fail_unlink:
	unlinkat(dirfd, tmp, 0);
fail:
	close(dirfd);
	free(path_copy);
	return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s",
			relpath, strerror(e));
}

/*
 * See the header. Only regular files are read (a FIFO would block, a
 * device could be endless), and at most WS_READ_MAX bytes. On failure
 * *buf and *len are unchanged.
 */
int workspace_read(struct workspace *ws, const char *relpath,
		   char **buf, size_t *len)
{
	const char *base;
	struct stat st;
	char *data = NULL;
	size_t cap, used = 0;
	int dirfd, fd, e;

	if (workspace_check_path(relpath) < 0)
		return -1;
	dirfd = walk_parent(ws, relpath, 0, &base);
	if (dirfd < 0)
		return -1;
	/* O_NONBLOCK so opening a FIFO cannot hang before fstat sees it */
	fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	e = errno;
	close(dirfd);
	if (fd < 0) {
		if (e == ELOOP)
			return ak_error(AK_EXIT_DATAERR,
					"refusing path '%s': '%s' is a symbolic link",
					relpath, relpath);
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s",
				relpath, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ak_error(AK_EXIT_IOERR,
				"cannot read '%s': not a regular file", relpath);
	}
	if ((uint64_t)st.st_size > WS_READ_MAX) {
		e = EFBIG;
		goto fail;
	}
	/* the size is a hint: the file may grow while we read it */
	cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = 4096;
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap || !data) {
			char *p;

			if (data) {
				if (cap > WS_READ_MAX) {
					e = EFBIG;
					goto fail;
				}
				cap *= 2;
			}
			p = realloc(data, cap);
			if (!p) {
				e = ENOMEM;
				goto fail;
			}
			data = p;
		}
		n = read(fd, data + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	data[used] = '\0';
	*buf = data;
	*len = used;
	return 0;
fail:
	free(data);
	close(fd);
	return ak_error(e == ENOMEM ? AK_EXIT_SOFTWARE : AK_EXIT_IOERR,
			"cannot read '%s': %s", relpath, strerror(e));
}

/* Frees the path; the struct itself is the caller's. Safe to call twice. */
void artifact_release(struct artifact *art)
{
	if (!art)
		return;
	free(art->path);
	art->path = NULL;
}

/* New reference, or NULL when out of memory (no ak_error is recorded). */
json_t *artifact_to_json(const struct artifact *art)
{
	return json_pack("{s:s, s:s, s:I, s:s}",
			 "path", art->path ? art->path : "",
			 "sha256", art->sha256,
			 "bytes", (json_int_t)art->bytes,
			 "media_type", art->media_type ? art->media_type :
			 "application/octet-stream");
}

static const struct {
	const char *ext;	/* with the dot, matched case-insensitively */
	const char *type;
} media_types[] = {
	/* longer suffixes first, so ".tar.gz" wins over ".gz" */
	{ ".tar.gz", "application/gzip" },
	{ ".json", "application/json" },
	{ ".md", "text/markdown" },
	{ ".feature", "text/x-gherkin" },
	{ ".yaml", "application/yaml" },
	{ ".yml", "application/yaml" },
	{ ".html", "text/html" },
	{ ".xml", "application/xml" },
	{ ".sarif", "application/sarif+json" },
	{ ".py", "text/x-python" },
	{ ".ts", "text/typescript" },
	{ ".tsx", "text/typescript" },
	{ ".js", "text/javascript" },
	{ ".sql", "application/sql" },
	{ ".txt", "text/plain" },
	{ ".log", "text/plain" },
	{ ".tgz", "application/gzip" },
	{ ".gz", "application/gzip" },
	{ ".svg", "image/svg+xml" },
	{ ".css", "text/css" },
	{ ".kt", "text/x-kotlin" },
	{ ".swift", "text/x-swift" },
};

/*
 * Only the last path component counts, and a leading dot is part of the
 * name, not an extension: ".json" alone is a hidden file with no type.
 * Returns a static string, never NULL.
 */
const char *media_type_for(const char *name)
{
	const char *base, *slash;
	size_t blen, i;

	if (!name)
		return "application/octet-stream";
	slash = strrchr(name, '/');
	base = slash ? slash + 1 : name;
	blen = strlen(base);
	for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++) {
		size_t elen = strlen(media_types[i].ext);

		if (blen > elen &&
		    strcasecmp(base + blen - elen, media_types[i].ext) == 0)
			return media_types[i].type;
	}
	return "application/octet-stream";
}

/* On the (allocation) failure of libcrypto, out is the empty string. */
void sha256_hex(const void *buf, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!buf)
		buf = "";
	if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}
