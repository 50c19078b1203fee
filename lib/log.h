/*
 * log.h - messages on stderr, and a progress bar that only a terminal sees.
 *
 * stdout carries events only; everything a person reads goes through here.
 * Text format: "prog: message" (warnings "prog: warning: message"), the form
 * of STYLE.md. JSON format (--log-format json): one object per line with
 * time, level, prog and msg, for log collectors.
 */
#ifndef AK_LOG_H
#define AK_LOG_H

#include <stdint.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the program name used as prefix (borrowed; keep it alive). */
void log_init(const char *prog);
const char *log_prog(void);
/* "error", "warn", "info", "debug". 0, or -1 with ak_error(AK_EXIT_USAGE). */
int log_set_level(const char *name);
/* "text" or "json". 0, or -1 with ak_error(AK_EXIT_USAGE). */
int log_set_format(const char *name);
int log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/*
 * A progress line redrawn on stderr at most ten times a second, only when
 * stderr is a terminal and the log format is text. total 0: unknown.
 */
struct progress {
	const char *label;
	uint64_t total;
	uint64_t done;
	int64_t last_ms;
	int active;
};

void progress_start(struct progress *pg, const char *label, uint64_t total);
void progress_update(struct progress *pg, uint64_t done);
void progress_end(struct progress *pg);

#endif
