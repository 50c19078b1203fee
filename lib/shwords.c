/*
 * shwords.c - split a command line into words without a shell.
 */
#include <string.h>

#include "buf.h"
#include "error.h"
#include "shwords.h"
#include "banned.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Append the word in w to words and start a new one. 0, or -1 (no memory). */
static int end_word(json_t *words, struct buf *w)
{
	json_t *s = json_stringn(w->p ? w->p : "", w->len);

	buf_reset(w);
	if (!s || json_array_append_new(words, s))
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	return 0;
}

/* The quoted part from p (at the opening quote) into w; the end, or NULL. */
static const char *quoted(const char *p, struct buf *w)
{
	char q = *p++;

	for (; *p && *p != q; p++) {
		if (q == '"' && *p == '\\' && p[1] && strchr("\\\"$`", p[1]))
			p++;
		buf_addch(w, *p);
	}
	return *p ? p : NULL;
}

json_t *shwords_split(const char *s)
{
	json_t *words = json_array();
	struct buf w = BUF_INIT;
	const char *p = s;
	int in_word = 0;

	if (!words) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	for (; *p; p++) {
		if (blank(*p)) {
			if (in_word && end_word(words, &w) < 0)
				goto fail;
			in_word = 0;
			continue;
		}
		in_word = 1;
		if (*p == '\'' || *p == '"') {
			if (!(p = quoted(p, &w))) {
				ak_error(AK_EXIT_USAGE, "unterminated quote in '%s'", s);
				goto fail;
			}
		} else if (*p == '\\' && p[1]) {
			buf_addch(&w, *++p);
		} else if (strchr("|&;<>()$`", *p)) {
			ak_error(AK_EXIT_USAGE, "'%c' in '%s' needs a shell: add --shell", *p, s);
			goto fail;
		} else {
			buf_addch(&w, *p);
		}
	}
	if (in_word && end_word(words, &w) < 0)
		goto fail;
	buf_release(&w);
	if (!json_array_size(words)) {
		ak_error(AK_EXIT_USAGE, "no command in '%s'", s);
		json_decref(words);
		return NULL;
	}
	return words;
fail:
	buf_release(&w);
	json_decref(words);
	return NULL;
}

int shwords_expand(struct buf *out, const char *word, const char *const *pairs)
{
	buf_reset(out);
	for (const char *p = word; *p;) {
		const char *value = NULL;
		size_t k = 0;

		for (size_t i = 0; *p == '{' && pairs[i] && !value; i += 2) {
			k = strlen(pairs[i]);
			if (!strncmp(p + 1, pairs[i], k) && p[1 + k] == '}')
				value = pairs[i + 1];
		}
		if (value) {
			if (buf_addstr(out, value) < 0)
				return -1;
			p += k + 2;
		} else if (buf_addch(out, *p++) < 0) {
			return -1;
		}
	}
	return buf_addch(out, '\0');
}
