/*
 * service.h - start a long-running program (a server under test) in the
 * background and stop it again.
 *
 * The program is run by argv with execvpe, never through a shell, in a
 * process group of its own so that stopping it reaches whatever it
 * started. Its stdin is /dev/null, its stdout and stderr are appended to a
 * log file, and it starts with every signal at its default action and none
 * blocked. It gets SIGTERM when the thread that started it ends, so a
 * killed agent leaves no server behind.
 */
#ifndef AK_CONTRACT_SERVICE_H
#define AK_CONTRACT_SERVICE_H

#include <sys/types.h>

struct service {
	pid_t pid;      /* also the process group; 0 when nothing runs */
	int status;     /* wait status once reaped */
	int reaped;
};

#define SERVICE_INIT { 0, 0, 0 }

/*
 * Start argv[0] (looked up in PATH) with arguments argv, in cwd (NULL: the
 * caller's directory), with the caller's environment plus env_extra
 * ("NAME=value" entries, NULL-terminated, or NULL), output appended to
 * log_path (NULL: /dev/null). *s is overwritten. Returns 0, or -1 with
 * ak_error: AK_EXIT_UNAVAILABLE when the program cannot be run (not found,
 * not executable, cwd or log file unusable), AK_EXIT_SOFTWARE otherwise;
 * then nothing is left running.
 */
int service_start(struct service *s, const char *const *argv, const char *cwd,
		  const char *const *env_extra, const char *log_path);

/*
 * Send SIGTERM to the program's group, wait up to grace_ms for the
 * program to exit, then SIGKILL the group, and reap the program. Returns
 * its wait status (as waitpid gives it: use WIFEXITED and friends), or 0
 * when nothing was running; a second call returns 0.
 */
int service_stop(struct service *s, long grace_ms);

/* 1 while the program has not exited, else 0. Does not reap it. */
int service_alive(struct service *s);

#endif
