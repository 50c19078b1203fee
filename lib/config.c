/*
 * config.c - the layered configuration store and its YAML reader.
 *
 * The store is an array of {key, value, layer, origin} kept sorted by key
 * (strcmp order), so lookups are a binary search and config_foreach walks
 * it in order. A value is replaced only by a value from the same or a
 * higher layer, so the result does not depend on the order in which the
 * layers happen to be loaded.
 *
 * YAML is read with libyaml's event parser (not its document loader, which
 * would build the whole tree and expand aliases): a recursive descent over
 * the events with a fixed depth limit, so hostile nesting is an error rather
 * than a stack overflow, and aliases are refused outright so that a small
 * file cannot expand into a huge one. A file is parsed into a temporary
 * list first and applied only when all of it is good: a load that fails
 * leaves the configuration as it was.
 *
 * Mapping of YAML to values:
 *   - nested mappings join their keys with '.': llm: {url: x} sets llm.url;
 *     a key may also be written dotted at any level (llm.url: x);
 *   - a sequence of scalars becomes the items joined with ',' ([a, b] is
 *     "a,b"); items must be non-empty and must not contain ',' so that the
 *     joined value splits back into the same items; an empty sequence is "";
 *   - a null value (nothing, ~ or null, unquoted) sets the key to the empty
 *     string, which replaces a value from a lower layer: that is how a
 *     project file clears a value set in the user's file; an empty mapping
 *     sets nothing;
 *   - keys are non-empty and made of letters, digits, '_', '-' and '.'
 *     (no leading, trailing or doubled '.'); a key set twice in one file is
 *     an error rather than a silent "last one wins";
 *   - aliases, complex keys, lists of lists or mappings, more than one
 *     document, and a top level other than a mapping (or nothing) are
 *     refused; tags are ignored.
 * Hostile input is bounded: at most 1 MiB per file, 64 levels of nesting,
 * 256 bytes per dotted key and 10000 values per file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "error.h"
#include "banned.h"

/* Larger configuration files are refused: nobody writes one by hand. */
#define CONFIG_MAX_FILE (1024 * 1024)

/* Mappings and sequences nested deeper than this are refused. */
#define CONFIG_MAX_DEPTH 64

/*
 * Limits on a dotted key and on the number of values one load may set.
 * Without them a long key prefix repeated for many keys below it, or many
 * tiny keys each with its own origin string, would let a 1 MiB file claim
 * gigabytes.
 */
#define CONFIG_MAX_KEY 256
#define CONFIG_MAX_VALUES 10000

struct entry {
	char *key;
	char *value;
	char *origin;
	enum config_layer layer;
};

struct config {
	struct entry *v;     /* sorted by key, no duplicates */
	size_t n, alloc;
};

