/*
 * iac.h - structural checks of infrastructure files for agent-secscan.
 *
 * Some misconfigurations cannot be told by a regex on one line: a
 * Terraform resource that lacks an attribute, a security group whose
 * ingress block opens port 22 to the world through a port range, the last
 * USER of the final stage of a Dockerfile. Rules name these checks with
 * "check:" instead of a pattern, and the scanner hands every file whose
 * path matches such a rule to iac_scan.
 *
 * Terraform files are read with a small, bounded HCL reader (blocks,
 * attributes, strings, heredocs, lists, objects, function calls such as
 * jsonencode): enough to find blocks, the literal values of their
 * attributes and their lines. Input may be any bytes; text that does not
 * parse yields no hits rather than an error.
 *
 * Checks (the names rules use):
 *   docker-root-user         final stage runs as root (no USER, or USER root/0)
 *   tf-s3-public-acl         S3 bucket ACL public-read, public-read-write,
 *                            authenticated-read
 *   tf-s3-public-access-block  a public access block flag set to false
 *   tf-sg-open-ssh           ingress from 0.0.0.0/0 or ::/0 covering port 22
 *   tf-sg-open-rdp           the same for port 3389
 *   tf-rds-unencrypted       aws_db_instance / aws_rds_cluster without
 *                            storage_encrypted = true
 *   tf-rds-public            publicly_accessible = true
 *   tf-ec2-imdsv1            aws_instance / aws_launch_template without
 *                            metadata_options { http_tokens = "required" }
 *   tf-iam-wildcard          a policy statement allowing Action "*" on
 *                            Resource "*"
 */
#ifndef AK_SECSCAN_IAC_H
#define AK_SECSCAN_IAC_H

#include <stddef.h>

struct iac_hit {
	const char *check;      /* the check's name, as in "check:" */
	unsigned line, column;  /* 1-based, of the offending attribute or block */
	const char *snippet;    /* the offending text, not NUL-terminated */
	size_t snippet_len;
};

/* Called once per hit; returns 0, or -1 to stop the scan. */
typedef int (*iac_emit_fn)(void *ctx, const struct iac_hit *hit);

/* Whether name is a check this file implements. */
int iac_check_known(const char *name);

/*
 * Run the checks named in want (NULL-terminated list; NULL = all) that
 * apply to a file of this path (Terraform: *.tf; Dockerfile, Containerfile
 * and *.dockerfile names) over text[0..len). The hit's check and snippet
 * are borrowed: check is static, snippet points into text.
 *
 * Returns 0; -1 when emit asked to stop; -1 with ak_error(AK_EXIT_SOFTWARE)
 * when memory ran out. Bad syntax is never an error: it yields no hits.
 */
int iac_scan(const char *path, const char *text, size_t len,
	     const char *const *want, iac_emit_fn emit, void *ctx);

#endif
