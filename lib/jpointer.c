/*
 * jpointer.c - local references ("#/a/b") into a JSON document: the
 * fragment percent-decoded, then read as an RFC 6901 JSON Pointer.
 */
#include <stdint.h>

#include "buf.h"
#include "jpointer.h"
#include "banned.h"

const json_t *jpointer_ref(const json_t *root, const char *ref, struct buf *ptr,
			  const char **why)
{
	const json_t *cur = root;
	struct buf tok = BUF_INIT;
	const char *s;

	if (ref[0] != '#') {
		*why = "is not local: only references starting with '#' are supported";
		return NULL;
	}
	for (s = ref + 1; *s; s++) {
		int hi, lo;

		if (*s != '%') {
			if (buf_addch(ptr, *s))
				goto nomem;
			continue;
		}
		hi = hex_value(s[1]);
		lo = hi < 0 ? -1 : hex_value(s[2]);
		if (lo < 0) {
			*why = "has a bad %-escape";
			return NULL;
		}
		if (buf_addch(ptr, (char)(hi * 16 + lo)))
			goto nomem;
		s += 2;
	}
	if (ptr->len && ptr->p[0] != '/') {
		*why = "uses an anchor name, which is not supported";
		return NULL;
	}
	for (size_t i = 0; cur && i < ptr->len; ) {
		size_t j = i + 1;

		buf_reset(&tok);
		for (; j < ptr->len && ptr->p[j] != '/'; j++) {
			char ch = ptr->p[j];

			if (ch == '~') {
				if (j + 1 >= ptr->len || (ptr->p[j + 1] != '0' && ptr->p[j + 1] != '1')) {
					buf_release(&tok);
					*why = "has a '~' not followed by 0 or 1";
					return NULL;
				}
				ch = ptr->p[++j] == '0' ? '~' : '/';
			}
			if (buf_addch(&tok, ch))
				goto nomem;
		}
		i = j;
		if (json_is_object(cur)) {
			cur = json_object_getn(cur, tok.p ? tok.p : "", tok.len);
		} else if (json_is_array(cur)) {
			size_t idx = 0, k;

			for (k = 0; k < tok.len && tok.p[k] >= '0' && tok.p[k] <= '9'; k++)
				idx = idx > SIZE_MAX / 10 - 1 ? SIZE_MAX : idx * 10 + (size_t)(tok.p[k] - '0');
			if (!tok.len || k < tok.len || (tok.len > 1 && tok.p[0] == '0'))
				cur = NULL;
			else
				cur = json_array_get(cur, idx);
		} else {
			cur = NULL;
		}
	}
	buf_release(&tok);
	if (!cur)
		*why = "does not resolve";
	return cur;
nomem:
	buf_release(&tok);
	*why = "cannot be resolved: out of memory";
	return NULL;
}

const json_t *jpointer_get(const json_t *root, const char *ref)
{
	struct buf ptr = BUF_INIT;
	const char *why;
	const json_t *v = root && ref ? jpointer_ref(root, ref, &ptr, &why) : NULL;

	buf_release(&ptr);
	return v;
}

const json_t *jpointer_deref(const json_t *root, const json_t *v, int max_hops, int *via)
{
	for (int hops = 0; hops <= max_hops; hops++) {
		const json_t *r = json_is_object(v) ? json_object_get(v, "$ref") : NULL;

		if (!json_is_string(r))
			return v;
		if (via)
			*via = 1;
		if (!(v = jpointer_get(root, json_string_value(r))))
			return NULL;
	}
	return NULL;
}
