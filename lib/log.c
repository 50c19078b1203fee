/*
 * log.c - stderr messages in text or JSON, and the terminal progress bar.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "error.h"
#include "log.h"
#include "banned.h"

static const char *prog = "agentkit";
static enum log_level level = LOG_LVL_INFO;
static int json_format;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_init(const char *name)
{
	prog = name;
}

const char *log_prog(void)
{
	return prog;
}

int log_set_level(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
		if (!strcmp(name, level_names[i])) {
			level = (enum log_level)i;
			return 0;
		}
	return ak_error(AK_EXIT_USAGE,
			"unknown log level '%s' (use error, warn, info or debug)", name);
}

int log_set_format(const char *name)
{
	if (!strcmp(name, "text") || !strcmp(name, "json")) {
		json_format = name[0] == 'j';
		return 0;
	}
	return ak_error(AK_EXIT_USAGE, "unknown log format '%s' (use text or json)", name);
}

int log_enabled(enum log_level l)
{
	return l <= level;
}

static void log_json(enum log_level l, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[64];
	size_t n;
	json_t *o;
	char *s;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03dZ", (int)(ts.tv_nsec / 1000000));
	o = json_pack("{s:s,s:s,s:s,s:s}", "time", when, "level", level_names[l],
		      "prog", prog, "msg", msg);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s)
		fprintf(stderr, "%s\n", s);
	free(s);
	json_decref(o);
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_format)
		log_json(l, msg);
	else if (l == LOG_LVL_WARN)
		fprintf(stderr, "%s: warning: %s\n", prog, msg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void progress_start(struct progress *pg, const char *label, uint64_t total)
{
	memset(pg, 0, sizeof(*pg));
	pg->label = label;
	pg->total = total;
	pg->active = !json_format && isatty(2);
}

static void progress_draw(struct progress *pg)
{
	if (pg->total) {
		int width = 30;
		int filled = pg->done >= pg->total ? width :
			     (int)(pg->done * (uint64_t)width / pg->total);

		fprintf(stderr, "\r%s [%-*.*s] %llu/%llu", pg->label, width, filled,
			"##############################",
			(unsigned long long)pg->done, (unsigned long long)pg->total);
	} else {
		fprintf(stderr, "\r%s %llu", pg->label, (unsigned long long)pg->done);
	}
}

void progress_update(struct progress *pg, uint64_t done)
{
	int64_t t;

	pg->done = done;
	if (!pg->active)
		return;
	t = now_ms();
	if (t - pg->last_ms < 100)
		return;
	pg->last_ms = t;
	progress_draw(pg);
}

void progress_end(struct progress *pg)
{
	if (!pg->active)
		return;
	progress_draw(pg);
	fputs("\n", stderr);
	pg->active = 0;
}
