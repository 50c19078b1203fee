/* lib/rollout/rollout.c - placeholder until written */
