/*
 * doctor.c - the checks of `agentctl doctor`, a table of functions that
 * each look at one thing agentkit needs and say what to do about it.
 *
 * A check fills a struct doctor_result: ok, warn, fail or skip, a line of
 * detail, and a fix hint. Checks share nothing but the environment they
 * read, so doctor_run gives each its own thread and joins them all; every
 * wait inside a check is bounded by the environment's timeout (programs
 * are run through lib/proc.h with it, HTTP requests and the PostgreSQL
 * connection carry it, Kafka's metadata request is given it), which is
 * what keeps a slow broker from making the whole report slow.
 *
 * HTTP goes through libcurl directly rather than lib/http.h: the model
 * server wants its API key in a header, and the report words transport
 * errors from curl's error codes, so that a line says the same thing on
 * every run (curl's own message carries timings).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "buf.h"
#include "doctor.h"
#include "error.h"
#include "kafka.h"
#include "proc.h"
#include "store.h"
#include "banned.h"

#define GIB ((uint64_t)1 << 30)
#define HTTP_BODY_MAX (1024 * 1024)
#define ANTHROPIC_VERSION "2023-06-01"

/* ---- results ---- */

/* snprintf where cutting the text short is intended (the report has room
 * for a line, not for every path a user may have). */
static void textf(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void textf(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

static int say(struct doctor_result *r, enum doctor_status st, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Set the result: status, fix (NULL: none) and the detail from fmt. */
static int say(struct doctor_result *r, enum doctor_status st, const char *fix,
		const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Add one finding to a result that collects several (the configuration's):
 * the worst status wins; details are joined with "; ", and so are fixes.
 */
static int add_finding(struct doctor_result *r, enum doctor_status st, const char *fix,
			const char *detail)
{
	size_t n;

	if (r->status == DOCTOR_OK || (st == DOCTOR_FAIL && r->status != DOCTOR_FAIL)) {
		/* a worse finding goes first */
		char old[DOCTOR_TEXT], oldfix[DOCTOR_TEXT];

		snprintf(old, sizeof(old), "%s", r->status == DOCTOR_OK ? "" : r->detail);
		snprintf(oldfix, sizeof(oldfix), "%s", r->status == DOCTOR_OK ? "" : r->fix);
		textf(r->detail, sizeof(r->detail), "%s%s%s", detail, *old ? "; " : "", old);
		textf(r->fix, sizeof(r->fix), "%s%s%s", fix ? fix : "",
			 fix && *oldfix ? "; " : "", oldfix);
		r->status = st;
		return 0;
	}
	n = strlen(r->detail);
	snprintf(r->detail + n, sizeof(r->detail) - n, "; %s", detail);
	if (fix && !strstr(r->fix, fix)) {
		n = strlen(r->fix);
		snprintf(r->fix + n, sizeof(r->fix) - n, "%s%s", n ? "; " : "", fix);
	}
	return 0;
}

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_WARN: return "warn";
	case DOCTOR_FAIL: return "fail";
	case DOCTOR_SKIP: return "skip";
	}
	return "?";
}

/* "5s", "1.5s", "500ms": a timeout as the report shows it. */
static const char *duration(long ms, char *out, size_t len)
{
	if (ms < 1000)
		snprintf(out, len, "%ldms", ms);
	else if (ms % 1000 == 0)
		snprintf(out, len, "%lds", ms / 1000);
	else
		snprintf(out, len, "%.1fs", (double)ms / 1000);
	return out;
}

static long timeout_of(const struct doctor_env *env)
{
	return env->timeout_ms > 0 ? env->timeout_ms : 5000;
}

/* 1204 as "1,204". */
static const char *thousands(int64_t v, char *out, size_t len)
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? 0 : v));
	n = strlen(digits);
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

int doctor_parse_timeout(const char *s, long *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v != v || v < 0)
		goto bad;
	if (!strcmp(end, "ms"))
		;
	else if (!*end || !strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else
		goto bad;
	if (v < 1 || v > 3600000)
		return ak_error(AK_EXIT_USAGE, "timeout '%s' is out of range (1ms to 1h)", s);
	*ms = (long)v;
	return 0;
bad:
	return ak_error(AK_EXIT_USAGE, "bad timeout '%s' (N, Ns, Nms or Nm)", s);
}

int doctor_version_in(const char *text, char *out, size_t len)
{
	const char *p;

	if (len)
		out[0] = '\0';
	for (p = text; *p; p++) {
		size_t n = 0;

		if (!(*p >= '0' && *p <= '9') || (p > text && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (p[n] != '.' || !(p[n + 1] >= '0' && p[n + 1] <= '9'))
			continue;
		n = strcspn(p, " \t\r\n,()[];\"'");
		while (n && (p[n - 1] == '.' || p[n - 1] == ':'))
			n--;
		snprintf(out, len, "%.*s", (int)n, p);
		return 1;
	}
	return 0;
}

enum doctor_status doctor_disk_status(uint64_t avail, uint64_t total)
{
	if (avail < GIB || (total && avail * 100 < total * 5))
		return DOCTOR_WARN;
	return DOCTOR_OK;
}

/* ---- programs ---- */

/* The path of name on PATH (or name itself when it holds a '/'), or 0. */
static int which(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *e;
	struct stat st;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; p; p = e ? e + 1 : NULL) {
		size_t n;

		e = strchr(p, ':');
		n = e ? (size_t)(e - p) : strlen(p);
		if ((size_t)snprintf(out, len, "%.*s/%s", (int)(n ? n : 1), n ? p : ".", name) >= len)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 1;
	}
	return 0;
}

/*
 * Run path with one argument, for at most the timeout, into *res. 0 when
 * it ran (whatever its status), -1 when it could not be run.
 */
static int run_probe(const struct doctor_env *env, const char *path, const char *arg,
		     const char *arg2, struct proc_result *res)
{
	const char *argv[] = { path, arg, arg2, NULL };
	struct proc_opts po = PROC_OPTS_INIT;

	po.argv = argv;
	po.timeout_ms = timeout_of(env);
	po.kill_grace_ms = 200;
	po.max_output = 64 * 1024;
	return proc_run(&po, res);
}

struct program {
	const char *names[3];       /* tried in order on PATH */
	const char *version_arg;    /* what makes it print its version */
	const char *fix;
};

static const struct program programs[] = {
	{ { "node", "nodejs" }, "--version", "apt-get install nodejs (or scripts/install-deps)" },
	{ { "npm" }, "--version", "apt-get install npm (or scripts/install-deps)" },
	{ { "git" }, "--version", "apt-get install git" },
	{ { "nginx" }, "-v", "apt-get install nginx" },
	{ { "haproxy" }, "-v", "apt-get install haproxy" },
	{ { "prometheus" }, "--version", "apt-get install prometheus" },
	{ { "kcat" }, "-V", "apt-get install kcat" },
	{ { "terraform", "tofu" }, "version",
	  "install OpenTofu or Terraform (Debian packages neither), or set tf.bin" },
	{ { "chromium", "chromium-browser" }, "--version", "apt-get install chromium" },
	{ { "jq" }, "--version", "apt-get install jq" },
};

/* A program that is optional: found with its version, or a warning. */
static int check_program(const struct doctor_env *env, const struct program *pg,
			  struct doctor_result *r)
{
	struct proc_result res = PROC_RESULT_INIT;
	const char *tf = NULL, *name = NULL;
	char path[PATH_MAX], version[64] = "";

	if (!strcmp(pg->names[0], "terraform") && (tf = config_get(env->cfg, "tf.bin")) && *tf) {
		if (which(tf, path, sizeof(path)))
			name = tf;
		else
			return say(r, DOCTOR_WARN, "install it, or correct tf.bin (agentctl config)",
				   "tf.bin '%s' is not found on PATH", tf);
	}
	for (int i = 0; !name && i < 3 && pg->names[i]; i++)
		if (which(pg->names[i], path, sizeof(path)))
			name = pg->names[i];
	if (!name) {
		if (pg->names[1])
			return say(r, DOCTOR_WARN, pg->fix, "neither %s nor %s is on PATH",
				   pg->names[0], pg->names[1]);
		return say(r, DOCTOR_WARN, pg->fix, "%s is not on PATH", pg->names[0]);
	}
	if (run_probe(env, path, pg->version_arg, NULL, &res) == 0) {
		if (!doctor_version_in(res.out, version, sizeof(version)))
			doctor_version_in(res.err, version, sizeof(version));
		proc_result_release(&res);
	}
	name = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	if (*version)
		say(r, DOCTOR_OK, NULL, "%s %s at %s", name, version, path);
	else
		say(r, DOCTOR_OK, NULL, "%s at %s (version unknown)", name, path);
	return 0;
}

/* The generated back end's stack: python3 that imports these. */
#define PY_MODULES "fastapi", "uvicorn", "pytest"
#define PY_FIX "apt-get install python3 python3-fastapi python3-uvicorn python3-pytest"

static int check_python(const struct doctor_env *env, struct doctor_result *r)
{
	static const char script[] =
		"import sys\n"
		"bad = []\n"
		"for m in (\"fastapi\", \"uvicorn\", \"pytest\"):\n"
		"    try:\n"
		"        __import__(m)\n"
		"    except Exception:\n"
		"        bad.append(m)\n"
		"print(sys.version.split()[0], \" \".join(bad))\n";
	struct proc_result res = PROC_RESULT_INIT;
	char path[PATH_MAX], version[64] = "", why[128], fix[DOCTOR_TEXT];
	const char *missing;

	if (!which("python3", path, sizeof(path)))
		return say(r, DOCTOR_FAIL, PY_FIX, "python3 is not on PATH");
	if (run_probe(env, path, "-c", script, &res) < 0)
		return say(r, DOCTOR_FAIL, PY_FIX, "%s", ak_errmsg());
	if (!res.exited || res.exit_code != 0) {
		proc_describe(&res, why, sizeof(why));
		say(r, DOCTOR_FAIL, PY_FIX, "%s -c 'import fastapi, uvicorn, pytest' %s", path, why);
		proc_result_release(&res);
		return 0;
	}
	doctor_version_in(res.out, version, sizeof(version));
	missing = res.out + strcspn(res.out, " \n");
	missing += *missing == ' ';
	if (*missing && *missing != '\n') {
		struct buf b = BUF_INIT, f = BUF_INIT;
		const char *p = missing;

		buf_addstr(&f, "apt-get install");
		while (*p && *p != '\n') {
			size_t n = strcspn(p, " \n");

			buf_addf(&b, "%s%.*s", b.len ? ", " : "", (int)n, p);
			buf_addf(&f, " python3-%.*s", (int)n, p);
			p += n + (p[n] == ' ');
		}
		snprintf(fix, sizeof(fix), "%s", f.p ? f.p : PY_FIX);
		say(r, DOCTOR_FAIL, fix, "python3 %s at %s cannot import %s", version, path,
		    b.p ? b.p : "?");
		buf_release(&b);
		buf_release(&f);
	} else {
		say(r, DOCTOR_OK, NULL, "python3 %s at %s with fastapi, uvicorn, pytest", version,
		    path);
	}
	proc_result_release(&res);
	return 0;
}

static const char *const agents[] = {
	"agent-analyze", "agent-backend", "agent-frontend", "agent-app", "agent-integrate",
	"agent-test", "agent-secscan", "agent-deploy",
};

#define NAGENTS (sizeof(agents) / sizeof(*agents))

static int check_agents(const struct doctor_env *env, struct doctor_result *r)
{
	char path[PATH_MAX];
	struct buf missing = BUF_INIT;
	size_t beside = 0, onpath = 0;
	struct stat st;

	for (size_t i = 0; i < NAGENTS; i++) {
		if (env->self_dir &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", env->self_dir, agents[i]) <
			    sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			beside++;
		else if (which(agents[i], path, sizeof(path)))
			onpath++;
		else
			buf_addf(&missing, "%s%s", missing.len ? ", " : "", agents[i]);
	}
	if (missing.len)
		say(r, DOCTOR_FAIL, "make install, or put agentkit's bin/ folder on PATH",
		    "not found next to agentctl nor on PATH: %s", missing.p);
	else if (!onpath)
		say(r, DOCTOR_OK, NULL, "%zu agents next to agentctl in %s", beside, env->self_dir);
	else if (!beside)
		say(r, DOCTOR_OK, NULL, "%zu agents on PATH", onpath);
	else
		say(r, DOCTOR_OK, NULL, "%zu agents next to agentctl in %s, %zu on PATH", beside,
		    env->self_dir, onpath);
	buf_release(&missing);
	return 0;
}

/* ---- configuration ---- */

static const char *env_value(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static int is_secret(const char *key)
{
	for (const struct config_key *k = config_keys(); k->name; k++)
		if (!strcmp(k->name, key))
			return k->secret;
	return 0;
}

struct secrets {
	struct buf keys;
};

static int collect_secret(const char *key, const char *value, enum config_layer layer,
			  const char *origin, void *ctx)
{
	struct secrets *s = ctx;

	if (layer != CONFIG_DEFAULT && *value && is_secret(key))
		buf_addf(&s->keys, "%s%s", s->keys.len ? ", " : "", key);
	return 0;
}

/* What one configuration file holds: unknown keys, secrets readable by others. */
static int check_config_file(const char *path, enum config_layer layer,
			      struct doctor_result *r)
{
	struct config *c = config_new();
	struct secrets s = { BUF_INIT };
	char msg[DOCTOR_TEXT], fix[DOCTOR_TEXT];
	struct stat st;
	char *unknown;

	if (!c)
		return add_finding(r, DOCTOR_FAIL, NULL, "out of memory");
	if (config_load_file(c, path, layer, 0) < 0) {
		/* config_load_standard has said so already */
		config_free(c);
		return 0;
	}
	if ((unknown = config_unknown_keys(c))) {
		textf(msg, sizeof(msg), "'%s' sets unknown keys: %s", path, unknown);
		add_finding(r, DOCTOR_WARN, "correct the spelling (agentctl config --json "
			    "lists the known keys)", msg);
		free(unknown);
	}
	config_foreach(c, collect_secret, &s);
	if (s.keys.len && stat(path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH))) {
		textf(msg, sizeof(msg), "'%s' holds %s and is readable by others (mode %03o)",
			 path, s.keys.p, (unsigned)(st.st_mode & 0777));
		textf(fix, sizeof(fix), "chmod 600 %s", path);
		add_finding(r, DOCTOR_WARN, fix, msg);
	}
	buf_release(&s.keys);
	config_free(c);
	return 0;
}

static int one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return 1;
	return 0;
}

static int check_config(const struct doctor_env *env, struct doctor_result *r)
{
	static const char *const engines[] = { "rules", "llm", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	static const char *const formats[] = { "text", "json", NULL };
	const char *xdg = env_value(env->envp, "XDG_CONFIG_HOME");
	const char *home = env_value(env->envp, "HOME");
	struct {
		char path[PATH_MAX];
		enum config_layer layer;
	} files[3];
	struct buf names = BUF_INIT;
	struct config *all;
	char msg[DOCTOR_TEXT];
	const char *v;
	size_t nfiles = 0, nread = 0, size;
	struct stat st;

	r->status = DOCTOR_OK;
	r->detail[0] = r->fix[0] = '\0';
	if (xdg && xdg[0] == '/')
		snprintf(files[nfiles].path, PATH_MAX, "%s/agentkit/config.yaml", xdg);
	else if (home && *home)
		snprintf(files[nfiles].path, PATH_MAX, "%s/.config/agentkit/config.yaml", home);
	else
		files[nfiles].path[0] = '\0';
	files[nfiles++].layer = CONFIG_USER;
	snprintf(files[nfiles].path, PATH_MAX, "./agentkit.yaml");
	files[nfiles++].layer = CONFIG_PROJECT;
	if (env->config_file) {
		snprintf(files[nfiles].path, PATH_MAX, "%s", env->config_file);
		files[nfiles++].layer = CONFIG_FILE;
	}

	/* the layers as every program loads them */
	if (!(all = config_new()))
		return say(r, DOCTOR_FAIL, NULL, "out of memory");
	if (config_load_standard(all, env->config_file, env->envp) < 0) {
		snprintf(msg, sizeof(msg), "%s", ak_errmsg());
		add_finding(r, DOCTOR_FAIL, "correct the file (every agentkit program refuses "
			    "to start until it loads)", msg);
	}
	config_free(all);

	for (size_t i = 0; i < nfiles; i++) {
		/* --config /dev/stdin and the like are read once, by the program */
		if (!files[i].path[0] || stat(files[i].path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		nread++;
		buf_addf(&names, "%s%s", names.len ? ", " : "", files[i].path);
		check_config_file(files[i].path, files[i].layer, r);
	}

	if ((v = config_get(env->cfg, "engine")) && !one_of(v, engines)) {
		snprintf(msg, sizeof(msg), "engine '%s' is not rules or llm", v);
		add_finding(r, DOCTOR_FAIL, "set engine to rules or llm", msg);
	}
	if ((v = config_get(env->cfg, "log.level")) && !one_of(v, levels)) {
		snprintf(msg, sizeof(msg), "log.level '%s' is not error, warn, info or debug", v);
		add_finding(r, DOCTOR_FAIL, "set log.level to error, warn, info or debug", msg);
	}
	if ((v = config_get(env->cfg, "log.format")) && !one_of(v, formats)) {
		snprintf(msg, sizeof(msg), "log.format '%s' is not text or json", v);
		add_finding(r, DOCTOR_FAIL, "set log.format to text or json", msg);
	}
	if (config_get_size(env->cfg, "max_line", &size) < 0) {
		snprintf(msg, sizeof(msg), "%s", ak_errmsg());
		add_finding(r, DOCTOR_FAIL, "set max_line to a size such as 16M", msg);
	}
	if (r->status == DOCTOR_OK) {
		if (nread)
			say(r, DOCTOR_OK, NULL, "%zu file%s read: %s", nread, nread == 1 ? "" : "s",
			    names.p);
		else
			say(r, DOCTOR_OK, NULL, "no configuration files: defaults and environment");
	}
	buf_release(&names);
	return 0;
}

/* ---- the store ---- */

/* The folder of a file path ("." for a bare name), into out. */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

/*
 * 0 when a file can be made in dir and written; -1 (why set) when dir is
 * missing or not a folder, 1 (why set) when it is one that cannot be written.
 */
static int dir_writable(const char *dir, char *why, size_t len)
{
	struct statvfs vfs;
	struct stat st;

	if (stat(dir, &st) < 0) {
		snprintf(why, len, "'%s' %s", dir, errno == ENOENT ? "does not exist" : strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "'%s' is not a directory", dir);
		return -1;
	}
	/* root passes access(2) for any mode bits, but not on a read-only mount */
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(why, len, "'%s' is not writable: %s", dir, strerror(errno));
		return 1;
	}
	if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		snprintf(why, len, "'%s' is not writable: %s", dir, strerror(EROFS));
		return 1;
	}
	return 0;
}

static int store_summary(struct store *s, const char *what, const char *server,
			  struct doctor_result *r)
{
	char count[32] = "";
	int64_t n = 0;
	int v = 0;

	if (store_version(s, &v) < 0)
		return say(r, DOCTOR_FAIL, NULL, "%s", ak_errmsg());
	if (v == 0)
		return say(r, DOCTOR_WARN, "agentctl store migrate (or the first agentctl record)",
			   "%s%s is empty: no schema yet", what, server);
	if (store_count(s, &n) < 0)
		return say(r, DOCTOR_FAIL, NULL, "%s", ak_errmsg());
	thousands(n, count, sizeof(count));
	if (v < STORE_SCHEMA_VERSION)
		return say(r, DOCTOR_WARN, "agentctl store migrate",
			   "%s%s, schema %d (behind %d), %s event%s", what, server, v,
			   STORE_SCHEMA_VERSION, count, n == 1 ? "" : "s");
	say(r, DOCTOR_OK, NULL, "%s%s, schema %d (current), %s event%s", what, server, v, count,
	    n == 1 ? "" : "s");
	return 0;
}

static int check_sqlite(const struct doctor_env *env, const char *path,
			 struct doctor_result *r)
{
	struct store_opts so = STORE_OPTS_INIT;
	char dir[PATH_MAX], why[PATH_MAX + 64], what[PATH_MAX + 16];
	struct store *s;
	struct stat st;
	int w;

	snprintf(what, sizeof(what), "sqlite %s", path);
	dir_of(path, dir, sizeof(dir));
	if (stat(path, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return say(r, DOCTOR_FAIL, NULL, "cannot look at '%s': %s", path,
				   strerror(errno));
		if ((w = dir_writable(dir, why, sizeof(why))))
			return say(r, DOCTOR_FAIL, w > 0 ? "make the folder writable, or set store "
				   "(AGENTKIT_STORE) to a path in a writable folder" : "set store "
				   "(AGENTKIT_STORE) to a path in a writable folder", "%s: %s", what, why);
		return say(r, DOCTOR_OK, NULL, "%s not made yet (the first agentctl record "
			   "makes it)", what);
	}
	if (!S_ISREG(st.st_mode))
		return say(r, DOCTOR_FAIL, "set store (AGENTKIT_STORE) to a file path",
			   "%s is not a file", what);
	/* SQLite writes its -wal and -shm files next to the store */
	if (access(path, W_OK) < 0 || dir_writable(dir, why, sizeof(why))) {
		if (access(path, W_OK) < 0)
			snprintf(why, sizeof(why), "'%s' is not writable: %s", path, strerror(errno));
		return say(r, DOCTOR_FAIL, "make the store and its folder writable, or set store "
			   "(AGENTKIT_STORE) to a path in a writable folder", "%s: %s", what, why);
	}
	so.no_migrate = 1;
	if (!(s = store_open(path, &so)))
		return say(r, DOCTOR_FAIL, "set store (AGENTKIT_STORE) to an agentkit store",
			   "%s", ak_errmsg());
	store_summary(s, what, "", r);
	store_close(s);
	return 0;
}

/* Connect once with a timeout: the server's version, and whether it answers. */
static int pg_probe(const struct doctor_env *env, const char *spec, char *server, size_t len,
		    char *err, size_t errlen)
{
	char tmo[16];
	const char *keys[] = { "dbname", "connect_timeout", "fallback_application_name", NULL };
	const char *vals[] = { spec, tmo, "agentkit-doctor", NULL };
	PGconn *c;
	int v;

	/* libpq counts whole seconds, and no fewer than 2 */
	textf(tmo, sizeof(tmo), "%ld", (timeout_of(env) + 999) / 1000);
	c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		const char *m = c ? PQerrorMessage(c) : "out of memory";

		snprintf(err, errlen, "%.*s", (int)strcspn(m, "\n"), m);
		PQfinish(c);
		return -1;
	}
	v = PQserverVersion(c);
	snprintf(server, len, "postgres %s:%s/%s (server %d.%d)", PQhost(c), PQport(c), PQdb(c),
		 v / 10000, v >= 100000 ? v % 10000 : v / 100 % 100);
	PQfinish(c);
	return 0;
}

static int check_postgres(const struct doctor_env *env, const char *spec,
			   struct doctor_result *r)
{
	struct store_opts so = STORE_OPTS_INIT;
	char server[512], err[256];
	struct store *s;

	if (pg_probe(env, spec, server, sizeof(server), err, sizeof(err)) < 0)
		return say(r, DOCTOR_FAIL, "start the server, or correct store (AGENTKIT_STORE)",
			   "cannot connect to PostgreSQL: %s", err);
	so.no_migrate = 1;
	if (!(s = store_open(spec, &so)))
		return say(r, DOCTOR_FAIL, NULL, "%s", ak_errmsg());
	store_summary(s, server, "", r);
	store_close(s);
	return 0;
}

static int check_store(const struct doctor_env *env, struct doctor_result *r)
{
	const char *spec = env->store;

	if (!spec || !*spec)
		return say(r, DOCTOR_FAIL, "set store (AGENTKIT_STORE)", "no store configured");
	if (store_spec_is_postgres(spec))
		check_postgres(env, spec, r);
	else
		check_sqlite(env, spec, r);
	return 0;
}

/* ---- Kafka ---- */

static int check_kafka(const struct doctor_env *env, struct doctor_result *r)
{
	struct kafka_opts o = KAFKA_OPTS_INIT;
	const char *prefix = config_get(env->cfg, "kafka.topic_prefix");
	int nb = 0, nt = 0;
	char d[32];

	o.brokers = config_get(env->cfg, "kafka.brokers");
	if (!o.brokers || !*o.brokers)
		return say(r, DOCTOR_SKIP, NULL, "not configured (kafka.brokers)");
	o.topic_prefix = prefix && *prefix ? prefix : NULL;
	o.timeout_ms = timeout_of(env);
	if (kafka_ping(&o, timeout_of(env), &nb, &nt) < 0) {
		if (ak_errcode() == AK_EXIT_UNAVAILABLE)
			return say(r, DOCTOR_FAIL, "start the brokers or set kafka.brokers "
				   "(agentctl config)", "cannot reach %s within %s", o.brokers,
				   duration(timeout_of(env), d, sizeof(d)));
		return say(r, DOCTOR_FAIL, "correct kafka.brokers (agentctl config)", "%s",
			   ak_errmsg());
	}
	say(r, DOCTOR_OK, NULL, "%d broker%s, %d topic%s under '%s'", nb, nb == 1 ? "" : "s", nt,
	    nt == 1 ? "" : "s", o.topic_prefix ? o.topic_prefix : "agentkit.");
	return 0;
}

/* ---- HTTP ---- */

struct reply {
	long status;            /* 0: no answer */
	struct buf body;
	char error[160];        /* when status is 0 */
};

static size_t take(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	return buf_add(b, data, size * nmemb) < 0 ? 0 : size * nmemb;
}

/* GET url with the headers (NULL-terminated, or NULL) into *rep. */
static void http_fetch(const struct doctor_env *env, const char *url,
		       const char *const *headers, struct reply *rep)
{
	struct curl_slist *h = NULL;
	char d[32];
	CURLcode rc;
	CURL *e;

	rep->status = 0;
	rep->error[0] = '\0';
	buf_init(&rep->body, HTTP_BODY_MAX);
	if (!(e = curl_easy_init())) {
		snprintf(rep->error, sizeof(rep->error), "cannot set up libcurl");
		return;
	}
	for (; headers && *headers; headers++)
		h = curl_slist_append(h, *headers);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_of(env));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_of(env));
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "agentkit-doctor");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &rep->body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &rep->status);
	if (!rep->status) {
		/* worded from the code: curl's own text carries timings */
		if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(rep->error, sizeof(rep->error), "no answer within %s",
				 duration(timeout_of(env), d, sizeof(d)));
		else if (rc == CURLE_COULDNT_CONNECT)
			snprintf(rep->error, sizeof(rep->error), "cannot connect");
		else if (rc == CURLE_COULDNT_RESOLVE_HOST)
			snprintf(rep->error, sizeof(rep->error), "cannot resolve the host name");
		else
			snprintf(rep->error, sizeof(rep->error), "%s", curl_easy_strerror(rc));
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
}

