/* lib/deploy/gate.c - placeholder until written */
