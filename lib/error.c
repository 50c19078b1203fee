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

const char *ak_errmsg(void)
{
	return errmsg;
}

enum ak_exit ak_errcode(void)
{
	return errcode;
}
