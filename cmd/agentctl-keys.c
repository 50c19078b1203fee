/*
 * agentctl-keys.c - the verb keys: the API keys of `agentctl serve`.
 *
 *   agentctl keys add NAME [--scope submit,read]
 *   agentctl keys list [--all] [--json]
 *   agentctl keys revoke ID|NAME
 *
 * Keys live in the store (table api_keys), hashed; a new key is printed
 * once, on stdout, and cannot be shown again. The format, the hashing and
 * the scopes are lib/serve/apikey.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agentctl.h"
#include "buf.h"
#include "error.h"
#include "event.h"
#include "store.h"
#include "serve/apikey.h"
#include "banned.h"

static struct {
	unsigned scopes;
	int all, json;
} ko = { SCOPE_ALL, 0, 0 };

static const struct opt keys_opts[] = {
	{ "store", OPT_STORE, "STORE", "the store that keeps the keys" },
	{ "scope", OPT_SCOPE, "SCOPES",
	  "add: what the key may do: submit, read or submit,read (the default)" },
	{ "all", OPT_ALL, NULL, "list: revoked keys too" },
	{ "json", OPT_JSON, NULL, "list: one JSON object per key" },
	OPT_END
};

static int keys_option(struct agent *a, int key, const char *arg)
{
	switch (key) {
	case OPT_STORE: return config_set(a->cfg, "store", arg, CONFIG_FLAG, "--store");
	case OPT_SCOPE: {
		char why[256];

		if (apikey_scopes_parse(arg, &ko.scopes) == 0)
			return 0;
		snprintf(why, sizeof(why), "%s", ak_errmsg());
		return ak_error(AK_EXIT_USAGE, "--scope: %s", why);
	}
	case OPT_ALL: ko.all = 1; return 0;
	case OPT_JSON: ko.json = 1; return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unexpected option");
}

/* A new key can collide with one there only by chance; three tries. */
static int keys_add(struct agent *a, struct store *s, const char *name)
{
	char key[APIKEY_LEN + 1], id[APIKEY_ID_LEN + 1], hex[65], scopes[32];
	/* the clock, or SOURCE_DATE_EPOCH, as for events; never the key itself */
	struct store_key k = { id, name, hex, scopes, event_now_ms(&a->ec), 0 };
	int rc = -1, n;

	apikey_scopes_format(ko.scopes, scopes, sizeof(scopes));
	for (int i = 0; i < 3 && rc < 0; i++) {
		if (apikey_generate(key, id) < 0)
			return agent_die(PROG);
		apikey_hash(key, APIKEY_LEN, hex);
		rc = store_key_add(s, &k);
		if (rc < 0 && ak_errcode() != AK_EXIT_DATAERR)
			break;
	}
	if (rc < 0)
		return agent_die(PROG);
	/* a key nobody could read is no use: take it back */
	if (out_line(&a->out, key, APIKEY_LEN) < 0 || out_flush(&a->out) < 0) {
		/* the write error itself is reported as the program ends */
		if (store_key_revoke(s, id, event_now_ms(&a->ec), &n) < 0)
			fprintf(stderr, "%s: key %s could not be shown, nor revoked: %s\n", PROG, id,
				ak_errmsg());
		else
			fprintf(stderr, "%s: key %s could not be shown, so it was revoked\n", PROG, id);
		return a->out.code ? a->out.code : AK_EXIT_IOERR;
	}
	fprintf(stderr, "%s: key %s added for %s (scopes %s); it is shown only once\n",
		PROG, id, name, scopes);
	return 0;
}

/* The rows of `keys list`, held until the widths of the columns are known. */
struct key_rows {
	char (*cell)[5][80];
	size_t n, cap;
	size_t width[5];
	struct agent *a;
};

static int json_key(struct agent *a, const struct store_key *k)
{
	char created[32], revoked[32];
	json_t *o;
	char *s;
	int rc;

	event_format_time(k->created_ms, created);
	if (k->revoked_ms)
		event_format_time(k->revoked_ms, revoked);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s?}", "id", k->id, "name", k->name, "scopes", k->scopes,
		      "created", created, "revoked", k->revoked_ms ? revoked : NULL);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!s)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	rc = out_line(&a->out, s, strlen(s));
	free(s);
	return rc < 0 ? -1 : 0;
}

