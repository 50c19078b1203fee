/*
 * u-shwords.c - splitting --run's command line into words without a shell.
 */
#include <string.h>

#include "buf.h"
#include "error.h"
#include "shwords.h"
#include "tap.h"

/* The words of s joined by '|', or "ERR: message". */
static void split(const char *s, const char *want)
{
	json_t *w = shwords_split(s), *x;
	char got[512] = "";
	size_t i, n = 0;

	if (!w) {
		snprintf(got, sizeof(got), "ERR: %s", ak_errmsg());
	} else {
		json_array_foreach(w, i, x)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i ? "|" : "",
					      json_string_value(x));
	}
	is_str(got, want, "split [%s]", s);
	json_decref(w);
}

static void expand(const char *word, const char *want)
{
	static const char *const pairs[] = {
		"environment", "staging", "weight", "10", "stable_weight", "90", "empty", "", NULL
	};
	struct buf b = BUF_INIT;

	ok(shwords_expand(&b, word, pairs) == 0, "expand [%s]", word);
	is_str(b.p ? b.p : "(null)", want, "expand [%s] gives [%s]", word, want);
	buf_release(&b);
}

int main(void)
{
	struct buf small;

	expand("{environment}", "staging");
	expand("--canary={weight}/{stable_weight}x", "--canary=10/90x");
	expand("{weight}{weight}", "1010");
	expand("{unknown} {weight", "{unknown} {weight");
	expand("{}{", "{}{");
	expand("a{empty}b", "ab");
	expand("", "");
	buf_init(&small, 4);
	ok(shwords_expand(&small, "{environment}", (const char *const[]){ "environment",
	   "staging", NULL }) < 0, "expand: a value past the buffer's limit is an error");
	buf_release(&small);

	split("make check", "make|check");
	split("  pytest   -q\ttests/ ", "pytest|-q|tests/");
	split("pytest -k 'a or b'", "pytest|-k|a or b");
	split("echo \"x \\\"y\\\" \\$z\"", "echo|x \"y\" $z");
	split("echo \"a\\nb\"", "echo|a\\nb");
	split("echo it\\'s a\\ b", "echo|it's|a b");
	split("echo ''", "echo|");
	split("a'b'\"c\"d", "abcd");
	split("make check | tee log", "ERR: '|' in 'make check | tee log' needs a shell: add --shell");
	split("echo $HOME", "ERR: '$' in 'echo $HOME' needs a shell: add --shell");
	split("a && b", "ERR: '&' in 'a && b' needs a shell: add --shell");
	split("echo 'open", "ERR: unterminated quote in 'echo 'open'");
	split("echo \"open", "ERR: unterminated quote in 'echo \"open'");
	split("   ", "ERR: no command in '   '");
	split("", "ERR: no command in ''");
	split("echo '|' \"&;\"", "echo|||&;");
	return done_testing();
}
