/*
 * u-entity.c - unit tests for lib/analyze/entity.c, the entity model of
 * agent-analyze: each case feeds requirement sentences (and declared
 * fields, and story objects) into a model and compares the whole
 * "entities" array, dumped with sorted keys, with the expected text. The
 * cases cover fields and their types, enum values, required and unique
 * wording, every kind of relation, fields that turn into relations when
 * their entity shows up later, things that are not entities, and hostile
 * input: empty, binary, other languages, very long sentences and more
 * entities and fields than the model keeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "analyze/entity.h"
#include "analyze/words.h"
#include "tap.h"
#include "banned.h"

static struct words w = WORDS_INIT;

static void add(struct entity_model *m, const char *text)
{
	if (words_split(&w, text, strlen(text)) < 0 || entity_model_add(m, &w) < 0) {
		printf("Bail out! entity_model_add: %s\n", ak_errmsg());
		exit(1);
	}
}

/* A model learnt from the NULL-terminated sentences, one call each. */
static struct entity_model *model_of(const char *const *sentences)
{
	struct entity_model *m = entity_model_new();

	if (!m) {
		printf("Bail out! entity_model_new: %s\n", ak_errmsg());
		exit(1);
	}
	for (; *sentences; sentences++)
		add(m, *sentences);
	return m;
}

/*
 * Compare the model's JSON with want, written with ' for " so that the
 * expected texts stay readable. Frees m.
 */
static int is_model(struct entity_model *m, const char *want, const char *name)
{
	json_t *j = entity_model_json(m);
	char *got = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	char *exp = malloc(strlen(want) + 1);
	int pass;

	if (!exp) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i <= strlen(want); i++)
		exp[i] = want[i] == '\'' ? '"' : want[i];
	pass = is_str(got, exp, "%s", name);
	free(exp);
	free(got);
	json_decref(j);
	entity_model_free(m);
	return pass;
}

#define F(name, type) "{'name':'" name "','required':false,'type':'" type "','unique':false}"
#define FR(name, type) "{'name':'" name "','required':true,'type':'" type "','unique':false}"
#define FU(name, type) "{'name':'" name "','required':false,'type':'" type "','unique':true}"
#define FRU(name, type) "{'name':'" name "','required':true,'type':'" type "','unique':true}"
#define R(kind, entity) "{'entity':'" entity "','kind':'" kind "'}"

static void test_todo(void)
{
	static const char *const s[] = {
		"A task has a title, a due date and a priority (low, medium or high).",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" F("title", "string") "," F("due_date", "date") ","
		 "{'name':'priority','required':false,'type':'enum','unique':false,"
		 "'values':['low','medium','high']}],'name':'Task','relations':[]}]",
		 "todo: fields with types and enum values");
}

static void test_inventory(void)
{
	static const char *const s[] = {
		"Each product has a unique SKU, a name, a price and a quantity in stock.",
		"A warehouse has many products.",
		"Each stock movement belongs to a product and records a quantity and a date.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" FU("sku", "string") "," F("name", "string") "," F("price", "money") ","
		 F("quantity", "integer") "],'name':'Product','relations':[" R("belongs_to", "Warehouse")
		 "," R("has_many", "StockMovement") "]},"
		 "{'fields':[],'name':'Warehouse','relations':[" R("has_many", "Product") "]},"
		 "{'fields':[" F("quantity", "integer") "," F("date", "date") "],'name':'StockMovement',"
		 "'relations':[" R("belongs_to", "Product") "]}]",
		 "inventory: has many, belongs to, and records");
}

static void test_password_reset(void)
{
	static const char *const s[] = {
		"A reset token has a token, an expiry time and a user.",
		"Each user has a unique email address.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" F("token", "string") "," F("expiry_time", "datetime") "],"
		 "'name':'ResetToken','relations':[" R("belongs_to", "User") "]},"
		 "{'fields':[" FU("email_address", "email") "],'name':'User','relations':["
		 R("has_many", "ResetToken") "]}]",
		 "password reset: a field named after a later entity becomes a relation");
}

