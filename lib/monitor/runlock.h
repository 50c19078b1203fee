/*
 * monitor/runlock.h - one run of agent-monitor at a time.
 *
 * cron starts a run every minute whether or not the last one is done; the
 * second one must not write the same alert twice. A run holds flock(2) on a
 * lock file for as long as it lives; the kernel lets go when the process
 * ends, however it ends, so a crash never leaves a stale lock behind.
 */
#ifndef AK_MONITOR_RUNLOCK_H
#define AK_MONITOR_RUNLOCK_H

/*
 * Take the lock on path (created, mode 0600, when missing) without waiting.
 * Returns the file descriptor that holds it (close it to let go), or -1
 * with ak_error: AK_EXIT_TEMPFAIL "another run holds 'PATH'" when another
 * process holds it, AK_EXIT_IOERR when the file cannot be opened.
 */
int monitor_runlock(const char *path);

#endif
