/*
 * duration.h - lengths of time as people write them on a command line or
 * in a configuration file: "500ms", "90s", "10m", "2h", "7d", "1w", or a
 * bare number of seconds.
 */
#ifndef AK_DURATION_H
#define AK_DURATION_H

#include <stdint.h>

/*
 * Parse s into milliseconds. 0 with *ms set, or -1 with ak_error
 * (AK_EXIT_USAGE, "'S' is not a duration ...") for anything else, a
 * negative number or a length past a century; *ms is then unchanged.
 */
int duration_parse(const char *s, int64_t *ms);

#endif