static void test_library(void)
{
	static const char *const s[] = {
		"A library has many books.",
		"Each book has a title, an author, an ISBN and a publication year.",
		"A member can borrow many books.",
		"A loan belongs to a member and a book and has a due date.",
		"An author has a name and a date of birth.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[],'name':'Library','relations':[" R("has_many", "Book") "]},"
		 "{'fields':[" F("title", "string") "," FU("isbn", "string") ","
		 F("publication_year", "integer") "],'name':'Book','relations':["
		 R("belongs_to", "Library") "," R("has_many", "Loan") "," R("belongs_to", "Author") "]},"
		 "{'fields':[" F("due_date", "date") "],'name':'Loan','relations':["
		 R("belongs_to", "Member") "," R("belongs_to", "Book") "]},"
		 "{'fields':[],'name':'Member','relations':[" R("has_many", "Loan") "]},"
		 "{'fields':[" F("name", "string") "," F("date_of_birth", "date") "],'name':'Author',"
		 "'relations':[" R("has_many", "Book") "]}]",
		 "library: a role with relations is an entity, 'borrow' is not a pattern");
}

static void test_enum_values(void)
{
	static const char *const s[] = {
		"A ticket has a title, a priority of low, medium or high and a status.",
		"The status is one of open, in progress or closed.",
		"A ticket's severity can be minor or major.",
		"A ticket has a size: small, medium or large.",
		"Each bug has a state that can be new or fixed, and a kind (crash, typo).",
		"The answer is yes or no.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" F("title", "string") ","
		 "{'name':'priority','required':false,'type':'enum','unique':false,"
		 "'values':['low','medium','high']},"
		 "{'name':'status','required':false,'type':'enum','unique':false,"
		 "'values':['open','in_progress','closed']},"
		 "{'name':'severity','required':false,'type':'enum','unique':false,"
		 "'values':['minor','major']},"
		 "{'name':'size','required':false,'type':'enum','unique':false,"
		 "'values':['small','medium','large']}],'name':'Ticket','relations':[]},"
		 "{'fields':[{'name':'state','required':false,'type':'enum','unique':false,"
		 "'values':['new','fixed']},"
		 "{'name':'kind','required':false,'type':'enum','unique':false,"
		 "'values':['crash','typo']}],'name':'Bug','relations':[]}]",
		 "enum values from parentheses, 'of', 'one of', 'can be', ':' and 'that can be'");
}

static void test_required_unique(void)
{
	static const char *const s[] = {
		"Each task must have a title.",
		"A project has a name, a code, which must be unique, and a description.",
		"The name is mandatory.",
		"Project names must be unique.",
		"The description cannot be empty.",
		"Customers must provide a name and an email.",
		"No two customers share the same phone number.",
		"A tag has a label (required) and a colour (optional).",
		"A country is identified by a code.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" FR("title", "string") "],'name':'Task','relations':[]},"
		 "{'fields':[" FRU("name", "string") "," FU("code", "string") ","
		 FR("description", "text") "],'name':'Project','relations':[]},"
		 "{'fields':[" FR("name", "string") "," FRU("email", "email") ","
		 FU("phone_number", "string") "],'name':'Customer','relations':[]},"
		 "{'fields':[" FR("label", "string") "," F("colour", "string") "],'name':'Tag',"
		 "'relations':[]},"
		 "{'fields':[" FRU("code", "string") "],'name':'Country','relations':[]}]",
		 "required and unique from the wording");
}

static void test_many_to_many(void)
{
	static const char *const s[] = {
		"Tasks can have many tags and tags many tasks.",
		"Posts are tagged with labels.",
		"A student can belong to many courses.",
		"An article belongs to a category.",
		"A category has many articles.",
		"Articles have many categories.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[],'name':'Task','relations':[" R("many_to_many", "Tag") "]},"
		 "{'fields':[],'name':'Tag','relations':[" R("many_to_many", "Task") "]},"
		 "{'fields':[],'name':'Post','relations':[" R("many_to_many", "Label") "]},"
		 "{'fields':[],'name':'Label','relations':[" R("many_to_many", "Post") "]},"
		 "{'fields':[],'name':'Student','relations':[" R("many_to_many", "Course") "]},"
		 "{'fields':[],'name':'Course','relations':[" R("many_to_many", "Student") "]},"
		 "{'fields':[],'name':'Article','relations':[" R("many_to_many", "Category") "]},"
		 "{'fields':[],'name':'Category','relations':[" R("many_to_many", "Article") "]}]",
		 "many_to_many: both ways many, tagged with, belong to many");
}

