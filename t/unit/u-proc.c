/*
 * u-proc.c - unit tests for lib/proc.c: exit statuses, exact capture of
 * stdout and stderr, input through stdin, output limits, children that do
 * not read their input, timeouts with SIGTERM and SIGKILL, programs that
 * cannot be run, cwd and environment, and proc_describe().
 *
 * The children are ordinary programs every Debian system has (sh, cat,
 * head, tr, sleep, pwd, env). The test also checks that proc_run leaves no
 * descriptors open, no children behind and the SIGPIPE state unchanged.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-proc-XXXXXX";

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int run(struct proc_opts *o, struct proc_result *r)
{
	return proc_run(o, r);
}

static void test_exit_code(void)
{
	const char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	char buf[128];

	o.argv = argv;
	is_int(run(&o, &r), 0, "exit 3: proc_run succeeds");
	is_int(r.exited, 1, "exit 3: exited");
	is_int(r.exit_code, 3, "exit 3: exit code 3");
	is_int(r.signaled, 0, "exit 3: not signaled");
	is_int(r.timed_out, 0, "exit 3: not timed out");
	is_str(r.out, "", "exit 3: empty stdout, not NULL");
	is_str(r.err, "", "exit 3: empty stderr, not NULL");
	is_str(proc_describe(&r, buf, sizeof(buf)), "exited with status 3",
	       "exit 3: described");
	proc_result_release(&r);
	ok(!r.out && !r.err && !r.exited, "release zeroes the result");
}

static void test_capture(void)
{
	const char *argv[] = { "sh", "-c",
		"printf 'out\\nline2'; printf 'err 1\\n' >&2; printf 'a\\000b' >&2",
		NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;

	o.argv = argv;
	is_int(run(&o, &r), 0, "capture: runs");
	is_str(r.out, "out\nline2", "capture: stdout exact");
	is_int(r.out_len, 9, "capture: stdout length");
	is_int(r.err_len, 9, "capture: stderr length counts a NUL byte");
	ok(r.err_len == 9 && !memcmp(r.err, "err 1\na\0b", 10),
	   "capture: stderr exact, NUL byte kept and terminated");
	ok(!r.out_truncated && !r.err_truncated, "capture: not truncated");
	is_int(r.exit_code, 0, "capture: exit 0");
	proc_result_release(&r);
}

static void test_stdin(void)
{
	const char *cat[] = { "cat", NULL };
	const char *wc[] = { "sh", "-c", "wc -c", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	const char data[] = "hello\nworld\0!";

	o.argv = cat;
	o.input = data;
	o.input_len = sizeof(data) - 1;
	is_int(run(&o, &r), 0, "stdin: cat runs");
	ok(r.out_len == sizeof(data) - 1 && !memcmp(r.out, data, r.out_len),
	   "stdin: cat echoes input exactly, NUL byte included");
	proc_result_release(&r);

	o.input = "";
	o.input_len = 0;
	is_int(run(&o, &r), 0, "stdin: empty input");
	is_str(r.out, "", "stdin: empty input gives EOF at once");
	proc_result_release(&r);

	/* NULL input must be /dev/null, not our own stdin. */
	o.input = NULL;
	o.timeout_ms = 10000;
	is_int(run(&o, &r), 0, "stdin: no input");
	is_str(r.out, "", "stdin: no input reads /dev/null");
	is_int(r.timed_out, 0, "stdin: no input does not wait on our stdin");
	proc_result_release(&r);

	o.argv = wc;
	o.input = "abc";
	o.input_len = 2;
	is_int(run(&o, &r), 0, "stdin: input_len honoured");
	is_str(r.out, "2\n", "stdin: only input_len bytes sent");
	proc_result_release(&r);
}

/* cat writes back while we still write: needs both directions at once. */
static void test_big_echo(void)
{
	const char *cat[] = { "cat", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	size_t len = 10 << 20, i;
	char *data = malloc(len);

	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 4096);
	o.argv = cat;
	o.input = data;
	o.input_len = len;
	o.max_output = 16 << 20;
	o.timeout_ms = 60000;
	is_int(run(&o, &r), 0, "10 MB through cat: runs");
	is_int(r.out_len, len, "10 MB through cat: all of it back");
	ok(r.out_len == len && !memcmp(r.out, data, len),
	   "10 MB through cat: byte for byte");
	ok(!r.timed_out && r.exited && r.exit_code == 0,
	   "10 MB through cat: no deadlock");
	proc_result_release(&r);
	free(data);
}

