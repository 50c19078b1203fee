/*
 * rules.c - read agent-secscan's YAML rule files into a rule set.
 *
 * The YAML is read with yaml_parse into JSON values; each rule is checked
 * field by field here, so a typo in a user's rule file is an error with
 * the file and rule named, not a rule that silently never fires.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "error.h"
#include "yamljson.h"
#include "secscan/iac.h"
#include "secscan/rules.h"
#include "banned.h"

#define RULE_FILE_MAX (16u << 20)
#define RULE_ID_MAX 40

static const char *const rule_fields[] = {
	"id", "name", "kind", "severity", "pattern", "check", "group", "keywords",
	"entropy", "paths", "allow", "cwe", "description", "help", "example_path", "generic",
	"examples", "negative_examples", NULL,
};

const char *rule_kind_name(enum rule_kind k)
{
	return k == RULE_CODE ? "code" : k == RULE_IAC ? "iac" : "secret";
}

int regex_search(const pcre2_code *re, const char *s, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc;

	if (!md)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static void regex_list_release(struct regex_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pcre2_code_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void rule_release(struct rule *r)
{
	strv_free(r->keywords);
	strv_free(r->stopwords);
	pcre2_code_free(r->re);
	pcre2_code_free(r->re_search);
	pcre2_code_free(r->paths);
	regex_list_release(&r->allow_paths);
	regex_list_release(&r->allow_regexes);
	json_decref(r->src);
	memset(r, 0, sizeof(*r));
}

void ruleset_release(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_release(&rs->v[i]);
	free(rs->v);
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	memset(rs, 0, sizeof(*rs));
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].id, id))
			return &rs->v[i];
	return NULL;
}

/* Compile a regex of a rule; options add to UTF-less byte matching. */
static pcre2_code *rule_regex(const char *file, const char *id, const char *what,
			      const char *pat, uint32_t options)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, options,
				       &err, &off, NULL);
	char msg[160];

	if (!re) {
		pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof(msg));
		ak_error(AK_EXIT_DATAERR, "%s: rule '%s': %s: %s at offset %zu", file, id, what,
			 msg, (size_t)off);
		return NULL;
	}
	/* JIT where the platform has it; the interpreter otherwise */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static int id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > RULE_ID_MAX || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", id[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-.", id[i]))
			return 0;
	return 1;
}

/* A list of lowercase strings (keywords, stopwords) into a NULL-terminated copy. */
static int word_list(const char *file, const char *id, const char *what, json_t *v, char ***out)
{
	size_t i, n;
	char **w;

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': %s must be a list", file, id, what);
	n = json_array_size(v);
	w = calloc(n + 1, sizeof(*w));
	if (!w)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(v, i));

		if (!s || !*s) {
			strv_free(w);
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': %s must be non-empty strings",
					file, id, what);
		}
		if (!(w[i] = strdup(s))) {
			strv_free(w);
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
		for (char *p = w[i]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	*out = w;
	return 0;
}

static int regex_list_load(const char *file, const char *id, const char *what, json_t *v,
			   struct regex_list *out)
{
	size_t n;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': %s must be a list", file, id, what);
	n = json_array_size(v);
	if (!(out->v = calloc(n ? n : 1, sizeof(*out->v))))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(v, i));

		if (!s)
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': %s must be strings", file,
					id, what);
		if (!(out->v[i] = rule_regex(file, id, what, s, 0)))
			return -1;
		out->n++;
	}
	return 0;
}

