/*
 * datadir.h - where installed data (prompts, templates) is found.
 *
 * A user's own copy wins over the installed one: first a folder named by
 * an option or the configuration, then $XDG_CONFIG_HOME/agentkit (or
 * ~/.config/agentkit), then share/agentkit beside the program's bin/ (a
 * build tree or a relocated install), then the install prefix's
 * share/agentkit.
 */
#ifndef AK_DATADIR_H
#define AK_DATADIR_H

#include "buf.h"

/*
 * Find name in sub ("prompts", "templates"): first/name (first may be
 * NULL), then the user's, the program's and the installed sub/name. The
 * path goes to out (reset first). 0, or -1 with ak_error
 * (AK_EXIT_UNAVAILABLE) saying where it looked.
 */
int datadir_find(const char *sub, const char *name, const char *first, struct buf *out);

/*
 * agentkit's cache folder, created with any missing parents (a failure to
 * create is left to the caller's open): xdg/agentkit when xdg (the value
 * of XDG_CACHE_HOME) is set, else home/.cache/agentkit, else
 * .agentkit-cache. The path goes to out (reset first). 0, or -1 with
 * ak_error when out cannot hold it.
 */
int datadir_cache(const char *xdg, const char *home, struct buf *out);

#endif