static const struct config_key known_keys[] = {
	{ "workspace", "AGENTKIT_WORKSPACE", "./agentkit-work",
	  "directory for the files agents make", 0 },
	{ "store", "AGENTKIT_STORE", NULL,
	  "event store: a SQLite file path or a postgres:// URL", 0 },
	{ "engine", "AGENTKIT_ENGINE", "rules", "rules or llm", 0 },
	{ "log.level", "AGENTKIT_LOG_LEVEL", "info",
	  "error, warn, info or debug", 0 },
	{ "log.format", "AGENTKIT_LOG_FORMAT", "text", "text or json", 0 },
	{ "max_line", "AGENTKIT_MAX_LINE", "16M",
	  "longest input line accepted", 0 },
	{ "llm.url", "AGENTKIT_LLM_URL", NULL,
	  "base URL of the LLM API", 0 },
	{ "llm.model", "AGENTKIT_LLM_MODEL", NULL,
	  "model name sent to the LLM API", 0 },
	{ "llm.key", "AGENTKIT_LLM_KEY", NULL,
	  "API key for the LLM API (else OPENAI_API_KEY or ANTHROPIC_API_KEY)", 1 },
	{ "llm.api", "AGENTKIT_LLM_API", "auto",
	  "auto, openai (chat completions) or anthropic (messages)", 0 },
	{ "llm.timeout", "AGENTKIT_LLM_TIMEOUT", "120",
	  "seconds one LLM request may take", 0 },
	{ "llm.connect_timeout", "AGENTKIT_LLM_CONNECT_TIMEOUT", "10",
	  "seconds to connect to the LLM API", 0 },
	{ "llm.temperature", "AGENTKIT_LLM_TEMPERATURE", "0",
	  "sampling temperature", 0 },
	{ "llm.seed", "AGENTKIT_LLM_SEED", NULL,
	  "sampling seed, for servers that take one", 0 },
	{ "llm.max_tokens", "AGENTKIT_LLM_MAX_TOKENS", "4096",
	  "longest reply, in tokens", 0 },
	{ "llm.jobs", "AGENTKIT_LLM_JOBS", "4",
	  "LLM requests in flight at once", 0 },
	{ "llm.retries", "AGENTKIT_LLM_RETRIES", "4",
	  "retries of a request after 408, 409, 429, 5xx or a network error", 0 },
	{ "llm.cache", "AGENTKIT_LLM_CACHE", "on",
	  "on, off (always ask) or only (never ask)", 0 },
	{ "llm.structured", "AGENTKIT_LLM_STRUCTURED", "strict",
	  "how the schema is sent: strict, schema (json_schema) or prompt", 0 },
	{ "llm.max_tokens_total", "AGENTKIT_LLM_MAX_TOKENS_TOTAL", NULL,
	  "stop a run before it spends this many tokens", 0 },
	{ "llm.max_cost", "AGENTKIT_LLM_MAX_COST", NULL,
	  "stop a run before it costs this much (needs llm.prices.MODEL)", 0 },
	{ "llm.prompts", "AGENTKIT_LLM_PROMPTS", NULL,
	  "directory of prompt templates that replace the installed ones", 0 },
	{ "source", "AGENTKIT_SOURCE", NULL,
	  "override the CloudEvents source attribute", 0 },
	{ "kafka.brokers", "AGENTKIT_KAFKA_BROKERS", NULL,
	  "Kafka bootstrap servers (host:port,...)", 0 },
	{ "kafka.topic_prefix", "AGENTKIT_KAFKA_TOPIC_PREFIX", NULL,
	  "prefix of the topic of each event type (agentkit.)", 0 },
	{ "tf.bin", "AGENTKIT_TF_BIN", NULL,
	  "the terraform or tofu program (default: terraform, else tofu)", 0 },
	{ "serve.listen", "AGENTKIT_SERVE_LISTEN", "127.0.0.1:8080",
	  "serve: the address and port to listen on", 0 },
	{ "serve.sink", "AGENTKIT_SERVE_SINK", "stdout",
	  "serve: where accepted events go: stdout, store or kafka", 0 },
	{ "serve.max_body", "AGENTKIT_SERVE_MAX_BODY", "1M",
	  "serve: the largest request body", 0 },
	{ "serve.rate", "AGENTKIT_SERVE_RATE", "50",
	  "serve: requests per second per API key or token (0: no limit)", 0 },
	{ "serve.burst", "AGENTKIT_SERVE_BURST", "100",
	  "serve: requests a key may make at once", 0 },
	{ "serve.ip_rate", "AGENTKIT_SERVE_IP_RATE", "20",
	  "serve: requests per second per client address (0: no limit)", 0 },
	{ "serve.ip_burst", "AGENTKIT_SERVE_IP_BURST", "40",
	  "serve: requests an address may make at once", 0 },
	{ "serve.connections", "AGENTKIT_SERVE_CONNECTIONS", "256",
	  "serve: connections open at once", 0 },
	{ "serve.timeout", "AGENTKIT_SERVE_TIMEOUT", "10",
	  "serve: seconds a connection may idle and a body may take", 0 },
	{ "serve.keys", "AGENTKIT_SERVE_KEYS", NULL,
	  "serve: API keys as NAME:SCOPES:SHA256HEX entries", 1 },
	{ "serve.tls.cert", "AGENTKIT_SERVE_TLS_CERT", NULL,
	  "serve: PEM certificate file (with serve.tls.key: HTTPS)", 0 },
	{ "serve.tls.key", "AGENTKIT_SERVE_TLS_KEY", NULL,
	  "serve: PEM private key file of the certificate", 0 },
	{ "serve.jwt.secret", "AGENTKIT_SERVE_JWT_SECRET", NULL,
	  "serve: HS256 secret of bearer tokens (at least 32 bytes)", 1 },
	{ "serve.jwt.public_key", "AGENTKIT_SERVE_JWT_PUBLIC_KEY", NULL,
	  "serve: PEM public key file of RS256 or ES256 bearer tokens", 0 },
	{ "serve.jwt.issuer", "AGENTKIT_SERVE_JWT_ISSUER", NULL,
	  "serve: the iss tokens must carry", 0 },
	{ "serve.jwt.audience", "AGENTKIT_SERVE_JWT_AUDIENCE", NULL,
	  "serve: the aud tokens must carry", 0 },
	{ "serve.jwt.leeway", "AGENTKIT_SERVE_JWT_LEEWAY", "30",
	  "serve: seconds of clock skew allowed for exp and nbf", 0 },
	{ "serve.hooks.github_secret", "AGENTKIT_SERVE_HOOKS_GITHUB_SECRET", NULL,
	  "serve: the secret of the GitHub webhook", 1 },
	{ "serve.hooks.github_label", "AGENTKIT_SERVE_HOOKS_GITHUB_LABEL", NULL,
	  "serve: only GitHub issues with this label become requirements", 0 },
	{ "serve.hooks.gitlab_token", "AGENTKIT_SERVE_HOOKS_GITLAB_TOKEN", NULL,
	  "serve: the secret token of the GitLab webhook", 1 },
	{ "serve.hooks.jira_secret", "AGENTKIT_SERVE_HOOKS_JIRA_SECRET", NULL,
	  "serve: the secret of the Jira webhook", 1 },
	{ "monitor.checks", "AGENTKIT_MONITOR_CHECKS", NULL,
	  "agent-monitor: the check file (default ./monitors.yaml)", 0 },
	{ "doctor.prometheus_url", "AGENTKIT_DOCTOR_PROMETHEUS_URL", NULL,
	  "doctor: the Prometheus to check (GET /-/ready)", 0 },
	{ "doctor.nginx_url", "AGENTKIT_DOCTOR_NGINX_URL", NULL,
	  "doctor: a URL nginx serves, to check that it answers", 0 },
	{ NULL, NULL, NULL, NULL, 0 },
};

