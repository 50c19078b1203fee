/*
 * intake.h - the body of POST /requirements, read into a document, and
 * what makes a retried request recognisable.
 *
 * A request carries either a JSON object ({"text", "title", "format",
 * "split"}) or the document itself as text/markdown or text/plain. The
 * answer to a bad body is an HTTP status with a one-line reason, so the
 * server can put both into a problem document as they are. An
 * Idempotency-Key turns into event ids that do not change between
 * retries, and a digest of the request tells a retry from a different
 * request sent under the same key.
 */
#ifndef AK_SERVE_INTAKE_H
#define AK_SERVE_INTAKE_H

#include <stddef.h>

/* JSON bodies nested deeper than this are refused before being parsed. */
#define INTAKE_MAX_DEPTH 16
/* The longest title, in bytes. */
#define INTAKE_MAX_TITLE 512
/*
 * A ceiling on any body, whatever --max-body says: longer ones get 413.
 * The server enforces its own, usually much smaller, limit first.
 */
#define INTAKE_MAX_LEN ((size_t)256 << 20)
/* The longest Idempotency-Key, in bytes. */
#define INTAKE_MAX_KEY 255

struct intake_doc {
	char *title;          /* NULL when the request gave none */
	char *text;           /* NUL-terminated, holds no NUL of its own */
	size_t text_len;
	const char *format;   /* "markdown", "text", or NULL to guess (static) */
	int split;
};

#define INTAKE_DOC_INIT { NULL, NULL, 0, NULL, 0 }

/* Free the title and text and reset d to INTAKE_DOC_INIT; d may be empty. */
void intake_doc_release(struct intake_doc *d);

/*
 * Read the request body body[0..len), sent with the Content-Type header
 * content_type (NULL when absent), into doc, whose title and text are new
 * strings the caller frees with intake_doc_release.
 *
 * The media type and parameter names are compared without regard to case;
 * a charset parameter must be utf-8 or us-ascii. application/json must be
 * an object with "text" (a non-empty string) and optionally "title" (a
 * non-empty string of at most INTAKE_MAX_TITLE bytes without control
 * characters), "format" ("markdown" or "text") and "split" (a boolean).
 * text/markdown and text/plain bodies are the document (format "markdown"
 * or "text").
 *
 * Returns 0, or the HTTP status to answer with a one-line lowercase reason
 * in detail[0..dlen) (always NUL-terminated when dlen > 0):
 *   400  malformed Content-Type, empty body, body not UTF-8 or holding a
 *        NUL byte, JSON that does not parse, nests deeper than
 *        INTAKE_MAX_DEPTH, repeats a member name or has a \u0000 string
 *   413  body longer than INTAKE_MAX_LEN
 *   415  missing or other media type, or another charset
 *   500  out of memory
 *   422  JSON that is not an object, lacks "text", has members of the
 *        wrong type or value, or members other than the four above
 * On failure doc is left as INTAKE_DOC_INIT. ak_error is not touched.
 */
int intake_parse(const char *content_type, const char *body, size_t len,
		 struct intake_doc *doc, char *detail, size_t dlen);

/*
 * 1 when key (an Idempotency-Key header value) is 1 to INTAKE_MAX_KEY
 * bytes of visible ASCII (0x21 to 0x7e), with spaces allowed only between
 * them; 0 otherwise, and for NULL.
 */
int intake_idempotency_key_ok(const char *key);

/*
 * The id of the index-th event made for a request: a UUID in text form
 * (36 characters and a NUL, lowercase hex) built from the first 16 bytes
 * of SHA-256(principal "\0" key "\0" decimal index), with version 8 and
 * the RFC 9562 variant bits. The same three inputs always give the same
 * id. NULL principal or key count as "".
 */
void intake_event_id(const char *principal, const char *key, unsigned index, char out[37]);

/*
 * The lowercase hex SHA-256 of content_type (as sent; NULL counts as ""),
 * a NUL byte, and body[0..len): two requests under one Idempotency-Key
 * with different digests are different requests.
 */
void intake_digest(const char *content_type, const char *body, size_t len, char out[65]);

#endif
