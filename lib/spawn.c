/*
 * spawn.c - fork, exec and the child's report of a failed exec.
 *
 * The child writes a struct child_report to a close-on-exec pipe when it
 * cannot get as far as exec, then exits. The parent reads that pipe: end
 * of file means the exec closed the child's end, and the program runs; a
 * whole report means it did not, and says at which stage and why. Between
 * fork and exec the child uses only async-signal-safe calls, since the
 * parent may have threads; everything it needs is prepared before fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "spawn.h"
#include "banned.h"

extern char **environ;

/* How far the child got before it failed. */
enum child_stage { STAGE_SETUP, STAGE_CHDIR, STAGE_EXEC };

struct child_report {
	int stage;
	int err;
};

/* Length of the "NAME=" prefix of a checked entry. */
static size_t name_len(const char *entry)
{
	return strchr(entry, '=') - entry + 1;
}

/* 1 when entry sets a variable that one of extra[0..n) sets too. */
static int named_in(const char *entry, const char *const *extra, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(entry, extra[i], name_len(extra[i])))
			return 1;
	return 0;
}

char **spawn_env(const char *const *extra)
{
	size_t n_env = 0, n_extra = 0, n = 0, i;
	char **envp;

	for (i = 0; extra && extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');

		if (!eq || eq == extra[i]) {
			ak_error(AK_EXIT_SOFTWARE,
				 "invalid environment entry '%s'", extra[i]);
			return NULL;
		}
		n_extra++;
	}
	for (i = 0; environ && environ[i]; i++)
		n_env++;

	envp = calloc(n_env + n_extra + 1, sizeof(*envp));
	if (!envp) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	for (i = 0; i < n_env; i++)
		if (!named_in(environ[i], extra, n_extra))
			envp[n++] = environ[i];
	/* An entry that a later one names again is dropped: the last wins. */
	for (i = 0; i < n_extra; i++)
		if (!named_in(extra[i], extra + i + 1, n_extra - i - 1))
			envp[n++] = (char *)extra[i];
	envp[n] = NULL;
	return envp;
}

static void __attribute__((noreturn))
child_fail(int report_fd, int stage, int err)
{
	struct child_report rep = { .stage = stage, .err = err };
	ssize_t n;

	do
		n = write(report_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

/*
 * Move fd above 2, so that the dup2() calls onto 0, 1 and 2 cannot
 * overwrite it (possible when the caller runs with one of them closed and
 * got it back from open or pipe) and never dup2 a descriptor onto itself,
 * which would leave it close-on-exec.
 */
static int move_high(int fd, int report_fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		child_fail(report_fd, STAGE_SETUP, errno);
	return nfd;
}

/*
 * Handlers are reset by exec anyway, but ignored signals and the mask are
 * inherited: a caller that ignores SIGPIPE or blocks SIGTERM must not pass
 * that on, or the child misbehaves and a SIGTERM meant to stop it is lost.
 * Errors (SIGKILL, the signals libc reserves) are harmless.
 */
static void reset_signals(void)
{
	struct sigaction dfl;
	sigset_t none;
	int sig;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void spawn_exec(const struct spawn_child *c, int report_fd)
{
	int in_fd, out_fd, err_fd;

	reset_signals();

	/* A report fd of 0..2 would be lost to the dup2 calls below. */
	if (report_fd <= 2) {
		int nfd = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);

		if (nfd < 0)
			child_fail(report_fd, STAGE_SETUP, errno);
		report_fd = nfd;
	}
	if (setpgid(0, 0) < 0)
		child_fail(report_fd, STAGE_SETUP, errno);
	/* if the parent went before the request took hold, nobody would send it */
	if (c->parent) {
		errno = 0;
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != c->parent)
			child_fail(report_fd, STAGE_SETUP, errno ? errno : ESRCH);
	}

	in_fd = move_high(c->in_fd, report_fd);
	out_fd = move_high(c->out_fd, report_fd);
	err_fd = c->err_fd == c->out_fd ? out_fd :
		move_high(c->err_fd, report_fd);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		child_fail(report_fd, STAGE_SETUP, errno);

	if (c->cwd && chdir(c->cwd) < 0)
		child_fail(report_fd, STAGE_CHDIR, errno);

	execvpe(c->argv[0], (char *const *)c->argv, c->envp);
	child_fail(report_fd, STAGE_EXEC, errno);
}

int spawn_report(int report_fd, pid_t pid, const char *argv0, const char *cwd)
{
	struct child_report rep;
	ssize_t n;
	int status;

	do
		n = read(report_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(report_fd);
	/* End of file: the exec closed the child's end. */
	if (n != (ssize_t)sizeof(rep))
		return 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rep.stage == STAGE_EXEC)
		return ak_error(AK_EXIT_UNAVAILABLE, "cannot run '%s': %s",
				argv0, strerror(rep.err));
	if (rep.stage == STAGE_CHDIR)
		return ak_error(AK_EXIT_UNAVAILABLE,
				"cannot run '%s' in '%s': %s", argv0,
				cwd ? cwd : ".", strerror(rep.err));
	return ak_error(AK_EXIT_SOFTWARE, "cannot run '%s': %s", argv0,
			strerror(rep.err));
}

int spawn_start(const struct spawn_child *c, pid_t *pid)
{
	const char *name = c->argv[0];
	int rep[2];
	pid_t p;

	if (pipe2(rep, O_CLOEXEC) < 0)
		return ak_error(AK_EXIT_SOFTWARE, "cannot run '%s': %s", name,
				strerror(errno));
	p = fork();
	if (p < 0) {
		int err = errno;

		close(rep[0]);
		close(rep[1]);
		return ak_error(AK_EXIT_SOFTWARE, "cannot run '%s': %s", name,
				strerror(err));
	}
	if (p == 0)
		spawn_exec(c, rep[1]);

	/*
	 * End of file on the report pipe comes only after the child's own
	 * setpgid, so the group exists when we return: no setpgid here.
	 */
	close(rep[1]);
	if (spawn_report(rep[0], p, name, c->cwd) < 0)
		return -1;
	*pid = p;
	return 0;
}
