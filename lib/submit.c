/*
 * submit.c - requirement documents to events (see submit.h).
 *
 * The Markdown handled here is only what finds titles and sections: ATX
 * headings ("## Title ##"), setext headings (a line underlined with = or -),
 * and fenced code blocks, inside which nothing is a heading. The full
 * document goes on in data.text for agent-analyze to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jscan.h"
#include "submit.h"
#include "banned.h"

struct heading {
	size_t start;        /* offset of the heading line */
	size_t body;         /* offset of the line after it (after an underline) */
	int level;
	char title[200];
};

#define MAX_HEADINGS 4096

/* 1 when p[0..n) is only white space (blank lines included). */
static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static void set_title(char *dst, size_t cap, const char *p, size_t n)
{
	size_t o = 0;

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		dst[o++] = (p[i] == '\t') ? ' ' : p[i];
	/*
	 * Do not cut a UTF-8 sequence in two: when the title was cut before a
	 * continuation byte, drop the partial character (dst[i] is p[i]).
	 */
	if (o < n && ((unsigned char)p[o] & 0xc0) == 0x80) {
		while (o && ((unsigned char)dst[o - 1] & 0xc0) == 0x80)
			o--;
		if (o)
			o--;
	}
	dst[o] = '\0';
}

/* ATX heading level of the line p[0..n), or 0. */
static int atx_level(const char *p, size_t n, const char **title, size_t *tlen)
{
	size_t i = 0, lvl;

	while (i < n && i < 3 && p[i] == ' ')
		i++;
	lvl = i;
	while (i < n && p[i] == '#')
		i++;
	lvl = i - lvl;
	if (lvl < 1 || lvl > 6 || (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r'))
		return 0;
	*title = p + i;
	*tlen = n - i;
	/* drop a closing run of '#' */
	while (*tlen && ((*title)[*tlen - 1] == ' ' || (*title)[*tlen - 1] == '\r'))
		(*tlen)--;
	{
		size_t e = *tlen;

		while (e && (*title)[e - 1] == '#')
			e--;
		if (e == 0 || (*title)[e - 1] == ' ' || (*title)[e - 1] == '\t')
			*tlen = e;
	}
	return (int)lvl;
}

static int setext_level(const char *p, size_t n)
{
	size_t i = 0;
	char c;

	while (i < n && i < 3 && p[i] == ' ')
		i++;
	if (i >= n || (p[i] != '=' && p[i] != '-'))
		return 0;
	c = p[i];
	while (i < n && p[i] == c)
		i++;
	if (!blank(p + i, n - i))
		return 0;
	return c == '=' ? 1 : 2;
}

static int is_fence(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && p[i] == ' ')
		i++;
	return n - i >= 3 && (!memcmp(p + i, "```", 3) || !memcmp(p + i, "~~~", 3));
}

/* Find the headings of a Markdown text; returns how many (<= max). */
static size_t find_headings(const char *t, size_t len, struct heading *h, size_t max)
{
	size_t n = 0, pos = 0, prev = 0, prev_len = 0;
	int in_fence = 0, prev_para = 0;

	while (pos < len && n < max) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - t - pos) : len - pos;
		size_t next = nl ? pos + ll + 1 : len;
		const char *title;
		size_t tlen;
		int lvl;

		if (is_fence(t + pos, ll)) {
			in_fence = !in_fence;
			prev_para = 0;
		} else if (in_fence) {
			/* nothing in a code block is a heading */
		} else if ((lvl = atx_level(t + pos, ll, &title, &tlen))) {
			h[n].start = pos;
			h[n].body = next;
			h[n].level = lvl;
			set_title(h[n].title, sizeof(h[n].title), title, tlen);
			n++;
			prev_para = 0;
		} else if (prev_para && (lvl = setext_level(t + pos, ll)) &&
			   !(lvl == 2 && blank(t + prev, prev_len))) {
			h[n].start = prev;
			h[n].body = next;
			h[n].level = lvl;
			set_title(h[n].title, sizeof(h[n].title), t + prev, prev_len);
			n++;
			prev_para = 0;
		} else {
			prev_para = !blank(t + pos, ll) && atx_level(t + pos, ll, &title, &tlen) == 0;
		}
		prev = pos;
		prev_len = ll;
		pos = next;
	}
	return n;
}

/* The first non-blank line, without list or quote markers, as a title. */
static void first_line_title(const char *t, size_t len, char *out, size_t cap)
{
	size_t pos = 0;

	out[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - t - pos) : len - pos;
		size_t next = pos + ll + 1;   /* before ll is shortened below */
		const char *p = t + pos;

		if (!blank(p, ll)) {
			while (ll && strchr(" \t>*-+#", *p)) {
				p++;
				ll--;
			}
			if (ll > 100) {
				ll = 100;
				/* not inside a UTF-8 sequence */
				while (ll && ((unsigned char)p[ll] & 0xc0) == 0x80)
					ll--;
			}
			set_title(out, cap, p, ll);
			if (*out)
				return;
		}
		pos = next;
		if (!nl)
			break;
	}
}

const char *submit_guess_format(const char *origin, const char *text, size_t len)
{
	const char *dot = strrchr(origin, '.');
	struct heading h[1];

	if (dot && (!strcmp(dot, ".md") || !strcmp(dot, ".markdown") || !strcmp(dot, ".mdown")))
		return "markdown";
	if (dot && !strcmp(dot, ".txt"))
		return "text";
	return find_headings(text, len, h, 1) ? "markdown" : "text";
}

