/*
 * datadir.c - find installed data, a user's copy first (see datadir.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "error.h"
#include "banned.h"

/* share/agentkit beside the directory of this program's executable. */
static int exe_datadir(struct buf *out)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return -1;
	*slash = '\0';
	return buf_addf(out, "%s/../share/agentkit", exe);
}

int datadir_find(const char *sub, const char *name, const char *first, struct buf *out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct buf dir[4] = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT };
	int found = 0;

	if (first && *first)
		buf_addstr(&dir[0], first);
	if (xdg && *xdg)
		buf_addf(&dir[1], "%s/agentkit/%s", xdg, sub);
	else if (home && *home)
		buf_addf(&dir[1], "%s/.config/agentkit/%s", home, sub);
	if (exe_datadir(&dir[2]) == 0)
		buf_addf(&dir[2], "/%s", sub);
	buf_addf(&dir[3], "%s/%s", AK_DATADIR, sub);
	for (int i = 0; i < 4 && !found; i++) {
		if (!dir[i].len)
			continue;
		buf_reset(out);
		if (buf_addf(out, "%s/%s", dir[i].p, name) == 0 && access(out->p, R_OK) == 0)
			found = 1;
	}
	for (int i = 0; i < 4; i++)
		buf_release(&dir[i]);
	if (!found)
		return ak_error(AK_EXIT_UNAVAILABLE, "no %s '%s' (looked in %s%sthe user's %s "
				"folder and %s/%s)", sub, name, first ? first : "",
				first ? ", " : "", sub, AK_DATADIR, sub);
	return 0;
}

int datadir_cache(const char *xdg, const char *home, struct buf *out)
{
	int rc;

	buf_reset(out);
	if (xdg && *xdg)
		rc = buf_addf(out, "%s/agentkit", xdg);
	else if (home && *home)
		rc = buf_addf(out, "%s/.cache/agentkit", home);
	else
		rc = buf_addstr(out, ".agentkit-cache");
	if (rc < 0)
		return -1;
	/* the parents may be missing too: ~/.cache on a fresh account */
	for (char *s = out->p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(out->p, 0700);
			*s = '/';
		}
	mkdir(out->p, 0700);
	return 0;
}
