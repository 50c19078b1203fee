/*
 * u-event.c - unit tests for lib/event.c: RFC 3339 times both ways,
 * UUIDv7 ids (format, order, determinism under SOURCE_DATE_EPOCH), feature
 * ids (checked against an independent SHA-256), W3C traceparent, the exact
 * events event_new writes, and every reason event_check gives for refusing
 * a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "error.h"
#include "event.h"
#include "jscan.h"
#include "tap.h"

/* Milliseconds of a UTC date, by the C library rather than event.c. */
static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm) * 1000 + ms;
}

static void parses(const char *s, int64_t want)
{
	int64_t got = -12345;

	is_int(event_parse_time(s, &got), 0, "parses '%s'", s);
	is_int(got, want, "'%s': value", s);
}

static void refuses(const char *s)
{
	int64_t got = -12345;

	is_int(event_parse_time(s, &got), -1, "refuses '%s'", s);
	is_int(got, -12345, "'%s': result left alone", s);
}

/* Times of n bytes, with no NUL after them, read as the NUL-ended ones are. */
static void test_time_n(void)
{
	static const char *const cases[] = {
		"2026-11-01T00:00:00Z", "2026-11-01T00:00:00.250Z", "2026-11-01T00:00:00.1234567Z",
		"2026-11-01T00:00:00+05:30", "2026-11-01T00:00:00.5-01:00", "2026-11-01T00:00:00",
		"2026-11-01T00:00:00.Z", "2026-11-01T00:00:00+05", "2026-11-01T00:00:00Zx",
		"2026-02-29T00:00:00Z",
	};
	int wrong = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t n = strlen(cases[i]);

		/* every prefix too: each must read only its own bytes */
		for (size_t k = 0; k <= n; k++) {
			char z[64];
			char *exact = malloc(k ? k : 1);
			int64_t a = -1, b = -1;
			int ra, rb;

			memcpy(exact, cases[i], k);
			memcpy(z, cases[i], k);
			z[k] = '\0';
			ra = event_parse_time_n(exact, k, &a);
			rb = event_parse_time(z, &b);
			if (ra != rb || a != b) {
				printf("#   '%s': %d %lld against %d %lld\n", z, ra, (long long)a, rb,
				       (long long)b);
				wrong++;
			}
			free(exact);
		}
	}
	ok(!wrong, "times of n bytes read as the same text ending in a NUL");
}

