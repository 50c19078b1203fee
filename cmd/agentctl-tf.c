/* agentctl-tf.c - placeholder until written */
#include "agentctl.h"

const struct verb agentctl_tf_verbs[] = { { NULL, NULL, NULL, NULL, NULL, NULL } };
const size_t agentctl_tf_nverbs = 0;
