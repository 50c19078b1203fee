/*
 * jscan.h - validate one JSON text without building it, and find its
 * top-level members.
 *
 * This is the pass-through path of every filter: an event that an agent
 * does not consume is checked (well-formed JSON per RFC 8259, UTF-8 valid,
 * nesting at most JSCAN_MAX_DEPTH, no duplicate top-level names) and its
 * top-level members located, so routing reads "type" without a document
 * being built and the line is copied out byte for byte.
 *
 * Nothing is allocated: members point into the caller's buffer, which must
 * outlive the struct jscan. Names and string values are the raw bytes
 * between the quotes; jscan_strcpy decodes escapes when needed.
 */
#ifndef AK_JSCAN_H
#define AK_JSCAN_H

#include <stddef.h>

#define JSCAN_MAX_DEPTH 512
#define JSCAN_MAX_MEMBERS 256

enum jscan_type {
	JS_NONE, JS_OBJECT, JS_ARRAY, JS_STRING, JS_NUMBER, JS_TRUE, JS_FALSE, JS_NULL
};

struct jscan_member {
	const char *key;       /* raw name bytes, without the quotes */
	size_t key_len;
	int key_escaped;       /* the raw name contains a backslash escape */
	enum jscan_type type;
	const char *val;       /* raw value; strings without their quotes */
	size_t val_len;
	int val_escaped;
};

struct jscan {
	enum jscan_type type;  /* of the whole text */
	size_t nmembers;       /* top-level members when type is JS_OBJECT */
	struct jscan_member m[JSCAN_MAX_MEMBERS];
	size_t err_off;        /* byte offset of the error */
	char err[128];         /* why the text is not accepted */
};

/*
 * Scan p[0..n). Returns 0 when the text is one valid JSON value (with
 * optional surrounding white space), -1 otherwise with js->err and
 * js->err_off set. A top-level object with more than JSCAN_MAX_MEMBERS
 * members, or with a name given twice, is refused.
 */
int jscan_parse(struct jscan *js, const char *p, size_t n);

/* The top-level member named name (escapes in names are decoded), or NULL. */
const struct jscan_member *jscan_find(const struct jscan *js, const char *name);

/*
 * Decode the string value of m into out (NUL-terminated). Returns the
 * decoded length, or -1 when m is not a string or does not fit in outlen-1
 * bytes, or decodes to a string holding a NUL.
 */
long jscan_strcpy(const struct jscan_member *m, char *out, size_t outlen);

/*
 * Decode the raw string bytes raw[0..n) (as jscan validated them, without
 * quotes) into out, which must have room for n bytes: decoding never makes
 * a string longer. Returns the decoded length. Unlike jscan_strcpy, a
 * \u0000 stays in: for data, a string is bytes. Writes no NUL terminator.
 */
size_t jscan_decode(const char *raw, size_t n, char *out);

/* 1 when p[0..n) is valid UTF-8 (see jscan_utf8_len). */
int jscan_utf8_ok(const char *p, size_t n);

/* 1 when m is a string whose decoded value equals s. */
int jscan_streq(const struct jscan_member *m, const char *s);

/*
 * Length of the valid UTF-8 sequence starting at p (whose first byte is
 * >= 0x80) and ending before end, or 0 when it is invalid: overlong forms,
 * surrogates and code points past U+10FFFF are invalid.
 */
size_t jscan_utf8_len(const unsigned char *p, const unsigned char *end);

/* "object", "string", ... */
const char *jscan_type_name(enum jscan_type t);

#endif
