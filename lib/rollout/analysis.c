/* lib/rollout/analysis.c - placeholder until written */
