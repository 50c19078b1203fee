/*
 * pipeline.c - reading a pipeline file of `agentctl run` into stages, and
 * checking that its graph holds together before anything runs: every key
 * known, every stage with something to run, something to wait for and
 * something it makes, and no stage waiting, through others, on itself.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "run/pipeline.h"
#include "buf.h"
#include "clock.h"
#include "error.h"
#include "shwords.h"
#include "yamljson.h"
#include "banned.h"

#define STAGE_NAME_MAX 32
#define TYPE_MAX 128
#define DEFAULT_TIMEOUT_MS (30L * 60 * 1000)
#define MAX_FILE (1 << 20)

static void free_list(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

void pipeline_release(struct pipeline *p)
{
	for (size_t i = 0; i < p->nstages; i++) {
		struct stage *s = &p->stages[i];

		free(s->name);
		free_list(s->argv);
		free_list(s->in);
		free_list(s->out);
		free_list(s->env);
	}
	free(p->stages);
	free_list(p->inputs);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

const struct stage *pipeline_stage(const struct pipeline *p, const char *name)
{
	for (size_t i = 0; i < p->nstages; i++)
		if (!strcmp(p->stages[i].name, name))
			return &p->stages[i];
	return NULL;
}

int pipeline_has_type(char *const *list, const char *type)
{
	for (; list && *list; list++)
		if (!strcmp(*list, type))
			return 1;
	return 0;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STAGE_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* An event type as the contract writes them: "feature.tested". */
static int type_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TYPE_MAX || *s == '.' || s[n - 1] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* A NULL-terminated copy of strings; NULL when memory runs out. */
static char **list_new(size_t n)
{
	return calloc(n + 1, sizeof(char *));
}

/* "x" or ["x", "y"]: event types into *out. */
static int read_types(json_t *v, const char *file, const char *where, char ***out, size_t *n)
{
	size_t count = json_is_array(v) ? json_array_size(v) : 1;
	char **list;

	if (!json_is_string(v) && !json_is_array(v))
		return ak_error(AK_EXIT_DATAERR, "%s: %s: must be an event type or a list of them",
				file, where);
	if (count == 0 || count > PIPELINE_MAX_TYPES)
		return ak_error(AK_EXIT_DATAERR, "%s: %s: must name 1 to %d event types", file,
				where, PIPELINE_MAX_TYPES);
	if (!(list = list_new(count)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < count; i++) {
		json_t *t = json_is_array(v) ? json_array_get(v, i) : v;
		const char *s = json_string_value(t);

		if (!s || !type_ok(s)) {
			free_list(list);
			return ak_error(AK_EXIT_DATAERR, "%s: %s: '%.80s' is not an event type", file,
					where, s ? s : "(not a string)");
		}
		if (pipeline_has_type(list, s)) {
			free_list(list);
			return ak_error(AK_EXIT_DATAERR, "%s: %s: '%s' is named twice", file, where, s);
		}
		if (!(list[i] = strdup(s))) {
			free_list(list);
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
	}
	*out = list;
	*n = count;
	return 0;
}

/* run: a command line (split as a shell would, without running one) or a list. */
static int read_argv(json_t *v, const char *file, const char *stage, char ***out)
{
	json_t *words = NULL;
	char **argv;
	size_t n;

	if (json_is_string(v)) {
		if (!(words = shwords_split(json_string_value(v)))) {
			char why[200];

			snprintf(why, sizeof(why), "%s", ak_errmsg());
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.run: %s", file, stage, why);
		}
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		words = json_incref(v);
	} else {
		return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.run: must be a command line or a "
				"list of words", file, stage);
	}
	n = json_array_size(words);
	if (!(argv = list_new(n))) {
		json_decref(words);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const char *w = json_string_value(json_array_get(words, i));

		if (!w || (i == 0 && !*w)) {
			free_list(argv);
			json_decref(words);
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.run: word %zu is not a "
					"string", file, stage, i + 1);
		}
		if (!(argv[i] = strdup(w))) {
			free_list(argv);
			json_decref(words);
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
	}
	json_decref(words);
	*out = argv;
	return 0;
}

static int env_name_ok(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int read_env(json_t *v, const char *file, const char *stage, char ***out)
{
	const char *key;
	json_t *val;
	char **env;
	size_t i = 0;

	if (!json_is_object(v))
		return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.env: must be a map of NAME: value",
				file, stage);
	if (!(env = list_new(json_object_size(v))))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	json_object_foreach(v, key, val) {
		struct buf b = BUF_INIT;
		char num[64];
		const char *s = json_string_value(val);

		if (!s && json_is_integer(val)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
			s = num;
		}
		if (!env_name_ok(key) || !s) {
			free_list(env);
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.env.%.60s: %s", file, stage, key,
					s ? "is not a variable name" : "must be a string");
		}
		if (buf_addf(&b, "%s=%s", key, s) < 0) {
			free_list(env);
			return -1;
		}
		env[i++] = buf_detach(&b, NULL);
	}
	*out = env;
	return 0;
}

