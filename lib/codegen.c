/*
 * codegen.c - render a stack into the workspace, keeping its user's edits
 * (see codegen.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "codegen.h"
#include "datadir.h"
#include "error.h"
#include "template.h"
#include "banned.h"

#define MANIFEST ".agentkit/manifest.json"
#define VIEW ".agentkit/view.json"
#define IGNORE_FILE ".agentkitignore"
#define MAX_FILES 10000
#define MAX_DEPTH 32
#define MAX_TEMPLATE (4u << 20)

struct codegen {
	struct workspace *ws;
	char *dir;
	int force;
	json_t *manifest;       /* {"files": {relpath: sha256}} */
	json_t *artifacts, *kept, *ignored;
	char **ignore;          /* patterns of .agentkitignore */
	size_t nignore;
	const char *stack;      /* during codegen_render */
};

static void free_patterns(struct codegen *g)
{
	for (size_t i = 0; i < g->nignore; i++)
		free(g->ignore[i]);
	free(g->ignore);
}

void codegen_abort(struct codegen *g)
{
	if (!g)
		return;
	free(g->dir);
	json_decref(g->manifest);
	json_decref(g->artifacts);
	json_decref(g->kept);
	json_decref(g->ignored);
	free_patterns(g);
	free(g);
}

/* Read dir/name from the workspace: 1 and *text when it is there, 0 when
 * not, -1 on another error. */
