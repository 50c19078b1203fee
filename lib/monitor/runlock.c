/*
 * monitor/runlock.c - the lock that keeps two runs of agent-monitor apart
 * (see runlock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "error.h"
#include "monitor/runlock.h"
#include "banned.h"

int monitor_runlock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), e;

	if (fd < 0)
		return ak_error(AK_EXIT_IOERR, "cannot open the lock file '%s': %s", path,
				strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return ak_error(AK_EXIT_TEMPFAIL, "another run holds '%s'", path);
		return ak_error(AK_EXIT_IOERR, "cannot lock '%s': %s", path, strerror(e));
	}
	return fd;
}
