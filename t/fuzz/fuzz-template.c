/*
 * fuzz-template.c - libFuzzer target for the mustache subset of the code
 * generators (lib/template.c).
 *
 * The input is a template, a NUL byte and a JSON view (without a NUL, the
 * whole input is the template and a fixed view is used). The template is
 * rendered in every escape mode, every other one strict, into a buffer of
 * 64 KiB, with every partial (but "missing") loading the template itself,
 * so recursion runs into the depth limit.
 * Checks: a template without "{{" renders to itself; the escape modes
 * leave no character of the target language unescaped, and JSON escaping
 * reads back as the same string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "template.h"

#define OUT_LIMIT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_view[] =
	"{\"title\":\"Task <board> & \\\"co\\\" 'x' `y` $z \\\\ \\u2028\\n\",\"n\":0,\"one\":1,"
	"\"r\":0.1,\"t\":true,\"f\":false,\"z\":null,\"e\":\"\",\"l\":[],"
	"\"entities\":[{\"name\":\"Task\",\"fields\":[{\"name\":\"title\",\"last\":false},"
	"{\"name\":\"done\",\"last\":true}],\"self\":{\"self\":{\"self\":true}}}],"
	"\"items\":[1,2.5,\"s\",[3,[4]],{\"name\":\"in\"},null,true]}";

struct text {
	const char *p;
	size_t n;
};

/* Every partial is the template itself. */
static int load_self(const char *name, struct buf *out, void *arg)
{
	const struct text *t = arg;

	if (!strcmp(name, "missing"))
		return ak_error(AK_EXIT_IOERR, "no partial '%s'", name);
	return buf_add(out, t->p, t->n);
}

/* Whether a raw byte the escaping esc must never let through is in s. */
static int leaks(enum tpl_escape esc, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];

		switch (esc) {
		case TPL_ESCAPE_NONE:
			return 0;
		case TPL_ESCAPE_HTML:
			if (c == '<' || c == '>' || c == '"' || c == '\'')
				return 1;
			break;
		case TPL_ESCAPE_SQL:
			if (c == '\'' && (i + 1 == n || s[++i] != '\''))
				return 1;
			break;
		default:
			if (c == '\\') {
				i++;    /* the escaped character */
				continue;
			}
			if (c == '"' || c == '\n' || c == '\r' || c < 0x20 || c == 0x7f)
				return 1;
			if (c == '\'' && esc != TPL_ESCAPE_JSON)
				return 1;
			if ((esc == TPL_ESCAPE_JS || esc == TPL_ESCAPE_JSON) &&
			    (c == '<' || (c == 0xe2 && i + 2 < n && s[i + 1] == 0x80 &&
					  (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))))
				return 1;
			if ((c == '`' && esc == TPL_ESCAPE_JS) ||
			    (c == '$' && esc == TPL_ESCAPE_KOTLIN))
				return 1;
			break;
		}
	}
	return 0;
}

static void check_escapes(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	json_t *str;

	for (int esc = TPL_ESCAPE_NONE; esc <= TPL_ESCAPE_SQL; esc++) {
		buf_reset(&b);
		if (tpl_escape(esc, s, n, &b) < 0)
			abort();
		if (leaks(esc, (const unsigned char *)b.p, b.len))
			abort();
		if (esc == TPL_ESCAPE_JSON && (str = json_stringn(s, n))) {
			/* valid UTF-8 in, the same string out */
			struct buf q = BUF_INIT;
			json_t *back;

			if (buf_addch(&q, '"') < 0 || buf_add(&q, b.p, b.len) < 0 ||
			    buf_addch(&q, '"') < 0)
				abort();
			back = json_loadb(q.p, q.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
			if (!back || !json_equal(back, str))
				abort();
			json_decref(back);
			json_decref(str);
			buf_release(&q);
		}
	}
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nul = memchr(p, '\0', size);
	struct text self = { p, nul ? (size_t)(nul - p) : size };
	json_t *view = nul ? json_loadb(nul + 1, size - self.n - 1, JSON_DECODE_ANY, NULL) :
		json_loads(fixed_view, 0, NULL);
	struct tpl_options o = TPL_OPTIONS_INIT;
	struct buf out;

	o.partial = load_self;
	o.partial_arg = &self;
	o.name = "fuzz";
	buf_init(&out, OUT_LIMIT);
	for (int esc = TPL_ESCAPE_NONE; esc <= TPL_ESCAPE_SQL; esc++) {
		int rc;

		o.escape = esc;
		o.strict = esc & 1;
		buf_reset(&out);
		rc = tpl_render(self.p, self.n, view, &o, &out);
		if (!memmem(self.p, self.n, "{{", 2) &&
		    (rc < 0 || out.len != self.n || memcmp(out.p, self.p, self.n)))
			abort();
		if (rc < 0 && !*ak_errmsg())
			abort();
		/* the step limit is met the same way in every mode */
		if (rc < 0 && strstr(ak_errmsg(), "steps"))
			break;
	}
	check_escapes(self.p, self.n);
	buf_release(&out);
	json_decref(view);
	return 0;
}