/* base without trailing slashes, then tail. */
static void url_join(const char *base, const char *tail, char *out, size_t len)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	snprintf(out, len, "%.*s%s", (int)n, base, tail);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* The ids of a models listing (OpenAI and Anthropic both: data[].id). */
static int models_listed(const char *body, size_t len, const char *model, size_t *count)
{
	json_t *doc = json_loadb(body, len, 0, NULL), *data, *m;
	int found = 0;
	size_t i;

	*count = 0;
	data = json_object_get(doc, "data");
	if (!json_is_array(data)) {
		json_decref(doc);
		return -1;
	}
	json_array_foreach(data, i, m) {
		const char *id = json_string_value(json_object_get(m, "id"));

		(*count)++;
		if (id && model && !strcmp(id, model))
			found = 1;
	}
	json_decref(doc);
	return found;
}

static int check_llm(const struct doctor_env *env, struct doctor_result *r)
{
	const char *url = config_get(env->cfg, "llm.url");
	const char *api = config_get(env->cfg, "llm.api");
	const char *model = config_get(env->cfg, "llm.model");
	const char *key = config_get(env->cfg, "llm.key");
	const char *engine = config_get(env->cfg, "engine");
	char base[2048], models[2100], auth[1024];
	const char *headers[3] = { NULL };
	struct reply rep;
	size_t count;
	int anthropic, found;

	if (!url || !*url) {
		if (engine && !strcmp(engine, "llm") && !(key && *key) &&
		    !env_value(env->envp, "OPENAI_API_KEY") && !env_value(env->envp, "ANTHROPIC_API_KEY"))
			return say(r, DOCTOR_FAIL, "set llm.url (AGENTKIT_LLM_URL) or an API key",
				   "engine is llm, but no model server is configured");
		return say(r, DOCTOR_OK, NULL, "rules engine only (llm.url not set)");
	}
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return say(r, DOCTOR_FAIL, "set llm.url to an http:// or https:// URL",
			   "llm.url '%s' is not an http:// or https:// URL", url);
	if (!api || !strcmp(api, "auto"))
		anthropic = strstr(url, "anthropic") || ends_with(url, "/messages");
	else if (!strcmp(api, "openai") || !strcmp(api, "anthropic"))
		anthropic = api[0] == 'a';
	else
		return say(r, DOCTOR_FAIL, "set llm.api to auto, openai or anthropic",
			   "llm.api '%s' is not auto, openai or anthropic", api);
	if (!key || !*key)
		key = env_value(env->envp, anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY");

	/* the models endpoint sits beside the chat endpoint */
	snprintf(base, sizeof(base), "%s", url);
	if (ends_with(base, "/chat/completions"))
		base[strlen(base) - strlen("/chat/completions")] = '\0';
	else if (ends_with(base, "/messages"))
		base[strlen(base) - strlen("/messages")] = '\0';
	url_join(base, "/models", models, sizeof(models));
	if (anthropic) {
		headers[0] = "anthropic-version: " ANTHROPIC_VERSION;
		if (key && *key) {
			snprintf(auth, sizeof(auth), "x-api-key: %s", key);
			headers[1] = auth;
		}
	} else if (key && *key) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		headers[0] = auth;
	}
	http_fetch(env, models, headers, &rep);
	if (!rep.status) {
		say(r, DOCTOR_FAIL, "start the model server, or correct llm.url (agentctl config)",
		    "cannot reach %s: %s", models, rep.error);
	} else if (rep.status == 401 || rep.status == 403) {
		say(r, DOCTOR_FAIL, "set llm.key or AGENTKIT_LLM_KEY",
		    "the key was refused: %s answered HTTP %ld", models, rep.status);
	} else if (rep.status == 404) {
		say(r, DOCTOR_WARN, "check llm.url: the API's base URL, such as "
		    "http://localhost:11434/v1", "%s answered HTTP 404: the server does not list "
		    "its models", models);
	} else if (rep.status < 200 || rep.status > 299) {
		say(r, DOCTOR_FAIL, "check the model server's log",
		    "%s answered HTTP %ld", models, rep.status);
	} else if ((found = models_listed(rep.body.p ? rep.body.p : "", rep.body.len, model,
					  &count)) < 0) {
		say(r, DOCTOR_WARN, "check llm.url: the API's base URL",
		    "%s answered, but not with a list of models", models);
	} else if (!model || !*model) {
		say(r, DOCTOR_WARN, "set llm.model (AGENTKIT_LLM_MODEL)",
		    "%s lists %zu model%s, but llm.model is not set", models, count,
		    count == 1 ? "" : "s");
	} else if (!found) {
		say(r, DOCTOR_WARN, "set llm.model to a model the server lists",
		    "model '%s' is not among the %zu model%s %s lists", model, count,
		    count == 1 ? "" : "s", models);
	} else {
		say(r, DOCTOR_OK, NULL, "%s API at %s serves model '%s'",
		    anthropic ? "anthropic" : "openai", base, model);
	}
	buf_release(&rep.body);
	return 0;
}

