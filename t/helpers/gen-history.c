/*
 * gen-history - write a synthetic git history for secret-scanner benchmarks.
 *
 *   gen-history BYTES DIR | git fast-import
 *
 * Writes a git fast-import stream on stdout: commits on refs/heads/main,
 * each changing 2 to 8 files of a project tree of about 400 paths (source,
 * tests, config, docs), every change a freshly generated version of 2 to
 * 64 KiB that reads like code or config. Commits are added until the
 * unique blobs add up to at least BYTES (a k, M or G suffix multiplies by
 * 1024, 1024^2 or 1024^3). About one line in 5,000 is a planted
 * credential: AWS key id, GitHub token, Stripe key, password, RSA private
 * key, database URL or Slack token.
 *
 * Every blob is also written to DIR/<n>.<ext> (n counting from 1 in stream
 * order) with the same bytes, so a scanner of plain files can be given
 * exactly the same data. A header line naming the path, commit and file
 * makes each blob unique. The output depends only on the arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "banned.h"

#define NPATHS 400
#define BUF_CAP (256 * 1024)

enum family { PY, JS, TS, GO, C, JAVA, YAML, JSON, MD, ENV, TF, NFAMILY };

static const char *const ext[NFAMILY] = {
	"py", "js", "ts", "go", "c", "java", "yaml", "json", "md", "env", "tf",
};

static const char *const words[] = {
	"user", "account", "order", "config", "cache", "token", "session",
	"request", "handler", "service", "client", "server", "item", "price",
	"amount", "total", "count", "index", "buffer", "stream", "queue",
	"event", "message", "payload", "result", "error", "status", "retry",
	"timeout", "limit", "offset", "page", "record", "entry", "table",
	"column", "row", "schema", "model", "view", "router", "path", "file",
	"name", "value", "key", "hash", "list", "map", "node", "tree", "graph",
	"edge", "batch", "job", "task", "worker", "pool", "lock", "state",
	"store", "load", "save", "parse", "render", "build", "check", "update",
	"create", "delete", "fetch", "send", "receive", "open", "close", "read",
	"write", "init", "start", "stop", "reset", "flush", "sync", "merge",
	"split", "filter", "sort", "group", "format", "encode", "decode",
	"validate", "normalize", "compute", "apply", "resolve", "report",
	"metrics", "trace", "log", "debug", "region", "zone", "bucket",
	"instance", "cluster", "deploy", "release", "version", "tag", "branch",
	"commit", "patch", "diff", "mock", "fixture", "spec", "profile",
	"address", "email", "phone", "invoice", "payment", "customer",
	"product", "cart", "shipment", "inventory", "warehouse", "vendor",
	"tenant", "role", "permission", "policy", "audit", "billing", "search",
	"upload", "image", "thumbnail", "notify", "webhook", "scheduler",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *const authors[] = {
	"Alice Martin <alice.martin@example.com>",
	"Bruno Keller <bruno@example.org>",
	"Chen Wei <chen.wei@example.com>",
	"Dana Okafor <dana.okafor@example.net>",
	"Emil Novak <emil@example.com>",
	"Farah Haddad <farah.haddad@example.org>",
};

/*
 * Line templates. %w is a word, %P a capitalized word, %W an upper-case
 * word, %c a camelCase pair, %d a number, %h 40 hex digits, %b a run of
 * base64, %% a percent sign.
 */
static const char *const prologue[NFAMILY][6] = {
	[PY] = { "import os", "import logging", "", "logger = logging.getLogger(__name__)", NULL },
	[JS] = { "'use strict';", "", "const %c = require('%w');", NULL },
	[TS] = { "import { %P } from './%w';", "import { %P%P } from '../%w/%w';", NULL },
	[GO] = { "package %w", "", "import (", "\t\"fmt\"", ")", NULL },
	[C] = { "#include <stdio.h>", "#include <stdlib.h>", "#include \"%w.h\"", NULL },
	[JAVA] = { "package com.%w.%w;", "", "import java.util.List;", NULL },
	[YAML] = { "%w:", NULL },
	[JSON] = { NULL },
	[MD] = { "# %P %P", "", NULL },
	[ENV] = { NULL },
	[TF] = { "terraform {", "  required_version = \">= 1.3\"", "}", NULL },
};