static void test_table(void)
{
	struct entity_model *m = model_of((const char *const[]){ NULL });
	int rc = 0;

	rc |= entity_model_add_field(m, "Order lines", "Quantity", "Integer", 1, 0);
	rc |= entity_model_add_field(m, "Order lines", "unit price", NULL, 1, 0);
	rc |= entity_model_add_field(m, "Order lines", "order", "Order", 1, 0);
	rc |= entity_model_add_field(m, "Order", "status", "enum(new, paid, shipped)", 0, 0);
	rc |= entity_model_add_field(m, "Order", "placedAt", "", 0, 0);
	rc |= entity_model_add_field(m, "Order", "Tags", "list of Tag", 0, 0);
	rc |= entity_model_add_field(m, "Order", "size", "Small / Medium / Large", 0, 0);
	rc |= entity_model_add_field(m, "Order", "notes", "Short text", 0, 0);
	rc |= entity_model_add_field(m, "Order", "reference", "uuid", 1, 1);
	rc |= entity_model_add_field(m, "Invoice", NULL, NULL, 0, 0);
	rc |= entity_model_add_field(m, "!!!", "x", "string", 0, 0);
	rc |= entity_model_add_field(m, "Invoice", "", "string", 0, 0);
	is_int(rc, 0, "add_field returns 0");
	is_model(m,
		 "[{'fields':[" FR("quantity", "integer") "," FR("unit_price", "money") "],"
		 "'name':'OrderLine','relations':[" R("belongs_to", "Order") "]},"
		 "{'fields':[{'name':'status','required':false,'type':'enum','unique':false,"
		 "'values':['new','paid','shipped']}," F("placed_at", "datetime") ","
		 "{'name':'size','required':false,'type':'enum','unique':false,"
		 "'values':['small','medium','large']}," F("notes", "text") ","
		 FRU("reference", "id") "],'name':'Order','relations':[" R("has_many", "OrderLine")
		 "," R("has_many", "Tag") "]},"
		 "{'fields':[],'name':'Tag','relations':[" R("belongs_to", "Order") "]},"
		 "{'fields':[],'name':'Invoice','relations':[]}]",
		 "a table of fields: declared types, references, enum values, camelCase");
}

static void test_declared_wins(void)
{
	struct entity_model *m = model_of((const char *const[]){
		"A task has a code and a due date.",
		"A task has a title and a code.",
		NULL });

	entity_model_add_field(m, "tasks", "due date", "datetime", 1, 0);
	entity_model_add_field(m, "Task", "code", NULL, 0, 1);
	add(m, "A task has a due date, which is optional.");
	is_model(m,
		 "[{'fields':[" FU("code", "string") "," FR("due_date", "datetime") ","
		 F("title", "string") "],'name':'Task','relations':[]}]",
		 "repeated mentions merge; a declared type wins; flags only turn on");
}

static void test_not_entities(void)
{
	static const char *const s[] = {
		"The system shall be fast.",
		"The application must respond within 2 seconds.",
		"Users must be able to log in with their email.",
		"As a user with admin rights, I want to see the dashboard so that the team has "
		"visibility.",
		"The page has a header and a footer.",
		"When a user has logged in, the dashboard shows the tasks.",
		"The user interface has a menu.",
		"A task does not have a budget.",
		"Admins can share a report with a colleague.",
		"The cart of a user has items.",
		NULL
	};
	is_model(model_of(s), "[]", "non-entities are ignored");
}

