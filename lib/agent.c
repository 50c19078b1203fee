/*
 * agent.c - the start and end of every program (see agent.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "agent.h"
#include "error.h"
#include "log.h"
#include "banned.h"

const struct opt agent_common_opts[] = {
	{ "help", OPT_HELP, NULL, "show this help and exit" },
	{ "version", OPT_VERSION, NULL, "show the version and linked libraries and exit" },
	{ "workspace", OPT_WORKSPACE, "DIR", "directory for the files agents make" },
	{ "config", OPT_CONFIG, "FILE", "read this configuration file too" },
	{ "engine", OPT_ENGINE, "NAME", "rules (default) or llm" },
	{ "no-pass", OPT_NO_PASS, NULL, "write only this program's own events" },
	{ "log-level", OPT_LOG_LEVEL, "LEVEL", "error, warn, info (default) or debug" },
	{ "log-format", OPT_LOG_FORMAT, "FORMAT", "text (default) or json on stderr" },
	{ "max-line", OPT_MAX_LINE, "SIZE", "longest input line (default 16M)" },
	{ "list-options", OPT_LIST_OPTIONS, NULL, "list options for shell completion and exit" },
	OPT_END
};

/*
 * Ensure that file descriptors 0, 1 and 2 are open. Otherwise the first
 * files this program opens could become its stdout, and events would be
 * written into them.
 */
static void check_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);

			if (n >= 0 && n != fd)
				close(n);
		}
}

int agent_init(struct agent *a, const char *prog)
{
	check_fds();
	signal(SIGPIPE, SIG_DFL);
	memset(a, 0, sizeof(*a));
	a->prog = prog;
	a->fopts = (struct filter_opts)FILTER_OPTS_INIT;
	log_init(prog);
	a->cfg = config_new();
	if (!a->cfg)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

int agent_option(struct agent *a, int key, const char *arg)
{
	const char *name = NULL, *flag = NULL;

	switch (key) {
	case OPT_HELP: a->help = 1; return 1;
	case OPT_VERSION: a->version = 1; return 1;
	case OPT_LIST_OPTIONS: a->list_options = 1; return 1;
	case OPT_CONFIG: a->config_file = arg; return 1;
	case OPT_NO_PASS: a->fopts.no_pass = 1; return 1;
	case OPT_WORKSPACE: name = "workspace"; flag = "--workspace"; break;
	case OPT_ENGINE: name = "engine"; flag = "--engine"; break;
	case OPT_LOG_LEVEL: name = "log.level"; flag = "--log-level"; break;
	case OPT_LOG_FORMAT: name = "log.format"; flag = "--log-format"; break;
	case OPT_MAX_LINE: name = "max_line"; flag = "--max-line"; break;
	case OPT_MODEL: name = "llm.model"; flag = "--model"; break;
	case OPT_JOBS: name = "llm.jobs"; flag = "--jobs"; break;
	case OPT_NO_CACHE: name = "llm.cache"; flag = "--no-cache"; arg = "off"; break;
	case OPT_CACHE_ONLY: name = "llm.cache"; flag = "--cache-only"; arg = "only"; break;
	case OPT_MAX_TOKENS_TOTAL: name = "llm.max_tokens_total"; flag = "--max-tokens-total"; break;
	case OPT_MAX_COST: name = "llm.max_cost"; flag = "--max-cost"; break;
	default: return 0;
	}
	if (config_set(a->cfg, name, arg, CONFIG_FLAG, flag) < 0)
		return -1;
	return 1;
}

int agent_start(struct agent *a, const char *source, char *const *envp)
{
	const char *v, *sde = NULL;
	size_t max_line;
	int r;

	if (config_load_standard(a->cfg, a->config_file, envp) < 0)
		return -1;
	if ((v = config_get(a->cfg, "log.level")) && log_set_level(v) < 0)
		return -1;
	if ((v = config_get(a->cfg, "log.format")) && log_set_format(v) < 0)
		return -1;
	if ((v = config_get(a->cfg, "engine")) && strcmp(v, "rules") && strcmp(v, "llm"))
		return ak_error(AK_EXIT_USAGE, "unknown engine '%s' (use rules or llm)", v);
	r = config_get_size(a->cfg, "max_line", &max_line);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (max_line < 64 || max_line > ((size_t)1 << 30))
			return ak_error(AK_EXIT_USAGE,
					"max line %zu is out of range (64 bytes to 1G)", max_line);
		a->fopts.max_line = max_line;
	}
	for (char *const *e = envp; e && *e; e++)
		if (!strncmp(*e, "SOURCE_DATE_EPOCH=", 18))
			sde = *e + 18;
	if ((v = config_get(a->cfg, "source")))
		source = v;
	if (event_ctx_init(&a->ec, source, sde) < 0)
		return -1;
	return out_init(&a->out, 1, 0);
}

