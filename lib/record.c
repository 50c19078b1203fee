/*
 * record.c - storing each output batch before it is written (see record.h).
 */
#include <string.h>

#include "record.h"
#include "banned.h"

static int record_batch(void *ctx, const char *lines, size_t len)
{
	struct recorder *r = ctx;
	uint64_t inserted;
	const char *p = lines, *end = lines + len;

	if (store_append_lines(r->store, lines, len, &inserted) < 0)
		return -1;
	r->stored += inserted;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))))
		p++, r->seen++;
	if (len && lines[len - 1] != '\n')
		r->seen++;
	return 0;
}

void record_attach(struct recorder *r, struct store *s, struct out *o)
{
	r->store = s;
	r->stored = r->seen = 0;
	o->commit = record_batch;
	o->commit_ctx = r;
}
