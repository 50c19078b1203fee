/*
 * atomicfile.c - whole-file replacement by write, fsync and rename (see
 * atomicfile.h). The temporary file lives in the target's folder, so the
 * rename never crosses file systems and is atomic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "error.h"
#include "banned.h"

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Not a regular file: write into it as it is. */
static int write_in_place(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC), e;

	if (fd < 0 || write_all(fd, data, len) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

/* The rename is durable only once the folder holding it is synced. */
static void sync_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	int dfd;

	if (slash)
		buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		buf_addstr(&dir, ".");
	dfd = dir.p ? open(dir.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	buf_release(&dir);
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	struct buf tmp = BUF_INIT;
	struct stat st;
	mode_t mask;
	int fd, e;

	if (!*path || (slash && !slash[1]))
		return ak_error(AK_EXIT_USAGE, "'%s' names no file", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, data, len);
	if (buf_add(&tmp, path, slash ? (size_t)(slash - path + 1) : 0) < 0 ||
	    buf_addf(&tmp, ".%s.XXXXXX", slash ? slash + 1 : path) < 0) {
		buf_release(&tmp);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	fd = mkostemp(tmp.p, O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		buf_release(&tmp);
		return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", path, strerror(e));
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, mode & ~mask) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp.p, path) < 0) {
		e = errno;
		goto fail;
	}
	buf_release(&tmp);
	sync_folder(path);
	return 0;
fail:
	unlink(tmp.p);
	buf_release(&tmp);
	return ak_error(AK_EXIT_IOERR, "cannot write '%s': %s", path, strerror(e));
}
