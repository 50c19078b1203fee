/*
 * gitscan.c - scan git history: every unique blob once.
 *
 * The commits to scan are walked oldest first; each commit's tree is
 * walked, skipping subtrees already seen, and each blob not seen before is
 * listed with the commit, path and author where it first appears, which,
 * oldest first, is where it came in. The list is then scanned by one
 * thread per core, each with its own repository handle (libgit2 objects
 * are not shared between threads) and engine scratch; a blob's provenance
 * goes with its findings. A secret committed once and kept for a thousand
 * commits is read once, not a thousand times.
 */
#include <git2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "log.h"
#include "secscan/gitscan.h"
#include "secscan/scan.h"
#include "banned.h"

#define TREE_DEPTH_MAX 256

struct gitignore {
	git_repository *repo;
	char *prefix;            /* dir relative to the work tree, with '/', or "" */
};

static void git_init_once(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, (void (*)(void))git_libgit2_init);
}

struct gitignore *gitignore_open(const char *dir)
{
	struct gitignore *g;
	git_repository *repo;
	char *real = realpath(dir, NULL);
	const char *wd;
	size_t n;

	git_init_once();
	if (!real)
		return NULL;
	if (git_repository_open_ext(&repo, real, 0, NULL) < 0 ||
	    !(wd = git_repository_workdir(repo))) {
		free(real);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	n = strlen(wd);
	if (!g || strncmp(real, wd, n - 1) != 0) {
		free(g);
		free(real);
		git_repository_free(repo);
		return NULL;
	}
	g->repo = repo;
	g->prefix = strdup(real[n - 1] ? real + n : "");
	free(real);
	if (!g->prefix) {
		gitignore_free(g);
		return NULL;
	}
	return g;
}

int gitignore_match(struct gitignore *g, const char *path, int is_dir)
{
	struct buf b = BUF_INIT;
	int ignored = 0;

	if (buf_addf(&b, "%s%s%s%s", g->prefix, *g->prefix ? "/" : "", path, is_dir ? "/" : "") == 0 &&
	    git_ignore_path_is_ignored(&ignored, g->repo, b.p) < 0)
		ignored = 0;
	buf_release(&b);
	return ignored;
}

void gitignore_free(struct gitignore *g)
{
	if (!g)
		return;
	git_repository_free(g->repo);
	free(g->prefix);
	free(g);
}

/* ---- the set of object ids seen ---- */

struct oidset {
	git_oid *v;
	unsigned char *used;
	size_t n, cap;
};

static size_t oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

static int oidset_grow(struct oidset *s)
{
	struct oidset t = { 0 };

	t.cap = s->cap ? s->cap * 2 : 4096;
	t.v = malloc(t.cap * sizeof(*t.v));
	t.used = calloc(t.cap, 1);
	if (!t.v || !t.used) {
		free(t.v);
		free(t.used);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i]) {
			size_t j = oid_hash(&s->v[i]) & (t.cap - 1);

			while (t.used[j])
				j = (j + 1) & (t.cap - 1);
			t.used[j] = 1;
			t.v[j] = s->v[i];
		}
	t.n = s->n;
	free(s->v);
	free(s->used);
	*s = t;
	return 0;
}

/* Add id; 1 when it was new, 0 when already there, -1 on ENOMEM. */
static int oidset_add(struct oidset *s, const git_oid *id)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap && oidset_grow(s) < 0)
		return -1;
	for (j = oid_hash(id) & (s->cap - 1); s->used[j]; j = (j + 1) & (s->cap - 1))
		if (git_oid_equal(&s->v[j], id))
			return 0;
	s->used[j] = 1;
	s->v[j] = *id;
	s->n++;
	return 1;
}

static void oidset_release(struct oidset *s)
{
	free(s->v);
	free(s->used);
}

/* ---- listing the unique blobs ---- */

struct blob_item {
	git_oid id;
	char *path;
	size_t commit;           /* index into the commit table */
};

struct commit_info {
	char id[GIT_OID_HEXSZ + 1];
	char *author;
	char date[32];
};

struct history {
	struct scanner *sc;
	git_repository *repo;
	struct oidset seen;
	struct blob_item *blobs;
	size_t nblobs, capblobs;
	struct commit_info *commits;
	size_t ncommits, capcommits;
};

