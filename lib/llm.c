/*
 * llm.c - the LLM engine (see llm.h).
 *
 * A call moves through these states: QUEUED (its request waits for a free
 * transfer), SENDING (a curl easy handle on the multi handle), SLEEPING
 * (a retry is due at wake_ms) and DONE. A cached reply takes a call from
 * one request to the next without a transfer, so a rerun never leaves
 * llm_call_new pending.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clock.h"
#include "buf.h"
#include "datadir.h"
#include "error.h"
#include "jschema.h"
#include "llm.h"
#include "log.h"
#include "store.h"
#include "workspace.h"
#include "banned.h"

#define REPLY_MAX (8u << 20)      /* the largest response body taken */
#define LOGGED_TEXT_MAX (1u << 20) /* a body that is not JSON, in the log */
#define REPAIR_ERRORS 20
#define BACKOFF_BASE_MS 500
#define BACKOFF_MAX_MS 20000
#define RETRY_AFTER_MAX_MS 120000
#define ANTHROPIC_VERSION "2023-06-01"

enum api { API_OPENAI, API_ANTHROPIC };
enum cache_mode { CACHE_ON, CACHE_OFF, CACHE_ONLY };
enum structured { STRUCT_STRICT, STRUCT_SCHEMA, STRUCT_PROMPT };
enum state { ST_QUEUED, ST_SENDING, ST_SLEEPING, ST_DONE };

struct llm {
	const struct config *cfg;
	enum api api;
	char *endpoint;
	char *model;
	char *key;                  /* never logged, never stored */
	long timeout_ms, connect_ms;
	double temperature;         /* NAN: not sent */
	long long seed;
	int has_seed;
	long max_tokens;
	unsigned jobs;
	int retries;
	enum cache_mode cache;
	enum structured structured;
	int64_t max_tokens_total;   /* 0: no limit */
	double max_cost;            /* 0: no limit */
	double price_in, price_out; /* per million tokens */
	char *store_spec;
	struct store *store;
	int store_tried;
	CURLM *multi;
	struct curl_slist *headers;
	struct llm_call *calls;     /* every call not DONE */
	unsigned sending;
	int64_t spent_tokens, held_tokens;
	double spent_cost, held_cost;
	int dead;                   /* a refusal no retry mends */
	char dead_msg[400];
	int over_budget;
	uint64_t requests, cached, calls_made;
	unsigned rand_state;
};

struct llm_call {
	struct llm *l;
	struct llm_call *prev, *next;
	char *role;
	json_t *schema;
	json_t *body;               /* the request */
	char *body_text;
	char key[65];
	enum state state;
	int64_t wake_ms;
	int attempts;               /* of the current request */
	int repaired;
	CURL *easy;
	struct buf resp;
	long retry_after_ms;        /* from the last response, -1 if none */
	int64_t started_ms;
	int64_t held_tokens;
	double held_cost;
	enum llm_status status;
	int code;
	char err[400];
	json_t *reply;
	json_t *errors;
	int64_t tokens_in, tokens_out;
};

/* ---- configuration ---- */

static int cfg_long(const struct config *cfg, const char *key, long lo, long hi, long *out)
{
	const char *v = config_get(cfg, key);
	char *end;
	long n;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return ak_error(AK_EXIT_USAGE, "%s '%s' is not a whole number from %ld to %ld",
				key, v, lo, hi);
	*out = n;
	return 0;
}

static int cfg_double(const struct config *cfg, const char *key, double *out)
{
	const char *v = config_get(cfg, key);
	char *end;
	double d;

	if (!v || !*v)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || !isfinite(d) || d < 0)
		return ak_error(AK_EXIT_USAGE, "%s '%s' is not a non-negative number", key, v);
	*out = d;
	return 0;
}

