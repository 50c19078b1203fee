/*
 * prom.h - Prometheus instant queries: the /api/v1/query URL, the GET, and
 * the answer read as one number.
 *
 * An instant query answers a scalar, or a vector of samples. A caller that
 * wants one number takes a scalar, or a vector holding exactly one sample;
 * an empty vector, a NaN and an infinite value are told apart from a value,
 * because each means something different to a caller (no data, a division
 * by zero, a quantile in the +Inf bucket). Anything else (no answer, an
 * error status, a matrix, several series, a reply that is not JSON) is an
 * error with a reason.
 */
#ifndef AK_PROM_H
#define AK_PROM_H

#include <stddef.h>

struct buf;
struct http_client;

enum prom_kind {
	PROM_VALUE,   /* one finite number */
	PROM_EMPTY,   /* an empty vector: no data; value is NAN */
	PROM_NAN,     /* the sample is NaN */
	PROM_INF,     /* the sample is +Inf or -Inf; value holds it */
	PROM_ERROR,   /* no usable answer; reason says why, value is NAN */
};

/* Replies larger than this are an error, not read further. */
#define PROM_BODY_MAX ((size_t)4 * 1024 * 1024)

struct prom_result {
	enum prom_kind kind;
	double value;
	char reason[160];   /* "" unless kind is PROM_ERROR: "prometheus: ..." */
};

/* "value", "empty", "NaN", "Inf", "error" (static). */
const char *prom_kind_name(enum prom_kind kind);

/*
 * Append to out the instant-query URL of query against the server at base
 * ("http://host:9090", trailing slashes ignored): base/api/v1/query?query=
 * with the query percent-encoded. 0, or -1 with ak_error when out is full
 * or memory ran out (out may then hold part of the URL).
 */
int prom_query_url(struct buf *out, const char *base, const char *query);

/*
 * Read a reply (body[0..len), with HTTP status http_status) into res,
 * which is overwritten. Never fails: what cannot be read is PROM_ERROR.
 */
void prom_parse(const char *body, size_t len, long http_status, struct prom_result *res);

/*
 * Run query against base with client c (borrowed) and read the answer into
 * res (overwritten). A server that cannot be reached, a reply larger than
 * PROM_BODY_MAX and a reply that is not one number are PROM_ERROR in res,
 * not a failure: -1 (with ak_error) only when memory ran out.
 */
int prom_query(struct http_client *c, const char *base, const char *query,
	       struct prom_result *res);

#endif
