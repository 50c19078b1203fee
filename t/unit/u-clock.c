/*
 * u-clock.c - unit tests for lib/clock.c: durations in every unit, a bare number
 * of seconds, zero, the century limit, and inputs that are not durations
 * (the message names them and the output is left as it was).
 */
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "error.h"
#include "tap.h"

static void good(const char *s, int64_t want)
{
	int64_t ms = -7;
	int rc = duration_parse(s, &ms);

	if (is_int(rc, 0, "'%s' parses", s))
		is_int(ms, want, "'%s' is %lld ms", s, (long long)want);
	else
		printf("# %s\n", ak_errmsg());
}

static void bad(const char *s)
{
	int64_t ms = 4242;
	char want[160];
	const char *shown = s ? s : "(null)";

	ak_error(AK_EXIT_OK, "%s", "");
	is_int(duration_parse(s, &ms), -1, "'%s' is refused", shown);
	is_int(ms, 4242, "'%s' leaves the output unchanged", shown);
	snprintf(want, sizeof(want),
		 "'%s' is not a duration (such as 500ms, 30s, 10m, 2h, 7d)", s ? s : "");
	is_str(ak_errmsg(), want, "'%s': the message names it", shown);
	is_int(ak_errcode(), AK_EXIT_USAGE, "'%s': a usage error", shown);
}

int main(void)
{
	good("500ms", 500);
	good("90s", 90000);
	good("10m", 600000);
	good("2h", 7200000);
	good("7d", 604800000);
	good("1w", 604800000);
	good("30", 30000);
	good("0", 0);
	good("0s", 0);
	good("0ms", 0);
	good("007s", 7000);
	/* the limit: a century of 365-day years, in each unit */
	good("3153600000000ms", 3153600000000LL);
	good("3153600000", 3153600000000LL);
	good("5214w", 5214LL * 7 * 86400 * 1000);

	bad("");
	bad("-1");
	bad("+1s");
	bad("10x");
	bad("1.5s");
	bad("s");
	bad(" 1s");
	bad("1s ");
	bad("1 s");
	bad("10S");
	bad("10mss");
	bad("999999999999w");
	bad("3153600001");
	bad("5215w");
	bad("99999999999999999999999ms");
	bad(NULL);
	/* the clocks: the wall clock is now, the monotonic one moves on by a sleep */
	{
		int64_t w = clock_wall_ms(), m = clock_mono_ms();

		ok(w > 1700000000000 && w < 4102444800000, "clock_wall_ms is a time of this century");
		clock_sleep_ms(20);
		ok(clock_mono_ms() - m >= 20, "clock_sleep_ms(20) sleeps at least 20 ms");
		m = clock_mono_ms();
		clock_sleep_ms(0);
		clock_sleep_ms(-5);
		ok(clock_mono_ms() - m < 1000, "clock_sleep_ms of nothing returns");
	}
	/* durations as configuration files give them */
	{
		char text[8] = "keep";
		json_t *v;

		v = json_integer(90);
		is_int(duration_text(v, text, sizeof(text)), 0, "a whole number is seconds");
		is_str(text, "90", "and becomes its digits");
		json_decref(v);
		v = json_string("10m");
		is_int(duration_text(v, text, sizeof(text)), 0, "a string is taken as it is");
		is_str(text, "10m", "word for word");
		json_decref(v);
		v = json_integer(-5);
		is_int(duration_text(v, text, sizeof(text)), -1, "a negative number is refused");
		json_decref(v);
		v = json_real(2.5);
		is_int(duration_text(v, text, sizeof(text)), -1, "a fraction is refused");
		json_decref(v);
		v = json_string("far too long a time");
		is_int(duration_text(v, text, sizeof(text)), -1, "a string longer than the room is refused");
		is_str(text, "10m", "and leaves out as it was");
		json_decref(v);
		v = json_integer(123456789);
		is_int(duration_text(v, text, sizeof(text)), -1, "a number longer than the room is refused");
		is_str(text, "10m", "and leaves out as it was too");
		json_decref(v);
		is_int(duration_text(json_true(), text, sizeof(text)), -1, "true is refused");
	}
	return done_testing();
}