/* llm.prices.MODEL: "IN,OUT" in currency per million tokens. */
static int cfg_prices(struct llm *l)
{
	struct buf k = BUF_INIT;
	const char *v;
	char *end;
	int rc = 0;

	if (buf_addf(&k, "llm.prices.%s", l->model) < 0)
		return -1;
	v = config_get(l->cfg, k.p);
	if (v) {
		errno = 0;
		l->price_in = strtod(v, &end);
		if (*end == ',')
			l->price_out = strtod(end + 1, &end);
		if (errno || *end || l->price_in < 0 || l->price_out < 0)
			rc = ak_error(AK_EXIT_USAGE, "%s '%s' is not \"IN,OUT\" (prices per "
				      "million tokens)", k.p, v);
	} else if (l->max_cost > 0) {
		rc = ak_error(AK_EXIT_USAGE, "--max-cost needs the price of model '%s': set %s "
			      "to \"IN,OUT\" (per million tokens)", l->model, k.p);
	}
	buf_release(&k);
	return rc;
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* The API, the endpoint and the key, from what is set. */
static int cfg_endpoint(struct llm *l, char *const *envp)
{
	const char *url = config_get(l->cfg, "llm.url");
	const char *api = config_get(l->cfg, "llm.api");
	const char *key = config_get(l->cfg, "llm.key");
	const char *okey = env_get(envp, "OPENAI_API_KEY");
	const char *akey = env_get(envp, "ANTHROPIC_API_KEY");
	struct buf b = BUF_INIT;

	if (!api || !strcmp(api, "auto")) {
		if (url)
			l->api = strstr(url, "anthropic") || ends_with(url, "/messages") ?
				 API_ANTHROPIC : API_OPENAI;
		else
			l->api = !okey && akey ? API_ANTHROPIC : API_OPENAI;
	} else if (!strcmp(api, "openai")) {
		l->api = API_OPENAI;
	} else if (!strcmp(api, "anthropic")) {
		l->api = API_ANTHROPIC;
	} else {
		return ak_error(AK_EXIT_USAGE, "llm.api '%s' is not auto, openai or anthropic", api);
	}
	if (!key)
		key = l->api == API_ANTHROPIC ? akey : okey;
	if (!url) {
		if (!key)
			return ak_error(AK_EXIT_USAGE, "no LLM configured: set AGENTKIT_LLM_URL "
					"(for example http://localhost:11434/v1 for a local server) "
					"or an API key");
		url = l->api == API_ANTHROPIC ? "https://api.anthropic.com/v1" :
		      "https://api.openai.com/v1";
	}
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return ak_error(AK_EXIT_USAGE, "llm.url '%s' is not an http:// or https:// URL", url);
	if (ends_with(url, "/chat/completions") || ends_with(url, "/messages"))
		buf_addstr(&b, url);
	else
		buf_addf(&b, "%.*s/%s", (int)(strlen(url) - ends_with(url, "/")), url,
			 l->api == API_ANTHROPIC ? "messages" : "chat/completions");
	if (!b.p)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	l->endpoint = buf_detach(&b, NULL);
	if (key && !(l->key = strdup(key)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

static int cfg_modes(struct llm *l)
{
	const char *cache = config_get(l->cfg, "llm.cache");
	const char *st = config_get(l->cfg, "llm.structured");

	if (!cache || !strcmp(cache, "on"))
		l->cache = CACHE_ON;
	else if (!strcmp(cache, "off"))
		l->cache = CACHE_OFF;
	else if (!strcmp(cache, "only"))
		l->cache = CACHE_ONLY;
	else
		return ak_error(AK_EXIT_USAGE, "llm.cache '%s' is not on, off or only", cache);
	if (!st || !strcmp(st, "strict"))
		l->structured = STRUCT_STRICT;
	else if (!strcmp(st, "schema"))
		l->structured = STRUCT_SCHEMA;
	else if (!strcmp(st, "prompt"))
		l->structured = STRUCT_PROMPT;
	else
		return ak_error(AK_EXIT_USAGE, "llm.structured '%s' is not strict, schema or prompt",
				st);
	if (l->api == API_ANTHROPIC)
		l->structured = STRUCT_PROMPT;
	return 0;
}

static int cfg_numbers(struct llm *l)
{
	long timeout = 120, connect = 10, max_tokens = 4096, jobs = 4, retries = 4;
	long seed = 0;
	long long total = 0;
	const char *v;

	l->temperature = 0;
	if (cfg_long(l->cfg, "llm.timeout", 1, 86400, &timeout) < 0 ||
	    cfg_long(l->cfg, "llm.connect_timeout", 1, 3600, &connect) < 0 ||
	    cfg_long(l->cfg, "llm.max_tokens", 1, 1000000, &max_tokens) < 0 ||
	    cfg_long(l->cfg, "llm.jobs", 1, 256, &jobs) < 0 ||
	    cfg_long(l->cfg, "llm.retries", 0, 20, &retries) < 0 ||
	    cfg_double(l->cfg, "llm.temperature", &l->temperature) < 0 ||
	    cfg_double(l->cfg, "llm.max_cost", &l->max_cost) < 0)
		return -1;
	if ((v = config_get(l->cfg, "llm.seed")) && *v) {
		if (cfg_long(l->cfg, "llm.seed", LONG_MIN, LONG_MAX, &seed) < 0)
			return -1;
		l->seed = seed;
		l->has_seed = 1;
	}
	if ((v = config_get(l->cfg, "llm.max_tokens_total")) && *v) {
		char *end;

		errno = 0;
		total = strtoll(v, &end, 10);
		if (errno || *end || total <= 0)
			return ak_error(AK_EXIT_USAGE, "llm.max_tokens_total '%s' is not a "
					"positive whole number", v);
	}
	l->timeout_ms = timeout * 1000;
	l->connect_ms = connect * 1000;
	l->max_tokens = max_tokens;
	l->jobs = (unsigned)jobs;
	l->retries = (int)retries;
	l->max_tokens_total = total;
	return 0;
}

static int build_headers(struct llm *l)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf b = BUF_INIT;

	if (l->api == API_ANTHROPIC) {
		h = h ? curl_slist_append(h, "anthropic-version: " ANTHROPIC_VERSION) : NULL;
		if (l->key)
			buf_addf(&b, "x-api-key: %s", l->key);
	} else if (l->key) {
		buf_addf(&b, "Authorization: Bearer %s", l->key);
	}
	if (h && b.p) {
		struct curl_slist *t = curl_slist_append(h, b.p);

		if (!t)
			curl_slist_free_all(h);
		h = t;
	}
	if (b.p)
		memset(b.p, 0, b.len);
	buf_release(&b);
	if (!h)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	l->headers = h;
	return 0;
}

static char *default_cache_path(char *const *envp)
{
	struct buf b = BUF_INIT;

	if (datadir_cache(env_get(envp, "XDG_CACHE_HOME"), env_get(envp, "HOME"), &b) < 0 ||
	    buf_addstr(&b, "/llm.db") < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

char *llm_store_spec(const struct config *cfg, char *const *envp)
{
	const char *store = config_get(cfg, "store");
	char *s = store && *store ? strdup(store) : default_cache_path(envp);

	if (!s)
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return s;
}

struct llm *llm_new(const struct config *cfg, char *const *envp)
{
	static int curl_ready;
	struct llm *l = calloc(1, sizeof(*l));
	const char *model = config_get(cfg, "llm.model");

	if (!l) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	l->cfg = cfg;
	l->rand_state = (unsigned)(clock_wall_ms() ^ getpid());
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			ak_error(AK_EXIT_SOFTWARE, "cannot initialise libcurl");
			goto fail;
		}
		curl_ready = 1;
	}
	if (!model || !*model) {
		ak_error(AK_EXIT_USAGE, "no model: set AGENTKIT_LLM_MODEL or llm.model");
		goto fail;
	}
	if (!(l->model = strdup(model)) || cfg_endpoint(l, envp) < 0 || cfg_modes(l) < 0 ||
	    cfg_numbers(l) < 0 || cfg_prices(l) < 0 || build_headers(l) < 0)
		goto fail;
	if (!(l->store_spec = llm_store_spec(cfg, envp)))
		goto fail;
	if (!(l->multi = curl_multi_init())) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto fail;
	}
	curl_multi_setopt(l->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)l->jobs);
	return l;
fail:
	llm_free(l);
	return NULL;
}

/* ---- the store: log and cache ---- */

static struct store *llm_store(struct llm *l)
{
	if (!l->store_tried) {
		l->store_tried = 1;
		l->store = store_open(l->store_spec, NULL);
		if (!l->store) {
			l->dead = ak_errcode();
			snprintf(l->dead_msg, sizeof(l->dead_msg), "LLM cache: %s", ak_errmsg());
		}
	}
	return l->store;
}

/* A response body as JSON text for the log: itself, or quoted. */
static char *as_json_text(const char *p, size_t n)
{
	json_t *j = json_loadb(p, n, 0, NULL);
	char *s;

	if (!j)
		j = json_stringn(p, n > LOGGED_TEXT_MAX ? LOGGED_TEXT_MAX : n);
	if (!j)
		j = json_string("(a body that is not UTF-8)");
	s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	return s;
}

static double cost_of(const struct llm *l, int64_t in, int64_t out)
{
	return ((double)in * l->price_in + (double)out * l->price_out) / 1e6;
}

static void log_exchange(struct llm_call *c, long status, int64_t in, int64_t out)
{
	struct llm *l = c->l;
	struct store_llm_exchange x = { 0 };
	char *resp = c->resp.len ? as_json_text(c->resp.p, c->resp.len) : NULL;
	struct store *st = llm_store(l);

	if (!st) {
		free(resp);
		return;
	}
	x.key = c->key;
	x.model = l->model;
	x.request = c->body_text;
	x.response = resp;
	x.status = (int)status;
	x.tokens_in = in;
	x.tokens_out = out;
	x.cost = cost_of(l, in, out);
	x.duration_ms = clock_mono_ms() - c->started_ms;
	if (store_llm_log(st, &x) < 0)
		log_warn("cannot log the exchange: %s", ak_errmsg());
	free(resp);
}

/* ---- the end of a call ---- */

static void unlink_call(struct llm_call *c)
{
	struct llm *l = c->l;

	if (c->prev)
		c->prev->next = c->next;
	else if (l->calls == c)
		l->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void end_call(struct llm_call *c, enum llm_status status, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void end_call(struct llm_call *c, enum llm_status status, int code, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	c->status = status;
	c->code = code;
	c->state = ST_DONE;
	unlink_call(c);
}

/* A refusal that every later call would meet too. */
static void refuse_all(struct llm *l, const char *msg)
{
	if (!l->dead) {
		l->dead = AK_EXIT_UNAVAILABLE;
		snprintf(l->dead_msg, sizeof(l->dead_msg), "%s", msg);
	}
}

/* ---- requests ---- */

static int set_body(struct llm_call *c, json_t *body)
{
	struct llm *l = c->l;
	char *sorted;

	json_decref(c->body);
	free(c->body_text);
	c->body = body;
	c->body_text = json_dumps(body, JSON_COMPACT);
	sorted = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	if (!c->body_text || !sorted) {
		free(sorted);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	{
		struct buf k = BUF_INIT;

		buf_addf(&k, "%s\n%s", l->api == API_ANTHROPIC ? "anthropic" : "openai", sorted);
		free(sorted);
		if (!k.p)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		sha256_hex(k.p, k.len, c->key);
		buf_release(&k);
	}
	c->attempts = 0;
	return 0;
}

/* The first request of a call: system and user prompts, options, schema. */
static json_t *first_body(struct llm_call *c, const char *system, const char *user)
{
	struct llm *l = c->l;
	json_t *body = json_object(), *msgs = json_array();
	struct buf sys = BUF_INIT;

	buf_addstr(&sys, system);
	if (l->structured == STRUCT_PROMPT) {
		char *s = json_dumps(c->schema, JSON_COMPACT);

		buf_addf(&sys, "\n\nReply with one JSON object only, no prose and no code fence, "
			 "matching this JSON Schema:\n%s", s ? s : "{}");
		free(s);
	}
	json_object_set_new(body, "model", json_string(l->model));
	if (l->api == API_ANTHROPIC) {
		json_object_set_new(body, "max_tokens", json_integer(l->max_tokens));
		json_object_set_new(body, "system", json_string(sys.p ? sys.p : ""));
	} else {
		json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system",
						      "content", sys.p ? sys.p : ""));
	}
	json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content", user));
	json_object_set_new(body, "messages", msgs);
	if (!isnan(l->temperature))
		json_object_set_new(body, "temperature", json_real(l->temperature));
	if (l->api == API_OPENAI) {
		json_object_set_new(body, "max_tokens", json_integer(l->max_tokens));
		if (l->has_seed)
			json_object_set_new(body, "seed", json_integer(l->seed));
		if (l->structured != STRUCT_PROMPT)
			json_object_set_new(body, "response_format", json_pack(
				"{s:s,s:{s:s,s:b,s:O}}", "type", "json_schema", "json_schema",
				"name", c->role, "strict", l->structured == STRUCT_STRICT,
				"schema", c->schema));
	}
	buf_release(&sys);
	return body;
}

/* The repair request: the conversation so far, the reply, what is wrong. */
static json_t *repair_body(struct llm_call *c, const char *content)
{
	json_t *body = json_deep_copy(c->body);
	json_t *msgs = json_object_get(body, "messages");
	struct buf b = BUF_INIT;
	size_t i;
	json_t *e;

	buf_addstr(&b, "Your reply does not match the required JSON schema:\n");
	json_array_foreach(c->errors, i, e)
		buf_addf(&b, "- %s\n", json_string_value(e));
	buf_addstr(&b, "Reply again with the corrected JSON object only.");
	json_array_append_new(msgs, json_pack("{s:s,s:s%}", "role", "assistant", "content",
					      content, strlen(content) > 65536 ? (size_t)65536 :
					      strlen(content)));
	json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content",
					      b.p ? b.p : ""));
	buf_release(&b);
	return body;
}

