/*
 * event.c - building and checking CloudEvents (see event.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <openssl/sha.h>

#include "buf.h"
#include "error.h"
#include "event.h"
#include "banned.h"

int event_ctx_init(struct event_ctx *ec, const char *source, const char *sde)
{
	memset(ec, 0, sizeof(*ec));
	snprintf(ec->source, sizeof(ec->source), "%s", source);
	if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno || *end || v < 0 || v > 253402300799LL)
			return ak_error(AK_EXIT_USAGE,
					"SOURCE_DATE_EPOCH '%s' is not a time in seconds", sde);
		ec->deterministic = 1;
		ec->epoch_ms = (int64_t)v * 1000;
		event_ctx_seed(ec, "", 0);
	}
	return 0;
}

void event_ctx_seed(struct event_ctx *ec, const void *input, size_t len)
{
	if (!ec->deterministic)
		return;
	SHA256(input, len, ec->seed);
	ec->counter = 0;
}

void event_random(struct event_ctx *ec, void *out, size_t n)
{
	unsigned char *o = out;

	if (!ec->deterministic) {
		while (n) {
			ssize_t r = getrandom(o, n, 0);

			if (r < 0)
				continue;   /* EINTR; getrandom never fails otherwise here */
			o += r;
			n -= (size_t)r;
		}
		return;
	}
	while (n) {
		unsigned char block[32 + 8], md[32];
		size_t take = n < sizeof(md) ? n : sizeof(md);

		memcpy(block, ec->seed, 32);
		for (int i = 0; i < 8; i++)
			block[32 + i] = (unsigned char)(ec->counter >> (8 * i));
		ec->counter++;
		SHA256(block, sizeof(block), md);
		memcpy(o, md, take);
		o += take;
		n -= take;
	}
}

int64_t event_now_ms(const struct event_ctx *ec)
{
	struct timespec ts;

	if (ec->deterministic)
		return ec->epoch_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void event_uuid7(struct event_ctx *ec, char out[EVENT_ID_LEN + 1])
{
	unsigned char u[16];
	int64_t ms = event_now_ms(ec);
	uint64_t nth = ec->counter;
	char h[33];

	event_random(ec, u + 6, 10);
	/*
	 * Monotonic within the process (RFC 9562 method 1): in the same
	 * millisecond, or if the clock stepped back, the 12-bit rand_a field
	 * counts up from the last id instead of being random. In
	 * deterministic mode it counts the events of the current input, so an
	 * id depends on its input and its place among that input's events
	 * only: an agent that answers inputs out of order (--jobs) still
	 * writes the same ids.
	 */
	if (ec->deterministic) {
		ec->seq = (uint16_t)(nth & 0xfff);
	} else if (ms <= ec->last_ms) {
		ms = ec->last_ms;
		if (++ec->seq > 0xfff) {
			ms++;
			ec->seq = 0;
		}
	} else {
		ec->seq = (uint16_t)(((u[6] << 8) | u[7]) & 0x7ff);
	}
	ec->last_ms = ms;
	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)(ms >> (8 * (5 - i)));
	u[6] = (unsigned char)(0x70 | (ec->seq >> 8));
	u[7] = (unsigned char)(ec->seq & 0xff);
	u[8] = (unsigned char)(0x80 | (u[8] & 0x3f));
	hex_encode(u, 16, h);
	snprintf(out, EVENT_ID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s",
		 h, h + 8, h + 12, h + 16, h + 20);
}

void event_format_time(int64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;
	size_t n;

	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", frac);
}

static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int event_parse_time_n(const char *s, size_t len, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, off = 0, ms = 0;
	const char *p, *end = s + len;

	if (len < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (n < 3)
				ms = ms * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			ms *= 10;
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (end - p >= 6 && (*p == '+' || *p == '-')) {
		int oh, om;

		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (p != end)
		return -1;
	if (sec == 60)
		sec = 59;   /* a leap second: keep the instant inside the minute */
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) -
		(int64_t)off * 60) * 1000 + ms;
	return 0;
}

int event_parse_time(const char *s, int64_t *out)
{
	return event_parse_time_n(s, strlen(s), out);
}

int event_feature_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > FEATURE_ID_MAX || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-_.", *s)))
			return 0;
	return 1;
}

