/*
 * u-config.c - unit tests for lib/config.c: defaults, the order of the
 * layers and the origin each value remembers, how YAML maps to dotted keys,
 * and the refusals (syntax errors, aliases, deep nesting, bad sizes) that
 * must leave the configuration exactly as it was.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "tap.h"

static char tmpdir[] = "/tmp/u-config.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f) == EOF) {
		printf("Bail out! cannot write '%s': %s\n", path,
		       strerror(errno));
		exit(1);
	}
}

static char *path_in(const char *name)
{
	static char buf[8][PATH_MAX];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

/* config_foreach into one string: "key=value layer origin\n" per value. */
struct dump {
	char s[8192];
	size_t len;
	int stop_after;      /* stop when this many were seen (0: never) */
	int seen;
};

static int dump_one(const char *key, const char *value,
		    enum config_layer layer, const char *origin, void *ctx)
{
	struct dump *d = ctx;
	int n = snprintf(d->s + d->len, sizeof(d->s) - d->len, "%s=%s %s %s\n",
			 key, value, config_layer_name(layer), origin);

	if (n > 0 && (size_t)n < sizeof(d->s) - d->len)
		d->len += (size_t)n;
	d->seen++;
	return d->stop_after && d->seen >= d->stop_after ? 42 : 0;
}

static const char *dump(const struct config *cfg)
{
	static struct dump d;

	memset(&d, 0, sizeof(d));
	config_foreach(cfg, dump_one, &d);
	return d.s;
}

/* The origin and layer of key, "(unset)" when it has none. */
struct find_ctx {
	const char *key;
	char out[512];
};

static int find_one(const char *key, const char *value,
		    enum config_layer layer, const char *origin, void *ctx)
{
	struct find_ctx *f = ctx;

	if (strcmp(key, f->key))
		return 0;
	snprintf(f->out, sizeof(f->out), "%s %s %s", value,
		 config_layer_name(layer), origin);
	return 1;
}

static const char *where(const struct config *cfg, const char *key)
{
	static struct find_ctx f;

	f.key = key;
	snprintf(f.out, sizeof(f.out), "(unset)");
	config_foreach(cfg, find_one, &f);
	return f.out;
}

static int load_str(struct config *cfg, const char *text)
{
	return config_load_buffer(cfg, text, strlen(text), "t.yaml",
				  CONFIG_FILE);
}

static const char *default_dump =
	"engine=rules default built-in\n"
	"llm.api=auto default built-in\n"
	"llm.cache=on default built-in\n"
	"llm.connect_timeout=10 default built-in\n"
	"llm.jobs=4 default built-in\n"
	"llm.max_tokens=4096 default built-in\n"
	"llm.retries=4 default built-in\n"
	"llm.structured=strict default built-in\n"
	"llm.temperature=0 default built-in\n"
	"llm.timeout=120 default built-in\n"
	"log.format=text default built-in\n"
	"log.level=info default built-in\n"
	"max_line=16M default built-in\n"
	"serve.burst=100 default built-in\n"
	"serve.connections=256 default built-in\n"
	"serve.ip_burst=40 default built-in\n"
	"serve.ip_rate=20 default built-in\n"
	"serve.jwt.leeway=30 default built-in\n"
	"serve.listen=127.0.0.1:8080 default built-in\n"
	"serve.max_body=1M default built-in\n"
	"serve.rate=50 default built-in\n"
	"serve.sink=stdout default built-in\n"
	"serve.timeout=10 default built-in\n"
	"workspace=./agentkit-work default built-in\n";

static void test_defaults(void)
{
	struct config *cfg = config_new();
	const struct config_key *k;
	int n = 0, secrets = 0;

	ok(cfg != NULL, "config_new");
	is_str(config_get(cfg, "workspace"), "./agentkit-work",
	       "default workspace");
	is_str(config_get(cfg, "engine"), "rules", "default engine");
	ok(config_get(cfg, "store") == NULL, "store unset by default");
	ok(config_get(cfg, "llm.key") == NULL, "llm.key unset by default");
	ok(config_get(cfg, "no.such") == NULL, "unknown key unset");
	is_str(dump(cfg), default_dump, "defaults in key order, from built-in");

	for (k = config_keys(); k->name; k++) {
		n++;
		if (k->secret) {
			secrets++;
			ok(!strcmp(k->name, "llm.key") || !strcmp(k->name, "serve.keys") ||
			   !strcmp(k->name, "serve.jwt.secret") || strstr(k->name, "serve.hooks.") == k->name,
			   "'%s' is secret: a key, a token secret or a webhook secret", k->name);
		}
		ok(k->help && k->help[0], "'%s' has help", k->name);
	}
	is_int(n, 50, "fifty known keys");
	is_int(secrets, 6, "six secret keys: llm.key, serve.keys, the token secret, three webhook secrets");
	config_free(cfg);
	config_free(NULL);
}

