/*
 * entity.c - the domain model hidden in requirement sentences.
 *
 * Each sentence is cut into statements at ". ! ? ;" and read word by word
 * for a few verb patterns: "X has / contains / is described by / records
 * A, B and C" lists fields, "X has many Ys" and "Y belongs to an X" relate
 * two entities, "create an X with A and B" and "for each X we store A"
 * list fields too. The subject is the noun phrase right before the verb
 * (after modal verbs: "each task must have"), or the subject of the same
 * statement for "... and records a date". A second pass over the
 * statement reads properties of fields already known: "the title is
 * required", "email addresses must be unique", "the status is one of open
 * or closed", "no two users share an email".
 *
 * Field types are guessed from the field's name (due_date is a date,
 * price is money) unless a table declared them. A field named like a
 * known entity ("a task has a project") is a relation, also when the
 * entity only becomes known later: settle() turns such fields into
 * relations whenever an entity first becomes visible. Entities that are
 * roles (user, admin) or were only named as the subject of a failed
 * statement stay hidden until something is said about them.
 *
 * All limits are fixed (see entity.h), so no input can make the model
 * grow without bound; the statement parsers only move forward, so the
 * work is linear in the length of a sentence.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "analyze/entity.h"
#include "analyze/words.h"
#include "banned.h"

#define EM_MAX_ENTITIES 200
#define EM_MAX_FIELDS 100
#define EM_MAX_RELATIONS 50
#define EM_MAX_VALUES 16
#define EM_NAME_MAX 64
#define KEY (EM_NAME_MAX + 1)
#define NP_MAX 4            /* words in a noun phrase */

enum ftype {
	T_STRING, T_TEXT, T_INTEGER, T_NUMBER, T_BOOLEAN, T_DATE, T_DATETIME,
	T_EMAIL, T_URL, T_ENUM, T_MONEY, T_ID
};

static const char *const type_names[] = {
	"string", "text", "integer", "number", "boolean", "date", "datetime",
	"email", "url", "enum", "money", "id"
};

/* How a type was found; a later, surer type replaces an earlier one. */
enum { S_DEFAULT, S_NAME, S_WORDING, S_DECLARED };

enum rkind { R_NONE, R_BELONGS_TO, R_HAS_ONE, R_HAS_MANY, R_MANY_TO_MANY };

static const char *const kind_names[] = {
	"", "belongs_to", "has_one", "has_many", "many_to_many"
};

struct em_field {
	char name[KEY];
	enum ftype type;
	int strength;
	int required, unique;
	int plural;                 /* named in the plural ("tags") */
	char (*values)[KEY];
	size_t nvalues, avalues;
};

struct em_relation {
	enum rkind kind;
	size_t to;
};

struct em_entity {
	char key[KEY];              /* snake_case singular: "order_line" */
	char name[KEY];             /* PascalCase: "OrderLine" */
	int role;                   /* an actor noun */
	int noted;                  /* the object of a story goal */
	int declared;               /* named by a table of fields */
	int visible;                /* will be in the JSON */
	int pending;                /* became visible; fields may name it */
	struct em_field *fields;
	size_t nfields, afields;
	struct em_relation rel[EM_MAX_RELATIONS];
	size_t nrel;
};

struct entity_model {
	struct em_entity *ent[EM_MAX_ENTITIES];
	size_t n;
	long last;                  /* what "it" and "they" stand for, or -1 */
	int oom;                    /* an allocation failed during this call */
};

struct vals {
	size_t n;
	char v[EM_MAX_VALUES][KEY];
};

/* ---- word lists ---- */

static const char *const func_words[] = {
	"a", "an", "the", "this", "that", "these", "those", "each", "every", "all", "any",
	"some", "no", "none", "one", "two", "three", "four", "five", "both", "either",
	"neither", "and", "or", "and/or", "but", "nor", "so", "if", "then", "than", "when",
	"whenever", "while", "where", "which", "who", "whom", "whose", "what", "why", "how",
	"whether", "to", "of", "in", "on", "at", "by", "for", "from", "with", "without",
	"within", "into", "onto", "over", "under", "about", "above", "below", "between",
	"through", "during", "after", "before", "until", "since", "per", "via", "as", "like",
	"near", "across", "along", "around", "against", "among", "upon", "is", "are", "was",
	"were", "be", "been", "being", "am", "has", "have", "had", "having", "do", "does",
	"did", "done", "will", "would", "shall", "should", "can", "could", "may", "might",
	"must", "cannot", "can't", "won't", "don't", "doesn't", "isn't", "aren't", "not",
	"never", "it", "its", "they", "them", "their", "theirs", "we", "our", "ours", "us",
	"you", "your", "yours", "he", "him", "his", "she", "her", "hers", "i", "me", "my",
	"mine", "there", "here", "also", "only", "just", "very", "too", "more", "most",
	"less", "least", "much", "many", "several", "multiple", "few", "other", "another",
	"such", "same", "etc", "e.g", "i.e", "eg", "ie", "able", "unable", "always",
	"usually", "typically", "additionally", "optionally", "exactly", "single",
	"numerous", "various", "lots", "required", "mandatory", "compulsory", "optional",
	"unique", "please", "yes", "still", "really", "generally", "normally", "plus",
	"whole", "entire", "so-called", NULL
};

/* Verbs that cannot be part of a noun phrase. */
static const char *const verb_words[] = {
	"want", "wants", "wanted", "need", "needs", "needed", "think", "know", "see", "sees",
	"make", "makes", "get", "gets", "let", "lets", "allow", "allows", "allowed",
	"ensure", "ensures", "create", "creates", "edit", "edits", "update", "updates",
	"delete", "deletes", "remove", "removes", "view", "views", "show", "shows",
	"display", "displays", "manage", "manages", "send", "sends", "use", "uses", "enter",
	"enters", "provide", "provides", "select", "selects", "choose", "chooses", "find",
	"finds", "assign", "assigns", "upload", "uploads", "download", "downloads",
	"register", "registers", "pay", "pays", "belongs", "belong", "contains", "contain",
	"includes", "include", "consists", "consist", "comprises", "comprise", "described",
	"identified", "tagged", "assigned", "owned", "linked", "attached", "click", "clicks",
	"go", "goes", "look", "looks", "receive", "receives", "add", "adds", "share",
	"shares", "specify", "specifies", "supply", "supplies", "characterized",
	"characterised", "defined", "made", "submit", "submits", "define", "defines", NULL
};

static const char *const modal_words[] = {
	"must", "should", "shall", "can", "could", "may", "might", "will", "would", "also",
	"always", "usually", "typically", "additionally", "optionally", "only", "each", "all",
	"both", "then", "still", "really", "generally", "normally", "does", "do", "not",
	"never", "cannot", "can't", "won't", "doesn't", "don't", NULL
};

static const char *const neg_words[] = {
	"not", "never", "cannot", "can't", "won't", "doesn't", "don't", NULL
};

static const char *const det_words[] = {
	"a", "an", "the", "its", "their", "his", "her", "our", "your", "my", "some", "any",
	"each", "every", "this", "that", "these", "those", NULL
};

/* Dropped from the front of a noun phrase. */
static const char *const adj_words[] = {
	"new", "existing", "own", "given", "specific", "particular", "certain", "current",
	"additional", "different", "separate", "individual", NULL
};

static const char *const conn_words[] = { "and", "or", "and/or", "plus", NULL };

/* Verbs after which a story goal's object is being made: "create a task with". */
static const char *const make_verbs[] = {
	"create", "creates", "add", "adds", "register", "registers", "submit", "submits",
	"enter", "enters", "define", "defines", "record", "records", "post", "posts",
	"publish", "publishes", "book", "books", "open", "opens", "schedule", "schedules",
	"make", "makes", "start", "starts", "log", "logs", "upload", "uploads", NULL
};

static const char *const store_verbs[] = {
	"store", "stores", "keep", "keeps", "record", "records", "track", "tracks", "need",
	"needs", "save", "saves", "hold", "holds", "capture", "captures", "want", NULL
};

static const char *const stop_nouns[] = {
	"system", "application", "app", "interface", "user_interface", "page", "screen",
	"data", "information", "info", "feature", "way", "time", "website", "site",
	"software", "platform", "tool", "thing", "something", "everything", "anything",
	"functionality", "button", "form", "view", "menu", "option", "ui", "ux", "api",
	"database", "server", "backend", "frontend", "browser", "version", "support",
	"performance", "security", "requirement", "story", "process", "step", "part",
	"number", "kind", "type", "sort", "field", "value", "ability", "possibility",
	"error", "response", "use", "case", "example", "question", "goal", "lot", "access",
	"solution", "product_owner", "stakeholder", NULL
};

static const char *const role_words[] = {
	"user", "admin", "administrator", "customer", "manager", "visitor", "guest",
	"member", "staff", "operator", "clerk", "owner", "employee", "client", "buyer",
	"seller", "editor", "moderator", "reviewer", "subscriber", "student", "teacher",
	"librarian", "cashier", "developer", "tester", "person", "people", "actor",
	"superuser", "agent", "supervisor", "accountant", "auditor", "volunteer", NULL
};