static int read_rel(struct codegen *g, const char *rel, char **text, size_t *len)
{
	struct buf path = BUF_INIT, full = BUF_INIT;
	struct stat st;
	int rc;

	if (buf_addf(&path, "%s/%s", g->dir, rel) < 0 ||
	    buf_addf(&full, "%s/%s", workspace_root(g->ws), path.p) < 0) {
		rc = -1;
	} else if (lstat(full.p, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		rc = 0;     /* nothing there (a link is read, and refused, below) */
	} else {
		rc = workspace_read(g->ws, path.p, text, len) == 0 ? 1 : -1;
	}
	buf_release(&path);
	buf_release(&full);
	return rc;
}

static int load_ignore(struct codegen *g)
{
	char *text, *line, *save = NULL;
	size_t len;
	int rc = read_rel(g, IGNORE_FILE, &text, &len);

	if (rc <= 0)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		char **grown;

		while (n && (line[n - 1] == ' ' || line[n - 1] == '\r' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (!(grown = realloc(g->ignore, (g->nignore + 1) * sizeof(*grown))))
			break;
		g->ignore = grown;
		if (!(g->ignore[g->nignore] = strdup(line)))
			break;
		g->nignore++;
	}
	free(text);
	return 0;
}

/* Whether rel (or a folder above it) matches pattern pat, gitignore-like:
 * a pattern without "/" matches a name at any depth, "dir/" only folders. */
static int pattern_matches(const char *pat, const char *rel)
{
	char p[4096], prefix[4096];
	size_t n = strlen(pat);
	int dir_only = n && pat[n - 1] == '/', anchored;

	/* a leading "/" anchors the pattern at the folder's top, as a "/" inside does */
	anchored = strchr(pat, '/') != NULL && (pat[0] == '/' || strchr(pat, '/') < pat + n - 1);
	if (pat[0] == '/') {
		pat++;
		n--;
	}
	snprintf(p, sizeof(p), "%.*s", (int)(dir_only ? n - 1 : n), pat);
	for (const char *s = rel; ; ) {
		const char *slash = strchr(s, '/');
		int is_dir = slash != NULL;
		size_t upto = slash ? (size_t)(slash - rel) : strlen(rel);

		snprintf(prefix, sizeof(prefix), "%.*s", (int)upto, rel);
		if (!dir_only || is_dir) {
			const char *name = strrchr(prefix, '/') ? strrchr(prefix, '/') + 1 : prefix;
			if (anchored ? fnmatch(p, prefix, FNM_PATHNAME) == 0 :
			    fnmatch(p, name, 0) == 0)
				return 1;
		}
		if (!slash)
			return 0;
		s = slash + 1;
	}
}

static int ignored(const struct codegen *g, const char *rel)
{
	if (!strncmp(rel, ".agentkit/", 10) || !strcmp(rel, IGNORE_FILE))
		return 1;
	for (size_t i = 0; i < g->nignore; i++)
		if (pattern_matches(g->ignore[i], rel))
			return 1;
	return 0;
}

struct codegen *codegen_begin(struct workspace *ws, const char *dir, int force)
{
	struct codegen *g = calloc(1, sizeof(*g));
	char *text;
	size_t len;
	int rc;

	if (!g || !(g->dir = strdup(dir))) {
		free(g);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory"), NULL;
	}
	g->ws = ws;
	g->force = force;
	g->artifacts = json_array();
	g->kept = json_array();
	g->ignored = json_array();
	if ((rc = read_rel(g, MANIFEST, &text, &len)) < 0 || load_ignore(g) < 0) {
		codegen_abort(g);
		return NULL;
	}
	if (rc == 1) {
		g->manifest = json_loadb(text, len, 0, NULL);
		free(text);
	}
	if (!json_is_object(json_object_get(g->manifest, "files"))) {
		json_decref(g->manifest);
		g->manifest = json_pack("{s:{}}", "files");
	}
	if (!g->manifest || !g->artifacts || !g->kept || !g->ignored) {
		codegen_abort(g);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory"), NULL;
	}
	return g;
}

static int keep(struct codegen *g, const char *path, const char *reason)
{
	return json_array_append_new(g->kept, json_pack("{s:s, s:s}", "path", path,
							"reason", reason));
}

int codegen_put(struct codegen *g, const char *rel, const char *data, size_t len)
{
	json_t *files = json_object_get(g->manifest, "files");
	const char *recorded = json_string_value(json_object_get(files, rel));
	struct buf path = BUF_INIT;
	struct artifact art;
	char *old = NULL, sha[65];
	size_t oldlen;
	int rc = -1, there;

	if (workspace_check_path(rel) < 0 || buf_addf(&path, "%s/%s", g->dir, rel) < 0)
		goto out;
	if (ignored(g, rel)) {
		rc = json_array_append_new(g->ignored, json_string(path.p));
		goto out;
	}
	if ((there = read_rel(g, rel, &old, &oldlen)) < 0)
		goto out;
	if (there && !g->force && !(oldlen == len && !memcmp(old, data, len))) {
		sha256_hex(old, oldlen, sha);
		if (!recorded || strcmp(recorded, sha)) {
			rc = keep(g, path.p, recorded ? "changed since it was generated" :
				  "there before and never generated");
			goto out;
		}
	}
	if (workspace_write(g->ws, path.p, data, len, &art) < 0)
		goto out;
	rc = json_array_append_new(g->artifacts, artifact_to_json(&art)) < 0 ||
		json_object_set_new(files, rel, json_string(art.sha256)) < 0 ? -1 : 0;
	artifact_release(&art);
out:
	free(old);
	buf_release(&path);
	return rc;
}

int codegen_end(struct codegen *g, json_t **result)
{
	char *text = json_dumps(g->manifest, JSON_INDENT(1) | JSON_SORT_KEYS);
	struct buf path = BUF_INIT;
	int rc = -1;

	*result = NULL;
	if (text && buf_addf(&path, "%s/%s", g->dir, MANIFEST) == 0 &&
	    workspace_write(g->ws, path.p, text, strlen(text), NULL) == 0) {
		*result = json_pack("{s:O, s:O, s:O}", "artifacts", g->artifacts, "kept", g->kept,
				    "ignored", g->ignored);
		rc = *result ? 0 : ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	free(text);
	buf_release(&path);
	codegen_abort(g);
	return rc;
}

/* The stack's files, relative to files/, sorted, in *list (n of them). */
struct walk {
	char **p;
	size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *root, const char *rel, int depth, struct walk *w)
{
	struct buf dir = BUF_INIT;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return ak_error(AK_EXIT_DATAERR, "%s/%s: folders nested too deep", root, rel);
	if (buf_addf(&dir, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
		return -1;
	if (!(d = opendir(dir.p))) {
		rc = ak_error(AK_EXIT_IOERR, "cannot read '%s': %s", dir.p, strerror(errno));
		buf_release(&dir);
		return rc;
	}
	while (rc == 0 && (de = readdir(d))) {
		struct buf sub = BUF_INIT, full = BUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0 ||
		    buf_addf(&full, "%s/%s", root, sub.p) < 0 || lstat(full.p, &st) < 0) {
			rc = ak_error(AK_EXIT_IOERR, "cannot read '%s'", full.p ? full.p : root);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(root, sub.p, depth + 1, w);
		} else if (S_ISREG(st.st_mode)) {
			if (w->n == MAX_FILES) {
				rc = ak_error(AK_EXIT_DATAERR, "%s: more than %d files", root,
					      MAX_FILES);
			} else if (w->n == w->cap) {
				char **grown = realloc(w->p, (w->cap = w->cap ? 2 * w->cap : 64) *
						       sizeof(*grown));
				if (!grown)
					rc = ak_error(AK_EXIT_SOFTWARE, "out of memory");
				else
					w->p = grown;
			}
			if (rc == 0)
				w->p[w->n++] = buf_detach(&sub, NULL);
		}
		buf_release(&sub);
		buf_release(&full);
	}
	closedir(d);
	buf_release(&dir);
	return rc;
}

static int load_partial(const char *name, struct buf *out, void *arg)
{
	const struct codegen *g = arg;
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc;

	if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			     "0123456789_-.") != strlen(name) || name[0] == '.')
		return ak_error(AK_EXIT_DATAERR, "bad partial name '%s'", name);
	buf_init(&text, MAX_TEMPLATE);
	if ((rc = buf_addf(&path, "%s/partials/%s.mustache", g->stack, name)) == 0 &&
	    (rc = buf_read_file(&text, path.p)) == 0)
		rc = buf_add(out, text.p ? text.p : "", text.len);
	buf_release(&path);
	buf_release(&text);
	return rc;
}

/* rel with __entity__ and __Entity__ spelled for entity e (NULL: none). */
static int out_path(const char *rel, const json_t *e, struct buf *out)
{
	size_t n = strlen(rel);
	const char *p = rel;

	if (n > 9 && !strcmp(rel + n - 9, ".mustache"))
		n -= 9;
	while (p < rel + n) {
		const char *snake = strstr(p, "__entity__"), *pascal = strstr(p, "__Entity__");
		const char *hit = !snake ? pascal : !pascal ? snake : snake < pascal ? snake : pascal;

		if (!e || !hit || hit >= rel + n)
			return buf_add(out, p, (size_t)(rel + n - p));
		if (buf_add(out, p, (size_t)(hit - p)) < 0 ||
		    buf_addstr(out, json_string_value(json_object_get(e, hit == snake ? "snake" :
								      "name"))) < 0)
			return -1;
		p = hit + 10;
	}
	return 0;
}

static int render_one(struct codegen *g, const char *rel, const struct buf *text,
		      json_t *ctx, const json_t *e)
{
	struct buf path = BUF_INIT, out = BUF_INIT, name = BUF_INIT;
	size_t n = strlen(rel);
	int rc;

	if ((rc = out_path(rel, e, &path)) < 0)
		goto done;
	if (n > 9 && !strcmp(rel + n - 9, ".mustache")) {
		struct tpl_options o = TPL_OPTIONS_INIT;

		buf_addf(&name, "files/%s", rel);
		o.escape = tpl_escape_for(path.p);
		o.strict = 1;
		o.partial = load_partial;
		o.partial_arg = g;
		o.name = name.p;
		buf_addstr(&out, "");
		if ((rc = tpl_render(text->p ? text->p : "", text->len, ctx, &o, &out)) == 0)
			rc = codegen_put(g, path.p, out.p, out.len);
	} else {
		rc = codegen_put(g, path.p, text->p ? text->p : "", text->len);
	}
done:
	buf_release(&path);
	buf_release(&out);
	buf_release(&name);
	return rc;
}

static int render_file(struct codegen *g, const char *files, const char *rel, const json_t *view)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc;

	buf_init(&text, MAX_TEMPLATE);
	if ((rc = buf_addf(&path, "%s/%s", files, rel)) < 0 ||
	    (rc = buf_read_file(&text, path.p)) < 0)
		goto out;
	if (!strstr(rel, "__entity__") && !strstr(rel, "__Entity__")) {
		rc = render_one(g, rel, &text, (json_t *)view, NULL);
	} else {
		size_t i;
		const json_t *e;

		json_array_foreach(json_object_get(view, "entities"), i, e) {
			/* the entity in front of the root, as a pushed context */
			json_t *ctx = json_copy((json_t *)view);

			rc = !ctx || json_object_update(ctx, (json_t *)e) < 0 ? -1 :
				render_one(g, rel, &text, ctx, e);
			json_decref(ctx);
			if (rc < 0)
				break;
		}
	}
out:
	buf_release(&path);
	buf_release(&text);
	return rc;
}

/* Keep the view the templates saw, for a stack's author to read. */
static int write_view(struct codegen *g, const json_t *view)
{
	char *text = json_dumps(view, JSON_COMPACT);
	struct buf path = BUF_INIT;
	int rc = -1;

	if (text && buf_addf(&path, "%s/%s", g->dir, VIEW) == 0)
		rc = workspace_write(g->ws, path.p, text, strlen(text), NULL);
	free(text);
	buf_release(&path);
	return rc;
}

int codegen_render(struct codegen *g, const char *stack_dir, const json_t *view)
{
	struct buf files = BUF_INIT;
	struct walk w = { NULL, 0, 0 };
	int rc;

	g->stack = stack_dir;
	if ((rc = write_view(g, view)) == 0 && (rc = buf_addf(&files, "%s/files", stack_dir)) == 0 &&
	    (rc = walk(files.p, "", 0, &w)) == 0) {
		qsort(w.p, w.n, sizeof(*w.p), cmp_str);
		for (size_t i = 0; i < w.n && rc == 0; i++)
			rc = render_file(g, files.p, w.p[i], view);
	}
	for (size_t i = 0; i < w.n; i++)
		free(w.p[i]);
	free(w.p);
	buf_release(&files);
	g->stack = NULL;
	return rc;
}

int codegen_stack_dir(const char *name, const char *dir, struct buf *out)
{
	struct stat st;

	buf_reset(out);
	if (!dir)
		return datadir_find("templates", name, NULL, out);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ak_error(AK_EXIT_USAGE, "'%s' is not a folder of templates", dir);
	return buf_addstr(out, dir);
}

/* Replace {{port}} in every string of argv arrays under info. */
static void set_port(json_t *v, int port)
{
	size_t i;
	const char *k;
	json_t *x;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			set_port(x, port);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (json_is_string(x) && strstr(json_string_value(x), "{{port}}")) {
				char buf[512], num[16];
				const char *s = json_string_value(x), *at = strstr(s, "{{port}}");
				snprintf(num, sizeof(num), "%d", port);
				snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - s), s, num, at + 8);
				json_array_set_new(v, i, json_string(buf));
			} else {
				set_port(x, port);
			}
		}
	}
}

json_t *codegen_stack_info(const char *stack_dir, int port)
{
	struct buf path = BUF_INIT;
	json_error_t err;
	json_t *info;

	if (buf_addf(&path, "%s/stack.json", stack_dir) < 0)
		return NULL;
	if (access(path.p, F_OK) < 0) {
		buf_release(&path);
		return json_object();
	}
	info = json_load_file(path.p, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(info)) {
		ak_error(AK_EXIT_DATAERR, "%s:%d: %s", path.p, err.line,
			 info ? "not a JSON object" : err.text);
		json_decref(info);
		info = NULL;
	} else {
		set_port(info, port);
	}
	buf_release(&path);
	return info;
}
