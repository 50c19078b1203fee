/*
 * deps.h - vulnerable dependencies: lockfiles read during a scan and
 * matched against the OSV advisories imported into the store.
 */
#ifndef AK_SECSCAN_DEPS_H
#define AK_SECSCAN_DEPS_H

#include "secscan/scan.h"

struct deps;

/*
 * Open the advisory database: the store named by spec, else by
 * AGENTKIT_STORE. *out is NULL (and 0 returned) when no store is
 * configured or it holds no advisories: dependencies are then not
 * checked, which a scan says in its statistics. -1 with ak_error when the
 * store cannot be opened.
 */
int deps_open(struct deps **out, const char *spec);
void deps_close(struct deps *d);

/* Check the lockfiles sc reads from now on. */
void deps_attach(struct deps *d, struct scanner *sc);

/* `agent-secscan db import`: load OSV advisories from directories or zip
 * files into the store (spec, else AGENTKIT_STORE). 0 or -1. */
int deps_import(const char *spec, int argc, char **argv);

#endif
