/*
 * fuzz-config.c - libFuzzer target for the YAML configuration reader.
 *
 * Each input is loaded as a configuration file into a fresh configuration,
 * which is then walked and freed, so the sanitizers see every byte the
 * parser and the store touch. Errors are expected and ignored; crashes,
 * leaks, hangs and undefined behaviour are what this looks for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int visit(const char *key, const char *value, enum config_layer layer,
		 const char *origin, void *ctx)
{
	size_t *total = ctx;

	/* Touch every byte of every string. */
	*total += strlen(key) + strlen(value) + strlen(origin) +
		  strlen(config_layer_name(layer));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = config_new();
	size_t total = 0, sz;
	char *unknown;

	if (!cfg)
		return 0;
	config_load_buffer(cfg, (const char *)data, size, "fuzz.yaml",
			   CONFIG_FILE);
	config_foreach(cfg, visit, &total);
	config_get_size(cfg, "max_line", &sz);
	unknown = config_unknown_keys(cfg);
	free(unknown);
	config_free(cfg);
	return 0;
}