const struct config_key *config_keys(void)
{
	return known_keys;
}

static const struct config_key *find_known(const char *key)
{
	const struct config_key *k;

	for (k = known_keys; k->name; k++)
		if (!strcmp(k->name, key))
			return k;
	return NULL;
}

const char *config_layer_name(enum config_layer layer)
{
	switch (layer) {
	case CONFIG_DEFAULT:
		return "default";
	case CONFIG_USER:
		return "user";
	case CONFIG_PROJECT:
		return "project";
	case CONFIG_FILE:
		return "file";
	case CONFIG_ENV:
		return "env";
	case CONFIG_FLAG:
		return "flag";
	}
	return "unknown";
}

static int layer_valid(enum config_layer layer)
{
	return layer >= CONFIG_DEFAULT && layer <= CONFIG_FLAG;
}

static int oom(void)
{
	return ak_error(AK_EXIT_SOFTWARE, "out of memory");
}

/*
 * Copy s into out (of size outsz >= 8) for quoting in a message: control
 * characters become '?' so a hostile key cannot send escape sequences to a
 * terminal, and long strings are cut short with "...".
 */
static const char *shown(char *out, size_t outsz, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/*
 * A key is one or more components of [A-Za-z0-9_-] joined by '.', at most
 * CONFIG_MAX_KEY bytes. This also refuses keys holding a NUL byte (len is
 * the real length).
 */
static int key_valid(const char *key, size_t len)
{
	size_t i;

	if (len == 0 || len > CONFIG_MAX_KEY || key[0] == '.' ||
	    key[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '.') {
			if (key[i + 1] == '.')
				return 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static void entry_release(struct entry *e)
{
	free(e->key);
	free(e->value);
	free(e->origin);
	e->key = e->value = e->origin = NULL;
}

/* Index of key, or -(insertion point) - 1 when absent. */
static long find(const struct config *cfg, const char *key)
{
	size_t lo = 0, hi = cfg->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cfg->v[mid].key, key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++)
		entry_release(&cfg->v[i]);
	free(cfg->v);
	free(cfg);
}

int config_set(struct config *cfg, const char *key, const char *value,
	       enum config_layer layer, const char *origin)
{
	struct entry e;
	long at;
	char sbuf[80];

	if (!key || !value || !layer_valid(layer))
		return ak_error(AK_EXIT_SOFTWARE,
				"config_set: bad arguments");
	if (!key_valid(key, strlen(key)))
		return ak_error(AK_EXIT_USAGE, "invalid configuration key '%s'",
				shown(sbuf, sizeof(sbuf), key, strlen(key)));
	if (!origin)
		origin = config_layer_name(layer);

	at = find(cfg, key);
	if (at >= 0 && cfg->v[at].layer > layer)
		return 0;

	e.key = strdup(key);
	e.value = strdup(value);
	e.origin = strdup(origin);
	e.layer = layer;
	if (!e.key || !e.value || !e.origin) {
		entry_release(&e);
		return oom();
	}
	if (at >= 0) {
		entry_release(&cfg->v[at]);
		cfg->v[at] = e;
		return 0;
	}
	if (cfg->n == cfg->alloc) {
		size_t na = cfg->alloc ? cfg->alloc * 2 : 16;
		struct entry *nv = reallocarray(cfg->v, na, sizeof(*nv));

		if (!nv) {
			entry_release(&e);
			return oom();
		}
		cfg->v = nv;
		cfg->alloc = na;
	}
	at = -at - 1;
	memmove(cfg->v + at + 1, cfg->v + at,
		(cfg->n - (size_t)at) * sizeof(*cfg->v));
	cfg->v[at] = e;
	cfg->n++;
	return 0;
}

struct config *config_new(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	const struct config_key *k;

	if (!cfg) {
		oom();
		return NULL;
	}
	for (k = known_keys; k->name; k++) {
		if (k->def && config_set(cfg, k->name, k->def, CONFIG_DEFAULT,
					 "built-in") < 0) {
			config_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

/* A deep copy, for loading several layers all-or-nothing. */
static struct config *config_clone(const struct config *cfg)
{
	struct config *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c)
		goto fail;
	if (cfg->n) {
		c->v = calloc(cfg->n, sizeof(*c->v));
		if (!c->v)
			goto fail;
		c->alloc = cfg->n;
	}
	for (i = 0; i < cfg->n; i++) {
		struct entry *e = &c->v[c->n++];

		e->key = strdup(cfg->v[i].key);
		e->value = strdup(cfg->v[i].value);
		e->origin = strdup(cfg->v[i].origin);
		e->layer = cfg->v[i].layer;
		if (!e->key || !e->value || !e->origin)
			goto fail;
	}
	return c;
fail:
	config_free(c);
	oom();
	return NULL;
}

const char *config_get(const struct config *cfg, const char *key)
{
	long at = find(cfg, key);

	return at >= 0 ? cfg->v[at].value : NULL;
}

int config_foreach(const struct config *cfg,
		   int (*fn)(const char *key, const char *value,
			     enum config_layer layer, const char *origin,
			     void *ctx),
		   void *ctx)
{
	size_t i;
	int r;

	for (i = 0; i < cfg->n; i++) {
		const struct entry *e = &cfg->v[i];

		r = fn(e->key, e->value, e->layer, e->origin, ctx);
		if (r)
			return r;
	}
	return 0;
}

/* A key of the table, or one of a family: llm.prices.MODEL. */
static int is_known(const char *key)
{
	return find_known(key) || !strncmp(key, "llm.prices.", 11);
}

char *config_unknown_keys(const struct config *cfg)
{
	size_t i, len = 0, o = 0;
	char *s;

	for (i = 0; i < cfg->n; i++) {
		const struct entry *e = &cfg->v[i];

		if (e->layer >= CONFIG_USER && e->layer <= CONFIG_FILE &&
		    !is_known(e->key))
			len += strlen(e->key) + 1;
	}
	if (!len)
		return NULL;
	s = malloc(len);
	if (!s) {
		oom();
		return NULL;
	}
	for (i = 0; i < cfg->n; i++) {
		const struct entry *e = &cfg->v[i];
		size_t kl;

		if (!(e->layer >= CONFIG_USER && e->layer <= CONFIG_FILE) ||
		    is_known(e->key))
			continue;
		if (o)
			s[o++] = ',';
		kl = strlen(e->key);
		memcpy(s + o, e->key, kl);
		o += kl;
	}
	s[o] = '\0';
	return s;
}

int config_get_size(const struct config *cfg, const char *key, size_t *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 },
		{ "MiB", 20 }, { "G", 30 }, { "GiB", 30 },
	};
	long at = find(cfg, key);
	const char *v, *p;
	size_t n = 0, i;
	char sbuf[80];

	if (at < 0)
		return 1;
	v = cfg->v[at].value;
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (SIZE_MAX - d) / 10)
			goto toobig;
		n = n * 10 + d;
	}
	if (p == v)
		goto bad;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix))
			continue;
		if (n > (SIZE_MAX >> units[i].shift))
			goto toobig;
		*out = n << units[i].shift;
		return 0;
	}
