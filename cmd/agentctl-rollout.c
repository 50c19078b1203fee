/* agentctl-rollout.c - placeholder until written */
#include "agentctl.h"

const struct verb agentctl_rollout_verbs[] = { { NULL, NULL, NULL, NULL, NULL, NULL } };
const size_t agentctl_rollout_nverbs = 0;