/* ---- services ---- */

static int check_prometheus_url(const struct doctor_env *env, struct doctor_result *r)
{
	const char *url = config_get(env->cfg, "doctor.prometheus_url");
	char ready[2100];
	struct reply rep;

	if (!url || !*url)
		return say(r, DOCTOR_SKIP, NULL, "not configured (doctor.prometheus_url)");
	url_join(url, "/-/ready", ready, sizeof(ready));
	http_fetch(env, ready, NULL, &rep);
	if (!rep.status)
		say(r, DOCTOR_FAIL, "start Prometheus, or correct doctor.prometheus_url",
		    "cannot reach %s: %s", ready, rep.error);
	else if (rep.status != 200)
		say(r, DOCTOR_FAIL, "wait for Prometheus to start, or look at its log",
		    "%s answered HTTP %ld: not ready", ready, rep.status);
	else
		say(r, DOCTOR_OK, NULL, "Prometheus at %s is ready", url);
	buf_release(&rep.body);
	return 0;
}

static int check_nginx_url(const struct doctor_env *env, struct doctor_result *r)
{
	const char *url = config_get(env->cfg, "doctor.nginx_url");
	struct reply rep;

	if (!url || !*url)
		return say(r, DOCTOR_SKIP, NULL, "not configured (doctor.nginx_url)");
	http_fetch(env, url, NULL, &rep);
	if (!rep.status)
		say(r, DOCTOR_FAIL, "start nginx, or correct doctor.nginx_url",
		    "cannot reach %s: %s", url, rep.error);
	else
		say(r, DOCTOR_OK, NULL, "%s answers (HTTP %ld)", url, rep.status);
	buf_release(&rep.body);
	return 0;
}