static int read_stage(struct stage *s, const char *name, json_t *v, const char *file)
{
	static const char *const known[] = {
		"run", "in", "out", "timeout", "retries", "env", "description", NULL
	};
	char where[96];
	const char *key;
	json_t *val;
	int64_t ms;

	if (!name_ok(name))
		return ak_error(AK_EXIT_DATAERR, "%s: stages: '%.60s' is not a stage name (1 to %d "
				"of a-z 0-9 _ -)", file, name, STAGE_NAME_MAX);
	if (!json_is_object(v))
		return ak_error(AK_EXIT_DATAERR, "%s: stages.%s: must be a map", file, name);
	json_object_foreach(v, key, val) {
		size_t k = 0;

		while (known[k] && strcmp(known[k], key))
			k++;
		if (!known[k])
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.%.60s: unknown key", file, name,
					key);
	}
	s->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!(s->name = strdup(name)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t k = 0; k < 3; k++)
		if (!json_object_get(v, known[k]))
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s: %s is required", file, name,
					known[k]);
	if (read_argv(json_object_get(v, "run"), file, name, &s->argv) < 0)
		return -1;
	snprintf(where, sizeof(where), "stages.%s.in", name);
	if (read_types(json_object_get(v, "in"), file, where, &s->in, &s->nin) < 0)
		return -1;
	snprintf(where, sizeof(where), "stages.%s.out", name);
	if (read_types(json_object_get(v, "out"), file, where, &s->out, &s->nout) < 0)
		return -1;
	if ((val = json_object_get(v, "timeout"))) {
		char text[64];

		if (duration_text(val, text, sizeof(text)) < 0 || duration_parse(text, &ms) < 0 ||
		    ms <= 0 || ms > 7LL * 24 * 3600 * 1000)
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.timeout: must be a length of "
					"time up to 7d (\"90s\", \"10m\")", file, name);
		s->timeout_ms = (long)ms;
	}
	if ((val = json_object_get(v, "retries"))) {
		if (!json_is_integer(val) || json_integer_value(val) < 0 ||
		    json_integer_value(val) > 10)
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.retries: must be a whole number "
					"from 0 to 10", file, name);
		s->retries = (int)json_integer_value(val);
	}
	if ((val = json_object_get(v, "env")) && read_env(val, file, name, &s->env) < 0)
		return -1;
	if ((val = json_object_get(v, "description")) && !json_is_string(val))
		return ak_error(AK_EXIT_DATAERR, "%s: stages.%s.description: must be a string", file,
				name);
	return 0;
}

/* 1 when some stage's out feeds stage b's in. */
static int feeds(const struct stage *a, const struct stage *b)
{
	for (size_t i = 0; i < a->nout; i++)
		if (pipeline_has_type(b->in, a->out[i]))
			return 1;
	return 0;
}

/*
 * Depth-first search for a stage that waits, through others, on itself.
 * mark: 0 not seen, 1 on the current path, 2 done.
 */
