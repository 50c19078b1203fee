/*
 * validate.c - per-type data checks behind `agentctl validate --strict`.
 *
 * One table, read top to bottom: a type pattern (an exact type, or a prefix
 * ending in '.'), then the fields its data must hold as "name:kind" where
 * kind is s (string), n (number), i (integer), b (boolean), a (array),
 * o (object), S (status: "pass" or "fail") or * (any value).
 */
#include <stdio.h>
#include <string.h>

#include "validate.h"
#include "banned.h"

struct rule {
	const char *type;
	const char *fields[8];
};

static const struct rule rules[] = {
	{ "requirement.submitted", { "title:s", "text:s", "format:s", "origin:s" } },
	{ "requirement.analyzed", { "stories:a", "nfrs:a", "entities:a", "questions:a", "engine:s" } },
	{ "feature.backend_ready", { "openapi:*", "schema:o", "endpoints:a", "start:o" } },
	{ "feature.frontend_ready", { "components:a", "client:*", "build:o" } },
	{ "feature.app_ready", { "platforms:a" } },
	{ "feature.integrated", { "status:S", "contract:o", "e2e:o" } },
	{ "feature.tested", { "status:S", "tests:o" } },
	{ "feature.security_checked", { "status:S", "counts:o", "findings:a" } },
	{ "feature.staging_deployed", { "environment:s", "version:s", "artifact:o" } },
	{ "feature.ready_for_production", { "smoke:*", "performance:o", "approval:o" } },
	{ "feature.deploy_refused", { "stage:s", "reasons:a" } },
	{ "feature.approved", { "by:s" } },
	{ "feature.production_deployed", { "environment:s", "version:s" } },
	{ "rollout.", { "step:i", "weight:n" } },
	{ "infra.", { "environment:s", "changes:o" } },
	{ "alert.", { "rule:s", "target:s", "value:*", "threshold:*" } },
	{ "agent.rejected", { "line:i", "reason:s", "input:s", "input_complete:b" } },
	{ "agent.failed", { "reason:s" } },
	{ "agent.stopped", { "reason:s", "tokens_spent:i", "cost_spent:n" } },
};

static const char *const kind_names[128] = {
	['s'] = "a string", ['n'] = "a number", ['i'] = "an integer",
	['b'] = "a boolean", ['a'] = "an array", ['o'] = "an object",
	['S'] = "\"pass\" or \"fail\"",
};

static int kind_ok(const json_t *v, char kind)
{
	const char *s;

	switch (kind) {
	case 's': return json_is_string(v);
	case 'n': return json_is_number(v);
	case 'i': return json_is_integer(v);
	case 'b': return json_is_boolean(v);
	case 'a': return json_is_array(v);
	case 'o': return json_is_object(v);
	case 'S':
		s = json_string_value(v);
		return s && (!strcmp(s, "pass") || !strcmp(s, "fail"));
	default: return v != NULL;
	}
}

static int matches(const char *pattern, const char *type)
{
	size_t n = strlen(pattern);

	if (pattern[n - 1] == '.')
		return !strncmp(pattern, type, n);
	return !strcmp(pattern, type);
}

int validate_data(const json_t *ev, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const json_t *data = json_object_get(ev, "data");

	if (!type)
		return 0;
	for (size_t r = 0; r < sizeof(rules) / sizeof(*rules); r++) {
		if (!matches(rules[r].type, type))
			continue;
		if (!json_is_object(data)) {
			snprintf(why, whylen, "%s: data must be an object", type);
			return -1;
		}
		for (const char *const *f = rules[r].fields; *f; f++) {
			const char *colon = strchr(*f, ':');
			char name[32];
			const json_t *v;

			snprintf(name, sizeof(name), "%.*s", (int)(colon - *f), *f);
			v = json_object_get(data, name);
			if (!v) {
				snprintf(why, whylen, "%s: data.%s is missing", type, name);
				return -1;
			}
			if (!kind_ok(v, colon[1])) {
				snprintf(why, whylen, "%s: data.%s must be %s", type, name,
					 kind_names[(unsigned char)colon[1]]);
				return -1;
			}
		}
		return 0;
	}
	return 0;
}

const char *const *validate_known_types(void)
{
	static const char *types[sizeof(rules) / sizeof(*rules) + 1];

	for (size_t r = 0; r < sizeof(rules) / sizeof(*rules); r++)
		types[r] = rules[r].type;
	return types;
}