static void test_layer_names(void)
{
	is_str(config_layer_name(CONFIG_DEFAULT), "default", "layer default");
	is_str(config_layer_name(CONFIG_USER), "user", "layer user");
	is_str(config_layer_name(CONFIG_PROJECT), "project", "layer project");
	is_str(config_layer_name(CONFIG_FILE), "file", "layer file");
	is_str(config_layer_name(CONFIG_ENV), "env", "layer env");
	is_str(config_layer_name(CONFIG_FLAG), "flag", "layer flag");
	is_str(config_layer_name((enum config_layer)99), "unknown",
	       "layer out of range");
}

static void test_layering(void)
{
	struct config *cfg = config_new();
	char olddir[PATH_MAX], xdg[PATH_MAX + 32], home[PATH_MAX + 32];
	char want[PATH_MAX + 64];
	char *const env[] = {
		xdg, home,
		(char *)"AGENTKIT_LOG_FORMAT=text",
		(char *)"AGENTKIT_SOURCE=env-src",
		(char *)"AGENTKIT_SOURCE=second-ignored",
		(char *)"AGENTKIT=nothing",
		(char *)"AGENTKIT_SOURCEX=nothing",
		(char *)"NOT_AGENTKIT_ENGINE=nothing",
		NULL,
	};
	const char *user = path_in("xdg/agentkit/config.yaml");

	snprintf(xdg, sizeof(xdg), "XDG_CONFIG_HOME=%s/xdg", tmpdir);
	snprintf(home, sizeof(home), "HOME=%s/nohome", tmpdir);
	mkdir(path_in("xdg"), 0700);
	mkdir(path_in("xdg/agentkit"), 0700);
	write_file(user,
		   "workspace: /u/work\n"
		   "store: u.db\n"
		   "engine: llm\n"
		   "log:\n"
		   "  level: debug\n"
		   "  format: json\n"
		   "source: user-src\n");
	write_file(path_in("agentkit.yaml"),
		   "# the project's file\n"
		   "engine: rules\n"
		   "log:\n"
		   "  level: warn\n"
		   "  format: text\n"
		   "source: proj-src\n");
	write_file(path_in("e.yaml"),
		   "log:\n"
		   "  level: error\n"
		   "  format: json\n"
		   "source: file-src\n");

	/* A flag set first still wins over everything loaded after it. */
	is_int(config_set(cfg, "source", "flag-src", CONFIG_FLAG, "--source"),
	       0, "config_set flag");
	if (!getcwd(olddir, sizeof(olddir)) || chdir(tmpdir) < 0) {
		printf("Bail out! cannot chdir to '%s'\n", tmpdir);
		exit(1);
	}
	is_int(config_load_standard(cfg, path_in("e.yaml"), env), 0,
	       "config_load_standard");
	if (chdir(olddir) < 0) {
		printf("Bail out! cannot chdir back\n");
		exit(1);
	}

	snprintf(want, sizeof(want), "/u/work user %s:1", user);
	is_str(where(cfg, "workspace"), want, "workspace from user file");
	snprintf(want, sizeof(want), "u.db user %s:2", user);
	is_str(where(cfg, "store"), want, "store from user file");
	is_str(where(cfg, "engine"), "rules project ./agentkit.yaml:2",
	       "engine from project file");
	snprintf(want, sizeof(want), "error file %s:2", path_in("e.yaml"));
	is_str(where(cfg, "log.level"), want, "log.level from explicit file");
	is_str(where(cfg, "log.format"), "text env AGENTKIT_LOG_FORMAT",
	       "log.format from environment");
	is_str(where(cfg, "source"), "flag-src flag --source",
	       "source from flag");
	is_str(where(cfg, "max_line"), "16M default built-in",
	       "max_line still built-in");

	/* Lower layers loaded later do not replace higher ones. */
	is_int(config_load_buffer(cfg, "log: {format: yaml}\n", 19, "late.yaml",
				  CONFIG_USER), 0, "late user buffer");
	is_str(where(cfg, "log.format"), "text env AGENTKIT_LOG_FORMAT",
	       "later user layer does not replace env");
	is_int(config_load_buffer(cfg, "store: a.db\n", 12, "one.yaml",
				  CONFIG_FILE), 0, "file layer buffer");
	is_int(config_load_buffer(cfg, "\nstore: b.db\n", 13, "two.yaml",
				  CONFIG_FILE), 0, "second file layer buffer");
	is_str(where(cfg, "store"), "b.db file two.yaml:2",
	       "same layer loaded later replaces");
	is_int(config_set(cfg, "log.format", "x", CONFIG_PROJECT, "p"), 0,
	       "config_set of a lower layer succeeds");
	is_str(config_get(cfg, "log.format"), "text",
	       "but does not replace a higher layer");
	is_int(config_set(cfg, "log.format", "json", CONFIG_ENV, "OTHER"), 0,
	       "config_set same layer");
	is_str(where(cfg, "log.format"), "json env OTHER",
	       "same layer replaces");
	config_free(cfg);

	/* Without XDG_CONFIG_HOME (or with a relative one): $HOME/.config. */
	{
		char h[PATH_MAX + 32];
		char *const env2[] = {
			(char *)"XDG_CONFIG_HOME=relative/dir", h, NULL,
		};
		const char *hu = path_in("home/.config/agentkit/config.yaml");

		snprintf(h, sizeof(h), "HOME=%s/home", tmpdir);
		mkdir(path_in("home"), 0700);
		mkdir(path_in("home/.config"), 0700);
		mkdir(path_in("home/.config/agentkit"), 0700);
		write_file(hu, "\n\nengine: llm\n");
		cfg = config_new();
		is_int(config_load_standard(cfg, NULL, env2), 0,
		       "config_load_standard with HOME");
		snprintf(want, sizeof(want), "llm user %s:3", hu);
		is_str(where(cfg, "engine"), want, "user file under $HOME");
		config_free(cfg);
	}

	/* No HOME, no XDG, no files: only defaults. */
	{
		char *const env3[] = { NULL };

		cfg = config_new();
		is_int(config_load_standard(cfg, NULL, env3), 0,
		       "config_load_standard with nothing");
		is_int(config_load_standard(cfg, NULL, NULL), 0,
		       "config_load_standard with envp NULL");
		is_str(dump(cfg), default_dump, "still only defaults");
		config_free(cfg);
	}

	/* A bad explicit file: nothing from the user file either. */
	{
		char before[8192];

		write_file(path_in("bad.yaml"), "a: [\n");
		cfg = config_new();
		snprintf(before, sizeof(before), "%s", dump(cfg));
		is_int(config_load_standard(cfg, path_in("bad.yaml"), env), -1,
		       "config_load_standard with a bad file fails");
		is_int(ak_errcode(), AK_EXIT_DATAERR, "as bad data");
		is_str(dump(cfg), before,
		       "and applies none of the layers before it");
		is_int(config_load_standard(cfg, path_in("missing.yaml"), env),
		       -1, "config_load_standard with a missing file fails");
		is_int(ak_errcode(), AK_EXIT_IOERR, "as an i/o error");
		is_str(dump(cfg), before, "configuration unchanged");
		config_free(cfg);
	}
}

