/*
 * sarif.c - write agent-secscan's findings as a SARIF 2.1.0 log.
 *
 * The log is built in one pass over the findings, in their order: a rule
 * is added to the driver the first time a result uses it, so ruleIndex is
 * known when the result is made and rules without results never appear.
 * Two jansson objects serve as maps: rule id to its description from the
 * caller, and rule id to its index in the driver's rules.
 *
 * Only named fields of a finding are copied, never a finding as a whole,
 * so a field that holds secret text (a snippet, or anything under "secret"
 * but the redacted prefix and the length) cannot slip into the log.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "secscan/sarif.h"
#include "banned.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/" \
	"errata01/os/schemas/sarif-schema-2.1.0.json"
#define SARIF_TOOL "agent-secscan"
#define SARIF_TOOL_URI "https://agentkit.invalid/agent-secscan"
#define SARIF_BASE "SRCROOT"
#define SARIF_FINGERPRINT "agentkitFingerprint/v1"

struct severity_map {
	const char *name, *level, *score;
};

/*
 * GitHub reads security-severity as: 9.0 and up critical, 7.0 high,
 * 4.0 medium, below that low.
 */
static const struct severity_map severities[] = {
	{ "critical", "error", "9.5" },
	{ "high", "error", "8.0" },
	{ "medium", "warning", "5.5" },
	{ "low", "note", "3.0" },
};

static const struct severity_map unknown_severity = { NULL, "warning", NULL };

static const struct severity_map *severity_map(const char *name)
{
	size_t n = sizeof(severities) / sizeof(severities[0]);

	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(severities[i].name, name))
			return &severities[i];
	return &unknown_severity;
}

/* How often a rule of this kind is right, when its description does not say. */
static const char *default_precision(const char *kind)
{
	if (kind && !strcmp(kind, "dependency"))
		return "very-high";
	if (kind && (!strcmp(kind, "secret") || !strcmp(kind, "iac")))
		return "high";
	return "medium";
}

/* o[k] if it is a non-empty string, else NULL. */
static const char *get_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* o[k] if it is a positive integer, else 0. */
static json_int_t get_pos(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
		json_integer_value(v) : 0;
}

/* The rule description's field k, or else the finding's. */
static const char *pick(const json_t *desc, const json_t *finding, const char *k)
{
	const char *s = desc ? get_str(desc, k) : NULL;

	return s ? s : get_str(finding, k);
}