static const char *const body_py[] = {
	"from %w.%w import %w_%w", "def %w_%w(self, %w, %w=None):",
	"    %w_%w = self.%w.%w(%w)", "    if %w is None:",
	"        return %w_%w", "    # %w the %w before we %w it",
	"    %w = [%w for %w in %w_list if %w.%w > %d]", "class %P%P(%P):",
	"    logger.info(\"%w %w: %%s\", %w)", "", "    return {\"%w\": %w, \"%w\": %d}",
	"    for %w in self.%w_%w:", "        self.%w[%w.%w] = %w",
	"@pytest.mark.parametrize(\"%w\", [%d, %d, %d])",
	"    raise ValueError(\"invalid %w: %%r\" %% %w)",
};
static const char *const body_js[] = {
	"function %c(%w, %w) {", "  const %c = await %w.%c(%w);",
	"  if (!%w) return null;", "  // %w %w before %w", "}", "",
	"module.exports.%c = %c;", "  %w: '%w-%w',", "  return %w.map((%w) => %w.%w);",
	"const %c = { %w: %d, %w: '%w' };", "  for (const %w of %c) {",
	"    %c.push(%w.%w);", "  }", "  throw new Error(`%w %w: ${%w}`);",
	"describe('%w %w', () => {",
};
static const char *const body_ts[] = {
	"export interface %P%P {", "  %w: string;", "  %c?: number;", "}", "",
	"export async function %c(%w: %P): Promise<%P> {",
	"  const %c: %P = await this.%w.%c(%w);", "  // %w the %w when %w changes",
	"  private readonly %c: Map<string, %P> = new Map();",
	"  if (%w.%w > %d) return %w;", "  return { ...%w, %w: %c };",
	"export class %P%P implements %P {", "  constructor(private %w: %P) {}",
	"type %P = '%w' | '%w' | '%w';",
};
static const char *const body_go[] = {
	"func (s *%P) %P(%w string) (*%P, error) {", "\t%c := s.%w.%P(%w)",
	"\tif err != nil {", "\t\treturn nil, fmt.Errorf(\"%w %w: %%w\", err)", "\t}",
	"}", "", "// %P %w the %w of a %w.", "type %P%P struct {",
	"\t%P string `json:\"%w\"`", "\t%P int    `json:\"%w_%w\"`",
	"\tfor _, %w := range %c {", "\t\t%c[%w.%P] = %w", "\treturn %c, nil",
	"var err%P = errors.New(\"%w: %w\")",
};
static const char *const body_c[] = {
	"static int %w_%w(struct %w *%w, size_t %w)", "{", "}", "",
	"\tif (!%w)", "\t\treturn -1;", "\t%w->%w = %w_%w(%w, %d);",
	"\t/* %w the %w before %w */", "\tfor (size_t i = 0; i < %w->nr; i++)",
	"\t\t%w_%w(&%w->items[i]);", "struct %w_%w {", "\tunsigned int %w;",
	"\tconst char *%w;", "\treturn %w_%w(%w, \"%w\");", "#define %W_%W %d",
};
static const char *const body_java[] = {
	"public class %P%P {", "    private final %P %c;",
	"    public %P %c(%P %c) {", "        return %c.%c(%c);", "    }", "}", "",
	"    // %w %w when %w is %w", "    @Override",
	"        List<%P> %c = new ArrayList<>();", "        if (%c == null) {",
	"            throw new IllegalStateException(\"%w %w\");",
	"        for (%P %w : %c) {", "            %c.add(%w.get%P());",
	"    private static final int %W_%W = %d;",
};
static const char *const body_yaml[] = {
	"%w:", "  %w_%w: %w", "  %w: %d", "  - name: %w-%w", "    enabled: true",
	"# %w %w", "    %w: \"%w.%w.internal\"", "    replicas: %d",
	"  image: registry.local/%w/%w:%d", "    - %w", "", "  %w:",
	"    timeout_ms: %d", "    path: /%w/%w", "  labels: {app: %w, tier: %w}",
};
static const char *const body_json[] = {
	"  \"%c\": \"%w-%w\",", "  \"%c\": %d,", "  \"%w\": [\"%w\", \"%w\"],",
	"  \"%w\": true,", "  \"%w\": {\"%w\": \"%w\", \"%w\": %d},",
	"  \"%w_%w\": null,", "  \"%c\": \"/%w/%w\",", "  \"%w\": false,",
	"  \"%c\": \"%h\",",
};
static const char *const body_md[] = {
	"## %P %w", "", "Use `%w_%w` to %w the %w before the %w is %w.",
	"- %P %w %w", "- `%c` sets the %w (default %d)", "```", "    %w = %d",
	"The %w %w keeps the %w of each %w; see [%w](../%w/%w.md).",
	"| %w | %w | %d |", "> Note: %w the %w first.",
};
static const char *const body_env[] = {
	"%W_%W=%w", "%W_%W_%W=%d", "# %w %w", "", "%W_URL=https://%w.%w.internal/%w",
	"%W_ENABLED=true", "%W_%W=%w-%w",
};
static const char *const body_tf[] = {
	"resource \"aws_%w\" \"%w_%w\" {", "  %w = \"%w-%w\"", "  %w = %d", "}", "",
	"variable \"%w_%w\" {", "  default = \"%w\"", "# %w %w",
	"  tags = {", "    Name = \"%w-%w\"", "  }", "  depends_on = [aws_%w.%w]",
};
static const char *const data_line[NFAMILY] = {
	[PY] = "    %w_blob = \"%b\"", [JS] = "  %c: \"%b\",", [TS] = "  %c: \"%b\",",
	[GO] = "\t%c = \"%b\"", [C] = "\t\"%b\"", [JAVA] = "        \"%b\" +",
	[YAML] = "  %w_data: %b", [JSON] = "  \"%w_data\": \"%b\",", [MD] = "    %b",
	[ENV] = "%W_DATA=%b", [TF] = "  %w = \"%b\"",
};