/* Names that are plain strings however they end: "status_code", "category_name". */
static const char *const string_heads[] = {
	"name", "title", "label", "code", "id", "identifier", "number", "key", "reference",
	"ref", "sku", "isbn", "username", "password", "phone", "token", "slug", "hash",
	"uuid", NULL
};

/* Words that are attributes even after "one" ("has one name"). */
static const char *const attr_words[] = {
	"name", "title", "label", "description", "address", "phone", "password",
	"username", "token", "code", "slug", "color", "colour", "avatar", "photo", "image",
	"picture", "summary", "subject", "email", NULL
};

static const char *const date_words[] = {
	"date", "birthdate", "deadline", "birthday", "dob", NULL
};
static const char *const datetime_words[] = {
	"time", "timestamp", "datetime", "created", "updated", "modified", NULL
};
static const char *const email_words[] = { "email", NULL };
static const char *const url_words[] = {
	"url", "uri", "link", "website", "homepage", NULL
};
static const char *const money_words[] = {
	"price", "cost", "amount", "total", "subtotal", "salary", "balance", "fee", "budget",
	"wage", "revenue", NULL
};
static const char *const integer_words[] = {
	"count", "quantity", "qty", "age", "stock", "year", "capacity", NULL
};
static const char *const number_words[] = {
	"rating", "score", "weight", "percentage", "percent", "latitude", "longitude",
	"height", "width", "length", "depth", "temperature", "ratio", "distance", NULL
};
static const char *const boolean_words[] = {
	"flag", "enabled", "active", "done", "completed", "archived", "verified",
	"published", "visible", "paid", NULL
};
static const char *const text_words[] = {
	"description", "notes", "note", "body", "comment", "comments", "content", "bio",
	"biography", "summary", "remarks", "instructions", "text", "message", NULL
};
static const char *const enum_words[] = {
	"priority", "status", "state", "category", "type", "role", "level", "kind", "size",
	"gender", "tier", "stage", "severity", "visibility", "mode", NULL
};

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

/*
 * A word that can be part of a name: lowercase ASCII letters and digits,
 * inner hyphens and underscores, or well-formed UTF-8 letters of other
 * scripts; it starts with a letter.
 */
static int name_word_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (!n || n > EM_NAME_MAX || !((p[0] >= 'a' && p[0] <= 'z') || p[0] >= 0xC2))
		return 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t len, k;

		if (c < 0x80) {
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_'))
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			len = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			len = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			len = 4;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
		if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F) ||
		    (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] > 0x8F))
			return 0;
		i += len;
	}
	return 1;
}

/* Append word s[0..n) to key out (snake_case); 0 when it does not fit. */
static int key_add(char *out, const char *s, size_t n)
{
	size_t len = strlen(out);

	if (n == 6 && !memcmp(s, "e-mail", 6)) {
		s = "email";
		n = 5;
	}
	if (len + (len != 0) + n > EM_NAME_MAX)
		return 0;
	if (len)
		out[len++] = '_';
	for (size_t i = 0; i < n; i++)
		out[len + i] = s[i] == '-' ? '_' : s[i];
	out[len + n] = '\0';
	return 1;
}

/* Make the last part of key singular: "order_lines" -> "order_line". */
static void key_singular(char *key)
{
	char tmp[KEY];

	words_singular(key, tmp, sizeof(tmp));
	memcpy(key, tmp, strlen(tmp) + 1);
}

static const char *key_last(const char *key)
{
	const char *u = strrchr(key, '_');
	return u ? u + 1 : key;
}

static void pascal(const char *key, char *out)
{
	size_t o = 0;
	int up = 1;

	for (const char *p = key; *p && o < EM_NAME_MAX; p++) {
		if (*p == '_') {
			up = 1;
			continue;
		}
		out[o++] = (char)(up && *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		up = 0;
	}
	out[o] = '\0';
}

static int is_stop_key(const char *key)
{
	return words_listed(key, stop_nouns) || words_listed(key_last(key), stop_nouns);
}

int entity_is_role(const char *low)
{
	char last[KEY], one[KEY];
	const char *p = low ? low : "";
	size_t n;

	for (const char *q = p; *q; q++)
		if (*q == ' ' || *q == '_')
			p = q + 1;
	n = strlen(p);
	if (!n || n > EM_NAME_MAX)
		return 0;
	memcpy(last, p, n + 1);
	if (words_listed(last, role_words))
		return 1;
	words_singular(last, one, sizeof(one));
	return words_listed(one, role_words);
}

/* ---- field types ---- */

static enum ftype part_type(const char *p)
{
	if (words_listed(p, date_words))
		return T_DATE;
	if (words_listed(p, datetime_words))
		return T_DATETIME;
	if (words_listed(p, email_words))
		return T_EMAIL;
	if (words_listed(p, url_words))
		return T_URL;
	if (words_listed(p, money_words))
		return T_MONEY;
	if (words_listed(p, integer_words))
		return T_INTEGER;
	if (words_listed(p, number_words))
		return T_NUMBER;
	if (words_listed(p, boolean_words))
		return T_BOOLEAN;
	if (words_listed(p, text_words))
		return T_TEXT;
	if (words_listed(p, enum_words))
		return T_ENUM;
	return T_STRING;
}

/* The type a field's name suggests: the last word first, then the others. */
static enum ftype guess_type(const char *name)
{
	char parts[NP_MAX * 2][KEY], one[KEY];
	size_t np = 0, len;
	const char *p = name;
	enum ftype t;

	if (!strncmp(name, "is_", 3) || !strncmp(name, "has_", 4) || !strncmp(name, "can_", 4))
		return T_BOOLEAN;
	if (ends_with(name, "_at"))
		return T_DATETIME;
	if (ends_with(name, "_on"))
		return T_DATE;
	if (!strncmp(name, "number_of_", 10) || !strncmp(name, "num_", 4) ||
	    !strncmp(name, "no_of_", 6))
		return T_INTEGER;
	while (*p && np < NP_MAX * 2) {
		const char *u = strchr(p, '_');
		len = u ? (size_t)(u - p) : strlen(p);
		if (len < KEY) {
			memcpy(parts[np], p, len);
			parts[np++][len] = '\0';
		}
		if (!u)
			break;
		p = u + 1;
	}
	if (!np)
		return T_STRING;
	if (words_listed(parts[np - 1], string_heads))
		return T_STRING;
	t = part_type(parts[np - 1]);
	if (t == T_STRING)
		t = part_type(words_singular(parts[np - 1], one, sizeof(one)));
	for (size_t i = np - 1; t == T_STRING && i-- > 0;)
		t = part_type(parts[i]);
	return t;
}

/* ---- entities, fields, relations ---- */

static long ent_find(const struct entity_model *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->ent[i]->key, key))
			return (long)i;
	return -1;
}

static long ent_find_visible(const struct entity_model *m, const char *key)
{
	long e = ent_find(m, key);
	return e >= 0 && m->ent[e]->visible ? e : -1;
}

/*
 * The entity for key, made when new (unless it is a stop noun and force is
 * 0); -1 when it cannot be had: a stop noun, the model is full, no memory
 * (then m->oom is set).
 */
static long ent_get(struct entity_model *m, const char *key, int force)
{
	long e = ent_find(m, key);
	struct em_entity *ne;

	if (e >= 0)
		return e;
	if (!key[0] || m->n >= EM_MAX_ENTITIES || (!force && is_stop_key(key)))
		return -1;
	if (!(ne = calloc(1, sizeof(*ne)))) {
		m->oom = 1;
		return -1;
	}
	memcpy(ne->key, key, strlen(key) + 1);
	pascal(key, ne->name);
	ne->role = entity_is_role(key);
	m->ent[m->n] = ne;
	return (long)m->n++;
}

/* Recompute whether e shows; a newly shown entity may turn fields into relations. */
static void touch(struct entity_model *m, size_t e)
{
	struct em_entity *E = m->ent[e];

	if (E->visible)
		return;
	if (E->nfields || E->nrel || E->declared || (E->noted && !E->role)) {
		E->visible = 1;
		E->pending = 1;
	}
}

static struct em_relation *rel_of(struct em_entity *E, size_t to)
{
	for (size_t i = 0; i < E->nrel; i++)
		if (E->rel[i].to == to)
			return &E->rel[i];
	return NULL;
}

static enum rkind rel_kind(struct em_entity *E, size_t to)
{
	struct em_relation *r = rel_of(E, to);
	return r ? r->kind : R_NONE;
}

static void rel_put(struct entity_model *m, size_t a, enum rkind kind, size_t b)
{
	struct em_entity *A = m->ent[a];
	struct em_relation *r = rel_of(A, b);

	if (!r) {
		if (A->nrel >= EM_MAX_RELATIONS)
			return;
		r = &A->rel[A->nrel++];
		r->to = b;
	}
	r->kind = kind;
	touch(m, a);
}

/*
 * Record "a <kind> b" and its mirror on b: has_many and has_one pair with
 * belongs_to; "many" both ways is many_to_many. Left as it was when either
 * side has no room for another relation.
 */