static void test_env(void)
{
	struct config *cfg = config_new();
	char *const env[] = {
		(char *)"AGENTKIT_LLM_KEY=sk-123",
		(char *)"AGENTKIT_STORE=",
		(char *)"AGENTKIT_MAX_LINE=1K",
		(char *)"AGENTKIT_UNKNOWN=1",
		NULL,
	};
	size_t sz = 0;

	is_int(config_load_env(cfg, NULL), 0, "config_load_env NULL");
	is_str(dump(cfg), default_dump, "nothing from envp NULL");
	is_int(config_load_env(cfg, env), 0, "config_load_env");
	is_str(where(cfg, "llm.key"), "sk-123 env AGENTKIT_LLM_KEY",
	       "llm.key from the environment");
	is_str(where(cfg, "store"), " env AGENTKIT_STORE",
	       "an empty variable sets an empty value");
	is_int(config_get_size(cfg, "max_line", &sz), 0, "max_line from env");
	is_int((long long)sz, 1024, "is 1K");
	ok(config_unknown_keys(cfg) == NULL,
	   "unknown AGENTKIT_ variables set nothing");
	config_free(cfg);
}

static void test_nesting(void)
{
	struct config *cfg = config_new();
	char *unk;

	is_int(load_str(cfg,
			"llm:\n"
			"  url: http://localhost:8080/v1\n"
			"  model: m\n"
			"  extra:\n"
			"    deeper: yes\n"
			"tools.allow: [sh, \"ls\", 'cat']\n"
			"list:\n"
			"  - a\n"
			"  - b c\n"
			"empty: []\n"
			"nothing: {}\n"
			"store: ~\n"
			"source:\n"
			"engine: 'null'\n"
			"workspace: \"\"\n"
			"num: 010\n"
			"tagged: !!str null\n"
			"tnull: !!null ''\n"), 0, "load nested file");
	is_str(config_get(cfg, "tagged"), "null", "!!str null is a string");
	is_str(config_get(cfg, "tnull"), "", "!!null is null");
	is_str(where(cfg, "llm.url"), "http://localhost:8080/v1 file t.yaml:2",
	       "nested mapping gives llm.url");
	is_str(config_get(cfg, "llm.model"), "m", "llm.model");
	is_str(where(cfg, "llm.extra.deeper"), "yes file t.yaml:5",
	       "two levels deep");
	is_str(where(cfg, "tools.allow"), "sh,ls,cat file t.yaml:6",
	       "flow sequence joined with commas");
	is_str(where(cfg, "list"), "a,b c file t.yaml:7",
	       "block sequence joined, origin is the key's line");
	is_str(config_get(cfg, "empty"), "", "empty sequence is empty");
	ok(config_get(cfg, "nothing") == NULL, "empty mapping sets nothing");
	is_str(where(cfg, "store"), " file t.yaml:12", "~ sets empty");
	is_str(where(cfg, "source"), " file t.yaml:13",
	       "no value sets empty");
	is_str(config_get(cfg, "engine"), "null", "quoted null is a string");
	is_str(config_get(cfg, "workspace"), "", "empty string");
	is_str(config_get(cfg, "num"), "010", "numbers kept as written");
	unk = config_unknown_keys(cfg);
	is_str(unk, "empty,list,llm.extra.deeper,num,tagged,tnull,tools.allow",
	       "unknown keys in key order");
	free(unk);
	config_free(cfg);
}