struct body {
	const char *const *line;
	unsigned n;
};
#define BODY(a) { a, sizeof(a) / sizeof(a[0]) }
static const struct body bodies[NFAMILY] = {
	BODY(body_py), BODY(body_js), BODY(body_ts), BODY(body_go),
	BODY(body_c), BODY(body_java), BODY(body_yaml), BODY(body_json),
	BODY(body_md), BODY(body_env), BODY(body_tf),
};

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alnum[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char base32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char mixed[] =
	"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#$%&*?";

struct word {
	char lower[24], cap[24], upper[24];
	size_t len;
};
static struct word wtab[NWORDS];

struct path {
	char name[128];
	enum family fam;
};
static struct path paths[NPATHS];

struct buf {
	char *p;
	size_t len;
};

static uint64_t rng_state = 0x5eed2020c0ffee01ULL;

/* splitmix64: fast, and the same sequence everywhere */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* a number below n taken from the high bits of r */
static unsigned below(uint64_t r, unsigned n)
{
	return (unsigned)(((r >> 32) * n) >> 32);
}

static void init_words(void)
{
	for (size_t i = 0; i < NWORDS; i++) {
		struct word *w = &wtab[i];

		w->len = strlen(words[i]);
		memcpy(w->lower, words[i], w->len + 1);
		for (size_t k = 0; k <= w->len; k++) {
			char ch = words[i][k];

			w->upper[k] = ch >= 'a' && ch <= 'z' ? ch - 32 : ch;
			w->cap[k] = k ? ch : w->upper[k];
		}
	}
}

static void put(struct buf *b, const char *s, size_t n)
{
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_num(struct buf *b, unsigned long long v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, tmp + i, sizeof(tmp) - i);
}

/* n characters from an alphabet of 2^bits letters */
static void put_chars(struct buf *b, const char *alpha, unsigned bits, size_t n)
{
	uint64_t r = 0;
	unsigned left = 0;

	for (size_t i = 0; i < n; i++) {
		if (left < bits) {
			r = rnd();
			left = 64;
		}
		b->p[b->len++] = alpha[r & ((1u << bits) - 1)];
		r >>= bits;
		left -= bits;
	}
}

/* n characters from an alphabet of any size */
static void put_any(struct buf *b, const char *alpha, unsigned size, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b->p[b->len++] = alpha[below(rnd(), size)];
}

static const struct word *pick_word(void)
{
	return &wtab[below(rnd(), NWORDS)];
}

static void expand(struct buf *b, const char *t)
{
	const struct word *w;
	const char *pct;

	while ((pct = strchr(t, '%'))) {
		put(b, t, pct - t);
		switch (pct[1]) {
		case 'w':
			w = pick_word();
			put(b, w->lower, w->len);
			break;
		case 'P':
			w = pick_word();
			put(b, w->cap, w->len);
			break;
		case 'W':
			w = pick_word();
			put(b, w->upper, w->len);
			break;
		case 'c':
			w = pick_word();
			put(b, w->lower, w->len);
			w = pick_word();
			put(b, w->cap, w->len);
			break;
		case 'd':
			put_num(b, below(rnd(), 10000));
			break;
		case 'h':
			put_chars(b, "0123456789abcdef", 4, 40);
			break;
		case 'b':
			put_chars(b, b64, 6, 60 + below(rnd(), 17));
			break;
		default:
			b->p[b->len++] = pct[1];
			break;
		}
		t = pct + 2;
	}
	put(b, t, strlen(t));
}

static void line(struct buf *b, const char *t)
{
	expand(b, t);
	b->p[b->len++] = '\n';
}

static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void private_key(struct buf *b)
{
	put_str(b, "-----BEGIN RSA PRIVATE KEY-----\n");
	for (int i = 0; i < 20; i++) {
		put_chars(b, b64, 6, 64);
		b->p[b->len++] = '\n';
	}
	put_str(b, "-----END RSA PRIVATE KEY-----\n");
}

static void secret(struct buf *b)
{
	switch (below(rnd(), 7)) {
	case 0:
		put_str(b, "aws_access_key_id = AKIA");
		put_chars(b, base32, 5, 16);
		break;
	case 1:
		put_str(b, "token = \"ghp_");
		put_any(b, alnum, 62, 36);
		put_str(b, "\"");
		break;
	case 2:
		put_str(b, "STRIPE_KEY=sk_live_");
		put_any(b, alnum, 62, 24);
		break;
	case 3:
		put_str(b, "password: \"");
		put_chars(b, mixed, 6, 12);
		put_str(b, "\"");
		break;
	case 4:
		private_key(b);
		return;
	case 5:
		put_str(b, "DATABASE_URL=postgres://app:");
		put_any(b, alnum, 62, 14);
		put_str(b, "@db.internal:5432/app");
		break;
	default:
		put_str(b, "slack_token = \"xoxb-");
		put_num(b, 1000000000ULL + below(rnd(), 2000000000u));
		b->p[b->len++] = '-';
		put_num(b, 1000000000ULL + below(rnd(), 2000000000u));
		b->p[b->len++] = '-';
		put_any(b, alnum, 62, 24);
		put_str(b, "\"");
		break;
	}
	b->p[b->len++] = '\n';
}

/* most versions are 8-16 KiB, some smaller, some up to 64 KiB */
static size_t pick_size(void)
{
	uint64_t r = rnd();
	unsigned k = below(r, 100);

	if (k < 15)
		return 2048 + (r & 0xffff) % (6 * 1024);
	if (k < 85)
		return 8192 + (r & 0xffff) % (8 * 1024);
	return 16384 + (r & 0xffffff) % (48 * 1024);
}

static void header(struct buf *b, const struct path *p, unsigned long c, int f)
{
	static const char *const open[NFAMILY] = {
		"# ", "// ", "// ", "// ", "/* ", "// ", "# ", "{\n  \"_source\": \"",
		"<!-- ", "# ", "# ",
	};
	static const char *const close[NFAMILY] = {
		"", "", "", "", " */", "", "", "\",", " -->", "", "",
	};

	put_str(b, open[p->fam]);
	put_str(b, p->name);
	put_str(b, " revision ");
	put_num(b, c);
	b->p[b->len++] = '.';
	put_num(b, (unsigned long long)f);
	put_str(b, close[p->fam]);
	b->p[b->len++] = '\n';
}

/* a new version of path p for file f of commit c */
static void gen_file(struct buf *b, const struct path *p, unsigned long c, int f)
{
	const struct body *bd = &bodies[p->fam];
	size_t target = pick_size();

	b->len = 0;
	header(b, p, c, f);
	for (int i = 0; prologue[p->fam][i]; i++)
		line(b, prologue[p->fam][i]);
	while (b->len < target) {
		uint64_t r = rnd();

		if (below(r, 5000) == 0)
			secret(b);
		else if ((r & 63) == 0)
			line(b, data_line[p->fam]);
		else
			line(b, bd->line[(r >> 8) % bd->n]);
	}
	if (p->fam == JSON)
		put_str(b, "  \"_end\": true\n}\n");
}

static enum family pick_family(const char *top)
{
	static const enum family code[] = { PY, JS, TS, GO, C, JAVA };
	static const enum family conf[] = { YAML, JSON, ENV, TF };
	uint64_t r = rnd();

	if (!strcmp(top, "docs"))
		return MD;
	if (!strcmp(top, "config"))
		return conf[below(r, 4)];
	if (!strcmp(top, "tests"))
		return code[below(r, 6)] == C ? PY : code[below(r, 6)];
	return code[below(r, 6)];
}

static void gen_path(struct path *p)
{
	static const char *const top[] = {
		"src", "src", "src", "lib", "lib", "tests", "tests", "config", "docs",
	};
	static const char *const sub[] = {
		"api", "core", "billing", "auth", "storage", "web", "jobs", "util",
		"models", "handlers", "internal", "deploy",
	};
	const char *t = top[below(rnd(), 9)];
	char *buf = p->name;
	struct buf b = { buf, 0 };

	p->fam = pick_family(t);
	put_str(&b, t);
	b.p[b.len++] = '/';
	put_str(&b, sub[below(rnd(), 12)]);
	if (rnd() & 1) {
		b.p[b.len++] = '/';
		expand(&b, "%w");
	}
	b.p[b.len++] = '/';
	if (p->fam == JAVA)
		expand(&b, "%P%P");
	else if (p->fam == JS || p->fam == TS)
		expand(&b, "%c");
	else if (!strcmp(t, "tests"))
		expand(&b, "test_%w_%w");
	else if (p->fam == MD)
		expand(&b, "%w-%w");
	else
		expand(&b, "%w_%w");
	b.p[b.len++] = '.';
	put_str(&b, ext[p->fam]);
	b.p[b.len] = '\0';
}

static void init_paths(void)
{
	for (int i = 0; i < NPATHS; i++) {
		int dup;

		do {
			gen_path(&paths[i]);
			dup = 0;
			for (int k = 0; k < i && !dup; k++)
				dup = !strcmp(paths[i].name, paths[k].name);
		} while (dup);
	}
}

static int mkdirs(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0777) && errno != EEXIST)
			return -1;
		tmp[i] = dir[i];
	}
	return 0;
}