static void test_objects(void)
{
	struct entity_model *m = model_of((const char *const[]){
		"Users must be able to create a task with a title and a due date so that they "
		"remember what to do.",
		NULL });

	is_int(entity_model_note_object(m, "tasks"), 0, "note_object returns 0");
	entity_model_note_object(m, "Projects");
	entity_model_note_object(m, "users");
	entity_model_note_object(m, "the system");
	entity_model_note_object(m, "");
	add(m, "Admins can book a new room with a projector and a whiteboard.");
	add(m, "For each customer we must store a name, an e-mail and a date of birth.");
	is_model(m,
		 "[{'fields':[" F("title", "string") "," F("due_date", "date") "],'name':'Task',"
		 "'relations':[]},"
		 "{'fields':[],'name':'Project','relations':[]},"
		 "{'fields':[" F("projector", "string") "," F("whiteboard", "string") "],'name':'Room',"
		 "'relations':[]},"
		 "{'fields':[" FR("name", "string") "," FRU("email", "email") ","
		 FR("date_of_birth", "date") "],'name':'Customer','relations':[]}]",
		 "story objects, 'create an X with', 'for each X we store'; roles and stop nouns "
		 "left out");
}

static void test_has_one_and_pronouns(void)
{
	static const char *const s[] = {
		"An order has one invoice and exactly one name.",
		"It has a total.",
		"A department has a budget; it has many employees. An employee has a salary.",
		"A project has a name, and each task has a title and a project.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" F("name", "string") "," F("total", "money") "],'name':'Order',"
		 "'relations':[" R("has_one", "Invoice") "]},"
		 "{'fields':[],'name':'Invoice','relations':[" R("belongs_to", "Order") "]},"
		 "{'fields':[" F("budget", "money") "],'name':'Department','relations':["
		 R("has_many", "Employee") "]},"
		 "{'fields':[" F("salary", "money") "],'name':'Employee','relations':["
		 R("belongs_to", "Department") "]},"
		 "{'fields':[" F("name", "string") "],'name':'Project','relations':["
		 R("has_many", "Task") "]},"
		 "{'fields':[" F("title", "string") "],'name':'Task','relations':["
		 R("belongs_to", "Project") "]}]",
		 "has one, 'it', several statements in one sentence");
}

static void test_types(void)
{
	static const char *const s[] = {
		"An event has a start time, a creation timestamp, a website, a rating, an is_public "
		"flag, a body, a category, a capacity, a fee and a number of seats.",
		"An event contains sessions.",
		NULL
	};
	is_model(model_of(s),
		 "[{'fields':[" F("start_time", "datetime") "," F("creation_timestamp", "datetime") ","
		 F("website", "url") "," F("rating", "number") "," F("is_public_flag", "boolean") ","
		 F("body", "text") "," F("category", "enum") "," F("capacity", "integer") ","
		 F("fee", "money") "," F("number_of_seats", "integer") "],'name':'Event',"
		 "'relations':[" R("has_many", "Session") "]},"
		 "{'fields':[],'name':'Session','relations':[" R("belongs_to", "Event") "]}]",
		 "types guessed from field names; 'contains' plural is has_many");
}

static void test_roles(void)
{
	is_int(entity_is_role("user"), 1, "user is a role");
	is_int(entity_is_role("admins"), 1, "admins is a role");
	is_int(entity_is_role("warehouse manager"), 1, "warehouse manager is a role");
	is_int(entity_is_role("task"), 0, "task is not a role");
	is_int(entity_is_role(""), 0, "the empty word is not a role");
}

