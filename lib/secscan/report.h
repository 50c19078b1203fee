/*
 * report.h - findings summed up: the feature.security_checked data, the
 * terminal table, baselines, and the rules' own examples checked.
 */
#ifndef AK_SECSCAN_REPORT_H
#define AK_SECSCAN_REPORT_H

#include <stdio.h>
#include <jansson.h>

#include "secscan/engine.h"
#include "secscan/finding.h"

#define REPORT_FINDINGS_MAX 100   /* findings carried in the event itself */

/*
 * The data of feature.security_checked for findings (borrowed) and the
 * scanner's stats (borrowed): {status, fail_on, counts {critical, high,
 * medium, low}, total, findings[] (the first REPORT_FINDINGS_MAX, without
 * their locations past the first ten), scanned {...}, suppressed}.
 * *no is set when a finding is at or above fail_on. New reference.
 */
json_t *report_data(json_t *findings, json_t *stats, enum severity fail_on, int *no);

/* A table a person reads: severity, rule, where, what. color: ANSI colours. */
void report_table(FILE *fp, json_t *findings, int color);

/*
 * The fingerprints of a baseline file: an earlier --format json output
 * ({"findings": [...]} or a bare array), or a SARIF log
 * (partialFingerprints). A new object used as a set, or NULL with ak_error.
 */
json_t *baseline_load(const char *path);

/* Drop from findings (an array, changed in place) those whose fingerprint
 * is in baseline; returns how many were dropped. */
size_t baseline_apply(json_t *findings, json_t *baseline);

/*
 * Check every rule's examples and negative examples with engine e over
 * rs (only the rules read from file, when not NULL). Failures are written
 * to fp, one per line. Returns the number of failures, or -1 with
 * ak_error.
 */
int rules_check(const struct ruleset *rs, const struct engine *e, const char *file, FILE *fp);

#endif