void event_feature_id(const char *title, const char *text, size_t text_len,
		      char out[FEATURE_ID_MAX + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t o = 0, last_dash = 0;
	int pending_dash = 0;
	const char *p;
	char h[65];

	for (p = title ? title : ""; *p && o < 40; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (pending_dash && o > 0) {
				if (o >= 39)
					break;   /* no room for '-' and a letter */
				last_dash = o;
				out[o++] = '-';
			}
			pending_dash = 0;
			out[o++] = c;
		} else {
			pending_dash = 1;
		}
	}
	/*
	 * Cut at a word boundary rather than mid-word when the title was long:
	 * only when the word at the limit goes on in the title.
	 */
	if (o == 40 && last_dash > 20 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					  (*p >= '0' && *p <= '9')))
		o = last_dash;
	if (o == 0) {
		memcpy(out, "feature", 7);
		o = 7;
	}
	SHA256((const unsigned char *)text, text_len, md);
	hex_encode(md, 2, h);
	out[o++] = '-';
	memcpy(out + o, h, 4);
	out[o + 4] = '\0';
}

/* 1 for '0'-'9' and 'a'-'f': every event's traceparent goes through here. */
static const unsigned char lowhex[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1,
};

static int is_lowhex(const char *s, size_t n)
{
	unsigned ok = 1, nonzero = 0;
	size_t i = 0;

#if defined(__SSE2__)
	/* sixteen at a time: c - '0' <= 9 or c - 'a' <= 5, as unsigned bytes */
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
		__m128i l = _mm_sub_epi8(v, _mm_set1_epi8('a'));
		__m128i nine = _mm_set1_epi8(9), five = _mm_set1_epi8(5);
		__m128i hex = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine),
					   _mm_cmpeq_epi8(_mm_max_epu8(l, five), five));

		ok &= _mm_movemask_epi8(hex) == 0xffff;
		nonzero |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('0'))) != 0xffff;
	}
#endif
	for (; i < n; i++) {
		ok &= lowhex[(unsigned char)s[i]];
		nonzero |= (unsigned char)s[i] ^ '0';
	}
	return ok && nonzero;
}

int event_traceparent_ok_n(const char *s, size_t n)
{
	/* 00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags> */
	return n == 55 && s[0] == '0' && s[1] == '0' && s[2] == '-' &&
	       is_lowhex(s + 3, 32) && s[35] == '-' && is_lowhex(s + 36, 16) &&
	       s[52] == '-' && (is_lowhex(s + 53, 2) || (s[53] == '0' && s[54] == '0'));
}

int event_traceparent_ok(const char *s)
{
	return event_traceparent_ok_n(s, strlen(s));
}

const char *event_attr(const json_t *ev, const char *name)
{
	return json_string_value(json_object_get(ev, name));
}

json_t *event_new(struct event_ctx *ec, const char *type, const char *subject,
		  json_t *data, const json_t *cause)
{
	char id[EVENT_ID_LEN + 1], when[32], tp[56], trace[33], span[17];
	unsigned char rnd[16];
	const char *cause_tp = cause ? event_attr(cause, "traceparent") : NULL;
	const char *cause_id = cause ? event_attr(cause, "id") : NULL;
	json_t *ev;

	event_uuid7(ec, id);
	event_format_time(event_now_ms(ec), when);
	event_random(ec, rnd, sizeof(rnd));
	if (cause_tp && event_traceparent_ok(cause_tp)) {
		memcpy(trace, cause_tp + 3, 32);
		trace[32] = '\0';
	} else {
		hex_encode(rnd, 16, trace);
	}
	event_random(ec, rnd, 8);
	rnd[0] |= 1;   /* a span id of all zeros is invalid */
	hex_encode(rnd, 8, span);
	snprintf(tp, sizeof(tp), "00-%s-%s-01", trace, span);

	ev = json_object();
	if (!ev ||
	    json_object_set_new(ev, "specversion", json_string("1.0")) ||
	    json_object_set_new(ev, "id", json_string(id)) ||
	    json_object_set_new(ev, "source", json_string(ec->source)) ||
	    json_object_set_new(ev, "type", json_string(type)) ||
	    (subject && json_object_set_new(ev, "subject", json_string(subject))) ||
	    json_object_set_new(ev, "time", json_string(when)) ||
	    (data && json_object_set_new(ev, "datacontenttype",
					 json_string("application/json"))) ||
	    (cause_id && json_object_set_new(ev, "causationid", json_string(cause_id))) ||
	    json_object_set_new(ev, "traceparent", json_string(tp)) ||
	    (data && json_object_set(ev, "data", data))) {
		json_decref(ev);
		json_decref(data);
		ak_error(AK_EXIT_SOFTWARE, "cannot build a '%s' event (invalid UTF-8 or out of memory)",
			 type);
		return NULL;
	}
	json_decref(data);
	return ev;
}

