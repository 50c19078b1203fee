/*
 * error.c - the per-thread "why did that fail" record behind ak_error().
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"
#include "banned.h"

static _Thread_local char errmsg[1024];
static _Thread_local enum ak_exit errcode = AK_EXIT_SOFTWARE;

int ak_error(enum ak_exit code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	errcode = code;
	return -1;
}

int ak_data_error(const char *name, long line, const char *fmt, ...)
{
	char msg[sizeof(errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ak_error(AK_EXIT_DATAERR, "%s:%ld: %s", name ? name : "-", line, msg);
}

const char *ak_errmsg(void)
{
	return errmsg;
}

enum ak_exit ak_errcode(void)
{
	return errcode;
}
