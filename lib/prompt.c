/*
 * prompt.c - the prompt templates of the llm engine (see llm_prompt in
 * llm.h): found in the user's folders before the installed ones, split
 * into a system and a user part, and filled in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "datadir.h"
#include "error.h"
#include "llm.h"
#include "template.h"
#include "banned.h"

static int read_template(const struct config *cfg, const char *role, struct buf *text)
{
	struct buf path = BUF_INIT, name = BUF_INIT;
	int rc = -1;

	if (buf_addf(&name, "%s.md", role) == 0 &&
	    datadir_find("prompts", name.p, config_get(cfg, "llm.prompts"), &path) == 0) {
		buf_init(text, 1u << 20);
		rc = buf_read_file(text, path.p);
	}
	buf_release(&name);
	buf_release(&path);
	return rc;
}

/* The part p[0..n) of role's prompt with {{name}} filled from vars (the
 * template renderer in strict mode: an unknown name is an error). */
static int expand(const char *role, const char *part, const char *p, size_t n,
		  const json_t *vars, struct buf *out)
{
	struct tpl_options o = TPL_OPTIONS_INIT;
	struct buf name = BUF_INIT;
	int rc;

	if (buf_addf(&name, "prompt '%s' %s", role, part) < 0)
		return -1;
	o.strict = 1;
	o.name = name.p;
	buf_addstr(out, "");
	rc = tpl_render(p, n, (json_t *)vars, &o, out);
	buf_release(&name);
	return rc;
}

/* The line "marker" in text: where it starts, or NULL. */
static const char *marker_line(const char *text, const char *marker)
{
	const char *s = text;
	size_t m = strlen(marker);

	while ((s = strstr(s, marker))) {
		if ((s == text || s[-1] == '\n') && (s[m] == '\n' || s[m] == '\0'))
			return s;
		s += m;
	}
	return NULL;
}

/* What follows the marker's line. */
static const char *after_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? nl + 1 : s + strlen(s);
}

int llm_prompt(const struct config *cfg, const char *role, const json_t *vars,
	       char **system, char **user)
{
	struct buf text = BUF_INIT, sys = BUF_INIT, usr = BUF_INIT;
	const char *s, *u;
	int rc = -1;

	*system = *user = NULL;
	if (read_template(cfg, role, &text) < 0)
		return -1;
	if (!text.p)
		buf_addstr(&text, "");
	s = marker_line(text.p, "[system]");
	u = marker_line(text.p, "[user]");
	if (!s || !u || u < s) {
		ak_error(AK_EXIT_DATAERR, "prompt '%s': it needs a [system] part, then a [user] "
			 "part", role);
	} else if (expand(role, "[system]", after_line(s), (size_t)(u - after_line(s)), vars,
			  &sys) == 0 &&
		   expand(role, "[user]", after_line(u), strlen(after_line(u)), vars, &usr) == 0) {
		*system = buf_detach(&sys, NULL);
		*user = buf_detach(&usr, NULL);
		rc = 0;
	}
	buf_release(&text);
	buf_release(&sys);
	buf_release(&usr);
	return rc;
}