static void relate(struct entity_model *m, size_t a, enum rkind kind, size_t b)
{
	struct em_entity *A = m->ent[a], *B = m->ent[b];
	enum rkind ra, rb;

	if (a == b) {
		rel_put(m, a, kind, a);
		return;
	}
	if ((!rel_of(A, b) && A->nrel >= EM_MAX_RELATIONS) ||
	    (!rel_of(B, a) && B->nrel >= EM_MAX_RELATIONS))
		return;
	ra = rel_kind(A, b);
	rb = rel_kind(B, a);
	switch (kind) {
	case R_HAS_MANY:
		if (rb == R_HAS_MANY || rb == R_MANY_TO_MANY || ra == R_MANY_TO_MANY) {
			kind = R_MANY_TO_MANY;
			break;
		}
		rel_put(m, a, R_HAS_MANY, b);
		rel_put(m, b, R_BELONGS_TO, a);
		return;
	case R_BELONGS_TO:
		if (rb == R_HAS_ONE) {
			rel_put(m, a, R_BELONGS_TO, b);
			return;
		}
		if (ra == R_HAS_MANY || ra == R_MANY_TO_MANY) {
			kind = R_MANY_TO_MANY;
			break;
		}
		rel_put(m, a, R_BELONGS_TO, b);
		rel_put(m, b, R_HAS_MANY, a);
		return;
	case R_HAS_ONE:
		if (ra == R_MANY_TO_MANY)
			return;
		rel_put(m, a, R_HAS_ONE, b);
		rel_put(m, b, R_BELONGS_TO, a);
		return;
	default:
		break;
	}
	rel_put(m, a, R_MANY_TO_MANY, b);
	rel_put(m, b, R_MANY_TO_MANY, a);
}

static struct em_field *field_find(struct em_entity *E, const char *name)
{
	for (size_t i = 0; i < E->nfields; i++)
		if (!strcmp(E->fields[i].name, name))
			return &E->fields[i];
	return NULL;
}

/*
 * Add field name to entity e, or merge into the field of that name: a
 * surer type replaces the old one, required and unique only turn on,
 * values are added to those known. Nothing happens when the entity is full.
 */
static struct em_field *field_merge(struct entity_model *m, size_t e, const char *name,
				    enum ftype type, int strength, int req, int uniq, int plural,
				    const struct vals *vs)
{
	struct em_entity *E = m->ent[e];
	struct em_field *f = field_find(E, name);

	if (!f) {
		if (E->nfields >= EM_MAX_FIELDS)
			return NULL;
		if (E->nfields == E->afields) {
			size_t na = E->afields ? E->afields * 2 : 8;
			struct em_field *nf;

			if (na > EM_MAX_FIELDS)
				na = EM_MAX_FIELDS;
			if (!(nf = realloc(E->fields, na * sizeof(*nf)))) {
				m->oom = 1;
				return NULL;
			}
			E->fields = nf;
			E->afields = na;
		}
		f = &E->fields[E->nfields++];
		memset(f, 0, sizeof(*f));
		memcpy(f->name, name, strlen(name) + 1);
		f->type = type;
		f->strength = strength;
		f->plural = plural;
	} else if (strength > f->strength) {
		f->type = type;
		f->strength = strength;
	}
	f->required |= req != 0;
	f->unique |= uniq != 0;
	for (size_t i = 0; vs && i < vs->n; i++) {
		size_t k;

		for (k = 0; k < f->nvalues && strcmp(f->values[k], vs->v[i]); k++)
			;
		if (k < f->nvalues || f->nvalues >= EM_MAX_VALUES)
			continue;
		if (f->nvalues == f->avalues) {
			size_t na = f->avalues ? f->avalues * 2 : 4;
			char (*nv)[KEY];

			if (na > EM_MAX_VALUES)
				na = EM_MAX_VALUES;
			if (!(nv = realloc(f->values, na * sizeof(*nv)))) {
				m->oom = 1;
				break;
			}
			f->values = nv;
			f->avalues = na;
		}
		memcpy(f->values[f->nvalues++], vs->v[i], strlen(vs->v[i]) + 1);
	}
	if (f->nvalues && f->type != T_ENUM && f->strength <= S_WORDING) {
		f->type = T_ENUM;
		f->strength = S_WORDING;
	}
	touch(m, e);
	return f;
}

static void field_remove(struct em_entity *E, size_t i)
{
	free(E->fields[i].values);
	memmove(&E->fields[i], &E->fields[i + 1], (E->nfields - i - 1) * sizeof(E->fields[0]));
	E->nfields--;
}

/*
 * Fields named like an entity that has just become visible are relations
 * to it: "a reset token has a user" once users have fields of their own.
 */
static void settle(struct entity_model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct em_entity *T = m->ent[i];

		if (!T->pending)
			continue;
		T->pending = 0;
		for (size_t x = 0; x < m->n; x++) {
			struct em_entity *X = m->ent[x];

			if (x == i)
				continue;
			for (size_t f = 0; f < X->nfields;) {
				struct em_field *fl = &X->fields[f];
				char one[KEY];
				int same = !strcmp(fl->name, T->key), many = 0;

				if (!same && fl->plural)
					many = !strcmp(words_singular(fl->name, one, sizeof(one)), T->key);
				if ((same || many) && fl->strength < S_DECLARED && !fl->nvalues &&
				    (rel_of(X, i) || X->nrel < EM_MAX_RELATIONS) &&
				    (rel_of(T, x) || T->nrel < EM_MAX_RELATIONS)) {
					field_remove(X, f);
					relate(m, x, many ? R_HAS_MANY : R_BELONGS_TO, i);
					continue;
				}
				f++;
			}
		}
		i = (size_t)-1;     /* relating may have shown more entities */
	}
}

/* sku, isbn, a person's email: unique without being told. */
static int auto_unique(const struct em_entity *E, const char *name, enum ftype type)
{
	const char *last = key_last(name);

	return !strcmp(last, "sku") || !strcmp(last, "isbn") || (type == T_EMAIL && E->role);
}

/*
 * Apply one attribute of subject: a field, or a relation when it is a
 * quantity ("many tasks", "one profile") or names a known entity.
 */
enum { Q_NONE, Q_MANY, Q_ONE };
enum { V_HAVE = 1, V_CONTAIN, V_ATTR, V_IDENT, V_STORE, V_PROVIDE, V_BELONG, V_TAG };

static void apply_attr(struct entity_model *m, const char *subj, int mode, const char *name,
		       int quant, int req, int uniq, const struct vals *vs)
{
	long e = ent_get(m, subj, 0), t;
	char one[KEY];
	int plural;
	enum ftype type;

	if (e < 0)
		return;
	words_singular(name, one, sizeof(one));
	plural = strcmp(one, name) != 0;
	if (mode == V_BELONG || mode == V_TAG) {
		if ((t = ent_get(m, one, 0)) < 0)
			return;
		m->last = e;
		relate(m, (size_t)e, mode == V_TAG || quant == Q_MANY ? R_MANY_TO_MANY : R_BELONGS_TO,
		       (size_t)t);
		return;
	}
	m->last = e;
	type = guess_type(name);
	if (quant == Q_MANY ||
	    (mode == V_CONTAIN && plural && type == T_STRING && !words_listed(one, attr_words))) {
		if ((t = ent_get(m, one, 0)) >= 0)
			relate(m, (size_t)e, R_HAS_MANY, (size_t)t);
		return;
	}
	if (quant == Q_ONE && type == T_STRING && !words_listed(one, attr_words)) {
		if ((t = ent_get(m, one, 0)) >= 0)
			relate(m, (size_t)e, R_HAS_ONE, (size_t)t);
		return;
	}
	t = ent_find_visible(m, one);
	if (t >= 0 && t != e && (!vs || !vs->n)) {
		relate(m, (size_t)e, plural ? R_HAS_MANY : R_BELONGS_TO, (size_t)t);
		return;
	}
	field_merge(m, (size_t)e, name, type, type == T_STRING ? S_DEFAULT : S_NAME, req,
		    uniq || auto_unique(m->ent[e], name, type), plural, vs);
}

/* ---- statements ---- */

enum { SEP_COMMA = 1, SEP_SEMI = 2, SEP_COLON = 4, SEP_OPEN = 8, SEP_CLOSE = 16, SEP_END = 32 };
enum { F_CONTENT = 1, F_DET = 2, F_MODAL = 4, F_NEG = 8, F_ADJ = 16, F_CONN = 32, F_POSS = 64,
       F_NAME = 128, F_VERB = 256 };

struct tok {
	const char *low;
	unsigned sep;       /* SEP_* between this word and the next */
	unsigned fl;        /* F_* */
};

struct ctx {
	struct entity_model *m;
	const struct tok *t;
	size_t n;
	char subj[KEY];     /* the subject of this statement so far, "" if none */
};

static int tok_is(const struct ctx *c, size_t i, const char *lit)
{
	return i < c->n && !strcmp(c->t[i].low, lit);
}

