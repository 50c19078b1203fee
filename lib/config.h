/*
 * config.h - the effective configuration and where each value came from.
 *
 * Values are strings under dotted keys ("llm.url", "log.level"). Layers,
 * lowest to highest: built-in defaults, $XDG_CONFIG_HOME/agentkit/config.yaml
 * (~/.config when XDG_CONFIG_HOME is unset), ./agentkit.yaml, a file named
 * by --config, AGENTKIT_* environment variables, command-line flags. A
 * higher layer replaces a value; each value remembers its layer and origin
 * (file path and line, variable name, or flag) for `agentctl config`.
 *
 * YAML files are read with libyaml: nested mappings become dotted keys
 * (llm: {url: x} sets llm.url); a sequence of scalars becomes a
 * comma-separated value. Keys a file sets that no part of agentkit knows
 * are kept and reported by config_unknown_keys, not refused, so newer
 * files work with older programs.
 */
#ifndef AK_CONFIG_H
#define AK_CONFIG_H

#include <stddef.h>

enum config_layer {
	CONFIG_DEFAULT,
	CONFIG_USER,      /* $XDG_CONFIG_HOME/agentkit/config.yaml */
	CONFIG_PROJECT,   /* ./agentkit.yaml */
	CONFIG_FILE,      /* --config FILE */
	CONFIG_ENV,
	CONFIG_FLAG,
};

/* A key agentkit knows: its default, environment variable and meaning. */
struct config_key {
	const char *name;        /* "llm.url" */
	const char *env;         /* "AGENTKIT_LLM_URL", or NULL */
	const char *def;         /* default value, or NULL for unset */
	const char *help;        /* one line */
	int secret;              /* never shown: agentctl config prints "(set)" */
};

struct config;

/* A configuration holding the defaults of every known key. NULL on ENOMEM. */
struct config *config_new(void);
void config_free(struct config *cfg);

/* The table of known keys, terminated by an entry with name NULL. */
const struct config_key *config_keys(void);

/*
 * Read a YAML file into the given layer. A missing file is not an error
 * when optional is 1. Returns 0, or -1 with ak_error (AK_EXIT_DATAERR for
 * a YAML syntax error or a top level that is not a mapping, with file and
 * line in the message; AK_EXIT_IOERR when it cannot be read). On error the
 * configuration is unchanged.
 */
int config_load_file(struct config *cfg, const char *path,
		     enum config_layer layer, int optional);

/* The same from a buffer; name is used in messages and as the origin. */
int config_load_buffer(struct config *cfg, const char *buf, size_t len,
		       const char *name, enum config_layer layer);

/* Apply the AGENTKIT_* variables of known keys from envp (NULL-terminated). */
int config_load_env(struct config *cfg, char *const *envp);

/*
 * Load the standard layers in order: user file, project file, explicit
 * file (if not NULL; it must exist), environment. Returns 0 or -1.
 */
int config_load_standard(struct config *cfg, const char *explicit_file,
			 char *const *envp);

/* Set one value (copied). origin is e.g. "--workspace". Returns 0 or -1. */
int config_set(struct config *cfg, const char *key, const char *value,
	       enum config_layer layer, const char *origin);

/* The value, or NULL when unset. Borrowed: valid until the key is set again. */
const char *config_get(const struct config *cfg, const char *key);

/*
 * The value parsed as a non-negative size with an optional K/M/G suffix
 * (powers of 1024). Returns 0 with *out set, 1 when unset (*out untouched),
 * -1 with ak_error (AK_EXIT_USAGE) when the value is not a size.
 */
int config_get_size(const struct config *cfg, const char *key, size_t *out);

/* Visit every set value in key order. Stops early when fn returns non-zero. */
int config_foreach(const struct config *cfg,
		   int (*fn)(const char *key, const char *value,
			     enum config_layer layer, const char *origin,
			     void *ctx),
		   void *ctx);

/* "default", "user", "project", "file", "env", "flag". */
const char *config_layer_name(enum config_layer layer);

/* Keys set by files that config_keys() does not list, comma-separated in
 * key order, or NULL when there are none. New string, owned by the caller. */
char *config_unknown_keys(const struct config *cfg);

#endif