static int collect_key(const struct store_key *k, void *ctx)
{
	struct key_rows *r = ctx;
	char (*row)[80];

	if (ko.json)
		return json_key(r->a, k);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void *p = realloc(r->cell, cap * sizeof(*r->cell));

		if (!p)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		r->cell = p;
		r->cap = cap;
	}
	row = r->cell[r->n++];
	snprintf(row[0], sizeof(row[0]), "%s", k->id);
	snprintf(row[1], sizeof(row[1]), "%s", k->name);
	snprintf(row[2], sizeof(row[2]), "%s", k->scopes);
	event_format_time(k->created_ms, row[3]);
	if (k->revoked_ms)
		event_format_time(k->revoked_ms, row[4]);
	else
		snprintf(row[4], sizeof(row[4]), "-");
	for (int c = 0; c < 5; c++)
		if (strlen(row[c]) > r->width[c])
			r->width[c] = strlen(row[c]);
	return 0;
}

/* One line of the table: columns padded to their width, two spaces apart. */
static int table_line(struct agent *a, const size_t *width, char (*cells)[80])
{
	char line[512];
	size_t at = 0;

	for (int c = 0; c < 5; c++) {
		/* the last column is not padded: no blanks at the end of a line */
		int n = c < 4 ? snprintf(line + at, sizeof(line) - at, "%-*s  ", (int)width[c], cells[c])
			      : snprintf(line + at, sizeof(line) - at, "%s", cells[c]);

		if (n < 0 || (size_t)n >= sizeof(line) - at)
			return ak_error(AK_EXIT_SOFTWARE, "a line of the table is too long");
		at += (size_t)n;
	}
	return out_line(&a->out, line, at) < 0 ? -1 : 0;
}

static int keys_list(struct agent *a, struct store *s)
{
	static char header[5][80] = { "ID", "NAME", "SCOPES", "CREATED", "REVOKED" };
	struct key_rows r = { .a = a };
	int rc = 0;

	for (int c = 0; c < 5; c++)
		r.width[c] = strlen(header[c]);
	if (store_keys(s, ko.all, collect_key, &r) != 0)
		rc = a->out.code ? a->out.code : agent_die(PROG);
	else if (!ko.json) {
		if (table_line(a, r.width, header) < 0)
			rc = -1;
		for (size_t i = 0; i < r.n && rc == 0; i++)
			if (table_line(a, r.width, r.cell[i]) < 0)
				rc = -1;
		if (rc < 0)
			rc = a->out.code ? a->out.code : agent_die(PROG);
	}
	free(r.cell);
	return rc;
}

static int keys_revoke(struct agent *a, struct store *s, const char *what)
{
	int n = 0;

	if (store_key_revoke(s, what, event_now_ms(&a->ec), &n) < 0)
		return agent_die(PROG);
	if (n == 0) {
		fprintf(stderr, "%s: no active key has the id or name '%s'\n", PROG, what);
		return AK_EXIT_GATE;
	}
	fprintf(stderr, "%s: revoked %d key(s)\n", PROG, n);
	return 0;
}

static int run_keys(struct agent *a, int argc, char **argv)
{
	struct store *s;
	char msg[200];
	int rc;

	if (argc < 1)
		return agent_usage_error(PROG, "keys needs add, list or revoke");
	if (!strcmp(argv[0], "add")) {
		if (argc != 2)
			return agent_usage_error(PROG, "keys add needs one NAME");
		if (!apikey_name_ok(argv[1], strlen(argv[1]))) {
			snprintf(msg, sizeof(msg), "bad key name '%.80s' (1 to %d of A-Z a-z 0-9 . _ -)",
				 argv[1], APIKEY_NAME_MAX);
			return agent_usage_error(PROG, msg);
		}
	} else if (!strcmp(argv[0], "list")) {
		if (argc != 1)
			return agent_usage_error(PROG, "keys list takes no operands");
	} else if (!strcmp(argv[0], "revoke")) {
		if (argc != 2 || !*argv[1])
			return agent_usage_error(PROG, "keys revoke needs one ID or NAME");
	} else {
		snprintf(msg, sizeof(msg), "unknown keys command '%.80s'", argv[0]);
		return agent_usage_error(PROG, msg);
	}
	if (!(s = agentctl_open_store(a, NULL)))
		return ak_errcode();
	if (!strcmp(argv[0], "add"))
		rc = keys_add(a, s, argv[1]);
	else if (!strcmp(argv[0], "list"))
		rc = keys_list(a, s);
	else
		rc = keys_revoke(a, s, argv[1]);
	store_close(s);
	return rc;
}

const struct verb agentctl_keys_verbs[] = {
	{ "keys", "keys [OPTION]... add NAME | list | revoke ID|NAME",
	  "make, list and revoke the API keys of agentctl serve",
	  keys_opts, keys_option, run_keys },
};

const size_t agentctl_keys_nverbs = sizeof(agentctl_keys_verbs) / sizeof(*agentctl_keys_verbs);
