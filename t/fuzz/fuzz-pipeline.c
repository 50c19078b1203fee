/*
 * fuzz-pipeline.c - libFuzzer target for the pipeline files of agentctl run.
 *
 * Each input is read as a pipeline file; when it is accepted, every stage's
 * words, types and variables are walked and each stage looked up by its
 * name, and the graph's promises checked: every stage has something to run,
 * to wait on and to make, and the inputs are types no stage makes. Errors
 * are expected; crashes, leaks, hangs, undefined behaviour and a broken
 * promise (abort) are what this looks for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "run/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(char *const *list)
{
	size_t n = 0;

	for (; list && *list; list++)
		n += strlen(*list) + 1;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline p;
	size_t total = 0;

	if (pipeline_parse(&p, (const char *)data, size, "fuzz.yaml") < 0) {
		total += strlen(ak_errmsg());
		return total == 0;
	}
	if (p.nstages == 0 || p.ninputs == 0)
		abort();
	for (size_t i = 0; i < p.nstages; i++) {
		const struct stage *s = &p.stages[i];

		if (!s->argv || !s->argv[0] || s->nin == 0 || s->nout == 0 ||
		    pipeline_stage(&p, s->name) != s)
			abort();
		total += walk(s->argv) + walk(s->in) + walk(s->out) + walk(s->env);
	}
	for (size_t k = 0; k < p.ninputs; k++)
		for (size_t i = 0; i < p.nstages; i++)
			if (pipeline_has_type(p.stages[i].out, p.inputs[k]))
				abort();
	pipeline_release(&p);
	return total == 0;
}