static int write_copy(const char *dir, unsigned long n, const char *e,
		      const struct buf *b)
{
	char name[4200];
	size_t off = 0;
	int fd;

	snprintf(name, sizeof(name), "%s/%lu.%s", dir, n, e);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		goto fail;
	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			goto fail;
		}
		off += (size_t)w;
	}
	if (!close(fd))
		return 0;
fail:
	fprintf(stderr, "gen-history: cannot write '%s': %s\n", name, strerror(errno));
	return -1;
}

static void emit_commit(unsigned long c, unsigned long mark, unsigned long from,
			const int *chosen, const unsigned long *marks, int nf,
			unsigned long long when)
{
	static char msgmem[512];
	struct buf msg = { msgmem, 0 };
	static const char *const verbs[] = {
		"Add", "Fix", "Update", "Refactor", "Tidy", "Rework", "Speed up",
		"Document",
	};
	const char *who = authors[below(rnd(), 6)];

	put_str(&msg, verbs[below(rnd(), 8)]);
	expand(&msg, " %w %w handling\n\nTouches ");
	put_num(&msg, (unsigned long long)nf);
	put_str(&msg, " files, starting with ");
	put_str(&msg, paths[chosen[0]].name);
	put_str(&msg, ".\n");
	printf("commit refs/heads/main\nmark :%lu\n", mark);
	printf("author %s %llu +0000\ncommitter %s %llu +0000\n", who, when, who, when);
	printf("data %zu\n", msg.len);
	fwrite(msg.p, 1, msg.len, stdout);
	if (c > 1)
		printf("from :%lu\n", from);
	for (int i = 0; i < nf; i++)
		printf("M 100644 :%lu %s\n", marks[i], paths[chosen[i]].name);
	putchar('\n');
}