int agent_finish(struct agent *a, int status)
{
	int rc = 0;

	if (a->out.buf)
		rc = out_close(&a->out);
	if (rc == 0 && (fflush(stdout) || ferror(stdout)))
		rc = ak_error(AK_EXIT_IOERR, "write error: %s", strerror(errno));
	config_free(a->cfg);
	a->cfg = NULL;
	if (rc < 0) {
		log_error("%s", ak_errmsg());
		return ak_errcode();
	}
	return status;
}

void agent_print_version(const char *prog)
{
	printf("%s %s\n", prog, AK_VERSION);
	printf("jansson %s\n", jansson_version_str());
	printf("libyaml %s\n", yaml_get_version_string());
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
}

int agent_die(const char *prog)
{
	fprintf(stderr, "%s: %s\n", prog, ak_errmsg());
	return ak_errcode();
}

int agent_usage_error(const char *prog, const char *msg)
{
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", prog, msg, prog);
	return AK_EXIT_USAGE;
}

int agent_command_line(struct agent *a, const struct opt *own, int argc, char **argv,
		       int (*fn)(void *ctx, int key, const char *arg), void *ctx,
		       void (*usage)(void), int *first)
{
	struct opts o;
	const char *arg;
	int k, r;

	opts_begin(&o, a->prog, agent_common_opts, own, argc, argv, 0);
	while ((k = opts_next(&o, &arg)) != -1) {
		if (k == '?')
			return agent_usage_error(a->prog, opts_error(&o));
		if ((r = agent_option(a, k, arg)) < 0 || (!r && fn(ctx, k, arg) < 0))
			return agent_usage_error(a->prog, ak_errmsg());
	}
	*first = opts_index(&o);
	if (a->help)
		usage();
	else if (a->version)
		agent_print_version(a->prog);
	else if (a->list_options) {
		opts_list(stdout, "", agent_common_opts);
		opts_list(stdout, "", own);
	}
	return a->help || a->version || a->list_options ? 0 : -1;
}

int agent_each_input(int argc, char **argv, int (*fn)(void *ctx, int fd, const char *name),
		     void *ctx)
{
	int missing = 0;

	if (argc == 0)
		return fn(ctx, 0, "stdin") < 0 ? -1 : 0;
	for (int i = 0; i < argc; i++) {
		int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY | O_CLOEXEC) : 0;
		int rc;

		/* like cat: say so, go on with the others, fail at the end */
		if (fd < 0) {
			log_error("cannot open '%s': %s", argv[i], strerror(errno));
			missing = 1;
			continue;
		}
		rc = fn(ctx, fd, fd ? argv[i] : "stdin");
		if (fd)
			close(fd);
		if (rc < 0)
			return -1;
	}
	return missing;
}

int agent_input_status(int status, int missing)
{
	return missing && (status == 0 || status == AK_EXIT_GATE || status == AK_EXIT_DATAERR) ?
	       AK_EXIT_IOERR : status;
}

struct filter_input {
	struct agent *a;
	struct filter *f;
};

static int filter_input(void *ctx, int fd, const char *name)
{
	struct filter_input *fi = ctx;

	if (filter_run(fi->f, fd, name) == 0)
		return filter_stopped(fi->f) ? -1 : 0;
	/* a failing output is reported once, by agent_finish, and stops */
	if (fi->a->out.code)
		return -1;
	log_error("%s", ak_errmsg());
	return 0;
}

int agent_filter_inputs(struct agent *a, struct filter *f, int argc, char **argv)
{
	struct filter_input fi = { a, f };
	int missing = agent_each_input(argc, argv, filter_input, &fi);

	return agent_input_status(filter_status(f), missing > 0);
}