/* ---- replies ---- */

struct reply {
	const char *content;
	size_t len;
	int cut;                 /* stopped at the token limit */
	int64_t in, out;
};

static int json_int_of(const json_t *o, const char *k, int64_t *v)
{
	const json_t *j = json_object_get(o, k);

	if (!json_is_integer(j))
		return 0;
	*v = json_integer_value(j);
	return 1;
}

/* Read a chat completion or a message. 0, or -1 when it is neither. */
static int parse_reply(const struct llm *l, const json_t *r, struct reply *out)
{
	const json_t *usage = json_object_get(r, "usage"), *text = NULL;
	const char *stop;

	memset(out, 0, sizeof(*out));
	if (l->api == API_ANTHROPIC) {
		const json_t *content = json_object_get(r, "content"), *part;
		size_t i;

		json_array_foreach(content, i, part)
			if ((text = json_object_get(part, "text")) && json_is_string(text))
				break;
		if (!json_is_array(content) || i == json_array_size(content))
			return -1;
		stop = json_string_value(json_object_get(r, "stop_reason"));
		out->cut = stop && !strcmp(stop, "max_tokens");
		json_int_of(usage, "input_tokens", &out->in);
		json_int_of(usage, "output_tokens", &out->out);
	} else {
		const json_t *choice = json_array_get(json_object_get(r, "choices"), 0);

		text = json_object_get(json_object_get(choice, "message"), "content");
		if (!json_is_string(text))
			return -1;
		stop = json_string_value(json_object_get(choice, "finish_reason"));
		out->cut = stop && !strcmp(stop, "length");
		json_int_of(usage, "prompt_tokens", &out->in);
		json_int_of(usage, "completion_tokens", &out->out);
	}
	out->content = json_string_value(text);
	out->len = json_string_length(text);
	return 0;
}