static const char *opt_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Fill r from the YAML object o. -1 with ak_error on any defect. */
static int rule_read(struct rule *r, json_t *o, const char *file)
{
	const char *key, *s;
	json_t *v, *allow;
	uint32_t capture_count = 0;

	r->file = file;
	if (!json_is_object(o))
		return ak_error(AK_EXIT_DATAERR, "%s: a rule must be a mapping", file);
	r->src = json_incref(o);
	r->id = opt_str(o, "id");
	if (!r->id || !id_ok(r->id))
		return ak_error(AK_EXIT_DATAERR,
				"%s: rule '%s': id must be 1-%d of [a-z0-9.-], starting with [a-z0-9]",
				file, r->id ? r->id : "?", RULE_ID_MAX);
	json_object_foreach(o, key, v) {
		size_t i;

		for (i = 0; rule_fields[i] && strcmp(rule_fields[i], key); i++)
			;
		if (!rule_fields[i])
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': unknown field '%s'", file,
					r->id, key);
	}
	r->name = opt_str(o, "name");
	r->help = opt_str(o, "help");
	r->description = opt_str(o, "description");
	r->cwe = opt_str(o, "cwe");
	r->pattern = opt_str(o, "pattern");
	r->check = opt_str(o, "check");
	r->example_path = opt_str(o, "example_path");
	if (!r->name || !*r->name || !r->help || !*r->help)
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': name and help are required", file,
				r->id);
	s = opt_str(o, "kind");
	if (!s || !strcmp(s, "secret"))
		r->kind = RULE_SECRET;
	else if (!strcmp(s, "code"))
		r->kind = RULE_CODE;
	else if (!strcmp(s, "iac"))
		r->kind = RULE_IAC;
	else
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': kind must be secret, code or iac",
				file, r->id);
	r->severity = severity_parse(opt_str(o, "severity"));
	if (r->severity == SEV_NONE)
		return ak_error(AK_EXIT_DATAERR,
				"%s: rule '%s': severity must be critical, high, medium or low", file,
				r->id);
	if (!r->pattern == !r->check)
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': give a pattern or a check, one of them",
				file, r->id);
	if (r->check && !iac_check_known(r->check))
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': unknown check '%s'", file, r->id,
				r->check);
	if (r->pattern) {
		if (!*r->pattern)
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': empty pattern", file, r->id);
		r->re = rule_regex(file, r->id, "pattern", r->pattern,
				   PCRE2_MULTILINE | PCRE2_ENDANCHORED);
		r->re_search = rule_regex(file, r->id, "pattern", r->pattern, PCRE2_MULTILINE);
		if (!r->re || !r->re_search)
			return -1;
		pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &capture_count);
	}
	v = json_object_get(o, "group");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (json_int_t)capture_count)
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': group must be 0..%u", file,
					r->id, capture_count);
		r->group = (int)json_integer_value(v);
	} else {
		r->group = capture_count > 0;
	}
	v = json_object_get(o, "generic");
	if (v && !json_is_boolean(v))
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': generic must be true or false",
				file, r->id);
	r->generic = json_is_true(v);
	v = json_object_get(o, "entropy");
	if (v) {
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 8)
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': entropy must be 0..8", file,
					r->id);
		r->entropy = json_number_value(v);
	}
	if (word_list(file, r->id, "keywords", json_object_get(o, "keywords"), &r->keywords) < 0)
		return -1;
	if ((s = opt_str(o, "paths")) && !(r->paths = rule_regex(file, r->id, "paths", s, 0)))
		return -1;
	allow = json_object_get(o, "allow");
	if (allow) {
		if (!json_is_object(allow))
			return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': allow must be a mapping", file,
					r->id);
		json_object_foreach(allow, key, v)
			if (strcmp(key, "paths") && strcmp(key, "regexes") && strcmp(key, "stopwords"))
				return ak_error(AK_EXIT_DATAERR,
						"%s: rule '%s': unknown field 'allow.%s'", file,
						r->id, key);
		if (regex_list_load(file, r->id, "allow.paths", json_object_get(allow, "paths"),
				    &r->allow_paths) < 0 ||
		    regex_list_load(file, r->id, "allow.regexes", json_object_get(allow, "regexes"),
				    &r->allow_regexes) < 0 ||
		    word_list(file, r->id, "allow.stopwords", json_object_get(allow, "stopwords"),
			      &r->stopwords) < 0)
			return -1;
	}
	v = json_object_get(o, "examples");
	if (v && !json_is_array(v))
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': examples must be a list", file, r->id);
	v = json_object_get(o, "negative_examples");
	if (v && !json_is_array(v))
		return ak_error(AK_EXIT_DATAERR, "%s: rule '%s': negative_examples must be a list",
				file, r->id);
	return 0;
}

