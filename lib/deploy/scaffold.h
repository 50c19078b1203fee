/*
 * scaffold.h - the starting point of an infrastructure folder.
 *
 * The layout agentctl tf works on: one folder per environment under
 * environments/ (dev, staging, production), each with its own state and
 * sizes; shared modules under modules/ (vpc, eks, rds, elasticache, s3,
 * security, monitoring); account-wide pieces under global/ (dns, cdn,
 * waf); and scripts/ that drive agentctl tf. The files are Terraform for
 * the AWS provider, meant to be edited.
 */
#ifndef AK_DEPLOY_SCAFFOLD_H
#define AK_DEPLOY_SCAFFOLD_H

#include <stddef.h>

/* How many files a scaffold has. */
size_t scaffold_count(void);

/* The relative path of file i (< scaffold_count()), e.g. "modules/vpc/main.tf". */
const char *scaffold_path(size_t i);

/*
 * Write the scaffold under root, creating folders as needed. A file that
 * exists is kept unless force. report (may be NULL) is called once per
 * file with its path under root ("ROOT/modules/vpc/main.tf") and whether
 * it was written (1) or kept (0). Scripts are made executable. Returns 0,
 * or -1 with ak_error (AK_EXIT_IOERR) at the first file that cannot be
 * written; the files before it stay.
 */
int scaffold_write(const char *root, int force,
		   void (*report)(const char *path, int written, void *ctx), void *ctx);

#endif
