/*
 * duration.c - parse "500ms", "90s", "10m", "2h", "7d", "1w" or a bare
 * number of seconds into milliseconds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
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