static void test_time(void)
{
	static const int64_t round[] = {
		0, 1, 999, 1000, 1700000000123LL, 951782400000LL, 4107542399999LL,
		253402300799999LL, -1, -1000, -86400001,
	};
	char out[32];

	event_format_time(0, out);
	is_str(out, "1970-01-01T00:00:00.000Z", "format: the epoch");
	event_format_time(1700000000123LL, out);
	is_str(out, "2023-11-14T22:13:20.123Z", "format: milliseconds");
	event_format_time(utc_ms(2024, 2, 29, 23, 59, 59, 7), out);
	is_str(out, "2024-02-29T23:59:59.007Z", "format: Feb 29 of a leap year");
	event_format_time(-1, out);
	is_str(out, "1969-12-31T23:59:59.999Z", "format: one ms before the epoch");
	event_format_time(253402300799999LL, out);
	is_str(out, "9999-12-31T23:59:59.999Z", "format: the last ms of year 9999");

	for (size_t i = 0; i < sizeof(round) / sizeof(*round); i++) {
		int64_t back = 0;

		event_format_time(round[i], out);
		ok(event_parse_time(out, &back) == 0 && back == round[i],
		   "round trip %lld -> %s", (long long)round[i], out);
	}

	parses("2024-02-29T12:00:00Z", utc_ms(2024, 2, 29, 12, 0, 0, 0));
	parses("2000-02-29T00:00:00Z", utc_ms(2000, 2, 29, 0, 0, 0, 0));
	refuses("2023-02-29T00:00:00Z");
	refuses("1900-02-29T00:00:00Z");
	parses("2023-02-28T23:59:59.999Z", utc_ms(2023, 2, 28, 23, 59, 59, 999));
	parses("2024-01-01T05:30:00+05:30", utc_ms(2024, 1, 1, 0, 0, 0, 0));
	parses("2023-12-31T18:30:00-05:30", utc_ms(2024, 1, 1, 0, 0, 0, 0));
	parses("2024-01-01T00:00:00-00:00", utc_ms(2024, 1, 1, 0, 0, 0, 0));
	parses("2024-01-01T00:00:00+00:00", utc_ms(2024, 1, 1, 0, 0, 0, 0));
	parses("2024-01-01T00:00:00.5Z", utc_ms(2024, 1, 1, 0, 0, 0, 500));
	parses("2024-01-01T00:00:00.05Z", utc_ms(2024, 1, 1, 0, 0, 0, 50));
	parses("2024-01-01T00:00:00.123456Z", utc_ms(2024, 1, 1, 0, 0, 0, 123));
	parses("2024-01-01T00:00:00.999999999Z", utc_ms(2024, 1, 1, 0, 0, 0, 999));
	parses("2024-01-01t00:00:00z", utc_ms(2024, 1, 1, 0, 0, 0, 0));
	parses("2024-01-01 00:00:00Z", utc_ms(2024, 1, 1, 0, 0, 0, 0));
	parses("2016-12-31T23:59:60Z", utc_ms(2016, 12, 31, 23, 59, 59, 0));
	parses("1969-12-31T23:59:59.999Z", -1);
	refuses("2024-01-01T00:00:00");
	refuses("2024-01-01T00:00:00.5");
	refuses("2024-01-01T00:00:00.Z");
	refuses("2024-01-01T00:00:00+0530");
	refuses("2024-01-01T00:00:00+05");
	refuses("2024-01-01T00:00:00+24:00");
	refuses("2024-01-01T00:00:00+05:60");
	refuses("2024-01-01T00:00:00Zx");
	refuses("2024-01-01T00:00:00Z ");
	refuses("2024-01-01");
	refuses("2024-1-01T00:00:00Z");
	refuses("2024-13-01T00:00:00Z");
	refuses("2024-00-01T00:00:00Z");
	refuses("2024-04-31T00:00:00Z");
	refuses("2024-01-00T00:00:00Z");
	refuses("2024-01-01T24:00:00Z");
	refuses("2024-01-01T00:60:00Z");
	refuses("2024-01-01T00:00:61Z");
	refuses("2024-01-01X00:00:00Z");
	refuses("2024/01/01T00:00:00Z");
	refuses("");
	refuses("not a time at all!!!");
}

static int uuid_shape(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return s[14] == '7' && strchr("89ab", s[19]) != NULL;
}

