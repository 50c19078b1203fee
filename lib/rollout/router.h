/*
 * router.h - the traffic routers of a blue-green or canary rollout: move
 * a share of the traffic (the canary weight, 0..100 percent) from the
 * stable version to the canary version; stable gets 100 - weight.
 *
 * Three kinds:
 *   nginx    writes an include file holding one upstream block with the
 *            two servers, tests the whole configuration (NGINX -t) and
 *            reloads it (NGINX -s reload). A reload is graceful: old
 *            workers finish the requests they hold, so no request is lost.
 *   haproxy  sets the weights of the two servers of a backend through the
 *            runtime API ("stats socket ... level admin").
 *   cmd      runs a program of the caller's with the weights as arguments.
 *
 * External programs run by argv (lib/proc.h), never through a shell.
 */
#ifndef AK_ROLLOUT_ROUTER_H
#define AK_ROLLOUT_ROUTER_H

enum router_kind { ROUTER_NGINX = 1, ROUTER_HAPROXY, ROUTER_CMD };

struct router_conf {
	enum router_kind kind;
	/* nginx: a generated include file holding one upstream block */
	const char *file;        /* path of the include file to write */
	const char *upstream;    /* upstream name */
	const char *stable;      /* nginx: "host:port" of the stable (blue)
	                            server; haproxy: its server name */
	const char *canary;      /* the same for the canary (green) server */
	const char *nginx;       /* the nginx command, split like a shell
	                            would ("nginx -p DIR -c FILE"); NULL:
	                            "nginx". "-t" and "-s reload" are appended */
	/* haproxy runtime API */
	const char *socket;      /* unix socket of "stats socket ... level admin" */
	const char *backend;     /* backend name */
	/* command hook */
	const char *command;     /* "PROGRAM ARGS...", split like a shell
	                            would; in each word "{weight}" becomes the
	                            canary weight and "{stable_weight}" 100
	                            minus it. Exit status 0 is success */
	long timeout_ms;         /* per external command or socket exchange;
	                            0: 10000 */
};

struct router;

/*
 * A router for c; the strings of c are copied. Returns NULL with
 * ak_error(AK_EXIT_USAGE) when a field the kind needs is missing, a
 * command cannot be split, or a name holds characters that would change
 * the meaning of the nginx file or of a runtime API command (blanks,
 * ';', '{', '}', '#', quotes, control characters).
 */
struct router *router_new(const struct router_conf *c);

/* Free r (NULL is fine). Leaves the routing as it is. */
void router_free(struct router *r);

/*
 * Send weight percent (0..100) of the traffic to the canary. Returns 0, or
 * -1 with ak_error: AK_EXIT_USAGE for a weight out of range,
 * AK_EXIT_TEMPFAIL for a timeout, AK_EXIT_UNAVAILABLE when nginx, HAProxy
 * or the command refuses (their message is in the error), AK_EXIT_IOERR
 * when the nginx file cannot be written. On failure the previous routing
 * stays in force: nginx gets its previous file back (or none, if there was
 * none); HAProxy gets back the weight of a server set before the failure.
 * At weight 0 the canary is written "down" for nginx, which refuses
 * weight=0; at 100 the stable server is. HAProxy: the current weights are
 * read first; a growing canary share raises the canary before lowering
 * the stable server, a shrinking one raises the stable server first, so
 * the two are never both low at once. Weights are the percentages.
 */
int router_set(struct router *r, int weight);

/*
 * The canary weight the router reports now, into *weight: nginx: parsed
 * back from the file (-1 when the file does not exist); haproxy: the
 * current weights of both servers as the canary's share in percent,
 * rounded (-1 when both are 0); cmd: the last weight set through this
 * router (-1 before the first). Returns 0, or -1 with ak_error
 * (AK_EXIT_DATAERR for a file or a reply that cannot be read).
 */
int router_get(struct router *r, int *weight);

/* "nginx", "haproxy", "cmd"; "unknown" for anything else. */
const char *router_kind_name(enum router_kind k);

/* The kind named name; 0, or -1 with ak_error(AK_EXIT_USAGE). */
int router_kind_parse(const char *name, enum router_kind *k);

#endif