static int tok_in(const struct ctx *c, size_t i, const char *const *list)
{
	return i < c->n && words_listed(c->t[i].low, list);
}

static int tok_has(const struct ctx *c, size_t i, unsigned fl)
{
	return i < c->n && (c->t[i].fl & fl);
}

/* Number of words of phrase at i (0 when it is not there); "is" also matches "are" and "be". */
static size_t phrase_at(const struct ctx *c, size_t i, const char *phrase)
{
	size_t k = i;
	const char *p = phrase;

	for (;;) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);
		const char *w;

		if (k >= c->n)
			return 0;
		w = c->t[k].low;
		if (!(strlen(w) == n && !memcmp(w, p, n)) &&
		    !(k == i && n == 2 && !memcmp(p, "is", 2) && (!strcmp(w, "are") || !strcmp(w, "be"))))
			return 0;
		k++;
		if (!sp)
			return k - i;
		p = sp + 1;
	}
}

static const struct {
	const char *phrase;
	int mode;
} verbs[] = {
	{ "has", V_HAVE }, { "have", V_HAVE },
	{ "contains", V_CONTAIN }, { "contain", V_CONTAIN }, { "includes", V_CONTAIN },
	{ "include", V_CONTAIN }, { "consists of", V_CONTAIN }, { "consist of", V_CONTAIN },
	{ "comprises", V_CONTAIN }, { "comprise", V_CONTAIN }, { "is made up of", V_CONTAIN },
	{ "is composed of", V_CONTAIN },
	{ "is described by", V_ATTR }, { "is characterized by", V_ATTR },
	{ "is characterised by", V_ATTR }, { "is defined by", V_ATTR },
	{ "is identified by", V_IDENT }, { "is uniquely identified by", V_IDENT },
	{ "stores", V_STORE }, { "store", V_STORE }, { "records", V_STORE },
	{ "record", V_STORE }, { "keeps", V_STORE }, { "keep", V_STORE },
	{ "tracks", V_STORE }, { "track", V_STORE }, { "holds", V_STORE }, { "hold", V_STORE },
	{ "belongs to", V_BELONG }, { "belong to", V_BELONG }, { "is part of", V_BELONG },
	{ "is assigned to", V_BELONG }, { "is owned by", V_BELONG }, { "is linked to", V_BELONG },
	{ "is attached to", V_BELONG }, { "is grouped into", V_BELONG },
	{ "is grouped in", V_BELONG }, { "is organized into", V_BELONG },
	{ "is organised into", V_BELONG }, { "is organized in", V_BELONG },
	{ "is organised in", V_BELONG }, { "is tagged with", V_TAG }, { "is labelled with", V_TAG },
	{ "is labeled with", V_TAG },
	{ "provide", V_PROVIDE }, { "enter", V_PROVIDE }, { "specify", V_PROVIDE },
	{ "supply", V_PROVIDE },
};

static size_t verb_at(const struct ctx *c, size_t i, int *mode)
{
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		size_t n = phrase_at(c, i, verbs[v].phrase);
		if (n) {
			*mode = verbs[v].mode;
			return n;
		}
	}
	return 0;
}

/*
 * Key of the noun phrase t[s..e): leading adjectives dropped, the last word
 * singular when one is set. 0 when nothing is left or it is too long.
 */
static int np_key(const struct ctx *c, size_t s, size_t e, int one, char *out)
{
	out[0] = '\0';
	while (s < e && (c->t[s].fl & F_ADJ))
		s++;
	if (s == e)
		return 0;
	for (size_t i = s; i < e; i++)
		if (!key_add(out, c->t[i].low, strlen(c->t[i].low)))
			return 0;
	if (one)
		key_singular(out);
	return out[0] != '\0';
}

/* Start of the run of content words ending at e: at most max, no separator inside. */
static size_t np_back(const struct ctx *c, size_t e, size_t max)
{
	size_t s = e;

	while (s > 0 && e - s < max && (c->t[s - 1].fl & F_CONTENT) &&
	       (s == e || !c->t[s - 1].sep))
		s--;
	return s;
}

enum { SF_MUST = 1, SF_NEG = 2 };

/*
 * The subject of the verb at i into key: the noun phrase before it, past
 * modal verbs ("each task must have": task, SF_MUST), or this statement's
 * subject for "and records ...", or the last entity for "it has ...".
 */
static int subject_before(struct ctx *c, size_t i, char *key, int *flags)
{
	const struct tok *t = c->t;
	size_t k = i, s;

	*flags = 0;
	while (k > 0 && (t[k - 1].fl & F_MODAL) && !(t[k - 1].fl & F_CONTENT)) {
		if (!strcmp(t[k - 1].low, "must"))
			*flags |= SF_MUST;
		if (t[k - 1].fl & F_NEG)
			*flags |= SF_NEG;
		if (k < i && t[k - 1].sep)
			break;
		k--;
	}
	if (k > 0 && (t[k - 1].sep & (SEP_COMMA | SEP_OPEN | SEP_CLOSE | SEP_COLON)) &&
	    c->subj[0]) {
		memcpy(key, c->subj, strlen(c->subj) + 1);
		return 1;
	}
	s = np_back(c, k, 3);
	if (s == k) {
		if (k > 0 && tok_is(c, k - 1, "and") && c->subj[0]) {
			memcpy(key, c->subj, strlen(c->subj) + 1);
			return 1;
		}
		if (k > 0 && (tok_is(c, k - 1, "it") || tok_is(c, k - 1, "they"))) {
			const char *p = c->subj[0] ? c->subj :
					c->m->last >= 0 ? c->m->ent[c->m->last]->key : NULL;
			if (!p)
				return 0;
			memcpy(key, p, strlen(p) + 1);
			memcpy(c->subj, p, strlen(p) + 1);
			return 1;
		}
		return 0;
	}
	if (t[k - 1].sep)
		return 0;
	if (s > 0 && (t[s - 1].fl & F_CONTENT))
		return 0;        /* a longer run of words than a noun phrase */
	/* "the cart of a user has": not the user's */
	if (s > 0 && (tok_is(c, s - 1, "of") ||
		      ((t[s - 1].fl & F_DET) && s > 1 && tok_is(c, s - 2, "of"))))
		return 0;
	if (s > 0 && (t[s - 1].fl & F_POSS))
		return 0;
	if (!np_key(c, s, k, 1, key) || is_stop_key(key))
		return 0;
	memcpy(c->subj, key, strlen(key) + 1);
	return 1;
}

static size_t quant_at(const struct ctx *c, size_t i, int *quant)
{
	static const char *const many[] = {
		"zero or more", "one or more", "a list of", "a set of", "a collection of",
		"any number of", "a lot of", "lots of", "a series of", "a range of",
		"many", "several", "multiple", "numerous", "various", "an unlimited number of",
		NULL
	};
	static const char *const one[] = {
		"one and only one", "exactly one", "only one", "a single", "one", NULL
	};
	size_t n;

	for (const char *const *p = many; *p; p++)
		if ((n = phrase_at(c, i, *p))) {
			*quant = Q_MANY;
			return n;
		}
	for (const char *const *p = one; *p; p++)
		if ((n = phrase_at(c, i, *p))) {
			*quant = Q_ONE;
			return n;
		}
	return 0;
}

/* Words that say something about a field: "required", "unique", "optional". */
static int flag_word(const struct ctx *c, size_t i, int *req, int *uniq, int *opt)
{
	if (tok_is(c, i, "required") || tok_is(c, i, "mandatory") || tok_is(c, i, "compulsory"))
		*req = 1;
	else if (tok_is(c, i, "unique"))
		*uniq = 1;
	else if (tok_is(c, i, "optional"))
		*opt = 1;
	else if ((tok_is(c, i, "empty") || tok_is(c, i, "blank")) && i >= 2 &&
		 tok_is(c, i - 1, "be") && (c->t[i - 2].fl & F_NEG))
		*req = 1;
	else
		return 0;
	return 1;
}

/*
 * Enum values from i: "low, medium or high", "one of open, closed", up to
 * ")" when paren. Values have at most three words ("in progress"). Returns
 * the index after them; fewer than two values do not make a list.
 */