/* o[k] = v, taking v; -1 when v is NULL (an allocation failed) or the set fails. */
static int set(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static int set_str(json_t *o, const char *k, const char *s)
{
	return set(o, k, json_string(s));
}

static int append(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -1;
}

/* {"text": s}, a new reference or NULL. */
static json_t *text_new(const char *s)
{
	json_t *o = json_object();

	if (o && set_str(o, "text", s)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_init(&b, 0);
	if (n < 0 || buf_grow(&b, (size_t)n) < 0)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(b.p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len = (size_t)n;
	return buf_detach(&b, NULL);
}

static int uri_keeps(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("-._~!$&'()*+,;=@/", c) != NULL;
}

char *sarif_uri_encode(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)path;
	char *out, *o;

	while (s[0] == '.' && s[1] == '/') {
		s += 2;
		while (*s == '/')
			s++;
	}
	out = malloc(strlen((const char *)s) * 3 + 1);
	if (!out)
		return NULL;
	for (o = out; *s; s++) {
		if (uri_keeps(*s)) {
			*o++ = (char)*s;
			continue;
		}
		*o++ = '%';
		*o++ = hex[*s >> 4];
		*o++ = hex[*s & 15];
	}
	*o = '\0';
	return out;
}

char *sarif_rule_name(const char *id)
{
	size_t n = strlen(id), j = 0;
	char *out = malloc(n + sizeof("Rule"));
	int start = 1;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (!alnum) {
			start = 1;
			continue;
		}
		out[j++] = start && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
		start = 0;
	}
	if (!j)
		memcpy(out, "Rule", sizeof("Rule"));
	else
		out[j] = '\0';
	return out;
}

/* The description of a rule made from a finding: its name and package. */
static char *finding_description(const json_t *f, const char *name)
{
	json_t *pkg = json_object_get(f, "package");
	const char *eco = get_str(pkg, "ecosystem"), *pname = get_str(pkg, "name");

	if (pname)
		return format("%s (%s package %s)", name, eco ? eco : "a", pname);
	return strdup(name);
}

/*
 * The help of a rule made from a finding: for a dependency (a finding with
 * a package name) how to fix it, for a secret what to do; else NULL.
 */
static char *finding_help(const json_t *f)
{
	json_t *pkg = json_object_get(f, "package");
	const char *pname = get_str(pkg, "name"), *fixed = get_str(pkg, "fixed");
	const char *kind = get_str(f, "kind");

	if (pname && fixed)
		return format("Upgrade %s to %s or later.", pname, fixed);
	if (pname)
		return format("No fixed version of %s is known: remove it or replace it.",
			      pname);
	if (kind && !strcmp(kind, "secret"))
		return strdup("Revoke the secret and issue a new one, then remove it "
			      "from the files and from the history.");
	return NULL;
}

/* Whether finding_help has something to say about f. */
static int finding_has_help(const json_t *f)
{
	const char *kind = get_str(f, "kind");

	return get_str(json_object_get(f, "package"), "name") ||
	       (kind && !strcmp(kind, "secret"));
}

static json_t *rule_tags(const char *kind, const char *cwe)
{
	json_t *tags = json_array();

	if (!tags || append(tags, json_string("security")))
		goto fail;
	if (kind && strcmp(kind, "security") && append(tags, json_string(kind)))
		goto fail;
	if (cwe && strcmp(cwe, "security") && (!kind || strcmp(cwe, kind)) &&
	    append(tags, json_string(cwe)))
		goto fail;
	return tags;
fail:
	json_decref(tags);
	return NULL;
}

static json_t *rule_properties(const json_t *desc, const json_t *f)
{
	const char *kind = pick(desc, f, "kind");
	const char *prec = desc ? get_str(desc, "precision") : NULL;
	const struct severity_map *sev = severity_map(pick(desc, f, "severity"));
	json_t *p = json_object();

	if (!p || set(p, "tags", rule_tags(kind, pick(desc, f, "cwe"))))
		goto fail;
	if (sev->score && set_str(p, "security-severity", sev->score))
		goto fail;
	if (set_str(p, "precision", prec ? prec : default_precision(kind)))
		goto fail;
	return p;
fail:
	json_decref(p);
	return NULL;
}

static json_t *config_new(const char *level)
{
	json_t *c = json_object();

	if (c && set_str(c, "level", level)) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/*
 * The driver's rule id, from desc (an entry of the caller's rules, or
 * NULL) or else from the finding f that first uses it. A new reference.
 */
static json_t *rule_new(const char *id, const json_t *desc, const json_t *f)
{
	const char *name = pick(desc, f, "name");
	const char *desc_full = desc ? get_str(desc, "description") : NULL;
	const char *desc_help = desc ? get_str(desc, "help") : NULL;
	const char *level = severity_map(pick(desc, f, "severity"))->level;
	int own_help = desc_help || (!desc && finding_has_help(f));
	char *pname = sarif_rule_name(id), *full = NULL, *help = NULL;
	json_t *r = json_object();

	if (!name)
		name = id;
	full = desc_full ? strdup(desc_full) : finding_description(f, name);
	if (own_help)
		help = desc_help ? strdup(desc_help) : finding_help(f);
	if (!r || !pname || !full || (own_help && !help))
		goto fail;
	if (set_str(r, "id", id) || set_str(r, "name", pname) ||
	    set(r, "shortDescription", text_new(name)) ||
	    set(r, "fullDescription", text_new(full)) ||
	    set(r, "help", text_new(help ? help : full)) ||
	    set(r, "defaultConfiguration", config_new(level)) ||
	    set(r, "properties", rule_properties(desc, f)))
		goto fail;
	free(pname);
	free(full);
	free(help);
	return r;
fail:
	free(pname);
	free(full);
	free(help);
	json_decref(r);
	return NULL;
}

/* Copy the string fields keys[] of from that are set into to. */
static int copy_strings(json_t *to, const json_t *from, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *s = get_str(from, *keys);

		if (s && set_str(to, *keys, s))
			return -1;
	}
	return 0;
}

static json_t *region_new(const json_t *loc)
{
	json_int_t line = get_pos(loc, "line"), col = get_pos(loc, "column");
	json_int_t end = get_pos(loc, "end_column");
	json_t *r = json_object();

	if (!r || set(r, "startLine", json_integer(line)))
		goto fail;
	if (col && set(r, "startColumn", json_integer(col)))
		goto fail;
	if (col && end > col && set(r, "endColumn", json_integer(end)))
		goto fail;
	return r;
fail:
	json_decref(r);
	return NULL;
}

static json_t *artifact_new(const char *path)
{
	char *uri = sarif_uri_encode(path);
	json_t *art = uri ? json_object() : NULL;

	if (art && (set_str(art, "uri", uri) || set_str(art, "uriBaseId", SARIF_BASE))) {
		json_decref(art);
		art = NULL;
	}
	free(uri);
	return art;
}

static json_t *physical_new(const json_t *loc, const char *path)
{
	json_t *phys = json_object();

	if (!phys || set(phys, "artifactLocation", artifact_new(path)) ||
	    (get_pos(loc, "line") && set(phys, "region", region_new(loc)))) {
		json_decref(phys);
		return NULL;
	}
	return phys;
}

/* A SARIF location for a finding's location with this path. */
static json_t *location_new(const json_t *loc, const char *path)
{
	static const char *const history[] = { "commit", "author", "date", "blob", NULL };
	json_t *l = json_object(), *props = json_object();

	if (!l || !props || set(l, "physicalLocation", physical_new(loc, path)) ||
	    copy_strings(props, loc, history))
		goto fail;
	if (!json_object_size(props)) {
		json_decref(props);
		return l;
	}
	if (!set(l, "properties", props))
		return l;
	props = NULL;
fail:
	json_decref(props);
	json_decref(l);
	return NULL;
}

/*
 * Set res.locations from the finding's locations that have a path, the
 * first SARIF_MAX_LOCATIONS of them; *total is how many have one.
 */
static int add_locations(json_t *res, const json_t *f, size_t *total)
{
	json_t *locs = json_object_get(f, "locations"), *out = json_array();
	size_t n = json_array_size(locs);

	*total = 0;
	if (!out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *loc = json_array_get(locs, i);
		const char *path = json_string_value(json_object_get(loc, "path"));

		if (!path)
			continue;
		if (++*total > SARIF_MAX_LOCATIONS)
			continue;
		if (append(out, location_new(loc, path))) {
			json_decref(out);
			return -1;
		}
	}
	if (!json_array_size(out)) {
		json_decref(out);
		return 0;
	}
	return set(res, "locations", out);
}

static json_t *secret_properties(const json_t *f)
{
	json_t *sec = json_object_get(f, "secret"), *o;
	const char *redacted = json_string_value(json_object_get(sec, "redacted"));
	json_t *len = json_object_get(sec, "length");

	if (!redacted && !json_is_integer(len))
		return json_null();
	o = json_object();
	if (!o || (redacted && set_str(o, "redacted", redacted)) ||
	    (json_is_integer(len) &&
	     set(o, "length", json_integer(json_integer_value(len))))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *package_properties(const json_t *f)
{
	static const char *const fields[] = {
		"ecosystem", "name", "version", "fixed", NULL,
	};
	json_t *pkg = json_object_get(f, "package"), *o, *aliases;

	if (!json_is_object(pkg))
		return json_null();
	o = json_object();
	if (!o || copy_strings(o, pkg, fields))
		goto fail;
	aliases = json_object_get(pkg, "aliases");
	if (json_is_array(aliases) && set(o, "aliases", json_deep_copy(aliases)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* props[k] = v unless v is null; -1 when v is NULL. */
static int set_unless_null(json_t *props, const char *k, json_t *v)
{
	if (json_is_null(v)) {
		json_decref(v);
		return 0;
	}
	return set(props, k, v);
}

static int add_result_properties(json_t *res, const json_t *f, size_t total)
{
	json_t *props = json_object();

	if (!props || set_unless_null(props, "secret", secret_properties(f)) ||
	    set_unless_null(props, "package", package_properties(f)))
		goto fail;
	if (total > SARIF_MAX_LOCATIONS &&
	    set(props, "totalLocations", json_integer((json_int_t)total)))
		goto fail;
	if (!json_object_size(props)) {
		json_decref(props);
		return 0;
	}
	return set(res, "properties", props);
fail:
	json_decref(props);
	return -1;
}

static json_t *result_new(const json_t *f, const char *rule_id, size_t rule_index)
{
	const char *msg = get_str(f, "message"), *fp = get_str(f, "fingerprint");
	json_t *res = json_object(), *fps;
	size_t total;

	if (!msg)
		msg = get_str(f, "name") ? get_str(f, "name") : rule_id;
	if (!res || set_str(res, "ruleId", rule_id) ||
	    set(res, "ruleIndex", json_integer((json_int_t)rule_index)) ||
	    set_str(res, "level", severity_map(get_str(f, "severity"))->level) ||
	    set(res, "message", text_new(msg)) ||
	    add_locations(res, f, &total))
		goto fail;
	if (fp) {
		fps = json_object();
		if (set(res, "partialFingerprints", fps) ||
		    set_str(fps, SARIF_FINGERPRINT, fp))
			goto fail;
	}
	if (add_result_properties(res, f, total))
		goto fail;
	return res;
fail:
	json_decref(res);
	return NULL;
}

struct sarif {
	json_t *known;     /* rule id -> the caller's description of it */
	json_t *index;     /* rule id -> its index in rules */
	json_t *rules;     /* tool.driver.rules */
	json_t *results;
};

static void sarif_release(struct sarif *s)
{
	json_decref(s->known);
	json_decref(s->index);
	json_decref(s->rules);
	json_decref(s->results);
}

static int sarif_init(struct sarif *s, json_t *rules)
{
	s->known = json_object();
	s->index = json_object();
	s->rules = json_array();
	s->results = json_array();
	if (!s->known || !s->index || !s->rules || !s->results)
		return -1;
	for (size_t i = 0; i < json_array_size(rules); i++) {
		json_t *r = json_array_get(rules, i);
		const char *id = get_str(r, "id");

		/* the first description of an id wins, as for findings */
		if (id && !json_object_get(s->known, id) &&
		    json_object_set(s->known, id, r))
			return -1;
	}
	return 0;
}

static int add_result(struct sarif *s, const json_t *f)
{
	const char *id = get_str(f, "rule");
	json_t *at;
	size_t i;

	if (!id)
		id = "unknown";
	at = json_object_get(s->index, id);
	if (at) {
		i = (size_t)json_integer_value(at);
	} else {
		i = json_array_size(s->rules);
		if (append(s->rules, rule_new(id, json_object_get(s->known, id), f)) ||
		    set(s->index, id, json_integer((json_int_t)i)))
			return -1;
	}
	return append(s->results, result_new(f, id, i));
}

/* root as the absolute URI SRCROOT stands for, ending in '/'. */
static char *root_uri_new(const char *root)
{
	struct buf b;
	char *enc = NULL;

	buf_init(&b, 0);
	if (root[0] == '/') {
		enc = sarif_uri_encode(root);
		if (!enc || buf_addstr(&b, "file://") || buf_addstr(&b, enc))
			goto fail;
	} else if (buf_addstr(&b, root)) {
		goto fail;
	}
	if ((!b.len || b.p[b.len - 1] != '/') && buf_addch(&b, '/'))
		goto fail;
	free(enc);
	return buf_detach(&b, NULL);
fail:
	free(enc);
	buf_release(&b);
	return NULL;
}

static json_t *base_ids_new(const char *root)
{
	char *uri = root_uri_new(root);
	json_t *ids = json_object(), *base = NULL;

	if (uri && ids)
		base = json_object();
	if (!base || set_str(base, "uri", uri) || set(ids, SARIF_BASE, json_incref(base))) {
		json_decref(ids);
		ids = NULL;
	}
	json_decref(base);
	free(uri);
	return ids;
}

static json_t *driver_new(struct sarif *s, const char *version)
{
	json_t *d = json_object();

	if (!d || set_str(d, "name", SARIF_TOOL) ||
	    (version && *version && set_str(d, "semanticVersion", version)) ||
	    set_str(d, "informationUri", SARIF_TOOL_URI) ||
	    set(d, "rules", json_incref(s->rules))) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static json_t *tool_new(struct sarif *s, const char *version)
{
	json_t *t = json_object();

	if (t && set(t, "driver", driver_new(s, version))) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/* run.properties when results were left out, else json null. */
static json_t *run_properties(size_t total)
{
	json_t *p;

	if (total <= SARIF_MAX_RESULTS)
		return json_null();
	p = json_object();
	if (!p || set(p, "resultsTruncated", json_true()) ||
	    set(p, "totalResults", json_integer((json_int_t)total)) ||
	    set(p, "maxResults", json_integer(SARIF_MAX_RESULTS))) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static json_t *log_new(struct sarif *s, const char *version, const char *root,
		       size_t total)
{
	json_t *log = json_object(), *runs = json_array(), *run = json_object();

	if (!log || !runs || !run || set_str(log, "$schema", SARIF_SCHEMA) ||
	    set_str(log, "version", "2.1.0"))
		goto fail;
	if (set(run, "tool", tool_new(s, version)) ||
	    (root && set(run, "originalUriBaseIds", base_ids_new(root))) ||
	    set(run, "results", json_incref(s->results)) ||
	    set_unless_null(run, "properties", run_properties(total)))
		goto fail;
	if (append(runs, run)) {
		run = NULL;
		goto fail;
	}
	run = NULL;
	if (set(log, "runs", runs)) {
		runs = NULL;
		goto fail;
	}
	return log;
fail:
	json_decref(run);
	json_decref(runs);
	json_decref(log);
	return NULL;
}

static int all_objects(const json_t *a)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_object(json_array_get(a, i)))
			return 0;
	return 1;
}

json_t *sarif_log(json_t *findings, json_t *rules, const char *tool_version,
		  const char *root_uri)
{
	struct sarif s = { NULL, NULL, NULL, NULL };
	size_t n = json_array_size(findings);
	json_t *log = NULL;

	if (!json_is_array(findings) || !all_objects(findings)) {
		ak_error(AK_EXIT_SOFTWARE, "sarif: findings must be an array of objects");
		return NULL;
	}
	if (rules && (!json_is_array(rules) || !all_objects(rules))) {
		ak_error(AK_EXIT_SOFTWARE, "sarif: rules must be an array of objects");
		return NULL;
	}
	if (sarif_init(&s, rules))
		goto fail;
	for (size_t i = 0; i < n && i < SARIF_MAX_RESULTS; i++)
		if (add_result(&s, json_array_get(findings, i)))
			goto fail;
	log = log_new(&s, tool_version, root_uri, n);
	if (!log)
		goto fail;
	sarif_release(&s);
	return log;
fail:
	sarif_release(&s);
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return NULL;
}