/*
 * The JSON a reply holds: the whole text, or what a code fence around it
 * holds (models add fences even when asked not to).
 */
static json_t *reply_json(const char *p, size_t n, char *why, size_t whylen)
{
	json_error_t jerr;
	const char *open, *close;
	json_t *j;

	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, n--;
	if (n >= 3 && !memcmp(p, "```", 3) && (open = memchr(p, '\n', n))) {
		size_t rest = n - (size_t)(open + 1 - p);

		close = rest >= 3 ? memmem(open + 1, rest, "```", 3) : NULL;
		if (close) {
			n = (size_t)(close - open - 1);
			p = open + 1;
		}
	}
	j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		snprintf(why, whylen, "the reply is not JSON: %s (at byte %d)", jerr.text,
			 jerr.position);
	return j;
}

static void advance(struct llm_call *c);

/* A reply came (from the server or the cache): check it, repair or end. */
static void take_reply(struct llm_call *c, const char *p, size_t n)
{
	struct llm *l = c->l;
	json_t *r = json_loadb(p, n, 0, NULL), *j;
	struct reply rep;
	char why[300];
	int v;

	if (!r || parse_reply(l, r, &rep) < 0) {
		json_decref(r);
		end_call(c, LLM_FAILED, AK_EXIT_UNAVAILABLE, "the server's answer is not a %s",
			 l->api == API_ANTHROPIC ? "message" : "chat completion");
		return;
	}
	c->tokens_in += rep.in;
	c->tokens_out += rep.out;
	json_decref(c->errors);
	c->errors = json_array();
	j = reply_json(rep.content, rep.len, why, sizeof(why));
	if (rep.cut)
		json_array_append_new(c->errors, json_sprintf(
			"the reply was cut at the token limit (%ld tokens): make it shorter",
			l->max_tokens));
	if (!j) {
		json_array_append_new(c->errors, json_string(why));
		v = 1;
	} else {
		v = jschema_validate(c->schema, j, c->errors, REPAIR_ERRORS);
	}
	if (v == 0 && !rep.cut) {
		c->reply = j;
		json_decref(r);
		end_call(c, LLM_OK, 0, NULL);
		return;
	}
	json_decref(j);
	if (v < 0) {
		json_decref(r);
		end_call(c, LLM_FAILED, AK_EXIT_SOFTWARE, "%s", ak_errmsg());
		return;
	}
	if (c->repaired) {
		json_decref(r);
		end_call(c, LLM_REJECTED, AK_EXIT_DATAERR, "the reply does not match the schema "
			 "after a repair round: %s", json_string_value(json_array_get(c->errors, 0)));
		return;
	}
	c->repaired = 1;
	{
		char *content = strndup(rep.content, rep.len);
		json_t *body = content ? repair_body(c, content) : NULL;

		free(content);
		json_decref(r);
		if (!body || set_body(c, body) < 0) {
			end_call(c, LLM_FAILED, AK_EXIT_SOFTWARE, "out of memory");
			return;
		}
	}
	advance(c);
}