static size_t parse_values(const struct ctx *c, size_t i, int paren, struct vals *vs)
{
	const struct tok *t = c->t;
	size_t k = i;
	int last = 0;

	vs->n = 0;
	if (tok_is(c, k, "either"))
		k++;
	else if ((tok_is(c, k, "one") || tok_is(c, k, "any")) && tok_is(c, k + 1, "of"))
		k += 2;
	else if (tok_is(c, k, "e.g") || tok_is(c, k, "eg") || tok_is(c, k, "like"))
		k++;
	else if (tok_is(c, k, "such") && tok_is(c, k + 1, "as"))
		k += 2;
	while (k < c->n && vs->n < EM_MAX_VALUES) {
		size_t s = k;
		char item[KEY] = "";

		if (t[k].fl & F_DET)
			break;
		while (k < c->n && k - s < 3 && !(t[k].fl & F_CONN) && (t[k].fl & F_NAME)) {
			k++;
			if (t[k - 1].sep)
				break;
		}
		if (k == s || (k - s == 3 && !t[k - 1].sep && k < c->n && !(t[k].fl & F_CONN)))
			break;
		for (size_t j = s; j < k; j++)
			if (!key_add(item, t[j].low, strlen(t[j].low)))
				break;
		if (item[0]) {
			size_t d;
			for (d = 0; d < vs->n && strcmp(vs->v[d], item); d++)
				;
			if (d == vs->n)
				memcpy(vs->v[vs->n++], item, strlen(item) + 1);
		}
		if ((t[k - 1].sep & (SEP_CLOSE | SEP_END)) || last)
			break;
		if (t[k - 1].sep & SEP_COMMA) {
			if (k < c->n && (t[k].fl & F_CONN)) {
				last = 1;
				k++;
			}
			continue;
		}
		if (paren && t[k - 1].sep)
			break;
		if (k < c->n && (t[k].fl & F_CONN) && !t[k - 1].sep) {
			last = 1;
			k++;
			continue;
		}
		break;
	}
	if (vs->n < 2)
		vs->n = 0;
	return k;
}

/* Skip what follows an attribute up to the next list separator, noting flag words. */
static size_t skip_junk(const struct ctx *c, size_t j, int *req, int *uniq, int *opt)
{
	while (j < c->n) {
		if (j > 0 && (c->t[j - 1].sep & SEP_COMMA))
			break;
		if (c->t[j].fl & F_CONN)
			break;
		flag_word(c, j, req, uniq, opt);
		j++;
	}
	return j;
}

static size_t mode_len(const struct ctx *c, size_t i)
{
	int mode;
	return verb_at(c, i, &mode);
}

/* Does a new statement start at k ("and each task has", "and records", "and tags many ...")? */
static int clause_starts(const struct ctx *c, size_t k)
{
	size_t j = k, s;
	int mode;
	char key[KEY];

	/* "and records a date": a verb right after the connector */
	if (verb_at(c, j, &mode) && j + mode_len(c, j) < c->n &&
	    !(c->t[j + mode_len(c, j)].fl & F_CONN))
		return 1;
	if (tok_has(c, j, F_DET))
		j++;
	s = j;
	while (j < c->n && j - s < 3 && (c->t[j].fl & F_CONTENT)) {
		j++;
		if (c->t[j - 1].sep)
			break;
	}
	if (j == s && (tok_is(c, j, "it") || tok_is(c, j, "they")))
		j++;
	while (j < c->n && (c->t[j].fl & F_MODAL) && !(c->t[j].fl & F_CONTENT))
		j++;
	if (j < c->n && verb_at(c, j, &mode))
		return 1;
	if (j > s && (tok_is(c, j, "many") || tok_is(c, j, "several") || tok_is(c, j, "multiple")) &&
	    np_key(c, s, j, 1, key) && ent_find_visible(c->m, key) >= 0)
		return 1;
	return 0;
}

/*
 * One attribute of a list at i: [quantity] [determiner] [flags] noun
 * [(values)] [rest up to the next separator]. Returns the index after it,
 * or i when there is no attribute there.
 */
static size_t parse_segment(struct ctx *c, size_t i, const char *subj, int mode, int lreq,
			    char *last, int first)
{
	const struct tok *t = c->t;
	size_t k = i, s, e, j;
	int quant = Q_NONE, det = 0, neg = 0, req = lreq, uniq = mode == V_IDENT, opt = 0, joined = 0;
	int jreq = 0, juniq = 0, jopt = 0, mode2;
	struct vals vs;
	char name[KEY] = "";

	vs.n = 0;
	if (mode == V_IDENT)
		req = 1;
	for (int guard = 0; guard < 8 && k < c->n; guard++) {
		size_t q = quant_at(c, k, &quant);

		if (q) {
			k += q;
			continue;
		}
		if (t[k].fl & F_DET) {
			det = 1;
			k++;
			continue;
		}
		if (tok_is(c, k, "no")) {
			neg = 1;
			k++;
			continue;
		}
		if (flag_word(c, k, &req, &uniq, &opt) || (t[k].fl & F_ADJ)) {
			k++;
			continue;
		}
		break;
	}
	s = k;
	/* after a determiner a verb can start a noun phrase: "a send time", "a display name" */
	if (det && (tok_has(c, k, F_VERB)) && !t[k].sep && tok_has(c, k + 1, F_CONTENT))
		k++;
	while (k < c->n && k - s < NP_MAX && (t[k].fl & F_CONTENT)) {
		k++;
		if (t[k - 1].sep)
			break;
		if (!joined && k - s == 1 && !quant && tok_is(c, k, "of") && !t[k].sep &&
		    tok_has(c, k + 1, F_CONTENT) && part_type(t[s].low) != T_ENUM) {
			joined = 1;
			k++;
		}
	}
	e = k;
	if (e == s && k < c->n && strlen(t[k].low) > EM_NAME_MAX)
		return skip_junk(c, k + 1, &jreq, &juniq, &jopt);   /* a name too long to keep */
	if (e == s) {
		if (first)
			return i;
		/* "a title, which is required, and ..." */
		flag_word(c, k, &jreq, &juniq, &jopt);
		j = k < c->n ? skip_junk(c, k + 1, &jreq, &juniq, &jopt) : k;
		if (last[0] && (jreq || juniq) && mode != V_BELONG && mode != V_TAG) {
			long x = ent_find(c->m, subj);
			if (x >= 0 && field_find(c->m->ent[x], last))
				field_merge(c->m, (size_t)x, last, T_STRING, S_DEFAULT, jreq && !jopt,
					    juniq, 0, NULL);
		}
		return j > i ? j : i;
	}
	/* "has logged in", "has completed": a verb, not an attribute */
	if (first && !det && !quant && ends_with(t[s].low, "ed"))
		return i;
	/* "and users can ...": the start of a statement, not an attribute */
	if (e < c->n && (((t[e].fl & F_MODAL) && !(t[e].fl & (F_DET | F_CONTENT))) ||
			 verb_at(c, e, &mode2)))
		return i;
	if (!np_key(c, s, e, 0, name))
		return skip_junk(c, e, &jreq, &juniq, &jopt);
	j = e;
	if (t[e - 1].sep & SEP_OPEN) {
		/* "(low, medium or high)", "(required)", or something else in parentheses */
		size_t v = e, lim = e + 32;
		int freq = 0, funiq = 0, fopt = 0, flags = 1;

		for (size_t x = e; x < c->n && x < lim; x++) {
			if (!flag_word(c, x, &freq, &funiq, &fopt) && !(t[x].fl & F_CONN))
				flags = 0;
			if (t[x].sep & (SEP_CLOSE | SEP_END))
				break;
		}
		if (flags && (freq || funiq || fopt)) {
			req |= freq;
			uniq |= funiq;
			opt |= fopt;
		} else {
			parse_values(c, e, 1, &vs);
		}
		while (v < c->n && v < lim && !(t[v].sep & (SEP_CLOSE | SEP_END)))
			v++;
		/* the end of the sentence closes what is still open */
		j = v >= lim ? e : v < c->n ? v + 1 : c->n;
	} else if (part_type(key_last(name)) == T_ENUM &&
		   ((tok_is(c, e, "of") && !t[e].sep) || (t[e - 1].sep & SEP_COLON))) {
		/* "a priority of low, medium or high", "a size: small or large" */
		size_t v = parse_values(c, (t[e - 1].sep & SEP_COLON) ? e : e + 1, 0, &vs);
		if (vs.n)
			j = v;
	} else if (tok_is(c, e, "which") || tok_is(c, e, "that") ||
		   (tok_is(c, e, "such") && tok_is(c, e + 1, "as"))) {
		/* "a status that can be open or closed", "a category such as food or toys" */
		size_t v = e + 1;
		while (v < c->n && (t[v].fl & F_MODAL) && !(t[v].fl & F_NEG))
			v++;
		if (tok_is(c, v, "is") || tok_is(c, v, "are") || tok_is(c, v, "be"))
			v++;
		if (tok_is(c, e, "such"))
			v = e;
		v = parse_values(c, v, 0, &vs);
		if (vs.n)
			j = v;
	}
	j = skip_junk(c, j, &jreq, &juniq, &jopt);
	if (neg)
		return j;
	req = (req || jreq) && !(opt || jopt);
	uniq = uniq || juniq;
	apply_attr(c->m, subj, mode, name, quant, req, uniq, &vs);
	memcpy(last, name, strlen(name) + 1);
	return j;
}

/* The attributes after a verb: "a title, a due date and a priority". */
static size_t parse_list(struct ctx *c, size_t i, const char *subj, int mode, int lreq)
{
	char last[KEY] = "";
	int first = 1;

	while (i < c->n && !c->m->oom) {
		size_t k = i, j, n;

		if (!first) {
			if (c->t[i].fl & F_CONN)
				k++;
			else if ((n = phrase_at(c, i, "as well as")) ||
				 (n = phrase_at(c, i, "along with")) ||
				 (n = phrase_at(c, i, "together with")))
				k += n;
			else if (!(c->t[i - 1].sep & SEP_COMMA))
				break;
			if (clause_starts(c, k))
				break;
		}
		j = parse_segment(c, k, subj, mode, lreq, last, first);
		if (j <= k)
			break;
		first = 0;
		i = j;
	}
	return i;
}