static void test_large_output(void)
{
	const char *argv[] = { "sh", "-c",
		"head -c 5242880 /dev/zero | tr '\\000' x; echo done >&2", NULL };
	const char *none[] = { "sh", "-c", "echo hi; echo there >&2", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	size_t i, bad = 0;

	o.argv = argv;
	o.max_output = 1 << 20;
	o.timeout_ms = 60000;
	is_int(run(&o, &r), 0, "5 MB output: runs");
	is_int(r.out_truncated, 1, "5 MB output: truncated");
	is_int(r.out_len, 1 << 20, "5 MB output: exactly 1 MB kept");
	for (i = 0; i < r.out_len; i++)
		bad += r.out[i] != 'x';
	is_int(bad, 0, "5 MB output: the kept bytes are the first ones");
	is_int(r.out[r.out_len], '\0', "5 MB output: NUL-terminated");
	is_int(r.err_truncated, 0, "5 MB output: stderr not truncated");
	is_str(r.err, "done\n", "5 MB output: child ran to the end");
	ok(r.exited && r.exit_code == 0 && !r.timed_out,
	   "5 MB output: child was never blocked");
	proc_result_release(&r);

	o.argv = none;
	o.max_output = 0;
	is_int(run(&o, &r), 0, "max_output 0: runs");
	ok(r.out_len == 0 && r.out_truncated && r.err_len == 0 &&
	   r.err_truncated, "max_output 0: nothing kept, both truncated");
	is_str(r.out, "", "max_output 0: still an empty string");
	proc_result_release(&r);

	o.max_output = 3;
	is_int(run(&o, &r), 0, "max_output 3: runs");
	is_str(r.out, "hi\n", "max_output 3: exact fit kept");
	is_int(r.out_truncated, 0, "max_output 3: exact fit not truncated");
	is_str(r.err, "the", "max_output 3: stderr cut at 3");
	is_int(r.err_truncated, 1, "max_output 3: stderr truncated");
	proc_result_release(&r);
}

static void test_ignored_stdin(void)
{
	const char *t[] = { "true", NULL };
	const char *sl[] = { "sh", "-c", "sleep 0.2; echo done", NULL };
	const char *closer[] = { "sh", "-c", "exec 0<&-; echo closed", NULL };
	const char *part[] = { "sh", "-c",
		"head -c 1000000 >/dev/null; echo read", NULL };
	const char *stall[] = { "sh", "-c", "head -c 8192 >/dev/null; sleep 10",
		NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	size_t len = 10 << 20;
	char *data = calloc(1, len);
	sigset_t mask, pending;
	int i, fails = 0;

	o.input = data;
	o.input_len = len;
	o.timeout_ms = 30000;

	o.argv = t;
	is_int(run(&o, &r), 0, "10 MB to true: runs, SIGPIPE did not kill us");
	ok(r.exited && r.exit_code == 0, "10 MB to true: exit 0");
	proc_result_release(&r);

	o.argv = sl;
	is_int(run(&o, &r), 0, "10 MB to a sleeper: runs");
	is_str(r.out, "done\n", "10 MB to a sleeper: it finished");
	ok(!r.timed_out, "10 MB to a sleeper: no timeout");
	proc_result_release(&r);

	o.argv = closer;
	is_int(run(&o, &r), 0, "10 MB to a child closing stdin: runs");
	is_str(r.out, "closed\n", "10 MB to a child closing stdin: output");
	proc_result_release(&r);

	/*
	 * Stops reading mid-stream while the pipe has room, so our next
	 * write gets EPIPE (and SIGPIPE) rather than just POLLERR.
	 */
	o.argv = part;
	for (i = 0; i < 20; i++) {
		if (run(&o, &r) < 0 || strcmp(r.out, "read\n"))
			fails++;
		proc_result_release(&r);
	}
	is_int(fails, 0, "10 MB to a child reading 1 MB, 20 times: we survive");

	/*
	 * A child that reads a little and then stops: the pipe has a little
	 * room, and a write that waited for room for a whole chunk would hang
	 * us past the timeout.
	 */
	o.argv = stall;
	o.timeout_ms = 300;
	is_int(run(&o, &r), 0, "10 MB to a stalled reader: runs");
	ok(r.timed_out && r.duration_ms < 5000,
	   "10 MB to a stalled reader: timeout still fires (%ld ms)",
	   r.duration_ms);
	proc_result_release(&r);

	sigprocmask(SIG_SETMASK, NULL, &mask);
	sigpending(&pending);
	ok(!sigismember(&mask, SIGPIPE), "SIGPIPE unblocked again afterwards");
	ok(!sigismember(&pending, SIGPIPE), "no SIGPIPE left pending");
	free(data);
}

static void test_timeout(void)
{
	const char *sl[] = { "sleep", "10", NULL };
	const char *grand[] = { "sh", "-c", "sleep 10 & sleep 10", NULL };
	const char *bg[] = { "sh", "-c", "sleep 10 & echo started", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	char buf[128];

	o.argv = sl;
	o.timeout_ms = 200;
	is_int(run(&o, &r), 0, "timeout: runs");
	is_int(r.timed_out, 1, "timeout: timed_out");
	is_int(r.signaled, 1, "timeout: signaled");
	is_int(r.term_signal, SIGTERM, "timeout: SIGTERM was enough");
	is_int(r.exited, 0, "timeout: not exited");
	is_int(r.timeout_ms, 200, "timeout: timeout_ms recorded");
	ok(r.duration_ms >= 200 && r.duration_ms < 5000,
	   "timeout: duration %ld ms, at least 200, well under 10 s",
	   r.duration_ms);
	is_str(proc_describe(&r, buf, sizeof(buf)),
	       "killed by signal 15 (timeout after 200 ms)",
	       "timeout: described");
	proc_result_release(&r);

	/*
	 * A grandchild holding stdout: the run can end early only if the
	 * SIGTERM reached the whole group (the grace is far too long for
	 * SIGKILL to be what ended it).
	 */
	o.argv = grand;
	o.kill_grace_ms = 20000;
	is_int(run(&o, &r), 0, "timeout with grandchild: runs");
	ok(r.timed_out && r.signaled && r.term_signal == SIGTERM,
	   "timeout with grandchild: SIGTERM");
	ok(r.duration_ms < 5000,
	   "timeout with grandchild: whole group got SIGTERM (%ld ms)",
	   r.duration_ms);
	proc_result_release(&r);

	/* The program exits at once; what it left behind holds stdout. */
	o.argv = bg;
	o.timeout_ms = 300;
	is_int(run(&o, &r), 0, "leftover holds stdout: runs");
	ok(r.timed_out && r.exited && r.exit_code == 0 && !r.signaled,
	   "leftover holds stdout: program exited 0, timeout still fired");
	is_str(r.out, "started\n", "leftover holds stdout: output kept");
	ok(r.duration_ms < 5000, "leftover holds stdout: killed (%ld ms)",
	   r.duration_ms);
	is_str(proc_describe(&r, buf, sizeof(buf)),
	       "exited with status 0 (timeout after 300 ms)",
	       "leftover holds stdout: described");
	proc_result_release(&r);
}

static void test_kill_after_grace(void)
{
	const char *argv[] = { "sh", "-c",
		"trap '' TERM; echo ready; sleep 10; echo survived", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	char buf[128];

	o.argv = argv;
	o.timeout_ms = 300;
	o.kill_grace_ms = 300;
	is_int(run(&o, &r), 0, "TERM trapped: runs");
	is_int(r.timed_out, 1, "TERM trapped: timed out");
	ok(r.signaled && r.term_signal == SIGKILL,
	   "TERM trapped: SIGKILL after the grace (signal %d)",
	   r.term_signal);
	ok(r.duration_ms >= 600 && r.duration_ms < 5000,
	   "TERM trapped: duration %ld ms covers timeout and grace",
	   r.duration_ms);
	is_str(r.out, "ready\n", "TERM trapped: output before the kill kept");
	is_str(proc_describe(&r, buf, sizeof(buf)),
	       "killed by signal 9 (timeout after 300 ms)",
	       "TERM trapped: described");
	proc_result_release(&r);

	/* A grace of 0 means SIGKILL straight after SIGTERM. */
	o.kill_grace_ms = 0;
	is_int(run(&o, &r), 0, "grace 0: runs");
	ok(r.signaled && r.term_signal == SIGKILL && r.duration_ms < 5000,
	   "grace 0: SIGKILL at once");
	proc_result_release(&r);
}

static void test_cannot_run(void)
{
	const char *missing[] = { "agentkit-no-such-program-xyz", "a", NULL };
	const char *abs[] = { "/nonexistent/prog", NULL };
	const char *empty[] = { NULL };
	const char *pwd[] = { "pwd", NULL };
	const char *bad_env[] = { "=oops", NULL };
	const char *no_eq[] = { "NOEQUALS", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	char path[PATH_MAX], msg[PATH_MAX + 64];
	const char *noexec[] = { path, NULL };
	FILE *f;

	o.argv = missing;
	is_int(run(&o, &r), -1, "missing program: -1");
	is_str(ak_errmsg(),
	       "cannot run 'agentkit-no-such-program-xyz': No such file or directory",
	       "missing program: message");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "missing program: class");
	ok(!r.out && !r.err && !r.exited, "missing program: result empty");

	o.argv = abs;
	is_int(run(&o, &r), -1, "missing path: -1");
	is_str(ak_errmsg(),
	       "cannot run '/nonexistent/prog': No such file or directory",
	       "missing path: message");

	snprintf(path, sizeof(path), "%s/not-executable", tmpdir);
	f = fopen(path, "w");
	fputs("#!/bin/sh\necho hi\n", f);
	fclose(f);
	chmod(path, 0644);
	o.argv = noexec;
	is_int(run(&o, &r), -1, "not executable: -1");
	snprintf(msg, sizeof(msg), "cannot run '%s': Permission denied", path);
	/* Even root needs an execute bit to exec a file. */
	is_str(ak_errmsg(), msg, "not executable: message");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "not executable: class");
	unlink(path);

	o.argv = pwd;
	o.cwd = "/nonexistent/dir";
	is_int(run(&o, &r), -1, "missing cwd: -1");
	is_str(ak_errmsg(),
	       "cannot run 'pwd' in '/nonexistent/dir': No such file or directory",
	       "missing cwd: message");
	is_int(ak_errcode(), AK_EXIT_UNAVAILABLE, "missing cwd: class");
	o.cwd = NULL;

	o.argv = empty;
	is_int(run(&o, &r), -1, "empty argv: -1");
	is_str(ak_errmsg(), "no program to run", "empty argv: message");
	o.argv = NULL;
	is_int(run(&o, &r), -1, "NULL argv: -1");

	o.argv = pwd;
	o.env = bad_env;
	is_int(run(&o, &r), -1, "env entry without a name: -1");
	is_str(ak_errmsg(), "invalid environment entry '=oops'",
	       "env entry without a name: message");
	o.env = no_eq;
	is_int(run(&o, &r), -1, "env entry without '=': -1");
	is_str(ak_errmsg(), "invalid environment entry 'NOEQUALS'",
	       "env entry without '=': message");
}

static void test_cwd(void)
{
	const char *pwd[] = { "pwd", "-P", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	char real[PATH_MAX], want[PATH_MAX + 2];

	if (!realpath(tmpdir, real))
		real[0] = '\0';
	snprintf(want, sizeof(want), "%s\n", real);
	o.argv = pwd;
	o.cwd = tmpdir;
	is_int(run(&o, &r), 0, "cwd: runs");
	is_str(r.out, want, "cwd: child runs in the given directory");
	proc_result_release(&r);

	if (!getcwd(real, sizeof(real)))
		real[0] = '\0';
	snprintf(want, sizeof(want), "%s\n", real);
	o.cwd = NULL;
	is_int(run(&o, &r), 0, "no cwd: runs");
	is_str(r.out, want, "no cwd: child runs in ours");
	proc_result_release(&r);
}

static void test_env(void)
{
	const char *show[] = { "sh", "-c",
		"printf '%s|%s|%s' \"$AK_TEST_VAR\" \"$AK_TEST_OVR\" \"$AK_TEST_KEEP\"",
		NULL };
	const char *count[] = { "sh", "-c", "env | grep -c '^AK_TEST_OVR='",
		NULL };
	const char *extra[] = { "AK_TEST_VAR=hello world", "AK_TEST_OVR=first",
		"AK_TEST_OVR=new", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;

	setenv("AK_TEST_OVR", "old", 1);
	setenv("AK_TEST_KEEP", "kept", 1);
	o.argv = show;
	o.env = extra;
	is_int(run(&o, &r), 0, "env: runs");
	is_str(r.out, "hello world|new|kept",
	       "env: entries added, last one wins, rest inherited");
	proc_result_release(&r);

	o.argv = count;
	is_int(run(&o, &r), 0, "env: count runs");
	is_str(r.out, "1\n", "env: an overridden variable appears once");
	proc_result_release(&r);
	is_str(getenv("AK_TEST_OVR"), "old", "env: ours is unchanged");
	unsetenv("AK_TEST_OVR");
	unsetenv("AK_TEST_KEEP");
}

/* The child must not inherit ignored signals or our signal mask. */
static void test_signal_state(void)
{
	const char *pipe_self[] = { "sh", "-c", "kill -PIPE $$; echo survived",
		NULL };
	const char *term_self[] = { "sh", "-c", "kill -TERM $$; echo survived",
		NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t set, oldmask;
	char buf[128];

	sigaction(SIGPIPE, &ign, &old);
	o.argv = pipe_self;
	is_int(run(&o, &r), 0, "ignored SIGPIPE: runs");
	ok(r.signaled && r.term_signal == SIGPIPE,
	   "ignored SIGPIPE: child gets the default action");
	is_str(proc_describe(&r, buf, sizeof(buf)), "killed by signal 13",
	       "ignored SIGPIPE: described");
	proc_result_release(&r);
	sigaction(SIGPIPE, &old, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &oldmask);
	o.argv = term_self;
	is_int(run(&o, &r), 0, "blocked SIGTERM: runs");
	ok(r.signaled && r.term_signal == SIGTERM && r.out_len == 0,
	   "blocked SIGTERM: child has it unblocked");
	proc_result_release(&r);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
}

/* Runs with one of our standard descriptors closed. */
static void test_closed_stdin(void)
{
	const char *cat[] = { "cat", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	int saved = dup(0);

	close(0);
	o.argv = cat;
	o.input = "via fd 0\n";
	o.input_len = 9;
	is_int(run(&o, &r), 0, "our fd 0 closed: runs");
	is_str(r.out, "via fd 0\n", "our fd 0 closed: input still delivered");
	proc_result_release(&r);
	dup2(saved, 0);
	close(saved);
}

static void test_describe(void)
{
	struct proc_result r = PROC_RESULT_INIT;
	char buf[128], tiny[8];

	is_str(proc_describe(&r, buf, sizeof(buf)), "did not run",
	       "describe: empty result");
	r.exited = 1;
	is_str(proc_describe(&r, buf, sizeof(buf)), "exited with status 0",
	       "describe: status 0");
	r.exit_code = 255;
	is_str(proc_describe(&r, buf, sizeof(buf)), "exited with status 255",
	       "describe: status 255");
	r.exited = 0;
	r.signaled = 1;
	r.term_signal = 9;
	r.timed_out = 1;
	r.timeout_ms = 500;
	is_str(proc_describe(&r, buf, sizeof(buf)),
	       "killed by signal 9 (timeout after 500 ms)",
	       "describe: timeout");
	is_str(proc_describe(&r, tiny, sizeof(tiny)), "killed ",
	       "describe: truncated to the buffer");
	is_str(proc_describe(&r, buf, 22), "killed by signal 9 (t",
	       "describe: truncated inside the timeout part");
	buf[0] = 'z';
	proc_describe(&r, buf, 0);
	is_int(buf[0], 'z', "describe: len 0 writes nothing");
}

static void test_self_signal(void)
{
	const char *argv[] = { "sh", "-c", "echo partial; kill -KILL $$", NULL };
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result r = PROC_RESULT_INIT;
	char buf[128];

	o.argv = argv;
	is_int(run(&o, &r), 0, "self kill: runs");
	ok(r.signaled && r.term_signal == SIGKILL && !r.exited && !r.timed_out,
	   "self kill: signaled, no timeout");
	is_str(r.out, "partial\n", "self kill: output kept");
	is_str(proc_describe(&r, buf, sizeof(buf)), "killed by signal 9",
	       "self kill: described");
	proc_result_release(&r);
}

int main(void)
{
	int fds_before, fds_after;
	pid_t left;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	fds_before = count_fds();

	test_exit_code();
	test_capture();
	test_stdin();
	test_big_echo();
	test_large_output();
	test_ignored_stdin();
	test_timeout();
	test_kill_after_grace();
	test_cannot_run();
	test_cwd();
	test_env();
	test_signal_state();
	test_closed_stdin();
	test_self_signal();
	test_describe();

	fds_after = count_fds();
	is_int(fds_after, fds_before, "no descriptors left open");
	left = waitpid(-1, NULL, WNOHANG);
	ok(left < 0 && errno == ECHILD, "no children left behind");

	rmdir(tmpdir);
	return done_testing();
}