/* Each of these must fail with this message and leave cfg unchanged. */
static const struct {
	const char *yaml;
	const char *msg;
} bad[] = {
	{ "workspace: /x\nc: d: e\n",
	  "t.yaml:2: mapping values are not allowed in this context" },
	{ "workspace: /x\nlist: [a, b\n",
	  "t.yaml:3: did not find expected ',' or ']'" },
	{ "hello\n",
	  "t.yaml:1: the top level must be a mapping of keys to values" },
	{ "\n- a\n- b\n",
	  "t.yaml:2: the top level must be a mapping of keys to values" },
	{ "workspace: /x\na: &x 1\nb: *x\n",
	  "t.yaml:3: aliases are not supported in configuration" },
	{ "a: &x [1, 2]\nb: [*x]\n",
	  "t.yaml:2: aliases are not supported in configuration" },
	{ "*x\n", "t.yaml:1: aliases are not supported in configuration" },
	{ "a: [b, *x]\n",
	  "t.yaml:1: aliases are not supported in configuration" },
	{ "*x : 1\n", "t.yaml:1: aliases are not supported in configuration" },
	{ "workspace: /x\nhooks:\n  - name: a\n    run: b\n",
	  "t.yaml:3: key 'hooks': lists of mappings are not supported in configuration" },
	{ "a: [[1]]\n",
	  "t.yaml:1: key 'a': lists of lists are not supported in configuration" },
	{ "a: [x, 'y,z']\n",
	  "t.yaml:1: key 'a': list items must be non-empty and must not contain ','" },
	{ "a: [x, ~]\n",
	  "t.yaml:1: key 'a': list items must be non-empty and must not contain ','" },
	{ "a: \"x\\0y\"\n", "t.yaml:1: key 'a': value contains a NUL byte" },
	{ "a: [\"x\\0y\"]\n", "t.yaml:1: key 'a': value contains a NUL byte" },
	{ "\"a\\0b\": 1\n",
	  "t.yaml:1: invalid key 'a?b' (use letters, digits, '_', '-' and '.')" },
	{ "a b: 1\n",
	  "t.yaml:1: invalid key 'a b' (use letters, digits, '_', '-' and '.')" },
	{ "\"\": 1\n",
	  "t.yaml:1: invalid key '' (use letters, digits, '_', '-' and '.')" },
	{ "a..b: 1\n",
	  "t.yaml:1: invalid key 'a..b' (use letters, digits, '_', '-' and '.')" },
	{ ".a: 1\n",
	  "t.yaml:1: invalid key '.a' (use letters, digits, '_', '-' and '.')" },
	{ "a:\n  b.: 1\n",
	  "t.yaml:2: invalid key 'b.' (use letters, digits, '_', '-' and '.')" },
	{ "\"\\e[31m\": 1\n",
	  "t.yaml:1: invalid key '?[31m' (use letters, digits, '_', '-' and '.')" },
	{ "? [a]\n: 1\n", "t.yaml:1: keys must be plain strings" },
	{ "{a: 1}: 2\n", "t.yaml:1: keys must be plain strings" },
	{ "workspace: /x\nllm:\n  url: a\nllm.url: b\n",
	  "t.yaml:4: key 'llm.url' is set twice (first on line 3)" },
	{ "a: 1\nb: 2\na: 3\n",
	  "t.yaml:3: key 'a' is set twice (first on line 1)" },
	{ "a: 1\n---\nb: 2\n",
	  "t.yaml:2: only one YAML document is allowed" },
	{ "a: 1\nb: \xff\n",
	  "t.yaml:2: invalid leading UTF-8 octet" },
	{ "a: 1\n\tb: 2\n",
	  "t.yaml:2: found a tab character that violates indentation" },
};