static int find_cycle(const struct pipeline *p, size_t at, unsigned char *mark, size_t *from)
{
	mark[at] = 1;
	for (size_t j = 0; j < p->nstages; j++) {
		if (!feeds(&p->stages[at], &p->stages[j]))
			continue;
		if (mark[j] == 1) {
			*from = at;
			return (int)j;
		}
		if (mark[j] == 0) {
			int c = find_cycle(p, j, mark, from);

			if (c >= 0)
				return c;
		}
	}
	mark[at] = 2;
	return -1;
}

static int check_graph(struct pipeline *p, const char *file)
{
	unsigned char mark[PIPELINE_MAX_STAGES] = { 0 };
	size_t n = 0, from = 0;

	for (size_t i = 0; i < p->nstages; i++) {
		int c = mark[i] ? -1 : find_cycle(p, i, mark, &from);

		if (c >= 0)
			return ak_error(AK_EXIT_DATAERR, "%s: stages.%s: waits on what stage '%s' makes, "
					"which waits on it (a cycle)", file, p->stages[c].name,
					p->stages[from].name);
	}
	/* the inputs: what stages wait on and none makes */
	if (!(p->inputs = list_new(p->nstages * PIPELINE_MAX_TYPES)))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < p->nstages; i++)
		for (size_t k = 0; k < p->stages[i].nin; k++) {
			const char *t = p->stages[i].in[k];
			int made = 0;

			for (size_t j = 0; j < p->nstages && !made; j++)
				made = pipeline_has_type(p->stages[j].out, t);
			if (made || pipeline_has_type(p->inputs, t))
				continue;
			if (!(p->inputs[n++] = strdup(t)))
				return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
	p->ninputs = n;
	if (n == 0)
		return ak_error(AK_EXIT_DATAERR, "%s: stages: every type the stages wait on is made "
				"by a stage, so nothing can start", file);
	return 0;
}

int pipeline_parse(struct pipeline *p, const char *text, size_t len, const char *name)
{
	json_t *doc, *stages, *v;
	const char *key;
	size_t i = 0;

	memset(p, 0, sizeof(*p));
	if (!(doc = yaml_parse(text, len, name)))
		return -1;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return ak_error(AK_EXIT_DATAERR, "%s: must be a map with name and stages", name);
	}
	json_object_foreach(doc, key, v)
		if (strcmp(key, "name") && strcmp(key, "stages") && strcmp(key, "description")) {
			ak_error(AK_EXIT_DATAERR, "%s: %.60s: unknown key", name, key);
			goto fail;
		}
	stages = json_object_get(doc, "stages");
	if (!json_is_object(stages) || json_object_size(stages) == 0 ||
	    json_object_size(stages) > PIPELINE_MAX_STAGES) {
		ak_error(AK_EXIT_DATAERR, "%s: stages: must be a map of 1 to %d stages", name,
			 PIPELINE_MAX_STAGES);
		goto fail;
	}
	v = json_object_get(doc, "name");
	if (v && !json_is_string(v)) {
		ak_error(AK_EXIT_DATAERR, "%s: name: must be a string", name);
		goto fail;
	}
	if (!(p->name = strdup(v ? json_string_value(v) : name)) ||
	    !(p->stages = calloc(json_object_size(stages), sizeof(*p->stages)))) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		goto fail;
	}
	json_object_foreach(stages, key, v) {
		p->nstages = ++i;
		if (read_stage(&p->stages[i - 1], key, v, name) < 0)
			goto fail;
	}
	if (check_graph(p, name) < 0)
		goto fail;
	json_decref(doc);
	return 0;
fail:
	json_decref(doc);
	pipeline_release(p);
	return -1;
}

int pipeline_load(struct pipeline *p, const char *path)
{
	struct buf b;
	int rc;

	memset(p, 0, sizeof(*p));
	buf_init(&b, MAX_FILE);
	if (buf_read_file(&b, path) < 0) {
		buf_release(&b);
		return -1;
	}
	rc = pipeline_parse(p, b.p ? b.p : "", b.len, path);
	buf_release(&b);
	return rc;
}