bad:
	return ak_error(AK_EXIT_USAGE,
			"%s: '%s' is not a size for '%s' (digits with an optional K, M or G suffix)",
			cfg->v[at].origin,
			shown(sbuf, sizeof(sbuf), v, strlen(v)), key);
toobig:
	return ak_error(AK_EXIT_USAGE, "%s: size '%s' for '%s' is too large",
			cfg->v[at].origin,
			shown(sbuf, sizeof(sbuf), v, strlen(v)), key);
}

/*
 * Merge items (sorted by key, no duplicates, owned by the caller) into cfg
 * at their own layers. All allocation happens before anything changes, so
 * on failure cfg is unchanged. On success the strings of every item have
 * been moved into cfg or freed, and each item is zeroed.
 */
static int apply(struct config *cfg, struct entry *items, size_t m)
{
	struct entry *nv;
	size_t i = 0, j = 0, o = 0;

	if (!m)
		return 0;
	nv = calloc(cfg->n + m, sizeof(*nv));
	if (!nv)
		return oom();
	while (i < cfg->n || j < m) {
		int c;

		if (i == cfg->n)
			c = 1;
		else if (j == m)
			c = -1;
		else
			c = strcmp(cfg->v[i].key, items[j].key);
		if (c < 0) {
			nv[o++] = cfg->v[i++];
		} else if (c > 0) {
			nv[o++] = items[j];
			memset(&items[j++], 0, sizeof(items[0]));
		} else if (cfg->v[i].layer > items[j].layer) {
			nv[o++] = cfg->v[i++];
			entry_release(&items[j++]);
		} else {
			entry_release(&cfg->v[i++]);
			nv[o++] = items[j];
			memset(&items[j++], 0, sizeof(items[0]));
		}
	}
	free(cfg->v);
	cfg->v = nv;
	cfg->alloc = cfg->n + m;
	cfg->n = o;
	return 0;
}

