/*
 * yamljson.h - JSON values (jansson) as YAML documents, and back.
 *
 * yaml_emit writes a value as one block-style YAML document that any YAML
 * 1.2 reader (and, as far as quoting goes, a YAML 1.1 one) reads back as
 * the same value. yaml_parse reads one YAML document into a JSON value,
 * refusing what JSON cannot hold and bounding what hostile input can cost.
 * For every value v that yaml_emit accepts, yaml_parse of its output is
 * json_equal to v (unless a key holds a NUL character, which jansson
 * allows but yaml_parse refuses).
 *
 * (Named yamljson.h, not yaml.h, so that lib/ on the include path does not
 * hide libyaml's <yaml.h>.)
 */
#ifndef AK_YAMLJSON_H
#define AK_YAMLJSON_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"

/* Collections nested deeper than this are refused both ways. */
#define AK_YAML_MAX_DEPTH 512
/* Limits on alias expansion when reading. */
#define AK_YAML_MAX_NODES 1000000
#define AK_YAML_MAX_ALIASES 10000

/*
 * Append value (borrowed) to out as one YAML document: block style, object
 * keys in insertion order, {} and [] in flow style, numbers as JSON writes
 * them (reals with the fewest digits that read back exactly). A string is
 * written plain only when a reader takes it back as that same string;
 * otherwise it is double-quoted, or a literal block scalar ("|") when it
 * has several lines that such a scalar can hold exactly.
 *
 * Returns 0, or -1 with ak_error: AK_EXIT_DATAERR for a value nested
 * more than AK_YAML_MAX_DEPTH deep (or a cycle) or a string that is not
 * UTF-8, the buffer's own error when out reaches its limit. On failure
 * out is truncated back to what it held before the call.
 */
int yaml_emit(json_t *value, struct buf *out);

/*
 * Parse len bytes of YAML holding at most one document into a new value
 * (the caller owns it); an empty stream is null. name is used in messages.
 *
 * Plain scalars resolve by the YAML 1.2 core schema: null, ~, Null, NULL
 * and nothing are null; true and false in three casings are booleans;
 * [-+]digits, 0o octal and 0x hex are integers (int64); the other numbers
 * are reals. Quoted and block scalars are strings. The tags !!str, !!int,
 * !!float, !!bool, !!null (and !!seq, !!map, ! where they fit) are
 * honoured; any other tag is an error. Keys that are not strings become
 * their JSON text ("1", "true", "null"). Merge keys (<<) are supported;
 * explicit keys win over merged ones. Aliases are expanded into copies, so
 * the result shares nothing.
 *
 * Returns NULL with ak_error(AK_EXIT_DATAERR, "NAME:LINE:COL: reason")
 * for: a syntax error, a second document, a duplicate key, a key that is
 * a collection or holds a NUL character, an unknown tag or alias, a value
 * its tag does not allow, .inf, .nan and numbers out of range, nesting
 * deeper than AK_YAML_MAX_DEPTH, more than AK_YAML_MAX_ALIASES aliases,
 * or a document that expands to more than AK_YAML_MAX_NODES nodes.
 */
json_t *yaml_parse(const char *text, size_t len, const char *name);

#endif