char *event_dump(const json_t *ev, size_t *len)
{
	char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!s) {
		ak_error(AK_EXIT_SOFTWARE, "cannot serialise event");
		return NULL;
	}
	if (len)
		*len = strlen(s);
	return s;
}

int event_name_ok(const char *name, size_t len)
{
	if (len < 1 || len > 20)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return 1;
}

static int bad(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return EVENT_BAD;
}

/*
 * Context attributes of CloudEvents 1.0 and what each must hold.
 * A_REQ_STR: required, a non-empty string. A_STR: optional, but a non-empty
 * string when present. A_OPT_STR: optional, any string.
 */
enum attr_rule { A_REQ_STR, A_STR, A_OPT_STR, A_TIME, A_DATA, A_DATA64, A_SPEC, A_TRACE };

enum known_attr {
	K_SPEC, K_ID, K_SOURCE, K_TYPE, K_SUBJECT, K_TIME, K_DCT, K_SCHEMA, K_DATA,
	K_DATA64, K_TRACEPARENT, K_TRACESTATE, NKNOWN
};

static const struct {
	const char *name;
	enum attr_rule rule;
} known_attrs[NKNOWN] = {
	[K_SPEC] = { "specversion", A_SPEC },
	[K_ID] = { "id", A_REQ_STR },
	[K_SOURCE] = { "source", A_REQ_STR },
	[K_TYPE] = { "type", A_REQ_STR },
	[K_SUBJECT] = { "subject", A_STR },
	[K_TIME] = { "time", A_TIME },
	[K_DCT] = { "datacontenttype", A_STR },
	[K_SCHEMA] = { "dataschema", A_STR },
	[K_DATA] = { "data", A_DATA },
	[K_DATA64] = { "data_base64", A_DATA64 },
	[K_TRACEPARENT] = { "traceparent", A_TRACE },
	[K_TRACESTATE] = { "tracestate", A_OPT_STR },
};

/*
 * Which context attribute s[0..n) names, or NKNOWN. Every attribute of
 * every event is looked up here: by length first, then compared whole.
 */
static enum known_attr known_attr(const char *s, size_t n)
{
#define IS(lit) (!memcmp(s, lit, sizeof(lit) - 1))
	switch (n) {
	case 2:
		return IS("id") ? K_ID : NKNOWN;
	case 4:
		return IS("type") ? K_TYPE : IS("time") ? K_TIME : IS("data") ? K_DATA : NKNOWN;
	case 6:
		return IS("source") ? K_SOURCE : NKNOWN;
	case 7:
		return IS("subject") ? K_SUBJECT : NKNOWN;
	case 10:
		return IS("dataschema") ? K_SCHEMA : IS("tracestate") ? K_TRACESTATE : NKNOWN;
	case 11:
		return IS("specversion") ? K_SPEC : IS("traceparent") ? K_TRACEPARENT :
		       IS("data_base64") ? K_DATA64 : NKNOWN;
	case 15:
		return IS("datacontenttype") ? K_DCT : NKNOWN;
	}
	return NKNOWN;
#undef IS
}