/* ---- disk ---- */

/* The nearest existing folder of path (path itself when it is one). */
static void existing_dir(const char *path, char *out, size_t len)
{
	struct stat st;
	char *slash;

	snprintf(out, len, "%s", path);
	while (stat(out, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (!(slash = strrchr(out, '/'))) {
			snprintf(out, len, ".");
			return;
		}
		if (slash == out) {
			out[1] = '\0';
			return;
		}
		*slash = '\0';
	}
}

static void space(uint64_t avail, uint64_t total, char *out, size_t len)
{
	double pct = total ? (double)avail * 100 / (double)total : 0;

	if (avail >= GIB)
		snprintf(out, len, "%.1f GiB free (%.0f%%)", (double)avail / (double)GIB, pct);
	else
		snprintf(out, len, "%.0f MiB free (%.0f%%)", (double)avail / (1 << 20), pct);
}

static int check_disk(const struct doctor_env *env, struct doctor_result *r)
{
	const char *ws = config_get(env->cfg, "workspace");
	const char *label[2] = { "the store", "the workspace" };
	char dir[2][PATH_MAX], text[2][64];
	struct statvfs vfs[2];
	struct stat st[2];
	enum doctor_status worst = DOCTOR_OK, s[2];
	int n = 0, idx[2];

	if (env->store && *env->store && !store_spec_is_postgres(env->store)) {
		char d[PATH_MAX];

		dir_of(env->store, d, sizeof(d));
		existing_dir(d, dir[n], sizeof(dir[n]));
		idx[n++] = 0;
	}
	existing_dir(ws && *ws ? ws : ".", dir[n], sizeof(dir[n]));
	idx[n++] = 1;
	for (int i = 0; i < n; i++) {
		if (statvfs(dir[i], &vfs[i]) < 0 || stat(dir[i], &st[i]) < 0)
			return say(r, DOCTOR_WARN, NULL, "cannot tell the free space of '%s': %s",
				   dir[i], strerror(errno));
		s[i] = doctor_disk_status((uint64_t)vfs[i].f_bavail * vfs[i].f_frsize,
					  (uint64_t)vfs[i].f_blocks * vfs[i].f_frsize);
		space((uint64_t)vfs[i].f_bavail * vfs[i].f_frsize,
		      (uint64_t)vfs[i].f_blocks * vfs[i].f_frsize, text[i], sizeof(text[i]));
		if (s[i] > worst)
			worst = s[i];
	}
	if (n == 1 || st[0].st_dev == st[1].st_dev)
		say(r, worst, worst == DOCTOR_OK ? NULL : "free some space, or move the store "
		    "and the workspace (agentctl config)", "%s %s", text[0],
		    n == 1 ? "where the workspace is" : "where the store and the workspace are");
	else
		say(r, worst, worst == DOCTOR_OK ? NULL : "free some space, or move the store "
		    "and the workspace (agentctl config)", "%s: %s; %s: %s", label[idx[0]],
		    text[0], label[idx[1]], text[1]);
	return 0;
}

/* ---- the table ---- */

struct check {
	const char *name;
	int (*fn)(const struct doctor_env *env, struct doctor_result *r);
	const struct program *prog;      /* for check_program */
};

static const struct check checks[] = {
	{ "agents", check_agents, NULL },
	{ "python3", check_python, NULL },
	{ "node", NULL, &programs[0] },
	{ "npm", NULL, &programs[1] },
	{ "git", NULL, &programs[2] },
	{ "nginx", NULL, &programs[3] },
	{ "haproxy", NULL, &programs[4] },
	{ "prometheus", NULL, &programs[5] },
	{ "kcat", NULL, &programs[6] },
	{ "terraform", NULL, &programs[7] },
	{ "chromium", NULL, &programs[8] },
	{ "jq", NULL, &programs[9] },
	{ "config", check_config, NULL },
	{ "store", check_store, NULL },
	{ "kafka", check_kafka, NULL },
	{ "llm", check_llm, NULL },
	{ "prometheus.url", check_prometheus_url, NULL },
	{ "nginx.url", check_nginx_url, NULL },
	{ "disk", check_disk, NULL },
};

#define NCHECKS (sizeof(checks) / sizeof(*checks))

size_t doctor_count(void)
{
	return NCHECKS;
}

const char *doctor_name(size_t i)
{
	return i < NCHECKS ? checks[i].name : NULL;
}

int doctor_find(const char *name)
{
	for (size_t i = 0; i < NCHECKS; i++)
		if (!strcmp(checks[i].name, name))
			return (int)i;
	return -1;
}

void doctor_check(const struct doctor_env *env, size_t i, struct doctor_result *r)
{
	memset(r, 0, sizeof(*r));
	if (i >= NCHECKS) {
		r->check = "?";
		say(r, DOCTOR_FAIL, NULL, "no such check");
		return;
	}
	r->check = checks[i].name;
	if (checks[i].prog)
		check_program(env, checks[i].prog, r);
	else
		checks[i].fn(env, r);
}

struct job {
	const struct doctor_env *env;
	size_t i;
	struct doctor_result *r;
	pthread_t tid;
	int started;
};

static void *run_job(void *arg)
{
	struct job *j = arg;

	doctor_check(j->env, j->i, j->r);
	return NULL;
}

enum doctor_status doctor_run(const struct doctor_env *env, struct doctor_result *res)
{
	struct job jobs[NCHECKS];
	enum doctor_status worst = DOCTOR_OK;
	/* libcurl's global set-up is not for threads to race over: do it here */
	int curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

	for (size_t i = 0; i < NCHECKS; i++) {
		jobs[i] = (struct job){ env, i, &res[i], 0, 0 };
		jobs[i].started = pthread_create(&jobs[i].tid, NULL, run_job, &jobs[i]) == 0;
	}
	for (size_t i = 0; i < NCHECKS; i++) {
		if (jobs[i].started)
			pthread_join(jobs[i].tid, NULL);
		else
			doctor_check(env, i, &res[i]);
		if (res[i].status == DOCTOR_FAIL)
			worst = DOCTOR_FAIL;
		else if (res[i].status == DOCTOR_WARN && worst == DOCTOR_OK)
			worst = DOCTOR_WARN;
	}
	if (curl_ok)
		curl_global_cleanup();
	return worst;
}

/* ---- the report ---- */

static int shown(const struct doctor_result *r, int quiet)
{
	return !quiet || r->status == DOCTOR_WARN || r->status == DOCTOR_FAIL;
}

char *doctor_format(const struct doctor_result *res, size_t n, int quiet, int colour)
{
	static const char *const colours[] = { "32", "33", "31", "2" };
	struct buf b = BUF_INIT;
	int width = 0;

	for (size_t i = 0; i < NCHECKS; i++)
		if ((int)strlen(checks[i].name) > width)
			width = (int)strlen(checks[i].name);
	buf_addstr(&b, "");
	for (size_t i = 0; i < n; i++) {
		const struct doctor_result *r = &res[i];
		const char *st = doctor_status_name(r->status);

		if (!shown(r, quiet))
			continue;
		if (colour)
			buf_addf(&b, "\033[%sm%s\033[0m%*s", colours[r->status], st,
				 (int)(5 - strlen(st)), "");
		else
			buf_addf(&b, "%-4s ", st);
		buf_addf(&b, "%-*s  %s\n", width, r->check, r->detail);
		if (*r->fix)
			buf_addf(&b, "     fix: %s\n", r->fix);
	}
	if (!b.p) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	return buf_detach(&b, NULL);
}

json_t *doctor_json(const struct doctor_result *res, size_t n, int quiet)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o;

		if (!shown(&res[i], quiet))
			continue;
		o = json_pack("{s:s,s:s,s:s,s:s?}", "check", res[i].check, "status",
			      doctor_status_name(res[i].status), "detail", res[i].detail, "fix",
			      *res[i].fix ? res[i].fix : NULL);
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	if (!a)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return a;
}