/* "for each customer we store a name and an email" */
static size_t for_each_at(struct ctx *c, size_t i)
{
	size_t k = i + 2, s = k;
	int req = 0;
	char key[KEY];

	while (k < c->n && k - s < 3 && (c->t[k].fl & F_CONTENT)) {
		k++;
		if (c->t[k - 1].sep)
			break;
	}
	if (k == s || !np_key(c, s, k, 1, key) || is_stop_key(key))
		return k > i + 2 ? k : i + 1;
	if (tok_is(c, k, "we") || tok_is(c, k, "you") || tok_is(c, k, "i") || tok_is(c, k, "it"))
		k++;
	else if (tok_is(c, k, "the") && (tok_is(c, k + 1, "system") || tok_is(c, k + 1, "app") ||
					 tok_is(c, k + 1, "application")))
		k += 2;
	while (k < c->n && (c->t[k].fl & F_MODAL) && !(c->t[k].fl & F_CONTENT)) {
		if (c->t[k].fl & F_NEG)
			return k;
		req |= tok_is(c, k, "must");
		k++;
	}
	if (!tok_in(c, k, store_verbs))
		return k;
	k++;
	if (tok_is(c, k, "to") && (tok_is(c, k + 1, "store") || tok_is(c, k + 1, "know") ||
				   tok_is(c, k + 1, "keep") || tok_is(c, k + 1, "record")))
		k += 2;
	memcpy(c->subj, key, strlen(key) + 1);
	return parse_list(c, k, key, V_HAVE, req);
}

/* "create a task with a title and a due date" */
static size_t with_at(struct ctx *c, size_t i)
{
	size_t s = np_back(c, i, 3), d;
	char key[KEY];

	if (s == i || s == 0 || c->t[i - 1].sep)
		return i + 1;
	d = s - 1;
	if (!(((c->t[d].fl & F_DET) && d > 0 && tok_in(c, d - 1, make_verbs)) ||
	      tok_in(c, d, make_verbs)))
		return i + 1;
	if (!np_key(c, s, i, 1, key) || is_stop_key(key))
		return i + 1;
	memcpy(c->subj, key, strlen(key) + 1);
	return parse_list(c, i + 1, key, V_HAVE, 0);
}

static size_t statement_at(struct ctx *c, size_t i)
{
	int mode, flags;
	size_t len;
	char subj[KEY];

	if (tok_is(c, i, "for") && (tok_is(c, i + 1, "each") || tok_is(c, i + 1, "every")))
		return for_each_at(c, i);
	if (tok_is(c, i, "with"))
		return with_at(c, i);
	if (tok_is(c, i, "many") || tok_is(c, i, "several") || tok_is(c, i, "multiple")) {
		/* "... and tags many tasks" */
		size_t s = np_back(c, i, 3);
		long e;

		if (s == i || s == 0 || c->t[i - 1].sep ||
		    !(tok_is(c, s - 1, "and") || (c->t[s - 1].sep & SEP_COMMA)) ||
		    !np_key(c, s, i, 1, subj) || (e = ent_find_visible(c->m, subj)) < 0 ||
		    !c->m->ent[e]->nrel)
			return i + 1;
		memcpy(c->subj, subj, strlen(subj) + 1);
		return parse_list(c, i, subj, V_HAVE, 0);
	}
	if (!(len = verb_at(c, i, &mode)))
		return i + 1;
	if (!subject_before(c, i, subj, &flags) || (flags & SF_NEG))
		return i + len;
	if (mode == V_PROVIDE && !(flags & SF_MUST))
		return i + len;
	if (mode == V_STORE && entity_is_role(subj))
		return i + len;
	if (mode == V_IDENT || mode == V_PROVIDE)
		flags |= SF_MUST;
	if (mode != V_HAVE && mode != V_CONTAIN && mode != V_PROVIDE && mode != V_IDENT)
		flags &= ~SF_MUST;
	return parse_list(c, i + len, subj, mode, flags & SF_MUST);
}

/* ---- properties of known fields ---- */

/*
 * Find field name (or its singular) for a property statement: in entity
 * key when given (made there when missing), else in the last entity
 * spoken of, else in the first entity that has it.
 */
static void apply_property(struct entity_model *m, const char *key, const char *name, int req,
			   int uniq, const struct vals *vs)
{
	char one[KEY];
	long e;

	words_singular(name, one, sizeof(one));
	if (key[0]) {
		if ((e = ent_get(m, key, 0)) < 0 || ent_find_visible(m, one) >= 0)
			return;
		if (!field_find(m->ent[e], name) && field_find(m->ent[e], one))
			name = one;
		enum ftype t = guess_type(name);
		field_merge(m, (size_t)e, name, t, t == T_STRING ? S_DEFAULT : S_NAME, req, uniq, 0, vs);
		m->last = e;
		return;
	}
	for (long pass = -1; pass < (long)m->n; pass++) {
		long x = pass < 0 ? m->last : pass;
		struct em_field *f;

		if (x < 0)
			continue;
		f = field_find(m->ent[x], name);
		if (!f)
			f = field_find(m->ent[x], one);
		if (f) {
			field_merge(m, (size_t)x, f->name, f->type, f->strength, req, uniq, 0, vs);
			return;
		}
	}
}

/* Key from the possessive word at i and the content words before it: "stock movement's". */
static int poss_key(const struct ctx *c, size_t i, char *out)
{
	char w[KEY];
	const char *low = c->t[i].low;
	size_t n = strlen(low), s = np_back(c, i, 2);

	if (n >= 2 && !strcmp(low + n - 2, "'s"))
		n -= 2;
	else if (n >= 1 && low[n - 1] == '\'')
		n -= 1;
	if (!n || n >= KEY || !name_word_ok(low, n))
		return 0;
	memcpy(w, low, n);
	w[n] = '\0';
	out[0] = '\0';
	for (size_t k = s; k < i; k++)
		if (!key_add(out, c->t[k].low, strlen(c->t[k].low)))
			return 0;
	if (!key_add(out, w, n))
		return 0;
	key_singular(out);
	return 1;
}

/*
 * The field a property statement is about, ending at e: "the title", "a
 * task's title", "the title of a task", "task titles". key gets the
 * entity when the words name one, else "".
 */
static int property_subject(const struct ctx *c, size_t e, char *key, char *name)
{
	size_t s = np_back(c, e, NP_MAX), d;

	key[0] = '\0';
	if (s == e || c->t[e - 1].sep)
		return 0;
	if (s > 0 && (c->t[s - 1].fl & F_POSS))
		return poss_key(c, s - 1, key) && np_key(c, s, e, 0, name);
	d = s;
	if (d > 0 && (c->t[d - 1].fl & F_DET))
		d--;
	if (d > 0 && tok_is(c, d - 1, "of")) {
		size_t fe = d - 1, fs = np_back(c, fe, NP_MAX);

		if (fs == fe || !np_key(c, s, e, 1, key) || !np_key(c, fs, fe, 0, name))
			return 0;
		return 1;
	}
	if (!np_key(c, s, e, 0, name))
		return 0;
	/* "task title": the entity, then its field */
	for (size_t p = e - s - 1; p >= 1 && p < e - s; p--) {
		char ek[KEY];

		if (np_key(c, s, s + p, 1, ek) && ent_find_visible(c->m, ek) >= 0) {
			memcpy(key, ek, strlen(ek) + 1);
			return np_key(c, s + p, e, 0, name);
		}
	}
	return 1;
}

/* "no two users (can) share the same email" */
static void no_two(struct ctx *c, size_t i)
{
	size_t k = i + 2, s = k, fs;
	char key[KEY], name[KEY];
	struct vals none;

	none.n = 0;
	while (k < c->n && k - s < 3 && (c->t[k].fl & F_CONTENT))
		k++;
	if (k == s || !np_key(c, s, k, 1, key))
		return;
	while (k < c->n && (c->t[k].fl & F_MODAL) && !(c->t[k].fl & (F_NEG | F_CONTENT)))
		k++;
	if (!(tok_is(c, k, "share") || tok_is(c, k, "have") || tok_is(c, k, "use") ||
	      tok_is(c, k, "get")))
		return;
	k++;
	if (tok_is(c, k, "the") && tok_is(c, k + 1, "same"))
		k += 2;
	else if (tok_has(c, k, F_DET))
		k++;
	fs = k;
	while (k < c->n && k - fs < NP_MAX && (c->t[k].fl & F_CONTENT)) {
		k++;
		if (c->t[k - 1].sep)
			break;
	}
	if (k == fs || !np_key(c, fs, k, 0, name))
		return;
	apply_property(c->m, key, name, 0, 1, &none);
}

