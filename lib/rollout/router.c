/* lib/rollout/router.c - placeholder until written */