static void test_uuid(void)
{
	struct event_ctx ec, ec2;
	char prev[EVENT_ID_LEN + 1], id[EVENT_ID_LEN + 1], a[EVENT_ID_LEN + 1];
	int shape = 1, order = 1;
	long long ms;

	is_int(event_ctx_init(&ec, "agentkit/t", NULL), 0, "a random context");
	ok(!ec.deterministic, "without SOURCE_DATE_EPOCH nothing is deterministic");
	event_uuid7(&ec, prev);
	ok(uuid_shape(prev), "a UUIDv7: version 7, variant 10 (%s)", prev);
	{
		char hexms[13];
		int64_t now = event_now_ms(&ec);

		memcpy(hexms, prev, 8);
		memcpy(hexms + 8, prev + 9, 4);
		hexms[12] = '\0';
		ms = strtoll(hexms, NULL, 16);
		ok(ms <= now && ms > now - 5000, "its first 48 bits are the time in ms");
	}
	for (int i = 0; i < 10000; i++) {
		event_uuid7(&ec, id);
		shape &= uuid_shape(id);
		if (strcmp(prev, id) >= 0) {
			if (order)
				printf("#   %s then %s\n", prev, id);
			order = 0;
		}
		memcpy(prev, id, sizeof(id));
	}
	ok(shape, "10,000 ids are all UUIDv7");
	ok(order, "10,000 ids increase as strings");

	/* Deterministic mode: the same seed gives the same ids. */
	is_int(event_ctx_init(&ec, "agentkit/t", "1700000000"), 0, "SOURCE_DATE_EPOCH context");
	ok(ec.deterministic && ec.epoch_ms == 1700000000000LL, "epoch in ms");
	is_int(event_now_ms(&ec), 1700000000000LL, "the clock is the epoch");
	event_ctx_init(&ec2, "agentkit/t", "1700000000");
	event_ctx_seed(&ec, "input one", 9);
	event_ctx_seed(&ec2, "input one", 9);
	event_uuid7(&ec, id);
	event_uuid7(&ec2, a);
	is_str(id, a, "same seed, same id");
	ok(uuid_shape(id) && !strncmp(id, "018bcfe5-6800-7", 15),
	   "a deterministic id starts with the epoch (%s)", id);
	event_ctx_init(&ec2, "agentkit/t", "1700000000");
	event_ctx_seed(&ec2, "input two", 9);
	event_uuid7(&ec2, a);
	ok(strcmp(id, a) != 0, "different seed, different id");
	ok(strcmp(id + 24, a + 24) != 0, "the random part differs");

	/* An id depends on its input and its place among that input's
	 * events only, not on what was generated before it. */
	event_ctx_init(&ec, "agentkit/t", "1700000000");
	event_ctx_init(&ec2, "agentkit/t", "1700000000");
	event_ctx_seed(&ec, "other", 5);
	event_uuid7(&ec, prev);
	order = shape = 1;
	for (int i = 0; i < 10000; i++) {
		event_ctx_seed(&ec, &i, sizeof(i));
		event_ctx_seed(&ec2, &i, sizeof(i));
		event_uuid7(&ec, id);
		event_uuid7(&ec, prev);
		event_uuid7(&ec2, a);
		shape &= uuid_shape(id) && uuid_shape(prev);
		order &= !strcmp(id, a) && strcmp(id, prev) != 0;
	}
	ok(shape && order, "10,000 deterministic ids are UUIDv7 and the same whatever came before");

	{
		unsigned char r1[40], r2[40];

		event_ctx_init(&ec, "agentkit/t", "1700000000");
		event_ctx_init(&ec2, "agentkit/t", "1700000000");
		event_ctx_seed(&ec, "x", 1);
		event_ctx_seed(&ec2, "x", 1);
		event_random(&ec, r1, sizeof(r1));
		event_random(&ec2, r2, sizeof(r2));
		ok(!memcmp(r1, r2, sizeof(r1)), "event_random: same seed, same bytes");
		event_random(&ec2, r2, sizeof(r2));
		ok(memcmp(r1, r2, sizeof(r1)) != 0, "event_random: the next bytes differ");
		event_ctx_seed(&ec2, "x", 1);
		event_random(&ec2, r2, sizeof(r2));
		ok(!memcmp(r1, r2, sizeof(r1)), "event_random: reseeding starts over");
	}

	is_int(event_ctx_init(&ec, "agentkit/t", "abc"), -1, "SOURCE_DATE_EPOCH 'abc' refused");
	is_int(ak_errcode(), AK_EXIT_USAGE, "as a usage error");
	is_str(ak_errmsg(), "SOURCE_DATE_EPOCH 'abc' is not a time in seconds", "message");
	is_int(event_ctx_init(&ec, "agentkit/t", "-1"), -1, "a negative epoch refused");
	is_int(event_ctx_init(&ec, "agentkit/t", "12x"), -1, "a trailing letter refused");
	is_int(event_ctx_init(&ec, "agentkit/t", "99999999999999999999"), -1,
	       "an epoch past 9999 refused");
	is_int(event_ctx_init(&ec, "agentkit/t", ""), 0, "an empty value means unset");
	ok(!ec.deterministic, "so the context is random");
	is_int(event_ctx_init(&ec, "agentkit/t", "0"), 0, "epoch 0 accepted");
	event_uuid7(&ec, id);
	ok(uuid_shape(id) && !strncmp(id, "00000000-0000-7", 15), "an id at epoch 0 (%s)", id);
}

