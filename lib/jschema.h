/*
 * jschema.h - check JSON values against a JSON Schema (a subset of draft
 * 2020-12), for replies a language model wrote to a schema we asked for.
 *
 * Understood: the boolean schemas true and false; type (a name or an array
 * of names: null, boolean, object, array, number, integer, string; a real
 * with an integral value is an integer), enum, const (numbers compare by
 * value, so 1 equals 1.0), properties, required, additionalProperties,
 * minProperties, maxProperties, prefixItems, items, minItems, maxItems,
 * uniqueItems, minLength and maxLength (in code points), pattern,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf,
 * allOf, anyOf, oneOf, not, $defs and definitions (containers only) and
 * local $ref ("#", "#/$defs/NAME" or any "#/a/b" JSON Pointer into the
 * root schema, percent- and ~0/~1-escaped).
 *
 * Annotations (title, description, default, examples, format, $schema,
 * $id, $comment, ...) and unknown keywords are ignored. Keywords of the
 * draft that would change the verdict but are not implemented
 * (patternProperties, if/then/else, contains, unevaluatedProperties, ...)
 * make the schema unusable rather than being silently skipped.
 *
 * A pattern is an ECMA-262-style regular expression run as an unanchored
 * search. It is translated to a POSIX extended expression: \d \w \s and
 * their negations, (?:...), (?<name>...), lazy quantifiers, \xHH, \uHHHH
 * and the usual escapes work, and "." and negated classes match whole
 * UTF-8 characters. Lookaround, backreferences, \b and \p{...} are refused.
 *
 * All json_t arguments are borrowed.
 */
#ifndef AK_JSCHEMA_H
#define AK_JSCHEMA_H

#include <stddef.h>
#include <jansson.h>

/* How far $ref may chain without descending into the instance. */
#define JSCHEMA_MAX_REF_DEPTH 64
/* How deep validation follows the instance's nesting. */
#define JSCHEMA_MAX_DEPTH 256
/* The most bytes of instance text one error message repeats. */
#define JSCHEMA_MAX_ECHO 60

/*
 * Check that schema uses only what jschema_validate applies correctly.
 * Returns 0, or -1 with ak_error(AK_EXIT_DATAERR, "schema POINTER: why"),
 * POINTER being the JSON Pointer of the bad part within the schema: a
 * $ref that does not resolve or loops, an unknown type name, a pattern
 * that does not compile, a count that is not a non-negative integer, an
 * unsupported keyword... (AK_EXIT_SOFTWARE when out of memory.)
 */
int jschema_check(const json_t *schema);

/*
 * Validate instance against schema (checked with jschema_check first).
 *
 * Returns 0 when valid, 1 when not, -1 with ak_error when the schema
 * cannot be applied. When invalid and errors (a JSON array) is not NULL,
 * up to max_errors strings "POINTER: message" are appended to it; POINTER
 * is the RFC 6901 JSON Pointer of the place in the instance, "/" for the
 * root: "/stories/0/role: expected a string, got a number". On -1, errors
 * may hold messages already appended.
 *
 * Messages are plain English and deterministic: properties and required
 * in schema order, additional properties in instance order. None repeats
 * more than JSCHEMA_MAX_ECHO bytes of instance text; longer property
 * names and values are cut and end in "...". anyOf and oneOf failures
 * give one summary message, not the errors of each alternative.
 */
int jschema_validate(const json_t *schema, const json_t *instance,
		     json_t *errors, size_t max_errors);

#endif
