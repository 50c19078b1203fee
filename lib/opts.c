/*
 * opts.c - getopt_long driven by option tables (see opts.h).
 *
 * getopt's own messages are turned off (opterr = 0) so every usage error
 * reads the same way in every program: "prog: unknown option '--x'".
 */
#include <string.h>

#include "opts.h"
#include "banned.h"

void opts_begin(struct opts *o, const char *prog, const struct opt *a, const struct opt *b,
		int argc, char **argv, int stop_at_verb)
{
	size_t n = 0, s = 0;

	memset(o, 0, sizeof(*o));
	o->prog = prog;
	o->tables[0] = a;
	o->tables[1] = b;
	o->argc = argc;
	o->argv = argv;
	/* '+': stop at the first operand; ':': report a missing argument as ':' */
	if (stop_at_verb)
		o->shortopts[s++] = '+';
	o->shortopts[s++] = ':';
	for (int t = 0; t < 2; t++)
		for (const struct opt *p = o->tables[t]; p && p->name && n < OPTS_MAX; p++) {
			o->lo[n].name = p->name;
			o->lo[n].has_arg = p->arg ? required_argument : no_argument;
			o->lo[n].flag = NULL;
			o->lo[n].val = p->key;
			n++;
			if (p->key > 0 && p->key < 256) {
				o->shortopts[s++] = (char)p->key;
				if (p->arg)
					o->shortopts[s++] = ':';
			}
		}
	o->shortopts[s] = '\0';
	optind = 0;     /* glibc: 0 also resets its internal state */
	opterr = 0;
}

int opts_next(struct opts *o, const char **arg)
{
	int k = getopt_long(o->argc, o->argv, o->shortopts, o->lo, NULL);
	const char *bad = o->argv[optind - 1];

	*arg = optarg;
	if (k == '?') {
		if (optopt)
			snprintf(o->errbuf, sizeof(o->errbuf), "unknown option '-%c'", optopt);
		else
			snprintf(o->errbuf, sizeof(o->errbuf), "unknown option '%s'", bad);
		return '?';
	}
	if (k == ':') {
		snprintf(o->errbuf, sizeof(o->errbuf), "option '%s' needs an argument", bad);
		return '?';
	}
	return k;
}

int opts_index(const struct opts *o __attribute__((unused)))
{
	return optind;
}

const char *opts_error(const struct opts *o)
{
	return o->errbuf;
}

void opts_help(FILE *fp, const struct opt *t)
{
	for (; t && t->name; t++) {
		char left[64];

		if (t->key > 0 && t->key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", t->key, t->name,
				 t->arg ? " " : "", t->arg ? t->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", t->name,
				 t->arg ? " " : "", t->arg ? t->arg : "");
		fprintf(fp, "  %-28s %s\n", left, t->help);
	}
}

void opts_list(FILE *fp, const char *prefix, const struct opt *t)
{
	for (; t && t->name; t++) {
		char shortname[4] = "";

		if (t->key > 0 && t->key < 256)
			snprintf(shortname, sizeof(shortname), "-%c", t->key);
		fprintf(fp, "%s\t--%s\t%s\t%s\t%s\n", prefix, t->name, shortname,
			t->arg ? t->arg : "", t->help);
	}
}
