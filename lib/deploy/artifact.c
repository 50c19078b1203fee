/* lib/deploy/artifact.c - placeholder until written */
