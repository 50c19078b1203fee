/*
 * agent-app - the software developer: feature.backend_ready events in,
 * feature.app_ready events out. From the service's API contract it writes
 * native API clients and models, one stack per platform: Kotlin for
 * Android and the JVM, Swift (Codable, URLSession) for iOS and macOS,
 * each with its tests.
 */
#include <stdio.h>
#include <string.h>

#include "apiview.h"
#include "buf.h"
#include "error.h"
#include "genagent.h"
#include "banned.h"

enum { OPT_PLATFORMS = OPT_AGENT_LAST };

static const struct opt app_opts[] = {
	GENAGENT_OPT_OPENAPI_ENTRY,
	{ "platforms", OPT_PLATFORMS, "LIST", "kotlin, swift or both (default kotlin,swift)" },
	GENAGENT_OPT_TEMPLATES_ENTRY("a folder with a stack folder per platform"),
	GENAGENT_OPT_FORCE_ENTRY,
	OPT_END
};

static const char *const consumed[] = { "feature.backend_ready", NULL };

struct platform {
	const char *stack;        /* the stack's name, and its folder under --templates */
	const char *targets;      /* the platforms it serves */
	const char *language;
	const char *client;       /* the client's file in the generated tree */
};

static const struct platform platforms[] = {
	{ "kotlin", "android, jvm", "kotlin", "src/main/kotlin/ApiClient.kt" },
	{ "swift", "ios, macos", "swift", "Sources/Client/APIClient.swift" },
};

#define NPLATFORMS (sizeof(platforms) / sizeof(platforms[0]))

struct app {
	int want[NPLATFORMS];
};

/* Render one platform's stack into dir/<stack>, adding its files to all;
 * its entry of the platform matrix in *entry. */
static int platform(struct genagent *g, const struct platform *p, const char *dir,
		    const json_t *view, json_t *all, json_t **entry)
{
	struct genagent_opts go = g->go;
	struct buf sub = BUF_INIT, tdir = BUF_INIT;
	json_t *result = NULL, *info = NULL;
	const json_t *b, *t;
	int rc = -1;

	if (buf_addf(&sub, "%s/%s", dir, p->stack) < 0 ||
	    (go.templates && buf_addf(&tdir, "%s/%s", go.templates, p->stack) < 0))
		goto out;
	go.templates = go.templates ? tdir.p : NULL;
	if (genagent_render(g->ws, sub.p, p->stack, &go, view, NULL, &result, &info) < 0)
		goto out;
	b = json_object_get(json_object_get(info, "build"), "argv");
	t = json_object_get(json_object_get(info, "test"), "argv");
	*entry = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:O?, s:s}, s:{s:O?, s:s}}",
			   "stack", p->stack, "language", p->language, "targets", p->targets,
			   "dir", sub.p, "client", json_sprintf("%s/%s", sub.p, p->client),
			   "build", "argv", b, "cwd", sub.p, "test", "argv", t, "cwd", sub.p);
	if (*entry && json_array_extend(json_object_get(all, "artifacts"),
					json_object_get(result, "artifacts")) == 0 &&
	    json_array_extend(json_object_get(all, "kept"), json_object_get(result, "kept")) == 0 &&
	    json_array_extend(json_object_get(all, "ignored"),
			      json_object_get(result, "ignored")) == 0)
		rc = 0;
out:
	json_decref(result);
	json_decref(info);
	buf_release(&sub);
	buf_release(&tdir);
	return rc;
}

static int generate(struct filter *f, struct genagent *g, const json_t *ev, const char *subject,
		    const json_t *doc)
{
	const struct app *ap = g->self;
	struct apiview_opts vo = APIVIEW_OPTS_INIT;
	struct buf dir = BUF_INIT;
	json_t *view = NULL, *all = NULL, *matrix = NULL, *data = NULL, *out;
	int rc = -1;

	vo.feature = subject;
	if (buf_addf(&dir, "%s/agent-app", subject) < 0 ||
	    !(view = apiview_from_openapi(doc, &vo)) ||
	    !(all = json_pack("{s:[], s:[], s:[]}", "artifacts", "kept", "ignored")) ||
	    !(matrix = json_array()))
		goto out;
	for (size_t i = 0; i < NPLATFORMS; i++) {
		json_t *entry = NULL;

		if (!ap->want[i])
			continue;
		if (platform(g, &platforms[i], dir.p, view, all, &entry) < 0 ||
		    json_array_append_new(matrix, entry) < 0)
			goto out;
	}
	data = json_pack("{s:O, s:s}", "platforms", matrix, "dir", dir.p);
	if (!data || genagent_merge(data, all) < 0)
		goto out;
	out = filter_event(f, "feature.app_ready", subject, data, ev);
	data = NULL;
	rc = out ? filter_emit(f, out) : -1;
out:
	json_decref(view);
	json_decref(all);
	json_decref(matrix);
	json_decref(data);
	buf_release(&dir);
	return rc;
}

/* --platforms kotlin,swift */
static int option(struct genagent *g, int key, const char *arg)
{
	struct app *ap = g->self;
	const char *p = arg;

	if (key != OPT_PLATFORMS)
		return 0;
	memset(ap->want, 0, sizeof(ap->want));
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < NPLATFORMS; i++)
			if (strlen(platforms[i].stack) == n && !strncmp(platforms[i].stack, p, n))
				break;
		if (n && i == NPLATFORMS)
			return ak_error(AK_EXIT_USAGE, "--platforms: unknown platform '%.*s' "
					"(kotlin, swift)", (int)n, p);
		if (n)
			ap->want[i] = 1;
		p += n + (p[n] == ',');
	}
	for (size_t i = 0; i < NPLATFORMS; i++)
		if (ap->want[i])
			return 0;
	return ak_error(AK_EXIT_USAGE, "--platforms: no platform named");
}

static const struct genagent_program app = {
	.prog = "agent-app",
	.synopsis = "Turn feature.backend_ready events into feature.app_ready events: API clients\n"
		"and models in Kotlin and Swift for the service's API, with their tests,\n"
		"written to the workspace. With --openapi and no FILE, generate once for that\n"
		"contract without reading events.\n",
	.opts = app_opts,
	.consumes = consumed,
	.from_contract = 1,
	.option = option,
	.generate = generate,
};

int main(int argc, char **argv)
{
	struct app ap = { { 1, 1 } };

	return genagent_main(&app, &ap, argc, argv);
}
