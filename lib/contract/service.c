/*
 * service.c - run a server under test in the background.
 *
 * Like lib/proc.c, the child reports a failure to get as far as exec over a
 * close-on-exec pipe: end of file means the exec happened. Unlike proc_run
 * the parent does not wait for the program; service_stop signals its
 * process group and reaps it later. Exits are observed with waitid and
 * WNOWAIT until service_stop reaps, so the process id, and with it the
 * group id, cannot be reused while we may still signal it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "contract/service.h"
#include "banned.h"

extern char **environ;

enum stage { STAGE_SETUP, STAGE_CHDIR, STAGE_EXEC };

struct report {
	int stage;
	int err;
};

/* While waiting for the grace period, look this often (ms). */
#define STOP_STEP_MS 10

/*
 * The caller's environment minus the names set in extra, then extra.
 * Pointers are borrowed; NULL with ak_error.
 */
static char **merge_env(const char *const *extra)
{
	size_t ne = 0, nx = 0, n = 0, i, j;
	char **envp;

	for (i = 0; environ && environ[i]; i++)
		ne++;
	for (i = 0; extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');

		if (!eq || eq == extra[i]) {
			ak_error(AK_EXIT_SOFTWARE,
				 "invalid environment entry '%s'", extra[i]);
			return NULL;
		}
		nx++;
	}
	envp = calloc(ne + nx + 1, sizeof(*envp));
	if (!envp) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	for (i = 0; i < ne; i++) {
		int shadowed = 0;

		for (j = 0; j < nx && !shadowed; j++) {
			size_t len = strchr(extra[j], '=') - extra[j] + 1;

			shadowed = !strncmp(environ[i], extra[j], len);
		}
		if (!shadowed)
			envp[n++] = environ[i];
	}
	for (i = 0; i < nx; i++)
		envp[n++] = (char *)extra[i];
	envp[n] = NULL;
	return envp;
}

static void __attribute__((noreturn)) child_fail(int fd, int stage, int err)
{
	struct report rep = { stage, err };
	ssize_t n;

	do
		n = write(fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

/* Keep fd clear of 0..2 so the dup2 calls below cannot clobber it. */
static int above_stdio(int fd, int rep)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		child_fail(rep, STAGE_SETUP, errno);
	return nfd;
}

/* After fork: async-signal-safe calls only; ends in exec or _exit. */
static void __attribute__((noreturn))
child_run(const char *const *argv, const char *cwd, char *const *envp,
	  int in_fd, int out_fd, int rep)
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

	if (rep <= 2) {
		int nfd = fcntl(rep, F_DUPFD_CLOEXEC, 3);

		if (nfd < 0)
			child_fail(rep, STAGE_SETUP, errno);
		rep = nfd;
	}
	if (setpgid(0, 0) < 0)
		child_fail(rep, STAGE_SETUP, errno);
	in_fd = above_stdio(in_fd, rep);
	out_fd = above_stdio(out_fd, rep);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		child_fail(rep, STAGE_SETUP, errno);
	if (cwd && chdir(cwd) < 0)
		child_fail(rep, STAGE_CHDIR, errno);
	execvpe(argv[0], (char *const *)argv, envp);
	child_fail(rep, STAGE_EXEC, errno);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read the child's report: 0 when it reached exec, 1 with *rep filled. */
static int read_report(int fd, struct report *rep)
{
	ssize_t n;

	do
		n = read(fd, rep, sizeof(*rep));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rep);
}

int service_start(struct service *s, const char *const *argv, const char *cwd,
		  const char *const *env_extra, const char *log_path)
{
	int in_fd = -1, out_fd = -1, rep_pipe[2] = { -1, -1 };
	const char *log = log_path ? log_path : "/dev/null";
	char **envp = NULL;
	struct report rep;
	pid_t pid;
	int status;

	memset(s, 0, sizeof(*s));
	if (!argv || !argv[0])
		return ak_error(AK_EXIT_SOFTWARE, "no program to run");
	if (env_extra && env_extra[0] && !(envp = merge_env(env_extra)))
		return -1;

	in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		ak_error(AK_EXIT_SOFTWARE, "cannot open '/dev/null': %s",
			 strerror(errno));
		goto fail;
	}
	out_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		ak_error(AK_EXIT_UNAVAILABLE, "cannot open '%s': %s", log,
			 strerror(errno));
		goto fail;
	}
	if (pipe2(rep_pipe, O_CLOEXEC) < 0) {
		ak_error(AK_EXIT_SOFTWARE, "cannot run '%s': %s", argv[0],
			 strerror(errno));
		goto fail;
	}

	pid = fork();
	if (pid < 0) {
		ak_error(AK_EXIT_SOFTWARE, "cannot run '%s': %s", argv[0],
			 strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child_run(argv, cwd, envp ? envp : environ, in_fd, out_fd,
			  rep_pipe[1]);
	/* Also here, so the group exists before we may signal it. */
	setpgid(pid, pid);
	close_fd(&rep_pipe[1]);
	close_fd(&in_fd);
	close_fd(&out_fd);
	free(envp);
	envp = NULL;

	if (read_report(rep_pipe[0], &rep)) {
		close_fd(&rep_pipe[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (rep.stage == STAGE_CHDIR)
			return ak_error(AK_EXIT_UNAVAILABLE,
					"cannot run '%s' in '%s': %s", argv[0],
					cwd, strerror(rep.err));
		return ak_error(rep.stage == STAGE_EXEC ? AK_EXIT_UNAVAILABLE :
				AK_EXIT_SOFTWARE, "cannot run '%s': %s",
				argv[0], strerror(rep.err));
	}
	close_fd(&rep_pipe[0]);
	s->pid = pid;
	return 0;

fail:
	close_fd(&in_fd);
	close_fd(&out_fd);
	close_fd(&rep_pipe[0]);
	close_fd(&rep_pipe[1]);
	free(envp);
	return -1;
}

/* 1 when the program has exited (it stays a zombie until reaped). */
static int has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR;
	return si.si_pid == pid;
}

int service_alive(struct service *s)
{
	if (!s || s->pid <= 0 || s->reaped)
		return 0;
	return !has_exited(s->pid);
}

int service_stop(struct service *s, long grace_ms)
{
	struct timespec step = { 0, STOP_STEP_MS * 1000000L };
	long waited = 0;
	int status = 0;

	if (!s || s->pid <= 0 || s->reaped)
		return 0;
	killpg(s->pid, SIGTERM);
	killpg(s->pid, SIGCONT);
	while (!has_exited(s->pid) && waited < grace_ms) {
		nanosleep(&step, NULL);
		waited += STOP_STEP_MS;
	}
	/* The leader may be gone while others of its group are not. */
	killpg(s->pid, SIGKILL);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->status = status;
	s->reaped = 1;
	s->pid = 0;
	return status;
}
