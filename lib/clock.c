/*
 * clock.c - the wall and monotonic clocks in milliseconds, sleeping, and
 * "500ms", "90s", "10m", "2h", "7d", "1w" or a bare number of seconds
 * parsed into milliseconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "error.h"
#include "banned.h"

int duration_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char *suffix;
		int64_t ms;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h", 3600 * 1000 }, { "d", 86400 * 1000 }, { "w", 7 * 86400 * 1000LL },
	};
	char *end;
	long long n;

	if (!s || *s < '0' || *s > '9')
		goto bad;
	n = strtoll(s, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		/* a century is longer than anything worth waiting for */
		if (n > 100LL * 365 * 86400 * 1000 / units[i].ms)
			goto bad;
		*ms = n * units[i].ms;
		return 0;
	}
bad:
	return ak_error(AK_EXIT_USAGE, "'%s' is not a duration (such as 500ms, 30s, 10m, 2h, 7d)",
			s ? s : "");
}

static int64_t ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int duration_text(const json_t *v, char *out, size_t len)
{
	char num[24];
	const char *s;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
	} else {
		return -1;
	}
	/* out is written only when the whole text fits */
	if (strlen(s) >= len)
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int64_t clock_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

int64_t clock_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

void clock_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