static int blob_add(struct history *h, const git_oid *id, const char *path)
{
	if (h->nblobs == h->capblobs) {
		size_t cap = h->capblobs ? h->capblobs * 2 : 1024;
		struct blob_item *v = realloc(h->blobs, cap * sizeof(*v));

		if (!v)
			return -1;
		h->blobs = v;
		h->capblobs = cap;
	}
	h->blobs[h->nblobs].id = *id;
	h->blobs[h->nblobs].commit = h->ncommits - 1;
	if (!(h->blobs[h->nblobs].path = strdup(path)))
		return -1;
	h->nblobs++;
	return 0;
}

static int walk_tree(struct history *h, git_tree *tree, struct buf *path, int depth)
{
	size_t n = git_tree_entrycount(tree), base = path->len;

	if (depth > TREE_DEPTH_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const git_oid *id = git_tree_entry_id(te);
		git_object_t type = git_tree_entry_type(te);
		int fresh;

		if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
			continue;   /* submodules */
		if ((fresh = oidset_add(&h->seen, id)) < 0)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		if (!fresh)
			continue;
		path->len = base;
		if (buf_addf(path, "%s%s", base ? "/" : "", git_tree_entry_name(te)) < 0)
			return -1;
		if (type == GIT_OBJECT_BLOB) {
			if (git_tree_entry_filemode(te) == GIT_FILEMODE_LINK)
				continue;
			if (blob_add(h, id, path->p) < 0)
				return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		} else {
			git_tree *sub;
			int rc;

			if (git_tree_lookup(&sub, h->repo, id) < 0)
				continue;
			rc = walk_tree(h, sub, path, depth + 1);
			git_tree_free(sub);
			if (rc < 0)
				return rc;
		}
	}
	path->len = base;
	if (path->p)
		path->p[base] = '\0';
	return 0;
}

static int commit_add(struct history *h, git_commit *c)
{
	const git_signature *a = git_commit_author(c);
	struct commit_info *ci;
	struct buf who = BUF_INIT;
	time_t t = (time_t)git_commit_time(c);
	struct tm tm;

	if (h->ncommits == h->capcommits) {
		size_t cap = h->capcommits ? h->capcommits * 2 : 256;
		struct commit_info *v = realloc(h->commits, cap * sizeof(*v));

		if (!v)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		h->commits = v;
		h->capcommits = cap;
	}
	ci = &h->commits[h->ncommits];
	git_oid_tostr(ci->id, sizeof(ci->id), git_commit_id(c));
	gmtime_r(&t, &tm);
	strftime(ci->date, sizeof(ci->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (a && buf_addf(&who, "%s <%s>", a->name ? a->name : "", a->email ? a->email : "") < 0)
		return -1;
	ci->author = buf_detach(&who, NULL);
	h->ncommits++;
	return 0;
}

static int push_refs(git_revwalk *walk, git_repository *repo)
{
	git_reference_iterator *it;
	git_reference *ref;
	int pushed = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return 0;
	while (git_reference_next(&ref, it) == 0) {
		git_object *obj;

		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
			if (git_revwalk_push(walk, git_object_id(obj)) == 0)
				pushed++;
			git_object_free(obj);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return pushed;
}

static int git_fail(const char *what, const char *path)
{
	const git_error *e = git_error_last();

	return ak_error(AK_EXIT_DATAERR, "'%s': %s: %s", path, what,
			e && e->message ? e->message : "failed");
}

static int list_history(struct history *h, const char *path)
{
	const struct scan_opts *o = scanner_opts(h->sc);
	git_revwalk *walk = NULL;
	git_oid id;
	struct buf p = BUF_INIT;
	int rc = 0;

	if (git_revwalk_new(&walk, h->repo) < 0)
		return git_fail("cannot walk history", path);
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
	if (o->all) {
		if (push_refs(walk, h->repo) == 0 && git_revwalk_push_head(walk) < 0)
			rc = git_fail("no commits", path);
	} else if (o->branch) {
		git_object *obj;

		if (git_revparse_single(&obj, h->repo, o->branch) < 0) {
			rc = ak_error(AK_EXIT_USAGE, "'%s': no branch or revision '%s'", path,
				      o->branch);
		} else {
			git_object *c;

			if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT) < 0 ||
			    git_revwalk_push(walk, git_object_id(c)) < 0)
				rc = git_fail("not a commit", o->branch);
			else
				git_object_free(c);
			git_object_free(obj);
		}
	} else if (git_revwalk_push_head(walk) < 0) {
		rc = git_fail("no commits", path);
	}
	while (rc == 0 && git_revwalk_next(&id, walk) == 0) {
		git_commit *c;
		git_tree *tree;

		if (git_commit_lookup(&c, h->repo, &id) < 0)
			continue;
		if (o->since != INT64_MIN && git_commit_time(c) < o->since) {
			git_commit_free(c);
			continue;
		}
		if (commit_add(h, c) < 0) {
			rc = -1;
		} else if (git_commit_tree(&tree, c) == 0) {
			buf_reset(&p);
			rc = walk_tree(h, tree, &p, 0);
			git_tree_free(tree);
		}
		git_commit_free(c);
	}
	buf_release(&p);
	git_revwalk_free(walk);
	return rc;
}

/* ---- scanning the blobs ---- */

struct gpool {
	struct history *h;
	const char *path;
	atomic_size_t next;
	struct first_error fe;
};

static int scan_blob(struct gpool *p, git_odb *odb, struct engine_scratch *scratch, size_t i)
{
	struct history *h = p->h;
	const struct blob_item *b = &h->blobs[i];
	const struct commit_info *ci = &h->commits[b->commit];
	uint64_t max = scanner_opts(h->sc)->max_file;
	char hex[GIT_OID_HEXSZ + 1];
	struct provenance pv = { b->path, ci->id, ci->author, ci->date, hex };
	git_odb_object *obj;
	size_t size;
	git_object_t type;
	int rc;

	git_oid_tostr(hex, sizeof(hex), &b->id);
	if (max && git_odb_read_header(&size, &type, odb, &b->id) == 0 && size > max) {
		scanner_note(h->sc, b->path, "larger than --max-file");
		return 0;
	}
	if (git_odb_read(&obj, odb, &b->id) < 0) {
		scanner_note(h->sc, b->path, "cannot read the blob");
		return 0;
	}
	size = git_odb_object_size(obj);
	rc = scanner_scan_buffer(h->sc, scratch, &pv, git_odb_object_data(obj), size);
	git_odb_object_free(obj);
	return rc;
}

/* Scan blobs until none is left; pg, if not NULL, shows how far. */
static void gpool_run(struct gpool *p, struct progress *pg)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	struct engine_scratch *scratch = engine_scratch_new(scanner_engine(p->h->sc));
	size_t i;

	if (!scratch || git_repository_open_ext(&repo, p->path, 0, NULL) < 0 ||
	    git_repository_odb(&odb, repo) < 0) {
		if (scratch)
			git_fail("cannot open the repository", p->path);
		first_error_set(&p->fe);
		goto out;
	}
	while (!first_error_failed(&p->fe) && (i = atomic_fetch_add(&p->next, 1)) < p->h->nblobs) {
		if (scan_blob(p, odb, scratch, i) < 0)
			first_error_set(&p->fe);
		if (pg)
			progress_update(pg, i + 1);
	}
out:
	git_odb_free(odb);
	git_repository_free(repo);
	engine_scratch_free(scratch);
}

