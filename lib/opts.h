/*
 * opts.h - option tables: one description of a program's options gives its
 * parser (getopt_long underneath), its --help text and the listing that
 * scripts/gen-completions turns into bash, zsh and fish completions.
 */
#ifndef AK_OPTS_H
#define AK_OPTS_H

#include <getopt.h>
#include <stdio.h>

struct opt {
	const char *name;    /* long name without "--" */
	int key;             /* a short option letter, or a value >= 256 */
	const char *arg;     /* argument name in help ("DIR"), NULL for a flag */
	const char *help;    /* one line */
};

#define OPT_END { NULL, 0, NULL, NULL }
#define OPTS_MAX 64

struct opts {
	const char *prog;
	const struct opt *tables[2];
	struct option lo[OPTS_MAX + 1];
	char shortopts[OPTS_MAX * 2 + 2];
	int argc;
	char **argv;
	char errbuf[160];
};

/*
 * Prepare to parse argv with the options of tables a and b (b may be NULL).
 * stop_at_verb: stop at the first non-option (for a program with verbs),
 * otherwise options and operands may mix. Parsing starts at argv[1].
 */
void opts_begin(struct opts *o, const char *prog, const struct opt *a, const struct opt *b,
		int argc, char **argv, int stop_at_verb);

/*
 * The next option: its key (with *arg set for an option that takes one),
 * -1 when the options are over (operands start at opts_index()), or '?'
 * after a usage error, whose message opts_error() gives.
 */
int opts_next(struct opts *o, const char **arg);
int opts_index(const struct opts *o);
const char *opts_error(const struct opts *o);

/* Print the options of a table as --help lines. */
void opts_help(FILE *fp, const struct opt *t);

/* Print "PREFIX\t--name\t-k\tARG\thelp" lines for gen-completions. */
void opts_list(FILE *fp, const char *prefix, const struct opt *t);

#endif
