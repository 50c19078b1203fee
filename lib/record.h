/*
 * record.h - `agentctl record`: a tee from the event stream into the store.
 *
 * The recorder is the output hook of the filter loop (see out.h): every
 * batch of lines the loop is about to write is appended to the store in one
 * transaction first, so downstream sees only what is committed, and a
 * record killed at any moment leaves whole batches or nothing.
 */
#ifndef AK_RECORD_H
#define AK_RECORD_H

#include <stdint.h>

#include "out.h"
#include "store.h"

struct recorder {
	struct store *store;    /* borrowed */
	uint64_t stored;        /* events that were new */
	uint64_t seen;          /* lines handed to the store */
};

/* Hook the recorder into o, so each batch is stored before it is written. */
void record_attach(struct recorder *r, struct store *s, struct out *o);

#endif