static void test_errors(void)
{
	struct config *cfg = config_new();
	char before[8192];
	size_t i;

	config_set(cfg, "llm.url", "http://x", CONFIG_USER, "u.yaml:1");
	snprintf(before, sizeof(before), "%s", dump(cfg));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = load_str(cfg, bad[i].yaml);

		is_int(r, -1, "bad yaml %zu refused", i);
		is_int(ak_errcode(), AK_EXIT_DATAERR, "bad yaml %zu: data error", i);
		is_str(ak_errmsg(), bad[i].msg, "bad yaml %zu: message", i);
		is_str(dump(cfg), before, "bad yaml %zu: configuration unchanged",
		       i);
	}

	/* Empty streams are fine and change nothing. */
	is_int(load_str(cfg, ""), 0, "empty buffer");
	is_int(config_load_buffer(cfg, NULL, 0, "t.yaml", CONFIG_FILE), 0,
	       "NULL buffer of length 0");
	is_int(load_str(cfg, "# just a comment\n\n"), 0, "comment only");
	is_int(load_str(cfg, "---\n"), 0, "empty document");
	is_int(load_str(cfg, "~\n"), 0, "null document");
	is_int(load_str(cfg, "---\n...\n"), 0, "explicit document end");
	is_str(dump(cfg), before, "empty documents changed nothing");

	config_free(cfg);
}

/* depth nested mappings, block or flow style. */
static char *nested(int depth, int flow)
{
	size_t cap = (size_t)depth * (size_t)(depth + 8) + 64, o = 0;
	char *s = malloc(cap);
	int i;

	if (!s)
		exit(1);
	for (i = 0; i < depth; i++) {
		if (flow)
			o += (size_t)snprintf(s + o, cap - o, "%sk: ",
					      i ? "{" : "");
		else
			o += (size_t)snprintf(s + o, cap - o, "%*sk:%s", i * 2,
					      "", i == depth - 1 ? " v\n" : "\n");
	}
	if (flow) {
		o += (size_t)snprintf(s + o, cap - o, "v");
		for (i = 1; i < depth; i++)
			s[o++] = '}';
		s[o++] = '\n';
		s[o] = '\0';
	}
	return s;
}

static void test_depth(void)
{
	struct config *cfg = config_new();
	char before[8192];
	char *s;
	int flow;

	snprintf(before, sizeof(before), "%s", dump(cfg));
	for (flow = 0; flow <= 1; flow++) {
		const char *style = flow ? "flow" : "block";

		s = nested(64, flow);
		is_int(load_str(cfg, s), 0, "%s: 64 levels accepted", style);
		ok(config_get(cfg, "k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k."
				   "k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k."
				   "k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k."
				   "k.k.k.k") != NULL,
		   "%s: 64-level key set", style);
		free(s);
		config_free(cfg);
		cfg = config_new();

		s = nested(65, flow);
		is_int(load_str(cfg, s), -1, "%s: 65 levels refused", style);
		is_str(ak_errmsg(), flow ? "t.yaml:1: nested more than 64 levels deep"
				    : "t.yaml:65: nested more than 64 levels deep",
		       "%s: message", style);
		free(s);

		s = nested(100, flow);
		is_int(load_str(cfg, s), -1, "%s: 100 levels refused", style);
		is_int(ak_errcode(), AK_EXIT_DATAERR, "%s: as data error", style);
		is_str(dump(cfg), before, "%s: configuration unchanged", style);
		free(s);

		s = nested(5000, flow);
		is_int(load_str(cfg, s), -1, "%s: 5000 levels refused", style);
		free(s);
	}
	config_free(cfg);
}