static int pick_files(int *chosen)
{
	int nf = 2 + (int)below(rnd(), 7);

	for (int i = 0; i < nf; i++) {
		int dup;

		do {
			chosen[i] = (int)below(rnd(), NPATHS);
			dup = 0;
			for (int k = 0; k < i; k++)
				dup |= chosen[k] == chosen[i];
		} while (dup);
	}
	return nf;
}

static int generate(unsigned long long bytes, const char *dir, struct buf *b)
{
	unsigned long long total = 0, when = 1577836800ULL; /* 2020-01-01 */
	unsigned long mark = 0, blobs = 0, prev = 0;

	for (unsigned long c = 1; c == 1 || total < bytes; c++) {
		int chosen[8];
		unsigned long marks[8];
		int nf = pick_files(chosen);

		for (int f = 0; f < nf; f++) {
			const struct path *p = &paths[chosen[f]];

			gen_file(b, p, c, f);
			marks[f] = ++mark;
			printf("blob\nmark :%lu\ndata %zu\n", mark, b->len);
			fwrite(b->p, 1, b->len, stdout);
			putchar('\n');
			if (write_copy(dir, ++blobs, ext[p->fam], b))
				return -1;
			total += b->len;
		}
		when += 3600 + below(rnd(), 5 * 3600);
		emit_commit(c, ++mark, prev, chosen, marks, nf, when);
		prev = mark;
		if (ferror(stdout))
			break;
	}
	return 0;
}

static int parse_bytes(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static char out[1 << 20];
	unsigned long long bytes;
	struct buf b = { NULL, 0 };
	int ret;

	if (argc != 3 || parse_bytes(argv[1], &bytes)) {
		fprintf(stderr, "usage: gen-history BYTES DIR\n");
		return 64;
	}
	if (mkdirs(argv[2])) {
		fprintf(stderr, "gen-history: cannot create '%s': %s\n",
			argv[2], strerror(errno));
		return 74;
	}
	b.p = malloc(BUF_CAP);
	if (!b.p) {
		fprintf(stderr, "gen-history: out of memory\n");
		return 70;
	}
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	init_words();
	init_paths();
	ret = generate(bytes, argv[2], &b);
	free(b.p);
	if (ret)
		return 74;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gen-history: cannot write output: %s\n", strerror(errno));
		return 74;
	}
	return 0;
}
