/* lib/deploy/sbom.c - placeholder until written */
