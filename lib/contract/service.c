/*
 * service.c - run a server under test in the background.
 *
 * The program is started with spawn_start() (lib/spawn.c), as proc_run
 * starts its programs, which returns once the exec happened or failed.
 * Unlike proc_run the parent does not wait for the program; service_stop
 * signals its process group and reaps it later. Exits are observed with
 * waitid and WNOWAIT until service_stop reaps, so the process id, and with
 * it the group id, cannot be reused while we may still signal it.
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
#include "spawn.h"
#include "banned.h"

/* While waiting for the grace period, look this often (ms). */
#define STOP_STEP_MS 10

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int service_start(struct service *s, const char *const *argv, const char *cwd,
		  const char *const *env_extra, const char *log_path)
{
	const char *log = log_path ? log_path : "/dev/null";
	struct spawn_child child;
	int in_fd = -1, out_fd = -1, rc = -1;
	char **envp;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	if (!argv || !argv[0])
		return ak_error(AK_EXIT_SOFTWARE, "no program to run");
	/* Built before fork: the child must not allocate. */
	envp = spawn_env(env_extra);
	if (!envp)
		return -1;

	in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in_fd < 0) {
		ak_error(AK_EXIT_SOFTWARE, "cannot open '/dev/null': %s",
			 strerror(errno));
		goto out;
	}
	out_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		ak_error(AK_EXIT_UNAVAILABLE, "cannot open '%s': %s", log,
			 strerror(errno));
		goto out;
	}

	child.argv = argv;
	child.cwd = cwd;
	child.envp = envp;
	child.in_fd = in_fd;
	child.out_fd = out_fd;
	child.err_fd = out_fd;
	/* a service must not outlive the agent that checks it */
	child.parent = getpid();
	if (spawn_start(&child, &pid) < 0)
		goto out;
	s->pid = pid;
	rc = 0;
out:
	close_fd(&in_fd);
	close_fd(&out_fd);
	free(envp);
	return rc;
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
