/*
 * u-prom.c - unit tests for lib/prom.c: the query URL, and every kind of
 * answer an instant query can give (a value, an empty vector, NaN, +Inf
 * and -Inf, a scalar) and the errors (an error status, a failing HTTP
 * status, several series, a matrix, a reply that is not JSON).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "prom.h"
#include "tap.h"

static struct prom_result parse(const char *body, long status)
{
	struct prom_result r;

	memset(&r, 0x55, sizeof(r));
	prom_parse(body, body ? strlen(body) : 0, status, &r);
	return r;
}

static void kind(const char *body, long status, enum prom_kind want, const char *what)
{
	struct prom_result r = parse(body, status);

	is_str(prom_kind_name(r.kind), prom_kind_name(want), "%s: kind", what);
	if (want != PROM_ERROR)
		is_str(r.reason, "", "%s: no reason", what);
}

static void error(const char *body, long status, const char *reason, const char *what)
{
	struct prom_result r = parse(body, status);

	is_str(prom_kind_name(r.kind), "error", "%s: an error", what);
	is_str(r.reason, reason, "%s: the reason", what);
	ok(isnan(r.value), "%s: no value", what);
}

#define VEC(v) "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":" \
	"[{\"metric\":{},\"value\":[1700000000.1,\"" v "\"]}]}}"

int main(void)
{
	struct buf b = BUF_INIT;
	struct prom_result r;

	ok(prom_query_url(&b, "http://127.0.0.1:9090//", "sum(rate(x{code=~\"5..\"}[5m])) / 2") == 0,
	   "a query URL is built");
	is_str(b.p, "http://127.0.0.1:9090/api/v1/query?query="
	       "sum%28rate%28x%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29%20%2F%202",
	       "trailing slashes go, the query is percent-encoded");
	buf_release(&b);

	r = parse(VEC("0.25"), 200);
	is_str(prom_kind_name(r.kind), "value", "one sample: a value");
	ok(r.value == 0.25, "its value is 0.25");
	r = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
		  "\"result\":[1700000000,\"42\"]}}", 200);
	is_str(prom_kind_name(r.kind), "value", "a scalar: a value");
	ok(r.value == 42, "its value is 42");
	kind("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", 200,
	     PROM_EMPTY, "an empty vector");
	ok(isnan(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
		       "\"result\":[]}}", 200).value), "an empty vector has no value");
	kind(VEC("NaN"), 200, PROM_NAN, "NaN");
	kind(VEC("+Inf"), 200, PROM_INF, "+Inf");
	r = parse(VEC("-Inf"), 200);
	is_str(prom_kind_name(r.kind), "Inf", "-Inf is Inf too");
	ok(isinf(r.value) && r.value < 0, "and keeps its sign");

	error("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}",
	      400, "prometheus: parse error at char 3", "an error status");
	error("Service Unavailable", 503, "prometheus: status 503", "a failing HTTP status");
	error("<html>", 200, "prometheus: reply is not JSON", "not JSON");
	error(NULL, 200, "prometheus: reply is not JSON", "no body");
	error("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
	      "[{\"value\":[1,\"1\"]},{\"value\":[1,\"2\"]}]}}", 200,
	      "prometheus: query gave 2 series, want one", "two series");
	error("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", 200,
	      "prometheus: result type matrix, want a vector or a scalar", "a matrix");
	error(VEC("zero"), 200, "prometheus: unexpected reply", "a value that is no number");
	error("{\"status\":\"success\"}", 200, "prometheus: unexpected reply", "no data");
	error("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1]}}", 200,
	      "prometheus: unexpected reply", "a scalar without a value");
	return done_testing();
}