/* The values of one load, collected before any of them is applied. */
struct pending {
	struct entry *v;
	size_t *line;        /* line of each item, for duplicate messages */
	size_t n, alloc;
};

static void pending_release(struct pending *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		entry_release(&p->v[i]);
	free(p->v);
	free(p->line);
	memset(p, 0, sizeof(*p));
}

/* Add an item; key and value are copied. */
static int pending_add(struct pending *p, const char *key, const char *value,
		       enum config_layer layer, const char *origin, size_t line)
{
	struct entry *e;

	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 16;
		struct entry *nv = reallocarray(p->v, na, sizeof(*nv));
		size_t *nl;

		if (!nv)
			return oom();
		p->v = nv;
		nl = reallocarray(p->line, na, sizeof(*nl));
		if (!nl)
			return oom();
		p->line = nl;
		p->alloc = na;
	}
	e = &p->v[p->n];
	e->key = strdup(key);
	e->value = strdup(value);
	e->origin = strdup(origin);
	e->layer = layer;
	if (!e->key || !e->value || !e->origin) {
		entry_release(e);
		return oom();
	}
	p->line[p->n++] = line;
	return 0;
}

/* Sort order for pending items: by key, then by position in the file. */
struct sort_item {
	struct entry e;
	size_t line;
	size_t seq;
};

static int sort_item_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	int c = strcmp(x->e.key, y->e.key);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sort the pending items by key and refuse a key given twice (name is
 * used in the message). Returns 0, or -1 with ak_error (p keeps owning
 * its items either way).
 */
static int pending_sort(struct pending *p, const char *name)
{
	struct sort_item *s;
	size_t i;
	int ret = 0;

	if (p->n < 2)
		return 0;
	s = calloc(p->n, sizeof(*s));
	if (!s)
		return oom();
	for (i = 0; i < p->n; i++) {
		s[i].e = p->v[i];
		s[i].line = p->line[i];
		s[i].seq = i;
	}
	qsort(s, p->n, sizeof(*s), sort_item_cmp);
	for (i = 0; i < p->n; i++) {
		p->v[i] = s[i].e;
		p->line[i] = s[i].line;
	}
	for (i = 1; i < p->n; i++) {
		if (strcmp(p->v[i - 1].key, p->v[i].key))
			continue;
		ret = ak_error(AK_EXIT_DATAERR,
			       "%s:%zu: key '%s' is set twice (first on line %zu)",
			       name, p->line[i], p->v[i].key, p->line[i - 1]);
		break;
	}
	free(s);
	return ret;
}

/* State of one YAML parse. */
struct loader {
	yaml_parser_t parser;
	const char *name;
	const char *buf;
	size_t len;
	enum config_layer layer;
	struct pending items;
};

/*
 * Record the parser's error. Reader errors (bad UTF-8, control characters)
 * carry only a byte offset, so their line is counted from the buffer.
 */
static int parser_error(struct loader *ld)
{
	yaml_parser_t *pa = &ld->parser;
	const char *problem = pa->problem ? pa->problem : "invalid YAML";
	size_t line, i;

	switch (pa->error) {
	case YAML_MEMORY_ERROR:
		return oom();
	case YAML_READER_ERROR:
		line = 1;
		for (i = 0; i < pa->problem_offset && i < ld->len; i++)
			if (ld->buf[i] == '\n')
				line++;
		break;
	default:
		line = pa->problem_mark.line + 1;
		break;
	}
	return ak_error(AK_EXIT_DATAERR, "%s:%zu: %s", ld->name, line, problem);
}