static int ruleset_push(struct ruleset *rs, struct rule *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct rule *v = realloc(rs->v, cap * sizeof(*v));

		if (!v)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

/* Whether the file at path has been read already (by another name, too). */
static int already_read(const struct ruleset *rs, const char *path)
{
	char *real = realpath(path, NULL);
	int seen = 0;

	for (size_t i = 0; real && !seen && i < rs->nfiles; i++) {
		char *other = realpath(rs->files[i], NULL);

		seen = other && !strcmp(real, other);
		free(other);
	}
	free(real);
	return seen;
}

int ruleset_load_file(struct ruleset *rs, const char *path)
{
	struct buf b = BUF_INIT;
	json_t *doc, *list;
	size_t i, first = rs->n;
	char *file, **files;

	if (already_read(rs, path))
		return 0;
	buf_init(&b, RULE_FILE_MAX);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return -1;
	}
	doc = yaml_parse(b.p, b.len, path);
	buf_release(&b);
	if (!doc)
		return -1;
	list = json_object_get(doc, "rules");
	if (!json_is_array(list)) {
		json_decref(doc);
		return ak_error(AK_EXIT_DATAERR, "%s: expected a list of rules under 'rules'", path);
	}
	/* rules borrow the file's name: keep it as long as the set */
	files = realloc(rs->files, (rs->nfiles + 1) * sizeof(*files));
	if (!files || !(file = files[rs->nfiles] = strdup(path))) {
		if (files)
			rs->files = files;
		json_decref(doc);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	rs->files = files;
	rs->nfiles++;
	for (i = 0; i < json_array_size(list); i++) {
		struct rule r = { 0 };

		if (rule_read(&r, json_array_get(list, i), file) < 0 ||
		    (ruleset_find(rs, r.id) &&
		     ak_error(AK_EXIT_DATAERR, "%s: rule '%s': id already used", path, r.id)) ||
		    ruleset_push(rs, &r) < 0) {
			rule_release(&r);
			goto fail;
		}
	}
	/* each rule keeps its own object alive (src) */
	json_decref(doc);
	return 0;
fail:
	while (rs->n > first)
		rule_release(&rs->v[--rs->n]);
	free(rs->files[--rs->nfiles]);
	json_decref(doc);
	return -1;
}

static int yaml_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' &&
	       ((n > 5 && !strcmp(d->d_name + n - 5, ".yaml")) ||
		(n > 4 && !strcmp(d->d_name + n - 4, ".yml")));
}

int ruleset_load_dir(struct ruleset *rs, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, yaml_name, alphasort), rc = 0;

	if (n < 0)
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		struct buf p = BUF_INIT;

		if (rc == 0 && (buf_addf(&p, "%s/%s", dir, names[i]->d_name) < 0 ||
				ruleset_load_file(rs, p.p) < 0))
			rc = -1;
		buf_release(&p);
		free(names[i]);
	}
	free(names);
	return rc;
}

int ruleset_load(struct ruleset *rs, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", path, strerror(errno));
	return S_ISDIR(st.st_mode) ? ruleset_load_dir(rs, path) : ruleset_load_file(rs, path);
}

json_t *rule_describe(const struct rule *r)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", r->id, "name", r->name, "kind",
			      rule_kind_name(r->kind), "severity", severity_name(r->severity));

	if (!o)
		return NULL;
	if (r->description)
		json_object_set_new(o, "description", json_string(r->description));
	json_object_set_new(o, "help", json_string(r->help));
	if (r->cwe)
		json_object_set_new(o, "cwe", json_string(r->cwe));
	return o;
}

static const char *const severity_names[] = { "none", "low", "medium", "high", "critical" };

enum severity severity_parse(const char *s)
{
	for (int i = SEV_LOW; s && i <= SEV_CRITICAL; i++)
		if (!strcmp(s, severity_names[i]))
			return (enum severity)i;
	return SEV_NONE;
}

const char *severity_name(enum severity s)
{
	return s >= SEV_LOW && s <= SEV_CRITICAL ? severity_names[s] : "none";
}
