/*
 * fuzz-apiview.c - libFuzzer target for what the generators do with a
 * contract they did not write (lib/yamljson.c, lib/apiview.c,
 * lib/backend/ddl.c) and with an analysis (lib/backend/openapi.c).
 *
 * The first byte picks the side. 0-127: the rest is a YAML or JSON
 * document, read as an OpenAPI contract; a view made from it must give
 * schemas that SQLite accepts. 128-255: the rest is JSON, read as an
 * analysis; a contract made from it must give a view.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "apiview.h"
#include "buf.h"
#include "sqlcheck.h"
#include "yamljson.h"
#include "backend/ddl.h"
#include "backend/openapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void contract_side(json_t *doc)
{
	struct apiview_opts o = APIVIEW_OPTS_INIT;
	json_t *view = apiview_from_openapi(doc, &o);
	struct buf sq = BUF_INIT, pg = BUF_INIT;

	if (!view)
		return;
	if (ddl_write(view, DDL_SQLITE, &sq) < 0 || ddl_write(view, DDL_POSTGRES, &pg) < 0)
		abort();
	if (sqlcheck_sqlite(sq.p) < 0)
		abort();
	buf_release(&sq);
	buf_release(&pg);
	json_decref(view);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v, *doc;

	if (size < 1)
		return 0;
	if (data[0] < 128) {
		v = yaml_parse((const char *)data + 1, size - 1, "fuzz");
		if (v)
			contract_side(v);
		json_decref(v);
		return 0;
	}
	v = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	if (!v)
		return 0;
	doc = openapi_from_analysis(v, "Fuzz", "1");
	if (doc) {
		struct apiview_opts o = APIVIEW_OPTS_INIT;
		json_t *view = apiview_from_openapi(doc, &o);
		if (!view)
			abort();
		json_decref(view);
		contract_side(doc);
	}
	json_decref(doc);
	json_decref(v);
	return 0;
}
