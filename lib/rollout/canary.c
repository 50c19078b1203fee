/* lib/rollout/canary.c - placeholder until written */
