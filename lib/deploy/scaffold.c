/* lib/deploy/scaffold.c - placeholder until written */
