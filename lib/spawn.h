/*
 * spawn.h - start a program by argv in a child process and learn whether
 * the exec happened.
 *
 * This is the part of running a program that lib/proc.c (run and capture)
 * and lib/contract/service.c (run in the background) share: the child's
 * environment, the child's way from fork to execvpe, and the parent's
 * reading of the child's report. The child starts in a process group of
 * its own, with every signal at its default action and none blocked,
 * with the given descriptors as its stdin, stdout and stderr, in the given
 * directory. A failure before or in exec comes back over a close-on-exec
 * pipe, so the parent gets "cannot run 'NAME': REASON" instead of a child
 * that exits 127. What the parent does with the running program (wait,
 * feed, signal) is the caller's business.
 *
 * The usual sequence: envp = spawn_env(extra); open the child's
 * descriptors; spawn_start(); close the child's descriptors; free(envp).
 * spawn_exec() and spawn_report() are the two halves of spawn_start() for
 * a caller that must fork by itself.
 */
#ifndef AK_SPAWN_H
#define AK_SPAWN_H

#include <sys/types.h>

/* What the child runs, and with what. Nothing here is owned. */
struct spawn_child {
	const char *const *argv;   /* argv[0] is looked up in PATH */
	const char *cwd;           /* NULL: the caller's directory */
	char *const *envp;         /* the whole environment (see spawn_env) */
	int in_fd;                 /* become the child's 0, 1 and 2; out_fd */
	int out_fd;                /* and err_fd may be the same descriptor, */
	int err_fd;                /* and any of them may be 0, 1 or 2 */
	pid_t parent;              /* 0, or the caller's pid: the child then gets
	                              SIGTERM when the thread that started it
	                              ends, however it ends (PR_SET_PDEATHSIG) */
};

/*
 * The environment for a child: the caller's, minus every variable that
 * extra names, then extra ("NAME=value" entries, NULL-terminated, or NULL
 * for the caller's alone). Of several entries in extra with one name only
 * the last is kept. Returns a malloc'd NULL-terminated array to release
 * with free(); its strings are borrowed from environ and extra, so keep
 * both unchanged while it is in use. Returns NULL with ak_error
 * (AK_EXIT_SOFTWARE) for an entry without '=' or without a name, or when
 * memory runs out. Build it before fork: the child must not allocate.
 */
char **spawn_env(const char *const *extra);

/*
 * Fork, run c in the child, and wait until the child has reached exec or
 * failed on the way. Returns 0 with *pid set when the program runs; the
 * caller must reap it some day. Returns -1 with ak_error otherwise, and
 * then no child is left: AK_EXIT_UNAVAILABLE with "cannot run 'NAME':
 * REASON" when exec failed (not found, not executable), with
 * "cannot run 'NAME' in 'DIR': REASON" when c->cwd cannot be entered,
 * AK_EXIT_SOFTWARE with "cannot run 'NAME': REASON" for anything else.
 * The caller's descriptors in c stay open in the caller. The caller's
 * signal state is unchanged; SIGCHLD must not be ignored.
 */
int spawn_start(const struct spawn_child *c, pid_t *pid);

/*
 * The child's half, to call right after fork: reset the signal state,
 * enter a process group of its own, install the descriptors, enter the
 * directory and exec. Only async-signal-safe calls, so a caller with
 * threads may use it. Never returns: a failure is written to report_fd
 * (the write end of a close-on-exec pipe) and the child exits with 127.
 */
void spawn_exec(const struct spawn_child *c, int report_fd)
	__attribute__((noreturn));

/*
 * The parent's half: read the child's report from report_fd (the read
 * end of that pipe, with the parent's write end already closed) and close
 * report_fd. Returns 0 when the child reached exec. Returns -1 with
 * ak_error, as spawn_start() describes, when it did not; then the child
 * (pid) has been reaped. argv0 and cwd are only used in the message.
 */
int spawn_report(int report_fd, pid_t pid, const char *argv0, const char *cwd);

#endif