/* "X is required", "X must be unique", "X cannot be empty", "X is one of a, b or c" */
static void properties(struct ctx *c)
{
	for (size_t j = 0; j < c->n && !c->m->oom; j++) {
		size_t k = j + 1, e = j;
		int req = 0, uniq = 0, opt = 0, one_of;
		struct vals vs;
		char key[KEY], name[KEY];

		vs.n = 0;
		if (tok_is(c, j, "no") && tok_is(c, j + 1, "two")) {
			no_two(c, j);
			continue;
		}
		if (!(tok_is(c, j, "is") || tok_is(c, j, "are") || tok_is(c, j, "be")))
			continue;
		while (tok_is(c, k, "always") || tok_is(c, k, "also"))
			k++;
		if (k >= c->n)
			continue;
		one_of = tok_is(c, k, "either") || (tok_is(c, k, "one") && tok_is(c, k + 1, "of"));
		if (flag_word(c, k, &req, &uniq, &opt)) {
			if (opt)
				continue;
			if (tok_is(c, k + 1, "and"))
				flag_word(c, k + 2, &req, &uniq, &opt);
		} else if ((tok_is(c, k, "provided") || tok_is(c, k, "given") ||
			    tok_is(c, k, "filled") || tok_is(c, k, "set")) &&
			   j > 0 && tok_is(c, j - 1, "must")) {
			req = 1;
		} else {
			parse_values(c, k, 0, &vs);
			if (!vs.n)
				continue;
		}
		while (e > 0 && (c->t[e - 1].fl & F_MODAL) && !(c->t[e - 1].fl & F_CONTENT))
			e--;
		if (!property_subject(c, e, key, name))
			continue;
		if (vs.n && !key[0] && !one_of && part_type(key_last(name)) != T_ENUM) {
			/* "the answer is yes or no" only counts for a field we know */
			int known = 0;
			for (size_t x = 0; x < c->m->n && !known; x++)
				known = field_find(c->m->ent[x], name) != NULL;
			if (!known)
				continue;
		}
		if (vs.n && key[0] && !one_of && part_type(key_last(name)) != T_ENUM)
			continue;
		apply_property(c->m, key, name, req, uniq, &vs);
	}
}

/* ---- sentences ---- */

static unsigned seps_between(const char *a, const char *b)
{
	unsigned sep = 0;

	for (const char *p = a; p < b; p++)
		switch (*p) {
		case ',': sep |= SEP_COMMA; break;
		case ';': sep |= SEP_SEMI | SEP_END; break;
		case ':': sep |= SEP_COLON; break;
		case '(': case '[': sep |= SEP_OPEN; break;
		case ')': case ']': sep |= SEP_CLOSE; break;
		case '.': case '!': case '?': sep |= SEP_END; break;
		default: break;
		}
	return sep;
}

static void tok_classify(struct tok *t, const struct word *wd)
{
	const char *low = wd->low;
	size_t n = strlen(low);

	t->low = low;
	t->fl = 0;
	if (words_listed(low, det_words))
		t->fl |= F_DET;
	if (words_listed(low, modal_words))
		t->fl |= F_MODAL;
	if (words_listed(low, neg_words))
		t->fl |= F_NEG;
	if (words_listed(low, conn_words))
		t->fl |= F_CONN;
	if (name_word_ok(low, n))
		t->fl |= F_NAME;
	if (n > 2 && (ends_with(low, "'s") || ends_with(low, "s'"))) {
		char base[KEY];
		size_t bn = low[n - 1] == 's' ? n - 2 : n - 1;

		if (bn < KEY) {
			memcpy(base, low, bn);
			base[bn] = '\0';
			if (!words_listed(base, func_words) && !words_listed(base, verb_words) &&
			    strcmp(base, "let") && strcmp(base, "what"))
				t->fl |= F_POSS;
		}
	}
	if ((t->fl & F_NAME) && words_listed(low, verb_words))
		t->fl |= F_VERB;
	if ((t->fl & F_NAME) && !words_listed(low, func_words) && !(t->fl & F_VERB)) {
		t->fl |= F_CONTENT;
		if (words_listed(low, adj_words))
			t->fl |= F_ADJ;
	}
}

int entity_model_add(struct entity_model *m, const struct words *w)
{
	struct tok *t;
	size_t n = w->n, cs = 0;

	m->oom = 0;
	if (!n)
		return 0;
	if (!(t = calloc(n, sizeof(*t))))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < n; i++) {
		tok_classify(&t[i], &w->v[i]);
		if (i + 1 < n && w->v[i + 1].p >= w->v[i].p + w->v[i].len)
			t[i].sep = seps_between(w->v[i].p + w->v[i].len, w->v[i + 1].p);
		/* "e.g." and "etc." do not end a sentence */
		if (!strcmp(t[i].low, "e.g") || !strcmp(t[i].low, "i.e") || !strcmp(t[i].low, "etc"))
			t[i].sep &= ~(unsigned)SEP_END;
	}
	while (cs < n && !m->oom) {
		size_t ce = cs, cut;
		struct ctx c;

		while (ce < n && !(t[ce].sep & SEP_END))
			ce++;
		if (ce < n)
			ce++;
		/* the benefit of a story ("so that ...") describes no data */
		for (cut = cs; cut < ce; cut++)
			if ((!strcmp(t[cut].low, "so") && cut + 1 < ce && !strcmp(t[cut + 1].low, "that")) ||
			    (!strcmp(t[cut].low, "in") && cut + 2 < ce && !strcmp(t[cut + 1].low, "order") &&
			     !strcmp(t[cut + 2].low, "to")))
				break;
		c.m = m;
		c.t = t + cs;
		c.n = cut - cs;
		c.subj[0] = '\0';
		for (size_t i = 0; i < c.n && !m->oom;) {
			size_t next = statement_at(&c, i);
			i = next > i ? next : i + 1;
		}
		if (!m->oom)
			properties(&c);
		cs = ce;
	}
	free(t);
	settle(m);
	if (m->oom)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

/* ---- declared fields and story objects ---- */

/*
 * Key of free text s ("Order lines", "OrderLine", "due date"): words
 * split with words_split, camelCase split, leading determiners dropped,
 * the last word singular when one is set. out is "" when nothing usable
 * is left. -1 on ENOMEM.
 */
static int text_key(struct words *w, const char *s, int one, char *out)
{
	size_t i = 0;

	out[0] = '\0';
	if (words_split(w, s, strlen(s)) < 0)
		return -1;
	while (i < w->n && (words_listed(w->v[i].low, det_words) || words_listed(w->v[i].low, adj_words)))
		i++;
	for (; i < w->n; i++) {
		const struct word *wd = &w->v[i];
		size_t n = strlen(wd->low), from = 0;

		if (n >= 2 && !strcmp(wd->low + n - 2, "'s"))
			n -= 2;
		for (size_t k = 1; k <= n; k++) {
			/* a part ends at the end or before an uppercase letter after a lowercase one */
			int split = k == n || (k < wd->len && wd->p[k] >= 'A' && wd->p[k] <= 'Z' &&
					       wd->p[k - 1] >= 'a' && wd->p[k - 1] <= 'z');
			if (!split)
				continue;
			if (name_word_ok(wd->low + from, k - from) &&
			    !key_add(out, wd->low + from, k - from))
				goto done;
			from = k;
		}
	}
done:
	if (one && out[0])
		key_singular(out);
	return 0;
}

static const struct {
	const char *name;
	enum ftype type;
} type_synonyms[] = {
	{ "string", T_STRING }, { "str", T_STRING }, { "varchar", T_STRING },
	{ "char", T_STRING }, { "character", T_STRING }, { "text", T_TEXT },
	{ "longtext", T_TEXT }, { "int", T_INTEGER }, { "integer", T_INTEGER },
	{ "bigint", T_INTEGER }, { "smallint", T_INTEGER }, { "long", T_INTEGER },
	{ "number", T_NUMBER }, { "float", T_NUMBER }, { "double", T_NUMBER },
	{ "real", T_NUMBER }, { "numeric", T_NUMBER }, { "decimal", T_NUMBER },
	{ "bool", T_BOOLEAN }, { "boolean", T_BOOLEAN }, { "date", T_DATE },
	{ "datetime", T_DATETIME }, { "timestamp", T_DATETIME },
	{ "timestamptz", T_DATETIME }, { "time", T_DATETIME }, { "email", T_EMAIL },
	{ "e-mail", T_EMAIL }, { "url", T_URL }, { "uri", T_URL }, { "link", T_URL },
	{ "enum", T_ENUM }, { "enumeration", T_ENUM }, { "choice", T_ENUM },
	{ "money", T_MONEY }, { "currency", T_MONEY }, { "id", T_ID }, { "uuid", T_ID },
	{ "guid", T_ID }, { "identifier", T_ID }, { "serial", T_ID }, { "key", T_ID },
	{ "json", T_TEXT }, { "object", T_TEXT }, { "blob", T_TEXT }, { "file", T_URL },
	{ "image", T_URL }, { "phone", T_STRING }, { "password", T_STRING },
};