static void test_files(void)
{
	struct config *cfg = config_new();
	char want[PATH_MAX + 128];
	const char *missing = path_in("no-such.yaml");
	char *big;
	size_t big_len = 1024 * 1024 + 1;

	is_int(config_load_file(cfg, missing, CONFIG_USER, 1), 0,
	       "missing optional file is fine");
	is_int(config_load_file(cfg, path_in("e.yaml/x.yaml"), CONFIG_USER, 1),
	       0, "optional file under a non-directory is fine");
	is_str(dump(cfg), default_dump, "and sets nothing");
	is_int(config_load_file(cfg, missing, CONFIG_FILE, 0), -1,
	       "missing required file fails");
	is_int(ak_errcode(), AK_EXIT_IOERR, "with an i/o error");
	snprintf(want, sizeof(want),
		 "cannot open '%s': No such file or directory", missing);
	is_str(ak_errmsg(), want, "message names the file");

	is_int(config_load_file(cfg, tmpdir, CONFIG_FILE, 1), -1,
	       "a directory fails even when optional");
	is_int(ak_errcode(), AK_EXIT_IOERR, "with an i/o error");
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory",
		 tmpdir);
	is_str(ak_errmsg(), want, "message says why");

	write_file(path_in("syntax.yaml"), "engine: llm\nx: [\n");
	is_int(config_load_file(cfg, path_in("syntax.yaml"), CONFIG_FILE, 0),
	       -1, "syntax error in a file");
	snprintf(want, sizeof(want),
		 "%s:3: did not find expected node content",
		 path_in("syntax.yaml"));
	is_str(ak_errmsg(), want, "message has file and line");
	is_str(config_get(cfg, "engine"), "rules", "engine unchanged");

	/* Over 1 MiB: refused, as a file and as a buffer. */
	big = malloc(big_len + 1);
	if (!big)
		exit(1);
	memset(big, '#', big_len);
	big[big_len] = '\0';
	write_file(path_in("big.yaml"), big);
	is_int(config_load_file(cfg, path_in("big.yaml"), CONFIG_FILE, 0), -1,
	       "file over 1 MiB refused");
	snprintf(want, sizeof(want),
		 "'%s': configuration file larger than 1048576 bytes",
		 path_in("big.yaml"));
	is_str(ak_errmsg(), want, "message says it is too large");
	is_int(load_str(cfg, big), -1, "buffer over 1 MiB refused");
	is_int(ak_errcode(), AK_EXIT_DATAERR, "as data error");
	big[big_len - 1] = '\0';
	is_int(load_str(cfg, big), 0, "exactly 1 MiB of comment accepted");
	free(big);
	is_str(dump(cfg), default_dump, "nothing changed");
	config_free(cfg);
}

