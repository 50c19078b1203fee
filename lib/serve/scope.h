/*
 * scope.h - what a caller of the intake API may do.
 *
 * An API key or a token carries a set of scopes: submit (POST
 * /requirements) and read (GET /requirements/{feature}). Keys write them
 * as "submit,read" (or "submit+read" in a configuration entry, where the
 * comma separates entries); tokens as a "scope" claim of space-separated
 * names or a "scopes" array.
 */
#ifndef AK_SERVE_SCOPE_H
#define AK_SERVE_SCOPE_H

#define SCOPE_SUBMIT 1u
#define SCOPE_READ   2u
#define SCOPE_ALL    (SCOPE_SUBMIT | SCOPE_READ)

#endif
