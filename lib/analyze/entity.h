/*
 * entity.h - the domain model that requirement sentences describe.
 *
 * The rules engine reads every requirement sentence for the things the
 * product keeps and what it knows about them: "a task has a title, a due
 * date and a priority (low, medium or high)" gives an entity Task with the
 * fields title (string), due_date (date) and priority (an enum of low,
 * medium and high); "a project has many tasks" relates Project and Task;
 * "each user has a unique email address" makes a field unique. Tables of
 * fields and the objects of story goals ("create a task") add to the same
 * model. Names are normalised: entities are singular PascalCase
 * ("order lines" -> OrderLine), fields snake_case ("due date" -> due_date).
 *
 * The model is bounded whatever the input: at most 200 entities, 100
 * fields and 50 relations each, 16 values per enum, names of at most 64
 * bytes; what does not fit is left out. Everything is deterministic: the
 * same calls in the same order give the same JSON.
 */
#ifndef AK_ANALYZE_ENTITY_H
#define AK_ANALYZE_ENTITY_H

#include <jansson.h>

#include "analyze/words.h"

struct entity_model;

/* An empty model, or NULL with ak_error on ENOMEM. */
struct entity_model *entity_model_new(void);

/* Free m and everything in it; NULL is fine. */
void entity_model_free(struct entity_model *m);

/*
 * Learn from one requirement sentence w (split with words_split; the text
 * it points into is only read during the call). Several sentences in one
 * call are fine: ". ! ? ;" end a statement. Returns 0, or -1 with ak_error
 * on ENOMEM (what was learnt before the failure stays).
 */
int entity_model_add(struct entity_model *m, const struct words *w);

/*
 * Declare entity (as written: any case, singular or plural, "Order lines"
 * or "OrderLine") and, unless field is NULL, one of its fields, as a table
 * of fields does. type may be NULL or unknown: then it is guessed from the
 * field name; a type naming another entity ("Project", "list of Tag")
 * makes a relation instead of a field; "enum: low, high" or "low | high"
 * gives an enum with values. required and unique are 0 or 1; a declared
 * type wins over a guessed one, required and unique only ever turn on.
 * The entity is kept even without fields. Returns 0 (also for names with
 * nothing usable in them), or -1 with ak_error on ENOMEM.
 */
int entity_model_add_field(struct entity_model *m, const char *entity, const char *field,
			   const char *type, int required, int unique);

/*
 * Note noun, the object of an action in a story goal ("tasks" in "create
 * tasks"), so that it becomes an entity even without fields. Stop nouns
 * (system, page, data, ...) are ignored, and so are roles (user, admin,
 * ...) until they get fields or relations. Returns 0, or -1 with ak_error
 * on ENOMEM.
 */
int entity_model_note_object(struct entity_model *m, const char *noun);

/*
 * The model as the "entities" array of the analysis object: a new
 * reference, or NULL with ak_error on ENOMEM. Entities come in the order
 * they first appeared, each {"name", "fields", "relations"}; a field is
 * {"name", "type", "required", "unique"} plus "values" for an enum whose
 * values are known; a relation is {"kind", "entity"} with kind one of
 * has_many, belongs_to, has_one, many_to_many. No id field is made up.
 */
json_t *entity_model_json(const struct entity_model *m);

/*
 * 1 when the lowercase word or noun phrase low names an actor rather than
 * a thing: user, admin, customer, manager, "warehouse manager", "users".
 * Roles only become entities when something is said about them.
 */
int entity_is_role(const char *low);

#endif