/* The next event into *ev (which the caller must yaml_event_delete). */
static int next_event(struct loader *ld, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev)) {
		memset(ev, 0, sizeof(*ev));
		return parser_error(ld);
	}
	return 0;
}

static size_t ev_line(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

/* A scalar is null when tagged !!null, or untagged, unquoted and null-like. */
static int is_null(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *v = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t i;

	if (tag && !strcmp(tag, YAML_NULL_TAG))
		return 1;
	if (!ev->data.scalar.plain_implicit)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(v, nulls[i]))
			return 1;
	return 0;
}

static int add_value(struct loader *ld, const char *key, const char *value,
		     size_t line)
{
	char *origin;
	int r;

	if (ld->items.n >= CONFIG_MAX_VALUES)
		return ak_error(AK_EXIT_DATAERR,
				"%s:%zu: more than %d values in one file",
				ld->name, line, CONFIG_MAX_VALUES);
	if (asprintf(&origin, "%s:%zu", ld->name, line) < 0)
		return oom();
	r = pending_add(&ld->items, key, value, ld->layer, origin, line);
	free(origin);
	return r;
}

static int key_error(struct loader *ld, size_t line, const char *key,
		     const char *what)
{
	char sbuf[80];

	return ak_error(AK_EXIT_DATAERR, "%s:%zu: key '%s': %s", ld->name, line,
			shown(sbuf, sizeof(sbuf), key, strlen(key)), what);
}

static int alias_error(struct loader *ld, const yaml_event_t *ev)
{
	return ak_error(AK_EXIT_DATAERR,
			"%s:%zu: aliases are not supported in configuration",
			ld->name, ev_line(ev));
}

/*
 * Make *p hold at least need bytes, doubling: growing by each item made a
 * long list quadratic (found by fuzz-config). On failure *p is unchanged.
 */
static int grow(char **p, size_t *cap, size_t need)
{
	size_t nc = *cap ? *cap : 64;
	char *np;

	while (nc < need)
		nc *= 2;        /* need is bounded by CONFIG_MAX_FILE */
	np = realloc(*p, nc);
	if (!np)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

/* The items of a sequence, after its SEQUENCE_START, joined with ','. */
static int parse_sequence(struct loader *ld, const char *key, size_t line)
{
	yaml_event_t ev;
	char *joined = NULL;
	size_t len = 0, cap = 0, vlen;
	int ret = -1;

	for (;;) {
		if (next_event(ld, &ev) < 0)
			break;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			ret = add_value(ld, key, joined ? joined : "", line);
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_ALIAS_EVENT) {
			alias_error(ld, &ev);
		} else if (ev.type == YAML_MAPPING_START_EVENT) {
			key_error(ld, ev_line(&ev), key,
				  "lists of mappings are not supported in configuration");
		} else if (ev.type == YAML_SEQUENCE_START_EVENT) {
			key_error(ld, ev_line(&ev), key,
				  "lists of lists are not supported in configuration");
		} else if (ev.type != YAML_SCALAR_EVENT) {
			ak_error(AK_EXIT_DATAERR, "%s:%zu: unexpected YAML event",
				 ld->name, ev_line(&ev));
		} else if ((vlen = ev.data.scalar.length) == 0 || is_null(&ev) ||
			   memchr(ev.data.scalar.value, ',', vlen)) {
			key_error(ld, ev_line(&ev), key,
				  "list items must be non-empty and must not contain ','");
		} else if (memchr(ev.data.scalar.value, '\0', vlen)) {
			key_error(ld, ev_line(&ev), key,
				  "value contains a NUL byte");
		} else if (len + vlen + 2 > cap &&
			   grow(&joined, &cap, len + vlen + 2) < 0) {
			oom();
		} else {
			if (len)
				joined[len++] = ',';
			memcpy(joined + len, ev.data.scalar.value, vlen);
			len += vlen;
			joined[len] = '\0';
			yaml_event_delete(&ev);
			continue;
		}
		yaml_event_delete(&ev);
		break;
	}
	free(joined);
	return ret;
}

/*
 * The pairs of a mapping, after its MAPPING_START on line mline. prefix is
 * the dotted key of the mapping (NULL at the top); depth counts levels.
 */
