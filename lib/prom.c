/*
 * prom.c - Prometheus instant queries (see prom.h): shared by the rollout
 * analysis and agent-monitor, so that both read Prometheus's answers the
 * same way.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "http.h"
#include "prom.h"
#include "banned.h"

const char *prom_kind_name(enum prom_kind kind)
{
	switch (kind) {
	case PROM_VALUE: return "value";
	case PROM_EMPTY: return "empty";
	case PROM_NAN: return "NaN";
	case PROM_INF: return "Inf";
	case PROM_ERROR: return "error";
	}
	return "error";
}

static void prom_fail(struct prom_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void prom_fail(struct prom_result *res, const char *fmt, ...)
{
	va_list ap;
	int n;

	res->kind = PROM_ERROR;
	res->value = NAN;
	n = snprintf(res->reason, sizeof(res->reason), "prometheus: ");
	va_start(ap, fmt);
	vsnprintf(res->reason + n, sizeof(res->reason) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A sample [time, "value"]: Prometheus writes the value as a string ("0.5",
 * "NaN", "+Inf"). Sets the kind and value of res; -1 when it is no sample. */
static int sample_value(const json_t *sample, struct prom_result *res)
{
	const json_t *x = json_array_get(sample, 1);
	const char *s;
	char *end;
	double v;

	if (json_array_size(sample) != 2)
		return -1;
	if (json_is_number(x)) {
		v = json_number_value(x);
	} else {
		s = json_string_value(x);
		if (!s || !*s)
			return -1;
		v = strtod(s, &end);
		if (*end)
			return -1;
	}
	res->value = v;
	res->kind = isnan(v) ? PROM_NAN : isinf(v) ? PROM_INF : PROM_VALUE;
	return 0;
}

void prom_parse(const char *body, size_t len, long http_status, struct prom_result *res)
{
	json_t *doc = json_loadb(body ? body : "", body ? len : 0, 0, NULL);
	const char *status = json_string_value(json_object_get(doc, "status"));
	const char *err = json_string_value(json_object_get(doc, "error"));
	const json_t *data = json_object_get(doc, "data"), *result;
	const char *type = json_string_value(json_object_get(data, "resultType"));

	memset(res, 0, sizeof(*res));
	res->kind = PROM_ERROR;
	res->value = NAN;
	result = json_object_get(data, "result");
	if (status && !strcmp(status, "error"))
		prom_fail(res, "%s", err ? err : "query failed");
	else if (http_status != 200)
		prom_fail(res, "status %ld", http_status);
	else if (!doc)
		prom_fail(res, "reply is not JSON");
	else if (!status || strcmp(status, "success") || !type)
		prom_fail(res, "unexpected reply");
	else if (!strcmp(type, "scalar")) {
		if (sample_value(result, res) < 0)
			prom_fail(res, "unexpected reply");
	} else if (strcmp(type, "vector") || !json_is_array(result))
		prom_fail(res, "result type %s, want a vector or a scalar", type);
	else if (json_array_size(result) > 1)
		prom_fail(res, "query gave %zu series, want one", json_array_size(result));
	else if (json_array_size(result) == 0)
		res->kind = PROM_EMPTY;
	else if (sample_value(json_object_get(json_array_get(result, 0), "value"), res) < 0)
		prom_fail(res, "unexpected reply");
	json_decref(doc);
}

int prom_query_url(struct buf *out, const char *base, const char *query)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	if (buf_add(out, base, n) < 0 || buf_addstr(out, "/api/v1/query?query=") < 0 ||
	    http_urlencode(out, query) < 0)
		return -1;
	return 0;
}

int prom_query(struct http_client *c, const char *base, const char *query,
	       struct prom_result *res)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf url = BUF_INIT;

	memset(res, 0, sizeof(*res));
	res->kind = PROM_ERROR;
	res->value = NAN;
	if (prom_query_url(&url, base, query) < 0) {
		buf_release(&url);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	if (http_get(c, url.p, PROM_BODY_MAX, &r) < 0) {
		if (!strcmp(r.error, "out of memory")) {
			http_response_release(&r);
			buf_release(&url);
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		}
		prom_fail(res, "%s", r.error);
	} else if (r.truncated) {
		prom_fail(res, "reply larger than %zu bytes", PROM_BODY_MAX);
	} else {
		prom_parse(r.body, r.len, r.status, res);
	}
	http_response_release(&r);
	buf_release(&url);
	return 0;
}