static void test_sizes(void)
{
	static const struct {
		const char *v;
		int ret;
		unsigned long long want;
	} cases[] = {
		{ "16M", 0, 16777216ULL },
		{ "512", 0, 512 },
		{ "0", 0, 0 },
		{ "1K", 0, 1024 },
		{ "2KiB", 0, 2048 },
		{ "3MiB", 0, 3ULL << 20 },
		{ "1G", 0, 1073741824ULL },
		{ "4GiB", 0, 4ULL << 30 },
		{ "12X", -1, 0 },
		{ "", -1, 0 },
		{ "M", -1, 0 },
		{ "-1", -1, 0 },
		{ " 1", -1, 0 },
		{ "1 ", -1, 0 },
		{ "1k", -1, 0 },
		{ "1KB", -1, 0 },
		{ "1.5M", -1, 0 },
		{ "0x10", -1, 0 },
		{ "99999999999999999999G", -1, 0 },
		{ "18446744073709551616", -1, 0 },
		{ "17179869184G", -1, 0 },
		{ "18446744073709551615", 0, 18446744073709551615ULL },
		{ "17179869183G", 0, 17179869183ULL << 30 },
	};
	struct config *cfg = config_new();
	size_t i, out;

	out = 7;
	is_int(config_get_size(cfg, "max_line", &out), 0, "default max_line");
	is_int((long long)out, 16777216, "default max_line is 16 MiB");
	out = 7;
	is_int(config_get_size(cfg, "store", &out), 1, "unset size returns 1");
	is_int((long long)out, 7, "and leaves *out alone");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_set(cfg, "max_line", cases[i].v, CONFIG_FLAG,
			   "--max-line");
		out = 7;
		is_int(config_get_size(cfg, "max_line", &out), cases[i].ret,
		       "size '%s'", cases[i].v);
		if (cases[i].ret == 0)
			ok(out == cases[i].want, "size '%s' is %llu",
			   cases[i].v, cases[i].want);
		else
			ok(out == 7 && ak_errcode() == AK_EXIT_USAGE,
			   "size '%s': usage error, *out untouched",
			   cases[i].v);
	}
	config_set(cfg, "max_line", "12X", CONFIG_FLAG, "--max-line");
	config_get_size(cfg, "max_line", &out);
	is_str(ak_errmsg(),
	       "--max-line: '12X' is not a size for 'max_line' (digits with an optional K, M or G suffix)",
	       "bad size message");
	config_set(cfg, "max_line", "99999999999999999999G", CONFIG_FLAG,
		   "--max-line");
	config_get_size(cfg, "max_line", &out);
	is_str(ak_errmsg(),
	       "--max-line: size '99999999999999999999G' for 'max_line' is too large",
	       "overflow message");
	config_free(cfg);
}

static void test_foreach(void)
{
	struct config *cfg = config_new();
	struct dump d;
	char *unk;

	ok(config_unknown_keys(cfg) == NULL, "no unknown keys by default");
	config_set(cfg, "zzz", "1", CONFIG_FILE, "f:1");
	config_set(cfg, "aaa", "2", CONFIG_PROJECT, "p:1");
	config_set(cfg, "llm.url", "u", CONFIG_USER, "u:1");
	config_set(cfg, "log_x", "3", CONFIG_USER, "u:2");
	config_set(cfg, "from.flag", "4", CONFIG_FLAG, "--from-flag");
	is_str(dump(cfg),
	       "aaa=2 project p:1\n"
	       "engine=rules default built-in\n"
	       "from.flag=4 flag --from-flag\n"
	       "llm.api=auto default built-in\n"
	       "llm.cache=on default built-in\n"
	       "llm.connect_timeout=10 default built-in\n"
	       "llm.jobs=4 default built-in\n"
	       "llm.max_tokens=4096 default built-in\n"
	       "llm.retries=4 default built-in\n"
	       "llm.structured=strict default built-in\n"
	       "llm.temperature=0 default built-in\n"
	       "llm.timeout=120 default built-in\n"
	       "llm.url=u user u:1\n"
	       "log.format=text default built-in\n"
	       "log.level=info default built-in\n"
	       "log_x=3 user u:2\n"
	       "max_line=16M default built-in\n"
	       "serve.burst=100 default built-in\n"
	       "serve.connections=256 default built-in\n"
	       "serve.ip_burst=40 default built-in\n"
	       "serve.ip_rate=20 default built-in\n"
	       "serve.jwt.leeway=30 default built-in\n"
	       "serve.listen=127.0.0.1:8080 default built-in\n"
	       "serve.max_body=1M default built-in\n"
	       "serve.rate=50 default built-in\n"
	       "serve.sink=stdout default built-in\n"
	       "serve.timeout=10 default built-in\n"
	       "workspace=./agentkit-work default built-in\n"
	       "zzz=1 file f:1\n",
	       "foreach visits in key order");

	memset(&d, 0, sizeof(d));
	d.stop_after = 2;
	is_int(config_foreach(cfg, dump_one, &d), 42,
	       "foreach returns what stopped it");
	is_int(d.seen, 2, "and stops there");

	unk = config_unknown_keys(cfg);
	is_str(unk, "aaa,log_x,zzz", "unknown keys from files only");
	free(unk);

	is_int(config_set(cfg, "bad key", "v", CONFIG_FLAG, "--x"), -1,
	       "config_set refuses a bad key");
	is_str(ak_errmsg(), "invalid configuration key 'bad key'",
	       "bad key message");
	is_int(config_set(cfg, "a", NULL, CONFIG_FLAG, "--x"), -1,
	       "config_set refuses a NULL value");
	is_int(config_set(cfg, "x.y", "v", CONFIG_FLAG, NULL), 0,
	       "config_set with no origin");
	is_str(where(cfg, "x.y"), "v flag flag", "origin is the layer name");
	config_free(cfg);
}

