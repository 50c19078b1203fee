/* lib/deploy/tf.c - placeholder until written */
