/*
 * jpack.c - json_pack that says why it failed (see jpack.h).
 */
#include <stdarg.h>

#include "error.h"
#include "jpack.h"
#include "banned.h"

json_t *jpack(const char *fmt, ...)
{
	json_error_t err;
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	v = json_vpack_ex(&err, 0, fmt, ap);
	va_end(ap);
	if (!v)
		ak_error(AK_EXIT_SOFTWARE, "cannot build a JSON document: %s", err.text);
	return v;
}