static void test_hostile(void)
{
	struct entity_model *m = model_of((const char *const[]){ NULL });
	static const char bin[] = "A \x01\xff\xfe task\x80 has a \xc3( title\xed\xa0\x80 and a \xf4\x90\x80\x80.";
	char *bigp;
	size_t biglen, cap = 400000;
	char name[200];
	json_t *j;

	/* empty sentence, punctuation only, binary bytes, other languages */
	add(m, "");
	add(m, "( ( ( ) ) ,,, . . . ; ; :");
	add(m, "has has has many many many of of with with");
	words_split(&w, bin, sizeof(bin) - 1);
	is_int(entity_model_add(m, &w), 0, "binary bytes: no failure");
	add(m, "Eine Aufgabe hat einen Titel und ein Fälligkeitsdatum.");
	add(m, "タスクにはタイトルがあります。");
	add(m, "Une tâche has a título and a 名前.");
	is_model(m,
		 "[{'fields':[" F("título", "string") "," F("名前", "string") "],'name':'UneTâche',"
		 "'relations':[]}]",
		 "hostile: binary bytes and other languages");

	/* a sentence of 5000 attributes: 100 fields kept */
	m = model_of((const char *const[]){ NULL });
	bigp = malloc(cap);
	if (!bigp) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	biglen = (size_t)snprintf(bigp, cap, "A task has a title");
	for (int i = 0; i < 5000 && biglen + 64 < cap; i++)
		biglen += (size_t)snprintf(bigp + biglen, cap - biglen, ", a field%d", i);
	words_split(&w, bigp, biglen);
	is_int(entity_model_add(m, &w), 0, "a very long sentence: no failure");
	j = entity_model_json(m);
	is_int((long long)json_array_size(json_object_get(json_array_get(j, 0), "fields")), 100,
	       "a very long sentence: 100 fields kept");
	json_decref(j);
	entity_model_free(m);

	/* thousands of sentences: 200 entities kept, each with its relation cap */
	m = model_of((const char *const[]){ NULL });
	for (int i = 0; i < 3000; i++) {
		snprintf(bigp, cap, "A thing%d has a name and many part%ds.", i, i % 300);
		add(m, bigp);
	}
	j = entity_model_json(m);
	is_int((long long)json_array_size(j), 200, "3000 entities named: 200 kept");
	json_decref(j);
	entity_model_free(m);

	/* names longer than 64 bytes are left out */
	m = model_of((const char *const[]){ NULL });
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(bigp, cap, "A %s has a title. A task has a %s and a name.", name, name);
	add(m, bigp);
	entity_model_add_field(m, name, "title", NULL, 0, 0);
	entity_model_note_object(m, name);
	is_model(m, "[{'fields':[" F("name", "string") "],'name':'Task','relations':[]}]",
		 "names over 64 bytes are left out");
	free(bigp);
}

static void test_deterministic(void)
{
	static const char *const s[] = {
		"A project has many tasks and a name.",
		"Each task has a title, a status (todo, doing, done) and an assignee.",
		"A comment belongs to a task and has a body.",
		"An assignee has an email.",
		NULL
	};
	struct entity_model *m1 = model_of(s), *m2 = model_of(s);
	json_t *a = entity_model_json(m1), *b = entity_model_json(m2);
	char *sa, *sb;

	entity_model_free(m1);
	entity_model_free(m2);
	sa = json_dumps(a, JSON_COMPACT);
	sb = json_dumps(b, JSON_COMPACT);
	is_str(sb, sa, "the same sentences give the same JSON");
	is_str(sa,
	       "[{\"name\":\"Project\",\"fields\":[{\"name\":\"name\",\"type\":\"string\","
	       "\"required\":false,\"unique\":false}],\"relations\":[{\"kind\":\"has_many\","
	       "\"entity\":\"Task\"}]},{\"name\":\"Task\",\"fields\":[{\"name\":\"title\","
	       "\"type\":\"string\",\"required\":false,\"unique\":false},{\"name\":\"status\","
	       "\"type\":\"enum\",\"required\":false,\"unique\":false,\"values\":[\"todo\","
	       "\"doing\",\"done\"]}],\"relations\":[{\"kind\":\"belongs_to\",\"entity\":"
	       "\"Project\"},{\"kind\":\"has_many\",\"entity\":\"Comment\"},{\"kind\":"
	       "\"belongs_to\",\"entity\":\"Assignee\"}]},{\"name\":\"Comment\",\"fields\":"
	       "[{\"name\":\"body\",\"type\":\"text\",\"required\":false,\"unique\":false}],"
	       "\"relations\":[{\"kind\":\"belongs_to\",\"entity\":\"Task\"}]},{\"name\":"
	       "\"Assignee\",\"fields\":[{\"name\":\"email\",\"type\":\"email\",\"required\":"
	       "false,\"unique\":false}],\"relations\":[{\"kind\":\"has_many\",\"entity\":"
	       "\"Task\"}]}]",
	       "keys in the order name, fields, relations; entities in order of appearance");
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	test_todo();
	test_inventory();
	test_password_reset();
	test_library();
	test_enum_values();
	test_required_unique();
	test_many_to_many();
	test_table();
	test_declared_wins();
	test_not_entities();
	test_objects();
	test_has_one_and_pronouns();
	test_types();
	test_roles();
	test_hostile();
	test_deterministic();
	words_release(&w);
	return done_testing();
}