/* ---- budget ---- */

static int over_budget(struct llm *l, struct llm_call *c)
{
	int64_t est_in = (int64_t)strlen(c->body_text) / 4 + 1;
	int64_t est = est_in + l->max_tokens;
	double est_cost = cost_of(l, est_in, l->max_tokens);

	if (l->over_budget)
		return 1;
	if (l->max_tokens_total && l->spent_tokens + l->held_tokens + est > l->max_tokens_total)
		l->over_budget = 1;
	if (l->max_cost > 0 && l->spent_cost + l->held_cost + est_cost > l->max_cost)
		l->over_budget = 1;
	if (l->over_budget)
		return 1;
	c->held_tokens = est;
	c->held_cost = est_cost;
	l->held_tokens += est;
	l->held_cost += est_cost;
	return 0;
}

static void release_hold(struct llm_call *c)
{
	c->l->held_tokens -= c->held_tokens;
	c->l->held_cost -= c->held_cost;
	c->held_tokens = 0;
	c->held_cost = 0;
}

/* ---- transfers ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct llm_call *c = ctx;

	if (buf_add(&c->resp, p, size * n) < 0)
		return 0;
	return size * n;
}

/* Retry-After (seconds or an HTTP date) and retry-after-ms. */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct llm_call *c = ctx;
	size_t len = size * n;
	char v[128];

	if (len > 12 && !strncasecmp(p, "retry-after:", 12)) {
		snprintf(v, sizeof(v), "%.*s", (int)(len - 12), p + 12);
		v[strcspn(v, "\r\n")] = '\0';
		if (v[strspn(v, " 0123456789")] == '\0') {
			long s = strtol(v, NULL, 10);

			if (c->retry_after_ms < 0)
				c->retry_after_ms = s > RETRY_AFTER_MAX_MS / 1000 ?
						    RETRY_AFTER_MAX_MS : s * 1000;
		} else {
			time_t t = curl_getdate(v + strspn(v, " "), NULL);

			if (t > 0 && c->retry_after_ms < 0)
				c->retry_after_ms = t > time(NULL) ?
						    (long)(t - time(NULL)) * 1000 : 0;
		}
	} else if (len > 15 && !strncasecmp(p, "retry-after-ms:", 15)) {
		snprintf(v, sizeof(v), "%.*s", (int)(len - 15), p + 15);
		/* the finer one wins */
		c->retry_after_ms = (long)strtod(v, NULL);
	}
	return len;
}

