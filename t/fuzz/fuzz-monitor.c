/*
 * fuzz-monitor.c - libFuzzer target for agent-monitor's check file reader.
 *
 * Each input is read as a check file; when it is accepted, every string of
 * every check is walked and each check looked up by its name, so the
 * sanitizers see what the reader keeps. Errors are expected and ignored;
 * crashes, leaks, hangs and undefined behaviour are what this looks for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "monitor/checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t len(const char *s)
{
	return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct monitor_checks l = MONITOR_CHECKS_INIT;
	size_t total = 0;

	if (monitor_checks_parse((const char *)data, size, "fuzz.yaml", &l) < 0) {
		total += strlen(ak_errmsg());
		return 0;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct monitor_check *c = &l.v[i];

		total += len(c->name) + len(c->target) + len(c->contains) + len(c->query) +
			 len(c->servername) + strlen(monitor_kind_name(c->kind));
		if (monitor_checks_find(&l, c->name) != c)
			abort();
	}
	monitor_checks_release(&l);
	return total == (size_t)-1;
}