static int parse_mapping(struct loader *ld, const char *prefix, int depth,
			 size_t mline)
{
	yaml_event_t kev, vev;
	char *key = NULL;
	char sbuf[80], pbuf[80];
	size_t kline, klen, plen = prefix ? strlen(prefix) : 0;
	int r;

	if (depth > CONFIG_MAX_DEPTH)
		return ak_error(AK_EXIT_DATAERR,
				"%s:%zu: nested more than %d levels deep",
				ld->name, mline, CONFIG_MAX_DEPTH);
	for (;;) {
		if (next_event(ld, &kev) < 0)
			return -1;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		kline = ev_line(&kev);
		if (kev.type == YAML_ALIAS_EVENT) {
			r = alias_error(ld, &kev);
		} else if (kev.type != YAML_SCALAR_EVENT) {
			r = ak_error(AK_EXIT_DATAERR,
				     "%s:%zu: keys must be plain strings",
				     ld->name, kline);
		} else if ((klen = kev.data.scalar.length) > CONFIG_MAX_KEY ||
			   (prefix && plen + 1 + klen > CONFIG_MAX_KEY)) {
			r = ak_error(AK_EXIT_DATAERR,
				     "%s:%zu: key '%s%s%s' is longer than %d bytes",
				     ld->name, kline,
				     prefix ? shown(pbuf, sizeof(pbuf), prefix,
						    plen) : "",
				     prefix ? "." : "",
				     shown(sbuf, sizeof(sbuf),
					   (const char *)kev.data.scalar.value,
					   klen),
				     CONFIG_MAX_KEY);
		} else if (!key_valid((const char *)kev.data.scalar.value,
				      klen)) {
			r = ak_error(AK_EXIT_DATAERR,
				     "%s:%zu: invalid key '%s' (use letters, digits, '_', '-' and '.')",
				     ld->name, kline,
				     shown(sbuf, sizeof(sbuf),
					   (const char *)kev.data.scalar.value,
					   kev.data.scalar.length));
		} else if (!(key = malloc(plen + klen + 2))) {
			r = oom();
		} else {
			r = 0;
			if (prefix) {
				memcpy(key, prefix, plen);
				key[plen] = '.';
				memcpy(key + plen + 1, kev.data.scalar.value,
				       klen + 1);
			} else {
				memcpy(key, kev.data.scalar.value, klen + 1);
			}
		}
		yaml_event_delete(&kev);
		if (r < 0)
			return -1;

		if (next_event(ld, &vev) < 0) {
			free(key);
			return -1;
		}
		switch (vev.type) {
		case YAML_SCALAR_EVENT:
			if (memchr(vev.data.scalar.value, '\0',
				   vev.data.scalar.length))
				r = key_error(ld, ev_line(&vev), key,
					      "value contains a NUL byte");
			else
				r = add_value(ld, key, is_null(&vev) ? "" :
					      (const char *)vev.data.scalar.value,
					      kline);
			break;
		case YAML_MAPPING_START_EVENT:
			r = parse_mapping(ld, key, depth + 1, ev_line(&vev));
			break;
		case YAML_SEQUENCE_START_EVENT:
			r = parse_sequence(ld, key, kline);
			break;
		case YAML_ALIAS_EVENT:
			r = alias_error(ld, &vev);
			break;
		default:
			r = ak_error(AK_EXIT_DATAERR,
				     "%s:%zu: unexpected YAML event",
				     ld->name, ev_line(&vev));
			break;
		}
		yaml_event_delete(&vev);
		free(key);
		key = NULL;
		if (r < 0)
			return -1;
	}
}

/* A whole stream: nothing, or one document whose top level is a mapping. */
static int parse_stream(struct loader *ld)
{
	yaml_event_t ev;
	int r = 0;

	if (next_event(ld, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);         /* STREAM_START */
	if (next_event(ld, &ev) < 0)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);         /* DOCUMENT_START */

	if (next_event(ld, &ev) < 0)
		return -1;
	if (ev.type == YAML_MAPPING_START_EVENT)
		r = parse_mapping(ld, NULL, 1, ev_line(&ev));
	else if (ev.type == YAML_ALIAS_EVENT)
		r = alias_error(ld, &ev);
	else if (ev.type != YAML_SCALAR_EVENT || !is_null(&ev))
		r = ak_error(AK_EXIT_DATAERR,
			     "%s:%zu: the top level must be a mapping of keys to values",
			     ld->name, ev_line(&ev));
	yaml_event_delete(&ev);
	if (r < 0)
		return -1;

	if (next_event(ld, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);         /* DOCUMENT_END */
	if (next_event(ld, &ev) < 0)
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT)
		r = ak_error(AK_EXIT_DATAERR,
			     "%s:%zu: only one YAML document is allowed",
			     ld->name, ev_line(&ev));
	yaml_event_delete(&ev);
	return r;
}

