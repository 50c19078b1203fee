/*
 * clock.h - the two clocks, waiting, and lengths of time as people write
 * them on a command line or in a configuration file: "500ms", "90s",
 * "10m", "2h", "7d", "1w", or a bare number of seconds.
 *
 * The wall clock says when (times in events and the store); the monotonic
 * clock measures how long and sets deadlines, as it never jumps.
 */
#ifndef AK_CLOCK_H
#define AK_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/*
 * Parse s into milliseconds. 0 with *ms set, or -1 with ak_error
 * (AK_EXIT_USAGE, "'S' is not a duration ...") for anything else, a
 * negative number or a length past a century; *ms is then unchanged.
 */
int duration_parse(const char *s, int64_t *ms);

/*
 * The text of a duration as a configuration file gives it, for
 * duration_parse: a whole number of seconds (not negative) or a string,
 * written into out[0..len). 0, or -1 when v is neither or does not fit
 * (then out is unchanged); the caller says what it expected.
 */
int duration_text(const json_t *v, char *out, size_t len);

/* Milliseconds since 1970 (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

/* Milliseconds since an arbitrary point (CLOCK_MONOTONIC). */
int64_t clock_mono_ms(void);

/* Sleep ms milliseconds (nothing for ms <= 0), resuming after signals. */
void clock_sleep_ms(int64_t ms);

#endif