/* "slug-" plus the first 4 hex digits of SHA-256(text), computed here. */
static const char *want_fid(const char *slug, const char *text)
{
	static char out[128];
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, strlen(text), md);
	snprintf(out, sizeof(out), "%s-%02x%02x", slug, md[0], md[1]);
	return out;
}

static int slug_ok(const char *fid)
{
	size_t n = strlen(fid) - 5;   /* without "-xxxx" */

	if (n == 0 || n > 40 || fid[0] == '-' || fid[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!((fid[i] >= 'a' && fid[i] <= 'z') || (fid[i] >= '0' && fid[i] <= '9') ||
		      fid[i] == '-'))
			return 0;
		if (fid[i] == '-' && fid[i + 1] == '-')
			return 0;
	}
	return 1;
}

static void fid(const char *title, const char *text, const char *slug)
{
	char out[FEATURE_ID_MAX + 1];

	event_feature_id(title, text, strlen(text), out);
	is_str(out, want_fid(slug, text), "feature id of '%s'", title ? title : "(null)");
	ok(slug_ok(out), "'%s' is a clean slug of at most 40 bytes", out);
}

static void test_feature_id(void)
{
	const char *text = "Users can reset their password by e-mail.";
	char out[FEATURE_ID_MAX + 1];

	fid("Password reset", text, "password-reset");
	is_str(want_fid("x", text), "x-2d98", "the test's own SHA-256 (known value)");
	event_feature_id("Password reset", text, strlen(text), out);
	is_str(out, "password-reset-2d98", "password reset: literal value");
	fid("  Hello, World!! ", "t", "hello-world");
	fid("--Already-slugged--", "t", "already-slugged");
	fid("C++ / Rust: 2 ways", "t", "c-rust-2-ways");
	fid("Caf\xc3\xa9 \xe2\x80\x94 \xc3\x9cn\xc3\xaf" "code 2.0", "t", "caf-n-code-2-0");
	fid("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "t", "feature");
	fid("", "t", "feature");
	fid(NULL, "t", "feature");
	fid("!!!", "t", "feature");
	fid("UPPER lower 123", "t", "upper-lower-123");

	/* Long titles are cut at a word boundary. */
	fid("The quick brown fox jumps over the lazy dog and then runs far away "
	    "from the farmer who keeps chasing it around the field all day long", "t",
	    "the-quick-brown-fox-jumps-over-the-lazy");
	fid("abcdefghij abcdefghij abcdefghij abcdefg", "t",
	    "abcdefghij-abcdefghij-abcdefghij-abcdefg");
	fid("abcdefghij abcdefghij abcdefghij abcdefgh", "t",
	    "abcdefghij-abcdefghij-abcdefghij");
	fid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bcd", "t",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	fid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "t",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	fid("abcdefghij abcdefghij abcdefghij abcdefghij-end", "t",
	    "abcdefghij-abcdefghij-abcdefghij");

	/* Every title of every length: always a clean slug. */
	{
		char title[128];
		int good = 1;

		for (int len = 0; len < 120; len++) {
			for (int i = 0; i < len; i++)
				title[i] = "ab c-d e!fg hij klmnop q"[(i * 7 + len) % 24];
			title[len] = '\0';
			event_feature_id(title, "t", 1, out);
			if (!slug_ok(out) && strncmp(out, "feature-", 8)) {
				printf("#   '%s' -> '%s'\n", title, out);
				good = 0;
			}
		}
		ok(good, "slugs of generated titles of 0..119 bytes are all clean");
	}

	/* The hash is of the text bytes, which may hold a NUL. */
	event_feature_id("T", "a\0b", 3, out);
	{
		unsigned char md[SHA256_DIGEST_LENGTH];
		char want[16];

		SHA256((const unsigned char *)"a\0b", 3, md);
		snprintf(want, sizeof(want), "t-%02x%02x", md[0], md[1]);
		is_str(out, want, "the hash covers text_len bytes");
	}
}