/* The offset of the first byte of t[0..len) that is not UTF-8, or len. */
static size_t utf8_prefix(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t n;

		if ((unsigned char)t[i] < 0x80)
			continue;
		n = jscan_utf8_len((const unsigned char *)t + i, (const unsigned char *)t + len);
		if (!n)
			return i;
		i += n - 1;
	}
	return len;
}

static int check_text(const char *origin, const char *t, size_t len)
{
	const char *z = memchr(t, '\0', len);
	size_t bad;

	if (z)
		return ak_error(AK_EXIT_DATAERR, "'%s' is not a text document (NUL byte at byte %zu)",
				origin, (size_t)(z - t) + 1);
	if ((bad = utf8_prefix(t, len)) < len)
		return ak_error(AK_EXIT_DATAERR, "'%s' is not UTF-8 (invalid byte at byte %zu)",
				origin, bad + 1);
	if (blank(t, len))
		return ak_error(AK_EXIT_DATAERR, "'%s' is empty", origin);
	return 0;
}

static json_t *make_event(struct event_ctx *ec, const char *title, const char *text, size_t len,
			  const char *format, const char *origin, int section)
{
	char fid[FEATURE_ID_MAX + 1];
	json_t *data;

	event_ctx_seed(ec, text, len);
	event_feature_id(title, text, len, fid);
	data = json_pack("{s:s,s:s%,s:s,s:s}", "title", title, "text", text, len,
			 "format", format, "origin", origin);
	if (data && section)
		json_object_set_new(data, "section", json_integer(section));
	if (!data) {
		ak_error(AK_EXIT_SOFTWARE, "out of memory");
		return NULL;
	}
	return event_new(ec, "requirement.submitted", fid, data, NULL);
}

int submit_document(struct event_ctx *ec, const char *origin, const char *text, size_t len,
		    const struct submit_opts *opts, json_t *events)
{
	const char *format = opts->format ? opts->format : submit_guess_format(origin, text, len);
	int markdown = !strcmp(format, "markdown");
	struct heading *h = NULL;
	size_t nh = 0, start = 0;
	char title[200];
	json_t *made;
	int split_level = 0, failed = 0;

	if (check_text(origin, text, len) < 0)
		return -1;
	if (opts->title && utf8_prefix(opts->title, strlen(opts->title)) < strlen(opts->title))
		return ak_error(AK_EXIT_DATAERR, "the title given for '%s' is not UTF-8", origin);
	if (markdown) {
		h = malloc(MAX_HEADINGS * sizeof(*h));
		if (!h)
			return ak_error(AK_EXIT_SOFTWARE, "out of memory");
		nh = find_headings(text, len, h, MAX_HEADINGS);
	}
	if (opts->title)
		set_title(title, sizeof(title), opts->title, strlen(opts->title));
	else if (nh)
		set_title(title, sizeof(title), h[0].title, strlen(h[0].title));
	else
		first_line_title(text, len, title, sizeof(title));
	if (!*title)
		first_line_title(text, len, title, sizeof(title));

	if (opts->split && nh) {
		int min = 7, count_min = 0;

		for (size_t i = 0; i < nh; i++)
			if (h[i].level < min)
				min = h[i].level;
		for (size_t i = 0; i < nh; i++)
			count_min += h[i].level == min;
		split_level = min;
		/*
		 * A lone document title (the first heading, the only one at its
		 * level): split below it. A lone shallow heading further down is
		 * a section like the others, or what follows it would be lost.
		 */
		if (count_min == 1 && h[0].level == min) {
			int next = 7;

			for (size_t i = 0; i < nh; i++)
				if (h[i].level > min && h[i].level < next)
					next = h[i].level;
			split_level = next < 7 ? next : 0;
		}
	}

	made = json_array();
	if (!made) {
		free(h);
		return ak_error(AK_EXIT_SOFTWARE, "out of memory");
	}
	if (!split_level) {
		failed |= json_array_append_new(made, make_event(ec, title, text, len, format, origin, 0));
	} else {
		int section = 0;
		size_t i = 0;

		/* text before the first section (beyond a lone title) is its own item */
		while (i < nh && h[i].level != split_level)
			i++;
		start = i < nh ? h[i].start : len;
		{
			size_t pre = 0;
			int has_text = 0;

			/* text around the title line, not the title alone */
			for (size_t k = 0; k < i; k++)
				if (h[k].level < split_level) {
					has_text |= !blank(text + pre, h[k].start - pre);
					pre = h[k].body;
				}
			has_text |= !blank(text + pre, start - pre);
			if (has_text)
				failed |= json_array_append_new(made, make_event(ec, title, text, start, format,
								       origin, ++section));
		}
		for (; i < nh; i++) {
			size_t end;
			size_t k;

			if (h[i].level != split_level)
				continue;
			for (k = i + 1; k < nh && h[k].level > split_level; k++)
				;
			end = k < nh ? h[k].start : len;
			failed |= json_array_append_new(made, make_event(ec, h[i].title, text + h[i].start,
							       end - h[i].start, format, origin,
							       ++section));
		}
	}
	free(h);
	if (failed) {
		json_decref(made);
		return -1;
	}
	{
		int n = (int)json_array_size(made);

		json_array_extend(events, made);
		json_decref(made);
		return n;
	}
}