static void start_transfer(struct llm_call *c)
{
	struct llm *l = c->l;
	CURL *e = curl_easy_init();

	if (!e) {
		end_call(c, LLM_FAILED, AK_EXIT_SOFTWARE, "out of memory");
		return;
	}
	buf_release(&c->resp);
	buf_init(&c->resp, REPLY_MAX);
	c->retry_after_ms = -1;
	curl_easy_setopt(e, CURLOPT_URL, l->endpoint);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, l->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body_text);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(c->body_text));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, l->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, l->connect_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "agentkit/" AK_VERSION);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	if (curl_multi_add_handle(l->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		release_hold(c);
		end_call(c, LLM_FAILED, AK_EXIT_SOFTWARE, "cannot start a transfer");
		return;
	}
	c->easy = e;
	c->state = ST_SENDING;
	c->started_ms = clock_mono_ms();
	c->attempts++;
	l->sending++;
	l->requests++;
	log_debug("llm: POST %s (%s, attempt %d)", l->endpoint, c->role, c->attempts);
}

/* Start queued calls, oldest first, while transfers are free. */
static void pump(struct llm *l)
{
	struct llm_call *c, *next;

	for (c = l->calls; c && l->sending < l->jobs; c = next) {
		next = c->next;
		if (c->state != ST_QUEUED)
			continue;
		if (l->dead) {
			end_call(c, LLM_FAILED, l->dead, "%s", l->dead_msg);
		} else if (over_budget(l, c)) {
			end_call(c, LLM_BUDGET, AK_EXIT_TEMPFAIL, "the budget would be passed");
		} else {
			start_transfer(c);
		}
	}
}

/* The call has a request ready: answer it from the cache or queue it. */
static void advance(struct llm_call *c)
{
	struct llm *l = c->l;
	char *cached = NULL;
	int hit = 0;

	if (l->dead) {
		end_call(c, LLM_FAILED, l->dead, "%s", l->dead_msg);
		return;
	}
	if (l->cache != CACHE_OFF) {
		struct store *st = llm_store(l);

		if (!st) {
			end_call(c, LLM_FAILED, l->dead, "%s", l->dead_msg);
			return;
		}
		hit = store_llm_cache_get(st, c->key, &cached);
		if (hit < 0) {
			end_call(c, LLM_FAILED, ak_errcode(), "LLM cache: %s", ak_errmsg());
			return;
		}
	}
	if (hit) {
		l->cached++;
		take_reply(c, cached, strlen(cached));
		free(cached);
		return;
	}
	if (l->cache == CACHE_ONLY) {
		end_call(c, LLM_FAILED, AK_EXIT_UNAVAILABLE,
			 "no cached answer for this request (--cache-only)");
		return;
	}
	c->state = ST_QUEUED;
	pump(l);
}