/* n keys "kNNNNN: N", in reverse order; new string. */
static char *many_keys(int n)
{
	size_t cap = (size_t)n * 24 + 1, o = 0;
	char *s = malloc(cap);
	int i;

	if (!s)
		exit(1);
	s[0] = '\0';
	for (i = n; i > 0; i--)
		o += (size_t)snprintf(s + o, cap - o, "k%05d: %d\n", i, i);
	return s;
}

/* Limits on what one file may set, and large inputs staying fast. */
static void test_limits(void)
{
	struct config *cfg = config_new();
	char before[8192], key[300], *s;
	struct dump d;
	size_t i, o, cap;
	clock_t t0;

	s = many_keys(10000);
	is_int(load_str(cfg, s), 0, "10000 keys");
	free(s);
	is_str(config_get(cfg, "k00001"), "1", "first key");
	is_str(config_get(cfg, "k10000"), "10000", "last key");
	memset(&d, 0, sizeof(d));
	d.stop_after = 2;
	config_foreach(cfg, dump_one, &d);
	is_str(d.s, "engine=rules default built-in\n"
		    "k00001=1 file t.yaml:10000\n", "sorted");
	config_free(cfg);

	cfg = config_new();
	snprintf(before, sizeof(before), "%s", dump(cfg));
	s = many_keys(10001);
	is_int(load_str(cfg, s), -1, "10001 keys refused");
	is_str(ak_errmsg(), "t.yaml:10001: more than 10000 values in one file",
	       "too many values message");
	is_str(dump(cfg), before, "configuration unchanged");
	free(s);

	/* Keys up to 256 bytes, counting the dotted prefix. */
	memset(key, 'x', sizeof(key));
	snprintf(key + 256, sizeof(key) - 256, ": 1\n");
	is_int(load_str(cfg, key), 0, "256-byte key accepted");
	snprintf(key + 257, sizeof(key) - 257, ": 1\n");
	is_int(load_str(cfg, key), -1, "257-byte key refused");
	is_str(ak_errmsg(),
	       "t.yaml:1: key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is longer than 256 bytes",
	       "long key message");
	memset(key, 'x', sizeof(key));
	memcpy(key, "a:\n  ", 5);
	snprintf(key + 5 + 254, sizeof(key) - 5 - 254, ": 1\n");
	is_int(load_str(cfg, key), 0, "nested key of 256 bytes accepted");
	snprintf(key + 5 + 255, sizeof(key) - 5 - 255, ": 1\n");
	is_int(load_str(cfg, key), -1, "nested key of 257 bytes refused");
	memset(key, 'x', sizeof(key));
	key[256] = '\0';
	is_int(config_set(cfg, key, "v", CONFIG_FLAG, "--x"), 0,
	       "config_set takes a 256-byte key");
	key[256] = 'x';
	key[257] = '\0';
	is_int(config_set(cfg, key, "v", CONFIG_FLAG, "--x"), -1,
	       "config_set refuses a 257-byte key");

	/*
	 * A list of 130000 items (800 KB): the value used to be
	 * regrown for each item, which took a minute under the sanitizers.
	 */
	cap = 1024 * 1024;
	s = malloc(cap);
	if (!s)
		exit(1);
	o = (size_t)snprintf(s, cap, "big: [");
	for (i = 0; i < 130000; i++)
		o += (size_t)snprintf(s + o, cap - o, "%sx%zu", i ? "," : "",
				      i);
	o += (size_t)snprintf(s + o, cap - o, "]\n");
	config_free(cfg);
	cfg = config_new();
	t0 = clock();
	is_int(load_str(cfg, s), 0, "130000-item list");
	ok(clock() - t0 < 10 * CLOCKS_PER_SEC, "loads in under 10 s of CPU");
	is_int((long long)strlen(config_get(cfg, "big")), (long long)o - 8,
	       "joined value has every item");
	free(s);
	config_free(cfg);
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_defaults();
	test_layer_names();
	test_layering();
	test_env();
	test_nesting();
	test_errors();
	test_depth();
	test_files();
	test_sizes();
	test_foreach();
	test_limits();
	cleanup();
	return done_testing();
}
