/*
 * fuzz-secscan.c - libFuzzer target for the parsers of agent-secscan that
 * read files they did not write: the lockfile readers (lockfile.c), the
 * OSV record reader (osv.c) and the Terraform and Dockerfile checks
 * (iac.c).
 *
 * The first byte picks the reader, the rest is the file. What must hold:
 * a reader fails only with a message, a dependency it returns has a name,
 * a version and a line inside the file, and a check's hit lies inside the
 * text on a line that exists.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "secscan/iac.h"
#include "lockfile.h"
#include "secscan/osv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"package-lock.json", "requirements.txt", "go.mod", "Cargo.lock",
};

struct bounds {
	const char *text;
	size_t len;
	unsigned lines;
};

static int on_hit(void *ctx, const struct iac_hit *h)
{
	const struct bounds *b = ctx;

	if (h->line < 1 || h->line > b->lines || h->column < 1 || !h->check ||
	    (h->snippet && (h->snippet < b->text || h->snippet + h->snippet_len > b->text + b->len)))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	unsigned lines = 1;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (data[0] < 4) {
		struct lockfile_deps d = LOCKFILE_DEPS_INIT;

		if (lockfile_parse(names[data[0]], text, len, NULL, &d) < 0) {
			if (!ak_errmsg()[0])
				__builtin_trap();
		} else {
			for (size_t i = 0; i < d.n; i++)
				if (!d.v[i].name || !d.v[i].version || d.v[i].line < 1 ||
				    (unsigned)d.v[i].line > lines)
					__builtin_trap();
		}
		lockfile_deps_release(&d);
	} else if (data[0] < 8) {
		json_t *rec = osv_parse(text, len);

		if (rec) {
			osv_severity(rec);
			osv_affects(rec, "PyPI", "pkg", "1.0.0", NULL);
			osv_affects(rec, "npm", "pkg", "1.0.0", NULL);
		} else if (!ak_errmsg()[0]) {
			__builtin_trap();
		}
		json_decref(rec);
	} else {
		struct bounds b = { text, len, lines };

		iac_scan(data[0] < 12 ? "main.tf" : "Dockerfile", text, len, NULL, on_hit, &b);
	}
	return 0;
}