/* The API's own words for a refusal, if the body has them. */
static const char *api_message(const json_t *r, const char **type)
{
	const json_t *e = json_object_get(r, "error");

	*type = json_string_value(json_object_get(e, "code"));
	if (!*type)
		*type = json_string_value(json_object_get(e, "type"));
	return json_string_value(json_object_get(e, "message"));
}

static long backoff_ms(struct llm *l, int attempt)
{
	long d = BACKOFF_BASE_MS;

	for (int i = 1; i < attempt && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	/* full jitter on the upper half: calls that failed together spread out */
	return d / 2 + (long)(rand_r(&l->rand_state) % (unsigned)(d / 2 + 1));
}

static void retry_or_fail(struct llm_call *c, const char *what)
{
	struct llm *l = c->l;
	long wait;

	if (c->attempts > l->retries) {
		end_call(c, LLM_FAILED, AK_EXIT_UNAVAILABLE, "%s: gave up after %d attempt%s",
			 what, c->attempts, c->attempts == 1 ? "" : "s");
		return;
	}
	wait = c->retry_after_ms >= 0 ? c->retry_after_ms : backoff_ms(l, c->attempts);
	log_warn("llm: %s; retrying in %ld ms", what, wait);
	c->state = ST_SLEEPING;
	c->wake_ms = clock_mono_ms() + wait;
}

static void transfer_done(struct llm_call *c, CURLcode rc)
{
	struct llm *l = c->l;
	long status = 0;
	json_t *r;
	char what[300];

	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(l->multi, c->easy);
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
	l->sending--;
	release_hold(c);
	if (rc != CURLE_OK) {
		log_exchange(c, status, 0, 0);
		snprintf(what, sizeof(what), "%s: %s", l->endpoint, curl_easy_strerror(rc));
		if (rc == CURLE_WRITE_ERROR && c->resp.len >= REPLY_MAX - 1) {
			end_call(c, LLM_FAILED, AK_EXIT_UNAVAILABLE, "%s: the answer is larger "
				 "than %u MiB", l->endpoint, REPLY_MAX >> 20);
			return;
		}
		retry_or_fail(c, what);
		return;
	}
	r = json_loadb(c->resp.p ? c->resp.p : "", c->resp.len, 0, NULL);
	if (status >= 200 && status < 300) {
		struct reply rep;
		int64_t in = 0, out = 0;

		int whole = r && parse_reply(l, r, &rep) == 0;

		if (whole) {
			in = rep.in;
			out = rep.out;
		}
		log_exchange(c, status, in, out);
		l->spent_tokens += in + out;
		l->spent_cost += cost_of(l, in, out);
		json_decref(r);
		/* only a well-formed answer is worth keeping */
		if (l->cache != CACHE_OFF && whole && llm_store(l) &&
		    store_llm_cache_put(l->store, c->key, l->model, c->resp.p) < 0)
			log_warn("cannot cache the answer: %s", ak_errmsg());
		take_reply(c, c->resp.p ? c->resp.p : "", c->resp.len);
		return;
	}
	log_exchange(c, status, 0, 0);
	{
		const char *type = NULL, *msg = r ? api_message(r, &type) : NULL;
		int quota = type && (!strcmp(type, "insufficient_quota") ||
				     !strcmp(type, "billing_error"));

		snprintf(what, sizeof(what), "%s: HTTP %ld%s%.200s", l->endpoint, status,
			 msg ? ": " : "", msg ? msg : "");
		json_decref(r);
		if (status == 401 || status == 403 || quota) {
			refuse_all(l, what);
			end_call(c, LLM_FAILED, AK_EXIT_UNAVAILABLE, "%s", what);
		} else if (status == 408 || status == 409 || status == 429 || status >= 500) {
			retry_or_fail(c, what);
		} else {
			end_call(c, LLM_FAILED, AK_EXIT_UNAVAILABLE, "%s", what);
		}
	}
}

/* Wake the calls whose retry is due; the time until the next, or -1. */
static long wake_due(struct llm *l)
{
	int64_t now = clock_mono_ms(), next = -1;

	for (struct llm_call *c = l->calls; c; c = c->next) {
		if (c->state != ST_SLEEPING)
			continue;
		if (c->wake_ms <= now)
			c->state = ST_QUEUED;
		else if (next < 0 || c->wake_ms - now < next)
			next = c->wake_ms - now;
	}
	return (long)next;
}

int llm_wait(struct llm *l, int fd)
{
	struct curl_waitfd extra = { fd, CURL_WAIT_POLLIN, 0 };
	struct CURLMsg *m;
	long next = wake_due(l), timeout = 1000;
	int running, left, nfds;

	pump(l);
	if (!l->sending && next < 0 && fd < 0)
		return 0;
	if (next >= 0 && next < timeout)
		timeout = next;
	if (curl_multi_poll(l->multi, fd >= 0 ? &extra : NULL, fd >= 0, (int)timeout,
			    &nfds) != CURLM_OK ||
	    curl_multi_perform(l->multi, &running) != CURLM_OK)
		return ak_error(AK_EXIT_SOFTWARE, "libcurl failed while waiting");
	while ((m = curl_multi_info_read(l->multi, &left))) {
		struct llm_call *c = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (c)
			transfer_done(c, m->data.result);
	}
	wake_due(l);
	pump(l);
	return fd >= 0 && (extra.revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)) ? 1 : 0;
}