static void *gpool_work(void *arg)
{
	gpool_run(arg, NULL);
	return NULL;
}

int scanner_scan_git(struct scanner *sc, const char *path)
{
	struct history h = { .sc = sc };
	struct gpool p = { .h = &h, .path = path };
	struct progress pg;
	pthread_t tid[64];
	int n, started = 0, rc;

	git_init_once();
	if (git_repository_open_ext(&h.repo, path, 0, NULL) < 0)
		return git_fail("not a git repository", path);
	rc = list_history(&h, path);
	git_repository_free(h.repo);
	oidset_release(&h.seen);
	if (rc == 0) {
		scanner_add_history(sc, h.ncommits, h.nblobs);
		log_debug("%zu commits, %zu unique blobs", h.ncommits, h.nblobs);
		first_error_init(&p.fe);
		n = scanner_threads(sc, h.nblobs);
		/* the caller's thread is one of the n and draws the progress bar */
		for (int t = 1; t < n; t++)
			if (pthread_create(&tid[started], NULL, gpool_work, &p) == 0)
				started++;
		if (scanner_opts(sc)->progress)
			progress_start(&pg, "scanning blobs", h.nblobs);
		gpool_run(&p, scanner_opts(sc)->progress ? &pg : NULL);
		for (int t = 0; t < started; t++)
			pthread_join(tid[t], NULL);
		if (scanner_opts(sc)->progress)
			progress_end(&pg);
		rc = first_error_release(&p.fe);
	}
	for (size_t i = 0; i < h.nblobs; i++)
		free(h.blobs[i].path);
	free(h.blobs);
	for (size_t i = 0; i < h.ncommits; i++)
		free(h.commits[i].author);
	free(h.commits);
	return rc;
}
