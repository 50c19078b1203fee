/*
 * gitscan.h - git through libgit2: .gitignore rules for tree walks; the
 * history scan itself is scanner_scan_git (scan.h).
 */
#ifndef AK_SECSCAN_GITSCAN_H
#define AK_SECSCAN_GITSCAN_H

struct gitignore;

/* The ignore rules that apply under dir, or NULL when dir is not in a
 * git work tree (then nothing is ignored). */
struct gitignore *gitignore_open(const char *dir);
/* Whether path (relative to the dir given to gitignore_open) is ignored. */
int gitignore_match(struct gitignore *g, const char *path, int is_dir);
void gitignore_free(struct gitignore *g);

#endif
