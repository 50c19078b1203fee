/*
 * words.c - splitting a sentence into words for the analysis rules.
 *
 * One pass over the bytes: letters, digits and bytes of multi-byte UTF-8
 * characters make words; an apostrophe, hyphen, dot or slash stays inside
 * a word when a word character follows it. The lowercase copies live in
 * one buffer, so a split costs two allocations at most, and none when the
 * words of the previous sentence left room.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "jscan.h"
#include "analyze/words.h"
#include "banned.h"

static int is_wordch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 || c == '_';
}

static int is_joiner(unsigned char c)
{
	return c == '\'' || c == '-' || c == '.' || c == '/';
}

static int is_punct(unsigned char c)
{
	return c == ',' || c == ';' || c == ':' || c == '(' || c == ')';
}

int words_split(struct words *w, const char *s, size_t len)
{
	size_t i = 0, used = 0;

	w->n = 0;
	/* every word's copy fits in len bytes plus one NUL per word */
	if (w->lowcap < len * 2 + 1) {
		char *nb = realloc(w->lowbuf, len * 2 + 1);
		if (!nb)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		w->lowbuf = nb;
		w->lowcap = len * 2 + 1;
	}
	while (i < len) {
		size_t start;

		while (i < len && !is_wordch((unsigned char)s[i])) {
			if (is_punct((unsigned char)s[i]) && w->n)
				w->v[w->n - 1].punct_after = 1;
			i++;
		}
		if (i >= len)
			break;
		start = i;
		while (i < len && (is_wordch((unsigned char)s[i]) ||
				   (is_joiner((unsigned char)s[i]) && i + 1 < len &&
				    is_wordch((unsigned char)s[i + 1]))))
			i++;
		if (w->n == w->alloc) {
			size_t na = w->alloc ? w->alloc * 2 : 32;
			struct word *nv = realloc(w->v, na * sizeof(*nv));
			if (!nv)
				return ak_error(AK_EXIT_SOFTWARE, "out of memory");
			w->v = nv;
			w->alloc = na;
		}
		struct word *wd = &w->v[w->n++];
		wd->p = s + start;
		wd->len = i - start;
		wd->punct_after = 0;
		wd->low = w->lowbuf + used;
		for (size_t k = start; k < i; k++) {
			unsigned char c = (unsigned char)s[k];
			w->lowbuf[used++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		w->lowbuf[used++] = '\0';
	}
	return 0;
}

void words_release(struct words *w)
{
	free(w->v);
	free(w->lowbuf);
	*w = (struct words)WORDS_INIT;
}

int words_is(const struct words *w, size_t i, const char *lit)
{
	return i < w->n && !strcmp(w->v[i].low, lit);
}

int words_listed(const char *low, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(low, *list))
			return 1;
	return 0;
}

int words_in(const struct words *w, size_t i, const char *const *list)
{
	return i < w->n && words_listed(w->v[i].low, list);
}

size_t words_phrase_at(const struct words *w, size_t i, const char *phrase)
{
	size_t k = 0;

	for (const char *p = phrase;; k++) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);

		if (i + k >= w->n || strlen(w->v[i + k].low) != n || memcmp(w->v[i + k].low, p, n))
			return 0;
		if (!sp)
			return k + 1;
		p = sp + 1;
	}
}

long words_find(const struct words *w, size_t from, const char *phrase)
{
	for (size_t i = from; i < w->n; i++)
		if (words_phrase_at(w, i, phrase))
			return (long)i;
	return -1;
}

int word_is_number(const struct word *wd)
{
	int digits = 0;

	for (size_t i = 0; i < wd->len; i++) {
		unsigned char c = (unsigned char)wd->p[i];
		if (c >= '0' && c <= '9')
			digits = 1;
		else if (!(c == '.' || c == ',' || c == ':' || c == '/'))
			return 0;
	}
	return digits;
}

static int ends(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(s + n - k, suf, k);
}

char *words_singular(const char *low, char *out, size_t cap)
{
	static const char *const keep[] = {
		"status", "news", "series", "species", "address", "access", "process",
		"class", "bus", "analysis", "basis", "canvas", "campus", "alias",
		"data", "sms", "gps", "series", "business", "progress", "success", NULL
	};
	size_t n = strlen(low);

	if (!cap)
		return out;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, low, n);
	out[n] = '\0';
	for (const char *const *k = keep; *k; k++)
		if (!strcmp(out, *k))
			return out;
	if (n > 3 && ends(out, n, "ies"))
		memcpy(out + n - 3, "y", 2);
	else if (n > 4 && (ends(out, n, "sses") || ends(out, n, "shes") ||
			   ends(out, n, "ches") || ends(out, n, "xes") || ends(out, n, "zzes")))
		out[n - 2] = '\0';
	else if (n > 3 && ends(out, n, "s") && !ends(out, n, "ss") && !ends(out, n, "us") &&
		 !ends(out, n, "is"))
		out[n - 1] = '\0';
	return out;
}

json_t *words_text_json(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	struct buf b = BUF_INIT;
	json_t *j;

	if (jscan_utf8_ok(p, n))
		return json_stringn(p, n);
	while (s < end) {
		size_t l = *s < 0x80 ? 1 : jscan_utf8_len(s, end);
		if (l ? buf_add(&b, s, l) : buf_add(&b, "\xef\xbf\xbd", 3)) {
			buf_release(&b);
			return NULL;
		}
		s += l ? l : 1;
	}
	j = json_stringn(b.p ? b.p : "", b.len);
	buf_release(&b);
	return j;
}