int llm_call_run(struct llm *l, struct llm_call *c)
{
	while (c->state != ST_DONE)
		if (llm_wait(l, -1) < 0)
			return -1;
	return 0;
}

/* ---- calls ---- */

struct llm_call *llm_call_new(struct llm *l, const char *role, const char *system,
			      const char *user, const json_t *schema)
{
	struct llm_call *c = calloc(1, sizeof(*c));
	json_t *body;

	if (!c || !(c->role = strdup(role))) {
		free(c);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	if (jschema_check(schema) < 0) {
		free(c->role);
		free(c);
		return NULL;
	}
	c->l = l;
	c->schema = json_incref((json_t *)schema);
	c->status = LLM_PENDING;
	/* oldest first: pump starts them in the order they came */
	if (!l->calls) {
		l->calls = c;
	} else {
		struct llm_call *t = l->calls;

		while (t->next)
			t = t->next;
		t->next = c;
		c->prev = t;
	}
	l->calls_made++;
	body = first_body(c, system, user);
	if (!body || set_body(c, body) < 0) {
		llm_call_free(c);
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	advance(c);
	return c;
}

enum llm_status llm_call_status(const struct llm_call *c)
{
	return c->state == ST_DONE ? c->status : LLM_PENDING;
}

const json_t *llm_call_reply(const struct llm_call *c)
{
	return c->status == LLM_OK ? c->reply : NULL;
}

const char *llm_call_error(const struct llm_call *c)
{
	return c->err;
}

int llm_call_code(const struct llm_call *c)
{
	return c->code;
}

json_t *llm_call_info(const struct llm_call *c)
{
	static const char *const names[] = { "pending", "ok", "rejected", "failed", "budget" };
	const struct llm *l = c->l;
	json_t *o = json_pack("{s:s,s:s,s:b,s:I,s:I}", "model", l->model,
			      "status", names[c->status], "repaired", c->repaired,
			      "tokens_in", (json_int_t)c->tokens_in,
			      "tokens_out", (json_int_t)c->tokens_out);

	if (o && (l->price_in > 0 || l->price_out > 0))
		json_object_set_new(o, "cost", json_real(cost_of(l, c->tokens_in, c->tokens_out)));
	if (o && c->status == LLM_REJECTED && c->errors)
		json_object_set(o, "errors", c->errors);
	if (o && (c->status == LLM_FAILED || c->status == LLM_BUDGET))
		json_object_set_new(o, "error", json_string(c->err));
	return o;
}

void llm_call_free(struct llm_call *c)
{
	if (!c)
		return;
	if (c->easy) {
		curl_multi_remove_handle(c->l->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->l->sending--;
		release_hold(c);
	}
	if (c->state != ST_DONE)
		unlink_call(c);
	buf_release(&c->resp);
	json_decref(c->schema);
	json_decref(c->body);
	json_decref(c->reply);
	json_decref(c->errors);
	free(c->body_text);
	free(c->role);
	free(c);
}

unsigned llm_jobs(const struct llm *l)
{
	return l->jobs;
}

void llm_spent(const struct llm *l, int64_t *tokens, double *cost)
{
	*tokens = l->spent_tokens;
	*cost = l->spent_cost;
}

void llm_free(struct llm *l)
{
	if (!l)
		return;
	while (l->calls)
		llm_call_free(l->calls);
	if (l->calls_made)
		log_info("llm: %" PRIu64 " request%s, %" PRIu64 " answered from the cache, "
			 "%" PRId64 " tokens, cost %.4f", l->requests, l->requests == 1 ? "" : "s",
			 l->cached, l->spent_tokens, l->spent_cost);
	if (l->multi)
		curl_multi_cleanup(l->multi);
	curl_slist_free_all(l->headers);
	store_close(l->store);
	if (l->key) {
		memset(l->key, 0, strlen(l->key));
		free(l->key);
	}
	free(l->endpoint);
	free(l->model);
	free(l->store_spec);
	free(l);
}