/* Words of a type column that name no entity. */
static const char *const not_refs[] = {
	"reference", "ref", "fk", "yes", "no", "true", "false", "none", "other", "mixed",
	"n", "list", "array", "set", "many", "multiple", "tbd", "todo", "unknown", NULL
};

/*
 * Read a declared type. 1: a type (*type, values in vs); 2: a reference
 * to entity ref (*many for "list of X"); 0: nothing usable. -1 on ENOMEM.
 */
static int parse_type(const struct entity_model *m, struct words *w, const char *s,
		      enum ftype *type, struct vals *vs, char *ref, int *many)
{
	size_t i = 0, ns = 0;
	const char *p;

	vs->n = 0;
	*many = strstr(s, "[]") != NULL;
	if (words_split(w, s, strlen(s)) < 0)
		return -1;
	if (!w->n)
		return 0;
	/* the first word naming a type: "Text", "short text", "enum(low, high)" */
	for (size_t x = 0; x < w->n; x++) {
		size_t k;

		for (k = 0; k < sizeof(type_synonyms) / sizeof(type_synonyms[0]); k++)
			if (!strcmp(w->v[x].low, type_synonyms[k].name))
				break;
		if (k == sizeof(type_synonyms) / sizeof(type_synonyms[0]))
			continue;
		*type = type_synonyms[k].type;
		/* "date and time", "date & time" */
		for (size_t y = x + 1; *type == T_DATE && y < w->n; y++)
			if (words_is(w, y, "time"))
				*type = T_DATETIME;
		for (i = x + 1; *type == T_ENUM && i < w->n && vs->n < EM_MAX_VALUES; i++) {
			char v[KEY] = "";
			const char *low = w->v[i].low;

			if (words_listed(low, conn_words) || !strcmp(low, "of") || !strcmp(low, "one") ||
			    !name_word_ok(low, strlen(low)) || !key_add(v, low, strlen(low)))
				continue;
			memcpy(vs->v[vs->n++], v, strlen(v) + 1);
		}
		return 1;
	}
	if ((w->n >= 3 && (words_is(w, 0, "list") || words_is(w, 0, "array") ||
			   words_is(w, 0, "set")) && words_is(w, 1, "of")) ||
	    (w->n >= 2 && (words_is(w, 0, "many") || words_is(w, 0, "multiple")))) {
		*many = 1;
		i = words_is(w, 1, "of") ? 2 : 1;
	} else if (w->n >= 2 && (words_is(w, 0, "ref") || words_is(w, 0, "reference") ||
				 words_is(w, 0, "fk"))) {
		i = 1;
		while (i < w->n && (words_is(w, i, "to") || words_is(w, i, "of") ||
				    words_is(w, i, "key")))
			i++;
	}
	/* "low | medium | high", "Low, Medium, High", "low/medium/high" */
	for (p = s; *p; p++)
		if (*p == '|' || *p == ',' || *p == '/')
			ns++;
	if (ns && i == 0 && !*many) {
		for (size_t k = 0; k < w->n && vs->n < EM_MAX_VALUES; k++) {
			const char *low = w->v[k].low;
			const char *q = low;

			/* "low/medium/high" is one word */
			while (*q && vs->n < EM_MAX_VALUES) {
				const char *sl = strchr(q, '/');
				size_t len = sl ? (size_t)(sl - q) : strlen(q);
				char v[KEY] = "";

				if (!words_listed(q, conn_words) && name_word_ok(q, len) && key_add(v, q, len)) {
					size_t d;
					for (d = 0; d < vs->n && strcmp(vs->v[d], v); d++)
						;
					if (d == vs->n)
						memcpy(vs->v[vs->n++], v, strlen(v) + 1);
				}
				if (!sl)
					break;
				q = sl + 1;
			}
		}
		if (vs->n >= 2) {
			*type = T_ENUM;
			return 1;
		}
		vs->n = 0;
		return 0;
	}
	ref[0] = '\0';
	for (size_t k = i; k < w->n; k++)
		if (name_word_ok(w->v[k].low, strlen(w->v[k].low)) &&
		    !key_add(ref, w->v[k].low, strlen(w->v[k].low)))
			return 0;
	if (!ref[0] || words_listed(ref, not_refs))
		return 0;
	key_singular(ref);
	/* a reference names an entity: capitalised, known, or said to be one */
	if (i > 0 || *many || (s[0] >= 'A' && s[0] <= 'Z') || ent_find_visible(m, ref) >= 0)
		return is_stop_key(ref) ? 0 : 2;
	return 0;
}

int entity_model_add_field(struct entity_model *m, const char *entity, const char *field,
			   const char *type, int required, int unique)
{
	struct words w = WORDS_INIT;
	char ek[KEY], fk[KEY], ref[KEY];
	struct vals vs;
	enum ftype ft = T_STRING;
	int many = 0, r = 0;
	long e, t;

	m->oom = 0;
	if (!entity)
		return 0;
	if (text_key(&w, entity, 1, ek) < 0)
		goto fail;
	if (!ek[0] || (e = ent_get(m, ek, 1)) < 0)
		goto out;
	m->ent[e]->declared = 1;
	touch(m, (size_t)e);
	if (!field)
		goto out;
	if (text_key(&w, field, 0, fk) < 0)
		goto fail;
	if (!fk[0])
		goto out;
	if (type && (r = parse_type(m, &w, type, &ft, &vs, ref, &many)) < 0)
		goto fail;
	if (r == 1) {
		field_merge(m, (size_t)e, fk, ft, S_DECLARED, required, unique, 0, &vs);
	} else if (r == 2) {
		if ((t = ent_get(m, ref, 0)) >= 0)
			relate(m, (size_t)e, many ? R_HAS_MANY : R_BELONGS_TO, (size_t)t);
	} else {
		vs.n = 0;
		apply_attr(m, ek, V_HAVE, fk, Q_NONE, required, unique, &vs);
	}
out:
	words_release(&w);
	settle(m);
	if (m->oom)
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
fail:
	words_release(&w);
	settle(m);
	return -1;
}

int entity_model_note_object(struct entity_model *m, const char *noun)
{
	struct words w = WORDS_INIT;
	char key[KEY];
	long e;

	m->oom = 0;
	if (!noun)
		return 0;
	if (text_key(&w, noun, 1, key) < 0) {
		words_release(&w);
		return -1;
	}
	words_release(&w);
	if (!key[0] || (e = ent_get(m, key, 0)) < 0) {
		if (m->oom)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return 0;
	}
	m->ent[e]->noted = 1;
	touch(m, (size_t)e);
	settle(m);
	return 0;
}

/* ---- life cycle and JSON ---- */

struct entity_model *entity_model_new(void)
{
	struct entity_model *m = calloc(1, sizeof(*m));

	if (!m) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	m->last = -1;
	return m;
}

void entity_model_free(struct entity_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct em_entity *E = m->ent[i];

		for (size_t f = 0; f < E->nfields; f++)
			free(E->fields[f].values);
		free(E->fields);
		free(E);
	}
	free(m);
}

static int set_new(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new(o, k, v) ? -1 : 0;
}

static json_t *field_json(const struct em_field *f)
{
	json_t *o = json_object(), *vals;

	if (!o || set_new(o, "name", json_string(f->name)) ||
	    set_new(o, "type", json_string(type_names[f->type])) ||
	    set_new(o, "required", json_boolean(f->required)) ||
	    set_new(o, "unique", json_boolean(f->unique)))
		goto fail;
	if (f->type == T_ENUM && f->nvalues) {
		if (!(vals = json_array()) || set_new(o, "values", vals))
			goto fail;
		for (size_t i = 0; i < f->nvalues; i++)
			if (json_array_append_new(vals, json_string(f->values[i])))
				goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *entity_json(const struct entity_model *m, const struct em_entity *E)
{
	json_t *o = json_object(), *fields = json_array(), *rels = json_array();

	if (!o || !fields || !rels) {
		json_decref(fields);
		json_decref(rels);
		goto fail;
	}
	if (set_new(o, "name", json_string(E->name))) {
		json_decref(fields);
		json_decref(rels);
		goto fail;
	}
	if (set_new(o, "fields", fields)) {
		json_decref(rels);
		goto fail;
	}
	if (set_new(o, "relations", rels))
		goto fail;
	for (size_t i = 0; i < E->nfields; i++)
		if (json_array_append_new(fields, field_json(&E->fields[i])))
			goto fail;
	for (size_t i = 0; i < E->nrel; i++) {
		const struct em_relation *r = &E->rel[i];
		json_t *ro = json_object();

		if (json_array_append_new(rels, ro) ||
		    set_new(ro, "kind", json_string(kind_names[r->kind])) ||
		    set_new(ro, "entity", json_string(m->ent[r->to]->name)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *entity_model_json(const struct entity_model *m)
{
	json_t *a = json_array();

	if (!a)
		goto fail;
	for (size_t i = 0; i < m->n; i++)
		if (m->ent[i]->visible && json_array_append_new(a, entity_json(m, m->ent[i])))
			goto fail;
	return a;
fail:
	json_decref(a);
	ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return NULL;
}