static void test_traceparent(void)
{
	static const char *const good[] = {
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
		"00-00000000000000000000000000000001-0000000000000001-ff",
	};
	static const char *const bad[] = {
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01", /* zero trace */
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", /* zero parent */
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", /* upper case */
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
		"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  /* short trace */
		"00-4bf92f3577b34da6a3ce929d0e0e47361-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  /* version */
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
		"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
		"",
		"00",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		ok(event_traceparent_ok(good[i]), "traceparent valid: %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(!event_traceparent_ok(bad[i]), "traceparent invalid: '%s'", bad[i]);

	/* a bad byte at each place of each part, in bytes without a NUL after them */
	{
		int wrong = 0;

		for (size_t i = 0; i < 55; i++) {
			for (const char *c = "g/:G@`-"; *c; c++) {
				char *tp = malloc(55);

				memcpy(tp, good[0], 55);
				if (tp[i] == *c) {
					free(tp);
					continue;
				}
				tp[i] = *c;
				if (event_traceparent_ok_n(tp, 55))
					wrong++;
				free(tp);
			}
		}
		ok(!wrong, "traceparent: a bad byte at any place is found");
		ok(event_traceparent_ok_n(good[0], 55) && !event_traceparent_ok_n(good[0], 54),
		   "traceparent of n bytes: its length counts");
	}
}

static char *dump(json_t *ev)
{
	static char buf[4096];
	char *s = event_dump(ev, NULL);

	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

static enum event_kind check_text(const char *text, char *why, size_t whylen)
{
	static struct jscan js;

	why[0] = '\0';
	if (jscan_parse(&js, text, strlen(text)) < 0) {
		snprintf(why, whylen, "(scan: %s)", js.err);
		return (enum event_kind)-2;
	}
	return event_check(&js, why, whylen);
}

static void test_new(void)
{
	struct event_ctx ec;
	json_t *a, *b, *c;
	char why[192];
	size_t len;
	char *s;

	event_ctx_init(&ec, "agentkit/t", "1700000000");
	a = event_new(&ec, "feature.tested", "password-reset-3f2a",
		      json_pack("{s:s}", "status", "pass"), NULL);
	is_str(dump(a),
	       "{\"specversion\":\"1.0\",\"id\":\"018bcfe5-6800-7000-82dc-f39f71c0226c\","
	       "\"source\":\"agentkit/t\",\"type\":\"feature.tested\","
	       "\"subject\":\"password-reset-3f2a\",\"time\":\"2023-11-14T22:13:20.000Z\","
	       "\"datacontenttype\":\"application/json\","
	       "\"traceparent\":\"00-43fd6dae047c400060be262e6d443200-d766330a7441dc72-01\","
	       "\"data\":{\"status\":\"pass\"}}",
	       "event_new: the whole event, attributes in order");
	is_int(check_text(dump(a), why, sizeof(why)), EVENT_EVENT, "and it checks as an event");

	b = event_new(&ec, "feature.x", NULL, NULL, a);
	is_str(dump(b),
	       "{\"specversion\":\"1.0\",\"id\":\"018bcfe5-6800-7003-93f8-3d7bac4a667d\","
	       "\"source\":\"agentkit/t\",\"type\":\"feature.x\","
	       "\"time\":\"2023-11-14T22:13:20.000Z\","
	       "\"causationid\":\"018bcfe5-6800-7000-82dc-f39f71c0226c\","
	       "\"traceparent\":\"00-43fd6dae047c400060be262e6d443200-c9db17b946c5a6bc-01\"}",
	       "an effect: causationid and the cause's trace id, no subject, no data");
	is_str(event_attr(b, "causationid"), event_attr(a, "id"), "causationid is the cause's id");
	ok(!strncmp(event_attr(b, "traceparent"), event_attr(a, "traceparent"), 36) &&
	   strcmp(event_attr(b, "traceparent") + 36, event_attr(a, "traceparent") + 36),
	   "same trace id, new span id");
	is_int(check_text(dump(b), why, sizeof(why)), EVENT_EVENT, "the effect checks");
	ok(event_attr(b, "subject") == NULL && event_attr(b, "data") == NULL &&
	   json_object_get(b, "datacontenttype") == NULL, "no subject, data or datacontenttype");
	is_str(event_attr(a, "type"), "feature.tested", "event_attr reads a string");
	ok(event_attr(a, "data") == NULL, "event_attr of an object is NULL");

	/* A cause with a bad traceparent starts a new trace. */
	json_object_set_new(a, "traceparent", json_string("00-bad"));
	c = event_new(&ec, "t", NULL, json_object(), a);
	ok(strncmp(event_attr(c, "traceparent"), "00-43fd6dae047c400060be262e6d443200", 35) != 0 &&
	   event_traceparent_ok(event_attr(c, "traceparent")),
	   "a cause with a bad traceparent: a new valid trace");
	is_str(event_attr(c, "causationid"), event_attr(a, "id"), "but the causationid is kept");
	json_decref(c);
	/* A cause that is not an event. */
	{
		json_t *odd = json_pack("{s:i}", "id", 5);

		c = event_new(&ec, "t", NULL, NULL, odd);
		ok(c && json_object_get(c, "causationid") == NULL,
		   "a cause without a string id gives no causationid");
		json_decref(c);
		json_decref(odd);
	}

	/* Same input, same bytes. */
	{
		struct event_ctx e1, e2;
		char s1[4096];
		json_t *x, *y;

		event_ctx_init(&e1, "agentkit/t", "1700000000");
		event_ctx_init(&e2, "agentkit/t", "1700000000");
		event_ctx_seed(&e1, "line", 4);
		event_ctx_seed(&e2, "line", 4);
		x = event_new(&e1, "t", "s", json_pack("{s:i}", "n", 1), NULL);
		y = event_new(&e2, "t", "s", json_pack("{s:i}", "n", 1), NULL);
		snprintf(s1, sizeof(s1), "%s", dump(x));
		is_str(dump(y), s1, "two contexts with the same seed: byte-identical events");
		json_decref(x);
		json_decref(y);
	}

	/* Failure: invalid UTF-8 cannot go into an event; data is still taken. */
	c = event_new(&ec, "t", "bad\xff", json_pack("{s:i}", "n", 1), NULL);
	ok(c == NULL, "event_new with a non-UTF-8 subject fails");
	is_int(ak_errcode(), AK_EXIT_SOFTWARE, "class SOFTWARE");
	is_str(ak_errmsg(), "cannot build a 't' event (invalid UTF-8 or out of memory)", "message");

	s = event_dump(a, &len);
	ok(s && len == strlen(s) && len > 100, "event_dump gives the length");
	free(s);
	json_decref(a);
	json_decref(b);
}

static void checks(const char *text, enum event_kind want, const char *why_want,
		   const char *name)
{
	char why[192];
	enum event_kind k = check_text(text, why, sizeof(why));

	is_int(k, want, "event_check: %s", name);
	if (want == EVENT_BAD)
		is_str(why, why_want, "event_check: %s: reason", name);
}

#define EV "\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\""

static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	while (p < end) {
		size_t n = *p < 0x80 ? 1 : jscan_utf8_len(p, end);

		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

static void test_check(void)
{
	char why[192], text[1024];

	checks("{" EV "}", EVENT_EVENT, NULL, "the four required attributes");
	checks("{" EV ",\"subject\":\"x\",\"time\":\"2024-01-01T00:00:00Z\","
	       "\"datacontenttype\":\"application/json\",\"dataschema\":\"https://x\","
	       "\"data\":{\"a\":[1]},\"traceparent\":"
	       "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\","
	       "\"tracestate\":\"k=v\",\"causationid\":\"9\",\"ext1\":1,\"ext2\":true,"
	       "\"ext3\":\"s\",\"abcdefghijklmnopqrst\":0}",
	       EVENT_EVENT, NULL, "every attribute and extensions");
	checks("{" EV ",\"data_base64\":\"AAEC\"}", EVENT_EVENT, NULL, "data_base64 alone");
	checks("{" EV ",\"data\":null}", EVENT_EVENT, NULL, "data null");
	checks("{\"title\":\"x\",\"text\":\"y\"}", EVENT_ITEM, NULL, "a work item");
	checks("{}", EVENT_ITEM, NULL, "an empty object is a work item");
	checks("{\"type\":\"x\"}", EVENT_ITEM, NULL, "type without source is a work item");
	checks("{\"source\":\"x\",\"Foo\":1}", EVENT_ITEM, NULL, "source alone is a work item");

	checks("[1]", EVENT_BAD, "not a JSON object but an array", "an array");
	checks("\"s\"", EVENT_BAD, "not a JSON object but a string", "a string");
	checks("1", EVENT_BAD, "not a JSON object but a number", "a number");
	checks("true", EVENT_BAD, "not a JSON object but a boolean", "a boolean");
	checks("null", EVENT_BAD, "not a JSON object but a null", "null");

	checks("{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "missing required attribute 'id'", "missing id");
	checks("{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"t\"}", EVENT_BAD,
	       "missing required attribute 'source'", "missing source");
	checks("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\"}", EVENT_BAD,
	       "missing required attribute 'type'", "missing type");
	checks("{\"id\":\"1\",\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "missing required attribute 'specversion'", "missing specversion");
	checks("{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "specversion must be \"1.0\"", "specversion 0.3");
	checks("{\"specversion\":1.0,\"id\":\"1\",\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "specversion must be \"1.0\"", "specversion as a number");
	checks("{\"specversion\":null,\"id\":\"1\",\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "specversion must be \"1.0\"", "specversion null");
	checks("{\"specversion\":\"1.0\",\"id\":\"\",\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "attribute 'id' must not be empty", "an empty id");
	checks("{\"specversion\":\"1.0\",\"id\":5,\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "attribute 'id' must be a string", "a numeric id");
	checks("{\"specversion\":\"1.0\",\"id\":null,\"source\":\"s\",\"type\":\"t\"}", EVENT_BAD,
	       "attribute 'id' must be a string", "a null id");
	checks("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":[],\"type\":\"t\"}", EVENT_BAD,
	       "attribute 'source' must be a string", "an array source");
	checks("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"\"}", EVENT_BAD,
	       "attribute 'type' must not be empty", "an empty type");
	checks("{" EV ",\"subject\":\"\"}", EVENT_BAD, "attribute 'subject' must not be empty",
	       "an empty subject");
	checks("{" EV ",\"time\":\"2023-02-29T00:00:00Z\"}", EVENT_BAD,
	       "attribute 'time' is not an RFC 3339 time", "a bad time");
	checks("{" EV ",\"time\":\"yesterday\"}", EVENT_BAD,
	       "attribute 'time' is not an RFC 3339 time", "a time in words");
	checks("{" EV ",\"time\":1700000000}", EVENT_BAD, "attribute 'time' must be a string",
	       "a numeric time");
	checks("{" EV ",\"Foo\":1}", EVENT_BAD,
	       "invalid attribute name 'Foo' (a-z and 0-9, 1 to 20 characters)",
	       "an extension name with capitals");
	checks("{" EV ",\"abcdefghijklmnopqrstu\":1}", EVENT_BAD,
	       "invalid attribute name 'abcdefghijklmnopqrstu' (a-z and 0-9, 1 to 20 characters)",
	       "a 21-character extension name");
	checks("{" EV ",\"my_ext\":1}", EVENT_BAD,
	       "invalid attribute name 'my_ext' (a-z and 0-9, 1 to 20 characters)",
	       "an underscore in an extension name");
	checks("{" EV ",\"\":1}", EVENT_BAD,
	       "invalid attribute name '' (a-z and 0-9, 1 to 20 characters)", "an empty name");
	checks("{" EV ",\"\\u0061bc\":1}", EVENT_BAD,
	       "invalid attribute name 'abc' (a-z and 0-9, 1 to 20 characters)",
	       "an extension name written with \\u");
	checks("{" EV ",\"ext\":{\"a\":1}}", EVENT_BAD,
	       "extension attribute 'ext' must be a string, number or boolean",
	       "an extension with an object value");
	checks("{" EV ",\"ext\":[1]}", EVENT_BAD,
	       "extension attribute 'ext' must be a string, number or boolean",
	       "an extension with an array value");
	checks("{" EV ",\"data\":{},\"data_base64\":\"AA==\"}", EVENT_BAD,
	       "'data' and 'data_base64' exclude each other", "data then data_base64");
	checks("{" EV ",\"data_base64\":\"AA==\",\"data\":1}", EVENT_BAD,
	       "'data' and 'data_base64' exclude each other", "data_base64 then data");
	checks("{" EV ",\"data_base64\":5}", EVENT_BAD,
	       "attribute 'data_base64' must be a string", "a numeric data_base64");
	checks("{" EV ",\"traceparent\":\"00-00000000000000000000000000000000-00f067aa0ba902b7-01\"}",
	       EVENT_BAD, "attribute 'traceparent' is not a W3C traceparent", "a zero trace id");
	checks("{" EV ",\"traceparent\":7}", EVENT_BAD,
	       "attribute 'traceparent' is not a W3C traceparent", "a numeric traceparent");
	checks("{" EV ",\"tracestate\":7}", EVENT_BAD, "attribute 'tracestate' must be a string",
	       "a numeric tracestate");

	/* null means absent for the optional attributes (CloudEvents JSON format). */
	checks("{" EV ",\"time\":null,\"subject\":null,\"datacontenttype\":null,"
	       "\"dataschema\":null,\"traceparent\":null,\"tracestate\":null,"
	       "\"data_base64\":null,\"ext\":null}",
	       EVENT_EVENT, NULL, "null optional attributes are accepted");
	checks("{" EV ",\"subject\":null}", EVENT_EVENT, NULL, "a null subject");
	checks("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"\\u0074ype\":\"t\"}",
	       EVENT_EVENT, NULL, "a required name written with \\u");

	/* A reason quoting a long name stays valid UTF-8 and short. */
	{
		char name[200] = "";

		for (int i = 0; i < 40; i++)
			memcpy(name + 3 * i, "\xe2\x82\xac", 4);
		snprintf(text, sizeof(text), "{" EV ",\"x%s\":1}", name);
		is_int(check_text(text, why, sizeof(why)), EVENT_BAD, "a long non-ASCII name");
		ok(utf8_ok(why), "the reason is valid UTF-8 (%s)", why);
		ok(strlen(why) < 150, "and bounded");
		snprintf(text, sizeof(text), "{" EV ",\"xx%s\":1}", name);
		check_text(text, why, sizeof(why));
		ok(utf8_ok(why), "also cut one byte later");
		snprintf(text, sizeof(text), "{" EV ",\"xxx%s\":1}", name);
		check_text(text, why, sizeof(why));
		ok(utf8_ok(why), "also cut two bytes later");
		{
			/* a name that does not decode: the raw name, and nothing past it */
			static const char t2[] = "{" EV ",\"a\\u0000\":1}";
			char *exact = malloc(sizeof(t2) - 1);
			struct jscan *js = malloc(sizeof(*js));

			memcpy(exact, t2, sizeof(t2) - 1);
			if (jscan_parse(js, exact, sizeof(t2) - 1) == 0) {
				is_int(event_check(js, why, sizeof(why)), EVENT_BAD,
				       "a name holding \\u0000 is refused");
				is_str(why, "invalid attribute name 'a\\u0000...' (a-z and 0-9, "
				       "1 to 20 characters)", "and quoted raw, without reading past it");
			} else {
				ok(0, "scan of a name holding \\u0000: %s", js->err);
			}
			free(exact);
			free(js);
		}
		snprintf(text, sizeof(text), "{" EV ",\"a\\n\\u0001b\":1}");
		check_text(text, why, sizeof(why));
		is_str(why, "invalid attribute name 'a??b' (a-z and 0-9, 1 to 20 characters)",
		       "control characters in a name are shown as '?'");
	}

	ok(event_name_ok("a", 1) && event_name_ok("abcdefghijklmnopqrst", 20) &&
	   event_name_ok("z9", 2), "event_name_ok: valid names");
	ok(!event_name_ok("", 0) && !event_name_ok("abcdefghijklmnopqrstu", 21) &&
	   !event_name_ok("A", 1) && !event_name_ok("a-b", 3) && !event_name_ok("a.b", 3),
	   "event_name_ok: invalid names");
}

int main(void)
{
	test_time();
	test_time_n();
	test_uuid();
	test_feature_id();
	test_traceparent();
	test_new();
	test_check();
	return done_testing();
}