int config_load_buffer(struct config *cfg, const char *buf, size_t len,
		       const char *name, enum config_layer layer)
{
	struct loader ld;
	int r;

	if (!name)
		name = "(buffer)";
	if (!layer_valid(layer))
		return ak_error(AK_EXIT_SOFTWARE,
				"config_load_buffer: bad layer");
	if (len > CONFIG_MAX_FILE)
		return ak_error(AK_EXIT_DATAERR,
				"'%s': configuration larger than %d bytes",
				name, CONFIG_MAX_FILE);
	if (!buf) {
		if (len)
			return ak_error(AK_EXIT_SOFTWARE,
					"config_load_buffer: NULL buffer");
		buf = "";       /* libyaml asserts on a NULL input */
	}
	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.buf = buf;
	ld.len = len;
	ld.layer = layer;
	if (!yaml_parser_initialize(&ld.parser))
		return oom();
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)buf,
				     len);
	r = parse_stream(&ld);
	yaml_parser_delete(&ld.parser);
	if (r == 0)
		r = pending_sort(&ld.items, name);
	if (r == 0)
		r = apply(cfg, ld.items.v, ld.items.n);
	pending_release(&ld.items);
	return r;
}

/*
 * Read at most CONFIG_MAX_FILE bytes of path into *out (new, caller frees).
 * Returns 0, 1 when the file does not exist, -1 with ak_error.
 */
static int read_file(const char *path, char **out, size_t *outlen)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path,
				strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > CONFIG_MAX_FILE) {
		close(fd);
		return ak_error(AK_EXIT_DATAERR,
				"'%s': configuration file larger than %d bytes",
				path, CONFIG_MAX_FILE);
	}
	/* One byte over the limit tells a too-large non-regular file. */
	buf = malloc(CONFIG_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		return oom();
	}
	while (len < CONFIG_MAX_FILE + 1) {
		ssize_t n = read(fd, buf + len, CONFIG_MAX_FILE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			free(buf);
			close(fd);
			return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s",
					path, strerror(saved));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > CONFIG_MAX_FILE) {
		free(buf);
		return ak_error(AK_EXIT_DATAERR,
				"'%s': configuration file larger than %d bytes",
				path, CONFIG_MAX_FILE);
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int config_load_file(struct config *cfg, const char *path,
		     enum config_layer layer, int optional)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, &buf, &len);
	if (r < 0)
		return -1;
	if (r == 1) {
		if (optional)
			return 0;
		return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", path,
				strerror(ENOENT));
	}
	r = config_load_buffer(cfg, buf, len, path, layer);
	free(buf);
	return r;
}

/* The value of variable name in envp (the first one, as getenv does). */
static const char *env_lookup(char *const *envp, const char *name)
{
	size_t nl = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, nl) && (*envp)[nl] == '=')
			return *envp + nl + 1;
	return NULL;
}

int config_load_env(struct config *cfg, char *const *envp)
{
	struct pending p;
	const struct config_key *k;
	const char *v;
	int r = 0;

	memset(&p, 0, sizeof(p));
	for (k = known_keys; k->name && r == 0; k++) {
		if (!k->env || !(v = env_lookup(envp, k->env)))
			continue;
		r = pending_add(&p, k->name, v, CONFIG_ENV, k->env, 0);
	}
	if (r == 0)
		r = pending_sort(&p, "environment");
	if (r == 0)
		r = apply(cfg, p.v, p.n);
	pending_release(&p);
	return r;
}

/* The user file's path (new string), or NULL with *err 0 when there is none. */
static char *user_file(char *const *envp, int *err)
{
	const char *xdg = env_lookup(envp, "XDG_CONFIG_HOME");
	const char *home = env_lookup(envp, "HOME");
	char *path = NULL;
	int r;

	*err = 0;
	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if (xdg && xdg[0] == '/')
		r = asprintf(&path, "%s/agentkit/config.yaml", xdg);
	else if (home && home[0])
		r = asprintf(&path, "%s/.config/agentkit/config.yaml", home);
	else
		return NULL;
	if (r < 0) {
		*err = oom();
		return NULL;
	}
	return path;
}

int config_load_standard(struct config *cfg, const char *explicit_file,
			 char *const *envp)
{
	struct config *tmp, swap;
	char *user;
	int err, r = 0;

	user = user_file(envp, &err);
	if (err)
		return -1;
	tmp = config_clone(cfg);
	if (!tmp) {
		free(user);
		return -1;
	}
	if (user)
		r = config_load_file(tmp, user, CONFIG_USER, 1);
	if (r == 0)
		r = config_load_file(tmp, "./agentkit.yaml", CONFIG_PROJECT, 1);
	if (r == 0 && explicit_file)
		r = config_load_file(tmp, explicit_file, CONFIG_FILE, 0);
	if (r == 0)
		r = config_load_env(tmp, envp);
	free(user);
	if (r == 0) {
		swap = *cfg;
		*cfg = *tmp;
		*tmp = swap;
	}
	config_free(tmp);
	return r;
}