static void member_name(const struct jscan_member *m, char *out, size_t len)
{
	struct jscan_member k = { .type = JS_STRING, .val = m->key, .val_len = m->key_len,
				  .val_escaped = m->key_escaped };

	if (jscan_strcpy(&k, out, len) < 0) {
		/* the raw name is not NUL-terminated: show at most all of it */
		size_t n = len > 8 ? len - 8 : 0;

		if (n > m->key_len)
			n = m->key_len;
		/* and do not cut a UTF-8 sequence in two, so the reason stays text */
		while (n > 0 && n < m->key_len && ((unsigned char)m->key[n] & 0xc0) == 0x80)
			n--;
		snprintf(out, len, "%.*s...", (int)n, m->key);
	}
	/* keep messages printable */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* A member's name as a C string, for messages and for names that need decoding. */
static const char *name_of(const struct jscan_member *m, char *name, size_t len)
{
	if (m->key_escaped || m->key_len >= len) {
		member_name(m, name, len);
	} else {
		memcpy(name, m->key, m->key_len);
		name[m->key_len] = '\0';
	}
	return name;
}

/*
 * A string member's bytes: in place when written without escapes, else
 * decoded into buf. 0, or -1 when it does not fit.
 */
static int string_of(const struct jscan_member *m, char *buf, size_t len, const char **s,
		     size_t *n)
{
	long k;

	if (!m->val_escaped) {
		*s = m->val;
		*n = m->val_len;
		return 0;
	}
	if ((k = jscan_strcpy(m, buf, len)) < 0)
		return -1;
	*s = buf;
	*n = (size_t)k;
	return 0;
}

enum event_kind event_check(const struct jscan *js, char *why, size_t whylen)
{
	unsigned char kind[JSCAN_MAX_MEMBERS];
	int has[NKNOWN + 1] = { 0 };
	char name[64], val[64];
	const char *s;
	size_t n;

	if (js->type != JS_OBJECT) {
		snprintf(why, whylen, "not a JSON object but %s %s",
			 js->type == JS_ARRAY ? "an" : "a", jscan_type_name(js->type));
		return EVENT_BAD;
	}
	/* which attribute each member is (names compare decoded); jscan has
	 * refused duplicate names, so each is there at most once */
	for (size_t i = 0; i < js->nmembers; i++) {
		const struct jscan_member *m = &js->m[i];

		if (m->key_escaped || m->key_len >= sizeof(name)) {
			name_of(m, name, sizeof(name));
			kind[i] = (unsigned char)known_attr(name, strlen(name));
		} else {
			kind[i] = (unsigned char)known_attr(m->key, m->key_len);
		}
		has[kind[i]] = 1;
	}
	if (!has[K_SPEC] && !(has[K_TYPE] && has[K_SOURCE]))
		return EVENT_ITEM;

	for (size_t i = 0; i < js->nmembers; i++) {
		const struct jscan_member *m = &js->m[i];
		size_t k = kind[i];
		const char *an;

		if (k == NKNOWN) {
			name_of(m, name, sizeof(name));
			if (!event_name_ok(name, strlen(name)) || m->key_escaped)
				return bad(why, whylen,
					   "invalid attribute name '%s' (a-z and 0-9, 1 to 20 characters)",
					   name);
			if (m->type == JS_OBJECT || m->type == JS_ARRAY)
				return bad(why, whylen,
					   "extension attribute '%s' must be a string, number or boolean",
					   name);
			continue;
		}
		if (m->type == JS_NULL && known_attrs[k].rule != A_DATA &&
		    known_attrs[k].rule != A_SPEC && known_attrs[k].rule != A_REQ_STR)
			continue;   /* JSON format: null means absent for optional ones */
		/* a known name reads the same decoded: say it plainly */
		an = known_attrs[k].name;
		switch (known_attrs[k].rule) {
		case A_SPEC:
			if (!jscan_streq(m, "1.0"))
				return bad(why, whylen, "%s must be \"1.0\"", "specversion");
			break;
		case A_REQ_STR:
		case A_STR:
			if (m->type != JS_STRING)
				return bad(why, whylen, "attribute '%s' must be a string", an);
			if (m->val_len == 0)
				return bad(why, whylen, "attribute '%s' must not be empty", an);
			break;
		case A_OPT_STR:
			if (m->type != JS_STRING)
				return bad(why, whylen, "attribute '%s' must be a string", an);
			break;
		case A_TIME: {
			int64_t t;

			if (m->type != JS_STRING)
				return bad(why, whylen, "attribute '%s' must be a string", an);
			if (string_of(m, val, sizeof(val), &s, &n) < 0 ||
			    event_parse_time_n(s, n, &t) < 0)
				return bad(why, whylen, "attribute '%s' is not an RFC 3339 time", an);
			break;
		}
		case A_TRACE:
			if (m->type != JS_STRING || string_of(m, val, sizeof(val), &s, &n) < 0 ||
			    !event_traceparent_ok_n(s, n))
				return bad(why, whylen, "attribute '%s' is not a W3C traceparent", an);
			break;
		case A_DATA:
			break;
		case A_DATA64:
			if (m->type != JS_STRING)
				return bad(why, whylen, "attribute '%s' must be a string", an);
			if (has[K_DATA])
				return bad(why, whylen, "'data' and '%s' exclude each other", an);
			break;
		}
	}
	if (!has[K_SPEC])
		return bad(why, whylen, "missing required attribute '%s'", "specversion");
	if (!has[K_ID])
		return bad(why, whylen, "missing required attribute '%s'", "id");
	if (!has[K_SOURCE])
		return bad(why, whylen, "missing required attribute '%s'", "source");
	if (!has[K_TYPE])
		return bad(why, whylen, "missing required attribute '%s'", "type");
	return EVENT_EVENT;
}
