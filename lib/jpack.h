/*
 * jpack.h - json_pack for code that builds large documents from format
 * strings: a failure says what went wrong (a format mistake names itself;
 * a NULL member from a failed inner pack is "NULL object"), through
 * ak_error, instead of only returning NULL.
 */
#ifndef AK_JPACK_H
#define AK_JPACK_H

#include <jansson.h>

/* json_pack(fmt, ...): a new reference, or NULL with ak_error
 * (AK_EXIT_SOFTWARE). As with json_pack, "o" members are stolen even on
 * failure. */
json_t *jpack(const char *fmt, ...);

#endif
